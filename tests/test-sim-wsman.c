/* test-sim-wsman.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-logs.h"
#include "ob-crypto.h"
#include "ob-http-digest.h"
#include "ob-http-parser.h"
#include "ob-sim-fleet.h"
#include "ob-wsman-error.h"
#include "ob-wsman-message.h"
#include "ob-wsman-response.h"

/* The simulator's WS-Man server over real sockets on loopback, driven by a
 * raw client: a socket, the HTTP parser and the digest client.  The server
 * runs on the default main context, which the client iterates while it
 * waits, so nothing here blocks the server. */

#define PASSWORD "Sim-Passw0rd!"

typedef struct
{
  GIOStream             *stream;
  ObHttpParser          *parser;
  ObHttpDigestChallenge *challenge;
  GByteArray            *raw;       /* bytes of the last response */
  gboolean               eof;
} Client;

typedef struct
{
  ObSimDevice      *device;
  ObSimWsmanServer *server;
  Client           *client;
  guint64           message_id;
} Fixture;

/* ---- Main loop helpers --------------------------------------------------- */

static gboolean
flag_on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_on_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  gboolean  done;
  gpointer  result;
  GError   *error;
} Wait;

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Wait *w = data;

  w->result = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &w->error);
  w->done = TRUE;
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Wait *w = data;

  w->result = GINT_TO_POINTER (g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &w->error));
  w->done = TRUE;
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Wait *w = data;

  w->result = GSIZE_TO_POINTER ((gsize) g_input_stream_read_finish (G_INPUT_STREAM (source), result, &w->error));
  w->done = TRUE;
}

