/* test-mps-server.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The CIRA listener over real sockets on 127.0.0.1 (port 0): devices are
 * ObApfSession clients on GTlsClientConnections that trust the test's
 * certificate authority, serving WS-Man on their channels with the
 * simulator's WS-Man server; raw sockets play browsers, scanners and
 * floods; an OpenSSL client in a thread plays old firmware. */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "cira-test-util.h"
#include "ob-amt-power.h"
#include "ob-apf-session.h"
#include "ob-cert-authority.h"
#include "ob-device-registry.h"
#include "ob-mps-server.h"
#include "ob-secret-store-memory.h"
#include "ob-sim-device.h"
#include "ob-sim-wsman-server.h"
#include "ob-store.h"

#define GUID_A        "0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3"
#define GUID_B        "1b2c3d4e-5f6a-4b7c-9d8e-9fa0b1c2d3e4"
#define GUID_C        "2c3d4e5f-6a7b-4c8d-ae9f-a0b1c2d3e4f5"
#define GUID_UNKNOWN  "3d4e5f6a-7b8c-4d9e-bfa0-b1c2d3e4f5a6"
#define CIRA_USER     "cira-device"
#define CIRA_PASSWORD "Cira!Pass1"
#define AMT_PASSWORD  "Amt!Pass99"
#define CONFIG_NAME   "lab-cira"
#define CONFIG_USER   "lab-enrol"
#define CONFIG_PASSWORD "Enrol!Pass7"

/* Shared by every test: the CA's keys take seconds to make. */
static CiraTestCa       ca;
static GTlsDatabase    *root_database;

/* ---- main loop helpers ------------------------------------------------------ */

static gboolean
no_connections (gpointer data)
{
  return ob_mps_server_get_n_connections (data) == 0;
}

static gboolean
none_connected (gpointer data)
{
  return ob_mps_server_get_n_connected (data) == 0;
}

static gboolean
listening (gpointer data)
{
  return ob_mps_server_get_listening (data);
}

/* ---- fixture ----------------------------------------------------------------- */

typedef struct
{
  CiraTestMps       mps;
  guint             port;

  ObSimDevice      *sim;
  ObSimWsmanServer *wsman;

  /* Channels devices keep without reading (port 16994). */
  GPtrArray        *held_channels;

  guint             n_connected_signals;
  guint             n_disconnected_signals;
  ObApfCloseReason  last_disconnect_reason;
} Fixture;

static void
on_device_connected (ObMpsServer  *server,
                     const char   *guid,
                     ObApfSession *session,
                     Fixture      *f)
{
  f->n_connected_signals++;
}

static void
on_device_disconnected (ObMpsServer      *server,
                        const char       *guid,
                        ObApfSession     *session,
                        ObApfCloseReason  reason,
                        Fixture          *f)
{
  f->n_disconnected_signals++;
  f->last_disconnect_reason = reason;
}

static void
server_start (Fixture *f)
{
  cira_test_mps_start (&f->mps);
  g_assert_cmpstr (ob_mps_server_get_address (f->mps.server), ==, "127.0.0.1");
  f->port = ob_mps_server_get_port (f->mps.server);
  g_assert_cmpuint (f->port, >, 0);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  cira_test_mps_init (&f->mps, ca.secrets, ca.authority, FALSE);
  g_signal_connect (f->mps.server, "device-connected", G_CALLBACK (on_device_connected), f);
  g_signal_connect (f->mps.server, "device-disconnected", G_CALLBACK (on_device_disconnected), f);

  f->sim = ob_sim_device_new (GUID_A);
  f->wsman = ob_sim_wsman_server_new (f->sim, "admin", AMT_PASSWORD);
  f->held_channels = g_ptr_array_new_with_free_func (g_object_unref);

  /* Tests that change settings before the start call server_start
   * themselves. */
  if (data == NULL)
    server_start (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  const char *guids[] = { GUID_A, GUID_B, GUID_C, GUID_UNKNOWN };
  g_autoptr(GError) error = NULL;

  g_ptr_array_unref (f->held_channels);
  cira_test_mps_clear (&f->mps);
  g_clear_object (&f->wsman);
  g_clear_object (&f->sim);

  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    g_assert_true (ob_secret_store_clear_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, guids[i], NULL,
                                               NULL, &error));
  g_assert_true (ob_secret_store_clear_sync (ca.secrets, OB_SECRET_OWNER_CIRA_CONFIG, CONFIG_NAME,
                                             NULL, NULL, &error));
}

/* ---- store helpers -------------------------------------------------------------- */

static void
register_device (Fixture    *f,
                 const char *guid,
                 const char *user,
                 const char *mps_password,
                 const char *amt_password)
{
  cira_test_register_device (&f->mps, ca.secrets, guid, NULL, user, mps_password, amt_password);
}

static ObDeviceRecord *
stored_device (Fixture    *f,
               const char *guid)
{
  return cira_test_stored_device (&f->mps, guid);
}

static GPtrArray *
activity (Fixture    *f,
          const char *action)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *matching = g_ptr_array_new_with_free_func (g_object_unref);

  ob_mps_server_flush_store_writes (f->mps.server);
  all = ob_store_list_activity_entries (f->mps.store, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    {
      ObActivityEntry *entry = g_ptr_array_index (all, i);

      if (g_strcmp0 (ob_activity_entry_get_action (entry), action) == 0)
        {
          g_assert_cmpstr (ob_activity_entry_get_actor (entry), ==, "mps");
          g_ptr_array_add (matching, g_object_ref (entry));
        }
    }
  return matching;
}

static ObMpsServerStats
stats (Fixture *f)
{
  ObMpsServerStats s;

  ob_mps_server_get_stats (f->mps.server, &s);
  return s;
}

/* ---- raw sockets -------------------------------------------------------------------- */

static GSocketClient *
socket_client (const char *local_address)
{
  GSocketClient *client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  if (local_address != NULL)
    {
      g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string (local_address, 0);

      g_socket_client_set_local_address (client, local);
    }
  return client;
}

static GSocketConnection *
tcp_connect (Fixture    *f,
             const char *local_address)
{
  g_autoptr(GSocketClient) client = socket_client (local_address);
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) f->port, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static void
write_all (GIOStream  *stream,
           const void *data,
           gsize       len)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

typedef struct
{
  GByteArray   *data;
  GCancellable *cancellable;
  gboolean      ended;      /* EOF or a reset */
  gboolean      running;
  guint8        buffer[4096];
} Reader;

static void reader_next (GInputStream *input,
                         Reader       *reader);

static void
on_reader_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Reader *reader = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n > 0)
    {
      g_byte_array_append (reader->data, reader->buffer, (guint) n);
      reader_next (G_INPUT_STREAM (source), reader);
      return;
    }
  reader->running = FALSE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    reader->ended = TRUE;
}

static void
reader_next (GInputStream *input,
             Reader       *reader)
{
  reader->running = TRUE;
  g_input_stream_read_async (input, reader->buffer, sizeof reader->buffer, G_PRIORITY_DEFAULT,
                             reader->cancellable, on_reader_read, reader);
}

static gboolean
reader_done (gpointer data)
{
  return !((Reader *) data)->running;
}

/* Reads until the server closes (TRUE) or @timeout_ms pass (FALSE); what
 * came is returned in @out. */
static gboolean
read_until_closed (GIOStream   *stream,
                   guint        timeout_ms,
                   GByteArray **out)
{
  Reader reader = { 0 };
  gboolean ended;

  reader.data = g_byte_array_new ();
  reader.cancellable = g_cancellable_new ();
  reader_next (g_io_stream_get_input_stream (stream), &reader);
  cira_test_wait_until (reader_done, &reader, timeout_ms);
  if (reader.running)
    {
      g_cancellable_cancel (reader.cancellable);
      g_assert_true (cira_test_wait_until (reader_done, &reader, 5000));
    }
  ended = reader.ended;
  g_object_unref (reader.cancellable);
  if (out != NULL)
    *out = reader.data;
  else
    g_byte_array_unref (reader.data);
  return ended;
}

/* ---- devices ---------------------------------------------------------------------- */

typedef struct
{
  Fixture           *f;
  GSocketConnection *tcp;
  GIOStream         *tls;
  ObApfSession      *session;
  gboolean           tls_done;
  GError            *tls_error;
} Device;

