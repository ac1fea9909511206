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

#include "ob-sim-fleet.h"

/* outband-sim: simulated Intel AMT devices for tests, demos and
 * benchmarks.  One subcommand per simulator: "lan" serves devices on the
 * LAN ports; later ones ("cira", "rpc") make devices call a server. */

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
           "\n"
           "Run “outband-sim COMMAND --help” for the options of a command.\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  /* Set once (GLib allows no second call): what --help shows as usage. */
  g_set_prgname (argc >= 2 && g_str_equal (argv[1], "lan") ? "outband-sim lan" : "outband-sim");

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

  g_printerr ("outband-sim: unknown command “%s”\n\n", argv[1]);
  usage (stderr);
  return 2;
}
