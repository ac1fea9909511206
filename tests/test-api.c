/* test-api.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "api-test-util.h"
#include "cira-test-util.h"
#include "ob-api-server.h"
#include "ob-jwt.h"
#include "ob-secret-store-libsecret.h"
#include "ob-secret-store-memory.h"
#include "ob-sim-device.h"
#include "ob-sim-fleet.h"
#include "ob-sim-wsman-server.h"
#include "ob-util.h"

/* The REST API over real sockets: a SoupServer on 127.0.0.1 port 0, a
 * SoupSession as the client, the simulator in-process as the devices. */

#define API_USER     "admin"
#define API_PASSWORD "Api-Passw0rd!"
#define SIM_PASSWORD "Sim-Passw0rd!"

typedef struct
{
  char             *dir;
  ObStore          *store;
  ObSecretStore    *secrets;
  ObConfig         *config;
  ObDeviceRegistry *registry;
  ObApiServer      *api;
  ApiTestClient     client;
  ObSimFleet       *fleet;
  ObSimDevice      *sim;
  char             *guid;
} Fixture;

/* ------------------------------------------------------------------------
 * Plumbing
 * ------------------------------------------------------------------------ */

static gboolean
start_api (ObApiServer  *api,
           GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_api_server_start_async (api, "127.0.0.1", 0, NULL, cira_test_store_result, &result);

  return ob_api_server_start_finish (api, cira_test_wait_result (&result), error);
}

static GBytes *
jwt_key (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GBytes *key = ob_secret_store_lookup_sync (f->secrets, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                             OB_SECRET_KIND_JWT_KEY, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (key);
  g_assert_cmpuint (g_bytes_get_size (key), ==, OB_JWT_KEY_SIZE);

  return key;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *db = NULL;

  f->dir = g_dir_make_tmp ("outband-api-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "outband.db", NULL);
  f->store = ob_store_new_for_path (db, &error);
  g_assert_no_error (error);
  f->secrets = ob_secret_store_memory_new ();
  f->config = ob_config_new ();

  ob_api_store_password_sync (f->secrets, API_PASSWORD, NULL, &error);
  g_assert_no_error (error);

  f->registry = ob_device_registry_new (f->store, f->secrets);
  ob_device_registry_load_async (f->registry, NULL, cira_test_store_result, &result);
  ob_device_registry_load_finish (f->registry, cira_test_wait_result (&result), &error);
  g_assert_no_error (error);

  f->api = ob_api_server_new (f->config, f->store, f->secrets, f->registry);
  start_api (f->api, &error);
  g_assert_no_error (error);
  g_assert_true (ob_api_server_get_running (f->api));
  g_assert_cmpuint (ob_api_server_get_port (f->api), >, 0);

  api_test_client_init (&f->client, f->api);
  f->client.token = api_test_login (&f->client, API_USER, API_PASSWORD);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  user_data)
{
  ob_api_server_stop (f->api);
  api_test_client_clear (&f->client);

  /* Let closed connections and cancelled requests settle. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_finalize_object (f->api);
  g_clear_object (&f->registry);
  if (f->fleet != NULL)
    {
      ob_sim_fleet_stop (f->fleet);
      g_clear_object (&f->fleet);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->config);
  g_clear_object (&f->secrets);
  g_clear_object (&f->store);
  api_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->guid);
}

/* A simulated device, added through POST /devices like an admin would. */
static void
add_sim_device (Fixture  *f,
                gboolean  tls)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autoptr(ApiTestReply) reply = NULL;
  guint port;

  f->fleet = ob_sim_fleet_new ();
  f->sim = ob_sim_fleet_add_device (f->fleet, "127.0.0.1", 0, tls ? OB_SIM_PORT_ANY : 0,
                                    SIM_PASSWORD, &error);
  g_assert_no_error (error);
  port = tls ? ob_sim_device_get_tls_port (f->sim) : ob_sim_device_get_http_port (f->sim);

  body = g_strdup_printf ("{\"hostname\":\"127.0.0.1\",\"port\":%u,\"useTLS\":%s,"
                          "\"allowSelfSigned\":%s,\"username\":\"admin\",\"password\":\"%s\","
                          "\"friendlyName\":\"Lab PC\",\"tags\":[\"lab\",\"sim\"]}",
                          port, tls ? "true" : "false", tls ? "true" : "false", SIM_PASSWORD);
  reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);
  api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
  f->guid = g_strdup (json_object_get_string_member (api_test_reply_object (reply), "guid"));
  g_assert_cmpstr (f->guid, ==, ob_sim_device_get_guid (f->sim));
}

/* ------------------------------------------------------------------------
 * health, version, authorize
 * ------------------------------------------------------------------------ */

static void
test_health_version (Fixture       *f,
                     gconstpointer  user_data)
{
  const char *paths[] = { "/api/v1/health", "/mps/api/v1/health", "/API/V1/Health/" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      /* No token needed. */
      g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "GET", paths[i], NULL, NULL, 0, "", FALSE);

      api_test_assert_reply (reply, SOUP_STATUS_OK,
                             "{\"db\":{\"name\":\"SQLITE\",\"status\":\"OK\"},"
                             "\"secretStore\":{\"name\":\"KEYRING\","
                             "\"status\":{\"initialized\":true,\"sealed\":false}}}");
      g_assert_cmpstr (soup_message_headers_get_one (reply->headers, "Access-Control-Allow-Origin"),
                       ==, "*");
      g_assert_cmpstr (soup_message_headers_get_content_type (reply->headers, NULL), ==,
                       "application/json");
    }

  {
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "GET", "/api/v1/version", NULL, NULL, 0, "", FALSE);

    api_test_assert_reply (reply, SOUP_STATUS_OK, "{\"serviceVersion\":\"" PACKAGE_VERSION "\"}");
  }
}

static void
test_authorize (Fixture       *f,
                gconstpointer  user_data)
{
  g_autoptr(GBytes) key = jwt_key (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* The fixture's token is ours: HS256 with the keyring key, the MPS's
   * claims, 1440 minutes. */
  claims = ob_jwt_verify (g_bytes_get_data (key, NULL), g_bytes_get_size (key), f->client.token, now,
                          &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "tenantId"), ==, "");
  g_assert_cmpstr (json_object_get_string_member (claims, "deviceId"), ==, "*");
  g_assert_cmpstr (json_object_get_string_member (claims, "iss"), ==, OB_API_ISSUER);
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), >=, now + 1440 * 60 - 5);
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), <=, now + 1440 * 60 + 5);
  g_assert_cmpuint (json_object_get_size (claims), ==, 4);

  /* The user name is compared without case; the gateway's login path. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "POST", "/mps/login/api/v1/authorize",
                                                   "application/json",
                                                   "{\"username\":\"ADMIN\",\"password\":\"" API_PASSWORD "\"}",
                                                   -1, "", FALSE);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_nonnull (json_object_get_string_member (api_test_reply_object (reply), "token"));
  }

  /* Wrong password, wrong user, a password of another type. */
  {
    static const char * const bodies[] = {
      "{\"username\":\"admin\",\"password\":\"wrong\"}",
      "{\"username\":\"root\",\"password\":\"" API_PASSWORD "\"}",
      "{\"username\":\"admin\",\"password\":12345}",
      "{\"username\":\"admin\",\"password\":\"" API_PASSWORD "x\"}",
      "{\"username\":\"admin\",\"password\":\"Api-Passw0rd\"}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
      {
        g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "POST", "/api/v1/authorize", "application/json",
                                                       bodies[i], -1, "", FALSE);

        api_test_assert_reply (reply, SOUP_STATUS_UNAUTHORIZED,
                               "{\"message\":\"Incorrect Username and/or Password!\"}");
      }
  }

  /* The validators' exact errors. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "POST", "/api/v1/authorize", "application/json",
                                                   "{}", -1, "", FALSE);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":["
                           "{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"username\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"msg\":\"User name is required\",\"path\":\"username\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"msg\":\"Password is required\",\"path\":\"password\",\"location\":\"body\"}]}");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "POST", "/api/v1/authorize", "application/json",
                                                   "{\"username\":42,\"password\":\"\"}", -1, "", FALSE);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":["
                           "{\"type\":\"field\",\"value\":42,\"msg\":\"Invalid value\",\"path\":\"username\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"value\":\"\",\"msg\":\"Password is required\",\"path\":\"password\",\"location\":\"body\"}]}");
  }

  /* The environment variable wins over the keyring. */
  g_setenv (OB_API_PASSWORD_ENV, "from-the-environment", TRUE);
  {
    g_autofree char *token = api_test_login (&f->client, "admin", "from-the-environment");
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "POST", "/api/v1/authorize", "application/json",
                                                   "{\"username\":\"admin\",\"password\":\"" API_PASSWORD "\"}",
                                                   -1, "", FALSE);

    g_assert_nonnull (token);
    api_test_assert_reply (reply, SOUP_STATUS_UNAUTHORIZED, NULL);
  }
  g_unsetenv (OB_API_PASSWORD_ENV);

  /* The configured user name. */
  ob_config_set_api_user (f->config, "operator");
  {
    g_autofree char *token = api_test_login (&f->client, "Operator", API_PASSWORD);
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "POST", "/api/v1/authorize", "application/json",
                                                   "{\"username\":\"admin\",\"password\":\"" API_PASSWORD "\"}",
                                                   -1, "", FALSE);

    g_assert_nonnull (token);
    api_test_assert_reply (reply, SOUP_STATUS_UNAUTHORIZED, NULL);
  }
}

