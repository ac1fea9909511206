/* sim-main.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "ob-sim-cira.h"
#include "ob-sim-fleet.h"
#include "ob-util.h"

/* outband-sim: simulated Intel AMT devices for tests, demos and
 * benchmarks.  One subcommand per simulator: "lan" serves devices on the
 * LAN ports; "cira" makes devices call an MPS; later ones ("rpc") call
 * other servers. */

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static int
run_lan (int    argc,
         char **argv)
{
  int count = 1;
  g_autofree char *address = g_strdup ("127.0.1.1");
  g_autofree char *password = NULL;
  g_autofree char *mode = NULL;
  int latency_ms = 0;
  gboolean tls = FALSE;
  int port_base = OB_SIM_HTTP_PORT;
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of devices (default 1)", "N" },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address,
      "IPv4 address of the first device; the next ones count up (default 127.0.1.1)", "ADDRESS" },
    { "amt-password", 'p', 0, G_OPTION_ARG_STRING, &password,
      "Password of the AMT user “admin” (default " OB_SIM_DEFAULT_PASSWORD ")", "PASSWORD" },
    { "latency-ms", 'l', 0, G_OPTION_ARG_INT, &latency_ms,
      "Delay before each WS-Man reply, in milliseconds (default 0)", "MS" },
    { "tls", 't', 0, G_OPTION_ARG_NONE, &tls,
      "Also serve TLS (self-signed certificate) on the port after the HTTP port", NULL },
    { "port-base", 'P', 0, G_OPTION_ARG_INT, &port_base,
      "HTTP port (default 16992; TLS uses the next one; 0 = any free port)", "PORT" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &mode,
      "Control mode of the devices: acm (default) or ccm", "MODE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObSimFleet) fleet = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  ObSimControlMode control_mode = OB_SIM_CONTROL_MODE_ACM;
  guint tls_port;

  context = g_option_context_new ("- serve simulated AMT devices on the LAN ports");
  g_option_context_set_summary (context,
                                "Each device gets its own loopback address and a random GUID;\n"
                                "one line per device is printed: GUID, address:port.  Runs until\n"
                                "interrupted (Ctrl+C, SIGTERM).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("outband-sim lan: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("outband-sim lan: unexpected argument “%s”\n", argv[1]);
      return 2;
    }
  if (count < 1 || count > 10000)
    {
      g_printerr ("outband-sim lan: --count must be between 1 and 10000\n");
      return 2;
    }
  if (latency_ms < 0 || latency_ms > 600000)
    {
      g_printerr ("outband-sim lan: --latency-ms must be between 0 and 600000\n");
      return 2;
    }
  if (port_base < 0 || port_base > 65534)
    {
      g_printerr ("outband-sim lan: --port-base must be between 0 and 65534\n");
      return 2;
    }
  if (mode != NULL)
    {
      if (g_ascii_strcasecmp (mode, "ccm") == 0)
        control_mode = OB_SIM_CONTROL_MODE_CCM;
      else if (g_ascii_strcasecmp (mode, "acm") != 0)
        {
          g_printerr ("outband-sim lan: --mode must be acm or ccm\n");
          return 2;
        }
    }

  fleet = ob_sim_fleet_new ();
  if (!tls)
    tls_port = 0;
  else if (port_base == 0)
    tls_port = OB_SIM_PORT_ANY;
  else
    tls_port = (guint) port_base + 1;

  for (int i = 0; i < count; i++)
    {
      g_autofree char *device_address = ob_sim_fleet_nth_address (address, (guint) i, &error);
      ObSimDevice *device;

      if (device_address == NULL)
        {
          g_printerr ("outband-sim lan: %s\n", error->message);
          return 1;
        }
      device = ob_sim_fleet_add_device (fleet, device_address, (guint) port_base, tls_port,
                                        password, &error);
      if (device == NULL)
        {
          g_printerr ("outband-sim lan: cannot serve %s: %s\n", device_address, error->message);
          return 1;
        }
      ob_sim_device_set_control_mode (device, control_mode);
      ob_sim_device_set_latency_ms (device, (guint) latency_ms);

      if (ob_sim_device_get_tls_port (device) != 0)
        g_print ("%s  %s:%u  tls %s:%u\n", ob_sim_device_get_guid (device),
                 device_address, ob_sim_device_get_http_port (device),
                 device_address, ob_sim_device_get_tls_port (device));
      else
        g_print ("%s  %s:%u\n", ob_sim_device_get_guid (device),
                 device_address, ob_sim_device_get_http_port (device));
    }
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);

  ob_sim_fleet_stop (fleet);
  return 0;
}

