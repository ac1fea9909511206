/* ob-device-record.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-device-record.h"

static const GEnumValue transport_values[] = {
  { OB_DEVICE_TRANSPORT_CIRA, "OB_DEVICE_TRANSPORT_CIRA", "cira" },
  { OB_DEVICE_TRANSPORT_LAN, "OB_DEVICE_TRANSPORT_LAN", "lan" },
  { 0, NULL, NULL },
};

GType
ob_device_transport_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      GType t = g_enum_register_static (g_intern_static_string ("ObDeviceTransport"),
                                        transport_values);
      g_once_init_leave (&type_id, t);
    }

  return type_id;
}

/* The text form is what the database stores. */
const char *
ob_device_transport_to_string (ObDeviceTransport transport)
{
  switch (transport)
    {
    case OB_DEVICE_TRANSPORT_CIRA:
      return "cira";
    case OB_DEVICE_TRANSPORT_LAN:
      return "lan";
    default:
      return NULL;
    }
}

gboolean
ob_device_transport_from_string (const char        *text,
                                 ObDeviceTransport *transport)
{
  for (guint i = 0; transport_values[i].value_nick != NULL; i++)
    {
      if (g_strcmp0 (text, transport_values[i].value_nick) == 0)
        {
          if (transport != NULL)
            *transport = transport_values[i].value;
          return TRUE;
        }
    }

  return FALSE;
}

struct _ObDeviceRecord
{
  GObject parent_instance;

  char               *guid;
  char               *hostname;
  char               *friendly_name;
  char               *dns_suffix;
  char              **tags;
  char               *tenant_id;
  char               *mps_instance;
  char               *mps_username;
  gboolean            connection_status;
  GDateTime          *last_connected;
  GDateTime          *last_seen;
  GDateTime          *last_disconnected;
  char               *fw_version;
  char               *fw_build;
  char               *fw_sku;
  char               *current_mode;
  char               *features;
  char               *ip_address;
  GDateTime          *device_info_updated;
  ObDeviceTransport   transport;
  char               *host;
  guint               port;
  gboolean            use_tls;
  gboolean            allow_self_signed;
  gboolean            legacy_tls;
  char               *pinned_fingerprint;
  char               *amt_username;
  gint64              version;
};

G_DEFINE_FINAL_TYPE (ObDeviceRecord, ob_device_record, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_GUID,
  PROP_HOSTNAME,
  PROP_FRIENDLY_NAME,
  PROP_DNS_SUFFIX,
  PROP_TAGS,
  PROP_TENANT_ID,
  PROP_MPS_INSTANCE,
  PROP_MPS_USERNAME,
  PROP_CONNECTION_STATUS,
  PROP_LAST_CONNECTED,
  PROP_LAST_SEEN,
  PROP_LAST_DISCONNECTED,
  PROP_FW_VERSION,
  PROP_FW_BUILD,
  PROP_FW_SKU,
  PROP_CURRENT_MODE,
  PROP_FEATURES,
  PROP_IP_ADDRESS,
  PROP_DEVICE_INFO_UPDATED,
  PROP_TRANSPORT,
  PROP_HOST,
  PROP_PORT,
  PROP_USE_TLS,
  PROP_ALLOW_SELF_SIGNED,
  PROP_LEGACY_TLS,
  PROP_PINNED_FINGERPRINT,
  PROP_AMT_USERNAME,
  PROP_VERSION,
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
ob_device_record_finalize (GObject *object)
{
  ObDeviceRecord *self = (ObDeviceRecord *) object;

  g_clear_pointer (&self->guid, g_free);
  g_clear_pointer (&self->hostname, g_free);
  g_clear_pointer (&self->friendly_name, g_free);
  g_clear_pointer (&self->dns_suffix, g_free);
  g_clear_pointer (&self->tags, g_strfreev);
  g_clear_pointer (&self->tenant_id, g_free);
  g_clear_pointer (&self->mps_instance, g_free);
  g_clear_pointer (&self->mps_username, g_free);
  g_clear_pointer (&self->last_connected, g_date_time_unref);
  g_clear_pointer (&self->last_seen, g_date_time_unref);
  g_clear_pointer (&self->last_disconnected, g_date_time_unref);
  g_clear_pointer (&self->fw_version, g_free);
  g_clear_pointer (&self->fw_build, g_free);
  g_clear_pointer (&self->fw_sku, g_free);
  g_clear_pointer (&self->current_mode, g_free);
  g_clear_pointer (&self->features, g_free);
  g_clear_pointer (&self->ip_address, g_free);
  g_clear_pointer (&self->device_info_updated, g_date_time_unref);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->pinned_fingerprint, g_free);
  g_clear_pointer (&self->amt_username, g_free);

  G_OBJECT_CLASS (ob_device_record_parent_class)->finalize (object);
}

