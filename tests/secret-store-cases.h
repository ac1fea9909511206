/* secret-store-cases.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Behaviour every ObSecretStore backend must share; included by the test
 * program of each backend, which supplies new_store(). */

#pragma once

#include <string.h>

#include "ob-secret-store.h"
#include "ob-util.h"

static ObSecretStore *new_store (void);

/* Owner ids are unique per run so a real keyring never mixes runs. */
static char *
owner_name (const char *base)
{
  static char *run_id = NULL;

  if (run_id == NULL)
    run_id = g_strdup_printf ("%d-%" G_GINT64_FORMAT, getpid (), g_get_real_time ());

  return g_strdup_printf ("test-%s-%s", base, run_id);
}

static void
test_text_roundtrip (void)
{
  g_autoptr(ObSecretStore) store = new_store ();
  g_autofree char *owner = owner_name ("text");
  g_autoptr(GError) error = NULL;
  char *value;

  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, owner,
                                                  OB_SECRET_KIND_AMT_PASSWORD,
                                                  "P@ssw0rd-ünïcode", NULL, &error));
  g_assert_no_error (error);

  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_DEVICE, owner,
                                            OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "P@ssw0rd-ünïcode");
  ob_secure_free_string (value);

  /* Replacing keeps one item with the new value. */
  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, owner,
                                                  OB_SECRET_KIND_AMT_PASSWORD,
                                                  "Second#1value", NULL, &error));
  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_DEVICE, owner,
                                            OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "Second#1value");
  ob_secure_free_string (value);

  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_DEVICE, owner, NULL,
                                             NULL, &error));
  g_assert_no_error (error);
}

static void
test_binary_roundtrip (void)
{
  g_autoptr(ObSecretStore) store = new_store ();
  g_autofree char *owner = owner_name ("binary");
  g_autoptr(GBytes) pfx = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  guint8 data[4096];

  /* A PFX is binary: NUL bytes and every byte value must survive. */
  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 7 + (i >> 8));
  data[0] = 0;
  data[1] = 0xff;
  pfx = g_bytes_new (data, sizeof data);

  g_assert_true (ob_secret_store_store_sync (store, OB_SECRET_OWNER_DOMAIN, owner,
                                             OB_SECRET_KIND_PFX, pfx, NULL, &error));
  g_assert_no_error (error);

  back = ob_secret_store_lookup_sync (store, OB_SECRET_OWNER_DOMAIN, owner, OB_SECRET_KIND_PFX,
                                      NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_true (g_bytes_equal (pfx, back));

  /* Binary data is not text. */
  g_assert_null (ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_DOMAIN, owner,
                                                   OB_SECRET_KIND_PFX, NULL, &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID);

  g_clear_error (&error);
  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_DOMAIN, owner, NULL,
                                             NULL, &error));
}

