/* rfb-test-encoder.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A small RFB server-side encoder (Raw and ZRLE over one deflate stream)
 * for the decoder tests, the fuzz corpus and the benchmark.  Included by
 * each program that needs it.  Images are 0xRRGGBB guint32 arrays. */

#pragma once

#include <string.h>
#include <zlib.h>

#include "ob-rfb-decoder.h"
#include "ob-rfb-pixel-format.h"

#define ZRLE_AUTO (-1)

typedef struct
{
  ObRfbPixelFormat format;
  guint            cp;          /* CPIXEL size */
  gboolean         cp_high;     /* 3-byte CPIXEL from the high bytes */
  z_stream         zs;
  GByteArray      *raw;         /* scratch: one rectangle before deflate */
} TestZrleEncoder;

static G_GNUC_UNUSED void
put_be16 (GByteArray *out,
          guint16     v)
{
  guint8 b[2] = { v >> 8, v & 0xFF };

  g_byte_array_append (out, b, 2);
}

static G_GNUC_UNUSED void
put_be32 (GByteArray *out,
          guint32     v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF };

  g_byte_array_append (out, b, 4);
}

static G_GNUC_UNUSED void
rfb_put_update_header (GByteArray *out,
                       guint       n_rects)
{
  guint8 h[2] = { 0, 0 };

  g_byte_array_append (out, h, 2);
  put_be16 (out, (guint16) n_rects);
}

static G_GNUC_UNUSED void
rfb_put_rect_header (GByteArray *out,
                     guint       x,
                     guint       y,
                     guint       w,
                     guint       h,
                     gint32      encoding)
{
  put_be16 (out, (guint16) x);
  put_be16 (out, (guint16) y);
  put_be16 (out, (guint16) w);
  put_be16 (out, (guint16) h);
  put_be32 (out, (guint32) encoding);
}

/* A pixel value written as @n bytes in the format's order (@n = bytes
 * per pixel, or the CPIXEL size). */
static G_GNUC_UNUSED void
put_value (GByteArray             *out,
           const ObRfbPixelFormat *f,
           guint32                 v,
           guint                   n,
           gboolean                high)
{
  guint8 b[4];
  guint bpp = f->bits_per_pixel / 8;

  for (guint i = 0; i < bpp; i++)
    b[i] = f->big_endian ? (v >> (8 * (bpp - 1 - i))) & 0xFF : (v >> (8 * i)) & 0xFF;
  if (n == 3 && bpp == 4)
    {
      /* Keep the 3 bytes that carry the colour. */
      gboolean drop_first = f->big_endian ? !high : high;

      g_byte_array_append (out, drop_first ? b + 1 : b, 3);
      return;
    }
  g_byte_array_append (out, b, n);
}

/* The pixel value of @rgb, written as put_value() does. */
static G_GNUC_UNUSED void
put_pixel (GByteArray             *out,
           const ObRfbPixelFormat *f,
           guint32                 rgb,
           guint                   n,
           gboolean                high)
{
  put_value (out, f, ob_rfb_pixel_format_from_rgb (f, rgb), n, high);
}

/* What the decoder must show for @rgb in format @f. */
static G_GNUC_UNUSED guint32
expected_xrgb (const ObRfbPixelFormat *f,
               guint32                 rgb)
{
  return ob_rfb_pixel_format_to_xrgb (f, ob_rfb_pixel_format_from_rgb (f, rgb));
}

static G_GNUC_UNUSED void
test_zrle_encoder_init (TestZrleEncoder        *e,
                        const ObRfbPixelFormat *f,
                        int                     level)
{
  memset (e, 0, sizeof *e);
  e->format = *f;
  e->cp = ob_rfb_pixel_format_cpixel_size (f);
  if (e->cp == 3)
    {
      guint32 mask = ((guint32) f->red_max << f->red_shift) | ((guint32) f->green_max << f->green_shift)
                     | ((guint32) f->blue_max << f->blue_shift);

      e->cp_high = (mask & 0xFF000000u) != 0;
    }
  g_assert_cmpint (deflateInit (&e->zs, level), ==, Z_OK);
  e->raw = g_byte_array_new ();
}

static G_GNUC_UNUSED void
test_zrle_encoder_clear (TestZrleEncoder *e)
{
  deflateEnd (&e->zs);
  g_byte_array_unref (e->raw);
}

/* The distinct values of a tile (up to 128) in first-seen order; 129
 * means "more". */
