/* ob-kvm-window.c
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
#include "ob-kvm-window.h"
#include "ob-lan-stream-source.h"
#include "ob-power-actions.h"
#include "ob-redir-error.h"
#include "ob-redir-session.h"

#define CONSENT_CODE_LENGTH 6

struct _ObKvmWindow
{
  AdwWindow parent_instance;

  ObDevice *device;
  ObKvmWindowState state;

  /* One per attempt: cancelled by disconnect, reconnect and dispose. */
  GCancellable *cancellable;
  ObRedirSession *session;
  ObRfbClient *client;
  gulong closed_id;
  gboolean tried_consent;
  gboolean consent_pending;
  gboolean consent_cancelled;
  gboolean local_close;
  char *end_message;

  ObRfbDepth depth;
  ObKvmScaleMode scale_mode;
  gboolean keyboard_capture;
  char *status_text;
  guint status_source;
  guint64 last_frames;
  guint64 last_bytes;
  gint64 last_status_time;
  double fps;
  double kbps;

  JsonNode *capabilities;
  GMenu *power_menu;
  guint power_busy;

  GtkWindow *consent_dialog;
  GtkEntry *consent_entry;
  GtkLabel *consent_error;
  GtkButton *consent_send;

  AdwWindowTitle *window_title;
  AdwHeaderBar *header_bar;
  GtkMenuButton *power_button;
  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  AdwStatusPage *ended_page;
  GtkSpinner *connecting_spinner;
  GtkScrolledWindow *scroller;
  ObKvmCanvas *canvas;
  GtkLabel *status_label;
  GtkLabel *consent_label;
};

