/* test-sim-cira.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The CIRA side of simulated devices (ObSimCira) against MPSs written
 * here, over real TLS on loopback:
 *
 *   - TestMps: ObApfSession in the server role on GTlsServerConnection,
 *     the way an MPS built on our APF library works;
 *   - RawMps: a hand-made APF server that records every byte and can
 *     behave like other MPS implementations (its own PROTOCOLVERSION back,
 *     REQUEST_SUCCESS without the port, no KEEPALIVE_OPTIONS), used for
 *     the wire-level checks and the fault modes. */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "cira-test-util.h"
#include "ob-amt-power.h"
#include "ob-apf-message.h"
#include "ob-apf-session.h"
#include "ob-cert-authority.h"
#include "ob-http-digest.h"
#include "ob-http-parser.h"
#include "ob-secret-store-memory.h"
#include "ob-sim-certificate.h"
#include "ob-sim-cira.h"
#include "ob-util.h"
#include "ob-wsman-client.h"
#include "ob-wsman-message.h"
#include "source-count-util.h"

#define USER     "cira-user"
#define PASSWORD "Cira!Pass1"
/* The SMBIOS-order example of mps-cira-apf.md §2.5. */
#define DOC_GUID "4c4c4544-004b-4210-8033-b6c04f504633"

static const guint amt_order[] = { 16993, 16992, 664, 623, 16995, 16994, 5900 };

static GTlsCertificate *server_certificate;

/* ---- conditions ------------------------------------------------------------------ */

static gboolean
cira_is_connected (gpointer data)
{
  return ob_sim_cira_get_state (data) == OB_SIM_CIRA_STATE_CONNECTED;
}

static gboolean
cira_is_disconnected (gpointer data)
{
  return ob_sim_cira_get_state (data) == OB_SIM_CIRA_STATE_DISCONNECTED;
}

/* Our TLS server side: glib-networking, but without loading the system
 * trust store into every connection. */
static GIOStream *
tls_server_new (GSocketConnection *connection)
{
  g_autoptr(GError) error = NULL;
  GIOStream *tls = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                                   NULL, &error,
                                   "base-io-stream", connection,
                                   "certificate", server_certificate,
                                   "database", NULL,
                                   NULL);

  g_assert_no_error (error);
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  return tls;
}

static GSocketService *
listen_loopback (guint *port)
{
  g_autoptr(GError) error = NULL;
  GSocketService *service = g_socket_service_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return service;
}

/* ---- TestMps: ObApfSession's server role ------------------------------------------ */

typedef struct
{
  GSocketService *service;
  guint           port;
  GPtrArray      *sessions;         /* every session, in order */
  guint           n_incoming;
  guint           n_auth_ok;
  guint           n_auth_failed;
  gboolean        refuse;           /* drop every TCP connection at once */
  guint           keepalive_interval;
  guint32         window_size;
} TestMps;

static void
mps_authenticate (ObApfSession     *session,
                  ObApfAuthRequest *request,
                  gpointer          user_data)
{
  TestMps *mps = user_data;
  gboolean ok = g_strcmp0 (ob_apf_auth_request_get_username (request), USER) == 0
                && g_strcmp0 (ob_apf_auth_request_get_password (request), PASSWORD) == 0;

  if (ok)
    mps->n_auth_ok++;
  else
    mps->n_auth_failed++;
  ob_apf_auth_request_complete (request, ok);
}

static void
mps_on_port_forwarded (ObApfSession *session,
                       guint         port,
                       gpointer      user_data)
{
  GArray *ports = g_object_get_data (G_OBJECT (session), "ports");

  g_array_append_val (ports, port);
}

static void
mps_on_handshake (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  TestMps *mps = user_data;
  g_autoptr(GIOStream) tls = G_IO_STREAM (source);
  g_autoptr(GError) error = NULL;
  ObApfSession *session;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), result, &error))
    return;

  session = ob_apf_session_new_server (tls);
  g_object_set_data_full (G_OBJECT (session), "ports", g_array_new (FALSE, FALSE, sizeof (guint)),
                          (GDestroyNotify) g_array_unref);
  ob_apf_session_set_authenticator (session, mps_authenticate, mps, NULL);
  if (mps->keepalive_interval > 0)
    ob_apf_session_set_keepalive_interval (session, mps->keepalive_interval);
  if (mps->window_size > 0)
    ob_apf_session_set_window_size (session, mps->window_size);
  g_signal_connect (session, "port-forwarded", G_CALLBACK (mps_on_port_forwarded), NULL);
  g_ptr_array_add (mps->sessions, session);
  ob_apf_session_start (session);
}

static gboolean
mps_on_incoming (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source_object,
                 gpointer           user_data)
{
  TestMps *mps = user_data;
  GIOStream *tls;

  mps->n_incoming++;
  if (mps->refuse)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  tls = tls_server_new (connection);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, mps_on_handshake, mps);
  return TRUE;
}

static TestMps *
mps_new (void)
{
  TestMps *mps = g_new0 (TestMps, 1);

  mps->sessions = g_ptr_array_new_with_free_func (g_object_unref);
  mps->service = listen_loopback (&mps->port);
  g_signal_connect (mps->service, "incoming", G_CALLBACK (mps_on_incoming), mps);
  g_socket_service_start (mps->service);
  return mps;
}

static void
mps_free (TestMps *mps)
{
  g_socket_service_stop (mps->service);
  g_socket_listener_close (G_SOCKET_LISTENER (mps->service));
  g_signal_handlers_disconnect_by_data (mps->service, mps);
  g_object_unref (mps->service);
  for (guint i = 0; i < mps->sessions->len; i++)
    ob_apf_session_close (g_ptr_array_index (mps->sessions, i), OB_APF_CLOSE_REASON_LOCAL);
  g_ptr_array_unref (mps->sessions);
  g_free (mps);
}

/* The newest session of @guid, or NULL. */
static ObApfSession *
mps_session (TestMps    *mps,
             const char *guid)
{
  for (guint i = mps->sessions->len; i > 0; i--)
    {
      ObApfSession *session = g_ptr_array_index (mps->sessions, i - 1);

      if (g_strcmp0 (ob_apf_session_get_guid (session), guid) == 0)
        return session;
    }
  return NULL;
}

static guint
mps_count_sessions (TestMps    *mps,
                    const char *guid)
{
  guint n = 0;

  for (guint i = 0; i < mps->sessions->len; i++)
    if (g_strcmp0 (ob_apf_session_get_guid (g_ptr_array_index (mps->sessions, i)), guid) == 0)
      n++;
  return n;
}

/* ---- devices ---------------------------------------------------------------------------- */

typedef struct
{
  ObSimCiraPool    *pool;
  ObSimDevice      *device;
  ObSimWsmanServer *server;
  ObSimCira        *cira;
} Device;

static Device *
device_new (const char *mps_host,
            guint       port,
            const char *guid,
            const char *password)
{
  Device *d = g_new0 (Device, 1);

  d->pool = ob_sim_cira_pool_new (mps_host, port);
  d->device = ob_sim_device_new (guid);
  d->server = ob_sim_wsman_server_new (d->device, NULL, NULL);
  d->cira = ob_sim_cira_new (d->pool, d->device, d->server, USER, password != NULL ? password : PASSWORD);
  return d;
}

static void
device_free (Device *d)
{
  ob_sim_cira_stop (d->cira);
  g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_STOPPED);
  cira_test_assert_finalized (d->cira);
  g_object_unref (d->server);
  g_object_unref (d->device);
  g_assert_finalize_object (d->pool);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Device, device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestMps, mps_free)

static gboolean
forwards_done (gpointer data)
{
  ObApfSession *session = ob_sim_cira_get_session (data);

  return session != NULL && ob_apf_session_has_forwarded_port (session, 5900);
}

/* ---- handshake in AMT's order ---------------------------------------------------------- */

static void
test_handshake (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  const char *guid = ob_sim_device_get_guid (d->device);
  ObApfSession *session;
  GArray *ports;
  g_autofree guint *accepted = NULL;
  gsize n_accepted;

  g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_STOPPED);
  ob_sim_cira_start (d->cira);
  g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_CONNECTING);
  g_assert_true (cira_test_wait_until (forwards_done, d->cira, 10000));
  g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_CONNECTED);
  g_assert_cmpuint (ob_sim_cira_get_n_attempts (d->cira), ==, 1);
  g_assert_cmpuint (ob_sim_cira_get_n_connects (d->cira), ==, 1);

  /* The MPS saw the device's GUID and CIRA user, then the seven ports in
   * AMT's order. */
  session = mps_session (mps, guid);
  g_assert_nonnull (session);
  g_assert_true (ob_apf_session_is_authenticated (session));
  g_assert_cmpstr (ob_apf_session_get_username (session), ==, USER);
  g_assert_cmpuint (ob_apf_session_get_protocol_major (session), ==, 1);
  g_assert_cmpuint (ob_apf_session_get_protocol_minor (session), ==, 0);
  g_assert_cmpuint (ob_apf_session_get_trigger_reason (session), ==, OB_APF_TRIGGER_PERIODIC);
  ports = g_object_get_data (G_OBJECT (session), "ports");
  g_assert_cmpmem (ports->data, ports->len * sizeof (guint), amt_order, sizeof amt_order);

  /* The device knows what was accepted. */
  accepted = ob_apf_session_dup_forwarded_ports (ob_sim_cira_get_session (d->cira), &n_accepted);
  g_assert_cmpmem (accepted, n_accepted * sizeof (guint), amt_order, sizeof amt_order);
  g_assert_cmpuint (mps->n_auth_ok, ==, 1);
  g_assert_null (ob_sim_cira_get_last_error (d->cira));
}

