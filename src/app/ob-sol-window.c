/* ob-sol-window.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-amt-features.h"
#include "ob-amt-power.h"
#include "ob-lan-stream-source.h"
#include "ob-power-actions.h"
#include "ob-redir-error.h"
#include "ob-redir-session.h"
#include "ob-sol-text.h"
#include "ob-sol-window.h"

/* Open AMT's boot actions: power on to BIOS setup, reset to it. */
#define ACTION_POWER_ON_TO_BIOS 100
#define ACTION_RESET_TO_BIOS    101

/* The log keeps the newest bytes when a console talks for days. */
#define LOG_MAX_BYTES (16 * 1024 * 1024)

/* How long a frame's last byte may wait for the rest of its UTF-8. */
#define FLUSH_DELAY_MS 100

#define CONSENT_CODE_LENGTH 6

struct _ObSolWindow
{
  AdwWindow parent_instance;

  ObDevice *device;
  ObSolWindowState state;

  /* One per attempt: cancelled by disconnect, reconnect and dispose. */
  GCancellable *cancellable;
  ObRedirSession *session;
  gulong data_id;
  gulong controls_id;
  gulong closed_id;
  gboolean local_close;
  gboolean host_powered;
  char *end_message;
  char *status_text;

  GByteArray *log;
  guint64 bytes_received;
  ObSolDecoder decoder;
  guint flush_source;
  ObSolFunctionKeys function_keys;

  JsonNode *capabilities;
  GMenu *power_menu;

  GtkWindow *consent_dialog;
  GtkEditable *consent_entry;

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

static void ob_sol_window_connect (ObSolWindow *self);
static void ob_sol_window_close_consent_dialog (ObSolWindow *self);

static void
ob_sol_window_toast (ObSolWindow *self,
                     const char  *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* Status line */

static void
ob_sol_window_update_status (ObSolWindow *self)
{
  g_autofree char *size = NULL;

  g_free (self->status_text);
  self->status_text = NULL;

  switch (self->state)
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
                          self->state == OB_SOL_WINDOW_STATE_CONNECTED && !self->host_powered);
}

/* State */

static void
ob_sol_window_update_actions (ObSolWindow *self)
{
  gboolean connected = self->state == OB_SOL_WINDOW_STATE_CONNECTED;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.disconnect",
                                 self->state != OB_SOL_WINDOW_STATE_ENDED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.reconnect",
                                 self->state == OB_SOL_WINDOW_STATE_ENDED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.paste", connected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.copy",
                                 vte_terminal_get_has_selection (self->terminal));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.save-log", self->log->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sol.power-to-bios",
                                 ob_device_get_wsman_client (self->device) != NULL);
  vte_terminal_set_input_enabled (self->terminal, connected);
}

static void
ob_sol_window_set_state (ObSolWindow      *self,
                         ObSolWindowState  state)
{
  self->state = state;

  switch (state)
    {
    case OB_SOL_WINDOW_STATE_CONNECTING:
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

/* Ends the session (if any) and shows why, with Reconnect: over the
 * terminal when it has something to read, else on a page of its own. */
static void
ob_sol_window_end (ObSolWindow *self,
                   const char  *title,
                   const char  *description)
{
  g_cancellable_cancel (self->cancellable);
  ob_sol_window_drop_session (self);
  ob_sol_window_close_consent_dialog (self);

  g_free (self->end_message);
  self->end_message = g_strdup (title);

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

  ob_sol_window_set_state (self, OB_SOL_WINDOW_STATE_ENDED);
}

static void
ob_sol_window_end_with_error (ObSolWindow  *self,
                              const GError *error)
{
  g_autofree char *reason = NULL;

  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_DISABLED))
    {
      ob_sol_window_end (self, _("Serial-over-LAN is disabled on this device"),
                         _("Turn SOL on in the device’s Features tab, then reconnect."));
      return;
    }
  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_BUSY))
    {
      ob_sol_window_end (self, _("Another serial console session is open"),
                         _("The device allows one SOL session at a time. Close the other one, then reconnect."));
      return;
    }
  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_FAILED))
    {
      ob_sol_window_end (self, _("Wrong user name or password"),
                         _("The device refused the stored AMT password. Update it in the device’s settings."));
      return;
    }
  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_CONSENT_REQUIRED))
    {
      ob_sol_window_end (self, _("User consent required"),
                         _("This device asks its user before any redirection. Give consent from the "
                           "remote desktop window, then reconnect."));
      return;
    }
  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT))
    {
      ob_sol_window_end (self, _("Connection lost"), _("The device stopped answering."));
      return;
    }

  reason = ob_describe_device_error (error);
  ob_sol_window_end (self, _("Could not connect"), reason);
}

