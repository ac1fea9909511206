/* ob-amt-alarms.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-alarms.h"
#include "ob-amt-private.h"

#define OCCURRENCE_CLASS "IPS_AlarmClockOccurrence"
#define CIM_COMMON_NS    "http://schemas.dmtf.org/wbem/wscim/1/common"

char *
ob_amt_alarm_format_interval (guint minutes)
{
  return g_strdup_printf ("P%uDT%uH%uM", minutes / 1440, (minutes / 60) % 24, minutes % 60);
}

/* Reads digits at *p; FALSE when there are none. */
static gboolean
read_number (const char **p,
             double      *out_value)
{
  const char *start = *p;
  double value = 0;
  double scale = 0.1;

  while (g_ascii_isdigit (**p))
    {
      value = value * 10 + (**p - '0');
      (*p)++;
    }
  if (**p == '.' || **p == ',')
    {
      (*p)++;
      while (g_ascii_isdigit (**p))
        {
          value += (**p - '0') * scale;
          scale /= 10;
          (*p)++;
        }
    }

  *out_value = value;
  return *p != start;
}

guint
ob_amt_alarm_parse_interval (const char *duration)
{
  const char *p = duration;
  gboolean in_time = FALSE;
  double minutes = 0;

  if (p == NULL || *p != 'P')
    return 0;
  p++;

  while (*p != '\0')
    {
      double value;

      if (*p == 'T')
        {
          in_time = TRUE;
          p++;
          continue;
        }
      if (!read_number (&p, &value))
        return 0;

      switch (*p)
        {
        case 'W':
          if (!in_time)
            minutes += value * 7 * 24 * 60;
          break;
        case 'D':
          if (!in_time)
            minutes += value * 24 * 60;
          break;
        case 'H':
          if (in_time)
            minutes += value * 60;
          break;
        case 'M':
          /* Months (before T) have no fixed length; AMT does not use them. */
          if (in_time)
            minutes += value;
          break;
        case 'S':
          if (in_time)
            minutes += value / 60;
          break;
        case 'Y':
          break;
        default:
          return 0;
        }
      p++;

      if (minutes > G_MAXUINT)
        return G_MAXUINT;
    }

  return (guint) minutes;
}

/* List */

static void
list_items_cb (GTask        *task,
               GPtrArray    *items,
               GPtrArray    *classes,
               const GError *error)
{
  JsonArray *alarms;
  JsonNode *node;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  alarms = json_array_new ();
  for (guint i = 0; i < items->len; i++)
    {
      JsonNode *item = g_ptr_array_index (items, i);
      JsonObject *alarm;
      JsonNode *interval;
      guint minutes = 0;

      if (!JSON_NODE_HOLDS_OBJECT (item) ||
          g_strcmp0 (g_ptr_array_index (classes, i), OCCURRENCE_CLASS) != 0)
        continue;

      alarm = _ob_amt_json_object_dup (json_node_get_object (item));
      interval = json_object_get_member (alarm, "Interval");
      if (interval != NULL && JSON_NODE_HOLDS_OBJECT (interval))
        {
          g_autofree char *text = _ob_amt_json_dup_string (json_node_get_object (interval), "Interval");

          minutes = ob_amt_alarm_parse_interval (text);
        }
      /* The reference's spelling, kept on purpose. */
      json_object_set_int_member (alarm, "InternalInMinutes", minutes);
      json_array_add_object_element (alarms, alarm);
    }

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, alarms);
  g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

void
ob_amt_alarms_list_async (ObWsmanClient       *client,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_alarms_list_async);

  _ob_amt_enumerate (task, OCCURRENCE_CLASS, list_items_cb);
}

