/* ob-apf-session.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-apf-channel.h"
#include "ob-apf-error.h"
#include "ob-apf-message.h"
#include "ob-poller.h"

G_BEGIN_DECLS

#define OB_TYPE_APF_SESSION (ob_apf_session_get_type ())

G_DECLARE_FINAL_TYPE (ObApfSession, ob_apf_session, OB, APF_SESSION, GObject)

/* ObApfSession: one CIRA connection speaking APF over a GIOStream (the TLS
 * connection the MPS listener accepted, or the one a simulated device
 * opened).  Runs on the thread-default main context it was created on.
 *
 * Server role (the MPS, mps-cira-apf.md §2.4, §2.7): PROTOCOLVERSION gives
 * the GUID ("protocol-version"; a handler may close the session, as the
 * reference does for an unknown GUID); auth@ / pfwd@ SERVICE_REQUESTs are
 * accepted; USERAUTH_REQUEST goes to the authenticator (may answer later)
 * and gets USERAUTH_SUCCESS or USERAUTH_FAILURE (the session stays open
 * after a failure; after max-auth-attempts failures it closes); messages
 * behind a pending authentication wait for its answer, in order;
 * tcpip-forward is recorded and answered with REQUEST_SUCCESS(port), and
 * port 5900 also gets KEEPALIVE_OPTIONS_REQUEST(keepalive-interval, 0);
 * KEEPALIVE_REQUEST gets its cookie back and updates last-seen; channels to
 * forwarded ports open with ob_apf_session_open_channel_async() (ids from
 * 4 up, originator 1.2.3.4); CHANNEL_OPEN from the device is refused
 * (UNKNOWN_CHANNEL_TYPE).  Never sends DISCONNECT by itself.
 *
 * Client role (the device, for the simulator): PROTOCOLVERSION with the
 * GUID in SMBIOS order, auth@, USERAUTH_REQUEST, pfwd@, tcpip-forward for
 * each port (AMT's order 16993, 16992, 664, 623, 16995, 16994, 5900 by
 * default), one at a time; keepalives at the interval the server asks
 * for; CHANNEL_OPEN for a forwarded port is accepted and the channel is
 * handed to the channel handler (refused when there is none or the port is
 * not forwarded).  USERAUTH_FAILURE closes the session (reason
 * AUTH_FAILED); the owner reconnects as it sees fit.
 *
 * Both roles: any traffic from the peer resets the idle timer
 * (idle-timeout-ms, default 90 s) and its expiry closes; a protocol error closes without a
 * DISCONNECT (as the reference); DISCONNECT from the peer closes.  The
 * stream must be pollable (as GSocketConnection and GTlsConnection are) or
 * support async I/O; an idle session holds no read buffer.
 *
 * Signals:
 *   "protocol-version" (const char *guid): server role, PROTOCOLVERSION in.
 *   "authenticated" (): USERAUTH_SUCCESS sent (server) / received (client).
 *   "port-forwarded" (guint port): server: a tcpip-forward recorded;
 *       client: the server accepted one.
 *   "port-cancelled" (guint port): server role, cancel-tcpip-forward.
 *   "closed" (ObApfCloseReason reason, GError *error): exactly once.
 * Properties (notify): "authenticated", "closed", "last-seen",
 * "keepalive-interval", "idle-timeout-ms", "window-size"; construct-only
 * "stream", "role", "guid". */

typedef enum
{
  OB_APF_SESSION_ROLE_SERVER,
  OB_APF_SESSION_ROLE_CLIENT,
} ObApfSessionRole;

#define OB_TYPE_APF_SESSION_ROLE (ob_apf_session_role_get_type ())
GType ob_apf_session_role_get_type (void) G_GNUC_CONST;

typedef enum
{
  OB_APF_CLOSE_REASON_NONE,              /* still open */
  OB_APF_CLOSE_REASON_LOCAL,             /* ob_apf_session_close()/disconnect() */
  OB_APF_CLOSE_REASON_REPLACED,          /* the owner: the device reconnected */
  OB_APF_CLOSE_REASON_REJECTED,          /* the owner: unknown GUID, throttled, … */
  OB_APF_CLOSE_REASON_PEER_CLOSED,       /* the stream ended */
  OB_APF_CLOSE_REASON_PEER_DISCONNECT,   /* APF DISCONNECT received */
  OB_APF_CLOSE_REASON_IDLE_TIMEOUT,
  OB_APF_CLOSE_REASON_HANDSHAKE_TIMEOUT, /* server: not authenticated in time */
  OB_APF_CLOSE_REASON_PROTOCOL_ERROR,
  OB_APF_CLOSE_REASON_IO_ERROR,
  OB_APF_CLOSE_REASON_AUTH_FAILED,       /* client: USERAUTH_FAILURE; server: too many failures */
} ObApfCloseReason;