/* ---- RawMps: another MPS, byte by byte ------------------------------------------------- */

typedef struct _RawMps RawMps;

typedef struct
{
  RawMps     *mps;
  GIOStream  *tls;
  GByteArray *raw;            /* every byte the device sent */
  gsize       pos;            /* decoded up to here */
  GArray     *types;          /* message types, in order */
  GArray     *ports;          /* tcpip-forward ports, in order */
  GArray     *keepalive_times; /* monotonic µs of each KEEPALIVE_REQUEST */
  gsize       error_at;       /* offset of the message that did not decode */
  gboolean    error;
  gboolean    closed;         /* by the peer, or by us */
  gboolean    authenticated;
  guint8      buffer[4096];
} RawConn;

struct _RawMps
{
  GSocketService *service;
  guint           port;
  GPtrArray      *conns;
  /* Behaviour: what other MPS implementations do. */
  gboolean        send_version;       /* answer with our own PROTOCOLVERSION */
  gboolean        bare_success;       /* REQUEST_SUCCESS without the port */
  gboolean        keepalive_options;  /* KEEPALIVE_OPTIONS_REQUEST after 5900 */
  gboolean        mute;               /* stop answering keepalives */
};

static void
raw_conn_free (RawConn *c)
{
  g_clear_object (&c->tls);
  g_byte_array_unref (c->raw);
  g_array_unref (c->types);
  g_array_unref (c->ports);
  g_array_unref (c->keepalive_times);
  g_free (c);
}

static void
raw_close (RawConn *c)
{
  if (c->closed)
    return;
  c->closed = TRUE;
  g_io_stream_close (c->tls, NULL, NULL);
}

static void
raw_send (RawConn    *c,
          GByteArray *bytes)
{
  g_autoptr(GError) error = NULL;

  if (c->closed || bytes->len == 0)
    return;
  /* Small answers into an empty socket buffer: this does not block. */
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (c->tls), bytes->data, bytes->len, NULL,
                                  NULL, &error))
    raw_close (c);
}

static void
raw_process (RawConn *c)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  while (!c->error && c->pos < c->raw->len)
    {
      g_auto(ObApfMessage) m = { 0 };
      g_autoptr(GError) error = NULL;
      gsize used = 0;
      ObApfDecodeStatus status = ob_apf_message_decode (c->raw->data + c->pos, c->raw->len - c->pos, &m,
                                                        &used, &error);

      if (status == OB_APF_DECODE_NEED_MORE)
        break;
      if (status == OB_APF_DECODE_ERROR)
        {
          c->error = TRUE;
          c->error_at = c->pos;
          break;
        }
      c->pos += used;
      g_array_append_val (c->types, m.type);

      switch ((guint) m.type)
        {
        case OB_APF_PROTOCOL_VERSION:
          if (c->mps->send_version)
            ob_apf_encode_protocol_version (out, 1, 0, 0, "00000000-0000-0000-0000-000000000000");
          break;
        case OB_APF_SERVICE_REQUEST:
          ob_apf_encode_service_accept (out, m.service.name);
          break;
        case OB_APF_USERAUTH_REQUEST:
          c->authenticated = g_strcmp0 (m.userauth_request.username, USER) == 0
                             && g_strcmp0 (m.userauth_request.password, PASSWORD) == 0;
          if (c->authenticated)
            ob_apf_encode_userauth_success (out);
          else
            ob_apf_encode_userauth_failure (out, NULL);
          break;
        case OB_APF_GLOBAL_REQUEST:
          g_array_append_val (c->ports, m.global_request.port);
          ob_apf_encode_request_success (out, !c->mps->bare_success, m.global_request.port);
          if (m.global_request.port == 5900 && c->mps->keepalive_options)
            ob_apf_encode_keepalive_options_request (out, 1, 0);
          break;
        case OB_APF_KEEPALIVE_REQUEST:
          {
            gint64 now = g_get_monotonic_time ();

            g_array_append_val (c->keepalive_times, now);
            if (!c->mps->mute)
              ob_apf_encode_keepalive_reply (out, m.keepalive.cookie);
          }
          break;
        default:
          break;
        }
    }
  raw_send (c, out);
  /* Like the reference: a protocol error closes the TLS socket. */
  if (c->error)
    raw_close (c);
}

static void
raw_on_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RawConn *c = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || c->closed)
    {
      if (!c->closed)
        raw_close (c);
      return;
    }
  g_byte_array_append (c->raw, c->buffer, (guint) n);
  raw_process (c);
  if (!c->closed)
    g_input_stream_read_async (g_io_stream_get_input_stream (c->tls), c->buffer, sizeof c->buffer,
                               G_PRIORITY_DEFAULT, NULL, raw_on_read, c);
}

static void
raw_on_handshake (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  RawConn *c = user_data;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, NULL))
    {
      c->closed = TRUE;
      return;
    }
  g_input_stream_read_async (g_io_stream_get_input_stream (c->tls), c->buffer, sizeof c->buffer,
                             G_PRIORITY_DEFAULT, NULL, raw_on_read, c);
}

static gboolean
raw_on_incoming (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source_object,
                 gpointer           user_data)
{
  RawMps *mps = user_data;
  RawConn *c = g_new0 (RawConn, 1);

  c->mps = mps;
  c->raw = g_byte_array_new ();
  c->types = g_array_new (FALSE, FALSE, sizeof (guint));
  c->ports = g_array_new (FALSE, FALSE, sizeof (guint32));
  c->keepalive_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  c->tls = tls_server_new (connection);
  g_ptr_array_add (mps->conns, c);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (c->tls), G_PRIORITY_DEFAULT, NULL, raw_on_handshake, c);
  return TRUE;
}

static RawMps *
raw_mps_new (void)
{
  RawMps *mps = g_new0 (RawMps, 1);

  mps->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) raw_conn_free);
  mps->service = listen_loopback (&mps->port);
  g_signal_connect (mps->service, "incoming", G_CALLBACK (raw_on_incoming), mps);
  g_socket_service_start (mps->service);
  return mps;
}

static void
raw_mps_free (RawMps *mps)
{
  g_socket_service_stop (mps->service);
  g_socket_listener_close (G_SOCKET_LISTENER (mps->service));
  g_signal_handlers_disconnect_by_data (mps->service, mps);
  g_object_unref (mps->service);
  for (guint i = 0; i < mps->conns->len; i++)
    raw_close (g_ptr_array_index (mps->conns, i));
  /* Reads in flight come back before the connections go. */
  cira_test_spin_ms (50);
  g_ptr_array_unref (mps->conns);
  g_free (mps);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawMps, raw_mps_free)

static RawConn *
raw_conn (RawMps *mps,
          guint   index)
{
  return index < mps->conns->len ? g_ptr_array_index (mps->conns, index) : NULL;
}

typedef struct
{
  RawMps *mps;
  guint   index;
  gsize   min_bytes;
} RawWait;

static gboolean
raw_has_bytes (gpointer data)
{
  RawWait *w = data;
  RawConn *c = raw_conn (w->mps, w->index);

  return c != NULL && c->raw->len >= w->min_bytes;
}

static gboolean
raw_has_error (gpointer data)
{
  RawWait *w = data;
  RawConn *c = raw_conn (w->mps, w->index);

  return c != NULL && c->error;
}

/* ---- the bytes on the wire ----------------------------------------------------------------- */