static void
wait_for (Wait *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
accept_any_certificate (GTlsConnection       *connection,
                        GTlsCertificate      *peer,
                        GTlsCertificateFlags  errors,
                        gpointer              data)
{
  return TRUE;
}

/* ---- Raw client ------------------------------------------------------------ */

static Client *
client_connect (guint    port,
                gboolean tls)
{
  Client *c = g_new0 (Client, 1);
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  Wait w = { 0 };

  g_socket_client_connect_to_host_async (sc, "127.0.0.1", (guint16) port, NULL, on_connected, &w);
  wait_for (&w);
  g_assert_no_error (w.error);
  c->stream = w.result;

  if (tls)
    {
      g_autoptr(GError) error = NULL;
      GIOStream *tls_stream = g_tls_client_connection_new (c->stream, NULL, &error);
      Wait h = { 0 };

      g_assert_no_error (error);
      g_signal_connect (tls_stream, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
      g_tls_connection_handshake_async (G_TLS_CONNECTION (tls_stream), G_PRIORITY_DEFAULT, NULL, on_handshake, &h);
      wait_for (&h);
      g_assert_no_error (h.error);
      g_object_unref (c->stream);
      c->stream = tls_stream;
    }

  c->parser = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
  c->raw = g_byte_array_new ();
  return c;
}

static void
client_free (Client *c)
{
  if (c == NULL)
    return;
  g_io_stream_close (c->stream, NULL, NULL);
  g_object_unref (c->stream);
  ob_http_parser_free (c->parser);
  g_clear_pointer (&c->challenge, ob_http_digest_challenge_unref);
  g_byte_array_unref (c->raw);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

static void
client_write (Client *c,
              GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  /* Small requests fit in the socket buffer: a blocking write is fine. */
  g_output_stream_write_all (g_io_stream_get_output_stream (c->stream), data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Read one response; NULL when the server closed the connection first. */
static ObHttpMessage *
client_read (Client *c)
{
  guint8 buf[4096];

  g_byte_array_set_size (c->raw, 0);
  for (;;)
    {
      Wait w = { 0 };
      gssize n;
      ObHttpParseStatus status;
      g_autoptr(GError) error = NULL;

      g_input_stream_read_async (g_io_stream_get_input_stream (c->stream), buf, sizeof buf,
                                 G_PRIORITY_DEFAULT, NULL, on_read, &w);
      wait_for (&w);
      n = (gssize) GPOINTER_TO_SIZE (w.result);
      if (w.error != NULL || n <= 0)
        {
          g_clear_error (&w.error);
          c->eof = TRUE;
          return NULL;
        }
      g_byte_array_append (c->raw, buf, (guint) n);
      status = ob_http_parser_feed (c->parser, buf, (gsize) n, NULL, &error);
      g_assert_no_error (error);
      if (status == OB_HTTP_PARSE_DONE)
        return ob_http_parser_steal_message (c->parser);
    }
}

static GBytes *
post_bytes (Client     *c,
            const char *target,
            const char *method,
            const char *body,
            const char *authorization,
            gboolean    close)
{
  g_autoptr(ObHttpMessage) request = ob_http_message_new_request (method, target);
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  ob_http_message_append_header (request, "Host", "127.0.0.1:16992");
  ob_http_message_append_header (request, "Content-Type", "application/soap+xml; charset=utf-8");
  if (authorization != NULL)
    ob_http_message_append_header (request, "Authorization", authorization);
  if (close)
    ob_http_message_append_header (request, "Connection", "close");
  ob_http_message_set_body_data (request, body, -1);
  bytes = ob_http_message_serialize (request, 0, &error);
  g_assert_no_error (error);
  return bytes;
}

/* POST @body to /wsman with digest: answer a 401 once with its challenge,
 * as a client does. */
static ObHttpMessage *
client_post (Client     *c,
             const char *body,
             const char *password)
{
  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_autofree char *authorization = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(ObHttpMessage) response = NULL;
      g_autoptr(GError) error = NULL;

      if (c->challenge != NULL)
        authorization = ob_http_digest_challenge_authorize (c->challenge, "admin", password, "POST", "/wsman");
      bytes = post_bytes (c, "/wsman", "POST", body, authorization, FALSE);
      client_write (c, bytes);
      response = client_read (c);
      g_assert_nonnull (response);
      if (ob_http_message_get_status (response) != 401 || attempt == 1)
        return g_steal_pointer (&response);

      g_clear_pointer (&c->challenge, ob_http_digest_challenge_unref);
      c->challenge = ob_http_digest_challenge_from_response (response, &error);
      g_assert_no_error (error);
    }
  g_assert_not_reached ();
}

/* ---- WS-Man helpers ---------------------------------------------------------- */

static char *
envelope (Fixture          *f,
          const char       *action,
          const char       *class_name,
          ObWsmanSelectors *selectors,
          const char       *body)
{
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);

  return ob_wsman_build_request (action, uri != NULL ? uri : class_name, ++f->message_id, selectors, body);
}

/* One WS-Man call; the reply parsed, or NULL with the fault in @error.
 * Checks the HTTP framing every reply must have. */
static ObWsmanResponse *
call (Fixture          *f,
      const char       *action,
      const char       *class_name,
      ObWsmanSelectors *selectors,
      const char       *body,
      GError          **error)
{
  g_autofree char *xml = envelope (f, action, class_name, selectors, body);
  g_autoptr(ObHttpMessage) response = client_post (f->client, xml, PASSWORD);
  guint status = ob_http_message_get_status (response);
  ObWsmanResponse *parsed;
  char message_id[32];

  g_assert_true (status == 200 || status == 400);
  g_assert_cmpstr (ob_http_message_get_header (response, "Content-Type"), ==,
                   "application/soap+xml; charset=UTF-8");
  g_assert_true (ob_http_message_header_has_token (response, "Transfer-Encoding", "chunked"));

  parsed = ob_wsman_response_new_from_bytes (ob_http_message_get_body (response), error);
  g_assert_true ((status == 200) == (parsed != NULL));
  if (parsed != NULL)
    {
      g_snprintf (message_id, sizeof message_id, "%" G_GUINT64_FORMAT, f->message_id);
      g_assert_cmpstr (ob_wsman_response_get_relates_to (parsed), ==, message_id);
      g_assert_true (g_str_has_prefix (ob_wsman_response_get_message_id (parsed), "uuid:00000000-8086-8086-8086-"));
    }
  return parsed;
}

static ObWsmanResponse *
call_ok (Fixture          *f,
         const char       *action,
         const char       *class_name,
         ObWsmanSelectors *selectors,
         const char       *body)
{
  g_autoptr(GError) error = NULL;
  ObWsmanResponse *response = call (f, action, class_name, selectors, body, &error);

  g_assert_no_error (error);
  return response;
}

static char *
fault_subcode (Fixture          *f,
               const char       *action,
               const char       *class_name,
               ObWsmanSelectors *selectors,
               const char       *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = call (f, action, class_name, selectors, body, &error);

  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
  return ob_wsman_error_dup_fault_subcode (error);
}

static JsonObject *
get_class (Fixture         *f,
           const char      *class_name,
           ObWsmanResponse **keep)
{
  ObWsmanResponse *response = call_ok (f, OB_WSMAN_ACTION_GET, class_name, NULL, NULL);
  JsonObject *object = ob_wsman_response_get_class_json (response, class_name);

  g_assert_cmpstr (ob_wsman_response_get_action (response), ==, OB_WSMAN_ACTION_GET_RESPONSE);
  g_assert_nonnull (object);
  *keep = response;
  return object;
}

/* Enumerate + Pull until EndOfSequence; the items (new array of new refs)
 * and their class names. */
static GPtrArray *
enumerate (Fixture    *f,
           const char *class_name,
           guint       max_elements,
           GPtrArray **classes,
           guint      *n_pulls)
{
  g_autofree char *enumerate_body = ob_wsman_body_enumerate ();
  g_autoptr(ObWsmanResponse) e = call_ok (f, OB_WSMAN_ACTION_ENUMERATE, class_name, NULL, enumerate_body);
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_autofree char *context = g_strdup (ob_wsman_response_get_enumeration_context (e));

  g_assert_cmpstr (ob_wsman_response_get_action (e), ==, OB_WSMAN_ACTION_ENUMERATE_RESPONSE);
  g_assert_nonnull (context);
  *classes = g_ptr_array_new_with_free_func (g_free);
  *n_pulls = 0;

  for (;;)
    {
      g_autofree char *body = ob_wsman_body_pull (context, max_elements);
      g_autoptr(ObWsmanResponse) p = call_ok (f, OB_WSMAN_ACTION_PULL, class_name, NULL, body);
      GPtrArray *got = ob_wsman_response_get_items (p);
      GPtrArray *got_classes = ob_wsman_response_get_item_classes (p);

      (*n_pulls)++;
      g_assert_cmpstr (ob_wsman_response_get_action (p), ==, OB_WSMAN_ACTION_PULL_RESPONSE);
      g_assert_cmpuint (got->len, <=, max_elements);
      for (guint i = 0; i < got->len; i++)
        {
          g_ptr_array_add (items, json_node_ref (g_ptr_array_index (got, i)));
          g_ptr_array_add (*classes, g_strdup (g_ptr_array_index (got_classes, i)));
        }
      if (ob_wsman_response_get_end_of_sequence (p))
        {
          g_assert_null (ob_wsman_response_get_enumeration_context (p));
          break;
        }
      g_assert_cmpstr (ob_wsman_response_get_enumeration_context (p), ==, context);
      g_assert_cmpuint (*n_pulls, <, 100);
    }
  return items;
}

static gint64
return_value (ObWsmanResponse *response,
              const char      *method)
{
  g_autoptr(GError) error = NULL;
  gint64 value = -1;

  g_assert_true (ob_wsman_response_get_return_value (response, method, &value, &error));
  g_assert_no_error (error);
  return value;
}

static gint64
invoke (Fixture          *f,
        const char       *class_name,
        const char       *method,
        ObWsmanSelectors *args,
        JsonObject      **output,
        ObWsmanResponse **keep)
{
  g_autofree char *action = ob_wsman_method_action (class_name, method);
  g_autofree char *body = ob_wsman_body_method_input (class_name, method, args);
  g_autofree char *output_name = g_strconcat (method, "_OUTPUT", NULL);
  g_autofree char *response_action = g_strconcat (action, "Response", NULL);
  ObWsmanResponse *response = call_ok (f, action, class_name, NULL, body);
  gint64 rv;

  g_assert_cmpstr (ob_wsman_response_get_action (response), ==, response_action);
  rv = return_value (response, method);
  if (output != NULL)
    *output = ob_wsman_response_get_class_json (response, output_name);
  if (keep != NULL)
    *keep = response;
  else
    ob_wsman_response_unref (response);
  return rv;
}

static const char *
member_string (JsonObject *o,
               const char *name)
{
  JsonNode *node = json_object_get_member (o, name);
  static char buf[64];

  g_assert_nonnull (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node) ? "true" : "false";
  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, json_node_get_int (node));
  return buf;
}

static gint64
member_int (JsonObject *o,
            const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  g_assert_nonnull (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  return json_node_get_int (node);
}

/* ---- Fixture ------------------------------------------------------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->device = ob_sim_device_new (NULL);
  f->server = ob_sim_wsman_server_new (f->device, NULL, PASSWORD);
  g_assert_true (ob_sim_wsman_server_listen (f->server, "127.0.0.1", 0, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_sim_device_get_http_port (f->device), ==, ob_sim_wsman_server_get_http_port (f->server));
  g_assert_cmpuint (ob_sim_device_get_http_port (f->device), !=, 0);
  f->client = client_connect (ob_sim_device_get_http_port (f->device), FALSE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->client, client_free);
  ob_sim_wsman_server_stop (f->server);
  g_assert_finalize_object (f->server);
  /* Let closing connections finish before the device goes. */
  spin_ms (20);
  g_assert_finalize_object (f->device);
}

/* ---- HTTP and digest ------------------------------------------------------ */

static void
test_digest (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *xml = envelope (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
  g_autoptr(GBytes) bytes = post_bytes (f->client, "/wsman", "POST", xml, NULL, FALSE);
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(ObHttpDigestChallenge) challenge = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *authorization = NULL;
  GBytes *body;
  guint events;

  /* No credentials: 401, AMT's realm, the "Log on failed" page. */
  client_write (f->client, bytes);
  response = client_read (f->client);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 401);
  g_assert_cmpstr (ob_http_message_get_header (response, "Content-Type"), ==, "text/html");
  body = ob_http_message_get_body (response);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "Log on failed"));
  challenge = ob_http_digest_challenge_from_response (response, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_http_digest_challenge_get_realm (challenge), ==, ob_sim_device_get_digest_realm (f->device));
  g_assert_cmpstr (ob_http_digest_challenge_get_qop (challenge), ==, "auth");
  g_assert_false (ob_http_digest_challenge_get_stale (challenge));
  g_clear_pointer (&response, ob_http_message_unref);

  /* Right password, same connection. */
  authorization = ob_http_digest_challenge_authorize (challenge, "admin", PASSWORD, "POST", "/wsman");
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = post_bytes (f->client, "/wsman", "POST", xml, authorization, FALSE);
  client_write (f->client, bytes);
  response = client_read (f->client);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
  g_assert_true (g_str_has_prefix (ob_http_message_get_header (response, "Server"),
                                   "Intel(R) Active Management Technology 16.1.25"));
  g_clear_pointer (&response, ob_http_message_unref);

  /* The same Authorization again is a replay (same nonce count). */
  client_write (f->client, bytes);
  response = client_read (f->client);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 401);
  g_clear_pointer (&response, ob_http_message_unref);

  /* Wrong password: 401 every time; three in a row log a security event. */
  events = ob_sim_device_get_n_event_records (f->device);
  for (guint i = 0; i < 3; i++)
    {
      g_clear_pointer (&authorization, g_free);
      authorization = ob_http_digest_challenge_authorize (challenge, "admin", "wrong", "POST", "/wsman");
      g_clear_pointer (&bytes, g_bytes_unref);
      bytes = post_bytes (f->client, "/wsman", "POST", xml, authorization, FALSE);
      client_write (f->client, bytes);
      response = client_read (f->client);
      g_assert_cmpuint (ob_http_message_get_status (response), ==, 401);
      g_clear_pointer (&response, ob_http_message_unref);
    }
  g_assert_cmpuint (ob_sim_device_get_n_event_records (f->device), ==, events + 1);

  /* A wrong user with the right password fails too. */
  g_clear_pointer (&authorization, g_free);
  authorization = ob_http_digest_challenge_authorize (challenge, "root", PASSWORD, "POST", "/wsman");
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = post_bytes (f->client, "/wsman", "POST", xml, authorization, FALSE);
  client_write (f->client, bytes);
  response = client_read (f->client);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 401);
}

