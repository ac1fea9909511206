/* ob-mps-server.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-apf-session.h"
#include "ob-cert-authority.h"
#include "ob-config.h"
#include "ob-device-registry.h"

G_BEGIN_DECLS

#define OB_MPS_ERROR (ob_mps_error_quark ())

/* Errors of the CIRA listener (starting it; its status shows the message
 * as "last-error"). */
typedef enum
{
  /* Another program listens on the port. */
  OB_MPS_ERROR_PORT_IN_USE = 1,
  /* The system does not let us listen there (a port below 1024, an
   * address that is not ours). */
  OB_MPS_ERROR_CANNOT_LISTEN,
  /* The certificate authority has no server certificate yet, or GIO has
   * no TLS backend. */
  OB_MPS_ERROR_NO_CERTIFICATE,
  /* start called twice, or after stop. */
  OB_MPS_ERROR_ALREADY_STARTED,
} ObMpsError;

GQuark ob_mps_error_quark (void);

/* Defaults of the protection settings (properties of the same names). */
#define OB_MPS_SERVER_DEFAULT_HANDSHAKE_TIMEOUT_MS   15000
#define OB_MPS_SERVER_DEFAULT_MAX_CONNECTIONS        20000
#define OB_MPS_SERVER_DEFAULT_MAX_PENDING            1024
#define OB_MPS_SERVER_DEFAULT_MAX_PENDING_PER_ADDRESS 64
#define OB_MPS_SERVER_DEFAULT_MAX_HANDSHAKES         256
#define OB_MPS_SERVER_DEFAULT_ADDRESS_RATE           50
#define OB_MPS_SERVER_DEFAULT_ADDRESS_BURST          200
/* The store's last-seen of a connected device is only for after a crash:
 * the REST API and the window read the live session, and a disconnect
 * (a stop included) writes it anyway.  Written every 30 s, with the
 * keepalives, it cost a quarter of the listener's keepalive CPU. */
#define OB_MPS_SERVER_DEFAULT_LAST_SEEN_INTERVAL     300
#define OB_MPS_SERVER_DEFAULT_ACTIVITY_INTERVAL_MS   60000

/* What the plain-text answer to an HTTP request on the CIRA port says. */
#define OB_MPS_SERVER_HTTP_ANSWER \
  "This is Outband's CIRA port; Intel AMT devices connect here over TLS.\n"

#define OB_TYPE_MPS_SERVER (ob_mps_server_get_type ())

G_DECLARE_FINAL_TYPE (ObMpsServer, ob_mps_server, OB, MPS_SERVER, GSocketService)

/* ObMpsServer: the CIRA listener (mps-cira-apf.md §1–2).  Devices connect
 * over TLS with the certificate authority's server certificate (reloaded
 * when the authority's ::changed fires) and speak APF; each accepted
 * connection becomes an ObApfSession in the server role.  Runs on the
 * thread-default main context it was created on.
 *
 * Before TLS the first bytes are looked at without reading them: a TLS
 * record goes on to the handshake, "GET " or "HEAD " gets a short plain
 * answer (OB_MPS_SERVER_HTTP_ANSWER) and is closed, anything else is
 * closed.  A connection that sends nothing holds no thread and no TLS
 * state, only its socket and a timer.
 *
 * Who may connect: the GUID from PROTOCOLVERSION must be a CIRA device in
 * the store (otherwise the connection is closed without an APF message, as
 * the reference does; a device managed over the LAN counts as unknown)
 * unless some CIRA config has auto-enroll on; the CIRA
 * user must be the device's mps_username and the password the device's
 * OB_SECRET_KIND_MPS_PASSWORD in the keyring (compared in constant time).
 * With auto-enroll, a new device presenting an enrolling config's user and
 * password (OB_SECRET_OWNER_CIRA_CONFIG) is stored (transport cira, the
 * GUID as its name) with that password.  Anything else gets
 * USERAUTH_FAILURE.  Refusals go to the activity log (actor "mps"), at
 * most one entry per GUID and address per activity-interval-ms, and at
 * most 30 a minute in all.  Store and keyring reads run in worker threads;
 * store writes (connection state, last seen, the log) go through one
 * writer thread, in order, batched into transactions.
 *
 * A device that authenticates appears in the registry (transport cira,
 * transport source its ObApfSession, AMT credentials "admin" + its
 * OB_SECRET_KIND_AMT_PASSWORD); it is refreshed once it forwarded 16992.
 * A reconnecting device replaces its old session (closed with REPLACED);
 * an old session's close never touches the new one.  Connection state,
 * last connected, last seen (keepalives, written at most once per
 * last-seen-interval) and last disconnected are stored.  Starting marks
 * every device disconnected first.
 *
 * Protection: handshake-timeout-ms bounds the time from accept to APF
 * authentication (TLS included); each address gets a token bucket
 * (address-rate connections a second, address-burst at once) and at most
 * max-pending-per-address unauthenticated connections; at most
 * max-pending unauthenticated connections in all (a new one pushes out the
 * oldest that has sent nothing yet) and max-connections in all; at most
 * max-handshakes TLS handshakes run at once, one address at most half of
 * them (each holds its handshake state), the others wait
 * their turn within their deadline.
 * Sessions get max-channels, max-channel-buffer, window-size, the
 * config's keepalive-interval, and idle-timeout-ms (0, the default: three
 * keepalive intervals, the reference's 90 s for 30 s).
 *
 * TLS versions: TLS 1.2 or newer with a forward-secret key exchange, unless
 * the config's allow-legacy-tls also admits TLS 1.0/1.1 and static-RSA
 * cipher suites, as old AMT firmware needs.  TLS is OpenSSL on the socket
 * (ObTlsStream, handshakes on the main loop); its context admits what old
 * firmware needs and prefers ECDHE with AEAD suites in the server's order
 * (ob-tls-context.h), and the policy is applied right after the handshake
 * from the negotiated version and suite, so the setting applies to the
 * next connection at once and a refusal can say why: a connection outside
 * the policy is closed before any APF is read.  legacy-tls-available
 * says whether the OpenSSL in use can do TLS 1.0 with RSA key exchange at
 * all (one TLS 1.0 handshake in memory against the server's context, the
 * first time it is read in the process); when FALSE, allow-legacy-tls
 * lets no old firmware in.
 *
 * Status properties (notify on the main context): listening, address,
 * port (the bound port), n-connected (authenticated sessions),
 * n-connections (all open connections), last-error (plain words, NULL
 * while fine), legacy-tls-available.
 *
 * Signals:
 *   "device-connected" (const char *guid, ObApfSession *session): a device
 *       authenticated (its session is the current one).
 *   "device-disconnected" (const char *guid, ObApfSession *session,
 *       ObApfCloseReason reason): the current session of a device closed.
 */

