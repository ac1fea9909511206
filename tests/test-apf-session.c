/* test-apf-session.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "cira-test-util.h"
#include "ob-apf-session.h"
#include "source-count-util.h"

#define GUID     "4c4c4544-004b-4210-8033-b6c04f504633"
#define USER     "cira-user"
#define PASSWORD "Cira!Pass1"

static const guint amt_ports[] = { 16993, 16992, 664, 623, 16995, 16994, 5900 };

/* ---- transports -------------------------------------------------------------- */

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
  g_assert_nonnull (sa);
  g_assert_nonnull (sb);
  *a = G_IO_STREAM (g_socket_connection_factory_create_connection (sa));
  *b = G_IO_STREAM (g_socket_connection_factory_create_connection (sb));
}

/* A stream that is not pollable, so the session uses GIO's async calls
 * (GIO runs them in its worker threads over the blocking socket). */
#define TEST_TYPE_PLAIN_INPUT (test_plain_input_get_type ())
G_DECLARE_FINAL_TYPE (TestPlainInput, test_plain_input, TEST, PLAIN_INPUT, GInputStream)
struct _TestPlainInput { GInputStream parent_instance; GInputStream *base; };
G_DEFINE_FINAL_TYPE (TestPlainInput, test_plain_input, G_TYPE_INPUT_STREAM)

static gssize
test_plain_input_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  return g_input_stream_read (TEST_PLAIN_INPUT (stream)->base, buffer, count, cancellable, error);
}

static gboolean
test_plain_input_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  return g_input_stream_close (TEST_PLAIN_INPUT (stream)->base, cancellable, error);
}

static void
test_plain_input_finalize (GObject *object)
{
  g_clear_object (&TEST_PLAIN_INPUT (object)->base);
  G_OBJECT_CLASS (test_plain_input_parent_class)->finalize (object);
}

static void
test_plain_input_class_init (TestPlainInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_plain_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = test_plain_input_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = test_plain_input_close;
}

static void
test_plain_input_init (TestPlainInput *self)
{
}

#define TEST_TYPE_PLAIN_OUTPUT (test_plain_output_get_type ())
G_DECLARE_FINAL_TYPE (TestPlainOutput, test_plain_output, TEST, PLAIN_OUTPUT, GOutputStream)
struct _TestPlainOutput { GOutputStream parent_instance; GOutputStream *base; };
G_DEFINE_FINAL_TYPE (TestPlainOutput, test_plain_output, G_TYPE_OUTPUT_STREAM)

static gssize
test_plain_output_write (GOutputStream *stream, const void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  return g_output_stream_write (TEST_PLAIN_OUTPUT (stream)->base, buffer, count, cancellable, error);
}

static gboolean
test_plain_output_close (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  return g_output_stream_close (TEST_PLAIN_OUTPUT (stream)->base, cancellable, error);
}

static void
test_plain_output_finalize (GObject *object)
{
  g_clear_object (&TEST_PLAIN_OUTPUT (object)->base);
  G_OBJECT_CLASS (test_plain_output_parent_class)->finalize (object);
}

static void
test_plain_output_class_init (TestPlainOutputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_plain_output_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = test_plain_output_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = test_plain_output_close;
}

static void
test_plain_output_init (TestPlainOutput *self)
{
}

static GIOStream *
plain_stream (GIOStream *base)
{
  TestPlainInput *in = g_object_new (TEST_TYPE_PLAIN_INPUT, NULL);
  TestPlainOutput *out = g_object_new (TEST_TYPE_PLAIN_OUTPUT, NULL);
  GIOStream *stream;

  in->base = g_object_ref (g_io_stream_get_input_stream (base));
  out->base = g_object_ref (g_io_stream_get_output_stream (base));
  stream = g_simple_io_stream_new (G_INPUT_STREAM (in), G_OUTPUT_STREAM (out));
  g_object_unref (in);
  g_object_unref (out);
  /* The socket itself stays referenced by @base, which the caller keeps. */
  return stream;
}

/* ---- a raw peer: hand-made APF bytes, decoded replies ----------------------------- */

typedef struct
{
  GIOStream  *stream;
  GByteArray *acc;
  GBytes     *last;     /* keeps a decoded message's borrowed bytes alive */
  GSource    *source;
  gboolean    eof;
} Peer;

static gboolean
peer_on_readable (GObject  *stream,
                  gpointer  user_data)
{
  Peer *peer = user_data;
  guint8 buffer[8192];
  g_autoptr(GError) error = NULL;
  gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer,
                                                       sizeof buffer, NULL, &error);

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      peer->eof = TRUE;
      g_clear_pointer (&peer->source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  g_byte_array_append (peer->acc, buffer, (guint) n);
  return G_SOURCE_CONTINUE;
}

static Peer *
peer_new (GIOStream *stream)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->stream = stream;
  peer->acc = g_byte_array_new ();
  peer->source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream)),
                                                        NULL);
  g_source_set_callback (peer->source, (GSourceFunc) peer_on_readable, peer, NULL);
  g_source_attach (peer->source, NULL);
  return peer;
}

static void
peer_free (Peer *peer)
{
  if (peer->source != NULL)
    {
      g_source_destroy (peer->source);
      g_source_unref (peer->source);
    }
  g_byte_array_unref (peer->acc);
  g_clear_pointer (&peer->last, g_bytes_unref);
  g_object_unref (peer->stream);
  g_free (peer);
}

static void
peer_send (Peer       *peer,
           GByteArray *bytes)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (peer->stream), bytes->data, bytes->len,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_byte_array_set_size (bytes, 0);
}

typedef struct
{
  Peer             *peer;
  ObApfDecodeFlags  flags;
} PeerWait;

static gboolean
peer_has_message (gpointer data)
{
  PeerWait *w = data;
  ObApfMessage m = { 0 };
  gsize used;
  ObApfDecodeStatus st = ob_apf_message_decode_full (w->peer->acc->data, w->peer->acc->len, w->flags,
                                                      &m, &used, NULL);

  ob_apf_message_clear (&m);
  return st != OB_APF_DECODE_NEED_MORE || w->peer->eof;
}

/* The next message from the session; FALSE at EOF without one. */
static gboolean
peer_next_full (Peer             *peer,
                ObApfDecodeFlags  flags,
                ObApfMessage     *out)
{
  PeerWait w = { peer, flags };
  g_autoptr(GError) error = NULL;
  gsize used = 0;
  ObApfDecodeStatus st;

  g_assert_true (cira_test_wait_until (peer_has_message, &w, 5000));
  g_clear_pointer (&peer->last, g_bytes_unref);
  peer->last = g_bytes_new (peer->acc->data, peer->acc->len);
  st = ob_apf_message_decode_full (g_bytes_get_data (peer->last, NULL), peer->acc->len, flags, out, &used, &error);
  if (st == OB_APF_DECODE_NEED_MORE)
    {
      g_assert_true (peer->eof);
      return FALSE;
    }
  g_assert_no_error (error);
  g_assert_cmpint (st, ==, OB_APF_DECODE_OK);
  g_byte_array_remove_range (peer->acc, 0, (guint) used);
  return TRUE;
}

