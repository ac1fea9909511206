/* ob-tls-context.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

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

/* An OpenSSL client context as an Intel AMT device's for CIRA: TLS 1.2 at
 * most (the newest version AMT speaks), every connect a full handshake,
 * idle connections without record buffers.  With @root the server's chain
 * is checked against it and the verdict kept for the caller to read after
 * the handshake (SSL_get_verify_result(); host names are the caller's to
 * judge, as AMT's rules are not OpenSSL's); without, any chain is taken.
 * The connections of one context share one trust store, so a chain that
 * passed or failed is not checked again while it is the same certificates
 * and less than a minute has passed: a simulated fleet does not repeat
 * the same signature check for each of its devices.  Free with
 * SSL_CTX_free(). */
SSL_CTX *ob_tls_context_new_device (X509    *root,
                                    GError **error);

/* For a process that parses many EC certificates, as a simulator's
 * thousands of devices each reading the MPS's: with @enabled, OpenSSL
 * 3.0 reads EC keys and checks their signatures with its built-in
 * methods (what 1.1.1 did) instead of building a provider decoder for
 * every certificate, about five times cheaper.  Process-wide, for EC keys
 * read or made after the call; keys made from providers (EVP_EC_gen(),
 * PEM files) are not affected.  Returns whether it is in effect: never
 * on other OpenSSL versions (3.1 and later keep their decoders) or a
 * build without ENGINE support.  Not for the application, which parses
 * few certificates and should not depend on the deprecated ENGINE API. */
gboolean ob_tls_set_builtin_ec_keys (gboolean enabled);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SSL_CTX, SSL_CTX_free)

G_END_DECLS
