/* test-ui-window.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include <adwaita.h>

#include "ob-application.h"
#include "ob-device.h"
#include "ob-devices-page.h"
#include "ob-log.h"
#include "ob-preferences-window.h"
#include "ob-window.h"
#include "ui-test-util.h"

static gboolean
leaflet_is_still (gpointer data)
{
  return !adw_leaflet_get_child_transition_running (ADW_LEAFLET (data));
}

static gboolean
window_is_folded (gpointer data)
{
  return ob_window_get_folded (OB_WINDOW (data));
}

static gboolean
window_is_unfolded (gpointer data)
{
  return !ob_window_get_folded (OB_WINDOW (data));
}

typedef struct
{
  GtkWidget *widget;
  int width;
} WidthWait;

static gboolean
widget_has_width (gpointer data)
{
  WidthWait *wait = data;

  /* The default size counts the client-side decoration's border, which
   * the widget's own width leaves out. */
  return ABS (gtk_widget_get_width (wait->widget) - wait->width) <= 20;
}

static gboolean
is_sidebar_list (GtkWidget     *widget,
                 gconstpointer  data)
{
  return GTK_IS_LIST_BOX (widget) && gtk_widget_has_css_class (widget, "navigation-sidebar");
}

static gboolean
is_back_button (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), "win.navigate-back") == 0;
}

/* The devices list, not the list inside the tag filter's drop-down. */
static gboolean
is_device_list (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_LIST_VIEW (widget) && gtk_widget_has_css_class (widget, "ob-device-list");
}

/* The sidebar's menu button; pages have menu buttons of their own. */
static gboolean
is_main_menu_button (GtkWidget     *widget,
                     gconstpointer  data)
{
  return GTK_IS_MENU_BUTTON (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), "Main Menu") == 0;
}

static ObWindow *
create_window (int width,
               int height)
{
  ObWindow *window = ob_window_new (NULL);

  /* GTK owns toplevels; keep our own reference so the test can check
   * that the window is finalized. */
  g_object_ref (window);

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (widget_is_mapped, window, "the window to be mapped");
  wait_frames (GTK_WIDGET (window));

  return window;
}

static void
destroy_window (ObWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
resize_window (ObWindow *window,
               int       width,
               int       height)
{
  WidthWait wait = { GTK_WIDGET (window), width };

  /* Without a window manager a mapped window keeps its size; map it again
   * at the new default size as a user resize would. */
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (widget_is_mapped, window, "the window to be mapped again");
  wait_for (widget_has_width, &wait, "the new window width");
  wait_frames (GTK_WIDGET (window));
}

static void
test_window_sidebar (void)
{
  ObWindow *window = create_window (1000, 700);
  GtkWidget *sidebar;
  GtkListBoxRow *row;
  GtkWidget *page;
  GtkWidget *status;

  g_assert_false (ob_window_get_folded (window));

  sidebar = find_descendant (GTK_WIDGET (window), is_sidebar_list, NULL);
  g_assert_nonnull (sidebar);
  g_assert_true (gtk_widget_get_mapped (sidebar));

  /* Only pages that work: Devices, then provisioning and its records. */
  row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (sidebar), 0);
  g_assert_nonnull (row);
  g_assert_nonnull (find_descendant (GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (sidebar), 1)),
                                     is_label_with_text, "Provision a Device"));
  g_assert_null (gtk_list_box_get_row_at_index (GTK_LIST_BOX (sidebar), 7));
  g_assert_nonnull (find_descendant (GTK_WIDGET (row), is_label_with_text, "Devices"));
  g_assert_true (gtk_list_box_get_selected_row (GTK_LIST_BOX (sidebar)) == row);

  g_assert_cmpstr (ob_window_get_visible_page (window), ==, "devices");
  g_assert_null (ob_window_get_page (window, "no-such-page"));
  page = ob_window_get_page (window, "devices");
  g_assert_true (OB_IS_DEVICES_PAGE (page));
  g_assert_true (gtk_widget_get_mapped (page));

  status = find_by_type (page, ADW_TYPE_STATUS_PAGE);
  g_assert_nonnull (status);
  g_assert_true (gtk_widget_get_mapped (status));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==, "No Devices");
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (status)),
                                          adw_status_page_get_icon_name (ADW_STATUS_PAGE (status))));
  g_assert_nonnull (adw_status_page_get_description (ADW_STATUS_PAGE (status)));
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)), "CIRA"));

  /* Unfolded, the content needs no back button. */
  g_assert_false (gtk_widget_get_visible (find_descendant (page, is_back_button, NULL)));

  save_screenshot (GTK_WIDGET (window), "test-ui-window-wide.png");

  destroy_window (window);
}