static void
test_digest_stale_nonce (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *xml = envelope (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(ObHttpDigestChallenge) stale = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *authorization = NULL;
  g_autoptr(GBytes) bytes = NULL;

  ob_sim_wsman_server_set_nonce_lifetime_ms (f->server, 300);

  response = client_post (f->client, xml, PASSWORD);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
  g_clear_pointer (&response, ob_http_message_unref);

  /* The nonce expires: the right answer to it is "stale", not "wrong". */
  spin_ms (400);
  authorization = ob_http_digest_challenge_authorize (f->client->challenge, "admin", PASSWORD, "POST", "/wsman");
  bytes = post_bytes (f->client, "/wsman", "POST", xml, authorization, FALSE);
  client_write (f->client, bytes);
  response = client_read (f->client);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 401);
  stale = ob_http_digest_challenge_from_response (response, &error);
  g_assert_no_error (error);
  g_assert_true (ob_http_digest_challenge_get_stale (stale));
  g_assert_cmpstr (ob_http_digest_challenge_get_nonce (stale), !=,
                   ob_http_digest_challenge_get_nonce (f->client->challenge));
  g_clear_pointer (&response, ob_http_message_unref);

  /* The fresh nonce works. */
  g_clear_pointer (&f->client->challenge, ob_http_digest_challenge_unref);
  f->client->challenge = g_steal_pointer (&stale);
  response = client_post (f->client, xml, PASSWORD);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
}

static void
test_http_paths (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ObHttpMessage) response = NULL;

  bytes = post_bytes (f->client, "/", "POST", "x", NULL, FALSE);
  client_write (f->client, bytes);
  response = client_read (f->client);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 404);
  g_clear_pointer (&response, ob_http_message_unref);
  g_clear_pointer (&bytes, g_bytes_unref);

  bytes = post_bytes (f->client, "/wsman", "GET", "", NULL, FALSE);
  client_write (f->client, bytes);
  response = client_read (f->client);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 405);
  g_assert_cmpstr (ob_http_message_get_header (response, "Allow"), ==, "POST");
  g_clear_pointer (&response, ob_http_message_unref);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* Bytes that are not HTTP: the connection is dropped, the server lives. */
  bytes = g_bytes_new_static ("POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 53);
  client_write (f->client, bytes);
  g_assert_null (client_read (f->client));
  {
    g_autoptr(Client) other = client_connect (ob_sim_device_get_http_port (f->device), FALSE);
    Client *saved = f->client;
    g_autoptr(ObWsmanResponse) r = NULL;

    f->client = other;
    r = call_ok (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
    f->client = saved;
  }
}

static void
test_chunked_and_keep_alive (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *ebody = ob_wsman_body_enumerate ();
  g_autoptr(ObWsmanResponse) e = NULL;
  g_autofree char *pull = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *raw;
  gsize body_len;

  /* Several calls on one connection. */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(ObWsmanResponse) r = call_ok (f, OB_WSMAN_ACTION_GET, "AMT_BootCapabilities", NULL, NULL);
    }
  g_assert_cmpuint (ob_sim_wsman_server_get_n_connections (f->server), ==, 1);
  g_assert_cmpuint (ob_sim_wsman_server_get_n_requests (f->server), ==, 6);   /* one 401 */

  /* A reply over 1 KiB comes in several chunks. */
  e = call_ok (f, OB_WSMAN_ACTION_ENUMERATE, "CIM_SoftwareIdentity", NULL, ebody);
  pull = ob_wsman_body_pull (ob_wsman_response_get_enumeration_context (e), OB_WSMAN_PULL_MAX_ELEMENTS);
  xml = envelope (f, OB_WSMAN_ACTION_PULL, "CIM_SoftwareIdentity", NULL, pull);
  response = client_post (f->client, xml, PASSWORD);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
  body_len = g_bytes_get_size (ob_http_message_get_body (response));
  g_assert_cmpuint (body_len, >, 2048);
  raw = (const char *) f->client->raw->data;
  g_assert_nonnull (g_strstr_len (raw, f->client->raw->len, "Transfer-Encoding: chunked\r\n"));
  /* The first chunk is full size, the body ends with the last-chunk line. */
  g_assert_nonnull (g_strstr_len (raw, f->client->raw->len, "\r\n\r\n400\r\n<?xml"));
  g_assert_cmpmem (raw + f->client->raw->len - 7, 7, "\r\n0\r\n\r\n", 7);
  g_clear_pointer (&response, ob_http_message_unref);

  /* "Connection: close" is honoured: the server closes after the reply. */
  g_clear_pointer (&xml, g_free);
  xml = envelope (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
  {
    g_autofree char *authorization = ob_http_digest_challenge_authorize (f->client->challenge, "admin",
                                                                         PASSWORD, "POST", "/wsman");

    bytes = post_bytes (f->client, "/wsman", "POST", xml, authorization, TRUE);
  }
  client_write (f->client, bytes);
  response = client_read (f->client);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
  g_assert_true (ob_http_message_header_has_token (response, "Connection", "close"));
  g_assert_null (client_read (f->client));
  g_assert_true (f->client->eof);
}

/* ---- Every call the issue lists ---------------------------------------------- */

static void
test_get_every_class (Fixture       *f,
                      gconstpointer  data)
{
  static const char *classes[] = {
    "CIM_AssociatedPowerManagementService", "CIM_PowerManagementService",
    "IPS_PowerManagementService", "AMT_BootCapabilities", "AMT_BootSettingData",
    "CIM_BootConfigSetting", "CIM_BootService", "CIM_SoftwareIdentity",
    "AMT_SetupAndConfigurationService", "AMT_GeneralSettings", "CIM_ComputerSystemPackage",
    "CIM_Chassis", "CIM_Card", "CIM_BIOSElement", "CIM_Processor", "CIM_PhysicalMemory",
    "CIM_MediaAccessDevice", "CIM_Chip", "CIM_BootSourceSetting", "AMT_MessageLog",
    "AMT_AuditLog", "AMT_RedirectionService", "IPS_KVMRedirectionSettingData",
    "CIM_KVMRedirectionSAP", "IPS_OptInService", "AMT_AlarmClockService",
  };
  ObWsmanResponse *keep = NULL;
  JsonObject *o;

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    {
      o = get_class (f, classes[i], &keep);
      g_assert_cmpuint (json_object_get_size (o), >, 0);
      g_clear_pointer (&keep, ob_wsman_response_unref);
    }

  /* Spot checks of content against the device. */
  o = get_class (f, "AMT_GeneralSettings", &keep);
  g_assert_cmpstr (member_string (o, "DigestRealm"), ==, ob_sim_device_get_digest_realm (f->device));
  g_assert_cmpstr (member_string (o, "HostName"), ==, ob_sim_device_get_hostname (f->device));
  g_clear_pointer (&keep, ob_wsman_response_unref);

  o = get_class (f, "AMT_SetupAndConfigurationService", &keep);
  g_assert_cmpint (member_int (o, "ProvisioningMode"), ==, 1);
  g_assert_cmpint (member_int (o, "ProvisioningState"), ==, 2);
  g_clear_pointer (&keep, ob_wsman_response_unref);

  o = get_class (f, "CIM_BIOSElement", &keep);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "ReleaseDate")));
  g_assert_nonnull (member_string (json_object_get_object_member (o, "ReleaseDate"), "Datetime"));
  g_clear_pointer (&keep, ob_wsman_response_unref);

  o = get_class (f, "IPS_PowerManagementService", &keep);
  g_assert_cmpint (member_int (o, "OSPowerSavingState"), ==, 2);
  g_clear_pointer (&keep, ob_wsman_response_unref);

  /* Powered off, AMT leaves OSPowerSavingState out. */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  o = get_class (f, "IPS_PowerManagementService", &keep);
  g_assert_false (json_object_has_member (o, "OSPowerSavingState"));
  g_clear_pointer (&keep, ob_wsman_response_unref);

  /* A Get with the right selector. */
  {
    g_autoptr(ObWsmanSelectors) sel = ob_wsman_selectors_new_with ("InstanceID", OB_SIM_BOOT_SOURCE_PXE, NULL);
    g_autoptr(ObWsmanResponse) r = call_ok (f, OB_WSMAN_ACTION_GET, "CIM_BootSourceSetting", sel, NULL);

    o = ob_wsman_response_get_class_json (r, "CIM_BootSourceSetting");
    g_assert_cmpstr (member_string (o, "StructuredBootString"), ==, "CIM:Network:1");
  }
}

