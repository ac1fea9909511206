/* test-device-registry.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ob-device-registry.h"
#include "ob-lan-stream-source.h"
#include "ob-secret-store-cache.h"
#include "ob-secret-store-memory.h"
#include "ob-sim-fleet.h"
#include "ob-wsman-error.h"

#define PASSWORD "Adm1n-P@ss"

/* ------------------------------------------------------------------ */
/* Fixture: a store in a temporary folder and a memory keyring          */
/* ------------------------------------------------------------------ */

typedef struct
{
  char             *dir;
  ObStore          *store;
  ObSecretStore    *secrets;
  ObDeviceRegistry *registry;
  /* A mirror of the model kept only from items-changed. */
  GPtrArray        *mirror;
  guint             n_changes;
} Fixture;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *fixture)
{
  g_assert_cmpuint (position + removed, <=, fixture->mirror->len);
  g_ptr_array_remove_range (fixture->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, position + i);

      g_assert_nonnull (item);
      g_ptr_array_insert (fixture->mirror, position + i, g_object_ref (item));
    }
  g_assert_cmpuint (fixture->mirror->len, ==, g_list_model_get_n_items (model));
  fixture->n_changes++;
}

/* The model is exactly what its signals said. */
static void
assert_mirror (Fixture *fixture)
{
  GListModel *model = G_LIST_MODEL (fixture->registry);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, fixture->mirror->len);
  for (guint i = 0; i < fixture->mirror->len; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      g_assert_true (item == g_ptr_array_index (fixture->mirror, i));
    }
  g_assert_null (g_list_model_get_item (model, fixture->mirror->len));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = g_dir_make_tmp ("ob-registry-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "outband.db", NULL);
  fixture->store = ob_store_new_for_path (path, &error);
  g_assert_no_error (error);
  fixture->secrets = ob_secret_store_memory_new ();
  fixture->registry = ob_device_registry_new (fixture->store, fixture->secrets);
  fixture->mirror = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (fixture->registry, "items-changed", G_CALLBACK (items_changed_cb), fixture);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gpointer weak = fixture->registry;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  g_ptr_array_unref (fixture->mirror);

  /* Worker threads drop their task (and its reference to the registry) a
   * moment after the main loop saw the result: wait for that, then the
   * registry must be gone. */
  g_object_add_weak_pointer (G_OBJECT (fixture->registry), &weak);
  g_object_unref (fixture->registry);
  while (weak != NULL && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_null (weak);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->store);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static void
load (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ob_device_registry_load_async (fixture->registry, NULL, result_cb, &result);
  g_assert_true (ob_device_registry_load_finish (fixture->registry, wait_for (&result), &error));
  g_assert_no_error (error);
}

static gboolean
remove_device (Fixture     *fixture,
               const char  *guid,
               GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_device_registry_remove_device_async (fixture->registry, guid, NULL, result_cb, &result);
  return ob_device_registry_remove_device_finish (fixture->registry, wait_for (&result), error);
}

static guint16
unused_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

/* A LAN device straight into the store and keyring, as an earlier run of
 * the app would have left it. */
static void
store_lan_device (Fixture    *fixture,
                  const char *guid,
                  const char *host,
                  guint       port,
                  const char *friendly_name,
                  const char *password)
{
  g_autoptr(ObDeviceRecord) record = ob_device_record_new (guid);
  g_autoptr(GError) error = NULL;

  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_LAN);
  ob_device_record_set_host (record, host);
  ob_device_record_set_hostname (record, host);
  ob_device_record_set_port (record, port);
  ob_device_record_set_use_tls (record, FALSE);
  ob_device_record_set_friendly_name (record, friendly_name);
  ob_device_record_set_amt_username (record, "admin");
  g_assert_true (ob_store_insert_device (fixture->store, record, &error));
  g_assert_no_error (error);

  if (password != NULL)
    {
      g_assert_true (ob_secret_store_store_text_sync (fixture->secrets, OB_SECRET_OWNER_DEVICE,
                                                      guid, OB_SECRET_KIND_AMT_PASSWORD,
                                                      password, NULL, &error));
      g_assert_no_error (error);
    }
}

static guint
n_secrets (Fixture *fixture)
{
  return ob_secret_store_memory_get_n_secrets (OB_SECRET_STORE_MEMORY (fixture->secrets));
}

static guint
n_stored_devices (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = ob_store_list_devices (fixture->store, NULL, NULL, &error);

  g_assert_no_error (error);
  return devices->len;
}

#define GUID_A "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define GUID_B "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
#define GUID_C "2c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f"
#define GUID_D "3d4e5f6a-7b8c-4d9e-9f0a-2b3c4d5e6f7a"

/* ------------------------------------------------------------------ */
/* Tests without a device on the other end                              */
/* ------------------------------------------------------------------ */

static void
test_empty (Fixture       *fixture,
            gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->registry);

  g_assert_true (g_list_model_get_item_type (model) == OB_TYPE_DEVICE);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_false (ob_device_registry_get_loaded (fixture->registry));
  g_assert_true (ob_device_registry_get_store (fixture->registry) == fixture->store);
  g_assert_true (ob_device_registry_get_secrets (fixture->registry) == fixture->secrets);
  g_assert_cmpuint (ob_device_registry_get_poll_interval (fixture->registry), ==,
                    OB_DEVICE_REGISTRY_DEFAULT_POLL_INTERVAL);

  load (fixture);
  g_assert_true (ob_device_registry_get_loaded (fixture->registry));
  g_assert_cmpuint (fixture->n_changes, ==, 0);
  assert_mirror (fixture);
}

static void
test_load (Fixture       *fixture,
           gconstpointer  data)
{
  ObDevice *a;
  ObDevice *b;

  store_lan_device (fixture, GUID_A, "192.0.2.21", 16992, "Alpha", PASSWORD);
  store_lan_device (fixture, GUID_B, "192.0.2.22", 16992, NULL, PASSWORD);
  /* No password in the keyring: still listed. */
  store_lan_device (fixture, GUID_C, "192.0.2.23", 16992, "Gamma", NULL);

  load (fixture);
  g_assert_cmpuint (fixture->n_changes, ==, 1);
  assert_mirror (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->registry)), ==, 3);

  a = ob_device_registry_lookup (fixture->registry, GUID_A);
  b = ob_device_registry_lookup (fixture->registry, GUID_B);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_nonnull (ob_device_registry_lookup (fixture->registry, GUID_C));
  g_assert_null (ob_device_registry_lookup (fixture->registry, GUID_D));
  g_assert_null (ob_device_registry_lookup (fixture->registry, NULL));
  /* Any case. */
  {
    g_autofree char *upper = g_ascii_strup (GUID_A, -1);

    g_assert_true (ob_device_registry_lookup (fixture->registry, upper) == a);
  }

  g_assert_cmpstr (ob_device_get_name (a), ==, "Alpha");
  g_assert_cmpstr (ob_device_get_name (b), ==, "192.0.2.22");
  g_assert_cmpint (ob_device_get_transport (a), ==, OB_DEVICE_TRANSPORT_LAN);
  g_assert_nonnull (ob_device_get_wsman_client (a));
}

