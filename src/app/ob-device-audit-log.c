/* ob-device-audit-log.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-amt-log-reader.h"
#include "ob-device-audit-log.h"
#include "ob-log-entry.h"
#include "ob-log-view.h"
#include "ob-power-actions.h"
#include "ob-ui-util.h"

/* A log longer than this is not read whole for an export; AMT's own audit
 * log holds far fewer records. */
#define MAX_EXPORT_RECORDS 20000

struct _ObDeviceAuditLog
{
  AdwBin parent_instance;

  ObDevice *device;
  GCancellable *cancellable;
  GCancellable *export_cancellable;
  gboolean requested;

  /* The device decides how many records one read returns; the first read
   * tells, and the pages follow from it. */
  guint page_size;
  gint64 total;

  ObLogView *view;
};

G_DEFINE_FINAL_TYPE (ObDeviceAuditLog, ob_device_audit_log, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DEVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const column_titles[] = {
  N_("Time"),
  N_("Event"),
  N_("Initiator"),
  N_("Application"),
  N_("Address"),
  N_("Details"),
  NULL
};

static GStrv
translated_titles (void)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv titles;

  for (guint i = 0; column_titles[i] != NULL; i++)
    g_strv_builder_add (builder, _(column_titles[i]));

  titles = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return titles;
}

static ObLogEntry *
entry_from_record (JsonObject *record)
{
  g_autofree char *iso = ob_json_member_to_text (record, "Time");
  g_autofree char *time = ob_format_iso_time (iso);
  g_autofree char *event = ob_json_member_to_text (record, "Event");
  g_autofree char *initiator = ob_json_member_to_text (record, "Initiator");
  g_autofree char *app = ob_json_member_to_text (record, "AuditApp");
  g_autofree char *address = ob_json_member_to_text (record, "NetAddress");
  g_autofree char *details = ob_json_member_to_text (record, "ExStr");
  const char *fields[] = {
    time != NULL ? time : "",
    event != NULL ? event : "",
    initiator != NULL ? initiator : "",
    app != NULL ? app : "",
    address != NULL ? address : "",
    details != NULL ? details : "",
    NULL
  };

  return ob_log_entry_new (fields);
}

/* Appends the records of one ReadRecords page to @store; returns how many
 * there were and the log's total. */
static guint
append_records (JsonNode   *node,
                GListStore *store,
                gint64     *total)
{
  JsonObject *object;
  JsonArray *records;
  guint n = 0;

  *total = 0;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return 0;

  object = json_node_get_object (node);
  *total = json_object_get_int_member_with_default (object, "totalCnt", 0);
  if (!json_object_has_member (object, "records") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "records")))
    return 0;

  records = json_object_get_array_member (object, "records");
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonNode *element = json_array_get_element (records, i);
      g_autoptr(ObLogEntry) entry = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      entry = entry_from_record (json_node_get_object (element));
      g_list_store_append (store, entry);
      n++;
    }

  return n;
}

static void ob_device_audit_log_read_page (ObDeviceAuditLog *self);

static void
on_page_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ObDeviceAuditLog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GListStore) store = NULL;
  g_autofree char *summary = NULL;
  guint page = ob_log_view_get_page (self->view);
  guint n;

  node = ob_amt_audit_log_finish ((ObWsmanClient *) source, result, &error);
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

  store = g_list_store_new (OB_TYPE_LOG_ENTRY);
  n = append_records (node, store, &self->total);
  if (page == 0 && n > 0)
    self->page_size = n;

  if (self->page_size > 0)
    ob_log_view_set_n_pages (self->view, (guint) ((self->total + self->page_size - 1) / self->page_size));
  else
    ob_log_view_set_n_pages (self->view, self->total > 0 ? 1 : 0);

  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u record", "%u records", (gulong) self->total),
                             (guint) self->total);
  ob_log_view_set_entries (self->view, G_LIST_MODEL (store), summary);
}

static void
ob_device_audit_log_read_page (ObDeviceAuditLog *self)
{
  ObWsmanClient *client = ob_device_get_wsman_client (self->device);
  guint page = ob_log_view_get_page (self->view);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (client == NULL)
    {
      ob_log_view_set_error (self->view, _("The device is not connected"));
      return;
    }

  self->cancellable = g_cancellable_new ();
  ob_log_view_set_loading (self->view);
  ob_device_hold_busy (self->device);
  /* The start index counts the newest records to leave out. */
  ob_amt_audit_log_async (client, (int) MIN ((guint64) page * self->page_size, G_MAXINT),
                          self->cancellable, on_page_read, g_object_ref (self));
}

static void
on_page_changed (ObDeviceAuditLog *self)
{
  ob_device_audit_log_read_page (self);
}

void
ob_device_audit_log_reload (ObDeviceAuditLog *self)
{
  g_return_if_fail (OB_IS_DEVICE_AUDIT_LOG (self));

  self->requested = TRUE;
  g_signal_handlers_block_by_func (self->view, on_page_changed, self);
  ob_log_view_set_page (self->view, 0);
  g_signal_handlers_unblock_by_func (self->view, on_page_changed, self);
  ob_device_audit_log_read_page (self);
}

typedef struct
{
  GListStore *records;
  gint64 skip;
} ExportData;

static void
export_data_free (ExportData *data)
{
  g_clear_object (&data->records);
  g_free (data);
}

