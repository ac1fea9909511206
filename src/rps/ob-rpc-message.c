/* ob-rpc-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "ob-http-parser.h"
#include "ob-rpc-message.h"
#include "ob-util.h"

#define SERVER_API_KEY "xxxxx"
#define CLIENT_API_KEY "key"
/* Longest text member of a payload we keep (hostnames, versions …). */
#define MAX_PAYLOAD_STRING 4096

struct _ObRpcMessage
{
  gatomicrefcount  ref_count;
  char            *method;
  char            *api_key;
  char            *app_version;
  char            *protocol_version;
  char            *status;
  char            *message;
  char            *fqdn;
  char            *payload;   /* NULL = JSON null */
  char            *tenant_id;
  gboolean         has_fqdn;  /* serialise the fqdn member */
};

G_DEFINE_BOXED_TYPE (ObRpcMessage, ob_rpc_message, ob_rpc_message_ref, ob_rpc_message_unref)

const char *
ob_rpc_task_to_string (ObRpcTask task)
{
  switch (task)
    {
    case OB_RPC_TASK_SYNC_TIME:
      return "synctime";
    case OB_RPC_TASK_SYNC_IP:
      return "syncip";
    case OB_RPC_TASK_CHANGE_PASSWORD:
      return "changepassword";
    case OB_RPC_TASK_SYNC_HOSTNAME:
      return "synchostname";
    case OB_RPC_TASK_SYNC_DEVICE_INFO:
      return "syncdeviceinfo";
    case OB_RPC_TASK_NONE:
    default:
      return "";
    }
}

static ObRpcMessage *
message_alloc (void)
{
  ObRpcMessage *self = g_new0 (ObRpcMessage, 1);

  g_atomic_ref_count_init (&self->ref_count);
  return self;
}

ObRpcMessage *
ob_rpc_message_ref (ObRpcMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ob_rpc_message_unref (ObRpcMessage *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->method);
  g_free (self->api_key);
  g_free (self->app_version);
  g_free (self->protocol_version);
  g_free (self->status);
  g_free (self->message);
  g_free (self->fqdn);
  g_free (self->payload);
  g_free (self->tenant_id);
  g_free (self);
}

/* json-glib recurses per nesting level; refuse deep documents before it
 * sees them.  Counts brackets outside strings (escapes honoured); the
 * syntax itself is json-glib's business. */
static gboolean
check_json_depth (const char  *data,
                  gsize        len,
                  guint        max_depth,
                  GError     **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            {
              g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_TOO_LARGE,
                           "JSON nested deeper than %u levels", max_depth);
              return FALSE;
            }
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

static JsonNode *
parse_json (const char  *data,
            gsize        len,
            GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;

  if (len == 0)
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE, "Empty JSON");
      return NULL;
    }
  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE,
                           "NUL byte in JSON");
      return NULL;
    }
  if (!g_utf8_validate (data, (gssize) len, NULL))
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE,
                           "JSON is not valid UTF-8");
      return NULL;
    }
  if (!check_json_depth (data, len, OB_RPC_MAX_JSON_DEPTH, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE,
                   "Not JSON: %s", local_error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE, "Empty JSON");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

/* A string member: absent -> "" (or NULL when @nullable), null -> NULL
 * when @nullable else "", other types -> error. */
static gboolean
take_string (JsonObject  *object,
             const char  *name,
             gboolean     nullable,
             char       **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *out = nullable ? NULL : g_strdup ("");
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE,
                   "Member “%s” is not a string", name);
      return FALSE;
    }
  /* json-glib 1.6 turns a lone surrogate escape ("\udc1u") into bytes
   * that are not UTF-8; nothing downstream may see those. */
  if (!g_utf8_validate (json_node_get_string (node), -1, NULL))
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE,
                   "Member “%s” is not valid UTF-8", name);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

