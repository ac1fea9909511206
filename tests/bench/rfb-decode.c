/* rfb-decode.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ZRLE decoding speed of ObRfbDecoder on full 1920×1080 screens.
 *
 * The input is generated here, not recorded: a desktop-like scene
 * (gradient wallpaper, a photo, windows with title bars and anti-aliased
 * text, a terminal, a taskbar with a clock) is drawn for a number of
 * frames (the clock ticks, the terminal scrolls, the pointer moves), and
 * every frame is encoded as a full-screen update by the test ZRLE encoder
 * (tests/rfb-test-encoder.h: per 64×64 tile the smallest of raw, solid,
 * packed palette, plain RLE and palette RLE, as servers choose; one
 * deflate stream with a sync flush per rectangle, level 6).  Two layouts:
 * "amt" (one rectangle per tile, as AMT sends) and "vnc" (one rectangle
 * for the whole screen, as TigerVNC sends).
 *
 * The timed part is only ob_rfb_decoder_decode() over the whole recorded
 * stream (a fresh decoder per pass, because the zlib stream is
 * continuous), on one core.  Prints frames per second, compressed MB/s in
 * and framebuffer MB/s out.
 *
 *   _build/tests/bench/rfb-decode [--frames N] [--seconds S] [--size WxH]
 *
 * Side by side with libgvnc (gtk-vnc's VncConnection, when built with
 * it): its decoder only runs inside a connection, so both clients are fed
 * the same recorded stream over a socket pair by a server thread that
 * does the RFB 3.8 handshake and then writes every update at once.  Both
 * are timed the same way (wall clock and main-thread CPU from the first
 * update byte to the last update decoded), and their framebuffers are
 * compared at the end. */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sys/socket.h>

#include "../rfb-test-encoder.h"
#include "ob-framebuffer.h"
#include "ob-rfb-client.h"
#include "ob-rfb-decoder.h"
#include "ob-rfb-decoder-private.h"

#ifdef HAVE_GVNC
#include <gvnc.h>
#endif

static guint width = 1920, height = 1080;
/* --portable-tiles: ob_rfb_decoder_set_portable() on every decoder. */
static gboolean portable_tiles;

/* @t: 0..255, the weight of @b. */
static guint32
mix (guint32 a,
     guint32 b,
     guint   t)
{
  guint32 r = (((a >> 16) & 0xFF) * (255 - t) + ((b >> 16) & 0xFF) * t) / 255;
  guint32 g = (((a >> 8) & 0xFF) * (255 - t) + ((b >> 8) & 0xFF) * t) / 255;
  guint32 bl = ((a & 0xFF) * (255 - t) + (b & 0xFF) * t) / 255;

  return (r << 16) | (g << 8) | bl;
}

static void
fill_rect (guint32 *img,
           int      x0,
           int      y0,
           int      w,
           int      h,
           guint32  c)
{
  for (int y = MAX (y0, 0); y < MIN (y0 + h, (int) height); y++)
    for (int x = MAX (x0, 0); x < MIN (x0 + w, (int) width); x++)
      img[(gsize) y * width + x] = c;
}

/* Pseudo glyphs: 7×11 cells whose pixels come from a hash of the
 * character, with an anti-aliased edge (4 levels between ink and paper). */
static void
draw_text (guint32    *img,
           int         x0,
           int         y0,
           const char *text,
           guint32     ink,
           guint32     paper)
{
  for (const char *p = text; *p != '\0'; p++, x0 += 8)
    {
      guint32 h = (guint32) (guchar) *p * 2654435761u;

      if (*p == ' ')
        continue;
      for (int y = 0; y < 11; y++)
        for (int x = 0; x < 7; x++)
          {
            guint bit = (h >> ((x * 3 + y * 5) % 29)) & 3;
            int px = x0 + x, py = y0 + y;

            if (px < 0 || py < 0 || px >= (int) width || py >= (int) height)
              continue;
            if (y == 0 || y == 10 || x == 6)
              continue;
            img[(gsize) py * width + px] = mix (paper, ink, bit * 85);
          }
    }
}