/* At start the registry asks the keyring for each device's password; with
 * the cache in front (as the app has it) that is one bulk read however
 * many devices there are, and a second start in the same process reads
 * nothing from the keyring at all. */
static void
test_load_through_cache (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const device_secrets[] = { OB_SECRET_OWNER_DEVICE, NULL };
  g_autoptr(ObSecretStore) cache = ob_secret_store_cache_new (fixture->secrets, device_secrets);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRegistry) second = NULL;

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *guid = g_strdup_printf ("6a1b2c3d-4e5f-4a6b-8c7d-%012u", i);
      g_autofree char *host = g_strdup_printf ("192.0.2.%u", 100 + i);
      g_autofree char *password = g_strdup_printf ("Amt#Pass-%u", i);

      store_lan_device (fixture, guid, host, 16992, NULL, password);
    }

  for (guint round = 0; round < 2; round++)
    {
      g_clear_object (&second);
      g_clear_object (&result);
      second = ob_device_registry_new (fixture->store, cache);
      ob_device_registry_load_async (second, NULL, result_cb, &result);
      g_assert_true (ob_device_registry_load_finish (second, wait_for (&result), &error));
      g_assert_no_error (error);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (second)), ==, 40);
      for (guint i = 0; i < 40; i++)
        {
          g_autofree char *guid = g_strdup_printf ("6a1b2c3d-4e5f-4a6b-8c7d-%012u", i);
          g_autofree char *password = g_strdup_printf ("Amt#Pass-%u", i);
          ObDevice *device = ob_device_registry_lookup (second, guid);

          g_assert_nonnull (device);
          g_assert_cmpstr (ob_device_get_password (device), ==, password);
        }
      g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (OB_SECRET_STORE_CACHE (cache)), ==, 1);
      /* The second start finds everything in memory. */
      ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (fixture->secrets), TRUE);
    }
  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (fixture->secrets), FALSE);
}

static void
test_reload (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  ObDevice *a;
  ObDevice *b;

  store_lan_device (fixture, GUID_A, "192.0.2.21", 16992, "Alpha", PASSWORD);
  store_lan_device (fixture, GUID_B, "192.0.2.22", 16992, "Beta", PASSWORD);
  store_lan_device (fixture, GUID_C, "192.0.2.23", 16992, "Gamma", PASSWORD);
  load (fixture);
  a = ob_device_registry_lookup (fixture->registry, GUID_A);

  /* Behind the registry's back: B goes, D comes, A is renamed. */
  g_assert_true (ob_store_delete_device (fixture->store, GUID_B, &error));
  store_lan_device (fixture, GUID_D, "192.0.2.24", 16992, "Delta", PASSWORD);
  record = ob_store_get_device (fixture->store, GUID_A, &error);
  g_assert_no_error (error);
  ob_device_record_set_friendly_name (record, "Alpha prime");
  g_assert_true (ob_store_update_device (fixture->store, record, &error));

  load (fixture);
  assert_mirror (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->registry)), ==, 3);
  /* The objects the UI holds stay the same. */
  g_assert_true (ob_device_registry_lookup (fixture->registry, GUID_A) == a);
  g_assert_cmpstr (ob_device_get_name (a), ==, "Alpha prime");
  b = ob_device_registry_lookup (fixture->registry, GUID_B);
  g_assert_null (b);
  g_assert_nonnull (ob_device_registry_lookup (fixture->registry, GUID_D));
}

static void
test_remove (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) gone = NULL;
  g_autoptr(GBytes) secret = NULL;

  store_lan_device (fixture, GUID_A, "192.0.2.21", 16992, "Alpha", PASSWORD);
  store_lan_device (fixture, GUID_B, "192.0.2.22", 16992, "Beta", PASSWORD);
  store_lan_device (fixture, GUID_C, "192.0.2.23", 16992, "Gamma", PASSWORD);
  /* Another kind of secret of B: removal clears every one. */
  g_assert_true (ob_secret_store_store_text_sync (fixture->secrets, OB_SECRET_OWNER_DEVICE,
                                                  GUID_B, OB_SECRET_KIND_MEBX_PASSWORD,
                                                  "mebx", NULL, &error));
  load (fixture);
  g_assert_cmpuint (n_secrets (fixture), ==, 4);

  /* The middle one: items-changed (1, 1, 0). */
  g_assert_true (remove_device (fixture, GUID_B, &error));
  g_assert_no_error (error);
  assert_mirror (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->registry)), ==, 2);
  g_assert_null (ob_device_registry_lookup (fixture->registry, GUID_B));
  gone = ob_store_get_device (fixture->store, GUID_B, &error);
  g_assert_null (gone);
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  secret = ob_secret_store_lookup_sync (fixture->secrets, OB_SECRET_OWNER_DEVICE, GUID_B,
                                        OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (secret);
  g_assert_cmpuint (n_secrets (fixture), ==, 2);

  /* Upper case works too; then the last one. */
  {
    g_autofree char *upper = g_ascii_strup (GUID_C, -1);

    g_assert_true (remove_device (fixture, upper, &error));
    g_assert_no_error (error);
  }
  assert_mirror (fixture);
  g_assert_true (remove_device (fixture, GUID_A, &error));
  assert_mirror (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->registry)), ==, 0);
  g_assert_cmpuint (n_stored_devices (fixture), ==, 0);
  g_assert_cmpuint (n_secrets (fixture), ==, 0);

  /* Unknown. */
  g_assert_false (remove_device (fixture, GUID_D, &error));
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (remove_device (fixture, "", &error));
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  guint *n = user_data;

  (*n)++;
}

