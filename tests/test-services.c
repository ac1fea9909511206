/* test-services.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "ob-secret-store-memory.h"
#include "ob-services.h"

typedef struct
{
  char       *data_dir;
  ObConfig   *config;
  ObServices *services;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(ObSecretStore) secrets = ob_secret_store_memory_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("outband-services-XXXXXX", &error);

  g_assert_no_error (error);
  /* A data folder that does not exist yet: start-up creates it. */
  fixture->data_dir = g_build_filename (tmp, "outband", NULL);
  fixture->config = ob_config_new ();
  ob_config_set_mps_common_name (fixture->config, "192.0.2.1");
  fixture->services = ob_services_new (fixture->config, secrets, fixture->data_dir);
  ob_services_set_reissue_delay (fixture->services, 50);
  /* Not 4433 and 8080: tests run in parallel, and a real instance may
   * hold them. */
  ob_services_force_cira_port (fixture->services, 0);
  ob_services_force_rps_port (fixture->services, 0);
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

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autofree char *parent = g_path_get_dirname (fixture->data_dir);

  gpointer config = fixture->config;
  gint64 deadline;

  ob_services_stop (fixture->services);
  g_assert_finalize_object (fixture->services);

  /* Callbacks still queued on the main loop (a server's connection closing,
   * a keyring reply) may hold the config for a moment: let them run, then
   * it must go. */
  g_object_add_weak_pointer (G_OBJECT (config), &config);
  g_object_unref (fixture->config);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (config != NULL && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_null (config);
  remove_tree (parent);
  g_free (fixture->data_dir);
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
} StartResult;

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  StartResult *res = user_data;

  res->ok = ob_services_start_finish (OB_SERVICES (source), result, &res->error);
  res->done = TRUE;
}

