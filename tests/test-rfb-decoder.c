/* test-rfb-decoder.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <zlib.h>

#include "ob-framebuffer.h"
#include "ob-inflate.h"
#include "ob-redir-error.h"
#include "ob-rfb-decoder.h"
#include "ob-rfb-decoder-private.h"
#include "rfb-test-encoder.h"

/* ---- helpers ------------------------------------------------------------ */

/* The tile loops the decoders made by new_decoder() use: the best the CPU
 * has (AVX2 on x86-64 when present), or the portable ones.  Every test
 * runs once with each. */
static gboolean use_portable;

static ObRfbDecoder *
new_decoder (ObFramebuffer          *fb,
             const ObRfbPixelFormat *f)
{
  ObRfbDecoder *dec = ob_rfb_decoder_new (fb, f);

  if (use_portable)
    {
      g_assert_true (ob_rfb_decoder_set_portable (dec, TRUE));
      g_assert_cmpstr (ob_rfb_decoder_get_variant (dec), ==, "portable");
    }
  return dec;
}

/* A test picture with flat areas, stripes, a gradient and noise, so every
 * subencoding has something to do. */
static guint32 *
make_image (guint   w,
            guint   h,
            guint32 seed)
{
  guint32 *img = g_new (guint32, (gsize) w * h);
  GRand *rand = g_rand_new_with_seed (seed);

  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint32 c;

        if (x < w / 4)
          c = 0x3366AA;
        else if (x < w / 2)
          c = ((x / 3 + y / 2) % 3 == 0) ? 0xFFFFFF : ((x + y) % 7 == 0 ? 0xCC2200 : 0x101010);
        else if (x < 3 * w / 4)
          c = ((x * 255 / w) << 16) | ((y * 255 / MAX (h, 1)) << 8) | 0x40;
        else
          c = g_rand_int (rand) & 0xFFFFFF;
        img[(gsize) y * w + x] = c;
      }
  g_rand_free (rand);
  return img;
}

/* Feed @stream to @dec in pieces of @piece bytes (0: all at once), each
 * time from a private copy of exactly the unconsumed bytes. */
static ObRfbDecodeStatus
feed (ObRfbDecoder  *dec,
      GBytes        *stream,
      gsize          piece,
      ObRfbEvent    *all_events,
      guint         *n_update_ends,
      GError       **error)
{
  gsize size = g_bytes_get_size (stream);
  const guint8 *data = g_bytes_get_data (stream, NULL);
  gsize avail = 0, start = 0;
  ObRfbDecodeStatus st = OB_RFB_DECODE_NEED_MORE;

  *all_events = 0;
  *n_update_ends = 0;
  while (start < size)
    {
      avail = piece == 0 ? size : MIN (size, avail + piece);
      for (;;)
        {
          gsize len = avail - start, used = 0;
          g_autofree guint8 *copy = len > 0 ? g_memdup2 (data + start, len) : g_malloc (1);
          ObRfbEvent ev = 0;

          st = ob_rfb_decoder_decode (dec, copy, len, &used, &ev, error);
          if (st == OB_RFB_DECODE_ERROR)
            {
              g_assert_cmpuint (used, ==, 0);
              return st;
            }
          if (st == OB_RFB_DECODE_NEED_MORE)
            {
              g_assert_cmpuint (used, ==, 0);
              break;
            }
          g_assert_cmpuint (used, >, 0);
          g_assert_cmpuint (used, <=, len);
          start += used;
          *all_events |= ev;
          if (ev & OB_RFB_EVENT_UPDATE_END)
            (*n_update_ends)++;
        }
      if (avail == size && start < size)
        return OB_RFB_DECODE_NEED_MORE;
    }
  return OB_RFB_DECODE_OK;
}

static void
assert_fb_matches (ObFramebuffer          *fb,
                   const ObRfbPixelFormat *f,
                   const guint32          *img,
                   gsize                   stride,
                   guint                   x0,
                   guint                   y0,
                   guint                   w,
                   guint                   h)
{
  for (guint y = y0; y < y0 + h; y++)
    for (guint x = x0; x < x0 + w; x++)
      {
        guint32 want = expected_xrgb (f, img[(gsize) y * stride + x]);
        guint32 got = ob_framebuffer_get_pixel (fb, x, y);

        if (want != got)
          g_error ("pixel %u,%u: want %08x got %08x", x, y, want, got);
      }
}

typedef struct
{
  const char *name;
  ObRfbPixelFormat format;
} NamedFormat;

static GArray *
all_formats (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (NamedFormat));
  NamedFormat n;

  n.name = "rgb565";
  ob_rfb_pixel_format_for_depth (&n.format, OB_RFB_DEPTH_16);
  g_array_append_val (a, n);
  n.name = "rgb565-be";
  n.format.big_endian = TRUE;
  g_array_append_val (a, n);
  /* More 16-bit layouts: the decoder scales 16-bit channels eight pixels
   * at a time when it finds exact constants for them (up to 9 bits), and
   * uses its table otherwise (grey16, the 10-bit red). */
  n.name = "rgb555";
  n.format.big_endian = FALSE;
  n.format.depth = 15;
  n.format.red_max = n.format.green_max = n.format.blue_max = 31;
  n.format.red_shift = 10;
  n.format.green_shift = 5;
  n.format.blue_shift = 0;
  g_array_append_val (a, n);
  n.name = "bgr565-be";
  n.format.big_endian = TRUE;
  n.format.depth = 16;
  n.format.green_max = 63;
  n.format.red_shift = 0;
  n.format.green_shift = 5;
  n.format.blue_shift = 11;
  g_array_append_val (a, n);
  n.name = "grey16";
  n.format.big_endian = FALSE;
  n.format.red_max = 65535;
  n.format.green_max = n.format.blue_max = 0;
  n.format.red_shift = n.format.green_shift = n.format.blue_shift = 0;
  g_array_append_val (a, n);
  n.name = "r10g3b3-be";
  n.format.big_endian = TRUE;
  n.format.red_max = 1023;
  n.format.green_max = n.format.blue_max = 7;
  n.format.red_shift = 6;
  n.format.green_shift = 3;
  n.format.blue_shift = 0;
  g_array_append_val (a, n);
  n.name = "rgb332";
  ob_rfb_pixel_format_for_depth (&n.format, OB_RFB_DEPTH_8);
  g_array_append_val (a, n);
  n.name = "grey8";
  ob_rfb_pixel_format_for_depth (&n.format, OB_RFB_DEPTH_GREY8);
  g_array_append_val (a, n);
  n.name = "grey4";
  ob_rfb_pixel_format_for_depth (&n.format, OB_RFB_DEPTH_GREY4);
  g_array_append_val (a, n);
  /* 32 bpp depth 24, colours in the low bytes: 3-byte CPIXEL. */
  n.name = "x888";
  ob_rfb_pixel_format_for_depth (&n.format, OB_RFB_DEPTH_32);
  g_array_append_val (a, n);
  n.name = "x888-be";
  n.format.big_endian = TRUE;
  g_array_append_val (a, n);
  /* Colours in the high bytes: the other 3-byte CPIXEL. */
  n.name = "888x";
  n.format.big_endian = FALSE;
  n.format.red_shift = 24;
  n.format.green_shift = 16;
  n.format.blue_shift = 8;
  g_array_append_val (a, n);
  n.name = "888x-be";
  n.format.big_endian = TRUE;
  g_array_append_val (a, n);
  /* Depth 32: a 4-byte CPIXEL. */
  n.name = "depth32";
  ob_rfb_pixel_format_for_depth (&n.format, OB_RFB_DEPTH_32);
  n.format.depth = 32;
  g_array_append_val (a, n);
  return a;
}

/* ---- pixel formats ------------------------------------------------------ */

