/* ob-device-event-log.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"

G_BEGIN_DECLS

#define OB_TYPE_DEVICE_EVENT_LOG (ob_device_event_log_get_type ())

G_DECLARE_FINAL_TYPE (ObDeviceEventLog, ob_device_event_log, OB, DEVICE_EVENT_LOG, AdwBin)

/* The device page's event log tab: AMT_MessageLog records (time, source,
 * severity, description), newest first, in pages, read when the tab is
 * first shown; CSV export of the whole log. */
GtkWidget *ob_device_event_log_new        (ObDevice         *device);
ObDevice  *ob_device_event_log_get_device (ObDeviceEventLog *self);
/* The table (an ObLogView). (transfer none) */
GtkWidget *ob_device_event_log_get_view   (ObDeviceEventLog *self);
/* Reads the log again and shows its newest page. */
void       ob_device_event_log_reload     (ObDeviceEventLog *self);
/* The whole log as CSV, as the export writes it; NULL before it is read.
 * (transfer full) */
GBytes    *ob_device_event_log_dup_csv    (ObDeviceEventLog *self);

G_END_DECLS
