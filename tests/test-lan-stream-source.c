/* test-lan-stream-source.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ob-cert-authority.h"
#include "ob-lan-stream-source.h"
#include "ob-secret-store-memory.h"

#define GREETING "hello from the device\n"

/* ------------------------------------------------------------------ */
/* A certificate made once for the whole run                           */
/* ------------------------------------------------------------------ */

static GTlsCertificate *server_cert;
static char *server_cert_file;
static char *server_key_file;
static char *server_fingerprint;
static char *other_fingerprint;
static char *cert_dir;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
ensure_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
make_certificate (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObSecretStore) secrets = ob_secret_store_memory_new ();
  g_autoptr(ObCertAuthority) ca = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *data_dir = NULL;

  cert_dir = g_dir_make_tmp ("ob-lan-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (cert_dir, "data", NULL);

  ca = ob_cert_authority_new (data_dir, secrets);
  ob_cert_authority_ensure_async (ca, "127.0.0.1", NULL, ensure_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (ob_cert_authority_ensure_finish (ca, result, &error));
  g_assert_no_error (error);

  /* Files for an external server (openssl s_server) too. */
  {
    g_autofree char *pem = ob_cert_authority_dup_server_pem (ca);
    g_autofree char *key = ob_secret_store_lookup_text_sync (secrets, OB_SECRET_OWNER_CA,
                                                            OB_CERT_AUTHORITY_SERVER_KEY_ID,
                                                            OB_SECRET_KIND_PRIVATE_KEY,
                                                            NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (key);
    server_cert_file = g_build_filename (cert_dir, "server.pem", NULL);
    server_key_file = g_build_filename (cert_dir, "server.key", NULL);
    g_file_set_contents (server_cert_file, pem, -1, &error);
    g_assert_no_error (error);
    g_file_set_contents_full (server_key_file, key, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
    g_assert_no_error (error);
  }

  server_cert = ob_cert_authority_dup_tls_certificate (ca, &error);
  g_assert_no_error (error);
  server_fingerprint = ob_cert_authority_dup_server_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  /* Another real certificate's fingerprint: the root's. */
  other_fingerprint = ob_cert_authority_dup_root_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  g_assert_nonnull (server_fingerprint);
  g_assert_cmpstr (server_fingerprint, !=, other_fingerprint);
}

/* ------------------------------------------------------------------ */
/* Loopback servers: each connection runs in a thread of its own        */
/* ------------------------------------------------------------------ */

typedef enum
{
  SERVER_GREET,          /* write the greeting, then wait for the client to close */
  SERVER_TLS_GREET,      /* TLS handshake, then greet */
  SERVER_SILENT,         /* accept and say nothing until the client closes */
} ServerMode;

typedef struct
{
  GSocketService *service;
  ServerMode      mode;
  guint16         port;
  gint            n_accepted;
  gint            n_handshakes;
  gint            n_running;
} Server;

static void
wait_for_close (GIOStream *stream)
{
  char buf[64];

  while (g_input_stream_read (g_io_stream_get_input_stream (stream), buf, sizeof buf,
                              NULL, NULL) > 0)
    ;
}

static void serve (Server *server, GIOStream *stream);

static gboolean
server_run_cb (GThreadedSocketService *service,
               GSocketConnection      *connection,
               GObject                *source_object,
               gpointer                user_data)
{
  Server *server = user_data;

  /* server_free() waits for every connection thread to finish. */
  g_atomic_int_inc (&server->n_running);
  serve (server, G_IO_STREAM (connection));
  g_atomic_int_dec_and_test (&server->n_running);

  return TRUE;
}

static void
serve (Server    *server,
       GIOStream *stream)
{
  g_autoptr(GIOStream) tls = NULL;

  g_atomic_int_inc (&server->n_accepted);

  switch (server->mode)
    {
    case SERVER_SILENT:
      wait_for_close (stream);
      return;

    case SERVER_TLS_GREET:
      tls = g_tls_server_connection_new (stream, server_cert, NULL);
      g_assert_nonnull (tls);
      /* A rejected certificate ends the handshake on the client's side;
       * nothing more to do here then. */
      if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, NULL))
        return;
      g_atomic_int_inc (&server->n_handshakes);
      stream = tls;
      break;

    case SERVER_GREET:
    default:
      break;
    }

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), GREETING,
                             strlen (GREETING), NULL, NULL, NULL);
  wait_for_close (stream);
}

