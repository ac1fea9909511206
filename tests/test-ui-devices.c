/* test-ui-devices.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "ob-add-alarm-dialog.h"
#include "ob-add-device-dialog.h"
#include "ob-application.h"
#include "ob-device-alarms.h"
#include "ob-device-audit-log.h"
#include "ob-device-event-log.h"
#include "ob-device-features.h"
#include "ob-device-hardware.h"
#include "ob-device-overview.h"
#include "ob-device-page.h"
#include "ob-device-row.h"
#include "ob-devices-page.h"
#include "ob-lan-stream-source.h"
#include "ob-log-entry.h"
#include "ob-log-view.h"
#include "ob-sim-fleet.h"
#include "ob-window.h"
#include "ui-test-util.h"

/* The whole flow runs against simulated devices in this process: the app's
 * own services (memory keyring, throw-away data folder) reach them over
 * real loopback sockets, as they would reach a device on the LAN. */

#define DEVICE_PASSWORD "Ui-Test-P4ss!"

static gboolean
is_device_list (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_LIST_VIEW (widget) && gtk_widget_has_css_class (widget, "ob-device-list");
}

static gboolean
is_row_for_device (GtkWidget     *widget,
                   gconstpointer  data)
{
  return OB_IS_DEVICE_ROW (widget) && ob_device_row_get_device (OB_DEVICE_ROW (widget)) == data;
}

static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  GtkWidget *row = find_descendant (root, is_row_titled, title);

  g_assert_nonnull (row);
  return row;
}

/* The one application every test shares: starting the services makes the
 * MPS keys, which takes a while. */
typedef struct
{
  ObApplication *app;
  ObWindow *window;
  ObDevicesPage *page;
  ObDeviceRegistry *registry;
  ObSimFleet *fleet;
} Env;

static Env env;

static gboolean
services_running (gpointer data)
{
  return ob_services_get_state (OB_SERVICES (data)) == OB_SERVICES_STATE_RUNNING;
}

static gboolean
page_has_registry (gpointer data)
{
  return ob_devices_page_get_registry (OB_DEVICES_PAGE (data)) != NULL;
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

static gboolean
has_toplevel (gpointer data)
{
  return find_toplevel (GPOINTER_TO_SIZE (data)) != NULL;
}

static gboolean
has_no_toplevel (gpointer data)
{
  return find_toplevel (GPOINTER_TO_SIZE (data)) == NULL;
}

/* Answers the confirmation dialog that is up with @response. */
static void
respond_to_message_dialog (const char *expected_heading,
                           const char *response)
{
  AdwMessageDialog *dialog;

  wait_for (has_toplevel, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), "a confirmation dialog");
  dialog = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, expected_heading);
  g_assert_true (adw_message_dialog_get_response_appearance (dialog, response) == ADW_RESPONSE_DESTRUCTIVE);
  wait_for (widget_is_mapped, dialog, "the confirmation dialog to show");
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  wait_for (has_no_toplevel, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), "the dialog to go");
}

static ObSimDevice *
add_sim_device (const char *address,
                guint       tls_port)
{
  g_autoptr(GError) error = NULL;
  ObSimDevice *device = ob_sim_fleet_add_device (env.fleet, address, 0, tls_port, DEVICE_PASSWORD, &error);

  g_assert_no_error (error);
  g_assert_nonnull (device);
  return device;
}

static ObDevice *
lookup_device (ObSimDevice *sim)
{
  return ob_device_registry_lookup (env.registry, ob_sim_device_get_guid (sim));
}

typedef struct
{
  ObSimDevice *sim;
  guint power_state;
} PowerWait;

static gboolean
sim_has_power_state (gpointer data)
{
  PowerWait *wait = data;

  return ob_sim_device_get_power_state (wait->sim) == wait->power_state;
}

typedef struct
{
  ObDeviceOverview *overview;
  const char *row;
  const char *value;
} OverviewWait;

static gboolean
overview_shows (gpointer data)
{
  OverviewWait *wait = data;

  return g_strcmp0 (ob_device_overview_get_value (wait->overview, wait->row), wait->value) == 0;
}

static gboolean
dialog_status_contains (gpointer data)
{
  ObAddDeviceDialog *dialog = data;
  const char *status = ob_add_device_dialog_get_status (dialog);

  return !ob_add_device_dialog_get_busy (dialog) && status != NULL && *status != '\0';
}

static gboolean
registry_has_device (gpointer data)
{
  return lookup_device (data) != NULL;
}

static gboolean
device_reachable_and_on (gpointer data)
{
  ObDevice *device = data;

  return ob_device_get_reachability (device) == OB_DEVICE_REACHABILITY_REACHABLE &&
         ob_device_get_power_state (device) == 2 &&
         ob_device_get_amt_version (device) != NULL;
}

static void
set_row_text (GtkWidget  *root,
              const char *title,
              const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (find_row (root, title)), text);
}

static gboolean
capabilities_loaded (gpointer data)
{
  return ob_device_page_get_capabilities_loaded (OB_DEVICE_PAGE (data));
}

static gboolean
power_not_busy (gpointer data)
{
  return !ob_device_page_get_power_busy (OB_DEVICE_PAGE (data));
}

static gboolean
menu_has_action (GMenuModel *menu,
                 int         action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      for (int j = 0; section != NULL && j < g_menu_model_get_n_items (section); j++)
        {
          g_autoptr(GVariant) target = g_menu_model_get_item_attribute_value (section, j,
                                                                              G_MENU_ATTRIBUTE_TARGET,
                                                                              G_VARIANT_TYPE_INT32);

          if (target != NULL && g_variant_get_int32 (target) == action)
            return TRUE;
        }
    }

  return FALSE;
}

static gboolean
state_is (const char *state,
          const char *wanted)
{
  return g_strcmp0 (state, wanted) == 0;
}

static gboolean
hardware_loaded (gpointer data)
{
  return state_is (ob_device_hardware_get_state (data), "content");
}

static gboolean
log_view_loaded (gpointer data)
{
  const char *state = ob_log_view_get_state (OB_LOG_VIEW (data));

  return state_is (state, "list") || state_is (state, "empty") || state_is (state, "error");
}

