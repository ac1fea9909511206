/* ob-mps-server.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ob-connection-throttle.h"
#include "ob-lan-stream-source.h"
#include "ob-mps-server.h"
#include "ob-mps-store-writer.h"
#include "ob-util.h"
#include "ob-tls-context.h"
#include "ob-tls-stream.h"

/* The first bytes of a connection: a TLS handshake record (or an SSLv2
 * compatible ClientHello), or an HTTP request line. */
#define TLS_RECORD_HANDSHAKE 0x16
#define SSL2_HELLO_FLAG      0x80
#define SNIFF_MAX            5

/* After answering HTTP, wait this long for the client to finish sending
 * before closing, so it reads the answer rather than a reset. */
#define HTTP_LINGER_MS     2000
#define HTTP_DRAIN_MAX     (64 * 1024)

/* Rebinding waits for the port setting to settle (a spin button). */
#define REBIND_DELAY_MS    500

/* Activity entries about refusals: at most this many a minute in all. */
#define ACTIVITY_GLOBAL_BURST 30
#define ACTIVITY_GLOBAL_RATE  0.5

/* Tracked keys of the throttles: a flood of fresh addresses cannot grow
 * them further (new keys are then refused until old ones refill). */
#define THROTTLE_MAX_KEYS  65536

#define WSMAN_PORT         16992

#define LISTEN_BACKLOG     4096

/* Connections taken from a listening socket per wakeup (a storm's
 * backlog goes in batches, without a turn of the main loop each), and the
 * pause after accept() failed (out of descriptors: retrying at once would
 * spin). */
#define ACCEPT_BATCH       64
#define ACCEPT_RETRY_MS    100

G_DEFINE_QUARK (ob-mps-error-quark, ob_mps_error)

typedef enum
{
  CONN_SNIFFING,       /* waiting for the first bytes */
  CONN_WAIT_TLS,       /* TLS bytes came; waiting for a handshake slot */
  CONN_TLS,            /* TLS handshake in progress on the main loop */
  CONN_HTTP,           /* answering a plain HTTP request */
  CONN_APF,            /* an ObApfSession owns the stream */
} ConnState;

typedef struct _Conn Conn;

struct _Conn
{
  gint               ref_count;
  ObMpsServer       *server;          /* NULL once torn down */
  ConnState          state;
  gboolean           closed;
  gboolean           io_pending;      /* the handshake owns the socket */
  gboolean           in_handshake;    /* holds one of the handshake slots */

  GSocketConnection *socket_conn;
  GSocket           *socket;
  GIOStream         *tls;
  ObApfSession      *session;
  char              *address;

  gint64             deadline;        /* monotonic µs: authenticated by then */
  /* On the server's poller, not a GSource each (GLib visits every source
   * on every iteration): the socket until TLS or HTTP takes over, then
   * HTTP's answer and what follows it; one timer, the deadline and then
   * HTTP's linger. */
  ObPollerWatch     *watch;
  ObPollerTimer     *timer;
  GCancellable      *cancellable;     /* the handshake's */
  guint8             sniff[SNIFF_MAX];
  gsize              sniff_len;
  gsize              drained;
  char              *http_answer;
  gsize              http_sent;
  gboolean           http_done;       /* answered; draining until the client goes */

  GList             *pending_link;    /* in server->pending */
  GList             *wait_link;       /* in server->tls_wait */

  /* APF */
  char              *guid;
  gboolean           guid_checking;
  gboolean           guid_ok;
  ObApfAuthRequest  *waiting_auth;    /* came before the GUID check ended */
  /* The GUID check's findings on a CIRA device (its record and stored
   * secrets), so its USERAUTH_REQUEST is answered without a second trip
   * to a worker thread; used once. */
  struct _AuthJob   *known;
  gboolean           current;         /* the device's current session */
  gint64             last_seen_written;
};

struct _ObMpsServer
{
  GSocketService        parent_instance;

  ObConfig             *config;
  ObCertAuthority      *authority;
  ObDeviceRegistry     *registry;
  ObStore              *store;
  ObSecretStore        *secrets;
  GMainContext         *context;
  /* Every session's socket and timers, in one GSource. */
  ObPoller          *poller;

  SSL_CTX              *ssl_ctx;          /* server certificates and settings */
  ObMpsStoreWriter     *writer;
  ObConnectionThrottle *address_throttle;
  ObConnectionThrottle *activity_throttle;
  ObConnectionThrottle *activity_global;
  guint                 activity_unlogged;
  char                 *instance;

  /* Every open connection (Conn, one reference each). */
  GHashTable           *conns;
  /* Not yet authenticated, oldest first. */
  GQueue                pending;
  GHashTable           *pending_per_address;  /* char * -> count */
  GHashTable           *handshakes_per_address;  /* char * -> count */
  /* Waiting for a handshake slot, oldest first. */
  GQueue                tls_wait;
  guint                 n_handshakes;
  /* GUID -> Conn of the device's current session. */
  GHashTable           *current;

  /* Listening.  GSocketListener cannot give a socket back: once bound, the
   * port is this object's until stop, which closes the listener for
   * good. */
  gboolean              started;
  gboolean              stopped;
  gboolean              listening;
  char                 *address_request;      /* NULL: every interface */
  int                   port_request;         /* -1: follow the config */
  char                 *address;
  guint                 port;
  char                 *last_error;
  GSource              *rebind_source;
  /* The listening sockets, accepted from on the poller rather than by
   * GSocketService (a task and a source per socket for every connection,
   * one connection per turn of the main loop); the service stays
   * inactive. */
  GPtrArray            *listen_sockets;       /* ListenSocket */
  GPtrArray            *new_sockets;          /* GSocket, while binding */

  /* Settings. */
  guint                 handshake_timeout_ms;
  guint                 idle_timeout_ms;
  guint                 max_connections;
  guint                 max_pending;
  guint                 max_pending_per_address;
  guint                 max_handshakes;
  double                address_rate;
  guint                 address_burst;
  guint                 max_channels;
  guint64               max_channel_buffer;
  guint                 window_size;
  guint                 last_seen_interval;
  guint                 activity_interval_ms;

  ObMpsServerStats      stats;
};

G_DEFINE_FINAL_TYPE (ObMpsServer, ob_mps_server, G_TYPE_SOCKET_SERVICE)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_AUTHORITY,
  PROP_REGISTRY,
  PROP_LISTENING,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_N_CONNECTED,
  PROP_N_CONNECTIONS,
  PROP_LAST_ERROR,
  PROP_LEGACY_TLS_AVAILABLE,
  PROP_INSTANCE_NAME,
  PROP_HANDSHAKE_TIMEOUT_MS,
  PROP_IDLE_TIMEOUT_MS,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_PENDING,
  PROP_MAX_PENDING_PER_ADDRESS,
  PROP_MAX_HANDSHAKES,
  PROP_ADDRESS_RATE,
  PROP_ADDRESS_BURST,
  PROP_MAX_CHANNELS,
  PROP_MAX_CHANNEL_BUFFER,
  PROP_WINDOW_SIZE,
  PROP_LAST_SEEN_INTERVAL,
  PROP_ACTIVITY_INTERVAL_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_DEVICE_CONNECTED,
  SIGNAL_DEVICE_DISCONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void auth_job_free       (gpointer          data);
static void conn_close          (Conn             *conn,
                                 ObApfCloseReason  reason);
static void start_waiting_tls   (ObMpsServer      *self);
static void give_handshake_slot (ObMpsServer      *self,
                                 Conn             *conn);

/* ---- small helpers ---------------------------------------------------------- */

static void
set_last_error (ObMpsServer *self,
                const char  *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

static void
notify_n_connections (ObMpsServer *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTIONS]);
}

static char *
guid_key (const char *guid)
{
  return g_ascii_strdown (guid, -1);
}

static GSource *
attach_timeout (ObMpsServer *self,
                guint        ms,
                GSourceFunc  func,
                gpointer     data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Secrets are compared by their SHA-256, in constant time: neither the
 * length nor the first differing byte shows in the timing. */
static gboolean
secret_equal (const char *given,
              const char *stored)
{
  guint8 a[32], b[32];
  gsize a_len = sizeof a, b_len = sizeof b;
  g_autoptr(GChecksum) ca = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GChecksum) cb = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 diff = 0;

  g_checksum_update (ca, (const guchar *) (given != NULL ? given : ""), -1);
  g_checksum_update (cb, (const guchar *) (stored != NULL ? stored : ""), -1);
  g_checksum_get_digest (ca, a, &a_len);
  g_checksum_get_digest (cb, b, &b_len);
  for (gsize i = 0; i < sizeof a; i++)
    diff |= a[i] ^ b[i];
  ob_secure_clear (a, sizeof a);
  ob_secure_clear (b, sizeof b);

  return diff == 0 && given != NULL && stored != NULL;
}

/* A peer's address as text; an IPv4 client of a dual-stack socket shows
 * as its IPv4 address. */
static char *
sockaddr_text (const struct sockaddr_storage *peer)
{
  char text[INET6_ADDRSTRLEN];
  const void *bytes;
  int family;

  if (peer->ss_family == AF_INET)
    {
      family = AF_INET;
      bytes = &((const struct sockaddr_in *) peer)->sin_addr;
    }
  else if (peer->ss_family == AF_INET6)
    {
      const struct in6_addr *in6 = &((const struct sockaddr_in6 *) peer)->sin6_addr;

      family = IN6_IS_ADDR_V4MAPPED (in6) ? AF_INET : AF_INET6;
      bytes = family == AF_INET ? (const void *) &in6->s6_addr[12] : (const void *) in6;
    }
  else
    return g_strdup ("unknown");

  if (inet_ntop (family, bytes, text, sizeof text) == NULL)
    return g_strdup ("unknown");
  return g_strdup (text);
}

/* The same for a connection GSocketService accepted. */
static char *
peer_address (GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  struct sockaddr_storage native;

  if (remote == NULL || !g_socket_address_to_native (remote, &native, sizeof native, NULL))
    return g_strdup ("unknown");
  return sockaddr_text (&native);
}

/* ---- activity log ----------------------------------------------------------- */

/* Refusals are logged at most once per (action, GUID, address) per
 * activity interval and ACTIVITY_GLOBAL_BURST a minute in all, so a flood
 * (random GUIDs, one address or many) cannot fill the log; the next entry
 * says how many were held back. */
