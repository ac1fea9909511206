/* test-http-connection.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "ob-http-connection.h"
#include "ob-poller.h"
#include "source-count-util.h"

/* ---- a scripted server on 127.0.0.1, port 0 ------------------------- */

typedef enum
{
  STEP_REPLY,             /* write the bytes, keep the connection */
  STEP_REPLY_AND_CLOSE,   /* write the bytes, then close */
  STEP_CLOSE,             /* close without answering */
  STEP_SILENT,            /* never answer (a hung device) */
} StepKind;

typedef struct
{
  StepKind  kind;
  char     *bytes;
  guint     n_pieces;    /* write in this many pieces, 5 ms apart */
} Step;

typedef struct
{
  GSocketService *service;
  guint16         port;
  GQueue          steps;       /* Step*, one per request received */
  GPtrArray      *requests;    /* ObHttpMessage* as received */
  GPtrArray      *open;        /* ObHttpConnection* held by the server */
  guint           n_connections;
} Server;

typedef struct
{
  Server           *server;
  ObHttpConnection *conn;
  Step             *step;
  gsize             written;
} ServerConn;

static void server_read_next (Server *server, ObHttpConnection *conn);

static void
step_free (Step *step)
{
  g_free (step->bytes);
  g_free (step);
}

static void
server_script (Server     *server,
               StepKind    kind,
               const char *bytes,
               guint       n_pieces)
{
  Step *step = g_new0 (Step, 1);

  step->kind = kind;
  step->bytes = g_strdup (bytes != NULL ? bytes : "");
  step->n_pieces = MAX (n_pieces, 1);
  g_queue_push_tail (&server->steps, step);
}

static void write_piece (ServerConn *sc);

static gboolean
write_piece_later (gpointer data)
{
  write_piece (data);
  return G_SOURCE_REMOVE;
}

static void
on_piece_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ServerConn *sc = user_data;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  if (error != NULL || sc->written >= strlen (sc->step->bytes))
    {
      if (error == NULL && sc->step->kind == STEP_REPLY)
        server_read_next (sc->server, sc->conn);
      else
        g_io_stream_close (ob_http_connection_get_stream (sc->conn), NULL, NULL);
      step_free (sc->step);
      g_object_unref (sc->conn);
      g_free (sc);
      return;
    }

  g_timeout_add (5, write_piece_later, sc);
}

static void
write_piece (ServerConn *sc)
{
  gsize total = strlen (sc->step->bytes);
  gsize piece = MAX (total / sc->step->n_pieces, 1);
  gsize n = MIN (piece, total - sc->written);
  GOutputStream *out = g_io_stream_get_output_stream (ob_http_connection_get_stream (sc->conn));

  /* The last piece takes the rest. */
  if (total - sc->written - n < piece)
    n = total - sc->written;
  g_output_stream_write_all_async (out, sc->step->bytes + sc->written, n, G_PRIORITY_DEFAULT, NULL,
                                   on_piece_written, sc);
  sc->written += n;
}

static void
on_server_request (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Server *server = user_data;
  ObHttpConnection *conn = OB_HTTP_CONNECTION (source);
  g_autoptr(GError) error = NULL;
  ObHttpMessage *request = ob_http_connection_receive_request_finish (conn, result, &error);
  Step *step;

  if (request == NULL)
    return;

  g_ptr_array_add (server->requests, request);
  step = g_queue_pop_head (&server->steps);
  g_assert_nonnull (step);

  switch (step->kind)
    {
    case STEP_CLOSE:
      g_io_stream_close (ob_http_connection_get_stream (conn), NULL, NULL);
      step_free (step);
      break;
    case STEP_SILENT:
      step_free (step);
      break;
    case STEP_REPLY:
    case STEP_REPLY_AND_CLOSE:
    default:
      {
        ServerConn *sc = g_new0 (ServerConn, 1);

        sc->server = server;
        sc->conn = g_object_ref (conn);
        sc->step = step;
        write_piece (sc);
      }
      break;
    }
}

