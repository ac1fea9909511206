/* test-ui-preferences.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <adwaita.h>

#include "ob-api-server.h"
#include "ob-preferences-window.h"
#include "ob-secret-store-memory.h"
#include "ob-services.h"
#include "ob-util.h"
#include "ui-test-util.h"

typedef struct
{
  GSettings *settings;
  ObPreferencesWindow *window;
} Fixture;

static void
wait_until_mapped (GtkWidget *widget)
{
  wait_for (widget_is_mapped, widget, "the preferences window");
}

/* NULL when there is no row titled @title. */
static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  return find_descendant (root, is_row_titled, title);
}

/* The control inside the row with this title. */
static GtkWidget *
row_widget (Fixture    *fixture,
            const char *title,
            GType       type)
{
  GtkWidget *row = find_row (GTK_WIDGET (fixture->window), title);
  GtkWidget *widget;

  if (row == NULL)
    g_error ("No row titled “%s”", title);

  widget = find_by_type (row, type);
  if (widget == NULL)
    g_error ("No %s in the row titled “%s”", g_type_name (type), title);

  return widget;
}

static GtkSpinButton *
spin_in_row (Fixture    *fixture,
             const char *title)
{
  return GTK_SPIN_BUTTON (row_widget (fixture, title, GTK_TYPE_SPIN_BUTTON));
}

static GtkSwitch *
switch_in_row (Fixture    *fixture,
               const char *title)
{
  return GTK_SWITCH (row_widget (fixture, title, GTK_TYPE_SWITCH));
}

static AdwComboRow *
combo_row (Fixture    *fixture,
           const char *title)
{
  return ADW_COMBO_ROW (row_widget (fixture, title, ADW_TYPE_COMBO_ROW));
}

static GtkWidget *
find_caption_outside_rows (GtkWidget *root)
{
  if (GTK_IS_LABEL (root) &&
      gtk_widget_has_css_class (root, "caption") &&
      gtk_widget_get_ancestor (root, ADW_TYPE_PREFERENCES_ROW) == NULL)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_caption_outside_rows (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The label under the common name entry: its hint, or its error. */
static GtkLabel *
common_name_message (Fixture *fixture)
{
  GtkWidget *entry = find_row (GTK_WIDGET (fixture->window), "Common Name");
  GtkWidget *group = gtk_widget_get_ancestor (entry, ADW_TYPE_PREFERENCES_GROUP);
  GtkWidget *label;

  g_assert_nonnull (group);
  label = find_caption_outside_rows (group);
  g_assert_nonnull (label);

  return GTK_LABEL (label);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  fixture->settings = g_settings_new (APP_ID);

  /* The memory backend lives as long as the process: start each test from
   * the schema's defaults. */
  g_object_get (fixture->settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (fixture->settings, keys[i]);

  fixture->window = g_object_ref (ob_preferences_window_new (fixture->settings));
  g_assert_true (ob_preferences_window_get_settings (fixture->window) == fixture->settings);
  /* Tall enough for the screenshots to show every group. */
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 640, 1240);
  gtk_window_present (GTK_WINDOW (fixture->window));
  wait_until_mapped (GTK_WIDGET (fixture->window));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_assert_finalize_object (fixture->window);
  g_clear_object (&fixture->settings);
}

static void
test_defaults_shown (Fixture       *fixture,
                     gconstpointer  data)
{
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "CIRA Port")), ==, 4433);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Provisioning Port")), ==, 8080);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Keepalive Interval")), ==, 30);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Port")), ==, 3000);
  g_assert_false (gtk_switch_get_active (switch_in_row (fixture, "Serve REST API")));
  g_assert_false (gtk_switch_get_active (switch_in_row (fixture, "Allow Legacy TLS")));
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Address")), ==, 0);
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Log Level")), ==, 2);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (GTK_WIDGET (fixture->window), "Common Name"))), ==, "");

  /* The API is off by default, so its address and port are not editable. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (combo_row (fixture, "Address"))));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (spin_in_row (fixture, "Port"))));

  save_screenshot (GTK_WIDGET (fixture->window), "test-ui-preferences.png");
}

static void
test_widgets_write_settings (Fixture       *fixture,
                             gconstpointer  data)
{
  GSettings *settings = fixture->settings;

  gtk_spin_button_set_value (spin_in_row (fixture, "CIRA Port"), 14433);
  g_assert_cmpuint (g_settings_get_uint (settings, "cira-port"), ==, 14433);

  /* The spin button keeps ports where the schema allows them. */
  gtk_spin_button_set_value (spin_in_row (fixture, "Provisioning Port"), 80);
  g_assert_cmpuint (g_settings_get_uint (settings, "rps-port"), ==, 1024);
  gtk_spin_button_set_value (spin_in_row (fixture, "Provisioning Port"), 18080);
  g_assert_cmpuint (g_settings_get_uint (settings, "rps-port"), ==, 18080);

  gtk_spin_button_set_value (spin_in_row (fixture, "Keepalive Interval"), 120);
  g_assert_cmpuint (g_settings_get_uint (settings, "keepalive-interval"), ==, 120);
  gtk_spin_button_set_value (spin_in_row (fixture, "Keepalive Interval"), 1);
  g_assert_cmpuint (g_settings_get_uint (settings, "keepalive-interval"), ==, 5);

  gtk_switch_set_active (switch_in_row (fixture, "Allow Legacy TLS"), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "allow-legacy-tls"));

  gtk_switch_set_active (switch_in_row (fixture, "Serve REST API"), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "api-enabled"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (combo_row (fixture, "Address"))));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (spin_in_row (fixture, "Port"))));

  adw_combo_row_set_selected (combo_row (fixture, "Address"), 1);
  g_assert_cmpstr (g_settings_get_string (settings, "api-address"), ==, "::1");
  adw_combo_row_set_selected (combo_row (fixture, "Address"), 0);
  g_assert_cmpstr (g_settings_get_string (settings, "api-address"), ==, "127.0.0.1");

  gtk_spin_button_set_value (spin_in_row (fixture, "Port"), 3443);
  g_assert_cmpuint (g_settings_get_uint (settings, "api-port"), ==, 3443);

  adw_combo_row_set_selected (combo_row (fixture, "Log Level"), 4);
  g_assert_cmpint (g_settings_get_enum (settings, "log-level"), ==, 4);
  adw_combo_row_set_selected (combo_row (fixture, "Log Level"), 0);
  g_assert_cmpint (g_settings_get_enum (settings, "log-level"), ==, 0);
}