/* The device closed a running session: find out why from its state. */
static void
on_end_refreshed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObSolWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_device_refresh_finish (OB_DEVICE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          self->state == OB_SOL_WINDOW_STATE_ENDED)
        ob_sol_window_end (self, _("Connection lost"),
                           _("The device no longer answers. It may be off the network or without power."));
      return;
    }
  if (self->state != OB_SOL_WINDOW_STATE_ENDED)
    return;

  if (!ob_device_get_sol_enabled (self->device))
    ob_sol_window_end (self, _("Serial-over-LAN is disabled on this device"),
                       _("SOL was turned off while the session was open."));
  else if (ob_device_get_power_state (self->device) != OB_AMT_POWER_STATE_ON)
    ob_sol_window_end (self, _("The device is powered off"),
                       _("Turn it on from the power menu, then reconnect."));
}

static void
on_session_closed (ObRedirSession *session,
                   const GError   *error,
                   ObSolWindow    *self)
{
  if (self->local_close || error == NULL)
    {
      ob_sol_window_end (self, _("Disconnected"), _("The serial console session was closed."));
      return;
    }

  g_debug ("SOL session with %s ended: %s", ob_device_get_guid (self->device), error->message);

  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT))
    ob_sol_window_end (self, _("Connection lost"), _("The device stopped answering."));
  else
    ob_sol_window_end (self, _("The device ended the session"),
                       _("This happens when SOL is turned off, when the device restarts its "
                         "management engine, or when the connection is lost."));

  /* Refine the message with what the device says now. */
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ob_device_refresh_async (self->device, self->cancellable, on_end_refreshed, g_object_ref (self));
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

  if (self->session == NULL || self->state != OB_SOL_WINDOW_STATE_CONNECTED || size == 0)
    return;

  if (!ob_redir_session_sol_send (self->session, (const guint8 *) text, size, &error))
    g_debug ("Could not send to the SOL console of %s: %s",
             ob_device_get_guid (self->device), error->message);
}

/* Connecting */

static void
on_session_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObSolWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  ObRedirSession *session = OB_REDIR_SESSION (source);

  if (!ob_redir_session_start_finish (session, result, &error))
    {
      if (self->session != session)
        return;
      g_clear_signal_handler (&self->data_id, self->session);
      g_clear_signal_handler (&self->controls_id, self->session);
      g_clear_signal_handler (&self->closed_id, self->session);
      g_clear_object (&self->session);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_sol_window_end_with_error (self, error);
      return;
    }
  if (self->session != session)
    return;

  /* Until the device says otherwise (its first 0x29). */
  self->host_powered = (ob_redir_session_get_sol_status (session) & OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON) != 0 ||
                       ob_device_get_power_state (self->device) == OB_AMT_POWER_STATE_ON;
  ob_sol_window_set_state (self, OB_SOL_WINDOW_STATE_CONNECTED);
}

static void
on_stream_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObSolWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;

  stream = ob_stream_source_open_stream_finish (OB_STREAM_SOURCE (source), result, &error);
  if (stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_sol_window_end_with_error (self, error);
      return;
    }
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  self->session = ob_redir_session_new (stream, OB_REDIR_SESSION_SOL);
  ob_redir_session_set_credentials (self->session, ob_device_get_username (self->device),
                                    ob_device_get_password (self->device));
  /* Connected before the start completes: the console's first bytes may
   * arrive in the same read as the start reply. */
  self->data_id = g_signal_connect (self->session, "sol-data", G_CALLBACK (on_sol_data), self);
  self->controls_id = g_signal_connect (self->session, "sol-controls", G_CALLBACK (on_sol_controls), self);
  self->closed_id = g_signal_connect (self->session, "closed", G_CALLBACK (on_session_closed), self);
  ob_redir_session_start_async (self->session, self->cancellable, on_session_started, g_object_ref (self));
}