static void
test_window_devices_model (void)
{
  ObWindow *window = create_window (1000, 700);
  ObDevicesPage *page = OB_DEVICES_PAGE (ob_window_get_page (window, "devices"));
  g_autoptr(GListStore) store = g_list_store_new (OB_TYPE_DEVICE);
  g_autoptr(ObDeviceRecord) record = ob_device_record_new ("8c4a1f50-9d0e-4b6a-a1f2-3c4d5e6f7a80");
  g_autoptr(ObDevice) item = NULL;
  GtkWidget *status = find_by_type (GTK_WIDGET (page), ADW_TYPE_STATUS_PAGE);
  GtkWidget *list_view = find_descendant (GTK_WIDGET (page), is_device_list, NULL);

  /* A LAN device that is never contacted: the list only shows it. */
  ob_device_record_set_friendly_name (record, "amt-lab-01");
  ob_device_record_set_hostname (record, "192.0.2.10");
  ob_device_record_set_host (record, "192.0.2.10");
  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_LAN);
  ob_device_record_set_port (record, 16992);
  item = ob_device_new (record, "not-used", NULL);

  g_assert_nonnull (status);
  g_assert_nonnull (list_view);
  g_assert_null (ob_devices_page_get_model (page));

  /* An empty model still shows the empty state. */
  ob_devices_page_set_model (page, G_LIST_MODEL (store));
  g_assert_true (ob_devices_page_get_model (page) == G_LIST_MODEL (store));
  wait_frames (GTK_WIDGET (window));
  g_assert_true (gtk_widget_get_mapped (status));
  g_assert_false (gtk_widget_get_mapped (list_view));

  /* One device: the list replaces it and shows the device's name. */
  g_list_store_append (store, item);
  wait_for (widget_is_mapped, list_view, "the device list");
  wait_for (widget_is_unmapped, status, "the empty state to go");
  g_assert_nonnull (find_descendant (list_view, is_label_with_text, "amt-lab-01"));

  save_screenshot (GTK_WIDGET (window), "test-ui-window-list.png");

  /* Empty again: the empty state comes back. */
  g_list_store_remove (store, 0);
  wait_for (widget_is_mapped, status, "the empty state");
  wait_for (widget_is_unmapped, list_view, "the list to go");

  /* And with no model at all. */
  g_list_store_append (store, item);
  wait_for (widget_is_mapped, list_view, "the device list again");
  ob_devices_page_set_model (page, NULL);
  g_assert_null (ob_devices_page_get_model (page));
  wait_for (widget_is_mapped, status, "the empty state without a model");

  destroy_window (window);
}

static void
test_window_navigation (void)
{
  ObWindow *window = create_window (1000, 700);
  GtkWidget *sidebar = find_descendant (GTK_WIDGET (window), is_sidebar_list, NULL);
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (sidebar), 0);
  GtkWidget *page = ob_window_get_page (window, "devices");

  gtk_list_box_unselect_all (GTK_LIST_BOX (sidebar));
  g_assert_null (gtk_list_box_get_selected_row (GTK_LIST_BOX (sidebar)));

  /* The action other parts of the app use to open a page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "devices"));
  g_assert_true (gtk_list_box_get_selected_row (GTK_LIST_BOX (sidebar)) == row);
  g_assert_cmpstr (ob_window_get_visible_page (window), ==, "devices");

  /* An unknown page name is ignored rather than breaking the window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "bogus"));
  g_assert_cmpstr (ob_window_get_visible_page (window), ==, "devices");

  /* Clicking the row, as a user does. */
  gtk_list_box_unselect_all (GTK_LIST_BOX (sidebar));
  gtk_widget_activate (GTK_WIDGET (row));
  wait_frames (GTK_WIDGET (window));
  g_assert_true (gtk_list_box_get_selected_row (GTK_LIST_BOX (sidebar)) == row);
  g_assert_true (gtk_widget_get_mapped (page));

  destroy_window (window);
}

