/* ob-wsman-client.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ob-stream-source.h"
#include "ob-wsman-error.h"
#include "ob-wsman-message.h"
#include "ob-wsman-response.h"

G_BEGIN_DECLS

#define OB_TYPE_WSMAN_CLIENT (ob_wsman_client_get_type ())

G_DECLARE_FINAL_TYPE (ObWsmanClient, ob_wsman_client, OB, WSMAN_CLIENT, GObject)

#define OB_WSMAN_CLIENT_DEFAULT_TIMEOUT_MS    10000
#define OB_WSMAN_CLIENT_DEFAULT_MAX_IN_FLIGHT 3

/* The WS-Man client of one device: POST /wsman over streams opened by an
 * ObStreamSource (LAN TCP/TLS, CIRA channel, a pipe in tests).
 *
 * - HTTP Digest with a cached challenge: the first request goes out without
 *   Authorization; a 401 gives the challenge and the request is sent again
 *   with a digest; later requests use the cached challenge directly.  A 401
 *   with stale=true or a new nonce is retried once; a 401 for the nonce just
 *   answered (or a second one in a row) -> OB_WSMAN_ERROR_AUTH_FAILED,
 *   "Wrong user name or password".
 * - At most max-in-flight (default 3) requests at once; the others wait in
 *   a FIFO queue.  Idle keep-alive connections are reused; a new stream is
 *   opened from the source when none is idle.  A reused connection that the
 *   peer closed (EOF before or while reading the response) is retried once
 *   on a fresh stream.
 * - A per-request timeout (default 10 s, the time from sending to the whole
 *   response, queue time not counted) -> OB_WSMAN_ERROR_TIMEOUT; a
 *   cancelled GCancellable -> G_IO_ERROR_CANCELLED (also while queued).
 * - Other errors: a SOAP Fault -> OB_WSMAN_ERROR_FAULT; an HTTP status other
 *   than 200 without a fault -> OB_WSMAN_ERROR_UNEXPECTED_RESPONSE; the
 *   device closing the connection mid-request -> OB_HTTP_ERROR_TRUNCATED /
 *   _CONNECTION_CLOSED with a plain message; opening the stream failed ->
 *   the source's error (G_IO_ERROR_CONNECTION_REFUSED, …).
 *
 * Runs on the thread-default main context it was created on. */

/* @host_header: the Host header value, e.g. "192.168.1.20:16992" or
 * "<guid>:16992".  @username/@password may be NULL until set. */
ObWsmanClient    *ob_wsman_client_new               (ObStreamSource       *source,
                                                     guint                 port,
                                                     const char           *host_header,
                                                     const char           *username,
                                                     const char           *password);

ObStreamSource   *ob_wsman_client_get_source        (ObWsmanClient        *self);
guint             ob_wsman_client_get_port          (ObWsmanClient        *self);
const char       *ob_wsman_client_get_host_header   (ObWsmanClient        *self);
const char       *ob_wsman_client_get_username      (ObWsmanClient        *self);
/* New credentials (e.g. after a password change); the cached challenge is
 * kept (the realm does not change), the next 401 refreshes it. */
void              ob_wsman_client_set_credentials   (ObWsmanClient        *self,
                                                     const char           *username,
                                                     const char           *password);

/* Properties "timeout-ms" and "max-in-flight". */
void              ob_wsman_client_set_timeout       (ObWsmanClient        *self,
                                                     guint                 timeout_ms);
guint             ob_wsman_client_get_timeout       (ObWsmanClient        *self);
void              ob_wsman_client_set_max_in_flight (ObWsmanClient        *self,
                                                     guint                 max_in_flight);
guint             ob_wsman_client_get_max_in_flight (ObWsmanClient        *self);
/* Largest response body accepted (default OB_HTTP_DEFAULT_MAX_BODY_BYTES). */
void              ob_wsman_client_set_max_body_size (ObWsmanClient        *self,
                                                     gsize                 max_body_bytes);

/* For tests and the UI's "busy" state. */
guint             ob_wsman_client_get_n_in_flight   (ObWsmanClient        *self);
guint             ob_wsman_client_get_n_queued      (ObWsmanClient        *self);
guint             ob_wsman_client_get_n_idle_connections (ObWsmanClient   *self);
/* How long a connection is kept for reuse after its last request (0:
 * the default, 30 s).  One timer per main context prunes every client's. */
void              ob_wsman_client_set_idle_lifetime_ms (ObWsmanClient   *self,
                                                        guint            ms);
/* Streams opened from the source so far. */
guint             ob_wsman_client_get_n_streams_opened (ObWsmanClient     *self);

/* Fail everything queued or running with G_IO_ERROR_CANCELLED and close
 * every connection.  The client stays usable afterwards. */
void              ob_wsman_client_shutdown          (ObWsmanClient        *self);

/* One exchange: the envelope of @action_uri / @resource_uri with the
 * client's next MessageID, header @selectors (NULL = none) and
 * @body_fragment between <Body> and </Body> (trusted XML, NULL = empty). */
void              ob_wsman_client_request_async     (ObWsmanClient        *self,
                                                     const char           *action_uri,
                                                     const char           *resource_uri,
                                                     ObWsmanSelectors     *selectors,
                                                     const char           *body_fragment,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
ObWsmanResponse  *ob_wsman_client_request_finish    (ObWsmanClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* Convenience calls by class name ("AMT_GeneralSettings"; prefix AMT_,
 * CIM_ or IPS_ picks the resource URI, an unknown prefix ->
 * OB_WSMAN_ERROR_INVALID_ARGUMENT).  All but enumerate finish with
 * ob_wsman_client_request_finish(). */
void              ob_wsman_client_get_async         (ObWsmanClient        *self,
                                                     const char           *class_name,
                                                     ObWsmanSelectors     *selectors,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
/* @body_fragment: the instance, <h:CLASS xmlns:h="URI">…</h:CLASS>, e.g.
 * from ob_wsman_body_from_json(). */
void              ob_wsman_client_put_async         (ObWsmanClient        *self,
                                                     const char           *class_name,
                                                     ObWsmanSelectors     *selectors,
                                                     const char           *body_fragment,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
void              ob_wsman_client_create_async      (ObWsmanClient        *self,
                                                     const char           *class_name,
                                                     const char           *body_fragment,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
void              ob_wsman_client_delete_async      (ObWsmanClient        *self,
                                                     const char           *class_name,
                                                     ObWsmanSelectors     *selectors,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
/* Action "<resource URI>/<method>"; @input_fragment is the
 * <h:METHOD_INPUT …> element (ob_wsman_body_method_input()); NULL sends an
 * input element without arguments. */
void              ob_wsman_client_invoke_async      (ObWsmanClient        *self,
                                                     const char           *class_name,
                                                     const char           *method,
                                                     ObWsmanSelectors     *selectors,
                                                     const char           *input_fragment,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);

/* Enumerate, then Pull until EndOfSequence (at most 1000 pulls).  The
 * result is every item in order: a GPtrArray of JsonNode (objects, transfer
 * full, the array frees them). */
void              ob_wsman_client_enumerate_async   (ObWsmanClient        *self,
                                                     const char           *class_name,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray        *ob_wsman_client_enumerate_finish  (ObWsmanClient        *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