static void
server_read_next (Server           *server,
                  ObHttpConnection *conn)
{
  ob_http_connection_receive_request_async (conn, NULL, on_server_request, server);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  Server *server = user_data;
  ObHttpConnection *conn = ob_http_connection_new (G_IO_STREAM (connection));

  server->n_connections++;
  g_ptr_array_add (server->open, conn);
  server_read_next (server, conn);
  return TRUE;
}

static Server *
server_new (void)
{
  Server *server = g_new0 (Server, 1);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  server->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_queue_init (&server->steps);
  server->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_http_message_unref);
  server->open = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_incoming), server);
  g_socket_service_start (server->service);
  return server;
}

static void
server_free (Server *server)
{
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  for (guint i = 0; i < server->open->len; i++)
    ob_http_connection_close (g_ptr_array_index (server->open, i));
  g_object_unref (server->service);
  g_queue_clear_full (&server->steps, (GDestroyNotify) step_free);
  g_ptr_array_unref (server->requests);
  g_ptr_array_unref (server->open);
  g_free (server);
}

/* ---- client helpers ------------------------------------------------- */

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *slot;
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

static ObHttpConnection *
client_connect (Server *server)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", server->port);

  g_socket_client_connect_to_host_async (client, host, 0, NULL, on_async_done, &result);
  connection = g_socket_client_connect_to_host_finish (client, wait_result (&result), &error);
  g_assert_no_error (error);
  return ob_http_connection_new (G_IO_STREAM (connection));
}

static ObHttpMessage *
make_request (const char *body)
{
  ObHttpMessage *request = ob_http_message_new_request ("POST", "/wsman");

  ob_http_message_append_header (request, "Host", "127.0.0.1:16992");
  ob_http_message_append_header (request, "Content-Type", "application/soap+xml;charset=UTF-8");
  ob_http_message_set_body_data (request, body, -1);
  return request;
}

static ObHttpMessage *
send_sync (ObHttpConnection  *conn,
           ObHttpMessage     *request,
           GCancellable      *cancellable,
           GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_http_connection_send_async (conn, request, cancellable, on_async_done, &result);
  return ob_http_connection_send_finish (conn, wait_result (&result), error);
}

static const char *
body_text (ObHttpMessage *message)
{
  GBytes *body = ob_http_message_get_body (message);
  static char buf[4096];
  gsize len = MIN (g_bytes_get_size (body), sizeof buf - 1);

  memcpy (buf, g_bytes_get_data (body, NULL), len);
  buf[len] = '\0';
  return buf;
}

/* ---- tests ---------------------------------------------------------- */

static void
test_keep_alive_reuse (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  server_script (server, STEP_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst", 1);
  server_script (server, STEP_REPLY, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n", 1);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(ObHttpMessage) request = make_request (i == 0 ? "<one/>" : "<two/>");
      g_autoptr(ObHttpMessage) response = send_sync (conn, request, cancellable, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
      /* Nothing of the exchange stays on the caller's cancellable. */
      g_assert_false (g_signal_has_handler_pending (cancellable, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE),
                                                    0, TRUE));
      g_assert_cmpstr (body_text (response), ==, i == 0 ? "first" : "second");
      g_assert_cmpuint (ob_http_connection_get_n_exchanges (conn), ==, i + 1);
      g_assert_true (ob_http_connection_is_reusable (conn));
    }

  /* One TCP connection carried both, and the server saw both bodies. */
  g_assert_cmpuint (server->n_connections, ==, 1);
  g_assert_cmpuint (server->requests->len, ==, 2);
  g_assert_cmpstr (body_text (g_ptr_array_index (server->requests, 1)), ==, "<two/>");
  g_assert_cmpstr (ob_http_message_get_header (g_ptr_array_index (server->requests, 0), "Content-Length"), ==, "6");

  ob_http_connection_close (conn);
  g_assert_true (ob_http_connection_is_closed (conn));
  server_free (server);
}

static void
test_chunked_in_pieces (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(ObHttpMessage) request = make_request ("<x/>");
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GError) error = NULL;
  GString *reply = g_string_new ("HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=UTF-8\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n");
  GString *expected = g_string_new (NULL);

  /* Many chunks, written in 40 separate pieces, so chunk boundaries and
   * read boundaries fall everywhere. */
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *data = g_strdup_printf ("<item n=\"%u\">%s</item>", i, i % 2 ? "odd" : "even");

      g_string_append_printf (reply, "%zx\r\n%s\r\n", strlen (data), data);
      g_string_append (expected, data);
    }
  g_string_append (reply, "0\r\n\r\n");
  server_script (server, STEP_REPLY, reply->str, 40);

  response = send_sync (conn, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (body_text (response), ==, expected->str);
  g_assert_true (ob_http_connection_is_reusable (conn));

  g_string_free (reply, TRUE);
  g_string_free (expected, TRUE);
  server_free (server);
}

