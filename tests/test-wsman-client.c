/* test-wsman-client.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "ob-http-connection.h"
#include "ob-http-digest.h"
#include "ob-sim-fleet.h"
#include "ob-wsman-client.h"

#define PASSWORD "P@ssw0rd"

/* ---- a small WS-Man responder: digest, chunked replies, faults ------ */

typedef struct
{
  GSocketService     *service;
  guint16             port;
  ObHttpDigestServer *digest;
  guint               latency_ms;
  gboolean            hang;
  gboolean            stopping;
  guint               stale_next;      /* answer this many good digests with stale=true */
  guint               drop_reused;     /* close without answering on a reused connection */
  guint               vanish;          /* answer half, then close */
  gboolean            wrong_relates_to;
  gboolean            close_after_401;

  guint               in_flight;
  guint               max_in_flight;
  guint               n_connections;
  guint               n_requests;
  guint               n_unauthenticated;
  guint               n_stale_sent;
  guint               n_ok;
  GPtrArray          *message_ids;
  ObHttpMessage      *last_request;
  GPtrArray          *conns;
} Responder;

typedef struct
{
  Responder        *r;
  ObHttpConnection *conn;
  guint             served;
  guint             pending;   /* async operations not called back yet */
  guint             answer_id;
  ObHttpMessage    *request;
} RConn;

static void responder_read (RConn *rc);

static void
on_responded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RConn *rc = user_data;
  g_autoptr(GError) error = NULL;

  rc->pending--;
  ob_http_connection_send_response_finish (rc->conn, result, &error);
  if (rc->r->stopping)
    return;
  rc->r->in_flight--;
  rc->served++;
  if (error == NULL && !ob_http_connection_is_closed (rc->conn))
    responder_read (rc);
}

static void
respond (RConn         *rc,
         ObHttpMessage *response)
{
  rc->pending++;
  ob_http_connection_send_response_async (rc->conn, response, 64, NULL, on_responded, rc);
}

static void
respond_401 (RConn    *rc,
             gboolean  stale)
{
  g_autoptr(ObHttpMessage) response = ob_http_message_new_response (401, NULL);
  g_autofree char *challenge = ob_http_digest_server_make_challenge (rc->r->digest, stale);

  ob_http_message_append_header (response, "WWW-Authenticate", challenge);
  ob_http_message_append_header (response, "Content-Type", "text/html");
  if (rc->r->close_after_401)
    ob_http_message_append_header (response, "Connection", "close");
  ob_http_message_set_body_data (response, "<html><body>Log on failed.</body></html>", -1);
  respond (rc, response);
}

static char *
reply_body (Responder      *r,
            ObWsmanRequest *request,
            const char    **action,
            guint          *status)
{
  const char *class_name = ob_wsman_request_get_class_name (request);
  const char *uri = ob_wsman_request_get_resource_uri (request);
  const char *req_action = ob_wsman_request_get_action (request);
  const char *method = ob_wsman_request_get_method (request);

  *status = 200;

  if (g_strcmp0 (class_name, "AMT_Nope") == 0)
    {
      *status = 400;
      *action = NULL;
      return NULL;
    }

  if (method != NULL)
    {
      *action = NULL;
      return g_strdup_printf ("<h:%s_OUTPUT xmlns:h=\"%s\"><h:ReturnValue>0</h:ReturnValue></h:%s_OUTPUT>",
                              method, uri, method);
    }
  if (g_strcmp0 (req_action, OB_WSMAN_ACTION_ENUMERATE) == 0)
    {
      *action = OB_WSMAN_ACTION_ENUMERATE_RESPONSE;
      return g_strdup ("<g:EnumerateResponse><g:EnumerationContext>ctx-0</g:EnumerationContext>"
                       "</g:EnumerateResponse>");
    }
  if (g_strcmp0 (req_action, OB_WSMAN_ACTION_PULL) == 0)
    {
      /* Three pulls of two items, the context counting up. */
      const char *ctx = ob_wsman_request_get_enumeration_context (request);
      guint n = ctx != NULL && g_str_has_prefix (ctx, "ctx-") ? (guint) g_ascii_strtoull (ctx + 4, NULL, 10) : 99;
      GString *body = g_string_new ("<g:PullResponse>");

      if (n < 3)
        {
          g_string_append_printf (body, "<g:EnumerationContext>ctx-%u</g:EnumerationContext><g:Items>", n + 1);
          for (guint i = 0; i < 2; i++)
            g_string_append_printf (body, "<h:%s xmlns:h=\"%s\"><h:InstanceID>item %u</h:InstanceID></h:%s>",
                                    class_name, uri, n * 2 + i, class_name);
          g_string_append (body, "</g:Items>");
          if (n == 2)
            g_string_append (body, "<g:EndOfSequence/>");
        }
      g_string_append (body, "</g:PullResponse>");
      *action = OB_WSMAN_ACTION_PULL_RESPONSE;
      return g_string_free (body, FALSE);
    }

  *action = OB_WSMAN_ACTION_GET_RESPONSE;
  return g_strdup_printf ("<h:%s xmlns:h=\"%s\"><h:ElementName>%s</h:ElementName><h:Served>%u</h:Served></h:%s>",
                          class_name, uri, class_name, r->n_ok, class_name);
}

