/* test-rfb-client.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObRfbClient against scripted RFB servers (a thread on the other end of
 * a socket pair): the handshake variants (3.3, 3.7, 3.8, AMT's 4.0),
 * refusals with their reasons, hostile greetings and ServerInits, a depth
 * change that waits for the update in flight, pipelining, Bell and cut
 * text (Intel's binary messages are not clipboard text), and errors while
 * running. */

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "ob-redir-error.h"
#include "ob-rfb-client.h"
#include "rfb-test-encoder.h"

typedef struct _Server Server;
typedef void (*Script) (Server *srv);

struct _Server
{
  GSocket    *sock;
  GByteArray *acc;
  Script      script;
  GThread    *thread;
  const char *greeting;
};

/* ---- server side (blocking, in its thread) ------------------------------ */

static void
srv_write (Server       *srv,
           const void   *data,
           gsize         len)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_socket_send (srv->sock, (const char *) data + done, len - done, NULL, NULL);

      if (n <= 0)
        return;
      done += (gsize) n;
    }
}

static gboolean
srv_fill (Server *srv,
          gsize   n)
{
  while (srv->acc->len < n)
    {
      guint8 buf[4096];
      gssize got = g_socket_receive (srv->sock, (char *) buf, sizeof buf, NULL, NULL);

      if (got <= 0)
        return FALSE;
      g_byte_array_append (srv->acc, buf, (guint) got);
    }
  return TRUE;
}

/* Expect exactly @len bytes equal to @want. */
static void
srv_expect (Server     *srv,
            const void *want,
            gsize       len)
{
  g_assert_true (srv_fill (srv, len));
  g_assert_cmpmem (srv->acc->data, len, want, len);
  g_byte_array_remove_range (srv->acc, 0, (guint) len);
}

static void
srv_skip (Server *srv,
          gsize   len)
{
  g_assert_true (srv_fill (srv, len));
  g_byte_array_remove_range (srv->acc, 0, (guint) len);
}

/* Nothing more arrives within @ms. */
static void
srv_expect_quiet (Server *srv,
                  guint   ms)
{
  g_assert_cmpuint (srv->acc->len, ==, 0);
  g_assert_false (g_socket_condition_timed_wait (srv->sock, G_IO_IN, (gint64) ms * 1000, NULL, NULL));
}

static void
srv_wait_eof (Server *srv)
{
  while (srv_fill (srv, srv->acc->len + 1))
    ;
}

static void
server_init (Server *srv,
             guint   w,
             guint   h,
             guint32 name_len,
             const char *name)
{
  guint8 init[24] = { w >> 8, w & 0xFF, h >> 8, h & 0xFF };
  ObRfbPixelFormat f;

  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  ob_rfb_pixel_format_write (&f, init + 4);
  init[20] = name_len >> 24;
  init[21] = (name_len >> 16) & 0xFF;
  init[22] = (name_len >> 8) & 0xFF;
  init[23] = name_len & 0xFF;
  srv_write (srv, init, sizeof init);
  if (name != NULL)
    srv_write (srv, name, strlen (name));
}

/* 3.8 with None, ClientInit, ServerInit 64×32, then the setup messages. */
static void
srv_handshake_38 (Server           *srv,
                  ObRfbDepth        depth)
{
  static const guint8 sec[] = { 2, 1, 128 };
  static const guint8 ok[] = { 0, 0, 0, 0 };
  guint8 spf[20] = { 0 };
  ObRfbPixelFormat f;

  srv_write (srv, "RFB 004.000\n", 12);
  srv_expect (srv, "RFB 003.008\n", 12);
  srv_write (srv, sec, sizeof sec);
  srv_expect (srv, "\001", 1);
  srv_write (srv, ok, sizeof ok);
  srv_expect (srv, "\001", 1);
  server_init (srv, 64, 32, 4, "test");
  ob_rfb_pixel_format_for_depth (&f, depth);
  ob_rfb_pixel_format_write (&f, spf + 4);
  srv_expect (srv, spf, sizeof spf);
  srv_skip (srv, 4 + 3 * 4);   /* SetEncodings */
}

static const guint8 full_req[] = { 3, 0, 0, 0, 0, 0, 0, 64, 0, 32 };
static const guint8 inc_req[] = { 3, 1, 0, 0, 0, 0, 0, 64, 0, 32 };