static void
test_server_closes (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(GError) error = NULL;

  /* "Connection: close": the answer arrives, the connection is done. */
  {
    g_autoptr(ObHttpMessage) request = make_request ("<a/>");
    g_autoptr(ObHttpMessage) response = NULL;

    server_script (server, STEP_REPLY_AND_CLOSE,
                   "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 4\r\n\r\nnope", 1);
    response = send_sync (conn, request, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ob_http_message_get_status (response), ==, 401);
    g_assert_false (ob_http_connection_is_reusable (conn));
    g_assert_true (ob_http_connection_is_closed (conn));
  }

  /* Sending on a closed connection fails at once. */
  {
    g_autoptr(ObHttpMessage) request = make_request ("<b/>");
    g_autoptr(ObHttpMessage) response = send_sync (conn, request, NULL, &error);

    g_assert_null (response);
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED);
    g_clear_error (&error);
  }
  g_clear_object (&conn);

  /* The server reads the request and hangs up without a word. */
  {
    g_autoptr(ObHttpMessage) request = make_request ("<c/>");
    g_autoptr(ObHttpMessage) response = NULL;

    conn = client_connect (server);
    server_script (server, STEP_CLOSE, NULL, 0);
    response = send_sync (conn, request, NULL, &error);
    g_assert_null (response);
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED);
    g_clear_error (&error);
    g_assert_true (ob_http_connection_is_closed (conn));
    g_clear_object (&conn);
  }

  /* The device vanishes in the middle of its answer. */
  {
    g_autoptr(ObHttpMessage) request = make_request ("<d/>");
    g_autoptr(ObHttpMessage) response = NULL;

    conn = client_connect (server);
    server_script (server, STEP_REPLY_AND_CLOSE,
                   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nonly part of it", 3);
    response = send_sync (conn, request, NULL, &error);
    g_assert_null (response);
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_TRUNCATED);
    g_clear_error (&error);
    g_clear_object (&conn);
  }

  /* An idle keep-alive connection the peer closed is seen as unusable,
   * and a request sent on it anyway reports the close. */
  {
    g_autoptr(ObHttpMessage) request = make_request ("<e/>");
    g_autoptr(ObHttpMessage) again = make_request ("<f/>");
    g_autoptr(ObHttpMessage) response = NULL;

    conn = client_connect (server);
    server_script (server, STEP_REPLY_AND_CLOSE, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 1);
    response = send_sync (conn, request, NULL, &error);
    g_assert_no_error (error);
    spin (100);
    g_assert_false (ob_http_connection_is_reusable (conn));
    g_assert_false (ob_http_connection_is_closed (conn));
    g_clear_pointer (&response, ob_http_message_unref);

    response = send_sync (conn, again, NULL, &error);
    g_assert_null (response);
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED);
    g_clear_error (&error);
    g_clear_object (&conn);
  }

  server_free (server);
}

