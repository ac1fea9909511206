/* ob-redir-controller.c
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
#include "ob-redir-controller.h"
#include "ob-redir-error.h"

#define CONSENT_CODE_LENGTH 6

/* What differs between the remote desktop and the serial console is
 * mostly words. */
typedef struct
{
  const char *disabled_title;
  const char *disabled_body;
  const char *disabled_while_open;
  const char *busy_title;
  const char *busy_body;
  const char *consent_refused_title;
  const char *consent_refused_body;
  const char *consent_cancelled_body;
  const char *consent_body;
  const char *closed_body;
  const char *device_ended_body;
  const char *no_answer_body;
} ModeText;

static const ModeText kvm_text = {
  N_("KVM is disabled on this device"),
  N_("Turn KVM on in the device’s Features tab, then reconnect."),
  N_("KVM was turned off while the session was open."),
  N_("Another remote desktop session is open"),
  N_("The device allows one KVM session at a time. Close the other one, then reconnect."),
  N_("User consent expired"),
  N_("The device needs a new consent code from its screen. Reconnect to ask for one."),
  N_("The consent request was withdrawn, so the device ended the session."),
  N_("This device asks its user to agree to remote control. Ask the person at "
     "the device for the six-digit code on its screen (it also shows in the "
     "window behind this dialog). Keyboard and mouse input is not sent until "
     "the code is confirmed."),
  N_("The remote desktop session was closed."),
  N_("This happens after a time without input (the session timeout), when consent "
     "expires, or when the connection is lost."),
  N_("The device no longer answers. It may be off the network or powered off."),
};

static const ModeText sol_text = {
  N_("Serial-over-LAN is disabled on this device"),
  N_("Turn SOL on in the device’s Features tab, then reconnect."),
  N_("SOL was turned off while the session was open."),
  N_("Another serial console session is open"),
  N_("The device allows one SOL session at a time. Close the other one, then reconnect."),
  N_("User consent required"),
  N_("This device asks its user before any redirection. Give consent from the "
     "remote desktop window, then reconnect."),
  N_("The serial console needs the code shown on the device’s screen."),
  N_("This device asks its user to agree before its serial console is "
     "opened. Ask the person at the device for the six-digit code on its "
     "screen."),
  N_("The serial console session was closed."),
  N_("This happens when SOL is turned off, when the device restarts its "
     "management engine, or when the connection is lost."),
  N_("The device no longer answers. It may be off the network or without power."),
};

struct _ObRedirController
{
  GObject parent_instance;

  /* The window owns us: no references, cleared by dispose. */
  GtkWindow *window;
  AdwToastOverlay *toasts;
  AdwStatusPage *connecting_page;

  ObDevice *device;
  ObRedirSessionType mode;
  const ModeText *text;
  ObRedirControllerState state;

  /* One per attempt: cancelled by disconnect, reconnect and dispose. */
  GCancellable *cancellable;
  /* Only while it starts; then the window has it. */
  ObRedirSession *session;
  gboolean tried_consent;
  gboolean consent_pending;
  gboolean consent_cancelled;
  gboolean local_close;
  char *end_title;
  char *end_description;

  GtkWindow *consent_dialog;
  GtkEntry *consent_entry;
  GtkLabel *consent_error;
  GtkButton *consent_send;

  GMenu *power_menu;
  GMenuModel *power_first_section;
  char *power_action_name;
  gboolean power_with_ider;
  JsonNode *capabilities;
};