static void
log_refusal (ObMpsServer *self,
             const char  *action,
             const char  *guid,
             const char  *address,
             const char  *detail)
{
  g_autofree char *key = NULL;
  g_autofree char *text = NULL;
  gint64 now = g_get_monotonic_time ();

  g_debug ("CIRA %s from %s (%s): %s", action, address != NULL ? address : "?",
           guid != NULL ? guid : "no GUID", detail);

  key = g_strdup_printf ("%s %s %s", action, guid != NULL ? guid : "-", address != NULL ? address : "-");
  if (!ob_connection_throttle_take (self->activity_throttle, key, now) ||
      !ob_connection_throttle_take (self->activity_global, "all", now))
    {
      self->stats.activity_suppressed++;
      self->activity_unlogged++;
      return;
    }

  if (self->activity_unlogged > 0)
    text = g_strdup_printf ("%s (%u similar refusals before this one were not logged)",
                            detail, self->activity_unlogged);
  else
    text = g_strdup (detail);
  self->activity_unlogged = 0;

  ob_mps_store_writer_log (self->writer, action, guid, address, OB_ACTIVITY_RESULT_FAILURE, text);
}

/* ---- connections -------------------------------------------------------------- */

static Conn *
conn_ref (Conn *conn)
{
  g_atomic_int_inc (&conn->ref_count);
  return conn;
}

static void
conn_unref (Conn *conn)
{
  if (!g_atomic_int_dec_and_test (&conn->ref_count))
    return;

  g_assert (conn->server == NULL);
  g_assert (conn->watch == NULL && conn->timer == NULL);

  g_clear_object (&conn->session);
  g_clear_object (&conn->tls);
  g_clear_object (&conn->socket_conn);
  g_clear_object (&conn->cancellable);
  g_free (conn->address);
  g_free (conn->guid);
  g_free (conn->http_answer);
  g_clear_pointer (&conn->known, auth_job_free);
  g_free (conn);
}

static void
release_pending (ObMpsServer *self,
                 Conn        *conn)
{
  guint count;

  if (conn->pending_link == NULL)
    return;

  g_queue_delete_link (&self->pending, conn->pending_link);
  conn->pending_link = NULL;

  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending_per_address, conn->address));
  if (count <= 1)
    g_hash_table_remove (self->pending_per_address, conn->address);
  else
    g_hash_table_insert (self->pending_per_address, g_strdup (conn->address),
                         GUINT_TO_POINTER (count - 1));
}

/* Take the connection out of every table of the server; the server's
 * reference goes last.  Idempotent. */
static void
conn_detach (Conn *conn)
{
  ObMpsServer *self = conn->server;

  if (self == NULL)
    return;

  g_clear_pointer (&conn->watch, ob_poller_watch_free);
  g_clear_pointer (&conn->timer, ob_poller_timer_free);

  release_pending (self, conn);
  if (conn->wait_link != NULL)
    {
      g_queue_delete_link (&self->tls_wait, conn->wait_link);
      conn->wait_link = NULL;
    }

  if (conn->waiting_auth != NULL)
    ob_apf_auth_request_complete (g_steal_pointer (&conn->waiting_auth), FALSE);
  /* Its secrets are of no more use. */
  g_clear_pointer (&conn->known, auth_job_free);

  if (conn->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (conn->session, conn);
      /* Drops the session's reference to us. */
      ob_apf_session_set_authenticator (conn->session, NULL, NULL, NULL);
    }

  conn->server = NULL;

  /* A cancelled handshake unwinds on its own; its slot is free for the
   * next connection now. */
  if (conn->in_handshake)
    {
      give_handshake_slot (self, conn);
      start_waiting_tls (self);
    }

  /* Callers hold a reference of their own. */
  if (g_hash_table_remove (self->conns, conn))
    {
      notify_n_connections (self);
      conn_unref (conn);
    }
}

static void
close_socket (Conn *conn)
{
  if (conn->socket != NULL && !g_socket_is_closed (conn->socket))
    g_socket_close (conn->socket, NULL);
}

static void
conn_close (Conn             *conn,
            ObApfCloseReason  reason)
{
  if (conn->closed)
    return;

  if (conn->state == CONN_APF)
    {
      /* The session's "closed" handler does the rest. */
      ob_apf_session_close (conn->session, reason);
      return;
    }

  conn->closed = TRUE;
  conn_ref (conn);
  conn_detach (conn);

  if (conn->io_pending)
    {
      /* The handshake or a write still uses the socket: it closes it when
       * it comes back (closing under it could hand its file descriptor to
       * the next connection). */
      g_cancellable_cancel (conn->cancellable);
    }
  else
    close_socket (conn);

  conn_unref (conn);
}

/* ---- HTTP on the CIRA port ------------------------------------------------------- */

/* Reads what the client still sends after the answer until it closes
 * (or sends more than a request's worth); the linger bounds the wait. */
static void
http_drain (Conn *conn)
{
  g_autoptr(GError) error = NULL;
  guint8 buffer[4096];
  gssize n;

  n = g_socket_receive (conn->socket, (gchar *) buffer, sizeof buffer, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return;
  if (n > 0)
    {
      conn->drained += (gsize) n;
      if (conn->drained <= HTTP_DRAIN_MAX)
        return;
    }

  /* The end, an error, or more than a request's worth. */
  conn_close (conn, OB_APF_CLOSE_REASON_LOCAL);
}

/* Sends what the socket takes of the answer (all of it, as a rule: it is
 * short); then our side is done, and the client's rest is drained. */
static void
http_send (Conn *conn)
{
  gsize len = strlen (conn->http_answer);

  while (conn->http_sent < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (conn->socket, conn->http_answer + conn->http_sent,
                                len - conn->http_sent, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          ob_poller_watch_set_events (conn->watch, G_IO_OUT);
          return;
        }
      if (n < 0)
        {
          conn_close (conn, OB_APF_CLOSE_REASON_LOCAL);
          return;
        }
      conn->http_sent += (gsize) n;
    }

  conn->http_done = TRUE;
  g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
  ob_poller_watch_set_events (conn->watch, G_IO_IN);
  ob_poller_timer_schedule (conn->timer, g_get_monotonic_time () + (gint64) HTTP_LINGER_MS * 1000);
}

static void
answer_http (Conn     *conn,
             gboolean  head)
{
  ObMpsServer *self = conn->server;
  static const char body[] = OB_MPS_SERVER_HTTP_ANSWER;

  self->stats.http_answered++;
  conn->state = CONN_HTTP;
  release_pending (self, conn);

  conn->http_answer = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                                       "Content-Type: text/plain; charset=utf-8\r\n"
                                       "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                       "Connection: close\r\n"
                                       "\r\n"
                                       "%s",
                                       strlen (body), head ? "" : body);
  /* No more handshake deadline; a client that does not take the answer
   * gets the linger's time. */
  ob_poller_timer_schedule (conn->timer, g_get_monotonic_time () + (gint64) HTTP_LINGER_MS * 1000);
  http_send (conn);
}

/* The deadline (nothing usable in time), or after an HTTP answer the
 * linger. */
static void
on_conn_timer (gpointer user_data)
{
  Conn *conn = user_data;
  ObMpsServer *self = conn->server;

  if (self == NULL)
    return;

  if (conn->state == CONN_HTTP)
    {
      conn_close (conn, OB_APF_CLOSE_REASON_LOCAL);
      return;
    }

  self->stats.handshake_timeouts++;
  if (conn->state == CONN_TLS)
    self->stats.tls_failed++;
  g_debug ("CIRA connection from %s: nothing usable within %u ms", conn->address,
           self->handshake_timeout_ms);
  conn_close (conn, OB_APF_CLOSE_REASON_HANDSHAKE_TIMEOUT);
}

/* ---- TLS ------------------------------------------------------------------------ */

/* OpenSSL's "TLSv1", "TLSv1.1" … as people write them. */
static const char *
protocol_version_name (const char *version)
{
  if (g_strcmp0 (version, "TLSv1") == 0)
    return "TLS 1.0";
  if (g_strcmp0 (version, "TLSv1.1") == 0)
    return "TLS 1.1";
  if (g_strcmp0 (version, "TLSv1.2") == 0)
    return "TLS 1.2";
  if (g_strcmp0 (version, "TLSv1.3") == 0)
    return "TLS 1.3";
  return version != NULL ? version : "an unknown TLS version";
}

/* TLS 1.3 suites all use an ephemeral key exchange; before it OpenSSL's
 * name says: "ECDHE-…" and "DHE-…" are forward secret, "AES128-SHA" and
 * the other RSA key exchanges are not. */
static gboolean
suite_is_forward_secret (const char *version,
                         const char *suite)
{
  if (g_strcmp0 (version, "TLSv1.3") == 0)
    return TRUE;
  return suite != NULL && strstr (suite, "DHE") != NULL;
}

/* NULL when the connection is within the policy, else why not.  The
 * context admits what old firmware needs, so the refusal can name it
 * (and the setting is read per connection, so a change applies at once). */
static char *
tls_policy_refusal (ObMpsServer *self,
                    ObTlsStream *tls)
{
  const char *version = ob_tls_stream_get_protocol_version (tls);
  const char *suite = ob_tls_stream_get_cipher_name (tls);

  if (ob_config_get_allow_legacy_tls (self->config))
    return NULL;

  if (g_strcmp0 (version, "TLSv1.2") != 0 && g_strcmp0 (version, "TLSv1.3") != 0)
    return g_strdup_printf ("The device only speaks %s (%s); turn on legacy TLS in the "
                            "preferences to let old AMT firmware connect",
                            protocol_version_name (version), suite != NULL ? suite : "?");

  if (!suite_is_forward_secret (version, suite))
    return g_strdup_printf ("The device chose the cipher suite %s, whose key exchange is not "
                            "forward secret; turn on legacy TLS in the preferences to let old "
                            "AMT firmware connect",
                            suite != NULL ? suite : "?");

  return NULL;
}

static void start_apf (Conn *conn);

/* One address gets at most half the handshake slots, so a flood from one
 * place leaves room for devices elsewhere. */
static guint
address_handshake_limit (ObMpsServer *self)
{
  return MAX (1, self->max_handshakes / 2);
}

static guint
address_handshakes (ObMpsServer *self,
                    const char  *address)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->handshakes_per_address, address));
}

static void
take_handshake_slot (ObMpsServer *self,
                     Conn        *conn)
{
  conn->in_handshake = TRUE;
  self->n_handshakes++;
  g_hash_table_insert (self->handshakes_per_address, g_strdup (conn->address),
                       GUINT_TO_POINTER (address_handshakes (self, conn->address) + 1));
}

static void
give_handshake_slot (ObMpsServer *self,
                     Conn        *conn)
{
  guint count = address_handshakes (self, conn->address);

  if (!conn->in_handshake)
    return;

  conn->in_handshake = FALSE;
  self->n_handshakes--;
  if (count <= 1)
    g_hash_table_remove (self->handshakes_per_address, conn->address);
  else
    g_hash_table_insert (self->handshakes_per_address, g_strdup (conn->address),
                         GUINT_TO_POINTER (count - 1));
}

