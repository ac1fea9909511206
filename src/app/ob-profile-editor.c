/* ob-profile-editor.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-profile-editor.h"
#include "ob-rps-ui-util.h"
#include "ob-rps-validate.h"
#include "ob-ui-util.h"
#include "ob-util.h"

/* Positions in the template's combo rows. */
enum { ACTIVATION_CCM, ACTIVATION_ACM };
enum { CONSENT_NONE, CONSENT_KVM, CONSENT_ALL };
enum { ACCESS_LAN, ACCESS_CIRA, ACCESS_TLS };

struct _ObProfileEditor
{
  AdwWindow parent_instance;

  ObServices *services;
  ObProfile *existing;        /* NULL: a new one */
  gboolean amt_stored;        /* the existing profile has a typed AMT password */
  gboolean mebx_stored;
  gboolean saving;
  GPtrArray *wifi;            /* names, in priority order */
  GPtrArray *wifi_rows;

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  AdwEntryRow *name_row;
  AdwComboRow *activation_row;
  AdwPreferencesGroup *passwords_group;
  AdwActionRow *amt_random_row;
  GtkSwitch *amt_random_switch;
  AdwPasswordEntryRow *amt_password_row;
  AdwActionRow *mebx_random_row;
  GtkSwitch *mebx_random_switch;
  AdwPasswordEntryRow *mebx_password_row;
  GtkSwitch *kvm_switch;
  GtkSwitch *sol_switch;
  GtkSwitch *ider_switch;
  AdwComboRow *consent_row;
  GtkSwitch *dhcp_switch;
  AdwActionRow *dhcp_row;
  AdwComboRow *ieee_row;
  GtkStringList *ieee_names;
  AdwComboRow *access_row;
  AdwComboRow *cira_row;
  GtkStringList *cira_names;
  AdwComboRow *tls_row;
  AdwPreferencesGroup *wifi_group;
  AdwComboRow *wifi_add_row;
  GtkStringList *wifi_available;
  AdwEntryRow *tags_row;

  GtkWidget *name_error;
  GtkWidget *amt_error;
  GtkWidget *mebx_error;
  GtkWidget *consent_error;
  GtkWidget *access_error;
  GtkWidget *dhcp_error;
};

