/* ob-sol-window.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-amt-power.h"
#include "ob-redir-controller.h"
#include "ob-sol-text.h"
#include "ob-sol-window.h"

/* Open AMT's boot actions: power on to BIOS setup, reset to it. */
#define ACTION_POWER_ON_TO_BIOS 100
#define ACTION_RESET_TO_BIOS    101

/* The log keeps the newest bytes when a console talks for days. */
#define LOG_MAX_BYTES (16 * 1024 * 1024)

/* How long a frame's last byte may wait for the rest of its UTF-8. */
#define FLUSH_DELAY_MS 100

struct _ObSolWindow
{
  AdwWindow parent_instance;

  ObDevice *device;
  ObRedirController *controller;

  /* The running session (from its start on). */
  ObRedirSession *session;
  gulong data_id;
  gulong controls_id;
  gulong closed_id;
  gboolean host_powered;
  char *status_text;

  GByteArray *log;
  guint64 bytes_received;
  ObSolDecoder decoder;
  guint flush_source;
  ObSolFunctionKeys function_keys;

  AdwWindowTitle *window_title;
  GtkMenuButton *power_button;
  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  GtkSpinner *connecting_spinner;
  AdwStatusPage *connecting_page;
  AdwStatusPage *ended_page;
  GtkRevealer *end_revealer;
  GtkLabel *end_title;
  GtkLabel *end_description;
  GtkScrolledWindow *scroller;
  GtkLabel *status_label;
  GtkLabel *power_label;
  VteTerminal *terminal;
  GtkWidget *context_menu;
};

/* The window's states are the controller's. */
G_STATIC_ASSERT ((int) OB_SOL_WINDOW_STATE_CONNECTING == (int) OB_REDIR_CONTROLLER_STATE_CONNECTING);
G_STATIC_ASSERT ((int) OB_SOL_WINDOW_STATE_CONNECTED == (int) OB_REDIR_CONTROLLER_STATE_CONNECTED);
G_STATIC_ASSERT ((int) OB_SOL_WINDOW_STATE_ENDED == (int) OB_REDIR_CONTROLLER_STATE_ENDED);

G_DEFINE_FINAL_TYPE (ObSolWindow, ob_sol_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_DEVICE,
  PROP_STATE,
  PROP_FUNCTION_KEYS,
  PROP_CHARSET,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Status line */

static ObSolWindowState
ob_sol_window_state (ObSolWindow *self)
{
  if (self->controller == NULL)
    return OB_SOL_WINDOW_STATE_CONNECTING;
  return (ObSolWindowState) ob_redir_controller_get_state (self->controller);
}

static void
ob_sol_window_update_status (ObSolWindow *self)
{
  g_autofree char *size = NULL;

  g_free (self->status_text);
  self->status_text = NULL;

  switch (ob_sol_window_state (self))
    {
    case OB_SOL_WINDOW_STATE_CONNECTING:
      self->status_text = g_strdup (_("Connecting…"));
      break;
    case OB_SOL_WINDOW_STATE_CONNECTED:
      size = g_format_size (self->bytes_received);
      /* Translators: the serial console's status line, e.g.
       * "Connected · host on · 2.1 kB received" */
      self->status_text = g_strdup_printf (_("Connected · %s · %s received"),
                                           self->host_powered ? _("host on") : _("host off"),
                                           size);
      break;
    case OB_SOL_WINDOW_STATE_ENDED:
    default:
      break;
    }

  gtk_label_set_label (self->status_label, self->status_text != NULL ? self->status_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->power_label),
                          ob_sol_window_state (self) == OB_SOL_WINDOW_STATE_CONNECTED && !self->host_powered);
}

/* State */

/* State */

static void
ob_sol_window_update_actions (ObSolWindow *self)
{
  ObSolWindowState state = ob_sol_window_state (self);
  gboolean connected = state == OB_SOL_WINDOW_STATE_CONNECTED;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.disconnect",
                                 state != OB_SOL_WINDOW_STATE_ENDED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.reconnect",
                                 state == OB_SOL_WINDOW_STATE_ENDED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.paste", connected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.copy",
                                 vte_terminal_get_has_selection (self->terminal));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.save-log", self->log->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.power-to-bios",
                                 ob_device_get_wsman_client (self->device) != NULL);
  vte_terminal_set_input_enabled (self->terminal, connected);
}