static void
test_wire_bytes (void)
{
  g_autoptr(RawMps) mps = raw_mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, DOC_GUID, NULL);
  static const guint8 smbios[16] = { 0x44, 0x45, 0x4c, 0x4c, 0x4b, 0x00, 0x10, 0x42,
                                     0x80, 0x33, 0xb6, 0xc0, 0x4f, 0x50, 0x46, 0x33 };
  RawWait w = { mps, 0, 0 };
  RawConn *c;
  g_auto(ObApfMessage) m = { 0 };
  gsize used = 0, off;
  guint32 word;

  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (forwards_done, d->cira, 10000));
  c = raw_conn (mps, 0);

  /* PROTOCOLVERSION: 93 bytes, 1.0, periodic, the GUID in SMBIOS order,
   * 64 reserved zero bytes. */
  g_assert_cmpuint (c->raw->len, >=, OB_APF_PROTOCOL_VERSION_SIZE);
  g_assert_cmpuint (c->raw->data[0], ==, OB_APF_PROTOCOL_VERSION);
  memcpy (&word, c->raw->data + 1, 4);
  g_assert_cmpuint (GUINT32_FROM_BE (word), ==, 1);
  memcpy (&word, c->raw->data + 5, 4);
  g_assert_cmpuint (GUINT32_FROM_BE (word), ==, 0);
  memcpy (&word, c->raw->data + 9, 4);
  g_assert_cmpuint (GUINT32_FROM_BE (word), ==, OB_APF_TRIGGER_PERIODIC);
  g_assert_cmpmem (c->raw->data + 13, 16, smbios, 16);
  for (guint i = 29; i < 93; i++)
    g_assert_cmpuint (c->raw->data[i], ==, 0);

  /* Then auth@, the user with "password", pfwd@, and the seven ports. */
  off = OB_APF_PROTOCOL_VERSION_SIZE;
  g_assert_cmpint (ob_apf_message_decode (c->raw->data + off, c->raw->len - off, &m, &used, NULL), ==,
                   OB_APF_DECODE_OK);
  g_assert_cmpuint (m.type, ==, OB_APF_SERVICE_REQUEST);
  g_assert_cmpstr (m.service.name, ==, OB_APF_SERVICE_AUTH);
  ob_apf_message_clear (&m);
  off += used;
  g_assert_cmpint (ob_apf_message_decode (c->raw->data + off, c->raw->len - off, &m, &used, NULL), ==,
                   OB_APF_DECODE_OK);
  g_assert_cmpuint (m.type, ==, OB_APF_USERAUTH_REQUEST);
  g_assert_cmpstr (m.userauth_request.username, ==, USER);
  g_assert_cmpstr (m.userauth_request.service, ==, OB_APF_SERVICE_PFWD);
  g_assert_cmpstr (m.userauth_request.method, ==, OB_APF_METHOD_PASSWORD);
  g_assert_cmpstr (m.userauth_request.password, ==, PASSWORD);
  ob_apf_message_clear (&m);

  g_assert_cmpuint (c->types->len, ==, 4 + G_N_ELEMENTS (amt_order));
  g_assert_cmpuint (g_array_index (c->types, guint, 3), ==, OB_APF_SERVICE_REQUEST);
  for (guint i = 0; i < G_N_ELEMENTS (amt_order); i++)
    {
      g_assert_cmpuint (g_array_index (c->types, guint, 4 + i), ==, OB_APF_GLOBAL_REQUEST);
      g_assert_cmpuint (g_array_index (c->ports, guint32, i), ==, amt_order[i]);
    }
  g_assert_false (c->error);
  (void) w;
}

/* ---- what other MPSs do -------------------------------------------------------------------- */

static gboolean
raw_has_keepalives (gpointer data)
{
  RawWait *w = data;
  RawConn *c = raw_conn (w->mps, w->index);

  return c != NULL && c->keepalive_times->len >= w->min_bytes;
}

static void
test_other_mps (void)
{
  g_autoptr(RawMps) mps = raw_mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  RawWait w = { mps, 0, 3 };
  ObApfSession *session;
  RawConn *c;
  gint64 gap;

  /* Its own PROTOCOLVERSION back, REQUEST_SUCCESS without the port, no
   * KEEPALIVE_OPTIONS. */
  mps->send_version = TRUE;
  mps->bare_success = TRUE;
  mps->keepalive_options = FALSE;

  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (forwards_done, d->cira, 10000));
  session = ob_sim_cira_get_session (d->cira);
  for (guint i = 0; i < G_N_ELEMENTS (amt_order); i++)
    g_assert_true (ob_apf_session_has_forwarded_port (session, amt_order[i]));
  c = raw_conn (mps, 0);
  g_assert_cmpuint (c->ports->len, ==, G_N_ELEMENTS (amt_order));
  g_assert_false (c->error);

  /* Not asked for another interval: AMT's 30 s. */
  g_assert_cmpuint (ob_apf_session_get_keepalive_interval (session), ==, 30);

  /* --keepalive 1: one a second, each answered. */
  ob_sim_cira_set_keepalive_interval (d->cira, 1);
  g_assert_true (cira_test_wait_until (raw_has_keepalives, &w, 6000));
  gap = g_array_index (c->keepalive_times, gint64, 2) - g_array_index (c->keepalive_times, gint64, 1);
  g_assert_cmpint (gap, >, 500 * 1000);
  g_assert_cmpint (gap, <, 1600 * 1000);
  cira_test_spin_ms (100);
  g_assert_cmpuint (ob_apf_session_get_n_keepalives (session), >=, 3);
  g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_CONNECTED);

  /* An MPS that stops answering (but keeps the socket) is given up after
   * three intervals. */
  mps->mute = TRUE;
  {
    gint64 start = g_get_monotonic_time ();

    g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 8000));
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
    g_assert_cmpstr (ob_sim_cira_get_last_error (d->cira), ==, "The MPS stopped answering keepalives");
  }
}

/* ---- keepalives at the interval the MPS asks for --------------------------------------------- */

static gboolean
server_has_keepalives (gpointer data)
{
  return ob_apf_session_get_n_keepalives (data) >= 2;
}

static void
test_keepalive (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  g_autoptr(Device) d2 = device_new ("127.0.0.1", mps->port, NULL, NULL);
  ObApfSession *server;

  /* The MPS asks for 1 s (KEEPALIVE_OPTIONS_REQUEST after 5900). */
  mps->keepalive_interval = 1;
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (forwards_done, d->cira, 10000));
  server = mps_session (mps, ob_sim_device_get_guid (d->device));
  g_assert_true (cira_test_wait_until (server_has_keepalives, server, 5000));
  g_assert_cmpuint (ob_apf_session_get_keepalive_interval (ob_sim_cira_get_session (d->cira)), ==, 1);
  g_assert_cmpint (ob_apf_session_get_last_seen (server), >, 0);

  /* --keepalive wins over what the MPS asks. */
  mps->keepalive_interval = 30;
  ob_sim_cira_set_keepalive_interval (d2->cira, 1);
  ob_sim_cira_start (d2->cira);
  g_assert_true (cira_test_wait_until (forwards_done, d2->cira, 10000));
  cira_test_spin_ms (100);
  g_assert_cmpuint (ob_apf_session_get_keepalive_interval (ob_sim_cira_get_session (d2->cira)), ==, 1);
  server = mps_session (mps, ob_sim_device_get_guid (d2->device));
  g_assert_true (cira_test_wait_until (server_has_keepalives, server, 5000));
}

/* ---- WS-Man through the channels -------------------------------------------------------------- */

static void
test_wsman (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  g_autoptr(ObWsmanClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *host = NULL;
  ObApfSession *session;
  guint state = 0, os_state = 0;

  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (forwards_done, d->cira, 10000));
  session = mps_session (mps, ob_sim_device_get_guid (d->device));

  /* The MPS side is an ObStreamSource: a channel to 16992 per connection. */
  host = g_strdup_printf ("%s:16992", ob_sim_device_get_guid (d->device));
  client = ob_wsman_client_new (OB_STREAM_SOURCE (session), 16992, host, OB_SIM_DEFAULT_USERNAME,
                                OB_SIM_DEFAULT_PASSWORD);
  ob_amt_power_state_async (client, NULL, cira_test_store_result, &result);
  node = ob_amt_power_state_finish (client, cira_test_wait_result (&result), &state, &os_state, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpuint (state, ==, ob_sim_device_get_power_state (d->device));
  g_assert_cmpuint (state, ==, OB_SIM_POWER_ON);
  g_clear_object (&result);
  g_clear_pointer (&node, json_node_unref);

  /* A power action changes the simulated device. */
  ob_amt_power_action_async (client, 8, NULL, cira_test_store_result, &result);
  {
    guint return_value = G_MAXUINT;

    node = ob_amt_power_action_finish (client, cira_test_wait_result (&result), &return_value, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (return_value, ==, 0);
  }
  g_assert_cmpuint (ob_sim_device_get_power_state (d->device), ==, OB_SIM_POWER_OFF_SOFT);
  g_assert_cmpuint (ob_sim_wsman_server_get_n_requests (d->server), >=, 3);

  /* Ports nobody serves are closed at once; the session goes on. */
  {
    g_autoptr(GAsyncResult) open = NULL;
    g_autoptr(ObApfChannel) channel = NULL;
    guint8 byte;
    gssize n;

    ob_apf_session_open_channel_async (session, 16994, NULL, cira_test_store_result, &open);
    channel = ob_apf_session_open_channel_finish (session, cira_test_wait_result (&open), &error);
    g_assert_no_error (error);
    g_clear_object (&open);
    g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (channel)), &byte, 1,
                               G_PRIORITY_DEFAULT, NULL, cira_test_store_result, &open);
    n = g_input_stream_read_finish (g_io_stream_get_input_stream (G_IO_STREAM (channel)), cira_test_wait_result (&open),
                                    &error);
    g_assert_no_error (error);
    g_assert_cmpint (n, ==, 0);
  }
  g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_CONNECTED);
}

