/* test-inflate.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObInflate against zlib and against hand-made streams, through both of
 * its inner loops (the portable one and, where the CPU has BMI2, the BMI2
 * one): every level and strategy, input cut anywhere, output limits met
 * exactly, matches of every short distance (runs and overlapping copies)
 * and the longest one, and damaged streams that zlib and ObInflate must
 * refuse alike.  test-rfb-decoder covers ObInflate inside ZRLE and its
 * hand-made hostile blocks. */

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "ob-inflate.h"

/* ---- helpers ------------------------------------------------------------ */

/* The inner loops to run every check through. */
static guint
n_variants (void)
{
  g_autoptr(ObInflate) inf = ob_inflate_new ();

  return ob_inflate_set_portable (inf, FALSE) ? 2 : 1;
}

static ObInflate *
new_inflate (guint variant)
{
  ObInflate *inf = ob_inflate_new ();

  ob_inflate_set_portable (inf, variant == 0);
  g_assert_cmpstr (ob_inflate_get_variant (inf), ==, variant == 0 ? "portable" : "bmi2");
  return inf;
}

/* Data of the kinds ZRLE produces, and some it does not. */
static GBytes *
make_input (guint  kind,
            gsize  len,
            GRand *rand)
{
  guint8 *d = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    {
      switch (kind)
        {
        case 0:   /* noise: stored blocks and literals */
          d[i] = (guint8) g_rand_int (rand);
          break;
        case 1:   /* runs of one byte: distance 1, up to 258 long */
          d[i] = (guint8) ((i / 700) * 13);
          break;
        case 2:   /* 16 bpp pixels with RLE bytes: short distances */
          d[i] = (i % 5 == 4) ? (guint8) g_rand_int_range (rand, 0, 4) : (guint8) ((i / 5) % 3 * 40 + i % 5);
          break;
        case 3:   /* text with far repeats (past the 32 KiB window too) */
          if (i >= 40000 && g_rand_int_range (rand, 0, 4) != 0)
            d[i] = d[i - 40000 + (gsize) g_rand_int_range (rand, 0, 2)];
          else
            d[i] = (guint8) ("the quick brown fox jumps over the lazy dog "[g_rand_int_range (rand, 0, 44)]);
          break;
        case 4:   /* a few symbols with skewed counts: long codes */
          {
            guint r = g_rand_int (rand);
            guint k = 0;

            while (k < 20 && (r & (1u << k)))
              k++;
            d[i] = (guint8) (k * 11);
          }
          break;
        default:  /* patterns of period 1-9 between bursts of noise */
          {
            gsize block = i / 257, p = 1 + block % 9;

            if (block % 3 == 2 || i % 257 < p)
              d[i] = (guint8) g_rand_int (rand);
            else
              d[i] = d[i - p];
          }
          break;
        }
    }
  return g_bytes_new_take (d, len);
}

/* Raw deflate of @input in chunks of @chunk, each ended with @flush (the
 * last with Z_FINISH when @finish); the compressed size after each chunk
 * goes to @ends when not NULL. */
static GBytes *
deflate_chunks (GBytes  *input,
                int      level,
                int      strategy,
                int      flush,
                gsize    chunk,
                gboolean finish,
                GArray  *ends)
{
  z_stream zs = { 0 };
  gsize len = g_bytes_get_size (input), done = 0;
  const guint8 *in = g_bytes_get_data (input, NULL);
  GByteArray *out = g_byte_array_new ();
  guint8 buf[16384];

  g_assert_cmpint (deflateInit2 (&zs, level, Z_DEFLATED, -15, 8, strategy), ==, Z_OK);
  while (done < len || finish)
    {
      gsize n = MIN (chunk, len - done);
      int f = done + n == len && finish ? Z_FINISH : flush;
      int ret;

      zs.next_in = (Bytef *) in + done;
      zs.avail_in = (uInt) n;
      do
        {
          zs.next_out = buf;
          zs.avail_out = sizeof buf;
          ret = deflate (&zs, f);
          g_assert_cmpint (ret, !=, Z_STREAM_ERROR);
          g_byte_array_append (out, buf, sizeof buf - zs.avail_out);
        }
      while (zs.avail_out == 0 || (f == Z_FINISH && ret != Z_STREAM_END));
      done += n;
      if (ends != NULL)
        {
          gsize at = out->len;

          g_array_append_val (ends, at);
        }
      if (f == Z_FINISH)
        break;
    }
  deflateEnd (&zs);
  return g_byte_array_free_to_bytes (out);
}

/* Inflates @z in random pieces of 1..@max_piece bytes, each in a private
 * copy of exactly its size (so reading past it shows under ASan). */
