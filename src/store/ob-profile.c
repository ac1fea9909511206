/* ob-profile.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-profile.h"

G_DEFINE_BOXED_TYPE (ObProfileWifiLink, ob_profile_wifi_link,
                     ob_profile_wifi_link_copy, ob_profile_wifi_link_free)

ObProfileWifiLink *
ob_profile_wifi_link_new (const char *name,
                          guint       priority)
{
  ObProfileWifiLink *link = g_new0 (ObProfileWifiLink, 1);

  link->name = g_strdup (name);
  link->priority = priority;

  return link;
}

ObProfileWifiLink *
ob_profile_wifi_link_copy (const ObProfileWifiLink *link)
{
  g_return_val_if_fail (link != NULL, NULL);

  return ob_profile_wifi_link_new (link->name, link->priority);
}

void
ob_profile_wifi_link_free (ObProfileWifiLink *link)
{
  if (link == NULL)
    return;

  g_free (link->name);
  g_free (link);
}

struct _ObProfile
{
  GObject parent_instance;

  char       *name;
  char       *activation;
  gboolean    generate_random_password;
  gboolean    generate_random_mebx_password;
  char       *cira_config_name;
  char       *ieee8021x_profile_name;
  char      **tags;
  gboolean    dhcp_enabled;
  gboolean    ip_sync_enabled;
  gboolean    local_wifi_sync_enabled;
  guint       tls_mode;
  char       *tls_signing_authority;
  char       *user_consent;
  gboolean    ider_enabled;
  gboolean    kvm_enabled;
  gboolean    sol_enabled;
  char       *tenant_id;
  gint64      version;
  GPtrArray  *wifi_links;
};

G_DEFINE_FINAL_TYPE (ObProfile, ob_profile, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_ACTIVATION,
  PROP_GENERATE_RANDOM_PASSWORD,
  PROP_GENERATE_RANDOM_MEBX_PASSWORD,
  PROP_CIRA_CONFIG_NAME,
  PROP_IEEE8021X_PROFILE_NAME,
  PROP_TAGS,
  PROP_DHCP_ENABLED,
  PROP_IP_SYNC_ENABLED,
  PROP_LOCAL_WIFI_SYNC_ENABLED,
  PROP_TLS_MODE,
  PROP_TLS_SIGNING_AUTHORITY,
  PROP_USER_CONSENT,
  PROP_IDER_ENABLED,
  PROP_KVM_ENABLED,
  PROP_SOL_ENABLED,
  PROP_TENANT_ID,
  PROP_VERSION,
  PROP_WIFI_LINKS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* NULL (not set) and an empty list are different values. */
static gboolean
strv_equal (char * const       *a,
            const char * const *b)
{
  if (a == NULL || b == NULL)
    return (gpointer) a == (gpointer) b;

  return g_strv_equal ((const char * const *) a, b);
}

static void
ob_profile_finalize (GObject *object)
{
  ObProfile *self = (ObProfile *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->activation, g_free);
  g_clear_pointer (&self->cira_config_name, g_free);
  g_clear_pointer (&self->ieee8021x_profile_name, g_free);
  g_clear_pointer (&self->tags, g_strfreev);
  g_clear_pointer (&self->tls_signing_authority, g_free);
  g_clear_pointer (&self->user_consent, g_free);
  g_clear_pointer (&self->tenant_id, g_free);
  g_clear_pointer (&self->wifi_links, g_ptr_array_unref);

  G_OBJECT_CLASS (ob_profile_parent_class)->finalize (object);
}

