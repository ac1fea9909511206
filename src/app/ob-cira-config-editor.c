/* ob-cira-config-editor.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-cira-config-editor.h"
#include "ob-rps-ui-util.h"
#include "ob-rps-validate.h"
#include "ob-util.h"

struct _ObCiraConfigEditor
{
  AdwWindow parent_instance;

  ObServices *services;
  ObCiraConfig *existing;   /* NULL: a new one */
  gboolean saving;

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  AdwEntryRow *name_row;
  AdwPreferencesGroup *server_group;
  AdwEntryRow *address_row;
  AdwActionRow *port_row;
  GtkSpinButton *port_spin;
  AdwPreferencesGroup *credentials_group;
  AdwEntryRow *username_row;
  AdwPasswordEntryRow *password_row;
  GtkSwitch *auto_enroll_switch;

  GtkWidget *name_error;
  GtkWidget *address_error;
  GtkWidget *port_error;
  GtkWidget *username_error;
};

G_DEFINE_FINAL_TYPE (ObCiraConfigEditor, ob_cira_config_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
generate_username (void)
{
  static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
  guint8 raw[10];
  char *name = g_malloc0 (sizeof raw + 1);

  ob_random_bytes (raw, sizeof raw);
  for (gsize i = 0; i < sizeof raw; i++)
    name[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
  /* Starts with a letter, so it never reads as a number. */
  name[0] = 'a' + raw[0] % 26;

  return name;
}

static const char *
validate_name (ObCiraConfigEditor *self,
               const char         *name)
{
  g_autoptr(ObCiraConfig) other = NULL;

  if (name[0] == '\0')
    return _("Enter a name for this configuration.");
  if (!ob_rps_validate_cira_name (name))
    return _("Use letters, digits and punctuation such as - _ . ! #, without spaces or $.");
  if (self->existing == NULL &&
      (other = ob_store_get_cira_config (ob_services_get_store (self->services), name, NULL)) != NULL)
    return _("A CIRA configuration with this name already exists.");

  return NULL;
}

static const char *
validate_address (const char *address)
{
  if (address[0] == '\0')
    return _("Enter the address devices reach this machine at.");
  if (!ob_rps_validate_fqdn (address) && !ob_rps_validate_ipv4 (address) &&
      !ob_rps_validate_ipv6 (address))
    return _("Enter a host name in lower case (mps.example.com) or an IP address.");

  return NULL;
}

static const char *
validate_username (const char *username)
{
  gsize len = strlen (username);

  if (!ob_rps_validate_alnum (username) || len < OB_RPS_MPS_USERNAME_MIN ||
      len > OB_RPS_MPS_USERNAME_MAX)
    return _("Use 5 to 16 letters and digits.");

  return NULL;
}

/* The CN rule in one line, with the name the MPS certificate carries. */
static void
update_address_hint (ObCiraConfigEditor *self,
                     const char         *address)
{
  ObCertAuthority *ca = ob_services_get_cert_authority (self->services);
  const char *cn = ca != NULL ? ob_cert_authority_get_common_name (ca) : NULL;
  g_autofree char *hint = NULL;

  if (cn != NULL && address[0] != '\0' && g_ascii_strcasecmp (cn, address) != 0)
    hint = g_markup_printf_escaped (_("Devices check that the MPS certificate was issued to this "
                              "address; Outband’s is issued to “%s”, so use that unless a "
                              "gateway forwards another name."), cn);
  else
    hint = g_strdup (_("A host name (FQDN) or IP address; devices check that the MPS "
                       "certificate was issued to exactly this name."));

  adw_preferences_group_set_description (self->server_group, hint);
}

static gboolean
validate_all (ObCiraConfigEditor *self)
{
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  g_autofree char *address = ob_rps_editable_dup_text (GTK_WIDGET (self->address_row));
  g_autofree char *username = ob_rps_editable_dup_text (GTK_WIDGET (self->username_row));
  int port = gtk_spin_button_get_value_as_int (self->port_spin);
  const char *name_error = validate_name (self, name);
  const char *address_error = validate_address (address);
  const char *username_error = validate_username (username);
  const char *port_error = NULL;

  if (port < OB_RPS_MPS_PORT_MIN || port > OB_RPS_MPS_PORT_MAX)
    port_error = _("Devices accept ports from 1024 to 49151 only.");

  ob_rps_field_set_error (GTK_WIDGET (self->name_row), self->name_error, name_error);
  ob_rps_field_set_error (GTK_WIDGET (self->address_row), self->address_error, address_error);
  ob_rps_field_set_error (GTK_WIDGET (self->port_row), self->port_error, port_error);
  ob_rps_field_set_error (GTK_WIDGET (self->username_row), self->username_error, username_error);
  update_address_hint (self, address);

  return name_error == NULL && address_error == NULL && username_error == NULL && port_error == NULL;
}

static void
on_field_changed (ObCiraConfigEditor *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save",
                                 validate_all (self) && !self->saving);
}

static void
regenerate_username_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ObCiraConfigEditor *self = OB_CIRA_CONFIG_EDITOR (widget);
  g_autofree char *username = generate_username ();

  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username);
}