static gboolean
accept_our_root (GTlsConnection       *connection,
                 GTlsCertificate      *peer,
                 GTlsCertificateFlags  errors,
                 gpointer              user_data)
{
  /* Chained to the test CA; the CN is the MPS name, not "127.0.0.1". */
  return (errors & ~G_TLS_CERTIFICATE_BAD_IDENTITY) == 0;
}

static void
on_device_handshake (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Device *dev = user_data;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &dev->tls_error);
  dev->tls_done = TRUE;
}

static void
device_channel (ObApfSession *session,
                ObApfChannel *channel,
                gpointer      user_data)
{
  Device *dev = user_data;

  switch (ob_apf_channel_get_port (channel))
    {
    case 16992:
      ob_sim_wsman_server_serve_stream (dev->f->wsman, G_IO_STREAM (channel));
      break;
    case 16994:
      /* Kept, never read: the MPS side's writes pile up. */
      g_ptr_array_add (dev->f->held_channels, g_object_ref (channel));
      break;
    default:
      break;
    }
}

static Device *
device_open_tls (Fixture    *f,
                 const char *local_address)
{
  Device *dev = g_new0 (Device, 1);
  g_autoptr(GError) error = NULL;

  dev->f = f;
  dev->tcp = tcp_connect (f, local_address);
  dev->tls = g_tls_client_connection_new (G_IO_STREAM (dev->tcp), NULL, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (dev->tls), root_database);
  g_signal_connect (dev->tls, "accept-certificate", G_CALLBACK (accept_our_root), NULL);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (dev->tls), G_PRIORITY_DEFAULT, NULL,
                                    on_device_handshake, dev);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &dev->tls_done, 20000));
  return dev;
}

static gboolean
device_settled (gpointer data)
{
  Device *dev = data;

  return ob_apf_session_is_closed (dev->session) ||
         ob_apf_session_has_forwarded_port (dev->session, 5900);
}

static void
device_start_apf (Device     *dev,
                  const char *guid,
                  const char *user,
                  const char *password)
{
  dev->session = ob_apf_session_new_client (dev->tls, guid, user, password);
  ob_apf_session_set_channel_handler (dev->session, device_channel, dev, NULL);
  ob_apf_session_start (dev->session);
}

/* Connects, and waits until all ports are forwarded or the MPS ended it. */
static Device *
device_connect_from (Fixture    *f,
                     const char *local_address,
                     const char *guid,
                     const char *user,
                     const char *password)
{
  Device *dev = device_open_tls (f, local_address);

  g_assert_no_error (dev->tls_error);
  device_start_apf (dev, guid, user, password);
  g_assert_true (cira_test_wait_until (device_settled, dev, 20000));
  return dev;
}

static Device *
device_connect (Fixture    *f,
                const char *guid,
                const char *user,
                const char *password)
{
  return device_connect_from (f, NULL, guid, user, password);
}

static gboolean
device_closed (gpointer data)
{
  return ob_apf_session_is_closed (((Device *) data)->session);
}

static void
device_free (Device *dev)
{
  if (dev->session != NULL)
    {
      ob_apf_session_close (dev->session, OB_APF_CLOSE_REASON_LOCAL);
      g_object_unref (dev->session);
    }
  else if (dev->tls != NULL)
    g_io_stream_close (dev->tls, NULL, NULL);
  g_clear_object (&dev->tls);
  g_clear_object (&dev->tcp);
  g_clear_error (&dev->tls_error);
  g_free (dev);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Device, device_free)

static ObDevice *
registry_device (Fixture    *f,
                 const char *guid)
{
  return ob_device_registry_lookup (f->mps.registry, guid);
}

static gboolean
device_reachable (gpointer data)
{
  return ob_device_get_reachability (OB_DEVICE (data)) == OB_DEVICE_REACHABILITY_REACHABLE;
}

static guint
power_state_over_cira (Fixture    *f,
                       const char *guid,
                       GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) json = NULL;
  ObDevice *device = registry_device (f, guid);
  ObWsmanClient *client;
  guint state = 0;

  g_assert_nonnull (device);
  client = ob_device_get_wsman_client (device);
  g_assert_nonnull (client);
  ob_amt_power_state_async (client, NULL, cira_test_store_result, &result);
  json = ob_amt_power_state_finish (client, cira_test_wait_result (&result), &state, NULL, error);
  return json != NULL ? state : 0;
}

/* ---- tests: plain bytes on the port ----------------------------------------------------- */

static void
test_http_answer (Fixture       *f,
                  gconstpointer  data)
{
  static const char get[] = "GET / HTTP/1.1\r\nHost: mps\r\n\r\n";
  static const char head[] = "HEAD /x HTTP/1.0\r\n\r\n";
  g_autoptr(GSocketConnection) c1 = tcp_connect (f, NULL);
  g_autoptr(GSocketConnection) c2 = tcp_connect (f, NULL);
  g_autoptr(GSocketConnection) c3 = tcp_connect (f, NULL);
  g_autoptr(GByteArray) answer = NULL;
  g_autoptr(GByteArray) head_answer = NULL;
  g_autoptr(GByteArray) nothing = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected_length = NULL;

  /* Split over two writes: the request line may come in pieces. */
  write_all (G_IO_STREAM (c1), get, 2);
  cira_test_spin_ms (50);
  write_all (G_IO_STREAM (c1), get + 2, strlen (get) - 2);
  g_assert_true (read_until_closed (G_IO_STREAM (c1), 5000, &answer));
  text = g_strndup ((const char *) answer->data, answer->len);
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 200 OK\r\n"));
  g_assert_nonnull (strstr (text, "Content-Type: text/plain"));
  g_assert_true (g_str_has_suffix (text, "\r\n\r\n" OB_MPS_SERVER_HTTP_ANSWER));

  write_all (G_IO_STREAM (c2), head, strlen (head));
  g_assert_true (read_until_closed (G_IO_STREAM (c2), 5000, &head_answer));
  g_clear_pointer (&text, g_free);
  text = g_strndup ((const char *) head_answer->data, head_answer->len);
  expected_length = g_strdup_printf ("Content-Length: %" G_GSIZE_FORMAT "\r\n",
                                     strlen (OB_MPS_SERVER_HTTP_ANSWER));
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 200 OK\r\n"));
  g_assert_nonnull (strstr (text, expected_length));
  g_assert_true (g_str_has_suffix (text, "\r\n\r\n"));

  /* Neither TLS nor HTTP: closed, no answer. */
  write_all (G_IO_STREAM (c3), "SSH-2.0-x\r\n", 11);
  g_assert_true (read_until_closed (G_IO_STREAM (c3), 5000, &nothing));
  g_assert_cmpuint (nothing->len, ==, 0);

  g_assert_cmpuint (stats (f).http_answered, ==, 2);
  g_assert_cmpuint (stats (f).garbage, ==, 1);
  g_assert_true (cira_test_wait_until (no_connections, f->mps.server, 5000));
}

/* ---- tests: who may connect --------------------------------------------------------- */