static gboolean
features_ready (gpointer data)
{
  return state_is (ob_device_features_get_state (data), "content") &&
         !ob_device_features_get_busy (data);
}

static gboolean
sim_sol_enabled (gpointer data)
{
  return ob_sim_device_get_sol_enabled (data);
}

static gboolean
alarms_loaded (gpointer data)
{
  return state_is (ob_device_alarms_get_state (data), "content");
}

typedef struct
{
  ObDeviceAlarms *alarms;
  guint count;
} AlarmWait;

static gboolean
alarms_count_is (gpointer data)
{
  AlarmWait *wait = data;
  g_auto(GStrv) ids = ob_device_alarms_dup_ids (wait->alarms);

  return alarms_loaded (wait->alarms) && g_strv_length (ids) == wait->count;
}

static gboolean
bulk_done (gpointer data)
{
  return !ob_devices_page_get_bulk_running (OB_DEVICES_PAGE (data));
}

static gboolean
list_is_mapped (gpointer data)
{
  GtkWidget *list = find_descendant (GTK_WIDGET (data), is_device_list, NULL);

  return list != NULL && gtk_widget_get_mapped (list);
}

/* Add a device through the dialog, as an admin does: fill the fields, test
 * the connection, add. */
static void
test_add_device (void)
{
  ObSimDevice *sim = add_sim_device ("127.0.0.1", 0);
  ObAddDeviceDialog *dialog;
  GtkWidget *port_row;
  GtkSpinButton *port;
  ObDevice *device;
  GtkWidget *list;
  GtkWidget *row;

  /* Nothing yet: the empty state offers to add one. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (env.registry)), ==, 0);
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-empty.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.page), "devices.add", NULL));
  wait_for (has_toplevel, GSIZE_TO_POINTER (OB_TYPE_ADD_DEVICE_DIALOG), "the add device dialog");
  dialog = OB_ADD_DEVICE_DIALOG (find_toplevel (OB_TYPE_ADD_DEVICE_DIALOG));
  wait_for (widget_is_mapped, dialog, "the dialog to show");
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (env.window));

  /* Nothing to try until there is an address and a password. */
  g_assert_false (gtk_widget_is_sensitive (find_descendant (GTK_WIDGET (dialog), is_label_with_text, "_Test Connection")));

  /* A bad address is pointed out and keeps the dialog from going on. */
  set_row_text (GTK_WIDGET (dialog), "Address", "not an address:99");
  set_row_text (GTK_WIDGET (dialog), "Password", DEVICE_PASSWORD);
  g_assert_true (gtk_widget_has_css_class (find_row (GTK_WIDGET (dialog), "Address"), "error"));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (dialog), "add-device.add", NULL) &&
                  ob_add_device_dialog_get_busy (dialog));

  set_row_text (GTK_WIDGET (dialog), "Name (optional)", "Test Bench");
  set_row_text (GTK_WIDGET (dialog), "Address", "127.0.0.1");
  set_row_text (GTK_WIDGET (dialog), "Tags, separated by commas (optional)", "lab, bench");
  g_assert_false (gtk_widget_has_css_class (find_row (GTK_WIDGET (dialog), "Address"), "error"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (GTK_WIDGET (dialog), "User"))), ==, "admin");

  /* The simulator listens on a free port, not on AMT's 16992. */
  port_row = find_row (GTK_WIDGET (dialog), "_Port");
  port = GTK_SPIN_BUTTON (find_by_type (port_row, GTK_TYPE_SPIN_BUTTON));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (port), ==, 16992);
  gtk_spin_button_set_value (port, ob_sim_device_get_http_port (sim));
  save_screenshot (GTK_WIDGET (dialog), "test-ui-devices-add-dialog.png");

  /* A wrong password is said in plain words, inline. */
  set_row_text (GTK_WIDGET (dialog), "Password", "wrong-password");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "add-device.test", NULL));
  g_assert_true (ob_add_device_dialog_get_busy (dialog));
  wait_for (dialog_status_contains, dialog, "the failed test");
  g_assert_cmpstr (ob_add_device_dialog_get_status (dialog), ==, "Wrong user name or password");
  save_screenshot (GTK_WIDGET (dialog), "test-ui-devices-add-dialog-error.png");

  set_row_text (GTK_WIDGET (dialog), "Password", DEVICE_PASSWORD);
  g_assert_null (ob_add_device_dialog_get_status (dialog));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "add-device.test", NULL));
  wait_for (dialog_status_contains, dialog, "the connection test");
  g_assert_cmpstr (ob_add_device_dialog_get_status (dialog), ==, "Connected to Intel AMT 16.1.25");
  save_screenshot (GTK_WIDGET (dialog), "test-ui-devices-add-dialog-tested.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "add-device.add", NULL));
  wait_for (registry_has_device, sim, "the device in the registry");
  wait_for (has_no_toplevel, GSIZE_TO_POINTER (OB_TYPE_ADD_DEVICE_DIALOG), "the dialog to close");

  device = lookup_device (sim);
  g_assert_cmpstr (ob_device_get_name (device), ==, "Test Bench");
  g_assert_cmpstr (ob_device_get_host (device), ==, "127.0.0.1");
  g_assert_cmpuint (ob_device_get_port (device), ==, ob_sim_device_get_http_port (sim));
  g_assert_true (g_strv_contains (ob_device_get_tags (device), "lab"));
  g_assert_true (g_strv_contains (ob_device_get_tags (device), "bench"));

  /* In the list, with its state. */
  wait_for (list_is_mapped, env.page, "the device list");
  wait_for (device_reachable_and_on, device, "the device's state");
  list = find_descendant (GTK_WIDGET (env.page), is_device_list, NULL);
  row = find_descendant (list, is_row_for_device, device);
  g_assert_nonnull (row);
  g_assert_nonnull (find_descendant (row, is_label_with_text, "Test Bench"));
  g_assert_nonnull (find_descendant (row, is_label_with_text, "On"));
  g_assert_nonnull (find_descendant (row, is_label_with_text, "Reachable"));
  g_assert_nonnull (find_descendant (row, is_label_with_text, "127.0.0.1 · AMT 16.1.25 · Admin control mode"));
  g_assert_nonnull (find_descendant (row, is_label_with_text, "bench"));
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-list.png");
}