static void
test_settings_update_widgets (Fixture       *fixture,
                              gconstpointer  data)
{
  GSettings *settings = fixture->settings;
  GtkEditable *common_name = GTK_EDITABLE (find_row (GTK_WIDGET (fixture->window), "Common Name"));

  g_settings_set_uint (settings, "cira-port", 5443);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "CIRA Port")), ==, 5443);

  g_settings_set_uint (settings, "rps-port", 9090);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Provisioning Port")), ==, 9090);

  g_settings_set_uint (settings, "keepalive-interval", 3600);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Keepalive Interval")), ==, 3600);

  g_settings_set_boolean (settings, "allow-legacy-tls", TRUE);
  g_assert_true (gtk_switch_get_active (switch_in_row (fixture, "Allow Legacy TLS")));

  g_settings_set_boolean (settings, "api-enabled", TRUE);
  g_assert_true (gtk_switch_get_active (switch_in_row (fixture, "Serve REST API")));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (combo_row (fixture, "Address"))));

  g_settings_set_string (settings, "api-address", "::1");
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Address")), ==, 1);

  /* An address the window does not offer shows as the default rather than
   * as a wrong item. */
  g_settings_set_string (settings, "api-address", "0.0.0.0");
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Address")), ==, 0);

  g_settings_set_uint (settings, "api-port", 65535);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Port")), ==, 65535);

  g_settings_set_enum (settings, "log-level", 3);
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Log Level")), ==, 3);

  g_settings_set_string (settings, "mps-common-name", "mps.example.org");
  g_assert_cmpstr (gtk_editable_get_text (common_name), ==, "mps.example.org");

  g_settings_set_boolean (settings, "api-enabled", FALSE);
  g_assert_false (gtk_switch_get_active (switch_in_row (fixture, "Serve REST API")));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (combo_row (fixture, "Address"))));
}

