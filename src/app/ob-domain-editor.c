/* ob-domain-editor.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-cert-chain.h"
#include "ob-domain-editor.h"
#include "ob-rps-ui-util.h"
#include "ob-rps-validate.h"
#include "ob-util.h"

struct _ObDomainEditor
{
  AdwWindow parent_instance;

  ObServices *services;
  ObDomain *existing;
  GBytes *pfx;              /* the chosen file, NULL: none (or the stored one) */
  ObCertChain *chain;       /* opened from pfx and the password */
  GError *chain_error;
  GCancellable *cancellable;
  guint generation;         /* drops answers to superseded openings */
  gboolean opening;
  gboolean saving;
  GPtrArray *chain_rows;
  GtkFileChooserNative *chooser;

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  AdwEntryRow *name_row;
  AdwEntryRow *suffix_row;
  AdwPreferencesGroup *cert_group;
  AdwActionRow *file_row;
  AdwPasswordEntryRow *password_row;
  AdwPreferencesGroup *chain_group;
  AdwActionRow *expiry_row;
  AdwActionRow *fingerprint_row;

  GtkWidget *name_error;
  GtkWidget *suffix_error;
  GtkWidget *file_error;
  GtkWidget *password_error;
};

G_DEFINE_FINAL_TYPE (ObDomainEditor, ob_domain_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void open_chain (ObDomainEditor *self);

static gboolean
password_is_wrong (const GError *error)
{
  return g_error_matches (error, OB_TLS_ERROR, OB_TLS_ERROR_WRONG_PASSWORD);
}

/* Why the file cannot be used, in words for the admin. */
static char *
chain_error_text (const GError *error)
{
  if (error == NULL || password_is_wrong (error))
    return NULL;

  if (g_error_matches (error, OB_TLS_ERROR, OB_TLS_ERROR_EXPIRED))
    return g_strdup (_("A certificate in this file has expired: devices would refuse it. Ask "
                       "your certificate authority for a renewed one."));
  if (g_error_matches (error, OB_TLS_ERROR, OB_TLS_ERROR_NOT_YET_VALID))
    return g_strdup (_("A certificate in this file is not valid yet. Check this machine’s clock."));
  if (g_error_matches (error, OB_TLS_ERROR, OB_TLS_ERROR_INCOMPLETE_CHAIN))
    return g_strdup (_("The file lacks the certificates up to the root, which AMT needs to "
                       "check the chain. Export it again with the whole chain included."));
  if (g_error_matches (error, OB_TLS_ERROR, OB_TLS_ERROR_MISSING_KEY) ||
      g_error_matches (error, OB_TLS_ERROR, OB_TLS_ERROR_KEY_MISMATCH))
    return g_strdup (_("The file holds no private key for its certificate. Export it again "
                       "with the private key."));
  if (g_error_matches (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED))
    return g_strdup (_("This is not a PKCS#12 (.pfx) file."));

  return g_strdup_printf (_("The certificate cannot be used: %s"), error->message);
}

static void
clear_chain_rows (ObDomainEditor *self)
{
  for (guint i = 0; i < self->chain_rows->len; i++)
    adw_preferences_group_remove (self->chain_group, g_ptr_array_index (self->chain_rows, i));
  g_ptr_array_set_size (self->chain_rows, 0);
}

static void
show_chain (ObDomainEditor *self)
{
  guint n;
  g_autoptr(GDateTime) expiry = NULL;
  g_autofree char *expiry_text = NULL;
  g_autofree char *fingerprint = NULL;

  clear_chain_rows (self);
  gtk_widget_set_visible (GTK_WIDGET (self->chain_group), self->chain != NULL);
  if (self->chain == NULL)
    return;

  n = ob_cert_chain_get_n_certificates (self->chain);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *cn = ob_cert_chain_dup_subject_cn (self->chain, i);
      g_autoptr(GDateTime) not_after = ob_cert_chain_dup_not_after (self->chain, i);
      g_autofree char *date = not_after != NULL ? g_date_time_format (not_after, "%x") : NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      const char *role = i == 0 ? _("Provisioning certificate") :
                         i + 1 == n ? _("Root") : _("Intermediate");

      /* Translators: "<role> · valid until <date>" */
      subtitle = g_strdup_printf (_("%s · valid until %s"), role, date != NULL ? date : "?");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), cn != NULL ? cn : _("(no name)"));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name (i + 1 == n ? "security-high-symbolic" :
                                                               "application-certificate-symbolic"));
      g_ptr_array_add (self->chain_rows, row);
      adw_preferences_group_add (self->chain_group, row);
    }

  expiry = ob_cert_chain_dup_earliest_expiry (self->chain);
  expiry_text = expiry != NULL ? g_date_time_format (expiry, "%x") : g_strdup ("?");
  adw_action_row_set_subtitle (self->expiry_row, expiry_text);
  fingerprint = ob_cert_chain_dup_root_fingerprint (self->chain, OB_HASH_ALGORITHM_SHA256);
  adw_action_row_set_subtitle (self->fingerprint_row, fingerprint != NULL ? fingerprint : "");
}

