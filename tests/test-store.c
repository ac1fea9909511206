/* test-store.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ob-store.h"

#define GUID_A "4c4c4544-004b-4210-8033-b6c04f504633"
#define GUID_B "12345678-9abc-def0-1234-56789abcdef0"
#define FINGERPRINT "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct
{
  char    *dir;
  char    *path;
  ObStore *store;
} Fixture;

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("test-store-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "sub", "outband.db", NULL);
  fixture->store = ob_store_new_for_path (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->store);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->store != NULL)
    g_assert_finalize_object (fixture->store);
  rm_rf (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

/* Raw access to the file, as another program (or an attacker) would have. */
static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);

  return db;
}

static gint64
raw_int (sqlite3    *db,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  return value;
}

static char *
raw_text (sqlite3    *db,
          const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);

  return value;
}

static gint64
count_rows (Fixture    *fixture,
            const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);
  sqlite3 *db = open_raw (fixture->path);
  gint64 n = raw_int (db, sql);

  sqlite3_close (db);

  return n;
}

/* ------------------------------------------------------------------------ */

static ObCiraConfig *
make_cira (const char *name)
{
  ObCiraConfig *config = ob_cira_config_new (name);

  ob_cira_config_set_mps_server_address (config, "mps.example.com");
  ob_cira_config_set_mps_port (config, 4433);
  ob_cira_config_set_username (config, "admin123");
  ob_cira_config_set_server_address_format (config, OB_CIRA_ADDRESS_FORMAT_FQDN);
  ob_cira_config_set_auth_method (config, 2);
  ob_cira_config_set_mps_root_certificate (config, "MIIBszCCAVmgAwIBAgIU");

  return config;
}

static ObIeee8021xConfig *
make_ieee (const char *name,
           gboolean    wired)
{
  ObIeee8021xConfig *config = ob_ieee8021x_config_new (name);

  ob_ieee8021x_config_set_wired_interface (config, wired);
  ob_ieee8021x_config_set_authentication_protocol (config, wired ? 0 : 2);

  return config;
}

static ObWirelessConfig *
make_wireless (const char *name)
{
  ObWirelessConfig *config = ob_wireless_config_new (name);

  ob_wireless_config_set_ssid (config, "corp-wifi");
  ob_wireless_config_set_authentication_method (config, 6);
  ob_wireless_config_set_encryption_method (config, 4);

  return config;
}

static ObProfile *
make_profile (const char *name)
{
  ObProfile *profile = ob_profile_new (name);

  ob_profile_set_activation (profile, OB_PROFILE_ACTIVATION_CCM);
  ob_profile_set_generate_random_password (profile, TRUE);
  ob_profile_set_user_consent (profile, OB_PROFILE_USER_CONSENT_ALL);

  return profile;
}

static void
insert_wireless (ObStore    *store,
                 const char *name)
{
  g_autoptr(ObWirelessConfig) config = make_wireless (name);
  g_autoptr(GError) error = NULL;

  ob_store_insert_wireless_config (store, config, &error);
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------------
 * Opening and migrations
 * ------------------------------------------------------------------------ */

static void
test_open_fresh (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObProfile) profile = make_profile ("kept");
  g_autoptr(ObProfile) again = NULL;
  g_autofree char *journal = NULL;
  sqlite3 *db;

  g_assert_cmpuint (ob_store_get_latest_schema_version (), >=, 1);
  g_assert_cmpuint (ob_store_get_schema_version (fixture->store), ==,
                    ob_store_get_latest_schema_version ());
  g_assert_cmpstr (ob_store_get_path (fixture->store), ==, fixture->path);
  g_assert_true (ob_store_integrity_check (fixture->store, &error));
  g_assert_no_error (error);

  ob_store_insert_profile (fixture->store, profile, &error);
  g_assert_no_error (error);

  db = open_raw (fixture->path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, ob_store_get_latest_schema_version ());
  journal = raw_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (journal, ==, "wal");
  sqlite3_close (db);

  /* Close and reopen: the migrations are not run twice, data persists. */
  g_assert_finalize_object (g_steal_pointer (&fixture->store));
  fixture->store = ob_store_new_for_path (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_store_get_schema_version (fixture->store), ==,
                    ob_store_get_latest_schema_version ());

  again = ob_store_get_profile (fixture->store, "kept", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_profile_get_name (again), ==, "kept");
}

static void
test_open_too_new (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autofree char *sql = NULL;
  sqlite3 *db;

  g_assert_finalize_object (g_steal_pointer (&fixture->store));

  db = open_raw (fixture->path);
  sql = g_strdup_printf ("PRAGMA user_version = %u", ob_store_get_latest_schema_version () + 1);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = ob_store_new_for_path (fixture->path, &error);
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_TOO_NEW);
  g_assert_null (store);
  g_test_message ("%s", error->message);

  /* The newer database was left alone. */
  db = open_raw (fixture->path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==,
                   ob_store_get_latest_schema_version () + 1);
  sqlite3_close (db);
}

static void
test_open_garbage (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "garbage.db", NULL);
  char junk[4096];

  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (char) (i * 7 + 3);
  g_file_set_contents (path, junk, sizeof junk, &error);
  g_assert_no_error (error);

  store = ob_store_new_for_path (path, &error);
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE);
  g_assert_null (store);
  g_test_message ("%s", error->message);

  g_clear_error (&error);
  store = ob_store_new_for_path ("", &error);
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_assert_null (store);
}

static void
test_open_default_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_new (&error);
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "outband", "outband.db",
                                                NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (ob_store_get_path (store), ==, expected);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
  g_assert_finalize_object (g_steal_pointer (&store));
  g_unlink (expected);
}

/* ------------------------------------------------------------------------
 * Devices
 * ------------------------------------------------------------------------ */

