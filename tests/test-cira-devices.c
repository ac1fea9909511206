/* test-cira-devices.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Devices that call home, end to end over loopback: simulated AMT devices
 * (ObSimCira: TLS, APF in the device role, WS-Man served on the channels)
 * connect to ObMpsServer; they show up in ObDeviceRegistry with transport
 * cira and are refreshed, powered and disconnected through the same
 * ObDevice code as LAN devices, while the store follows. */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "cira-test-util.h"
#include "ob-amt-power.h"
#include "ob-api-server.h"
#include "ob-cert-authority.h"
#include "ob-device-registry.h"
#include "ob-mps-server.h"
#include "ob-secret-store-memory.h"
#include "ob-services.h"
#include "ob-sim-cira.h"
#include "ob-sim-cira-pool.h"
#include "ob-sim-device.h"
#include "ob-sim-wsman-server.h"
#include "ob-store.h"

#define GUID          "5f6a7b8c-9dae-4fb0-8c1d-2e3f4a5b6c7d"
#define CIRA_USER     "cira-device"
#define CIRA_PASSWORD "Cira!Pass1"
#define AMT_PASSWORD  "Amt!Pass99"
#define MPS_NAME      "mps.cira-devices.example"

static CiraTestCa       ca;
static GTlsCertificate *root;

/* ---- fixture ----------------------------------------------------------------- */

typedef struct
{
  CiraTestMps       mps;
  ObSimCiraPool    *pool;
  GPtrArray        *devices;   /* SimDevice */
  guint             n_items_changed;
} Fixture;

typedef struct
{
  ObSimDevice      *device;
  ObSimWsmanServer *wsman;
  ObSimCira        *cira;
} SimDevice;

static void
sim_device_free (SimDevice *sim)
{
  ob_sim_cira_stop (sim->cira);
  cira_test_assert_finalized (sim->cira);
  g_object_unref (sim->wsman);
  g_object_unref (sim->device);
  g_free (sim);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  f->n_items_changed++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  cira_test_mps_init (&f->mps, ca.secrets, ca.authority, TRUE);
  g_signal_connect (f->mps.registry, "items-changed", G_CALLBACK (on_items_changed), f);

  /* The devices trust the MPS as AMT does: its root, and its name. */
  f->pool = ob_sim_cira_pool_new ("127.0.0.1", ob_mps_server_get_port (f->mps.server));
  ob_sim_cira_pool_set_root_certificate (f->pool, root);
  ob_sim_cira_pool_set_common_name (f->pool, MPS_NAME);
  f->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) sim_device_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_unref (f->devices);
  cira_test_assert_finalized (f->pool);

  records = ob_store_list_devices (f->mps.store, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < records->len; i++)
    g_assert_true (ob_secret_store_clear_sync (ca.secrets, OB_SECRET_OWNER_DEVICE,
                                               ob_device_record_get_guid (g_ptr_array_index (records, i)),
                                               NULL, NULL, &error));

  cira_test_mps_clear (&f->mps);
}

static void
register_device (Fixture    *f,
                 const char *guid)
{
  cira_test_register_device (&f->mps, ca.secrets, guid, "Bench box", CIRA_USER, CIRA_PASSWORD,
                             AMT_PASSWORD);
}

static SimDevice *
add_sim_device (Fixture    *f,
                const char *guid)
{
  SimDevice *sim = g_new0 (SimDevice, 1);

  sim->device = ob_sim_device_new (guid);
  sim->wsman = ob_sim_wsman_server_new (sim->device, "admin", AMT_PASSWORD);
  sim->cira = ob_sim_cira_new (f->pool, sim->device, sim->wsman, CIRA_USER, CIRA_PASSWORD);
  ob_sim_cira_set_backoff (sim->cira, 50, 200);
  g_ptr_array_add (f->devices, sim);
  return sim;
}

static gboolean
cira_connected (gpointer data)
{
  return ob_sim_cira_get_state (((SimDevice *) data)->cira) == OB_SIM_CIRA_STATE_CONNECTED;
}

static gboolean
device_reachable (gpointer data)
{
  return ob_device_get_reachability (OB_DEVICE (data)) == OB_DEVICE_REACHABILITY_REACHABLE;
}

static gboolean
device_not_connected (gpointer data)
{
  return ob_device_get_transport_source (OB_DEVICE (data)) == NULL;
}

static gboolean
device_connected (gpointer data)
{
  return ob_device_get_transport_source (OB_DEVICE (data)) != NULL;
}

static ObDeviceRecord *
stored_device (Fixture    *f,
               const char *guid)
{
  return cira_test_stored_device (&f->mps, guid);
}

static void
refresh (ObDevice  *device,
         GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_device_refresh_async (device, NULL, cira_test_store_result, &result);
  ob_device_refresh_finish (device, cira_test_wait_result (&result), error);
}

