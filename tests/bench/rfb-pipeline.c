/* rfb-pipeline.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Does keeping two FramebufferUpdateRequests in flight help?
 *
 * ObRfbClient talks to a server thread over a socket pair.  The server
 * behaves as AMT is described (redirection-kvm-sol.md §2.4, §5): it
 * answers every request with one full-screen update (one ZRLE rectangle
 * per 64×64 tile, frames of a generated desktop with a ticking clock), and
 * the link between them has a round-trip time: each answer leaves the
 * server RTT after the request arrived (requests pipelined by the client
 * are in transit together, as on a real network).  Printed: updates per
 * second with :pipeline 1 and 2 for several RTTs.
 *
 *   _build/tests/bench/rfb-pipeline [--frames N] [--size WxH]
 *
 * This models the latency only; whether real AMT firmware accepts a
 * second outstanding request is not confirmed (§6). */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../rfb-test-encoder.h"
#include "ob-rfb-client.h"

static guint width = 1024, height = 768;

typedef struct
{
  GSocket   *sock;
  GPtrArray *frames;     /* GBytes: one FramebufferUpdate each */
  gint64     rtt_us;
  guint      sent;
} Server;

static void
srv_write (GSocket      *sock,
           const guint8 *data,
           gsize         len)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_socket_send (sock, (const char *) data + done, len - done, NULL, NULL);

      if (n <= 0)
        return;
      done += (gsize) n;
    }
}

static gboolean
srv_fill (GSocket    *sock,
          GByteArray *acc,
          gsize       n)
{
  while (acc->len < n)
    {
      guint8 buf[4096];
      gssize got = g_socket_receive (sock, (char *) buf, sizeof buf, NULL, NULL);

      if (got <= 0)
        return FALSE;
      g_byte_array_append (acc, buf, (guint) got);
    }
  return TRUE;
}

static gpointer
server_thread (gpointer data)
{
  Server *srv = data;
  g_autoptr(GByteArray) acc = g_byte_array_new ();
  g_autoptr(GArray) due = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint8 init[24 + 16] = { 0 };
  ObRfbPixelFormat f;
  static const guint8 sec[] = { 1, 1 };
  static const guint8 ok[] = { 0, 0, 0, 0 };

  srv_write (srv->sock, (const guint8 *) "RFB 004.000\n", 12);
  srv_fill (srv->sock, acc, 12);
  g_byte_array_remove_range (acc, 0, 12);
  srv_write (srv->sock, sec, sizeof sec);
  srv_fill (srv->sock, acc, 1);
  g_byte_array_remove_range (acc, 0, 1);
  srv_write (srv->sock, ok, sizeof ok);
  srv_fill (srv->sock, acc, 1);
  g_byte_array_remove_range (acc, 0, 1);
  init[0] = width >> 8;
  init[1] = width & 0xFF;
  init[2] = height >> 8;
  init[3] = height & 0xFF;
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  ob_rfb_pixel_format_write (&f, init + 4);
  init[23] = 16;
  memcpy (init + 24, "Intel(r) AMT KVM", 16);
  srv_write (srv->sock, init, sizeof init);

  while (srv->sent < srv->frames->len)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wait = due->len > 0 ? MAX (g_array_index (due, gint64, 0) - now, 0) : G_USEC_PER_SEC;

      if (g_socket_condition_timed_wait (srv->sock, G_IO_IN, wait, NULL, NULL))
        {
          guint8 buf[4096];
          gssize got = g_socket_receive (srv->sock, (char *) buf, sizeof buf, NULL, NULL);

          if (got <= 0)
            break;
          g_byte_array_append (acc, buf, (guint) got);
          /* Client messages: only requests matter; the rest is skipped. */
          for (;;)
            {
              gsize need;

              if (acc->len < 1)
                break;
              switch (acc->data[0])
                {
                case 0: need = 20; break;
                case 2: need = acc->len >= 4 ? 4 + 4 * (gsize) ((acc->data[2] << 8) | acc->data[3]) : 4; break;
                case 3: need = 10; break;
                case 4: need = 8; break;
                case 5: need = 6; break;
                default: g_error ("unexpected client message %u", acc->data[0]);
                }
              if (acc->len < need)
                break;
              if (acc->data[0] == 3)
                {
                  gint64 t = g_get_monotonic_time () + srv->rtt_us;

                  g_array_append_val (due, t);
                }
              g_byte_array_remove_range (acc, 0, (guint) need);
            }
        }
      now = g_get_monotonic_time ();
      while (due->len > 0 && g_array_index (due, gint64, 0) <= now && srv->sent < srv->frames->len)
        {
          GBytes *frame = g_ptr_array_index (srv->frames, srv->sent++);

          g_array_remove_index (due, 0);
          srv_write (srv->sock, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
        }
    }
  /* The socket stays open (the main thread closes it) until the client
   * has read everything. */
  return NULL;
}

