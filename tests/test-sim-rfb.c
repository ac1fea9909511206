/* test-sim-rfb.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <zlib.h>

#include "ob-sim-rfb-server.h"
#include "ob-sim-screen.h"

/* A fixed clock: the screen stays still while a test compares pixels. */
#define STILL_TIME 1796000000

/* ---- A scripted viewer over a socket pair ------------------------------------ */

typedef struct
{
  guint8   bpp;
  gboolean grey;
  guint    max[3];
  guint    shift[3];
} TestFormat;

static const TestFormat rgb565 = { 16, FALSE, { 31, 63, 31 }, { 11, 5, 0 } };
static const TestFormat rgb332 = { 8, FALSE, { 7, 7, 3 }, { 5, 2, 0 } };
static const TestFormat grey8 = { 8, TRUE, { 255, 0, 0 }, { 0, 0, 0 } };
static const TestFormat grey4 = { 8, TRUE, { 15, 0, 0 }, { 0, 0, 0 } };

typedef struct
{
  ObSimScreen    *screen;
  ObSimRfbServer *server;
  GIOStream      *client;
  GByteArray     *in;
  gboolean        closed;      /* the server closed our end */
  guint           width;
  guint           height;
  guint32        *fb;          /* what the viewer decoded, in the viewer's format */
  TestFormat      format;
  z_stream        zs;
  gboolean        zs_ready;
  guint           rects;       /* rectangles of the last update */
  gsize           zrle_bytes;  /* compressed bytes of the last update */
  gsize           zrle_inflated;
  guint           bells;
  GByteArray     *cut_text;    /* last ServerCutText */
  gboolean        resized;
} Viewer;

static void
make_pair (GIOStream **a,
           GIOStream **b)
{
  int fds[2];
  g_autoptr(GSocket) sa = NULL;
  g_autoptr(GSocket) sb = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  sa = g_socket_new_from_fd (fds[0], NULL);
  sb = g_socket_new_from_fd (fds[1], NULL);
  g_assert_nonnull (sa);
  g_assert_nonnull (sb);
  *a = G_IO_STREAM (g_socket_connection_factory_create_connection (sa));
  *b = G_IO_STREAM (g_socket_connection_factory_create_connection (sb));
}

static void
viewer_init (Viewer *v,
             guint   width,
             guint   height)
{
  g_autoptr(GIOStream) server_end = NULL;

  memset (v, 0, sizeof *v);
  v->screen = ob_sim_screen_new (width, height);
  ob_sim_screen_set_fixed_time (v->screen, STILL_TIME);
  ob_sim_screen_set_identity (v->screen, "sim-test", "8c4e1f2a-0000-4000-8000-0123456789ab", "16.1.25");
  v->server = ob_sim_rfb_server_new (v->screen);
  make_pair (&v->client, &server_end);
  ob_sim_rfb_server_serve_stream (v->server, server_end);
  v->in = g_byte_array_new ();
  v->cut_text = g_byte_array_new ();
  v->format = rgb565;
}