static char *
sign_with (GBytes     *key,
           const char *iss,
           gint64      exp)
{
  g_autoptr(JsonObject) claims = json_object_new ();

  json_object_set_string_member (claims, "tenantId", "");
  json_object_set_string_member (claims, "iss", iss);
  json_object_set_string_member (claims, "deviceId", "*");
  json_object_set_int_member (claims, "exp", exp);

  return ob_jwt_sign (g_bytes_get_data (key, NULL), g_bytes_get_size (key), claims);
}

static void
expect_401 (Fixture    *f,
            const char *auth,
            const char *expected)
{
  g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "GET", "/api/v1/devices", NULL, NULL, 0, auth, FALSE);

  api_test_assert_reply (reply, SOUP_STATUS_UNAUTHORIZED, expected);
}

static void
test_jwt_checks (Fixture       *f,
                 gconstpointer  user_data)
{
  g_autoptr(GBytes) key = jwt_key (f);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *expired = sign_with (key, OB_API_ISSUER, now - 1);
  g_autofree char *other_issuer = sign_with (key, "someone-else", now + 600);
  g_autofree char *forged = g_strdup (f->client.token);
  g_autofree char *alg_none = NULL;
  g_autofree char *other_key_token = NULL;
  g_autofree char *auth = NULL;
  guint8 other_key[OB_JWT_KEY_SIZE];

  /* The token works, with any case of "Bearer". */
  {
    g_autofree char *lower = g_strconcat ("bearer ", f->client.token, NULL);
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "GET", "/api/v1/devices", NULL, NULL, 0, lower, FALSE);

    api_test_assert_reply (reply, SOUP_STATUS_OK, "[]");
  }

  expect_401 (f, "", "{\"message\":\"Unauthorized\"}");
  expect_401 (f, "Basic YWRtaW46YWRtaW4=", "{\"message\":\"Unauthorized\"}");
  expect_401 (f, "Bearer", "{\"message\":\"Unauthorized\"}");

  auth = g_strconcat ("Bearer ", expired, NULL);
  expect_401 (f, auth, "{\"exp\":\"token expired\"}");
  g_free (auth);

  auth = g_strconcat ("Bearer ", other_issuer, NULL);
  expect_401 (f, auth, "{\"message\":\"No credentials found for given 'iss'\"}");
  g_free (auth);

  /* Flip one character in the middle of the signature. */
  {
    char *sig = strrchr (forged, '.') + 10;

    *sig = *sig == 'A' ? 'B' : 'A';
  }
  auth = g_strconcat ("Bearer ", forged, NULL);
  expect_401 (f, auth, "{\"message\":\"Invalid signature\"}");
  g_free (auth);

  ob_random_bytes (other_key, sizeof other_key);
  {
    g_autoptr(GBytes) k = g_bytes_new (other_key, sizeof other_key);

    other_key_token = sign_with (k, OB_API_ISSUER, now + 600);
  }
  auth = g_strconcat ("Bearer ", other_key_token, NULL);
  expect_401 (f, auth, "{\"message\":\"Invalid signature\"}");
  g_free (auth);

  /* alg "none" with our payload and no signature, then with one. */
  {
    g_auto(GStrv) parts = g_strsplit (f->client.token, ".", -1);
    const char *none = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
    g_autofree char *header = ob_jwt_base64url_encode ((const guint8 *) none, strlen (none));

    alg_none = g_strconcat (header, ".", parts[1], ".", parts[2], NULL);
    auth = g_strconcat ("Bearer ", alg_none, NULL);
    expect_401 (f, auth, "{\"message\":\"Invalid algorithm\"}");
    g_free (auth);

    auth = g_strconcat ("Bearer ", header, ".", parts[1], ".", NULL);
    {
      g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "GET", "/api/v1/devices", NULL, NULL, 0, auth, FALSE);

      g_assert_cmpuint (reply->status, ==, SOUP_STATUS_UNAUTHORIZED);
      g_assert_true (g_str_has_prefix (json_object_get_string_member (api_test_reply_object (reply),
                                                                      "message"), "Bad token; "));
    }
    g_free (auth);
  }

  /* Malformed. */
  {
    static const char * const bad[] = { "Bearer abc", "Bearer a.b", "Bearer ...", "Bearer a.b.c.d" };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "GET", "/api/v1/devices", NULL, NULL, 0, bad[i], FALSE);

        g_assert_cmpuint (reply->status, ==, SOUP_STATUS_UNAUTHORIZED);
        g_assert_true (g_str_has_prefix (json_object_get_string_member (api_test_reply_object (reply),
                                                                        "message"), "Bad token; "));
      }
  }
  auth = NULL;

  /* Every protected route refuses a request without a token, including
   * the gateway paths and unknown routes. */
  {
    static const struct { const char *method; const char *path; } routes[] = {
      { "GET", "/api/v1/devices" }, { "GET", "/api/v1/devices/stats" },
      { "GET", "/api/v1/devices/tags" },
      { "GET", "/api/v1/devices/8dad96cb-c3db-11e6-9c43-bc0000d20000" },
      { "POST", "/api/v1/devices" }, { "PATCH", "/api/v1/devices" },
      { "DELETE", "/api/v1/devices/8dad96cb-c3db-11e6-9c43-bc0000d20000" },
      { "GET", "/mps/api/v1/amt/power/state/8dad96cb-c3db-11e6-9c43-bc0000d20000" },
      { "POST", "/api/v1/amt/power/action/8dad96cb-c3db-11e6-9c43-bc0000d20000" },
      { "GET", "/api/v1/amt/features/x" }, { "GET", "/api/v1/no/such/route" },
      { "GET", "/mps/login/api/v1/devices" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
      {
        g_autoptr(ApiTestReply) reply = api_test_send (&f->client, routes[i].method, routes[i].path, "application/json",
                                                       "{}", -1, "", FALSE);

        api_test_assert_reply (reply, SOUP_STATUS_UNAUTHORIZED, "{\"message\":\"Unauthorized\"}");
      }
  }

  /* A token outlives a restart: the key is kept in the keyring. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ApiTestReply) reply = NULL;

    ob_api_server_stop (f->api);
    g_assert_false (ob_api_server_get_running (f->api));
    start_api (f->api, &error);
    g_assert_no_error (error);
    g_free (f->client.base);
    f->client.base = ob_api_server_dup_url (f->api);

    reply = api_test_get (&f->client, "/api/v1/devices");
    api_test_assert_reply (reply, SOUP_STATUS_OK, "[]");
  }
}

/* ------------------------------------------------------------------------
 * Routing, CORS, hostile requests
 * ------------------------------------------------------------------------ */

static void
test_routing (Fixture       *f,
              gconstpointer  user_data)
{
  static const char * const same[] = {
    "/api/v1/devices/stats", "/API/V1/DEVICES/STATS", "/mps/api/v1/devices/Stats/",
    "/Mps/Api/V1/devices/stats",
  };

  for (guint i = 0; i < G_N_ELEMENTS (same); i++)
    {
      g_autoptr(ApiTestReply) reply = api_test_get (&f->client, same[i]);

      api_test_assert_reply (reply, SOUP_STATUS_OK,
                             "{\"totalCount\":0,\"connectedCount\":0,\"disconnectedCount\":0}");
    }

  /* Unknown routes and methods: 404 with a JSON body. */
  {
    static const struct { const char *method; const char *path; } missing[] = {
      { "GET", "/api/v1/nothing" }, { "PUT", "/api/v1/devices" },
      { "GET", "/api/v2/devices" }, { "GET", "/" }, { "GET", "/api/v1" },
      { "POST", "/api/v1/health" }, { "GET", "/mps/login/api/v1/devices" },
      { "GET", "/api/v1/amt/power/state" }, { "GET", "/api/v1/amt/power/state/a/b" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
      {
        g_autoptr(ApiTestReply) reply = api_test_send (&f->client, missing[i].method, missing[i].path,
                                                       "application/json", "{}", -1, NULL, FALSE);

        g_assert_cmpuint (reply->status, ==, SOUP_STATUS_NOT_FOUND);
        g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "error"), ==,
                         "Not Found");
      }
  }

  /* CORS preflight, as the cors package answers it. */
  {
    g_autoptr(SoupMessage) msg = api_test_message_new (&f->client, "OPTIONS", "/api/v1/devices",
                                                       NULL, NULL, -1, "", FALSE);
    SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
    ApiTestSend state;
    SoupMessageHeaders *response;

    soup_message_headers_replace (headers, "Origin", "http://ui.example");
    soup_message_headers_replace (headers, "Access-Control-Request-Method", "POST");
    soup_message_headers_replace (headers, "Access-Control-Request-Headers",
                                  "authorization,content-type");
    api_test_send_async (f->client.session, msg, &state);
    api_test_wait_flag (&state.done);
    g_assert_no_error (state.error);
    api_test_send_clear (&state);

    response = soup_message_get_response_headers (msg);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_NO_CONTENT);
    g_assert_cmpstr (soup_message_headers_get_one (response, "Access-Control-Allow-Origin"), ==, "*");
    g_assert_cmpstr (soup_message_headers_get_one (response, "Access-Control-Allow-Methods"), ==,
                     "GET,HEAD,PUT,PATCH,POST,DELETE");
    g_assert_cmpstr (soup_message_headers_get_one (response, "Access-Control-Allow-Headers"), ==,
                     "authorization,content-type");
  }

  /* HEAD answers like GET without a body. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "HEAD", "/api/v1/version", NULL, NULL, 0, "", FALSE);

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_OK);
    g_assert_cmpuint (g_bytes_get_size (reply->body), ==, 0);
  }
}

static void
test_hostile_bodies (Fixture       *f,
                     gconstpointer  user_data)
{
  static const char * const malformed[] = {
    "{", "{\"guid\":", "[1,2", "{\"a\":1}}", "nul", "{'guid':'x'}", "\"just a string\"", "42",
    "true", "null", "{\"a\":\"\\ud800\"", "{\"a\":\"\xff\xfe\"}", "{\"a\":1,}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", malformed[i]);

      g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
      g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "error"), ==,
                       "Incorrect URI or Bad Request");
    }

  /* Bytes that are not UTF-8 in the path or the query. */
  {
    static const char * const urls[] = {
      "/api/v1/devices?hostname=%F0", "/api/v1/devices/%FF%FE", "/api/v1/devices?%C3=1",
      "/api/v1/amt/power/state/%E2%82",
    };

    for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
      {
        g_autoptr(ApiTestReply) reply = api_test_get (&f->client, urls[i]);

        api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                               "{\"error\":\"Incorrect URI or Bad Request\","
                               "\"errorDescription\":\"The URL is not valid UTF-8\"}");
      }
  }

  /* A NUL escaped in a string would cut it short in C: refused. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/authorize",
                                                        "{\"username\":\"admin\",\"password\":\"" API_PASSWORD "\\u0000x\"}");

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
  }

  /* Surrogates must pair: a lone one would become bytes that are not
   * UTF-8 in a stored name; a proper pair is an ordinary character. */
  {
    const char *lone[] = { "\\udc00", "\\ud800", "\\ud800x", "\\ud800\\u0041", "\\udbff\\ue000" };

    for (guint i = 0; i < G_N_ELEMENTS (lone); i++)
      {
        g_autofree char *body = g_strdup_printf ("{\"username\":\"admin%s\",\"password\":\"x\"}", lone[i]);
        g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/authorize", body);

        g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
      }
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/authorize",
                                                        "{\"username\":\"admin\\ud83d\\ude00\",\"password\":\"x\"}");

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_UNAUTHORIZED);
  }

  /* An embedded NUL. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "POST", "/api/v1/devices", "application/json",
                                                   "{\"guid\":\"a\0b\"}", 14, NULL, FALSE);

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
  }

  /* 100 000 levels of nesting never reach the recursive parser. */
  {
    GString *deep = g_string_new (NULL);
    g_autoptr(ApiTestReply) reply = NULL;

    for (guint i = 0; i < 50000; i++)
      g_string_append_c (deep, '[');
    reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", deep->str);
    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
    g_string_free (deep, TRUE);
  }

  /* Over 100 KiB, with a length and chunked: 413 with a JSON error, and
   * the server keeps working. */
  for (guint chunked = 0; chunked < 2; chunked++)
    {
      gsize size = 200 * 1024;
      g_autofree char *big = g_malloc (size + 1);
      g_autoptr(ApiTestReply) reply = NULL;
      g_autoptr(ApiTestReply) after = NULL;

      memset (big, ' ', size);
      big[0] = '{';
      big[size - 1] = '}';
      big[size] = '\0';
      reply = api_test_send (&f->client, "POST", "/api/v1/devices", "application/json", big, size, NULL,
                             chunked);
      g_assert_cmpuint (reply->status, ==, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
      g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "error"), ==,
                       "Payload Too Large");

      after = api_test_get (&f->client, "/api/v1/devices/stats");
      g_assert_cmpuint (after->status, ==, SOUP_STATUS_OK);
    }

  /* Just under the limit is read (and then fails validation). */
  {
    gsize size = 100 * 1024;
    g_autofree char *body = g_malloc (size + 1);
    g_autoptr(ApiTestReply) reply = NULL;

    memset (body, ' ', size);
    body[0] = '{';
    body[size - 1] = '}';
    body[size] = '\0';
    reply = api_test_send (&f->client, "POST", "/api/v1/devices", "application/json", body, size, NULL, FALSE);
    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
    g_assert_nonnull (json_object_get_array_member (api_test_reply_object (reply), "errors"));
  }

  /* Another content type is not parsed: the body counts as empty. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "POST", "/api/v1/devices", "text/plain",
                                                   "{\"guid\":\"8dad96cb-c3db-11e6-9c43-bc0000d20000\"}",
                                                   -1, NULL, FALSE);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":["
                           "{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"guid\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"guid\",\"location\":\"body\"}]}");
  }

  /* Random mutations of valid bodies: always an answer, never a crash. */
  {
    static const char * const seeds[] = {
      "{\"guid\":\"8dad96cb-c3db-11e6-9c43-bc0000d20000\",\"hostname\":\"pc\",\"tags\":[\"a\"],"
      "\"deviceInfo\":{\"fwVersion\":\"16.1\"}}",
      "{\"username\":\"admin\",\"password\":\"x\"}",
      "{\"action\":8,\"useSOL\":false,\"bootDetails\":{\"url\":\"https://a/b\"}}",
    };
    static const char * const paths[] = {
      "/api/v1/devices", "/api/v1/authorize",
      "/api/v1/amt/power/bootOptions/8dad96cb-c3db-11e6-9c43-bc0000d20000",
    };
    static const char alphabet[] = "{}[]\",:0123456789.-eE\\ntrufalsxyz\x01\xc3\xa9";

    for (guint round = 0; round < 150; round++)
      {
        guint which = g_test_rand_int_range (0, G_N_ELEMENTS (seeds));
        g_autofree char *body = g_strdup (seeds[which]);
        gsize len = strlen (body);
        g_autoptr(ApiTestReply) reply = NULL;

        for (guint e = 0; e < 3; e++)
          body[g_test_rand_int_range (0, len)] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];

        reply = api_test_send (&f->client, "POST", paths[which], "application/json", body, len, NULL, FALSE);
        g_assert_cmpuint (reply->status, >=, 200);
        g_assert_cmpuint (reply->status, <, 500);
        if (reply->status != SOUP_STATUS_CREATED && reply->status != SOUP_STATUS_OK)
          g_assert_nonnull (reply->json);
      }
  }
}

