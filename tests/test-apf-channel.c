/* test-apf-channel.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Channels between an MPS-side session and a device-side session over a
 * socket pair, and against hand-made device bytes.
 *
 * WS-Man over CIRA: the device side's channel handler connects to the
 * simulator's WS-Man server on 127.0.0.1 (its real HTTP server, digest
 * and all) and splices the channel to that TCP connection with
 * g_io_stream_splice_async(), the way a device's firmware bridges a
 * forwarded port to its own web server.  ObWsmanClient on the MPS side
 * uses the session as its ObStreamSource, unchanged. */

#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "cira-test-util.h"
#include "ob-amt-power.h"
#include "ob-apf-session.h"
#include "ob-http-connection.h"
#include "ob-sim-fleet.h"
#include "ob-wsman-client.h"
#include "source-count-util.h"

#define GUID     "12345678-9abc-4def-8123-456789abcdef"
#define USER     "cira-user"
#define PASSWORD "Cira!Pass1"

/* ---- helpers ------------------------------------------------------------------ */

static void
socket_pair (GIOStream **a,
             GIOStream **b)
{
  int fds[2];
  g_autoptr(GSocket) sa = NULL;
  g_autoptr(GSocket) sb = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  sa = g_socket_new_from_fd (fds[0], NULL);
  sb = g_socket_new_from_fd (fds[1], NULL);
  *a = G_IO_STREAM (g_socket_connection_factory_create_connection (sa));
  *b = G_IO_STREAM (g_socket_connection_factory_create_connection (sb));
}

static void
authenticate (ObApfSession     *session,
              ObApfAuthRequest *request,
              gpointer          user_data)
{
  ob_apf_auth_request_complete (request,
                                g_strcmp0 (ob_apf_auth_request_get_username (request), USER) == 0
                                && g_strcmp0 (ob_apf_auth_request_get_password (request), PASSWORD) == 0);
}

/* A deterministic byte pattern, so any loss, duplication or reordering
 * shows. */
static GBytes *
pattern_bytes (gsize  len,
               guint  seed)
{
  guint8 *data = g_malloc (len);
  guint32 x = seed * 2654435761u + 1;

  for (gsize i = 0; i < len; i++)
    {
      x = x * 1103515245u + 12345u;
      data[i] = (guint8) (x >> 16);
    }
  return g_bytes_new_take (data, len);
}

/* ---- fixture: MPS session <-> device session ------------------------------------ */

typedef enum
{
  DEVICE_KEEP,          /* keep each channel for the test to use */
  DEVICE_SPLICE_TCP,    /* bridge to the simulator's WS-Man server */
  DEVICE_HTTP_BIG,      /* answer one HTTP request with a big body */
  DEVICE_WRITE_CLOSE,   /* write a big block, close at once */
} DeviceMode;

typedef struct
{
  ObApfSession *server;
  ObApfSession *client;
  DeviceMode    mode;
  GPtrArray    *device_channels;
  guint         n_handled;

  /* DEVICE_SPLICE_TCP */
  guint         sim_port;
  guint         n_splices_running;

  /* DEVICE_HTTP_BIG / DEVICE_WRITE_CLOSE */
  GBytes       *device_body;
  GBytes       *expected_request_body;
  gboolean      device_request_ok;
  gboolean      device_done;
  ObHttpConnection *device_conn;
} Fixture;

static void
on_splice_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Fixture *f = user_data;

  g_io_stream_splice_finish (result, NULL);
  f->n_splices_running--;
}

typedef struct
{
  Fixture      *f;
  ObApfChannel *channel;
} Bridge;

static void
on_tcp_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Bridge *bridge = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) tcp = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);

  g_assert_no_error (error);
  g_io_stream_splice_async (G_IO_STREAM (bridge->channel), G_IO_STREAM (tcp),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, on_splice_done, bridge->f);
  g_object_unref (bridge->channel);
  g_free (bridge);
}

static void
on_device_response_sent (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  ob_http_connection_send_response_finish (OB_HTTP_CONNECTION (source), result, &error);
  g_assert_no_error (error);
  f->device_done = TRUE;
}

static void
on_device_request (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObHttpMessage) request = ob_http_connection_receive_request_finish (OB_HTTP_CONNECTION (source),
                                                                                 result, &error);
  g_autoptr(ObHttpMessage) response = NULL;

  g_assert_no_error (error);
  f->device_request_ok = g_bytes_equal (ob_http_message_get_body (request), f->expected_request_body);
  response = ob_http_message_new_response (200, NULL);
  ob_http_message_set_body (response, f->device_body);
  ob_http_connection_send_response_async (OB_HTTP_CONNECTION (source), response, 16384, NULL,
                                          on_device_response_sent, f);
}

static void
on_device_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;
  GIOStream *channel = g_ptr_array_index (f->device_channels, f->device_channels->len - 1);

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  g_assert_no_error (error);
  /* Close at once: the window has not let everything out yet. */
  g_io_stream_close (channel, NULL, &error);
  g_assert_no_error (error);
  f->device_done = TRUE;
}

static void
device_channel_handler (ObApfSession *session,
                        ObApfChannel *channel,
                        gpointer      user_data)
{
  Fixture *f = user_data;

  f->n_handled++;
  g_assert_cmpuint (ob_apf_channel_get_local_id (channel), >=, 256);
  g_assert_cmpuint (ob_apf_channel_get_remote_id (channel), >=, 4);
  g_assert_cmpuint (ob_apf_channel_get_window_size (channel), ==, ob_apf_session_get_window_size (session));

  switch (f->mode)
    {
    case DEVICE_KEEP:
      g_ptr_array_add (f->device_channels, g_object_ref (channel));
      break;

    case DEVICE_SPLICE_TCP:
      {
        g_autoptr(GSocketClient) tcp_client = g_socket_client_new ();
        Bridge *bridge = g_new0 (Bridge, 1);

        g_assert_cmpuint (ob_apf_channel_get_port (channel), ==, 16992);
        bridge->f = f;
        bridge->channel = g_object_ref (channel);
        f->n_splices_running++;
        g_socket_client_set_enable_proxy (tcp_client, FALSE);
        g_socket_client_connect_to_host_async (tcp_client, "127.0.0.1", (guint16) f->sim_port, NULL,
                                               on_tcp_connected, bridge);
      }
      break;

    case DEVICE_HTTP_BIG:
      g_ptr_array_add (f->device_channels, g_object_ref (channel));
      f->device_conn = ob_http_connection_new (G_IO_STREAM (channel));
      ob_http_connection_set_limits (f->device_conn, 0, 0, 8 * 1024 * 1024);
      ob_http_connection_receive_request_async (f->device_conn, NULL, on_device_request, f);
      break;

    case DEVICE_WRITE_CLOSE:
      {
        gsize len;
        gconstpointer data = g_bytes_get_data (f->device_body, &len);

        g_ptr_array_add (f->device_channels, g_object_ref (channel));
        g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (channel)), data, len,
                                         G_PRIORITY_DEFAULT, NULL, on_device_written, f);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
device_ready (gpointer data)
{
  Fixture *f = data;

  return ob_apf_session_has_forwarded_port (f->client, 5900) || ob_apf_session_is_closed (f->client);
}

static void
fixture_start (Fixture *f,
               guint32  server_window,
               guint32  client_window)
{
  GIOStream *a, *b;

  socket_pair (&a, &b);
  f->server = ob_apf_session_new_server (a);
  f->client = ob_apf_session_new_client (b, GUID, USER, PASSWORD);
  g_object_unref (a);
  g_object_unref (b);
  f->device_channels = g_ptr_array_new_with_free_func (g_object_unref);

  ob_apf_session_set_authenticator (f->server, authenticate, NULL, NULL);
  ob_apf_session_set_channel_handler (f->client, device_channel_handler, f, NULL);
  ob_apf_session_set_window_size (f->server, server_window);
  ob_apf_session_set_window_size (f->client, client_window);
  ob_apf_session_start (f->server);
  ob_apf_session_start (f->client);
  g_assert_true (cira_test_wait_until (device_ready, f, 5000));
  g_assert_false (ob_apf_session_is_closed (f->client));
  g_assert_true (ob_apf_session_is_authenticated (f->server));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_start (f, OB_APF_DEFAULT_WINDOW_SIZE, OB_APF_DEFAULT_WINDOW_SIZE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->device_conn);
  g_clear_pointer (&f->device_channels, g_ptr_array_unref);
  ob_apf_session_close (f->client, OB_APF_CLOSE_REASON_LOCAL);
  ob_apf_session_close (f->server, OB_APF_CLOSE_REASON_LOCAL);
  cira_test_assert_finalized (f->client);
  cira_test_assert_finalized (f->server);
  g_clear_pointer (&f->device_body, g_bytes_unref);
  g_clear_pointer (&f->expected_request_body, g_bytes_unref);
}

static ObApfChannel *
open_channel (ObApfSession *session,
              guint         port,
              GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_apf_session_open_channel_async (session, port, NULL, cira_test_store_result, &result);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 5000));
  return ob_apf_session_open_channel_finish (session, result, error);
}

