/* ob-wireless-editor.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-rps-ui-util.h"
#include "ob-rps-validate.h"
#include "ob-wireless-editor.h"

/* Positions in the template's combo rows. */
static const guint auth_methods[] = {
  OB_RPS_WIFI_AUTH_WPA_PSK, OB_RPS_WIFI_AUTH_WPA_IEEE,
  OB_RPS_WIFI_AUTH_WPA2_PSK, OB_RPS_WIFI_AUTH_WPA2_IEEE,
};
static const guint encryptions[] = { OB_RPS_WIFI_ENCRYPTION_TKIP, OB_RPS_WIFI_ENCRYPTION_CCMP };

struct _ObWirelessEditor
{
  AdwWindow parent_instance;

  ObServices *services;
  ObWirelessConfig *existing;
  gboolean psk_stored;
  gboolean saving;

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  AdwPreferencesGroup *network_group;
  AdwEntryRow *name_row;
  AdwEntryRow *ssid_row;
  AdwComboRow *auth_row;
  AdwComboRow *encryption_row;
  AdwPasswordEntryRow *psk_row;
  AdwComboRow *ieee_row;
  GtkStringList *ieee_names;

  GtkWidget *name_error;
  GtkWidget *ssid_error;
  GtkWidget *psk_error;
  GtkWidget *ieee_error;
};

G_DEFINE_FINAL_TYPE (ObWirelessEditor, ob_wireless_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static guint
selected_auth (ObWirelessEditor *self)
{
  return auth_methods[MIN (adw_combo_row_get_selected (self->auth_row), G_N_ELEMENTS (auth_methods) - 1)];
}

static gboolean
validate_all (ObWirelessEditor *self)
{
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  const char *ssid = gtk_editable_get_text (GTK_EDITABLE (self->ssid_row));
  const char *psk = gtk_editable_get_text (GTK_EDITABLE (self->psk_row));
  gboolean is_psk = ob_rps_validate_wifi_auth_is_psk (selected_auth (self));
  const char *name_error = NULL;
  const char *ssid_error = NULL;
  const char *psk_error = NULL;
  const char *ieee_error = NULL;
  glong psk_len = g_utf8_strlen (psk, -1);

  if (name[0] == '\0')
    name_error = _("Enter a name for this network.");
  else if (!ob_rps_validate_alnum (name) || strlen (name) > OB_RPS_WIRELESS_NAME_MAX)
    name_error = _("Use up to 32 letters and digits, without spaces.");
  else if (self->existing == NULL)
    {
      g_autoptr(ObWirelessConfig) other =
        ob_store_get_wireless_config (ob_services_get_store (self->services), name, NULL);

      if (other != NULL)
        name_error = _("A wireless network with this name already exists.");
    }

  if (ssid[0] == '\0')
    ssid_error = _("Enter the network’s name (SSID).");
  else if (strlen (ssid) > OB_RPS_SSID_MAX)
    ssid_error = _("An SSID has at most 32 bytes.");

  if (is_psk && !(psk[0] == '\0' && self->psk_stored) &&
      (psk_len < OB_RPS_PSK_MIN || psk_len > OB_RPS_PSK_MAX))
    psk_error = _("A passphrase has 8 to 63 characters.");

  if (!is_psk && adw_combo_row_get_selected (self->ieee_row) == GTK_INVALID_LIST_POSITION)
    ieee_error = _("Add a wireless 802.1x configuration first (802.1x in the sidebar).");

  ob_rps_field_set_error (GTK_WIDGET (self->name_row), self->name_error, name_error);
  ob_rps_field_set_error (GTK_WIDGET (self->ssid_row), self->ssid_error, ssid_error);
  ob_rps_field_set_error (GTK_WIDGET (self->psk_row), self->psk_error, psk_error);
  ob_rps_field_set_error (GTK_WIDGET (self->ieee_row), self->ieee_error, ieee_error);

  return name_error == NULL && ssid_error == NULL && psk_error == NULL && ieee_error == NULL;
}

static void
on_field_changed (ObWirelessEditor *self)
{
  gboolean is_psk = ob_rps_validate_wifi_auth_is_psk (selected_auth (self));

  gtk_widget_set_visible (GTK_WIDGET (self->psk_row), is_psk);
  gtk_widget_set_visible (GTK_WIDGET (self->ieee_row), !is_psk);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save",
                                 validate_all (self) && !self->saving);
}

