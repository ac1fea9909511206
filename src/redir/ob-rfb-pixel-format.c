/* ob-rfb-pixel-format.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-redir-error.h"
#include "ob-rfb-pixel-format.h"

void
ob_rfb_pixel_format_for_depth (ObRfbPixelFormat *f,
                               ObRfbDepth        depth)
{
  g_return_if_fail (f != NULL);

  memset (f, 0, sizeof *f);
  f->true_colour = TRUE;
  f->big_endian = FALSE;
  switch (depth)
    {
    case OB_RFB_DEPTH_8:
      f->bits_per_pixel = 8;
      f->depth = 8;
      f->red_max = 7;
      f->green_max = 7;
      f->blue_max = 3;
      f->red_shift = 5;
      f->green_shift = 2;
      f->blue_shift = 0;
      break;
    case OB_RFB_DEPTH_GREY8:
      f->bits_per_pixel = 8;
      f->depth = 8;
      f->red_max = 255;
      break;
    case OB_RFB_DEPTH_GREY4:
      f->bits_per_pixel = 8;
      f->depth = 4;
      f->red_max = 15;
      break;
    case OB_RFB_DEPTH_32:
      f->bits_per_pixel = 32;
      f->depth = 24;
      f->red_max = 255;
      f->green_max = 255;
      f->blue_max = 255;
      f->red_shift = 16;
      f->green_shift = 8;
      f->blue_shift = 0;
      break;
    case OB_RFB_DEPTH_16:
    default:
      f->bits_per_pixel = 16;
      f->depth = 16;
      f->red_max = 31;
      f->green_max = 63;
      f->blue_max = 31;
      f->red_shift = 11;
      f->green_shift = 5;
      f->blue_shift = 0;
      break;
    }
}

static guint16
be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

void
ob_rfb_pixel_format_read (ObRfbPixelFormat *f,
                          const guint8     *d)
{
  g_return_if_fail (f != NULL && d != NULL);

  f->bits_per_pixel = d[0];
  f->depth = d[1];
  f->big_endian = d[2] != 0;
  f->true_colour = d[3] != 0;
  f->red_max = be16 (d + 4);
  f->green_max = be16 (d + 6);
  f->blue_max = be16 (d + 8);
  f->red_shift = d[10];
  f->green_shift = d[11];
  f->blue_shift = d[12];
}

void
ob_rfb_pixel_format_write (const ObRfbPixelFormat *f,
                           guint8                 *d)
{
  g_return_if_fail (f != NULL && d != NULL);

  memset (d, 0, OB_RFB_PIXEL_FORMAT_SIZE);
  d[0] = f->bits_per_pixel;
  d[1] = f->depth;
  d[2] = f->big_endian ? 1 : 0;
  d[3] = f->true_colour ? 1 : 0;
  d[4] = f->red_max >> 8;
  d[5] = f->red_max & 0xFF;
  d[6] = f->green_max >> 8;
  d[7] = f->green_max & 0xFF;
  d[8] = f->blue_max >> 8;
  d[9] = f->blue_max & 0xFF;
  d[10] = f->red_shift;
  d[11] = f->green_shift;
  d[12] = f->blue_shift;
}

gboolean
ob_rfb_pixel_format_equal (const ObRfbPixelFormat *a,
                           const ObRfbPixelFormat *b)
{
  return a->bits_per_pixel == b->bits_per_pixel && a->depth == b->depth
         && !a->big_endian == !b->big_endian && !a->true_colour == !b->true_colour
         && a->red_max == b->red_max && a->green_max == b->green_max && a->blue_max == b->blue_max
         && a->red_shift == b->red_shift && a->green_shift == b->green_shift
         && a->blue_shift == b->blue_shift;
}

gboolean
ob_rfb_pixel_format_is_grey (const ObRfbPixelFormat *f)
{
  return f->red_max > 0 && f->green_max == 0 && f->blue_max == 0;
}

/* The channel fits in the pixel: max is 2^n - 1 and max << shift stays
 * below 2^bpp. */
static gboolean
channel_ok (guint16 max,
            guint8  shift,
            guint   bpp)
{
  guint64 top;

  if (max == 0)
    return TRUE;
  if ((max & (max + 1u)) != 0 || shift >= bpp)
    return FALSE;
  top = (guint64) max << shift;
  return top < ((guint64) 1 << bpp);
}

