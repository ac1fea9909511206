/* test-tls-record.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* ObTlsRecord on its own: two ends made from the same secrets exchange
 * records both ways for every version and suite, and every hostile record
 * (forged, replayed, reordered, truncated, oversized, of a wrong type or
 * version) is refused.  Interoperability with a real TLS stack is
 * test-tls-stream's part. */

#include "config.h"

#include <string.h>

#include "ob-tls-error.h"
#include "ob-tls-record.h"

typedef struct
{
  const char         *name;
  ObTlsRecordVersion  version;
  ObTlsRecordCipher   cipher;
  const char         *hash;
} Suite;

static const Suite suites[] = {
  { "tls12-aes128", OB_TLS_RECORD_VERSION_1_2, OB_TLS_RECORD_AES_128_GCM, "SHA256" },
  { "tls12-aes256", OB_TLS_RECORD_VERSION_1_2, OB_TLS_RECORD_AES_256_GCM, "SHA384" },
  { "tls12-chacha", OB_TLS_RECORD_VERSION_1_2, OB_TLS_RECORD_CHACHA20_POLY1305, "SHA256" },
  { "tls13-aes128", OB_TLS_RECORD_VERSION_1_3, OB_TLS_RECORD_AES_128_GCM, "SHA256" },
  { "tls13-aes256", OB_TLS_RECORD_VERSION_1_3, OB_TLS_RECORD_AES_256_GCM, "SHA384" },
  { "tls13-chacha", OB_TLS_RECORD_VERSION_1_3, OB_TLS_RECORD_CHACHA20_POLY1305, "SHA256" },
};