static void
test_update (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObDeviceRecord) stale = NULL;
  g_autoptr(ObDeviceRecord) stored = NULL;
  g_autoptr(ObDeviceRecord) unknown = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autofree char *password = NULL;
  const char * const tags[] = { "lab", NULL };
  ObDevice *a;
  guint n_name = 0;

  store_lan_device (fixture, GUID_A, "192.0.2.21", 16992, "Alpha", PASSWORD);
  load (fixture);
  a = ob_device_registry_lookup (fixture->registry, GUID_A);
  g_signal_connect (a, "notify::name", G_CALLBACK (count_cb), &n_name);

  record = ob_device_dup_record (a);
  stale = ob_device_dup_record (a);
  ob_device_record_set_friendly_name (record, "Front desk");
  ob_device_record_set_tags (record, tags);
  ob_device_registry_update_device_async (fixture->registry, record, "N3w-P@ss", NULL,
                                          result_cb, &r1);
  g_assert_true (ob_device_registry_update_device_finish (fixture->registry, wait_for (&r1),
                                                          &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ob_device_get_name (a), ==, "Front desk");
  g_assert_cmpuint (n_name, ==, 1);
  g_assert_true (g_strv_equal (ob_device_get_tags (a), tags));

  stored = ob_store_get_device (fixture->store, GUID_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_device_record_get_friendly_name (stored), ==, "Front desk");
  password = ob_secret_store_lookup_text_sync (fixture->secrets, OB_SECRET_OWNER_DEVICE, GUID_A,
                                               OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_cmpstr (password, ==, "N3w-P@ss");

  /* A record read before that update is stale. */
  ob_device_record_set_friendly_name (stale, "Lost edit");
  ob_device_registry_update_device_async (fixture->registry, stale, NULL, NULL, result_cb, &r2);
  g_assert_false (ob_device_registry_update_device_finish (fixture->registry, wait_for (&r2),
                                                           &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_cmpstr (ob_device_get_name (a), ==, "Front desk");

  unknown = ob_device_record_new (GUID_D);
  ob_device_registry_update_device_async (fixture->registry, unknown, NULL, NULL, result_cb, &r3);
  g_assert_false (ob_device_registry_update_device_finish (fixture->registry, wait_for (&r3),
                                                           &error));
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_FOUND);
  assert_mirror (fixture);
  g_signal_handlers_disconnect_by_func (a, count_cb, &n_name);
}

static ObDevice *
add_lan (Fixture             *fixture,
         const char          *host,
         guint                port,
         gboolean             use_tls,
         const char          *pin,
         const char          *password,
         GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  const char * const tags[] = { "new", NULL };

  ob_device_registry_add_lan_device_async (fixture->registry, host, port, use_tls, pin, FALSE,
                                           "New device", tags, NULL, password, NULL,
                                           result_cb, &result);
  return ob_device_registry_add_lan_device_finish (fixture->registry, wait_for (&result),
                                                   error);
}

static void
test_add_refused (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDevice) device = NULL;

  load (fixture);

  device = add_lan (fixture, "127.0.0.1", unused_port (), FALSE, NULL, PASSWORD, &error);
  g_assert_null (device);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpuint (n_stored_devices (fixture), ==, 0);
  g_assert_cmpuint (n_secrets (fixture), ==, 0);
  g_assert_cmpuint (fixture->n_changes, ==, 0);
}

static void
test_add_bad_arguments (Fixture       *fixture,
                        gconstpointer  data)
{
  struct {
    const char *host;
    gboolean    use_tls;
    const char *pin;
    const char *password;
    GQuark      domain;
    int         code;
  } cases[] = {
    { "", FALSE, NULL, PASSWORD, 0, OB_DEVICE_ERROR_INVALID_ARGUMENT },
    { "   ", FALSE, NULL, PASSWORD, 0, OB_DEVICE_ERROR_INVALID_ARGUMENT },
    { NULL, FALSE, NULL, PASSWORD, 0, OB_DEVICE_ERROR_INVALID_ARGUMENT },
    { "192.0.2.30", FALSE, NULL, "", 0, OB_DEVICE_ERROR_INVALID_ARGUMENT },
    { "192.0.2.30", FALSE, NULL, NULL, 0, OB_DEVICE_ERROR_INVALID_ARGUMENT },
    { "192.0.2.30", TRUE, NULL, PASSWORD, 0, OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED },
    { "192.0.2.30", TRUE, "12:34", PASSWORD, 0, OB_DEVICE_ERROR_INVALID_ARGUMENT },
  };

  load (fixture);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObDevice) device = add_lan (fixture, cases[i].host, 0, cases[i].use_tls,
                                            cases[i].pin, cases[i].password, &error);

      g_assert_null (device);
      g_assert_error (error, OB_DEVICE_ERROR, cases[i].code);
    }

  g_assert_cmpuint (n_stored_devices (fixture), ==, 0);
  g_assert_cmpuint (n_secrets (fixture), ==, 0);
  g_assert_cmpuint (fixture->n_changes, ==, 0);
}

static void
test_add_duplicate_host (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDevice) device = NULL;

  store_lan_device (fixture, GUID_A, "192.0.2.21", 16992, "Alpha", PASSWORD);
  load (fixture);

  /* Same host and port as Alpha: refused before any connection. */
  device = add_lan (fixture, "192.0.2.21", 16992, FALSE, NULL, PASSWORD, &error);
  g_assert_null (device);
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_DUPLICATE);
  g_assert_nonnull (strstr (error->message, "Alpha"));
  g_assert_cmpuint (n_stored_devices (fixture), ==, 1);
}