static void export_read_next (GTask *task);

static void
on_export_page (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObDeviceAuditLog *self = g_task_get_source_object (task);
  ExportData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_auto(GStrv) titles = NULL;
  gint64 total = 0;
  guint n;

  node = ob_amt_audit_log_finish ((ObWsmanClient *) source, result, &error);
  ob_device_report_result (self->device, error);
  ob_device_release_busy (self->device);

  if (node == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  n = append_records (node, data->records, &total);
  data->skip += n;

  if (n > 0 && data->skip < total && data->skip < MAX_EXPORT_RECORDS)
    {
      export_read_next (g_steal_pointer (&task));
      return;
    }

  titles = translated_titles ();
  g_task_return_pointer (task,
                         ob_log_entries_to_csv ((const char * const *) titles, G_LIST_MODEL (data->records)),
                         (GDestroyNotify) g_bytes_unref);
}

static void
export_read_next (GTask *task)
{
  ObDeviceAuditLog *self = g_task_get_source_object (task);
  ExportData *data = g_task_get_task_data (task);
  ObWsmanClient *client = ob_device_get_wsman_client (self->device);

  if (client == NULL)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED,
                               _("The device is not connected"));
      g_object_unref (task);
      return;
    }

  ob_device_hold_busy (self->device);
  ob_amt_audit_log_async (client, (int) data->skip, g_task_get_cancellable (task),
                          on_export_page, task);
}

void
ob_device_audit_log_read_csv_async (ObDeviceAuditLog    *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  ExportData *data;

  g_return_if_fail (OB_IS_DEVICE_AUDIT_LOG (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_device_audit_log_read_csv_async);
  data = g_new0 (ExportData, 1);
  data->records = g_list_store_new (OB_TYPE_LOG_ENTRY);
  g_task_set_task_data (task, data, (GDestroyNotify) export_data_free);

  export_read_next (task);
}

GBytes *
ob_device_audit_log_read_csv_finish (ObDeviceAuditLog  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_export_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ObDeviceAuditLog *self = OB_DEVICE_AUDIT_LOG (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) csv = NULL;
  g_autofree char *part = NULL;
  g_autofree char *name = NULL;

  csv = ob_device_audit_log_read_csv_finish (self, result, &error);
  if (csv == NULL)
    {
      g_autofree char *reason = NULL;
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      ob_log_view_set_exporting (self->view, FALSE);
      reason = ob_describe_device_error (error);
      message = g_strdup_printf (_("The audit log could not be read: %s"), reason);
      ob_widget_show_toast (GTK_WIDGET (self), message);
      return;
    }

  ob_log_view_set_exporting (self->view, FALSE);
  part = ob_file_name_part (ob_device_get_name (self->device));
  /* Translators: the proposed file name of an exported audit log */
  name = g_strdup_printf (_("%s-audit-log.csv"), part);
  ob_save_bytes_with_chooser (GTK_WIDGET (self), _("Export Audit Log"), name, csv);
}

static void
on_export (ObDeviceAuditLog *self)
{
  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);
  self->export_cancellable = g_cancellable_new ();

  ob_log_view_set_exporting (self->view, TRUE);
  ob_device_audit_log_read_csv_async (self, self->export_cancellable, on_export_read, NULL);
}

static void
on_map (ObDeviceAuditLog *self)
{
  if (!self->requested)
    ob_device_audit_log_reload (self);
}

static void
ob_device_audit_log_dispose (GObject *object)
{
  ObDeviceAuditLog *self = OB_DEVICE_AUDIT_LOG (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->export_cancellable);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_device_audit_log_parent_class)->dispose (object);
}

static void
ob_device_audit_log_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ObDeviceAuditLog *self = OB_DEVICE_AUDIT_LOG (object);

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
ob_device_audit_log_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ObDeviceAuditLog *self = OB_DEVICE_AUDIT_LOG (object);

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
ob_device_audit_log_class_init (ObDeviceAuditLogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_device_audit_log_dispose;
  object_class->get_property = ob_device_audit_log_get_property;
  object_class->set_property = ob_device_audit_log_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_device_audit_log_init (ObDeviceAuditLog *self)
{
  g_auto(GStrv) titles = translated_titles ();

  self->view = OB_LOG_VIEW (ob_log_view_new ((const char * const *) titles));
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->view));

  g_signal_connect_object (self->view, "notify::page", G_CALLBACK (on_page_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view, "reload", G_CALLBACK (ob_device_audit_log_reload), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view, "export", G_CALLBACK (on_export), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
}

GtkWidget *
ob_device_audit_log_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_DEVICE_AUDIT_LOG, "device", device, NULL);
}

/**
 * ob_device_audit_log_get_device:
 * @self: an #ObDeviceAuditLog
 *
 * Returns: (transfer none): the device
 */
ObDevice *
ob_device_audit_log_get_device (ObDeviceAuditLog *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_AUDIT_LOG (self), NULL);

  return self->device;
}

/**
 * ob_device_audit_log_get_view:
 * @self: an #ObDeviceAuditLog
 *
 * Returns: (transfer none): the table
 */
GtkWidget *
ob_device_audit_log_get_view (ObDeviceAuditLog *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_AUDIT_LOG (self), NULL);

  return GTK_WIDGET (self->view);
}
