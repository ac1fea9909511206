/* ob-sim-cira.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-apf-session.h"
#include "ob-sim-cira-pool.h"
#include "ob-sim-device.h"
#include "ob-sim-redir-server.h"
#include "ob-sim-wsman-server.h"

G_BEGIN_DECLS

/* ObSimCira: the CIRA side of one simulated device, as Intel AMT firmware
 * does it (mps-cira-apf.md §2): a TLS connection to the MPS (through an
 * ObSimCiraPool), then APF in the device role (ObApfSession):
 * PROTOCOLVERSION with the GUID in SMBIOS order, auth@amt.intel.com, the
 * CIRA user name and password, pfwd@amt.intel.com, tcpip-forward for
 * 16993, 16992, 664, 623, 16995, 16994, 5900 in that order, keepalives at
 * the interval the MPS asks for (30 s until it does; three unanswered
 * intervals end the connection).  It relies on
 * nothing else from the MPS: no PROTOCOLVERSION back, REQUEST_SUCCESS
 * with or without the port, KEEPALIVE_OPTIONS or not.
 *
 * Each channel the MPS opens to 16992 is served by the device's WS-Man
 * server, HTTP straight on the channel (flow control is the channel's);
 * channels to 16994 go to the redirection server when one is set (KVM,
 * SOL, IDER).  Other ports go to the ::channel signal; unhandled ones are
 * closed.
 *
 * When the connection fails or drops it reconnects after a backoff that
 * doubles with each failure (from backoff-initial up to backoff-max) with
 * jitter (a random delay between half and all of it); an authenticated
 * connection resets it.  Churn drops an authenticated connection at random
 * times (a Poisson process at churn-rate drops per minute).  A fault mode
 * sends malformed APF instead of (or after) the handshake.
 *
 * Runs on the thread-default main context it was created on.
 *
 * Signals:
 *   "connected" (): the MPS accepted the CIRA credentials.
 *   "disconnected" (const char *reason): a connection (or attempt) ended;
 *       a reconnect is scheduled unless stopped.
 *   "channel" (ObApfChannel *channel, guint port) -> gboolean: a channel
 *       to a port other than 16992; return TRUE and keep a reference to
 *       serve it (redirection), FALSE to have it closed.
 * Properties (notify): "state", "last-error", "n-connects". */

#define OB_TYPE_SIM_CIRA (ob_sim_cira_get_type ())

G_DECLARE_FINAL_TYPE (ObSimCira, ob_sim_cira, OB, SIM_CIRA, GObject)

typedef enum
{
  OB_SIM_CIRA_STATE_STOPPED,       /* not started, or stopped */
  OB_SIM_CIRA_STATE_CONNECTING,    /* waiting for a slot, TCP, TLS, APF up to authentication */
  OB_SIM_CIRA_STATE_CONNECTED,     /* authenticated by the MPS */
  OB_SIM_CIRA_STATE_DISCONNECTED,  /* lost or failed; reconnects after the backoff */
} ObSimCiraState;

#define OB_TYPE_SIM_CIRA_STATE (ob_sim_cira_state_get_type ())
GType ob_sim_cira_state_get_type (void) G_GNUC_CONST;

/* Malformed APF for exercising an MPS's defences.  Each connection sends
 * its fault, waits for the MPS to close (at most fault-hold-ms), and
 * counts as a failed attempt. */
typedef enum
{
  OB_SIM_CIRA_FAULT_NONE,
  /* PROTOCOLVERSION cut short (1 to 92 of its 93 bytes), then silence. */
  OB_SIM_CIRA_FAULT_TRUNCATED,
  /* PROTOCOLVERSION, then a SERVICE_REQUEST whose name length says
   * 0x7fffffff (far over the 2048 limit), with a few bytes of it. */
  OB_SIM_CIRA_FAULT_OVERSIZED,
  /* PROTOCOLVERSION, then a message of a type APF does not have. */
  OB_SIM_CIRA_FAULT_UNKNOWN_TYPE,
  /* The full handshake; once the ports are forwarded, 64 bytes that are
   * not APF (a zero type byte, then random bytes). */
  OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH,
  /* One of the above, chosen at random for each connection. */
  OB_SIM_CIRA_FAULT_RANDOM,
} ObSimCiraFault;

#define OB_TYPE_SIM_CIRA_FAULT (ob_sim_cira_fault_get_type ())
GType ob_sim_cira_fault_get_type (void) G_GNUC_CONST;

