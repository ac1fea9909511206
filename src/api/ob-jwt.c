/* ob-jwt.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-json.h"
#include "ob-jwt.h"
#include "ob-util.h"

G_DEFINE_QUARK (ob-jwt-error-quark, ob_jwt_error)

#define HS256_SIZE 32

/* The header is fixed, so every token we issue starts the same way. */
static const char jwt_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static const char b64url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64url_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

char *
ob_jwt_base64url_encode (const guint8 *data,
                         gsize         len)
{
  GString *out = g_string_sized_new ((len + 2) / 3 * 4 + 1);
  gsize i = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  for (; i + 3 <= len; i += 3)
    {
      guint32 v = ((guint32) data[i] << 16) | ((guint32) data[i + 1] << 8) | data[i + 2];

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 6) & 63]);
      g_string_append_c (out, b64url_alphabet[v & 63]);
    }

  if (len - i == 1)
    {
      guint32 v = (guint32) data[i] << 16;

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 63]);
    }
  else if (len - i == 2)
    {
      guint32 v = ((guint32) data[i] << 16) | ((guint32) data[i + 1] << 8);

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 6) & 63]);
    }

  return g_string_free (out, FALSE);
}

GBytes *
ob_jwt_base64url_decode (const char  *text,
                         gsize        len,
                         GError     **error)
{
  g_autoptr(GByteArray) out = NULL;
  guint32 acc = 0;
  guint bits = 0;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  /* One character left over carries only 6 bits: never a whole byte. */
  if (len % 4 == 1)
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED,
                           "Invalid base64url length");
      return NULL;
    }

  out = g_byte_array_sized_new (len * 3 / 4 + 1);
  for (gsize i = 0; i < len; i++)
    {
      int v = b64url_value (text[i]);

      if (v < 0)
        {
          g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED,
                               "Invalid character in base64url text");
          return NULL;
        }

      acc = (acc << 6) | (guint32) v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          g_byte_array_append (out, (guint8[]) { (acc >> bits) & 0xff }, 1);
        }
    }

  /* Leftover bits must be zero, so each byte string has exactly one
   * encoding and a token cannot be altered without changing its bytes. */
  if ((acc & ((1u << bits) - 1)) != 0)
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED,
                           "Non-canonical base64url text");
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
hs256 (const guint8 *key,
       gsize         key_len,
       const char   *data,
       gsize         data_len,
       guint8        digest[HS256_SIZE])
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_len);
  gsize digest_len = HS256_SIZE;

  g_hmac_update (hmac, (const guchar *) data, data_len);
  g_hmac_get_digest (hmac, digest, &digest_len);
  g_assert (digest_len == HS256_SIZE);
}

char *
ob_jwt_sign (const guint8 *key,
             gsize         key_len,
             JsonObject   *claims)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *payload_json = NULL;
  g_autofree char *header_b64 = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature_b64 = NULL;
  guint8 digest[HS256_SIZE];

  g_return_val_if_fail (key != NULL && key_len > 0, NULL);
  g_return_val_if_fail (claims != NULL, NULL);

  node = json_node_init_object (json_node_alloc (), claims);
  payload_json = ob_api_json_to_string (node);

  header_b64 = ob_jwt_base64url_encode ((const guint8 *) jwt_header, strlen (jwt_header));
  payload_b64 = ob_jwt_base64url_encode ((const guint8 *) payload_json, strlen (payload_json));
  signing_input = g_strconcat (header_b64, ".", payload_b64, NULL);

  hs256 (key, key_len, signing_input, strlen (signing_input), digest);
  signature_b64 = ob_jwt_base64url_encode (digest, sizeof digest);

  return g_strconcat (signing_input, ".", signature_b64, NULL);
}

static JsonObject *
decode_object (const char  *segment,
               gsize        len,
               const char  *what,
               GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize size;
  const char *data;

  bytes = ob_jwt_base64url_decode (segment, len, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED,
                   "Invalid %s: %s", what, local_error->message);
      return NULL;
    }

  data = g_bytes_get_data (bytes, &size);
  node = ob_api_json_parse (data, size, OB_API_JSON_MAX_DEPTH, &local_error);
  if (node == NULL)
    {
      g_set_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED,
                   "Invalid %s: %s", what, local_error->message);
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED,
                   "Invalid %s: not a JSON object", what);
      return NULL;
    }

  return json_object_ref (json_node_get_object (node));
}

/* A claim that must be a number when present; TRUE with *present FALSE
 * when absent. */
static gboolean
get_numeric_claim (JsonObject  *payload,
                   const char  *name,
                   gboolean    *present,
                   gdouble     *value)
{
  JsonNode *node = json_object_get_member (payload, name);
  GType type;

  *present = node != NULL;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *value = (gdouble) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else
    return FALSE;

  return TRUE;
}

/* "exp" required and later than @now; "nbf", when present, not after it. */
static gboolean
check_time_claims (JsonObject  *payload,
                   gint64       now,
                   GError     **error)
{
  gboolean present;
  gdouble value = 0;

  if (!get_numeric_claim (payload, "exp", &present, &value) || !present)
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_CLAIMS,
                           "Token has no numeric expiry (exp)");
      return FALSE;
    }
  if (value <= (gdouble) now)
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_EXPIRED, "Token expired");
      return FALSE;
    }

  if (!get_numeric_claim (payload, "nbf", &present, &value))
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_CLAIMS,
                           "Token has a non-numeric nbf");
      return FALSE;
    }
  if (present && value > (gdouble) now)
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_EXPIRED, "Token not valid yet");
      return FALSE;
    }

  return TRUE;
}

