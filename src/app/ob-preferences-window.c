/* ob-preferences-window.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-api-server.h"
#include "ob-error.h"
#include "ob-log.h"
#include "ob-preferences-window.h"
#include "ob-util.h"

typedef enum
{
  PASSWORD_STATE_CHECKING,
  PASSWORD_STATE_SET,
  PASSWORD_STATE_UNSET,
  PASSWORD_STATE_UNREADABLE,
} PasswordState;

struct _ObPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;
  char *primary_address;

  /* Optional: without it the window edits settings only, and the API's
   * password and status rows stay hidden. */
  ObServices *services;
  ObApiServer *api;
  /* Keyring calls for the current services; cancelled when they change
   * or the window goes away. */
  GCancellable *cancellable;
  PasswordState password_state;
  gboolean password_saving;
  gboolean password_refused;
  /* A change of the API settings awaits the restart it causes. */
  gboolean api_pending;

  GtkSpinButton *cira_port_spin;
  GtkSpinButton *rps_port_spin;
  AdwEntryRow *common_name_row;
  GtkLabel *common_name_hint;
  GtkSpinButton *keepalive_spin;
  AdwActionRow *legacy_tls_row;
  GtkSwitch *legacy_tls_switch;
  GtkLabel *legacy_tls_unavailable_label;
  GtkSwitch *api_enabled_switch;
  AdwComboRow *api_address_row;
  GtkSpinButton *api_port_spin;
  AdwActionRow *api_status_row;
  AdwPasswordEntryRow *api_password_row;
  GtkLabel *api_password_hint;
  AdwComboRow *log_level_row;
};

G_DEFINE_FINAL_TYPE (ObPreferencesWindow, ob_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_SERVICES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The REST API has no TLS and hands out tokens, so the window only offers
 * the loopback addresses; the order matches the combo row's items. */
static const char * const api_addresses[] = {
  "127.0.0.1",
  "::1",
};

static gboolean
is_valid_host_label (const char *label,
                     gsize       len)
{
  if (len == 0 || len > 63)
    return FALSE;
  if (label[0] == '-' || label[len - 1] == '-')
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (label[i]) && label[i] != '-')
        return FALSE;
    }

  return TRUE;
}

/**
 * ob_is_valid_common_name:
 * @text: what the user typed
 *
 * Whether @text can be the MPS common name: empty (meaning this host's
 * primary address), an IPv4 or IPv6 literal, or a host name made of
 * letters, digits and hyphens (RFC 1123).
 *
 * Returns: %TRUE if @text is acceptable
 */
gboolean
ob_is_valid_common_name (const char *text)
{
  const char *label;
  const char *last_label;
  gsize len;

  g_return_val_if_fail (text != NULL, FALSE);

  if (text[0] == '\0')
    return TRUE;
  if (g_hostname_is_ip_address (text))
    return TRUE;

  len = strlen (text);
  if (len > 253)
    return FALSE;

  label = text;
  last_label = text;
  for (;;)
    {
      const char *dot = strchr (label, '.');
      gsize label_len = dot != NULL ? (gsize) (dot - label) : strlen (label);

      if (!is_valid_host_label (label, label_len))
        return FALSE;

      last_label = label;
      if (dot == NULL)
        break;
      label = dot + 1;
    }

  /* An all-numeric last label would make "10.0.0" or "300.1.1.1" pass as a
   * name although they are meant as (broken) addresses. */
  for (const char *p = last_label; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return TRUE;
    }

  return FALSE;
}

static gboolean
map_get_api_address (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  const char *address = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (api_addresses); i++)
    {
      if (g_strcmp0 (address, api_addresses[i]) == 0)
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }

  /* Not one the window offers: GSettings falls back to the default. */
  return FALSE;
}

static GVariant *
map_set_api_address (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (api_addresses))
    return NULL;

  return g_variant_new_string (api_addresses[position]);
}