/* ------------------------------------------------------------------------
 * Devices
 * ------------------------------------------------------------------------ */

#define GUID_A "8dad96cb-c3db-11e6-9c43-bc0000d20000"
#define GUID_B "12345678-1234-4abc-8abc-123456789abc"

static void
test_devices_crud (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autoptr(ApiTestReply) created = NULL;
  g_autoptr(ApiTestReply) merged = NULL;
  JsonObject *o;

  created = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                "{\"guid\":\"" GUID_A "\",\"hostname\":\"pc-a\",\"friendlyName\":\"A\","
                                "\"tags\":[\"lab\"],\"mpsusername\":\"mpsuser\","
                                "\"deviceInfo\":{\"fwVersion\":\"16.1.25\",\"fwBuild\":\"2049\","
                                "\"fwSku\":\"16392\",\"currentMode\":\"2\",\"features\":\"KVM\","
                                "\"ipAddress\":\"192.0.2.10\",\"lastUpdated\":\"2026-01-02T03:04:05.000Z\"}}");
  api_test_assert_reply (created, SOUP_STATUS_CREATED,
                         "{\"guid\":\"" GUID_A "\",\"hostname\":\"pc-a\",\"tags\":[\"lab\"],"
                         "\"mpsInstance\":null,\"connectionStatus\":false,\"mpsusername\":\"mpsuser\","
                         "\"tenantId\":\"\",\"friendlyName\":\"A\",\"dnsSuffix\":null,"
                         "\"lastConnected\":null,\"lastSeen\":null,\"lastDisconnected\":null,"
                         "\"deviceInfo\":{\"fwVersion\":\"16.1.25\",\"fwBuild\":\"2049\",\"fwSku\":\"16392\","
                         "\"currentMode\":\"2\",\"features\":\"KVM\",\"ipAddress\":\"192.0.2.10\","
                         "\"lastUpdated\":\"2026-01-02T03:04:05.000Z\"},\"transport\":\"cira\"}");

  /* Upsert: the same GUID (any case) merges and answers 200. */
  merged = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                               "{\"guid\":\"8DAD96CB-C3DB-11E6-9C43-BC0000D20000\",\"friendlyName\":\"A2\","
                               "\"dnsSuffix\":\"lab.example.com.\"}");
  api_test_assert_reply (merged, SOUP_STATUS_OK, NULL);
  o = api_test_reply_object (merged);
  g_assert_cmpstr (json_object_get_string_member (o, "friendlyName"), ==, "A2");
  g_assert_cmpstr (json_object_get_string_member (o, "hostname"), ==, "pc-a");
  g_assert_cmpstr (json_object_get_string_member (o, "dnsSuffix"), ==, "lab.example.com.");
  g_assert_cmpstr (json_object_get_string_member (o, "guid"), ==, GUID_A);

  /* GET one (with timestamps), GET the list (without). */
  {
    g_autoptr(ApiTestReply) one = api_test_get (&f->client, "/api/v1/devices/" GUID_A);
    g_autoptr(ApiTestReply) list = api_test_get (&f->client, "/api/v1/devices");
    JsonObject *first;

    api_test_assert_reply (one, SOUP_STATUS_OK, NULL);
    g_assert_true (json_object_has_member (api_test_reply_object (one), "lastSeen"));
    api_test_assert_reply (list, SOUP_STATUS_OK, NULL);
    g_assert_cmpuint (json_array_get_length (api_test_reply_array (list)), ==, 1);
    first = json_array_get_object_element (api_test_reply_array (list), 0);
    g_assert_false (json_object_has_member (first, "lastSeen"));
    g_assert_cmpstr (json_object_get_string_member (first, "friendlyName"), ==, "A2");
  }

  /* Unknown GUID: 404 without a body; a malformed one: 400 params. */
  {
    g_autoptr(ApiTestReply) unknown = api_test_get (&f->client, "/api/v1/devices/" GUID_B);
    g_autoptr(ApiTestReply) bad = api_test_get (&f->client, "/api/v1/devices/not-a-guid");

    g_assert_cmpuint (unknown->status, ==, SOUP_STATUS_NOT_FOUND);
    g_assert_cmpuint (g_bytes_get_size (unknown->body), ==, 0);
    api_test_assert_reply (bad, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"value\":\"not-a-guid\",\"msg\":\"Invalid value\","
                           "\"path\":\"guid\",\"location\":\"params\"}]}");
  }

  /* Another tenant's device: 204 unless ?tenantId= names it. */
  {
    g_autoptr(ApiTestReply) post = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                                       "{\"guid\":\"" GUID_B "\",\"tenantId\":\"t1\"}");
    g_autoptr(ApiTestReply) hidden = api_test_get (&f->client, "/api/v1/devices/" GUID_B);
    g_autoptr(ApiTestReply) shown = api_test_get (&f->client, "/api/v1/devices/" GUID_B "?tenantId=t1");

    api_test_assert_reply (post, SOUP_STATUS_CREATED, NULL);
    g_assert_cmpuint (hidden->status, ==, SOUP_STATUS_NO_CONTENT);
    api_test_assert_reply (shown, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (shown), "tenantId"), ==, "t1");
  }

  /* PATCH */
  {
    g_autoptr(ApiTestReply) patched = api_test_send_json (&f->client, "PATCH", "/api/v1/devices",
                                                          "{\"guid\":\"" GUID_A "\",\"tags\":[\"x\",\"y\"],"
                                                          "\"friendlyName\":null}");
    g_autoptr(ApiTestReply) missing = api_test_send_json (&f->client, "PATCH", "/api/v1/devices",
                                                          "{\"guid\":\"00000000-0000-4000-8000-000000000000\"}");
    g_autoptr(ApiTestReply) no_guid = api_test_send_json (&f->client, "PATCH", "/api/v1/devices", "{\"hostname\":\"x\"}");

    api_test_assert_reply (patched, SOUP_STATUS_OK, NULL);
    o = api_test_reply_object (patched);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "tags")), ==, 2);
    g_assert_true (json_object_get_null_member (o, "friendlyName"));
    g_assert_cmpstr (json_object_get_string_member (o, "hostname"), ==, "pc-a");

    api_test_assert_reply (missing, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"NOT FOUND\",\"message\":\"Device ID "
                           "00000000-0000-4000-8000-000000000000 not found\"}");
    g_assert_cmpuint (no_guid->status, ==, SOUP_STATUS_BAD_REQUEST);
  }

  /* Validation messages of the device body. */
  {
    g_autofree char *long_host = g_strnfill (256, 'h');
    g_autofree char *body = g_strdup_printf ("{\"guid\":\"" GUID_A "\",\"hostname\":\"%s\","
                                             "\"dnsSuffix\":\"bad_suffix!\",\"tags\":[\"ok\",5],"
                                             "\"deviceInfo\":\"none\",\"friendlyName\":7}",
                                             long_host);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);
    g_autofree char *expected = g_strdup_printf (
      "{\"errors\":["
      "{\"type\":\"field\",\"value\":7,\"msg\":\"Invalid value\",\"path\":\"friendlyName\",\"location\":\"body\"},"
      "{\"type\":\"field\",\"value\":\"%s\",\"msg\":\"Hostname must be less than 256 characters\",\"path\":\"hostname\",\"location\":\"body\"},"
      "{\"type\":\"field\",\"value\":\"bad_suffix!\",\"msg\":\"dnsSuffix must be a valid DNS suffix\",\"path\":\"dnsSuffix\",\"location\":\"body\"},"
      "{\"type\":\"field\",\"value\":5,\"msg\":\"tags should be an array of strings\",\"path\":\"tags[1]\",\"location\":\"body\"},"
      "{\"type\":\"field\",\"value\":\"none\",\"msg\":\"deviceInfo should be an object if provided\",\"path\":\"deviceInfo\",\"location\":\"body\"}]}",
      long_host);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST, expected);
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                                        "{\"guid\":42,\"tags\":\"lab\"}");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":["
                           "{\"type\":\"field\",\"value\":42,\"msg\":\"Invalid value\",\"path\":\"guid\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"value\":42,\"msg\":\"Invalid value\",\"path\":\"guid\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"value\":\"lab\",\"msg\":\"tags should be an array of strings\",\"path\":\"tags\",\"location\":\"body\"}]}");
  }
  {
    /* An array body is not a device. */
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", "[{\"guid\":\"" GUID_A "\"}]");

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (api_test_reply_object (reply),
                                                                          "errors")), ==, 2);
  }

  /* DELETE, with and without the secret. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) secret = NULL;
    g_autoptr(ApiTestReply) bad_flag = NULL;
    g_autoptr(ApiTestReply) kept = NULL;
    g_autoptr(ApiTestReply) gone = NULL;
    g_autoptr(ApiTestReply) again = NULL;

    ob_secret_store_store_text_sync (f->secrets, OB_SECRET_OWNER_DEVICE, GUID_A,
                                     OB_SECRET_KIND_AMT_PASSWORD, "amt-secret", NULL, &error);
    g_assert_no_error (error);
    ob_secret_store_store_text_sync (f->secrets, OB_SECRET_OWNER_DEVICE, GUID_B,
                                     OB_SECRET_KIND_AMT_PASSWORD, "amt-secret", NULL, &error);
    g_assert_no_error (error);

    bad_flag = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/" GUID_A "?isSecretToBeDeleted=maybe", NULL);
    api_test_assert_reply (bad_flag, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"value\":\"maybe\",\"msg\":\"Invalid value\","
                           "\"path\":\"isSecretToBeDeleted\",\"location\":\"query\"}]}");

    kept = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/" GUID_B "?isSecretToBeDeleted=false", NULL);
    g_assert_cmpuint (kept->status, ==, SOUP_STATUS_NO_CONTENT);
    secret = ob_secret_store_lookup_sync (f->secrets, OB_SECRET_OWNER_DEVICE, GUID_B,
                                          OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
    g_assert_nonnull (secret);
    g_clear_pointer (&secret, g_bytes_unref);

    gone = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/" GUID_A "?isSecretToBeDeleted=true", NULL);
    g_assert_cmpuint (gone->status, ==, SOUP_STATUS_NO_CONTENT);
    secret = ob_secret_store_lookup_sync (f->secrets, OB_SECRET_OWNER_DEVICE, GUID_A,
                                          OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (secret);

    again = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/" GUID_A, NULL);
    api_test_assert_reply (again, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"NOT FOUND\",\"message\":\"Device ID " GUID_A " not found\"}");
  }
}

static void
test_devices_list (Fixture       *f,
                   gconstpointer  user_data)
{
  static const char * const tags[] = { "[\"a\"]", "[\"a\",\"b\"]", "[\"b\"]", "[]", "[\"c\"]" };
  g_autoptr(GError) error = NULL;
  char guids[5][37];

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *body = NULL;
      g_autoptr(ApiTestReply) reply = NULL;

      g_snprintf (guids[i], sizeof guids[i], "00000000-0000-4000-8000-00000000000%u", i);
      body = g_strdup_printf ("{\"guid\":\"%s\",\"hostname\":\"host-%u\",\"friendlyName\":\"%s\","
                              "\"tags\":%s}",
                              guids[i], i, i % 2 == 0 ? "even" : "odd", tags[i]);
      reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);
      api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    }

  /* Two are connected (CIRA state lives in the store). */
  ob_store_set_device_connection (f->store, guids[1], TRUE, "mps-1", NULL, &error);
  g_assert_no_error (error);
  ob_store_set_device_connection (f->store, guids[3], TRUE, "mps-1", NULL, &error);
  g_assert_no_error (error);

  {
    static const struct { const char *query; guint n; } cases[] = {
      { "", 5 }, { "?$top=2", 2 }, { "?$top=2&$skip=4", 1 }, { "?$skip=10", 0 }, { "?$top=0", 0 },
      { "?hostname=host-3", 1 }, { "?hostname=host", 0 }, { "?friendlyName=even", 3 },
      { "?tags=a", 2 }, { "?tags=a,b", 3 }, { "?tags=a,b&method=AND", 1 },
      { "?tags=a,c&method=OR", 3 }, { "?status=1", 2 }, { "?status=0", 3 },
      { "?status=1&$top=2", 1 }, { "?tags=zzz", 0 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *path = g_strconcat ("/api/v1/devices", cases[i].query, NULL);
        g_autoptr(ApiTestReply) reply = api_test_get (&f->client, path);

        api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
        if (json_array_get_length (api_test_reply_array (reply)) != cases[i].n)
          g_error ("%s: %u devices, expected %u", path,
                   json_array_get_length (api_test_reply_array (reply)), cases[i].n);
      }
  }

  /* $count wraps the page with the total of all devices. */
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/devices?$count=true&$top=1");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "totalCount"), ==, 5);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (api_test_reply_object (reply),
                                                                          "data")), ==, 1);
  }

  /* Query validation, with the reference's messages. */
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/devices?$top=-1&$skip=x&$count=maybe&method=XOR&status=2");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":["
                           "{\"type\":\"field\",\"value\":\"-1\",\"msg\":\"The number of items to return should be a positive integer\",\"path\":\"$top\",\"location\":\"query\"},"
                           "{\"type\":\"field\",\"value\":\"x\",\"msg\":\"The number of items to skip before starting to collect the result set should be a positive integer\",\"path\":\"$skip\",\"location\":\"query\"},"
                           "{\"type\":\"field\",\"value\":\"maybe\",\"msg\":\"To return total number of records in result set should be boolean\",\"path\":\"$count\",\"location\":\"query\"},"
                           "{\"type\":\"field\",\"value\":\"2\",\"msg\":\"Invalid value\",\"path\":\"status\",\"location\":\"query\"},"
                           "{\"type\":\"field\",\"value\":\"XOR\",\"msg\":\"Invalid value\",\"path\":\"method\",\"location\":\"query\"}]}");
  }

  {
    g_autoptr(ApiTestReply) stats = api_test_get (&f->client, "/api/v1/devices/stats");
    g_autoptr(ApiTestReply) all_tags = api_test_get (&f->client, "/api/v1/devices/tags");
    JsonArray *array;
    g_autoptr(GPtrArray) seen = g_ptr_array_new ();

    api_test_assert_reply (stats, SOUP_STATUS_OK,
                           "{\"totalCount\":5,\"connectedCount\":2,\"disconnectedCount\":3}");
    api_test_assert_reply (all_tags, SOUP_STATUS_OK, NULL);
    array = api_test_reply_array (all_tags);
    g_assert_cmpuint (json_array_get_length (array), ==, 3);
    for (guint i = 0; i < 3; i++)
      g_ptr_array_add (seen, (gpointer) json_array_get_string_element (array, i));
    g_assert_true (g_ptr_array_find_with_equal_func (seen, "a", g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (seen, "b", g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (seen, "c", g_str_equal, NULL));
  }
}

/* ------------------------------------------------------------------------
 * LAN devices against the simulator
 * ------------------------------------------------------------------------ */

static void
test_lan_device (Fixture       *f,
                 gconstpointer  user_data)
{
  gboolean tls = GPOINTER_TO_INT (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) secret = NULL;
  ObDevice *device;

  add_sim_device (f, tls);

  /* The password reached the keyring and never comes back. */
  secret = ob_secret_store_lookup_sync (f->secrets, OB_SECRET_OWNER_DEVICE, f->guid,
                                        OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (secret, NULL), g_bytes_get_size (secret),
                   SIM_PASSWORD, strlen (SIM_PASSWORD));

  device = ob_device_registry_lookup (f->registry, f->guid);
  g_assert_nonnull (device);
  g_assert_cmpstr (ob_device_get_name (device), ==, "Lab PC");

  {
    g_autofree char *path = g_strconcat ("/api/v1/devices/", f->guid, NULL);
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, path);
    g_autofree char *text = api_test_reply_text (reply);
    JsonObject *o;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_null (strstr (text, SIM_PASSWORD));
    g_assert_null (strstr (text, "password"));
    o = api_test_reply_object (reply);
    g_assert_cmpstr (json_object_get_string_member (o, "transport"), ==, "lan");
    g_assert_cmpstr (json_object_get_string_member (o, "hostname"), ==, "127.0.0.1");
    g_assert_cmpstr (json_object_get_string_member (o, "username"), ==, "admin");
    g_assert_true (json_object_get_boolean_member (o, "useTLS") == tls);
    g_assert_true (json_object_get_boolean_member (o, "allowSelfSigned") == tls);
    g_assert_true (json_object_get_boolean_member (o, "connectionStatus"));
    if (tls)
      {
        ObSimWsmanServer *server = ob_sim_fleet_get_server (f->fleet, f->sim);
        g_autofree char *pin = ob_sim_wsman_server_dup_certificate_fingerprint (server);

        g_assert_cmpstr (json_object_get_string_member (o, "certificateFingerprint"), ==, pin);
      }
  }

  /* POST again with its GUID: an upsert through the registry. */
  if (!tls)
    {
      g_autofree char *body = g_strdup_printf ("{\"guid\":\"%s\",\"hostname\":\"127.0.0.1\","
                                               "\"port\":%u,\"password\":\"%s\","
                                               "\"friendlyName\":\"Again\"}",
                                               f->guid, ob_sim_device_get_http_port (f->sim),
                                               SIM_PASSWORD);
      g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);

      api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
      g_assert_cmpstr (ob_device_get_name (device), ==, "Again");
      g_assert_true (ob_device_registry_lookup (f->registry, f->guid) == device);
    }

  /* An edit goes through the registry, so the live device follows. */
  {
    g_autofree char *body = g_strdup_printf ("{\"guid\":\"%s\",\"friendlyName\":\"Bench PC\","
                                             "\"tags\":[\"bench\"]}", f->guid);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", "/api/v1/devices", body);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (ob_device_get_name (device), ==, "Bench PC");
    g_assert_cmpstr (ob_device_get_tags (device)[0], ==, "bench");
  }

  /* Deleting removes the device, the record and the password. */
  {
    g_autofree char *path = g_strconcat ("/api/v1/devices/", f->guid, NULL);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", path, NULL);
    g_autoptr(GBytes) left = NULL;

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_NO_CONTENT);
    g_assert_null (ob_device_registry_lookup (f->registry, f->guid));
    left = ob_secret_store_lookup_sync (f->secrets, OB_SECRET_OWNER_DEVICE, f->guid,
                                        OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (left);
  }
}