static void
test_pixel_formats (void)
{
  ObRfbPixelFormat f, g;
  guint8 wire[16];
  static const guint8 rgb565[16] = { 0x10, 0x10, 0x00, 0x01, 0x00, 0x1F, 0x00, 0x3F, 0x00, 0x1F, 0x0B, 0x05, 0x00 };
  static const guint8 rgb332[16] = { 0x08, 0x08, 0x00, 0x01, 0x00, 0x07, 0x00, 0x07, 0x00, 0x03, 0x05, 0x02, 0x00 };
  static const guint8 grey8[16] = { 0x08, 0x08, 0x00, 0x01, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
  static const guint8 grey4[16] = { 0x08, 0x04, 0x00, 0x01, 0x00, 0x0F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  /* The SetPixelFormat bodies of redirection-kvm-sol.md §2.2. */
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  ob_rfb_pixel_format_write (&f, wire);
  g_assert_cmpmem (wire, 16, rgb565, 16);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_8);
  ob_rfb_pixel_format_write (&f, wire);
  g_assert_cmpmem (wire, 16, rgb332, 16);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_GREY8);
  ob_rfb_pixel_format_write (&f, wire);
  g_assert_cmpmem (wire, 16, grey8, 16);
  g_assert_true (ob_rfb_pixel_format_is_grey (&f));
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_GREY4);
  ob_rfb_pixel_format_write (&f, wire);
  g_assert_cmpmem (wire, 16, grey4, 16);
  ob_rfb_pixel_format_read (&g, wire);
  g_assert_true (ob_rfb_pixel_format_equal (&f, &g));

  /* Conversions: RGB565 white and pure channels; RGB332; grey. */
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  g_assert_cmphex (ob_rfb_pixel_format_to_xrgb (&f, 0xFFFF), ==, 0xFFFFFFFF);
  g_assert_cmphex (ob_rfb_pixel_format_to_xrgb (&f, 0xF800), ==, 0xFFFF0000);
  g_assert_cmphex (ob_rfb_pixel_format_to_xrgb (&f, 0x07E0), ==, 0xFF00FF00);
  g_assert_cmphex (ob_rfb_pixel_format_from_rgb (&f, 0x0000FF), ==, 0x001F);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_8);
  g_assert_cmphex (ob_rfb_pixel_format_to_xrgb (&f, 0xE0), ==, 0xFFFF0000);
  g_assert_cmphex (ob_rfb_pixel_format_to_xrgb (&f, 0x03), ==, 0xFF0000FF);
  g_assert_cmpuint (ob_rfb_pixel_format_cpixel_size (&f), ==, 1);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_GREY4);
  g_assert_cmphex (ob_rfb_pixel_format_to_xrgb (&f, 15), ==, 0xFFFFFFFF);
  g_assert_cmphex (ob_rfb_pixel_format_to_xrgb (&f, 1), ==, 0xFF111111);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_32);
  g_assert_cmpuint (ob_rfb_pixel_format_cpixel_size (&f), ==, 3);
  name = ob_rfb_pixel_format_to_string (&f);
  g_assert_nonnull (name);

  /* Unsupported formats say why. */
  f.true_colour = FALSE;
  g_assert_false (ob_rfb_pixel_format_is_supported (&f, &error));
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED);
  g_clear_error (&error);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  f.bits_per_pixel = 24;
  g_assert_false (ob_rfb_pixel_format_is_supported (&f, &error));
  g_clear_error (&error);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  f.red_max = 30;
  g_assert_false (ob_rfb_pixel_format_is_supported (&f, &error));
  g_clear_error (&error);
  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  f.red_shift = 12;
  g_assert_false (ob_rfb_pixel_format_is_supported (&f, &error));
  g_clear_error (&error);
}

/* ---- Raw ---------------------------------------------------------------- */

static void
test_raw (void)
{
  g_autoptr(GArray) formats = all_formats ();
  const guint W = 50, H = 30;
  g_autofree guint32 *img = make_image (W, H, 1);

  for (guint i = 0; i < formats->len; i++)
    {
      NamedFormat *nf = &g_array_index (formats, NamedFormat, i);
      g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (W, H);
      g_autoptr(ObRfbDecoder) dec = new_decoder (fb, &nf->format);
      g_autoptr(GByteArray) s = g_byte_array_new ();
      g_autoptr(GBytes) stream = NULL;
      g_autoptr(GError) error = NULL;
      ObRfbEvent ev;
      guint ends;

      g_test_message ("raw %s", nf->name);
      rfb_put_update_header (s, 2);
      test_raw_encode_rect (&nf->format, s, img, W, 0, 0, W, H / 2);
      test_raw_encode_rect (&nf->format, s, img, W, 3, H / 2, W - 3, H - H / 2);
      stream = g_byte_array_free_to_bytes (g_steal_pointer (&s));
      g_assert_cmpint (feed (dec, stream, 0, &ev, &ends, &error), ==, OB_RFB_DECODE_OK);
      g_assert_no_error (error);
      g_assert_cmpuint (ends, ==, 1);
      assert_fb_matches (fb, &nf->format, img, W, 0, 0, W, H / 2);
      assert_fb_matches (fb, &nf->format, img, W, 3, H / 2, W - 3, H - H / 2);
      /* Column 0..2 of the lower half was never drawn. */
      g_assert_cmphex (ob_framebuffer_get_pixel (fb, 0, H - 1), ==, 0xFF000000);
      g_assert_cmpuint (ob_rfb_decoder_get_rectangles (dec), ==, 2);
      g_assert_cmpuint (ob_rfb_decoder_get_updates (dec), ==, 1);
    }
}

/* ---- ZRLE --------------------------------------------------------------- */

/* A picture with exactly @n colours. */
static guint32 *
make_n_colour_image (guint   w,
                     guint   h,
                     guint   n,
                     guint32 seed)
{
  guint32 *img = g_new (guint32, (gsize) w * h);
  GRand *rand = g_rand_new_with_seed (seed);

  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      /* Runs of varying lengths, including > 255. */
      guint k = (i / (1 + (i % 5) * 70)) % n;

      img[i] = (k * 0x1F * 8) << 16 | ((k * 37) & 0xFF) << 8 | ((k * 91) & 0xFF);
    }
  /* Make sure every colour is there at least once. */
  for (guint k = 0; k < n && k < w * h; k++)
    img[g_rand_int_range (rand, 0, (gint32) (w * h))] = (k * 0x1F * 8) << 16 | ((k * 37) & 0xFF) << 8 | ((k * 91) & 0xFF);
  g_rand_free (rand);
  return img;
}

static void
check_zrle (const NamedFormat *nf,
            guint              W,
            guint              H,
            const guint32     *img,
            int                sub,
            int                level,
            gsize              piece)
{
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (W + 5, H + 3);
  g_autoptr(ObRfbDecoder) dec = new_decoder (fb, &nf->format);
  g_autoptr(GByteArray) s = g_byte_array_new ();
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(GError) error = NULL;
  TestZrleEncoder enc;
  ObRfbEvent ev;
  guint ends;

  test_zrle_encoder_init (&enc, &nf->format, level);
  /* Two updates over the same zlib stream; the second at an offset. */
  rfb_put_update_header (s, 1);
  test_zrle_encode_rect (&enc, s, img, W, 0, 0, W, H, sub);
  rfb_put_update_header (s, 1);
  test_zrle_encode_rect (&enc, s, img, W, 0, 0, W, H, sub);
  test_zrle_encoder_clear (&enc);
  /* The second rectangle is the same picture: decode it at 0,0 again, but
   * first scribble on the framebuffer so it must really be redrawn. */
  stream = g_byte_array_free_to_bytes (g_steal_pointer (&s));

  g_assert_cmpint (feed (dec, stream, piece, &ev, &ends, &error), ==, OB_RFB_DECODE_OK);
  g_assert_no_error (error);
  g_assert_cmpuint (ends, ==, 2);
  assert_fb_matches (fb, &nf->format, img, W, 0, 0, W, H);
  g_assert_cmphex (ob_framebuffer_get_pixel (fb, W + 4, H + 2), ==, 0xFF000000);
}

static void
test_zrle_subencodings (void)
{
  g_autoptr(GArray) formats = all_formats ();
  /* Odd sizes: edge tiles narrower than 64 and widths whose packed rows
   * need padding. */
  const guint W = 101, H = 70;

  for (guint i = 0; i < formats->len; i++)
    {
      NamedFormat *nf = &g_array_index (formats, NamedFormat, i);
      g_autofree guint32 *img = make_image (W, H, 2);
      static const int subs[] = { ZRLE_AUTO, 0, 128 };

      g_test_message ("zrle %s", nf->name);
      for (guint k = 0; k < G_N_ELEMENTS (subs); k++)
        check_zrle (nf, W, H, img, subs[k], 6, 0);

      /* Solid. */
      {
        g_autofree guint32 *one = make_n_colour_image (W, H, 1, 3);

        check_zrle (nf, W, H, one, 1, 6, 0);
      }
      /* Packed palettes of every size (1, 2 and 4 bits) and palette RLE.
       * Grey formats merge colours, so count after conversion. */
      for (guint n = 2; n <= 16; n++)
        {
          g_autofree guint32 *pic = make_n_colour_image (W, H, n, n);
          guint32 pal[128];
          guint real = 0;

          for (guint ty = 0; ty < H; ty += 64)
            for (guint tx = 0; tx < W; tx += 64)
              real = MAX (real, tile_palette (&nf->format, pic + ty * W + tx, W, MIN (64, W - tx), MIN (64, H - ty), pal));
          if (real < 2)
            continue;
          check_zrle (nf, W, H, pic, (int) MAX (n, real), 6, 0);
          check_zrle (nf, W, H, pic, 128 + (int) MAX (n, real), 6, 0);
        }
      for (guint n = 17; n <= 127; n += 11)
        {
          g_autofree guint32 *pic = make_n_colour_image (W, H, n, n);
          guint32 pal[128];
          guint real = 0;

          for (guint ty = 0; ty < H; ty += 64)
            for (guint tx = 0; tx < W; tx += 64)
              real = MAX (real, tile_palette (&nf->format, pic + ty * W + tx, W, MIN (64, W - tx), MIN (64, H - ty), pal));
          check_zrle (nf, W, H, pic, 128 + (int) MAX (MAX (n, real), 2), 6, 0);
        }
    }
}

static void
test_zrle_pieces_and_stored (void)
{
  g_autoptr(GArray) formats = all_formats ();
  const guint W = 130, H = 67;
  g_autofree guint32 *img = make_image (W, H, 4);

  for (guint i = 0; i < 3; i++)
    {
      NamedFormat *nf = &g_array_index (formats, NamedFormat, i);

      /* Byte by byte, in odd pieces, and as stored blocks (AMT with zlib
       * off). */
      check_zrle (nf, W, H, img, ZRLE_AUTO, 6, 1);
      check_zrle (nf, W, H, img, ZRLE_AUTO, 6, 777);
      check_zrle (nf, W, H, img, ZRLE_AUTO, 0, 0);
      check_zrle (nf, W, H, img, ZRLE_AUTO, 1, 13);
    }
}

