/* ob-http-digest.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-http-message.h"

G_BEGIN_DECLS

/* HTTP Digest access authentication (RFC 7616) with MD5 and qop=auth, as
 * Intel AMT speaks it.  Client side: parse a challenge, answer it.  Server
 * side (the simulator): issue challenges, verify answers. */

/* ---- Client side ---------------------------------------------------- */

/* A parsed Digest challenge.  It also carries the nonce count: each
 * Authorization built from it uses the next nc. */
typedef struct _ObHttpDigestChallenge ObHttpDigestChallenge;

#define OB_TYPE_HTTP_DIGEST_CHALLENGE (ob_http_digest_challenge_get_type ())

GType                  ob_http_digest_challenge_get_type     (void) G_GNUC_CONST;

/* Parse one WWW-Authenticate value (which may list several challenges,
 * e.g. "Basic realm=…, Digest realm=…"); the Digest one is used.  No
 * Digest challenge, a missing realm or nonce, an algorithm other than MD5
 * or a qop list without "auth" (when qop is given) -> OB_HTTP_ERROR_AUTH
 * or OB_HTTP_ERROR_UNSUPPORTED. */
ObHttpDigestChallenge *ob_http_digest_challenge_parse        (const char             *header_value,
                                                              GError                **error);
/* The first usable Digest challenge among all WWW-Authenticate headers of
 * a 401 response. */
ObHttpDigestChallenge *ob_http_digest_challenge_from_response (ObHttpMessage         *response,
                                                              GError                **error);
ObHttpDigestChallenge *ob_http_digest_challenge_ref          (ObHttpDigestChallenge  *self);
void                   ob_http_digest_challenge_unref        (ObHttpDigestChallenge  *self);

const char            *ob_http_digest_challenge_get_realm    (ObHttpDigestChallenge  *self);
const char            *ob_http_digest_challenge_get_nonce    (ObHttpDigestChallenge  *self);
/* NULL when the challenge had none. */
const char            *ob_http_digest_challenge_get_opaque   (ObHttpDigestChallenge  *self);
/* "auth", or NULL for an RFC 2069 challenge without qop. */
const char            *ob_http_digest_challenge_get_qop      (ObHttpDigestChallenge  *self);
gboolean               ob_http_digest_challenge_get_stale    (ObHttpDigestChallenge  *self);
/* The nc of the last Authorization built (0 before the first). */
guint32                ob_http_digest_challenge_get_nc       (ObHttpDigestChallenge  *self);

/* The Authorization header value for the next request: increments nc,
 * picks a random cnonce.  Parameters in the order and form Open AMT's MPS
 * and RPS send to AMT (values quoted, qop and nc included, no spaces):
 *   Digest username="…",realm="…",nonce="…",uri="…",qop="auth",
 *   response="…",nc="0000000N",cnonce="…"[,opaque="…"][,algorithm=MD5]
 * Without qop in the challenge (RFC 2069): no qop, nc or cnonce. */
char                  *ob_http_digest_challenge_authorize    (ObHttpDigestChallenge  *self,
                                                              const char             *username,
                                                              const char             *password,
                                                              const char             *method,
                                                              const char             *uri);

/* The bare computation (lower-case hex, 32 characters):
 *   HA1 = MD5(username:realm:password), HA2 = MD5(method:uri),
 *   qop "auth": MD5(HA1:nonce:nc:cnonce:qop:HA2);  qop NULL: MD5(HA1:nonce:HA2).
 * @nc is the 8 hex digit string as sent. */
char                  *ob_http_digest_compute_response       (const char             *username,
                                                              const char             *realm,
                                                              const char             *password,
                                                              const char             *method,
                                                              const char             *uri,
                                                              const char             *nonce,
                                                              const char             *nc,
                                                              const char             *cnonce,
                                                              const char             *qop);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObHttpDigestChallenge, ob_http_digest_challenge_unref)

/* ---- Server side ---------------------------------------------------- */

typedef struct _ObHttpDigestServer ObHttpDigestServer;

typedef enum
{
  OB_HTTP_DIGEST_OK,
  /* No Authorization header, or not a Digest one. */
  OB_HTTP_DIGEST_MISSING,
  /* Right credentials but an expired (or unknown) nonce: answer 401 with
   * a stale=true challenge. */
  OB_HTTP_DIGEST_STALE,
  /* Wrong user or password, wrong realm/uri/qop, malformed header, or a
   * nonce count already used (replay). */
  OB_HTTP_DIGEST_FAILED,
} ObHttpDigestVerdict;

#define OB_HTTP_DIGEST_DEFAULT_NONCE_LIFETIME_MS (300 * 1000)

/* @realm NULL: an AMT-style realm "Digest:" + 32 upper-case hex digits. */
ObHttpDigestServer    *ob_http_digest_server_new             (const char             *realm);
void                   ob_http_digest_server_free            (ObHttpDigestServer     *self);
const char            *ob_http_digest_server_get_realm       (ObHttpDigestServer     *self);
/* How long an issued nonce is accepted (milliseconds, > 0). */
void                   ob_http_digest_server_set_nonce_lifetime (ObHttpDigestServer  *self,
                                                              guint                   lifetime_ms);
/* A fresh nonce and the WWW-Authenticate value announcing it:
 *   Digest realm="…", nonce="…", stale="false", qop="auth" */
char                  *ob_http_digest_server_make_challenge  (ObHttpDigestServer     *self,
                                                              gboolean                stale);
/* Check an Authorization header value (NULL allowed) against the single
 * account @username / @password for a request @method @request_uri.  The
 * response is compared in constant time; each (nonce, nc) is accepted once
 * (a small window tolerates requests overtaking each other on parallel
 * connections; an nc at or below the window, or repeated, fails). */
ObHttpDigestVerdict    ob_http_digest_server_verify          (ObHttpDigestServer     *self,
                                                              const char             *authorization,
                                                              const char             *method,
                                                              const char             *request_uri,
                                                              const char             *username,
                                                              const char             *password);

/* The same check for an account known only by its HA1, the hex
 * MD5(username:realm:password) (firmware that was given the hash, never
 * the password, as AMT is by host-based setup). */
ObHttpDigestVerdict    ob_http_digest_server_verify_ha1      (ObHttpDigestServer     *self,
                                                              const char             *authorization,
                                                              const char             *method,
                                                              const char             *request_uri,
                                                              const char             *username,
                                                              const char             *ha1);
/* The username parameter of a Digest Authorization header value, or NULL
 * (none, not Digest, malformed). */
char                  *ob_http_digest_dup_username           (const char             *authorization);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObHttpDigestServer, ob_http_digest_server_free)

G_END_DECLS
