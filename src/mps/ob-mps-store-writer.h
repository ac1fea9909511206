/* ob-mps-store-writer.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-store.h"

G_BEGIN_DECLS

/* The MPS's store writes (connection state, last seen, activity entries),
 * off the main thread and in the order they were queued: one thread
 * gathers for 50 ms after a first job, then writes everything queued in
 * one transaction, so a storm of connections costs a few commits rather
 * than one each (and queueing rarely wakes the thread), and a disconnect
 * can never overtake the connect before it.  Each write carries the time
 * it was queued.  A flush writes at once.  A write that
 * fails (the device was deleted meanwhile) is skipped, the rest commit.
 * Queue from the main thread. */
typedef struct _ObMpsStoreWriter ObMpsStoreWriter;

ObMpsStoreWriter *ob_mps_store_writer_new              (ObStore             *store);
/* Writes what is queued, then stops the thread. */
void              ob_mps_store_writer_free             (ObMpsStoreWriter    *self);

void              ob_mps_store_writer_mark_all_disconnected (ObMpsStoreWriter *self);
void              ob_mps_store_writer_connected        (ObMpsStoreWriter    *self,
                                                        const char          *guid,
                                                        const char          *mps_instance);
void              ob_mps_store_writer_disconnected     (ObMpsStoreWriter    *self,
                                                        const char          *guid);
void              ob_mps_store_writer_last_seen        (ObMpsStoreWriter    *self,
                                                        const char          *guid);
/* Actor "mps". */
void              ob_mps_store_writer_log              (ObMpsStoreWriter    *self,
                                                        const char          *action,
                                                        const char          *device_guid,
                                                        const char          *target,
                                                        ObActivityResult     result,
                                                        const char          *detail);

/* Completes (on the caller's thread-default context) once everything
 * queued before it is written; never fails. */
void              ob_mps_store_writer_flush_async      (ObMpsStoreWriter    *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean          ob_mps_store_writer_flush_finish     (ObMpsStoreWriter    *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);
/* Blocks until everything queued so far is written. */
void              ob_mps_store_writer_flush            (ObMpsStoreWriter    *self);
/* Jobs written (or skipped) so far, and the transactions they took. */
void              ob_mps_store_writer_get_counts       (ObMpsStoreWriter    *self,
                                                        guint64             *n_written,
                                                        guint64             *n_transactions);

G_END_DECLS