static guint
value_palette (const guint32 *vals,
               guint          n_vals,
               guint32       *pal)
{
  guint n = 0;

  for (guint i = 0; i < n_vals; i++)
    {
      guint32 v = vals[i];
      guint k;

      if (n > 0 && pal[n - 1] == v)
        continue;
      for (k = 0; k < n; k++)
        if (pal[k] == v)
          break;
      if (k == n)
        {
          if (n == 128)
            return 129;
          pal[n++] = v;
        }
    }
  return n;
}

/* The same for a part of an 0xRRGGBB image in format @f. */
static G_GNUC_UNUSED guint
tile_palette (const ObRfbPixelFormat *f,
              const guint32          *img,
              gsize                   stride,
              guint                   tw,
              guint                   th,
              guint32                *pal)
{
  g_autofree guint32 *vals = g_new (guint32, (gsize) tw * th);

  for (guint y = 0; y < th; y++)
    for (guint x = 0; x < tw; x++)
      vals[y * tw + x] = ob_rfb_pixel_format_from_rgb (f, img[y * stride + x]);
  return value_palette (vals, tw * th, pal);
}

static guint
palette_index (const guint32 *pal,
               guint          n,
               guint32        v)
{
  for (guint i = 0; i < n; i++)
    if (pal[i] == v)
      return i;
  g_assert_not_reached ();
  return 0;
}

static void
put_run_length (GByteArray *out,
                guint       run)
{
  guint8 b255 = 255, last;

  run -= 1;
  while (run >= 255)
    {
      g_byte_array_append (out, &b255, 1);
      run -= 255;
    }
  last = (guint8) run;
  g_byte_array_append (out, &last, 1);
}

/* One tile of pixel values with subencoding @sub (ZRLE_AUTO: the smallest
 * that fits, as a server would choose). */
static void
encode_tile_values (TestZrleEncoder *e,
                    const guint32   *vals,
                    guint            tw,
                    guint            th,
                    int              sub)
{
  const ObRfbPixelFormat *f = &e->format;
  GByteArray *out = e->raw;
  guint32 pal[128];
  guint total = tw * th;
  guint n = value_palette (vals, total, pal);
  guint8 s;

  if (sub == ZRLE_AUTO)
    {
      /* Count runs to price the RLE forms. */
      gsize plain = 0, prle = 0, packed = G_MAXSIZE, raw = (gsize) total * e->cp;
      guint i = 0;

      while (i < total)
        {
          guint run = 1;

          while (i + run < total && vals[i + run] == vals[i])
            run++;
          plain += e->cp + 1 + (run - 1) / 255;
          prle += run == 1 ? 1 : 2 + (run - 1) / 255;
          i += run;
        }
      if (n <= 16)
        {
          guint bits = n <= 2 ? 1 : n <= 4 ? 2 : 4;

          packed = n * e->cp + (gsize) th * ((tw * bits + 7) / 8);
        }
      if (n <= 127)
        prle += n * e->cp;
      else
        prle = G_MAXSIZE;
      if (n == 1)
        sub = 1;
      else if (packed <= prle && packed <= plain && packed <= raw)
        sub = (int) n;
      else if (prle <= plain && prle <= raw)
        sub = 128 + (int) n;
      else if (plain <= raw)
        sub = 128;
      else
        sub = 0;
    }

  s = (guint8) sub;
  g_byte_array_append (out, &s, 1);
  if (sub == 0)
    {
      for (guint i = 0; i < total; i++)
        put_value (out, f, vals[i], e->cp, e->cp_high);
    }
  else if (sub == 1)
    {
      g_assert_cmpuint (n, ==, 1);
      put_value (out, f, vals[0], e->cp, e->cp_high);
    }
  else if (sub <= 16)
    {
      guint size = (guint) sub;
      guint bits = size == 2 ? 1 : size <= 4 ? 2 : 4;

      g_assert_cmpuint (n, <=, size);
      for (guint i = 0; i < size; i++)
        put_value (out, f, pal[MIN (i, n - 1)], e->cp, e->cp_high);
      for (guint y = 0; y < th; y++)
        {
          guint8 byte = 0;
          guint used = 0;

          for (guint x = 0; x < tw; x++)
            {
              byte |= (guint8) (palette_index (pal, n, vals[y * tw + x]) << (8 - bits - used));
              used += bits;
              if (used == 8)
                {
                  g_byte_array_append (out, &byte, 1);
                  byte = 0;
                  used = 0;
                }
            }
          if (used > 0)
            g_byte_array_append (out, &byte, 1);
        }
    }
  else
    {
      guint i = 0;
      gboolean with_palette = sub >= 130;
      guint size = with_palette ? (guint) sub - 128 : 0;

      g_assert_true (sub == 128 || (sub >= 130 && sub <= 255));
      if (with_palette)
        {
          g_assert_cmpuint (n, <=, size);
          for (guint k = 0; k < size; k++)
            put_value (out, f, pal[MIN (k, n - 1)], e->cp, e->cp_high);
        }
      while (i < total)
        {
          guint32 v = vals[i];
          guint run = 1;

          while (i + run < total && vals[i + run] == v)
            run++;
          if (with_palette)
            {
              guint8 idx = (guint8) palette_index (pal, n, v);

              if (run == 1)
                g_byte_array_append (out, &idx, 1);
              else
                {
                  idx |= 0x80;
                  g_byte_array_append (out, &idx, 1);
                  put_run_length (out, run);
                }
            }
          else
            {
              put_value (out, f, v, e->cp, e->cp_high);
              put_run_length (out, run);
            }
          i += run;
        }
    }
}

