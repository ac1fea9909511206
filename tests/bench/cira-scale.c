/* cira-scale.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The CIRA listener at scale: `outband --headless` in its own process,
 * `outband-sim cira` devices in several others, over loopback.
 *
 * For each device count N it
 *   1. starts the server with a throw-away data folder, the keyfile
 *      settings backend (the run's CIRA keepalive interval), secrets in
 *      memory (with --keyring: in the Secret Service, as an admin's run
 *      keeps them; run it under build-aux/test-session for a throw-away
 *      gnome-keyring) and the API password from the environment;
 *   2. registers N CIRA devices through the REST API (POST devices with
 *      mpsusername, mpspassword and the AMT password) and fetches the
 *      MPS root (GET ciracert);
 *   3. starts the simulators (GUIDs counting up from a fixed one; as AMT
 *      they check the MPS certificate against that root and its common
 *      name) and
 *      waits until devices/stats says all N are connected: the connect
 *      storm (TLS handshakes, APF, authentication) in connections/s;
 *   4. waits for the dust to settle (the first refresh of every device
 *      over its tunnel, then the WS-Man connections it leaves open for
 *      30 s: at least 40 s more, until the server's CPU is steady) and
 *      reads its VmRSS:
 *      (RSS with N connected - RSS with them registered) / N;
 *   5. measures the server's CPU (utime + stime from /proc) over a window
 *      of steady keepalives, as % of one core: by default at the MPS's
 *      default 30 s interval over two of its periods (every device sends
 *      two), with another --keepalive also scaled to 30 s.  Scaling
 *      flatters: at 2,000 keepalives a second the loop answers several
 *      per wakeup, at 333 each one wakes it;
 *   6. times GET amt/power/state/:guid (random GUIDs; three WS-Man
 *      requests through the tunnel, the first two at once) and GET
 *      devices/stats, one call at a time over a kept-alive connection:
 *      p50 and p99.
 * The simulators' own CPU is measured too and shown apart, so the
 * server's figures are the server's.
 *
 *   cira-scale [--devices 1000,10000] [--sims 2] [--keepalive 30]
 *              [--window 60] [--calls 300] [--quick]
 */

#include "config.h"

#include <gio/gio.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define API_PASSWORD   "Bench-Passw0rd!"
#define CIRA_USER      "benchuser"
#define CIRA_PASSWORD  "Cira-Passw0rd!"
#define AMT_PASSWORD   "P@ssw0rd"
/* The MPS certificate's common name, which the devices check. */
#define MPS_NAME       "mps.bench.example"
/* The first simulated GUID; the others count up in the last 48 bits. */
#define GUID_PREFIX    "5ca1e000-0000-4000-8000-"

typedef struct
{
  guint   devices;
  double  connect_s;
  double  server_connect_cpu_ms;  /* server CPU per connection in the storm */
  double  sim_connect_cpu_ms;
  double  rss_start_kib;
  double  rss_registered_kib;
  double  rss_connected_kib;
  double  server_cpu_pct;         /* during keepalives at the test interval */
  double  sim_cpu_pct;
  double  keepalives_per_s;
  double  power_p50, power_p99;
  double  stats_p50, stats_p99;
  guint   power_errors;
  guint   stats_errors;
  double  register_s;
  double  load_before;
  double  load_after;
  double  settle_s;
  double  refresh_s;
} Result;

typedef struct
{
  const char *outband;
  const char *sim;
  const char *schema_dir;
  guint       sims;
  guint       keepalive;
  double      window_s;
  guint       calls;
  double      connect_timeout_s;
  guint       max_connecting;
  gboolean    hold;
  double      settle_s;
  char      **wrapper;        /* e.g. heaptrack: the server runs under it */
  gboolean    keyring;        /* secrets in the Secret Service, not in memory */
} Options;

/* ---- processes ---------------------------------------------------------- */

static gint64
process_cpu_ticks (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  /* The command name may hold spaces: fields count from after its ')'. */
  after = strrchr (text, ')');
  if (after == NULL)
    return -1;
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return -1;
  /* utime and stime: fields 14 and 15 of the whole line. */
  return g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10);
}

static double
ticks_to_ms (gint64 ticks)
{
  return ticks * 1000.0 / sysconf (_SC_CLK_TCK);
}

static double
process_rss_kib (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  line = strstr (text, "VmRSS:");
  if (line == NULL)
    return -1;
  return g_ascii_strtod (line + strlen ("VmRSS:"), NULL);
}

static double
load_average (void)
{
  double load[1];

  if (getloadavg (load, 1) != 1)
    return -1;
  return load[0];
}