static GPtrArray *
record_frames (guint n)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autofree guint32 *img = g_new (guint32, (gsize) width * height);
  ObRfbPixelFormat f;
  TestZrleEncoder enc;

  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  test_zrle_encoder_init (&enc, &f, 6);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GByteArray) s = g_byte_array_new ();
      guint tiles = ((width + 63) / 64) * ((height + 63) / 64);

      /* A desktop: wallpaper, a window with text, a clock that ticks. */
      for (guint y = 0; y < height; y++)
        for (guint x = 0; x < width; x++)
          {
            guint32 c = 0x0B3D91 + (y * 80 / height) * 0x000101;

            if (x > 100 && x < 700 && y > 80 && y < 500)
              c = ((x / 3 + y / 2 + (y > 100 ? 0 : i)) % 5 == 0) ? 0x202020 : 0xFFFFFF;
            if (y > height - 40 && x > width - 120)
              c = ((x + y + i * 7) % 9 == 0) ? 0xFFFFFF : 0x1F1F1F;
            img[(gsize) y * width + x] = c;
          }
      rfb_put_update_header (s, tiles);
      for (guint y = 0; y < height; y += 64)
        for (guint x = 0; x < width; x += 64)
          test_zrle_encode_rect (&enc, s, img, width, x, y, MIN (64, width - x), MIN (64, height - y), ZRLE_AUTO);
      g_ptr_array_add (frames, g_byte_array_free_to_bytes (g_steal_pointer (&s)));
    }
  test_zrle_encoder_clear (&enc);
  return frames;
}

typedef struct
{
  gboolean connected;
  guint    updates;
  gboolean closed;
} Counter;

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Counter *c = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_rfb_client_connect_finish (OB_RFB_CLIENT (source), result, &error))
    g_error ("connect: %s", error->message);
  c->connected = TRUE;
}

static void
on_update (ObRfbClient *client,
           Counter     *c)
{
  c->updates++;
}

static void
on_closed (ObRfbClient  *client,
           const GError *error,
           Counter      *c)
{
  c->closed = TRUE;
}

static double
measure (GPtrArray *frames,
         guint      rtt_ms,
         guint      pipeline)
{
  int fds[2];
  Server srv = { 0 };
  g_autoptr(GSocket) cs = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(ObRfbClient) client = NULL;
  GThread *thread;
  Counter c = { 0 };
  gint64 t0 = 0;
  guint first = 2;
  double fps;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  cs = g_socket_new_from_fd (fds[0], NULL);
  srv.sock = g_socket_new_from_fd (fds[1], NULL);
  srv.frames = frames;
  srv.rtt_us = (gint64) rtt_ms * 1000;
  thread = g_thread_new ("server", server_thread, &srv);

  conn = g_socket_connection_factory_create_connection (cs);
  client = ob_rfb_client_new (G_IO_STREAM (conn), NULL);
  ob_rfb_client_set_pipeline (client, pipeline);
  g_signal_connect (client, "update-done", G_CALLBACK (on_update), &c);
  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &c);
  ob_rfb_client_connect_async (client, NULL, on_connected, &c);
  while (c.updates < frames->len && !c.closed)
    {
      g_main_context_iteration (NULL, TRUE);
      /* Start the clock once the pipeline is primed. */
      if (t0 == 0 && c.updates >= first)
        t0 = g_get_monotonic_time ();
    }
  fps = (c.updates - first) / ((g_get_monotonic_time () - t0) / 1e6);
  ob_rfb_client_close (client);
  g_socket_shutdown (srv.sock, TRUE, TRUE, NULL);
  g_thread_join (thread);
  g_object_unref (srv.sock);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  return fps;
}

int
main (int   argc,
      char *argv[])
{
  int n = 40;
  g_autofree char *size = NULL;
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- update request pipelining");
  GOptionEntry entries[] = {
    { "frames", 0, 0, G_OPTION_ARG_INT, &n, "Updates per measurement", "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Screen size (1024x768)", "WxH" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  static const guint rtts[] = { 0, 5, 20, 50 };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (size != NULL && sscanf (size, "%ux%u", &width, &height) != 2)
    return 1;
  frames = record_frames ((guint) CLAMP (n, 4, 500));

  g_print ("full-screen updates per second, %ux%u RGB565 ZRLE, AMT-style tiles, %u KiB per update\n",
           width, height, (guint) (g_bytes_get_size (g_ptr_array_index (frames, 1)) / 1024));
  for (guint i = 0; i < G_N_ELEMENTS (rtts); i++)
    g_print ("RTT %3u ms: pipeline 1 %7.1f/s   pipeline 2 %7.1f/s\n", rtts[i],
             measure (frames, rtts[i], 1), measure (frames, rtts[i], 2));
  return 0;
}
