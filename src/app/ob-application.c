/* ob-application.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "ob-application-private.h"
#include "ob-log.h"
#include "ob-secret-store-libsecret.h"
#include "ob-secret-store-memory.h"
#include "ob-window.h"

struct _ObApplication
{
  AdwApplication parent_instance;

  GSettings *settings;
  ObConfig *config;
  ObServices *services;

  /* A failure of the services that the window should show; kept until a
   * window exists to show it. */
  char *services_error;

  /* --verbose: debug output for every outband domain, whatever the
   * log-level setting says. */
  gboolean verbose;
};

G_DEFINE_FINAL_TYPE (ObApplication, ob_application, ADW_TYPE_APPLICATION)

/* Every key of the schema that the engines' ObConfig has a property for.
 * Window geometry and the API user are app-only keys. */
static const char * const config_keys[] = {
  "cira-port",
  "rps-port",
  "api-port",
  "api-enabled",
  "api-address",
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
  ob_application_report_services_error (self,
                                        _("The MPS server certificate could not be issued for "
                                          "the new common name"));
}

/* The keyring normally; OUTBAND_SECRET_STORE=memory keeps secrets in
 * memory only, for demos and throw-away test runs. */
static ObSecretStore *
ob_application_create_secret_store (void)
{
  if (g_strcmp0 (g_getenv ("OUTBAND_SECRET_STORE"), "memory") == 0)
    {
      g_message ("Secrets are kept in memory only (OUTBAND_SECRET_STORE=memory)");
      return ob_secret_store_memory_new ();
    }

  return ob_secret_store_libsecret_new ();
}

static void
ob_application_start_services (ObApplication *self)
{
  g_autoptr(ObSecretStore) secrets = ob_application_create_secret_store ();

  g_assert (self->services == NULL);

  self->services = ob_services_new (self->config, secrets, NULL);
  g_signal_connect_object (self->services, "error",
                           G_CALLBACK (on_services_error), self, G_CONNECT_SWAPPED);

  /* The window opens at once; the first start's key generation runs in a
   * worker thread behind it. */
  ob_services_start_async (self->services, NULL, on_services_started, g_object_ref (self));
}

static int
ob_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  ObApplication *self = OB_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", "outband", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (g_variant_dict_contains (options, "verbose"))
    self->verbose = TRUE;

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

  if (self->services != NULL)
    ob_services_stop (self->services);

  G_APPLICATION_CLASS (ob_application_parent_class)->shutdown (app);
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

  g_clear_object (&self->services);
  g_clear_object (&self->config);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->services_error, g_free);

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