G_DEFINE_FINAL_TYPE (ObRedirController, ob_redir_controller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_CONSENT_PENDING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SESSION_CREATED,
  SESSION_STARTED,
  DROP_SESSION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void ob_redir_controller_open_stream (ObRedirController *self);
static void ob_redir_controller_start_opt_in (ObRedirController *self);
static void ob_redir_controller_show_consent_dialog (ObRedirController *self);
static void ob_redir_controller_close_consent_dialog (ObRedirController *self);

/* KVM streams the screen, the code drawn on it, while consent is
 * pending; SOL and IDE-R are refused until it is given. */
static gboolean
consent_in_session (ObRedirController *self)
{
  return self->mode == OB_REDIR_SESSION_KVM;
}

static void
ob_redir_controller_toast (ObRedirController *self,
                           const char        *message)
{
  if (self->toasts != NULL)
    adw_toast_overlay_add_toast (self->toasts, adw_toast_new (message));
}

static void
ob_redir_controller_set_connecting_title (ObRedirController *self,
                                          const char        *title)
{
  if (self->connecting_page != NULL)
    adw_status_page_set_title (self->connecting_page, title);
}

static void
ob_redir_controller_set_state (ObRedirController      *self,
                               ObRedirControllerState  state)
{
  self->state = state;
  /* Every time, not only on a change: a refined end message is news. */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
ob_redir_controller_set_consent_pending (ObRedirController *self,
                                         gboolean           pending)
{
  if (self->consent_pending == pending)
    return;
  self->consent_pending = pending;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONSENT_PENDING]);
}

static void
ob_redir_controller_drop_session (ObRedirController *self)
{
  g_signal_emit (self, signals[DROP_SESSION], 0);
  if (self->session != NULL)
    {
      ob_redir_session_abort (self->session);
      g_clear_object (&self->session);
    }
}

/* Ends the attempt (if any) and says why. */
static void
ob_redir_controller_end (ObRedirController *self,
                         const char        *title,
                         const char        *description)
{
  gboolean was_pending = self->consent_pending;

  if (self->window == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  ob_redir_controller_drop_session (self);
  ob_redir_controller_close_consent_dialog (self);

  g_free (self->end_title);
  self->end_title = g_strdup (title);
  g_free (self->end_description);
  self->end_description = g_strdup (description);
  self->consent_pending = FALSE;
  ob_redir_controller_set_state (self, OB_REDIR_CONTROLLER_STATE_ENDED);
  if (was_pending)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONSENT_PENDING]);
}

void
ob_redir_controller_end_with_error (ObRedirController *self,
                                    const GError      *error)
{
  g_autofree char *reason = NULL;

  g_return_if_fail (OB_IS_REDIR_CONTROLLER (self));
  g_return_if_fail (error != NULL);

  if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_DISABLED))
    ob_redir_controller_end (self, _(self->text->disabled_title), _(self->text->disabled_body));
  else if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_BUSY))
    ob_redir_controller_end (self, _(self->text->busy_title), _(self->text->busy_body));
  else if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_FAILED))
    ob_redir_controller_end (self, _("Wrong user name or password"),
                             _("The device refused the stored AMT password. Update it in the device’s settings."));
  else if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_CONSENT_REQUIRED))
    ob_redir_controller_end (self, _(self->text->consent_refused_title), _(self->text->consent_refused_body));
  else if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT))
    ob_redir_controller_end (self, _("Connection lost"), _("The device stopped answering."));
  else
    {
      reason = ob_describe_device_error (error);
      ob_redir_controller_end (self, _("Could not connect"), reason);
    }
}