static void
test_timeout (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(ObHttpMessage) request = make_request ("<slow/>");
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint64 elapsed_ms;

  server_script (server, STEP_SILENT, NULL, 0);
  ob_http_connection_set_timeout (conn, 200);
  g_assert_cmpuint (ob_http_connection_get_timeout (conn), ==, 200);

  start = g_get_monotonic_time ();
  response = send_sync (conn, request, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_null (response);
  g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed_ms, >=, 190);
  g_assert_cmpint (elapsed_ms, <, 2000);
  g_assert_true (ob_http_connection_is_closed (conn));
  g_clear_error (&error);

  /* A slow but finished answer within the timeout is fine. */
  g_clear_object (&conn);
  conn = client_connect (server);
  ob_http_connection_set_timeout (conn, 2000);
  server_script (server, STEP_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 10);
  response = send_sync (conn, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (body_text (response), ==, "0123456789");

  server_free (server);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(ObHttpMessage) request = make_request ("<cancel/>");
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  server_script (server, STEP_SILENT, NULL, 0);
  g_timeout_add (50, cancel_later, cancellable);
  response = send_sync (conn, request, cancellable, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (ob_http_connection_is_closed (conn));
  g_clear_error (&error);
  g_clear_object (&conn);

  /* Already cancelled before starting. */
  conn = client_connect (server);
  response = send_sync (conn, request, cancellable, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  server_free (server);
}

static void
test_busy_and_close (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(ObHttpMessage) request = make_request ("<busy/>");
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GError) error = NULL;

  server_script (server, STEP_SILENT, NULL, 0);
  ob_http_connection_send_async (conn, request, NULL, on_async_done, &first);
  ob_http_connection_send_async (conn, request, NULL, on_async_done, &second);
  g_assert_false (ob_http_connection_is_reusable (conn));

  response = ob_http_connection_send_finish (conn, wait_result (&second), &error);
  g_assert_null (response);
  g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_BUSY);
  g_clear_error (&error);

  /* Closing while a request waits fails it as closed. */
  spin (20);
  ob_http_connection_close (conn);
  g_assert_null (first);
  response = ob_http_connection_send_finish (conn, wait_result (&first), &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_true (ob_http_connection_is_closed (conn));

  server_free (server);
}

static void
test_limits_and_interim (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(ObHttpMessage) request = make_request ("<x/>");
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GError) error = NULL;

  /* 100 Continue first, then the answer. */
  server_script (server, STEP_REPLY,
                 "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone", 2);
  response = send_sync (conn, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
  g_assert_cmpstr (body_text (response), ==, "done");
  g_clear_pointer (&response, ob_http_message_unref);

  /* A body over the limit. */
  ob_http_connection_set_limits (conn, 0, 0, 16);
  server_script (server, STEP_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n01234567890123456", 1);
  response = send_sync (conn, request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_BODY_TOO_LARGE);
  g_assert_true (ob_http_connection_is_closed (conn));
  g_clear_error (&error);
  g_clear_object (&conn);

  /* Junk after a complete response: answered, but not reused. */
  conn = client_connect (server);
  server_script (server, STEP_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE", 1);
  response = send_sync (conn, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (ob_http_connection_is_reusable (conn));
  g_clear_pointer (&response, ob_http_message_unref);
  g_clear_object (&conn);

  /* Not HTTP at all. */
  conn = client_connect (server);
  server_script (server, STEP_REPLY_AND_CLOSE, "SSH-2.0-OpenSSH_9.2\r\n", 1);
  response = send_sync (conn, request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_MALFORMED);

  server_free (server);
}

/* The server side of ObHttpConnection: what the simulator uses. */
typedef struct
{
  guint n_requests;
  gsize chunk_size;
} EchoServer;

static void echo_next (ObHttpConnection *conn, EchoServer *echo);

static void
on_echo_sent (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ObHttpConnection *conn = OB_HTTP_CONNECTION (source);
  g_autoptr(GError) error = NULL;

  if (ob_http_connection_send_response_finish (conn, result, &error) && !ob_http_connection_is_closed (conn))
    echo_next (conn, user_data);
  else
    g_object_unref (conn);
}

static void
on_echo_request (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ObHttpConnection *conn = OB_HTTP_CONNECTION (source);
  EchoServer *echo = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObHttpMessage) request = ob_http_connection_receive_request_finish (conn, result, &error);
  g_autoptr(ObHttpMessage) response = NULL;

  if (request == NULL)
    {
      g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED);
      g_object_unref (conn);
      return;
    }

  echo->n_requests++;
  response = ob_http_message_new_response (200, NULL);
  ob_http_message_append_header (response, "Content-Type", "application/soap+xml; charset=UTF-8");
  ob_http_message_set_body (response, ob_http_message_get_body (request));
  ob_http_connection_send_response_async (conn, response, echo->chunk_size, NULL, on_echo_sent, echo);
}

static void
echo_next (ObHttpConnection *conn,
           EchoServer       *echo)
{
  ob_http_connection_receive_request_async (conn, NULL, on_echo_request, echo);
}

static gboolean
on_echo_incoming (GSocketService    *service,
                  GSocketConnection *connection,
                  GObject           *source_object,
                  gpointer           user_data)
{
  echo_next (ob_http_connection_new (G_IO_STREAM (connection)), user_data);
  return TRUE;
}

static void
test_server_side (void)
{
  EchoServer echo = { 0, 7 };
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObHttpConnection) conn = NULL;
  Server fake = { 0 };

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  fake.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (service, "incoming", G_CALLBACK (on_echo_incoming), &echo);
  g_socket_service_start (service);

  conn = client_connect (&fake);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *body = g_strdup_printf ("<request number=\"%u\">%s</request>", i, "payload payload");
      g_autoptr(ObHttpMessage) request = make_request (body);
      g_autoptr(ObHttpMessage) response = NULL;

      if (i == 2)
        ob_http_message_append_header (request, "Connection", "close");
      response = send_sync (conn, request, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ob_http_message_get_header (response, "Transfer-Encoding"), ==, "chunked");
      g_assert_cmpstr (body_text (response), ==, body);
      g_assert_cmpint (ob_http_connection_is_reusable (conn), ==, i < 2);
    }
  g_assert_cmpuint (echo.n_requests, ==, 3);

  /* Pipelined: two requests in one write are both answered, in order. */
  g_clear_object (&conn);
  conn = client_connect (&fake);
  {
    GIOStream *stream = ob_http_connection_get_stream (conn);
    const char *two = "POST /wsman HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\none"
                      "POST /wsman HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\ntwo";
    GString *got = g_string_new (NULL);
    char buf[1024];
    gssize n;

    g_output_stream_write_all (g_io_stream_get_output_stream (stream), two, strlen (two), NULL, NULL, &error);
    g_assert_no_error (error);
    echo.chunk_size = 0;

    /* Read with the main loop turning so the server side can run. */
    while (TRUE)
      {
        GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));

        n = g_pollable_input_stream_read_nonblocking (in, buf, sizeof buf, NULL, &error);
        if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
          {
            g_clear_error (&error);
            g_main_context_iteration (NULL, TRUE);
            continue;
          }
        g_assert_no_error (error);
        if (n == 0)
          break;
        g_string_append_len (got, buf, n);
      }

    g_assert_nonnull (strstr (got->str, "\r\n\r\none"));
    g_assert_nonnull (strstr (got->str, "\r\n\r\ntwo"));
    g_assert_true (strstr (got->str, "one") < strstr (got->str, "two"));
    g_assert_cmpuint (echo.n_requests, ==, 5);
    g_string_free (got, TRUE);
  }

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