static gboolean
answer_now (gpointer user_data)
{
  RConn *rc = user_data;
  Responder *r = rc->r;
  g_autoptr(ObHttpMessage) request = g_steal_pointer (&rc->request);
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(ObWsmanRequest) wsman = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *envelope = NULL;
  GBytes *bytes = ob_http_message_get_body (request);
  const char *action = NULL;
  const char *message_id;
  guint status;

  rc->answer_id = 0;
  wsman = ob_wsman_request_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  message_id = ob_wsman_request_get_message_id (wsman);
  g_ptr_array_add (r->message_ids, g_strdup (message_id));

  if (r->vanish > 0)
    {
      GOutputStream *out = g_io_stream_get_output_stream (ob_http_connection_get_stream (rc->conn));
      const char *half = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n<a:Envelope xmlns:a=";

      r->vanish--;
      r->in_flight--;
      g_output_stream_write_all (out, half, strlen (half), NULL, NULL, NULL);
      g_io_stream_close (ob_http_connection_get_stream (rc->conn), NULL, NULL);
      return G_SOURCE_REMOVE;
    }

  body = reply_body (r, wsman, &action, &status);
  if (status == 400)
    envelope = ob_wsman_build_fault (message_id, "uuid:1", "Sender", "wsman:DestinationUnreachable",
                                     "No route can be determined to reach the destination role defined by the "
                                     "WSAddressing To.", NULL);
  else
    envelope = ob_wsman_build_response (action != NULL ? action : "http://example/Response",
                                        r->wrong_relates_to ? "4242" : message_id, "uuid:2",
                                        ob_wsman_request_get_resource_uri (wsman), body);

  r->n_ok++;
  response = ob_http_message_new_response (status, NULL);
  ob_http_message_append_header (response, "Content-Type", "application/soap+xml; charset=UTF-8");
  ob_http_message_set_body_data (response, envelope, -1);
  respond (rc, response);
  return G_SOURCE_REMOVE;
}

static void
on_request (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  RConn *rc = user_data;
  Responder *r = rc->r;
  g_autoptr(GError) error = NULL;
  ObHttpMessage *request;
  ObHttpDigestVerdict verdict;

  rc->pending--;
  request = ob_http_connection_receive_request_finish (rc->conn, result, &error);
  if (request == NULL || r->stopping)
    {
      g_clear_pointer (&request, ob_http_message_unref);
      return;
    }

  r->n_requests++;
  r->in_flight++;
  r->max_in_flight = MAX (r->max_in_flight, r->in_flight);
  g_clear_pointer (&r->last_request, ob_http_message_unref);
  r->last_request = ob_http_message_ref (request);

  if (r->drop_reused > 0 && rc->served > 0)
    {
      r->drop_reused--;
      r->in_flight--;
      ob_http_message_unref (request);
      g_io_stream_close (ob_http_connection_get_stream (rc->conn), NULL, NULL);
      return;
    }

  verdict = ob_http_digest_server_verify (r->digest, ob_http_message_get_header (request, "Authorization"),
                                          "POST", ob_http_message_get_target (request), "admin", PASSWORD);
  if (verdict == OB_HTTP_DIGEST_OK && r->stale_next > 0)
    {
      r->stale_next--;
      verdict = OB_HTTP_DIGEST_STALE;
    }

  switch (verdict)
    {
    case OB_HTTP_DIGEST_MISSING:
      r->n_unauthenticated++;
      respond_401 (rc, FALSE);
      ob_http_message_unref (request);
      return;
    case OB_HTTP_DIGEST_STALE:
      r->n_stale_sent++;
      respond_401 (rc, TRUE);
      ob_http_message_unref (request);
      return;
    case OB_HTTP_DIGEST_FAILED:
      respond_401 (rc, FALSE);
      ob_http_message_unref (request);
      return;
    case OB_HTTP_DIGEST_OK:
    default:
      break;
    }

  rc->request = request;
  if (r->hang)
    return;
  if (r->latency_ms > 0)
    rc->answer_id = g_timeout_add (r->latency_ms, answer_now, rc);
  else
    answer_now (rc);
}

