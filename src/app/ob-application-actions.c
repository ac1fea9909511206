/* ob-application-actions.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-application-private.h"
#include "ob-preferences-window.h"
#include "ob-window.h"

static void
ob_application_actions_quit (GSimpleAction *action,
                             GVariant      *param,
                             gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  g_autolist(GtkWindow) windows = NULL;

  /* Close rather than destroy, so each window saves its state in its
   * close-request handler.  Work on a copy: closing a window changes the
   * application's list. */
  windows = g_list_copy_deep (gtk_application_get_windows (app), (GCopyFunc) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);

  g_application_quit (G_APPLICATION (app));
}

static void
ob_application_actions_preferences (GSimpleAction *action,
                                    GVariant      *param,
                                    gpointer       user_data)
{
  ObApplication *self = OB_APPLICATION (user_data);
  GtkWindow *parent;
  ObPreferencesWindow *preferences;

  parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  preferences = ob_preferences_window_new (ob_application_get_settings (self));
  ob_preferences_window_set_services (preferences, ob_application_get_services (self));
  gtk_window_set_application (GTK_WINDOW (preferences), GTK_APPLICATION (self));
  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_set_modal (GTK_WINDOW (preferences), TRUE);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
ob_application_actions_about (GSimpleAction *action,
                              GVariant      *param,
                              gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Outband authors", NULL };
  GtkWindow *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "application", app,
                        "transient-for", gtk_application_get_active_window (app),
                        "modal", TRUE,
                        "application-name", _("Outband"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Outband authors"),
                        "developers", developers,
                        "copyright", _("© 2026 The Outband authors"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", "https://github.com/outband/outband",
                        "issue-url", "https://github.com/outband/outband/issues",
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (about);
}

static void
ob_application_actions_help (GSimpleAction *action,
                             GVariant      *param,
                             gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);

  /* GtkUriLauncher is GTK 4.10; the baseline is 4.8. */
  gtk_show_uri (gtk_application_get_active_window (app), "help:outband", GDK_CURRENT_TIME);
}

/* The demo runs as a second, separate instance: its simulated devices and
 * throw-away data never mix with the admin's own. */
static void
ob_application_actions_try_demo (GSimpleAction *action,
                                 GVariant      *param,
                                 gpointer       user_data)
{
  ObApplication *self = OB_APPLICATION (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *executable = g_file_read_link ("/proc/self/exe", &error);

  if (executable != NULL)
    process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, executable, "--demo", NULL);

  if (process == NULL)
    {
      GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

      g_warning ("Could not start the demo: %s", error->message);
      if (OB_IS_WINDOW (window))
        ob_window_show_error (OB_WINDOW (window), _("The demo could not be started"));
    }
}

static const GActionEntry app_actions[] = {
  { "quit", ob_application_actions_quit },
  { "preferences", ob_application_actions_preferences },
  { "about", ob_application_actions_about },
  { "help", ob_application_actions_help },
  { "try-demo", ob_application_actions_try_demo },
};

static const struct {
  const char *action;
  const char *accels[3];
} app_accels[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "app.preferences", { "<Control>comma", NULL } },
  { "app.help", { "F1", NULL } },
  { "window.close", { "<Control>w", NULL } },
};

/* Called from startup, after chaining up (GtkApplication only accepts
 * accelerators once it has started). */
void
_ob_application_install_actions (ObApplication *self)
{
  g_return_if_fail (OB_IS_APPLICATION (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_actions,
                                   G_N_ELEMENTS (app_actions),
                                   self);

  /* Already a demo: no demo in the demo. */
  if (ob_application_get_demo_mode (self))
    g_action_map_remove_action (G_ACTION_MAP (self), "try-demo");

  for (guint i = 0; i < G_N_ELEMENTS (app_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           app_accels[i].action,
                                           app_accels[i].accels);
}