static void
on_handshake_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Conn *conn = user_data;
  ObMpsServer *self = conn->server;
  g_autoptr(GError) error = NULL;
  g_autofree char *refusal = NULL;
  gboolean ok;

  ok = ob_tls_stream_handshake_finish (OB_TLS_STREAM (source), result, &error);
  conn->io_pending = FALSE;

  if (conn->closed || self == NULL)
    {
      /* Closed meanwhile (deadline, stop): the slot was given back then. */
      close_socket (conn);
      conn_unref (conn);
      return;
    }

  give_handshake_slot (self, conn);

  if (!ok)
    {
      self->stats.tls_failed++;
      g_debug ("CIRA connection from %s: TLS handshake failed: %s", conn->address, error->message);
      conn_close (conn, OB_APF_CLOSE_REASON_IO_ERROR);
      start_waiting_tls (self);
      conn_unref (conn);
      return;
    }

  refusal = tls_policy_refusal (self, OB_TLS_STREAM (source));
  if (refusal != NULL)
    {
      self->stats.tls_refused++;
      log_refusal (self, "cira-tls-refused", NULL, conn->address, refusal);
      conn_close (conn, OB_APF_CLOSE_REASON_REJECTED);
      start_waiting_tls (self);
      conn_unref (conn);
      return;
    }

  start_apf (conn);
  start_waiting_tls (self);
  conn_unref (conn);
}

static void
start_tls (Conn *conn)
{
  ObMpsServer *self = conn->server;
  g_autoptr(GError) error = NULL;

  conn->tls = G_IO_STREAM (ob_tls_stream_new_server (conn->socket_conn, self->ssl_ctx, &error));
  if (conn->tls == NULL)
    {
      g_debug ("CIRA connection from %s: no TLS: %s", conn->address, error->message);
      self->stats.tls_failed++;
      conn_close (conn, OB_APF_CLOSE_REASON_IO_ERROR);
      return;
    }

  conn->state = CONN_TLS;
  conn->io_pending = TRUE;
  conn->cancellable = g_cancellable_new ();
  take_handshake_slot (self, conn);
  /* Its waits for the peer go on the server's poller too. */
  ob_tls_stream_set_poller (OB_TLS_STREAM (conn->tls), self->poller);
  ob_tls_stream_handshake_async (OB_TLS_STREAM (conn->tls), conn->cancellable, on_handshake_done,
                                 conn_ref (conn));
}

/* Handshakes run on the main loop and hold no thread while they wait for
 * the peer; the slots bound how many are in flight (each holds its
 * handshake state), and one address gets at most half of them, so a flood
 * of slow or silent peers from one place leaves room for devices. */
static void
start_waiting_tls (ObMpsServer *self)
{
  GList *l;

  if (!self->started)
    return;

  /* Oldest first, skipping addresses that hold their share. */
  l = self->tls_wait.head;
  while (self->n_handshakes < self->max_handshakes && l != NULL)
    {
      Conn *conn = l->data;

      l = l->next;
      if (address_handshakes (self, conn->address) >= address_handshake_limit (self))
        continue;

      g_queue_delete_link (&self->tls_wait, conn->wait_link);
      conn->wait_link = NULL;
      start_tls (conn);
    }
}

static void
want_tls (Conn *conn)
{
  ObMpsServer *self = conn->server;

  /* The TLS stream watches the socket from here. */
  g_clear_pointer (&conn->watch, ob_poller_watch_free);

  if (self->ssl_ctx == NULL)
    {
      conn_close (conn, OB_APF_CLOSE_REASON_REJECTED);
      return;
    }

  if (self->n_handshakes < self->max_handshakes &&
      address_handshakes (self, conn->address) < address_handshake_limit (self))
    {
      start_tls (conn);
      return;
    }

  conn->state = CONN_WAIT_TLS;
  g_queue_push_tail (&self->tls_wait, conn);
  conn->wait_link = self->tls_wait.tail;
}

/* ---- sniffing the first bytes --------------------------------------------------------- */

static gboolean
is_prefix_of (const guint8 *data,
              gsize         len,
              const char   *word)
{
  return len <= strlen (word) && memcmp (data, word, len) == 0;
}

static void
sniff_readable (Conn *conn)
{
  ObMpsServer *self = conn->server;
  GSocket *socket = conn->socket;
  g_autoptr(GError) error = NULL;
  GInputVector vector;
  gint flags;
  gssize n;

  if (conn->sniff_len == 0)
    {
      guint8 first;

      vector.buffer = &first;
      vector.size = 1;
      flags = G_SOCKET_MSG_PEEK;
      n = g_socket_receive_message (socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      if (n <= 0)
        {
          conn_close (conn, OB_APF_CLOSE_REASON_PEER_CLOSED);
          return;
        }
      /* TLS: leave the bytes for the TLS layer. */
      if (first == TLS_RECORD_HANDSHAKE || (first & SSL2_HELLO_FLAG) != 0)
        {
          want_tls (conn);
          return;
        }
    }

  /* Not TLS: the bytes are ours to read. */
  n = g_socket_receive (socket, (gchar *) conn->sniff + conn->sniff_len,
                        SNIFF_MAX - conn->sniff_len, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return;
  if (n <= 0)
    {
      conn_close (conn, OB_APF_CLOSE_REASON_PEER_CLOSED);
      return;
    }
  conn->sniff_len += (gsize) n;

  if (conn->sniff_len >= 4 && memcmp (conn->sniff, "GET ", 4) == 0)
    {
      answer_http (conn, FALSE);
      return;
    }
  if (conn->sniff_len >= 5 && memcmp (conn->sniff, "HEAD ", 5) == 0)
    {
      answer_http (conn, TRUE);
      return;
    }
  if (is_prefix_of (conn->sniff, conn->sniff_len, "GET ") ||
      is_prefix_of (conn->sniff, conn->sniff_len, "HEAD "))
    return;

  self->stats.garbage++;
  g_debug ("CIRA connection from %s: neither TLS nor HTTP, closed", conn->address);
  conn_close (conn, OB_APF_CLOSE_REASON_PROTOCOL_ERROR);
}

/* The socket's watch until TLS takes the connection over. */
static void
on_conn_io (gpointer user_data)
{
  Conn *conn = conn_ref (user_data);

  if (conn->server != NULL && !conn->closed)
    {
      if (conn->state == CONN_SNIFFING)
        sniff_readable (conn);
      else if (conn->state == CONN_HTTP && !conn->http_done)
        http_send (conn);
      else if (conn->state == CONN_HTTP)
        http_drain (conn);
    }
  conn_unref (conn);
}

/* ---- accepting ---------------------------------------------------------------------- */

/* A new connection needs room among the unauthenticated ones: push out
 * the oldest that has not sent a byte (a half-open flood displaces
 * itself), or refuse the newcomer when every one of them is talking. */
static gboolean
make_pending_room (ObMpsServer *self)
{
  if (g_queue_get_length (&self->pending) < self->max_pending)
    return TRUE;

  for (GList *l = self->pending.head; l != NULL; l = l->next)
    {
      Conn *victim = l->data;

      if (victim->state == CONN_SNIFFING && victim->sniff_len == 0)
        {
          self->stats.evicted++;
          conn_close (victim, OB_APF_CLOSE_REASON_REJECTED);
          return TRUE;
        }
    }

  return FALSE;
}

/* Whether a new connection from @address may stay: the caps on
 * connections and on unauthenticated ones, and the per-address throttle.
 * Counts and logs a refusal. */
static gboolean
may_admit (ObMpsServer *self,
           const char  *address,
           gint64       now)
{
  guint per_address;

  self->stats.accepted++;

  if (g_hash_table_size (self->conns) >= self->max_connections)
    {
      self->stats.refused_full++;
      g_debug ("CIRA connection from %s refused: %u connections already", address,
               self->max_connections);
      return FALSE;
    }

  per_address = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending_per_address, address));
  if (per_address >= self->max_pending_per_address ||
      !ob_connection_throttle_take (self->address_throttle, address, now))
    {
      self->stats.refused_throttled++;
      g_debug ("CIRA connection from %s refused: too many from that address", address);
      return FALSE;
    }

  if (!make_pending_room (self))
    {
      self->stats.refused_full++;
      g_debug ("CIRA connection from %s refused: %u unauthenticated connections already",
               address, self->max_pending);
      return FALSE;
    }

  return TRUE;
}

/* A connection may_admit() let in: it waits for its first bytes. */
static void
admit (ObMpsServer       *self,
       GSocketConnection *connection,
       char              *address,
       gint64             now)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  guint per_address = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending_per_address, address));
  Conn *conn;

  conn = g_new0 (Conn, 1);
  conn->ref_count = 1;
  conn->server = self;
  conn->state = CONN_SNIFFING;
  conn->socket_conn = g_object_ref (connection);
  conn->socket = socket;
  conn->address = address;
  conn->deadline = now + (gint64) self->handshake_timeout_ms * 1000;

  /* The server's reference. */
  g_hash_table_add (self->conns, conn);
  g_queue_push_tail (&self->pending, conn);
  conn->pending_link = self->pending.tail;
  g_hash_table_insert (self->pending_per_address, g_strdup (conn->address),
                       GUINT_TO_POINTER (per_address + 1));
  notify_n_connections (self);

  /* Our own peeks and reads never wait; the streams say per call. */
  g_socket_set_blocking (socket, FALSE);
  /* APF answers are small and each waits for the device's next message:
   * Nagle's algorithm would hold them for the delayed ACK. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  conn->timer = ob_poller_timer_new (self->poller, on_conn_timer, conn);
  ob_poller_timer_schedule (conn->timer, conn->deadline);
  conn->watch = ob_poller_watch_new (self->poller, g_socket_get_fd (socket), on_conn_io, conn);
}

/* Sockets GSocketService accepted itself (the listener's own are
 * accepted by on_listen_ready()). */
static gboolean
ob_mps_server_incoming (GSocketService    *service,
                        GSocketConnection *connection,
                        GObject           *source_object)
{
  ObMpsServer *self = OB_MPS_SERVER (service);
  g_autofree char *address = peer_address (connection);
  gint64 now = g_get_monotonic_time ();

  if (!may_admit (self, address, now))
    {
      g_socket_close (g_socket_connection_get_socket (connection), NULL);
      return TRUE;
    }
  admit (self, connection, g_steal_pointer (&address), now);
  return TRUE;
}

/* ---- APF: who may connect -------------------------------------------------------------- */

typedef struct _AuthJob
{
  ObStore       *store;
  ObSecretStore *secrets;
  char          *guid;
  char          *username;
  char          *password;

  /* The GUID check of a CIRA device: what the authentication needs
   * (prefetched: the keyring answered). */
  ObDeviceRecord *known_record;
  char          *stored_password;
  gboolean       prefetched;

  /* Results. */
  gboolean       known;            /* a CIRA device in the store */
  gboolean       lan;              /* a device managed over the LAN */
  gboolean       can_enroll;       /* some CIRA config has auto-enroll on */
  gboolean       allowed;
  char          *reason;
  ObDeviceRecord *record;
  char          *amt_password;
  char          *enrolled_by;
} AuthJob;

