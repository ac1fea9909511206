/* ob-http-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_HTTP_ERROR (ob_http_error_quark ())

/* Errors of the HTTP/1.1 layer (framing, limits, connection, digest). */
typedef enum
{
  /* Bytes that are not HTTP/1.1: bad start line, header syntax, chunk
   * size, bare LF, conflicting framing headers, … */
  OB_HTTP_ERROR_MALFORMED = 1,
  /* Start line plus headers (or trailers) over the byte limit. */
  OB_HTTP_ERROR_HEADERS_TOO_LARGE,
  /* More header fields than the limit. */
  OB_HTTP_ERROR_TOO_MANY_HEADERS,
  /* A body over the size limit. */
  OB_HTTP_ERROR_BODY_TOO_LARGE,
  /* Valid syntax we do not implement (HTTP/2 start line, a transfer
   * coding other than chunked, a digest algorithm other than MD5). */
  OB_HTTP_ERROR_UNSUPPORTED,
  /* The peer closed the connection before sending a single byte of the
   * response (or the request could not be written): on a reused
   * keep-alive connection this usually means the peer timed it out. */
  OB_HTTP_ERROR_CONNECTION_CLOSED,
  /* The peer closed the connection in the middle of a message. */
  OB_HTTP_ERROR_TRUNCATED,
  /* No complete response within the timeout. */
  OB_HTTP_ERROR_TIMEOUT,
  /* A header we send would be invalid (CR, LF or NUL in a value, a
   * name that is not a token): refused instead of sent. */
  OB_HTTP_ERROR_INVALID_HEADER,
  /* A digest challenge or Authorization header that cannot be used. */
  OB_HTTP_ERROR_AUTH,
  /* The connection is busy with another request or already failed. */
  OB_HTTP_ERROR_BUSY,
} ObHttpError;

GQuark ob_http_error_quark (void);

G_END_DECLS