static void
viewer_clear (Viewer *v)
{
  ob_sim_rfb_server_stop (v->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (v->zs_ready)
    inflateEnd (&v->zs);
  g_io_stream_close (v->client, NULL, NULL);
  g_clear_object (&v->client);
  g_assert_finalize_object (v->server);
  g_assert_finalize_object (v->screen);
  g_byte_array_unref (v->in);
  g_byte_array_unref (v->cut_text);
  g_free (v->fb);
}

static void
viewer_send (Viewer       *v,
             const guint8 *data,
             gsize         size)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (v->client), data, size,
                                            NULL, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
on_deadline (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Run the main loop until @n bytes have arrived (or the server closed):
 * TRUE if they are there. */
static gboolean
viewer_wait (Viewer *v,
             gsize   n)
{
  GPollableInputStream *input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (v->client));
  gboolean expired = FALSE;
  guint deadline = g_timeout_add_seconds (10, on_deadline, &expired);

  while (v->in->len < n && !v->closed && !expired)
    {
      guint8 buffer[65536];
      g_autoptr(GError) error = NULL;
      gssize got = g_pollable_input_stream_read_nonblocking (input, buffer, sizeof buffer, NULL, &error);

      if (got > 0)
        g_byte_array_append (v->in, buffer, (guint) got);
      else if (got == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        v->closed = TRUE;
      else
        g_main_context_iteration (NULL, TRUE);
    }
  if (!expired)
    g_source_remove (deadline);
  g_assert_false (expired);
  return v->in->len >= n;
}

static void
viewer_take (Viewer *v,
             guint8 *out,
             gsize   n)
{
  g_assert_true (viewer_wait (v, n));
  if (out != NULL)
    memcpy (out, v->in->data, n);
  g_byte_array_remove_range (v->in, 0, (guint) n);
}

static guint
take_u8 (Viewer *v)
{
  guint8 b;

  viewer_take (v, &b, 1);
  return b;
}

static guint
take_u16 (Viewer *v)
{
  guint8 b[2];

  viewer_take (v, b, 2);
  return (guint) (b[0] << 8 | b[1]);
}

static guint32
take_u32 (Viewer *v)
{
  guint8 b[4];

  viewer_take (v, b, 4);
  return (guint32) b[0] << 24 | (guint32) b[1] << 16 | (guint32) b[2] << 8 | b[3];
}

/* The viewer's end of the server closing, with nothing else sent. */
static void
assert_closed (Viewer *v)
{
  viewer_wait (v, G_MAXSIZE);
  g_assert_true (v->closed);
}

/* Greeting, version @minor answer, security None, ClientInit, ServerInit. */
static void
viewer_handshake (Viewer *v,
                  guint   minor)
{
  guint8 greeting[12];
  g_autofree char *answer = g_strdup_printf ("RFB 003.%03u\n", minor);
  static const guint8 none = 1, shared = 1;
  guint8 format[16];
  guint32 name_length;
  char name[64];

  viewer_take (v, greeting, 12);
  g_assert_cmpmem (greeting, 12, "RFB 004.000\n", 12);
  viewer_send (v, (const guint8 *) answer, 12);
  if (minor >= 7)
    {
      guint8 types[3];

      viewer_take (v, types, 3);
      g_assert_cmpuint (types[0], ==, 2);
      g_assert_cmpuint (types[1], ==, 1);
      g_assert_cmpuint (types[2], ==, 128);
      viewer_send (v, &none, 1);
      if (minor >= 8)
        g_assert_cmpuint (take_u32 (v), ==, 0);
    }
  else
    g_assert_cmpuint (take_u32 (v), ==, 1);
  viewer_send (v, &shared, 1);

  v->width = take_u16 (v);
  v->height = take_u16 (v);
  viewer_take (v, format, 16);
  /* RGB565, little-endian, true colour (the trace in §2.1). */
  g_assert_cmpmem (format, 13, ((const guint8[]) { 16, 16, 0, 1, 0, 31, 0, 63, 0, 31, 11, 5, 0 }), 13);
  name_length = take_u32 (v);
  g_assert_cmpuint (name_length, ==, strlen (OB_SIM_RFB_DESKTOP_NAME));
  viewer_take (v, (guint8 *) name, name_length);
  g_assert_cmpmem (name, name_length, OB_SIM_RFB_DESKTOP_NAME, name_length);
  v->fb = g_new0 (guint32, (gsize) v->width * v->height);
}

static void
viewer_set_format (Viewer           *v,
                   const TestFormat *f)
{
  guint8 msg[20] = { 0, 0, 0, 0, f->bpp, f->bpp == 16 ? 16 : (f->grey && f->max[0] == 15 ? 4 : 8),
                     0, 1,
                     (guint8) (f->max[0] >> 8), (guint8) f->max[0],
                     (guint8) (f->max[1] >> 8), (guint8) f->max[1],
                     (guint8) (f->max[2] >> 8), (guint8) f->max[2],
                     (guint8) f->shift[0], (guint8) f->shift[1], (guint8) f->shift[2], 0, 0, 0 };

  viewer_send (v, msg, sizeof msg);
  v->format = *f;
}

static void
viewer_set_encodings (Viewer       *v,
                      const gint32 *encodings,
                      guint         n)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();
  guint8 head[4] = { 2, 0, (guint8) (n >> 8), (guint8) n };

  g_byte_array_append (msg, head, 4);
  for (guint i = 0; i < n; i++)
    {
      guint32 e = (guint32) encodings[i];
      guint8 be[4] = { (guint8) (e >> 24), (guint8) (e >> 16), (guint8) (e >> 8), (guint8) e };

      g_byte_array_append (msg, be, 4);
    }
  viewer_send (v, msg->data, msg->len);
}

static void
viewer_request (Viewer  *v,
                gboolean incremental)
{
  guint8 msg[10] = { 3, incremental, 0, 0, 0, 0,
                     (guint8) (v->width >> 8), (guint8) v->width,
                     (guint8) (v->height >> 8), (guint8) v->height };

  viewer_send (v, msg, sizeof msg);
}

static void
viewer_key (Viewer  *v,
            guint32  keysym)
{
  for (int down = 1; down >= 0; down--)
    {
      guint8 msg[8] = { 4, (guint8) down, 0, 0, (guint8) (keysym >> 24), (guint8) (keysym >> 16),
                        (guint8) (keysym >> 8), (guint8) keysym };

      viewer_send (v, msg, sizeof msg);
    }
}

static void
viewer_pointer (Viewer *v,
                guint8  mask,
                guint   x,
                guint   y)
{
  guint8 msg[6] = { 5, mask, (guint8) (x >> 8), (guint8) x, (guint8) (y >> 8), (guint8) y };

  viewer_send (v, msg, sizeof msg);
}

/* What the server should send for @rgb in @f. */
static guint32
expected_value (const TestFormat *f,
                guint32           rgb)
{
  guint r = (rgb >> 16) & 0xFF, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;

  if (f->grey)
    return (((r * 299 + g * 587 + b * 114 + 500) / 1000) * f->max[0] + 127) / 255;
  return ((r * f->max[0] + 127) / 255) << f->shift[0]
       | ((g * f->max[1] + 127) / 255) << f->shift[1]
       | ((b * f->max[2] + 127) / 255) << f->shift[2];
}

static guint32
read_cpixel (const TestFormat  *f,
             const guint8     **p,
             const guint8      *end)
{
  guint32 value;

  g_assert_true (*p + f->bpp / 8 <= end);
  value = f->bpp == 16 ? (guint32) ((*p)[0] | (*p)[1] << 8) : (*p)[0];
  *p += f->bpp / 8;
  return value;
}

static guint
read_run (const guint8 **p,
          const guint8  *end)
{
  guint run = 1;

  for (;;)
    {
      g_assert_true (*p < end);
      run += **p;
      if (*(*p)++ != 255)
        return run;
    }
}

/* Decode one ZRLE tile (RFC 6143 §7.7.6) into the viewer's framebuffer. */
static void
decode_zrle_tile (Viewer       *v,
                  const guint8 *data,
                  gsize         size,
                  guint         x0,
                  guint         y0,
                  guint         w,
                  guint         h)
{
  const guint8 *p = data, *end = data + size;
  guint sub;
  guint32 palette[128];
  guint n = w * h;
  g_autofree guint32 *px = g_new (guint32, n);

  g_assert_cmpuint (size, >=, 1);
  sub = *p++;
  if (sub == 0)
    for (guint i = 0; i < n; i++)
      px[i] = read_cpixel (&v->format, &p, end);
  else if (sub == 1)
    {
      guint32 c = read_cpixel (&v->format, &p, end);

      for (guint i = 0; i < n; i++)
        px[i] = c;
    }
  else if (sub <= 16)
    {
      guint bits = sub == 2 ? 1 : sub <= 4 ? 2 : 4;

      for (guint i = 0; i < sub; i++)
        palette[i] = read_cpixel (&v->format, &p, end);
      for (guint y = 0; y < h; y++)
        {
          guint used = 8;
          guint8 byte = 0;

          for (guint x = 0; x < w; x++)
            {
              guint index;

              if (used == 8)
                {
                  g_assert_true (p < end);
                  byte = *p++;
                  used = 0;
                }
              index = (byte >> (8 - bits - used)) & ((1u << bits) - 1);
              used += bits;
              g_assert_cmpuint (index, <, sub);
              px[y * w + x] = palette[index];
            }
        }
    }
  else if (sub == 128)
    for (guint i = 0; i < n;)
      {
        guint32 c = read_cpixel (&v->format, &p, end);
        guint run = read_run (&p, end);

        g_assert_cmpuint (i + run, <=, n);
        for (guint k = 0; k < run; k++)
          px[i++] = c;
      }
  else if (sub >= 130)
    {
      guint size_p = sub - 128;

      for (guint i = 0; i < size_p; i++)
        palette[i] = read_cpixel (&v->format, &p, end);
      for (guint i = 0; i < n;)
        {
          guint index, run = 1;

          g_assert_true (p < end);
          index = *p++;
          if (index & 0x80)
            run = read_run (&p, end);
          index &= 0x7F;
          g_assert_cmpuint (index, <, size_p);
          g_assert_cmpuint (i + run, <=, n);
          for (guint k = 0; k < run; k++)
            px[i++] = palette[index];
        }
    }
  else
    g_assert_not_reached ();
  g_assert_true (p == end);

  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      v->fb[(gsize) (y0 + y) * v->width + x0 + x] = px[y * w + x];
}

/* Read server messages up to and including one FramebufferUpdate. */
static void
viewer_read_update (Viewer *v)
{
  for (;;)
    {
      guint type = take_u8 (v);

      if (type == 2)
        {
          v->bells++;
          continue;
        }
      if (type == 3)
        {
          guint32 length;

          viewer_take (v, NULL, 3);
          length = take_u32 (v);
          g_byte_array_set_size (v->cut_text, length);
          viewer_take (v, v->cut_text->data, length);
          continue;
        }
      g_assert_cmpuint (type, ==, 0);
      break;
    }

  viewer_take (v, NULL, 1);
  v->rects = take_u16 (v);
  v->zrle_bytes = 0;
  v->zrle_inflated = 0;
  v->resized = FALSE;
  for (guint i = 0; i < v->rects; i++)
    {
      guint x = take_u16 (v), y = take_u16 (v), w = take_u16 (v), h = take_u16 (v);
      gint32 encoding = (gint32) take_u32 (v);

      if (encoding == -223)
        {
          g_assert_cmpuint (x, ==, 0);
          g_assert_cmpuint (y, ==, 0);
          v->width = w;
          v->height = h;
          g_free (v->fb);
          v->fb = g_new0 (guint32, (gsize) w * h);
          v->resized = TRUE;
          continue;
        }
      /* Tiles: at most 64×64, inside the screen, on the 64-pixel grid. */
      g_assert_cmpuint (w, <=, 64);
      g_assert_cmpuint (h, <=, 64);
      g_assert_cmpuint (x % 64, ==, 0);
      g_assert_cmpuint (y % 64, ==, 0);
      g_assert_cmpuint (x + w, <=, v->width);
      g_assert_cmpuint (y + h, <=, v->height);
      if (encoding == 0)
        {
          guint bpp = v->format.bpp / 8;
          g_autofree guint8 *raw = g_malloc ((gsize) w * h * bpp);
          const guint8 *p = raw;

          viewer_take (v, raw, (gsize) w * h * bpp);
          for (guint row = 0; row < h; row++)
            for (guint col = 0; col < w; col++)
              v->fb[(gsize) (y + row) * v->width + x + col] = read_cpixel (&v->format, &p, raw + (gsize) w * h * bpp);
        }
      else
        {
          guint32 length;
          g_autofree guint8 *packed = NULL;
          guint8 *tile = g_malloc (64 * 64 * 2 * 2 + 1024);
          int ret;

          g_assert_cmpint (encoding, ==, 16);
          length = take_u32 (v);
          packed = g_malloc (length);
          viewer_take (v, packed, length);
          v->zrle_bytes += length;
          if (!v->zs_ready)
            {
              g_assert_cmpint (inflateInit (&v->zs), ==, Z_OK);
              v->zs_ready = TRUE;
            }
          v->zs.next_in = packed;
          v->zs.avail_in = length;
          v->zs.next_out = tile;
          v->zs.avail_out = 64 * 64 * 2 * 2 + 1024;
          ret = inflate (&v->zs, Z_SYNC_FLUSH);
          g_assert_true (ret == Z_OK || ret == Z_BUF_ERROR);
          /* Each rectangle is complete in itself (sync flush). */
          g_assert_cmpuint (v->zs.avail_in, ==, 0);
          v->zrle_inflated += (gsize) (v->zs.next_out - tile);
          decode_zrle_tile (v, tile, (gsize) (v->zs.next_out - tile), x, y, w, h);
          g_free (tile);
        }
    }
}

/* The viewer's framebuffer is the screen, in the viewer's format. */
static void
assert_matches_screen (Viewer *v)
{
  g_assert_cmpuint (v->width, ==, ob_sim_screen_get_width (v->screen));
  g_assert_cmpuint (v->height, ==, ob_sim_screen_get_height (v->screen));
  for (guint y = 0; y < v->height; y++)
    for (guint x = 0; x < v->width; x++)
      {
        guint32 want = expected_value (&v->format, ob_sim_screen_get_pixel (v->screen, x, y));

        if (v->fb[(gsize) y * v->width + x] != want)
          g_error ("pixel %u,%u: got 0x%x, want 0x%x", x, y, v->fb[(gsize) y * v->width + x], want);
      }
}

/* ---- Tests ------------------------------------------------------------------------ */

static void
test_handshake_versions (void)
{
  const guint minors[] = { 8, 7, 3 };

  for (guint i = 0; i < G_N_ELEMENTS (minors); i++)
    {
      Viewer v;
      static const gint32 raw[] = { 0 };

      viewer_init (&v, 640, 480);
      viewer_handshake (&v, minors[i]);
      g_assert_cmpuint (v.width, ==, 640);
      g_assert_cmpuint (v.height, ==, 480);
      /* Raw works at once after ServerInit, with the default RGB565. */
      viewer_set_encodings (&v, raw, 1);
      viewer_request (&v, FALSE);
      viewer_read_update (&v);
      g_assert_cmpuint (v.rects, ==, 10 * 8);
      g_assert_cmpuint (v.bells, ==, 1);
      assert_matches_screen (&v);
      viewer_clear (&v);
    }
}

static void
test_security_refused (void)
{
  Viewer v;
  guint8 buffer[12];
  static const guint8 vnc_auth = 2;
  guint32 length;
  char reason[64];

  viewer_init (&v, 640, 480);
  viewer_take (&v, buffer, 12);
  viewer_send (&v, (const guint8 *) "RFB 003.008\n", 12);
  viewer_take (&v, buffer, 3);
  viewer_send (&v, &vnc_auth, 1);
  g_assert_cmpuint (take_u32 (&v), ==, 1);
  length = take_u32 (&v);
  g_assert_cmpuint (length, <, sizeof reason);
  viewer_take (&v, (guint8 *) reason, length);
  assert_closed (&v);
  g_assert_cmpuint (ob_sim_rfb_server_get_n_connections (v.server), ==, 0);
  viewer_clear (&v);
}

static void
test_zrle_formats (void)
{
  const TestFormat *formats[] = { &rgb565, &rgb332, &grey8, &grey4 };
  static const gint32 encodings[] = { 16, 0, -223 };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      Viewer v;

      /* 1000×700: edge tiles of 40×60, which take no packed palette. */
      viewer_init (&v, 1000, 700);
      ob_sim_screen_set_consent_code (v.screen, "314159");
      viewer_handshake (&v, 8);
      viewer_set_format (&v, formats[i]);
      viewer_set_encodings (&v, encodings, G_N_ELEMENTS (encodings));
      viewer_request (&v, FALSE);
      viewer_read_update (&v);
      g_assert_cmpuint (v.rects, ==, 16 * 11);
      assert_matches_screen (&v);
      /* The desktop compresses well (well under a tenth of raw). */
      g_assert_cmpuint (v.zrle_bytes, <, (gsize) v.width * v.height * formats[i]->bpp / 8 / 10);
      viewer_clear (&v);
    }
}