/* The log-level key is an enum whose values are in the same order as the
 * combo row's items. */
static gboolean
map_get_log_level (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  ObLogLevel level;

  if (!ob_log_level_from_string (g_variant_get_string (variant, NULL), &level))
    return FALSE;

  g_value_set_uint (value, (guint) level);
  return TRUE;
}

static GVariant *
map_set_log_level (const GValue       *value,
                   const GVariantType *expected_type,
                   gpointer            user_data)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (OB_TYPE_LOG_LEVEL);
  GEnumValue *enum_value = g_enum_get_value (enum_class, (int) g_value_get_uint (value));

  if (enum_value == NULL)
    return NULL;

  return g_variant_new_string (enum_value->value_nick);
}

static gboolean
map_get_common_name (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  g_value_set_string (value, g_variant_get_string (variant, NULL));
  return TRUE;
}

/* Returning NULL tells GSettings not to write: an invalid name stays in the
 * entry, marked as an error, and the last valid one stays in the settings. */
static GVariant *
map_set_common_name (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  const char *text = g_value_get_string (value);

  if (text == NULL || !ob_is_valid_common_name (text))
    return NULL;

  return g_variant_new_string (text);
}

static void
ob_preferences_window_update_common_name (ObPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->common_name_row));

  if (ob_is_valid_common_name (text))
    {
      g_autofree char *hint = NULL;

      /* Translators: %s is an IP address such as 192.168.1.20 */
      hint = g_strdup_printf (_("Host name or IP address that devices use to reach this "
                                "computer; it is also the name in the MPS certificate. "
                                "Leave empty to use this computer’s address, %s."),
                              self->primary_address);
      gtk_label_set_label (self->common_name_hint, hint);
      gtk_widget_remove_css_class (GTK_WIDGET (self->common_name_row), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->common_name_hint), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->common_name_row),
                                  GTK_ACCESSIBLE_STATE_INVALID);
    }
  else
    {
      gtk_label_set_label (self->common_name_hint,
                           _("Not a valid host name or IP address, so it is not saved. "
                             "Use letters, digits, hyphens and dots, such as "
                             "mps.example.com, or an address such as 192.168.1.20."));
      gtk_widget_add_css_class (GTK_WIDGET (self->common_name_row), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->common_name_hint), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->common_name_row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
    }
}

static void
on_common_name_changed (ObPreferencesWindow *self,
                        GParamSpec          *pspec,
                        AdwEntryRow         *row)
{
  ob_preferences_window_update_common_name (self);
}

static void
ob_preferences_window_update_api_password (ObPreferencesWindow *self)
{
  GtkWidget *row = GTK_WIDGET (self->api_password_row);
  GtkWidget *hint = GTK_WIDGET (self->api_password_hint);
  const char *env_password = g_getenv (OB_API_PASSWORD_ENV);
  gboolean overridden = env_password != NULL && env_password[0] != '\0';
  g_autofree char *override_note = NULL;
  g_autofree char *text = NULL;
  const char *state;

  gtk_widget_set_sensitive (row, !self->password_saving);

  if (self->password_refused)
    {
      gtk_label_set_label (self->api_password_hint,
                           _("Type a password first: an empty password is not saved."));
      gtk_widget_add_css_class (row, "error");
      gtk_widget_add_css_class (hint, "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
      return;
    }

  gtk_widget_remove_css_class (row, "error");
  gtk_widget_remove_css_class (hint, "error");
  gtk_accessible_reset_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID);

  if (self->password_saving)
    state = _("Saving the password in the keyring…");
  else if (self->password_state == PASSWORD_STATE_CHECKING)
    state = _("Checking the keyring…");
  else if (self->password_state == PASSWORD_STATE_SET)
    state = _("A password is set. Type a new one to replace it.");
  else if (self->password_state == PASSWORD_STATE_UNREADABLE)
    state = _("The keyring could not be read, so it is not known whether a password is set.");
  else if (overridden)
    state = _("No password is kept in the keyring.");
  else
    state = _("No password set: the API cannot start until you set one.");

  if (!overridden)
    {
      gtk_label_set_label (self->api_password_hint, state);
      return;
    }

  /* Translators: %s is the name of an environment variable,
   * OUTBAND_API_PASSWORD */
  override_note = g_strdup_printf (_("The environment variable %s is set, so the API uses "
                                     "its value instead of this password."),
                                   OB_API_PASSWORD_ENV);
  text = g_strconcat (state, " ", override_note, NULL);
  gtk_label_set_label (self->api_password_hint, text);
}

