/* test-tls-stream.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObTlsStream against OpenSSL's own TLS, over loopback: a server stream
 * with the authority's certificates and a blocking OpenSSL client in a
 * thread, for every version and suite the record hand-over covers (and
 * the legacy ones it leaves to OpenSSL).  Data both ways in records of
 * every size, a TLS 1.3 key update, a 1 MiB transfer each way,
 * close_notify, and a FIN without it.  Hostile records are
 * test-tls-record's and fuzz-tls-record's part. */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cira-test-util.h"
#include "ob-tls-context.h"
#include "ob-tls-record.h"
#include "ob-tls-stream.h"

static CiraTestCa ca;

#define BIG (1024 * 1024)

/* Socket buffers of a few KiB on both ends (test_full_socket()), so the
 * server's writes find the socket full again and again. */
static gboolean tight_sockets;
#define TIGHT_SOCKET_BUFFER 4096

typedef struct
{
  /* client settings */
  int          version;          /* TLS1_2_VERSION, TLS1_3_VERSION … */
  const char  *ciphers;          /* TLS 1.2 and below */
  const char  *suites;           /* TLS 1.3 */
  guint        port;
  /* what the client does */
  gboolean     send_big;
  gboolean     fin_without_close;
  guint        n_records;        /* burst_client_thread() */
  /* results */
  gboolean     handshake_ok;
  int          chain_len;        /* certificates the server sent */
  char         cipher[64];
  gsize        received;
  gboolean     received_ok;
  gboolean     got_close_notify;
  gint         done;
} Client;

static guint8 *
pattern (gsize len,
         guint seed)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) ((i * 31 + seed) ^ (i >> 8));
  return data;
}

static gboolean
ssl_write_all (SSL          *ssl,
               const guint8 *data,
               gsize         len)
{
  while (len > 0)
    {
      size_t done = 0;

      if (SSL_write_ex (ssl, data, len, &done) != 1)
        return FALSE;
      data += done;
      len -= done;
    }
  return TRUE;
}

static gboolean
ssl_read_exact (SSL    *ssl,
                guint8 *data,
                gsize   len)
{
  while (len > 0)
    {
      size_t done = 0;

      if (SSL_read_ex (ssl, data, len, &done) != 1)
        return FALSE;
      data += done;
      len -= done;
    }
  return TRUE;
}

/* A blocking TCP connection to the server under test. */
static int
connect_loopback (guint port)
{
  struct sockaddr_in addr = { 0 };
  /* A server that stops answering fails the test, not hangs it. */
  struct timeval timeout = { 10, 0 };
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  if (tight_sockets)
    {
      int size = TIGHT_SOCKET_BUFFER;

      /* Before connect(), where the window is set. */
      g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size), ==, 0);
    }
  addr.sin_family = AF_INET;
  addr.sin_port = htons ((guint16) port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

/* The end of a client thread, whatever happened. */
static void
client_finish (Client  *c,
               SSL_CTX *ctx,
               SSL     *ssl,
               int      fd)
{
  ERR_clear_error ();
  SSL_free (ssl);
  SSL_CTX_free (ctx);
  close (fd);
  g_atomic_int_set (&c->done, 1);
  /* The test's main loop may be asleep with nothing else to wake it. */
  g_main_context_wakeup (NULL);
}

/* The client: "hello" in sizes 1, 100, 16384, 16385 (two records), the
 * server echoes each; then optionally 1 MiB up and 1 MiB down; then
 * close_notify (or only a FIN) and waits for the server's. */
static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  static const gsize sizes[] = { 1, 100, 16384, 16385 };
  SSL_CTX *ctx = SSL_CTX_new (TLS_client_method ());
  SSL *ssl;
  int fd = connect_loopback (c->port);

  SSL_CTX_set_min_proto_version (ctx, c->version);
  SSL_CTX_set_max_proto_version (ctx, c->version);
  if (c->ciphers != NULL)
    SSL_CTX_set_cipher_list (ctx, c->ciphers);
  if (c->suites != NULL)
    SSL_CTX_set_ciphersuites (ctx, c->suites);
  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);
  ssl = SSL_new (ctx);
  SSL_set_fd (ssl, fd);

  if (SSL_connect (ssl) != 1)
    goto out;
  c->handshake_ok = TRUE;
  c->chain_len = sk_X509_num (SSL_get_peer_cert_chain (ssl));
  g_strlcpy (c->cipher, SSL_get_cipher_name (ssl), sizeof c->cipher);

  c->received_ok = TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree guint8 *out = pattern (sizes[i], (guint) i);
      g_autofree guint8 *in = g_malloc (sizes[i]);

      if (!ssl_write_all (ssl, out, sizes[i]) || !ssl_read_exact (ssl, in, sizes[i]) ||
          memcmp (in, out, sizes[i]) != 0)
        {
          c->received_ok = FALSE;
          goto out;
        }
      c->received += sizes[i];
    }

  if (c->version == TLS1_3_VERSION)
    {
      /* A key update that asks for one back: the server follows ours and
       * answers with its own, and the echo goes on under the new keys. */
      g_autofree guint8 *out = pattern (5000, 99);
      g_autofree guint8 *in = g_malloc (5000);

      if (SSL_key_update (ssl, SSL_KEY_UPDATE_REQUESTED) != 1 ||
          !ssl_write_all (ssl, out, 5000) || !ssl_read_exact (ssl, in, 5000) || memcmp (in, out, 5000) != 0)
        {
          c->received_ok = FALSE;
          goto out;
        }
      c->received += 5000;
    }

  if (c->send_big)
    {
      g_autofree guint8 *out = pattern (BIG, 7);
      g_autofree guint8 *in = g_malloc (BIG);

      if (!ssl_write_all (ssl, out, BIG) || !ssl_read_exact (ssl, in, BIG) || memcmp (in, out, BIG) != 0)
        {
          c->received_ok = FALSE;
          goto out;
        }
      c->received += BIG;
    }

  if (c->fin_without_close)
    shutdown (fd, SHUT_WR);
  else
    SSL_shutdown (ssl);
  {
    guint8 byte;
    size_t done;

    /* The server's close_notify ends the read cleanly. */
    if (SSL_read_ex (ssl, &byte, 1, &done) != 1 && SSL_get_error (ssl, 0) == SSL_ERROR_ZERO_RETURN)
      c->got_close_notify = TRUE;
  }