/* ---- WS-Man over CIRA ----------------------------------------------------------- */

static gboolean
no_splices (gpointer data)
{
  return ((Fixture *) data)->n_splices_running == 0;
}

static void
test_wsman (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  g_autoptr(ObWsmanClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *host = NULL;
  ObSimDevice *device;
  guint state = 0, os_state = 0, rv = 99;

  device = ob_sim_fleet_add_device (fleet, "127.0.0.1", 0, 0, NULL, &error);
  g_assert_no_error (error);
  f->mode = DEVICE_SPLICE_TCP;
  f->sim_port = ob_sim_device_get_http_port (device);

  /* The session is the WS-Man client's stream source: nothing in the
   * client knows it runs over CIRA. */
  g_assert_true (OB_IS_STREAM_SOURCE (f->server));
  host = g_strdup_printf ("%s:16992", GUID);
  client = ob_wsman_client_new (OB_STREAM_SOURCE (f->server), 16992, host,
                                OB_SIM_DEFAULT_USERNAME, OB_SIM_DEFAULT_PASSWORD);

  ob_amt_power_state_async (client, NULL, cira_test_store_result, &result);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 10000));
  node = ob_amt_power_state_finish (client, result, &state, &os_state, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpuint (state, ==, ob_sim_device_get_power_state (device));
  g_clear_object (&result);
  g_clear_pointer (&node, json_node_unref);

  /* A power action changes the simulated device, over the same path. */
  ob_amt_power_action_async (client, 8, NULL, cira_test_store_result, &result);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 10000));
  node = ob_amt_power_action_finish (client, result, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 0);
  g_assert_cmpuint (ob_sim_device_get_power_state (device), ==, 8);
  g_clear_object (&result);
  g_clear_pointer (&node, json_node_unref);

  /* An enumeration (Enumerate + Pull). */
  ob_wsman_client_enumerate_async (client, "CIM_SoftwareIdentity", NULL, cira_test_store_result, &result);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 10000));
  {
    g_autoptr(GPtrArray) items = ob_wsman_client_enumerate_finish (client, result, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (items->len, >, 0);
  }

  /* Every stream the client opened was a channel to 16992, each bridged
   * by the device side. */
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (client), >=, 1);
  g_assert_cmpuint (f->n_handled, ==, ob_wsman_client_get_n_streams_opened (client));
  g_assert_cmpuint (ob_apf_session_get_n_channels (f->server), ==, ob_wsman_client_get_n_idle_connections (client));

  /* Shutting the client down closes its channels; the device's bridges
   * see the close and finish. */
  ob_wsman_client_shutdown (client);
  g_assert_true (cira_test_wait_until (no_splices, f, 5000));
  g_assert_cmpuint (ob_apf_session_get_n_channels (f->server), ==, 0);
  g_assert_cmpuint (ob_apf_session_get_n_channels (f->client), ==, 0);
}

/* ---- flow control ------------------------------------------------------------ */

static void
test_flow_control (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ObApfChannel) channel = NULL;
  g_autoptr(ObHttpConnection) conn = NULL;
  g_autoptr(ObHttpMessage) request = NULL;
  g_autoptr(ObHttpMessage) response = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ObApfChannel *device_channel;

  fixture_start (f, OB_APF_MIN_WINDOW_SIZE, OB_APF_MIN_WINDOW_SIZE);
  /* A send buffer smaller than the data, so writers wait for credits. */
  ob_apf_session_set_max_channel_buffer (f->server, 48 * 1024);
  ob_apf_session_set_max_channel_buffer (f->client, 48 * 1024);
  f->mode = DEVICE_HTTP_BIG;
  f->device_body = pattern_bytes (2 * 1024 * 1024, 1);
  f->expected_request_body = pattern_bytes (2 * 1024 * 1024 + 17, 2);

  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_apf_channel_get_window_size (channel), ==, 32768);

  conn = ob_http_connection_new (G_IO_STREAM (channel));
  ob_http_connection_set_limits (conn, 0, 0, 8 * 1024 * 1024);
  request = ob_http_message_new_request ("POST", "/upload");
  ob_http_message_append_header (request, "Host", GUID ":16992");
  ob_http_message_set_body (request, f->expected_request_body);
  ob_http_connection_send_async (conn, request, NULL, cira_test_store_result, &result);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 30000));
  response = ob_http_connection_send_finish (conn, result, &error);
  g_assert_no_error (error);

  /* 2 MiB each way arrived intact... */
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
  g_assert_true (g_bytes_equal (ob_http_message_get_body (response), f->device_body));
  g_assert_true (f->device_request_ok);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &f->device_done, 5000));

  /* ...through 32 KiB windows: never more than a window waiting on either
   * side, and credits went back many times. */
  device_channel = g_ptr_array_index (f->device_channels, 0);
  g_assert_cmpuint (ob_apf_channel_get_max_receive_buffered (channel), <=, 32768);
  g_assert_cmpuint (ob_apf_channel_get_max_receive_buffered (device_channel), <=, 32768);
  g_assert_cmpuint (ob_apf_channel_get_n_window_adjusts_sent (channel), >=, 2 * 1024 * 1024 / 32768);
  g_assert_cmpuint (ob_apf_channel_get_n_window_adjusts_received (device_channel),
                    ==, ob_apf_channel_get_n_window_adjusts_sent (channel));
  g_assert_cmpuint (ob_apf_channel_get_n_window_adjusts_sent (device_channel), >=, 2 * 1024 * 1024 / 32768);
  g_assert_cmpuint (ob_apf_channel_get_bytes_received (channel), ==,
                    ob_apf_channel_get_bytes_sent (device_channel));
  g_assert_cmpuint (ob_apf_channel_get_bytes_received (channel), >, 2 * 1024 * 1024);
  g_assert_cmpuint (ob_apf_channel_get_bytes_received (device_channel), ==,
                    ob_apf_channel_get_bytes_sent (channel));
}

