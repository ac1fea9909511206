/* ob-api-devices.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-apf-message.h"
#include "ob-apf-session.h"
#include "ob-api-private.h"
#include "ob-error.h"
#include "ob-lan-stream-source.h"
#include "ob-util.h"

/* /api/v1/devices: the MPS's device records (mps-cira-apf.md §4.3), kept
 * in ObStore; devices reached on the LAN also live in the ObDeviceRegistry,
 * which owns adding, editing and removing them (and their passwords).
 *
 * Beyond the reference's fields a device carries "transport" ("lan" or
 * "cira"), and a LAN device "port", "useTLS", "allowSelfSigned",
 * "legacyTLS", "username" and "certificateFingerprint".  A POST with a
 * "password" adds a LAN device: the registry connects, learns the GUID and
 * stores the password in the keyring; the password never comes back.
 *
 * A device that calls home (CIRA) is registered with its GUID and no
 * host: a body with "mpspassword" is one, whose CIRA user is
 * "mpsusername".  The MPS password goes to the keyring (owner device, kind
 * mps-password), where the CIRA listener checks it, and an optional
 * "password" there is the device's AMT password (kind amt-password); the
 * row in the store never holds either, and no answer or log shows them. */

#define NOT_FOUND_ERROR "NOT FOUND"

/* ------------------------------------------------------------------------
 * Serializing
 * ------------------------------------------------------------------------ */

/* As JavaScript's Date.toJSON prints it. */
static char *
format_timestamp (GDateTime *when)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *base = NULL;

  if (when == NULL)
    return NULL;

  utc = g_date_time_to_utc (when);
  base = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base, g_date_time_get_microsecond (utc) / 1000);
}

static void
add_nullable_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_timestamp (JsonBuilder *builder,
               const char  *name,
               GDateTime   *value)
{
  g_autofree char *text = format_timestamp (value);

  add_nullable_string (builder, name, text);
}

static ObDevice *
lookup_device (ObApiServer *server,
               const char  *guid)
{
  ObDeviceRegistry *registry = _ob_api_server_get_registry (server);

  if (registry == NULL || guid == NULL)
    return NULL;

  return ob_device_registry_lookup (registry, guid);
}

/* What the registry knows now: a LAN device is "connected" when its last
 * exchange worked, a CIRA device while its session is up (the store
 * follows a moment later, through the listener's writer thread). */
static gboolean
device_is_connected (ObDevice *device)
{
  return ob_device_is_connected (device);
}

/* Whether the live state covers every device: with a registry and a CIRA
 * listener, a device that is connected is in the registry (every LAN
 * device is, a CIRA device joins it when it authenticates, and the
 * listener marks every row disconnected when it starts).  Without them
 * the store is all there is to go by. */
static gboolean
registry_is_authoritative (ObApiServer *server)
{
  return _ob_api_server_get_registry (server) != NULL && _ob_api_server_get_mps (server) != NULL;
}

/* When a device was last heard from.  While a CIRA session is up, its
 * last keepalive says it to the microsecond; the store is written only
 * now and then (the listener's last-seen-interval), so that copy can be
 * minutes old. */
static GDateTime *
effective_last_seen (ObDevice       *device,
                     ObDeviceRecord *record)
{
  GDateTime *stored = ob_device_record_get_last_seen (record);
  ObStreamSource *source = device != NULL ? ob_device_get_transport_source (device) : NULL;
  gint64 live;

  if (!OB_IS_APF_SESSION (source))
    return stored != NULL ? g_date_time_ref (stored) : NULL;

  live = ob_apf_session_get_last_seen (OB_APF_SESSION (source));
  if (live <= 0 || (stored != NULL && ob_date_time_to_real_time (stored) >= live))
    return stored != NULL ? g_date_time_ref (stored) : NULL;

  return ob_date_time_new_from_real_time (live);
}

static gboolean
effective_connection (ObApiServer    *server,
                      ObDeviceRecord *record)
{
  ObDevice *device = lookup_device (server, ob_device_record_get_guid (record));

  if (device != NULL)
    return device_is_connected (device);
  if (registry_is_authoritative (server))
    return FALSE;

  return ob_device_record_get_connection_status (record);
}

static JsonNode *
device_to_json (ObApiServer    *server,
                ObDeviceRecord *record,
                gboolean        with_timestamps)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(ObDeviceRecord) live = NULL;
  ObDeviceRecord *info = record;
  const char * const *tags = ob_device_record_get_tags (record);
  ObDevice *device = lookup_device (server, ob_device_record_get_guid (record));
  const char *tenant = ob_device_record_get_tenant_id (record);

  /* The registry's copy has what the last refresh found on the device. */
  if (device != NULL)
    {
      live = ob_device_dup_record (device);
      if (ob_device_record_has_device_info (live))
        info = live;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "guid");
  json_builder_add_string_value (builder, ob_device_record_get_guid (record));
  add_nullable_string (builder, "hostname", ob_device_record_get_hostname (record));
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_array (builder);
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    json_builder_add_string_value (builder, tags[i]);
  json_builder_end_array (builder);
  add_nullable_string (builder, "mpsInstance", ob_device_record_get_mps_instance (record));
  json_builder_set_member_name (builder, "connectionStatus");
  json_builder_add_boolean_value (builder, effective_connection (server, record));
  add_nullable_string (builder, "mpsusername", ob_device_record_get_mps_username (record));
  json_builder_set_member_name (builder, "tenantId");
  json_builder_add_string_value (builder, tenant != NULL ? tenant : "");
  add_nullable_string (builder, "friendlyName", ob_device_record_get_friendly_name (record));
  add_nullable_string (builder, "dnsSuffix", ob_device_record_get_dns_suffix (record));

  /* The list leaves the timestamps out, as the MPS's list query does. */
  if (with_timestamps)
    {
      g_autoptr(GDateTime) last_seen = effective_last_seen (device, record);

      add_timestamp (builder, "lastConnected", ob_device_record_get_last_connected (record));
      add_timestamp (builder, "lastSeen", last_seen);
      add_timestamp (builder, "lastDisconnected", ob_device_record_get_last_disconnected (record));
    }

  json_builder_set_member_name (builder, "deviceInfo");
  if (ob_device_record_has_device_info (info))
    {
      json_builder_begin_object (builder);
      add_nullable_string (builder, "fwVersion", ob_device_record_get_fw_version (info));
      add_nullable_string (builder, "fwBuild", ob_device_record_get_fw_build (info));
      add_nullable_string (builder, "fwSku", ob_device_record_get_fw_sku (info));
      add_nullable_string (builder, "currentMode", ob_device_record_get_current_mode (info));
      add_nullable_string (builder, "features", ob_device_record_get_features (info));
      add_nullable_string (builder, "ipAddress", ob_device_record_get_ip_address (info));
      add_timestamp (builder, "lastUpdated", ob_device_record_get_device_info_updated (info));
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, "transport");
  json_builder_add_string_value (builder,
                                 ob_device_transport_to_string (ob_device_record_get_transport (record)));

  if (ob_device_record_get_transport (record) == OB_DEVICE_TRANSPORT_LAN)
    {
      json_builder_set_member_name (builder, "port");
      json_builder_add_int_value (builder, ob_device_record_get_port (record));
      json_builder_set_member_name (builder, "useTLS");
      json_builder_add_boolean_value (builder, ob_device_record_get_use_tls (record));
      json_builder_set_member_name (builder, "allowSelfSigned");
      json_builder_add_boolean_value (builder, ob_device_record_get_allow_self_signed (record));
      json_builder_set_member_name (builder, "legacyTLS");
      json_builder_add_boolean_value (builder, ob_device_record_get_legacy_tls (record));
      add_nullable_string (builder, "username", ob_device_record_get_amt_username (record));
      add_nullable_string (builder, "certificateFingerprint",
                           ob_device_record_get_pinned_fingerprint (record));
    }

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
respond_device (ObApiRequest   *request,
                guint           status,
                ObDeviceRecord *record)
{
  g_autoptr(JsonNode) node = device_to_json (request->server, record, TRUE);

  ob_api_request_respond_json (request, status, node);
}

