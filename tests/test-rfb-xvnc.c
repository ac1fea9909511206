/* test-rfb-xvnc.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObRfbClient against a real VNC server: TigerVNC's Xvnc.  A known picture
 * is put on the root window (ImageMagick's `display -window root`), read
 * back with `import` to be sure the server shows it, then fetched with
 * ZRLE and Raw at 16, 8 and 32 bpp and compared pixel by pixel (within
 * the precision of the format).  Also a live depth change and a resize
 * (xrandr -> DesktopSize).  Skipped only when Xvnc is not installed. */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "ob-rfb-client.h"

#define W 320
#define H 200

typedef struct
{
  GPid     pid;
  guint    display;
  guint    port;
  char    *dir;
  char    *ppm;
  guint32 *image;   /* 0xRRGGBB */
} Xvnc;

static Xvnc xvnc;

static gboolean
tools_present (void)
{
  g_autofree char *x = g_find_program_in_path ("Xvnc");

  return x != NULL;
}

static guint
free_port (void)
{
  g_autoptr(GSocketListener) l = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (l, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (l);
  return port;
}

static guint
free_display (void)
{
  for (guint n = 40; n < 200; n++)
    {
      g_autofree char *lock = g_strdup_printf ("/tmp/.X%u-lock", n);
      g_autofree char *sock = g_strdup_printf ("/tmp/.X11-unix/X%u", n);

      if (!g_file_test (lock, G_FILE_TEST_EXISTS) && !g_file_test (sock, G_FILE_TEST_EXISTS))
        return n;
    }
  g_error ("no free X display number");
  return 0;
}

/* ImageMagick's `display -window root` exits with 1 after setting the
 * root window, so its status is not checked (the picture is checked with
 * import instead). */
static void
run_x_tool_full (const char *const *argv,
                 gboolean           check_status)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *display = g_strdup_printf (":%u", xvnc.display);
  int status = 0;

  env = g_environ_setenv (env, "DISPLAY", display, TRUE);
  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  if (check_status)
    {
      g_spawn_check_wait_status (status, &error);
      g_assert_no_error (error);
    }
}

static void
run_x_tool (const char *const *argv)
{
  run_x_tool_full (argv, TRUE);
}

/* Flat areas, thin stripes, text-like specks, a gradient and noise: every
 * ZRLE subencoding gets used by the server. */
static guint32 *
make_picture (guint w,
              guint h)
{
  guint32 *img = g_new (guint32, (gsize) w * h);
  GRand *rand = g_rand_new_with_seed (42);

  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint32 c;

        if (y < 20)
          c = 0x2B5797;                                         /* title bar */
        else if (x < 80)
          c = 0x008080;                                         /* desktop */
        else if (x < 160)
          c = ((x / 2 + y / 3) % 4 == 0) ? 0x000000 : 0xFFFFFF; /* text-like */
        else if (x < 240)
          c = ((x - 160) * 3) << 16 | ((y * 255) / h) << 8 | 0x80;
        else
          c = g_rand_int (rand) & 0xFFFFFF;
        img[(gsize) y * w + x] = c;
      }
  g_rand_free (rand);
  return img;
}

static void
write_ppm (const char    *path,
           const guint32 *img,
           guint          w,
           guint          h)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree char *header = g_strdup_printf ("P6\n%u %u\n255\n", w, h);
  g_autoptr(GError) error = NULL;

  g_byte_array_append (out, (const guint8 *) header, (guint) strlen (header));
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      guint8 rgb[3] = { img[i] >> 16, (img[i] >> 8) & 0xFF, img[i] & 0xFF };

      g_byte_array_append (out, rgb, 3);
    }
  g_file_set_contents (path, (const char *) out->data, out->len, &error);
  g_assert_no_error (error);
}

/* The server's screen as 0xRRGGBB, read with ImageMagick's import. */
static guint32 *
grab_screen (guint *w,
             guint *h)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autofree char *display = g_strdup_printf (":%u", xvnc.display);
  g_autofree char *head = NULL;
  guint pw = 0, ph = 0, maxval = 0;
  int header = 0;
  guint32 *img;
  const guint8 *p;
  gsize len;

  g_subprocess_launcher_setenv (launcher, "DISPLAY", display, TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, "import", "-window", "root", "-depth", "8", "ppm:-", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (proc));
  p = g_bytes_get_data (out, &len);
  head = g_strndup ((const char *) p, MIN (len, 64));
  g_assert_cmpint (sscanf (head, "P6 %u %u %u%n", &pw, &ph, &maxval, &header), ==, 3);
  g_assert_cmpuint (maxval, ==, 255);
  /* One whitespace byte ends the header. */
  g_assert_cmpuint (len, ==, (gsize) header + 1 + (gsize) pw * ph * 3);
  p += header + 1;
  img = g_new (guint32, (gsize) pw * ph);
  for (gsize i = 0; i < (gsize) pw * ph; i++, p += 3)
    img[i] = (guint32) p[0] << 16 | (guint32) p[1] << 8 | p[2];
  *w = pw;
  *h = ph;
  return img;
}