static void
responder_read (RConn *rc)
{
  rc->pending++;
  ob_http_connection_receive_request_async (rc->conn, NULL, on_request, rc);
}

static void
rconn_free (gpointer data)
{
  RConn *rc = data;

  g_assert_cmpuint (rc->pending, ==, 0);
  g_object_unref (rc->conn);
  g_clear_pointer (&rc->request, ob_http_message_unref);
  g_free (rc);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  Responder *r = user_data;
  RConn *rc = g_new0 (RConn, 1);

  rc->r = r;
  rc->conn = ob_http_connection_new (G_IO_STREAM (connection));
  r->n_connections++;
  g_ptr_array_add (r->conns, rc);
  responder_read (rc);
  return TRUE;
}

static Responder *
responder_new (void)
{
  Responder *r = g_new0 (Responder, 1);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  r->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (r->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  r->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  r->digest = ob_http_digest_server_new (NULL);
  r->message_ids = g_ptr_array_new_with_free_func (g_free);
  r->conns = g_ptr_array_new_with_free_func (rconn_free);
  g_signal_connect (r->service, "incoming", G_CALLBACK (on_incoming), r);
  g_socket_service_start (r->service);
  return r;
}

static void
responder_free (Responder *r)
{
  g_socket_service_stop (r->service);
  g_socket_listener_close (G_SOCKET_LISTENER (r->service));
  g_object_unref (r->service);
  /* Let pending server callbacks run out before their state goes. */
  r->stopping = TRUE;
  for (guint i = 0; i < r->conns->len; i++)
    {
      RConn *rc = g_ptr_array_index (r->conns, i);

      g_clear_handle_id (&rc->answer_id, g_source_remove);
      ob_http_connection_close (rc->conn);
    }
  for (guint i = 0; i < r->conns->len; i++)
    while (((RConn *) g_ptr_array_index (r->conns, i))->pending > 0)
      g_main_context_iteration (NULL, TRUE);
  g_ptr_array_unref (r->conns);
  g_ptr_array_unref (r->message_ids);
  g_clear_pointer (&r->last_request, ob_http_message_unref);
  ob_http_digest_server_free (r->digest);
  g_free (r);
}

/* ---- a stream source that dials the responder ----------------------- */

#define TEST_TYPE_SOURCE (test_source_get_type ())
G_DECLARE_FINAL_TYPE (TestSource, test_source, TEST, SOURCE, GObject)

struct _TestSource
{
  GObject  parent_instance;
  char    *address;  /* NULL = 127.0.0.1 */
  guint16  port;
  gboolean refuse;
  guint    n_opened;
};

static void test_source_iface_init (ObStreamSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestSource, test_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_STREAM_SOURCE, test_source_iface_init))

static void
test_source_finalize (GObject *object)
{
  g_free (TEST_SOURCE (object)->address);

  G_OBJECT_CLASS (test_source_parent_class)->finalize (object);
}

static void
test_source_class_init (TestSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_source_finalize;
}

static void
test_source_init (TestSource *self)
{
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GSocketConnection *connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);

  if (connection == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, connection, g_object_unref);
}

static void
test_source_open_stream_async (ObStreamSource      *source,
                               guint                port,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  TestSource *self = TEST_SOURCE (source);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autofree char *host = g_strdup_printf ("%s:%u", self->address != NULL ? self->address : "127.0.0.1",
                                           self->port);

  g_assert_cmpuint (port, ==, 16992);
  self->n_opened++;
  if (self->refuse)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "Connection refused");
      return;
    }
  g_socket_client_connect_to_host_async (client, host, 0, cancellable, on_connected, g_steal_pointer (&task));
}

static GIOStream *
test_source_open_stream_finish (ObStreamSource  *source,
                                GAsyncResult    *result,
                                GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_source_iface_init (ObStreamSourceInterface *iface)
{
  iface->open_stream_async = test_source_open_stream_async;
  iface->open_stream_finish = test_source_open_stream_finish;
}

/* ---- helpers -------------------------------------------------------- */

typedef struct
{
  Responder     *r;
  TestSource    *source;
  ObWsmanClient *client;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->r = responder_new ();
  f->source = g_object_new (TEST_TYPE_SOURCE, NULL);
  f->source->port = f->r->port;
  f->client = ob_wsman_client_new (OB_STREAM_SOURCE (f->source), 16992, "127.0.0.1:16992", "admin",
                                   data != NULL ? data : PASSWORD);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  ob_wsman_client_shutdown (f->client);
  g_assert_finalize_object (f->client);
  responder_free (f->r);
  g_object_unref (f->source);
}

typedef struct
{
  GAsyncResult *result;
  guint         order;
} Slot;

static guint completion_counter;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Slot *slot = user_data;

  slot->result = g_object_ref (result);
  slot->order = ++completion_counter;
}