static void
test_registered_device (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(Device) dev = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  ObDevice *device;
  ObApfSession *session;

  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);
  dev = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);
  g_assert_false (ob_apf_session_is_closed (dev->session));
  g_assert_true (ob_apf_session_is_authenticated (dev->session));

  /* The server's side. */
  session = ob_mps_server_lookup_session (f->mps.server, GUID_A);
  g_assert_nonnull (session);
  g_assert_true (ob_mps_server_lookup_session (f->mps.server, "0A1B2C3D-4E5F-4A6B-8C7D-8E9FA0B1C2D3") == session);
  g_assert_cmpstr (ob_apf_session_get_username (session), ==, CIRA_USER);
  /* Three keepalive intervals of silence end it. */
  g_assert_cmpuint (ob_apf_session_get_keepalive_interval (session), ==, 30);
  g_assert_cmpuint (ob_apf_session_get_idle_timeout_ms (session), ==, 90000);
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->mps.server), ==, 1);
  g_assert_cmpuint (ob_mps_server_get_n_connections (f->mps.server), ==, 1);
  g_assert_cmpuint (f->n_connected_signals, ==, 1);
  g_assert_cmpuint (stats (f).authenticated, ==, 1);

  /* The registry: transport cira, the session as transport, and a
   * refresh over the channel once 16992 was forwarded. */
  device = registry_device (f, GUID_A);
  g_assert_nonnull (device);
  g_assert_cmpint (ob_device_get_transport (device), ==, OB_DEVICE_TRANSPORT_CIRA);
  g_assert_true (ob_device_get_transport_source (device) == OB_STREAM_SOURCE (session));
  g_assert_true (cira_test_wait_until (device_reachable, device, 20000));
  g_assert_cmpstr (ob_device_get_amt_version (device), ==, ob_sim_device_get_amt_version (f->sim));
  g_assert_cmpuint (ob_device_get_power_state (device), ==, ob_sim_device_get_power_state (f->sim));
  g_assert_cmpuint (ob_device_get_port (device), ==, 16992);
  g_assert_cmpuint (power_state_over_cira (f, GUID_A, &error), ==, ob_sim_device_get_power_state (f->sim));
  g_assert_no_error (error);

  /* The store. */
  record = stored_device (f, GUID_A);
  g_assert_true (ob_device_record_get_connection_status (record));
  g_assert_nonnull (ob_device_record_get_last_connected (record));
  g_assert_cmpstr (ob_device_record_get_mps_instance (record), ==, g_get_host_name ());

  /* The device goes: everything follows. */
  g_clear_pointer (&dev, device_free);
  g_assert_true (cira_test_wait_until (none_connected, f->mps.server, 5000));
  g_assert_null (ob_mps_server_lookup_session (f->mps.server, GUID_A));
  g_assert_null (ob_device_get_transport_source (device));
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_assert_nonnull (strstr (ob_device_get_last_error (device), "not connected"));
  g_assert_cmpuint (f->n_disconnected_signals, ==, 1);
  g_clear_object (&record);
  record = stored_device (f, GUID_A);
  g_assert_false (ob_device_record_get_connection_status (record));
  g_assert_nonnull (ob_device_record_get_last_disconnected (record));
  g_assert_null (ob_device_record_get_mps_instance (record));
}

static void
test_no_amt_password (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(Device) dev = NULL;
  ObDevice *device;

  /* CIRA credentials but no AMT password: connected, and it says why
   * nothing can be asked. */
  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, NULL);
  dev = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);
  g_assert_true (ob_apf_session_is_authenticated (dev->session));
  device = registry_device (f, GUID_A);
  g_assert_nonnull (device);
  cira_test_spin_ms (200);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_AUTH_FAILED);
  g_assert_nonnull (strstr (ob_device_get_last_error (device), "AMT password is stored"));
  g_assert_cmpuint (ob_sim_wsman_server_get_n_requests (f->wsman), ==, 0);
}

static void
test_unknown_guid (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Device) dev = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  ObActivityEntry *entry;

  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);
  dev = device_connect (f, GUID_UNKNOWN, CIRA_USER, CIRA_PASSWORD);

  /* Closed at PROTOCOLVERSION without an APF message: the device sees the
   * connection end, not a USERAUTH_FAILURE. */
  g_assert_true (ob_apf_session_is_closed (dev->session));
  g_assert_cmpint (ob_apf_session_get_close_reason (dev->session), ==, OB_APF_CLOSE_REASON_PEER_CLOSED);
  g_assert_false (ob_apf_session_is_authenticated (dev->session));
  g_assert_cmpuint (stats (f).unknown_guid, ==, 1);
  g_assert_cmpuint (stats (f).auth_failed, ==, 0);
  g_assert_null (registry_device (f, GUID_UNKNOWN));

  entries = activity (f, "cira-unknown-device");
  g_assert_cmpuint (entries->len, ==, 1);
  entry = g_ptr_array_index (entries, 0);
  g_assert_cmpstr (ob_activity_entry_get_device_guid (entry), ==, GUID_UNKNOWN);
  g_assert_cmpstr (ob_activity_entry_get_target (entry), ==, "127.0.0.1");
  g_assert_cmpint (ob_activity_entry_get_result (entry), ==, OB_ACTIVITY_RESULT_FAILURE);
  g_assert_true (cira_test_wait_until (no_connections, f->mps.server, 5000));
}

static void
test_wrong_credentials (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) entries = NULL;
  const char *detail;

  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);

  /* Wrong password, then wrong user: USERAUTH_FAILURE each time (the
   * device closes on it). */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(Device) dev = device_connect (f, GUID_A, i % 2 == 0 ? CIRA_USER : "intruder",
                                              i % 2 == 0 ? "wrong" : CIRA_PASSWORD);

      g_assert_true (ob_apf_session_is_closed (dev->session));
      g_assert_cmpint (ob_apf_session_get_close_reason (dev->session), ==, OB_APF_CLOSE_REASON_AUTH_FAILED);
    }
  g_assert_cmpuint (stats (f).auth_failed, ==, 4);
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->mps.server), ==, 0);
  g_assert_null (registry_device (f, GUID_A));

  /* Logged, but once per GUID and address per interval. */
  entries = activity (f, "cira-auth-failed");
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (ob_activity_entry_get_device_guid (g_ptr_array_index (entries, 0)), ==, GUID_A);
  detail = ob_activity_entry_get_detail (g_ptr_array_index (entries, 0));
  g_assert_nonnull (strstr (detail, "Wrong CIRA user name or password"));
  /* Never the password. */
  g_assert_null (strstr (detail, "wrong\""));
  g_assert_null (strstr (detail, CIRA_PASSWORD));
  g_assert_cmpuint (stats (f).activity_suppressed, ==, 3);

  /* After the interval the next one is logged, with the count. */
  g_object_set (f->mps.server, "activity-interval-ms", 100, NULL);
  cira_test_spin_ms (150);
  {
    g_autoptr(Device) dev = device_connect (f, GUID_A, CIRA_USER, "wrong again");

    g_assert_true (ob_apf_session_is_closed (dev->session));
  }
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = activity (f, "cira-auth-failed");
  g_assert_cmpuint (entries->len, ==, 2);
  /* Newest first. */
  g_assert_nonnull (strstr (ob_activity_entry_get_detail (g_ptr_array_index (entries, 0)),
                            "3 similar refusals"));

  /* The right credentials still work. */
  {
    g_autoptr(Device) dev = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);

    g_assert_true (ob_apf_session_is_authenticated (dev->session));
  }
}

