/* ob-crypto.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "ob-tls-error.h"

G_BEGIN_DECLS

/**
 * ObHashAlgorithm:
 * @OB_HASH_ALGORITHM_SHA1: SHA-1 (AMT still lists trusted root hashes in it)
 * @OB_HASH_ALGORITHM_SHA256: SHA-256
 * @OB_HASH_ALGORITHM_SHA384: SHA-384
 */
typedef enum
{
  OB_HASH_ALGORITHM_SHA1 = 1,
  OB_HASH_ALGORITHM_SHA256,
  OB_HASH_ALGORITHM_SHA384,
} ObHashAlgorithm;

/* Fingerprints: the digest of a certificate's DER.  The plain form is
 * lowercase hex (what AMT's certHashes hold and what we compare); the
 * display form is uppercase pairs joined by colons, as certificate viewers
 * and `openssl x509 -fingerprint` show it. */
char     *ob_crypto_fingerprint            (GBytes           *der,
                                            ObHashAlgorithm   algorithm);
char     *ob_crypto_fingerprint_display    (GBytes           *der,
                                            ObHashAlgorithm   algorithm);
char     *ob_crypto_format_fingerprint     (const char       *hex);

/* RSA PKCS#1 v1.5 with SHA-256, what IPS_HostBasedSetupService.AdminSetup
 * expects (SigningAlgorithm 2).  @private_key is a PEM (PKCS#8 or PKCS#1)
 * or DER private key; @key_or_certificate is a PEM or DER certificate or
 * SubjectPublicKeyInfo. */
GBytes   *ob_crypto_sign_rsa_sha256        (GBytes           *private_key,
                                            GBytes           *data,
                                            GError          **error);
gboolean  ob_crypto_verify_rsa_sha256      (GBytes           *key_or_certificate,
                                            GBytes           *data,
                                            GBytes           *signature,
                                            GError          **error);

/* PEM <-> DER.  pem_to_der returns the first block whose label is @label
 * ("CERTIFICATE", "PRIVATE KEY" …), or the first block of any label when
 * @label is NULL; the returned bytes are wiped when freed, since they may be
 * a key.  der_to_pem wraps @der at 64 columns; its result is an ordinary
 * string, so use it for certificates, not for keys. */
GBytes   *ob_crypto_pem_to_der             (const char       *pem,
                                            gssize            length,
                                            const char       *label,
                                            GError          **error);
char     *ob_crypto_der_to_pem             (GBytes           *der,
                                            const char       *label);

/* The RPS domain rule: the last two DNS labels of @common_name and of
 * @domain_suffix must be equal (compared without regard to ASCII case, a
 * trailing dot ignored). */
gboolean  ob_crypto_domain_suffix_matches  (const char       *common_name,
                                            const char       *domain_suffix);

G_END_DECLS