#define OB_TYPE_APF_CLOSE_REASON (ob_apf_close_reason_get_type ())
GType ob_apf_close_reason_get_type (void) G_GNUC_CONST;

const char *ob_apf_close_reason_to_string (ObApfCloseReason reason);

#define OB_APF_DEFAULT_KEEPALIVE_INTERVAL   30      /* seconds */
#define OB_APF_DEFAULT_IDLE_TIMEOUT_MS      90000
#define OB_APF_DEFAULT_HANDSHAKE_TIMEOUT_MS 30000
#define OB_APF_DEFAULT_OPEN_TIMEOUT_MS      20000
#define OB_APF_DEFAULT_MAX_CHANNELS         32
#define OB_APF_DEFAULT_MAX_CHANNEL_BUFFER   (256 * 1024)
#define OB_APF_DEFAULT_MAX_AUTH_ATTEMPTS    5

/* ---- server role: authentication ------------------------------------ */

/* One USERAUTH_REQUEST waiting for an answer.  The authenticator must call
 * ob_apf_auth_request_complete() exactly once (now or later); that frees
 * the request.  Answering after the session closed is harmless. */
typedef struct _ObApfAuthRequest ObApfAuthRequest;

ObApfSession *ob_apf_auth_request_get_session  (ObApfAuthRequest *request);
/* The GUID from PROTOCOLVERSION. */
const char   *ob_apf_auth_request_get_guid     (ObApfAuthRequest *request);
const char   *ob_apf_auth_request_get_username (ObApfAuthRequest *request);
/* Never log it. */
const char   *ob_apf_auth_request_get_password (ObApfAuthRequest *request);
void          ob_apf_auth_request_complete     (ObApfAuthRequest *request,
                                                gboolean          allowed);

typedef void (*ObApfAuthenticateFunc) (ObApfSession     *session,
                                       ObApfAuthRequest *request,
                                       gpointer          user_data);

/* Without an authenticator every request is refused.  A request before
 * PROTOCOLVERSION, or with a method other than "password", is refused
 * without asking. */
void          ob_apf_session_set_authenticator   (ObApfSession          *self,
                                                  ObApfAuthenticateFunc  func,
                                                  gpointer               user_data,
                                                  GDestroyNotify         destroy);

/* ---- client role: channels the server opens -------------------------- */

/* @channel is open; take a reference to keep it (dropping it closes it). */
typedef void (*ObApfChannelFunc) (ObApfSession *session,
                                  ObApfChannel *channel,
                                  gpointer      user_data);

void          ob_apf_session_set_channel_handler (ObApfSession     *self,
                                                  ObApfChannelFunc  func,
                                                  gpointer          user_data,
                                                  GDestroyNotify    destroy);

/* ---- construction ----------------------------------------------------- */

ObApfSession *ob_apf_session_new_server          (GIOStream        *stream);
/* @guid: the device's canonical GUID; @username/@password: its CIRA
 * credentials (each at most 2048 bytes). */
ObApfSession *ob_apf_session_new_client          (GIOStream        *stream,
                                                  const char       *guid,
                                                  const char       *username,
                                                  const char       *password);
/* Client role, before start: the ports to forward, in order. */
void          ob_apf_session_set_forward_ports   (ObApfSession     *self,
                                                  const guint      *ports,
                                                  gsize             n_ports);
/* Client role, before start (default OB_APF_TRIGGER_PERIODIC). */
void          ob_apf_session_set_trigger_reason  (ObApfSession     *self,
                                                  guint32           trigger_reason);

/* Before start: watch @fd (the socket under the session's stream, e.g. a
 * TLS connection over it) with @poller instead of a GSource per session
 * (a listener with thousands of sessions), and run the session's timers
 * and its channels' waits on it.  Without one they run on the poller
 * shared by the session's context (ob_poller_get_for_context()): a
 * session never has a timer GSource of its own.  The stream must be
 * pollable and the poller made for the session's context.  The session
 * stops watching before it closes its stream; whoever closes the socket
 * otherwise must close the session first. */
void          ob_apf_session_set_poller          (ObApfSession     *self,
                                                  ObPoller         *poller,
                                                  int               fd);

/* Start reading (and, client role, the handshake).  Settings below may be
 * changed before or after. */
void          ob_apf_session_start               (ObApfSession     *self);

/* Close now: no DISCONNECT, pending output dropped, channels fail.  Emits
 * "closed" with @reason unless already closed. */
void          ob_apf_session_close               (ObApfSession     *self,
                                                  ObApfCloseReason  reason);
/* Send DISCONNECT(@reason), let it go out, then close (reason LOCAL). */
void          ob_apf_session_disconnect          (ObApfSession     *self,
                                                  guint32           reason);

/* ---- channels ----------------------------------------------------------- */