static void
test_incremental_input (void)
{
  Viewer v;
  static const gint32 encodings[] = { 16, 0 };
  g_auto(GStrv) lines = NULL;

  viewer_init (&v, 1024, 768);
  viewer_handshake (&v, 8);
  viewer_set_encodings (&v, encodings, G_N_ELEMENTS (encodings));
  viewer_request (&v, FALSE);
  viewer_read_update (&v);
  g_assert_cmpuint (v.rects, ==, 16 * 12);
  assert_matches_screen (&v);

  /* Typing changes a few tiles: only they come back. */
  viewer_key (&v, 'a');
  viewer_key (&v, 'b');
  viewer_key (&v, 'c');
  viewer_request (&v, TRUE);
  viewer_read_update (&v);
  g_assert_cmpuint (v.rects, >, 0);
  g_assert_cmpuint (v.rects, <, 16);
  g_assert_cmpstr (ob_sim_screen_get_typed_text (v.screen), ==, "abc");
  assert_matches_screen (&v);

  viewer_key (&v, 0xFF0D);
  viewer_key (&v, 'Z');
  viewer_key (&v, 0xFF08);     /* BackSpace */
  viewer_key (&v, 'q');
  viewer_pointer (&v, 0, 500, 400);
  viewer_pointer (&v, 1, 510, 410);
  viewer_pointer (&v, 0, 510, 410);
  viewer_request (&v, TRUE);
  viewer_read_update (&v);
  assert_matches_screen (&v);
  lines = ob_sim_screen_dup_typed_lines (v.screen);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_cmpstr (lines[0], ==, "abc");
  g_assert_cmpstr (ob_sim_screen_get_typed_text (v.screen), ==, "q");
  g_assert_cmpuint (ob_sim_screen_get_n_clicks (v.screen), ==, 1);

  /* Ctrl+Alt+Del as viewers send it. */
  {
    static const guint32 seq[][2] = { { 0xFFE3, 1 }, { 0xFFE9, 1 }, { 0xFFFF, 1 },
                                      { 0xFFFF, 0 }, { 0xFFE9, 0 }, { 0xFFE3, 0 } };

    for (guint i = 0; i < G_N_ELEMENTS (seq); i++)
      {
        guint8 msg[8] = { 4, (guint8) seq[i][1], 0, 0, 0, 0, (guint8) (seq[i][0] >> 8), (guint8) seq[i][0] };

        viewer_send (&v, msg, sizeof msg);
      }
  }
  viewer_request (&v, TRUE);
  viewer_read_update (&v);
  g_assert_true (ob_sim_screen_get_ctrl_alt_del (v.screen));
  assert_matches_screen (&v);
  viewer_clear (&v);
}

