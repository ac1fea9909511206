/* ob-add-alarm-dialog.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-add-alarm-dialog.h"
#include "ob-amt-alarms.h"
#include "ob-amt-status.h"
#include "ob-power-actions.h"

struct _ObAddAlarmDialog
{
  AdwWindow parent_instance;

  ObDevice *device;
  GCancellable *cancellable;
  gboolean busy;
  char *error;

  AdwPreferencesGroup *group;
  AdwEntryRow *name_row;
  GtkMenuButton *date_button;
  GtkCalendar *calendar;
  GtkSpinButton *hour_spin;
  GtkSpinButton *minute_spin;
  AdwComboRow *repeat_row;
  GtkWidget *status_box;
  GtkStack *status_icon_stack;
  GtkLabel *status_label;
};

G_DEFINE_FINAL_TYPE (ObAddAlarmDialog, ob_add_alarm_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_DEVICE,
  N_PROPS
};

enum {
  ALARM_ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The repeat choices, in the combo's order. */
static const guint repeat_minutes[] = { 0, 60, 24 * 60, 7 * 24 * 60 };

static void
set_error (ObAddAlarmDialog *self,
           const char       *message)
{
  g_free (self->error);
  self->error = g_strdup (message);

  gtk_widget_set_visible (self->status_box, message != NULL);
  gtk_stack_set_visible_child_name (self->status_icon_stack, "error");
  gtk_label_set_label (self->status_label, message != NULL ? message : "");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
set_working (ObAddAlarmDialog *self)
{
  g_clear_pointer (&self->error, g_free);
  gtk_widget_set_visible (self->status_box, TRUE);
  gtk_stack_set_visible_child_name (self->status_icon_stack, "spinner");
  gtk_label_set_label (self->status_label, _("Adding the alarm…"));
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static char *
dup_name (ObAddAlarmDialog *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
}

static void
update_date_label (ObAddAlarmDialog *self)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (self->calendar);
  /* Translators: the date of an alarm on its button, see g_date_time_format() */
  g_autofree char *text = g_date_time_format (date, _("%a %e %b %Y"));

  gtk_menu_button_set_label (self->date_button, text);
}

static void
update_actions (ObAddAlarmDialog *self)
{
  g_autofree char *name = dup_name (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "alarm.add", *name != '\0' && !self->busy);
}

static void
on_changed (ObAddAlarmDialog *self)
{
  if (!self->busy)
    set_error (self, NULL);
  update_actions (self);
}

static void
on_date_changed (ObAddAlarmDialog *self)
{
  update_date_label (self);
  on_changed (self);
}

static gboolean
on_time_output (GtkSpinButton    *spin,
                ObAddAlarmDialog *self)
{
  g_autofree char *text = g_strdup_printf ("%02d", gtk_spin_button_get_value_as_int (spin));

  /* Two digits, as clocks show them. */
  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);

  return TRUE;
}

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(ObAddAlarmDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *name = NULL;

  node = ob_amt_alarm_add_finish ((ObWsmanClient *) source, result, &error);
  ob_device_report_result (self->device, error);
  ob_device_release_busy (self->device);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->busy = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->group), TRUE);
  update_actions (self);

  if (node == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, OB_AMT_ERROR, OB_AMT_ERROR_QUOTA_EXCEEDED))
        message = g_strdup (_("The device holds no more alarms; delete one first"));
      else
        message = ob_describe_device_error (error);
      set_error (self, message);
      return;
    }

  name = dup_name (self);
  g_signal_emit (self, signals[ALARM_ADDED], 0, name);
  gtk_window_close (GTK_WINDOW (self));
}

static void
ob_add_alarm_dialog_add_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ObAddAlarmDialog *self = OB_ADD_ALARM_DIALOG (widget);
  g_autofree char *name = dup_name (self);
  g_autoptr(GDateTime) start = ob_add_alarm_dialog_dup_start (self);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) utc = NULL;
  ObWsmanClient *client;
  guint interval;

  if (self->busy || *name == '\0')
    return;

  if (g_date_time_compare (start, now) <= 0)
    {
      set_error (self, _("Choose a time in the future"));
      return;
    }

  client = ob_device_get_wsman_client (self->device);
  if (client == NULL)
    {
      set_error (self, _("The device is not connected"));
      return;
    }

  interval = ob_add_alarm_dialog_get_interval (self);
  utc = g_date_time_to_utc (start);

  self->busy = TRUE;
  /* Off the entry before it turns insensitive (see the add device
   * dialog). */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->group), FALSE);
  update_actions (self);
  set_working (self);

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ob_device_hold_busy (self->device);
  /* A one-time alarm goes away once it has woken the device, as in the
   * reference; a repeating one stays. */
  ob_amt_alarm_add_async (client, name, utc, interval, NULL, interval == 0,
                          self->cancellable, on_added, g_object_ref (self));
}

