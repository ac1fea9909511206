/* test-sim-rpc.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cira-test-util.h"
#include "ob-http-digest.h"
#include "ob-http-parser.h"
#include "ob-sim-error.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-rpc.h"
#include "ob-sim-wsman-dispatch.h"
#include "ob-wsman-message.h"
#include "ob-wsman-response.h"

/* ObSimRpc against a scripted RPS: a libsoup WebSocket server on a free
 * port that checks the first message as rpc-go builds it, sends wsman
 * messages the way the RPS builds them (chunked HTTP requests, digest after
 * a 401) and checks what comes back from the simulated device. */

#define PASSWORD "Sim-Passw0rd!"
#define SUFFIX   "example.test"
#define HASH     "e7685634efacf69ace939a6b255b7b4fabef42935b50a265acb5cb6027e44e70"

typedef enum
{
  SCRIPT_ACTIVATE,        /* GeneralSettings (401, digest), Setup, heartbeat, success */
  SCRIPT_ERROR,           /* an error message at once */
  SCRIPT_CLOSE,           /* one exchange, then the socket closes */
  SCRIPT_DEACTIVATE,      /* check the command line and password, then success */
} ScriptKind;

typedef struct
{
  ScriptKind               kind;
  SoupServer              *server;
  char                    *url;
  SoupWebsocketConnection *ws;
  ObSimDevice             *device;
  ObSimWsmanServer        *wsman;
  ObSimRpc                *rpc;
  guint                    step;
  guint64                  message_id;
  ObHttpDigestChallenge   *challenge;
  const char              *username;
  const char              *password;
  char                    *first_method;
  JsonObject              *first_payload;
  GPtrArray               *failures;     /* what the script found wrong */
  GAsyncResult            *result;
} Fixture;

/* ---- the scripted RPS ----------------------------------------------------- */

static void
fail (Fixture    *f,
      const char *what)
{
  g_ptr_array_add (f->failures, g_strdup_printf ("step %u: %s", f->step, what));
}

static void
send_envelope (Fixture    *f,
               const char *method,
               const char *status,
               const char *message,
               const char *payload)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  /* What the RPS sends: no fqdn, apiKey "xxxxx". */
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, method);
  json_builder_set_member_name (b, "apiKey");
  json_builder_add_string_value (b, "xxxxx");
  json_builder_set_member_name (b, "appVersion");
  json_builder_add_string_value (b, "2.22.15");
  json_builder_set_member_name (b, "protocolVersion");
  json_builder_add_string_value (b, "4.0.0");
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, status);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_set_member_name (b, "payload");
  if (payload != NULL)
    json_builder_add_string_value (b, payload);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "tenantId");
  json_builder_add_string_value (b, "");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  soup_websocket_connection_send_text (f->ws, text);
}

/* A wsman message as the RPS builds it: chunked POST /wsman, digest once a
 * challenge is known. */
static void
send_wsman (Fixture    *f,
            const char *action,
            const char *class_name,
            const char *body)
{
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);
  g_autofree char *xml = ob_wsman_build_request (action, uri, f->message_id++, NULL, body);
  GString *http = g_string_new ("POST /wsman HTTP/1.1\r\n");
  g_autofree char *b64 = NULL;

  if (f->challenge != NULL)
    {
      g_autofree char *authorization = ob_http_digest_challenge_authorize (f->challenge, f->username, f->password,
                                                                           "POST", "/wsman");

      g_string_append_printf (http, "Authorization: %s\r\n", authorization);
    }
  g_string_append_printf (http, "Host: %s:16992\r\nTransfer-Encoding: chunked\r\n\r\n%zX\r\n%s\r\n0\r\n\r\n",
                          ob_sim_device_get_guid (f->device), strlen (xml), xml);
  b64 = g_base64_encode ((const guchar *) http->str, http->len);
  g_string_free (http, TRUE);
  send_envelope (f, "wsman", "ok", "", b64);
}