static void
on_damaged (ObFramebuffer *fb,
            guint          x,
            guint          y,
            guint          w,
            guint          h,
            guint         *out)
{
  out[0] = x;
  out[1] = y;
  out[2] = w;
  out[3] = h;
  out[4]++;
}

/* AMT's tiling: one rectangle per 64×64 tile, row-major. */
static void
test_zrle_amt_tiling_and_damage (void)
{
  ObRfbPixelFormat f;
  const guint W = 200, H = 150;
  g_autofree guint32 *img = make_image (W, H, 5);
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (W, H);
  g_autoptr(ObRfbDecoder) dec = NULL;
  g_autoptr(GByteArray) s = g_byte_array_new ();
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(GError) error = NULL;
  TestZrleEncoder enc;
  ObRfbEvent ev;
  guint ends, n_rects = 0, tiles = 0;
  const ObFramebufferRect *rects;
  guint damaged[5] = { 0 };

  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  dec = new_decoder (fb, &f);
  test_zrle_encoder_init (&enc, &f, 6);
  for (guint y = 0; y < H; y += 64)
    for (guint x = 0; x < W; x += 64)
      tiles++;
  rfb_put_update_header (s, tiles);
  for (guint y = 0; y < H; y += 64)
    for (guint x = 0; x < W; x += 64)
      test_zrle_encode_rect (&enc, s, img, W, x, y, MIN (64, W - x), MIN (64, H - y), ZRLE_AUTO);
  test_zrle_encoder_clear (&enc);
  stream = g_byte_array_free_to_bytes (g_steal_pointer (&s));

  g_assert_cmpint (feed (dec, stream, 100, &ev, &ends, &error), ==, OB_RFB_DECODE_OK);
  g_assert_no_error (error);
  g_assert_cmpuint (ends, ==, 1);
  assert_fb_matches (fb, &f, img, W, 0, 0, W, H);

  /* Tiles merged into bands: one per tile row. */
  rects = ob_framebuffer_get_damage (fb, &n_rects);
  g_assert_cmpuint (n_rects, >=, 1);
  g_assert_cmpuint (n_rects, <=, 3);
  g_assert_cmpuint (rects[0].x, ==, 0);
  g_assert_cmpuint (rects[0].width, ==, W);
  g_signal_connect (fb, "damaged", G_CALLBACK (on_damaged), damaged);
  g_assert_true (ob_framebuffer_has_damage (fb));
  ob_framebuffer_flush_damage (fb);
  g_assert_false (ob_framebuffer_has_damage (fb));
  g_assert_cmpuint (damaged[4], ==, 1);
  g_assert_cmpuint (damaged[0], ==, 0);
  g_assert_cmpuint (damaged[1], ==, 0);
  g_assert_cmpuint (damaged[2], ==, W);
  g_assert_cmpuint (damaged[3], ==, H);
}

static void
on_resized (ObFramebuffer *fb,
            guint          w,
            guint          h,
            guint         *out)
{
  out[0] = w;
  out[1] = h;
}

