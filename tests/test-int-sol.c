/* test-int-sol.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Serial-over-LAN end to end against the simulator's console, over the
 * LAN, over CIRA and through the MPS WebSocket relay: the boot text
 * arrives, a login and "help" get their answers, the session ends
 * cleanly and the device sees it end. */

#include "config.h"

#include <string.h>

#include "int-test-util.h"

typedef struct
{
  GString    *out;
  const char *needle;
} Seen;

static gboolean
output_has (gpointer data)
{
  Seen *s = data;

  return strstr (s->out->str, s->needle) != NULL;
}

static gboolean
no_connections (gpointer data)
{
  return ob_sim_redir_server_get_n_connections (data) == 0;
}

static void
on_sol_data (ObRedirSession *session,
             GBytes         *data,
             gpointer        user_data)
{
  gsize size;
  const char *p = g_bytes_get_data (data, &size);

  g_string_append_len (user_data, p, (gssize) size);
}

static void
run_sol (IntTransport transport)
{
  IntEnv env;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(ObRedirSession) session = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *expect = NULL;
  Seen seen = { out, "login: " };
  const char *input = "root\rx\rhelp\rhostname\r";

  int_env_init (&env, transport);

  stream = int_env_open (&env, "sol", &error);
  g_assert_no_error (error);
  session = int_env_start (&env, stream, OB_REDIR_SESSION_SOL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  g_signal_connect (session, "sol-data", G_CALLBACK (on_sol_data), out);
  g_assert_true (int_wait_until (output_has, &seen, 20000));

  g_assert_true (ob_redir_session_sol_send (session, (const guint8 *) input, strlen (input), &error));
  g_assert_no_error (error);
  seen.needle = "help\r\nCommands: help uname";
  g_assert_true (int_wait_until (output_has, &seen, 20000));
  expect = g_strdup_printf ("hostname\r\n%s\r\n", ob_sim_device_get_hostname (env.sim));
  seen.needle = expect;
  g_assert_true (int_wait_until (output_has, &seen, 20000));

  /* A clean end: the device sees the session go. */
  ob_redir_session_close_async (session, NULL, cira_test_store_result, &result);
  g_assert_true (ob_redir_session_close_finish (session, cira_test_wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_true (int_wait_until (no_connections, env.redir, 20000));

  int_env_clear (&env);
}

static void
test_sol_lan (void)
{
  run_sol (INT_TRANSPORT_LAN);
}

static void
test_sol_cira (void)
{
  run_sol (INT_TRANSPORT_CIRA);
}

static void
test_sol_relay (void)
{
  run_sol (INT_TRANSPORT_RELAY);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  int_test_init ();

  g_test_add_func ("/int-sol/lan", test_sol_lan);
  g_test_add_func ("/int-sol/cira", test_sol_cira);
  g_test_add_func ("/int-sol/relay", test_sol_relay);

  ret = g_test_run ();
  int_test_shutdown ();
  return ret;
}
