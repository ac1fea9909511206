/* test-rps-server.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObRpsServer end to end over real loopback WebSockets: the simulator's
 * rpc-go client (ObSimRpc) drives each flow, and the simulated device's
 * WS-Man side (ObSimProvisioning) answers what the flows ask; a scripted
 * libsoup client checks what a misbehaving rpc-go gets. */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "ob-cert-authority.h"
#include "ob-rpc-message.h"
#include "ob-rps-server.h"
#include "ob-secret-store-memory.h"
#include "ob-sim-device.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-rpc.h"
#include "ob-sim-wsman-server.h"
#include "ob-store.h"

#define DNS_SUFFIX "vprodemo.test"
#define PFX_PASSWORD "Pfx!Passw0rd"

/* One CA for the whole run: key generation is the slow part. */
static ObCertAuthority *shared_ca;
static ObSecretStore *shared_ca_secrets;
static char *shared_ca_dir;

typedef struct
{
  char          *dir;
  ObStore       *store;
  ObSecretStore *secrets;
  ObRpsServer   *server;
  char          *url;
  char          *wss_url;
  GPtrArray     *provisioned;
  GPtrArray     *deprovisioned;
} Fixture;

typedef struct
{
  ObSimDevice      *device;
  ObSimWsmanServer *wsman;
  ObSimRpc         *rpc;
  GAsyncResult     *result;
} Device;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
wait_for (GAsyncResult **result)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (*result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (*result);
}

static void
on_provisioned (ObRpsServer *server,
                const char  *guid,
                GPtrArray   *list)
{
  g_ptr_array_add (list, g_strdup (guid));
}

static void
add_cira_config (Fixture *f)
{
  g_autoptr(ObCiraConfig) config = ob_cira_config_new ("cira1");
  g_autoptr(GError) error = NULL;

  ob_cira_config_set_mps_server_address (config, "127.0.0.1");
  ob_cira_config_set_server_address_format (config, OB_CIRA_ADDRESS_FORMAT_IPV4);
  ob_cira_config_set_common_name (config, "127.0.0.1");
  ob_cira_config_set_mps_port (config, 4433);
  ob_cira_config_set_username (config, "mpsuser1");
  ob_cira_config_set_auth_method (config, 2);
  ob_cira_config_set_tenant_id (config, "");
  g_assert_true (ob_store_insert_cira_config (f->store, config, &error));
  g_assert_no_error (error);
}

static void
add_profile (Fixture    *f,
             const char *name,
             const char *activation,
             const char *cira,
             const char *static_password)
{
  g_autoptr(ObProfile) profile = ob_profile_new (name);
  g_autoptr(GError) error = NULL;
  const char *tags[] = { "lab", "rps", NULL };

  ob_profile_set_activation (profile, activation);
  ob_profile_set_generate_random_password (profile, static_password == NULL);
  ob_profile_set_generate_random_mebx_password (profile, TRUE);
  ob_profile_set_cira_config_name (profile, cira);
  ob_profile_set_dhcp_enabled (profile, TRUE);
  ob_profile_set_user_consent (profile, OB_PROFILE_USER_CONSENT_ALL);
  ob_profile_set_kvm_enabled (profile, TRUE);
  ob_profile_set_sol_enabled (profile, TRUE);
  ob_profile_set_tags (profile, tags);
  ob_profile_set_tenant_id (profile, "");
  g_assert_true (ob_store_insert_profile (f->store, profile, &error));
  g_assert_no_error (error);
  if (static_password != NULL)
    g_assert_true (ob_secret_store_store_text_sync (f->secrets, OB_SECRET_OWNER_PROFILE, name,
                                                    OB_SECRET_KIND_AMT_PASSWORD, static_password, NULL, NULL));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  ObRpsContext *context;

  f->dir = g_dir_make_tmp ("outband-rps-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "outband.db", NULL);
  f->store = ob_store_new_for_path (db, &error);
  g_assert_no_error (error);
  f->secrets = ob_secret_store_memory_new ();
  f->server = ob_rps_server_new (f->store, f->secrets, shared_ca);
  context = ob_rps_server_get_context (f->server);
  context->settle_delay_ms = 0;
  context->commit_delay_ms = 0;
  g_assert_true (ob_rps_server_listen (f->server, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_rps_server_get_port (f->server), >, 0);
  f->url = g_strdup_printf ("ws://127.0.0.1:%u/activate", ob_rps_server_get_port (f->server));
  f->wss_url = g_strdup_printf ("wss://127.0.0.1:%u/", ob_rps_server_get_port (f->server));
  f->provisioned = g_ptr_array_new_with_free_func (g_free);
  f->deprovisioned = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (f->server, "device-provisioned", G_CALLBACK (on_provisioned), f->provisioned);
  g_signal_connect (f->server, "device-deprovisioned", G_CALLBACK (on_provisioned), f->deprovisioned);

  add_cira_config (f);
  add_profile (f, "ccm-cira", OB_PROFILE_ACTIVATION_CCM, "cira1", NULL);
  add_profile (f, "ccm-lan", OB_PROFILE_ACTIVATION_CCM, NULL, "Str0ng!Pass");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->dir, "outband.db", NULL);
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);
  g_autofree char *shm = g_strconcat (db, "-shm", NULL);

  ob_rps_server_stop (f->server);
  g_clear_object (&f->server);
  g_clear_object (&f->store);
  g_clear_object (&f->secrets);
  g_unlink (db);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->url);
  g_free (f->wss_url);
  g_ptr_array_unref (f->provisioned);
  g_ptr_array_unref (f->deprovisioned);
}

static Device *
device_new (void)
{
  Device *d = g_new0 (Device, 1);

  d->device = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode", OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
  ob_sim_device_set_domain_name (d->device, DNS_SUFFIX);
  ob_sim_provisioning_attach (d->device);
  d->wsman = ob_sim_wsman_server_new (d->device, NULL, NULL);
  d->rpc = ob_sim_rpc_new (d->wsman);
  ob_sim_rpc_set_hostname (d->rpc, "lab-pc");
  return d;
}

