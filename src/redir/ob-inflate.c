/* ob-inflate.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-inflate.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_BMI2_VARIANT 1
#endif

/* Why not zlib's inflate: at 1080p a ZRLE frame is ~600 KiB of output
 * from ~500 small blocks (one per AMT tile, a third of them dynamic
 * Huffman blocks), and half of the decoding time went into inflate.
 *
 * This one keeps 64 bits in its bit buffer and refills it without a
 * branch; takes a literal (up to five per refill), or a length or a
 * distance with its extra bits, from one 32-bit table entry; copies
 * matches 8 bytes at a time straight inside its own output buffer (no
 * window copy per call; short periods by one multiply); and builds its
 * tables from lists of the used symbols by length, gathered while the
 * code lengths are read, because a dynamic block of a few hundred
 * symbols cannot pay for more (for the same reason the first level of
 * its literal/length table is only as wide as its longest code, up to 10
 * bits).  The last bytes of every input (where a
 * ZRLE rectangle's end of block and sync flush are) also go through the
 * fast loop, from a zero-padded copy.  On CPUs with BMI2 (and BMI1) the fast
 * loop is compiled a second time for shrx/shlx/bzhi/andn, picked at run
 * time. */

#define WINDOW      32768
/* Wide match copies may write this far past the last byte produced. */
#define SLACK       64

#define LITLEN_BITS 10
/* What the fast loop takes between refills (at least 56 bits there, and
 * the next first-level lookup needs LITLEN_BITS more of the 64): five
 * literals, or one and a match with a first-level length code. */
G_STATIC_ASSERT (5 * LITLEN_BITS <= 64 - LITLEN_BITS);
G_STATIC_ASSERT (LITLEN_BITS + (LITLEN_BITS + 5) + (15 + 13) <= 56);
G_STATIC_ASSERT (LITLEN_BITS + (LITLEN_BITS + 5) + (15 + 13) <= 64 - LITLEN_BITS);
/* What one round of the fast loop may read and write at most: two
 * refills of 8 bytes (7 bytes apart at most), five literals and a match. */
#define IN_MARGIN   (7 + 8)
#define OUT_MARGIN  (5 + 258)
#define DIST_BITS   8
#define CLEN_BITS   7
/* Primary table plus every second-level table a complete code can need
 * (at most one per symbol longer than the primary bits, each at most
 * 2^(15 - bits) entries): a generous bound, checked while building. */
#define LITLEN_SIZE ((1 << LITLEN_BITS) + 288 * (1 << (15 - LITLEN_BITS)))
#define DIST_SIZE   ((1 << DIST_BITS) + 32 * (1 << (15 - DIST_BITS)))
/* A block's distance table follows its literal/length table at a fixed
 * offset: one pointer for both in the fast loop. */
#define DIST_AT     LITLEN_SIZE
/* Room for the symbols of one length. */
#define BY_LEN      288

/* The symbols with one code length, in order. */
typedef struct
{
  guint   n;
  guint16 sym[BY_LEN];
} SymList;

/* A table entry, 32 bits:
 *   bits 0-5   bits to take: the code, plus the extra bits of a length or
 *              distance (at most 15 + 13); for a second-level table, the
 *              first-level bits
 *   bit 6      E_EXC: end of block, bad code, or second-level table
 *   bit 7      E_LIT: a literal
 *   bits 8-15  the literal byte (E_LIT); the code length, where the extra
 *              bits start (length, distance); the second-level index bits
 *              (E_EXC: not 0 for a second-level table only)
 *   bits 16-31 base length or distance; the second-level table's offset;
 *              X_EOB or X_BAD for the other exceptions
 * A length or distance is then (e >> 16) plus the bits above the code,
 * below "bits to take": one mask and one shift. */
#define E_EXC 0x40u
#define E_LIT 0x80u
#define X_BAD 0u
#define X_EOB 1u

#define E_TAKE(e)    ((e) & 63u)
#define E_FIELD(e)   (((e) >> 8) & 0xFFu)
#define E_VALUE(e)   ((e) >> 16)
#define MASK(n)      ((((guint64) 1) << (n)) - 1)
/* The extra bits of a length or distance entry in @saved (the bit buffer
 * before the entry was taken). */
#define E_EXTRA(e, saved) ((guint) (((saved) & MASK (E_TAKE (e))) >> E_FIELD (e)))

/* Code length code entries: bits 0-5 bits to take (code and extra bits),
 * bit 6 "repeat the previous length", bit 7 a repeat (16, 17, 18), bits
 * 8-15 code length, bits 16-23 the repeat count without its extra bits,
 * bits 24-31 the length. */
#define C_PREV 0x40u
#define C_REP  0x80u

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

/* The decoder's position, handed to the fast loop and back. */
typedef struct
{
  const guint8 *in;
  guint8       *out;
  guint64       bitbuf;
  guint         bitcount;
} Cursor;

typedef enum
{
  FAST_LIMIT,       /* near the end of the input or the output */
  FAST_EOB,
  FAST_BAD_LITLEN,
  FAST_BAD_DIST,
  FAST_TOO_FAR,
} FastResult;

/* @lt: the literal/length table, with the distance table at DIST_AT;
 * @lit_bits: its first-level bits (LITLEN_BITS at most). */
