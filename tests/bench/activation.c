/* activation.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* N concurrent CCM activations (with the CIRA configuration that follows)
 * against ObRpsServer, the devices being the simulator's rpc-go client and
 * WS-Man side over real loopback WebSockets.
 *
 * The server runs in a thread of its own with its own main context; the
 * simulated devices run on the main thread.  Reported:
 *   - wall time from the first connection to the last success;
 *   - server CPU per activation: the server thread's CPU time plus the
 *     worker threads' (the whole process minus the main thread, where the
 *     devices run), divided by N;
 *   - peak RSS of the process (server and devices together: they share
 *     the process) and its growth over the run.
 * The reference server waits delay_timer (12 s) after Setup for AMT to
 * settle; --settle sets it here (default 0, so the figures are the
 * server's work, not its waiting).
 *
 *   activation [--devices 100] [--latency 0,50] [--settle 0]
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ob-rps-server.h"
#include "ob-secret-store-memory.h"
#include "ob-sim-certificate.h"
#include "ob-sim-device.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-rpc.h"
#include "ob-sim-wsman-server.h"
#include "ob-store.h"

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  ObRpsServer  *server;
  ObStore      *store;
  ObSecretStore *secrets;
  char         *dir;
  guint         settle_ms;
  guint         port;
  GMutex        lock;
  GCond         ready;
  gboolean      started;
  double        thread_cpu;   /* seconds, read when the loop ends */
} Server;

static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
process_cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static long
status_kib (const char *field)
{
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL) || (p = strstr (text, field)) == NULL)
    return -1;
  return strtol (p + strlen (field) + 1, NULL, 10);
}

static void
add_records (ObStore       *store,
             ObSecretStore *secrets)
{
  g_autoptr(ObCiraConfig) config = ob_cira_config_new ("bench");
  g_autoptr(ObProfile) profile = ob_profile_new ("bench-ccm");
  g_autoptr(GError) error = NULL;

  ob_cira_config_set_mps_server_address (config, "127.0.0.1");
  ob_cira_config_set_server_address_format (config, OB_CIRA_ADDRESS_FORMAT_IPV4);
  ob_cira_config_set_common_name (config, "127.0.0.1");
  ob_cira_config_set_mps_port (config, 4433);
  ob_cira_config_set_username (config, "benchuser");
  ob_cira_config_set_auth_method (config, 2);
  ob_cira_config_set_tenant_id (config, "");
  if (!ob_store_insert_cira_config (store, config, &error))
    g_error ("%s", error->message);
  ob_profile_set_activation (profile, OB_PROFILE_ACTIVATION_CCM);
  ob_profile_set_generate_random_password (profile, TRUE);
  ob_profile_set_cira_config_name (profile, "bench");
  ob_profile_set_dhcp_enabled (profile, TRUE);
  ob_profile_set_user_consent (profile, OB_PROFILE_USER_CONSENT_ALL);
  ob_profile_set_kvm_enabled (profile, TRUE);
  ob_profile_set_tenant_id (profile, "");
  if (!ob_store_insert_profile (store, profile, &error))
    g_error ("%s", error->message);
}

static gpointer
server_thread (gpointer data)
{
  Server *s = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename (s->dir, "outband.db", NULL);

  g_main_context_push_thread_default (s->context);
  s->store = ob_store_new_for_path (db, &error);
  if (s->store == NULL)
    g_error ("%s", error->message);
  s->secrets = ob_secret_store_memory_new ();
  add_records (s->store, s->secrets);
  s->server = ob_rps_server_new (s->store, s->secrets, NULL);
  ob_rps_server_get_context (s->server)->settle_delay_ms = s->settle_ms;
  ob_rps_server_get_context (s->server)->commit_delay_ms = 0;
  if (!ob_rps_server_listen (s->server, 0, &error))
    g_error ("%s", error->message);

  g_mutex_lock (&s->lock);
  s->port = ob_rps_server_get_port (s->server);
  s->started = TRUE;
  g_cond_signal (&s->ready);
  g_mutex_unlock (&s->lock);

  g_main_loop_run (s->loop);
  s->thread_cpu = thread_cpu_seconds ();

  ob_rps_server_stop (s->server);
  g_clear_object (&s->server);
  g_clear_object (&s->store);
  g_clear_object (&s->secrets);
  g_main_context_pop_thread_default (s->context);
  return NULL;
}

typedef struct
{
  ObSimDevice      *device;
  ObSimWsmanServer *wsman;
  ObSimRpc         *rpc;
  GAsyncResult     *result;
} Device;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ((Device *) user_data)->result = g_object_ref (result);
}