/* One update filling the screen with @rgb as a solid ZRLE tile. */
static void
srv_send_solid (Server          *srv,
                TestZrleEncoder *enc,
                guint32          rgb)
{
  g_autoptr(GByteArray) s = g_byte_array_new ();
  g_autofree guint32 *img = g_new (guint32, 64 * 32);

  for (guint i = 0; i < 64 * 32; i++)
    img[i] = rgb;
  rfb_put_update_header (s, 1);
  test_zrle_encode_rect (enc, s, img, 64, 0, 0, 64, 32, ZRLE_AUTO);
  srv_write (srv, s->data, s->len);
}

static gpointer
server_thread (gpointer data)
{
  Server *srv = data;

  srv->script (srv);
  return NULL;
}

/* ---- client side -------------------------------------------------------- */

typedef struct
{
  Server       srv;
  GIOStream   *stream;
  ObRfbClient *client;
  gboolean     done;
  gboolean     ok;
  GError      *error;
  guint        updates;
  guint        bells;
  GPtrArray   *cut_texts;
  gboolean     closed;
  GError      *closed_error;
} Fixture;

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *f = user_data;

  f->ok = ob_rfb_client_connect_finish (OB_RFB_CLIENT (source), result, &f->error);
  f->done = TRUE;
}

static void
on_update (ObRfbClient *c,
           Fixture     *f)
{
  f->updates++;
}

static void
on_bell (ObRfbClient *c,
         Fixture     *f)
{
  f->bells++;
}

static void
on_cut_text (ObRfbClient *c,
             const char  *text,
             Fixture     *f)
{
  g_ptr_array_add (f->cut_texts, g_strdup (text));
}

