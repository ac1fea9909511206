/* tls-handshake.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What a CIRA connect costs in TLS alone, on this machine: full
 * handshakes between the MPS's own server context (ob_tls_context_new_server
 * with the authority's RSA 3072 root, RSA and ECDSA server certificates)
 * and a client set up as a device's, in one process over OpenSSL BIO
 * pairs, so no socket, no APF and no main loop is counted.  CPU time of
 * each side is taken around its own SSL_do_handshake() calls.
 *
 * For each kind of client it prints the server's and the client's CPU per
 * handshake and the rate two cores could reach doing nothing but these
 * handshakes (2 s of CPU a second over both sides): the ceiling of the
 * connect storm in tests/bench/cira-scale, where the server and the
 * simulated devices share this machine's two cores.
 *
 * "in flight" runs that many handshakes interleaved, one flight of each in
 * turn, as a busy server does; "one at a time" runs them back to back
 * (warm caches).
 *
 * Then the same server context and the devices' context
 * (ob_tls_context_new_device(): TLS 1.2 at most, the chain checked
 * against the root, its verdict reused while the chain is the same),
 * without and with OpenSSL's built-in EC codec (outband-sim turns it on,
 * ob_tls_set_builtin_ec_keys()), meet over loopback TCP ("TCP"): the
 * device end and the MPS end each on a thread of its own with an epoll
 * set and non-blocking sockets under OpenSSL's socket BIO (reads through
 * a buffer BIO, so one receive takes a burst), one connection at a time
 * (x1) or as many under way as cira-scale's simulators keep (x128):
 * connect, accept, handshake,
 * one byte of application data, and the socket stays open as a CIRA
 * connection does (all are closed after the count).  "TCP+APF" sends,
 * after the handshake, what a device and the MPS send, as records of the
 * same sizes with nothing done with them: ten requests each answered
 * before the next (version and auth service, user auth, port-forward
 * service, seven tcpip-forward requests), then the keepalive options
 * reply.  Each end's CPU includes its system calls (on loopback a send
 * also delivers the segment to the peer's socket).  No APF codec, no
 * sessions, no main loop: the floor under cira-scale's storm on this
 * machine at the time of the run, for any MPS and device simulator built
 * on OpenSSL 3.0's handshake.
 *
 *   tls-handshake [--count 2000] [--in-flight 500] [--loopback-in-flight 128]
 */

#include "config.h"

#include <gio/gio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cira-test-util.h"
#include "ob-tls-context.h"

typedef struct
{
  const char *name;
  int         max_version;  /* 0: what OpenSSL offers */
  const char *ciphers;      /* TLS 1.2 and below; NULL: OpenSSL's default */
  gboolean    verify_chain; /* against the root, as AMT does */
  gboolean    loopback;     /* measured over loopback TCP too */
  gboolean    device;       /* ob_tls_context_new_device(), outband-sim's own context */
  gboolean    builtin_ec;   /* ob_tls_set_builtin_ec_keys() while it runs, as outband-sim */
} ClientKind;