static Server *
server_new_at (const char *address,
               guint16     port,
               ServerMode  mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) bind_address = g_inet_socket_address_new (inet, port);
  g_autoptr(GSocketAddress) effective = NULL;
  Server *server = g_new0 (Server, 1);

  server->mode = mode;
  server->service = g_threaded_socket_service_new (4);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), bind_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &error))
    {
      g_test_message ("cannot listen on %s: %s", address, error->message);
      g_object_unref (server->service);
      g_free (server);
      return NULL;
    }
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (server->service, "run", G_CALLBACK (server_run_cb), server);
  g_socket_service_start (server->service);

  return server;
}

static Server *
server_new (const char *address,
            ServerMode  mode)
{
  return server_new_at (address, 0, mode);
}

static void
server_free (Server *server)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* Clients have closed their ends by now; the threads notice. */
  while (g_atomic_int_get (&server->n_running) > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_object_unref (server->service);
  g_free (server);
}

/* A port nothing listens on: bind one, then close it. */
static guint16
unused_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

/* ------------------------------------------------------------------ */
/* Synchronous wrappers for the tests                                   */
/* ------------------------------------------------------------------ */

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GIOStream *
open_stream (ObLanStreamSource  *source,
             guint               port,
             GCancellable       *cancellable,
             GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_stream_source_open_stream_async (OB_STREAM_SOURCE (source), port, cancellable,
                                      result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return ob_stream_source_open_stream_finish (OB_STREAM_SOURCE (source), result, error);
}

static void
assert_greeting (GIOStream *stream)
{
  g_autoptr(GError) error = NULL;
  char buf[sizeof GREETING] = { 0 };
  gsize n_read = 0;

  g_input_stream_read_all (g_io_stream_get_input_stream (stream), buf, strlen (GREETING),
                           &n_read, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (buf, ==, GREETING);
  g_io_stream_close (stream, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void
test_fingerprint_forms (void)
{
  g_autoptr(GError) error = NULL;
  const char *hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  const char *display = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *formatted = NULL;
  const char *bad[] = {
    "",
    "0011",
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",    /* 63 */
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0",  /* 65 */
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeegg",
    "0:011:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
    "00-11-22-33-44-55-66-77-88-99-AA-BB-CC-DD-EE-FF-00-11-22-33-44-55-66-77-88-99-AA-BB-CC-DD-EE-FF",
  };

  a = ob_lan_stream_source_normalize_fingerprint (hex, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, hex);
  b = ob_lan_stream_source_normalize_fingerprint (display, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b, ==, hex);
  c = ob_lan_stream_source_normalize_fingerprint ("  00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c, ==, hex);

  formatted = ob_lan_stream_source_format_fingerprint (hex);
  g_assert_cmpstr (formatted, ==, display);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *out = ob_lan_stream_source_normalize_fingerprint (bad[i], &local_error);

      g_assert_null (out);
      g_assert_error (local_error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT);
    }
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  guint *n = user_data;

  (*n)++;
}

static void
test_properties (void)
{
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("amt.example.com");
  const char *hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  guint n_notify = 0;

  g_signal_connect (source, "notify", G_CALLBACK (count_notify_cb), &n_notify);

  g_assert_cmpstr (ob_lan_stream_source_get_host (source), ==, "amt.example.com");
  g_assert_false (ob_lan_stream_source_get_use_tls (source));
  g_assert_null (ob_lan_stream_source_get_pinned_fingerprint (source));
  g_assert_cmpuint (ob_lan_stream_source_get_connect_timeout (source), ==,
                    OB_LAN_STREAM_SOURCE_DEFAULT_CONNECT_TIMEOUT);

  ob_lan_stream_source_set_use_tls (source, TRUE);
  ob_lan_stream_source_set_use_tls (source, TRUE);
  g_assert_cmpuint (n_notify, ==, 1);

  /* The display form is stored as plain lower-case hex; the same pin in
   * another form is no change. */
  g_assert_true (ob_lan_stream_source_set_pinned_fingerprint (source,
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"));
  g_assert_cmpstr (ob_lan_stream_source_get_pinned_fingerprint (source), ==, hex);
  g_assert_cmpuint (n_notify, ==, 2);
  g_assert_true (ob_lan_stream_source_set_pinned_fingerprint (source, hex));
  g_assert_cmpuint (n_notify, ==, 2);

  /* A malformed pin clears it (never keep trusting a stale one). */
  g_assert_false (ob_lan_stream_source_set_pinned_fingerprint (source, "zz"));
  g_assert_null (ob_lan_stream_source_get_pinned_fingerprint (source));
  g_assert_cmpuint (n_notify, ==, 3);

  ob_lan_stream_source_set_legacy_tls (source, TRUE);
  g_assert_true (ob_lan_stream_source_get_legacy_tls (source));
  ob_lan_stream_source_set_connect_timeout (source, 3);
  g_assert_cmpuint (ob_lan_stream_source_get_connect_timeout (source), ==, 3);
  g_assert_cmpuint (n_notify, ==, 5);
}

static void
test_plain_connect (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_GREET);
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("127.0.0.1");
  g_autoptr(GIOStream) stream = NULL;

  stream = open_stream (source, server->port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_SOCKET_CONNECTION (stream));
  assert_greeting (stream);

  server_free (server);
}

static void
test_name_connect (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_GREET);
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("localhost");
  g_autoptr(GIOStream) stream = NULL;

  /* "localhost" may resolve to ::1 first; GSocketClient tries every
   * address, so the IPv4 listener is still found. */
  stream = open_stream (source, server->port, NULL, &error);
  g_assert_no_error (error);
  assert_greeting (stream);

  server_free (server);
}

static void
test_ipv6_literal (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("::1", SERVER_GREET);
  g_autoptr(ObLanStreamSource) source = NULL;
  g_autoptr(ObLanStreamSource) bracketed = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GIOStream) stream2 = NULL;

  if (server == NULL)
    {
      g_test_skip ("no IPv6 loopback here");
      return;
    }

  source = ob_lan_stream_source_new ("::1");
  stream = open_stream (source, server->port, NULL, &error);
  g_assert_no_error (error);
  assert_greeting (stream);

  bracketed = ob_lan_stream_source_new ("[::1]");
  stream2 = open_stream (bracketed, server->port, NULL, &error);
  g_assert_no_error (error);
  assert_greeting (stream2);

  server_free (server);
}

static void
test_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("127.0.0.1");
  guint16 port = unused_port ();
  g_autoptr(GIOStream) stream = NULL;
  g_autofree char *port_text = g_strdup_printf ("port %u", port);

  stream = open_stream (source, port, NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_nonnull (strstr (error->message, port_text));
  g_assert_nonnull (strstr (error->message, "refused"));
}

static void
test_unknown_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("no-such-host.invalid");
  g_autoptr(GIOStream) stream = NULL;

  stream = open_stream (source, 16992, NULL, &error);
  g_assert_null (stream);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "no-such-host.invalid"));
}