typedef FastResult (*FastLoop) (Cursor         *c,
                                const guint8   *in_fast,
                                guint8         *out_fast,
                                const guint8   *window,
                                const guint32  *lt,
                                guint           lit_bits);

typedef enum
{
  LENS_DONE,
  LENS_SHORT,        /* the input ended inside a code */
  LENS_BAD_REPEAT,
} LensResult;

typedef LensResult (*ReadLengths) (ObInflate      *self,
                                   const guint8  **in_p,
                                   const guint8   *in_end,
                                   guint64        *bitbuf_p,
                                   guint          *bitcount_p);

/* The fast loop in two forms: checking every distance against the start
 * of the output, and not (once a whole window is behind, no distance can
 * reach past it); and the reading of a dynamic block's code lengths,
 * compiled the same two ways. */
typedef struct
{
  FastLoop    near_start;
  FastLoop    windowed;
  ReadLengths read_lengths;
} FastLoops;

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
  /* Room for 8-byte loads past the last length and for the 16-byte
   * stores of a repeat. */
  guint8          lens[288 + 32 + 16];

  const guint32  *tables;     /* the current block's, DIST_AT apart */
  guint           lit_bits;   /* its first-level literal/length bits */
  const FastLoops *fast;

  /* Not cleared when made: always written before they are read. */
  guint32         clen_table[1 << CLEN_BITS];
  /* Per part (literal/length, distance) the symbols of each length. */
  SymList         lists[2][16];
  guint32         dyn_tables[DIST_AT + DIST_SIZE];
};

/* Per symbol: what a table entry says besides the code length, and what
 * a code length of l adds to it (l for the bits to take, and l << 8 as
 * well where bits 8-15 hold the code length). */
static guint32 litlen_sym[288], litlen_step[288];
static guint32 dist_sym[32], dist_step[32];
static guint32 clen_sym[19], clen_step[19];
static guint8 rev8[256];
/* A code of up to PRIMARY_MAX bits, reversed, from the code shifted up
 * to PRIMARY_MAX bits: one lookup per first-level code. */
#define PRIMARY_MAX 10
static guint16 rev_primary[1 << PRIMARY_MAX];
G_STATIC_ASSERT (LITLEN_BITS <= PRIMARY_MAX && DIST_BITS <= PRIMARY_MAX && CLEN_BITS <= PRIMARY_MAX);
static guint32 fixed_tables[DIST_AT + (1 << DIST_BITS)];
static guint fixed_lit_bits;
static const FastLoops *best_fast;

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

static inline guint64
load_le64 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return GUINT64_FROM_LE (v);
}

static inline void
store_le64 (guint8  *p,
            guint64  v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, sizeof v);
}

static inline guint
reverse_bits (guint code,
              guint len)
{
  return ((guint) rev8[code & 0xFF] << 8 | rev8[code >> 8]) >> (16 - len);
}

/* The symbols of @lens[0..@n) by length, in order, for build_table.
 * @lens must be readable up to the next multiple of 8 past @n. */
static void
gather (const guint8 *lens,
        guint         n,
        SymList       lists[16])
{
  g_assert (n <= BY_LEN);
  for (guint l = 0; l < 16; l++)
    lists[l].n = 0;
  /* 8 lengths at a time: most are 0. */
  for (guint i = 0; i < n; i += 8)
    {
      guint64 w = load_le64 (lens + i);
      guint64 nz;

      if (n - i < 8)
        w &= MASK (8 * (n - i));
      /* Bit 7 of every byte that is not 0. */
      nz = ((w & G_GUINT64_CONSTANT (0x7F7F7F7F7F7F7F7F)) + G_GUINT64_CONSTANT (0x7F7F7F7F7F7F7F7F)) | w;
      nz &= G_GUINT64_CONSTANT (0x8080808080808080);
      while (nz != 0)
        {
          guint s = i + ((guint) __builtin_ctzll (nz) >> 3);
          guint l = lens[s];

          lists[l].sym[lists[l].n++] = (guint16) s;
          nz &= nz - 1;
        }
    }
}

/* Builds a lookup table for a canonical Huffman code (RFC 1951 §3.2.2)
 * given by the symbols of each length in order (@lists; 0 is not used):
 * sorted by (length, symbol), the order their codes count up in.
 * Over-subscribed codes are refused, and so are incomplete ones except a
 * single one-bit code (as zlib allows for literal/length and distance
 * codes; never for the code length code). */