static gboolean
peer_next (Peer         *peer,
           ObApfMessage *out)
{
  return peer_next_full (peer, 0, out);
}

static void
peer_expect_type (Peer    *peer,
                  guint8   type)
{
  g_auto(ObApfMessage) m = { 0 };

  g_assert_true (peer_next (peer, &m));
  g_assert_cmpstr (ob_apf_message_type_to_string (m.type), ==, ob_apf_message_type_to_string (type));
}

static gboolean
peer_is_eof (gpointer data)
{
  return ((Peer *) data)->eof;
}

/* ---- the authenticator ----------------------------------------------------------- */

typedef struct
{
  guint    delay_ms;
  guint    n_calls;
  char    *last_guid;
} Auth;

typedef struct
{
  ObApfAuthRequest *request;
  gboolean          allowed;
} Deferred;

static gboolean
on_deferred_auth (gpointer user_data)
{
  Deferred *d = user_data;

  ob_apf_auth_request_complete (d->request, d->allowed);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static void
authenticate (ObApfSession     *session,
              ObApfAuthRequest *request,
              gpointer          user_data)
{
  Auth *auth = user_data;
  gboolean allowed = g_strcmp0 (ob_apf_auth_request_get_guid (request), GUID) == 0
                     && g_strcmp0 (ob_apf_auth_request_get_username (request), USER) == 0
                     && g_strcmp0 (ob_apf_auth_request_get_password (request), PASSWORD) == 0;

  g_assert_true (ob_apf_auth_request_get_session (request) == session);
  auth->n_calls++;
  g_free (auth->last_guid);
  auth->last_guid = g_strdup (ob_apf_auth_request_get_guid (request));
  if (auth->delay_ms == 0)
    ob_apf_auth_request_complete (request, allowed);
  else
    {
      Deferred *d = g_new0 (Deferred, 1);

      d->request = request;
      d->allowed = allowed;
      g_timeout_add (auth->delay_ms, on_deferred_auth, d);
    }
}

/* ---- recording signals -------------------------------------------------------------- */

typedef struct
{
  guint             n_closed;
  ObApfCloseReason  reason;
  guint             n_authenticated;
  guint             n_versions;
  GArray           *forwarded;
  GArray           *cancelled;
} Events;

static void
on_closed (ObApfSession     *session,
           ObApfCloseReason  reason,
           const GError     *error,
           gpointer          user_data)
{
  Events *ev = user_data;

  g_assert_nonnull (error);
  g_assert_true (ob_apf_session_is_closed (session));
  ev->n_closed++;
  ev->reason = reason;
}

static void
on_authenticated (ObApfSession *session,
                  gpointer      user_data)
{
  ((Events *) user_data)->n_authenticated++;
}

static void
on_version (ObApfSession *session,
            const char   *guid,
            gpointer      user_data)
{
  g_assert_cmpstr (guid, ==, ob_apf_session_get_guid (session));
  ((Events *) user_data)->n_versions++;
}

static void
on_forwarded (ObApfSession *session,
              guint         port,
              gpointer      user_data)
{
  g_array_append_val (((Events *) user_data)->forwarded, port);
}

static void
on_cancelled (ObApfSession *session,
              guint         port,
              gpointer      user_data)
{
  g_array_append_val (((Events *) user_data)->cancelled, port);
}

static void
events_connect (Events       *ev,
                ObApfSession *session)
{
  ev->forwarded = g_array_new (FALSE, FALSE, sizeof (guint));
  ev->cancelled = g_array_new (FALSE, FALSE, sizeof (guint));
  g_signal_connect (session, "closed", G_CALLBACK (on_closed), ev);
  g_signal_connect (session, "authenticated", G_CALLBACK (on_authenticated), ev);
  g_signal_connect (session, "protocol-version", G_CALLBACK (on_version), ev);
  g_signal_connect (session, "port-forwarded", G_CALLBACK (on_forwarded), ev);
  g_signal_connect (session, "port-cancelled", G_CALLBACK (on_cancelled), ev);
}

static void
events_clear (Events *ev)
{
  g_clear_pointer (&ev->forwarded, g_array_unref);
  g_clear_pointer (&ev->cancelled, g_array_unref);
}

static gboolean
events_closed (gpointer data)
{
  return ((Events *) data)->n_closed > 0;
}

/* ---- fixtures -------------------------------------------------------------------- */

/* A server session on one end of a socket pair, a raw peer on the other. */
typedef struct
{
  ObApfSession *server;
  Peer         *peer;
  Auth          auth;
  Events        ev;
  GByteArray   *out;
} Raw;

static void
raw_setup (Raw           *raw,
           gconstpointer  data)
{
  GIOStream *a, *b;

  socket_pair (&a, &b);
  raw->server = ob_apf_session_new_server (a);
  g_object_unref (a);
  ob_apf_session_set_authenticator (raw->server, authenticate, &raw->auth, NULL);
  events_connect (&raw->ev, raw->server);
  raw->peer = peer_new (b);
  raw->out = g_byte_array_new ();
  ob_apf_session_start (raw->server);
}

static void
raw_teardown (Raw           *raw,
              gconstpointer  data)
{
  ob_apf_session_close (raw->server, OB_APF_CLOSE_REASON_LOCAL);
  g_assert_cmpuint (raw->ev.n_closed, ==, 1);
  cira_test_assert_finalized (raw->server);
  peer_free (raw->peer);
  g_byte_array_unref (raw->out);
  events_clear (&raw->ev);
  g_free (raw->auth.last_guid);
}

/* Version, auth@, good credentials; the replies are consumed. */
static void
raw_authenticate (Raw *raw)
{
  ob_apf_encode_protocol_version (raw->out, 1, 0, OB_APF_TRIGGER_PERIODIC, GUID);
  ob_apf_encode_service_request (raw->out, OB_APF_SERVICE_AUTH);
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", PASSWORD);
  ob_apf_encode_service_request (raw->out, OB_APF_SERVICE_PFWD);
  peer_send (raw->peer, raw->out);
  peer_expect_type (raw->peer, OB_APF_SERVICE_ACCEPT);
  peer_expect_type (raw->peer, OB_APF_USERAUTH_SUCCESS);
  peer_expect_type (raw->peer, OB_APF_SERVICE_ACCEPT);
  g_assert_true (ob_apf_session_is_authenticated (raw->server));
}

/* A server and a client session over a socket pair. */
typedef struct
{
  ObApfSession *server;
  ObApfSession *client;
  Auth          auth;
  Events        sev;
  Events        cev;
} Pair;

static void
pair_start (Pair       *pair,
            GIOStream  *server_stream,
            GIOStream  *client_stream,
            const char *password)
{
  pair->server = ob_apf_session_new_server (server_stream);
  pair->client = ob_apf_session_new_client (client_stream, GUID, USER, password);
  ob_apf_session_set_authenticator (pair->server, authenticate, &pair->auth, NULL);
  events_connect (&pair->sev, pair->server);
  events_connect (&pair->cev, pair->client);
  ob_apf_session_start (pair->server);
  ob_apf_session_start (pair->client);
}

static void
pair_setup (Pair          *pair,
            gconstpointer  data)
{
  GIOStream *a, *b;

  socket_pair (&a, &b);
  pair_start (pair, a, b, data != NULL ? data : PASSWORD);
  g_object_unref (a);
  g_object_unref (b);
}

static void
pair_teardown (Pair          *pair,
               gconstpointer  data)
{
  ob_apf_session_close (pair->client, OB_APF_CLOSE_REASON_LOCAL);
  ob_apf_session_close (pair->server, OB_APF_CLOSE_REASON_LOCAL);
  g_assert_cmpuint (pair->sev.n_closed, ==, 1);
  g_assert_cmpuint (pair->cev.n_closed, ==, 1);
  cira_test_assert_finalized (pair->client);
  cira_test_assert_finalized (pair->server);
  events_clear (&pair->sev);
  events_clear (&pair->cev);
  g_free (pair->auth.last_guid);
}

static gboolean
pair_forwarded_all (gpointer data)
{
  Pair *pair = data;

  return pair->cev.forwarded->len == G_N_ELEMENTS (amt_ports) || pair->cev.n_closed > 0;
}

static void
assert_ports (ObApfSession *session)
{
  gsize n = 0;
  g_autofree guint *ports = ob_apf_session_dup_forwarded_ports (session, &n);

  g_assert_cmpmem (ports, n * sizeof (guint), amt_ports, sizeof amt_ports);
}

/* ---- tests: client role <-> server role -------------------------------------------- */

static void
check_handshake (Pair *pair)
{
  g_assert_true (cira_test_wait_until (pair_forwarded_all, pair, 5000));
  g_assert_cmpuint (pair->cev.n_closed, ==, 0);

  /* Server side: GUID from PROTOCOLVERSION, the credentials checked once,
   * every port in AMT's order. */
  g_assert_cmpstr (ob_apf_session_get_guid (pair->server), ==, GUID);
  g_assert_cmpstr (pair->auth.last_guid, ==, GUID);
  g_assert_cmpuint (pair->auth.n_calls, ==, 1);
  g_assert_cmpstr (ob_apf_session_get_username (pair->server), ==, USER);
  g_assert_cmpuint (ob_apf_session_get_protocol_major (pair->server), ==, 1);
  g_assert_cmpuint (ob_apf_session_get_protocol_minor (pair->server), ==, 0);
  g_assert_cmpuint (ob_apf_session_get_trigger_reason (pair->server), ==, OB_APF_TRIGGER_PERIODIC);
  g_assert_true (ob_apf_session_is_authenticated (pair->server));
  g_assert_cmpuint (pair->sev.n_versions, ==, 1);
  g_assert_cmpuint (pair->sev.n_authenticated, ==, 1);
  g_assert_cmpmem (pair->sev.forwarded->data, pair->sev.forwarded->len * sizeof (guint), amt_ports, sizeof amt_ports);
  assert_ports (pair->server);
  g_assert_true (ob_apf_session_has_forwarded_port (pair->server, 16992));
  g_assert_false (ob_apf_session_has_forwarded_port (pair->server, 80));

  /* Client side: authenticated, every port accepted. */
  g_assert_true (ob_apf_session_is_authenticated (pair->client));
  g_assert_cmpuint (pair->cev.n_authenticated, ==, 1);
  assert_ports (pair->client);
}

static gboolean
client_interval_is_7 (gpointer data)
{
  return ob_apf_session_get_keepalive_interval (data) == 7;
}

static void
test_handshake (Pair          *pair,
                gconstpointer  data)
{
  ob_apf_session_set_keepalive_interval (pair->server, 7);
  check_handshake (pair);

  /* 5900 came last: the server asked for keepalives every 7 s and the
   * device took the interval. */
  g_assert_true (cira_test_wait_until (client_interval_is_7, pair->client, 2000));
  g_assert_cmpuint (ob_apf_session_get_role (pair->server), ==, OB_APF_SESSION_ROLE_SERVER);
  g_assert_cmpuint (ob_apf_session_get_role (pair->client), ==, OB_APF_SESSION_ROLE_CLIENT);
  g_assert_false (ob_apf_session_is_closed (pair->server));
  g_assert_cmpint (ob_apf_session_get_close_reason (pair->server), ==, OB_APF_CLOSE_REASON_NONE);
  g_assert_null (ob_apf_session_get_close_error (pair->server));
}

/* The same over TCP on 127.0.0.1. */
typedef struct
{
  GIOStream *accepted;
} Accept;

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  ((Accept *) user_data)->accepted = G_IO_STREAM (g_object_ref (connection));
  return TRUE;
}