static void
ob_device_record_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ObDeviceRecord *self = OB_DEVICE_RECORD (object);

  switch (prop_id)
    {
    case PROP_GUID:
      g_value_set_string (value, self->guid);
      break;

    case PROP_HOSTNAME:
      g_value_set_string (value, self->hostname);
      break;

    case PROP_FRIENDLY_NAME:
      g_value_set_string (value, self->friendly_name);
      break;

    case PROP_DNS_SUFFIX:
      g_value_set_string (value, self->dns_suffix);
      break;

    case PROP_TAGS:
      g_value_set_boxed (value, self->tags);
      break;

    case PROP_TENANT_ID:
      g_value_set_string (value, self->tenant_id);
      break;

    case PROP_MPS_INSTANCE:
      g_value_set_string (value, self->mps_instance);
      break;

    case PROP_MPS_USERNAME:
      g_value_set_string (value, self->mps_username);
      break;

    case PROP_CONNECTION_STATUS:
      g_value_set_boolean (value, self->connection_status);
      break;

    case PROP_LAST_CONNECTED:
      g_value_set_boxed (value, self->last_connected);
      break;

    case PROP_LAST_SEEN:
      g_value_set_boxed (value, self->last_seen);
      break;

    case PROP_LAST_DISCONNECTED:
      g_value_set_boxed (value, self->last_disconnected);
      break;

    case PROP_FW_VERSION:
      g_value_set_string (value, self->fw_version);
      break;

    case PROP_FW_BUILD:
      g_value_set_string (value, self->fw_build);
      break;

    case PROP_FW_SKU:
      g_value_set_string (value, self->fw_sku);
      break;

    case PROP_CURRENT_MODE:
      g_value_set_string (value, self->current_mode);
      break;

    case PROP_FEATURES:
      g_value_set_string (value, self->features);
      break;

    case PROP_IP_ADDRESS:
      g_value_set_string (value, self->ip_address);
      break;

    case PROP_DEVICE_INFO_UPDATED:
      g_value_set_boxed (value, self->device_info_updated);
      break;

    case PROP_TRANSPORT:
      g_value_set_enum (value, self->transport);
      break;

    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;

    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;

    case PROP_USE_TLS:
      g_value_set_boolean (value, self->use_tls);
      break;

    case PROP_ALLOW_SELF_SIGNED:
      g_value_set_boolean (value, self->allow_self_signed);
      break;

    case PROP_LEGACY_TLS:
      g_value_set_boolean (value, self->legacy_tls);
      break;

    case PROP_PINNED_FINGERPRINT:
      g_value_set_string (value, self->pinned_fingerprint);
      break;

    case PROP_AMT_USERNAME:
      g_value_set_string (value, self->amt_username);
      break;

    case PROP_VERSION:
      g_value_set_int64 (value, self->version);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_record_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ObDeviceRecord *self = OB_DEVICE_RECORD (object);

  switch (prop_id)
    {
    case PROP_GUID:
      ob_device_record_set_guid (self, g_value_get_string (value));
      break;

    case PROP_HOSTNAME:
      ob_device_record_set_hostname (self, g_value_get_string (value));
      break;

    case PROP_FRIENDLY_NAME:
      ob_device_record_set_friendly_name (self, g_value_get_string (value));
      break;

    case PROP_DNS_SUFFIX:
      ob_device_record_set_dns_suffix (self, g_value_get_string (value));
      break;

    case PROP_TAGS:
      ob_device_record_set_tags (self, g_value_get_boxed (value));
      break;

    case PROP_TENANT_ID:
      ob_device_record_set_tenant_id (self, g_value_get_string (value));
      break;

    case PROP_MPS_INSTANCE:
      ob_device_record_set_mps_instance (self, g_value_get_string (value));
      break;

    case PROP_MPS_USERNAME:
      ob_device_record_set_mps_username (self, g_value_get_string (value));
      break;

    case PROP_CONNECTION_STATUS:
      ob_device_record_set_connection_status (self, g_value_get_boolean (value));
      break;

    case PROP_LAST_CONNECTED:
      ob_device_record_set_last_connected (self, g_value_get_boxed (value));
      break;

    case PROP_LAST_SEEN:
      ob_device_record_set_last_seen (self, g_value_get_boxed (value));
      break;

    case PROP_LAST_DISCONNECTED:
      ob_device_record_set_last_disconnected (self, g_value_get_boxed (value));
      break;

    case PROP_FW_VERSION:
      ob_device_record_set_fw_version (self, g_value_get_string (value));
      break;

    case PROP_FW_BUILD:
      ob_device_record_set_fw_build (self, g_value_get_string (value));
      break;

    case PROP_FW_SKU:
      ob_device_record_set_fw_sku (self, g_value_get_string (value));
      break;

    case PROP_CURRENT_MODE:
      ob_device_record_set_current_mode (self, g_value_get_string (value));
      break;

    case PROP_FEATURES:
      ob_device_record_set_features (self, g_value_get_string (value));
      break;

    case PROP_IP_ADDRESS:
      ob_device_record_set_ip_address (self, g_value_get_string (value));
      break;

    case PROP_DEVICE_INFO_UPDATED:
      ob_device_record_set_device_info_updated (self, g_value_get_boxed (value));
      break;

    case PROP_TRANSPORT:
      ob_device_record_set_transport (self, g_value_get_enum (value));
      break;

    case PROP_HOST:
      ob_device_record_set_host (self, g_value_get_string (value));
      break;

    case PROP_PORT:
      ob_device_record_set_port (self, g_value_get_uint (value));
      break;

    case PROP_USE_TLS:
      ob_device_record_set_use_tls (self, g_value_get_boolean (value));
      break;

    case PROP_ALLOW_SELF_SIGNED:
      ob_device_record_set_allow_self_signed (self, g_value_get_boolean (value));
      break;

    case PROP_LEGACY_TLS:
      ob_device_record_set_legacy_tls (self, g_value_get_boolean (value));
      break;

    case PROP_PINNED_FINGERPRINT:
      ob_device_record_set_pinned_fingerprint (self, g_value_get_string (value));
      break;

    case PROP_AMT_USERNAME:
      ob_device_record_set_amt_username (self, g_value_get_string (value));
      break;

    case PROP_VERSION:
      ob_device_record_set_version (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_record_class_init (ObDeviceRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_device_record_finalize;
  object_class->get_property = ob_device_record_get_property;
  object_class->set_property = ob_device_record_set_property;

  properties[PROP_GUID] =
    g_param_spec_string ("guid", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HOSTNAME] =
    g_param_spec_string ("hostname", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FRIENDLY_NAME] =
    g_param_spec_string ("friendly-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DNS_SUFFIX] =
    g_param_spec_string ("dns-suffix", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TAGS] =
    g_param_spec_boxed ("tags", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TENANT_ID] =
    g_param_spec_string ("tenant-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MPS_INSTANCE] =
    g_param_spec_string ("mps-instance", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MPS_USERNAME] =
    g_param_spec_string ("mps-username", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CONNECTION_STATUS] =
    g_param_spec_boolean ("connection-status", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LAST_CONNECTED] =
    g_param_spec_boxed ("last-connected", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LAST_SEEN] =
    g_param_spec_boxed ("last-seen", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LAST_DISCONNECTED] =
    g_param_spec_boxed ("last-disconnected", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FW_VERSION] =
    g_param_spec_string ("fw-version", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FW_BUILD] =
    g_param_spec_string ("fw-build", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FW_SKU] =
    g_param_spec_string ("fw-sku", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CURRENT_MODE] =
    g_param_spec_string ("current-mode", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FEATURES] =
    g_param_spec_string ("features", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_IP_ADDRESS] =
    g_param_spec_string ("ip-address", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DEVICE_INFO_UPDATED] =
    g_param_spec_boxed ("device-info-updated", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TRANSPORT] =
    g_param_spec_enum ("transport", NULL, NULL,
                       OB_TYPE_DEVICE_TRANSPORT,
                       OB_DEVICE_TRANSPORT_CIRA,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_USE_TLS] =
    g_param_spec_boolean ("use-tls", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ALLOW_SELF_SIGNED] =
    g_param_spec_boolean ("allow-self-signed", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LEGACY_TLS] =
    g_param_spec_boolean ("legacy-tls", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PINNED_FINGERPRINT] =
    g_param_spec_string ("pinned-fingerprint", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_AMT_USERNAME] =
    g_param_spec_string ("amt-username", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_VERSION] =
    g_param_spec_int64 ("version", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_device_record_init (ObDeviceRecord *self)
{
  self->transport = OB_DEVICE_TRANSPORT_CIRA;
  self->use_tls = TRUE;
}

ObDeviceRecord *
ob_device_record_new (const char *guid)
{
  return g_object_new (OB_TYPE_DEVICE_RECORD, "guid", guid, NULL);
}

static GDateTime *
date_time_ref0 (GDateTime *time)
{
  return time != NULL ? g_date_time_ref (time) : NULL;
}

/* Field by field: every connect and refresh copies a record, and going
 * through the properties by name cost a connect storm 2-3 % of the MPS's
 * CPU.  /store/device-record/copy checks that no property is missed. */
ObDeviceRecord *
ob_device_record_copy (ObDeviceRecord *self)
{
  ObDeviceRecord *copy;

  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  copy = g_object_new (OB_TYPE_DEVICE_RECORD, NULL);
  copy->guid = g_strdup (self->guid);
  copy->hostname = g_strdup (self->hostname);
  copy->friendly_name = g_strdup (self->friendly_name);
  copy->dns_suffix = g_strdup (self->dns_suffix);
  copy->tags = g_strdupv (self->tags);
  copy->tenant_id = g_strdup (self->tenant_id);
  copy->mps_instance = g_strdup (self->mps_instance);
  copy->mps_username = g_strdup (self->mps_username);
  copy->connection_status = self->connection_status;
  copy->last_connected = date_time_ref0 (self->last_connected);
  copy->last_seen = date_time_ref0 (self->last_seen);
  copy->last_disconnected = date_time_ref0 (self->last_disconnected);
  copy->fw_version = g_strdup (self->fw_version);
  copy->fw_build = g_strdup (self->fw_build);
  copy->fw_sku = g_strdup (self->fw_sku);
  copy->current_mode = g_strdup (self->current_mode);
  copy->features = g_strdup (self->features);
  copy->ip_address = g_strdup (self->ip_address);
  copy->device_info_updated = date_time_ref0 (self->device_info_updated);
  copy->transport = self->transport;
  copy->host = g_strdup (self->host);
  copy->port = self->port;
  copy->use_tls = self->use_tls;
  copy->allow_self_signed = self->allow_self_signed;
  copy->legacy_tls = self->legacy_tls;
  copy->pinned_fingerprint = g_strdup (self->pinned_fingerprint);
  copy->amt_username = g_strdup (self->amt_username);
  copy->version = self->version;

  return copy;
}

const char *
ob_device_record_get_guid (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->guid;
}

void
ob_device_record_set_guid (ObDeviceRecord *self,
                           const char     *guid)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->guid, guid) == 0)
    return;

  g_free (self->guid);
  self->guid = g_strdup (guid);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GUID]);
}

const char *
ob_device_record_get_hostname (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->hostname;
}

void
ob_device_record_set_hostname (ObDeviceRecord *self,
                               const char     *hostname)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->hostname, hostname) == 0)
    return;

  g_free (self->hostname);
  self->hostname = g_strdup (hostname);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOSTNAME]);
}