/* The device closed a running session: find out why from its state. */
static void
on_end_refreshed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObRedirController) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean enabled;

  if (!ob_device_refresh_finish (OB_DEVICE (source), result, &error))
    {
      /* The device does not answer WS-Man either. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          self->state == OB_REDIR_CONTROLLER_STATE_ENDED)
        ob_redir_controller_end (self, _("Connection lost"), _(self->text->no_answer_body));
      return;
    }
  if (self->state != OB_REDIR_CONTROLLER_STATE_ENDED)
    return;

  enabled = self->mode == OB_REDIR_SESSION_KVM ? ob_device_get_kvm_enabled (self->device)
                                               : ob_device_get_sol_enabled (self->device);
  if (!enabled)
    ob_redir_controller_end (self, _(self->text->disabled_title), _(self->text->disabled_while_open));
  else if (ob_device_get_power_state (self->device) != OB_AMT_POWER_STATE_ON)
    ob_redir_controller_end (self, _("The device is powered off"),
                             _("Turn it on from the power menu, then reconnect."));
}

void
ob_redir_controller_session_closed (ObRedirController *self,
                                    const GError      *error)
{
  gboolean was_pending;

  g_return_if_fail (OB_IS_REDIR_CONTROLLER (self));

  was_pending = self->consent_pending;
  if (self->local_close || error == NULL)
    {
      ob_redir_controller_end (self, _("Disconnected"), _(self->text->closed_body));
      return;
    }

  g_debug ("%s session with %s ended: %s", self->mode == OB_REDIR_SESSION_KVM ? "KVM" : "SOL",
           ob_device_get_guid (self->device), error->message);

  if (self->consent_cancelled)
    ob_redir_controller_end (self, _("User consent cancelled"), _(self->text->consent_cancelled_body));
  else if (was_pending)
    ob_redir_controller_end (self, _("User consent expired"),
                             _("The code was not confirmed in time or was entered wrongly too often. Reconnect to ask for a new one."));
  else if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT))
    ob_redir_controller_end (self, _("Connection lost"), _("The device stopped answering."));
  else
    ob_redir_controller_end (self, _("The device ended the session"), _(self->text->device_ended_body));

  /* Refine the message with what the device says now. */
  if (!self->consent_cancelled && !was_pending && self->window != NULL)
    {
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      ob_device_refresh_async (self->device, self->cancellable, on_end_refreshed, g_object_ref (self));
    }
}

/* Connecting */

static void
on_opt_in_started (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObRedirController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint rv = 0;

  node = ob_amt_user_consent_request_finish (OB_WSMAN_CLIENT (source), result, &rv, &error);
  if (node == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_redir_controller_end_with_error (self, error);
      return;
    }
  if (self->window == NULL)
    return;

  /* 2 (NOT_READY): a code is already on the screen, or consent was just
   * given; either way the session may start. */
  if (rv != 0 && rv != 2)
    {
      g_autofree char *description =
        g_strdup_printf (_("The device refused to show a consent code (status %u). It may be powered off."), rv);

      ob_redir_controller_end (self, _("Could not ask for user consent"), description);
      return;
    }

  if (consent_in_session (self))
    {
      ob_redir_controller_set_consent_pending (self, TRUE);
      ob_redir_controller_open_stream (self);
      return;
    }

  ob_redir_controller_set_connecting_title (self, _("Waiting for user consent…"));
  ob_redir_controller_show_consent_dialog (self);
}

static void
ob_redir_controller_start_opt_in (ObRedirController *self)
{
  ObWsmanClient *wsman = ob_device_get_wsman_client (self->device);

  self->tried_consent = TRUE;
  self->consent_cancelled = FALSE;
  if (wsman == NULL)
    {
      ob_redir_controller_end (self, _("Could not ask for user consent"), _("The device is not connected."));
      return;
    }

  ob_redir_controller_set_connecting_title (self, _("Asking for User Consent…"));
  ob_amt_user_consent_request_async (wsman, self->cancellable, on_opt_in_started, g_object_ref (self));
}

static void
on_session_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObRedirController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRedirSession) started = NULL;
  ObRedirSession *session = OB_REDIR_SESSION (source);

  if (!ob_redir_session_start_finish (session, result, &error))
    {
      if (self->session != session)
        return;
      g_clear_object (&self->session);
      g_signal_emit (self, signals[DROP_SESSION], 0);

      /* The device wants consent our feature read did not predict (or
       * consent given earlier expired): ask once, then try again. */
      if (g_error_matches (error, OB_REDIR_ERROR, OB_REDIR_ERROR_CONSENT_REQUIRED) && !self->tried_consent)
        {
          ob_redir_controller_start_opt_in (self);
          return;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_redir_controller_end_with_error (self, error);
      return;
    }
  if (self->session != session)
    return;

  started = g_steal_pointer (&self->session);
  g_signal_emit (self, signals[SESSION_STARTED], 0, started);
}