/* ---- cira ------------------------------------------------------------------ */

/* What every device of a run shares (read-only once the shards run). */
typedef struct
{
  char              *host;
  guint              port;
  GTlsCertificate   *root;
  const char        *common_name;
  guint              max_connecting;
  const char        *cira_user;
  const char        *cira_password;
  const char        *amt_password;
  const char        *first_guid;
  guint              latency_ms;
  guint              keepalive;
  guint              backoff_ms;
  guint              backoff_max_ms;
  double             churn_per_device;
  ObSimCiraFault     fault;
  ObSimControlMode   control_mode;
  gboolean           status;          /* shards publish their counts */
} CiraSettings;

/* A GMainContext's cost per iteration grows with its sources and file
 * descriptors (GLib polls them all), so thousands of devices are spread
 * over a few threads, each with its own main loop, pool and devices. */
typedef struct
{
  const CiraSettings *settings;
  guint               first;       /* device indices [first, first + count) */
  guint               count;
  GThread            *thread;
  GMainContext       *context;
  GMainLoop          *loop;

  /* Published by the shard, read by the main thread (under status_lock). */
  guint               counts[OB_SIM_CIRA_STATE_DISCONNECTED + 1];
  guint64             attempts;
  guint64             connects;
  char               *top_error;
  guint               top_count;
} Shard;

static GMutex status_lock;
static GMutex print_lock;

/* Resident memory of this process, in KiB (0 if unknown). */
static guint64
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtoull (line + 6, NULL, 10) : 0;
}

/* The @index-th GUID from @first: its last 48 bits count up. */
static char *
nth_guid (const char *first,
          guint       index)
{
  guint8 bytes[16];
  guint64 node = 0;

  if (!ob_uuid_parse (first, bytes))
    return NULL;
  for (guint i = 10; i < 16; i++)
    node = (node << 8) | bytes[i];
  node += index;
  for (guint i = 15; i >= 10; i--)
    {
      bytes[i] = (guint8) (node & 0xff);
      node >>= 8;
    }
  return ob_uuid_to_string (bytes);
}

/* In the shard's thread: count its devices for the status line. */
static void
shard_publish (Shard     *shard,
               GPtrArray *devices)
{
  guint counts[OB_SIM_CIRA_STATE_DISCONNECTED + 1] = { 0 };
  guint64 attempts = 0, connects = 0;
  g_autoptr(GHashTable) errors = g_hash_table_new (g_str_hash, g_str_equal);
  const char *top_error = NULL;
  guint top_count = 0;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < devices->len; i++)
    {
      ObSimCira *cira = g_ptr_array_index (devices, i);
      ObSimCiraState state = ob_sim_cira_get_state (cira);
      const char *last_error = ob_sim_cira_get_last_error (cira);

      counts[state]++;
      attempts += ob_sim_cira_get_n_attempts (cira);
      connects += ob_sim_cira_get_n_connects (cira);
      if (last_error != NULL && state != OB_SIM_CIRA_STATE_CONNECTED)
        g_hash_table_insert (errors, (gpointer) last_error,
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (errors, last_error)) + 1));
    }
  /* The most common reason among devices not connected now. */
  g_hash_table_iter_init (&iter, errors);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_UINT (value) > top_count)
      {
        top_count = GPOINTER_TO_UINT (value);
        top_error = key;
      }

  g_mutex_lock (&status_lock);
  memcpy (shard->counts, counts, sizeof counts);
  shard->attempts = attempts;
  shard->connects = connects;
  g_free (shard->top_error);
  shard->top_error = g_strdup (top_error);
  shard->top_count = top_count;
  g_mutex_unlock (&status_lock);
}

typedef struct
{
  Shard     *shard;
  GPtrArray *devices;
} ShardRun;

static gboolean
on_shard_publish (gpointer user_data)
{
  ShardRun *run = user_data;

  shard_publish (run->shard, run->devices);
  return G_SOURCE_CONTINUE;
}