static void
device_free (Device *d)
{
  g_clear_object (&d->result);
  g_clear_object (&d->rpc);
  ob_sim_wsman_server_stop (d->wsman);
  g_clear_object (&d->wsman);
  g_clear_object (&d->device);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Device, device_free)

static char *
run_activate (Device      *d,
              const char  *url,
              const char  *profile,
              GError     **error)
{
  g_clear_object (&d->result);
  ob_sim_rpc_activate_async (d->rpc, url, profile, NULL, store_result, &d->result);
  wait_for (&d->result);
  return ob_sim_rpc_finish (d->rpc, d->result, error);
}

static char *
device_secret (Fixture    *f,
               const char *guid,
               const char *kind)
{
  return ob_secret_store_lookup_text_sync (f->secrets, OB_SECRET_OWNER_DEVICE, guid, kind, NULL, NULL);
}

static void
assert_status (const char *message,
               const char *field,
               const char *expected)
{
  g_autofree char *value = ob_sim_rpc_dup_status_field (message, field);

  g_assert_cmpstr (value, ==, expected);
}

/* Every step of every flow of the (only) finished session ended, and the
 * activation's and configuration's steps are there in order. */
static ObRpsSession *
last_session (Fixture *f)
{
  GListModel *sessions = ob_rps_server_get_sessions (f->server);
  guint n = g_list_model_get_n_items (sessions);

  g_assert_cmpuint (n, >, 0);
  return g_list_model_get_item (sessions, n - 1);
}

static void
assert_steps_ended (ObRpsSession *session,
                    const char   *must_contain)
{
  GListModel *flows = ob_rps_session_get_flows (session);
  gboolean found = must_contain == NULL;

  for (guint i = 0; i < g_list_model_get_n_items (flows); i++)
    {
      g_autoptr(ObRpsFlow) flow = g_list_model_get_item (flows, i);
      GListModel *steps = ob_rps_flow_get_steps (flow);

      g_assert_cmpuint (g_list_model_get_n_items (steps), >, 0);
      for (guint k = 0; k < g_list_model_get_n_items (steps); k++)
        {
          g_autoptr(ObRpsStep) step = g_list_model_get_item (steps, k);

          g_assert_cmpint (ob_rps_step_get_state (step), !=, OB_RPS_STEP_RUNNING);
          g_assert_cmpint (ob_rps_step_get_started (step), >, 0);
          if (must_contain != NULL && g_strcmp0 (ob_rps_step_get_name (step), must_contain) == 0)
            found = TRUE;
        }
    }
  g_assert_true (found);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_ccm_cira (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *amt_password = NULL;
  g_autofree char *mps_password = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObRpsSession) session = NULL;
  g_autoptr(GPtrArray) roots = NULL;
  g_autoptr(GPtrArray) activity = NULL;
  g_autoptr(GBytes) ca_root = NULL;
  ObSimProvisioning *prov = ob_sim_provisioning_peek (d->device);
  const char *guid = ob_sim_device_get_guid (d->device);
  const char *access_info, *username, *password, *cn;
  guint format, port;
  ObStoreQuery query = { 0 };

  message = run_activate (d, f->url, "ccm-cira", &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "Client control mode.");
  assert_status (message, "Network", "Wired Network Configured");
  assert_status (message, "CIRAConnection", "Configured");

  /* The device: CCM, admin with the password the keyring has. */
  g_assert_cmpint (ob_sim_device_get_control_mode (d->device), ==, OB_SIM_CONTROL_MODE_CCM);
  amt_password = device_secret (f, guid, OB_SECRET_KIND_AMT_PASSWORD);
  g_assert_nonnull (amt_password);
  g_assert_cmpuint (strlen (amt_password), ==, 16);
  g_assert_true (ob_sim_provisioning_check_admin_password (prov, amt_password));
  g_assert_null (device_secret (f, guid, OB_SECRET_KIND_MEBX_PASSWORD));

  /* CIRA: the MPS entry with our user, the password from the keyring. */
  mps_password = device_secret (f, guid, OB_SECRET_KIND_MPS_PASSWORD);
  g_assert_nonnull (mps_password);
  g_assert_cmpuint (ob_sim_provisioning_get_n_mps_servers (prov), ==, 1);
  g_assert_true (ob_sim_provisioning_get_mps_server (prov, 0, &access_info, &format, &port, &username,
                                                     &password, &cn));
  g_assert_cmpstr (access_info, ==, "127.0.0.1");
  g_assert_cmpuint (format, ==, 3);
  g_assert_cmpuint (port, ==, 4433);
  g_assert_cmpstr (username, ==, "mpsuser1");
  g_assert_cmpstr (password, ==, mps_password);
  g_assert_cmpstr (cn, ==, "127.0.0.1");
  g_assert_true (ob_sim_provisioning_has_policy (prov, 2));
  g_assert_true (ob_sim_provisioning_has_policy (prov, 0));
  g_assert_cmpuint (ob_sim_provisioning_get_periodic_interval (prov), ==, 25);
  g_assert_cmpuint (ob_sim_provisioning_get_user_initiated_state (prov), ==, 32771);
  roots = ob_sim_provisioning_dup_trusted_roots (prov);
  ca_root = ob_cert_authority_dup_root_der (shared_ca);
  g_assert_cmpuint (roots->len, ==, 1);
  g_assert_true (g_bytes_equal (g_ptr_array_index (roots, 0), ca_root));
  {
    g_auto(GStrv) strings = ob_sim_provisioning_dup_detection_strings (prov);

    g_assert_cmpuint (g_strv_length (strings), ==, 1);
    g_assert_true (g_str_has_suffix (strings[0], ".com"));
  }
  g_assert_true (ob_sim_provisioning_get_dhcp_enabled (prov));

  /* The store: what the MPS needs to accept the device. */
  record = ob_store_get_device (f->store, guid, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_device_record_get_mps_username (record), ==, "mpsuser1");
  g_assert_cmpstr (ob_device_record_get_current_mode (record), ==, "1");
  g_assert_cmpstr (ob_device_record_get_hostname (record), ==, "lab-pc");
  g_assert_cmpstr (ob_device_record_get_dns_suffix (record), ==, DNS_SUFFIX);
  g_assert_cmpint (ob_device_record_get_transport (record), ==, OB_DEVICE_TRANSPORT_CIRA);
  g_assert_cmpstrv (ob_device_record_get_tags (record), ((const char *[]) { "lab", "rps", NULL }));

  /* One activity entry per flow, no secret in any. */
  query.device_guid = guid;
  activity = ob_store_list_activity_entries (f->store, &query, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (activity->len, ==, 2);
  for (guint i = 0; i < activity->len; i++)
    {
      ObActivityEntry *entry = g_ptr_array_index (activity, i);

      g_assert_cmpint (ob_activity_entry_get_result (entry), ==, OB_ACTIVITY_RESULT_SUCCESS);
      g_assert_null (strstr (ob_activity_entry_get_detail (entry), amt_password));
      g_assert_null (strstr (ob_activity_entry_get_detail (entry), mps_password));
    }

  session = last_session (f);
  g_assert_cmpint (ob_rps_session_get_state (session), ==, OB_RPS_SESSION_SUCCEEDED);
  g_assert_cmpuint (g_list_model_get_n_items (ob_rps_session_get_flows (session)), ==, 2);
  assert_steps_ended (session, "IPS_HostBasedSetupService.Setup");
  assert_steps_ended (session, "AMT_RemoteAccessService.AddMpServer");
  g_assert_cmpuint (f->provisioned->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->provisioned, 0), ==, guid);
  g_assert_cmpuint (ob_rps_server_get_n_active (f->server), ==, 0);
}