static void
test_enumerate_every_class (Fixture       *f,
                            gconstpointer  data)
{
  static const struct
  {
    const char *class_name;
    guint       n;
    const char *first_class;
  } cases[] = {
    { "CIM_ServiceAvailableToElement", 1, "CIM_AssociatedPowerManagementService" },
    { "CIM_AssociatedPowerManagementService", 1, "CIM_AssociatedPowerManagementService" },
    { "CIM_SoftwareIdentity", 11, "CIM_SoftwareIdentity" },
    { "CIM_Processor", 1, "CIM_Processor" },
    { "CIM_PhysicalMemory", 2, "CIM_PhysicalMemory" },
    { "CIM_MediaAccessDevice", 1, "CIM_MediaAccessDevice" },
    { "CIM_PhysicalPackage", 2, "CIM_Card" },
    { "CIM_SystemPackaging", 1, "CIM_ComputerSystemPackage" },
    { "CIM_Chip", 1, "CIM_Chip" },
    { "CIM_BootSourceSetting", 3, "CIM_BootSourceSetting" },
    { "IPS_AlarmClockOccurrence", 0, NULL },
    { "AMT_GeneralSettings", 1, "AMT_GeneralSettings" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) classes = NULL;
      guint pulls;
      g_autoptr(GPtrArray) items = enumerate (f, cases[i].class_name, OB_WSMAN_PULL_MAX_ELEMENTS, &classes, &pulls);

      g_assert_cmpuint (items->len, ==, cases[i].n);
      g_assert_cmpuint (pulls, ==, 1);
      if (cases[i].first_class != NULL)
        g_assert_cmpstr (g_ptr_array_index (classes, 0), ==, cases[i].first_class);
    }

  /* The power state, as the MPS reads it. */
  {
    g_autoptr(GPtrArray) classes = NULL;
    guint pulls;
    g_autoptr(GPtrArray) items = enumerate (f, "CIM_ServiceAvailableToElement", 999, &classes, &pulls);
    JsonObject *o = json_node_get_object (g_ptr_array_index (items, 0));

    g_assert_cmpint (member_int (o, "PowerState"), ==, 2);
    g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "AvailableRequestedPowerStates")));
    g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "ServiceProvided")));
  }

  /* One item per Pull: an EnumerationContext until the last one. */
  {
    g_autoptr(GPtrArray) classes = NULL;
    guint pulls;
    g_autoptr(GPtrArray) items = enumerate (f, "CIM_SoftwareIdentity", 1, &classes, &pulls);

    g_assert_cmpuint (items->len, ==, 11);
    g_assert_cmpuint (pulls, ==, 11);
  }
}

static void
test_power_calls (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ObWsmanSelectors) args = NULL;
  g_autoptr(ObWsmanSelectors) system = ob_wsman_selectors_new_with ("CreationClassName", "CIM_ComputerSystem",
                                                                    "Name", "ManagedSystem", NULL);
  guint audit = ob_sim_device_get_n_audit_records (f->device);

  /* RequestPowerStateChange as the MPS sends it: PowerState and a
   * ManagedElement reference. */
  args = ob_wsman_selectors_new_with ("PowerState", "8", NULL);
  ob_wsman_selectors_add_reference (args, "ManagedElement", NULL, OB_WSMAN_URI_CIM "CIM_ComputerSystem", system);
  g_assert_cmpint (invoke (f, "CIM_PowerManagementService", "RequestPowerStateChange", args, NULL, NULL), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_power_state (f->device), ==, 8);

  /* Reset while off: the firmware's "not ready". */
  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("PowerState", "10", NULL);
  g_assert_cmpint (invoke (f, "CIM_PowerManagementService", "RequestPowerStateChange", args, NULL, NULL), ==, 2);

  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("PowerState", "2", NULL);
  g_assert_cmpint (invoke (f, "CIM_PowerManagementService", "RequestPowerStateChange", args, NULL, NULL), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_power_state (f->device), ==, 2);
  g_assert_cmpuint (ob_sim_device_get_n_audit_records (f->device), ==, audit + 2);

  /* The audit record names the digest user and the peer. */
  {
    g_autoptr(GBytes) rec = ob_sim_device_get_audit_record (f->device, audit);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = NULL;
    gsize len;
    const guint8 *raw = g_bytes_get_data (rec, &len);

    node = ob_amt_audit_record_decode (raw, len, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "Initiator"), ==, "admin");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "NetAddress"), ==, "127.0.0.1");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "Event"), ==, "Performed Power Down");
  }

  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("PowerState", "99", NULL);
  g_assert_cmpint (invoke (f, "CIM_PowerManagementService", "RequestPowerStateChange", args, NULL, NULL), ==, 36);

  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("OSPowerSavingState", "3", NULL);
  g_assert_cmpint (invoke (f, "IPS_PowerManagementService", "RequestOSPowerSavingStateChange", args, NULL, NULL), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (f->device), ==, 3);
}

static void
test_boot_calls (Fixture       *f,
                 gconstpointer  data)
{
  ObWsmanResponse *keep = NULL;
  JsonObject *o;
  g_autoptr(JsonObject) put = json_object_new ();
  g_autofree char *put_body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanSelectors) args = NULL;
  g_autoptr(ObWsmanSelectors) source = ob_wsman_selectors_new_with ("InstanceID", OB_SIM_BOOT_SOURCE_PXE, NULL);
  g_autoptr(ObWsmanSelectors) config = ob_wsman_selectors_new_with ("InstanceID", OB_SIM_BOOT_CONFIG_INSTANCE, NULL);
  ObSimBootSettings b;

  /* Put AMT_BootSettingData: BIOSSetup + UseSOL; the reply is the instance. */
  o = get_class (f, "AMT_BootSettingData", &keep);
  g_assert_cmpstr (member_string (o, "BIOSSetup"), ==, "false");
  g_assert_cmpstr (member_string (o, "OptionsCleared"), ==, "true");
  json_object_set_string_member (put, "ElementName", member_string (o, "ElementName"));
  json_object_set_string_member (put, "InstanceID", member_string (o, "InstanceID"));
  json_object_set_boolean_member (put, "BIOSSetup", TRUE);
  json_object_set_boolean_member (put, "UseSOL", TRUE);
  json_object_set_int_member (put, "BootMediaIndex", 0);
  g_clear_pointer (&keep, ob_wsman_response_unref);
  put_body = ob_wsman_body_from_json ("AMT_BootSettingData", put, &error);
  g_assert_no_error (error);
  keep = call_ok (f, OB_WSMAN_ACTION_PUT, "AMT_BootSettingData", NULL, put_body);
  g_assert_cmpstr (ob_wsman_response_get_action (keep), ==, OB_WSMAN_ACTION_PUT_RESPONSE);
  o = ob_wsman_response_get_class_json (keep, "AMT_BootSettingData");
  g_assert_cmpstr (member_string (o, "BIOSSetup"), ==, "true");
  g_assert_cmpstr (member_string (o, "OptionsCleared"), ==, "false");
  g_clear_pointer (&keep, ob_wsman_response_unref);
  ob_sim_device_get_boot_settings (f->device, &b);
  g_assert_true (b.bios_setup);
  g_assert_true (b.use_sol);

  /* ChangeBootOrder with a Source reference, SetBootConfigRole. */
  args = ob_wsman_selectors_new ();
  ob_wsman_selectors_add_reference (args, "Source", NULL, OB_WSMAN_URI_CIM "CIM_BootSourceSetting", source);
  g_assert_cmpint (invoke (f, "CIM_BootConfigSetting", "ChangeBootOrder", args, NULL, NULL), ==, 0);
  g_assert_cmpstr (ob_sim_device_get_boot_source (f->device), ==, OB_SIM_BOOT_SOURCE_PXE);
  g_assert_cmpint (invoke (f, "CIM_BootConfigSetting", "ChangeBootOrder", NULL, NULL, NULL), ==, 0);
  g_assert_null (ob_sim_device_get_boot_source (f->device));

  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new ();
  ob_wsman_selectors_add_reference (args, "BootConfigSetting", NULL, OB_WSMAN_URI_CIM "CIM_BootConfigSetting", config);
  ob_wsman_selectors_add (args, "Role", "1");
  g_assert_cmpint (invoke (f, "CIM_BootService", "SetBootConfigRole", args, NULL, NULL), ==, 0);

  /* OCR on the boot service. */
  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("RequestedState", "32769", NULL);
  g_assert_cmpint (invoke (f, "CIM_BootService", "RequestStateChange", args, NULL, NULL), ==, 0);
  o = get_class (f, "CIM_BootService", &keep);
  g_assert_cmpint (member_int (o, "EnabledState"), ==, 32769);
  g_clear_pointer (&keep, ob_wsman_response_unref);

  /* Power cycle: the host boots into BIOS setup and the flags clear. */
  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("PowerState", "5", NULL);
  g_assert_cmpint (invoke (f, "CIM_PowerManagementService", "RequestPowerStateChange", args, NULL, NULL), ==, 0);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_BIOS_SETUP);
  o = get_class (f, "AMT_BootSettingData", &keep);
  g_assert_cmpstr (member_string (o, "BIOSSetup"), ==, "false");
  g_assert_cmpstr (member_string (o, "OptionsCleared"), ==, "true");
  g_clear_pointer (&keep, ob_wsman_response_unref);
}