/* ---- open failures and limits -------------------------------------------------- */

static void
test_open_failure (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;

  /* A port the device never forwarded. */
  channel = open_channel (f->server, 9999, &error);
  g_assert_null (channel);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_OPEN_FAILED);
  g_assert_nonnull (strstr (error->message, "ADMINISTRATIVELY_PROHIBITED"));
  g_assert_nonnull (strstr (error->message, "9999"));
  g_clear_error (&error);
  g_assert_cmpuint (ob_apf_session_get_n_channels (f->server), ==, 0);

  /* A forwarded port, but nothing on the device serves channels. */
  ob_apf_session_set_channel_handler (f->client, NULL, NULL, NULL);
  channel = open_channel (f->server, 16994, &error);
  g_assert_null (channel);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_OPEN_FAILED);
  g_assert_nonnull (strstr (error->message, "CONNECT_FAILED"));
  g_clear_error (&error);

  /* The session is fine afterwards. */
  ob_apf_session_set_channel_handler (f->client, device_channel_handler, f, NULL);
  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  g_assert_nonnull (channel);
  g_assert_cmpuint (ob_apf_channel_get_port (channel), ==, 16992);
}

static void
test_too_many_channels (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) c1 = NULL;
  g_autoptr(ObApfChannel) c2 = NULL;
  g_autoptr(ObApfChannel) c3 = NULL;

  ob_apf_session_set_max_channels (f->server, 2);
  c1 = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  c2 = open_channel (f->server, 16994, &error);
  g_assert_no_error (error);
  c3 = open_channel (f->server, 16992, &error);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_TOO_MANY_CHANNELS);
  g_assert_null (c3);
  g_clear_error (&error);

  /* MPS ids count up from 4 on this connection. */
  g_assert_cmpuint (ob_apf_channel_get_local_id (c1), ==, 4);
  g_assert_cmpuint (ob_apf_channel_get_local_id (c2), ==, 5);
  g_assert_cmpuint (ob_apf_channel_get_remote_id (c1), ==,
                    ob_apf_channel_get_local_id (g_ptr_array_index (f->device_channels, 0)));

  /* Closing one makes room. */
  g_io_stream_close (G_IO_STREAM (c1), NULL, &error);
  g_assert_no_error (error);
  c3 = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_apf_channel_get_local_id (c3), ==, 6);
}

static void
test_open_refused_by_state (void)
{
  GIOStream *a, *b;
  g_autoptr(ObApfSession) server = NULL;
  g_autoptr(ObApfSession) client = NULL;
  g_autoptr(GError) error = NULL;
  ObApfChannel *channel;

  socket_pair (&a, &b);
  server = ob_apf_session_new_server (a);
  client = ob_apf_session_new_client (b, GUID, USER, PASSWORD);
  g_object_unref (a);
  g_object_unref (b);

  channel = open_channel (server, 16992, &error);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_NOT_AUTHENTICATED);
  g_assert_null (channel);
  g_clear_error (&error);

  channel = open_channel (client, 16992, &error);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_NOT_SUPPORTED);
  g_assert_null (channel);
  g_clear_error (&error);

  ob_apf_session_close (server, OB_APF_CLOSE_REASON_LOCAL);
  channel = open_channel (server, 16992, &error);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_CLOSED);
  g_assert_null (channel);
}

/* ---- closing ----------------------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  gssize    n;
  GError   *error;
  guint8    buffer[256];
} Read;

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Read *r = user_data;

  r->n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &r->error);
  r->done = TRUE;
}

static void
start_read (GIOStream *stream,
            Read      *r)
{
  memset (r, 0, sizeof *r);
  g_input_stream_read_async (g_io_stream_get_input_stream (stream), r->buffer, sizeof r->buffer,
                             G_PRIORITY_DEFAULT, NULL, on_read, r);
}

static gboolean
no_channels (gpointer data)
{
  Fixture *f = data;

  return ob_apf_session_get_n_channels (f->server) == 0 && ob_apf_session_get_n_channels (f->client) == 0;
}

static void
test_close_from_mps (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;
  GIOStream *device_channel;
  Read r;

  channel = open_channel (f->server, 16994, &error);
  g_assert_no_error (error);
  device_channel = g_ptr_array_index (f->device_channels, 0);

  /* Some data first, so the close comes after it. */
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (channel)), "bye", 3, NULL, NULL, &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (channel), NULL, &error);
  g_assert_no_error (error);

  start_read (device_channel, &r);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_no_error (r.error);
  g_assert_cmpmem (r.buffer, r.n, "bye", 3);

  /* Then EOF, once. */
  start_read (device_channel, &r);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_no_error (r.error);
  g_assert_cmpint (r.n, ==, 0);
  g_assert_true (ob_apf_channel_is_peer_closed (OB_APF_CHANNEL (device_channel)));

  /* Writing to a channel the peer closed. */
  g_output_stream_write (g_io_stream_get_output_stream (device_channel), "x", 1, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_clear_error (&error);

  g_assert_true (cira_test_wait_until (no_channels, f, 5000));
  g_io_stream_close (device_channel, NULL, &error);
  g_assert_no_error (error);
}

/* The device writes more than the window, then closes at once: all of it
 * still arrives, then EOF. */
typedef struct
{
  GByteArray *data;
  gboolean    eof;
  GError     *error;
  guint8      buffer[7000];
} Drain;

static void drain_next (GInputStream *input, Drain *d);

static void
on_drain_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Drain *d = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &d->error);

  if (n > 0)
    {
      g_byte_array_append (d->data, d->buffer, (guint) n);
      drain_next (G_INPUT_STREAM (source), d);
    }
  else
    d->eof = TRUE;
}

static void
drain_next (GInputStream *input,
            Drain        *d)
{
  g_input_stream_read_async (input, d->buffer, sizeof d->buffer, G_PRIORITY_DEFAULT, NULL, on_drain_read, d);
}

static void
test_close_from_device (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;
  Drain d = { g_byte_array_new (), FALSE, NULL, { 0 } };
  g_autoptr(GBytes) got = NULL;

  fixture_start (f, OB_APF_MIN_WINDOW_SIZE, OB_APF_MIN_WINDOW_SIZE);
  f->mode = DEVICE_WRITE_CLOSE;
  f->device_body = pattern_bytes (200 * 1024, 3);
  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);

  drain_next (g_io_stream_get_input_stream (G_IO_STREAM (channel)), &d);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &d.eof, 10000));
  g_assert_no_error (d.error);
  got = g_byte_array_free_to_bytes (d.data);
  g_assert_true (g_bytes_equal (got, f->device_body));
  g_assert_true (f->device_done);
  g_assert_true (ob_apf_channel_is_peer_closed (channel));

  g_output_stream_write (g_io_stream_get_output_stream (G_IO_STREAM (channel)), "x", 1, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_true (cira_test_wait_until (no_channels, f, 5000));
}

/* Dropping the last reference to a channel closes it too. */
static void
test_drop_closes (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ObApfChannel *channel;
  Read r;

  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  start_read (g_ptr_array_index (f->device_channels, 0), &r);
  g_object_unref (channel);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_cmpint (r.n, ==, 0);
  g_assert_true (cira_test_wait_until (no_channels, f, 5000));
}