static void
test_ccm_lan_wss_and_reactivate (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *again = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  ObSimProvisioning *prov = ob_sim_provisioning_peek (d->device);
  const char *guid = ob_sim_device_get_guid (d->device);

  /* wss:// on the same port, the profile's static password. */
  ob_sim_rpc_set_skip_cert_check (d->rpc, TRUE);
  message = run_activate (d, f->wss_url, "ccm-lan", &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "Client control mode.");
  g_assert_true (ob_sim_provisioning_check_admin_password (prov, "Str0ng!Pass"));
  g_assert_cmpuint (ob_sim_provisioning_get_n_mps_servers (prov), ==, 0);
  record = ob_store_get_device (f->store, guid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ob_device_record_get_transport (record), ==, OB_DEVICE_TRANSPORT_LAN);
  g_assert_cmpstr (ob_device_record_get_host (record), ==, "127.0.0.1");
  g_assert_null (ob_sim_rpc_dup_status_field (message, "CIRAConnection"));

  /* Activating an activated device: the stored password, then the
   * profile's CIRA settings over the LAN ones. */
  ob_sim_rpc_set_amt_password (d->rpc, "Str0ng!Pass");
  again = run_activate (d, f->url, "ccm-cira", &error);
  g_assert_no_error (error);
  assert_status (again, "Status", "already enabled in client mode.");
  assert_status (again, "CIRAConnection", "Configured");
  g_assert_cmpuint (ob_sim_provisioning_get_n_mps_servers (prov), ==, 1);
  {
    g_autofree char *now = device_secret (f, guid, OB_SECRET_KIND_AMT_PASSWORD);

    g_assert_true (ob_sim_provisioning_check_admin_password (prov, now));
  }
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *expected = NULL;
  const char *guid = ob_sim_device_get_guid (d->device);

  message = run_activate (d, f->url, "no-such-profile", &error);
  g_assert_null (message);
  g_assert_nonnull (error);
  expected = g_strdup_printf ("Device %s activation failed. no-such-profile does not match list of available AMT profiles.",
                              guid);
  g_assert_nonnull (strstr (error->message, expected));
  g_clear_error (&error);
  g_assert_cmpint (ob_sim_device_get_control_mode (d->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);

  /* Deactivating a pre-provisioned device. */
  g_clear_object (&d->result);
  ob_sim_rpc_set_amt_password (d->rpc, "whatever1!A");
  ob_sim_rpc_deactivate_async (d->rpc, f->url, FALSE, NULL, store_result, &d->result);
  wait_for (&d->result);
  message = ob_sim_rpc_finish (d->rpc, d->result, &error);
  g_assert_null (message);
  g_free (expected);
  expected = g_strdup_printf ("Device %s is in pre-provisioning mode.", guid);
  g_assert_nonnull (strstr (error->message, expected));
  g_assert_cmpuint (f->provisioned->len, ==, 0);
}

static void
test_deactivate (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *amt_password = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  const char *guid = ob_sim_device_get_guid (d->device);

  message = run_activate (d, f->url, "ccm-cira", &error);
  g_assert_no_error (error);
  g_clear_pointer (&message, g_free);
  amt_password = device_secret (f, guid, OB_SECRET_KIND_AMT_PASSWORD);

  /* A wrong password is refused without touching the device. */
  ob_sim_rpc_set_amt_password (d->rpc, "Wr0ng!Password");
  g_clear_object (&d->result);
  ob_sim_rpc_deactivate_async (d->rpc, f->url, FALSE, NULL, store_result, &d->result);
  wait_for (&d->result);
  message = ob_sim_rpc_finish (d->rpc, d->result, &error);
  g_assert_null (message);
  expected = g_strdup_printf ("AMT password DOES NOT match stored version for Device %s", guid);
  g_assert_nonnull (strstr (error->message, expected));
  g_clear_error (&error);
  g_assert_cmpint (ob_sim_device_get_control_mode (d->device), ==, OB_SIM_CONTROL_MODE_CCM);

  ob_sim_rpc_set_amt_password (d->rpc, amt_password);
  g_clear_object (&d->result);
  ob_sim_rpc_deactivate_async (d->rpc, f->url, FALSE, NULL, store_result, &d->result);
  wait_for (&d->result);
  message = ob_sim_rpc_finish (d->rpc, d->result, &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "Deactivated");
  g_assert_cmpint (ob_sim_device_get_control_mode (d->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
  record = ob_store_get_device (f->store, guid, &error);
  g_assert_null (record);
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
  g_assert_null (device_secret (f, guid, OB_SECRET_KIND_AMT_PASSWORD));
  g_assert_null (device_secret (f, guid, OB_SECRET_KIND_MPS_PASSWORD));
  g_assert_cmpuint (f->deprovisioned->len, ==, 1);
}

static char *
run_maintenance (Device       *d,
                 const char   *url,
                 ObSimRpcTask  task,
                 const char   *arg,
                 GError      **error)
{
  g_clear_object (&d->result);
  ob_sim_rpc_maintenance_async (d->rpc, url, task, arg, FALSE, NULL, store_result, &d->result);
  wait_for (&d->result);
  return ob_sim_rpc_finish (d->rpc, d->result, error);
}

static void
test_maintenance (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *amt_password = NULL;
  g_autofree char *new_password = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  ObSimProvisioning *prov = ob_sim_provisioning_peek (d->device);
  const char *guid = ob_sim_device_get_guid (d->device);

  message = run_activate (d, f->url, "ccm-lan", &error);
  g_assert_no_error (error);
  g_clear_pointer (&message, g_free);
  amt_password = device_secret (f, guid, OB_SECRET_KIND_AMT_PASSWORD);
  ob_sim_rpc_set_amt_password (d->rpc, amt_password);

  /* synctime */
  message = run_maintenance (d, f->url, OB_SIM_RPC_TASK_SYNC_CLOCK, NULL, &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "synctime completed succesfully");
  g_assert_cmpint (ob_sim_provisioning_get_last_time_sync (prov), >, 0);
  g_clear_pointer (&message, g_free);

  /* changepassword to a given one, then to a random one. */
  message = run_maintenance (d, f->url, OB_SIM_RPC_TASK_CHANGE_PASSWORD, "N3w!Password", &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "changepassword completed succesfully");
  g_assert_true (ob_sim_provisioning_check_admin_password (prov, "N3w!Password"));
  new_password = device_secret (f, guid, OB_SECRET_KIND_AMT_PASSWORD);
  g_assert_cmpstr (new_password, ==, "N3w!Password");
  g_clear_pointer (&message, g_free);
  g_clear_pointer (&new_password, g_free);
  ob_sim_rpc_set_amt_password (d->rpc, "N3w!Password");
  message = run_maintenance (d, f->url, OB_SIM_RPC_TASK_CHANGE_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  new_password = device_secret (f, guid, OB_SECRET_KIND_AMT_PASSWORD);
  g_assert_cmpstr (new_password, !=, "N3w!Password");
  g_assert_true (ob_sim_provisioning_check_admin_password (prov, new_password));
  ob_sim_rpc_set_amt_password (d->rpc, new_password);
  g_clear_pointer (&message, g_free);

  /* synchostname: the OS name differs from AMT's, then it is the same. */
  ob_sim_rpc_set_hostname (d->rpc, "renamed-pc");
  message = run_maintenance (d, f->url, OB_SIM_RPC_TASK_SYNC_HOSTNAME, NULL, &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "synchostname completed succesfully");
  g_assert_cmpstr (ob_sim_device_get_hostname (d->device), ==, "renamed-pc");
  record = ob_store_get_device (f->store, guid, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_device_record_get_hostname (record), ==, "renamed-pc");
  g_clear_object (&record);
  g_clear_pointer (&message, g_free);
  message = run_maintenance (d, f->url, OB_SIM_RPC_TASK_SYNC_HOSTNAME, NULL, &error);
  g_assert_null (message);
  g_assert_nonnull (strstr (error->message, "synchostname failed host name already synchronized"));
  g_clear_error (&error);

  /* syncip: a DHCP port with IP sync already shows the host's address,
   * which the reference reports as a failure. */
  ob_sim_provisioning_set_host_ip (prov, "192.168.7.20", "255.255.255.0", "192.168.7.1", "192.168.7.1");
  message = run_maintenance (d, f->url, OB_SIM_RPC_TASK_SYNC_IP, NULL, &error);
  g_assert_null (message);
  g_assert_nonnull (strstr (error->message, "syncip failed IPAddress already synchronized"));
  g_clear_error (&error);

  /* syncdeviceinfo: no WS-Man, the record's firmware facts. */
  message = run_maintenance (d, f->url, OB_SIM_RPC_TASK_SYNC_DEVICE_INFO, NULL, &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "syncdeviceinfo completed succesfully");
  record = ob_store_get_device (f->store, guid, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ob_device_record_get_fw_version (record));
  g_assert_cmpstr (ob_device_record_get_current_mode (record), ==, "1");
}

static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  Device *devices[50];
  const guint n = G_N_ELEMENTS (devices);
  gint64 deadline = g_get_monotonic_time () + 90 * G_USEC_PER_SEC;
  gboolean all;

  for (guint i = 0; i < n; i++)
    {
      devices[i] = device_new ();
      ob_sim_rpc_activate_async (devices[i]->rpc, f->url, "ccm-cira", NULL, store_result, &devices[i]->result);
    }
  do
    {
      g_main_context_iteration (NULL, TRUE);
      all = TRUE;
      for (guint i = 0; i < n; i++)
        all &= devices[i]->result != NULL;
    }
  while (!all && g_get_monotonic_time () < deadline);
  g_assert_true (all);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *message = ob_sim_rpc_finish (devices[i]->rpc, devices[i]->result, &error);
      g_autofree char *password = NULL;
      const char *guid = ob_sim_device_get_guid (devices[i]->device);

      g_assert_no_error (error);
      assert_status (message, "CIRAConnection", "Configured");
      password = device_secret (f, guid, OB_SECRET_KIND_AMT_PASSWORD);
      g_assert_true (ob_sim_provisioning_check_admin_password (ob_sim_provisioning_peek (devices[i]->device),
                                                               password));
      device_free (devices[i]);
    }
  g_assert_cmpuint (f->provisioned->len, ==, n);
  g_assert_cmpuint (ob_rps_server_get_n_active (f->server), ==, 0);
}

static void
add_wireless (Fixture    *f,
              const char *name,
              const char *ssid)
{
  g_autoptr(ObWirelessConfig) config = ob_wireless_config_new (name);
  g_autoptr(GError) error = NULL;

  ob_wireless_config_set_authentication_method (config, 6);  /* WPA2 PSK */
  ob_wireless_config_set_encryption_method (config, 4);      /* CCMP */
  ob_wireless_config_set_ssid (config, ssid);
  ob_wireless_config_set_psk_value (config, 1);
  ob_wireless_config_set_tenant_id (config, "");
  g_assert_true (ob_store_insert_wireless_config (f->store, config, &error));
  g_assert_no_error (error);
  g_assert_true (ob_secret_store_store_text_sync (f->secrets, OB_SECRET_OWNER_WIRELESS, name,
                                                  OB_SECRET_KIND_PSK_PASSPHRASE, "wifi-passphrase-1", NULL, NULL));
}

static void
test_wireless (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autoptr(ObProfile) profile = NULL;
  ObSimProvisioning *prov = ob_sim_provisioning_peek (d->device);

  add_wireless (f, "office", "OfficeNet");
  add_wireless (f, "lab", "LabNet");
  profile = ob_store_get_profile (f->store, "ccm-lan", &error);
  g_assert_no_error (error);
  ob_profile_add_wifi_link (profile, "lab", 2);
  ob_profile_add_wifi_link (profile, "office", 1);
  g_assert_true (ob_store_update_profile (f->store, profile, &error));
  g_assert_no_error (error);
  ob_sim_provisioning_set_has_wireless (prov, TRUE);

  message = run_activate (d, f->url, "ccm-lan", &error);
  g_assert_no_error (error);
  assert_status (message, "Network", "Wireless Configured");
  g_assert_cmpuint (ob_sim_provisioning_get_n_wifi_profiles (prov), ==, 2);
  /* In priority order. */
  g_assert_cmpstr (ob_sim_provisioning_get_wifi_ssid (prov, 0), ==, "OfficeNet");
  g_assert_cmpstr (ob_sim_provisioning_get_wifi_ssid (prov, 1), ==, "LabNet");
}

static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autoptr(ObProfile) profile = ob_profile_new ("ccm-tls");
  g_autoptr(ObDeviceRecord) record = NULL;
  ObSimProvisioning *prov = ob_sim_provisioning_peek (d->device);

  ob_profile_set_activation (profile, OB_PROFILE_ACTIVATION_CCM);
  ob_profile_set_generate_random_password (profile, TRUE);
  ob_profile_set_dhcp_enabled (profile, TRUE);
  ob_profile_set_tls_mode (profile, 2);
  ob_profile_set_tls_signing_authority (profile, OB_PROFILE_TLS_AUTHORITY_SELF_SIGNED);
  ob_profile_set_tenant_id (profile, "");
  g_assert_true (ob_store_insert_profile (f->store, profile, &error));
  g_assert_no_error (error);

  message = run_activate (d, f->url, "ccm-tls", &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "Client control mode.");
  assert_status (message, "TLSConfiguration", "Configured");
  g_assert_true (ob_sim_provisioning_get_tls_enabled (prov));
  g_assert_cmpuint (ob_sim_provisioning_get_n_commits (prov), >=, 1);
  record = ob_store_get_device (f->store, ob_sim_device_get_guid (d->device), &error);
  g_assert_no_error (error);
  g_assert_true (ob_device_record_get_use_tls (record));
  g_assert_cmpuint (ob_device_record_get_port (record), ==, 16993);
  g_assert_cmpuint (strlen (ob_device_record_get_pinned_fingerprint (record)), ==, 64);
}

static void
test_move (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *new_url = NULL;
  guint old_port = ob_rps_server_get_port (f->server);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) refused = NULL;

  g_assert_true (ob_rps_server_move (f->server, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_rps_server_get_port (f->server), !=, old_port);
  g_assert_null (ob_rps_server_get_last_error (f->server));

  /* The old port is closed, the new one provisions. */
  refused = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) old_port, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  new_url = g_strdup_printf ("ws://127.0.0.1:%u/", ob_rps_server_get_port (f->server));
  message = run_activate (d, new_url, "ccm-lan", &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "Client control mode.");

  /* A port in use: the listener stays where it is and says why. */
  {
    g_autoptr(GSocketListener) squatter = g_socket_listener_new ();
    guint busy = g_socket_listener_add_any_inet_port (squatter, NULL, &error);
    guint before = ob_rps_server_get_port (f->server);

    g_assert_no_error (error);
    g_assert_false (ob_rps_server_move (f->server, busy, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
    g_assert_nonnull (ob_rps_server_get_last_error (f->server));
    g_assert_cmpuint (ob_rps_server_get_port (f->server), ==, before);
    g_assert_true (ob_rps_server_get_listening (f->server));
    g_socket_listener_close (squatter);
  }
}

/* ---- ACM: a provisioning chain made here ------------------------------------- */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS12, PKCS12_free)

typedef struct
{
  GBytes *pfx;          /* DER */
  char   *root_sha256;  /* lower-case hex */
} Chain;

static Chain chain;
/* Leaf, an intermediate, root: AddNextCertInChain three times. */
static Chain chain3;

static X509 *
make_cert (EVP_PKEY   *key,
           EVP_PKEY   *issuer_key,
           X509       *issuer,
           const char *cn,
           gboolean    ca)
{
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  X509V3_CTX ctx;
  X509_EXTENSION *ext;
  static long serial = 1;

  X509_set_version (cert, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (cert), serial++);
  X509_gmtime_adj (X509_getm_notBefore (cert), -3600);
  X509_gmtime_adj (X509_getm_notAfter (cert), 3600L * 24 * 365);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) cn, -1, -1, 0);
  X509_set_subject_name (cert, name);
  X509_set_issuer_name (cert, issuer != NULL ? X509_get_subject_name (issuer) : name);
  X509_set_pubkey (cert, key);
  X509V3_set_ctx (&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  X509_add_ext (cert, ext, -1);
  X509_EXTENSION_free (ext);
  if (!ca)
    {
      /* The AMT provisioning purpose, next to server authentication. */
      ext = X509V3_EXT_conf_nid (NULL, &ctx, NID_ext_key_usage, "serverAuth,2.16.840.1.113741.1.2.3");
      X509_add_ext (cert, ext, -1);
      X509_EXTENSION_free (ext);
    }
  g_assert_cmpint (X509_sign (cert, issuer_key, EVP_sha256 ()), >, 0);
  X509_NAME_free (name);
  return cert;
}