static gboolean
build_table (guint32        *table,
             gsize           table_size,
             guint           bits,
             const SymList   lists[16],
             const guint32  *sym,
             const guint32  *step,
             gboolean        complete_only,
             guint          *bits_used)
{
  guint count[16], rem[16];
  guint max = 0, code = 0, cur_prefix = G_MAXUINT, sub_bits = 0;
  gsize next_free = (gsize) 1 << bits, sub_off = 0;
  int left = 1;

  for (guint l = 1; l <= 15; l++)
    count[l] = lists[l].n;
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
      guint32 e = complete_only ? sym[0] + step[0] : (E_EXC | 1 | X_BAD << 16);

      for (gsize i = 0; i < ((gsize) 1 << bits); i++)
        table[i] = e;
      return TRUE;
    }
  if (left > 0 && (complete_only || max != 1))
    return FALSE;
  /* A code with no code longer than the primary bits needs only 2^max
   * entries (and its lookups only max bits): small blocks mostly have
   * short codes, and doubling the table up to 2^bits was most of the
   * cost of building it. */
  if (bits_used != NULL)
    {
      bits = MIN (bits, max);
      *bits_used = bits;
    }

  memcpy (rem, count, sizeof rem);

  /* The primary table grows one length at a time: the codes of length l
   * go into a table of 2^l entries (one entry each), which is then
   * doubled by a copy, so a short code ends up in every entry whose low
   * bits are its reversed code without a store per entry.  Both halves
   * of the 1-bit table start as bad codes: slots no code reaches (only
   * possible for the single 1-bit code allowed above) stay bad. */
  table[0] = table[1] = E_EXC | 1 | X_BAD << 16;
  for (guint l = 1; l <= bits; l++)
    {
      if (l > 1)
        memcpy (table + ((gsize) 1 << (l - 1)), table, sizeof (guint32) << (l - 1));
      code <<= 1;
      for (guint j = 0; j < count[l]; j++, code++)
        {
          guint s = lists[l].sym[j];

          table[rev_primary[code << (PRIMARY_MAX - l)]] = sym[s] + l * step[s];
        }
    }
  for (guint l = bits + 1; l <= max; l++)
    {
      code <<= 1;
      for (guint j = 0; j < count[l]; j++, code++)
        {
          guint s = lists[l].sym[j];
          guint32 e = sym[s] + (l - bits) * step[s];
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
                table[sub_off + i] = E_EXC | 15 | X_BAD << 16;
              table[reverse_bits (prefix, bits)] = E_EXC | bits | sub_bits << 8 | (guint32) sub_off << 16;
            }
          for (gsize i = reverse_bits (low, l - bits); i < ((gsize) 1 << sub_bits); i += (gsize) 1 << (l - bits))
            table[sub_off + i] = e;
          rem[l]--;
        }
    }
  return TRUE;
}

/* ---- the fast loop ------------------------------------------------------ */

/* The low @n bits of @x (only the low 8 bits of @n count, and they are
 * below 64): written twice, the BMI2 one is a single bzhi. */
typedef guint64 (*LowBits) (guint64 x,
                            guint32 n);

static inline guint64 __attribute__ ((always_inline))
low_bits_portable (guint64 x,
                   guint32 n)
{
  return x & MASK (n & 63);
}

/* The whole bytes a refill moves the input on: 7 less the whole bytes
 * the buffer still holds (the low 6 bits of @bitcount count).  The BMI
 * one is a single andn and a shift. */
typedef gsize (*RefillStep) (guint32 bitcount);

static inline gsize __attribute__ ((always_inline))
refill_step_portable (guint32 bitcount)
{
  return (~bitcount & 56) >> 3;
}

/* Copies a match of @len (3-258) bytes from @dist (1-32768) back, and
 * returns its end.  Writes up to 15 bytes past the end: the buffer has
 * SLACK after every output limit. */
static inline guint8 * __attribute__ ((always_inline))
copy_match (guint8  *out,
            gsize    dist,
            gsize    len,
            LowBits  low_bits)
{
  const guint8 *src = out - dist;

  /* Offsets rather than an end pointer: the common short match then
   * needs nothing but the output moved on at the end. */
  if (G_LIKELY (dist >= 8))
    {
      /* Each 8-byte piece reads only bytes written before it; most
       * matches are short, so two pieces go without a test. */
      memcpy (out, src, 8);
      memcpy (out + 8, src + 8, 8);
      if (G_UNLIKELY (len > 16))
        {
          gsize k = 16;

          do
            {
              memcpy (out + k, src + k, 8);
              memcpy (out + k + 8, src + k + 8, 8);
              k += 16;
            }
          while (k < len);
        }
    }
  else
    {
      /* A pattern of 1-7 bytes (1: a run of one byte): its first 8 bytes
       * are the @dist known ones repeated, made with one multiply (the
       * copies do not overlap, so nothing carries), then stored every
       * multiple of the period that fits in 8.  The load takes 8 - @dist
       * bytes not written yet; the mask drops them. */
      static const guint8 period_step[8] = { 0, 8, 8, 6, 8, 5, 6, 7 };
      static const guint64 repeat[8] = {
        0,
        G_GUINT64_CONSTANT (0x0101010101010101),
        G_GUINT64_CONSTANT (0x0001000100010001),
        G_GUINT64_CONSTANT (0x0001000001000001),
        G_GUINT64_CONSTANT (0x0000000100000001),
        G_GUINT64_CONSTANT (0x0000010000000001),
        G_GUINT64_CONSTANT (0x0001000000000001),
        G_GUINT64_CONSTANT (0x0100000000000001),
      };
      guint64 pattern = low_bits (load_le64 (src), 8 * dist) * repeat[dist];
      gsize stride = period_step[dist], k = 0;

      do
        {
          store_le64 (out + k, pattern);
          k += stride;
        }
      while (k < len);
    }
  return out + len;
}

