/* api-test-util.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ob-api-server.h"

G_BEGIN_DECLS

/* The REST tests' client side (test-api, test-api-rps, test-api-cira): a
 * SoupSession talking to an ObApiServer on loopback, requests with the
 * token or another Authorization, answers read whole and parsed when they
 * are JSON, and the checks made on them. */

/* How long a request, or a wait for a flag, may take before the test
 * fails: long enough for a busy two-core machine under the sanitizers. */
#define API_TEST_TIMEOUT_MS 120000

typedef struct
{
  guint               status;
  GBytes             *body;
  /* The parsed body when it is JSON and not empty; NULL otherwise. */
  JsonNode           *json;
  SoupMessageHeaders *headers;
} ApiTestReply;

void api_test_reply_free (ApiTestReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ApiTestReply, api_test_reply_free)

/* Sees every answer the client gets (a transcript, a leak check). */
typedef void (*ApiTestReplyFunc) (SoupMessage  *msg,
                                  ApiTestReply *reply,
                                  gpointer      user_data);

typedef struct
{
  SoupSession      *session;
  /* "http://127.0.0.1:<port>" */
  char             *base;
  /* Sent as "Bearer <token>" unless a request says otherwise. */
  char             *token;
  ApiTestReplyFunc  on_reply;
  gpointer          on_reply_data;
} ApiTestClient;

/* A new session for @api, which is running (no token yet). */
void          api_test_client_init   (ApiTestClient  *client,
                                      ObApiServer    *api);
void          api_test_client_clear  (ApiTestClient  *client);

/* @auth: NULL sends the client's token (nothing when it has none), ""
 * no Authorization header, anything else is the header's value.
 * @content_type NULL is application/json; @body_len -1 is strlen (@body);
 * @chunked sends the body without a Content-Length. */
SoupMessage  *api_test_message_new   (ApiTestClient  *client,
                                      const char     *method,
                                      const char     *path,
                                      const char     *content_type,
                                      const char     *body,
                                      gssize          body_len,
                                      const char     *auth,
                                      gboolean        chunked);
/* Sends @msg and waits for the whole answer; a transport error fails the
 * test. */
ApiTestReply *api_test_send_message  (ApiTestClient  *client,
                                      SoupMessage    *msg);
ApiTestReply *api_test_send          (ApiTestClient  *client,
                                      const char     *method,
                                      const char     *path,
                                      const char     *content_type,
                                      const char     *body,
                                      gssize          body_len,
                                      const char     *auth,
                                      gboolean        chunked);
/* JSON (or nothing, @body NULL) with the client's token. */
ApiTestReply *api_test_send_json     (ApiTestClient  *client,
                                      const char     *method,
                                      const char     *path,
                                      const char     *body);
ApiTestReply *api_test_get           (ApiTestClient  *client,
                                      const char     *path);
/* POST /api/v1/authorize without a token; the test fails unless it
 * answers 200.  Returns the token. */
char         *api_test_login         (ApiTestClient  *client,
                                      const char     *user,
                                      const char     *password);

/* A request in flight, for tests that send several at once or keep one
 * waiting: soup_session_send_and_read_async's outcome once @done. */
typedef struct
{
  gboolean  done;
  GBytes   *body;
  GError   *error;
} ApiTestSend;

void          api_test_send_async    (SoupSession    *session,
                                      SoupMessage    *msg,
                                      ApiTestSend    *state);
void          api_test_send_clear    (ApiTestSend    *state);

/* Runs the default main context until *@flag is set; fails the test
 * after API_TEST_TIMEOUT_MS. */
void          api_test_wait_flag     (gboolean       *flag);

char         *api_test_reply_text    (ApiTestReply   *reply);
JsonObject   *api_test_reply_object  (ApiTestReply   *reply);
JsonArray    *api_test_reply_array   (ApiTestReply   *reply);

/* The status, and when @want_json is not NULL a body equal to it as JSON
 * (member order aside). */
void          api_test_assert_reply_at (const char   *file,
                                        int           line,
                                        ApiTestReply *reply,
                                        guint         want_status,
                                        const char   *want_json);
#define api_test_assert_reply(reply, want_status, want_json) \
  api_test_assert_reply_at (__FILE__, __LINE__, (reply), (want_status), (want_json))

/* Removes @path and everything below it. */
void          api_test_remove_tree   (const char     *path);

G_END_DECLS
