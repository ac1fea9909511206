/* wsman-roundtrip.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Power-state queries against the simulator over loopback, the way the
 * REST route and the device page ask for them (Get IPS_PowerManagementService
 * and, at the same time, Enumerate/Pull CIM_AssociatedPowerManagementService:
 * three WS-Man requests per query, two round trips long,
 * digest-authenticated, kept-alive connections).
 *
 * The simulator runs in its own process (outband-sim lan), so client and
 * devices do not share a main loop.  For each combination of device count
 * (1, 10, 100), concurrency (1, 32 queries in flight across the fleet) and
 * transport (HTTP, TLS) it prints queries/s, WS-Man requests/s and the p50
 * and p99 latency of one query.
 *
 *   wsman-roundtrip [--sim PATH] [--seconds S] [--devices 1,10,100]
 *                   [--concurrency 1,32] [--tls-only|--plain-only]
 */

#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob-amt-power.h"
#include "ob-lan-stream-source.h"
#include "ob-wsman-client.h"

#define AMT_PASSWORD "P@ssw0rd"
#define REQUESTS_PER_QUERY 3

typedef struct
{
  char              *guid;
  char              *host;
  guint              http_port;
  guint              tls_port;
  ObLanStreamSource *source;
  ObWsmanClient     *client;
} Device;

typedef struct
{
  GPtrArray *devices;       /* Device* */
  guint      concurrency;
  gint64     deadline;
  guint      next_device;
  guint      in_flight;
  guint      errors;
  GArray    *latencies_us;  /* gint64 */
  char      *first_error;
} Run;

static void
device_free (Device *device)
{
  if (device->client != NULL)
    ob_wsman_client_shutdown (device->client);
  g_clear_object (&device->client);
  g_clear_object (&device->source);
  g_free (device->guid);
  g_free (device->host);
  g_free (device);
}

static gboolean
parse_host_port (const char  *text,
                 char       **host,
                 guint       *port)
{
  const char *colon = strrchr (text, ':');

  if (colon == NULL)
    return FALSE;
  *host = g_strndup (text, colon - text);
  *port = (guint) g_ascii_strtoull (colon + 1, NULL, 10);
  return *port > 0;
}

/* Starts outband-sim and reads one line per device. */
static GPtrArray *
start_simulator (const char  *sim_path,
                 guint        count,
                 gboolean     tls,
                 GPid        *out_pid)
{
  g_autofree char *count_arg = g_strdup_printf ("%u", count);
  const char *argv[] = { sim_path, "lan", "--count", count_arg, "--address", "127.0.3.1",
                         "--port-base", "0", "--latency-ms", "0", "--amt-password", AMT_PASSWORD,
                         tls ? "--tls" : NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GInputStream) out = NULL;
  GPtrArray *devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  /* GLib writes debug output to stdout, where the device lines are read. */
  g_auto(GStrv) envp = g_environ_unsetenv (g_get_environ (), "G_MESSAGES_DEBUG");
  int out_fd;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                 NULL, out_pid, NULL, &out_fd, NULL, &error))
    g_error ("Cannot start %s: %s", sim_path, error->message);

  out = g_unix_input_stream_new (out_fd, TRUE);
  lines = g_data_input_stream_new (out);

  while (devices->len < count)
    {
      g_autofree char *line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
      g_auto(GStrv) fields = NULL;
      Device *device;

      if (line == NULL)
        g_error ("The simulator stopped before listing %u devices", count);

      fields = g_strsplit_set (g_strstrip (line), " ", -1);
      {
        /* Drop the empty fields that double spaces make. */
        g_autoptr(GPtrArray) words = g_ptr_array_new ();

        for (guint i = 0; fields[i] != NULL; i++)
          if (fields[i][0] != '\0')
            g_ptr_array_add (words, fields[i]);

        if (words->len < 2)
          continue;

        device = g_new0 (Device, 1);
        device->guid = g_strdup (g_ptr_array_index (words, 0));
        if (!parse_host_port (g_ptr_array_index (words, 1), &device->host, &device->http_port))
          g_error ("Cannot read the simulator's line “%s”", line);
        if (words->len >= 4 && g_str_equal (g_ptr_array_index (words, 2), "tls"))
          {
            g_autofree char *tls_host = NULL;

            parse_host_port (g_ptr_array_index (words, 3), &tls_host, &device->tls_port);
          }
        g_ptr_array_add (devices, device);
      }
    }

  return devices;
}