static void
on_stream_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObRedirController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;

  stream = ob_stream_source_open_stream_finish (OB_STREAM_SOURCE (source), result, &error);
  if (stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ob_redir_controller_end_with_error (self, error);
      return;
    }
  if (g_cancellable_is_cancelled (self->cancellable) || self->window == NULL)
    return;

  self->session = ob_redir_session_new (stream, self->mode);
  ob_redir_session_set_credentials (self->session, ob_device_get_username (self->device),
                                    ob_device_get_password (self->device));
  g_signal_emit (self, signals[SESSION_CREATED], 0, self->session);
  ob_redir_session_start_async (self->session, self->cancellable, on_session_started, g_object_ref (self));
}

static void
ob_redir_controller_open_stream (ObRedirController *self)
{
  ob_redir_controller_set_connecting_title (self, _("Connecting…"));
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
  g_autoptr(ObRedirController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObAmtFeatures) features = NULL;
  g_autoptr(JsonNode) node = NULL;
  gboolean kvm = self->mode == OB_REDIR_SESSION_KVM;
  gboolean needs_consent;

  node = ob_amt_features_get_finish (OB_WSMAN_CLIENT (source), result, &features, &error);
  if (node == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The redirection port may still answer; its own errors say more. */
      g_debug ("Could not read the features of %s: %s", ob_device_get_guid (self->device), error->message);
      ob_redir_controller_open_stream (self);
      return;
    }

  if (!(kvm ? features->kvm : features->sol) || !features->redirection)
    {
      ob_redir_controller_end (self, _(self->text->disabled_title),
                               kvm && !features->kvm_available ? _("This device’s Intel AMT edition has no KVM.")
                                                               : _(self->text->disabled_body));
      return;
    }

  /* OptInRequired "KVM" asks before KVM only, "all" before any redirection. */
  needs_consent = features->user_consent == OB_AMT_USER_CONSENT_ALL ||
                  (kvm && features->user_consent != OB_AMT_USER_CONSENT_NONE);
  if (needs_consent &&
      features->opt_in_state != OB_AMT_OPT_IN_STATE_RECEIVED &&
      features->opt_in_state != OB_AMT_OPT_IN_STATE_IN_SESSION)
    {
      ob_redir_controller_start_opt_in (self);
      return;
    }

  ob_redir_controller_open_stream (self);
}