/* Decodes while two refills of 8 input bytes and five literals and a
 * whole match fit (up to @in_fast and @out_fast).  A refill leaves 56-63
 * bits: enough for a length, a distance and their extra bits (48 at
 * most), or five literals from the first-level table (LITLEN_BITS each
 * at most; a longer one goes round on its own), or one of those and a
 * match with a first-level length code (see the asserts at the top).
 * All 64 bits of the buffer are then stream bits (the top ones from the
 * byte at @in, loaded again next time), so after any of those at least
 * LITLEN_BITS are left: the next code's first-level entry is looked up
 * early (a refill leaves the low bits as they are), and its load
 * overlaps the match copy.
 *
 * In this loop only the low 6 bits of @bitcount count: whole table
 * entries are subtracted from it (their low 6 bits are the bits taken),
 * which saves extracting them for every code; shifts use those 6 bits
 * anyway.  The caller clears the rest.
 *
 * Inlined into four functions: with or without BMI2 (@low_bits and
 * @refill_step; the compiler also turns the variable shifts into
 * shrx/shlx there, no moves to cl), and with or without checking
 * distances against @window.  @lit_bits is the first-level width of
 * @lt (LITLEN_BITS at most, so the budgets above hold). */
static inline FastResult __attribute__ ((always_inline))
fast_loop_body (Cursor         *c,
                const guint8   *in_fast,
                guint8         *out_fast,
                const guint8   *window,
                const guint32  *lt,
                guint           lit_bits,
                LowBits         low_bits,
                RefillStep      refill_step,
                gboolean        check_far)
{
  const guint8 *in = c->in;
  guint8 *out = c->out;
  guint64 bitbuf = c->bitbuf;
  guint bitcount = c->bitcount;
  FastResult result = FAST_LIMIT;
  guint32 e;

  if (in > in_fast || out > out_fast)
    return FAST_LIMIT;

  bitbuf |= load_le64 (in) << bitcount;
  in += refill_step (bitcount);
  bitcount |= 56;
  e = lt[low_bits (bitbuf, lit_bits)];
  for (;;)
    {
      guint64 saved;
      guint32 d;
      /* Full width: the pointer arithmetic needs no extension then. */
      gsize len, dist;

      if (e & E_LIT)
        {
          /* Up to five literals: stored at fixed offsets, the output
           * moved on once where the run ends. */
          bitbuf >>= e & 63;
          bitcount -= e;
          out[0] = (guint8) (e >> 8);
          e = lt[low_bits (bitbuf, lit_bits)];
          /* One literal (LITLEN_BITS at most) and a whole match from a
           * first-level length entry (15 + 28 bits at most) fit in one
           * refill: the most common run goes on without one. */
          if (!(e & (E_LIT | E_EXC)))
            {
              out += 1;
              goto length;
            }
          if (!(e & E_LIT))
            {
              out += 1;
              goto literals_done;
            }
          bitbuf >>= e & 63;
          bitcount -= e;
          out[1] = (guint8) (e >> 8);
          e = lt[low_bits (bitbuf, lit_bits)];
          if (!(e & E_LIT))
            {
              out += 2;
              goto literals_done;
            }
          bitbuf >>= e & 63;
          bitcount -= e;
          out[2] = (guint8) (e >> 8);
          e = lt[low_bits (bitbuf, lit_bits)];
          if (!(e & E_LIT))
            {
              out += 3;
              goto literals_done;
            }
          bitbuf >>= e & 63;
          bitcount -= e;
          out[3] = (guint8) (e >> 8);
          e = lt[low_bits (bitbuf, lit_bits)];
          if (!(e & E_LIT))
            {
              out += 4;
              goto literals_done;
            }
          bitbuf >>= e & 63;
          bitcount -= e;
          out[4] = (guint8) (e >> 8);
          e = lt[low_bits (bitbuf, lit_bits)];
          out += 5;

        literals_done:
          /* Usually a match comes next: refill for it without going
           * round (@in_fast leaves room for two refills). */
          bitbuf |= load_le64 (in) << (bitcount & 63);
          in += refill_step (bitcount);
          bitcount |= 56;
          if (e & E_LIT)
            {
              if (G_UNLIKELY (in > in_fast || out > out_fast))
                break;
              continue;
            }
        }
      if (G_UNLIKELY (e & E_EXC))
        {
          if (E_FIELD (e) != 0)
            {
              /* A long code: its first bits are taken here, the rest
               * (and any extra bits) by the second-level entry. */
              bitbuf >>= lit_bits;
              bitcount -= lit_bits;
              e = lt[E_VALUE (e) + low_bits (bitbuf, E_FIELD (e))];
              if (e & E_LIT)
                {
                  bitbuf >>= e & 63;
                  bitcount -= e;
                  *out++ = (guint8) (e >> 8);
                  e = lt[low_bits (bitbuf, lit_bits)];
                  goto check;
                }
            }
          if (e & E_EXC)
            {
              if (E_VALUE (e) == X_EOB)
                {
                  bitbuf >>= e & 63;
                  bitcount -= e;
                  result = FAST_EOB;
                }
              else
                result = FAST_BAD_LITLEN;
              break;
            }
        }

    length:
      /* A length, then a distance: the value is the base plus the bits
       * between the code and the end of what the entry takes. */
      saved = bitbuf;
      bitbuf >>= e & 63;
      bitcount -= e;
      len = E_VALUE (e) + (low_bits (saved, e) >> E_FIELD (e));

      /* Indexed from @lt: a pointer of its own would not stay in a
       * register. */
      d = lt[DIST_AT + (bitbuf & MASK (DIST_BITS))];
      if (G_UNLIKELY (d & E_EXC))
        {
          if (E_FIELD (d) == 0)
            {
              result = FAST_BAD_DIST;
              break;
            }
          bitbuf >>= DIST_BITS;
          bitcount -= DIST_BITS;
          d = lt[DIST_AT + E_VALUE (d) + low_bits (bitbuf, E_FIELD (d))];
          if (d & E_EXC)
            {
              result = FAST_BAD_DIST;
              break;
            }
        }
      saved = bitbuf;
      bitbuf >>= d & 63;
      bitcount -= d;
      dist = E_VALUE (d) + (low_bits (saved, d) >> E_FIELD (d));
      e = lt[low_bits (bitbuf, lit_bits)];

      if (check_far && G_UNLIKELY (dist > (gsize) (out - window)))
        {
          result = FAST_TOO_FAR;
          break;
        }
      out = copy_match (out, dist, len, low_bits);

    check:
      if (G_UNLIKELY (in > in_fast || out > out_fast))
        break;
      bitbuf |= load_le64 (in) << (bitcount & 63);
      in += refill_step (bitcount);
      bitcount |= 56;
    }

  c->in = in;
  c->out = out;
  c->bitbuf = bitbuf;
  c->bitcount = bitcount;
  return result;
}

