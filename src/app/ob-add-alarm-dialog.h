/* ob-add-alarm-dialog.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"

G_BEGIN_DECLS

#define OB_TYPE_ADD_ALARM_DIALOG (ob_add_alarm_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ObAddAlarmDialog, ob_add_alarm_dialog, OB, ADD_ALARM_DIALOG, AdwWindow)

/* Asks for an alarm's name, date, time (local) and repeat interval and
 * adds it on @device (AMT_AlarmClockService.AddAlarm).  Emits
 * ObAddAlarmDialog::alarm-added with the name and closes. */
GtkWidget  *ob_add_alarm_dialog_new         (ObDevice         *device);
ObDevice   *ob_add_alarm_dialog_get_device  (ObAddAlarmDialog *self);
/* The local date and time chosen. (transfer full) */
GDateTime  *ob_add_alarm_dialog_dup_start   (ObAddAlarmDialog *self);
void        ob_add_alarm_dialog_set_start   (ObAddAlarmDialog *self,
                                             GDateTime        *start);
/* 0 for an alarm that does not repeat. */
guint       ob_add_alarm_dialog_get_interval (ObAddAlarmDialog *self);
/* The error shown, or NULL. */
const char *ob_add_alarm_dialog_get_error   (ObAddAlarmDialog *self);

G_END_DECLS