void
ob_redir_controller_connect (ObRedirController *self)
{
  ObWsmanClient *wsman;

  g_return_if_fail (OB_IS_REDIR_CONTROLLER (self));

  if (self->window == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ob_redir_controller_drop_session (self);
  ob_redir_controller_close_consent_dialog (self);
  self->tried_consent = FALSE;
  self->consent_cancelled = FALSE;
  self->local_close = FALSE;
  g_clear_pointer (&self->end_title, g_free);
  g_clear_pointer (&self->end_description, g_free);
  ob_redir_controller_set_consent_pending (self, FALSE);
  ob_redir_controller_set_state (self, OB_REDIR_CONTROLLER_STATE_CONNECTING);

  wsman = ob_device_get_wsman_client (self->device);
  if (wsman == NULL)
    {
      ob_redir_controller_open_stream (self);
      return;
    }
  ob_amt_features_get_async (wsman, self->cancellable, on_features, g_object_ref (self));
}

void
ob_redir_controller_disconnect (ObRedirController *self)
{
  g_return_if_fail (OB_IS_REDIR_CONTROLLER (self));

  if (self->state == OB_REDIR_CONTROLLER_STATE_ENDED)
    return;

  self->local_close = TRUE;
  ob_redir_controller_end (self, _("Disconnected"), _(self->text->closed_body));
}

void
ob_redir_controller_set_connected (ObRedirController *self)
{
  g_return_if_fail (OB_IS_REDIR_CONTROLLER (self));

  ob_redir_controller_set_state (self, OB_REDIR_CONTROLLER_STATE_CONNECTED);
  if (self->consent_pending)
    ob_redir_controller_show_consent_dialog (self);
}

/* User consent: the device shows a code on its screen; the person there
 * reads it out. */

static void
ob_redir_controller_consent_problem (ObRedirController *self,
                                     const char        *problem)
{
  gtk_label_set_label (self->consent_error, problem);
  gtk_widget_set_visible (GTK_WIDGET (self->consent_error), TRUE);
}

static void
on_consent_sent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObRedirController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint rv = 0;

  node = ob_amt_user_consent_send_finish (OB_WSMAN_CLIENT (source), result, &rv, &error);
  if (self->consent_dialog == NULL)
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (self->consent_send), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->consent_entry), TRUE);

  /* Before a session the dialog is the attempt: what leaves nothing to
   * wait for ends it.  In a session, the session's end says so. */
  if (node == NULL)
    {
      g_autofree char *reason = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (!consent_in_session (self))
        {
          ob_redir_controller_end_with_error (self, error);
          return;
        }
      reason = ob_describe_device_error (error);
      ob_redir_controller_consent_problem (self, reason);
      return;
    }

  if (rv != 0)
    {
      /* 2066 is AMT's "wrong code"; 2 means the request is gone. */
      if (rv == 2 && !consent_in_session (self))
        {
          ob_redir_controller_end (self, _("User consent expired"),
                                   _("The device no longer waits for a code. Reconnect to ask for a new one."));
          return;
        }
      ob_redir_controller_consent_problem (self, rv == 2 ? _("The device no longer waits for a code.")
                                                         : _("That is not the code on the device’s screen. Try again."));
      gtk_editable_select_region (GTK_EDITABLE (self->consent_entry), 0, -1);
      gtk_widget_grab_focus (GTK_WIDGET (self->consent_entry));
      return;
    }

  ob_redir_controller_close_consent_dialog (self);
  if (consent_in_session (self))
    ob_redir_controller_set_consent_pending (self, FALSE);
  ob_redir_controller_toast (self, _("User consent given"));
  if (!consent_in_session (self))
    ob_redir_controller_open_stream (self);
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
on_consent_send_clicked (ObRedirController *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->consent_entry));
  ObWsmanClient *wsman = ob_device_get_wsman_client (self->device);

  if (!consent_code_is_valid (text))
    {
      ob_redir_controller_consent_problem (self, _("The code is six digits."));
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
  g_autoptr(ObRedirController) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = ob_amt_user_consent_cancel_finish (OB_WSMAN_CLIENT (source), result, NULL, &error);
  if (node == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("CancelOptIn on %s failed: %s", ob_device_get_guid (self->device), error->message);

  /* A KVM session is ended by the device itself; make sure it is gone
   * here too. */
  if (self->state != OB_REDIR_CONTROLLER_STATE_ENDED)
    ob_redir_controller_end (self, _("User consent cancelled"), _(self->text->consent_cancelled_body));
}

static void
on_consent_cancel_clicked (ObRedirController *self)
{
  ObWsmanClient *wsman = ob_device_get_wsman_client (self->device);

  self->consent_cancelled = TRUE;
  ob_redir_controller_close_consent_dialog (self);
  if (wsman == NULL)
    {
      ob_redir_controller_end (self, _("User consent cancelled"), _(self->text->consent_cancelled_body));
      return;
    }
  /* Not the attempt's cancellable: ending the attempt must not stop it. */
  ob_amt_user_consent_cancel_async (wsman, NULL, on_consent_cancelled, g_object_ref (self));
}

static gboolean
on_consent_close_request (GtkWindow         *dialog,
                          ObRedirController *self)
{
  if (self->consent_dialog == dialog)
    on_consent_cancel_clicked (self);
  return FALSE;
}

static void
ob_redir_controller_close_consent_dialog (ObRedirController *self)
{
  GtkWindow *dialog = g_steal_pointer (&self->consent_dialog);

  self->consent_entry = NULL;
  self->consent_error = NULL;
  self->consent_send = NULL;
  if (dialog != NULL)
    gtk_window_destroy (dialog);
}

static void
ob_redir_controller_show_consent_dialog (ObRedirController *self)
{
  GtkWidget *dialog, *box, *title, *body, *buttons, *cancel, *send;
  AdwHeaderBar *header;
  GtkWidget *toolbar;

  if (self->consent_dialog != NULL || self->window == NULL)
    return;

  dialog = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (dialog), _("User Consent"));
  gtk_window_set_transient_for (GTK_WINDOW (dialog), self->window);
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

  body = gtk_label_new (_(self->text->consent_body));
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
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (GTK_WIDGET (self->consent_entry));
}