static const ClientKind client_kinds[] = {
  { "TLS 1.3 (OpenSSL's default)", 0, NULL, FALSE, FALSE, FALSE, FALSE },
  { "TLS 1.3, chain checked", 0, NULL, TRUE, FALSE, FALSE, FALSE },
  /* Every handshake checks the chain against the MPS root. */
  { "TLS 1.2, chain checked", TLS1_2_VERSION, NULL, TRUE, FALSE, FALSE, FALSE },
  /* The devices' context (ObSimCiraPool): TLS 1.2 at most, OpenSSL's
   * suites, the chain checked against the MPS root once a minute while
   * the MPS shows the same one; as the demo's devices in the app. */
  { "TLS 1.2, device context", TLS1_2_VERSION, NULL, TRUE, TRUE, TRUE, FALSE },
  /* outband-sim's devices: the same, with OpenSSL's built-in EC codec. */
  { "TLS 1.2, outband-sim", TLS1_2_VERSION, NULL, TRUE, TRUE, TRUE, TRUE },
  { "TLS 1.2, ECDHE-ECDSA", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", FALSE, FALSE, FALSE, FALSE },
  { "TLS 1.2, ECDHE-RSA (RSA 3072)", TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", FALSE, FALSE, FALSE, FALSE },
  { "TLS 1.2, RSA key exchange", TLS1_2_VERSION, "AES128-GCM-SHA256", FALSE, FALSE, FALSE, FALSE },
};

typedef struct
{
  SSL      *server;
  SSL      *client;
  gboolean  server_done;
  gboolean  client_done;
} Pair;

static double
cpu_now (void)
{
  struct timespec t;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t);
  return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static SSL_CTX *
client_context_new (const ClientKind *kind,
                    X509             *root)
{
  SSL_CTX *ctx;

  if (kind->device)
    {
      g_autoptr(GError) error = NULL;

      ctx = ob_tls_context_new_device (root, &error);
      if (ctx == NULL)
        g_error ("No device context: %s", error->message);
      return ctx;
    }

  ctx = SSL_CTX_new (TLS_client_method ());
  /* As ObSimCiraPool: every connect a full handshake, nothing kept. */
  SSL_CTX_set_options (ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);
  if (kind->max_version != 0)
    SSL_CTX_set_max_proto_version (ctx, kind->max_version);
  if (kind->ciphers != NULL && SSL_CTX_set_cipher_list (ctx, kind->ciphers) != 1)
    g_error ("OpenSSL refused the client suites %s", kind->ciphers);
  if (kind->verify_chain)
    X509_STORE_add_cert (SSL_CTX_get_cert_store (ctx), root);
  return ctx;
}

static void
pair_start (Pair    *pair,
            SSL_CTX *server_ctx,
            SSL_CTX *client_ctx)
{
  BIO *server_bio, *client_bio;

  pair->server = SSL_new (server_ctx);
  pair->client = SSL_new (client_ctx);
  if (BIO_new_bio_pair (&server_bio, 0, &client_bio, 0) != 1)
    g_error ("No BIO pair");
  SSL_set_bio (pair->server, server_bio, server_bio);
  SSL_set_bio (pair->client, client_bio, client_bio);
  SSL_set_accept_state (pair->server);
  SSL_set_connect_state (pair->client);
  pair->server_done = pair->client_done = FALSE;
}

/* One flight each way; TRUE once both ends are done. */
static gboolean
pair_step (Pair   *pair,
           double *server_cpu,
           double *client_cpu)
{
  double t0, t1, t2;
  int rc;

  t0 = cpu_now ();
  if (!pair->client_done)
    {
      rc = SSL_do_handshake (pair->client);
      if (rc == 1)
        pair->client_done = TRUE;
      else if (SSL_get_error (pair->client, rc) != SSL_ERROR_WANT_READ)
        g_error ("Client handshake failed: %s", ERR_reason_error_string (ERR_get_error ()));
    }
  t1 = cpu_now ();
  if (!pair->server_done)
    {
      rc = SSL_do_handshake (pair->server);
      if (rc == 1)
        pair->server_done = TRUE;
      else if (SSL_get_error (pair->server, rc) != SSL_ERROR_WANT_READ)
        g_error ("Server handshake failed: %s", ERR_reason_error_string (ERR_get_error ()));
    }
  t2 = cpu_now ();
  *client_cpu += t1 - t0;
  *server_cpu += t2 - t1;
  return pair->server_done && pair->client_done;
}

static void
pair_clear (Pair *pair)
{
  g_clear_pointer (&pair->server, SSL_free);
  g_clear_pointer (&pair->client, SSL_free);
}

/* @count handshakes with at most @in_flight under way at once. */
static void
run (SSL_CTX    *server_ctx,
     SSL_CTX    *client_ctx,
     gboolean    verify_chain,
     guint       count,
     guint       in_flight,
     double     *server_ms,
     double     *client_ms,
     const char **negotiated)
{
  g_autofree Pair *pairs = g_new0 (Pair, in_flight);
  double server_cpu = 0, client_cpu = 0;
  guint started = 0, finished = 0;

  *negotiated = NULL;
  for (guint i = 0; i < in_flight && started < count; i++, started++)
    pair_start (&pairs[i], server_ctx, client_ctx);

  while (finished < count)
    for (guint i = 0; i < in_flight; i++)
      {
        Pair *pair = &pairs[i];

        if (pair->server == NULL || !pair_step (pair, &server_cpu, &client_cpu))
          continue;
        if (verify_chain && SSL_get_verify_result (pair->client) != X509_V_OK)
          g_error ("The client refused the server's chain");
        if (*negotiated == NULL)
          *negotiated = SSL_CIPHER_get_name (SSL_get_current_cipher (pair->client));
        pair_clear (pair);
        finished++;
        if (started < count)
          {
            pair_start (pair, server_ctx, client_ctx);
            started++;
          }
      }

  *server_ms = server_cpu * 1e3 / count;
  *client_ms = client_cpu * 1e3 / count;
}

/* ---- over loopback TCP -------------------------------------------------- */

/* The APF exchange of a CIRA connect after its handshake, as record
 * payload sizes (mps-cira-apf.md §2.4): the device's requests and the
 * MPS's answers, and the device's last word (the keepalive options
 * reply, unanswered). */
static const guint apf_request_sizes[] = { 116, 67, 23, 27, 27, 27, 27, 27, 27, 27 };
static const guint apf_reply_sizes[] = { 23, 1, 23, 5, 5, 5, 5, 5, 5, 14 };
#define APF_LAST_WORD_SIZE 9
#define MAX_RECORD 128

/* One step of what an end sends or reads after the handshake. */
typedef struct
{
  gboolean send;
  guint    size;
} Step;

/* What one end of every loopback connection does after its handshake:
 * with @apf the exchange above, otherwise the device's one byte. */
static GArray *
script_new (gboolean device,
            gboolean apf)
{
  GArray *script = g_array_new (FALSE, FALSE, sizeof (Step));
  Step step;

  for (guint r = 0; apf && r < G_N_ELEMENTS (apf_request_sizes); r++)
    {
      step = (Step) { device, apf_request_sizes[r] };
      g_array_append_val (script, step);
      step = (Step) { !device, apf_reply_sizes[r] };
      g_array_append_val (script, step);
    }
  step = (Step) { device, apf ? APF_LAST_WORD_SIZE : 1 };
  g_array_append_val (script, step);
  return script;
}

typedef struct
{
  SSL      *ssl;
  int       fd;
  gboolean  handshaken;
  guint     step;       /* index into the script */
  guint     got;        /* bytes of the current read so far */
} LoopConn;

static gboolean
ssl_would_block (SSL *ssl,
                 int  rc)
{
  int code = SSL_get_error (ssl, rc);

  /* Records this small always fit the loopback send buffer. */
  if (code == SSL_ERROR_WANT_READ)
    return TRUE;
  g_error ("A loopback connection failed (SSL error %d): %s", code,
           ERR_reason_error_string (ERR_get_error ()));
}

/* Runs @conn as far as it goes without waiting; TRUE once its script is
 * done. */
static gboolean
conn_advance (LoopConn *conn,
              GArray   *script)
{
  static const char zeros[MAX_RECORD];
  char buffer[MAX_RECORD];
  int rc;

  if (!conn->handshaken)
    {
      rc = SSL_do_handshake (conn->ssl);
      if (rc != 1)
        return !ssl_would_block (conn->ssl, rc);
      conn->handshaken = TRUE;
    }
  while (conn->step < script->len)
    {
      const Step *step = &g_array_index (script, Step, conn->step);

      if (step->send)
        rc = SSL_write (conn->ssl, zeros, (int) step->size);
      else
        rc = SSL_read (conn->ssl, buffer, (int) (step->size - conn->got));
      if (rc <= 0)
        return !ssl_would_block (conn->ssl, rc);
      if (!step->send && (conn->got += (guint) rc) < step->size)
        continue;
      conn->got = 0;
      conn->step++;
    }
  return TRUE;
}

/* One end of the loopback run, on its own thread: @count connections,
 * at most @in_flight under way, each watched until its script is done
 * and then kept open (as a CIRA connection is) until the end. */
typedef struct
{
  SSL_CTX  *ctx;
  gboolean  device;
  GArray   *script;
  int       listen_fd;     /* the MPS end accepts here */
  struct sockaddr_in address;  /* the device end connects here */
  guint     count;
  guint     in_flight;
  int      *fds;
  X509     *root;          /* the device end checks the chain */
  const char *negotiated;
  double    cpu;           /* seconds of this thread's CPU */
} LoopEnd;

static void
watch_conn (int       epfd,
            LoopConn *conn)
{
  struct epoll_event event = { .events = EPOLLIN, .data.ptr = conn };

  if (epoll_ctl (epfd, EPOLL_CTL_ADD, conn->fd, &event) != 0)
    g_error ("epoll_ctl: %s", g_strerror (errno));
}

static LoopConn *
conn_new (LoopEnd *end,
          int      fd)
{
  LoopConn *conn = g_new0 (LoopConn, 1);
  BIO *socket_bio, *read_bio;
  int one = 1;

  /* As the MPS and the simulator: every flight goes out at once. */
  if (setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
    g_error ("TCP_NODELAY: %s", g_strerror (errno));
  conn->fd = fd;
  conn->ssl = SSL_new (end->ctx);
  /* Reads through a buffer, so that one receive takes a whole burst as
   * ObTlsStream's does (the socket BIO alone reads each record's header
   * and body apart); writes go straight to the socket. */
  socket_bio = BIO_new_socket (fd, BIO_NOCLOSE);
  read_bio = BIO_push (BIO_new (BIO_f_buffer ()), socket_bio);
  BIO_up_ref (socket_bio);
  SSL_set_bio (conn->ssl, read_bio, socket_bio);
  if (end->device)
    SSL_set_connect_state (conn->ssl);
  else
    SSL_set_accept_state (conn->ssl);
  return conn;
}

static LoopConn *
device_connect (LoopEnd *end)
{
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  /* A loopback connect completes at once; then the socket stops blocking. */
  if (fd < 0 || connect (fd, (struct sockaddr *) &end->address, sizeof end->address) != 0 ||
      fcntl (fd, F_SETFL, O_NONBLOCK) != 0)
    g_error ("connect: %s", g_strerror (errno));
  return conn_new (end, fd);
}

/* @conn's script is done: it stays open, nothing else. */
static void
conn_finish (LoopEnd  *end,
             int       epfd,
             LoopConn *conn,
             guint     index)
{
  if (end->device && SSL_get_verify_result (conn->ssl) != X509_V_OK)
    g_error ("The device refused the server's chain");
  if (end->negotiated == NULL)
    end->negotiated = SSL_CIPHER_get_name (SSL_get_current_cipher (conn->ssl));
  if (epfd >= 0)
    epoll_ctl (epfd, EPOLL_CTL_DEL, conn->fd, NULL);
  end->fds[index] = conn->fd;
  SSL_free (conn->ssl);
  g_free (conn);
}

static gpointer
loop_end_thread (gpointer data)
{
  LoopEnd *end = data;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);
  struct epoll_event events[64];
  guint started = 0, finished = 0;
  double start = cpu_now ();

  if (!end->device)
    {
      struct epoll_event event = { .events = EPOLLIN, .data.ptr = NULL };

      epoll_ctl (epfd, EPOLL_CTL_ADD, end->listen_fd, &event);
    }

  while (finished < end->count)
    {
      int n;

      for (; end->device && started < end->count && started - finished < end->in_flight; started++)
        {
          LoopConn *conn = device_connect (end);

          /* The MPS's thread may answer every flight before this one
           * looks again: the whole script can be done at once. */
          if (conn_advance (conn, end->script))
            conn_finish (end, -1, conn, finished++);
          else
            watch_conn (epfd, conn);
        }
      if (finished == end->count)
        break;

      n = epoll_wait (epfd, events, G_N_ELEMENTS (events), -1);
      if (n < 0 && errno != EINTR)
        g_error ("epoll_wait: %s", g_strerror (errno));
      for (int i = 0; i < n; i++)
        {
          LoopConn *conn = events[i].data.ptr;
          int fd;

          if (conn == NULL)
            {
              while ((fd = accept4 (end->listen_fd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
                {
                  conn = conn_new (end, fd);
                  /* Likewise, the device's flights may all be here. */
                  if (conn_advance (conn, end->script))
                    conn_finish (end, -1, conn, finished++);
                  else
                    watch_conn (epfd, conn);
                }
              if (errno != EAGAIN)
                g_error ("accept: %s", g_strerror (errno));
              continue;
            }
          if (conn_advance (conn, end->script))
            conn_finish (end, epfd, conn, finished++);
        }
    }
  end->cpu = cpu_now () - start;
  close (epfd);
  return NULL;
}

static void
close_all (int   *fds,
           guint  count)
{
  for (guint i = 0; i < count; i++)
    close (fds[i]);
  g_free (fds);
}

/* @count connections, at most @in_flight under way; CPU per connection of
 * each end's thread.  Both ends hold @count descriptors at the end. */
static void
run_loopback (SSL_CTX     *server_ctx,
              SSL_CTX     *client_ctx,
              guint        count,
              guint        in_flight,
              gboolean     apf,
              double      *server_ms,
              double      *client_ms,
              const char **negotiated)
{
  LoopEnd server = { .ctx = server_ctx, .device = FALSE, .count = count };
  LoopEnd client = { .ctx = client_ctx, .device = TRUE, .count = count, .in_flight = in_flight };
  socklen_t length = sizeof server.address;
  struct rlimit limit;
  rlim_t needed = (rlim_t) count * 2 + 64;
  GThread *thread;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < needed)
    {
      limit.rlim_cur = MIN (needed, limit.rlim_max);
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < needed)
        g_error ("%u loopback connections need %lu descriptors; the limit is %lu (use a smaller --count)",
                 count, (gulong) needed, (gulong) limit.rlim_cur);
    }

  server.address = (struct sockaddr_in) { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  server.listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (server.listen_fd < 0 ||
      bind (server.listen_fd, (struct sockaddr *) &server.address, sizeof server.address) != 0 ||
      listen (server.listen_fd, 4096) != 0 ||
      getsockname (server.listen_fd, (struct sockaddr *) &server.address, &length) != 0)
    g_error ("No loopback listener: %s", g_strerror (errno));
  client.address = server.address;
  server.script = script_new (FALSE, apf);
  client.script = script_new (TRUE, apf);
  server.fds = g_new (int, count);
  client.fds = g_new (int, count);

  thread = g_thread_new ("tls-server", loop_end_thread, &server);
  loop_end_thread (&client);
  g_thread_join (thread);

  close (server.listen_fd);
  close_all (client.fds, count);
  close_all (server.fds, count);
  g_array_unref (server.script);
  g_array_unref (client.script);
  *negotiated = client.negotiated;
  *server_ms = server.cpu * 1e3 / count;
  *client_ms = client.cpu * 1e3 / count;
}

static X509 *
root_x509 (ObCertAuthority *authority)
{
  g_autofree char *pem = ob_cert_authority_dup_root_pem (authority);
  BIO *bio = BIO_new_mem_buf (pem, -1);
  X509 *x509 = PEM_read_bio_X509 (bio, NULL, NULL, NULL);

  BIO_free (bio);
  if (x509 == NULL)
    g_error ("The root certificate does not parse");
  return x509;
}

int
main (int   argc,
      char *argv[])
{
  int count = 2000, in_flight = 500, loopback_in_flight = 128;
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Handshakes per case (default 2000)", "N" },
    { "in-flight", 0, 0, G_OPTION_ARG_INT, &in_flight, "Handshakes interleaved (default 500)", "N" },
    { "loopback-in-flight", 0, 0, G_OPTION_ARG_INT, &loopback_in_flight,
      "Loopback connections under way at once (default 128, as cira-scale's simulators)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- TLS handshake cost of a CIRA connect");
  g_autoptr(GError) error = NULL;
  CiraTestCa ca = { 0 };
  SSL_CTX *server_ctx;
  X509 *root;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (count < 1 || in_flight < 1 || loopback_in_flight < 1)
    {
      g_printerr ("--count, --in-flight and --loopback-in-flight must be positive\n");
      return 2;
    }

  /* The tests' CA: the keyring in memory, a throw-away folder. */
  cira_test_ca_init (&ca, "mps.example");
  server_ctx = ob_tls_context_new_server (ca.authority, &error);
  g_assert_no_error (error);
  root = root_x509 (ca.authority);

  g_print ("# tls-handshake: full handshakes against the MPS's server context, in one process over BIO pairs\n"
           "# (TCP: over loopback sockets with system calls, xN connections under way; +APF: and the APF exchange);\n"
           "# CPU per handshake, %d per case; ceiling = 2 cores / (server + client)\n", count);
  g_print ("%-38s %-30s %-14s %9s %9s %12s\n", "client", "suite", "mode", "srv ms", "cli ms", "ceiling /s");
  for (guint k = 0; k < G_N_ELEMENTS (client_kinds); k++)
    {
      SSL_CTX *client_ctx;

      if (client_kinds[k].builtin_ec && !ob_tls_set_builtin_ec_keys (TRUE))
        {
          g_print ("%-38s (not on this OpenSSL)\n", client_kinds[k].name);
          continue;
        }
      client_ctx = client_context_new (&client_kinds[k], root);

      for (guint mode = 0; mode < 2; mode++)
        {
          guint flight = mode == 0 ? 1 : (guint) in_flight;
          g_autofree char *label = mode == 0 ? g_strdup ("one at a time") : g_strdup_printf ("%u in flight", flight);
          double server_ms, client_ms;
          const char *suite;

          run (server_ctx, client_ctx, client_kinds[k].verify_chain, (guint) count, flight, &server_ms, &client_ms, &suite);
          g_print ("%-38s %-30s %-14s %9.3f %9.3f %12.0f\n", client_kinds[k].name, suite, label,
                   server_ms, client_ms, 2000.0 / (server_ms + client_ms));
        }
      for (guint mode = 0; client_kinds[k].loopback && mode < 4; mode++)
        {
          gboolean apf = mode >= 2;
          guint flight = mode % 2 == 0 ? 1 : (guint) loopback_in_flight;
          g_autofree char *label = g_strdup_printf ("%s x%u", apf ? "TCP+APF" : "TCP", flight);
          double server_ms, client_ms;
          const char *suite;

          run_loopback (server_ctx, client_ctx, (guint) count, flight, apf, &server_ms, &client_ms, &suite);
          g_print ("%-38s %-30s %-14s %9.3f %9.3f %12.0f\n", client_kinds[k].name, suite, label,
                   server_ms, client_ms, 2000.0 / (server_ms + client_ms));
        }
      SSL_CTX_free (client_ctx);
      ob_tls_set_builtin_ec_keys (FALSE);
    }

  X509_free (root);
  SSL_CTX_free (server_ctx);
  cira_test_ca_clear (&ca);
  return 0;
}