static void
wait_slot (Slot *slot)
{
  while (slot->result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static ObWsmanResponse *
get_sync (ObWsmanClient  *client,
          const char     *class_name,
          GCancellable   *cancellable,
          GError        **error)
{
  Slot slot = { 0 };
  ObWsmanResponse *response;

  ob_wsman_client_get_async (client, class_name, NULL, cancellable, on_done, &slot);
  wait_slot (&slot);
  response = ob_wsman_client_request_finish (client, slot.result, error);
  g_object_unref (slot.result);
  return response;
}

static const char *
element_name (ObWsmanResponse *response,
              const char      *class_name)
{
  JsonObject *object = ob_wsman_response_get_class_json (response, class_name);

  g_assert_nonnull (object);
  return json_object_get_string_member (object, "ElementName");
}

/* ---- tests ---------------------------------------------------------- */

static void
test_digest_happy_path (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) first = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_autoptr(ObWsmanResponse) second = NULL;
  const char *authorization;

  g_assert_no_error (error);
  g_assert_cmpstr (element_name (first, "AMT_GeneralSettings"), ==, "AMT_GeneralSettings");
  /* One request without credentials, answered 401, then the digest one. */
  g_assert_cmpuint (f->r->n_unauthenticated, ==, 1);
  g_assert_cmpuint (f->r->n_requests, ==, 2);

  /* The framing the device sees. */
  g_assert_cmpstr (ob_http_message_get_method (f->r->last_request), ==, "POST");
  g_assert_cmpstr (ob_http_message_get_target (f->r->last_request), ==, "/wsman");
  g_assert_cmpstr (ob_http_message_get_header (f->r->last_request, "Host"), ==, "127.0.0.1:16992");
  g_assert_cmpstr (ob_http_message_get_header (f->r->last_request, "Content-Type"), ==,
                   "application/soap+xml;charset=UTF-8");
  g_assert_nonnull (ob_http_message_get_header (f->r->last_request, "Content-Length"));
  authorization = ob_http_message_get_header (f->r->last_request, "Authorization");
  g_assert_true (g_str_has_prefix (authorization, "Digest username=\"admin\",realm=\"Digest:"));
  g_assert_nonnull (strstr (authorization, ",uri=\"/wsman\",qop=\"auth\",response=\""));
  g_assert_nonnull (strstr (authorization, ",nc=\"00000001\",cnonce=\""));

  /* The cached challenge: straight in, on the same kept-alive connection. */
  second = get_sync (f->client, "CIM_SoftwareIdentity", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (element_name (second, "CIM_SoftwareIdentity"), ==, "CIM_SoftwareIdentity");
  g_assert_cmpuint (f->r->n_requests, ==, 3);
  g_assert_nonnull (strstr (ob_http_message_get_header (f->r->last_request, "Authorization"), ",nc=\"00000002\","));
  g_assert_cmpuint (f->r->n_connections, ==, 1);
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 1);
  g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (f->client), ==, 1);

  /* MessageIDs count up per client; RelatesTo matched them. */
  g_assert_cmpuint (f->r->message_ids->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->r->message_ids, 0), ==, "0");
  g_assert_cmpstr (g_ptr_array_index (f->r->message_ids, 1), ==, "1");
  g_assert_cmpstr (ob_wsman_response_get_relates_to (second), ==, "1");
}

/* Idle connections are dropped after their lifetime by the context's one
 * prune timer, for each client at its own pace, and the clients go on
 * working; a client freed while queued leaves the timer alone. */
static void
test_idle_pruned (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ObWsmanClient) slow = ob_wsman_client_new (OB_STREAM_SOURCE (f->source), 16992, "127.0.0.1:16992",
                                                       "admin", PASSWORD);
  g_autoptr(ObWsmanClient) gone = ob_wsman_client_new (OB_STREAM_SOURCE (f->source), 16992, "127.0.0.1:16992",
                                                       "admin", PASSWORD);
  g_autoptr(ObWsmanResponse) a = NULL;
  g_autoptr(ObWsmanResponse) b = NULL;
  g_autoptr(ObWsmanResponse) c = NULL;
  g_autoptr(ObWsmanResponse) d = NULL;
  g_autoptr(GError) error = NULL;

  ob_wsman_client_set_idle_lifetime_ms (f->client, 300);
  ob_wsman_client_set_idle_lifetime_ms (slow, 1500);
  ob_wsman_client_set_idle_lifetime_ms (gone, 100);
  a = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  b = get_sync (slow, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  c = get_sync (gone, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&gone);
  g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (f->client), ==, 1);
  g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (slow), ==, 1);

  spin (700);
  g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (f->client), ==, 0);
  g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (slow), ==, 1);

  spin (1400);
  g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (slow), ==, 0);

  /* A new connection when needed, kept again. */
  d = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 2);
  g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (f->client), ==, 1);
}

