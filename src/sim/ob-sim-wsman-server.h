/* ob-sim-wsman-server.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-sim-device.h"

G_BEGIN_DECLS

/* ObSimWsmanServer: the WS-Man endpoint of one simulated device, as Intel
 * AMT firmware serves it.  HTTP/1.1 on a GSocketService, plain (16992) and
 * TLS (16993, a self-signed certificate made at start unless one is set),
 * keep-alive connections, POST /wsman only (other paths 404, other methods
 * 405), HTTP Digest with the device's "Digest:<32 hex>" realm and nonces
 * that expire (401 with stale=true), a "Log on failed" HTML page on 401,
 * chunked application/soap+xml replies, SOAP faults as HTTP 400, and the
 * device's latency before each WS-Man reply (a timer: the main loop never
 * blocks).  Runs on the thread-default main context it was created on. */

#define OB_TYPE_SIM_WSMAN_SERVER (ob_sim_wsman_server_get_type ())

G_DECLARE_FINAL_TYPE (ObSimWsmanServer, ob_sim_wsman_server, OB, SIM_WSMAN_SERVER, GObject)

/* The AMT account the simulator accepts unless told otherwise. */
#define OB_SIM_DEFAULT_USERNAME "admin"
#define OB_SIM_DEFAULT_PASSWORD "P@ssw0rd"
#define OB_SIM_HTTP_PORT 16992
#define OB_SIM_TLS_PORT  16993

/* @username/@password NULL: the defaults above.  A device with an
 * ObSimProvisioning attached authenticates against that object's accounts
 * instead (the local system account, and admin once activated). */
ObSimWsmanServer *ob_sim_wsman_server_new          (ObSimDevice       *device,
                                                    const char        *username,
                                                    const char        *password);
ObSimDevice      *ob_sim_wsman_server_get_device   (ObSimWsmanServer  *self);

void              ob_sim_wsman_server_set_password (ObSimWsmanServer  *self,
                                                    const char        *password);
/* How long a digest nonce is accepted (milliseconds; default 300 s). */
void              ob_sim_wsman_server_set_nonce_lifetime_ms (ObSimWsmanServer *self,
                                                             guint             lifetime_ms);
/* Close a keep-alive connection idle this long (milliseconds; default
 * 60 s, 0 = never). */
void              ob_sim_wsman_server_set_idle_timeout_ms   (ObSimWsmanServer *self,
                                                             guint             timeout_ms);

/* Use @certificate (with its private key) for TLS; set before listening. */
void              ob_sim_wsman_server_set_certificate (ObSimWsmanServer *self,
                                                       GTlsCertificate  *certificate);
/* The TLS certificate (NULL until one is set or made). */
GTlsCertificate  *ob_sim_wsman_server_get_certificate (ObSimWsmanServer *self);
/* Lower-case hex SHA-256 of the certificate's DER, or NULL. */
char             *ob_sim_wsman_server_dup_certificate_fingerprint (ObSimWsmanServer *self);

/* Bind @address (an IP literal) on @port (0 = any free port) and serve,
 * plain or with TLS; may be called once for each.  Updates the device's
 * endpoint (ob_sim_device_get_http_port/_tls_port give the bound port). */
gboolean          ob_sim_wsman_server_listen       (ObSimWsmanServer  *self,
                                                    const char        *address,
                                                    guint              port,
                                                    gboolean           tls,
                                                    GError           **error);
guint             ob_sim_wsman_server_get_http_port (ObSimWsmanServer *self);
guint             ob_sim_wsman_server_get_tls_port  (ObSimWsmanServer *self);

/* Serve HTTP on @stream, a connection accepted elsewhere (an APF channel
 * of the device's CIRA connection, a pipe), exactly as a connection to the
 * plain port is served: keep-alive, digest, latency.  Takes a reference;
 * the stream is closed when the client closes it, after the idle timeout,
 * or by ob_sim_wsman_server_stop(). */
void              ob_sim_wsman_server_serve_stream (ObSimWsmanServer  *self,
                                                    GIOStream         *stream);

/* Stop listening and drop every connection at once (a device that
 * vanishes, even in the middle of a request). */
void              ob_sim_wsman_server_stop         (ObSimWsmanServer  *self);

/* Counters for tests and benchmarks. */
guint             ob_sim_wsman_server_get_n_connections (ObSimWsmanServer *self);
guint64           ob_sim_wsman_server_get_n_requests    (ObSimWsmanServer *self);

G_END_DECLS
