/* ob-rfb-decoder.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* The tile loops are compiled twice, as they are and for AVX2, and the
 * decoder picks one at run time (ob_rfb_decoder_set_portable()). */
#define HAVE_AVX2_VARIANT 1
#define OB_AVX2 __attribute__ ((target ("avx2")))
#endif

#include "ob-inflate.h"
#include "ob-redir-error.h"
#include "ob-rfb-decoder.h"
#include "ob-rfb-decoder-private.h"

#define TILE 64
#define RECT_HEADER 12
/* Pixels past a tile in the RLE buffer: a run with one length byte (up
 * to 255 pixels) is written before it is checked, from at most the
 * tile's last pixel, in blocks of 16 then 32 pixels (rle_fill()): the
 * farthest store ends 271 pixels past the tile. */
#define RUN_SLACK   (256 + 32)
/* The copy of the last bytes of RLE data (see rle_tail()). */
#define RLE_TAIL    32

/* Inline the pixel readers into each specialised tile loop. */
#define OB_INLINE static inline __attribute__ ((always_inline))

typedef enum
{
  CPIXEL_1,
  CPIXEL_2,
  CPIXEL_3_LOW,    /* 32 bpp, colours in the least significant 3 bytes */
  CPIXEL_3_HIGH,   /* 32 bpp, colours in the most significant 3 bytes */
  CPIXEL_4,
} CpixelKind;

/* A rectangle's tiles, one function per CpixelKind and variant. */
typedef const char *(*ZrleTilesFunc) (ObRfbDecoder *self,
                                      const guint8 *data,
                                      gsize         len,
                                      guint         x,
                                      guint         y,
                                      guint         w,
                                      guint         h);

/* One channel of a 16-bit pixel scaled to 0..255 by integer steps that
 * SIMD has for eight 16-bit lanes at once:
 *   x = ((wire << lsh) & mask) | round      (the channel at the top)
 *   out = ((x * mul) >> 16) >> rsh          (an unsigned high multiply)
 * The constants are searched for (find_scale16()) and used only if they
 * give the generic conversion's value for every level of the channel. */
typedef struct
{
  guint16 lsh;
  guint16 mask;
  guint16 round;
  guint16 mul;
  guint16 rsh;
} Scale16;

struct _ObRfbDecoder
{
  GObject           parent_instance;

  ObFramebuffer    *fb;
  ObRfbPixelFormat  format;
  guint             bytes_per_pixel;
  guint             cpixel_size;
  CpixelKind        cpixel_kind;
  /* 8/16 bpp: wire value (read little-endian) -> 0xFFRRGGBB. */
  guint32          *lut;
  guint             lut_size;
  /* 16 bpp: the channels scaled eight pixels at a time (see
   * find_scale16()), when exact constants exist for the format. */
  gboolean          wide16;
  Scale16           scale16[3];

  /* The AVX2 variant of the tile loops, unless the CPU lacks it or
   * ob_rfb_decoder_set_portable() asked for the other one. */
  gboolean          avx2;
  ZrleTilesFunc     tiles;

  guint             rects_remaining;
  gboolean          failed;

  /* The 2-byte zlib header is checked here and the rest inflated raw:
   * the stream never ends, so its Adler-32 is never compared and need
   * not be computed. */
  ObInflate        *inflate;
  guint8            zhdr[2];
  guint             zhdr_have;

  GBytes           *cut_text;

  /* RLE tiles are decoded here first (TILE * TILE + RUN_SLACK pixels).
   * On the heap on its own, so that a sanitizer would see any write
   * past it. */
  guint32          *tile;
  /* Big 2-bit packed palette tiles: each index byte -> its 4 pixels, for
   * the palette in quad_key (kept: neighbouring tiles of text often have
   * the same 4 colours). */
  guint32         (*quad)[4];
  guint32           quad_key[4];
  gboolean          quad_valid;

  guint64           updates;
  guint64           rectangles;
  guint64           bytes_in;
  guint64           bytes_inflated;
};

G_DEFINE_FINAL_TYPE (ObRfbDecoder, ob_rfb_decoder, G_TYPE_OBJECT)

static gboolean
cpu_has_avx2 (void)
{
#ifdef HAVE_AVX2_VARIANT
  /* Also FALSE when the OS does not save the AVX registers. */
  return __builtin_cpu_supports ("avx2");
#else
  return FALSE;
#endif
}

static void pick_tiles (ObRfbDecoder *self);

static void
ob_rfb_decoder_dispose (GObject *object)
{
  ObRfbDecoder *self = OB_RFB_DECODER (object);

  g_clear_object (&self->fb);
  g_clear_pointer (&self->cut_text, g_bytes_unref);

  G_OBJECT_CLASS (ob_rfb_decoder_parent_class)->dispose (object);
}

static void
ob_rfb_decoder_finalize (GObject *object)
{
  ObRfbDecoder *self = OB_RFB_DECODER (object);

  g_clear_pointer (&self->inflate, ob_inflate_free);
  g_free (self->lut);
  g_free (self->tile);
  g_free (self->quad);

  G_OBJECT_CLASS (ob_rfb_decoder_parent_class)->finalize (object);
}

static void
ob_rfb_decoder_class_init (ObRfbDecoderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_rfb_decoder_dispose;
  object_class->finalize = ob_rfb_decoder_finalize;
}

static void
ob_rfb_decoder_init (ObRfbDecoder *self)
{
  self->tile = g_new (guint32, TILE * TILE + RUN_SLACK);
  self->quad = g_malloc (256 * sizeof self->quad[0]);
  self->avx2 = cpu_has_avx2 ();
}

ObRfbDecoder *
ob_rfb_decoder_new (ObFramebuffer          *framebuffer,
                    const ObRfbPixelFormat *format)
{
  ObRfbDecoder *self;
  ObRfbPixelFormat def;

  g_return_val_if_fail (OB_IS_FRAMEBUFFER (framebuffer), NULL);

  self = g_object_new (OB_TYPE_RFB_DECODER, NULL);
  self->fb = g_object_ref (framebuffer);
  if (format == NULL)
    {
      ob_rfb_pixel_format_for_depth (&def, OB_RFB_DEPTH_16);
      format = &def;
    }
  if (!ob_rfb_decoder_set_pixel_format (self, format, NULL))
    {
      /* Unusable formats leave the decoder refusing everything. */
      ob_rfb_pixel_format_for_depth (&def, OB_RFB_DEPTH_16);
      ob_rfb_decoder_set_pixel_format (self, &def, NULL);
      self->failed = TRUE;
    }
  return self;
}

ObFramebuffer *
ob_rfb_decoder_get_framebuffer (ObRfbDecoder *self)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), NULL);
  return self->fb;
}

const ObRfbPixelFormat *
ob_rfb_decoder_get_pixel_format (ObRfbDecoder *self)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), NULL);
  return &self->format;
}

/* ---- 16 bpp, eight pixels at a time -------------------------------------- */

/* Constants for a channel of @max (2^k - 1) at @shift in a 16-bit pixel
 * that give (v * 255 + max / 2) / max, as ob_rfb_pixel_format_to_xrgb()
 * does, for every level v.  The channel goes to the top of the lane (all
 * its precision) with a rounding constant below it.  For each shift and
 * each multiplier that the top level allows, every level bounds the
 * rounding constant from both sides; a level that leaves no constant
 * ends the candidate.  FALSE if there is none (channels wider than 9
 * bits). */