static void
draw_window (guint32    *img,
             int         x,
             int         y,
             int         w,
             int         h,
             const char *title,
             guint       frame,
             guint       scroll)
{
  /* Shadow, frame, title bar with a horizontal gradient, white body. */
  fill_rect (img, x + 6, y + 6, w, h, 0x202020);
  fill_rect (img, x, y, w, h, 0xFFFFFF);
  for (int i = 0; i < w; i++)
    fill_rect (img, x + i, y, 1, 28, mix (0x2B5797, 0x5A8AC6, (guint) (i * 255 / w)));
  draw_text (img, x + 10, y + 8, title, 0xFFFFFF, 0x3A6AA8);
  fill_rect (img, x + w - 24, y + 6, 16, 16, 0xE81123);
  for (int line = 0; line < (h - 40) / 16; line++)
    {
      char buf[128];

      g_snprintf (buf, sizeof buf, "%04u  The quick brown fox jumps over the lazy dog, line %u of the log",
                  line + scroll, (line + scroll) * 7 + frame % 3);
      draw_text (img, x + 12, y + 36 + line * 16, buf, 0x202020, 0xFFFFFF);
    }
}

static void
draw_scene (guint32 *img,
            guint    frame)
{
  GRand *rand = g_rand_new_with_seed (7);
  char clock[32];

  /* Wallpaper: a vertical gradient with a soft diagonal band. */
  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        guint t = y * 255 / height;
        guint32 c = mix (0x0B3D91, 0x1C9CA8, t);

        if (((x + y) / 240) % 2 == 0)
          c = mix (c, 0xFFFFFF, 18);
        img[(gsize) y * width + x] = c;
      }

  /* A photo: smooth shapes plus sensor noise. */
  for (guint y = 120; y < 480 && y < height; y++)
    for (guint x = 1300; x < 1820 && x < width; x++)
      {
        double fx = (x - 1300) / 520.0, fy = (y - 120) / 360.0;
        guint r = (guint) (127 + 120 * sin (fx * 6.0 + fy * 2.0));
        guint g = (guint) (127 + 120 * sin (fy * 5.0 + 1.0));
        guint b = (guint) (127 + 120 * cos ((fx + fy) * 4.0));
        guint n = g_rand_int_range (rand, 0, 24);

        img[(gsize) y * width + x] = (MIN (r + n, 255u) << 16) | (MIN (g + n, 255u) << 8) | MIN (b + n, 255u);
      }

  draw_window (img, 80, 60, 900, 560, "Documents - Text Editor", frame, 0);
  draw_window (img, 420, 380, 760, 520, "System Log", frame, frame * 3);

  /* A terminal that scrolls each frame. */
  fill_rect (img, 1000, 560, 860, 400, 0x101010);
  for (int line = 0; line < 24; line++)
    {
      char buf[128];

      g_snprintf (buf, sizeof buf, "user@host:~$ make -j2  [%3u%%] Building C object src/file%u.c.o",
                  (line + frame) % 101, line + frame);
      draw_text (img, 1010, 570 + line * 16, buf, 0x33DD55, 0x101010);
    }

  /* Taskbar with icons and a clock. */
  fill_rect (img, 0, (int) height - 44, (int) width, 44, 0x1F1F1F);
  for (int i = 0; i < 9; i++)
    fill_rect (img, 12 + i * 52, (int) height - 36, 32, 28, 0x3070C0 + (guint32) i * 0x101010);
  g_snprintf (clock, sizeof clock, "12:%02u:%02u", (frame / 60) % 60, frame % 60);
  draw_text (img, (int) width - 90, (int) height - 28, clock, 0xFFFFFF, 0x1F1F1F);

  /* The pointer. */
  fill_rect (img, 700 + (int) frame * 13, 300 + (int) frame * 7, 12, 18, 0xFFFFFF);
  fill_rect (img, 701 + (int) frame * 13, 301 + (int) frame * 7, 10, 16, 0x000000);

  g_rand_free (rand);
}

