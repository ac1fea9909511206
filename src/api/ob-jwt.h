/* ob-jwt.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* JSON Web Tokens as the Open AMT MPS issues them and its gateway checks
 * them (mps-cira-apf.md §4.2): compact JWS, HS256 only, header
 * {"alg":"HS256","typ":"JWT"}. */
#define OB_JWT_ERROR (ob_jwt_error_quark ())

typedef enum
{
  /* Not three base64url segments, a segment that does not decode, a header
   * or payload that is not a JSON object, a token over the size limit. */
  OB_JWT_ERROR_MALFORMED = 1,
  /* "alg" is not HS256 (including "none"), or the header asks for an
   * extension ("crit") we do not implement. */
  OB_JWT_ERROR_ALGORITHM,
  /* The signature does not match (forged, or another key). */
  OB_JWT_ERROR_SIGNATURE,
  /* "exp" is in the past (or "nbf" in the future). */
  OB_JWT_ERROR_EXPIRED,
  /* "exp" is missing or not a number. */
  OB_JWT_ERROR_CLAIMS,
} ObJwtError;

GQuark ob_jwt_error_quark (void);

/* HS256 keys are 32 random bytes; longer tokens than this are refused
 * before any decoding. */
#define OB_JWT_KEY_SIZE   32
#define OB_JWT_MAX_LENGTH 8192

/* Signs @claims (a JSON object, serialized as is) with @key.  Never fails
 * for a non-empty key.  (transfer full) */
char       *ob_jwt_sign              (const guint8  *key,
                                      gsize          key_len,
                                      JsonObject    *claims);

/* Verifies @token against @key at time @now (seconds since the epoch):
 * HS256 only, constant-time signature check, "exp" required and later
 * than @now, "nbf" (when present) not after @now.  Returns the payload
 * object.  (transfer full) */
JsonObject *ob_jwt_verify            (const guint8  *key,
                                      gsize          key_len,
                                      const char    *token,
                                      gint64         now,
                                      GError       **error);

/* The tokens lately verified with one key.  A client sends the same token
 * with every request, and decoding its two JSON segments costs more than
 * many a route; a token that matches one verified before, byte for byte
 * (compared in constant time), skips the decoding and the signature check,
 * but its "exp" and "nbf" are checked again at every use.  Clear it when
 * the key changes.  For one thread. */
typedef struct _ObJwtMemo ObJwtMemo;

ObJwtMemo  *ob_jwt_memo_new          (void);
void        ob_jwt_memo_free         (ObJwtMemo     *memo);
void        ob_jwt_memo_clear        (ObJwtMemo     *memo);
/* As ob_jwt_verify(); the object returned is sealed (read-only). */
JsonObject *ob_jwt_memo_verify       (ObJwtMemo     *memo,
                                      const guint8  *key,
                                      gsize          key_len,
                                      const char    *token,
                                      gint64         now,
                                      GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObJwtMemo, ob_jwt_memo_free)

/* RFC 4648 §5 without padding. */
char       *ob_jwt_base64url_encode  (const guint8  *data,
                                      gsize          len);
/* Strict: only the base64url alphabet, no padding, no stray bits.
 * (transfer full) */
GBytes     *ob_jwt_base64url_decode  (const char    *text,
                                      gsize          len,
                                      GError       **error);

G_END_DECLS