/* An incremental request with nothing new waits until the screen changes. */
static void
test_incremental_waits (void)
{
  Viewer v;
  static const gint32 encodings[] = { 16 };
  guint64 updates;

  viewer_init (&v, 640, 480);
  viewer_handshake (&v, 8);
  viewer_set_encodings (&v, encodings, 1);
  viewer_request (&v, FALSE);
  viewer_read_update (&v);
  updates = ob_sim_rfb_server_get_n_updates (v.server);

  viewer_request (&v, TRUE);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (ob_sim_rfb_server_get_n_updates (v.server), ==, updates);
  g_assert_cmpuint (v.in->len, ==, 0);

  /* The clock moves on a second: the taskbar clock tile changes. */
  ob_sim_screen_set_fixed_time (v.screen, STILL_TIME + 1);
  ob_sim_screen_refresh (v.screen);
  viewer_read_update (&v);
  g_assert_cmpuint (v.rects, >, 0);
  g_assert_cmpuint (v.rects, <, 10);
  assert_matches_screen (&v);
  viewer_clear (&v);
}

static void
test_desktop_size (void)
{
  Viewer v;
  static const gint32 encodings[] = { 16, -223 };

  viewer_init (&v, 800, 600);
  viewer_handshake (&v, 8);
  viewer_set_format (&v, &rgb332);
  viewer_set_encodings (&v, encodings, G_N_ELEMENTS (encodings));
  viewer_request (&v, FALSE);
  viewer_read_update (&v);
  g_assert_cmpuint (v.rects, ==, 13 * 10);
  assert_matches_screen (&v);

  /* BIOS to OS: a mode switch. */
  ob_sim_screen_resize (v.screen, 1280, 720);
  viewer_request (&v, TRUE);
  viewer_read_update (&v);
  g_assert_true (v.resized);
  g_assert_cmpuint (v.rects, ==, 1);
  g_assert_cmpuint (v.width, ==, 1280);
  viewer_request (&v, FALSE);
  viewer_read_update (&v);
  g_assert_cmpuint (v.rects, ==, 20 * 12);
  assert_matches_screen (&v);
  viewer_clear (&v);
}

