/* test-secret-store-cache.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The cache in front of the keyring: the shared cases, then what it adds
 * (one bulk read per kind, answers from memory, writes only once the
 * backend took them), over the memory backend. */

#include "config.h"

#include <unistd.h>

#include "ob-secret-store-cache.h"
#include "ob-secret-store-memory.h"
#include "secret-store-cases.h"

static ObSecretStore *
new_store (void)
{
  g_autoptr(ObSecretStore) backend = ob_secret_store_memory_new ();

  return ob_secret_store_cache_new (backend, NULL);
}

#define N_DEVICES 50

static char *
device_guid (guint i)
{
  return g_strdup_printf ("8c4d3f2a-0000-4000-8000-%012u", i);
}

static char *
device_password (guint i)
{
  return g_strdup_printf ("Mps#Pass-%u", i);
}

/* The backend holds N devices' secrets; the cache reads them in one go. */
static ObSecretStore *
new_filled_backend (void)
{
  ObSecretStore *backend = ob_secret_store_memory_new ();

  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *guid = device_guid (i);
      g_autofree char *password = device_password (i);
      g_autoptr(GError) error = NULL;

      g_assert_true (ob_secret_store_store_text_sync (backend, OB_SECRET_OWNER_DEVICE, guid,
                                                      OB_SECRET_KIND_MPS_PASSWORD, password,
                                                      NULL, &error));
      g_assert_no_error (error);
    }

  return backend;
}

static void
assert_lookup (ObSecretStore *store,
               const char    *guid,
               const char    *expected)
{
  g_autoptr(GError) error = NULL;
  char *value;

  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_DEVICE, guid,
                                            OB_SECRET_KIND_MPS_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, expected);
  ob_secure_free_string (value);
}

/* The first lookup reads the whole kind; every later one, present or
 * absent, is answered from memory: the backend may even be gone. */
static void
test_one_bulk_read (void)
{
  g_autoptr(ObSecretStore) backend = new_filled_backend ();
  g_autoptr(ObSecretStore) store = ob_secret_store_cache_new (backend, NULL);
  ObSecretStoreCache *cache = OB_SECRET_STORE_CACHE (store);

  g_assert_true (ob_secret_store_cache_get_backend (cache) == backend);
  g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (cache), ==, 0);

  /* A caller that gave up reads nothing and spoils nothing for the others. */
  {
    g_autoptr(GCancellable) cancelled = g_cancellable_new ();
    g_autoptr(GError) error = NULL;
    g_autofree char *guid = device_guid (0);

    g_cancellable_cancel (cancelled);
    g_assert_null (ob_secret_store_lookup_sync (store, OB_SECRET_OWNER_DEVICE, guid,
                                                OB_SECRET_KIND_MPS_PASSWORD, cancelled, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (cache), ==, 0);
  }

  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *guid = device_guid (i);
      g_autofree char *password = device_password (i);

      assert_lookup (store, guid, password);
      if (i == 0)
        ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (backend), TRUE);
    }
  assert_lookup (store, "8c4d3f2a-0000-4000-8000-999999999999", NULL);
  g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (cache), ==, 1);

  /* Another kind is read on its own, and a failure is the backend's. */
  {
    g_autoptr(GError) error = NULL;
    char *value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_DEVICE, "x",
                                                    OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);

    g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE);
    g_assert_null (value);
  }
  g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (cache), ==, 2);
}

/* A write reaches the cache only once the backend took it: a refused one
 * leaves the old value, in the backend and in the answers. */
static void
test_write_through (void)
{
  g_autoptr(ObSecretStore) backend = new_filled_backend ();
  g_autoptr(ObSecretStore) store = ob_secret_store_cache_new (backend, NULL);
  g_autofree char *guid = device_guid (7);
  g_autofree char *old = device_password (7);
  g_autoptr(GError) error = NULL;
  char *value;

  assert_lookup (store, guid, old);

  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, guid,
                                                  OB_SECRET_KIND_MPS_PASSWORD, "New#Pass7", NULL,
                                                  &error));
  g_assert_no_error (error);
  assert_lookup (store, guid, "New#Pass7");
  assert_lookup (backend, guid, "New#Pass7");

  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (backend), TRUE);
  g_assert_false (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, guid,
                                                   OB_SECRET_KIND_MPS_PASSWORD, "Lost#Pass7",
                                                   NULL, &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_DEVICE, guid, NULL, NULL,
                                              &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  assert_lookup (store, guid, "New#Pass7");

  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (backend), FALSE);
  /* Clearing every kind of the owner clears them in the cache too. */
  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, guid,
                                                  OB_SECRET_KIND_AMT_PASSWORD, "Amt#Pass7", NULL,
                                                  &error));
  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_DEVICE, guid, NULL, NULL,
                                             &error));
  g_assert_no_error (error);
  assert_lookup (store, guid, NULL);
  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_DEVICE, guid,
                                            OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (value);
  g_assert_cmpuint (ob_secret_store_memory_get_n_secrets (OB_SECRET_STORE_MEMORY (backend)), ==,
                    N_DEVICES - 1);
}