static void
test_window_fold (void)
{
  ObWindow *window = create_window (1000, 700);
  GtkWidget *page = ob_window_get_page (window, "devices");
  GtkWidget *sidebar = find_descendant (GTK_WIDGET (window), is_sidebar_list, NULL);
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (sidebar), 0);
  AdwLeaflet *leaflet = ADW_LEAFLET (find_by_type (GTK_WIDGET (window), ADW_TYPE_LEAFLET));
  GtkWidget *back;
  GtkWidget *status;

  g_assert_false (adw_leaflet_get_folded (leaflet));

  /* It folds a little below 640 pixels. */
  resize_window (window, 700, 700);
  g_assert_false (adw_leaflet_get_folded (leaflet));
  resize_window (window, 600, 700);
  wait_for (window_is_folded, window, "the leaflet to fold at 600 pixels");

  /* The narrowest phone size. */
  resize_window (window, 360, 700);
  wait_for (window_is_folded, window, "the leaflet to fold");
  g_assert_true (adw_leaflet_get_folded (leaflet));
  wait_for (leaflet_is_still, leaflet, "the leaflet to settle");
  g_assert_true (ob_devices_page_get_folded (OB_DEVICES_PAGE (page)));

  /* Folded, it still shows the content, and a way back to the sidebar. */
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "content");
  g_assert_true (gtk_widget_get_mapped (page));
  status = find_by_type (page, ADW_TYPE_STATUS_PAGE);
  g_assert_true (gtk_widget_get_mapped (status));
  g_assert_cmpint (gtk_widget_get_width (page), ==, 360);
  back = find_descendant (page, is_back_button, NULL);
  g_assert_nonnull (back);
  g_assert_true (gtk_widget_get_mapped (back));

  save_screenshot (GTK_WIDGET (window), "test-ui-window-narrow.png");

  g_assert_true (gtk_widget_activate_action (back, "win.navigate-back", NULL));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "sidebar");
  wait_for (widget_is_mapped, sidebar, "the sidebar");
  wait_for (leaflet_is_still, leaflet, "the leaflet to finish sliding");
  wait_frames (GTK_WIDGET (window));
  g_assert_false (gtk_widget_get_mapped (page));
  save_screenshot (GTK_WIDGET (window), "test-ui-window-narrow-sidebar.png");

  gtk_widget_activate (GTK_WIDGET (row));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "content");
  wait_for (widget_is_mapped, page, "the devices page");

  /* Wide again: sidebar and content side by side. */
  resize_window (window, 1000, 700);
  wait_for (window_is_unfolded, window, "the leaflet to unfold");
  g_assert_false (ob_devices_page_get_folded (OB_DEVICES_PAGE (page)));
  g_assert_true (gtk_widget_get_mapped (sidebar));
  g_assert_true (gtk_widget_get_mapped (page));

  destroy_window (window);
}

static void
test_window_state (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ObWindow *window;
  int width;
  int height;

  g_settings_set_int (settings, "window-width", 820);
  g_settings_set_int (settings, "window-height", 610);
  g_settings_set_boolean (settings, "window-maximized", FALSE);

  /* A new window comes back at the saved size. */
  window = g_object_ref (ob_window_new (NULL));
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 820);
  g_assert_cmpint (height, ==, 610);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (widget_is_mapped, window, "the window to be mapped");
  wait_frames (GTK_WIDGET (window));

  resize_window (window, 900, 640);

  /* Closing saves the size it has now. */
  gtk_window_close (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 640);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  g_settings_reset (settings, "window-maximized");
}

static void
reset_settings (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
}

static GtkWindow *
find_app_window (GtkApplication *app,
                 GType           type)
{
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
        return l->data;
    }

  return NULL;
}

static void
assert_accel (GtkApplication *app,
              const char     *action,
              const char     *accel)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (app, action);

  g_assert_nonnull (accels);
  g_assert_true (g_strv_contains ((const char * const *) accels, accel));
}

