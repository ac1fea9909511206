/* test-ui-cira.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "ob-application.h"
#include "ob-device-hardware.h"
#include "ob-device-event-log.h"
#include "ob-device-overview.h"
#include "ob-device-page.h"
#include "ob-device-row.h"
#include "ob-devices-page.h"
#include "ob-lan-stream-source.h"
#include "ob-log-view.h"
#include "ob-sim-cira.h"
#include "ob-ui-util.h"
#include "ob-window.h"
#include "ui-test-util.h"

/* CIRA devices in the window: the app's own services (memory keyring,
 * throw-away data folder) listen for CIRA on a free port, and simulated
 * devices in this process call in over real TLS on loopback, as devices
 * out on the internet would. */

#define CIRA_USER     "ui-cira"
#define CIRA_PASSWORD "Ui-Cira-P4ss!"
#define AMT_PASSWORD  "Ui-Amt-P4ss!"
#define N_DEVICES     3

typedef struct
{
  ObSimDevice *device;
  ObSimWsmanServer *server;
  ObSimCira *cira;
} SimDevice;

/* One application for every test, as a user's session would have. */
typedef struct
{
  ObApplication *app;
  ObWindow *window;
  ObDevicesPage *page;
  ObServices *services;
  ObDeviceRegistry *registry;
  ObSimCiraPool *pool;
  SimDevice sims[N_DEVICES];
  guint port;
} Env;

static Env env;

static const char * const device_names[N_DEVICES] = {
  "Branch Office PC",
  "Remote Kiosk",
  "Field Laptop",
};

static guint
free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
services_running (gpointer data)
{
  return ob_services_get_state (OB_SERVICES (data)) == OB_SERVICES_STATE_RUNNING;
}

static gboolean
mps_listening (gpointer data)
{
  ObMpsServer *mps = ob_services_get_mps_server (env.services);

  return mps != NULL && ob_mps_server_get_listening (mps) &&
         ob_mps_server_get_port (mps) == GPOINTER_TO_UINT (data);
}

static gboolean
page_has_registry (gpointer data)
{
  return ob_devices_page_get_registry (OB_DEVICES_PAGE (data)) != NULL;
}

static gboolean
status_contains (gpointer data)
{
  const char *status = ob_devices_page_get_mps_status (env.page);

  return status != NULL && strstr (status, data) != NULL;
}

static gboolean
error_contains (gpointer data)
{
  const char *error = ob_devices_page_get_mps_error (env.page);

  return error != NULL && strstr (error, data) != NULL;
}

static gboolean
no_error (gpointer data)
{
  return ob_devices_page_get_mps_error (env.page) == NULL;
}

/* The devices list, not the list inside the tag filter's drop-down. */
static gboolean
is_device_list (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_LIST_VIEW (widget) && gtk_widget_has_css_class (widget, "ob-device-list");
}

static GtkWidget *
device_list (void)
{
  return find_descendant (GTK_WIDGET (env.page), is_device_list, NULL);
}

static gboolean
is_row_for_device (GtkWidget     *widget,
                   gconstpointer  data)
{
  return OB_IS_DEVICE_ROW (widget) && ob_device_row_get_device (OB_DEVICE_ROW (widget)) == data;
}

static GtkWidget *
row_for (ObDevice *device)
{
  GtkWidget *list = device_list ();

  return list != NULL ? find_descendant (list, is_row_for_device, device) : NULL;
}

typedef struct
{
  ObDevice *device;
  const char *text;
} RowWait;

/* The device's row shows a label with exactly @text … */
static gboolean
row_shows (gpointer data)
{
  RowWait *wait = data;
  GtkWidget *row = row_for (wait->device);

  return row != NULL && gtk_widget_get_mapped (row) &&
         find_descendant (row, is_label_with_text, wait->text) != NULL;
}

/* … or a label that contains it. */
static gboolean
row_shows_part (gpointer data)
{
  RowWait *wait = data;
  GtkWidget *row = row_for (wait->device);

  return row != NULL && gtk_widget_get_mapped (row) &&
         find_descendant (row, is_label_containing, wait->text) != NULL;
}