const char *
ob_device_record_get_friendly_name (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->friendly_name;
}

void
ob_device_record_set_friendly_name (ObDeviceRecord *self,
                                    const char     *friendly_name)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->friendly_name, friendly_name) == 0)
    return;

  g_free (self->friendly_name);
  self->friendly_name = g_strdup (friendly_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRIENDLY_NAME]);
}

const char *
ob_device_record_get_dns_suffix (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->dns_suffix;
}

void
ob_device_record_set_dns_suffix (ObDeviceRecord *self,
                                 const char     *dns_suffix)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->dns_suffix, dns_suffix) == 0)
    return;

  g_free (self->dns_suffix);
  self->dns_suffix = g_strdup (dns_suffix);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DNS_SUFFIX]);
}

const char * const *
ob_device_record_get_tags (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return (const char * const *) self->tags;
}

void
ob_device_record_set_tags (ObDeviceRecord     *self,
                           const char * const *tags)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (strv_equal (self->tags, tags))
    return;

  g_strfreev (self->tags);
  self->tags = g_strdupv ((char **) tags);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TAGS]);
}

const char *
ob_device_record_get_tenant_id (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->tenant_id;
}

void
ob_device_record_set_tenant_id (ObDeviceRecord *self,
                                const char     *tenant_id)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->tenant_id, tenant_id) == 0)
    return;

  g_free (self->tenant_id);
  self->tenant_id = g_strdup (tenant_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TENANT_ID]);
}

