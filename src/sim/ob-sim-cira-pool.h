/* ob-sim-cira-pool.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-poller.h"

G_BEGIN_DECLS

/* ObSimCiraPool: what simulated devices calling the same MPS share: its
 * address (resolved once), one TLS client context (an OpenSSL SSL_CTX
 * holding the settings and the root, used by every connection through
 * ObTlsStream rather than GIO's TLS backend, which costs far more per
 * connection), the context's ObPoller, and a cap on simultaneous
 * connection attempts, so thousands of devices started at once queue for
 * a handshake slot instead of opening thousands of sockets together.
 *
 * An attempt is a non-blocking connect and the TLS handshake, both
 * waiting on the poller, with its deadline a poller timer: a connect
 * storm costs the main loop no GSource per attempt.
 *
 * Trust, as Intel AMT does it: with a root certificate set, the MPS
 * certificate must chain to it, be valid now, and carry the expected
 * common name (the MPS host name unless set: AMT's rule for an FQDN; for
 * an IP address AMT is given the CN separately).  Without a root every
 * certificate is accepted (the simulator's default, for any MPS).
 *
 * Runs on the thread-default main context it was created on; devices on
 * other threads use a pool of their own. */

#define OB_TYPE_SIM_CIRA_POOL (ob_sim_cira_pool_get_type ())

G_DECLARE_FINAL_TYPE (ObSimCiraPool, ob_sim_cira_pool, OB, SIM_CIRA_POOL, GObject)

#define OB_SIM_CIRA_DEFAULT_MPS_PORT        4433
#define OB_SIM_CIRA_DEFAULT_MAX_CONNECTING  64
#define OB_SIM_CIRA_DEFAULT_CONNECT_TIMEOUT_MS 20000

/* @mps_host: a DNS name or an IP literal (resolved once, on first use). */
ObSimCiraPool   *ob_sim_cira_pool_new                   (const char       *mps_host,
                                                         guint             mps_port);
const char      *ob_sim_cira_pool_get_host              (ObSimCiraPool    *self);
guint            ob_sim_cira_pool_get_port              (ObSimCiraPool    *self);

/* NULL: accept any certificate (the default). */
void             ob_sim_cira_pool_set_root_certificate  (ObSimCiraPool    *self,
                                                         GTlsCertificate  *root);
GTlsCertificate *ob_sim_cira_pool_get_root_certificate  (ObSimCiraPool    *self);
/* Read the root from a PEM file (the first certificate in it). */
gboolean         ob_sim_cira_pool_load_root_file        (ObSimCiraPool    *self,
                                                         const char       *path,
                                                         GError          **error);
/* The CN the MPS certificate must carry when a root is set (NULL: the
 * MPS host).  Compared without regard to case. */
void             ob_sim_cira_pool_set_common_name       (ObSimCiraPool    *self,
                                                         const char       *common_name);
const char      *ob_sim_cira_pool_get_common_name       (ObSimCiraPool    *self);

/* Connection attempts (TCP connect + TLS handshake) in flight at once;
 * the rest wait in order.  Default OB_SIM_CIRA_DEFAULT_MAX_CONNECTING. */
void             ob_sim_cira_pool_set_max_connecting    (ObSimCiraPool    *self,
                                                         guint             max_connecting);
guint            ob_sim_cira_pool_get_max_connecting    (ObSimCiraPool    *self);
/* Attempts in flight now, and waiting for a slot. */
guint            ob_sim_cira_pool_get_n_connecting      (ObSimCiraPool    *self);
guint            ob_sim_cira_pool_get_n_waiting         (ObSimCiraPool    *self);
/* The most attempts ever in flight at once (tests, benchmarks). */
guint            ob_sim_cira_pool_get_max_seen_connecting (ObSimCiraPool  *self);
/* Connect from this local address (NULL: the system's choice): a
 * benchmark spreads a fleet over several loopback addresses, as devices
 * have addresses of their own and an MPS throttles per address.  With
 * @count > 1 (IPv4 only) the attempts take @address and the @count - 1
 * addresses after it in turn. */
void             ob_sim_cira_pool_set_local_address     (ObSimCiraPool    *self,
                                                         GInetAddress     *address,
                                                         guint             count);
/* TCP connect plus TLS handshake must finish within this time. */
void             ob_sim_cira_pool_set_connect_timeout_ms (ObSimCiraPool   *self,
                                                          guint            timeout_ms);

/* Open a TLS connection to the MPS (waiting for a slot first), with the
 * certificate checked as above.  The result is a GIOStream with pollable
 * input and output (an ObTlsStream) after its handshake, TCP_NODELAY
 * set.  Errors: G_RESOLVER_ERROR, G_IO_ERROR (refused, TIMED_OUT,
 * CANCELLED), G_TLS_ERROR (a failed handshake; a certificate refused, the
 * message says why). */
void             ob_sim_cira_pool_connect_async         (ObSimCiraPool       *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
GIOStream       *ob_sim_cira_pool_connect_finish        (ObSimCiraPool       *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

/* The thread-default context's shared poller (ob_poller_get_for_context(),
 * taken on first use): connects, handshakes, and the sessions and timers
 * of every device of the pool, so thousands of devices in one process
 * cost the main loop one source. */
ObPoller   *ob_sim_cira_pool_get_poller            (ObSimCiraPool   *self);

G_END_DECLS