static void
test_close_after_401 (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = NULL;

  /* AMT closes the connection after its 401 page. */
  f->r->close_after_401 = TRUE;
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->r->n_connections, ==, 2);
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 2);
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);

  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
  g_assert_cmpstr (error->message, ==, "Wrong user name or password");
  /* Unauthenticated, digest, one retry for the new nonce: no more. */
  g_assert_cmpuint (f->r->n_requests, ==, 3);
  g_assert_cmpuint (f->r->n_ok, ==, 0);
  g_clear_error (&error);

  /* The right password afterwards works without a new client. */
  ob_wsman_client_set_credentials (f->client, "admin", PASSWORD);
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
}

static void
test_no_credentials (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = NULL;

  ob_wsman_client_set_credentials (f->client, NULL, NULL);
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
  g_assert_cmpuint (f->r->n_requests, ==, 1);
}

static void
test_stale_nonce (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = NULL;

  ob_http_digest_server_set_nonce_lifetime (f->r->digest, 500);
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->r->n_stale_sent, ==, 0);
  g_clear_pointer (&response, ob_wsman_response_unref);

  /* The nonce expires: a stale=true 401, one retry, success. */
  ob_http_digest_server_set_nonce_lifetime (f->r->digest, 60 * 1000);
  spin (600);
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->r->n_stale_sent, ==, 1);
  g_assert_cmpuint (f->r->n_requests, ==, 4);
  g_clear_pointer (&response, ob_wsman_response_unref);

  /* Stale once more later: the same single retry. */
  f->r->stale_next = 1;
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->r->n_stale_sent, ==, 2);
  g_clear_pointer (&response, ob_wsman_response_unref);

  /* A device that answers stale twice in a row is refused after the one
   * retry, not looped on. */
  f->r->stale_next = 2;
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
  g_assert_cmpuint (f->r->n_stale_sent, ==, 4);
}

static void
test_concurrency_limit (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) warm = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  Slot slots[5] = { 0 };

  g_assert_no_error (error);
  g_assert_cmpuint (ob_wsman_client_get_max_in_flight (f->client), ==, 3);

  f->r->latency_ms = 150;
  completion_counter = 0;
  for (guint i = 0; i < 5; i++)
    ob_wsman_client_get_async (f->client, "CIM_Chassis", NULL, NULL, on_done, &slots[i]);

  /* Three run, two wait their turn. */
  g_assert_cmpuint (ob_wsman_client_get_n_in_flight (f->client), ==, 3);
  g_assert_cmpuint (ob_wsman_client_get_n_queued (f->client), ==, 2);
  spin (60);
  g_assert_cmpuint (f->r->in_flight, ==, 3);

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(ObWsmanResponse) response = NULL;

      wait_slot (&slots[i]);
      response = ob_wsman_client_request_finish (f->client, slots[i].result, &error);
      g_assert_no_error (error);
      g_object_unref (slots[i].result);
    }

  /* The fourth only started once one of the first three was done. */
  g_assert_cmpuint (f->r->max_in_flight, ==, 3);
  g_assert_cmpuint (slots[3].order, >, MIN (slots[0].order, MIN (slots[1].order, slots[2].order)));
  g_assert_cmpuint (ob_wsman_client_get_n_in_flight (f->client), ==, 0);
  g_assert_cmpuint (ob_wsman_client_get_n_queued (f->client), ==, 0);
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 3);
  g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (f->client), ==, 3);
}

