/* ob-tls-context.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <openssl/ssl.h>

#include "ob-cert-authority.h"

G_BEGIN_DECLS

/* An OpenSSL server context with the authority's server certificates (RSA
 * and its ECDSA twin; OpenSSL picks the one the client can use), for
 * ObTlsStream.  It admits everything old AMT firmware may need (TLS 1.0
 * and 1.1, RSA key exchange) but prefers forward secret AEAD suites, so
 * every client that can gets them; judging the outcome (refusing old
 * versions unless legacy TLS is on) is the caller's, after the handshake,
 * where it can say why.  Idle connections keep no record buffers, and
 * nothing is kept for resumption.  Free with SSL_CTX_free(). */
SSL_CTX *ob_tls_context_new_server (ObCertAuthority  *authority,
                                    GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SSL_CTX, SSL_CTX_free)

G_END_DECLS