static void
test_damage_signal (void)
{
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (300, 200);
  guint got[5] = { 0 };
  guint n;
  const ObFramebufferRect *r;
  g_autoptr(GBytes) region = NULL;

  g_signal_connect (fb, "damaged", G_CALLBACK (on_damaged), got);
  ob_framebuffer_flush_damage (fb);
  g_assert_cmpuint (got[4], ==, 0);

  ob_framebuffer_add_damage (fb, 10, 20, 64, 64);
  ob_framebuffer_add_damage (fb, 74, 20, 64, 64);
  ob_framebuffer_add_damage (fb, 250, 150, 100, 100);   /* clipped */
  ob_framebuffer_add_damage (fb, 400, 0, 10, 10);       /* outside */
  r = ob_framebuffer_get_damage (fb, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (r[0].width, ==, 128);
  g_assert_cmpuint (r[1].width, ==, 50);
  g_assert_cmpuint (r[1].height, ==, 50);
  ob_framebuffer_flush_damage (fb);
  g_assert_cmpuint (got[4], ==, 1);
  g_assert_cmpuint (got[0], ==, 10);
  g_assert_cmpuint (got[1], ==, 20);
  g_assert_cmpuint (got[2], ==, 290);
  g_assert_cmpuint (got[3], ==, 180);

  /* Many scattered rectangles collapse to the bounding box. */
  for (guint i = 0; i < 200; i++)
    ob_framebuffer_add_damage (fb, (i * 37) % 290, (i * 53) % 190, 2, 2);
  r = ob_framebuffer_get_damage (fb, &n);
  g_assert_cmpuint (n, <=, 128);

  region = ob_framebuffer_copy_region (fb, 1, 1, 3, 2);
  g_assert_cmpuint (g_bytes_get_size (region), ==, 24);
  g_assert_null (ob_framebuffer_copy_region (fb, 299, 0, 2, 1));
  g_assert_null (ob_framebuffer_new (0, 10));
  g_assert_null (ob_framebuffer_new (OB_FRAMEBUFFER_MAX_DIMENSION + 1, 1));
}

static void
test_desktop_size_bell_cut_text (void)
{
  ObRfbPixelFormat f;
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (64, 64);
  g_autoptr(ObRfbDecoder) dec = NULL;
  g_autoptr(GByteArray) s = g_byte_array_new ();
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *img = make_image (100, 80, 6);
  guint size[2] = { 0 };
  static const guint8 bell[] = { 2 };
  static const guint8 cmap[] = { 1, 0, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  static const guint8 cut[] = { 3, 0, 0, 0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o' };
  static const guint8 empty_update[] = { 0, 0, 0, 0 };
  ObRfbEvent ev;
  guint ends;

  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_16);
  dec = new_decoder (fb, &f);
  g_signal_connect (fb, "resized", G_CALLBACK (on_resized), size);

  g_byte_array_append (s, bell, sizeof bell);
  g_byte_array_append (s, cmap, sizeof cmap);
  /* DesktopSize then the new screen in Raw, in one update. */
  rfb_put_update_header (s, 2);
  rfb_put_rect_header (s, 0, 0, 100, 80, OB_RFB_ENCODING_DESKTOP_SIZE);
  test_raw_encode_rect (&f, s, img, 100, 0, 0, 100, 80);
  g_byte_array_append (s, cut, sizeof cut);
  g_byte_array_append (s, empty_update, sizeof empty_update);
  stream = g_byte_array_free_to_bytes (g_steal_pointer (&s));

  g_assert_cmpint (feed (dec, stream, 3, &ev, &ends, &error), ==, OB_RFB_DECODE_OK);
  g_assert_no_error (error);
  g_assert_true (ev & OB_RFB_EVENT_BELL);
  g_assert_true (ev & OB_RFB_EVENT_RESIZE);
  g_assert_true (ev & OB_RFB_EVENT_CUT_TEXT);
  g_assert_cmpuint (ends, ==, 2);
  g_assert_cmpuint (size[0], ==, 100);
  g_assert_cmpuint (size[1], ==, 80);
  g_assert_cmpuint (ob_framebuffer_get_width (fb), ==, 100);
  assert_fb_matches (fb, &f, img, 100, 0, 0, 100, 80);
  g_assert_cmpmem (g_bytes_get_data (ob_rfb_decoder_get_cut_text (dec), NULL), 5, "hello", 5);

  /* A DesktopSize that is the last rectangle: both flags at once. */
  {
    g_autoptr(GByteArray) t = g_byte_array_new ();
    gsize used;

    rfb_put_update_header (t, 1);
    rfb_put_rect_header (t, 0, 0, 32, 16, OB_RFB_ENCODING_DESKTOP_SIZE);
    g_assert_cmpint (ob_rfb_decoder_decode (dec, t->data, t->len, &used, &ev, NULL), ==, OB_RFB_DECODE_OK);
    g_assert_cmpuint (used, ==, 4);
    g_assert_true (ob_rfb_decoder_in_update (dec));
    g_assert_cmpint (ob_rfb_decoder_decode (dec, t->data + 4, t->len - 4, &used, &ev, NULL), ==, OB_RFB_DECODE_OK);
    g_assert_cmpuint (ev, ==, OB_RFB_EVENT_RESIZE | OB_RFB_EVENT_UPDATE_END);
    g_assert_false (ob_rfb_decoder_in_update (dec));
    g_assert_cmpuint (ob_framebuffer_get_height (fb), ==, 16);
  }
}

/* ---- hostile input ------------------------------------------------------ */

typedef void (*BuildFn) (TestZrleEncoder *enc, GByteArray *s);

static void
expect_decode_error (const char *what,
                     GByteArray *s,
                     guint       fbw,
                     guint       fbh,
                     ObRfbDepth  depth)
{
  ObRfbPixelFormat f;
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (fbw, fbh);
  g_autoptr(ObRfbDecoder) dec = NULL;
  g_autoptr(GBytes) stream = g_bytes_new (s->data, s->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  ObRfbEvent ev;
  guint ends;
  gsize used = 7;
  static const guint8 bell[] = { 2 };

  g_test_message ("hostile: %s", what);
  ob_rfb_pixel_format_for_depth (&f, depth);
  dec = new_decoder (fb, &f);
  g_assert_cmpint (feed (dec, stream, 0, &ev, &ends, &error), ==, OB_RFB_DECODE_ERROR);
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL);
  /* Broken for good. */
  g_assert_cmpint (ob_rfb_decoder_decode (dec, bell, 1, &used, &ev, &again), ==, OB_RFB_DECODE_ERROR);
  g_assert_error (again, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL);
  g_assert_cmpuint (used, ==, 0);

  /* The same bytes in pieces fail the same way. */
  {
    g_autoptr(ObFramebuffer) fb2 = ob_framebuffer_new (fbw, fbh);
    g_autoptr(ObRfbDecoder) dec2 = new_decoder (fb2, &f);
    g_autoptr(GError) e2 = NULL;

    g_assert_cmpint (feed (dec2, stream, 5, &ev, &ends, &e2), ==, OB_RFB_DECODE_ERROR);
    g_assert_error (e2, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL);
  }
}

static void
test_hostile (void)
{
  ObRfbPixelFormat f16, f8;
  TestZrleEncoder enc;
  g_autofree guint32 *img = make_image (64, 64, 7);

  ob_rfb_pixel_format_for_depth (&f16, OB_RFB_DEPTH_16);
  ob_rfb_pixel_format_for_depth (&f8, OB_RFB_DEPTH_8);

#define CASE(what, fmt, depth, ...) G_STMT_START { \
    g_autoptr(GByteArray) s = g_byte_array_new (); \
    test_zrle_encoder_init (&enc, &(fmt), 6); \
    __VA_ARGS__; \
    test_zrle_encoder_clear (&enc); \
    expect_decode_error (what, s, 64, 64, depth); \
  } G_STMT_END

  CASE ("unknown message type", f16, OB_RFB_DEPTH_16, {
    guint8 b = 9; g_byte_array_append (s, &b, 1);
  });
  CASE ("raw rect outside the screen", f16, OB_RFB_DEPTH_16, {
    rfb_put_update_header (s, 1); test_raw_encode_rect (&f16, s, img, 64, 1, 0, 64, 1);
  });
  CASE ("zrle rect outside the screen", f16, OB_RFB_DEPTH_16, {
    rfb_put_update_header (s, 1); rfb_put_rect_header (s, 0, 60, 10, 10, OB_RFB_ENCODING_ZRLE);
    put_be32 (s, 0);
  });
  CASE ("rect at 65535", f16, OB_RFB_DEPTH_16, {
    rfb_put_update_header (s, 1); rfb_put_rect_header (s, 65535, 65535, 65535, 65535, OB_RFB_ENCODING_RAW);
  });
  CASE ("encoding not asked for (CopyRect)", f16, OB_RFB_DEPTH_16, {
    rfb_put_update_header (s, 1); rfb_put_rect_header (s, 0, 0, 1, 1, OB_RFB_ENCODING_COPYRECT);
    put_be32 (s, 0);
  });
  CASE ("DesktopSize 0x0", f16, OB_RFB_DEPTH_16, {
    rfb_put_update_header (s, 1); rfb_put_rect_header (s, 0, 0, 0, 0, OB_RFB_ENCODING_DESKTOP_SIZE);
  });
  CASE ("DesktopSize huge", f16, OB_RFB_DEPTH_16, {
    rfb_put_update_header (s, 1); rfb_put_rect_header (s, 0, 0, 65535, 65535, OB_RFB_ENCODING_DESKTOP_SIZE);
  });
  CASE ("zlib garbage", f16, OB_RFB_DEPTH_16, {
    static const guint8 junk[] = { 0x12, 0x34, 0x56, 0x78, 0x9a };
    rfb_put_update_header (s, 1); rfb_put_rect_header (s, 0, 0, 8, 8, OB_RFB_ENCODING_ZRLE);
    put_be32 (s, sizeof junk); g_byte_array_append (s, junk, sizeof junk);
  });
  CASE ("zlib length over the limit", f16, OB_RFB_DEPTH_16, {
    rfb_put_update_header (s, 1); rfb_put_rect_header (s, 0, 0, 1, 1, OB_RFB_ENCODING_ZRLE);
    put_be32 (s, 0x7FFFFFFF);
  });
  CASE ("packed palette index out of range", f16, OB_RFB_DEPTH_16, {
    /* 3 colours, 2-bit indices, index 3 used. */
    guint8 t[] = { 3, 1, 0, 2, 0, 3, 0, 0xFF };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 4, 1, t, sizeof t);
  });
  CASE ("packed palette index out of range, big tile (2 bits)", f8, OB_RFB_DEPTH_8, {
    /* 64×64, 3 colours: 16 bytes a row; one byte near the end says 3. */
    g_autofree guint8 *t = g_malloc0 (4 + 16 * 64);
    t[0] = 3; t[1] = 1; t[2] = 2; t[3] = 3;
    t[4 + 16 * 60 + 5] = 0x0C;
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 64, 64, t, 4 + 16 * 64);
  });
  CASE ("packed palette index out of range, big tile (4 bits)", f8, OB_RFB_DEPTH_8, {
    /* 64×64, 5 colours: 32 bytes a row; one low nibble says 7. */
    g_autofree guint8 *t = g_malloc0 (6 + 32 * 64);
    t[0] = 5; t[1] = 1; t[2] = 2; t[3] = 3; t[4] = 4; t[5] = 5;
    t[6 + 32 * 63 + 31] = 0x07;
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 64, 64, t, 6 + 32 * 64);
  });
  CASE ("palette RLE index out of range", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 130, 1, 2, 0x85, 0 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 2, 1, t, sizeof t);
  });
  /* RLE entries near the end of the data are read from a copy padded
   * with zeros: a tile those zeros would complete is still cut short. */
  CASE ("palette RLE tile completed by bytes past the data", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 130, 1, 2, 0x00 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 2, 1, t, sizeof t);
  });
  CASE ("plain RLE tile completed by bytes past the data", f16, OB_RFB_DEPTH_16, {
    guint8 t[] = { 128, 0x34, 0x12, 0x00 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 2, 1, t, sizeof t);
  });
  CASE ("palette RLE run with a bad index in the last bytes", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 130, 1, 2, 0x00, 0x83, 1 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 3, 1, t, sizeof t);
  });
  CASE ("palette RLE bad index in the middle of a big tile", f16, OB_RFB_DEPTH_16, {
    /* 4096 single pixels of 5 colours, one of them index 5. */
    g_autofree guint8 *t = g_malloc0 (1 + 5 * 2 + 4096);
    t[0] = 133;
    for (guint i = 0; i < 4096; i++)
      t[11 + i] = (guint8) (i % 5);
    t[11 + 2000] = 5;
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 64, 64, t, 11 + 4096);
  });
  /* Runs of one length byte are written before they are checked: the
   * longest (255 pixels) from the tile's last pixel. */
  CASE ("plain RLE run of 255 from the last pixel", f16, OB_RFB_DEPTH_16, {
    g_autoptr(GByteArray) t = g_byte_array_new ();
    guint8 e[3] = { 0x34, 0x12, 254 };
    guint8 sub = 128;
    g_byte_array_append (t, &sub, 1);
    for (guint i = 0; i < 16; i++)
      g_byte_array_append (t, e, 3);
    e[2] = 0;
    for (guint i = 0; i < 15; i++)
      g_byte_array_append (t, e, 3);
    e[2] = 254;
    g_byte_array_append (t, e, 3);
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 64, 64, t->data, t->len);
  });
  CASE ("palette RLE run of 255 from the last pixel", f8, OB_RFB_DEPTH_8, {
    g_autoptr(GByteArray) t = g_byte_array_new ();
    guint8 h[] = { 130, 1, 2 }, run[] = { 0x81, 254 }, one = 0;
    g_byte_array_append (t, h, sizeof h);
    for (guint i = 0; i < 16; i++)
      g_byte_array_append (t, run, 2);
    for (guint i = 0; i < 15; i++)
      g_byte_array_append (t, &one, 1);
    g_byte_array_append (t, run, 2);
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 64, 64, t->data, t->len);
  });
  CASE ("unused subencoding 17", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 17 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 2, 1, t, sizeof t);
  });
  CASE ("unused subencoding 129", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 129 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 2, 1, t, sizeof t);
  });
  CASE ("plain RLE run past the tile", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 128, 7, 4 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 2, 2, t, sizeof t);
  });
  CASE ("plain RLE endless 255s", f8, OB_RFB_DEPTH_8, {
    guint8 t[40]; t[0] = 128; t[1] = 7; memset (t + 2, 255, sizeof t - 2);
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 64, 64, t, sizeof t);
  });
  CASE ("palette RLE run past the tile", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 130, 1, 2, 0x81, 9 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 3, 3, t, sizeof t);
  });
  CASE ("raw tile truncated", f16, OB_RFB_DEPTH_16, {
    guint8 t[] = { 0, 1, 2, 3 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 2, 2, t, sizeof t);
  });
  CASE ("solid tile without its pixel", f16, OB_RFB_DEPTH_16, {
    guint8 t[] = { 1, 5 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 2, 2, t, sizeof t);
  });
  CASE ("packed palette rows missing", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 2, 1, 2, 0x80 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 9, 2, t, sizeof t);
  });
  CASE ("data after the last tile", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 1, 5, 1, 5 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 2, 2, t, sizeof t);
  });
  CASE ("second tile missing", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 1, 5 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 64, 65, t, sizeof t);
  });
  CASE ("ZRLE data for an empty rectangle", f8, OB_RFB_DEPTH_8, {
    guint8 t[] = { 1, 5 };
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 0, 5, t, sizeof t);
  });
  CASE ("inflates past the bound", f8, OB_RFB_DEPTH_8, {
    g_autofree guint8 *t = g_malloc0 (5000);
    t[0] = 1;
    rfb_put_update_header (s, 1); test_zrle_encode_bytes (&enc, s, 0, 0, 1, 1, t, 5000);
  });
  CASE ("cut text over the limit", f8, OB_RFB_DEPTH_8, {
    guint8 h[] = { 3, 0, 0, 0 };
    g_byte_array_append (s, h, 4); put_be32 (s, OB_RFB_MAX_CUT_TEXT + 1);
  });