static ObTlsRecord *
make_end (const Suite *suite,
          gboolean     is_server)
{
  guint8 secret_a[48], secret_b[48], client_random[32], server_random[32];
  gsize secret_len = g_str_equal (suite->hash, "SHA384") ? 48 : 32;
  g_autoptr(GError) error = NULL;
  ObTlsRecord *record;

  for (guint i = 0; i < 48; i++)
    {
      secret_a[i] = (guint8) (i * 7 + 1);
      secret_b[i] = (guint8) (i * 13 + 5);
    }
  for (guint i = 0; i < 32; i++)
    {
      client_random[i] = (guint8) (200 - i);
      server_random[i] = (guint8) (i * 3);
    }
  if (suite->version == OB_TLS_RECORD_VERSION_1_2)
    record = ob_tls_record_new_tls12 (suite->cipher, suite->hash, is_server, secret_a, 48,
                                      client_random, server_random, &error);
  else
    record = ob_tls_record_new_tls13 (suite->cipher, suite->hash, is_server, secret_a, secret_b,
                                      secret_len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (record);
  return record;
}

/* Opens the first record in @wire (a copy: opening works in place). */
static gboolean
open_one (ObTlsRecord      *record,
          const guint8     *wire,
          gsize             wire_len,
          ObTlsRecordKind  *kind,
          GByteArray       *plaintext,
          GError          **error)
{
  g_autofree guint8 *payload = NULL;
  guint8 *plain = NULL;
  gsize plain_len = 0;
  gsize announced;

  g_assert_cmpuint (wire_len, >=, OB_TLS_RECORD_HEADER_LEN);
  announced = ((gsize) wire[3] << 8) | wire[4];
  payload = g_memdup2 (wire + OB_TLS_RECORD_HEADER_LEN, wire_len - OB_TLS_RECORD_HEADER_LEN);
  if (!ob_tls_record_open (record, wire, payload, MIN (announced, wire_len - OB_TLS_RECORD_HEADER_LEN),
                           kind, &plain, &plain_len, NULL, error))
    return FALSE;
  if (plaintext != NULL && plain_len > 0)
    g_byte_array_append (plaintext, plain, (guint) plain_len);
  return TRUE;
}

static void
test_round_trip (gconstpointer data)
{
  const Suite *suite = data;
  g_autoptr(ObTlsRecord) server = make_end (suite, TRUE);
  g_autoptr(ObTlsRecord) client = make_end (suite, FALSE);
  static const gsize sizes[] = { 0, 1, 13, 255, 1024, 16383, 16384 };

  for (guint round = 0; round < 3; round++)
    for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
      {
        g_autofree guint8 *data_out = g_malloc (sizes[i] + 1);
        g_autoptr(GByteArray) wire = g_byte_array_new ();
        g_autoptr(GByteArray) got = g_byte_array_new ();
        g_autoptr(GError) error = NULL;
        ObTlsRecord *from = (i + round) % 2 == 0 ? client : server;
        ObTlsRecord *to = from == client ? server : client;
        ObTlsRecordKind kind;

        for (gsize j = 0; j < sizes[i]; j++)
          data_out[j] = (guint8) (j ^ i ^ round);
        g_assert_true (ob_tls_record_seal (from, data_out, sizes[i], wire, &error));
        g_assert_no_error (error);
        g_assert_cmpuint (wire->data[0], ==, 23);
        g_assert_true (open_one (to, wire->data, wire->len, &kind, got, &error));
        g_assert_no_error (error);
        g_assert_cmpint (kind, ==, OB_TLS_RECORD_DATA);
        g_assert_cmpmem (got->data, got->len, data_out, sizes[i]);
      }

  /* close_notify */
  {
    g_autoptr(GByteArray) wire = g_byte_array_new ();
    g_autoptr(GError) error = NULL;
    ObTlsRecordKind kind;

    g_assert_true (ob_tls_record_seal_close (server, wire, &error));
    g_assert_true (open_one (client, wire->data, wire->len, &kind, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (kind, ==, OB_TLS_RECORD_CLOSE);
  }

  /* Too much for one record. */
  {
    g_autofree guint8 *big = g_malloc0 (OB_TLS_RECORD_MAX_PLAINTEXT + 1);
    g_autoptr(GByteArray) wire = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    g_assert_false (ob_tls_record_seal (client, big, OB_TLS_RECORD_MAX_PLAINTEXT + 1, wire, &error));
    g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED);
    g_assert_cmpuint (wire->len, ==, 0);
  }
}

/* A fresh pair and one sealed record of "hello". */
static GByteArray *
sealed_hello (const Suite  *suite,
              ObTlsRecord **server)
{
  g_autoptr(ObTlsRecord) client = make_end (suite, FALSE);
  GByteArray *wire = g_byte_array_new ();

  *server = make_end (suite, TRUE);
  g_assert_true (ob_tls_record_seal (client, (const guint8 *) "hello", 5, wire, NULL));
  return wire;
}

static void
test_forged (gconstpointer data)
{
  const Suite *suite = data;

  /* Every byte of the record flipped in turn: the header's type, version
   * or length, or the payload: never accepted. */
  {
    g_autoptr(ObTlsRecord) probe = NULL;
    g_autoptr(GByteArray) reference = sealed_hello (suite, &probe);

    for (guint i = 0; i < reference->len; i++)
      {
        g_autoptr(ObTlsRecord) server = NULL;
        g_autoptr(GByteArray) wire = sealed_hello (suite, &server);
        g_autoptr(GError) error = NULL;
        ObTlsRecordKind kind;

        wire->data[i] ^= 0x01;
        g_assert_false (open_one (server, wire->data, wire->len, &kind, NULL, &error));
        g_assert_nonnull (error);
      }
  }

  /* Replayed and reordered. */
  {
    g_autoptr(ObTlsRecord) client = make_end (suite, FALSE);
    g_autoptr(ObTlsRecord) server = make_end (suite, TRUE);
    g_autoptr(GByteArray) first = g_byte_array_new ();
    g_autoptr(GByteArray) second = g_byte_array_new ();
    g_autoptr(GError) error = NULL;
    ObTlsRecordKind kind;

    g_assert_true (ob_tls_record_seal (client, (const guint8 *) "one", 3, first, NULL));
    g_assert_true (ob_tls_record_seal (client, (const guint8 *) "two", 3, second, NULL));
    g_assert_false (open_one (server, second->data, second->len, &kind, NULL, &error));
    g_clear_error (&error);

    g_clear_pointer (&server, ob_tls_record_free);
    server = make_end (suite, TRUE);
    g_assert_true (open_one (server, first->data, first->len, &kind, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (open_one (server, first->data, first->len, &kind, NULL, &error));
    g_assert_nonnull (error);
  }

  /* A record sealed by the same side (its own keys) is not the peer's. */
  {
    g_autoptr(ObTlsRecord) server = make_end (suite, TRUE);
    g_autoptr(ObTlsRecord) other_server = make_end (suite, TRUE);
    g_autoptr(GByteArray) wire = g_byte_array_new ();
    g_autoptr(GError) error = NULL;
    ObTlsRecordKind kind;

    g_assert_true (ob_tls_record_seal (other_server, (const guint8 *) "mirror", 6, wire, NULL));
    g_assert_false (open_one (server, wire->data, wire->len, &kind, NULL, &error));
    g_assert_nonnull (error);
  }
}

static void
test_headers (gconstpointer data)
{
  const Suite *suite = data;
  g_autoptr(ObTlsRecord) record = make_end (suite, TRUE);
  gboolean tls13 = suite->version == OB_TLS_RECORD_VERSION_1_3;
  struct { guint8 header[5]; gboolean ok; } cases[] = {
    { { 23, 3, 3, 0, 40 }, TRUE },
    { { 23, 3, 1, 0, 40 }, FALSE },              /* TLS 1.0 version bytes */
    { { 23, 2, 3, 0, 40 }, FALSE },
    { { 22, 3, 3, 0, 40 }, FALSE },              /* handshake: renegotiation or plain */
    { { 20, 3, 3, 0, 1 }, FALSE },               /* ChangeCipherSpec */
    { { 24, 3, 3, 0, 40 }, FALSE },              /* heartbeat */
    { { 0, 3, 3, 0, 40 }, FALSE },
    { { 23, 3, 3, 0, 0 }, FALSE },               /* no room for a tag */
    { { 23, 3, 3, 0, 15 }, FALSE },
    { { 23, 3, 3, 0x48, 0x01 }, FALSE },         /* 18433 */
    { { 23, 3, 3, 0xff, 0xff }, FALSE },
    { { 21, 3, 3, 0, 40 }, !tls13 },             /* TLS 1.2 alerts are their own type */
    { { 23, 3, 3, 0x41, 0x00 }, TRUE },          /* 16640: 2^14 + 256 */
    { { 23, 3, 3, 0x41, 0x01 }, !tls13 },        /* beyond TLS 1.3's limit, within 1.2's */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gssize len = ob_tls_record_check_header (record, cases[i].header, &error);

      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_cmpint (len, ==, ((gssize) cases[i].header[3] << 8) | cases[i].header[4]);
        }
      else
        {
          g_assert_cmpint (len, ==, -1);
          g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED);
        }
    }

  /* A payload shorter or longer than its header says. */
  {
    g_autoptr(ObTlsRecord) server = NULL;
    g_autoptr(GByteArray) wire = sealed_hello (suite, &server);
    g_autofree guint8 *payload = g_memdup2 (wire->data + 5, wire->len - 5);
    g_autoptr(GError) error = NULL;
    ObTlsRecordKind kind;
    guint8 *plain;
    gsize plain_len;

    g_assert_false (ob_tls_record_open (server, wire->data, payload, wire->len - 6, &kind, &plain,
                                        &plain_len, NULL, &error));
    g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED);
  }
}

static void
test_bad_setup (void)
{
  guint8 secret[48] = { 0 };
  guint8 random[32] = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_null (ob_tls_record_new_tls12 (OB_TLS_RECORD_AES_128_GCM, "SHA256", TRUE, secret, 0, random,
                                          random, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (ob_tls_record_new_tls13 (OB_TLS_RECORD_AES_128_GCM, "SHA256", TRUE, secret, secret, 49,
                                          &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (ob_tls_record_new_tls13 (OB_TLS_RECORD_AES_128_GCM, "NO-SUCH-HASH", TRUE, secret, secret,
                                          32, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (suites); i++)
    {
      g_autofree char *round_trip = g_strdup_printf ("/tls-record/round-trip/%s", suites[i].name);
      g_autofree char *forged = g_strdup_printf ("/tls-record/forged/%s", suites[i].name);
      g_autofree char *headers = g_strdup_printf ("/tls-record/headers/%s", suites[i].name);

      g_test_add_data_func (round_trip, &suites[i], test_round_trip);
      g_test_add_data_func (forged, &suites[i], test_forged);
      g_test_add_data_func (headers, &suites[i], test_headers);
    }
  g_test_add_func ("/tls-record/bad-setup", test_bad_setup);

  return g_test_run ();
}