static FastResult
fast_portable_near_start (Cursor         *c,
                          const guint8   *in_fast,
                          guint8         *out_fast,
                          const guint8   *window,
                          const guint32  *lt,
                          guint           lit_bits)
{
  return fast_loop_body (c, in_fast, out_fast, window, lt, lit_bits, low_bits_portable, refill_step_portable, TRUE);
}

static FastResult
fast_portable_windowed (Cursor         *c,
                        const guint8   *in_fast,
                        guint8         *out_fast,
                        const guint8   *window,
                        const guint32  *lt,
                        guint           lit_bits)
{
  return fast_loop_body (c, in_fast, out_fast, window, lt, lit_bits, low_bits_portable, refill_step_portable, FALSE);
}


#ifdef HAVE_BMI2_VARIANT
static inline guint64 __attribute__ ((always_inline, target ("bmi,bmi2")))
low_bits_bmi2 (guint64 x,
               guint32 n)
{
  return _bzhi_u64 (x, n);
}

static inline gsize __attribute__ ((always_inline, target ("bmi,bmi2")))
refill_step_bmi (guint32 bitcount)
{
  static const guint32 whole_bytes = 56;
  guint32 r;

  /* Not _andn_u32: GCC turns it back into a move, not, shift and and.
   * The mask comes from memory, which keeps a register free. */
  __asm__ ("andn %2, %1, %0" : "=r" (r) : "r" (bitcount), "m" (whole_bytes));
  return r >> 3;
}

__attribute__ ((target ("bmi,bmi2"))) static FastResult
fast_bmi2_near_start (Cursor         *c,
                      const guint8   *in_fast,
                      guint8         *out_fast,
                      const guint8   *window,
                      const guint32  *lt,
                      guint           lit_bits)
{
  return fast_loop_body (c, in_fast, out_fast, window, lt, lit_bits, low_bits_bmi2, refill_step_bmi, TRUE);
}

__attribute__ ((target ("bmi,bmi2"))) static FastResult
fast_bmi2_windowed (Cursor         *c,
                    const guint8   *in_fast,
                    guint8         *out_fast,
                    const guint8   *window,
                    const guint32  *lt,
                    guint           lit_bits)
{
  return fast_loop_body (c, in_fast, out_fast, window, lt, lit_bits, low_bits_bmi2, refill_step_bmi, FALSE);
}

#endif

/* ---- the code lengths of a dynamic block -------------------------------- */

/* Reads the literal/length and distance code lengths of a dynamic block
 * (continuing at self->have), in two parts: each length also goes into
 * its part's list of symbols of that length, what build_table needs
 * (single zeros go into list 0, which nothing reads).  A function of its
 * own so that its loop has the registers to itself, compiled twice like
 * the fast loop (with BMI2 its shifts need no moves to cl). */