static void
stop_process (GPid pid)
{
  if (pid <= 0)
    return;
  kill (pid, SIGTERM);
  for (guint i = 0; i < 100; i++)
    {
      if (waitpid (pid, NULL, WNOHANG) == pid)
        return;
      g_usleep (50000);
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
}

/* ---- a small blocking HTTP/1.1 client (kept alive) ---------------------- */

typedef struct
{
  char              *host;
  guint              port;
  GSocketConnection *connection;
  GDataInputStream  *input;
  char              *token;
} Http;

static void
http_disconnect (Http *http)
{
  g_clear_object (&http->input);
  if (http->connection != NULL)
    g_io_stream_close (G_IO_STREAM (http->connection), NULL, NULL);
  g_clear_object (&http->connection);
}

static gboolean
http_connect (Http    *http,
              GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  http_disconnect (http);
  http->connection = g_socket_client_connect_to_host (client, http->host, (guint16) http->port,
                                                      NULL, error);
  if (http->connection == NULL)
    return FALSE;
  g_socket_set_option (g_socket_connection_get_socket (http->connection), IPPROTO_TCP,
                       TCP_NODELAY, 1, NULL);
  http->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (http->connection)));
  g_data_input_stream_set_newline_type (http->input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (http->input), 65536);
  return TRUE;
}

/* One request; the status code, or 0 with @error set.  @body_out gets the
 * response body. */
static guint
http_request_once (Http        *http,
                   const char  *method,
                   const char  *path,
                   const char  *body,
                   char       **body_out,
                   GError     **error)
{
  g_autoptr(GString) request = g_string_new (NULL);
  g_autofree char *status_line = NULL;
  gsize body_len = body != NULL ? strlen (body) : 0;
  gssize content_length = -1;
  gboolean chunked = FALSE;
  gboolean close_after = FALSE;
  g_autoptr(GByteArray) response = g_byte_array_new ();
  GOutputStream *output;
  guint status;

  if (http->connection == NULL && !http_connect (http, error))
    return 0;

  g_string_append_printf (request, "%s %s HTTP/1.1\r\nHost: %s:%u\r\n", method, path, http->host,
                          http->port);
  if (http->token != NULL)
    g_string_append_printf (request, "Authorization: Bearer %s\r\n", http->token);
  if (body != NULL)
    g_string_append_printf (request, "Content-Type: application/json\r\nContent-Length: %"
                            G_GSIZE_FORMAT "\r\n", body_len);
  g_string_append (request, "\r\n");
  if (body != NULL)
    g_string_append_len (request, body, (gssize) body_len);

  output = g_io_stream_get_output_stream (G_IO_STREAM (http->connection));
  if (!g_output_stream_write_all (output, request->str, request->len, NULL, NULL, error))
    return 0;

  status_line = g_data_input_stream_read_line (http->input, NULL, NULL, error);
  if (status_line == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "The server closed the connection");
      return 0;
    }
  if (!g_str_has_prefix (status_line, "HTTP/1.") || strlen (status_line) < 12)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Bad status line “%s”", status_line);
      return 0;
    }
  status = (guint) g_ascii_strtoull (status_line + 9, NULL, 10);

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (http->input, NULL, NULL, error);

      if (line == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "Headers cut short");
          return 0;
        }
      if (line[0] == '\0')
        break;
      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        content_length = (gssize) g_ascii_strtoll (line + 15, NULL, 10);
      else if (g_ascii_strncasecmp (line, "Transfer-Encoding:", 18) == 0 && strstr (line, "chunked") != NULL)
        chunked = TRUE;
      else if (g_ascii_strncasecmp (line, "Connection:", 11) == 0 && strstr (line, "close") != NULL)
        close_after = TRUE;
    }

  if (chunked)
    {
      for (;;)
        {
          g_autofree char *size_line = g_data_input_stream_read_line (http->input, NULL, NULL, error);
          gsize size;

          if (size_line == NULL)
            return 0;
          size = (gsize) g_ascii_strtoull (size_line, NULL, 16);
          if (size > 0)
            {
              gsize old = response->len;

              g_byte_array_set_size (response, (guint) (old + size));
              if (!g_input_stream_read_all (G_INPUT_STREAM (http->input), response->data + old, size,
                                            NULL, NULL, error))
                return 0;
            }
          g_free (g_data_input_stream_read_line (http->input, NULL, NULL, NULL));
          if (size == 0)
            break;
        }
    }
  else if (content_length > 0)
    {
      g_byte_array_set_size (response, (guint) content_length);
      if (!g_input_stream_read_all (G_INPUT_STREAM (http->input), response->data, (gsize) content_length,
                                    NULL, NULL, error))
        return 0;
    }

  if (close_after)
    http_disconnect (http);

  if (body_out != NULL)
    {
      g_byte_array_append (response, (const guint8 *) "", 1);
      *body_out = (char *) g_byte_array_free (g_steal_pointer (&response), FALSE);
    }
  return status;
}