static gboolean
find_scale16 (guint     max,
              guint     shift,
              Scale16  *sc)
{
  guint bits = g_bit_storage (max);
  guint low = 16 - bits;

  if (max == 0 || shift + bits > 16)
    return FALSE;
  sc->lsh = (guint16) (16 - shift - bits);
  sc->mask = (guint16) (max << low);
  for (guint rsh = 0; rsh <= 8; rsh++)
    {
      guint k = 16 + rsh;
      /* x * mul / 2^k must be 255 for x in [max << low, (max + 1) << low). */
      guint64 top_lo = (guint64) max << low, top_hi = top_lo + (1u << low) - 1;
      guint64 mul_lo = MAX (1, ((255ull << k) + top_hi - 1) / top_hi);
      guint64 mul_hi = MIN (0xFFFF, ((256ull << k) - 1) / top_lo);

      for (guint64 mul = mul_lo; mul <= mul_hi; mul++)
        {
          gint64 round_lo = 0, round_hi = (1 << low) - 1;
          guint v;

          for (v = 0; v <= max; v++)
            {
              gint64 x = (gint64) v << low;
              guint64 want = ((guint64) v * 255 + max / 2) / max;

              /* want <= (x + round) * mul / 2^k < want + 1 */
              round_lo = MAX (round_lo, (gint64) (((want << k) + mul - 1) / mul) - x);
              round_hi = MIN (round_hi, (gint64) ((((want + 1) << k) + mul - 1) / mul) - 1 - x);
              if (round_lo > round_hi)
                break;
            }
          if (v > max)
            {
              sc->round = (guint16) round_lo;
              sc->mul = (guint16) mul;
              sc->rsh = (guint16) rsh;
              return TRUE;
            }
        }
    }
  return FALSE;
}

#ifdef __SSE2__
typedef struct
{
  __m128i lsh, mask, round, mul, rsh;
} Scale16Regs;

typedef struct
{
  Scale16Regs ch[3];
  __m128i     alpha;
} Wide16;

OB_INLINE void
wide16_load (const ObRfbDecoder *self,
             Wide16             *k)
{
  for (guint i = 0; i < 3; i++)
    {
      const Scale16 *sc = &self->scale16[i];

      k->ch[i].lsh = _mm_cvtsi32_si128 (sc->lsh);
      k->ch[i].mask = _mm_set1_epi16 ((short) sc->mask);
      k->ch[i].round = _mm_set1_epi16 ((short) sc->round);
      k->ch[i].mul = _mm_set1_epi16 ((short) sc->mul);
      k->ch[i].rsh = _mm_cvtsi32_si128 (sc->rsh);
    }
  k->alpha = _mm_set1_epi16 ((short) 0xFF00);
}

OB_INLINE __m128i
wide16_channel (__m128i            w,
                const Scale16Regs *c)
{
  __m128i x = _mm_and_si128 (_mm_sll_epi16 (w, c->lsh), c->mask);

  x = _mm_or_si128 (x, c->round);
  return _mm_srl_epi16 (_mm_mulhi_epu16 (x, c->mul), c->rsh);
}

/* Eight wire values (read little-endian) to eight pixels at @dst. */
OB_INLINE void
wide16_convert8 (__m128i       w,
                 const Wide16 *k,
                 gboolean      swap,
                 gboolean      grey,
                 guint32      *dst)
{
  __m128i r, g, b, gb, ar;

  if (swap)
    w = _mm_or_si128 (_mm_slli_epi16 (w, 8), _mm_srli_epi16 (w, 8));
  r = wide16_channel (w, &k->ch[0]);
  if (grey)
    g = b = r;
  else
    {
      g = wide16_channel (w, &k->ch[1]);
      b = wide16_channel (w, &k->ch[2]);
    }
  /* Lanes of B | G << 8 and R | 0xFF << 8, interleaved: 0xFFRRGGBB. */
  gb = _mm_or_si128 (b, _mm_slli_epi16 (g, 8));
  ar = _mm_or_si128 (r, k->alpha);
  _mm_storeu_si128 ((__m128i *) (gpointer) dst, _mm_unpacklo_epi16 (gb, ar));
  _mm_storeu_si128 ((__m128i *) (gpointer) (dst + 4), _mm_unpackhi_epi16 (gb, ar));
}

OB_INLINE void
wide16_rows_for (ObRfbDecoder *self,
                 const guint8 *src,
                 guint32      *dst,
                 gsize         stride,
                 guint         w,
                 guint         h,
                 gboolean      swap,
                 gboolean      grey)
{
  const guint32 *lut = self->lut;
  Wide16 k;

  wide16_load (self, &k);
  if (w == TILE)
    {
      /* Full tiles: a row in one go, no loop to leave at its end. */
      for (guint y = 0; y < h; y++, src += 2 * TILE)
        {
          guint32 *row = dst + (gsize) y * stride;

#define EIGHT(i) wide16_convert8 (_mm_loadu_si128 ((const __m128i *) (gconstpointer) (src + 16 * (i))), \
                                  &k, swap, grey, row + 8 * (i))
          EIGHT (0); EIGHT (1); EIGHT (2); EIGHT (3);
          EIGHT (4); EIGHT (5); EIGHT (6); EIGHT (7);
#undef EIGHT
        }
      return;
    }
  for (guint y = 0; y < h; y++)
    {
      guint32 *row = dst + (gsize) y * stride;
      guint x = 0;

      for (; x + 8 <= w; x += 8, src += 16)
        wide16_convert8 (_mm_loadu_si128 ((const __m128i *) (gconstpointer) src), &k, swap, grey, row + x);
      for (; x < w; x++, src += 2)
        row[x] = lut[src[0] | (src[1] << 8)];
    }
}

/* @w × @h wire pixels, packed, from @src to @dst (@stride pixels a row). */
static void
wide16_rows (ObRfbDecoder *self,
             const guint8 *src,
             guint32      *dst,
             gsize         stride,
             guint         w,
             guint         h)
{
  gboolean swap = self->format.big_endian;

  if (ob_rfb_pixel_format_is_grey (&self->format))
    {
      if (swap)
        wide16_rows_for (self, src, dst, stride, w, h, TRUE, TRUE);
      else
        wide16_rows_for (self, src, dst, stride, w, h, FALSE, TRUE);
    }
  else if (swap)
    wide16_rows_for (self, src, dst, stride, w, h, TRUE, FALSE);
  else
    wide16_rows_for (self, src, dst, stride, w, h, FALSE, FALSE);
}

static void
lut16_wide (ObRfbDecoder *self)
{
  gboolean swap = self->format.big_endian;
  gboolean grey = ob_rfb_pixel_format_is_grey (&self->format);
  __m128i v = _mm_setr_epi16 (0, 1, 2, 3, 4, 5, 6, 7);
  const __m128i eight = _mm_set1_epi16 (8);
  Wide16 k;

  wide16_load (self, &k);
  for (guint i = 0; i < 0x10000; i += 8, v = _mm_add_epi16 (v, eight))
    wide16_convert8 (v, &k, swap, grey, self->lut + i);
}
#endif

#ifdef HAVE_AVX2_VARIANT
/* The same conversion sixteen pixels at a time. */
typedef struct
{
  __m128i lsh, rsh;
  __m256i mask, round, mul;
} Scale16Regs2;

typedef struct
{
  Scale16Regs2 ch[3];
  __m256i      alpha;
} Wide16x2;

OB_INLINE OB_AVX2 void
wide16x2_load (const ObRfbDecoder *self,
               Wide16x2           *k)
{
  for (guint i = 0; i < 3; i++)
    {
      const Scale16 *sc = &self->scale16[i];

      k->ch[i].lsh = _mm_cvtsi32_si128 (sc->lsh);
      k->ch[i].mask = _mm256_set1_epi16 ((short) sc->mask);
      k->ch[i].round = _mm256_set1_epi16 ((short) sc->round);
      k->ch[i].mul = _mm256_set1_epi16 ((short) sc->mul);
      k->ch[i].rsh = _mm_cvtsi32_si128 (sc->rsh);
    }
  k->alpha = _mm256_set1_epi16 ((short) 0xFF00);
}

OB_INLINE OB_AVX2 __m256i
wide16x2_channel (__m256i             w,
                  const Scale16Regs2 *c)
{
  __m256i x = _mm256_and_si256 (_mm256_sll_epi16 (w, c->lsh), c->mask);

  x = _mm256_or_si256 (x, c->round);
  return _mm256_srl_epi16 (_mm256_mulhi_epu16 (x, c->mul), c->rsh);
}

