/* ob-device-alarms.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-add-alarm-dialog.h"
#include "ob-amt-alarms.h"
#include "ob-device-alarms.h"
#include "ob-power-actions.h"
#include "ob-ui-util.h"

#define INSTANCE_ID_KEY "ob-instance-id"

struct _ObDeviceAlarms
{
  AdwBin parent_instance;

  ObDevice *device;
  GCancellable *cancellable;
  gboolean requested;

  GtkStack *stack;
  AdwStatusPage *error_page;
  GtkListBox *list_box;
};

G_DEFINE_FINAL_TYPE (ObDeviceAlarms, ob_device_alarms, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DEVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

char *
ob_alarm_describe_interval (guint minutes)
{
  g_autoptr(GPtrArray) parts = NULL;
  guint days = minutes / (24 * 60);
  guint hours = (minutes / 60) % 24;
  guint mins = minutes % 60;
  g_autofree char *joined = NULL;

  switch (minutes)
    {
    case 0:
      return g_strdup (_("Once"));
    case 60:
      return g_strdup (_("Every hour"));
    case 24 * 60:
      return g_strdup (_("Every day"));
    case 7 * 24 * 60:
      return g_strdup (_("Every week"));
    default:
      break;
    }

  parts = g_ptr_array_new_with_free_func (g_free);
  if (days > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day", "%u days", days), days));
  if (hours > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour", "%u hours", hours), hours));
  if (mins > 0)
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes", mins), mins));
  g_ptr_array_add (parts, NULL);

  joined = g_strjoinv (" ", (char **) parts->pdata);
  /* Translators: how often an alarm repeats, e.g. "Every 2 hours 30 minutes" */
  return g_strdup_printf (_("Every %s"), joined);
}

static char *
alarm_start_time (JsonObject *alarm)
{
  JsonNode *start;

  if (!json_object_has_member (alarm, "StartTime"))
    return NULL;

  start = json_object_get_member (alarm, "StartTime");
  if (JSON_NODE_HOLDS_OBJECT (start))
    {
      g_autofree char *iso = ob_json_member_to_text (json_node_get_object (start), "Datetime");

      return ob_format_iso_time (iso);
    }

  if (JSON_NODE_HOLDS_VALUE (start) && json_node_get_value_type (start) == G_TYPE_STRING)
    return ob_format_iso_time (json_node_get_string (start));

  return NULL;
}

static guint
alarm_interval_minutes (JsonObject *alarm)
{
  JsonNode *interval;

  if (json_object_has_member (alarm, "InternalInMinutes"))
    return (guint) CLAMP (json_object_get_int_member_with_default (alarm, "InternalInMinutes", 0), 0, G_MAXUINT);

  if (!json_object_has_member (alarm, "Interval"))
    return 0;

  interval = json_object_get_member (alarm, "Interval");
  if (JSON_NODE_HOLDS_OBJECT (interval))
    {
      g_autofree char *duration = ob_json_member_to_text (json_node_get_object (interval), "Interval");

      return duration != NULL ? ob_amt_alarm_parse_interval (duration) : 0;
    }

  return 0;
}

static GtkWidget *
create_alarm_row (JsonObject *alarm)
{
  g_autofree char *name = ob_json_member_to_text (alarm, "ElementName");
  g_autofree char *id = ob_json_member_to_text (alarm, "InstanceID");
  g_autofree char *start = alarm_start_time (alarm);
  g_autofree char *interval = ob_alarm_describe_interval (alarm_interval_minutes (alarm));
  g_autofree char *subtitle = NULL;
  g_autofree char *tooltip = NULL;
  GtkWidget *row;
  GtkWidget *button;

  if (id == NULL)
    id = g_strdup (name);

  row = adw_action_row_new ();
  /* The name comes from the device: text, not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name != NULL ? name : id != NULL ? id : "");
  /* Translators: when an alarm fires and how often, "2026-03-04 07:00:00 · Every day" */
  subtitle = g_strdup_printf (_("%s · %s"), start != NULL ? start : _("Unknown time"), interval);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("alarm-symbolic"));

  button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  tooltip = g_strdup_printf (_("Delete “%s”"), name != NULL ? name : id != NULL ? id : "");
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "alarms.delete");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", id != NULL ? id : "");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

  g_object_set_data_full (G_OBJECT (row), INSTANCE_ID_KEY, g_steal_pointer (&id), g_free);

  return row;
}

static void
show_error (ObDeviceAlarms *self,
            const char     *message)
{
  adw_status_page_set_description (self->error_page, message);
  gtk_stack_set_visible_child_name (self->stack, "error");
}

static void
on_alarms_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ObDeviceAlarms) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array;

  node = ob_amt_alarms_list_finish ((ObWsmanClient *) source, result, &error);
  ob_device_report_result (self->device, error);
  ob_device_release_busy (self->device);

  if (node == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = ob_describe_device_error (error);
      show_error (self, message);
      return;
    }

  ob_list_box_remove_all (self->list_box);
  array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (element))
        gtk_list_box_append (self->list_box, create_alarm_row (json_node_get_object (element)));
    }

  gtk_stack_set_visible_child_name (self->stack, "content");
}

static void
ob_device_alarms_read (ObDeviceAlarms *self,
                       gboolean        show_loading)
{
  ObWsmanClient *client = ob_device_get_wsman_client (self->device);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (client == NULL)
    {
      show_error (self, _("The device is not connected"));
      return;
    }

  self->cancellable = g_cancellable_new ();
  if (show_loading)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  ob_device_hold_busy (self->device);
  ob_amt_alarms_list_async (client, self->cancellable, on_alarms_read, g_object_ref (self));
}

