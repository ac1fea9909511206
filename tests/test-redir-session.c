/* test-redir-session.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObRedirSession (and ObRfbClient behind a KVM session) against a scripted
 * device: a thread on the other end of a socket pair that checks every
 * message the console sends and answers as AMT does (redirection-kvm-sol.md
 * §1–3), including refusals, wrong passwords and a device that drops KVM
 * while consent is pending. */

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "ob-http-digest.h"
#include "ob-redir-session.h"
#include "rfb-test-encoder.h"

#define USER "admin"
#define PASS "P@ssw0rd"
#define REALM "Digest:0123456789ABCDEF0123456789ABCDEF"
#define NONCE "00112233445566778899aabbccddeeff"

typedef struct _Device Device;
typedef void (*Script) (Device *dev);

struct _Device
{
  GSocket            *sock;
  GByteArray         *acc;
  ObRedirSessionType  session;   /* for parsing what the console sends */
  Script              script;
  GThread            *thread;
  gpointer            data;
};

/* ---- the device side (blocking, in its thread) -------------------------- */

static void
dev_write (Device       *dev,
           const guint8 *data,
           gsize         len)
{
  gsize done = 0;

  while (done < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (dev->sock, (const char *) data + done, len - done, NULL, &error);

      g_assert_no_error (error);
      done += (gsize) n;
    }
}

static void
dev_send (Device *dev,
          GBytes *msg)
{
  g_autoptr(GBytes) owned = msg;

  g_assert_nonnull (msg);
  dev_write (dev, g_bytes_get_data (msg, NULL), g_bytes_get_size (msg));
}

/* Read at least @n bytes into the accumulator; FALSE at EOF. */
static gboolean
dev_fill (Device *dev,
          gsize   n)
{
  while (dev->acc->len < n)
    {
      guint8 buf[4096];
      g_autoptr(GError) error = NULL;
      gssize got = g_socket_receive (dev->sock, (char *) buf, sizeof buf, NULL, &error);

      if (got <= 0)
        return FALSE;
      g_byte_array_append (dev->acc, buf, (guint) got);
    }
  return TRUE;
}

/* The next console message (must be valid); its borrowed bytes are
 * copied into *@raw. */
static void
dev_recv (Device         *dev,
          ObRedirMessage *m,
          GBytes        **raw)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gsize used = 0;
      ObRedirParseStatus st;

      if (dev->acc->len > 0)
        {
          st = ob_redir_message_parse (dev->acc->data, dev->acc->len, OB_REDIR_TO_DEVICE, dev->session, m, &used, &error);
          g_assert_no_error (error);
          if (st == OB_REDIR_PARSE_OK)
            {
              /* Re-parse a private copy so the message outlives the
               * accumulator. */
              GBytes *copy = g_bytes_new (dev->acc->data, used);

              ob_redir_message_clear (m);
              g_byte_array_remove_range (dev->acc, 0, (guint) used);
              st = ob_redir_message_parse (g_bytes_get_data (copy, NULL), used, OB_REDIR_TO_DEVICE, dev->session, m, &used, NULL);
              g_assert_cmpint (st, ==, OB_REDIR_PARSE_OK);
              *raw = copy;
              return;
            }
        }
      g_assert_true (dev_fill (dev, dev->acc->len + 1));
    }
}

/* Take @n raw bytes (RFB). */
static GBytes *
dev_take (Device *dev,
          gsize   n)
{
  GBytes *b;

  g_assert_true (dev_fill (dev, n));
  b = g_bytes_new (dev->acc->data, n);
  g_byte_array_remove_range (dev->acc, 0, (guint) n);
  return b;
}

static gboolean
dev_wait_eof (Device *dev)
{
  return !dev_fill (dev, dev->acc->len + 1);
}

static void
dev_close (Device *dev)
{
  g_socket_close (dev->sock, NULL);
}

/* StartRedirectionSession -> success, query -> @methods. */
static void
dev_start (Device             *dev,
           ObRedirSessionType  want,
           const guint8       *methods,
           gsize               n_methods)
{
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;
  g_auto(ObRedirMessage) q = { 0 };
  g_autoptr(GBytes) raw2 = NULL;

  dev->session = OB_REDIR_SESSION_NONE;
  dev_recv (dev, &m, &raw);
  g_assert_cmpint (m.type, ==, OB_REDIR_MSG_START_SESSION);
  g_assert_cmpint (m.start.session, ==, want);
  g_assert_cmpuint (m.start.flag, ==, want == OB_REDIR_SESSION_KVM ? 1 : 0);
  dev->session = want;
  /* AMT 15's reply from the trace. */
  dev_send (dev, ob_redir_build_start_session_reply (0, 1, 0, 15, 0, 343, NULL, 0));
  dev_recv (dev, &q, &raw2);
  g_assert_cmpint (q.type, ==, OB_REDIR_MSG_AUTHENTICATE);
  g_assert_cmpuint (q.auth.auth_type, ==, OB_REDIR_AUTH_QUERY);
  dev_send (dev, ob_redir_build_auth_query_reply (methods, n_methods));
}