out:
  client_finish (c, ctx, ssl, fd);
  return NULL;
}

/* ---- a client that sends many records in one segment ----------------------------------- */

/* Over memory BIOs, so the test decides when bytes reach the socket. */
static gboolean
burst_send_pending (SSL *ssl,
                    int  fd)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 chunk[4096];
  int n;

  while ((n = BIO_read (SSL_get_wbio (ssl), chunk, sizeof chunk)) > 0)
    g_byte_array_append (out, chunk, (guint) n);
  /* One send: the peer finds all of it in its socket at once. */
  return out->len == 0 || send (fd, out->data, out->len, MSG_NOSIGNAL) == (gssize) out->len;
}

static gboolean
burst_receive (SSL *ssl,
               int  fd)
{
  guint8 chunk[4096];
  gssize n = recv (fd, chunk, sizeof chunk, 0);

  return n > 0 && BIO_write (SSL_get_rbio (ssl), chunk, (int) n) == n;
}

/* The client: after the handshake, @n_records records of 1 to 97 bytes,
 * sealed one by one and sent in a single segment; in TLS 1.3 its
 * Finished goes in the same segment.  The server echoes them; then
 * close_notify both ways. */
static gpointer
burst_client_thread (gpointer data)
{
  Client *c = data;
  SSL_CTX *ctx = SSL_CTX_new (TLS_client_method ());
  g_autoptr(GByteArray) sent = g_byte_array_new ();
  g_autofree guint8 *in = NULL;
  SSL *ssl;
  int fd = connect_loopback (c->port);
  int rc;
  SSL_CTX_set_min_proto_version (ctx, c->version);
  SSL_CTX_set_max_proto_version (ctx, c->version);
  SSL_CTX_set_options (ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets (ctx, 0);
  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);
  ssl = SSL_new (ctx);
  SSL_set_bio (ssl, BIO_new (BIO_s_mem ()), BIO_new (BIO_s_mem ()));
  SSL_set_connect_state (ssl);

  while ((rc = SSL_do_handshake (ssl)) != 1)
    if (SSL_get_error (ssl, rc) != SSL_ERROR_WANT_READ || !burst_send_pending (ssl, fd) || !burst_receive (ssl, fd))
      goto out;
  c->handshake_ok = TRUE;
  g_strlcpy (c->cipher, SSL_get_cipher_name (ssl), sizeof c->cipher);

  for (guint i = 0; i < c->n_records; i++)
    {
      g_autofree guint8 *piece = pattern (i % 97 + 1, i);

      if (SSL_write (ssl, piece, (int) (i % 97 + 1)) != (int) (i % 97 + 1))
        goto out;
      g_byte_array_append (sent, piece, i % 97 + 1);
    }
  if (!burst_send_pending (ssl, fd))
    goto out;

  in = g_malloc (sent->len);
  while (c->received < sent->len)
    {
      size_t done = 0;

      rc = SSL_read_ex (ssl, in + c->received, sent->len - c->received, &done);
      if (rc == 1)
        c->received += done;
      else if (SSL_get_error (ssl, 0) != SSL_ERROR_WANT_READ || !burst_receive (ssl, fd))
        goto out;
    }
  c->received_ok = memcmp (in, sent->data, sent->len) == 0;

  SSL_shutdown (ssl);
  if (!burst_send_pending (ssl, fd))
    goto out;
  for (;;)
    {
      guint8 byte;
      size_t done;

      if (SSL_read_ex (ssl, &byte, 1, &done) == 1)
        continue;
      if (SSL_get_error (ssl, 0) == SSL_ERROR_ZERO_RETURN)
        c->got_close_notify = TRUE;
      if (SSL_get_error (ssl, 0) != SSL_ERROR_WANT_READ || !burst_receive (ssl, fd))
        break;
    }

out:
  client_finish (c, ctx, ssl, fd);
  return NULL;
}

