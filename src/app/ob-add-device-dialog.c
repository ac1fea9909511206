/* ob-add-device-dialog.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-add-device-dialog.h"
#include "ob-lan-stream-source.h"
#include "ob-power-actions.h"
#include "ob-ui-util.h"

#define PORT_PLAIN 16992
#define PORT_TLS   16993

/* How long the certificate probe may take to connect. */
#define PROBE_TIMEOUT_SECONDS 10

struct _ObAddDeviceDialog
{
  AdwWindow parent_instance;

  ObDeviceRegistry *registry;
  GCancellable *cancellable;
  gboolean busy;
  char *status;

  /* The certificate the probe read, for the host and port it was read
   * from; forgotten when either changes. */
  char *fingerprint;
  char *fingerprint_display;
  /* Test the connection as soon as the admin trusts the certificate the
   * test's probe found. */
  gboolean test_after_trust;

  GtkWidget *add_button;
  GtkStack *add_button_stack;
  AdwPreferencesGroup *device_group;
  AdwPreferencesGroup *connection_group;
  AdwPreferencesGroup *certificate_group;
  AdwEntryRow *name_row;
  AdwEntryRow *address_row;
  GtkWidget *address_error_icon;
  AdwEntryRow *tags_row;
  AdwActionRow *tls_row;
  GtkSwitch *tls_switch;
  GtkSpinButton *port_spin;
  GtkSwitch *legacy_tls_switch;
  AdwEntryRow *user_row;
  AdwPasswordEntryRow *password_row;
  AdwActionRow *fingerprint_row;
  GtkSwitch *trust_switch;
  GtkWidget *status_box;
  GtkStack *status_icon_stack;
  GtkLabel *status_label;
};

G_DEFINE_FINAL_TYPE (ObAddDeviceDialog, ob_add_device_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_REGISTRY,
  PROP_BUSY,
  PROP_STATUS,
  N_PROPS
};

enum {
  DEVICE_ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef enum
{
  STATUS_NONE,
  STATUS_WORKING,
  STATUS_SUCCESS,
  STATUS_ERROR,
  STATUS_INFO,
} StatusKind;

static void
set_status (ObAddDeviceDialog *self,
            StatusKind         kind,
            const char        *text)
{
  const char *icon = NULL;

  switch (kind)
    {
    case STATUS_WORKING:
      icon = "spinner";
      break;
    case STATUS_SUCCESS:
      icon = "success";
      break;
    case STATUS_ERROR:
      icon = "error";
      break;
    case STATUS_INFO:
      icon = "info";
      break;
    case STATUS_NONE:
    default:
      break;
    }

  if (icon != NULL)
    gtk_stack_set_visible_child_name (self->status_icon_stack, icon);
  gtk_widget_set_visible (self->status_box, kind != STATUS_NONE);
  gtk_label_set_label (self->status_label, text != NULL ? text : "");

  if (kind == STATUS_ERROR)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");

  /* The status is at the bottom; make sure it is seen. */
  if (kind != STATUS_NONE)
    ob_scroll_to_widget (self->status_box);

  if (g_strcmp0 (self->status, text) != 0)
    {
      g_free (self->status);
      self->status = g_strdup (text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
}

static char *
dup_host (ObAddDeviceDialog *self)
{
  return ob_host_normalize (gtk_editable_get_text (GTK_EDITABLE (self->address_row)));
}

static char *
dup_user (ObAddDeviceDialog *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->user_row))));
}

static guint
get_port (ObAddDeviceDialog *self)
{
  return (guint) gtk_spin_button_get_value_as_int (self->port_spin);
}

static gboolean
get_use_tls (ObAddDeviceDialog *self)
{
  return gtk_switch_get_active (self->tls_switch);
}

/* Address, user and password are enough to try the device. */
static gboolean
connection_fields_valid (ObAddDeviceDialog *self)
{
  g_autofree char *user = dup_user (self);

  return ob_host_is_valid (gtk_editable_get_text (GTK_EDITABLE (self->address_row))) &&
         *user != '\0' &&
         *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) != '\0';
}