ObRpcMessage *
ob_rpc_message_parse (const char  *data,
                      gsize        len,
                      GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(ObRpcMessage) self = NULL;
  JsonObject *object;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > OB_RPC_MAX_MESSAGE_BYTES)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_TOO_LARGE,
                   "Message of %" G_GSIZE_FORMAT " bytes is over the limit of %u",
                   len, OB_RPC_MAX_MESSAGE_BYTES);
      return NULL;
    }
  root = parse_json (data, len, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE,
                           "Message is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);

  self = message_alloc ();
  if (!take_string (object, "method", FALSE, &self->method, error)
      || !take_string (object, "apiKey", FALSE, &self->api_key, error)
      || !take_string (object, "appVersion", FALSE, &self->app_version, error)
      || !take_string (object, "protocolVersion", FALSE, &self->protocol_version, error)
      || !take_string (object, "status", FALSE, &self->status, error)
      || !take_string (object, "message", FALSE, &self->message, error)
      || !take_string (object, "fqdn", FALSE, &self->fqdn, error)
      || !take_string (object, "payload", TRUE, &self->payload, error)
      || !take_string (object, "tenantId", FALSE, &self->tenant_id, error))
    return NULL;
  self->has_fqdn = json_object_has_member (object, "fqdn");

  return g_steal_pointer (&self);
}

const char *
ob_rpc_message_get_method (ObRpcMessage *self)
{
  return self->method;
}

const char *
ob_rpc_message_get_api_key (ObRpcMessage *self)
{
  return self->api_key;
}

const char *
ob_rpc_message_get_app_version (ObRpcMessage *self)
{
  return self->app_version;
}

const char *
ob_rpc_message_get_protocol_version (ObRpcMessage *self)
{
  return self->protocol_version;
}

const char *
ob_rpc_message_get_status (ObRpcMessage *self)
{
  return self->status;
}

const char *
ob_rpc_message_get_message (ObRpcMessage *self)
{
  return self->message;
}

const char *
ob_rpc_message_get_fqdn (ObRpcMessage *self)
{
  return self->fqdn;
}

const char *
ob_rpc_message_get_payload (ObRpcMessage *self)
{
  return self->payload;
}

const char *
ob_rpc_message_get_tenant_id (ObRpcMessage *self)
{
  return self->tenant_id;
}

/* Strict RFC 4648 base64 (rpc-go and RPS both use the padded standard
 * alphabet); g_base64_decode() alone skips invalid characters. */
static GBytes *
decode_base64_strict (const char  *text,
                      GError     **error)
{
  gsize len = strlen (text);
  gsize pad = 0;
  guchar *out;
  gsize out_len = 0;

  if (len == 0)
    return g_bytes_new (NULL, 0);
  if (len % 4 != 0)
    goto bad;
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '=')
        {
          if (i < len - 2)
            goto bad;
          pad++;
        }
      else if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        goto bad;
    }
  if (pad > 2)
    goto bad;

  out = g_base64_decode (text, &out_len);
  return g_bytes_new_take (out, out_len);

bad:
  g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE,
                       "Payload is not valid base64");
  return NULL;
}

GBytes *
ob_rpc_message_decode_payload (ObRpcMessage  *self,
                               GError       **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  return decode_base64_strict (self->payload != NULL ? self->payload : "", error);
}

static ObRpcMessage *
server_message (const char *method,
                const char *status,
                const char *message,
                char       *payload)
{
  ObRpcMessage *self = message_alloc ();

  self->method = g_strdup (method);
  self->api_key = g_strdup (SERVER_API_KEY);
  self->app_version = g_strdup (PACKAGE_VERSION);
  self->protocol_version = g_strdup (OB_RPC_PROTOCOL_VERSION);
  self->status = g_strdup (status);
  self->message = g_strdup (message != NULL ? message : "");
  self->fqdn = g_strdup ("");
  self->payload = payload;
  self->tenant_id = g_strdup ("");
  self->has_fqdn = FALSE;
  return self;
}

static char *
base64_of_bytes (GBytes *bytes)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return g_base64_encode (data, len);
}