#undef CASE
}

/* Decodes one ZRLE rectangle made of the inflated tile bytes @t at 8
 * bpp into a fresh @w×@h screen; the pixels, or NULL on an error. */
static guint32 *
decode_tile_bytes (guint         w,
                   guint         h,
                   const guint8 *t,
                   gsize         len)
{
  ObRfbPixelFormat f;
  TestZrleEncoder enc;
  g_autoptr(GByteArray) s = g_byte_array_new ();
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (w, h);
  g_autoptr(ObRfbDecoder) dec = NULL;
  g_autoptr(GError) error = NULL;
  ObRfbEvent ev;
  guint ends;

  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_8);
  test_zrle_encoder_init (&enc, &f, 6);
  rfb_put_update_header (s, 1);
  test_zrle_encode_bytes (&enc, s, 0, 0, w, h, t, len);
  test_zrle_encoder_clear (&enc);
  stream = g_bytes_new (s->data, s->len);
  dec = new_decoder (fb, &f);
  if (feed (dec, stream, 0, &ev, &ends, &error) != OB_RFB_DECODE_OK)
    {
      g_test_message ("%u×%u: %s", w, h, error->message);
      g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL);
      return NULL;
    }
  g_assert_cmpuint (ob_framebuffer_get_stride (fb), ==, (gsize) w * 4);
  return g_memdup2 (ob_framebuffer_get_data (fb), (gsize) w * h * 4);
}

/* The same pixels as a raw tile. */
static guint32 *
decode_as_raw (guint         w,
               guint         h,
               const guint8 *pixels)
{
  g_autofree guint8 *t = g_malloc (1 + (gsize) w * h);

  t[0] = 0;
  memcpy (t + 1, pixels, (gsize) w * h);
  return decode_tile_bytes (w, h, t, 1 + (gsize) w * h);
}

/* Big 2-bit packed tiles in a row whose palettes repeat, change, lose or
 * gain a colour: the decoder keeps its byte -> 4 pixels table while the
 * palette stays the same, and must rebuild it whenever it does not. */
static void
test_zrle_packed_palette_reuse (void)
{
  static const guint8 palettes[][5] = {
    { 4, 0x11, 0x22, 0x33, 0x44 },
    { 4, 0x11, 0x22, 0x33, 0x44 },
    { 3, 0x11, 0x22, 0x33 },
    { 4, 0x11, 0x22, 0x33, 0x00 },
    { 4, 0x11, 0x22, 0x33, 0x44 },
    { 4, 0x44, 0x22, 0x33, 0x11 },
  };
  const guint ntiles = G_N_ELEMENTS (palettes), w = 64 * ntiles, h = 64;
  g_autoptr(GByteArray) t = g_byte_array_new ();
  g_autofree guint8 *pix = g_malloc ((gsize) w * h);
  g_autofree guint32 *got = NULL;
  g_autofree guint32 *want = NULL;
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint i = 0; i < ntiles; i++)
    {
      guint n = palettes[i][0];

      g_byte_array_append (t, palettes[i], 1 + n);
      for (guint y = 0; y < h; y++)
        for (guint x = 0; x < 64; x += 4)
          {
            guint8 b = 0;

            for (guint k = 0; k < 4; k++)
              {
                guint idx = (guint) g_rand_int_range (rand, 0, (gint32) n);

                b |= (guint8) (idx << (6 - 2 * k));
                pix[(gsize) y * w + i * 64 + x + k] = palettes[i][1 + idx];
              }
            g_byte_array_append (t, &b, 1);
          }
    }
  g_rand_free (rand);
  got = decode_tile_bytes (w, h, t->data, t->len);
  g_assert_nonnull (got);
  /* The same screen as one raw tile per 64 columns. */
  {
    g_autoptr(GByteArray) r = g_byte_array_new ();

    for (guint i = 0; i < ntiles; i++)
      {
        guint8 sub = 0;

        g_byte_array_append (r, &sub, 1);
        for (guint y = 0; y < h; y++)
          g_byte_array_append (r, pix + (gsize) y * w + i * 64, 64);
      }
    want = decode_tile_bytes (w, h, r->data, r->len);
  }
  g_assert_nonnull (want);
  g_assert_cmpmem (got, (gsize) w * h * 4, want, (gsize) w * h * 4);
}

/* Packed palettes and RLE runs at the edges the fast paths care about:
 * full 64-pixel rows, rows ending inside an index byte (with padding bits
 * all ones, which must not count as an index), runs ending on a row's
 * last pixel or crossing rows. */
static void
test_zrle_tile_edges (void)
{
  static const guint widths[] = { 64, 63, 61, 5, 1 };
  static const guint heights[] = { 64, 3 };
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint wi = 0; wi < G_N_ELEMENTS (widths); wi++)
    for (guint hi = 0; hi < G_N_ELEMENTS (heights); hi++)
      for (guint n = 2; n <= 6; n++)
        {
          guint w = widths[wi], h = heights[hi];
          guint bits = n == 2 ? 1 : n <= 4 ? 2 : 4;
          guint row_bytes = (w * bits + 7) / 8;
          gsize len = 1 + n + (gsize) row_bytes * h;
          g_autofree guint8 *t = g_malloc0 (len);
          g_autofree guint8 *pix = g_malloc ((gsize) w * h);
          g_autofree guint32 *got = NULL;
          g_autofree guint32 *want = NULL;

          t[0] = (guint8) n;
          for (guint i = 0; i < n; i++)
            t[1 + i] = (guint8) (0x25 * (i + 1));
          for (guint y = 0; y < h; y++)
            {
              guint8 *r = t + 1 + n + (gsize) y * row_bytes;

              memset (r, 0xFF, row_bytes);
              for (guint x = 0; x < w; x++)
                {
                  guint idx = (guint) g_rand_int_range (rand, 0, (gint32) n);
                  guint shift = 8 - bits - (x * bits) % 8;

                  r[x * bits / 8] &= (guint8) ~(((1u << bits) - 1) << shift);
                  r[x * bits / 8] |= (guint8) (idx << shift);
                  pix[(gsize) y * w + x] = t[1 + idx];
                }
            }
          got = decode_tile_bytes (w, h, t, len);
          want = decode_as_raw (w, h, pix);
          g_assert_nonnull (got);
          g_assert_cmpmem (got, (gsize) w * h * 4, want, (gsize) w * h * 4);

          /* With 3 colours, an index 3 in the last pixel is refused. */
          if (n == 3)
            {
              guint8 *last = t + 1 + n + (gsize) (h - 1) * row_bytes + ((w - 1) * 2) / 8;
              g_autofree guint32 *bad = NULL;

              *last |= (guint8) (3u << (6 - ((w - 1) * 2) % 8));
              bad = decode_tile_bytes (w, h, t, len);
              g_assert_null (bad);
            }
        }

  /* Plain and palette RLE with runs of every length up to three rows. */
  for (guint wi = 0; wi < G_N_ELEMENTS (widths); wi++)
    for (guint hi = 0; hi < G_N_ELEMENTS (heights); hi++)
      for (guint palette = 0; palette < 2; palette++)
        {
          guint w = widths[wi], h = heights[hi], total = w * h, done = 0;
          g_autoptr(GByteArray) t = g_byte_array_new ();
          g_autofree guint8 *pix = g_malloc (total);
          g_autofree guint32 *got = NULL;
          g_autofree guint32 *want = NULL;
          guint8 b = palette ? 128 + 5 : 128;

          g_byte_array_append (t, &b, 1);
          if (palette)
            for (guint i = 0; i < 5; i++)
              {
                b = (guint8) (0x31 * (i + 1));
                g_byte_array_append (t, &b, 1);
              }
          while (done < total)
            {
              guint want_run = (guint) g_rand_int_range (rand, 1, (gint32) (3 * w + 2));
              guint run = MIN (want_run, total - done);
              guint idx = (guint) g_rand_int_range (rand, 0, 5);
              guint8 colour = palette ? (guint8) (0x31 * (idx + 1)) : (guint8) g_rand_int (rand);

              if (palette)
                {
                  b = (guint8) (idx | (run > 1 ? 0x80 : 0));
                  g_byte_array_append (t, &b, 1);
                }
              else
                g_byte_array_append (t, &colour, 1);
              if (!palette || run > 1)
                {
                  guint r = run - 1;

                  while (r >= 255)
                    {
                      b = 255;
                      g_byte_array_append (t, &b, 1);
                      r -= 255;
                    }
                  b = (guint8) r;
                  g_byte_array_append (t, &b, 1);
                }
              memset (pix + done, colour, run);
              done += run;
            }
          got = decode_tile_bytes (w, h, t->data, t->len);
          want = decode_as_raw (w, h, pix);
          g_assert_nonnull (got);
          g_assert_cmpmem (got, (gsize) total * 4, want, (gsize) total * 4);
        }
  g_rand_free (rand);
}