/* Xvnc goes when the test does, even when an assertion aborts it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
xvnc_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *display = NULL;
  g_autofree char *port = NULL;
  gint64 deadline;

  xvnc.display = free_display ();
  xvnc.port = free_port ();
  display = g_strdup_printf (":%u", xvnc.display);
  port = g_strdup_printf ("%u", xvnc.port);
  {
    const char *argv[] = { "Xvnc", display, "-geometry", G_STRINGIFY (W) "x" G_STRINGIFY (H), "-depth", "24",
                           "-SecurityTypes", "None", "-rfbport", port, "-localhost", "-nolisten", "tcp",
                           "-AlwaysShared", NULL };

    g_spawn_async (NULL, (char **) argv, NULL,
                   G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                   | G_SPAWN_STDERR_TO_DEV_NULL,
                   die_with_parent, NULL, &xvnc.pid, &error);
    g_assert_no_error (error);
  }

  /* Ready when the RFB port answers and the X socket exists. */
  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GSocketClient) c = g_socket_client_new ();
      g_autoptr(GSocketConnection) conn = NULL;
      g_autofree char *sock = g_strdup_printf ("/tmp/.X11-unix/X%u", xvnc.display);

      conn = g_socket_client_connect_to_host (c, "127.0.0.1", (guint16) xvnc.port, NULL, NULL);
      if (conn != NULL && g_file_test (sock, G_FILE_TEST_EXISTS))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }

  xvnc.dir = g_dir_make_tmp ("outband-xvnc-XXXXXX", &error);
  g_assert_no_error (error);
  xvnc.ppm = g_build_filename (xvnc.dir, "picture.ppm", NULL);
  xvnc.image = make_picture (W, H);
  write_ppm (xvnc.ppm, xvnc.image, W, H);
  {
    const char *argv[] = { "display", "-window", "root", xvnc.ppm, NULL };

    run_x_tool_full (argv, FALSE);
  }
}

static void
xvnc_stop (void)
{
  if (xvnc.pid != 0)
    {
      kill (xvnc.pid, SIGTERM);
      waitpid (xvnc.pid, NULL, 0);
      g_spawn_close_pid (xvnc.pid);
    }
  if (xvnc.ppm != NULL)
    g_unlink (xvnc.ppm);
  if (xvnc.dir != NULL)
    g_rmdir (xvnc.dir);
  g_free (xvnc.ppm);
  g_free (xvnc.dir);
  g_free (xvnc.image);
}

/* ---- client plumbing ---------------------------------------------------- */

typedef struct
{
  ObRfbClient *client;
  gboolean     connected;
  GError      *connect_error;
  guint        updates;
  guint        resizes;
  GError      *closed_error;
  gboolean     closed;
} Session;

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Session *s = user_data;

  s->connected = ob_rfb_client_connect_finish (OB_RFB_CLIENT (source), result, &s->connect_error);
  if (!s->connected)
    g_assert_nonnull (s->connect_error);
}

static void
on_update (ObRfbClient *client,
           Session     *s)
{
  s->updates++;
}

static void
on_resized (ObFramebuffer *fb,
            guint          w,
            guint          h,
            Session       *s)
{
  s->resizes++;
}

static void
on_closed (ObRfbClient  *client,
           const GError *error,
           Session      *s)
{
  s->closed = TRUE;
  if (error != NULL)
    s->closed_error = g_error_copy (error);
}

static gboolean
iterate_until (gboolean *flag_or_null,
               guint    *counter,
               guint     at_least,
               guint     seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      if (flag_or_null != NULL && *flag_or_null)
        return TRUE;
      if (counter != NULL && *counter >= at_least)
        return TRUE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return FALSE;
}

