/* test-jwt.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-json.h"
#include "ob-jwt.h"

#define NOW G_GINT64_CONSTANT (1767225600) /* 2026-01-01 */

static const guint8 key[OB_JWT_KEY_SIZE] = {
  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
  0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
};

static JsonObject *
mps_claims (gint64 exp)
{
  JsonObject *claims = json_object_new ();

  json_object_set_string_member (claims, "tenantId", "");
  json_object_set_string_member (claims, "iss", "9EmRJTbIiIb4bIeSsmgcWIjrR6HyETqc");
  json_object_set_string_member (claims, "deviceId", "*");
  json_object_set_int_member (claims, "exp", exp);

  return claims;
}

/* A token made of our own segments, for hand-crafted attacks. */
static char *
assemble (const char *header_json,
          const char *payload_json,
          const char *signature_b64)
{
  g_autofree char *h = ob_jwt_base64url_encode ((const guint8 *) header_json, strlen (header_json));
  g_autofree char *p = ob_jwt_base64url_encode ((const guint8 *) payload_json, strlen (payload_json));

  return g_strconcat (h, ".", p, ".", signature_b64, NULL);
}

/* HS256 of "<h>.<p>" with @k, base64url, computed independently of
 * ob_jwt_sign through GLib's one-shot HMAC. */
static char *
sign_input (const guint8 *k,
            gsize         k_len,
            const char   *header_json,
            const char   *payload_json)
{
  g_autofree char *h = ob_jwt_base64url_encode ((const guint8 *) header_json, strlen (header_json));
  g_autofree char *p = ob_jwt_base64url_encode ((const guint8 *) payload_json, strlen (payload_json));
  g_autofree char *input = g_strconcat (h, ".", p, NULL);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, k, k_len);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_hmac_update (hmac, (const guchar *) input, strlen (input));
  g_hmac_get_digest (hmac, digest, &len);

  return ob_jwt_base64url_encode (digest, len);
}

static void
test_base64url (void)
{
  static const struct { const char *plain; const char *encoded; } vectors[] = {
    /* RFC 4648 §10, without padding, plus the two url-safe characters. */
    { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
    { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
    { "\xfb\xff", "-_8" },
  };
  static const char * const invalid[] = {
    "Zg==",   /* padding is not base64url as JWS uses it */
    "Z",      /* 6 bits cannot make a byte */
    "Zh",     /* stray low bits: "Zg" is the one encoding of "f" */
    "Zm9+",   /* '+' and '/' belong to the other alphabet */
    "Zm9/",
    "Zm 9v",
    "Zm9v\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *enc = ob_jwt_base64url_encode ((const guint8 *) vectors[i].plain,
                                                      strlen (vectors[i].plain));
      g_autoptr(GBytes) dec = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_cmpstr (enc, ==, vectors[i].encoded);
      dec = ob_jwt_base64url_decode (enc, strlen (enc), &error);
      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (dec, NULL), g_bytes_get_size (dec),
                       vectors[i].plain, strlen (vectors[i].plain));
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) dec = ob_jwt_base64url_decode (invalid[i], strlen (invalid[i]), &error);

      g_assert_null (dec);
      g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED);
    }
}

static void
test_sign_verify (void)
{
  g_autoptr(JsonObject) claims = mps_claims (NOW + 86400);
  g_autofree char *token = ob_jwt_sign (key, sizeof key, claims);
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  g_autoptr(GBytes) header = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autofree char *expected_sig = NULL;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);

  /* The reference's fixed header, byte for byte. */
  header = ob_jwt_base64url_decode (parts[0], strlen (parts[0]), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (header, NULL), g_bytes_get_size (header),
                   "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", 27);

  /* The signature is HMAC-SHA256 over "header.payload" (checked with an
   * independent HMAC, not with ob_jwt_verify). */
  {
    g_autoptr(GBytes) p = ob_jwt_base64url_decode (parts[1], strlen (parts[1]), &error);
    g_autofree char *payload_json = g_strndup (g_bytes_get_data (p, NULL), g_bytes_get_size (p));

    expected_sig = sign_input (key, sizeof key, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload_json);
    g_assert_cmpstr (parts[2], ==, expected_sig);
  }

  payload = ob_jwt_verify (key, sizeof key, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (payload);
  g_assert_cmpstr (json_object_get_string_member (payload, "deviceId"), ==, "*");
  g_assert_cmpstr (json_object_get_string_member (payload, "tenantId"), ==, "");
  g_assert_cmpint (json_object_get_int_member (payload, "exp"), ==, NOW + 86400);
  g_assert_false (json_object_has_member (payload, "iat"));
}