/* The device's HTTP response carried by a response message. */
static ObHttpMessage *
parse_response (Fixture    *f,
                JsonObject *o)
{
  g_autoptr(ObHttpParser) parser = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
  g_autoptr(GError) error = NULL;
  const char *payload = json_object_get_string_member_with_default (o, "payload", NULL);
  g_autofree guchar *raw = NULL;
  gsize len = 0, consumed = 0;
  ObHttpMessage *message;

  if (g_strcmp0 (json_object_get_string_member_with_default (o, "method", NULL), "response") != 0 ||
      payload == NULL)
    {
      fail (f, "not a response message with a payload");
      return NULL;
    }
  raw = g_base64_decode (payload, &len);
  if (ob_http_parser_feed (parser, raw, len, &consumed, &error) != OB_HTTP_PARSE_DONE || consumed != len)
    {
      fail (f, "the response is not one whole HTTP response");
      return NULL;
    }
  message = ob_http_parser_steal_message (parser);
  /* The RPS insists on a chunked body. */
  if (ob_http_message_get_status (message) == 200 &&
      g_strcmp0 (ob_http_message_get_header (message, "Transfer-Encoding"), "chunked") != 0)
    fail (f, "a 200 answer without chunked encoding");
  return message;
}

static ObWsmanResponse *
wsman_body (Fixture       *f,
            ObHttpMessage *http)
{
  GBytes *body = ob_http_message_get_body (http);
  g_autoptr(GError) error = NULL;
  ObWsmanResponse *r = ob_wsman_response_new_from_bytes (body, &error);

  if (r == NULL)
    fail (f, error->message);
  return r;
}

