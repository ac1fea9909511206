/* ob-device-page.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-amt-power.h"
#include "ob-device-alarms.h"
#include "ob-device-audit-log.h"
#include "ob-device-event-log.h"
#include "ob-device-features.h"
#include "ob-device-hardware.h"
#include "ob-device-overview.h"
#include "ob-device-page.h"
#include "ob-kvm-window.h"
#include "ob-sol-window.h"
#include "ob-power-actions.h"
#include "ob-ui-util.h"

struct _ObDevicePage
{
  AdwBin parent_instance;

  ObDevice *device;
  ObDeviceRegistry *registry;
  gboolean folded;

  GCancellable *cancellable;
  JsonNode *capabilities;
  gboolean capabilities_loaded;
  GMenu *power_menu;
  guint power_busy;

  AdwViewSwitcherTitle *switcher_title;
  AdwViewStack *view_stack;
  GtkStack *logs_stack;
  GtkMenuButton *power_button;
  GtkSpinner *busy_spinner;
};

G_DEFINE_FINAL_TYPE (ObDevicePage, ob_device_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DEVICE,
  PROP_REGISTRY,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One section per group, with only what the device can do. */
static void
ob_device_page_rebuild_power_menu (ObDevicePage *self)
{
  g_menu_remove_all (self->power_menu);
  ob_power_actions_append_sections (self->power_menu, self->capabilities, "device.power", TRUE);
}

static void
on_capabilities (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObDevicePage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = ob_amt_power_capabilities_finish ((ObWsmanClient *) source, result, &error);
  if (node == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The basic actions stay in the menu; the device may answer later. */
      g_debug ("Could not read the power capabilities of %s: %s",
               ob_device_get_guid (self->device), error->message);
      return;
    }

  g_clear_pointer (&self->capabilities, json_node_unref);
  self->capabilities = g_steal_pointer (&node);
  self->capabilities_loaded = TRUE;
  ob_device_page_rebuild_power_menu (self);
}

static void
ob_device_page_load_capabilities (ObDevicePage *self)
{
  ObWsmanClient *client = ob_device_get_wsman_client (self->device);

  if (client == NULL)
    return;

  ob_amt_power_capabilities_async (client, self->cancellable, on_capabilities, g_object_ref (self));
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ObDevicePage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_device_refresh_finish (OB_DEVICE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Refreshing %s failed: %s", ob_device_get_guid (OB_DEVICE (source)), error->message);
      /* The overview shows the device's last error. */
      return;
    }

  if (!self->capabilities_loaded)
    ob_device_page_load_capabilities (self);
}

static void
ob_device_page_refresh (ObDevicePage *self)
{
  ob_device_refresh_async (self->device, self->cancellable, on_refreshed, g_object_ref (self));
}

static void
ob_device_page_update_title (ObDevicePage *self)
{
  adw_view_switcher_title_set_title (self->switcher_title, ob_device_get_name (self->device));
  adw_view_switcher_title_set_subtitle (self->switcher_title, ob_device_get_host (self->device));
}

static void
ob_device_page_update_busy (ObDevicePage *self)
{
  gboolean busy = ob_device_get_busy (self->device) || self->power_busy > 0;

  gtk_spinner_set_spinning (self->busy_spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->busy_spinner), busy);
}

typedef struct
{
  ObDevicePage *self;
  int action;
} PowerRun;

static void
on_power_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PowerRun *run = user_data;
  g_autoptr(ObDevicePage) self = run->self;
  g_autofree char *message = ob_power_action_run_finish_message (run->action, result);

  g_free (run);

  self->power_busy--;
  if (self->device != NULL)
    ob_device_page_update_busy (self);

  if (message != NULL)
    ob_widget_show_toast (GTK_WIDGET (self), message);
}

static void
ob_device_page_start_power_action (ObDevicePage *self,
                                   int           action)
{
  PowerRun *run = g_new0 (PowerRun, 1);

  run->self = g_object_ref (self);
  run->action = action;
  self->power_busy++;
  ob_device_page_update_busy (self);
  ob_power_action_run_async (self->device, action, self->cancellable, on_power_done, run);
}