/* KvmExtCmd: zlib off gives stored deflate blocks; queries are answered. */
static void
test_kvm_ext_cmd (void)
{
  Viewer v;
  static const gint32 encodings[] = { 16, 0, 1092 };
  static const guint8 zlib_off[] = { 6, 0, 0, 0, 0, 0, 0, 13,
                                     0, 'K', 'v', 'm', 'E', 'x', 't', 'C', 'm', 'd', 0, 4, 0 };
  static const guint8 get_zlib[] = { 6, 0, 0, 0, 0, 0, 0, 12,
                                     0, 'K', 'v', 'm', 'E', 'x', 't', 'C', 'm', 'd', 0, 3 };

  viewer_init (&v, 640, 480);
  viewer_handshake (&v, 8);
  viewer_set_encodings (&v, encodings, G_N_ELEMENTS (encodings));
  viewer_send (&v, zlib_off, sizeof zlib_off);
  viewer_send (&v, get_zlib, sizeof get_zlib);
  viewer_request (&v, FALSE);
  viewer_read_update (&v);
  /* Last cut text before the update: the zlib state, off. */
  g_assert_cmpuint (v.cut_text->len, ==, 13);
  g_assert_cmpmem (v.cut_text->data, 11, "\0KvmExtCmd\0", 11);
  g_assert_cmpuint (v.cut_text->data[11], ==, 3);
  g_assert_cmpuint (v.cut_text->data[12], ==, 0);
  assert_matches_screen (&v);
  /* Stored blocks: more bytes on the wire than the tiles hold. */
  g_assert_cmpuint (v.zrle_bytes, >, v.zrle_inflated);
  viewer_clear (&v);
}

