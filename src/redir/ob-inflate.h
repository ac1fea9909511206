/* ob-inflate.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A raw DEFLATE (RFC 1951) decompressor for one endless stream, made for
 * ZRLE: every rectangle's data continues the same stream, is usually cut
 * at a sync flush, and its output is parsed as a whole.
 *
 * Output goes into a buffer the inflater owns and that also holds the
 * 32 KiB window, so matches copy straight from earlier output and the
 * caller reads the new bytes in place (valid until the next feed).  The
 * input may be cut anywhere: what cannot be decoded yet stays in the
 * state (at most a few bits of a code, or the counts of a block header
 * being read) and continues with the next feed.
 *
 * Malformed data is an error with a short reason; it never reads past the
 * input it was given nor writes past the output limit. */

typedef struct _ObInflate ObInflate;

typedef enum
{
  OB_INFLATE_OK,     /* all input used; more may come */
  OB_INFLATE_END,    /* the last block ended: the stream is over */
  OB_INFLATE_ERROR,
} ObInflateStatus;

ObInflate       *ob_inflate_new  (void);
void             ob_inflate_free (ObInflate     *self);

/* Decodes all of @in, producing at most @max_out bytes (more is an
 * error).  *@out points at the new bytes, *@out_len says how many.  On
 * OB_INFLATE_ERROR *@why is the reason and the inflater must not be fed
 * again. */
ObInflateStatus  ob_inflate_feed (ObInflate     *self,
                                  const guint8  *in,
                                  gsize          in_len,
                                  gsize          max_out,
                                  const guint8 **out,
                                  gsize         *out_len,
                                  const char   **why);

/* The inner loop exists twice: portable C, and the same compiled for
 * BMI2, picked at run time when the CPU has it.  For tests and
 * benchmarks: force the portable one (or go back to the best one; FALSE
 * when that is the portable one), and say which one decodes. */
gboolean         ob_inflate_set_portable (ObInflate *self,
                                          gboolean   portable);
const char      *ob_inflate_get_variant  (ObInflate *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObInflate, ob_inflate_free)

G_END_DECLS