static void
test_common_name_validation (Fixture       *fixture,
                             gconstpointer  data)
{
  GSettings *settings = fixture->settings;
  GtkWidget *row = find_row (GTK_WIDGET (fixture->window), "Common Name");
  GtkEditable *entry = GTK_EDITABLE (row);
  GtkLabel *message = common_name_message (fixture);
  g_autofree char *primary = ob_get_primary_address ();

  /* Empty: the hint names the address used instead. */
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (message), "error"));
  g_assert_nonnull (strstr (gtk_label_get_label (message), primary));

  gtk_editable_set_text (entry, "mps.lab.example.com");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "mps.lab.example.com");
  g_assert_false (gtk_widget_has_css_class (row, "error"));

  /* Invalid: shown as an error and not written. */
  gtk_editable_set_text (entry, "mps lab!");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "mps.lab.example.com");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (message), "error"));
  g_assert_nonnull (strstr (gtk_label_get_label (message), "not saved"));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "mps lab!");
  save_screenshot (GTK_WIDGET (fixture->window), "test-ui-preferences-invalid.png");

  gtk_editable_set_text (entry, "10.0.0");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "mps.lab.example.com");
  g_assert_true (gtk_widget_has_css_class (row, "error"));

  /* Valid again: written, and the error goes away. */
  gtk_editable_set_text (entry, "192.168.10.5");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "192.168.10.5");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (message), "error"));

  gtk_editable_set_text (entry, "fd00::15");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "fd00::15");

  gtk_editable_set_text (entry, "");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "");
  g_assert_nonnull (strstr (gtk_label_get_label (message), primary));
}

/* The REST API rows need services.  One secret store and data folder serve
 * every such test, so the certificate authority's RSA keys are made once. */
static ObSecretStore *shared_secrets;
static char *shared_data_dir;

static const char * const api_config_keys[] = {
  "api-enabled",
  "api-address",
  "api-port",
  "api-user",
};

typedef struct
{
  GSettings *settings;
  ObConfig *config;
  ObServices *services;
  ObPreferencesWindow *window;
} ServicesFixture;

static void
on_services_started (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  ob_services_start_finish (OB_SERVICES (source), result, &error);
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static GtkWidget *
window_row (ObPreferencesWindow *window,
            const char          *title)
{
  GtkWidget *row = find_row (GTK_WIDGET (window), title);

  if (row == NULL)
    g_error ("No row titled “%s”", title);

  return row;
}

static GtkSwitch *
api_switch (ServicesFixture *fixture)
{
  GtkWidget *widget = find_by_type (window_row (fixture->window, "Serve REST API"),
                                    GTK_TYPE_SWITCH);

  g_assert_nonnull (widget);
  return GTK_SWITCH (widget);
}

static const char *
api_status (ServicesFixture *fixture)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (window_row (fixture->window, "Status")));
}

/* The caption under the API password entry. */
static GtkLabel *
api_password_hint (ObPreferencesWindow *window)
{
  GtkWidget *row = window_row (window, "API Password");
  GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);
  GtkWidget *label;

  g_assert_nonnull (group);
  label = find_caption_outside_rows (group);
  g_assert_nonnull (label);

  return GTK_LABEL (label);
}

static gboolean
password_checked (gpointer data)
{
  ObPreferencesWindow *window = data;

  return strstr (gtk_label_get_label (api_password_hint (window)), "Checking") == NULL;
}

static gboolean
password_saved (gpointer data)
{
  ObPreferencesWindow *window = data;

  return strstr (gtk_label_get_label (api_password_hint (window)), "A password is set") != NULL;
}

typedef struct
{
  ServicesFixture *fixture;
  const char *prefix;
} StatusWait;

static gboolean
status_starts_with (gpointer data)
{
  StatusWait *wait = data;
  const char *status = api_status (wait->fixture);

  return status != NULL && g_str_has_prefix (status, wait->prefix);
}

static void
wait_for_status (ServicesFixture *fixture,
                 const char      *prefix)
{
  StatusWait wait = { fixture, prefix };
  g_autofree char *what = g_strdup_printf ("the API status “%s…”", prefix);

  wait_for (status_starts_with, &wait, what);
}