static void
update_actions (ObAddDeviceDialog *self)
{
  gboolean valid = connection_fields_valid (self);
  gboolean trusted = !get_use_tls (self) ||
                     (self->fingerprint != NULL && gtk_switch_get_active (self->trust_switch));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "add-device.test", valid && !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "add-device.add", valid && trusted && !self->busy);
}

static void
set_busy (ObAddDeviceDialog *self,
          gboolean           busy)
{
  if (self->busy == busy)
    return;

  self->busy = busy;

  /* Take the focus off an entry before it turns insensitive: GTK 4.8
   * leaves its cursor blinking otherwise, and complains. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->device_group), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->connection_group), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->certificate_group), !busy);

  if (!busy)
    g_clear_object (&self->cancellable);

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
forget_certificate (ObAddDeviceDialog *self)
{
  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_pointer (&self->fingerprint_display, g_free);
  self->test_after_trust = FALSE;
  gtk_switch_set_active (self->trust_switch, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->certificate_group), FALSE);
}

static void
update_tls_subtitle (ObAddDeviceDialog *self)
{
  if (get_use_tls (self))
    adw_action_row_set_subtitle (self->tls_row, _("Encrypted; Intel AMT listens on port 16993"));
  else
    adw_action_row_set_subtitle (self->tls_row, _("Not encrypted; Intel AMT listens on port 16992"));
}

static void
on_field_changed (ObAddDeviceDialog *self)
{
  /* A test result says nothing about settings changed since. */
  if (!self->busy)
    set_status (self, STATUS_NONE, NULL);

  update_actions (self);
}

/* Enter in any field adds the device when it can be added, and otherwise
 * tries the connection (which leads to the certificate step with TLS). */
static void
on_entry_activated (ObAddDeviceDialog *self)
{
  if (!gtk_widget_activate_action (GTK_WIDGET (self), "add-device.add", NULL))
    gtk_widget_activate_action (GTK_WIDGET (self), "add-device.test", NULL);
}

static void
on_address_changed (ObAddDeviceDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->address_row));
  gboolean invalid = *text != '\0' && !ob_host_is_valid (text);

  gtk_widget_set_visible (self->address_error_icon, invalid);
  if (invalid)
    gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");

  forget_certificate (self);
  on_field_changed (self);
}

static void
on_tls_changed (ObAddDeviceDialog *self)
{
  guint port = get_port (self);

  /* Follow the switch while the port is still one of AMT's defaults. */
  if (get_use_tls (self) && port == PORT_PLAIN)
    gtk_spin_button_set_value (self->port_spin, PORT_TLS);
  else if (!get_use_tls (self) && port == PORT_TLS)
    gtk_spin_button_set_value (self->port_spin, PORT_PLAIN);

  update_tls_subtitle (self);
  forget_certificate (self);
  on_field_changed (self);
}

static void
on_port_changed (ObAddDeviceDialog *self)
{
  forget_certificate (self);
  on_field_changed (self);
}

static void run_test (ObAddDeviceDialog *self);

static void
on_trust_changed (ObAddDeviceDialog *self)
{
  update_actions (self);

  if (gtk_switch_get_active (self->trust_switch) && self->test_after_trust && !self->busy)
    {
      self->test_after_trust = FALSE;
      run_test (self);
    }
  else if (!self->busy)
    {
      set_status (self, STATUS_NONE, NULL);
    }
}

static void
on_test_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ObAddDeviceDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *message = NULL;

  if (!ob_device_registry_test_connection_finish (OB_DEVICE_REGISTRY (source), result,
                                                  &version, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      set_busy (self, FALSE);
      if (g_error_matches (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_MISMATCH))
        forget_certificate (self);
      message = ob_describe_device_error (error);
      set_status (self, STATUS_ERROR, message);
      return;
    }

  set_busy (self, FALSE);
  if (version != NULL && *version != '\0')
    message = g_strdup_printf (_("Connected to Intel AMT %s"), version);
  else
    message = g_strdup (_("Connected to Intel AMT"));
  set_status (self, STATUS_SUCCESS, message);
}