static gboolean
ob_add_alarm_dialog_close_request (GtkWindow *window)
{
  ObAddAlarmDialog *self = OB_ADD_ALARM_DIALOG (window);

  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (ob_add_alarm_dialog_parent_class)->close_request (window);
}

static void
ob_add_alarm_dialog_dispose (GObject *object)
{
  ObAddAlarmDialog *self = OB_ADD_ALARM_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_ADD_ALARM_DIALOG);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_add_alarm_dialog_parent_class)->dispose (object);
}

static void
ob_add_alarm_dialog_finalize (GObject *object)
{
  ObAddAlarmDialog *self = OB_ADD_ALARM_DIALOG (object);

  g_free (self->error);

  G_OBJECT_CLASS (ob_add_alarm_dialog_parent_class)->finalize (object);
}

static void
ob_add_alarm_dialog_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ObAddAlarmDialog *self = OB_ADD_ALARM_DIALOG (object);

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
ob_add_alarm_dialog_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ObAddAlarmDialog *self = OB_ADD_ALARM_DIALOG (object);

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
ob_add_alarm_dialog_class_init (ObAddAlarmDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ob_add_alarm_dialog_dispose;
  object_class->finalize = ob_add_alarm_dialog_finalize;
  object_class->get_property = ob_add_alarm_dialog_get_property;
  object_class->set_property = ob_add_alarm_dialog_set_property;

  window_class->close_request = ob_add_alarm_dialog_close_request;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ObAddAlarmDialog::alarm-added:
   * @name: the alarm's name
   *
   * The device accepted the alarm; the dialog closes right after.
   */
  signals[ALARM_ADDED] =
    g_signal_new ("alarm-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-add-alarm-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, group);
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, date_button);
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, calendar);
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, hour_spin);
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, minute_spin);
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, repeat_row);
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, status_box);
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, status_icon_stack);
  gtk_widget_class_bind_template_child (widget_class, ObAddAlarmDialog, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_date_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_time_output);

  gtk_widget_class_install_action (widget_class, "alarm.add", NULL, ob_add_alarm_dialog_add_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_add_alarm_dialog_init (ObAddAlarmDialog *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) next_hour = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The next full hour: a sensible first guess that is in the future. */
  next_hour = g_date_time_add_full (now, 0, 0, 0, 1, -g_date_time_get_minute (now),
                                    -g_date_time_get_seconds (now));
  ob_add_alarm_dialog_set_start (self, next_hour);

  update_actions (self);
}

GtkWidget *
ob_add_alarm_dialog_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_ADD_ALARM_DIALOG, "device", device, NULL);
}

/**
 * ob_add_alarm_dialog_get_device:
 * @self: an #ObAddAlarmDialog
 *
 * Returns: (transfer none): the device
 */
ObDevice *
ob_add_alarm_dialog_get_device (ObAddAlarmDialog *self)
{
  g_return_val_if_fail (OB_IS_ADD_ALARM_DIALOG (self), NULL);

  return self->device;
}

GDateTime *
ob_add_alarm_dialog_dup_start (ObAddAlarmDialog *self)
{
  g_autoptr(GDateTime) date = NULL;

  g_return_val_if_fail (OB_IS_ADD_ALARM_DIALOG (self), NULL);

  date = gtk_calendar_get_date (self->calendar);
  return g_date_time_new_local (g_date_time_get_year (date),
                                g_date_time_get_month (date),
                                g_date_time_get_day_of_month (date),
                                gtk_spin_button_get_value_as_int (self->hour_spin),
                                gtk_spin_button_get_value_as_int (self->minute_spin),
                                0);
}

void
ob_add_alarm_dialog_set_start (ObAddAlarmDialog *self,
                               GDateTime        *start)
{
  g_autoptr(GDateTime) local = NULL;

  g_return_if_fail (OB_IS_ADD_ALARM_DIALOG (self));
  g_return_if_fail (start != NULL);

  local = g_date_time_to_local (start);
  gtk_calendar_select_day (self->calendar, local);
  gtk_spin_button_set_value (self->hour_spin, g_date_time_get_hour (local));
  gtk_spin_button_set_value (self->minute_spin, g_date_time_get_minute (local));
  update_date_label (self);
}

guint
ob_add_alarm_dialog_get_interval (ObAddAlarmDialog *self)
{
  guint selected;

  g_return_val_if_fail (OB_IS_ADD_ALARM_DIALOG (self), 0);

  selected = adw_combo_row_get_selected (self->repeat_row);
  return selected < G_N_ELEMENTS (repeat_minutes) ? repeat_minutes[selected] : 0;
}

const char *
ob_add_alarm_dialog_get_error (ObAddAlarmDialog *self)
{
  g_return_val_if_fail (OB_IS_ADD_ALARM_DIALOG (self), NULL);

  return self->error;
}