static void
send_and_expect_close (const guint8 *msg,
                       gsize         size,
                       gboolean      handshake)
{
  Viewer v;

  viewer_init (&v, 640, 480);
  if (handshake)
    viewer_handshake (&v, 8);
  else
    viewer_take (&v, NULL, 12);
  viewer_send (&v, msg, size);
  assert_closed (&v);
  g_assert_cmpuint (ob_sim_rfb_server_get_n_connections (v.server), ==, 0);
  viewer_clear (&v);
}

static void
test_malformed (void)
{
  /* 32 bpp true colour: AMT drops the connection. */
  static const guint8 rgb888[] = { 0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0 };
  static const guint8 palette8[] = { 0, 0, 0, 0, 8, 8, 0, 0, 0, 7, 0, 7, 0, 3, 5, 2, 0, 0, 0, 0 };
  static const guint8 unknown[] = { 77, 1, 2, 3 };
  static const guint8 many_encodings[] = { 2, 0, 0xFF, 0xFF };
  static const guint8 huge_cut[] = { 6, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF };

  send_and_expect_close (rgb888, sizeof rgb888, TRUE);
  send_and_expect_close (palette8, sizeof palette8, TRUE);
  send_and_expect_close (unknown, sizeof unknown, TRUE);
  send_and_expect_close (many_encodings, sizeof many_encodings, TRUE);
  send_and_expect_close (huge_cut, sizeof huge_cut, TRUE);
  send_and_expect_close ((const guint8 *) "HELLO WORLD\n", 12, FALSE);
  send_and_expect_close ((const guint8 *) "RFB 002.000\n", 12, FALSE);
}