static void
check_first (Fixture    *f,
             JsonObject *o)
{
  static const char *keys[] = {
    "method", "apiKey", "appVersion", "protocolVersion", "status", "message", "fqdn", "payload", "tenantId"
  };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree guchar *raw = NULL;
  gsize len;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!json_object_has_member (o, keys[i]))
      fail (f, keys[i]);
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "apiKey", NULL), "key") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (o, "protocolVersion", NULL), "4.0.0") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (o, "status", NULL), "ok") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (o, "message", NULL), "ok") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (o, "fqdn", NULL), "") != 0)
    fail (f, "envelope fields");
  f->first_method = g_strdup (json_object_get_string_member_with_default (o, "method", ""));
  raw = g_base64_decode (json_object_get_string_member_with_default (o, "payload", ""), &len);
  if (!json_parser_load_from_data (parser, (const char *) raw, (gssize) len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      fail (f, "payload is not base64 JSON");
      return;
    }
  f->first_payload = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
on_server_message (SoupWebsocketConnection *ws,
                   gint                     type,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(ObHttpMessage) http = NULL;
  g_autoptr(ObWsmanResponse) r = NULL;
  JsonObject *o;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      fail (f, "a message that is not JSON");
      return;
    }
  o = json_node_get_object (json_parser_get_root (parser));

  if (f->step == 0)
    {
      check_first (f, o);
      f->step++;
      switch (f->kind)
        {
        case SCRIPT_ERROR:
          send_envelope (f, "error", "failed", "Device activation failed. Missing DNS Suffix.", NULL);
          return;
        case SCRIPT_DEACTIVATE:
          send_envelope (f, "success", "success", "{\"Status\":\"Deactivated\"}", NULL);
          return;
        case SCRIPT_ACTIVATE:
        case SCRIPT_CLOSE:
        default:
          send_wsman (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL);
          return;
        }
    }

  switch (f->step++)
    {
    case 1:
      /* No credentials yet: the device challenges. */
      http = parse_response (f, o);
      if (http == NULL)
        return;
      if (ob_http_message_get_status (http) != 401)
        fail (f, "expected 401");
      f->challenge = ob_http_digest_challenge_from_response (http, NULL);
      if (f->challenge == NULL)
        {
          fail (f, "no digest challenge");
          return;
        }
      if (f->kind == SCRIPT_CLOSE)
        {
          soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
          return;
        }
      send_wsman (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL);
      return;
    case 2:
      /* With the local system account: the general settings. */
      http = parse_response (f, o);
      if (http == NULL || ob_http_message_get_status (http) != 200)
        {
          fail (f, "expected 200 for GeneralSettings");
          return;
        }
      r = wsman_body (f, http);
      if (r == NULL)
        return;
      {
        JsonObject *gs = ob_wsman_response_get_class_json (r, "AMT_GeneralSettings");
        g_autofree char *a1 = NULL;
        g_autofree char *hash = NULL;
        g_autofree char *input = NULL;
        const char *realm = gs != NULL ? json_object_get_string_member_with_default (gs, "DigestRealm", NULL) : NULL;

        if (g_strcmp0 (realm, ob_sim_device_get_digest_realm (f->device)) != 0)
          {
            fail (f, "DigestRealm");
            return;
          }
        a1 = g_strdup_printf ("admin:%s:%s", realm, PASSWORD);
        hash = g_compute_checksum_for_string (G_CHECKSUM_MD5, a1, -1);
        input = g_strdup_printf ("<h:Setup_INPUT xmlns:h=\"" OB_WSMAN_URI_IPS "IPS_HostBasedSetupService\">"
                                 "<h:NetAdminPassEncryptionType>2</h:NetAdminPassEncryptionType>"
                                 "<h:NetworkAdminPassword>%s</h:NetworkAdminPassword></h:Setup_INPUT>", hash);
        send_wsman (f, OB_WSMAN_URI_IPS "IPS_HostBasedSetupService/Setup", "IPS_HostBasedSetupService", input);
      }
      return;
    case 3:
      http = parse_response (f, o);
      if (http == NULL || ob_http_message_get_status (http) != 200)
        {
          fail (f, "expected 200 for Setup");
          return;
        }
      r = wsman_body (f, http);
      {
        gint64 rv = -1;

        if (r == NULL || !ob_wsman_response_get_return_value (r, "Setup", &rv, NULL) || rv != 0)
          fail (f, "Setup did not return 0");
      }
      /* A heartbeat in between, as RPS may send one. */
      send_envelope (f, "heartbeat_request", "ok", "", "");
      return;
    case 4:
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "method", NULL), "heartbeat_response") != 0 ||
          g_strcmp0 (json_object_get_string_member_with_default (o, "status", NULL), "success") != 0)
        fail (f, "expected heartbeat_response with status success");
      /* Now as admin with the new password: one 401 first (new account). */
      f->username = "admin";
      f->password = PASSWORD;
      send_wsman (f, OB_WSMAN_ACTION_GET, "AMT_SetupAndConfigurationService", NULL);
      return;
    case 5:
      http = parse_response (f, o);
      if (http == NULL || ob_http_message_get_status (http) != 200)
        {
          fail (f, "expected 200 as admin");
          return;
        }
      send_envelope (f, "success", "success",
                     "{\"Status\":\"Client control mode.\",\"Network\":\"Wired Network Configured\"}", NULL);
      return;
    default:
      fail (f, "a message after the end");
      return;
    }
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  Fixture *f = user_data;

  g_set_object (&f->ws, connection);
  g_signal_connect (connection, "message", G_CALLBACK (on_server_message), f);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  ObSimProvisioning *prov;

  f->kind = GPOINTER_TO_INT (data);
  f->failures = g_ptr_array_new_with_free_func (g_free);
  f->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (f->server, "/activate", NULL, NULL, on_websocket, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  g_assert_nonnull (uris);
  f->url = g_strdup_printf ("ws://127.0.0.1:%d/activate", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  f->device = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode", OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
  ob_sim_device_set_domain_name (f->device, SUFFIX);
  prov = ob_sim_provisioning_attach (f->device);
  g_assert_true (ob_sim_provisioning_add_trusted_hash (prov, HASH));
  f->wsman = ob_sim_wsman_server_new (f->device, NULL, NULL);
  f->rpc = ob_sim_rpc_new (f->wsman);
  f->username = OB_SIM_LSA_USERNAME;
  f->password = ob_sim_provisioning_get_lsa_password (prov);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->result);
  g_clear_object (&f->rpc);
  ob_sim_wsman_server_stop (f->wsman);
  g_clear_object (&f->wsman);
  g_clear_object (&f->device);
  if (f->ws != NULL)
    g_signal_handlers_disconnect_by_data (f->ws, f);
  g_clear_object (&f->ws);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_clear_pointer (&f->challenge, ob_http_digest_challenge_unref);
  g_clear_pointer (&f->first_payload, json_object_unref);
  g_free (f->first_method);
  g_free (f->url);
  g_ptr_array_unref (f->failures);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fixture *f = user_data;

  f->result = g_object_ref (result);
}