ObRpcMessage *
ob_rpc_message_new_wsman (GBytes *http_request)
{
  g_return_val_if_fail (http_request != NULL, NULL);

  return server_message (OB_RPC_METHOD_NAME_WSMAN, OB_RPC_STATUS_OK, "",
                         base64_of_bytes (http_request));
}

ObRpcMessage *
ob_rpc_message_new_success (const char *status_json)
{
  return server_message (OB_RPC_METHOD_NAME_SUCCESS, OB_RPC_STATUS_SUCCESS, status_json, NULL);
}

ObRpcMessage *
ob_rpc_message_new_error (const char *message)
{
  return server_message (OB_RPC_METHOD_NAME_ERROR, OB_RPC_STATUS_FAILED, message, NULL);
}

ObRpcMessage *
ob_rpc_message_new_heartbeat_request (void)
{
  return server_message (OB_RPC_METHOD_NAME_HEARTBEAT_REQUEST, OB_RPC_STATUS_OK, "", g_strdup (""));
}

ObRpcMessage *
ob_rpc_message_new_client (const char *method,
                           const char *app_version,
                           const char *tenant_id,
                           const char *payload)
{
  ObRpcMessage *self = message_alloc ();

  self->method = g_strdup (method != NULL ? method : "");
  self->api_key = g_strdup (CLIENT_API_KEY);
  self->app_version = g_strdup (app_version != NULL ? app_version : "");
  self->protocol_version = g_strdup (OB_RPC_PROTOCOL_VERSION);
  self->status = g_strdup (OB_RPC_STATUS_OK);
  self->message = g_strdup (OB_RPC_STATUS_OK);
  self->fqdn = g_strdup ("");
  self->payload = g_strdup (payload != NULL ? payload : "");
  self->tenant_id = g_strdup (tenant_id != NULL ? tenant_id : "");
  self->has_fqdn = TRUE;
  return self;
}

ObRpcMessage *
ob_rpc_message_new_response (GBytes *raw_http_response)
{
  g_autofree char *payload = base64_of_bytes (raw_http_response);

  return ob_rpc_message_new_client (OB_RPC_METHOD_NAME_RESPONSE, PACKAGE_VERSION, "", payload);
}

char *
ob_rpc_message_to_json (ObRpcMessage *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, self->method);
  json_builder_set_member_name (builder, "apiKey");
  json_builder_add_string_value (builder, self->api_key);
  json_builder_set_member_name (builder, "appVersion");
  json_builder_add_string_value (builder, self->app_version);
  json_builder_set_member_name (builder, "protocolVersion");
  json_builder_add_string_value (builder, self->protocol_version);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, self->status);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, self->message);
  if (self->has_fqdn)
    {
      json_builder_set_member_name (builder, "fqdn");
      json_builder_add_string_value (builder, self->fqdn);
    }
  json_builder_set_member_name (builder, "payload");
  if (self->payload != NULL)
    json_builder_add_string_value (builder, self->payload);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "tenantId");
  json_builder_add_string_value (builder, self->tenant_id);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* ---- Command line ----------------------------------------------------- */

static const struct
{
  const char *flag;
  ObRpcTask   task;
} task_flags[] = {
  { "synctime", OB_RPC_TASK_SYNC_TIME },
  { "syncclock", OB_RPC_TASK_SYNC_TIME },
  { "syncip", OB_RPC_TASK_SYNC_IP },
  { "changepassword", OB_RPC_TASK_CHANGE_PASSWORD },
  { "synchostname", OB_RPC_TASK_SYNC_HOSTNAME },
  { "syncdeviceinfo", OB_RPC_TASK_SYNC_DEVICE_INFO },
};

static ObRpcTask
task_for_flag (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (task_flags); i++)
    if (g_strcmp0 (name, task_flags[i].flag) == 0)
      return task_flags[i].task;
  return OB_RPC_TASK_NONE;
}

/* Flags that never take a value (minimist "boolean" options). */
static gboolean
flag_is_boolean (const char *name)
{
  return g_strcmp0 (name, "f") == 0 || g_strcmp0 (name, "force") == 0
         || task_for_flag (name) != OB_RPC_TASK_NONE;
}