G_DEFINE_FINAL_TYPE (ObKvmWindow, ob_kvm_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_DEVICE,
  PROP_STATE,
  PROP_COLOR_DEPTH,
  PROP_SCALE_MODE,
  PROP_KEYBOARD_CAPTURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void ob_kvm_window_open_stream (ObKvmWindow *self);
static void ob_kvm_window_show_consent_dialog (ObKvmWindow *self);
static void ob_kvm_window_close_consent_dialog (ObKvmWindow *self);

static void
ob_kvm_window_toast (ObKvmWindow *self,
                     const char  *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* Status line */

static const char *
depth_label (ObRfbDepth depth)
{
  switch (depth)
    {
    case OB_RFB_DEPTH_8:
      return _("8-bit colour");
    case OB_RFB_DEPTH_GREY8:
    case OB_RFB_DEPTH_GREY4:
      return _("greyscale");
    case OB_RFB_DEPTH_32:
      return _("24-bit colour");
    case OB_RFB_DEPTH_16:
    default:
      return _("16-bit colour");
    }
}

static void
ob_kvm_window_set_status (ObKvmWindow *self,
                          char        *text)
{
  g_free (self->status_text);
  self->status_text = text;
  gtk_label_set_label (self->status_label, text != NULL ? text : "");
}

static void
ob_kvm_window_format_status (ObKvmWindow *self)
{
  ObFramebuffer *framebuffer;

  if (self->client == NULL || self->status_source == 0)
    return;

  framebuffer = ob_rfb_client_get_framebuffer (self->client);
  /* Translators: the KVM status line: frames per second, kilobytes per
   * second received, colour depth, screen size, e.g.
   * "12 fps · 85 kB/s · 16-bit colour · 1024×768" */
  ob_kvm_window_set_status (self,
                            g_strdup_printf (_("%.0f fps · %.0f kB/s · %s · %u×%u"),
                                             self->fps, self->kbps, depth_label (self->depth),
                                             framebuffer != NULL ? ob_framebuffer_get_width (framebuffer) : 0,
                                             framebuffer != NULL ? ob_framebuffer_get_height (framebuffer) : 0));
}

static gboolean
status_tick_cb (gpointer user_data)
{
  ObKvmWindow *self = user_data;
  gint64 now = g_get_monotonic_time ();
  guint64 frames, bytes;
  double seconds;

  if (self->client == NULL)
    return G_SOURCE_CONTINUE;

  frames = ob_kvm_canvas_get_frames_shown (self->canvas);
  bytes = ob_rfb_client_get_bytes_received (self->client);
  seconds = (now - self->last_status_time) / (double) G_USEC_PER_SEC;
  if (seconds <= 0)
    return G_SOURCE_CONTINUE;

  self->fps = (frames - self->last_frames) / seconds;
  self->kbps = (bytes - self->last_bytes) / 1024.0 / seconds;
  self->last_frames = frames;
  self->last_bytes = bytes;
  self->last_status_time = now;
  ob_kvm_window_format_status (self);
  return G_SOURCE_CONTINUE;
}

/* State */

static void
ob_kvm_window_update_actions (ObKvmWindow *self)
{
  gboolean connected = self->state == OB_KVM_WINDOW_STATE_CONNECTED;
  g_autoptr(GdkTexture) picture = ob_kvm_canvas_dup_texture (self->canvas);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.disconnect",
                                 self->state != OB_KVM_WINDOW_STATE_ENDED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.reconnect",
                                 self->state == OB_KVM_WINDOW_STATE_ENDED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.send-keys",
                                 connected && !self->consent_pending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.screenshot",
                                 picture != NULL || connected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.refresh", connected);
  gtk_widget_set_visible (GTK_WIDGET (self->consent_label), connected && self->consent_pending);
  ob_kvm_canvas_set_input_enabled (self->canvas, connected && !self->consent_pending);
}

static void
ob_kvm_window_set_state (ObKvmWindow      *self,
                         ObKvmWindowState  state)
{
  self->state = state;

  switch (state)
    {
    case OB_KVM_WINDOW_STATE_CONNECTING:
      gtk_stack_set_visible_child_name (self->stack, "connecting");
      gtk_spinner_start (self->connecting_spinner);
      ob_kvm_window_set_status (self, g_strdup (_("Connecting…")));
      break;
    case OB_KVM_WINDOW_STATE_CONNECTED:
      gtk_stack_set_visible_child_name (self->stack, "screen");
      gtk_spinner_stop (self->connecting_spinner);
      gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
      break;
    case OB_KVM_WINDOW_STATE_ENDED:
    default:
      gtk_stack_set_visible_child_name (self->stack, "ended");
      gtk_spinner_stop (self->connecting_spinner);
      ob_kvm_window_set_status (self, NULL);
      break;
    }

  ob_kvm_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
ob_kvm_window_drop_session (ObKvmWindow *self)
{
  g_clear_handle_id (&self->status_source, g_source_remove);

  if (self->client != NULL)
    {
      g_clear_signal_handler (&self->closed_id, self->client);
      ob_rfb_client_close (self->client);
      g_clear_object (&self->client);
    }
  if (self->session != NULL)
    {
      ob_redir_session_abort (self->session);
      g_clear_object (&self->session);
    }
  ob_kvm_canvas_set_client (self->canvas, NULL);
}

/* Ends the session (if any) and shows why, with Reconnect. */
static void
ob_kvm_window_end (ObKvmWindow *self,
                   const char  *title,
                   const char  *description)
{
  g_cancellable_cancel (self->cancellable);
  ob_kvm_window_drop_session (self);
  ob_kvm_window_close_consent_dialog (self);
  self->consent_pending = FALSE;

  g_free (self->end_message);
  self->end_message = g_strdup (title);
  adw_status_page_set_title (self->ended_page, title);
  adw_status_page_set_description (self->ended_page, description);
  ob_kvm_window_set_state (self, OB_KVM_WINDOW_STATE_ENDED);
}

/* Words for an error that ended or prevented a session. */
static void
ob_kvm_window_end_with_error (ObKvmWindow  *self,
                              const GError *error)
{
  g_autofree char *reason = NULL;

  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_DISABLED))
    {
      ob_kvm_window_end (self, _("KVM is disabled on this device"),
                         _("Turn KVM on in the device’s Features tab, then reconnect."));
      return;
    }
  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_BUSY))
    {
      ob_kvm_window_end (self, _("Another remote desktop session is open"),
                         _("The device allows one KVM session at a time. Close the other one, then reconnect."));
      return;
    }
  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_FAILED))
    {
      ob_kvm_window_end (self, _("Wrong user name or password"),
                         _("The device refused the stored AMT password. Update it in the device’s settings."));
      return;
    }
  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_CONSENT_REQUIRED))
    {
      ob_kvm_window_end (self, _("User consent expired"),
                         _("The device needs a new consent code from its screen. Reconnect to ask for one."));
      return;
    }
  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT))
    {
      ob_kvm_window_end (self, _("Connection lost"),
                         _("The device stopped answering."));
      return;
    }

  reason = ob_describe_device_error (error);
  ob_kvm_window_end (self, _("Could not connect"), reason);
}