static void
wait_for_row (ObDevice   *device,
              const char *text,
              gboolean    part)
{
  RowWait wait = { device, text };
  g_autofree char *what = g_strdup_printf ("“%s” in the row of %s", text, ob_device_get_name (device));

  wait_for (part ? row_shows_part : row_shows, &wait, what);
}

static ObDevice *
lookup (SimDevice *sim)
{
  return ob_device_registry_lookup (env.registry, ob_sim_device_get_guid (sim->device));
}

static gboolean
registry_has (gpointer data)
{
  return lookup (data) != NULL;
}

static gboolean
device_reachable (gpointer data)
{
  ObDevice *device = data;

  return ob_device_get_reachability (device) == OB_DEVICE_REACHABILITY_REACHABLE &&
         ob_device_get_amt_version (device) != NULL;
}

/* Registers a device as the admin or the RPS would: its record, its CIRA
 * password and its AMT password; then starts its CIRA side. */
static void
add_cira_device (SimDevice  *sim,
                 const char *name)
{
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  ObSecretStore *secrets = ob_device_registry_get_secrets (env.registry);
  const char *guid;

  sim->device = ob_sim_device_new (NULL);
  guid = ob_sim_device_get_guid (sim->device);
  sim->server = ob_sim_wsman_server_new (sim->device, "admin", AMT_PASSWORD);
  sim->cira = ob_sim_cira_new (env.pool, sim->device, sim->server, CIRA_USER, CIRA_PASSWORD);
  ob_sim_cira_set_backoff (sim->cira, 100, 500);

  record = ob_device_record_new (guid);
  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  ob_device_record_set_mps_username (record, CIRA_USER);
  ob_device_record_set_friendly_name (record, name);
  ob_device_record_set_hostname (record, ob_sim_device_get_hostname (sim->device));
  g_assert_true (ob_store_insert_device (ob_device_registry_get_store (env.registry), record, &error));
  g_assert_no_error (error);
  g_assert_true (ob_secret_store_store_text_sync (secrets, OB_SECRET_OWNER_DEVICE, guid,
                                                  OB_SECRET_KIND_MPS_PASSWORD, CIRA_PASSWORD,
                                                  NULL, &error));
  g_assert_true (ob_secret_store_store_text_sync (secrets, OB_SECRET_OWNER_DEVICE, guid,
                                                  OB_SECRET_KIND_AMT_PASSWORD, AMT_PASSWORD,
                                                  NULL, &error));
  g_assert_no_error (error);

  ob_sim_cira_start (sim->cira);
}