typedef struct
{
  char     *fingerprint;
  gboolean  done;
  GError   *error;
} Probe;

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Probe *probe = user_data;

  ob_lan_stream_source_probe_certificate_finish (result, &probe->fingerprint, NULL, NULL, NULL,
                                                 &probe->error);
  probe->done = TRUE;
}

static void
connect_clients (GPtrArray *devices,
                 gboolean   tls)
{
  for (guint i = 0; i < devices->len; i++)
    {
      Device *device = g_ptr_array_index (devices, i);
      guint port = tls ? device->tls_port : device->http_port;
      g_autofree char *host_header = g_strdup_printf ("%s:%u", device->host, port);

      device->source = ob_lan_stream_source_new (device->host);
      if (tls)
        {
          Probe probe = { 0 };

          /* Trust on first use, as the add-device dialog does. */
          ob_lan_stream_source_probe_certificate_async (device->host, port, 10, NULL, on_probed,
                                                        &probe);
          while (!probe.done)
            g_main_context_iteration (NULL, TRUE);
          if (probe.error != NULL)
            g_error ("Cannot read %s's certificate: %s", device->host, probe.error->message);
          ob_lan_stream_source_set_use_tls (device->source, TRUE);
          ob_lan_stream_source_set_pinned_fingerprint (device->source, probe.fingerprint);
          g_free (probe.fingerprint);
        }

      device->client = ob_wsman_client_new (OB_STREAM_SOURCE (device->source), port, host_header,
                                            "admin", AMT_PASSWORD);
    }
}

static void issue_query (Run *run);

typedef struct
{
  Run    *run;
  Device *device;
  gint64  started;
} Query;

static void
on_power_state (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Query *query = user_data;
  Run *run = query->run;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint power_state = 0;

  node = ob_amt_power_state_finish (OB_WSMAN_CLIENT (source), result, &power_state, NULL, &error);
  if (node == NULL)
    {
      run->errors++;
      if (run->first_error == NULL)
        run->first_error = g_strdup (error->message);
    }
  else
    {
      gint64 latency = g_get_monotonic_time () - query->started;

      g_array_append_val (run->latencies_us, latency);
    }

  run->in_flight--;
  g_free (query);

  if (g_get_monotonic_time () < run->deadline)
    issue_query (run);
}

static void
issue_query (Run *run)
{
  Query *query = g_new0 (Query, 1);

  query->run = run;
  query->device = g_ptr_array_index (run->devices, run->next_device);
  run->next_device = (run->next_device + 1) % run->devices->len;
  query->started = g_get_monotonic_time ();
  run->in_flight++;

  ob_amt_power_state_async (query->device->client, NULL, on_power_state, query);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *sorted,
               double  p)
{
  guint index;

  if (sorted->len == 0)
    return 0;
  index = (guint) (p * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, gint64, index) / 1000.0;
}