/* The MPS's update/delete 404: {"error":"NOT FOUND","message":…}. */
static void
respond_not_found (ObApiRequest *request,
                   const char   *guid)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *message = g_strdup_printf ("Device ID %s not found", guid);

  json_object_set_string_member (object, "error", NOT_FOUND_ERROR);
  json_object_set_string_member (object, "message", message);
  node = json_node_init_object (json_node_alloc (), object);
  ob_api_request_respond_json (request, SOUP_STATUS_NOT_FOUND, node);
}

/* Failures of the store or the registry, in the reference's terms where it
 * has them: bad input 400, unknown 404, not ready 503, the rest 500. */
static void
respond_engine_error (ObApiRequest *request,
                      const GError *error,
                      const char   *guid)
{
  if (error->domain == OB_STORE_ERROR)
    {
      switch ((ObStoreError) error->code)
        {
        case OB_STORE_ERROR_NOT_FOUND:
          respond_not_found (request, guid);
          return;

        case OB_STORE_ERROR_INVALID:
        case OB_STORE_ERROR_DUPLICATE:
        case OB_STORE_ERROR_MISSING_REFERENCE:
          ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                        OB_API_ERROR_TEXT_400, error->message);
          return;

        case OB_STORE_ERROR_CONFLICT:
          ob_api_request_respond_error (request, SOUP_STATUS_CONFLICT, "Conflict", error->message);
          return;

        case OB_STORE_ERROR_IN_USE:
        case OB_STORE_ERROR_DATABASE:
        case OB_STORE_ERROR_TOO_NEW:
        default:
          break;
        }
    }
  else if (error->domain == OB_DEVICE_ERROR)
    {
      switch ((ObDeviceError) error->code)
        {
        case OB_DEVICE_ERROR_NOT_FOUND:
          respond_not_found (request, guid);
          return;

        case OB_DEVICE_ERROR_NOT_LOADED:
          ob_api_request_respond_error (request, SOUP_STATUS_SERVICE_UNAVAILABLE,
                                        OB_API_ERROR_TEXT_503,
                                        "The device list is still loading; try again");
          return;

        case OB_DEVICE_ERROR_INVALID_ARGUMENT:
        case OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED:
        case OB_DEVICE_ERROR_CERTIFICATE_MISMATCH:
        case OB_DEVICE_ERROR_TLS_FAILED:
        case OB_DEVICE_ERROR_DUPLICATE:
        case OB_DEVICE_ERROR_NO_GUID:
        case OB_DEVICE_ERROR_NOT_CONNECTED:
        case OB_DEVICE_ERROR_NO_PASSWORD:
        default:
          ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                        OB_API_ERROR_TEXT_400, error->message);
          return;
        }
    }
  else if (ob_error_is_cancelled (error))
    {
      ob_api_request_respond_error (request, SOUP_STATUS_SERVICE_UNAVAILABLE,
                                    OB_API_ERROR_TEXT_503, "The server is stopping");
      return;
    }
  else if (g_error_matches (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID))
    {
      ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                    OB_API_ERROR_TEXT_400, error->message);
      return;
    }
  else if (error->domain == OB_SECRET_STORE_ERROR)
    {
      /* A locked or missing keyring: the environment, not a fault here. */
      g_message ("REST API: device %s: %s", guid != NULL ? guid : "(new)", error->message);
      ob_api_request_respond_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                    OB_API_ERROR_TEXT_500, error->message);
      return;
    }
  else
    {
      /* Reaching the device failed while adding it (refused, unreachable,
       * wrong password, a WS-Man fault): the request cannot succeed as
       * given, and the message says why. */
      ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                    OB_API_ERROR_TEXT_400, error->message);
      return;
    }

  g_warning ("REST API: device %s: %s", guid != NULL ? guid : "(new)", error->message);
  ob_api_request_respond_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                OB_API_ERROR_TEXT_500, error->message);
}

/* ------------------------------------------------------------------------
 * GET /devices, /devices/stats, /devices/tags, /devices/:guid
 * ------------------------------------------------------------------------ */

static JsonNode *
query_value_node (const char *text)
{
  return text != NULL ? json_node_init_string (json_node_alloc (), text) : NULL;
}

static void
add_query_error (ObApiValidation *validation,
                 const char      *text,
                 const char      *msg,
                 const char      *path)
{
  g_autoptr(JsonNode) node = query_value_node (text);

  ob_api_validation_add (validation, node, msg, path, "query");
}

