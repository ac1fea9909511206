/* ob-http-parser.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "ob-http-message.h"

G_BEGIN_DECLS

/* ObHttpParser: an incremental HTTP/1.1 parser for requests or responses.
 * Pure: no I/O, fed any number of bytes at a time (one byte, a whole
 * buffer, the same message split anywhere gives the same result).
 *
 * Framing (RFC 9112 §6): chunked (with extensions, ignored, and trailers,
 * kept) or Content-Length; a response with neither runs to end of stream;
 * a request with neither has no body; responses to HEAD and 1xx/204/304
 * have none.  Strict where laxness would be a smuggling risk: bare LF,
 * bare CR, obs-fold, whitespace before the colon, a Transfer-Encoding
 * other than "chunked", Content-Length together with Transfer-Encoding, and
 * Content-Length headers that disagree are all OB_HTTP_ERROR_MALFORMED
 * (identical repeated Content-Length values are accepted, RFC 9110 §8.6).
 * Limits give OB_HTTP_ERROR_HEADERS_TOO_LARGE / _TOO_MANY_HEADERS /
 * _BODY_TOO_LARGE as soon as they are crossed. */
typedef struct _ObHttpParser ObHttpParser;

typedef enum
{
  OB_HTTP_PARSER_REQUEST,
  OB_HTTP_PARSER_RESPONSE,
} ObHttpParserMode;

typedef enum
{
  OB_HTTP_PARSE_ERROR,     /* error set; the parser stays failed */
  OB_HTTP_PARSE_NEED_MORE, /* every byte consumed, message not complete */
  OB_HTTP_PARSE_DONE,      /* a message is complete; take it */
} ObHttpParseStatus;

#define OB_HTTP_DEFAULT_MAX_HEADER_BYTES (64 * 1024)
#define OB_HTTP_DEFAULT_MAX_HEADERS      100
#define OB_HTTP_DEFAULT_MAX_BODY_BYTES   (16 * 1024 * 1024)
/* One chunk-size line including its extensions. */
#define OB_HTTP_MAX_CHUNK_LINE_BYTES     4096

ObHttpParser      *ob_http_parser_new               (ObHttpParserMode   mode);
void               ob_http_parser_free              (ObHttpParser      *self);

/* 0 for any value keeps its default.  @max_header_bytes bounds the start
 * line plus header lines (and separately the trailer lines). */
void               ob_http_parser_set_limits        (ObHttpParser      *self,
                                                     gsize              max_header_bytes,
                                                     guint              max_headers,
                                                     gsize              max_body_bytes);
/* Response mode: the request was HEAD, so the response has no body. */
void               ob_http_parser_set_head_response (ObHttpParser      *self,
                                                     gboolean           head);

/* Feed @len bytes.  *@consumed (optional) is how many were used: all of
 * them unless the status is DONE, where the rest belongs to the next
 * message (pipelining, or a peer sending garbage after a response). */
ObHttpParseStatus  ob_http_parser_feed              (ObHttpParser      *self,
                                                     const guint8      *data,
                                                     gsize              len,
                                                     gsize             *consumed,
                                                     GError           **error);
/* The stream ended.  DONE for a response read to end of stream; otherwise
 * ERROR: OB_HTTP_ERROR_CONNECTION_CLOSED if not one byte of this message
 * came, OB_HTTP_ERROR_TRUNCATED if it stopped in the middle. */
ObHttpParseStatus  ob_http_parser_feed_eof          (ObHttpParser      *self,
                                                     GError           **error);

/* Whether any byte of the current message has been consumed. */
gboolean           ob_http_parser_has_started       (ObHttpParser      *self);
/* Whether the start line and headers of the current message are parsed. */
gboolean           ob_http_parser_headers_complete  (ObHttpParser      *self);

/* After DONE: the message (transfer full); the parser is reset for the next
 * one (limits and mode kept, the HEAD flag cleared). */
ObHttpMessage     *ob_http_parser_steal_message     (ObHttpParser      *self);
/* Drop any partial message and error state. */
void               ob_http_parser_reset             (ObHttpParser      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObHttpParser, ob_http_parser_free)

G_END_DECLS