static void
test_missing_and_clear (void)
{
  g_autoptr(ObSecretStore) store = new_store ();
  g_autofree char *owner_a = owner_name ("clear-a");
  g_autofree char *owner_b = owner_name ("clear-b");
  g_autoptr(GError) error = NULL;
  GBytes *missing;
  char *value;

  missing = ob_secret_store_lookup_sync (store, OB_SECRET_OWNER_PROFILE, owner_a,
                                         OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (missing);

  /* Clearing nothing is not an error. */
  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_PROFILE, owner_a,
                                             OB_SECRET_KIND_AMT_PASSWORD, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_PROFILE, owner_a,
                                                  OB_SECRET_KIND_AMT_PASSWORD, "Amt#Pass1",
                                                  NULL, &error));
  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_PROFILE, owner_a,
                                                  OB_SECRET_KIND_MEBX_PASSWORD, "Mebx#Pass1",
                                                  NULL, &error));
  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_PROFILE, owner_b,
                                                  OB_SECRET_KIND_AMT_PASSWORD, "Other#Pass1",
                                                  NULL, &error));
  /* Same owner name under another owner type is another secret. */
  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, owner_a,
                                                  OB_SECRET_KIND_AMT_PASSWORD, "Device#Pass1",
                                                  NULL, &error));
  g_assert_no_error (error);

  /* Clearing one kind leaves the others. */
  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_PROFILE, owner_a,
                                             OB_SECRET_KIND_AMT_PASSWORD, NULL, &error));
  g_assert_null (ob_secret_store_lookup_sync (store, OB_SECRET_OWNER_PROFILE, owner_a,
                                              OB_SECRET_KIND_AMT_PASSWORD, NULL, &error));
  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_PROFILE, owner_a,
                                            OB_SECRET_KIND_MEBX_PASSWORD, NULL, &error);
  g_assert_cmpstr (value, ==, "Mebx#Pass1");
  ob_secure_free_string (value);

  /* Clearing an owner removes all its kinds and nothing of other owners. */
  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_PROFILE, owner_a, NULL,
                                             NULL, &error));
  g_assert_null (ob_secret_store_lookup_sync (store, OB_SECRET_OWNER_PROFILE, owner_a,
                                              OB_SECRET_KIND_MEBX_PASSWORD, NULL, &error));
  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_PROFILE, owner_b,
                                            OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_cmpstr (value, ==, "Other#Pass1");
  ob_secure_free_string (value);
  value = ob_secret_store_lookup_text_sync (store, OB_SECRET_OWNER_DEVICE, owner_a,
                                            OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_cmpstr (value, ==, "Device#Pass1");
  ob_secure_free_string (value);
  g_assert_no_error (error);

  ob_secret_store_clear_sync (store, OB_SECRET_OWNER_PROFILE, owner_b, NULL, NULL, &error);
  ob_secret_store_clear_sync (store, OB_SECRET_OWNER_DEVICE, owner_a, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
test_invalid_input (void)
{
  g_autoptr(ObSecretStore) store = new_store ();
  g_autofree char *long_name = g_strnfill (300, 'x');
  g_autoptr(GError) error = NULL;

  g_assert_false (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, "",
                                                   OB_SECRET_KIND_AMT_PASSWORD, "x", NULL,
                                                   &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, long_name,
                                                   OB_SECRET_KIND_AMT_PASSWORD, "x", NULL,
                                                   &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, "a\nb",
                                                   OB_SECRET_KIND_AMT_PASSWORD, "x", NULL,
                                                   &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, "dev",
                                                   NULL, "x", NULL, &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, "dev",
                                                   OB_SECRET_KIND_AMT_PASSWORD, "\xff\xfe",
                                                   NULL, &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (ob_secret_store_lookup_sync (store, NULL, "dev", OB_SECRET_KIND_PFX, NULL,
                                              &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID);
  g_clear_error (&error);
}

typedef struct
{
  GMainLoop *loop;
  GBytes    *value;
  GError    *error;
  gboolean   ok;
} AsyncState;

static void
on_store_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncState *state = user_data;

  state->ok = ob_secret_store_store_finish (OB_SECRET_STORE (source), result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
on_lookup_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AsyncState *state = user_data;

  state->value = ob_secret_store_lookup_finish (OB_SECRET_STORE (source), result,
                                                &state->error);
  g_main_loop_quit (state->loop);
}

static void
on_clear_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncState *state = user_data;

  state->ok = ob_secret_store_clear_finish (OB_SECRET_STORE (source), result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
test_async (void)
{
  g_autoptr(ObSecretStore) store = new_store ();
  g_autofree char *owner = owner_name ("async");
  g_autoptr(GBytes) value = g_bytes_new_static ("Async#Pass1", 11);
  g_autoptr(GBytes) nul_text = g_bytes_new_static ("a\0b", 3);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  AsyncState state = { 0 };

  state.loop = g_main_loop_new (NULL, FALSE);

  ob_secret_store_store_async (store, OB_SECRET_OWNER_CIRA_CONFIG, owner,
                               OB_SECRET_KIND_MPS_PASSWORD, value, TRUE, NULL,
                               on_store_done, &state);
  g_main_loop_run (state.loop);
  g_assert_no_error (state.error);
  g_assert_true (state.ok);

  ob_secret_store_lookup_async (store, OB_SECRET_OWNER_CIRA_CONFIG, owner,
                                OB_SECRET_KIND_MPS_PASSWORD, NULL, on_lookup_done, &state);
  g_main_loop_run (state.loop);
  g_assert_no_error (state.error);
  g_assert_nonnull (state.value);
  g_assert_true (g_bytes_equal (state.value, value));
  g_clear_pointer (&state.value, g_bytes_unref);

  ob_secret_store_store_async (store, OB_SECRET_OWNER_CIRA_CONFIG, owner,
                               OB_SECRET_KIND_MPS_PASSWORD, nul_text, TRUE, NULL,
                               on_store_done, &state);
  g_main_loop_run (state.loop);
  g_assert_error (state.error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID);
  g_clear_error (&state.error);

  g_cancellable_cancel (cancelled);
  ob_secret_store_lookup_async (store, OB_SECRET_OWNER_CIRA_CONFIG, owner,
                                OB_SECRET_KIND_MPS_PASSWORD, cancelled, on_lookup_done,
                                &state);
  g_main_loop_run (state.loop);
  g_assert_error (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (state.value);
  g_clear_error (&state.error);

  ob_secret_store_clear_async (store, OB_SECRET_OWNER_CIRA_CONFIG, owner, NULL, NULL,
                               on_clear_done, &state);
  g_main_loop_run (state.loop);
  g_assert_no_error (state.error);
  g_assert_true (state.ok);

  ob_secret_store_lookup_async (store, OB_SECRET_OWNER_CIRA_CONFIG, owner,
                                OB_SECRET_KIND_MPS_PASSWORD, NULL, on_lookup_done, &state);
  g_main_loop_run (state.loop);
  g_assert_no_error (state.error);
  g_assert_null (state.value);

  g_main_loop_unref (state.loop);
}

/* Every secret of one owner type and kind at once; other kinds and owner
 * types stay out. */
static void
test_lookup_all (void)
{
  g_autoptr(ObSecretStore) store = new_store ();
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *other_kind = owner_name ("all-other-kind");
  g_autofree char *other_type = owner_name ("all-other-type");
  char *owners[3];

  for (guint i = 0; i < G_N_ELEMENTS (owners); i++)
    {
      g_autofree char *base = g_strdup_printf ("all-%u", i);
      g_autofree char *value = g_strdup_printf ("Bulk#%u", i);

      owners[i] = owner_name (base);
      g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, owners[i],
                                                      OB_SECRET_KIND_MPS_PASSWORD, value, NULL,
                                                      &error));
      g_assert_no_error (error);
    }
  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_DEVICE, other_kind,
                                                  OB_SECRET_KIND_AMT_PASSWORD, "Other#1", NULL,
                                                  &error));
  g_assert_true (ob_secret_store_store_text_sync (store, OB_SECRET_OWNER_PROFILE, other_type,
                                                  OB_SECRET_KIND_MPS_PASSWORD, "Other#2", NULL,
                                                  &error));
  g_assert_no_error (error);

  g_assert_true (ob_secret_store_can_lookup_all (store));
  all = ob_secret_store_lookup_all_sync (store, OB_SECRET_OWNER_DEVICE,
                                         OB_SECRET_KIND_MPS_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (all);
  for (guint i = 0; i < G_N_ELEMENTS (owners); i++)
    {
      g_autofree char *expected = g_strdup_printf ("Bulk#%u", i);
      g_autoptr(GBytes) want = g_bytes_new (expected, strlen (expected));
      GBytes *got = g_hash_table_lookup (all, owners[i]);

      g_assert_nonnull (got);
      g_assert_true (g_bytes_equal (got, want));
    }
  g_assert_false (g_hash_table_contains (all, other_kind));
  g_assert_false (g_hash_table_contains (all, other_type));

  /* A missing kind is an empty table; a bad name is refused. */
  g_clear_pointer (&all, g_hash_table_unref);
  all = ob_secret_store_lookup_all_sync (store, OB_SECRET_OWNER_WIRELESS,
                                         OB_SECRET_KIND_PSK_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (all);
  g_clear_pointer (&all, g_hash_table_unref);
  all = ob_secret_store_lookup_all_sync (store, OB_SECRET_OWNER_DEVICE, "bad\nkind", NULL, &error);
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID);
  g_assert_null (all);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (owners); i++)
    {
      g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_DEVICE, owners[i], NULL,
                                                 NULL, &error));
      g_free (owners[i]);
    }
  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_DEVICE, other_kind, NULL,
                                             NULL, &error));
  g_assert_true (ob_secret_store_clear_sync (store, OB_SECRET_OWNER_PROFILE, other_type, NULL,
                                             NULL, &error));
  g_assert_no_error (error);
}

static void
add_secret_store_cases (const char *prefix)
{
  g_autofree char *p1 = g_strconcat (prefix, "/text-roundtrip", NULL);
  g_autofree char *p2 = g_strconcat (prefix, "/binary-roundtrip", NULL);
  g_autofree char *p3 = g_strconcat (prefix, "/missing-and-clear", NULL);
  g_autofree char *p4 = g_strconcat (prefix, "/invalid-input", NULL);
  g_autofree char *p5 = g_strconcat (prefix, "/async", NULL);
  g_autofree char *p6 = g_strconcat (prefix, "/lookup-all", NULL);

  g_test_add_func (p1, test_text_roundtrip);
  g_test_add_func (p2, test_binary_roundtrip);
  g_test_add_func (p3, test_missing_and_clear);
  g_test_add_func (p4, test_invalid_input);
  g_test_add_func (p5, test_async);
  g_test_add_func (p6, test_lookup_all);
}