static void
on_closed (ObRfbClient  *c,
           const GError *error,
           Fixture      *f)
{
  f->closed = TRUE;
  if (error != NULL)
    f->closed_error = g_error_copy (error);
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
wait_updates (Fixture *f,
              guint    n)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (f->updates < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
fixture_start (Fixture    *f,
               Script      script,
               ObRfbDepth  depth)
{
  int fds[2];
  g_autoptr(GSocket) cs = NULL;

  memset (f, 0, sizeof *f);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  cs = g_socket_new_from_fd (fds[0], NULL);
  f->srv.sock = g_socket_new_from_fd (fds[1], NULL);
  f->srv.acc = g_byte_array_new ();
  f->srv.script = script;
  f->srv.thread = g_thread_new ("server", server_thread, &f->srv);
  f->stream = G_IO_STREAM (g_socket_connection_factory_create_connection (cs));
  f->cut_texts = g_ptr_array_new_with_free_func (g_free);
  f->client = ob_rfb_client_new (f->stream, NULL);
  ob_rfb_client_set_depth (f->client, depth);
  g_signal_connect (f->client, "update-done", G_CALLBACK (on_update), f);
  g_signal_connect (f->client, "bell", G_CALLBACK (on_bell), f);
  g_signal_connect (f->client, "server-cut-text", G_CALLBACK (on_cut_text), f);
  g_signal_connect (f->client, "closed", G_CALLBACK (on_closed), f);
  ob_rfb_client_connect_async (f->client, NULL, on_connected, f);
  wait_for (&f->done);
}

static void
fixture_finish (Fixture *f)
{
  ob_rfb_client_close (f->client);
  g_io_stream_close (f->stream, NULL, NULL);
  g_thread_join (f->srv.thread);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&f->client);
  g_clear_object (&f->stream);
  g_clear_object (&f->srv.sock);
  g_byte_array_unref (f->srv.acc);
  g_ptr_array_unref (f->cut_texts);
  g_clear_error (&f->error);
  g_clear_error (&f->closed_error);
}

/* ---- handshakes --------------------------------------------------------- */

static void
script_33 (Server *srv)
{
  static const guint8 none[] = { 0, 0, 0, 1 };

  srv_write (srv, "RFB 003.003\n", 12);
  srv_expect (srv, "RFB 003.003\n", 12);
  srv_write (srv, none, sizeof none);
  srv_expect (srv, "\001", 1);
  server_init (srv, 64, 32, 0, NULL);
  srv_wait_eof (srv);
}

static void
script_37 (Server *srv)
{
  static const guint8 sec[] = { 1, 1 };

  srv_write (srv, "RFB 003.007\n", 12);
  srv_expect (srv, "RFB 003.007\n", 12);
  srv_write (srv, sec, sizeof sec);
  /* No SecurityResult in 3.7: the choice and ClientInit follow at once. */
  srv_expect (srv, "\001\001", 2);
  server_init (srv, 64, 32, 0, NULL);
  srv_wait_eof (srv);
}

static void
script_38_setup (Server *srv)
{
  srv_handshake_38 (srv, OB_RFB_DEPTH_8);
  srv_expect (srv, full_req, sizeof full_req);
  srv_wait_eof (srv);
}

static void
test_handshakes (void)
{
  Fixture f;
  guint smaj, smin, umaj, umin;

  fixture_start (&f, script_33, OB_RFB_DEPTH_16);
  g_assert_no_error (f.error);
  ob_rfb_client_get_version (f.client, &smaj, &smin, &umaj, &umin);
  g_assert_cmpuint (smin, ==, 3);
  g_assert_cmpuint (umin, ==, 3);
  g_assert_cmpuint (ob_framebuffer_get_width (ob_rfb_client_get_framebuffer (f.client)), ==, 64);
  g_assert_cmpstr (ob_rfb_client_get_desktop_name (f.client), ==, "");
  fixture_finish (&f);

  fixture_start (&f, script_37, OB_RFB_DEPTH_16);
  g_assert_no_error (f.error);
  ob_rfb_client_get_version (f.client, &smaj, &smin, &umaj, &umin);
  g_assert_cmpuint (umin, ==, 7);
  fixture_finish (&f);

  /* AMT's 4.0 answered as 3.8; SetPixelFormat for RGB332 sent. */
  fixture_start (&f, script_38_setup, OB_RFB_DEPTH_8);
  g_assert_no_error (f.error);
  g_assert_true (ob_rfb_client_is_connected (f.client));
  g_assert_cmpstr (ob_rfb_client_get_desktop_name (f.client), ==, "test");
  g_assert_cmpuint (ob_rfb_client_get_server_pixel_format (f.client)->bits_per_pixel, ==, 16);
  fixture_finish (&f);
}

/* ---- refusals and hostile handshakes ------------------------------------ */

static void
script_refusal (Server *srv)
{
  srv_write (srv, srv->greeting, strlen (srv->greeting));
  srv_wait_eof (srv);
}

/* The server's whole answer is written at once (NUL bytes included);
 * with @then_eof the server stops sending after it. */
static void
check_refusal (const char *bytes,
               gsize       len,
               gint        code,
               const char *text,
               gboolean    then_eof)
{
  Fixture f;

  memset (&f, 0, sizeof f);
  g_test_message ("refusal: %s", text);
  {
    int fds[2];
    g_autoptr(GSocket) cs = NULL;

    g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
    cs = g_socket_new_from_fd (fds[0], NULL);
    f.srv.sock = g_socket_new_from_fd (fds[1], NULL);
    f.srv.acc = g_byte_array_new ();
    f.stream = G_IO_STREAM (g_socket_connection_factory_create_connection (cs));
    f.cut_texts = g_ptr_array_new_with_free_func (g_free);
    f.client = ob_rfb_client_new (f.stream, NULL);
    g_signal_connect (f.client, "closed", G_CALLBACK (on_closed), &f);
    g_socket_send (f.srv.sock, bytes, len, NULL, NULL);
    if (then_eof)
      g_socket_shutdown (f.srv.sock, FALSE, TRUE, NULL);
    f.srv.script = script_refusal;
    f.srv.greeting = "";
    f.srv.thread = g_thread_new ("server", server_thread, &f.srv);
  }
  ob_rfb_client_connect_async (f.client, NULL, on_connected, &f);
  wait_for (&f.done);
  g_assert_false (f.ok);
  g_assert_error (f.error, OB_REDIR_ERROR, code);
  g_assert_nonnull (strstr (f.error->message, text));
  /* ::closed is only for sessions that were running. */
  g_assert_false (f.closed);
  fixture_finish (&f);
}

static void
test_refusals (void)
{
  static const guint8 none_list_reason[] = "RFB 003.008\n\0\0\0\0\024Too many connections";
  static const guint8 vnc_only[] = "RFB 003.008\n\001\002";
  static const guint8 unknown_only[] = "RFB 003.008\n\002\005\020";
  static const guint8 result_failed[] = "RFB 003.008\n\001\001\0\0\0\001\0\0\0\016Access denied.";
  static const guint8 v33_failed[] = "RFB 003.003\n\0\0\0\0\0\0\0\004Busy";
  static const guint8 v33_vnc[] = "RFB 003.003\n\0\0\0\002";
  static const guint8 huge_name[] = "RFB 003.008\n\001\001\0\0\0\0\0\100\0\040\020\020\0\001\0\037\0\077\0\037\013\005\0\0\0\0\177\377\377\377";
  static const guint8 zero_size[] = "RFB 003.008\n\001\001\0\0\0\0\0\0\0\0\020\020\0\001\0\037\0\077\0\037\013\005\0\0\0\0\0\0\0\0";
  static const guint8 huge_reason[] = "RFB 003.008\n\0\177\0\0\0";

  check_refusal ((const char *) none_list_reason, sizeof none_list_reason - 1, OB_REDIR_ERROR_RFB_REFUSED, "Too many connections", FALSE);
  check_refusal ((const char *) vnc_only, sizeof vnc_only - 1, OB_REDIR_ERROR_RFB_REFUSED, "VNC password", FALSE);
  check_refusal ((const char *) unknown_only, sizeof unknown_only - 1, OB_REDIR_ERROR_RFB_REFUSED, "no supported security type", FALSE);
  check_refusal ((const char *) result_failed, sizeof result_failed - 1, OB_REDIR_ERROR_RFB_REFUSED, "Access denied.", FALSE);
  check_refusal ((const char *) v33_failed, sizeof v33_failed - 1, OB_REDIR_ERROR_RFB_REFUSED, "Busy", FALSE);
  check_refusal ((const char *) v33_vnc, sizeof v33_vnc - 1, OB_REDIR_ERROR_RFB_REFUSED, "VNC password", FALSE);
  check_refusal ("HTTP/1.1 400 Bad Request\r\n", 26, OB_REDIR_ERROR_PROTOCOL, "RFB version", FALSE);
  check_refusal ("RFB 002.000\n", 12, OB_REDIR_ERROR_RFB_REFUSED, "2.0", FALSE);
  check_refusal ((const char *) huge_name, sizeof huge_name - 1, OB_REDIR_ERROR_PROTOCOL, "name", FALSE);
  check_refusal ((const char *) zero_size, sizeof zero_size - 1, OB_REDIR_ERROR_PROTOCOL, "0×0", FALSE);
  check_refusal ((const char *) huge_reason, sizeof huge_reason - 1, OB_REDIR_ERROR_PROTOCOL, "reason", FALSE);
  check_refusal ("RFB 003.0", 9, OB_REDIR_ERROR_CLOSED, "handshake", TRUE);
}

/* ---- running ------------------------------------------------------------ */

/* A depth change waits for the update in flight; then SetPixelFormat and a
 * full request. */
static void
script_depth (Server *srv)
{
  TestZrleEncoder enc;
  ObRfbPixelFormat f;
  guint8 spf[20] = { 0 };

  srv_handshake_38 (srv, OB_RFB_DEPTH_16);
  srv_expect (srv, full_req, sizeof full_req);
  /* The client is asked to change depth now; it must wait. */
  srv_expect_quiet (srv, 300);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  test_zrle_encoder_init (&enc, &f, 6);
  srv_send_solid (srv, &enc, 0xFF0000);
  test_zrle_encoder_clear (&enc);

  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_GREY8);
  ob_rfb_pixel_format_write (&f, spf + 4);
  srv_expect (srv, spf, sizeof spf);
  srv_expect (srv, full_req, sizeof full_req);
  /* The new format's update, in Raw (the encoder above speaks 16 bpp). */
  {
    g_autoptr(GByteArray) s = g_byte_array_new ();
    guint32 img[64 * 32];

    for (guint i = 0; i < 64 * 32; i++)
      img[i] = 0x808080;
    rfb_put_update_header (s, 1);
    test_raw_encode_rect (&f, s, img, 64, 0, 0, 64, 32);
    srv_write (srv, s->data, s->len);
  }
  srv_expect (srv, inc_req, sizeof inc_req);
  srv_wait_eof (srv);
}