static void
measure (GPtrArray *devices,
         guint      concurrency,
         double     seconds,
         gboolean   tls)
{
  Run run = { 0 };
  gint64 started;
  double elapsed;
  guint n;

  run.devices = devices;
  run.concurrency = concurrency;
  run.latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));

  /* Warm-up: one query per device opens its connection and learns the
   * digest challenge, as a running app would have done long before. */
  run.deadline = 0;
  for (guint i = 0; i < devices->len; i++)
    issue_query (&run);
  while (run.in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  g_array_set_size (run.latencies_us, 0);
  run.errors = 0;
  g_clear_pointer (&run.first_error, g_free);

  started = g_get_monotonic_time ();
  run.deadline = started + (gint64) (seconds * G_USEC_PER_SEC);
  for (guint i = 0; i < concurrency; i++)
    issue_query (&run);
  while (run.in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  elapsed = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  g_array_sort (run.latencies_us, compare_gint64);
  n = run.latencies_us->len;
  g_print ("%-5s %7u %11u %11.0f %13.0f %9.2f %9.2f %7u\n",
           tls ? "tls" : "http", devices->len, concurrency, n / elapsed,
           n * REQUESTS_PER_QUERY / elapsed, percentile_ms (run.latencies_us, 0.50),
           percentile_ms (run.latencies_us, 0.99), run.errors);
  if (run.first_error != NULL)
    g_print ("      first error: %s\n", run.first_error);

  g_array_unref (run.latencies_us);
  g_free (run.first_error);
}

static GArray *
parse_list (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  GArray *values = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint v = (guint) g_ascii_strtoull (parts[i], NULL, 10);

      if (v > 0)
        g_array_append_val (values, v);
    }
  return values;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *sim_path = NULL;
  g_autofree char *devices_text = NULL;
  g_autofree char *concurrency_text = NULL;
  double seconds = 3.0;
  gboolean tls_only = FALSE, plain_only = FALSE;
  GOptionEntry entries[] = {
    { "sim", 0, 0, G_OPTION_ARG_FILENAME, &sim_path, "Path of outband-sim", "PATH" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Seconds per measurement (default 3)", "S" },
    { "devices", 0, 0, G_OPTION_ARG_STRING, &devices_text, "Device counts (default 1,10,100)", "LIST" },
    { "concurrency", 0, 0, G_OPTION_ARG_STRING, &concurrency_text, "Queries in flight (default 1,32)", "LIST" },
    { "tls-only", 0, 0, G_OPTION_ARG_NONE, &tls_only, "Only measure TLS", NULL },
    { "plain-only", 0, 0, G_OPTION_ARG_NONE, &plain_only, "Only measure plain HTTP", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- WS-Man round trips against the simulator");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) device_counts = NULL;
  g_autoptr(GArray) concurrencies = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (sim_path == NULL)
    {
      g_autofree char *dir = g_path_get_dirname (argv[0]);

      sim_path = g_build_filename (dir, "..", "..", "src", "sim", "outband-sim", NULL);
    }
  device_counts = parse_list (devices_text != NULL ? devices_text : "1,10,100");
  concurrencies = parse_list (concurrency_text != NULL ? concurrency_text : "1,32");

  g_print ("# wsman-roundtrip: power-state queries (%d WS-Man requests each) against "
           "outband-sim over loopback, %.1f s per line\n", REQUESTS_PER_QUERY, seconds);
  g_print ("%-5s %7s %11s %11s %13s %9s %9s %7s\n", "proto", "devices", "concurrency",
           "queries/s", "requests/s", "p50 ms", "p99 ms", "errors");

  for (guint t = 0; t < 2; t++)
    {
      gboolean tls = t == 1;

      if ((tls && plain_only) || (!tls && tls_only))
        continue;

      for (guint d = 0; d < device_counts->len; d++)
        {
          guint count = g_array_index (device_counts, guint, d);
          g_autoptr(GPtrArray) devices = NULL;
          GPid pid;

          devices = start_simulator (sim_path, count, tls, &pid);
          connect_clients (devices, tls);

          for (guint c = 0; c < concurrencies->len; c++)
            measure (devices, g_array_index (concurrencies, guint, c), seconds, tls);

          g_clear_pointer (&devices, g_ptr_array_unref);
          kill (pid, SIGTERM);
          waitpid (pid, NULL, 0);
          g_spawn_close_pid (pid);
        }
    }

  return 0;
}