G_DEFINE_FINAL_TYPE (ObProfileEditor, ob_profile_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void rebuild_wifi (ObProfileEditor *self);

/* What a password still lacks, as one sentence the admin reads while
 * typing; NULL when it is strong enough. */
static char *
password_problems_text (const char *password)
{
  ObRpsPasswordProblems problems = ob_rps_validate_password_problems (password);
  g_autoptr(GPtrArray) needed = g_ptr_array_new ();
  g_autofree char *list = NULL;

  if (problems == 0)
    return NULL;

  if (problems & OB_RPS_PASSWORD_TOO_LONG)
    return g_strdup (_("Use at most 32 characters."));
  if (problems & OB_RPS_PASSWORD_BAD_CHAR)
    return g_strdup (_("Spaces, quotes, { | } and letters outside A–Z cannot be used."));

  if (problems & OB_RPS_PASSWORD_TOO_SHORT)
    g_ptr_array_add (needed, (gpointer) _("at least 8 characters"));
  if (problems & OB_RPS_PASSWORD_NO_LOWER)
    g_ptr_array_add (needed, (gpointer) _("a lower case letter"));
  if (problems & OB_RPS_PASSWORD_NO_UPPER)
    g_ptr_array_add (needed, (gpointer) _("an upper case letter"));
  if (problems & OB_RPS_PASSWORD_NO_DIGIT)
    g_ptr_array_add (needed, (gpointer) _("a digit"));
  if (problems & OB_RPS_PASSWORD_NO_SPECIAL)
    g_ptr_array_add (needed, (gpointer) _("one of ! @ # $ % ^ & *"));
  g_ptr_array_add (needed, NULL);

  list = g_strjoinv (", ", (char **) needed->pdata);
  /* Translators: %s is a list such as "a digit, one of ! @ # $ % ^ & *" */
  return g_strdup_printf (_("Still needed: %s."), list);
}

static gboolean
is_acm (ObProfileEditor *self)
{
  return adw_combo_row_get_selected (self->activation_row) == ACTIVATION_ACM;
}

/* The error of a password field; NULL when it is fine (or left empty to
 * keep the stored one). */
static char *
password_error (const char *password,
                gboolean    stored)
{
  if (password[0] == '\0' && stored)
    return NULL;
  if (password[0] == '\0')
    return g_strdup (_("Type a password, or let each device get a random one."));

  return password_problems_text (password);
}

static gboolean
validate_all (ObProfileEditor *self)
{
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  const char *amt = gtk_editable_get_text (GTK_EDITABLE (self->amt_password_row));
  const char *mebx = gtk_editable_get_text (GTK_EDITABLE (self->mebx_password_row));
  g_autofree char *amt_error = NULL;
  g_autofree char *mebx_error = NULL;
  const char *name_error = NULL;
  const char *consent_error = NULL;
  const char *access_error = NULL;
  const char *dhcp_error = NULL;
  gboolean acm = is_acm (self);
  guint access = adw_combo_row_get_selected (self->access_row);

  if (name[0] == '\0')
    name_error = _("Enter a name; it is what rpc-go is given with -profile.");
  else if (!ob_rps_validate_profile_name (name))
    name_error = _("Use letters, digits and punctuation such as - _ . ! #, without spaces.");
  else if (self->existing == NULL)
    {
      g_autoptr(ObProfile) other = ob_store_get_profile (ob_services_get_store (self->services), name, NULL);

      if (other != NULL)
        name_error = _("A profile with this name already exists.");
    }

  if (!gtk_switch_get_active (self->amt_random_switch))
    amt_error = password_error (amt, self->amt_stored);
  if (acm && !gtk_switch_get_active (self->mebx_random_switch))
    mebx_error = password_error (mebx, self->mebx_stored);

  /* Client control mode always asks the user (the reference refuses
   * anything else). */
  if (!acm && adw_combo_row_get_selected (self->consent_row) != CONSENT_ALL)
    consent_error = _("Client control mode always asks for consent.");

  if (access == ACCESS_CIRA && adw_combo_row_get_selected (self->cira_row) == GTK_INVALID_LIST_POSITION)
    access_error = _("Add a CIRA configuration first (CIRA Configurations in the sidebar).");

  if (self->wifi->len > 0 && !gtk_switch_get_active (self->dhcp_switch))
    dhcp_error = _("AMT joins wireless networks only with DHCP.");

  ob_rps_field_set_error (GTK_WIDGET (self->name_row), self->name_error, name_error);
  ob_rps_field_set_error (GTK_WIDGET (self->amt_password_row), self->amt_error, amt_error);
  ob_rps_field_set_error (GTK_WIDGET (self->mebx_password_row), self->mebx_error, mebx_error);
  ob_rps_field_set_error (GTK_WIDGET (self->consent_row), self->consent_error, consent_error);
  ob_rps_field_set_error (GTK_WIDGET (self->access_row), self->access_error, access_error);
  ob_rps_field_set_error (GTK_WIDGET (self->dhcp_row), self->dhcp_error, dhcp_error);

  return name_error == NULL && amt_error == NULL && mebx_error == NULL && consent_error == NULL &&
         access_error == NULL && dhcp_error == NULL;
}

static void
update_visibility (ObProfileEditor *self)
{
  gboolean acm = is_acm (self);
  guint access = adw_combo_row_get_selected (self->access_row);

  /* Client control mode always asks the user for consent. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->consent_row), acm);
  if (!acm && adw_combo_row_get_selected (self->consent_row) != CONSENT_ALL)
    adw_combo_row_set_selected (self->consent_row, CONSENT_ALL);

  gtk_widget_set_visible (GTK_WIDGET (self->amt_password_row),
                          !gtk_switch_get_active (self->amt_random_switch));
  gtk_widget_set_visible (GTK_WIDGET (self->mebx_random_row), acm);
  gtk_widget_set_visible (GTK_WIDGET (self->mebx_password_row),
                          acm && !gtk_switch_get_active (self->mebx_random_switch));
  gtk_widget_set_visible (GTK_WIDGET (self->cira_row), access == ACCESS_CIRA);
  gtk_widget_set_visible (GTK_WIDGET (self->tls_row), access == ACCESS_TLS);
  gtk_widget_set_visible (GTK_WIDGET (self->wifi_add_row),
                          g_list_model_get_n_items (G_LIST_MODEL (self->wifi_available)) > 0 &&
                          self->wifi->len < OB_RPS_MAX_WIFI_CONFIGS);
}

static void
on_field_changed (ObProfileEditor *self)
{
  if (self->wifi == NULL)
    return;

  update_visibility (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save",
                                 validate_all (self) && !self->saving);
}

/* ------------------------------------------------------------------------
 * Wireless list
 * ------------------------------------------------------------------------ */

static GtkWidget *
create_wifi_row (ObProfileEditor *self,
                 guint            index)
{
  const char *name = g_ptr_array_index (self->wifi, index);
  g_autofree char *subtitle = g_strdup_printf (_("Priority %u"), index + 1);
  GtkWidget *row = adw_action_row_new ();
  struct { const char *icon, *tooltip, *action; gboolean sensitive; } buttons[] = {
    { "go-up-symbolic", N_("Move Up"), "editor.wifi-up", index > 0 },
    { "go-down-symbolic", N_("Move Down"), "editor.wifi-down", index + 1 < self->wifi->len },
    { "list-remove-symbolic", N_("Remove"), "editor.wifi-remove", TRUE },
  };

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      GtkWidget *button = gtk_button_new_from_icon_name (buttons[i].icon);

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, _(buttons[i].tooltip));
      gtk_widget_add_css_class (button, "flat");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), buttons[i].action);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "u", index);
      gtk_widget_set_sensitive (button, buttons[i].sensitive);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }

  return row;
}