/* ---- losing the connection --------------------------------------------------------- */

static void
test_session_loss (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;
  GIOStream *device_channel;
  Read r;

  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  device_channel = g_ptr_array_index (f->device_channels, 0);

  /* The device sends a little and disconnects: the MPS reader gets the
   * data, then an error (not a clean EOF). */
  g_output_stream_write_all (g_io_stream_get_output_stream (device_channel), "last", 4, NULL, NULL, &error);
  g_assert_no_error (error);
  ob_apf_session_disconnect (f->client, OB_APF_DISCONNECT_CONNECTION_LOST);

  start_read (G_IO_STREAM (channel), &r);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_no_error (r.error);
  g_assert_cmpmem (r.buffer, r.n, "last", 4);

  start_read (G_IO_STREAM (channel), &r);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&r.error);
  g_assert_true (ob_apf_session_is_closed (f->server));

  g_output_stream_write (g_io_stream_get_output_stream (G_IO_STREAM (channel)), "x", 1, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&error);

  /* The device's own channel failed with its session. */
  g_output_stream_write (g_io_stream_get_output_stream (device_channel), "x", 1, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

/* A read already waiting when the connection goes. */
static void
test_session_loss_pending_read (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;
  Read r;

  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  start_read (G_IO_STREAM (channel), &r);
  cira_test_spin_ms (20);
  g_assert_false (r.done);

  ob_apf_session_close (f->client, OB_APF_CLOSE_REASON_LOCAL);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&r.error);
  g_assert_cmpint (ob_apf_session_get_close_reason (f->server), ==, OB_APF_CLOSE_REASON_PEER_CLOSED);
}

/* An open still waiting when the connection goes. */
static void
test_session_loss_pending_open (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ObApfChannel *channel;

  ob_apf_session_open_channel_async (f->server, 16992, NULL, cira_test_store_result, &result);
  ob_apf_session_close (f->client, OB_APF_CLOSE_REASON_LOCAL);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 5000));
  channel = ob_apf_session_open_channel_finish (f->server, result, &error);
  g_assert_null (channel);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_CLOSED);
}

/* A cancelled open: the caller hears at once; the late confirmation is
 * answered with CHANNEL_CLOSE. */
static gboolean
device_channel_closed (gpointer data)
{
  Fixture *f = data;

  return f->device_channels->len == 1
         && ob_apf_channel_is_peer_closed (g_ptr_array_index (f->device_channels, 0));
}

static void
test_cancel_open (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ObApfChannel *channel;

  ob_apf_session_open_channel_async (f->server, 16992, cancellable, cira_test_store_result, &result);
  g_cancellable_cancel (cancellable);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 5000));
  channel = ob_apf_session_open_channel_finish (f->server, result, &error);
  g_assert_null (channel);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_true (cira_test_wait_until (device_channel_closed, f, 5000));
  g_assert_true (cira_test_wait_until (no_channels, f, 5000));

  /* Already cancelled: fails before anything is sent. */
  g_clear_object (&result);
  g_clear_error (&error);
  ob_apf_session_open_channel_async (f->server, 16992, cancellable, cira_test_store_result, &result);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 5000));
  g_assert_null (ob_apf_session_open_channel_finish (f->server, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->n_handled, ==, 1);
}

/* ---- against hand-made device bytes ---------------------------------------------------- */

typedef struct
{
  ObApfSession *server;
  GIOStream    *stream;
  GByteArray   *acc;
  GBytes       *last;
  GSource      *source;
  gboolean      eof;
  GByteArray   *out;
} Raw;

static gboolean
raw_on_readable (GObject  *stream,
                 gpointer  user_data)
{
  Raw *raw = user_data;
  guint8 buffer[65536];
  g_autoptr(GError) error = NULL;
  gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer,
                                                       sizeof buffer, NULL, &error);

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      raw->eof = TRUE;
      g_clear_pointer (&raw->source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  g_byte_array_append (raw->acc, buffer, (guint) n);
  return G_SOURCE_CONTINUE;
}

static void
raw_send (Raw *raw)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (raw->stream), raw->out->data, raw->out->len,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_byte_array_set_size (raw->out, 0);
}

static gboolean
raw_has_message (gpointer data)
{
  Raw *raw = data;
  ObApfMessage m = { 0 };
  gsize used;
  ObApfDecodeStatus st = ob_apf_message_decode (raw->acc->data, raw->acc->len, &m, &used, NULL);

  ob_apf_message_clear (&m);
  return st != OB_APF_DECODE_NEED_MORE || raw->eof;
}

static void
raw_next (Raw          *raw,
          ObApfMessage *out)
{
  gsize used = 0;

  g_assert_true (cira_test_wait_until (raw_has_message, raw, 5000));
  g_clear_pointer (&raw->last, g_bytes_unref);
  raw->last = g_bytes_new (raw->acc->data, raw->acc->len);
  g_assert_cmpint (ob_apf_message_decode (g_bytes_get_data (raw->last, NULL), raw->acc->len, out, &used, NULL),
                   ==, OB_APF_DECODE_OK);
  g_byte_array_remove_range (raw->acc, 0, (guint) used);
}

static void
raw_expect (Raw   *raw,
            guint8 type)
{
  g_auto(ObApfMessage) m = { 0 };

  raw_next (raw, &m);
  g_assert_cmpstr (ob_apf_message_type_to_string (m.type), ==, ob_apf_message_type_to_string (type));
}

static void
raw_setup (Raw           *raw,
           gconstpointer  data)
{
  GIOStream *a;

  socket_pair (&a, &raw->stream);
  raw->server = ob_apf_session_new_server (a);
  g_object_unref (a);
  ob_apf_session_set_authenticator (raw->server, authenticate, NULL, NULL);
  ob_apf_session_set_window_size (raw->server, OB_APF_MIN_WINDOW_SIZE);
  ob_apf_session_start (raw->server);
  raw->acc = g_byte_array_new ();
  raw->out = g_byte_array_new ();
  raw->source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (raw->stream)),
                                                       NULL);
  g_source_set_callback (raw->source, (GSourceFunc) raw_on_readable, raw, NULL);
  g_source_attach (raw->source, NULL);

  ob_apf_encode_protocol_version (raw->out, 1, 0, OB_APF_TRIGGER_PERIODIC, GUID);
  ob_apf_encode_service_request (raw->out, OB_APF_SERVICE_AUTH);
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", PASSWORD);
  ob_apf_encode_service_request (raw->out, OB_APF_SERVICE_PFWD);
  ob_apf_encode_tcpip_forward (raw->out, FALSE, TRUE, "", 16992);
  raw_send (raw);
  raw_expect (raw, OB_APF_SERVICE_ACCEPT);
  raw_expect (raw, OB_APF_USERAUTH_SUCCESS);
  raw_expect (raw, OB_APF_SERVICE_ACCEPT);
  raw_expect (raw, OB_APF_REQUEST_SUCCESS);
}

static void
raw_teardown (Raw           *raw,
              gconstpointer  data)
{
  ob_apf_session_close (raw->server, OB_APF_CLOSE_REASON_LOCAL);
  cira_test_assert_finalized (raw->server);
  if (raw->source != NULL)
    {
      g_source_destroy (raw->source);
      g_source_unref (raw->source);
    }
  g_clear_pointer (&raw->last, g_bytes_unref);
  g_byte_array_unref (raw->acc);
  g_byte_array_unref (raw->out);
  g_object_unref (raw->stream);
}

