/* fuzz-inflate.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObInflate over arbitrary bytes, fed as ZRLE feeds it: one stream in
 * pieces.
 *  - The bytes themselves as a raw deflate stream: whatever they are, no
 *    crash, no over-read, never more output than allowed (a mebibyte, or
 *    a few hundred bytes so the output limit is met too).  Every piece is
 *    a copy of exactly its size, so reading past it shows.
 *  - The bytes compressed by zlib (level, strategy and piece size from the
 *    first byte, a sync flush after each piece as a VNC server does) must
 *    inflate to exactly the bytes again.
 * Both through the portable inner loop and (where the CPU has BMI2) the
 * BMI2 one.
 * Input: one control byte, then the data. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ob-inflate.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MAX_OUT (1024 * 1024)

static ObInflate *
new_inflater (gboolean portable)
{
  ObInflate *inflater = ob_inflate_new ();

  ob_inflate_set_portable (inflater, portable);
  return inflater;
}

static void
feed_raw (const guint8 *data,
          gsize         size,
          gsize         piece,
          gsize         max_out,
          gboolean      portable)
{
  g_autoptr(ObInflate) inflater = new_inflater (portable);

  for (gsize offset = 0; offset < size; offset += piece)
    {
      gsize n = MIN (piece, size - offset);
      g_autofree guint8 *copy = g_memdup2 (data + offset, n);
      const guint8 *out = NULL;
      gsize out_len = 0;
      const char *why = NULL;
      ObInflateStatus status = ob_inflate_feed (inflater, copy, n, max_out, &out, &out_len, &why);

      if (out_len > max_out)
        abort ();
      if (status == OB_INFLATE_ERROR)
        {
          if (why == NULL)
            abort ();
          return;
        }
      if (status == OB_INFLATE_END)
        return;
    }
}

static void
round_trip (const guint8 *data,
            gsize         size,
            int           level,
            int           strategy,
            gsize         piece,
            gboolean      portable)
{
  g_autoptr(ObInflate) inflater = new_inflater (portable);
  g_autoptr(GByteArray) inflated = g_byte_array_new ();
  guint8 *compressed = g_malloc (compressBound ((uLong) piece) + 64);
  z_stream zs = { 0 };

  if (deflateInit2 (&zs, level, Z_DEFLATED, -15, 8, strategy) != Z_OK)
    abort ();

  for (gsize offset = 0; offset < size || offset == 0; offset += piece)
    {
      gsize take = MIN (piece, size - offset);
      const guint8 *out = NULL;
      gsize out_len = 0;
      const char *why = NULL;
      gsize produced;

      zs.next_in = (Bytef *) data + offset;
      zs.avail_in = (uInt) take;
      zs.next_out = compressed;
      zs.avail_out = (uInt) (compressBound ((uLong) piece) + 64);
      if (deflate (&zs, Z_SYNC_FLUSH) != Z_OK || zs.avail_in != 0)
        abort ();
      produced = (gsize) (zs.next_out - compressed);

      if (ob_inflate_feed (inflater, compressed, produced, MAX_OUT, &out, &out_len, &why) != OB_INFLATE_OK)
        abort ();
      g_byte_array_append (inflated, out, (guint) out_len);
      if (size == 0)
        break;
    }
  deflateEnd (&zs);
  g_free (compressed);

  if (inflated->len != size || (size > 0 && memcmp (inflated->data, data, size) != 0))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED };
  guint8 control;
  gsize piece;

  if (size < 1 || size > MAX_OUT / 2)
    return 0;
  control = data[0];
  data++;
  size--;
  piece = 1 + (gsize) (control >> 4) * 613;

  for (int portable = 0; portable < 2; portable++)
    {
      feed_raw (data, size, piece, control & 8 ? 1 + (gsize) (control & 7) * 97 : MAX_OUT, portable);
      round_trip (data, size, control % 10, strategies[(control >> 4) % G_N_ELEMENTS (strategies)], piece, portable);
    }
  return 0;
}