static GBytes *
pfx_of (EVP_PKEY *leaf_key,
        X509     *leaf,
        X509     *extra1,
        X509     *extra2)
{
  g_autoptr(PKCS12) p12 = NULL;
  STACK_OF (X509) *extra = sk_X509_new_null ();
  unsigned char *der = NULL;
  GBytes *bytes;
  int len;

  /* The file's order is not the chain's: root before intermediate. */
  if (extra2 != NULL)
    sk_X509_push (extra, extra2);
  sk_X509_push (extra, extra1);
  p12 = PKCS12_create (PFX_PASSWORD, "provisioning", leaf_key, leaf, extra, 0, 0, 0, 0, 0);
  sk_X509_free (extra);
  g_assert_nonnull (p12);
  len = i2d_PKCS12 (p12, &der);
  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

static char *
sha256_hex (X509 *cert)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  char *hex;

  g_assert_cmpint (X509_digest (cert, EVP_sha256 (), digest, &digest_len), ==, 1);
  hex = g_malloc0 (digest_len * 2 + 1);
  for (guint i = 0; i < digest_len; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", digest[i]);
  return hex;
}

static void
make_chain (void)
{
  g_autoptr(EVP_PKEY) root_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  g_autoptr(EVP_PKEY) inter_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  g_autoptr(EVP_PKEY) leaf_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  g_autoptr(X509) root = make_cert (root_key, root_key, NULL, "Test Provisioning Root", TRUE);
  g_autoptr(X509) inter = make_cert (inter_key, root_key, root, "Test Provisioning Intermediate", TRUE);
  g_autoptr(X509) leaf = make_cert (leaf_key, root_key, root, "rps." DNS_SUFFIX, FALSE);
  g_autoptr(X509) leaf3 = make_cert (leaf_key, inter_key, inter, "rps." DNS_SUFFIX, FALSE);

  chain.pfx = pfx_of (leaf_key, leaf, root, NULL);
  chain.root_sha256 = sha256_hex (root);
  chain3.pfx = pfx_of (leaf_key, leaf3, root, inter);
  chain3.root_sha256 = sha256_hex (root);
}

static void
add_acm_with (Fixture     *f,
              const Chain *with)
{
  g_autoptr(ObDomain) domain = ob_domain_new ("dom1");
  g_autoptr(GError) error = NULL;

  ob_domain_set_domain_suffix (domain, DNS_SUFFIX);
  ob_domain_set_provisioning_cert_storage_format (domain, "string");
  ob_domain_set_tenant_id (domain, "");
  g_assert_true (ob_store_insert_domain (f->store, domain, &error));
  g_assert_no_error (error);
  g_assert_true (ob_secret_store_store_sync (f->secrets, OB_SECRET_OWNER_DOMAIN, "dom1", OB_SECRET_KIND_PFX,
                                             with->pfx, NULL, NULL));
  g_assert_true (ob_secret_store_store_text_sync (f->secrets, OB_SECRET_OWNER_DOMAIN, "dom1",
                                                  OB_SECRET_KIND_PFX_PASSWORD, PFX_PASSWORD, NULL, NULL));
  add_profile (f, "acm-cira", OB_PROFILE_ACTIVATION_ACM, "cira1", NULL);
}

static void
add_acm (Fixture *f)
{
  add_acm_with (f, &chain);
}

static void
test_acm_intermediate (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autoptr(ObRpsSession) session = NULL;
  g_autoptr(ObRpsFlow) activation = NULL;
  GListModel *steps;
  guint added = 0;

  add_acm_with (f, &chain3);
  g_assert_true (ob_sim_provisioning_add_trusted_hash (ob_sim_provisioning_peek (d->device), chain3.root_sha256));
  message = run_activate (d, f->url, "acm-cira", &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "Admin control mode.");
  g_assert_cmpint (ob_sim_device_get_control_mode (d->device), ==, OB_SIM_CONTROL_MODE_ACM);

  session = last_session (f);
  activation = g_list_model_get_item (ob_rps_session_get_flows (session), 0);
  steps = ob_rps_flow_get_steps (activation);
  for (guint i = 0; i < g_list_model_get_n_items (steps); i++)
    {
      g_autoptr(ObRpsStep) step = g_list_model_get_item (steps, i);

      if (g_strcmp0 (ob_rps_step_get_name (step), "IPS_HostBasedSetupService.AddNextCertInChain") == 0)
        added++;
    }
  g_assert_cmpuint (added, ==, 3);
}

static void
test_acm (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *amt_password = NULL;
  g_autofree char *mebx_password = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObRpsSession) session = NULL;
  ObSimProvisioning *prov = ob_sim_provisioning_peek (d->device);
  const char *guid = ob_sim_device_get_guid (d->device);

  add_acm (f);
  g_assert_true (ob_sim_provisioning_add_trusted_hash (prov, chain.root_sha256));
  message = run_activate (d, f->url, "acm-cira", &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "Admin control mode.");
  assert_status (message, "CIRAConnection", "Configured");
  g_assert_cmpint (ob_sim_device_get_control_mode (d->device), ==, OB_SIM_CONTROL_MODE_ACM);
  amt_password = device_secret (f, guid, OB_SECRET_KIND_AMT_PASSWORD);
  g_assert_true (ob_sim_provisioning_check_admin_password (prov, amt_password));
  mebx_password = device_secret (f, guid, OB_SECRET_KIND_MEBX_PASSWORD);
  g_assert_nonnull (mebx_password);
  g_assert_cmpstr (ob_sim_provisioning_get_mebx_password (prov), ==, mebx_password);
  record = ob_store_get_device (f->store, guid, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_device_record_get_current_mode (record), ==, "2");
  session = last_session (f);
  assert_steps_ended (session, "IPS_HostBasedSetupService.AdminSetup");
  assert_steps_ended (session, "AMT_SetupAndConfigurationService.SetMEBxPassword");
}