static void
ob_sol_window_open_stream (ObSolWindow *self)
{
  adw_status_page_set_title (self->connecting_page, _("Connecting…"));
  /* Always the plain redirection port: a TLS LAN transport maps it to
   * 16995, CIRA opens a channel to it. */
  ob_stream_source_open_stream_async (OB_STREAM_SOURCE (self->device), OB_LAN_PORT_REDIRECTION,
                                      self->cancellable, on_stream_opened, g_object_ref (self));
}

/* User consent: a device that asks before any redirection (OptInRequired
 * "all") shows a code on its screen; the person there reads it out. */

static gboolean
consent_code_is_valid (const char *text)
{
  if (strlen (text) != CONSENT_CODE_LENGTH)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static void ob_sol_window_show_consent_dialog (ObSolWindow *self,
                                               const char  *problem);

static void
on_consent_sent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObSolWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint rv = 0;

  node = ob_amt_user_consent_send_finish (OB_WSMAN_CLIENT (source), result, &rv, &error);
  if (node == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_sol_window_end_with_error (self, error);
      return;
    }
  if (self->state != OB_SOL_WINDOW_STATE_CONNECTING)
    return;

  if (rv == 0)
    {
      ob_sol_window_toast (self, _("User consent given"));
      ob_sol_window_open_stream (self);
    }
  else if (rv == 2)
    ob_sol_window_end (self, _("User consent expired"),
                       _("The device no longer waits for a code. Reconnect to ask for a new one."));
  else
    /* 2066 is AMT's "wrong code"; the device gives up after a few. */
    ob_sol_window_show_consent_dialog (self, _("That is not the code on the device’s screen. Try again."));
}

static void
on_consent_cancelled (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ObSolWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = ob_amt_user_consent_cancel_finish (OB_WSMAN_CLIENT (source), result, NULL, &error);
  if (node == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("CancelOptIn on %s failed: %s", ob_device_get_guid (self->device), error->message);
}

static void
on_consent_response (AdwMessageDialog *dialog,
                     const char       *response,
                     ObSolWindow      *self)
{
  ObWsmanClient *wsman = ob_device_get_wsman_client (self->device);
  g_autofree char *code = NULL;

  if (self->consent_dialog != GTK_WINDOW (dialog))
    return;
  code = g_strdup (gtk_editable_get_text (self->consent_entry));
  self->consent_dialog = NULL;
  self->consent_entry = NULL;

  if (g_strcmp0 (response, "confirm") != 0 || wsman == NULL)
    {
      if (wsman != NULL)
        /* Not the session's cancellable: ending must not stop it. */
        ob_amt_user_consent_cancel_async (wsman, NULL, on_consent_cancelled, g_object_ref (self));
      ob_sol_window_end (self, _("User consent cancelled"),
                         _("The serial console needs the code shown on the device’s screen."));
      return;
    }

  if (!consent_code_is_valid (code))
    {
      ob_sol_window_show_consent_dialog (self, _("The code is six digits."));
      return;
    }

  ob_amt_user_consent_send_async (wsman, (guint32) g_ascii_strtoull (code, NULL, 10),
                                  self->cancellable, on_consent_sent, g_object_ref (self));
}

static void
ob_sol_window_close_consent_dialog (ObSolWindow *self)
{
  GtkWindow *dialog = g_steal_pointer (&self->consent_dialog);

  self->consent_entry = NULL;
  if (dialog != NULL)
    gtk_window_destroy (dialog);
}

/* @problem: why the last code was not taken, or NULL. */
static void
ob_sol_window_show_consent_dialog (ObSolWindow *self,
                                   const char  *problem)
{
  GtkWidget *dialog, *box, *entry;

  ob_sol_window_close_consent_dialog (self);
  adw_status_page_set_title (self->connecting_page, _("Waiting for user consent…"));

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Enter the Code Shown on the Device"),
                                   _("This device asks its user to agree before its serial console is "
                                     "opened. Ask the person at the device for the six-digit code on its "
                                     "screen."));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  entry = gtk_entry_new ();
  gtk_entry_set_max_length (GTK_ENTRY (entry), CONSENT_CODE_LENGTH);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_DIGITS);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), "000000");
  gtk_entry_set_alignment (GTK_ENTRY (entry), 0.5);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Consent code"),
                                  -1);
  gtk_box_append (GTK_BOX (box), entry);
  if (problem != NULL)
    {
      GtkWidget *label = gtk_label_new (problem);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "error");
      gtk_box_append (GTK_BOX (box), label);
    }
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "confirm", _("C_onfirm"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "confirm", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "confirm");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_consent_response), self, 0);

  self->consent_dialog = GTK_WINDOW (dialog);
  self->consent_entry = GTK_EDITABLE (entry);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
