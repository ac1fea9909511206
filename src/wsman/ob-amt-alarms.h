/* ob-amt-alarms.h
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

/* Wake-up alarms (AMT_AlarmClockService, IPS_AlarmClockOccurrence):
 * /amt/alarmOccurrences list, add, delete. */

/* GET: [{"ElementName","InstanceID","StartTime":{"Datetime":"…"},
 * "Interval":{"Interval":"P…"}?,"DeleteOnCompletion":b,
 * "InternalInMinutes":n}…] — the field name InternalInMinutes is the
 * reference's own spelling and is kept on purpose. */
void      ob_amt_alarms_list_async   (ObWsmanClient        *client,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
JsonNode *ob_amt_alarms_list_finish  (ObWsmanClient        *client,
                                      GAsyncResult         *result,
                                      GError              **error);

/* POST: AddAlarm.  start_time is sent in UTC as YYYY-MM-DDTHH:MM:SSZ;
 * interval_minutes is sent as P{d}DT{h}H{m}M (0, a one-shot alarm, as
 * P0DT0H0M, like the reference); instance_id NULL or "" means
 * element_name; the REST default for delete_on_completion is TRUE.
 * Returns {"status":"SUCCESS","ReturnValue":n} with the device's
 * ReturnValue, as the reference does.  Errors: empty element_name or no
 * start_time -> OB_AMT_ERROR_INVALID_ARGUMENT; a QuotaLimit fault ->
 * OB_AMT_ERROR_QUOTA_EXCEEDED; other faults stay OB_WSMAN_ERROR_FAULT. */
void      ob_amt_alarm_add_async     (ObWsmanClient        *client,
                                      const char           *element_name,
                                      GDateTime            *start_time,
                                      guint                 interval_minutes,
                                      const char           *instance_id,
                                      gboolean              delete_on_completion,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
JsonNode *ob_amt_alarm_add_finish    (ObWsmanClient        *client,
                                      GAsyncResult         *result,
                                      GError              **error);

/* DELETE {"Name":<InstanceID>}: Delete IPS_AlarmClockOccurrence by
 * InstanceID.  Returns {"status":"SUCCESS"}; an alarm the device does not
 * have -> OB_AMT_ERROR_NOT_FOUND ("Alarm instance not found"). */
void      ob_amt_alarm_delete_async  (ObWsmanClient        *client,
                                      const char           *instance_id,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
JsonNode *ob_amt_alarm_delete_finish (ObWsmanClient        *client,
                                      GAsyncResult         *result,
                                      GError              **error);

/* Helpers shared with the REST API and the UI. */
char     *ob_amt_alarm_format_interval (guint       minutes);      /* 90 -> "P0DT1H30M" */
guint     ob_amt_alarm_parse_interval  (const char *duration);     /* "P1DT2H" -> 1560 */

G_END_DECLS
