/* ob-lan-stream-source.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-device-error.h"
#include "ob-stream-source.h"

G_BEGIN_DECLS

#define OB_LAN_STREAM_SOURCE_DEFAULT_CONNECT_TIMEOUT 10

/* AMT's plain ports; with use-tls a stream asked for on one of them goes
 * to the TLS port above it (16993, 16995). */
#define OB_LAN_PORT_WSMAN       16992
#define OB_LAN_PORT_REDIRECTION 16994

#define OB_TYPE_LAN_STREAM_SOURCE (ob_lan_stream_source_get_type ())

G_DECLARE_FINAL_TYPE (ObLanStreamSource, ob_lan_stream_source, OB, LAN_STREAM_SOURCE, GObject)

/* An ObStreamSource that reaches a device on the LAN: a TCP connection to
 * host:port (host an IPv4 or IPv6 literal, without brackets, or a DNS
 * name), wrapped in TLS when use-tls is set.  The port comes from the
 * caller (16992/16994 plain, 16993/16995 TLS on real firmware): with
 * use-tls every stream this source opens is TLS, without it every stream
 * is plain TCP.  With use-tls, 16992 and 16994 are taken to mean the
 * service and mapped to 16993 and 16995, so the redirection session can
 * always ask for 16994; other ports are used as given.
 *
 * TLS trust is certificate pinning, never the system CAs (AMT certificates
 * are self-signed): the handshake succeeds only when the SHA-256 of the
 * peer certificate's DER equals pinned-fingerprint.  With no pin every TLS
 * connection is refused with OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED; use
 * ob_lan_stream_source_probe_certificate_async() to read the certificate
 * and have the admin confirm it (trust on first use).
 *
 * legacy-tls records that the device's firmware only speaks TLS 1.0/1.1.
 * GIO cannot choose protocol versions per connection; see the comment on
 * ob_lan_stream_source_set_legacy_tls().
 *
 * Properties may be changed at any time; they apply to streams opened
 * afterwards.  Properties: host (construct only), use-tls,
 * pinned-fingerprint, legacy-tls, connect-timeout (seconds, 0 = none). */
ObLanStreamSource *ob_lan_stream_source_new                    (const char         *host);

const char        *ob_lan_stream_source_get_host               (ObLanStreamSource  *self);
gboolean           ob_lan_stream_source_get_use_tls            (ObLanStreamSource  *self);
void               ob_lan_stream_source_set_use_tls            (ObLanStreamSource  *self,
                                                                gboolean            use_tls);
/* Lower-case hex without separators, or NULL. */
const char        *ob_lan_stream_source_get_pinned_fingerprint (ObLanStreamSource  *self);
/* Accepts any case, with or without ':' separators (see
 * ob_lan_stream_source_normalize_fingerprint); an invalid value or NULL
 * clears the pin.  Returns FALSE when @fingerprint was non-NULL but not a
 * SHA-256 fingerprint. */
gboolean           ob_lan_stream_source_set_pinned_fingerprint (ObLanStreamSource  *self,
                                                                const char         *fingerprint);
gboolean           ob_lan_stream_source_get_legacy_tls         (ObLanStreamSource  *self);
/* Allow TLS 1.0/1.1 for this device.  Honoured as far as the TLS backend
 * allows; ob_lan_stream_source_legacy_tls_supported() says whether this
 * process can actually negotiate those versions (GIO has no per-connection
 * protocol-version setting: with glib-networking's GnuTLS backend only the
 * process-wide G_TLS_GNUTLS_PRIORITY variable, set before the first TLS
 * connection, changes them).  When the process cannot, a handshake that
 * fails on such a device reports that in plain words. */
void               ob_lan_stream_source_set_legacy_tls         (ObLanStreamSource  *self,
                                                                gboolean            legacy_tls);
guint              ob_lan_stream_source_get_connect_timeout    (ObLanStreamSource  *self);
void               ob_lan_stream_source_set_connect_timeout    (ObLanStreamSource  *self,
                                                                guint               seconds);

/* Connects to @host:@port, completes a TLS handshake accepting whatever
 * certificate the peer shows ONLY to read it, closes the connection and
 * returns the certificate's SHA-256 fingerprint (lower-case hex and the
 * colon-separated upper-case display form), its subject (RFC 4514-ish
 * text as GIO gives it, or NULL when unavailable) and the certificate
 * itself.  Nothing is sent over the connection.  Any of the out arguments
 * may be NULL. */
void               ob_lan_stream_source_probe_certificate_async  (const char           *host,
                                                                  guint                 port,
                                                                  guint                 timeout_seconds,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
gboolean           ob_lan_stream_source_probe_certificate_finish (GAsyncResult         *result,
                                                                  char                **fingerprint,
                                                                  char                **fingerprint_display,
                                                                  char                **subject,
                                                                  GTlsCertificate     **certificate,
                                                                  GError              **error);

/* SHA-256 of the certificate's DER, lower-case hex. */
char              *ob_lan_stream_source_certificate_fingerprint  (GTlsCertificate      *certificate);
/* "ab:CD:…" or "abcd…" (64 hex digits, separators ':' or none, any case)
 * -> lower-case hex; NULL with OB_DEVICE_ERROR_INVALID_ARGUMENT otherwise. */
char              *ob_lan_stream_source_normalize_fingerprint    (const char           *text,
                                                                  GError              **error);
/* Lower-case (or any) hex -> "AB:CD:…". */
char              *ob_lan_stream_source_format_fingerprint       (const char           *hex);
/* Whether this process can negotiate TLS 1.0/1.1 at all (see above). */
gboolean           ob_lan_stream_source_legacy_tls_supported     (void);

G_END_DECLS