static void
regenerate_password_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ObCiraConfigEditor *self = OB_CIRA_CONFIG_EDITOR (widget);
  char *password = ob_random_password ();

  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password);
  ob_secure_free_string (password);
}

static void
copy_password_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  ObCiraConfigEditor *self = OB_CIRA_CONFIG_EDITOR (widget);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (password[0] == '\0')
    {
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("The stored password is never shown; generate a new one to copy it")));
      return;
    }

  ob_rps_copy_text (widget, password);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Password copied")));
}

static void
finish_saving (ObCiraConfigEditor *self,
               const char         *name)
{
  g_signal_emit (self, signals[SAVED], 0, name);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_secrets_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObCiraConfigEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));

  if (!ob_rps_secret_job_finish (result, &error))
    {
      g_warning ("Could not store the MPS password of “%s”: %s", name, error->message);
      /* A new record without its password would hand devices a random one
       * nobody knows of: take it back. */
      if (self->existing == NULL)
        ob_store_delete_cira_config (ob_services_get_store (self->services), name, NULL);
      self->saving = FALSE;
      on_field_changed (self);
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("The password could not be stored in the keyring")));
      return;
    }

  finish_saving (self, name);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  ObCiraConfigEditor *self = OB_CIRA_CONFIG_EDITOR (widget);
  ObStore *store = ob_services_get_store (self->services);
  ObCertAuthority *ca = ob_services_get_cert_authority (self->services);
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  g_autofree char *address = ob_rps_editable_dup_text (GTK_WIDGET (self->address_row));
  g_autofree char *username = ob_rps_editable_dup_text (GTK_WIDGET (self->username_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  g_autoptr(ObCiraConfig) config = NULL;
  g_autoptr(GBytes) root = NULL;
  g_autofree char *root_base64 = NULL;
  g_autoptr(GError) error = NULL;
  ObRpsSecretJob *job;
  gboolean ok;

  if (self->saving || !validate_all (self))
    return;

  root = ca != NULL ? ob_cert_authority_dup_root_der (ca) : NULL;
  if (root == NULL)
    {
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("The certificate authority is not ready yet; try again in a moment")));
      return;
    }
  root_base64 = g_base64_encode (g_bytes_get_data (root, NULL), g_bytes_get_size (root));

  config = self->existing != NULL ? g_object_ref (self->existing) : ob_cira_config_new (name);
  if (self->existing == NULL)
    ob_cira_config_set_tenant_id (config, "");
  ob_cira_config_set_mps_server_address (config, address);
  if (ob_rps_validate_ipv4 (address))
    {
      /* Format 3 needs the CN the certificate is checked against. */
      ob_cira_config_set_server_address_format (config, OB_CIRA_ADDRESS_FORMAT_IPV4);
      ob_cira_config_set_common_name (config, address);
    }
  else if (ob_rps_validate_ipv6 (address))
    {
      ob_cira_config_set_server_address_format (config, OB_CIRA_ADDRESS_FORMAT_IPV6);
      ob_cira_config_set_common_name (config, NULL);
    }
  else
    {
      ob_cira_config_set_server_address_format (config, OB_CIRA_ADDRESS_FORMAT_FQDN);
      ob_cira_config_set_common_name (config, NULL);
    }
  ob_cira_config_set_mps_port (config, gtk_spin_button_get_value_as_int (self->port_spin));
  ob_cira_config_set_username (config, username);
  ob_cira_config_set_auth_method (config, 2);
  ob_cira_config_set_mps_root_certificate (config, root_base64);
  ob_cira_config_set_auto_enroll (config, gtk_switch_get_active (self->auto_enroll_switch));

  if (self->existing != NULL)
    ok = ob_store_update_cira_config (store, config, &error);
  else
    ok = ob_store_insert_cira_config (store, config, &error);

  if (!ok)
    {
      g_warning ("Could not save CIRA configuration “%s”: %s", name, error->message);
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT) ?
                                                  _("Someone else changed this configuration meanwhile; close and open it again") :
                                                  _("The configuration could not be saved")));
      return;
    }

  if (password[0] == '\0')
    {
      finish_saving (self, name);
      return;
    }

  self->saving = TRUE;
  gtk_widget_action_set_enabled (widget, "editor.save", FALSE);
  job = ob_rps_secret_job_new (ob_services_get_secret_store (self->services));
  ob_rps_secret_job_set (job, OB_SECRET_OWNER_CIRA_CONFIG, name, OB_SECRET_KIND_MPS_PASSWORD, password);
  ob_rps_secret_job_run (job, NULL, on_secrets_written, g_object_ref (self));
}