static void
test_test_connection_refused (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *version = NULL;
  g_autofree char *guid = NULL;

  ob_device_registry_test_connection_async (fixture->registry, "127.0.0.1", unused_port (),
                                            FALSE, NULL, FALSE, "admin", PASSWORD, NULL,
                                            result_cb, &result);
  g_assert_false (ob_device_registry_test_connection_finish (fixture->registry,
                                                             wait_for (&result),
                                                             &version, &guid, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (version);
  g_assert_null (guid);
  g_assert_cmpuint (n_stored_devices (fixture), ==, 0);
}

/* Polling: six devices on dead ports.  Every device is refreshed, never
 * more than four at once, each at most once per interval; stopping stops
 * it. */
typedef struct
{
  guint n_busy_now;
  guint max_busy;
  guint n_refreshes;
} PollWatch;

static void
busy_changed_cb (ObDevice   *device,
                 GParamSpec *pspec,
                 PollWatch  *watch)
{
  if (ob_device_get_busy (device))
    {
      watch->n_busy_now++;
      watch->n_refreshes++;
      watch->max_busy = MAX (watch->max_busy, watch->n_busy_now);
    }
  else
    watch->n_busy_now--;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_polling (Fixture       *fixture,
              gconstpointer  data)
{
  PollWatch watch = { 0 };
  const char *guids[] = {
    GUID_A, GUID_B, GUID_C, GUID_D,
    "4e5f6a7b-8c9d-4e0f-8a1b-3c4d5e6f7a8b",
    "5f6a7b8c-9d0e-4f1a-9b2c-4d5e6f7a8b9c",
  };
  guint n_after_stop;

  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    {
      g_autofree char *name = g_strdup_printf ("Dead %u", i);

      store_lan_device (fixture, guids[i], "127.0.0.1", unused_port (), name, PASSWORD);
    }
  load (fixture);

  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    g_signal_connect (ob_device_registry_lookup (fixture->registry, guids[i]), "notify::busy",
                      G_CALLBACK (busy_changed_cb), &watch);

  ob_device_registry_set_poll_interval (fixture->registry, 1);
  g_assert_false (ob_device_registry_get_polling (fixture->registry));
  ob_device_registry_start_polling (fixture->registry);
  g_assert_true (ob_device_registry_get_polling (fixture->registry));
  /* The first four start at once. */
  g_assert_cmpuint (watch.n_busy_now, ==, OB_DEVICE_REGISTRY_MAX_CONCURRENT_REFRESHES);

  run_for (2500);
  /* Each device about twice or three times in 2.5 s at a 1 s interval,
   * never faster. */
  g_assert_cmpuint (watch.max_busy, <=, OB_DEVICE_REGISTRY_MAX_CONCURRENT_REFRESHES);
  g_assert_cmpuint (watch.n_refreshes, >=, 2 * G_N_ELEMENTS (guids));
  g_assert_cmpuint (watch.n_refreshes, <=, 3 * G_N_ELEMENTS (guids));
  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    g_assert_cmpint (ob_device_get_reachability (ob_device_registry_lookup (fixture->registry,
                                                                              guids[i])),
                     ==, OB_DEVICE_REACHABILITY_UNREACHABLE);

  ob_device_registry_stop_polling (fixture->registry);
  g_assert_false (ob_device_registry_get_polling (fixture->registry));
  while (watch.n_busy_now > 0)
    g_main_context_iteration (NULL, TRUE);
  n_after_stop = watch.n_refreshes;
  run_for (1500);
  g_assert_cmpuint (watch.n_refreshes, ==, n_after_stop);

  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    g_signal_handlers_disconnect_by_func (ob_device_registry_lookup (fixture->registry, guids[i]),
                                          busy_changed_cb, &watch);
}

static void
test_refresh_all (Fixture       *fixture,
                  gconstpointer  data)
{
  PollWatch watch = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *guids[] = {
    GUID_A, GUID_B, GUID_C, GUID_D,
    "4e5f6a7b-8c9d-4e0f-8a1b-3c4d5e6f7a8b",
  };

  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    store_lan_device (fixture, guids[i], "127.0.0.1", unused_port (), NULL, PASSWORD);
  load (fixture);
  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    g_signal_connect (ob_device_registry_lookup (fixture->registry, guids[i]), "notify::busy",
                      G_CALLBACK (busy_changed_cb), &watch);

  ob_device_registry_refresh_all_async (fixture->registry, NULL, result_cb, &result);
  g_assert_true (ob_device_registry_refresh_all_finish (fixture->registry, wait_for (&result),
                                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (watch.n_refreshes, ==, G_N_ELEMENTS (guids));
  g_assert_cmpuint (watch.max_busy, <=, OB_DEVICE_REGISTRY_MAX_CONCURRENT_REFRESHES);
  g_assert_cmpuint (watch.n_busy_now, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    {
      ObDevice *device = ob_device_registry_lookup (fixture->registry, guids[i]);

      g_assert_cmpint (ob_device_get_reachability (device), ==,
                       OB_DEVICE_REACHABILITY_UNREACHABLE);
      g_signal_handlers_disconnect_by_func (device, busy_changed_cb, &watch);
    }
}

static void
test_connection_status_follows (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ObDevice *a;
  gboolean stored_connected = TRUE;

  store_lan_device (fixture, GUID_A, "127.0.0.1", unused_port (), NULL, PASSWORD);
  g_assert_true (ob_store_set_device_connection (fixture->store, GUID_A, TRUE, NULL, NULL,
                                                 &error));
  load (fixture);
  a = ob_device_registry_lookup (fixture->registry, GUID_A);

  ob_device_refresh_async (a, NULL, result_cb, &result);
  g_assert_false (ob_device_refresh_finish (a, wait_for (&result), &error));
  g_clear_error (&error);

  /* The store's connection status follows, written from a worker. */
  for (guint i = 0; i < 200 && stored_connected; i++)
    {
      g_autoptr(ObDeviceRecord) record = ob_store_get_device (fixture->store, GUID_A, &error);

      g_assert_no_error (error);
      stored_connected = ob_device_record_get_connection_status (record);
      if (stored_connected)
        run_for (10);
    }
  g_assert_false (stored_connected);
}

/* ------------------------------------------------------------------ */
/* The connected count (devices/stats)                                  */
/* ------------------------------------------------------------------ */

/* What the registry keeps must be what counting the model says, less the
 * devices being removed. */
static void
assert_connected (Fixture *fixture,
                  guint    expected)
{
  GListModel *model = G_LIST_MODEL (fixture->registry);
  guint counted = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ObDevice) device = g_list_model_get_item (model, i);

      if (ob_device_is_connected (device))
        counted++;
    }
  g_assert_cmpuint (ob_device_registry_get_n_connected (fixture->registry), ==, expected);
  g_assert_cmpuint (counted, >=, expected);
}

static void
store_cira_device (Fixture    *fixture,
                   const char *guid)
{
  g_autoptr(ObDeviceRecord) record = ob_device_record_new (guid);
  g_autoptr(GError) error = NULL;

  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  ob_device_record_set_mps_username (record, "cira");
  g_assert_true (ob_store_insert_device (fixture->store, record, &error));
  g_assert_no_error (error);
}

static ObDevice *
attach (Fixture        *fixture,
        const char     *guid,
        ObStreamSource *transport)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = ob_store_get_device (fixture->store, guid, &error);

  g_assert_no_error (error);
  return ob_device_registry_attach_cira_device (fixture->registry, record, PASSWORD, transport);
}

static void
test_connected_count (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(ObStreamSource) t1 = OB_STREAM_SOURCE (ob_lan_stream_source_new ("192.0.2.1"));
  g_autoptr(ObStreamSource) t2 = OB_STREAM_SOURCE (ob_lan_stream_source_new ("192.0.2.2"));
  g_autoptr(ObStreamSource) t3 = OB_STREAM_SOURCE (ob_lan_stream_source_new ("192.0.2.3"));
  g_autoptr(GError) unreachable = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                                                       "refused");
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(ObDeviceRecord) record_d = NULL;
  ObDevice *a, *c, *d;

  store_lan_device (fixture, GUID_A, "192.0.2.21", 16992, "Alpha", PASSWORD);
  store_lan_device (fixture, GUID_B, "192.0.2.22", 16992, "Beta", PASSWORD);
  store_cira_device (fixture, GUID_C);
  load (fixture);
  a = ob_device_registry_lookup (fixture->registry, GUID_A);
  c = ob_device_registry_lookup (fixture->registry, GUID_C);
  assert_connected (fixture, 0);

  /* LAN: reachable counts, unreachable does not, whatever the order. */
  ob_device_report_result (a, NULL);
  assert_connected (fixture, 1);
  ob_device_report_result (a, NULL);
  assert_connected (fixture, 1);
  ob_device_report_result (a, unreachable);
  assert_connected (fixture, 0);
  ob_device_report_result (a, NULL);
  assert_connected (fixture, 1);

  /* CIRA: the session attached counts; reachability does not matter. */
  g_assert_true (attach (fixture, GUID_C, t1) == c);
  assert_connected (fixture, 2);
  ob_device_report_result (c, unreachable);
  assert_connected (fixture, 2);
  /* A reconnect replaces the session: still one; the old session's end
   * changes nothing; the new one's does. */
  attach (fixture, GUID_C, t2);
  assert_connected (fixture, 2);
  g_assert_false (ob_device_registry_detach_cira_device (fixture->registry, GUID_C, t1, NULL));
  assert_connected (fixture, 2);
  g_assert_true (ob_device_registry_detach_cira_device (fixture->registry, GUID_C, t2, NULL));
  assert_connected (fixture, 1);
  g_assert_false (ob_device_registry_detach_cira_device (fixture->registry, GUID_C, t2, NULL));
  assert_connected (fixture, 1);

  /* A CIRA device registered after the load joins when it connects. */
  store_cira_device (fixture, GUID_D);
  g_assert_null (ob_device_registry_lookup (fixture->registry, GUID_D));
  d = attach (fixture, GUID_D, t3);
  g_assert_nonnull (d);
  assert_connected (fixture, 2);
  attach (fixture, GUID_C, t1);
  assert_connected (fixture, 3);
  g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 4);

  /* Deleted while connected: it stops counting when the removal starts
   * (its row may go before the model catches up), a reconnect meanwhile
   * does not count it again, and afterwards it is gone from both counts. */
  record_d = ob_store_get_device (fixture->store, GUID_D, &error);
  g_assert_no_error (error);
  ob_device_registry_remove_device_async (fixture->registry, GUID_D, NULL, result_cb, &r1);
  assert_connected (fixture, 2);
  g_assert_true (ob_device_registry_detach_cira_device (fixture->registry, GUID_D, t3, NULL));
  ob_device_registry_attach_cira_device (fixture->registry, record_d, PASSWORD, t2);
  assert_connected (fixture, 2);
  g_assert_true (ob_device_registry_remove_device_finish (fixture->registry, wait_for (&r1),
                                                          &error));
  g_assert_no_error (error);
  g_assert_null (ob_device_registry_lookup (fixture->registry, GUID_D));
  assert_connected (fixture, 2);
  g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 3);
  /* Its session ending later is none of the registry's business. */
  g_assert_false (ob_device_registry_detach_cira_device (fixture->registry, GUID_D, t2, NULL));
  assert_connected (fixture, 2);

  /* Its row gone behind the registry's back (deprovisioning), then the
   * registry told: the device goes and stops counting. */
  g_assert_true (ob_store_delete_device (fixture->store, GUID_C, &error));
  g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 2);
  ob_device_registry_remove_device_async (fixture->registry, GUID_C, NULL, result_cb, &r2);
  assert_connected (fixture, 1);
  g_assert_true (ob_device_registry_remove_device_finish (fixture->registry, wait_for (&r2),
                                                          &error));
  assert_connected (fixture, 1);

  /* A connected LAN device removed: the same. */
  g_assert_true (remove_device (fixture, GUID_A, &error));
  assert_connected (fixture, 0);
  g_assert_cmpuint (ob_store_get_n_devices (fixture->store), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->registry)), ==, 1);

  /* A reload keeps the count right for the devices it keeps and adds. */
  store_cira_device (fixture, GUID_C);
  load (fixture);
  assert_connected (fixture, 0);
  attach (fixture, GUID_C, t1);
  assert_connected (fixture, 1);
  ob_device_report_result (ob_device_registry_lookup (fixture->registry, GUID_B), NULL);
  assert_connected (fixture, 2);
  load (fixture);
  assert_connected (fixture, 2);
}