static GBytes *
inflate_pieces (guint            variant,
                GBytes          *z,
                GRand           *rand,
                gsize            max_piece,
                ObInflateStatus *last,
                const char     **why)
{
  g_autoptr(ObInflate) inf = new_inflate (variant);
  GByteArray *out = g_byte_array_new ();
  gsize len = g_bytes_get_size (z), pos = 0;
  const guint8 *zd = g_bytes_get_data (z, NULL);

  *last = OB_INFLATE_OK;
  *why = NULL;
  while (pos < len)
    {
      gsize want = (gsize) g_rand_int_range (rand, 1, (gint32) max_piece + 1);
      gsize n = MIN (want, len - pos);
      g_autofree guint8 *piece = g_memdup2 (zd + pos, n);
      const guint8 *o;
      gsize olen;

      /* A match can take two bits (one-bit codes) and give 258 bytes;
       * up to 63 bits may be left from earlier pieces. */
      *last = ob_inflate_feed (inf, piece, n, 129 * 8 * (n + 8), &o, &olen, why);
      if (*last == OB_INFLATE_ERROR)
        break;
      g_byte_array_append (out, o, (guint) olen);
      pos += n;
      if (*last == OB_INFLATE_END)
        break;
    }
  return g_byte_array_free_to_bytes (out);
}

/* zlib's inflate on the whole of @z: the output, and whether it failed. */
static GBytes *
zlib_inflate_all (GBytes   *z,
                  gboolean *failed,
                  gboolean *ended)
{
  z_stream zs = { 0 };
  GByteArray *out = g_byte_array_new ();
  guint8 buf[16384];
  int ret;

  g_assert_cmpint (inflateInit2 (&zs, -15), ==, Z_OK);
  zs.next_in = (Bytef *) g_bytes_get_data (z, NULL);
  zs.avail_in = (uInt) g_bytes_get_size (z);
  do
    {
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      ret = inflate (&zs, Z_SYNC_FLUSH);
      g_byte_array_append (out, buf, sizeof buf - zs.avail_out);
    }
  while (ret == Z_OK && (zs.avail_in > 0 || zs.avail_out == 0));
  *failed = ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR;
  *ended = ret == Z_STREAM_END;
  inflateEnd (&zs);
  return g_byte_array_free_to_bytes (out);
}

/* A deflate bit writer for hand-made fixed-code blocks. */
typedef struct
{
  GByteArray *buf;
  guint64     acc;
  guint       n;
} Bits;

static void
bits_put (Bits   *b,
          guint32 v,
          guint   n)
{
  b->acc |= (guint64) v << b->n;
  b->n += n;
  while (b->n >= 8)
    {
      guint8 byte = (guint8) b->acc;

      g_byte_array_append (b->buf, &byte, 1);
      b->acc >>= 8;
      b->n -= 8;
    }
}

/* Huffman codes go most significant bit first. */
static void
bits_put_code (Bits   *b,
               guint32 code,
               guint   n)
{
  for (guint i = n; i > 0; i--)
    bits_put (b, (code >> (i - 1)) & 1, 1);
}

/* The fixed code (RFC 1951 §3.2.6). */
static void
fixed_symbol (Bits *b,
              guint sym)
{
  if (sym < 144)
    bits_put_code (b, 0x30 + sym, 8);
  else if (sym < 256)
    bits_put_code (b, 0x190 + sym - 144, 9);
  else if (sym < 280)
    bits_put_code (b, sym - 256, 7);
  else
    bits_put_code (b, 0xC0 + sym - 280, 8);
}

static void
fixed_literal (Bits    *b,
               guint8   byte)
{
  fixed_symbol (b, byte);
}

static void
fixed_match (Bits *b,
             guint len,
             guint dist)
{
  static const guint16 lbase[29] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258
  };
  static const guint8 lextra[29] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
    3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0
  };
  static const guint16 dbase[30] = {
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
    257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577
  };
  static const guint8 dextra[30] = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
    7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13
  };
  guint l = 28, d = 29;

  g_assert (len >= 3 && len <= 258 && dist >= 1 && dist <= 32768);
  while (lbase[l] > len)
    l--;
  /* 258 has its own code; 227 + 31 is the same length the long way. */
  fixed_symbol (b, 257 + l);
  bits_put (b, len - lbase[l], lextra[l]);
  while (dbase[d] > dist)
    d--;
  bits_put_code (b, d, 5);
  bits_put (b, dist - dbase[d], dextra[d]);
}

/* What a match of @len from @dist back gives, byte by byte. */
static void
ref_match (GByteArray *ref,
           guint       len,
           guint       dist)
{
  for (guint i = 0; i < len; i++)
    {
      guint8 byte = ref->data[ref->len - dist];

      g_byte_array_append (ref, &byte, 1);
    }
}

static GBytes *
bits_finish (Bits *b)
{
  if (b->n > 0)
    bits_put (b, 0, 8 - b->n);
  return g_byte_array_free_to_bytes (b->buf);
}

/* ---- zlib streams ------------------------------------------------------- */

