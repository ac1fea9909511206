/* ob-cert-authority-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ob-cert-authority.h"

G_BEGIN_DECLS

/* The server certificates and their keys, each with a reference the
 * caller frees: RSA (kept in the keyring) and its ECDSA twin (made at
 * start, memory only).  FALSE until the authority is ready. */
gboolean _ob_cert_authority_get_server_credentials (ObCertAuthority  *self,
                                                    X509            **rsa_cert,
                                                    EVP_PKEY        **rsa_key,
                                                    X509            **ec_cert,
                                                    EVP_PKEY        **ec_key,
                                                    GError          **error);

G_END_DECLS