static ObDevicePage *
open_device_page (ObDevice *device)
{
  GtkWidget *list = find_descendant (GTK_WIDGET (env.page), is_device_list, NULL);
  GtkSelectionModel *selection = ob_devices_page_get_selection (env.page);
  GtkWidget *page;
  guint position = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (selection)); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (selection), i);

      if (item == (GObject *) device)
        position = i;
    }
  g_assert_cmpuint (position, !=, GTK_INVALID_LIST_POSITION);

  /* What a click on the row does. */
  g_assert_true (gtk_widget_activate_action (list, "list.activate-item", "u", position));
  page = ob_devices_page_get_device_page (env.page);
  g_assert_true (OB_IS_DEVICE_PAGE (page));
  g_assert_true (ob_device_page_get_device (OB_DEVICE_PAGE (page)) == device);
  wait_for (widget_is_mapped, page, "the device page");

  return OB_DEVICE_PAGE (page);
}

/* Power the device off from the header bar's menu (confirmed), see the
 * state change, power it on again. */
static void
test_device_power (void)
{
  ObSimDevice *sim = ob_sim_fleet_get_device (env.fleet, 0);
  ObDevice *device = lookup_device (sim);
  ObDevicePage *page = open_device_page (device);
  ObDeviceOverview *overview = OB_DEVICE_OVERVIEW (ob_device_page_show_tab (page, "overview"));
  GMenuModel *menu;
  PowerWait power_wait = { sim, 0 };
  OverviewWait overview_wait = { overview, "power", NULL };

  overview_wait.value = "On";
  wait_for (overview_shows, &overview_wait, "the overview to say On");
  g_assert_cmpstr (ob_device_overview_get_value (overview, "version"), ==, "16.1.25 (build 2049)");
  g_assert_cmpstr (ob_device_overview_get_value (overview, "control-mode"), ==, "Admin control mode");
  g_assert_cmpstr (ob_device_overview_get_value (overview, "connection"), ==, "Reachable");
  g_assert_cmpstr (ob_device_overview_get_value (overview, "address"), ==, "127.0.0.1");

  /* The menu lists what the device's capabilities allow (AMT 16 with BIOS
   * setup: the OS-assisted and BIOS actions too). */
  wait_for (capabilities_loaded, page, "the power capabilities");
  menu = ob_device_page_get_power_menu (page);
  for (guint i = 0; i < 8; i++)
    {
      static const int expected[] = { 2, 8, 5, 10, 12, 14, 4, 7 };

      g_assert_true (menu_has_action (menu, expected[i]));
    }
  g_assert_true (menu_has_action (menu, 100));
  g_assert_true (menu_has_action (menu, 400));
  g_assert_true (menu_has_action (menu, 202));
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-device-page.png");

  /* Power Off is destructive: nothing happens before the admin confirms,
   * and "Cancel" changes nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "device.power", "i", 8));
  wait_for (has_toplevel, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), "the confirmation");
  save_screenshot (GTK_WIDGET (find_toplevel (ADW_TYPE_MESSAGE_DIALOG)), "test-ui-devices-confirm-power-off.png");
  respond_to_message_dialog ("Power Off “Test Bench”?", "run");
  g_assert_true (ob_device_page_get_power_busy (page));

  power_wait.power_state = 8;
  wait_for (sim_has_power_state, &power_wait, "the simulated device to turn off");
  overview_wait.value = "Off";
  wait_for (overview_shows, &overview_wait, "the overview to say Off");
  wait_for (power_not_busy, page, "the power action to finish");
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-device-off.png");

  /* Power On needs no confirmation. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "device.power", "i", 2));
  power_wait.power_state = 2;
  wait_for (sim_has_power_state, &power_wait, "the simulated device to turn on");
  overview_wait.value = "On";
  wait_for (overview_shows, &overview_wait, "the overview to say On again");
  wait_for (power_not_busy, page, "the power action to finish");
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
}

static void
on_csv_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GBytes **csv = user_data;

  *csv = ob_device_audit_log_read_csv_finish (OB_DEVICE_AUDIT_LOG (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
csv_ready (gpointer data)
{
  return *(GBytes **) data != NULL;
}

static void
test_device_tabs (void)
{
  ObSimDevice *sim = ob_sim_fleet_get_device (env.fleet, 0);
  ObDevicePage *page = OB_DEVICE_PAGE (ob_devices_page_get_device_page (env.page));
  GtkWidget *tab;
  GtkWidget *view;
  g_auto(GStrv) groups = NULL;
  g_autoptr(GBytes) csv = NULL;
  g_autofree char *csv_text = NULL;
  AlarmWait alarm_wait;
  GtkWidget *sol_switch;
  ObAddAlarmDialog *alarm_dialog;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_auto(GStrv) ids = NULL;
  g_auto(GStrv) lines = NULL;
  GBytes *audit_csv = NULL;
  guint n_records;
  guint page_size;

  g_assert_nonnull (page);

  /* Hardware: grouped rows from the inventory. */
  tab = ob_device_page_show_tab (page, "hardware");
  wait_for (hardware_loaded, tab, "the hardware inventory");
  groups = ob_device_hardware_dup_group_titles (OB_DEVICE_HARDWARE (tab));
  g_assert_true (g_strv_contains ((const char * const *) groups, "System"));
  g_assert_true (g_strv_contains ((const char * const *) groups, "BIOS"));
  g_assert_true (g_strv_contains ((const char * const *) groups, "Processor"));
  g_assert_true (g_strv_contains ((const char * const *) groups, "Memory"));
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-tab-hardware.png");

  /* Event log: the power actions above left records; more make a second
   * page. */
  for (guint i = 0; i < 60; i++)
    ob_sim_device_add_event (sim, 0x0f, 0x04, 0x02, 0x22, NULL);
  tab = ob_device_page_show_tab (page, "events");
  view = ob_device_event_log_get_view (OB_DEVICE_EVENT_LOG (tab));
  wait_for (log_view_loaded, view, "the event log");
  g_assert_cmpstr (ob_log_view_get_state (OB_LOG_VIEW (view)), ==, "list");
  n_records = ob_sim_device_get_n_event_records (sim);
  g_assert_cmpuint (n_records, >, 60);
  g_assert_cmpuint (ob_log_view_get_n_pages (OB_LOG_VIEW (view)), ==, (n_records + 49) / 50);
  g_assert_cmpuint (g_list_model_get_n_items (ob_log_view_get_entries (OB_LOG_VIEW (view))), ==, 50);
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-tab-events.png");
  g_assert_true (gtk_widget_activate_action (view, "log.next-page", NULL));
  g_assert_cmpuint (ob_log_view_get_page (OB_LOG_VIEW (view)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (ob_log_view_get_entries (OB_LOG_VIEW (view))), ==, n_records - 50);
  /* The export has every record, not only the page. */
  csv = ob_device_event_log_dup_csv (OB_DEVICE_EVENT_LOG (tab));
  g_assert_nonnull (csv);
  csv_text = g_strndup (g_bytes_get_data (csv, NULL), g_bytes_get_size (csv));
  g_assert_true (g_str_has_prefix (csv_text, "Time,Source,Severity,Description\r\n"));
  lines = g_strsplit (csv_text, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n_records + 2);

  /* Audit log: read from the device a page at a time, newest first. */
  for (guint i = 0; i < 25; i++)
    {
      static const ObSimInitiator who = { "admin", "192.0.2.7" };

      ob_sim_device_add_audit (sim, 17, 1, &who, NULL, 0);
    }
  tab = ob_device_page_show_tab (page, "audit");
  view = ob_device_audit_log_get_view (OB_DEVICE_AUDIT_LOG (tab));
  wait_for (log_view_loaded, view, "the audit log");
  g_assert_cmpstr (ob_log_view_get_state (OB_LOG_VIEW (view)), ==, "list");
  n_records = ob_sim_device_get_n_audit_records (sim);
  page_size = g_list_model_get_n_items (ob_log_view_get_entries (OB_LOG_VIEW (view)));
  g_assert_cmpuint (page_size, >, 0);
  g_assert_cmpuint (page_size, <, n_records);
  g_assert_cmpuint (ob_log_view_get_n_pages (OB_LOG_VIEW (view)), ==, (n_records + page_size - 1) / page_size);
  {
    g_autoptr(ObLogEntry) newest = g_list_model_get_item (ob_log_view_get_entries (OB_LOG_VIEW (view)), 0);
    g_autoptr(ObLogEntry) last = g_list_model_get_item (ob_log_view_get_entries (OB_LOG_VIEW (view)), page_size - 1);
    g_autoptr(ObLogEntry) next = NULL;

    g_assert_cmpstr (ob_log_entry_get_field (newest, 4), ==, "192.0.2.7");
    save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-tab-audit.png");

    g_assert_true (gtk_widget_activate_action (view, "log.next-page", NULL));
    g_assert_cmpstr (ob_log_view_get_state (OB_LOG_VIEW (view)), ==, "loading");
    wait_for (log_view_loaded, view, "the second audit page");
    g_assert_cmpstr (ob_log_view_get_state (OB_LOG_VIEW (view)), ==, "list");
    next = g_list_model_get_item (ob_log_view_get_entries (OB_LOG_VIEW (view)), 0);
    g_assert_cmpstr (ob_log_entry_get_field (next, 0), <=, ob_log_entry_get_field (last, 0));
  }
  ob_device_audit_log_read_csv_async (OB_DEVICE_AUDIT_LOG (tab), NULL, on_csv_read, &audit_csv);
  wait_for (csv_ready, &audit_csv, "the whole audit log");
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (audit_csv, NULL), g_bytes_get_size (audit_csv));
    g_auto(GStrv) audit_lines = g_strsplit (text, "\r\n", -1);

    g_assert_true (g_str_has_prefix (text, "Time,Event,Initiator,Application,Address,Details\r\n"));
    g_assert_cmpuint (g_strv_length (audit_lines), ==, n_records + 2);
  }
  g_bytes_unref (audit_csv);

  /* Features: turning Serial-over-LAN on reaches the device. */
  tab = ob_device_page_show_tab (page, "features");
  wait_for (features_ready, tab, "the features");
  sol_switch = find_by_type (find_row (tab, "_Serial-over-LAN"), GTK_TYPE_SWITCH);
  gtk_switch_set_active (GTK_SWITCH (sol_switch), !ob_sim_device_get_sol_enabled (sim));
  g_assert_true (ob_device_features_get_busy (OB_DEVICE_FEATURES (tab)));
  if (!ob_sim_device_get_sol_enabled (sim))
    wait_for (sim_sol_enabled, sim, "SOL to be enabled on the device");
  wait_for (features_ready, tab, "the features to be read back");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (sol_switch)) == ob_sim_device_get_sol_enabled (sim));
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-tab-features.png");

  /* Alarms: add one through the dialog, then delete it. */
  tab = ob_device_page_show_tab (page, "alarms");
  alarm_wait.alarms = OB_DEVICE_ALARMS (tab);
  alarm_wait.count = 0;
  wait_for (alarms_count_is, &alarm_wait, "the empty alarm list");
  g_assert_true (gtk_widget_activate_action (tab, "alarms.add", NULL));
  wait_for (has_toplevel, GSIZE_TO_POINTER (OB_TYPE_ADD_ALARM_DIALOG), "the add alarm dialog");
  alarm_dialog = OB_ADD_ALARM_DIALOG (find_toplevel (OB_TYPE_ADD_ALARM_DIALOG));
  set_row_text (GTK_WIDGET (alarm_dialog), "Name", "Nightly patch");
  ob_add_alarm_dialog_set_start (alarm_dialog, tomorrow);
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_row (GTK_WIDGET (alarm_dialog), "_Repeat")), 2);
  g_assert_cmpuint (ob_add_alarm_dialog_get_interval (alarm_dialog), ==, 24 * 60);
  save_screenshot (GTK_WIDGET (alarm_dialog), "test-ui-devices-add-alarm.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (alarm_dialog), "alarm.add", NULL));
  wait_for (has_no_toplevel, GSIZE_TO_POINTER (OB_TYPE_ADD_ALARM_DIALOG), "the alarm dialog to close");
  alarm_wait.count = 1;
  wait_for (alarms_count_is, &alarm_wait, "the new alarm");
  ids = ob_device_alarms_dup_ids (OB_DEVICE_ALARMS (tab));
  g_assert_cmpstr (ids[0], ==, "Nightly patch");
  g_assert_nonnull (find_row (tab, "Nightly patch"));
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-tab-alarms.png");

  g_assert_true (gtk_widget_activate_action (tab, "alarms.delete", "s", "Nightly patch"));
  respond_to_message_dialog ("Delete Alarm “Nightly patch”?", "delete");
  alarm_wait.count = 0;
  wait_for (alarms_count_is, &alarm_wait, "the alarm to be deleted");

  /* The overview tab, last, for the picture of a device page at rest. */
  ob_device_page_show_tab (page, "overview");
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-tab-overview.png");
}