static void
on_power_confirm_response (AdwMessageDialog *dialog,
                           const char       *response,
                           ObDevicePage     *self)
{
  int action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ob-action"));

  if (g_strcmp0 (response, "run") == 0)
    ob_device_page_start_power_action (self, action);
}

static void
ob_device_page_power_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  ObDevicePage *self = OB_DEVICE_PAGE (widget);
  int action = g_variant_get_int32 (param);
  const ObPowerActionInfo *info = ob_power_actions_lookup (action);
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (info == NULL)
    return;

  if (info->confirm_body == NULL)
    {
      ob_device_page_start_power_action (self, action);
      return;
    }

  /* Translators: a confirmation heading, e.g. "Power Off “lab-pc-3”?" */
  heading = g_strdup_printf (_("%s “%s”?"), _(info->label), ob_device_get_name (self->device));
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), heading, _(info->confirm_body));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "run", _(info->label),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "run", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "ob-action", GINT_TO_POINTER (action));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_power_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ob_device_page_refresh_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *param)
{
  ObDevicePage *self = OB_DEVICE_PAGE (widget);
  GtkWidget *tab = adw_view_stack_get_visible_child (self->view_stack);

  ob_device_page_refresh (self);
  if (!self->capabilities_loaded)
    ob_device_page_load_capabilities (self);

  /* The tab in view is read again too; the others when next shown. */
  if (tab != NULL && gtk_widget_is_ancestor (GTK_WIDGET (self->logs_stack), tab))
    tab = gtk_stack_get_visible_child (self->logs_stack);

  if (OB_IS_DEVICE_HARDWARE (tab))
    ob_device_hardware_reload (OB_DEVICE_HARDWARE (tab));
  else if (OB_IS_DEVICE_FEATURES (tab))
    ob_device_features_reload (OB_DEVICE_FEATURES (tab));
  else if (OB_IS_DEVICE_ALARMS (tab))
    ob_device_alarms_reload (OB_DEVICE_ALARMS (tab));
  else if (OB_IS_DEVICE_EVENT_LOG (tab))
    ob_device_event_log_reload (OB_DEVICE_EVENT_LOG (tab));
  else if (OB_IS_DEVICE_AUDIT_LOG (tab))
    ob_device_audit_log_reload (OB_DEVICE_AUDIT_LOG (tab));
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ObDevicePage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_device_registry_remove_device_finish (OB_DEVICE_REGISTRY (source), result, &error))
    {
      g_autofree char *reason = NULL;
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      reason = ob_describe_device_error (error);
      message = g_strdup_printf (_("The device could not be removed: %s"), reason);
      ob_widget_show_toast (GTK_WIDGET (self), message);
    }

  /* On success the devices page leaves this page as the device leaves
   * the registry. */
}

static void
on_remove_confirm_response (AdwMessageDialog *dialog,
                            const char       *response,
                            ObDevicePage     *self)
{
  if (g_strcmp0 (response, "remove") != 0 || self->registry == NULL)
    return;

  ob_device_registry_remove_device_async (self->registry, ob_device_get_guid (self->device),
                                          NULL, on_removed, g_object_ref (self));
}

static void
ob_device_page_remove_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  ObDevicePage *self = OB_DEVICE_PAGE (widget);
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (self->registry == NULL)
    return;

  heading = g_strdup_printf (_("Remove “%s”?"), ob_device_get_name (self->device));
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), heading,
                                   _("Outband forgets the device and its password. "
                                     "The device itself is not changed, and you can add it again."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_device_notify (ObDevicePage *self,
                  GParamSpec   *pspec,
                  ObDevice     *device)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "name") || g_str_equal (name, "host"))
    ob_device_page_update_title (self);
  else if (g_str_equal (name, "busy"))
    ob_device_page_update_busy (self);
  else if (g_str_equal (name, "kvm-enabled"))
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "device.kvm",
                                   ob_device_get_kvm_enabled (self->device));
  else if (g_str_equal (name, "sol-enabled"))
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "device.sol",
                                   ob_device_get_sol_enabled (self->device));
}

/* Opens the remote desktop in a window of its own, beside the device page
 * (the session starts at once). */