static void
resize_window (int width,
               int height)
{
  /* Without a window manager a mapped window keeps its size; map it again
   * at the new default size, as a user resize would. */
  gtk_widget_set_visible (GTK_WIDGET (env.window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (env.window), width, height);
  gtk_window_present (GTK_WINDOW (env.window));
  wait_for (widget_is_mapped, env.window, "the window to be mapped again");
  wait_frames (GTK_WIDGET (env.window));
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_time_ago (void)
{
  gint64 now = g_get_real_time ();
  gint64 next = 0;
  g_autofree char *just_now = ob_format_time_ago (now - 5 * G_USEC_PER_SEC, now, &next);
  g_autofree char *one_minute = NULL;
  g_autofree char *minutes = NULL;
  g_autofree char *hours = NULL;
  g_autofree char *days = NULL;
  g_autofree char *future = NULL;

  g_assert_cmpstr (just_now, ==, "just now");
  g_assert_cmpint (next, ==, 55 * G_USEC_PER_SEC);

  one_minute = ob_format_time_ago (now - 61 * G_USEC_PER_SEC, now, &next);
  g_assert_cmpstr (one_minute, ==, "1 minute ago");
  /* Two minutes at 120 s of age. */
  g_assert_cmpint (next, ==, 59 * G_USEC_PER_SEC);

  minutes = ob_format_time_ago (now - (gint64) (59 * 60 + 59) * G_USEC_PER_SEC, now, &next);
  g_assert_cmpstr (minutes, ==, "59 minutes ago");
  g_assert_cmpint (next, ==, 1 * G_USEC_PER_SEC);

  hours = ob_format_time_ago (now - (gint64) (3 * 3600 + 10) * G_USEC_PER_SEC, now, &next);
  g_assert_cmpstr (hours, ==, "3 hours ago");
  g_assert_cmpint (next, ==, (gint64) (3600 - 10) * G_USEC_PER_SEC);

  days = ob_format_time_ago (now - (gint64) (2 * 86400 + 5) * G_USEC_PER_SEC, now, NULL);
  g_assert_cmpstr (days, ==, "2 days ago");

  /* A clock that went back: not "-3 minutes ago". */
  future = ob_format_time_ago (now + 180 * G_USEC_PER_SEC, now, &next);
  g_assert_cmpstr (future, ==, "just now");
  g_assert_cmpint (next, >, 0);
}

static void
on_presence_changed (ObDevicePresence *presence,
                     ObDevice         *device,
                     guint            *count)
{
  (*count)++;
}

/* A device that is away since before this run starts from what the store
 * says; one that goes away now was last seen now. */
static void
test_presence (void)
{
  g_autoptr(ObDevicePresence) presence = ob_device_presence_new ();
  g_autoptr(GListStore) store = g_list_store_new (OB_TYPE_DEVICE);
  g_autoptr(ObDeviceRecord) record = ob_device_record_new ("5f0c2a94-7e1b-4c3d-9a8b-1c2d3e4f5a6b");
  g_autoptr(ObDeviceRecord) lan_record = ob_device_record_new ("0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9");
  g_autoptr(GDateTime) seen = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) two_hours_ago = g_date_time_add_hours (seen, -2);
  g_autoptr(ObStreamSource) transport = OB_STREAM_SOURCE (ob_lan_stream_source_new ("192.0.2.7"));
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(ObDevice) lan = NULL;
  GtkWidget *row = g_object_ref_sink (ob_device_row_new ());
  gint64 expected = g_date_time_to_unix (two_hours_ago) * G_USEC_PER_SEC + g_date_time_get_microsecond (two_hours_ago);
  gint64 before;
  guint changes = 0;

  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  ob_device_record_set_friendly_name (record, "Away Laptop");
  ob_device_record_set_hostname (record, "away-01");
  ob_device_record_set_last_seen (record, two_hours_ago);
  device = ob_device_new (record, NULL, NULL);
  ob_device_record_set_transport (lan_record, OB_DEVICE_TRANSPORT_LAN);
  ob_device_record_set_host (lan_record, "192.0.2.8");
  lan = ob_device_new (lan_record, "not-used", NULL);
  g_list_store_append (store, device);
  g_list_store_append (store, lan);

  g_signal_connect (presence, "changed", G_CALLBACK (on_presence_changed), &changes);
  ob_device_presence_set_model (presence, G_LIST_MODEL (store));
  g_assert_false (ob_device_presence_is_connected (presence, device));
  g_assert_cmpint (ob_device_presence_get_last_seen (presence, device), ==, expected);
  /* LAN devices are not its business. */
  g_assert_cmpint (ob_device_presence_get_last_seen (presence, lan), ==, 0);

  ob_device_row_set_presence (OB_DEVICE_ROW (row), presence);
  ob_device_row_set_device (OB_DEVICE_ROW (row), device);
  g_assert_nonnull (find_descendant (row, is_label_containing, "Last seen 2 hours ago"));
  g_assert_nonnull (find_descendant (row, is_label_with_text, "Disconnected"));
  /* Three hours at the latest, so no sooner than an hour from now. */
  g_assert_cmpint (ob_device_row_get_next_change (OB_DEVICE_ROW (row)), >, g_get_real_time () + 59 * 60 * (gint64) G_USEC_PER_SEC);

  /* It calls in … */
  ob_device_set_transport_source (device, transport);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_true (ob_device_presence_is_connected (presence, device));
  ob_device_row_refresh (OB_DEVICE_ROW (row));
  g_assert_nonnull (find_descendant (row, is_label_with_text, "Connected"));
  g_assert_cmpint (ob_device_row_get_next_change (OB_DEVICE_ROW (row)), ==, 0);

  /* … and goes away again. */
  before = g_get_real_time ();
  ob_device_set_transport_source (device, NULL);
  g_assert_cmpuint (changes, ==, 2);
  g_assert_false (ob_device_presence_is_connected (presence, device));
  g_assert_cmpint (ob_device_presence_get_last_seen (presence, device), >=, before);
  ob_device_row_refresh (OB_DEVICE_ROW (row));
  g_assert_nonnull (find_descendant (row, is_label_containing, "Last seen just now"));

  /* Out of the list, out of its mind. */
  g_list_store_remove (store, 0);
  g_assert_cmpint (ob_device_presence_get_last_seen (presence, device), ==, 0);
  ob_device_set_transport_source (device, transport);
  g_assert_cmpuint (changes, ==, 2);

  ob_device_row_set_device (OB_DEVICE_ROW (row), NULL);
  g_object_unref (row);
  ob_device_presence_set_model (presence, NULL);
  g_assert_finalize_object (g_steal_pointer (&presence));
}

/* The window says where the listener listens and how many are connected. */
static void
test_status_listening (void)
{
  g_autofree char *where = g_strdup_printf (":%u · 0 connected", env.port);

  wait_for (status_contains, (gpointer) where, "the listener's status");
  g_assert_true (g_str_has_prefix (ob_devices_page_get_mps_status (env.page), "Listening on "));
  g_assert_null (ob_devices_page_get_mps_error (env.page));
  g_assert_true (ob_devices_page_get_mps_server (env.page) == ob_services_get_mps_server (env.services));
}

static gboolean
is_status_button (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_MENU_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), "CIRA Listener") == 0;
}