/* The device closed a running session: find out why from its state. */
static void
on_end_refreshed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_device_refresh_finish (OB_DEVICE (source), result, &error))
    {
      /* The device does not answer WS-Man either. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          self->state == OB_KVM_WINDOW_STATE_ENDED)
        ob_kvm_window_end (self, _("Connection lost"),
                           _("The device no longer answers. It may be off the network or powered off."));
      return;
    }
  if (self->state != OB_KVM_WINDOW_STATE_ENDED)
    return;

  if (!ob_device_get_kvm_enabled (self->device))
    ob_kvm_window_end (self, _("KVM is disabled on this device"),
                       _("KVM was turned off while the session was open."));
  else if (ob_device_get_power_state (self->device) != 2)
    ob_kvm_window_end (self, _("The device is powered off"),
                       _("Turn it on from the power menu, then reconnect."));
}

static void
on_client_closed (ObRfbClient  *client,
                  const GError *error,
                  ObKvmWindow  *self)
{
  gboolean was_pending = self->consent_pending;

  if (self->local_close || error == NULL)
    {
      ob_kvm_window_end (self, _("Disconnected"), _("The remote desktop session was closed."));
      return;
    }

  g_debug ("KVM session with %s ended: %s", ob_device_get_guid (self->device), error->message);

  if (self->consent_cancelled)
    ob_kvm_window_end (self, _("User consent cancelled"),
                       _("The consent request was withdrawn, so the device ended the session."));
  else if (was_pending)
    ob_kvm_window_end (self, _("User consent expired"),
                       _("The code was not confirmed in time or was entered wrongly too often. Reconnect to ask for a new one."));
  else if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT))
    ob_kvm_window_end (self, _("Connection lost"), _("The device stopped answering."));
  else
    ob_kvm_window_end (self, _("The device ended the session"),
                       _("This happens after a time without input (the session timeout), when consent "
                         "expires, or when the connection is lost."));

  /* Refine the message with what the device says now. */
  if (!self->consent_cancelled && !was_pending)
    {
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      ob_device_refresh_async (self->device, self->cancellable, on_end_refreshed, g_object_ref (self));
    }
}

/* Connecting */

static void
on_rfb_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  ObRfbClient *client = OB_RFB_CLIENT (source);

  if (!ob_rfb_client_connect_finish (client, result, &error))
    {
      if (self->client != client)
        return;
      ob_kvm_window_end_with_error (self, error);
      return;
    }
  if (self->client != client)
    return;

  ob_kvm_canvas_set_client (self->canvas, client);
  self->last_frames = 0;
  self->last_bytes = ob_rfb_client_get_bytes_received (client);
  self->last_status_time = g_get_monotonic_time ();
  self->fps = 0;
  self->kbps = 0;
  self->status_source = g_timeout_add_seconds (1, status_tick_cb, self);
  ob_kvm_window_set_status (self, g_strdup (depth_label (self->depth)));
  ob_kvm_window_set_state (self, OB_KVM_WINDOW_STATE_CONNECTED);

  if (self->consent_pending)
    ob_kvm_window_show_consent_dialog (self);
}

static void
on_opt_in_started (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint rv = 0;

  node = ob_amt_user_consent_request_finish (OB_WSMAN_CLIENT (source), result, &rv, &error);
  if (node == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_kvm_window_end_with_error (self, error);
      return;
    }

  /* 2 (NOT_READY): a code is already on the screen, or consent was just
   * given; either way the session may start. */
  if (rv != 0 && rv != 2)
    {
      g_autofree char *description =
        g_strdup_printf (_("The device refused to show a consent code (status %u). It may be powered off."), rv);

      ob_kvm_window_end (self, _("Could not ask for user consent"), description);
      return;
    }

  self->consent_pending = TRUE;
  ob_kvm_window_open_stream (self);
}

static void
ob_kvm_window_start_opt_in (ObKvmWindow *self)
{
  ObWsmanClient *wsman = ob_device_get_wsman_client (self->device);

  self->tried_consent = TRUE;
  self->consent_cancelled = FALSE;
  if (wsman == NULL)
    {
      ob_kvm_window_end (self, _("Could not ask for user consent"), _("The device is not connected."));
      return;
    }

  adw_status_page_set_title (ADW_STATUS_PAGE (gtk_stack_get_child_by_name (self->stack, "connecting")),
                             _("Asking for User Consent…"));
  ob_amt_user_consent_request_async (wsman, self->cancellable, on_opt_in_started, g_object_ref (self));
}

static void
on_session_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  ObRedirSession *session = OB_REDIR_SESSION (source);

  if (!ob_redir_session_start_finish (session, result, &error))
    {
      if (self->session != session)
        return;
      g_clear_object (&self->session);

      /* The device wants consent our feature read did not predict (or
       * consent given earlier expired): ask once, then try again. */
      if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_CONSENT_REQUIRED) && !self->tried_consent)
        {
          ob_kvm_window_start_opt_in (self);
          return;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_kvm_window_end_with_error (self, error);
      return;
    }
  if (self->session != session)
    return;

  self->client = ob_redir_session_create_rfb_client (session);
  g_clear_object (&self->session);
  ob_rfb_client_set_depth (self->client, self->depth);
  self->closed_id = g_signal_connect (self->client, "closed", G_CALLBACK (on_client_closed), self);
  ob_rfb_client_connect_async (self->client, self->cancellable, on_rfb_connected, g_object_ref (self));
}

