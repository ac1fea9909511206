/* ob-rfb-pixel-format.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An RFB PIXEL_FORMAT (RFC 6143 §7.4) and the formats AMT accepts
 * (redirection-kvm-sol.md §2.2).  A plain struct: copy it freely. */
typedef struct
{
  guint8  bits_per_pixel;   /* 8, 16 or 32 */
  guint8  depth;
  gboolean big_endian;
  gboolean true_colour;
  guint16 red_max;
  guint16 green_max;
  guint16 blue_max;
  guint8  red_shift;
  guint8  green_shift;
  guint8  blue_shift;
} ObRfbPixelFormat;

#define OB_RFB_PIXEL_FORMAT_SIZE 16

/* The colour depths the viewer offers (the KVM window's menu). */
typedef enum
{
  OB_RFB_DEPTH_16,      /* RGB565, little-endian: AMT's default */
  OB_RFB_DEPTH_8,       /* RGB332 */
  OB_RFB_DEPTH_GREY8,   /* 8-bit grey (AMT >= 16, GrayscalePixelFormatSupported) */
  OB_RFB_DEPTH_GREY4,   /* 4-bit grey in a byte */
  OB_RFB_DEPTH_32,      /* 24-bit colour in 32 bits: VNC servers only, AMT drops it */
} ObRfbDepth;

void     ob_rfb_pixel_format_for_depth   (ObRfbPixelFormat       *format,
                                          ObRfbDepth              depth);
/* Read the 16 wire bytes (@data has at least OB_RFB_PIXEL_FORMAT_SIZE). */
void     ob_rfb_pixel_format_read        (ObRfbPixelFormat       *format,
                                          const guint8           *data);
/* Write the 16 wire bytes (padding zero). */
void     ob_rfb_pixel_format_write       (const ObRfbPixelFormat *format,
                                          guint8                 *data);
gboolean ob_rfb_pixel_format_equal       (const ObRfbPixelFormat *a,
                                          const ObRfbPixelFormat *b);
/* Whether the decoder can turn it into colours: true colour, 8/16/32 bpp,
 * non-zero maxima (or red only: grey), channels that fit in the pixel.
 * FALSE with a reason in @error (OB_REDIR_ERROR_RFB_REFUSED). */
gboolean ob_rfb_pixel_format_is_supported (const ObRfbPixelFormat *format,
                                          GError                **error);
/* Grey formats carry the level in the red channel (green and blue max 0). */
gboolean ob_rfb_pixel_format_is_grey     (const ObRfbPixelFormat *format);
/* Bytes of a ZRLE CPIXEL (3 for 32 bpp formats whose colours fit in 3
 * bytes, else bits_per_pixel / 8). */
guint    ob_rfb_pixel_format_cpixel_size (const ObRfbPixelFormat *format);
/* A pixel value -> 0xFFRRGGBB (channels scaled to 0..255). */
guint32  ob_rfb_pixel_format_to_xrgb     (const ObRfbPixelFormat *format,
                                          guint32                 pixel);
/* 0xRRGGBB -> the nearest pixel value (rounded); for encoders and tests. */
guint32  ob_rfb_pixel_format_from_rgb    (const ObRfbPixelFormat *format,
                                          guint32                 rgb);
/* "16 bpp RGB565", "8 bpp RGB332", "8 bpp grey", … for logs. */
char    *ob_rfb_pixel_format_to_string   (const ObRfbPixelFormat *format);

G_END_DECLS
