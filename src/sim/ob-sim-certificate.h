/* ob-sim-certificate.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A self-signed TLS server certificate for a simulated device: RSA 2048,
 * SHA-256, CN and DNS name @common_name (plus @ip_address as an IP
 * subjectAltName when given), valid from a day ago for a year, random
 * serial.  The RSA key is made once per process and shared (key
 * generation is the slow part); each call gives a distinct certificate.
 * Blocking (the first call generates the key): call from a worker thread
 * where that matters. */
GTlsCertificate *ob_sim_certificate_new (const char  *common_name,
                                         const char  *ip_address,
                                         GError     **error);

G_END_DECLS