static void
test_expired (void)
{
  g_autoptr(JsonObject) claims = mps_claims (NOW);
  g_autofree char *token = ob_jwt_sign (key, sizeof key, claims);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) payload = NULL;

  /* exp == now is already expired; one second before it is valid. */
  payload = ob_jwt_verify (key, sizeof key, token, NOW, &error);
  g_assert_null (payload);
  g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_EXPIRED);
  g_clear_error (&error);

  payload = ob_jwt_verify (key, sizeof key, token, NOW - 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (payload);
}

static void
test_claims (void)
{
  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  static const struct { const char *payload; int code; } cases[] = {
    { "{\"iss\":\"x\"}", OB_JWT_ERROR_CLAIMS },             /* no exp */
    { "{\"exp\":\"4102444800\"}", OB_JWT_ERROR_CLAIMS },    /* exp as a string */
    { "{\"exp\":null}", OB_JWT_ERROR_CLAIMS },
    { "{\"exp\":[4102444800]}", OB_JWT_ERROR_CLAIMS },
    { "{\"exp\":4102444800,\"nbf\":4102444000}", OB_JWT_ERROR_EXPIRED }, /* not yet valid */
    { "{\"exp\":4102444800,\"nbf\":true}", OB_JWT_ERROR_CLAIMS },
    { "[1,2,3]", OB_JWT_ERROR_MALFORMED },                  /* payload not an object */
    { "{\"exp\":4102444800", OB_JWT_ERROR_MALFORMED },      /* truncated JSON */
    { "{\"exp\":4102444800,\"a\":\"\xff\"}", OB_JWT_ERROR_MALFORMED }, /* not UTF-8 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *sig = sign_input (key, sizeof key, header, cases[i].payload);
      g_autofree char *token = assemble (header, cases[i].payload, sig);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) payload = ob_jwt_verify (key, sizeof key, token, NOW, &error);

      g_assert_null (payload);
      g_assert_error (error, OB_JWT_ERROR, cases[i].code);
    }

  /* A fractional exp in the future is fine. */
  {
    const char *ok = "{\"exp\":4102444800.5}";
    g_autofree char *sig = sign_input (key, sizeof key, header, ok);
    g_autofree char *token = assemble (header, ok, sig);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) payload = ob_jwt_verify (key, sizeof key, token, NOW, &error);

    g_assert_no_error (error);
    g_assert_nonnull (payload);
  }
}

static void
test_forged_signature (void)
{
  g_autoptr(JsonObject) claims = mps_claims (NOW + 3600);
  g_autofree char *token = ob_jwt_sign (key, sizeof key, claims);
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  gsize sig_len = strlen (parts[2]);

  /* Flip each signature character in turn (keeping it canonical
   * base64url), then the payload: every variant must fail. */
  for (gsize i = 0; i < sig_len; i++)
    {
      g_autofree char *forged = g_strdup (token);
      char *c = forged + strlen (parts[0]) + strlen (parts[1]) + 2 + i;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) payload = NULL;

      /* The last character carries 4 stray bits; change a kept bit. */
      *c = (*c == 'A') ? 'Q' : 'A';
      payload = ob_jwt_verify (key, sizeof key, forged, NOW, &error);
      g_assert_null (payload);
      g_assert_true (g_error_matches (error, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE)
                     || g_error_matches (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED));
    }

  /* Same signature, payload raised to deviceId of a single device and a
   * later expiry: the signature no longer matches. */
  {
    g_autoptr(JsonObject) other = mps_claims (NOW + 999999);
    g_autofree char *other_token = ob_jwt_sign (key, sizeof key, other);
    g_auto(GStrv) other_parts = g_strsplit (other_token, ".", -1);
    g_autofree char *forged = g_strjoin (".", parts[0], other_parts[1], parts[2], NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) payload = ob_jwt_verify (key, sizeof key, forged, NOW, &error);

    g_assert_null (payload);
    g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE);
  }

  /* A truncated and an over-long signature. */
  {
    g_autofree char *shorter = g_strndup (token, strlen (token) - 4);
    g_autofree char *longer = g_strconcat (token, "AAAA", NULL);
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(JsonObject) p1 = ob_jwt_verify (key, sizeof key, shorter, NOW, &e1);
    g_autoptr(JsonObject) p2 = ob_jwt_verify (key, sizeof key, longer, NOW, &e2);

    g_assert_null (p1);
    g_assert_error (e1, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE);
    g_assert_null (p2);
    g_assert_error (e2, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE);
  }
}