static void
test_acm_refused (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *expected = NULL;

  add_acm (f);

  /* A DNS suffix no domain has. */
  {
    g_autoptr(Device) d = device_new ();

    g_assert_true (ob_sim_provisioning_add_trusted_hash (ob_sim_provisioning_peek (d->device), chain.root_sha256));
    ob_sim_rpc_set_dns_suffix (d->rpc, "elsewhere.test");
    message = run_activate (d, f->url, "acm-cira", &error);
    g_assert_null (message);
    expected = g_strdup_printf ("Device %s activation failed. Specified AMT domain suffix: elsewhere.test does not match list of available AMT domain suffixes.",
                                ob_sim_device_get_guid (d->device));
    g_assert_nonnull (strstr (error->message, expected));
    g_clear_error (&error);
    g_clear_pointer (&expected, g_free);
  }

  /* A root the firmware does not trust: nothing reaches the device. */
  {
    g_autoptr(Device) d = device_new ();
    g_autoptr(ObRpsSession) session = NULL;
    const GError *session_error;

    /* Some other root is trusted. */
    g_assert_true (ob_sim_provisioning_add_trusted_hash (ob_sim_provisioning_peek (d->device),
                                                         "c3a3f0e4b0a5fcbd39f3cbd7cc2e7fdb0f0c0a3c9d29b8a2bb4d6b0e6e2a9f11"));
    message = run_activate (d, f->url, "acm-cira", &error);
    g_assert_null (message);
    g_assert_nonnull (strstr (error->message,
                              "Invalid domain certificate, hash does not exists in list of trusted root certificates on AMT"));
    g_clear_error (&error);
    g_assert_cmpint (ob_sim_device_get_control_mode (d->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
    session = last_session (f);
    g_assert_cmpuint (ob_rps_session_get_n_wsman (session), ==, 0);
    session_error = ob_rps_session_get_error (session);
    /* The error names the step. */
    g_assert_true (g_str_has_prefix (session_error->message, "Match the root certificate hash"));
  }
}

static void
test_upgrade_to_acm (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(Device) d = device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *amt_password = NULL;
  ObSimProvisioning *prov = ob_sim_provisioning_peek (d->device);

  add_acm (f);
  g_assert_true (ob_sim_provisioning_add_trusted_hash (prov, chain.root_sha256));
  message = run_activate (d, f->url, "ccm-lan", &error);
  g_assert_no_error (error);
  g_clear_pointer (&message, g_free);
  ob_sim_rpc_set_amt_password (d->rpc, "Str0ng!Pass");
  message = run_activate (d, f->url, "acm-cira", &error);
  g_assert_no_error (error);
  assert_status (message, "Status", "Upgraded to admin control mode.");
  g_assert_cmpint (ob_sim_device_get_control_mode (d->device), ==, OB_SIM_CONTROL_MODE_ACM);
  amt_password = device_secret (f, ob_sim_device_get_guid (d->device), OB_SECRET_KIND_AMT_PASSWORD);
  g_assert_true (ob_sim_provisioning_check_admin_password (prov, amt_password));
}

/* ---- A scripted client that does not behave ------------------------------------- */

typedef struct
{
  SoupWebsocketConnection *ws;
  GPtrArray               *received;
  gboolean                 closed;
  GError                  *error;
} Script;

static void
on_script_message (SoupWebsocketConnection *ws,
                   int                      type,
                   GBytes                  *message,
                   Script                  *s)
{
  g_ptr_array_add (s->received, g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message)));
}

