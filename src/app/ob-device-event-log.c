/* ob-device-event-log.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-amt-log-reader.h"
#include "ob-device-event-log.h"
#include "ob-log-entry.h"
#include "ob-log-view.h"
#include "ob-power-actions.h"
#include "ob-ui-util.h"

/* Records per page: a screenful on a laptop, a few scrolls on a phone. */
#define PAGE_SIZE 50

struct _ObDeviceEventLog
{
  AdwBin parent_instance;

  ObDevice *device;
  GCancellable *cancellable;
  gboolean requested;

  GListStore *records;   /* ObLogEntry, newest first */
  ObLogView *view;
};

G_DEFINE_FINAL_TYPE (ObDeviceEventLog, ob_device_event_log, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DEVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const column_titles[] = {
  N_("Time"),
  N_("Source"),
  N_("Severity"),
  N_("Description"),
  NULL
};

/* IPMI event severities as AMT_MessageLog records carry them. */
static const char *
severity_to_label (gint64 severity)
{
  switch (severity)
    {
    case 0:
      return _("Unspecified");
    case 1:
      return _("Monitor");
    case 2:
      return _("Information");
    case 4:
      return _("OK");
    case 8:
      return _("Non-critical");
    case 16:
      return _("Critical");
    case 32:
      return _("Non-recoverable");
    default:
      return _("Unknown");
    }
}

static ObLogEntry *
entry_from_record (JsonObject *record)
{
  g_autofree char *time = NULL;
  /* The reference names it TimeStamp; accept Time too. */
  g_autofree char *iso = json_object_has_member (record, "TimeStamp") ?
                         ob_json_member_to_text (record, "TimeStamp") :
                         ob_json_member_to_text (record, "Time");
  g_autofree char *source = ob_json_member_to_text (record, "EntityStr");
  g_autofree char *description = ob_json_member_to_text (record, "Desc");
  gint64 severity = json_object_get_int_member_with_default (record, "EventSeverity", -1);
  const char *fields[5];

  time = ob_format_iso_time (iso);
  fields[0] = time != NULL ? time : "";
  fields[1] = source != NULL ? source : "";
  fields[2] = severity_to_label (severity);
  fields[3] = description != NULL ? description : "";
  fields[4] = NULL;

  return ob_log_entry_new (fields);
}

static const char *
record_time (JsonObject *record)
{
  const char *member = json_object_has_member (record, "TimeStamp") ? "TimeStamp" : "Time";
  JsonNode *node = json_object_has_member (record, member) ? json_object_get_member (record, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return "";

  return json_node_get_string (node);
}

/* ISO 8601 UTC times compare as strings. */
static int
compare_records_newest_first (gconstpointer a,
                              gconstpointer b)
{
  JsonObject *record_a = *(JsonObject * const *) a;
  JsonObject *record_b = *(JsonObject * const *) b;

  return -g_strcmp0 (record_time (record_a), record_time (record_b));
}

static void
ob_device_event_log_show_page (ObDeviceEventLog *self)
{
  g_autoptr(GListStore) page = g_list_store_new (OB_TYPE_LOG_ENTRY);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->records));
  guint first = ob_log_view_get_page (self->view) * PAGE_SIZE;
  g_autofree char *summary = NULL;

  for (guint i = first; i < n && i < first + PAGE_SIZE; i++)
    {
      g_autoptr(GObject) entry = g_list_model_get_item (G_LIST_MODEL (self->records), i);

      g_list_store_append (page, entry);
    }

  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u record", "%u records", n), n);
  ob_log_view_set_entries (self->view, G_LIST_MODEL (page), summary);
}

static void
on_page_changed (ObDeviceEventLog *self)
{
  ob_device_event_log_show_page (self);
}

static void
on_log_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ObDeviceEventLog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) records = NULL;
  JsonArray *array;
  guint n;

  node = ob_amt_event_log_finish ((ObWsmanClient *) source, result, &error);
  ob_device_report_result (self->device, error);
  ob_device_release_busy (self->device);

  if (node == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = ob_describe_device_error (error);
      ob_log_view_set_error (self->view, message);
      return;
    }

  g_list_store_remove_all (self->records);
  array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  n = array != NULL ? json_array_get_length (array) : 0;

  /* Admins look for the newest: sort by time, newest first.  Firmware
   * differs in the order it hands records out; records without a time keep
   * their place relative to each other, after the timed ones. */
  records = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (element))
        g_ptr_array_add (records, json_node_get_object (element));
    }
  g_ptr_array_sort (records, compare_records_newest_first);

  for (guint i = 0; i < records->len; i++)
    {
      g_autoptr(ObLogEntry) entry = entry_from_record (g_ptr_array_index (records, i));

      g_list_store_append (self->records, entry);
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->records));
  g_signal_handlers_block_by_func (self->view, on_page_changed, self);
  ob_log_view_set_n_pages (self->view, (n + PAGE_SIZE - 1) / PAGE_SIZE);
  ob_log_view_set_page (self->view, 0);
  g_signal_handlers_unblock_by_func (self->view, on_page_changed, self);
  ob_device_event_log_show_page (self);
}