/* Random client bytes after the handshake: the server answers or hangs
 * up, never crashes, and lets the connection go when the viewer leaves. */
static void
test_random_input (void)
{
  for (guint round = 0; round < 40; round++)
    {
      Viewer v;
      guint8 noise[512];
      gsize n = (gsize) g_test_rand_int_range (1, sizeof noise);

      for (gsize i = 0; i < n; i++)
        noise[i] = (guint8) g_test_rand_int_range (0, 256);
      /* Half the rounds start with a plausible message type. */
      if (round % 2 == 0)
        noise[0] = (guint8) g_test_rand_int_range (0, 7);
      viewer_init (&v, 320, 240);
      viewer_handshake (&v, 8);
      viewer_send (&v, noise, n);
      for (guint i = 0; i < 50; i++)
        g_main_context_iteration (NULL, FALSE);
      g_io_stream_close (v.client, NULL, NULL);
      while (ob_sim_rfb_server_get_n_connections (v.server) > 0)
        g_main_context_iteration (NULL, TRUE);
      viewer_clear (&v);
    }
}

/* SessionTimeout: a viewer that keeps asking stays, a silent one goes. */
static void
test_idle_timeout (void)
{
  Viewer v;
  static const gint32 encodings[] = { 16 };
  gint64 until;

  viewer_init (&v, 320, 240);
  ob_sim_rfb_server_set_idle_timeout_ms (v.server, 300);
  viewer_handshake (&v, 8);
  viewer_set_encodings (&v, encodings, 1);
  until = g_get_monotonic_time () + 900 * 1000;
  while (g_get_monotonic_time () < until)
    {
      gboolean later = FALSE;

      /* A full request every 100 ms, answered each time. */
      viewer_request (&v, FALSE);
      viewer_read_update (&v);
      g_timeout_add (100, on_deadline, &later);
      while (!later)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpuint (ob_sim_rfb_server_get_n_connections (v.server), ==, 1);
  /* Silence: the server ends it. */
  assert_closed (&v);
  g_assert_cmpuint (ob_sim_rfb_server_get_n_connections (v.server), ==, 0);
  viewer_clear (&v);
}

/* AMT's capture buffer: 16 bpp at 3840×2400 is too much, 8 bpp fits. */
static void
test_frame_cap (void)
{
  Viewer v;
  static const guint8 rgb565_msg[] = { 0, 0, 0, 0, 16, 16, 0, 1, 0, 31, 0, 63, 0, 31, 11, 5, 0, 0, 0, 0 };
  static const gint32 encodings[] = { 16 };

  viewer_init (&v, 3840, 2400);
  viewer_handshake (&v, 8);
  viewer_set_format (&v, &rgb332);
  viewer_set_encodings (&v, encodings, 1);
  viewer_request (&v, FALSE);
  viewer_read_update (&v);
  g_assert_cmpuint (v.rects, ==, 60 * 38);
  assert_matches_screen (&v);
  viewer_send (&v, rgb565_msg, sizeof rgb565_msg);
  assert_closed (&v);
  viewer_clear (&v);
}

/* ---- A real viewer: gvnccapture (gtk-vnc) on a TCP port ------------------------- */

static void
on_capture_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

/* gvnccapture (gtk-vnc 1.3.1) hands vnc_base_framebuffer_new() the server's
 * format as the local one and its own 32 bpp RGBA as the remote one.  With
 * a 32 bpp server in that same layout (the plain VNC mode) the swap changes
 * nothing and the capture must equal the screen exactly.  With AMT's
 * RGB565 its PNG holds 16-bit pixels (two per four bytes) made by reading
 * each wire pixel as if red were its low byte and green its high byte, so
 * red (5 bits) of each of them survives, and from the wire's RGB565 value
 * that is its low byte's top 5 bits and its high byte's top 6 bits. */
static void
capture_scene (ObSimScreenScene scene,
               const char      *consent_code,
               gboolean         amt_formats)
{
  g_autoptr(ObSimScreen) screen = ob_sim_screen_new (1024, 768);
  g_autoptr(ObSimRfbServer) server = ob_sim_rfb_server_new (screen);
  static const TestFormat wire = { 16, FALSE, { 31, 63, 31 }, { 11, 5, 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) capture = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-sim-rfb-XXXXXX", &error);
  g_autofree char *png = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  gboolean done = FALSE;
  const guint8 *pixels;
  int stride, channels;
  guint differing = 0;

  g_assert_no_error (error);
  ob_sim_screen_set_fixed_time (screen, STILL_TIME);
  ob_sim_screen_set_scene (screen, scene);
  ob_sim_screen_set_identity (screen, "sim-capture", "8c4e1f2a-0000-4000-8000-0123456789ab", "16.1.25");
  ob_sim_screen_set_consent_code (screen, consent_code);
  ob_sim_screen_key (screen, 'h', TRUE);
  ob_sim_screen_key (screen, 'i', TRUE);
  ob_sim_screen_pointer (screen, 0, 300, 200);
  ob_sim_screen_pointer (screen, 0, 320, 220);
  ob_sim_screen_refresh (screen);
  ob_sim_rfb_server_set_amt_formats (server, amt_formats);
  g_assert_true (ob_sim_rfb_server_listen (server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);

  png = g_build_filename (dir, "capture.png", NULL);
  /* gvnccapture takes HOST:DISPLAY, port 5900 + DISPLAY. */
  display = g_strdup_printf ("127.0.0.1:%d", (int) ob_sim_rfb_server_get_port (server) - 5900);
  capture = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                              "gvnccapture", "--quiet", display, png, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (capture, NULL, on_capture_done, &done);
  {
    gboolean expired = FALSE;
    guint deadline = g_timeout_add_seconds (30, on_deadline, &expired);

    while (!done && !expired)
      g_main_context_iteration (NULL, TRUE);
    g_assert_false (expired);
    g_source_remove (deadline);
  }
  g_assert_true (g_subprocess_get_if_exited (capture));
  g_assert_cmpint (g_subprocess_get_exit_status (capture), ==, 0);
  /* It took ZRLE (gtk-vnc lists it first after DesktopSize). */
  g_assert_cmpuint (ob_sim_rfb_server_get_n_rects (server), >=, 16 * 12);

  pixbuf = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 1024);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 768);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  channels = gdk_pixbuf_get_n_channels (pixbuf);
  for (guint y = 0; y < 768; y++)
    for (guint x = 0; x < 1024; x++)
      {
        guint32 want = ob_sim_screen_get_pixel (screen, x, y);
        const guint8 *row = pixels + (gsize) y * stride;
        gboolean same;

        if (!amt_formats)
          {
            const guint8 *got = row + (gsize) x * channels;

            same = got[0] == ((want >> 16) & 0xFF) && got[1] == ((want >> 8) & 0xFF)
                   && got[2] == (want & 0xFF);
          }
        else
          {
            guint v = (guint) (row[2 * x] | row[2 * x + 1] << 8);
            guint32 w = expected_value (&wire, want);
            int r = (int) (v >> 11), g = (int) ((v >> 5) & 63);

            /* Within one step: gtk-vnc's 8-to-5/6-bit scaling may round. */
            same = ABS (r - (int) ((w & 0xFF) >> 3)) <= 1 && ABS (g - (int) ((w >> 8) >> 2)) <= 1
                   && (v & 31) == 0;
          }
        if (!same && differing++ < 5)
          g_test_message ("pixel %u,%u: captured %02x%02x%02x%02x, drawn %06x", x, y,
                          row[x * 4], row[x * 4 + 1], row[x * 4 + 2], row[x * 4 + 3], want);
      }
  g_assert_cmpuint (differing, ==, 0);

  ob_sim_rfb_server_stop (server);
  g_unlink (png);
  g_rmdir (dir);
}

static void
test_gvnccapture (void)
{
  g_autofree char *path = g_find_program_in_path ("gvnccapture");

  if (path == NULL)
    {
      g_test_skip ("gvnccapture is not installed (Debian package gvncviewer)");
      return;
    }
  capture_scene (OB_SIM_SCREEN_SCENE_DESKTOP, NULL, FALSE);
  capture_scene (OB_SIM_SCREEN_SCENE_BIOS_SETUP, "271828", FALSE);
  capture_scene (OB_SIM_SCREEN_SCENE_DESKTOP, "161803", TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim-rfb/handshake-versions", test_handshake_versions);
  g_test_add_func ("/sim-rfb/security-refused", test_security_refused);
  g_test_add_func ("/sim-rfb/zrle-formats", test_zrle_formats);
  g_test_add_func ("/sim-rfb/incremental-input", test_incremental_input);
  g_test_add_func ("/sim-rfb/incremental-waits", test_incremental_waits);
  g_test_add_func ("/sim-rfb/desktop-size", test_desktop_size);
  g_test_add_func ("/sim-rfb/kvm-ext-cmd", test_kvm_ext_cmd);
  g_test_add_func ("/sim-rfb/malformed", test_malformed);
  g_test_add_func ("/sim-rfb/frame-cap", test_frame_cap);
  g_test_add_func ("/sim-rfb/random-input", test_random_input);
  g_test_add_func ("/sim-rfb/idle-timeout", test_idle_timeout);
  g_test_add_func ("/sim-rfb/gvnccapture", test_gvnccapture);

  return g_test_run ();
}