void
_ob_api_devices_list (ObApiRequest *request)
{
  ObApiServer *server = request->server;
  ObStore *store = _ob_api_server_get_store (server);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_auto(GStrv) tags = NULL;
  const char *top_text = ob_api_request_get_query (request, "$top");
  const char *skip_text = ob_api_request_get_query (request, "$skip");
  const char *count_text = ob_api_request_get_query (request, "$count");
  const char *hostname = ob_api_request_get_query (request, "hostname");
  const char *friendly_name = ob_api_request_get_query (request, "friendlyName");
  const char *tags_text = ob_api_request_get_query (request, "tags");
  const char *method = ob_api_request_get_query (request, "method");
  const char *status_text = ob_api_request_get_query (request, "status");
  gint64 top = 25, skip = 0;
  gboolean with_count = FALSE;
  gdouble status = -1;
  ObStoreQuery query = { 0 };

  ob_api_validation_init (&validation);

  if (top_text != NULL && !ob_api_text_is_int (top_text, 0, &top))
    add_query_error (&validation, top_text,
                     "The number of items to return should be a positive integer", "$top");
  if (skip_text != NULL && !ob_api_text_is_int (skip_text, 0, &skip))
    add_query_error (&validation, skip_text,
                     "The number of items to skip before starting to collect the result set "
                     "should be a positive integer", "$skip");
  if (count_text != NULL && !ob_api_text_is_boolean (count_text, &with_count))
    add_query_error (&validation, count_text,
                     "To return total number of records in result set should be boolean",
                     "$count");
  if (hostname != NULL && g_utf8_strlen (hostname, -1) > 256)
    add_query_error (&validation, hostname, NULL, "hostname");
  if (status_text != NULL)
    {
      if (!ob_api_text_is_numeric (status_text, &status))
        add_query_error (&validation, status_text, NULL, "status");
      if (g_strcmp0 (status_text, "0") != 0 && g_strcmp0 (status_text, "1") != 0)
        add_query_error (&validation, status_text, NULL, "status");
    }
  if (method != NULL && g_strcmp0 (method, "AND") != 0 && g_strcmp0 (method, "OR") != 0)
    add_query_error (&validation, method, NULL, "method");

  if (ob_api_validation_respond (&validation, request))
    return;

  /* As the MPS: a host name or friendly name lists every match; the tag
   * filter and the plain list are paged. */
  if (hostname != NULL)
    query.hostname = hostname;
  else if (friendly_name != NULL)
    query.friendly_name = friendly_name;
  else
    {
      query.offset = (guint) MIN (skip, G_MAXUINT);
      /* $top=0 asks for nothing; the store's 0 would mean "no limit". */
      query.limit = (guint) MIN (top, G_MAXUINT);
      if (tags_text != NULL)
        {
          tags = g_strsplit (tags_text, ",", -1);
          query.tags = (const char * const *) tags;
          query.tag_match = g_strcmp0 (method, "AND") == 0 ? OB_STORE_TAG_MATCH_ALL
                                                          : OB_STORE_TAG_MATCH_ANY;
        }
    }

  if (query.hostname == NULL && query.friendly_name == NULL && top == 0)
    records = g_ptr_array_new_with_free_func (g_object_unref);
  else
    records = ob_store_list_devices (store, &query, NULL, &error);
  if (records == NULL)
    {
      g_warning ("REST API: listing devices failed: %s", error->message);
      ob_api_request_respond_empty (request, SOUP_STATUS_INTERNAL_SERVER_ERROR);
      return;
    }

  /* The status filter runs after paging, as in the MPS. */
  for (guint i = 0; i < records->len; i++)
    {
      ObDeviceRecord *record = g_ptr_array_index (records, i);

      if (status_text != NULL
          && effective_connection (server, record) != (status == 1))
        continue;

      json_array_add_element (list, device_to_json (server, record, FALSE));
    }

  if (with_count)
    {
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_array_member (object, "data", g_steal_pointer (&list));
      json_object_set_int_member (object, "totalCount", ob_store_get_n_devices (store));
      node = json_node_init_object (json_node_alloc (), object);
    }
  else
    node = json_node_init_array (json_node_alloc (), list);

  ob_api_request_respond_json (request, SOUP_STATUS_OK, node);
}

void
_ob_api_devices_stats (ObApiRequest *request)
{
  ObApiServer *server = request->server;
  ObDeviceRegistry *registry = _ob_api_server_get_registry (server);
  ObStore *store = _ob_api_server_get_store (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  guint total = 0, connected = 0;

  if (registry_is_authoritative (server))
    {
      /* Both counts are kept as devices come, go, connect and disconnect:
       * no query, however large the fleet.  A device whose row was deleted
       * behind the registry's back (deprovisioning) may stay connected for
       * a moment until the registry drops it; it is not counted twice. */
      total = ob_store_get_n_devices (store);
      connected = MIN (ob_device_registry_get_n_connected (registry), total);
    }
  else if (!ob_store_count_devices (store, NULL, &total, &connected, &error))
    {
      g_warning ("REST API: device statistics failed: %s", error->message);
      ob_api_request_respond_empty (request, SOUP_STATUS_INTERNAL_SERVER_ERROR);
      return;
    }
  else if (registry != NULL)
    {
      ObStoreQuery query = { 0 };
      g_autoptr(GPtrArray) records = NULL;

      /* No listener: the registry's devices as they are now, the other
       * rows as the store says. */
      query.connection = OB_STORE_CONNECTION_CONNECTED;
      records = ob_store_list_devices (store, &query, NULL, &error);
      if (records == NULL)
        {
          g_warning ("REST API: device statistics failed: %s", error->message);
          ob_api_request_respond_empty (request, SOUP_STATUS_INTERNAL_SERVER_ERROR);
          return;
        }
      connected = ob_device_registry_get_n_connected (registry);
      for (guint i = 0; i < records->len; i++)
        if (lookup_device (server, ob_device_record_get_guid (g_ptr_array_index (records, i))) == NULL)
          connected++;
      connected = MIN (connected, total);
    }

  json_object_set_int_member (object, "totalCount", total);
  json_object_set_int_member (object, "connectedCount", connected);
  json_object_set_int_member (object, "disconnectedCount", total - connected);
  node = json_node_init_object (json_node_alloc (), object);
  ob_api_request_respond_json (request, SOUP_STATUS_OK, node);
}

void
_ob_api_devices_tags (ObApiRequest *request)
{
  g_auto(GStrv) tags = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = NULL;

  tags = ob_store_list_device_tags (_ob_api_server_get_store (request->server), NULL, &error);
  if (tags == NULL && error != NULL)
    {
      g_warning ("REST API: listing tags failed: %s", error->message);
      ob_api_request_respond_empty (request, SOUP_STATUS_INTERNAL_SERVER_ERROR);
      return;
    }

  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    json_array_add_string_element (array, tags[i]);

  node = json_node_init_array (json_node_alloc (), array);
  ob_api_request_respond_json (request, SOUP_STATUS_OK, node);
}

/* param('guid').isUUID('loose') */
static gboolean
validate_guid_param (ObApiRequest *request)
{
  g_auto(ObApiValidation) validation = { NULL };

  ob_api_validation_init (&validation);
  if (!ob_uuid_is_valid (request->param))
    {
      g_autoptr(JsonNode) value = query_value_node (request->param);

      ob_api_validation_add (&validation, value, NULL, "guid", "params");
    }

  return !ob_api_validation_respond (&validation, request);
}

void
_ob_api_devices_get (ObApiRequest *request)
{
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  const char *tenant = "";
  const char *query_tenant = ob_api_request_get_query (request, "tenantId");
  const char *record_tenant;

  if (!validate_guid_param (request))
    return;

  record = ob_store_get_device (_ob_api_server_get_store (request->server), request->param, &error);
  if (record == NULL)
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        ob_api_request_respond_empty (request, SOUP_STATUS_NOT_FOUND);
      else
        {
          g_warning ("REST API: reading device %s failed: %s", request->param, error->message);
          ob_api_request_respond_empty (request, SOUP_STATUS_INTERNAL_SERVER_ERROR);
        }
      return;
    }

  /* Tokens carry tenant "", so ?tenantId= picks the tenant; another
   * tenant's device is 204, as the MPS answers. */
  if (query_tenant != NULL && query_tenant[0] != '\0')
    tenant = query_tenant;
  record_tenant = ob_device_record_get_tenant_id (record);
  if (g_strcmp0 (record_tenant != NULL ? record_tenant : "", tenant) != 0)
    {
      ob_api_request_respond_empty (request, SOUP_STATUS_NO_CONTENT);
      return;
    }

  respond_device (request, SOUP_STATUS_OK, record);
}