typedef struct
{
  ObSimDevice *sim;
  guint boots;
} BootWait;

static gboolean
sim_booted_again (gpointer data)
{
  BootWait *wait = data;

  return ob_sim_device_get_boot_count (wait->sim) > wait->boots;
}

static ObDevice *
add_device_directly (ObSimDevice *sim,
                     const char  *name,
                     const char  *tag)
{
  const char *tags[] = { tag, NULL };

  ob_device_registry_add_lan_device_async (env.registry, "127.0.0.1", ob_sim_device_get_http_port (sim),
                                           FALSE, NULL, FALSE, name, tags, "admin", DEVICE_PASSWORD,
                                           NULL, NULL, NULL);
  wait_for (registry_has_device, sim, "a device added by the registry");
  return lookup_device (sim);
}

typedef struct
{
  GListModel *model;
  guint count;
} CountWait;

static gboolean
shown_count_is (gpointer data)
{
  CountWait *wait = data;

  return g_list_model_get_n_items (wait->model) == wait->count;
}

static guint
count_rows_with_operation (ObDeviceRowOperation operation)
{
  GtkWidget *list = find_descendant (GTK_WIDGET (env.page), is_device_list, NULL);
  guint n = 0;

  /* Rows are the list's grandchildren (each in a list item widget). */
  for (GtkWidget *item = gtk_widget_get_first_child (list); item != NULL; item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *row = find_by_type (item, OB_TYPE_DEVICE_ROW);

      if (row != NULL && gtk_widget_get_visible (item) &&
          ob_device_row_get_operation (OB_DEVICE_ROW (row)) == operation)
        n++;
    }

  return n;
}

