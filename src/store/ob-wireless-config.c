/* ob-wireless-config.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-wireless-config.h"

struct _ObWirelessConfig
{
  GObject parent_instance;

  char     *name;
  guint     authentication_method;
  guint     encryption_method;
  char     *ssid;
  int       psk_value;
  char     *ieee8021x_profile_name;
  char     *tenant_id;
  gint64    version;
  GVariant *link_policy;
};

G_DEFINE_FINAL_TYPE (ObWirelessConfig, ob_wireless_config, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_AUTHENTICATION_METHOD,
  PROP_ENCRYPTION_METHOD,
  PROP_SSID,
  PROP_PSK_VALUE,
  PROP_LINK_POLICY,
  PROP_IEEE8021X_PROFILE_NAME,
  PROP_TENANT_ID,
  PROP_VERSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ob_wireless_config_finalize (GObject *object)
{
  ObWirelessConfig *self = (ObWirelessConfig *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->ssid, g_free);
  g_clear_pointer (&self->ieee8021x_profile_name, g_free);
  g_clear_pointer (&self->tenant_id, g_free);
  g_clear_pointer (&self->link_policy, g_variant_unref);

  G_OBJECT_CLASS (ob_wireless_config_parent_class)->finalize (object);
}

static void
ob_wireless_config_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ObWirelessConfig *self = OB_WIRELESS_CONFIG (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_AUTHENTICATION_METHOD:
      g_value_set_uint (value, self->authentication_method);
      break;

    case PROP_ENCRYPTION_METHOD:
      g_value_set_uint (value, self->encryption_method);
      break;

    case PROP_SSID:
      g_value_set_string (value, self->ssid);
      break;

    case PROP_PSK_VALUE:
      g_value_set_int (value, self->psk_value);
      break;

    case PROP_LINK_POLICY:
      g_value_set_variant (value, self->link_policy);
      break;

    case PROP_IEEE8021X_PROFILE_NAME:
      g_value_set_string (value, self->ieee8021x_profile_name);
      break;

    case PROP_TENANT_ID:
      g_value_set_string (value, self->tenant_id);
      break;

    case PROP_VERSION:
      g_value_set_int64 (value, self->version);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_wireless_config_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ObWirelessConfig *self = OB_WIRELESS_CONFIG (object);

  switch (prop_id)
    {
    case PROP_NAME:
      ob_wireless_config_set_name (self, g_value_get_string (value));
      break;

    case PROP_AUTHENTICATION_METHOD:
      ob_wireless_config_set_authentication_method (self, g_value_get_uint (value));
      break;

    case PROP_ENCRYPTION_METHOD:
      ob_wireless_config_set_encryption_method (self, g_value_get_uint (value));
      break;

    case PROP_SSID:
      ob_wireless_config_set_ssid (self, g_value_get_string (value));
      break;

    case PROP_PSK_VALUE:
      ob_wireless_config_set_psk_value (self, g_value_get_int (value));
      break;

    case PROP_LINK_POLICY:
      ob_wireless_config_set_link_policy_variant (self, g_value_get_variant (value));
      break;

    case PROP_IEEE8021X_PROFILE_NAME:
      ob_wireless_config_set_ieee8021x_profile_name (self, g_value_get_string (value));
      break;

    case PROP_TENANT_ID:
      ob_wireless_config_set_tenant_id (self, g_value_get_string (value));
      break;

    case PROP_VERSION:
      ob_wireless_config_set_version (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_wireless_config_class_init (ObWirelessConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_wireless_config_finalize;
  object_class->get_property = ob_wireless_config_get_property;
  object_class->set_property = ob_wireless_config_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_AUTHENTICATION_METHOD] =
    g_param_spec_uint ("authentication-method", NULL, NULL,
                       0, G_MAXUINT, 6,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ENCRYPTION_METHOD] =
    g_param_spec_uint ("encryption-method", NULL, NULL,
                       0, G_MAXUINT, 4,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SSID] =
    g_param_spec_string ("ssid", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PSK_VALUE] =
    g_param_spec_int ("psk-value", NULL, NULL,
                      G_MININT, G_MAXINT, 0,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LINK_POLICY] =
    g_param_spec_variant ("link-policy", NULL, NULL,
                          G_VARIANT_TYPE ("ai"),
                          NULL,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_IEEE8021X_PROFILE_NAME] =
    g_param_spec_string ("ieee8021x-profile-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TENANT_ID] =
    g_param_spec_string ("tenant-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_VERSION] =
    g_param_spec_int64 ("version", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_wireless_config_init (ObWirelessConfig *self)
{
  self->authentication_method = 6;
  self->encryption_method = 4;
}

ObWirelessConfig *
ob_wireless_config_new (const char *name)
{
  return g_object_new (OB_TYPE_WIRELESS_CONFIG, "name", name, NULL);
}

const char *
ob_wireless_config_get_name (ObWirelessConfig *self)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), NULL);

  return self->name;
}

void
ob_wireless_config_set_name (ObWirelessConfig *self,
                             const char       *name)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

guint
ob_wireless_config_get_authentication_method (ObWirelessConfig *self)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), 0);

  return self->authentication_method;
}

void
ob_wireless_config_set_authentication_method (ObWirelessConfig *self,
                                              guint             authentication_method)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));

  if (self->authentication_method == authentication_method)
    return;

  self->authentication_method = authentication_method;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHENTICATION_METHOD]);
}

guint
ob_wireless_config_get_encryption_method (ObWirelessConfig *self)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), 0);

  return self->encryption_method;
}

void
ob_wireless_config_set_encryption_method (ObWirelessConfig *self,
                                          guint             encryption_method)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));

  if (self->encryption_method == encryption_method)
    return;

  self->encryption_method = encryption_method;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENCRYPTION_METHOD]);
}

const char *
ob_wireless_config_get_ssid (ObWirelessConfig *self)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), NULL);

  return self->ssid;
}

void
ob_wireless_config_set_ssid (ObWirelessConfig *self,
                             const char       *ssid)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));

  if (g_strcmp0 (self->ssid, ssid) == 0)
    return;

  g_free (self->ssid);
  self->ssid = g_strdup (ssid);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SSID]);
}

int
ob_wireless_config_get_psk_value (ObWirelessConfig *self)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), 0);

  return self->psk_value;
}

void
ob_wireless_config_set_psk_value (ObWirelessConfig *self,
                                  int               psk_value)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));

  if (self->psk_value == psk_value)
    return;

  self->psk_value = psk_value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PSK_VALUE]);
}

const char *
ob_wireless_config_get_ieee8021x_profile_name (ObWirelessConfig *self)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), NULL);

  return self->ieee8021x_profile_name;
}

void
ob_wireless_config_set_ieee8021x_profile_name (ObWirelessConfig *self,
                                               const char       *ieee8021x_profile_name)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));

  if (g_strcmp0 (self->ieee8021x_profile_name, ieee8021x_profile_name) == 0)
    return;

  g_free (self->ieee8021x_profile_name);
  self->ieee8021x_profile_name = g_strdup (ieee8021x_profile_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IEEE8021X_PROFILE_NAME]);
}

const char *
ob_wireless_config_get_tenant_id (ObWirelessConfig *self)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), NULL);

  return self->tenant_id;
}

void
ob_wireless_config_set_tenant_id (ObWirelessConfig *self,
                                  const char       *tenant_id)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));

  if (g_strcmp0 (self->tenant_id, tenant_id) == 0)
    return;

  g_free (self->tenant_id);
  self->tenant_id = g_strdup (tenant_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TENANT_ID]);
}

gint64
ob_wireless_config_get_version (ObWirelessConfig *self)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), 0);

  return self->version;
}

void
ob_wireless_config_set_version (ObWirelessConfig *self,
                                gint64            version)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));

  g_return_if_fail (version >= 0);
  if (self->version == version)
    return;

  self->version = version;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
}

/**
 * ob_wireless_config_get_link_policy_variant:
 *
 * Returns: (transfer none) (nullable): the link policy as an "ai" variant
 */