static void
test_timeout (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_SILENT);
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("127.0.0.1");
  g_autoptr(GIOStream) stream = NULL;
  gint64 start;

  /* The TCP connect succeeds but the handshake never gets an answer. */
  ob_lan_stream_source_set_use_tls (source, TRUE);
  ob_lan_stream_source_set_pinned_fingerprint (source, server_fingerprint);
  ob_lan_stream_source_set_connect_timeout (source, 1);

  start = g_get_monotonic_time ();
  stream = open_stream (source, server->port, NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "did not answer"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  server_free (server);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_SILENT);
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("127.0.0.1");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GIOStream) stream = NULL;

  ob_lan_stream_source_set_use_tls (source, TRUE);
  ob_lan_stream_source_set_pinned_fingerprint (source, server_fingerprint);
  g_timeout_add (100, cancel_cb, cancellable);

  stream = open_stream (source, server->port, cancellable, &error);
  g_assert_null (stream);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  server_free (server);
}

static void
test_tls_pinned (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_TLS_GREET);
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("127.0.0.1");
  g_autoptr(GIOStream) stream = NULL;
  g_autofree char *display = ob_lan_stream_source_format_fingerprint (server_fingerprint);

  ob_lan_stream_source_set_use_tls (source, TRUE);
  /* The pin may come in the display form the admin confirmed. */
  g_assert_true (ob_lan_stream_source_set_pinned_fingerprint (source, display));

  stream = open_stream (source, server->port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_TLS_CONNECTION (stream));
  assert_greeting (stream);
  g_assert_cmpint (g_atomic_int_get (&server->n_handshakes), ==, 1);

  server_free (server);
}