/* Power */

static void
ob_redir_controller_rebuild_power_menu (ObRedirController *self)
{
  g_menu_remove_all (self->power_menu);
  if (self->power_first_section != NULL)
    g_menu_append_section (self->power_menu, NULL, self->power_first_section);
  ob_power_actions_append_sections (self->power_menu, self->capabilities,
                                    self->power_action_name, self->power_with_ider);
}

static void
on_capabilities (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ObRedirController) self = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  node = ob_amt_power_capabilities_finish (OB_WSMAN_CLIENT (source), result, &error);
  if (node == NULL)
    return;

  g_clear_pointer (&self->capabilities, json_node_unref);
  self->capabilities = node;
  if (self->power_menu != NULL)
    ob_redir_controller_rebuild_power_menu (self);
}

void
ob_redir_controller_set_power_menu (ObRedirController *self,
                                    GtkMenuButton     *button,
                                    GMenuModel        *first_section,
                                    const char        *action_name,
                                    gboolean           with_ider)
{
  ObWsmanClient *wsman;

  g_return_if_fail (OB_IS_REDIR_CONTROLLER (self));
  g_return_if_fail (GTK_IS_MENU_BUTTON (button));
  g_return_if_fail (action_name != NULL);

  g_clear_object (&self->power_menu);
  self->power_menu = g_menu_new ();
  g_set_object (&self->power_first_section, first_section);
  g_free (self->power_action_name);
  self->power_action_name = g_strdup (action_name);
  self->power_with_ider = with_ider;
  ob_redir_controller_rebuild_power_menu (self);
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (self->power_menu));

  wsman = ob_device_get_wsman_client (self->device);
  if (wsman != NULL)
    ob_amt_power_capabilities_async (wsman, NULL, on_capabilities, g_object_ref (self));
}

typedef struct
{
  ObRedirController *self;
  int action;
} PowerRun;

static void
on_power_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PowerRun *run = user_data;
  g_autoptr(ObRedirController) self = run->self;
  g_autofree char *message = ob_power_action_run_finish_message (run->action, result);

  g_free (run);

  if (message != NULL)
    ob_redir_controller_toast (self, message);
}

static void
ob_redir_controller_run_power_action (ObRedirController *self,
                                      int                action,
                                      gboolean           use_sol)
{
  PowerRun *run = g_new0 (PowerRun, 1);

  run->self = g_object_ref (self);
  run->action = action;
  ob_power_action_run_with_sol_async (self->device, action, use_sol, NULL, on_power_done, run);
}

static void
on_power_confirm_response (AdwMessageDialog  *dialog,
                           const char        *response,
                           ObRedirController *self)
{
  int action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ob-action"));
  gboolean use_sol = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ob-use-sol"));

  if (g_strcmp0 (response, "run") == 0)
    ob_redir_controller_run_power_action (self, action, use_sol);
}