/* ------------------------------------------------------------------ */
/* Against the simulator                                                */
/* ------------------------------------------------------------------ */

static ObSimDevice *
add_sim (ObSimFleet *fleet)
{
  g_autoptr(GError) error = NULL;
  ObSimDevice *sim = ob_sim_fleet_add_device (fleet, "127.0.0.1", 0, OB_SIM_PORT_ANY,
                                              PASSWORD, &error);

  g_assert_no_error (error);
  return sim;
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return FALSE;

  return memmem (contents, len, needle, strlen (needle)) != NULL;
}

static void
test_sim_add (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  ObSimDevice *sim = add_sim (fleet);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(ObDeviceRecord) stored = NULL;
  g_autofree char *password = NULL;
  g_autofree char *guid = g_ascii_strdown (ob_sim_device_get_guid (sim), -1);
  const char *suffixes[] = { "", "-wal", "-journal" };
  gboolean found_guid = FALSE;

  load (fixture);
  device = add_lan (fixture, "127.0.0.1", ob_sim_device_get_http_port (sim), FALSE, NULL,
                    PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_nonnull (device);

  /* The GUID came from the device. */
  g_assert_cmpstr (ob_device_get_guid (device), ==, guid);
  g_assert_true (ob_device_registry_lookup (fixture->registry, guid) == device);
  g_assert_cmpuint (fixture->n_changes, ==, 1);
  assert_mirror (fixture);
  g_assert_cmpstr (ob_device_get_name (device), ==, "New device");

  /* It was refreshed while being added. */
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_REACHABLE);
  g_assert_cmpstr (ob_device_get_amt_version (device), ==, ob_sim_device_get_amt_version (sim));
  g_assert_cmpuint (ob_device_get_power_state (device), ==, ob_sim_device_get_power_state (sim));

  /* Stored with its device info, but never the password ... */
  stored = ob_store_get_device (fixture->store, guid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ob_device_record_get_transport (stored), ==, OB_DEVICE_TRANSPORT_LAN);
  g_assert_cmpstr (ob_device_record_get_host (stored), ==, "127.0.0.1");
  g_assert_cmpuint (ob_device_record_get_port (stored), ==, ob_sim_device_get_http_port (sim));
  g_assert_cmpstr (ob_device_record_get_friendly_name (stored), ==, "New device");
  g_assert_cmpstr (ob_device_record_get_amt_username (stored), ==, "admin");
  g_assert_cmpstr (ob_device_record_get_fw_version (stored), ==,
                   ob_sim_device_get_amt_version (sim));
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s%s", ob_store_get_path (fixture->store),
                                               suffixes[i]);

      g_assert_false (file_contains (path, PASSWORD));
      /* The files are readable and hold the device: the check above
       * looked at real data. */
      found_guid = found_guid || file_contains (path, guid);
    }
  g_assert_true (found_guid);

  /* ... which is in the keyring under the device's GUID. */
  password = ob_secret_store_lookup_text_sync (fixture->secrets, OB_SECRET_OWNER_DEVICE, guid,
                                               OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, PASSWORD);
  g_assert_cmpuint (n_secrets (fixture), ==, 1);
}

static void
test_sim_add_wrong_password (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  ObSimDevice *sim = add_sim (fleet);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDevice) device = NULL;

  load (fixture);
  device = add_lan (fixture, "127.0.0.1", ob_sim_device_get_http_port (sim), FALSE, NULL,
                    "wrong", &error);
  g_assert_null (device);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
  g_assert_cmpuint (n_stored_devices (fixture), ==, 0);
  g_assert_cmpuint (n_secrets (fixture), ==, 0);
  g_assert_cmpuint (fixture->n_changes, ==, 0);
}