static void
on_secrets_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObWirelessEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));

  if (!ob_rps_secret_job_finish (result, &error))
    {
      g_warning ("Could not store the passphrase of “%s”: %s", name, error->message);
      if (self->existing == NULL)
        ob_store_delete_wireless_config (ob_services_get_store (self->services), name, NULL);
      self->saving = FALSE;
      on_field_changed (self);
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("The passphrase could not be stored in the keyring")));
      return;
    }

  g_signal_emit (self, signals[SAVED], 0, name);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  ObWirelessEditor *self = OB_WIRELESS_EDITOR (widget);
  ObStore *store = ob_services_get_store (self->services);
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  const char *psk = gtk_editable_get_text (GTK_EDITABLE (self->psk_row));
  guint auth = selected_auth (self);
  gboolean is_psk = ob_rps_validate_wifi_auth_is_psk (auth);
  g_autoptr(ObWirelessConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  ObRpsSecretJob *job;
  gboolean ok;

  if (self->saving || !validate_all (self))
    return;

  config = self->existing != NULL ? g_object_ref (self->existing) : ob_wireless_config_new (name);
  if (self->existing == NULL)
    ob_wireless_config_set_tenant_id (config, "");
  ob_wireless_config_set_ssid (config, gtk_editable_get_text (GTK_EDITABLE (self->ssid_row)));
  ob_wireless_config_set_authentication_method (config, auth);
  ob_wireless_config_set_encryption_method (config,
                                            encryptions[MIN (adw_combo_row_get_selected (self->encryption_row), 1)]);
  if (is_psk)
    ob_wireless_config_set_ieee8021x_profile_name (config, NULL);
  else
    ob_wireless_config_set_ieee8021x_profile_name (config,
                                                   gtk_string_list_get_string (self->ieee_names,
                                                                               adw_combo_row_get_selected (self->ieee_row)));

  if (self->existing != NULL)
    ok = ob_store_update_wireless_config (store, config, &error);
  else
    ok = ob_store_insert_wireless_config (store, config, &error);

  if (!ok)
    {
      g_warning ("Could not save wireless network “%s”: %s", name, error->message);
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("The wireless network could not be saved")));
      return;
    }

  job = ob_rps_secret_job_new (ob_services_get_secret_store (self->services));
  if (is_psk && psk[0] != '\0')
    ob_rps_secret_job_set (job, OB_SECRET_OWNER_WIRELESS, name, OB_SECRET_KIND_PSK_PASSPHRASE, psk);
  else if (!is_psk)
    ob_rps_secret_job_clear (job, OB_SECRET_OWNER_WIRELESS, name, OB_SECRET_KIND_PSK_PASSPHRASE);

  self->saving = TRUE;
  gtk_widget_action_set_enabled (widget, "editor.save", FALSE);
  ob_rps_secret_job_run (job, NULL, on_secrets_written, g_object_ref (self));
}

static void
ob_wireless_editor_dispose (GObject *object)
{
  ObWirelessEditor *self = OB_WIRELESS_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_WIRELESS_EDITOR);
  g_clear_object (&self->services);
  g_clear_object (&self->existing);

  G_OBJECT_CLASS (ob_wireless_editor_parent_class)->dispose (object);
}

static void
ob_wireless_editor_class_init (ObWirelessEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_wireless_editor_dispose;

  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-wireless-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, network_group);
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, ssid_row);
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, auth_row);
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, encryption_row);
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, psk_row);
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, ieee_row);
  gtk_widget_class_bind_template_child (widget_class, ObWirelessEditor, ieee_names);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_wireless_editor_init (ObWirelessEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->name_error = ob_rps_attach_error_row (GTK_WIDGET (self->name_row));
  self->ssid_error = ob_rps_attach_error_row (GTK_WIDGET (self->ssid_row));
  self->psk_error = ob_rps_attach_error_row (GTK_WIDGET (self->psk_row));
  self->ieee_error = ob_rps_attach_error_row (GTK_WIDGET (self->ieee_row));
}

GtkWidget *
ob_wireless_editor_new (ObServices *services,
                        const char *name)
{
  ObWirelessEditor *self;
  ObStore *store;
  g_autoptr(GPtrArray) ieees = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (OB_IS_SERVICES (services), NULL);

  self = g_object_new (OB_TYPE_WIRELESS_EDITOR, NULL);
  self->services = g_object_ref (services);
  store = ob_services_get_store (services);

  /* Only wireless 802.1x configurations fit a wireless network. */
  ieees = ob_store_list_ieee8021x_configs (store, NULL, NULL, NULL);
  for (guint i = 0; ieees != NULL && i < ieees->len; i++)
    if (!ob_ieee8021x_config_get_wired_interface (g_ptr_array_index (ieees, i)))
      gtk_string_list_append (self->ieee_names, ob_ieee8021x_config_get_name (g_ptr_array_index (ieees, i)));

  /* WPA2 Personal with CCMP: what nearly every network uses. */
  adw_combo_row_set_selected (self->auth_row, 2);
  adw_combo_row_set_selected (self->encryption_row, 1);

  if (name != NULL)
    {
      self->existing = ob_store_get_wireless_config (store, name, &error);
      if (self->existing == NULL)
        g_warning ("Cannot open wireless network “%s”: %s", name, error->message);
    }

  if (self->existing != NULL)
    {
      ObWirelessConfig *c = self->existing;
      const char *ieee = ob_wireless_config_get_ieee8021x_profile_name (c);

      adw_window_title_set_title (self->window_title, _("Edit Wireless Network"));
      adw_window_title_set_subtitle (self->window_title, ob_wireless_config_get_name (c));
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), ob_wireless_config_get_name (c));
      gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), FALSE);
      gtk_editable_set_text (GTK_EDITABLE (self->ssid_row), ob_wireless_config_get_ssid (c));
      for (guint i = 0; i < G_N_ELEMENTS (auth_methods); i++)
        if (auth_methods[i] == ob_wireless_config_get_authentication_method (c))
          adw_combo_row_set_selected (self->auth_row, i);
      adw_combo_row_set_selected (self->encryption_row,
                                  ob_wireless_config_get_encryption_method (c) == OB_RPS_WIFI_ENCRYPTION_TKIP ? 0 : 1);
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->ieee_names)); i++)
        if (g_strcmp0 (gtk_string_list_get_string (self->ieee_names, i), ieee) == 0)
          adw_combo_row_set_selected (self->ieee_row, i);
      self->psk_stored = ob_rps_validate_wifi_auth_is_psk (ob_wireless_config_get_authentication_method (c));
      /* The passphrase is never shown back. */
      adw_preferences_group_set_description (self->network_group,
                                             _("The passphrase is unchanged unless you type a new one."));
    }

  on_field_changed (self);

  return GTK_WIDGET (self);
}

const char *
ob_wireless_editor_get_error (ObWirelessEditor *self,
                              const char       *field_title)
{
  g_return_val_if_fail (OB_IS_WIRELESS_EDITOR (self), NULL);

  return ob_rps_find_field_error (GTK_WIDGET (self), field_title);
}