/* ---- tests ----------------------------------------------------------------------- */

static void
test_appears_and_refreshes (Fixture       *f,
                            gconstpointer  data)
{
  SimDevice *sim;
  ObDevice *device;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;

  register_device (f, GUID);
  sim = add_sim_device (f, GUID);
  g_assert_null (ob_device_registry_lookup (f->mps.registry, GUID));

  ob_sim_cira_start (sim->cira);
  g_assert_true (cira_test_wait_until (cira_connected, sim, 20000));

  /* In the model, as a CIRA device on its session. */
  device = ob_device_registry_lookup (f->mps.registry, GUID);
  g_assert_nonnull (device);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->mps.registry)), ==, 1);
  g_assert_cmpuint (f->n_items_changed, ==, 1);
  g_assert_cmpint (ob_device_get_transport (device), ==, OB_DEVICE_TRANSPORT_CIRA);
  g_assert_cmpstr (ob_device_get_name (device), ==, "Bench box");
  g_assert_true (ob_device_get_transport_source (device) ==
                 OB_STREAM_SOURCE (ob_mps_server_lookup_session (f->mps.server, GUID)));

  /* Refreshed on its own once WS-Man was forwarded: what the simulated
   * firmware says. */
  g_assert_true (cira_test_wait_until (device_reachable, device, 20000));
  g_assert_cmpstr (ob_device_get_amt_version (device), ==, ob_sim_device_get_amt_version (sim->device));
  g_assert_cmpuint (ob_device_get_power_state (device), ==, ob_sim_device_get_power_state (sim->device));
  g_assert_nonnull (ob_device_get_last_refreshed (device));

  /* And on demand. */
  ob_sim_device_set_power_state (sim->device, OB_AMT_POWER_STATE_SLEEP_LIGHT);
  refresh (device, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_device_get_power_state (device), ==, OB_AMT_POWER_STATE_SLEEP_LIGHT);
  g_assert_cmpint (ob_device_get_control_mode (device), !=, OB_DEVICE_CONTROL_MODE_UNKNOWN);

  record = stored_device (f, GUID);
  g_assert_true (ob_device_record_get_connection_status (record));
  g_assert_nonnull (ob_device_record_get_last_connected (record));
}

static void
test_power_action (Fixture       *f,
                   gconstpointer  data)
{
  SimDevice *sim;
  ObDevice *device;
  ObWsmanClient *client;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  guint return_value = G_MAXUINT;

  register_device (f, GUID);
  sim = add_sim_device (f, GUID);
  ob_sim_cira_start (sim->cira);
  g_assert_true (cira_test_wait_until (cira_connected, sim, 20000));
  device = ob_device_registry_lookup (f->mps.registry, GUID);
  g_assert_true (cira_test_wait_until (device_reachable, device, 20000));
  g_assert_cmpuint (ob_sim_device_get_power_state (sim->device), ==, OB_AMT_POWER_STATE_ON);

  /* Power down (8), as the REST route does, over an APF channel. */
  client = ob_device_get_wsman_client (device);
  g_assert_cmpstr (ob_wsman_client_get_host_header (client), ==, GUID ":16992");
  ob_device_hold_busy (device);
  ob_amt_power_action_async (client, 8, NULL, cira_test_store_result, &result);
  answer = ob_amt_power_action_finish (client, cira_test_wait_result (&result), &return_value, &error);
  ob_device_report_result (device, error);
  ob_device_release_busy (device);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_cmpuint (return_value, ==, 0);
  g_assert_cmpuint (ob_sim_device_get_power_state (sim->device), ==, OB_AMT_POWER_STATE_OFF_SOFT);

  refresh (device, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_device_get_power_state (device), ==, OB_AMT_POWER_STATE_OFF_SOFT);

  /* And up again. */
  g_clear_object (&result);
  g_clear_pointer (&answer, json_node_unref);
  ob_amt_power_action_async (client, 2, NULL, cira_test_store_result, &result);
  answer = ob_amt_power_action_finish (client, cira_test_wait_result (&result), &return_value, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_sim_device_get_power_state (sim->device), ==, OB_AMT_POWER_STATE_ON);
}