/* The start error in a few words; the technical detail is in the log. */
static char *
describe_api_error (ObPreferencesWindow *self,
                    const GError        *error)
{
  ObConfig *config = ob_services_get_config (self->services);

  if (g_error_matches (error, OB_API_ERROR, OB_API_ERROR_NO_PASSWORD))
    return g_strdup (_("Not running: no password is set"));
  if (g_error_matches (error, OB_API_ERROR, OB_API_ERROR_KEYRING))
    return g_strdup (_("Not running: the keyring could not be read"));
  if (g_error_matches (error, OB_API_ERROR, OB_API_ERROR_LISTEN))
    {
      /* Translators: %u is a TCP port number such as 3000 */
      return g_strdup_printf (_("Not running: port %u could not be opened; another program "
                                "may be using it"),
                              ob_config_get_api_port (config));
    }

  /* Translators: %s says what went wrong (in English) */
  return g_strdup_printf (_("Not running: %s"), error->message);
}

static void
ob_preferences_window_update_api_status (ObPreferencesWindow *self)
{
  g_autofree char *text = NULL;
  ObConfig *config;
  const GError *error;

  if (self->services == NULL)
    return;

  config = ob_services_get_config (self->services);
  error = ob_services_get_api_error (self->services);

  if (self->api != NULL && ob_api_server_get_running (self->api))
    {
      g_autofree char *url = ob_api_server_dup_url (self->api);

      /* Translators: %s is an address such as http://127.0.0.1:3000 */
      text = g_strdup_printf (_("Listening on %s"), url);
    }
  else if (!ob_config_get_api_enabled (config))
    text = g_strdup (C_("REST API status", "Off"));
  else if (ob_services_get_state (self->services) == OB_SERVICES_STATE_FAILED)
    text = g_strdup (_("Not running: Outband’s services could not start"));
  else if (self->api == NULL || self->api_pending || error == NULL)
    text = g_strdup (_("Starting…"));
  else
    text = describe_api_error (self, error);

  adw_action_row_set_subtitle (self->api_status_row, text);
}

static void
on_api_running_changed (ObPreferencesWindow *self,
                        GParamSpec          *pspec,
                        ObApiServer         *api)
{
  if (ob_api_server_get_running (api))
    self->api_pending = FALSE;

  ob_preferences_window_update_api_status (self);
}