static gboolean
accepted (gpointer data)
{
  return ((Accept *) data)->accepted != NULL;
}

static void
test_handshake_tcp (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  Accept acc = { NULL };
  Pair pair = { 0 };

  /* Loopback: no proxy lookup. */
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), &acc);
  g_socket_service_start (service);

  connection = g_socket_client_connect (socket_client, G_SOCKET_CONNECTABLE (bound), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cira_test_wait_until (accepted, &acc, 5000));

  pair_start (&pair, acc.accepted, G_IO_STREAM (connection), PASSWORD);
  check_handshake (&pair);
  pair_teardown (&pair, NULL);
  g_socket_service_stop (service);
  g_clear_object (&acc.accepted);
}

static gboolean
client_has_keepalive (gpointer data)
{
  return ob_apf_session_get_n_keepalives (data) > 0;
}

/* The session's fallback for streams that cannot poll: async reads and
 * writes. */
static void
test_handshake_not_pollable (void)
{
  GIOStream *a, *b;
  g_autoptr(GIOStream) plain_a = NULL;
  g_autoptr(GIOStream) plain_b = NULL;
  Pair pair = { 0 };

  socket_pair (&a, &b);
  plain_a = plain_stream (a);
  plain_b = plain_stream (b);
  g_assert_false (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (plain_a)));

  pair_start (&pair, plain_a, plain_b, PASSWORD);
  check_handshake (&pair);

  /* Keepalives run over it too. */
  ob_apf_session_set_keepalive_interval (pair.client, 1);
  g_assert_true (cira_test_wait_until (client_has_keepalive, pair.client, 4000));

  pair_teardown (&pair, NULL);
  g_object_unref (a);
  g_object_unref (b);
}

static gboolean
client_seen_twice (gpointer data)
{
  Pair *pair = data;

  return ob_apf_session_get_n_keepalives (pair->client) >= 2 && ob_apf_session_get_n_keepalives (pair->server) >= 2;
}

static guint n_last_seen_notifies;

static void
on_last_seen (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  n_last_seen_notifies++;
}

/* The device sends keepalives at the interval the server asked for; the
 * server echoes the cookies and updates last-seen. */