/* Server role, authenticated: open a forwarded-tcpip channel to @port
 * (16992 for WS-Man, 16994 for redirection).  Errors:
 * OB_APF_ERROR_OPEN_FAILED (the device refused; the message names the
 * reason), OB_APF_ERROR_TOO_MANY_CHANNELS, OB_APF_ERROR_NOT_AUTHENTICATED,
 * OB_APF_ERROR_CLOSED (now or while waiting), OB_APF_ERROR_TIMEOUT (no
 * answer within the open timeout), G_IO_ERROR_CANCELLED.  The session also
 * implements ObStreamSource with this call. */
void          ob_apf_session_open_channel_async  (ObApfSession        *self,
                                                  guint                port,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
ObApfChannel *ob_apf_session_open_channel_finish (ObApfSession        *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
/* Channels open, opening or still flushing before their CHANNEL_CLOSE. */
guint         ob_apf_session_get_n_channels      (ObApfSession     *self);

/* ---- state -------------------------------------------------------------- */

ObApfSessionRole  ob_apf_session_get_role           (ObApfSession *self);
GIOStream        *ob_apf_session_get_stream         (ObApfSession *self);
/* Server: from PROTOCOLVERSION (NULL before); client: its own. */
const char       *ob_apf_session_get_guid           (ObApfSession *self);
/* Server: the user that authenticated (NULL before); client: its own. */
const char       *ob_apf_session_get_username       (ObApfSession *self);
/* From PROTOCOLVERSION (server role; 0 before). */
guint32           ob_apf_session_get_protocol_major (ObApfSession *self);
guint32           ob_apf_session_get_protocol_minor (ObApfSession *self);
guint32           ob_apf_session_get_trigger_reason (ObApfSession *self);
gboolean          ob_apf_session_is_authenticated   (ObApfSession *self);
gboolean          ob_apf_session_is_closed          (ObApfSession *self);
ObApfCloseReason  ob_apf_session_get_close_reason   (ObApfSession *self);
/* Why it closed (NULL while open). */
const GError     *ob_apf_session_get_close_error    (ObApfSession *self);
/* The reason code of a DISCONNECT from the peer (0 if none came). */
guint32           ob_apf_session_get_peer_disconnect_reason (ObApfSession *self);
/* g_get_real_time() of the last keepalive (server: request received while
 * authenticated; client: matching reply received); 0 = never. */
gint64            ob_apf_session_get_last_seen      (ObApfSession *self);
/* Keepalives answered (server) / answers matching our cookie (client). */
guint             ob_apf_session_get_n_keepalives   (ObApfSession *self);

/* Server: ports the device forwards; client: ports the server accepted.
 * In the order they came; free with g_free(). */
guint            *ob_apf_session_dup_forwarded_ports (ObApfSession *self,
                                                      gsize        *n_ports);
gboolean          ob_apf_session_has_forwarded_port  (ObApfSession *self,
                                                      guint         port);

/* ---- settings ----------------------------------------------------------- */

/* Server: the interval sent in KEEPALIVE_OPTIONS_REQUEST (seconds, default
 * 30).  Client: the interval it sends keepalives at (default 30 until the
 * server asks for another; 0 = none).  Property "keepalive-interval". */
void              ob_apf_session_set_keepalive_interval (ObApfSession *self,
                                                         guint         seconds);
guint             ob_apf_session_get_keepalive_interval (ObApfSession *self);
/* 0 = never.  Property "idle-timeout-ms". */
void              ob_apf_session_set_idle_timeout_ms    (ObApfSession *self,
                                                         guint         timeout_ms);
guint             ob_apf_session_get_idle_timeout_ms    (ObApfSession *self);
/* Server: close unless authenticated within this time (0 = never). */
void              ob_apf_session_set_handshake_timeout_ms (ObApfSession *self,
                                                           guint         timeout_ms);
/* Our receive window for new channels (32 KiB–1 MiB, else the default).
 * Property "window-size". */
void              ob_apf_session_set_window_size        (ObApfSession *self,
                                                         guint32       window_size);
guint32           ob_apf_session_get_window_size        (ObApfSession *self);
/* Channels at once (opening, open, closing). */
void              ob_apf_session_set_max_channels       (ObApfSession *self,
                                                         guint         max_channels);
/* Bytes a channel buffers for sending before writes wait, and the most it
 * holds for the reader when the peer ignores our window (never less than
 * the window). */
void              ob_apf_session_set_max_channel_buffer (ObApfSession *self,
                                                         gsize         max_bytes);
/* Server: how long to wait for OPEN_CONFIRMATION/FAILURE. */
void              ob_apf_session_set_open_timeout_ms    (ObApfSession *self,
                                                         guint         timeout_ms);
/* Server: failed USERAUTH_REQUESTs before the session closes (0 = no
 * limit, as the reference). */
void              ob_apf_session_set_max_auth_attempts  (ObApfSession *self,
                                                         guint         max_attempts);

G_END_DECLS