static char *
stored_api_password (void)
{
  g_autoptr(GError) error = NULL;
  char *password;

  password = ob_secret_store_lookup_text_sync (shared_secrets, OB_SECRET_OWNER_API,
                                               OB_API_SECRET_ID, OB_SECRET_KIND_API_PASSWORD,
                                               NULL, &error);
  g_assert_no_error (error);

  return password;
}

/* A loopback port nobody listens on (the schema allows no port 0). */
static guint
free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* @data "forced": headless-style, the API always runs, on port 0. */
static void
services_fixture_setup (ServicesFixture *fixture,
                        gconstpointer    data)
{
  gboolean forced = g_strcmp0 (data, "forced") == 0;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;
  g_autoptr(GError) error = NULL;
  gboolean started = FALSE;

  fixture->settings = g_settings_new (APP_ID);
  g_object_get (fixture->settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (fixture->settings, keys[i]);

  /* As the application does: the engines see ObConfig only. */
  fixture->config = ob_config_new ();
  for (guint i = 0; i < G_N_ELEMENTS (api_config_keys); i++)
    g_settings_bind (fixture->settings, api_config_keys[i],
                     fixture->config, api_config_keys[i],
                     G_SETTINGS_BIND_DEFAULT);

  /* Each test starts without an API password, or with one when forced:
   * headless mode refuses to start without. */
  ob_api_store_password_sync (shared_secrets, forced ? "headless-pass" : NULL, NULL, &error);
  g_assert_no_error (error);

  fixture->services = ob_services_new (fixture->config, shared_secrets, shared_data_dir);
  /* The listeners these tests do not look at stay off 4433 and 8080. */
  ob_services_force_cira_port (fixture->services, 0);
  ob_services_force_rps_port (fixture->services, 0);
  if (forced)
    ob_services_force_api (fixture->services, "127.0.0.1", 0);
  ob_services_start_async (fixture->services, NULL, on_services_started, &started);
  wait_for (is_true, &started, "the services to start");

  fixture->window = g_object_ref (ob_preferences_window_new (fixture->settings));
  ob_preferences_window_set_services (fixture->window, fixture->services);
  g_assert_true (ob_preferences_window_get_services (fixture->window) == fixture->services);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 640, 1240);
  gtk_window_present (GTK_WINDOW (fixture->window));
  wait_until_mapped (GTK_WIDGET (fixture->window));
  wait_for (password_checked, fixture->window, "the keyring lookup");
}

static void
services_fixture_teardown (ServicesFixture *fixture,
                           gconstpointer    data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_assert_finalize_object (fixture->window);
  ob_services_stop (fixture->services);
  g_clear_object (&fixture->services);
  g_clear_object (&fixture->config);
  g_clear_object (&fixture->settings);
}

static gboolean
is_laid_out (gpointer data)
{
  GtkAdjustment *adjustment = data;

  return gtk_adjustment_get_upper (adjustment) > gtk_adjustment_get_page_size (adjustment);
}