static void
test_keepalive_interval (Pair          *pair,
                         gconstpointer  data)
{
  gint64 before = g_get_real_time ();

  ob_apf_session_set_keepalive_interval (pair->server, 1);
  n_last_seen_notifies = 0;
  g_signal_connect (pair->server, "notify::last-seen", G_CALLBACK (on_last_seen), NULL);
  check_handshake (pair);
  g_assert_cmpuint (ob_apf_session_get_keepalive_interval (pair->client), ==, 1);
  g_assert_cmpint (ob_apf_session_get_last_seen (pair->server), ==, 0);

  g_assert_true (cira_test_wait_until (client_seen_twice, pair, 5000));
  /* Matching replies only count on the client: the cookies came back. */
  g_assert_cmpuint (ob_apf_session_get_n_keepalives (pair->client), >=, 2);
  g_assert_cmpint (ob_apf_session_get_last_seen (pair->server), >=, before);
  g_assert_cmpint (ob_apf_session_get_last_seen (pair->client), >=, before);
  g_assert_cmpuint (n_last_seen_notifies, >=, 2);
}

static void
on_keepalive_arrival (GObject    *server,
                      GParamSpec *pspec,
                      gpointer    user_data)
{
  gint64 now = g_get_monotonic_time ();

  g_array_append_val ((GArray *) user_data, now);
}

typedef struct
{
  GArray *first;
  GArray *second;
} Arrivals;

static gboolean
both_heard_thrice (gpointer data)
{
  Arrivals *arrivals = data;

  return arrivals->first->len >= 3 && arrivals->second->len >= 3;
}

/* Each device keeps the phase it started with, as real devices' clocks
 * do, and does not drift: two devices that connected 400 ms apart send
 * their keepalives 400 ms apart, one interval after another.  (Timers
 * on whole seconds sent a whole simulated fleet's at the same instant.) */
static void
test_keepalive_phase (Pair          *pair,
                      gconstpointer  data)
{
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) second = g_array_new (FALSE, FALSE, sizeof (gint64));
  Arrivals arrivals = { first, second };
  Pair later = { 0 };

  ob_apf_session_set_keepalive_interval (pair->server, 1);
  g_signal_connect (pair->server, "notify::last-seen", G_CALLBACK (on_keepalive_arrival), first);
  check_handshake (pair);

  cira_test_spin_ms (400);
  pair_setup (&later, NULL);
  ob_apf_session_set_keepalive_interval (later.server, 1);
  g_signal_connect (later.server, "notify::last-seen", G_CALLBACK (on_keepalive_arrival), second);
  check_handshake (&later);

  g_assert_true (cira_test_wait_until (both_heard_thrice, &arrivals, 8000));
  for (guint k = 0; k < 3; k++)
    {
      gint64 apart = g_array_index (second, gint64, k) - g_array_index (first, gint64, k);

      g_assert_cmpint (apart, >=, 250 * G_TIME_SPAN_MILLISECOND);
      g_assert_cmpint (apart, <=, 650 * G_TIME_SPAN_MILLISECOND);
    }
  g_assert_cmpint (g_array_index (first, gint64, 2) - g_array_index (first, gint64, 0), >=,
                   1850 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (g_array_index (first, gint64, 2) - g_array_index (first, gint64, 0), <=,
                   2250 * G_TIME_SPAN_MILLISECOND);

  g_signal_handlers_disconnect_by_data (pair->server, first);
  g_signal_handlers_disconnect_by_data (later.server, second);
  pair_teardown (&later, NULL);
}

/* Wrong CIRA password, client role: the MPS answers USERAUTH_FAILURE and
 * keeps the connection; the device gives up (reason AUTH_FAILED). */
static void
test_client_wrong_password (Pair          *pair,
                            gconstpointer  data)
{
  g_assert_true (cira_test_wait_until (events_closed, &pair->cev, 5000));
  g_assert_cmpint (pair->cev.reason, ==, OB_APF_CLOSE_REASON_AUTH_FAILED);
  g_assert_error ((GError *) ob_apf_session_get_close_error (pair->client), OB_APF_ERROR, OB_APF_ERROR_AUTH_FAILED);
  g_assert_cmpuint (pair->auth.n_calls, ==, 1);
  g_assert_false (ob_apf_session_is_authenticated (pair->server));

  /* The server only notices the device going away. */
  g_assert_true (cira_test_wait_until (events_closed, &pair->sev, 5000));
  g_assert_cmpint (pair->sev.reason, ==, OB_APF_CLOSE_REASON_PEER_CLOSED);
}

static void
test_client_disconnect (Pair          *pair,
                        gconstpointer  data)
{
  check_handshake (pair);
  ob_apf_session_disconnect (pair->client, OB_APF_DISCONNECT_BY_APPLICATION);
  g_assert_cmpuint (pair->cev.n_closed, ==, 1);
  g_assert_cmpint (pair->cev.reason, ==, OB_APF_CLOSE_REASON_LOCAL);

  g_assert_true (cira_test_wait_until (events_closed, &pair->sev, 5000));
  g_assert_cmpint (pair->sev.reason, ==, OB_APF_CLOSE_REASON_PEER_DISCONNECT);
  g_assert_cmpuint (ob_apf_session_get_peer_disconnect_reason (pair->server), ==, OB_APF_DISCONNECT_BY_APPLICATION);
  g_assert_error ((GError *) ob_apf_session_get_close_error (pair->server), OB_APF_ERROR, OB_APF_ERROR_DISCONNECTED);
}

/* The MPS closing (a replaced session): the device sees the stream end. */
static void
test_server_close (Pair          *pair,
                   gconstpointer  data)
{
  check_handshake (pair);
  ob_apf_session_close (pair->server, OB_APF_CLOSE_REASON_REPLACED);
  g_assert_cmpint (pair->sev.reason, ==, OB_APF_CLOSE_REASON_REPLACED);
  g_assert_true (cira_test_wait_until (events_closed, &pair->cev, 5000));
  g_assert_cmpint (pair->cev.reason, ==, OB_APF_CLOSE_REASON_PEER_CLOSED);
  /* Closing twice is harmless and emits nothing more. */
  ob_apf_session_close (pair->server, OB_APF_CLOSE_REASON_LOCAL);
  g_assert_cmpuint (pair->sev.n_closed, ==, 1);
  g_assert_cmpint (ob_apf_session_get_close_reason (pair->server), ==, OB_APF_CLOSE_REASON_REPLACED);
}

/* ---- tests: server role against hand-made bytes ----------------------------------- */

