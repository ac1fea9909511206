/* ob-inflate.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-inflate.h"

/* Why not zlib's inflate: at 1080p a ZRLE frame is ~600 KiB of output
 * from ~500 small blocks (one per AMT tile), and half of the decoding
 * time went into inflate.  This one reads 64 bits at a time, decodes up
 * to three literals per refill, takes a length or distance with its extra
 * bits from one table entry, copies matches 8 or 16 bytes at a time
 * straight inside its own output buffer (no window copy per call), and
 * keeps its first-level tables small (9 bits, 7 for distances) because a
 * dynamic block of ~1 KiB cannot pay for filling big ones. */

#define WINDOW      32768
/* Wide match copies may write this far past the last byte produced. */
#define SLACK       64

#define LITLEN_BITS 9
#define DIST_BITS   7
#define CLEN_BITS   7
/* Primary table plus every second-level table a complete code can need
 * (at most one per symbol longer than the primary bits, each at most
 * 2^(15 - bits) entries): a generous bound, checked while building. */
#define LITLEN_SIZE ((1 << LITLEN_BITS) + 288 * (1 << (15 - LITLEN_BITS)))
#define DIST_SIZE   ((1 << DIST_BITS) + 32 * (1 << (15 - DIST_BITS)))
/* The fixed code's lengths are at most 9 and 5 bits. */
#define FIXED_LITLEN_SIZE (1 << LITLEN_BITS)
#define FIXED_DIST_SIZE   (1 << DIST_BITS)

/* A table entry (64 bits, so a length or distance comes out of one
 * entry with a shift and a mask):
 *   bits 0-7   bits to take: the code and its extra bits
 *   bits 8-15  code length
 *   bits 16-23 flags
 *   bits 24-31 second-level index bits (E_SUB)
 *   bits 32-47 literal byte, base length or distance, symbol, or the
 *              second-level table's offset (E_SUB)
 *   bits 48-63 mask of the extra bits */
#define E_LIT ((guint64) 1 << 16)
#define E_EOB ((guint64) 2 << 16)
#define E_SUB ((guint64) 4 << 16)
#define E_BAD ((guint64) 8 << 16)

#define E_TAKE(e)    ((guint) (e) & 0xFFu)
#define E_CODELEN(e) ((guint) ((e) >> 8) & 0xFFu)
#define E_SUBBITS(e) ((guint) ((e) >> 24) & 0xFFu)
#define E_VALUE(e)   ((guint) ((e) >> 32) & 0xFFFFu)
#define E_EXTRA(e, bits) ((guint) (((bits) >> E_CODELEN (e)) & ((e) >> 48)))

#define E_MAKE(flags, value, extra) \
  ((flags) | ((guint64) (value) << 32) | ((guint64) ((1u << (extra)) - 1) << 48) | (guint64) (extra))

#define MASK(n) ((((guint64) 1) << (n)) - 1)
/* The bits an entry takes, as a shift count (at most 48; the mask lets the
 * shift use the entry as it is). */
#define FAST_TAKE(e) ((guint) (e) & 63u)

typedef enum
{
  MODE_HEADER,
  MODE_STORED,
  MODE_STORED_COPY,
  MODE_TABLE,
  MODE_CLENS,
  MODE_LENS,
  MODE_CODES,
  MODE_DONE,
  MODE_BROKEN,
} Mode;

struct _ObInflate
{
  guint8         *buf;        /* history (up to WINDOW) + new output */
  gsize           size;
  gsize           pos;

  guint64         bitbuf;     /* bits not yet used, first in bit 0 */
  guint           bitcount;

  Mode            mode;
  gboolean        last;
  guint           stored_left;
  guint           hlit, hdist, hclen, have;
  guint8          clens[19];
  guint8          lens[288 + 32];

  const guint64  *litlen;     /* the current block's tables */
  const guint64  *dist;
  gboolean        fixed_ready;

  guint64         clen_table[1 << CLEN_BITS];
  guint64         dyn_litlen[LITLEN_SIZE];
  guint64         dyn_dist[DIST_SIZE];
  guint64         fixed_litlen[FIXED_LITLEN_SIZE];
  guint64         fixed_dist[FIXED_DIST_SIZE];
};

