/* ob-device-features.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-amt-features.h"
#include "ob-device-features.h"
#include "ob-power-actions.h"
#include "ob-ui-util.h"

struct _ObDeviceFeatures
{
  AdwBin parent_instance;

  ObDevice *device;
  GCancellable *cancellable;
  gboolean requested;
  gboolean updating;   /* the widgets are being set from the device */
  gboolean busy;

  GtkStack *stack;
  AdwStatusPage *error_page;
  AdwPreferencesGroup *redirection_group;
  AdwPreferencesGroup *consent_group;
  GtkSpinner *apply_spinner;
  AdwActionRow *kvm_row;
  GtkSwitch *kvm_switch;
  GtkSwitch *sol_switch;
  GtkSwitch *ider_switch;
  AdwComboRow *consent_row;
};

G_DEFINE_FINAL_TYPE (ObDeviceFeatures, ob_device_features, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DEVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The combo's rows, in ObAmtUserConsent order. */
static guint
consent_to_position (ObAmtUserConsent consent)
{
  switch (consent)
    {
    case OB_AMT_USER_CONSENT_KVM:
      return 1;
    case OB_AMT_USER_CONSENT_ALL:
      return 2;
    case OB_AMT_USER_CONSENT_NONE:
    default:
      return 0;
    }
}

static ObAmtUserConsent
position_to_consent (guint position)
{
  switch (position)
    {
    case 1:
      return OB_AMT_USER_CONSENT_KVM;
    case 2:
      return OB_AMT_USER_CONSENT_ALL;
    default:
      return OB_AMT_USER_CONSENT_NONE;
    }
}

static void
set_busy (ObDeviceFeatures *self,
          gboolean          busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->redirection_group), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->consent_group), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->apply_spinner), busy);
  gtk_spinner_set_spinning (self->apply_spinner, busy);
}

static void
show_features (ObDeviceFeatures    *self,
               const ObAmtFeatures *features)
{
  self->updating = TRUE;

  gtk_switch_set_active (self->kvm_switch, features->kvm);
  gtk_switch_set_active (self->sol_switch, features->sol);
  gtk_switch_set_active (self->ider_switch, features->ider);
  adw_combo_row_set_selected (self->consent_row, consent_to_position (features->user_consent));

  /* Intel Standard Manageability has no KVM; do not offer to turn it on. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->kvm_switch), features->kvm_available || features->kvm);
  if (features->kvm_available)
    adw_action_row_set_subtitle (self->kvm_row, _("Remote keyboard, video and mouse"));
  else
    adw_action_row_set_subtitle (self->kvm_row, _("This device’s Intel AMT edition has no KVM"));

  self->updating = FALSE;
}

static void
on_features_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObDeviceFeatures) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(ObAmtFeatures) features = NULL;

  node = ob_amt_features_get_finish ((ObWsmanClient *) source, result, &features, &error);
  ob_device_report_result (self->device, error);
  ob_device_release_busy (self->device);

  if (node == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      message = ob_describe_device_error (error);
      adw_status_page_set_description (self->error_page, message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  set_busy (self, FALSE);
  show_features (self, features);
  gtk_stack_set_visible_child_name (self->stack, "content");
}

static void
ob_device_features_read (ObDeviceFeatures *self,
                         gboolean          show_loading)
{
  ObWsmanClient *client = ob_device_get_wsman_client (self->device);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (client == NULL)
    {
      adw_status_page_set_description (self->error_page, _("The device is not connected"));
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  self->cancellable = g_cancellable_new ();
  if (show_loading)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  ob_device_hold_busy (self->device);
  ob_amt_features_get_async (client, self->cancellable, on_features_read, g_object_ref (self));
}

void
ob_device_features_reload (ObDeviceFeatures *self)
{
  g_return_if_fail (OB_IS_DEVICE_FEATURES (self));

  self->requested = TRUE;
  ob_device_features_read (self, TRUE);
}

static void
on_device_refreshed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Only so the overview shows the new features; its errors show there. */
  if (!ob_device_refresh_finish (OB_DEVICE (source), result, &error))
    g_debug ("Refresh after changing features failed: %s", error->message);
}