static void
test_wrong_credentials_stay_open (Raw           *raw,
                                  gconstpointer  data)
{
  g_auto(ObApfMessage) m = { 0 };

  ob_apf_encode_protocol_version (raw->out, 1, 0, OB_APF_TRIGGER_PERIODIC, GUID);
  ob_apf_encode_service_request (raw->out, OB_APF_SERVICE_AUTH);
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", "wrong");
  peer_send (raw->peer, raw->out);

  peer_expect_type (raw->peer, OB_APF_SERVICE_ACCEPT);
  g_assert_true (peer_next (raw->peer, &m));
  g_assert_cmpint (m.type, ==, OB_APF_USERAUTH_FAILURE);
  g_assert_cmpstr (m.userauth_failure.methods, ==, "password");
  ob_apf_message_clear (&m);
  g_assert_false (ob_apf_session_is_closed (raw->server));
  g_assert_false (ob_apf_session_is_authenticated (raw->server));

  /* A tcpip-forward before authentication is refused. */
  ob_apf_encode_tcpip_forward (raw->out, FALSE, TRUE, "", 16992);
  peer_send (raw->peer, raw->out);
  peer_expect_type (raw->peer, OB_APF_REQUEST_FAILURE);

  /* The same connection, the right password. */
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", PASSWORD);
  peer_send (raw->peer, raw->out);
  peer_expect_type (raw->peer, OB_APF_USERAUTH_SUCCESS);
  g_assert_true (ob_apf_session_is_authenticated (raw->server));
  g_assert_cmpuint (raw->auth.n_calls, ==, 2);
  g_assert_cmpuint (raw->ev.n_authenticated, ==, 1);

  /* A USERAUTH_REQUEST after success is ignored (no answer at all). */
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", "wrong");
  ob_apf_encode_keepalive_request (raw->out, 77);
  peer_send (raw->peer, raw->out);
  g_assert_true (peer_next (raw->peer, &m));
  g_assert_cmpint (m.type, ==, OB_APF_KEEPALIVE_REPLY);
  g_assert_cmpuint (raw->auth.n_calls, ==, 2);
}

/* Other refusals, without asking the authenticator. */
static void
test_auth_refusals (Raw           *raw,
                    gconstpointer  data)
{
  /* Before PROTOCOLVERSION nothing can be checked. */
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", PASSWORD);
  peer_send (raw->peer, raw->out);
  peer_expect_type (raw->peer, OB_APF_USERAUTH_FAILURE);

  /* Only the password method. */
  ob_apf_encode_protocol_version (raw->out, 1, 0, OB_APF_TRIGGER_PERIODIC, GUID);
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "none", NULL);
  peer_send (raw->peer, raw->out);
  peer_expect_type (raw->peer, OB_APF_USERAUTH_FAILURE);
  g_assert_cmpuint (raw->auth.n_calls, ==, 0);

  /* No authenticator: refused too. */
  ob_apf_session_set_authenticator (raw->server, NULL, NULL, NULL);
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", PASSWORD);
  peer_send (raw->peer, raw->out);
  peer_expect_type (raw->peer, OB_APF_USERAUTH_FAILURE);
  g_assert_false (ob_apf_session_is_closed (raw->server));
}

/* After max-auth-attempts failures the server gives up (the last failure
 * still goes out). */
static void
test_auth_attempt_limit (Raw           *raw,
                         gconstpointer  data)
{
  ob_apf_session_set_max_auth_attempts (raw->server, 3);
  ob_apf_encode_protocol_version (raw->out, 1, 0, OB_APF_TRIGGER_PERIODIC, GUID);
  for (guint i = 0; i < 4; i++)
    ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", "guess");
  peer_send (raw->peer, raw->out);

  for (guint i = 0; i < 3; i++)
    peer_expect_type (raw->peer, OB_APF_USERAUTH_FAILURE);
  g_assert_true (cira_test_wait_until (peer_is_eof, raw->peer, 5000));
  g_assert_cmpuint (raw->peer->acc->len, ==, 0);
  g_assert_cmpint (raw->ev.reason, ==, OB_APF_CLOSE_REASON_AUTH_FAILED);
  g_assert_cmpuint (raw->auth.n_calls, ==, 3);
}

/* An authenticator that answers later: what the device sent meanwhile
 * waits and is answered in order. */
static void
test_auth_async_in_order (Raw           *raw,
                          gconstpointer  data)
{
  g_auto(ObApfMessage) m = { 0 };

  raw->auth.delay_ms = 100;
  ob_apf_encode_protocol_version (raw->out, 1, 0, OB_APF_TRIGGER_USER_INITIATED, GUID);
  ob_apf_encode_service_request (raw->out, OB_APF_SERVICE_AUTH);
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", PASSWORD);
  ob_apf_encode_service_request (raw->out, OB_APF_SERVICE_PFWD);
  ob_apf_encode_tcpip_forward (raw->out, FALSE, TRUE, "", 16992);
  ob_apf_encode_keepalive_request (raw->out, 5);
  peer_send (raw->peer, raw->out);

  peer_expect_type (raw->peer, OB_APF_SERVICE_ACCEPT);
  peer_expect_type (raw->peer, OB_APF_USERAUTH_SUCCESS);
  peer_expect_type (raw->peer, OB_APF_SERVICE_ACCEPT);
  g_assert_true (peer_next (raw->peer, &m));
  g_assert_cmpint (m.type, ==, OB_APF_REQUEST_SUCCESS);
  g_assert_cmpuint (m.request_success.port, ==, 16992);
  ob_apf_message_clear (&m);
  g_assert_true (peer_next (raw->peer, &m));
  g_assert_cmpint (m.type, ==, OB_APF_KEEPALIVE_REPLY);
  g_assert_cmpuint (m.keepalive.cookie, ==, 5);
  g_assert_cmpuint (ob_apf_session_get_trigger_reason (raw->server), ==, OB_APF_TRIGGER_USER_INITIATED);
}

/* KEEPALIVE_OPTIONS_REQUEST follows the REQUEST_SUCCESS for 5900 and only
 * that port. */