static void
auth_job_free (gpointer data)
{
  AuthJob *job = data;

  g_clear_object (&job->store);
  g_clear_object (&job->secrets);
  g_free (job->guid);
  g_free (job->username);
  ob_secure_free_string (job->password);
  g_free (job->reason);
  g_clear_object (&job->record);
  g_clear_object (&job->known_record);
  ob_secure_free_string (job->stored_password);
  ob_secure_free_string (job->amt_password);
  g_free (job->enrolled_by);
  g_free (job);
}

static AuthJob *
auth_job_new (ObMpsServer *self,
              const char  *guid)
{
  AuthJob *job = g_new0 (AuthJob, 1);

  job->store = g_object_ref (self->store);
  job->secrets = g_object_ref (self->secrets);
  job->guid = g_strdup (guid);

  return job;
}

static GPtrArray *
enrolling_configs (ObStore  *store,
                   GError  **error)
{
  g_autoptr(GPtrArray) configs = ob_store_list_cira_configs (store, NULL, NULL, error);
  GPtrArray *enrolling;

  if (configs == NULL)
    return NULL;

  enrolling = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < configs->len; i++)
    {
      ObCiraConfig *config = g_ptr_array_index (configs, i);

      if (ob_cira_config_get_auto_enroll (config))
        g_ptr_array_add (enrolling, g_object_ref (config));
    }

  return enrolling;
}

static void prefetch_secrets (AuthJob        *job,
                              ObDeviceRecord *record);

/* Worker thread: PROTOCOLVERSION came; is this GUID one we may hear? */
static void
guid_check_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  AuthJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GPtrArray) configs = NULL;

  record = ob_store_get_device (job->store, job->guid, &error);
  if (record != NULL)
    {
      job->known = ob_device_record_get_transport (record) == OB_DEVICE_TRANSPORT_CIRA;
      job->lan = !job->known;
      if (job->known)
        prefetch_secrets (job, record);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_clear_error (&error);

  configs = enrolling_configs (job->store, &error);
  if (configs == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->can_enroll = configs->len > 0;
  g_task_return_boolean (task, TRUE);
}

/* The user and the password against a CIRA device's (@stored: its MPS
 * password from the keyring, NULL when it has none). */
static void
compare_credentials (AuthJob        *job,
                     ObDeviceRecord *record,
                     const char     *stored)
{
  gboolean user_ok, password_ok;

  /* Both compared whatever the first says. */
  user_ok = secret_equal (job->username, ob_device_record_get_mps_username (record));
  password_ok = secret_equal (job->password, stored);

  if (user_ok && password_ok)
    {
      job->allowed = TRUE;
      job->record = g_object_ref (record);
    }
  else if (ob_device_record_get_mps_username (record) == NULL)
    job->reason = g_strdup ("No CIRA user name is stored for the device");
  else
    job->reason = g_strdup_printf ("Wrong CIRA user name or password (user “%s”)", job->username);
}

static gboolean
check_known_device (AuthJob         *job,
                    ObDeviceRecord  *record,
                    GError         **error)
{
  g_autofree char *stored = NULL;

  if (ob_device_record_get_transport (record) != OB_DEVICE_TRANSPORT_CIRA)
    {
      job->reason = g_strdup ("The device is managed over the LAN, not CIRA");
      return TRUE;
    }

  stored = ob_secret_store_lookup_text_sync (job->secrets, OB_SECRET_OWNER_DEVICE, job->guid,
                                             OB_SECRET_KIND_MPS_PASSWORD, NULL, error);
  if (stored == NULL && error != NULL && *error != NULL)
    return FALSE;

  compare_credentials (job, record, stored);
  ob_secure_free_string (g_steal_pointer (&stored));

  return TRUE;
}

/* The device's AMT password, for the registry once it authenticated. */
static void
lookup_amt_password (AuthJob *job)
{
  g_autoptr(GError) local_error = NULL;

  job->amt_password = ob_secret_store_lookup_text_sync (job->secrets, OB_SECRET_OWNER_DEVICE,
                                                        job->guid, OB_SECRET_KIND_AMT_PASSWORD,
                                                        NULL, &local_error);
  if (local_error != NULL)
    g_debug ("No AMT password for %s: %s", job->guid, local_error->message);
}

/* Worker thread, GUID check of a CIRA device: its secrets, read now so
 * that its USERAUTH_REQUEST needs no worker of its own.  When the keyring
 * fails, the authentication reads them again (and reports that). */
static void
prefetch_secrets (AuthJob        *job,
                  ObDeviceRecord *record)
{
  g_autoptr(GError) error = NULL;

  job->stored_password = ob_secret_store_lookup_text_sync (job->secrets, OB_SECRET_OWNER_DEVICE, job->guid,
                                                           OB_SECRET_KIND_MPS_PASSWORD, NULL, &error);
  if (error != NULL)
    {
      g_debug ("The MPS password of %s is read again at authentication: %s", job->guid, error->message);
      return;
    }
  lookup_amt_password (job);
  job->known_record = g_object_ref (record);
  job->prefetched = TRUE;
}

/* A new device with an enrolling config's credentials: store it, then its
 * password; a keyring failure takes the row back. */
static gboolean
enroll_device (AuthJob       *job,
               ObCiraConfig  *config,
               GError       **error)
{
  g_autoptr(ObDeviceRecord) record = ob_device_record_new (job->guid);
  const char * const no_tags[] = { NULL };

  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  ob_device_record_set_mps_username (record, job->username);
  ob_device_record_set_friendly_name (record, job->guid);
  ob_device_record_set_tenant_id (record, ob_cira_config_get_tenant_id (config));
  ob_device_record_set_tags (record, no_tags);

  if (!ob_store_insert_device (job->store, record, error))
    return FALSE;

  if (!ob_secret_store_store_text_sync (job->secrets, OB_SECRET_OWNER_DEVICE,
                                        ob_device_record_get_guid (record),
                                        OB_SECRET_KIND_MPS_PASSWORD, job->password, NULL, error))
    {
      g_autoptr(GError) delete_error = NULL;

      if (!ob_store_delete_device (job->store, ob_device_record_get_guid (record), &delete_error))
        g_debug ("Could not take back the enrolled device %s: %s", job->guid,
                 delete_error->message);
      return FALSE;
    }

  job->allowed = TRUE;
  job->record = g_steal_pointer (&record);
  job->enrolled_by = g_strdup (ob_cira_config_get_name (config));
  return TRUE;
}

/* Worker thread: USERAUTH_REQUEST. */
static void
auth_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  AuthJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GPtrArray) configs = NULL;
  ObCiraConfig *matched = NULL;
  gboolean any_user = FALSE;

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      g_clear_error (&error);
      record = ob_store_get_device (job->store, job->guid, &error);
      if (record != NULL)
        {
          if (!check_known_device (job, record, &error))
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
          break;
        }
      if (!g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_clear_error (&error);

      g_clear_pointer (&configs, g_ptr_array_unref);
      configs = enrolling_configs (job->store, &error);
      if (configs == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      for (guint i = 0; i < configs->len && matched == NULL; i++)
        {
          ObCiraConfig *config = g_ptr_array_index (configs, i);
          g_autofree char *stored = NULL;

          if (g_strcmp0 (ob_cira_config_get_username (config), job->username) != 0)
            continue;
          any_user = TRUE;

          stored = ob_secret_store_lookup_text_sync (job->secrets, OB_SECRET_OWNER_CIRA_CONFIG,
                                                     ob_cira_config_get_name (config),
                                                     OB_SECRET_KIND_MPS_PASSWORD, NULL, &error);
          if (error != NULL)
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
          if (secret_equal (job->password, stored))
            matched = config;
          ob_secure_free_string (g_steal_pointer (&stored));
        }

      if (matched == NULL)
        {
          job->reason = g_strdup (any_user
                                  ? "Unknown device; the password does not match the CIRA config that enrols its user"
                                  : "Unknown device; no CIRA config enrols devices with that user name");
          break;
        }

      if (enroll_device (job, matched, &error))
        break;
      /* Another connection of the same device enrolled it first: check
       * against what it stored. */
      if (!g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE) || attempt > 0)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      matched = NULL;
    }

  if (job->allowed)
    lookup_amt_password (job);

  g_task_return_boolean (task, TRUE);
}

/* ---- APF: sessions ---------------------------------------------------------------------- */

static void
on_session_closed (ObApfSession     *session,
                   ObApfCloseReason  reason,
                   const GError     *error,
                   gpointer          user_data)
{
  Conn *conn = user_data;
  ObMpsServer *self = conn->server;

  if (self == NULL)
    return;

  conn->closed = TRUE;
  conn_ref (conn);

  if (reason == OB_APF_CLOSE_REASON_HANDSHAKE_TIMEOUT)
    self->stats.handshake_timeouts++;

  if (conn->current)
    {
      g_autofree char *key = guid_key (conn->guid);

      conn->current = FALSE;
      g_hash_table_remove (self->current, key);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTED]);

      ob_mps_store_writer_disconnected (self->writer, conn->guid);
      ob_device_registry_detach_cira_device (self->registry, conn->guid, OB_STREAM_SOURCE (session),
                                             error);
      g_debug ("CIRA device %s disconnected: %s", conn->guid, ob_apf_close_reason_to_string (reason));
      g_signal_emit (self, signals[SIGNAL_DEVICE_DISCONNECTED], 0, conn->guid, session, reason);
    }

  conn_detach (conn);
  conn_unref (conn);
}

static void
on_session_last_seen (ObApfSession *session,
                      GParamSpec   *pspec,
                      gpointer      user_data)
{
  Conn *conn = user_data;
  ObMpsServer *self = conn->server;
  gint64 last_seen = ob_apf_session_get_last_seen (session);

  if (self == NULL || !conn->current)
    return;

  /* The session has the exact time for whoever asks while it is up; the
   * store's copy only has to outlive a crash, so one write per interval
   * rather than one per keepalive of every device. */
  if (last_seen - conn->last_seen_written < (gint64) self->last_seen_interval * G_USEC_PER_SEC)
    return;

  conn->last_seen_written = last_seen;
  ob_mps_store_writer_last_seen (self->writer, conn->guid);
}

static void
on_port_forwarded (ObApfSession *session,
                   guint         port,
                   gpointer      user_data)
{
  Conn *conn = user_data;
  ObMpsServer *self = conn->server;
  ObDevice *device;

  if (self == NULL || !conn->current || port != WSMAN_PORT)
    return;

  /* WS-Man is reachable now: learn the device's state. */
  device = ob_device_registry_lookup (self->registry, conn->guid);
  if (device != NULL && ob_device_get_transport_source (device) == OB_STREAM_SOURCE (session))
    ob_device_registry_queue_refresh (self->registry, device);
}