/* The header's status button tells the same in a popover, in full. */
static void
show_status_popover (const char *screenshot,
                     const char *expected)
{
  GtkWidget *button = find_descendant (GTK_WIDGET (env.page), is_status_button, NULL);
  GtkPopover *popover;

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (button));
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  wait_for (widget_is_mapped, popover, "the status popover");
  g_assert_nonnull (find_descendant (GTK_WIDGET (popover), is_label_containing, expected));
  save_screenshot (GTK_WIDGET (popover), screenshot);
  gtk_menu_button_popdown (GTK_MENU_BUTTON (button));
  wait_for (widget_is_unmapped, popover, "the popover to close");
}

/* Devices call in, show up without a refresh, flip to disconnected with
 * when they were last seen, and come back. */
static void
test_devices_live (void)
{
  g_autofree char *three = g_strdup_printf (":%u · %u connected", env.port, N_DEVICES);
  g_autofree char *two = g_strdup_printf (":%u · %u connected", env.port, N_DEVICES - 1);
  ObDevice *devices[N_DEVICES];
  GtkWidget *row;
  GtkWidget *badge;

  for (guint i = 0; i < N_DEVICES; i++)
    add_cira_device (&env.sims[i], device_names[i]);

  for (guint i = 0; i < N_DEVICES; i++)
    {
      wait_for (registry_has, &env.sims[i], "the CIRA device in the registry");
      devices[i] = lookup (&env.sims[i]);
      g_assert_cmpint (ob_device_get_transport (devices[i]), ==, OB_DEVICE_TRANSPORT_CIRA);
      /* Refreshed over the tunnel, as a LAN device would be directly. */
      wait_for (device_reachable, devices[i], "the CIRA device's state");
      wait_for_row (devices[i], "Connected", FALSE);
      wait_for_row (devices[i], "On", FALSE);
    }
  wait_for (status_contains, three, "three connected in the status");
  show_status_popover ("test-ui-cira-status-popover.png", "3 devices connected over CIRA");

  row = row_for (devices[0]);
  badge = find_descendant (row, is_label_with_text, "CIRA");
  g_assert_nonnull (badge);
  g_assert_true (gtk_widget_get_mapped (badge));
  g_assert_nonnull (find_descendant (row, is_label_with_text, "Branch Office PC"));
  save_screenshot (GTK_WIDGET (env.window), "test-ui-cira-connected.png");

  /* The laptop goes away: its row says so at once, and when it was last
   * seen; the others stay. */
  ob_sim_cira_stop (env.sims[2].cira);
  wait_for_row (devices[2], "Disconnected", FALSE);
  wait_for_row (devices[2], "Last seen just now", TRUE);
  wait_for (status_contains, two, "two connected in the status");
  g_assert_nonnull (find_descendant (row_for (devices[0]), is_label_with_text, "Connected"));
  g_assert_false (ob_device_presence_is_connected (ob_devices_page_get_presence (env.page), devices[2]));
  g_assert_cmpint (ob_device_presence_get_last_seen (ob_devices_page_get_presence (env.page), devices[2]), >,
                   g_get_real_time () - 60 * G_USEC_PER_SEC);
  /* Its words change in a minute at the latest: the page wakes up then,
   * not before. */
  g_assert_cmpint (ob_device_row_get_next_change (OB_DEVICE_ROW (row_for (devices[2]))), >, g_get_real_time ());
  g_assert_cmpint (ob_device_row_get_next_change (OB_DEVICE_ROW (row_for (devices[2]))), <=,
                   g_get_real_time () + 60 * G_USEC_PER_SEC);
  g_assert_cmpint (ob_device_row_get_next_change (OB_DEVICE_ROW (row_for (devices[0]))), ==, 0);
  save_screenshot (GTK_WIDGET (env.window), "test-ui-cira-disconnected.png");

  /* At phone width too. */
  resize_window (360, 720);
  wait_for_row (devices[2], "Disconnected", FALSE);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (env.page)), <=, 360);
  save_screenshot (GTK_WIDGET (env.window), "test-ui-cira-narrow.png");
  resize_window (1280, 800);

  /* And back. */
  ob_sim_cira_start (env.sims[2].cira);
  wait_for_row (devices[2], "Connected", FALSE);
  wait_for (status_contains, three, "three connected again");
  save_screenshot (GTK_WIDGET (env.window), "test-ui-cira-wide.png");
}