static void
on_stream_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;

  stream = ob_stream_source_open_stream_finish (OB_STREAM_SOURCE (source), result, &error);
  if (stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_kvm_window_end_with_error (self, error);
      return;
    }
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  self->session = ob_redir_session_new (stream, OB_REDIR_SESSION_KVM);
  ob_redir_session_set_credentials (self->session, ob_device_get_username (self->device),
                                    ob_device_get_password (self->device));
  ob_redir_session_start_async (self->session, self->cancellable, on_session_started, g_object_ref (self));
}

static void
ob_kvm_window_open_stream (ObKvmWindow *self)
{
  adw_status_page_set_title (ADW_STATUS_PAGE (gtk_stack_get_child_by_name (self->stack, "connecting")),
                             _("Connecting…"));
  /* Always the plain redirection port: a TLS LAN transport maps it to
   * 16995, CIRA opens a channel to it. */
  ob_stream_source_open_stream_async (OB_STREAM_SOURCE (self->device), OB_LAN_PORT_REDIRECTION,
                                      self->cancellable, on_stream_opened, g_object_ref (self));
}

static void
on_features (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
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
      ob_kvm_window_open_stream (self);
      return;
    }

  if (!features->kvm || !features->redirection)
    {
      ob_kvm_window_end (self, _("KVM is disabled on this device"),
                         features->kvm_available
                         ? _("Turn KVM on in the device’s Features tab, then reconnect.")
                         : _("This device’s Intel AMT edition has no KVM."));
      return;
    }

  if (features->user_consent != OB_AMT_USER_CONSENT_NONE &&
      features->opt_in_state != OB_AMT_OPT_IN_STATE_RECEIVED &&
      features->opt_in_state != OB_AMT_OPT_IN_STATE_IN_SESSION)
    {
      ob_kvm_window_start_opt_in (self);
      return;
    }

  ob_kvm_window_open_stream (self);
}

static void
ob_kvm_window_connect (ObKvmWindow *self)
{
  ObWsmanClient *wsman;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ob_kvm_window_drop_session (self);
  ob_kvm_window_close_consent_dialog (self);
  self->tried_consent = FALSE;
  self->consent_pending = FALSE;
  self->consent_cancelled = FALSE;
  self->local_close = FALSE;
  g_clear_pointer (&self->end_message, g_free);
  ob_kvm_window_set_state (self, OB_KVM_WINDOW_STATE_CONNECTING);

  wsman = ob_device_get_wsman_client (self->device);
  if (wsman == NULL)
    {
      ob_kvm_window_open_stream (self);
      return;
    }
  ob_amt_features_get_async (wsman, self->cancellable, on_features, g_object_ref (self));
}

/* User consent */

static void
on_consent_sent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint rv = 0;

  node = ob_amt_user_consent_send_finish (OB_WSMAN_CLIENT (source), result, &rv, &error);
  if (self->consent_dialog == NULL)
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (self->consent_send), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->consent_entry), TRUE);

  if (node == NULL)
    {
      g_autofree char *reason = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      reason = ob_describe_device_error (error);
      gtk_label_set_label (self->consent_error, reason);
      gtk_widget_set_visible (GTK_WIDGET (self->consent_error), TRUE);
      return;
    }

  if (rv != 0)
    {
      /* 2066 is AMT's "wrong code"; 2 means the request is gone. */
      gtk_label_set_label (self->consent_error,
                           rv == 2 ? _("The device no longer waits for a code.")
                                   : _("That is not the code on the device’s screen. Try again."));
      gtk_widget_set_visible (GTK_WIDGET (self->consent_error), TRUE);
      gtk_editable_select_region (GTK_EDITABLE (self->consent_entry), 0, -1);
      gtk_widget_grab_focus (GTK_WIDGET (self->consent_entry));
      return;
    }

  self->consent_pending = FALSE;
  ob_kvm_window_close_consent_dialog (self);
  ob_kvm_window_update_actions (self);
  ob_kvm_window_toast (self, _("User consent given"));
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

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

static void
on_consent_send_clicked (ObKvmWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->consent_entry));
  ObWsmanClient *wsman = ob_device_get_wsman_client (self->device);

  if (!consent_code_is_valid (text))
    {
      gtk_label_set_label (self->consent_error, _("The code is six digits."));
      gtk_widget_set_visible (GTK_WIDGET (self->consent_error), TRUE);
      return;
    }
  if (wsman == NULL)
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->consent_error), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->consent_send), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->consent_entry), FALSE);
  ob_amt_user_consent_send_async (wsman, (guint32) g_ascii_strtoull (text, NULL, 10),
                                  self->cancellable, on_consent_sent, g_object_ref (self));
}