static void
ob_profile_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ObProfile *self = OB_PROFILE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_ACTIVATION:
      g_value_set_string (value, self->activation);
      break;

    case PROP_GENERATE_RANDOM_PASSWORD:
      g_value_set_boolean (value, self->generate_random_password);
      break;

    case PROP_GENERATE_RANDOM_MEBX_PASSWORD:
      g_value_set_boolean (value, self->generate_random_mebx_password);
      break;

    case PROP_CIRA_CONFIG_NAME:
      g_value_set_string (value, self->cira_config_name);
      break;

    case PROP_IEEE8021X_PROFILE_NAME:
      g_value_set_string (value, self->ieee8021x_profile_name);
      break;

    case PROP_TAGS:
      g_value_set_boxed (value, self->tags);
      break;

    case PROP_DHCP_ENABLED:
      g_value_set_boolean (value, self->dhcp_enabled);
      break;

    case PROP_IP_SYNC_ENABLED:
      g_value_set_boolean (value, self->ip_sync_enabled);
      break;

    case PROP_LOCAL_WIFI_SYNC_ENABLED:
      g_value_set_boolean (value, self->local_wifi_sync_enabled);
      break;

    case PROP_TLS_MODE:
      g_value_set_uint (value, self->tls_mode);
      break;

    case PROP_TLS_SIGNING_AUTHORITY:
      g_value_set_string (value, self->tls_signing_authority);
      break;

    case PROP_USER_CONSENT:
      g_value_set_string (value, self->user_consent);
      break;

    case PROP_IDER_ENABLED:
      g_value_set_boolean (value, self->ider_enabled);
      break;

    case PROP_KVM_ENABLED:
      g_value_set_boolean (value, self->kvm_enabled);
      break;

    case PROP_SOL_ENABLED:
      g_value_set_boolean (value, self->sol_enabled);
      break;

    case PROP_TENANT_ID:
      g_value_set_string (value, self->tenant_id);
      break;

    case PROP_VERSION:
      g_value_set_int64 (value, self->version);
      break;

    case PROP_WIFI_LINKS:
      g_value_set_boxed (value, self->wifi_links);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_profile_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ObProfile *self = OB_PROFILE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      ob_profile_set_name (self, g_value_get_string (value));
      break;

    case PROP_ACTIVATION:
      ob_profile_set_activation (self, g_value_get_string (value));
      break;

    case PROP_GENERATE_RANDOM_PASSWORD:
      ob_profile_set_generate_random_password (self, g_value_get_boolean (value));
      break;

    case PROP_GENERATE_RANDOM_MEBX_PASSWORD:
      ob_profile_set_generate_random_mebx_password (self, g_value_get_boolean (value));
      break;

    case PROP_CIRA_CONFIG_NAME:
      ob_profile_set_cira_config_name (self, g_value_get_string (value));
      break;

    case PROP_IEEE8021X_PROFILE_NAME:
      ob_profile_set_ieee8021x_profile_name (self, g_value_get_string (value));
      break;

    case PROP_TAGS:
      ob_profile_set_tags (self, g_value_get_boxed (value));
      break;

    case PROP_DHCP_ENABLED:
      ob_profile_set_dhcp_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_IP_SYNC_ENABLED:
      ob_profile_set_ip_sync_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_LOCAL_WIFI_SYNC_ENABLED:
      ob_profile_set_local_wifi_sync_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_TLS_MODE:
      ob_profile_set_tls_mode (self, g_value_get_uint (value));
      break;

    case PROP_TLS_SIGNING_AUTHORITY:
      ob_profile_set_tls_signing_authority (self, g_value_get_string (value));
      break;

    case PROP_USER_CONSENT:
      ob_profile_set_user_consent (self, g_value_get_string (value));
      break;

    case PROP_IDER_ENABLED:
      ob_profile_set_ider_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_KVM_ENABLED:
      ob_profile_set_kvm_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_SOL_ENABLED:
      ob_profile_set_sol_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_TENANT_ID:
      ob_profile_set_tenant_id (self, g_value_get_string (value));
      break;

    case PROP_VERSION:
      ob_profile_set_version (self, g_value_get_int64 (value));
      break;

    case PROP_WIFI_LINKS:
      ob_profile_set_wifi_links (self, g_value_get_boxed (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_profile_class_init (ObProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_profile_finalize;
  object_class->get_property = ob_profile_get_property;
  object_class->set_property = ob_profile_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ACTIVATION] =
    g_param_spec_string ("activation", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_GENERATE_RANDOM_PASSWORD] =
    g_param_spec_boolean ("generate-random-password", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_GENERATE_RANDOM_MEBX_PASSWORD] =
    g_param_spec_boolean ("generate-random-mebx-password", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CIRA_CONFIG_NAME] =
    g_param_spec_string ("cira-config-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_IEEE8021X_PROFILE_NAME] =
    g_param_spec_string ("ieee8021x-profile-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TAGS] =
    g_param_spec_boxed ("tags", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DHCP_ENABLED] =
    g_param_spec_boolean ("dhcp-enabled", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_IP_SYNC_ENABLED] =
    g_param_spec_boolean ("ip-sync-enabled", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LOCAL_WIFI_SYNC_ENABLED] =
    g_param_spec_boolean ("local-wifi-sync-enabled", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TLS_MODE] =
    g_param_spec_uint ("tls-mode", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TLS_SIGNING_AUTHORITY] =
    g_param_spec_string ("tls-signing-authority", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_USER_CONSENT] =
    g_param_spec_string ("user-consent", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_IDER_ENABLED] =
    g_param_spec_boolean ("ider-enabled", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_KVM_ENABLED] =
    g_param_spec_boolean ("kvm-enabled", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SOL_ENABLED] =
    g_param_spec_boolean ("sol-enabled", NULL, NULL,
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

  properties[PROP_WIFI_LINKS] =
    g_param_spec_boxed ("wifi-links", NULL, NULL,
                        G_TYPE_PTR_ARRAY,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_profile_init (ObProfile *self)
{
  self->activation = g_strdup (OB_PROFILE_ACTIVATION_CCM);
  self->dhcp_enabled = TRUE;
  self->kvm_enabled = TRUE;
  self->wifi_links = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_profile_wifi_link_free);
}

/**
 * ob_profile_new:
 * @name: (nullable): the record's key
 *
 * Returns: (transfer full): a new, unsaved record
 */
ObProfile *
ob_profile_new (const char *name)
{
  return g_object_new (OB_TYPE_PROFILE, "name", name, NULL);
}

const char *
ob_profile_get_name (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), NULL);

  return self->name;
}

void
ob_profile_set_name (ObProfile  *self,
                     const char *name)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const char *
ob_profile_get_activation (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), NULL);

  return self->activation;
}

void
ob_profile_set_activation (ObProfile  *self,
                           const char *activation)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (g_strcmp0 (self->activation, activation) == 0)
    return;

  g_free (self->activation);
  self->activation = g_strdup (activation);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVATION]);
}