static gboolean
validate_all (ObDomainEditor *self)
{
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  g_autofree char *suffix = ob_rps_editable_dup_text (GTK_WIDGET (self->suffix_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  g_autofree char *lower = g_ascii_strdown (suffix, -1);
  g_autofree char *file_error = NULL;
  g_autofree char *suffix_error = NULL;
  const char *name_error = NULL;
  const char *password_error = NULL;

  if (name[0] == '\0')
    name_error = _("Enter a name for this domain.");
  else if (!ob_rps_validate_profile_name (name))
    name_error = _("Use letters, digits and punctuation such as - _ . ! #, without spaces.");
  else if (self->existing == NULL)
    {
      g_autoptr(ObDomain) other = ob_store_get_domain (ob_services_get_store (self->services), name, NULL);

      if (other != NULL)
        name_error = _("A domain with this name already exists.");
    }

  if (suffix[0] == '\0')
    suffix_error = g_strdup (_("Enter the DNS suffix devices on this network have, such as corp.example.com."));
  else if (!ob_rps_validate_fqdn (lower))
    suffix_error = g_strdup (_("A DNS suffix is two or more labels of letters, digits and hyphens, such as corp.example.com."));
  else if (self->chain != NULL && !ob_cert_chain_matches_domain_suffix (self->chain, lower))
    suffix_error = g_strdup_printf (_("The certificate was issued for “%s”, which is not in this DNS suffix."),
                                    ob_cert_chain_get_leaf_common_name (self->chain));

  if (self->pfx == NULL && self->existing == NULL)
    file_error = g_strdup (_("Choose the provisioning certificate (.pfx)."));
  else
    file_error = chain_error_text (self->chain_error);

  if (g_utf8_strlen (password, -1) > OB_RPS_PFX_PASSWORD_MAX)
    password_error = _("A certificate password has at most 64 characters.");
  else if (self->pfx != NULL && password[0] == '\0')
    password_error = _("Enter the password the file was exported with.");
  else if (password_is_wrong (self->chain_error))
    password_error = _("This password does not open the file.");

  ob_rps_field_set_error (GTK_WIDGET (self->name_row), self->name_error, name_error);
  ob_rps_field_set_error (GTK_WIDGET (self->suffix_row), self->suffix_error, suffix_error);
  ob_rps_field_set_error (GTK_WIDGET (self->file_row), self->file_error, file_error);
  ob_rps_field_set_error (GTK_WIDGET (self->password_row), self->password_error, password_error);

  return name_error == NULL && suffix_error == NULL && file_error == NULL && password_error == NULL &&
         !self->opening && (self->pfx == NULL || self->chain != NULL);
}

static void
update (ObDomainEditor *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save",
                                 validate_all (self) && !self->saving);
}

static void
on_field_changed (ObDomainEditor *self)
{
  update (self);
}

static void
on_password_changed (ObDomainEditor *self)
{
  open_chain (self);
}

/* ------------------------------------------------------------------------
 * Opening the file, off the main thread
 * ------------------------------------------------------------------------ */

typedef struct
{
  GBytes *pfx;
  char   *password;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_bytes_unref (data->pfx);
  ob_secure_free_string (data->password);
  g_free (data);
}

static void
open_chain_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  OpenData *data = task_data;
  GError *error = NULL;
  ObCertChain *chain = ob_cert_chain_new_from_pkcs12 (data->pfx, data->password, &error);

  if (chain == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, chain, g_object_unref);
}

static void
on_chain_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ObDomainEditor *self = OB_DOMAIN_EDITOR (source);
  guint generation = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  ObCertChain *chain = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || generation != self->generation)
    {
      g_clear_object (&chain);
      return;
    }

  self->opening = FALSE;
  g_clear_object (&self->chain);
  g_clear_error (&self->chain_error);
  self->chain = chain;
  self->chain_error = g_steal_pointer (&error);
  show_chain (self);
  update (self);
}