/* ---- the server side: an echo over ObTlsStream ----------------------------------------- */

typedef struct
{
  SSL_CTX           *ctx;
  GSocketListener   *listener;
  guint              port;
  ObTlsStream       *tls;
  GSocketConnection *connection;
  gboolean           handshaken;
  GError            *error;
  gboolean           eof;
  GByteArray        *echo;        /* received, not yet written back */
  gsize              total;
  GSource           *in_source;
  GSource           *out_source;
  ObPoller          *poller;      /* the handshake waits on it, when set */
  GCancellable      *cancellable;
  gboolean           in_cancel;   /* inside g_cancellable_cancel() */
  gboolean           answered_in_cancel;
  /* When the handshake ends: whether the stream is readable, and whether
   * the socket itself is empty (the bytes came with the handshake's
   * last receive). */
  gboolean           readable_at_handshake;
  gboolean           socket_empty_at_handshake;
} Server;

static void server_pump (Server *server);

static gboolean
on_ready (GObject  *stream,
          gpointer  user_data)
{
  Server *server = user_data;

  server_pump (server);
  return G_SOURCE_CONTINUE;
}

static void
server_pump (Server *server)
{
  GPollableInputStream *in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM (server->tls)));
  GPollableOutputStream *out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (server->tls)));
  guint8 buffer[7000];   /* not a record's size: reads split records */

  for (;;)
    {
      GError *error = NULL;
      gboolean progress = FALSE;
      gssize n;

      while (server->echo->len > 0)
        {
          n = g_pollable_output_stream_write_nonblocking (out, server->echo->data, server->echo->len,
                                                          NULL, &error);
          if (n < 0)
            {
              if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                server->error = error;
              else
                g_error_free (error);
              error = NULL;
              break;
            }
          g_byte_array_remove_range (server->echo, 0, (guint) n);
          progress = TRUE;
        }
      if (server->error != NULL)
        break;

      if (!server->eof && server->echo->len < 4 * 1024 * 1024)
        {
          n = g_pollable_input_stream_read_nonblocking (in, buffer, sizeof buffer, NULL, &error);
          if (n > 0)
            {
              g_byte_array_append (server->echo, buffer, (guint) n);
              server->total += (gsize) n;
              progress = TRUE;
            }
          else if (n == 0)
            {
              server->eof = TRUE;
              progress = TRUE;
            }
          else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              server->error = error;
              error = NULL;
              break;
            }
          g_clear_error (&error);
        }
      if (!progress)
        break;
    }

  if (server->eof && server->echo->len == 0 && server->tls != NULL)
    g_io_stream_close (G_IO_STREAM (server->tls), NULL, NULL);

  if (server->error == NULL && !server->eof)
    {
      if (server->in_source == NULL)
        {
          server->in_source = g_pollable_input_stream_create_source (in, NULL);
          g_source_set_callback (server->in_source, (GSourceFunc) (void (*) (void)) on_ready, server, NULL);
          g_source_attach (server->in_source, NULL);
        }
    }
  if (server->echo->len > 0 && server->error == NULL)
    {
      if (server->out_source == NULL)
        {
          server->out_source = g_pollable_output_stream_create_source (out, NULL);
          g_source_set_callback (server->out_source, (GSourceFunc) (void (*) (void)) on_ready, server, NULL);
          g_source_attach (server->out_source, NULL);
        }
    }
  else if (server->out_source != NULL)
    {
      g_source_destroy (server->out_source);
      g_clear_pointer (&server->out_source, g_source_unref);
    }
  if ((server->eof || server->error != NULL) && server->in_source != NULL)
    {
      g_source_destroy (server->in_source);
      g_clear_pointer (&server->in_source, g_source_unref);
    }
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Server *server = user_data;

  if (server->in_cancel)
    server->answered_in_cancel = TRUE;
  server->handshaken = ob_tls_stream_handshake_finish (OB_TLS_STREAM (source), result, &server->error);
  if (server->handshaken)
    {
      GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (server->tls));
      GSocket *socket = g_socket_connection_get_socket (server->connection);
      guint8 byte;

      server->socket_empty_at_handshake =
        recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN;
      server->readable_at_handshake = g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (in));
    }
  /* No wait is left on the poller. */
  if (server->poller != NULL)
    g_assert_cmpuint (ob_poller_get_n_watches (server->poller), ==, 0);
  if (server->handshaken)
    server_pump (server);
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Server *server = user_data;

  server->connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &server->error);
  if (server->connection == NULL)
    return;
  g_socket_set_blocking (g_socket_connection_get_socket (server->connection), FALSE);
  /* As the MPS sets it on accepted connections. */
  g_socket_set_option (g_socket_connection_get_socket (server->connection), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  if (tight_sockets)
    g_assert_true (g_socket_set_option (g_socket_connection_get_socket (server->connection), SOL_SOCKET, SO_SNDBUF,
                                        TIGHT_SOCKET_BUFFER, NULL));
  server->tls = ob_tls_stream_new_server (server->connection, server->ctx, &server->error);
  g_assert_nonnull (server->tls);
  if (server->poller != NULL)
    ob_tls_stream_set_poller (server->tls, server->poller);
  ob_tls_stream_handshake_async (server->tls, server->cancellable, on_handshake, server);
}