/* Every prefix of a valid stream is NEED_MORE (or OK for the complete
 * units in it) and never reads past the end. */
static void
test_truncation (void)
{
  ObRfbPixelFormat f;
  const guint W = 70, H = 40;
  g_autofree guint32 *img = make_image (W, H, 8);
  g_autoptr(GByteArray) s = g_byte_array_new ();
  TestZrleEncoder enc;

  ob_rfb_pixel_format_for_depth (&f, OB_RFB_DEPTH_8);
  test_zrle_encoder_init (&enc, &f, 6);
  rfb_put_update_header (s, 3);
  test_zrle_encode_rect (&enc, s, img, W, 0, 0, 64, 40, ZRLE_AUTO);
  test_raw_encode_rect (&f, s, img, W, 64, 0, 6, 40);
  rfb_put_rect_header (s, 0, 0, W, H, OB_RFB_ENCODING_DESKTOP_SIZE);
  test_zrle_encoder_clear (&enc);

  for (gsize cut = 0; cut < s->len; cut++)
    {
      g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (W, H);
      g_autoptr(ObRfbDecoder) dec = new_decoder (fb, &f);
      g_autofree guint8 *copy = g_memdup2 (s->data, MAX (cut, 1));
      gsize start = 0;

      for (;;)
        {
          gsize used = 0;
          ObRfbEvent ev;
          g_autoptr(GError) error = NULL;
          ObRfbDecodeStatus st = ob_rfb_decoder_decode (dec, copy + start, cut - start, &used, &ev, &error);

          g_assert_no_error (error);
          g_assert_cmpint (st, !=, OB_RFB_DECODE_ERROR);
          if (st == OB_RFB_DECODE_NEED_MORE)
            break;
          start += used;
        }
      g_assert_cmpuint (start, <, s->len);
    }
}

/* ---- every wire value through the lookup table --------------------------- */

/* The 8/16 bpp conversions must give exactly what the generic one gives,
 * for every value a pixel can have, however it arrives: a Raw rectangle
 * and ZRLE raw tiles (at 16 bpp eight at a time with SSE2 where the
 * format has exact constants, the table otherwise), plain RLE tiles of
 * one-pixel runs and solid tiles (one at a time through the table, which
 * is built by the same eight-at-a-time code). */
static void
put_wire (GByteArray             *s,
          const ObRfbPixelFormat *f,
          guint                   v)
{
  guint8 b[2];

  if (f->bits_per_pixel == 8)
    {
      b[0] = (guint8) v;
      g_byte_array_append (s, b, 1);
      return;
    }
  b[0] = (guint8) (f->big_endian ? v >> 8 : v);
  b[1] = (guint8) (f->big_endian ? v : v >> 8);
  g_byte_array_append (s, b, 2);
}

static void
check_every_value (ObFramebuffer          *fb,
                   const ObRfbPixelFormat *f,
                   guint                   w,
                   guint                   h,
                   const char             *how)
{
  for (guint v = 0; v < w * h; v++)
    {
      guint32 want = ob_rfb_pixel_format_to_xrgb (f, v);
      guint32 got = ob_framebuffer_get_pixel (fb, v % w, v / w);

      if (want != got)
        g_error ("%s: value %04x gave %08x, the generic conversion %08x", how, v, got, want);
    }
}

static void
test_every_wire_value (void)
{
  g_autoptr(GArray) formats = all_formats ();

  for (guint i = 0; i < formats->len; i++)
    {
      NamedFormat *nf = &g_array_index (formats, NamedFormat, i);
      const ObRfbPixelFormat *f = &nf->format;
      guint n, w = 256, h;

      if (f->bits_per_pixel > 16)
        continue;
      n = 1u << f->bits_per_pixel;
      h = n / w;
      g_test_message ("every value: %s", nf->name);
      for (guint how = 0; how < 4; how++)
        {
          g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (w, h);
          g_autoptr(ObRfbDecoder) dec = new_decoder (fb, f);
          g_autoptr(GByteArray) s = g_byte_array_new ();
          g_autoptr(GBytes) stream = NULL;
          g_autoptr(GError) error = NULL;
          TestZrleEncoder enc;
          ObRfbEvent ev;
          guint ends;
          static const char *const names[] = { "raw", "ZRLE raw tiles", "ZRLE RLE tiles", "ZRLE solid tiles" };

          test_zrle_encoder_init (&enc, f, 1);
          if (how == 0)
            {
              rfb_put_update_header (s, 1);
              rfb_put_rect_header (s, 0, 0, w, h, OB_RFB_ENCODING_RAW);
              for (guint v = 0; v < n; v++)
                put_wire (s, f, v);
            }
          else if (how < 3)
            {
              g_autoptr(GByteArray) t = g_byte_array_new ();

              /* One rectangle of 64×64 tiles (the 8 bpp screen is one
               * row: tiles of 64×1), in order. */
              for (guint ty = 0; ty < h; ty += 64)
                for (guint tx = 0; tx < w; tx += 64)
                  {
                    guint8 sub = how == 1 ? 0 : 128, zero = 0;

                    g_byte_array_append (t, &sub, 1);
                    for (guint y = ty; y < MIN (ty + 64, h); y++)
                      for (guint x = tx; x < tx + 64; x++)
                        {
                          put_wire (t, f, y * w + x);
                          if (how == 2)
                            g_byte_array_append (t, &zero, 1);
                        }
                  }
              rfb_put_update_header (s, 1);
              test_zrle_encode_bytes (&enc, s, 0, 0, w, h, t->data, t->len);
            }
          else
            {
              /* One 1×1 solid tile per value, an update per row, each row
               * fed on its own: feed() copies what is left at every
               * rectangle, which over all 65,536 would be quadratic. */
              guint row_ends = 0;

              for (guint y = 0; y < h; y++)
                {
                  g_autoptr(GByteArray) row = g_byte_array_new ();
                  g_autoptr(GBytes) row_stream = NULL;
                  guint one = 0;

                  rfb_put_update_header (row, w);
                  for (guint x = 0; x < w; x++)
                    {
                      g_autoptr(GByteArray) t = g_byte_array_new ();
                      guint8 sub = 1;

                      g_byte_array_append (t, &sub, 1);
                      put_wire (t, f, y * w + x);
                      test_zrle_encode_bytes (&enc, row, x, y, 1, 1, t->data, t->len);
                    }
                  row_stream = g_byte_array_free_to_bytes (g_steal_pointer (&row));
                  g_assert_cmpint (feed (dec, row_stream, 0, &ev, &one, &error), ==, OB_RFB_DECODE_OK);
                  g_assert_no_error (error);
                  row_ends += one;
                }
              test_zrle_encoder_clear (&enc);
              g_assert_cmpuint (row_ends, ==, h);
              check_every_value (fb, f, w, h, names[how]);
              continue;
            }
          test_zrle_encoder_clear (&enc);
          stream = g_byte_array_free_to_bytes (g_steal_pointer (&s));
          feed (dec, stream, 0, &ev, &ends, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (ends, ==, 1);
          check_every_value (fb, f, w, h, names[how]);
        }
    }
}

/* Tiles cut right where the readers look ahead or count once for the
 * whole tile: one byte short of a full 64×64 raw tile, a plain RLE pixel
 * without its length byte, a palette RLE run without its length, a run
 * chain of 255s that stops at the end of the data, and runs that add up
 * to one pixel more than the tile. */
static void
test_zrle_truncated_tiles (void)
{
  for (guint bpp = 8; bpp <= 16; bpp += 8)
    {
      ObRfbPixelFormat f;
      guint cp = bpp / 8;

      ob_rfb_pixel_format_for_depth (&f, bpp == 8 ? OB_RFB_DEPTH_8 : OB_RFB_DEPTH_16);
      for (guint c = 0; c < 7; c++)
        {
          g_autoptr(GByteArray) t = g_byte_array_new ();
          g_autoptr(GByteArray) s = g_byte_array_new ();
          g_autoptr(GBytes) stream = NULL;
          g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (64, 64);
          g_autoptr(ObRfbDecoder) dec = new_decoder (fb, &f);
          g_autoptr(GError) error = NULL;
          TestZrleEncoder enc;
          ObRfbEvent ev;
          guint ends;
          guint8 b;

          switch (c)
            {
            case 0: /* raw, one byte short */
              b = 0;
              g_byte_array_append (t, &b, 1);
              for (guint i = 0; i < 64 * 64 * cp - 1; i++)
                g_byte_array_append (t, (const guint8 *) "\x5a", 1);
              break;
            case 1: /* plain RLE: runs of 256, the last pixel without a length */
              b = 128;
              g_byte_array_append (t, &b, 1);
              for (guint r = 0; r < 15; r++)
                {
                  put_wire (t, &f, r);
                  b = 255;
                  g_byte_array_append (t, &b, 1);
                  b = 0;
                  g_byte_array_append (t, &b, 1);
                }
              put_wire (t, &f, 7);
              break;
            case 2: /* plain RLE: a pixel cut in half (16 bpp) or nothing after the runs */
              b = 128;
              g_byte_array_append (t, &b, 1);
              put_wire (t, &f, 3);
              b = 100;
              g_byte_array_append (t, &b, 1);
              if (cp == 2)
                g_byte_array_append (t, (const guint8 *) "\x01", 1);
              break;
            case 3: /* palette RLE: a run flag without its length */
              b = 130;
              g_byte_array_append (t, &b, 1);
              put_wire (t, &f, 1);
              put_wire (t, &f, 2);
              b = 0x81;
              g_byte_array_append (t, &b, 1);
              break;
            case 4: /* palette RLE: 255s up to the end of the data */
              b = 130;
              g_byte_array_append (t, &b, 1);
              put_wire (t, &f, 1);
              put_wire (t, &f, 2);
              b = 0x80;
              g_byte_array_append (t, &b, 1);
              b = 255;
              for (guint i = 0; i < 10; i++)
                g_byte_array_append (t, &b, 1);
              break;
            case 5: /* plain RLE: 4096 + 1 pixels */
              b = 128;
              g_byte_array_append (t, &b, 1);
              put_wire (t, &f, 9);
              b = 255;
              for (guint i = 0; i < 16; i++)
                g_byte_array_append (t, &b, 1);
              b = 0;
              g_byte_array_append (t, &b, 1);
              break;
            case 6: /* palette RLE: 4095 single pixels, then a run of 2 */
            default:
              b = 130;
              g_byte_array_append (t, &b, 1);
              put_wire (t, &f, 1);
              put_wire (t, &f, 2);
              for (guint i = 0; i < 4095; i++)
                {
                  b = i & 1;
                  g_byte_array_append (t, &b, 1);
                }
              b = 0x81;
              g_byte_array_append (t, &b, 1);
              b = 1;
              g_byte_array_append (t, &b, 1);
              break;
            }
          g_test_message ("truncated tile %u at %u bpp", c, bpp);
          test_zrle_encoder_init (&enc, &f, 6);
          rfb_put_update_header (s, 1);
          test_zrle_encode_bytes (&enc, s, 0, 0, 64, 64, t->data, t->len);
          test_zrle_encoder_clear (&enc);
          stream = g_byte_array_free_to_bytes (g_steal_pointer (&s));
          g_assert_cmpint (feed (dec, stream, 0, &ev, &ends, &error), ==, OB_RFB_DECODE_ERROR);
          g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL);
        }
    }
}