static gboolean
wifi_contains (ObProfileEditor *self,
               const char      *name)
{
  for (guint i = 0; i < self->wifi->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->wifi, i), name) == 0)
      return TRUE;

  return FALSE;
}

static void
rebuild_wifi (ObProfileEditor *self)
{
  g_autoptr(GPtrArray) configs = NULL;
  g_autoptr(GStrvBuilder) available = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;

  for (guint i = 0; i < self->wifi_rows->len; i++)
    adw_preferences_group_remove (self->wifi_group, g_ptr_array_index (self->wifi_rows, i));
  g_ptr_array_set_size (self->wifi_rows, 0);

  /* The rows go above "Add Network". */
  g_object_ref (self->wifi_add_row);
  adw_preferences_group_remove (self->wifi_group, GTK_WIDGET (self->wifi_add_row));
  for (guint i = 0; i < self->wifi->len; i++)
    {
      GtkWidget *row = create_wifi_row (self, i);

      g_ptr_array_add (self->wifi_rows, row);
      adw_preferences_group_add (self->wifi_group, row);
    }
  adw_preferences_group_add (self->wifi_group, GTK_WIDGET (self->wifi_add_row));
  g_object_unref (self->wifi_add_row);

  configs = ob_store_list_wireless_configs (ob_services_get_store (self->services), NULL, NULL, NULL);
  for (guint i = 0; configs != NULL && i < configs->len; i++)
    {
      const char *name = ob_wireless_config_get_name (g_ptr_array_index (configs, i));

      if (!wifi_contains (self, name))
        g_strv_builder_add (available, name);
    }
  names = g_strv_builder_end (available);
  gtk_string_list_splice (self->wifi_available, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->wifi_available)),
                          (const char * const *) names);

  if (configs == NULL || configs->len == 0)
    adw_preferences_group_set_description (self->wifi_group,
                                           _("No wireless networks yet: add them under Wireless in the sidebar. Wireless needs DHCP."));
  else
    adw_preferences_group_set_description (self->wifi_group,
                                           _("Devices try them in this order. Wireless needs DHCP."));

  on_field_changed (self);
}