/* Sixteen wire values at @src to sixteen pixels at @dst.  The 64-bit
 * quarters are put in the order 0, 2, 1, 3 first, so that the in-lane
 * unpacks give pixels 0-7 and then 8-15. */
OB_INLINE OB_AVX2 void
wide16x2_convert16 (const guint8   *src,
                    const Wide16x2 *k,
                    gboolean        swap,
                    gboolean        grey,
                    guint32        *dst)
{
  __m256i w = _mm256_loadu_si256 ((const __m256i *) (gconstpointer) src);
  __m256i r, g, b, gb, ar;

  w = _mm256_permute4x64_epi64 (w, 0xD8);
  if (swap)
    w = _mm256_or_si256 (_mm256_slli_epi16 (w, 8), _mm256_srli_epi16 (w, 8));
  r = wide16x2_channel (w, &k->ch[0]);
  if (grey)
    g = b = r;
  else
    {
      g = wide16x2_channel (w, &k->ch[1]);
      b = wide16x2_channel (w, &k->ch[2]);
    }
  gb = _mm256_or_si256 (b, _mm256_slli_epi16 (g, 8));
  ar = _mm256_or_si256 (r, k->alpha);
  _mm256_storeu_si256 ((__m256i *) (gpointer) dst, _mm256_unpacklo_epi16 (gb, ar));
  _mm256_storeu_si256 ((__m256i *) (gpointer) (dst + 8), _mm256_unpackhi_epi16 (gb, ar));
}

OB_INLINE OB_AVX2 void
wide16x2_rows_for (ObRfbDecoder *self,
                   const guint8 *src,
                   guint32      *dst,
                   gsize         stride,
                   guint         w,
                   guint         h,
                   gboolean      swap,
                   gboolean      grey)
{
  const guint32 *lut = self->lut;
  Wide16x2 k;

  wide16x2_load (self, &k);
  if (w == TILE)
    {
      for (guint y = 0; y < h; y++, src += 2 * TILE)
        {
          guint32 *row = dst + (gsize) y * stride;

          wide16x2_convert16 (src, &k, swap, grey, row);
          wide16x2_convert16 (src + 32, &k, swap, grey, row + 16);
          wide16x2_convert16 (src + 64, &k, swap, grey, row + 32);
          wide16x2_convert16 (src + 96, &k, swap, grey, row + 48);
        }
      return;
    }
  for (guint y = 0; y < h; y++)
    {
      guint32 *row = dst + (gsize) y * stride;
      guint x = 0;

      for (; x + 16 <= w; x += 16, src += 32)
        wide16x2_convert16 (src, &k, swap, grey, row + x);
      for (; x < w; x++, src += 2)
        row[x] = lut[src[0] | (src[1] << 8)];
    }
}

static OB_AVX2 void
wide16_rows_avx2 (ObRfbDecoder *self,
                  const guint8 *src,
                  guint32      *dst,
                  gsize         stride,
                  guint         w,
                  guint         h)
{
  gboolean swap = self->format.big_endian;

  if (ob_rfb_pixel_format_is_grey (&self->format))
    {
      if (swap)
        wide16x2_rows_for (self, src, dst, stride, w, h, TRUE, TRUE);
      else
        wide16x2_rows_for (self, src, dst, stride, w, h, FALSE, TRUE);
    }
  else if (swap)
    wide16x2_rows_for (self, src, dst, stride, w, h, TRUE, FALSE);
  else
    wide16x2_rows_for (self, src, dst, stride, w, h, FALSE, FALSE);
}
#endif

gboolean
ob_rfb_decoder_set_pixel_format (ObRfbDecoder            *self,
                                 const ObRfbPixelFormat  *format,
                                 GError                 **error)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), FALSE);
  g_return_val_if_fail (format != NULL, FALSE);

  if (!ob_rfb_pixel_format_is_supported (format, error))
    return FALSE;

  self->format = *format;
  self->bytes_per_pixel = format->bits_per_pixel / 8;
  self->cpixel_size = ob_rfb_pixel_format_cpixel_size (format);
  switch (self->cpixel_size)
    {
    case 1:
      self->cpixel_kind = CPIXEL_1;
      break;
    case 2:
      self->cpixel_kind = CPIXEL_2;
      break;
    case 3:
      {
        guint32 mask = ((guint32) format->red_max << format->red_shift)
                       | ((guint32) format->green_max << format->green_shift)
                       | ((guint32) format->blue_max << format->blue_shift);

        self->cpixel_kind = (mask & 0xFF000000u) == 0 ? CPIXEL_3_LOW : CPIXEL_3_HIGH;
      }
      break;
    default:
      self->cpixel_kind = CPIXEL_4;
      break;
    }
  pick_tiles (self);

  g_clear_pointer (&self->lut, g_free);
  self->lut_size = 0;
  if (self->bytes_per_pixel <= 2)
    {
      /* Channel tables first, already in place in the pixel: 65536 full
       * conversions (a division each) would cost more than decoding a
       * small screen, and a branch per entry would double the cost. */
      g_autofree guint32 *rt = g_new (guint32, (gsize) format->red_max + 1);
      g_autofree guint32 *gt = g_new (guint32, (gsize) format->green_max + 1);
      g_autofree guint32 *bt = g_new (guint32, (gsize) format->blue_max + 1);
      gboolean grey = ob_rfb_pixel_format_is_grey (format);
      gboolean swap = self->bytes_per_pixel == 2 && format->big_endian;
      guint rs = format->red_shift, gs = format->green_shift, bs = format->blue_shift;
      guint rm = format->red_max, gm = format->green_max, bm = format->blue_max;

      for (guint v = 0; v <= rm; v++)
        {
          guint32 c = (v * 255 + rm / 2) / rm;

          rt[v] = 0xFF000000u | (c << 16) | (grey ? (c << 8) | c : 0);
        }
      for (guint v = 0; v <= gm; v++)
        gt[v] = grey || gm == 0 ? 0 : ((v * 255 + gm / 2) / gm) << 8;
      for (guint v = 0; v <= bm; v++)
        bt[v] = grey || bm == 0 ? 0 : (v * 255 + bm / 2) / bm;
      /* A grey format has no green or blue: their tables are all zero
       * and a zero-width mask picks entry 0. */
      if (grey)
        gm = bm = 0;

      self->lut_size = 1u << format->bits_per_pixel;
      self->lut = g_new (guint32, self->lut_size);
      self->wide16 = FALSE;
#ifdef __SSE2__
      if (self->bytes_per_pixel == 2)
        self->wide16 = find_scale16 (format->red_max, format->red_shift, &self->scale16[0])
                       && (grey
                           || (find_scale16 (format->green_max, format->green_shift, &self->scale16[1])
                               && find_scale16 (format->blue_max, format->blue_shift, &self->scale16[2])));
      if (self->wide16)
        {
          /* The table from the same eight-at-a-time conversion the raw
           * pixels take. */
          lut16_wide (self);
          return TRUE;
        }
#endif
      /* The table is indexed by the bytes read little-endian. */
      if (swap)
        for (guint i = 0; i < self->lut_size; i++)
          {
            guint v = ((i & 0xFF) << 8) | (i >> 8);

            self->lut[i] = rt[(v >> rs) & rm] | gt[(v >> gs) & gm] | bt[(v >> bs) & bm];
          }
      else
        for (guint v = 0; v < self->lut_size; v++)
          self->lut[v] = rt[(v >> rs) & rm] | gt[(v >> gs) & gm] | bt[(v >> bs) & bm];
    }
  return TRUE;
}

gboolean
ob_rfb_decoder_in_update (ObRfbDecoder *self)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), FALSE);
  return self->rects_remaining > 0;
}

GBytes *
ob_rfb_decoder_get_cut_text (ObRfbDecoder *self)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), NULL);
  return self->cut_text;
}