static void
ob_device_page_kvm_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  ObDevicePage *self = OB_DEVICE_PAGE (widget);
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (widget));
  GtkWidget *window = ob_kvm_window_new (self->device);

  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (window), gtk_window_get_application (parent));
  gtk_window_present (GTK_WINDOW (window));
}

/* Opens the serial console (SOL) in a window of its own, like the remote
 * desktop. */
static void
ob_device_page_sol_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  ObDevicePage *self = OB_DEVICE_PAGE (widget);
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (widget));
  GtkWidget *window = ob_sol_window_new (self->device);

  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (window), gtk_window_get_application (parent));
  gtk_window_present (GTK_WINDOW (window));
}

static void
ob_device_page_add_tab (ObDevicePage *self,
                        GtkWidget    *child,
                        const char   *name,
                        const char   *title,
                        const char   *icon_name)
{
  AdwViewStackPage *page = adw_view_stack_add_titled (self->view_stack, child, name, title);

  adw_view_stack_page_set_icon_name (page, icon_name);
}

/* The event log and the audit log share one tab, so that the tabs still
 * fit a phone's width. */
static GtkWidget *
ob_device_page_create_logs (ObDevicePage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *switcher = gtk_stack_switcher_new ();

  self->logs_stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->logs_stack), TRUE);
  gtk_stack_add_titled (self->logs_stack, ob_device_event_log_new (self->device), "events", _("Events"));
  gtk_stack_add_titled (self->logs_stack, ob_device_audit_log_new (self->device), "audit", _("Audit Log"));

  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), self->logs_stack);
  gtk_widget_set_halign (switcher, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (switcher, 6);
  gtk_widget_set_margin_bottom (switcher, 6);

  gtk_box_append (GTK_BOX (box), switcher);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->logs_stack));

  return box;
}

static void
ob_device_page_constructed (GObject *object)
{
  ObDevicePage *self = OB_DEVICE_PAGE (object);

  G_OBJECT_CLASS (ob_device_page_parent_class)->constructed (object);

  g_assert (OB_IS_DEVICE (self->device));

  ob_device_page_add_tab (self, ob_device_overview_new (self->device), "overview",
                          _("Overview"), "computer-symbolic");
  ob_device_page_add_tab (self, ob_device_hardware_new (self->device), "hardware",
                          _("Hardware"), "application-x-firmware-symbolic");
  ob_device_page_add_tab (self, ob_device_page_create_logs (self), "logs",
                          _("Logs"), "document-open-recent-symbolic");
  ob_device_page_add_tab (self, ob_device_features_new (self->device), "features",
                          _("Features"), "emblem-system-symbolic");
  ob_device_page_add_tab (self, ob_device_alarms_new (self->device), "alarms",
                          _("Alarms"), "alarm-symbolic");

  g_signal_connect_object (self->device, "notify", G_CALLBACK (on_device_notify), self, G_CONNECT_SWAPPED);
  ob_device_page_update_title (self);
  ob_device_page_update_busy (self);
  ob_device_page_rebuild_power_menu (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "device.remove", self->registry != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "device.kvm", ob_device_get_kvm_enabled (self->device));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "device.sol", ob_device_get_sol_enabled (self->device));

  /* Opening a device shows its current state: refresh it, then read what
   * it can do for the power menu. */
  ob_device_page_refresh (self);
}

static void
ob_device_page_dispose (GObject *object)
{
  ObDevicePage *self = OB_DEVICE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DEVICE_PAGE);

  if (self->device != NULL)
    g_signal_handlers_disconnect_by_func (self->device, on_device_notify, self);
  g_clear_object (&self->device);
  g_clear_object (&self->registry);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->power_menu);
  g_clear_pointer (&self->capabilities, json_node_unref);

  G_OBJECT_CLASS (ob_device_page_parent_class)->dispose (object);
}