static void
add_wifi_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  ObProfileEditor *self = OB_PROFILE_EDITOR (widget);
  guint selected = adw_combo_row_get_selected (self->wifi_add_row);
  const char *name;

  if (selected == GTK_INVALID_LIST_POSITION || self->wifi->len >= OB_RPS_MAX_WIFI_CONFIGS)
    return;

  name = gtk_string_list_get_string (self->wifi_available, selected);
  g_ptr_array_add (self->wifi, g_strdup (name));
  rebuild_wifi (self);
}

static void
move_wifi_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  ObProfileEditor *self = OB_PROFILE_EDITOR (widget);
  guint index = g_variant_get_uint32 (param);
  guint other;
  gpointer tmp;

  if (index >= self->wifi->len)
    return;

  if (g_str_equal (action_name, "editor.wifi-remove"))
    {
      g_ptr_array_remove_index (self->wifi, index);
      rebuild_wifi (self);
      return;
    }

  if (g_str_equal (action_name, "editor.wifi-up"))
    {
      if (index == 0)
        return;
      other = index - 1;
    }
  else
    other = index + 1;
  if (other >= self->wifi->len)
    return;

  tmp = self->wifi->pdata[index];
  self->wifi->pdata[index] = self->wifi->pdata[other];
  self->wifi->pdata[other] = tmp;
  rebuild_wifi (self);
}

/* ------------------------------------------------------------------------
 * Saving
 * ------------------------------------------------------------------------ */