JsonNode *
ob_amt_alarms_list_finish (ObWsmanClient  *client,
                           GAsyncResult   *result,
                           GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_alarms_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Add */

static void
append_property (GString    *out,
                 const char *occurrence_uri,
                 const char *name,
                 const char *inner_name,
                 const char *value)
{
  g_autofree char *escaped = g_markup_escape_text (value, -1);

  g_string_append_printf (out, "<s:%s xmlns:s=\"%s\">", name, occurrence_uri);
  if (inner_name != NULL)
    g_string_append_printf (out, "<p:%s xmlns:p=\"" CIM_COMMON_NS "\">%s</p:%s>",
                            inner_name, escaped, inner_name);
  else
    g_string_append (out, escaped);
  g_string_append_printf (out, "</s:%s>", name);
}

static void
add_cb (GTask           *task,
        ObWsmanResponse *response,
        const GError    *error)
{
  JsonObject *output;
  gint64 return_value;
  g_autoptr(JsonBuilder) builder = NULL;

  if (error != NULL)
    {
      g_autofree char *subcode = ob_wsman_error_dup_fault_subcode (error);

      if (g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT) &&
          ((subcode != NULL && strstr (subcode, "QuotaLimit") != NULL) ||
           strstr (error->message, "QuotaLimit") != NULL))
        {
          g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_QUOTA_EXCEEDED,
                                   "The device holds as many alarms as it can; delete one first");
          return;
        }
      _ob_amt_return_error (task, error);
      return;
    }

  output = ob_wsman_response_get_class_json (response, "AddAlarm_OUTPUT");
  if (!_ob_amt_json_get_int (output, "ReturnValue", &return_value))
    {
      g_task_return_new_error (task, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                               "The device's answer to AddAlarm has no return value");
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "SUCCESS");
  json_builder_set_member_name (builder, "ReturnValue");
  json_builder_add_int_value (builder, return_value);
  json_builder_end_object (builder);

  g_task_return_pointer (task, json_builder_get_root (builder), (GDestroyNotify) json_node_unref);
}

void
ob_amt_alarm_add_async (ObWsmanClient       *client,
                        const char          *element_name,
                        GDateTime           *start_time,
                        guint                interval_minutes,
                        const char          *instance_id,
                        gboolean             delete_on_completion,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *start = NULL;
  g_autofree char *interval = NULL;
  g_autofree char *service_uri = NULL;
  g_autofree char *occurrence_uri = NULL;
  g_autoptr(GString) input = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_alarm_add_async);

  if (element_name == NULL || *element_name == '\0' || start_time == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                               "An alarm needs a name and a start time");
      return;
    }
  if (!g_utf8_validate (element_name, -1, NULL) ||
      (instance_id != NULL && !g_utf8_validate (instance_id, -1, NULL)))
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                               "The alarm name is not valid text");
      return;
    }
  if (instance_id == NULL || *instance_id == '\0')
    instance_id = element_name;

  /* AMT wants UTC without fractions of a second. */
  utc = g_date_time_to_utc (start_time);
  start = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
  interval = ob_amt_alarm_format_interval (interval_minutes);
  service_uri = ob_wsman_resource_uri_for_class ("AMT_AlarmClockService");
  occurrence_uri = ob_wsman_resource_uri_for_class (OCCURRENCE_CLASS);

  input = g_string_new (NULL);
  g_string_append_printf (input, "<h:AddAlarm_INPUT xmlns:h=\"%s\"><h:AlarmTemplate>", service_uri);
  append_property (input, occurrence_uri, "InstanceID", NULL, instance_id);
  append_property (input, occurrence_uri, "ElementName", NULL, element_name);
  append_property (input, occurrence_uri, "StartTime", "Datetime", start);
  /* Like the reference, an interval is always sent; 0 is P0DT0H0M. */
  append_property (input, occurrence_uri, "Interval", "Interval", interval);
  append_property (input, occurrence_uri, "DeleteOnCompletion", NULL,
                   delete_on_completion ? "true" : "false");
  g_string_append (input, "</h:AlarmTemplate></h:AddAlarm_INPUT>");

  _ob_amt_invoke_raw (task, "AMT_AlarmClockService", "AddAlarm", input->str, add_cb);
}

JsonNode *
ob_amt_alarm_add_finish (ObWsmanClient  *client,
                         GAsyncResult   *result,
                         GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_alarm_add_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Delete */

static void
delete_cb (GTask           *task,
           ObWsmanResponse *response,
           const GError    *error)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (error != NULL)
    {
      /* The reference answers "not found" to anything but a DeleteResponse. */
      if (g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT))
        g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_NOT_FOUND,
                                 "Alarm instance not found");
      else
        _ob_amt_return_error (task, error);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "SUCCESS");
  json_builder_end_object (builder);

  g_task_return_pointer (task, json_builder_get_root (builder), (GDestroyNotify) json_node_unref);
}

void
ob_amt_alarm_delete_async (ObWsmanClient       *client,
                           const char          *instance_id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ObWsmanSelectors) selectors = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_alarm_delete_async);

  if (instance_id == NULL || *instance_id == '\0' || !g_utf8_validate (instance_id, -1, NULL))
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                               "Which alarm? The name is missing");
      return;
    }

  selectors = ob_wsman_selectors_new_with ("InstanceID", instance_id, NULL);
  _ob_amt_delete (task, OCCURRENCE_CLASS, selectors, delete_cb);
}

JsonNode *
ob_amt_alarm_delete_finish (ObWsmanClient  *client,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_alarm_delete_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