/* A request, tried once more on a fresh connection if the kept-alive one
 * was closed under us. */
static guint
http_request (Http        *http,
              const char  *method,
              const char  *path,
              const char  *body,
              char       **body_out,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  guint status = http_request_once (http, method, path, body, body_out, &local_error);

  if (status != 0)
    return status;
  http_disconnect (http);
  return http_request_once (http, method, path, body, body_out, error);
}

static gboolean
http_login (Http    *http,
            GError **error)
{
  g_autofree char *answer = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *object;
  guint status;

  status = http_request (http, "POST", "/api/v1/authorize",
                         "{\"username\":\"admin\",\"password\":\"" API_PASSWORD "\"}", &answer, error);
  if (status == 0)
    return FALSE;
  parser = json_parser_new ();
  if (status != 200 || !json_parser_load_from_data (parser, answer, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "authorize answered %u: %s", status, answer);
      return FALSE;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  g_free (http->token);
  http->token = g_strdup (json_object_get_string_member_with_default (object, "token", ""));
  return http->token[0] != '\0';
}

/* devices/stats: connectedCount, or -1. */
static gint64
connected_count (Http *http)
{
  g_autofree char *answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (http_request (http, "GET", "/api/v1/devices/stats", NULL, &answer, &error) != 200)
    return -1;
  if (!json_parser_load_from_data (parser, answer, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return -1;
  return json_object_get_int_member_with_default (json_node_get_object (json_parser_get_root (parser)),
                                                  "connectedCount", -1);
}

/* ---- the server --------------------------------------------------------- */

typedef struct
{
  char *dir;
  GPid  pid;
  guint api_port;
  guint cira_port;
  char *root_file;   /* the MPS root (GET ciracert), as the devices trust it */
} Server;

static char **
server_environment (const char    *dir,
                    const Options *options)
{
  char **env = g_get_environ ();
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *config = g_build_filename (dir, "config", NULL);
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);

  env = g_environ_setenv (env, "XDG_DATA_HOME", data, TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  /* Settings from a key file in the throw-away folder: the keepalive
   * interval below, nothing of the user's. */
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "keyfile", TRUE);
  env = g_environ_setenv (env, "GSETTINGS_SCHEMA_DIR", options->schema_dir, TRUE);
  if (options->keyring)
    env = g_environ_unsetenv (env, "OUTBAND_SECRET_STORE");
  else
    env = g_environ_setenv (env, "OUTBAND_SECRET_STORE", "memory", TRUE);
  env = g_environ_setenv (env, "OUTBAND_API_PASSWORD", API_PASSWORD, TRUE);
  env = g_environ_unsetenv (env, "G_MESSAGES_DEBUG");
  env = g_environ_unsetenv (env, "G_DEBUG");
  return env;
}

static void
write_settings (const char    *dir,
                const Options *options)
{
  g_autofree char *settings_dir = g_build_filename (dir, "config", "glib-2.0", "settings", NULL);
  g_autofree char *keyfile = g_build_filename (settings_dir, "keyfile", NULL);
  g_autofree char *text = g_strdup_printf ("[io/github/outband/Outband]\n"
                                           "keepalive-interval=uint32 %u\n"
                                           "mps-common-name='" MPS_NAME "'\n"
                                           "log-level='warning'\n",
                                           options->keepalive);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (settings_dir, 0700);
  if (!g_file_set_contents (keyfile, text, -1, &error))
    g_error ("Cannot write the settings: %s", error->message);
}

/* A free loopback port.  (`--api-port 0` cannot be used: GApplication
 * drops an integer option whose value is 0, so the setting's 3000 would
 * be used.) */
static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, any, FALSE, NULL)
      || (bound = g_socket_get_local_address (socket, NULL)) == NULL)
    g_error ("Cannot find a free port");
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
server_start (Server        *server,
              const Options *options)
{
  g_autofree char *api_port = g_strdup_printf ("%u", free_port ());
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) out = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  int out_fd;

  server->dir = g_dir_make_tmp ("outband-cira-scale-XXXXXX", &error);
  if (server->dir == NULL)
    g_error ("Cannot make a folder: %s", error->message);
  write_settings (server->dir, options);
  env = server_environment (server->dir, options);

  for (guint i = 0; options->wrapper != NULL && options->wrapper[i] != NULL; i++)
    g_ptr_array_add (argv, options->wrapper[i]);
  g_ptr_array_add (argv, (char *) options->outband);
  g_ptr_array_add (argv, (char *) "--headless");
  g_ptr_array_add (argv, (char *) "--api-port");
  g_ptr_array_add (argv, api_port);
  g_ptr_array_add (argv, (char *) "--api-address");
  g_ptr_array_add (argv, (char *) "127.0.0.1");
  g_ptr_array_add (argv, (char *) "--cira-port");
  g_ptr_array_add (argv, (char *) "0");
  /* Nothing here provisions: leave 8080 to others. */
  g_ptr_array_add (argv, (char *) "--rps-port");
  g_ptr_array_add (argv, (char *) "0");
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_async_with_pipes (NULL, (char **) argv->pdata, env,
                                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &server->pid, NULL, &out_fd, NULL, &error))
    g_error ("Cannot start %s: %s", options->outband, error->message);

  out = g_unix_input_stream_new (out_fd, TRUE);
  lines = g_data_input_stream_new (out);
  while (server->api_port == 0 || server->cira_port == 0)
    {
      g_autofree char *line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
      const char *where;

      if (line == NULL)
        g_error ("outband --headless stopped before listening (see its output above)");
      if (g_str_has_prefix (line, "REST API listening on ") && (where = strrchr (line, ':')) != NULL)
        server->api_port = (guint) g_ascii_strtoull (where + 1, NULL, 10);
      else if (g_str_has_prefix (line, "CIRA listening on ") && (where = strrchr (line, ' ')) != NULL)
        server->cira_port = (guint) g_ascii_strtoull (where + 1, NULL, 10);
    }
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static void
server_stop (Server *server)
{
  stop_process (server->pid);
  g_spawn_close_pid (server->pid);
  if (server->dir != NULL)
    remove_tree (server->dir);
  g_clear_pointer (&server->dir, g_free);
  g_clear_pointer (&server->root_file, g_free);
}