static void
test_lan_device_errors (Fixture       *f,
                        gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  ObSimDevice *sim;

  f->fleet = ob_sim_fleet_new ();
  sim = ob_sim_fleet_add_device (f->fleet, "127.0.0.1", 0, 0, SIM_PASSWORD, &error);
  g_assert_no_error (error);

  /* Wrong AMT password: nothing stored, the reason in plain words. */
  {
    g_autofree char *body = g_strdup_printf ("{\"hostname\":\"127.0.0.1\",\"port\":%u,"
                                             "\"username\":\"admin\",\"password\":\"wrong\"}",
                                             ob_sim_device_get_http_port (sim));
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);
    g_autoptr(ApiTestReply) list = api_test_get (&f->client, "/api/v1/devices");
    g_autofree char *text = api_test_reply_text (reply);

    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "error"), ==,
                     "Incorrect URI or Bad Request");
    g_assert_null (strstr (text, "wrong\""));
    api_test_assert_reply (list, SOUP_STATUS_OK, "[]");
  }

  /* The device answers with another GUID than the one asked for:
   * refused, and nothing is kept. */
  {
    g_autofree char *body = g_strdup_printf ("{\"guid\":\"" GUID_A "\",\"hostname\":\"127.0.0.1\","
                                             "\"port\":%u,\"password\":\"%s\"}",
                                             ob_sim_device_get_http_port (sim), SIM_PASSWORD);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);
    g_autoptr(ApiTestReply) list = api_test_get (&f->client, "/api/v1/devices");
    g_autofree char *expected = g_strdup_printf ("{\"error\":\"Incorrect URI or Bad Request\","
                                                 "\"errorDescription\":\"The device at 127.0.0.1 "
                                                 "has GUID %s, not " GUID_A "\"}",
                                                 ob_sim_device_get_guid (sim));

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST, expected);
    api_test_assert_reply (list, SOUP_STATUS_OK, "[]");
    g_assert_null (ob_device_registry_lookup (f->registry, ob_sim_device_get_guid (sim)));
  }

  /* Nothing listens there. */
  {
    g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, &error);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
    g_autoptr(GSocketAddress) bound = NULL;
    g_autofree char *body = NULL;
    g_autoptr(ApiTestReply) reply = NULL;

    /* A port that was free a moment ago and is closed now. */
    g_socket_bind (socket, any, FALSE, &error);
    g_assert_no_error (error);
    bound = g_socket_get_local_address (socket, &error);
    g_socket_close (socket, NULL);
    body = g_strdup_printf ("{\"hostname\":\"127.0.0.1\",\"port\":%u,\"password\":\"x\"}",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
    reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);
    g_assert_cmpuint (reply->status, ==, SOUP_STATUS_BAD_REQUEST);
  }

  /* Validation of the LAN fields. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                                        "{\"password\":\"\",\"useTLS\":\"yes\",\"port\":70000,"
                                                        "\"certificateFingerprint\":\"abc\"}");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":["
                           "{\"type\":\"field\",\"value\":\"yes\",\"msg\":\"Invalid value\",\"path\":\"useTLS\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"msg\":\"Password must be a non-empty string\",\"path\":\"password\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"value\":70000,\"msg\":\"port must be between 1 and 65535\",\"path\":\"port\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"value\":\"abc\",\"msg\":\"certificateFingerprint must be a SHA-256 fingerprint\",\"path\":\"certificateFingerprint\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"msg\":\"hostname is required to add a device on the LAN\",\"path\":\"hostname\",\"location\":\"body\"}]}");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                                        "{\"hostname\":\"127.0.0.1\",\"password\":\"x\",\"useTLS\":true}");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"value\":true,"
                           "\"msg\":\"useTLS needs allowSelfSigned or a certificateFingerprint\","
                           "\"path\":\"useTLS\",\"location\":\"body\"}]}");
  }
}

/* ------------------------------------------------------------------------
 * AMT routes against the simulator
 * ------------------------------------------------------------------------ */