/* Per symbol: what a table entry says besides the code length. */
static guint64 litlen_sym[288];
static guint64 dist_sym[32];
static guint64 clen_sym[19];
static guint8 rev8[256];

static const guint16 length_base[29] = {
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
  35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258
};
static const guint8 length_extra[29] = {
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
  3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0
};
static const guint16 dist_base[30] = {
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
  257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577
};
static const guint8 dist_extra[30] = {
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
  7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13
};
/* The order code length code lengths are sent in. */
static const guint8 clen_order[19] = {
  16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};

static gpointer
init_symbols (gpointer data)
{
  for (guint i = 0; i < 256; i++)
    {
      guint r = 0;

      for (guint b = 0; b < 8; b++)
        if (i & (1u << b))
          r |= 0x80u >> b;
      rev8[i] = (guint8) r;
      litlen_sym[i] = E_MAKE (E_LIT, i, 0);
    }
  litlen_sym[256] = E_MAKE (E_EOB, 0, 0);
  for (guint i = 0; i < 29; i++)
    litlen_sym[257 + i] = E_MAKE (0, length_base[i], length_extra[i]);
  litlen_sym[286] = litlen_sym[287] = E_MAKE (E_BAD, 0, 0);
  for (guint i = 0; i < 30; i++)
    dist_sym[i] = E_MAKE (0, dist_base[i], dist_extra[i]);
  dist_sym[30] = dist_sym[31] = E_MAKE (E_BAD, 0, 0);
  for (guint i = 0; i < 19; i++)
    clen_sym[i] = E_MAKE (0, i, 0);
  return NULL;
}

static inline guint
reverse_bits (guint code,
              guint len)
{
  return ((guint) rev8[code & 0xFF] << 8 | rev8[code >> 8]) >> (16 - len);
}

/* Builds a lookup table for the canonical Huffman code given by @lens
 * (RFC 1951 §3.2.2).  Over-subscribed codes are refused, and so are
 * incomplete ones except a single one-bit code (as zlib allows for
 * literal/length and distance codes; never for the code length code). */