static void
test_depth_change (void)
{
  Fixture f;
  ObFramebuffer *fb;

  fixture_start (&f, script_depth, OB_RFB_DEPTH_16);
  g_assert_no_error (f.error);
  ob_rfb_client_set_depth (f.client, OB_RFB_DEPTH_GREY8);
  g_assert_cmpint (ob_rfb_client_get_depth (f.client), ==, OB_RFB_DEPTH_GREY8);
  wait_updates (&f, 1);
  fb = ob_rfb_client_get_framebuffer (f.client);
  g_assert_cmphex (ob_framebuffer_get_pixel (fb, 5, 5), ==, 0xFFFF0000);
  wait_updates (&f, 2);
  g_assert_cmphex (ob_framebuffer_get_pixel (fb, 5, 5), ==, 0xFF808080);
  fixture_finish (&f);
}

/* Pipeline 2: after the first update two incremental requests. */
static void
script_pipeline (Server *srv)
{
  TestZrleEncoder enc;
  ObRfbPixelFormat f;

  srv_handshake_38 (srv, OB_RFB_DEPTH_16);
  srv_expect (srv, full_req, sizeof full_req);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  test_zrle_encoder_init (&enc, &f, 6);
  srv_send_solid (srv, &enc, 0x00FF00);
  srv_expect (srv, inc_req, sizeof inc_req);
  srv_expect (srv, inc_req, sizeof inc_req);
  /* Each answer brings one more request. */
  srv_send_solid (srv, &enc, 0x0000FF);
  srv_expect (srv, inc_req, sizeof inc_req);
  test_zrle_encoder_clear (&enc);
  srv_wait_eof (srv);
}

