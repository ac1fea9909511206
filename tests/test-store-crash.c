/* test-store-crash.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* A child process (this binary, re-executed with --crash-child) writes to
 * the store as fast as it can, one multi-row transaction after another; the
 * parent kills it with SIGKILL at a random moment, then opens the database
 * and proves it is consistent: integrity and foreign keys are fine, and
 * every transaction is either entirely there or entirely absent.
 *
 * Each transaction of iteration i of round r:
 *   - inserts profile "r<r>-p<i>" with N wireless links and the tag
 *     "links:N", and logs "create-profile" with detail "links=N";
 *   - every third iteration, replaces the links of profile i-1 with M
 *     links (tag "links:M") and logs "update-profile" with "links=M";
 *   - deletes profile i-2 (7 times out of 8) and logs "delete-profile";
 *   - upserts one of 32 devices with K tags "t0".."t<K-1>" and the friendly
 *     name "tags=K".
 * The child reports "B i" before and "C i" after each transaction, so the
 * parent knows which commits were acknowledged and whether one was in
 * flight when it died. */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ob-store.h"

#define N_ROUNDS       24
/* Where a kill lands depends on scheduling: on a loaded machine the child
 * may be between transactions more often.  Keep killing (up to this many
 * rounds) until enough kills landed mid-transaction. */
#define MAX_ROUNDS     120
#define MIN_IN_FLIGHT  12
#define N_WIRELESS     8
#define N_DEVICES      32
#define MAX_ITERATIONS 200000

/* ------------------------------------------------------------------------
 * The child
 * ------------------------------------------------------------------------ */

typedef struct
{
  guint  round;
  guint  i;
  GRand *rand;
} Step;

static char *
profile_name (guint round,
              guint i)
{
  return g_strdup_printf ("r%u-p%u", round, i);
}

static void
set_links (ObProfile *profile,
           guint      n,
           guint      first)
{
  g_autofree char *tag = g_strdup_printf ("links:%u", n);
  const char *tags[] = { tag, "crash-test", NULL };

  ob_profile_clear_wifi_links (profile);
  for (guint k = 0; k < n; k++)
    {
      g_autofree char *wireless = g_strdup_printf ("w%u", (first + k) % N_WIRELESS);

      ob_profile_add_wifi_link (profile, wireless, k + 1);
    }
  ob_profile_set_tags (profile, tags);
}

static gboolean
log_links (ObStore     *store,
           const char  *action,
           const char  *target,
           guint        n,
           GError     **error)
{
  g_autofree char *detail = g_strdup_printf ("links=%u", n);

  return ob_store_log_activity (store, OB_ACTIVITY_ACTOR_ADMIN, action, NULL, target,
                                OB_ACTIVITY_RESULT_SUCCESS, detail, error);
}

static gboolean
child_step (ObStore   *store,
            gpointer   user_data,
            GError   **error)
{
  Step *step = user_data;
  g_autofree char *name = profile_name (step->round, step->i);
  g_autoptr(ObProfile) profile = ob_profile_new (name);
  g_autoptr(ObDeviceRecord) device = NULL;
  g_autoptr(ObDeviceRecord) stored = NULL;
  g_autoptr(GStrvBuilder) tags = g_strv_builder_new ();
  g_auto(GStrv) tag_list = NULL;
  g_autofree char *guid = NULL;
  g_autofree char *friendly = NULL;
  guint n = g_rand_int_range (step->rand, 1, N_WIRELESS + 1);
  guint k;

  set_links (profile, n, g_rand_int_range (step->rand, 0, N_WIRELESS));
  if (!ob_store_insert_profile (store, profile, error)
      || !log_links (store, "create-profile", name, n, error))
    return FALSE;

  if (step->i >= 1 && step->i % 3 == 0)
    {
      g_autofree char *previous = profile_name (step->round, step->i - 1);
      g_autoptr(ObProfile) old = ob_store_get_profile (store, previous, error);
      guint m = g_rand_int_range (step->rand, 1, N_WIRELESS + 1);

      if (old == NULL)
        return FALSE;
      set_links (old, m, g_rand_int_range (step->rand, 0, N_WIRELESS));
      if (!ob_store_update_profile (store, old, error)
          || !log_links (store, "update-profile", previous, m, error))
        return FALSE;
    }

  if (step->i >= 2 && (step->i - 2) % 8 != 0)
    {
      g_autofree char *victim = profile_name (step->round, step->i - 2);

      if (!ob_store_delete_profile (store, victim, error)
          || !ob_store_log_activity (store, OB_ACTIVITY_ACTOR_ADMIN, "delete-profile", NULL,
                                     victim, OB_ACTIVITY_RESULT_SUCCESS, NULL, error))
        return FALSE;
    }

  guid = g_strdup_printf ("00000000-0000-4000-8000-%012x", g_rand_int_range (step->rand, 0, N_DEVICES));
  k = g_rand_int_range (step->rand, 0, 5);
  for (guint t = 0; t < k; t++)
    {
      g_autofree char *tag = g_strdup_printf ("t%u", t);

      g_strv_builder_add (tags, tag);
    }
  tag_list = g_strv_builder_end (tags);
  friendly = g_strdup_printf ("tags=%u", k);

  device = ob_device_record_new (guid);
  ob_device_record_set_tags (device, (const char * const *) tag_list);
  ob_device_record_set_friendly_name (device, friendly);
  stored = ob_store_upsert_device (store, device, NULL, error);

  return stored != NULL;
}