static char *
amt_path (Fixture    *f,
          const char *route)
{
  return g_strdup_printf ("/api/v1/amt/%s/%s", route, f->guid);
}

static ApiTestReply *
amt_get (Fixture    *f,
         const char *route)
{
  g_autofree char *path = amt_path (f, route);

  return api_test_get (&f->client, path);
}

static ApiTestReply *
amt_send (Fixture    *f,
          const char *method,
          const char *route,
          const char *body)
{
  g_autofree char *path = amt_path (f, route);

  return api_test_send_json (&f->client, method, path, body);
}

static void
test_amt_power (Fixture       *f,
                gconstpointer  user_data)
{
  add_sim_device (f, FALSE);
  ob_sim_device_set_power_state (f->sim, OB_SIM_POWER_ON);

  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "power/state");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "powerstate"), ==, 2);
    g_assert_true (json_object_has_member (api_test_reply_object (reply), "OSPowerSavingState"));
  }

  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "power/capabilities");
    JsonObject *caps;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    caps = api_test_reply_object (reply);
    g_assert_cmpint (json_object_get_int_member (caps, "Power up"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (caps, "Power down"), ==, 8);
    g_assert_cmpint (json_object_get_int_member (caps, "Reset"), ==, 10);
  }

  /* Power off, then on; the simulator's state follows. */
  {
    g_autoptr(ApiTestReply) off = amt_send (f, "POST", "power/action", "{\"action\":8}");
    g_autoptr(ApiTestReply) state = NULL;

    api_test_assert_reply (off, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (api_test_reply_object (off),
                                                                                "Body"),
                                                 "ReturnValue"), ==, 0);
    g_assert_cmpuint (ob_sim_device_get_power_state (f->sim), ==, OB_SIM_POWER_OFF_SOFT);

    state = amt_get (f, "power/state");
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (state), "powerstate"), ==, 8);
    /* The device the window shows learnt it too. */
    g_assert_cmpuint (ob_device_get_power_state (ob_device_registry_lookup (f->registry, f->guid)),
                      ==, 8);
  }
  {
    /* A numeric string passes the reference's validator too. */
    g_autoptr(ApiTestReply) on = amt_send (f, "POST", "power/action", "{\"action\":\"2\"}");

    api_test_assert_reply (on, SOUP_STATUS_OK, NULL);
    g_assert_cmpuint (ob_sim_device_get_power_state (f->sim), ==, OB_SIM_POWER_ON);
  }

  /* Actions outside the lists: both validators fail, or one. */
  {
    g_autoptr(ApiTestReply) missing = amt_send (f, "POST", "power/action", "{}");
    g_autoptr(ApiTestReply) unknown = amt_send (f, "POST", "power/action", "{\"action\":999}");
    g_autoptr(ApiTestReply) word = amt_send (f, "POST", "power/action", "{\"action\":\"off\"}");

    api_test_assert_reply (missing, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":["
                           "{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"action\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"action\",\"location\":\"body\"}]}");
    api_test_assert_reply (unknown, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"value\":999,\"msg\":\"Invalid value\","
                           "\"path\":\"action\",\"location\":\"body\"}]}");
    g_assert_cmpuint (word->status, ==, SOUP_STATUS_BAD_REQUEST);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (api_test_reply_object (word),
                                                                          "errors")), ==, 2);
  }

  /* Boot options: reset to BIOS. */
  {
    g_autoptr(ApiTestReply) reply = amt_send (f, "POST", "power/bootOptions",
                                              "{\"action\":101,\"useSOL\":false}");
    g_autoptr(ApiTestReply) no_sol = amt_send (f, "POST", "power/bootoptions", "{\"action\":101}");
    g_autoptr(ApiTestReply) dmtf = amt_send (f, "POST", "power/bootOptions",
                                             "{\"action\":8,\"useSOL\":true,"
                                             "\"bootDetails\":{\"url\":\"not a url\",\"password\":5}}");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_true (json_object_has_member (api_test_reply_object (reply), "Body"));
    g_assert_cmpint (ob_sim_device_get_last_boot_target (f->sim), ==, OB_SIM_BOOT_TARGET_BIOS_SETUP);

    api_test_assert_reply (no_sol, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"useSOL\","
                           "\"location\":\"body\"}]}");
    api_test_assert_reply (dmtf, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":["
                           "{\"type\":\"field\",\"value\":8,\"msg\":\"Invalid value\",\"path\":\"action\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"value\":\"not a url\",\"msg\":\"Invalid value\",\"path\":\"bootDetails.url\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"bootDetails.password\",\"location\":\"body\"}]}");
  }
}