static gpointer
shard_main (gpointer data)
{
  Shard *shard = data;
  const CiraSettings *settings = shard->settings;
  g_autoptr(ObSimCiraPool) pool = NULL;
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func (g_object_unref);
  ShardRun run = { shard, devices };
  GSource *publish;

  g_main_context_push_thread_default (shard->context);

  pool = ob_sim_cira_pool_new (settings->host, settings->port);
  ob_sim_cira_pool_set_root_certificate (pool, settings->root);
  if (settings->common_name != NULL)
    ob_sim_cira_pool_set_common_name (pool, settings->common_name);
  ob_sim_cira_pool_set_max_connecting (pool, settings->max_connecting);

  for (guint i = shard->first; i < shard->first + shard->count; i++)
    {
      g_autofree char *guid = settings->first_guid != NULL ? nth_guid (settings->first_guid, i) : NULL;
      g_autoptr(ObSimDevice) device = ob_sim_device_new (guid);
      g_autoptr(ObSimWsmanServer) server = NULL;
      ObSimCira *cira;

      ob_sim_device_set_control_mode (device, settings->control_mode);
      ob_sim_device_set_latency_ms (device, settings->latency_ms);
      server = ob_sim_wsman_server_new (device, NULL, settings->amt_password);
      cira = ob_sim_cira_new (pool, device, server, settings->cira_user, settings->cira_password);
      ob_sim_cira_set_keepalive_interval (cira, settings->keepalive);
      ob_sim_cira_set_backoff (cira, settings->backoff_ms, settings->backoff_max_ms);
      ob_sim_cira_set_fault (cira, settings->fault);
      if (settings->churn_per_device > 0)
        ob_sim_cira_set_churn_rate (cira, settings->churn_per_device);
      g_ptr_array_add (devices, cira);

      /* Printed before connecting, so a caller can register it first. */
      g_mutex_lock (&print_lock);
      g_print ("%s\n", ob_sim_device_get_guid (device));
      fflush (stdout);
      g_mutex_unlock (&print_lock);
      ob_sim_cira_start (cira);
    }

  /* Counted only when someone reads the counts. */
  publish = g_timeout_source_new_seconds (1);
  g_source_set_callback (publish, on_shard_publish, &run, NULL);
  if (settings->status)
    g_source_attach (publish, shard->context);
  shard_publish (shard, devices);

  g_main_loop_run (shard->loop);

  g_source_destroy (publish);
  g_source_unref (publish);
  for (guint i = 0; i < devices->len; i++)
    ob_sim_cira_stop (g_ptr_array_index (devices, i));
  g_clear_pointer (&devices, g_ptr_array_unref);
  /* Let the closes go out before the thread ends. */
  while (g_main_context_iteration (shard->context, FALSE))
    ;
  g_main_context_pop_thread_default (shard->context);
  return NULL;
}

typedef struct
{
  Shard     *shards;
  guint      n_shards;
  guint      n_devices;
  GMainLoop *loop;
} CiraRun;

static gboolean
on_cira_status (gpointer user_data)
{
  CiraRun *run = user_data;
  guint counts[OB_SIM_CIRA_STATE_DISCONNECTED + 1] = { 0 };
  guint64 attempts = 0, connects = 0;
  guint64 rss = rss_kib ();
  g_autofree char *top_error = NULL;
  guint top_count = 0;

  g_mutex_lock (&status_lock);
  for (guint i = 0; i < run->n_shards; i++)
    {
      Shard *shard = &run->shards[i];

      for (guint k = 0; k < G_N_ELEMENTS (counts); k++)
        counts[k] += shard->counts[k];
      attempts += shard->attempts;
      connects += shard->connects;
      if (shard->top_error != NULL && shard->top_count > top_count)
        {
          top_count = shard->top_count;
          g_free (top_error);
          top_error = g_strdup (shard->top_error);
        }
    }
  g_mutex_unlock (&status_lock);

  g_printerr ("outband-sim cira: %u devices: %u connected, %u connecting, %u disconnected; "
              "%" G_GUINT64_FORMAT " attempts, %" G_GUINT64_FORMAT " connections; "
              "RSS %" G_GUINT64_FORMAT " KiB (%.1f KiB per device)\n",
              run->n_devices, counts[OB_SIM_CIRA_STATE_CONNECTED], counts[OB_SIM_CIRA_STATE_CONNECTING],
              counts[OB_SIM_CIRA_STATE_DISCONNECTED], attempts, connects, rss,
              run->n_devices > 0 ? (double) rss / run->n_devices : 0.0);
  if (top_error != NULL)
    g_printerr ("outband-sim cira: %u not connected after: %s\n", top_count, top_error);
  return G_SOURCE_CONTINUE;
}