static void
device_authenticated (ObMpsServer      *self,
                      Conn             *conn,
                      AuthJob          *job,
                      ObApfAuthRequest *request)
{
  g_autofree char *key = guid_key (conn->guid);
  Conn *old = g_hash_table_lookup (self->current, key);
  ObDevice *device;

  self->stats.authenticated++;
  if (job->enrolled_by != NULL)
    {
      g_autofree char *detail = g_strdup_printf ("Enrolled with CIRA config “%s”", job->enrolled_by);

      self->stats.enrolled++;
      ob_mps_store_writer_log (self->writer, "cira-enrolled", conn->guid, conn->address,
                               OB_ACTIVITY_RESULT_SUCCESS, detail);
    }

  /* The new session is current before the old one closes, so the old
   * one's close handler leaves the device alone. */
  conn->current = TRUE;
  g_hash_table_insert (self->current, g_steal_pointer (&key), conn);
  if (old != NULL && old != conn)
    {
      self->stats.replaced++;
      old->current = FALSE;
      g_debug ("CIRA device %s reconnected from %s; the old session goes", conn->guid, conn->address);
      conn_close (old, OB_APF_CLOSE_REASON_REPLACED);
    }
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTED]);

  release_pending (self, conn);
  conn->last_seen_written = g_get_real_time ();
  ob_mps_store_writer_connected (self->writer, conn->guid, self->instance);

  device = ob_device_registry_attach_cira_device (self->registry, job->record, job->amt_password,
                                                  OB_STREAM_SOURCE (conn->session));

  ob_apf_auth_request_complete (request, TRUE);
  g_debug ("CIRA device %s connected from %s", conn->guid, conn->address);
  g_signal_emit (self, signals[SIGNAL_DEVICE_CONNECTED], 0, conn->guid, conn->session);

  if (device != NULL && ob_apf_session_has_forwarded_port (conn->session, WSMAN_PORT))
    ob_device_registry_queue_refresh (self->registry, device);
}

/* The answer to USERAUTH_REQUEST, once @job compared the credentials. */
static void
auth_verdict (ObMpsServer      *self,
              Conn             *conn,
              AuthJob          *job,
              ObApfAuthRequest *request)
{
  if (!job->allowed)
    {
      self->stats.auth_failed++;
      log_refusal (self, "cira-auth-failed", conn->guid, conn->address, job->reason);
      ob_apf_auth_request_complete (request, FALSE);
      return;
    }

  device_authenticated (self, conn, job, request);
}

static void
on_auth_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ObMpsServer *self = OB_MPS_SERVER (source);
  Conn *conn = user_data;
  AuthJob *job = g_task_get_task_data (G_TASK (result));
  ObApfAuthRequest *request = g_object_get_data (G_OBJECT (result), "ob-request");
  g_autoptr(GError) error = NULL;

  g_object_steal_data (G_OBJECT (result), "ob-request");

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *detail = g_strdup_printf ("Could not check the device's credentials: %s",
                                                 error->message);

      if (conn->server != NULL && !conn->closed)
        {
          self->stats.auth_failed++;
          log_refusal (self, "cira-auth-failed", conn->guid, conn->address, detail);
        }
      ob_apf_auth_request_complete (request, FALSE);
      conn_unref (conn);
      return;
    }

  if (conn->server == NULL || conn->closed)
    {
      /* Closed meanwhile: answering is harmless and frees the request. */
      ob_apf_auth_request_complete (request, FALSE);
      conn_unref (conn);
      return;
    }

  auth_verdict (self, conn, job, request);
  conn_unref (conn);
}

static void
start_auth (Conn             *conn,
            ObApfAuthRequest *request)
{
  ObMpsServer *self = conn->server;
  g_autoptr(GTask) task = NULL;
  AuthJob *job = g_steal_pointer (&conn->known);

  /* A CIRA device whose GUID check read its record and secrets: compared
   * here and now (the same constant-time comparison), no worker thread. */
  if (job != NULL && job->prefetched && g_strcmp0 (job->guid, conn->guid) == 0)
    {
      job->username = g_strdup (ob_apf_auth_request_get_username (request));
      job->password = g_strdup (ob_apf_auth_request_get_password (request));
      compare_credentials (job, job->known_record, job->stored_password);
      ob_secure_free_string (g_steal_pointer (&job->stored_password));
      auth_verdict (self, conn, job, request);
      auth_job_free (job);
      return;
    }
  g_clear_pointer (&job, auth_job_free);

  job = auth_job_new (self, conn->guid);
  job->username = g_strdup (ob_apf_auth_request_get_username (request));
  job->password = g_strdup (ob_apf_auth_request_get_password (request));

  task = g_task_new (self, NULL, on_auth_done, conn_ref (conn));
  g_task_set_source_tag (task, start_auth);
  g_task_set_task_data (task, job, auth_job_free);
  g_object_set_data (G_OBJECT (task), "ob-request", request);
  g_task_run_in_thread (task, auth_thread);
}

static void
on_authenticate (ObApfSession     *session,
                 ObApfAuthRequest *request,
                 gpointer          user_data)
{
  Conn *conn = user_data;

  if (conn->server == NULL || conn->closed || conn->waiting_auth != NULL)
    {
      ob_apf_auth_request_complete (request, FALSE);
      return;
    }

  /* The GUID check decides first (it may close the connection). */
  if (conn->guid_checking)
    {
      conn->waiting_auth = request;
      return;
    }

  start_auth (conn, request);
}

static void
on_guid_checked (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ObMpsServer *self = OB_MPS_SERVER (source);
  Conn *conn = user_data;
  AuthJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  ObApfAuthRequest *waiting;

  conn->guid_checking = FALSE;

  if (conn->server == NULL || conn->closed)
    {
      conn_unref (conn);
      return;
    }

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *detail = g_strdup_printf ("Could not look the device up: %s", error->message);

      log_refusal (self, "cira-unknown-device", conn->guid, conn->address, detail);
      conn_close (conn, OB_APF_CLOSE_REASON_REJECTED);
      conn_unref (conn);
      return;
    }

  if (!job->known && !job->can_enroll)
    {
      self->stats.unknown_guid++;
      /* As the reference: closed at PROTOCOLVERSION, no APF message. */
      log_refusal (self, "cira-unknown-device", conn->guid, conn->address,
                   job->lan ? "The device is managed over the LAN, not CIRA"
                            : "Unknown device (no CIRA device with this GUID, and no CIRA config enrols new devices)");
      conn_close (conn, OB_APF_CLOSE_REASON_REJECTED);
      conn_unref (conn);
      return;
    }

  conn->guid_ok = TRUE;
  g_clear_pointer (&conn->known, auth_job_free);
  if (job->prefetched)
    {
      /* The findings move over (the task frees its job). */
      conn->known = auth_job_new (self, job->guid);
      conn->known->known_record = g_steal_pointer (&job->known_record);
      conn->known->stored_password = g_steal_pointer (&job->stored_password);
      conn->known->amt_password = g_steal_pointer (&job->amt_password);
      conn->known->prefetched = TRUE;
    }
  waiting = g_steal_pointer (&conn->waiting_auth);
  if (waiting != NULL)
    start_auth (conn, waiting);
  conn_unref (conn);
}

static void
on_protocol_version (ObApfSession *session,
                     const char   *guid,
                     gpointer      user_data)
{
  Conn *conn = user_data;
  ObMpsServer *self = conn->server;
  g_autoptr(GTask) task = NULL;

  if (self == NULL || conn->closed)
    return;

  g_free (conn->guid);
  conn->guid = g_strdup (guid);
  conn->guid_checking = TRUE;
  g_clear_pointer (&conn->known, auth_job_free);

  task = g_task_new (self, NULL, on_guid_checked, conn_ref (conn));
  g_task_set_source_tag (task, on_protocol_version);
  g_task_set_task_data (task, auth_job_new (self, guid), auth_job_free);
  g_task_run_in_thread (task, guid_check_thread);
}

static void
start_apf (Conn *conn)
{
  ObMpsServer *self = conn->server;
  gint64 remaining = (conn->deadline - g_get_monotonic_time ()) / 1000;
  ObApfSession *session;
  guint keepalive;

  g_clear_pointer (&conn->timer, ob_poller_timer_free);

  conn->state = CONN_APF;
  conn->session = session = ob_apf_session_new_server (conn->tls);
  /* The session owns the stream from here. */
  g_clear_object (&conn->tls);
  ob_apf_session_set_poller (session, self->poller, g_socket_get_fd (conn->socket));

  keepalive = ob_config_get_keepalive_interval (self->config);
  ob_apf_session_set_keepalive_interval (session, keepalive);
  /* Three keepalives missed, as the reference's 90 s for 30 s. */
  ob_apf_session_set_idle_timeout_ms (session,
                                      self->idle_timeout_ms != 0 ? self->idle_timeout_ms
                                                                 : MIN (keepalive, G_MAXUINT / 3000) * 3000);
  ob_apf_session_set_handshake_timeout_ms (session, (guint) CLAMP (remaining, 1, G_MAXUINT));
  ob_apf_session_set_window_size (session, self->window_size);
  ob_apf_session_set_max_channels (session, self->max_channels);
  ob_apf_session_set_max_channel_buffer (session, (gsize) self->max_channel_buffer);
  ob_apf_session_set_authenticator (session, on_authenticate, conn_ref (conn),
                                    (GDestroyNotify) conn_unref);

  g_signal_connect (session, "protocol-version", G_CALLBACK (on_protocol_version), conn);
  g_signal_connect (session, "port-forwarded", G_CALLBACK (on_port_forwarded), conn);
  g_signal_connect (session, "notify::last-seen", G_CALLBACK (on_session_last_seen), conn);
  g_signal_connect (session, "closed", G_CALLBACK (on_session_closed), conn);

  ob_apf_session_start (session);
}

/* ---- listening ------------------------------------------------------------------------ */

static gboolean
reload_certificate (ObMpsServer  *self,
                    GError      **error)
{
  SSL_CTX *ctx;

  /* Connections hold their own reference to the context they began
   * with. */
  ctx = ob_tls_context_new_server (self->authority, error);
  if (ctx == NULL)
    return FALSE;

  g_clear_pointer (&self->ssl_ctx, SSL_CTX_free);
  self->ssl_ctx = ctx;
  return TRUE;
}

static void
on_authority_changed (ObMpsServer     *self,
                      ObCertAuthority *authority)
{
  g_autoptr(GError) error = NULL;

  /* New handshakes use the new certificate; sessions keep theirs.  On
   * failure the old one goes on serving. */
  if (!reload_certificate (self, &error))
    g_message ("The new MPS server certificate could not be loaded: %s", error->message);
}