static void
wait_result (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (f->result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (f->result);
}

static void
assert_no_failures (Fixture *f)
{
  for (guint i = 0; i < f->failures->len; i++)
    g_printerr ("script: %s\n", (const char *) g_ptr_array_index (f->failures, i));
  g_assert_cmpuint (f->failures->len, ==, 0);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_activate (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *status = NULL;
  ObSimProvisioning *prov = ob_sim_provisioning_peek (f->device);
  JsonArray *hashes;

  ob_sim_rpc_activate_async (f->rpc, f->url, "p1", NULL, on_done, f);
  wait_result (f);
  message = ob_sim_rpc_finish (f->rpc, f->result, &error);
  g_assert_no_error (error);
  assert_no_failures (f);

  status = ob_sim_rpc_dup_status_field (message, "Status");
  g_assert_cmpstr (status, ==, "Client control mode.");
  g_assert_cmpuint (f->step, ==, 6);
  /* GeneralSettings twice (401, then 200), Setup, then as admin. */
  g_assert_cmpuint (ob_sim_rpc_get_n_exchanges (f->rpc), ==, 4);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_CCM);
  g_assert_true (ob_sim_provisioning_check_admin_password (prov, PASSWORD));

  /* The first message as rpc-go builds it. */
  g_assert_cmpstr (f->first_method, ==, "activate --profile p1");
  g_assert_nonnull (f->first_payload);
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "uuid"), ==,
                   ob_sim_device_get_guid (f->device));
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "ver"), ==,
                   ob_sim_device_get_amt_version (f->device));
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "build"), ==,
                   ob_sim_device_get_build_number (f->device));
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "sku"), ==, "16392");
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "features"), ==, "AMT Pro Corporate");
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "username"), ==, OB_SIM_LSA_USERNAME);
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "password"), ==,
                   ob_sim_provisioning_get_lsa_password (prov));
  g_assert_cmpint (json_object_get_int_member (f->first_payload, "currentMode"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "client"), ==, "RPC");
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "fqdn"), ==, SUFFIX);
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "hostname"), ==,
                   ob_sim_device_get_hostname (f->device));
  hashes = json_object_get_array_member (f->first_payload, "certHashes");
  g_assert_cmpuint (json_array_get_length (hashes), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (hashes, 0), ==, HASH);
  g_assert_true (json_object_has_member (f->first_payload, "ipConfiguration"));
  g_assert_true (json_object_has_member (f->first_payload, "hostnameInfo"));
}

static void
test_error (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  ob_sim_rpc_activate_async (f->rpc, f->url, "p1", NULL, on_done, f);
  wait_result (f);
  message = ob_sim_rpc_finish (f->rpc, f->result, &error);
  g_assert_null (message);
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "Device activation failed. Missing DNS Suffix.");
  assert_no_failures (f);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
}

static void
test_closed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  ob_sim_rpc_activate_async (f->rpc, f->url, "p1", NULL, on_done, f);
  wait_result (f);
  message = ob_sim_rpc_finish (f->rpc, f->result, &error);
  g_assert_null (message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  assert_no_failures (f);
  g_assert_cmpuint (ob_sim_rpc_get_n_exchanges (f->rpc), ==, 1);
}