/* The redirection session asks for 16994 whatever the transport; with TLS
 * that is the device's 16995.  A loopback address of its own keeps the
 * fixed ports free of other tests. */
static void
test_tls_redirection_port (void)
{
  const char *address = "127.0.169.95";
  g_autoptr(GError) error = NULL;
  Server *server = server_new_at (address, OB_LAN_PORT_REDIRECTION + 1, SERVER_TLS_GREET);
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new (address);
  g_autoptr(GIOStream) stream = NULL;

  if (server == NULL)
    {
      g_test_skip ("port 16995 is taken on that address");
      return;
    }

  ob_lan_stream_source_set_use_tls (source, TRUE);
  ob_lan_stream_source_set_pinned_fingerprint (source, server_fingerprint);
  stream = open_stream (source, OB_LAN_PORT_REDIRECTION, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_TLS_CONNECTION (stream));
  assert_greeting (stream);
  g_assert_cmpint (g_atomic_int_get (&server->n_handshakes), ==, 1);
  g_clear_object (&stream);

  /* Without TLS 16994 is 16994: nothing listens there. */
  ob_lan_stream_source_set_use_tls (source, FALSE);
  stream = open_stream (source, OB_LAN_PORT_REDIRECTION, NULL, &error);
  g_assert_null (stream);
  g_assert_nonnull (error);
  g_assert_cmpint (g_atomic_int_get (&server->n_accepted), ==, 1);

  server_free (server);
}

static void
test_tls_wrong_pin (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_TLS_GREET);
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("127.0.0.1");
  g_autoptr(GIOStream) stream = NULL;
  g_autofree char *display = ob_lan_stream_source_format_fingerprint (server_fingerprint);

  ob_lan_stream_source_set_use_tls (source, TRUE);
  ob_lan_stream_source_set_pinned_fingerprint (source, other_fingerprint);

  stream = open_stream (source, server->port, NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_MISMATCH);
  /* The message shows what the device presented, so the admin can judge. */
  g_assert_nonnull (strstr (error->message, display));
  g_assert_cmpint (g_atomic_int_get (&server->n_handshakes), ==, 0);

  server_free (server);
}

static void
test_tls_not_pinned (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_TLS_GREET);
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("127.0.0.1");
  g_autoptr(GIOStream) stream = NULL;

  ob_lan_stream_source_set_use_tls (source, TRUE);

  stream = open_stream (source, server->port, NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED);
  /* Refused before any connection was made. */
  g_assert_cmpint (g_atomic_int_get (&server->n_accepted), ==, 0);

  server_free (server);
}