/* ---- a large response through a small window -------------------------------------------------- */

static void
channel_write (ObApfChannel *channel,
               GBytes       *bytes)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (channel));

  g_output_stream_write_all_async (output, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_PRIORITY_DEFAULT, NULL, cira_test_store_result, &result);
  g_output_stream_write_all_finish (output, cira_test_wait_result (&result), NULL, &error);
  g_assert_no_error (error);
}

/* Read responses off @channel until @n are complete. */
static GPtrArray *
channel_read_responses (ObApfChannel *channel,
                        guint         n)
{
  g_autoptr(ObHttpParser) parser = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
  GPtrArray *responses = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_http_message_unref);
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (channel));
  guint8 buffer[4096];

  while (responses->len < n)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      gssize got;
      gsize off = 0;

      g_input_stream_read_async (input, buffer, sizeof buffer, G_PRIORITY_DEFAULT, NULL, cira_test_store_result, &result);
      got = g_input_stream_read_finish (input, cira_test_wait_result (&result), &error);
      g_assert_no_error (error);
      g_assert_cmpint (got, >, 0);
      while (off < (gsize) got)
        {
          gsize used = 0;
          ObHttpParseStatus status = ob_http_parser_feed (parser, buffer + off, (gsize) got - off, &used, &error);

          g_assert_no_error (error);
          off += used;
          if (status == OB_HTTP_PARSE_DONE)
            g_ptr_array_add (responses, ob_http_parser_steal_message (parser));
          else
            break;
        }
    }
  return responses;
}

static GBytes *
get_records_request (const char            *guid,
                     ObHttpDigestChallenge *challenge,
                     guint64                message_id)
{
  g_autofree char *action = ob_wsman_method_action ("AMT_MessageLog", "GetRecords");
  g_autofree char *resource = ob_wsman_resource_uri_for_class ("AMT_MessageLog");
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("IterationIdentifier", "1",
                                                                   "MaxReadRecords", "390", NULL);
  g_autofree char *body = ob_wsman_body_method_input ("AMT_MessageLog", "GetRecords", args);
  g_autofree char *xml = ob_wsman_build_request (action, resource, message_id, NULL, body);
  g_autoptr(ObHttpMessage) request = ob_http_message_new_request ("POST", "/wsman");
  g_autofree char *host = g_strdup_printf ("%s:16992", guid);
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  ob_http_message_append_header (request, "Host", host);
  ob_http_message_append_header (request, "Content-Type", "application/soap+xml;charset=UTF-8");
  if (challenge != NULL)
    {
      g_autofree char *authorization = ob_http_digest_challenge_authorize (challenge, OB_SIM_DEFAULT_USERNAME,
                                                                           OB_SIM_DEFAULT_PASSWORD,
                                                                           "POST", "/wsman");

      ob_http_message_append_header (request, "Authorization", authorization);
    }
  ob_http_message_set_body_data (request, xml, -1);
  bytes = ob_http_message_serialize (request, 0, &error);
  g_assert_no_error (error);
  return bytes;
}

static guint
count_substring (const char *haystack,
                 gsize       len,
                 const char *needle)
{
  guint n = 0;
  gsize nlen = strlen (needle);

  for (gsize i = 0; i + nlen <= len; i++)
    if (memcmp (haystack + i, needle, nlen) == 0)
      n++;
  return n;
}

static void
test_large_response (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  const char *guid = ob_sim_device_get_guid (d->device);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObApfChannel) channel = NULL;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GPtrArray) responses = NULL;
  g_autoptr(ObHttpDigestChallenge) challenge = NULL;
  g_autoptr(GByteArray) pipelined = g_byte_array_new ();
  ObApfSession *session;
  guint64 before, stalled;

  /* A full event log: each GetRecords answer is ~25 KiB. */
  for (guint i = 0; i < OB_SIM_DEVICE_MAX_EVENT_RECORDS; i++)
    ob_sim_device_add_event (d->device, 15, (guint8) (i % 16), 1, 34, NULL);

  mps->window_size = OB_APF_MIN_WINDOW_SIZE;
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (forwards_done, d->cira, 10000));
  session = mps_session (mps, guid);

  ob_apf_session_open_channel_async (session, 16992, NULL, cira_test_store_result, &result);
  channel = ob_apf_session_open_channel_finish (session, cira_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_apf_channel_get_window_size (channel), ==, OB_APF_MIN_WINDOW_SIZE);

  /* The digest challenge first. */
  first = get_records_request (guid, NULL, 1);
  channel_write (channel, first);
  responses = channel_read_responses (channel, 1);
  g_assert_cmpuint (ob_http_message_get_status (g_ptr_array_index (responses, 0)), ==, 401);
  challenge = ob_http_digest_challenge_from_response (g_ptr_array_index (responses, 0), &error);
  g_assert_no_error (error);
  g_clear_pointer (&responses, g_ptr_array_unref);

  /* Three requests at once (pipelined, as HTTP/1.1 allows): ~75 KiB of
   * answers against a 32 KiB window.  Not reading, the MPS gets at most
   * one window. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) request = get_records_request (guid, challenge, 2 + i);

      g_byte_array_append (pipelined, g_bytes_get_data (request, NULL), (guint) g_bytes_get_size (request));
    }
  before = ob_apf_channel_get_bytes_received (channel);
  {
    g_autoptr(GBytes) all = g_bytes_new (pipelined->data, pipelined->len);

    channel_write (channel, all);
  }
  cira_test_spin_ms (500);
  stalled = ob_apf_channel_get_bytes_received (channel) - before;
  g_assert_cmpuint (stalled, >, OB_APF_MIN_WINDOW_SIZE / 2);
  g_assert_cmpuint (stalled, <=, OB_APF_MIN_WINDOW_SIZE);
  g_assert_cmpuint (ob_apf_channel_get_max_receive_buffered (channel), <=, OB_APF_MIN_WINDOW_SIZE);

  /* Reading lets the rest through, intact. */
  responses = channel_read_responses (channel, 3);
  for (guint i = 0; i < 3; i++)
    {
      ObHttpMessage *response = g_ptr_array_index (responses, i);
      GBytes *body = ob_http_message_get_body (response);

      g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
      g_assert_cmpstr (ob_http_message_get_header (response, "Transfer-Encoding"), ==, "chunked");
      g_assert_cmpuint (count_substring (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                         "RecordArray>"), ==, 2 * OB_SIM_DEVICE_MAX_EVENT_RECORDS);
    }
  g_assert_cmpuint (ob_apf_channel_get_bytes_received (channel) - before, >, 2 * OB_APF_MIN_WINDOW_SIZE);
  g_assert_cmpuint (ob_apf_channel_get_n_window_adjusts_sent (channel), >=, 2);
  g_assert_cmpuint (ob_apf_channel_get_max_receive_buffered (channel), <=, OB_APF_MIN_WINDOW_SIZE);
}

/* ---- reconnecting --------------------------------------------------------------------------------- */

typedef struct
{
  GArray *delays;   /* retry delays seen at each disconnect, ms */
} Delays;

static void
on_disconnected_record (ObSimCira  *cira,
                        const char *reason,
                        gpointer    user_data)
{
  Delays *delays = user_data;
  guint delay = ob_sim_cira_get_retry_delay_ms (cira);

  g_array_append_val (delays->delays, delay);
}

static gboolean
has_n_delays (gpointer data)
{
  return ((Delays *) data)->delays->len >= 4;
}

typedef struct
{
  ObSimCira *cira;
  guint      n;
} Connects;

static gboolean
has_n_connects (gpointer data)
{
  Connects *c = data;

  return ob_sim_cira_get_n_connects (c->cira) >= c->n && cira_is_connected (c->cira);
}