/* ------------------------------------------------------------------------
 * Validation of a device body (deviceValidator plus the LAN fields)
 * ------------------------------------------------------------------------ */

static gboolean
is_absent_or_null (JsonNode *node)
{
  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

/* validator.js isFQDN with require_tld false and a trailing dot allowed. */
static gboolean
is_fqdn (const char *text)
{
  g_autofree char *copy = g_strdup (text);
  g_auto(GStrv) labels = NULL;
  gsize len = strlen (copy);

  if (len > 0 && copy[len - 1] == '.')
    copy[--len] = '\0';
  if (len == 0 || len > 253)
    return FALSE;

  labels = g_strsplit (copy, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    {
      const char *label = labels[i];
      gsize label_len = strlen (label);

      if (label_len == 0 || label_len > 63)
        return FALSE;
      if (label[0] == '-' || label[label_len - 1] == '-')
        return FALSE;
      for (const char *p = label; *p != '\0'; p++)
        {
          guchar c = (guchar) *p;

          /* Letters, digits, hyphens; non-ASCII (IDN) letters pass. */
          if (!(g_ascii_isalnum (c) || c == '-' || c >= 0x80))
            return FALSE;
        }
    }

  return TRUE;
}

/* A body with "mpspassword" registers a device that calls home; there a
 * "password" is its AMT password, not a LAN add. */
static gboolean
is_cira_request (JsonObject *body)
{
  return body != NULL && json_object_has_member (body, "mpspassword");
}

static gboolean
is_lan_request (JsonObject *body)
{
  return body != NULL && json_object_has_member (body, "password") && !is_cira_request (body);
}

/* @adding: a POST (a LAN add needs its host; an edit may keep it). */
static void
validate_device_body (JsonObject      *body,
                      gboolean         guid_required,
                      gboolean         adding,
                      ObApiValidation *v)
{
  JsonNode *guid = body != NULL ? json_object_get_member (body, "guid") : NULL;
  JsonNode *node;
  gboolean lan = is_lan_request (body);

  /* check('guid').isUUID('loose').isString() */
  if (guid_required || guid != NULL)
    {
      if (!ob_api_json_node_is_string (guid) || !ob_uuid_is_valid (json_node_get_string (guid)))
        ob_api_validation_add (v, guid, NULL, "guid", "body");
      if (!ob_api_json_node_is_string (guid))
        ob_api_validation_add (v, guid, NULL, "guid", "body");
    }

  if (body == NULL)
    return;

  node = json_object_get_member (body, "friendlyName");
  if (!is_absent_or_null (node) && !ob_api_json_node_is_string (node))
    ob_api_validation_add (v, node, NULL, "friendlyName", "body");

  node = json_object_get_member (body, "hostname");
  if (!is_absent_or_null (node))
    {
      if (!ob_api_json_node_is_string (node))
        ob_api_validation_add (v, node, NULL, "hostname", "body");
      else if (g_utf8_strlen (json_node_get_string (node), -1) > 255)
        ob_api_validation_add (v, node, "Hostname must be less than 256 characters",
                               "hostname", "body");
    }

  node = json_object_get_member (body, "dnsSuffix");
  if (!is_absent_or_null (node))
    {
      if (!ob_api_json_node_is_string (node))
        ob_api_validation_add (v, node, NULL, "dnsSuffix", "body");
      else if (g_utf8_strlen (json_node_get_string (node), -1) > 255)
        ob_api_validation_add (v, node, "dnsSuffix must be less than 256 characters",
                               "dnsSuffix", "body");
      else if (json_node_get_string (node)[0] != '\0' && !is_fqdn (json_node_get_string (node)))
        ob_api_validation_add (v, node, "dnsSuffix must be a valid DNS suffix",
                               "dnsSuffix", "body");
    }

  /* A CIRA user or password longer than APF carries could never sign in. */
  node = json_object_get_member (body, "mpsusername");
  if (!is_absent_or_null (node))
    {
      if (!ob_api_json_node_is_string (node))
        ob_api_validation_add (v, node, NULL, "mpsusername", "body");
      else if (strlen (json_node_get_string (node)) > OB_APF_MAX_STRING_LENGTH)
        ob_api_validation_add (v, node, "mpsusername must be at most 2048 bytes",
                               "mpsusername", "body");
    }

  node = json_object_get_member (body, "mpspassword");
  if (node != NULL
      && (!ob_api_json_node_is_string (node) || json_node_get_string (node)[0] == '\0'
          || strlen (json_node_get_string (node)) > OB_APF_MAX_STRING_LENGTH))
    /* Never echoed back, even malformed. */
    ob_api_validation_add (v, NULL, "mpspassword must be a non-empty string of at most 2048 bytes",
                           "mpspassword", "body");

  node = json_object_get_member (body, "tenantId");
  if (!is_absent_or_null (node) && !ob_api_json_node_is_string (node))
    ob_api_validation_add (v, node, NULL, "tenantId", "body");

  node = json_object_get_member (body, "tags");
  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        ob_api_validation_add (v, node, "tags should be an array of strings", "tags", "body");
      else
        {
          JsonArray *array = json_node_get_array (node);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *element = json_array_get_element (array, i);

              if (!ob_api_json_node_is_string (element))
                {
                  g_autofree char *path = g_strdup_printf ("tags[%u]", i);

                  ob_api_validation_add (v, element, "tags should be an array of strings",
                                         path, "body");
                }
            }
        }
    }

  node = json_object_get_member (body, "deviceInfo");
  if (!is_absent_or_null (node) && !JSON_NODE_HOLDS_OBJECT (node))
    ob_api_validation_add (v, node, "deviceInfo should be an object if provided",
                           "deviceInfo", "body");

  /* The LAN fields. */
  {
    static const char * const booleans[] = { "useTLS", "allowSelfSigned", "legacyTLS" };

    for (guint i = 0; i < G_N_ELEMENTS (booleans); i++)
      {
        node = json_object_get_member (body, booleans[i]);
        if (node != NULL && !ob_api_json_get_boolean (body, booleans[i], NULL))
          ob_api_validation_add (v, node, NULL, booleans[i], "body");
      }
  }

  node = json_object_get_member (body, "username");
  if (!is_absent_or_null (node) && !ob_api_json_node_is_string (node))
    ob_api_validation_add (v, node, NULL, "username", "body");

  node = json_object_get_member (body, "password");
  if (node != NULL && (!ob_api_json_node_is_string (node) || json_node_get_string (node)[0] == '\0'))
    /* Never echo a password back, even a malformed one. */
    ob_api_validation_add (v, NULL, "Password must be a non-empty string", "password", "body");

  node = json_object_get_member (body, "port");
  if (node != NULL)
    {
      gint64 port;

      if (!ob_api_json_get_int (body, "port", &port) || port < 1 || port > 65535)
        ob_api_validation_add (v, node, "port must be between 1 and 65535", "port", "body");
    }

  node = json_object_get_member (body, "certificateFingerprint");
  if (!is_absent_or_null (node))
    {
      g_autofree char *normalized = NULL;

      if (ob_api_json_node_is_string (node))
        normalized = ob_lan_stream_source_normalize_fingerprint (json_node_get_string (node), NULL);
      if (normalized == NULL)
        ob_api_validation_add (v, node, "certificateFingerprint must be a SHA-256 fingerprint",
                               "certificateFingerprint", "body");
    }

  /* An edit that sets a password (the AMT password of a CIRA device, or
   * of a LAN device) may leave the host as it is, not empty it. */
  node = json_object_get_member (body, "hostname");
  if (lan && (adding || node != NULL)
      && (!ob_api_json_node_is_string (node) || json_node_get_string (node)[0] == '\0'))
    ob_api_validation_add (v, node, "hostname is required to add a device on the LAN",
                           "hostname", "body");
}

