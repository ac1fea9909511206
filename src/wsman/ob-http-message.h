/* ob-http-message.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-http-error.h"

G_BEGIN_DECLS

/* ObHttpMessage: one HTTP/1.1 request or response, refcounted.  Headers keep
 * their order and spelling; lookups are case-insensitive and a name may occur
 * several times.  The body is a GBytes (never NULL: empty when there is
 * none).  Trailers of a chunked message are kept apart from the headers. */
typedef struct _ObHttpMessage ObHttpMessage;

#define OB_TYPE_HTTP_MESSAGE (ob_http_message_get_type ())

GType          ob_http_message_get_type          (void) G_GNUC_CONST;

ObHttpMessage *ob_http_message_new_request       (const char     *method,
                                                  const char     *target);
/* @reason NULL = the standard phrase for @status. */
ObHttpMessage *ob_http_message_new_response      (guint           status,
                                                  const char     *reason);
ObHttpMessage *ob_http_message_ref               (ObHttpMessage  *self);
void           ob_http_message_unref             (ObHttpMessage  *self);

gboolean       ob_http_message_is_request        (ObHttpMessage  *self);
/* Request line: method and request target ("POST", "/wsman"); NULL for a
 * response. */
const char    *ob_http_message_get_method        (ObHttpMessage  *self);
const char    *ob_http_message_get_target        (ObHttpMessage  *self);
/* Status line; 0 / NULL for a request. */
guint          ob_http_message_get_status        (ObHttpMessage  *self);
const char    *ob_http_message_get_reason        (ObHttpMessage  *self);
/* 1 for HTTP/1.1 (the default), 0 for HTTP/1.0. */
guint          ob_http_message_get_minor_version (ObHttpMessage  *self);
void           ob_http_message_set_minor_version (ObHttpMessage  *self,
                                                  guint           minor);

/* Headers.  Values are stored as given; the serializers refuse names that
 * are not tokens and values with CR, LF, NUL or other control characters. */
void           ob_http_message_append_header     (ObHttpMessage  *self,
                                                  const char     *name,
                                                  const char     *value);
/* Remove every @name, then append one. */
void           ob_http_message_replace_header    (ObHttpMessage  *self,
                                                  const char     *name,
                                                  const char     *value);
void           ob_http_message_remove_header     (ObHttpMessage  *self,
                                                  const char     *name);
/* First value of @name, or NULL. */
const char    *ob_http_message_get_header        (ObHttpMessage  *self,
                                                  const char     *name);
/* Every value of @name in order (NULL-terminated, never NULL; free with
 * g_strfreev()). */
char         **ob_http_message_get_header_values (ObHttpMessage  *self,
                                                  const char     *name);
guint          ob_http_message_get_n_headers     (ObHttpMessage  *self);
void           ob_http_message_get_header_nth    (ObHttpMessage  *self,
                                                  guint           index,
                                                  const char    **name,
                                                  const char    **value);
/* Whether any value of @name, read as a comma-separated list, contains
 * @token (case-insensitive): ("Connection", "close"). */
gboolean       ob_http_message_header_has_token  (ObHttpMessage  *self,
                                                  const char     *name,
                                                  const char     *token);

/* Trailer fields of a chunked message (same rules as headers). */
void           ob_http_message_append_trailer    (ObHttpMessage  *self,
                                                  const char     *name,
                                                  const char     *value);
const char    *ob_http_message_get_trailer       (ObHttpMessage  *self,
                                                  const char     *name);
guint          ob_http_message_get_n_trailers    (ObHttpMessage  *self);

GBytes        *ob_http_message_get_body          (ObHttpMessage  *self);
void           ob_http_message_set_body          (ObHttpMessage  *self,
                                                  GBytes         *body);
/* Copies @len bytes of @data (-1: @data is a NUL-terminated string). */
void           ob_http_message_set_body_data     (ObHttpMessage  *self,
                                                  const char     *data,
                                                  gssize          len);

/* Whether the connection may carry another message after this one:
 * HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
 * "Connection: keep-alive". */
gboolean       ob_http_message_is_keep_alive     (ObHttpMessage  *self);

/* Wire form.  @chunk_size 0: the body is framed with Content-Length (added
 * when missing; a Transfer-Encoding header is refused).  @chunk_size > 0:
 * "Transfer-Encoding: chunked" is added (any Content-Length is refused)
 * and the body goes out in chunks of at most @chunk_size bytes, with the
 * trailers after the last chunk.  A request with no Host header is refused
 * for HTTP/1.1.  Invalid header names/values -> OB_HTTP_ERROR_INVALID_HEADER. */
GBytes        *ob_http_message_serialize         (ObHttpMessage  *self,
                                                  gsize           chunk_size,
                                                  GError        **error);

/* The standard reason phrase of @status ("Unauthorized"), or "Unknown". */
const char    *ob_http_status_reason_phrase      (guint           status);
/* Token (RFC 9110 tchar+) and field value (no CTL but HTAB) checks. */
gboolean       ob_http_header_name_is_valid      (const char     *name);
gboolean       ob_http_header_value_is_valid     (const char     *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObHttpMessage, ob_http_message_unref)

G_END_DECLS
