/* ob-application.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ob-api-server.h"
#include "ob-application-private.h"
#include "ob-demo.h"
#include "ob-log.h"
#include "ob-secret-store-cache.h"
#include "ob-secret-store-libsecret.h"
#include "ob-secret-store-memory.h"
#include "ob-util.h"
#include "ob-window.h"

struct _ObApplication
{
  AdwApplication parent_instance;

  GSettings *settings;
  ObConfig *config;
  ObServices *services;

  /* --cira-port / --rps-port for this run; -1 follows the setting. */
  int cira_port;
  int rps_port;

  /* A failure of the services that the window should show; kept until a
   * window exists to show it. */
  char *services_error;

  /* --verbose: debug output for every outband domain, whatever the
   * log-level setting says. */
  gboolean verbose;

  /* --demo: a simulated fleet, with a throw-away data folder and secrets
   * in memory, so the demo leaves nothing behind. */
  gboolean demo_mode;
  char *demo_dir;
  ObDemo *demo;
  guint demo_signals[2];
};

G_DEFINE_FINAL_TYPE (ObApplication, ob_application, ADW_TYPE_APPLICATION)

/* Every key of the schema that the engines' ObConfig has a property for.
 * Window geometry keys are app-only. */
static const char * const config_keys[] = {
  "cira-port",
  "rps-port",
  "api-port",
  "api-enabled",
  "api-address",
  "api-user",
  "mps-common-name",
  "keepalive-interval",
  "allow-legacy-tls",
  "log-level",
};