static void
server_start (Server   *server,
              gboolean  poller)
{
  g_autoptr(GError) error = NULL;

  memset (server, 0, sizeof *server);
  if (poller)
    server->poller = ob_poller_new (NULL);
  server->cancellable = g_cancellable_new ();
  server->ctx = ob_tls_context_new_server (ca.authority, &error);
  g_assert_no_error (error);
  server->echo = g_byte_array_new ();
  server->listener = g_socket_listener_new ();
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) effective = NULL;

    g_socket_listener_add_address (server->listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                   NULL, &effective, &error);
    g_assert_no_error (error);
    server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  }
  g_socket_listener_accept_async (server->listener, NULL, on_accepted, server);
}

static void
server_stop (Server *server)
{
  if (server->in_source != NULL)
    g_source_destroy (server->in_source);
  if (server->out_source != NULL)
    g_source_destroy (server->out_source);
  g_clear_pointer (&server->in_source, g_source_unref);
  g_clear_pointer (&server->out_source, g_source_unref);
  g_clear_object (&server->tls);
  g_clear_object (&server->connection);
  g_socket_listener_close (server->listener);
  g_clear_object (&server->listener);
  g_clear_pointer (&server->ctx, SSL_CTX_free);
  g_clear_pointer (&server->echo, g_byte_array_unref);
  g_clear_error (&server->error);
  g_clear_object (&server->cancellable);
  if (server->poller != NULL)
    {
      /* Whatever the handshake waited on went with it. */
      g_assert_cmpuint (ob_poller_get_n_watches (server->poller), ==, 0);
      g_clear_pointer (&server->poller, ob_poller_unref);
    }
}

static gboolean
client_done (gpointer data)
{
  return g_atomic_int_get (&((Client *) data)->done) != 0;
}

/* Runs @func with @client in a thread of its own until it is done. */
static void
run_client (GThreadFunc  func,
            Client      *client)
{
  GThread *thread = g_thread_new ("tls-client", func, client);

  g_assert_true (cira_test_wait_until (client_done, client, 60000));
  g_thread_join (thread);
}

typedef struct
{
  const char *name;
  int         version;
  const char *ciphers;
  const char *suites;
  const char *expect_cipher;
  gboolean    handed_over;
} Variant;