static void
test_disconnect_and_back (Fixture       *f,
                          gconstpointer  data)
{
  SimDevice *sim;
  ObDevice *device;
  ObApfSession *first;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  register_device (f, GUID);
  sim = add_sim_device (f, GUID);
  ob_sim_cira_start (sim->cira);
  g_assert_true (cira_test_wait_until (cira_connected, sim, 20000));
  device = ob_device_registry_lookup (f->mps.registry, GUID);
  g_assert_true (cira_test_wait_until (device_reachable, device, 20000));
  first = ob_mps_server_lookup_session (f->mps.server, GUID);
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);

  /* The network goes (no APF DISCONNECT): the MPS sees the end. */
  ob_sim_cira_stop (sim->cira);
  g_assert_true (cira_test_wait_until (device_not_connected, device, 10000));
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->mps.server), ==, 0);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_assert_nonnull (strstr (ob_device_get_last_error (device), "not connected"));
  /* Nothing holds the old session. */
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_null, &first, 5000));
  /* Still listed; asking it fails plainly. */
  g_assert_true (ob_device_registry_lookup (f->mps.registry, GUID) == device);
  refresh (device, &error);
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_null (ob_device_get_wsman_client (device));

  record = stored_device (f, GUID);
  g_assert_false (ob_device_record_get_connection_status (record));
  g_assert_nonnull (ob_device_record_get_last_disconnected (record));
  g_assert_null (ob_device_record_get_mps_instance (record));

  /* It calls again: the same ObDevice, a new session, refreshed. */
  ob_sim_device_set_power_state (sim->device, OB_AMT_POWER_STATE_SLEEP_DEEP);
  ob_sim_cira_start (sim->cira);
  g_assert_true (cira_test_wait_until (device_connected, device, 20000));
  g_assert_nonnull (ob_mps_server_lookup_session (f->mps.server, GUID));
  g_assert_true (ob_device_registry_lookup (f->mps.registry, GUID) == device);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->mps.registry)), ==, 1);
  g_assert_true (cira_test_wait_until (device_reachable, device, 20000));
  g_assert_cmpuint (ob_device_get_power_state (device), ==, OB_AMT_POWER_STATE_SLEEP_DEEP);
  g_clear_object (&record);
  record = stored_device (f, GUID);
  g_assert_true (ob_device_record_get_connection_status (record));

  /* The MPS ends it (the REST disconnect route). */
  g_assert_true (ob_mps_server_disconnect_device (f->mps.server, GUID));
  g_assert_true (cira_test_wait_until (device_not_connected, device, 10000));
  g_clear_object (&record);
  record = stored_device (f, GUID);
  g_assert_false (ob_device_record_get_connection_status (record));
}

static gboolean
all_reachable (gpointer data)
{
  Fixture *f = data;

  if (g_list_model_get_n_items (G_LIST_MODEL (f->mps.registry)) != f->devices->len)
    return FALSE;
  for (guint i = 0; i < f->devices->len; i++)
    {
      g_autoptr(ObDevice) device = g_list_model_get_item (G_LIST_MODEL (f->mps.registry), i);

      if (!device_reachable (device))
        return FALSE;
    }
  return TRUE;
}

static void
test_many_enrolled (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ObCiraConfig) config = ob_cira_config_new ("fleet");
  g_autoptr(GError) error = NULL;
  guint stored = 0, connected = 0;

  /* Twenty new devices enrol themselves with a config's credentials (and
   * their AMT passwords are set before they call, as the RPS would). */
  ob_cira_config_set_username (config, CIRA_USER);
  ob_cira_config_set_auto_enroll (config, TRUE);
  g_assert_true (ob_store_insert_cira_config (f->mps.store, config, &error));
  g_assert_true (ob_secret_store_store_text_sync (ca.secrets, OB_SECRET_OWNER_CIRA_CONFIG, "fleet",
                                                  OB_SECRET_KIND_MPS_PASSWORD, CIRA_PASSWORD,
                                                  NULL, &error));
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *guid = g_strdup_printf ("6a7b8c9d-aebf-4c01-9d2e-%012x", i + 1);
      SimDevice *sim = add_sim_device (f, guid);

      g_assert_true (ob_secret_store_store_text_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, guid,
                                                      OB_SECRET_KIND_AMT_PASSWORD, AMT_PASSWORD,
                                                      NULL, &error));
      ob_sim_cira_start (sim->cira);
    }

  g_assert_true (cira_test_wait_until (all_reachable, f, 30000));
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->mps.server), ==, 20);
  for (guint i = 0; i < f->devices->len; i++)
    {
      g_autoptr(ObDevice) device = g_list_model_get_item (G_LIST_MODEL (f->mps.registry), i);

      g_assert_cmpint (ob_device_get_transport (device), ==, OB_DEVICE_TRANSPORT_CIRA);
      g_assert_cmpstr (ob_device_get_name (device), ==, ob_device_get_guid (device));
    }

  ob_mps_server_flush_store_writes (f->mps.server);
  g_assert_true (ob_store_count_devices (f->mps.store, NULL, &stored, &connected, &error));
  g_assert_cmpuint (stored, ==, 20);
  g_assert_cmpuint (connected, ==, 20);


  ob_secret_store_clear_sync (ca.secrets, OB_SECRET_OWNER_CIRA_CONFIG, "fleet", NULL, NULL, NULL);
}

