/* fuzz-rfb-decoder.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObRfbDecoder over arbitrary server bytes, fed as ObRfbClient feeds it:
 * an accumulator growing piece by piece, decoded in a loop.  Besides "no
 * crash, no leak, no over-read" (every call gets a private copy of
 * exactly the unconsumed bytes) it checks that decoding in pieces gives
 * the same events, the same end state and the same pixels as decoding the
 * whole input at once, and that no call consumes more than it was given.
 * The whole input goes through the portable tile loops, the pieces
 * through the best ones the CPU has (AVX2): they must agree too.
 *
 * Input: one control byte (bits 0-2: pixel format; bits 3-7: piece size
 * (n + 1) * 5), then the stream.  The framebuffer starts at 130×70.
 *
 * Mutated compressed data rarely gets past inflate, so the same bytes are
 * also taken as the inflated payload of one ZRLE rectangle (its size from
 * the first two bytes, the rest as tile data), compressed here and
 * decoded the same two ways: the tile readers see arbitrary tiles. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "ob-framebuffer.h"
#include "ob-redir-error.h"
#include "ob-rfb-decoder.h"
#include "ob-rfb-decoder-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct
{
  ObRfbDecodeStatus last;
  guint             events;
  guint             updates;
  gsize             consumed;
  guint             width, height;
  guint32           hash;
} Outcome;

static void
pick_format (ObRfbPixelFormat *f,
             guint             which)
{
  switch (which & 7)
    {
    case 0:
      ob_rfb_pixel_format_for_depth (f, OB_RFB_DEPTH_16);
      break;
    case 1:
      ob_rfb_pixel_format_for_depth (f, OB_RFB_DEPTH_8);
      break;
    case 2:
      ob_rfb_pixel_format_for_depth (f, OB_RFB_DEPTH_GREY8);
      break;
    case 3:
      ob_rfb_pixel_format_for_depth (f, OB_RFB_DEPTH_GREY4);
      break;
    case 4:
      ob_rfb_pixel_format_for_depth (f, OB_RFB_DEPTH_32);
      break;
    case 5:
      ob_rfb_pixel_format_for_depth (f, OB_RFB_DEPTH_16);
      f->big_endian = TRUE;
      break;
    case 6:
      ob_rfb_pixel_format_for_depth (f, OB_RFB_DEPTH_32);
      f->big_endian = TRUE;
      f->red_shift = 24;
      f->green_shift = 16;
      f->blue_shift = 8;
      break;
    default:
      ob_rfb_pixel_format_for_depth (f, OB_RFB_DEPTH_32);
      f->depth = 32;
      break;
    }
}

static Outcome
run (const ObRfbPixelFormat *f,
     const guint8           *data,
     gsize                   size,
     gsize                   piece,
     gboolean                portable)
{
  g_autoptr(ObFramebuffer) fb = ob_framebuffer_new (130, 70);
  g_autoptr(ObRfbDecoder) dec = ob_rfb_decoder_new (fb, f);
  Outcome out = { OB_RFB_DECODE_NEED_MORE, 0, 0, 0, 0, 0, 2166136261u };
  gsize avail = 0, start = 0;
  const guint32 *px;

  ob_rfb_decoder_set_portable (dec, portable);

  while (avail < size && out.last != OB_RFB_DECODE_ERROR)
    {
      avail = MIN (size, avail + piece);
      for (;;)
        {
          gsize len = avail - start, used = 0;
          g_autofree guint8 *copy = len > 0 ? g_memdup2 (data + start, len) : g_malloc (1);
          g_autoptr(GError) error = NULL;
          ObRfbEvent ev = 0;
          ObRfbDecodeStatus st = ob_rfb_decoder_decode (dec, copy, len, &used, &ev, &error);

          if (st == OB_RFB_DECODE_ERROR)
            {
              if (error == NULL || error->domain != OB_REDIR_ERROR || used != 0)
                abort ();
              out.last = st;
              break;
            }
          if (st == OB_RFB_DECODE_NEED_MORE)
            {
              if (error != NULL || used != 0)
                abort ();
              break;
            }
          if (st != OB_RFB_DECODE_OK || error != NULL || used == 0 || used > len)
            abort ();
          start += used;
          out.events |= ev;
          if (ev & OB_RFB_EVENT_UPDATE_END)
            {
              out.updates++;
              ob_framebuffer_flush_damage (fb);
            }
        }
    }

  out.consumed = start;
  out.width = ob_framebuffer_get_width (fb);
  out.height = ob_framebuffer_get_height (fb);
  px = ob_framebuffer_get_data (fb);
  for (gsize i = 0; i < (gsize) out.width * out.height; i++)
    out.hash = (out.hash ^ px[i]) * 16777619u;
  return out;
}

static void
put_be32 (GByteArray *s,
          guint32     v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (s, b, 4);
}

/* A FramebufferUpdate with one ZRLE rectangle whose inflated bytes are
 * @tiles, compressed as a server does (zlib header, sync flush, never
 * finished). */
static GBytes *
zrle_update (guint         w,
             guint         h,
             const guint8 *tiles,
             gsize         len)
{
  g_autoptr(GByteArray) s = g_byte_array_new ();
  static const guint8 update[] = { 0, 0, 0, 1 };
  guint8 rect[12] = { 0, 0, 0, 0, w >> 8, w, h >> 8, h, 0, 0, 0, 16 };
  z_stream zs = { 0 };
  gsize bound = len + len / 8 + 256;
  g_autofree guint8 *z = g_malloc (bound);

  if (deflateInit (&zs, 1) != Z_OK)
    abort ();
  zs.next_in = (Bytef *) tiles;
  zs.avail_in = (uInt) len;
  zs.next_out = z;
  zs.avail_out = (uInt) bound;
  if (deflate (&zs, Z_SYNC_FLUSH) != Z_OK || zs.avail_in != 0)
    abort ();
  g_byte_array_append (s, update, sizeof update);
  g_byte_array_append (s, rect, sizeof rect);
  put_be32 (s, (guint32) (bound - zs.avail_out));
  g_byte_array_append (s, z, (guint) (bound - zs.avail_out));
  deflateEnd (&zs);
  return g_byte_array_free_to_bytes (g_steal_pointer (&s));
}

static void
compare (const Outcome *a,
         const Outcome *b)
{
  if (a->last != b->last || a->events != b->events || a->updates != b->updates
      || a->consumed != b->consumed || a->width != b->width || a->height != b->height
      || a->hash != b->hash)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  ObRfbPixelFormat f;
  gsize piece;
  Outcome whole, split;

  if (size < 1)
    return 0;
  pick_format (&f, data[0]);
  piece = ((gsize) (data[0] >> 3) + 1) * 5;
  data++;
  size--;

  whole = run (&f, data, size, MAX (size, 1), TRUE);
  split = run (&f, data, size, piece, FALSE);
  compare (&whole, &split);

  if (size >= 2)
    {
      g_autoptr(GBytes) update = zrle_update (1 + data[0] % 130, 1 + data[1] % 70, data + 2, size - 2);
      const guint8 *u = g_bytes_get_data (update, NULL);
      gsize ulen = g_bytes_get_size (update);

      whole = run (&f, u, ulen, ulen, TRUE);
      split = run (&f, u, ulen, piece, FALSE);
      compare (&whole, &split);
    }
  return 0;
}