static void
test_feature_calls (Fixture       *f,
                    gconstpointer  data)
{
  ObWsmanResponse *keep = NULL;
  JsonObject *o;
  g_autoptr(ObWsmanSelectors) args = NULL;
  g_autoptr(JsonObject) put = json_object_new ();
  g_autofree char *put_body = NULL;
  g_autoptr(GError) error = NULL;
  ObSimKvmSettings k;

  o = get_class (f, "AMT_RedirectionService", &keep);
  g_assert_cmpint (member_int (o, "EnabledState"), ==, 32771);
  g_clear_pointer (&keep, ob_wsman_response_unref);

  args = ob_wsman_selectors_new_with ("RequestedState", "32770", NULL);
  g_assert_cmpint (invoke (f, "AMT_RedirectionService", "RequestStateChange", args, NULL, NULL), ==, 0);
  g_assert_false (ob_sim_device_get_ider_enabled (f->device));

  json_object_set_string_member (put, "CreationClassName", "AMT_RedirectionService");
  json_object_set_string_member (put, "Name", "Intel(r) AMT Redirection Service");
  json_object_set_boolean_member (put, "ListenerEnabled", FALSE);
  put_body = ob_wsman_body_from_json ("AMT_RedirectionService", put, &error);
  g_assert_no_error (error);
  keep = call_ok (f, OB_WSMAN_ACTION_PUT, "AMT_RedirectionService", NULL, put_body);
  g_clear_pointer (&keep, ob_wsman_response_unref);
  g_assert_false (ob_sim_device_get_listener_enabled (f->device));

  o = get_class (f, "CIM_KVMRedirectionSAP", &keep);
  g_assert_cmpint (member_int (o, "EnabledState"), ==, 6);
  g_clear_pointer (&keep, ob_wsman_response_unref);
  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("RequestedState", "3", NULL);
  g_assert_cmpint (invoke (f, "CIM_KVMRedirectionSAP", "RequestStateChange", args, NULL, NULL), ==, 0);
  o = get_class (f, "CIM_KVMRedirectionSAP", &keep);
  g_assert_cmpint (member_int (o, "EnabledState"), ==, 3);
  g_clear_pointer (&keep, ob_wsman_response_unref);

  /* KVM settings: the password is taken but never shown. */
  json_object_unref (g_steal_pointer (&put));
  put = json_object_new ();
  json_object_set_string_member (put, "ElementName", "Intel(r) KVM Redirection Settings");
  json_object_set_string_member (put, "InstanceID", "Intel(r) KVM Redirection Settings");
  json_object_set_boolean_member (put, "Is5900PortEnabled", TRUE);
  json_object_set_boolean_member (put, "OptInPolicy", FALSE);
  json_object_set_string_member (put, "RFBPassword", "Abcdef1!");
  json_object_set_int_member (put, "SessionTimeout", 10);
  g_clear_pointer (&put_body, g_free);
  put_body = ob_wsman_body_from_json ("IPS_KVMRedirectionSettingData", put, &error);
  keep = call_ok (f, OB_WSMAN_ACTION_PUT, "IPS_KVMRedirectionSettingData", NULL, put_body);
  o = ob_wsman_response_get_class_json (keep, "IPS_KVMRedirectionSettingData");
  g_assert_cmpstr (member_string (o, "RFBPassword"), ==, "");
  g_clear_pointer (&keep, ob_wsman_response_unref);
  ob_sim_device_get_kvm_settings (f->device, &k);
  g_assert_true (k.is_5900_port_enabled);
  g_assert_cmpuint (k.session_timeout, ==, 10);
  g_assert_cmpstr (ob_sim_device_get_rfb_password (f->device), ==, "Abcdef1!");

  /* Consent policy: Put OptInRequired 0. */
  json_object_unref (g_steal_pointer (&put));
  put = json_object_new ();
  json_object_set_string_member (put, "CreationClassName", "IPS_OptInService");
  json_object_set_int_member (put, "OptInRequired", 0);
  g_clear_pointer (&put_body, g_free);
  put_body = ob_wsman_body_from_json ("IPS_OptInService", put, &error);
  keep = call_ok (f, OB_WSMAN_ACTION_PUT, "IPS_OptInService", NULL, put_body);
  o = ob_wsman_response_get_class_json (keep, "IPS_OptInService");
  g_assert_cmpint (member_int (o, "OptInRequired"), ==, 0);
  g_clear_pointer (&keep, ob_wsman_response_unref);
}

static void
test_consent_calls (Fixture       *f,
                    gconstpointer  data)
{
  ObWsmanResponse *keep = NULL;
  JsonObject *o;
  g_autoptr(ObWsmanSelectors) args = NULL;
  g_autofree char *wrong = NULL;
  const char *code;

  g_assert_cmpint (invoke (f, "IPS_OptInService", "StartOptIn", NULL, NULL, NULL), ==, 0);
  code = ob_sim_device_get_consent_code (f->device);
  g_assert_nonnull (code);
  o = get_class (f, "IPS_OptInService", &keep);
  g_assert_cmpint (member_int (o, "OptInState"), ==, 2);
  g_clear_pointer (&keep, ob_wsman_response_unref);

  wrong = g_strdup_printf ("%u", (guint) (g_ascii_strtoull (code, NULL, 10) + 1) % 1000000);
  args = ob_wsman_selectors_new_with ("OptInCode", wrong, NULL);
  g_assert_cmpint (invoke (f, "IPS_OptInService", "SendOptInCode", args, NULL, NULL), ==, 2066);
  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("OptInCode", code, NULL);
  g_assert_cmpint (invoke (f, "IPS_OptInService", "SendOptInCode", args, NULL, NULL), ==, 0);
  o = get_class (f, "IPS_OptInService", &keep);
  g_assert_cmpint (member_int (o, "OptInState"), ==, 3);
  g_clear_pointer (&keep, ob_wsman_response_unref);

  g_assert_cmpint (invoke (f, "IPS_OptInService", "CancelOptIn", NULL, NULL, NULL), ==, 0);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (f->device), ==, 0);
  g_assert_cmpint (invoke (f, "IPS_OptInService", "SendOptInCode", args, NULL, NULL), ==, 2);
}