/* ---- RLE runs, both tile loops ------------------------------------------ */

/* Decodes one ZRLE rectangle of the inflated tile bytes @t into a fresh
 * @w×@h screen with the best tile loops (@portable FALSE) or the portable
 * ones; the pixels, or NULL on an error. */
static guint32 *
decode_zrle_bytes (const ObRfbPixelFormat *f,
                   guint                   w,
                   guint                   h,
                   const guint8           *t,
                   gsize                   len,
                   gboolean                portable)
{
  TestZrleEncoder enc;
  g_autoptr(GByteArray) s = g_byte_array_new ();
  g_autoptr(GBytes) stream = NULL;
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (w, h);
  g_autoptr(ObRfbDecoder) dec = ob_rfb_decoder_new (fb, f);
  g_autoptr(GError) error = NULL;
  ObRfbEvent ev;
  guint ends;

  ob_rfb_decoder_set_portable (dec, portable);
  test_zrle_encoder_init (&enc, f, 6);
  rfb_put_update_header (s, 1);
  test_zrle_encode_bytes (&enc, s, 0, 0, w, h, t, len);
  test_zrle_encoder_clear (&enc);
  stream = g_bytes_new (s->data, s->len);
  if (feed (dec, stream, 0, &ev, &ends, &error) != OB_RFB_DECODE_OK)
    {
      g_test_message ("%u×%u, %s: %s", w, h, ob_rfb_decoder_get_variant (dec), error->message);
      g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL);
      return NULL;
    }
  g_assert_cmpuint (ends, ==, 1);
  return g_memdup2 (ob_framebuffer_get_data (fb), (gsize) w * h * 4);
}

/* A run length after its pixel or palette byte: 255s, then the rest. */
static void
put_run (GByteArray *t,
         guint       run)
{
  guint r = run - 1;
  guint8 b = 255;

  for (; r >= 255; r -= 255)
    g_byte_array_append (t, &b, 1);
  b = (guint8) r;
  g_byte_array_append (t, &b, 1);
}

/* Run lengths of a pattern: single pixels, 1..40 (across the 16 and 32
 * pixel blocks the fills store), lengths around a block, a row and a
 * length byte, one run for the whole tile, random up to three rows, and
 * runs of 1 or 2 (with palette singles written as runs of 1). */
static guint
pattern_run (guint  pattern,
             guint  i,
             guint  w,
             GRand *rand)
{
  static const guint lengths[] = { 15, 16, 17, 31, 32, 33, 63, 64, 65, 254, 255, 256, 257, 510, 511, 512, 4096 };

  switch (pattern)
    {
    case 0:
      return 1;
    case 1:
      return 1 + i % 40;
    case 2:
      return lengths[i % G_N_ELEMENTS (lengths)];
    case 3:
      return 64 * 64;
    case 4:
      return (guint) g_rand_int_range (rand, 1, (gint32) (3 * w + 2));
    default:
      return 1 + (i & 1);
    }
}

#define N_PATTERNS 6

/* The tile bytes of a @w×@h rectangle in plain (@palette FALSE) or
 * palette RLE, every tile's runs from @pattern (the last run of a tile
 * cut to end exactly on its last pixel), and the pixels it must give. */
static void
encode_rle_rect (const ObRfbPixelFormat *f,
                 guint                   w,
                 guint                   h,
                 gboolean                palette,
                 guint                   pattern,
                 GRand                  *rand,
                 GByteArray             *t,
                 guint32                *want)
{
  guint vmax = f->bits_per_pixel == 8 ? 0xFF : 0xFFFF;

  for (guint ty = 0; ty < h; ty += 64)
    for (guint tx = 0; tx < w; tx += 64)
      {
        guint tw = MIN (64, w - tx), th = MIN (64, h - ty), total = tw * th, done = 0;
        guint vals[5];
        guint8 b = palette ? 128 + 5 : 128;

        g_byte_array_append (t, &b, 1);
        for (guint k = 0; k < 5; k++)
          {
            vals[k] = (guint) g_rand_int_range (rand, 0, (gint32) vmax + 1);
            if (palette)
              put_wire (t, f, vals[k]);
          }
        for (guint i = 0; done < total; i++)
          {
            guint next = pattern_run (pattern, i, tw, rand);
            guint run = MIN (next, total - done);
            guint idx = (guint) g_rand_int_range (rand, 0, 5);
            guint v = palette ? vals[idx] : (guint) g_rand_int_range (rand, 0, (gint32) vmax + 1);

            if (palette)
              {
                /* A single pixel is also a run of 1 (pattern 5, every
                 * other one). */
                gboolean as_run = run > 1 || (pattern == 5 && i % 4 == 0);

                b = (guint8) (idx | (as_run ? 0x80 : 0));
                g_byte_array_append (t, &b, 1);
                if (as_run)
                  put_run (t, run);
              }
            else
              {
                put_wire (t, f, v);
                put_run (t, run);
              }
            for (guint k = done; k < done + run; k++)
              want[(gsize) (ty + k / tw) * w + tx + k % tw] = ob_rfb_pixel_format_to_xrgb (f, v);
            done += run;
          }
      }
}

/* Plain and palette RLE at 8 and 16 bpp, through the best and the
 * portable tile loops: single pixels, runs crossing rows, runs ending on
 * a tile's last pixel, runs of every length around the fill blocks and
 * the length bytes, a whole tile in one run; tiles of full and partial
 * widths and heights, several tiles in a rectangle. */
