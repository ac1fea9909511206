/* ob-connection-throttle.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Token buckets by key (a peer address, a GUID and address …): each key
 * may take @burst tokens at once and gets @rate tokens a second back.  The
 * MPS uses one for new connections per address and one for activity-log
 * entries.  Keys whose bucket is full again are forgotten, so memory
 * follows the keys active in the last burst/rate seconds, never the
 * number ever seen; the table is capped at @max_keys (when it is full,
 * unknown keys are refused: a flood of fresh keys must not grow it).
 * Main thread only (no locking). */
typedef struct _ObConnectionThrottle ObConnectionThrottle;

/* @rate: tokens a second (0: no limit, every take succeeds); @burst: the
 * bucket size (at least 1). */
ObConnectionThrottle *ob_connection_throttle_new          (double                rate,
                                                           guint                 burst,
                                                           guint                 max_keys);
void                  ob_connection_throttle_free         (ObConnectionThrottle *self);
void                  ob_connection_throttle_set_limits   (ObConnectionThrottle *self,
                                                           double                rate,
                                                           guint                 burst);
/* Takes one token for @key at @now_us (monotonic µs); FALSE when the
 * bucket is empty. */
gboolean              ob_connection_throttle_take         (ObConnectionThrottle *self,
                                                           const char           *key,
                                                           gint64                now_us);
/* Keys currently tracked. */
guint                 ob_connection_throttle_get_n_keys   (ObConnectionThrottle *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObConnectionThrottle, ob_connection_throttle_free)

G_END_DECLS
