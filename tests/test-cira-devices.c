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

#include "ob-amt-power.h"
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

static ObSecretStore   *secrets;
static ObCertAuthority *authority;
static GTlsCertificate *root;
static char            *ca_dir;

/* ---- main loop helpers ------------------------------------------------------ */

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

static gboolean
wait_until (Condition cond,
            gpointer  data,
            guint     timeout_ms)
{
  gboolean expired = FALSE;
  GSource *deadline = g_timeout_source_new (timeout_ms);

  g_source_set_callback (deadline, on_deadline, &expired, NULL);
  g_source_attach (deadline, NULL);
  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  return cond (data);
}

static gboolean
pointer_is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static gboolean
pointer_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  g_assert_true (wait_until (pointer_is_set, slot, 20000));
  return *slot;
}

static void
assert_finalized (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (G_OBJECT (object), &weak);
  g_object_unref (object);
  g_assert_true (wait_until (pointer_is_null, &weak, 5000));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) dir = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL)
    {
      g_autoptr(GFileInfo) info = g_file_enumerator_next_file (children, NULL, NULL);
      g_autoptr(GFile) child = NULL;

      if (info == NULL)
        break;
      child = g_file_get_child (dir, g_file_info_get_name (info));
      g_file_delete (child, NULL, NULL);
    }
  g_file_delete (dir, NULL, NULL);
}

/* ---- fixture ----------------------------------------------------------------- */