static void
on_secrets_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObProfileEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));

  if (!ob_rps_secret_job_finish (result, &error))
    {
      g_warning ("Could not store the passwords of profile “%s”: %s", name, error->message);
      /* A new profile without its passwords cannot activate anything. */
      if (self->existing == NULL)
        ob_store_delete_profile (ob_services_get_store (self->services), name, NULL);
      self->saving = FALSE;
      on_field_changed (self);
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("The passwords could not be stored in the keyring")));
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
  ObProfileEditor *self = OB_PROFILE_EDITOR (widget);
  ObStore *store = ob_services_get_store (self->services);
  g_autofree char *name = ob_rps_editable_dup_text (GTK_WIDGET (self->name_row));
  g_autofree char *tags_text = ob_rps_editable_dup_text (GTK_WIDGET (self->tags_row));
  const char *amt = gtk_editable_get_text (GTK_EDITABLE (self->amt_password_row));
  const char *mebx = gtk_editable_get_text (GTK_EDITABLE (self->mebx_password_row));
  gboolean acm = is_acm (self);
  gboolean amt_random = gtk_switch_get_active (self->amt_random_switch);
  gboolean mebx_random = acm && gtk_switch_get_active (self->mebx_random_switch);
  guint access = adw_combo_row_get_selected (self->access_row);
  static const char * const consents[] = {
    OB_PROFILE_USER_CONSENT_NONE, OB_PROFILE_USER_CONSENT_KVM, OB_PROFILE_USER_CONSENT_ALL,
  };
  g_auto(GStrv) tags = NULL;
  g_autoptr(ObProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  ObRpsSecretJob *job;
  gboolean ok;

  if (self->saving || !validate_all (self))
    return;

  profile = self->existing != NULL ? g_object_ref (self->existing) : ob_profile_new (name);
  if (self->existing == NULL)
    ob_profile_set_tenant_id (profile, "");
  ob_profile_set_activation (profile, acm ? OB_PROFILE_ACTIVATION_ACM : OB_PROFILE_ACTIVATION_CCM);
  ob_profile_set_generate_random_password (profile, amt_random);
  ob_profile_set_generate_random_mebx_password (profile, mebx_random);
  ob_profile_set_kvm_enabled (profile, gtk_switch_get_active (self->kvm_switch));
  ob_profile_set_sol_enabled (profile, gtk_switch_get_active (self->sol_switch));
  ob_profile_set_ider_enabled (profile, gtk_switch_get_active (self->ider_switch));
  ob_profile_set_user_consent (profile, consents[MIN (adw_combo_row_get_selected (self->consent_row), CONSENT_ALL)]);
  ob_profile_set_dhcp_enabled (profile, gtk_switch_get_active (self->dhcp_switch));

  if (access == ACCESS_CIRA)
    {
      guint selected = adw_combo_row_get_selected (self->cira_row);

      ob_profile_set_cira_config_name (profile, gtk_string_list_get_string (self->cira_names, selected));
      ob_profile_set_tls_mode (profile, 0);
      ob_profile_set_tls_signing_authority (profile, NULL);
    }
  else if (access == ACCESS_TLS)
    {
      ob_profile_set_cira_config_name (profile, NULL);
      ob_profile_set_tls_mode (profile, adw_combo_row_get_selected (self->tls_row) + 1);
      ob_profile_set_tls_signing_authority (profile, OB_PROFILE_TLS_AUTHORITY_SELF_SIGNED);
    }
  else
    {
      ob_profile_set_cira_config_name (profile, NULL);
      ob_profile_set_tls_mode (profile, 0);
      ob_profile_set_tls_signing_authority (profile, NULL);
    }

  /* Position 0 is "None". */
  if (adw_combo_row_get_selected (self->ieee_row) > 0 &&
      adw_combo_row_get_selected (self->ieee_row) != GTK_INVALID_LIST_POSITION)
    ob_profile_set_ieee8021x_profile_name (profile,
                                           gtk_string_list_get_string (self->ieee_names,
                                                                       adw_combo_row_get_selected (self->ieee_row)));
  else
    ob_profile_set_ieee8021x_profile_name (profile, NULL);

  tags = ob_tags_parse (tags_text);
  ob_profile_set_tags (profile, (const char * const *) tags);

  ob_profile_clear_wifi_links (profile);
  for (guint i = 0; i < self->wifi->len; i++)
    ob_profile_add_wifi_link (profile, g_ptr_array_index (self->wifi, i), i + 1);

  if (self->existing != NULL)
    ok = ob_store_update_profile (store, profile, &error);
  else
    ok = ob_store_insert_profile (store, profile, &error);

  if (!ok)
    {
      g_warning ("Could not save profile “%s”: %s", name, error->message);
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT) ?
                                                  _("Someone else changed this profile meanwhile; close and open it again") :
                                                  _("The profile could not be saved")));
      return;
    }

  /* The keyring as the REST API leaves it: a typed password under the
   * profile, none when each device gets a random one. */
  job = ob_rps_secret_job_new (ob_services_get_secret_store (self->services));
  if (amt_random)
    ob_rps_secret_job_clear (job, OB_SECRET_OWNER_PROFILE, name, OB_SECRET_KIND_AMT_PASSWORD);
  else if (amt[0] != '\0')
    ob_rps_secret_job_set (job, OB_SECRET_OWNER_PROFILE, name, OB_SECRET_KIND_AMT_PASSWORD, amt);
  if (!acm || mebx_random)
    ob_rps_secret_job_clear (job, OB_SECRET_OWNER_PROFILE, name, OB_SECRET_KIND_MEBX_PASSWORD);
  else if (mebx[0] != '\0')
    ob_rps_secret_job_set (job, OB_SECRET_OWNER_PROFILE, name, OB_SECRET_KIND_MEBX_PASSWORD, mebx);

  self->saving = TRUE;
  gtk_widget_action_set_enabled (widget, "editor.save", FALSE);
  ob_rps_secret_job_run (job, NULL, on_secrets_written, g_object_ref (self));
}

static void
ob_profile_editor_dispose (GObject *object)
{
  ObProfileEditor *self = OB_PROFILE_EDITOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_PROFILE_EDITOR);
  g_clear_object (&self->services);
  g_clear_object (&self->existing);
  g_clear_pointer (&self->wifi, g_ptr_array_unref);
  g_clear_pointer (&self->wifi_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (ob_profile_editor_parent_class)->dispose (object);
}