static void
test_first_challenge_shared (Fixture       *f,
                             gconstpointer  data)
{
  Slot slots[3] = { 0 };
  g_autoptr(GError) error = NULL;

  /* A fresh client sends one request without credentials; the others
   * wait for its challenge instead of each collecting a 401. */
  for (guint i = 0; i < 3; i++)
    ob_wsman_client_get_async (f->client, "AMT_GeneralSettings", NULL, NULL, on_done, &slots[i]);
  g_assert_cmpuint (ob_wsman_client_get_n_in_flight (f->client), ==, 1);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ObWsmanResponse) response = NULL;

      wait_slot (&slots[i]);
      response = ob_wsman_client_request_finish (f->client, slots[i].result, &error);
      g_assert_no_error (error);
      g_object_unref (slots[i].result);
    }
  g_assert_cmpuint (f->r->n_unauthenticated, ==, 1);
  g_assert_cmpuint (f->r->n_requests, ==, 4);
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  Slot slots[2] = { 0 };
  gint64 start;

  g_assert_no_error (error);
  g_clear_pointer (&response, ob_wsman_response_unref);

  /* Queue time does not count: one at a time, each answered in 150 ms,
   * a 300 ms timeout, two requests: both fine. */
  ob_wsman_client_set_max_in_flight (f->client, 1);
  ob_wsman_client_set_timeout (f->client, 300);
  f->r->latency_ms = 150;
  for (guint i = 0; i < 2; i++)
    ob_wsman_client_get_async (f->client, "CIM_Chassis", NULL, NULL, on_done, &slots[i]);
  for (guint i = 0; i < 2; i++)
    {
      wait_slot (&slots[i]);
      response = ob_wsman_client_request_finish (f->client, slots[i].result, &error);
      g_assert_no_error (error);
      g_clear_pointer (&response, ob_wsman_response_unref);
      g_object_unref (slots[i].result);
    }

  /* A device that never answers. */
  f->r->hang = TRUE;
  ob_wsman_client_set_timeout (f->client, 200);
  g_assert_cmpuint (ob_wsman_client_get_timeout (f->client), ==, 200);
  start = g_get_monotonic_time ();
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "The device did not answer within 200 ms");
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, >=, 190);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 3000);
  g_assert_cmpuint (ob_wsman_client_get_n_in_flight (f->client), ==, 0);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_autoptr(GCancellable) running = g_cancellable_new ();
  g_autoptr(GCancellable) queued = g_cancellable_new ();
  Slot a = { 0 }, b = { 0 }, c = { 0 };
  guint requests_before;

  g_assert_no_error (error);
  g_clear_pointer (&response, ob_wsman_response_unref);

  ob_wsman_client_set_max_in_flight (f->client, 1);
  f->r->latency_ms = 300;
  requests_before = f->r->n_requests;
  ob_wsman_client_get_async (f->client, "CIM_Chassis", NULL, running, on_done, &a);
  ob_wsman_client_get_async (f->client, "CIM_Card", NULL, queued, on_done, &b);
  ob_wsman_client_get_async (f->client, "CIM_Chip", NULL, NULL, on_done, &c);

  /* Cancel the queued one: it fails without ever being sent, and not
   * inside the cancel call. */
  g_cancellable_cancel (queued);
  g_assert_null (b.result);
  wait_slot (&b);
  response = ob_wsman_client_request_finish (f->client, b.result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (ob_wsman_client_get_n_queued (f->client), ==, 1);

  /* Cancel the running one mid-exchange. */
  g_timeout_add (50, cancel_later, running);
  wait_slot (&a);
  response = ob_wsman_client_request_finish (f->client, a.result, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The third goes ahead. */
  wait_slot (&c);
  response = ob_wsman_client_request_finish (f->client, c.result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (element_name (response, "CIM_Chip"), ==, "CIM_Chip");
  g_assert_cmpuint (f->r->n_requests - requests_before, ==, 2);

  /* Finished requests leave nothing connected to the callers' cancellables. */
  g_assert_false (g_signal_has_handler_pending (running, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE),
                                                0, TRUE));
  g_assert_false (g_signal_has_handler_pending (queued, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE),
                                                0, TRUE));

  g_object_unref (a.result);
  g_object_unref (b.result);
  g_object_unref (c.result);

  /* Already cancelled: nothing sent. */
  g_clear_pointer (&response, ob_wsman_response_unref);
  requests_before = f->r->n_requests;
  response = get_sync (f->client, "CIM_Chassis", queued, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->r->n_requests, ==, requests_before);
}

static gpointer
cancel_in_thread (gpointer data)
{
  g_usleep (50 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* Another thread cancels a running request: it fails as cancelled on the
 * client's own thread, well before the timeout. */
static void
test_cancel_from_thread (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GThread *thread;
  gint64 start;

  g_assert_no_error (error);
  g_clear_pointer (&response, ob_wsman_response_unref);

  f->r->hang = TRUE;
  ob_wsman_client_set_timeout (f->client, 20000);
  start = g_get_monotonic_time ();
  thread = g_thread_new ("cancel", cancel_in_thread, cancellable);
  response = get_sync (f->client, "CIM_Chassis", cancellable, &error);
  g_thread_join (thread);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 5000);
  g_assert_cmpuint (ob_wsman_client_get_n_in_flight (f->client), ==, 0);
  g_assert_false (g_signal_has_handler_pending (cancellable, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE),
                                                0, TRUE));
}

