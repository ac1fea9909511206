/* fuzz-apf-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The APF decoder over arbitrary bytes, fed the way ObApfSession feeds it:
 * an accumulator that grows piece by piece and is decoded in a loop.
 * Besides "no crash, no leak, no over-read" it checks:
 *  - splitting the input into pieces gives exactly the messages (and the
 *    final error or leftover) of decoding it whole;
 *  - every decoded message encodes to as many bytes as it consumed, and
 *    those bytes decode back to an equal message.
 *
 * Input: one control byte (bit 0: REQUEST_SUCCESS without port; bits 1-7:
 * piece size - 1), then the stream. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ob-apf-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct
{
  GPtrArray         *messages;   /* canonical encodings (GBytes) */
  ObApfDecodeStatus  last;       /* NEED_MORE or ERROR */
  gsize              leftover;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_pointer (&o->messages, g_ptr_array_unref);
}

/* Encode @m, check the round trip, return the canonical bytes. */
static GBytes *
round_trip (const ObApfMessage *m,
            gsize               consumed,
            ObApfDecodeFlags    flags)
{
  g_autoptr(GByteArray) encoded = g_byte_array_new ();
  g_auto(ObApfMessage) again = { 0 };
  g_autoptr(GError) error = NULL;
  gsize used = 0;

  if (!ob_apf_message_encode (m, encoded))
    abort ();
  if (encoded->len != consumed)
    abort ();
  if (ob_apf_message_decode_full (encoded->data, encoded->len, flags, &again, &used, &error) != OB_APF_DECODE_OK)
    abort ();
  if (used != encoded->len || !ob_apf_message_equal (m, &again))
    abort ();

  /* The names never fail. */
  if (ob_apf_message_type_to_string (m->type) == NULL
      || ob_apf_disconnect_reason_to_string (m->disconnect.reason) == NULL
      || ob_apf_open_failure_reason_to_string (m->open_failure.reason) == NULL)
    abort ();

  return g_byte_array_free_to_bytes (g_steal_pointer (&encoded));
}

static Outcome
run (const guint8     *data,
     gsize             size,
     gsize             piece,
     ObApfDecodeFlags  flags)
{
  g_autoptr(GByteArray) acc = g_byte_array_new ();
  Outcome out = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), OB_APF_DECODE_NEED_MORE, 0 };
  gsize pos = 0;

  while (pos < size && out.last != OB_APF_DECODE_ERROR)
    {
      gsize n = MIN (piece, size - pos);

      g_byte_array_append (acc, data + pos, (guint) n);
      pos += n;

      for (;;)
        {
          g_auto(ObApfMessage) m = { 0 };
          g_autoptr(GError) error = NULL;
          gsize used = 0;
          /* A private copy of exactly what is there, so an over-read hits
           * the sanitizer's redzone. */
          g_autofree guint8 *view = g_memdup2 (acc->data, acc->len);
          ObApfDecodeStatus st = ob_apf_message_decode_full (view, acc->len, flags, &m, &used, &error);

          if (st == OB_APF_DECODE_NEED_MORE)
            {
              if (error != NULL || used != 0)
                abort ();
              break;
            }
          if (st == OB_APF_DECODE_ERROR)
            {
              if (error == NULL || error->domain != OB_APF_ERROR || used != 0)
                abort ();
              out.last = OB_APF_DECODE_ERROR;
              break;
            }
          if (st != OB_APF_DECODE_OK || error != NULL || used == 0 || used > acc->len)
            abort ();
          g_ptr_array_add (out.messages, round_trip (&m, used, flags));
          /* Clear before the view it borrows from goes. */
          ob_apf_message_clear (&m);
          g_byte_array_remove_range (acc, 0, (guint) used);
        }
    }

  out.leftover = acc->len;
  return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  ObApfDecodeFlags flags;
  gsize piece;
  Outcome whole, split;

  if (size < 1)
    return 0;
  flags = (data[0] & 1) ? OB_APF_DECODE_FLAGS_BARE_REQUEST_SUCCESS : OB_APF_DECODE_FLAGS_NONE;
  piece = (gsize) (data[0] >> 1) + 1;
  data++;
  size--;

  whole = run (data, size, MAX (size, 1), flags);
  split = run (data, size, piece, flags);

  /* After an error the split run stops feeding, so only a clean end has
   * a comparable leftover. */
  if (whole.last != split.last || whole.messages->len != split.messages->len
      || (whole.last == OB_APF_DECODE_NEED_MORE && whole.leftover != split.leftover))
    abort ();
  for (guint i = 0; i < whole.messages->len; i++)
    if (!g_bytes_equal (g_ptr_array_index (whole.messages, i), g_ptr_array_index (split.messages, i)))
      abort ();

  outcome_clear (&whole);
  outcome_clear (&split);
  return 0;
}
