/* ob-cert-authority.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-crypto.h"
#include "ob-secret-store.h"
#include "ob-tls-error.h"

G_BEGIN_DECLS

#define OB_TYPE_CERT_AUTHORITY (ob_cert_authority_get_type ())

G_DECLARE_FINAL_TYPE (ObCertAuthority, ob_cert_authority, OB, CERT_AUTHORITY, GObject)

/* The MPS certificate authority: a self-signed root that RPS installs in
 * AMT as a trusted root, and a server certificate for the CIRA listener
 * whose CN must equal the name (or address) AMT is told to call.
 *
 * Certificates are public and live in @data_dir (mps-root.pem,
 * mps-server.pem); the private keys live only in @secrets, owner
 * OB_SECRET_OWNER_CA, ids "mps-root" and "mps-server", kind
 * OB_SECRET_KIND_PRIVATE_KEY, as PKCS#8 PEM. */
#define OB_CERT_AUTHORITY_ROOT_KEY_ID   "mps-root"
#define OB_CERT_AUTHORITY_SERVER_KEY_ID "mps-server"
#define OB_CERT_AUTHORITY_ROOT_FILE     "mps-root.pem"
#define OB_CERT_AUTHORITY_SERVER_FILE   "mps-server.pem"

ObCertAuthority *ob_cert_authority_new                   (const char           *data_dir,
                                                          ObSecretStore        *secrets);

/**
 * ob_cert_authority_ensure_async:
 * @common_name: the server certificate's CN: a DNS name or an IP address
 *
 * In a worker thread: loads the root (generating it on first start), then
 * loads the server certificate, issuing a new one when there is none, when
 * its CN differs from @common_name, when it is within 30 days of expiry or
 * when it no longer matches its key or the root.  A key found without its
 * certificate (or a certificate without its key) is repaired rather than
 * reported.  When the keyring cannot be read the call fails and nothing is
 * regenerated, so devices that trust the root keep trusting it.
 *
 * Calls made while an earlier one is still running are coalesced: each
 * worker serves the newest name asked for, so after back-to-back calls
 * the last name is the one in use and on disk, and every call reports the
 * outcome of the work that served it.
 *
 * On success #ObCertAuthority:ready becomes TRUE, and ::changed is emitted
 * if a server certificate that was in use has been replaced.
 */
void             ob_cert_authority_ensure_async          (ObCertAuthority      *self,
                                                          const char           *common_name,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
gboolean         ob_cert_authority_ensure_finish         (ObCertAuthority      *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);

gboolean         ob_cert_authority_get_ready             (ObCertAuthority      *self);
/* Main thread only (the string is replaced when an ensure completes);
 * other threads read the "common-name" property, which copies it. */
const char      *ob_cert_authority_get_common_name       (ObCertAuthority      *self);
const char      *ob_cert_authority_get_data_dir          (ObCertAuthority      *self);

/* These return NULL until the authority is ready. */
char            *ob_cert_authority_dup_root_pem          (ObCertAuthority      *self);
GBytes          *ob_cert_authority_dup_root_der          (ObCertAuthority      *self);
char            *ob_cert_authority_dup_server_pem        (ObCertAuthority      *self);
GDateTime       *ob_cert_authority_dup_server_not_after  (ObCertAuthority      *self);
char            *ob_cert_authority_dup_root_fingerprint  (ObCertAuthority      *self,
                                                          ObHashAlgorithm       algorithm);
char            *ob_cert_authority_dup_server_fingerprint (ObCertAuthority     *self,
                                                          ObHashAlgorithm       algorithm);

/* The server certificate with its private key, for GTlsServerConnection.
 * Like the reference MPS, it carries no issuer: the handshake sends the
 * server certificate alone, and devices already hold the root.  Fails with
 * OB_TLS_ERROR_NOT_READY before the authority is ready, or with the TLS
 * backend's error when GIO has no TLS support. */
GTlsCertificate *ob_cert_authority_dup_tls_certificate   (ObCertAuthority      *self,
                                                          GError              **error);

G_END_DECLS