static void
test_zrle_rle_runs (void)
{
  static const guint sizes[][2] = {
    { 64, 64 }, { 64, 3 }, { 33, 64 }, { 7, 3 }, { 1, 1 }, { 130, 70 }, { 200, 1 },
  };
  static const ObRfbDepth depths[] = { OB_RFB_DEPTH_8, OB_RFB_DEPTH_16 };
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint di = 0; di < G_N_ELEMENTS (depths); di++)
    for (guint si = 0; si < G_N_ELEMENTS (sizes); si++)
      for (guint palette = 0; palette < 2; palette++)
        for (guint pattern = 0; pattern < N_PATTERNS; pattern++)
          {
            ObRfbPixelFormat f;
            guint w = sizes[si][0], h = sizes[si][1];
            g_autoptr(GByteArray) t = g_byte_array_new ();
            g_autofree guint32 *want = g_new0 (guint32, (gsize) w * h);
            g_autofree guint32 *best = NULL;
            g_autofree guint32 *portable = NULL;

            ob_rfb_pixel_format_for_depth (&f, depths[di]);
            g_test_message ("%u bpp %u×%u %s pattern %u", f.bits_per_pixel, w, h,
                            palette ? "palette RLE" : "plain RLE", pattern);
            encode_rle_rect (&f, w, h, palette, pattern, rand, t, want);
            best = decode_zrle_bytes (&f, w, h, t->data, t->len, FALSE);
            portable = decode_zrle_bytes (&f, w, h, t->data, t->len, TRUE);
            g_assert_nonnull (best);
            g_assert_nonnull (portable);
            for (gsize i = 0; i < (gsize) w * h; i++)
              if (best[i] != want[i] || portable[i] != want[i])
                g_error ("%u bpp %u×%u %s pattern %u: pixel %" G_GSIZE_FORMAT
                         " want %08x, best %08x, portable %08x",
                         f.bits_per_pixel, w, h, palette ? "palette RLE" : "plain RLE", pattern,
                         i, want[i], best[i], portable[i]);
          }
  g_rand_free (rand);
}

/* Runs that do not end on a tile's last pixel are refused, however far
 * they go (the decoder writes short runs before it checks them): one
 * pixel too many, a one-byte length of 255 from the last pixel, a chain
 * of 255s past the tile, a run of the whole tile after the first pixel,
 * a run that would go on into the next tile (whose data is short by as
 * much), and palette indices past the palette inside runs. */
static void
test_zrle_rle_overflow (void)
{
  static const guint sizes[][2] = { { 64, 64 }, { 7, 3 }, { 1, 1 } };
  static const ObRfbDepth depths[] = { OB_RFB_DEPTH_8, OB_RFB_DEPTH_16 };

  for (guint di = 0; di < G_N_ELEMENTS (depths); di++)
    for (guint si = 0; si < G_N_ELEMENTS (sizes); si++)
      for (guint palette = 0; palette < 2; palette++)
        for (guint c = 0; c < 7; c++)
          {
            ObRfbPixelFormat f;
            guint tw = sizes[si][0], th = sizes[si][1], total = tw * th;
            guint w = tw, h = th;
            g_autoptr(GByteArray) t = g_byte_array_new ();
            g_autofree guint32 *best = NULL;
            g_autofree guint32 *portable = NULL;
            guint8 b = palette ? 128 + 2 : 128;
            /* Entries of one colour: (pixel or palette byte, run). */
#define ENTRY(run) G_STMT_START { \
              if (palette) \
                { \
                  guint8 e_ = (guint8) (c == 6 ? 0x82 : 0x81); \
                  g_byte_array_append (t, &e_, 1); \
                } \
              else \
                put_wire (t, &f, 0x1234 & (f.bits_per_pixel == 8 ? 0xFF : 0xFFFF)); \
              put_run (t, (run)); \
            } G_STMT_END

            ob_rfb_pixel_format_for_depth (&f, depths[di]);
            g_byte_array_append (t, &b, 1);
            if (palette)
              {
                put_wire (t, &f, 1);
                put_wire (t, &f, 2);
              }
            switch (c)
              {
              case 0: /* one pixel too many */
                ENTRY (total + 1);
                break;
              case 1: /* all but the last pixel, then 255 more from it */
                if (total > 1)
                  ENTRY (total - 1);
                ENTRY (255);
                break;
              case 2: /* a chain of 255s going on past the tile */
                ENTRY (total + 3 * 255);
                break;
              case 3: /* one pixel, then a run of the whole tile */
                ENTRY (1);
                ENTRY (total);
                break;
              case 4: /* a maximal chain: 255 × 255s (fits in no tile) */
                if (palette)
                  {
                    guint8 e = 0x81;

                    g_byte_array_append (t, &e, 1);
                  }
                else
                  put_wire (t, &f, 7);
                for (guint i = 0; i < 255; i++)
                  {
                    guint8 ff = 255;

                    g_byte_array_append (t, &ff, 1);
                  }
                b = 0;
                g_byte_array_append (t, &b, 1);
                break;
              case 5: /* into a second tile, which is short by as much */
                w = tw + 64;
                ENTRY (total + 10);
                b = palette ? 128 + 2 : 128;
                g_byte_array_append (t, &b, 1);
                if (palette)
                  {
                    put_wire (t, &f, 1);
                    put_wire (t, &f, 2);
                  }
                ENTRY (64 * th - 10);
                break;
              case 6: /* palette: a run of index 2 of 2 colours; plain: a valid tile */
              default:
                ENTRY (total);
                break;
              }
#undef ENTRY
            best = decode_zrle_bytes (&f, w, h, t->data, t->len, FALSE);
            portable = decode_zrle_bytes (&f, w, h, t->data, t->len, TRUE);
            if (c == 6 && !palette)
              {
                /* The control: the same entries that fit are accepted. */
                g_assert_nonnull (best);
                g_assert_nonnull (portable);
                g_assert_cmpmem (best, (gsize) w * h * 4, portable, (gsize) w * h * 4);
                continue;
              }
            if (best != NULL || portable != NULL)
              g_error ("%u bpp %u×%u %s case %u was accepted", f.bits_per_pixel, tw, th,
                       palette ? "palette RLE" : "plain RLE", c);
          }
}

/* The variant in use: AVX2 when the CPU has it, until the portable one
 * is asked for; kept over a change of pixel format; both decode alike. */
static void
test_variants (void)
{
  ObRfbPixelFormat f16, f8;
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (8, 8);
  g_autoptr(ObRfbDecoder) dec = NULL;
  gboolean avx2 = FALSE;

#if defined(__x86_64__) && defined(__GNUC__)
  avx2 = __builtin_cpu_supports ("avx2") != 0;
#endif
  ob_rfb_pixel_format_for_depth (&f16, OB_RFB_DEPTH_16);
  ob_rfb_pixel_format_for_depth (&f8, OB_RFB_DEPTH_8);
  dec = ob_rfb_decoder_new (fb, &f16);
  g_test_message ("best variant: %s", ob_rfb_decoder_get_variant (dec));
  g_assert_cmpstr (ob_rfb_decoder_get_variant (dec), ==, avx2 ? "avx2" : "portable");
  g_assert_true (ob_rfb_decoder_set_portable (dec, TRUE));
  g_assert_cmpstr (ob_rfb_decoder_get_variant (dec), ==, "portable");
  g_assert_true (ob_rfb_decoder_set_pixel_format (dec, &f8, NULL));
  g_assert_cmpstr (ob_rfb_decoder_get_variant (dec), ==, "portable");
  g_assert_true (ob_rfb_decoder_set_portable (dec, FALSE) == avx2);
  g_assert_cmpstr (ob_rfb_decoder_get_variant (dec), ==, avx2 ? "avx2" : "portable");
  g_assert_true (ob_rfb_decoder_set_pixel_format (dec, &f16, NULL));
  g_assert_cmpstr (ob_rfb_decoder_get_variant (dec), ==, avx2 ? "avx2" : "portable");
}

typedef struct
{
  const char *name;
  GTestFunc   func;
} TestCase;

typedef struct
{
  const TestCase *test;
  gboolean        portable;
} TestRun;

static void
run_test (gconstpointer data)
{
  const TestRun *run = data;

  use_portable = run->portable;
  run->test->func ();
  use_portable = FALSE;
}

int
main (int   argc,
      char *argv[])
{
  static const TestCase tests[] = {
    { "pixel-formats", test_pixel_formats },
    { "raw", test_raw },
    { "zrle-subencodings", test_zrle_subencodings },
    { "zrle-pieces-stored", test_zrle_pieces_and_stored },
    { "zrle-amt-tiling", test_zrle_amt_tiling_and_damage },
    { "damage-signal", test_damage_signal },
    { "desktop-size-bell-cut-text", test_desktop_size_bell_cut_text },
    { "zrle-tile-edges", test_zrle_tile_edges },
    { "zrle-packed-palette-reuse", test_zrle_packed_palette_reuse },
    { "hostile", test_hostile },
    { "truncation", test_truncation },
    { "every-wire-value", test_every_wire_value },
    { "zrle-truncated-tiles", test_zrle_truncated_tiles },
  };
  static TestRun runs[2 * G_N_ELEMENTS (tests)];
  int status;

  g_test_init (&argc, &argv, NULL);

  /* Each test with the best tile loops, then with the portable ones. */
  for (guint v = 0; v < 2; v++)
    for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
      {
        TestRun *run = &runs[v * G_N_ELEMENTS (tests) + i];
        g_autofree char *path = g_strdup_printf ("/rfb-decoder/%s/%s", v ? "portable" : "best", tests[i].name);

        run->test = &tests[i];
        run->portable = v == 1;
        g_test_add_data_func (path, run, run_test);
      }
  /* These compare the two themselves. */
  g_test_add_func ("/rfb-decoder/variants", test_variants);
  g_test_add_func ("/rfb-decoder/zrle-rle-runs", test_zrle_rle_runs);
  g_test_add_func ("/rfb-decoder/zrle-rle-overflow", test_zrle_rle_overflow);

  status = g_test_run ();
  return status;
}