static gboolean
build_table (guint64        *table,
             gsize           table_size,
             guint           bits,
             const guint8   *lens,
             guint           n,
             const guint64  *sym,
             gboolean        complete_only)
{
  guint count[16] = { 0 }, count2[16] = { 0 }, rem[16], offs[16];
  guint16 sorted[288];
  guint max = 0, code = 0, k, cur_prefix = G_MAXUINT, sub_bits = 0;
  gsize next_free = (gsize) 1 << bits, sub_off = 0;
  int left = 1;

  g_assert (n <= G_N_ELEMENTS (sorted));
  /* Every symbol counted, unused ones under length 0, in two arrays so
   * that runs of one length do not wait on each other's increments. */
  for (guint i = 0; i + 1 < n; i += 2)
    {
      count[lens[i]]++;
      count2[lens[i + 1]]++;
    }
  if (n & 1)
    count[lens[n - 1]]++;
  for (guint l = 1; l <= 15; l++)
    count[l] += count2[l];
  for (guint l = 1; l <= 15; l++)
    {
      left <<= 1;
      left -= (int) count[l];
      if (left < 0)
        return FALSE;
      if (count[l] != 0)
        max = l;
    }
  if (max == 0)
    {
      /* No codes at all.  Like zlib: a distance code may be empty (a
       * block without matches) and any use of it is an error; an empty
       * code length code reads as one-bit zeros, which ends in "missing
       * end-of-block" once enough lengths have come. */
      guint64 e = complete_only ? sym[0] : E_MAKE (E_BAD, 0, 0);

      for (gsize i = 0; i < ((gsize) 1 << bits); i++)
        table[i] = e | (1 << 8) | 1;
      return TRUE;
    }
  if (left > 0 && (complete_only || max != 1))
    return FALSE;

  /* Symbols sorted by (length, symbol), the order their codes count up
   * in (RFC 1951 §3.2.2). */
  offs[1] = 0;
  for (guint l = 1; l < 15; l++)
    offs[l + 1] = offs[l] + count[l];
  /* Unused symbols go after all the used ones, without a branch. */
  offs[0] = offs[15] + count[15];
  for (guint i = 0; i < n; i++)
    sorted[offs[lens[i]]++] = (guint16) i;
  memcpy (rem, count, sizeof rem);

  /* The primary table grows one length at a time: the codes of length l
   * go into a table of 2^l entries (one entry each), which is then
   * doubled by a copy, so a short code ends up in every entry whose low
   * bits are its reversed code without a store per entry.  Both halves
   * of the 1-bit table start as bad codes: slots no code reaches (only
   * possible for the single 1-bit code allowed above) stay bad. */
  table[0] = table[1] = E_MAKE (E_BAD, 0, 0) | (1 << 8) | 1;
  k = 0;
  for (guint l = 1; l <= bits; l++)
    {
      if (l > 1)
        memcpy (table + ((gsize) 1 << (l - 1)), table, sizeof (guint64) << (l - 1));
      code <<= 1;
      if (l > max)
        continue;
      for (guint j = 0; j < count[l]; j++, k++, code++)
        table[reverse_bits (code, l)] = sym[sorted[k]] + l + (l << 8);
    }
  for (guint l = bits + 1; l <= max; l++)
    {
      code <<= 1;
      for (guint j = 0; j < count[l]; j++, k++, code++)
        {
          guint64 e = sym[sorted[k]] + l + (l << 8);
          guint prefix = code >> (l - bits);
          guint low = code & ((1u << (l - bits)) - 1);

          if (prefix != cur_prefix)
            {
              int room;

              /* Longer codes sharing a prefix are consecutive; their
               * second-level table is as deep as the longest needs. */
              cur_prefix = prefix;
              sub_bits = l - bits;
              room = 1 << sub_bits;
              while (bits + sub_bits < max)
                {
                  room -= (int) rem[bits + sub_bits];
                  if (room <= 0)
                    break;
                  sub_bits++;
                  room <<= 1;
                }
              sub_off = next_free;
              if (sub_off + ((gsize) 1 << sub_bits) > table_size)
                return FALSE;
              next_free += (gsize) 1 << sub_bits;
              for (gsize i = 0; i < ((gsize) 1 << sub_bits); i++)
                table[sub_off + i] = E_MAKE (E_BAD, 0, 0) | (15 << 8) | 15;
              table[reverse_bits (prefix, bits)] = E_MAKE (E_SUB, sub_off, 0) | ((guint64) sub_bits << 24);
            }
          for (gsize i = reverse_bits (low, l - bits); i < ((gsize) 1 << sub_bits); i += (gsize) 1 << (l - bits))
            table[sub_off + i] = e;
          rem[l]--;
        }
    }
  return TRUE;
}

ObInflate *
ob_inflate_new (void)
{
  static GOnce once = G_ONCE_INIT;
  ObInflate *self;

  g_once (&once, init_symbols, NULL);
  self = g_new0 (ObInflate, 1);
  self->mode = MODE_HEADER;
  return self;
}

void
ob_inflate_free (ObInflate *self)
{
  if (self == NULL)
    return;
  g_free (self->buf);
  g_free (self);
}

static void
use_fixed_tables (ObInflate *self)
{
  if (!self->fixed_ready)
    {
      guint8 lens[288];
      gboolean ok;

      memset (lens, 8, 144);
      memset (lens + 144, 9, 112);
      memset (lens + 256, 7, 24);
      memset (lens + 280, 8, 8);
      ok = build_table (self->fixed_litlen, FIXED_LITLEN_SIZE, LITLEN_BITS, lens, 288, litlen_sym, FALSE);
      memset (lens, 5, 32);
      ok = ok && build_table (self->fixed_dist, FIXED_DIST_SIZE, DIST_BITS, lens, 32, dist_sym, FALSE);
      g_assert (ok);
      self->fixed_ready = TRUE;
    }
  self->litlen = self->fixed_litlen;
  self->dist = self->fixed_dist;
}