static void
command_set (ObRpcCommand *command,
             const char   *name,
             const char   *value)
{
  ObRpcTask task;

  if (g_strcmp0 (name, "profile") == 0 && value != NULL)
    {
      g_free (command->profile);
      command->profile = g_strdup (value);
    }
  else if (g_strcmp0 (name, "password") == 0 && value != NULL && *value != '\0')
    {
      g_free (command->password);
      command->password = g_strdup (value);
    }
  else if (g_strcmp0 (name, "f") == 0 || g_strcmp0 (name, "force") == 0)
    command->force = TRUE;
  else if ((task = task_for_flag (name)) != OB_RPC_TASK_NONE && command->task == OB_RPC_TASK_NONE)
    command->task = task;
}

void
ob_rpc_command_parse (const char   *method_line,
                      ObRpcCommand *command)
{
  g_auto(GStrv) tokens = NULL;
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  guint n;

  g_return_if_fail (command != NULL);

  memset (command, 0, sizeof *command);
  command->method = OB_RPC_METHOD_UNKNOWN;
  tokens = g_strsplit_set (method_line != NULL ? method_line : "", " \t", -1);
  n = g_strv_length (tokens);

  for (guint i = 0; i < n; i++)
    {
      const char *t = tokens[i];

      if (*t == '\0')
        continue;
      if (g_strcmp0 (t, "--") == 0)
        {
          for (i++; i < n; i++)
            if (*tokens[i] != '\0')
              g_ptr_array_add (positional, tokens[i]);
          break;
        }
      if (g_str_has_prefix (t, "--") && t[2] != '\0')
        {
          const char *eq = strchr (t + 2, '=');
          g_autofree char *name = eq != NULL ? g_strndup (t + 2, (gsize) (eq - t - 2)) : g_strdup (t + 2);

          if (eq != NULL)
            command_set (command, name, eq + 1);
          else if (!flag_is_boolean (name) && i + 1 < n && *tokens[i + 1] != '\0' && tokens[i + 1][0] != '-')
            command_set (command, name, tokens[++i]);
          else
            command_set (command, name, NULL);
        }
      else if (t[0] == '-' && t[1] != '\0')
        {
          /* "-password x": letters p,a,s,… are flags, the last one takes
           * the next word as its value (the QUIRK: the password itself is
           * not read from here). */
          gsize len = strlen (t);

          for (gsize k = 1; k < len; k++)
            {
              char letter[2] = { t[k], '\0' };

              if (k == len - 1 && !flag_is_boolean (letter) && i + 1 < n
                  && *tokens[i + 1] != '\0' && tokens[i + 1][0] != '-')
                command_set (command, letter, tokens[++i]);
              else
                command_set (command, letter, NULL);
            }
        }
      else
        g_ptr_array_add (positional, (gpointer) t);
    }

  if (positional->len > 0)
    {
      const char *name = g_ptr_array_index (positional, 0);

      command->method_name = g_strdup (name);
      if (g_strcmp0 (name, "activate") == 0)
        command->method = OB_RPC_METHOD_ACTIVATE;
      else if (g_strcmp0 (name, "deactivate") == 0)
        command->method = OB_RPC_METHOD_DEACTIVATE;
      else if (g_strcmp0 (name, "maintenance") == 0)
        command->method = OB_RPC_METHOD_MAINTENANCE;
      else if (g_strcmp0 (name, "response") == 0)
        command->method = OB_RPC_METHOD_RESPONSE;
      else if (g_strcmp0 (name, "heartbeat_response") == 0)
        command->method = OB_RPC_METHOD_HEARTBEAT_RESPONSE;
    }
  else
    command->method_name = g_strdup ("");
  if (positional->len > 1 && command->task == OB_RPC_TASK_CHANGE_PASSWORD)
    command->task_arg = g_strdup (g_ptr_array_index (positional, 1));
}