static void
on_consent_cancelled (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = ob_amt_user_consent_cancel_finish (OB_WSMAN_CLIENT (source), result, NULL, &error);
  if (node == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("CancelOptIn on %s failed: %s", ob_device_get_guid (self->device), error->message);

  /* The device ends the session itself; make sure it is gone here too. */
  if (self->state != OB_KVM_WINDOW_STATE_ENDED)
    ob_kvm_window_end (self, _("User consent cancelled"),
                       _("The consent request was withdrawn, so the device ended the session."));
}

static void
on_consent_cancel_clicked (ObKvmWindow *self)
{
  ObWsmanClient *wsman = ob_device_get_wsman_client (self->device);

  self->consent_cancelled = TRUE;
  ob_kvm_window_close_consent_dialog (self);
  if (wsman == NULL)
    {
      ob_kvm_window_end (self, _("User consent cancelled"), NULL);
      return;
    }
  /* Not the session's cancellable: ending the session must not stop it. */
  ob_amt_user_consent_cancel_async (wsman, NULL, on_consent_cancelled, g_object_ref (self));
}

static gboolean
on_consent_close_request (GtkWindow   *dialog,
                          ObKvmWindow *self)
{
  if (self->consent_dialog == dialog)
    on_consent_cancel_clicked (self);
  return FALSE;
}

static void
ob_kvm_window_close_consent_dialog (ObKvmWindow *self)
{
  GtkWindow *dialog = g_steal_pointer (&self->consent_dialog);

  self->consent_entry = NULL;
  self->consent_error = NULL;
  self->consent_send = NULL;
  if (dialog != NULL)
    gtk_window_destroy (dialog);
}

static void
ob_kvm_window_show_consent_dialog (ObKvmWindow *self)
{
  GtkWidget *dialog, *box, *title, *body, *buttons, *cancel, *send;
  AdwHeaderBar *header;
  GtkWidget *toolbar;

  if (self->consent_dialog != NULL)
    return;

  dialog = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (dialog), _("User Consent"));
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_resizable (GTK_WINDOW (dialog), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 360, -1);

  toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = ADW_HEADER_BAR (adw_header_bar_new ());
  adw_header_bar_set_show_end_title_buttons (header, FALSE);
  adw_header_bar_set_title_widget (header, adw_window_title_new (_("User Consent"), NULL));
  gtk_widget_add_css_class (GTK_WIDGET (header), "flat");
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (header));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (box, 24);
  gtk_widget_set_margin_end (box, 24);
  gtk_widget_set_margin_bottom (box, 24);

  title = gtk_label_new (_("Enter the Code Shown on the Device"));
  gtk_widget_add_css_class (title, "title-2");
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_justify (GTK_LABEL (title), GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (box), title);

  body = gtk_label_new (_("This device asks its user to agree to remote control. Ask the person at "
                          "the device for the six-digit code on its screen (it also shows in the "
                          "window behind this dialog). Keyboard and mouse input is not sent until "
                          "the code is confirmed."));
  gtk_label_set_wrap (GTK_LABEL (body), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (body), 40);
  gtk_label_set_justify (GTK_LABEL (body), GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (box), body);

  self->consent_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_max_length (self->consent_entry, CONSENT_CODE_LENGTH);
  gtk_entry_set_input_purpose (self->consent_entry, GTK_INPUT_PURPOSE_DIGITS);
  gtk_entry_set_placeholder_text (self->consent_entry, "000000");
  gtk_entry_set_alignment (self->consent_entry, 0.5);
  gtk_entry_set_activates_default (self->consent_entry, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->consent_entry), "title-2");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->consent_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Consent code"),
                                  -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->consent_entry));

  self->consent_error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->consent_error, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->consent_error), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->consent_error), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->consent_error));

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (on_consent_cancel_clicked), self);
  send = gtk_button_new_with_mnemonic (_("C_onfirm"));
  gtk_widget_add_css_class (send, "suggested-action");
  g_signal_connect_swapped (send, "clicked", G_CALLBACK (on_consent_send_clicked), self);
  self->consent_send = GTK_BUTTON (send);
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), send);
  gtk_box_append (GTK_BOX (box), buttons);

  gtk_box_append (GTK_BOX (toolbar), box);
  adw_window_set_content (ADW_WINDOW (dialog), toolbar);
  gtk_window_set_default_widget (GTK_WINDOW (dialog), send);
  g_signal_connect (dialog, "close-request", G_CALLBACK (on_consent_close_request), self);

  self->consent_dialog = GTK_WINDOW (dialog);
  ob_kvm_window_update_actions (self);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (GTK_WIDGET (self->consent_entry));
}

/* Power */

