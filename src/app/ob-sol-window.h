/* ob-sol-window.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <vte/vte.h>

#include "ob-device.h"

G_BEGIN_DECLS

typedef enum
{
  OB_SOL_WINDOW_STATE_CONNECTING,
  OB_SOL_WINDOW_STATE_CONNECTED,
  OB_SOL_WINDOW_STATE_ENDED,
} ObSolWindowState;

/* ObSolWindow: the serial console (Serial-over-LAN) of one device.
 *
 * Opening it starts a session at once: the device's features are read
 * (SOL or the redirection listener off ends it with a message), a stream
 * to the redirection port (16994 through the device's transport: LAN,
 * TLS, CIRA), the SOL session with the stored credentials.  A device that
 * asks for user consent before any redirection gets StartOptIn and a
 * dialog for the code on its screen (SendOptInCode; a wrong code asks
 * again; Cancel sends CancelOptIn); the session, consent, end messages
 * and power actions are run by an ObRedirController shared with the
 * remote desktop window.  What the host
 * writes to its serial port is shown in a VteTerminal (UTF-8, with bytes
 * that are not UTF-8 read as code page 437, as BIOS screens draw their
 * boxes); what is typed or pasted goes to the host.  Everything received
 * is kept for "Save Log" (the bytes as sent, escape sequences included).
 * The header bar has the device's power actions and "Power On to BIOS"
 * (BIOS setup with the console redirected to SOL; a reset to it when the
 * host is on), which run while the terminal stays connected.  When the
 * session ends the window says why and offers to reconnect.
 *
 * Actions (on the window): sol.disconnect, sol.reconnect, sol.copy,
 * sol.paste, sol.select-all, sol.clear, sol.save-log, sol.power ("i"),
 * sol.power-to-bios. */

#define OB_TYPE_SOL_WINDOW (ob_sol_window_get_type ())

G_DECLARE_FINAL_TYPE (ObSolWindow, ob_sol_window, OB, SOL_WINDOW, AdwWindow)

GtkWidget        *ob_sol_window_new               (ObDevice     *device);

ObDevice         *ob_sol_window_get_device        (ObSolWindow  *self);
VteTerminal      *ob_sol_window_get_terminal      (ObSolWindow  *self);
ObSolWindowState  ob_sol_window_get_state         (ObSolWindow  *self);
/* Why the session ended (NULL while connecting or connected). */
const char       *ob_sol_window_get_end_message   (ObSolWindow  *self);
/* The status line ("Connected · host on · 2.1 kB received"). */
const char       *ob_sol_window_get_status_text   (ObSolWindow  *self);
/* Whether the device last said its host is powered on (SOL status). */
gboolean          ob_sol_window_get_host_powered  (ObSolWindow  *self);

/* The user consent code dialog while it is up (an entry for the code, an
 * inline error, "_Cancel" and "C_onfirm" buttons). */
GtkWindow        *ob_sol_window_get_consent_dialog (ObSolWindow *self);

/* Everything received from the host since the window opened. */
GBytes           *ob_sol_window_dup_log           (ObSolWindow  *self);
gboolean          ob_sol_window_save_log          (ObSolWindow  *self,
                                                   GFile        *file,
                                                   GError      **error);

/* Sends @length bytes to the host as if typed (FALSE if not connected). */
gboolean          ob_sol_window_send              (ObSolWindow  *self,
                                                   const char   *data,
                                                   gssize        length);

/* Start a new session (after one ended). */
void              ob_sol_window_reconnect         (ObSolWindow  *self);
/* End the session. */
void              ob_sol_window_disconnect        (ObSolWindow  *self);

G_END_DECLS
