/* test-no-secret-on-disk.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Writes every kind of record the app keeps, each with its secrets, through
 * the store, the keyring (the real gnome-keyring of build-aux/test) and the
 * certificate authority, then reads every byte under the data directory and
 * proves that no secret value is there: not raw, not in base64, not in hex.
 * A control value that *is* stored shows the scan can see what it looks for. */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ob-activity-entry.h"
#include "ob-cert-authority.h"
#include "ob-cira-config.h"
#include "ob-device-record.h"
#include "ob-domain.h"
#include "ob-profile.h"
#include "ob-secret-store-libsecret.h"
#include "ob-secret-store-memory.h"
#include "ob-store.h"
#include "ob-util.h"
#include "ob-wireless-config.h"

typedef struct
{
  char          *data_dir;
  char          *run_id;
  ObSecretStore *secrets;
  ObStore       *store;
  GPtrArray     *secret_values;   /* GBytes of every secret written */
} Fixture;

static void
remember (Fixture    *fixture,
          const void *data,
          gsize       len)
{
  g_ptr_array_add (fixture->secret_values, g_bytes_new (data, len));
}

static void
put_text_secret (Fixture    *fixture,
                 const char *owner_type,
                 const char *owner,
                 const char *kind,
                 const char *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ob_secret_store_store_text_sync (fixture->secrets, owner_type, owner, kind,
                                                  value, NULL, &error));
  g_assert_no_error (error);
  remember (fixture, value, strlen (value));
}