const char *
ob_device_record_get_mps_instance (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->mps_instance;
}

void
ob_device_record_set_mps_instance (ObDeviceRecord *self,
                                   const char     *mps_instance)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->mps_instance, mps_instance) == 0)
    return;

  g_free (self->mps_instance);
  self->mps_instance = g_strdup (mps_instance);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MPS_INSTANCE]);
}

const char *
ob_device_record_get_mps_username (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->mps_username;
}

void
ob_device_record_set_mps_username (ObDeviceRecord *self,
                                   const char     *mps_username)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->mps_username, mps_username) == 0)
    return;

  g_free (self->mps_username);
  self->mps_username = g_strdup (mps_username);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MPS_USERNAME]);
}

gboolean
ob_device_record_get_connection_status (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), FALSE);

  return self->connection_status;
}

void
ob_device_record_set_connection_status (ObDeviceRecord *self,
                                        gboolean        connection_status)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  connection_status = !!connection_status;
  if (self->connection_status == connection_status)
    return;

  self->connection_status = connection_status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATUS]);
}

GDateTime *
ob_device_record_get_last_connected (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->last_connected;
}

void
ob_device_record_set_last_connected (ObDeviceRecord *self,
                                     GDateTime      *last_connected)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (self->last_connected == last_connected
      || (self->last_connected != NULL && last_connected != NULL
          && g_date_time_equal (self->last_connected, last_connected)))
    return;

  g_clear_pointer (&self->last_connected, g_date_time_unref);
  self->last_connected = last_connected != NULL ? g_date_time_ref (last_connected) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_CONNECTED]);
}

