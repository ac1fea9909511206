/* ob-cira-config.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-cira-config.h"

struct _ObCiraConfig
{
  GObject parent_instance;

  char   *name;
  char   *mps_server_address;
  guint   mps_port;
  char   *username;
  char   *common_name;
  guint   server_address_format;
  guint   auth_method;
  char   *mps_root_certificate;
  char   *proxy_details;
  char   *tenant_id;
  gint64  version;
  gboolean auto_enroll;
};

G_DEFINE_FINAL_TYPE (ObCiraConfig, ob_cira_config, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_MPS_SERVER_ADDRESS,
  PROP_MPS_PORT,
  PROP_USERNAME,
  PROP_COMMON_NAME,
  PROP_SERVER_ADDRESS_FORMAT,
  PROP_AUTH_METHOD,
  PROP_MPS_ROOT_CERTIFICATE,
  PROP_PROXY_DETAILS,
  PROP_TENANT_ID,
  PROP_VERSION,
  PROP_AUTO_ENROLL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ob_cira_config_finalize (GObject *object)
{
  ObCiraConfig *self = (ObCiraConfig *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->mps_server_address, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->common_name, g_free);
  g_clear_pointer (&self->mps_root_certificate, g_free);
  g_clear_pointer (&self->proxy_details, g_free);
  g_clear_pointer (&self->tenant_id, g_free);

  G_OBJECT_CLASS (ob_cira_config_parent_class)->finalize (object);
}

static void
ob_cira_config_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ObCiraConfig *self = OB_CIRA_CONFIG (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_MPS_SERVER_ADDRESS:
      g_value_set_string (value, self->mps_server_address);
      break;

    case PROP_MPS_PORT:
      g_value_set_uint (value, self->mps_port);
      break;

    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;

    case PROP_COMMON_NAME:
      g_value_set_string (value, self->common_name);
      break;

    case PROP_SERVER_ADDRESS_FORMAT:
      g_value_set_uint (value, self->server_address_format);
      break;

    case PROP_AUTH_METHOD:
      g_value_set_uint (value, self->auth_method);
      break;

    case PROP_MPS_ROOT_CERTIFICATE:
      g_value_set_string (value, self->mps_root_certificate);
      break;

    case PROP_PROXY_DETAILS:
      g_value_set_string (value, self->proxy_details);
      break;

    case PROP_TENANT_ID:
      g_value_set_string (value, self->tenant_id);
      break;

    case PROP_AUTO_ENROLL:
      g_value_set_boolean (value, self->auto_enroll);
      break;

    case PROP_VERSION:
      g_value_set_int64 (value, self->version);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_cira_config_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ObCiraConfig *self = OB_CIRA_CONFIG (object);

  switch (prop_id)
    {
    case PROP_NAME:
      ob_cira_config_set_name (self, g_value_get_string (value));
      break;

    case PROP_MPS_SERVER_ADDRESS:
      ob_cira_config_set_mps_server_address (self, g_value_get_string (value));
      break;

    case PROP_MPS_PORT:
      ob_cira_config_set_mps_port (self, g_value_get_uint (value));
      break;

    case PROP_USERNAME:
      ob_cira_config_set_username (self, g_value_get_string (value));
      break;

    case PROP_COMMON_NAME:
      ob_cira_config_set_common_name (self, g_value_get_string (value));
      break;

    case PROP_SERVER_ADDRESS_FORMAT:
      ob_cira_config_set_server_address_format (self, g_value_get_uint (value));
      break;

    case PROP_AUTH_METHOD:
      ob_cira_config_set_auth_method (self, g_value_get_uint (value));
      break;

    case PROP_MPS_ROOT_CERTIFICATE:
      ob_cira_config_set_mps_root_certificate (self, g_value_get_string (value));
      break;

    case PROP_PROXY_DETAILS:
      ob_cira_config_set_proxy_details (self, g_value_get_string (value));
      break;

    case PROP_TENANT_ID:
      ob_cira_config_set_tenant_id (self, g_value_get_string (value));
      break;

    case PROP_AUTO_ENROLL:
      ob_cira_config_set_auto_enroll (self, g_value_get_boolean (value));
      break;

    case PROP_VERSION:
      ob_cira_config_set_version (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_cira_config_class_init (ObCiraConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_cira_config_finalize;
  object_class->get_property = ob_cira_config_get_property;
  object_class->set_property = ob_cira_config_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MPS_SERVER_ADDRESS] =
    g_param_spec_string ("mps-server-address", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MPS_PORT] =
    g_param_spec_uint ("mps-port", NULL, NULL,
                       0, G_MAXUINT, 4433,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_COMMON_NAME] =
    g_param_spec_string ("common-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SERVER_ADDRESS_FORMAT] =
    g_param_spec_uint ("server-address-format", NULL, NULL,
                       0, G_MAXUINT, 201,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_AUTH_METHOD] =
    g_param_spec_uint ("auth-method", NULL, NULL,
                       0, G_MAXUINT, 2,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MPS_ROOT_CERTIFICATE] =
    g_param_spec_string ("mps-root-certificate", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PROXY_DETAILS] =
    g_param_spec_string ("proxy-details", NULL, NULL,
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

  /* New devices presenting this config's user name and password are
   * accepted and recorded (auto-enrolment); off by default. */
  properties[PROP_AUTO_ENROLL] =
    g_param_spec_boolean ("auto-enroll", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_cira_config_init (ObCiraConfig *self)
{
  self->mps_port = 4433;
  self->server_address_format = 201;
  self->auth_method = 2;
}

ObCiraConfig *
ob_cira_config_new (const char *name)
{
  return g_object_new (OB_TYPE_CIRA_CONFIG, "name", name, NULL);
}

const char *
ob_cira_config_get_name (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), NULL);

  return self->name;
}