/* ---- ObServices: the listener in the running engines ----------------------------------- */

static guint
free_port (void)
{
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint port;

  port = g_socket_listener_add_any_inet_port (probe, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (probe);
  return port;
}

static gboolean
services_mps_on_port (gpointer data)
{
  gpointer *args = data;
  ObMpsServer *mps = ob_services_get_mps_server (args[0]);

  return mps != NULL && ob_mps_server_get_listening (mps) &&
         ob_mps_server_get_port (mps) == GPOINTER_TO_UINT (args[1]);
}

static void
on_mps_server_notify (ObServices *services,
                      GParamSpec *pspec,
                      guint      *count)
{
  (*count)++;
}

static void
test_services_listener (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ObConfig) config = ob_config_new ();
  g_autoptr(ObSecretStore) memory = ob_secret_store_memory_new ();
  g_autofree char *dir = g_dir_make_tmp ("outband-cira-services-XXXXXX", &error);
  g_autofree char *data_dir = g_build_filename (dir, "outband", NULL);
  g_autoptr(ObServices) services = NULL;
  ObMpsServer *first;
  guint port = free_port (), other = free_port ();
  guint n_replaced = 0;
  gpointer args[2];

  /* The setting's port, followed: a new listener when it moves. */
  ob_config_set_cira_port (config, port);
  services = ob_services_new (config, memory, data_dir);
  /* The provisioning server too stays off the fixed ports. */
  ob_services_force_rps_port (services, 0);
  g_signal_connect (services, "notify::mps-server", G_CALLBACK (on_mps_server_notify), &n_replaced);
  ob_services_start_async (services, NULL, cira_test_store_result, &result);
  g_assert_true (ob_services_start_finish (services, cira_test_wait_result (&result), &error));
  g_assert_no_error (error);

  first = ob_services_get_mps_server (services);
  g_assert_nonnull (first);
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  g_assert_true (ob_mps_server_get_listening (first));
  g_assert_cmpuint (ob_mps_server_get_port (first), ==, port);
  g_assert_cmpstr (ob_mps_server_get_address (first), ==, "0.0.0.0");
  /* The REST routes ask the listener that runs. */
  g_assert_true (ob_api_server_get_mps_server (ob_services_get_api_server (services)) == first);
  n_replaced = 0;

  ob_config_set_cira_port (config, other);
  args[0] = services;
  args[1] = GUINT_TO_POINTER (other);
  g_assert_true (cira_test_wait_until (services_mps_on_port, args, 10000));
  g_assert_cmpuint (n_replaced, ==, 1);
  g_assert_true (ob_api_server_get_mps_server (ob_services_get_api_server (services)) ==
                 ob_services_get_mps_server (services));
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_null, &first, 5000));

  ob_services_stop (services);
  g_assert_false (ob_mps_server_get_listening (ob_services_get_mps_server (services)));
  g_clear_object (&services);

  /* `outband --cira-port 0`: any free port, whatever the setting says. */
  services = ob_services_new (config, memory, data_dir);
  ob_services_force_cira_port (services, 0);
  ob_services_force_rps_port (services, 0);
  g_clear_object (&result);
  ob_services_start_async (services, NULL, cira_test_store_result, &result);
  g_assert_true (ob_services_start_finish (services, cira_test_wait_result (&result), &error));
  g_assert_true (ob_mps_server_get_listening (ob_services_get_mps_server (services)));
  g_assert_cmpuint (ob_mps_server_get_port (ob_services_get_mps_server (services)), !=, other);
  g_assert_cmpuint (ob_mps_server_get_port (ob_services_get_mps_server (services)), >, 0);
  ob_services_stop (services);
  g_clear_object (&services);

  cira_test_remove_tree (data_dir);
  cira_test_remove_tree (dir);
}

/* ---- main ---------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  cira_test_ca_init (&ca, MPS_NAME);
  root = cira_test_ca_dup_root (&ca);

  g_test_add ("/cira-devices/appears-and-refreshes", Fixture, NULL, fixture_setup,
              test_appears_and_refreshes, fixture_teardown);
  g_test_add ("/cira-devices/power-action", Fixture, NULL, fixture_setup, test_power_action,
              fixture_teardown);
  g_test_add ("/cira-devices/disconnect-and-back", Fixture, NULL, fixture_setup,
              test_disconnect_and_back, fixture_teardown);
  g_test_add ("/cira-devices/many-enrolled", Fixture, NULL, fixture_setup, test_many_enrolled,
              fixture_teardown);
  g_test_add_func ("/cira-devices/services-listener", test_services_listener);

  ret = g_test_run ();

  g_clear_object (&root);
  cira_test_ca_clear (&ca);
  return ret;
}