JsonObject *
ob_jwt_verify (const guint8  *key,
               gsize          key_len,
               const char    *token,
               gint64         now,
               GError       **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(GBytes) signature = NULL;
  const char *dot1, *dot2, *alg;
  gsize token_len;
  guint8 digest[HS256_SIZE];

  g_return_val_if_fail (key != NULL && key_len > 0, NULL);

  if (token == NULL || *token == '\0')
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED, "Empty token");
      return NULL;
    }

  token_len = strnlen (token, OB_JWT_MAX_LENGTH + 1);
  if (token_len > OB_JWT_MAX_LENGTH)
    {
      g_set_error (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED,
                   "Token longer than %u bytes", OB_JWT_MAX_LENGTH);
      return NULL;
    }

  dot1 = memchr (token, '.', token_len);
  dot2 = dot1 != NULL ? memchr (dot1 + 1, '.', token_len - (dot1 + 1 - token)) : NULL;
  if (dot1 == NULL || dot2 == NULL
      || memchr (dot2 + 1, '.', token_len - (dot2 + 1 - token)) != NULL)
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED,
                           "A token has three dot-separated segments");
      return NULL;
    }

  if (dot1 == token || dot2 == dot1 + 1 || dot2 + 1 == token + token_len)
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_MALFORMED,
                           "Empty token segment");
      return NULL;
    }

  header = decode_object (token, dot1 - token, "header", error);
  if (header == NULL)
    return NULL;

  /* Only HS256 is ever accepted: "none" and every other algorithm are
   * refused before the signature is looked at, so a token cannot choose
   * how it is checked. */
  alg = ob_api_json_get_string (header, "alg");
  if (alg == NULL || strcmp (alg, "HS256") != 0)
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_ALGORITHM,
                           "Only HS256 tokens are accepted");
      return NULL;
    }

  if (json_object_has_member (header, "crit"))
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_ALGORITHM,
                           "Token header asks for unsupported extensions");
      return NULL;
    }

  signature = ob_jwt_base64url_decode (dot2 + 1, token + token_len - (dot2 + 1), NULL);
  hs256 (key, key_len, token, dot2 - token, digest);
  if (signature == NULL
      || !ob_api_secure_equal (digest, sizeof digest,
                               g_bytes_get_data (signature, NULL),
                               g_bytes_get_size (signature)))
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_SIGNATURE, "Invalid signature");
      return NULL;
    }

  payload = decode_object (dot1 + 1, dot2 - (dot1 + 1), "payload", error);
  if (payload == NULL || !check_time_claims (payload, now, error))
    return NULL;

  return g_steal_pointer (&payload);
}

/* ---- tokens verified lately --------------------------------------------- */

#define MEMO_SIZE 8

typedef struct
{
  char       *token;   /* NULL: a free slot */
  gsize       len;
  JsonObject *claims;  /* sealed */
} MemoEntry;

struct _ObJwtMemo
{
  MemoEntry entries[MEMO_SIZE];
  guint     next;      /* the slot the next new token takes */
};

ObJwtMemo *
ob_jwt_memo_new (void)
{
  return g_new0 (ObJwtMemo, 1);
}

static void
memo_entry_clear (MemoEntry *entry)
{
  /* A token is a credential while it lasts: wiped, as the secrets are. */
  g_clear_pointer (&entry->token, ob_secure_free_string);
  g_clear_pointer (&entry->claims, json_object_unref);
  entry->len = 0;
}

void
ob_jwt_memo_clear (ObJwtMemo *memo)
{
  g_return_if_fail (memo != NULL);

  for (guint i = 0; i < MEMO_SIZE; i++)
    memo_entry_clear (&memo->entries[i]);
  memo->next = 0;
}

void
ob_jwt_memo_free (ObJwtMemo *memo)
{
  if (memo == NULL)
    return;

  ob_jwt_memo_clear (memo);
  g_free (memo);
}

JsonObject *
ob_jwt_memo_verify (ObJwtMemo     *memo,
                    const guint8  *key,
                    gsize          key_len,
                    const char    *token,
                    gint64         now,
                    GError       **error)
{
  g_autoptr(JsonObject) claims = NULL;
  MemoEntry *entry;
  gsize len;

  g_return_val_if_fail (memo != NULL, NULL);
  g_return_val_if_fail (key != NULL && key_len > 0, NULL);

  len = token != NULL ? strnlen (token, OB_JWT_MAX_LENGTH + 1) : 0;
  if (len > 0 && len <= OB_JWT_MAX_LENGTH)
    for (guint i = 0; i < MEMO_SIZE; i++)
      {
        entry = &memo->entries[i];
        if (entry->token == NULL || entry->len != len ||
            !ob_api_secure_equal (entry->token, len, token, len))
          continue;

        /* Signed by us, but time passes: an expired token goes. */
        if (!check_time_claims (entry->claims, now, error))
          {
            memo_entry_clear (entry);
            return NULL;
          }
        return json_object_ref (entry->claims);
      }

  claims = ob_jwt_verify (key, key_len, token, now, error);
  if (claims == NULL)
    return NULL;

  json_object_seal (claims);
  entry = &memo->entries[memo->next];
  memo->next = (memo->next + 1) % MEMO_SIZE;
  memo_entry_clear (entry);
  entry->token = g_strndup (token, len);
  entry->len = len;
  entry->claims = json_object_ref (claims);

  return g_steal_pointer (&claims);
}