/* Encode @frames full screens into one stream. */
static GBytes *
record (const ObRfbPixelFormat *f,
        guint                   frames,
        gboolean                amt_tiles)
{
  g_autoptr(GByteArray) s = g_byte_array_new ();
  g_autofree guint32 *img = g_new (guint32, (gsize) width * height);
  TestZrleEncoder enc;
  guint tiles_x = (width + 63) / 64, tiles_y = (height + 63) / 64;

  test_zrle_encoder_init (&enc, f, 6);
  for (guint i = 0; i < frames; i++)
    {
      draw_scene (img, i);
      if (amt_tiles)
        {
          rfb_put_update_header (s, tiles_x * tiles_y);
          for (guint y = 0; y < height; y += 64)
            for (guint x = 0; x < width; x += 64)
              test_zrle_encode_rect (&enc, s, img, width, x, y, MIN (64, width - x), MIN (64, height - y), ZRLE_AUTO);
        }
      else
        {
          rfb_put_update_header (s, 1);
          test_zrle_encode_rect (&enc, s, img, width, 0, 0, width, height, ZRLE_AUTO);
        }
    }
  test_zrle_encoder_clear (&enc);
  return g_byte_array_free_to_bytes (g_steal_pointer (&s));
}

/* CPU time of this thread: the figure for "one core" even when other
 * processes share the machine. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Decode the whole stream once (a new decoder: the zlib stream starts
 * over); returns the updates seen. */
static guint
decode_all (ObFramebuffer          *fb,
            const ObRfbPixelFormat *f,
            GBytes                 *stream,
            guint64                *inflated)
{
  g_autoptr(ObRfbDecoder) dec = ob_rfb_decoder_new (fb, f);
  const guint8 *p = g_bytes_get_data (stream, NULL);
  gsize len = g_bytes_get_size (stream), pos = 0;
  guint updates = 0;

  if (portable_tiles)
    ob_rfb_decoder_set_portable (dec, TRUE);

  while (pos < len)
    {
      g_autoptr(GError) error = NULL;
      gsize used = 0;
      ObRfbEvent ev = 0;

      if (ob_rfb_decoder_decode (dec, p + pos, len - pos, &used, &ev, &error) != OB_RFB_DECODE_OK)
        g_error ("decode failed: %s", error != NULL ? error->message : "truncated");
      pos += used;
      if (ev & OB_RFB_EVENT_UPDATE_END)
        {
          updates++;
          ob_framebuffer_flush_damage (fb);
        }
    }
  *inflated = ob_rfb_decoder_get_bytes_inflated (dec);
  return updates;
}

static void
run (const char *label,
     ObRfbDepth  depth,
     gboolean    amt_tiles,
     guint       frames,
     double      seconds)
{
  ObRfbPixelFormat f;
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (width, height);
  gint64 t0, t1, c0, c1, cpu;
  guint passes = 0, updates = 0;
  guint64 inflated = 0;
  double fps, wall_fps, in_mb, out_mb;

  ob_rfb_pixel_format_for_depth (&f, depth);
  stream = record (&f, frames, amt_tiles);

  /* Warm up once, then time whole passes. */
  decode_all (fb, &f, stream, &inflated);
  t0 = g_get_monotonic_time ();
  c0 = thread_cpu_us ();
  do
    {
      updates += decode_all (fb, &f, stream, &inflated);
      passes++;
      t1 = g_get_monotonic_time ();
      c1 = thread_cpu_us ();
    }
  while ((c1 - c0) < (gint64) (seconds * G_USEC_PER_SEC));
  cpu = c1 - c0;

  fps = updates / (cpu / 1e6);
  wall_fps = updates / ((t1 - t0) / 1e6);
  in_mb = (double) g_bytes_get_size (stream) * passes / (cpu / 1e6) / 1e6;
  out_mb = fps * width * height * 4 / 1e6;
  g_print ("%-22s %ux%u  %6.1f KiB/frame (inflated %6.1f KiB)  %6.1f frames/s  %6.1f MB/s in  %6.1f MB/s out"
           "  (wall clock: %.1f frames/s)\n",
           label, width, height, g_bytes_get_size (stream) / 1024.0 / frames, inflated / 1024.0 / frames,
           fps, in_mb, out_mb, wall_fps);
}