static void
test_sim_add_tls (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  ObSimDevice *sim = add_sim (fleet);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ObDevice) wrong = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(ObDeviceRecord) stored = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *display = NULL;
  guint port = ob_sim_device_get_tls_port (sim);

  load (fixture);

  /* The add dialog's order: probe, the admin confirms, add with the pin. */
  ob_lan_stream_source_probe_certificate_async ("127.0.0.1", port, 5, NULL, result_cb, &result);
  g_assert_true (ob_lan_stream_source_probe_certificate_finish (wait_for (&result), &fingerprint,
                                                                &display, NULL, NULL, &error));
  g_assert_no_error (error);

  wrong = add_lan (fixture, "127.0.0.1", port, TRUE,
                   "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100",
                   PASSWORD, &error);
  g_assert_null (wrong);
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_MISMATCH);
  g_clear_error (&error);
  g_assert_cmpuint (n_stored_devices (fixture), ==, 0);

  device = add_lan (fixture, "127.0.0.1", port, TRUE, display, PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (ob_device_get_use_tls (device));
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_REACHABLE);

  stored = ob_store_get_device (fixture->store, ob_device_get_guid (device), &error);
  g_assert_no_error (error);
  g_assert_true (ob_device_record_get_use_tls (stored));
  g_assert_cmpstr (ob_device_record_get_pinned_fingerprint (stored), ==, fingerprint);
}

static void
test_sim_add_duplicate_guid (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  ObSimDevice *sim = add_sim (fleet);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDevice) first = NULL;
  g_autoptr(ObDevice) second = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  load (fixture);
  first = add_lan (fixture, "127.0.0.1", ob_sim_device_get_http_port (sim), FALSE, NULL,
                   PASSWORD, &error);
  g_assert_no_error (error);

  /* The same device through its TLS port: another address, same GUID. */
  ob_lan_stream_source_probe_certificate_async ("127.0.0.1", ob_sim_device_get_tls_port (sim), 5,
                                                NULL, result_cb, &result);
  g_assert_true (ob_lan_stream_source_probe_certificate_finish (wait_for (&result), &fingerprint,
                                                                NULL, NULL, NULL, &error));
  second = add_lan (fixture, "127.0.0.1", ob_sim_device_get_tls_port (sim), TRUE, fingerprint,
                    PASSWORD, &error);
  g_assert_null (second);
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_DUPLICATE);
  g_assert_cmpuint (n_stored_devices (fixture), ==, 1);
  g_assert_cmpuint (n_secrets (fixture), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->registry)), ==, 1);
}

static void
test_sim_test_connection (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  ObSimDevice *sim = add_sim (fleet);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autofree char *version = NULL;
  g_autofree char *guid = NULL;
  g_autofree char *expected = g_ascii_strdown (ob_sim_device_get_guid (sim), -1);

  ob_device_registry_test_connection_async (fixture->registry, "127.0.0.1",
                                            ob_sim_device_get_http_port (sim), FALSE, NULL,
                                            FALSE, NULL, PASSWORD, NULL, result_cb, &result);
  g_assert_true (ob_device_registry_test_connection_finish (fixture->registry,
                                                            wait_for (&result),
                                                            &version, &guid, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (version, ==, ob_sim_device_get_amt_version (sim));
  g_assert_cmpstr (guid, ==, expected);
  /* Nothing stored. */
  g_assert_cmpuint (n_stored_devices (fixture), ==, 0);
  g_assert_cmpuint (n_secrets (fixture), ==, 0);
  g_assert_cmpuint (fixture->n_changes, ==, 0);

  ob_device_registry_test_connection_async (fixture->registry, "127.0.0.1",
                                            ob_sim_device_get_http_port (sim), FALSE, NULL,
                                            FALSE, NULL, "wrong", NULL, result_cb, &result2);
  g_assert_false (ob_device_registry_test_connection_finish (fixture->registry,
                                                             wait_for (&result2),
                                                             NULL, NULL, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
}

static void
test_sim_restart (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  ObSimDevice *sim = add_sim (fleet);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(ObDeviceRegistry) second = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) refreshed = NULL;
  ObDevice *again;

  load (fixture);
  device = add_lan (fixture, "127.0.0.1", ob_sim_device_get_http_port (sim), FALSE, NULL,
                    PASSWORD, &error);
  g_assert_no_error (error);

  /* The next start of the app: a new registry over the same store and
   * keyring finds the device and its password. */
  second = ob_device_registry_new (fixture->store, fixture->secrets);
  ob_device_registry_load_async (second, NULL, result_cb, &result);
  g_assert_true (ob_device_registry_load_finish (second, wait_for (&result), &error));
  again = ob_device_registry_lookup (second, ob_device_get_guid (device));
  g_assert_nonnull (again);
  g_assert_true (again != device);
  g_assert_cmpstr (ob_device_get_name (again), ==, "New device");

  ob_device_refresh_async (again, NULL, result_cb, &refreshed);
  g_assert_true (ob_device_refresh_finish (again, wait_for (&refreshed), &error));
  g_assert_no_error (error);
  g_assert_cmpint (ob_device_get_reachability (again), ==, OB_DEVICE_REACHABILITY_REACHABLE);
}

static void
test_sim_remove (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  ObSimDevice *sim = add_sim (fleet);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autofree char *guid = NULL;

  load (fixture);
  device = add_lan (fixture, "127.0.0.1", ob_sim_device_get_http_port (sim), FALSE, NULL,
                    PASSWORD, &error);
  g_assert_no_error (error);
  guid = g_strdup (ob_device_get_guid (device));
  g_assert_cmpuint (n_secrets (fixture), ==, 1);

  g_assert_true (remove_device (fixture, guid, &error));
  g_assert_no_error (error);
  assert_mirror (fixture);
  g_assert_null (ob_device_registry_lookup (fixture->registry, guid));
  g_assert_cmpuint (n_stored_devices (fixture), ==, 0);
  g_assert_cmpuint (n_secrets (fixture), ==, 0);
}

static void
test_sim_polling (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  ObSimDevice *sims[3];
  ObDevice *devices[3];
  gint64 deadline;

  for (guint i = 0; i < G_N_ELEMENTS (sims); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObDevice) device = NULL;

      sims[i] = add_sim (fleet);
      device = add_lan (fixture, "127.0.0.1", ob_sim_device_get_http_port (sims[i]), FALSE,
                        NULL, PASSWORD, &error);
      g_assert_no_error (error);
      devices[i] = device;
    }
  assert_mirror (fixture);

  ob_device_registry_set_poll_interval (fixture->registry, 1);
  ob_device_registry_start_polling (fixture->registry);

  /* The devices change on their own; the poll notices within about an
   * interval. */
  for (guint i = 0; i < G_N_ELEMENTS (sims); i++)
    ob_sim_device_set_power_state (sims[i], OB_SIM_POWER_OFF_SOFT);

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  for (;;)
    {
      guint n_off = 0;

      for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
        if (ob_device_get_power_state (devices[i]) == OB_SIM_POWER_OFF_SOFT)
          n_off++;
      if (n_off == G_N_ELEMENTS (devices))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }

  /* A device that goes away is seen as unreachable by the poll. */
  ob_sim_fleet_stop (fleet);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (ob_device_get_reachability (devices[0]) != OB_DEVICE_REACHABILITY_UNREACHABLE)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }

  ob_device_registry_stop_polling (fixture->registry);
  for (guint i = 0; i < G_N_ELEMENTS (devices); i++)
    while (ob_device_get_busy (devices[i]))
      g_main_context_iteration (NULL, TRUE);
}

/* ------------------------------------------------------------------ */
/* Queued refreshes during a connect storm                              */
/* ------------------------------------------------------------------ */

/* A transport whose streams never open until the test says so: each
 * refresh holds its device busy for as long as the test likes. */
#define TEST_TYPE_HELD_SOURCE (test_held_source_get_type ())
G_DECLARE_FINAL_TYPE (TestHeldSource, test_held_source, TEST, HELD_SOURCE, GObject)

struct _TestHeldSource
{
  GObject    parent_instance;
  GPtrArray *held;      /* GTask * */
};

static void test_held_source_stream_source_init (ObStreamSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestHeldSource, test_held_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_STREAM_SOURCE,
                                                      test_held_source_stream_source_init))