static void
test_keepalive_options (Raw           *raw,
                        gconstpointer  data)
{
  g_auto(ObApfMessage) m = { 0 };

  ob_apf_session_set_keepalive_interval (raw->server, 45);
  raw_authenticate (raw);

  ob_apf_encode_tcpip_forward (raw->out, FALSE, TRUE, "", 16992);
  ob_apf_encode_keepalive_request (raw->out, 1);
  peer_send (raw->peer, raw->out);
  g_assert_true (peer_next (raw->peer, &m));
  g_assert_cmpint (m.type, ==, OB_APF_REQUEST_SUCCESS);
  g_assert_cmpuint (m.request_success.port, ==, 16992);
  ob_apf_message_clear (&m);
  /* No options request after 16992: the keepalive reply is next. */
  peer_expect_type (raw->peer, OB_APF_KEEPALIVE_REPLY);

  ob_apf_encode_tcpip_forward (raw->out, FALSE, TRUE, "", 5900);
  peer_send (raw->peer, raw->out);
  g_assert_true (peer_next (raw->peer, &m));
  g_assert_cmpint (m.type, ==, OB_APF_REQUEST_SUCCESS);
  g_assert_cmpuint (m.request_success.port, ==, 5900);
  ob_apf_message_clear (&m);
  g_assert_true (peer_next (raw->peer, &m));
  g_assert_cmpint (m.type, ==, OB_APF_KEEPALIVE_OPTIONS_REQUEST);
  g_assert_cmpuint (m.keepalive_options.interval, ==, 45);
  g_assert_cmpuint (m.keepalive_options.timeout, ==, 0);
  ob_apf_message_clear (&m);

  /* The device's options reply is only noted. */
  ob_apf_encode_keepalive_options_reply (raw->out, 45, 0);
  ob_apf_encode_keepalive_request (raw->out, 2);
  peer_send (raw->peer, raw->out);
  peer_expect_type (raw->peer, OB_APF_KEEPALIVE_REPLY);

  /* cancel-tcpip-forward: a bare REQUEST_SUCCESS, the port is gone. */
  ob_apf_encode_tcpip_forward (raw->out, TRUE, TRUE, "", 16992);
  peer_send (raw->peer, raw->out);
  g_assert_true (peer_next_full (raw->peer, OB_APF_DECODE_FLAGS_BARE_REQUEST_SUCCESS, &m));
  g_assert_cmpint (m.type, ==, OB_APF_REQUEST_SUCCESS);
  g_assert_false (m.request_success.has_port);
  g_assert_false (ob_apf_session_has_forwarded_port (raw->server, 16992));
  g_assert_true (ob_apf_session_has_forwarded_port (raw->server, 5900));
  g_assert_cmpuint (raw->ev.cancelled->len, ==, 1);
  g_assert_cmpuint (g_array_index (raw->ev.cancelled, guint, 0), ==, 16992);
  ob_apf_message_clear (&m);

  /* udp-send-to and unknown requests get no answer. */
  ob_apf_encode_udp_send_to (raw->out, TRUE, "1.1.1.1", 162, "2.2.2.2", 1, (const guint8 *) "x", 1);
  ob_apf_encode_global_request (raw->out, "other@vendor", TRUE);
  ob_apf_encode_keepalive_request (raw->out, 3);
  peer_send (raw->peer, raw->out);
  g_assert_true (peer_next (raw->peer, &m));
  g_assert_cmpint (m.type, ==, OB_APF_KEEPALIVE_REPLY);
  g_assert_cmpuint (m.keepalive.cookie, ==, 3);
}

static void
test_keepalive_echo (Raw           *raw,
                     gconstpointer  data)
{
  static const guint32 cookies[] = { 0xdeadbeef, 0, 1, 0x01020304, G_MAXUINT32 };
  gint64 before = g_get_real_time ();

  /* Unauthenticated keepalives are answered but do not count as seen. */
  ob_apf_encode_keepalive_request (raw->out, 99);
  peer_send (raw->peer, raw->out);
  peer_expect_type (raw->peer, OB_APF_KEEPALIVE_REPLY);
  g_assert_cmpint (ob_apf_session_get_last_seen (raw->server), ==, 0);

  raw_authenticate (raw);
  for (guint i = 0; i < G_N_ELEMENTS (cookies); i++)
    ob_apf_encode_keepalive_request (raw->out, cookies[i]);
  peer_send (raw->peer, raw->out);
  for (guint i = 0; i < G_N_ELEMENTS (cookies); i++)
    {
      g_auto(ObApfMessage) m = { 0 };

      g_assert_true (peer_next (raw->peer, &m));
      g_assert_cmpint (m.type, ==, OB_APF_KEEPALIVE_REPLY);
      g_assert_cmpuint (m.keepalive.cookie, ==, cookies[i]);
    }
  g_assert_cmpint (ob_apf_session_get_last_seen (raw->server), >=, before);
  g_assert_cmpuint (ob_apf_session_get_n_keepalives (raw->server), ==, 1 + G_N_ELEMENTS (cookies));
}

static void
test_idle_timeout (Raw           *raw,
                   gconstpointer  data)
{
  gint64 last_sent = 0;

  ob_apf_session_set_idle_timeout_ms (raw->server, 200);
  g_assert_cmpuint (ob_apf_session_get_idle_timeout_ms (raw->server), ==, 200);
  raw_authenticate (raw);

  /* Traffic every 50 ms keeps it open well past the timeout. */
  for (guint i = 0; i < 10; i++)
    {
      ob_apf_encode_keepalive_request (raw->out, i);
      last_sent = g_get_monotonic_time ();
      peer_send (raw->peer, raw->out);
      peer_expect_type (raw->peer, OB_APF_KEEPALIVE_REPLY);
      cira_test_spin_ms (50);
    }
  g_assert_false (ob_apf_session_is_closed (raw->server));

  /* Then silence: closed (no DISCONNECT, the stream just ends).  The server
   * saw the last keepalive after it was sent, so the close cannot come
   * sooner than the timeout after that moment, however loaded the machine;
   * a little slack covers timer rounding. */
  g_assert_true (cira_test_wait_until (events_closed, &raw->ev, 3000));
  g_assert_cmpint (g_get_monotonic_time () - last_sent, >=, 190 * 1000);
  g_assert_cmpint (raw->ev.reason, ==, OB_APF_CLOSE_REASON_IDLE_TIMEOUT);
  g_assert_error ((GError *) ob_apf_session_get_close_error (raw->server), OB_APF_ERROR, OB_APF_ERROR_TIMEOUT);
  g_assert_true (cira_test_wait_until (peer_is_eof, raw->peer, 3000));
  g_assert_cmpuint (raw->peer->acc->len, ==, 0);
}

static void
test_handshake_timeout (Raw           *raw,
                        gconstpointer  data)
{
  ob_apf_session_set_handshake_timeout_ms (raw->server, 200);

  /* Keepalives are traffic, but not authentication. */
  for (guint i = 0; i < 8 && raw->ev.n_closed == 0; i++)
    {
      ob_apf_encode_keepalive_request (raw->out, i);
      peer_send (raw->peer, raw->out);
      cira_test_spin_ms (50);
    }
  g_assert_true (cira_test_wait_until (events_closed, &raw->ev, 3000));
  g_assert_cmpint (raw->ev.reason, ==, OB_APF_CLOSE_REASON_HANDSHAKE_TIMEOUT);
}

static void
test_peer_disconnect (Raw           *raw,
                      gconstpointer  data)
{
  raw_authenticate (raw);
  ob_apf_encode_disconnect (raw->out, OB_APF_DISCONNECT_CONNECTION_TIMED_OUT);
  peer_send (raw->peer, raw->out);
  g_assert_true (cira_test_wait_until (events_closed, &raw->ev, 3000));
  g_assert_cmpint (raw->ev.reason, ==, OB_APF_CLOSE_REASON_PEER_DISCONNECT);
  g_assert_cmpuint (ob_apf_session_get_peer_disconnect_reason (raw->server), ==, 16);
  g_assert_true (cira_test_wait_until (peer_is_eof, raw->peer, 3000));
}

