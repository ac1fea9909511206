/* ob-device-row.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-device-row.h"
#include "ob-power-actions.h"
#include "ob-ui-util.h"

struct _ObDeviceRow
{
  AdwBin parent_instance;

  ObDevice *device;
  ObDevicePresence *presence;
  gint64 next_change;           /* real time the words change, 0 never */
  gboolean selection_mode;
  gboolean selected;
  ObDeviceRowOperation operation;

  GtkCheckButton *check;
  GtkLabel *name_label;
  GtkLabel *transport_label;
  GtkLabel *details_label;
  GtkBox *tags_box;
  GtkImage *power_icon;
  GtkLabel *power_label;
  GtkImage *reach_icon;
  GtkLabel *reach_label;
  GtkStack *operation_stack;
  GtkImage *failed_icon;
};

G_DEFINE_FINAL_TYPE (ObDeviceRow, ob_device_row, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DEVICE,
  PROP_PRESENCE,
  PROP_SELECTION_MODE,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
ob_device_reachability_to_label (ObDeviceReachability reachability)
{
  switch (reachability)
    {
    case OB_DEVICE_REACHABILITY_REACHABLE:
      return _("Reachable");
    case OB_DEVICE_REACHABILITY_UNREACHABLE:
      return _("Unreachable");
    case OB_DEVICE_REACHABILITY_AUTH_FAILED:
      return _("Wrong password");
    case OB_DEVICE_REACHABILITY_UNKNOWN:
    default:
      return _("Not checked yet");
    }
}

static const char *
reachability_icon_name (ObDeviceReachability reachability)
{
  switch (reachability)
    {
    case OB_DEVICE_REACHABILITY_REACHABLE:
      return "network-wired-symbolic";
    case OB_DEVICE_REACHABILITY_UNREACHABLE:
      return "network-offline-symbolic";
    case OB_DEVICE_REACHABILITY_AUTH_FAILED:
      return "dialog-password-symbolic";
    case OB_DEVICE_REACHABILITY_UNKNOWN:
    default:
      return "content-loading-symbolic";
    }
}

const char *
ob_device_control_mode_to_label (ObDeviceControlMode mode)
{
  switch (mode)
    {
    case OB_DEVICE_CONTROL_MODE_ACM:
      return _("Admin control mode");
    case OB_DEVICE_CONTROL_MODE_CCM:
      return _("Client control mode");
    case OB_DEVICE_CONTROL_MODE_PRE_PROVISIONED:
      return _("Not provisioned");
    case OB_DEVICE_CONTROL_MODE_UNKNOWN:
    default:
      return NULL;
    }
}

static void
ob_device_row_update_tags (ObDeviceRow *self)
{
  const char * const *tags = self->device != NULL ? ob_device_get_tags (self->device) : NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->tags_box))) != NULL)
    gtk_box_remove (self->tags_box, child);

  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    {
      GtkWidget *label = gtk_label_new (tags[i]);

      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 16);
      gtk_widget_add_css_class (label, "ob-tag");
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (self->tags_box, label);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->tags_box), tags != NULL && tags[0] != NULL);
}

/* A CIRA device is connected while it has a transport; the presence,
 * when there is one, also knows since when it is gone. */
static gboolean
ob_device_row_cira_connected (ObDeviceRow *self)
{
  if (self->presence != NULL)
    return ob_device_presence_is_connected (self->presence, self->device);

  return ob_device_get_transport_source (self->device) != NULL;
}