static void
test_zlib_streams (void)
{
  static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED };
  static const int flushes[] = { Z_SYNC_FLUSH, Z_PARTIAL_FLUSH, Z_FULL_FLUSH, Z_BLOCK, Z_NO_FLUSH };
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  guint cases = 0;

  for (guint kind = 0; kind < 6; kind++)
    for (int level = 0; level <= 9; level++)
      for (guint si = 0; si < G_N_ELEMENTS (strategies); si++)
        {
          int flush = flushes[(kind + (guint) level + si) % G_N_ELEMENTS (flushes)];
          gsize len = kind == 3 ? 90000 : (gsize) g_rand_int_range (rand, 1, 20000);
          g_autoptr(GBytes) input = make_input (kind, len, rand);
          gboolean finish = ((guint) level + si) % 2 == 0;
          g_autoptr(GBytes) z = deflate_chunks (input, level, strategies[si], flush,
                                                (gsize) g_rand_int_range (rand, 100, 5000), finish, NULL);

          for (guint v = 0; v < n_variants (); v++)
            {
              /* Small pieces (the careful loop, codes cut anywhere) and
               * large ones (the fast loop). */
              gsize max_piece = (si + v) % 2 == 0 ? 7 : 4096;
              ObInflateStatus st;
              const char *why;
              g_autoptr(GBytes) got = inflate_pieces (v, z, rand, max_piece, &st, &why);

              if (st == OB_INFLATE_ERROR)
                g_error ("kind %u level %d strategy %d flush %d variant %u: %s",
                         kind, level, strategies[si], flush, v, why);
              g_assert_cmpint (st, ==, finish ? OB_INFLATE_END : OB_INFLATE_OK);
              /* Without Z_FINISH after Z_NO_FLUSH/Z_BLOCK the tail may
               * still be in the compressor: what came out is a prefix. */
              g_assert_cmpuint (g_bytes_get_size (got), <=, len);
              if (finish || flush == Z_SYNC_FLUSH || flush == Z_FULL_FLUSH || flush == Z_PARTIAL_FLUSH)
                g_assert_cmpuint (g_bytes_get_size (got), ==, len);
              g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got),
                               g_bytes_get_data (input, NULL), g_bytes_get_size (got));
              cases++;
            }
        }
  g_test_message ("%u streams", cases);
  g_rand_free (rand);
}

/* Megabytes through one stream in ZRLE-sized pieces: the window moves to
 * the front of the output buffer many times, matches reach back into
 * earlier pieces. */
static void
test_long_stream (void)
{
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autoptr(GBytes) input = make_input (3, 3 << 20, rand);
  g_autoptr(GBytes) z = deflate_chunks (input, 6, Z_DEFAULT_STRATEGY, Z_SYNC_FLUSH, 3000, FALSE, NULL);

  for (guint v = 0; v < n_variants (); v++)
    {
      ObInflateStatus st;
      const char *why;
      g_autoptr(GBytes) got = inflate_pieces (v, z, rand, 3000, &st, &why);

      g_assert_cmpint (st, ==, OB_INFLATE_OK);
      g_assert_true (g_bytes_equal (got, input));
    }
  g_rand_free (rand);
}

/* Every cut of small streams: the first k bytes, then the rest. */
static void
test_every_cut (void)
{
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  guint streams = 0;

  for (guint kind = 0; kind < 6; kind++)
    for (int level = 1; level <= 9; level += 8)
      {
        g_autoptr(GBytes) input = make_input (kind, (gsize) g_rand_int_range (rand, 200, 1200), rand);
        g_autoptr(GBytes) z = deflate_chunks (input, level, kind == 4 ? Z_FIXED : Z_DEFAULT_STRATEGY,
                                              Z_SYNC_FLUSH, 600, FALSE, NULL);
        gsize zl = g_bytes_get_size (z);
        const guint8 *zd = g_bytes_get_data (z, NULL);

        for (guint v = 0; v < n_variants (); v++)
          for (gsize k = 0; k <= zl; k++)
            {
              g_autoptr(ObInflate) inf = new_inflate (v);
              g_autoptr(GByteArray) out = g_byte_array_new ();
              g_autofree guint8 *a = g_memdup2 (zd, k);
              g_autofree guint8 *b = g_memdup2 (zd + k, zl - k);
              const guint8 *o;
              gsize olen;
              const char *why;

              g_assert_cmpint (ob_inflate_feed (inf, a, k, 1 << 16, &o, &olen, &why), ==, OB_INFLATE_OK);
              g_byte_array_append (out, o, (guint) olen);
              g_assert_cmpint (ob_inflate_feed (inf, b, zl - k, 1 << 16, &o, &olen, &why), ==, OB_INFLATE_OK);
              g_byte_array_append (out, o, (guint) olen);
              g_assert_cmpmem (out->data, out->len, g_bytes_get_data (input, NULL), g_bytes_get_size (input));
            }
        streams++;
      }
  g_test_message ("%u streams cut everywhere", streams);
  g_rand_free (rand);
}

/* Each flushed chunk fed with exactly its own size as the output limit
 * (the fast loop must stop short of it and the rest finish exactly on
 * it), then one byte less, which must be refused. */