static void
test_reconnect (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  const char *guid = ob_sim_device_get_guid (d->device);
  Delays delays = { g_array_new (FALSE, FALSE, sizeof (guint)) };
  Connects two = { d->cira, 2 };
  Connects three = { d->cira, 3 };
  guint base = 200;

  ob_sim_cira_set_backoff (d->cira, 200, 1600);
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (cira_is_connected, d->cira, 10000));

  /* The MPS drops it: the device comes back after the first backoff
   * (half to all of 200 ms). */
  g_signal_connect (d->cira, "disconnected", G_CALLBACK (on_disconnected_record), &delays);
  ob_apf_session_close (mps_session (mps, guid), OB_APF_CLOSE_REASON_REJECTED);
  g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 5000));
  g_assert_nonnull (ob_sim_cira_get_last_error (d->cira));
  g_assert_cmpuint (g_array_index (delays.delays, guint, 0), >=, 90);
  g_assert_cmpuint (g_array_index (delays.delays, guint, 0), <=, 200);
  g_assert_true (cira_test_wait_until (has_n_connects, &two, 5000));
  g_assert_cmpuint (mps_count_sessions (mps, guid), ==, 2);
  g_array_set_size (delays.delays, 0);

  /* Now the MPS drops every TCP connection at once: each failure doubles
   * the delay (with jitter), up to the maximum. */
  mps->refuse = TRUE;
  ob_apf_session_close (mps_session (mps, guid), OB_APF_CLOSE_REASON_REJECTED);
  g_assert_true (cira_test_wait_until (has_n_delays, &delays, 10000));
  /* The drop after a good connection starts at the first step again. */
  g_assert_cmpuint (g_array_index (delays.delays, guint, 0), <=, base);
  for (guint i = 1; i < 4; i++)
    {
      guint expected = MIN (base << (i - 1), 1600);
      guint seen = g_array_index (delays.delays, guint, i);

      g_test_message ("failure %u: retry after %u ms (base %u)", i, seen, expected);
      g_assert_cmpuint (seen, >=, expected / 2 - 10);
      g_assert_cmpuint (seen, <=, expected);
    }
  g_assert_cmpuint (ob_sim_cira_get_n_attempts (d->cira), >=, 5);

  /* And when the MPS is back, so is the device. */
  mps->refuse = FALSE;
  g_assert_true (cira_test_wait_until (has_n_connects, &three, 10000));
  g_signal_handlers_disconnect_by_data (d->cira, &delays);
  g_array_unref (delays.delays);
}

static gboolean
has_n_sessions (gpointer data)
{
  Connects *c = data;

  return ob_sim_cira_get_n_connects (c->cira) >= c->n;
}

static void
test_churn (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  Connects four = { d->cira, 4 };

  /* Two drops a second on average; quick comebacks. */
  ob_sim_cira_set_backoff (d->cira, 50, 100);
  ob_sim_cira_set_churn_rate (d->cira, 120);
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (has_n_sessions, &four, 15000));
  g_assert_cmpuint (mps_count_sessions (mps, ob_sim_device_get_guid (d->device)), >=, 4);
  g_assert_cmpuint (mps->n_auth_ok, >=, 4);
  g_assert_nonnull (strstr (ob_sim_cira_get_last_error (d->cira), "churn"));

  /* Churn off: it stays. */
  ob_sim_cira_set_churn_rate (d->cira, 0);
  g_assert_true (cira_test_wait_until (cira_is_connected, d->cira, 5000));
  {
    guint connects = ob_sim_cira_get_n_connects (d->cira);

    cira_test_spin_ms (1500);
    g_assert_cmpuint (ob_sim_cira_get_n_connects (d->cira), ==, connects);
    g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_CONNECTED);
  }
}

/* ---- wrong credentials ----------------------------------------------------------------------------- */

static void
test_wrong_credentials (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, "not the password");
  guint attempts;

  ob_sim_cira_set_backoff (d->cira, 200, 1600);
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 10000));
  g_assert_nonnull (strstr (ob_sim_cira_get_last_error (d->cira), "refused"));
  g_assert_cmpuint (ob_sim_cira_get_n_connects (d->cira), ==, 0);

  /* It retries later, and not in a loop: with 100-200, 200-400, 400-800,
   * 800-1600 ms between attempts, 2.5 s hold 3 to 5 more. */
  cira_test_spin_ms (2500);
  attempts = ob_sim_cira_get_n_attempts (d->cira);
  g_test_message ("%u attempts in 2.5 s", attempts);
  g_assert_cmpuint (attempts, >=, 3);
  g_assert_cmpuint (attempts, <=, 6);
  g_assert_cmpuint (mps->n_auth_failed, >=, attempts - 1);
  g_assert_cmpuint (mps->n_auth_failed, <=, attempts);
  g_assert_cmpuint (mps->n_auth_ok, ==, 0);
  g_assert_cmpint (ob_sim_cira_get_state (d->cira), !=, OB_SIM_CIRA_STATE_CONNECTED);
}

/* ---- fault modes ------------------------------------------------------------------------------------ */

static GBytes *
expected_version (const char *guid)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  ob_apf_encode_protocol_version (out, 1, 0, OB_APF_TRIGGER_PERIODIC, guid);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
test_fault_truncated (void)
{
  g_autoptr(RawMps) mps = raw_mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  g_autoptr(GBytes) version = expected_version (ob_sim_device_get_guid (d->device));
  RawWait w = { mps, 0, 1 };
  RawConn *c;
  gsize len;

  ob_sim_cira_set_fault (d->cira, OB_SIM_CIRA_FAULT_TRUNCATED);
  ob_sim_cira_set_backoff (d->cira, 100, 200);
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (raw_has_bytes, &w, 10000));
  cira_test_spin_ms (300);

  /* A proper start of PROTOCOLVERSION, cut short, then nothing. */
  c = raw_conn (mps, 0);
  len = c->raw->len;
  g_assert_cmpuint (len, >=, 1);
  g_assert_cmpuint (len, <, OB_APF_PROTOCOL_VERSION_SIZE);
  g_assert_cmpmem (c->raw->data, len, g_bytes_get_data (version, NULL), len);
  g_assert_cmpuint (c->types->len, ==, 0);
  g_assert_false (c->error);
  g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_CONNECTING);

  /* The MPS gives up on it; the device notes it and comes back later,
   * with another truncated greeting. */
  raw_close (c);
  g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 5000));
  g_assert_nonnull (strstr (ob_sim_cira_get_last_error (d->cira), "Fault sent"));
  w.index = 1;
  g_assert_true (cira_test_wait_until (raw_has_bytes, &w, 5000));
  cira_test_spin_ms (100);
  c = raw_conn (mps, 1);
  g_assert_cmpuint (c->raw->len, <, OB_APF_PROTOCOL_VERSION_SIZE);
  g_assert_cmpmem (c->raw->data, c->raw->len, g_bytes_get_data (version, NULL), c->raw->len);
}

static void
test_fault_oversized (void)
{
  g_autoptr(RawMps) mps = raw_mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  g_autoptr(GBytes) version = expected_version (ob_sim_device_get_guid (d->device));
  static const guint8 length[] = { 0x7f, 0xff, 0xff, 0xff };
  RawWait w = { mps, 0, 0 };
  RawConn *c;

  ob_sim_cira_set_fault (d->cira, OB_SIM_CIRA_FAULT_OVERSIZED);
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (raw_has_error, &w, 10000));
  c = raw_conn (mps, 0);

  /* A good PROTOCOLVERSION, then a SERVICE_REQUEST whose name length is
   * far over 2048: refused as soon as the length is visible. */
  g_assert_cmpmem (c->raw->data, OB_APF_PROTOCOL_VERSION_SIZE, g_bytes_get_data (version, NULL),
                   OB_APF_PROTOCOL_VERSION_SIZE);
  g_assert_cmpuint (c->error_at, ==, OB_APF_PROTOCOL_VERSION_SIZE);
  g_assert_cmpuint (c->raw->data[93], ==, OB_APF_SERVICE_REQUEST);
  g_assert_cmpmem (c->raw->data + 94, 4, length, 4);

  /* The MPS closed: a failed attempt. */
  g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 5000));
  g_assert_nonnull (strstr (ob_sim_cira_get_last_error (d->cira), "Fault sent"));
  g_assert_cmpuint (ob_sim_cira_get_n_connects (d->cira), ==, 0);
}

static void
test_fault_unknown_type (void)
{
  g_autoptr(RawMps) mps = raw_mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  RawWait w = { mps, 0, 0 };
  RawConn *c;
  g_auto(ObApfMessage) m = { 0 };
  g_autoptr(GError) error = NULL;
  gsize used;

  ob_sim_cira_set_fault (d->cira, OB_SIM_CIRA_FAULT_UNKNOWN_TYPE);
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (raw_has_error, &w, 10000));
  c = raw_conn (mps, 0);

  g_assert_cmpuint (c->types->len, ==, 1);
  g_assert_cmpuint (g_array_index (c->types, guint, 0), ==, OB_APF_PROTOCOL_VERSION);
  g_assert_cmpuint (c->error_at, ==, OB_APF_PROTOCOL_VERSION_SIZE);
  g_assert_cmpstr (ob_apf_message_type_to_string (c->raw->data[93]), ==, "unknown");
  g_assert_cmpint (ob_apf_message_decode (c->raw->data + 93, c->raw->len - 93, &m, &used, &error), ==,
                   OB_APF_DECODE_ERROR);
  g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 5000));
}

