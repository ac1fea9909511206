/* test-rps-cira.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Provisioning to management in one go: a simulated device is activated
 * in CCM with a CIRA profile by ObRpsServer (through the simulator's rpc-go
 * client), calls home to ObMpsServer with exactly what it was given (our
 * CA's root, the MPS address and CN, the user and the generated password),
 * is accepted from the store and keyring the activation wrote, shows up in
 * the device registry, and is powered off and on again over its CIRA
 * tunnel with the AMT password the activation generated. */

#include "config.h"

#include <string.h>

#include "cira-test-util.h"
#include "ob-amt-power.h"
#include "ob-rps-server.h"
#include "ob-sim-cira.h"
#include "ob-sim-device.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-rpc.h"
#include "ob-sim-wsman-server.h"

static CiraTestCa ca;

static gboolean
cira_connected (gpointer data)
{
  return ob_sim_cira_get_state (OB_SIM_CIRA (data)) == OB_SIM_CIRA_STATE_CONNECTED;
}

static gboolean
device_reachable (gpointer data)
{
  ObDeviceRegistry *registry = ((gpointer *) data)[0];
  const char *guid = ((gpointer *) data)[1];
  ObDevice *device = ob_device_registry_lookup (registry, guid);

  return device != NULL && ob_device_get_reachability (device) == OB_DEVICE_REACHABILITY_REACHABLE;
}

static void
power (ObDevice *device,
       guint     action)
{
  ObWsmanClient *client = ob_device_get_wsman_client (device);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  guint return_value = G_MAXUINT;

  ob_device_hold_busy (device);
  ob_amt_power_action_async (client, action, NULL, cira_test_store_result, &result);
  answer = ob_amt_power_action_finish (client, cira_test_wait_result (&result), &return_value, &error);
  ob_device_report_result (device, error);
  ob_device_release_busy (device);
  g_assert_no_error (error);
  g_assert_cmpuint (return_value, ==, 0);
}

static void
test_activate_then_call_home (void)
{
  CiraTestMps mps = { 0 };
  g_autoptr(ObRpsServer) rps = NULL;
  g_autoptr(ObCiraConfig) config = ob_cira_config_new ("home");
  g_autoptr(ObProfile) profile = ob_profile_new ("ccm-home");
  g_autoptr(ObSimDevice) device = NULL;
  g_autoptr(ObSimWsmanServer) wsman = NULL;
  g_autoptr(ObSimRpc) rpc = NULL;
  g_autoptr(ObSimCira) cira = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *message = NULL;
  g_autofree char *status = NULL;
  ObDevice *managed;
  const char *guid;
  gpointer lookup[2];

  cira_test_mps_init (&mps, ca.secrets, ca.authority, TRUE);
  rps = ob_rps_server_new (mps.store, ca.secrets, ca.authority);
  ob_rps_server_get_context (rps)->settle_delay_ms = 0;
  ob_rps_server_get_context (rps)->commit_delay_ms = 0;
  g_assert_true (ob_rps_server_listen (rps, 0, &error));
  g_assert_no_error (error);
  url = g_strdup_printf ("ws://127.0.0.1:%u/", ob_rps_server_get_port (rps));

  /* The CIRA config names our MPS by IP, so the CN is the IP too. */
  ob_cira_config_set_mps_server_address (config, "127.0.0.1");
  ob_cira_config_set_server_address_format (config, OB_CIRA_ADDRESS_FORMAT_IPV4);
  ob_cira_config_set_common_name (config, "127.0.0.1");
  ob_cira_config_set_mps_port (config, ob_mps_server_get_port (mps.server));
  ob_cira_config_set_username (config, "homeuser");
  ob_cira_config_set_auth_method (config, 2);
  ob_cira_config_set_tenant_id (config, "");
  g_assert_true (ob_store_insert_cira_config (mps.store, config, &error));
  g_assert_no_error (error);
  ob_profile_set_activation (profile, OB_PROFILE_ACTIVATION_CCM);
  ob_profile_set_generate_random_password (profile, TRUE);
  ob_profile_set_cira_config_name (profile, "home");
  ob_profile_set_dhcp_enabled (profile, TRUE);
  ob_profile_set_user_consent (profile, OB_PROFILE_USER_CONSENT_ALL);
  ob_profile_set_tenant_id (profile, "");
  g_assert_true (ob_store_insert_profile (mps.store, profile, &error));
  g_assert_no_error (error);

  device = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode", OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
  ob_sim_device_set_domain_name (device, "home.test");
  ob_sim_provisioning_attach (device);
  wsman = ob_sim_wsman_server_new (device, NULL, NULL);
  rpc = ob_sim_rpc_new (wsman);
  guid = ob_sim_device_get_guid (device);

  ob_sim_rpc_activate_async (rpc, url, "ccm-home", NULL, cira_test_store_result, &result);
  message = ob_sim_rpc_finish (rpc, cira_test_wait_result (&result), &error);
  g_assert_no_error (error);
  status = ob_sim_rpc_dup_status_field (message, "CIRAConnection");
  g_assert_cmpstr (status, ==, "Configured");
  g_assert_null (ob_device_registry_lookup (mps.registry, guid));

  /* The device calls home, checking the MPS certificate against the root
   * and CN it was given, as firmware does. */
  cira = ob_sim_rpc_start_cira (rpc, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cira);
  g_assert_true (cira_test_wait_until (cira_connected, cira, 20000));
  lookup[0] = mps.registry;
  lookup[1] = (gpointer) guid;
  g_assert_true (cira_test_wait_until (device_reachable, lookup, 20000));
  managed = ob_device_registry_lookup (mps.registry, guid);
  g_assert_cmpuint (ob_mps_server_get_n_connected (mps.server), ==, 1);

  /* Power off (8) and on (2) through the tunnel. */
  g_assert_cmpuint (ob_sim_device_get_power_state (device), ==, OB_AMT_POWER_STATE_ON);
  power (managed, 8);
  g_assert_cmpuint (ob_sim_device_get_power_state (device), ==, OB_AMT_POWER_STATE_OFF_SOFT);
  power (managed, 2);
  g_assert_cmpuint (ob_sim_device_get_power_state (device), ==, OB_AMT_POWER_STATE_ON);

  ob_sim_cira_stop (cira);
  g_clear_object (&cira);
  ob_rps_server_stop (rps);
  g_clear_object (&rps);
  ob_sim_wsman_server_stop (wsman);
  cira_test_mps_clear (&mps);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cira_test_ca_init (&ca, "127.0.0.1");

  g_test_add_func ("/rps-cira/activate-then-call-home", test_activate_then_call_home);

  status = g_test_run ();
  cira_test_ca_clear (&ca);
  return status;
}