static void
on_probe_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ObAddDeviceDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *display = NULL;
  g_autofree char *message = NULL;

  if (!ob_lan_stream_source_probe_certificate_finish (result, &fingerprint, &display,
                                                      NULL, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      set_busy (self, FALSE);
      message = ob_describe_device_error (error);
      set_status (self, STATUS_ERROR, message);
      return;
    }

  set_busy (self, FALSE);

  self->fingerprint = g_steal_pointer (&fingerprint);
  self->fingerprint_display = g_steal_pointer (&display);
  self->test_after_trust = TRUE;
  adw_action_row_set_subtitle (self->fingerprint_row, self->fingerprint_display);
  gtk_widget_set_visible (GTK_WIDGET (self->certificate_group), TRUE);
  set_status (self, STATUS_INFO,
              _("Compare the certificate’s fingerprint with the device’s, then trust it to continue"));
}

static void
run_test (ObAddDeviceDialog *self)
{
  g_autofree char *host = dup_host (self);
  g_autofree char *user = dup_user (self);

  if (self->busy || !connection_fields_valid (self))
    return;

  if (get_use_tls (self) && self->fingerprint != NULL && !gtk_switch_get_active (self->trust_switch))
    {
      self->test_after_trust = TRUE;
      set_status (self, STATUS_INFO,
                  _("Compare the certificate’s fingerprint with the device’s, then trust it to continue"));
      return;
    }

  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);

  /* Trust on first use: read the certificate before anything is sent,
   * and send the password only once the admin trusts it. */
  if (get_use_tls (self) && self->fingerprint == NULL)
    {
      set_status (self, STATUS_WORKING, _("Reading the device’s certificate…"));
      ob_lan_stream_source_probe_certificate_async (host, get_port (self), PROBE_TIMEOUT_SECONDS,
                                                    self->cancellable, on_probe_done,
                                                    g_object_ref (self));
      return;
    }

  set_status (self, STATUS_WORKING, _("Connecting…"));
  ob_device_registry_test_connection_async (self->registry,
                                            host,
                                            get_port (self),
                                            get_use_tls (self),
                                            get_use_tls (self) ? self->fingerprint : NULL,
                                            gtk_switch_get_active (self->legacy_tls_switch),
                                            user,
                                            gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                            self->cancellable,
                                            on_test_done,
                                            g_object_ref (self));
}

static void
ob_add_device_dialog_test_action (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *param)
{
  run_test (OB_ADD_DEVICE_DIALOG (widget));
}

static void
on_add_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ObAddDeviceDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autofree char *message = NULL;

  device = ob_device_registry_add_lan_device_finish (OB_DEVICE_REGISTRY (source), result, &error);
  gtk_stack_set_visible_child_name (self->add_button_stack, "label");

  if (device == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      set_busy (self, FALSE);
      if (g_error_matches (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_MISMATCH))
        forget_certificate (self);
      if (g_error_matches (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_DUPLICATE))
        message = g_strdup (_("This device is already in the list"));
      else
        message = ob_describe_device_error (error);
      set_status (self, STATUS_ERROR, message);
      return;
    }

  set_busy (self, FALSE);
  g_signal_emit (self, signals[DEVICE_ADDED], 0, device);
  gtk_window_close (GTK_WINDOW (self));
}

static void
ob_add_device_dialog_add_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  ObAddDeviceDialog *self = OB_ADD_DEVICE_DIALOG (widget);
  g_autofree char *host = dup_host (self);
  g_autofree char *user = dup_user (self);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  g_auto(GStrv) tags = ob_tags_parse (gtk_editable_get_text (GTK_EDITABLE (self->tags_row)));

  if (self->busy || !connection_fields_valid (self))
    return;
  if (get_use_tls (self) && (self->fingerprint == NULL || !gtk_switch_get_active (self->trust_switch)))
    return;

  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  gtk_stack_set_visible_child_name (self->add_button_stack, "spinner");
  set_status (self, STATUS_WORKING, _("Adding the device…"));

  ob_device_registry_add_lan_device_async (self->registry,
                                           host,
                                           get_port (self),
                                           get_use_tls (self),
                                           get_use_tls (self) ? self->fingerprint : NULL,
                                           gtk_switch_get_active (self->legacy_tls_switch),
                                           *name != '\0' ? name : NULL,
                                           (const char * const *) tags,
                                           user,
                                           gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                                           self->cancellable,
                                           on_add_done,
                                           g_object_ref (self));
}