static void
report (const char *line)
{
  gsize len = strlen (line);

  /* Unbuffered: what the parent reads is exactly what happened before it
   * killed us. */
  while (len > 0)
    {
      ssize_t n = write (STDOUT_FILENO, line, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit (4);
      line += n;
      len -= n;
    }
}

static int
child_main (const char *path,
            guint       round,
            guint32     seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = ob_store_new_for_path (path, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  if (store == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 2;
    }

  report ("R\n");

  for (guint i = 0; i < MAX_ITERATIONS; i++)
    {
      Step step = { round, i, rand };
      char line[32];

      g_snprintf (line, sizeof line, "B %u\n", i);
      report (line);
      if (!ob_store_run_in_transaction (store, child_step, &step, &error))
        {
          g_printerr ("child: round %u iteration %u: %s\n", round, i, error->message);
          return 3;
        }
      g_snprintf (line, sizeof line, "C %u\n", i);
      report (line);
    }

  /* Never killed: the parent treats a normal exit as a failure. */
  return 0;
}

/* ------------------------------------------------------------------------
 * The parent
 * ------------------------------------------------------------------------ */

typedef struct
{
  gboolean ready;
  gint64   last_begun;      /* -1: none */
  gint64   last_committed;  /* -1: none */
  GString *partial;
} ChildOutput;

static void
parse_output (ChildOutput *out,
              const char  *data,
              gsize        len)
{
  char *newline;

  g_string_append_len (out->partial, data, len);
  while ((newline = memchr (out->partial->str, '\n', out->partial->len)) != NULL)
    {
      gsize line_len = newline - out->partial->str;
      g_autofree char *line = g_strndup (out->partial->str, line_len);

      g_string_erase (out->partial, 0, line_len + 1);

      if (g_str_equal (line, "R"))
        out->ready = TRUE;
      else if (line[0] == 'B')
        out->last_begun = g_ascii_strtoll (line + 2, NULL, 10);
      else if (line[0] == 'C')
        out->last_committed = g_ascii_strtoll (line + 2, NULL, 10);
      else
        g_error ("unexpected output from the child: %s", line);
    }
}

/* Reads what the child wrote until the deadline (or EOF when deadline is
 * -1).  Returns FALSE on EOF. */
static gboolean
read_child (int          fd,
            ChildOutput *out,
            gint64       deadline,
            gboolean     until_ready)
{
  for (;;)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      char buf[4096];
      int timeout = -1;
      ssize_t n;
      int rc;

      if (until_ready && out->ready)
        return TRUE;

      if (deadline >= 0)
        {
          gint64 left = deadline - g_get_monotonic_time ();

          if (left <= 0)
            return TRUE;
          timeout = (int) ((left + 999) / 1000);
        }

      rc = poll (&pfd, 1, timeout);
      if (rc < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (rc, >=, 0);
      if (rc == 0)
        continue;

      n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >=, 0);
      if (n == 0)
        return FALSE;
      parse_output (out, buf, n);
    }
}

typedef struct
{
  char  *last_action;
  char  *last_links_detail;
  guint  creates;
  guint  deletes;
} TargetHistory;

static void
target_history_free (TargetHistory *history)
{
  g_free (history->last_action);
  g_free (history->last_links_detail);
  g_free (history);
}

static void
assert_raw_integrity (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA foreign_key_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);

  sqlite3_close (db);
}

/* Every profile, device and log entry tells the same story.  Returns the
 * number of "create-profile" entries of @round. */