static void
ob_profile_editor_class_init (ObProfileEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_profile_editor_dispose;

  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-profile-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, activation_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, passwords_group);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, amt_random_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, amt_random_switch);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, amt_password_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, mebx_random_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, mebx_random_switch);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, mebx_password_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, kvm_switch);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, sol_switch);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, ider_switch);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, consent_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, dhcp_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, dhcp_switch);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, ieee_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, ieee_names);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, access_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, cira_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, cira_names);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, tls_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, wifi_group);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, wifi_add_row);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, wifi_available);
  gtk_widget_class_bind_template_child (widget_class, ObProfileEditor, tags_row);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.add-wifi", NULL, add_wifi_action);
  gtk_widget_class_install_action (widget_class, "editor.wifi-up", "u", move_wifi_action);
  gtk_widget_class_install_action (widget_class, "editor.wifi-down", "u", move_wifi_action);
  gtk_widget_class_install_action (widget_class, "editor.wifi-remove", "u", move_wifi_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ob_profile_editor_init (ObProfileEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->wifi_rows = g_ptr_array_new ();
  self->name_error = ob_rps_attach_error_row (GTK_WIDGET (self->name_row));
  self->amt_error = ob_rps_attach_error_row (GTK_WIDGET (self->amt_password_row));
  self->mebx_error = ob_rps_attach_error_row (GTK_WIDGET (self->mebx_password_row));
  self->consent_error = ob_rps_attach_error_row (GTK_WIDGET (self->consent_row));
  self->dhcp_error = ob_rps_attach_error_row (GTK_WIDGET (self->dhcp_row));
  self->access_error = ob_rps_attach_error_row (GTK_WIDGET (self->access_row));
}

static void
load_profile (ObProfileEditor *self)
{
  ObProfile *p = self->existing;
  const char *consent = ob_profile_get_user_consent (p);
  const char *cira = ob_profile_get_cira_config_name (p);
  const char * const *tags = ob_profile_get_tags (p);
  GPtrArray *links = ob_profile_get_wifi_links (p);
  gboolean acm = g_strcmp0 (ob_profile_get_activation (p), OB_PROFILE_ACTIVATION_ACM) == 0;

  adw_window_title_set_title (self->window_title, _("Edit Profile"));
  adw_window_title_set_subtitle (self->window_title, ob_profile_get_name (p));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), ob_profile_get_name (p));
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), FALSE);
  adw_combo_row_set_selected (self->activation_row, acm ? ACTIVATION_ACM : ACTIVATION_CCM);

  self->amt_stored = !ob_profile_get_generate_random_password (p);
  self->mebx_stored = acm && !ob_profile_get_generate_random_mebx_password (p);
  gtk_switch_set_active (self->amt_random_switch, !self->amt_stored);
  gtk_switch_set_active (self->mebx_random_switch, !self->mebx_stored);
  /* Stored passwords are never shown back. */
  adw_preferences_group_set_description (self->passwords_group,
                                         _("Typed passwords are unchanged unless you type new ones. They need 8 to 32 characters with a digit, a lower and an upper case letter and one of ! @ # $ % ^ &amp; *."));

  gtk_switch_set_active (self->kvm_switch, ob_profile_get_kvm_enabled (p));
  gtk_switch_set_active (self->sol_switch, ob_profile_get_sol_enabled (p));
  gtk_switch_set_active (self->ider_switch, ob_profile_get_ider_enabled (p));
  if (g_strcmp0 (consent, OB_PROFILE_USER_CONSENT_NONE) == 0)
    adw_combo_row_set_selected (self->consent_row, CONSENT_NONE);
  else if (g_strcmp0 (consent, OB_PROFILE_USER_CONSENT_KVM) == 0)
    adw_combo_row_set_selected (self->consent_row, CONSENT_KVM);
  else
    adw_combo_row_set_selected (self->consent_row, CONSENT_ALL);
  gtk_switch_set_active (self->dhcp_switch, ob_profile_get_dhcp_enabled (p));

  if (cira != NULL && cira[0] != '\0')
    {
      adw_combo_row_set_selected (self->access_row, ACCESS_CIRA);
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->cira_names)); i++)
        if (g_strcmp0 (gtk_string_list_get_string (self->cira_names, i), cira) == 0)
          adw_combo_row_set_selected (self->cira_row, i);
    }
  else if (ob_profile_get_tls_mode (p) != 0)
    {
      adw_combo_row_set_selected (self->access_row, ACCESS_TLS);
      adw_combo_row_set_selected (self->tls_row, CLAMP (ob_profile_get_tls_mode (p), 1, 4) - 1);
    }

  for (guint i = 1; i < g_list_model_get_n_items (G_LIST_MODEL (self->ieee_names)); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->ieee_names, i), ob_profile_get_ieee8021x_profile_name (p)) == 0)
      adw_combo_row_set_selected (self->ieee_row, i);

  if (tags != NULL)
    {
      g_autofree char *text = g_strjoinv (", ", (char **) tags);

      gtk_editable_set_text (GTK_EDITABLE (self->tags_row), text);
    }

  for (guint i = 0; links != NULL && i < links->len; i++)
    g_ptr_array_add (self->wifi, g_strdup (((ObProfileWifiLink *) g_ptr_array_index (links, i))->name));
}