static void
test_tls_against_plain_server (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_GREET);
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("127.0.0.1");
  g_autoptr(GIOStream) stream = NULL;

  ob_lan_stream_source_set_use_tls (source, TRUE);
  ob_lan_stream_source_set_pinned_fingerprint (source, server_fingerprint);
  ob_lan_stream_source_set_connect_timeout (source, 5);

  stream = open_stream (source, server->port, NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED);

  server_free (server);
}

static void
test_probe (void)
{
  g_autoptr(GError) error = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_TLS_GREET);
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *display = NULL;
  g_autofree char *subject = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *expected_display = ob_lan_stream_source_format_fingerprint (server_fingerprint);
  g_autofree char *cert_fingerprint = NULL;

  ob_lan_stream_source_probe_certificate_async ("127.0.0.1", server->port, 5, NULL,
                                                result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (ob_lan_stream_source_probe_certificate_finish (result, &fingerprint,
                                                                &display, &subject,
                                                                &certificate, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fingerprint, ==, server_fingerprint);
  g_assert_cmpstr (display, ==, expected_display);
  g_assert_nonnull (subject);
  g_assert_nonnull (strstr (subject, "127.0.0.1"));
  g_assert_true (G_IS_TLS_CERTIFICATE (certificate));
  cert_fingerprint = ob_lan_stream_source_certificate_fingerprint (certificate);
  g_assert_cmpstr (cert_fingerprint, ==, server_fingerprint);

  server_free (server);
}

static void
test_probe_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  Server *server = server_new ("127.0.0.1", SERVER_GREET);
  guint16 port = unused_port ();
  g_autofree char *fingerprint = NULL;

  ob_lan_stream_source_probe_certificate_async ("127.0.0.1", port, 5, NULL,
                                                result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (ob_lan_stream_source_probe_certificate_finish (result, &fingerprint,
                                                                 NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (fingerprint);
  g_clear_error (&error);

  /* A plain HTTP port has no certificate to show. */
  ob_lan_stream_source_probe_certificate_async ("127.0.0.1", server->port, 5, NULL,
                                                result_cb, &result2);
  while (result2 == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (ob_lan_stream_source_probe_certificate_finish (result2, &fingerprint,
                                                                 NULL, NULL, NULL, &error));
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED);

  server_free (server);
}

static void
test_bad_arguments (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  ob_lan_stream_source_probe_certificate_async ("", 16993, 5, NULL, result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (ob_lan_stream_source_probe_certificate_finish (result, NULL, NULL, NULL,
                                                                 NULL, &error));
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT);
}

/* Old AMT firmware speaks only TLS 1.0/1.1.  GIO cannot offer a
 * handshake only those versions, so an external server plays the old
 * device: openssl s_server restricted to one version (at security level 0,
 * where OpenSSL 3 still allows them). */
static GSubprocess *
spawn_legacy_server (const char *version_flag,
                     guint16     port)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *accept = g_strdup_printf ("127.0.0.1:%u", port);
  GSubprocess *process;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                              G_SUBPROCESS_FLAGS_STDERR_SILENCE |
                              G_SUBPROCESS_FLAGS_STDIN_PIPE,
                              &error, "openssl", "s_server", "-quiet",
                              "-accept", accept,
                              "-cert", server_cert_file, "-key", server_key_file,
                              version_flag, "-cipher", "DEFAULT:@SECLEVEL=0", NULL);
  if (process == NULL)
    return NULL;

  /* Wait until it listens. */
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) conn = NULL;

      conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
      if (conn != NULL)
        return process;
      g_usleep (50 * 1000);
    }

  g_subprocess_force_exit (process);
  g_object_unref (process);
  return NULL;
}