static void
test_output_limit (void)
{
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint kind = 0; kind < 6; kind++)
    {
      gsize len = 30000, chunk = (gsize) g_rand_int_range (rand, 300, 4000);
      g_autoptr(GBytes) input = make_input (kind, len, rand);
      g_autoptr(GArray) ends = g_array_new (FALSE, FALSE, sizeof (gsize));
      g_autoptr(GBytes) z = deflate_chunks (input, 6, Z_DEFAULT_STRATEGY, Z_SYNC_FLUSH, chunk, FALSE, ends);
      const guint8 *zd = g_bytes_get_data (z, NULL);
      const guint8 *id = g_bytes_get_data (input, NULL);

      for (guint v = 0; v < n_variants (); v++)
        {
          g_autoptr(ObInflate) inf = new_inflate (v);
          gsize zpos = 0, ipos = 0;

          for (guint i = 0; i < ends->len; i++)
            {
              gsize zend = g_array_index (ends, gsize, i);
              gsize want = MIN (chunk, len - ipos);
              g_autofree guint8 *piece = g_memdup2 (zd + zpos, zend - zpos);
              const guint8 *o;
              gsize olen;
              const char *why;

              if (i == ends->len / 2 && want > 0)
                {
                  g_autoptr(ObInflate) short_one = new_inflate (v);
                  g_autofree guint8 *head = g_memdup2 (zd, zend);

                  /* Everything up to here at once, one byte short. */
                  g_assert_cmpint (ob_inflate_feed (short_one, head, zend, ipos + want - 1, &o, &olen, &why),
                                   ==, OB_INFLATE_ERROR);
                  g_assert_cmpstr (why, ==, "more output than expected");
                }
              g_assert_cmpint (ob_inflate_feed (inf, piece, zend - zpos, want, &o, &olen, &why), ==, OB_INFLATE_OK);
              g_assert_cmpmem (o, olen, id + ipos, want);
              zpos = zend;
              ipos += want;
            }
          g_assert_cmpuint (ipos, ==, len);
        }
    }
  g_rand_free (rand);
}

/* ---- hand-made matches -------------------------------------------------- */

/* Feeds @z in pieces of @piece bytes (0: all at once) and checks the
 * output against @ref. */
static void
check_stream (GBytes     *z,
              GByteArray *ref,
              gsize       piece,
              guint       variant)
{
  g_autoptr(ObInflate) inf = new_inflate (variant);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize len = g_bytes_get_size (z), pos = 0;
  const guint8 *zd = g_bytes_get_data (z, NULL);

  while (pos < len)
    {
      gsize n = piece == 0 ? len : MIN (piece, len - pos);
      g_autofree guint8 *copy = g_memdup2 (zd + pos, n);
      const guint8 *o;
      gsize olen;
      const char *why;
      ObInflateStatus st = ob_inflate_feed (inf, copy, n, 1 << 22, &o, &olen, &why);

      if (st == OB_INFLATE_ERROR)
        g_error ("hand-made stream refused: %s", why);
      g_byte_array_append (out, o, (guint) olen);
      pos += n;
    }
  g_assert_cmpmem (out->data, out->len, ref->data, ref->len);
}

/* Matches of every length at distances 1-40 (runs, periods shorter than
 * the 8-byte copies, overlapping copies), each after fresh literals. */
static void
test_short_distances (void)
{
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  Bits b = { g_byte_array_new (), 0, 0 };
  g_autoptr(GByteArray) ref = g_byte_array_new ();
  g_autoptr(GBytes) z = NULL;

  bits_put (&b, 0, 1);
  bits_put (&b, 1, 2);
  for (guint dist = 1; dist <= 40; dist++)
    for (guint len = 3; len <= 258; len += (len < 40 ? 1 : 17))
      {
        for (guint i = 0; i < dist; i++)
          {
            guint8 byte = (guint8) g_rand_int (rand);

            fixed_literal (&b, byte);
            g_byte_array_append (ref, &byte, 1);
          }
        fixed_match (&b, len, dist);
        ref_match (ref, len, dist);
        /* And one straight after another, with no literal between. */
        fixed_match (&b, 3 + len % 7, dist);
        ref_match (ref, 3 + len % 7, dist);
      }
  fixed_match (&b, 258, 1);
  ref_match (ref, 258, 1);
  fixed_symbol (&b, 256);
  z = bits_finish (&b);

  for (guint v = 0; v < n_variants (); v++)
    {
      check_stream (z, ref, 0, v);
      check_stream (z, ref, 1, v);
      check_stream (z, ref, 13, v);
    }
  g_test_message ("%u bytes from %zu compressed", ref->len, g_bytes_get_size (z));
  g_rand_free (rand);
}

/* Distances up to the whole window: right at the start of the output
 * (exactly as far back as there is output, and one further: refused),
 * and 32768 back across pieces after the window has moved. */