/* useTLS with neither a pinned fingerprint nor allowSelfSigned cannot be
 * trusted: AMT certificates are self-signed. */
void
_ob_api_devices_validate_body (JsonObject      *body,
                               gboolean         guid_required,
                               ObApiValidation *validation)
{
  validate_device_body (body, guid_required, FALSE, validation);
}

static void
validate_tls_trust (JsonObject      *body,
                    gboolean         use_tls,
                    gboolean         allow_self_signed,
                    const char      *fingerprint,
                    ObApiValidation *v)
{
  if (use_tls && !allow_self_signed && fingerprint == NULL)
    ob_api_validation_add (v, json_object_get_member (body, "useTLS"),
                           "useTLS needs allowSelfSigned or a certificateFingerprint",
                           "useTLS", "body");
}

/* ------------------------------------------------------------------------
 * Building records from a body
 * ------------------------------------------------------------------------ */

static char *
scalar_text (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  if (type == G_TYPE_DOUBLE)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
    }

  return NULL;
}

/* Every field present in @body replaces the record's (null clears it),
 * as the MPS's {...device, ...req.body} does. */
static void
apply_body (ObDeviceRecord *record,
            JsonObject     *body,
            gboolean        lan)
{
  JsonNode *node;

#define APPLY_STRING(member, setter) \
  G_STMT_START { \
    if (json_object_has_member (body, member)) \
      setter (record, ob_api_json_get_string (body, member)); \
  } G_STMT_END

  APPLY_STRING ("hostname", ob_device_record_set_hostname);
  APPLY_STRING ("friendlyName", ob_device_record_set_friendly_name);
  APPLY_STRING ("dnsSuffix", ob_device_record_set_dns_suffix);
  APPLY_STRING ("mpsusername", ob_device_record_set_mps_username);
  APPLY_STRING ("tenantId", ob_device_record_set_tenant_id);

  node = json_object_get_member (body, "tags");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) tags = NULL;

      for (guint i = 0; i < json_array_get_length (array); i++)
        g_strv_builder_add (builder, json_array_get_string_element (array, i));
      tags = g_strv_builder_end (builder);
      ob_device_record_set_tags (record, (const char * const *) tags);
    }

  node = json_object_get_member (body, "deviceInfo");
  if (node != NULL)
    {
      JsonObject *info = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      static const struct {
        const char *member;
        void (*setter) (ObDeviceRecord *, const char *);
      } fields[] = {
        { "fwVersion", ob_device_record_set_fw_version },
        { "fwBuild", ob_device_record_set_fw_build },
        { "fwSku", ob_device_record_set_fw_sku },
        { "currentMode", ob_device_record_set_current_mode },
        { "features", ob_device_record_set_features },
        { "ipAddress", ob_device_record_set_ip_address },
      };
      g_autoptr(GDateTime) updated = NULL;
      const char *updated_text = info != NULL ? ob_api_json_get_string (info, "lastUpdated") : NULL;

      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        {
          g_autofree char *text = info != NULL
                                  ? scalar_text (json_object_get_member (info, fields[i].member))
                                  : NULL;

          fields[i].setter (record, text);
        }

      if (updated_text != NULL)
        updated = g_date_time_new_from_iso8601 (updated_text, NULL);
      if (updated == NULL && info != NULL)
        updated = g_date_time_new_now_utc ();
      ob_device_record_set_device_info_updated (record, updated);
    }

  if (lan)
    {
      gboolean flag;
      gint64 port;

      /* A LAN device's host is its hostname. */
      if (ob_api_json_get_string (body, "hostname") != NULL)
        ob_device_record_set_host (record, ob_api_json_get_string (body, "hostname"));
      if (ob_api_json_get_boolean (body, "useTLS", &flag))
        ob_device_record_set_use_tls (record, flag);
      if (ob_api_json_get_boolean (body, "allowSelfSigned", &flag))
        ob_device_record_set_allow_self_signed (record, flag);
      if (ob_api_json_get_boolean (body, "legacyTLS", &flag))
        ob_device_record_set_legacy_tls (record, flag);
      if (ob_api_json_get_string (body, "username") != NULL)
        ob_device_record_set_amt_username (record, ob_api_json_get_string (body, "username"));
      if (ob_api_json_get_int (body, "port", &port))
        ob_device_record_set_port (record, (guint) port);
      if (json_object_has_member (body, "certificateFingerprint"))
        {
          const char *text = ob_api_json_get_string (body, "certificateFingerprint");
          g_autofree char *normalized = text != NULL
                                        ? ob_lan_stream_source_normalize_fingerprint (text, NULL)
                                        : NULL;

          ob_device_record_set_pinned_fingerprint (record, normalized);
        }
    }

#undef APPLY_STRING
}

/* Whether a LAN add must store more than the registry's add takes. */
static gboolean
needs_follow_up (JsonObject *body)
{
  static const char * const members[] = {
    "allowSelfSigned", "dnsSuffix", "mpsusername", "tenantId", "deviceInfo",
  };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (json_object_has_member (body, members[i]))
      return TRUE;

  return FALSE;
}

