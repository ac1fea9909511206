/* ob-tls-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_TLS_ERROR (ob_tls_error_quark ())

/**
 * ObTlsError:
 * @OB_TLS_ERROR_FAILED: OpenSSL failed for a reason that is not the input's fault
 * @OB_TLS_ERROR_MALFORMED: the data is not a valid certificate, key or PKCS#12 file
 * @OB_TLS_ERROR_WRONG_PASSWORD: the PKCS#12 password is wrong
 * @OB_TLS_ERROR_MISSING_KEY: the PKCS#12 file holds no private key
 * @OB_TLS_ERROR_KEY_MISMATCH: the private key does not belong to the leaf certificate
 * @OB_TLS_ERROR_INCOMPLETE_CHAIN: no self-signed root is reachable from the leaf
 * @OB_TLS_ERROR_EXPIRED: a certificate is past its notAfter date
 * @OB_TLS_ERROR_NOT_YET_VALID: a certificate is before its notBefore date
 * @OB_TLS_ERROR_UNSUPPORTED_KEY: the key is not of a supported type (RSA)
 * @OB_TLS_ERROR_BAD_SIGNATURE: a signature does not verify
 * @OB_TLS_ERROR_INVALID_NAME: a common name is neither a host name nor an IP address
 * @OB_TLS_ERROR_NOT_READY: the certificate authority has not loaded its certificates yet
 */
typedef enum
{
  OB_TLS_ERROR_FAILED = 1,
  OB_TLS_ERROR_MALFORMED,
  OB_TLS_ERROR_WRONG_PASSWORD,
  OB_TLS_ERROR_MISSING_KEY,
  OB_TLS_ERROR_KEY_MISMATCH,
  OB_TLS_ERROR_INCOMPLETE_CHAIN,
  OB_TLS_ERROR_EXPIRED,
  OB_TLS_ERROR_NOT_YET_VALID,
  OB_TLS_ERROR_UNSUPPORTED_KEY,
  OB_TLS_ERROR_BAD_SIGNATURE,
  OB_TLS_ERROR_INVALID_NAME,
  OB_TLS_ERROR_NOT_READY,
} ObTlsError;

GQuark ob_tls_error_quark (void);

G_END_DECLS