typedef struct
{
  char             *dir;
  ObStore          *store;
  ObConfig         *config;
  ObDeviceRegistry *registry;
  ObMpsServer      *server;
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
  assert_finalized (sim->cira);
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
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *db = NULL;

  f->dir = g_dir_make_tmp ("outband-cira-devices-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "outband.db", NULL);
  f->store = ob_store_new_for_path (db, &error);
  g_assert_no_error (error);
  f->config = ob_config_new ();
  f->registry = ob_device_registry_new (f->store, secrets);
  ob_device_registry_load_async (f->registry, NULL, store_result, &result);
  g_assert_true (ob_device_registry_load_finish (f->registry, wait_result (&result), &error));
  g_clear_object (&result);
  g_signal_connect (f->registry, "items-changed", G_CALLBACK (on_items_changed), f);

  f->server = ob_mps_server_new (f->config, authority, f->registry);
  ob_mps_server_start_async (f->server, "127.0.0.1", 0, NULL, store_result, &result);
  g_assert_true (ob_mps_server_start_finish (f->server, wait_result (&result), &error));
  g_assert_no_error (error);

  /* The devices trust the MPS as AMT does: its root, and its name. */
  f->pool = ob_sim_cira_pool_new ("127.0.0.1", ob_mps_server_get_port (f->server));
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
  assert_finalized (f->pool);

  records = ob_store_list_devices (f->store, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < records->len; i++)
    g_assert_true (ob_secret_store_clear_sync (secrets, OB_SECRET_OWNER_DEVICE,
                                               ob_device_record_get_guid (g_ptr_array_index (records, i)),
                                               NULL, NULL, &error));

  ob_mps_server_stop (f->server);
  assert_finalized (g_steal_pointer (&f->server));
  assert_finalized (g_steal_pointer (&f->registry));
  g_clear_object (&f->config);
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
}

static void
register_device (Fixture    *f,
                 const char *guid)
{
  g_autoptr(ObDeviceRecord) record = ob_device_record_new (guid);
  g_autoptr(GError) error = NULL;

  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  ob_device_record_set_mps_username (record, CIRA_USER);
  ob_device_record_set_friendly_name (record, "Bench box");
  g_assert_true (ob_store_insert_device (f->store, record, &error));
  g_assert_true (ob_secret_store_store_text_sync (secrets, OB_SECRET_OWNER_DEVICE, guid,
                                                  OB_SECRET_KIND_MPS_PASSWORD, CIRA_PASSWORD,
                                                  NULL, &error));
  g_assert_true (ob_secret_store_store_text_sync (secrets, OB_SECRET_OWNER_DEVICE, guid,
                                                  OB_SECRET_KIND_AMT_PASSWORD, AMT_PASSWORD,
                                                  NULL, &error));
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
  g_autoptr(GError) error = NULL;
  ObDeviceRecord *record;

  ob_mps_server_flush_store_writes (f->server);
  record = ob_store_get_device (f->store, guid, &error);
  g_assert_no_error (error);
  return record;
}

static void
refresh (ObDevice  *device,
         GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_device_refresh_async (device, NULL, store_result, &result);
  ob_device_refresh_finish (device, wait_result (&result), error);
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
  g_assert_null (ob_device_registry_lookup (f->registry, GUID));

  ob_sim_cira_start (sim->cira);
  g_assert_true (wait_until (cira_connected, sim, 20000));

  /* In the model, as a CIRA device on its session. */
  device = ob_device_registry_lookup (f->registry, GUID);
  g_assert_nonnull (device);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->registry)), ==, 1);
  g_assert_cmpuint (f->n_items_changed, ==, 1);
  g_assert_cmpint (ob_device_get_transport (device), ==, OB_DEVICE_TRANSPORT_CIRA);
  g_assert_cmpstr (ob_device_get_name (device), ==, "Bench box");
  g_assert_true (ob_device_get_transport_source (device) ==
                 OB_STREAM_SOURCE (ob_mps_server_lookup_session (f->server, GUID)));

  /* Refreshed on its own once WS-Man was forwarded: what the simulated
   * firmware says. */
  g_assert_true (wait_until (device_reachable, device, 20000));
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
  g_assert_true (wait_until (cira_connected, sim, 20000));
  device = ob_device_registry_lookup (f->registry, GUID);
  g_assert_true (wait_until (device_reachable, device, 20000));
  g_assert_cmpuint (ob_sim_device_get_power_state (sim->device), ==, OB_AMT_POWER_STATE_ON);

  /* Power down (8), as the REST route does, over an APF channel. */
  client = ob_device_get_wsman_client (device);
  g_assert_cmpstr (ob_wsman_client_get_host_header (client), ==, GUID ":16992");
  ob_device_hold_busy (device);
  ob_amt_power_action_async (client, 8, NULL, store_result, &result);
  answer = ob_amt_power_action_finish (client, wait_result (&result), &return_value, &error);
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
  ob_amt_power_action_async (client, 2, NULL, store_result, &result);
  answer = ob_amt_power_action_finish (client, wait_result (&result), &return_value, &error);
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
  g_assert_true (wait_until (cira_connected, sim, 20000));
  device = ob_device_registry_lookup (f->registry, GUID);
  g_assert_true (wait_until (device_reachable, device, 20000));
  first = ob_mps_server_lookup_session (f->server, GUID);
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);

  /* The network goes (no APF DISCONNECT): the MPS sees the end. */
  ob_sim_cira_stop (sim->cira);
  g_assert_true (wait_until (device_not_connected, device, 10000));
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->server), ==, 0);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_assert_nonnull (strstr (ob_device_get_last_error (device), "not connected"));
  /* Nothing holds the old session. */
  g_assert_true (wait_until (pointer_is_null, &first, 5000));
  /* Still listed; asking it fails plainly. */
  g_assert_true (ob_device_registry_lookup (f->registry, GUID) == device);
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
  g_assert_true (wait_until (device_connected, device, 20000));
  g_assert_nonnull (ob_mps_server_lookup_session (f->server, GUID));
  g_assert_true (ob_device_registry_lookup (f->registry, GUID) == device);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->registry)), ==, 1);
  g_assert_true (wait_until (device_reachable, device, 20000));
  g_assert_cmpuint (ob_device_get_power_state (device), ==, OB_AMT_POWER_STATE_SLEEP_DEEP);
  g_clear_object (&record);
  record = stored_device (f, GUID);
  g_assert_true (ob_device_record_get_connection_status (record));

  /* The MPS ends it (the REST disconnect route). */
  g_assert_true (ob_mps_server_disconnect_device (f->server, GUID));
  g_assert_true (wait_until (device_not_connected, device, 10000));
  g_clear_object (&record);
  record = stored_device (f, GUID);
  g_assert_false (ob_device_record_get_connection_status (record));
}