/* A bulk read that fails (a locked keyring) leaves lookups one at a time,
 * each asking the backend, until the backend answers again. */
static void
test_failed_bulk_read (void)
{
  g_autoptr(ObSecretStore) backend = new_filled_backend ();
  g_autoptr(ObSecretStore) store = ob_secret_store_cache_new (backend, NULL);
  ObSecretStoreCache *cache = OB_SECRET_STORE_CACHE (store);
  g_autofree char *guid = device_guid (3);
  g_autofree char *password = device_password (3);
  g_autoptr(GError) error = NULL;
  char *value;

  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (backend), TRUE);
  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_DEVICE, guid,
                                            OB_SECRET_KIND_MPS_PASSWORD, NULL, &error);
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE);
  g_assert_null (value);
  g_clear_error (&error);
  g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (cache), ==, 1);

  /* Back: answered one at a time (no new bulk read yet), and kept. */
  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (backend), FALSE);
  assert_lookup (store, guid, password);
  g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (cache), ==, 1);
  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (backend), TRUE);
  assert_lookup (store, guid, password);
}

/* Asked for a whole kind, the cache answers from its one bulk read: its
 * error when that read failed, not a second read straight after it, and
 * the remembered error while the back-off lasts. */
static void
test_lookup_all_after_failure (void)
{
  g_autoptr(ObSecretStore) backend = new_filled_backend ();
  g_autoptr(ObSecretStore) store = ob_secret_store_cache_new (backend, NULL);
  ObSecretStoreMemory *memory = OB_SECRET_STORE_MEMORY (backend);
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GError) error = NULL;

  /* The keyring locked, then back within the back-off: the one failed
   * read answers both times. */
  for (guint i = 0; i < 2; i++)
    {
      ob_secret_store_memory_set_unavailable (memory, i == 0);
      all = ob_secret_store_lookup_all_sync (store, OB_SECRET_OWNER_DEVICE,
                                             OB_SECRET_KIND_MPS_PASSWORD, NULL, &error);
      g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE);
      g_assert_null (all);
      g_assert_cmpuint (ob_secret_store_memory_get_n_bulk_reads (memory), ==, 1);
      g_clear_error (&error);
    }

  /* Another kind has a bulk read of its own, and keeps its answer. */
  all = ob_secret_store_lookup_all_sync (store, OB_SECRET_OWNER_DEVICE, OB_SECRET_KIND_AMT_PASSWORD,
                                         NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (all);
  g_assert_cmpuint (g_hash_table_size (all), ==, 0);
  g_clear_pointer (&all, g_hash_table_unref);
  all = ob_secret_store_lookup_all_sync (store, OB_SECRET_OWNER_DEVICE, OB_SECRET_KIND_AMT_PASSWORD,
                                         NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (all), ==, 0);
  g_assert_cmpuint (ob_secret_store_memory_get_n_bulk_reads (memory), ==, 2);
}

/* A backend that, while it is read in bulk, has a write come in through
 * the cache in front of it, as another thread's would. */
#define TEST_TYPE_RACED_STORE (test_raced_store_get_type ())
G_DECLARE_FINAL_TYPE (TestRacedStore, test_raced_store, TEST, RACED_STORE, GObject)

struct _TestRacedStore
{
  GObject        parent_instance;
  ObSecretStore *inner;
  ObSecretStore *cache;        /* not owned */
  guint          writes_left;  /* bulk reads still to be raced */
};

static void test_raced_store_iface_init (ObSecretStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestRacedStore, test_raced_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_SECRET_STORE, test_raced_store_iface_init))

static gboolean
raced_store (ObSecretStore *store, const char *owner_type, const char *owner_id, const char *kind,
             GBytes *value, gboolean is_text, GCancellable *cancellable, GError **error)
{
  return OB_SECRET_STORE_GET_IFACE (TEST_RACED_STORE (store)->inner)->store (
      TEST_RACED_STORE (store)->inner, owner_type, owner_id, kind, value, is_text, cancellable, error);
}