static void
held_open_stream_async (ObStreamSource      *source,
                        guint                port,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  TestHeldSource *self = TEST_HELD_SOURCE (source);

  g_ptr_array_add (self->held, g_task_new (self, cancellable, callback, user_data));
}

static GIOStream *
held_open_stream_finish (ObStreamSource  *source,
                         GAsyncResult    *result,
                         GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_held_source_stream_source_init (ObStreamSourceInterface *iface)
{
  iface->open_stream_async = held_open_stream_async;
  iface->open_stream_finish = held_open_stream_finish;
}

/* Every held open fails: the refreshes waiting on them end. */
static void
test_held_source_release (TestHeldSource *self)
{
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held);

  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < held->len; i++)
    g_task_return_new_error (g_ptr_array_index (held, i), G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                             "refused by the test");
}

static void
test_held_source_finalize (GObject *object)
{
  TestHeldSource *self = TEST_HELD_SOURCE (object);

  g_assert_cmpuint (self->held->len, ==, 0);
  g_ptr_array_unref (self->held);
  G_OBJECT_CLASS (test_held_source_parent_class)->finalize (object);
}

static void
test_held_source_class_init (TestHeldSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_held_source_finalize;
}

static void
test_held_source_init (TestHeldSource *self)
{
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
}

/* While CIRA devices keep arriving their first refreshes go one at a time
 * (the handshakes come first); once arrivals stop, as many as the queue
 * allows, even while the first is still stuck. */
static void
test_queued_refresh_storm (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *guids[] = {
    GUID_A, GUID_B, GUID_C, GUID_D,
    "4e5f6a7b-8c9d-4e0f-8a1b-3c4d5e6f7a8b",
  };
  TestHeldSource *sources[G_N_ELEMENTS (guids)];
  PollWatch watch = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    store_cira_device (fixture, guids[i]);
  load (fixture);

  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    {
      ObDevice *device;

      sources[i] = g_object_new (TEST_TYPE_HELD_SOURCE, NULL);
      device = attach (fixture, guids[i], OB_STREAM_SOURCE (sources[i]));
      g_signal_connect (device, "notify::busy", G_CALLBACK (busy_changed_cb), &watch);
      ob_device_registry_queue_refresh (fixture->registry, device);
    }
  g_assert_cmpuint (watch.n_busy_now, ==, 1);

  /* Arrivals have stopped: the rest start while the first still waits. */
  run_for (500);
  g_assert_cmpuint (watch.n_busy_now, ==, G_N_ELEMENTS (guids));
  g_assert_cmpuint (watch.max_busy, <=, OB_DEVICE_REGISTRY_MAX_CONCURRENT_QUEUED_REFRESHES);

  /* A refresh's later requests open streams of their own: keep failing
   * them until every refresh has ended. */
  while (watch.n_busy_now > 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
        test_held_source_release (sources[i]);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpuint (watch.n_refreshes, ==, G_N_ELEMENTS (guids));

  for (guint i = 0; i < G_N_ELEMENTS (guids); i++)
    {
      ObDevice *device = ob_device_registry_lookup (fixture->registry, guids[i]);

      g_signal_handlers_disconnect_by_func (device, busy_changed_cb, &watch);
      ob_device_registry_detach_cira_device (fixture->registry, guids[i],
                                             OB_STREAM_SOURCE (sources[i]), NULL);
      test_held_source_release (sources[i]);
      g_object_unref (sources[i]);
    }
}

/* ------------------------------------------------------------------ */
/* What the poll looks at                                               */
/* ------------------------------------------------------------------ */

/* The registry's list for the poll must be what the model says: the
 * devices with a transport source, on the LAN, or over CIRA while their
 * polling is on. */
static void
assert_polled (Fixture *fixture,
               guint    expected)
{
  GListModel *model = G_LIST_MODEL (fixture->registry);
  gboolean cira_polled = ob_device_registry_get_cira_poll_interval (fixture->registry) != 0;
  guint counted = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ObDevice) device = g_list_model_get_item (model, i);

      if (ob_device_get_transport_source (device) != NULL &&
          (ob_device_get_transport (device) != OB_DEVICE_TRANSPORT_CIRA || cira_polled))
        counted++;
    }
  g_assert_cmpuint (counted, ==, expected);
  g_assert_cmpuint (ob_device_registry_get_n_polled (fixture->registry), ==, expected);
}

/* The row edited behind the registry's back; a load() applies it. */
static void
store_transport (Fixture           *fixture,
                 const char        *guid,
                 ObDeviceTransport  transport)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = ob_store_get_device (fixture->store, guid, &error);

  g_assert_no_error (error);
  ob_device_record_set_transport (record, transport);
  if (transport == OB_DEVICE_TRANSPORT_LAN)
    {
      ob_device_record_set_host (record, "192.0.2.40");
      ob_device_record_set_port (record, 16992);
    }
  g_assert_true (ob_store_update_device (fixture->store, record, &error));
  g_assert_no_error (error);
}