static void
test_wrong_key (void)
{
  g_autoptr(JsonObject) claims = mps_claims (NOW + 3600);
  g_autofree char *token = ob_jwt_sign (key, sizeof key, claims);
  guint8 other[OB_JWT_KEY_SIZE];
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) payload = NULL;

  memcpy (other, key, sizeof other);
  other[31] ^= 0x01;

  payload = ob_jwt_verify (other, sizeof other, token, NOW, &error);
  g_assert_null (payload);
  g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE);
  g_clear_error (&error);

  /* A prefix of the right key is another key too. */
  payload = ob_jwt_verify (key, sizeof key - 1, token, NOW, &error);
  g_assert_null (payload);
  g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE);
}

static void
test_algorithms (void)
{
  static const char payload_json[] = "{\"tenantId\":\"\",\"deviceId\":\"*\",\"exp\":4102444800}";
  static const char * const headers[] = {
    "{\"alg\":\"none\",\"typ\":\"JWT\"}",
    "{\"alg\":\"None\"}",
    "{\"alg\":\"HS384\",\"typ\":\"JWT\"}",
    "{\"alg\":\"HS512\"}",
    "{\"alg\":\"RS256\"}",
    "{\"alg\":\"hs256\"}",
    "{\"alg\":\"HS256 \"}",
    "{\"typ\":\"JWT\"}",
    "{\"alg\":null}",
    "{\"alg\":256}",
    "{\"alg\":[\"HS256\"]}",
    "{\"alg\":{\"name\":\"HS256\"}}",
    "{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      /* Signed with the right key, so only the algorithm check can stop
       * it; and the classic unsigned "none" token with an empty or
       * arbitrary signature. */
      g_autofree char *sig = sign_input (key, sizeof key, headers[i], payload_json);
      g_autofree char *token = assemble (headers[i], payload_json, sig);
      g_autofree char *unsigned_token = assemble (headers[i], payload_json, "");
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) error2 = NULL;
      g_autoptr(JsonObject) payload = ob_jwt_verify (key, sizeof key, token, NOW, &error);
      g_autoptr(JsonObject) payload2 = ob_jwt_verify (key, sizeof key, unsigned_token, NOW, &error2);

      g_assert_null (payload);
      g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_ALGORITHM);
      g_assert_null (payload2);
      g_assert_nonnull (error2);
    }

  /* Extra header members (kid, typ of another case) do not matter. */
  {
    const char *header = "{\"typ\":\"jwt\",\"alg\":\"HS256\",\"kid\":\"1\"}";
    g_autofree char *sig = sign_input (key, sizeof key, header, payload_json);
    g_autofree char *token = assemble (header, payload_json, sig);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) payload = ob_jwt_verify (key, sizeof key, token, NOW, &error);

    g_assert_no_error (error);
    g_assert_nonnull (payload);
  }
}