void
ob_rpc_command_clear (ObRpcCommand *command)
{
  g_return_if_fail (command != NULL);

  g_clear_pointer (&command->method_name, g_free);
  g_clear_pointer (&command->profile, g_free);
  if (command->password != NULL)
    ob_secure_free_string (g_steal_pointer (&command->password));
  if (command->task_arg != NULL)
    ob_secure_free_string (g_steal_pointer (&command->task_arg));
  command->method = OB_RPC_METHOD_UNKNOWN;
  command->task = OB_RPC_TASK_NONE;
  command->force = FALSE;
}

/* ---- Client payload --------------------------------------------------- */

static gboolean
payload_string (JsonObject  *object,
                const char  *name,
                char       **out,
                GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  g_clear_pointer (out, g_free);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                   "Invalid payload from client: “%s” is not a string", name);
      return FALSE;
    }
  value = json_node_get_string (node);
  if (strlen (value) > MAX_PAYLOAD_STRING)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_TOO_LARGE,
                   "Invalid payload from client: “%s” is too long", name);
      return FALSE;
    }
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
payload_bool (JsonObject  *object,
              const char  *name,
              gboolean    *out,
              GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                   "Invalid payload from client: “%s” is not a boolean", name);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
node_is_integer (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
parse_uuid (JsonNode    *node,
            const char  *client_id,
            char       **out,
            GError     **error)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);

      if (strlen (text) != 36)
        {
          g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                       "%s - uuid not valid length", client_id);
          return FALSE;
        }
      if (!ob_uuid_is_valid (text))
        {
          g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                       "%s - uuid not valid", client_id);
          return FALSE;
        }
      *out = g_ascii_strdown (text, -1);
      return TRUE;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint8 raw[16];

      /* Legacy clients: the 16 raw MEI bytes, first three groups in
       * little-endian order. */
      if (json_array_get_length (array) != 16)
        {
          g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                       "%s - uuid not valid length", client_id);
          return FALSE;
        }
      for (guint i = 0; i < 16; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          gint64 v;

          if (!node_is_integer (element) || (v = json_node_get_int (element)) < 0 || v > 255)
            {
              g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                           "%s - uuid not valid", client_id);
              return FALSE;
            }
          raw[i] = (guint8) v;
        }
      ob_uuid_swap_smbios_order (raw);
      *out = ob_uuid_to_string (raw);
      return TRUE;
    }
  g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
               "%s - uuid not valid length", client_id);
  return FALSE;
}

static gboolean
parse_cert_hashes (JsonObject  *object,
                   GStrv       *out,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, "certHashes");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;
  guint n;

  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                               "Invalid payload from client: certHashes is not an array");
          return FALSE;
        }
      array = json_node_get_array (node);
      n = json_array_get_length (array);
      if (n > OB_RPC_MAX_CERT_HASHES)
        {
          g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_TOO_LARGE,
                               "Invalid payload from client: too many certHashes");
          return FALSE;
        }
      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          const char *hash;

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
            {
              g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                                   "Invalid payload from client: a certHashes entry is not a string");
              return FALSE;
            }
          hash = json_node_get_string (element);
          /* Hex only, at most SHA-512 long: anything else cannot match. */
          if (strlen (hash) > 128 || strspn (hash, "0123456789abcdefABCDEF") != strlen (hash))
            continue;
          {
            g_autofree char *lower = g_ascii_strdown (hash, -1);

            g_strv_builder_add (builder, lower);
          }
        }
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
parse_ip_configuration (JsonObject            *object,
                        ObRpcIpConfiguration  *ip,
                        GError               **error)
{
  JsonNode *node = json_object_get_member (object, "ipConfiguration");
  JsonObject *o;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                           "Invalid payload from client: ipConfiguration is not an object");
      return FALSE;
    }
  o = json_node_get_object (node);
  ip->present = TRUE;
  return payload_bool (o, "dhcp", &ip->dhcp, error)
         && payload_bool (o, "static", &ip->is_static, error)
         && payload_bool (o, "ipsync", &ip->ip_sync, error)
         && payload_string (o, "ipAddress", &ip->ip_address, error)
         && payload_string (o, "netmask", &ip->netmask, error)
         && payload_string (o, "gateway", &ip->gateway, error)
         && payload_string (o, "primaryDns", &ip->primary_dns, error)
         && payload_string (o, "secondaryDns", &ip->secondary_dns, error);
}