/* Room for @need more bytes after the output so far: keep the last
 * WINDOW bytes as history and move them to the front, and grow so that
 * the next move is at least a mebibyte of output away (small ZRLE
 * rectangles would otherwise move the window every time). */
static void
reserve (ObInflate *self,
         gsize      need)
{
  gsize want = need + SLACK;

  if (self->size - self->pos >= want)
    return;
  if (self->pos > WINDOW)
    {
      memmove (self->buf, self->buf + self->pos - WINDOW, WINDOW);
      self->pos = WINDOW;
    }
  if (self->size - self->pos < want + (1 << 20))
    {
      self->size = self->pos + want + (1 << 20);
      self->buf = g_realloc (self->buf, self->size);
    }
}

static inline guint64
load_le64 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return GUINT64_FROM_LE (v);
}

/* A match of @len (3-258) bytes from @dist back.  Room for the match
 * plus SLACK is there; the wide copies may write up to 15 bytes past its
 * end.  Most matches in ZRLE data are short, so the first 16 bytes are
 * copied without a loop (fewer mispredicted branches). */
static inline void
copy_match (guint8 *out,
            guint   dist,
            guint   len)
{
  const guint8 *src = out - dist;
  guint8 *end = out + len;

  /* Not split at 16 for 16-byte pieces: distances of 8-15 are common
   * enough in ZRLE data that the extra branch mispredicts more than the
   * copies save. */
  if (G_LIKELY (dist >= 8))
    {
      /* Each 8-byte piece reads only bytes written before it. */
      memcpy (out, src, 8);
      memcpy (out + 8, src + 8, 8);
      if (G_UNLIKELY (len > 16))
        {
          out += 16;
          src += 16;
          do
            {
              memcpy (out, src, 8);
              memcpy (out + 8, src + 8, 8);
              out += 16;
              src += 16;
            }
          while (out < end);
        }
    }
  else
    {
      /* A pattern of 1-7 bytes: lay down its first 8 bytes one at a time,
       * then the same 8 bytes again every multiple of the period. */
      static const guint8 step[8] = { 0, 8, 8, 6, 8, 5, 6, 7 };
      guint64 pattern;

      for (guint i = 0; i < 8; i++)
        out[i] = src[i];
      memcpy (&pattern, out, 8);
      for (out += step[dist]; out < end; out += step[dist])
        memcpy (out, &pattern, 8);
    }
}

