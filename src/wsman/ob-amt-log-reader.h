/* ob-amt-log-reader.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ob-wsman-client.h"

G_BEGIN_DECLS

/* Reading the device's logs over WS-Man; the records are decoded by
 * ob-amt-logs.h. */

/* GET /amt/log/event: AMT_MessageLog PositionToFirstRecord, then GetRecords
 * with the iterator until NoMoreRecords.  Returns a JSON array of decoded
 * event records in the order the device hands them out (AMT: newest
 * first).  At most max_records are read (0 = the reference's limit of
 * 390, one GetRecords). */
void      ob_amt_event_log_async   (ObWsmanClient        *client,
                                    guint                 max_records,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
JsonNode *ob_amt_event_log_finish  (ObWsmanClient        *client,
                                    GAsyncResult         *result,
                                    GError              **error);

/* GET /amt/log/audit?startIndex=n: AMT_AuditLog ReadRecords.  AMT hands
 * out records oldest first; when the log holds more than one answer's
 * worth, the page is read again from where the newest records begin, so
 * the result is one page of the newest records, newest first, after
 * leaving out the start_index newest ones (paging from the newest end).
 * Returns {"totalCnt":n,"records":[…]}.  The first read uses start_index,
 * with <= 0 treated as 1, like the reference.  (The reference's re-read
 * index is one lower, which drops the newest record; this one does not.) */
void      ob_amt_audit_log_async   (ObWsmanClient        *client,
                                    int                   start_index,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
JsonNode *ob_amt_audit_log_finish  (ObWsmanClient        *client,
                                    GAsyncResult         *result,
                                    GError              **error);

G_END_DECLS