static void
test_malformed (void)
{
  g_autoptr(JsonObject) claims = mps_claims (NOW + 3600);
  g_autofree char *good = ob_jwt_sign (key, sizeof key, claims);
  g_auto(GStrv) p = g_strsplit (good, ".", -1);
  g_autofree char *huge = NULL;
  g_autofree char *deep = NULL;
  g_autofree char *two = g_strjoin (".", p[0], p[1], NULL);
  g_autofree char *four = g_strjoin (".", p[0], p[1], p[2], p[2], NULL);
  g_autofree char *empty_header = g_strjoin (".", "", p[1], p[2], NULL);
  g_autofree char *empty_payload = g_strjoin (".", p[0], "", p[2], NULL);
  g_autofree char *empty_sig = g_strjoin (".", p[0], p[1], "", NULL);
  g_autofree char *padded = g_strconcat (p[0], "=.", p[1], ".", p[2], NULL);
  g_autofree char *spaced = g_strconcat (" ", good, NULL);
  g_autofree char *bad_header_b64 = g_strjoin (".", "e30*", p[1], p[2], NULL);
  g_autofree char *not_json_header = NULL;
  g_autofree char *array_header = NULL;
  const char *cases[16];
  guint n = 0;

  {
    GString *s = g_string_new (NULL);

    for (guint i = 0; i < OB_JWT_MAX_LENGTH; i++)
      g_string_append_c (s, 'A');
    g_string_append (s, ".AAAA.AAAA");
    huge = g_string_free (s, FALSE);
  }
  {
    /* A header nested 1000 deep: refused before json-glib recurses. */
    GString *json = g_string_new (NULL);
    g_autofree char *enc = NULL;

    for (guint i = 0; i < 1000; i++)
      g_string_append_c (json, '[');
    enc = ob_jwt_base64url_encode ((const guint8 *) json->str, json->len);
    deep = g_strjoin (".", enc, p[1], p[2], NULL);
    g_string_free (json, TRUE);
  }
  {
    g_autofree char *h1 = ob_jwt_base64url_encode ((const guint8 *) "alg=HS256", 9);
    g_autofree char *h2 = ob_jwt_base64url_encode ((const guint8 *) "[\"HS256\"]", 9);

    not_json_header = g_strjoin (".", h1, p[1], p[2], NULL);
    array_header = g_strjoin (".", h2, p[1], p[2], NULL);
  }

  cases[n++] = "";
  cases[n++] = "abc";
  cases[n++] = "..";
  cases[n++] = two;
  cases[n++] = four;
  cases[n++] = empty_header;
  cases[n++] = empty_payload;
  cases[n++] = empty_sig;
  cases[n++] = padded;
  cases[n++] = spaced;
  cases[n++] = bad_header_b64;
  cases[n++] = huge;
  cases[n++] = deep;
  cases[n++] = not_json_header;
  cases[n++] = array_header;
  g_assert_cmpuint (n, <=, G_N_ELEMENTS (cases));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) payload = ob_jwt_verify (key, sizeof key, cases[i], NOW, &error);

      g_assert_null (payload);
      g_assert_nonnull (error);
      /* An empty signature segment is a malformed token too (the
       * unsigned-token attack), not merely a wrong signature. */
      g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) payload = ob_jwt_verify (key, sizeof key, NULL, NOW, &error);

    g_assert_null (payload);
    g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED);
  }
}

/* Random bytes and random mutations of a good token never verify and never
 * crash. */
static void
test_random_garbage (void)
{
  g_autoptr(JsonObject) claims = mps_claims (NOW + 3600);
  g_autofree char *good = ob_jwt_sign (key, sizeof key, claims);
  static const char alphabet[] = "ABCxyz019-_.=+/ {}\"";
  gsize good_len = strlen (good);

  for (guint round = 0; round < 2000; round++)
    {
      g_autofree char *token = g_strdup (good);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) payload = NULL;
      guint edits = g_test_rand_int_range (1, 4);

      for (guint e = 0; e < edits; e++)
        {
          gsize pos = g_test_rand_int_range (0, good_len);
          char c = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];

          if (token[pos] == c)
            c = c == 'A' ? 'B' : 'A';
          token[pos] = c;
        }

      /* Two edits at one position can put the original character back. */
      if (g_str_equal (token, good))
        continue;

      payload = ob_jwt_verify (key, sizeof key, token, NOW, &error);
      g_assert_null (payload);
      g_assert_nonnull (error);
    }
}

static void
test_secure_equal (void)
{
  g_assert_true (ob_api_secure_equal ("abc", 3, "abc", 3));
  g_assert_false (ob_api_secure_equal ("abc", 3, "abd", 3));
  g_assert_false (ob_api_secure_equal ("abc", 3, "abcd", 4));
  g_assert_false (ob_api_secure_equal ("abcd", 4, "abc", 3));
  g_assert_false (ob_api_secure_equal ("abc", 3, "", 0));
  g_assert_false (ob_api_secure_equal ("", 0, "abc", 3));
  g_assert_true (ob_api_secure_equal ("", 0, "", 0));
  /* Same bytes repeated are not equal to a shorter string. */
  g_assert_false (ob_api_secure_equal ("aaaa", 4, "aa", 2));
}

/* The memo answers a token it verified before without decoding it again,
 * but never a token that differs by a byte, a token past its time, or a
 * token of another key once cleared. */