static void
encode_tile (TestZrleEncoder *e,
             const guint32   *img,
             gsize            stride,
             guint            tw,
             guint            th,
             int              sub)
{
  guint32 vals[64 * 64];

  for (guint y = 0; y < th; y++)
    for (guint x = 0; x < tw; x++)
      vals[y * tw + x] = ob_rfb_pixel_format_from_rgb (&e->format, img[y * stride + x]);
  encode_tile_values (e, vals, tw, th, sub);
}

/* Deflate what is in e->raw (sync flush) and append length + data. */
static void
flush_rect (TestZrleEncoder *e,
            GByteArray      *out)
{
  gsize cap = deflateBound (&e->zs, e->raw->len) + 64;
  g_autofree guint8 *z = g_malloc (cap);

  e->zs.next_in = e->raw->data;
  e->zs.avail_in = e->raw->len;
  e->zs.next_out = z;
  e->zs.avail_out = (uInt) cap;
  g_assert_cmpint (deflate (&e->zs, Z_SYNC_FLUSH), ==, Z_OK);
  g_assert_cmpuint (e->zs.avail_in, ==, 0);
  put_be32 (out, (guint32) (cap - e->zs.avail_out));
  g_byte_array_append (out, z, (guint) (cap - e->zs.avail_out));
  g_byte_array_set_size (e->raw, 0);
}

/* One ZRLE rectangle (header included) of the part of @img at x,y (@img
 * points at the image's origin, @stride pixels per row). */
static G_GNUC_UNUSED void
test_zrle_encode_rect (TestZrleEncoder *e,
                       GByteArray      *out,
                       const guint32   *img,
                       gsize            stride,
                       guint            x,
                       guint            y,
                       guint            w,
                       guint            h,
                       int              sub)
{
  rfb_put_rect_header (out, x, y, w, h, OB_RFB_ENCODING_ZRLE);
  for (guint ty = 0; ty < h; ty += 64)
    for (guint tx = 0; tx < w; tx += 64)
      encode_tile (e, img + (y + ty) * stride + x + tx, stride, MIN (64, w - tx), MIN (64, h - ty), sub);
  flush_rect (e, out);
}

/* The ZRLE payload of a rectangle whose inflated bytes are given as is
 * (hostile tiles). */
static G_GNUC_UNUSED void
test_zrle_encode_bytes (TestZrleEncoder *e,
                        GByteArray      *out,
                        guint            x,
                        guint            y,
                        guint            w,
                        guint            h,
                        const guint8    *tiles,
                        gsize            len)
{
  rfb_put_rect_header (out, x, y, w, h, OB_RFB_ENCODING_ZRLE);
  g_byte_array_append (e->raw, tiles, (guint) len);
  flush_rect (e, out);
}

static G_GNUC_UNUSED void
test_raw_encode_rect (const ObRfbPixelFormat *f,
                      GByteArray             *out,
                      const guint32          *img,
                      gsize                   stride,
                      guint                   x,
                      guint                   y,
                      guint                   w,
                      guint                   h)
{
  rfb_put_rect_header (out, x, y, w, h, OB_RFB_ENCODING_RAW);
  for (guint r = 0; r < h; r++)
    for (guint c = 0; c < w; c++)
      put_pixel (out, f, img[(y + r) * stride + x + c], f->bits_per_pixel / 8, FALSE);
}