static void
test_application (void)
{
  ObApplication *app = ob_application_new ();
  g_autoptr(GError) error = NULL;
  GtkApplication *gtk_app = GTK_APPLICATION (app);
  GtkWindow *window;
  GtkWindow *preferences;
  GtkWindow *about;
  GSettings *settings;
  ObConfig *config;

  g_assert_cmpstr (g_application_get_application_id (G_APPLICATION (app)), ==, "io.github.outband.Outband");
  g_assert_cmpstr (g_application_get_resource_base_path (G_APPLICATION (app)), ==, "/io/github/outband/Outband");
  g_assert_null (ob_application_get_config (app));

  /* Without a bus name: the test must neither find nor become another
   * running instance. */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  settings = ob_application_get_settings (app);
  config = ob_application_get_config (app);
  g_assert_true (G_IS_SETTINGS (settings));
  g_assert_true (OB_IS_CONFIG (config));
  g_assert_false (ob_application_get_verbose (app));
  reset_settings (settings);

  /* Every engine setting follows GSettings … */
  g_settings_set_uint (settings, "cira-port", 14433);
  g_settings_set_uint (settings, "rps-port", 18080);
  g_settings_set_uint (settings, "api-port", 13000);
  g_settings_set_boolean (settings, "api-enabled", TRUE);
  g_settings_set_string (settings, "api-address", "::1");
  g_settings_set_string (settings, "mps-common-name", "mps.lab.example");
  g_settings_set_uint (settings, "keepalive-interval", 90);
  g_settings_set_boolean (settings, "allow-legacy-tls", TRUE);
  g_assert_cmpuint (ob_config_get_cira_port (config), ==, 14433);
  g_assert_cmpuint (ob_config_get_rps_port (config), ==, 18080);
  g_assert_cmpuint (ob_config_get_api_port (config), ==, 13000);
  g_assert_true (ob_config_get_api_enabled (config));
  g_assert_cmpstr (ob_config_get_api_address (config), ==, "::1");
  g_assert_cmpstr (ob_config_get_mps_common_name (config), ==, "mps.lab.example");
  g_assert_cmpuint (ob_config_get_keepalive_interval (config), ==, 90);
  g_assert_true (ob_config_get_allow_legacy_tls (config));

  /* … and the other way round. */
  ob_config_set_cira_port (config, 4434);
  g_assert_cmpuint (g_settings_get_uint (settings, "cira-port"), ==, 4434);

  /* The log level setting drives the log threshold. */
  g_settings_set_string (settings, "log-level", "debug");
  g_assert_cmpint (ob_config_get_log_level (config), ==, OB_LOG_LEVEL_DEBUG);
  g_assert_cmpint (ob_log_get_level (), ==, OB_LOG_LEVEL_DEBUG);
  g_settings_set_string (settings, "log-level", "warning");
  g_assert_cmpint (ob_log_get_level (), ==, OB_LOG_LEVEL_WARNING);

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "preferences"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "help"));
  assert_accel (gtk_app, "app.quit", "<Control>q");
  assert_accel (gtk_app, "app.preferences", "<Control>comma");
  assert_accel (gtk_app, "app.help", "F1");
  assert_accel (gtk_app, "window.close", "<Control>w");

  /* Activation opens the main window; a second one reuses it. */
  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (gtk_app);
  g_assert_true (OB_IS_WINDOW (window));
  wait_for (widget_is_mapped, window, "the main window");
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (window))),
                                          APP_ID "-symbolic"));
  g_application_activate (G_APPLICATION (app));
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (gtk_app)), ==, 1);

  /* The shortcuts window comes from the resource base path. */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));
  assert_accel (gtk_app, "win.show-help-overlay", "<Control>question");

  /* The primary menu: every entry's action exists and is enabled. */
  {
    GtkWidget *menu_button = find_descendant (GTK_WIDGET (window), is_main_menu_button, NULL);
    GMenuModel *menu;
    GMenuModel *section;
    const char *expected[] = { "app.preferences", "win.show-help-overlay", "app.help", "app.about" };

    g_assert_nonnull (menu_button);
    g_assert_true (gtk_menu_button_get_primary (GTK_MENU_BUTTON (menu_button)));
    menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button));
    g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 1);
    section = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
    g_assert_cmpint (g_menu_model_get_n_items (section), ==, G_N_ELEMENTS (expected));
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        g_autofree char *action = NULL;

        g_assert_true (g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s", &action));
        g_assert_cmpstr (action, ==, expected[i]);
      }
    g_object_unref (section);
  }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  {
    GtkWindow *overlay = GTK_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

    wait_for (widget_is_mapped, overlay, "the shortcuts window");
    save_screenshot (GTK_WIDGET (overlay), "test-ui-shortcuts.png");
    gtk_widget_set_visible (GTK_WIDGET (overlay), FALSE);
  }

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = find_app_window (gtk_app, OB_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (preferences);
  g_assert_true (ob_preferences_window_get_settings (OB_PREFERENCES_WINDOW (preferences)) == settings);
  g_assert_true (gtk_window_get_transient_for (preferences) == window);
  wait_for (widget_is_mapped, preferences, "the preferences window");
  gtk_window_destroy (preferences);

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = find_app_window (gtk_app, ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (about);
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_icon (ADW_ABOUT_WINDOW (about)), ==, APP_ID);
  g_assert_cmpint (adw_about_window_get_license_type (ADW_ABOUT_WINDOW (about)), ==, GTK_LICENSE_GPL_3_0);
  g_assert_cmpstr (adw_about_window_get_issue_url (ADW_ABOUT_WINDOW (about)), ==, "https://github.com/outband/outband/issues");
  wait_for (widget_is_mapped, about, "the about window");
  save_screenshot (GTK_WIDGET (about), "test-ui-about.png");

  /* Quit closes every window, so the main window saves its size. */
  g_settings_set_int (settings, "window-width", 1200);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_assert_null (gtk_application_get_windows (gtk_app));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), !=, 1200);

  reset_settings (settings);

  /* A registered GApplication stays exported on the session bus, which
   * holds a reference, so it cannot be finalized here. */
  /* The app cannot be finalized (see above), so stop its background work
   * here rather than leave key generation running into exit. */
  if (ob_application_get_services (app) != NULL)
    ob_services_stop (ob_application_get_services (app));
  g_object_unref (app);
}