guint64
ob_rfb_decoder_get_updates (ObRfbDecoder *self)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), 0);
  return self->updates;
}

guint64
ob_rfb_decoder_get_rectangles (ObRfbDecoder *self)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), 0);
  return self->rectangles;
}

guint64
ob_rfb_decoder_get_bytes_in (ObRfbDecoder *self)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), 0);
  return self->bytes_in;
}

guint64
ob_rfb_decoder_get_bytes_inflated (ObRfbDecoder *self)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), 0);
  return self->bytes_inflated;
}

/* ---- pixels ------------------------------------------------------------- */

OB_INLINE guint32
channel8 (guint32 v,
          guint8  shift,
          guint16 max)
{
  v = (v >> shift) & max;
  if (max == 255)
    return v;
  return (v * 255 + max / 2) / max;
}

/* 24/32-bit values have no table. */
static guint32
convert_wide (ObRfbDecoder *self,
              guint32       v)
{
  const ObRfbPixelFormat *f = &self->format;
  guint32 r = channel8 (v, f->red_shift, f->red_max);
  guint32 g, b;

  if (f->green_max == 0)
    g = b = r;
  else
    {
      g = channel8 (v, f->green_shift, f->green_max);
      b = channel8 (v, f->blue_shift, f->blue_max);
    }
  return 0xFF000000u | (r << 16) | (g << 8) | b;
}

OB_INLINE guint32
read32 (ObRfbDecoder *self,
        const guint8 *p)
{
  if (self->format.big_endian)
    return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

/* One CPIXEL at @p (of @kind, a constant in each specialised caller).
 * @lut is self->lut in a local, so stores into the framebuffer do not
 * make the compiler reload it for every pixel. */
OB_INLINE guint32
cpixel_lut (ObRfbDecoder  *self,
            const guint32 *lut,
            const guint8  *p,
            CpixelKind     kind)
{
  switch (kind)
    {
    case CPIXEL_1:
      return lut[p[0]];
    case CPIXEL_2:
      return lut[p[0] | (p[1] << 8)];
    case CPIXEL_3_LOW:
      if (self->format.big_endian)
        return convert_wide (self, ((guint32) p[0] << 16) | ((guint32) p[1] << 8) | p[2]);
      return convert_wide (self, (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16));
    case CPIXEL_3_HIGH:
      if (self->format.big_endian)
        return convert_wide (self, ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8));
      return convert_wide (self, ((guint32) p[0] << 8) | ((guint32) p[1] << 16) | ((guint32) p[2] << 24));
    case CPIXEL_4:
    default:
      return convert_wide (self, read32 (self, p));
    }
}

OB_INLINE guint
kind_size (CpixelKind kind)
{
  switch (kind)
    {
    case CPIXEL_1:
      return 1;
    case CPIXEL_2:
      return 2;
    case CPIXEL_3_LOW:
    case CPIXEL_3_HIGH:
      return 3;
    case CPIXEL_4:
    default:
      return 4;
    }
}

/* Vectors of pixels: eight for the AVX2 variant, four for the other
 * (without AVX, GCC builds 32-byte vectors through the stack).  The
 * helpers below take @wide, a constant in each variant, to pick one. */
typedef guint32 Px8 __attribute__ ((vector_size (32)));
typedef guint32 Px4 __attribute__ ((vector_size (16)));

#define PX8(c) ((Px8) { (c), (c), (c), (c), (c), (c), (c), (c) })
#define PX4(c) ((Px4) { (c), (c), (c), (c) })
/* Two Px4 side by side (one vinserti128 with AVX2). */
#define PX4_CONCAT(a, b) __builtin_shufflevector ((a), (b), 0, 1, 2, 3, 4, 5, 6, 7)
#define STORE8(at, v) memcpy ((at), &(v), sizeof (Px8))
#define LOAD8(v, at) memcpy (&(v), (at), sizeof (Px8))
#define STORE4(at, v) memcpy ((at), &(v), sizeof (Px4))
#define LOAD4(v, at) memcpy (&(v), (at), sizeof (Px4))

/* One colour in every lane: a Splat is two plain locals, NAME_8 and
 * NAME_4, of which only the one for @wide is set and used.  Macros on
 * locals: through a struct or a helper function, GCC 12 built the AVX2
 * broadcast lane by lane (five instructions) instead of one
 * vpbroadcastd. */
#define SPLAT_DECLARE(name) Px8 name##_8; Px4 name##_4

#define SPLAT_SET(name, c, wide) \
  G_STMT_START { \
    guint32 c_ = (c); \
    if (wide) \
      name##_8 = PX8 (c_); \
    else \
      name##_4 = PX4 (c_); \
  } G_STMT_END

#define SPLAT_AND(all, name, wide) \
  G_STMT_START { \
    if (wide) \
      all##_8 &= name##_8; \
    else \
      all##_4 &= name##_4; \
  } G_STMT_END

#define SPLAT_LANE0(name, wide) ((wide) ? name##_8[0] : name##_4[0])

/* Eight pixels of @v8 or @v4 at @at (unaligned). */
OB_INLINE void
splat_store8 (guint32   *at,
              const Px8 *v8,
              const Px4 *v4,
              gboolean   wide)
{
  if (wide)
    STORE8 (at, *v8);
  else
    {
      STORE4 (at, *v4);
      STORE4 (at + 4, *v4);
    }
}

/* Eight pixels from @src to @dst. */
OB_INLINE void
copy8 (guint32       *dst,
       const guint32 *src,
       gboolean       wide)
{
  if (wide)
    {
      Px8 v;

      LOAD8 (v, src);
      STORE8 (dst, v);
    }
  else
    {
      Px4 a, b;

      LOAD4 (a, src);
      LOAD4 (b, src + 4);
      STORE4 (dst, a);
      STORE4 (dst + 4, b);
    }
}

/* Solid runs are most of a desktop: store 8 pixels at a time. */
OB_INLINE void
fill_row (guint32  *row,
          guint     n,
          guint32   c,
          gboolean  wide)
{
  SPLAT_DECLARE (v);
  guint i = 0;

  SPLAT_SET (v, c, wide);
  for (; i + 8 <= n; i += 8)
    splat_store8 (row + i, &v_8, &v_4, wide);
  if (i == n)
    return;
  /* A tail of 1-7 pixels: one store that overlaps what is already done. */
  if (n >= 8)
    {
      splat_store8 (row + n - 8, &v_8, &v_4, wide);
      return;
    }
  for (; i < n; i++)
    row[i] = c;
}

/* ---- ZRLE tiles --------------------------------------------------------- */

/* An RLE run whose first length byte was 255 (256 pixels so far) goes
 * on with the next bytes at *@pp: each is added, and read while the one
 * before was 255.  The run may not pass @room pixels. */
OB_INLINE const char *
rle_run_more (const guint8 **pp,
              const guint8  *end,
              gsize          room,
              guint         *run)
{
  const guint8 *p = *pp;
  guint n = 256;
  guint b;

  do
    {
      if (p >= end)
        return "RLE run length is truncated";
      b = *p++;
      n += b;
      /* A tile has at most 4096 pixels: no overflow before this. */
      if (n > room)
        return "RLE run longer than the tile";
    }
  while (b == 255);
  *pp = p;
  *run = n;
  return NULL;
}

/* Fill a run of @run pixels (1-256, as read from one length byte) at
 * *@atp in the tile buffer with @v8 or @v4 (a Splat), and move
 * *@atp past it.  A run of 256 goes on with the next length bytes at
 * *@pp (up to @end), and may not pass @tend.  Short runs, the most
 * common, take one fixed store of 16 pixels, without a loop (a fixed 32
 * with AVX2 mispredicts fewer run ends, but costs more stores than that
 * saves); longer ones go on in blocks of 32.  Whole blocks may go up to
 * 31 pixels past the run, into pixels the tile's next runs write again
 * (or the slack after the tile).  Pointers: vector arguments would
 * change the ABI. */