/* Back to the list; select two devices; power cycle them together. */
static void
test_bulk_power_cycle (void)
{
  ObSimDevice *second = add_sim_device ("127.0.0.1", 0);
  ObSimDevice *third = add_sim_device ("127.0.0.1", 0);
  ObDevice *device2;
  ObDevice *device3;
  GtkSelectionModel *selection = ob_devices_page_get_selection (env.page);
  BootWait wait2;
  BootWait wait3;
  GtkWidget *list;
  CountWait count_wait = { G_LIST_MODEL (selection), 0 };

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.page), "devices.back", NULL));
  wait_for (list_is_mapped, env.page, "the list again");

  device2 = add_device_directly (second, "Lab Bench 2", "lab");
  device3 = add_device_directly (third, "Front Desk", "office");
  wait_for (device_reachable_and_on, device2, "the second device's state");
  wait_for (device_reachable_and_on, device3, "the third device's state");

  /* The search and the tag filter narrow the list. */
  /* The entry reports a change after a short pause, as typing does. */
  gtk_editable_set_text (GTK_EDITABLE (find_by_type (GTK_WIDGET (env.page), GTK_TYPE_SEARCH_ENTRY)), "desk");
  count_wait.count = 1;
  wait_for (shown_count_is, &count_wait, "the search to narrow the list");
  gtk_editable_set_text (GTK_EDITABLE (find_by_type (GTK_WIDGET (env.page), GTK_TYPE_SEARCH_ENTRY)), "");
  count_wait.count = 3;
  wait_for (shown_count_is, &count_wait, "the whole list again");
  {
    GtkDropDown *tags = GTK_DROP_DOWN (find_by_type (GTK_WIDGET (env.page), GTK_TYPE_DROP_DOWN));
    GListModel *model = gtk_drop_down_get_model (tags);
    guint lab = GTK_INVALID_LIST_POSITION;

    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), i), "lab") == 0)
        lab = i;
    g_assert_cmpuint (lab, !=, GTK_INVALID_LIST_POSITION);
    gtk_drop_down_set_selected (tags, lab);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, 2);
    gtk_drop_down_set_selected (tags, 0);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, 3);
  }

  /* Select the two new devices the way the check buttons do. */
  ob_devices_page_set_selection_mode (env.page, TRUE);
  wait_frames (GTK_WIDGET (env.window));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (selection)); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (selection), i);

      if (item == (GObject *) device2 || item == (GObject *) device3)
        gtk_selection_model_select_item (selection, i, FALSE);
    }
  wait_frames (GTK_WIDGET (env.window));
  list = find_descendant (GTK_WIDGET (env.page), is_device_list, NULL);
  g_assert_true (ob_device_row_get_selected (OB_DEVICE_ROW (find_descendant (list, is_row_for_device, device2))));
  g_assert_false (ob_device_row_get_selected (OB_DEVICE_ROW (find_descendant (list, is_row_for_device,
                                                                              lookup_device (ob_sim_fleet_get_device (env.fleet, 0))))));
  g_assert_nonnull (find_descendant (GTK_WIDGET (env.page), is_label_with_text, "2 devices selected"));
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-selection.png");

  wait2.sim = second;
  wait2.boots = ob_sim_device_get_boot_count (second);
  wait3.sim = third;
  wait3.boots = ob_sim_device_get_boot_count (third);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.page), "devices.bulk-power", "i", 5));
  respond_to_message_dialog ("Power Cycle 2 Devices?", "run");
  g_assert_true (ob_devices_page_get_bulk_running (env.page));
  g_assert_cmpuint (count_rows_with_operation (OB_DEVICE_ROW_OPERATION_RUNNING), ==, 2);
  wait_for (bulk_done, env.page, "the bulk power cycle");
  wait_for (sim_booted_again, &wait2, "the second device to boot again");
  wait_for (sim_booted_again, &wait3, "the third device to boot again");

  /* Each selected row says how it went; the first device was left alone. */
  g_assert_cmpuint (count_rows_with_operation (OB_DEVICE_ROW_OPERATION_SUCCEEDED), ==, 2);
  g_assert_cmpuint (count_rows_with_operation (OB_DEVICE_ROW_OPERATION_FAILED), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_power_state (ob_sim_fleet_get_device (env.fleet, 0)), ==, 2);
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-bulk-done.png");

  /* A device that vanished shows its failure on its row. */
  ob_devices_page_set_selection_mode (env.page, FALSE);
  ob_devices_page_set_selection_mode (env.page, TRUE);
  g_assert_cmpuint (count_rows_with_operation (OB_DEVICE_ROW_OPERATION_SUCCEEDED), ==, 0);
  ob_sim_wsman_server_stop (ob_sim_fleet_get_server (env.fleet, third));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (selection)); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (selection), i);

      if (item == (GObject *) device2 || item == (GObject *) device3)
        gtk_selection_model_select_item (selection, i, FALSE);
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.page), "devices.bulk-power", "i", 2));
  wait_for (bulk_done, env.page, "the bulk power on");
  g_assert_cmpuint (count_rows_with_operation (OB_DEVICE_ROW_OPERATION_SUCCEEDED), ==, 1);
  g_assert_cmpuint (count_rows_with_operation (OB_DEVICE_ROW_OPERATION_FAILED), ==, 1);
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-bulk-failed.png");

  /* Escape leaves selection mode, and forgets the selection. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.page), "devices.leave-mode", NULL));
  g_assert_false (ob_devices_page_get_selection_mode (env.page));
  {
    g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (selection);

    g_assert_true (gtk_bitset_is_empty (selected));
  }
}

static void
resize_window (int width,
               int height)
{
  /* Without a window manager a mapped window keeps its size; map it again
   * at the new default size. */
  gtk_widget_set_visible (GTK_WIDGET (env.window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (env.window), width, height);
  gtk_window_present (GTK_WINDOW (env.window));
  wait_for (widget_is_mapped, env.window, "the window to be mapped again");
  wait_frames (GTK_WIDGET (env.window));
}