static gboolean
services_settled (gpointer data)
{
  ObServicesState state = ob_services_get_state (OB_SERVICES (data));

  return state == OB_SERVICES_STATE_RUNNING || state == OB_SERVICES_STATE_FAILED;
}

static gboolean
has_toast (gpointer data)
{
  GType toast_widget = g_type_from_name ("AdwToastWidget");

  return toast_widget != 0 && find_by_type (GTK_WIDGET (data), toast_widget) != NULL;
}

/* Start-up opens the store and prepares the MPS certificates behind the
 * window: the window is up at once, the services follow. */
static void
test_application_services (void)
{
  ObApplication *app = ob_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "outband", NULL);
  g_autofree char *root_file = g_build_filename (data_dir, "mps-root.pem", NULL);
  g_autofree char *db_file = g_build_filename (data_dir, "outband.db", NULL);
  ObServices *services;
  GtkWindow *window;

  /* Each registered app stays exported on the bus: use an id of its own. */
  g_application_set_application_id (G_APPLICATION (app), APP_ID ".ServicesTest");
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  reset_settings (ob_application_get_settings (app));

  services = ob_application_get_services (app);
  g_assert_nonnull (services);
  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  wait_for (widget_is_mapped, window, "the main window");

  wait_for (services_settled, services, "the services to start");
  g_assert_cmpint (ob_services_get_state (services), ==, OB_SERVICES_STATE_RUNNING);
  g_assert_nonnull (ob_services_get_store (services));
  g_assert_true (ob_cert_authority_get_ready (ob_services_get_cert_authority (services)));
  g_assert_true (g_file_test (root_file, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (db_file, G_FILE_TEST_IS_REGULAR));
  g_assert_false (has_toast (window));

  gtk_window_destroy (window);
  /* The app cannot be finalized (see above), so stop its background work
   * here rather than leave key generation running into exit. */
  if (ob_application_get_services (app) != NULL)
    ob_services_stop (ob_application_get_services (app));
  g_object_unref (app);
}

/* A database that cannot be opened is said in the window, not only in the
 * log, and the app keeps running. */