static void
open_chain (ObDomainEditor *self)
{
  g_autoptr(GTask) task = NULL;
  OpenData *data;
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->chain);
  g_clear_error (&self->chain_error);
  self->generation++;
  self->opening = FALSE;

  if (self->pfx != NULL && password[0] != '\0')
    {
      self->cancellable = g_cancellable_new ();
      self->opening = TRUE;
      data = g_new0 (OpenData, 1);
      data->pfx = g_bytes_ref (self->pfx);
      data->password = g_strdup (password);
      task = g_task_new (self, self->cancellable, on_chain_opened, GUINT_TO_POINTER (self->generation));
      g_task_set_source_tag (task, open_chain);
      g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
      g_task_run_in_thread (task, open_chain_thread);
    }

  show_chain (self);
  update (self);
}

/* Loads @file (small: a few kilobytes) and opens it with the password. */
static void
on_file_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ObDomainEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  g_autofree char *basename = g_file_get_basename (G_FILE (source));

  if (bytes == NULL)
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("The file could not be read")));
      return;
    }

  ob_domain_editor_set_file_contents (self, basename, bytes);
}

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  ObDomainEditor *self = OB_DOMAIN_EDITOR (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        g_file_load_bytes_async (file, NULL, on_file_loaded, g_object_ref (self));
    }

  g_clear_object (&self->chooser);
}

static void
choose_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  ObDomainEditor *self = OB_DOMAIN_EDITOR (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;

  gtk_file_filter_set_name (filter, _("PKCS#12 Certificates"));
  gtk_file_filter_add_pattern (filter, "*.pfx");
  gtk_file_filter_add_pattern (filter, "*.p12");
  gtk_file_filter_add_mime_type (filter, "application/x-pkcs12");
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");

  /* The portal's chooser inside a sandbox. */
  self->chooser = gtk_file_chooser_native_new (_("Choose a Provisioning Certificate"),
                                               GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ------------------------------------------------------------------------
 * Saving
 * ------------------------------------------------------------------------ */

static void
on_secrets_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObDomainEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));

  if (!ob_rps_secret_job_finish (result, &error))
    {
      g_warning ("Could not store the certificate of domain “%s”: %s", name, error->message);
      if (self->existing == NULL)
        ob_store_delete_domain (ob_services_get_store (self->services), name, NULL);
      self->saving = FALSE;
      update (self);
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("The certificate could not be stored in the keyring")));
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
  ObDomainEditor *self = OB_DOMAIN_EDITOR (widget);
  ObStore *store = ob_services_get_store (self->services);
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  g_autofree char *suffix = ob_rps_editable_dup_text (GTK_WIDGET (self->suffix_row));
  g_autofree char *lower = g_ascii_strdown (suffix, -1);
  g_autoptr(ObDomain) domain = NULL;
  g_autoptr(GError) error = NULL;
  ObRpsSecretJob *job;
  gboolean ok;

  if (self->saving || !validate_all (self))
    return;

  domain = self->existing != NULL ? g_object_ref (self->existing) : ob_domain_new (name);
  if (self->existing == NULL)
    {
      ob_domain_set_tenant_id (domain, "");
      ob_domain_set_provisioning_cert_storage_format (domain, "raw");
    }
  ob_domain_set_domain_suffix (domain, lower);
  if (self->chain != NULL)
    {
      g_autoptr(GDateTime) expiry = ob_cert_chain_dup_earliest_expiry (self->chain);

      ob_domain_set_expiration_date (domain, expiry);
    }

  if (self->existing != NULL)
    ok = ob_store_update_domain (store, domain, &error);
  else
    ok = ob_store_insert_domain (store, domain, &error);

  if (!ok)
    {
      g_warning ("Could not save domain “%s”: %s", name, error->message);
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE) ?
                                                  _("Another domain already has this DNS suffix") :
                                                  _("The domain could not be saved")));
      return;
    }

  if (self->pfx == NULL)
    {
      g_signal_emit (self, signals[SAVED], 0, name);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  job = ob_rps_secret_job_new (ob_services_get_secret_store (self->services));
  ob_rps_secret_job_set_bytes (job, OB_SECRET_OWNER_DOMAIN, name, OB_SECRET_KIND_PFX, self->pfx);
  ob_rps_secret_job_set (job, OB_SECRET_OWNER_DOMAIN, name, OB_SECRET_KIND_PFX_PASSWORD,
                         gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  self->saving = TRUE;
  gtk_widget_action_set_enabled (widget, "editor.save", FALSE);
  ob_rps_secret_job_run (job, NULL, on_secrets_written, g_object_ref (self));
}

static void
ob_domain_editor_dispose (GObject *object)
{
  ObDomainEditor *self = OB_DOMAIN_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DOMAIN_EDITOR);
  g_clear_object (&self->services);
  g_clear_object (&self->existing);
  g_clear_object (&self->chain);
  g_clear_pointer (&self->pfx, g_bytes_unref);
  g_clear_error (&self->chain_error);
  g_clear_pointer (&self->chain_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (ob_domain_editor_parent_class)->dispose (object);
}

static void
ob_domain_editor_class_init (ObDomainEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_domain_editor_dispose;

  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-domain-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, suffix_row);
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, cert_group);
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, file_row);
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, password_row);
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, chain_group);
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, ObDomainEditor, fingerprint_row);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.choose-file", NULL, choose_file_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_domain_editor_init (ObDomainEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->chain_rows = g_ptr_array_new ();
  self->name_error = ob_rps_attach_error_row (GTK_WIDGET (self->name_row));
  self->suffix_error = ob_rps_attach_error_row (GTK_WIDGET (self->suffix_row));
  self->file_error = ob_rps_attach_error_row (GTK_WIDGET (self->file_row));
  self->password_error = ob_rps_attach_error_row (GTK_WIDGET (self->password_row));
  /* The password reopens the file; the template's handler only checks. */
  g_signal_connect_swapped (self->password_row, "changed", G_CALLBACK (on_password_changed), self);
}