static ObDevicePage *
open_device_page (ObDevice *device)
{
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
  g_assert_true (gtk_widget_activate_action (device_list (), "list.activate-item", "u", position));
  page = ob_devices_page_get_device_page (env.page);
  g_assert_true (OB_IS_DEVICE_PAGE (page));
  wait_for (widget_is_mapped, page, "the device page");

  return OB_DEVICE_PAGE (page);
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

static gboolean
power_not_busy (gpointer data)
{
  return !ob_device_page_get_power_busy (OB_DEVICE_PAGE (data));
}

static gboolean
hardware_loaded (gpointer data)
{
  return g_strcmp0 (ob_device_hardware_get_state (data), "content") == 0;
}

static gboolean
log_view_loaded (gpointer data)
{
  const char *state = ob_log_view_get_state (OB_LOG_VIEW (data));

  return g_strcmp0 (state, "list") == 0 || g_strcmp0 (state, "empty") == 0;
}

static gboolean
list_is_mapped (gpointer data)
{
  GtkWidget *list = device_list ();

  return list != NULL && gtk_widget_get_mapped (list);
}

/* A connected CIRA device has the same page as a LAN device, and its
 * power actions, hardware and logs work through the tunnel. */
static void
test_device_page (void)
{
  SimDevice *sim = &env.sims[0];
  ObDevice *device = lookup (sim);
  ObDevicePage *page = open_device_page (device);
  ObDeviceOverview *overview = OB_DEVICE_OVERVIEW (ob_device_page_show_tab (page, "overview"));
  PowerWait power = { sim->device, 0 };
  GtkWidget *tab;
  GtkWidget *view;
  g_auto(GStrv) groups = NULL;

  g_assert_cmpstr (ob_device_overview_get_value (overview, "connection"), ==, "Reachable");
  g_assert_nonnull (strstr (ob_device_overview_get_value (overview, "port"), "CIRA"));
  save_screenshot (GTK_WIDGET (env.window), "test-ui-cira-device-page.png");

  /* Power On (it needs no confirmation) on a device that is off. */
  ob_sim_device_set_power_state (sim->device, 8);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "device.power", "i", 2));
  power.power_state = 2;
  wait_for (sim_has_power_state, &power, "the device to power on over CIRA");
  wait_for (power_not_busy, page, "the power action to finish");

  tab = ob_device_page_show_tab (page, "hardware");
  wait_for (hardware_loaded, tab, "the hardware inventory over CIRA");
  groups = ob_device_hardware_dup_group_titles (OB_DEVICE_HARDWARE (tab));
  g_assert_true (g_strv_contains ((const char * const *) groups, "System"));

  ob_sim_device_add_event (sim->device, 0x0f, 0x04, 0x02, 0x22, NULL);
  tab = ob_device_page_show_tab (page, "events");
  view = ob_device_event_log_get_view (OB_DEVICE_EVENT_LOG (tab));
  wait_for (log_view_loaded, view, "the event log over CIRA");
  g_assert_cmpstr (ob_log_view_get_state (OB_LOG_VIEW (view)), ==, "list");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "devices.back", NULL));
  wait_for (list_is_mapped, NULL, "the list");
}

