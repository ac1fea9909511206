/* ob-redir-controller.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"
#include "ob-redir-session.h"

G_BEGIN_DECLS

typedef enum
{
  OB_REDIR_CONTROLLER_STATE_CONNECTING,
  OB_REDIR_CONTROLLER_STATE_CONNECTED,
  OB_REDIR_CONTROLLER_STATE_ENDED,
} ObRedirControllerState;

/* ObRedirController: what the remote desktop (KVM) and serial console
 * (SOL) windows share, so each window keeps only its canvas or terminal.
 *
 * It runs one redirection attempt after another for its window: the
 * device's features (redirection off ends the attempt with a message),
 * user consent (StartOptIn, a dialog for the 6-digit code on the device's
 * screen, SendOptInCode with a wrong code asked again, Cancel sends
 * CancelOptIn), a stream to the redirection port through the device's
 * transport and the redirection session with the stored credentials.  A
 * KVM session starts while consent is pending (the device draws the code
 * on the screen it streams); SOL is refused until consent is given.  When
 * a session ends it words why (asking the device when it closed the
 * session itself) and the window shows that with Reconnect.  It also
 * builds the window's power menu and runs power actions from it, asking
 * first where the action needs it and reporting in a toast, and saves
 * what the window shows (a screenshot, the console log) where the user
 * chooses.
 *
 * The window listens to:
 *   ::session-created (ObRedirSession *) before the session starts (to
 *     connect to data that may come with the start reply);
 *   ::session-started (ObRedirSession *) once started: the window takes
 *     it over (a reference, or an RFB client made from it) and calls
 *     ob_redir_controller_set_connected() when it is ready;
 *   ::drop-session when the window must close what it holds (a new
 *     attempt, the end, the window going away);
 *   notify::state and notify::consent-pending.
 * Its running session's end goes to ob_redir_controller_session_closed().
 *
 * The window owns the controller and runs g_object_run_dispose() on it in
 * its own dispose: callbacks still under way then find no window. */

#define OB_TYPE_REDIR_CONTROLLER (ob_redir_controller_get_type ())

G_DECLARE_FINAL_TYPE (ObRedirController, ob_redir_controller, OB, REDIR_CONTROLLER, GObject)

/* @mode: OB_REDIR_SESSION_KVM or OB_REDIR_SESSION_SOL.  @toasts and
 * @connecting_page are the window's (not referenced). */
ObRedirController      *ob_redir_controller_new                 (GtkWindow          *window,
                                                                 ObDevice           *device,
                                                                 ObRedirSessionType  mode,
                                                                 AdwToastOverlay    *toasts,
                                                                 AdwStatusPage      *connecting_page);

ObRedirControllerState  ob_redir_controller_get_state           (ObRedirController  *self);
/* Why the last attempt ended (NULL unless ended); the description may
 * be NULL. */
const char             *ob_redir_controller_get_end_title       (ObRedirController  *self);
const char             *ob_redir_controller_get_end_description (ObRedirController  *self);
/* Whether a running KVM session waits for the consent code. */
gboolean                ob_redir_controller_get_consent_pending (ObRedirController  *self);
/* The consent code dialog while it is up. */
GtkWindow              *ob_redir_controller_get_consent_dialog  (ObRedirController  *self);
/* Cancelled when the attempt ends or a new one starts. */
GCancellable           *ob_redir_controller_get_cancellable     (ObRedirController  *self);

/* Starts a new attempt (ending the one under way, if any). */
void                    ob_redir_controller_connect             (ObRedirController  *self);
/* Ends the attempt as the user asked ("Disconnected"). */
void                    ob_redir_controller_disconnect          (ObRedirController  *self);
/* The window's session is up (after ::session-started). */
void                    ob_redir_controller_set_connected       (ObRedirController  *self);
/* The window could not set its session up. */
void                    ob_redir_controller_end_with_error      (ObRedirController  *self,
                                                                 const GError       *error);
/* The window's running session closed; @error NULL for a clean close. */
void                    ob_redir_controller_session_closed      (ObRedirController  *self,
                                                                 const GError       *error);

/* Gives @button a power menu: @first_section (may be NULL), then the
 * device's power actions that its capabilities allow, each activating
 * @action_name with the action number; IDE-R boots when @with_ider. */
void                    ob_redir_controller_set_power_menu      (ObRedirController  *self,
                                                                 GtkMenuButton      *button,
                                                                 GMenuModel         *first_section,
                                                                 const char         *action_name,
                                                                 gboolean            with_ider);
/* Runs power action @action (Open AMT's number) on the device, after a
 * confirmation where the action needs one; @use_sol redirects a boot
 * action's console to SOL. */
void                    ob_redir_controller_power_action        (ObRedirController  *self,
                                                                 int                 action,
                                                                 gboolean            use_sol);

/* What ob_redir_controller_save_as() writes, asked for once a file was
 * chosen; @window is the controller's window.  NULL: nothing to save. */
typedef GBytes *(*ObRedirContentsFunc) (GtkWindow *window);

/* "Save As" over the window: a file chooser with @filter, proposing
 * "<device name><infix>-<date and time>.<extension>", then what @contents
 * gives written there; a toast says @saved, or @failed and why. */
void                    ob_redir_controller_save_as             (ObRedirController  *self,
                                                                 const char         *title,
                                                                 const char         *infix,
                                                                 const char         *extension,
                                                                 GtkFileFilter      *filter,
                                                                 ObRedirContentsFunc contents,
                                                                 const char         *saved,
                                                                 const char         *failed);

G_END_DECLS