static void
test_activity_flood_capped (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCiraConfig) config = ob_cira_config_new (CONFIG_NAME);
  gint64 start;
  guint seconds;

  /* Enrolment on, so unknown GUIDs get as far as USERAUTH. */
  ob_cira_config_set_username (config, CONFIG_USER);
  ob_cira_config_set_auto_enroll (config, TRUE);
  g_assert_true (ob_store_insert_cira_config (f->mps.store, config, &error));
  g_assert_true (ob_secret_store_store_text_sync (ca.secrets, OB_SECRET_OWNER_CIRA_CONFIG, CONFIG_NAME,
                                                  OB_SECRET_KIND_MPS_PASSWORD, CONFIG_PASSWORD,
                                                  NULL, &error));

  /* A new GUID each time: the per-GUID limit does not apply, the global
   * one does (30 at once, then one every two seconds). */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 45; i++)
    {
      g_autofree char *guid = g_strdup_printf ("4e5f6a7b-8c9d-4eaf-8b1c-%012x", i + 1);
      g_autoptr(Device) dev = device_connect (f, guid, CONFIG_USER, "not the password");

      g_assert_cmpint (ob_apf_session_get_close_reason (dev->session), ==, OB_APF_CLOSE_REASON_AUTH_FAILED);
    }
  seconds = (guint) ((g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  entries = activity (f, "cira-auth-failed");
  g_assert_cmpuint (entries->len, >=, 30);
  g_assert_cmpuint (entries->len, <=, 30 + seconds / 2 + 1);
  g_assert_cmpuint (entries->len + stats (f).activity_suppressed, ==, 45);
}

static void
test_auto_enroll (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCiraConfig) config = ob_cira_config_new (CONFIG_NAME);
  g_autoptr(ObCiraConfig) reread = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *stored_password = NULL;

  ob_cira_config_set_username (config, CONFIG_USER);
  ob_cira_config_set_tenant_id (config, "tenant-7");
  g_assert_true (ob_store_insert_cira_config (f->mps.store, config, &error));
  g_assert_true (ob_secret_store_store_text_sync (ca.secrets, OB_SECRET_OWNER_CIRA_CONFIG, CONFIG_NAME,
                                                  OB_SECRET_KIND_MPS_PASSWORD, CONFIG_PASSWORD,
                                                  NULL, &error));
  reread = ob_store_get_cira_config (f->mps.store, CONFIG_NAME, &error);
  g_assert_false (ob_cira_config_get_auto_enroll (reread));

  /* Off (the default): an unknown device is closed at PROTOCOLVERSION
   * even with the config's credentials. */
  {
    g_autoptr(Device) dev = device_connect (f, GUID_B, CONFIG_USER, CONFIG_PASSWORD);

    g_assert_cmpint (ob_apf_session_get_close_reason (dev->session), ==, OB_APF_CLOSE_REASON_PEER_CLOSED);
  }
  g_assert_cmpuint (stats (f).unknown_guid, ==, 1);
  g_assert_null (ob_store_get_device (f->mps.store, GUID_B, NULL));

  /* On. */
  ob_cira_config_set_auto_enroll (reread, TRUE);
  g_assert_true (ob_store_update_cira_config (f->mps.store, reread, &error));
  g_clear_object (&reread);
  reread = ob_store_get_cira_config (f->mps.store, CONFIG_NAME, &error);
  g_assert_true (ob_cira_config_get_auto_enroll (reread));

  /* The wrong password for the config: refused, nothing stored. */
  {
    g_autoptr(Device) dev = device_connect (f, GUID_B, CONFIG_USER, "nope");

    g_assert_cmpint (ob_apf_session_get_close_reason (dev->session), ==, OB_APF_CLOSE_REASON_AUTH_FAILED);
  }
  g_assert_null (ob_store_get_device (f->mps.store, GUID_B, NULL));

  /* The right one: enrolled. */
  {
    g_autoptr(Device) dev = device_connect (f, GUID_B, CONFIG_USER, CONFIG_PASSWORD);

    g_assert_true (ob_apf_session_is_authenticated (dev->session));
    g_assert_cmpuint (stats (f).enrolled, ==, 1);
    record = stored_device (f, GUID_B);
    g_assert_cmpint (ob_device_record_get_transport (record), ==, OB_DEVICE_TRANSPORT_CIRA);
    g_assert_cmpstr (ob_device_record_get_mps_username (record), ==, CONFIG_USER);
    g_assert_cmpstr (ob_device_record_get_friendly_name (record), ==, GUID_B);
    g_assert_cmpstr (ob_device_record_get_tenant_id (record), ==, "tenant-7");
    g_assert_true (ob_device_record_get_connection_status (record));
    stored_password = ob_secret_store_lookup_text_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, GUID_B,
                                                        OB_SECRET_KIND_MPS_PASSWORD, NULL, &error);
    g_assert_cmpstr (stored_password, ==, CONFIG_PASSWORD);
    g_assert_nonnull (registry_device (f, GUID_B));
    g_assert_cmpstr (ob_device_get_name (registry_device (f, GUID_B)), ==, GUID_B);
    entries = activity (f, "cira-enrolled");
    g_assert_cmpuint (entries->len, ==, 1);
    g_assert_cmpint (ob_activity_entry_get_result (g_ptr_array_index (entries, 0)), ==,
                     OB_ACTIVITY_RESULT_SUCCESS);
  }

  /* Known from now on: it comes back as itself, not enrolled again. */
  {
    g_autoptr(Device) dev = device_connect (f, GUID_B, CONFIG_USER, CONFIG_PASSWORD);

    g_assert_true (ob_apf_session_is_authenticated (dev->session));
    g_assert_cmpuint (stats (f).enrolled, ==, 1);
  }

  /* Another user name: no config enrols it. */
  {
    g_autoptr(Device) dev = device_connect (f, GUID_C, "someone", CONFIG_PASSWORD);

    g_assert_cmpint (ob_apf_session_get_close_reason (dev->session), ==, OB_APF_CLOSE_REASON_AUTH_FAILED);
  }
  g_assert_null (ob_store_get_device (f->mps.store, GUID_C, NULL));
}

static void
test_lan_device_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(ObDeviceRecord) record = ob_device_record_new (GUID_A);
  g_autoptr(GError) error = NULL;
  g_autoptr(Device) dev = NULL;

  /* Managed over the LAN: its GUID is no CIRA device. */
  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_LAN);
  ob_device_record_set_host (record, "192.0.2.40");
  ob_device_record_set_mps_username (record, CIRA_USER);
  g_assert_true (ob_store_insert_device (f->mps.store, record, &error));
  g_assert_true (ob_secret_store_store_text_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, GUID_A,
                                                  OB_SECRET_KIND_MPS_PASSWORD, CIRA_PASSWORD,
                                                  NULL, &error));
  dev = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);
  g_assert_cmpint (ob_apf_session_get_close_reason (dev->session), ==, OB_APF_CLOSE_REASON_PEER_CLOSED);
}

/* ---- tests: sessions over time --------------------------------------------------------- */

static void
test_reconnect_replaces (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(Device) first = NULL;
  g_autoptr(Device) second = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  ObApfSession *old_session;
  ObApfSession *new_session;
  ObDevice *device;

  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);
  first = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);
  old_session = ob_mps_server_lookup_session (f->mps.server, GUID_A);
  g_object_add_weak_pointer (G_OBJECT (old_session), (gpointer *) &old_session);
  device = registry_device (f, GUID_A);
  g_assert_true (cira_test_wait_until (device_reachable, device, 20000));

  /* The device comes again (the first connection is still up, as after a
   * network change the MPS did not notice). */
  second = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);
  g_assert_true (ob_apf_session_is_authenticated (second->session));
  new_session = ob_mps_server_lookup_session (f->mps.server, GUID_A);
  g_assert_true (new_session != old_session);
  g_assert_true (cira_test_wait_until (device_closed, first, 5000));
  g_assert_cmpint (ob_apf_session_get_close_reason (first->session), ==, OB_APF_CLOSE_REASON_PEER_CLOSED);
  g_assert_cmpuint (stats (f).replaced, ==, 1);
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->mps.server), ==, 1);
  /* No disconnect for the device: its new session goes on. */
  g_assert_cmpuint (f->n_disconnected_signals, ==, 0);
  g_assert_true (registry_device (f, GUID_A) == device);
  g_assert_true (ob_device_get_transport_source (device) == OB_STREAM_SOURCE (new_session));
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_null, &old_session, 5000));
  record = stored_device (f, GUID_A);
  g_assert_true (ob_device_record_get_connection_status (record));

  /* WS-Man goes over the new session. */
  g_assert_cmpuint (power_state_over_cira (f, GUID_A, &error), ==, ob_sim_device_get_power_state (f->sim));
  g_assert_no_error (error);

  /* The old device side going away now changes nothing. */
  g_clear_pointer (&first, device_free);
  cira_test_spin_ms (100);
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->mps.server), ==, 1);

  /* The REST disconnect route's call. */
  g_assert_true (ob_mps_server_disconnect_device (f->mps.server, GUID_A));
  g_assert_false (ob_mps_server_disconnect_device (f->mps.server, GUID_A));
  g_assert_true (cira_test_wait_until (device_closed, second, 5000));
  g_assert_cmpuint (f->n_disconnected_signals, ==, 1);
  g_assert_cmpint (f->last_disconnect_reason, ==, OB_APF_CLOSE_REASON_LOCAL);
  g_clear_object (&record);
  record = stored_device (f, GUID_A);
  g_assert_false (ob_device_record_get_connection_status (record));
}

static gboolean
keepalives_at_least (gpointer data)
{
  Device *dev = data;

  return ob_apf_session_get_n_keepalives (dev->session) >= 3;
}