static gboolean
is_back_to_devices (GtkWidget     *widget,
                    gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), "devices.back") == 0;
}

static gboolean
window_folded (gpointer data)
{
  return ob_window_get_folded (OB_WINDOW (data));
}

/* At phone width the list, the device page and the way back all fit. */
static void
test_narrow (void)
{
  ObDevice *device = lookup_device (ob_sim_fleet_get_device (env.fleet, 0));
  ObDevicePage *page;
  GtkWidget *back;

  resize_window (360, 720);
  wait_for (window_folded, env.window, "the window to fold");
  wait_frames (GTK_WIDGET (env.window));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (env.page)), <=, 360);
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-narrow-list.png");

  page = open_device_page (device);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (page)), <=, 360);
  /* The tabs move to a bar at the bottom. */
  wait_for (widget_is_mapped, find_by_type (GTK_WIDGET (page), ADW_TYPE_VIEW_SWITCHER_BAR), "the bottom tab bar");
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-narrow-device.png");

  back = find_descendant (GTK_WIDGET (page), is_back_to_devices, NULL);
  g_assert_nonnull (back);
  g_assert_true (gtk_widget_get_mapped (back));
  gtk_widget_activate (back);
  wait_for (list_is_mapped, env.page, "the list after going back");

  resize_window (1000, 700);
}

typedef struct
{
  gint64 until;
} TimeWait;

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= ((TimeWait *) data)->until;
}

static gboolean
device_idle (gpointer data)
{
  return !ob_device_get_busy (OB_DEVICE (data));
}

static gboolean
device_busy (gpointer data)
{
  return ob_device_get_busy (OB_DEVICE (data));
}

/* A slow device keeps the window drawing: the page opens at once, shows
 * that it is waiting, and frames keep coming while the device thinks. */
static void
test_slow_device (void)
{
  ObSimDevice *sim = ob_sim_fleet_get_device (env.fleet, 0);
  ObDevice *device = lookup_device (sim);
  ObDevicePage *page;
  GtkWidget *spinner;
  guint frames = 0;
  guint tick;
  TimeWait second;

  wait_for (device_idle, device, "the device to be idle");
  ob_sim_device_set_latency_ms (sim, 1500);

  page = open_device_page (device);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "device.refresh", NULL));
  wait_for (device_busy, device, "the refresh to start");

  spinner = find_by_type (GTK_WIDGET (page), GTK_TYPE_SPINNER);
  g_assert_true (gtk_widget_get_visible (spinner));
  g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));

  tick = gtk_widget_add_tick_callback (GTK_WIDGET (env.window), count_frame, &frames, NULL);
  second.until = g_get_monotonic_time () + G_USEC_PER_SEC;
  wait_for (time_passed, &second, "a second");
  gtk_widget_remove_tick_callback (GTK_WIDGET (env.window), tick);

  /* Still waiting for the device, and the window went on drawing. */
  g_assert_true (ob_device_get_busy (device));
  g_assert_cmpuint (frames, >=, 10);
  save_screenshot (GTK_WIDGET (env.window), "test-ui-devices-slow.png");

  ob_sim_device_set_latency_ms (sim, 0);
  wait_for (device_idle, device, "the slow refresh to end");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "devices.back", NULL));
  wait_for (list_is_mapped, env.page, "the list");
}

static gboolean
is_add_button (GtkWidget     *widget,
               gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), "add-device.add") == 0;
}

static gboolean
registry_lacks_device (gpointer data)
{
  return lookup_device (data) == NULL;
}

/* TLS: the dialog reads the certificate first, shows its fingerprint, and
 * sends the password only once the admin trusts it; then remove the
 * device again from its page. */