static void
test_amt_info (Fixture       *f,
               gconstpointer  user_data)
{
  add_sim_device (f, FALSE);

  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "version");
    JsonObject *o;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    o = api_test_reply_object (reply);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "CIM_SoftwareIdentity"),
                                                 "status"), ==, 200);
    g_assert_true (json_object_has_member (o, "AMT_SetupAndConfigurationService"));
  }
  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "generalSettings");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_true (json_object_has_member (json_object_get_object_member (api_test_reply_object (reply), "Body"),
                                           "HostName"));
  }
  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "hardwareInfo");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_true (json_object_has_member (api_test_reply_object (reply), "CIM_BIOSElement"));
    g_assert_true (json_object_has_member (api_test_reply_object (reply), "CIM_Processor"));
  }
  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "log/event");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    api_test_reply_array (reply);
  }
  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "log/audit");
    g_autofree char *bad_path = g_strconcat ("/api/v1/amt/log/audit/", f->guid,
                                             "?startIndex=-1", NULL);
    g_autoptr(ApiTestReply) bad = api_test_get (&f->client, bad_path);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_true (json_object_has_member (api_test_reply_object (reply), "totalCnt"));
    g_assert_true (json_object_has_member (api_test_reply_object (reply), "records"));
    api_test_assert_reply (bad, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"value\":\"-1\",\"msg\":\"Invalid value\","
                           "\"path\":\"startIndex\",\"location\":\"query\"}]}");
  }
}

static void
test_amt_features (Fixture       *f,
                   gconstpointer  user_data)
{
  add_sim_device (f, FALSE);
  ob_sim_device_set_control_mode (f->sim, OB_SIM_CONTROL_MODE_ACM);

  {
    g_autoptr(ApiTestReply) reply = amt_send (f, "POST", "features",
                                              "{\"userConsent\":\"none\",\"enableSOL\":true,"
                                              "\"enableIDER\":false,\"enableKVM\":true}");

    api_test_assert_reply (reply, SOUP_STATUS_OK, "{\"status\":\"AMT Features updated\"}");
    g_assert_true (ob_sim_device_get_sol_enabled (f->sim));
    g_assert_false (ob_sim_device_get_ider_enabled (f->sim));
    g_assert_cmpuint (ob_sim_device_get_opt_in_required (f->sim), ==, OB_SIM_OPT_IN_NONE);
  }
  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "features");
    JsonObject *o;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    o = api_test_reply_object (reply);
    g_assert_cmpstr (json_object_get_string_member (o, "userConsent"), ==, "none");
    g_assert_true (json_object_get_boolean_member (o, "SOL"));
    g_assert_false (json_object_get_boolean_member (o, "IDER"));
    g_assert_true (json_object_has_member (o, "optInState"));
  }
  {
    g_autoptr(ApiTestReply) reply = amt_send (f, "POST", "features",
                                              "{\"userConsent\":\"some\",\"enableSOL\":\"yes\","
                                              "\"enableKVM\":true,\"ocr\":3}");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":["
                           "{\"type\":\"field\",\"value\":\"some\",\"msg\":\"Invalid value\",\"path\":\"userConsent\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"value\":\"yes\",\"msg\":\"Invalid value\",\"path\":\"enableSOL\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"enableIDER\",\"location\":\"body\"},"
                           "{\"type\":\"field\",\"value\":3,\"msg\":\"Invalid value\",\"path\":\"ocr\",\"location\":\"body\"}]}");
  }
}