static void
test_deactivate (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  ObSimProvisioning *prov = ob_sim_provisioning_peek (f->device);

  /* An activated device: without the AMT password rpc-go refuses. */
  ob_sim_device_set_control_mode (f->device, OB_SIM_CONTROL_MODE_ACM);
  ob_sim_provisioning_set_admin_password (prov, PASSWORD);
  ob_sim_rpc_deactivate_async (f->rpc, f->url, FALSE, NULL, on_done, f);
  wait_result (f);
  message = ob_sim_rpc_finish (f->rpc, f->result, &error);
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_object (&f->result);

  ob_sim_rpc_set_amt_password (f->rpc, PASSWORD);
  ob_sim_rpc_deactivate_async (f->rpc, f->url, TRUE, NULL, on_done, f);
  wait_result (f);
  message = ob_sim_rpc_finish (f->rpc, f->result, &error);
  g_assert_no_error (error);
  assert_no_failures (f);
  g_assert_cmpstr (f->first_method, ==, "deactivate --password " PASSWORD " -f");
  g_assert_cmpint (json_object_get_int_member (f->first_payload, "currentMode"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (f->first_payload, "password"), ==, PASSWORD);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_bad_url (void)
{
  g_autoptr(ObSimDevice) device = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode",
                                                OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
  g_autoptr(ObSimWsmanServer) server = ob_sim_wsman_server_new (device, NULL, NULL);
  g_autoptr(ObSimRpc) rpc = ob_sim_rpc_new (server);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  ob_sim_rpc_activate_async (rpc, "ftp://example.test/activate", "p1", NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  message = ob_sim_rpc_finish (rpc, result, &error);
  g_assert_null (message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_object (&result);
  g_clear_error (&error);

  /* Nothing listens there: a connection error, not a hang. */
  ob_sim_rpc_activate_async (rpc, "ws://127.0.0.1:1/activate", "p1", NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  message = ob_sim_rpc_finish (rpc, result, &error);
  g_assert_null (message);
  g_assert_nonnull (error);
  ob_sim_wsman_server_stop (server);
}

/* ---- many devices at once ------------------------------------------------- */

#define N_DEVICES 20

typedef struct
{
  SoupWebsocketConnection *ws;
  char                    *guid;
  char                    *password;
  ObHttpDigestChallenge   *challenge;
  guint                    step;
  gboolean                 bad;
} Conn;

static void
conn_free (gpointer data)
{
  Conn *c = data;

  g_signal_handlers_disconnect_matched (c->ws, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, c);
  g_object_unref (c->ws);
  g_free (c->guid);
  g_free (c->password);
  g_clear_pointer (&c->challenge, ob_http_digest_challenge_unref);
  g_free (c);
}

static void
conn_send (Conn       *c,
           const char *method,
           const char *message,
           const char *payload)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, method);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, g_str_equal (method, "success") ? "success" : "ok");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_set_member_name (b, "payload");
  json_builder_add_string_value (b, payload);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  soup_websocket_connection_send_text (c->ws, text);
}

static void
conn_send_get (Conn *c)
{
  g_autofree char *xml = ob_wsman_build_request (OB_WSMAN_ACTION_GET, OB_WSMAN_URI_AMT "AMT_GeneralSettings", 0,
                                                 NULL, NULL);
  g_autofree char *authorization = NULL;
  g_autofree char *http = NULL;
  g_autofree char *b64 = NULL;

  if (c->challenge != NULL)
    authorization = g_strdup_printf ("Authorization: %s\r\n",
                                     ob_http_digest_challenge_authorize (c->challenge, OB_SIM_LSA_USERNAME,
                                                                         c->password, "POST", "/wsman"));
  http = g_strdup_printf ("POST /wsman HTTP/1.1\r\n%sHost: %s:16992\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "%zX\r\n%s\r\n0\r\n\r\n", authorization != NULL ? authorization : "", c->guid,
                          strlen (xml), xml);
  b64 = g_base64_encode ((const guchar *) http, strlen (http));
  conn_send (c, "wsman", "", b64);
}

static void
on_conn_message (SoupWebsocketConnection *ws,
                 gint                     type,
                 GBytes                  *message,
                 gpointer                 user_data)
{
  Conn *c = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(ObHttpParser) http = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
  g_autoptr(ObHttpMessage) response = NULL;
  g_autofree guchar *raw = NULL;
  JsonObject *o;
  gsize len, consumed;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (message, NULL), (gssize) g_bytes_get_size (message),
                                   NULL))
    {
      c->bad = TRUE;
      return;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  raw = g_base64_decode (json_object_get_string_member_with_default (o, "payload", ""), &len);
  if (c->step++ == 0)
    {
      g_autoptr(JsonParser) payload = json_parser_new ();
      JsonObject *p;

      if (!json_parser_load_from_data (payload, (const char *) raw, (gssize) len, NULL))
        {
          c->bad = TRUE;
          return;
        }
      p = json_node_get_object (json_parser_get_root (payload));
      c->guid = g_strdup (json_object_get_string_member (p, "uuid"));
      c->password = g_strdup (json_object_get_string_member (p, "password"));
      conn_send_get (c);
      return;
    }
  if (ob_http_parser_feed (http, raw, len, &consumed, NULL) != OB_HTTP_PARSE_DONE)
    {
      c->bad = TRUE;
      return;
    }
  response = ob_http_parser_steal_message (http);
  if (c->step == 2)
    {
      /* The 401: answer it with this device's local system account. */
      c->challenge = ob_http_digest_challenge_from_response (response, NULL);
      if (ob_http_message_get_status (response) != 401 || c->challenge == NULL)
        c->bad = TRUE;
      conn_send_get (c);
      return;
    }
  if (ob_http_message_get_status (response) != 200)
    c->bad = TRUE;
  conn_send (c, "success", c->bad ? "{\"Status\":\"bad\"}" : "{\"Status\":\"good\"}", "");
}

static void
on_many_websocket (SoupServer              *server,
                   SoupServerMessage       *msg,
                   const char              *path,
                   SoupWebsocketConnection *connection,
                   gpointer                 user_data)
{
  GPtrArray *conns = user_data;
  Conn *c = g_new0 (Conn, 1);

  c->ws = g_object_ref (connection);
  g_ptr_array_add (conns, c);
  g_signal_connect (connection, "message", G_CALLBACK (on_conn_message), c);
}

typedef struct
{
  GAsyncResult *result;
} Slot;

static void
store_slot (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ((Slot *) user_data)->result = g_object_ref (result);
}

static void
test_many (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GPtrArray) conns = g_ptr_array_new_with_free_func (conn_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  ObSimDevice *devices[N_DEVICES];
  ObSimWsmanServer *servers[N_DEVICES];
  ObSimRpc *rpcs[N_DEVICES];
  Slot slots[N_DEVICES] = { { 0 } };
  GSList *uris;
  gint64 deadline;
  guint done;

  soup_server_add_websocket_handler (server, NULL, NULL, NULL, on_many_websocket, conns, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("ws://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  for (guint i = 0; i < N_DEVICES; i++)
    {
      devices[i] = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode", OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
      servers[i] = ob_sim_wsman_server_new (devices[i], NULL, NULL);
      /* Slow firmware: the exchanges of all devices overlap. */
      ob_sim_device_set_latency_ms (devices[i], 20);
      rpcs[i] = ob_sim_rpc_new (servers[i]);
      ob_sim_rpc_activate_async (rpcs[i], url, "p1", NULL, store_slot, &slots[i]);
    }
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  do
    {
      g_main_context_iteration (NULL, TRUE);
      done = 0;
      for (guint i = 0; i < N_DEVICES; i++)
        done += slots[i].result != NULL;
    }
  while (done < N_DEVICES && g_get_monotonic_time () < deadline);
  g_assert_cmpuint (done, ==, N_DEVICES);

  g_assert_cmpuint (conns->len, ==, N_DEVICES);
  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *message = ob_sim_rpc_finish (rpcs[i], slots[i].result, &error);
      g_autofree char *status = NULL;

      g_assert_no_error (error);
      status = ob_sim_rpc_dup_status_field (message, "Status");
      g_assert_cmpstr (status, ==, "good");
      g_assert_cmpuint (ob_sim_rpc_get_n_exchanges (rpcs[i]), ==, 2);
      g_object_unref (slots[i].result);
      g_object_unref (rpcs[i]);
      ob_sim_wsman_server_stop (servers[i]);
      g_object_unref (servers[i]);
      g_object_unref (devices[i]);
    }
  for (guint i = 0; i < conns->len; i++)
    g_assert_false (((Conn *) g_ptr_array_index (conns, i))->bad);
  soup_server_disconnect (server);
}

/* ---- calling home after a CIRA configuration ------------------------------- */

#define MPS_NAME      "mps.sim-rpc.example"
#define CIRA_USER     "ciraUser1"
#define CIRA_PASSWORD "Cira-Passw0rd!1"

/* What the RPS's CIRA step writes, straight into the device's WS-Man. */
static void
configure_cira (ObSimDevice *device,
                GBytes      *root_der,
                guint        port)
{
  g_autoptr(ObSimWsmanDispatch) dispatch = ob_sim_wsman_dispatch_new (device);
  g_autofree char *realm_a1 = g_strdup_printf ("admin:%s:%s", ob_sim_device_get_digest_realm (device), PASSWORD);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_MD5, realm_a1, -1);
  g_autofree char *root = g_base64_encode (g_bytes_get_data (root_der, NULL), g_bytes_get_size (root_der));
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  struct
  {
    const char *class_name;
    const char *method;
    const char *args[16];
  } calls[] = {
    { "IPS_HostBasedSetupService", "Setup",
      { "NetAdminPassEncryptionType", "2", "NetworkAdminPassword", hash, NULL } },
    { "AMT_PublicKeyManagementService", "AddTrustedRootCertificate", { "CertificateBlob", root, NULL } },
    { "AMT_RemoteAccessService", "AddMpServer",
      { "AccessInfo", "127.0.0.1", "InfoFormat", "3", "Port", port_text, "AuthMethod", "2",
        "Username", CIRA_USER, "Password", CIRA_PASSWORD, "CN", MPS_NAME, NULL } },
  };
  ObSimInitiator who = { OB_SIM_LSA_USERNAME, NULL };

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
      g_autofree char *body = NULL;
      g_autofree char *uri = ob_wsman_resource_uri_for_class (calls[i].class_name);
      g_autofree char *action = g_strconcat (uri, "/", calls[i].method, NULL);
      g_autofree char *xml = NULL;
      g_autofree char *reply = NULL;
      g_autoptr(ObWsmanResponse) r = NULL;
      gint64 rv = -1;
      guint status = 0;

      for (guint k = 0; calls[i].args[k] != NULL; k += 2)
        ob_wsman_selectors_add (args, calls[i].args[k], calls[i].args[k + 1]);
      body = ob_wsman_body_method_input (calls[i].class_name, calls[i].method, args);
      xml = ob_wsman_build_request (action, uri, i, NULL, body);
      reply = ob_sim_wsman_dispatch_handle (dispatch, xml, strlen (xml), &who, &status);
      g_assert_cmpuint (status, ==, 200);
      r = ob_wsman_response_new (reply, strlen (reply), NULL);
      g_assert_nonnull (r);
      g_assert_true (ob_wsman_response_get_return_value (r, calls[i].method, &rv, NULL));
      g_assert_cmpint (rv, ==, 0);
    }
}