static void
test_device_crud (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) device = ob_device_record_new ("4C4C4544-004B-4210-8033-B6C04F504633");
  g_autoptr(ObDeviceRecord) stale = NULL;
  g_autoptr(ObDeviceRecord) got = NULL;
  g_autoptr(ObDeviceRecord) dup = NULL;
  g_autoptr(GDateTime) updated = g_date_time_new_utc (2026, 3, 4, 5, 6, 7.125);
  const char *tags[] = { "lab", "floor-2", NULL };

  ob_device_record_set_hostname (device, "desk-01");
  ob_device_record_set_friendly_name (device, "Desk 1");
  ob_device_record_set_dns_suffix (device, "corp.example.com");
  ob_device_record_set_tags (device, tags);
  ob_device_record_set_mps_username (device, "mpsuser");
  ob_device_record_set_fw_version (device, "16.1.25");
  ob_device_record_set_fw_build (device, "2294");
  ob_device_record_set_fw_sku (device, "16392");
  ob_device_record_set_current_mode (device, "0");
  ob_device_record_set_features (device, "AMT Pro Corprate");
  ob_device_record_set_ip_address (device, "192.168.1.20");
  ob_device_record_set_device_info_updated (device, updated);
  ob_device_record_set_transport (device, OB_DEVICE_TRANSPORT_LAN);
  ob_device_record_set_host (device, "192.168.1.20");
  ob_device_record_set_port (device, 16993);
  ob_device_record_set_allow_self_signed (device, TRUE);
  ob_device_record_set_pinned_fingerprint (device, "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:"
                                                   "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef");
  ob_device_record_set_amt_username (device, "admin");

  g_assert_true (ob_store_insert_device (fixture->store, device, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_device_record_get_version (device), ==, 1);
  /* Stored forms: lower-case GUID, plain lower-case fingerprint. */
  g_assert_cmpstr (ob_device_record_get_guid (device), ==, GUID_A);
  g_assert_cmpstr (ob_device_record_get_pinned_fingerprint (device), ==, FINGERPRINT);

  /* Any case finds it. */
  got = ob_store_get_device (fixture->store, "4c4c4544-004B-4210-8033-b6c04f504633", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_device_record_get_guid (got), ==, GUID_A);
  g_assert_cmpstr (ob_device_record_get_hostname (got), ==, "desk-01");
  g_assert_cmpstr (ob_device_record_get_friendly_name (got), ==, "Desk 1");
  g_assert_cmpstr (ob_device_record_get_dns_suffix (got), ==, "corp.example.com");
  g_assert_cmpstrv (ob_device_record_get_tags (got), tags);
  g_assert_cmpstr (ob_device_record_get_tenant_id (got), ==, "");
  g_assert_cmpstr (ob_device_record_get_mps_username (got), ==, "mpsuser");
  g_assert_null (ob_device_record_get_mps_instance (got));
  g_assert_false (ob_device_record_get_connection_status (got));
  g_assert_null (ob_device_record_get_last_connected (got));
  g_assert_cmpstr (ob_device_record_get_fw_version (got), ==, "16.1.25");
  g_assert_cmpstr (ob_device_record_get_fw_build (got), ==, "2294");
  g_assert_cmpstr (ob_device_record_get_fw_sku (got), ==, "16392");
  g_assert_cmpstr (ob_device_record_get_current_mode (got), ==, "0");
  g_assert_cmpstr (ob_device_record_get_features (got), ==, "AMT Pro Corprate");
  g_assert_cmpstr (ob_device_record_get_ip_address (got), ==, "192.168.1.20");
  g_assert_true (g_date_time_equal (ob_device_record_get_device_info_updated (got), updated));
  g_assert_cmpint (ob_device_record_get_transport (got), ==, OB_DEVICE_TRANSPORT_LAN);
  g_assert_cmpstr (ob_device_record_get_host (got), ==, "192.168.1.20");
  g_assert_cmpuint (ob_device_record_get_port (got), ==, 16993);
  g_assert_true (ob_device_record_get_use_tls (got));
  g_assert_true (ob_device_record_get_allow_self_signed (got));
  g_assert_false (ob_device_record_get_legacy_tls (got));
  g_assert_cmpstr (ob_device_record_get_pinned_fingerprint (got), ==, FINGERPRINT);
  g_assert_cmpstr (ob_device_record_get_amt_username (got), ==, "admin");
  g_assert_cmpint (ob_device_record_get_version (got), ==, 1);
  g_assert_true (ob_device_record_has_device_info (got));

  /* Update bumps the version; a second writer with the old version loses. */
  stale = ob_store_get_device (fixture->store, GUID_A, &error);
  g_assert_no_error (error);
  ob_device_record_set_legacy_tls (got, TRUE);
  ob_device_record_set_pinned_fingerprint (got, NULL);
  g_assert_true (ob_store_update_device (fixture->store, got, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_device_record_get_version (got), ==, 2);

  ob_device_record_set_hostname (stale, "stale");
  g_assert_false (ob_store_update_device (fixture->store, stale, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_clear_object (&got);
  got = ob_store_get_device (fixture->store, GUID_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_device_record_get_hostname (got), ==, "desk-01");
  g_assert_true (ob_device_record_get_legacy_tls (got));
  g_assert_null (ob_device_record_get_pinned_fingerprint (got));
  g_assert_cmpint (ob_device_record_get_version (got), ==, 2);

  /* Duplicate GUID, whatever its case. */
  dup = ob_device_record_new ("4C4C4544-004B-4210-8033-B6C04F504633");
  g_assert_false (ob_store_insert_device (fixture->store, dup, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Bad GUIDs and fingerprints are refused. */
  ob_device_record_set_guid (dup, "not-a-guid");
  g_assert_false (ob_store_insert_device (fixture->store, dup, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  ob_device_record_set_guid (dup, GUID_B);
  ob_device_record_set_pinned_fingerprint (dup, "abcd");
  g_assert_false (ob_store_insert_device (fixture->store, dup, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  ob_device_record_set_pinned_fingerprint (dup, NULL);
  ob_device_record_set_transport (dup, OB_DEVICE_TRANSPORT_LAN);
  g_assert_false (ob_store_insert_device (fixture->store, dup, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);   /* LAN without a host */
  g_clear_error (&error);
  ob_device_record_set_host (dup, "10.0.0.1");
  ob_device_record_set_port (dup, 70000);
  g_assert_false (ob_store_insert_device (fixture->store, dup, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ob_store_get_device (fixture->store, "nope", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ob_store_get_device (fixture->store, NULL, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Update of a missing device. */
  ob_device_record_set_port (dup, 16992);
  g_assert_false (ob_store_update_device (fixture->store, dup, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Delete. */
  g_assert_true (ob_store_delete_device (fixture->store, GUID_A, &error));
  g_assert_no_error (error);
  g_assert_false (ob_store_delete_device (fixture->store, GUID_A, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (ob_store_get_device (fixture->store, GUID_A, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
}

static void
test_device_upsert (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) first = ob_device_record_new (GUID_A);
  g_autoptr(ObDeviceRecord) second = ob_device_record_new ("4C4C4544-004B-4210-8033-B6C04F504633");
  g_autoptr(ObDeviceRecord) result = NULL;
  g_autoptr(ObDeviceRecord) got = NULL;
  g_autoptr(GDateTime) t1 = g_date_time_new_utc (2026, 1, 1, 10, 0, 0);
  g_autoptr(GDateTime) t2 = g_date_time_new_utc (2026, 1, 1, 11, 0, 0);
  g_autoptr(GDateTime) t3 = g_date_time_new_utc (2026, 1, 1, 12, 0, 0);
  const char *tags1[] = { "a", "b", NULL };
  const char *no_tags[] = { NULL };
  gboolean created = FALSE;
  guint total = 99, connected = 99;

  ob_device_record_set_hostname (first, "host-1");
  ob_device_record_set_tags (first, tags1);
  ob_device_record_set_mps_username (first, "user1");
  ob_device_record_set_fw_version (first, "15.0");
  result = ob_store_upsert_device (fixture->store, first, &created, &error);
  g_assert_no_error (error);
  g_assert_true (created);
  g_assert_cmpint (ob_device_record_get_version (result), ==, 1);
  g_assert_false (ob_device_record_get_connection_status (result));
  g_clear_object (&result);

  /* A merge: only what the caller set changes. */
  ob_device_record_set_friendly_name (second, "Friendly");
  ob_device_record_set_fw_build (second, "99");
  result = ob_store_upsert_device (fixture->store, second, &created, &error);
  g_assert_no_error (error);
  g_assert_false (created);
  g_assert_cmpstr (ob_device_record_get_guid (result), ==, GUID_A);
  g_assert_cmpstr (ob_device_record_get_hostname (result), ==, "host-1");
  g_assert_cmpstr (ob_device_record_get_friendly_name (result), ==, "Friendly");
  g_assert_cmpstrv (ob_device_record_get_tags (result), tags1);
  g_assert_cmpstr (ob_device_record_get_mps_username (result), ==, "user1");
  /* deviceInfo is replaced as a block. */
  g_assert_null (ob_device_record_get_fw_version (result));
  g_assert_cmpstr (ob_device_record_get_fw_build (result), ==, "99");
  g_assert_cmpint (ob_device_record_get_version (result), ==, 2);
  g_clear_object (&result);

  /* An explicitly empty tag list replaces the tags. */
  g_clear_object (&second);
  second = ob_device_record_new (GUID_A);
  ob_device_record_set_tags (second, no_tags);
  result = ob_store_upsert_device (fixture->store, second, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length ((char **) ob_device_record_get_tags (result)), ==, 0);
  g_clear_object (&result);

  /* Connection state and its timestamps. */
  g_assert_true (ob_store_set_device_connection (fixture->store, GUID_A, TRUE, "mps-1", t1, &error));
  g_assert_no_error (error);
  got = ob_store_get_device (fixture->store, GUID_A, &error);
  g_assert_no_error (error);
  g_assert_true (ob_device_record_get_connection_status (got));
  g_assert_cmpstr (ob_device_record_get_mps_instance (got), ==, "mps-1");
  g_assert_true (g_date_time_equal (ob_device_record_get_last_connected (got), t1));
  g_assert_true (g_date_time_equal (ob_device_record_get_last_seen (got), t1));
  g_assert_null (ob_device_record_get_last_disconnected (got));
  /* Runtime state does not bump the version. */
  g_assert_cmpint (ob_device_record_get_version (got), ==, 3);
  g_clear_object (&got);

  g_assert_true (ob_store_count_devices (fixture->store, NULL, &total, &connected, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 1);
  g_assert_cmpuint (connected, ==, 1);

  g_assert_true (ob_store_set_device_connection (fixture->store, GUID_A, FALSE, NULL, t2, &error));
  g_assert_no_error (error);
  got = ob_store_get_device (fixture->store, GUID_A, &error);
  g_assert_no_error (error);
  g_assert_false (ob_device_record_get_connection_status (got));
  g_assert_null (ob_device_record_get_mps_instance (got));
  g_assert_true (g_date_time_equal (ob_device_record_get_last_connected (got), t1));
  g_assert_true (g_date_time_equal (ob_device_record_get_last_seen (got), t2));
  g_assert_true (g_date_time_equal (ob_device_record_get_last_disconnected (got), t2));
  g_clear_object (&got);

  /* An upsert never touches the connection state. */
  g_assert_true (ob_store_set_device_connection (fixture->store, GUID_A, TRUE, "mps-2", t3, &error));
  g_assert_no_error (error);
  result = ob_store_upsert_device (fixture->store, first, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ob_device_record_get_connection_status (result));
  g_assert_cmpstr (ob_device_record_get_mps_instance (result), ==, "mps-2");
  g_clear_object (&result);

  /* A restarting MPS disconnects everything. */
  g_assert_true (ob_store_mark_all_devices_disconnected (fixture->store, t3, &error));
  g_assert_no_error (error);
  g_assert_true (ob_store_count_devices (fixture->store, NULL, &total, &connected, &error));
  g_assert_cmpuint (total, ==, 1);
  g_assert_cmpuint (connected, ==, 0);

  g_assert_false (ob_store_set_device_connection (fixture->store, GUID_B, TRUE, "x", NULL, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ob_store_set_device_connection (fixture->store, "bad", TRUE, "x", NULL, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
}

static char *
guid_for (guint i)
{
  return g_strdup_printf ("%08x-0000-4000-8000-%012x", i * 7919u % 1000u, i);
}

/* ob_store_get_n_devices follows commits only: inserts, upserts that
 * create, deletes; not updates, failed writes or rolled-back (nested)
 * transactions; and a reopened store counts what is there. */
typedef struct
{
  const char *insert;
  const char *delete;
  gboolean    nested_fails;
  gboolean    fail;
} CountTx;

static gboolean
tx_count (ObStore   *store,
          gpointer   user_data,
          GError   **error)
{
  CountTx *tx = user_data;
  g_autoptr(ObDeviceRecord) record = ob_device_record_new (tx->insert);
  g_autoptr(GError) nested_error = NULL;

  if (!ob_store_insert_device (store, record, error) ||
      !ob_store_delete_device (store, tx->delete, error))
    return FALSE;

  /* A nested write that fails on its own rolls back only itself. */
  if (tx->nested_fails)
    {
      g_autoptr(ObDeviceRecord) dup = ob_device_record_new (tx->insert);

      g_assert_false (ob_store_insert_device (store, dup, &nested_error));
      g_assert_error (nested_error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
    }

  if (tx->fail)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "abandoned");
      return FALSE;
    }

  return TRUE;
}

static void
test_device_count (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *guids[] = {
    "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
    "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) reopened = NULL;
  guint total = 0;
  CountTx tx;

  g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 0);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ObDeviceRecord) record = ob_device_record_new (guids[i]);

      g_assert_true (ob_store_insert_device (fixture->store, record, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, i + 1);
    }

  /* A duplicate, an update, connection state, an unknown delete: no change. */
  {
    g_autoptr(ObDeviceRecord) dup = ob_device_record_new (guids[0]);
    g_autoptr(ObDeviceRecord) stored = ob_store_get_device (fixture->store, guids[1], &error);

    g_assert_false (ob_store_insert_device (fixture->store, dup, &error));
    g_clear_error (&error);
    ob_device_record_set_hostname (stored, "renamed");
    g_assert_true (ob_store_update_device (fixture->store, stored, &error));
    g_assert_true (ob_store_set_device_connection (fixture->store, guids[1], TRUE, NULL, NULL,
                                                   &error));
    g_assert_true (ob_store_set_device_last_seen (fixture->store, guids[1], NULL, &error));
    g_assert_true (ob_store_mark_all_devices_disconnected (fixture->store, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (ob_store_delete_device (fixture->store, guids[3], &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 3);
  }

  /* Upserts: a merge counts nothing, a creation one. */
  {
    g_autoptr(ObDeviceRecord) merge = ob_device_record_new (guids[2]);
    g_autoptr(ObDeviceRecord) create = ob_device_record_new (guids[3]);
    g_autoptr(ObDeviceRecord) merged = NULL;
    g_autoptr(ObDeviceRecord) created = NULL;
    gboolean was_created = TRUE;

    merged = ob_store_upsert_device (fixture->store, merge, &was_created, &error);
    g_assert_nonnull (merged);
    g_assert_false (was_created);
    g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 3);
    created = ob_store_upsert_device (fixture->store, create, &was_created, &error);
    g_assert_nonnull (created);
    g_assert_true (was_created);
    g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 4);
  }

  /* Transactions: abandoned (with a nested failure inside) changes
   * nothing; committed, an insert and a delete net to the same count, and
   * a nested failure inside does not count its row. */
  tx = (CountTx) { "00000000-0000-4000-8000-000000000005", guids[0], TRUE, TRUE };
  g_assert_false (ob_store_run_in_transaction (fixture->store, tx_count, &tx, &error));
  g_clear_error (&error);
  g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 4);
  tx.fail = FALSE;
  g_assert_true (ob_store_run_in_transaction (fixture->store, tx_count, &tx, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 4);
  g_assert_cmpint (count_rows (fixture, "devices"), ==, 4);

  for (guint i = 1; i < 4; i++)
    {
      g_assert_true (ob_store_delete_device (fixture->store, guids[i], &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 1);
  g_assert_true (ob_store_count_devices (fixture->store, NULL, &total, NULL, &error));
  g_assert_cmpuint (total, ==, 1);

  /* Opening counts what the file holds. */
  reopened = ob_store_new_for_path (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_store_get_n_devices (reopened), ==, 1);
}

static void
test_device_list (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_auto(GStrv) distinct = NULL;
  const char *expected_tags[] = { "even", "odd", "rack-0", "rack-1", "rack-2", NULL };
  guint total = 0;

  for (guint i = 0; i < 30; i++)
    {
      g_autoptr(ObDeviceRecord) device = NULL;
      g_autofree char *guid = guid_for (i);
      g_autofree char *host = g_strdup_printf ("host-%02u", i);
      g_autofree char *rack = g_strdup_printf ("rack-%u", i % 3);
      const char *tags[] = { i % 2 == 0 ? "even" : "odd", rack, NULL };

      device = ob_device_record_new (guid);
      ob_device_record_set_hostname (device, host);
      ob_device_record_set_friendly_name (device, i == 7 ? "Seven" : NULL);
      ob_device_record_set_tags (device, tags);
      ob_device_record_set_tenant_id (device, i < 20 ? "" : "tenant-b");
      g_assert_true (ob_store_insert_device (fixture->store, device, &error));
      g_assert_no_error (error);

      if (i % 5 == 0)
        {
          ob_store_set_device_connection (fixture->store, guid, TRUE, "mps", NULL, &error);
          g_assert_no_error (error);
        }
    }

  /* Everything, ordered by GUID. */
  all = ob_store_list_devices (fixture->store, NULL, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 30);
  g_assert_cmpuint (total, ==, 30);
  for (guint i = 1; i < all->len; i++)
    g_assert_cmpstr (ob_device_record_get_guid (g_ptr_array_index (all, i - 1)), <,
                     ob_device_record_get_guid (g_ptr_array_index (all, i)));

  /* Paging: total is the count before paging. */
  {
    ObStoreQuery query = { .offset = 25, .limit = 10 };

    page = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (page->len, ==, 5);
    g_assert_cmpuint (total, ==, 30);
    g_assert_cmpstr (ob_device_record_get_guid (g_ptr_array_index (page, 0)), ==,
                     ob_device_record_get_guid (g_ptr_array_index (all, 25)));
    g_clear_pointer (&page, g_ptr_array_unref);

    query.offset = 3;
    query.limit = 4;
    page = ob_store_list_devices (fixture->store, &query, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (page->len, ==, 4);
    g_assert_cmpstr (ob_device_record_get_guid (g_ptr_array_index (page, 3)), ==,
                     ob_device_record_get_guid (g_ptr_array_index (all, 6)));
    g_clear_pointer (&page, g_ptr_array_unref);

    query.offset = 100;
    page = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (page->len, ==, 0);
    g_assert_cmpuint (total, ==, 30);
    g_clear_pointer (&page, g_ptr_array_unref);
  }

  /* Tags: any / all. */
  {
    const char *even_or_rack1[] = { "even", "rack-1", NULL };
    ObStoreQuery query = { .tags = even_or_rack1, .tag_match = OB_STORE_TAG_MATCH_ANY };
    guint expected_any = 0, expected_all = 0;

    for (guint i = 0; i < 30; i++)
      {
        expected_any += (i % 2 == 0 || i % 3 == 1);
        expected_all += (i % 2 == 0 && i % 3 == 1);
      }

    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, expected_any);
    g_assert_cmpuint (total, ==, expected_any);
    g_clear_pointer (&found, g_ptr_array_unref);

    query.tag_match = OB_STORE_TAG_MATCH_ALL;
    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, expected_all);
    g_assert_cmpuint (total, ==, expected_all);
    for (guint i = 0; i < found->len; i++)
      {
        const char * const *tags = ob_device_record_get_tags (g_ptr_array_index (found, i));

        g_assert_true (g_strv_contains (tags, "even"));
        g_assert_true (g_strv_contains (tags, "rack-1"));
      }
    g_clear_pointer (&found, g_ptr_array_unref);

    /* Paging combines with filters. */
    query.limit = 2;
    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 2);
    g_assert_cmpuint (total, ==, expected_all);
    g_clear_pointer (&found, g_ptr_array_unref);
  }

  /* A tag nobody has; a tag that looks like a pattern. */
  {
    const char *none[] = { "nope", NULL };
    const char *pattern[] = { "%", "_", "' OR 1=1 --", "*", NULL };
    ObStoreQuery query = { .tags = none };

    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 0);
    g_assert_cmpuint (total, ==, 0);
    g_clear_pointer (&found, g_ptr_array_unref);

    query.tags = pattern;
    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 0);
    g_clear_pointer (&found, g_ptr_array_unref);
  }

  /* Exact host name / friendly name, connection status, tenant. */
  {
    ObStoreQuery query = { .hostname = "host-11" };

    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 1);
    g_assert_cmpstr (ob_device_record_get_hostname (g_ptr_array_index (found, 0)), ==, "host-11");
    g_clear_pointer (&found, g_ptr_array_unref);

    query.hostname = "host-1";
    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 0);
    g_clear_pointer (&found, g_ptr_array_unref);

    query.hostname = NULL;
    query.friendly_name = "Seven";
    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 1);
    g_assert_cmpstr (ob_device_record_get_hostname (g_ptr_array_index (found, 0)), ==, "host-07");
    g_clear_pointer (&found, g_ptr_array_unref);

    query.friendly_name = NULL;
    query.connection = OB_STORE_CONNECTION_CONNECTED;
    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 6);
    g_assert_cmpuint (total, ==, 6);
    g_clear_pointer (&found, g_ptr_array_unref);

    query.connection = OB_STORE_CONNECTION_DISCONNECTED;
    query.tenant_id = "tenant-b";
    found = ob_store_list_devices (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 8);   /* 20..29 minus 20 and 25 */
    g_clear_pointer (&found, g_ptr_array_unref);
  }

  /* Distinct tags and counts per tenant. */
  distinct = ob_store_list_device_tags (fixture->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (distinct, expected_tags);
  {
    guint t = 0, c = 0;

    g_assert_true (ob_store_count_devices (fixture->store, "tenant-b", &t, &c, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (t, ==, 10);
    g_assert_cmpuint (c, ==, 2);
  }

  /* Filters that do not apply are refused. */
  {
    ObStoreQuery query = { .hostname = "x" };
    const char *tags[] = { "x", NULL };

    g_assert_null (ob_store_list_profiles (fixture->store, &query, NULL, &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
    g_clear_error (&error);

    query.hostname = NULL;
    query.tags = tags;
    g_assert_null (ob_store_list_cira_configs (fixture->store, &query, NULL, &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
    g_clear_error (&error);

    query.tags = NULL;
    query.tag_match = 42;
    g_assert_null (ob_store_list_devices (fixture->store, &query, NULL, &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }
}

/* ------------------------------------------------------------------------
 * Profiles and references
 * ------------------------------------------------------------------------ */

static void
test_profile_crud (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCiraConfig) cira = make_cira ("cira1");
  g_autoptr(ObIeee8021xConfig) wired = make_ieee ("wired1", TRUE);
  g_autoptr(ObProfile) profile = make_profile ("Profile1");
  g_autoptr(ObProfile) got = NULL;
  g_autoptr(ObProfile) stale = NULL;
  g_autoptr(GPtrArray) list = NULL;
  GPtrArray *links;
  const char *tags[] = { "x", "y", NULL };

  g_assert_true (ob_store_insert_cira_config (fixture->store, cira, &error));
  g_assert_no_error (error);
  g_assert_true (ob_store_insert_ieee8021x_config (fixture->store, wired, &error));
  g_assert_no_error (error);
  insert_wireless (fixture->store, "wifiA");
  insert_wireless (fixture->store, "wifiB");
  insert_wireless (fixture->store, "wifiC");

  ob_profile_set_activation (profile, OB_PROFILE_ACTIVATION_ACM);
  ob_profile_set_generate_random_mebx_password (profile, TRUE);
  /* References match regardless of case and read back in the referenced
   * record's spelling. */
  ob_profile_set_cira_config_name (profile, "CIRA1");
  ob_profile_set_ieee8021x_profile_name (profile, "Wired1");
  ob_profile_set_tags (profile, tags);
  ob_profile_set_ip_sync_enabled (profile, TRUE);
  ob_profile_set_user_consent (profile, OB_PROFILE_USER_CONSENT_KVM);
  ob_profile_set_sol_enabled (profile, TRUE);
  ob_profile_add_wifi_link (profile, "wifiB", 2);
  ob_profile_add_wifi_link (profile, "WIFIA", 1);
  g_assert_true (ob_store_insert_profile (fixture->store, profile, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_profile_get_version (profile), ==, 1);
  g_assert_cmpint (count_rows (fixture, "profile_wireless"), ==, 2);

  got = ob_store_get_profile (fixture->store, "profile1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_profile_get_name (got), ==, "Profile1");
  g_assert_cmpstr (ob_profile_get_activation (got), ==, OB_PROFILE_ACTIVATION_ACM);
  g_assert_true (ob_profile_get_generate_random_password (got));
  g_assert_true (ob_profile_get_generate_random_mebx_password (got));
  g_assert_cmpstr (ob_profile_get_cira_config_name (got), ==, "cira1");
  g_assert_cmpstr (ob_profile_get_ieee8021x_profile_name (got), ==, "wired1");
  g_assert_cmpstrv (ob_profile_get_tags (got), tags);
  g_assert_true (ob_profile_get_dhcp_enabled (got));
  g_assert_true (ob_profile_get_ip_sync_enabled (got));
  g_assert_false (ob_profile_get_local_wifi_sync_enabled (got));
  g_assert_cmpuint (ob_profile_get_tls_mode (got), ==, 0);
  g_assert_null (ob_profile_get_tls_signing_authority (got));
  g_assert_cmpstr (ob_profile_get_user_consent (got), ==, OB_PROFILE_USER_CONSENT_KVM);
  g_assert_false (ob_profile_get_ider_enabled (got));
  g_assert_true (ob_profile_get_kvm_enabled (got));
  g_assert_true (ob_profile_get_sol_enabled (got));
  g_assert_cmpstr (ob_profile_get_tenant_id (got), ==, "");
  links = ob_profile_get_wifi_links (got);
  g_assert_cmpuint (links->len, ==, 2);
  g_assert_cmpstr (((ObProfileWifiLink *) g_ptr_array_index (links, 0))->name, ==, "wifiA");
  g_assert_cmpuint (((ObProfileWifiLink *) g_ptr_array_index (links, 0))->priority, ==, 1);
  g_assert_cmpstr (((ObProfileWifiLink *) g_ptr_array_index (links, 1))->name, ==, "wifiB");

  /* Update replaces the links and bumps the version. */
  stale = ob_store_get_profile (fixture->store, "Profile1", &error);
  g_assert_no_error (error);
  ob_profile_clear_wifi_links (got);
  ob_profile_add_wifi_link (got, "wifiC", 9);
  ob_profile_set_cira_config_name (got, NULL);
  ob_profile_set_tls_mode (got, 3);
  ob_profile_set_tls_signing_authority (got, OB_PROFILE_TLS_AUTHORITY_SELF_SIGNED);
  g_assert_true (ob_store_update_profile (fixture->store, got, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_profile_get_version (got), ==, 2);
  g_assert_cmpint (count_rows (fixture, "profile_wireless"), ==, 1);

  g_clear_object (&got);
  got = ob_store_get_profile (fixture->store, "Profile1", &error);
  g_assert_no_error (error);
  g_assert_null (ob_profile_get_cira_config_name (got));
  g_assert_cmpuint (ob_profile_get_tls_mode (got), ==, 3);
  links = ob_profile_get_wifi_links (got);
  g_assert_cmpuint (links->len, ==, 1);
  g_assert_cmpstr (((ObProfileWifiLink *) g_ptr_array_index (links, 0))->name, ==, "wifiC");
  g_assert_cmpuint (((ObProfileWifiLink *) g_ptr_array_index (links, 0))->priority, ==, 9);

  /* The stale copy conflicts, and changes nothing. */
  ob_profile_clear_wifi_links (stale);
  g_assert_false (ob_store_update_profile (fixture->store, stale, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (count_rows (fixture, "profile_wireless"), ==, 1);

  /* Bad links are refused before anything is written. */
  ob_profile_add_wifi_link (got, "WIFIC", 3);
  g_assert_false (ob_store_update_profile (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  ob_profile_clear_wifi_links (got);
  ob_profile_add_wifi_link (got, "wifiA", 0);
  g_assert_false (ob_store_update_profile (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  ob_profile_clear_wifi_links (got);
  ob_profile_set_activation (got, "activate-everything");
  g_assert_false (ob_store_update_profile (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  ob_profile_set_activation (got, OB_PROFILE_ACTIVATION_CCM);
  ob_profile_set_tls_mode (got, 5);
  g_assert_false (ob_store_update_profile (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Duplicate names, case-insensitively. */
  g_clear_object (&profile);
  profile = make_profile ("PROFILE1");
  g_assert_false (ob_store_insert_profile (fixture->store, profile, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  list = ob_store_list_profiles (fixture->store, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpuint (ob_profile_get_wifi_links (g_ptr_array_index (list, 0))->len, ==, 1);

  /* Deleting the profile takes its links; the wireless config is then free. */
  g_assert_true (ob_store_delete_profile (fixture->store, "profile1", &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (fixture, "profile_wireless"), ==, 0);
  g_assert_true (ob_store_delete_wireless_config (fixture->store, "wifiC", &error));
  g_assert_no_error (error);
  g_assert_false (ob_store_delete_profile (fixture->store, "profile1", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (ob_store_get_profile (fixture->store, "profile1", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
}

/* Reading "wifi-links" and setting the same array back keeps the links. */
static void
test_profile_links_property (void)
{
  g_autoptr(ObProfile) profile = make_profile ("p");
  g_autoptr(GPtrArray) links = NULL;
  GPtrArray *now;

  ob_profile_add_wifi_link (profile, "w1", 1);
  ob_profile_add_wifi_link (profile, "w2", 2);

  g_object_get (profile, "wifi-links", &links, NULL);
  g_object_set (profile, "wifi-links", links, NULL);

  now = ob_profile_get_wifi_links (profile);
  g_assert_cmpuint (now->len, ==, 2);
  g_assert_cmpstr (((ObProfileWifiLink *) g_ptr_array_index (now, 0))->name, ==, "w1");
  g_assert_cmpuint (((ObProfileWifiLink *) g_ptr_array_index (now, 1))->priority, ==, 2);

  ob_profile_set_wifi_links (profile, ob_profile_get_wifi_links (profile));
  g_assert_cmpuint (ob_profile_get_wifi_links (profile)->len, ==, 2);
}

static void
test_profile_list (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  const char *want[] = { "blue", NULL };
  ObStoreQuery query = { .offset = 1, .limit = 2 };
  guint total = 0;

  insert_wireless (fixture->store, "w1");
  for (guint i = 0; i < 5; i++)
    {
      /* Inserted out of order, mixed case: listed by name, case-blind. */
      static const char *names[] = { "delta", "Alpha", "charlie", "Echo", "bravo" };
      g_autoptr(ObProfile) profile = make_profile (names[i]);
      const char *tags[] = { i % 2 ? "blue" : "red", NULL };

      ob_profile_set_tags (profile, tags);
      ob_profile_add_wifi_link (profile, "w1", i + 1);
      g_assert_true (ob_store_insert_profile (fixture->store, profile, &error));
      g_assert_no_error (error);
    }

  list = ob_store_list_profiles (fixture->store, &query, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 5);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (ob_profile_get_name (g_ptr_array_index (list, 0)), ==, "bravo");
  g_assert_cmpstr (ob_profile_get_name (g_ptr_array_index (list, 1)), ==, "charlie");
  g_assert_cmpuint (ob_profile_get_wifi_links (g_ptr_array_index (list, 1))->len, ==, 1);
  g_clear_pointer (&list, g_ptr_array_unref);

  query = (ObStoreQuery) { .tags = want, .tag_match = OB_STORE_TAG_MATCH_ALL };
  list = ob_store_list_profiles (fixture->store, &query, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 2);
  g_assert_cmpstr (ob_profile_get_name (g_ptr_array_index (list, 0)), ==, "Alpha");
  g_assert_cmpstr (ob_profile_get_name (g_ptr_array_index (list, 1)), ==, "Echo");
}

static void
test_references (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCiraConfig) cira = make_cira ("cira");
  g_autoptr(ObIeee8021xConfig) wired = make_ieee ("wired", TRUE);
  g_autoptr(ObIeee8021xConfig) wireless_ieee = make_ieee ("wl8021x", FALSE);
  g_autoptr(ObWirelessConfig) wifi = make_wireless ("wifi");
  g_autoptr(ObProfile) profile = make_profile ("p");
  g_autoptr(ObProfile) orphan = NULL;
  g_autoptr(ObProfile) got = NULL;
  g_autoptr(ObWirelessConfig) bad_wifi = NULL;

  g_assert_true (ob_store_insert_cira_config (fixture->store, cira, &error));
  g_assert_true (ob_store_insert_ieee8021x_config (fixture->store, wired, &error));
  g_assert_true (ob_store_insert_ieee8021x_config (fixture->store, wireless_ieee, &error));
  ob_wireless_config_set_authentication_method (wifi, 7);
  ob_wireless_config_set_ieee8021x_profile_name (wifi, "wl8021x");
  g_assert_true (ob_store_insert_wireless_config (fixture->store, wifi, &error));
  g_assert_no_error (error);

  /* Missing references: nothing is inserted, not even part of it. */
  orphan = make_profile ("orphan");
  ob_profile_set_cira_config_name (orphan, "no-such-cira");
  g_assert_false (ob_store_insert_profile (fixture->store, orphan, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_MISSING_REFERENCE);
  g_assert_nonnull (strstr (error->message, "no-such-cira"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  ob_profile_set_cira_config_name (orphan, NULL);
  ob_profile_set_ieee8021x_profile_name (orphan, "no-such-8021x");
  g_assert_false (ob_store_insert_profile (fixture->store, orphan, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_MISSING_REFERENCE);
  g_assert_nonnull (strstr (error->message, "no-such-8021x"));
  g_clear_error (&error);

  /* The profile row goes in first; the failing link must take it back out. */
  ob_profile_set_ieee8021x_profile_name (orphan, "");
  ob_profile_add_wifi_link (orphan, "wifi", 1);
  ob_profile_add_wifi_link (orphan, "no-such-wifi", 2);
  g_assert_false (ob_store_insert_profile (fixture->store, orphan, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_MISSING_REFERENCE);
  g_assert_nonnull (strstr (error->message, "no-such-wifi"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_null (ob_store_get_profile (fixture->store, "orphan", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (count_rows (fixture, "profiles"), ==, 0);
  g_assert_cmpint (count_rows (fixture, "profile_wireless"), ==, 0);

  bad_wifi = make_wireless ("bad");
  ob_wireless_config_set_ieee8021x_profile_name (bad_wifi, "missing");
  g_assert_false (ob_store_insert_wireless_config (fixture->store, bad_wifi, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_MISSING_REFERENCE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* A profile using everything. */
  ob_profile_set_cira_config_name (profile, "cira");
  ob_profile_set_ieee8021x_profile_name (profile, "wired");
  ob_profile_add_wifi_link (profile, "wifi", 1);
  g_assert_true (ob_store_insert_profile (fixture->store, profile, &error));
  g_assert_no_error (error);

  /* Deleting anything it uses fails and changes nothing. */
  g_assert_false (ob_store_delete_cira_config (fixture->store, "cira", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "“p”"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (ob_store_delete_wireless_config (fixture->store, "WIFI", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (ob_store_delete_ieee8021x_config (fixture->store, "wired", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (ob_store_delete_ieee8021x_config (fixture->store, "wl8021x", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "wireless config"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_assert_cmpint (count_rows (fixture, "cira_configs"), ==, 1);
  g_assert_cmpint (count_rows (fixture, "wireless_configs"), ==, 1);
  g_assert_cmpint (count_rows (fixture, "ieee8021x_configs"), ==, 2);
  g_assert_cmpint (count_rows (fixture, "profile_wireless"), ==, 1);

  /* An update to a missing reference fails and keeps the old row. */
  got = ob_store_get_profile (fixture->store, "p", &error);
  g_assert_no_error (error);
  ob_profile_set_cira_config_name (got, "gone");
  g_assert_false (ob_store_update_profile (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_MISSING_REFERENCE);
  g_clear_error (&error);
  ob_profile_set_cira_config_name (got, "cira");
  ob_profile_clear_wifi_links (got);
  ob_profile_add_wifi_link (got, "gone-wifi", 1);
  g_assert_false (ob_store_update_profile (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_MISSING_REFERENCE);
  g_clear_error (&error);
  g_clear_object (&got);
  got = ob_store_get_profile (fixture->store, "p", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ob_profile_get_version (got), ==, 1);
  g_assert_cmpstr (ob_profile_get_cira_config_name (got), ==, "cira");
  g_assert_cmpuint (ob_profile_get_wifi_links (got)->len, ==, 1);

  /* Once the profile is gone everything can go, the 802.1x config last. */
  g_assert_true (ob_store_delete_profile (fixture->store, "p", &error));
  g_assert_true (ob_store_delete_cira_config (fixture->store, "cira", &error));
  g_assert_true (ob_store_delete_ieee8021x_config (fixture->store, "wired", &error));
  g_assert_false (ob_store_delete_ieee8021x_config (fixture->store, "wl8021x", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE);
  g_clear_error (&error);
  g_assert_true (ob_store_delete_wireless_config (fixture->store, "wifi", &error));
  g_assert_true (ob_store_delete_ieee8021x_config (fixture->store, "wl8021x", &error));
  g_assert_no_error (error);
  g_assert_true (ob_store_integrity_check (fixture->store, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------------
 * The other configuration types
 * ------------------------------------------------------------------------ */

static void
test_cira_crud (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCiraConfig) config = make_cira ("Cira-One");
  g_autoptr(ObCiraConfig) got = NULL;
  g_autoptr(ObCiraConfig) dup = make_cira ("cira-one");
  g_autoptr(GPtrArray) list = NULL;

  ob_cira_config_set_common_name (config, "10.0.0.1");
  ob_cira_config_set_proxy_details (config, NULL);
  ob_cira_config_set_tenant_id (config, "t1");
  g_assert_true (ob_store_insert_cira_config (fixture->store, config, &error));
  g_assert_no_error (error);

  got = ob_store_get_cira_config (fixture->store, "CIRA-ONE", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_cira_config_get_name (got), ==, "Cira-One");
  g_assert_cmpstr (ob_cira_config_get_mps_server_address (got), ==, "mps.example.com");
  g_assert_cmpuint (ob_cira_config_get_mps_port (got), ==, 4433);
  g_assert_cmpstr (ob_cira_config_get_username (got), ==, "admin123");
  g_assert_cmpstr (ob_cira_config_get_common_name (got), ==, "10.0.0.1");
  g_assert_cmpuint (ob_cira_config_get_server_address_format (got), ==, 201);
  g_assert_cmpuint (ob_cira_config_get_auth_method (got), ==, 2);
  g_assert_cmpstr (ob_cira_config_get_mps_root_certificate (got), ==, "MIIBszCCAVmgAwIBAgIU");
  g_assert_null (ob_cira_config_get_proxy_details (got));
  g_assert_cmpstr (ob_cira_config_get_tenant_id (got), ==, "t1");
  g_assert_cmpint (ob_cira_config_get_version (got), ==, 1);

  g_assert_false (ob_store_insert_cira_config (fixture->store, dup, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  ob_cira_config_set_mps_port (got, 8443);
  g_assert_true (ob_store_update_cira_config (fixture->store, got, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_cira_config_get_version (got), ==, 2);
  ob_cira_config_set_version (got, 1);
  g_assert_false (ob_store_update_cira_config (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  ob_cira_config_set_server_address_format (dup, 5);
  g_assert_false (ob_store_insert_cira_config (fixture->store, dup, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Tenant filter. */
  {
    ObStoreQuery query = { .tenant_id = "t2" };
    guint total = 1;

    list = ob_store_list_cira_configs (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 0);
    g_assert_cmpuint (total, ==, 0);
    g_clear_pointer (&list, g_ptr_array_unref);
    query.tenant_id = "t1";
    list = ob_store_list_cira_configs (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 1);
    g_assert_cmpuint (ob_cira_config_get_mps_port (g_ptr_array_index (list, 0)), ==, 8443);
  }

  g_assert_true (ob_store_delete_cira_config (fixture->store, "cira-ONE", &error));
  g_assert_no_error (error);
  g_assert_null (ob_store_get_cira_config (fixture->store, "Cira-One", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
}

static void
test_domain_crud (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDomain) domain = ob_domain_new ("corp");
  g_autoptr(ObDomain) other = ob_domain_new ("other");
  g_autoptr(ObDomain) got = NULL;
  g_autoptr(GDateTime) expires = g_date_time_new_utc (2027, 6, 30, 23, 59, 59);

  ob_domain_set_domain_suffix (domain, "corp.example.com");
  ob_domain_set_provisioning_cert_storage_format (domain, "raw");
  ob_domain_set_expiration_date (domain, expires);
  g_assert_true (ob_store_insert_domain (fixture->store, domain, &error));
  g_assert_no_error (error);

  got = ob_store_get_domain_by_suffix (fixture->store, "CORP.Example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_domain_get_name (got), ==, "corp");
  g_assert_cmpstr (ob_domain_get_domain_suffix (got), ==, "corp.example.com");
  g_assert_cmpstr (ob_domain_get_provisioning_cert_storage_format (got), ==, "raw");
  g_assert_true (g_date_time_equal (ob_domain_get_expiration_date (got), expires));
  g_clear_object (&got);

  g_assert_null (ob_store_get_domain_by_suffix (fixture->store, "example.com", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Both the name and the suffix are unique, case-insensitively; the
   * message says which clashed. */
  ob_domain_set_domain_suffix (other, "Corp.Example.COM");
  g_assert_false (ob_store_insert_domain (fixture->store, other, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
  g_assert_nonnull (strstr (error->message, "suffix"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  ob_domain_set_name (other, "CORP");
  ob_domain_set_domain_suffix (other, "other.example.com");
  g_assert_false (ob_store_insert_domain (fixture->store, other, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
  g_assert_null (strstr (error->message, "suffix"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  ob_domain_set_name (other, "other");
  g_assert_true (ob_store_insert_domain (fixture->store, other, &error));
  g_assert_no_error (error);

  /* An update onto another domain's suffix. */
  ob_domain_set_domain_suffix (other, "corp.example.com");
  g_assert_false (ob_store_update_domain (fixture->store, other, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  ob_domain_set_domain_suffix (other, "other.example.org");
  ob_domain_set_provisioning_cert_storage_format (other, "pem");
  g_assert_false (ob_store_update_domain (fixture->store, other, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  ob_domain_set_provisioning_cert_storage_format (other, "string");
  g_assert_true (ob_store_update_domain (fixture->store, other, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_domain_get_version (other), ==, 2);

  g_assert_true (ob_store_delete_domain (fixture->store, "OTHER", &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (fixture, "domains"), ==, 1);
}

static void
test_wireless_crud (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWirelessConfig) config = make_wireless ("home");
  g_autoptr(ObWirelessConfig) got = NULL;
  const gint32 policy[] = { 1, 14, 16, 224 };
  const gint32 *values;
  gsize n_values = 0;

  ob_wireless_config_set_link_policy (config, policy, G_N_ELEMENTS (policy));
  ob_wireless_config_set_psk_value (config, 7);
  g_assert_true (ob_store_insert_wireless_config (fixture->store, config, &error));
  g_assert_no_error (error);

  got = ob_store_get_wireless_config (fixture->store, "home", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_wireless_config_get_ssid (got), ==, "corp-wifi");
  g_assert_cmpuint (ob_wireless_config_get_authentication_method (got), ==, 6);
  g_assert_cmpuint (ob_wireless_config_get_encryption_method (got), ==, 4);
  g_assert_cmpint (ob_wireless_config_get_psk_value (got), ==, 7);
  g_assert_null (ob_wireless_config_get_ieee8021x_profile_name (got));
  values = ob_wireless_config_get_link_policy (got, &n_values);
  g_assert_cmpmem (values, n_values * sizeof (gint32), policy, sizeof policy);

  /* No link policy reads back as none. */
  ob_wireless_config_set_link_policy (got, NULL, 0);
  g_assert_true (ob_store_update_wireless_config (fixture->store, got, &error));
  g_assert_no_error (error);
  g_clear_object (&got);
  got = ob_store_get_wireless_config (fixture->store, "home", &error);
  g_assert_no_error (error);
  g_assert_null (ob_wireless_config_get_link_policy_variant (got));
  g_assert_cmpint (ob_wireless_config_get_version (got), ==, 2);

  /* An SSID is at most 32 bytes; methods are AMT's. */
  ob_wireless_config_set_ssid (got, "123456789012345678901234567890123");
  g_assert_false (ob_store_update_wireless_config (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  ob_wireless_config_set_ssid (got, "ok");
  ob_wireless_config_set_encryption_method (got, 9);
  g_assert_false (ob_store_update_wireless_config (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_clear_object (&config);
  config = make_wireless ("HOME");
  g_assert_false (ob_store_insert_wireless_config (fixture->store, config, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
}

static void
test_ieee8021x_crud (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObIeee8021xConfig) config = make_ieee ("eap", TRUE);
  g_autoptr(ObIeee8021xConfig) got = NULL;
  g_autoptr(GPtrArray) list = NULL;

  ob_ieee8021x_config_set_pxe_timeout (config, 600);
  g_assert_true (ob_store_insert_ieee8021x_config (fixture->store, config, &error));
  g_assert_no_error (error);

  got = ob_store_get_ieee8021x_config (fixture->store, "EAP", &error);
  g_assert_no_error (error);
  g_assert_true (ob_ieee8021x_config_get_wired_interface (got));
  g_assert_cmpuint (ob_ieee8021x_config_get_authentication_protocol (got), ==, 0);
  g_assert_cmpuint (ob_ieee8021x_config_get_pxe_timeout (got), ==, 600);

  ob_ieee8021x_config_set_pxe_timeout (got, 86401);
  g_assert_false (ob_store_update_ieee8021x_config (fixture->store, got, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  ob_ieee8021x_config_set_pxe_timeout (got, 0);
  ob_ieee8021x_config_set_authentication_protocol (got, 2);
  g_assert_true (ob_store_update_ieee8021x_config (fixture->store, got, &error));
  g_assert_no_error (error);
  g_assert_false (ob_store_update_ieee8021x_config (fixture->store, config, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  g_assert_false (ob_store_insert_ieee8021x_config (fixture->store, config, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
  g_clear_error (&error);

  list = ob_store_list_ieee8021x_configs (fixture->store, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpuint (ob_ieee8021x_config_get_authentication_protocol (g_ptr_array_index (list, 0)),
                    ==, 2);
}

/* ------------------------------------------------------------------------
 * Activity log
 * ------------------------------------------------------------------------ */

static void
test_activity (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(ObActivityEntry) entry = ob_activity_entry_new (OB_ACTIVITY_ACTOR_RPS, "activate");
  ObActivityEntry *newest;
  guint total = 0;
  guint removed = 0;

  /* Explicit timestamps, then one stamped by the store. */
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(ObActivityEntry) e = ob_activity_entry_new (OB_ACTIVITY_ACTOR_ADMIN, "power");
      g_autofree char *detail = g_strdup_printf ("step %u", i);

      ob_activity_entry_set_timestamp (e, 1000000 * (i + 1));
      ob_activity_entry_set_device_guid (e, i % 2 ? GUID_A : GUID_B);
      ob_activity_entry_set_detail (e, detail);
      ob_activity_entry_set_result (e, i == 3 ? OB_ACTIVITY_RESULT_FAILURE
                                              : OB_ACTIVITY_RESULT_SUCCESS);
      g_assert_true (ob_store_append_activity (fixture->store, e, &error));
      g_assert_no_error (error);
      g_assert_cmpint (ob_activity_entry_get_id (e), >, 0);
    }

  ob_activity_entry_set_device_guid (entry, "4C4C4544-004B-4210-8033-B6C04F504633");
  ob_activity_entry_set_target (entry, "profile1");
  g_assert_true (ob_store_append_activity (fixture->store, entry, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_activity_entry_get_timestamp (entry), >, 10000000);
  g_assert_cmpstr (ob_activity_entry_get_device_guid (entry), ==, GUID_A);

  g_assert_true (ob_store_log_activity (fixture->store, OB_ACTIVITY_ACTOR_MPS, "connect", NULL,
                                        NULL, OB_ACTIVITY_RESULT_SUCCESS, NULL, &error));
  g_assert_no_error (error);

  /* Newest first, paged, counted. */
  {
    ObStoreQuery query = { .limit = 3 };

    list = ob_store_list_activity_entries (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (total, ==, 12);
    g_assert_cmpuint (list->len, ==, 3);
    newest = g_ptr_array_index (list, 1);
    g_assert_cmpstr (ob_activity_entry_get_action (newest), ==, "activate");
    g_assert_cmpstr (ob_activity_entry_get_actor (newest), ==, "rps");
    g_assert_cmpstr (ob_activity_entry_get_target (newest), ==, "profile1");
    g_assert_cmpint (ob_activity_entry_get_id (newest), ==, ob_activity_entry_get_id (entry));
    g_assert_cmpstr (ob_activity_entry_get_detail (g_ptr_array_index (list, 2)), ==, "step 9");
    g_clear_pointer (&list, g_ptr_array_unref);

    query.offset = 5;
    query.limit = 0;
    list = ob_store_list_activity_entries (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 7);
    g_assert_cmpstr (ob_activity_entry_get_detail (g_ptr_array_index (list, 0)), ==, "step 6");
    g_assert_cmpint (ob_activity_entry_get_timestamp (g_ptr_array_index (list, 6)), ==, 1000000);
    g_clear_pointer (&list, g_ptr_array_unref);
  }

  /* By device, in any case. */
  {
    ObStoreQuery query = { .device_guid = "4C4C4544-004B-4210-8033-B6C04F504633" };

    list = ob_store_list_activity_entries (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (total, ==, 6);
    for (guint i = 0; i < list->len; i++)
      g_assert_cmpstr (ob_activity_entry_get_device_guid (g_ptr_array_index (list, i)), ==, GUID_A);
    /* activate, then steps 9, 7, 5, 3 (the failure), 1 */
    g_assert_cmpstr (ob_activity_entry_get_detail (g_ptr_array_index (list, 4)), ==, "step 3");
    g_assert_cmpint (ob_activity_entry_get_result (g_ptr_array_index (list, 4)), ==,
                     OB_ACTIVITY_RESULT_FAILURE);
    g_clear_pointer (&list, g_ptr_array_unref);

    query.device_guid = GUID_B;
    list = ob_store_list_activity_entries (fixture->store, &query, &total, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (total, ==, 5);
    for (guint i = 0; i < list->len; i++)
      g_assert_cmpint (ob_activity_entry_get_result (g_ptr_array_index (list, i)), ==,
                       OB_ACTIVITY_RESULT_SUCCESS);
    g_clear_pointer (&list, g_ptr_array_unref);

    query.tenant_id = "";
    g_assert_null (ob_store_list_activity_entries (fixture->store, &query, NULL, &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* Invalid entries. */
  g_assert_false (ob_store_log_activity (fixture->store, NULL, "x", NULL, NULL,
                                         OB_ACTIVITY_RESULT_SUCCESS, NULL, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ob_store_log_activity (fixture->store, "admin", "x", NULL, NULL,
                                         (ObActivityResult) 7, NULL, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Trimming. */
  g_assert_true (ob_store_delete_activity_before (fixture->store, 5000000, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 4);
  list = ob_store_list_activity_entries (fixture->store, NULL, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, 8);
}

/* ------------------------------------------------------------------------
 * Hostile input
 * ------------------------------------------------------------------------ */

static void
test_hostile (Fixture       *fixture,
              gconstpointer  data)
{
  static const char *names[] = {
    "'; DROP TABLE profiles; --",
    "Robert'); DELETE FROM cira_configs WHERE ('1'='1",
    "\"quoted\" and 'single'",
    "x' OR '1'='1",
    "%_*?[]",
    "ünïcødé ✓ 名前",
    ":name",
    "?1",
    "$(rm -rf /)",
    "a\\b\\\\c",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *long_name = g_strnfill (256, 'n');
  g_autofree char *too_long = g_strnfill (257, 'n');
  g_autofree char *huge = g_strnfill (1024 * 1024 + 1, 'c');
  g_autofree char *big = g_strnfill (1024 * 1024, 'c');

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(ObCiraConfig) config = make_cira (names[i]);
      g_autoptr(ObCiraConfig) got = NULL;
      g_autoptr(ObProfile) profile = make_profile (names[i]);
      g_autoptr(ObProfile) got_profile = NULL;
      const char *tags[] = { names[i], NULL };

      ob_cira_config_set_username (config, names[i]);
      ob_cira_config_set_proxy_details (config, names[i]);
      g_assert_true (ob_store_insert_cira_config (fixture->store, config, &error));
      g_assert_no_error (error);

      ob_profile_set_cira_config_name (profile, names[i]);
      ob_profile_set_tags (profile, tags);
      g_assert_true (ob_store_insert_profile (fixture->store, profile, &error));
      g_assert_no_error (error);

      got = ob_store_get_cira_config (fixture->store, names[i], &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ob_cira_config_get_name (got), ==, names[i]);
      g_assert_cmpstr (ob_cira_config_get_username (got), ==, names[i]);
      g_assert_cmpstr (ob_cira_config_get_proxy_details (got), ==, names[i]);

      got_profile = ob_store_get_profile (fixture->store, names[i], &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ob_profile_get_cira_config_name (got_profile), ==, names[i]);
      g_assert_cmpstrv (ob_profile_get_tags (got_profile), tags);

      /* The tag filter matches exactly this one, not everything. */
      {
        ObStoreQuery query = { .tags = tags };
        g_autoptr(GPtrArray) matched = ob_store_list_profiles (fixture->store, &query, NULL,
                                                               &error);

        g_assert_no_error (error);
        g_assert_cmpuint (matched->len, ==, 1);
      }
    }

  /* Nothing was executed: every table is still there, every row counted. */
  g_assert_cmpint (count_rows (fixture, "profiles"), ==, G_N_ELEMENTS (names));
  g_assert_cmpint (count_rows (fixture, "cira_configs"), ==, G_N_ELEMENTS (names));
  g_assert_true (ob_store_integrity_check (fixture->store, &error));
  g_assert_no_error (error);

  /* Limits: 256 bytes is a name, 257 is not; 1 MiB of certificate is
   * accepted, one byte more is not. */
  {
    g_autoptr(ObCiraConfig) config = make_cira (long_name);
    g_autoptr(ObCiraConfig) got = NULL;

    ob_cira_config_set_mps_root_certificate (config, big);
    g_assert_true (ob_store_insert_cira_config (fixture->store, config, &error));
    g_assert_no_error (error);
    got = ob_store_get_cira_config (fixture->store, long_name, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (strlen (ob_cira_config_get_mps_root_certificate (got)), ==, 1024 * 1024);

    ob_cira_config_set_name (config, too_long);
    g_assert_false (ob_store_insert_cira_config (fixture->store, config, &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
    /* The message shows a shortened name. */
    g_assert_cmpuint (strlen (error->message), <, 300);
    g_test_message ("%s", error->message);
    g_clear_error (&error);

    ob_cira_config_set_name (config, "huge");
    ob_cira_config_set_mps_root_certificate (config, huge);
    g_assert_false (ob_store_insert_cira_config (fixture->store, config, &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* Control characters, broken UTF-8, empty and NULL names. */
  {
    static const char *bad[] = { "line\nbreak", "tab\there", "nul\x01", "bad\xff\xfeutf8", "", NULL };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(ObProfile) profile = make_profile (bad[i]);
        g_autoptr(ObDeviceRecord) device = ob_device_record_new (GUID_B);
        const char *tags[] = { bad[i], NULL };

        g_assert_false (ob_store_insert_profile (fixture->store, profile, &error));
        g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
        g_test_message ("%s", error->message);
        g_clear_error (&error);

        if (bad[i] != NULL)
          {
            ob_device_record_set_tags (device, tags);
            g_assert_false (ob_store_insert_device (fixture->store, device, &error));
            g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
            g_clear_error (&error);
          }
      }

    g_assert_null (ob_store_get_profile (fixture->store, NULL, &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (ob_store_delete_profile (fixture->store, NULL, &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* Free text keeps newlines and quotes verbatim. */
  {
    g_autoptr(ObActivityEntry) entry = ob_activity_entry_new ("admin", "note");
    const char *detail = "line 1\nline 2 '); DROP TABLE activity_log; --";

    ob_activity_entry_set_detail (entry, detail);
    g_assert_true (ob_store_append_activity (fixture->store, entry, &error));
    g_assert_no_error (error);
    list = ob_store_list_activity_entries (fixture->store, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (ob_activity_entry_get_detail (g_ptr_array_index (list, 0)), ==, detail);
  }

  /* NULL where allowed: an otherwise empty CIRA config and device. */
  {
    g_autoptr(ObCiraConfig) config = ob_cira_config_new ("bare");
    g_autoptr(ObCiraConfig) got = NULL;
    g_autoptr(ObDeviceRecord) device = ob_device_record_new (GUID_A);
    g_autoptr(ObDeviceRecord) got_device = NULL;

    g_assert_true (ob_store_insert_cira_config (fixture->store, config, &error));
    g_assert_no_error (error);
    got = ob_store_get_cira_config (fixture->store, "bare", &error);
    g_assert_no_error (error);
    g_assert_null (ob_cira_config_get_mps_server_address (got));
    g_assert_null (ob_cira_config_get_username (got));
    g_assert_null (ob_cira_config_get_mps_root_certificate (got));

    g_assert_true (ob_store_insert_device (fixture->store, device, &error));
    g_assert_no_error (error);
    got_device = ob_store_get_device (fixture->store, GUID_A, &error);
    g_assert_no_error (error);
    g_assert_null (ob_device_record_get_hostname (got_device));
    g_assert_nonnull (ob_device_record_get_tags (got_device));
    g_assert_cmpuint (g_strv_length ((char **) ob_device_record_get_tags (got_device)), ==, 0);
    g_assert_false (ob_device_record_has_device_info (got_device));
  }

  g_assert_true (ob_store_integrity_check (fixture->store, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------------
 * Transactions, notification, integrity, two connections
 * ------------------------------------------------------------------------ */

typedef struct
{
  gboolean fail_at_end;
  guint    n_writes;
} TxData;

static gboolean
tx_profile_and_log (ObStore   *store,
                    gpointer   user_data,
                    GError   **error)
{
  TxData *tx = user_data;
  g_autoptr(ObProfile) profile = make_profile ("in-tx");
  g_autoptr(ObProfile) dup = make_profile ("IN-TX");
  g_autoptr(GError) local_error = NULL;

  if (!ob_store_insert_profile (store, profile, error))
    return FALSE;
  tx->n_writes++;

  /* A failing write inside is undone alone; the caller may carry on. */
  g_assert_false (ob_store_insert_profile (store, dup, &local_error));
  g_assert_error (local_error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);

  if (!ob_store_log_activity (store, "admin", "create-profile", NULL, "in-tx",
                              OB_ACTIVITY_RESULT_SUCCESS, NULL, error))
    return FALSE;
  tx->n_writes++;

  if (tx->fail_at_end)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "changed my mind");
      return FALSE;
    }

  return TRUE;
}

static void
on_changed (ObStore    *store,
            const char *kind,
            const char *key,
            GPtrArray  *seen)
{
  g_ptr_array_add (seen, g_strdup_printf ("%s:%s", kind, key != NULL ? key : "*"));
}

static void
test_transaction (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) seen_profiles = g_ptr_array_new_with_free_func (g_free);
  TxData tx = { .fail_at_end = TRUE };

  g_signal_connect (fixture->store, "changed", G_CALLBACK (on_changed), seen);
  g_signal_connect (fixture->store, "changed::" OB_STORE_KIND_PROFILE, G_CALLBACK (on_changed),
                    seen_profiles);

  /* Abandoned: nothing stays, nothing is announced. */
  g_assert_false (ob_store_run_in_transaction (fixture->store, tx_profile_and_log, &tx, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (tx.n_writes, ==, 2);
  g_assert_cmpint (count_rows (fixture, "profiles"), ==, 0);
  g_assert_cmpint (count_rows (fixture, "activity_log"), ==, 0);
  g_assert_cmpuint (seen->len, ==, 0);

  /* Committed: both rows, announced after the commit. */
  tx = (TxData) { .fail_at_end = FALSE };
  g_assert_true (ob_store_run_in_transaction (fixture->store, tx_profile_and_log, &tx, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (fixture, "profiles"), ==, 1);
  g_assert_cmpint (count_rows (fixture, "activity_log"), ==, 1);
  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "profile:in-tx");
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "activity:*");
  g_assert_cmpuint (seen_profiles->len, ==, 1);

  /* A failed single write announces nothing. */
  {
    g_autoptr(ObProfile) dup = make_profile ("in-tx");

    g_assert_false (ob_store_insert_profile (fixture->store, dup, &error));
    g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE);
    g_clear_error (&error);
    g_assert_cmpuint (seen->len, ==, 2);
  }

  /* A delete announces the stored spelling of the name. */
  g_assert_true (ob_store_delete_profile (fixture->store, "IN-TX", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (seen, 2), ==, "profile:in-tx");
  g_assert_cmpuint (seen_profiles->len, ==, 2);

  g_signal_handlers_disconnect_by_data (fixture->store, seen);
  g_signal_handlers_disconnect_by_data (fixture->store, seen_profiles);
}

static void
test_integrity (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObProfile) profile = make_profile ("p");
  sqlite3 *db;

  insert_wireless (fixture->store, "w");
  ob_profile_add_wifi_link (profile, "w", 1);
  g_assert_true (ob_store_insert_profile (fixture->store, profile, &error));
  g_assert_true (ob_store_integrity_check (fixture->store, &error));
  g_assert_no_error (error);

  /* Someone else breaks a reference behind the store's back. */
  db = open_raw (fixture->path);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA foreign_keys = OFF;"
                                 " DELETE FROM wireless_configs WHERE name = 'w'",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  g_assert_false (ob_store_integrity_check (fixture->store, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE);
  g_assert_nonnull (strstr (error->message, "profile_wireless"));
  g_test_message ("%s", error->message);
}

static void
test_two_connections (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) other = ob_store_new_for_path (fixture->path, &error);
  g_autoptr(ObDomain) mine = ob_domain_new ("d");
  g_autoptr(ObDomain) theirs = NULL;
  g_autoptr(ObDomain) again = NULL;

  g_assert_no_error (error);

  ob_domain_set_domain_suffix (mine, "a.example.com");
  g_assert_true (ob_store_insert_domain (fixture->store, mine, &error));
  g_assert_no_error (error);

  theirs = ob_store_get_domain (other, "d", &error);
  g_assert_no_error (error);
  ob_domain_set_domain_suffix (theirs, "b.example.com");
  g_assert_true (ob_store_update_domain (other, theirs, &error));
  g_assert_no_error (error);

  ob_domain_set_domain_suffix (mine, "c.example.com");
  g_assert_false (ob_store_update_domain (fixture->store, mine, &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  again = ob_store_get_domain (fixture->store, "d", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_domain_get_domain_suffix (again), ==, "b.example.com");
  g_assert_cmpint (ob_domain_get_version (again), ==, 2);

  g_assert_finalize_object (g_steal_pointer (&other));
}

static gpointer
thread_writer (gpointer data)
{
  ObStore *store = data;

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) list = NULL;
      g_autofree char *name = g_strdup_printf ("t%p-%u", (void *) g_thread_self (), i);
      g_autoptr(ObIeee8021xConfig) config = make_ieee (name, TRUE);

      g_assert_true (ob_store_insert_ieee8021x_config (store, config, &error));
      g_assert_no_error (error);
      g_assert_true (ob_store_log_activity (store, "admin", "create", NULL, name,
                                            OB_ACTIVITY_RESULT_SUCCESS, NULL, &error));
      g_assert_no_error (error);
      list = ob_store_list_ieee8021x_configs (store, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (list->len, >, i);
    }

  return NULL;
}

/* Calls from several threads are serialised, never interleaved. */
static void
test_threads (Fixture       *fixture,
              gconstpointer  data)
{
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("writer", thread_writer, fixture->store);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (count_rows (fixture, "ieee8021x_configs"), ==, 200);
  g_assert_cmpint (count_rows (fixture, "activity_log"), ==, 200);
}

/* Every property of a copy equals the original's, with each set to
 * something other than its default, so a field the copy forgets shows. */
static void
test_device_record_copy (void)
{
  g_autoptr(ObDeviceRecord) record = ob_device_record_new (NULL);
  g_autoptr(ObDeviceRecord) copy = NULL;
  g_autoptr(ObDeviceRecord) fresh = ob_device_record_new (NULL);
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs = 0;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (record), &n_pspecs);
  g_assert_cmpuint (n_pspecs, >, 20);
  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
      g_auto(GValue) value = G_VALUE_INIT;
      g_auto(GValue) before = G_VALUE_INIT;

      g_value_init (&value, type);
      if (type == G_TYPE_STRING)
        g_value_take_string (&value, g_strdup_printf ("%s value", pspec->name));
      else if (type == G_TYPE_STRV)
        {
          const char *tags[] = { pspec->name, "second", NULL };

          g_value_set_boxed (&value, tags);
        }
      else if (type == G_TYPE_DATE_TIME)
        g_value_take_boxed (&value, g_date_time_new_from_unix_utc (1700000000 + i));
      else if (type == G_TYPE_BOOLEAN)
        g_value_set_boolean (&value, !G_PARAM_SPEC_BOOLEAN (pspec)->default_value);
      else if (type == G_TYPE_UINT)
        g_value_set_uint (&value, 1000 + i);
      else if (type == G_TYPE_INT64)
        g_value_set_int64 (&value, 1000 + i);
      else if (G_TYPE_IS_ENUM (type))
        g_value_set_enum (&value, G_PARAM_SPEC_ENUM (pspec)->default_value == OB_DEVICE_TRANSPORT_LAN
                                    ? OB_DEVICE_TRANSPORT_CIRA : OB_DEVICE_TRANSPORT_LAN);
      else
        g_error ("No test value for property %s of type %s", pspec->name, g_type_name (type));

      /* The value differs from a new record's. */
      g_value_init (&before, type);
      g_object_get_property (G_OBJECT (fresh), pspec->name, &before);
      g_assert_cmpint (g_param_values_cmp (pspec, &value, &before), !=, 0);
      g_object_set_property (G_OBJECT (record), pspec->name, &value);
    }

  copy = ob_device_record_copy (record);
  g_assert_true (copy != record);
  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
      g_auto(GValue) a = G_VALUE_INIT;
      g_auto(GValue) b = G_VALUE_INIT;

      g_value_init (&a, type);
      g_value_init (&b, type);
      g_object_get_property (G_OBJECT (record), pspec->name, &a);
      g_object_get_property (G_OBJECT (copy), pspec->name, &b);
      if (type == G_TYPE_STRING)
        g_assert_cmpstr (g_value_get_string (&a), ==, g_value_get_string (&b));
      else if (type == G_TYPE_STRV)
        {
          g_assert_true (g_value_get_boxed (&a) != g_value_get_boxed (&b));
          g_assert_true (g_strv_equal (g_value_get_boxed (&a), g_value_get_boxed (&b)));
        }
      else if (type == G_TYPE_DATE_TIME)
        g_assert_true (g_date_time_equal (g_value_get_boxed (&a), g_value_get_boxed (&b)));
      else
        g_assert_cmpint (g_param_values_cmp (pspec, &a, &b), ==, 0);
    }

  /* Independent: changing the copy leaves the original. */
  ob_device_record_set_hostname (copy, "other");
  g_assert_cmpstr (ob_device_record_get_hostname (record), ==, "hostname value");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/store/open/fresh", test_open_fresh);
  ADD ("/store/open/too-new", test_open_too_new);
  ADD ("/store/open/garbage", test_open_garbage);
  g_test_add_func ("/store/open/default-path", test_open_default_path);
  ADD ("/store/device/crud", test_device_crud);
  ADD ("/store/device/upsert", test_device_upsert);
  ADD ("/store/device/list", test_device_list);
  ADD ("/store/device/count", test_device_count);
  ADD ("/store/profile/crud", test_profile_crud);
  ADD ("/store/profile/list", test_profile_list);
  g_test_add_func ("/store/profile/links-property", test_profile_links_property);
  g_test_add_func ("/store/device-record/copy", test_device_record_copy);
  ADD ("/store/references", test_references);
  ADD ("/store/cira/crud", test_cira_crud);
  ADD ("/store/domain/crud", test_domain_crud);
  ADD ("/store/wireless/crud", test_wireless_crud);
  ADD ("/store/ieee8021x/crud", test_ieee8021x_crud);
  ADD ("/store/activity", test_activity);
  ADD ("/store/hostile", test_hostile);
  ADD ("/store/transaction", test_transaction);
  ADD ("/store/integrity", test_integrity);
  ADD ("/store/two-connections", test_two_connections);
  ADD ("/store/threads", test_threads);

#undef ADD

  return g_test_run ();
}
