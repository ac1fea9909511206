/* test-config.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-config.h"

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_defaults (void)
{
  g_autoptr(ObConfig) config = ob_config_new ();

  g_assert_cmpuint (ob_config_get_cira_port (config), ==, 4433);
  g_assert_cmpuint (ob_config_get_rps_port (config), ==, 8080);
  g_assert_cmpuint (ob_config_get_api_port (config), ==, 3000);
  g_assert_false (ob_config_get_api_enabled (config));
  g_assert_cmpstr (ob_config_get_api_address (config), ==, "127.0.0.1");
  g_assert_cmpstr (ob_config_get_mps_common_name (config), ==, "");
  g_assert_cmpuint (ob_config_get_keepalive_interval (config), ==, 30);
  g_assert_false (ob_config_get_allow_legacy_tls (config));
  g_assert_cmpint (ob_config_get_log_level (config), ==, OB_LOG_LEVEL_MESSAGE);
}

static void
test_notify_only_on_change (void)
{
  g_autoptr(ObConfig) config = ob_config_new ();
  guint notified = 0;

  g_signal_connect (config, "notify", G_CALLBACK (count_notify), &notified);

  ob_config_set_cira_port (config, 4433);
  ob_config_set_api_address (config, "127.0.0.1");
  ob_config_set_allow_legacy_tls (config, FALSE);
  g_assert_cmpuint (notified, ==, 0);

  ob_config_set_cira_port (config, 14433);
  ob_config_set_api_address (config, "::1");
  ob_config_set_allow_legacy_tls (config, TRUE);
  ob_config_set_log_level (config, OB_LOG_LEVEL_DEBUG);
  g_assert_cmpuint (notified, ==, 4);

  g_object_set (config, "rps-port", 18080, "mps-common-name", "mps.example.com", NULL);
  g_assert_cmpuint (notified, ==, 6);
  g_assert_cmpuint (ob_config_get_rps_port (config), ==, 18080);
}

static void
test_common_name (void)
{
  g_autoptr(ObConfig) config = ob_config_new ();
  g_autofree char *fallback = ob_config_dup_effective_common_name (config);
  g_autofree char *set = NULL;

  g_assert_nonnull (fallback);
  g_assert_cmpstr (fallback, !=, "");

  ob_config_set_mps_common_name (config, "mps.example.com");
  set = ob_config_dup_effective_common_name (config);
  g_assert_cmpstr (set, ==, "mps.example.com");

  /* NULL resets to "use this host's address". */
  ob_config_set_mps_common_name (config, NULL);
  g_assert_cmpstr (ob_config_get_mps_common_name (config), ==, "");
}

static void
test_out_of_range_rejected (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ObConfig) config = ob_config_new ();

      /* Ports below 1024 are refused: the app never needs privileges. */
      ob_config_set_cira_port (config, 443);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*value >= 1024*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/notify-only-on-change", test_notify_only_on_change);
  g_test_add_func ("/config/common-name", test_common_name);
  g_test_add_func ("/config/out-of-range-rejected", test_out_of_range_rejected);

  return g_test_run ();
}
