/* ob-sim-redir-server.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-sim-device.h"
#include "ob-sim-rfb-server.h"
#include "ob-sim-screen.h"

G_BEGIN_DECLS

/* ObSimRedirServer: the redirection service of one simulated device
 * (redirection-kvm-sol.md §1-3), on 16994 (plain), 16995 (TLS) and on any
 * stream handed to it (a CIRA channel to 16994).  The wire format is
 * ob-redir-message's.
 *
 * StartRedirectionSession for "SOL ", "KVMR" and "IDER": an unknown tag
 * gets TYPE_UNKNOWN; a feature the device has off (redirection listener,
 * SOL, IDER, KVM — its KVM state must be 2) gets UNSUPPORTED; a second
 * session of a type already open gets BUSY.  Then the authentication
 * query (offering digest with qop only), the digest challenge (the
 * device's "Digest:<32 hex>" realm, a fresh 32-hex nonce, qop "auth") and
 * the check of the response against the account (HA2 over
 * "POST:<uri>"); a wrong one gets a FAILURE reply and the connection
 * ends.  USER/PASS (type 1, as amtterm sends it) is taken too, though
 * not offered.
 *
 * KVM (0x40 -> 0x41, then RFB from ObSimRfbServer on the device's
 * ObSimScreen): with consent granted, or none needed, the session starts
 * and the device's consent state goes "in session"; with a consent code
 * pending the session streams the screen (the code shown on it) with the
 * viewer's input dropped until SendOptInCode succeeds, and ends if the
 * code is cancelled or expires; a viewer silent for the device's KVM
 * SessionTimeout (minutes) is let go; with consent needed and none asked for,
 * the device ends the connection after the 0x40, as AMT does.  The screen
 * follows the device: off, BIOS setup, boot text or desktop after the last
 * boot, the consent code while displayed.
 *
 * SOL (0x20 -> 0x21 echoing the settings, 0x29 with the power bit, then
 * 0x2A frames from an ObSimSolConsole; 0x28 typed bytes, 0x24 -> 0x25,
 * 0x27 and 0x2B accepted, heartbeats sent at the interval asked for,
 * 0x22 -> 0x23).  IDER: the open reply, keep-alives and close, no disk.
 * 0x12 ends any session.  Malformed input closes the connection, and so
 * does a connection with no session started within a minute.
 *
 * Signals: "session-started" (guint ObRedirSessionType), "session-ended"
 * (guint ObRedirSessionType).  Runs on the thread-default main context it
 * was created on. */

#define OB_TYPE_SIM_REDIR_SERVER (ob_sim_redir_server_get_type ())

G_DECLARE_FINAL_TYPE (ObSimRedirServer, ob_sim_redir_server, OB, SIM_REDIR_SERVER, GObject)

#define OB_SIM_REDIR_PORT     16994
#define OB_SIM_REDIR_TLS_PORT 16995

/* @username/@password NULL: the simulator's default AMT account. */
ObSimRedirServer *ob_sim_redir_server_new             (ObSimDevice      *device,
                                                       const char       *username,
                                                       const char       *password);
ObSimDevice      *ob_sim_redir_server_get_device      (ObSimRedirServer *self);
void              ob_sim_redir_server_set_password    (ObSimRedirServer *self,
                                                       const char       *password);

/* The KVM screen (made on first use; OB_SIM_SCREEN_DEFAULT_* unless
 * ob_sim_redir_server_set_screen_size() said otherwise). */
ObSimScreen      *ob_sim_redir_server_get_screen      (ObSimRedirServer *self);
void              ob_sim_redir_server_set_screen_size (ObSimRedirServer *self,
                                                       guint             width,
                                                       guint             height);
ObSimRfbServer   *ob_sim_redir_server_get_rfb_server  (ObSimRedirServer *self);

/* The TLS certificate for 16995 (with its key); set before listening with
 * TLS, or one is made. */
void              ob_sim_redir_server_set_certificate (ObSimRedirServer *self,
                                                       GTlsCertificate  *certificate);

/* Bind @address on @port (0 = any free port), plain or TLS; once each. */
gboolean          ob_sim_redir_server_listen          (ObSimRedirServer *self,
                                                       const char       *address,
                                                       guint             port,
                                                       gboolean          tls,
                                                       GError          **error);
guint             ob_sim_redir_server_get_port        (ObSimRedirServer *self);
guint             ob_sim_redir_server_get_tls_port    (ObSimRedirServer *self);

/* Serve the redirection protocol on @stream (a CIRA channel, a pipe). */
void              ob_sim_redir_server_serve_stream    (ObSimRedirServer *self,
                                                       GIOStream        *stream);

/* Stop listening and end every session. */
void              ob_sim_redir_server_stop            (ObSimRedirServer *self);

/* Connections open now, and sessions of a type past authentication. */
guint             ob_sim_redir_server_get_n_connections (ObSimRedirServer *self);
gboolean          ob_sim_redir_server_has_session     (ObSimRedirServer *self,
                                                       guint             session_type);

G_END_DECLS