/* ---- timers and cancellation without GSources ------------------------ */

static gboolean
has_cancel_handler (GCancellable *cancellable)
{
  return g_signal_has_handler_pending (cancellable, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE), 0, TRUE);
}

static void
test_timeout_on_poller (void)
{
  Server *server = server_new ();
  g_autoptr(ObPoller) poller = ob_poller_get_for_context (NULL);
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(ObHttpMessage) request = make_request ("<slow/>");
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint base = ob_poller_get_n_timers (poller);
  gint64 start;
  gint64 elapsed_ms;

  /* The op's deadline is a timer on the context's shared poller, and the
   * caller's cancellable is watched by a handler, not a source. */
  server_script (server, STEP_SILENT, NULL, 0);
  ob_http_connection_set_timeout (conn, 150);
  start = g_get_monotonic_time ();
  ob_http_connection_send_async (conn, request, cancellable, on_async_done, &result);
  g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, base + 1);
  g_assert_true (has_cancel_handler (cancellable));

  response = ob_http_connection_send_finish (conn, wait_result (&result), &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_null (response);
  g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed_ms, >=, 140);
  g_assert_cmpint (elapsed_ms, <, 3000);
  g_assert_false (has_cancel_handler (cancellable));
  g_assert_false (g_cancellable_is_cancelled (cancellable));

  /* The timer goes with the connection. */
  g_clear_object (&result);
  g_clear_object (&conn);
  g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, base);

  server_free (server);
}