gboolean
ob_profile_get_generate_random_password (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), FALSE);

  return self->generate_random_password;
}

void
ob_profile_set_generate_random_password (ObProfile *self,
                                         gboolean   generate_random_password)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  generate_random_password = !!generate_random_password;
  if (self->generate_random_password == generate_random_password)
    return;

  self->generate_random_password = generate_random_password;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATE_RANDOM_PASSWORD]);
}

gboolean
ob_profile_get_generate_random_mebx_password (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), FALSE);

  return self->generate_random_mebx_password;
}

void
ob_profile_set_generate_random_mebx_password (ObProfile *self,
                                              gboolean   generate_random_mebx_password)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  generate_random_mebx_password = !!generate_random_mebx_password;
  if (self->generate_random_mebx_password == generate_random_mebx_password)
    return;

  self->generate_random_mebx_password = generate_random_mebx_password;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATE_RANDOM_MEBX_PASSWORD]);
}

const char *
ob_profile_get_cira_config_name (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), NULL);

  return self->cira_config_name;
}

void
ob_profile_set_cira_config_name (ObProfile  *self,
                                 const char *cira_config_name)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (g_strcmp0 (self->cira_config_name, cira_config_name) == 0)
    return;

  g_free (self->cira_config_name);
  self->cira_config_name = g_strdup (cira_config_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CIRA_CONFIG_NAME]);
}

const char *
ob_profile_get_ieee8021x_profile_name (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), NULL);

  return self->ieee8021x_profile_name;
}

void
ob_profile_set_ieee8021x_profile_name (ObProfile  *self,
                                       const char *ieee8021x_profile_name)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (g_strcmp0 (self->ieee8021x_profile_name, ieee8021x_profile_name) == 0)
    return;

  g_free (self->ieee8021x_profile_name);
  self->ieee8021x_profile_name = g_strdup (ieee8021x_profile_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IEEE8021X_PROFILE_NAME]);
}

const char * const *
ob_profile_get_tags (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), NULL);

  return (const char * const *) self->tags;
}

void
ob_profile_set_tags (ObProfile          *self,
                     const char * const *tags)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (strv_equal (self->tags, tags))
    return;

  g_strfreev (self->tags);
  self->tags = g_strdupv ((char **) tags);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TAGS]);
}

gboolean
ob_profile_get_dhcp_enabled (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), FALSE);

  return self->dhcp_enabled;
}

void
ob_profile_set_dhcp_enabled (ObProfile *self,
                             gboolean   dhcp_enabled)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  dhcp_enabled = !!dhcp_enabled;
  if (self->dhcp_enabled == dhcp_enabled)
    return;

  self->dhcp_enabled = dhcp_enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DHCP_ENABLED]);
}

gboolean
ob_profile_get_ip_sync_enabled (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), FALSE);

  return self->ip_sync_enabled;
}

void
ob_profile_set_ip_sync_enabled (ObProfile *self,
                                gboolean   ip_sync_enabled)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  ip_sync_enabled = !!ip_sync_enabled;
  if (self->ip_sync_enabled == ip_sync_enabled)
    return;

  self->ip_sync_enabled = ip_sync_enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IP_SYNC_ENABLED]);
}

gboolean
ob_profile_get_local_wifi_sync_enabled (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), FALSE);

  return self->local_wifi_sync_enabled;
}

void
ob_profile_set_local_wifi_sync_enabled (ObProfile *self,
                                        gboolean   local_wifi_sync_enabled)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  local_wifi_sync_enabled = !!local_wifi_sync_enabled;
  if (self->local_wifi_sync_enabled == local_wifi_sync_enabled)
    return;

  self->local_wifi_sync_enabled = local_wifi_sync_enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_WIFI_SYNC_ENABLED]);
}

