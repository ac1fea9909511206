/* ob-rps-certificate.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The TLS certificate of a device whose profile asks for TLS (§3.4 D,
 * self-signed): the key pair is AMT's own (GenerateKeyPair), the
 * certificate is issued for its public key by a throw-away CA made for the
 * device (CN = the device's GUID), which AMT is given as a trusted root.
 * Slow (an RSA key): call from a worker thread. */
typedef struct _ObRpsDeviceCa ObRpsDeviceCa;

/* A new CA: RSA 2048, self-signed, CN @uuid, valid from a day ago for 20
 * years. */
ObRpsDeviceCa *ob_rps_device_ca_new        (const char     *uuid,
                                            GError        **error);
void           ob_rps_device_ca_free       (ObRpsDeviceCa  *ca);
/* The CA certificate's DER. */
GBytes        *ob_rps_device_ca_get_root   (ObRpsDeviceCa  *ca);
/* A server certificate for @public_key (AMT's DERKey: a PKCS#1
 * RSAPublicKey): subject CN=AMT, O=None, ST=None (the reference also
 * writes C=None, which is not a two-letter country code and which OpenSSL
 * rightly refuses), EKU serverAuth, valid from a day ago for 10 years,
 * SHA-256.  DER. */
GBytes        *ob_rps_device_ca_issue      (ObRpsDeviceCa  *ca,
                                            GBytes         *public_key,
                                            GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObRpsDeviceCa, ob_rps_device_ca_free)

G_END_DECLS
