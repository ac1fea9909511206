/* ob-cert-chain.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-crypto.h"
#include "ob-tls-error.h"

G_BEGIN_DECLS

/* The OID AMT requires in a provisioning certificate's extended key usage
 * for admin control mode activation. */
#define OB_AMT_PROVISIONING_EKU_OID "2.16.840.1.113741.1.2.3"

#define OB_TYPE_CERT_CHAIN (ob_cert_chain_get_type ())

G_DECLARE_FINAL_TYPE (ObCertChain, ob_cert_chain, OB, CERT_CHAIN, GObject)

/**
 * ob_cert_chain_new_from_pkcs12:
 * @pfx: the PKCS#12 (PFX) file
 * @password: (nullable): its password; NULL and "" both mean an empty one
 * @error: errors in the %OB_TLS_ERROR domain
 *
 * Opens an ACM provisioning certificate: the leaf (the certificate the
 * private key belongs to, the one no other certificate in the file was
 * issued by), then its issuers up to a self-signed root, whatever order the
 * file had them in.  Certificates not on that path are dropped.  Every
 * certificate on the path must be valid now.  Runs in the caller's thread;
 * it is quick (no key generation), but callers on the main loop may still
 * prefer a worker thread for large files.
 *
 * Returns: (transfer full): the chain, or NULL with @error set
 */
ObCertChain *ob_cert_chain_new_from_pkcs12           (GBytes           *pfx,
                                                      const char       *password,
                                                      GError          **error);

/* Index 0 is the leaf, the last index the root. */
guint        ob_cert_chain_get_n_certificates        (ObCertChain      *self);
GBytes      *ob_cert_chain_dup_certificate_der       (ObCertChain      *self,
                                                      guint             index);
char        *ob_cert_chain_dup_certificate_pem       (ObCertChain      *self,
                                                      guint             index);
/* Base64 of the DER without line breaks: what AddNextCertInChain takes. */
char        *ob_cert_chain_dup_certificate_base64    (ObCertChain      *self,
                                                      guint             index);
char        *ob_cert_chain_dup_subject_cn            (ObCertChain      *self,
                                                      guint             index);
GDateTime   *ob_cert_chain_dup_not_after             (ObCertChain      *self,
                                                      guint             index);
/* The whole chain, leaf first, as concatenated PEM. */
char        *ob_cert_chain_dup_pem                   (ObCertChain      *self);

const char  *ob_cert_chain_get_leaf_common_name      (ObCertChain      *self);
GDateTime   *ob_cert_chain_dup_earliest_expiry       (ObCertChain      *self);
char        *ob_cert_chain_dup_root_fingerprint      (ObCertChain      *self,
                                                      ObHashAlgorithm   algorithm);
gboolean     ob_cert_chain_matches_domain_suffix     (ObCertChain      *self,
                                                      const char       *domain_suffix);
gboolean     ob_cert_chain_leaf_has_provisioning_eku (ObCertChain      *self);

/* The private key stays inside the object: sign with it (ACM AdminSetup
 * signs fwNonce ‖ McNonce), or take a PKCS#8 PEM copy that is wiped when
 * the bytes are freed. */
GBytes      *ob_cert_chain_sign_rsa_sha256           (ObCertChain      *self,
                                                      GBytes           *data,
                                                      GError          **error);
GBytes      *ob_cert_chain_dup_private_key_pem       (ObCertChain      *self,
                                                      GError          **error);

G_END_DECLS