GDateTime *
ob_device_record_get_last_seen (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->last_seen;
}

void
ob_device_record_set_last_seen (ObDeviceRecord *self,
                                GDateTime      *last_seen)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (self->last_seen == last_seen
      || (self->last_seen != NULL && last_seen != NULL
          && g_date_time_equal (self->last_seen, last_seen)))
    return;

  g_clear_pointer (&self->last_seen, g_date_time_unref);
  self->last_seen = last_seen != NULL ? g_date_time_ref (last_seen) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SEEN]);
}

GDateTime *
ob_device_record_get_last_disconnected (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->last_disconnected;
}

void
ob_device_record_set_last_disconnected (ObDeviceRecord *self,
                                        GDateTime      *last_disconnected)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (self->last_disconnected == last_disconnected
      || (self->last_disconnected != NULL && last_disconnected != NULL
          && g_date_time_equal (self->last_disconnected, last_disconnected)))
    return;

  g_clear_pointer (&self->last_disconnected, g_date_time_unref);
  self->last_disconnected = last_disconnected != NULL ? g_date_time_ref (last_disconnected) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_DISCONNECTED]);
}

const char *
ob_device_record_get_fw_version (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->fw_version;
}

void
ob_device_record_set_fw_version (ObDeviceRecord *self,
                                 const char     *fw_version)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->fw_version, fw_version) == 0)
    return;

  g_free (self->fw_version);
  self->fw_version = g_strdup (fw_version);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FW_VERSION]);
}

const char *
ob_device_record_get_fw_build (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->fw_build;
}

void
ob_device_record_set_fw_build (ObDeviceRecord *self,
                               const char     *fw_build)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->fw_build, fw_build) == 0)
    return;

  g_free (self->fw_build);
  self->fw_build = g_strdup (fw_build);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FW_BUILD]);
}

const char *
ob_device_record_get_fw_sku (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->fw_sku;
}

void
ob_device_record_set_fw_sku (ObDeviceRecord *self,
                             const char     *fw_sku)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->fw_sku, fw_sku) == 0)
    return;

  g_free (self->fw_sku);
  self->fw_sku = g_strdup (fw_sku);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FW_SKU]);
}

const char *
ob_device_record_get_current_mode (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->current_mode;
}

void
ob_device_record_set_current_mode (ObDeviceRecord *self,
                                   const char     *current_mode)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->current_mode, current_mode) == 0)
    return;

  g_free (self->current_mode);
  self->current_mode = g_strdup (current_mode);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_MODE]);
}

const char *
ob_device_record_get_features (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->features;
}

void
ob_device_record_set_features (ObDeviceRecord *self,
                               const char     *features)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->features, features) == 0)
    return;

  g_free (self->features);
  self->features = g_strdup (features);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FEATURES]);
}

const char *
ob_device_record_get_ip_address (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->ip_address;
}