static GBytes *
raced_lookup (ObSecretStore *store, const char *owner_type, const char *owner_id, const char *kind,
              GCancellable *cancellable, GError **error)
{
  return ob_secret_store_lookup_sync (TEST_RACED_STORE (store)->inner, owner_type, owner_id, kind,
                                      cancellable, error);
}

static gboolean
raced_clear (ObSecretStore *store, const char *owner_type, const char *owner_id, const char *kind,
             GCancellable *cancellable, GError **error)
{
  return ob_secret_store_clear_sync (TEST_RACED_STORE (store)->inner, owner_type, owner_id, kind,
                                     cancellable, error);
}

static GHashTable *
raced_lookup_all (ObSecretStore *store, const char *owner_type, const char *kind,
                  GCancellable *cancellable, GError **error)
{
  TestRacedStore *self = TEST_RACED_STORE (store);

  if (self->writes_left > 0)
    {
      g_autofree char *password = g_strdup_printf ("Raced#%u", self->writes_left);
      g_autoptr(GError) write_error = NULL;

      self->writes_left--;
      g_assert_true (ob_secret_store_store_text_sync (self->cache, owner_type, "raced-device", kind,
                                                      password, NULL, &write_error));
      g_assert_no_error (write_error);
    }

  return ob_secret_store_lookup_all_sync (self->inner, owner_type, kind, cancellable, error);
}

static void
test_raced_store_iface_init (ObSecretStoreInterface *iface)
{
  iface->store = raced_store;
  iface->lookup = raced_lookup;
  iface->clear = raced_clear;
  iface->lookup_all = raced_lookup_all;
}

static void
test_raced_store_finalize (GObject *object)
{
  g_clear_object (&TEST_RACED_STORE (object)->inner);

  G_OBJECT_CLASS (test_raced_store_parent_class)->finalize (object);
}

static void
test_raced_store_class_init (TestRacedStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_raced_store_finalize;
}

static void
test_raced_store_init (TestRacedStore *self)
{
  self->inner = ob_secret_store_memory_new ();
}

/* A write during the bulk read may be newer than what the read saw: the
 * whole kind is read again, and a kind written to without end is an error
 * after a few tries, never a stale answer. */
static void
test_lookup_all_raced_by_write (void)
{
  g_autoptr(TestRacedStore) backend = g_object_new (TEST_TYPE_RACED_STORE, NULL);
  g_autoptr(ObSecretStore) store = ob_secret_store_cache_new (OB_SECRET_STORE (backend), NULL);
  ObSecretStoreMemory *memory = OB_SECRET_STORE_MEMORY (backend->inner);
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *value;

  backend->cache = store;
  backend->writes_left = 1;
  all = ob_secret_store_lookup_all_sync (store, OB_SECRET_OWNER_DEVICE, OB_SECRET_KIND_MPS_PASSWORD,
                                         NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (all), ==, 1);
  value = g_hash_table_lookup (all, "raced-device");
  g_assert_nonnull (value);
  g_assert_cmpmem (g_bytes_get_data (value, NULL), g_bytes_get_size (value), "Raced#1", 7);
  g_assert_cmpuint (ob_secret_store_memory_get_n_bulk_reads (memory), ==, 2);
  g_clear_pointer (&all, g_hash_table_unref);

  backend->writes_left = 100;
  all = ob_secret_store_lookup_all_sync (store, OB_SECRET_OWNER_DEVICE, OB_SECRET_KIND_AMT_PASSWORD,
                                         NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_null (all);
  g_assert_cmpuint (ob_secret_store_memory_get_n_bulk_reads (memory), ==, 5);
  g_assert_cmpuint (backend->writes_left, ==, 97);
}

/* Only the owner types given are kept: the API password, which
 * `outband --set-api-password` changes from another process, is read from
 * the keyring every time, while a device's comes from memory. */
static void
test_only_listed_owner_types (void)
{
  static const char * const device_secrets[] = { OB_SECRET_OWNER_DEVICE, NULL };
  g_autoptr(ObSecretStore) backend = new_filled_backend ();
  g_autoptr(ObSecretStore) store = ob_secret_store_cache_new (backend, device_secrets);
  g_autofree char *guid = device_guid (1);
  g_autofree char *password = device_password (1);
  g_autoptr(GError) error = NULL;
  char *value;

  g_assert_true (ob_secret_store_store_text_sync (backend, OB_SECRET_OWNER_API, "api",
                                                  OB_SECRET_KIND_API_PASSWORD, "Api#One", NULL,
                                                  &error));
  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_API, "api",
                                            OB_SECRET_KIND_API_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "Api#One");
  ob_secure_free_string (value);
  assert_lookup (store, guid, password);

  /* Another process writes both straight to the keyring. */
  g_assert_true (ob_secret_store_store_text_sync (backend, OB_SECRET_OWNER_API, "api",
                                                  OB_SECRET_KIND_API_PASSWORD, "Api#Two", NULL,
                                                  &error));
  g_assert_true (ob_secret_store_store_text_sync (backend, OB_SECRET_OWNER_DEVICE, guid,
                                                  OB_SECRET_KIND_MPS_PASSWORD, "Elsewhere#1", NULL,
                                                  &error));
  g_assert_no_error (error);
  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_API, "api",
                                            OB_SECRET_KIND_API_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "Api#Two");
  ob_secure_free_string (value);
  assert_lookup (store, guid, password);
  g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (OB_SECRET_STORE_CACHE (store)), ==, 1);

  /* Writes and clears of an uncached type still reach the keyring. */
  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_API, "api", NULL, NULL, &error));
  g_assert_no_error (error);
  value = ob_secret_store_lookup_text_sync (backend, OB_SECRET_OWNER_API, "api",
                                            OB_SECRET_KIND_API_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (value);
}