static void
test_log_calls (Fixture       *f,
                gconstpointer  data)
{
  JsonObject *o = NULL;
  ObWsmanResponse *keep = NULL;
  g_autoptr(ObWsmanSelectors) args = NULL;
  g_autoptr(GError) error = NULL;
  guint n_events = ob_sim_device_get_n_event_records (f->device);
  JsonNode *records;
  gint64 next;

  /* Event log: PositionToFirstRecord, then GetRecords, newest first. */
  g_assert_cmpint (invoke (f, "AMT_MessageLog", "PositionToFirstRecord", NULL, &o, &keep), ==, 0);
  next = member_int (o, "IterationIdentifier");
  g_clear_pointer (&keep, ob_wsman_response_unref);

  {
    g_autofree char *iter = g_strdup_printf ("%" G_GINT64_FORMAT, next);

    args = ob_wsman_selectors_new_with ("IterationIdentifier", iter, "MaxReadRecords", "390", NULL);
  }
  g_assert_cmpint (invoke (f, "AMT_MessageLog", "GetRecords", args, &o, &keep), ==, 0);
  g_assert_cmpstr (member_string (o, "NoMoreRecords"), ==, "true");
  records = json_object_get_member (o, "RecordArray");
  g_assert_nonnull (records);
  if (n_events == 1)
    g_assert_true (JSON_NODE_HOLDS_VALUE (records));
  else
    {
      JsonArray *array = json_node_get_array (records);
      g_autoptr(JsonNode) newest = NULL;
      g_autoptr(GBytes) last = ob_sim_device_get_event_record (f->device, n_events - 1);
      g_autofree char *last_b64 = g_base64_encode (g_bytes_get_data (last, NULL), g_bytes_get_size (last));

      g_assert_cmpuint (json_array_get_length (array), ==, n_events);
      g_assert_cmpstr (json_array_get_string_element (array, 0), ==, last_b64);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autoptr(JsonNode) ev = ob_amt_event_record_decode_base64 (json_array_get_string_element (array, i), &error);

          g_assert_no_error (error);
        }
    }
  g_clear_pointer (&keep, ob_wsman_response_unref);

  /* Audit log: ten records a call, oldest first, with the total. */
  for (guint i = 0; i < 15; i++)
    ob_sim_device_add_audit (f->device, 17, 0, NULL, NULL, 0);
  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("StartIndex", "1", NULL);
  g_assert_cmpint (invoke (f, "AMT_AuditLog", "ReadRecords", args, &o, &keep), ==, 0);
  g_assert_cmpint (member_int (o, "TotalRecordCount"), ==, ob_sim_device_get_n_audit_records (f->device));
  g_assert_cmpint (member_int (o, "RecordsReturned"), ==, 10);
  records = json_object_get_member (o, "EventRecords");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (records));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (records)), ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(JsonNode) rec = ob_amt_audit_record_decode_base64 (
        json_array_get_string_element (json_node_get_array (records), i), &error);

      g_assert_no_error (error);
    }
  g_clear_pointer (&keep, ob_wsman_response_unref);

  {
    g_autofree char *last = g_strdup_printf ("%u", ob_sim_device_get_n_audit_records (f->device));

    g_clear_pointer (&args, ob_wsman_selectors_unref);
    args = ob_wsman_selectors_new_with ("StartIndex", last, NULL);
  }
  g_assert_cmpint (invoke (f, "AMT_AuditLog", "ReadRecords", args, &o, &keep), ==, 0);
  g_assert_cmpint (member_int (o, "RecordsReturned"), ==, 1);
  g_clear_pointer (&keep, ob_wsman_response_unref);

  g_clear_pointer (&args, ob_wsman_selectors_unref);
  args = ob_wsman_selectors_new_with ("StartIndex", "100000", NULL);
  g_assert_cmpint (invoke (f, "AMT_AuditLog", "ReadRecords", args, NULL, NULL), ==, 35);
}

static char *
add_alarm_body (const char *id,
                const char *start,
                const char *interval)
{
  GString *s = g_string_new ("<h:AddAlarm_INPUT xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_AlarmClockService\">"
                             "<h:AlarmTemplate>");

  g_string_append_printf (s, "<s:InstanceID xmlns:s=\"" OB_WSMAN_URI_IPS "IPS_AlarmClockOccurrence\">%s</s:InstanceID>", id);
  g_string_append_printf (s, "<s:ElementName xmlns:s=\"" OB_WSMAN_URI_IPS "IPS_AlarmClockOccurrence\">%s</s:ElementName>", id);
  g_string_append_printf (s, "<s:StartTime xmlns:s=\"" OB_WSMAN_URI_IPS "IPS_AlarmClockOccurrence\">"
                          "<p:Datetime xmlns:p=\"http://schemas.dmtf.org/wbem/wscim/1/common\">%s</p:Datetime>"
                          "</s:StartTime>", start);
  if (interval != NULL)
    g_string_append_printf (s, "<s:Interval xmlns:s=\"" OB_WSMAN_URI_IPS "IPS_AlarmClockOccurrence\">"
                            "<p:Interval xmlns:p=\"http://schemas.dmtf.org/wbem/wscim/1/common\">%s</p:Interval>"
                            "</s:Interval>", interval);
  g_string_append (s, "<s:DeleteOnCompletion xmlns:s=\"" OB_WSMAN_URI_IPS "IPS_AlarmClockOccurrence\">true</s:DeleteOnCompletion>");
  g_string_append (s, "</h:AlarmTemplate></h:AddAlarm_INPUT>");
  return g_string_free (s, FALSE);
}

static void
test_alarm_calls (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *action = ob_wsman_method_action ("AMT_AlarmClockService", "AddAlarm");
  g_autoptr(GPtrArray) classes = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(ObWsmanSelectors) sel = NULL;
  JsonObject *o;
  guint pulls;

  for (guint i = 0; i < OB_SIM_DEVICE_MAX_ALARMS; i++)
    {
      g_autofree char *id = g_strdup_printf ("alarm%u", i);
      g_autofree char *body = add_alarm_body (id, "2030-12-31T23:59:00Z", i == 0 ? "P1DT2H30M" : NULL);
      g_autoptr(ObWsmanResponse) r = call_ok (f, action, "AMT_AlarmClockService", NULL, body);

      o = ob_wsman_response_get_class_json (r, "AddAlarm_OUTPUT");
      g_assert_nonnull (o);
      g_assert_cmpint (member_int (o, "ReturnValue"), ==, 0);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "AlarmClock")));
    }

  /* The sixth: QuotaLimit; a duplicate: AlreadyExists; garbage: InvalidRepresentation. */
  {
    g_autofree char *body = add_alarm_body ("alarm9", "2030-12-31T23:59:00Z", NULL);
    g_autofree char *subcode = fault_subcode (f, action, "AMT_AlarmClockService", NULL, body);

    g_assert_cmpstr (subcode, ==, "QuotaLimit");
  }
  g_assert_true (ob_sim_device_delete_alarm (f->device, "alarm4", NULL));
  {
    g_autofree char *body = add_alarm_body ("alarm1", "2030-12-31T23:59:00Z", NULL);
    g_autofree char *subcode = fault_subcode (f, action, "AMT_AlarmClockService", NULL, body);

    g_assert_cmpstr (subcode, ==, "AlreadyExists");
  }
  {
    g_autofree char *body = add_alarm_body ("alarm7", "yesterday", NULL);
    g_autofree char *subcode = fault_subcode (f, action, "AMT_AlarmClockService", NULL, body);

    g_assert_cmpstr (subcode, ==, "InvalidRepresentation");
  }

  items = enumerate (f, "IPS_AlarmClockOccurrence", 999, &classes, &pulls);
  g_assert_cmpuint (items->len, ==, 4);
  o = json_node_get_object (g_ptr_array_index (items, 0));
  g_assert_cmpstr (member_string (o, "InstanceID"), ==, "alarm0");
  g_assert_cmpstr (member_string (json_object_get_object_member (o, "StartTime"), "Datetime"), ==,
                   "2030-12-31T23:59:00Z");
  g_assert_cmpstr (member_string (json_object_get_object_member (o, "Interval"), "Interval"), ==, "P1DT2H30M");

  /* Delete by InstanceID; an unknown one is DestinationUnreachable, as on AMT. */
  sel = ob_wsman_selectors_new_with ("InstanceID", "alarm2", NULL);
  {
    g_autoptr(ObWsmanResponse) r = call_ok (f, OB_WSMAN_ACTION_DELETE, "IPS_AlarmClockOccurrence", sel, NULL);

    g_assert_cmpstr (ob_wsman_response_get_action (r), ==, OB_WSMAN_ACTION_DELETE_RESPONSE);
  }
  {
    g_autofree char *subcode = fault_subcode (f, OB_WSMAN_ACTION_DELETE, "IPS_AlarmClockOccurrence", sel, NULL);

    g_assert_cmpstr (subcode, ==, "DestinationUnreachable");
  }
  {
    g_autoptr(GPtrArray) list = ob_sim_device_list_alarms (f->device);

    g_assert_cmpuint (list->len, ==, 3);
  }
}