/* Why a session ended goes over the terminal when it has something to
 * read, else on a page of its own. */
static void
on_controller_state (ObSolWindow *self)
{
  const char *title = ob_redir_controller_get_end_title (self->controller);
  const char *description = ob_redir_controller_get_end_description (self->controller);

  switch (ob_sol_window_state (self))
    {
    case OB_SOL_WINDOW_STATE_CONNECTING:
      /* What was half decoded belongs to the session before. */
      g_clear_handle_id (&self->flush_source, g_source_remove);
      ob_sol_decoder_reset (&self->decoder);
      gtk_revealer_set_reveal_child (self->end_revealer, FALSE);
      /* A reconnect keeps what the terminal shows. */
      if (self->log->len == 0)
        {
          gtk_stack_set_visible_child_name (self->stack, "connecting");
          gtk_spinner_start (self->connecting_spinner);
        }
      break;
    case OB_SOL_WINDOW_STATE_CONNECTED:
      gtk_revealer_set_reveal_child (self->end_revealer, FALSE);
      gtk_stack_set_visible_child_name (self->stack, "terminal");
      gtk_spinner_stop (self->connecting_spinner);
      gtk_widget_grab_focus (GTK_WIDGET (self->terminal));
      break;
    case OB_SOL_WINDOW_STATE_ENDED:
    default:
      if (self->log->len > 0)
        {
          gtk_label_set_label (self->end_title, title);
          gtk_label_set_label (self->end_description, description != NULL ? description : "");
          gtk_widget_set_visible (GTK_WIDGET (self->end_description), description != NULL);
          gtk_stack_set_visible_child_name (self->stack, "terminal");
          gtk_revealer_set_reveal_child (self->end_revealer, TRUE);
        }
      else
        {
          adw_status_page_set_title (self->ended_page, title);
          adw_status_page_set_description (self->ended_page, description);
          gtk_stack_set_visible_child_name (self->stack, "ended");
        }
      gtk_spinner_stop (self->connecting_spinner);
      break;
    }

  ob_sol_window_update_status (self);
  ob_sol_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
ob_sol_window_drop_session (ObSolWindow *self)
{
  if (self->session == NULL)
    return;

  g_clear_signal_handler (&self->data_id, self->session);
  g_clear_signal_handler (&self->controls_id, self->session);
  g_clear_signal_handler (&self->closed_id, self->session);
  if (ob_redir_session_is_started (self->session))
    /* Say goodbye (EndSOL, EndRedirectionSession); nobody waits for it. */
    ob_redir_session_close_async (self->session, NULL, NULL, NULL);
  else
    ob_redir_session_abort (self->session);
  g_clear_object (&self->session);
}

static void
on_session_closed (ObRedirSession *session,
                   const GError   *error,
                   ObSolWindow    *self)
{
  ob_redir_controller_session_closed (self->controller, error);
}

static gboolean
flush_pending_cb (gpointer user_data)
{
  ObSolWindow *self = user_data;
  g_autoptr(GString) out = g_string_new (NULL);

  self->flush_source = 0;
  ob_sol_decoder_flush (&self->decoder, out);
  if (out->len > 0)
    vte_terminal_feed (self->terminal, out->str, out->len);
  return G_SOURCE_REMOVE;
}

static void
on_sol_data (ObRedirSession *session,
             GBytes         *bytes,
             ObSolWindow    *self)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  GString *out;
  gboolean had_log = self->log->len > 0;

  if (length == 0)
    return;

  self->bytes_received += length;
  g_byte_array_append (self->log, data, length);
  if (self->log->len > LOG_MAX_BYTES)
    g_byte_array_remove_range (self->log, 0, self->log->len - LOG_MAX_BYTES);

  out = g_string_sized_new (length + 16);
  ob_sol_decoder_feed (&self->decoder, data, length, out);
  if (out->len > 0)
    vte_terminal_feed (self->terminal, out->str, out->len);
  g_string_free (out, TRUE);

  /* A lead byte at the end of a frame is code page 437 if nothing
   * follows soon (a BIOS drawing "╔" last). */
  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (ob_sol_decoder_has_pending (&self->decoder))
    self->flush_source = g_timeout_add (FLUSH_DELAY_MS, flush_pending_cb, self);

  ob_sol_window_update_status (self);
  if (!had_log)
    ob_sol_window_update_actions (self);
}

