/* test-mps-store-writer.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObMpsStoreWriter: what is queued gets written, in order, in few
 * transactions; a flush waits for exactly what was queued before it. */

#include "config.h"

#include "cira-test-util.h"
#include "ob-mps-store-writer.h"

typedef struct
{
  char             *dir;
  ObStore          *store;
  ObMpsStoreWriter *writer;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = g_dir_make_tmp ("test-mps-store-writer-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "outband.db", NULL);
  fixture->store = ob_store_new_for_path (path, &error);
  g_assert_no_error (error);
  fixture->writer = ob_mps_store_writer_new (fixture->store);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  ob_mps_store_writer_free (fixture->writer);
  g_clear_object (&fixture->store);
  cira_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static GPtrArray *
list_entries (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *entries = ob_store_list_activity_entries (fixture->store, NULL, NULL, &error);

  g_assert_no_error (error);
  return entries;
}

static void
log_entry (Fixture *fixture,
           guint    i)
{
  g_autofree char *target = g_strdup_printf ("entry %u", i);

  ob_mps_store_writer_log (fixture->writer, "test", NULL, target, OB_ACTIVITY_RESULT_SUCCESS, NULL);
}

/* Jobs that come 2 ms apart are gathered: the thread writes a handful of
 * transactions, not one per job (as it did when each job woke it). */
static void
test_gathers (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) entries = NULL;
  guint64 written, transactions;

  for (guint i = 0; i < 100; i++)
    {
      log_entry (fixture, i);
      g_usleep (2 * G_TIME_SPAN_MILLISECOND);
    }
  ob_mps_store_writer_flush (fixture->writer);

  ob_mps_store_writer_get_counts (fixture->writer, &written, &transactions);
  g_assert_cmpuint (written, ==, 100);
  /* At least 200 ms of jobs in 50 ms gatherings: about five. */
  g_assert_cmpuint (transactions, >=, 2);
  g_assert_cmpuint (transactions, <=, 12);

  entries = list_entries (fixture);
  g_assert_cmpuint (entries->len, ==, 100);
}

/* A flush returns once what was queued before it is written, however
 * much the thread was gathering; an idle writer's flush returns at once. */
static void
test_flush (Fixture       *fixture,
            gconstpointer  data)
{
  guint64 written, transactions;

  ob_mps_store_writer_flush (fixture->writer);
  ob_mps_store_writer_get_counts (fixture->writer, &written, &transactions);
  g_assert_cmpuint (written, ==, 0);
  g_assert_cmpuint (transactions, ==, 0);

  for (guint round = 1; round <= 5; round++)
    {
      g_autoptr(GPtrArray) entries = NULL;

      for (guint i = 0; i < round; i++)
        log_entry (fixture, i);
      ob_mps_store_writer_flush (fixture->writer);
      entries = list_entries (fixture);
      g_assert_cmpuint (entries->len, ==, round * (round + 1) / 2);
    }
  ob_mps_store_writer_get_counts (fixture->writer, &written, &transactions);
  g_assert_cmpuint (written, ==, 15);
  g_assert_cmpuint (transactions, <=, 10);
}

static void
on_flushed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (ob_mps_store_writer_flush_finish (NULL, result, NULL));
  *done = TRUE;
}

/* flush_async completes on the caller's context after what came before. */
static void
test_flush_async (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) entries = NULL;
  gboolean done = FALSE;

  for (guint i = 0; i < 10; i++)
    log_entry (fixture, i);
  ob_mps_store_writer_flush_async (fixture->writer, NULL, on_flushed, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  entries = list_entries (fixture);
  g_assert_cmpuint (entries->len, ==, 10);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/mps-store-writer/gathers", Fixture, NULL, fixture_setup, test_gathers, fixture_teardown);
  g_test_add ("/mps-store-writer/flush", Fixture, NULL, fixture_setup, test_flush, fixture_teardown);
  g_test_add ("/mps-store-writer/flush-async", Fixture, NULL, fixture_setup, test_flush_async, fixture_teardown);

  return g_test_run ();
}