static gboolean
all_reachable (gpointer data)
{
  Fixture *f = data;

  if (g_list_model_get_n_items (G_LIST_MODEL (f->registry)) != f->devices->len)
    return FALSE;
  for (guint i = 0; i < f->devices->len; i++)
    {
      g_autoptr(ObDevice) device = g_list_model_get_item (G_LIST_MODEL (f->registry), i);

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
  g_assert_true (ob_store_insert_cira_config (f->store, config, &error));
  g_assert_true (ob_secret_store_store_text_sync (secrets, OB_SECRET_OWNER_CIRA_CONFIG, "fleet",
                                                  OB_SECRET_KIND_MPS_PASSWORD, CIRA_PASSWORD,
                                                  NULL, &error));
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *guid = g_strdup_printf ("6a7b8c9d-aebf-4c01-9d2e-%012x", i + 1);
      SimDevice *sim = add_sim_device (f, guid);

      g_assert_true (ob_secret_store_store_text_sync (secrets, OB_SECRET_OWNER_DEVICE, guid,
                                                      OB_SECRET_KIND_AMT_PASSWORD, AMT_PASSWORD,
                                                      NULL, &error));
      ob_sim_cira_start (sim->cira);
    }

  g_assert_true (wait_until (all_reachable, f, 30000));
  g_assert_cmpuint (ob_mps_server_get_n_connected (f->server), ==, 20);
  for (guint i = 0; i < f->devices->len; i++)
    {
      g_autoptr(ObDevice) device = g_list_model_get_item (G_LIST_MODEL (f->registry), i);

      g_assert_cmpint (ob_device_get_transport (device), ==, OB_DEVICE_TRANSPORT_CIRA);
      g_assert_cmpstr (ob_device_get_name (device), ==, ob_device_get_guid (device));
    }

  ob_mps_server_flush_store_writes (f->server);
  g_assert_true (ob_store_count_devices (f->store, NULL, &stored, &connected, &error));
  g_assert_cmpuint (stored, ==, 20);
  g_assert_cmpuint (connected, ==, 20);


  ob_secret_store_clear_sync (secrets, OB_SECRET_OWNER_CIRA_CONFIG, "fleet", NULL, NULL, NULL);
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
  g_signal_connect (services, "notify::mps-server", G_CALLBACK (on_mps_server_notify), &n_replaced);
  ob_services_start_async (services, NULL, store_result, &result);
  g_assert_true (ob_services_start_finish (services, wait_result (&result), &error));
  g_assert_no_error (error);

  first = ob_services_get_mps_server (services);
  g_assert_nonnull (first);
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  g_assert_true (ob_mps_server_get_listening (first));
  g_assert_cmpuint (ob_mps_server_get_port (first), ==, port);
  g_assert_cmpstr (ob_mps_server_get_address (first), ==, "0.0.0.0");
  n_replaced = 0;

  ob_config_set_cira_port (config, other);
  args[0] = services;
  args[1] = GUINT_TO_POINTER (other);
  g_assert_true (wait_until (services_mps_on_port, args, 10000));
  g_assert_cmpuint (n_replaced, ==, 1);
  g_assert_true (wait_until (pointer_is_null, &first, 5000));

  ob_services_stop (services);
  g_assert_false (ob_mps_server_get_listening (ob_services_get_mps_server (services)));
  g_clear_object (&services);

  /* `outband --cira-port 0`: any free port, whatever the setting says. */
  services = ob_services_new (config, memory, data_dir);
  ob_services_force_cira_port (services, 0);
  g_clear_object (&result);
  ob_services_start_async (services, NULL, store_result, &result);
  g_assert_true (ob_services_start_finish (services, wait_result (&result), &error));
  g_assert_true (ob_mps_server_get_listening (ob_services_get_mps_server (services)));
  g_assert_cmpuint (ob_mps_server_get_port (ob_services_get_mps_server (services)), !=, other);
  g_assert_cmpuint (ob_mps_server_get_port (ob_services_get_mps_server (services)), >, 0);
  ob_services_stop (services);
  g_clear_object (&services);

  remove_tree (data_dir);
  remove_tree (dir);
}

/* ---- main ---------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root_pem = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  secrets = ob_secret_store_memory_new ();
  ca_dir = g_dir_make_tmp ("outband-cira-ca-XXXXXX", &error);
  g_assert_no_error (error);
  authority = ob_cert_authority_new (ca_dir, secrets);
  ob_cert_authority_ensure_async (authority, MPS_NAME, NULL, store_result, &result);
  g_assert_true (wait_until (pointer_is_set, &result, 120000));
  g_assert_true (ob_cert_authority_ensure_finish (authority, result, &error));
  g_assert_no_error (error);
  root_pem = ob_cert_authority_dup_root_pem (authority);
  root = g_tls_certificate_new_from_pem (root_pem, -1, &error);
  g_assert_no_error (error);

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
  g_clear_object (&authority);
  g_clear_object (&secrets);
  remove_tree (ca_dir);
  g_free (ca_dir);
  return ret;
}