OB_INLINE const char *
rle_fill (guint32       **atp,
          guint           run,
          const Px8      *v8,
          const Px4      *v4,
          const guint8  **pp,
          const guint8   *end,
          const guint32  *tend,
          gboolean        wide)
{
  guint32 *at = *atp;

  splat_store8 (at, v8, v4, wide);
  splat_store8 (at + 8, v8, v4, wide);
  if (G_UNLIKELY (run > 16))
    {
      guint32 *stop;

      if (G_UNLIKELY (run == 256))
        {
          const char *why = rle_run_more (pp, end, tend - at, &run);

          if (why != NULL)
            return why;
        }
      /* The rest in blocks of 32: half the loop's branches. */
      stop = at + run;
      for (guint32 *q = at + 16; q < stop; q += 32)
        {
          splat_store8 (q, v8, v4, wide);
          splat_store8 (q + 8, v8, v4, wide);
          splat_store8 (q + 16, v8, v4, wide);
          splat_store8 (q + 24, v8, v4, wide);
        }
    }
  *atp = at + run;
  return NULL;
}

/* Fewer than an entry's bytes may be left at @p: copy the @left bytes
 * to @tail padded with zeros to RLE_TAIL bytes, so that the entries can
 * still be read without looking at the end (reads past the copied bytes
 * see zeros, and the caller refuses the tile if it used any). */
static G_GNUC_NO_INLINE const guint8 *
rle_tail (guint8       *tail,
          const guint8 *p,
          gsize         left)
{
  g_assert (left < RLE_TAIL / 2);
  memset (tail, 0, RLE_TAIL);
  memcpy (tail, p, left);
  return tail;
}

/* Decode one tile from [*pp, end) into @dst (the tile's top-left pixel,
 * @stride pixels per row).  NULL on success, else the reason. */