/* The digest exchange; TRUE if the console's answer was right (the
 * device answers success or failure accordingly). */
static gboolean
dev_digest (Device          *dev,
            ObRedirAuthType  type)
{
  g_auto(ObRedirMessage) hello = { 0 };
  g_auto(ObRedirMessage) resp = { 0 };
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) raw2 = NULL;
  g_autofree char *want = NULL;
  gboolean ok;

  dev_recv (dev, &hello, &raw);
  g_assert_cmpint (hello.type, ==, OB_REDIR_MSG_AUTHENTICATE);
  g_assert_cmpuint (hello.auth.auth_type, ==, type);
  g_assert_cmpstr (hello.auth.username, ==, USER);
  g_assert_cmpstr (hello.auth.uri, ==, OB_REDIR_DIGEST_URI);
  g_assert_cmpstr (hello.auth.realm, ==, "");
  g_assert_cmpstr (hello.auth.response, ==, "");
  dev_send (dev, ob_redir_build_auth_digest_challenge (type, REALM, NONCE, "auth"));

  dev_recv (dev, &resp, &raw2);
  g_assert_cmpuint (resp.auth.auth_type, ==, type);
  g_assert_cmpstr (resp.auth.username, ==, USER);
  g_assert_cmpstr (resp.auth.realm, ==, REALM);
  g_assert_cmpstr (resp.auth.nonce, ==, NONCE);
  g_assert_cmpstr (resp.auth.uri, ==, OB_REDIR_DIGEST_URI);
  g_assert_cmpstr (resp.auth.nc, ==, "00000002");
  g_assert_cmpuint (strlen (resp.auth.cnonce), ==, 32);
  if (type == OB_REDIR_AUTH_DIGEST)
    g_assert_cmpstr (resp.auth.qop, ==, "auth");
  else
    g_assert_null (resp.auth.qop);
  want = ob_http_digest_compute_response (USER, REALM, PASS, "POST", OB_REDIR_DIGEST_URI, NONCE,
                                          resp.auth.nc, resp.auth.cnonce,
                                          type == OB_REDIR_AUTH_DIGEST ? "auth" : NULL);
  ok = g_strcmp0 (want, resp.auth.response) == 0;
  dev_send (dev, ob_redir_build_auth_reply (type, ok ? 0 : 1, NULL, 0));
  return ok;
}

static gpointer
device_thread (gpointer data)
{
  Device *dev = data;

  dev->script (dev);
  return NULL;
}

/* ---- the console side --------------------------------------------------- */

typedef struct
{
  GIOStream      *stream;
  Device          dev;
  ObRedirSession *session;
  gboolean        done;
  gboolean        ok;
  GError         *error;
  GPtrArray      *sol_data;
  guint           controls, status;
  gboolean        closed;
  GError         *closed_error;
} Fixture;

/* @data is the script's (set before its thread starts). */
static void
fixture_start_with (Fixture            *f,
                    ObRedirSessionType  type,
                    Script              script,
                    const char         *password,
                    gpointer            data)
{
  int fds[2];
  g_autoptr(GSocket) sa = NULL;
  g_autoptr(GSocketConnection) conn = NULL;

  memset (f, 0, sizeof *f);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  sa = g_socket_new_from_fd (fds[0], NULL);
  f->dev.sock = g_socket_new_from_fd (fds[1], NULL);
  conn = g_socket_connection_factory_create_connection (sa);
  f->stream = G_IO_STREAM (g_steal_pointer (&conn));
  f->dev.acc = g_byte_array_new ();
  f->dev.script = script;
  f->dev.data = data;
  f->dev.thread = g_thread_new ("device", device_thread, &f->dev);
  f->sol_data = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  f->session = ob_redir_session_new (f->stream, type);
  ob_redir_session_set_credentials (f->session, USER, password);
}

static void
fixture_start (Fixture            *f,
               ObRedirSessionType  type,
               Script              script,
               const char         *password)
{
  fixture_start_with (f, type, script, password, NULL);
}

static void
fixture_finish (Fixture *f)
{
  if (f->session != NULL)
    ob_redir_session_abort (f->session);
  /* A KVM session handed over keeps its stream open: end it so the
   * device sees EOF. */
  g_io_stream_close (f->stream, NULL, NULL);
  g_thread_join (f->dev.thread);
  g_clear_object (&f->session);
  g_clear_object (&f->stream);
  g_clear_object (&f->dev.sock);
  g_byte_array_unref (f->dev.acc);
  g_ptr_array_unref (f->sol_data);
  g_clear_error (&f->error);
  g_clear_error (&f->closed_error);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *f = user_data;

  f->ok = ob_redir_session_start_finish (OB_REDIR_SESSION (source), result, &f->error);
  f->done = TRUE;
}