static gboolean
ob_add_device_dialog_close_request (GtkWindow *window)
{
  ObAddDeviceDialog *self = OB_ADD_DEVICE_DIALOG (window);

  /* Closing abandons whatever is in flight; nothing is stored unless the
   * add completed. */
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (ob_add_device_dialog_parent_class)->close_request (window);
}

static void
ob_add_device_dialog_dispose (GObject *object)
{
  ObAddDeviceDialog *self = OB_ADD_DEVICE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->registry);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_ADD_DEVICE_DIALOG);

  G_OBJECT_CLASS (ob_add_device_dialog_parent_class)->dispose (object);
}

static void
ob_add_device_dialog_finalize (GObject *object)
{
  ObAddDeviceDialog *self = OB_ADD_DEVICE_DIALOG (object);

  g_free (self->status);
  g_free (self->fingerprint);
  g_free (self->fingerprint_display);

  G_OBJECT_CLASS (ob_add_device_dialog_parent_class)->finalize (object);
}

static void
ob_add_device_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ObAddDeviceDialog *self = OB_ADD_DEVICE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;

    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_add_device_dialog_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ObAddDeviceDialog *self = OB_ADD_DEVICE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      self->registry = g_value_dup_object (value);
      break;

    case PROP_BUSY:
    case PROP_STATUS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_add_device_dialog_class_init (ObAddDeviceDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ob_add_device_dialog_dispose;
  object_class->finalize = ob_add_device_dialog_finalize;
  object_class->get_property = ob_add_device_dialog_get_property;
  object_class->set_property = ob_add_device_dialog_set_property;

  window_class->close_request = ob_add_device_dialog_close_request;

  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL,
                         OB_TYPE_DEVICE_REGISTRY,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ObAddDeviceDialog::device-added:
   * @device: the device now in the registry
   *
   * The device was stored; the dialog closes right after.
   */
  signals[DEVICE_ADDED] =
    g_signal_new ("device-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, OB_TYPE_DEVICE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-add-device-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, add_button_stack);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, device_group);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, connection_group);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, certificate_group);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, address_row);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, address_error_icon);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, tags_row);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, tls_row);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, tls_switch);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, port_spin);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, legacy_tls_switch);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, user_row);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, trust_switch);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, status_box);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, status_icon_stack);
  gtk_widget_class_bind_template_child (widget_class, ObAddDeviceDialog, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_address_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_tls_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_port_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_trust_changed);

  gtk_widget_class_install_action (widget_class, "add-device.test", NULL, ob_add_device_dialog_test_action);
  gtk_widget_class_install_action (widget_class, "add-device.add", NULL, ob_add_device_dialog_add_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_add_device_dialog_init (ObAddDeviceDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  update_tls_subtitle (self);
  update_actions (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}

/**
 * ob_add_device_dialog_new:
 * @registry: where the device goes
 *
 * Returns: (transfer full): a new dialog; present it
 */
GtkWidget *
ob_add_device_dialog_new (ObDeviceRegistry *registry)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (registry), NULL);

  return g_object_new (OB_TYPE_ADD_DEVICE_DIALOG,
                       "registry", registry,
                       NULL);
}

/**
 * ob_add_device_dialog_get_registry:
 * @self: an #ObAddDeviceDialog
 *
 * Returns: (transfer none): the registry devices are added to
 */
ObDeviceRegistry *
ob_add_device_dialog_get_registry (ObAddDeviceDialog *self)
{
  g_return_val_if_fail (OB_IS_ADD_DEVICE_DIALOG (self), NULL);

  return self->registry;
}

gboolean
ob_add_device_dialog_get_busy (ObAddDeviceDialog *self)
{
  g_return_val_if_fail (OB_IS_ADD_DEVICE_DIALOG (self), FALSE);

  return self->busy;
}

/**
 * ob_add_device_dialog_get_status:
 * @self: an #ObAddDeviceDialog
 *
 * Returns: (nullable): the status line, or %NULL when none is shown
 */
const char *
ob_add_device_dialog_get_status (ObAddDeviceDialog *self)
{
  g_return_val_if_fail (OB_IS_ADD_DEVICE_DIALOG (self), NULL);

  return self->status;
}
