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
 * Then the same server context and a client set up as outband-sim's
 * devices are (TLS 1.2 at most, the chain checked against the root) meet
 * over loopback TCP, server and client each on its own thread with
 * blocking sockets and OpenSSL's socket BIO: connect, accept, handshake,
 * one byte of application data; as a CIRA connection, the socket stays
 * open (all are closed after the count).  Each side's CPU includes its
 * system calls (on loopback, a send also delivers the segment to the
 * peer's socket).  No APF, no main loop: the floor under cira-scale's
 * storm on this machine at the time of the run, for any MPS and device
 * simulator that use OpenSSL 3.0's handshake.
 *
 *   tls-handshake [--count 2000] [--in-flight 500]
 */

#include "config.h"

#include <gio/gio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
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
} ClientKind;

static const ClientKind client_kinds[] = {
  { "TLS 1.3 (OpenSSL's default)", 0, NULL, FALSE, FALSE },
  { "TLS 1.3, chain checked", 0, NULL, TRUE, FALSE },
  /* outband-sim's devices (ObSimCiraPool): TLS 1.2 at most, OpenSSL's
   * suites, the chain checked against the MPS root. */
  { "TLS 1.2, chain checked (outband-sim)", TLS1_2_VERSION, NULL, TRUE, TRUE },
  { "TLS 1.2, ECDHE-ECDSA", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", FALSE, FALSE },
  { "TLS 1.2, ECDHE-RSA (RSA 3072)", TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", FALSE, FALSE },
  { "TLS 1.2, RSA key exchange", TLS1_2_VERSION, "AES128-GCM-SHA256", FALSE, FALSE },
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
  SSL_CTX *ctx = SSL_CTX_new (TLS_client_method ());

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

typedef struct
{
  SSL_CTX *ctx;
  int      listen_fd;
  guint    count;
  int     *fds;        /* the accepted connections, closed after */
  double   cpu;        /* seconds of the server thread's CPU */
} LoopbackServer;

static void
set_nodelay (int fd)
{
  int one = 1;

  /* As the MPS and the simulator: every flight goes out at once. */
  if (setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
    g_error ("TCP_NODELAY: %s", g_strerror (errno));
}

static gpointer
loopback_server_thread (gpointer data)
{
  LoopbackServer *server = data;
  double start = cpu_now ();

  for (guint i = 0; i < server->count; i++)
    {
      int fd = accept (server->listen_fd, NULL, NULL);
      SSL *ssl;
      char byte;

      if (fd < 0)
        g_error ("accept: %s", g_strerror (errno));
      set_nodelay (fd);
      ssl = SSL_new (server->ctx);
      SSL_set_fd (ssl, fd);
      if (SSL_accept (ssl) != 1)
        g_error ("Server handshake failed: %s", ERR_reason_error_string (ERR_get_error ()));
      if (SSL_read (ssl, &byte, 1) != 1)
        g_error ("The server read no application data");
      SSL_free (ssl);
      server->fds[i] = fd;
    }
  server->cpu = cpu_now () - start;
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

/* @count connections one after the other; CPU per connection of each
 * side's thread.  Both ends hold @count descriptors at the end. */
static void
run_loopback (SSL_CTX     *server_ctx,
              SSL_CTX     *client_ctx,
              guint        count,
              double      *server_ms,
              double      *client_ms,
              const char **negotiated)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t length = sizeof address;
  LoopbackServer server = { 0 };
  struct rlimit limit;
  rlim_t needed = (rlim_t) count * 2 + 64;
  int *fds;
  GThread *thread;
  double start, client_cpu;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < needed)
    {
      limit.rlim_cur = MIN (needed, limit.rlim_max);
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < needed)
        g_error ("%u loopback connections need %lu descriptors; the limit is %lu (use a smaller --count)",
                 count, (gulong) needed, (gulong) limit.rlim_cur);
    }
  server.ctx = server_ctx;
  server.listen_fd = socket (AF_INET, SOCK_STREAM, 0);
  server.count = count;
  server.fds = g_new (int, count);
  fds = g_new (int, count);

  if (server.listen_fd < 0 ||
      bind (server.listen_fd, (struct sockaddr *) &address, sizeof address) != 0 ||
      listen (server.listen_fd, 128) != 0 ||
      getsockname (server.listen_fd, (struct sockaddr *) &address, &length) != 0)
    g_error ("No loopback listener: %s", g_strerror (errno));
  thread = g_thread_new ("tls-server", loopback_server_thread, &server);

  *negotiated = NULL;
  start = cpu_now ();
  for (guint i = 0; i < count; i++)
    {
      int fd = socket (AF_INET, SOCK_STREAM, 0);
      SSL *ssl;

      if (fd < 0 || connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
        g_error ("connect: %s", g_strerror (errno));
      set_nodelay (fd);
      ssl = SSL_new (client_ctx);
      SSL_set_fd (ssl, fd);
      if (SSL_connect (ssl) != 1)
        g_error ("Client handshake failed: %s", ERR_reason_error_string (ERR_get_error ()));
      if (SSL_get_verify_result (ssl) != X509_V_OK)
        g_error ("The client refused the server's chain");
      if (*negotiated == NULL)
        *negotiated = SSL_CIPHER_get_name (SSL_get_current_cipher (ssl));
      if (SSL_write (ssl, "A", 1) != 1)
        g_error ("The client could not send application data");
      SSL_free (ssl);
      fds[i] = fd;
    }
  client_cpu = cpu_now () - start;
  g_thread_join (thread);
  close (server.listen_fd);
  close_all (fds, count);
  close_all (server.fds, count);

  *server_ms = server.cpu * 1e3 / count;
  *client_ms = client_cpu * 1e3 / count;
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
  int count = 2000, in_flight = 500;
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Handshakes per case (default 2000)", "N" },
    { "in-flight", 0, 0, G_OPTION_ARG_INT, &in_flight, "Handshakes interleaved (default 500)", "N" },
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
  if (count < 1 || in_flight < 1)
    {
      g_printerr ("--count and --in-flight must be positive\n");
      return 2;
    }

  /* The tests' CA: the keyring in memory, a throw-away folder. */
  cira_test_ca_init (&ca, "mps.example");
  server_ctx = ob_tls_context_new_server (ca.authority, &error);
  g_assert_no_error (error);
  root = root_x509 (ca.authority);

  g_print ("# tls-handshake: full handshakes against the MPS's server context, in one process over BIO pairs\n"
           "# (\"loopback TCP\": over sockets, one connection at a time, with system calls);\n"
           "# CPU per handshake, %d per case; ceiling = 2 cores / (server + client)\n", count);
  g_print ("%-38s %-30s %-12s %9s %9s %12s\n", "client", "suite", "mode", "srv ms", "cli ms", "ceiling /s");
  for (guint k = 0; k < G_N_ELEMENTS (client_kinds); k++)
    {
      SSL_CTX *client_ctx = client_context_new (&client_kinds[k], root);

      for (guint mode = 0; mode < 2; mode++)
        {
          guint flight = mode == 0 ? 1 : (guint) in_flight;
          g_autofree char *label = mode == 0 ? g_strdup ("one at a time") : g_strdup_printf ("%u in flight", flight);
          double server_ms, client_ms;
          const char *suite;

          run (server_ctx, client_ctx, client_kinds[k].verify_chain, (guint) count, flight, &server_ms, &client_ms, &suite);
          g_print ("%-38s %-30s %-12s %9.3f %9.3f %12.0f\n", client_kinds[k].name, suite, label,
                   server_ms, client_ms, 2000.0 / (server_ms + client_ms));
        }
      if (client_kinds[k].loopback)
        {
          double server_ms, client_ms;
          const char *suite;

          run_loopback (server_ctx, client_ctx, (guint) count, &server_ms, &client_ms, &suite);
          g_print ("%-38s %-30s %-12s %9.3f %9.3f %12.0f\n", client_kinds[k].name, suite, "loopback TCP",
                   server_ms, client_ms, 2000.0 / (server_ms + client_ms));
        }
      SSL_CTX_free (client_ctx);
    }

  X509_free (root);
  SSL_CTX_free (server_ctx);
  cira_test_ca_clear (&ca);
  return 0;
}