void
ob_device_alarms_reload (ObDeviceAlarms *self)
{
  g_return_if_fail (OB_IS_DEVICE_ALARMS (self));

  self->requested = TRUE;
  ob_device_alarms_read (self, TRUE);
}

static void
on_alarm_added (ObDeviceAlarms    *self,
                const char        *name,
                ObAddAlarmDialog  *dialog)
{
  g_autofree char *message = g_strdup_printf (_("Alarm “%s” added"), name);

  ob_widget_show_toast (GTK_WIDGET (self), message);
  ob_device_alarms_read (self, FALSE);
}

static void
ob_device_alarms_add_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  ObDeviceAlarms *self = OB_DEVICE_ALARMS (widget);
  GtkWidget *dialog = ob_add_alarm_dialog_new (self->device);

  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (gtk_widget_get_root (widget)));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  g_signal_connect_object (dialog, "alarm-added", G_CALLBACK (on_alarm_added), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_alarm_deleted (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObDeviceAlarms) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = ob_amt_alarm_delete_finish ((ObWsmanClient *) source, result, &error);
  ob_device_report_result (self->device, error);
  ob_device_release_busy (self->device);

  if (node == NULL)
    {
      g_autofree char *reason = NULL;
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      reason = ob_describe_device_error (error);
      message = g_strdup_printf (_("The alarm could not be deleted: %s"), reason);
      ob_widget_show_toast (GTK_WIDGET (self), message);
    }

  ob_device_alarms_read (self, FALSE);
}

static void
on_delete_response (AdwMessageDialog *dialog,
                    const char       *response,
                    ObDeviceAlarms   *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), INSTANCE_ID_KEY);
  ObWsmanClient *client;

  if (g_strcmp0 (response, "delete") != 0)
    return;

  client = ob_device_get_wsman_client (self->device);
  if (client == NULL)
    {
      ob_widget_show_toast (GTK_WIDGET (self), _("The device is not connected"));
      return;
    }

  ob_device_hold_busy (self->device);
  ob_amt_alarm_delete_async (client, id, self->cancellable, on_alarm_deleted, g_object_ref (self));
}

void
ob_device_alarms_delete (ObDeviceAlarms *self,
                         const char     *instance_id)
{
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  g_return_if_fail (OB_IS_DEVICE_ALARMS (self));
  g_return_if_fail (instance_id != NULL);

  heading = g_strdup_printf (_("Delete Alarm “%s”?"), instance_id);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), heading,
                                   _("The device will no longer wake up at this time."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), INSTANCE_ID_KEY, g_strdup (instance_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ob_device_alarms_delete_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ob_device_alarms_delete (OB_DEVICE_ALARMS (widget), g_variant_get_string (param, NULL));
}

static void
ob_device_alarms_reload_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ob_device_alarms_reload (OB_DEVICE_ALARMS (widget));
}

static void
on_map (ObDeviceAlarms *self)
{
  if (!self->requested)
    ob_device_alarms_reload (self);
}

static void
ob_device_alarms_dispose (GObject *object)
{
  ObDeviceAlarms *self = OB_DEVICE_ALARMS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* The template's root is also a bound child, which dispose_template
   * unparents; AdwBin must let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DEVICE_ALARMS);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_device_alarms_parent_class)->dispose (object);
}

static void
ob_device_alarms_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ObDeviceAlarms *self = OB_DEVICE_ALARMS (object);

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
ob_device_alarms_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ObDeviceAlarms *self = OB_DEVICE_ALARMS (object);

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
ob_device_alarms_class_init (ObDeviceAlarmsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_device_alarms_dispose;
  object_class->get_property = ob_device_alarms_get_property;
  object_class->set_property = ob_device_alarms_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-device-alarms.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDeviceAlarms, stack);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceAlarms, error_page);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceAlarms, list_box);

  gtk_widget_class_install_action (widget_class, "alarms.add", NULL, ob_device_alarms_add_action);
  gtk_widget_class_install_action (widget_class, "alarms.delete", "s", ob_device_alarms_delete_action);
  gtk_widget_class_install_action (widget_class, "alarms.reload", NULL, ob_device_alarms_reload_action);
}

static void
ob_device_alarms_init (ObDeviceAlarms *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
}

GtkWidget *
ob_device_alarms_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_DEVICE_ALARMS, "device", device, NULL);
}

/**
 * ob_device_alarms_get_device:
 * @self: an #ObDeviceAlarms
 *
 * Returns: (transfer none): the device
 */
ObDevice *
ob_device_alarms_get_device (ObDeviceAlarms *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_ALARMS (self), NULL);

  return self->device;
}

const char *
ob_device_alarms_get_state (ObDeviceAlarms *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_ALARMS (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

GStrv
ob_device_alarms_dup_ids (ObDeviceAlarms *self)
{
  GStrvBuilder *builder;
  GStrv ids;

  g_return_val_if_fail (OB_IS_DEVICE_ALARMS (self), NULL);

  builder = g_strv_builder_new ();
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *id = g_object_get_data (G_OBJECT (child), INSTANCE_ID_KEY);

      if (id != NULL)
        g_strv_builder_add (builder, id);
    }

  ids = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ids;
}