static void
wait_for (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
start_and_wait (Fixture *f)
{
  ob_redir_session_start_async (f->session, NULL, on_started, f);
  wait_for (&f->done);
}

/* ---- KVM ---------------------------------------------------------------- */

static const guint8 digest_only[] = { OB_REDIR_AUTH_DIGEST };

/* The whole KVM opening, then the RFB side as AMT speaks it. */
static void
script_kvm (Device *dev)
{
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) version = NULL;
  g_autoptr(GBytes) choice = NULL;
  g_autoptr(GBytes) init = NULL;
  g_autoptr(GBytes) spf = NULL;
  g_autoptr(GBytes) enc = NULL;
  g_autoptr(GBytes) req = NULL;
  g_autoptr(GBytes) keys = NULL;
  g_autoptr(GBytes) pointer = NULL;
  g_autoptr(GBytes) release = NULL;
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GByteArray) update = g_byte_array_new ();
  static const guint8 sectypes[] = { 2, 1, 128 };
  static const guint8 ok[] = { 0, 0, 0, 0 };
  static const guint8 server_init[] = {
    0x00, 0x80, 0x00, 0x50,                   /* 128×80 */
    0x10, 0x10, 0x00, 0x01, 0x00, 0x1F, 0x00, 0x3F, 0x00, 0x1F, 0x0B, 0x05, 0x00, 0, 0, 0,
    0x00, 0x00, 0x00, 0x10, 'I', 'n', 't', 'e', 'l', '(', 'r', ')', ' ', 'A', 'M', 'T', ' ', 'K', 'V', 'M',
  };
  static const guint8 rgb565_body[] = { 0x10, 0x10, 0x00, 0x01, 0x00, 0x1F, 0x00, 0x3F, 0x00, 0x1F, 0x0B, 0x05, 0x00, 0, 0, 0 };
  static const guint8 encodings[] = { 2, 0, 0, 3, 0, 0, 0, 16, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x21 };
  static const guint8 first_req[] = { 3, 0, 0, 0, 0, 0, 0, 0x80, 0, 0x50 };
  static const guint8 next_req[] = { 3, 1, 0, 0, 0, 0, 0, 0x80, 0, 0x50 };
  /* Ctrl+Alt+Del as one chord, then pointer, then Shift left pressed and
   * released by release_all. */
  static const guint8 cad[] = {
    4, 1, 0, 0, 0, 0, 0xFF, 0xE3, 4, 1, 0, 0, 0, 0, 0xFF, 0xE9, 4, 1, 0, 0, 0, 0, 0xFF, 0xFF,
    4, 0, 0, 0, 0, 0, 0xFF, 0xFF, 4, 0, 0, 0, 0, 0, 0xFF, 0xE9, 4, 0, 0, 0, 0, 0, 0xFF, 0xE3,
  };
  static const guint8 ptr[] = { 5, 1, 0, 0x7F, 0, 0x4F, 4, 1, 0, 0, 0, 0, 0xFF, 0xE1 };
  static const guint8 rel[] = { 4, 0, 0, 0, 0, 0, 0xFF, 0xE1 };
  guint32 *img = dev->data;
  ObRfbPixelFormat f;
  TestZrleEncoder zenc;

  dev_start (dev, OB_REDIR_SESSION_KVM, digest_only, sizeof digest_only);
  g_assert_true (dev_digest (dev, OB_REDIR_AUTH_DIGEST));
  dev_recv (dev, &m, &raw);
  g_assert_cmpint (m.type, ==, OB_REDIR_MSG_KVM_START);

  /* The 0x41 reply and the RFB greeting in one write. */
  {
    g_autoptr(GBytes) kvm = ob_redir_build_kvm_start_reply (0);

    g_byte_array_append (reply, g_bytes_get_data (kvm, NULL), (guint) g_bytes_get_size (kvm));
    g_byte_array_append (reply, (const guint8 *) "RFB 004.000\n", 12);
    dev_write (dev, reply->data, reply->len);
  }
  version = dev_take (dev, 12);
  g_assert_cmpmem (g_bytes_get_data (version, NULL), 12, "RFB 003.008\n", 12);
  dev_write (dev, sectypes, sizeof sectypes);
  choice = dev_take (dev, 1);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (choice, NULL))[0], ==, 1);
  dev_write (dev, ok, sizeof ok);
  init = dev_take (dev, 1);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (init, NULL))[0], ==, 1);   /* shared */
  dev_write (dev, server_init, sizeof server_init);

  spf = dev_take (dev, 20);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (spf, NULL))[0], ==, 0);
  g_assert_cmpmem ((const guint8 *) g_bytes_get_data (spf, NULL) + 4, 16, rgb565_body, 16);
  enc = dev_take (dev, sizeof encodings);
  g_assert_cmpmem (g_bytes_get_data (enc, NULL), sizeof encodings, encodings, sizeof encodings);
  req = dev_take (dev, 10);
  g_assert_cmpmem (g_bytes_get_data (req, NULL), 10, first_req, 10);

  /* AMT style: one ZRLE rectangle per 64×64 tile, one zlib stream. */
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  test_zrle_encoder_init (&zenc, &f, 6);
  rfb_put_update_header (update, 4);
  for (guint y = 0; y < 80; y += 64)
    for (guint x = 0; x < 128; x += 64)
      test_zrle_encode_rect (&zenc, update, img, 128, x, y, 64, MIN (64, 80 - y), ZRLE_AUTO);
  test_zrle_encoder_clear (&zenc);
  dev_write (dev, update->data, update->len);

  /* The next request is incremental. */
  g_bytes_unref (g_steal_pointer (&req));
  req = dev_take (dev, 10);
  g_assert_cmpmem (g_bytes_get_data (req, NULL), 10, next_req, 10);

  keys = dev_take (dev, sizeof cad);
  g_assert_cmpmem (g_bytes_get_data (keys, NULL), sizeof cad, cad, sizeof cad);
  pointer = dev_take (dev, sizeof ptr);
  g_assert_cmpmem (g_bytes_get_data (pointer, NULL), sizeof ptr, ptr, sizeof ptr);
  release = dev_take (dev, sizeof rel);
  g_assert_cmpmem (g_bytes_get_data (release, NULL), sizeof rel, rel, sizeof rel);
  /* The console closes: EOF here. */
  g_assert_true (dev_wait_eof (dev));
}