static void
test_keepalive_last_seen (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(Device) dev = NULL;
  g_autoptr(ObDeviceRecord) before = NULL;
  g_autoptr(ObDeviceRecord) after = NULL;
  g_autoptr(ObDeviceRecord) throttled = NULL;
  GDateTime *connected;

  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);
  dev = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);
  /* The MPS asked for the config's interval (30 s by default). */
  g_assert_cmpuint (ob_apf_session_get_keepalive_interval (dev->session), ==,
                    ob_config_get_keepalive_interval (f->mps.config));
  before = stored_device (f, GUID_A);
  connected = ob_device_record_get_last_connected (before);
  g_assert_nonnull (connected);

  /* Keepalives every second; last seen written at most once per
   * interval (300 s): not yet. */
  ob_apf_session_set_keepalive_interval (dev->session, 1);
  g_assert_true (cira_test_wait_until (keepalives_at_least, dev, 10000));
  throttled = stored_device (f, GUID_A);
  g_assert_true (g_date_time_equal (ob_device_record_get_last_seen (throttled),
                                    ob_device_record_get_last_seen (before)));

  /* With no throttle the next keepalive is written; last connected
   * stays. */
  g_object_set (f->mps.server, "last-seen-interval", 0, NULL);
  cira_test_spin_ms (1500);
  after = stored_device (f, GUID_A);
  g_assert_true (ob_device_record_get_connection_status (after));
  g_assert_cmpint (g_date_time_compare (ob_device_record_get_last_seen (after),
                                        ob_device_record_get_last_seen (before)), >, 0);
  g_assert_true (g_date_time_equal (ob_device_record_get_last_connected (after), connected));
  g_assert_cmpint (ob_apf_session_get_last_seen (ob_mps_server_lookup_session (f->mps.server, GUID_A)), >, 0);
}

static void
test_idle_timeout (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Device) dev = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;

  g_object_set (f->mps.server, "idle-timeout-ms", 600, NULL);
  server_start (f);
  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);
  dev = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);
  g_assert_true (ob_apf_session_is_authenticated (dev->session));
  g_assert_cmpuint (ob_apf_session_get_idle_timeout_ms (ob_mps_server_lookup_session (f->mps.server, GUID_A)),
                    ==, 600);

  /* Silence (its keepalives are 30 s apart): the MPS closes. */
  g_assert_true (cira_test_wait_until (device_closed, dev, 5000));
  g_assert_cmpuint (f->n_disconnected_signals, ==, 1);
  g_assert_cmpint (f->last_disconnect_reason, ==, OB_APF_CLOSE_REASON_IDLE_TIMEOUT);
  record = stored_device (f, GUID_A);
  g_assert_false (ob_device_record_get_connection_status (record));
}

static void
test_handshake_timeout (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GSocketConnection) silent = NULL;
  g_autoptr(GSocketConnection) partial = NULL;
  g_autoptr(Device) no_apf = NULL;
  g_autoptr(Device) no_auth = NULL;
  static const guint8 hello_start[] = { 0x16, 0x03, 0x01, 0x01, 0x00, 0x01 };
  gint64 start;

  g_object_set (f->mps.server, "handshake-timeout-ms", 400, NULL);
  server_start (f);
  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);

  start = g_get_monotonic_time ();
  /* Nothing at all. */
  silent = tcp_connect (f, NULL);
  /* A ClientHello that never ends (the handshake thread waits for it). */
  partial = tcp_connect (f, NULL);
  write_all (G_IO_STREAM (partial), hello_start, sizeof hello_start);
  /* TLS, then no APF. */
  no_apf = device_open_tls (f, NULL);
  g_assert_no_error (no_apf->tls_error);
  /* A known GUID's PROTOCOLVERSION, then nothing (a session that never
   * authenticates). */
  no_auth = device_open_tls (f, NULL);
  {
    g_autoptr(GByteArray) version = g_byte_array_new ();

    ob_apf_encode_protocol_version (version, 1, 0, OB_APF_TRIGGER_PERIODIC, GUID_A);
    write_all (no_auth->tls, version->data, version->len);
  }

  g_assert_true (read_until_closed (G_IO_STREAM (silent), 5000, NULL));
  g_assert_true (read_until_closed (G_IO_STREAM (partial), 5000, NULL));
  g_assert_true (read_until_closed (no_apf->tls, 5000, NULL));
  g_assert_true (read_until_closed (no_auth->tls, 5000, NULL));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 350 * 1000);
  g_assert_cmpuint (stats (f).handshake_timeouts, ==, 4);
  g_assert_true (cira_test_wait_until (no_connections, f->mps.server, 5000));

  /* A real device is quick enough. */
  {
    g_autoptr(Device) dev = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);

    g_assert_true (ob_apf_session_is_authenticated (dev->session));
    cira_test_spin_ms (600);
    g_assert_false (ob_apf_session_is_closed (dev->session));
  }
}

/* ---- tests: protection -------------------------------------------------------------------- */

static gboolean
closed_quickly (GSocketConnection *connection)
{
  return read_until_closed (G_IO_STREAM (connection), 1000, NULL);
}

static void
test_address_throttle (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocketConnection) refused = NULL;
  g_autoptr(GSocketConnection) elsewhere = NULL;
  g_autoptr(GSocketConnection) later = NULL;

  g_object_set (f->mps.server, "address-burst", 3, "address-rate", 2.0, NULL);
  server_start (f);

  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (kept, tcp_connect (f, NULL));
  refused = tcp_connect (f, NULL);
  g_assert_true (closed_quickly (refused));
  g_assert_cmpuint (stats (f).refused_throttled, ==, 1);
  /* The three before it are untouched. */
  for (guint i = 0; i < kept->len; i++)
    g_assert_false (read_until_closed (g_ptr_array_index (kept, i), 50, NULL));

  /* Another address has its own bucket. */
  elsewhere = tcp_connect (f, "127.0.0.2");
  g_assert_false (read_until_closed (G_IO_STREAM (elsewhere), 200, NULL));

  /* Tokens come back with time (2 a second). */
  cira_test_spin_ms (600);
  later = tcp_connect (f, NULL);
  g_assert_false (read_until_closed (G_IO_STREAM (later), 200, NULL));
  g_assert_cmpuint (stats (f).refused_throttled, ==, 1);
}

static void
test_pending_caps (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GSocketConnection) a = NULL;
  g_autoptr(GSocketConnection) b = NULL;
  g_autoptr(GSocketConnection) c = NULL;
  g_autoptr(GSocketConnection) d = NULL;
  g_autoptr(GSocketConnection) e = NULL;
  g_autoptr(GSocketConnection) x = NULL;

  g_object_set (f->mps.server, "max-pending", 2, "max-pending-per-address", 2, NULL);
  server_start (f);

  /* Two silent connections from one address: a third from there is
   * refused. */
  a = tcp_connect (f, NULL);
  cira_test_spin_ms (50);
  b = tcp_connect (f, NULL);
  cira_test_spin_ms (50);
  x = tcp_connect (f, NULL);
  g_assert_true (closed_quickly (x));
  g_assert_cmpuint (stats (f).refused_throttled, ==, 1);

  /* From elsewhere, all pending slots taken: the oldest silent one
   * goes. */
  c = tcp_connect (f, "127.0.0.2");
  g_assert_true (closed_quickly (a));
  g_assert_false (read_until_closed (G_IO_STREAM (b), 50, NULL));
  g_assert_false (read_until_closed (G_IO_STREAM (c), 50, NULL));
  g_assert_cmpuint (stats (f).evicted, ==, 1);

  /* Connections that are talking are never pushed out: with both slots
   * busy sending half an HTTP request line, a newcomer is refused. */
  write_all (G_IO_STREAM (b), "GE", 2);
  write_all (G_IO_STREAM (c), "HEA", 3);
  cira_test_spin_ms (100);
  d = tcp_connect (f, "127.0.0.3");
  g_assert_true (closed_quickly (d));
  g_assert_cmpuint (stats (f).refused_full, ==, 1);
  g_assert_false (read_until_closed (G_IO_STREAM (b), 50, NULL));

  /* And the total cap. */
  g_object_set (f->mps.server, "max-pending", 100, "max-connections", 2, NULL);
  e = tcp_connect (f, "127.0.0.4");
  g_assert_true (closed_quickly (e));
  g_assert_cmpuint (stats (f).refused_full, ==, 2);
}

