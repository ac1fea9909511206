/* source-count-util.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Counting the GSources attached to the global default main context, for
 * the tests that assert an operation attached none (or a known number).
 * GLib numbers a context's sources in order, so the ids of two marker
 * sources tell how many were attached between them.  Waits that must not
 * be counted themselves iterate without a timeout source
 * (source_count_poll_until). */

typedef gboolean (*SourceCountCondition) (gpointer data);

/* Attaches a marker source to the default context, removes it again and
 * returns its id: the start of a count. */
guint    source_count_mark       (void);

/* The number of sources attached to the default context since the marker
 * @mark (neither marker counted); moves @mark on to a new marker, so the
 * next call counts from here. */
guint    source_count_since      (guint                *mark);

/* Iterates the default context, without a source of its own, until @cond
 * holds or @timeout_ms passed; returns @cond's last answer. */
gboolean source_count_poll_until (SourceCountCondition  cond,
                                  gpointer              data,
                                  guint                 timeout_ms);

/* Iterates the default context for @ms, without a source of its own. */
void     source_count_poll_ms    (guint                 ms);

G_END_DECLS