/* The REST API group is near the end of a page taller than the screen. */
static void
scroll_to_end (ObPreferencesWindow *window)
{
  GtkWidget *scrolled = find_by_type (GTK_WIDGET (window), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;

  g_assert_nonnull (scrolled);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  /* Right after mapping the page may not have its size yet. */
  wait_for (is_laid_out, adjustment, "the page to be laid out");
  gtk_adjustment_set_value (adjustment,
                            gtk_adjustment_get_upper (adjustment)
                            - gtk_adjustment_get_page_size (adjustment));
}

static void
apply_password (ObPreferencesWindow *window,
                const char          *password)
{
  GtkWidget *row = window_row (window, "API Password");

  gtk_editable_set_text (GTK_EDITABLE (row), password);
  g_signal_emit_by_name (row, "apply");
}

static void
test_api_password (ServicesFixture *fixture,
                   gconstpointer    data)
{
  static const char password[] = "corr3ct-h0rse";
  GtkWidget *row = window_row (fixture->window, "API Password");
  GtkLabel *hint = api_password_hint (fixture->window);
  g_autofree char *stored = NULL;

  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (row));
  g_assert_true (adw_entry_row_get_show_apply_button (ADW_ENTRY_ROW (row)));
  g_assert_cmpstr (gtk_label_get_label (hint), ==,
                   "No password set: the API cannot start until you set one.");
  g_assert_cmpstr (api_status (fixture), ==, "Off");

  /* Empty: refused where the user looks, and nothing is stored. */
  apply_password (fixture->window, "");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (hint), "error"));
  g_assert_nonnull (strstr (gtk_label_get_label (hint), "empty password is not saved"));
  g_assert_null (stored_api_password ());

  /* Typing again takes the error away. */
  gtk_editable_set_text (GTK_EDITABLE (row), "c");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (hint), "error"));

  apply_password (fixture->window, password);
  wait_for (password_saved, fixture->window, "the password to be saved");

  /* Where the API server reads it. */
  stored = stored_api_password ();
  g_assert_cmpstr (stored, ==, password);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "");
  g_assert_true (gtk_widget_get_sensitive (row));
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_null (strstr (gtk_label_get_label (hint), password));
  g_assert_null (strstr (api_status (fixture), password));

  scroll_to_end (fixture->window);
  save_screenshot (GTK_WIDGET (fixture->window), "test-ui-preferences-api-password.png");

  /* A window opened now finds the stored password. */
  {
    ObPreferencesWindow *other = g_object_ref (ob_preferences_window_new (fixture->settings));

    ob_preferences_window_set_services (other, fixture->services);
    wait_for (password_checked, other, "the keyring lookup");
    g_assert_true (password_saved (other));
    gtk_window_destroy (GTK_WINDOW (other));
    g_assert_finalize_object (other);
  }
}

/* OUTBAND_API_PASSWORD wins over the keyring; the window says so. */
static void
test_api_password_environment (ServicesFixture *fixture,
                               gconstpointer    data)
{
  GtkLabel *hint;

  g_setenv (OB_API_PASSWORD_ENV, "from-the-environment", TRUE);
  ob_preferences_window_set_services (fixture->window, NULL);
  g_assert_false (gtk_widget_get_visible (window_row (fixture->window, "API Password")));
  g_assert_false (gtk_widget_get_visible (window_row (fixture->window, "Status")));
  ob_preferences_window_set_services (fixture->window, fixture->services);
  wait_for (password_checked, fixture->window, "the keyring lookup");
  g_unsetenv (OB_API_PASSWORD_ENV);

  hint = api_password_hint (fixture->window);
  g_assert_nonnull (strstr (gtk_label_get_label (hint), "No password is kept in the keyring."));
  g_assert_nonnull (strstr (gtk_label_get_label (hint), "OUTBAND_API_PASSWORD is set"));
  g_assert_null (strstr (gtk_label_get_label (hint), "from-the-environment"));
}