static void
on_channel_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_channel_caps (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Device) dev = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(ObApfChannel) first = NULL;
  g_autoptr(ObApfChannel) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *block = g_malloc0 (4096);
  ObApfSession *session;
  GPollableOutputStream *out;
  gsize total = 0;

  g_object_set (f->mps.server, "max-channels", 1, "max-channel-buffer", (guint64) 65536,
                "window-size", 32768, NULL);
  server_start (f);
  /* No AMT password: no refresh takes the one channel. */
  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, NULL);
  dev = device_connect (f, GUID_A, CIRA_USER, CIRA_PASSWORD);
  ob_apf_session_set_window_size (dev->session, 32768);
  session = ob_mps_server_lookup_session (f->mps.server, GUID_A);
  g_assert_cmpuint (ob_apf_session_get_window_size (session), ==, 32768);

  ob_apf_session_open_channel_async (session, 16994, NULL, on_channel_opened, &r1);
  first = ob_apf_session_open_channel_finish (session, cira_test_wait_result (&r1), &error);
  g_assert_no_error (error);
  ob_apf_session_open_channel_async (session, 16992, NULL, on_channel_opened, &r2);
  second = ob_apf_session_open_channel_finish (session, cira_test_wait_result (&r2), &error);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_TOO_MANY_CHANNELS);
  g_assert_null (second);

  /* The device keeps the channel and never reads: we may have one window
   * in flight and the buffer cap queued, no more. */
  out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (first)));
  for (guint round = 0; round < 20; round++)
    {
      for (;;)
        {
          g_autoptr(GError) write_error = NULL;
          gssize n = g_pollable_output_stream_write_nonblocking (out, block, 4096, NULL, &write_error);

          if (n <= 0)
            {
              g_assert_error (write_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
              break;
            }
          total += (gsize) n;
        }
      cira_test_spin_ms (20);
    }
  g_assert_cmpuint (total, >=, 65536);
  g_assert_cmpuint (total, <=, 65536 + 32768 + 4096);
  g_assert_cmpuint (f->held_channels->len, ==, 1);
}

/* ---- tests: TLS -------------------------------------------------------------------------- */

typedef struct
{
  guint        port;
  int          max_version;
  const char  *ciphers;
  gboolean     handshake_ok;
  gboolean     closed_by_server;
  char         version[32];
  char         cipher[64];
  /* The certificate the server chose: its key type, its CN, and whether
   * it chains to the test's root. */
  const char  *sigalgs;       /* NULL: OpenSSL's */
  const char  *root_pem;      /* NULL: not checked */
  char         key_type[16];
  char         common_name[64];
  long         verify;
  gint         done;
} OldClient;