OB_INLINE const char *
zrle_tile (ObRfbDecoder   *self,
           const guint8  **pp,
           const guint8   *end,
           guint32        *dst,
           gsize           stride,
           guint           tw,
           guint           th,
           CpixelKind      kind,
           gboolean        avx2)
{
  const guint cp = kind_size (kind);
  const guint32 *lut = self->lut;
  const guint8 *p = *pp;
  guint sub;
  /* Packed palettes use 16 entries; palette RLE 128, twice over (an
   * entry's byte indexes it with or without its run flag). */
  guint32 palette[256];

#define cpixel(self, p, kind) cpixel_lut ((self), lut, (p), (kind))

  if (p >= end)
    return "data ends before a tile";
  sub = *p++;

  if (sub == 0)
    {
      if ((gsize) (end - p) < (gsize) tw * th * cp)
        return "raw tile is truncated";
#ifdef __SSE2__
      if (kind == CPIXEL_2 && self->wide16)
        {
#ifdef HAVE_AVX2_VARIANT
          if (avx2)
            wide16_rows_avx2 (self, p, dst, stride, tw, th);
          else
#endif
            wide16_rows (self, p, dst, stride, tw, th);
          p += (gsize) tw * th * 2;
          goto raw_done;
        }
#endif
      for (guint y = 0; y < th; y++)
        {
          guint32 *row = dst + (gsize) y * stride;
          guint x = 0;

          if (kind == CPIXEL_2)
            {
              /* Eight pixels per step as four 32-bit reads of two. */
              for (; x + 8 <= tw; x += 8, p += 16)
                {
                  guint32 two[4];

                  memcpy (two, p, 16);
                  for (guint k = 0; k < 4; k++)
                    {
                      guint32 v = GUINT32_FROM_LE (two[k]);

                      row[x + 2 * k] = lut[v & 0xFFFF];
                      row[x + 2 * k + 1] = lut[v >> 16];
                    }
                }
              for (; x + 2 <= tw; x += 2, p += 4)
                {
                  guint32 two;

                  memcpy (&two, p, 4);
                  two = GUINT32_FROM_LE (two);
                  row[x] = lut[two & 0xFFFF];
                  row[x + 1] = lut[two >> 16];
                }
            }
          for (; x < tw; x++, p += cp)
            row[x] = cpixel (self, p, kind);
        }
#ifdef __SSE2__
    raw_done:
      ;
#endif
    }
  else if (sub == 1)
    {
      guint32 c;

      if ((gsize) (end - p) < cp)
        return "solid tile is truncated";
      c = cpixel (self, p, kind);
      p += cp;
      if (tw == TILE)
        {
          /* Full rows: 8 pixels a step, no loop inside the row. */
          SPLAT_DECLARE (v);

          SPLAT_SET (v, c, avx2);
          for (guint y = 0; y < th; y++)
            {
              guint32 *row = dst + (gsize) y * stride;

              for (guint i = 0; i < TILE; i += 8)
                splat_store8 (row + i, &v_8, &v_4, avx2);
            }
        }
      else
        for (guint y = 0; y < th; y++)
          fill_row (dst + (gsize) y * stride, tw, c, avx2);
    }
  else if (sub <= 16)
    {
      guint n = sub;
      guint bits = n == 2 ? 1 : n <= 4 ? 2 : 4;
      guint row_bytes = (tw * bits + 7) / 8;
      guint bad = 0;

      if ((gsize) (end - p) < (gsize) n * cp + (gsize) row_bytes * th)
        return "packed palette tile is truncated";
      for (guint i = 0; i < n; i++, p += cp)
        palette[i] = cpixel (self, p, kind);
      /* Indices past the palette are flagged, not branched on, and
       * refused after the tile. */
      for (guint i = n; i < 16; i++)
        palette[i] = 0;
      /* Big tiles: expand each index byte through a table of 4 (2 bits)
       * or 2 (4 bits) ready pixels, one copy per byte. */
      if (bits == 2 && row_bytes * th >= 256)
        {
          guint32 (*quad)[4] = self->quad;
          guint64 pair[16];
          const guint8 *q = p;

          /* Only index 3 can be out of range (n == 3): look for it in
           * all the tile's bytes at once. */
          if (n == 3)
            {
              guint8 any = 0;

              /* Whole bytes only: a row's last byte may end in padding,
               * checked pixel by pixel below. */
              for (guint y = 0; y < th; y++)
                for (guint i = 0; i < tw / 4; i++)
                  any |= q[(gsize) y * row_bytes + i] & (q[(gsize) y * row_bytes + i] >> 1);
              if (any & 0x55)
                return "palette index out of range";
            }
          /* Entries past @n are 0, so the key is the whole palette. */
          if (!self->quad_valid
              || ((self->quad_key[0] ^ palette[0]) | (self->quad_key[1] ^ palette[1])
                  | (self->quad_key[2] ^ palette[2]) | (self->quad_key[3] ^ palette[3])) != 0)
            {
              /* Byte -> 4 pixels, built from 16 pixel pairs (first pixel
               * in the high bits of the byte, first in memory). */
              for (guint i = 0; i < 16; i++)
                {
                  guint32 pp2[2] = { palette[i >> 2], palette[i & 3] };

                  memcpy (&pair[i], pp2, sizeof pp2);
                }
#ifdef __SSE2__
              {
                /* 16 pairs to registers once, then one 16-byte store per
                 * byte value. */
                __m128i lo[16];

                for (guint i = 0; i < 16; i++)
                  lo[i] = _mm_loadl_epi64 ((const __m128i *) (gconstpointer) &pair[i]);
                for (guint hi = 0; hi < 16; hi++)
                  for (guint i = 0; i < 16; i++)
                    _mm_storeu_si128 ((__m128i *) (gpointer) quad[hi * 16 + i], _mm_unpacklo_epi64 (lo[hi], lo[i]));
              }
#else
              for (guint b = 0; b < 256; b++)
                {
                  memcpy (&quad[b][0], &pair[b >> 4], 8);
                  memcpy (&quad[b][2], &pair[b & 15], 8);
                }
#endif
              memcpy (self->quad_key, palette, sizeof self->quad_key);
              self->quad_valid = TRUE;
            }
          for (guint y = 0; y < th; y++, q += row_bytes)
            {
              guint32 *row = dst + (gsize) y * stride;
              guint x = 0;

              if (tw == TILE)
                {
                  /* The usual full tile: 16 bytes a row, unrolled (with
                   * AVX2, two bytes' pixels per store). */
                  for (guint k = 0; k < TILE / 4; k += 2)
                    {
                      Px4 a, b;

                      LOAD4 (a, quad[q[k]]);
                      LOAD4 (b, quad[q[k + 1]]);
                      if (avx2)
                        {
                          Px8 v = PX4_CONCAT (a, b);

                          STORE8 (row + 4 * k, v);
                        }
                      else
                        {
                          STORE4 (row + 4 * k, a);
                          STORE4 (row + 4 * k + 4, b);
                        }
                    }
                  continue;
                }
              for (; x + 4 <= tw; x += 4)
                memcpy (row + x, quad[q[x / 4]], 16);
              if (x < tw)
                {
                  guint last = q[x / 4];

                  for (guint k = 0; x < tw; x++, k++)
                    {
                      guint idx = (last >> (6 - 2 * k)) & 3;

                      bad |= idx >= n;
                      row[x] = palette[idx];
                    }
                }
            }
          if (bad)
            return "palette index out of range";
          p += (gsize) row_bytes * th;
          goto packed_done;
        }
      if (bits == 4 && row_bytes * th >= 256)
        {
          /* Byte -> 2 pixels (the high nibble first in memory).  Entries
           * past @n are 0 and every colour has alpha 0xFF, so ANDing the
           * pairs shows a bad index at the end, without a test per byte. */
          guint64 pair[256];
          guint64 all = G_MAXUINT64;

          for (guint b = 0; b < 256; b++)
            {
              guint32 pp2[2] = { palette[b >> 4], palette[b & 15] };

              memcpy (&pair[b], pp2, sizeof pp2);
            }
          for (guint y = 0; y < th; y++)
            {
              guint32 *row = dst + (gsize) y * stride;
              const guint8 *q = p + (gsize) y * row_bytes;
              guint x = 0;

              if (tw == TILE)
                {
                  /* The usual full tile: 32 bytes a row, unrolled. */
                  for (guint k = 0; k < TILE / 2; k += 4)
                    {
                      guint64 v0 = pair[q[k]], v1 = pair[q[k + 1]];
                      guint64 v2 = pair[q[k + 2]], v3 = pair[q[k + 3]];

                      all &= v0 & v1 & v2 & v3;
                      memcpy (row + 2 * k, &v0, 8);
                      memcpy (row + 2 * k + 2, &v1, 8);
                      memcpy (row + 2 * k + 4, &v2, 8);
                      memcpy (row + 2 * k + 6, &v3, 8);
                    }
                  continue;
                }
              for (; x + 2 <= tw; x += 2, q++)
                {
                  guint64 v = pair[*q];

                  all &= v;
                  memcpy (row + x, &v, 8);
                }
              if (x < tw)
                {
                  guint hi = *q >> 4;

                  bad |= hi >= n;
                  row[x] = palette[hi];
                }
            }
          bad |= (all & G_GUINT64_CONSTANT (0xFF000000FF000000)) != G_GUINT64_CONSTANT (0xFF000000FF000000);
          if (bad)
            return "palette index out of range";
          p += (gsize) row_bytes * th;
          goto packed_done;
        }
      for (guint y = 0; y < th; y++)
        {
          guint32 *row = dst + (gsize) y * stride;
          const guint8 *q = p + (gsize) y * row_bytes;
          guint x = 0;

          /* Rows are padded to a whole byte: each starts on a new one. */
          switch (bits)
            {
            case 1:
              for (; x + 8 <= tw; x += 8, q++)
                for (guint k = 0; k < 8; k++)
                  row[x + k] = palette[(*q >> (7 - k)) & 1];
              for (guint k = 0; x < tw; x++, k++)
                row[x] = palette[(*q >> (7 - k)) & 1];
              break;
            case 2:
              for (; x + 4 <= tw; x += 4, q++)
                {
                  guint b = *q;

                  /* Only index 3 can be out of range (n == 3). */
                  bad |= n == 3 && (b & (b >> 1) & 0x55) != 0;
                  row[x] = palette[b >> 6];
                  row[x + 1] = palette[(b >> 4) & 3];
                  row[x + 2] = palette[(b >> 2) & 3];
                  row[x + 3] = palette[b & 3];
                }
              for (guint k = 0; x < tw; x++, k++)
                {
                  guint idx = (*q >> (6 - 2 * k)) & 3;

                  bad |= idx >= n;
                  row[x] = palette[idx];
                }
              break;
            default:
              for (; x + 2 <= tw; x += 2, q++)
                {
                  guint hi = *q >> 4, lo = *q & 15;

                  bad |= (hi >= n) | (lo >= n);
                  row[x] = palette[hi];
                  row[x + 1] = palette[lo];
                }
              if (x < tw)
                {
                  guint hi = *q >> 4;

                  bad |= hi >= n;
                  row[x] = palette[hi];
                }
              break;
            }
        }
      if (bad)
        return "palette index out of range";
      p += (gsize) row_bytes * th;
    packed_done:
      ;
    }
  else if (sub == 128 || sub >= 130)
    {
      /* Runs go into the decoder's tile buffer as one line of pixels (no
       * row ends to watch for), which is then copied out row by row.  A
       * run with one length byte (at most 255 pixels) is written before
       * it is held against the tile: the buffer has RUN_SLACK pixels
       * past its end, and runs that do not end exactly at the tile's
       * last pixel are refused after the loop. */
      guint32 *at = self->tile;
      guint32 *const tend = self->tile + (gsize) tw * th;
      /* While more than @margin bytes are left, an entry is read without
       * looking at the end of the data; the last few bytes are read from
       * a copy padded with zeros (rle_tail()). */
      const guint8 *safe;
      const guint8 *real_end = NULL;
      guint8 tail[RLE_TAIL];
      const char *why;
      gsize left;
      guint run;

      if (sub == 128)
        {
          const guint margin = cp + 1;

          safe = (gsize) (end - p) > margin ? end - margin : p;
          while (at < tend)
            {
              SPLAT_DECLARE (v);

              if (G_UNLIKELY (p >= safe))
                {
                  /* Near the end of the data, or past it if already
                   * reading the copy. */
                  if (real_end != NULL)
                    return "RLE tile is truncated";
                  left = (gsize) (end - p);
                  real_end = end;
                  p = rle_tail (tail, p, left);
                  end = p + left;
                  safe = p + RLE_TAIL - margin;
                }
              SPLAT_SET (v, cpixel (self, p, kind), avx2);
              run = p[cp] + 1u;
              p += cp + 1;
              why = rle_fill (&at, run, &v_8, &v_4, &p, end, tend, avx2);
              if (G_UNLIKELY (why != NULL))
                return why;
            }
        }
      else
        {
          const guint margin = 2;
          guint n = sub - 128;
          /* Every pixel ANDed: palette entries past @n are 0, real
           * colours all have alpha 0xFF, so a bad index shows at the end
           * without a branch per entry.  In a vector, as the colours are
           * used there (all its lanes are the same). */
          SPLAT_DECLARE (all);

          if ((gsize) (end - p) < (gsize) n * cp)
            return "palette RLE tile is truncated";
          SPLAT_SET (all, 0xFFFFFFFFu, avx2);
          /* All of it: a fixed size is a few stores, not a call. */
          memset (palette, 0, sizeof palette);
          for (guint i = 0; i < n; i++, p += cp)
            palette[i] = palette[i + 128] = cpixel (self, p, kind);
          safe = (gsize) (end - p) > margin ? end - margin : p;
          while (at < tend)
            {
              guint b, is_run;
              SPLAT_DECLARE (v);

              if (G_UNLIKELY (p >= safe))
                {
                  /* Near the end of the data, or past it if already
                   * reading the copy. */
                  if (real_end != NULL)
                    return "palette RLE tile is truncated";
                  left = (gsize) (end - p);
                  real_end = end;
                  p = rle_tail (tail, p, left);
                  end = p + left;
                  safe = p + RLE_TAIL - margin;
                }
              /* Single pixels and runs are mixed at random in text and
               * photos: both take the same path, without a branch on
               * which it is.  A single pixel is a run of 1 (its next
               * byte, read anyway, is masked off). */
              b = p[0];
              is_run = b >> 7;
              run = 1u + (p[1] & (0u - is_run));
              p += 1 + is_run;
              SPLAT_SET (v, palette[b], avx2);
              SPLAT_AND (all, v, avx2);
              why = rle_fill (&at, run, &v_8, &v_4, &p, end, tend, avx2);
              if (G_UNLIKELY (why != NULL))
                return why;
            }
          if (G_UNLIKELY (SPLAT_LANE0 (all, avx2) < 0xFF000000u))
            return "palette index out of range";
        }
      if (real_end != NULL)
        {
          /* Entries read from the zeros after the data mean it was cut. */
          if (p > end)
            return "RLE tile is truncated";
          p = real_end - (end - p);
          end = real_end;
        }
      if (at != tend)
        return "RLE run longer than the tile";
      {
        /* In locals: stores to the framebuffer would otherwise make the
         * compiler reload self->tile for every row. */
        const guint32 *src = self->tile, *src_end = src + (gsize) tw * th;

        if (tw == TILE)
          for (; src < src_end; src += TILE, dst += stride)
            for (guint i = 0; i < TILE; i += 8)
              copy8 (dst + i, src + i, avx2);
        else
          for (; src < src_end; src += tw, dst += stride)
            memcpy (dst, src, tw * sizeof (guint32));
      }
    }
  else
    return "unknown ZRLE subencoding";

#undef cpixel
  *pp = p;
  return NULL;
}