guint
ob_profile_get_tls_mode (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), 0);

  return self->tls_mode;
}

void
ob_profile_set_tls_mode (ObProfile *self,
                         guint      tls_mode)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (self->tls_mode == tls_mode)
    return;

  self->tls_mode = tls_mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_MODE]);
}

const char *
ob_profile_get_tls_signing_authority (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), NULL);

  return self->tls_signing_authority;
}

void
ob_profile_set_tls_signing_authority (ObProfile  *self,
                                      const char *tls_signing_authority)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (g_strcmp0 (self->tls_signing_authority, tls_signing_authority) == 0)
    return;

  g_free (self->tls_signing_authority);
  self->tls_signing_authority = g_strdup (tls_signing_authority);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_SIGNING_AUTHORITY]);
}

const char *
ob_profile_get_user_consent (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), NULL);

  return self->user_consent;
}

void
ob_profile_set_user_consent (ObProfile  *self,
                             const char *user_consent)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (g_strcmp0 (self->user_consent, user_consent) == 0)
    return;

  g_free (self->user_consent);
  self->user_consent = g_strdup (user_consent);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_CONSENT]);
}

gboolean
ob_profile_get_ider_enabled (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), FALSE);

  return self->ider_enabled;
}

void
ob_profile_set_ider_enabled (ObProfile *self,
                             gboolean   ider_enabled)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  ider_enabled = !!ider_enabled;
  if (self->ider_enabled == ider_enabled)
    return;

  self->ider_enabled = ider_enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDER_ENABLED]);
}

gboolean
ob_profile_get_kvm_enabled (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), FALSE);

  return self->kvm_enabled;
}

void
ob_profile_set_kvm_enabled (ObProfile *self,
                            gboolean   kvm_enabled)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  kvm_enabled = !!kvm_enabled;
  if (self->kvm_enabled == kvm_enabled)
    return;

  self->kvm_enabled = kvm_enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KVM_ENABLED]);
}

gboolean
ob_profile_get_sol_enabled (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), FALSE);

  return self->sol_enabled;
}

void
ob_profile_set_sol_enabled (ObProfile *self,
                            gboolean   sol_enabled)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  sol_enabled = !!sol_enabled;
  if (self->sol_enabled == sol_enabled)
    return;

  self->sol_enabled = sol_enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOL_ENABLED]);
}

const char *
ob_profile_get_tenant_id (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), NULL);

  return self->tenant_id;
}

void
ob_profile_set_tenant_id (ObProfile  *self,
                          const char *tenant_id)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (g_strcmp0 (self->tenant_id, tenant_id) == 0)
    return;

  g_free (self->tenant_id);
  self->tenant_id = g_strdup (tenant_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TENANT_ID]);
}

gint64
ob_profile_get_version (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), 0);

  return self->version;
}

void
ob_profile_set_version (ObProfile *self,
                        gint64     version)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  g_return_if_fail (version >= 0);
  if (self->version == version)
    return;

  self->version = version;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
}

/**
 * ob_profile_get_wifi_links:
 *
 * Returns: (transfer none) (element-type ObProfileWifiLink): the links, in
 *   the order they were added (the store returns them by priority)
 */
GPtrArray *
ob_profile_get_wifi_links (ObProfile *self)
{
  g_return_val_if_fail (OB_IS_PROFILE (self), NULL);

  return self->wifi_links;
}

/* Copies the links: the caller keeps its array. */
void
ob_profile_set_wifi_links (ObProfile *self,
                           GPtrArray *links)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  /* Its own array (g_object_get then g_object_set of "wifi-links"):
   * emptying it first would lose every link. */
  if (links == self->wifi_links)
    return;

  g_ptr_array_set_size (self->wifi_links, 0);
  for (guint i = 0; links != NULL && i < links->len; i++)
    g_ptr_array_add (self->wifi_links, ob_profile_wifi_link_copy (g_ptr_array_index (links, i)));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIFI_LINKS]);
}

void
ob_profile_add_wifi_link (ObProfile  *self,
                          const char *name,
                          guint       priority)
{
  g_return_if_fail (OB_IS_PROFILE (self));
  g_return_if_fail (name != NULL);

  g_ptr_array_add (self->wifi_links, ob_profile_wifi_link_new (name, priority));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIFI_LINKS]);
}

void
ob_profile_clear_wifi_links (ObProfile *self)
{
  g_return_if_fail (OB_IS_PROFILE (self));

  if (self->wifi_links->len == 0)
    return;

  g_ptr_array_set_size (self->wifi_links, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIFI_LINKS]);
}