/* The root the devices are told to trust, from the REST API, into the
 * server's folder. */
static void
fetch_root (Http   *http,
            Server *server)
{
  g_autofree char *pem = NULL;
  g_autoptr(GError) error = NULL;

  if (http_request (http, "GET", "/api/v1/ciracert", NULL, &pem, &error) != 200 || pem == NULL
      || strstr (pem, "BEGIN CERTIFICATE") == NULL)
    g_error ("No MPS root from GET ciracert%s%s", error != NULL ? ": " : "",
             error != NULL ? error->message : "");
  server->root_file = g_build_filename (server->dir, "mps-root.pem", NULL);
  if (!g_file_set_contents (server->root_file, pem, -1, &error))
    g_error ("Cannot write the MPS root: %s", error->message);
}

/* ---- the simulators ------------------------------------------------------ */

static char *
nth_guid (guint index)
{
  return g_strdup_printf (GUID_PREFIX "%012x", index);
}

static GPid
start_simulator (const Options *options,
                 const Server  *server,
                 guint          index,
                 guint          first,
                 guint          count,
                 guint          max_connecting)
{
  /* The simulator's devices connect from 64 addresses of their own each
   * (127.1.<sim>.1 and on), taking them in turn: devices have addresses
   * of their own, and the server throttles per address (50 new
   * connections a second, 200 at once). */
  g_autofree char *source = g_strdup_printf ("127.1.%u.1", index);
  g_autofree char *mps = g_strdup_printf ("127.0.0.1:%u", server->cira_port);
  g_autofree char *count_arg = g_strdup_printf ("%u", count);
  g_autofree char *first_guid = nth_guid (first);
  g_autofree char *connecting = g_strdup_printf ("%u", max_connecting);
  /* As AMT, the devices check the MPS certificate against the root and
   * its name (the simulator checks each distinct chain once). */
  const char *argv[] = { options->sim, "cira", "--mps", mps, "--count", count_arg,
                         "--root-ca", server->root_file, "--mps-cn", MPS_NAME,
                         "--cira-user", CIRA_USER, "--cira-password", CIRA_PASSWORD,
                         "--amt-password", AMT_PASSWORD, "--latency-ms", "0",
                         "--first-guid", first_guid, "--max-connecting", connecting,
                         "--backoff-ms", "200", "--backoff-max-ms", "2000",
                         "--source-address", source, "--source-addresses", "64", NULL };
  g_auto(GStrv) env = g_environ_unsetenv (g_get_environ (), "G_MESSAGES_DEBUG");
  g_autoptr(GError) error = NULL;
  GPid pid;
  int devnull = open ("/dev/null", O_WRONLY | O_CLOEXEC);

  /* Its stdout (one GUID a line) is not needed: the GUIDs are known. */
  if (!g_spawn_async_with_fds (NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                               &pid, -1, devnull, -1, &error))
    g_error ("Cannot start %s: %s", options->sim, error->message);
  close (devnull);
  return pid;
}