static guint
verify (const char *path,
        guint       round)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObStore) store = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GHashTable) history = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) target_history_free);
  g_autoptr(GHashTable) existing = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *round_prefix = g_strdup_printf ("r%u-", round);
  GHashTableIter iter;
  gpointer key, value;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint round_creates = 0;

  /* Straight from the file, before the store touches it (beyond SQLite's
   * own WAL recovery). */
  assert_raw_integrity (path);

  store = ob_store_new_for_path (path, &error);
  g_assert_no_error (error);
  g_assert_true (ob_store_integrity_check (store, &error));
  g_assert_no_error (error);

  /* The log, in one pass. */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT target, action, detail FROM activity_log"
                                       " ORDER BY id", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *target = (const char *) sqlite3_column_text (stmt, 0);
      const char *action = (const char *) sqlite3_column_text (stmt, 1);
      const char *detail = (const char *) sqlite3_column_text (stmt, 2);
      TargetHistory *h = g_hash_table_lookup (history, target);

      g_assert_nonnull (target);
      if (h == NULL)
        {
          h = g_new0 (TargetHistory, 1);
          g_hash_table_insert (history, g_strdup (target), h);
        }

      g_free (h->last_action);
      h->last_action = g_strdup (action);
      if (g_str_equal (action, "create-profile"))
        {
          h->creates++;
          if (g_str_has_prefix (target, round_prefix))
            round_creates++;
        }
      if (g_str_equal (action, "delete-profile"))
        h->deletes++;
      if (detail != NULL)
        {
          g_free (h->last_links_detail);
          h->last_links_detail = g_strdup (detail);
        }
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  /* Each profile: the links its tag announces, priorities 1..N, and the
   * latest log line about it agrees. */
  profiles = ob_store_list_profiles (store, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint p = 0; p < profiles->len; p++)
    {
      ObProfile *profile = g_ptr_array_index (profiles, p);
      const char *name = ob_profile_get_name (profile);
      const char * const *tags = ob_profile_get_tags (profile);
      GPtrArray *links = ob_profile_get_wifi_links (profile);
      TargetHistory *h = g_hash_table_lookup (history, name);
      g_autofree char *expected_detail = NULL;
      guint announced = 0;

      g_assert_nonnull (tags);
      g_assert_true (g_str_has_prefix (tags[0], "links:"));
      announced = (guint) g_ascii_strtoull (tags[0] + strlen ("links:"), NULL, 10);
      if (links->len != announced)
        g_error ("profile %s has %u wireless links, its record says %u", name, links->len, announced);
      for (guint l = 0; l < links->len; l++)
        g_assert_cmpuint (((ObProfileWifiLink *) g_ptr_array_index (links, l))->priority, ==, l + 1);

      if (h == NULL)
        g_error ("profile %s exists but was never logged", name);
      g_assert_cmpuint (h->creates, ==, 1);
      g_assert_cmpuint (h->deletes, ==, 0);
      expected_detail = g_strdup_printf ("links=%u", announced);
      g_assert_cmpstr (h->last_links_detail, ==, expected_detail);
      g_hash_table_add (existing, (gpointer) name);
    }

  /* Each logged profile: present unless its last entry is a delete. */
  g_hash_table_iter_init (&iter, history);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      TargetHistory *h = value;
      gboolean deleted = g_str_equal (h->last_action, "delete-profile");

      g_assert_cmpuint (h->creates, ==, 1);
      g_assert_cmpuint (h->deletes, ==, deleted ? 1 : 0);
      if (deleted == g_hash_table_contains (existing, key))
        g_error ("profile %s: log says %s, table says %s", (const char *) key,
                 deleted ? "deleted" : "present", deleted ? "present" : "absent");
    }

  /* Devices: the friendly name counts the tags. */
  devices = ob_store_list_devices (store, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (devices->len, <=, N_DEVICES);
  for (guint d = 0; d < devices->len; d++)
    {
      ObDeviceRecord *device = g_ptr_array_index (devices, d);
      const char * const *tags = ob_device_record_get_tags (device);
      g_autofree char *expected = g_strdup_printf ("tags=%u", g_strv_length ((char **) tags));

      g_assert_cmpstr (ob_device_record_get_friendly_name (device), ==, expected);
      for (guint t = 0; tags[t] != NULL; t++)
        {
          g_autofree char *tag = g_strdup_printf ("t%u", t);

          g_assert_cmpstr (tags[t], ==, tag);
        }
    }

  g_assert_finalize_object (g_steal_pointer (&store));

  return round_creates;
}