static void
ob_device_row_update (ObDeviceRow *self)
{
  g_autoptr(GString) details = NULL;
  ObDeviceReachability reachability;
  const char *version;
  const char *mode;
  const char *reach_text;
  const char *reach_icon;
  gboolean cira;
  gboolean connected = TRUE;
  guint power_state;

  self->next_change = 0;

  if (self->device == NULL)
    {
      gtk_label_set_label (self->name_label, "");
      gtk_label_set_label (self->details_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->transport_label), FALSE);
      ob_device_row_update_tags (self);
      return;
    }

  gtk_label_set_label (self->name_label, ob_device_get_name (self->device));
  cira = ob_device_get_transport (self->device) == OB_DEVICE_TRANSPORT_CIRA;
  gtk_widget_set_visible (GTK_WIDGET (self->transport_label), cira);
  if (cira)
    connected = ob_device_row_cira_connected (self);

  details = g_string_new (NULL);

  /* A CIRA device that is away says first when it was last heard of:
   * the rest is what it said then. */
  if (cira && !connected)
    {
      gint64 last_seen = self->presence != NULL ? ob_device_presence_get_last_seen (self->presence, self->device) : 0;

      if (last_seen > 0)
        {
          gint64 now = g_get_real_time ();
          gint64 wait = 0;
          g_autofree char *ago = ob_format_time_ago (last_seen, now, &wait);

          /* Translators: %s is how long ago, such as "5 minutes ago" or "just now" */
          g_string_append_printf (details, _("Last seen %s"), ago);
          self->next_change = now + wait;
        }
      else
        {
          g_string_append (details, _("Never connected"));
        }
    }

  /* "host · AMT 16.1.25 · Admin control mode", leaving out what is not
   * known yet. */
  if (ob_device_get_host (self->device) != NULL && *ob_device_get_host (self->device) != '\0')
    g_string_append_printf (details, "%s%s", details->len > 0 ? " · " : "", ob_device_get_host (self->device));
  version = ob_device_get_amt_version (self->device);
  if (version != NULL && *version != '\0')
    {
      if (details->len > 0)
        g_string_append (details, " · ");
      /* Translators: the Intel AMT firmware version in a device's details */
      g_string_append_printf (details, _("AMT %s"), version);
    }
  mode = ob_device_control_mode_to_label (ob_device_get_control_mode (self->device));
  if (mode != NULL)
    g_string_append_printf (details, "%s%s", details->len > 0 ? " · " : "", mode);
  gtk_label_set_label (self->details_label, details->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->details_label), details->str);

  reachability = ob_device_get_reachability (self->device);
  if (cira && !connected)
    {
      reach_text = _("Disconnected");
      reach_icon = "network-offline-symbolic";
    }
  else if (cira && reachability != OB_DEVICE_REACHABILITY_AUTH_FAILED)
    {
      reach_text = _("Connected");
      reach_icon = "network-transmit-receive-symbolic";
    }
  else
    {
      reach_text = ob_device_reachability_to_label (reachability);
      reach_icon = reachability_icon_name (reachability);
    }
  gtk_image_set_from_icon_name (self->reach_icon, reach_icon);
  gtk_label_set_label (self->reach_label, reach_text);
  if (ob_device_get_last_error (self->device) != NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->reach_label), ob_device_get_last_error (self->device));
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->reach_label), NULL);

  /* A power state read before the device went away is stale; say so
   * rather than show it as current. */
  power_state = reachability == OB_DEVICE_REACHABILITY_REACHABLE && connected ?
                ob_device_get_power_state (self->device) : 0;
  gtk_image_set_from_icon_name (self->power_icon, ob_power_state_to_icon_name (power_state));
  gtk_label_set_label (self->power_label, ob_power_state_to_label (power_state));

  ob_device_row_update_tags (self);
}

static void
on_device_notify (ObDeviceRow *self,
                  GParamSpec  *pspec,
                  ObDevice    *device)
{
  ob_device_row_update (self);
}

static void
on_check_toggled (ObDeviceRow    *self,
                  GtkCheckButton *check)
{
  ob_device_row_set_selected (self, gtk_check_button_get_active (check));
}

static void
ob_device_row_dispose (GObject *object)
{
  ObDeviceRow *self = OB_DEVICE_ROW (object);

  ob_device_row_set_device (self, NULL);
  g_clear_object (&self->presence);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DEVICE_ROW);

  G_OBJECT_CLASS (ob_device_row_parent_class)->dispose (object);
}

static void
ob_device_row_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObDeviceRow *self = OB_DEVICE_ROW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;

    case PROP_PRESENCE:
      g_value_set_object (value, self->presence);
      break;

    case PROP_SELECTION_MODE:
      g_value_set_boolean (value, self->selection_mode);
      break;

    case PROP_SELECTED:
      g_value_set_boolean (value, self->selected);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_row_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ObDeviceRow *self = OB_DEVICE_ROW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      ob_device_row_set_device (self, g_value_get_object (value));
      break;

    case PROP_PRESENCE:
      ob_device_row_set_presence (self, g_value_get_object (value));
      break;

    case PROP_SELECTION_MODE:
      ob_device_row_set_selection_mode (self, g_value_get_boolean (value));
      break;

    case PROP_SELECTED:
      ob_device_row_set_selected (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_row_class_init (ObDeviceRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_device_row_dispose;
  object_class->get_property = ob_device_row_get_property;
  object_class->set_property = ob_device_row_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Where a CIRA device's last-seen time comes from. */
  properties[PROP_PRESENCE] =
    g_param_spec_object ("presence", NULL, NULL,
                         OB_TYPE_DEVICE_PRESENCE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SELECTION_MODE] =
    g_param_spec_boolean ("selection-mode", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SELECTED] =
    g_param_spec_boolean ("selected", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-device-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, check);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, transport_label);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, tags_box);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, power_icon);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, power_label);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, reach_icon);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, reach_label);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, operation_stack);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceRow, failed_icon);
  gtk_widget_class_bind_template_callback (widget_class, on_check_toggled);
}

