/* fuzz-tls-record.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObTlsRecord over arbitrary bytes.  The first byte picks the suite and
 * the side; the rest is
 *  - read as a stream of records, header by header, the way ObTlsStream
 *    reads a socket (each refused record ends the stream, as it ends a
 *    connection), and
 *  - sealed by the other side in pieces and opened again, which must give
 *    the same bytes back.
 * Besides "no crash, no leak, no over-read" a forged record must never
 * open. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ob-tls-record.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static ObTlsRecord *
make_end (guint8   selector,
          gboolean is_server)
{
  static const ObTlsRecordCipher ciphers[] = {
    OB_TLS_RECORD_AES_128_GCM, OB_TLS_RECORD_AES_256_GCM, OB_TLS_RECORD_CHACHA20_POLY1305,
  };
  ObTlsRecordCipher cipher = ciphers[(selector >> 1) % 3];
  const char *hash = cipher == OB_TLS_RECORD_AES_256_GCM ? "SHA384" : "SHA256";
  guint8 secret_a[48], secret_b[48], randoms[32];

  memset (secret_a, 0x5a, sizeof secret_a);
  memset (secret_b, 0xa5, sizeof secret_b);
  memset (randoms, 0x33, sizeof randoms);
  if ((selector & 1) == 0)
    return ob_tls_record_new_tls12 (cipher, hash, is_server, secret_a, 48, randoms, randoms, NULL);
  return ob_tls_record_new_tls13 (cipher, hash, is_server, secret_a, secret_b,
                                  cipher == OB_TLS_RECORD_AES_256_GCM ? 48 : 32, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ObTlsRecord) server = NULL;
  g_autoptr(ObTlsRecord) client = NULL;
  gsize offset = 1;

  if (size < 1)
    return 0;
  server = make_end (data[0], TRUE);
  client = make_end (data[0], FALSE);
  if (server == NULL || client == NULL)
    abort ();

  /* The bytes as records from the peer. */
  while (size - offset >= OB_TLS_RECORD_HEADER_LEN)
    {
      const guint8 *header = data + offset;
      g_autofree guint8 *payload = NULL;
      ObTlsRecordKind kind;
      guint8 *plain = NULL;
      gsize plain_len = 0;
      gssize len = ob_tls_record_check_header (server, header, NULL);

      if (len < 0 || (gsize) len > size - offset - OB_TLS_RECORD_HEADER_LEN)
        break;
      payload = g_memdup2 (header + OB_TLS_RECORD_HEADER_LEN, (gsize) len);
      /* Random bytes cannot carry a valid tag under keys they do not know. */
      if (ob_tls_record_open (server, header, payload, (gsize) len, &kind, &plain, &plain_len, NULL, NULL))
        abort ();
      break;
    }

  /* The bytes sealed by the client in pieces, opened by the server. */
  {
    gsize piece = 1 + data[0] * 97;

    for (offset = 1; offset < size; offset += piece)
      {
        gsize take = MIN (piece, MIN (size - offset, (gsize) OB_TLS_RECORD_MAX_PLAINTEXT));
        g_autoptr(GByteArray) wire = g_byte_array_new ();
        g_autofree guint8 *payload = NULL;
        ObTlsRecordKind kind;
        guint8 *plain = NULL;
        gsize plain_len = 0;

        if (!ob_tls_record_seal (client, data + offset, take, wire, NULL))
          abort ();
        payload = g_memdup2 (wire->data + OB_TLS_RECORD_HEADER_LEN, wire->len - OB_TLS_RECORD_HEADER_LEN);
        if (!ob_tls_record_open (server, wire->data, payload, wire->len - OB_TLS_RECORD_HEADER_LEN,
                                 &kind, &plain, &plain_len, NULL, NULL))
          abort ();
        if (kind != OB_TLS_RECORD_DATA || plain_len != take || (take > 0 && memcmp (plain, data + offset, take) != 0))
          abort ();
      }
  }
  return 0;
}
