/* test-power-actions.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "ob-power-actions.h"
#include "ob-wsman-error.h"

/* A finished run as ob_power_action_run_async() leaves it: a boolean task. */
static GTask *
finished_run (GError *error)
{
  GTask *task = g_task_new (NULL, NULL, NULL, NULL);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  return task;
}

static void
test_lookup (void)
{
  guint n = 0;
  const ObPowerActionInfo *all = ob_power_actions_get_all (&n);

  g_assert_cmpuint (n, >, 10);
  for (guint i = 0; i < n; i++)
    g_assert_true (ob_power_actions_lookup (all[i].action) == &all[i]);
  g_assert_cmpstr (ob_power_actions_lookup (8)->label, ==, "Power Off");
  g_assert_null (ob_power_actions_lookup (9999));
}

static void
test_finish_message (void)
{
  g_autoptr(GTask) done = finished_run (NULL);
  g_autoptr(GTask) auth = finished_run (g_error_new_literal (OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED,
                                                             "401"));
  g_autoptr(GTask) plain = finished_run (g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                                              "The device said no"));
  g_autoptr(GTask) cancelled = finished_run (g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                                  "Operation was cancelled"));
  g_autofree char *done_message = ob_power_action_run_finish_message (8, G_ASYNC_RESULT (done));
  g_autofree char *auth_message = ob_power_action_run_finish_message (10, G_ASYNC_RESULT (auth));
  g_autofree char *plain_message = ob_power_action_run_finish_message (2, G_ASYNC_RESULT (plain));

  g_assert_cmpstr (done_message, ==, "Power Off done");
  g_assert_cmpstr (auth_message, ==, "Reset failed: Wrong user name or password");
  g_assert_cmpstr (plain_message, ==, "Power On failed: The device said no");
  /* Nobody waits for a cancelled run's answer. */
  g_assert_null (ob_power_action_run_finish_message (5, G_ASYNC_RESULT (cancelled)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/power-actions/lookup", test_lookup);
  g_test_add_func ("/power-actions/finish-message", test_finish_message);

  return g_test_run ();
}