static void
test_reused_connection_closed (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);

  g_assert_no_error (error);
  g_clear_pointer (&response, ob_wsman_response_unref);
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 1);

  /* The device drops the kept-alive connection when the request comes:
   * retried once on a new stream, transparently. */
  f->r->drop_reused = 1;
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 2);
  g_clear_pointer (&response, ob_wsman_response_unref);

  /* Mid-answer on a reused connection: also retried once. */
  f->r->vanish = 1;
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 3);
  g_clear_pointer (&response, ob_wsman_response_unref);

  /* The device vanishes mid-answer again on the fresh one: a clear error,
   * no endless retries. */
  f->r->vanish = 2;
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_TRUNCATED);
  g_assert_cmpstr (error->message, ==, "The device closed the connection in the middle of its answer");
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 4);
}

static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = NULL;

  f->source->refuse = TRUE;
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  /* Back again. */
  f->source->refuse = FALSE;
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
}

static void
test_faults_and_errors (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_Nope", NULL, &error);
  g_autofree char *subcode = NULL;

  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
  subcode = ob_wsman_error_dup_fault_subcode (error);
  g_assert_cmpstr (subcode, ==, "DestinationUnreachable");
  g_clear_error (&error);

  /* Not a class we know how to address: refused before sending. */
  response = get_sync (f->client, "XYZ_Thing", NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* An answer to some other message. */
  f->r->wrong_relates_to = TRUE;
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE);
}

