/* test-log.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-log.h"

static void
test_threshold (void)
{
  ob_log_set_level (OB_LOG_LEVEL_MESSAGE);
  g_assert_true (ob_log_would_write ("outband-mps", G_LOG_LEVEL_WARNING));
  g_assert_true (ob_log_would_write ("outband-mps", G_LOG_LEVEL_MESSAGE));
  g_assert_false (ob_log_would_write ("outband-mps", G_LOG_LEVEL_INFO));
  g_assert_false (ob_log_would_write ("outband-rps", G_LOG_LEVEL_DEBUG));

  ob_log_set_level (OB_LOG_LEVEL_DEBUG);
  g_assert_true (ob_log_would_write ("outband-mps", G_LOG_LEVEL_DEBUG));
  g_assert_true (ob_log_would_write ("outband-store", G_LOG_LEVEL_INFO));

  /* Even at "error", warnings still get through: they mean trouble. */
  ob_log_set_level (OB_LOG_LEVEL_ERROR);
  g_assert_true (ob_log_would_write ("outband-mps", G_LOG_LEVEL_WARNING));
  g_assert_true (ob_log_would_write ("outband-mps", G_LOG_LEVEL_CRITICAL));
  g_assert_false (ob_log_would_write ("outband-mps", G_LOG_LEVEL_MESSAGE));
}

static void
test_other_domains_untouched (void)
{
  /* Our threshold does not turn on GLib's or GTK's debug output. */
  ob_log_set_level (OB_LOG_LEVEL_DEBUG);
  g_assert_false (ob_log_would_write ("GLib-GIO", G_LOG_LEVEL_DEBUG));
}

static void
test_from_string (void)
{
  ObLogLevel level = OB_LOG_LEVEL_ERROR;

  g_assert_true (ob_log_level_from_string ("debug", &level));
  g_assert_cmpint (level, ==, OB_LOG_LEVEL_DEBUG);
  g_assert_true (ob_log_level_from_string ("warning", &level));
  g_assert_cmpint (level, ==, OB_LOG_LEVEL_WARNING);
  g_assert_false (ob_log_level_from_string ("verbose", &level));
  g_assert_false (ob_log_level_from_string (NULL, &level));
  g_assert_cmpint (level, ==, OB_LOG_LEVEL_WARNING);
}

/* The writer really filters: a child process logs at every level and the
 * parent checks what reached stderr. */
static void
test_writer (void)
{
  if (g_test_subprocess ())
    {
      ob_log_init ();
      ob_log_set_level (OB_LOG_LEVEL_INFO);
      g_log ("outband-mps", G_LOG_LEVEL_INFO, "info-line-visible");
      g_log ("outband-mps", G_LOG_LEVEL_DEBUG, "debug-line-hidden");
      ob_log_set_level (OB_LOG_LEVEL_DEBUG);
      g_log ("outband-rps", G_LOG_LEVEL_DEBUG, "debug-line-now-visible");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*info-line-visible*debug-line-now-visible*");
  g_test_trap_assert_stderr_unmatched ("*debug-line-hidden*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/log/threshold", test_threshold);
  g_test_add_func ("/log/other-domains-untouched", test_other_domains_untouched);
  g_test_add_func ("/log/from-string", test_from_string);
  g_test_add_func ("/log/writer", test_writer);

  return g_test_run ();
}