static inline LensResult __attribute__ ((always_inline))
read_lengths_body (ObInflate      *self,
                   const guint8  **in_p,
                   const guint8   *in_end,
                   guint64        *bitbuf_p,
                   guint          *bitcount_p)
{
  const guint8 *in = *in_p;
  guint64 bitbuf = *bitbuf_p;
  guint bitcount = *bitcount_p;
  /* Locals: the stores into lens[] could otherwise alias them and make
   * every step reload them. */
  const guint32 *ct = self->clen_table;
  guint8 *lens = self->lens;
  guint have = self->have, hlit = self->hlit, total = hlit + self->hdist;
  LensResult result = LENS_DONE;

  while (have < total)
    {
      /* Within a part: @i counts from its first symbol, and the
       * lengths before it (lens[-1] is the last literal/length one for
       * the distance part) are the ones a repeat takes. */
      guint part = have >= hlit, base = part ? hlit : 0;
      guint i = have - base, n = (part ? total : hlit) - base, room = total - base;
      guint8 *plens = lens + base;
      SymList *lists = self->lists[part];

      while (i < n)
        {
          guint32 e;
          guint take, rep, val;
          guint64 pattern;

          if (bitcount < 14)
            {
              if (in_end - in >= 8)
                {
                  /* As in the fast loop; the bits above bitcount are
                   * stream bits, cleared when leaving. */
                  bitbuf |= load_le64 (in) << bitcount;
                  in += (63 - bitcount) >> 3;
                  bitcount |= 56;
                }
              else
                while (bitcount <= 55 && in < in_end)
                  {
                    bitbuf |= (guint64) *in++ << bitcount;
                    bitcount += 8;
                  }
            }
          e = ct[bitbuf & MASK (CLEN_BITS)];
          take = E_TAKE (e);
          if (take > bitcount)
            {
              result = LENS_SHORT;
              have = base + i;
              goto done;
            }
          if (G_LIKELY (!(e & C_REP)))
            {
              /* Most are single lengths (saying so lets this path keep
               * its values in registers). */
              SymList *list = &lists[e >> 24];

              plens[i] = (guint8) (e >> 24);
              list->sym[list->n++] = (guint16) i;
              i++;
              bitbuf >>= take;
              bitcount -= take;
              continue;
            }
          /* A repeat of the previous length or a run of zeros. */
          rep = ((e >> 16) & 0xFF) + E_EXTRA (e, bitbuf);
          val = e >> 24;
          if (e & C_PREV)
            {
              if (base + i == 0)
                {
                  result = LENS_BAD_REPEAT;
                  have = base + i;
                  goto done;
                }
              val = plens[(int) i - 1];
            }
          if (i + rep > room)
            {
              result = LENS_BAD_REPEAT;
              have = base + i;
              goto done;
            }
          bitbuf >>= take;
          bitcount -= take;
          pattern = val * G_GUINT64_CONSTANT (0x0101010101010101);
          store_le64 (plens + i, pattern);
          store_le64 (plens + i + 8, pattern);
          /* No memset call: a call in this loop would leave it too few
           * registers.  @lens has room for the last 8-byte store. */
          for (guint k = 16; k < rep; k += 8)
            store_le64 (plens + i + k, pattern);
          /* Zeros need no list; the others may run on into the distance
           * part. */
          if (val != 0)
            for (guint k = base + i; k < base + i + rep; k++)
              {
                SymList *list = &self->lists[k >= hlit][val];

                list->sym[list->n++] = (guint16) (k - (k >= hlit ? hlit : 0));
              }
          i += rep;
        }
      have = base + i;
    }

done:
  self->have = have;
  *in_p = in;
  *bitbuf_p = bitbuf & MASK (bitcount);
  *bitcount_p = bitcount;
  return result;
}

static G_GNUC_NO_INLINE LensResult
read_lengths_portable (ObInflate      *self,
                       const guint8  **in_p,
                       const guint8   *in_end,
                       guint64        *bitbuf_p,
                       guint          *bitcount_p)
{
  return read_lengths_body (self, in_p, in_end, bitbuf_p, bitcount_p);
}

static const FastLoops fast_portable = {
  fast_portable_near_start, fast_portable_windowed, read_lengths_portable
};

#ifdef HAVE_BMI2_VARIANT
__attribute__ ((target ("bmi,bmi2"))) static G_GNUC_NO_INLINE LensResult
read_lengths_bmi2 (ObInflate      *self,
                   const guint8  **in_p,
                   const guint8   *in_end,
                   guint64        *bitbuf_p,
                   guint          *bitcount_p)
{
  return read_lengths_body (self, in_p, in_end, bitbuf_p, bitcount_p);
}

static const FastLoops fast_bmi2 = {
  fast_bmi2_near_start, fast_bmi2_windowed, read_lengths_bmi2
};
#endif

/* ---- set-up ------------------------------------------------------------- */