GtkWidget *
ob_domain_editor_new (ObServices *services,
                      const char *name)
{
  ObDomainEditor *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (OB_IS_SERVICES (services), NULL);

  self = g_object_new (OB_TYPE_DOMAIN_EDITOR, NULL);
  self->services = g_object_ref (services);

  if (name != NULL)
    {
      self->existing = ob_store_get_domain (ob_services_get_store (services), name, &error);
      if (self->existing == NULL)
        g_warning ("Cannot open domain “%s”: %s", name, error->message);
    }

  if (self->existing != NULL)
    {
      GDateTime *expiry = ob_domain_get_expiration_date (self->existing);
      g_autofree char *date = expiry != NULL ? g_date_time_format (expiry, "%x") : NULL;
      g_autofree char *subtitle = NULL;

      adw_window_title_set_title (self->window_title, _("Edit Domain"));
      adw_window_title_set_subtitle (self->window_title, name);
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), ob_domain_get_name (self->existing));
      gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), FALSE);
      gtk_editable_set_text (GTK_EDITABLE (self->suffix_row), ob_domain_get_domain_suffix (self->existing));
      /* The stored certificate and password are never shown back. */
      subtitle = date != NULL ? g_strdup_printf (_("Unchanged (expires %s)"), date) : g_strdup (_("Unchanged"));
      adw_action_row_set_subtitle (self->file_row, subtitle);
      adw_preferences_group_set_description (self->cert_group,
                                             _("The stored certificate stays unless you choose a new file."));
    }

  update (self);

  return GTK_WIDGET (self);
}

/**
 * ob_domain_editor_set_file_contents:
 * @self: an #ObDomainEditor
 * @basename: the file's name, for the row
 * @pfx: the PKCS#12 file
 *
 * What choosing a file does once it is read (also for tests).
 */
void
ob_domain_editor_set_file_contents (ObDomainEditor *self,
                                    const char     *basename,
                                    GBytes         *pfx)
{
  g_return_if_fail (OB_IS_DOMAIN_EDITOR (self));
  g_return_if_fail (pfx != NULL);

  g_clear_pointer (&self->pfx, g_bytes_unref);
  self->pfx = g_bytes_ref (pfx);
  adw_action_row_set_subtitle (self->file_row, basename);
  open_chain (self);
}

const char *
ob_domain_editor_get_error (ObDomainEditor *self,
                            const char     *field_title)
{
  g_return_val_if_fail (OB_IS_DOMAIN_EDITOR (self), NULL);

  return ob_rps_find_field_error (GTK_WIDGET (self), field_title);
}
