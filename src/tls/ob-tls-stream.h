/* ob-tls-stream.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <openssl/ssl.h>

#include "ob-poller.h"

G_BEGIN_DECLS

#define OB_TYPE_TLS_STREAM (ob_tls_stream_get_type ())

G_DECLARE_FINAL_TYPE (ObTlsStream, ob_tls_stream, OB, TLS_STREAM, GIOStream)

/* ObTlsStream: one end of a TLS connection as a GIOStream, with OpenSSL
 * on the socket directly rather than GIO's TLS backend, for servers and
 * simulators that hold thousands of connections in one process:
 *   - the handshake runs on the caller's main loop, never in a worker
 *     thread, so any number can be in flight and none waits for a thread;
 *   - settings, certificates and trust live once in a shared SSL_CTX
 *     (ob-tls-context.h makes them);
 *   - an idle connection holds no record buffers (SSL_MODE_RELEASE_BUFFERS)
 *     and at most one GSource per waiting direction; a handshake can wait
 *     on an ObPoller instead (ob_tls_stream_set_poller()).
 * Its streams are GPollableInputStream / GPollableOutputStream (blocking
 * calls do not wait: they fail with G_IO_ERROR_WOULD_BLOCK); a peer that
 * drops TCP without close_notify reads as an ordinary end of stream, a
 * reset as G_IO_ERROR_CONNECTION_CLOSED.  Closing sends close_notify if
 * it can do so at once and closes the socket; it never blocks.
 *
 * The peer's certificate is not judged here: after the handshake a client
 * reads the verify result and the peer's common name. */

/* The client end.  @ctx: shared, referenced; @server_name: SNI (NULL or
 * an IP literal: none). */
ObTlsStream    *ob_tls_stream_new_client           (GSocketConnection    *connection,
                                                    SSL_CTX              *ctx,
                                                    const char           *server_name,
                                                    GError              **error);
/* The server end; @ctx holds the certificates. */
ObTlsStream    *ob_tls_stream_new_server           (GSocketConnection    *connection,
                                                    SSL_CTX              *ctx,
                                                    GError              **error);

/* The handshake then waits for the peer on @poller's watches (no GSource
 * of its own; a cancelled handshake still answers from the task's
 * context).  @poller must run on the context the handshake is started
 * from; set it before the handshake (NULL: a GSource per wait). */
void            ob_tls_stream_set_poller           (ObTlsStream          *self,
                                                    ObPoller             *poller);

void            ob_tls_stream_handshake_async      (ObTlsStream          *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
gboolean        ob_tls_stream_handshake_finish     (ObTlsStream          *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

/* After the handshake: SSL_get_verify_result() (X509_V_OK when the chain
 * ends in a root of the context's store), and the subject CN of the
 * peer's certificate (NULL when it has none). */
long            ob_tls_stream_get_verify_result    (ObTlsStream          *self);
char           *ob_tls_stream_dup_peer_common_name (ObTlsStream          *self);
/* "TLSv1.3" …, NULL before the handshake. */
const char     *ob_tls_stream_get_protocol_version (ObTlsStream          *self);
/* OpenSSL's name of the cipher suite ("ECDHE-ECDSA-AES128-GCM-SHA256"),
 * NULL before the handshake. */
const char     *ob_tls_stream_get_cipher_name      (ObTlsStream          *self);

GSocket        *ob_tls_stream_get_socket           (ObTlsStream          *self);
/* TRUE once the handshake has handed the records to ObTlsRecord (an AEAD
 * suite in TLS 1.2 or 1.3) and freed OpenSSL's connection state. */
gboolean        ob_tls_stream_get_handed_over      (ObTlsStream          *self);

G_END_DECLS