on_opt_in_started (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObSolWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint rv = 0;

  node = ob_amt_user_consent_request_finish (OB_WSMAN_CLIENT (source), result, &rv, &error);
  if (node == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_sol_window_end_with_error (self, error);
      return;
    }

  /* 2 (NOT_READY): a code is already on the screen. */
  if (rv != 0 && rv != 2)
    {
      g_autofree char *description =
        g_strdup_printf (_("The device refused to show a consent code (status %u). It may be powered off."), rv);

      ob_sol_window_end (self, _("Could not ask for user consent"), description);
      return;
    }

  ob_sol_window_show_consent_dialog (self, NULL);
}

static void
on_features (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ObSolWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObAmtFeatures) features = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = ob_amt_features_get_finish (OB_WSMAN_CLIENT (source), result, &features, &error);
  if (node == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The redirection port may still answer; its own errors say more. */
      g_debug ("Could not read the features of %s: %s", ob_device_get_guid (self->device), error->message);
      ob_sol_window_open_stream (self);
      return;
    }

  if (!features->sol || !features->redirection)
    {
      ob_sol_window_end (self, _("Serial-over-LAN is disabled on this device"),
                         _("Turn SOL on in the device’s Features tab, then reconnect."));
      return;
    }

  if (features->user_consent == OB_AMT_USER_CONSENT_ALL &&
      features->opt_in_state != OB_AMT_OPT_IN_STATE_RECEIVED &&
      features->opt_in_state != OB_AMT_OPT_IN_STATE_IN_SESSION)
    {
      ob_amt_user_consent_request_async (OB_WSMAN_CLIENT (source), self->cancellable,
                                         on_opt_in_started, g_object_ref (self));
      return;
    }

  ob_sol_window_open_stream (self);
}

static void
ob_sol_window_connect (ObSolWindow *self)
{
  ObWsmanClient *wsman;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ob_sol_window_drop_session (self);
  ob_sol_window_close_consent_dialog (self);
  self->local_close = FALSE;
  g_clear_handle_id (&self->flush_source, g_source_remove);
  ob_sol_decoder_reset (&self->decoder);
  g_clear_pointer (&self->end_message, g_free);
  ob_sol_window_set_state (self, OB_SOL_WINDOW_STATE_CONNECTING);

  wsman = ob_device_get_wsman_client (self->device);
  if (wsman == NULL)
    {
      ob_sol_window_open_stream (self);
      return;
    }
  ob_amt_features_get_async (wsman, self->cancellable, on_features, g_object_ref (self));
}

/* Power */

static void
ob_sol_window_rebuild_power_menu (ObSolWindow *self)
{
  g_autoptr(GMenu) console = g_menu_new ();

  g_menu_remove_all (self->power_menu);

  /* The reason to power from here: BIOS setup on this console. */
  g_menu_append (console, _("Power On to BIOS (Serial Console)"), "sol.power-to-bios");
  g_menu_append_section (self->power_menu, NULL, G_MENU_MODEL (console));

  /* IDE-R boots need a disk image this window does not offer. */
  ob_power_actions_append_sections (self->power_menu, self->capabilities, "sol.power", FALSE);
}