static void
start_and_wait (ObServices  *services,
                StartResult *res)
{
  ob_services_start_async (services, NULL, on_started, res);
  while (!res->done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
tick (gpointer user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

static void
test_start (Fixture       *fixture,
            gconstpointer  user_data)
{
  StartResult res = { 0 };
  g_autofree char *root_pem = NULL;
  guint ticks = 0;
  guint tick_id;

  g_assert_cmpint (ob_services_get_state (fixture->services), ==, OB_SERVICES_STATE_STOPPED);

  /* The main loop keeps turning while the keys are generated. */
  tick_id = g_timeout_add (10, tick, &ticks);
  start_and_wait (fixture->services, &res);
  g_source_remove (tick_id);

  g_assert_no_error (res.error);
  g_assert_true (res.ok);
  g_assert_cmpuint (ticks, >, 0);
  g_assert_cmpint (ob_services_get_state (fixture->services), ==, OB_SERVICES_STATE_RUNNING);
  g_assert_nonnull (ob_services_get_store (fixture->services));
  g_assert_true (ob_cert_authority_get_ready (ob_services_get_cert_authority (fixture->services)));
  g_assert_cmpstr (ob_cert_authority_get_common_name (ob_services_get_cert_authority (fixture->services)),
                   ==, "192.0.2.1");
  root_pem = ob_cert_authority_dup_root_pem (ob_services_get_cert_authority (fixture->services));
  g_assert_true (g_str_has_prefix (root_pem, "-----BEGIN CERTIFICATE-----"));
  g_assert_true (g_file_test (fixture->data_dir, G_FILE_TEST_IS_DIR));

  /* Starting twice is refused, not repeated. */
  {
    StartResult again = { 0 };

    start_and_wait (fixture->services, &again);
    g_assert_error (again.error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_clear_error (&again.error);
  }
}

static void
on_ca_changed (ObCertAuthority *ca,
               gpointer         user_data)
{
  (*(guint *) user_data)++;
}

static void
test_common_name_change_reissues (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  StartResult res = { 0 };
  ObCertAuthority *ca;
  g_autofree char *root_before = NULL;
  g_autofree char *root_after = NULL;
  guint changed = 0;

  start_and_wait (fixture->services, &res);
  g_assert_no_error (res.error);
  ca = ob_services_get_cert_authority (fixture->services);
  root_before = ob_cert_authority_dup_root_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  g_signal_connect (ca, "changed", G_CALLBACK (on_ca_changed), &changed);

  /* Keystrokes in quick succession end in one re-issue for the last name. */
  ob_config_set_mps_common_name (fixture->config, "m");
  ob_config_set_mps_common_name (fixture->config, "mp");
  ob_config_set_mps_common_name (fixture->config, "mps.lab.example");
  while (changed == 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpstr (ob_cert_authority_get_common_name (ca), ==, "mps.lab.example");
  root_after = ob_cert_authority_dup_root_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  g_assert_cmpstr (root_before, ==, root_after);
}

static void
on_error (ObServices   *services,
          const GError *error,
          gpointer      user_data)
{
  *(GError **) user_data = g_error_copy (error);
}

static void
test_bad_common_name_reported (Fixture       *fixture,
                               gconstpointer  user_data)
{
  StartResult res = { 0 };
  GError *reported = NULL;

  start_and_wait (fixture->services, &res);
  g_assert_no_error (res.error);
  g_signal_connect (fixture->services, "error", G_CALLBACK (on_error), &reported);

  /* Not a host name: the CA refuses, the services say so and keep the old
   * certificate. */
  g_test_expect_message ("outband-services", G_LOG_LEVEL_WARNING, "*server certificate*");
  ob_config_set_mps_common_name (fixture->config, "not a host name");
  while (reported == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_test_assert_expected_messages ();

  g_assert_error (reported, OB_TLS_ERROR, OB_TLS_ERROR_INVALID_NAME);
  g_clear_error (&reported);
  g_assert_cmpstr (ob_cert_authority_get_common_name (ob_services_get_cert_authority (fixture->services)),
                   ==, "192.0.2.1");
  g_assert_cmpint (ob_services_get_state (fixture->services), ==, OB_SERVICES_STATE_RUNNING);
}

static void
test_store_failure (Fixture       *fixture,
                    gconstpointer  user_data)
{
  StartResult res = { 0 };
  g_autofree char *db_path = g_build_filename (fixture->data_dir, "outband.db", NULL);
  g_autoptr(GError) error = NULL;

  /* A database file that is not SQLite: a clear error, state failed. */
  g_mkdir_with_parents (fixture->data_dir, 0700);
  g_file_set_contents (db_path, "this is not a database, just some text that is long enough "
                       "to be read as a header and rejected by SQLite", -1, &error);
  g_assert_no_error (error);

  start_and_wait (fixture->services, &res);
  g_assert_false (res.ok);
  g_assert_error (res.error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE);
  g_clear_error (&res.error);
  g_assert_cmpint (ob_services_get_state (fixture->services), ==, OB_SERVICES_STATE_FAILED);
}

static guint
free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  g_socket_close (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
store_api_password (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  ob_api_store_password_sync (ob_services_get_secret_store (fixture->services), "api-pw",
                              NULL, &error);
  g_assert_no_error (error);
}

static void
wait_api_running (ObApiServer *api,
                  gboolean     running)
{
  while (ob_api_server_get_running (api) != running)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_api_follows_settings (Fixture       *fixture,
                           gconstpointer  user_data)
{
  StartResult res = { 0 };
  GError *reported = NULL;
  ObApiServer *api;
  guint port = free_port ();

  /* Enabled but no password yet: the desktop app starts anyway and
   * reports why the API does not run. */
  ob_config_set_api_port (fixture->config, port);
  ob_config_set_api_enabled (fixture->config, TRUE);
  g_signal_connect (fixture->services, "error", G_CALLBACK (on_error), &reported);
  g_test_expect_message ("outband-services", G_LOG_LEVEL_MESSAGE, "*no password*");
  start_and_wait (fixture->services, &res);
  g_test_assert_expected_messages ();

  g_assert_no_error (res.error);
  g_assert_true (res.ok);
  g_assert_error (reported, OB_API_ERROR, OB_API_ERROR_NO_PASSWORD);
  g_clear_error (&reported);

  /* The registry is loaded and polls. */
  g_assert_nonnull (ob_services_get_device_registry (fixture->services));
  g_assert_true (ob_device_registry_get_loaded (ob_services_get_device_registry (fixture->services)));
  g_assert_true (ob_device_registry_get_polling (ob_services_get_device_registry (fixture->services)));
  api = ob_services_get_api_server (fixture->services);
  g_assert_nonnull (api);
  g_assert_false (ob_api_server_get_running (api));

  /* With a password, a change of port starts it there. */
  store_api_password (fixture);
  port = free_port ();
  ob_config_set_api_port (fixture->config, port);
  wait_api_running (api, TRUE);
  g_assert_cmpuint (ob_api_server_get_port (api), ==, port);

  /* Another port: a restart there. */
  port = free_port ();
  ob_config_set_api_port (fixture->config, port);
  while (ob_api_server_get_port (api) != port)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (ob_api_server_get_running (api));

  ob_config_set_api_enabled (fixture->config, FALSE);
  wait_api_running (api, FALSE);

  /* Stopping the services stops the poll. */
  ob_services_stop (fixture->services);
  g_assert_false (ob_device_registry_get_polling (ob_services_get_device_registry (fixture->services)));
}

static void
test_forced_api (Fixture       *fixture,
                 gconstpointer  user_data)
{
  StartResult res = { 0 };
  StartResult again = { 0 };
  ObApiServer *api;
  g_autofree char *url = NULL;

  /* Headless without a password: the start fails. */
  ob_services_force_api (fixture->services, "127.0.0.1", 0);
  start_and_wait (fixture->services, &res);
  g_assert_false (res.ok);
  g_assert_error (res.error, OB_API_ERROR, OB_API_ERROR_NO_PASSWORD);
  g_clear_error (&res.error);
  g_assert_cmpint (ob_services_get_state (fixture->services), ==, OB_SERVICES_STATE_FAILED);

  /* With one: api-enabled is off, the API runs anyway on a free port. */
  store_api_password (fixture);
  start_and_wait (fixture->services, &again);
  g_assert_no_error (again.error);

  api = ob_services_get_api_server (fixture->services);
  g_assert_true (ob_api_server_get_running (api));
  g_assert_cmpuint (ob_api_server_get_port (api), >, 0);
  url = ob_api_server_dup_url (api);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));

  ob_services_stop (fixture->services);
  g_assert_false (ob_api_server_get_running (api));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_unsetenv (OB_API_PASSWORD_ENV);

  g_test_add ("/services/start", Fixture, NULL, fixture_setup, test_start, fixture_teardown);
  g_test_add ("/services/common-name-change-reissues", Fixture, NULL, fixture_setup,
              test_common_name_change_reissues, fixture_teardown);
  g_test_add ("/services/bad-common-name-reported", Fixture, NULL, fixture_setup,
              test_bad_common_name_reported, fixture_teardown);
  g_test_add ("/services/store-failure", Fixture, NULL, fixture_setup, test_store_failure,
              fixture_teardown);
  g_test_add ("/services/api-follows-settings", Fixture, NULL, fixture_setup,
              test_api_follows_settings, fixture_teardown);
  g_test_add ("/services/forced-api", Fixture, NULL, fixture_setup, test_forced_api,
              fixture_teardown);

  return g_test_run ();
}
