/* test-ui-sol.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ob-device-page.h"
#include "ob-redir-message.h"
#include "ob-sol-window.h"
#include "ui-test-util.h"

/* The serial console window against a simulated LAN device in this
 * process: WS-Man and the redirection service on loopback, reached
 * through the device's own transport (ui-test-util's UiTestLanDevice). */

#define DEVICE_PASSWORD "Sol-Test-P4ss!"
#define HOSTNAME        "sol-test-pc"

/* ---- Shared state --------------------------------------------------- */

typedef struct
{
  UiTestLanDevice lan;
  GtkWindow *page_window;
  ObSolWindow *sol;
} Env;

static Env env;

static gboolean
sol_connected (gpointer data)
{
  return ob_sol_window_get_state (OB_SOL_WINDOW (data)) == OB_SOL_WINDOW_STATE_CONNECTED;
}

static gboolean
sol_ended (gpointer data)
{
  return ob_sol_window_get_state (OB_SOL_WINDOW (data)) == OB_SOL_WINDOW_STATE_ENDED;
}

/* What the terminal shows now (the visible screen). */
static char *
screen_text (void)
{
  return vte_terminal_get_text (ob_sol_window_get_terminal (env.sol), NULL, NULL, NULL);
}

static gboolean
screen_has (const char *wanted)
{
  g_autofree char *text = screen_text ();

  return text != NULL && strstr (text, wanted) != NULL;
}

static gboolean
screen_contains (gpointer data)
{
  return screen_has (data);
}

static void
wait_screen (const char *wanted,
             const char *what)
{
  wait_for (screen_contains, (gpointer) wanted, what);
}

static gboolean
log_has (const char *data)
{
  g_autoptr(GBytes) log = ob_sol_window_dup_log (env.sol);
  gsize size = 0;
  const char *bytes = g_bytes_get_data (log, &size);

  return size > 0 && g_strstr_len (bytes, size, data) != NULL;
}

/* Typed keys as the terminal hands them out (its ::commit). */
static void
type (const char *text)
{
  vte_terminal_feed_child (ob_sol_window_get_terminal (env.sol), text, strlen (text));
}

/* Answers the confirmation the window put up with "run". */
static void
confirm (void)
{
  answer_message_dialog (GTK_WINDOW (env.sol), "run");
}

static gboolean
sim_power_is (gpointer data)
{
  return ob_sim_device_get_power_state (env.lan.sim) == GPOINTER_TO_UINT (data);
}

static gboolean
host_powered_is (gpointer data)
{
  return ob_sol_window_get_host_powered (env.sol) == GPOINTER_TO_INT (data);
}

static gboolean
no_sol_session (gpointer data)
{
  return !ob_sim_redir_server_has_session (env.lan.redir, OB_REDIR_SESSION_SOL);
}