typedef struct
{
  gboolean connected;
  GError  *error;
  guint    updates;
} RfbWait;

static void
on_rfb_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  RfbWait *w = user_data;

  g_assert_true (ob_rfb_client_connect_finish (OB_RFB_CLIENT (source), result, &w->error));
  w->connected = TRUE;
}

static void
on_rfb_update (ObRfbClient *client,
               RfbWait     *w)
{
  w->updates++;
}

static void
test_kvm (void)
{
  Fixture f;
  g_autoptr(ObRfbClient) rfb = NULL;
  RfbWait w = { 0 };
  ObRfbPixelFormat fmt;
  static const guint32 cad[] = { OB_KEYSYM_CONTROL_L, OB_KEYSYM_ALT_L, OB_KEYSYM_DELETE };
  guint pmaj, pmin, fmaj, fmin, smaj, smin, umaj, umin;
  g_autofree guint32 *img = g_new (guint32, 128 * 80);

  for (guint i = 0; i < 128 * 80; i++)
    img[i] = (i % 128 < 40) ? 0x0060C0 : ((i / 128) % 5 == 0 ? 0xFFFFFF : (i * 2654435761u) & 0xFFFFFF);

  fixture_start_with (&f, OB_REDIR_SESSION_KVM, script_kvm, PASS, img);
  start_and_wait (&f);
  g_assert_no_error (f.error);
  g_assert_true (f.ok);
  g_assert_true (ob_redir_session_is_started (f.session));
  ob_redir_session_get_versions (f.session, &pmaj, &pmin, &fmaj, &fmin);
  g_assert_cmpuint (pmaj, ==, 1);
  g_assert_cmpuint (fmaj, ==, 15);
  g_assert_cmpuint (ob_redir_session_get_auth_type (f.session), ==, OB_REDIR_AUTH_DIGEST);

  rfb = ob_redir_session_create_rfb_client (f.session);
  g_signal_connect (rfb, "update-done", G_CALLBACK (on_rfb_update), &w);
  ob_rfb_client_connect_async (rfb, NULL, on_rfb_connected, &w);
  wait_for (&w.connected);
  g_assert_cmpstr (ob_rfb_client_get_desktop_name (rfb), ==, "Intel(r) AMT KVM");
  ob_rfb_client_get_version (rfb, &smaj, &smin, &umaj, &umin);
  g_assert_cmpuint (smaj, ==, 4);
  g_assert_cmpuint (smin, ==, 0);
  g_assert_cmpuint (umaj, ==, 3);
  g_assert_cmpuint (umin, ==, 8);
  while (w.updates < 1)
    g_main_context_iteration (NULL, TRUE);

  ob_rfb_pixel_format_for_depth (&fmt, OB_RFB_DEPTH_16);
  for (guint y = 0; y < 80; y++)
    for (guint x = 0; x < 128; x++)
      g_assert_cmphex (ob_framebuffer_get_pixel (ob_rfb_client_get_framebuffer (rfb), x, y), ==,
                       expected_xrgb (&fmt, img[y * 128 + x]));

  ob_rfb_client_send_chord (rfb, cad, G_N_ELEMENTS (cad));
  ob_rfb_client_pointer_event (rfb, OB_RFB_BUTTON_LEFT, 1000, 1000);   /* clamped */
  ob_rfb_client_key_event (rfb, 0xFFE1, TRUE);
  ob_rfb_client_release_all_keys (rfb);
  ob_rfb_client_release_all_keys (rfb);   /* nothing left: no bytes */
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  ob_rfb_client_close (rfb);
  fixture_finish (&f);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* ---- refusals ----------------------------------------------------------- */

static void
script_busy (Device *dev)
{
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;

  dev->session = OB_REDIR_SESSION_NONE;
  dev_recv (dev, &m, &raw);
  dev_send (dev, ob_redir_build_start_session_reply (GPOINTER_TO_UINT (dev->data), 0, 0, 0, 0, 0, NULL, 0));
  dev_wait_eof (dev);
}

static void
check_status (guint8      status,
              ObRedirError code,
              const char *text)
{
  Fixture f;

  fixture_start_with (&f, OB_REDIR_SESSION_KVM, script_busy, PASS, GUINT_TO_POINTER (status));
  start_and_wait (&f);
  g_assert_false (f.ok);
  g_assert_error (f.error, OB_REDIR_ERROR, (gint) code);
  g_assert_nonnull (strstr (f.error->message, text));
  fixture_finish (&f);
}

static void
test_refusals (void)
{
  check_status (OB_REDIR_STATUS_BUSY, OB_REDIR_ERROR_BUSY, "session busy");
  check_status (OB_REDIR_STATUS_UNSUPPORTED, OB_REDIR_ERROR_DISABLED, "KVM is disabled on this device");
  check_status (OB_REDIR_STATUS_TYPE_UNKNOWN, OB_REDIR_ERROR_TYPE_UNKNOWN, "does not support");
  check_status (OB_REDIR_STATUS_ERROR, OB_REDIR_ERROR_DEVICE, "KVM");
}

static void
script_wrong_password (Device *dev)
{
  dev_start (dev, OB_REDIR_SESSION_KVM, digest_only, sizeof digest_only);
  g_assert_false (dev_digest (dev, OB_REDIR_AUTH_DIGEST));
  dev_wait_eof (dev);
}

static void
test_wrong_password (void)
{
  Fixture f;

  fixture_start (&f, OB_REDIR_SESSION_KVM, script_wrong_password, "wrong");
  start_and_wait (&f);
  g_assert_false (f.ok);
  g_assert_error (f.error, OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_FAILED);
  fixture_finish (&f);
}

/* Consent pending: the device drops the connection after 0x40. */
static void
script_consent (Device *dev)
{
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;

  dev_start (dev, OB_REDIR_SESSION_KVM, digest_only, sizeof digest_only);
  g_assert_true (dev_digest (dev, OB_REDIR_AUTH_DIGEST));
  dev_recv (dev, &m, &raw);
  g_assert_cmpint (m.type, ==, OB_REDIR_MSG_KVM_START);
  dev_close (dev);
}

static void
test_consent_required (void)
{
  Fixture f;

  fixture_start (&f, OB_REDIR_SESSION_KVM, script_consent, PASS);
  start_and_wait (&f);
  g_assert_false (f.ok);
  g_assert_error (f.error, OB_REDIR_ERROR, OB_REDIR_ERROR_CONSENT_REQUIRED);
  g_assert_nonnull (strstr (f.error->message, "user consent"));
  fixture_finish (&f);
}

/* Only digest without qop, then only user/password, then nothing usable. */
static void
script_digest_no_qop (Device *dev)
{
  static const guint8 methods[] = { OB_REDIR_AUTH_DIGEST_NO_QOP, 77 };
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;

  dev_start (dev, OB_REDIR_SESSION_KVM, methods, sizeof methods);
  g_assert_true (dev_digest (dev, OB_REDIR_AUTH_DIGEST_NO_QOP));
  dev_recv (dev, &m, &raw);
  g_assert_cmpint (m.type, ==, OB_REDIR_MSG_KVM_START);
  dev_send (dev, ob_redir_build_kvm_start_reply (0));
  dev_wait_eof (dev);
}

static void
script_userpass (Device *dev)
{
  static const guint8 methods[] = { OB_REDIR_AUTH_KERBEROS, OB_REDIR_AUTH_USERPASS };
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;

  dev_start (dev, OB_REDIR_SESSION_KVM, methods, sizeof methods);
  dev_recv (dev, &m, &raw);
  g_assert_cmpuint (m.auth.auth_type, ==, OB_REDIR_AUTH_USERPASS);
  g_assert_cmpstr (m.auth.username, ==, USER);
  g_assert_cmpstr (m.auth.password, ==, PASS);
  dev_send (dev, ob_redir_build_auth_reply (OB_REDIR_AUTH_USERPASS, 0, NULL, 0));
  ob_redir_message_clear (&m);
  g_clear_pointer (&raw, g_bytes_unref);
  dev_recv (dev, &m, &raw);
  g_assert_cmpint (m.type, ==, OB_REDIR_MSG_KVM_START);
  dev_send (dev, ob_redir_build_kvm_start_reply (0));
  dev_wait_eof (dev);
}

static void
script_kerberos_only (Device *dev)
{
  static const guint8 methods[] = { OB_REDIR_AUTH_KERBEROS };

  dev_start (dev, OB_REDIR_SESSION_KVM, methods, sizeof methods);
  dev_wait_eof (dev);
}

static void
test_auth_methods (void)
{
  Fixture f;

  fixture_start (&f, OB_REDIR_SESSION_KVM, script_digest_no_qop, PASS);
  start_and_wait (&f);
  g_assert_no_error (f.error);
  g_assert_cmpuint (ob_redir_session_get_auth_type (f.session), ==, OB_REDIR_AUTH_DIGEST_NO_QOP);
  fixture_finish (&f);

  fixture_start (&f, OB_REDIR_SESSION_KVM, script_userpass, PASS);
  start_and_wait (&f);
  g_assert_no_error (f.error);
  g_assert_cmpuint (ob_redir_session_get_auth_type (f.session), ==, OB_REDIR_AUTH_USERPASS);
  fixture_finish (&f);

  fixture_start (&f, OB_REDIR_SESSION_KVM, script_kerberos_only, PASS);
  start_and_wait (&f);
  g_assert_error (f.error, OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_UNSUPPORTED);
  fixture_finish (&f);
}

static void
script_silent (Device *dev)
{
  dev_wait_eof (dev);
}

static void
test_timeout (void)
{
  Fixture f;

  fixture_start (&f, OB_REDIR_SESSION_SOL, script_silent, PASS);
  ob_redir_session_set_start_timeout (f.session, 1);
  start_and_wait (&f);
  g_assert_error (f.error, OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT);
  fixture_finish (&f);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
  return G_SOURCE_REMOVE;
}

/* The caller cancels while the device is silent; a cancellable cancelled
 * after a start has no effect on the running session. */
static void
test_cancel (void)
{
  Fixture f;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  fixture_start (&f, OB_REDIR_SESSION_SOL, script_silent, PASS);
  g_timeout_add (100, cancel_later, cancellable);
  ob_redir_session_start_async (f.session, cancellable, on_started, &f);
  wait_for (&f.done);
  g_assert_error (f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  fixture_finish (&f);
}

/* Garbage instead of a reply. */
static void
script_garbage (Device *dev)
{
  static const guint8 junk[] = { 0x99, 0, 0, 0 };
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;

  dev->session = OB_REDIR_SESSION_NONE;
  dev_recv (dev, &m, &raw);
  dev_write (dev, junk, sizeof junk);
  dev_wait_eof (dev);
}

static void
test_garbage (void)
{
  Fixture f;

  fixture_start (&f, OB_REDIR_SESSION_KVM, script_garbage, PASS);
  start_and_wait (&f);
  g_assert_error (f.error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL);
  fixture_finish (&f);
}

/* ---- SOL ---------------------------------------------------------------- */

static void
script_sol (Device *dev)
{
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GByteArray) typed = g_byte_array_new ();
  guint32 last_seq = 0;
  gboolean saw_heartbeat_echo = FALSE;
  static const guint8 banner[] = "BIOS v1.0\r\nboot> ";

  dev_start (dev, OB_REDIR_SESSION_SOL, digest_only, sizeof digest_only);
  g_assert_true (dev_digest (dev, OB_REDIR_AUTH_DIGEST));
  dev_recv (dev, &m, &raw);
  g_assert_cmpint (m.type, ==, OB_REDIR_MSG_SOL_START);
  g_assert_cmpuint (m.sol_start.settings.max_tx_buffer, ==, 8);
  g_assert_cmpuint (m.sol_start.settings.heartbeat_interval, ==, 600);
  last_seq = m.sequence;
  dev_send (dev, ob_redir_build_sol_start_reply (0, m.sequence, &m.sol_start.settings));
  dev_send (dev, ob_redir_build_sol_controls (1, 0, OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON));
  dev_send (dev, ob_redir_build_sol_data_from_host (2, banner, sizeof banner - 1));
  dev_send (dev, ob_redir_build_sol_heartbeat (3));

  /* Typed bytes arrive in frames of at most 8; a heartbeat echo and
   * keep-alive pings (answered) come along. */
  while (typed->len < 22)
    {
      ob_redir_message_clear (&m);
      g_clear_pointer (&raw, g_bytes_unref);
      dev_recv (dev, &m, &raw);
      g_assert_cmpuint (m.sequence, >, last_seq);
      last_seq = m.sequence;
      if (m.type == OB_REDIR_MSG_SOL_DATA_TO_HOST)
        {
          g_assert_cmpuint (m.sol_data.length, <=, 8);
          g_byte_array_append (typed, m.sol_data.data, (guint) m.sol_data.length);
        }
      else if (m.type == OB_REDIR_MSG_SOL_HEARTBEAT)
        saw_heartbeat_echo = TRUE;
      else if (m.type == OB_REDIR_MSG_SOL_KEEPALIVE_PING)
        dev_send (dev, ob_redir_build_sol_keepalive_pong (m.sequence));
      else
        g_error ("unexpected message 0x%02x", m.type);
    }
  g_assert_cmpmem (typed->data, typed->len, "dir /w\r\nexit\r\nreboot\r\n", 22);
  g_assert_true (saw_heartbeat_echo);
  /* Echo, then wait for the goodbye. */
  dev_send (dev, ob_redir_build_sol_data_from_host (4, typed->data, typed->len));
  for (;;)
    {
      ob_redir_message_clear (&m);
      g_clear_pointer (&raw, g_bytes_unref);
      dev_recv (dev, &m, &raw);
      if (m.type == OB_REDIR_MSG_SOL_KEEPALIVE_PING)
        {
          dev_send (dev, ob_redir_build_sol_keepalive_pong (m.sequence));
          continue;
        }
      if (m.type == OB_REDIR_MSG_SOL_HEARTBEAT)
        continue;
      break;
    }
  g_assert_cmpint (m.type, ==, OB_REDIR_MSG_SOL_END);
  dev_send (dev, ob_redir_build_sol_end_reply (m.sequence));
  ob_redir_message_clear (&m);
  g_clear_pointer (&raw, g_bytes_unref);
  dev->session = OB_REDIR_SESSION_SOL;
  dev_recv (dev, &m, &raw);
  g_assert_cmpint (m.type, ==, OB_REDIR_MSG_END_SESSION);
  g_assert_true (dev_wait_eof (dev));
}

static void
on_sol_data (ObRedirSession *s,
             GBytes         *data,
             Fixture        *f)
{
  g_ptr_array_add (f->sol_data, g_bytes_ref (data));
}

static void
on_sol_controls (ObRedirSession *s,
                 guint           control,
                 guint           status,
                 Fixture        *f)
{
  f->controls = control;
  f->status = status;
}

static void
on_closed (ObRedirSession *s,
           const GError   *error,
           Fixture        *f)
{
  f->closed = TRUE;
  if (error != NULL)
    f->closed_error = g_error_copy (error);
}

static gsize
sol_received (Fixture *f,
              GString *all)
{
  g_string_truncate (all, 0);
  for (guint i = 0; i < f->sol_data->len; i++)
    g_string_append_len (all, g_bytes_get_data (g_ptr_array_index (f->sol_data, i), NULL),
                         (gssize) g_bytes_get_size (g_ptr_array_index (f->sol_data, i)));
  return all->len;
}

static void
on_closed_async (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (ob_redir_session_close_finish (OB_REDIR_SESSION (source), result, NULL));
  *done = TRUE;
}

static void
test_sol (void)
{
  Fixture f;
  ObRedirSolSettings settings;
  g_autoptr(GString) all = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gboolean close_done = FALSE;
  gint64 deadline;
  static const char typed[] = "dir /w\r\nexit\r\nreboot\r\n";

  fixture_start (&f, OB_REDIR_SESSION_SOL, script_sol, PASS);
  ob_redir_sol_settings_init_default (&settings);
  settings.max_tx_buffer = 8;
  settings.heartbeat_interval = 600;
  ob_redir_session_set_sol_settings (f.session, &settings);
  g_signal_connect (f.session, "sol-data", G_CALLBACK (on_sol_data), &f);
  g_signal_connect (f.session, "sol-controls", G_CALLBACK (on_sol_controls), &f);
  g_signal_connect (f.session, "closed", G_CALLBACK (on_closed), &f);

  /* Not running yet. */
  g_assert_false (ob_redir_session_sol_send (f.session, (const guint8 *) "x", 1, &error));
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_INVALID_STATE);
  g_clear_error (&error);

  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    ob_redir_session_start_async (f.session, cancellable, on_started, &f);
    wait_for (&f.done);
    g_assert_no_error (f.error);
    /* Only the start could be cancelled. */
    g_cancellable_cancel (cancellable);
  }

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (sol_received (&f, all) < 17)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpstr (all->str, ==, "BIOS v1.0\r\nboot> ");
  g_assert_cmpuint (f.status, ==, OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON);
  g_assert_cmpuint (ob_redir_session_get_sol_status (f.session), ==, OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON);

  /* Wait a little past one heartbeat so pings flow, then type. */
  deadline = g_get_monotonic_time () + 800 * 1000;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (ob_redir_session_sol_send (f.session, (const guint8 *) typed, strlen (typed), &error));
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (sol_received (&f, all) < 17 + strlen (typed))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_true (g_str_has_suffix (all->str, typed));

  ob_redir_session_close_async (f.session, NULL, on_closed_async, &close_done);
  wait_for (&close_done);
  g_assert_true (f.closed);
  g_assert_no_error (f.closed_error);
  fixture_finish (&f);
}