static void
test_enumerate_and_invoke (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(ObWsmanResponse) response = NULL;
  g_autoptr(ObWsmanSelectors) selectors = ob_wsman_selectors_new_with ("Name", "Intel(r) AMT Power Management Service", NULL);
  Slot slot = { 0 };
  gint64 value = -1;

  ob_wsman_client_enumerate_async (f->client, "CIM_PhysicalMemory", NULL, on_done, &slot);
  wait_slot (&slot);
  items = ob_wsman_client_enumerate_finish (f->client, slot.result, &error);
  g_assert_no_error (error);
  g_clear_object (&slot.result);
  g_assert_cmpuint (items->len, ==, 6);
  for (guint i = 0; i < items->len; i++)
    {
      JsonObject *item = json_node_get_object (g_ptr_array_index (items, i));
      g_autofree char *expected = g_strdup_printf ("item %u", i);

      g_assert_cmpstr (json_object_get_string_member (item, "InstanceID"), ==, expected);
    }

  ob_wsman_client_invoke_async (f->client, "CIM_PowerManagementService", "RequestPowerStateChange", selectors,
                                NULL, NULL, on_done, &slot);
  wait_slot (&slot);
  response = ob_wsman_client_request_finish (f->client, slot.result, &error);
  g_assert_no_error (error);
  g_clear_object (&slot.result);
  g_assert_true (ob_wsman_response_get_return_value (response, "RequestPowerStateChange", &value, &error));
  g_assert_cmpint (value, ==, 0);
  {
    GBytes *body = ob_http_message_get_body (f->r->last_request);
    g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

    g_assert_nonnull (strstr (text, "<a:Action>http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
                                    "CIM_PowerManagementService/RequestPowerStateChange</a:Action>"));
    g_assert_nonnull (strstr (text, "<w:Selector Name=\"Name\">Intel(r) AMT Power Management Service</w:Selector>"));
  }

  /* Bad class names fail through the enumerate finish too. */
  ob_wsman_client_enumerate_async (f->client, "Nope", NULL, on_done, &slot);
  wait_slot (&slot);
  g_assert_null (ob_wsman_client_enumerate_finish (f->client, slot.result, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT);
  g_clear_object (&slot.result);
}

static void
test_shutdown (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  Slot slots[4] = { 0 };

  g_assert_no_error (error);
  f->r->hang = TRUE;
  for (guint i = 0; i < 4; i++)
    ob_wsman_client_get_async (f->client, "CIM_Chassis", NULL, NULL, on_done, &slots[i]);
  spin (30);
  ob_wsman_client_shutdown (f->client);
  for (guint i = 0; i < 4; i++)
    {
      wait_slot (&slots[i]);
      g_assert_null (ob_wsman_client_request_finish (f->client, slots[i].result, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      g_object_unref (slots[i].result);
    }
  g_assert_cmpuint (ob_wsman_client_get_n_in_flight (f->client), ==, 0);
  g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (f->client), ==, 0);
}

/* ---- against the device simulator ----------------------------------- */

typedef struct
{
  ObSimFleet    *fleet;
  ObSimDevice   *device;
  TestSource    *source;
  ObWsmanClient *client;
} SimFixture;

static void
sim_set_up (SimFixture    *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->fleet = ob_sim_fleet_new ();
  f->device = ob_sim_fleet_add_device (f->fleet, "127.0.0.1", 0, 0, "Sim-P@ss1", &error);
  g_assert_no_error (error);
  f->source = g_object_new (TEST_TYPE_SOURCE, NULL);
  f->source->port = ob_sim_device_get_http_port (f->device);
  f->client = ob_wsman_client_new (OB_STREAM_SOURCE (f->source), 16992, "127.0.0.1:16992", "admin",
                                   data != NULL ? data : "Sim-P@ss1");
}

static void
sim_tear_down (SimFixture    *f,
               gconstpointer  data)
{
  ob_wsman_client_shutdown (f->client);
  g_assert_finalize_object (f->client);
  ob_sim_fleet_stop (f->fleet);
  g_object_unref (f->fleet);
  g_object_unref (f->source);
}

static void
test_sim_calls (SimFixture    *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_autoptr(GPtrArray) items = NULL;
  Slot slots[6] = { 0 };
  Slot slot = { 0 };
  JsonObject *settings;

  g_assert_no_error (error);
  settings = ob_wsman_response_get_class_json (response, "AMT_GeneralSettings");
  g_assert_nonnull (settings);
  g_assert_cmpstr (json_object_get_string_member (settings, "DigestRealm"), ==,
                   ob_sim_device_get_digest_realm (f->device));

  ob_wsman_client_enumerate_async (f->client, "CIM_SoftwareIdentity", NULL, on_done, &slot);
  wait_slot (&slot);
  items = ob_wsman_client_enumerate_finish (f->client, slot.result, &error);
  g_assert_no_error (error);
  g_clear_object (&slot.result);
  g_assert_cmpuint (items->len, >, 0);

  /* Six at once with some latency: three at a time, all answered. */
  ob_sim_device_set_latency_ms (f->device, 50);
  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    ob_wsman_client_get_async (f->client, "CIM_AssociatedPowerManagementService", NULL, NULL, on_done, &slots[i]);
  g_assert_cmpuint (ob_wsman_client_get_n_in_flight (f->client), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    {
      g_autoptr(ObWsmanResponse) power = NULL;
      JsonObject *object;

      wait_slot (&slots[i]);
      power = ob_wsman_client_request_finish (f->client, slots[i].result, &error);
      g_assert_no_error (error);
      object = ob_wsman_response_get_class_json (power, "CIM_AssociatedPowerManagementService");
      g_assert_nonnull (object);
      g_assert_cmpint (json_object_get_int_member (object, "PowerState"), ==,
                       ob_sim_device_get_power_state (f->device));
      g_object_unref (slots[i].result);
    }
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), <=, 4);

  /* The simulator faults on what it does not know. */
  g_clear_pointer (&response, ob_wsman_response_unref);
  response = get_sync (f->client, "AMT_NoSuchClass", NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
}

static void
test_sim_wrong_password (SimFixture    *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);

  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
}

static void
test_sim_slow_device (SimFixture    *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);

  g_assert_no_error (error);
  g_clear_pointer (&response, ob_wsman_response_unref);

  ob_sim_device_set_latency_ms (f->device, 1000);
  ob_wsman_client_set_timeout (f->client, 200);
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TIMEOUT);
  g_clear_error (&error);

  /* Fast again: the next request works (on a new connection). */
  ob_sim_device_set_latency_ms (f->device, 0);
  response = get_sync (f->client, "AMT_GeneralSettings", NULL, &error);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/wsman-client/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("digest-happy-path", test_digest_happy_path, NULL);
  ADD ("close-after-401", test_close_after_401, NULL);
  ADD ("idle-pruned", test_idle_pruned, NULL);
  ADD ("wrong-password", test_wrong_password, "not the password");
  ADD ("no-credentials", test_no_credentials, NULL);
  ADD ("stale-nonce", test_stale_nonce, NULL);
  ADD ("concurrency-limit", test_concurrency_limit, NULL);
  ADD ("first-challenge-shared", test_first_challenge_shared, NULL);
  ADD ("timeout", test_timeout, NULL);
  ADD ("cancel", test_cancel, NULL);
  ADD ("cancel-from-thread", test_cancel_from_thread, NULL);
  ADD ("reused-connection-closed", test_reused_connection_closed, NULL);
  ADD ("unreachable", test_unreachable, NULL);
  ADD ("faults-and-errors", test_faults_and_errors, NULL);
  ADD ("enumerate-and-invoke", test_enumerate_and_invoke, NULL);
  ADD ("shutdown", test_shutdown, NULL);

#undef ADD

  g_test_add ("/wsman-client/sim/calls", SimFixture, NULL, sim_set_up, test_sim_calls, sim_tear_down);
  g_test_add ("/wsman-client/sim/wrong-password", SimFixture, "wrong", sim_set_up, test_sim_wrong_password,
              sim_tear_down);
  g_test_add ("/wsman-client/sim/slow-device", SimFixture, NULL, sim_set_up, test_sim_slow_device, sim_tear_down);

  return g_test_run ();
}