static const GOptionEntry main_options[] = {
  { "verbose", 'v', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Write debug messages of every Outband component"), NULL },
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  { "headless", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Run the engines and the REST API without a window until interrupted"), NULL },
  /* Ports are strings: GApplication drops integer options whose value is
   * 0 (`--api-port 0` then meant the api-port setting). */
  { "api-port", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("With --headless: the REST API port for this run (0 picks a free one)"), N_("PORT") },
  { "api-address", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("With --headless: the address the REST API listens on for this run"), N_("ADDRESS") },
  { "cira-port", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("The port devices call in on (CIRA) for this run (0 picks a free one)"), N_("PORT") },
  { "rps-port", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("The port rpc-go connects to for provisioning (ws:// and wss://) for this run (0 picks a free one)"),
    N_("PORT") },
  { "demo", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Show simulated devices; nothing is stored"), NULL },
  { "set-api-password", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Read the REST API password from standard input, keep it in the keyring and exit"), NULL },
  { NULL }
};

static void
ob_application_apply_log_level (ObApplication *self)
{
  if (self->verbose)
    ob_log_set_level (OB_LOG_LEVEL_DEBUG);
  else
    ob_log_set_level (ob_config_get_log_level (self->config));
}

static void
on_config_log_level_changed (ObApplication *self,
                             GParamSpec    *pspec,
                             ObConfig      *config)
{
  ob_application_apply_log_level (self);
}

/* The engines only ever see ObConfig; GSettings stays in the app. */
static void
ob_application_load_config (ObApplication *self)
{
  g_assert (self->settings == NULL);
  g_assert (self->config == NULL);

  self->settings = g_settings_new (APP_ID);
  self->config = ob_config_new ();

  for (guint i = 0; i < G_N_ELEMENTS (config_keys); i++)
    g_settings_bind (self->settings, config_keys[i],
                     self->config, config_keys[i],
                     G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (self->config,
                           "notify::log-level",
                           G_CALLBACK (on_config_log_level_changed),
                           self,
                           G_CONNECT_SWAPPED);
  ob_application_apply_log_level (self);
}

static void
ob_application_report_services_error (ObApplication *self,
                                      const char    *message)
{
  GtkWindow *window;

  g_free (self->services_error);
  self->services_error = g_strdup (message);

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (OB_IS_WINDOW (window))
    ob_window_show_error (OB_WINDOW (window), message);
}

static void ob_application_start_demo (ObApplication *self);

static void
on_services_started (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ObApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (ob_services_start_finish (OB_SERVICES (source), result, &error))
    {
      g_info ("Services running; data in %s", ob_services_get_data_dir (OB_SERVICES (source)));
      if (self->demo_mode)
        ob_application_start_demo (self);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_warning ("Could not start Outband's services: %s", error->message);
  /* The technical detail is in the log; the window says what it means in
   * one line a toast can show. */
  if (error->domain == OB_STORE_ERROR)
    message = g_strdup (_("The device database could not be opened; see the log for details"));
  else if (error->domain == OB_SECRET_STORE_ERROR)
    message = g_strdup (_("The keyring is not available; passwords cannot be stored"));
  else
    message = g_strdup (_("The MPS certificates could not be prepared; see the log for details"));
  ob_application_report_services_error (self, message);
}

static void
on_services_error (ObApplication *self,
                   const GError  *error,
                   ObServices    *services)
{
  if (g_error_matches (error, OB_API_ERROR, OB_API_ERROR_NO_PASSWORD))
    ob_application_report_services_error (self,
                                          _("The REST API has no password; set one in "
                                            "Preferences"));
  else if (error->domain == OB_API_ERROR)
    ob_application_report_services_error (self,
                                          _("The REST API could not start; see the log for "
                                            "details"));
  else
    ob_application_report_services_error (self,
                                          _("The MPS server certificate could not be issued for "
                                            "the new common name"));
}

static void
on_demo_started (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_demo_start_finish (OB_DEMO (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ob_application_report_services_error (self, _("Some simulated devices could not be started; "
                                                   "see the log for details"));
}

/* Ctrl+C in the terminal that started a demo still removes its folder. */
static gboolean
on_demo_signal (gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));

  return G_SOURCE_CONTINUE;
}

static void
ob_application_start_demo (ObApplication *self)
{
  ObDeviceRegistry *registry = ob_services_get_device_registry (self->services);

  if (self->demo != NULL || registry == NULL)
    return;

  self->demo = ob_demo_new ();
  ob_demo_start_async (self->demo, registry, ob_services_get_mps_server (self->services),
                       NULL, on_demo_started, g_object_ref (self));

  self->demo_signals[0] = g_unix_signal_add (SIGINT, on_demo_signal, self);
  self->demo_signals[1] = g_unix_signal_add (SIGTERM, on_demo_signal, self);
}

/* The demo's data folder holds only what the demo made. */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_remove (child);
        }
    }

  g_rmdir (path);
}

/* The keyring normally; OUTBAND_SECRET_STORE=memory keeps secrets in
 * memory only, for demos and throw-away test runs. */
static ObSecretStore *
ob_application_create_secret_store (void)
{
  static const char * const device_secrets[] = { OB_SECRET_OWNER_DEVICE, NULL };
  g_autoptr(ObSecretStore) backend = NULL;

  if (g_strcmp0 (g_getenv ("OUTBAND_SECRET_STORE"), "memory") == 0)
    {
      g_message ("Secrets are kept in memory only (OUTBAND_SECRET_STORE=memory)");
      return ob_secret_store_memory_new ();
    }

  /* The keyring searches its whole collection for every lookup: the cache
   * reads each kind of device secret once, in bulk, and keeps it in
   * memory.  Only devices' secrets, which the fleet multiplies and only
   * this app writes; the API password, for one, may change from another
   * process (`outband --set-api-password`) and is read afresh. */
  backend = ob_secret_store_libsecret_new ();

  return ob_secret_store_cache_new (backend, device_secrets);
}

static void
ob_application_start_services (ObApplication *self)
{
  g_autoptr(ObSecretStore) secrets = NULL;
  g_autoptr(GError) error = NULL;

  g_assert (self->services == NULL);

  if (self->demo_mode)
    {
      /* The demo never touches the admin's devices, keyring or API port. */
      secrets = ob_secret_store_memory_new ();
      self->demo_dir = g_dir_make_tmp ("outband-demo-XXXXXX", &error);
      if (self->demo_dir == NULL)
        g_warning ("Could not make a folder for the demo: %s", error->message);
      g_settings_unbind (self->config, "api-enabled");
      ob_config_set_api_enabled (self->config, FALSE);
    }
  else
    {
      secrets = ob_application_create_secret_store ();
    }

  self->services = ob_services_new (self->config, secrets, self->demo_dir);
  /* A demo leaves the CIRA port to a real instance. */
  ob_services_force_cira_port (self->services,
                               self->cira_port < 0 && self->demo_mode ? 0 : self->cira_port);
  ob_services_force_rps_port (self->services,
                              self->rps_port < 0 && self->demo_mode ? 0 : self->rps_port);
  g_signal_connect_object (self->services, "error",
                           G_CALLBACK (on_services_error), self, G_CONNECT_SWAPPED);

  /* The window opens at once; the first start's key generation runs in a
   * worker thread behind it. */
  ob_services_start_async (self->services, NULL, on_services_started, g_object_ref (self));
}

/* ------------------------------------------------------------------------
 * Headless mode (`outband --headless`) and `--set-api-password`.  Both run
 * from handle_local_options, before GTK is initialised, so they work with
 * no display at all.
 * ------------------------------------------------------------------------ */

typedef struct
{
  GMainLoop *loop;
  int        exit_code;
} Headless;

static void
on_headless_started (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Headless *headless = user_data;
  ObServices *services = OB_SERVICES (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  ObMpsServer *mps;

  if (!ob_services_start_finish (services, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_printerr ("outband: %s\n", error->message);
          /* Servers often have no desktop session, hence no keyring. */
          if (error->domain == OB_SECRET_STORE_ERROR
              || g_error_matches (error, OB_API_ERROR, OB_API_ERROR_KEYRING))
            g_printerr ("outband: %s\n",
                        _("Without a keyring, OUTBAND_SECRET_STORE=memory keeps secrets in "
                          "memory for this run (set the API password with OUTBAND_API_PASSWORD)"));
          headless->exit_code = EXIT_FAILURE;
        }
      g_main_loop_quit (headless->loop);
      return;
    }

  /* Port 0 cannot be guessed from outside: say where we are. */
  url = ob_api_server_dup_url (ob_services_get_api_server (services));
  g_print ("REST API listening on %s\n", url);
  mps = ob_services_get_mps_server (services);
  if (mps != NULL && ob_mps_server_get_listening (mps))
    g_print ("CIRA listening on %s port %u\n", ob_mps_server_get_address (mps),
             ob_mps_server_get_port (mps));
  else if (mps != NULL && ob_mps_server_get_last_error (mps) != NULL)
    g_printerr ("outband: CIRA: %s\n", ob_mps_server_get_last_error (mps));
  if (ob_services_get_rps_server (services) != NULL
      && ob_rps_server_get_listening (ob_services_get_rps_server (services)))
    g_print ("RPS listening on all interfaces port %u (ws:// and wss://)\n",
             ob_rps_server_get_port (ob_services_get_rps_server (services)));
  else if (ob_services_get_rps_server (services) != NULL
           && ob_rps_server_get_last_error (ob_services_get_rps_server (services)) != NULL)
    g_printerr ("outband: %s\n", ob_rps_server_get_last_error (ob_services_get_rps_server (services))->message);
  fflush (stdout);
}

static gboolean
on_headless_signal (gpointer user_data)
{
  Headless *headless = user_data;

  g_message ("Stopping");
  g_main_loop_quit (headless->loop);

  return G_SOURCE_CONTINUE;
}

static int
ob_application_run_headless (ObApplication *self,
                             GVariantDict  *options)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(ObConfig) config = NULL;
  g_autoptr(ObSecretStore) secrets = NULL;
  g_autoptr(ObServices) services = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const char *address = NULL;
  const char *port_text = NULL;
  Headless headless = { NULL, EXIT_SUCCESS };
  int port = -1;
  guint sigint, sigterm;

  if (g_variant_dict_lookup (options, "api-port", "&s", &port_text))
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &value, NULL))
        {
          g_printerr ("outband: --api-port must be between 0 and 65535\n");
          return EXIT_FAILURE;
        }
      port = (int) value;
    }
  g_variant_dict_lookup (options, "api-address", "&s", &address);

  ob_log_init ();

  /* Read the settings, never write them: the command-line overrides are
   * for this run only. */
  settings = g_settings_new (APP_ID);
  config = ob_config_new ();
  for (guint i = 0; i < G_N_ELEMENTS (config_keys); i++)
    g_settings_bind (settings, config_keys[i], config, config_keys[i], G_SETTINGS_BIND_GET);
  ob_log_set_level (self->verbose ? OB_LOG_LEVEL_DEBUG : ob_config_get_log_level (config));

  secrets = ob_application_create_secret_store ();
  services = ob_services_new (config, secrets, NULL);
  ob_services_force_api (services, address, port);
  ob_services_force_cira_port (services, self->cira_port);
  ob_services_force_rps_port (services, self->rps_port);

  headless.loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_headless_signal, &headless);
  sigterm = g_unix_signal_add (SIGTERM, on_headless_signal, &headless);

  ob_services_start_async (services, cancellable, on_headless_started, &headless);
  g_main_loop_run (headless.loop);

  /* Stop the API and the poll, then let the store close. */
  g_cancellable_cancel (cancellable);
  ob_services_stop (services);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  /* Let cancelled operations report before the objects go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_clear_object (&services);
  g_main_loop_unref (headless.loop);
  g_info ("Headless mode ended");

  return headless.exit_code;
}

/* Reads one line without echoing it when stdin is a terminal. */
static char *
read_password_line (void)
{
  struct termios saved, quiet;
  gboolean tty = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
  char buf[1024];
  char *line;
  gsize len;

  if (tty)
    {
      g_printerr ("%s", _("REST API password: "));
      quiet = saved;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }

  line = fgets (buf, sizeof buf, stdin);

  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      g_printerr ("\n");
    }

  if (line == NULL)
    return NULL;

  len = strlen (buf);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    buf[--len] = '\0';
  line = g_strdup (buf);
  ob_secure_clear (buf, sizeof buf);

  return line;
}