static void
session_open (Session    *s,
              ObRfbDepth  depth,
              gboolean    raw)
{
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  memset (s, 0, sizeof *s);
  conn = g_socket_client_connect_to_host (sc, "127.0.0.1", (guint16) xvnc.port, NULL, &error);
  g_assert_no_error (error);
  s->client = ob_rfb_client_new (G_IO_STREAM (conn), NULL);
  ob_rfb_client_set_depth (s->client, depth);
  ob_rfb_client_set_prefer_raw (s->client, raw);
  g_signal_connect (s->client, "update-done", G_CALLBACK (on_update), s);
  g_signal_connect (s->client, "closed", G_CALLBACK (on_closed), s);
  ob_rfb_client_connect_async (s->client, NULL, on_connected, s);
  g_assert_true (iterate_until (&s->connected, NULL, 0, 10));
  g_assert_no_error (s->connect_error);
  g_signal_connect (ob_rfb_client_get_framebuffer (s->client), "resized", G_CALLBACK (on_resized), s);
  /* The first (full) update. */
  g_assert_true (iterate_until (NULL, &s->updates, 1, 10));
}

static void
session_close (Session *s)
{
  ob_rfb_client_close (s->client);
  g_assert_true (s->closed);
  g_assert_null (s->closed_error);
  /* Let the stream close and the pending read return. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&s->client);
}

/* Compare with @expect (0xRRGGBB) allowing the format's precision: a
 * channel of n bits is within 255 / (2^n - 1) (+1 for rounding) of the
 * truth.  Grey is not used with Xvnc. */
static void
assert_matches (ObFramebuffer          *fb,
                const guint32          *expect,
                guint                   w,
                guint                   h,
                const ObRfbPixelFormat *f)
{
  guint tol_r = 255 / f->red_max + 1, tol_g = 255 / f->green_max + 1, tol_b = 255 / f->blue_max + 1;
  guint bad = 0;

  g_assert_cmpuint (ob_framebuffer_get_width (fb), ==, w);
  g_assert_cmpuint (ob_framebuffer_get_height (fb), ==, h);
  if (f->red_max == 255)
    tol_r = tol_g = tol_b = 0;
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint32 want = expect[(gsize) y * w + x];
        guint32 got = ob_framebuffer_get_pixel (fb, x, y);
        int dr = (int) ((want >> 16) & 0xFF) - (int) ((got >> 16) & 0xFF);
        int dg = (int) ((want >> 8) & 0xFF) - (int) ((got >> 8) & 0xFF);
        int db = (int) (want & 0xFF) - (int) (got & 0xFF);

        if ((guint) ABS (dr) > tol_r || (guint) ABS (dg) > tol_g || (guint) ABS (db) > tol_b
            || (got >> 24) != 0xFF)
          {
            if (bad++ < 5)
              g_test_message ("pixel %u,%u: want %06x got %08x", x, y, want, got);
          }
      }
  g_assert_cmpuint (bad, ==, 0);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_screen_is_the_picture (void)
{
  guint w, h;
  g_autofree guint32 *screen = NULL;

  if (!tools_present ())
    {
      g_test_skip ("Xvnc is not installed");
      return;
    }
  screen = grab_screen (&w, &h);
  g_assert_cmpuint (w, ==, W);
  g_assert_cmpuint (h, ==, H);
  g_assert_cmpmem (screen, (gsize) w * h * 4, xvnc.image, (gsize) W * H * 4);
}

static void
check_fetch (ObRfbDepth depth,
             gboolean   raw)
{
  Session s;
  ObRfbPixelFormat f;
  guint sw, sh;
  g_autofree guint32 *screen = NULL;
  guint smaj, smin, umaj, umin;

  if (!tools_present ())
    {
      g_test_skip ("Xvnc is not installed");
      return;
    }
  session_open (&s, depth, raw);
  ob_rfb_client_get_version (s.client, &smaj, &smin, &umaj, &umin);
  g_assert_cmpuint (smaj, ==, 3);
  g_assert_cmpuint (smin, ==, 8);
  g_assert_cmpuint (umin, ==, 8);
  g_assert_nonnull (ob_rfb_client_get_desktop_name (s.client));
  ob_rfb_pixel_format_for_depth (&f, depth);
  screen = grab_screen (&sw, &sh);
  assert_matches (ob_rfb_client_get_framebuffer (s.client), screen, sw, sh, &f);
  g_assert_cmpuint (ob_rfb_client_get_bytes_received (s.client), >, 0);
  /* The server really used the encoding asked for. */
  if (raw)
    g_assert_cmpuint (ob_rfb_decoder_get_bytes_inflated (ob_rfb_client_get_decoder (s.client)), ==, 0);
  else
    g_assert_cmpuint (ob_rfb_decoder_get_bytes_inflated (ob_rfb_client_get_decoder (s.client)), >, 0);
  session_close (&s);
}

static void test_zrle_16 (void) { check_fetch (OB_RFB_DEPTH_16, FALSE); }
static void test_zrle_8 (void)  { check_fetch (OB_RFB_DEPTH_8, FALSE); }
static void test_zrle_32 (void) { check_fetch (OB_RFB_DEPTH_32, FALSE); }
static void test_raw_16 (void)  { check_fetch (OB_RFB_DEPTH_16, TRUE); }
static void test_raw_8 (void)   { check_fetch (OB_RFB_DEPTH_8, TRUE); }

/* Change the depth while running, then change the screen: the new content
 * arrives in the new format. */
static void
test_live_depth_and_resize (void)
{
  Session s;
  ObRfbPixelFormat f;
  guint sw, sh, before;
  g_autofree guint32 *screen = NULL;
  g_autofree guint32 *screen2 = NULL;

  if (!tools_present ())
    {
      g_test_skip ("Xvnc is not installed");
      return;
    }
  session_open (&s, OB_RFB_DEPTH_16, FALSE);

  ob_rfb_client_set_depth (s.client, OB_RFB_DEPTH_8);
  g_assert_cmpint (ob_rfb_client_get_depth (s.client), ==, OB_RFB_DEPTH_8);
  before = s.updates;
  {
    const char *argv[] = { "xsetroot", "-solid", "#C04080", NULL };

    run_x_tool (argv);
  }
  /* The change shows up (after the depth switch and its full refresh). */
  g_assert_true (iterate_until (NULL, &s.updates, before + 1, 10));
  /* Let any follow-up update land. */
  iterate_until (NULL, &s.updates, before + 3, 1);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_8);
  screen = grab_screen (&sw, &sh);
  assert_matches (ob_rfb_client_get_framebuffer (s.client), screen, sw, sh, &f);

  /* Resize with RandR: a DesktopSize rectangle, then the new screen. */
  {
    const char *argv[] = { "xrandr", "--fb", "400x300", NULL };

    run_x_tool (argv);
  }
  g_assert_true (iterate_until (NULL, &s.resizes, 1, 10));
  before = s.updates;
  {
    const char *argv[] = { "xsetroot", "-solid", "#20A040", NULL };

    run_x_tool (argv);
  }
  g_assert_true (iterate_until (NULL, &s.updates, before + 1, 10));
  iterate_until (NULL, &s.updates, before + 3, 1);
  screen2 = grab_screen (&sw, &sh);
  g_assert_cmpuint (sw, ==, 400);
  g_assert_cmpuint (sh, ==, 300);
  assert_matches (ob_rfb_client_get_framebuffer (s.client), screen2, sw, sh, &f);

  /* Input goes through without upsetting the server. */
  ob_rfb_client_pointer_event (s.client, OB_RFB_BUTTON_LEFT, 10, 10);
  ob_rfb_client_pointer_event (s.client, 0, 5000, 5000);
  ob_rfb_client_key_event (s.client, OB_KEYSYM_CONTROL_L, TRUE);
  ob_rfb_client_release_all_keys (s.client);
  ob_rfb_client_request_refresh (s.client);
  before = s.updates;
  g_assert_true (iterate_until (NULL, &s.updates, before + 1, 10));
  g_assert_false (s.closed);

  session_close (&s);
  {
    const char *argv[] = { "xrandr", "--fb", G_STRINGIFY (W) "x" G_STRINGIFY (H), NULL };

    run_x_tool (argv);
  }
  {
    const char *argv[] = { "display", "-window", "root", xvnc.ppm, NULL };

    run_x_tool_full (argv, FALSE);
  }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  if (tools_present ())
    xvnc_start ();

  g_test_add_func ("/rfb-xvnc/screen-is-the-picture", test_screen_is_the_picture);
  g_test_add_func ("/rfb-xvnc/zrle-16", test_zrle_16);
  g_test_add_func ("/rfb-xvnc/zrle-8", test_zrle_8);
  g_test_add_func ("/rfb-xvnc/zrle-32", test_zrle_32);
  g_test_add_func ("/rfb-xvnc/raw-16", test_raw_16);
  g_test_add_func ("/rfb-xvnc/raw-8", test_raw_8);
  g_test_add_func ("/rfb-xvnc/live-depth-and-resize", test_live_depth_and_resize);

  ret = g_test_run ();
  xvnc_stop ();
  return ret;
}