GVariant *
ob_wireless_config_get_link_policy_variant (ObWirelessConfig *self)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), NULL);

  return self->link_policy;
}

void
ob_wireless_config_set_link_policy_variant (ObWirelessConfig *self,
                                            GVariant         *link_policy)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));
  g_return_if_fail (link_policy == NULL
                    || g_variant_is_of_type (link_policy, G_VARIANT_TYPE ("ai")));

  if (self->link_policy == link_policy
      || (self->link_policy != NULL && link_policy != NULL
          && g_variant_equal (self->link_policy, link_policy)))
    {
      /* Still consume a floating reference, as the caller expects. */
      if (link_policy != NULL && g_variant_is_floating (link_policy))
        g_variant_unref (g_variant_ref_sink (link_policy));
      return;
    }

  g_clear_pointer (&self->link_policy, g_variant_unref);
  if (link_policy != NULL)
    self->link_policy = g_variant_ref_sink (link_policy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINK_POLICY]);
}

/**
 * ob_wireless_config_get_link_policy:
 * @n_values: (out): number of values
 *
 * Returns: (transfer none) (array length=n_values) (nullable): the values,
 *   NULL when there are none
 */
const gint32 *
ob_wireless_config_get_link_policy (ObWirelessConfig *self,
                                    gsize            *n_values)
{
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (self), NULL);
  g_return_val_if_fail (n_values != NULL, NULL);

  *n_values = 0;
  if (self->link_policy == NULL)
    return NULL;

  return g_variant_get_fixed_array (self->link_policy, n_values, sizeof (gint32));
}

void
ob_wireless_config_set_link_policy (ObWirelessConfig *self,
                                    const gint32     *values,
                                    gsize             n_values)
{
  g_return_if_fail (OB_IS_WIRELESS_CONFIG (self));
  g_return_if_fail (values != NULL || n_values == 0);

  if (values == NULL)
    {
      ob_wireless_config_set_link_policy_variant (self, NULL);
      return;
    }

  ob_wireless_config_set_link_policy_variant (self,
                                              g_variant_new_fixed_array (G_VARIANT_TYPE_INT32,
                                                                         values, n_values,
                                                                         sizeof (gint32)));
}