void
ob_device_event_log_reload (ObDeviceEventLog *self)
{
  ObWsmanClient *client;

  g_return_if_fail (OB_IS_DEVICE_EVENT_LOG (self));

  self->requested = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  client = ob_device_get_wsman_client (self->device);
  if (client == NULL)
    {
      ob_log_view_set_error (self->view, _("The device is not connected"));
      return;
    }

  self->cancellable = g_cancellable_new ();
  ob_log_view_set_loading (self->view);
  ob_device_hold_busy (self->device);
  ob_amt_event_log_async (client, 0, self->cancellable, on_log_read, g_object_ref (self));
}

GBytes *
ob_device_event_log_dup_csv (ObDeviceEventLog *self)
{
  g_autoptr(GPtrArray) titles = g_ptr_array_new ();

  g_return_val_if_fail (OB_IS_DEVICE_EVENT_LOG (self), NULL);

  if (g_list_model_get_n_items (G_LIST_MODEL (self->records)) == 0)
    return NULL;

  for (guint i = 0; column_titles[i] != NULL; i++)
    g_ptr_array_add (titles, (gpointer) _(column_titles[i]));
  g_ptr_array_add (titles, NULL);

  return ob_log_entries_to_csv ((const char * const *) titles->pdata, G_LIST_MODEL (self->records));
}

static void
on_export (ObDeviceEventLog *self)
{
  g_autoptr(GBytes) csv = ob_device_event_log_dup_csv (self);
  g_autofree char *part = NULL;
  g_autofree char *name = NULL;

  if (csv == NULL)
    return;

  part = ob_file_name_part (ob_device_get_name (self->device));
  /* Translators: the proposed file name of an exported event log */
  name = g_strdup_printf (_("%s-event-log.csv"), part);
  ob_save_bytes_with_chooser (GTK_WIDGET (self), _("Export Event Log"), name, csv);
}

static void
on_map (ObDeviceEventLog *self)
{
  /* Read the log the first time the tab is shown, not when the device
   * page opens: a busy device should not be asked for what nobody looks
   * at. */
  if (!self->requested)
    ob_device_event_log_reload (self);
}

static void
ob_device_event_log_dispose (GObject *object)
{
  ObDeviceEventLog *self = OB_DEVICE_EVENT_LOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->device);
  g_clear_object (&self->records);

  G_OBJECT_CLASS (ob_device_event_log_parent_class)->dispose (object);
}

static void
ob_device_event_log_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ObDeviceEventLog *self = OB_DEVICE_EVENT_LOG (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_event_log_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ObDeviceEventLog *self = OB_DEVICE_EVENT_LOG (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      self->device = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_event_log_class_init (ObDeviceEventLogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_device_event_log_dispose;
  object_class->get_property = ob_device_event_log_get_property;
  object_class->set_property = ob_device_event_log_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_device_event_log_init (ObDeviceEventLog *self)
{
  g_autoptr(GPtrArray) titles = g_ptr_array_new ();

  for (guint i = 0; column_titles[i] != NULL; i++)
    g_ptr_array_add (titles, (gpointer) _(column_titles[i]));
  g_ptr_array_add (titles, NULL);

  self->records = g_list_store_new (OB_TYPE_LOG_ENTRY);
  self->view = OB_LOG_VIEW (ob_log_view_new ((const char * const *) titles->pdata));
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->view));

  g_signal_connect_object (self->view, "notify::page", G_CALLBACK (on_page_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view, "reload", G_CALLBACK (ob_device_event_log_reload), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view, "export", G_CALLBACK (on_export), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
}

GtkWidget *
ob_device_event_log_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_DEVICE_EVENT_LOG, "device", device, NULL);
}

/**
 * ob_device_event_log_get_device:
 * @self: an #ObDeviceEventLog
 *
 * Returns: (transfer none): the device
 */
ObDevice *
ob_device_event_log_get_device (ObDeviceEventLog *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_EVENT_LOG (self), NULL);

  return self->device;
}

/**
 * ob_device_event_log_get_view:
 * @self: an #ObDeviceEventLog
 *
 * Returns: (transfer none): the table
 */
GtkWidget *
ob_device_event_log_get_view (ObDeviceEventLog *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_EVENT_LOG (self), NULL);

  return GTK_WIDGET (self->view);
}