gboolean
ob_rfb_pixel_format_is_supported (const ObRfbPixelFormat *f,
                                  GError                **error)
{
  guint bpp = f->bits_per_pixel;

  if (bpp != 8 && bpp != 16 && bpp != 32)
    {
      g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED,
                   "Unsupported pixel format: %u bits per pixel", bpp);
      return FALSE;
    }
  if (!f->true_colour)
    {
      g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED,
                   "Unsupported pixel format: colour map instead of true colour");
      return FALSE;
    }
  if (!channel_ok (f->red_max, f->red_shift, bpp)
      || !channel_ok (f->green_max, f->green_shift, bpp)
      || !channel_ok (f->blue_max, f->blue_shift, bpp)
      || f->red_max == 0
      || ((f->green_max == 0) != (f->blue_max == 0)))
    {
      g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED,
                   "Unsupported pixel format: channels %u/%u/%u at shifts %u/%u/%u in %u bits",
                   f->red_max, f->green_max, f->blue_max,
                   f->red_shift, f->green_shift, f->blue_shift, bpp);
      return FALSE;
    }
  return TRUE;
}

guint
ob_rfb_pixel_format_cpixel_size (const ObRfbPixelFormat *f)
{
  if (f->true_colour && f->bits_per_pixel == 32 && f->depth <= 24)
    {
      guint32 mask = ((guint32) f->red_max << f->red_shift)
                     | ((guint32) f->green_max << f->green_shift)
                     | ((guint32) f->blue_max << f->blue_shift);

      if ((mask & 0xFF000000u) == 0 || (mask & 0x000000FFu) == 0)
        return 3;
    }
  return f->bits_per_pixel / 8;
}

static guint32
scale_to_8 (guint32 v,
            guint16 max)
{
  if (max == 255)
    return v;
  return (v * 255 + max / 2) / max;
}

guint32
ob_rfb_pixel_format_to_xrgb (const ObRfbPixelFormat *f,
                             guint32                 pixel)
{
  guint32 r, g, b;

  r = scale_to_8 ((pixel >> f->red_shift) & f->red_max, f->red_max);
  if (ob_rfb_pixel_format_is_grey (f))
    g = b = r;
  else
    {
      g = scale_to_8 ((pixel >> f->green_shift) & f->green_max, f->green_max);
      b = scale_to_8 ((pixel >> f->blue_shift) & f->blue_max, f->blue_max);
    }
  return 0xFF000000u | (r << 16) | (g << 8) | b;
}

static guint32
scale_from_8 (guint32 c,
              guint16 max)
{
  return (c * max + 127) / 255;
}

guint32
ob_rfb_pixel_format_from_rgb (const ObRfbPixelFormat *f,
                              guint32                 rgb)
{
  guint32 r = (rgb >> 16) & 0xFF, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;

  if (ob_rfb_pixel_format_is_grey (f))
    {
      /* ITU-R 601 luma, as a grey framebuffer would show it. */
      guint32 y = (r * 299 + g * 587 + b * 114 + 500) / 1000;

      return scale_from_8 (y, f->red_max) << f->red_shift;
    }
  return (scale_from_8 (r, f->red_max) << f->red_shift)
         | (scale_from_8 (g, f->green_max) << f->green_shift)
         | (scale_from_8 (b, f->blue_max) << f->blue_shift);
}

char *
ob_rfb_pixel_format_to_string (const ObRfbPixelFormat *f)
{
  if (ob_rfb_pixel_format_is_grey (f))
    return g_strdup_printf ("%u bpp grey (%u levels)", f->bits_per_pixel, f->red_max + 1u);
  if (f->red_max == 31 && f->green_max == 63 && f->blue_max == 31)
    return g_strdup_printf ("%u bpp RGB565%s", f->bits_per_pixel, f->big_endian ? " big-endian" : "");
  if (f->red_max == 7 && f->green_max == 7 && f->blue_max == 3)
    return g_strdup_printf ("%u bpp RGB332", f->bits_per_pixel);
  return g_strdup_printf ("%u bpp depth %u (max %u/%u/%u, shift %u/%u/%u)%s",
                          f->bits_per_pixel, f->depth, f->red_max, f->green_max, f->blue_max,
                          f->red_shift, f->green_shift, f->blue_shift,
                          f->big_endian ? " big-endian" : "");
}