static void
test_pipeline (void)
{
  Fixture f;

  fixture_start (&f, script_pipeline, OB_RFB_DEPTH_16);
  ob_rfb_client_set_pipeline (f.client, 2);
  wait_updates (&f, 2);
  g_assert_cmphex (ob_framebuffer_get_pixel (ob_rfb_client_get_framebuffer (f.client), 0, 0), ==, 0xFF0000FF);
  g_assert_cmpuint (ob_rfb_client_get_updates (f.client), ==, 2);
  g_assert_cmpint (ob_rfb_client_get_update_latency (f.client), >, 0);
  fixture_finish (&f);
}

/* A view that holds requests until it has drawn: no request while held,
 * the request on release. */
static void
script_hold (Server *srv)
{
  TestZrleEncoder enc;
  ObRfbPixelFormat f;

  srv_handshake_38 (srv, OB_RFB_DEPTH_16);
  srv_expect (srv, full_req, sizeof full_req);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  test_zrle_encoder_init (&enc, &f, 6);
  srv_send_solid (srv, &enc, 0x00FF00);
  srv_expect_quiet (srv, 300);
  srv_expect (srv, inc_req, sizeof inc_req);
  test_zrle_encoder_clear (&enc);
  srv_wait_eof (srv);
}

static void
hold_on_damage (ObFramebuffer *fb,
                guint          x,
                guint          y,
                guint          width,
                guint          height,
                ObRfbClient   *client)
{
  ob_rfb_client_hold_requests (client, TRUE);
}

static void
test_hold_requests (void)
{
  Fixture f;
  gint64 until;

  fixture_start (&f, script_hold, OB_RFB_DEPTH_16);
  g_signal_connect (ob_rfb_client_get_framebuffer (f.client), "damaged",
                    G_CALLBACK (hold_on_damage), f.client);
  wait_updates (&f, 1);
  /* The server checks that nothing comes for 300 ms. */
  until = g_get_monotonic_time () + 500 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  ob_rfb_client_hold_requests (f.client, FALSE);
  fixture_finish (&f);
}

/* Bell, clipboard text, Intel's binary messages (not clipboard), a DesktopSize
 * (full request after it), ClientCutText in Latin-1, then garbage. */
static void
script_messages (Server *srv)
{
  static const guint8 bell[] = { 2 };
  static const guint8 cut[] = { 3, 0, 0, 0, 0, 0, 0, 6, 'c', 'a', 'f', 0xE9, '!', '\n' };
  static const guint8 kvm_ext[] = { 3, 0, 0, 0, 0, 0, 0, 16, 0, 'K', 'v', 'm', 'D', 'a', 't', 'a', 'C', 'h', 'a', 'n', 'n', 'e', 'l', 0 };
  static const guint8 resize[] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 100, 0, 50, 0xFF, 0xFF, 0xFF, 0x21 };
  static const guint8 resized_req[] = { 3, 0, 0, 0, 0, 0, 0, 100, 0, 50 };
  static const guint8 client_cut[] = { 6, 0, 0, 0, 0, 0, 0, 6, 'h', 0xE9, 'l', 'l', 'o', '?' };
  static const guint8 junk[] = { 0x77 };

  srv_handshake_38 (srv, OB_RFB_DEPTH_16);
  srv_expect (srv, full_req, sizeof full_req);
  srv_write (srv, bell, sizeof bell);
  srv_write (srv, kvm_ext, sizeof kvm_ext);
  srv_write (srv, cut, sizeof cut);
  srv_write (srv, resize, sizeof resize);
  /* The request in flight was answered by the resize update: a full
   * request for the new size follows. */
  srv_expect (srv, resized_req, sizeof resized_req);
  srv_expect (srv, client_cut, sizeof client_cut);
  srv_write (srv, junk, sizeof junk);
  srv_wait_eof (srv);
}