static void
test_legacy_tls (gconstpointer data)
{
  const char *version_flag = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(ObLanStreamSource) source = ob_lan_stream_source_new ("127.0.0.1");
  g_autoptr(GIOStream) refused = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  guint16 port = unused_port ();
  GTlsProtocolVersion version;

  if (openssl == NULL)
    {
      g_test_skip ("no openssl program to play an old device");
      return;
    }
  process = spawn_legacy_server (version_flag, port);
  if (process == NULL)
    {
      g_test_skip ("openssl s_server would not start");
      return;
    }

  ob_lan_stream_source_set_use_tls (source, TRUE);
  ob_lan_stream_source_set_pinned_fingerprint (source, server_fingerprint);
  ob_lan_stream_source_set_connect_timeout (source, 5);

  /* Without the flag an old protocol version is refused, and said so. */
  refused = open_stream (source, port, NULL, &error);
  g_assert_null (refused);
  if (g_error_matches (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED) &&
      strstr (error->message, "legacy TLS") == NULL)
    {
      /* The handshake itself failed: this system's TLS library does not
       * offer the version at all. */
      g_assert_false (ob_lan_stream_source_legacy_tls_supported ());
      g_test_skip ("this TLS library does not offer TLS 1.0/1.1");
      g_subprocess_force_exit (process);
      return;
    }
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED);
  g_assert_nonnull (strstr (error->message, "turn on legacy TLS"));
  g_clear_error (&error);

  ob_lan_stream_source_set_legacy_tls (source, TRUE);
  stream = open_stream (source, port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ob_lan_stream_source_legacy_tls_supported ());
  version = g_tls_connection_get_protocol_version (G_TLS_CONNECTION (stream));
  g_assert_true (version == G_TLS_PROTOCOL_VERSION_TLS_1_0 ||
                 version == G_TLS_PROTOCOL_VERSION_TLS_1_1);
  g_io_stream_close (stream, NULL, NULL);

  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  make_certificate ();

  g_test_add_func ("/lan-stream-source/fingerprint-forms", test_fingerprint_forms);
  g_test_add_func ("/lan-stream-source/properties", test_properties);
  g_test_add_func ("/lan-stream-source/plain", test_plain_connect);
  g_test_add_func ("/lan-stream-source/name", test_name_connect);
  g_test_add_func ("/lan-stream-source/ipv6-literal", test_ipv6_literal);
  g_test_add_func ("/lan-stream-source/refused", test_refused);
  g_test_add_func ("/lan-stream-source/unknown-name", test_unknown_name);
  g_test_add_func ("/lan-stream-source/timeout", test_timeout);
  g_test_add_func ("/lan-stream-source/cancel", test_cancel);
  g_test_add_func ("/lan-stream-source/tls-pinned", test_tls_pinned);
  g_test_add_func ("/lan-stream-source/tls-redirection-port", test_tls_redirection_port);
  g_test_add_func ("/lan-stream-source/tls-wrong-pin", test_tls_wrong_pin);
  g_test_add_func ("/lan-stream-source/tls-not-pinned", test_tls_not_pinned);
  g_test_add_func ("/lan-stream-source/tls-against-plain", test_tls_against_plain_server);
  g_test_add_func ("/lan-stream-source/probe", test_probe);
  g_test_add_func ("/lan-stream-source/probe-errors", test_probe_errors);
  g_test_add_func ("/lan-stream-source/bad-arguments", test_bad_arguments);
  g_test_add_data_func ("/lan-stream-source/legacy-tls-1.0", "-tls1", test_legacy_tls);
  g_test_add_data_func ("/lan-stream-source/legacy-tls-1.1", "-tls1_1", test_legacy_tls);

  ret = g_test_run ();

  g_clear_object (&server_cert);
  g_free (server_fingerprint);
  g_free (other_fingerprint);
  g_free (server_cert_file);
  g_free (server_key_file);
  remove_tree (cert_dir);
  g_free (cert_dir);

  return ret;
}