static void
test_api_status (ServicesFixture *fixture,
                 gconstpointer    data)
{
  ObApiServer *api = ob_services_get_api_server (fixture->services);
  guint port = free_port ();
  g_autofree char *listening = NULL;

  g_assert_cmpstr (api_status (fixture), ==, "Off");
  g_settings_set_uint (fixture->settings, "api-port", port);

  /* On without a password: the reason, in words. */
  gtk_switch_set_active (api_switch (fixture), TRUE);
  wait_for_status (fixture, "Starting…");
  wait_for_status (fixture, "Not running");
  g_assert_cmpstr (api_status (fixture), ==, "Not running: no password is set");
  g_assert_false (ob_api_server_get_running (api));
  scroll_to_end (fixture->window);
  save_screenshot (GTK_WIDGET (fixture->window), "test-ui-preferences-api-no-password.png");

  /* Setting the password starts it. */
  apply_password (fixture->window, "s3cond-pa55");
  wait_for_status (fixture, "Listening");
  g_assert_true (ob_api_server_get_running (api));
  g_assert_cmpuint (ob_api_server_get_port (api), ==, port);
  listening = g_strdup_printf ("Listening on http://127.0.0.1:%u", port);
  g_assert_cmpstr (api_status (fixture), ==, listening);
  scroll_to_end (fixture->window);
  save_screenshot (GTK_WIDGET (fixture->window), "test-ui-preferences-api-status.png");

  /* Another address follows live. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (window_row (fixture->window, "Address")), 1);
  g_clear_pointer (&listening, g_free);
  listening = g_strdup_printf ("Listening on http://[::1]:%u", port);
  {
    StatusWait wait = { fixture, listening };

    wait_for (status_starts_with, &wait, listening);
  }

  gtk_switch_set_active (api_switch (fixture), FALSE);
  wait_for_status (fixture, "Off");
  g_assert_false (ob_api_server_get_running (api));
}

/* A port another program holds: said in words, with the port. */
static void
test_api_status_port_taken (ServicesFixture *fixture,
                            gconstpointer    data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  guint port;

  g_socket_listener_add_address (listener, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  apply_password (fixture->window, "th1rd-pa55");
  wait_for (password_saved, fixture->window, "the password to be saved");

  g_settings_set_uint (fixture->settings, "api-port", port);
  g_settings_set_boolean (fixture->settings, "api-enabled", TRUE);
  wait_for_status (fixture, "Not running");
  expected = g_strdup_printf ("Not running: port %u could not be opened; another program "
                              "may be using it", port);
  g_assert_cmpstr (api_status (fixture), ==, expected);
}

/* Headless-style on port 0: the row shows the port the system chose. */
static void
test_api_status_any_port (ServicesFixture *fixture,
                          gconstpointer    data)
{
  ObApiServer *api = ob_services_get_api_server (fixture->services);
  g_autofree char *expected = NULL;

  g_assert_true (ob_api_server_get_running (api));
  g_assert_cmpuint (ob_api_server_get_port (api), !=, 0);
  expected = g_strdup_printf ("Listening on http://127.0.0.1:%u", ob_api_server_get_port (api));
  g_assert_cmpstr (api_status (fixture), ==, expected);
  g_assert_true (password_saved (fixture->window));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_remove (path);
}

/* A phone-sized window: everything still fits in 360 pixels. */
static void
test_narrow (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ObPreferencesWindow *window = g_object_ref (ob_preferences_window_new (settings));
  GtkWidget *entry;

  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  gtk_window_present (GTK_WINDOW (window));
  wait_until_mapped (GTK_WIDGET (window));

  save_screenshot (GTK_WIDGET (window), "test-ui-preferences-narrow.png");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 360);
  entry = find_row (GTK_WIDGET (window), "Common Name");
  g_assert_cmpint (gtk_widget_get_width (entry), <, 360);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
test_common_name_rules (void)
{
  static const char * const valid[] = {
    "",
    "mps",
    "mps.example.com",
    "MPS-01.Lab.Example",
    "a.b-c.d1",
    "10.0.0.1",
    "::1",
    "2001:db8::4433",
    "host1.123abc",
  };
  static const char * const invalid[] = {
    " ",
    "mps.",
    ".mps",
    "mps..example",
    "-mps.example",
    "mps-.example",
    "mps_01.example",
    "mps example",
    "10.0.0",
    "300.1.1.1",
    "mps.example.123",
    "münchen.example",
    "2001:db8::zz",
  };
  g_autofree char *long_label = g_strnfill (64, 'a');
  g_autofree char *ok_label = g_strnfill (63, 'a');
  g_autofree char *too_long = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      if (!ob_is_valid_common_name (valid[i]))
        g_error ("“%s” should be accepted", valid[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      if (ob_is_valid_common_name (invalid[i]))
        g_error ("“%s” should be rejected", invalid[i]);
    }

  g_assert_true (ob_is_valid_common_name (ok_label));
  g_assert_false (ob_is_valid_common_name (long_label));

  /* 4 × 63 + 3 dots = 255 characters: over the 253 a name may have. */
  too_long = g_strjoin (".", ok_label, ok_label, ok_label, ok_label, NULL);
  g_assert_false (ob_is_valid_common_name (too_long));
}

/* Legacy TLS: the switch can be used when the MPS's OpenSSL can do TLS
 * 1.0/1.1 with RSA key exchange; otherwise it is greyed out, and a line
 * under it says why. */
static GtkWidget *
legacy_tls_unavailable_label (ServicesFixture *fixture)
{
  GtkWidget *label = find_descendant (GTK_WIDGET (fixture->window), is_label_containing,
                                      "cannot offer TLS 1.0 or 1.1");

  g_assert_nonnull (label);
  return label;
}

static void
test_legacy_tls_available (ServicesFixture *fixture,
                           gconstpointer    data)
{
  ObMpsServer *mps = ob_services_get_mps_server (fixture->services);
  gboolean available;

  g_assert_nonnull (mps);
  available = ob_mps_server_get_legacy_tls_available (mps);
  g_assert_cmpint (gtk_widget_get_sensitive (window_row (fixture->window, "Allow Legacy TLS")), ==, available);
  g_assert_cmpint (gtk_widget_get_visible (legacy_tls_unavailable_label (fixture)), ==, !available);
}

/* In a child whose OpenSSL configuration turns TLS 1.0 and 1.1 off. */
static void
test_legacy_tls_unavailable_child (ServicesFixture *fixture,
                                   gconstpointer    data)
{
  GtkWidget *label = legacy_tls_unavailable_label (fixture);
  GtkWidget *row = window_row (fixture->window, "Allow Legacy TLS");

  g_assert_false (ob_mps_server_get_legacy_tls_available (ob_services_get_mps_server (fixture->services)));
  g_assert_false (gtk_widget_get_sensitive (row));
  g_assert_true (gtk_widget_get_visible (label));
  save_screenshot (gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP),
                   "test-ui-preferences-legacy-tls-unavailable.png");
}

static void
test_legacy_tls_unavailable (void)
{
  g_autofree char *conf = g_test_build_filename (G_TEST_DIST, "openssl-no-legacy-tls.cnf", NULL);

  g_setenv ("OPENSSL_CONF", conf, TRUE);
  g_test_trap_subprocess ("/ui/preferences/legacy-tls-unavailable/subprocess", 120 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("OPENSSL_CONF");
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* No transitions: what the test checks and what the screenshots show
   * is the end state. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/ui/preferences/common-name-rules", test_common_name_rules);
  g_test_add_func ("/ui/preferences/narrow", test_narrow);
  g_test_add ("/ui/preferences/defaults", Fixture, NULL,
              fixture_setup, test_defaults_shown, fixture_teardown);
  g_test_add ("/ui/preferences/widgets-write-settings", Fixture, NULL,
              fixture_setup, test_widgets_write_settings, fixture_teardown);
  g_test_add ("/ui/preferences/settings-update-widgets", Fixture, NULL,
              fixture_setup, test_settings_update_widgets, fixture_teardown);
  g_test_add ("/ui/preferences/common-name-validation", Fixture, NULL,
              fixture_setup, test_common_name_validation, fixture_teardown);
  g_test_add ("/ui/preferences/api-password", ServicesFixture, NULL,
              services_fixture_setup, test_api_password, services_fixture_teardown);
  g_test_add ("/ui/preferences/api-password-environment", ServicesFixture, NULL,
              services_fixture_setup, test_api_password_environment, services_fixture_teardown);
  g_test_add ("/ui/preferences/api-status", ServicesFixture, NULL,
              services_fixture_setup, test_api_status, services_fixture_teardown);
  g_test_add ("/ui/preferences/api-status-port-taken", ServicesFixture, NULL,
              services_fixture_setup, test_api_status_port_taken, services_fixture_teardown);
  g_test_add ("/ui/preferences/api-status-any-port", ServicesFixture, "forced",
              services_fixture_setup, test_api_status_any_port, services_fixture_teardown);
  g_test_add ("/ui/preferences/legacy-tls-available", ServicesFixture, NULL,
              services_fixture_setup, test_legacy_tls_available, services_fixture_teardown);
  g_test_add ("/ui/preferences/legacy-tls-unavailable/subprocess", ServicesFixture, NULL,
              services_fixture_setup, test_legacy_tls_unavailable_child, services_fixture_teardown);
  g_test_add_func ("/ui/preferences/legacy-tls-unavailable", test_legacy_tls_unavailable);

  shared_secrets = ob_secret_store_memory_new ();
  shared_data_dir = g_dir_make_tmp ("outband-ui-preferences-XXXXXX", NULL);
  g_assert_nonnull (shared_data_dir);

  ret = g_test_run ();

  remove_tree (shared_data_dir);
  g_clear_pointer (&shared_data_dir, g_free);
  g_clear_object (&shared_secrets);

  return ret;
}