static void
test_application_services_error (void)
{
  ObApplication *app = ob_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "outband", NULL);
  g_autofree char *db_file = g_build_filename (data_dir, "outband.db", NULL);
  g_autofree char *saved = g_strconcat (db_file, ".saved", NULL);
  const char *journal_suffixes[] = { "", "-wal", "-shm" };
  GLogLevelFlags old_fatal_mask;
  ObServices *services;
  GtkWindow *window;

  /* Replace the database with junk for this test only (the journal files
   * of the earlier test's database go aside with it). */
  g_mkdir_with_parents (data_dir, 0700);
  for (guint i = 0; i < G_N_ELEMENTS (journal_suffixes); i++)
    {
      g_autofree char *from = g_strconcat (db_file, journal_suffixes[i], NULL);
      g_autofree char *to = g_strconcat (saved, journal_suffixes[i], NULL);

      g_rename (from, to);
    }
  g_file_set_contents (db_file, "junk that is not an SQLite database, long enough to be "
                       "read as a header and refused", -1, &error);
  g_assert_no_error (error);

  g_application_set_application_id (G_APPLICATION (app), APP_ID ".ServicesErrorTest");
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  /* The warning in the log is expected; other apps of earlier tests may
   * still log, so let warnings pass for a while rather than use
   * g_test_expect_message(). */
  old_fatal_mask = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  services = ob_application_get_services (app);
  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  wait_for (widget_is_mapped, window, "the main window");
  wait_for (services_settled, services, "the services to fail");
  g_assert_cmpint (ob_services_get_state (services), ==, OB_SERVICES_STATE_FAILED);
  /* The warning is logged just before the toast is added. */
  wait_for (has_toast, window, "the error toast");
  g_log_set_always_fatal (old_fatal_mask);
  save_screenshot (GTK_WIDGET (window), "test-ui-services-error.png");

  gtk_window_destroy (window);
  /* The app cannot be finalized (see above), so stop its background work
   * here rather than leave key generation running into exit. */
  if (ob_application_get_services (app) != NULL)
    ob_services_stop (ob_application_get_services (app));
  g_object_unref (app);
  for (guint i = 0; i < G_N_ELEMENTS (journal_suffixes); i++)
    {
      g_autofree char *from = g_strconcat (saved, journal_suffixes[i], NULL);
      g_autofree char *to = g_strconcat (db_file, journal_suffixes[i], NULL);

      g_unlink (to);
      g_rename (from, to);
    }
}

static void
quit_on_activate (GApplication *app,
                  gpointer      user_data)
{
  g_application_quit (app);
}

/* --verbose wins over the log-level setting. */
static void
test_application_verbose (void)
{
  g_autoptr(ObApplication) app = ob_application_new ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  char *argv[] = { (char *) "outband", (char *) "--verbose", NULL };
  GList *windows;

  g_settings_set_string (settings, "log-level", "error");

  /* The previous test's application still owns the object path of the
   * real ID on this bus connection. */
  g_application_set_application_id (G_APPLICATION (app), APP_ID ".VerboseTest");
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (quit_on_activate), NULL);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv), ==, 0);

  g_assert_true (ob_application_get_verbose (app));
  g_assert_cmpint (ob_config_get_log_level (ob_application_get_config (app)), ==, OB_LOG_LEVEL_ERROR);
  g_assert_cmpint (ob_log_get_level (), ==, OB_LOG_LEVEL_DEBUG);

  /* The setting changing later does not undo it either. */
  g_settings_set_string (settings, "log-level", "warning");
  g_assert_cmpint (ob_log_get_level (), ==, OB_LOG_LEVEL_DEBUG);

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);

  g_settings_reset (settings, "log-level");
  ob_log_set_level (OB_LOG_LEVEL_MESSAGE);
}

int
main (int   argc,
      char *argv[])
{
  /* The app writes its database and certificates to the data folder: give
   * this run a folder of its own before anything reads the variable. */
  g_autofree char *data_home = g_dir_make_tmp ("outband-ui-test-XXXXXX", NULL);

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* No transitions: what the test checks and what the screenshots show
   * is the end state. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  /* What GtkApplication does at startup, for the windows made without one:
   * the app's own icons come from its resources. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/outband/Outband/icons");

  g_test_add_func ("/ui/window/sidebar", test_window_sidebar);
  g_test_add_func ("/ui/window/devices-model", test_window_devices_model);
  g_test_add_func ("/ui/window/navigation", test_window_navigation);
  g_test_add_func ("/ui/window/fold", test_window_fold);
  g_test_add_func ("/ui/window/state", test_window_state);
  g_test_add_func ("/ui/application/startup", test_application);
  g_test_add_func ("/ui/application/verbose", test_application_verbose);
  g_test_add_func ("/ui/application/services", test_application_services);
  g_test_add_func ("/ui/application/services-error", test_application_services_error);

  return g_test_run ();
}