static void
test_amt_alarms (Fixture       *f,
                 gconstpointer  user_data)
{
  g_autofree char *invalid = NULL;

  add_sim_device (f, FALSE);
  invalid = g_strdup_printf ("{\"error\":\"Incorrect URI or Bad Request\","
                             "\"errorDescription\":\"Alarm add request invalid parameters for guid : %s.\"}",
                             f->guid);

  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "alarmOccurrences");

    api_test_assert_reply (reply, SOUP_STATUS_OK, "[]");
  }
  {
    g_autoptr(ApiTestReply) reply = amt_send (f, "POST", "alarmOccurrences",
                                              "{\"ElementName\":\"wake\",\"StartTime\":\"2030-01-02T03:04:00Z\","
                                              "\"Interval\":90}");

    api_test_assert_reply (reply, SOUP_STATUS_OK, "{\"status\":\"SUCCESS\",\"ReturnValue\":0}");
  }
  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "alarmOccurrences");
    JsonObject *alarm;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpuint (json_array_get_length (api_test_reply_array (reply)), ==, 1);
    alarm = json_array_get_object_element (api_test_reply_array (reply), 0);
    g_assert_cmpstr (json_object_get_string_member (alarm, "ElementName"), ==, "wake");
    g_assert_cmpstr (json_object_get_string_member (alarm, "InstanceID"), ==, "wake");
    g_assert_cmpint (json_object_get_int_member (alarm, "InternalInMinutes"), ==, 90);
  }

  /* The handler's own checks: both fields, a parseable time. */
  {
    static const char * const bodies[] = {
      "{\"ElementName\":\"x\"}", "{\"StartTime\":\"2030-01-02T03:04:00Z\"}",
      "{\"ElementName\":\"x\",\"StartTime\":\"tomorrow\"}",
      "{\"ElementName\":\"x\",\"StartTime\":\"2030-01-02T03:04:00Z\",\"Interval\":-5}",
      "[]",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
      {
        g_autoptr(ApiTestReply) reply = amt_send (f, "POST", "alarmOccurrences", bodies[i]);

        api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST, invalid);
      }
  }

  {
    g_autoptr(ApiTestReply) no_name = amt_send (f, "DELETE", "alarmOccurrences", "{}");
    g_autoptr(ApiTestReply) deleted = amt_send (f, "DELETE", "alarmOccurrences", "{\"Name\":\"wake\"}");
    g_autoptr(ApiTestReply) again = amt_send (f, "DELETE", "alarmOccurrences", "{\"Name\":\"wake\"}");
    g_autofree char *no_name_body = g_strdup_printf (
      "{\"error\":\"Incorrect URI or Bad Request\","
      "\"errorDescription\":\"Invalid alarm occurrence request for guid : %s.\"}", f->guid);
    g_autofree char *again_body = g_strdup_printf (
      "{\"error\":\"Alarm instance not found\","
      "\"errorDescription\":\"Alarm occurrence delete request failed for guid : %s.\"}", f->guid);

    api_test_assert_reply (no_name, SOUP_STATUS_BAD_REQUEST, no_name_body);
    api_test_assert_reply (deleted, SOUP_STATUS_OK, "{\"status\":\"SUCCESS\"}");
    api_test_assert_reply (again, SOUP_STATUS_NOT_FOUND, again_body);
  }
}

static void
test_amt_consent (Fixture       *f,
                  gconstpointer  user_data)
{
  add_sim_device (f, FALSE);
  ob_sim_device_set_power_state (f->sim, OB_SIM_POWER_ON);

  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "userConsentCode");
    JsonObject *body;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    body = json_object_get_object_member (api_test_reply_object (reply), "Body");
    g_assert_cmpint (json_object_get_int_member (body, "ReturnValue"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (body, "ReturnValueStr"), ==, "SUCCESS");
    g_assert_nonnull (ob_sim_device_get_consent_code (f->sim));
  }

  /* A wrong code: 400 with the same body shape. */
  {
    const char *code = ob_sim_device_get_consent_code (f->sim);
    g_autofree char *wrong = g_strdup_printf ("{\"consentCode\":%d}",
                                              code[0] == '9' ? 111111 : 999999);
    g_autoptr(ApiTestReply) reply = amt_send (f, "POST", "userConsentCode", wrong);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST, NULL);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (api_test_reply_object (reply),
                                                                                "Body"),
                                                 "ReturnValue"), !=, 0);
  }
  {
    g_autofree char *right = g_strdup_printf ("{\"consentCode\":\"%s\"}",
                                              ob_sim_device_get_consent_code (f->sim));
    g_autoptr(ApiTestReply) reply = amt_send (f, "POST", "userConsentCode", right);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (ob_sim_device_get_opt_in_state (f->sim), ==, OB_SIM_OPT_IN_STATE_RECEIVED);
  }
  {
    g_autoptr(ApiTestReply) reply = amt_get (f, "userConsentCode/cancel");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (ob_sim_device_get_opt_in_state (f->sim), ==, OB_SIM_OPT_IN_STATE_NOT_STARTED);
  }
  {
    g_autoptr(ApiTestReply) reply = amt_send (f, "POST", "userConsentCode", "{\"consentCode\":\"abc\"}");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"value\":\"abc\",\"msg\":\"Invalid value\","
                           "\"path\":\"consentCode\",\"location\":\"body\"}]}");
  }
}

static void
test_amt_unknown_and_gone (Fixture       *f,
                           gconstpointer  user_data)
{
  static const struct { const char *method; const char *route; const char *body; } routes[] = {
    { "GET", "power/state", NULL }, { "GET", "power/capabilities", NULL },
    { "POST", "power/action", "{\"action\":2}" },
    { "POST", "power/bootOptions", "{\"action\":100,\"useSOL\":false}" },
    { "GET", "features", NULL },
    { "POST", "features", "{\"userConsent\":\"all\",\"enableSOL\":true,\"enableIDER\":true,\"enableKVM\":true}" },
    { "GET", "hardwareInfo", NULL }, { "GET", "generalSettings", NULL }, { "GET", "version", NULL },
    { "GET", "log/event", NULL }, { "GET", "log/audit", NULL },
    { "GET", "alarmOccurrences", NULL }, { "POST", "alarmOccurrences", "{}" },
    { "DELETE", "alarmOccurrences", "{\"Name\":\"x\"}" },
    { "GET", "userConsentCode", NULL }, { "POST", "userConsentCode", "{\"consentCode\":123456}" },
    { "GET", "userConsentCode/cancel", NULL },
  };

  /* A GUID no one manages: the reference's 404 body, exactly. */
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/amt/%s/%s", routes[i].route, GUID_A);
      g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, routes[i].method, path, routes[i].body);

      api_test_assert_reply (reply, SOUP_STATUS_NOT_FOUND,
                             "{\"error\":\"Device not found/connected. Please connect again using CIRA.\","
                             "\"errorDescription\":\"guid : " GUID_A "\"}");
    }

  /* A managed device that stopped answering: the same 404, with why. */
  add_sim_device (f, FALSE);
  ob_sim_fleet_stop (f->fleet);
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autofree char *path = NULL;
      g_autoptr(ApiTestReply) reply = NULL;
      g_autofree char *prefix = NULL;

      /* Routes that check the body first answer 400 for it. */
      if (g_strcmp0 (routes[i].body, "{}") == 0)
        continue;

      path = g_strdup_printf ("/api/v1/amt/%s/%s", routes[i].route, f->guid);
      reply = api_test_send_json (&f->client, routes[i].method, path, routes[i].body);
      prefix = g_strdup_printf ("guid : %s (", f->guid);
      g_assert_cmpuint (reply->status, ==, SOUP_STATUS_NOT_FOUND);
      g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "error"), ==,
                       "Device not found/connected. Please connect again using CIRA.");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (api_test_reply_object (reply),
                                                                      "errorDescription"), prefix));
    }
}

/* Stopping the server while a slow device keeps a request waiting. */
static void
test_stop_during_request (Fixture       *f,
                          gconstpointer  user_data)
{
  g_autofree char *path = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  ApiTestSend state;
  gint64 deadline;

  add_sim_device (f, FALSE);
  ob_sim_fleet_set_latency_ms (f->fleet, 3000);

  path = g_strdup_printf ("/api/v1/amt/power/state/%s", f->guid);
  msg = api_test_message_new (&f->client, "GET", path, NULL, NULL, -1, NULL, FALSE);
  api_test_send_async (f->client.session, msg, &state);

  /* Wait until the request reached the device. */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (ob_sim_wsman_server_get_n_requests (ob_sim_fleet_get_server (f->fleet, f->sim)) == 0
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  ob_api_server_stop (f->api);
  api_test_wait_flag (&state.done);
  /* The client sees the connection go, never a power state. */
  g_assert_true (state.error != NULL || soup_message_get_status (msg) != SOUP_STATUS_OK);
  api_test_send_clear (&state);

  /* And the server starts again. */
  start_api (f->api, &error);
  g_assert_no_error (error);
  g_free (f->client.base);
  f->client.base = ob_api_server_dup_url (f->api);
  ob_sim_fleet_set_latency_ms (f->fleet, 0);
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/devices/stats");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
  }
}

/* ------------------------------------------------------------------------
 * Start-up: keys and passwords
 * ------------------------------------------------------------------------ */