typedef struct
{
  GAsyncResult *result;
  gboolean      in_cancel;
  gboolean      completed_in_cancel;
} CancelProbe;

static void
on_probe_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CancelProbe *probe = user_data;

  probe->completed_in_cancel = probe->in_cancel;
  probe->result = g_object_ref (result);
}

static gboolean
cancel_probe_later (gpointer data)
{
  GCancellable *cancellable = data;
  CancelProbe *probe = g_object_get_data (G_OBJECT (cancellable), "probe");

  probe->in_cancel = TRUE;
  g_cancellable_cancel (cancellable);
  probe->in_cancel = FALSE;
  return G_SOURCE_REMOVE;
}

static void
test_cancel_not_reentrant (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(ObHttpMessage) request = make_request ("<cancel/>");
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CancelProbe probe = { 0 };

  /* Cancelled from a callback of the loop that runs the request. */
  server_script (server, STEP_SILENT, NULL, 0);
  server_script (server, STEP_SILENT, NULL, 0);
  ob_http_connection_set_timeout (conn, 10000);
  g_object_set_data (G_OBJECT (cancellable), "probe", &probe);
  ob_http_connection_send_async (conn, request, cancellable, on_probe_done, &probe);
  g_timeout_add (30, cancel_probe_later, cancellable);
  response = ob_http_connection_send_finish (conn, wait_result (&probe.result), &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (probe.completed_in_cancel);
  g_assert_false (has_cancel_handler (cancellable));
  g_assert_true (ob_http_connection_is_closed (conn));
  g_clear_error (&error);
  g_clear_object (&probe.result);

  /* Cancelled outside any iteration: nothing completes inside the call. */
  g_clear_object (&conn);
  conn = client_connect (server);
  g_clear_object (&cancellable);
  cancellable = g_cancellable_new ();
  ob_http_connection_send_async (conn, request, cancellable, on_probe_done, &probe);
  spin (20);
  g_cancellable_cancel (cancellable);
  g_assert_null (probe.result);
  response = ob_http_connection_send_finish (conn, wait_result (&probe.result), &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&probe.result);

  server_free (server);
}

typedef struct
{
  GCancellable *other;
  GAsyncResult *first;
  GAsyncResult *second;
  gboolean      second_before_first_returned;
  gboolean      in_first;
} TwoOps;

static void
on_first_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  TwoOps *two = user_data;

  two->first = g_object_ref (result);
  two->in_first = TRUE;
  g_cancellable_cancel (two->other);
  two->in_first = FALSE;
}