static void
ob_preferences_window_track_api (ObPreferencesWindow *self)
{
  ObApiServer *api = self->services != NULL ? ob_services_get_api_server (self->services) : NULL;

  if (api == self->api)
    return;

  if (self->api != NULL)
    g_signal_handlers_disconnect_by_data (self->api, self);
  g_set_object (&self->api, api);

  if (api != NULL)
    {
      g_signal_connect_object (api, "notify::running",
                               G_CALLBACK (on_api_running_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (api, "notify::port",
                               G_CALLBACK (on_api_running_changed), self, G_CONNECT_SWAPPED);
    }
}

/* Where OpenSSL cannot do TLS 1.0/1.1 with RSA key exchange at all, the
 * switch would promise what the MPS cannot give: it is greyed out, and
 * says why.  Without an MPS to ask, it stays as it is. */
static void
ob_preferences_window_update_legacy_tls (ObPreferencesWindow *self)
{
  ObMpsServer *mps = self->services != NULL ? ob_services_get_mps_server (self->services) : NULL;
  gboolean available = mps == NULL || ob_mps_server_get_legacy_tls_available (mps);

  gtk_widget_set_sensitive (GTK_WIDGET (self->legacy_tls_row), available);
  gtk_widget_set_visible (GTK_WIDGET (self->legacy_tls_unavailable_label), !available);
}

static void
on_services_state_changed (ObPreferencesWindow *self,
                           GParamSpec          *pspec,
                           ObServices          *services)
{
  /* The API server exists once the services run. */
  ob_preferences_window_track_api (self);
  ob_preferences_window_update_api_status (self);
  ob_preferences_window_update_legacy_tls (self);
}

static void
on_services_error (ObPreferencesWindow *self,
                   const GError        *error,
                   ObServices          *services)
{
  if (error->domain != OB_API_ERROR)
    return;

  self->api_pending = FALSE;
  ob_preferences_window_update_api_status (self);
}

static void
on_api_setting_changed (ObPreferencesWindow *self,
                        GParamSpec          *pspec,
                        ObConfig            *config)
{
  /* ObServices restarts the API shortly; until it reports, the last
   * error no longer applies. */
  self->api_pending = TRUE;
  ob_preferences_window_update_api_status (self);
}

static void
on_password_looked_up (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  ObPreferencesWindow *self;
  g_autoptr(GError) error = NULL;
  GBytes *password;

  password = ob_secret_store_lookup_finish (OB_SECRET_STORE (source), result, &error);
  /* Cancelled when the window went away: do not touch it. */
  if (ob_error_is_cancelled (error))
    return;

  self = OB_PREFERENCES_WINDOW (user_data);

  if (error != NULL)
    {
      g_message ("Could not read the REST API password from the keyring: %s", error->message);
      self->password_state = PASSWORD_STATE_UNREADABLE;
    }
  else if (password != NULL && g_bytes_get_size (password) > 0)
    {
      self->password_state = PASSWORD_STATE_SET;
    }
  else
    {
      self->password_state = PASSWORD_STATE_UNSET;
    }

  /* Only its presence mattered; wipe the copy. */
  if (password != NULL)
    {
      gsize size;
      guint8 *data = g_bytes_unref_to_data (password, &size);

      ob_secure_clear (data, size);
      g_free (data);
    }

  ob_preferences_window_update_api_password (self);
}

typedef struct
{
  ObSecretStore *secrets;
  char *password;
} SavePassword;

static void
save_password_free (SavePassword *data)
{
  g_clear_object (&data->secrets);
  ob_secure_free_string (data->password);
  g_free (data);
}

static void
save_password_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  SavePassword *data = task_data;
  GError *error = NULL;

  /* Not @cancellable: once asked for, the password is kept even when the
   * window closes in the meantime. */
  if (ob_api_store_password_sync (data->secrets, data->password, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
show_toast (ObPreferencesWindow *self,
            const char          *message)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static void
on_password_saved (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ObPreferencesWindow *self;
  g_autoptr(GError) error = NULL;
  GtkWidget *focus;
  GtkRoot *root;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (ob_error_is_cancelled (error))
    return;

  self = OB_PREFERENCES_WINDOW (user_data);
  self->password_saving = FALSE;

  if (error != NULL)
    {
      g_message ("Could not keep the REST API password in the keyring: %s", error->message);
      ob_preferences_window_update_api_password (self);
      show_toast (self, _("The password could not be saved in the keyring"));
      return;
    }

  self->password_state = PASSWORD_STATE_SET;

  /* Clear the entry with the focus elsewhere, or the row would offer to
   * apply the now empty text. */
  root = gtk_widget_get_root (GTK_WIDGET (self->api_password_row));
  focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->api_password_row)))
    gtk_root_set_focus (root, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->api_password_row), "");

  ob_preferences_window_update_api_password (self);
  show_toast (self, _("API password saved"));

  /* An API that could not start for want of a password can now. */
  if (self->services != NULL && ob_services_retry_api (self->services))
    {
      self->api_pending = TRUE;
      ob_preferences_window_update_api_status (self);
    }
}