void
ob_cira_config_set_name (ObCiraConfig *self,
                         const char   *name)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const char *
ob_cira_config_get_mps_server_address (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), NULL);

  return self->mps_server_address;
}

void
ob_cira_config_set_mps_server_address (ObCiraConfig *self,
                                       const char   *mps_server_address)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (g_strcmp0 (self->mps_server_address, mps_server_address) == 0)
    return;

  g_free (self->mps_server_address);
  self->mps_server_address = g_strdup (mps_server_address);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MPS_SERVER_ADDRESS]);
}

guint
ob_cira_config_get_mps_port (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), 0);

  return self->mps_port;
}

void
ob_cira_config_set_mps_port (ObCiraConfig *self,
                             guint         mps_port)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (self->mps_port == mps_port)
    return;

  self->mps_port = mps_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MPS_PORT]);
}

const char *
ob_cira_config_get_username (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), NULL);

  return self->username;
}

void
ob_cira_config_set_username (ObCiraConfig *self,
                             const char   *username)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (g_strcmp0 (self->username, username) == 0)
    return;

  g_free (self->username);
  self->username = g_strdup (username);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
}

const char *
ob_cira_config_get_common_name (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), NULL);

  return self->common_name;
}

void
ob_cira_config_set_common_name (ObCiraConfig *self,
                                const char   *common_name)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (g_strcmp0 (self->common_name, common_name) == 0)
    return;

  g_free (self->common_name);
  self->common_name = g_strdup (common_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMMON_NAME]);
}

guint
ob_cira_config_get_server_address_format (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), 0);

  return self->server_address_format;
}

void
ob_cira_config_set_server_address_format (ObCiraConfig *self,
                                          guint         server_address_format)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (self->server_address_format == server_address_format)
    return;

  self->server_address_format = server_address_format;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_ADDRESS_FORMAT]);
}

guint
ob_cira_config_get_auth_method (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), 0);

  return self->auth_method;
}

void
ob_cira_config_set_auth_method (ObCiraConfig *self,
                                guint         auth_method)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (self->auth_method == auth_method)
    return;

  self->auth_method = auth_method;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_METHOD]);
}

const char *
ob_cira_config_get_mps_root_certificate (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), NULL);

  return self->mps_root_certificate;
}

void
ob_cira_config_set_mps_root_certificate (ObCiraConfig *self,
                                         const char   *mps_root_certificate)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (g_strcmp0 (self->mps_root_certificate, mps_root_certificate) == 0)
    return;

  g_free (self->mps_root_certificate);
  self->mps_root_certificate = g_strdup (mps_root_certificate);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MPS_ROOT_CERTIFICATE]);
}

const char *
ob_cira_config_get_proxy_details (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), NULL);

  return self->proxy_details;
}

void
ob_cira_config_set_proxy_details (ObCiraConfig *self,
                                  const char   *proxy_details)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (g_strcmp0 (self->proxy_details, proxy_details) == 0)
    return;

  g_free (self->proxy_details);
  self->proxy_details = g_strdup (proxy_details);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROXY_DETAILS]);
}

const char *
ob_cira_config_get_tenant_id (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), NULL);

  return self->tenant_id;
}

void
ob_cira_config_set_tenant_id (ObCiraConfig *self,
                              const char   *tenant_id)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  if (g_strcmp0 (self->tenant_id, tenant_id) == 0)
    return;

  g_free (self->tenant_id);
  self->tenant_id = g_strdup (tenant_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TENANT_ID]);
}

gint64
ob_cira_config_get_version (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), 0);

  return self->version;
}

void
ob_cira_config_set_version (ObCiraConfig *self,
                            gint64        version)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  g_return_if_fail (version >= 0);
  if (self->version == version)
    return;

  self->version = version;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
}


gboolean
ob_cira_config_get_auto_enroll (ObCiraConfig *self)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (self), FALSE);

  return self->auto_enroll;
}

void
ob_cira_config_set_auto_enroll (ObCiraConfig *self,
                                gboolean      auto_enroll)
{
  g_return_if_fail (OB_IS_CIRA_CONFIG (self));

  auto_enroll = !!auto_enroll;
  if (self->auto_enroll == auto_enroll)
    return;

  self->auto_enroll = auto_enroll;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_ENROLL]);
}