static void
test_polled_list (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ObStreamSource) t1 = OB_STREAM_SOURCE (ob_lan_stream_source_new ("192.0.2.1"));
  g_autoptr(ObStreamSource) t2 = OB_STREAM_SOURCE (ob_lan_stream_source_new ("192.0.2.2"));
  g_autoptr(ObStreamSource) t3 = OB_STREAM_SOURCE (ob_lan_stream_source_new ("192.0.2.3"));
  g_autoptr(GError) error = NULL;
  const char *guid_e = "4e5f6a7b-8c9d-4e0f-8a1b-3c4d5e6f7a8b";

  store_lan_device (fixture, GUID_A, "192.0.2.21", 16992, "Alpha", PASSWORD);
  store_lan_device (fixture, GUID_B, "192.0.2.22", 16992, "Beta", PASSWORD);
  store_cira_device (fixture, GUID_C);
  store_cira_device (fixture, GUID_D);
  load (fixture);
  /* The LAN devices; the CIRA ones have not called in. */
  assert_polled (fixture, 2);

  /* A CIRA device joins when it connects, and only while CIRA devices
   * are polled. */
  attach (fixture, GUID_C, t1);
  assert_polled (fixture, 2);
  ob_device_registry_set_cira_poll_interval (fixture->registry, 60);
  assert_polled (fixture, 3);
  attach (fixture, GUID_D, t2);
  assert_polled (fixture, 4);
  /* A reconnect replaces the session: still there, once. */
  attach (fixture, GUID_D, t3);
  assert_polled (fixture, 4);
  /* The old session's end changes nothing, the current one's does. */
  g_assert_false (ob_device_registry_detach_cira_device (fixture->registry, GUID_D, t2, NULL));
  assert_polled (fixture, 4);
  g_assert_true (ob_device_registry_detach_cira_device (fixture->registry, GUID_C, t1, NULL));
  assert_polled (fixture, 3);
  ob_device_registry_set_cira_poll_interval (fixture->registry, 0);
  assert_polled (fixture, 2);
  ob_device_registry_set_cira_poll_interval (fixture->registry, 30);
  assert_polled (fixture, 3);
  ob_device_registry_set_cira_poll_interval (fixture->registry, 0);
  assert_polled (fixture, 2);

  /* Transports change: a LAN device that now calls home (it keeps the
   * source it had until its session replaces it), a CIRA device moved to
   * the LAN (it gets a LAN source at once). */
  store_transport (fixture, GUID_A, OB_DEVICE_TRANSPORT_CIRA);
  store_transport (fixture, GUID_C, OB_DEVICE_TRANSPORT_LAN);
  load (fixture);
  g_assert_cmpint (ob_device_get_transport (ob_device_registry_lookup (fixture->registry, GUID_A)), ==,
                   OB_DEVICE_TRANSPORT_CIRA);
  g_assert_cmpint (ob_device_get_transport (ob_device_registry_lookup (fixture->registry, GUID_C)), ==,
                   OB_DEVICE_TRANSPORT_LAN);
  assert_polled (fixture, 2);
  attach (fixture, GUID_A, t1);
  assert_polled (fixture, 2);
  ob_device_registry_set_cira_poll_interval (fixture->registry, 60);
  assert_polled (fixture, 4);

  /* Removed: connected or not, polled or not; by the registry or found
   * gone at a load. */
  g_assert_true (remove_device (fixture, GUID_B, &error));
  g_assert_no_error (error);
  assert_polled (fixture, 3);
  g_assert_true (remove_device (fixture, GUID_D, &error));
  g_assert_no_error (error);
  assert_polled (fixture, 2);
  g_assert_true (ob_store_delete_device (fixture->store, GUID_A, &error));
  g_assert_no_error (error);
  store_cira_device (fixture, guid_e);
  load (fixture);
  assert_polled (fixture, 1);
  g_assert_true (ob_device_registry_lookup (fixture->registry, GUID_C) != NULL);

  /* Added: a device that calls in for the first time, a LAN device. */
  attach (fixture, guid_e, t2);
  assert_polled (fixture, 2);
  store_lan_device (fixture, GUID_B, "192.0.2.22", 16992, "Beta", PASSWORD);
  load (fixture);
  assert_polled (fixture, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->registry)), ==, 3);

  g_assert_true (ob_device_registry_detach_cira_device (fixture->registry, guid_e, t2, NULL));
  assert_polled (fixture, 2);
}

/* The poll refreshes what its list holds: a connected CIRA device only
 * once CIRA polling is on, LAN devices all along. */
static void
test_polling_cira (Fixture       *fixture,
                   gconstpointer  data)
{
  TestHeldSource *source = g_object_new (TEST_TYPE_HELD_SOURCE, NULL);
  PollWatch lan_watch = { 0 };
  PollWatch cira_watch = { 0 };
  ObDevice *lan;
  ObDevice *cira;

  store_lan_device (fixture, GUID_A, "127.0.0.1", unused_port (), "Alpha", PASSWORD);
  store_cira_device (fixture, GUID_C);
  load (fixture);
  lan = ob_device_registry_lookup (fixture->registry, GUID_A);
  cira = attach (fixture, GUID_C, OB_STREAM_SOURCE (source));
  g_signal_connect (lan, "notify::busy", G_CALLBACK (busy_changed_cb), &lan_watch);
  g_signal_connect (cira, "notify::busy", G_CALLBACK (busy_changed_cb), &cira_watch);

  ob_device_registry_set_poll_interval (fixture->registry, 1);
  ob_device_registry_start_polling (fixture->registry);
  run_for (300);
  g_assert_cmpuint (lan_watch.n_refreshes, ==, 1);
  g_assert_cmpuint (cira_watch.n_refreshes, ==, 0);
  g_assert_cmpuint (source->held->len, ==, 0);

  /* Never polled: due at once. */
  ob_device_registry_set_cira_poll_interval (fixture->registry, 1);
  g_assert_cmpuint (cira_watch.n_refreshes, ==, 1);

  ob_device_registry_stop_polling (fixture->registry);
  while (cira_watch.n_busy_now > 0 || lan_watch.n_busy_now > 0)
    {
      test_held_source_release (source);
      g_main_context_iteration (NULL, TRUE);
    }
  g_signal_handlers_disconnect_by_func (lan, busy_changed_cb, &lan_watch);
  g_signal_handlers_disconnect_by_func (cira, busy_changed_cb, &cira_watch);
  g_assert_true (ob_device_registry_detach_cira_device (fixture->registry, GUID_C,
                                                        OB_STREAM_SOURCE (source), NULL));
  test_held_source_release (source);
  g_object_unref (source);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/device-registry/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("empty", test_empty);
  ADD ("load", test_load);
  ADD ("load-through-cache", test_load_through_cache);
  ADD ("reload", test_reload);
  ADD ("remove", test_remove);
  ADD ("update", test_update);
  ADD ("add-refused", test_add_refused);
  ADD ("add-bad-arguments", test_add_bad_arguments);
  ADD ("add-duplicate-host", test_add_duplicate_host);
  ADD ("test-connection-refused", test_test_connection_refused);
  ADD ("polling", test_polling);
  ADD ("refresh-all", test_refresh_all);
  ADD ("connection-status-follows", test_connection_status_follows);
  ADD ("connected-count", test_connected_count);
  ADD ("queued-refresh-storm", test_queued_refresh_storm);
  ADD ("polled-list", test_polled_list);
  ADD ("polling-cira", test_polling_cira);
  ADD ("sim/add", test_sim_add);
  ADD ("sim/add-wrong-password", test_sim_add_wrong_password);
  ADD ("sim/add-tls", test_sim_add_tls);
  ADD ("sim/add-duplicate-guid", test_sim_add_duplicate_guid);
  ADD ("sim/test-connection", test_sim_test_connection);
  ADD ("sim/restart", test_sim_restart);
  ADD ("sim/remove", test_sim_remove);
  ADD ("sim/polling", test_sim_polling);

#undef ADD

  return g_test_run ();
}
