/* ob-http-connection.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-http-message.h"
#include "ob-http-parser.h"

G_BEGIN_DECLS

#define OB_TYPE_HTTP_CONNECTION (ob_http_connection_get_type ())

G_DECLARE_FINAL_TYPE (ObHttpConnection, ob_http_connection, OB, HTTP_CONNECTION, GObject)

/* One HTTP/1.1 connection over any GIOStream (TCP, TLS, an APF channel, a
 * pipe).  One exchange at a time; the connection stays open between
 * exchanges while both sides keep it alive.
 *
 * Client side: ob_http_connection_send_async() writes a request and reads
 * its response.  Server side (the simulator):
 * ob_http_connection_receive_request_async() and
 * ob_http_connection_send_response_async().
 *
 * Any error, timeout or cancellation leaves the stream in an unknown state,
 * so the connection closes itself and is no longer reusable. */

ObHttpConnection *ob_http_connection_new                   (GIOStream            *stream);

GIOStream        *ob_http_connection_get_stream            (ObHttpConnection     *self);

/* Whole-exchange timeout in milliseconds (write request + read response,
 * or read request); 0 = none (the default).  Expiry ->
 * OB_HTTP_ERROR_TIMEOUT. */
void              ob_http_connection_set_timeout           (ObHttpConnection     *self,
                                                            guint                 timeout_ms);
guint             ob_http_connection_get_timeout           (ObHttpConnection     *self);
/* Parser limits for what is read (0 keeps a default). */
void              ob_http_connection_set_limits            (ObHttpConnection     *self,
                                                            gsize                 max_header_bytes,
                                                            guint                 max_headers,
                                                            gsize                 max_body_bytes);

/* Idle, open, and the last exchange allowed another one.  Client side it
 * also checks that nothing (EOF, junk) arrived while idle; server side a
 * readable stream is simply the next request. */
gboolean          ob_http_connection_is_reusable           (ObHttpConnection     *self);
gboolean          ob_http_connection_is_closed             (ObHttpConnection     *self);
/* Completed exchanges so far (0 = a fresh connection). */
guint             ob_http_connection_get_n_exchanges       (ObHttpConnection     *self);

/* Client: send @request (Content-Length framing) and read its response.
 * 1xx interim responses are skipped.  Errors: OB_HTTP_ERROR_* (parse
 * errors, CONNECTION_CLOSED when the peer closed before answering or the
 * write failed, TRUNCATED, TIMEOUT), G_IO_ERROR_CANCELLED, G_IO_ERROR_* of
 * the stream otherwise; OB_HTTP_ERROR_BUSY while another exchange runs. */
void              ob_http_connection_send_async            (ObHttpConnection     *self,
                                                            ObHttpMessage        *request,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
ObHttpMessage    *ob_http_connection_send_finish           (ObHttpConnection     *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* Server: read the next request.  A peer that closes cleanly between
 * requests gives OB_HTTP_ERROR_CONNECTION_CLOSED. */
void              ob_http_connection_receive_request_async (ObHttpConnection     *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
ObHttpMessage    *ob_http_connection_receive_request_finish (ObHttpConnection    *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
/* Server: write @response; @chunk_size as ob_http_message_serialize()
 * (0 = Content-Length).  If the response is not keep-alive the connection
 * is closed once it is written. */
void              ob_http_connection_send_response_async   (ObHttpConnection     *self,
                                                            ObHttpMessage        *response,
                                                            gsize                 chunk_size,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean          ob_http_connection_send_response_finish  (ObHttpConnection     *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* Close the stream (asynchronously, in the background).  A running exchange
 * fails with G_IO_ERROR_CLOSED. */
void              ob_http_connection_close                 (ObHttpConnection     *self);

G_END_DECLS