/* Blocking OpenSSL, as old firmware: TLS 1.0/1.1 or a static-RSA suite. */
static gpointer
old_client_thread (gpointer data)
{
  OldClient *c = data;
  struct sockaddr_in addr = { 0 };
  struct timeval timeout = { 1, 0 };
  SSL_CTX *ctx = SSL_CTX_new (TLS_client_method ());
  SSL *ssl;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  char byte;
  int n;

  addr.sin_family = AF_INET;
  addr.sin_port = htons ((guint16) c->port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  SSL_CTX_set_min_proto_version (ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version (ctx, c->max_version);
  /* Old firmware offers them even where this system's configuration
   * turns them off. */
  SSL_CTX_clear_options (ctx, SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
  SSL_CTX_set_cipher_list (ctx, c->ciphers);
  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);
  if (c->sigalgs != NULL)
    g_assert_cmpint (SSL_CTX_set1_sigalgs_list (ctx, c->sigalgs), ==, 1);
  if (c->root_pem != NULL)
    {
      BIO *bio = BIO_new_mem_buf (c->root_pem, -1);
      X509 *root = PEM_read_bio_X509 (bio, NULL, NULL, NULL);

      g_assert_nonnull (root);
      g_assert_cmpint (X509_STORE_add_cert (SSL_CTX_get_cert_store (ctx), root), ==, 1);
      X509_free (root);
      BIO_free (bio);
    }
  ssl = SSL_new (ctx);
  SSL_set_fd (ssl, fd);

  if (SSL_connect (ssl) == 1)
    {
      X509 *peer = SSL_get0_peer_certificate (ssl);

      c->handshake_ok = TRUE;
      g_strlcpy (c->version, SSL_get_version (ssl), sizeof c->version);
      g_strlcpy (c->cipher, SSL_get_cipher_name (ssl), sizeof c->cipher);
      c->verify = SSL_get_verify_result (ssl);
      if (peer != NULL)
        {
          g_strlcpy (c->key_type, EVP_PKEY_get0_type_name (X509_get0_pubkey (peer)), sizeof c->key_type);
          X509_NAME_get_text_by_NID (X509_get_subject_name (peer), NID_commonName,
                                     c->common_name, sizeof c->common_name);
        }
      n = SSL_read (ssl, &byte, 1);
      if (n <= 0)
        {
          int err = SSL_get_error (ssl, n);

          /* A timeout is the server still waiting for APF. */
          c->closed_by_server = !(err == SSL_ERROR_WANT_READ ||
                                  (err == SSL_ERROR_SYSCALL && errno == EAGAIN));
        }
    }
  ERR_clear_error ();

  SSL_free (ssl);
  SSL_CTX_free (ctx);
  close (fd);
  g_atomic_int_set (&c->done, 1);
  return NULL;
}

static gboolean
old_client_done (gpointer data)
{
  return g_atomic_int_get (&((OldClient *) data)->done) != 0;
}

static void
run_old_client (Fixture   *f,
                OldClient *c)
{
  GThread *thread;

  c->port = f->port;
  thread = g_thread_new ("old-client", old_client_thread, c);
  g_assert_true (cira_test_wait_until (old_client_done, c, 10000));
  g_thread_join (thread);
}

/* Where OpenSSL's configuration turns TLS 1.0 and 1.1 off, as a
 * distribution's crypto policy may, legacy-tls-available is FALSE, and
 * rightly: a TLS 1.0 client gets no handshake even with legacy TLS
 * allowed, while a modern one still does.  In a child started with that
 * configuration (OpenSSL reads it once per process). */
static void
test_legacy_tls_unavailable_child (Fixture       *f,
                                   gconstpointer  data)
{
  OldClient tls10 = { 0, TLS1_VERSION, "DEFAULT:@SECLEVEL=0" };
  OldClient modern = { 0, TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256" };

  g_assert_false (ob_mps_server_get_legacy_tls_available (f->mps.server));
  ob_config_set_allow_legacy_tls (f->mps.config, TRUE);
  run_old_client (f, &tls10);
  g_assert_false (tls10.handshake_ok);
  run_old_client (f, &modern);
  g_assert_true (modern.handshake_ok);
  g_assert_false (modern.closed_by_server);
}

static void
test_legacy_tls_unavailable (void)
{
  g_autofree char *conf = g_test_build_filename (G_TEST_DIST, "openssl-no-legacy-tls.cnf", NULL);

  g_setenv ("OPENSSL_CONF", conf, TRUE);
  g_test_trap_subprocess ("/mps-server/legacy-tls-unavailable/subprocess", 120 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("OPENSSL_CONF");
  g_test_trap_assert_passed ();
}

static void
test_tls_policy (Fixture       *f,
                 gconstpointer  data)
{
  OldClient tls10 = { 0, TLS1_VERSION, "DEFAULT:@SECLEVEL=0" };
  OldClient tls11 = { 0, TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0" };
  OldClient rsa = { 0, TLS1_2_VERSION, "AES128-SHA:@SECLEVEL=0" };
  OldClient modern = { 0, TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256" };
  OldClient legacy = { 0, TLS1_VERSION, "DEFAULT:@SECLEVEL=0" };
  OldClient legacy_rsa = { 0, TLS1_2_VERSION, "AES128-SHA:@SECLEVEL=0" };
  g_autoptr(GPtrArray) entries = NULL;

  if (!ob_mps_server_get_legacy_tls_available (f->mps.server))
    {
      g_test_skip ("The TLS backend offers no TLS 1.0 here");
      return;
    }

  /* Off (the default): old versions and static RSA get through the
   * backend's handshake, and are closed right after it. */
  g_assert_false (ob_config_get_allow_legacy_tls (f->mps.config));
  run_old_client (f, &tls10);
  g_assert_true (tls10.handshake_ok);
  g_assert_cmpstr (tls10.version, ==, "TLSv1");
  g_assert_true (tls10.closed_by_server);
  run_old_client (f, &tls11);
  g_assert_true (tls11.handshake_ok);
  g_assert_true (tls11.closed_by_server);
  run_old_client (f, &rsa);
  g_assert_true (rsa.handshake_ok);
  g_assert_cmpstr (rsa.cipher, ==, "AES128-SHA");
  g_assert_true (rsa.closed_by_server);
  run_old_client (f, &modern);
  g_assert_true (modern.handshake_ok);
  g_assert_false (modern.closed_by_server);
  g_assert_cmpuint (stats (f).tls_refused, ==, 3);

  entries = activity (f, "cira-tls-refused");
  g_assert_cmpuint (entries->len, >=, 1);
  g_assert_nonnull (strstr (ob_activity_entry_get_detail (g_ptr_array_index (entries, entries->len - 1)),
                            "legacy TLS"));

  /* On: admitted. */
  ob_config_set_allow_legacy_tls (f->mps.config, TRUE);
  run_old_client (f, &legacy);
  g_assert_true (legacy.handshake_ok);
  g_assert_false (legacy.closed_by_server);
  run_old_client (f, &legacy_rsa);
  g_assert_true (legacy_rsa.handshake_ok);
  g_assert_false (legacy_rsa.closed_by_server);
  g_assert_cmpuint (stats (f).tls_refused, ==, 3);
}

/* The RSA certificate for clients that only take RSA (as AMT firmware
 * may), its ECDSA twin for the others; both name the MPS and chain to the
 * root devices are given. */
static void
test_certificate_choice (Fixture       *f,
                         gconstpointer  data)
{
  OldClient rsa12 = { .max_version = TLS1_2_VERSION, .ciphers = "ECDHE-RSA-AES128-GCM-SHA256",
                      .root_pem = ca.root_pem };
  OldClient any12 = { .max_version = TLS1_2_VERSION, .ciphers = "DEFAULT", .root_pem = ca.root_pem };
  OldClient any13 = { .max_version = TLS1_3_VERSION, .ciphers = "DEFAULT", .root_pem = ca.root_pem };
  OldClient rsa13 = { .max_version = TLS1_3_VERSION, .ciphers = "DEFAULT",
                      .sigalgs = "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384", .root_pem = ca.root_pem };
  OldClient *clients[] = { &rsa12, &any12, &any13, &rsa13 };
  const char *expected_key[] = { "RSA", "EC", "EC", "RSA" };

  for (gsize i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      run_old_client (f, clients[i]);
      g_assert_true (clients[i]->handshake_ok);
      g_assert_false (clients[i]->closed_by_server);
      g_assert_cmpstr (clients[i]->key_type, ==, expected_key[i]);
      g_assert_cmpstr (clients[i]->common_name, ==, "mps.test.example");
      g_assert_cmpint (clients[i]->verify, ==, X509_V_OK);
    }
  g_assert_cmpstr (rsa12.cipher, ==, "ECDHE-RSA-AES128-GCM-SHA256");
  g_assert_cmpstr (any12.cipher, ==, "ECDHE-ECDSA-AES128-GCM-SHA256");
  g_assert_cmpstr (any13.version, ==, "TLSv1.3");
  g_assert_cmpuint (stats (f).tls_refused, ==, 0);
}

static void
test_port_in_use (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GSocketListener) other = g_socket_listener_new ();
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  guint port;

  g_assert_true (g_socket_listener_add_address (other, any, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  ob_mps_server_start_async (f->mps.server, "127.0.0.1", (int) port, NULL, cira_test_store_result, &result);
  g_assert_false (ob_mps_server_start_finish (f->mps.server, cira_test_wait_result (&result), &error));
  g_assert_error (error, OB_MPS_ERROR, OB_MPS_ERROR_PORT_IN_USE);
  expected = g_strdup_printf ("Port %u is already in use", port);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpstr (ob_mps_server_get_last_error (f->mps.server), ==, expected);
  g_assert_false (ob_mps_server_get_listening (f->mps.server));
  g_assert_cmpuint (ob_mps_server_get_port (f->mps.server), ==, 0);
  g_clear_error (&error);
  g_clear_object (&result);

  /* A failed start may be tried again; one that worked may not. */
  ob_mps_server_start_async (f->mps.server, "127.0.0.1", 0, NULL, cira_test_store_result, &result);
  g_assert_true (ob_mps_server_start_finish (f->mps.server, cira_test_wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_true (ob_mps_server_get_listening (f->mps.server));
  g_assert_null (ob_mps_server_get_last_error (f->mps.server));
  g_clear_object (&result);
  ob_mps_server_start_async (f->mps.server, "127.0.0.1", 0, NULL, cira_test_store_result, &result);
  g_assert_false (ob_mps_server_start_finish (f->mps.server, cira_test_wait_result (&result), &error));
  g_assert_error (error, OB_MPS_ERROR, OB_MPS_ERROR_ALREADY_STARTED);
}

static void
test_follows_port_setting (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GSocketListener) other = g_socket_listener_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint taken = 0, free_port;

  /* Two ports: one taken by someone else, one free. */
  for (guint candidate = 20000 + g_random_int_range (0, 20000); taken == 0; candidate++)
    if (g_socket_listener_add_inet_port (other, (guint16) candidate, NULL, NULL))
      taken = candidate;
  {
    g_autoptr(GSocketListener) probe = g_socket_listener_new ();

    free_port = g_socket_listener_add_any_inet_port (probe, NULL, &error);
    g_assert_no_error (error);
    g_socket_listener_close (probe);
  }

  ob_config_set_cira_port (f->mps.config, taken);
  ob_mps_server_start_async (f->mps.server, NULL, -1, NULL, cira_test_store_result, &result);
  g_assert_false (ob_mps_server_start_finish (f->mps.server, cira_test_wait_result (&result), &error));
  g_assert_error (error, OB_MPS_ERROR, OB_MPS_ERROR_PORT_IN_USE);
  g_assert_false (ob_mps_server_get_listening (f->mps.server));

  /* The admin picks another port: tried at once. */
  ob_config_set_cira_port (f->mps.config, free_port);
  g_assert_true (cira_test_wait_until (listening, f->mps.server, 5000));
  g_assert_cmpuint (ob_mps_server_get_port (f->mps.server), ==, free_port);
  g_assert_null (ob_mps_server_get_last_error (f->mps.server));
  g_assert_cmpstr (ob_mps_server_get_address (f->mps.server), ==, "0.0.0.0");
  f->port = free_port;
  {
    g_autoptr(GSocketConnection) c = tcp_connect (f, NULL);

    write_all (G_IO_STREAM (c), "GET / HTTP/1.0\r\n\r\n", 18);
    g_assert_true (read_until_closed (G_IO_STREAM (c), 5000, NULL));
  }
  g_assert_cmpuint (stats (f).http_answered, ==, 1);
}

static void
on_reissued (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_certificate_reload (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(Device) before = NULL;
  g_autoptr(Device) after = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_cn = g_strdup (ob_cert_authority_get_common_name (ca.authority));
  g_autofree char *subject_before = NULL;
  g_autofree char *subject_after = NULL;

  before = device_open_tls (f, NULL);
  g_assert_no_error (before->tls_error);
  subject_before = g_tls_certificate_get_subject_name (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (before->tls)));
  g_assert_nonnull (strstr (subject_before, old_cn));

  ob_cert_authority_ensure_async (ca.authority, "mps.reload.example", NULL, on_reissued, &result);
  g_assert_true (ob_cert_authority_ensure_finish (ca.authority, cira_test_wait_result (&result), &error));
  g_assert_no_error (error);

  after = device_open_tls (f, NULL);
  g_assert_no_error (after->tls_error);
  subject_after = g_tls_certificate_get_subject_name (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (after->tls)));
  g_assert_nonnull (strstr (subject_after, "mps.reload.example"));

  /* Back, for the other tests. */
  g_clear_object (&result);
  ob_cert_authority_ensure_async (ca.authority, old_cn, NULL, on_reissued, &result);
  g_assert_true (ob_cert_authority_ensure_finish (ca.authority, cira_test_wait_result (&result), &error));
}

/* ---- the flood ------------------------------------------------------------------------------ */

typedef struct
{
  Fixture   *f;
  GPtrArray *connections;   /* GIOStream: kept open */
  guint      n_pending;
  guint      n_failed;
} Flood;

static void
on_flood_connected (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Flood *flood = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);

  flood->n_pending--;
  if (connection == NULL)
    {
      flood->n_failed++;
      return;
    }
  g_ptr_array_add (flood->connections, connection);
}

static void
on_garbage_handshake (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Flood *flood = user_data;
  g_autoptr(GError) error = NULL;
  static const guint8 junk[] = { 0x00, 0xde, 0xad, 0xbe, 0xef, 0x42, 0x17, 0x99 };

  flood->n_pending--;
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    return;
  /* Not APF. */
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (source)), junk,
                             sizeof junk, NULL, NULL, NULL);
}

static void
on_garbage_connected (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Flood *flood = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source),
                                                                            result, &error);
  g_autoptr(GIOStream) tls = NULL;

  if (connection == NULL)
    {
      flood->n_pending--;
      flood->n_failed++;
      return;
    }

  tls = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_our_root), NULL);
  g_ptr_array_add (flood->connections, g_object_ref (tls));
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL,
                                    on_garbage_handshake, flood);
}