static gpointer
init_symbols (gpointer data)
{
  guint8 lens[288 + 8] = { 0 };
  SymList lists[16];
  gboolean ok;

  for (guint i = 0; i < 256; i++)
    {
      guint r = 0;

      for (guint b = 0; b < 8; b++)
        if (i & (1u << b))
          r |= 0x80u >> b;
      rev8[i] = (guint8) r;
      litlen_sym[i] = E_LIT | i << 8;
      litlen_step[i] = 1;
    }
  for (guint i = 0; i < G_N_ELEMENTS (rev_primary); i++)
    rev_primary[i] = (guint16) reverse_bits (i, PRIMARY_MAX);
  litlen_sym[256] = E_EXC | X_EOB << 16;
  litlen_step[256] = 1;
  for (guint i = 0; i < 29; i++)
    {
      litlen_sym[257 + i] = (guint32) length_base[i] << 16 | length_extra[i];
      litlen_step[257 + i] = 0x101;
    }
  for (guint i = 286; i < 288; i++)
    {
      litlen_sym[i] = E_EXC | X_BAD << 16;
      litlen_step[i] = 1;
    }
  for (guint i = 0; i < 30; i++)
    {
      dist_sym[i] = (guint32) dist_base[i] << 16 | dist_extra[i];
      dist_step[i] = 0x101;
    }
  for (guint i = 30; i < 32; i++)
    {
      dist_sym[i] = E_EXC | X_BAD << 16;
      dist_step[i] = 1;
    }
  for (guint i = 0; i < 16; i++)
    clen_sym[i] = i << 24 | 1 << 16;
  clen_sym[16] = C_REP | C_PREV | 3 << 16 | 2;
  clen_sym[17] = C_REP | 3 << 16 | 3;
  clen_sym[18] = C_REP | 11 << 16 | 7;
  for (guint i = 0; i < 19; i++)
    clen_step[i] = 0x101;

  memset (lens, 8, 144);
  memset (lens + 144, 9, 112);
  memset (lens + 256, 7, 24);
  memset (lens + 280, 8, 8);
  gather (lens, 288, lists);
  ok = build_table (fixed_tables, 1 << LITLEN_BITS, LITLEN_BITS, lists,
                    litlen_sym, litlen_step, FALSE, &fixed_lit_bits);
  memset (lens, 5, 32);
  gather (lens, 32, lists);
  ok = ok && build_table (fixed_tables + DIST_AT, 1 << DIST_BITS, DIST_BITS, lists,
                          dist_sym, dist_step, FALSE, NULL);
  g_assert (ok);

  best_fast = &fast_portable;
#ifdef HAVE_BMI2_VARIANT
  if (__builtin_cpu_supports ("bmi") && __builtin_cpu_supports ("bmi2"))
    best_fast = &fast_bmi2;
#endif
  return NULL;
}