static void
test_memo (void)
{
  static const guint8 other_key[OB_JWT_KEY_SIZE] = { 0x42 };
  g_autoptr(ObJwtMemo) memo = ob_jwt_memo_new ();
  g_autoptr(JsonObject) claims = mps_claims (NOW + 60);
  g_autofree char *token = ob_jwt_sign (key, sizeof key, claims);
  g_autofree char *forged = g_strdup (token);
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *result;

  first = ob_jwt_memo_verify (memo, key, sizeof key, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_api_json_get_string (first, "deviceId"), ==, "*");
  /* The second answer is the remembered object itself, and read-only. */
  again = ob_jwt_memo_verify (memo, key, sizeof key, token, NOW + 30, &error);
  g_assert_no_error (error);
  g_assert_true (again == first);
  g_assert_true (json_object_is_immutable (again));

  /* One byte of the signature changed: checked in full, and refused. */
  forged[strlen (forged) - 2] = forged[strlen (forged) - 2] == 'A' ? 'B' : 'A';
  result = ob_jwt_memo_verify (memo, key, sizeof key, forged, NOW, &error);
  g_assert_null (result);
  g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE);
  g_clear_error (&error);
  /* A prefix of a remembered token is not it. */
  {
    g_autofree char *prefix = g_strndup (token, strlen (token) - 1);

    result = ob_jwt_memo_verify (memo, key, sizeof key, prefix, NOW, &error);
    g_assert_null (result);
    g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE);
    g_clear_error (&error);
  }

  /* Time passes: the remembered token expires like any other. */
  result = ob_jwt_memo_verify (memo, key, sizeof key, token, NOW + 60, &error);
  g_assert_null (result);
  g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_EXPIRED);
  g_clear_error (&error);

  /* A remembered token with "nbf" is refused before it. */
  {
    g_autoptr(JsonObject) later = mps_claims (NOW + 600);
    g_autofree char *later_token = NULL;

    json_object_set_int_member (later, "nbf", NOW + 100);
    later_token = ob_jwt_sign (key, sizeof key, later);
    result = ob_jwt_memo_verify (memo, key, sizeof key, later_token, NOW + 100, &error);
    g_assert_no_error (error);
    json_object_unref (result);
    result = ob_jwt_memo_verify (memo, key, sizeof key, later_token, NOW + 99, &error);
    g_assert_null (result);
    g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_EXPIRED);
    g_clear_error (&error);
  }

  /* More tokens than the memo holds: each is still right. */
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < 20; i++)
      {
        g_autoptr(JsonObject) own = mps_claims (NOW + 1000 + i);
        g_autofree char *own_token = ob_jwt_sign (key, sizeof key, own);
        g_autoptr(JsonObject) got = ob_jwt_memo_verify (memo, key, sizeof key, own_token, NOW, &error);

        g_assert_no_error (error);
        g_assert_cmpint (json_object_get_int_member (got, "exp"), ==, NOW + 1000 + i);
      }

  /* The key changes: after a clear, tokens of the old key are checked, and refused. */
  result = ob_jwt_memo_verify (memo, key, sizeof key, token, NOW, &error);
  g_assert_no_error (error);
  json_object_unref (result);
  ob_jwt_memo_clear (memo);
  result = ob_jwt_memo_verify (memo, other_key, sizeof other_key, token, NOW, &error);
  g_assert_null (result);
  g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE);
  g_clear_error (&error);

  /* Empty, missing and oversized tokens fail as ob_jwt_verify() fails them. */
  result = ob_jwt_memo_verify (memo, key, sizeof key, "", NOW, &error);
  g_assert_null (result);
  g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED);
  g_clear_error (&error);
  result = ob_jwt_memo_verify (memo, key, sizeof key, NULL, NOW, &error);
  g_assert_null (result);
  g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED);
  g_clear_error (&error);
  {
    g_autofree char *huge = g_strnfill (OB_JWT_MAX_LENGTH + 1, 'a');

    result = ob_jwt_memo_verify (memo, key, sizeof key, huge, NOW, &error);
    g_assert_null (result);
    g_assert_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jwt/base64url", test_base64url);
  g_test_add_func ("/jwt/sign-verify", test_sign_verify);
  g_test_add_func ("/jwt/expired", test_expired);
  g_test_add_func ("/jwt/claims", test_claims);
  g_test_add_func ("/jwt/forged-signature", test_forged_signature);
  g_test_add_func ("/jwt/wrong-key", test_wrong_key);
  g_test_add_func ("/jwt/algorithms", test_algorithms);
  g_test_add_func ("/jwt/malformed", test_malformed);
  g_test_add_func ("/jwt/random-garbage", test_random_garbage);
  g_test_add_func ("/jwt/secure-equal", test_secure_equal);
  g_test_add_func ("/jwt/memo", test_memo);

  return g_test_run ();
}