/* ---- one device count ------------------------------------------------------ */

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted,
            double  p)
{
  guint index;

  if (sorted->len == 0)
    return 0;
  index = (guint) (p * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, double, index);
}

/* @calls timed GETs of @path, followed by a random GUID below @devices
 * when @with_guid. */
static void
time_calls (Http       *http,
            const char *path_prefix,
            gboolean    with_guid,
            guint       devices,
            guint       calls,
            double     *p50,
            double     *p99,
            guint      *errors)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GRand) rand = g_rand_new_with_seed (4433);
  g_autofree char *first_error = NULL;

  *errors = 0;
  for (guint i = 0; i < calls; i++)
    {
      g_autofree char *guid = nth_guid ((guint) g_rand_int_range (rand, 0, (gint32) devices));
      g_autofree char *path = NULL;
      g_autofree char *answer = NULL;
      g_autoptr(GError) error = NULL;
      gint64 started;
      guint status;
      double elapsed;

      path = with_guid ? g_strconcat (path_prefix, guid, NULL) : g_strdup (path_prefix);
      started = g_get_monotonic_time ();
      status = http_request (http, "GET", path, NULL, &answer, &error);
      elapsed = (g_get_monotonic_time () - started) / 1000.0;
      if (status != 200)
        {
          (*errors)++;
          if (first_error == NULL)
            first_error = g_strdup_printf ("%s: %u %s", path, status,
                                           error != NULL ? error->message : answer);
          continue;
        }
      g_array_append_val (ms, elapsed);
    }

  g_array_sort (ms, compare_double);
  *p50 = percentile (ms, 0.50);
  *p99 = percentile (ms, 0.99);
  if (first_error != NULL)
    g_printerr ("  %u errors, the first: %s\n", *errors, first_error);
}

static void
register_devices (Http  *http,
                  guint  devices)
{
  for (guint i = 0; i < devices; i++)
    {
      g_autofree char *guid = nth_guid (i);
      g_autofree char *body = NULL;
      g_autofree char *answer = NULL;
      g_autoptr(GError) error = NULL;
      guint status;

      body = g_strdup_printf ("{\"guid\":\"%s\",\"hostname\":\"bench-%u\",\"friendlyName\":\"bench-%u\","
                              "\"tags\":[\"bench\"],\"mpsusername\":\"" CIRA_USER "\","
                              "\"mpspassword\":\"" CIRA_PASSWORD "\",\"password\":\"" AMT_PASSWORD "\"}",
                              guid, i, i);
      status = http_request (http, "POST", "/api/v1/devices", body, &answer, &error);
      if (status != 201 && status != 200)
        g_error ("POST devices for %s: %u %s", guid, status, error != NULL ? error->message : answer);
    }
}

static void
sleep_s (double seconds)
{
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
}

/* After the storm the server still refreshes each new device once over
 * its tunnel (a few at a time) and closes the WS-Man connections that
 * left open: waits at least @min_s, then until the server's CPU over two
 * successive 5 s spans agrees within a fifth (or both are under 2 % of a
 * core), at most @max_s.  Returns the seconds waited. */
static double
settle (GPid   pid,
        double min_s,
        double max_s)
{
  gint64 started = g_get_monotonic_time ();
  double previous = -1;

  sleep_s (min_s);
  for (;;)
    {
      gint64 ticks = process_cpu_ticks (pid);
      double waited, pct;

      sleep_s (5);
      pct = ticks_to_ms (process_cpu_ticks (pid) - ticks) / 50.0;
      waited = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
      if (previous >= 0 && ((pct < 2 && previous < 2) || ABS (pct - previous) <= 0.2 * MAX (pct, previous)))
        return waited;
      if (waited >= max_s)
        {
          g_printerr ("  the server's CPU did not settle within %.0f s (%.1f %% of a core)\n", max_s, pct);
          return waited;
        }
      previous = pct;
    }
}

/* TRUE when the device's first refresh over its tunnel is done (its
 * deviceInfo has a firmware version). */
static gboolean
device_refreshed (Http  *http,
                  guint  index)
{
  g_autofree char *guid = nth_guid (index);
  g_autofree char *path = g_strconcat ("/api/v1/devices/", guid, NULL);
  g_autofree char *answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object, *info;

  if (http_request (http, "GET", path, NULL, &answer, NULL) != 200
      || !json_parser_load_from_data (parser, answer, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  object = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (object, "deviceInfo")
      || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "deviceInfo")))
    return FALSE;
  info = json_object_get_object_member (object, "deviceInfo");
  return json_object_get_string_member_with_default (info, "fwVersion", NULL) != NULL;
}