static GBytes *
other_root (void)
{
  EVP_PKEY *key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  X509 *x = X509_new ();
  X509_NAME *name = X509_get_subject_name (x);
  unsigned char *der = NULL;
  int len;
  GBytes *bytes;

  X509_set_version (x, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (x), 7);
  X509_gmtime_adj (X509_getm_notBefore (x), -3600);
  X509_gmtime_adj (X509_getm_notAfter (x), 86400);
  X509_set_pubkey (x, key);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) "Someone Else's Root", -1, -1, 0);
  X509_set_issuer_name (x, name);
  X509_sign (x, key, EVP_sha256 ());
  len = i2d_X509 (x, &der);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  X509_free (x);
  EVP_PKEY_free (key);
  return bytes;
}

typedef struct
{
  ObSimCira *cira;
} CiraWait;

static gboolean
cira_connected (gpointer data)
{
  return ob_sim_cira_get_state (((CiraWait *) data)->cira) == OB_SIM_CIRA_STATE_CONNECTED;
}

static gboolean
cira_attempted (gpointer data)
{
  ObSimCira *cira = ((CiraWait *) data)->cira;

  return ob_sim_cira_get_n_attempts (cira) >= 1 && ob_sim_cira_get_state (cira) == OB_SIM_CIRA_STATE_DISCONNECTED;
}