/* The device powers off / drops SOL: ::closed with a reason. */
static void
script_sol_dropped (Device *dev)
{
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;

  dev_start (dev, OB_REDIR_SESSION_SOL, digest_only, sizeof digest_only);
  g_assert_true (dev_digest (dev, OB_REDIR_AUTH_DIGEST));
  dev_recv (dev, &m, &raw);
  dev_send (dev, ob_redir_build_sol_start_reply (0, m.sequence, &m.sol_start.settings));
  dev_close (dev);
}

static void
test_sol_dropped (void)
{
  Fixture f;

  fixture_start (&f, OB_REDIR_SESSION_SOL, script_sol_dropped, PASS);
  g_signal_connect (f.session, "closed", G_CALLBACK (on_closed), &f);
  start_and_wait (&f);
  g_assert_no_error (f.error);
  wait_for (&f.closed);
  g_assert_error (f.closed_error, OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED);
  fixture_finish (&f);
}

static gint eof_seen;

static void
script_sol_abort (Device *dev)
{
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;

  dev_start (dev, OB_REDIR_SESSION_SOL, digest_only, sizeof digest_only);
  g_assert_true (dev_digest (dev, OB_REDIR_AUTH_DIGEST));
  dev_recv (dev, &m, &raw);
  dev_send (dev, ob_redir_build_sol_start_reply (0, m.sequence, &m.sol_start.settings));
  dev_wait_eof (dev);
  g_atomic_int_set (&eof_seen, 1);
}

