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

/* ---- a device's client context -------------------------------------------------- */

/* How long a chain's verdict is reused: short enough that a certificate
 * expiring or an MPS changing its chain is noticed within a minute. */
#define CHAIN_MEMO_USEC (60 * G_USEC_PER_SEC)

typedef struct
{
  GMutex          mutex;
  STACK_OF(X509) *chain;      /* the last chain OpenSSL checked, leaf first */
  int             error;      /* its verdict, X509_V_OK when it passed */
  gint64          checked_at; /* monotonic µs */
} ChainMemo;

static int chain_memo_index = -1;

static void
chain_memo_free (void           *parent,
                 void           *ptr,
                 CRYPTO_EX_DATA *ad,
                 int             index,
                 long            argl,
                 void           *argp)
{
  ChainMemo *memo = ptr;

  if (memo == NULL)
    return;
  if (memo->chain != NULL)
    sk_X509_pop_free (memo->chain, X509_free);
  g_mutex_clear (&memo->mutex);
  g_free (memo);
}

/* The same certificates, in the same order: X509_cmp() compares their
 * digests and encodings. */
static gboolean
same_chain (STACK_OF(X509) *a,
            STACK_OF(X509) *b)
{
  int n = sk_X509_num (a);

  if (n <= 0 || n != sk_X509_num (b))
    return FALSE;
  for (int i = 0; i < n; i++)
    if (X509_cmp (sk_X509_value (a, i), sk_X509_value (b, i)) != 0)
      return FALSE;
  return TRUE;
}

/* OpenSSL's check, unless this chain's verdict is fresh in the memo. */
static int
check_chain_once (X509_STORE_CTX *store_ctx,
                  void           *user_data)
{
  ChainMemo *memo = user_data;
  STACK_OF(X509) *chain = X509_STORE_CTX_get0_untrusted (store_ctx);
  gint64 now = g_get_monotonic_time ();
  int verdict;
  int ok;

  g_mutex_lock (&memo->mutex);
  if (chain != NULL && memo->chain != NULL && now - memo->checked_at < CHAIN_MEMO_USEC &&
      same_chain (chain, memo->chain))
    {
      verdict = memo->error;
      g_mutex_unlock (&memo->mutex);
      X509_STORE_CTX_set_error (store_ctx, verdict);
      return verdict == X509_V_OK;
    }
  g_mutex_unlock (&memo->mutex);

  ok = X509_verify_cert (store_ctx) > 0;
  verdict = X509_STORE_CTX_get_error (store_ctx);
  if (ok != (verdict == X509_V_OK) || chain == NULL)
    return ok;

  g_mutex_lock (&memo->mutex);
  if (memo->chain != NULL)
    sk_X509_pop_free (memo->chain, X509_free);
  memo->chain = X509_chain_up_ref (chain);
  memo->error = verdict;
  memo->checked_at = now;
  g_mutex_unlock (&memo->mutex);
  return ok;
}

/* Without a root every certificate is accepted (the caller does not read
 * the verdict), so OpenSSL need not build a chain that ends nowhere. */
static int
accept_any_chain (X509_STORE_CTX *store_ctx,
                  void           *user_data)
{
  return 1;
}

SSL_CTX *
ob_tls_context_new_device (X509    *root,
                           GError **error)
{
  static gsize index_made = 0;
  g_autoptr(SSL_CTX) ctx = NULL;
  ChainMemo *memo;

  if (g_once_init_enter (&index_made))
    {
      chain_memo_index = SSL_CTX_get_ex_new_index (0, NULL, NULL, NULL, chain_memo_free);
      g_once_init_leave (&index_made, 1);
    }

  ctx = SSL_CTX_new (TLS_client_method ());
  if (ctx == NULL || chain_memo_index < 0)
    {
      ERR_clear_error ();
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "OpenSSL could not make a TLS client context");
      return NULL;
    }
  /* Idle connections give their record buffers back; writes may be
   * partial and retried from a moved buffer (the APF output queue). */
  SSL_CTX_set_mode (ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE
                    | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* An MPS may drop TCP without close_notify; every connection is a full
   * handshake, as each real device's first one is. */
  SSL_CTX_set_options (ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_OFF);
  /* TLS 1.2 at most: Intel's guide names 1.2 (added in AMT 12.0, where
   * 1.0 went) as the newest version AMT speaks. */
  SSL_CTX_set_max_proto_version (ctx, TLS1_2_VERSION);
  /* The verdict is kept, not acted on: the caller judges it. */
  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);

  if (root == NULL)
    {
      SSL_CTX_set_cert_verify_callback (ctx, accept_any_chain, NULL);
      return g_steal_pointer (&ctx);
    }

  if (X509_STORE_add_cert (SSL_CTX_get_cert_store (ctx), root) != 1)
    {
      ERR_clear_error ();
      _ob_tls_set_error (error, OB_TLS_ERROR_MALFORMED, "The root certificate cannot be used");
      return NULL;
    }
  memo = g_new0 (ChainMemo, 1);
  g_mutex_init (&memo->mutex);
  if (SSL_CTX_set_ex_data (ctx, chain_memo_index, memo) != 1)
    {
      chain_memo_free (NULL, memo, NULL, 0, 0, NULL);
      ERR_clear_error ();
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "OpenSSL could not make a TLS client context");
      return NULL;
    }
  SSL_CTX_set_cert_verify_callback (ctx, check_chain_once, memo);
  return g_steal_pointer (&ctx);
}