/* Open a channel, check the CHANNEL_OPEN on the wire, confirm it with
 * @device_id and @window. */
static ObApfChannel *
raw_open (Raw     *raw,
          guint32  expected_id,
          guint32  expected_source_port,
          guint32  device_id,
          guint32  window)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(ObApfMessage) m = { 0 };
  ObApfChannel *channel;

  ob_apf_session_open_channel_async (raw->server, 16992, NULL, cira_test_store_result, &result);
  raw_next (raw, &m);
  g_assert_cmpint (m.type, ==, OB_APF_CHANNEL_OPEN);
  g_assert_cmpstr (m.channel_open.channel_type, ==, "forwarded-tcpip");
  g_assert_cmpuint (m.channel_open.sender_channel, ==, expected_id);
  g_assert_cmpuint (m.channel_open.initial_window, ==, OB_APF_MIN_WINDOW_SIZE);
  g_assert_cmpuint (m.channel_open.max_packet, ==, 0xffffffff);
  g_assert_cmpstr (m.channel_open.connected_address, ==, "");
  g_assert_cmpuint (m.channel_open.connected_port, ==, 16992);
  g_assert_cmpstr (m.channel_open.originator_address, ==, "1.2.3.4");
  g_assert_cmpuint (m.channel_open.originator_port, ==, expected_source_port);

  ob_apf_encode_channel_open_confirmation (raw->out, expected_id, device_id, window, 0);
  raw_send (raw);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 5000));
  channel = ob_apf_session_open_channel_finish (raw->server, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_apf_channel_get_local_id (channel), ==, expected_id);
  g_assert_cmpuint (ob_apf_channel_get_remote_id (channel), ==, device_id);
  return channel;
}

static void
test_raw_open_and_ids (Raw           *raw,
                       gconstpointer  data)
{
  g_autoptr(ObApfChannel) c1 = raw_open (raw, 4, 1024, 0x1000, 4096);
  g_autoptr(ObApfChannel) c2 = raw_open (raw, 5, 1025, 0x2000, 4096);
  g_auto(ObApfMessage) m = { 0 };
  g_autoptr(GError) error = NULL;

  /* Our close goes to the device's id, once. */
  g_io_stream_close (G_IO_STREAM (c2), NULL, &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (c2), NULL, &error);
  g_assert_no_error (error);
  raw_next (raw, &m);
  g_assert_cmpint (m.type, ==, OB_APF_CHANNEL_CLOSE);
  g_assert_cmpuint (m.channel_close.recipient_channel, ==, 0x2000);
  ob_apf_message_clear (&m);

  /* The device's CLOSE of c1: answered with one CLOSE. */
  ob_apf_encode_channel_close (raw->out, 4);
  ob_apf_encode_keepalive_request (raw->out, 1);
  raw_send (raw);
  raw_next (raw, &m);
  g_assert_cmpint (m.type, ==, OB_APF_CHANNEL_CLOSE);
  g_assert_cmpuint (m.channel_close.recipient_channel, ==, 0x1000);
  ob_apf_message_clear (&m);
  raw_expect (raw, OB_APF_KEEPALIVE_REPLY);
  g_assert_cmpuint (ob_apf_session_get_n_channels (raw->server), ==, 0);
}

/* Sending: exactly the peer's credits go out, WINDOW_ADJUST releases more. */
static guint
raw_collect_data (Raw     *raw,
                  guint32  recipient,
                  GString *into)
{
  guint n_messages = 0;

  /* What the session can send right now arrives promptly. */
  cira_test_spin_ms (50);
  for (;;)
    {
      g_auto(ObApfMessage) m = { 0 };
      gsize used = 0;

      if (ob_apf_message_decode (raw->acc->data, raw->acc->len, &m, &used, NULL) != OB_APF_DECODE_OK)
        break;
      g_assert_cmpint (m.type, ==, OB_APF_CHANNEL_DATA);
      g_assert_cmpuint (m.channel_data.recipient_channel, ==, recipient);
      g_string_append_len (into, (const char *) m.channel_data.data, (gssize) m.channel_data.length);
      ob_apf_message_clear (&m);
      g_byte_array_remove_range (raw->acc, 0, (guint) used);
      n_messages++;
    }
  return n_messages;
}

static void
test_raw_send_credits (Raw           *raw,
                       gconstpointer  data)
{
  g_autoptr(ObApfChannel) channel = raw_open (raw, 4, 1024, 77, 1000);
  g_autoptr(GBytes) payload = pattern_bytes (5000, 9);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  /* The channel buffers all of it (under the buffer cap)... */
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (channel)),
                             g_bytes_get_data (payload, NULL), 5000, &written, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (written, ==, 5000);

  /* ...but sends only the 1000 bytes of credit. */
  raw_collect_data (raw, 77, got);
  g_assert_cmpuint (got->len, ==, 1000);

  ob_apf_encode_window_adjust (raw->out, 4, 1500);
  raw_send (raw);
  raw_collect_data (raw, 77, got);
  g_assert_cmpuint (got->len, ==, 2500);

  ob_apf_encode_window_adjust (raw->out, 4, 100000);
  raw_send (raw);
  raw_collect_data (raw, 77, got);
  g_assert_cmpuint (got->len, ==, 5000);
  g_assert_cmpmem (got->str, got->len, g_bytes_get_data (payload, NULL), 5000);
  g_assert_cmpuint (ob_apf_channel_get_n_window_adjusts_received (channel), ==, 2);
}

/* Receiving: WINDOW_ADJUST goes back once more than half the window was
 * read, for exactly what was read. */
static void
test_raw_window_adjust (Raw           *raw,
                        gconstpointer  data)
{
  g_autoptr(ObApfChannel) channel = raw_open (raw, 4, 1024, 55, 4096);
  g_autoptr(GBytes) payload = pattern_bytes (20000, 4);
  g_auto(ObApfMessage) m = { 0 };
  guint8 buffer[20000];
  g_autoptr(GError) error = NULL;
  gssize n;

  ob_apf_encode_channel_data (raw->out, 4, g_bytes_get_data (payload, NULL), 20000);
  raw_send (raw);
  cira_test_spin_ms (50);

  /* Nothing read yet: no credit back. */
  g_assert_cmpuint (raw->acc->len, ==, 0);

  n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (channel)), buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 20000);
  g_assert_cmpmem (buffer, 20000, g_bytes_get_data (payload, NULL), 20000);

  raw_next (raw, &m);
  g_assert_cmpint (m.type, ==, OB_APF_CHANNEL_WINDOW_ADJUST);
  g_assert_cmpuint (m.window_adjust.recipient_channel, ==, 55);
  g_assert_cmpuint (m.window_adjust.bytes_to_add, ==, 20000);
  ob_apf_message_clear (&m);

  /* 10000 more: under half the window, nothing yet; 7000 more: over. */
  ob_apf_encode_channel_data (raw->out, 4, g_bytes_get_data (payload, NULL), 10000);
  raw_send (raw);
  cira_test_spin_ms (30);
  n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (channel)), buffer, sizeof buffer, NULL, &error);
  g_assert_cmpint (n, ==, 10000);
  cira_test_spin_ms (30);
  g_assert_cmpuint (raw->acc->len, ==, 0);
  ob_apf_encode_channel_data (raw->out, 4, g_bytes_get_data (payload, NULL), 7000);
  raw_send (raw);
  cira_test_spin_ms (30);
  n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (channel)), buffer, sizeof buffer, NULL, &error);
  g_assert_cmpint (n, ==, 7000);
  raw_next (raw, &m);
  g_assert_cmpint (m.type, ==, OB_APF_CHANNEL_WINDOW_ADJUST);
  g_assert_cmpuint (m.window_adjust.bytes_to_add, ==, 17000);

  /* A blocking read with nothing there does not block. */
  n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (channel)), buffer, sizeof buffer, NULL, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