static void
test_add_tls_device (void)
{
  ObSimDevice *sim = add_sim_device ("127.0.0.1", OB_SIM_PORT_ANY);
  ObSimWsmanServer *server = ob_sim_fleet_get_server (env.fleet, sim);
  g_autofree char *expected_hex = ob_sim_wsman_server_dup_certificate_fingerprint (server);
  g_autofree char *expected = ob_lan_stream_source_format_fingerprint (expected_hex);
  ObAddDeviceDialog *dialog;
  GtkWidget *add_button;
  GtkSpinButton *port;
  GtkWidget *fingerprint_row;
  GtkWidget *trust;
  ObDevice *device;
  ObDevicePage *page;
  guint n_devices = g_list_model_get_n_items (G_LIST_MODEL (env.registry));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.page), "devices.add", NULL));
  wait_for (has_toplevel, GSIZE_TO_POINTER (OB_TYPE_ADD_DEVICE_DIALOG), "the add device dialog");
  dialog = OB_ADD_DEVICE_DIALOG (find_toplevel (OB_TYPE_ADD_DEVICE_DIALOG));
  wait_for (widget_is_mapped, dialog, "the dialog to show");
  add_button = find_descendant (GTK_WIDGET (dialog), is_add_button, NULL);

  set_row_text (GTK_WIDGET (dialog), "Name (optional)", "Secure Server");
  set_row_text (GTK_WIDGET (dialog), "Address", "127.0.0.1");
  set_row_text (GTK_WIDGET (dialog), "Password", DEVICE_PASSWORD);

  /* The switch moves the port to AMT's TLS port. */
  port = GTK_SPIN_BUTTON (find_by_type (find_row (GTK_WIDGET (dialog), "_Port"), GTK_TYPE_SPIN_BUTTON));
  gtk_switch_set_active (GTK_SWITCH (find_by_type (find_row (GTK_WIDGET (dialog), "Use _TLS"), GTK_TYPE_SWITCH)), TRUE);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (port), ==, 16993);
  gtk_spin_button_set_value (port, ob_sim_device_get_tls_port (sim));

  /* Not before the certificate is trusted. */
  g_assert_false (gtk_widget_is_sensitive (add_button));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "add-device.test", NULL));
  wait_for (dialog_status_contains, dialog, "the certificate");
  fingerprint_row = find_row (GTK_WIDGET (dialog), "SHA-256 Fingerprint");
  g_assert_true (gtk_widget_get_mapped (fingerprint_row));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (fingerprint_row)), ==, expected);
  g_assert_false (gtk_widget_is_sensitive (add_button));
  save_screenshot (GTK_WIDGET (dialog), "test-ui-devices-add-dialog-certificate.png");

  /* Trusting it runs the test with the certificate pinned. */
  trust = find_by_type (find_row (GTK_WIDGET (dialog), "T_rust This Certificate"), GTK_TYPE_SWITCH);
  gtk_switch_set_active (GTK_SWITCH (trust), TRUE);
  g_assert_true (ob_add_device_dialog_get_busy (dialog));
  wait_for (dialog_status_contains, dialog, "the connection test over TLS");
  g_assert_cmpstr (ob_add_device_dialog_get_status (dialog), ==, "Connected to Intel AMT 16.1.25");
  g_assert_true (gtk_widget_is_sensitive (add_button));
  save_screenshot (GTK_WIDGET (dialog), "test-ui-devices-add-dialog-tls-tested.png");

  gtk_widget_activate (add_button);
  wait_for (registry_has_device, sim, "the TLS device in the registry");
  wait_for (has_no_toplevel, GSIZE_TO_POINTER (OB_TYPE_ADD_DEVICE_DIALOG), "the dialog to close");
  device = lookup_device (sim);
  g_assert_true (ob_device_get_use_tls (device));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (env.registry)), ==, n_devices + 1);
  wait_for (device_reachable_and_on, device, "the TLS device's state");

  /* Remove it from its page, confirmed; the page goes back to the list. */
  page = open_device_page (device);
  g_assert_true (g_str_has_suffix (ob_device_overview_get_value (OB_DEVICE_OVERVIEW (ob_device_page_show_tab (page, "overview")),
                                                                  "port"),
                                   "encrypted with TLS"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "device.remove", NULL));
  respond_to_message_dialog ("Remove “Secure Server”?", "remove");
  wait_for (registry_lacks_device, sim, "the device to be removed");
  wait_for (list_is_mapped, env.page, "the list after the removal");
  g_assert_null (ob_devices_page_get_device_page (env.page));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (env.registry)), ==, n_devices);
}

/* Every LAN device answered, and every CIRA device called in at least
 * once (some come and go on purpose) and one of them answered. */
static gboolean
demo_has_devices (gpointer data)
{
  ObServices *services = ob_application_get_services (OB_APPLICATION (data));
  ObDeviceRegistry *registry = services != NULL ? ob_services_get_device_registry (services) : NULL;
  guint lan_reachable = 0;
  guint cira = 0;
  guint cira_reachable = 0;

  if (registry == NULL)
    return FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (registry)); i++)
    {
      g_autoptr(ObDevice) device = g_list_model_get_item (G_LIST_MODEL (registry), i);
      gboolean reachable = ob_device_get_reachability (device) == OB_DEVICE_REACHABILITY_REACHABLE &&
                           ob_device_get_amt_version (device) != NULL;

      if (ob_device_get_transport (device) == OB_DEVICE_TRANSPORT_CIRA)
        {
          cira++;
          cira_reachable += reachable ? 1 : 0;
        }
      else
        {
          lan_reachable += reachable ? 1 : 0;
        }
    }

  return lan_reachable == OB_DEMO_N_DEVICES && cira == OB_DEMO_N_CIRA_DEVICES && cira_reachable > 0;
}

static guint
count_reachable_cira (ObDeviceRegistry *registry)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (registry)); i++)
    {
      g_autoptr(ObDevice) device = g_list_model_get_item (G_LIST_MODEL (registry), i);

      if (ob_device_get_transport (device) == OB_DEVICE_TRANSPORT_CIRA &&
          ob_device_get_transport_source (device) != NULL &&
          ob_device_get_reachability (device) == OB_DEVICE_REACHABILITY_REACHABLE)
        n++;
    }

  return n;
}