static gboolean
parse_hostname_info (JsonObject       *object,
                     ObRpcClientInfo  *info,
                     GError          **error)
{
  JsonNode *node = json_object_get_member (object, "hostnameInfo");
  JsonObject *o;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                           "Invalid payload from client: hostnameInfo is not an object");
      return FALSE;
    }
  o = json_node_get_object (node);
  info->has_hostname_info = TRUE;
  return payload_string (o, "dnsSuffixOS", &info->hostname_info_dns_suffix, error)
         && payload_string (o, "hostname", &info->hostname_info_hostname, error);
}

ObRpcClientInfo *
ob_rpc_client_info_parse (const char  *json,
                          gsize        len,
                          const char  *client_id,
                          GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(ObRpcClientInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (json != NULL || len == 0, NULL);

  if (client_id == NULL)
    client_id = "";
  if (len > OB_RPC_MAX_MESSAGE_BYTES)
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_TOO_LARGE,
                           "Invalid payload from client: too large");
      return NULL;
    }
  root = parse_json (json, len, &local_error);
  if (root == NULL)
    {
      g_set_error (error, OB_RPS_ERROR,
                   g_error_matches (local_error, OB_RPS_ERROR, OB_RPS_ERROR_TOO_LARGE)
                     ? OB_RPS_ERROR_TOO_LARGE : OB_RPS_ERROR_INVALID_PAYLOAD,
                   "Invalid payload from client");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                           "Invalid payload from client");
      return NULL;
    }
  object = json_node_get_object (root);

  if (!json_object_has_member (object, "client") || !json_object_has_member (object, "ver")
      || !json_object_has_member (object, "build") || !json_object_has_member (object, "uuid"))
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                           "Invalid payload from client");
      return NULL;
    }

  info = g_atomic_rc_box_new0 (ObRpcClientInfo);
  if (!payload_string (object, "ver", &info->ver, error)
      || !payload_string (object, "build", &info->build, error)
      || !payload_string (object, "sku", &info->sku, error)
      || !payload_string (object, "features", &info->features, error)
      || !payload_string (object, "username", &info->username, error)
      || !payload_string (object, "password", &info->password, error)
      || !payload_string (object, "hostname", &info->hostname, error)
      || !payload_string (object, "fqdn", &info->fqdn, error)
      || !payload_string (object, "client", &info->client, error)
      || !payload_string (object, "friendlyName", &info->friendly_name, error)
      || !parse_uuid (json_object_get_member (object, "uuid"), client_id, &info->uuid, error)
      || !parse_cert_hashes (object, &info->cert_hashes, error)
      || !parse_ip_configuration (object, &info->ip_configuration, error)
      || !parse_hostname_info (object, info, error))
    return NULL;

  node = json_object_get_member (object, "currentMode");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      gint64 mode;

      if (!node_is_integer (node) || (mode = json_node_get_int (node)) < 0 || mode > 2)
        {
          g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                               "Invalid payload from client: currentMode must be 0, 1 or 2");
          return NULL;
        }
      info->current_mode = (guint) mode;
    }

  return g_steal_pointer (&info);
}

static void
client_info_clear (gpointer data)
{
  ObRpcClientInfo *info = data;

  g_free (info->ver);
  g_free (info->build);
  g_free (info->sku);
  g_free (info->features);
  g_free (info->uuid);
  g_free (info->username);
  if (info->password != NULL)
    ob_secure_free_string (info->password);
  g_free (info->hostname);
  g_free (info->fqdn);
  g_free (info->client);
  g_strfreev (info->cert_hashes);
  g_free (info->ip_configuration.ip_address);
  g_free (info->ip_configuration.netmask);
  g_free (info->ip_configuration.gateway);
  g_free (info->ip_configuration.primary_dns);
  g_free (info->ip_configuration.secondary_dns);
  g_free (info->hostname_info_dns_suffix);
  g_free (info->hostname_info_hostname);
  g_free (info->friendly_name);
  g_free (info->profile);
  if (info->task_arg != NULL)
    ob_secure_free_string (info->task_arg);
}