static void
on_api_password_apply (ObPreferencesWindow *self,
                       AdwEntryRow         *row)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autoptr(GTask) task = NULL;
  SavePassword *data;

  if (self->services == NULL || self->password_saving)
    return;

  if (text[0] == '\0')
    {
      self->password_refused = TRUE;
      ob_preferences_window_update_api_password (self);
      return;
    }

  data = g_new0 (SavePassword, 1);
  data->secrets = g_object_ref (ob_services_get_secret_store (self->services));
  data->password = g_strdup (text);

  self->password_saving = TRUE;
  ob_preferences_window_update_api_password (self);

  /* The window is not the source object: closing it must not wait for the
   * keyring, and the callback leaves it alone once cancelled. */
  task = g_task_new (NULL, self->cancellable, on_password_saved, self);
  g_task_set_source_tag (task, on_api_password_apply);
  g_task_set_task_data (task, data, (GDestroyNotify) save_password_free);
  g_task_run_in_thread (task, save_password_thread);
}

static void
on_api_password_changed (ObPreferencesWindow *self,
                         GtkEditable         *editable)
{
  if (!self->password_refused)
    return;

  self->password_refused = FALSE;
  ob_preferences_window_update_api_password (self);
}

static void
ob_preferences_window_drop_services (ObPreferencesWindow *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->api != NULL)
    g_signal_handlers_disconnect_by_data (self->api, self);
  g_clear_object (&self->api);

  if (self->services != NULL)
    {
      g_signal_handlers_disconnect_by_data (ob_services_get_config (self->services), self);
      g_signal_handlers_disconnect_by_data (self->services, self);
    }
  g_clear_object (&self->services);

  self->password_saving = FALSE;
  self->password_refused = FALSE;
  self->api_pending = FALSE;
}

static void
ob_preferences_window_bind (ObPreferencesWindow *self)
{
  g_settings_bind (self->settings, "cira-port",
                   self->cira_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "rps-port",
                   self->rps_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);

  g_settings_bind_with_mapping (self->settings, "mps-common-name",
                                self->common_name_row, "text",
                                G_SETTINGS_BIND_DEFAULT,
                                map_get_common_name,
                                map_set_common_name,
                                NULL, NULL);
  g_settings_bind (self->settings, "keepalive-interval",
                   self->keepalive_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "allow-legacy-tls",
                   self->legacy_tls_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  g_settings_bind (self->settings, "api-enabled",
                   self->api_enabled_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  /* The row's sensitivity follows the API switch (see the template), so
   * GSettings must not also drive it from the key's writability. */
  g_settings_bind_with_mapping (self->settings, "api-address",
                                self->api_address_row, "selected",
                                G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY,
                                map_get_api_address,
                                map_set_api_address,
                                NULL, NULL);
  g_settings_bind (self->settings, "api-port",
                   self->api_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);

  g_settings_bind_with_mapping (self->settings, "log-level",
                                self->log_level_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                map_get_log_level,
                                map_set_log_level,
                                NULL, NULL);
}

static void
ob_preferences_window_constructed (GObject *object)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (ob_preferences_window_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));

  ob_preferences_window_bind (self);
  ob_preferences_window_update_common_name (self);
}

static void
ob_preferences_window_dispose (GObject *object)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  ob_preferences_window_drop_services (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ob_preferences_window_parent_class)->dispose (object);
}

static void
ob_preferences_window_finalize (GObject *object)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  g_clear_pointer (&self->primary_address, g_free);

  G_OBJECT_CLASS (ob_preferences_window_parent_class)->finalize (object);
}

