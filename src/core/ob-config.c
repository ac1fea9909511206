/* ob-config.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-config.h"
#include "ob-util.h"

struct _ObConfig
{
  GObject parent_instance;

  guint cira_port;
  guint rps_port;
  guint api_port;
  gboolean api_enabled;
  char *api_address;
  char *api_user;
  char *mps_common_name;
  guint keepalive_interval;
  gboolean allow_legacy_tls;
  ObLogLevel log_level;
};

G_DEFINE_FINAL_TYPE (ObConfig, ob_config, G_TYPE_OBJECT)

/* g_set_str() is GLib 2.76; the baseline is 2.74. */
static gboolean
replace_string (char       **slot,
                const char  *value)
{
  if (g_strcmp0 (*slot, value) == 0)
    return FALSE;
  g_free (*slot);
  *slot = g_strdup (value);
  return TRUE;
}

enum {
  PROP_0,
  PROP_CIRA_PORT,
  PROP_RPS_PORT,
  PROP_API_PORT,
  PROP_API_ENABLED,
  PROP_API_ADDRESS,
  PROP_API_USER,
  PROP_MPS_COMMON_NAME,
  PROP_KEEPALIVE_INTERVAL,
  PROP_ALLOW_LEGACY_TLS,
  PROP_LOG_LEVEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ob_config_finalize (GObject *object)
{
  ObConfig *self = (ObConfig *) object;

  g_clear_pointer (&self->api_address, g_free);
  g_clear_pointer (&self->api_user, g_free);
  g_clear_pointer (&self->mps_common_name, g_free);

  G_OBJECT_CLASS (ob_config_parent_class)->finalize (object);
}

static void
ob_config_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ObConfig *self = OB_CONFIG (object);

  switch (prop_id)
    {
    case PROP_CIRA_PORT:
      g_value_set_uint (value, self->cira_port);
      break;

    case PROP_RPS_PORT:
      g_value_set_uint (value, self->rps_port);
      break;

    case PROP_API_PORT:
      g_value_set_uint (value, self->api_port);
      break;

    case PROP_API_ENABLED:
      g_value_set_boolean (value, self->api_enabled);
      break;

    case PROP_API_ADDRESS:
      g_value_set_string (value, self->api_address);
      break;

    case PROP_API_USER:
      g_value_set_string (value, self->api_user);
      break;

    case PROP_MPS_COMMON_NAME:
      g_value_set_string (value, self->mps_common_name);
      break;

    case PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, self->keepalive_interval);
      break;

    case PROP_ALLOW_LEGACY_TLS:
      g_value_set_boolean (value, self->allow_legacy_tls);
      break;

    case PROP_LOG_LEVEL:
      g_value_set_enum (value, self->log_level);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_config_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  ObConfig *self = OB_CONFIG (object);

  switch (prop_id)
    {
    case PROP_CIRA_PORT:
      ob_config_set_cira_port (self, g_value_get_uint (value));
      break;

    case PROP_RPS_PORT:
      ob_config_set_rps_port (self, g_value_get_uint (value));
      break;

    case PROP_API_PORT:
      ob_config_set_api_port (self, g_value_get_uint (value));
      break;

    case PROP_API_ENABLED:
      ob_config_set_api_enabled (self, g_value_get_boolean (value));
      break;

    case PROP_API_ADDRESS:
      ob_config_set_api_address (self, g_value_get_string (value));
      break;

    case PROP_API_USER:
      ob_config_set_api_user (self, g_value_get_string (value));
      break;

    case PROP_MPS_COMMON_NAME:
      ob_config_set_mps_common_name (self, g_value_get_string (value));
      break;

    case PROP_KEEPALIVE_INTERVAL:
      ob_config_set_keepalive_interval (self, g_value_get_uint (value));
      break;

    case PROP_ALLOW_LEGACY_TLS:
      ob_config_set_allow_legacy_tls (self, g_value_get_boolean (value));
      break;

    case PROP_LOG_LEVEL:
      ob_config_set_log_level (self, g_value_get_enum (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_config_class_init (ObConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_config_finalize;
  object_class->get_property = ob_config_get_property;
  object_class->set_property = ob_config_set_property;

  properties[PROP_CIRA_PORT] =
    g_param_spec_uint ("cira-port", NULL, NULL, 1024, 65535, OB_DEFAULT_CIRA_PORT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_RPS_PORT] =
    g_param_spec_uint ("rps-port", NULL, NULL, 1024, 65535, OB_DEFAULT_RPS_PORT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_API_PORT] =
    g_param_spec_uint ("api-port", NULL, NULL, 1024, 65535, OB_DEFAULT_API_PORT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_API_ENABLED] =
    g_param_spec_boolean ("api-enabled", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_API_ADDRESS] =
    g_param_spec_string ("api-address", NULL, NULL, OB_DEFAULT_API_ADDRESS,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_API_USER] =
    g_param_spec_string ("api-user", NULL, NULL, OB_DEFAULT_API_USER,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_MPS_COMMON_NAME] =
    g_param_spec_string ("mps-common-name", NULL, NULL, "",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_KEEPALIVE_INTERVAL] =
    g_param_spec_uint ("keepalive-interval", NULL, NULL, 5, 3600, OB_DEFAULT_KEEPALIVE_INTERVAL,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ALLOW_LEGACY_TLS] =
    g_param_spec_boolean ("allow-legacy-tls", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LOG_LEVEL] =
    g_param_spec_enum ("log-level", NULL, NULL, OB_TYPE_LOG_LEVEL, OB_LOG_LEVEL_MESSAGE,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_config_init (ObConfig *self)
{
  self->cira_port = OB_DEFAULT_CIRA_PORT;
  self->rps_port = OB_DEFAULT_RPS_PORT;
  self->api_port = OB_DEFAULT_API_PORT;
  self->api_enabled = FALSE;
  self->api_address = g_strdup (OB_DEFAULT_API_ADDRESS);
  self->api_user = g_strdup (OB_DEFAULT_API_USER);
  self->mps_common_name = g_strdup ("");
  self->keepalive_interval = OB_DEFAULT_KEEPALIVE_INTERVAL;
  self->allow_legacy_tls = FALSE;
  self->log_level = OB_LOG_LEVEL_MESSAGE;
}

ObConfig *
ob_config_new (void)
{
  return g_object_new (OB_TYPE_CONFIG, NULL);
}

/* The MPS common name to put in the server certificate: the configured one,
 * or this host's primary address when none is set. */
char *
ob_config_dup_effective_common_name (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), NULL);

  if (self->mps_common_name != NULL && self->mps_common_name[0] != '\0')
    return g_strdup (self->mps_common_name);

  return ob_get_primary_address ();
}

guint
ob_config_get_cira_port (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), 0);

  return self->cira_port;
}

void
ob_config_set_cira_port (ObConfig *self,
                         guint value)
{
  g_return_if_fail (OB_IS_CONFIG (self));
  g_return_if_fail (value >= 1024 && value <= 65535);

  if (self->cira_port != value)
    {
      self->cira_port = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CIRA_PORT]);
    }
}