/* Many one-byte messages (coalesced inside the channel) read back as one
 * ordered stream, interleaved with reads. */
static void
test_raw_small_messages (Raw           *raw,
                         gconstpointer  data)
{
  g_autoptr(ObApfChannel) channel = raw_open (raw, 4, 1024, 88, 4096);
  g_autoptr(GBytes) payload = pattern_bytes (9000, 6);
  const guint8 *p = g_bytes_get_data (payload, NULL);
  g_autoptr(GByteArray) got = g_byte_array_new ();
  guint8 buffer[3000];

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      for (guint i = 0; i < 3000; i++)
        ob_apf_encode_channel_data (raw->out, 4, p + round * 3000 + i, 1);
      raw_send (raw);
      cira_test_spin_ms (50);
      /* Read in two uneven parts. */
      n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (channel)), buffer, 1234, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, ==, 1234);
      g_byte_array_append (got, buffer, (guint) n);
      n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (channel)), buffer, sizeof buffer, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, ==, 3000 - 1234);
      g_byte_array_append (got, buffer, (guint) n);
    }
  g_assert_cmpmem (got->data, got->len, p, 9000);
  g_assert_cmpuint (ob_apf_channel_get_max_receive_buffered (channel), ==, 3000);
}

/* A device that ignores our window past the buffer cap loses the channel. */
static void
test_raw_overrun (Raw           *raw,
                  gconstpointer  data)
{
  g_autoptr(ObApfChannel) channel = NULL;
  g_autoptr(GBytes) payload = pattern_bytes (100000, 5);
  g_auto(ObApfMessage) m = { 0 };
  guint8 buffer[4096];
  g_autoptr(GError) error = NULL;
  gsize total = 0;

  ob_apf_session_set_max_channel_buffer (raw->server, 65536);
  channel = raw_open (raw, 4, 1024, 66, 4096);

  ob_apf_encode_channel_data (raw->out, 4, g_bytes_get_data (payload, NULL), 60000);
  ob_apf_encode_channel_data (raw->out, 4, g_bytes_get_data (payload, NULL), 10000);
  raw_send (raw);

  raw_next (raw, &m);
  g_assert_cmpint (m.type, ==, OB_APF_CHANNEL_CLOSE);
  g_assert_cmpuint (m.channel_close.recipient_channel, ==, 66);

  /* What fitted is readable, then the flow-control error. */
  for (;;)
    {
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (channel)), buffer,
                                      sizeof buffer, NULL, &error);
      if (n <= 0)
        break;
      total += (gsize) n;
    }
  g_assert_cmpuint (total, ==, 60000);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_FLOW_CONTROL);
  g_assert_false (ob_apf_session_is_closed (raw->server));
}

/* No answer to CHANNEL_OPEN: the open times out; a late confirmation is
 * closed at once. */
static void
test_raw_open_timeout (Raw           *raw,
                       gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(ObApfMessage) m = { 0 };

  ob_apf_session_set_open_timeout_ms (raw->server, 150);
  ob_apf_session_open_channel_async (raw->server, 16992, NULL, cira_test_store_result, &result);
  raw_expect (raw, OB_APF_CHANNEL_OPEN);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 5000));
  g_assert_null (ob_apf_session_open_channel_finish (raw->server, result, &error));
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_TIMEOUT);
  g_assert_cmpuint (ob_apf_session_get_n_channels (raw->server), ==, 1);

  ob_apf_encode_channel_open_confirmation (raw->out, 4, 900, 4096, 0xffffffff);
  raw_send (raw);
  raw_next (raw, &m);
  g_assert_cmpint (m.type, ==, OB_APF_CHANNEL_CLOSE);
  g_assert_cmpuint (m.channel_close.recipient_channel, ==, 900);
  g_assert_cmpuint (ob_apf_session_get_n_channels (raw->server), ==, 0);
}

/* An OPEN_FAILURE with an unknown reason code still names it. */
static void
test_raw_open_failure_reason (Raw           *raw,
                              gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ob_apf_session_open_channel_async (raw->server, 16992, NULL, cira_test_store_result, &result);
  raw_expect (raw, OB_APF_CHANNEL_OPEN);
  ob_apf_encode_channel_open_failure (raw->out, 4, OB_APF_OPEN_FAILURE_RESOURCE_SHORTAGE, NULL, NULL);
  raw_send (raw);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 5000));
  g_assert_null (ob_apf_session_open_channel_finish (raw->server, result, &error));
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_OPEN_FAILED);
  g_assert_nonnull (strstr (error->message, "RESOURCE_SHORTAGE"));
  g_clear_error (&error);
  g_clear_object (&result);

  ob_apf_session_open_channel_async (raw->server, 16992, NULL, cira_test_store_result, &result);
  raw_expect (raw, OB_APF_CHANNEL_OPEN);
  ob_apf_encode_channel_open_failure (raw->out, 5, 77, NULL, NULL);
  raw_send (raw);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 5000));
  g_assert_null (ob_apf_session_open_channel_finish (raw->server, result, &error));
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_OPEN_FAILED);
  g_assert_nonnull (strstr (error->message, "unknown"));
}

/* ---- parked reads and writes: no GSource while waiting ------------------------------- */

static gboolean
stream_readable (gpointer data)
{
  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (data)));
}

static void
start_read_cancellable (GIOStream    *stream,
                        Read         *r,
                        GCancellable *cancellable)
{
  memset (r, 0, sizeof *r);
  g_input_stream_read_async (g_io_stream_get_input_stream (stream), r->buffer, sizeof r->buffer,
                             G_PRIORITY_DEFAULT, cancellable, on_read, r);
}

static void
device_write (GIOStream  *device_channel,
              const char *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (device_channel), text, strlen (text), NULL, NULL,
                             &error);
  g_assert_no_error (error);
}

/* A read waits on the channel with no source of its own, and completes
 * from the main loop when data comes: neither the device's write nor the
 * completion attaches one either. */