/* A TLS record header, then either silence in the middle of a
 * ClientHello or bytes that are no ClientHello at all. */
static void
on_tls_garbage_connected (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  Flood *flood = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  static const guint8 hello_start[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00 };
  static const guint8 not_hello[] = { 0x16, 0x03, 0x01, 0x00, 0x08, 0xff, 0xff, 0xff, 0xff,
                                      0x00, 0x00, 0x00, 0x00 };
  gboolean partial = flood->connections->len % 2 == 0;

  flood->n_pending--;
  if (connection == NULL)
    {
      flood->n_failed++;
      return;
    }
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             partial ? hello_start : not_hello,
                             partial ? sizeof hello_start : sizeof not_hello, NULL, NULL, NULL);
  g_ptr_array_add (flood->connections, connection);
}

static gboolean
flood_started (gpointer data)
{
  return ((Flood *) data)->n_pending == 0;
}

static void
test_flood (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GSocketClient) half_open = socket_client ("127.0.0.1");
  g_autoptr(GSocketClient) garbage = socket_client ("127.0.0.3");
  g_autoptr(Device) dev = NULL;
  g_autoptr(Device) newcomer = NULL;
  g_autoptr(GError) error = NULL;
  Flood flood = { f, g_ptr_array_new_with_free_func (g_object_unref), 0, 0 };
  ObMpsServerStats s;
  guint sim_state = ob_sim_device_get_power_state (f->sim);
  gint64 start;

  g_object_set (f->mps.server, "handshake-timeout-ms", 3000, NULL);
  server_start (f);
  register_device (f, GUID_A, CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);
  register_device (f, GUID_B, CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);
  dev = device_connect_from (f, "127.0.0.2", GUID_A, CIRA_USER, CIRA_PASSWORD);
  g_assert_true (ob_apf_session_is_authenticated (dev->session));
  g_assert_true (cira_test_wait_until (device_reachable, registry_device (f, GUID_A), 20000));

  /* 200 connections that never send a byte; 50 that start TLS with
   * garbage (half stop in the middle of a ClientHello, half send what no
   * ClientHello is); 5 that finish TLS and then send what is not APF.
   * (Few real TLS clients here: they would take the shared GIO worker
   * threads in this process, which a remote flood does not.) */
  for (guint i = 0; i < 200; i++)
    {
      flood.n_pending++;
      g_socket_client_connect_to_host_async (half_open, "127.0.0.1", (guint16) f->port, NULL,
                                             on_flood_connected, &flood);
    }
  for (guint i = 0; i < 50; i++)
    {
      flood.n_pending++;
      g_socket_client_connect_to_host_async (garbage, "127.0.0.1", (guint16) f->port, NULL,
                                             on_tls_garbage_connected, &flood);
    }
  for (guint i = 0; i < 5; i++)
    {
      flood.n_pending++;
      g_socket_client_connect_to_host_async (garbage, "127.0.0.1", (guint16) f->port, NULL,
                                             on_garbage_connected, &flood);
    }

  /* Meanwhile the connected device answers WS-Man, every time. */
  for (guint i = 0; i < 10; i++)
    {
      g_assert_cmpuint (power_state_over_cira (f, GUID_A, &error), ==, sim_state);
      g_assert_no_error (error);
    }

  /* And a device from elsewhere gets in, without waiting for the flood to
   * time out. */
  start = g_get_monotonic_time ();
  newcomer = device_connect_from (f, "127.0.0.4", GUID_B, CIRA_USER, CIRA_PASSWORD);
  g_assert_true (ob_apf_session_is_authenticated (newcomer->session));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2000 * 1000);

  g_assert_true (cira_test_wait_until (flood_started, &flood, 20000));
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->mps.server), ==, 2);
  s = stats (f);
  g_assert_cmpuint (s.accepted, >=, 250);
  /* One address may hold 64 unauthenticated connections. */
  g_assert_cmpuint (s.refused_throttled, >=, 100);

  /* The silent ones time out; the devices stay. */
  cira_test_spin_ms (3500);
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->mps.server), ==, 2);
  g_assert_cmpuint (ob_mps_server_get_n_connections (f->mps.server), ==, 2);
  g_assert_false (ob_apf_session_is_closed (dev->session));
  g_assert_cmpuint (power_state_over_cira (f, GUID_A, &error), ==, sim_state);
  g_assert_no_error (error);
  s = stats (f);
  g_assert_cmpuint (s.handshake_timeouts, >=, 64);

  g_ptr_array_unref (flood.connections);
}

/* ---- main ---------------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root_path = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  cira_test_ca_init (&ca, "mps.test.example");
  root_path = g_build_filename (ca.dir, "trusted-root.pem", NULL);
  g_assert_true (g_file_set_contents (root_path, ca.root_pem, -1, &error));
  root_database = g_tls_file_database_new (root_path, &error);
  g_assert_no_error (error);

#define ADD(path, func, late) \
  g_test_add (path, Fixture, late, fixture_setup, func, fixture_teardown)

  ADD ("/mps-server/http-answer", test_http_answer, NULL);
  ADD ("/mps-server/registered-device", test_registered_device, NULL);
  ADD ("/mps-server/no-amt-password", test_no_amt_password, NULL);
  ADD ("/mps-server/unknown-guid", test_unknown_guid, NULL);
  ADD ("/mps-server/wrong-credentials", test_wrong_credentials, NULL);
  ADD ("/mps-server/activity-flood-capped", test_activity_flood_capped, NULL);
  ADD ("/mps-server/auto-enroll", test_auto_enroll, NULL);
  ADD ("/mps-server/lan-device-refused", test_lan_device_refused, NULL);
  ADD ("/mps-server/reconnect-replaces", test_reconnect_replaces, NULL);
  ADD ("/mps-server/keepalive-last-seen", test_keepalive_last_seen, NULL);
  ADD ("/mps-server/idle-timeout", test_idle_timeout, "late");
  ADD ("/mps-server/handshake-timeout", test_handshake_timeout, "late");
  ADD ("/mps-server/address-throttle", test_address_throttle, "late");
  ADD ("/mps-server/pending-caps", test_pending_caps, "late");
  ADD ("/mps-server/channel-caps", test_channel_caps, "late");
  ADD ("/mps-server/tls-policy", test_tls_policy, NULL);
  ADD ("/mps-server/legacy-tls-unavailable/subprocess", test_legacy_tls_unavailable_child, NULL);
  g_test_add_func ("/mps-server/legacy-tls-unavailable", test_legacy_tls_unavailable);
  ADD ("/mps-server/certificate-choice", test_certificate_choice, NULL);
  ADD ("/mps-server/port-in-use", test_port_in_use, "late");
  ADD ("/mps-server/follows-port-setting", test_follows_port_setting, "late");
  ADD ("/mps-server/certificate-reload", test_certificate_reload, NULL);
  ADD ("/mps-server/flood", test_flood, "late");

#undef ADD

  ret = g_test_run ();

  g_clear_object (&root_database);
  cira_test_ca_clear (&ca);
  return ret;
}