static void
test_start_without_password (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outband-api-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "outband.db", NULL);
  g_autoptr(ObStore) store = ob_store_new_for_path (db, &error);
  g_autoptr(ObSecretStore) secrets = ob_secret_store_memory_new ();
  g_autoptr(ObConfig) config = ob_config_new ();
  g_autoptr(ObApiServer) api = ob_api_server_new (config, store, secrets, NULL);
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GBytes) key_again = NULL;

  g_assert_no_error (error);
  g_unsetenv (OB_API_PASSWORD_ENV);

  /* No password anywhere: refused, and the message says how to set one. */
  g_assert_false (start_api (api, &error));
  g_assert_error (error, OB_API_ERROR, OB_API_ERROR_NO_PASSWORD);
  g_assert_nonnull (strstr (error->message, "--set-api-password"));
  g_assert_nonnull (strstr (error->message, OB_API_PASSWORD_ENV));
  g_assert_false (ob_api_server_get_running (api));
  g_clear_error (&error);

  /* The signing key was made on this first start, and is kept. */
  key = ob_secret_store_lookup_sync (secrets, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                     OB_SECRET_KIND_JWT_KEY, NULL, &error);
  g_assert_nonnull (key);
  g_assert_cmpuint (g_bytes_get_size (key), ==, OB_JWT_KEY_SIZE);

  /* The environment variable is enough. */
  g_setenv (OB_API_PASSWORD_ENV, "env-password", TRUE);
  g_assert_true (start_api (api, &error));
  g_assert_no_error (error);
  g_unsetenv (OB_API_PASSWORD_ENV);

  key_again = ob_secret_store_lookup_sync (secrets, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                           OB_SECRET_KIND_JWT_KEY, NULL, &error);
  g_assert_true (g_bytes_equal (key, key_again));

  /* Already running. */
  g_assert_false (start_api (api, &error));
  g_assert_error (error, OB_API_ERROR, OB_API_ERROR_BUSY);
  g_clear_error (&error);

  ob_api_server_stop (api);

  /* Not an address. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    ob_api_store_password_sync (secrets, "pw", NULL, &error);
    g_assert_no_error (error);
    ob_api_server_start_async (api, "not an address", 0, NULL, cira_test_store_result, &result);
    cira_test_wait_result (&result);
    g_assert_false (ob_api_server_start_finish (api, result, &error));
    g_assert_error (error, OB_API_ERROR, OB_API_ERROR_LISTEN);
  }

  g_clear_object (&api);
  g_clear_object (&store);
  api_test_remove_tree (dir);
}

/* ------------------------------------------------------------------------
 * `outband --headless`
 * ------------------------------------------------------------------------ */

typedef struct
{
  gboolean  done;
  char     *line;
} LineState;

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LineState *state = user_data;

  state->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                           NULL, NULL);
  state->done = TRUE;
}

static void
on_waited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static GSubprocess *
spawn_outband (const char  *data_home,
               const char  *password,
               GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const char *binary = g_getenv ("OUTBAND_BINARY");

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "OUTBAND_SECRET_STORE", "memory", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  if (password != NULL)
    g_subprocess_launcher_setenv (launcher, OB_API_PASSWORD_ENV, password, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, OB_API_PASSWORD_ENV);

  /* Every listener on a free port: tests run in parallel. */
  return g_subprocess_launcher_spawn (launcher, error, binary, "--headless", "--api-port", "0",
                                      "--api-address", "127.0.0.1", "--cira-port", "0",
                                      "--rps-port", "0", NULL);
}

static void
test_headless (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = g_dir_make_tmp ("outband-headless-XXXXXX", &error);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *db = NULL;
  LineState state = { FALSE, NULL };
  const char *prefix = "REST API listening on ";
  gboolean exited = FALSE;

  if (g_getenv ("OUTBAND_BINARY") == NULL)
    {
      g_test_skip ("OUTBAND_BINARY is not set");
      return;
    }
  g_assert_no_error (error);

  process = spawn_outband (data_home, "headless-pw", &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_line, &state);
  api_test_wait_flag (&state.done);
  g_assert_nonnull (state.line);
  g_assert_true (g_str_has_prefix (state.line, prefix));
  g_assert_true (g_str_has_prefix (state.line + strlen (prefix), "http://127.0.0.1:"));

  /* health without a token, then a login with the environment password. */
  {
    g_autofree char *url = g_strconcat (state.line + strlen (prefix), "/api/v1/health", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  }
  {
    g_autofree char *url = g_strconcat (state.line + strlen (prefix), "/api/v1/authorize", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    const char *login_body = "{\"username\":\"admin\",\"password\":\"headless-pw\"}";
    g_autoptr(GBytes) request = g_bytes_new_static (login_body, strlen (login_body));
    g_autoptr(GBytes) body = NULL;

    soup_message_set_request_body_from_bytes (msg, "application/json", request);
    body = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  }

  /* The data went where XDG_DATA_HOME says. */
  db = g_build_filename (data_home, "outband", "outband.db", NULL);
  g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));

  /* SIGTERM: a clean exit with status 0. */
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, NULL, on_waited, &exited);
  api_test_wait_flag (&exited);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_free (state.line);

  /* Without a password: no API, exit 1, and stderr says how to set one. */
  {
    g_autofree char *other_home = g_build_filename (data_home, "second", NULL);
    g_autoptr(GSubprocess) refused = spawn_outband (other_home, NULL, &error);
    g_autofree char *err_text = NULL;

    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (refused, NULL, NULL, NULL, &err_text, &error);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (refused));
    g_assert_cmpint (g_subprocess_get_exit_status (refused), ==, 1);
    g_assert_nonnull (strstr (err_text, "--set-api-password"));
  }

  api_test_remove_tree (data_home);
}

static int
run_set_password (const char  *stdin_text,
                  gboolean     memory_store,
                  char       **err_text)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (memory_store)
    g_subprocess_launcher_setenv (launcher, "OUTBAND_SECRET_STORE", "memory", TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "OUTBAND_SECRET_STORE");
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");

  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("OUTBAND_BINARY"),
                                         "--set-api-password", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, stdin_text, NULL, NULL, err_text, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));

  return g_subprocess_get_exit_status (process);
}

static void
test_set_api_password (void)
{
  g_autoptr(ObSecretStore) keyring = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autofree char *err_empty = NULL;
  g_autofree char *err_memory = NULL;
  g_autofree char *err_ok = NULL;

  if (g_getenv ("OUTBAND_BINARY") == NULL)
    {
      g_test_skip ("OUTBAND_BINARY is not set");
      return;
    }

  /* Nothing on standard input: refused before the keyring is touched. */
  g_assert_cmpint (run_set_password ("", FALSE, &err_empty), ==, 1);
  g_assert_nonnull (strstr (err_empty, "No password given"));

  /* A keyring that forgets at exit is refused. */
  g_assert_cmpint (run_set_password ("pw\n", TRUE, &err_memory), ==, 1);
  g_assert_nonnull (strstr (err_memory, "OUTBAND_SECRET_STORE"));

  /* The real keyring, when the session has one (build-aux/test gives a
   * throw-away gnome-keyring). */
  keyring = ob_secret_store_libsecret_new ();
  before = ob_secret_store_lookup_sync (keyring, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                        OB_SECRET_KIND_API_PASSWORD, NULL, &error);
  if (error != NULL)
    {
      g_test_message ("No keyring in this session (%s): storing not tried", error->message);
      return;
    }

  g_assert_cmpint (run_set_password ("pw-from-stdin\r\n", FALSE, &err_ok), ==, 0);
  stored = ob_secret_store_lookup_sync (keyring, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                        OB_SECRET_KIND_API_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (stored, NULL), g_bytes_get_size (stored), "pw-from-stdin", 13);

  /* Put back what was there. */
  if (before != NULL)
    ob_secret_store_store_sync (keyring, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                OB_SECRET_KIND_API_PASSWORD, before, NULL, &error);
  else
    ob_api_store_password_sync (keyring, NULL, NULL, &error);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_unsetenv (OB_API_PASSWORD_ENV);

#define ADD(path, fn, data) \
  g_test_add (path, Fixture, data, fixture_setup, fn, fixture_teardown)

  ADD ("/api/health-version", test_health_version, NULL);
  ADD ("/api/authorize", test_authorize, NULL);
  ADD ("/api/jwt-checks", test_jwt_checks, NULL);
  ADD ("/api/routing", test_routing, NULL);
  ADD ("/api/hostile-bodies", test_hostile_bodies, NULL);
  ADD ("/api/devices/crud", test_devices_crud, NULL);
  ADD ("/api/devices/list", test_devices_list, NULL);
  ADD ("/api/devices/lan", test_lan_device, GINT_TO_POINTER (FALSE));
  ADD ("/api/devices/lan-tls", test_lan_device, GINT_TO_POINTER (TRUE));
  ADD ("/api/devices/lan-errors", test_lan_device_errors, NULL);
  ADD ("/api/amt/power", test_amt_power, NULL);
  ADD ("/api/amt/info", test_amt_info, NULL);
  ADD ("/api/amt/features", test_amt_features, NULL);
  ADD ("/api/amt/alarms", test_amt_alarms, NULL);
  ADD ("/api/amt/consent", test_amt_consent, NULL);
  ADD ("/api/amt/unknown-and-gone", test_amt_unknown_and_gone, NULL);
  ADD ("/api/stop-during-request", test_stop_during_request, NULL);
  g_test_add_func ("/api/start-without-password", test_start_without_password);
  g_test_add_func ("/api/headless", test_headless);
  g_test_add_func ("/api/set-api-password", test_set_api_password);

#undef ADD

  return g_test_run ();
}