/* The server refreshes each device that connects once, over its tunnel,
 * a few at a time, so after a storm a backlog of refreshes runs on: waits
 * until 20 devices picked at random have all been refreshed (at most
 * @max_s).  Returns the seconds waited. */
static double
wait_for_refreshes (Http   *http,
                    guint   devices,
                    double  max_s)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (16992);
  gint64 started = g_get_monotonic_time ();
  guint sample[20];
  guint done = 0;

  for (guint i = 0; i < G_N_ELEMENTS (sample); i++)
    sample[i] = (guint) g_rand_int_range (rand, 0, (gint32) devices);

  for (;;)
    {
      double waited = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

      while (done < G_N_ELEMENTS (sample) && device_refreshed (http, sample[done]))
        done++;
      if (done == G_N_ELEMENTS (sample))
        return waited;
      if (waited >= max_s)
        {
          g_printerr ("  the first refreshes did not end within %.0f s\n", max_s);
          return waited;
        }
      sleep_s (1);
    }
}

static volatile sig_atomic_t interrupted;

static void
on_interrupt (int signum)
{
  interrupted = 1;
}

static void
run_one (const Options *options,
         guint          devices,
         Result        *result)
{
  Server server = { 0 };
  Http http = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree GPid *sims = NULL;
  guint n_sims = MIN (options->sims, devices);
  gint64 started, server_ticks, sim_ticks, last_report = 0;
  gint64 connected = 0, last_connected = -1;
  double keepalive_s;

  memset (result, 0, sizeof *result);
  result->devices = devices;
  result->load_before = load_average ();

  server_start (&server, options);
  http.host = g_strdup ("127.0.0.1");
  http.port = server.api_port;
  if (!http_login (&http, &error))
    g_error ("Cannot log in to the REST API: %s", error->message);
  fetch_root (&http, &server);

  sleep_s (0.5);
  result->rss_start_kib = process_rss_kib (server.pid);

  started = g_get_monotonic_time ();
  register_devices (&http, devices);
  result->register_s = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  /* Store writes and the allocator settle. */
  sleep_s (1.0);
  result->rss_registered_kib = process_rss_kib (server.pid);

  /* The storm. */
  sims = g_new0 (GPid, n_sims);
  server_ticks = process_cpu_ticks (server.pid);
  started = g_get_monotonic_time ();
  for (guint i = 0; i < n_sims; i++)
    {
      guint first = (guint) ((guint64) devices * i / n_sims);
      guint count = (guint) ((guint64) devices * (i + 1) / n_sims) - first;

      sims[i] = start_simulator (options, &server, i, first, count,
                                 MAX (1, options->max_connecting / n_sims));
    }
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();

      connected = connected_count (&http);
      if (connected >= (gint64) devices)
        break;
      if (now - started > (gint64) (options->connect_timeout_s * G_USEC_PER_SEC))
        {
          g_printerr ("  only %" G_GINT64_FORMAT " of %u connected after %.0f s\n", connected, devices,
                      options->connect_timeout_s);
          break;
        }
      if (now - started > 5 * G_USEC_PER_SEC && now - last_report > 5 * G_USEC_PER_SEC
          && connected != last_connected)
        {
          g_printerr ("  %" G_GINT64_FORMAT " connected after %.1f s\n", connected,
                      (now - started) / (double) G_USEC_PER_SEC);
          last_report = now;
          last_connected = connected;
        }
      sleep_s (0.25);
    }
  result->connect_s = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  result->server_connect_cpu_ms = ticks_to_ms (process_cpu_ticks (server.pid) - server_ticks)
                                  / MAX (connected, 1);
  sim_ticks = 0;
  for (guint i = 0; i < n_sims; i++)
    sim_ticks += process_cpu_ticks (sims[i]);
  result->sim_connect_cpu_ms = ticks_to_ms (sim_ticks) / MAX (connected, 1);
  if (connected < (gint64) devices)
    devices = result->devices = (guint) MAX (connected, 1);

  /* The first refresh of each device over its tunnel, the store writes,
   * and the WS-Man connections those left open (kept alive for 30 s): let
   * them end, so what follows is the steady state. */
  result->refresh_s = wait_for_refreshes (&http, devices, 600);
  result->settle_s = settle (server.pid, options->settle_s, 240);
  result->rss_connected_kib = process_rss_kib (server.pid);

  /* Steady keepalives. */
  server_ticks = process_cpu_ticks (server.pid);
  sim_ticks = 0;
  for (guint i = 0; i < n_sims; i++)
    sim_ticks -= process_cpu_ticks (sims[i]);
  started = g_get_monotonic_time ();
  sleep_s (options->window_s);
  keepalive_s = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  result->server_cpu_pct = ticks_to_ms (process_cpu_ticks (server.pid) - server_ticks) / 10.0 / keepalive_s;
  for (guint i = 0; i < n_sims; i++)
    sim_ticks += process_cpu_ticks (sims[i]);
  result->sim_cpu_pct = ticks_to_ms (sim_ticks) / 10.0 / keepalive_s;
  result->keepalives_per_s = devices / (double) options->keepalive;

  if (options->hold)
    {
      /* For profiling by hand: everything stays up until this process is
       * interrupted. */
      g_print ("server pid %d, REST API http://127.0.0.1:%u, token %s\n", (int) server.pid,
               server.api_port, http.token);
      fflush (stdout);
      signal (SIGINT, on_interrupt);
      signal (SIGTERM, on_interrupt);
      while (!interrupted)
        pause ();
    }

  /* REST latency with every device connected. */
  if (!interrupted)
    time_calls (&http, "/api/v1/amt/power/state/", TRUE, devices, options->calls,
                &result->power_p50, &result->power_p99, &result->power_errors);
  if (!interrupted)
    time_calls (&http, "/api/v1/devices/stats", FALSE, devices, options->calls,
                &result->stats_p50, &result->stats_p99, &result->stats_errors);

  result->load_after = load_average ();

  for (guint i = 0; i < n_sims; i++)
    {
      stop_process (sims[i]);
      g_spawn_close_pid (sims[i]);
    }
  http_disconnect (&http);
  g_free (http.host);
  g_free (http.token);
  server_stop (&server);
}