static void
test_far_distances (void)
{
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint v = 0; v < n_variants (); v++)
    for (guint too_far = 0; too_far < 2; too_far++)
      {
        Bits b = { g_byte_array_new (), 0, 0 };
        g_autoptr(GBytes) z = NULL;
        g_autoptr(ObInflate) inf = new_inflate (v);
        const guint8 *o;
        gsize olen;
        const char *why;

        bits_put (&b, 1, 1);
        bits_put (&b, 1, 2);
        for (guint i = 0; i < 100; i++)
          fixed_literal (&b, (guint8) i);
        fixed_match (&b, 50, 100 + too_far);
        fixed_symbol (&b, 256);
        /* Long enough for the fast loop. */
        bits_put (&b, 0, 32);
        bits_put (&b, 0, 32);
        z = bits_finish (&b);
        if (too_far)
          {
            g_assert_cmpint (ob_inflate_feed (inf, g_bytes_get_data (z, NULL), g_bytes_get_size (z), 1000,
                                              &o, &olen, &why), ==, OB_INFLATE_ERROR);
            g_assert_cmpstr (why, ==, "invalid distance too far back");
          }
        else
          {
            g_assert_cmpint (ob_inflate_feed (inf, g_bytes_get_data (z, NULL), g_bytes_get_size (z), 1000,
                                              &o, &olen, &why), ==, OB_INFLATE_END);
            g_assert_cmpuint (olen, ==, 150);
            g_assert_cmpmem (o + 100, 50, o, 50);
          }
      }

  for (guint v = 0; v < n_variants (); v++)
    {
      g_autoptr(GByteArray) ref = g_byte_array_new ();
      Bits b = { g_byte_array_new (), 0, 0 };
      g_autoptr(GBytes) z = NULL;

      bits_put (&b, 0, 1);
      bits_put (&b, 1, 2);
      /* 1.5 MiB of noise and window-long matches: the output buffer
       * moves its window to the front on the way. */
      while (ref->len < (3u << 19))
        {
          for (guint i = 0; i < 40; i++)
            {
              guint8 byte = (guint8) g_rand_int (rand);

              fixed_literal (&b, byte);
              g_byte_array_append (ref, &byte, 1);
            }
          if (ref->len >= 32768)
            for (guint i = 0; i < 300; i++)
              {
                guint dist = 32768 - (guint) g_rand_int_range (rand, 0, 3) * (i % 2);
                guint len = (guint) g_rand_int_range (rand, 3, 259);

                fixed_match (&b, len, dist);
                ref_match (ref, len, dist);
              }
        }
      fixed_symbol (&b, 256);
      z = bits_finish (&b);
      check_stream (z, ref, 2999, v);
      check_stream (z, ref, 65536, v);
    }
  g_rand_free (rand);
}

/* A repeat (code 16) that runs from the last literal/length lengths on
 * into the distance ones, which zlib's deflate never writes but RFC 1951
 * allows: after a stored block of history, a dynamic block whose codes
 * are all one bit long (end of block, length 3; distances 1 and 2). */