static int
ob_application_set_api_password (void)
{
  g_autoptr(ObSecretStore) secrets = NULL;
  g_autoptr(GError) error = NULL;
  char *password;
  gboolean ok;

  if (g_strcmp0 (g_getenv ("OUTBAND_SECRET_STORE"), "memory") == 0)
    {
      g_printerr ("outband: %s\n", _("OUTBAND_SECRET_STORE=memory forgets the password at exit; "
                                      "unset it to keep the password in the keyring"));
      return EXIT_FAILURE;
    }

  password = read_password_line ();
  if (password == NULL || password[0] == '\0')
    {
      ob_secure_free_string (password);
      g_printerr ("outband: %s\n", _("No password given"));
      return EXIT_FAILURE;
    }

  secrets = ob_application_create_secret_store ();
  ok = ob_api_store_password_sync (secrets, password, NULL, &error);
  ob_secure_free_string (password);
  if (!ok)
    {
      g_printerr ("outband: %s: %s\n", _("The password could not be stored"), error->message);
      return EXIT_FAILURE;
    }

  g_print ("%s\n", _("REST API password stored in the keyring"));

  return EXIT_SUCCESS;
}

static int
ob_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  ObApplication *self = OB_APPLICATION (app);
  const char *cira_port = NULL;
  const char *rps_port = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", "outband", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (g_variant_dict_contains (options, "verbose"))
    self->verbose = TRUE;

  /* A demo runs beside a real instance rather than handing its command
   * line over to it. */
  if (g_variant_dict_contains (options, "demo"))
    {
      self->demo_mode = TRUE;
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }

  if (g_variant_dict_lookup (options, "cira-port", "&s", &cira_port))
    {
      guint64 port;

      if (!g_ascii_string_to_unsigned (cira_port, 10, 0, 65535, &port, NULL))
        {
          g_printerr ("outband: --cira-port must be between 0 and 65535\n");
          return EXIT_FAILURE;
        }
      self->cira_port = (int) port;
    }

  if (g_variant_dict_lookup (options, "rps-port", "&s", &rps_port))
    {
      guint64 port;

      if (!g_ascii_string_to_unsigned (rps_port, 10, 0, 65535, &port, NULL))
        {
          g_printerr ("outband: --rps-port must be between 0 and 65535\n");
          return EXIT_FAILURE;
        }
      self->rps_port = (int) port;
    }

  if (g_variant_dict_contains (options, "set-api-password"))
    return ob_application_set_api_password ();

  if (g_variant_dict_contains (options, "headless"))
    return ob_application_run_headless (self, options);

  if (g_variant_dict_contains (options, "api-port")
      || g_variant_dict_contains (options, "api-address"))
    {
      g_printerr ("outband: %s\n", _("--api-port and --api-address only apply with --headless; "
                                      "the window uses the preferences"));
      return EXIT_FAILURE;
    }

  return G_APPLICATION_CLASS (ob_application_parent_class)->handle_local_options (app, options);
}