static gboolean
has_action_name (GtkWidget     *widget,
                 gconstpointer  data)
{
  return GTK_IS_ACTIONABLE (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
}

/* ---- Tests ------------------------------------------------------------ */

/* The device page offers the serial console once it knows SOL is on, and
 * opening it connects and shows what the host prints. */
static void
test_open_from_device_page (void)
{
  GtkWidget *page = ob_device_page_new (env.lan.device, NULL);
  GtkWidget *sol_button;
  g_autoptr(GListModel) toplevels = NULL;
  guint n;

  env.page_window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (env.page_window, 900, 600);
  gtk_window_set_child (env.page_window, page);
  gtk_window_present (env.page_window);
  wait_for (widget_is_mapped, page, "the device page");
  g_assert_true (ob_device_get_sol_enabled (env.lan.device));
  sol_button = find_descendant (page, has_action_name, "device.sol");
  g_assert_nonnull (sol_button);
  wait_frames (sol_button);
  g_assert_true (gtk_widget_is_sensitive (sol_button));

  toplevels = g_object_ref (gtk_window_get_toplevels ());
  n = g_list_model_get_n_items (toplevels);
  g_assert_true (gtk_widget_activate_action (page, "device.sol", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (toplevels), ==, n + 1);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (OB_IS_SOL_WINDOW (window))
        env.sol = OB_SOL_WINDOW (window);
    }
  g_assert_nonnull (env.sol);
  g_assert_true (ob_sol_window_get_device (env.sol) == env.lan.device);

  wait_for (sol_connected, env.sol, "the SOL session");
  g_assert_null (ob_sol_window_get_end_message (env.sol));
  g_assert_true (ob_sim_redir_server_has_session (env.lan.redir, OB_REDIR_SESSION_SOL));
  wait_screen (HOSTNAME " login:", "the login prompt in the terminal");
  g_assert_true (screen_has ("Outband Simulated Linux"));
  g_assert_true (ob_sol_window_get_host_powered (env.sol));
  g_assert_nonnull (strstr (ob_sol_window_get_status_text (env.sol), "Connected"));
}

/* Keys typed in the terminal reach the host; its echo and output come
 * back into the terminal. */
static void
test_typing (void)
{
  type ("admin\r");
  wait_screen ("Password:", "the password prompt");
  type ("secret\r");
  wait_screen ("admin@" HOSTNAME ":~$", "the shell prompt");

  type ("help\r");
  wait_screen ("Commands: help uname", "the output of help");
  g_assert_true (screen_has ("~$ help"));

  /* Backspace erases on the host: "hostnamx" corrected to "hostname". */
  type ("hostnamx\bx\b");
  type ("e\r");
  wait_screen ("\n" HOSTNAME "\n", "the output of hostname");
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  if (*out == NULL)
    *out = g_strdup ("");
}

static gboolean
pointer_set (gpointer data)
{
  return *(char **) data != NULL;
}

static GtkGesture *
find_context_gesture (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller) &&
          gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) == GDK_BUTTON_SECONDARY)
        return GTK_GESTURE (controller);
    }
  return NULL;
}

/* Copy what the terminal shows, paste a command into it. */
static void
test_copy_paste (void)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (env.sol));
  g_autofree char *copied = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.select-all", NULL));
  g_assert_true (vte_terminal_get_has_selection (ob_sol_window_get_terminal (env.sol)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.copy", NULL));
  gdk_clipboard_read_text_async (clipboard, NULL, on_clipboard_text, &copied);
  wait_for (pointer_set, &copied, "the copied text");
  g_assert_nonnull (strstr (copied, "Commands: help uname"));
  vte_terminal_unselect_all (ob_sol_window_get_terminal (env.sol));

  /* The right-click menu offers the same. */
  {
    GtkWidget *terminal = GTK_WIDGET (ob_sol_window_get_terminal (env.sol));
    GtkGesture *gesture = find_context_gesture (terminal);
    GtkWidget *menu;

    g_assert_nonnull (gesture);
    g_signal_emit_by_name (gesture, "pressed", 1, 40.0, 30.0);
    menu = find_descendant (terminal, is_type, GSIZE_TO_POINTER (GTK_TYPE_POPOVER_MENU));
    g_assert_nonnull (menu);
    wait_for (widget_is_mapped, menu, "the context menu");
    gtk_popover_popdown (GTK_POPOVER (menu));
    wait_for (widget_is_unmapped, menu, "the context menu closing");
  }

  gdk_clipboard_set_text (clipboard, "uname -a\n");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.paste", NULL));
  wait_screen ("Linux " HOSTNAME " 6.1.0-sim", "the output of the pasted command");
}

static gboolean
label_shown (gpointer data)
{
  GtkWidget *label = find_descendant (GTK_WIDGET (env.sol), is_label_with_text, data);

  return label != NULL && gtk_widget_get_mapped (label);
}

/* The log holds every byte received, and saving writes it as it is. */
static void
test_save_log (void)
{
  g_autoptr(GBytes) log = ob_sol_window_dup_log (env.sol);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ob-sol-log-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GFile) file = NULL;
  gsize length = 0;

  g_assert_no_error (error);
  path = g_build_filename (dir, "console.log", NULL);
  file = g_file_new_for_path (path);
  g_assert_true (ob_sol_window_save_log (env.sol, file, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, g_bytes_get_size (log));
  g_assert_cmpmem (contents, length, g_bytes_get_data (log, NULL), g_bytes_get_size (log));
  g_assert_nonnull (g_strstr_len (contents, length, "Booting from hard disk"));
  g_assert_nonnull (g_strstr_len (contents, length, HOSTNAME " login: "));
  g_assert_nonnull (g_strstr_len (contents, length, "Commands: help uname date"));
  /* The password was not echoed, so it is not in the log either. */
  g_assert_null (g_strstr_len (contents, length, "secret"));
  g_unlink (path);

  /* The same through the header bar's button and the file chooser: a
   * name after the device and the time. */
  g_clear_pointer (&contents, g_free);
  g_clear_pointer (&path, g_free);
  path = save_with_chooser (GTK_WIDGET (env.sol), "sol.save-log", dir);
  g_assert_true (g_str_has_suffix (path, ".log"));
  g_assert_nonnull (strstr (path, "-console-"));
  wait_for (label_shown, (gpointer) "Log saved", "the toast after saving");
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, g_bytes_get_data (log, NULL), g_bytes_get_size (log));

  g_unlink (path);
  g_rmdir (dir);
}