static void
on_capabilities (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObSolWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  node = ob_amt_power_capabilities_finish (OB_WSMAN_CLIENT (source), result, &error);
  if (node == NULL)
    return;

  g_clear_pointer (&self->capabilities, json_node_unref);
  self->capabilities = node;
  ob_sol_window_rebuild_power_menu (self);
}

typedef struct
{
  ObSolWindow *self;
  int action;
} PowerRun;

static void
on_power_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PowerRun *run = user_data;
  g_autoptr(ObSolWindow) self = run->self;
  const ObPowerActionInfo *info = ob_power_actions_lookup (run->action);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_free (run);

  if (!ob_power_action_run_finish (result, &error))
    {
      g_autofree char *reason = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      reason = ob_describe_device_error (error);
      /* Translators: "<action> failed: <reason>", e.g. "Power Off failed: …" */
      message = g_strdup_printf (_("%s failed: %s"), _(info->label), reason);
    }
  else
    {
      /* Translators: "<action> done", e.g. "Power Off done" */
      message = g_strdup_printf (_("%s done"), _(info->label));
    }

  ob_sol_window_toast (self, message);
}

static void
ob_sol_window_run_power_action (ObSolWindow *self,
                                int          action,
                                gboolean     use_sol)
{
  PowerRun *run = g_new0 (PowerRun, 1);

  run->self = g_object_ref (self);
  run->action = action;
  ob_power_action_run_with_sol_async (self->device, action, use_sol, NULL, on_power_done, run);
}

static void
on_power_confirm_response (AdwMessageDialog *dialog,
                           const char       *response,
                           ObSolWindow      *self)
{
  int action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ob-action"));
  gboolean use_sol = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ob-use-sol"));

  if (g_strcmp0 (response, "run") == 0)
    ob_sol_window_run_power_action (self, action, use_sol);
}

static void
ob_sol_window_confirm_power_action (ObSolWindow *self,
                                    int          action,
                                    gboolean     use_sol)
{
  const ObPowerActionInfo *info = ob_power_actions_lookup (action);
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (info == NULL)
    return;

  if (info->confirm_body == NULL)
    {
      ob_sol_window_run_power_action (self, action, use_sol);
      return;
    }

  /* Translators: a confirmation heading, e.g. "Power Off “lab-pc-3”?" */
  heading = g_strdup_printf (_("%s “%s”?"), _(info->label), ob_device_get_name (self->device));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, _(info->confirm_body));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "run", _(info->label),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "run", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "ob-action", GINT_TO_POINTER (action));
  g_object_set_data (G_OBJECT (dialog), "ob-use-sol", GINT_TO_POINTER (use_sol));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_power_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ob_sol_window_power_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ob_sol_window_confirm_power_action (OB_SOL_WINDOW (widget), g_variant_get_int32 (param), FALSE);
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

  if (self->state == OB_SOL_WINDOW_STATE_CONNECTED)
    on = self->host_powered;
  else
    on = ob_device_get_power_state (self->device) == OB_AMT_POWER_STATE_ON;

  ob_sol_window_confirm_power_action (self, on ? ACTION_RESET_TO_BIOS : ACTION_POWER_ON_TO_BIOS, TRUE);
}

/* Console actions */

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
  if (self->state == OB_SOL_WINDOW_STATE_CONNECTED)
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

static void
on_log_written (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ObSolWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      /* Translators: a toast after saving the console log failed */
      g_autofree char *message = g_strdup_printf (_("Could not save the log: %s"), error->message);

      ob_sol_window_toast (self, message);
      return;
    }
  ob_sol_window_toast (self, _("Log saved"));
}

static void
on_log_chooser_response (GtkNativeDialog *chooser,
                         int              response,
                         ObSolWindow     *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) log = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);

  if (file == NULL)
    return;

  log = ob_sol_window_dup_log (self);
  g_file_replace_contents_bytes_async (file, log, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       NULL, on_log_written, g_object_ref (self));
}