static void
test_repeat_across_parts (void)
{
  /* Code length code lengths in the order they are sent: 16 and 18 get
   * two bits, 1 gets one. */
  static const guint8 clens[18] = { 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
  Bits b = { g_byte_array_new (), 0, 0 };
  g_autoptr(GByteArray) ref = g_byte_array_new ();
  g_autoptr(GBytes) z = NULL;
  g_autoptr(GBytes) theirs = NULL;
  gboolean zfailed, zended;

  /* Stored block "abcdef". */
  bits_put (&b, 0, 1);
  bits_put (&b, 0, 2);
  bits_put (&b, 0, 5);
  bits_put (&b, 6, 16);
  bits_put (&b, 0xFFFF ^ 6, 16);
  for (guint i = 0; i < 6; i++)
    bits_put (&b, 'a' + i, 8);
  g_byte_array_append (ref, (const guint8 *) "abcdef", 6);

  bits_put (&b, 1, 1);
  bits_put (&b, 2, 2);
  bits_put (&b, 258 - 257, 5);
  bits_put (&b, 2 - 1, 5);
  bits_put (&b, G_N_ELEMENTS (clens) - 4, 4);
  for (guint i = 0; i < G_N_ELEMENTS (clens); i++)
    bits_put (&b, clens[i], 3);
  /* 256 zeros (18: 138 and 118), a 1 for end of block, then 16 repeats
   * it three times: length code 257 and both distance codes. */
  bits_put_code (&b, 3, 2);
  bits_put (&b, 138 - 11, 7);
  bits_put_code (&b, 3, 2);
  bits_put (&b, 118 - 11, 7);
  bits_put_code (&b, 0, 1);
  bits_put_code (&b, 2, 2);
  bits_put (&b, 0, 2);
  /* Length 3 at distance 1, length 3 at distance 2, end of block. */
  bits_put_code (&b, 1, 1);
  bits_put_code (&b, 0, 1);
  ref_match (ref, 3, 1);
  bits_put_code (&b, 1, 1);
  bits_put_code (&b, 1, 1);
  ref_match (ref, 3, 2);
  bits_put_code (&b, 0, 1);
  z = bits_finish (&b);

  theirs = zlib_inflate_all (z, &zfailed, &zended);
  g_assert_false (zfailed);
  g_assert_true (zended);
  g_assert_cmpmem (g_bytes_get_data (theirs, NULL), g_bytes_get_size (theirs), ref->data, ref->len);
  for (guint v = 0; v < n_variants (); v++)
    {
      check_stream (z, ref, 0, v);
      check_stream (z, ref, 1, v);
    }
}

/* ---- code widths ----------------------------------------------------------- */

/* The canonical codes of @lens (RFC 1951 §3.2.2). */
static void
canonical_codes (const guint8 *lens,
                 guint         n,
                 guint16      *codes)
{
  guint count[16] = { 0 }, next[16] = { 0 };
  guint code = 0;

  for (guint i = 0; i < n; i++)
    count[lens[i]]++;
  count[0] = 0;
  for (guint l = 1; l < 16; l++)
    {
      code = (code + count[l - 1]) << 1;
      next[l] = code;
    }
  for (guint i = 0; i < n; i++)
    if (lens[i] != 0)
      codes[i] = (guint16) next[lens[i]]++;
}

/* A final dynamic block with the literal/length code lengths @lens (258
 * of them) and one one-bit distance code (distance 1), the header only:
 * the lengths go through a code length code that has 0-15 at five bits
 * and the zero runs 17 and 18 at two. */
static void
bits_dynamic_lengths (Bits         *b,
                      const guint8 *lens)
{
  static const guint8 order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
  guint8 clens[19];
  guint16 ccodes[19];
  guint8 all[259];

  for (guint i = 0; i < 16; i++)
    clens[i] = 5;
  clens[16] = 0;
  clens[17] = clens[18] = 2;
  canonical_codes (clens, 19, ccodes);
  bits_put (b, 1, 1);
  bits_put (b, 2, 2);
  bits_put (b, 258 - 257, 5);
  bits_put (b, 0, 5);
  bits_put (b, 19 - 4, 4);
  for (guint i = 0; i < 19; i++)
    bits_put (b, clens[order[i]], 3);
  memcpy (all, lens, 258);
  all[258] = 1;
  for (guint i = 0; i < 259;)
    {
      guint run = 0;

      while (i + run < 259 && all[i + run] == 0 && run < 138)
        run++;
      if (run >= 11)
        {
          bits_put_code (b, ccodes[18], 2);
          bits_put (b, run - 11, 7);
          i += run;
        }
      else if (run >= 3)
        {
          bits_put_code (b, ccodes[17], 2);
          bits_put (b, run - 3, 3);
          i += run;
        }
      else
        {
          bits_put_code (b, ccodes[all[i]], 5);
          i++;
        }
    }
}

/* Literal/length codes whose longest code is 1-15 bits, with that
 * longest code on literals, on the end of block or on the length in
 * turn: the first-level table is as wide as the longest code up to its
 * limit, and longer codes go through a second level.  Fed whole (the
 * fast loop), a byte at a time (the careful one) and in random pieces. */
static void
test_code_widths (void)
{
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint k = 1; k <= 15; k++)
    for (guint turn = 0; turn <= k; turn++)
      {
        /* k + 1 symbols at lengths 1, 2, ..., k - 1, k, k: k - 1
         * literals, the end of block and length 3 (symbol 257); a
         * single one-bit end of block for k = 1. */
        guint16 syms[16];
        guint8 lens[258] = { 0 };
        guint16 codes[258];
        guint n = k == 1 ? 1 : k + 1;
        Bits b = { g_byte_array_new (), 0, 0 };
        g_autoptr(GByteArray) ref = g_byte_array_new ();
        g_autoptr(GBytes) z = NULL;

        for (guint j = 0; j + 2 < n; j++)
          syms[j] = (guint16) (0x41 + 7 * j);
        syms[n == 1 ? 0 : n - 2] = 256;
        if (n > 1)
          syms[n - 1] = 257;
        for (guint j = 0; j < n; j++)
          lens[syms[(j + turn) % n]] = (guint8) MIN (j + 1, k);
        canonical_codes (lens, 258, codes);
        bits_dynamic_lengths (&b, lens);
        /* Enough symbols for the fast loop to run, in an order that
         * mixes literals and matches. */
        for (guint r = 0; n > 1 && r < 300; r++)
          {
            guint lit = syms[(r * 5 + r / 7) % (n - 2)];
            guint8 byte = (guint8) lit;

            bits_put_code (&b, codes[lit], lens[lit]);
            g_byte_array_append (ref, &byte, 1);
            if (r % 3 != 1)
              {
                bits_put_code (&b, codes[257], lens[257]);
                bits_put_code (&b, 0, 1);
                ref_match (ref, 3, 1);
              }
          }
        bits_put_code (&b, codes[256], lens[256]);
        z = bits_finish (&b);

        for (guint v = 0; v < n_variants (); v++)
          {
            g_autoptr(ObInflate) inf = new_inflate (v);
            const guint8 *o;
            gsize olen;
            const char *why = NULL;

            g_assert_cmpint (ob_inflate_feed (inf, g_bytes_get_data (z, NULL), g_bytes_get_size (z), ref->len,
                                              &o, &olen, &why), ==, OB_INFLATE_END);
            g_assert_cmpmem (o, olen, ref->data, ref->len);
            for (guint mode = 0; mode < 2; mode++)
              {
                ObInflateStatus st;
                g_autoptr(GBytes) ours = inflate_pieces (v, z, rand, mode == 0 ? 1 : 9, &st, &why);

                if (st != OB_INFLATE_END)
                  g_error ("longest code %u, turn %u, variant %u, pieces %u: %s", k, turn, v, mode,
                           why != NULL ? why : "not ended");
                g_assert_cmpmem (g_bytes_get_data (ours, NULL), g_bytes_get_size (ours), ref->data, ref->len);
              }
          }
      }
  g_rand_free (rand);
}

/* ---- damaged streams ---------------------------------------------------- */

/* Wherever zlib accepts a damaged stream we give the same bytes; wherever
 * it refuses one so do we (no crash, no over-read either way). */