static void
ob_application_startup (GApplication *app)
{
  ObApplication *self = OB_APPLICATION (app);

  ob_log_init ();

  /* Chaining up initializes libadwaita and loads style.css and the
   * shortcuts window from the resource base path. */
  G_APPLICATION_CLASS (ob_application_parent_class)->startup (app);

  _ob_application_install_actions (self);
  ob_application_load_config (self);

  /* The engines (store, keyring, certificate authority; later MPS, RPS
   * and the API) start after the config is bound and before any window
   * opens, so the window and headless mode share one startup path. */
  ob_application_start_services (self);

  g_debug ("Started %s %s", APP_ID, PACKAGE_VERSION);
}

static void
ob_application_shutdown (GApplication *app)
{
  ObApplication *self = OB_APPLICATION (app);

  g_clear_handle_id (&self->demo_signals[0], g_source_remove);
  g_clear_handle_id (&self->demo_signals[1], g_source_remove);
  if (self->demo != NULL)
    ob_demo_stop (self->demo);
  if (self->services != NULL)
    ob_services_stop (self->services);

  G_APPLICATION_CLASS (ob_application_parent_class)->shutdown (app);

  if (self->demo_dir != NULL)
    {
      g_clear_object (&self->services);
      remove_tree (self->demo_dir);
    }
}