static void
ob_sol_window_save_log_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *param)
{
  ObSolWindow *self = OB_SOL_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *name = NULL;
  GString *safe = g_string_new (NULL);

  for (const char *p = ob_device_get_name (self->device); p != NULL && *p != '\0'; p++)
    g_string_append_c (safe, g_ascii_isalnum (*p) || *p == '.' || *p == '_' ? *p : '-');
  if (safe->len == 0)
    g_string_append (safe, "device");
  name = g_strdup_printf ("%s-console-%s.log", safe->str, stamp);
  g_string_free (safe, TRUE);

  /* GtkFileDialog is GTK 4.10; the baseline is 4.8. */
  chooser = gtk_file_chooser_native_new (_("Save Console Log"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_file_filter_set_name (filter, _("Log Files"));
  gtk_file_filter_add_mime_type (filter, "text/plain");
  gtk_file_filter_add_suffix (filter, "log");
  gtk_file_filter_add_suffix (filter, "txt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (on_log_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
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

  return self->state;
}

const char *
ob_sol_window_get_end_message (ObSolWindow *self)
{
  g_return_val_if_fail (OB_IS_SOL_WINDOW (self), NULL);

  return self->state == OB_SOL_WINDOW_STATE_ENDED ? self->end_message : NULL;
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

  return self->consent_dialog;
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

  if (self->state != OB_SOL_WINDOW_STATE_CONNECTED || self->session == NULL)
    return FALSE;
  if (length < 0)
    length = strlen (data);

  return ob_redir_session_sol_send (self->session, (const guint8 *) data, length, NULL);
}

void
ob_sol_window_reconnect (ObSolWindow *self)
{
  g_return_if_fail (OB_IS_SOL_WINDOW (self));

  ob_sol_window_connect (self);
}

void
ob_sol_window_disconnect (ObSolWindow *self)
{
  g_return_if_fail (OB_IS_SOL_WINDOW (self));

  if (self->state == OB_SOL_WINDOW_STATE_ENDED)
    return;

  self->local_close = TRUE;
  ob_sol_window_end (self, _("Disconnected"), _("The serial console session was closed."));
}

/* GObject */

static void
ob_sol_window_constructed (GObject *object)
{
  ObSolWindow *self = OB_SOL_WINDOW (object);
  ObWsmanClient *wsman;
  g_autofree char *title = NULL;

  G_OBJECT_CLASS (ob_sol_window_parent_class)->constructed (object);

  g_assert (OB_IS_DEVICE (self->device));

  /* Translators: the serial console window's title, e.g. "lab-pc-3 — Serial Console" */
  title = g_strdup_printf (_("%s — Serial Console"), ob_device_get_name (self->device));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_subtitle (self->window_title, ob_device_get_name (self->device));

  ob_sol_window_rebuild_power_menu (self);
  wsman = ob_device_get_wsman_client (self->device);
  if (wsman != NULL)
    ob_amt_power_capabilities_async (wsman, NULL, on_capabilities, g_object_ref (self));

  ob_sol_window_connect (self);
}

static void
ob_sol_window_dispose (GObject *object)
{
  ObSolWindow *self = OB_SOL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  ob_sol_window_drop_session (self);
  g_clear_handle_id (&self->flush_source, g_source_remove);
  ob_sol_window_close_consent_dialog (self);
  if (self->terminal != NULL)
    g_signal_handlers_disconnect_by_data (self->terminal, self);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_SOL_WINDOW);
  /* The scrolled window owned it. */
  self->terminal = NULL;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->device);
  g_clear_object (&self->power_menu);
  g_clear_pointer (&self->capabilities, json_node_unref);

  G_OBJECT_CLASS (ob_sol_window_parent_class)->dispose (object);
}

static void
ob_sol_window_finalize (GObject *object)
{
  ObSolWindow *self = OB_SOL_WINDOW (object);

  g_free (self->end_message);
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
      g_value_set_uint (value, self->state);
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

  self->power_menu = g_menu_new ();
  gtk_menu_button_set_menu_model (self->power_button, G_MENU_MODEL (self->power_menu));
}
