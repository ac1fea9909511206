/* test-secret-store.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <unistd.h>

#include "ob-secret-store-memory.h"
#include "secret-store-cases.h"

static ObSecretStore *
new_store (void)
{
  return ob_secret_store_memory_new ();
}

static void
test_memory_unavailable (void)
{
  g_autoptr(ObSecretStore) store = ob_secret_store_memory_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_API, "api",
                                                  OB_SECRET_KIND_JWT_KEY, "k3y", NULL, &error));
  g_assert_cmpuint (ob_secret_store_memory_get_n_secrets (OB_SECRET_STORE_MEMORY (store)), ==, 1);

  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (store), TRUE);
  g_assert_false (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_API, "api",
                                                   OB_SECRET_KIND_JWT_KEY, "k3y", NULL, &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_null (ob_secret_store_lookup_sync (store, OB_SECRET_OWNER_API, "api",
                                              OB_SECRET_KIND_JWT_KEY, NULL, &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (store), FALSE);
  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_API, "api", NULL, NULL,
                                             &error));
  g_assert_cmpuint (ob_secret_store_memory_get_n_secrets (OB_SECRET_STORE_MEMORY (store)), ==, 0);
}

/* Many threads at once: the backends promise thread safety. */
static gpointer
hammer_thread (gpointer data)
{
  ObSecretStore *store = data;

  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *owner = g_strdup_printf ("dev-%u", i % 17);
      g_autofree char *value = g_strdup_printf ("value-%u", i);
      char *back;

      g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, owner,
                                                      OB_SECRET_KIND_AMT_PASSWORD, value, NULL,
                                                      NULL));
      back = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_DEVICE, owner,
                                               OB_SECRET_KIND_AMT_PASSWORD, NULL, NULL);
      g_assert_nonnull (back);
      g_assert_true (g_str_has_prefix (back, "value-"));
      ob_secure_free_string (back);
    }

  return NULL;
}

static void
test_memory_threads (void)
{
  g_autoptr(ObSecretStore) store = ob_secret_store_memory_new ();
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("hammer", hammer_thread, store);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpuint (ob_secret_store_memory_get_n_secrets (OB_SECRET_STORE_MEMORY (store)), ==, 17);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_secret_store_cases ("/secret-store/memory");
  g_test_add_func ("/secret-store/memory/unavailable", test_memory_unavailable);
  g_test_add_func ("/secret-store/memory/threads", test_memory_threads);

  return g_test_run ();
}
