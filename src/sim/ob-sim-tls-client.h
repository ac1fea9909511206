/* ob-sim-tls-client.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <openssl/ssl.h>

G_BEGIN_DECLS

#define OB_TYPE_SIM_TLS_CLIENT (ob_sim_tls_client_get_type ())

G_DECLARE_FINAL_TYPE (ObSimTlsClient, ob_sim_tls_client, OB, SIM_TLS_CLIENT, GIOStream)

/* ObSimTlsClient: the client end of a TLS connection as a GIOStream, with
 * OpenSSL on the socket directly (not GIO's TLS backend), for simulating
 * thousands of devices in one process:
 *   - the handshake runs on the main loop, never in a worker thread, so
 *     any number can be in flight;
 *   - settings, trust store and root live once in a shared SSL_CTX;
 *   - an idle connection holds no record buffers (SSL_MODE_RELEASE_BUFFERS)
 *     and one GSource per waiting direction.
 * Its streams are GPollableInputStream / GPollableOutputStream (blocking
 * calls do not wait: they fail with G_IO_ERROR_WOULD_BLOCK); a peer that
 * drops TCP without close_notify reads as an ordinary end of stream, a
 * reset as G_IO_ERROR_CONNECTION_CLOSED.  Closing sends close_notify if
 * it can do so at once and closes the socket; it never blocks.
 *
 * The certificate is not judged here: after the handshake the caller
 * reads the verify result and the peer's common name. */

/* @ctx: shared, referenced; @server_name: SNI (NULL or an IP literal:
 * none). */
ObSimTlsClient *ob_sim_tls_client_new              (GSocketConnection    *connection,
                                                    SSL_CTX              *ctx,
                                                    const char           *server_name,
                                                    GError              **error);

void            ob_sim_tls_client_handshake_async  (ObSimTlsClient       *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean        ob_sim_tls_client_handshake_finish (ObSimTlsClient       *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

/* After the handshake: SSL_get_verify_result() (X509_V_OK when the chain
 * ends in a root of the context's store), and the subject CN of the
 * server's certificate (NULL when it has none). */
long            ob_sim_tls_client_get_verify_result (ObSimTlsClient      *self);
char           *ob_sim_tls_client_dup_peer_common_name (ObSimTlsClient   *self);
/* "TLSv1.3" …, NULL before the handshake. */
const char     *ob_sim_tls_client_get_protocol_version (ObSimTlsClient   *self);

GSocket        *ob_sim_tls_client_get_socket       (ObSimTlsClient       *self);

G_END_DECLS