ObInflateStatus
ob_inflate_feed (ObInflate     *self,
                 const guint8  *in,
                 gsize          in_len,
                 gsize          max_out,
                 const guint8 **out_data,
                 gsize         *out_len,
                 const char   **why)
{
  const guint8 *in_end = in + in_len;
  guint8 *start, *out, *out_end;
  guint64 bitbuf;
  guint bitcount;
  ObInflateStatus status = OB_INFLATE_OK;
  const char *reason = NULL;

  *out_data = NULL;
  *out_len = 0;
  *why = NULL;
  if (self->mode == MODE_BROKEN)
    {
      *why = "the stream was already broken";
      return OB_INFLATE_ERROR;
    }
  if (self->mode == MODE_DONE)
    return OB_INFLATE_END;

  reserve (self, max_out);
  start = out = self->buf + self->pos;
  out_end = start + max_out;
  bitbuf = self->bitbuf;
  bitcount = self->bitcount;

/* Outside the fast loop bitbuf holds exactly bitcount bits; at most 63. */
#define PULL() \
  while (bitcount <= 55 && in < in_end) \
    { \
      bitbuf |= (guint64) *in++ << bitcount; \
      bitcount += 8; \
    }
#define NEED(n) \
  if (bitcount < (n)) \
    { \
      PULL (); \
      if (bitcount < (n)) \
        goto suspend; \
    }
#define DROP(n) \
  do \
    { \
      bitbuf >>= (n); \
      bitcount -= (n); \
    } \
  while (0)
#define FAIL(msg) \
  do \
    { \
      reason = (msg); \
      goto failed; \
    } \
  while (0)

  for (;;)
    {
      switch (self->mode)
        {
        case MODE_HEADER:
          NEED (3);
          self->last = bitbuf & 1;
          switch ((bitbuf >> 1) & 3)
            {
            case 0:
              self->mode = MODE_STORED;
              break;
            case 1:
              use_fixed_tables (self);
              self->mode = MODE_CODES;
              break;
            case 2:
              self->mode = MODE_TABLE;
              break;
            default:
              FAIL ("invalid block type");
            }
          DROP (3);
          break;

        case MODE_STORED:
          DROP (bitcount & 7);
          NEED (32);
          if ((bitbuf & 0xFFFF) != (((bitbuf >> 16) & 0xFFFF) ^ 0xFFFF))
            FAIL ("invalid stored block lengths");
          self->stored_left = bitbuf & 0xFFFF;
          DROP (32);
          self->mode = MODE_STORED_COPY;
          G_GNUC_FALLTHROUGH;

        case MODE_STORED_COPY:
          {
            gsize n;

            /* Whole bytes already in the bit buffer come first. */
            while (self->stored_left > 0 && bitcount >= 8)
              {
                if (out == out_end)
                  FAIL ("more output than expected");
                *out++ = (guint8) bitbuf;
                DROP (8);
                self->stored_left--;
              }
            n = MIN ((gsize) self->stored_left, (gsize) (in_end - in));
            if (n > (gsize) (out_end - out))
              FAIL ("more output than expected");
            memcpy (out, in, n);
            out += n;
            in += n;
            self->stored_left -= (guint) n;
            if (self->stored_left > 0)
              goto suspend;
          }
          goto block_end;

        case MODE_TABLE:
          NEED (14);
          self->hlit = (guint) (bitbuf & 31) + 257;
          self->hdist = (guint) ((bitbuf >> 5) & 31) + 1;
          self->hclen = (guint) ((bitbuf >> 10) & 15) + 4;
          DROP (14);
          if (self->hlit > 286 || self->hdist > 30)
            FAIL ("too many length or distance symbols");
          memset (self->clens, 0, sizeof self->clens);
          self->have = 0;
          self->mode = MODE_CLENS;
          G_GNUC_FALLTHROUGH;

        case MODE_CLENS:
          while (self->have < self->hclen)
            {
              NEED (3);
              self->clens[clen_order[self->have++]] = bitbuf & 7;
              DROP (3);
            }
          if (!build_table (self->clen_table, G_N_ELEMENTS (self->clen_table), CLEN_BITS,
                            self->clens, 19, clen_sym, TRUE))
            FAIL ("invalid code lengths set");
          self->have = 0;
          self->mode = MODE_LENS;
          G_GNUC_FALLTHROUGH;

        case MODE_LENS:
          {
            /* Locals: the stores into lens[] could otherwise alias them
             * and make every step reload them. */
            const guint64 *ct = self->clen_table;
            guint8 *lens = self->lens;
            guint have = self->have, total = self->hlit + self->hdist;

            while (have < total)
              {
                guint64 e;
                guint l, s, rep, val;

                if (bitcount < 14)
                  PULL ();
                e = ct[bitbuf & MASK (CLEN_BITS)];
                l = E_TAKE (e);
                s = E_VALUE (e);
                if (l > bitcount)
                  break;
                if (s < 16)
                  {
                    lens[have++] = (guint8) s;
                    DROP (l);
                    continue;
                  }
                if (s == 16)
                  {
                    if (l + 2 > bitcount)
                      break;
                    if (have == 0)
                      FAIL ("invalid bit length repeat");
                    val = lens[have - 1];
                    rep = 3 + (guint) ((bitbuf >> l) & 3);
                    DROP (l + 2);
                  }
                else if (s == 17)
                  {
                    if (l + 3 > bitcount)
                      break;
                    val = 0;
                    rep = 3 + (guint) ((bitbuf >> l) & 7);
                    DROP (l + 3);
                  }
                else
                  {
                    if (l + 7 > bitcount)
                      break;
                    val = 0;
                    rep = 11 + (guint) ((bitbuf >> l) & 127);
                    DROP (l + 7);
                  }
                if (have + rep > total)
                  FAIL ("invalid bit length repeat");
                memset (lens + have, (int) val, rep);
                have += rep;
              }
            self->have = have;
            /* Left early: the input ended inside a code. */
            if (have < total)
              goto suspend;
          }
          if (self->lens[256] == 0)
            FAIL ("invalid code -- missing end-of-block");
          if (!build_table (self->dyn_litlen, LITLEN_SIZE, LITLEN_BITS, self->lens, self->hlit, litlen_sym, FALSE))
            FAIL ("invalid literal/lengths set");
          if (!build_table (self->dyn_dist, DIST_SIZE, DIST_BITS, self->lens + self->hlit, self->hdist, dist_sym, FALSE))
            FAIL ("invalid distances set");
          self->litlen = self->dyn_litlen;
          self->dist = self->dyn_dist;
          self->mode = MODE_CODES;
          G_GNUC_FALLTHROUGH;

        case MODE_CODES:
          {
            const guint64 *lt = self->litlen, *dt = self->dist;
            const guint8 *in_fast = in_end - MIN ((gsize) (in_end - in), (gsize) 8);
            guint8 *out_fast = out_end - MIN ((gsize) (out_end - out), (gsize) 258);

            /* Fast loop: 8 input bytes can be loaded at once and a whole
             * match fits.  A refill leaves 56-63 bits: enough for a
             * length, a distance and their extra bits (48 at most), or
             * three literals (15 bits each at most).  All 64 bits of the
             * buffer are then stream bits (the top ones from the byte at
             * @in, loaded again next time), so after any of those at least
             * 16 are left: the next code's first-level entry is looked up
             * early (a refill leaves the low bits as they are), and its
             * load overlaps the match copy.
             *
             * In this loop only the low byte of @bitcount counts: whole
             * table entries are subtracted from it (their low byte is the
             * number of bits taken), which saves extracting that byte for
             * every code; what collects above it is cleared on the way
             * out. */
            if (in < in_fast && out < out_fast)
              {
                guint64 e;

                bitbuf |= load_le64 (in) << bitcount;
                in += (63 - bitcount) >> 3;
                bitcount |= 56;
                e = lt[bitbuf & MASK (LITLEN_BITS)];
                for (;;)
                  {
                    guint64 saved;
                    guint len, dist;

                    if (e & E_LIT)
                      {
                        bitbuf >>= FAST_TAKE (e);
                        bitcount -= (guint) e;
                        *out++ = (guint8) E_VALUE (e);
                        e = lt[bitbuf & MASK (LITLEN_BITS)];
                        if (e & E_LIT)
                          {
                            bitbuf >>= FAST_TAKE (e);
                            bitcount -= (guint) e;
                            *out++ = (guint8) E_VALUE (e);
                            e = lt[bitbuf & MASK (LITLEN_BITS)];
                            if (e & E_LIT)
                              {
                                bitbuf >>= FAST_TAKE (e);
                                bitcount -= (guint) e;
                                *out++ = (guint8) E_VALUE (e);
                                e = lt[bitbuf & MASK (LITLEN_BITS)];
                              }
                          }
                        goto next;
                      }
                    if (G_UNLIKELY (e & E_SUB))
                      {
                        e = lt[E_VALUE (e) + ((bitbuf >> LITLEN_BITS) & MASK (E_SUBBITS (e)))];
                        if (e & E_LIT)
                          {
                            bitbuf >>= FAST_TAKE (e);
                            bitcount -= (guint) e;
                            *out++ = (guint8) E_VALUE (e);
                            e = lt[bitbuf & MASK (LITLEN_BITS)];
                            goto next;
                          }
                      }
                    if (G_UNLIKELY (e & (E_EOB | E_BAD)))
                      {
                        if (e & E_BAD)
                          FAIL ("invalid literal/length code");
                        bitbuf >>= FAST_TAKE (e);
                        bitcount -= (guint) e;
                        bitcount &= 0xFF;
                        bitbuf &= MASK (bitcount);
                        goto block_end;
                      }
                    saved = bitbuf;
                    bitbuf >>= FAST_TAKE (e);
                    bitcount -= (guint) e;
                    len = E_VALUE (e) + E_EXTRA (e, saved);

                    e = dt[bitbuf & MASK (DIST_BITS)];
                    if (G_UNLIKELY (e & (E_SUB | E_BAD)))
                      {
                        if (e & E_SUB)
                          e = dt[E_VALUE (e) + ((bitbuf >> DIST_BITS) & MASK (E_SUBBITS (e)))];
                        if (e & E_BAD)
                          FAIL ("invalid distance code");
                      }
                    saved = bitbuf;
                    bitbuf >>= FAST_TAKE (e);
                    bitcount -= (guint) e;
                    dist = E_VALUE (e) + E_EXTRA (e, saved);
                    e = lt[bitbuf & MASK (LITLEN_BITS)];
                    if (G_UNLIKELY (dist > (gsize) (out - self->buf)))
                      FAIL ("invalid distance too far back");
                    copy_match (out, dist, len);
                    out += len;

                  next:
                    /* Both limits each time: a countdown of the refills
                     * known to be safe ran out every few dozen codes and
                     * mispredicted more than these compares cost. */
                    if (G_UNLIKELY (in >= in_fast || out >= out_fast))
                      break;
                    bitbuf |= load_le64 (in) << (bitcount & 63);
                    in += 7 - ((bitcount >> 3) & 7);
                    bitcount |= 56;
                  }
              }
            /* The fast loop may leave bits of a partly loaded byte above
             * bitcount; that byte is read again. */
            bitcount &= 0xFF;
            bitbuf &= MASK (bitcount);

            /* Near the end of the input or the output: every code is
             * checked to be complete before anything is taken, so the
             * input can stop anywhere. */
            for (;;)
              {
                guint64 e, d, t;
                guint take, len, dist;

                PULL ();
                e = lt[bitbuf & MASK (LITLEN_BITS)];
                if (e & E_SUB)
                  e = lt[E_VALUE (e) + ((bitbuf >> LITLEN_BITS) & MASK (E_SUBBITS (e)))];
                if (E_CODELEN (e) > bitcount)
                  goto suspend;
                if (e & E_LIT)
                  {
                    if (out == out_end)
                      FAIL ("more output than expected");
                    *out++ = (guint8) E_VALUE (e);
                    DROP (E_TAKE (e));
                    continue;
                  }
                if (e & E_EOB)
                  {
                    DROP (E_TAKE (e));
                    goto block_end;
                  }
                if (e & E_BAD)
                  FAIL ("invalid literal/length code");
                take = E_TAKE (e);
                if (take > bitcount)
                  goto suspend;
                len = E_VALUE (e) + E_EXTRA (e, bitbuf);
                t = bitbuf >> take;
                d = dt[t & MASK (DIST_BITS)];
                if (d & E_SUB)
                  d = dt[E_VALUE (d) + ((t >> DIST_BITS) & MASK (E_SUBBITS (d)))];
                if (take + E_CODELEN (d) > bitcount)
                  goto suspend;
                if (d & E_BAD)
                  FAIL ("invalid distance code");
                if (take + E_TAKE (d) > bitcount)
                  goto suspend;
                dist = E_VALUE (d) + E_EXTRA (d, t);
                DROP (take + E_TAKE (d));
                if (dist > (gsize) (out - self->buf))
                  FAIL ("invalid distance too far back");
                if (len > (gsize) (out_end - out))
                  FAIL ("more output than expected");
                for (const guint8 *src = out - dist; len > 0; len--)
                  *out++ = *src++;
              }
          }

        block_end:
          if (self->last)
            {
              self->mode = MODE_DONE;
              status = OB_INFLATE_END;
              goto suspend;
            }
          self->mode = MODE_HEADER;
          break;

        case MODE_DONE:
          status = OB_INFLATE_END;
          goto suspend;

        case MODE_BROKEN:
        default:
          g_assert_not_reached ();
        }
    }

#undef PULL
#undef NEED
#undef DROP
#undef FAIL

suspend:
  self->bitbuf = bitbuf;
  self->bitcount = bitcount;
  self->pos += (gsize) (out - start);
  *out_data = start;
  *out_len = (gsize) (out - start);
  return status;

failed:
  self->mode = MODE_BROKEN;
  *why = reason;
  return OB_INFLATE_ERROR;
}