static void
test_fault_garbage (void)
{
  g_autoptr(RawMps) mps = raw_mps_new ();
  g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
  RawWait w = { mps, 0, 0 };
  RawConn *c;

  ob_sim_cira_set_fault (d->cira, OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH);
  ob_sim_cira_set_backoff (d->cira, 100, 200);
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (raw_has_error, &w, 10000));
  c = raw_conn (mps, 0);

  /* The whole handshake first (authenticated, seven ports), then bytes
   * that are not APF: a zero type byte. */
  g_assert_true (c->authenticated);
  g_assert_cmpuint (c->ports->len, ==, G_N_ELEMENTS (amt_order));
  g_assert_cmpuint (c->raw->data[c->error_at], ==, 0);
  g_assert_cmpuint (c->raw->len - c->error_at, ==, 64);

  /* Authenticated but faulty: no reset of the backoff, and it comes back
   * to do it again. */
  g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 5000));
  g_assert_nonnull (strstr (ob_sim_cira_get_last_error (d->cira), "Fault sent"));
  w.index = 1;
  g_assert_true (cira_test_wait_until (raw_has_error, &w, 10000));
  g_assert_true (raw_conn (mps, 1)->authenticated);
}

static void
test_fault_names (void)
{
  ObSimCiraFault fault = OB_SIM_CIRA_FAULT_NONE;

  g_assert_true (ob_sim_cira_fault_from_string ("garbage-after-auth", &fault));
  g_assert_cmpint (fault, ==, OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH);
  g_assert_true (ob_sim_cira_fault_from_string ("random", &fault));
  g_assert_cmpint (fault, ==, OB_SIM_CIRA_FAULT_RANDOM);
  g_assert_false (ob_sim_cira_fault_from_string ("everything", &fault));
  g_assert_false (ob_sim_cira_fault_from_string (NULL, &fault));
  g_assert_cmpstr (ob_sim_cira_fault_to_string (OB_SIM_CIRA_FAULT_OVERSIZED), ==, "oversized");
}

/* ---- the MPS certificate, as AMT checks it --------------------------------------------------------- */

static void
on_ensured (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ob_cert_authority_ensure_finish (OB_CERT_AUTHORITY (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
test_root_ca (void)
{
  g_autofree char *dir = g_dir_make_tmp ("outband-sim-cira-XXXXXX", NULL);
  g_autoptr(ObSecretStore) secrets = ob_secret_store_memory_new ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (dir, secrets);
  g_autoptr(GTlsCertificate) mps_certificate = NULL;
  g_autoptr(GTlsCertificate) root = NULL;
  g_autoptr(GTlsCertificate) stranger = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root_pem = NULL;
  g_autofree char *root_file = NULL;
  GTlsCertificate *saved = server_certificate;
  gboolean ready = FALSE;

  /* An MPS certificate issued by the MPS root for "mps.example.test". */
  ob_cert_authority_ensure_async (ca, "mps.example.test", NULL, on_ensured, &ready);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &ready, 60000));
  mps_certificate = ob_cert_authority_dup_tls_certificate (ca, &error);
  g_assert_no_error (error);
  root_pem = ob_cert_authority_dup_root_pem (ca);
  root_file = g_build_filename (dir, "root.pem", NULL);
  g_assert_true (g_file_set_contents (root_file, root_pem, -1, NULL));
  stranger = ob_sim_certificate_new ("mps.example.test", NULL, &error);
  g_assert_no_error (error);
  server_certificate = mps_certificate;

  {
    g_autoptr(TestMps) mps = mps_new ();

    /* Provisioned with the root and the name: accepted. */
    {
      g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);

      g_assert_true (ob_sim_cira_pool_load_root_file (d->pool, root_file, &error));
      g_assert_no_error (error);
      ob_sim_cira_pool_set_common_name (d->pool, "MPS.example.test");
      ob_sim_cira_start (d->cira);
      g_assert_true (cira_test_wait_until (cira_is_connected, d->cira, 10000));
    }

    /* The right root, another name (AMT's FQDN rule: the host it calls). */
    {
      g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);

      g_assert_true (ob_sim_cira_pool_load_root_file (d->pool, root_file, &error));
      ob_sim_cira_start (d->cira);
      g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 10000));
      g_assert_nonnull (strstr (ob_sim_cira_get_last_error (d->cira), "it is for “mps.example.test”, not “127.0.0.1”"));
    }

    /* Another root: refused, whatever the name. */
    {
      g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);

      ob_sim_cira_pool_set_root_certificate (d->pool, stranger);
      ob_sim_cira_pool_set_common_name (d->pool, "mps.example.test");
      ob_sim_cira_start (d->cira);
      g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 10000));
      g_assert_nonnull (strstr (ob_sim_cira_get_last_error (d->cira), "refused"));
      g_assert_cmpuint (ob_sim_cira_get_n_connects (d->cira), ==, 0);
    }

    /* No root: anything goes (the simulator's default). */
    {
      g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);

      ob_sim_cira_start (d->cira);
      g_assert_true (cira_test_wait_until (cira_is_connected, d->cira, 10000));
    }
    g_assert_cmpuint (mps->n_auth_ok, ==, 2);
  }

  /* A file that holds no certificate. */
  {
    g_autoptr(ObSimCiraPool) pool = ob_sim_cira_pool_new ("127.0.0.1", 4433);
    g_autofree char *empty = g_build_filename (dir, "empty.pem", NULL);

    g_assert_true (g_file_set_contents (empty, "nothing here\n", -1, NULL));
    g_assert_false (ob_sim_cira_pool_load_root_file (pool, empty, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_remove (empty);
  }

  server_certificate = saved;
  g_remove (root_file);
  g_remove (g_build_filename (dir, OB_CERT_AUTHORITY_ROOT_FILE, NULL));
  g_remove (g_build_filename (dir, OB_CERT_AUTHORITY_SERVER_FILE, NULL));
  g_rmdir (dir);
}

/* ---- stopping, and an MPS that is not there --------------------------------------------------------- */

static void
test_stop (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  guint dead_port;

  /* Stopped while connected: gone from the MPS, no comeback. */
  {
    g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);
    ObApfSession *server;

    ob_sim_cira_start (d->cira);
    g_assert_true (cira_test_wait_until (cira_is_connected, d->cira, 10000));
    server = mps_session (mps, ob_sim_device_get_guid (d->device));
    ob_sim_cira_stop (d->cira);
    g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_STOPPED);
    g_assert_null (ob_sim_cira_get_session (d->cira));
    g_assert_true (cira_test_wait_until ((CiraTestCondition) ob_apf_session_is_closed, server, 5000));
    cira_test_spin_ms (300);
    g_assert_cmpuint (ob_sim_cira_get_n_attempts (d->cira), ==, 1);
  }

  /* Stopped while waiting for a slot or connecting. */
  {
    g_autoptr(Device) d = device_new ("127.0.0.1", mps->port, NULL, NULL);

    ob_sim_cira_start (d->cira);
    ob_sim_cira_stop (d->cira);
    g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_STOPPED);
    cira_test_spin_ms (200);
    g_assert_cmpint (ob_sim_cira_get_state (d->cira), ==, OB_SIM_CIRA_STATE_STOPPED);
    g_assert_cmpuint (ob_sim_cira_get_n_connects (d->cira), ==, 0);
    /* And started again. */
    ob_sim_cira_start (d->cira);
    g_assert_true (cira_test_wait_until (cira_is_connected, d->cira, 10000));
  }

  /* Nobody listening: connection refused, retried after the backoff. */
  {
    g_autoptr(GSocketService) service = listen_loopback (&dead_port);
    g_autoptr(Device) d = NULL;

    g_socket_service_stop (service);
    g_socket_listener_close (G_SOCKET_LISTENER (service));
    d = device_new ("127.0.0.1", dead_port, NULL, NULL);
    ob_sim_cira_set_backoff (d->cira, 5000, 5000);
    ob_sim_cira_start (d->cira);
    g_assert_true (cira_test_wait_until (cira_is_disconnected, d->cira, 10000));
    g_assert_nonnull (ob_sim_cira_get_last_error (d->cira));
    g_assert_cmpuint (ob_sim_cira_get_retry_delay_ms (d->cira), >=, 2000);
    g_assert_cmpuint (ob_sim_cira_get_n_attempts (d->cira), ==, 1);
  }
}

/* ---- the pool's own connect ------------------------------------------------------------------------- */

/* One ob_sim_cira_pool_connect_async() and what came back. */
typedef struct
{
  gboolean   done;
  GIOStream *stream;
  GError    *error;
  gint64     finished;
} PoolResult;

static void
on_pool_connected (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  PoolResult *r = user_data;

  r->stream = ob_sim_cira_pool_connect_finish (OB_SIM_CIRA_POOL (source), result, &r->error);
  r->finished = g_get_monotonic_time ();
  r->done = TRUE;
}

static gboolean
pool_result_done (gpointer data)
{
  return ((PoolResult *) data)->done;
}

static void
pool_result_clear (PoolResult *r)
{
  if (r->stream != NULL)
    g_io_stream_close (r->stream, NULL, NULL);
  g_clear_object (&r->stream);
  g_clear_error (&r->error);
  r->done = FALSE;
}