static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *subcode = NULL;
  g_autoptr(ObWsmanSelectors) sel = NULL;
  g_autofree char *bad_method = ob_wsman_method_action ("CIM_PowerManagementService", "Frobnicate");
  g_autofree char *pull = ob_wsman_body_pull ("FF000000-0000-0000-0000-000000000000", 10);
  g_autoptr(JsonObject) put = json_object_new ();
  g_autofree char *put_body = NULL;

  subcode = fault_subcode (f, OB_WSMAN_ACTION_GET, "CIM_NoSuchThing", NULL, NULL);
  g_assert_cmpstr (subcode, ==, "DestinationUnreachable");
  g_clear_pointer (&subcode, g_free);

  /* An AMT class under the CIM resource URI base is not that class. */
  subcode = fault_subcode (f, OB_WSMAN_ACTION_GET, OB_WSMAN_URI_CIM "AMT_GeneralSettings", NULL, NULL);
  g_assert_cmpstr (subcode, ==, "DestinationUnreachable");
  g_clear_pointer (&subcode, g_free);

  subcode = fault_subcode (f, bad_method, "CIM_PowerManagementService", NULL, NULL);
  g_assert_cmpstr (subcode, ==, "ActionNotSupported");
  g_clear_pointer (&subcode, g_free);

  subcode = fault_subcode (f, OB_WSMAN_ACTION_CREATE, "AMT_GeneralSettings", NULL, NULL);
  g_assert_cmpstr (subcode, ==, "ActionNotSupported");
  g_clear_pointer (&subcode, g_free);

  subcode = fault_subcode (f, OB_WSMAN_ACTION_DELETE, "AMT_GeneralSettings", NULL, NULL);
  g_assert_cmpstr (subcode, ==, "ActionNotSupported");
  g_clear_pointer (&subcode, g_free);

  sel = ob_wsman_selectors_new_with ("DeviceID", "CPU 9", NULL);
  subcode = fault_subcode (f, OB_WSMAN_ACTION_GET, "CIM_Processor", sel, NULL);
  g_assert_cmpstr (subcode, ==, "InvalidSelectors");
  g_clear_pointer (&subcode, g_free);
  g_clear_pointer (&sel, ob_wsman_selectors_unref);

  sel = ob_wsman_selectors_new_with ("Name", "Something Else", NULL);
  subcode = fault_subcode (f, bad_method, "CIM_PowerManagementService", sel, NULL);
  g_assert_cmpstr (subcode, ==, "ActionNotSupported");
  g_clear_pointer (&subcode, g_free);
  {
    g_autofree char *action = ob_wsman_method_action ("CIM_PowerManagementService", "RequestPowerStateChange");

    subcode = fault_subcode (f, action, "CIM_PowerManagementService", sel, NULL);
    g_assert_cmpstr (subcode, ==, "InvalidSelectors");
    g_clear_pointer (&subcode, g_free);
  }

  subcode = fault_subcode (f, OB_WSMAN_ACTION_PULL, "CIM_Processor", NULL, pull);
  g_assert_cmpstr (subcode, ==, "InvalidEnumerationContext");
  g_clear_pointer (&subcode, g_free);

  json_object_set_string_member (put, "BIOSSetup", "maybe");
  put_body = ob_wsman_body_from_json ("AMT_BootSettingData", put, NULL);
  subcode = fault_subcode (f, OB_WSMAN_ACTION_PUT, "AMT_BootSettingData", NULL, put_body);
  g_assert_cmpstr (subcode, ==, "InvalidRepresentation");
  g_clear_pointer (&subcode, g_free);

  /* A body that is not XML at all. */
  {
    g_autoptr(ObHttpMessage) response = client_post (f->client, "<not xml", PASSWORD);
    g_autoptr(GError) error = NULL;
    g_autoptr(ObWsmanResponse) r = NULL;

    g_assert_cmpuint (ob_http_message_get_status (response), ==, 400);
    r = ob_wsman_response_new_from_bytes (ob_http_message_get_body (response), &error);
    g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
  }

  /* KVM classes do not exist on a SKU without KVM. */
  {
    g_autoptr(ObSimDevice) no_kvm = g_object_new (OB_TYPE_SIM_DEVICE, "kvm-supported", FALSE, NULL);
    g_autoptr(ObSimWsmanServer) server = ob_sim_wsman_server_new (no_kvm, NULL, PASSWORD);
    g_autoptr(GError) error = NULL;
    Client *saved = f->client;

    g_assert_true (ob_sim_wsman_server_listen (server, "127.0.0.1", 0, FALSE, &error));
    f->client = client_connect (ob_sim_wsman_server_get_http_port (server), FALSE);
    subcode = fault_subcode (f, OB_WSMAN_ACTION_GET, "CIM_KVMRedirectionSAP", NULL, NULL);
    g_assert_cmpstr (subcode, ==, "DestinationUnreachable");
    client_free (f->client);
    f->client = saved;
    ob_sim_wsman_server_stop (server);
  }
}

/* ---- Latency, vanishing, TLS ------------------------------------------------ */