static gboolean
quit_idle (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* A CIRA config without a root makes the server use its CA; the bench has
 * none, so give it one the simulator takes (a self-signed certificate). */
static void
set_root (Server *s)
{
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(ObCiraConfig) config = NULL;
  g_autofree char *b64 = NULL;
  g_autoptr(GError) error = NULL;

  cert = ob_sim_certificate_new ("bench-mps-root", NULL, &error);
  if (cert == NULL)
    g_error ("%s", error->message);
  g_object_get (cert, "certificate", &der, NULL);
  b64 = g_base64_encode (der->data, der->len);
  config = ob_store_get_cira_config (s->store, "bench", &error);
  ob_cira_config_set_mps_root_certificate (config, b64);
  if (!ob_store_update_cira_config (s->store, config, &error))
    g_error ("%s", error->message);
}

static void
run (guint n,
     guint latency_ms,
     guint settle_ms)
{
  Server s = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GPtrArray) devices = g_ptr_array_new ();
  GThread *thread;
  double main_cpu0, proc_cpu0, main_cpu1, proc_cpu1, wall;
  gint64 start, end;
  long rss0, hwm;
  guint ok = 0, failed = 0;
  gboolean all;

  s.dir = g_dir_make_tmp ("outband-bench-activation-XXXXXX", &error);
  s.context = g_main_context_new ();
  s.loop = g_main_loop_new (s.context, FALSE);
  s.settle_ms = settle_ms;
  g_mutex_init (&s.lock);
  g_cond_init (&s.ready);
  thread = g_thread_new ("rps-server", server_thread, &s);
  g_mutex_lock (&s.lock);
  while (!s.started)
    g_cond_wait (&s.ready, &s.lock);
  g_mutex_unlock (&s.lock);
  set_root (&s);
  url = g_strdup_printf ("ws://127.0.0.1:%u/activate", s.port);

  for (guint i = 0; i < n; i++)
    {
      Device *d = g_new0 (Device, 1);

      d->device = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode", OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
      ob_sim_device_set_latency_ms (d->device, latency_ms);
      ob_sim_provisioning_attach (d->device);
      d->wsman = ob_sim_wsman_server_new (d->device, NULL, NULL);
      d->rpc = ob_sim_rpc_new (d->wsman);
      g_ptr_array_add (devices, d);
    }

  rss0 = status_kib ("VmRSS:");
  main_cpu0 = thread_cpu_seconds ();
  proc_cpu0 = process_cpu_seconds ();
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      Device *d = g_ptr_array_index (devices, i);

      ob_sim_rpc_activate_async (d->rpc, url, "bench-ccm", NULL, store_result, d);
    }
  do
    {
      g_main_context_iteration (NULL, TRUE);
      all = TRUE;
      for (guint i = 0; i < n && all; i++)
        all = ((Device *) g_ptr_array_index (devices, i))->result != NULL;
    }
  while (!all);
  end = g_get_monotonic_time ();
  main_cpu1 = thread_cpu_seconds ();
  proc_cpu1 = process_cpu_seconds ();
  hwm = status_kib ("VmHWM:");

  for (guint i = 0; i < n; i++)
    {
      Device *d = g_ptr_array_index (devices, i);
      g_autoptr(GError) e = NULL;
      g_autofree char *message = ob_sim_rpc_finish (d->rpc, d->result, &e);

      if (message != NULL)
        ok++;
      else
        {
          if (failed++ == 0)
            g_printerr ("first failure: %s\n", e->message);
        }
      g_object_unref (d->result);
      g_object_unref (d->rpc);
      ob_sim_wsman_server_stop (d->wsman);
      g_object_unref (d->wsman);
      g_object_unref (d->device);
      g_free (d);
    }

  g_main_context_invoke (s.context, quit_idle, s.loop);
  g_thread_join (thread);

  wall = (end - start) / 1e6;
  /* The server's share: everything but the main thread (the devices). */
  printf ("%4u activations, %3u ms per call, settle %5u ms: %u ok, %u failed\n", n, latency_ms, settle_ms, ok, failed);
  printf ("    wall %.2f s (%.1f activations/s)\n", wall, n / wall);
  printf ("    server CPU %.2f ms per activation (server thread %.2f s, workers and server together %.2f s)\n",
          1000.0 * ((proc_cpu1 - proc_cpu0) - (main_cpu1 - main_cpu0)) / n, s.thread_cpu,
          (proc_cpu1 - proc_cpu0) - (main_cpu1 - main_cpu0));
  printf ("    devices (main thread) CPU %.2f s\n", main_cpu1 - main_cpu0);
  printf ("    process peak RSS %.1f MiB (devices included), grew %.1f MiB over the run\n",
          hwm / 1024.0, (status_kib ("VmRSS:") - rss0) / 1024.0);

  {
    g_autofree char *db = g_build_filename (s.dir, "outband.db", NULL);
    g_autofree char *wal = g_strconcat (db, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db, "-shm", NULL);

    g_unlink (db);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (s.dir);
  }
  g_free (s.dir);
  g_main_loop_unref (s.loop);
  g_main_context_unref (s.context);
  g_mutex_clear (&s.lock);
  g_cond_clear (&s.ready);
}

static void
drop_log (const char     *domain,
          GLogLevelFlags  level,
          const char     *message,
          gpointer        data)
{
}

int
main (int   argc,
      char *argv[])
{
  int devices = 100, settle = 0;
  g_autofree char *latencies = g_strdup ("0,50");
  g_auto(GStrv) list = NULL;
  GOptionEntry entries[] = {
    { "devices", 0, 0, G_OPTION_ARG_INT, &devices, "Concurrent activations (default 100)", "N" },
    { "latency", 0, 0, G_OPTION_ARG_STRING, &latencies, "Per-call device latencies, comma separated (default 0,50)", "MS" },
    { "settle", 0, 0, G_OPTION_ARG_INT, &settle, "The server's wait after Setup (default 0; the reference waits 12000)", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- concurrent CCM activations against ObRpsServer");
  g_autoptr(GError) error = NULL;

  /* One line per activation is right for a server's log, not for figures. */
  g_log_set_handler ("outband-rps", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO, drop_log, NULL);
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || devices < 1 || settle < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "bad arguments");
      return EXIT_FAILURE;
    }
  list = g_strsplit (latencies, ",", -1);
  for (guint i = 0; list[i] != NULL; i++)
    run ((guint) devices, (guint) strtoul (list[i], NULL, 10), (guint) settle);
  return EXIT_SUCCESS;
}
