/* ob-tls-context.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <openssl/err.h>

#include "ob-cert-authority-private.h"
#include "ob-crypto-private.h"
#include "ob-tls-context.h"
#include "ob-tls-error.h"

/* Ours first (the server chooses): ECDHE with AES-GCM, ECDSA before RSA
 * because it signs a hundred times faster; then what the reference MPS's
 * legacy list admits for old firmware.  SECLEVEL 0 is what lets OpenSSL 3
 * speak TLS 1.0/1.1 at all. */
#define SERVER_CIPHERS \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
  "DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:" \
  "HIGH:!aNULL:!eNULL:!EXPORT:!DES:!RC4:!MD5:!PSK:!SRP:!CAMELLIA:@SECLEVEL=0"
#define SERVER_GROUPS "X25519:P-256:P-384"

SSL_CTX *
ob_tls_context_new_server (ObCertAuthority  *authority,
                           GError          **error)
{
  g_autoptr(SSL_CTX) ctx = NULL;
  g_autoptr(X509) rsa_cert = NULL;
  g_autoptr(EVP_PKEY) rsa_key = NULL;
  g_autoptr(X509) ec_cert = NULL;
  g_autoptr(EVP_PKEY) ec_key = NULL;

  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (authority), NULL);

  if (!_ob_cert_authority_get_server_credentials (authority, &rsa_cert, &rsa_key,
                                                  &ec_cert, &ec_key, error))
    return NULL;

  ctx = SSL_CTX_new (TLS_server_method ());
  if (ctx == NULL)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "OpenSSL could not make a TLS server context");
      return NULL;
    }

  /* Idle connections give their record buffers back; writes may be
   * partial and retried from a moved buffer (the APF output queue). */
  SSL_CTX_set_mode (ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE
                    | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* A device that drops TCP without close_notify has still ended its
   * session as far as APF goes.  No renegotiation, no compression; the
   * server's order decides the suite. */
  SSL_CTX_set_options (ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION
                       | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE
                       | SSL_OP_NO_TICKET);
  /* Every connection is a full handshake, as a device's first one is:
   * no session cache (thousands of sessions held for nothing) and no
   * tickets (TLS 1.3 would send two after every handshake). */
  SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets (ctx, 0);
  SSL_CTX_set_min_proto_version (ctx, TLS1_VERSION);

  if (SSL_CTX_set_cipher_list (ctx, SERVER_CIPHERS) != 1 ||
      SSL_CTX_set1_groups_list (ctx, SERVER_GROUPS) != 1 ||
      SSL_CTX_set_dh_auto (ctx, 1) != 1)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "OpenSSL refused the TLS server settings");
      return NULL;
    }

  /* One certificate per key type: OpenSSL keeps both and presents the
   * one the client's suites and signature algorithms allow. */
  if (SSL_CTX_use_certificate (ctx, rsa_cert) != 1 ||
      SSL_CTX_use_PrivateKey (ctx, rsa_key) != 1 ||
      SSL_CTX_use_certificate (ctx, ec_cert) != 1 ||
      SSL_CTX_use_PrivateKey (ctx, ec_key) != 1 ||
      SSL_CTX_check_private_key (ctx) != 1)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "The server certificate cannot be used for TLS");
      return NULL;
    }

  ERR_clear_error ();
  return g_steal_pointer (&ctx);
}