static void
test_messages (void)
{
  Fixture f;
  gint64 deadline;

  fixture_start (&f, script_messages, OB_RFB_DEPTH_16);
  wait_updates (&f, 1);
  g_assert_cmpuint (ob_framebuffer_get_width (ob_rfb_client_get_framebuffer (f.client)), ==, 100);
  g_assert_cmpuint (f.bells, ==, 1);
  g_assert_cmpuint (f.cut_texts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f.cut_texts, 0), ==, "café!\n");
  ob_rfb_client_send_cut_text (f.client, "héllo€");
  wait_for (&f.closed);
  g_assert_error (f.closed_error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL);
  g_assert_false (ob_rfb_client_is_connected (f.client));
  /* Input after the end is ignored. */
  ob_rfb_client_key_event (f.client, 'a', TRUE);
  deadline = g_get_monotonic_time () + 100 * 1000;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  fixture_finish (&f);
}

/* The server goes away while running. */
static void
script_eof (Server *srv)
{
  srv_handshake_38 (srv, OB_RFB_DEPTH_16);
  srv_expect (srv, full_req, sizeof full_req);
  g_socket_close (srv->sock, NULL);
}

static void
test_server_gone (void)
{
  Fixture f;

  fixture_start (&f, script_eof, OB_RFB_DEPTH_16);
  g_assert_no_error (f.error);
  wait_for (&f.closed);
  g_assert_error (f.closed_error, OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED);
  fixture_finish (&f);
}

static gint eof_seen;

static void
script_close_seen (Server *srv)
{
  srv_handshake_38 (srv, OB_RFB_DEPTH_16);
  srv_expect (srv, full_req, sizeof full_req);
  srv_wait_eof (srv);
  g_atomic_int_set (&eof_seen, 1);
}

/* ob_rfb_client_close() really closes the stream (with a read pending). */
static void
test_close_ends_stream (void)
{
  Fixture f;
  gint64 deadline;

  g_atomic_int_set (&eof_seen, 0);
  fixture_start (&f, script_close_seen, OB_RFB_DEPTH_16);
  g_assert_no_error (f.error);
  ob_rfb_client_close (f.client);
  g_assert_true (f.closed);
  g_assert_null (f.closed_error);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_atomic_int_get (&eof_seen))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  fixture_finish (&f);
}

static void
script_mute (Server *srv)
{
  srv_wait_eof (srv);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
  return G_SOURCE_REMOVE;
}

/* A server that never greets: the caller gives up. */
static void
test_cancel (void)
{
  int fds[2];
  g_autoptr(GSocket) cs = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Fixture f;

  memset (&f, 0, sizeof f);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  cs = g_socket_new_from_fd (fds[0], NULL);
  f.srv.sock = g_socket_new_from_fd (fds[1], NULL);
  f.srv.acc = g_byte_array_new ();
  f.srv.script = script_mute;
  f.srv.thread = g_thread_new ("server", server_thread, &f.srv);
  f.stream = G_IO_STREAM (g_socket_connection_factory_create_connection (cs));
  f.cut_texts = g_ptr_array_new_with_free_func (g_free);
  f.client = ob_rfb_client_new (f.stream, NULL);
  g_timeout_add (100, cancel_later, cancellable);
  ob_rfb_client_connect_async (f.client, cancellable, on_connected, &f);
  wait_for (&f.done);
  g_assert_error (f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  fixture_finish (&f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rfb-client/handshakes", test_handshakes);
  g_test_add_func ("/rfb-client/refusals", test_refusals);
  g_test_add_func ("/rfb-client/depth-change", test_depth_change);
  g_test_add_func ("/rfb-client/pipeline", test_pipeline);
  g_test_add_func ("/rfb-client/hold-requests", test_hold_requests);
  g_test_add_func ("/rfb-client/messages", test_messages);
  g_test_add_func ("/rfb-client/server-gone", test_server_gone);
  g_test_add_func ("/rfb-client/cancel", test_cancel);
  g_test_add_func ("/rfb-client/close-ends-stream", test_close_ends_stream);

  return g_test_run ();
}