static void
test_peer_eof (Raw           *raw,
               gconstpointer  data)
{
  raw_authenticate (raw);
  /* Half a message, then the device goes away. */
  ob_apf_encode_keepalive_request (raw->out, 1);
  g_byte_array_set_size (raw->out, 3);
  peer_send (raw->peer, raw->out);
  g_io_stream_close (raw->peer->stream, NULL, NULL);
  g_assert_true (cira_test_wait_until (events_closed, &raw->ev, 3000));
  g_assert_cmpint (raw->ev.reason, ==, OB_APF_CLOSE_REASON_PEER_CLOSED);
}

/* The owner rejects an unknown GUID at PROTOCOLVERSION: closed, nothing
 * sent, later bytes never processed. */
static void
reject_guid (ObApfSession *session,
             const char   *guid,
             gpointer      user_data)
{
  ob_apf_session_close (session, OB_APF_CLOSE_REASON_REJECTED);
}

static void
test_reject_guid (Raw           *raw,
                  gconstpointer  data)
{
  g_signal_connect (raw->server, "protocol-version", G_CALLBACK (reject_guid), NULL);
  ob_apf_encode_protocol_version (raw->out, 1, 0, OB_APF_TRIGGER_PERIODIC, GUID);
  ob_apf_encode_service_request (raw->out, OB_APF_SERVICE_AUTH);
  ob_apf_encode_userauth_request (raw->out, USER, OB_APF_SERVICE_PFWD, "password", PASSWORD);
  peer_send (raw->peer, raw->out);

  g_assert_true (cira_test_wait_until (peer_is_eof, raw->peer, 3000));
  g_assert_cmpuint (raw->peer->acc->len, ==, 0);
  g_assert_cmpint (raw->ev.reason, ==, OB_APF_CLOSE_REASON_REJECTED);
  g_assert_cmpuint (raw->auth.n_calls, ==, 0);
}

/* Device-initiated channels are refused (UNKNOWN_CHANNEL_TYPE); channel
 * messages for ids we never opened are consumed. */
static void
test_device_channel_refused (Raw           *raw,
                             gconstpointer  data)
{
  g_auto(ObApfMessage) m = { 0 };

  raw_authenticate (raw);
  ob_apf_encode_channel_open (raw->out, OB_APF_CHANNEL_FORWARDED_TCPIP, 321, 4096, 0xffffffff,
                              "", 16992, "10.0.0.9", 5000);
  ob_apf_encode_channel_data (raw->out, 99, (const guint8 *) "stray", 5);
  ob_apf_encode_window_adjust (raw->out, 99, 100);
  ob_apf_encode_channel_close (raw->out, 99);
  ob_apf_encode_channel_open_confirmation (raw->out, 99, 1, 1, 1);
  ob_apf_encode_channel_open_failure (raw->out, 99, 2, NULL, NULL);
  ob_apf_encode_keepalive_request (raw->out, 8);
  peer_send (raw->peer, raw->out);

  g_assert_true (peer_next (raw->peer, &m));
  g_assert_cmpint (m.type, ==, OB_APF_CHANNEL_OPEN_FAILURE);
  g_assert_cmpuint (m.open_failure.recipient_channel, ==, 321);
  g_assert_cmpuint (m.open_failure.reason, ==, OB_APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE);
  ob_apf_message_clear (&m);
  peer_expect_type (raw->peer, OB_APF_KEEPALIVE_REPLY);
  g_assert_false (ob_apf_session_is_closed (raw->server));
  g_assert_cmpuint (ob_apf_session_get_n_channels (raw->server), ==, 0);
}

/* Garbage of several kinds: a protocol error closes the session (no
 * DISCONNECT is sent), without a crash or a warning. */
typedef struct
{
  const char *name;
  gboolean    authenticate_first;
  guint8      bytes[24];
  gsize       len;
} Garbage;

static const Garbage garbage_cases[] = {
  { "http", FALSE, "GET / HTTP/1.1\r\n\r\n", 18 },
  { "unknown-type", FALSE, { 0x07, 0, 0, 0, 0 }, 5 },
  { "mesh-json", TRUE, { 250, 0, 0, 0, 2, '{', '}' }, 7 },
  { "long-string", FALSE, { OB_APF_SERVICE_REQUEST, 0, 0, 0x08, 0x01 }, 5 },
  { "huge-data", TRUE, { OB_APF_CHANNEL_DATA, 0, 0, 0, 4, 0x00, 0x10, 0x00, 0x01 }, 9 },
  { "nul-in-string", FALSE, { OB_APF_SERVICE_REQUEST, 0, 0, 0, 3, 'a', 0, 'b' }, 8 },
  { "server-only-message", TRUE, { OB_APF_USERAUTH_SUCCESS }, 1 },
  { "request-success-to-server", TRUE, { OB_APF_REQUEST_SUCCESS, 0, 0, 0, 1 }, 5 },
};

static void
test_garbage (Raw           *raw,
              gconstpointer  data)
{
  const Garbage *g = data;

  if (g->authenticate_first)
    raw_authenticate (raw);
  g_byte_array_append (raw->out, g->bytes, (guint) g->len);
  peer_send (raw->peer, raw->out);

  g_assert_true (cira_test_wait_until (events_closed, &raw->ev, 3000));
  g_assert_cmpint (raw->ev.reason, ==, OB_APF_CLOSE_REASON_PROTOCOL_ERROR);
  g_assert_error ((GError *) ob_apf_session_get_close_error (raw->server), OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  g_assert_true (cira_test_wait_until (peer_is_eof, raw->peer, 3000));
  g_assert_cmpuint (raw->peer->acc->len, ==, 0);
}

/* A device that sends requests but never reads the answers: the session
 * stops reading once its output queue is full (its memory stays bounded),
 * and goes on when the device reads again. */
typedef struct
{
  Raw        *raw;
  GBytes     *requests;
  gsize       written;
  guint32     next_cookie;
  guint32     n_requests;
  gint64      last_progress;
} Pump;

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
pump_write (Pump *p)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (p->requests, &len);

  while (p->written < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (p->raw->peer->stream)),
                                                             data + p->written, len - p->written, NULL, &error);

      if (n <= 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          return;
        }
      p->written += (gsize) n;
      p->last_progress = g_get_monotonic_time ();
    }
}

/* Write until nothing more goes in for 300 ms. */
static gboolean
pump_blocked (gpointer data)
{
  Pump *p = data;

  pump_write (p);
  return g_get_monotonic_time () - p->last_progress > 300 * 1000;
}

static void
pump_read_replies (Pump *p)
{
  GByteArray *acc = p->raw->peer->acc;
  gsize off = 0;

  for (;;)
    {
      g_auto(ObApfMessage) m = { 0 };
      gsize used = 0;

      if (ob_apf_message_decode (acc->data + off, acc->len - off, &m, &used, NULL) != OB_APF_DECODE_OK)
        break;
      g_assert_cmpint (m.type, ==, OB_APF_KEEPALIVE_REPLY);
      g_assert_cmpuint (m.keepalive.cookie, ==, p->next_cookie);
      p->next_cookie++;
      off += used;
    }
  g_byte_array_remove_range (acc, 0, (guint) off);
}