OB_INLINE const char *
zrle_tiles (ObRfbDecoder *self,
            const guint8 *data,
            gsize         len,
            guint         rx,
            guint         ry,
            guint         rw,
            guint         rh,
            CpixelKind    kind,
            gboolean      avx2)
{
  const guint8 *p = data, *end = data + len;
  guint32 *pixels = ob_framebuffer_get_data (self->fb);
  gsize stride = ob_framebuffer_get_width (self->fb);

  for (guint ty = 0; ty < rh; ty += TILE)
    {
      guint th = MIN (TILE, rh - ty);

      for (guint tx = 0; tx < rw; tx += TILE)
        {
          guint tw = MIN (TILE, rw - tx);
          const char *why = zrle_tile (self, &p, end,
                                       pixels + (gsize) (ry + ty) * stride + rx + tx,
                                       stride, tw, th, kind, avx2);

          if (why != NULL)
            return why;
        }
    }
  if (p != end)
    return "more ZRLE data than the rectangle's tiles";
  return NULL;
}

/* One function per CPIXEL kind and variant, each with its tile loops
 * specialised. */
#define ZRLE_TILES_FUNCS(suffix, kind) \
  static const char * \
  zrle_tiles_##suffix (ObRfbDecoder *self, const guint8 *d, gsize n, guint x, guint y, guint w, guint h) \
  { \
    return zrle_tiles (self, d, n, x, y, w, h, kind, FALSE); \
  } \
  ZRLE_TILES_AVX2 (suffix, kind)

#ifdef HAVE_AVX2_VARIANT
#define ZRLE_TILES_AVX2(suffix, kind) \
  static OB_AVX2 const char * \
  zrle_tiles_##suffix##_avx2 (ObRfbDecoder *self, const guint8 *d, gsize n, guint x, guint y, guint w, guint h) \
  { \
    return zrle_tiles (self, d, n, x, y, w, h, kind, TRUE); \
  }
#else
#define ZRLE_TILES_AVX2(suffix, kind)
#endif

ZRLE_TILES_FUNCS (1, CPIXEL_1)
ZRLE_TILES_FUNCS (2, CPIXEL_2)
ZRLE_TILES_FUNCS (3l, CPIXEL_3_LOW)
ZRLE_TILES_FUNCS (3h, CPIXEL_3_HIGH)
ZRLE_TILES_FUNCS (4, CPIXEL_4)

/* Indexed by CpixelKind. */
static const ZrleTilesFunc zrle_tiles_portable[] = {
  zrle_tiles_1, zrle_tiles_2, zrle_tiles_3l, zrle_tiles_3h, zrle_tiles_4,
};
#ifdef HAVE_AVX2_VARIANT
static const ZrleTilesFunc zrle_tiles_avx2[] = {
  zrle_tiles_1_avx2, zrle_tiles_2_avx2, zrle_tiles_3l_avx2, zrle_tiles_3h_avx2, zrle_tiles_4_avx2,
};
#endif

static void
pick_tiles (ObRfbDecoder *self)
{
  G_STATIC_ASSERT (G_N_ELEMENTS (zrle_tiles_portable) == CPIXEL_4 + 1);
#ifdef HAVE_AVX2_VARIANT
  if (self->avx2)
    {
      self->tiles = zrle_tiles_avx2[self->cpixel_kind];
      return;
    }
#endif
  self->tiles = zrle_tiles_portable[self->cpixel_kind];
}

gboolean
ob_rfb_decoder_set_portable (ObRfbDecoder *self,
                             gboolean      portable)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), FALSE);

  self->avx2 = !portable && cpu_has_avx2 ();
  pick_tiles (self);
  return portable || self->avx2;
}

const char *
ob_rfb_decoder_get_variant (ObRfbDecoder *self)
{
  g_return_val_if_fail (OB_IS_RFB_DECODER (self), NULL);
  return self->avx2 ? "avx2" : "portable";
}

/* The most inflated bytes a rectangle's tiles can need: per tile a
 * subencoding byte and a full palette, per pixel a CPIXEL and a run byte. */
static gsize
zrle_max_inflated (guint w,
                   guint h,
                   guint cp)
{
  gsize tiles = (gsize) ((w + TILE - 1) / TILE) * ((h + TILE - 1) / TILE);

  return tiles * (1 + 127 * (gsize) cp) + (gsize) w * h * (cp + 1);
}

static gboolean
decode_zrle (ObRfbDecoder  *self,
             const guint8  *zdata,
             gsize          zlen,
             guint          x,
             guint          y,
             guint          w,
             guint          h,
             GError       **error)
{
  gsize cap = zrle_max_inflated (w, h, self->cpixel_size);
  const guint8 *zbuf;
  gsize produced;
  const char *why;

  if (self->inflate == NULL)
    self->inflate = ob_inflate_new ();
  while (self->zhdr_have < 2 && zlen > 0)
    {
      self->zhdr[self->zhdr_have++] = *zdata++;
      zlen--;
      if (self->zhdr_have == 2
          && ((self->zhdr[0] & 0x0F) != 8 || (self->zhdr[0] >> 4) > 7
              || ((self->zhdr[0] << 8) | self->zhdr[1]) % 31 != 0 || (self->zhdr[1] & 0x20) != 0))
        {
          g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                       "ZRLE: the data does not start with a zlib header");
          return FALSE;
        }
    }

  switch (ob_inflate_feed (self->inflate, zdata, zlen, cap, &zbuf, &produced, &why))
    {
    case OB_INFLATE_OK:
      break;
    case OB_INFLATE_END:
      g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                   "ZRLE: the server ended the zlib stream");
      return FALSE;
    case OB_INFLATE_ERROR:
    default:
      g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                   "ZRLE: corrupt zlib data in a %u×%u rectangle (%s)", w, h, why);
      return FALSE;
    }
  self->bytes_inflated += produced;

  why = self->tiles (self, zbuf, produced, x, y, w, h);
  if (why != NULL)
    {
      g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                   "ZRLE rectangle %u×%u at %u,%u: %s", w, h, x, y, why);
      return FALSE;
    }
  return TRUE;
}