static void
ob_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_SERVICES:
      g_value_set_object (value, self->services);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    case PROP_SERVICES:
      ob_preferences_window_set_services (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_preferences_window_class_init (ObPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ob_preferences_window_constructed;
  object_class->dispose = ob_preferences_window_dispose;
  object_class->finalize = ob_preferences_window_finalize;
  object_class->get_property = ob_preferences_window_get_property;
  object_class->set_property = ob_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SERVICES] =
    g_param_spec_object ("services", NULL, NULL,
                         OB_TYPE_SERVICES,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outband/Outband/ob-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, cira_port_spin);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, rps_port_spin);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, common_name_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, common_name_hint);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, keepalive_spin);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, legacy_tls_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, legacy_tls_switch);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, legacy_tls_unavailable_label);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, api_enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, api_address_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, api_port_spin);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, api_status_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, api_password_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, api_password_hint);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, log_level_row);
  gtk_widget_class_bind_template_callback (widget_class, on_common_name_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_api_password_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_api_password_changed);
}

static void
ob_preferences_window_init (ObPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->primary_address = ob_get_primary_address ();
}

/**
 * ob_preferences_window_new:
 * @settings: the application's settings (schema `io.github.outband.Outband`)
 *
 * Returns: (transfer full): a new preferences window whose widgets are
 *   bound to @settings
 */
ObPreferencesWindow *
ob_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (OB_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}

/**
 * ob_preferences_window_get_settings:
 * @self: an #ObPreferencesWindow
 *
 * Returns: (transfer none): the settings the window edits
 */
GSettings *
ob_preferences_window_get_settings (ObPreferencesWindow *self)
{
  g_return_val_if_fail (OB_IS_PREFERENCES_WINDOW (self), NULL);

  return self->settings;
}

/**
 * ob_preferences_window_set_services:
 * @self: an #ObPreferencesWindow
 * @services: (nullable): the application's services
 *
 * Lets the window set the REST API password in @services' secret store and
 * show whether the API runs.  Without services those rows are hidden.
 */
void
ob_preferences_window_set_services (ObPreferencesWindow *self,
                                    ObServices          *services)
{
  g_return_if_fail (OB_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (services == NULL || OB_IS_SERVICES (services));

  if (self->services == services)
    return;

  ob_preferences_window_drop_services (self);

  gtk_widget_set_visible (GTK_WIDGET (self->api_status_row), services != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->api_password_row), services != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->api_password_hint), services != NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->api_password_row), "");

  if (services != NULL)
    {
      ObConfig *config = ob_services_get_config (services);

      self->services = g_object_ref (services);
      self->cancellable = g_cancellable_new ();
      self->password_state = PASSWORD_STATE_CHECKING;

      g_signal_connect_object (services, "notify::state",
                               G_CALLBACK (on_services_state_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (services, "error",
                               G_CALLBACK (on_services_error), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (config, "notify::api-enabled",
                               G_CALLBACK (on_api_setting_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (config, "notify::api-address",
                               G_CALLBACK (on_api_setting_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (config, "notify::api-port",
                               G_CALLBACK (on_api_setting_changed), self, G_CONNECT_SWAPPED);
      ob_preferences_window_track_api (self);

      ob_secret_store_lookup_async (ob_services_get_secret_store (services),
                                    OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                    OB_SECRET_KIND_API_PASSWORD,
                                    self->cancellable, on_password_looked_up, self);

      ob_preferences_window_update_api_password (self);
      ob_preferences_window_update_api_status (self);
    }
  ob_preferences_window_update_legacy_tls (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICES]);
}

/**
 * ob_preferences_window_get_services:
 * @self: an #ObPreferencesWindow
 *
 * Returns: (transfer none) (nullable): the services the window shows
 */
ObServices *
ob_preferences_window_get_services (ObPreferencesWindow *self)
{
  g_return_val_if_fail (OB_IS_PREFERENCES_WINDOW (self), NULL);

  return self->services;
}