static void
test_crash (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-store-crash-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  guint total_commits = 0;
  guint rounds_in_flight = 0;
  guint rounds_rolled_back = 0;
  guint rounds_with_progress = 0;
  guint round;
  gint64 started = g_get_monotonic_time ();

  g_assert_no_error (error);
  g_assert_nonnull (self_exe);
  path = g_build_filename (dir, "outband.db", NULL);

  /* The wireless configs every profile links to. */
  {
    g_autoptr(ObStore) store = ob_store_new_for_path (path, &error);

    g_assert_no_error (error);
    for (guint w = 0; w < N_WIRELESS; w++)
      {
        g_autofree char *name = g_strdup_printf ("w%u", w);
        g_autoptr(ObWirelessConfig) config = ob_wireless_config_new (name);

        ob_wireless_config_set_ssid (config, name);
        g_assert_true (ob_store_insert_wireless_config (store, config, &error));
        g_assert_no_error (error);
      }
    g_assert_finalize_object (g_steal_pointer (&store));
  }

  for (round = 0;
       round < MAX_ROUNDS &&
       (round < N_ROUNDS || rounds_in_flight < MIN_IN_FLIGHT || rounds_rolled_back < 1);
       round++)
    {
      ChildOutput out = { FALSE, -1, -1, g_string_new (NULL) };
      guint32 seed = g_test_rand_int ();
      guint delay = g_test_rand_int_range (5000, 200001);
      g_autofree char *round_arg = g_strdup_printf ("%u", round);
      g_autofree char *seed_arg = g_strdup_printf ("%u", seed);
      const char *argv[] = { self_exe, "--crash-child", path, round_arg, seed_arg, NULL };
      gboolean in_flight;
      guint acknowledged;
      guint found;
      GPid pid;
      int out_fd;
      int status = 0;

      g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                NULL, NULL, &pid, NULL, &out_fd, NULL, &error);
      g_assert_no_error (error);

      /* Start the clock once the child is writing, not while it starts. */
      g_assert_true (read_child (out_fd, &out, g_get_monotonic_time () + 30 * G_USEC_PER_SEC, TRUE));
      g_assert_true (out.ready);
      read_child (out_fd, &out, g_get_monotonic_time () + delay, FALSE);

      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      while (read_child (out_fd, &out, -1, FALSE))
        ;
      close (out_fd);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);
      if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
        g_error ("round %u: the child was not killed but ended with status %d", round, status);

      /* "B i" without "C i": killed inside (or just after) transaction i. */
      in_flight = out.last_begun > out.last_committed;
      acknowledged = (guint) (out.last_committed + 1);
      found = verify (path, round);

      g_test_message ("round %u: seed %u, killed after %u us, %u commits acknowledged,"
                      " %u found%s", round, seed, delay, acknowledged, found,
                      in_flight ? ", one in flight" : "");

      /* Every acknowledged commit survived; the one in flight is either
       * there whole or not at all (verify checked "whole"). */
      g_assert_cmpuint (found, >=, acknowledged);
      g_assert_cmpuint (found, <=, acknowledged + (in_flight ? 1 : 0));

      total_commits += found;
      rounds_in_flight += in_flight ? 1 : 0;
      rounds_rolled_back += in_flight && found == acknowledged ? 1 : 0;
      rounds_with_progress += found > 0 ? 1 : 0;
      g_string_free (out.partial, TRUE);
    }

  g_test_message ("%u rounds, %u killed with a transaction in flight (%u of them rolled"
                  " back), %u made progress, %u transactions committed, %.1f s",
                  round, rounds_in_flight, rounds_rolled_back, rounds_with_progress,
                  total_commits,
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  /* The kills must really have landed in the middle of writing, and at
   * least once a half-written transaction must have been rolled back. */
  g_assert_cmpuint (rounds_in_flight, >=, MIN_IN_FLIGHT);
  g_assert_cmpuint (rounds_rolled_back, >=, 1);
  g_assert_cmpuint (rounds_with_progress, >=, round / 2);

  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (dir);
  }
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 5 && g_str_equal (argv[1], "--crash-child"))
    return child_main (argv[2],
                       (guint) g_ascii_strtoull (argv[3], NULL, 10),
                       (guint32) g_ascii_strtoull (argv[4], NULL, 10));

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/crash/kill-during-writes", test_crash);

  return g_test_run ();
}