static void
on_sol_controls (ObRedirSession *session,
                 guint           control,
                 guint           status,
                 ObSolWindow    *self)
{
  gboolean powered = (status & OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON) != 0;

  if (powered == self->host_powered)
    return;

  self->host_powered = powered;
  /* A new boot: a BIOS may draw in code page 437, an OS after it in UTF-8. */
  if (powered)
    ob_sol_decoder_reset (&self->decoder);
  ob_sol_window_update_status (self);
}

/* Keystrokes and pastes, as the terminal encodes them. */
static void
on_terminal_commit (VteTerminal *terminal,
                    const char  *text,
                    guint        size,
                    ObSolWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (self->session == NULL || ob_sol_window_state (self) != OB_SOL_WINDOW_STATE_CONNECTED || size == 0)
    return;

  if (!ob_redir_session_sol_send (self->session, (const guint8 *) text, size, &error))
    g_debug ("Could not send to the SOL console of %s: %s",
             ob_device_get_guid (self->device), error->message);
}

/* Connecting */

/* Connecting: the controller starts the session, the terminal shows it. */

/* Connected before the start completes: the console's first bytes may
 * arrive in the same read as the start reply. */
static void
on_session_created (ObRedirController *controller,
                    ObRedirSession    *session,
                    ObSolWindow       *self)
{
  self->session = g_object_ref (session);
  self->data_id = g_signal_connect (session, "sol-data", G_CALLBACK (on_sol_data), self);
  self->controls_id = g_signal_connect (session, "sol-controls", G_CALLBACK (on_sol_controls), self);
  self->closed_id = g_signal_connect (session, "closed", G_CALLBACK (on_session_closed), self);
}

static void
on_session_started (ObRedirController *controller,
                    ObRedirSession    *session,
                    ObSolWindow       *self)
{
  /* Until the device says otherwise (its first 0x29). */
  self->host_powered = (ob_redir_session_get_sol_status (session) & OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON) != 0 ||
                       ob_device_get_power_state (self->device) == OB_AMT_POWER_STATE_ON;
  ob_redir_controller_set_connected (controller);
}

/* Power */

static void
ob_sol_window_power_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ObSolWindow *self = OB_SOL_WINDOW (widget);

  ob_redir_controller_power_action (self->controller, g_variant_get_int32 (param), FALSE);
}

/* BIOS setup with its console on SOL: power on when the host is off,
 * else a reset (which asks first).  The session stays open throughout;
 * the device keeps SOL up across the host's power changes. */
static void
ob_sol_window_power_to_bios_action (GtkWidget  *widget,
                                    const char *action_name,
                                    GVariant   *param)
{
  ObSolWindow *self = OB_SOL_WINDOW (widget);
  gboolean on;

  if (ob_sol_window_state (self) == OB_SOL_WINDOW_STATE_CONNECTED)
    on = self->host_powered;
  else
    on = ob_device_get_power_state (self->device) == OB_AMT_POWER_STATE_ON;

  ob_redir_controller_power_action (self->controller, on ? ACTION_RESET_TO_BIOS : ACTION_POWER_ON_TO_BIOS, TRUE);
}

static void
ob_sol_window_copy_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  ObSolWindow *self = OB_SOL_WINDOW (widget);

  if (vte_terminal_get_has_selection (self->terminal))
    vte_terminal_copy_clipboard_format (self->terminal, VTE_FORMAT_TEXT);
}

static void
ob_sol_window_paste_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ObSolWindow *self = OB_SOL_WINDOW (widget);

  /* The terminal hands the text back through ::commit. */
  if (ob_sol_window_state (self) == OB_SOL_WINDOW_STATE_CONNECTED)
    vte_terminal_paste_clipboard (self->terminal);
}

static void
ob_sol_window_select_all_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  vte_terminal_select_all (OB_SOL_WINDOW (widget)->terminal);
}

static void
ob_sol_window_clear_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ObSolWindow *self = OB_SOL_WINDOW (widget);

  /* Only the screen: the log keeps everything. */
  vte_terminal_reset (self->terminal, TRUE, TRUE);
}

static void
ob_sol_window_disconnect_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  ob_sol_window_disconnect (OB_SOL_WINDOW (widget));
}