static void
test_latency (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(Client) second = client_connect (ob_sim_device_get_http_port (f->device), FALSE);
  g_autofree char *xml = NULL;
  g_autofree char *a1 = NULL;
  g_autofree char *a2 = NULL;
  g_autoptr(GBytes) b1 = NULL;
  g_autoptr(GBytes) b2 = NULL;
  g_autoptr(ObHttpMessage) r1 = NULL;
  g_autoptr(ObHttpMessage) r2 = NULL;
  gint64 start, elapsed;

  /* Authenticate both connections first (401s are not delayed). */
  {
    g_autoptr(ObWsmanResponse) r = call_ok (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
  }
  second->challenge = ob_http_digest_challenge_ref (f->client->challenge);

  ob_sim_device_set_latency_ms (f->device, 300);
  start = g_get_monotonic_time ();
  {
    g_autoptr(ObWsmanResponse) r = call_ok (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
  }
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpint (elapsed, >=, 300 * 1000);
  g_assert_cmpint (elapsed, <, 3000 * 1000);

  /* Two calls on two connections wait at the same time: the delay is a
   * timer, the server keeps serving. */
  xml = envelope (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
  a1 = ob_http_digest_challenge_authorize (f->client->challenge, "admin", PASSWORD, "POST", "/wsman");
  a2 = ob_http_digest_challenge_authorize (second->challenge, "admin", PASSWORD, "POST", "/wsman");
  b1 = post_bytes (f->client, "/wsman", "POST", xml, a1, FALSE);
  b2 = post_bytes (second, "/wsman", "POST", xml, a2, FALSE);
  start = g_get_monotonic_time ();
  client_write (f->client, b1);
  client_write (second, b2);
  r1 = client_read (f->client);
  r2 = client_read (second);
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpuint (ob_http_message_get_status (r1), ==, 200);
  g_assert_cmpuint (ob_http_message_get_status (r2), ==, 200);
  g_assert_cmpint (elapsed, >=, 300 * 1000);
  g_assert_cmpint (elapsed, <, 550 * 1000);
}

static void
test_vanish_mid_request (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *xml = envelope (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
  g_autofree char *authorization = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint64 start;

  {
    g_autoptr(ObWsmanResponse) r = call_ok (f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
  }
  ob_sim_device_set_latency_ms (f->device, 5000);
  authorization = ob_http_digest_challenge_authorize (f->client->challenge, "admin", PASSWORD, "POST", "/wsman");
  bytes = post_bytes (f->client, "/wsman", "POST", xml, authorization, FALSE);
  client_write (f->client, bytes);
  spin_ms (100);
  g_assert_cmpuint (ob_sim_wsman_server_get_n_connections (f->server), ==, 1);

  start = g_get_monotonic_time ();
  ob_sim_wsman_server_stop (f->server);
  g_assert_cmpuint (ob_sim_wsman_server_get_n_connections (f->server), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_http_port (f->device), ==, 0);
  g_assert_null (client_read (f->client));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1000 * 1000);
}

static void
test_tls (void)
{
  g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);
  g_autoptr(ObSimWsmanServer) server = ob_sim_wsman_server_new (device, NULL, PASSWORD);
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GTlsCertificate) peer = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GBytes) der_bytes = NULL;
  g_autofree char *peer_fingerprint = NULL;
  Fixture f = { 0 };

  g_assert_true (ob_sim_wsman_server_listen (server, "127.0.0.1", 0, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_sim_device_get_tls_port (device), !=, 0);
  g_assert_cmpuint (ob_sim_device_get_http_port (device), ==, 0);
  fingerprint = ob_sim_wsman_server_dup_certificate_fingerprint (server);
  g_assert_cmpuint (strlen (fingerprint), ==, 64);

  f.device = device;
  f.server = server;
  f.client = client_connect (ob_sim_device_get_tls_port (device), TRUE);

  /* The peer certificate is the one the server reports (for pinning). */
  peer = g_object_ref (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (f.client->stream)));
  g_object_get (peer, "certificate", &der, NULL);
  der_bytes = g_bytes_new (der->data, der->len);
  peer_fingerprint = ob_crypto_fingerprint (der_bytes, OB_HASH_ALGORITHM_SHA256);
  g_assert_cmpstr (peer_fingerprint, ==, fingerprint);

  {
    g_autoptr(ObWsmanResponse) r = call_ok (&f, OB_WSMAN_ACTION_GET, "AMT_GeneralSettings", NULL, NULL);
    g_autoptr(ObWsmanResponse) r2 = call_ok (&f, OB_WSMAN_ACTION_GET, "CIM_Chassis", NULL, NULL);

    g_assert_nonnull (ob_wsman_response_get_class_json (r, "AMT_GeneralSettings"));
  }
  g_assert_cmpuint (ob_sim_wsman_server_get_n_connections (server), ==, 1);

  client_free (f.client);
  ob_sim_wsman_server_stop (server);
  spin_ms (20);
}

/* ---- Fleet ------------------------------------------------------------------- */

static void
test_fleet (void)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) guids = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *address = ob_sim_fleet_nth_address ("127.0.1.1", i, &error);
      ObSimDevice *device;
      Fixture f = { 0 };

      g_assert_no_error (error);
      device = ob_sim_fleet_add_device (fleet, address, 0, i == 0 ? OB_SIM_PORT_ANY : 0, PASSWORD, &error);
      g_assert_no_error (error);
      g_assert_nonnull (device);
      g_assert_cmpstr (ob_sim_device_get_address (device), ==, address);
      g_assert_true (g_hash_table_add (guids, (gpointer) ob_sim_device_get_guid (device)));
      g_assert_true ((ob_sim_device_get_tls_port (device) != 0) == (i == 0));
      g_assert_true (ob_sim_fleet_get_server (fleet, device) != NULL);
      g_assert_true (ob_sim_fleet_lookup_device (fleet, ob_sim_device_get_guid (device)) == device);

      /* Reach it on its own address. */
      {
        g_autoptr(GSocketClient) sc = g_socket_client_new ();
        Wait w = { 0 };
        g_autoptr(GSocketConnection) conn = NULL;
        g_autoptr(GSocketAddress) remote = NULL;
        g_autofree char *remote_ip = NULL;

        g_socket_client_connect_to_host_async (sc, address, (guint16) ob_sim_device_get_http_port (device),
                                               NULL, on_connected, &w);
        wait_for (&w);
        g_assert_no_error (w.error);
        conn = w.result;
        remote = g_socket_connection_get_remote_address (conn, NULL);
        remote_ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
        g_assert_cmpstr (remote_ip, ==, address);
        g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
      }

      f.device = device;
      f.server = ob_sim_fleet_get_server (fleet, device);
      f.client = g_new0 (Client, 1);
      {
        g_autoptr(GSocketClient) sc = g_socket_client_new ();
        Wait w = { 0 };

        g_socket_client_connect_to_host_async (sc, address, (guint16) ob_sim_device_get_http_port (device),
                                               NULL, on_connected, &w);
        wait_for (&w);
        g_assert_no_error (w.error);
        f.client->stream = w.result;
        f.client->parser = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
        f.client->raw = g_byte_array_new ();
      }
      {
        ObWsmanResponse *keep = NULL;
        JsonObject *o = get_class (&f, "CIM_ComputerSystemPackage", &keep);
        g_assert_cmpuint (strlen (member_string (o, "PlatformGUID")), ==, 32);
        ob_wsman_response_unref (keep);
      }
      client_free (f.client);
    }
  g_assert_cmpuint (ob_sim_fleet_get_n_devices (fleet), ==, 3);

  ob_sim_fleet_set_latency_ms (fleet, 7);
  g_assert_cmpuint (ob_sim_device_get_latency_ms (ob_sim_fleet_get_device (fleet, 2)), ==, 7);

  /* The same address and port twice: the bind error comes back. */
  {
    ObSimDevice *first = ob_sim_fleet_get_device (fleet, 0);
    ObSimDevice *dup = ob_sim_fleet_add_device (fleet, "127.0.1.1", ob_sim_device_get_http_port (first), 0,
                                                NULL, &error);

    g_assert_null (dup);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
    g_clear_error (&error);
  }

  ob_sim_fleet_stop (fleet);
  spin_ms (20);
}

static void
test_nth_address (void)
{
  g_autoptr(GError) error = NULL;
  static const struct
  {
    const char *first;
    guint       index;
    const char *want;
  } cases[] = {
    { "127.0.1.1", 0, "127.0.1.1" },
    { "127.0.1.1", 2, "127.0.1.3" },
    { "127.0.1.1", 253, "127.0.1.254" },
    { "127.0.1.1", 254, "127.0.2.1" },
    { "127.0.1.200", 100, "127.0.2.46" },
    { "10.0.0.1", 254 * 256, "10.1.0.1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = ob_sim_fleet_nth_address (cases[i].first, cases[i].index, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, cases[i].want);
    }

  g_assert_null (ob_sim_fleet_nth_address ("::1", 0, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ob_sim_fleet_nth_address ("127.0.1.0", 0, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ob_sim_fleet_nth_address ("localhost", 0, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ob_sim_fleet_nth_address ("255.255.255.254", 10, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ("/sim/wsman/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("digest", test_digest);
  ADD ("digest-stale-nonce", test_digest_stale_nonce);
  ADD ("http-paths", test_http_paths);
  ADD ("chunked-keep-alive", test_chunked_and_keep_alive);
  ADD ("get-every-class", test_get_every_class);
  ADD ("enumerate-every-class", test_enumerate_every_class);
  ADD ("power", test_power_calls);
  ADD ("boot", test_boot_calls);
  ADD ("features", test_feature_calls);
  ADD ("consent", test_consent_calls);
  ADD ("logs", test_log_calls);
  ADD ("alarms", test_alarm_calls);
  ADD ("faults", test_faults);
  ADD ("latency", test_latency);
  ADD ("vanish", test_vanish_mid_request);
#undef ADD
  g_test_add_func ("/sim/wsman/tls", test_tls);
  g_test_add_func ("/sim/fleet/nth-address", test_nth_address);
  g_test_add_func ("/sim/fleet/three-devices", test_fleet);

  return g_test_run ();
}
