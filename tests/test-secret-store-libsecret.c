/* test-secret-store-libsecret.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Runs the shared secret-store cases against the real Secret Service:
 * build-aux/test starts a private D-Bus session with an unlocked
 * gnome-keyring for it. */

#include "config.h"

#include <libsecret/secret.h>
#include <unistd.h>

#include "ob-secret-store-cache.h"
#include "ob-secret-store-libsecret.h"
#include "secret-store-cases.h"

static ObSecretStore *
new_store (void)
{
  return ob_secret_store_libsecret_new ();
}

/* The item in the keyring carries the app's schema and the owner and kind
 * attributes, and its label names the owner, never the value. */
static void
test_item_attributes (void)
{
  g_autoptr(ObSecretStore) store = new_store ();
  g_autofree char *owner = owner_name ("attributes");
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) query = NULL;
  GList *items;
  SecretItem *item;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;

  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, owner,
                                                  OB_SECRET_KIND_AMT_PASSWORD, "Visible#No1",
                                                  NULL, &error));
  g_assert_no_error (error);

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);

  query = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (query, (gpointer) "owner", owner);
  items = secret_service_search_sync (service, NULL, query, SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);

  item = items->data;
  attributes = secret_item_get_attributes (item);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==,
                   "io.github.outband.Outband.Secret");
  g_assert_cmpstr (g_hash_table_lookup (attributes, "owner-type"), ==, OB_SECRET_OWNER_DEVICE);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "kind"), ==, OB_SECRET_KIND_AMT_PASSWORD);
  label = secret_item_get_label (item);
  g_assert_nonnull (strstr (label, owner));
  g_assert_null (strstr (label, "Visible#No1"));
  g_list_free_full (items, g_object_unref);

  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_DEVICE, owner, NULL, NULL,
                                             &error));
  g_assert_no_error (error);
}

/* The cache in front of the real keyring: twenty devices' passwords come
 * from one bulk read, right, and a device the keyring lacks is absent. */
static void
test_cache_bulk_read (void)
{
  static const char * const device_secrets[] = { OB_SECRET_OWNER_DEVICE, NULL };
  g_autoptr(ObSecretStore) keyring = new_store ();
  g_autoptr(ObSecretStore) cache = ob_secret_store_cache_new (keyring, device_secrets);
  g_autoptr(GError) error = NULL;
  char *owners[20];
  char *value;

  for (guint i = 0; i < G_N_ELEMENTS (owners); i++)
    {
      g_autofree char *base = g_strdup_printf ("cached-%u", i);
      g_autofree char *password = g_strdup_printf ("Cached#%u", i);

      owners[i] = owner_name (base);
      g_assert_true (ob_secret_store_store_text_sync (keyring, OB_SECRET_OWNER_DEVICE, owners[i],
                                                      OB_SECRET_KIND_AMT_PASSWORD, password, NULL,
                                                      &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (owners); i++)
    {
      g_autofree char *password = g_strdup_printf ("Cached#%u", i);

      value = ob_secret_store_lookup_text_sync (cache, OB_SECRET_OWNER_DEVICE, owners[i],
                                                OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (value, ==, password);
      ob_secure_free_string (value);
    }
  value = ob_secret_store_lookup_text_sync (cache, OB_SECRET_OWNER_DEVICE, "not-in-the-keyring",
                                            OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (value);
  g_assert_cmpuint (ob_secret_store_cache_get_n_bulk_reads (OB_SECRET_STORE_CACHE (cache)), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (owners); i++)
    {
      g_assert_true (ob_secret_store_clear_sync (cache, OB_SECRET_OWNER_DEVICE, owners[i], NULL,
                                                 NULL, &error));
      g_assert_no_error (error);
      value = ob_secret_store_lookup_text_sync (keyring, OB_SECRET_OWNER_DEVICE, owners[i],
                                                OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
      g_assert_no_error (error);
      g_assert_null (value);
      g_free (owners[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* A missing session bus is a broken harness, not a reason to skip. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_printerr ("No D-Bus session: run this test through build-aux/test, which starts a "
                  "session bus and an unlocked gnome-keyring.\n");
      return 1;
    }

  add_secret_store_cases ("/secret-store/libsecret");
  g_test_add_func ("/secret-store/libsecret/item-attributes", test_item_attributes);
  g_test_add_func ("/secret-store/libsecret/cache-bulk-read", test_cache_bulk_read);

  return g_test_run ();
}
