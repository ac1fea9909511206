/* ob-kvm-window.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"
#include "ob-kvm-canvas.h"

G_BEGIN_DECLS

typedef enum
{
  OB_KVM_WINDOW_STATE_CONNECTING,
  OB_KVM_WINDOW_STATE_CONNECTED,
  OB_KVM_WINDOW_STATE_ENDED,
} ObKvmWindowState;

/* ObKvmWindow: the remote desktop (KVM) of one device.
 *
 * Opening it starts a session at once: the device's features are read
 * (KVM off ends it with a message; user consent required starts the
 * consent code flow), a stream to the redirection port (16994 through
 * the device's transport: LAN, TLS, CIRA), the redirection session with
 * the stored credentials, then RFB into an ObKvmCanvas.  While consent is
 * pending the device streams its screen with the code on it and ignores
 * input; a dialog asks for the code (StartOptIn, SendOptInCode,
 * CancelOptIn).  The header bar has the device's power actions, special
 * keys, colour depth (live), scaling, a screenshot to PNG, fullscreen and
 * disconnect; a status line shows frames per second and bandwidth.  When
 * the session ends the window says why and offers to reconnect.
 *
 * Actions (on the window): kvm.disconnect, kvm.reconnect, kvm.screenshot,
 * kvm.fullscreen, kvm.send-keys ("s": keysym names joined with '+', e.g.
 * "Control_L+Alt_L+Delete"), kvm.power ("i"), kvm.color-depth ("s":
 * "16", "8", "grey"), kvm.scale-mode ("s": "fit", "one-to-one"),
 * kvm.keyboard-capture (boolean).  While the keyboard is captured and the
 * window has the focus, the desktop's own shortcuts (Alt+Tab, Super …)
 * are inhibited so they reach the device too.
 *
 * The session, user consent, end messages and power actions are run by
 * an ObRedirController shared with the serial console window. */

#define OB_TYPE_KVM_WINDOW (ob_kvm_window_get_type ())

G_DECLARE_FINAL_TYPE (ObKvmWindow, ob_kvm_window, OB, KVM_WINDOW, AdwWindow)

GtkWidget        *ob_kvm_window_new                 (ObDevice    *device);

ObDevice         *ob_kvm_window_get_device          (ObKvmWindow *self);
ObKvmCanvas      *ob_kvm_window_get_canvas          (ObKvmWindow *self);
/* The running session's client (NULL unless connected). */
ObRfbClient      *ob_kvm_window_get_client          (ObKvmWindow *self);
ObKvmWindowState  ob_kvm_window_get_state           (ObKvmWindow *self);
/* Why the session ended (NULL while connecting or connected). */
const char       *ob_kvm_window_get_end_message     (ObKvmWindow *self);
/* The status line ("25 fps · 310 kB/s · …"). */
const char       *ob_kvm_window_get_status_text     (ObKvmWindow *self);
/* Whether the device waits for the user consent code (dialog up). */
gboolean          ob_kvm_window_get_consent_pending (ObKvmWindow *self);
/* The consent dialog while it is up (for tests and accessibility). */
GtkWindow        *ob_kvm_window_get_consent_dialog  (ObKvmWindow *self);

/* Whether the window asked the desktop to leave its shortcuts to the
 * device (keyboard captured, window focused, input going out). */
gboolean          ob_kvm_window_get_shortcuts_inhibited (ObKvmWindow *self);

/* Start a new session (after one ended). */
void              ob_kvm_window_reconnect           (ObKvmWindow *self);
/* End the session. */
void              ob_kvm_window_disconnect          (ObKvmWindow *self);

/* Write what the canvas shows as PNG. */
gboolean          ob_kvm_window_save_screenshot     (ObKvmWindow *self,
                                                     GFile       *file,
                                                     GError     **error);

G_END_DECLS