/* The banner's label, not the same words in the status popover. */
static gboolean
is_banner_label (GtkWidget     *widget,
                 gconstpointer  data)
{
  return is_label_with_text (widget, data) && gtk_widget_get_ancestor (widget, GTK_TYPE_REVEALER) != NULL &&
         gtk_widget_get_ancestor (widget, GTK_TYPE_POPOVER) == NULL;
}

static gboolean
is_mapped_retry_button (GtkWidget     *widget,
                        gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), "win.retry-cira") == 0;
}

/* Another program holds the port: the window says so, with the reason and
 * a way out; once the port is free, Retry listens again; a new port in
 * the settings works as well. */
static void
test_port_in_use (void)
{
  g_autoptr(GSocketListener) squatter = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  guint taken = free_port ();
  guint other = free_port ();
  g_autofree char *in_use = g_strdup_printf ("Port %u is already in use", taken);
  g_autofree char *listening_taken = g_strdup_printf (":%u · ", taken);
  g_autofree char *listening_other = g_strdup_printf (":%u · ", other);
  GtkWidget *banner;

  for (guint i = 0; i < N_DEVICES; i++)
    ob_sim_cira_stop (env.sims[i].cira);

  g_assert_true (g_socket_listener_add_inet_port (squatter, taken, NULL, &error));
  g_assert_no_error (error);

  /* The listener moves to the new port, which is taken. */
  g_settings_set_uint (settings, "cira-port", taken);
  wait_for (error_contains, in_use, "“port in use” in the window");
  wait_for (status_contains, (gpointer) "Not listening", "the status to say it does not listen");
  banner = find_descendant (GTK_WIDGET (env.page), is_banner_label, in_use);
  g_assert_nonnull (banner);
  wait_for (widget_is_mapped, banner, "the banner");
  g_assert_nonnull (find_descendant (GTK_WIDGET (env.page), is_label_with_text, "Devices cannot connect over CIRA"));
  /* The ways out: the port setting (Preferences), and trying again. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (env.app), "preferences"));
  g_assert_nonnull (find_descendant (GTK_WIDGET (env.page), is_mapped_retry_button, NULL));
  save_screenshot (GTK_WIDGET (env.window), "test-ui-cira-port-in-use.png");
  show_status_popover ("test-ui-cira-status-popover-error.png", in_use);

  resize_window (360, 720);
  wait_for (widget_is_mapped, banner, "the banner at phone width");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (env.page)), <=, 360);
  save_screenshot (GTK_WIDGET (env.window), "test-ui-cira-port-in-use-narrow.png");
  resize_window (1280, 800);

  /* Retry while it is still taken: the same answer. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.page), "win.retry-cira", NULL));
  wait_for (error_contains, in_use, "“port in use” again");

  /* The other program lets go; Retry listens. */
  g_socket_listener_close (squatter);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.page), "win.retry-cira", NULL));
  wait_for (mps_listening, GUINT_TO_POINTER (taken), "the listener on the freed port");
  wait_for (status_contains, listening_taken, "the status on the freed port");
  wait_for (no_error, NULL, "the banner to go");

  /* Taken again, then the admin picks another port in Preferences: the
   * listener follows the setting without a retry. */
  g_clear_object (&squatter);
  squatter = g_socket_listener_new ();
  g_settings_set_uint (settings, "cira-port", other);
  wait_for (mps_listening, GUINT_TO_POINTER (other), "the listener on the other port");
  g_assert_true (g_socket_listener_add_inet_port (squatter, taken, NULL, &error));
  g_assert_no_error (error);
  g_settings_set_uint (settings, "cira-port", taken);
  wait_for (error_contains, in_use, "“port in use” once more");
  g_settings_set_uint (settings, "cira-port", other);
  wait_for (mps_listening, GUINT_TO_POINTER (other), "the listener on the port from the settings");
  wait_for (status_contains, listening_other, "the status on the port from the settings");
  wait_for (no_error, NULL, "the banner to go again");
  save_screenshot (GTK_WIDGET (env.window), "test-ui-cira-recovered.png");

  g_socket_listener_close (squatter);
  g_settings_reset (settings, "cira-port");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_home = g_dir_make_tmp ("outband-ui-cira-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  int result;

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  /* Passwords stay in this process. */
  g_setenv ("OUTBAND_SECRET_STORE", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  /* Not 4433: another instance, or another test, may have it. */
  env.port = free_port ();
  settings = g_settings_new (APP_ID);
  g_settings_set_uint (settings, "cira-port", env.port);

  env.app = ob_application_new ();
  g_application_set_application_id (G_APPLICATION (env.app), APP_ID ".CiraTest");
  g_application_set_flags (G_APPLICATION (env.app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (env.app), NULL, &error));
  g_assert_no_error (error);

  g_application_activate (G_APPLICATION (env.app));
  env.window = OB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (env.app)));
  g_assert_true (OB_IS_WINDOW (env.window));
  gtk_window_set_default_size (GTK_WINDOW (env.window), 1280, 800);
  wait_for (widget_is_mapped, env.window, "the main window");

  env.services = ob_application_get_services (env.app);
  wait_for (services_running, env.services, "the services to start");
  wait_for (mps_listening, GUINT_TO_POINTER (env.port), "the CIRA listener");
  env.page = OB_DEVICES_PAGE (ob_window_get_page (env.window, "devices"));
  wait_for (page_has_registry, env.page, "the registry on the devices page");
  env.registry = ob_devices_page_get_registry (env.page);
  env.pool = ob_sim_cira_pool_new ("127.0.0.1", env.port);

  g_test_add_func ("/ui/cira/time-ago", test_time_ago);
  g_test_add_func ("/ui/cira/presence", test_presence);
  /* In order: each test goes on from where the one before left off. */
  g_test_add_func ("/ui/cira/status", test_status_listening);
  g_test_add_func ("/ui/cira/devices-live", test_devices_live);
  g_test_add_func ("/ui/cira/device-page", test_device_page);
  g_test_add_func ("/ui/cira/port-in-use", test_port_in_use);

  result = g_test_run ();

  for (guint i = 0; i < N_DEVICES; i++)
    {
      if (env.sims[i].cira != NULL)
        ob_sim_cira_stop (env.sims[i].cira);
      g_clear_object (&env.sims[i].cira);
      g_clear_object (&env.sims[i].server);
      g_clear_object (&env.sims[i].device);
    }
  g_clear_object (&env.pool);
  gtk_window_destroy (GTK_WINDOW (env.window));
  ob_services_stop (env.services);

  return result;
}
