/* ob-amt-log-reader.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-amt-log-reader.h"
#include "ob-amt-logs.h"
#include "ob-amt-private.h"

/* What one GetRecords asks for, as the reference does. */
#define EVENT_LOG_MAX_READ 390
/* AMT's event log holds a few hundred records; a device whose iterator
 * never ends must not keep the call going forever. */
#define EVENT_LOG_MAX_CALLS 64

/* The base64 strings of a record array member: one string, an array of
 * them, or nothing. */
static GPtrArray *
record_strings (JsonObject *output,
                const char *member)
{
  GPtrArray *strings = g_ptr_array_new ();
  JsonNode *node;

  if (output == NULL || (node = json_object_get_member (output, member)) == NULL)
    return strings;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_ptr_array_add (strings, (gpointer) json_node_get_string (node));
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            g_ptr_array_add (strings, (gpointer) json_node_get_string (element));
        }
    }

  return strings;
}

/* Event log */

typedef struct
{
  guint      max_records;
  guint      n_calls;
  JsonArray *records;
} EventData;

static void
event_data_free (EventData *data)
{
  g_clear_pointer (&data->records, json_array_unref);
  g_free (data);
}

static void event_get_records (GTask  *task,
                               gint64  iterator);

static void
event_records_cb (GTask           *task,
                  ObWsmanResponse *response,
                  const GError    *error)
{
  EventData *data = g_task_get_task_data (task);
  JsonObject *output;
  g_autoptr(GPtrArray) strings = NULL;
  gint64 iterator;
  JsonNode *node;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  output = ob_wsman_response_get_class_json (response, "GetRecords_OUTPUT");
  if (output == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not return event log records");
      return;
    }

  strings = record_strings (output, "RecordArray");
  for (guint i = 0; i < strings->len && json_array_get_length (data->records) < data->max_records; i++)
    {
      g_autoptr(GError) local_error = NULL;
      JsonNode *record = ob_amt_event_record_decode_base64 (g_ptr_array_index (strings, i), &local_error);

      /* One damaged record should not hide the rest of the log. */
      if (record == NULL)
        {
          g_debug ("Skipping an event log record: %s", local_error->message);
          continue;
        }
      json_array_add_element (data->records, record);
    }

  if (!_ob_amt_json_bool (output, "NoMoreRecords", TRUE) &&
      strings->len > 0 &&
      json_array_get_length (data->records) < data->max_records &&
      data->n_calls < EVENT_LOG_MAX_CALLS &&
      _ob_amt_json_get_int (output, "IterationIdentifier", &iterator))
    {
      event_get_records (task, iterator);
      return;
    }

  node = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (node, data->records);
  g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

static void
event_get_records (GTask  *task,
                   gint64  iterator)
{
  EventData *data = g_task_get_task_data (task);
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *iterator_text = g_strdup_printf ("%" G_GINT64_FORMAT, iterator);
  g_autofree char *max_text = NULL;
  guint remaining = data->max_records - json_array_get_length (data->records);

  max_text = g_strdup_printf ("%u", MIN (remaining, EVENT_LOG_MAX_READ));
  ob_wsman_selectors_add (args, "IterationIdentifier", iterator_text);
  ob_wsman_selectors_add (args, "MaxReadRecords", max_text);

  data->n_calls++;
  _ob_amt_invoke (task, "AMT_MessageLog", "GetRecords", args, event_records_cb);
}

static void
event_position_cb (GTask           *task,
                   ObWsmanResponse *response,
                   const GError    *error)
{
  JsonObject *output;
  gint64 iterator;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  output = ob_wsman_response_get_class_json (response, "PositionToFirstRecord_OUTPUT");
  if (!_ob_amt_json_get_int (output, "IterationIdentifier", &iterator))
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not open its event log");
      return;
    }

  event_get_records (task, iterator);
}

void
ob_amt_event_log_async (ObWsmanClient       *client,
                        guint                max_records,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  EventData *data;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_event_log_async);
  data = g_new0 (EventData, 1);
  data->max_records = max_records > 0 ? max_records : EVENT_LOG_MAX_READ;
  data->records = json_array_new ();
  g_task_set_task_data (task, data, (GDestroyNotify) event_data_free);

  _ob_amt_invoke (task, "AMT_MessageLog", "PositionToFirstRecord", NULL, event_position_cb);
}

JsonNode *
ob_amt_event_log_finish (ObWsmanClient  *client,
                         GAsyncResult   *result,
                         GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_event_log_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Audit log */

typedef struct
{
  int      skip;          /* newest records to leave out (the startIndex) */
  gboolean reread;
  gint64   keep;          /* how many of the re-read records belong to the page */
} AuditData;

static void audit_read (GTask  *task,
                        gint64  start_index);

static void
audit_records_cb (GTask           *task,
                  ObWsmanResponse *response,
                  const GError    *error)
{
  AuditData *data = g_task_get_task_data (task);
  JsonObject *output;
  gint64 total;
  gint64 returned;
  g_autoptr(GPtrArray) strings = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  guint n;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  output = ob_wsman_response_get_class_json (response, "ReadRecords_OUTPUT");
  if (output == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not return audit log records");
      return;
    }

  total = MAX (_ob_amt_json_int (output, "TotalRecordCount", 0), 0);
  returned = MAX (_ob_amt_json_int (output, "RecordsReturned", 0), 0);
  strings = record_strings (output, "EventRecords");

  /* AMT hands records out oldest first from the index asked for.  When the
   * log holds more than one answer's worth, read again from where the page
   * of newest records (after skipping startIndex of them) begins. */
  if (!data->reread && total > returned && returned > 0)
    {
      gint64 last = total - data->skip;
      gint64 first;

      if (last >= 1)
        {
          first = MAX (1, last - returned + 1);
          data->reread = TRUE;
          data->keep = last - first + 1;
          audit_read (task, first);
          return;
        }
      data->keep = 0;
    }
  else if (!data->reread)
    {
      data->keep = strings->len;
    }

  n = (guint) MIN ((gint64) strings->len, MAX (data->keep, 0));
  if (returned == 0)
    n = 0;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "totalCnt");
  json_builder_add_int_value (builder, total);
  json_builder_set_member_name (builder, "records");
  json_builder_begin_array (builder);
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(GError) local_error = NULL;
      JsonNode *record = ob_amt_audit_record_decode_base64 (g_ptr_array_index (strings, i - 1), &local_error);

      if (record == NULL)
        {
          g_debug ("Skipping an audit log record: %s", local_error->message);
          continue;
        }
      json_builder_add_value (builder, record);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  g_task_return_pointer (task, json_builder_get_root (builder), (GDestroyNotify) json_node_unref);
}

static void
audit_read (GTask  *task,
            gint64  start_index)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, start_index);
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("StartIndex", text, NULL);

  _ob_amt_invoke (task, "AMT_AuditLog", "ReadRecords", args, audit_records_cb);
}

void
ob_amt_audit_log_async (ObWsmanClient       *client,
                        int                  start_index,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AuditData *data;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_audit_log_async);
  data = g_new0 (AuditData, 1);
  data->skip = MAX (start_index, 0);
  g_task_set_task_data (task, data, g_free);

  audit_read (task, start_index <= 0 ? 1 : start_index);
}

JsonNode *
ob_amt_audit_log_finish (ObWsmanClient  *client,
                         GAsyncResult   *result,
                         GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_audit_log_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