/* "none", "truncated", "oversized", "unknown-type", "garbage-after-auth",
 * "random". */
const char *ob_sim_cira_fault_to_string   (ObSimCiraFault  fault);
gboolean    ob_sim_cira_fault_from_string (const char     *name,
                                           ObSimCiraFault *fault);

#define OB_SIM_CIRA_DEFAULT_BACKOFF_INITIAL_MS 1000
#define OB_SIM_CIRA_DEFAULT_BACKOFF_MAX_MS     (60 * 1000)
#define OB_SIM_CIRA_DEFAULT_FAULT_HOLD_MS      (60 * 1000)

/* @server: the device's WS-Man server (it need not listen anywhere); NULL
 * makes one with the default AMT account.  @username/@password: the CIRA
 * credentials (at most 2048 bytes each). */
ObSimCira        *ob_sim_cira_new                  (ObSimCiraPool    *pool,
                                                    ObSimDevice      *device,
                                                    ObSimWsmanServer *server,
                                                    const char       *username,
                                                    const char       *password);

ObSimDevice      *ob_sim_cira_get_device           (ObSimCira        *self);
ObSimWsmanServer *ob_sim_cira_get_wsman_server     (ObSimCira        *self);
ObSimCiraPool    *ob_sim_cira_get_pool             (ObSimCira        *self);
/* Serve channels to 16994 with @redir (NULL: they go to ::channel). */
void              ob_sim_cira_set_redir_server     (ObSimCira        *self,
                                                    ObSimRedirServer *redir);
ObSimRedirServer *ob_sim_cira_get_redir_server     (ObSimCira        *self);

/* Connect now, and keep reconnecting until stopped. */
void              ob_sim_cira_start                (ObSimCira        *self);
/* Close the connection (or the attempt, or the wait) and stay away. */
void              ob_sim_cira_stop                 (ObSimCira        *self);
/* Drop the connection as a network failure would (no APF DISCONNECT);
 * reconnect after the backoff.  Nothing happens unless connected. */
void              ob_sim_cira_drop                 (ObSimCira        *self);

ObSimCiraState    ob_sim_cira_get_state            (ObSimCira        *self);
/* Why the last connection or attempt ended (NULL before any). */
const char       *ob_sim_cira_get_last_error       (ObSimCira        *self);
/* The APF session while there is one (connecting or connected). */
ObApfSession     *ob_sim_cira_get_session          (ObSimCira        *self);
/* Connection attempts started, and connections the MPS authenticated. */
guint             ob_sim_cira_get_n_attempts       (ObSimCira        *self);
guint             ob_sim_cira_get_n_connects       (ObSimCira        *self);
/* Milliseconds until the next attempt while disconnected (0 otherwise). */
guint             ob_sim_cira_get_retry_delay_ms   (ObSimCira        *self);

/* ---- settings (take effect on the next connection unless noted) ---- */

/* Ports to forward, in order (default AMT's seven). */
void              ob_sim_cira_set_forward_ports    (ObSimCira        *self,
                                                    const guint      *ports,
                                                    gsize             n_ports);
/* Send keepalives every @seconds whatever the MPS asks (0: as the MPS
 * asks, the default).  Applies at once. */
void              ob_sim_cira_set_keepalive_interval (ObSimCira      *self,
                                                      guint           seconds);
/* Backoff between attempts (0 keeps a value). */
void              ob_sim_cira_set_backoff          (ObSimCira        *self,
                                                    guint             initial_ms,
                                                    guint             max_ms);
/* Random drops of an authenticated connection, per minute (0: none, the
 * default).  Applies at once. */
void              ob_sim_cira_set_churn_rate       (ObSimCira        *self,
                                                    double            drops_per_minute);
void              ob_sim_cira_set_fault            (ObSimCira        *self,
                                                    ObSimCiraFault    fault);
ObSimCiraFault    ob_sim_cira_get_fault            (ObSimCira        *self);
/* How long a fault connection waits for the MPS to close it. */
void              ob_sim_cira_set_fault_hold_ms    (ObSimCira        *self,
                                                    guint             hold_ms);
/* The APF receive window of the device's channels (32 KiB to 1 MiB). */
void              ob_sim_cira_set_window_size      (ObSimCira        *self,
                                                    guint32           window_size);

G_END_DECLS
