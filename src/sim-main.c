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
#include "ob-sim-rfb-server.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-rpc.h"
#include "ob-tls-context.h"
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
  g_autofree char *screen_size = NULL;
  guint screen_width = OB_SIM_SCREEN_DEFAULT_WIDTH, screen_height = OB_SIM_SCREEN_DEFAULT_HEIGHT;
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
      "HTTP port (default 16992; TLS uses the next one, redirection the two after; 0 = any free port)", "PORT" },
    { "screen", 0, 0, G_OPTION_ARG_STRING, &screen_size,
      "Size of the devices' KVM screens (default 1024x768)", "WIDTHxHEIGHT" },
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

  if (screen_size != NULL
      && (sscanf (screen_size, "%ux%u", &screen_width, &screen_height) != 2
          || screen_width < OB_SIM_SCREEN_MIN_SIZE || screen_width > OB_SIM_SCREEN_MAX_WIDTH
          || screen_height < OB_SIM_SCREEN_MIN_SIZE || screen_height > OB_SIM_SCREEN_MAX_HEIGHT))
    {
      g_printerr ("outband-sim lan: --screen must be WIDTHxHEIGHT, 64x64 to 8192x4320\n");
      return 2;
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
      ObSimRedirServer *redir;

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
      redir = ob_sim_fleet_get_redir_server (fleet, device);
      ob_sim_redir_server_set_screen_size (redir, screen_width, screen_height);

      if (ob_sim_device_get_tls_port (device) != 0)
        g_print ("%s  %s:%u  tls %s:%u  redir %s:%u  redir-tls %s:%u\n", ob_sim_device_get_guid (device),
                 device_address, ob_sim_device_get_http_port (device),
                 device_address, ob_sim_device_get_tls_port (device),
                 device_address, ob_sim_redir_server_get_port (redir),
                 device_address, ob_sim_redir_server_get_tls_port (redir));
      else
        g_print ("%s  %s:%u  redir %s:%u\n", ob_sim_device_get_guid (device),
                 device_address, ob_sim_device_get_http_port (device),
                 device_address, ob_sim_redir_server_get_port (redir));
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
  guint32            source_address;  /* IPv4, host order; 0: none */
  guint              n_source_addresses;  /* counting up from it, split over the shards */
  guint              n_shards;
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
  guint               index;
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
  if (settings->source_address != 0)
    {
      /* The shard's share of the addresses, counting up. */
      guint first = (guint) ((guint64) settings->n_source_addresses * shard->index / settings->n_shards);
      guint next = (guint) ((guint64) settings->n_source_addresses * (shard->index + 1) / settings->n_shards);
      guint32 be = GUINT32_TO_BE (settings->source_address + first);
      g_autoptr(GInetAddress) local = g_inet_address_new_from_bytes ((const guint8 *) &be,
                                                                     G_SOCKET_FAMILY_IPV4);

      ob_sim_cira_pool_set_local_address (pool, local, next - first);
    }

  for (guint i = shard->first; i < shard->first + shard->count; i++)
    {
      g_autofree char *guid = settings->first_guid != NULL ? nth_guid (settings->first_guid, i) : NULL;
      g_autoptr(ObSimDevice) device = ob_sim_device_new (guid);
      g_autoptr(ObSimWsmanServer) server = NULL;
      g_autoptr(ObSimRedirServer) redir = NULL;
      ObSimCira *cira;

      ob_sim_device_set_control_mode (device, settings->control_mode);
      ob_sim_device_set_latency_ms (device, settings->latency_ms);
      server = ob_sim_wsman_server_new (device, NULL, settings->amt_password);
      cira = ob_sim_cira_new (pool, device, server, settings->cira_user, settings->cira_password);
      /* KVM, SOL and IDER on channels to 16994 (a screen only once used). */
      redir = ob_sim_redir_server_new (device, NULL, settings->amt_password);
      ob_sim_cira_set_redir_server (cira, redir);
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
  g_autofree char *source_address = NULL;
  int threads = 0;
  int source_addresses = 0;
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
      "Main loops (threads) the devices are spread over (default: one per 5,000 devices, at most 64)", "N" },
    { "source-address", 0, 0, G_OPTION_ARG_STRING, &source_address,
      "Connect from this IPv4 address and the ones after it (e.g. 127.0.1.1)", "ADDRESS" },
    { "source-addresses", 0, 0, G_OPTION_ARG_INT, &source_addresses,
      "With --source-address: how many addresses, shared out over the main loops, each loop's "
      "connections taking its addresses in turn (default: one per main loop)", "N" },
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
      || threads < 0 || threads > 64 || source_addresses < 0 || source_addresses > 65536)
    {
      g_printerr ("outband-sim cira: --max-connecting, --backoff-ms and --backoff-max-ms must be positive, "
                  "--threads at most 64, --source-addresses at most 65536\n");
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
  /* Each device reads the MPS's certificate at every connect; on OpenSSL
   * 3.0 the built-in EC codec does it in a fifth of the time, which the
   * MPS gets back when it shares the machine (a connect storm). */
  ob_tls_set_builtin_ec_keys (TRUE);

  /* Every device of a main loop waits on the loop's one poller, so an
   * iteration costs what is ready, not what is connected; more loops only
   * add thread switches and colder caches (measured in a connect storm of
   * 1,500 devices: 1.3-1.4 ms of CPU per connection with one loop, 1.7-1.8
   * with six). */
  n_shards = threads > 0 ? (guint) threads : CLAMP (((guint) count + 4999) / 5000, 1, 64);
  n_shards = MIN (n_shards, (guint) count);
  settings.host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (address)));
  settings.port = g_network_address_get_port (G_NETWORK_ADDRESS (address));
  settings.common_name = common_name;
  settings.max_connecting = MAX (1, (guint) max_connecting / n_shards);
  settings.n_shards = n_shards;
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
  if (source_address != NULL)
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (source_address);
      guint32 be;

      if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
        {
          g_printerr ("outband-sim cira: --source-address must be an IPv4 address\n");
          return 2;
        }
      memcpy (&be, g_inet_address_to_bytes (inet), sizeof be);
      settings.source_address = GUINT32_FROM_BE (be);
      /* At least one address per main loop, as before this option. */
      settings.n_source_addresses = MAX ((guint) source_addresses, n_shards);
    }

  run.shards = g_new0 (Shard, n_shards);
  run.n_shards = n_shards;
  run.n_devices = (guint) count;
  for (guint i = 0; i < n_shards; i++)
    {
      Shard *shard = &run.shards[i];
      g_autofree char *name = g_strdup_printf ("cira-%u", i);

      shard->settings = &settings;
      shard->index = i;
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

/* ---- rpc ------------------------------------------------------------------- */

/* A step after activation (rpc-go's deactivate and maintenance commands). */
typedef struct
{
  const char   *name;
  gboolean      deactivate;
  ObSimRpcTask  task;
} RpcStep;

static const RpcStep rpc_steps[] = {
  { "deactivate", TRUE, OB_SIM_RPC_TASK_SYNC_CLOCK },
  { "syncclock", FALSE, OB_SIM_RPC_TASK_SYNC_CLOCK },
  { "syncip", FALSE, OB_SIM_RPC_TASK_SYNC_IP },
  { "changepassword", FALSE, OB_SIM_RPC_TASK_CHANGE_PASSWORD },
  { "synchostname", FALSE, OB_SIM_RPC_TASK_SYNC_HOSTNAME },
  { "syncdeviceinfo", FALSE, OB_SIM_RPC_TASK_SYNC_DEVICE_INFO },
};

typedef struct _RpcRun RpcRun;

typedef struct
{
  RpcRun           *run;
  ObSimDevice      *device;
  ObSimWsmanServer *server;
  ObSimRpc         *rpc;
  ObSimCira        *cira;
  guint             next_step;
  gboolean          started;
  gboolean          failed;
} RpcDevice;

struct _RpcRun
{
  GMainLoop        *loop;
  const char       *url;
  const char       *profile;
  const char       *new_password;
  GPtrArray        *steps;         /* const RpcStep * */
  ObSimControlMode  expected_mode;
  gboolean          any_mode;
  gboolean          cira;
  gboolean          verify_mps;
  gboolean          exit_after;
  guint             n_running;
  guint             n_failed;
  guint             n_cira;
  RpcDevice        *devices;
  guint             n_devices;
};

static void rpc_device_next (RpcDevice *d);

static void
rpc_device_done (RpcDevice *d)
{
  RpcRun *run = d->run;

  if (d->failed)
    run->n_failed++;
  if (--run->n_running == 0 && (run->n_cira == 0 || run->exit_after))
    g_main_loop_quit (run->loop);
}

static const char *
mode_name (ObSimControlMode mode)
{
  switch (mode)
    {
    case OB_SIM_CONTROL_MODE_CCM:
      return "ccm";
    case OB_SIM_CONTROL_MODE_ACM:
      return "acm";
    case OB_SIM_CONTROL_MODE_PRE_PROVISIONING:
    default:
      return "pre-provisioning";
    }
}

/* "Status; Network: …; CIRA: …; TLS: …" from RPS's status message. */
static char *
status_summary (const char *message)
{
  static const char *fields[][2] = {
    { "Status", NULL }, { "Network", "network" }, { "CIRAConnection", "CIRA" }, { "TLSConfiguration", "TLS" },
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *value = ob_sim_rpc_dup_status_field (message, fields[i][0]);

      if (value == NULL)
        continue;
      if (out->len > 0)
        g_string_append (out, "; ");
      if (fields[i][1] != NULL)
        g_string_append_printf (out, "%s: ", fields[i][1]);
      g_string_append (out, value);
    }
  if (out->len == 0)
    g_string_append (out, message != NULL ? message : "");
  return g_string_free (out, FALSE);
}

static void
on_cira_connected (ObSimCira *cira,
                   gpointer   user_data)
{
  RpcDevice *d = user_data;
  ObSimCiraPool *pool = ob_sim_cira_get_pool (cira);

  /* Once per connection is enough for the log. */
  if (ob_sim_cira_get_n_connects (cira) == 1)
    {
      g_print ("%s  cira  connected to %s:%u\n", ob_sim_device_get_guid (d->device),
               ob_sim_cira_pool_get_host (pool), ob_sim_cira_pool_get_port (pool));
      fflush (stdout);
    }
}

static void
on_rpc_finished (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  RpcDevice *d = user_data;
  RpcRun *run = d->run;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = ob_sim_rpc_finish (OB_SIM_RPC (source), result, &error);
  g_autofree char *summary = NULL;
  const char *what = d->next_step == 0 ? "activate" : ((const RpcStep *) g_ptr_array_index (run->steps, d->next_step - 1))->name;
  const char *guid = ob_sim_device_get_guid (d->device);

  if (message == NULL)
    {
      g_print ("%s  %s  error  %s\n", guid, what, error->message);
      fflush (stdout);
      d->failed = TRUE;
      rpc_device_done (d);
      return;
    }
  summary = status_summary (message);
  if (d->next_step == 0 && !run->any_mode && ob_sim_device_get_control_mode (d->device) != run->expected_mode)
    {
      g_print ("%s  %s  error  the device is in %s, not %s (%s)\n", guid, what,
               mode_name (ob_sim_device_get_control_mode (d->device)), mode_name (run->expected_mode), summary);
      fflush (stdout);
      d->failed = TRUE;
      rpc_device_done (d);
      return;
    }
  if (ob_sim_device_get_http_port (d->device) != 0)
    g_print ("%s  %s  ok  %s  (%s, %u WS-Man calls, LAN %s:%u)\n", guid, what, summary,
             mode_name (ob_sim_device_get_control_mode (d->device)), ob_sim_rpc_get_n_exchanges (d->rpc),
             ob_sim_device_get_address (d->device), ob_sim_device_get_http_port (d->device));
  else
    g_print ("%s  %s  ok  %s  (%s, %u WS-Man calls)\n", guid, what, summary,
             mode_name (ob_sim_device_get_control_mode (d->device)), ob_sim_rpc_get_n_exchanges (d->rpc));
  fflush (stdout);

  /* Unprovisioned: the firmware forgets its MPS and drops the tunnel. */
  if (d->next_step > 0 && ((const RpcStep *) g_ptr_array_index (run->steps, d->next_step - 1))->deactivate &&
      d->cira != NULL)
    {
      g_signal_handlers_disconnect_by_data (d->cira, d);
      ob_sim_cira_stop (d->cira);
      g_clear_object (&d->cira);
      run->n_cira--;
    }
  if (d->next_step == 0 && run->cira && d->cira == NULL &&
      ob_sim_provisioning_get_n_mps_servers (ob_sim_provisioning_peek (d->device)) > 0)
    {
      d->cira = ob_sim_rpc_start_cira (d->rpc, NULL, run->verify_mps, &error);
      if (d->cira == NULL)
        g_print ("%s  cira  error  %s\n", guid, error->message);
      else
        {
          run->n_cira++;
          g_signal_connect (d->cira, "connected", G_CALLBACK (on_cira_connected), d);
        }
      fflush (stdout);
    }
  rpc_device_next (d);
}

static void
rpc_device_next (RpcDevice *d)
{
  RpcRun *run = d->run;
  const RpcStep *step;

  if (!d->started)
    {
      d->started = TRUE;
      ob_sim_rpc_activate_async (d->rpc, run->url, run->profile, NULL, on_rpc_finished, d);
      return;
    }
  if (d->next_step >= run->steps->len)
    {
      rpc_device_done (d);
      return;
    }
  step = g_ptr_array_index (run->steps, d->next_step++);
  if (step->deactivate)
    {
      /* Deactivation ends CIRA as unprovisioning would. */
      ob_sim_rpc_deactivate_async (d->rpc, run->url, FALSE, NULL, on_rpc_finished, d);
      return;
    }
  ob_sim_rpc_maintenance_async (d->rpc, run->url, step->task,
                                step->task == OB_SIM_RPC_TASK_CHANGE_PASSWORD ? run->new_password : NULL,
                                FALSE, NULL, on_rpc_finished, d);
}

static gboolean
on_rpc_signal (gpointer user_data)
{
  RpcRun *run = user_data;

  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

static int
run_rpc (int    argc,
         char **argv)
{
  g_autofree char *url = NULL;
  g_autofree char *profile = NULL;
  int count = 1;
  g_autofree char *mode = NULL;
  g_auto(GStrv) hashes = NULL;
  g_autofree char *dns_suffix = NULL;
  g_autofree char *hostname = NULL;
  g_autofree char *tenant = NULL;
  g_autofree char *amt_password = NULL;
  g_autofree char *new_password = NULL;
  g_autofree char *then = NULL;
  g_autofree char *first_guid = NULL;
  gboolean skip_cert_check = FALSE;
  gboolean no_cira = FALSE;
  gboolean insecure_mps = FALSE;
  gboolean wireless = FALSE;
  gboolean exit_after = FALSE;
  g_autofree char *lan_address = NULL;
  int lan_port = OB_SIM_HTTP_PORT;
  int latency_ms = 0;
  int timeout_s = 300;
  GOptionEntry entries[] = {
    { "rps", 'u', 0, G_OPTION_ARG_STRING, &url,
      "The RPS WebSocket URL, ws:// or wss:// (e.g. wss://server/activate)", "URL" },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile, "The profile to activate with (required)", "NAME" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of devices, activated at once (default 1)", "N" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &mode,
      "The control mode activation must end in, ccm or acm (default: either)", "MODE" },
    { "trusted-root-hash", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &hashes,
      "A trusted root certificate hash of the devices' firmware, SHA-256 (or SHA-1, SHA-384) in hex; repeat for more",
      "HEX" },
    { "dns-suffix", 'd', 0, G_OPTION_ARG_STRING, &dns_suffix,
      "The DNS suffix the devices' firmware knows (what ACM needs)", "SUFFIX" },
    { "hostname", 0, 0, G_OPTION_ARG_STRING, &hostname, "OS host name of every device (default sim-<GUID>)", "NAME" },
    { "tenant", 0, 0, G_OPTION_ARG_STRING, &tenant, "Tenant ID sent to the RPS", "ID" },
    { "skip-cert-check", 'k', 0, G_OPTION_ARG_NONE, &skip_cert_check,
      "Accept any RPS certificate (rpc-go -n)", NULL },
    { "then", 't', 0, G_OPTION_ARG_STRING, &then,
      "After activation run these, comma separated: deactivate, syncclock, syncip, changepassword, "
      "synchostname, syncdeviceinfo", "STEPS" },
    { "amt-password", 'w', 0, G_OPTION_ARG_STRING, &amt_password,
      "The AMT password the profile sets (needed by --then)", "PASSWORD" },
    { "new-password", 0, 0, G_OPTION_ARG_STRING, &new_password,
      "changepassword: the new static password (default: the RPS picks one)", "PASSWORD" },
    { "no-cira", 0, 0, G_OPTION_ARG_NONE, &no_cira, "Do not call the MPS after a CIRA configuration", NULL },
    { "insecure-mps", 0, 0, G_OPTION_ARG_NONE, &insecure_mps,
      "Accept any MPS certificate (default: the trusted root and CN the device was given)", NULL },
    { "exit", 0, 0, G_OPTION_ARG_NONE, &exit_after, "Exit when every device is done, even with CIRA connections", NULL },
    { "wireless", 0, 0, G_OPTION_ARG_NONE, &wireless, "Give the devices a wireless port too", NULL },
    { "lan-address", 'a', 0, G_OPTION_ARG_STRING, &lan_address,
      "Also serve each device's WS-Man on the LAN: the first device's IPv4 address, the next ones count up "
      "(it is also the host address the device reports)", "ADDRESS" },
    { "lan-port", 0, 0, G_OPTION_ARG_INT, &lan_port, "With --lan-address: the HTTP port (default 16992)", "PORT" },
    { "latency-ms", 'l', 0, G_OPTION_ARG_INT, &latency_ms,
      "Delay before each WS-Man reply, in milliseconds (default 0)", "MS" },
    { "first-guid", 'g', 0, G_OPTION_ARG_STRING, &first_guid,
      "GUID of the first device; the next ones count up (default: random GUIDs)", "GUID" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, "Seconds one command may take (default 300)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GPtrArray) steps = g_ptr_array_new ();
  RpcRun run = { 0 };

  context = g_option_context_new ("- simulated devices provisioned by an RPS, as rpc-go does it");
  g_option_context_set_summary (context,
                                "Each device (pre-provisioned, random GUID) runs rpc-go's activate against\n"
                                "the RPS, all at once; the RPS's WS-Man calls go to the device.  One line\n"
                                "per device and command: GUID, command, ok or error, the RPS's status.\n"
                                "After a CIRA configuration the device calls the MPS it was given and the\n"
                                "simulator runs until interrupted (Ctrl+C, SIGTERM) unless --exit.\n"
                                "Exit status 1 when any device failed.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("outband-sim rpc: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("outband-sim rpc: unexpected argument “%s”\n", argv[1]);
      return 2;
    }
  if (url == NULL || profile == NULL)
    {
      g_printerr ("outband-sim rpc: --rps and --profile are required\n");
      return 2;
    }
  if (count < 1 || count > 10000)
    {
      g_printerr ("outband-sim rpc: --count must be between 1 and 10000\n");
      return 2;
    }
  if (lan_port < 0 || lan_port > 65535)
    {
      g_printerr ("outband-sim rpc: --lan-port must be between 0 and 65535\n");
      return 2;
    }
  if (latency_ms < 0 || latency_ms > 600000 || timeout_s < 1 || timeout_s > 86400)
    {
      g_printerr ("outband-sim rpc: --latency-ms must be between 0 and 600000, --timeout between 1 and 86400\n");
      return 2;
    }
  run.any_mode = TRUE;
  if (mode != NULL)
    {
      run.any_mode = FALSE;
      if (g_ascii_strcasecmp (mode, "ccm") == 0)
        run.expected_mode = OB_SIM_CONTROL_MODE_CCM;
      else if (g_ascii_strcasecmp (mode, "acm") == 0)
        run.expected_mode = OB_SIM_CONTROL_MODE_ACM;
      else
        {
          g_printerr ("outband-sim rpc: --mode must be ccm or acm\n");
          return 2;
        }
    }
  if (first_guid != NULL && !ob_uuid_is_valid (first_guid))
    {
      g_printerr ("outband-sim rpc: --first-guid: “%s” is not a GUID\n", first_guid);
      return 2;
    }
  if (then != NULL)
    {
      g_auto(GStrv) names = g_strsplit (then, ",", -1);

      for (guint i = 0; names[i] != NULL; i++)
        {
          const RpcStep *found = NULL;

          g_strstrip (names[i]);
          for (guint k = 0; k < G_N_ELEMENTS (rpc_steps); k++)
            if (g_str_equal (rpc_steps[k].name, names[i]))
              found = &rpc_steps[k];
          if (found == NULL)
            {
              g_printerr ("outband-sim rpc: --then: unknown step “%s”\n", names[i]);
              return 2;
            }
          g_ptr_array_add (steps, (gpointer) found);
        }
      if (steps->len > 0 && amt_password == NULL)
        {
          g_printerr ("outband-sim rpc: --then needs --amt-password (rpc-go asks for the AMT password)\n");
          return 2;
        }
    }

  raise_file_limit ();
  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.url = url;
  run.profile = profile;
  run.new_password = new_password;
  run.steps = steps;
  run.cira = !no_cira;
  run.verify_mps = !insecure_mps;
  run.exit_after = exit_after;
  run.devices = g_new0 (RpcDevice, count);
  run.n_devices = (guint) count;

  for (guint i = 0; i < run.n_devices; i++)
    {
      RpcDevice *d = &run.devices[i];
      g_autofree char *guid = first_guid != NULL ? nth_guid (first_guid, i) : NULL;
      ObSimProvisioning *prov;

      d->run = &run;
      d->device = g_object_new (OB_TYPE_SIM_DEVICE, "guid", guid,
                                "control-mode", OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
      ob_sim_device_set_latency_ms (d->device, (guint) latency_ms);
      if (dns_suffix != NULL)
        ob_sim_device_set_domain_name (d->device, dns_suffix);
      prov = ob_sim_provisioning_attach (d->device);
      ob_sim_provisioning_set_has_wireless (prov, wireless);
      for (guint k = 0; hashes != NULL && hashes[k] != NULL; k++)
        if (!ob_sim_provisioning_add_trusted_hash (prov, hashes[k]))
          {
            g_printerr ("outband-sim rpc: --trusted-root-hash: “%s” is not a SHA-1, SHA-256 or SHA-384 hash in hex\n",
                        hashes[k]);
            return 2;
          }
      /* The device's WS-Man server serves the in-process LMS pipe, and the
       * LAN when asked. */
      d->server = ob_sim_wsman_server_new (d->device, NULL, NULL);
      if (lan_address != NULL)
        {
          g_autofree char *address = ob_sim_fleet_nth_address (lan_address, i, &error);

          if (address == NULL || !ob_sim_wsman_server_listen (d->server, address, (guint) lan_port, FALSE, &error))
            {
              g_printerr ("outband-sim rpc: --lan-address: %s\n", error->message);
              return 2;
            }
          ob_sim_provisioning_set_host_ip (prov, address, "255.0.0.0", NULL, NULL);
        }
      d->rpc = ob_sim_rpc_new (d->server);
      ob_sim_rpc_set_skip_cert_check (d->rpc, skip_cert_check);
      ob_sim_rpc_set_tenant_id (d->rpc, tenant);
      ob_sim_rpc_set_hostname (d->rpc, hostname);
      ob_sim_rpc_set_amt_password (d->rpc, amt_password);
      ob_sim_rpc_set_timeout_ms (d->rpc, (guint) timeout_s * 1000);
    }

  g_unix_signal_add (SIGINT, on_rpc_signal, &run);
  g_unix_signal_add (SIGTERM, on_rpc_signal, &run);
  run.n_running = run.n_devices;
  for (guint i = 0; i < run.n_devices; i++)
    rpc_device_next (&run.devices[i]);
  g_main_loop_run (loop);

  for (guint i = 0; i < run.n_devices; i++)
    {
      RpcDevice *d = &run.devices[i];

      if (d->cira != NULL)
        {
          g_signal_handlers_disconnect_by_data (d->cira, d);
          ob_sim_cira_stop (d->cira);
        }
      g_clear_object (&d->cira);
      g_clear_object (&d->rpc);
      ob_sim_wsman_server_stop (d->server);
      g_clear_object (&d->server);
      g_clear_object (&d->device);
    }
  g_free (run.devices);
  return run.n_failed > 0 ? 1 : 0;
}

/* ---- rfb ------------------------------------------------------------------- */

static gboolean
parse_scene (const char       *name,
             ObSimScreenScene *scene)
{
  GEnumClass *klass = g_type_class_ref (OB_TYPE_SIM_SCREEN_SCENE);
  GEnumValue *value = g_enum_get_value_by_nick (klass, name);

  if (value != NULL)
    *scene = value->value;
  g_type_class_unref (klass);
  return value != NULL;
}

static int
run_rfb (int    argc,
         char **argv)
{
  g_autofree char *address = g_strdup ("127.0.0.1");
  int port = 5900;
  int width = OB_SIM_SCREEN_DEFAULT_WIDTH;
  int height = OB_SIM_SCREEN_DEFAULT_HEIGHT;
  g_autofree char *scene_name = NULL;
  g_autofree char *consent_code = NULL;
  g_autofree char *typed = NULL;
  g_autofree char *screenshot = NULL;
  gint64 fixed_time = -1;
  gboolean vnc = FALSE;
  GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address, "Address to listen on (default 127.0.0.1)", "ADDRESS" },
    { "port", 'P', 0, G_OPTION_ARG_INT, &port, "Port (default 5900; 0 = any free port)", "PORT" },
    { "width", 'W', 0, G_OPTION_ARG_INT, &width, "Screen width (default 1024)", "PIXELS" },
    { "height", 'H', 0, G_OPTION_ARG_INT, &height, "Screen height (default 768)", "PIXELS" },
    { "scene", 's', 0, G_OPTION_ARG_STRING, &scene_name,
      "desktop (default), bios-setup, pxe, boot-media, secure-erase or off", "SCENE" },
    { "consent-code", 'c', 0, G_OPTION_ARG_STRING, &consent_code, "Show this user consent code", "CODE" },
    { "type", 't', 0, G_OPTION_ARG_STRING, &typed, "Type this text on the screen first", "TEXT" },
    { "fixed-time", 'T', 0, G_OPTION_ARG_INT64, &fixed_time,
      "Show this time (seconds since 1970) instead of the clock: a still screen", "SECONDS" },
    { "vnc", 'v', 0, G_OPTION_ARG_NONE, &vnc,
      "Plain VNC pixel formats (32 bpp default, any true colour) instead of AMT's", NULL },
    { "screenshot", 'o', 0, G_OPTION_ARG_FILENAME, &screenshot,
      "Write the screen to this PNG file and exit instead of serving", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObSimScreen) screen = NULL;
  g_autoptr(ObSimRfbServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  ObSimScreenScene scene = OB_SIM_SCREEN_SCENE_DESKTOP;

  context = g_option_context_new ("- a bare RFB (VNC) server showing a simulated PC screen");
  g_option_context_set_summary (context,
                                "The KVM screen of a simulated AMT device, served as AMT's RFB\n"
                                "(RFB 004.000, security None, RGB565, ZRLE) without the\n"
                                "redirection protocol, so stock VNC viewers can connect.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("outband-sim rfb: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("outband-sim rfb: unexpected argument “%s”\n", argv[1]);
      return 2;
    }
  if (port < 0 || port > 65535)
    {
      g_printerr ("outband-sim rfb: --port must be between 0 and 65535\n");
      return 2;
    }
  if (width < OB_SIM_SCREEN_MIN_SIZE || width > OB_SIM_SCREEN_MAX_WIDTH
      || height < OB_SIM_SCREEN_MIN_SIZE || height > OB_SIM_SCREEN_MAX_HEIGHT)
    {
      g_printerr ("outband-sim rfb: the screen is %u×%u to %u×%u pixels\n",
                  OB_SIM_SCREEN_MIN_SIZE, OB_SIM_SCREEN_MIN_SIZE,
                  OB_SIM_SCREEN_MAX_WIDTH, OB_SIM_SCREEN_MAX_HEIGHT);
      return 2;
    }
  if (scene_name != NULL && !parse_scene (scene_name, &scene))
    {
      g_printerr ("outband-sim rfb: --scene must be desktop, bios-setup, pxe, boot-media, "
                  "secure-erase or off\n");
      return 2;
    }

  screen = ob_sim_screen_new ((guint) width, (guint) height);
  ob_sim_screen_set_scene (screen, scene);
  ob_sim_screen_set_identity (screen, "sim-rfb", "00000000-0000-0000-0000-000000000000", "16.1.25");
  ob_sim_screen_set_consent_code (screen, consent_code);
  if (fixed_time >= 0)
    ob_sim_screen_set_fixed_time (screen, fixed_time);
  for (const char *p = typed; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      guint32 keysym = c == '\n' ? 0xFF0D : c;

      ob_sim_screen_key (screen, keysym, TRUE);
      ob_sim_screen_key (screen, keysym, FALSE);
    }
  ob_sim_screen_refresh (screen);

  if (screenshot != NULL)
    {
      if (!ob_sim_screen_save_png (screen, screenshot, &error))
        {
          g_printerr ("outband-sim rfb: %s\n", error->message);
          return 1;
        }
      return 0;
    }

  server = ob_sim_rfb_server_new (screen);
  ob_sim_rfb_server_set_amt_formats (server, !vnc);
  if (!ob_sim_rfb_server_listen (server, address, (guint) port, &error))
    {
      g_printerr ("outband-sim rfb: cannot listen on %s:%d: %s\n", address, port, error->message);
      return 1;
    }
  g_print ("rfb %s:%u\n", address, ob_sim_rfb_server_get_port (server));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);

  ob_sim_rfb_server_stop (server);
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
           "  lan    serve devices on the AMT LAN ports (16992 and 16994, 16993 and 16995 with --tls)\n"
           "  cira   devices that call an MPS over CIRA (TLS + APF)\n"
           "  rfb    a bare RFB (VNC) server showing a simulated PC screen\n"
           "  rpc    devices activated by an RPS, as rpc-go does it\n"
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
  else if (argc >= 2 && g_str_equal (argv[1], "rfb"))
    g_set_prgname ("outband-sim rfb");
  else if (argc >= 2 && g_str_equal (argv[1], "rpc"))
    g_set_prgname ("outband-sim rpc");
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
  if (g_str_equal (argv[1], "rfb"))
    return run_rfb (argc - 1, argv + 1);
  if (g_str_equal (argv[1], "rpc"))
    return run_rpc (argc - 1, argv + 1);

  g_printerr ("outband-sim: unknown command “%s”\n\n", argv[1]);
  usage (stderr);
  return 2;
}