static void
ob_application_activate (GApplication *app)
{
  ObApplication *self = OB_APPLICATION (app);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    {
      window = GTK_WINDOW (ob_window_new (self));
      if (self->services_error != NULL)
        ob_window_show_error (OB_WINDOW (window), self->services_error);
    }

  gtk_window_present (window);
}

static void
ob_application_dispose (GObject *object)
{
  ObApplication *self = OB_APPLICATION (object);

  g_clear_handle_id (&self->demo_signals[0], g_source_remove);
  g_clear_handle_id (&self->demo_signals[1], g_source_remove);
  g_clear_object (&self->demo);
  g_clear_object (&self->services);
  g_clear_object (&self->config);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->services_error, g_free);
  g_clear_pointer (&self->demo_dir, g_free);

  G_OBJECT_CLASS (ob_application_parent_class)->dispose (object);
}

static void
ob_application_class_init (ObApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ob_application_dispose;

  app_class->handle_local_options = ob_application_handle_local_options;
  app_class->startup = ob_application_startup;
  app_class->activate = ob_application_activate;
  app_class->shutdown = ob_application_shutdown;
}

static void
ob_application_init (ObApplication *self)
{
  GApplication *app = G_APPLICATION (self);

  self->cira_port = -1;
  self->rps_port = -1;
  g_application_add_main_option_entries (app, main_options);
  g_application_set_option_context_parameter_string (app, NULL);
  g_application_set_option_context_summary (app,
                                             _("Manage Intel AMT devices out of band: power, "
                                               "remote console and provisioning."));
  g_application_set_option_context_description (app,
                                                 _("Outband runs a Management Presence Server "
                                                   "(CIRA), a provisioning server for rpc-go and "
                                                   "an optional REST API on this computer.\n"
                                                   "Report bugs at https://github.com/outband/outband/issues"));
}

/**
 * ob_application_new:
 *
 * Creates the single-instance application `io.github.outband.Outband`.
 *
 * Returns: (transfer full): a new #ObApplication
 */
ObApplication *
ob_application_new (void)
{
  return g_object_new (OB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/outband/Outband",
                       NULL);
}

/**
 * ob_application_get_config:
 * @self: an #ObApplication
 *
 * The engines' settings, bound to GSettings.  Only set once the application
 * has started up.
 *
 * Returns: (transfer none) (nullable): the config
 */
ObConfig *
ob_application_get_config (ObApplication *self)
{
  g_return_val_if_fail (OB_IS_APPLICATION (self), NULL);

  return self->config;
}

/**
 * ob_application_get_settings:
 * @self: an #ObApplication
 *
 * Returns: (transfer none) (nullable): the application's #GSettings, once
 *   it has started up
 */
GSettings *
ob_application_get_settings (ObApplication *self)
{
  g_return_val_if_fail (OB_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * ob_application_get_services:
 * @self: an #ObApplication
 *
 * The store, keyring and certificate authority the engines share.
 *
 * Returns: (transfer none) (nullable): the services, once started up
 */
ObServices *
ob_application_get_services (ObApplication *self)
{
  g_return_val_if_fail (OB_IS_APPLICATION (self), NULL);

  return self->services;
}

/**
 * ob_application_get_verbose:
 * @self: an #ObApplication
 *
 * Returns: whether `--verbose` forced debug output
 */
gboolean
ob_application_get_verbose (ObApplication *self)
{
  g_return_val_if_fail (OB_IS_APPLICATION (self), FALSE);

  return self->verbose;
}

/**
 * ob_application_get_demo_mode:
 * @self: an #ObApplication
 *
 * Returns: whether `--demo` runs a simulated fleet
 */
gboolean
ob_application_get_demo_mode (ObApplication *self)
{
  g_return_val_if_fail (OB_IS_APPLICATION (self), FALSE);

  return self->demo_mode;
}

/**
 * ob_application_set_demo_mode:
 * @self: an #ObApplication
 * @demo_mode: whether to run the demo
 *
 * What `--demo` does, for callers that do not go through the command line
 * (tests).  Only before the application starts up.
 */
void
ob_application_set_demo_mode (ObApplication *self,
                              gboolean       demo_mode)
{
  g_return_if_fail (OB_IS_APPLICATION (self));
  g_return_if_fail (self->services == NULL);

  self->demo_mode = !!demo_mode;
}

/**
 * ob_application_get_demo:
 * @self: an #ObApplication
 *
 * Returns: (transfer none) (nullable): the simulated fleet of `--demo`,
 *   once the services have started
 */
ObDemo *
ob_application_get_demo (ObApplication *self)
{
  g_return_val_if_fail (OB_IS_APPLICATION (self), NULL);

  return self->demo;
}