/* Power on to BIOS from the SOL window: the host is on, so it is a reset
 * to BIOS setup with SOL redirection (after a confirmation), and the BIOS
 * setup screen appears in the same session. */
static void
test_power_to_bios (void)
{
  guint boots = ob_sim_device_get_boot_count (env.lan.sim);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.power-to-bios", NULL));
  confirm ();
  wait_screen ("Outband Simulated BIOS Setup Utility", "the BIOS setup screen");
  g_assert_cmpuint (ob_sim_device_get_boot_count (env.lan.sim), ==, boots + 1);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (env.lan.sim), ==, OB_SIM_BOOT_TARGET_BIOS_SETUP);
  g_assert_true (ob_sim_device_get_last_boot_used_sol (env.lan.sim));
  g_assert_cmpint (ob_sol_window_get_state (env.sol), ==, OB_SOL_WINDOW_STATE_CONNECTED);
  /* The setup screen draws its header before its fields. */
  wait_screen ("System Name            " HOSTNAME, "the system name on the setup screen");
  /* The setup screen's frame is code page 437 or ANSI, never U+FFFD. */
  g_assert_false (screen_has ("\xef\xbf\xbd"));

  gtk_window_set_default_size (GTK_WINDOW (env.sol), 820, 560);
  save_screenshot (GTK_WIDGET (env.sol), "ui-sol-bios.png");
}

static GtkEventController *
find_capture_key_controller (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller) &&
          gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        return controller;
    }
  return NULL;
}

static gboolean
press_key (guint           keyval,
           GdkModifierType state)
{
  GtkEventController *keys = find_capture_key_controller (GTK_WIDGET (ob_sol_window_get_terminal (env.sol)));
  gboolean handled = FALSE;

  g_assert_nonnull (keys);
  g_signal_emit_by_name (keys, "key-pressed", keyval, 0, state, &handled);
  return handled;
}

/* F1-F12 go out in the chosen scheme (the BIOS's VT100+ by default), or
 * are left to the terminal; modified function keys always are. */
static void
test_function_keys (void)
{
  g_autofree char *scheme = NULL;

  /* The BIOS screen is still up and answers typing. */
  g_assert_true (ob_sol_window_send (env.sol, "OB-1234\r", -1));
  wait_screen ("Asset Tag saved: OB-1234", "the BIOS taking the asset tag");

  g_object_get (env.sol, "function-keys", &scheme, NULL);
  g_assert_cmpstr (scheme, ==, "vt100+");
  g_assert_true (press_key (GDK_KEY_F10, 0));
  g_assert_false (press_key (GDK_KEY_F10, GDK_SHIFT_MASK));
  g_assert_false (press_key (GDK_KEY_a, 0));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.function-keys", "s", "intel"));
  g_assert_true (press_key (GDK_KEY_F2, 0));
  g_assert_false (press_key (GDK_KEY_F11, 0));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.function-keys", "s", "terminal"));
  g_assert_false (press_key (GDK_KEY_F2, 0));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.function-keys", "s", "vt100+"));
}

/* Power off and on from the window: the session stays, the window says
 * the host is off, and the boot text comes back after power on. */