ObRpcClientInfo *
ob_rpc_client_info_ref (ObRpcClientInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return g_atomic_rc_box_acquire (info);
}

void
ob_rpc_client_info_unref (ObRpcClientInfo *info)
{
  if (info != NULL)
    g_atomic_rc_box_release_full (info, client_info_clear);
}

void
ob_rpc_client_info_apply_command (ObRpcClientInfo    *info,
                                  const ObRpcCommand *command)
{
  g_return_if_fail (info != NULL && command != NULL);

  g_free (info->profile);
  info->profile = g_strdup (command->profile);
  if (command->password != NULL && *command->password != '\0')
    {
      if (info->password != NULL)
        ob_secure_free_string (info->password);
      info->password = g_strdup (command->password);
    }
  info->force = command->force;
  info->task = command->task;
  if (info->task_arg != NULL)
    ob_secure_free_string (info->task_arg);
  info->task_arg = g_strdup (command->task_arg);
}

/* ---- First message ---------------------------------------------------- */

static gboolean
parse_version (const char *text,
               guint64     parts[3])
{
  g_auto(GStrv) fields = NULL;

  if (text == NULL)
    return FALSE;
  fields = g_strsplit (text, ".", -1);
  if (g_strv_length (fields) != 3)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    if (!g_ascii_string_to_unsigned (fields[i], 10, 0, G_MAXUINT32, &parts[i], NULL))
      return FALSE;
  return TRUE;
}

gboolean
ob_rpc_check_protocol_version (const char  *client_version,
                               GError     **error)
{
  guint64 ours[3], theirs[3];

  if (!parse_version (OB_RPC_PROTOCOL_VERSION, ours))
    g_assert_not_reached ();
  if (parse_version (client_version, theirs) && ours[0] == theirs[0]
      && ((ours[1] == theirs[1] && ours[2] >= theirs[2]) || ours[1] >= theirs[1]))
    return TRUE;

  g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_PROTOCOL_VERSION,
               "protocol version NOT supported: %s", client_version != NULL ? client_version : "");
  return FALSE;
}

gboolean
ob_rpc_check_firmware (const ObRpcClientInfo  *info,
                       GError                **error)
{
  g_auto(GStrv) fields = NULL;
  guint64 major = 0, minor = 0, build = 0;

  g_return_val_if_fail (info != NULL, FALSE);

  fields = g_strsplit (info->ver != NULL ? info->ver : "", ".", -1);
  if (fields[0] == NULL || !g_ascii_string_to_unsigned (fields[0], 10, 0, 1000, &major, NULL)
      || (fields[1] != NULL && !g_ascii_string_to_unsigned (fields[1], 10, 0, 1000, &minor, NULL)))
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                   "Device %s activation failed. Invalid AMT version %s", info->uuid, info->ver);
      return FALSE;
    }
  if (major < 7)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                   "Device %s activation failed. Version less than 7 cannot be remotely configured",
                   info->uuid);
      return FALSE;
    }
  if (major <= 11 && !(major == 11 && minor > 6))
    {
      if (!g_ascii_string_to_unsigned (info->build != NULL ? info->build : "", 10, 0, G_MAXUINT32, &build, NULL)
          || build < 3000)
        {
          g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                       "Device %s activation failed. Please check with your OEM for a firmware update.",
                       info->uuid);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ob_rpc_parse_initial (ObRpcMessage     *message,
                      const char       *client_id,
                      ObRpcCommand     *command,
                      ObRpcClientInfo **info,
                      GError          **error)
{
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(ObRpcClientInfo) parsed = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize len = 0;

  g_return_val_if_fail (message != NULL && command != NULL && info != NULL, FALSE);

  if (client_id == NULL)
    client_id = "";
  ob_rpc_command_parse (message->method, command);

  /* The payload first: the method error names the device's uuid. */
  payload = ob_rpc_message_decode_payload (message, &local_error);
  if (payload == NULL)
    {
      g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                           "Invalid payload from client");
      goto fail;
    }
  data = g_bytes_get_data (payload, &len);
  parsed = ob_rpc_client_info_parse (data != NULL ? data : "", len, client_id, error);
  if (parsed == NULL)
    goto fail;

  if (command->method != OB_RPC_METHOD_ACTIVATE && command->method != OB_RPC_METHOD_DEACTIVATE
      && command->method != OB_RPC_METHOD_MAINTENANCE)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_UNSUPPORTED_METHOD,
                   "Device %s Not a supported method received from AMT device", parsed->uuid);
      goto fail;
    }
  if (!ob_rpc_check_protocol_version (message->protocol_version, error))
    goto fail;
  if (command->method == OB_RPC_METHOD_MAINTENANCE && command->task == OB_RPC_TASK_NONE)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                   "%s - missing maintenance task in message", client_id);
      goto fail;
    }

  ob_rpc_client_info_apply_command (parsed, command);
  *info = g_steal_pointer (&parsed);
  return TRUE;