static void
ob_kvm_window_rebuild_power_menu (ObKvmWindow *self)
{
  g_menu_remove_all (self->power_menu);
  ob_power_actions_append_sections (self->power_menu, self->capabilities, "kvm.power", TRUE);
}

static void
on_capabilities (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  node = ob_amt_power_capabilities_finish (OB_WSMAN_CLIENT (source), result, &error);
  if (node == NULL)
    return;

  g_clear_pointer (&self->capabilities, json_node_unref);
  self->capabilities = node;
  ob_kvm_window_rebuild_power_menu (self);
}

typedef struct
{
  ObKvmWindow *self;
  int action;
} PowerRun;

static void
on_power_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PowerRun *run = user_data;
  g_autoptr(ObKvmWindow) self = run->self;
  const ObPowerActionInfo *info = ob_power_actions_lookup (run->action);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_free (run);
  self->power_busy--;

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

  ob_kvm_window_toast (self, message);
}

static void
ob_kvm_window_run_power_action (ObKvmWindow *self,
                                int          action)
{
  PowerRun *run = g_new0 (PowerRun, 1);

  run->self = g_object_ref (self);
  run->action = action;
  self->power_busy++;
  ob_power_action_run_async (self->device, action, NULL, on_power_done, run);
}

static void
on_power_confirm_response (AdwMessageDialog *dialog,
                           const char       *response,
                           ObKvmWindow      *self)
{
  int action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ob-action"));

  if (g_strcmp0 (response, "run") == 0)
    ob_kvm_window_run_power_action (self, action);
}

static void
ob_kvm_window_power_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ObKvmWindow *self = OB_KVM_WINDOW (widget);
  int action = g_variant_get_int32 (param);
  const ObPowerActionInfo *info = ob_power_actions_lookup (action);
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (info == NULL)
    return;

  if (info->confirm_body == NULL)
    {
      ob_kvm_window_run_power_action (self, action);
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
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_power_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Other actions */

static void
ob_kvm_window_send_keys_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ObKvmWindow *self = OB_KVM_WINDOW (widget);
  g_auto(GStrv) names = g_strsplit (g_variant_get_string (param, NULL), "+", 8);
  guint32 keysyms[8];
  guint n = 0;

  if (self->client == NULL || self->consent_pending)
    return;

  for (guint i = 0; names[i] != NULL && n < G_N_ELEMENTS (keysyms); i++)
    {
      guint keyval = gdk_keyval_from_name (names[i]);

      if (keyval == GDK_KEY_VoidSymbol || keyval == 0)
        {
          g_warning ("Unknown key name “%s” in a key chord", names[i]);
          return;
        }
      keysyms[n++] = keyval;
    }

  ob_rfb_client_send_chord (self->client, keysyms, n);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

static void
ob_kvm_window_disconnect_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  ob_kvm_window_disconnect (OB_KVM_WINDOW (widget));
}

static void
ob_kvm_window_reconnect_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ob_kvm_window_reconnect (OB_KVM_WINDOW (widget));
}

static void
ob_kvm_window_refresh_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  ObKvmWindow *self = OB_KVM_WINDOW (widget);

  if (self->client != NULL)
    ob_rfb_client_request_refresh (self->client);
}

static void
ob_kvm_window_fullscreen_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

static void
on_screenshot_written (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      /* Translators: a toast after saving a screenshot failed */
      g_autofree char *message = g_strdup_printf (_("Could not save the screenshot: %s"), error->message);

      ob_kvm_window_toast (self, message);
      return;
    }
  ob_kvm_window_toast (self, _("Screenshot saved"));
}

static void
on_screenshot_chooser_response (GtkNativeDialog *chooser,
                                int              response,
                                ObKvmWindow     *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);

  texture = ob_kvm_canvas_dup_texture (self->canvas);
  if (file == NULL || texture == NULL)
    return;

  png = gdk_texture_save_to_png_bytes (texture);
  g_file_replace_contents_bytes_async (file, png, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       NULL, on_screenshot_written, g_object_ref (self));
}

static void
ob_kvm_window_screenshot_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  ObKvmWindow *self = OB_KVM_WINDOW (widget);
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
  name = g_strdup_printf ("%s-%s.png", safe->str, stamp);
  g_string_free (safe, TRUE);

  /* GtkFileDialog is GTK 4.10; the baseline is 4.8. */
  chooser = gtk_file_chooser_native_new (_("Save Screenshot"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_file_filter_set_name (filter, _("PNG Images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_suffix (filter, "png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (on_screenshot_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Public API */

GtkWidget *
ob_kvm_window_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_KVM_WINDOW, "device", device, NULL);
}

ObDevice *
ob_kvm_window_get_device (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return self->device;
}

ObKvmCanvas *
ob_kvm_window_get_canvas (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return self->canvas;
}

ObRfbClient *
ob_kvm_window_get_client (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return self->state == OB_KVM_WINDOW_STATE_CONNECTED ? self->client : NULL;
}

ObKvmWindowState
ob_kvm_window_get_state (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), OB_KVM_WINDOW_STATE_ENDED);

  return self->state;
}

const char *
ob_kvm_window_get_end_message (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return self->state == OB_KVM_WINDOW_STATE_ENDED ? self->end_message : NULL;
}

const char *
ob_kvm_window_get_status_text (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return self->status_text;
}

gboolean
ob_kvm_window_get_consent_pending (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), FALSE);

  return self->consent_pending;
}