/* ---- side by side over a socket pair ------------------------------------ */

typedef struct
{
  GSocket *sock;
  GBytes  *stream;
  gint64   started;   /* when the first update byte was written */
} Feeder;

static void
feed_write (GSocket      *sock,
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

static void
feed_read (GSocket *sock,
           gsize    n)
{
  guint8 buf[64];

  while (n > 0)
    {
      gssize got = g_socket_receive (sock, (char *) buf, MIN (n, sizeof buf), NULL, NULL);

      if (got <= 0)
        return;
      n -= (gsize) got;
    }
}

static gpointer
feeder_thread (gpointer data)
{
  Feeder *fd = data;
  guint8 init[24 + 4] = { width >> 8, width & 0xFF, height >> 8, height & 0xFF };
  ObRfbPixelFormat f;
  static const guint8 sec[] = { 1, 1 };
  static const guint8 ok[] = { 0, 0, 0, 0 };

  feed_write (fd->sock, (const guint8 *) "RFB 003.008\n", 12);
  feed_read (fd->sock, 12);
  feed_write (fd->sock, sec, sizeof sec);
  feed_read (fd->sock, 1);
  feed_write (fd->sock, ok, sizeof ok);
  feed_read (fd->sock, 1);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  ob_rfb_pixel_format_write (&f, init + 4);
  init[23] = 4;
  memcpy (init + 24, "fake", 4);
  feed_write (fd->sock, init, sizeof init);
  /* The client's SetPixelFormat (20 bytes) says it is ready; what else it
   * sends is left in the socket. */
  feed_read (fd->sock, 20);
  fd->started = g_get_monotonic_time ();
  feed_write (fd->sock, g_bytes_get_data (fd->stream, NULL), g_bytes_get_size (fd->stream));
  return NULL;
}

typedef struct
{
  guint   target;       /* signals that mean "all decoded" */
  guint   count;
  gint64  done_at;
  gint64  cpu_at_start;
  gint64  cpu_used;
  gboolean failed;
} Progress;

static void
side_result (const char *who,
             Progress   *p,
             Feeder     *fd,
             guint       frames)
{
  double wall = (p->done_at - fd->started) / 1e6;

  g_print ("  %-8s %7.1f frames/s (wall clock)  %7.1f frames/s (main thread CPU)\n",
           who, frames / wall, frames / (p->cpu_used / 1e6));
}

static void
ours_update (ObRfbClient *client,
             Progress    *p)
{
  if (++p->count == p->target)
    {
      p->done_at = g_get_monotonic_time ();
      p->cpu_used = thread_cpu_us () - p->cpu_at_start;
    }
}

static void
ours_closed (ObRfbClient  *client,
             const GError *error,
             Progress     *p)
{
  p->failed = TRUE;
}

static guint32 *
side_ours (GBytes *stream,
           guint   frames)
{
  int fds[2];
  Feeder fd = { 0 };
  Progress p = { 0 };
  g_autoptr(GSocket) cs = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(ObRfbClient) client = NULL;
  GThread *thread;
  guint32 *pixels;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  cs = g_socket_new_from_fd (fds[0], NULL);
  fd.sock = g_socket_new_from_fd (fds[1], NULL);
  fd.stream = stream;
  thread = g_thread_new ("feeder", feeder_thread, &fd);
  conn = g_socket_connection_factory_create_connection (cs);
  client = ob_rfb_client_new (G_IO_STREAM (conn), NULL);
  /* The first update answers the client's own request. */
  p.target = frames;
  p.cpu_at_start = thread_cpu_us ();
  g_signal_connect (client, "update-done", G_CALLBACK (ours_update), &p);
  g_signal_connect (client, "closed", G_CALLBACK (ours_closed), &p);
  ob_rfb_client_connect_async (client, NULL, NULL, NULL);
  while (p.count < p.target && !p.failed)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  if (p.failed)
    g_error ("ObRfbClient failed on the recorded stream");
  side_result ("outband", &p, &fd, frames);
  pixels = g_memdup2 (ob_framebuffer_get_data (ob_rfb_client_get_framebuffer (client)), (gsize) width * height * 4);
  ob_rfb_client_close (client);
  g_object_unref (fd.sock);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  return pixels;
}

#ifdef HAVE_GVNC
typedef struct
{
  Progress            p;
  guint8             *buffer;
  VncBaseFramebuffer *fb;
  gboolean            gone;
} Gvnc;

static void
gvnc_choose_type (VncConnection *conn,
                  GValueArray   *types,
                  Gvnc          *g)
{
  vnc_connection_set_auth_type (conn, VNC_CONNECTION_AUTH_NONE);
}

static void
gvnc_initialized (VncConnection *conn,
                  Gvnc          *g)
{
  /* What VncDisplay does at depth DEFAULT on AMT: RGB565 remote, 32-bit
   * local. */
  VncPixelFormat remote = { 16, 16, G_LITTLE_ENDIAN, 1, 31, 63, 31, 11, 5, 0 };
  VncPixelFormat local = { 32, 24, G_BYTE_ORDER, 1, 255, 255, 255, 16, 8, 0 };
  gint32 encodings[] = { VNC_CONNECTION_ENCODING_ZRLE, VNC_CONNECTION_ENCODING_RAW };

  vnc_connection_set_pixel_format (conn, &remote);
  g->buffer = g_malloc0 ((gsize) width * height * 4);
  g->fb = vnc_base_framebuffer_new (g->buffer, (guint16) width, (guint16) height, (int) width * 4, &local, &remote);
  vnc_connection_set_framebuffer (conn, VNC_FRAMEBUFFER (g->fb));
  vnc_connection_set_encodings (conn, G_N_ELEMENTS (encodings), encodings);
  vnc_connection_framebuffer_update_request (conn, FALSE, 0, 0, (guint16) width, (guint16) height);
  g->p.cpu_at_start = thread_cpu_us ();
}

static void
gvnc_update (VncConnection *conn,
             guint16        x,
             guint16        y,
             guint16        w,
             guint16        h,
             Gvnc          *g)
{
  if (++g->p.count == g->p.target)
    {
      g->p.done_at = g_get_monotonic_time ();
      g->p.cpu_used = thread_cpu_us () - g->p.cpu_at_start;
    }
}

static void
gvnc_gone (VncConnection *conn,
           Gvnc          *g)
{
  g->gone = TRUE;
}

static guint32 *
side_gvnc (GBytes *stream,
           guint   frames,
           guint   rects_per_frame)
{
  int fds[2];
  Feeder fd = { 0 };
  Gvnc g = { { 0 } };
  GThread *thread;
  VncConnection *conn;
  guint32 *pixels;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  fd.sock = g_socket_new_from_fd (fds[1], NULL);
  fd.stream = stream;
  thread = g_thread_new ("feeder", feeder_thread, &fd);
  conn = vnc_connection_new ();
  g.p.target = frames * rects_per_frame;
  g_signal_connect (conn, "vnc-auth-choose-type", G_CALLBACK (gvnc_choose_type), &g);
  g_signal_connect (conn, "vnc-initialized", G_CALLBACK (gvnc_initialized), &g);
  g_signal_connect (conn, "vnc-framebuffer-update", G_CALLBACK (gvnc_update), &g);
  g_signal_connect (conn, "vnc-disconnected", G_CALLBACK (gvnc_gone), &g);
  vnc_connection_open_fd (conn, fds[0]);
  while (g.p.count < g.p.target && !g.gone)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  if (g.gone)
    g_error ("libgvnc disconnected on the recorded stream");
  side_result ("libgvnc", &g.p, &fd, frames);
  pixels = g_memdup2 (g.buffer, (gsize) width * height * 4);
  vnc_connection_shutdown (conn);
  while (!g.gone)
    g_main_context_iteration (NULL, TRUE);
  g_object_unref (conn);
  g_clear_object (&g.fb);
  g_free (g.buffer);
  g_object_unref (fd.sock);
  return pixels;
}
#endif

static void
side_by_side (gboolean amt_tiles,
              guint    frames)
{
  ObRfbPixelFormat f;
  g_autoptr(GBytes) stream = NULL;
  g_autofree guint32 *ours = NULL;

  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  stream = record (&f, frames, amt_tiles);
  g_print ("16 bpp, %s, %u frames through a socket pair:\n", amt_tiles ? "AMT tiles" : "one rectangle", frames);
  ours = side_ours (stream, frames);
#ifdef HAVE_GVNC
  {
    g_autofree guint32 *theirs = side_gvnc (stream, frames, amt_tiles ? ((width + 63) / 64) * ((height + 63) / 64) : 1);
    guint differ = 0;

    /* gtk-vnc widens 5/6-bit channels by shifting, we by scaling: allow
     * that much. */
    for (gsize i = 0; i < (gsize) width * height; i++)
      for (guint sh = 0; sh < 24; sh += 8)
        if (ABS ((int) ((ours[i] >> sh) & 0xFF) - (int) ((theirs[i] >> sh) & 0xFF)) > 8)
          {
            differ++;
            break;
          }
    g_print ("  pixels that differ by more than rounding: %u of %u\n", differ, width * height);
  }
#else
  g_print ("  libgvnc: not built with it (install libgvnc-1.0-dev)\n");
#endif
}

int
main (int   argc,
      char *argv[])
{
  int frames = 16;
  double seconds = 3.0;
  g_autofree char *size = NULL;
  g_autofree char *only = NULL;
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- ZRLE decoding benchmark");
  GOptionEntry entries[] = {
    { "frames", 0, 0, G_OPTION_ARG_INT, &frames, "Distinct frames in the recorded stream", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Time per measurement", "S" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Screen size (1920x1080)", "WxH" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "One case: amt16, rect16, amt8, rect8 or side", "CASE" },
    { "portable-tiles", 0, 0, G_OPTION_ARG_NONE, &portable_tiles, "Decode tiles with the portable (not AVX2) loops", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (size != NULL && sscanf (size, "%ux%u", &width, &height) != 2)
    {
      g_printerr ("bad --size\n");
      return 1;
    }
  frames = CLAMP (frames, 1, 1000);

  g_print ("ZRLE decode, one core, %d generated desktop frames per pass\n", frames);
#define WANT(name) (only == NULL || g_strcmp0 (only, name) == 0)
  if (WANT ("amt16"))
    run ("16 bpp, AMT tiles", OB_RFB_DEPTH_16, TRUE, (guint) frames, seconds);
  if (WANT ("rect16"))
    run ("16 bpp, one rectangle", OB_RFB_DEPTH_16, FALSE, (guint) frames, seconds);
  if (WANT ("amt8"))
    run ("8 bpp, AMT tiles", OB_RFB_DEPTH_8, TRUE, (guint) frames, seconds);
  if (WANT ("rect8"))
    run ("8 bpp, one rectangle", OB_RFB_DEPTH_8, FALSE, (guint) frames, seconds);
  if (WANT ("side"))
    {
      side_by_side (FALSE, (guint) frames);
      side_by_side (TRUE, (guint) frames);
    }
#undef WANT
  return 0;
}