/* A loopback port that takes no more connections: a backlog of one,
 * filled, and nobody accepting.  The kernel then drops further SYNs, so a
 * connect to it stays in progress.  @fill keeps the filling sockets. */
static GSocket *
listen_full (guint      *port,
             GPtrArray  *fill)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, any, TRUE, &error));
  g_socket_set_listen_backlog (listener, 0);
  g_assert_true (g_socket_listen (listener, &error));
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  for (guint i = 0; i < 3; i++)
    {
      GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

      g_assert_no_error (error);
      g_socket_set_blocking (socket, FALSE);
      g_socket_connect (socket, bound, NULL, NULL);
      g_ptr_array_add (fill, socket);
    }
  cira_test_spin_ms (100);
  return listener;
}

static void
test_pool_refused (void)
{
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(ObSimCiraPool) pool = NULL;
  PoolResult r = { 0 };
  ObPoller *poller;
  guint dead_port, mark, n_sources;

  service = listen_loopback (&dead_port);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));

  pool = ob_sim_cira_pool_new ("127.0.0.1", dead_port);
  poller = ob_sim_cira_pool_get_poller (pool);
  mark = source_count_mark ();
  ob_sim_cira_pool_connect_async (pool, NULL, on_pool_connected, &r);
  /* Never from inside the call. */
  g_assert_false (r.done);
  g_assert_true (cira_test_wait_until (pool_result_done, &r, 5000));
  n_sources = source_count_since (&mark);

  g_assert_null (r.stream);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (r.error->message, "refused"));
  /* The slot, the wait and the deadline are given back.  Sources:
   * wait_until()'s deadline, and at most GTask's answer (when the refusal
   * came at once, inside the call). */
  g_assert_cmpuint (ob_sim_cira_pool_get_n_connecting (pool), ==, 0);
  g_assert_cmpuint (ob_poller_get_n_watches (poller), ==, 0);
  g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, 0);
  g_test_message ("sources attached: %u", n_sources);
  g_assert_cmpuint (n_sources, <=, 2);
  pool_result_clear (&r);

  /* A queue of attempts that each fail at once: every one answers, one
   * at a time, without the queue unwinding through the stack. */
  {
    g_autofree PoolResult *many = g_new0 (PoolResult, 2000);
    guint refused = 0;

    ob_sim_cira_pool_set_max_connecting (pool, 1);
    for (guint i = 0; i < 2000; i++)
      ob_sim_cira_pool_connect_async (pool, NULL, on_pool_connected, &many[i]);
    g_assert_cmpuint (ob_sim_cira_pool_get_n_waiting (pool), >=, 1998);
    g_assert_true (cira_test_wait_until (pool_result_done, &many[1999], 20000));
    for (guint i = 0; i < 2000; i++)
      {
        g_assert_true (many[i].done);
        if (g_error_matches (many[i].error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
          refused++;
        pool_result_clear (&many[i]);
      }
    g_assert_cmpuint (refused, ==, 2000);
    g_assert_cmpuint (ob_sim_cira_pool_get_max_seen_connecting (pool), ==, 1);
    g_assert_cmpuint (ob_sim_cira_pool_get_n_waiting (pool), ==, 0);
    g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, 0);
  }
}

/* Attempts take the pool's local addresses in turn (devices have
 * addresses of their own; an MPS throttles per address). */
static void
test_pool_local_addresses (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                              &error);
  g_autoptr(GInetAddress) first = g_inet_address_new_from_string ("127.3.0.1");
  g_autoptr(ObSimCiraPool) pool = NULL;
  g_autoptr(GPtrArray) accepted = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GString) seen = g_string_new (NULL);
  PoolResult r[5] = { 0 };

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);

  pool = ob_sim_cira_pool_new ("127.0.0.1", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  ob_sim_cira_pool_set_local_address (pool, first, 3);
  /* One attempt at a time, so they reach the listener in order. */
  ob_sim_cira_pool_set_max_connecting (pool, 1);
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    ob_sim_cira_pool_connect_async (pool, NULL, on_pool_connected, &r[i]);

  /* Each is accepted and closed before its TLS handshake gets an answer,
   * which fails it and lets the next one start. */
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    {
      GSocket *peer = NULL;
      g_autoptr(GSocketAddress) remote = NULL;
      g_autofree char *text = NULL;

      for (guint spins = 0; peer == NULL && spins < 500; spins++)
        {
          g_socket_set_blocking (listener, FALSE);
          peer = g_socket_accept (listener, NULL, NULL);
          if (peer == NULL)
            cira_test_spin_ms (10);
        }
      g_assert_nonnull (peer);
      g_ptr_array_add (accepted, peer);
      remote = g_socket_get_remote_address (peer, &error);
      g_assert_no_error (error);
      text = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
      g_string_append_printf (seen, "%s%s", i > 0 ? " " : "", text);
      g_socket_close (peer, NULL);
      g_assert_true (cira_test_wait_until (pool_result_done, &r[i], 5000));
      g_assert_null (r[i].stream);
      g_assert_nonnull (r[i].error);
    }
  g_assert_cmpstr (seen->str, ==, "127.3.0.1 127.3.0.2 127.3.0.3 127.3.0.1 127.3.0.2");

  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    pool_result_clear (&r[i]);
}

static void
test_pool_connect_timeout (void)
{
  g_autoptr(GPtrArray) fill = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(ObSimCiraPool) pool = NULL;
  PoolResult r = { 0 };
  ObPoller *poller;
  guint port, mark, n_sources;
  gint64 start;

  listener = listen_full (&port, fill);
  pool = ob_sim_cira_pool_new ("127.0.0.1", port);
  ob_sim_cira_pool_set_connect_timeout_ms (pool, 300);
  poller = ob_sim_cira_pool_get_poller (pool);

  mark = source_count_mark ();
  start = g_get_monotonic_time ();
  ob_sim_cira_pool_connect_async (pool, NULL, on_pool_connected, &r);
  g_assert_false (r.done);
  /* Waiting: on the poller (a watch and the deadline), not on sources. */
  cira_test_spin_ms (50);
  g_assert_false (r.done);
  g_assert_cmpuint (ob_sim_cira_pool_get_n_connecting (pool), ==, 1);
  g_assert_cmpuint (ob_poller_get_n_watches (poller), ==, 1);
  g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, 1);

  g_assert_true (cira_test_wait_until (pool_result_done, &r, 5000));
  n_sources = source_count_since (&mark);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (r.finished - start, >=, 290 * 1000);
  g_assert_cmpint (r.finished - start, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpuint (ob_sim_cira_pool_get_n_connecting (pool), ==, 0);
  g_assert_cmpuint (ob_poller_get_n_watches (poller), ==, 0);
  g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, 0);
  /* spin_ms() and wait_until() made one each; the attempt none. */
  g_test_message ("sources attached: %u", n_sources);
  g_assert_cmpuint (n_sources, <=, 2);
  pool_result_clear (&r);

  /* Cancelled while connecting: answered in a later iteration, not from
   * inside g_cancellable_cancel(). */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    ob_sim_cira_pool_set_connect_timeout_ms (pool, 10000);
    ob_sim_cira_pool_connect_async (pool, cancellable, on_pool_connected, &r);
    cira_test_spin_ms (50);
    g_assert_false (r.done);
    g_cancellable_cancel (cancellable);
    g_assert_false (r.done);
    g_assert_true (cira_test_wait_until (pool_result_done, &r, 2000));
    g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpuint (ob_sim_cira_pool_get_n_connecting (pool), ==, 0);
    g_assert_cmpuint (ob_poller_get_n_watches (poller), ==, 0);
    g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, 0);
    pool_result_clear (&r);
  }
}

static void
on_silent_incoming (GSocketService    *service,
                    GSocketConnection *connection,
                    GObject           *source,
                    gpointer           user_data)
{
  /* Accepted, then nothing: no TLS answer ever. */
  g_ptr_array_add (user_data, g_object_ref (connection));
}

static void
test_pool_handshake_timeout (void)
{
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(ObSimCiraPool) pool = NULL;
  PoolResult r = { 0 };
  ObPoller *poller;
  guint port;
  gint64 start;

  service = listen_loopback (&port);
  g_signal_connect (service, "incoming", G_CALLBACK (on_silent_incoming), held);
  g_socket_service_start (service);

  pool = ob_sim_cira_pool_new ("127.0.0.1", port);
  ob_sim_cira_pool_set_connect_timeout_ms (pool, 300);
  poller = ob_sim_cira_pool_get_poller (pool);
  start = g_get_monotonic_time ();
  ob_sim_cira_pool_connect_async (pool, NULL, on_pool_connected, &r);
  g_assert_true (cira_test_wait_until (pool_result_done, &r, 5000));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (r.error->message, "TLS"));
  g_assert_cmpint (r.finished - start, >=, 290 * 1000);
  g_assert_cmpuint (held->len, ==, 1);
  g_assert_cmpuint (ob_sim_cira_pool_get_n_connecting (pool), ==, 0);
  g_assert_cmpuint (ob_poller_get_n_watches (poller), ==, 0);
  g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, 0);
  pool_result_clear (&r);

  g_socket_service_stop (service);
  g_signal_handlers_disconnect_by_data (service, held);
}