/* abort() closes the stream although a read is pending. */
static void
test_sol_abort (void)
{
  Fixture f;
  gint64 deadline;

  g_atomic_int_set (&eof_seen, 0);
  fixture_start (&f, OB_REDIR_SESSION_SOL, script_sol_abort, PASS);
  g_signal_connect (f.session, "closed", G_CALLBACK (on_closed), &f);
  start_and_wait (&f);
  g_assert_no_error (f.error);
  ob_redir_session_abort (f.session);
  g_assert_true (f.closed);
  g_assert_no_error (f.closed_error);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&eof_seen))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  fixture_finish (&f);
}

/* A device that stops answering: four heartbeat intervals of silence. */
static void
script_sol_mute (Device *dev)
{
  g_auto(ObRedirMessage) m = { 0 };
  g_autoptr(GBytes) raw = NULL;

  dev_start (dev, OB_REDIR_SESSION_SOL, digest_only, sizeof digest_only);
  g_assert_true (dev_digest (dev, OB_REDIR_AUTH_DIGEST));
  dev_recv (dev, &m, &raw);
  dev_send (dev, ob_redir_build_sol_start_reply (0, m.sequence, &m.sol_start.settings));
  /* Swallow pings without answering. */
  while (!dev_wait_eof (dev))
    g_byte_array_set_size (dev->acc, 0);
}