typedef struct
{
  ObSecretStore *store;
  guint          first;
} HammerData;

static gpointer
lookup_thread (gpointer user_data)
{
  HammerData *data = user_data;

  for (guint n = 0; n < N_DEVICES; n++)
    {
      guint i = (data->first + n) % N_DEVICES;
      g_autofree char *guid = device_guid (i);
      g_autofree char *password = device_password (i);

      /* Every fifth device gets a new password from this thread, then
       * its own answer must be the new one. */
      if (i % 5 == data->first % 5)
        {
          g_autofree char *fresh = g_strdup_printf ("Fresh#%u", i);
          g_autoptr(GError) error = NULL;

          g_assert_true (ob_secret_store_store_text_sync (data->store, OB_SECRET_OWNER_DEVICE,
                                                          guid, OB_SECRET_KIND_MPS_PASSWORD,
                                                          fresh, NULL, &error));
          g_assert_no_error (error);
          assert_lookup (data->store, guid, fresh);
        }
      else if (i % 5 == 4 && data->first % 5 != 4)
        assert_lookup (data->store, guid, password);
    }

  return NULL;
}

static gpointer
read_all_thread (gpointer user_data)
{
  ObSecretStore *store = user_data;

  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *guid = device_guid (i);
      g_autofree char *password = device_password (i);

      assert_lookup (store, guid, password);
    }

  return NULL;
}

/* Threads that all miss at once wait for one bulk read. */
static void
test_threads_share_bulk_read (void)
{
  g_autoptr(ObSecretStore) backend = new_filled_backend ();
  g_autoptr(ObSecretStore) store = ob_secret_store_cache_new (backend, NULL);
  GThread *threads[8];

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    threads[t] = g_thread_new ("lookup", read_all_thread, store);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);

  g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (OB_SECRET_STORE_CACHE (store)), ==, 1);
}

/* Writes made while bulk reads run are not undone by them. */
static void
test_threads_write (void)
{
  g_autoptr(ObSecretStore) backend = new_filled_backend ();
  g_autoptr(ObSecretStore) store = ob_secret_store_cache_new (backend, NULL);
  HammerData data[4];
  GThread *threads[4];

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      data[t].store = store;
      data[t].first = t;
      threads[t] = g_thread_new ("lookup", lookup_thread, &data[t]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);

  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *guid = device_guid (i);
      g_autofree char *fresh = g_strdup_printf ("Fresh#%u", i);
      g_autofree char *password = device_password (i);

      /* Devices 0-3 mod 5 were rewritten by the thread starting there. */
      assert_lookup (store, guid, i % 5 < 4 ? fresh : password);
      assert_lookup (backend, guid, i % 5 < 4 ? fresh : password);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_secret_store_cases ("/secret-store/cache");
  g_test_add_func ("/secret-store/cache/one-bulk-read", test_one_bulk_read);
  g_test_add_func ("/secret-store/cache/write-through", test_write_through);
  g_test_add_func ("/secret-store/cache/failed-bulk-read", test_failed_bulk_read);
  g_test_add_func ("/secret-store/cache/only-listed-owner-types", test_only_listed_owner_types);
  g_test_add_func ("/secret-store/cache/lookup-all-after-failure", test_lookup_all_after_failure);
  g_test_add_func ("/secret-store/cache/lookup-all-raced-by-write", test_lookup_all_raced_by_write);
  g_test_add_func ("/secret-store/cache/threads-share-bulk-read", test_threads_share_bulk_read);
  g_test_add_func ("/secret-store/cache/threads-write", test_threads_write);

  return g_test_run ();
}