static void
ob_device_row_init (ObDeviceRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  ob_device_row_update (self);
}

GtkWidget *
ob_device_row_new (void)
{
  return g_object_new (OB_TYPE_DEVICE_ROW, NULL);
}

/**
 * ob_device_row_get_device:
 * @self: an #ObDeviceRow
 *
 * Returns: (transfer none) (nullable): the device shown
 */
ObDevice *
ob_device_row_get_device (ObDeviceRow *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_ROW (self), NULL);

  return self->device;
}

void
ob_device_row_set_device (ObDeviceRow *self,
                          ObDevice    *device)
{
  g_return_if_fail (OB_IS_DEVICE_ROW (self));
  g_return_if_fail (device == NULL || OB_IS_DEVICE (device));

  if (self->device == device)
    return;

  if (self->device != NULL)
    g_signal_handlers_disconnect_by_func (self->device, on_device_notify, self);

  g_set_object (&self->device, device);

  /* Every property the row shows comes from the device; one handler for
   * all of them keeps the row in step without a binding per label. */
  if (device != NULL)
    g_signal_connect_object (device, "notify", G_CALLBACK (on_device_notify), self, G_CONNECT_SWAPPED);

  ob_device_row_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE]);
}

/**
 * ob_device_row_get_presence:
 * @self: an #ObDeviceRow
 *
 * Returns: (transfer none) (nullable): where last-seen times come from
 */
ObDevicePresence *
ob_device_row_get_presence (ObDeviceRow *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_ROW (self), NULL);

  return self->presence;
}

void
ob_device_row_set_presence (ObDeviceRow      *self,
                            ObDevicePresence *presence)
{
  g_return_if_fail (OB_IS_DEVICE_ROW (self));
  g_return_if_fail (presence == NULL || OB_IS_DEVICE_PRESENCE (presence));

  if (!g_set_object (&self->presence, presence))
    return;

  ob_device_row_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENCE]);
}

void
ob_device_row_refresh (ObDeviceRow *self)
{
  g_return_if_fail (OB_IS_DEVICE_ROW (self));

  ob_device_row_update (self);
}

gint64
ob_device_row_get_next_change (ObDeviceRow *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_ROW (self), 0);

  return self->next_change;
}

gboolean
ob_device_row_get_selection_mode (ObDeviceRow *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_ROW (self), FALSE);

  return self->selection_mode;
}

void
ob_device_row_set_selection_mode (ObDeviceRow *self,
                                  gboolean     selection_mode)
{
  g_return_if_fail (OB_IS_DEVICE_ROW (self));

  selection_mode = !!selection_mode;
  if (self->selection_mode == selection_mode)
    return;

  self->selection_mode = selection_mode;
  gtk_widget_set_visible (GTK_WIDGET (self->check), selection_mode);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION_MODE]);
}

gboolean
ob_device_row_get_selected (ObDeviceRow *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_ROW (self), FALSE);

  return self->selected;
}

void
ob_device_row_set_selected (ObDeviceRow *self,
                            gboolean     selected)
{
  g_return_if_fail (OB_IS_DEVICE_ROW (self));

  selected = !!selected;
  if (self->selected == selected)
    return;

  self->selected = selected;
  gtk_check_button_set_active (self->check, selected);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

ObDeviceRowOperation
ob_device_row_get_operation (ObDeviceRow *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_ROW (self), OB_DEVICE_ROW_OPERATION_NONE);

  return self->operation;
}

/**
 * ob_device_row_set_operation:
 * @self: an #ObDeviceRow
 * @operation: where the bulk action on this device stands
 * @message: (nullable): for a failure, what went wrong in plain words
 *
 * Shows a spinner while the action runs, then a check mark or an error
 * icon whose tooltip says what went wrong.
 */
void
ob_device_row_set_operation (ObDeviceRow          *self,
                             ObDeviceRowOperation  operation,
                             const char           *message)
{
  const char *page;

  g_return_if_fail (OB_IS_DEVICE_ROW (self));

  self->operation = operation;

  switch (operation)
    {
    case OB_DEVICE_ROW_OPERATION_RUNNING:
      page = "running";
      break;
    case OB_DEVICE_ROW_OPERATION_SUCCEEDED:
      page = "succeeded";
      break;
    case OB_DEVICE_ROW_OPERATION_FAILED:
      page = "failed";
      break;
    case OB_DEVICE_ROW_OPERATION_NONE:
    default:
      page = "none";
      break;
    }

  gtk_stack_set_visible_child_name (self->operation_stack, page);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->failed_icon), message);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->failed_icon),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message != NULL ? message : "",
                                  -1);
}