static int
effective_port (ObMpsServer *self)
{
  return self->port_request >= 0 ? self->port_request : (int) ob_config_get_cira_port (self->config);
}

typedef struct
{
  ObMpsServer   *server;
  GSocket       *socket;
  ObPollerWatch *watch;
  ObPollerTimer *retry;
} ListenSocket;

static void
listen_socket_free (gpointer data)
{
  ListenSocket *ls = data;

  ob_poller_watch_free (ls->watch);
  ob_poller_timer_free (ls->retry);
  g_object_unref (ls->socket);
  g_free (ls);
}

static void
on_accept_retry (gpointer user_data)
{
  ListenSocket *ls = user_data;

  ob_poller_watch_set_enabled (ls->watch, TRUE);
}

/* Accepts in one system call, non-blocking and close-on-exec from the
 * start, with the peer's address; a refused connection is closed before
 * any object is made for it, so a flood costs little. */
static void
on_listen_ready (gpointer user_data)
{
  ListenSocket *ls = user_data;
  g_autoptr(ObMpsServer) self = g_object_ref (ls->server);

  for (guint i = 0; i < ACCEPT_BATCH && !self->stopped; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GSocketConnection) connection = NULL;
      g_autofree char *address = NULL;
      struct sockaddr_storage peer;
      socklen_t peer_len = sizeof peer;
      gint64 now;
      int fd;

      do
        fd = accept4 (g_socket_get_fd (ls->socket), (struct sockaddr *) &peer, &peer_len,
                      SOCK_NONBLOCK | SOCK_CLOEXEC);
      while (fd < 0 && errno == EINTR);

      if (fd < 0)
        {
          int saved_errno = errno;

          if (saved_errno != EAGAIN)     /* EWOULDBLOCK is EAGAIN on Linux */
            {
              g_debug ("CIRA listener: cannot accept: %s", g_strerror (saved_errno));
              ob_poller_watch_set_enabled (ls->watch, FALSE);
              ob_poller_timer_schedule (ls->retry, g_get_monotonic_time () + ACCEPT_RETRY_MS * 1000);
            }
          return;
        }

      address = sockaddr_text (&peer);
      now = g_get_monotonic_time ();
      if (!may_admit (self, address, now))
        {
          close (fd);
          continue;
        }

      socket = g_socket_new_from_fd (fd, &error);
      if (socket == NULL)
        {
          g_debug ("CIRA connection from %s dropped: %s", address, error->message);
          close (fd);
          continue;
        }
      connection = g_socket_connection_factory_create_connection (socket);
      admit (self, connection, g_steal_pointer (&address), now);
    }
}

static void
ob_mps_server_event (GSocketListener      *listener,
                     GSocketListenerEvent  event,
                     GSocket              *socket)
{
  ObMpsServer *self = OB_MPS_SERVER (listener);

  if (event == G_SOCKET_LISTENER_LISTENED && self->new_sockets != NULL)
    g_ptr_array_add (self->new_sockets, g_object_ref (socket));
}

/* After a bind: the sockets it added get their watches; after a failed
 * one, GIO dropped them and so do we. */
static void
take_new_sockets (ObMpsServer *self,
                  gboolean     bound)
{
  g_autoptr(GPtrArray) sockets = g_steal_pointer (&self->new_sockets);

  for (guint i = 0; bound && i < sockets->len; i++)
    {
      ListenSocket *ls = g_new0 (ListenSocket, 1);

      ls->server = self;
      ls->socket = g_object_ref (g_ptr_array_index (sockets, i));
      /* accept() answers "would block" rather than waiting. */
      g_socket_set_blocking (ls->socket, FALSE);
      ls->watch = ob_poller_watch_new (self->poller, g_socket_get_fd (ls->socket), on_listen_ready, ls);
      ls->retry = ob_poller_timer_new (self->poller, on_accept_retry, ls);
      g_ptr_array_add (self->listen_sockets, ls);
    }
}

static gboolean
bind_listener (ObMpsServer  *self,
               GError      **error)
{
  GSocketListener *listener = G_SOCKET_LISTENER (self);
  g_autoptr(GError) local_error = NULL;
  int port = effective_port (self);
  guint bound = 0;
  const char *shown_address = self->address_request != NULL ? self->address_request : "0.0.0.0";

  self->new_sockets = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->address_request == NULL)
    {
      if (port == 0)
        bound = g_socket_listener_add_any_inet_port (listener, NULL, &local_error);
      else if (g_socket_listener_add_inet_port (listener, (guint16) port, NULL, &local_error))
        bound = (guint) port;
    }
  else
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (self->address_request);
      g_autoptr(GSocketAddress) wanted = NULL;
      g_autoptr(GSocketAddress) effective = NULL;

      if (inet == NULL)
        {
          take_new_sockets (self, FALSE);
          g_set_error (error, OB_MPS_ERROR, OB_MPS_ERROR_CANNOT_LISTEN,
                       "“%s” is not an IP address to listen on", self->address_request);
          return FALSE;
        }
      wanted = g_inet_socket_address_new (inet, (guint16) port);
      if (g_socket_listener_add_address (listener, wanted, G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, NULL, &effective, &local_error))
        bound = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }

  take_new_sockets (self, bound != 0);
  if (bound == 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, OB_MPS_ERROR, OB_MPS_ERROR_PORT_IN_USE,
                     "Port %d is already in use", port);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        g_set_error (error, OB_MPS_ERROR, OB_MPS_ERROR_CANNOT_LISTEN,
                     "Not allowed to listen on port %d", port);
      else
        g_set_error (error, OB_MPS_ERROR, OB_MPS_ERROR_CANNOT_LISTEN,
                     "Cannot listen on %s port %d: %s", shown_address, port,
                     local_error != NULL ? local_error->message : "unknown error");
      return FALSE;
    }

  g_free (self->address);
  self->address = g_strdup (shown_address);
  self->port = bound;
  return TRUE;
}

static void
set_listening (ObMpsServer *self,
               gboolean     listening)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->listening != listening)
    {
      self->listening = listening;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
    }
  if (!listening)
    {
      g_clear_pointer (&self->address, g_free);
      self->port = 0;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
rebind_timeout (gpointer user_data)
{
  ObMpsServer *self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->rebind_source, g_source_unref);
  if (!self->started || self->listening)
    return G_SOURCE_REMOVE;

  if (bind_listener (self, &error))
    {
      set_last_error (self, NULL);
      set_listening (self, TRUE);
      g_debug ("Listening for CIRA connections on %s port %u", self->address, self->port);
    }
  else
    {
      g_debug ("CIRA listener: %s", error->message);
      set_listening (self, FALSE);
      set_last_error (self, error->message);
    }

  return G_SOURCE_REMOVE;
}

/* After a failed bind ("port in use") a new port setting is tried at
 * once.  A listener that is bound stays where it is (see "stopped"); the
 * owner makes a new server to move it. */
static void
on_port_setting_changed (ObMpsServer *self,
                         GParamSpec  *pspec,
                         ObConfig    *config)
{
  if (!self->started || self->listening || self->port_request >= 0)
    return;

  clear_source (&self->rebind_source);
  self->rebind_source = attach_timeout (self, REBIND_DELAY_MS, rebind_timeout, self);
}

/* Every connection is a descriptor; a big fleet needs more than the
 * usual soft limit of 1024. */
static void
raise_descriptor_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
    return;

  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_debug ("Could not raise the open file limit: %s", g_strerror (errno));
}