void
ob_redir_controller_power_action (ObRedirController *self,
                                  int                action,
                                  gboolean           use_sol)
{
  const ObPowerActionInfo *info;
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  g_return_if_fail (OB_IS_REDIR_CONTROLLER (self));

  info = ob_power_actions_lookup (action);
  if (info == NULL || self->window == NULL)
    return;

  if (info->confirm_body == NULL)
    {
      ob_redir_controller_run_power_action (self, action, use_sol);
      return;
    }

  /* Translators: a confirmation heading, e.g. "Power Off “lab-pc-3”?" */
  heading = g_strdup_printf (_("%s “%s”?"), _(info->label), ob_device_get_name (self->device));
  dialog = adw_message_dialog_new (self->window, heading, _(info->confirm_body));
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

/* Saving */

typedef struct
{
  ObRedirController *self;
  ObRedirContentsFunc contents;
  char *saved;
  char *failed;
} SaveRun;

static void
save_run_free (SaveRun *run)
{
  g_object_unref (run->self);
  g_free (run->saved);
  g_free (run->failed);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveRun, save_run_free)

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SaveRun) run = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      /* Translators: a toast after saving failed: what failed, then why,
       * e.g. "Could not save the log: Permission denied" */
      g_autofree char *message = g_strdup_printf (_("%s: %s"), run->failed, error->message);

      ob_redir_controller_toast (run->self, message);
      return;
    }
  ob_redir_controller_toast (run->self, run->saved);
}

static void
on_save_chooser_response (GtkNativeDialog *chooser,
                          int              response,
                          SaveRun         *run)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) contents = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);

  if (file != NULL && run->self->window != NULL)
    contents = run->contents (run->self->window);
  if (contents == NULL)
    {
      save_run_free (run);
      return;
    }

  g_file_replace_contents_bytes_async (file, contents, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       NULL, on_saved, run);
}

void
ob_redir_controller_save_as (ObRedirController   *self,
                             const char          *title,
                             const char          *infix,
                             const char          *extension,
                             GtkFileFilter       *filter,
                             ObRedirContentsFunc  contents,
                             const char          *saved,
                             const char          *failed)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *name = NULL;
  g_autoptr(GString) safe = g_string_new (NULL);
  GtkFileChooserNative *chooser;
  SaveRun *run;

  g_return_if_fail (OB_IS_REDIR_CONTROLLER (self));
  g_return_if_fail (GTK_IS_FILE_FILTER (filter));
  g_return_if_fail (contents != NULL);

  if (self->window == NULL)
    return;

  for (const char *p = ob_device_get_name (self->device); p != NULL && *p != '\0'; p++)
    g_string_append_c (safe, g_ascii_isalnum (*p) || *p == '.' || *p == '_' ? *p : '-');
  if (safe->len == 0)
    g_string_append (safe, "device");
  name = g_strdup_printf ("%s%s-%s.%s", safe->str, infix, stamp, extension);

  run = g_new0 (SaveRun, 1);
  run->self = g_object_ref (self);
  run->contents = contents;
  run->saved = g_strdup (saved);
  run->failed = g_strdup (failed);

  /* GtkFileDialog is GTK 4.10; the baseline is 4.8. */
  chooser = gtk_file_chooser_native_new (title, self->window, GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_chooser_response), run);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Getters */

ObRedirControllerState
ob_redir_controller_get_state (ObRedirController *self)
{
  g_return_val_if_fail (OB_IS_REDIR_CONTROLLER (self), OB_REDIR_CONTROLLER_STATE_ENDED);

  return self->state;
}

const char *
ob_redir_controller_get_end_title (ObRedirController *self)
{
  g_return_val_if_fail (OB_IS_REDIR_CONTROLLER (self), NULL);

  return self->state == OB_REDIR_CONTROLLER_STATE_ENDED ? self->end_title : NULL;
}

const char *
ob_redir_controller_get_end_description (ObRedirController *self)
{
  g_return_val_if_fail (OB_IS_REDIR_CONTROLLER (self), NULL);

  return self->state == OB_REDIR_CONTROLLER_STATE_ENDED ? self->end_description : NULL;
}