static void
test_pending_read_data (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;
  GIOStream *device_channel;
  guint marker;
  Read r;

  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  device_channel = g_ptr_array_index (f->device_channels, 0);
  /* The open's own traffic settles first. */
  source_count_poll_ms (20);

  marker = source_count_mark ();
  start_read (G_IO_STREAM (channel), &r);
  g_assert_false (r.done);
  source_count_poll_ms (30);
  g_assert_false (r.done);
  g_assert_cmpuint (source_count_since (&marker), ==, 0);

  device_write (device_channel, "hello");
  g_assert_true (source_count_poll_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_no_error (r.error);
  g_assert_cmpmem (r.buffer, r.n, "hello", 5);
  g_assert_cmpuint (source_count_since (&marker), ==, 0);

  /* Data already there: still answered from the main loop, not inside
   * the call. */
  device_write (device_channel, "again");
  g_assert_true (source_count_poll_until (stream_readable, channel, 5000));
  start_read (G_IO_STREAM (channel), &r);
  g_assert_false (r.done);
  g_assert_true (source_count_poll_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_no_error (r.error);
  g_assert_cmpmem (r.buffer, r.n, "again", 5);
  g_assert_cmpuint (source_count_since (&marker), ==, 0);

  /* The other way too: the device side's reader. */
  start_read (device_channel, &r);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (channel)), "back", 4, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (r.done);
  g_assert_true (source_count_poll_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_no_error (r.error);
  g_assert_cmpmem (r.buffer, r.n, "back", 4);
  g_assert_cmpuint (source_count_since (&marker), ==, 0);
}

/* A waiting read ends when either side closes the channel: EOF when the
 * peer closes, G_IO_ERROR_CLOSED when we close under it. */
static void
test_pending_read_close (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) c1 = NULL;
  g_autoptr(ObApfChannel) c2 = NULL;
  Read r;

  c1 = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  start_read (G_IO_STREAM (c1), &r);
  source_count_poll_ms (20);
  g_assert_false (r.done);
  g_io_stream_close (g_ptr_array_index (f->device_channels, 0), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_no_error (r.error);
  g_assert_cmpint (r.n, ==, 0);
  g_assert_true (ob_apf_channel_is_peer_closed (c1));

  c2 = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  start_read (G_IO_STREAM (c2), &r);
  source_count_poll_ms (20);
  g_assert_false (r.done);
  g_io_stream_close (G_IO_STREAM (c2), NULL, &error);
  g_assert_no_error (error);
  /* Closing does not answer the read inside the call either. */
  g_assert_false (r.done);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&r.error);
  g_assert_true (cira_test_wait_until (no_channels, f, 5000));
}

typedef struct
{
  GCancellable *cancellable;
  Read         *read;
  gboolean      fired;
  gboolean      done_inside;
} CancelLater;

static gboolean
cancel_later (gpointer user_data)
{
  CancelLater *cl = user_data;

  g_cancellable_cancel (cl->cancellable);
  cl->done_inside = cl->read->done;
  cl->fired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Cancelling a waiting read: from outside the main loop and from a
 * callback in it.  The read's callback never runs inside
 * g_cancellable_cancel(), and the channel reads on afterwards. */
static void
test_pending_read_cancel (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;
  g_autoptr(GCancellable) c1 = g_cancellable_new ();
  g_autoptr(GCancellable) c2 = g_cancellable_new ();
  g_autoptr(GCancellable) c3 = g_cancellable_new ();
  CancelLater cl = { c2, NULL, FALSE, FALSE };
  GIOStream *device_channel;
  guint marker;
  Read r;

  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  device_channel = g_ptr_array_index (f->device_channels, 0);

  start_read_cancellable (G_IO_STREAM (channel), &r, c1);
  source_count_poll_ms (20);
  g_cancellable_cancel (c1);
  g_assert_false (r.done);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);

  /* From a callback on the channel's context: the cancellation wakes the
   * read through the poller, no source besides the test's own timeout. */
  source_count_poll_ms (20);
  marker = source_count_mark ();
  start_read_cancellable (G_IO_STREAM (channel), &r, c2);
  cl.read = &r;
  g_timeout_add (10, cancel_later, &cl);
  g_assert_true (source_count_poll_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_true (cl.fired);
  g_assert_false (cl.done_inside);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  g_assert_cmpuint (source_count_since (&marker), ==, 1);

  /* Already cancelled: fails, from the main loop. */
  g_cancellable_cancel (c3);
  start_read_cancellable (G_IO_STREAM (channel), &r, c3);
  g_assert_false (r.done);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);

  /* Nothing was lost: the next read gets the data. */
  start_read (G_IO_STREAM (channel), &r);
  device_write (device_channel, "still here");
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_no_error (r.error);
  g_assert_cmpmem (r.buffer, r.n, "still here", 10);
}

/* A waiting read fails when the CIRA connection goes; with no GSource. */
static void
test_pending_read_session_failure (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;
  guint marker;
  Read r, rd;

  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  source_count_poll_ms (20);
  marker = source_count_mark ();
  start_read (G_IO_STREAM (channel), &r);
  start_read (g_ptr_array_index (f->device_channels, 0), &rd);
  ob_apf_session_close (f->server, OB_APF_CLOSE_REASON_LOCAL);
  g_assert_false (r.done);
  g_assert_true (source_count_poll_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&r.error);
  /* The device's side learns it from its session. */
  g_assert_true (source_count_poll_until (cira_test_flag_is_set, &rd.done, 5000));
  g_assert_error (rd.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_clear_error (&rd.error);
  /* Closing a session's socket is GIO's close_async: one idle, the read's
   * failure none. */
  g_assert_cmpuint (source_count_since (&marker), <=, 2);
}

/* A read started by another source earlier in the very iteration in
 * which the poller runs, with the data already there: still answered
 * without an idle source (GTask would add one for a task made in the
 * iteration that returns it), on the poller's next round. */
typedef struct
{
  GIOStream *channel;
  Read      *read;
  gboolean   ran;
} StartInDispatch;

static gboolean
start_read_in_dispatch (gpointer user_data)
{
  StartInDispatch *sd = user_data;

  start_read (sd->channel, sd->read);
  sd->ran = TRUE;
  return G_SOURCE_CONTINUE;
}

static gboolean
early_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs early_funcs = { NULL, NULL, early_dispatch, NULL, NULL, NULL };

static void
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_pending_read_same_iteration (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;
  g_autoptr(ObPoller) shared = NULL;
  GSource *early = g_source_new (&early_funcs, sizeof (GSource));
  ObPollerTimer *tick;
  gboolean ticked = FALSE;
  StartInDispatch sd = { 0 };
  guint marker;
  Read r;

  /* Attached before the sessions make the context's shared poller, so
   * dispatched before it within an iteration (same priority). */
  g_source_set_callback (early, start_read_in_dispatch, &sd, NULL);
  g_source_set_ready_time (early, -1);
  g_source_attach (early, NULL);
  fixture_start (f, OB_APF_DEFAULT_WINDOW_SIZE, OB_APF_DEFAULT_WINDOW_SIZE);
  shared = ob_poller_get_for_context (NULL);
  channel = open_channel (f->server, 16992, &error);
  g_assert_no_error (error);
  device_write (g_ptr_array_index (f->device_channels, 0), "now");
  g_assert_true (source_count_poll_until (stream_readable, channel, 5000));
  sd.channel = G_IO_STREAM (channel);
  sd.read = &r;

  /* Both due in the next iteration: the early source starts the read,
   * then the poller runs. */
  tick = ob_poller_timer_new (shared, set_flag, &ticked);
  ob_poller_timer_schedule (tick, 0);
  g_source_set_ready_time (early, 0);
  marker = source_count_mark ();
  g_main_context_iteration (NULL, FALSE);
  g_assert_true (sd.ran);
  g_assert_true (ticked);
  g_assert_false (r.done);
  g_assert_cmpuint (source_count_since (&marker), ==, 0);

  g_assert_true (source_count_poll_until (cira_test_flag_is_set, &r.done, 5000));
  g_assert_no_error (r.error);
  g_assert_cmpmem (r.buffer, r.n, "now", 3);
  g_assert_cmpuint (source_count_since (&marker), ==, 0);

  ob_poller_timer_free (tick);
  g_source_destroy (early);
  g_source_unref (early);
}

typedef struct
{
  gboolean  done;
  gssize    n;
  GError   *error;
} Write;

static void
on_write (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Write *w = user_data;

  w->n = g_output_stream_write_finish (G_OUTPUT_STREAM (source), result, &w->error);
  w->done = TRUE;
}

/* A write that finds the send buffer full (the peer's window used up)
 * waits, with no source, until a WINDOW_ADJUST makes room. */
static void
test_raw_pending_write (Raw           *raw,
                        gconstpointer  data)
{
  g_autoptr(ObApfChannel) channel = NULL;
  g_autoptr(GBytes) payload = pattern_bytes (40000, 12);
  const guint8 *p = g_bytes_get_data (payload, NULL);
  g_autoptr(GString) got = g_string_new (NULL);
  GOutputStream *output;
  gsize total = 0;
  guint marker;
  Write w = { 0 };

  ob_apf_session_set_max_channel_buffer (raw->server, OB_APF_MIN_WINDOW_SIZE);
  channel = raw_open (raw, 4, 1024, 77, 1000);
  output = g_io_stream_get_output_stream (G_IO_STREAM (channel));

  /* Fill: the 1000 bytes of credit go out, the buffer holds the rest. */
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_output_stream_write (output, p + total, 4096, NULL, &error);

      if (n < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          break;
        }
      total += (gsize) n;
    }
  g_assert_cmpuint (total, ==, 1000 + OB_APF_MIN_WINDOW_SIZE);

  source_count_poll_ms (20);
  marker = source_count_mark ();
  g_output_stream_write_async (output, p + total, 3000, G_PRIORITY_DEFAULT, NULL, on_write, &w);
  g_assert_false (w.done);
  source_count_poll_ms (50);
  g_assert_false (w.done);
  g_assert_cmpuint (source_count_since (&marker), ==, 0);
  raw_collect_data (raw, 77, got);
  g_assert_cmpuint (got->len, ==, 1000);

  ob_apf_encode_window_adjust (raw->out, 4, 100000);
  raw_send (raw);
  g_assert_true (source_count_poll_until (cira_test_flag_is_set, &w.done, 5000));
  g_assert_no_error (w.error);
  g_assert_cmpint (w.n, ==, 3000);
  total += 3000;
  raw_collect_data (raw, 77, got);
  g_assert_cmpuint (got->len, ==, total);
  g_assert_cmpmem (got->str, got->len, p, total);
}

/* A write waiting for the window fails when the device closes the
 * channel. */
static void
test_raw_pending_write_peer_close (Raw           *raw,
                                   gconstpointer  data)
{
  g_autoptr(ObApfChannel) channel = NULL;
  g_autoptr(GBytes) payload = pattern_bytes (OB_APF_MIN_WINDOW_SIZE + 2000, 13);
  g_autoptr(GError) error = NULL;
  GOutputStream *output;
  gsize written = 0;
  Write w = { 0 };

  ob_apf_session_set_max_channel_buffer (raw->server, OB_APF_MIN_WINDOW_SIZE);
  channel = raw_open (raw, 4, 1024, 78, 1000);
  output = g_io_stream_get_output_stream (G_IO_STREAM (channel));
  g_output_stream_write_all (output, g_bytes_get_data (payload, NULL), OB_APF_MIN_WINDOW_SIZE + 1000, &written,
                             NULL, &error);
  g_assert_no_error (error);

  g_output_stream_write_async (output, g_bytes_get_data (payload, NULL), 1000, G_PRIORITY_DEFAULT, NULL,
                               on_write, &w);
  source_count_poll_ms (20);
  g_assert_false (w.done);
  ob_apf_encode_channel_close (raw->out, 4);
  raw_send (raw);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &w.done, 5000));
  g_assert_cmpint (w.n, ==, -1);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_clear_error (&w.error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/apf-channel/wsman", Fixture, NULL, fixture_setup, test_wsman, fixture_teardown);
  g_test_add ("/apf-channel/flow-control", Fixture, NULL, NULL, test_flow_control, fixture_teardown);
  g_test_add ("/apf-channel/open-failure", Fixture, NULL, fixture_setup, test_open_failure, fixture_teardown);
  g_test_add ("/apf-channel/too-many", Fixture, NULL, fixture_setup, test_too_many_channels, fixture_teardown);
  g_test_add_func ("/apf-channel/open-refused-by-state", test_open_refused_by_state);
  g_test_add ("/apf-channel/close-from-mps", Fixture, NULL, fixture_setup, test_close_from_mps, fixture_teardown);
  g_test_add ("/apf-channel/close-from-device", Fixture, NULL, NULL, test_close_from_device, fixture_teardown);
  g_test_add ("/apf-channel/drop-closes", Fixture, NULL, fixture_setup, test_drop_closes, fixture_teardown);
  g_test_add ("/apf-channel/session-loss", Fixture, NULL, fixture_setup, test_session_loss, fixture_teardown);
  g_test_add ("/apf-channel/session-loss-pending-read", Fixture, NULL, fixture_setup,
              test_session_loss_pending_read, fixture_teardown);
  g_test_add ("/apf-channel/session-loss-pending-open", Fixture, NULL, fixture_setup,
              test_session_loss_pending_open, fixture_teardown);
  g_test_add ("/apf-channel/cancel-open", Fixture, NULL, fixture_setup, test_cancel_open, fixture_teardown);
  g_test_add ("/apf-channel/raw/open-and-ids", Raw, NULL, raw_setup, test_raw_open_and_ids, raw_teardown);
  g_test_add ("/apf-channel/raw/send-credits", Raw, NULL, raw_setup, test_raw_send_credits, raw_teardown);
  g_test_add ("/apf-channel/raw/window-adjust", Raw, NULL, raw_setup, test_raw_window_adjust, raw_teardown);
  g_test_add ("/apf-channel/raw/small-messages", Raw, NULL, raw_setup, test_raw_small_messages, raw_teardown);
  g_test_add ("/apf-channel/raw/overrun", Raw, NULL, raw_setup, test_raw_overrun, raw_teardown);
  g_test_add ("/apf-channel/raw/open-timeout", Raw, NULL, raw_setup, test_raw_open_timeout, raw_teardown);
  g_test_add ("/apf-channel/raw/open-failure-reason", Raw, NULL, raw_setup, test_raw_open_failure_reason,
              raw_teardown);
  g_test_add ("/apf-channel/pending-read/data", Fixture, NULL, fixture_setup, test_pending_read_data,
              fixture_teardown);
  g_test_add ("/apf-channel/pending-read/close", Fixture, NULL, fixture_setup, test_pending_read_close,
              fixture_teardown);
  g_test_add ("/apf-channel/pending-read/cancel", Fixture, NULL, fixture_setup, test_pending_read_cancel,
              fixture_teardown);
  g_test_add ("/apf-channel/pending-read/session-failure", Fixture, NULL, fixture_setup,
              test_pending_read_session_failure, fixture_teardown);
  g_test_add ("/apf-channel/pending-read/same-iteration", Fixture, NULL, NULL, test_pending_read_same_iteration,
              fixture_teardown);
  g_test_add ("/apf-channel/raw/pending-write", Raw, NULL, raw_setup, test_raw_pending_write, raw_teardown);
  g_test_add ("/apf-channel/raw/pending-write-peer-close", Raw, NULL, raw_setup,
              test_raw_pending_write_peer_close, raw_teardown);

  return g_test_run ();
}
