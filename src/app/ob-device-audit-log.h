/* ob-device-audit-log.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"

G_BEGIN_DECLS

#define OB_TYPE_DEVICE_AUDIT_LOG (ob_device_audit_log_get_type ())

G_DECLARE_FINAL_TYPE (ObDeviceAuditLog, ob_device_audit_log, OB, DEVICE_AUDIT_LOG, AdwBin)

/* The device page's audit log tab: AMT_AuditLog records (time, event,
 * initiator, address, details), newest first, one device page at a time,
 * read when the tab is first shown; CSV export reads the whole log. */
GtkWidget *ob_device_audit_log_new          (ObDevice         *device);
ObDevice  *ob_device_audit_log_get_device   (ObDeviceAuditLog *self);
/* The table (an ObLogView). (transfer none) */
GtkWidget *ob_device_audit_log_get_view     (ObDeviceAuditLog *self);
/* Reads the newest page again. */
void       ob_device_audit_log_reload       (ObDeviceAuditLog *self);

/* Reads every record of the log (page after page) and returns them as
 * CSV, as the export writes it. */
void       ob_device_audit_log_read_csv_async  (ObDeviceAuditLog    *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GBytes    *ob_device_audit_log_read_csv_finish (ObDeviceAuditLog    *self,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