static void
print_result (const Options *options,
              const Result  *r)
{
  double per_conn = (r->rss_connected_kib - r->rss_registered_kib) * 1024.0 / r->devices;
  double per_device = (r->rss_connected_kib - r->rss_start_kib) * 1024.0 / r->devices;

  fflush (stderr);
  g_print ("%7u %9.1f %9.0f %8.2f %8.2f %9.0f %9.0f %8.2f %8.2f %7.2f %7.2f %7.2f %7.2f %5.1f/%.1f\n",
           r->devices, r->connect_s, r->devices / r->connect_s, r->server_connect_cpu_ms,
           r->sim_connect_cpu_ms, per_conn, per_device, r->server_cpu_pct,
           r->server_cpu_pct * options->keepalive / 30.0, r->power_p50, r->power_p99,
           r->stats_p50, r->stats_p99, r->load_before, r->load_after);
  g_print ("        registration %.1f s; first refreshes done %.0f s after the storm, then settled %.0f s; RSS %.0f MiB at start, %.0f MiB registered, %.0f MiB connected; "
           "simulators %.1f %% of a core during keepalives (%.0f keepalives/s); errors: power %u, stats %u\n",
           r->register_s, r->refresh_s, r->settle_s, r->rss_start_kib / 1024, r->rss_registered_kib / 1024,
           r->rss_connected_kib / 1024, r->sim_cpu_pct, r->keepalives_per_s, r->power_errors,
           r->stats_errors);
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

static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *outband = NULL;
  g_autofree char *sim = NULL;
  g_autofree char *schema_dir = NULL;
  g_autofree char *devices_text = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *wrap = NULL;
  g_auto(GStrv) wrapper = NULL;
  int sims = 2, keepalive = 30, calls = 300, max_connecting = 128;
  double window = 60, connect_timeout = 300, settle = 40;
  gboolean quick = FALSE, hold = FALSE, keyring = FALSE;
  GOptionEntry entries[] = {
    { "devices", 'n', 0, G_OPTION_ARG_STRING, &devices_text, "Device counts (default 1000,10000)", "LIST" },
    { "sims", 0, 0, G_OPTION_ARG_INT, &sims, "Simulator processes (default 2)", "N" },
    { "keepalive", 0, 0, G_OPTION_ARG_INT, &keepalive,
      "CIRA keepalive interval of the run, seconds (default 30, the MPS's; CPU is also shown scaled to 30)", "S" },
    { "window", 0, 0, G_OPTION_ARG_DOUBLE, &window, "Seconds of steady keepalives measured (default 60; best a multiple of the interval)", "S" },
    { "settle", 0, 0, G_OPTION_ARG_DOUBLE, &settle,
      "Least seconds between the last connect and the RSS and CPU readings; then until the "
      "server's CPU is steady (default 40)", "S" },
    { "calls", 0, 0, G_OPTION_ARG_INT, &calls, "REST calls timed per route (default 300)", "N" },
    { "max-connecting", 0, 0, G_OPTION_ARG_INT, &max_connecting,
      "Connects in flight across the simulators (default 128; many more only time out waiting for the server's handshake slots)", "N" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &connect_timeout,
      "Give up waiting for the devices after S seconds (default 300)", "S" },
    { "outband", 0, 0, G_OPTION_ARG_FILENAME, &outband, "Path of outband", "PATH" },
    { "sim", 0, 0, G_OPTION_ARG_FILENAME, &sim, "Path of outband-sim", "PATH" },
    { "schema-dir", 0, 0, G_OPTION_ARG_FILENAME, &schema_dir, "Compiled settings schema folder", "DIR" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "A smoke run: 50 devices, short windows", NULL },
    { "wrap", 0, 0, G_OPTION_ARG_STRING, &wrap,
      "Run the server under this command (e.g. \"heaptrack -o /tmp/ht\"); its figures then include the tool's", "CMD" },
    { "hold", 0, 0, G_OPTION_ARG_NONE, &hold, "Keep the first count running after the CPU window (for profiling)", NULL },
    { "keyring", 0, 0, G_OPTION_ARG_NONE, &keyring,
      "Secrets in the Secret Service instead of memory (run under build-aux/test-session: a throw-away gnome-keyring)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- the CIRA listener with many simulated devices");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) counts = NULL;
  Options options = { 0 };
  guint failures = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (sims < 1 || keepalive < 1 || calls < 1 || window <= 0 || max_connecting < 1)
    {
      g_printerr ("--sims, --keepalive, --calls, --window and --max-connecting must be positive\n");
      return 2;
    }

  /* Uninstalled layout: this program in <build>/tests/bench. */
  dir = g_path_get_dirname (argv[0]);
  if (outband == NULL)
    outband = g_build_filename (dir, "..", "..", "src", "outband", NULL);
  if (sim == NULL)
    sim = g_build_filename (dir, "..", "..", "src", "sim", "outband-sim", NULL);
  if (schema_dir == NULL)
    schema_dir = g_build_filename (dir, "..", "..", "data", NULL);

  if (quick)
    {
      g_free (devices_text);
      devices_text = g_strdup ("50");
      window = MIN (window, 3);
      settle = MIN (settle, 3);
      calls = MIN (calls, 30);
      keepalive = MIN (keepalive, 1);
      connect_timeout = MIN (connect_timeout, 60);
    }

  options.outband = outband;
  options.sim = sim;
  options.schema_dir = schema_dir;
  options.sims = (guint) sims;
  options.keepalive = (guint) keepalive;
  options.window_s = window;
  options.calls = (guint) calls;
  options.connect_timeout_s = connect_timeout;
  options.max_connecting = (guint) max_connecting;
  options.hold = hold;
  options.keyring = keyring;
  /* Thousands of throw-away items must never land in the admin's keyring. */
  if (keyring && strstr (g_getenv ("XDG_DATA_HOME") ? g_getenv ("XDG_DATA_HOME") : "", "outband-keyring.") == NULL)
    {
      g_printerr ("--keyring runs only under build-aux/test-session (a throw-away gnome-keyring):\n"
                  "  dbus-run-session -- build-aux/test-session %s --keyring ...\n", argv[0]);
      return 2;
    }
  options.settle_s = settle;
  if (wrap != NULL && !g_shell_parse_argv (wrap, NULL, &wrapper, &error))
    {
      g_printerr ("--wrap: %s\n", error->message);
      return 2;
    }
  options.wrapper = wrapper;
  counts = parse_list (devices_text != NULL ? devices_text : "1000,10000");

  raise_file_limit ();
  signal (SIGPIPE, SIG_IGN);

  g_print ("# cira-scale: outband --headless and %u outband-sim cira processes over loopback; "
           "keepalive every %u s, CPU over %.0f s, %u timed calls per route\n",
           options.sims, options.keepalive, options.window_s, options.calls);
  g_print ("%7s %9s %9s %8s %8s %9s %9s %8s %8s %7s %7s %7s %7s %s\n",
           "devices", "connect s", "conn/s", "srv ms/c", "sim ms/c", "B/conn", "B/device",
           "ka cpu%", "@30s %", "pwr p50", "pwr p99", "sts p50", "sts p99", "load");

  for (guint i = 0; i < counts->len; i++)
    {
      Result result;

      run_one (&options, g_array_index (counts, guint, i), &result);
      print_result (&options, &result);
      if (result.power_errors > 0 || result.stats_errors > 0
          || result.devices < g_array_index (counts, guint, i))
        failures++;
    }

  return failures > 0 ? 1 : 0;
}