gboolean
ob_redir_controller_get_consent_pending (ObRedirController *self)
{
  g_return_val_if_fail (OB_IS_REDIR_CONTROLLER (self), FALSE);

  return self->consent_pending;
}

GtkWindow *
ob_redir_controller_get_consent_dialog (ObRedirController *self)
{
  g_return_val_if_fail (OB_IS_REDIR_CONTROLLER (self), NULL);

  return self->consent_dialog;
}

GCancellable *
ob_redir_controller_get_cancellable (ObRedirController *self)
{
  g_return_val_if_fail (OB_IS_REDIR_CONTROLLER (self), NULL);

  return self->cancellable;
}

/* GObject */

ObRedirController *
ob_redir_controller_new (GtkWindow          *window,
                         ObDevice           *device,
                         ObRedirSessionType  mode,
                         AdwToastOverlay    *toasts,
                         AdwStatusPage      *connecting_page)
{
  ObRedirController *self;

  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);
  g_return_val_if_fail (mode == OB_REDIR_SESSION_KVM || mode == OB_REDIR_SESSION_SOL, NULL);

  self = g_object_new (OB_TYPE_REDIR_CONTROLLER, NULL);
  self->window = window;
  self->toasts = toasts;
  self->connecting_page = connecting_page;
  self->device = g_object_ref (device);
  self->mode = mode;
  self->text = mode == OB_REDIR_SESSION_KVM ? &kvm_text : &sol_text;

  return self;
}

static void
ob_redir_controller_dispose (GObject *object)
{
  ObRedirController *self = OB_REDIR_CONTROLLER (object);

  g_cancellable_cancel (self->cancellable);
  ob_redir_controller_close_consent_dialog (self);
  if (self->session != NULL)
    {
      ob_redir_session_abort (self->session);
      g_clear_object (&self->session);
    }
  /* Callbacks still under way hold a reference, and find no window. */
  self->window = NULL;
  self->toasts = NULL;
  self->connecting_page = NULL;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->power_menu);
  g_clear_object (&self->power_first_section);
  g_clear_pointer (&self->capabilities, json_node_unref);

  G_OBJECT_CLASS (ob_redir_controller_parent_class)->dispose (object);
}

static void
ob_redir_controller_finalize (GObject *object)
{
  ObRedirController *self = OB_REDIR_CONTROLLER (object);

  g_clear_object (&self->device);
  g_free (self->end_title);
  g_free (self->end_description);
  g_free (self->power_action_name);

  G_OBJECT_CLASS (ob_redir_controller_parent_class)->finalize (object);
}

static void
ob_redir_controller_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ObRedirController *self = OB_REDIR_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_uint (value, self->state);
      break;
    case PROP_CONSENT_PENDING:
      g_value_set_boolean (value, self->consent_pending);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_redir_controller_class_init (ObRedirControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_redir_controller_dispose;
  object_class->finalize = ob_redir_controller_finalize;
  object_class->get_property = ob_redir_controller_get_property;

  properties[PROP_STATE] =
    g_param_spec_uint ("state", NULL, NULL,
                       OB_REDIR_CONTROLLER_STATE_CONNECTING, OB_REDIR_CONTROLLER_STATE_ENDED,
                       OB_REDIR_CONTROLLER_STATE_CONNECTING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CONSENT_PENDING] =
    g_param_spec_boolean ("consent-pending", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SESSION_CREATED] =
    g_signal_new ("session-created",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, OB_TYPE_REDIR_SESSION);
  signals[SESSION_STARTED] =
    g_signal_new ("session-started",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, OB_TYPE_REDIR_SESSION);
  signals[DROP_SESSION] =
    g_signal_new ("drop-session",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
ob_redir_controller_init (ObRedirController *self)
{
  self->state = OB_REDIR_CONTROLLER_STATE_CONNECTING;
}