static void
decode_raw (ObRfbDecoder *self,
            const guint8 *p,
            guint         rx,
            guint         ry,
            guint         w,
            guint         h)
{
  guint32 *pixels = ob_framebuffer_get_data (self->fb);
  gsize stride = ob_framebuffer_get_width (self->fb);
  const guint32 *lut = self->lut;

#ifdef __SSE2__
  if (self->bytes_per_pixel == 2 && self->wide16)
    {
#ifdef HAVE_AVX2_VARIANT
      if (self->avx2)
        wide16_rows_avx2 (self, p, pixels + (gsize) ry * stride + rx, stride, w, h);
      else
#endif
        wide16_rows (self, p, pixels + (gsize) ry * stride + rx, stride, w, h);
      return;
    }
#endif
  for (guint y = 0; y < h; y++)
    {
      guint32 *row = pixels + (gsize) (ry + y) * stride + rx;

      switch (self->bytes_per_pixel)
        {
        case 1:
          for (guint x = 0; x < w; x++, p++)
            row[x] = lut[p[0]];
          break;
        case 2:
          for (guint x = 0; x < w; x++, p += 2)
            row[x] = lut[p[0] | (p[1] << 8)];
          break;
        default:
          for (guint x = 0; x < w; x++, p += 4)
            row[x] = convert_wide (self, read32 (self, p));
          break;
        }
    }
}

/* ---- messages ----------------------------------------------------------- */

static guint16
be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static ObRfbDecodeStatus
fail (ObRfbDecoder  *self,
      GError       **error,
      const char    *format,
      ...) G_GNUC_PRINTF (3, 4);

static ObRfbDecodeStatus
fail (ObRfbDecoder  *self,
      GError       **error,
      const char    *format,
      ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  self->failed = TRUE;
  g_set_error_literal (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL, msg);
  return OB_RFB_DECODE_ERROR;
}

static ObRfbDecodeStatus
decode_rect (ObRfbDecoder  *self,
             const guint8  *data,
             gsize          len,
             gsize         *consumed,
             ObRfbEvent    *event,
             GError       **error)
{
  guint x, y, w, h, fbw, fbh;
  gint32 encoding;
  gsize need;

  if (len < RECT_HEADER)
    return OB_RFB_DECODE_NEED_MORE;
  x = be16 (data);
  y = be16 (data + 2);
  w = be16 (data + 4);
  h = be16 (data + 6);
  encoding = (gint32) be32 (data + 8);
  fbw = ob_framebuffer_get_width (self->fb);
  fbh = ob_framebuffer_get_height (self->fb);

  if (encoding == OB_RFB_ENCODING_DESKTOP_SIZE)
    {
      if (!ob_framebuffer_resize (self->fb, w, h))
        return fail (self, error, "DesktopSize %u×%u is not a usable screen size", w, h);
      need = RECT_HEADER;
      *event |= OB_RFB_EVENT_RESIZE;
      goto done;
    }

  if (encoding != OB_RFB_ENCODING_RAW && encoding != OB_RFB_ENCODING_ZRLE)
    return fail (self, error, "Rectangle with encoding %d, which was not asked for", encoding);
  if (x + w > fbw || y + h > fbh)
    return fail (self, error, "Rectangle %u×%u at %u,%u is outside the %u×%u screen", w, h, x, y, fbw, fbh);

  if (encoding == OB_RFB_ENCODING_RAW)
    {
      need = RECT_HEADER + (gsize) w * h * self->bytes_per_pixel;
      if (len < need)
        return OB_RFB_DECODE_NEED_MORE;
      decode_raw (self, data + RECT_HEADER, x, y, w, h);
    }
  else
    {
      guint32 zlen;
      gsize limit;

      if (len < RECT_HEADER + 4)
        return OB_RFB_DECODE_NEED_MORE;
      zlen = be32 (data + RECT_HEADER);
      /* Stored blocks and sync flushes add a few bytes per 64 KiB; twice
       * the largest inflated size is far beyond any honest encoder. */
      limit = 2 * zrle_max_inflated (w, h, self->cpixel_size) + 1024;
      if (zlen > limit)
        return fail (self, error, "ZRLE rectangle %u×%u with %u bytes of data (at most %" G_GSIZE_FORMAT ")",
                     w, h, zlen, limit);
      need = RECT_HEADER + 4 + (gsize) zlen;
      if (len < need)
        return OB_RFB_DECODE_NEED_MORE;
      if (w > 0 && h > 0)
        {
          if (!decode_zrle (self, data + RECT_HEADER + 4, zlen, x, y, w, h, error))
            {
              self->failed = TRUE;
              return OB_RFB_DECODE_ERROR;
            }
        }
      else if (zlen != 0)
        return fail (self, error, "Empty ZRLE rectangle with data");
    }
  ob_framebuffer_add_damage (self->fb, x, y, w, h);

done:
  self->rectangles++;
  self->rects_remaining--;
  if (self->rects_remaining == 0)
    {
      self->updates++;
      *event |= OB_RFB_EVENT_UPDATE_END;
    }
  *consumed = need;
  return OB_RFB_DECODE_OK;
}

ObRfbDecodeStatus
ob_rfb_decoder_decode (ObRfbDecoder  *self,
                       const guint8  *data,
                       gsize          len,
                       gsize         *consumed,
                       ObRfbEvent    *event,
                       GError       **error)
{
  ObRfbDecodeStatus status = OB_RFB_DECODE_OK;
  ObRfbEvent ev = OB_RFB_EVENT_NONE;
  gsize need = 0;

  g_return_val_if_fail (OB_IS_RFB_DECODER (self), OB_RFB_DECODE_ERROR);
  g_return_val_if_fail (data != NULL || len == 0, OB_RFB_DECODE_ERROR);
  g_return_val_if_fail (consumed != NULL && event != NULL, OB_RFB_DECODE_ERROR);

  *consumed = 0;
  *event = OB_RFB_EVENT_NONE;

  if (self->failed)
    {
      g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                   "The RFB stream was already broken");
      return OB_RFB_DECODE_ERROR;
    }
  if (len == 0)
    return OB_RFB_DECODE_NEED_MORE;

  if (self->rects_remaining > 0)
    {
      status = decode_rect (self, data, len, &need, &ev, error);
      goto out;
    }

  switch (data[0])
    {
    case 0: /* FramebufferUpdate */
      if (len < 4)
        return OB_RFB_DECODE_NEED_MORE;
      need = 4;
      self->rects_remaining = be16 (data + 2);
      if (self->rects_remaining == 0)
        {
          self->updates++;
          ev = OB_RFB_EVENT_UPDATE_END;
        }
      break;

    case 1: /* SetColourMapEntries: never asked for with true colour */
      {
        guint n;

        if (len < 6)
          return OB_RFB_DECODE_NEED_MORE;
        n = be16 (data + 4);
        need = 6 + (gsize) n * 6;
        if (len < need)
          return OB_RFB_DECODE_NEED_MORE;
      }
      break;

    case 2: /* Bell */
      need = 1;
      ev = OB_RFB_EVENT_BELL;
      break;

    case 3: /* ServerCutText */
      {
        guint32 n;

        if (len < 8)
          return OB_RFB_DECODE_NEED_MORE;
        n = be32 (data + 4);
        if (n > OB_RFB_MAX_CUT_TEXT)
          return fail (self, error, "ServerCutText of %u bytes is over the limit", n);
        need = 8 + (gsize) n;
        if (len < need)
          return OB_RFB_DECODE_NEED_MORE;
        g_clear_pointer (&self->cut_text, g_bytes_unref);
        self->cut_text = g_bytes_new (data + 8, n);
        ev = OB_RFB_EVENT_CUT_TEXT;
      }
      break;

    default:
      return fail (self, error, "Unknown RFB server message type %u", data[0]);
    }

out:
  if (status == OB_RFB_DECODE_OK)
    {
      self->bytes_in += need;
      *consumed = need;
      *event = ev;
    }
  return status;
}