/* Counters since the server was made, for tests and diagnostics. */
typedef struct
{
  guint64 accepted;             /* TCP connections accepted */
  guint64 refused_throttled;    /* address over its rate or pending limit */
  guint64 refused_full;         /* max-connections / max-pending reached */
  guint64 evicted;              /* pushed out by a newer connection */
  guint64 http_answered;        /* GET / HEAD answered */
  guint64 garbage;              /* neither TLS nor HTTP */
  guint64 tls_failed;           /* handshake failed or timed out */
  guint64 tls_refused;          /* protocol version or cipher outside policy */
  guint64 handshake_timeouts;   /* not authenticated in time (TLS or APF) */
  guint64 unknown_guid;         /* closed at PROTOCOLVERSION */
  guint64 auth_failed;          /* USERAUTH_FAILURE sent */
  guint64 authenticated;        /* sessions accepted */
  guint64 enrolled;             /* devices added by auto-enroll */
  guint64 replaced;             /* sessions replaced by a reconnect */
  guint64 activity_suppressed;  /* log entries held back by the rate limit */
} ObMpsServerStats;

/* @registry gives the store and the keyring. */
ObMpsServer      *ob_mps_server_new                 (ObConfig            *config,
                                                     ObCertAuthority     *authority,
                                                     ObDeviceRegistry    *registry);

/* Marks every device disconnected in the store, then listens on @address
 * (NULL: every interface, IPv6 and IPv4) and @port (-1: the config's
 * cira-port; 0: any free port; else that port).  Fails with OB_MPS_ERROR
 * (the message names the port: "Port 4433 is already in use") and then
 * also keeps it in last-error; while it follows the setting, a new
 * cira-port is then tried at once.  Once listening, the port stays (a
 * GSocketListener cannot let go of a socket): to move, stop this server
 * and start a new one.  A server starts once (a start on a fixed port
 * that failed may be tried again). */
void              ob_mps_server_start_async         (ObMpsServer         *self,
                                                     const char          *address,
                                                     int                  port,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean          ob_mps_server_start_finish        (ObMpsServer         *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
/* Stops listening for good and closes every connection (devices are
 * marked disconnected). */
void              ob_mps_server_stop                (ObMpsServer         *self);

gboolean          ob_mps_server_get_listening       (ObMpsServer         *self);
/* The address listened on ("0.0.0.0" / "::" for every interface); NULL
 * when not listening. */
const char       *ob_mps_server_get_address         (ObMpsServer         *self);
guint             ob_mps_server_get_port            (ObMpsServer         *self);
guint             ob_mps_server_get_n_connected     (ObMpsServer         *self);
guint             ob_mps_server_get_n_connections   (ObMpsServer         *self);
const char       *ob_mps_server_get_last_error      (ObMpsServer         *self);
gboolean          ob_mps_server_get_legacy_tls_available (ObMpsServer    *self);
void              ob_mps_server_get_stats           (ObMpsServer         *self,
                                                     ObMpsServerStats    *stats);

/* The current session of a connected device (any case); NULL when it is
 * not connected.  (transfer none) */
ObApfSession     *ob_mps_server_lookup_session      (ObMpsServer         *self,
                                                     const char          *guid);
/* Closes a device's CIRA connection (the REST disconnect route).  FALSE
 * when it is not connected. */
gboolean          ob_mps_server_disconnect_device   (ObMpsServer         *self,
                                                     const char          *guid);

/* Waits until every store write queued so far is done (tests, shutdown). */
void              ob_mps_server_flush_store_writes  (ObMpsServer         *self);

G_END_DECLS