GtkWindow *
ob_kvm_window_get_consent_dialog (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return self->consent_dialog;
}

void
ob_kvm_window_reconnect (ObKvmWindow *self)
{
  g_return_if_fail (OB_IS_KVM_WINDOW (self));

  ob_kvm_window_connect (self);
}

void
ob_kvm_window_disconnect (ObKvmWindow *self)
{
  g_return_if_fail (OB_IS_KVM_WINDOW (self));

  if (self->state == OB_KVM_WINDOW_STATE_ENDED)
    return;

  self->local_close = TRUE;
  ob_kvm_window_end (self, _("Disconnected"), _("The remote desktop session was closed."));
}

gboolean
ob_kvm_window_save_screenshot (ObKvmWindow  *self,
                               GFile        *file,
                               GError      **error)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;

  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  texture = ob_kvm_canvas_dup_texture (self->canvas);
  if (texture == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Nothing has been shown yet"));
      return FALSE;
    }

  png = gdk_texture_save_to_png_bytes (texture);
  return g_file_replace_contents (file, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                                  NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

/* Properties */

static const char *
depth_to_string (ObRfbDepth depth)
{
  switch (depth)
    {
    case OB_RFB_DEPTH_8:
      return "8";
    case OB_RFB_DEPTH_GREY8:
    case OB_RFB_DEPTH_GREY4:
      return "grey";
    case OB_RFB_DEPTH_16:
    case OB_RFB_DEPTH_32:
    default:
      return "16";
    }
}

static void
ob_kvm_window_set_color_depth (ObKvmWindow *self,
                               const char  *value)
{
  ObRfbDepth depth;

  if (g_strcmp0 (value, "8") == 0)
    depth = OB_RFB_DEPTH_8;
  else if (g_strcmp0 (value, "grey") == 0)
    depth = OB_RFB_DEPTH_GREY8;
  else
    depth = OB_RFB_DEPTH_16;

  if (self->depth == depth)
    return;

  self->depth = depth;
  /* Live: the client switches after the update in flight. */
  if (self->client != NULL)
    ob_rfb_client_set_depth (self->client, depth);
  ob_kvm_window_format_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR_DEPTH]);
}

static void
ob_kvm_window_set_scale_mode (ObKvmWindow *self,
                              const char  *value)
{
  ObKvmScaleMode mode = g_strcmp0 (value, "one-to-one") == 0 ? OB_KVM_SCALE_ONE_TO_ONE : OB_KVM_SCALE_FIT;
  GtkPolicyType policy = mode == OB_KVM_SCALE_ONE_TO_ONE ? GTK_POLICY_AUTOMATIC : GTK_POLICY_NEVER;

  if (self->scale_mode == mode)
    return;

  self->scale_mode = mode;
  ob_kvm_canvas_set_scale_mode (self->canvas, mode);
  gtk_scrolled_window_set_policy (self->scroller, policy, policy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE_MODE]);
}

static void
ob_kvm_window_constructed (GObject *object)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);
  ObWsmanClient *wsman;

  G_OBJECT_CLASS (ob_kvm_window_parent_class)->constructed (object);

  g_assert (OB_IS_DEVICE (self->device));

  {
    /* Translators: the KVM window's title, e.g. "lab-pc-3 — Remote Desktop" */
    g_autofree char *title = g_strdup_printf (_("%s — Remote Desktop"), ob_device_get_name (self->device));

    gtk_window_set_title (GTK_WINDOW (self), title);
    adw_window_title_set_subtitle (self->window_title, ob_device_get_name (self->device));
  }

  ob_kvm_window_rebuild_power_menu (self);
  wsman = ob_device_get_wsman_client (self->device);
  if (wsman != NULL)
    ob_amt_power_capabilities_async (wsman, NULL, on_capabilities, g_object_ref (self));

  ob_kvm_window_connect (self);
}