/* A host nobody answers for (TEST-NET-1): the connect fails (no route) or
 * times out, and the device backs off as for any failure. */
static void
test_pool_unreachable (void)
{
  g_autoptr(Device) d = device_new ("192.0.2.1", 4433, NULL, NULL);
  Delays delays = { g_array_new (FALSE, FALSE, sizeof (guint)) };
  guint base = 100;

  ob_sim_cira_pool_set_connect_timeout_ms (d->pool, 200);
  ob_sim_cira_set_backoff (d->cira, base, 400);
  g_signal_connect (d->cira, "disconnected", G_CALLBACK (on_disconnected_record), &delays);
  ob_sim_cira_start (d->cira);
  g_assert_true (cira_test_wait_until (has_n_delays, &delays, 10000));
  g_test_message ("unreachable: %s", ob_sim_cira_get_last_error (d->cira));
  g_assert_nonnull (ob_sim_cira_get_last_error (d->cira));
  g_assert_cmpuint (ob_sim_cira_get_n_connects (d->cira), ==, 0);
  g_assert_cmpuint (ob_sim_cira_get_n_attempts (d->cira), >=, 4);
  for (guint i = 0; i < 4; i++)
    {
      guint expected = MIN (base << i, 400);
      guint seen = g_array_index (delays.delays, guint, i);

      g_test_message ("failure %u: retry after %u ms (base %u)", i + 1, seen, expected);
      g_assert_cmpuint (seen, >=, expected / 2 - 10);
      g_assert_cmpuint (seen, <=, expected);
    }
  g_signal_handlers_disconnect_by_data (d->cira, &delays);
  g_array_unref (delays.delays);
}

/* ---- many devices ----------------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *cira;
} Fleet;

static gboolean
fleet_connected (gpointer data)
{
  Fleet *fleet = data;

  for (guint i = 0; i < fleet->cira->len; i++)
    if (!cira_is_connected (g_ptr_array_index (fleet->cira, i)))
      return FALSE;
  return TRUE;
}

static void
test_scale (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  g_autoptr(ObSimCiraPool) pool = ob_sim_cira_pool_new ("127.0.0.1", mps->port);
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) guids = g_hash_table_new (g_str_hash, g_str_equal);
  Fleet fleet = { g_ptr_array_new_with_free_func (g_object_unref) };
  gint64 start;
  double seconds;
  const guint n = 200;

  ob_sim_cira_pool_set_max_connecting (pool, 16);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);
      ObSimCira *cira = ob_sim_cira_new (pool, device, NULL, USER, PASSWORD);

      g_ptr_array_add (devices, g_object_ref (device));
      g_ptr_array_add (fleet.cira, cira);
      ob_sim_cira_start (cira);
    }
  g_assert_cmpuint (ob_sim_cira_pool_get_n_connecting (pool), <=, 16);
  g_assert_cmpuint (ob_sim_cira_pool_get_n_waiting (pool), >=, n - 16);

  g_assert_true (cira_test_wait_until (fleet_connected, &fleet, 20000));
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("%u devices connected in %.2f s", n, seconds);
  g_assert_cmpfloat (seconds, <, 10.0);
  g_assert_cmpuint (ob_sim_cira_pool_get_max_seen_connecting (pool), <=, 16);
  g_assert_cmpuint (ob_sim_cira_pool_get_n_connecting (pool), ==, 0);
  g_assert_cmpuint (ob_sim_cira_pool_get_n_waiting (pool), ==, 0);

  g_assert_cmpuint (mps->n_auth_ok, ==, n);
  for (guint i = 0; i < mps->sessions->len; i++)
    g_hash_table_add (guids, (gpointer) ob_apf_session_get_guid (g_ptr_array_index (mps->sessions, i)));
  g_assert_cmpuint (g_hash_table_size (guids), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_true (g_hash_table_contains (guids, ob_sim_device_get_guid (g_ptr_array_index (devices, i))));

  for (guint i = 0; i < n; i++)
    ob_sim_cira_stop (g_ptr_array_index (fleet.cira, i));
  g_ptr_array_unref (fleet.cira);
}

/* ---- outband-sim cira --------------------------------------------------------------------------------- */

typedef struct
{
  TestMps   *mps;
  GPtrArray *guids;
} CliWait;

static gboolean
cli_all_connected (gpointer data)
{
  CliWait *w = data;

  for (guint i = 0; i < w->guids->len; i++)
    {
      ObApfSession *session = mps_session (w->mps, g_ptr_array_index (w->guids, i));

      if (session == NULL || !ob_apf_session_has_forwarded_port (session, 5900))
        return FALSE;
    }
  return TRUE;
}

static void
test_cli (void)
{
  g_autoptr(TestMps) mps = mps_new ();
  g_autofree char *binary = g_test_build_filename (G_TEST_BUILT, "..", "src", "sim", "outband-sim", NULL);
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", mps->port);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) guids = g_ptr_array_new_with_free_func (g_free);
  CliWait w = { mps, guids };

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, binary, "cira",
                              "--mps", address, "--count", "3", "--cira-user", USER,
                              "--cira-password", PASSWORD, "--first-guid", DOC_GUID, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  /* One GUID per line, counting up from --first-guid. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      char *line;

      g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, cira_test_store_result, &result);
      line = g_data_input_stream_read_line_finish_utf8 (lines, cira_test_wait_result (&result), NULL, &error);
      g_assert_no_error (error);
      g_assert_true (ob_uuid_is_valid (line));
      g_ptr_array_add (guids, line);
    }
  g_assert_cmpstr (g_ptr_array_index (guids, 0), ==, DOC_GUID);
  g_assert_cmpstr (g_ptr_array_index (guids, 2), ==, "4c4c4544-004b-4210-8033-b6c04f504635");

  g_assert_true (cira_test_wait_until (cli_all_connected, &w, 15000));

  g_subprocess_send_signal (process, SIGTERM);
  {
    g_autoptr(GAsyncResult) result = NULL;

    g_subprocess_wait_async (process, NULL, cira_test_store_result, &result);
    g_assert_true (g_subprocess_wait_finish (process, cira_test_wait_result (&result), &error));
  }
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  /* Bad arguments: a usage error, not a crash. */
  {
    g_autoptr(GSubprocess) bad = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                                                   &error, binary, "cira", "--mps", address, "--count", "0",
                                                   "--cira-user", USER, "--cira-password", PASSWORD, NULL);

    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait (bad, NULL, &error));
    g_assert_cmpint (g_subprocess_get_exit_status (bad), ==, 2);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  server_certificate = ob_sim_certificate_new ("localhost", "127.0.0.1", &error);
  g_assert_no_error (error);

  g_test_add_func ("/sim-cira/handshake", test_handshake);
  g_test_add_func ("/sim-cira/wire-bytes", test_wire_bytes);
  g_test_add_func ("/sim-cira/other-mps", test_other_mps);
  g_test_add_func ("/sim-cira/keepalive", test_keepalive);
  g_test_add_func ("/sim-cira/wsman", test_wsman);
  g_test_add_func ("/sim-cira/large-response", test_large_response);
  g_test_add_func ("/sim-cira/reconnect", test_reconnect);
  g_test_add_func ("/sim-cira/churn", test_churn);
  g_test_add_func ("/sim-cira/wrong-credentials", test_wrong_credentials);
  g_test_add_func ("/sim-cira/fault/truncated", test_fault_truncated);
  g_test_add_func ("/sim-cira/fault/oversized", test_fault_oversized);
  g_test_add_func ("/sim-cira/fault/unknown-type", test_fault_unknown_type);
  g_test_add_func ("/sim-cira/fault/garbage-after-auth", test_fault_garbage);
  g_test_add_func ("/sim-cira/fault/names", test_fault_names);
  g_test_add_func ("/sim-cira/root-ca", test_root_ca);
  g_test_add_func ("/sim-cira/stop", test_stop);
  g_test_add_func ("/sim-cira/pool/refused", test_pool_refused);
  g_test_add_func ("/sim-cira/pool/local-addresses", test_pool_local_addresses);
  g_test_add_func ("/sim-cira/pool/connect-timeout", test_pool_connect_timeout);
  g_test_add_func ("/sim-cira/pool/handshake-timeout", test_pool_handshake_timeout);
  g_test_add_func ("/sim-cira/pool/unreachable", test_pool_unreachable);
  g_test_add_func ("/sim-cira/scale", test_scale);
  g_test_add_func ("/sim-cira/cli", test_cli);

  ret = g_test_run ();
  g_clear_object (&server_certificate);
  return ret;
}