static char *
unique (Fixture    *fixture,
        const char *base)
{
  return g_strdup_printf ("%s%s", base, fixture->run_id);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  gboolean use_keyring = GPOINTER_TO_INT (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;

  fixture->data_dir = g_dir_make_tmp ("outband-nosecret-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->run_id = g_strdup_printf ("%x", (guint) g_random_int ());
  fixture->secrets = use_keyring ? ob_secret_store_libsecret_new ()
                                 : ob_secret_store_memory_new ();
  db_path = g_build_filename (fixture->data_dir, "outband.db", NULL);
  fixture->store = ob_store_new_for_path (db_path, &error);
  g_assert_no_error (error);
  fixture->secret_values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->secrets);
  g_clear_pointer (&fixture->secret_values, g_ptr_array_unref);
  remove_tree (fixture->data_dir);
  g_clear_pointer (&fixture->data_dir, g_free);
  g_clear_pointer (&fixture->run_id, g_free);
}

static void
on_ensured (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ob_cert_authority_ensure_finish (OB_CERT_AUTHORITY (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* Everything an admin does in the first hour: a CA, a LAN device with its
 * AMT password, a CIRA device, a CIRA config, a profile with AMT and MEBX
 * passwords, a domain with its PFX and password, Wi-Fi with a PSK, the REST
 * API's password and JWT key, and the activity log of all of it. */
static void
write_everything (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCertAuthority) ca = NULL;
  g_autoptr(ObDeviceRecord) lan = NULL;
  g_autoptr(ObDeviceRecord) cira = NULL;
  g_autoptr(ObCiraConfig) cira_config = NULL;
  g_autoptr(ObProfile) profile = NULL;
  g_autoptr(ObDomain) domain = NULL;
  g_autoptr(ObWirelessConfig) wireless = NULL;
  g_autoptr(GBytes) root_key = NULL;
  g_autoptr(GBytes) server_key = NULL;
  g_autofree char *cira_name = unique (fixture, "ciraconf");
  g_autofree char *profile_name = unique (fixture, "profile");
  g_autofree char *domain_name = unique (fixture, "domain");
  g_autofree char *wifi_name = unique (fixture, "wifi");
  g_autofree char *lan_guid = NULL;
  g_autofree char *cira_guid = NULL;
  g_autofree char *amt_password = ob_random_password ();
  g_autofree char *mps_password = ob_random_password ();
  g_autofree char *profile_amt = ob_random_password ();
  g_autofree char *profile_mebx = ob_random_password ();
  g_autofree char *pfx_password = ob_random_password ();
  g_autofree char *psk = ob_random_password ();
  g_autofree char *api_password = ob_random_password ();
  guint8 uuid[16];
  guint8 pfx[2048];
  guint8 jwt_key[32];
  gboolean done = FALSE;

  /* Certificate authority: the private keys go to the keyring. */
  ca = ob_cert_authority_new (fixture->data_dir, fixture->secrets);
  ob_cert_authority_ensure_async (ca, "192.0.2.10", NULL, on_ensured, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  root_key = ob_secret_store_lookup_sync (fixture->secrets, OB_SECRET_OWNER_CA,
                                          OB_CERT_AUTHORITY_ROOT_KEY_ID,
                                          OB_SECRET_KIND_PRIVATE_KEY, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (root_key);
  g_ptr_array_add (fixture->secret_values, g_bytes_ref (root_key));
  server_key = ob_secret_store_lookup_sync (fixture->secrets, OB_SECRET_OWNER_CA,
                                            OB_CERT_AUTHORITY_SERVER_KEY_ID,
                                            OB_SECRET_KIND_PRIVATE_KEY, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (server_key);
  g_ptr_array_add (fixture->secret_values, g_bytes_ref (server_key));

  /* A LAN device and a CIRA device. */
  ob_random_bytes (uuid, sizeof uuid);
  lan_guid = ob_uuid_to_string (uuid);
  lan = ob_device_record_new (lan_guid);
  ob_device_record_set_hostname (lan, "bench-07.lab.example");
  ob_device_record_set_friendly_name (lan, "Bench 7");
  g_assert_true (ob_store_insert_device (fixture->store, lan, &error));
  g_assert_no_error (error);
  put_text_secret (fixture, OB_SECRET_OWNER_DEVICE, lan_guid, OB_SECRET_KIND_AMT_PASSWORD,
                   amt_password);

  ob_random_bytes (uuid, sizeof uuid);
  cira_guid = ob_uuid_to_string (uuid);
  cira = ob_device_record_new (cira_guid);
  ob_device_record_set_mps_username (cira, "ciraUser01");
  g_assert_true (ob_store_insert_device (fixture->store, cira, &error));
  g_assert_no_error (error);
  put_text_secret (fixture, OB_SECRET_OWNER_DEVICE, cira_guid, OB_SECRET_KIND_MPS_PASSWORD,
                   mps_password);

  /* CIRA config and a profile that uses it. */
  cira_config = ob_cira_config_new (cira_name);
  ob_cira_config_set_mps_server_address (cira_config, "192.0.2.10");
  ob_cira_config_set_server_address_format (cira_config, 3);
  ob_cira_config_set_common_name (cira_config, "192.0.2.10");
  ob_cira_config_set_mps_port (cira_config, 4433);
  ob_cira_config_set_username (cira_config, "ciraUser01");
  ob_cira_config_set_auth_method (cira_config, 2);
  ob_cira_config_set_mps_root_certificate (cira_config, "MIIB");
  g_assert_true (ob_store_insert_cira_config (fixture->store, cira_config, &error));
  g_assert_no_error (error);
  put_text_secret (fixture, OB_SECRET_OWNER_CIRA_CONFIG, cira_name,
                   OB_SECRET_KIND_MPS_PASSWORD, mps_password);

  profile = ob_profile_new (profile_name);
  ob_profile_set_activation (profile, "acmactivate");
  ob_profile_set_cira_config_name (profile, cira_name);
  ob_profile_set_dhcp_enabled (profile, TRUE);
  g_assert_true (ob_store_insert_profile (fixture->store, profile, &error));
  g_assert_no_error (error);
  put_text_secret (fixture, OB_SECRET_OWNER_PROFILE, profile_name,
                   OB_SECRET_KIND_AMT_PASSWORD, profile_amt);
  put_text_secret (fixture, OB_SECRET_OWNER_PROFILE, profile_name,
                   OB_SECRET_KIND_MEBX_PASSWORD, profile_mebx);

  /* A domain with a provisioning certificate (binary) and its password. */
  domain = ob_domain_new (domain_name);
  ob_domain_set_domain_suffix (domain, "lab.example");
  ob_domain_set_provisioning_cert_storage_format (domain, "string");
  g_assert_true (ob_store_insert_domain (fixture->store, domain, &error));
  g_assert_no_error (error);
  ob_random_bytes (pfx, sizeof pfx);
  {
    g_autoptr(GBytes) pfx_bytes = g_bytes_new (pfx, sizeof pfx);

    g_assert_true (ob_secret_store_store_sync (fixture->secrets, OB_SECRET_OWNER_DOMAIN,
                                               domain_name, OB_SECRET_KIND_PFX, pfx_bytes,
                                               NULL, &error));
    g_assert_no_error (error);
    g_ptr_array_add (fixture->secret_values, g_bytes_ref (pfx_bytes));
  }
  put_text_secret (fixture, OB_SECRET_OWNER_DOMAIN, domain_name, OB_SECRET_KIND_PFX_PASSWORD,
                   pfx_password);

  /* Wi-Fi with a PSK. */
  wireless = ob_wireless_config_new (wifi_name);
  ob_wireless_config_set_authentication_method (wireless, 6);
  ob_wireless_config_set_encryption_method (wireless, 4);
  ob_wireless_config_set_ssid (wireless, "LabNet");
  g_assert_true (ob_store_insert_wireless_config (fixture->store, wireless, &error));
  g_assert_no_error (error);
  put_text_secret (fixture, OB_SECRET_OWNER_WIRELESS, wifi_name, OB_SECRET_KIND_PSK_PASSPHRASE,
                   psk);

  /* The REST API's password and JWT signing key. */
  put_text_secret (fixture, OB_SECRET_OWNER_API, "api", OB_SECRET_KIND_API_PASSWORD,
                   api_password);
  ob_random_bytes (jwt_key, sizeof jwt_key);
  {
    g_autoptr(GBytes) key = g_bytes_new (jwt_key, sizeof jwt_key);

    g_assert_true (ob_secret_store_store_sync (fixture->secrets, OB_SECRET_OWNER_API, "api",
                                               OB_SECRET_KIND_JWT_KEY, key, NULL, &error));
    g_assert_no_error (error);
    g_ptr_array_add (fixture->secret_values, g_bytes_ref (key));
  }

  /* The activity log of it all, and a control value that must be found. */
  g_assert_true (ob_store_log_activity (fixture->store, "admin", "add-device", lan_guid, NULL,
                                        OB_ACTIVITY_RESULT_SUCCESS,
                                        "CONTROL-VALUE-IN-DATABASE", &error));
  g_assert_true (ob_store_log_activity (fixture->store, "admin", "create-profile", NULL,
                                        profile_name, OB_ACTIVITY_RESULT_SUCCESS, NULL, &error));
  g_assert_no_error (error);

  /* The secrets really are in the keyring: the scan below is not vacuous. */
  {
    char *back = ob_secret_store_lookup_text_sync (fixture->secrets, OB_SECRET_OWNER_DEVICE,
                                                   lan_guid, OB_SECRET_KIND_AMT_PASSWORD,
                                                   NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (back, ==, amt_password);
    ob_secure_free_string (back);
  }

  /* Clean the keyring of this run's items. */
  ob_secret_store_clear_sync (fixture->secrets, OB_SECRET_OWNER_DEVICE, lan_guid, NULL, NULL, NULL);
  ob_secret_store_clear_sync (fixture->secrets, OB_SECRET_OWNER_DEVICE, cira_guid, NULL, NULL, NULL);
  ob_secret_store_clear_sync (fixture->secrets, OB_SECRET_OWNER_CIRA_CONFIG, cira_name, NULL, NULL, NULL);
  ob_secret_store_clear_sync (fixture->secrets, OB_SECRET_OWNER_PROFILE, profile_name, NULL, NULL, NULL);
  ob_secret_store_clear_sync (fixture->secrets, OB_SECRET_OWNER_DOMAIN, domain_name, NULL, NULL, NULL);
  ob_secret_store_clear_sync (fixture->secrets, OB_SECRET_OWNER_WIRELESS, wifi_name, NULL, NULL, NULL);
}

static gboolean
contains (const guint8 *haystack,
          gsize         haystack_len,
          const void   *needle,
          gsize         needle_len)
{
  return needle_len > 0 && memmem (haystack, haystack_len, needle, needle_len) != NULL;
}

/* Reads every regular file below @path into @files (path → GBytes). */
static void
collect_files (const char *path,
               GHashTable *files)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_get_contents (path, &contents, &len, NULL))
        g_hash_table_insert (files, g_strdup (path),
                             g_bytes_new_take (g_steal_pointer (&contents), len));
      return;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      collect_files (child, files);
    }
}

/* A secret counts as leaked in any of the forms code tends to write it. */
static const char *
find_leak (GBytes *file,
           GBytes *secret)
{
  gsize file_len, secret_len;
  const guint8 *file_data = g_bytes_get_data (file, &file_len);
  const guint8 *secret_data = g_bytes_get_data (secret, &secret_len);
  g_autofree char *b64 = g_base64_encode (secret_data, secret_len);
  g_autofree char *hex = ob_hex_encode (secret_data, secret_len, FALSE);
  g_autofree char *hex_upper = ob_hex_encode (secret_data, secret_len, TRUE);

  if (contains (file_data, file_len, secret_data, secret_len))
    return "raw";
  /* A base64 prefix long enough to be unique, which also catches PEM. */
  if (contains (file_data, file_len, b64, MIN (strlen (b64), 24)))
    return "base64";
  if (contains (file_data, file_len, hex, MIN (strlen (hex), 32)) ||
      contains (file_data, file_len, hex_upper, MIN (strlen (hex_upper), 32)))
    return "hex";

  return NULL;
}

static void
test_no_secret_on_disk (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) g_bytes_unref);
  g_autoptr(GBytes) control = g_bytes_new_static ("CONTROL-VALUE-IN-DATABASE", 25);
  GHashTableIter iter;
  const char *path;
  GBytes *contents;
  gboolean control_found = FALSE;
  guint n_files = 0;

  write_everything (fixture);

  /* Scan with the database still open (WAL and shared memory present) … */
  collect_files (fixture->data_dir, files);
  /* … and after closing it, when the WAL is checkpointed into the file. */
  g_clear_object (&fixture->store);
  {
    g_autoptr(GHashTable) after = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_bytes_unref);

    collect_files (fixture->data_dir, after);
    g_hash_table_iter_init (&iter, after);
    while (g_hash_table_iter_next (&iter, (gpointer *) &path, (gpointer *) &contents))
      g_hash_table_insert (files, g_strconcat (path, " (after close)", NULL),
                           g_bytes_ref (contents));
  }

  g_assert_cmpuint (fixture->secret_values->len, >=, 12);

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, (gpointer *) &path, (gpointer *) &contents))
    {
      n_files++;
      if (find_leak (contents, control) != NULL)
        control_found = TRUE;

      for (guint i = 0; i < fixture->secret_values->len; i++)
        {
          const char *how = find_leak (contents, g_ptr_array_index (fixture->secret_values, i));

          if (how != NULL)
            g_error ("Secret #%u found (%s) in %s", i, how, path);
        }
    }

  g_test_message ("Scanned %u files for %u secrets", n_files, fixture->secret_values->len);
  g_assert_cmpuint (n_files, >=, 3);   /* database (+WAL) and the two certificates */
  g_assert_true (control_found);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/no-secret-on-disk/memory-backend", Fixture, GINT_TO_POINTER (FALSE),
              fixture_setup, test_no_secret_on_disk, fixture_teardown);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    g_test_add ("/no-secret-on-disk/keyring", Fixture, GINT_TO_POINTER (TRUE),
                fixture_setup, test_no_secret_on_disk, fixture_teardown);
  else
    g_printerr ("No D-Bus session: the keyring case needs build-aux/test.\n");

  return g_test_run ();
}