static void
ob_kvm_window_dispose (GObject *object)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  ob_kvm_window_close_consent_dialog (self);
  if (self->canvas != NULL)
    ob_kvm_window_drop_session (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_KVM_WINDOW);
  /* The scrolled window owned it. */
  self->canvas = NULL;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->device);
  g_clear_object (&self->power_menu);
  g_clear_pointer (&self->capabilities, json_node_unref);

  G_OBJECT_CLASS (ob_kvm_window_parent_class)->dispose (object);
}

static void
ob_kvm_window_finalize (GObject *object)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);

  g_free (self->end_message);
  g_free (self->status_text);

  G_OBJECT_CLASS (ob_kvm_window_parent_class)->finalize (object);
}

static void
ob_kvm_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;
    case PROP_STATE:
      g_value_set_uint (value, self->state);
      break;
    case PROP_COLOR_DEPTH:
      g_value_set_string (value, depth_to_string (self->depth));
      break;
    case PROP_SCALE_MODE:
      g_value_set_string (value, self->scale_mode == OB_KVM_SCALE_ONE_TO_ONE ? "one-to-one" : "fit");
      break;
    case PROP_KEYBOARD_CAPTURE:
      g_value_set_boolean (value, self->keyboard_capture);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_kvm_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      self->device = g_value_dup_object (value);
      break;
    case PROP_COLOR_DEPTH:
      ob_kvm_window_set_color_depth (self, g_value_get_string (value));
      break;
    case PROP_SCALE_MODE:
      ob_kvm_window_set_scale_mode (self, g_value_get_string (value));
      break;
    case PROP_KEYBOARD_CAPTURE:
      if (self->keyboard_capture != g_value_get_boolean (value))
        {
          self->keyboard_capture = g_value_get_boolean (value);
          ob_kvm_canvas_set_keyboard_capture (self->canvas, self->keyboard_capture);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_kvm_window_class_init (ObKvmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ob_kvm_window_constructed;
  object_class->dispose = ob_kvm_window_dispose;
  object_class->finalize = ob_kvm_window_finalize;
  object_class->get_property = ob_kvm_window_get_property;
  object_class->set_property = ob_kvm_window_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_uint ("state", NULL, NULL,
                       OB_KVM_WINDOW_STATE_CONNECTING, OB_KVM_WINDOW_STATE_ENDED,
                       OB_KVM_WINDOW_STATE_CONNECTING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_COLOR_DEPTH] =
    g_param_spec_string ("color-depth", NULL, NULL,
                         "16",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SCALE_MODE] =
    g_param_spec_string ("scale-mode", NULL, NULL,
                         "fit",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_KEYBOARD_CAPTURE] =
    g_param_spec_boolean ("keyboard-capture", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-kvm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, power_button);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, ended_page);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, connecting_spinner);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, scroller);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, consent_label);

  gtk_widget_class_install_action (widget_class, "kvm.disconnect", NULL, ob_kvm_window_disconnect_action);
  gtk_widget_class_install_action (widget_class, "kvm.reconnect", NULL, ob_kvm_window_reconnect_action);
  gtk_widget_class_install_action (widget_class, "kvm.refresh", NULL, ob_kvm_window_refresh_action);
  gtk_widget_class_install_action (widget_class, "kvm.screenshot", NULL, ob_kvm_window_screenshot_action);
  gtk_widget_class_install_action (widget_class, "kvm.fullscreen", NULL, ob_kvm_window_fullscreen_action);
  gtk_widget_class_install_action (widget_class, "kvm.send-keys", "s", ob_kvm_window_send_keys_action);
  gtk_widget_class_install_action (widget_class, "kvm.power", "i", ob_kvm_window_power_action);
  gtk_widget_class_install_property_action (widget_class, "kvm.color-depth", "color-depth");
  gtk_widget_class_install_property_action (widget_class, "kvm.scale-mode", "scale-mode");
  gtk_widget_class_install_property_action (widget_class, "kvm.keyboard-capture", "keyboard-capture");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "kvm.fullscreen", NULL);
}

static void
ob_kvm_window_init (ObKvmWindow *self)
{
  self->depth = OB_RFB_DEPTH_16;
  self->scale_mode = OB_KVM_SCALE_FIT;
  self->keyboard_capture = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Made here rather than in the template, so the template stays plain
   * GTK and libadwaita for the .ui validator. */
  self->canvas = OB_KVM_CANVAS (ob_kvm_canvas_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->canvas), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->canvas), TRUE);
  gtk_scrolled_window_set_child (self->scroller, GTK_WIDGET (self->canvas));
  ob_kvm_canvas_set_scale_mode (self->canvas, self->scale_mode);
  ob_kvm_canvas_set_keyboard_capture (self->canvas, self->keyboard_capture);
  self->power_menu = g_menu_new ();
  gtk_menu_button_set_menu_model (self->power_button, G_MENU_MODEL (self->power_menu));
}
