/* ob-crypto-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ob-crypto.h"

G_BEGIN_DECLS

/* OpenSSL glue shared inside ob-tls; nothing here leaves the library. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

void        _ob_tls_set_error                (GError          **error,
                                              ObTlsError        code,
                                              const char       *format,
                                              ...) G_GNUC_PRINTF (3, 4);

GBytes     *_ob_tls_bytes_new_secret         (const void       *data,
                                              gsize             len);

EVP_PKEY   *_ob_tls_load_private_key         (GBytes           *pem_or_der,
                                              GError          **error);
EVP_PKEY   *_ob_tls_load_public_key          (GBytes           *pem_or_der,
                                              GError          **error);
GBytes     *_ob_tls_private_key_to_pem       (EVP_PKEY         *pkey,
                                              GError          **error);
gboolean    _ob_tls_key_is_usable_rsa        (EVP_PKEY         *pkey);
GBytes     *_ob_tls_sign_rsa_sha256          (EVP_PKEY         *pkey,
                                              GBytes           *data,
                                              GError          **error);

X509       *_ob_tls_x509_from_der            (const guint8     *data,
                                              gsize             len,
                                              GError          **error);
X509       *_ob_tls_x509_from_pem            (const char       *pem,
                                              gsize             len,
                                              GError          **error);
GBytes     *_ob_tls_x509_to_der              (X509             *cert);
char       *_ob_tls_x509_to_pem              (X509             *cert);
char       *_ob_tls_x509_dup_common_name     (X509             *cert);
char       *_ob_tls_x509_fingerprint         (X509             *cert,
                                              ObHashAlgorithm   algorithm);
gboolean    _ob_tls_x509_expires_within      (X509             *cert,
                                              gint64            seconds);
gboolean    _ob_tls_x509_is_self_signed      (X509             *cert);
gboolean    _ob_tls_x509_is_issued_by        (X509             *cert,
                                              X509             *issuer);

char       *_ob_tls_x509_name_to_string      (const X509_NAME  *name);

GDateTime  *_ob_tls_asn1_time_to_date_time   (const ASN1_TIME  *time);

G_END_DECLS
