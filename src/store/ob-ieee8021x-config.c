/* ob-ieee8021x-config.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-ieee8021x-config.h"

struct _ObIeee8021xConfig
{
  GObject parent_instance;

  char     *name;
  guint     authentication_protocol;
  guint     pxe_timeout;
  gboolean  wired_interface;
  char     *tenant_id;
  gint64    version;
};

G_DEFINE_FINAL_TYPE (ObIeee8021xConfig, ob_ieee8021x_config, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_AUTHENTICATION_PROTOCOL,
  PROP_PXE_TIMEOUT,
  PROP_WIRED_INTERFACE,
  PROP_TENANT_ID,
  PROP_VERSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ob_ieee8021x_config_finalize (GObject *object)
{
  ObIeee8021xConfig *self = (ObIeee8021xConfig *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->tenant_id, g_free);

  G_OBJECT_CLASS (ob_ieee8021x_config_parent_class)->finalize (object);
}

static void
ob_ieee8021x_config_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ObIeee8021xConfig *self = OB_IEEE8021X_CONFIG (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_AUTHENTICATION_PROTOCOL:
      g_value_set_uint (value, self->authentication_protocol);
      break;

    case PROP_PXE_TIMEOUT:
      g_value_set_uint (value, self->pxe_timeout);
      break;

    case PROP_WIRED_INTERFACE:
      g_value_set_boolean (value, self->wired_interface);
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
ob_ieee8021x_config_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ObIeee8021xConfig *self = OB_IEEE8021X_CONFIG (object);

  switch (prop_id)
    {
    case PROP_NAME:
      ob_ieee8021x_config_set_name (self, g_value_get_string (value));
      break;

    case PROP_AUTHENTICATION_PROTOCOL:
      ob_ieee8021x_config_set_authentication_protocol (self, g_value_get_uint (value));
      break;

    case PROP_PXE_TIMEOUT:
      ob_ieee8021x_config_set_pxe_timeout (self, g_value_get_uint (value));
      break;

    case PROP_WIRED_INTERFACE:
      ob_ieee8021x_config_set_wired_interface (self, g_value_get_boolean (value));
      break;

    case PROP_TENANT_ID:
      ob_ieee8021x_config_set_tenant_id (self, g_value_get_string (value));
      break;

    case PROP_VERSION:
      ob_ieee8021x_config_set_version (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_ieee8021x_config_class_init (ObIeee8021xConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_ieee8021x_config_finalize;
  object_class->get_property = ob_ieee8021x_config_get_property;
  object_class->set_property = ob_ieee8021x_config_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_AUTHENTICATION_PROTOCOL] =
    g_param_spec_uint ("authentication-protocol", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PXE_TIMEOUT] =
    g_param_spec_uint ("pxe-timeout", NULL, NULL,
                       0, G_MAXUINT, 120,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_WIRED_INTERFACE] =
    g_param_spec_boolean ("wired-interface", NULL, NULL,
                          FALSE,
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
ob_ieee8021x_config_init (ObIeee8021xConfig *self)
{
  self->pxe_timeout = 120;
}

ObIeee8021xConfig *
ob_ieee8021x_config_new (const char *name)
{
  return g_object_new (OB_TYPE_IEEE8021X_CONFIG, "name", name, NULL);
}

const char *
ob_ieee8021x_config_get_name (ObIeee8021xConfig *self)
{
  g_return_val_if_fail (OB_IS_IEEE8021X_CONFIG (self), NULL);

  return self->name;
}

void
ob_ieee8021x_config_set_name (ObIeee8021xConfig *self,
                              const char        *name)
{
  g_return_if_fail (OB_IS_IEEE8021X_CONFIG (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

guint
ob_ieee8021x_config_get_authentication_protocol (ObIeee8021xConfig *self)
{
  g_return_val_if_fail (OB_IS_IEEE8021X_CONFIG (self), 0);

  return self->authentication_protocol;
}

void
ob_ieee8021x_config_set_authentication_protocol (ObIeee8021xConfig *self,
                                                 guint              authentication_protocol)
{
  g_return_if_fail (OB_IS_IEEE8021X_CONFIG (self));

  if (self->authentication_protocol == authentication_protocol)
    return;

  self->authentication_protocol = authentication_protocol;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHENTICATION_PROTOCOL]);
}

guint
ob_ieee8021x_config_get_pxe_timeout (ObIeee8021xConfig *self)
{
  g_return_val_if_fail (OB_IS_IEEE8021X_CONFIG (self), 0);

  return self->pxe_timeout;
}

void
ob_ieee8021x_config_set_pxe_timeout (ObIeee8021xConfig *self,
                                     guint              pxe_timeout)
{
  g_return_if_fail (OB_IS_IEEE8021X_CONFIG (self));

  if (self->pxe_timeout == pxe_timeout)
    return;

  self->pxe_timeout = pxe_timeout;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PXE_TIMEOUT]);
}

gboolean
ob_ieee8021x_config_get_wired_interface (ObIeee8021xConfig *self)
{
  g_return_val_if_fail (OB_IS_IEEE8021X_CONFIG (self), FALSE);

  return self->wired_interface;
}

void
ob_ieee8021x_config_set_wired_interface (ObIeee8021xConfig *self,
                                         gboolean           wired_interface)
{
  g_return_if_fail (OB_IS_IEEE8021X_CONFIG (self));

  wired_interface = !!wired_interface;
  if (self->wired_interface == wired_interface)
    return;

  self->wired_interface = wired_interface;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIRED_INTERFACE]);
}

const char *
ob_ieee8021x_config_get_tenant_id (ObIeee8021xConfig *self)
{
  g_return_val_if_fail (OB_IS_IEEE8021X_CONFIG (self), NULL);

  return self->tenant_id;
}

void
ob_ieee8021x_config_set_tenant_id (ObIeee8021xConfig *self,
                                   const char        *tenant_id)
{
  g_return_if_fail (OB_IS_IEEE8021X_CONFIG (self));

  if (g_strcmp0 (self->tenant_id, tenant_id) == 0)
    return;

  g_free (self->tenant_id);
  self->tenant_id = g_strdup (tenant_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TENANT_ID]);
}

gint64
ob_ieee8021x_config_get_version (ObIeee8021xConfig *self)
{
  g_return_val_if_fail (OB_IS_IEEE8021X_CONFIG (self), 0);

  return self->version;
}

void
ob_ieee8021x_config_set_version (ObIeee8021xConfig *self,
                                 gint64             version)
{
  g_return_if_fail (OB_IS_IEEE8021X_CONFIG (self));

  g_return_if_fail (version >= 0);
  if (self->version == version)
    return;

  self->version = version;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
}