static void
test_cira_call_home (void)
{
  CiraTestCa ca = { 0 };
  CiraTestMps mps = { 0 };
  g_autoptr(GBytes) root = NULL;
  g_autoptr(GBytes) wrong_root = other_root ();
  g_autoptr(ObSimDevice) device = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode",
                                                OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
  g_autoptr(ObSimDevice) stranger = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode",
                                                  OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
  g_autoptr(ObSimWsmanServer) wsman = ob_sim_wsman_server_new (device, NULL, NULL);
  g_autoptr(ObSimWsmanServer) stranger_wsman = ob_sim_wsman_server_new (stranger, NULL, NULL);
  g_autoptr(ObSimRpc) rpc = ob_sim_rpc_new (wsman);
  g_autoptr(ObSimRpc) stranger_rpc = ob_sim_rpc_new (stranger_wsman);
  g_autoptr(GError) error = NULL;
  ObSimCira *none;
  CiraWait good = { 0 }, bad = { 0 };
  guint port;

  cira_test_ca_init (&ca, MPS_NAME);
  cira_test_mps_init (&mps, ca.secrets, ca.authority, TRUE);
  port = ob_mps_server_get_port (mps.server);
  root = ob_cert_authority_dup_root_der (ca.authority);

  /* Nothing configured yet: nothing to call. */
  none = ob_sim_rpc_start_cira (rpc, NULL, TRUE, &error);
  g_assert_null (none);
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  cira_test_register_device (&mps, ca.secrets, ob_sim_device_get_guid (device), NULL, CIRA_USER, CIRA_PASSWORD,
                             PASSWORD);
  configure_cira (device, root, port);
  good.cira = ob_sim_rpc_start_cira (rpc, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (cira_test_wait_until (cira_connected, &good, 20000));
  g_assert_cmpstr (ob_sim_cira_pool_get_common_name (ob_sim_cira_get_pool (good.cira)), ==, MPS_NAME);

  /* A device told to trust another root refuses this MPS, as AMT would. */
  cira_test_register_device (&mps, ca.secrets, ob_sim_device_get_guid (stranger), NULL, CIRA_USER, CIRA_PASSWORD,
                             PASSWORD);
  configure_cira (stranger, wrong_root, port);
  bad.cira = ob_sim_rpc_start_cira (stranger_rpc, NULL, TRUE, &error);
  g_assert_no_error (error);
  ob_sim_cira_set_backoff (bad.cira, 60000, 60000);
  g_assert_true (cira_test_wait_until (cira_attempted, &bad, 20000));
  g_assert_cmpuint (ob_sim_cira_get_n_connects (bad.cira), ==, 0);
  g_assert_nonnull (strstr (ob_sim_cira_get_last_error (bad.cira), "certificate"));

  ob_sim_cira_stop (good.cira);
  ob_sim_cira_stop (bad.cira);
  g_clear_object (&good.cira);
  g_clear_object (&bad.cira);
  ob_sim_wsman_server_stop (wsman);
  ob_sim_wsman_server_stop (stranger_wsman);
  g_assert_true (ob_secret_store_clear_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, ob_sim_device_get_guid (device),
                                             NULL, NULL, NULL));
  g_assert_true (ob_secret_store_clear_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, ob_sim_device_get_guid (stranger),
                                             NULL, NULL, NULL));
  cira_test_mps_clear (&mps);
  cira_test_ca_clear (&ca);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, kind, func) \
  g_test_add (path, Fixture, GINT_TO_POINTER (kind), fixture_set_up, func, fixture_tear_down)

  ADD ("/sim/rpc/activate", SCRIPT_ACTIVATE, test_activate);
  ADD ("/sim/rpc/error", SCRIPT_ERROR, test_error);
  ADD ("/sim/rpc/closed", SCRIPT_CLOSE, test_closed);
  ADD ("/sim/rpc/deactivate", SCRIPT_DEACTIVATE, test_deactivate);
  g_test_add_func ("/sim/rpc/bad-url", test_bad_url);
  g_test_add_func ("/sim/rpc/many", test_many);
  g_test_add_func ("/sim/rpc/cira-call-home", test_cira_call_home);

  return g_test_run ();
}