static void
on_second_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TwoOps *two = user_data;

  two->second_before_first_returned = two->in_first;
  two->second = g_object_ref (result);
}

static void
test_cancel_from_other_callback (void)
{
  Server *answering = server_new ();
  Server *silent = server_new ();
  g_autoptr(ObHttpConnection) a = client_connect (answering);
  g_autoptr(ObHttpConnection) b = client_connect (silent);
  g_autoptr(ObHttpMessage) request = make_request ("<two/>");
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GCancellable) other = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  TwoOps two = { other, NULL, NULL, FALSE, FALSE };

  server_script (answering, STEP_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 1);
  server_script (silent, STEP_SILENT, NULL, 0);
  ob_http_connection_send_async (b, request, other, on_second_done, &two);
  spin (20);
  ob_http_connection_send_async (a, request, NULL, on_first_done, &two);

  wait_result (&two.second);
  g_assert_nonnull (two.first);
  g_assert_false (two.second_before_first_returned);
  response = ob_http_connection_send_finish (a, two.first, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (body_text (response), ==, "ok");
  g_assert_true (ob_http_connection_is_reusable (a));
  g_clear_pointer (&response, ob_http_message_unref);
  response = ob_http_connection_send_finish (b, two.second, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (ob_http_connection_is_closed (b));

  g_clear_object (&two.first);
  g_clear_object (&two.second);
  server_free (answering);
  server_free (silent);
}

static gpointer
cancel_in_thread (gpointer data)
{
  g_usleep (50 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel_from_thread (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(ObHttpMessage) request = make_request ("<thread/>");
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GThread *thread;
  gint64 start = g_get_monotonic_time ();

  server_script (server, STEP_SILENT, NULL, 0);
  ob_http_connection_set_timeout (conn, 20000);
  thread = g_thread_new ("cancel", cancel_in_thread, cancellable);
  response = send_sync (conn, request, cancellable, &error);
  g_thread_join (thread);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, 5000);
  g_assert_false (has_cancel_handler (cancellable));

  server_free (server);
}

/* A request larger than the socket takes at once: the write starts without
 * blocking and finishes asynchronously, and every byte arrives in order. */
static void
test_large_request (void)
{
  Server *server = server_new ();
  g_autoptr(ObHttpConnection) conn = client_connect (server);
  g_autoptr(ObHttpMessage) request = ob_http_message_new_request ("POST", "/wsman");
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize size = 8 * 1024 * 1024;
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + (i >> 12));
  body = g_bytes_new_take (data, size);
  ob_http_message_append_header (request, "Host", "127.0.0.1");
  ob_http_message_set_body (request, body);

  server_script (server, STEP_REPLY, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbig", 1);
  ob_http_connection_set_timeout (conn, 30000);
  response = send_sync (conn, request, cancellable, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (body_text (response), ==, "big");
  g_assert_cmpuint (server->requests->len, ==, 1);
  g_assert_true (g_bytes_equal (ob_http_message_get_body (g_ptr_array_index (server->requests, 0)), body));
  g_assert_true (ob_http_connection_is_reusable (conn));
  g_assert_false (has_cancel_handler (cancellable));

  server_free (server);
}

typedef struct
{
  GAsyncResult *result;
  gboolean      in_call;
  gboolean      called_in_call;
} Immediate;

static void
on_immediate_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Immediate *im = user_data;

  im->called_in_call = im->in_call;
  im->result = g_object_ref (result);
}

/* A request that is already there and a reply written at once complete
 * inside the call that starts them; they still call back later, from the
 * poller, and no GSource is attached for them (GTask alone would use an
 * idle source each). */
static void
test_immediate_completion (void)
{
  g_autoptr(ObPoller) poller = ob_poller_get_for_context (NULL);
  GSocketConnection *ends[2] = { NULL, NULL };
  g_autoptr(ObHttpConnection) conn = NULL;
  g_autoptr(ObHttpMessage) request = NULL;
  g_autoptr(ObHttpMessage) response = ob_http_message_new_response (200, NULL);
  g_autoptr(GError) error = NULL;
  const char *raw = "POST /wsman HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nping";
  GInputStream *peer_in;
  Immediate im = { 0 };
  char buf[256];
  gsize got = 0;
  guint mark;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GSocket) socket = g_socket_new_from_fd (fds[i], &error);

      g_assert_no_error (error);
      ends[i] = g_socket_connection_factory_create_connection (socket);
    }
  conn = ob_http_connection_new (G_IO_STREAM (ends[0]));
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (ends[1])), raw, strlen (raw),
                             NULL, NULL, &error);
  g_assert_no_error (error);

  mark = source_count_mark ();
  im.in_call = TRUE;
  ob_http_connection_receive_request_async (conn, NULL, on_immediate_done, &im);
  im.in_call = FALSE;
  g_assert_cmpuint (source_count_since (&mark), ==, 0);
  g_assert_null (im.result);
  request = ob_http_connection_receive_request_finish (conn, wait_result (&im.result), &error);
  g_assert_no_error (error);
  g_assert_false (im.called_in_call);
  g_assert_cmpstr (body_text (request), ==, "ping");
  g_clear_object (&im.result);

  ob_http_message_append_header (response, "Content-Type", "text/plain");
  ob_http_message_set_body_data (response, "pong", -1);
  mark = source_count_mark ();
  im.in_call = TRUE;
  ob_http_connection_send_response_async (conn, response, 0, NULL, on_immediate_done, &im);
  im.in_call = FALSE;
  g_assert_cmpuint (source_count_since (&mark), ==, 0);
  g_assert_null (im.result);
  ob_http_connection_send_response_finish (conn, wait_result (&im.result), &error);
  g_assert_no_error (error);
  g_assert_false (im.called_in_call);
  g_assert_true (ob_http_connection_is_reusable (conn));
  g_clear_object (&im.result);

  /* And the reply is on the wire, whole. */
  peer_in = g_io_stream_get_input_stream (G_IO_STREAM (ends[1]));
  while (got < sizeof buf - 1)
    {
      gssize n = g_input_stream_read (peer_in, buf + got, sizeof buf - 1 - got, NULL, &error);

      g_assert_no_error (error);
      if (n <= 0)
        break;
      got += n;
      buf[got] = '\0';
      if (g_str_has_suffix (buf, "pong"))
        break;
    }
  g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 200"));
  g_assert_true (g_str_has_suffix (buf, "\r\n\r\npong"));

  ob_http_connection_close (conn);
  g_object_unref (ends[0]);
  g_object_unref (ends[1]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http-connection/keep-alive-reuse", test_keep_alive_reuse);
  g_test_add_func ("/http-connection/chunked-in-pieces", test_chunked_in_pieces);
  g_test_add_func ("/http-connection/server-closes", test_server_closes);
  g_test_add_func ("/http-connection/timeout", test_timeout);
  g_test_add_func ("/http-connection/cancel", test_cancel);
  g_test_add_func ("/http-connection/busy-and-close", test_busy_and_close);
  g_test_add_func ("/http-connection/limits-and-interim", test_limits_and_interim);
  g_test_add_func ("/http-connection/server-side", test_server_side);
  g_test_add_func ("/http-connection/timeout-on-poller", test_timeout_on_poller);
  g_test_add_func ("/http-connection/cancel-not-reentrant", test_cancel_not_reentrant);
  g_test_add_func ("/http-connection/cancel-from-other-callback", test_cancel_from_other_callback);
  g_test_add_func ("/http-connection/cancel-from-thread", test_cancel_from_thread);
  g_test_add_func ("/http-connection/large-request", test_large_request);
  g_test_add_func ("/http-connection/immediate-completion", test_immediate_completion);

  return g_test_run ();
}