/* As many open files as the hard limit allows: a connection each. */
static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max)
    return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
    g_printerr ("outband-sim cira: could not raise the open file limit\n");
}

/* Runs inside the shard's loop, so it cannot come before the loop runs
 * (a quit before g_main_loop_run() would be lost). */
static gboolean
quit_shard (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_cira_signal (gpointer user_data)
{
  CiraRun *run = user_data;

  for (guint i = 0; i < run->n_shards; i++)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, quit_shard, run->shards[i].loop, NULL);
      g_source_attach (source, run->shards[i].context);
      g_source_unref (source);
    }
  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

static int
run_cira (int    argc,
          char **argv)
{
  g_autofree char *mps = NULL;
  int count = 1;
  g_autofree char *cira_user = NULL;
  g_autofree char *cira_password = NULL;
  g_autofree char *amt_password = NULL;
  int latency_ms = 0;
  int keepalive = 0;
  double churn = 0;
  g_autofree char *fault_name = NULL;
  g_autofree char *root_ca = NULL;
  g_autofree char *common_name = NULL;
  int max_connecting = OB_SIM_CIRA_DEFAULT_MAX_CONNECTING;
  int backoff_ms = OB_SIM_CIRA_DEFAULT_BACKOFF_INITIAL_MS;
  int backoff_max_ms = OB_SIM_CIRA_DEFAULT_BACKOFF_MAX_MS;
  g_autofree char *first_guid = NULL;
  g_autofree char *mode = NULL;
  int status_interval = 0;
  int threads = 0;
  GOptionEntry entries[] = {
    { "mps", 's', 0, G_OPTION_ARG_STRING, &mps, "The MPS to call, HOST:PORT (port 4433 if left out)", "HOST:PORT" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of devices (default 1)", "N" },
    { "cira-user", 'u', 0, G_OPTION_ARG_STRING, &cira_user, "CIRA user name (required)", "USER" },
    { "cira-password", 'w', 0, G_OPTION_ARG_STRING, &cira_password, "CIRA password (required)", "PASSWORD" },
    { "amt-password", 'p', 0, G_OPTION_ARG_STRING, &amt_password,
      "Password of the AMT user “admin” (default " OB_SIM_DEFAULT_PASSWORD ")", "PASSWORD" },
    { "latency-ms", 'l', 0, G_OPTION_ARG_INT, &latency_ms,
      "Delay before each WS-Man reply, in milliseconds (default 0)", "MS" },
    { "keepalive", 'k', 0, G_OPTION_ARG_INT, &keepalive,
      "Send keepalives every S seconds whatever the MPS asks (default: as the MPS asks, 30 until it does)", "S" },
    { "churn", 'c', 0, G_OPTION_ARG_DOUBLE, &churn,
      "About R connections a minute, at random, are dropped and reconnect (default 0)", "R" },
    { "fault", 'f', 0, G_OPTION_ARG_STRING, &fault_name,
      "Send malformed APF: truncated, oversized, unknown-type, garbage-after-auth or random", "MODE" },
    { "root-ca", 'r', 0, G_OPTION_ARG_FILENAME, &root_ca,
      "Accept only an MPS certificate issued by the root in this PEM file (default: accept any)", "FILE" },
    { "mps-cn", 0, 0, G_OPTION_ARG_STRING, &common_name,
      "With --root-ca: the common name the MPS certificate must carry (default: the MPS host)", "CN" },
    { "max-connecting", 'm', 0, G_OPTION_ARG_INT, &max_connecting,
      "TCP connects and TLS handshakes in flight at once, in all (default 64)", "N" },
    { "backoff-ms", 0, 0, G_OPTION_ARG_INT, &backoff_ms,
      "First reconnect delay; it doubles with each failure (default 1000)", "MS" },
    { "backoff-max-ms", 0, 0, G_OPTION_ARG_INT, &backoff_max_ms,
      "Longest reconnect delay (default 60000)", "MS" },
    { "first-guid", 'g', 0, G_OPTION_ARG_STRING, &first_guid,
      "GUID of the first device; the next ones count up (default: random GUIDs)", "GUID" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "Control mode of the devices: acm (default) or ccm", "MODE" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads,
      "Main loops (threads) the devices are spread over (default: one per 250 devices, at most 64)", "N" },
    { "status", 0, 0, G_OPTION_ARG_INT, &status_interval,
      "Print the connection counts and memory use on stderr every S seconds (default: never)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  CiraSettings settings = { 0 };
  CiraRun run = { 0 };
  guint n_shards;

  context = g_option_context_new ("- simulated AMT devices that call an MPS over CIRA");
  g_option_context_set_summary (context,
                                "Each device (random GUID) opens a TLS connection to the MPS, speaks APF\n"
                                "as Intel AMT does and serves its WS-Man through the channels the MPS\n"
                                "opens.  One line per device is printed: its GUID.  Runs until\n"
                                "interrupted (Ctrl+C, SIGTERM).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("outband-sim cira: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("outband-sim cira: unexpected argument “%s”\n", argv[1]);
      return 2;
    }
  if (mps == NULL || cira_user == NULL || cira_password == NULL)
    {
      g_printerr ("outband-sim cira: --mps, --cira-user and --cira-password are required\n");
      return 2;
    }
  address = g_network_address_parse (mps, OB_SIM_CIRA_DEFAULT_MPS_PORT, &error);
  if (address == NULL)
    {
      g_printerr ("outband-sim cira: --mps: %s\n", error->message);
      return 2;
    }
  if (g_network_address_get_port (G_NETWORK_ADDRESS (address)) == 0)
    {
      g_printerr ("outband-sim cira: --mps: port 0 is not a port\n");
      return 2;
    }
  if (strlen (cira_user) > 2048 || strlen (cira_password) > 2048)
    {
      g_printerr ("outband-sim cira: the CIRA user name and password are at most 2048 bytes\n");
      return 2;
    }
  if (count < 1 || count > 100000)
    {
      g_printerr ("outband-sim cira: --count must be between 1 and 100000\n");
      return 2;
    }
  if (latency_ms < 0 || latency_ms > 600000)
    {
      g_printerr ("outband-sim cira: --latency-ms must be between 0 and 600000\n");
      return 2;
    }
  if (keepalive < 0 || keepalive > 86400)
    {
      g_printerr ("outband-sim cira: --keepalive must be between 0 and 86400\n");
      return 2;
    }
  if (churn < 0 || churn > 1e6)
    {
      g_printerr ("outband-sim cira: --churn must be between 0 and 1000000\n");
      return 2;
    }
  if (max_connecting < 1 || backoff_ms < 1 || backoff_max_ms < 1 || status_interval < 0
      || threads < 0 || threads > 64)
    {
      g_printerr ("outband-sim cira: --max-connecting, --backoff-ms and --backoff-max-ms must be positive, "
                  "--threads at most 64\n");
      return 2;
    }
  if (fault_name != NULL && !ob_sim_cira_fault_from_string (fault_name, &settings.fault))
    {
      g_printerr ("outband-sim cira: --fault must be truncated, oversized, unknown-type, "
                  "garbage-after-auth or random\n");
      return 2;
    }
  if (first_guid != NULL && !ob_uuid_is_valid (first_guid))
    {
      g_printerr ("outband-sim cira: --first-guid: “%s” is not a GUID\n", first_guid);
      return 2;
    }
  settings.control_mode = OB_SIM_CONTROL_MODE_ACM;
  if (mode != NULL)
    {
      if (g_ascii_strcasecmp (mode, "ccm") == 0)
        settings.control_mode = OB_SIM_CONTROL_MODE_CCM;
      else if (g_ascii_strcasecmp (mode, "acm") != 0)
        {
          g_printerr ("outband-sim cira: --mode must be acm or ccm\n");
          return 2;
        }
    }
  if (root_ca != NULL)
    {
      /* Checked here, once, and shared by every device (a certificate
       * object is immutable). */
      g_autolist(GTlsCertificate) list = g_tls_certificate_list_new_from_file (root_ca, &error);

      if (list == NULL)
        {
          g_printerr ("outband-sim cira: --root-ca: %s\n", error != NULL ? error->message : "no certificate in the file");
          return 2;
        }
      settings.root = g_object_ref (list->data);
    }

  raise_file_limit ();

  /* About 250 devices per main loop keeps each loop's iteration cheap
   * (measured: one loop with 6,500 connections spends most of a core on
   * poll() and source checks alone). */
  n_shards = threads > 0 ? (guint) threads : CLAMP (((guint) count + 249) / 250, 1, 64);
  n_shards = MIN (n_shards, (guint) count);
  settings.host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (address)));
  settings.port = g_network_address_get_port (G_NETWORK_ADDRESS (address));
  settings.common_name = common_name;
  settings.max_connecting = MAX (1, (guint) max_connecting / n_shards);
  settings.cira_user = cira_user;
  settings.cira_password = cira_password;
  settings.amt_password = amt_password;
  settings.first_guid = first_guid;
  settings.latency_ms = (guint) latency_ms;
  settings.keepalive = (guint) keepalive;
  settings.backoff_ms = (guint) backoff_ms;
  settings.backoff_max_ms = (guint) backoff_max_ms;
  /* --churn is for the whole simulator; each device takes its share. */
  settings.churn_per_device = churn / count;
  settings.status = status_interval > 0;

  run.shards = g_new0 (Shard, n_shards);
  run.n_shards = n_shards;
  run.n_devices = (guint) count;
  for (guint i = 0; i < n_shards; i++)
    {
      Shard *shard = &run.shards[i];
      g_autofree char *name = g_strdup_printf ("cira-%u", i);

      shard->settings = &settings;
      shard->first = (guint) ((guint64) count * i / n_shards);
      shard->count = (guint) ((guint64) count * (i + 1) / n_shards) - shard->first;
      shard->context = g_main_context_new ();
      shard->loop = g_main_loop_new (shard->context, FALSE);
      shard->thread = g_thread_new (name, shard_main, shard);
    }

  /* The main thread takes the signals and prints the status. */
  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  g_unix_signal_add (SIGINT, on_cira_signal, &run);
  g_unix_signal_add (SIGTERM, on_cira_signal, &run);
  if (status_interval > 0)
    g_timeout_add_seconds ((guint) status_interval, on_cira_status, &run);
  g_main_loop_run (loop);

  for (guint i = 0; i < n_shards; i++)
    g_thread_join (run.shards[i].thread);
  for (guint i = 0; i < n_shards; i++)
    {
      g_main_loop_unref (run.shards[i].loop);
      g_main_context_unref (run.shards[i].context);
      g_free (run.shards[i].top_error);
    }
  g_free (run.shards);
  g_clear_object (&settings.root);
  g_free (settings.host);
  return 0;
}

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: outband-sim COMMAND [OPTIONS]\n"
           "\n"
           "Simulated Intel AMT devices.\n"
           "\n"
           "Commands:\n"
           "  lan    serve devices on the AMT LAN ports (16992, 16993 with --tls)\n"
           "  cira   devices that call an MPS over CIRA (TLS + APF)\n"
           "\n"
           "Run “outband-sim COMMAND --help” for the options of a command.\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  /* stdout carries the device lines; GLib's messages go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);
  /* Set once (GLib allows no second call): what --help shows as usage. */
  if (argc >= 2 && g_str_equal (argv[1], "lan"))
    g_set_prgname ("outband-sim lan");
  else if (argc >= 2 && g_str_equal (argv[1], "cira"))
    g_set_prgname ("outband-sim cira");
  else
    g_set_prgname ("outband-sim");

  if (argc < 2)
    {
      usage (stderr);
      return 2;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      usage (stdout);
      return 0;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("outband-sim %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_str_equal (argv[1], "lan"))
    return run_lan (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "cira"))
    return run_cira (argc - 1, argv + 1);

  g_printerr ("outband-sim: unknown command “%s”\n\n", argv[1]);
  usage (stderr);
  return 2;
}
