/* ob-redir-session.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-redir-message.h"
#include "ob-rfb-client.h"

G_BEGIN_DECLS

/* One AMT redirection session (console side) over any GIOStream to the
 * device's redirection port: TCP 16994, TLS 16995, an APF channel to 16994
 * inside CIRA, a relay WebSocket, a pipe in tests.
 *
 * ob_redir_session_start_async() runs the whole opening:
 *   StartRedirectionSession (SOL / KVM / IDER) -> status (BUSY, disabled, …
 *   become OB_REDIR_ERROR_* with a message for people),
 *   AuthenticateSession query -> the device's methods,
 *   digest with qop (preferred), digest without qop, or user/password:
 *   hello -> challenge (realm, nonce) -> response computed from the stored
 *   user and password (MD5, method POST, uri /RedirectionService,
 *   nc 00000002, random cnonce) -> result (wrong password:
 *   OB_REDIR_ERROR_AUTH_FAILED),
 *   then the session type's own start: KVM 0x40 -> 0x41, SOL 0x20 -> 0x21,
 *   IDER open -> open reply.
 * If the device ends a KVM session between authentication and its start
 * reply, the error is OB_REDIR_ERROR_CONSENT_REQUIRED (what firmware does
 * while user consent is pending).  A password of NULL sends an empty one:
 * enough behind an MPS relay, which replaces the digest answer.
 *
 * KVM: after start, every byte on the stream is RFB.  Hand it to a viewer
 * with ob_redir_session_create_rfb_client() (or steal the stream and the
 * bytes already read with ob_redir_session_steal_stream()); the session
 * object is done then.
 *
 * SOL: data both ways (ob_redir_session_sol_send(), ::sol-data), the
 * device's control/status bits (::sol-controls), keep-alive pings every
 * heartbeat interval (any silence longer than four intervals ends the
 * session with OB_REDIR_ERROR_TIMEOUT), heartbeats echoed.
 * ob_redir_session_close_async() ends it cleanly (EndSOL, its reply,
 * EndRedirectionSession, close).
 *
 * ::closed (error) is emitted once when a started session ends: NULL after
 * a local close, else why (device closed, protocol error, timeout).  The
 * pending read holds a reference: close the session when done. */

#define OB_TYPE_REDIR_SESSION (ob_redir_session_get_type ())

G_DECLARE_FINAL_TYPE (ObRedirSession, ob_redir_session, OB, REDIR_SESSION, GObject)

ObRedirSession     *ob_redir_session_new                (GIOStream                *stream,
                                                         ObRedirSessionType        type);
/* Before start.  The password is kept in memory only for the handshake
 * (wiped when the session is started or finalized). */
void                ob_redir_session_set_credentials    (ObRedirSession           *self,
                                                         const char               *username,
                                                         const char               *password);
/* SOL settings to ask for (default: ob_redir_sol_settings_init_default). */
void                ob_redir_session_set_sol_settings   (ObRedirSession           *self,
                                                         const ObRedirSolSettings *settings);
/* Time allowed for the whole opening (default 30 s). */
void                ob_redir_session_set_start_timeout  (ObRedirSession           *self,
                                                         guint                     seconds);

void                ob_redir_session_start_async        (ObRedirSession           *self,
                                                         GCancellable             *cancellable,
                                                         GAsyncReadyCallback       callback,
                                                         gpointer                  user_data);
gboolean            ob_redir_session_start_finish       (ObRedirSession           *self,
                                                         GAsyncResult             *result,
                                                         GError                  **error);

ObRedirSessionType  ob_redir_session_get_session_type   (ObRedirSession           *self);
gboolean            ob_redir_session_is_started         (ObRedirSession           *self);
/* From StartRedirectionSessionReply (0 before). */
void                ob_redir_session_get_versions       (ObRedirSession           *self,
                                                         guint                    *protocol_major,
                                                         guint                    *protocol_minor,
                                                         guint                    *firmware_major,
                                                         guint                    *firmware_minor);
/* The auth type that succeeded (OB_REDIR_AUTH_DIGEST, …). */
guint               ob_redir_session_get_auth_type      (ObRedirSession           *self);

/* KVM, after start: the stream (the session lets go of it) and the bytes
 * already read that belong to RFB (maybe empty, never NULL). */
GIOStream          *ob_redir_session_steal_stream       (ObRedirSession           *self,
                                                         GBytes                  **leftover);
/* KVM, after start: an ObRfbClient on the stream (not yet connected). */
ObRfbClient        *ob_redir_session_create_rfb_client  (ObRedirSession           *self);

/* SOL, after start: send keystrokes/bytes to the host's serial port (split
 * into frames of the negotiated buffer size).  FALSE if not running. */
gboolean            ob_redir_session_sol_send           (ObRedirSession           *self,
                                                         const guint8             *data,
                                                         gsize                     length,
                                                         GError                  **error);
/* SOL: the last control and status bits from the device (0x29). */
guint8              ob_redir_session_get_sol_status     (ObRedirSession           *self);

/* End the session: SOL/IDER say goodbye first (waiting at most 2 s for
 * the reply), then EndRedirectionSession and close the stream.  Completes
 * with TRUE also when the device was already gone. */
void                ob_redir_session_close_async        (ObRedirSession           *self,
                                                         GCancellable             *cancellable,
                                                         GAsyncReadyCallback       callback,
                                                         gpointer                  user_data);
gboolean            ob_redir_session_close_finish       (ObRedirSession           *self,
                                                         GAsyncResult             *result,
                                                         GError                  **error);
/* Close the stream now, without goodbye. */
void                ob_redir_session_abort              (ObRedirSession           *self);

G_END_DECLS