/* ------------------------------------------------------------------------
 * POST /devices
 * ------------------------------------------------------------------------ */

typedef struct
{
  char     *host;
  guint     port;
  gboolean  use_tls;
  gboolean  allow_self_signed;
  gboolean  legacy_tls;
  char     *fingerprint;
  char     *friendly_name;
  GStrv     tags;
  char     *username;
  char     *password;
  char     *wanted_guid;
  /* The device once added, and how the request ends. */
  ObDevice *device;
  guint     status;
} LanAdd;

static void
lan_add_free (LanAdd *add)
{
  g_free (add->host);
  g_free (add->fingerprint);
  g_free (add->friendly_name);
  g_strfreev (add->tags);
  g_free (add->username);
  ob_secure_free_string (add->password);
  g_free (add->wanted_guid);
  g_clear_object (&add->device);
  g_free (add);
}

static void
respond_stored_device (ObApiRequest *request,
                       guint         status,
                       const char   *guid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;

  record = ob_store_get_device (_ob_api_server_get_store (request->server), guid, &error);
  if (record == NULL)
    {
      respond_engine_error (request, error, guid);
      return;
    }

  respond_device (request, status, record);
}

static void
on_lan_follow_up_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  LanAdd *add = request->data;
  g_autoptr(GError) error = NULL;

  if (!ob_device_registry_update_device_finish (OB_DEVICE_REGISTRY (source), result, &error))
    {
      respond_engine_error (request, error, ob_device_get_guid (add->device));
      return;
    }

  respond_stored_device (request, add->status, ob_device_get_guid (add->device));
}

static void
on_lan_mismatch_removed (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  LanAdd *add = request->data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!ob_device_registry_remove_device_finish (OB_DEVICE_REGISTRY (source), result, &error))
    g_warning ("REST API: could not remove device %s again: %s",
               ob_device_get_guid (add->device), error->message);

  message = g_strdup_printf ("The device at %s has GUID %s, not %s",
                             add->host, ob_device_get_guid (add->device), add->wanted_guid);
  ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, OB_API_ERROR_TEXT_400, message);
}

static void
on_lan_device_added (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  ObDeviceRegistry *registry = OB_DEVICE_REGISTRY (source);
  LanAdd *add = request->data;
  JsonObject *body = ob_api_request_get_body_object (request);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  ObDevice *device;

  device = ob_device_registry_add_lan_device_finish (registry, result, &error);
  if (device == NULL)
    {
      respond_engine_error (request, error, add->wanted_guid);
      return;
    }
  add->device = device;
  add->status = SOUP_STATUS_CREATED;

  if (add->wanted_guid != NULL
      && g_ascii_strcasecmp (add->wanted_guid, ob_device_get_guid (device)) != 0)
    {
      ob_device_registry_remove_device_async (registry, ob_device_get_guid (device), NULL,
                                              on_lan_mismatch_removed,
                                              ob_api_request_ref (request));
      return;
    }

  if (!needs_follow_up (body))
    {
      respond_stored_device (request, add->status, ob_device_get_guid (device));
      return;
    }

  /* The registry's add takes the connection settings; the rest of the
   * record (allowSelfSigned, DNS suffix, tenant, deviceInfo …) follows. */
  record = ob_store_get_device (_ob_api_server_get_store (request->server),
                                ob_device_get_guid (device), &error);
  if (record == NULL)
    {
      respond_engine_error (request, error, ob_device_get_guid (device));
      return;
    }
  apply_body (record, body, TRUE);
  ob_device_registry_update_device_async (registry, record, NULL, request->cancellable,
                                          on_lan_follow_up_done, ob_api_request_ref (request));
}

static void
start_lan_add (ObApiRequest *request)
{
  LanAdd *add = request->data;

  ob_device_registry_add_lan_device_async (_ob_api_server_get_registry (request->server),
                                           add->host, add->port, add->use_tls,
                                           add->fingerprint, add->legacy_tls,
                                           add->friendly_name,
                                           (const char * const *) add->tags,
                                           add->username, add->password,
                                           request->cancellable,
                                           on_lan_device_added,
                                           ob_api_request_ref (request));
}

static void
on_certificate_probed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  LanAdd *add = request->data;
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = NULL;

  if (!ob_lan_stream_source_probe_certificate_finish (result, &fingerprint, NULL, NULL, NULL,
                                                      &error))
    {
      respond_engine_error (request, error, add->wanted_guid);
      return;
    }

  /* allowSelfSigned: trust the certificate the device shows now, and pin
   * it so a different one later is refused. */
  g_info ("REST API: pinning certificate %s of %s", fingerprint, add->host);
  add->fingerprint = g_steal_pointer (&fingerprint);
  start_lan_add (request);
}

static void
on_lan_update_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  const char *guid = request->data;

  if (!ob_device_registry_update_device_finish (OB_DEVICE_REGISTRY (source), result, &error))
    {
      respond_engine_error (request, error, guid);
      return;
    }

  respond_stored_device (request, SOUP_STATUS_OK, guid);
}

/* A known device edited through the registry, so the live ObDevice
 * follows (name, tags, connection settings, password). */
static void
update_through_registry (ObApiRequest   *request,
                         ObDeviceRecord *record,
                         const char     *new_password)
{
  /* @new_password may belong to the request data replaced below. */
  char *password = g_strdup (new_password);

  ob_api_request_set_data (request, g_strdup (ob_device_record_get_guid (record)), g_free);
  ob_device_registry_update_device_async (_ob_api_server_get_registry (request->server),
                                          record, password, request->cancellable,
                                          on_lan_update_done, ob_api_request_ref (request));
  ob_secure_free_string (password);
}

