/* fuzz-redir-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The redirection parser over arbitrary bytes, fed as ObRedirSession and
 * the simulator feed it: an accumulator that grows piece by piece and is
 * parsed in a loop.  Besides "no crash, no leak, no over-read" it checks:
 *  - splitting the input into pieces gives exactly the messages (and the
 *    final error or leftover) of parsing it whole;
 *  - every parsed message builds to as many bytes as it consumed, and those
 *    bytes parse back to an equal message.
 *
 * Input: one control byte (bit 0: direction, to the console when set;
 * bits 1-2: session NONE/SOL/KVM/IDER; bits 3-7: piece size - 1), then
 * the stream. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ob-redir-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct
{
  GPtrArray          *messages;   /* canonical encodings (GBytes) */
  ObRedirParseStatus  last;       /* NEED_MORE or ERROR */
  gsize               leftover;
} Outcome;

static GBytes *
round_trip (const ObRedirMessage *m,
            gsize                 consumed,
            ObRedirDirection      direction,
            ObRedirSessionType    session)
{
  g_autoptr(GBytes) built = ob_redir_message_build (m, session);
  g_auto(ObRedirMessage) again = { 0 };
  gsize used = 0;

  if (built == NULL || g_bytes_get_size (built) != consumed)
    abort ();
  if (ob_redir_message_parse (g_bytes_get_data (built, NULL), g_bytes_get_size (built), direction, session,
                              &again, &used, NULL) != OB_REDIR_PARSE_OK)
    abort ();
  if (used != consumed || !ob_redir_message_equal (m, &again))
    abort ();
  if (ob_redir_message_type_to_string (m->type, direction, session) == NULL)
    abort ();
  if (m->type == OB_REDIR_MSG_START_SESSION_REPLY)
    {
      GError *e = ob_redir_start_status_to_error (session, m->start_reply.status);

      if ((e == NULL) != (m->start_reply.status == 0))
        abort ();
      g_clear_error (&e);
    }
  return g_steal_pointer (&built);
}

static Outcome
run (const guint8       *data,
     gsize               size,
     gsize               piece,
     ObRedirDirection    direction,
     ObRedirSessionType  session)
{
  g_autoptr(GByteArray) acc = g_byte_array_new ();
  Outcome out = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), OB_REDIR_PARSE_NEED_MORE, 0 };
  gsize pos = 0;

  while (pos < size && out.last != OB_REDIR_PARSE_ERROR)
    {
      gsize n = MIN (piece, size - pos);

      g_byte_array_append (acc, data + pos, (guint) n);
      pos += n;

      for (;;)
        {
          g_auto(ObRedirMessage) m = { 0 };
          g_autoptr(GError) error = NULL;
          gsize used = 0;
          /* A private copy of exactly what is there, so an over-read hits
           * the sanitizer's redzone. */
          g_autofree guint8 *view = acc->len > 0 ? g_memdup2 (acc->data, acc->len) : g_malloc (1);
          ObRedirParseStatus st = ob_redir_message_parse (view, acc->len, direction, session, &m, &used, &error);

          if (st == OB_REDIR_PARSE_NEED_MORE)
            {
              if (error != NULL || used != 0)
                abort ();
              break;
            }
          if (st == OB_REDIR_PARSE_ERROR)
            {
              if (error == NULL || error->domain != OB_REDIR_ERROR || used != 0)
                abort ();
              out.last = OB_REDIR_PARSE_ERROR;
              break;
            }
          if (st != OB_REDIR_PARSE_OK || error != NULL || used == 0 || used > acc->len)
            abort ();
          g_ptr_array_add (out.messages, round_trip (&m, used, direction, session));
          /* Clear before the view it borrows from goes. */
          ob_redir_message_clear (&m);
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
  ObRedirDirection direction;
  ObRedirSessionType session;
  gsize piece;
  Outcome whole, split;

  if (size < 1)
    return 0;
  direction = (data[0] & 1) ? OB_REDIR_TO_CONSOLE : OB_REDIR_TO_DEVICE;
  session = (ObRedirSessionType) ((data[0] >> 1) & 3);
  piece = (gsize) (data[0] >> 3) + 1;
  data++;
  size--;

  whole = run (data, size, MAX (size, 1), direction, session);
  split = run (data, size, piece, direction, session);

  /* After an error the split run stops feeding, so only a clean end has
   * a comparable leftover. */
  if (whole.last != split.last || whole.messages->len != split.messages->len
      || (whole.last == OB_REDIR_PARSE_NEED_MORE && whole.leftover != split.leftover))
    abort ();
  for (guint i = 0; i < whole.messages->len; i++)
    if (!g_bytes_equal (g_ptr_array_index (whole.messages, i), g_ptr_array_index (split.messages, i)))
      abort ();

  g_ptr_array_unref (whole.messages);
  g_ptr_array_unref (split.messages);
  return 0;
}