static gboolean
pump_done (gpointer data)
{
  Pump *p = data;

  pump_write (p);
  pump_read_replies (p);
  return p->next_cookie == p->n_requests || p->raw->ev.n_closed > 0;
}

static void
test_output_backpressure (Raw           *raw,
                          gconstpointer  data)
{
  g_autoptr(GByteArray) requests = g_byte_array_new ();
  GSource *tick = g_timeout_source_new (10);
  Pump p = { raw, NULL, 0, 0, 2 * 1024 * 1024 / 5, 0 };

  raw_authenticate (raw);
  for (guint32 i = 0; i < p.n_requests; i++)
    ob_apf_encode_keepalive_request (requests, i);
  p.requests = g_byte_array_free_to_bytes (g_steal_pointer (&requests));
  p.last_progress = g_get_monotonic_time ();

  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);

  /* The device stops reading. */
  g_source_destroy (raw->peer->source);
  g_clear_pointer (&raw->peer->source, g_source_unref);
  g_assert_true (cira_test_wait_until (pump_blocked, &p, 20000));
  g_assert_cmpuint (p.written, <, g_bytes_get_size (p.requests));
  g_assert_false (ob_apf_session_is_closed (raw->server));

  /* It reads again: every answer arrives, in order. */
  raw->peer->source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (raw->peer->stream)),
                                                             NULL);
  g_source_set_callback (raw->peer->source, (GSourceFunc) peer_on_readable, raw->peer, NULL);
  g_source_attach (raw->peer->source, NULL);
  g_assert_true (cira_test_wait_until (pump_done, &p, 30000));
  g_assert_cmpuint (p.next_cookie, ==, p.n_requests);
  g_assert_cmpuint (raw->ev.n_closed, ==, 0);

  g_source_destroy (tick);
  g_source_unref (tick);
  g_bytes_unref (p.requests);
}

/* Random bytes after a valid handshake, many times: never a crash. */
static void
test_random_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (77);

  for (guint round = 0; round < 40; round++)
    {
      Raw raw = { 0 };
      guint8 junk[64];
      guint n = g_rand_int_range (rand, 1, sizeof junk);

      raw_setup (&raw, NULL);
      raw_authenticate (&raw);
      for (guint i = 0; i < n; i++)
        junk[i] = (guint8) g_rand_int_range (rand, 0, 256);
      g_byte_array_append (raw.out, junk, n);
      peer_send (raw.peer, raw.out);
      /* Whatever it was, the session either closes or waits for more. */
      cira_test_spin_ms (5);
      raw_teardown (&raw, NULL);
    }
}

static gboolean
client_keepalive_twice (gpointer data)
{
  return ob_apf_session_get_n_keepalives (data) >= 2;
}

/* Sessions over plain streams (no poller given) run their timers on the
 * poller shared by their context: the keepalive ticks, the requests go
 * out and the answers come back without a GSource attached for any of
 * it, and the timers go with the sessions. */
static void
test_timers_on_shared_poller (void)
{
  g_autoptr(ObPoller) shared = ob_poller_get_for_context (NULL);
  guint n_timers = ob_poller_get_n_timers (shared);
  GIOStream *a, *b;
  Pair pair = { 0 };
  guint marker;

  socket_pair (&a, &b);
  pair_start (&pair, a, b, PASSWORD);
  check_handshake (&pair);
  /* The idle timers of both, the client's keepalive. */
  g_assert_cmpuint (ob_poller_get_n_timers (shared), >=, n_timers + 3);

  ob_apf_session_set_keepalive_interval (pair.client, 1);
  marker = source_count_mark ();
  g_assert_true (source_count_poll_until (client_keepalive_twice, pair.client, 5000));
  g_assert_cmpuint (source_count_since (&marker), ==, 0);

  pair_teardown (&pair, NULL);
  g_object_unref (a);
  g_object_unref (b);
  g_assert_cmpuint (ob_poller_get_n_timers (shared), ==, n_timers);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/apf-session/handshake", Pair, NULL, pair_setup, test_handshake, pair_teardown);
  g_test_add_func ("/apf-session/handshake-tcp", test_handshake_tcp);
  g_test_add_func ("/apf-session/handshake-not-pollable", test_handshake_not_pollable);
  g_test_add ("/apf-session/keepalive-interval", Pair, NULL, pair_setup, test_keepalive_interval, pair_teardown);
  g_test_add ("/apf-session/keepalive-phase", Pair, NULL, pair_setup, test_keepalive_phase, pair_teardown);
  g_test_add_func ("/apf-session/timers-on-shared-poller", test_timers_on_shared_poller);
  g_test_add ("/apf-session/client-wrong-password", Pair, "wrong", pair_setup, test_client_wrong_password,
              pair_teardown);
  g_test_add ("/apf-session/client-disconnect", Pair, NULL, pair_setup, test_client_disconnect, pair_teardown);
  g_test_add ("/apf-session/server-close", Pair, NULL, pair_setup, test_server_close, pair_teardown);
  g_test_add ("/apf-session/wrong-credentials-stay-open", Raw, NULL, raw_setup, test_wrong_credentials_stay_open,
              raw_teardown);
  g_test_add ("/apf-session/auth-refusals", Raw, NULL, raw_setup, test_auth_refusals, raw_teardown);
  g_test_add ("/apf-session/auth-attempt-limit", Raw, NULL, raw_setup, test_auth_attempt_limit, raw_teardown);
  g_test_add ("/apf-session/auth-async-in-order", Raw, NULL, raw_setup, test_auth_async_in_order, raw_teardown);
  g_test_add ("/apf-session/keepalive-options", Raw, NULL, raw_setup, test_keepalive_options, raw_teardown);
  g_test_add ("/apf-session/keepalive-echo", Raw, NULL, raw_setup, test_keepalive_echo, raw_teardown);
  g_test_add ("/apf-session/idle-timeout", Raw, NULL, raw_setup, test_idle_timeout, raw_teardown);
  g_test_add ("/apf-session/handshake-timeout", Raw, NULL, raw_setup, test_handshake_timeout, raw_teardown);
  g_test_add ("/apf-session/peer-disconnect", Raw, NULL, raw_setup, test_peer_disconnect, raw_teardown);
  g_test_add ("/apf-session/peer-eof", Raw, NULL, raw_setup, test_peer_eof, raw_teardown);
  g_test_add ("/apf-session/reject-guid", Raw, NULL, raw_setup, test_reject_guid, raw_teardown);
  g_test_add ("/apf-session/device-channel-refused", Raw, NULL, raw_setup, test_device_channel_refused,
              raw_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (garbage_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/apf-session/garbage/%s", garbage_cases[i].name);

      g_test_add (path, Raw, &garbage_cases[i], raw_setup, test_garbage, raw_teardown);
    }
  g_test_add_func ("/apf-session/random-garbage", test_random_garbage);
  g_test_add ("/apf-session/output-backpressure", Raw, NULL, raw_setup, test_output_backpressure, raw_teardown);

  return g_test_run ();
}