static void
test_power_off_on (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.power", "i", 8));
  confirm ();
  wait_for (sim_power_is, GUINT_TO_POINTER (8), "the device powered off");
  wait_for (host_powered_is, GINT_TO_POINTER (FALSE), "the window seeing the host off");
  g_assert_true (gtk_widget_get_visible (find_descendant (GTK_WIDGET (env.sol), is_label_containing,
                                                          "The host is powered off")));
  g_assert_cmpint (ob_sol_window_get_state (env.sol), ==, OB_SOL_WINDOW_STATE_CONNECTED);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.clear", NULL));
  g_assert_false (screen_has ("BIOS Setup Utility"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.power", "i", 2));
  wait_for (sim_power_is, GUINT_TO_POINTER (2), "the device powered on");
  wait_for (host_powered_is, GINT_TO_POINTER (TRUE), "the window seeing the host on");
  wait_screen ("Booting from hard disk", "the boot text after power on");
  wait_screen (HOSTNAME " login:", "the login prompt after power on");
  g_assert_cmpint (ob_sol_window_get_state (env.sol), ==, OB_SOL_WINDOW_STATE_CONNECTED);
}

/* Disconnect, then with SOL off on the device a reconnect says so; back
 * on, Reconnect works again and the terminal keeps what it showed. */
static void
test_disabled_and_reconnect (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.disconnect", NULL));
  g_assert_cmpint (ob_sol_window_get_state (env.sol), ==, OB_SOL_WINDOW_STATE_ENDED);
  g_assert_cmpstr (ob_sol_window_get_end_message (env.sol), ==, "Disconnected");
  wait_for (no_sol_session, NULL, "the device seeing the session end");
  g_assert_false (ob_sol_window_send (env.sol, "x", 1));

  /* 32768 + IDER: SOL off. */
  g_assert_cmpuint (ob_sim_device_request_redirection_state (env.lan.sim, 32769, NULL), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.reconnect", NULL));
  wait_for (sol_ended, env.sol, "the refused reconnect");
  g_assert_cmpstr (ob_sol_window_get_end_message (env.sol), ==, "Serial-over-LAN is disabled on this device");
  g_assert_true (gtk_widget_get_visible (find_descendant (GTK_WIDGET (env.sol), is_label_with_text,
                                                          "Serial-over-LAN is disabled on this device")));

  g_assert_cmpuint (ob_sim_device_request_redirection_state (env.lan.sim, 32771, NULL), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.reconnect", NULL));
  wait_for (sol_connected, env.sol, "the session after SOL is back on");
  g_assert_true (log_has ("Booting from hard disk"));
  g_assert_false (screen_has ("Password:"));
  g_assert_true (ob_sol_window_send (env.sol, "root\r", -1));
  wait_screen ("Password:", "the host answering after the reconnect");
}

static gboolean
consent_dialog_shown (gpointer data)
{
  GtkWindow *dialog = ob_sol_window_get_consent_dialog (env.sol);

  return dialog != NULL && gtk_widget_get_mapped (GTK_WIDGET (dialog));
}

static gboolean
consent_error_shown (gpointer data)
{
  return consent_dialog_shows_error (ob_sol_window_get_consent_dialog (env.sol), "not the code");
}

typedef struct
{
  GtkWidget *dialog;
  int height;
} DialogSize;

/* The dialog grew for the error line. */
static gboolean
dialog_grew (gpointer data)
{
  DialogSize *size = data;

  return gtk_widget_get_height (size->dialog) > size->height;
}

/* A device that asks for consent before any redirection: the code dialog,
 * a wrong code asks again, the right one opens the console. */
static void
test_consent (void)
{
  g_autoptr(GError) error = NULL;
  GtkWindow *dialog;
  DialogSize size;
  g_autofree char *wrong = NULL;
  const char *code;

  ob_sol_window_disconnect (env.sol);
  wait_for (no_sol_session, NULL, "the device seeing the session end");
  g_assert_true (ob_sim_device_set_opt_in_required (env.lan.sim, OB_SIM_OPT_IN_ALL, NULL, &error));
  g_assert_no_error (error);

  ob_sol_window_reconnect (env.sol);
  wait_for (consent_dialog_shown, NULL, "the consent code dialog");
  dialog = ob_sol_window_get_consent_dialog (env.sol);
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (env.sol));
  g_assert_cmpint (ob_sol_window_get_state (env.sol), ==, OB_SOL_WINDOW_STATE_CONNECTING);
  code = ob_sim_device_get_consent_code (env.lan.sim);
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 6);

  wrong = g_strdup (code);
  wrong[0] = wrong[0] == '9' ? '0' : wrong[0] + 1;
  wait_frames (GTK_WIDGET (dialog));
  size.dialog = GTK_WIDGET (dialog);
  size.height = gtk_widget_get_height (size.dialog);
  consent_dialog_enter_code (dialog, wrong);
  wait_for (consent_error_shown, NULL, "the wrong code refused, asking again");
  g_assert_true (ob_sol_window_get_consent_dialog (env.sol) == dialog);
  wait_for (dialog_grew, &size, "the dialog to make room for the error");
  save_screenshot (GTK_WIDGET (dialog), "ui-sol-consent.png");
  g_assert_false (ob_sim_redir_server_has_session (env.lan.redir, OB_REDIR_SESSION_SOL));

  consent_dialog_enter_code (dialog, ob_sim_device_get_consent_code (env.lan.sim));
  wait_for (sol_connected, env.sol, "the session after consent");
  g_assert_null (ob_sol_window_get_consent_dialog (env.sol));
  g_assert_true (ob_sol_window_send (env.sol, "\r", -1));

  g_assert_true (ob_sim_device_set_opt_in_required (env.lan.sim, OB_SIM_OPT_IN_NONE, NULL, &error));
  g_assert_no_error (error);
}

/* The device goes away (its redirection service stops): the window says
 * the session ended and offers to reconnect. */
static void
test_device_ends (void)
{
  ob_sim_redir_server_stop (env.lan.redir);
  wait_for (sol_ended, env.sol, "the end seen by the window");
  g_assert_nonnull (ob_sol_window_get_end_message (env.sol));
  g_assert_cmpstr (ob_sol_window_get_end_message (env.sol), !=, "Disconnected");
  g_test_message ("after the device closed: %s", ob_sol_window_get_end_message (env.sol));
  save_screenshot (GTK_WIDGET (env.sol), "ui-sol-ended.png");
}

/* ---- Over CIRA ---------------------------------------------------------- */

#define CIRA_GUID     "6e2f3a4b-5c6d-4e7f-8a91-a2b3c4d5e6f7"

/* The same window on a device that calls in: its stream is an APF channel
 * to 16994 through the MPS. */
static void
test_cira (void)
{
  UiTestCiraDevice cira;
  ObSolWindow *lan = env.sol;

  ui_test_cira_device_init (&cira, CIRA_GUID, "cira-desk", DEVICE_PASSWORD);

  env.sol = OB_SOL_WINDOW (ob_sol_window_new (cira.device));
  gtk_window_present (GTK_WINDOW (env.sol));
  wait_for (sol_connected, env.sol, "the SOL session over CIRA");
  wait_screen ("cira-desk login:", "the CIRA device's console");
  type ("cira\r");
  wait_screen ("Password:", "the echo over CIRA");
  g_assert_true (screen_has ("cira-desk login: cira"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.sol), "sol.disconnect", NULL));
  g_assert_cmpint (ob_sol_window_get_state (env.sol), ==, OB_SOL_WINDOW_STATE_ENDED);
  gtk_window_destroy (GTK_WINDOW (env.sol));
  env.sol = lan;

  ui_test_cira_device_clear (&cira);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  ui_test_init (&argc, &argv);
  ui_test_lan_device_init (&env.lan, HOSTNAME, DEVICE_PASSWORD);

  /* In order: each test goes on from where the one before left off. */
  g_test_add_func ("/ui/sol/open", test_open_from_device_page);
  g_test_add_func ("/ui/sol/typing", test_typing);
  g_test_add_func ("/ui/sol/copy-paste", test_copy_paste);
  g_test_add_func ("/ui/sol/save-log", test_save_log);
  g_test_add_func ("/ui/sol/power-to-bios", test_power_to_bios);
  g_test_add_func ("/ui/sol/function-keys", test_function_keys);
  g_test_add_func ("/ui/sol/power-off-on", test_power_off_on);
  g_test_add_func ("/ui/sol/disabled-reconnect", test_disabled_and_reconnect);
  g_test_add_func ("/ui/sol/consent", test_consent);
  g_test_add_func ("/ui/sol/device-ends", test_device_ends);
  g_test_add_func ("/ui/sol/cira", test_cira);

  result = g_test_run ();

  if (env.sol != NULL)
    gtk_window_destroy (GTK_WINDOW (env.sol));
  if (env.page_window != NULL)
    gtk_window_destroy (env.page_window);
  ui_test_lan_device_clear (&env.lan);

  return result;
}