typedef struct
{
  char *demo_dir;
  gboolean checked;
} DemoRun;

/* Runs inside `outband --demo`'s own g_application_run(), once its window
 * is up. */
static void
on_demo_activate (GApplication *gapp,
                  DemoRun      *run)
{
  ObApplication *app = OB_APPLICATION (gapp);
  ObDeviceRegistry *registry;
  GtkWindow *window;
  guint tls = 0;

  g_assert_true (ob_application_get_demo_mode (app));
  /* No demo in the demo. */
  g_assert_false (g_action_group_has_action (G_ACTION_GROUP (app), "try-demo"));

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  gtk_window_set_default_size (window, 1000, 700);
  wait_for (widget_is_mapped, window, "the demo window");
  wait_for (demo_has_devices, app, "the demo devices");

  registry = ob_services_get_device_registry (ob_application_get_services (app));
  run->demo_dir = g_strdup (ob_services_get_data_dir (ob_application_get_services (app)));
  g_assert_false (g_str_has_prefix (run->demo_dir, g_get_user_data_dir ()));
  g_assert_cmpuint (ob_sim_fleet_get_n_devices (ob_demo_get_fleet (ob_application_get_demo (app))), ==,
                    OB_DEMO_N_DEVICES);
  g_assert_cmpuint (ob_demo_get_n_cira_devices (ob_application_get_demo (app)), ==, OB_DEMO_N_CIRA_DEVICES);
  /* The demo's own listener, on a port of its own. */
  g_assert_true (ob_mps_server_get_listening (ob_services_get_mps_server (ob_application_get_services (app))));

  /* One of the LAN devices over TLS, its certificate pinned. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (registry)); i++)
    {
      g_autoptr(ObDevice) device = g_list_model_get_item (G_LIST_MODEL (registry), i);

      /* CIRA is always TLS; among the LAN devices, one. */
      if (ob_device_get_transport (device) == OB_DEVICE_TRANSPORT_LAN)
        tls += ob_device_get_use_tls (device) ? 1 : 0;
    }
  g_assert_cmpuint (tls, ==, 1);

  wait_for (list_is_mapped, ob_window_get_page (OB_WINDOW (window), "devices"), "the demo list");

  /* For the picture (data/screenshots/devices.png), give the other CIRA
   * devices a few seconds to answer too; churn may keep one away, which
   * the picture may show. */
  {
    gint64 until = g_get_monotonic_time () + 8 * G_USEC_PER_SEC;

    while (count_reachable_cira (registry) < OB_DEMO_N_CIRA_DEVICES && g_get_monotonic_time () < until)
      {
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (10000);
      }
  }
  /* Devices that came in later sorted in above the first row shown: a
   * list at its top stays at its top. */
  {
    GtkWidget *list = find_descendant (ob_window_get_page (OB_WINDOW (window), "devices"), is_device_list, NULL);

    wait_frames (list);
    g_assert_cmpfloat (gtk_adjustment_get_value (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list))), ==, 0);
  }
  save_screenshot (GTK_WIDGET (window), "test-ui-devices-demo.png");

  run->checked = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

static gint64
file_size (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);

  return info != NULL ? g_file_info_get_size (info) : -1;
}

/* `outband --demo`: six simulated devices, live, with nothing stored in
 * the user's data folder, and its own throw-away folder gone on quit. */
static void
test_demo (void)
{
  g_autoptr(ObApplication) app = ob_application_new ();
  g_autofree char *user_db = g_build_filename (g_get_user_data_dir (), "outband", "outband.db", NULL);
  gint64 user_db_size = file_size (user_db);
  char *argv[] = { (char *) "outband", (char *) "--demo", NULL };
  DemoRun run = { NULL, FALSE };

  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (env.app), "try-demo"));

  g_application_set_application_id (G_APPLICATION (app), APP_ID ".DemoTest");
  g_signal_connect_after (app, "activate", G_CALLBACK (on_demo_activate), &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv), ==, 0);

  g_assert_true (run.checked);
  g_assert_nonnull (run.demo_dir);
  g_assert_false (g_file_test (run.demo_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpint (file_size (user_db), ==, user_db_size);
  g_free (run.demo_dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_home = g_dir_make_tmp ("outband-ui-devices-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  ObServices *services;
  int result;

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  /* Device passwords stay in this process. */
  g_setenv ("OUTBAND_SECRET_STORE", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  env.fleet = ob_sim_fleet_new ();

  env.app = ob_application_new ();
  g_application_set_application_id (G_APPLICATION (env.app), APP_ID ".DevicesTest");
  g_application_set_flags (G_APPLICATION (env.app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (env.app), NULL, &error));
  g_assert_no_error (error);

  g_application_activate (G_APPLICATION (env.app));
  env.window = OB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (env.app)));
  g_assert_true (OB_IS_WINDOW (env.window));
  gtk_window_set_default_size (GTK_WINDOW (env.window), 1000, 700);
  wait_for (widget_is_mapped, env.window, "the main window");

  services = ob_application_get_services (env.app);
  wait_for (services_running, services, "the services to start");
  env.page = OB_DEVICES_PAGE (ob_window_get_page (env.window, "devices"));
  wait_for (page_has_registry, env.page, "the registry on the devices page");
  env.registry = ob_devices_page_get_registry (env.page);
  g_assert_true (env.registry == ob_services_get_device_registry (services));

  /* In order: each test goes on from where the one before left off. */
  g_test_add_func ("/ui/devices/add", test_add_device);
  g_test_add_func ("/ui/devices/power", test_device_power);
  g_test_add_func ("/ui/devices/tabs", test_device_tabs);
  g_test_add_func ("/ui/devices/bulk", test_bulk_power_cycle);
  g_test_add_func ("/ui/devices/narrow", test_narrow);
  g_test_add_func ("/ui/devices/slow", test_slow_device);
  g_test_add_func ("/ui/devices/add-tls", test_add_tls_device);
  g_test_add_func ("/ui/devices/demo", test_demo);

  result = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (env.window));
  ob_sim_fleet_stop (env.fleet);
  g_clear_object (&env.fleet);

  return result;
}