static void
ob_device_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ObDevicePage *self = OB_DEVICE_PAGE (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;

    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;

    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ObDevicePage *self = OB_DEVICE_PAGE (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      self->device = g_value_dup_object (value);
      break;

    case PROP_REGISTRY:
      self->registry = g_value_dup_object (value);
      break;

    case PROP_FOLDED:
      ob_device_page_set_folded (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_page_class_init (ObDevicePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ob_device_page_constructed;
  object_class->dispose = ob_device_page_dispose;
  object_class->get_property = ob_device_page_get_property;
  object_class->set_property = ob_device_page_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL,
                         OB_TYPE_DEVICE_REGISTRY,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-device-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDevicePage, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, ObDevicePage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, ObDevicePage, power_button);
  gtk_widget_class_bind_template_child (widget_class, ObDevicePage, busy_spinner);

  gtk_widget_class_install_action (widget_class, "device.power", "i", ob_device_page_power_action);
  gtk_widget_class_install_action (widget_class, "device.refresh", NULL, ob_device_page_refresh_action);
  gtk_widget_class_install_action (widget_class, "device.remove", NULL, ob_device_page_remove_action);
  gtk_widget_class_install_action (widget_class, "device.kvm", NULL, ob_device_page_kvm_action);
  gtk_widget_class_install_action (widget_class, "device.sol", NULL, ob_device_page_sol_action);
}

static void
ob_device_page_init (ObDevicePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->power_menu = g_menu_new ();
  gtk_menu_button_set_menu_model (self->power_button, G_MENU_MODEL (self->power_menu));
}

/**
 * ob_device_page_new:
 * @device: the device to show
 * @registry: (nullable): the registry, to remove the device from
 *
 * Returns: (transfer full): a new device page
 */
GtkWidget *
ob_device_page_new (ObDevice         *device,
                    ObDeviceRegistry *registry)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);
  g_return_val_if_fail (registry == NULL || OB_IS_DEVICE_REGISTRY (registry), NULL);

  return g_object_new (OB_TYPE_DEVICE_PAGE,
                       "device", device,
                       "registry", registry,
                       NULL);
}

/**
 * ob_device_page_get_device:
 * @self: an #ObDevicePage
 *
 * Returns: (transfer none): the device shown
 */
ObDevice *
ob_device_page_get_device (ObDevicePage *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_PAGE (self), NULL);

  return self->device;
}

gboolean
ob_device_page_get_folded (ObDevicePage *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_PAGE (self), FALSE);

  return self->folded;
}

void
ob_device_page_set_folded (ObDevicePage *self,
                           gboolean      folded)
{
  g_return_if_fail (OB_IS_DEVICE_PAGE (self));

  folded = !!folded;
  if (self->folded == folded)
    return;

  self->folded = folded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
}

/**
 * ob_device_page_get_power_menu:
 * @self: an #ObDevicePage
 *
 * Returns: (transfer none): the power menu
 */
GMenuModel *
ob_device_page_get_power_menu (ObDevicePage *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_PAGE (self), NULL);

  return G_MENU_MODEL (self->power_menu);
}

gboolean
ob_device_page_get_capabilities_loaded (ObDevicePage *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_PAGE (self), FALSE);

  return self->capabilities_loaded;
}

/**
 * ob_device_page_show_tab:
 * @self: an #ObDevicePage
 * @name: the tab's name
 *
 * Returns: (transfer none) (nullable): the tab's widget, or %NULL for an
 *   unknown name
 */
GtkWidget *
ob_device_page_show_tab (ObDevicePage *self,
                         const char   *name)
{
  GtkWidget *child;

  g_return_val_if_fail (OB_IS_DEVICE_PAGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  /* The two logs are pages inside the "logs" tab. */
  if (g_str_equal (name, "events") || g_str_equal (name, "audit"))
    {
      adw_view_stack_set_visible_child_name (self->view_stack, "logs");
      gtk_stack_set_visible_child_name (self->logs_stack, name);
      return gtk_stack_get_child_by_name (self->logs_stack, name);
    }

  child = adw_view_stack_get_child_by_name (self->view_stack, name);
  if (child != NULL)
    adw_view_stack_set_visible_child (self->view_stack, child);

  return child;
}

gboolean
ob_device_page_get_power_busy (ObDevicePage *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_PAGE (self), FALSE);

  return self->power_busy > 0;
}