static void
ob_cira_config_editor_dispose (GObject *object)
{
  ObCiraConfigEditor *self = OB_CIRA_CONFIG_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_CIRA_CONFIG_EDITOR);
  g_clear_object (&self->services);
  g_clear_object (&self->existing);

  G_OBJECT_CLASS (ob_cira_config_editor_parent_class)->dispose (object);
}

static void
ob_cira_config_editor_class_init (ObCiraConfigEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_cira_config_editor_dispose;

  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-cira-config-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, server_group);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, address_row);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, port_row);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, port_spin);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, credentials_group);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, username_row);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, password_row);
  gtk_widget_class_bind_template_child (widget_class, ObCiraConfigEditor, auto_enroll_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.regenerate-username", NULL, regenerate_username_action);
  gtk_widget_class_install_action (widget_class, "editor.regenerate-password", NULL, regenerate_password_action);
  gtk_widget_class_install_action (widget_class, "editor.copy-password", NULL, copy_password_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_cira_config_editor_init (ObCiraConfigEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->name_error = ob_rps_attach_error_row (GTK_WIDGET (self->name_row));
  self->address_error = ob_rps_attach_error_row (GTK_WIDGET (self->address_row));
  self->port_error = ob_rps_attach_error_row (GTK_WIDGET (self->port_row));
  self->username_error = ob_rps_attach_error_row (GTK_WIDGET (self->username_row));
}

GtkWidget *
ob_cira_config_editor_new (ObServices *services,
                           const char *name)
{
  ObCiraConfigEditor *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (OB_IS_SERVICES (services), NULL);

  self = g_object_new (OB_TYPE_CIRA_CONFIG_EDITOR, NULL);
  self->services = g_object_ref (services);

  if (name != NULL)
    {
      self->existing = ob_store_get_cira_config (ob_services_get_store (services), name, &error);
      if (self->existing == NULL)
        g_warning ("Cannot open CIRA configuration “%s”: %s", name, error->message);
    }

  if (self->existing != NULL)
    {
      adw_window_title_set_title (self->window_title, _("Edit CIRA Configuration"));
      adw_window_title_set_subtitle (self->window_title, name);
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), ob_cira_config_get_name (self->existing));
      gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), FALSE);
      gtk_editable_set_text (GTK_EDITABLE (self->address_row),
                             ob_cira_config_get_mps_server_address (self->existing));
      gtk_spin_button_set_value (self->port_spin, ob_cira_config_get_mps_port (self->existing));
      gtk_editable_set_text (GTK_EDITABLE (self->username_row),
                             ob_cira_config_get_username (self->existing));
      gtk_switch_set_active (self->auto_enroll_switch, ob_cira_config_get_auto_enroll (self->existing));
      /* The stored password is never shown back. */
      adw_preferences_group_set_description (self->credentials_group,
                                             _("The password is unchanged unless you type or generate a new one. Devices already provisioned keep the one they were given."));
    }
  else
    {
      g_autofree char *address = ob_rps_this_machine_address ();
      g_autofree char *username = generate_username ();
      ObCertAuthority *ca = ob_services_get_cert_authority (services);
      const char *cn = ca != NULL ? ob_cert_authority_get_common_name (ca) : NULL;
      char *password = ob_random_password ();

      /* The name the MPS certificate carries is the address that works. */
      if (cn != NULL && (ob_rps_validate_fqdn (cn) || ob_rps_validate_ipv4 (cn)))
        {
          g_free (address);
          address = g_strdup (cn);
        }
      gtk_editable_set_text (GTK_EDITABLE (self->address_row), address);
      gtk_spin_button_set_value (self->port_spin,
                                 ob_config_get_cira_port (ob_services_get_config (services)));
      gtk_editable_set_text (GTK_EDITABLE (self->username_row), username);
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), password);
      ob_secure_free_string (password);
    }

  on_field_changed (self);

  return GTK_WIDGET (self);
}

const char *
ob_cira_config_editor_get_error (ObCiraConfigEditor *self,
                                 const char         *field_title)
{
  g_return_val_if_fail (OB_IS_CIRA_CONFIG_EDITOR (self), NULL);

  return ob_rps_find_field_error (GTK_WIDGET (self), field_title);
}