static void
on_marked_disconnected (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObMpsServer *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  ob_mps_store_writer_flush_finish (self->writer, result, NULL);

  if (g_task_return_error_if_cancelled (task))
    {
      self->started = FALSE;
      return;
    }

  if (!bind_listener (self, &error))
    {
      /* Following the setting, it stays on and tries the next port the
       * admin picks; a port given for good is simply not listened on, and
       * the start may be tried again. */
      self->started = self->port_request < 0;
      set_last_error (self, error->message);
      set_listening (self, FALSE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  set_last_error (self, NULL);
  set_listening (self, TRUE);
  g_debug ("Listening for CIRA connections on %s port %u", self->address, self->port);
  g_task_return_boolean (task, TRUE);
}

void
ob_mps_server_start_async (ObMpsServer         *self,
                           const char          *address,
                           int                  port,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (OB_IS_MPS_SERVER (self));
  g_return_if_fail (port >= -1 && port <= 65535);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_mps_server_start_async);

  if (self->started || self->stopped)
    {
      g_task_return_new_error (task, OB_MPS_ERROR, OB_MPS_ERROR_ALREADY_STARTED,
                               self->stopped ? "This CIRA listener was stopped; make a new one"
                                             : "The CIRA listener is already started");
      return;
    }

  if (!reload_certificate (self, &error))
    {
      g_autofree char *message = g_strdup_printf ("The MPS has no server certificate: %s",
                                                  error->message);

      set_last_error (self, message);
      g_task_return_new_error (task, OB_MPS_ERROR, OB_MPS_ERROR_NO_CERTIFICATE, "%s", message);
      return;
    }

  self->started = TRUE;
  g_free (self->address_request);
  self->address_request = g_strdup (address);
  self->port_request = port;
  raise_descriptor_limit ();

  /* Whatever the store says from an earlier run, nobody is connected to
   * us yet; then listen. */
  ob_mps_store_writer_mark_all_disconnected (self->writer);
  ob_mps_store_writer_flush_async (self->writer, cancellable, on_marked_disconnected,
                                   g_steal_pointer (&task));
}

gboolean
ob_mps_server_start_finish (ObMpsServer   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (OB_IS_MPS_SERVER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ob_mps_server_stop (ObMpsServer *self)
{
  g_autoptr(GPtrArray) conns = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (OB_IS_MPS_SERVER (self));

  if (self->stopped)
    return;

  clear_source (&self->rebind_source);
  g_ptr_array_set_size (self->listen_sockets, 0);
  g_socket_service_stop (G_SOCKET_SERVICE (self));
  g_socket_listener_close (G_SOCKET_LISTENER (self));
  self->started = FALSE;
  self->stopped = TRUE;
  if (self->listening)
    set_listening (self, FALSE);

  /* A snapshot: closing takes each out of the table. */
  conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_unref);
  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (conns, conn_ref (key));
  for (guint i = 0; i < conns->len; i++)
    conn_close (g_ptr_array_index (conns, i), OB_APF_CLOSE_REASON_LOCAL);

  /* A stopped server needs none of its collaborators: they need not wait
   * for the last reference. */
  g_signal_handlers_disconnect_by_data (self->config, self);
  g_signal_handlers_disconnect_by_data (self->authority, self);
  g_clear_object (&self->config);
  g_clear_object (&self->authority);
  g_clear_object (&self->registry);
  g_clear_pointer (&self->ssl_ctx, SSL_CTX_free);
}

/* ---- getters ------------------------------------------------------------------------- */

gboolean
ob_mps_server_get_listening (ObMpsServer *self)
{
  g_return_val_if_fail (OB_IS_MPS_SERVER (self), FALSE);

  return self->listening;
}

const char *
ob_mps_server_get_address (ObMpsServer *self)
{
  g_return_val_if_fail (OB_IS_MPS_SERVER (self), NULL);

  return self->address;
}

guint
ob_mps_server_get_port (ObMpsServer *self)
{
  g_return_val_if_fail (OB_IS_MPS_SERVER (self), 0);

  return self->port;
}

guint
ob_mps_server_get_n_connected (ObMpsServer *self)
{
  g_return_val_if_fail (OB_IS_MPS_SERVER (self), 0);

  return g_hash_table_size (self->current);
}

guint
ob_mps_server_get_n_connections (ObMpsServer *self)
{
  g_return_val_if_fail (OB_IS_MPS_SERVER (self), 0);

  return g_hash_table_size (self->conns);
}

const char *
ob_mps_server_get_last_error (ObMpsServer *self)
{
  g_return_val_if_fail (OB_IS_MPS_SERVER (self), NULL);

  return self->last_error;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SSL, SSL_free)

/* 0 while not known, else 1 + the answer: it depends on the OpenSSL the
 * process uses (its build, its configuration, the providers loaded), not
 * on the server, so one probe serves every server. */
static gint legacy_tls_probed;

/* Whether @server_ctx really completes what old AMT firmware asks for: a
 * TLS 1.0 handshake with a static-RSA suite.  Both ends in memory (a BIO
 * pair).  A distribution may build OpenSSL without TLS 1.0, or turn it or
 * the suites off in its configuration; asking the context what it is set
 * to would not show every way of that. */
static gboolean
probe_legacy_tls (SSL_CTX *server_ctx)
{
  g_autoptr(SSL_CTX) client_ctx = SSL_CTX_new (TLS_client_method ());
  g_autoptr(SSL) client = NULL;
  g_autoptr(SSL) server = NULL;
  BIO *client_bio = NULL;
  BIO *server_bio = NULL;
  gboolean client_done = FALSE;
  gboolean server_done = FALSE;
  const SSL_CIPHER *cipher;
  gboolean ok;

  if (client_ctx == NULL ||
      SSL_CTX_set_min_proto_version (client_ctx, TLS1_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version (client_ctx, TLS1_VERSION) != 1 ||
      SSL_CTX_set_cipher_list (client_ctx, "AES128-SHA:AES256-SHA:@SECLEVEL=0") != 1 ||
      (client = SSL_new (client_ctx)) == NULL ||
      (server = SSL_new (server_ctx)) == NULL ||
      BIO_new_bio_pair (&client_bio, 0, &server_bio, 0) != 1)
    {
      ERR_clear_error ();
      return FALSE;
    }
  /* Each SSL owns its end of the pair. */
  SSL_set_bio (client, client_bio, client_bio);
  SSL_set_bio (server, server_bio, server_bio);
  SSL_set_connect_state (client);
  SSL_set_accept_state (server);

  /* A round moves each side's next flight; a handshake takes a few. */
  for (guint round = 0; round < 16 && !(client_done && server_done); round++)
    {
      int rc;

      if (!client_done)
        {
          rc = SSL_do_handshake (client);
          if (rc == 1)
            client_done = TRUE;
          else if (SSL_get_error (client, rc) != SSL_ERROR_WANT_READ)
            break;
        }
      if (!server_done)
        {
          rc = SSL_do_handshake (server);
          if (rc == 1)
            server_done = TRUE;
          else if (SSL_get_error (server, rc) != SSL_ERROR_WANT_READ)
            break;
        }
    }

  cipher = SSL_get_current_cipher (client);
  ok = client_done && server_done &&
       SSL_version (client) == TLS1_VERSION &&
       cipher != NULL && SSL_CIPHER_get_kx_nid (cipher) == NID_kx_rsa;
  ERR_clear_error ();
  return ok;
}

gboolean
ob_mps_server_get_legacy_tls_available (ObMpsServer *self)
{
  gint probed;

  g_return_val_if_fail (OB_IS_MPS_SERVER (self), FALSE);

  probed = g_atomic_int_get (&legacy_tls_probed);
  if (probed == 0)
    {
      g_autoptr(SSL_CTX) ctx = NULL;

      /* The server's own context, or one made the same way. */
      if (self->ssl_ctx != NULL && SSL_CTX_up_ref (self->ssl_ctx) == 1)
        ctx = self->ssl_ctx;
      else if (self->authority != NULL)
        ctx = ob_tls_context_new_server (self->authority, NULL);
      /* Stopped before anyone asked: nothing to try with. */
      if (ctx == NULL)
        return FALSE;
      probed = probe_legacy_tls (ctx) ? 2 : 1;
      g_atomic_int_set (&legacy_tls_probed, probed);
    }

  return probed == 2;
}

void
ob_mps_server_get_stats (ObMpsServer      *self,
                         ObMpsServerStats *stats)
{
  g_return_if_fail (OB_IS_MPS_SERVER (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}

ObApfSession *
ob_mps_server_lookup_session (ObMpsServer *self,
                              const char  *guid)
{
  g_autofree char *key = NULL;
  Conn *conn;

  g_return_val_if_fail (OB_IS_MPS_SERVER (self), NULL);

  if (guid == NULL)
    return NULL;

  key = guid_key (guid);
  conn = g_hash_table_lookup (self->current, key);
  return conn != NULL ? conn->session : NULL;
}

gboolean
ob_mps_server_disconnect_device (ObMpsServer *self,
                                 const char  *guid)
{
  g_autofree char *key = NULL;
  Conn *conn;

  g_return_val_if_fail (OB_IS_MPS_SERVER (self), FALSE);

  if (guid == NULL)
    return FALSE;

  key = guid_key (guid);
  conn = g_hash_table_lookup (self->current, key);
  if (conn == NULL)
    return FALSE;

  conn_close (conn, OB_APF_CLOSE_REASON_LOCAL);
  return TRUE;
}

void
ob_mps_server_flush_store_writes (ObMpsServer *self)
{
  g_return_if_fail (OB_IS_MPS_SERVER (self));

  ob_mps_store_writer_flush (self->writer);
}

/* ---- GObject ------------------------------------------------------------------------- */

static void
ob_mps_server_constructed (GObject *object)
{
  ObMpsServer *self = OB_MPS_SERVER (object);

  G_OBJECT_CLASS (ob_mps_server_parent_class)->constructed (object);

  g_assert (self->config != NULL && self->authority != NULL && self->registry != NULL);

  /* GIO's default of 10 (a construct property, so not before now) drops
   * connections of a fleet calling in at once; the kernel caps it at
   * net.core.somaxconn. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self), LISTEN_BACKLOG);
  /* The poller accepts (on_listen_ready), not GSocketService. */
  g_socket_service_stop (G_SOCKET_SERVICE (self));

  self->store = g_object_ref (ob_device_registry_get_store (self->registry));
  self->secrets = g_object_ref (ob_device_registry_get_secrets (self->registry));
  self->writer = ob_mps_store_writer_new (self->store);

  g_signal_connect_object (self->config, "notify::cira-port",
                           G_CALLBACK (on_port_setting_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->authority, "changed",
                           G_CALLBACK (on_authority_changed), self, G_CONNECT_SWAPPED);
}

static void
ob_mps_server_dispose (GObject *object)
{
  ObMpsServer *self = OB_MPS_SERVER (object);

  ob_mps_server_stop (self);

  G_OBJECT_CLASS (ob_mps_server_parent_class)->dispose (object);
}

static void
ob_mps_server_finalize (GObject *object)
{
  ObMpsServer *self = OB_MPS_SERVER (object);

  /* Writes what the closing sessions queued. */
  g_clear_pointer (&self->writer, ob_mps_store_writer_free);
  g_clear_pointer (&self->address_throttle, ob_connection_throttle_free);
  g_clear_pointer (&self->activity_throttle, ob_connection_throttle_free);
  g_clear_pointer (&self->activity_global, ob_connection_throttle_free);
  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_clear_pointer (&self->pending_per_address, g_hash_table_unref);
  g_clear_pointer (&self->handshakes_per_address, g_hash_table_unref);
  g_clear_pointer (&self->current, g_hash_table_unref);
  g_clear_object (&self->config);
  g_clear_object (&self->authority);
  g_clear_object (&self->registry);
  g_clear_object (&self->store);
  g_clear_object (&self->secrets);
  g_clear_pointer (&self->listen_sockets, g_ptr_array_unref);
  g_clear_pointer (&self->poller, ob_poller_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->instance);
  g_free (self->address_request);
  g_free (self->address);
  g_free (self->last_error);

  G_OBJECT_CLASS (ob_mps_server_parent_class)->finalize (object);
}

static void
ob_mps_server_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObMpsServer *self = OB_MPS_SERVER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_AUTHORITY:
      g_value_set_object (value, self->authority);
      break;
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;
    case PROP_LISTENING:
      g_value_set_boolean (value, self->listening);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_N_CONNECTED:
      g_value_set_uint (value, ob_mps_server_get_n_connected (self));
      break;
    case PROP_N_CONNECTIONS:
      g_value_set_uint (value, ob_mps_server_get_n_connections (self));
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_LEGACY_TLS_AVAILABLE:
      g_value_set_boolean (value, ob_mps_server_get_legacy_tls_available (self));
      break;
    case PROP_INSTANCE_NAME:
      g_value_set_string (value, self->instance);
      break;
    case PROP_HANDSHAKE_TIMEOUT_MS:
      g_value_set_uint (value, self->handshake_timeout_ms);
      break;
    case PROP_IDLE_TIMEOUT_MS:
      g_value_set_uint (value, self->idle_timeout_ms);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_MAX_PENDING:
      g_value_set_uint (value, self->max_pending);
      break;
    case PROP_MAX_PENDING_PER_ADDRESS:
      g_value_set_uint (value, self->max_pending_per_address);
      break;
    case PROP_MAX_HANDSHAKES:
      g_value_set_uint (value, self->max_handshakes);
      break;
    case PROP_ADDRESS_RATE:
      g_value_set_double (value, self->address_rate);
      break;
    case PROP_ADDRESS_BURST:
      g_value_set_uint (value, self->address_burst);
      break;
    case PROP_MAX_CHANNELS:
      g_value_set_uint (value, self->max_channels);
      break;
    case PROP_MAX_CHANNEL_BUFFER:
      g_value_set_uint64 (value, self->max_channel_buffer);
      break;
    case PROP_WINDOW_SIZE:
      g_value_set_uint (value, self->window_size);
      break;
    case PROP_LAST_SEEN_INTERVAL:
      g_value_set_uint (value, self->last_seen_interval);
      break;
    case PROP_ACTIVITY_INTERVAL_MS:
      g_value_set_uint (value, self->activity_interval_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_uint_setting (ObMpsServer *self,
                  guint       *field,
                  guint        value,
                  guint        prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
ob_mps_server_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ObMpsServer *self = OB_MPS_SERVER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    case PROP_AUTHORITY:
      self->authority = g_value_dup_object (value);
      break;
    case PROP_REGISTRY:
      self->registry = g_value_dup_object (value);
      break;
    case PROP_INSTANCE_NAME:
      if (g_strcmp0 (self->instance, g_value_get_string (value)) != 0)
        {
          g_free (self->instance);
          self->instance = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_HANDSHAKE_TIMEOUT_MS:
      set_uint_setting (self, &self->handshake_timeout_ms, g_value_get_uint (value), prop_id);
      break;
    case PROP_IDLE_TIMEOUT_MS:
      set_uint_setting (self, &self->idle_timeout_ms, g_value_get_uint (value), prop_id);
      break;
    case PROP_MAX_CONNECTIONS:
      set_uint_setting (self, &self->max_connections, g_value_get_uint (value), prop_id);
      break;
    case PROP_MAX_PENDING:
      set_uint_setting (self, &self->max_pending, g_value_get_uint (value), prop_id);
      break;
    case PROP_MAX_PENDING_PER_ADDRESS:
      set_uint_setting (self, &self->max_pending_per_address, g_value_get_uint (value), prop_id);
      break;
    case PROP_MAX_HANDSHAKES:
      set_uint_setting (self, &self->max_handshakes, g_value_get_uint (value), prop_id);
      start_waiting_tls (self);
      break;
    case PROP_ADDRESS_RATE:
      if (self->address_rate != g_value_get_double (value))
        {
          self->address_rate = g_value_get_double (value);
          ob_connection_throttle_set_limits (self->address_throttle, self->address_rate,
                                             self->address_burst);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_ADDRESS_BURST:
      if (self->address_burst != g_value_get_uint (value))
        {
          self->address_burst = g_value_get_uint (value);
          ob_connection_throttle_set_limits (self->address_throttle, self->address_rate,
                                             self->address_burst);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_MAX_CHANNELS:
      set_uint_setting (self, &self->max_channels, g_value_get_uint (value), prop_id);
      break;
    case PROP_MAX_CHANNEL_BUFFER:
      if (self->max_channel_buffer != g_value_get_uint64 (value))
        {
          self->max_channel_buffer = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_WINDOW_SIZE:
      set_uint_setting (self, &self->window_size, g_value_get_uint (value), prop_id);
      break;
    case PROP_LAST_SEEN_INTERVAL:
      set_uint_setting (self, &self->last_seen_interval, g_value_get_uint (value), prop_id);
      break;
    case PROP_ACTIVITY_INTERVAL_MS:
      if (self->activity_interval_ms != g_value_get_uint (value))
        {
          self->activity_interval_ms = g_value_get_uint (value);
          ob_connection_throttle_set_limits (self->activity_throttle,
                                             1000.0 / self->activity_interval_ms, 1);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_mps_server_class_init (ObMpsServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GSocketServiceClass *service_class = G_SOCKET_SERVICE_CLASS (klass);
  GSocketListenerClass *listener_class = G_SOCKET_LISTENER_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = ob_mps_server_constructed;
  object_class->dispose = ob_mps_server_dispose;
  object_class->finalize = ob_mps_server_finalize;
  object_class->get_property = ob_mps_server_get_property;
  object_class->set_property = ob_mps_server_set_property;

  service_class->incoming = ob_mps_server_incoming;
  listener_class->event = ob_mps_server_event;

  properties[PROP_CONFIG] = g_param_spec_object ("config", NULL, NULL, OB_TYPE_CONFIG, co);
  properties[PROP_AUTHORITY] =
    g_param_spec_object ("authority", NULL, NULL, OB_TYPE_CERT_AUTHORITY, co);
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL, OB_TYPE_DEVICE_REGISTRY, co);
  properties[PROP_LISTENING] = g_param_spec_boolean ("listening", NULL, NULL, FALSE, ro);
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, ro);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, ro);
  properties[PROP_N_CONNECTED] = g_param_spec_uint ("n-connected", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_CONNECTIONS] =
    g_param_spec_uint ("n-connections", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_LEGACY_TLS_AVAILABLE] =
    g_param_spec_boolean ("legacy-tls-available", NULL, NULL, FALSE, ro);
  /* What the store's mps_instance says for devices connected here. */
  properties[PROP_INSTANCE_NAME] = g_param_spec_string ("instance-name", NULL, NULL, NULL, rw);
  properties[PROP_HANDSHAKE_TIMEOUT_MS] =
    g_param_spec_uint ("handshake-timeout-ms", NULL, NULL, 1, G_MAXUINT,
                       OB_MPS_SERVER_DEFAULT_HANDSHAKE_TIMEOUT_MS, rw);
  /* 0: three keepalive intervals (90 s for the default 30 s). */
  properties[PROP_IDLE_TIMEOUT_MS] =
    g_param_spec_uint ("idle-timeout-ms", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 1, G_MAXUINT,
                       OB_MPS_SERVER_DEFAULT_MAX_CONNECTIONS, rw);
  properties[PROP_MAX_PENDING] =
    g_param_spec_uint ("max-pending", NULL, NULL, 1, G_MAXUINT,
                       OB_MPS_SERVER_DEFAULT_MAX_PENDING, rw);
  properties[PROP_MAX_PENDING_PER_ADDRESS] =
    g_param_spec_uint ("max-pending-per-address", NULL, NULL, 1, G_MAXUINT,
                       OB_MPS_SERVER_DEFAULT_MAX_PENDING_PER_ADDRESS, rw);
  properties[PROP_MAX_HANDSHAKES] =
    g_param_spec_uint ("max-handshakes", NULL, NULL, 1, G_MAXUINT,
                       OB_MPS_SERVER_DEFAULT_MAX_HANDSHAKES, rw);
  /* New connections a second per address (0: no limit). */
  properties[PROP_ADDRESS_RATE] =
    g_param_spec_double ("address-rate", NULL, NULL, 0, G_MAXDOUBLE,
                         OB_MPS_SERVER_DEFAULT_ADDRESS_RATE, rw);
  properties[PROP_ADDRESS_BURST] =
    g_param_spec_uint ("address-burst", NULL, NULL, 1, G_MAXUINT,
                       OB_MPS_SERVER_DEFAULT_ADDRESS_BURST, rw);
  properties[PROP_MAX_CHANNELS] =
    g_param_spec_uint ("max-channels", NULL, NULL, 1, G_MAXUINT, OB_APF_DEFAULT_MAX_CHANNELS, rw);
  properties[PROP_MAX_CHANNEL_BUFFER] =
    g_param_spec_uint64 ("max-channel-buffer", NULL, NULL, 1, G_MAXSIZE,
                         OB_APF_DEFAULT_MAX_CHANNEL_BUFFER, rw);
  properties[PROP_WINDOW_SIZE] =
    g_param_spec_uint ("window-size", NULL, NULL, OB_APF_MIN_WINDOW_SIZE, OB_APF_MAX_WINDOW_SIZE,
                       OB_APF_DEFAULT_WINDOW_SIZE, rw);
  /* Seconds between a connected device's last-seen writes to the store. */
  properties[PROP_LAST_SEEN_INTERVAL] =
    g_param_spec_uint ("last-seen-interval", NULL, NULL, 0, G_MAXUINT,
                       OB_MPS_SERVER_DEFAULT_LAST_SEEN_INTERVAL, rw);
  properties[PROP_ACTIVITY_INTERVAL_MS] =
    g_param_spec_uint ("activity-interval-ms", NULL, NULL, 1, G_MAXUINT,
                       OB_MPS_SERVER_DEFAULT_ACTIVITY_INTERVAL_MS, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_DEVICE_CONNECTED] =
    g_signal_new ("device-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, OB_TYPE_APF_SESSION);
  signals[SIGNAL_DEVICE_DISCONNECTED] =
    g_signal_new ("device-disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, OB_TYPE_APF_SESSION,
                  OB_TYPE_APF_CLOSE_REASON);
}

static void
ob_mps_server_init (ObMpsServer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->poller = ob_poller_new (self->context);
  self->listen_sockets = g_ptr_array_new_with_free_func (listen_socket_free);
  self->conns = g_hash_table_new (NULL, NULL);
  self->pending_per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->handshakes_per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->current = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->instance = g_strdup (g_get_host_name ());
  self->port_request = -1;

  self->handshake_timeout_ms = OB_MPS_SERVER_DEFAULT_HANDSHAKE_TIMEOUT_MS;
  self->idle_timeout_ms = 0;
  self->max_connections = OB_MPS_SERVER_DEFAULT_MAX_CONNECTIONS;
  self->max_pending = OB_MPS_SERVER_DEFAULT_MAX_PENDING;
  self->max_pending_per_address = OB_MPS_SERVER_DEFAULT_MAX_PENDING_PER_ADDRESS;
  self->max_handshakes = OB_MPS_SERVER_DEFAULT_MAX_HANDSHAKES;
  self->address_rate = OB_MPS_SERVER_DEFAULT_ADDRESS_RATE;
  self->address_burst = OB_MPS_SERVER_DEFAULT_ADDRESS_BURST;
  self->max_channels = OB_APF_DEFAULT_MAX_CHANNELS;
  self->max_channel_buffer = OB_APF_DEFAULT_MAX_CHANNEL_BUFFER;
  self->window_size = OB_APF_DEFAULT_WINDOW_SIZE;
  self->last_seen_interval = OB_MPS_SERVER_DEFAULT_LAST_SEEN_INTERVAL;
  self->activity_interval_ms = OB_MPS_SERVER_DEFAULT_ACTIVITY_INTERVAL_MS;

  self->address_throttle = ob_connection_throttle_new (self->address_rate, self->address_burst,
                                                       THROTTLE_MAX_KEYS);
  self->activity_throttle = ob_connection_throttle_new (1000.0 / self->activity_interval_ms, 1,
                                                        THROTTLE_MAX_KEYS);
  self->activity_global = ob_connection_throttle_new (ACTIVITY_GLOBAL_RATE, ACTIVITY_GLOBAL_BURST, 1);
}

ObMpsServer *
ob_mps_server_new (ObConfig         *config,
                   ObCertAuthority  *authority,
                   ObDeviceRegistry *registry)
{
  g_return_val_if_fail (OB_IS_CONFIG (config), NULL);
  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (authority), NULL);
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (registry), NULL);

  return g_object_new (OB_TYPE_MPS_SERVER,
                       "config", config,
                       "authority", authority,
                       "registry", registry,
                       NULL);
}