guint
ob_config_get_rps_port (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), 0);

  return self->rps_port;
}

void
ob_config_set_rps_port (ObConfig *self,
                        guint value)
{
  g_return_if_fail (OB_IS_CONFIG (self));
  g_return_if_fail (value >= 1024 && value <= 65535);

  if (self->rps_port != value)
    {
      self->rps_port = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RPS_PORT]);
    }
}

guint
ob_config_get_api_port (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), 0);

  return self->api_port;
}

void
ob_config_set_api_port (ObConfig *self,
                        guint value)
{
  g_return_if_fail (OB_IS_CONFIG (self));
  g_return_if_fail (value >= 1024 && value <= 65535);

  if (self->api_port != value)
    {
      self->api_port = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API_PORT]);
    }
}

gboolean
ob_config_get_api_enabled (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), FALSE);

  return self->api_enabled;
}

void
ob_config_set_api_enabled (ObConfig *self,
                           gboolean value)
{
  g_return_if_fail (OB_IS_CONFIG (self));
  value = !!value;

  if (self->api_enabled != value)
    {
      self->api_enabled = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API_ENABLED]);
    }
}

const char *
ob_config_get_api_address (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), NULL);

  return self->api_address;
}

void
ob_config_set_api_address (ObConfig   *self,
                           const char *value)
{
  g_return_if_fail (OB_IS_CONFIG (self));

  if (replace_string (&self->api_address, value != NULL ? value : ""))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API_ADDRESS]);
}

const char *
ob_config_get_api_user (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), NULL);

  return self->api_user;
}

/* The user name the REST API's authorize route accepts; NULL or empty
 * means the default, "admin". */
void
ob_config_set_api_user (ObConfig   *self,
                        const char *value)
{
  g_return_if_fail (OB_IS_CONFIG (self));

  if (value == NULL || value[0] == '\0')
    value = OB_DEFAULT_API_USER;

  if (replace_string (&self->api_user, value))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API_USER]);
}

const char *
ob_config_get_mps_common_name (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), NULL);

  return self->mps_common_name;
}

void
ob_config_set_mps_common_name (ObConfig   *self,
                               const char *value)
{
  g_return_if_fail (OB_IS_CONFIG (self));

  if (replace_string (&self->mps_common_name, value != NULL ? value : ""))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MPS_COMMON_NAME]);
}

guint
ob_config_get_keepalive_interval (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), 0);

  return self->keepalive_interval;
}

void
ob_config_set_keepalive_interval (ObConfig *self,
                                  guint value)
{
  g_return_if_fail (OB_IS_CONFIG (self));
  g_return_if_fail (value >= 5 && value <= 3600);

  if (self->keepalive_interval != value)
    {
      self->keepalive_interval = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEEPALIVE_INTERVAL]);
    }
}

gboolean
ob_config_get_allow_legacy_tls (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), FALSE);

  return self->allow_legacy_tls;
}

void
ob_config_set_allow_legacy_tls (ObConfig *self,
                                gboolean value)
{
  g_return_if_fail (OB_IS_CONFIG (self));
  value = !!value;

  if (self->allow_legacy_tls != value)
    {
      self->allow_legacy_tls = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_LEGACY_TLS]);
    }
}

ObLogLevel
ob_config_get_log_level (ObConfig *self)
{
  g_return_val_if_fail (OB_IS_CONFIG (self), OB_LOG_LEVEL_MESSAGE);

  return self->log_level;
}

void
ob_config_set_log_level (ObConfig *self,
                         ObLogLevel value)
{
  g_return_if_fail (OB_IS_CONFIG (self));

  if (self->log_level != value)
    {
      self->log_level = value;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_LEVEL]);
    }
}