static const Variant variants[] = {
  { "tls13-aes128", TLS1_3_VERSION, NULL, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", TRUE },
  { "tls13-aes256", TLS1_3_VERSION, NULL, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", TRUE },
  { "tls13-chacha", TLS1_3_VERSION, NULL, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", TRUE },
  { "tls12-ecdsa-aes128", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", NULL, "ECDHE-ECDSA-AES128-GCM-SHA256", TRUE },
  { "tls12-rsa-aes256", TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384", NULL, "ECDHE-RSA-AES256-GCM-SHA384", TRUE },
  { "tls12-chacha", TLS1_2_VERSION, "ECDHE-RSA-CHACHA20-POLY1305", NULL, "ECDHE-RSA-CHACHA20-POLY1305", TRUE },
  { "tls12-static-rsa-gcm", TLS1_2_VERSION, "AES128-GCM-SHA256:@SECLEVEL=0", NULL, "AES128-GCM-SHA256", TRUE },
  { "tls12-cbc", TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA:@SECLEVEL=0", NULL, "ECDHE-RSA-AES128-SHA", FALSE },
  { "tls10-cbc", TLS1_VERSION, "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", NULL, "ECDHE-ECDSA-AES128-SHA", FALSE },
};

static void
run_variant_full (const Variant *variant,
                  gboolean       big,
                  gboolean       fin_only,
                  gboolean       poller)
{
  Server server;
  Client client = { 0 };

  server_start (&server, poller);
  client.version = variant->version;
  client.ciphers = variant->ciphers;
  client.suites = variant->suites;
  client.port = server.port;
  client.send_big = big;
  client.fin_without_close = fin_only;
  run_client (client_thread, &client);

  g_assert_no_error (server.error);
  g_assert_true (server.handshaken);
  g_assert_true (client.handshake_ok);
  /* The server certificate alone, as the authority issues it. */
  g_assert_cmpint (client.chain_len, ==, 1);
  g_assert_cmpstr (client.cipher, ==, variant->expect_cipher);
  g_assert_cmpstr (ob_tls_stream_get_cipher_name (server.tls), ==, variant->expect_cipher);
  g_assert_cmpstr (ob_tls_stream_get_protocol_version (server.tls), ==,
                   variant->version == TLS1_3_VERSION ? "TLSv1.3" :
                   variant->version == TLS1_2_VERSION ? "TLSv1.2" : "TLSv1");
  g_assert_cmpint (ob_tls_stream_get_handed_over (server.tls), ==, variant->handed_over);
  g_assert_true (client.received_ok);
  g_assert_cmpuint (client.received, ==, 1 + 100 + 16384 + 16385 + (big ? BIG : 0) +
                    (variant->version == TLS1_3_VERSION ? 5000 : 0));
  g_assert_cmpuint (server.total, ==, client.received);
  g_assert_true (server.eof);
  /* The server answers the end with its own close_notify. */
  g_assert_true (client.got_close_notify);
  server_stop (&server);
}

static void
run_variant (const Variant *variant,
             gboolean       big,
             gboolean       fin_only)
{
  run_variant_full (variant, big, fin_only, FALSE);
}

static void
test_variant (gconstpointer data)
{
  run_variant (data, FALSE, FALSE);
}

static void
test_big_transfer (void)
{
  run_variant (&variants[0], TRUE, FALSE);
  run_variant (&variants[3], TRUE, FALSE);
  run_variant (&variants[7], TRUE, FALSE);
}

/* A socket that takes only part of a write: the stream keeps the rest of
 * its sealed records and sends them before anything newer, and the
 * echoed megabyte comes back intact (TLS 1.3 and 1.2 in record mode,
 * TLS 1.0 with OpenSSL). */
static void
test_full_socket (void)
{
  tight_sockets = TRUE;
  run_variant (&variants[0], TRUE, FALSE);
  run_variant (&variants[4], TRUE, FALSE);
  run_variant (&variants[8], TRUE, FALSE);
  tight_sockets = FALSE;
}

static void
test_fin_without_close_notify (void)
{
  run_variant (&variants[0], FALSE, TRUE);
  run_variant (&variants[4], FALSE, TRUE);
}

/* The handshake waiting on an ObPoller rather than GSources: each kind
 * of hand-over (TLS 1.3, TLS 1.2, and OpenSSL kept for TLS 1.0). */
static void
test_poller_handshake (void)
{
  run_variant_full (&variants[0], FALSE, FALSE, TRUE);
  run_variant_full (&variants[4], FALSE, FALSE, TRUE);
  run_variant_full (&variants[8], TRUE, FALSE, TRUE);
}

/* A peer that connects and says nothing: the handshake waits on the
 * poller.  @how: 0 cancelled, 1 the stream closed, 2 the peer goes. */
static void
run_stalled_handshake (int how)
{
  Server server;
  struct sockaddr_in addr = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gint64 deadline;

  server_start (&server, TRUE);
  addr.sin_family = AF_INET;
  addr.sin_port = htons ((guint16) server.port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);

  /* Accepted, the handshake waits for the ClientHello. */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while ((server.tls == NULL || ob_poller_get_n_watches (server.poller) == 0) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (server.tls);
  g_assert_cmpuint (ob_poller_get_n_watches (server.poller), ==, 1);
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (server.handshaken);
  g_assert_no_error (server.error);

  switch (how)
    {
    case 0:
      server.in_cancel = TRUE;
      g_cancellable_cancel (server.cancellable);
      server.in_cancel = FALSE;
      break;
    case 1:
      g_io_stream_close (G_IO_STREAM (server.tls), NULL, NULL);
      break;
    default:
      close (fd);
      fd = -1;
      break;
    }

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (server.error == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (server.answered_in_cancel);
  g_assert_false (server.handshaken);
  if (how == 0)
    g_assert_error (server.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  else if (how == 1)
    g_assert_error (server.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  else
    g_assert_error (server.error, G_TLS_ERROR, G_TLS_ERROR_EOF);
  g_assert_cmpuint (ob_poller_get_n_watches (server.poller), ==, 0);

  if (fd >= 0)
    close (fd);
  server_stop (&server);
}

static void
test_poller_handshake_cancelled (void)
{
  run_stalled_handshake (0);
}

static void
test_poller_handshake_closed (void)
{
  run_stalled_handshake (1);
}

static void
test_poller_handshake_peer_gone (void)
{
  run_stalled_handshake (2);
}

/* Many records in one segment: the stream receives them in a few calls
 * (the first of up to 16 KiB) and hands them out across reads of every
 * size, including a record cut at the end of a receive.  In TLS 1.3 the
 * records arrive with the client's Finished, so they are in the stream,
 * not the socket, when the handshake ends: the stream must say it is
 * readable, to a GSource and to a poller's user alike. */
static void
run_burst (int       version,
           guint     n_records,
           gboolean  poller)
{
  Server server;
  Client client = { 0 };
  gsize expected = 0;

  for (guint i = 0; i < n_records; i++)
    expected += i % 97 + 1;

  server_start (&server, poller);
  client.version = version;
  client.port = server.port;
  client.n_records = n_records;
  run_client (burst_client_thread, &client);

  g_assert_no_error (server.error);
  g_assert_true (server.handshaken);
  g_assert_true (client.handshake_ok);
  g_assert_true (ob_tls_stream_get_handed_over (server.tls));
  g_assert_true (client.received_ok);
  g_assert_cmpuint (client.received, ==, expected);
  g_assert_cmpuint (server.total, ==, expected);
  g_assert_true (server.eof);
  g_assert_true (client.got_close_notify);
  if (version == TLS1_3_VERSION)
    {
      /* A burst one receive takes whole: nothing is left in the socket. */
      if (expected < 8 * 1024)
        g_assert_true (server.socket_empty_at_handshake);
      g_assert_true (server.readable_at_handshake);
    }
  server_stop (&server);
}

static void
test_burst (void)
{
  /* About 4 KiB with the Finished; then about 25 KiB, more than one
   * receive takes, after a TLS 1.2 handshake and after a TLS 1.3 one. */
  run_burst (TLS1_3_VERSION, 80, FALSE);
  run_burst (TLS1_3_VERSION, 80, TRUE);
  run_burst (TLS1_2_VERSION, 500, FALSE);
  run_burst (TLS1_3_VERSION, 500, TRUE);
}

/* ---- the device context's chain memo ---------------------------------------- */

static int chain_checks;

/* Called for each certificate while OpenSSL checks a chain. */
static int
count_chain_check (int             ok,
                   X509_STORE_CTX *store_ctx)
{
  if (X509_STORE_CTX_get_error_depth (store_ctx) == 0)
    chain_checks++;
  return ok;
}

/* A full handshake over a BIO pair; the client's verdict on the chain and,
 * if asked, who made the server's key as the device read it. */
static long
device_handshake_full (SSL_CTX  *server_ctx,
                       SSL_CTX  *device_ctx,
                       char    **peer_key_description)
{
  SSL *server = SSL_new (server_ctx);
  SSL *device = SSL_new (device_ctx);
  BIO *server_bio, *device_bio;
  gboolean server_done = FALSE, device_done = FALSE;
  long verdict;

  g_assert_cmpint (BIO_new_bio_pair (&server_bio, 0, &device_bio, 0), ==, 1);
  SSL_set_bio (server, server_bio, server_bio);
  SSL_set_bio (device, device_bio, device_bio);
  SSL_set_accept_state (server);
  SSL_set_connect_state (device);
  for (guint round = 0; round < 20 && !(server_done && device_done); round++)
    {
      if (!device_done)
        device_done = SSL_do_handshake (device) == 1;
      if (!server_done)
        server_done = SSL_do_handshake (server) == 1;
    }
  g_assert_true (server_done && device_done);
  g_assert_cmpint (SSL_version (device), ==, TLS1_2_VERSION);
  verdict = SSL_get_verify_result (device);
  if (peer_key_description != NULL)
    {
      X509 *peer = SSL_get0_peer_certificate (device);

      g_assert_nonnull (peer);
      *peer_key_description = g_strdup (EVP_PKEY_get0_description (X509_get0_pubkey (peer)));
    }
  SSL_free (device);
  SSL_free (server);
  return verdict;
}

static long
device_handshake (SSL_CTX *server_ctx,
                  SSL_CTX *device_ctx)
{
  return device_handshake_full (server_ctx, device_ctx, NULL);
}

static X509 *
root_x509 (CiraTestCa *which)
{
  BIO *bio = BIO_new_mem_buf (which->root_pem, -1);
  X509 *root = PEM_read_bio_X509 (bio, NULL, NULL, NULL);

  BIO_free (bio);
  g_assert_nonnull (root);
  return root;
}

/* A device context checks a chain once and reuses the verdict, good or
 * bad, while the server shows the same chain; another chain is checked. */
static void
test_device_chain_memo (void)
{
  CiraTestCa other;
  g_autoptr(GError) error = NULL;
  X509 *root = root_x509 (&ca);
  SSL_CTX *device_ctx, *server_ctx, *other_ctx, *open_ctx;

  cira_test_ca_init (&other, "other.test.example");
  device_ctx = ob_tls_context_new_device (root, &error);
  g_assert_no_error (error);
  X509_STORE_set_verify_cb (SSL_CTX_get_cert_store (device_ctx), count_chain_check);
  server_ctx = ob_tls_context_new_server (ca.authority, &error);
  g_assert_no_error (error);
  other_ctx = ob_tls_context_new_server (other.authority, &error);
  g_assert_no_error (error);
  chain_checks = 0;

  /* The first handshake checks; the next ones take its verdict. */
  g_assert_cmpint (device_handshake (server_ctx, device_ctx), ==, X509_V_OK);
  g_assert_cmpint (chain_checks, ==, 1);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (device_handshake (server_ctx, device_ctx), ==, X509_V_OK);
  g_assert_cmpint (chain_checks, ==, 1);

  /* A chain from another authority is checked, fails, and keeps failing
   * without a check. */
  g_assert_cmpint (device_handshake (other_ctx, device_ctx), !=, X509_V_OK);
  g_assert_cmpint (chain_checks, ==, 2);
  g_assert_cmpint (device_handshake (other_ctx, device_ctx), !=, X509_V_OK);
  g_assert_cmpint (chain_checks, ==, 2);

  /* Back to the first: the memo holds only the last chain. */
  g_assert_cmpint (device_handshake (server_ctx, device_ctx), ==, X509_V_OK);
  g_assert_cmpint (chain_checks, ==, 3);

  /* Without a root any chain is taken, unchecked. */
  open_ctx = ob_tls_context_new_device (NULL, &error);
  g_assert_no_error (error);
  X509_STORE_set_verify_cb (SSL_CTX_get_cert_store (open_ctx), count_chain_check);
  g_assert_cmpint (device_handshake (other_ctx, open_ctx), ==, X509_V_OK);
  g_assert_cmpint (chain_checks, ==, 3);

  SSL_CTX_free (open_ctx);
  SSL_CTX_free (other_ctx);
  SSL_CTX_free (server_ctx);
  SSL_CTX_free (device_ctx);
  X509_free (root);
  cira_test_ca_clear (&other);
}

/* A new device context (its chain memo empty), offering only P-256 for
 * the key exchange if @p256_only. */
static SSL_CTX *
device_context_new (X509     *root,
                    gboolean  p256_only)
{
  g_autoptr(GError) error = NULL;
  SSL_CTX *device_ctx = ob_tls_context_new_device (root, &error);

  g_assert_no_error (error);
  if (p256_only)
    g_assert_cmpint (SSL_CTX_set1_groups_list (device_ctx, "P-256"), ==, 1);
  return device_ctx;
}

/* ob_tls_set_builtin_ec_keys(): on OpenSSL 3.0 a device reads the MPS's
 * EC key with the built-in codec while it is on, and handshakes (ECDSA
 * signature, either key exchange group) and chain checks work as
 * before; turned off, keys come from the providers again. */
static void
test_builtin_ec_keys (void)
{
  CiraTestCa other;
  g_autoptr(GError) error = NULL;
  EVP_PKEY *provider_key = EVP_EC_gen ("P-256");
  g_autofree char *provider_made = g_strdup (EVP_PKEY_get0_description (provider_key));
  X509 *root = root_x509 (&ca);
  SSL_CTX *server_ctx, *other_ctx;
  char *made_by = NULL;

  EVP_PKEY_free (provider_key);
  if (OpenSSL_version_num () < 0x30000000L || OpenSSL_version_num () >= 0x30100000L)
    {
      g_assert_false (ob_tls_set_builtin_ec_keys (TRUE));
      g_test_skip ("Only OpenSSL 3.0 needs the built-in EC codec");
      X509_free (root);
      return;
    }
  g_assert_nonnull (provider_made);
  cira_test_ca_init (&other, "other.test.example");
  server_ctx = ob_tls_context_new_server (ca.authority, &error);
  g_assert_no_error (error);
  other_ctx = ob_tls_context_new_server (other.authority, &error);
  g_assert_no_error (error);

  for (guint round = 0; round < 2; round++)
    {
      for (guint group = 0; group < 2; group++)
        {
          SSL_CTX *device_ctx = device_context_new (root, group == 1);

          /* Off: the provider's key, as any other. */
          g_assert_false (ob_tls_set_builtin_ec_keys (FALSE));
          g_assert_cmpint (device_handshake_full (server_ctx, device_ctx, &made_by), ==, X509_V_OK);
          g_assert_cmpstr (made_by, ==, provider_made);
          g_clear_pointer (&made_by, g_free);

          /* On (twice is once): the built-in codec's, and the same
           * verdicts. */
          g_assert_true (ob_tls_set_builtin_ec_keys (TRUE));
          g_assert_true (ob_tls_set_builtin_ec_keys (TRUE));
          /* A fresh context, so the chain is checked again while it is on. */
          SSL_CTX_free (device_ctx);
          device_ctx = device_context_new (root, group == 1);
          g_assert_cmpint (device_handshake_full (server_ctx, device_ctx, &made_by), ==, X509_V_OK);
          g_assert_nonnull (made_by);
          g_assert_cmpstr (made_by, !=, provider_made);
          g_clear_pointer (&made_by, g_free);
          g_assert_cmpint (device_handshake (other_ctx, device_ctx), !=, X509_V_OK);
          SSL_CTX_free (device_ctx);
        }
    }
  g_assert_false (ob_tls_set_builtin_ec_keys (FALSE));

  SSL_CTX_free (other_ctx);
  SSL_CTX_free (server_ctx);
  X509_free (root);
  cira_test_ca_clear (&other);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  cira_test_ca_init (&ca, "mps.test.example");

  for (gsize i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *path = g_strdup_printf ("/tls-stream/echo/%s", variants[i].name);

      g_test_add_data_func (path, &variants[i], test_variant);
    }
  g_test_add_func ("/tls-stream/big-transfer", test_big_transfer);
  g_test_add_func ("/tls-stream/full-socket", test_full_socket);
  g_test_add_func ("/tls-stream/fin-without-close-notify", test_fin_without_close_notify);
  g_test_add_func ("/tls-stream/poller/handshake", test_poller_handshake);
  g_test_add_func ("/tls-stream/burst", test_burst);
  g_test_add_func ("/tls-stream/poller/cancelled", test_poller_handshake_cancelled);
  g_test_add_func ("/tls-stream/poller/closed", test_poller_handshake_closed);
  g_test_add_func ("/tls-stream/poller/peer-gone", test_poller_handshake_peer_gone);
  g_test_add_func ("/tls-stream/device-context/chain-memo", test_device_chain_memo);
  g_test_add_func ("/tls-stream/device-context/builtin-ec-keys", test_builtin_ec_keys);

  ret = g_test_run ();
  cira_test_ca_clear (&ca);
  return ret;
}