static void
on_script_closed (SoupWebsocketConnection *ws,
                  Script                  *s)
{
  s->closed = TRUE;
}

static void
on_script_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Script *s = user_data;

  s->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &s->error);
  if (s->ws != NULL)
    {
      g_signal_connect (s->ws, "message", G_CALLBACK (on_script_message), s);
      g_signal_connect (s->ws, "closed", G_CALLBACK (on_script_closed), s);
    }
}

static void
script_connect (Fixture *f,
                Script  *s)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", f->url);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  s->received = g_ptr_array_new_with_free_func (g_free);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_script_connected, s);
  while (s->ws == NULL && s->error == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (s->error);
  g_assert_nonnull (s->ws);
}

static void
script_wait_closed (Script *s)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!s->closed && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (s->closed);
}

static void
script_clear (Script *s)
{
  if (s->ws != NULL)
    g_signal_handlers_disconnect_by_data (s->ws, s);
  g_clear_object (&s->ws);
  g_ptr_array_unref (s->received);
}

static void
test_hostile_client (Fixture       *f,
                     gconstpointer  data)
{
  const char *frames[] = {
    "this is not json",
    "{\"method\":\"activate --profile ccm-cira\",\"protocolVersion\":\"4.0.0\",\"payload\":\"!!!\"}",
    "{\"method\":\"format c:\",\"protocolVersion\":\"4.0.0\",\"payload\":\"e30=\"}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      Script s = { 0 };
      g_autoptr(ObRpcMessage) reply = NULL;
      const char *text;

      script_connect (f, &s);
      soup_websocket_connection_send_text (s.ws, frames[i]);
      script_wait_closed (&s);
      g_assert_cmpuint (s.received->len, ==, 1);
      text = g_ptr_array_index (s.received, 0);
      reply = ob_rpc_message_parse (text, strlen (text), NULL);
      g_assert_nonnull (reply);
      g_assert_cmpstr (ob_rpc_message_get_method (reply), ==, "error");
      g_assert_cmpstr (ob_rpc_message_get_status (reply), ==, "failed");
      g_assert_null (ob_rpc_message_get_payload (reply));
      if (i == 1)
        g_assert_cmpstr (ob_rpc_message_get_message (reply), ==, "Invalid payload from client");
      script_clear (&s);
    }

  /* A frame over the reference's 100 KiB limit closes the socket. */
  {
    Script s = { 0 };
    g_autofree char *big = g_malloc (OB_RPC_MAX_MESSAGE_BYTES + 2);

    memset (big, 'a', OB_RPC_MAX_MESSAGE_BYTES + 1);
    big[OB_RPC_MAX_MESSAGE_BYTES + 1] = '\0';
    script_connect (f, &s);
    soup_websocket_connection_send_text (s.ws, big);
    script_wait_closed (&s);
    script_clear (&s);
  }

  /* A client that goes away in the middle of an activation. */
  {
    Script s = { 0 };
    g_autofree char *payload_json = g_strdup_printf (
      "{\"ver\":\"16.1.27\",\"build\":\"3000\",\"sku\":\"16392\",\"uuid\":\"%s\",\"username\":\"$$OsAdmin\","
      "\"password\":\"x\",\"currentMode\":0,\"hostname\":\"h\",\"fqdn\":\"\",\"client\":\"RPC\",\"certHashes\":[]}",
      "12345678-1234-1234-1234-123456789abc");
    g_autofree char *payload = g_base64_encode ((const guchar *) payload_json, strlen (payload_json));
    g_autoptr(ObRpcMessage) first = ob_rpc_message_new_client ("activate --profile ccm-cira", "2.48.2", "", payload);
    g_autofree char *text = ob_rpc_message_to_json (first);
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    g_autoptr(ObRpsSession) session = NULL;

    script_connect (f, &s);
    soup_websocket_connection_send_text (s.ws, text);
    while (s.received->len == 0 && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (s.received->len, ==, 1);
    g_assert_nonnull (strstr (g_ptr_array_index (s.received, 0), "\"method\":\"wsman\""));
    soup_websocket_connection_close (s.ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    script_wait_closed (&s);
    deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (ob_rps_server_get_n_active (f->server) > 0 && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (ob_rps_server_get_n_active (f->server), ==, 0);
    session = last_session (f);
    g_assert_cmpint (ob_rps_session_get_state (session), ==, OB_RPS_SESSION_FAILED);
    g_assert_error (ob_rps_session_get_error (session), OB_RPS_ERROR, OB_RPS_ERROR_CLOSED);
    script_clear (&s);
  }
}

static void
ca_ready (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  shared_ca_dir = g_dir_make_tmp ("outband-rps-ca-XXXXXX", &error);
  g_assert_no_error (error);
  shared_ca_secrets = ob_secret_store_memory_new ();
  shared_ca = ob_cert_authority_new (shared_ca_dir, shared_ca_secrets);
  ob_cert_authority_ensure_async (shared_ca, "127.0.0.1", NULL, ca_ready, &result);
  wait_for (&result);
  g_assert_true (ob_cert_authority_ensure_finish (shared_ca, result, &error));
  g_assert_no_error (error);
  make_chain ();

  g_test_add ("/rps-server/ccm-cira", Fixture, NULL, fixture_set_up, test_ccm_cira, fixture_tear_down);
  g_test_add ("/rps-server/ccm-lan-wss-reactivate", Fixture, NULL, fixture_set_up,
              test_ccm_lan_wss_and_reactivate, fixture_tear_down);
  g_test_add ("/rps-server/refusals", Fixture, NULL, fixture_set_up, test_refusals, fixture_tear_down);
  g_test_add ("/rps-server/deactivate", Fixture, NULL, fixture_set_up, test_deactivate, fixture_tear_down);
  g_test_add ("/rps-server/maintenance", Fixture, NULL, fixture_set_up, test_maintenance, fixture_tear_down);
  g_test_add ("/rps-server/move", Fixture, NULL, fixture_set_up, test_move, fixture_tear_down);
  g_test_add ("/rps-server/tls", Fixture, NULL, fixture_set_up, test_tls, fixture_tear_down);
  g_test_add ("/rps-server/wireless", Fixture, NULL, fixture_set_up, test_wireless, fixture_tear_down);
  g_test_add ("/rps-server/acm", Fixture, NULL, fixture_set_up, test_acm, fixture_tear_down);
  g_test_add ("/rps-server/acm-intermediate", Fixture, NULL, fixture_set_up, test_acm_intermediate,
              fixture_tear_down);
  g_test_add ("/rps-server/acm-refused", Fixture, NULL, fixture_set_up, test_acm_refused, fixture_tear_down);
  g_test_add ("/rps-server/upgrade-to-acm", Fixture, NULL, fixture_set_up, test_upgrade_to_acm, fixture_tear_down);
  g_test_add ("/rps-server/concurrent", Fixture, NULL, fixture_set_up, test_concurrent, fixture_tear_down);
  g_test_add ("/rps-server/hostile-client", Fixture, NULL, fixture_set_up, test_hostile_client,
              fixture_tear_down);

  status = g_test_run ();

  g_clear_object (&shared_ca);
  g_clear_object (&shared_ca_secrets);
  {
    g_autofree char *root = g_build_filename (shared_ca_dir, OB_CERT_AUTHORITY_ROOT_FILE, NULL);
    g_autofree char *server = g_build_filename (shared_ca_dir, OB_CERT_AUTHORITY_SERVER_FILE, NULL);

    g_unlink (root);
    g_unlink (server);
    g_rmdir (shared_ca_dir);
  }
  g_free (shared_ca_dir);
  g_bytes_unref (chain.pfx);
  g_free (chain.root_sha256);
  g_bytes_unref (chain3.pfx);
  g_free (chain3.root_sha256);
  return status;
}