fail:
  ob_rpc_command_clear (command);
  return FALSE;
}

/* ---- HTTP in wsman / response ------------------------------------------ */

GBytes *
ob_rpc_build_wsman_request (const char *uuid,
                            const char *authorization,
                            const char *xml)
{
  GString *out = g_string_new ("POST /wsman HTTP/1.1\r\n");
  gsize len;

  g_return_val_if_fail (uuid != NULL && xml != NULL, NULL);

  len = strlen (xml);
  if (authorization != NULL && ob_http_header_value_is_valid (authorization))
    g_string_append_printf (out, "Authorization: %s\r\n", authorization);
  g_string_append_printf (out, "Host: %s:16992\r\n", uuid);
  g_string_append (out, "Content-Type: application/soap+xml; charset=utf-8\r\n");
  g_string_append (out, "Transfer-Encoding: chunked\r\n\r\n");
  g_string_append_printf (out, "%" G_GSIZE_MODIFIER "X\r\n", len);
  g_string_append_len (out, xml, (gssize) len);
  g_string_append (out, "\r\n0\r\n\r\n");
  return g_string_free_to_bytes (out);
}

static ObHttpMessage *
parse_http (GBytes           *raw,
            ObHttpParserMode  mode,
            GError          **error)
{
  g_autoptr(ObHttpParser) parser = ob_http_parser_new (mode);
  g_autoptr(GError) local_error = NULL;
  ObHttpParseStatus status;
  gsize len = 0;
  const guint8 *data;

  g_return_val_if_fail (raw != NULL, NULL);

  data = g_bytes_get_data (raw, &len);
  ob_http_parser_set_limits (parser, 16 * 1024, 64, OB_RPC_MAX_MESSAGE_BYTES);
  status = ob_http_parser_feed (parser, data != NULL ? data : (const guint8 *) "", len, NULL, &local_error);
  if (status == OB_HTTP_PARSE_NEED_MORE)
    status = ob_http_parser_feed_eof (parser, &local_error);
  if (status != OB_HTTP_PARSE_DONE)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE,
                   "Not an HTTP %s: %s", mode == OB_HTTP_PARSER_RESPONSE ? "response" : "request",
                   local_error != NULL ? local_error->message : "incomplete");
      return NULL;
    }
  return ob_http_parser_steal_message (parser);
}

ObHttpMessage *
ob_rpc_parse_http_response (GBytes  *raw,
                            GError **error)
{
  return parse_http (raw, OB_HTTP_PARSER_RESPONSE, error);
}

ObHttpMessage *
ob_rpc_parse_http_request (GBytes  *raw,
                           GError **error)
{
  return parse_http (raw, OB_HTTP_PARSER_REQUEST, error);
}
