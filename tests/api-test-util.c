/* api-test-util.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "api-test-util.h"
#include "cira-test-util.h"

void
api_test_reply_free (ApiTestReply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->json, json_node_unref);
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_free (reply);
}

void
api_test_client_init (ApiTestClient *client,
                      ObApiServer   *api)
{
  memset (client, 0, sizeof *client);
  client->session = soup_session_new ();
  client->base = ob_api_server_dup_url (api);
}

void
api_test_client_clear (ApiTestClient *client)
{
  g_clear_object (&client->session);
  g_clear_pointer (&client->base, g_free);
  g_clear_pointer (&client->token, g_free);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ApiTestSend *state = user_data;

  state->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &state->error);
  state->done = TRUE;
}

void
api_test_send_async (SoupSession *session,
                     SoupMessage *msg,
                     ApiTestSend *state)
{
  memset (state, 0, sizeof *state);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, state);
}

void
api_test_send_clear (ApiTestSend *state)
{
  g_clear_pointer (&state->body, g_bytes_unref);
  g_clear_error (&state->error);
}

void
api_test_wait_flag (gboolean *flag)
{
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, flag, API_TEST_TIMEOUT_MS));
}

SoupMessage *
api_test_message_new (ApiTestClient *client,
                      const char    *method,
                      const char    *path,
                      const char    *content_type,
                      const char    *body,
                      gssize         body_len,
                      const char    *auth,
                      gboolean       chunked)
{
  g_autofree char *url = g_strconcat (client->base, path, NULL);
  SoupMessage *msg = soup_message_new (method, url);
  SoupMessageHeaders *headers;

  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);

  if (body != NULL)
    {
      gsize len = body_len < 0 ? strlen (body) : (gsize) body_len;
      g_autoptr(GBytes) bytes = g_bytes_new (body, len);

      if (content_type == NULL)
        content_type = "application/json";

      if (chunked)
        {
          g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);

          soup_message_set_request_body (msg, content_type, stream, -1);
        }
      else
        soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }

  if (auth == NULL && client->token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", client->token, NULL);

      soup_message_headers_replace (headers, "Authorization", header);
    }
  else if (auth != NULL && auth[0] != '\0')
    soup_message_headers_replace (headers, "Authorization", auth);

  return msg;
}

ApiTestReply *
api_test_send_message (ApiTestClient *client,
                       SoupMessage   *msg)
{
  ApiTestSend state;
  ApiTestReply *reply = g_new0 (ApiTestReply, 1);
  const char *type;

  api_test_send_async (client->session, msg, &state);
  api_test_wait_flag (&state.done);
  g_assert_no_error (state.error);

  reply->status = soup_message_get_status (msg);
  reply->body = g_steal_pointer (&state.body);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));

  type = soup_message_headers_get_content_type (reply->headers, NULL);
  if (g_bytes_get_size (reply->body) > 0 && g_strcmp0 (type, "application/json") == 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      json_parser_load_from_data (parser, g_bytes_get_data (reply->body, NULL),
                                  g_bytes_get_size (reply->body), &error);
      g_assert_no_error (error);
      reply->json = json_node_ref (json_parser_get_root (parser));
    }

  if (client->on_reply != NULL)
    client->on_reply (msg, reply, client->on_reply_data);

  return reply;
}

ApiTestReply *
api_test_send (ApiTestClient *client,
               const char    *method,
               const char    *path,
               const char    *content_type,
               const char    *body,
               gssize         body_len,
               const char    *auth,
               gboolean       chunked)
{
  g_autoptr(SoupMessage) msg = api_test_message_new (client, method, path, content_type, body,
                                                     body_len, auth, chunked);

  return api_test_send_message (client, msg);
}

ApiTestReply *
api_test_send_json (ApiTestClient *client,
                    const char    *method,
                    const char    *path,
                    const char    *body)
{
  return api_test_send (client, method, path, NULL, body, -1, NULL, FALSE);
}

ApiTestReply *
api_test_get (ApiTestClient *client,
              const char    *path)
{
  return api_test_send (client, "GET", path, NULL, NULL, -1, NULL, FALSE);
}

char *
api_test_login (ApiTestClient *client,
                const char    *user,
                const char    *password)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autoptr(ApiTestReply) reply = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, user);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  reply = api_test_send (client, "POST", "/api/v1/authorize", NULL, body, -1, "", FALSE);
  api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);

  return g_strdup (json_object_get_string_member (api_test_reply_object (reply), "token"));
}

char *
api_test_reply_text (ApiTestReply *reply)
{
  return g_strndup (g_bytes_get_data (reply->body, NULL), g_bytes_get_size (reply->body));
}

JsonObject *
api_test_reply_object (ApiTestReply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->json));

  return json_node_get_object (reply->json);
}

JsonArray *
api_test_reply_array (ApiTestReply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (reply->json));

  return json_node_get_array (reply->json);
}

void
api_test_assert_reply_at (const char   *file,
                          int           line,
                          ApiTestReply *reply,
                          guint         want_status,
                          const char   *want_json)
{
  g_autofree char *text = api_test_reply_text (reply);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;

  if (reply->status != want_status)
    g_error ("%s:%d: status %u, expected %u; body %s", file, line, reply->status, want_status,
             text);
  if (want_json == NULL)
    return;

  parser = json_parser_new ();
  json_parser_load_from_data (parser, want_json, -1, &error);
  g_assert_no_error (error);
  if (reply->json == NULL || !json_node_equal (json_parser_get_root (parser), reply->json))
    g_error ("%s:%d: JSON differs:\n expected %s\n got      %s", file, line, want_json, text);
}

void
api_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      api_test_remove_tree (child);
    }
  g_remove (path);
}