void
ob_device_record_set_ip_address (ObDeviceRecord *self,
                                 const char     *ip_address)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->ip_address, ip_address) == 0)
    return;

  g_free (self->ip_address);
  self->ip_address = g_strdup (ip_address);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IP_ADDRESS]);
}

GDateTime *
ob_device_record_get_device_info_updated (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->device_info_updated;
}

void
ob_device_record_set_device_info_updated (ObDeviceRecord *self,
                                          GDateTime      *device_info_updated)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (self->device_info_updated == device_info_updated
      || (self->device_info_updated != NULL && device_info_updated != NULL
          && g_date_time_equal (self->device_info_updated, device_info_updated)))
    return;

  g_clear_pointer (&self->device_info_updated, g_date_time_unref);
  self->device_info_updated = device_info_updated != NULL ? g_date_time_ref (device_info_updated) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_INFO_UPDATED]);
}

ObDeviceTransport
ob_device_record_get_transport (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), OB_DEVICE_TRANSPORT_CIRA);

  return self->transport;
}

void
ob_device_record_set_transport (ObDeviceRecord   *self,
                                ObDeviceTransport transport)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (self->transport == transport)
    return;

  self->transport = transport;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORT]);
}

const char *
ob_device_record_get_host (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->host;
}

void
ob_device_record_set_host (ObDeviceRecord *self,
                           const char     *host)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->host, host) == 0)
    return;

  g_free (self->host);
  self->host = g_strdup (host);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
}

guint
ob_device_record_get_port (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), 0);

  return self->port;
}

void
ob_device_record_set_port (ObDeviceRecord *self,
                           guint           port)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (self->port == port)
    return;

  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

gboolean
ob_device_record_get_use_tls (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), FALSE);

  return self->use_tls;
}

void
ob_device_record_set_use_tls (ObDeviceRecord *self,
                              gboolean        use_tls)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  use_tls = !!use_tls;
  if (self->use_tls == use_tls)
    return;

  self->use_tls = use_tls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USE_TLS]);
}

gboolean
ob_device_record_get_allow_self_signed (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), FALSE);

  return self->allow_self_signed;
}

void
ob_device_record_set_allow_self_signed (ObDeviceRecord *self,
                                        gboolean        allow_self_signed)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  allow_self_signed = !!allow_self_signed;
  if (self->allow_self_signed == allow_self_signed)
    return;

  self->allow_self_signed = allow_self_signed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_SELF_SIGNED]);
}

gboolean
ob_device_record_get_legacy_tls (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), FALSE);

  return self->legacy_tls;
}

void
ob_device_record_set_legacy_tls (ObDeviceRecord *self,
                                 gboolean        legacy_tls)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  legacy_tls = !!legacy_tls;
  if (self->legacy_tls == legacy_tls)
    return;

  self->legacy_tls = legacy_tls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEGACY_TLS]);
}

const char *
ob_device_record_get_pinned_fingerprint (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->pinned_fingerprint;
}

void
ob_device_record_set_pinned_fingerprint (ObDeviceRecord *self,
                                         const char     *pinned_fingerprint)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->pinned_fingerprint, pinned_fingerprint) == 0)
    return;

  g_free (self->pinned_fingerprint);
  self->pinned_fingerprint = g_strdup (pinned_fingerprint);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED_FINGERPRINT]);
}

const char *
ob_device_record_get_amt_username (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), NULL);

  return self->amt_username;
}

void
ob_device_record_set_amt_username (ObDeviceRecord *self,
                                   const char     *amt_username)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  if (g_strcmp0 (self->amt_username, amt_username) == 0)
    return;

  g_free (self->amt_username);
  self->amt_username = g_strdup (amt_username);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AMT_USERNAME]);
}

gint64
ob_device_record_get_version (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), 0);

  return self->version;
}

void
ob_device_record_set_version (ObDeviceRecord *self,
                              gint64          version)
{
  g_return_if_fail (OB_IS_DEVICE_RECORD (self));

  g_return_if_fail (version >= 0);
  if (self->version == version)
    return;

  self->version = version;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
}

/* Whether any deviceInfo field is set: the REST layer emits deviceInfo as
 * null otherwise, and an upsert replaces the stored block only then. */
gboolean
ob_device_record_has_device_info (ObDeviceRecord *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (self), FALSE);

  return self->fw_version != NULL || self->fw_build != NULL || self->fw_sku != NULL
         || self->current_mode != NULL || self->features != NULL || self->ip_address != NULL
         || self->device_info_updated != NULL;
}