static void
test_corrupt (void)
{
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());
  guint refused = 0, accepted = 0;

  for (guint round = 0; round < 800; round++)
    {
      g_autoptr(GBytes) input = make_input (round % 6, (gsize) g_rand_int_range (rand, 1, 4000), rand);
      g_autoptr(GBytes) z = deflate_chunks (input, (int) (round % 10), round % 3 == 0 ? Z_FIXED : Z_DEFAULT_STRATEGY,
                                            Z_SYNC_FLUSH, 700, round % 4 == 0, NULL);
      gsize zl = g_bytes_get_size (z);
      g_autofree guint8 *bad = g_memdup2 (g_bytes_get_data (z, NULL), zl);
      g_autoptr(GBytes) badz = NULL;
      g_autoptr(GBytes) theirs = NULL;
      gboolean zfailed, zended;

      for (guint k = 0; k < 1 + round % 3; k++)
        {
          gsize at = (gsize) g_rand_int_range (rand, 0, (gint32) zl);

          if (round % 2)
            bad[at] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8));
          else
            bad[at] = (guint8) g_rand_int (rand);
        }
      badz = g_bytes_new (bad, zl);
      theirs = zlib_inflate_all (badz, &zfailed, &zended);
      for (guint v = 0; v < n_variants (); v++)
        {
          ObInflateStatus st;
          const char *why;
          /* Pieces of 1-50 bytes or up to 4 KiB: both loops see damage. */
          g_autoptr(GBytes) ours = inflate_pieces (v, badz, rand, round % 2 ? 4096 : 1 + round % 50, &st, &why);

          if (zfailed)
            {
              g_assert_cmpint (st, ==, OB_INFLATE_ERROR);
              refused++;
              continue;
            }
          if (st == OB_INFLATE_ERROR)
            g_error ("round %u variant %u: zlib takes a stream we refuse (%s)", round, v, why);
          g_assert_cmpint (st == OB_INFLATE_END, ==, zended);
          g_assert_cmpmem (g_bytes_get_data (ours, NULL), g_bytes_get_size (ours),
                           g_bytes_get_data (theirs, NULL), g_bytes_get_size (theirs));
          accepted++;
        }
    }
  g_test_message ("damaged streams: %u refused, %u accepted", refused, accepted);
  g_rand_free (rand);
}

/* ---- hand-made hostile streams ------------------------------------------ */

/* Every variant refuses @z, says why, and stays refused. */
static void
expect_error (const char *what,
              GBytes     *z,
              gsize       max_out)
{
  for (guint variant = 0; variant < n_variants (); variant++)
    {
      g_autoptr(ObInflate) inf = new_inflate (variant);
      const guint8 *data = g_bytes_get_data (z, NULL);
      const guint8 *o;
      gsize olen;
      const char *why = NULL;

      g_test_message ("hostile (%s): %s", ob_inflate_get_variant (inf), what);
      g_assert_cmpint (ob_inflate_feed (inf, data, g_bytes_get_size (z), max_out, &o, &olen, &why), ==,
                       OB_INFLATE_ERROR);
      g_assert_nonnull (why);
      g_test_message ("  -> %s", why);
      /* Broken for good. */
      g_assert_cmpint (ob_inflate_feed (inf, data, 0, 1, &o, &olen, &why), ==, OB_INFLATE_ERROR);
    }
}

static void
expect_error_static (const char   *what,
                     const guint8 *z,
                     gsize         len,
                     gsize         max_out)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (z, len);

  expect_error (what, bytes, max_out);
}

/* Ends @b and refuses it. */
static void
expect_error_bits (const char *what,
                   Bits       *b,
                   gsize       max_out)
{
  g_autoptr(GBytes) z = bits_finish (b);

  expect_error (what, z, max_out);
}

/* A final dynamic block's header: HLIT 257, HDIST 1, and @n_clens code
 * length code lengths (in the order they are sent). */
static void
bits_dynamic_header (Bits         *b,
                     const guint8 *clens,
                     guint         n_clens)
{
  bits_put (b, 1, 1);
  bits_put (b, 2, 2);
  bits_put (b, 0, 5);
  bits_put (b, 0, 5);
  bits_put (b, n_clens - 4, 4);
  for (guint i = 0; i < n_clens; i++)
    bits_put (b, clens[i], 3);
}