ObInflate *
ob_inflate_new (void)
{
  static GOnce once = G_ONCE_INIT;
  ObInflate *self;

  g_once (&once, init_symbols, NULL);
  /* The tables (most of it) are always written before they are read. */
  self = g_malloc (sizeof (ObInflate));
  memset (self, 0, G_STRUCT_OFFSET (ObInflate, clen_table));
  self->mode = MODE_HEADER;
  self->fast = best_fast;
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

gboolean
ob_inflate_set_portable (ObInflate *self,
                         gboolean   portable)
{
  if (portable)
    {
      self->fast = &fast_portable;
      return TRUE;
    }
  self->fast = best_fast;
  return best_fast != &fast_portable;
}

const char *
ob_inflate_get_variant (ObInflate *self)
{
  return self->fast == &fast_portable ? "portable" : "bmi2";
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

/* ---- decoding ----------------------------------------------------------- */

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

/* Outside the fast loops bitbuf holds exactly bitcount bits; at most 63. */
#define PULL() \
  if (in_end - in >= 8) \
    { \
      /* Whole bytes up to 56-63 bits at once (as in the fast loop), \
       * and the part of the next byte that came along cleared. */ \
      bitbuf |= load_le64 (in) << bitcount; \
      in += (63 - bitcount) >> 3; \
      bitcount |= 56; \
      bitbuf &= MASK (bitcount); \
    } \
  else \
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
              self->tables = fixed_tables;
              self->lit_bits = fixed_lit_bits;
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
            /* A sync flush's empty block has nothing to copy. */
            if (n > 0)
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
          for (guint l = 0; l < 16; l++)
            self->lists[0][l].n = self->lists[1][l].n = 0;
          self->have = 0;
          self->mode = MODE_CLENS;
          G_GNUC_FALLTHROUGH;

        case MODE_CLENS:
          while (self->have < self->hclen)
            {
              guint have = self->have, n;

              NEED (3);
              /* As many as the bit buffer holds (a refill gives 56 bits
               * or more: usually all of them at once). */
              n = MIN (self->hclen - have, bitcount / 3);
              for (guint k = 0; k < n; k++)
                self->clens[clen_order[have + k]] = (guint8) ((bitbuf >> (3 * k)) & 7);
              self->have = have + n;
              DROP (3 * n);
            }
          {
            /* gather reads lengths 8 at a time. */
            guint8 cl[24] = { 0 };
            SymList lists[16];

            memcpy (cl, self->clens, sizeof self->clens);
            gather (cl, 19, lists);
            if (!build_table (self->clen_table, G_N_ELEMENTS (self->clen_table), CLEN_BITS,
                              lists, clen_sym, clen_step, TRUE, NULL))
              FAIL ("invalid code lengths set");
          }
          self->have = 0;
          self->mode = MODE_LENS;
          G_GNUC_FALLTHROUGH;

        case MODE_LENS:
          {
            LensResult r = self->fast->read_lengths (self, &in, in_end, &bitbuf, &bitcount);

            if (r == LENS_BAD_REPEAT)
              FAIL ("invalid bit length repeat");
            /* Left early: the input ended inside a code. */
            if (r == LENS_SHORT)
              goto suspend;
          }
          if (self->lens[256] == 0)
            FAIL ("invalid code -- missing end-of-block");
          if (!build_table (self->dyn_tables, LITLEN_SIZE, LITLEN_BITS, self->lists[0],
                            litlen_sym, litlen_step, FALSE, &self->lit_bits))
            FAIL ("invalid literal/lengths set");
          if (!build_table (self->dyn_tables + DIST_AT, DIST_SIZE, DIST_BITS, self->lists[1],
                            dist_sym, dist_step, FALSE, NULL))
            FAIL ("invalid distances set");
          self->tables = self->dyn_tables;
          self->mode = MODE_CODES;
          G_GNUC_FALLTHROUGH;

        case MODE_CODES:
          {
            const guint32 *lt = self->tables, *dt = self->tables + DIST_AT;
            guint lit_bits = self->lit_bits;

            if (in_end - in >= IN_MARGIN && out_end - out >= OUT_MARGIN)
              {
                Cursor c = { in, out, bitbuf, bitcount };
                FastLoop loop = (gsize) (out - self->buf) >= WINDOW ? self->fast->windowed : self->fast->near_start;
                FastResult r = loop (&c, in_end - IN_MARGIN, out_end - OUT_MARGIN, self->buf, lt, lit_bits);

                in = c.in;
                out = c.out;
                bitcount = c.bitcount & 63;
                bitbuf = c.bitbuf & MASK (bitcount);
                switch (r)
                  {
                  case FAST_LIMIT:
                    break;
                  case FAST_EOB:
                    goto block_end;
                  case FAST_BAD_LITLEN:
                    FAIL ("invalid literal/length code");
                  case FAST_BAD_DIST:
                    FAIL ("invalid distance code");
                  case FAST_TOO_FAR:
                  default:
                    FAIL ("invalid distance too far back");
                  }
              }
            if (in_end - in < IN_MARGIN && out_end - out >= OUT_MARGIN)
              {
                /* The last few bytes (every ZRLE rectangle ends with its
                 * end of block and an empty stored block here, and small
                 * fixed blocks fit whole): decoded by the fast loop from
                 * a copy followed by zeros, and kept only if it took no
                 * bit past the real ones; otherwise (a code cut off, or
                 * an error, which may come from the zeros) the careful
                 * loop does it again. */
                guint8 tail[2 * IN_MARGIN + 2] = { 0 };
                gsize n = (gsize) (in_end - in), loaded;
                Cursor c = { tail, out, bitbuf, bitcount };
                FastLoop loop = (gsize) (out - self->buf) >= WINDOW ? self->fast->windowed : self->fast->near_start;
                FastResult r;
                guint left;

                memcpy (tail, in, n);
                r = loop (&c, tail + sizeof tail - IN_MARGIN, out_end - OUT_MARGIN, self->buf, lt, lit_bits);
                loaded = (gsize) (c.in - tail);
                left = c.bitcount & 63;
                if ((r == FAST_LIMIT || r == FAST_EOB) && 8 * loaded <= 8 * n + left)
                  {
                    /* Bits of zeros still in the buffer are not input. */
                    if (loaded > n)
                      left -= 8 * (guint) (loaded - n);
                    in += MIN (loaded, n);
                    out = c.out;
                    bitcount = left;
                    bitbuf = c.bitbuf & MASK (bitcount);
                    if (r == FAST_EOB)
                      goto block_end;
                  }
              }

            /* Near the end of the input or the output: every code is
             * checked to be complete before anything is taken, so the
             * input can stop anywhere. */
            for (;;)
              {
                guint32 e, d;
                guint take, len, dist;
                guint64 t;

                PULL ();
                e = lt[bitbuf & MASK (lit_bits)];
                take = 0;
                if ((e & E_EXC) && E_FIELD (e) != 0)
                  {
                    /* Second level: take its first bits only once the
                     * whole code is there. */
                    take = lit_bits;
                    e = lt[E_VALUE (e) + ((bitbuf >> lit_bits) & MASK (E_FIELD (e)))];
                  }
                if (e & (E_LIT | E_EXC))
                  {
                    if (take + E_TAKE (e) > bitcount)
                      goto suspend;
                    if (e & E_LIT)
                      {
                        if (out == out_end)
                          FAIL ("more output than expected");
                        *out++ = (guint8) (e >> 8);
                        DROP (take + E_TAKE (e));
                        continue;
                      }
                    if (E_VALUE (e) != X_EOB)
                      FAIL ("invalid literal/length code");
                    DROP (take + E_TAKE (e));
                    goto block_end;
                  }
                /* A length: the whole code, then its extra bits. */
                if (take + E_FIELD (e) > bitcount || take + E_TAKE (e) > bitcount)
                  goto suspend;
                len = E_VALUE (e) + E_EXTRA (e, bitbuf >> take);
                take += E_TAKE (e);
                t = bitbuf >> take;
                d = dt[t & MASK (DIST_BITS)];
                if ((d & E_EXC) && E_FIELD (d) != 0)
                  {
                    if (take + DIST_BITS > bitcount)
                      goto suspend;
                    take += DIST_BITS;
                    t >>= DIST_BITS;
                    d = dt[E_VALUE (d) + (t & MASK (E_FIELD (d)))];
                  }
                if (d & E_EXC)
                  {
                    if (take + E_TAKE (d) > bitcount)
                      goto suspend;
                    FAIL ("invalid distance code");
                  }
                if (take + E_FIELD (d) > bitcount || take + E_TAKE (d) > bitcount)
                  goto suspend;
                dist = E_VALUE (d) + E_EXTRA (d, t);
                DROP (take + E_TAKE (d));
                if (dist > (gsize) (out - self->buf))
                  FAIL ("invalid distance too far back");
                if (len > (gsize) (out_end - out))
                  FAIL ("more output than expected");
                out = copy_match (out, dist, len, low_bits_portable);
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
