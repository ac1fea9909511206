/* ob-tls-record.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ObTlsRecord: the record protection of an established TLS 1.2 or 1.3
 * connection with an AEAD suite (AES-GCM, ChaCha20-Poly1305), kept apart
 * from the library that did the handshake.  OpenSSL 3 holds about 13 KiB
 * per connection after a handshake, most of it in the SSL object itself;
 * an idle CIRA connection needs only its keys and sequence numbers, which
 * this keeps in about a hundred bytes (cipher contexts are made per
 * record).
 *
 * Pure: no I/O.  The stream feeds it whole records and sends what it
 * seals.  Anything malformed, forged, out of order or too long is an
 * error, and the connection is over. */

typedef struct _ObTlsRecord ObTlsRecord;

typedef enum
{
  OB_TLS_RECORD_VERSION_1_2,
  OB_TLS_RECORD_VERSION_1_3,
} ObTlsRecordVersion;

typedef enum
{
  OB_TLS_RECORD_AES_128_GCM,
  OB_TLS_RECORD_AES_256_GCM,
  OB_TLS_RECORD_CHACHA20_POLY1305,
} ObTlsRecordCipher;

/* What an opened record held. */
typedef enum
{
  OB_TLS_RECORD_DATA,         /* application data (may be empty) */
  OB_TLS_RECORD_CLOSE,        /* the peer's close_notify */
  OB_TLS_RECORD_NOTHING,      /* a message handled here (a ticket, a key update) */
} ObTlsRecordKind;

/* Record header and the largest record a peer may send (RFC 8446 5.2 and
 * RFC 5246 6.2.3: 2^14 plus the expansion). */
#define OB_TLS_RECORD_HEADER_LEN   5
#define OB_TLS_RECORD_MAX_PAYLOAD  (16384 + 2048)
/* The most plaintext one sealed record carries. */
#define OB_TLS_RECORD_MAX_PLAINTEXT 16384

/* TLS 1.2: from the master secret and both randoms (keys expanded with
 * the suite's PRF hash, "sha256" or "sha384").  Sequence numbers start at
 * 1: each side's Finished was record 0.
 * TLS 1.3: from the two application traffic secrets (hash as the suite's);
 * sequence numbers start at 0.
 * Returns NULL with @error set when the suite or the secrets cannot be
 * used.  The secrets are copied (and wiped when freed). */
ObTlsRecord *ob_tls_record_new_tls12 (ObTlsRecordCipher   cipher,
                                      const char         *prf_hash,
                                      gboolean            is_server,
                                      const guint8       *master_secret,
                                      gsize               master_secret_len,
                                      const guint8        client_random[32],
                                      const guint8        server_random[32],
                                      GError            **error);
ObTlsRecord *ob_tls_record_new_tls13 (ObTlsRecordCipher   cipher,
                                      const char         *hash,
                                      gboolean            is_server,
                                      const guint8       *client_secret,
                                      const guint8       *server_secret,
                                      gsize               secret_len,
                                      GError            **error);
void         ob_tls_record_free      (ObTlsRecord        *self);

/* The payload length a header announces, or -1 with @error set when the
 * header is not one of a protected record of this connection. */
gssize       ob_tls_record_check_header (ObTlsRecord   *self,
                                         const guint8   header[OB_TLS_RECORD_HEADER_LEN],
                                         GError       **error);

/* Opens one record (@header and its @payload of the announced length) in
 * place.  For OB_TLS_RECORD_DATA *@plaintext / *@plaintext_len point into
 * @payload.  Post-handshake messages are handled here: a TLS 1.3 key
 * update changes the receiving keys, and when the peer asks for one in
 * return, *@reply (if not NULL) gets a sealed record to send (free with
 * g_free) and the sending keys change after it. */
gboolean     ob_tls_record_open      (ObTlsRecord        *self,
                                      const guint8        header[OB_TLS_RECORD_HEADER_LEN],
                                      guint8             *payload,
                                      gsize               payload_len,
                                      ObTlsRecordKind    *kind,
                                      guint8            **plaintext,
                                      gsize              *plaintext_len,
                                      GByteArray         *reply,
                                      GError            **error);

/* Appends one sealed record of application data (at most
 * OB_TLS_RECORD_MAX_PLAINTEXT bytes of it) to @out. */
gboolean     ob_tls_record_seal      (ObTlsRecord        *self,
                                      const guint8       *data,
                                      gsize               len,
                                      GByteArray         *out,
                                      GError            **error);
/* Appends a sealed close_notify alert to @out. */
gboolean     ob_tls_record_seal_close (ObTlsRecord       *self,
                                       GByteArray        *out,
                                       GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObTlsRecord, ob_tls_record_free)

G_END_DECLS
