/* ob-ieee8021x-editor.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-ieee8021x-editor.h"
#include "ob-rps-ui-util.h"
#include "ob-rps-validate.h"

typedef struct
{
  guint       protocol;
  const char *name;
} Protocol;

/* In the reference's order; wireless interfaces take the first two. */
static const Protocol protocols[] = {
  { 0, "EAP-TLS" },
  { 2, "PEAPv0/EAP-MSCHAPv2" },
  { 3, "PEAPv1/EAP-GTC" },
  { 5, "EAP-FAST/GTC" },
  { 10, "EAP-FAST/TLS" },
};

struct _ObIeee8021xEditor
{
  AdwWindow parent_instance;

  ObServices *services;
  ObIeee8021xConfig *existing;

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  AdwEntryRow *name_row;
  AdwComboRow *interface_row;
  AdwComboRow *protocol_row;
  GtkStringList *protocol_names;
  AdwActionRow *pxe_row;
  GtkSpinButton *pxe_spin;

  GtkWidget *name_error;
  gboolean wired_shown;
};

G_DEFINE_FINAL_TYPE (ObIeee8021xEditor, ob_ieee8021x_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
is_wired (ObIeee8021xEditor *self)
{
  return adw_combo_row_get_selected (self->interface_row) == 0;
}

/* The protocols the interface takes, keeping the choice when it fits. */
static void
fill_protocols (ObIeee8021xEditor *self)
{
  gboolean wired = is_wired (self);
  guint selected = adw_combo_row_get_selected (self->protocol_row);
  guint n = wired ? G_N_ELEMENTS (protocols) : 2;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;

  if (self->wired_shown == wired && g_list_model_get_n_items (G_LIST_MODEL (self->protocol_names)) > 0)
    return;

  for (guint i = 0; i < n; i++)
    g_strv_builder_add (builder, protocols[i].name);
  names = g_strv_builder_end (builder);
  self->wired_shown = wired;
  gtk_string_list_splice (self->protocol_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->protocol_names)),
                          (const char * const *) names);
  adw_combo_row_set_selected (self->protocol_row, selected < n ? selected : 0);
}

static gboolean
validate_all (ObIeee8021xEditor *self)
{
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  const char *name_error = NULL;

  if (name[0] == '\0')
    name_error = _("Enter a name for this configuration.");
  else if (!ob_rps_validate_alnum (name) || strlen (name) > OB_RPS_WIRELESS_NAME_MAX)
    name_error = _("Use up to 32 letters and digits, without spaces.");
  else if (self->existing == NULL)
    {
      g_autoptr(ObIeee8021xConfig) other =
        ob_store_get_ieee8021x_config (ob_services_get_store (self->services), name, NULL);

      if (other != NULL)
        name_error = _("An 802.1x configuration with this name already exists.");
    }

  ob_rps_field_set_error (GTK_WIDGET (self->name_row), self->name_error, name_error);

  return name_error == NULL;
}

static void
on_field_changed (ObIeee8021xEditor *self)
{
  fill_protocols (self);
  gtk_widget_set_visible (GTK_WIDGET (self->pxe_row), is_wired (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", validate_all (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  ObIeee8021xEditor *self = OB_IEEE8021X_EDITOR (widget);
  ObStore *store = ob_services_get_store (self->services);
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  g_autoptr(ObIeee8021xConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  guint selected = adw_combo_row_get_selected (self->protocol_row);
  gboolean wired = is_wired (self);
  gboolean ok;

  if (!validate_all (self))
    return;

  config = self->existing != NULL ? g_object_ref (self->existing) : ob_ieee8021x_config_new (name);
  if (self->existing == NULL)
    ob_ieee8021x_config_set_tenant_id (config, "");
  ob_ieee8021x_config_set_wired_interface (config, wired);
  ob_ieee8021x_config_set_authentication_protocol (config,
                                                   protocols[MIN (selected, G_N_ELEMENTS (protocols) - 1)].protocol);
  ob_ieee8021x_config_set_pxe_timeout (config, wired ? (guint) gtk_spin_button_get_value_as_int (self->pxe_spin) : 0);

  if (self->existing != NULL)
    ok = ob_store_update_ieee8021x_config (store, config, &error);
  else
    ok = ob_store_insert_ieee8021x_config (store, config, &error);

  if (!ok)
    {
      g_warning ("Could not save 802.1x configuration “%s”: %s", name, error->message);
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("The configuration could not be saved")));
      return;
    }

  g_signal_emit (self, signals[SAVED], 0, name);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
ob_ieee8021x_editor_dispose (GObject *object)
{
  ObIeee8021xEditor *self = OB_IEEE8021X_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_IEEE8021X_EDITOR);
  g_clear_object (&self->services);
  g_clear_object (&self->existing);

  G_OBJECT_CLASS (ob_ieee8021x_editor_parent_class)->dispose (object);
}

static void
ob_ieee8021x_editor_class_init (ObIeee8021xEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_ieee8021x_editor_dispose;

  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-ieee8021x-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ObIeee8021xEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObIeee8021xEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObIeee8021xEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, ObIeee8021xEditor, interface_row);
  gtk_widget_class_bind_template_child (widget_class, ObIeee8021xEditor, protocol_row);
  gtk_widget_class_bind_template_child (widget_class, ObIeee8021xEditor, protocol_names);
  gtk_widget_class_bind_template_child (widget_class, ObIeee8021xEditor, pxe_row);
  gtk_widget_class_bind_template_child (widget_class, ObIeee8021xEditor, pxe_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_ieee8021x_editor_init (ObIeee8021xEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->name_error = ob_rps_attach_error_row (GTK_WIDGET (self->name_row));
}

GtkWidget *
ob_ieee8021x_editor_new (ObServices *services,
                         const char *name)
{
  ObIeee8021xEditor *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (OB_IS_SERVICES (services), NULL);

  self = g_object_new (OB_TYPE_IEEE8021X_EDITOR, NULL);
  self->services = g_object_ref (services);
  fill_protocols (self);

  if (name != NULL)
    {
      self->existing = ob_store_get_ieee8021x_config (ob_services_get_store (services), name, &error);
      if (self->existing == NULL)
        g_warning ("Cannot open 802.1x configuration “%s”: %s", name, error->message);
    }

  if (self->existing != NULL)
    {
      ObIeee8021xConfig *c = self->existing;

      adw_window_title_set_title (self->window_title, _("Edit 802.1x Configuration"));
      adw_window_title_set_subtitle (self->window_title, ob_ieee8021x_config_get_name (c));
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), ob_ieee8021x_config_get_name (c));
      gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), FALSE);
      adw_combo_row_set_selected (self->interface_row, ob_ieee8021x_config_get_wired_interface (c) ? 0 : 1);
      fill_protocols (self);
      for (guint i = 0; i < G_N_ELEMENTS (protocols); i++)
        if (protocols[i].protocol == ob_ieee8021x_config_get_authentication_protocol (c))
          adw_combo_row_set_selected (self->protocol_row, i);
      gtk_spin_button_set_value (self->pxe_spin, ob_ieee8021x_config_get_pxe_timeout (c));
    }

  on_field_changed (self);

  return GTK_WIDGET (self);
}

const char *
ob_ieee8021x_editor_get_error (ObIeee8021xEditor *self,
                               const char        *field_title)
{
  g_return_val_if_fail (OB_IS_IEEE8021X_EDITOR (self), NULL);

  return ob_rps_find_field_error (GTK_WIDGET (self), field_title);
}