static void
on_features_set (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObDeviceFeatures) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = ob_amt_features_set_finish ((ObWsmanClient *) source, result, &error);
  ob_device_report_result (self->device, error);
  ob_device_release_busy (self->device);

  if (node == NULL)
    {
      g_autofree char *reason = NULL;
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      reason = ob_describe_device_error (error);
      message = g_strdup_printf (_("The features could not be changed: %s"), reason);
      ob_widget_show_toast (GTK_WIDGET (self), message);
    }

  /* Show what the device really has now, whether or not it took the
   * change. */
  ob_device_features_read (self, FALSE);
  ob_device_refresh_async (self->device, NULL, on_device_refreshed, NULL);
}

static void
on_feature_changed (ObDeviceFeatures *self)
{
  ObAmtFeaturesRequest request = { 0, };
  ObWsmanClient *client;

  if (self->updating || self->busy)
    return;

  client = ob_device_get_wsman_client (self->device);
  if (client == NULL)
    return;

  request.user_consent = position_to_consent (adw_combo_row_get_selected (self->consent_row));
  request.enable_kvm = gtk_switch_get_active (self->kvm_switch);
  request.enable_sol = gtk_switch_get_active (self->sol_switch);
  request.enable_ider = gtk_switch_get_active (self->ider_switch);
  request.ocr = -1;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  set_busy (self, TRUE);
  ob_device_hold_busy (self->device);
  ob_amt_features_set_async (client, &request, self->cancellable, on_features_set, g_object_ref (self));
}

static void
ob_device_features_reload_action (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *param)
{
  ob_device_features_reload (OB_DEVICE_FEATURES (widget));
}

static void
on_map (ObDeviceFeatures *self)
{
  if (!self->requested)
    ob_device_features_reload (self);
}

static void
ob_device_features_dispose (GObject *object)
{
  ObDeviceFeatures *self = OB_DEVICE_FEATURES (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* The template's root is also a bound child, which dispose_template
   * unparents; AdwBin must let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DEVICE_FEATURES);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_device_features_parent_class)->dispose (object);
}

static void
ob_device_features_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ObDeviceFeatures *self = OB_DEVICE_FEATURES (object);

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
ob_device_features_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ObDeviceFeatures *self = OB_DEVICE_FEATURES (object);

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
ob_device_features_class_init (ObDeviceFeaturesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_device_features_dispose;
  object_class->get_property = ob_device_features_get_property;
  object_class->set_property = ob_device_features_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-device-features.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, stack);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, error_page);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, redirection_group);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, consent_group);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, apply_spinner);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, kvm_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, kvm_switch);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, sol_switch);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, ider_switch);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceFeatures, consent_row);
  gtk_widget_class_bind_template_callback (widget_class, on_feature_changed);

  gtk_widget_class_install_action (widget_class, "features.reload", NULL, ob_device_features_reload_action);
}

static void
ob_device_features_init (ObDeviceFeatures *self)
{
  /* The template's initial values must not be sent to the device. */
  self->updating = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->updating = FALSE;

  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
}

GtkWidget *
ob_device_features_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_DEVICE_FEATURES, "device", device, NULL);
}

/**
 * ob_device_features_get_device:
 * @self: an #ObDeviceFeatures
 *
 * Returns: (transfer none): the device
 */
ObDevice *
ob_device_features_get_device (ObDeviceFeatures *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_FEATURES (self), NULL);

  return self->device;
}

const char *
ob_device_features_get_state (ObDeviceFeatures *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_FEATURES (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
ob_device_features_get_busy (ObDeviceFeatures *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_FEATURES (self), FALSE);

  return self->busy;
}