static void
test_sol_mute (void)
{
  Fixture f;
  ObRedirSolSettings settings;

  fixture_start (&f, OB_REDIR_SESSION_SOL, script_sol_mute, PASS);
  ob_redir_sol_settings_init_default (&settings);
  settings.heartbeat_interval = 500;
  ob_redir_session_set_sol_settings (f.session, &settings);
  g_signal_connect (f.session, "closed", G_CALLBACK (on_closed), &f);
  start_and_wait (&f);
  g_assert_no_error (f.error);
  wait_for (&f.closed);
  g_assert_error (f.closed_error, OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT);
  fixture_finish (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/redir-session/kvm", test_kvm);
  g_test_add_func ("/redir-session/refusals", test_refusals);
  g_test_add_func ("/redir-session/wrong-password", test_wrong_password);
  g_test_add_func ("/redir-session/consent-required", test_consent_required);
  g_test_add_func ("/redir-session/auth-methods", test_auth_methods);
  g_test_add_func ("/redir-session/timeout", test_timeout);
  g_test_add_func ("/redir-session/cancel", test_cancel);
  g_test_add_func ("/redir-session/garbage", test_garbage);
  g_test_add_func ("/redir-session/sol", test_sol);
  g_test_add_func ("/redir-session/sol-dropped", test_sol_dropped);
  g_test_add_func ("/redir-session/sol-mute", test_sol_mute);
  g_test_add_func ("/redir-session/sol-abort", test_sol_abort);

  return g_test_run ();
}