static void
create_lan_device (ObApiRequest *request,
                   JsonObject   *body)
{
  ObDeviceRegistry *registry = _ob_api_server_get_registry (request->server);
  g_auto(ObApiValidation) validation = { NULL };
  const char *fingerprint_text = ob_api_json_get_string (body, "certificateFingerprint");
  const char *guid = ob_api_json_get_string (body, "guid");
  LanAdd *add;
  gint64 port = 0;

  if (registry == NULL)
    {
      ob_api_request_respond_error (request, SOUP_STATUS_SERVICE_UNAVAILABLE,
                                    OB_API_ERROR_TEXT_503,
                                    "Devices on the LAN cannot be added: the device registry "
                                    "is not running");
      return;
    }

  add = g_new0 (LanAdd, 1);
  ob_api_request_set_data (request, add, (GDestroyNotify) lan_add_free);

  add->host = g_strdup (ob_api_json_get_string (body, "hostname"));
  ob_api_json_get_boolean (body, "useTLS", &add->use_tls);
  ob_api_json_get_boolean (body, "allowSelfSigned", &add->allow_self_signed);
  ob_api_json_get_boolean (body, "legacyTLS", &add->legacy_tls);
  if (ob_api_json_get_int (body, "port", &port))
    add->port = (guint) port;
  if (fingerprint_text != NULL)
    add->fingerprint = ob_lan_stream_source_normalize_fingerprint (fingerprint_text, NULL);
  add->friendly_name = g_strdup (ob_api_json_get_string (body, "friendlyName"));
  add->username = g_strdup (ob_api_json_get_string (body, "username"));
  add->password = g_strdup (ob_api_json_get_string (body, "password"));
  add->wanted_guid = g_strdup (guid);
  if (json_object_has_member (body, "tags")
      && JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "tags")))
    {
      JsonArray *array = json_object_get_array_member (body, "tags");
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        g_strv_builder_add (builder, json_array_get_string_element (array, i));
      add->tags = g_strv_builder_end (builder);
    }

  ob_api_validation_init (&validation);
  validate_tls_trust (body, add->use_tls, add->allow_self_signed, add->fingerprint, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  /* The same GUID again: an upsert of its connection settings. */
  if (guid != NULL && ob_device_registry_lookup (registry, guid) != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObDeviceRecord) record = NULL;

      record = ob_store_get_device (_ob_api_server_get_store (request->server), guid, &error);
      if (record == NULL)
        {
          respond_engine_error (request, error, guid);
          return;
        }
      apply_body (record, body, TRUE);
      update_through_registry (request, record, add->password);
      return;
    }

  if (add->use_tls && add->fingerprint == NULL)
    {
      ob_lan_stream_source_probe_certificate_async (add->host,
                                                    add->port != 0 ? add->port : 16993,
                                                    OB_LAN_STREAM_SOURCE_DEFAULT_CONNECT_TIMEOUT,
                                                    request->cancellable,
                                                    on_certificate_probed,
                                                    ob_api_request_ref (request));
      return;
    }

  start_lan_add (request);
}

/* ------------------------------------------------------------------------
 * CIRA devices: the record, then the secrets
 * ------------------------------------------------------------------------ */

typedef struct
{
  char     *guid;
  /* Still to put in the keyring (cleared and freed once there). */
  char     *amt_password;
  char     *mps_password;
  /* The answer once everything is stored. */
  guint     status;
  /* The row is new: a keyring failure takes it back. */
  gboolean  created;
} CiraSave;

static void
cira_save_free (CiraSave *save)
{
  g_free (save->guid);
  ob_secure_free_string (save->amt_password);
  ob_secure_free_string (save->mps_password);
  g_free (save);
}

static CiraSave *
cira_save_new (JsonObject *body,
               const char *guid,
               guint       status)
{
  CiraSave *save = g_new0 (CiraSave, 1);

  save->guid = g_strdup (guid);
  save->amt_password = g_strdup (ob_api_json_get_string (body, "password"));
  save->mps_password = g_strdup (ob_api_json_get_string (body, "mpspassword"));
  save->status = status;

  return save;
}

static void store_next_secret (ObApiRequest *request);

static void
on_cira_secret_stored (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  CiraSave *save = request->data;
  g_autoptr(GError) error = NULL;

  if (!ob_secret_store_store_finish (OB_SECRET_STORE (source), result, &error))
    {
      if (save->created)
        {
          g_autoptr(GError) delete_error = NULL;

          if (!ob_store_delete_device (_ob_api_server_get_store (request->server), save->guid,
                                       &delete_error))
            g_warning ("REST API: could not take back device %s: %s", save->guid,
                       delete_error->message);
        }
      respond_engine_error (request, error, save->guid);
      return;
    }

  store_next_secret (request);
}

/* The AMT password first: should the keyring fail in between, what is
 * left behind is never an MPS password that would let a device in. */
static void
store_next_secret (ObApiRequest *request)
{
  CiraSave *save = request->data;
  g_autoptr(GBytes) value = NULL;
  const char *kind;

  if (save->amt_password != NULL)
    {
      value = g_bytes_new (save->amt_password, strlen (save->amt_password));
      g_clear_pointer (&save->amt_password, ob_secure_free_string);
      kind = OB_SECRET_KIND_AMT_PASSWORD;
    }
  else if (save->mps_password != NULL)
    {
      value = g_bytes_new (save->mps_password, strlen (save->mps_password));
      g_clear_pointer (&save->mps_password, ob_secure_free_string);
      kind = OB_SECRET_KIND_MPS_PASSWORD;
    }
  else
    {
      respond_stored_device (request, save->status, save->guid);
      return;
    }

  ob_secret_store_store_async (_ob_api_server_get_secrets (request->server),
                               OB_SECRET_OWNER_DEVICE, save->guid, kind, value, TRUE,
                               request->cancellable, on_cira_secret_stored,
                               ob_api_request_ref (request));
}

static void
on_registry_saved (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  CiraSave *save = request->data;
  g_autoptr(GError) error = NULL;

  if (!ob_device_registry_update_device_finish (OB_DEVICE_REGISTRY (source), result, &error))
    {
      respond_engine_error (request, error, save->guid);
      return;
    }

  store_next_secret (request);
}

/* A device the registry holds is edited through it, so the live ObDevice
 * follows (name, tags, AMT password); the MPS password comes after. */
static void
save_through_registry (ObApiRequest   *request,
                       ObDeviceRecord *record,
                       CiraSave       *save)
{
  char *amt_password = g_steal_pointer (&save->amt_password);

  ob_api_request_set_data (request, save, (GDestroyNotify) cira_save_free);
  ob_device_registry_update_device_async (_ob_api_server_get_registry (request->server),
                                          record, amt_password, request->cancellable,
                                          on_registry_saved, ob_api_request_ref (request));
  ob_secure_free_string (amt_password);
}

/* An MPS password is for a device that calls home, and useless without
 * the CIRA user it goes with.  Answers 400 and returns FALSE otherwise. */
static gboolean
check_cira_credentials (ObApiRequest   *request,
                        JsonObject     *body,
                        ObDeviceRecord *record)
{
  g_auto(ObApiValidation) validation = { NULL };

  if (!is_cira_request (body))
    return TRUE;

  if (ob_device_record_get_transport (record) == OB_DEVICE_TRANSPORT_LAN)
    {
      g_autofree char *message = g_strdup_printf ("Device %s is managed over the LAN; an MPS "
                                                  "password is only for devices that connect "
                                                  "over CIRA",
                                                  ob_device_record_get_guid (record));

      ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                    OB_API_ERROR_TEXT_400, message);
      return FALSE;
    }

  ob_api_validation_init (&validation);
  if (ob_device_record_get_mps_username (record) == NULL
      || ob_device_record_get_mps_username (record)[0] == '\0')
    ob_api_validation_add (&validation, json_object_get_member (body, "mpsusername"),
                           "mpsusername is required with mpspassword", "mpsusername", "body");

  return !ob_api_validation_respond (&validation, request);
}