static void
test_hostile (void)
{
  /* BFINAL=1, BTYPE=3. */
  static const guint8 bad_type[] = { 0x07 };
  /* Stored block: LEN 5, NLEN not its complement. */
  static const guint8 bad_stored[] = { 0x00, 0x05, 0x00, 0x00, 0x00 };
  /* Fixed block: match of length 3 at distance 1 before any output. */
  static const guint8 too_far[] = { 0x02, 0x02, 0x00 };
  /* Dynamic block with HLIT = 30 (287 codes). */
  static const guint8 many_codes[] = { 0x05 | (30 << 3), 0x00, 0x00 };
  /* Code length code lengths for 16, 17, 18, 0 (the order they go in). */
  static const guint8 all_one[19] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  static const guint8 one_code[4] = { 0, 0, 0, 1 };
  static const guint8 zero_and_16[4] = { 1, 0, 0, 1 };
  static const guint8 zero_and_18[4] = { 0, 0, 1, 1 };
  g_autofree guint8 *big = g_malloc0 (5 + 300);

  expect_error_static ("block type 3", bad_type, sizeof bad_type, 100);
  expect_error_static ("stored lengths disagree", bad_stored, sizeof bad_stored, 100);
  expect_error_static ("distance before the start", too_far, sizeof too_far, 100);
  expect_error_static ("too many length codes", many_codes, sizeof many_codes, 100);
  {
    Bits b = { g_byte_array_new (), 0, 0 };

    bits_dynamic_header (&b, all_one, 19);
    expect_error_bits ("over-subscribed code length code", &b, 100);
  }
  {
    Bits b = { g_byte_array_new (), 0, 0 };

    bits_dynamic_header (&b, one_code, 4);
    bits_put (&b, 0, 16);
    expect_error_bits ("incomplete code length code", &b, 100);
  }
  {
    Bits b = { g_byte_array_new (), 0, 0 };
    static const guint8 none[4] = { 0 };
    g_autoptr(GBytes) z = NULL;
    g_autoptr(GByteArray) padded = NULL;

    /* No code length codes: zlib reads one-bit zeros, so all 258
     * lengths are 0 and the end-of-block code is missing. */
    bits_dynamic_header (&b, none, 4);
    bits_put (&b, 0, 16);
    z = bits_finish (&b);
    g_assert_cmpuint (g_bytes_get_size (z), <, 20);
    padded = g_byte_array_sized_new (40);
    g_byte_array_append (padded, g_bytes_get_data (z, NULL), (guint) g_bytes_get_size (z));
    g_byte_array_set_size (padded, 40);
    memset (padded->data + g_bytes_get_size (z), 0, 40 - g_bytes_get_size (z));
    expect_error_static ("empty code length code", padded->data, padded->len, 100);
  }
  {
    Bits b = { g_byte_array_new (), 0, 0 };

    /* Symbol 0 is code 0, symbol 16 code 1: a repeat comes first. */
    bits_dynamic_header (&b, zero_and_16, 4);
    bits_put_code (&b, 1, 1);
    bits_put (&b, 0, 2);
    expect_error_bits ("repeat of no length", &b, 100);
  }
  {
    Bits b = { g_byte_array_new (), 0, 0 };

    /* Symbol 0 is code 0, symbol 18 code 1: 138 + 120 zeros. */
    bits_dynamic_header (&b, zero_and_18, 4);
    bits_put_code (&b, 1, 1);
    bits_put (&b, 127, 7);
    bits_put_code (&b, 1, 1);
    bits_put (&b, 109, 7);
    expect_error_bits ("no end-of-block code", &b, 100);
  }
  {
    Bits b = { g_byte_array_new (), 0, 0 };

    /* 138 zeros three times: past the 258 lengths. */
    bits_dynamic_header (&b, zero_and_18, 4);
    for (guint i = 0; i < 3; i++)
      {
        bits_put_code (&b, 1, 1);
        bits_put (&b, 127, 7);
      }
    expect_error_bits ("lengths repeated past the end", &b, 100);
  }
  {
    Bits b = { g_byte_array_new (), 0, 0 };

    /* Fixed block, literal/length symbol 286 (11000110). */
    bits_put (&b, 1, 1);
    bits_put (&b, 1, 2);
    bits_put_code (&b, 0xC6, 8);
    bits_put (&b, 0, 16);
    expect_error_bits ("literal/length symbol 286", &b, 100);
  }
  {
    Bits b = { g_byte_array_new (), 0, 0 };

    /* Fixed block, literal 'A', then length 3 with distance symbol 30
     * (11110). */
    bits_put (&b, 1, 1);
    bits_put (&b, 1, 2);
    fixed_literal (&b, 'A');
    fixed_symbol (&b, 257);
    bits_put_code (&b, 30, 5);
    bits_put (&b, 0, 16);
    expect_error_bits ("distance symbol 30", &b, 100);
  }
  big[0] = 0x01;
  big[1] = 300 & 0xFF;
  big[2] = 300 >> 8;
  big[3] = (guint8) ~big[1];
  big[4] = (guint8) ~big[2];
  expect_error_static ("stored block past the output limit", big, 5 + 300, 100);
  {
    Bits b = { g_byte_array_new (), 0, 0 };

    /* A fixed block of literal 0 until the room is gone. */
    bits_put (&b, 0, 1);
    bits_put (&b, 1, 2);
    while (b.buf->len < 64)
      fixed_literal (&b, 0);
    g_byte_array_set_size (b.buf, 64);
    b.acc = 0;
    b.n = 0;
    expect_error_bits ("literals past the output limit", &b, 10);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_message ("inner loops: %u (best here: %s)", n_variants (), n_variants () == 2 ? "bmi2" : "portable");
  g_test_add_func ("/inflate/zlib-streams", test_zlib_streams);
  g_test_add_func ("/inflate/long-stream", test_long_stream);
  g_test_add_func ("/inflate/every-cut", test_every_cut);
  g_test_add_func ("/inflate/output-limit", test_output_limit);
  g_test_add_func ("/inflate/short-distances", test_short_distances);
  g_test_add_func ("/inflate/far-distances", test_far_distances);
  g_test_add_func ("/inflate/repeat-across-parts", test_repeat_across_parts);
  g_test_add_func ("/inflate/code-widths", test_code_widths);
  g_test_add_func ("/inflate/corrupt", test_corrupt);
  g_test_add_func ("/inflate/hostile", test_hostile);

  return g_test_run ();
}