static void
ob_sol_window_reconnect_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ob_sol_window_reconnect (OB_SOL_WINDOW (widget));
}

static GBytes *
console_log (GtkWindow *window)
{
  return ob_sol_window_dup_log (OB_SOL_WINDOW (window));
}

static void
ob_sol_window_save_log_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *param)
{
  ObSolWindow *self = OB_SOL_WINDOW (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Log Files"));
  gtk_file_filter_add_mime_type (filter, "text/plain");
  gtk_file_filter_add_suffix (filter, "log");
  gtk_file_filter_add_suffix (filter, "txt");
  ob_redir_controller_save_as (self->controller, _("Save Console Log"), "-console", "log", filter, console_log,
                               _("Log saved"), _("Could not save the log"));
}

static void
on_selection_changed (VteTerminal *terminal,
                      ObSolWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.copy",
                                 vte_terminal_get_has_selection (terminal));
}

/* F1-F12 in the chosen scheme, before the terminal sends its own. */
static gboolean
on_terminal_key_pressed (GtkEventControllerKey *controller,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         ObSolWindow           *self)
{
  const char *sequence;

  if (keyval < GDK_KEY_F1 || keyval > GDK_KEY_F12 ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK | GDK_SUPER_MASK)) != 0)
    return FALSE;

  sequence = ob_sol_function_key_sequence (self->function_keys, keyval - GDK_KEY_F1 + 1);
  if (sequence == NULL)
    return FALSE;

  ob_sol_window_send (self, sequence, -1);
  return TRUE;
}

static void
on_context_click (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  ObSolWindow     *self)
{
  GdkRectangle at = { (int) x, (int) y, 1, 1 };

  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &at);
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

/* Public API */

GtkWidget *
ob_sol_window_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_SOL_WINDOW, "device", device, NULL);
}

ObDevice *
ob_sol_window_get_device (ObSolWindow *self)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), NULL);

  return self->device;
}

VteTerminal *
ob_sol_window_get_terminal (ObSolWindow *self)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), NULL);

  return self->terminal;
}

ObSolWindowState
ob_sol_window_get_state (ObSolWindow *self)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), OB_SOL_WINDOW_STATE_ENDED);

  return ob_sol_window_state (self);
}

const char *
ob_sol_window_get_end_message (ObSolWindow *self)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), NULL);

  return ob_redir_controller_get_end_title (self->controller);
}

const char *
ob_sol_window_get_status_text (ObSolWindow *self)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), NULL);

  return self->status_text;
}

gboolean
ob_sol_window_get_host_powered (ObSolWindow *self)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), FALSE);

  return self->host_powered;
}

GtkWindow *
ob_sol_window_get_consent_dialog (ObSolWindow *self)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), NULL);

  return ob_redir_controller_get_consent_dialog (self->controller);
}

GBytes *
ob_sol_window_dup_log (ObSolWindow *self)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), NULL);

  return g_bytes_new (self->log->data, self->log->len);
}

gboolean
ob_sol_window_save_log (ObSolWindow  *self,
                        GFile        *file,
                        GError      **error)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  return g_file_replace_contents (file, (const char *) self->log->data, self->log->len,
                                  NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

gboolean
ob_sol_window_send (ObSolWindow *self,
                    const char  *data,
                    gssize       length)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  if (ob_sol_window_state (self) != OB_SOL_WINDOW_STATE_CONNECTED || self->session == NULL)
    return FALSE;
  if (length < 0)
    length = strlen (data);

  return ob_redir_session_sol_send (self->session, (const guint8 *) data, length, NULL);
}

void
ob_sol_window_reconnect (ObSolWindow *self)
{
  g_return_if_fail (OB_IS_SOL_WINDOW (self));

  ob_redir_controller_connect (self->controller);
}

void
ob_sol_window_disconnect (ObSolWindow *self)
{
  g_return_if_fail (OB_IS_SOL_WINDOW (self));

  ob_redir_controller_disconnect (self->controller);
}

/* GObject */