void
_ob_api_devices_create (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObDeviceRecord) existing = NULL;
  g_autoptr(ObDeviceRecord) stored = NULL;
  g_autoptr(GError) error = NULL;
  ObStore *store = _ob_api_server_get_store (request->server);
  CiraSave *save;
  const char *guid;
  gboolean created = FALSE;

  ob_api_validation_init (&validation);
  validate_device_body (body, !is_lan_request (body), TRUE, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  if (is_lan_request (body))
    {
      create_lan_device (request, body);
      return;
    }

  guid = ob_api_json_get_string (body, "guid");

  existing = ob_store_get_device (store, guid, &error);
  if (existing == NULL && !g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
    {
      respond_engine_error (request, error, guid);
      return;
    }
  g_clear_error (&error);

  /* The MPS upsert takes what the body sets: a new GUID is a new CIRA
   * device, a known one is merged.  @existing becomes what the row will
   * be. */
  record = ob_device_record_new (guid);
  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  apply_body (record, body, FALSE);
  if (existing != NULL)
    apply_body (existing, body, FALSE);
  if (!check_cira_credentials (request, body, existing != NULL ? existing : record))
    return;

  /* A device the registry manages is edited through it, so the live
   * device follows. */
  if (existing != NULL && lookup_device (request->server, guid) != NULL)
    {
      save_through_registry (request, existing, cira_save_new (body, guid, SOUP_STATUS_OK));
      return;
    }

  stored = ob_store_upsert_device (store, record, &created, &error);
  if (stored == NULL)
    {
      respond_engine_error (request, error, guid);
      return;
    }

  save = cira_save_new (body, ob_device_record_get_guid (stored),
                        created ? SOUP_STATUS_CREATED : SOUP_STATUS_OK);
  save->created = created;
  ob_api_request_set_data (request, save, (GDestroyNotify) cira_save_free);
  store_next_secret (request);
}

/* ------------------------------------------------------------------------
 * PATCH /devices
 * ------------------------------------------------------------------------ */

void
_ob_api_devices_update (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  ObStore *store = _ob_api_server_get_store (request->server);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  const char *guid;
  gboolean lan;

  ob_api_validation_init (&validation);
  validate_device_body (body, TRUE, FALSE, &validation);
  /* On an edit the password is optional and the host may stay. */
  if (ob_api_validation_failed (&validation))
    {
      ob_api_validation_respond (&validation, request);
      return;
    }

  guid = ob_api_json_get_string (body, "guid");
  record = ob_store_get_device (store, guid, &error);
  if (record == NULL)
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        respond_not_found (request, guid);
      else
        respond_engine_error (request, error, guid);
      return;
    }

  lan = ob_device_record_get_transport (record) == OB_DEVICE_TRANSPORT_LAN;
  apply_body (record, body, lan);
  if (!check_cira_credentials (request, body, record))
    return;

  if (lan)
    {
      g_auto(ObApiValidation) tls = { NULL };

      ob_api_validation_init (&tls);
      validate_tls_trust (body, ob_device_record_get_use_tls (record),
                          ob_device_record_get_allow_self_signed (record),
                          ob_device_record_get_pinned_fingerprint (record), &tls);
      if (ob_api_validation_respond (&tls, request))
        return;
    }

  if (lookup_device (request->server, guid) != NULL)
    {
      save_through_registry (request, record, cira_save_new (body, guid, SOUP_STATUS_OK));
      return;
    }

  if (!ob_store_update_device (store, record, &error))
    {
      respond_engine_error (request, error, guid);
      return;
    }

  /* A device outside the registry (CIRA) keeps its passwords where the
   * registry and the listener look for them. */
  ob_api_request_set_data (request,
                           cira_save_new (body, ob_device_record_get_guid (record), SOUP_STATUS_OK),
                           (GDestroyNotify) cira_save_free);
  store_next_secret (request);
}

/* ------------------------------------------------------------------------
 * DELETE /devices/:guid
 * ------------------------------------------------------------------------ */

static void
on_device_removed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_device_registry_remove_device_finish (OB_DEVICE_REGISTRY (source), result, &error))
    {
      respond_engine_error (request, error, request->param);
      return;
    }

  ob_api_request_respond_empty (request, SOUP_STATUS_NO_CONTENT);
}

static void
on_secrets_cleared (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  g_autoptr(GError) error = NULL;

  /* The record is gone already; as in the MPS, a secret that cannot be
   * deleted makes the answer 404. */
  if (!ob_secret_store_clear_finish (OB_SECRET_STORE (source), result, &error))
    {
      g_warning ("REST API: could not delete the secrets of %s: %s", request->param,
                 error->message);
      respond_not_found (request, request->param);
      return;
    }

  ob_api_request_respond_empty (request, SOUP_STATUS_NO_CONTENT);
}

void
_ob_api_devices_delete (ObApiRequest *request)
{
  ObStore *store = _ob_api_server_get_store (request->server);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  const char *secret_text = ob_api_request_get_query (request, "isSecretToBeDeleted");
  gboolean delete_secrets = FALSE;

  ob_api_validation_init (&validation);
  if (!ob_uuid_is_valid (request->param))
    {
      g_autoptr(JsonNode) value = query_value_node (request->param);

      ob_api_validation_add (&validation, value, NULL, "guid", "params");
    }
  if (secret_text != NULL && !ob_api_text_is_boolean (secret_text, NULL))
    add_query_error (&validation, secret_text, NULL, "isSecretToBeDeleted");
  if (ob_api_validation_respond (&validation, request))
    return;

  /* The MPS deletes the secret only for the literal "true". */
  delete_secrets = g_strcmp0 (secret_text, "true") == 0;

  record = ob_store_get_device (store, request->param, &error);
  if (record == NULL)
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        respond_not_found (request, request->param);
      else
        respond_engine_error (request, error, request->param);
      return;
    }

  /* A registry device goes with its password: nothing else could use it. */
  if (lookup_device (request->server, request->param) != NULL)
    {
      ob_device_registry_remove_device_async (_ob_api_server_get_registry (request->server),
                                              request->param, request->cancellable,
                                              on_device_removed, ob_api_request_ref (request));
      return;
    }

  if (!ob_store_delete_device (store, request->param, &error))
    {
      respond_engine_error (request, error, request->param);
      return;
    }

  if (!delete_secrets)
    {
      ob_api_request_respond_empty (request, SOUP_STATUS_NO_CONTENT);
      return;
    }

  ob_secret_store_clear_async (_ob_api_server_get_secrets (request->server),
                               OB_SECRET_OWNER_DEVICE, ob_device_record_get_guid (record), NULL,
                               request->cancellable, on_secrets_cleared,
                               ob_api_request_ref (request));
}
