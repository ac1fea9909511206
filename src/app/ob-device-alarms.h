/* ob-device-alarms.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"

G_BEGIN_DECLS

#define OB_TYPE_DEVICE_ALARMS (ob_device_alarms_get_type ())

G_DECLARE_FINAL_TYPE (ObDeviceAlarms, ob_device_alarms, OB, DEVICE_ALARMS, AdwBin)

/* The device page's alarms tab: the device's wake-up alarms
 * (IPS_AlarmClockOccurrence), read when the tab is first shown, with
 * "Add Alarm" (a dialog: name, date, time, repeat) and a delete button on
 * each (confirmed). */
GtkWidget  *ob_device_alarms_new         (ObDevice       *device);
ObDevice   *ob_device_alarms_get_device  (ObDeviceAlarms *self);
void        ob_device_alarms_reload      (ObDeviceAlarms *self);
/* "loading", "error" or "content" */
const char *ob_device_alarms_get_state   (ObDeviceAlarms *self);
/* The alarms listed, by InstanceID, in list order. (transfer full) */
GStrv       ob_device_alarms_dup_ids     (ObDeviceAlarms *self);
/* Deletes an alarm after the admin confirms it, as the row's button
 * does. */
void        ob_device_alarms_delete      (ObDeviceAlarms *self,
                                          const char     *instance_id);

/* "Once", "Every day", "Every 2 hours 30 minutes" … (transfer full) */
char       *ob_alarm_describe_interval   (guint           minutes);

G_END_DECLS