static void
ob_sol_window_constructed (GObject *object)
{
  ObSolWindow *self = OB_SOL_WINDOW (object);
  g_autoptr(GMenu) console = g_menu_new ();
  g_autofree char *title = NULL;

  G_OBJECT_CLASS (ob_sol_window_parent_class)->constructed (object);

  g_assert (OB_IS_DEVICE (self->device));

  /* Translators: the serial console window's title, e.g. "lab-pc-3 — Serial Console" */
  title = g_strdup_printf (_("%s — Serial Console"), ob_device_get_name (self->device));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_subtitle (self->window_title, ob_device_get_name (self->device));

  self->controller = ob_redir_controller_new (GTK_WINDOW (self), self->device, OB_REDIR_SESSION_SOL,
                                              self->toast_overlay, self->connecting_page);
  g_signal_connect_swapped (self->controller, "notify::state", G_CALLBACK (on_controller_state), self);
  g_signal_connect (self->controller, "session-created", G_CALLBACK (on_session_created), self);
  g_signal_connect (self->controller, "session-started", G_CALLBACK (on_session_started), self);
  g_signal_connect_swapped (self->controller, "drop-session", G_CALLBACK (ob_sol_window_drop_session), self);

  /* The reason to power from here: BIOS setup on this console.  IDE-R
   * boots need a disk image this window does not offer. */
  g_menu_append (console, _("Power On to BIOS (Serial Console)"), "sol.power-to-bios");
  ob_redir_controller_set_power_menu (self->controller, self->power_button, G_MENU_MODEL (console),
                                      "sol.power", FALSE);

  ob_redir_controller_connect (self->controller);
}

static void
ob_sol_window_dispose (GObject *object)
{
  ObSolWindow *self = OB_SOL_WINDOW (object);

  if (self->controller != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->controller, self);
      g_object_run_dispose (G_OBJECT (self->controller));
    }
  ob_sol_window_drop_session (self);
  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (self->terminal != NULL)
    g_signal_handlers_disconnect_by_data (self->terminal, self);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_SOL_WINDOW);
  /* The scrolled window owned it. */
  self->terminal = NULL;

  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_sol_window_parent_class)->dispose (object);
}

static void
ob_sol_window_finalize (GObject *object)
{
  ObSolWindow *self = OB_SOL_WINDOW (object);

  /* Disposed already; kept so late callbacks find it. */
  g_clear_object (&self->controller);
  g_free (self->status_text);
  g_byte_array_unref (self->log);

  G_OBJECT_CLASS (ob_sol_window_parent_class)->finalize (object);
}

static void
ob_sol_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObSolWindow *self = OB_SOL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;
    case PROP_STATE:
      g_value_set_uint (value, ob_sol_window_state (self));
      break;
    case PROP_FUNCTION_KEYS:
      g_value_set_string (value, ob_sol_function_keys_to_string (self->function_keys));
      break;
    case PROP_CHARSET:
      g_value_set_string (value, ob_sol_charset_to_string (self->decoder.charset));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_sol_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ObSolWindow *self = OB_SOL_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      self->device = g_value_dup_object (value);
      break;
    case PROP_FUNCTION_KEYS:
      {
        ObSolFunctionKeys scheme;

        if (!ob_sol_function_keys_from_string (g_value_get_string (value), &scheme))
          scheme = OB_SOL_FUNCTION_KEYS_VT100_PLUS;
        if (scheme != self->function_keys)
          {
            self->function_keys = scheme;
            g_object_notify_by_pspec (object, pspec);
          }
      }
      break;
    case PROP_CHARSET:
      {
        ObSolCharset charset;

        if (!ob_sol_charset_from_string (g_value_get_string (value), &charset))
          charset = OB_SOL_CHARSET_AUTO;
        if (charset != self->decoder.charset)
          {
            /* For what comes next; the screen keeps what it shows. */
            self->decoder.charset = charset;
            ob_sol_decoder_reset (&self->decoder);
            g_object_notify_by_pspec (object, pspec);
          }
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_sol_window_class_init (ObSolWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ob_sol_window_constructed;
  object_class->dispose = ob_sol_window_dispose;
  object_class->finalize = ob_sol_window_finalize;
  object_class->get_property = ob_sol_window_get_property;
  object_class->set_property = ob_sol_window_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_uint ("state", NULL, NULL,
                       OB_SOL_WINDOW_STATE_CONNECTING, OB_SOL_WINDOW_STATE_ENDED,
                       OB_SOL_WINDOW_STATE_CONNECTING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* What F1-F12 send: "vt100+" (what BIOS console redirection expects),
   * "intel", "alternate" or "terminal" (the terminal's xterm keys). */
  properties[PROP_FUNCTION_KEYS] =
    g_param_spec_string ("function-keys", NULL, NULL,
                         "vt100+",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* How bytes above 0x7F read: "auto", "utf-8" or "cp437". */
  properties[PROP_CHARSET] =
    g_param_spec_string ("charset", NULL, NULL,
                         "auto",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-sol-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, power_button);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, connecting_spinner);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, connecting_page);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, ended_page);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, end_revealer);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, end_title);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, end_description);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, scroller);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, ObSolWindow, power_label);

  gtk_widget_class_install_action (widget_class, "sol.disconnect", NULL, ob_sol_window_disconnect_action);
  gtk_widget_class_install_action (widget_class, "sol.reconnect", NULL, ob_sol_window_reconnect_action);
  gtk_widget_class_install_action (widget_class, "sol.copy", NULL, ob_sol_window_copy_action);
  gtk_widget_class_install_action (widget_class, "sol.paste", NULL, ob_sol_window_paste_action);
  gtk_widget_class_install_action (widget_class, "sol.select-all", NULL, ob_sol_window_select_all_action);
  gtk_widget_class_install_action (widget_class, "sol.clear", NULL, ob_sol_window_clear_action);
  gtk_widget_class_install_action (widget_class, "sol.save-log", NULL, ob_sol_window_save_log_action);
  gtk_widget_class_install_action (widget_class, "sol.power", "i", ob_sol_window_power_action);
  gtk_widget_class_install_action (widget_class, "sol.power-to-bios", NULL, ob_sol_window_power_to_bios_action);
  gtk_widget_class_install_property_action (widget_class, "sol.function-keys", "function-keys");
  gtk_widget_class_install_property_action (widget_class, "sol.charset", "charset");
}