GtkWidget *
ob_profile_editor_new (ObServices *services,
                       const char *name)
{
  ObProfileEditor *self;
  ObStore *store;
  g_autoptr(GPtrArray) ciras = NULL;
  g_autoptr(GPtrArray) ieees = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (OB_IS_SERVICES (services), NULL);

  self = g_object_new (OB_TYPE_PROFILE_EDITOR, NULL);
  self->services = g_object_ref (services);
  store = ob_services_get_store (services);

  ciras = ob_store_list_cira_configs (store, NULL, NULL, NULL);
  for (guint i = 0; ciras != NULL && i < ciras->len; i++)
    gtk_string_list_append (self->cira_names, ob_cira_config_get_name (g_ptr_array_index (ciras, i)));

  /* Only wired 802.1x configurations fit a profile. */
  gtk_string_list_append (self->ieee_names, _("None"));
  ieees = ob_store_list_ieee8021x_configs (store, NULL, NULL, NULL);
  for (guint i = 0; ieees != NULL && i < ieees->len; i++)
    if (ob_ieee8021x_config_get_wired_interface (g_ptr_array_index (ieees, i)))
      gtk_string_list_append (self->ieee_names, ob_ieee8021x_config_get_name (g_ptr_array_index (ieees, i)));
  gtk_widget_set_visible (GTK_WIDGET (self->ieee_row),
                          g_list_model_get_n_items (G_LIST_MODEL (self->ieee_names)) > 1);

  /* Defaults as the reference's: CCM asks for consent for everything,
   * KVM on, DHCP on. */
  adw_combo_row_set_selected (self->consent_row, CONSENT_ALL);
  gtk_switch_set_active (self->kvm_switch, TRUE);
  if (ciras != NULL && ciras->len > 0)
    adw_combo_row_set_selected (self->access_row, ACCESS_CIRA);

  if (name != NULL)
    {
      self->existing = ob_store_get_profile (store, name, &error);
      if (self->existing == NULL)
        g_warning ("Cannot open profile “%s”: %s", name, error->message);
    }

  self->wifi = g_ptr_array_new_with_free_func (g_free);
  if (self->existing != NULL)
    load_profile (self);

  rebuild_wifi (self);

  return GTK_WIDGET (self);
}

const char *
ob_profile_editor_get_error (ObProfileEditor *self,
                             const char      *field_title)
{
  g_return_val_if_fail (OB_IS_PROFILE_EDITOR (self), NULL);

  return ob_rps_find_field_error (GTK_WIDGET (self), field_title);
}