static void
ob_sol_window_init (ObSolWindow *self)
{
  GtkEventController *shortcuts;
  GtkEventController *keys;
  GtkGesture *click;
  g_autoptr(GMenu) context = NULL;
  PangoFontDescription *font;

  self->log = g_byte_array_new ();
  self->function_keys = OB_SOL_FUNCTION_KEYS_VT100_PLUS;
  ob_sol_decoder_init (&self->decoder, OB_SOL_CHARSET_AUTO);

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Made here rather than in the template, so the template stays plain
   * GTK and libadwaita for the .ui validator. */
  self->terminal = VTE_TERMINAL (vte_terminal_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->terminal), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->terminal), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->terminal), "ob-sol-terminal");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->terminal),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Serial console"),
                                  -1);
  /* A BIOS screen is 80×24; the scrollback keeps a boot's worth. */
  vte_terminal_set_size (self->terminal, 80, 24);
  vte_terminal_set_scrollback_lines (self->terminal, 10000);
  /* BIOS setup screens and most serial consoles take ^H for Backspace. */
  vte_terminal_set_backspace_binding (self->terminal, VTE_ERASE_ASCII_BACKSPACE);
  vte_terminal_set_delete_binding (self->terminal, VTE_ERASE_DELETE_SEQUENCE);
  font = pango_font_description_from_string ("Monospace 11");
  vte_terminal_set_font (self->terminal, font);
  pango_font_description_free (font);
  gtk_scrolled_window_set_child (self->scroller, GTK_WIDGET (self->terminal));
  g_signal_connect (self->terminal, "commit", G_CALLBACK (on_terminal_commit), self);
  g_signal_connect (self->terminal, "selection-changed", G_CALLBACK (on_selection_changed), self);

  /* Before the terminal sees them, which would send ^C and ^V. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK),
                                                          gtk_named_action_new ("sol.copy")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_v, GDK_CONTROL_MASK | GDK_SHIFT_MASK),
                                                          gtk_named_action_new ("sol.paste")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK),
                                                          gtk_named_action_new ("sol.select-all")));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_terminal_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->terminal), keys);

  /* The right-click menu: copy, paste, select all. */
  context = g_menu_new ();
  g_menu_append (context, _("_Copy"), "sol.copy");
  g_menu_append (context, _("_Paste"), "sol.paste");
  g_menu_append (context, _("Select _All"), "sol.select-all");
  self->context_menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (context));
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self->terminal));
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_context_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self->terminal), GTK_EVENT_CONTROLLER (click));
}
