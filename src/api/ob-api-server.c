/* ob-api-server.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "ob-api-private.h"
#include "ob-api-rps-private.h"
#include "ob-error.h"
#include "ob-jwt.h"
#include "ob-util.h"

struct _ObApiServer
{
  GObject           parent_instance;

  ObConfig         *config;
  ObStore          *store;
  ObSecretStore    *secrets;
  ObDeviceRegistry *registry;
  ObMpsServer      *mps;

  SoupServer       *soup;
  char             *bound_address;
  guint             port;
  gboolean          running;
  gboolean          starting;

  guint8            jwt_key[OB_JWT_KEY_SIZE];
  gboolean          have_key;
  ObJwtMemo        *jwt_memo;  /* tokens verified with jwt_key */

  guint             token_lifetime;
  gsize             max_body_size;

  /* Requests in flight (not referenced), cancelled by stop(). */
  GHashTable       *requests;
};

G_DEFINE_FINAL_TYPE (ObApiServer, ob_api_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_STORE,
  PROP_SECRET_STORE,
  PROP_REGISTRY,
  PROP_MPS_SERVER,
  PROP_RUNNING,
  PROP_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  const char   *method;
  /* Lower case, relative to /api/v1, ":" marks the one parameter. */
  const char   *pattern;
  gboolean      public;
  ObApiHandler  handler;
} ObApiRoute;

static void handle_authorize (ObApiRequest *request);
static void handle_health    (ObApiRequest *request);
static void handle_version   (ObApiRequest *request);

/* Declaration order matters where Express's does: devices/stats and
 * devices/tags before devices/:guid. */
static const ObApiRoute routes[] = {
  { "POST",   "authorize",                         TRUE,  handle_authorize },
  { "GET",    "authorize/redirection/:guid",       FALSE, _ob_api_relay_authorize },
  { "GET",    "health",                            TRUE,  handle_health },
  { "GET",    "version",                           TRUE,  handle_version },

  { "GET",    "devices",                           FALSE, _ob_api_devices_list },
  { "GET",    "devices/stats",                     FALSE, _ob_api_devices_stats },
  { "GET",    "devices/tags",                      FALSE, _ob_api_devices_tags },
  { "GET",    "devices/:guid",                     FALSE, _ob_api_devices_get },
  { "POST",   "devices",                           FALSE, _ob_api_devices_create },
  { "PATCH",  "devices",                           FALSE, _ob_api_devices_update },
  { "DELETE", "devices/:guid",                     FALSE, _ob_api_devices_delete },
  { "DELETE", "devices/disconnect/:guid",          FALSE, _ob_api_devices_disconnect },
  { "DELETE", "devices/refresh/:guid",             FALSE, _ob_api_devices_refresh },
  /* Behind the gateway's token check, as Kong puts every /mps/ route. */
  { "GET",    "ciracert",                          FALSE, _ob_api_ciracert },

  { "GET",    "amt/log/audit/:guid",               FALSE, _ob_api_amt_audit_log },
  { "GET",    "amt/log/event/:guid",               FALSE, _ob_api_amt_event_log },
  { "GET",    "amt/generalsettings/:guid",         FALSE, _ob_api_amt_general_settings },
  { "GET",    "amt/hardwareinfo/:guid",            FALSE, _ob_api_amt_hardware_info },
  { "POST",   "amt/power/action/:guid",            FALSE, _ob_api_amt_power_action },
  { "POST",   "amt/power/bootoptions/:guid",       FALSE, _ob_api_amt_boot_options },
  { "GET",    "amt/power/capabilities/:guid",      FALSE, _ob_api_amt_power_capabilities },
  { "GET",    "amt/power/state/:guid",             FALSE, _ob_api_amt_power_state },
  { "GET",    "amt/features/:guid",                FALSE, _ob_api_amt_features_get },
  { "POST",   "amt/features/:guid",                FALSE, _ob_api_amt_features_set },
  { "GET",    "amt/version/:guid",                 FALSE, _ob_api_amt_version },
  { "GET",    "amt/power/bootsources/:guid",       FALSE, _ob_api_amt_boot_sources },
  { "GET",    "amt/userconsentcode/cancel/:guid",  FALSE, _ob_api_amt_consent_cancel },
  { "GET",    "amt/userconsentcode/:guid",         FALSE, _ob_api_amt_consent_request },
  { "POST",   "amt/userconsentcode/:guid",         FALSE, _ob_api_amt_consent_send },
  { "GET",    "amt/alarmoccurrences/:guid",        FALSE, _ob_api_amt_alarms_list },
  { "POST",   "amt/alarmoccurrences/:guid",        FALSE, _ob_api_amt_alarm_add },
  { "DELETE", "amt/alarmoccurrences/:guid",        FALSE, _ob_api_amt_alarm_delete },
};

/* The gateway layout (Kong) and the bare MPS paths.  /mps/login/ only
 * carries the authorize route, as in the reference deployment. */
static const struct { const char *prefix; gboolean login_only; } mounts[] = {
  { "/mps/login/api/v1/", TRUE },
  { "/mps/api/v1/", FALSE },
  { "/api/v1/", FALSE },
};

ObConfig *
_ob_api_server_get_config (ObApiServer *self)
{
  return self->config;
}

ObStore *
_ob_api_server_get_store (ObApiServer *self)
{
  return self->store;
}

ObSecretStore *
_ob_api_server_get_secrets (ObApiServer *self)
{
  return self->secrets;
}

ObDeviceRegistry *
_ob_api_server_get_registry (ObApiServer *self)
{
  return self->registry;
}

ObMpsServer *
_ob_api_server_get_mps (ObApiServer *self)
{
  return self->mps;
}

/* ------------------------------------------------------------------------
 * Routing
 * ------------------------------------------------------------------------ */

/* Splits @path at '/' dropping one trailing empty segment (Express's
 * non-strict routing treats "/devices/" as "/devices"). */
static char **
split_path (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);

  if (n > 1 && parts[n - 1][0] == '\0')
    {
      g_free (parts[n - 1]);
      parts[n - 1] = NULL;
    }

  return g_steal_pointer (&parts);
}

/* Like Express: a path known for another method is as missing as an
 * unknown one. */
static const ObApiRoute *
match_route (const char  *method,
             const char  *relative_path,
             gboolean     login_only,
             char       **out_param)
{
  g_auto(GStrv) segments = split_path (relative_path);
  guint n_segments = g_strv_length (segments);

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_auto(GStrv) pattern = g_strsplit (routes[i].pattern, "/", -1);
      const char *param = NULL;
      gboolean match = TRUE;

      if (login_only && routes[i].handler != handle_authorize)
        continue;
      if (g_strv_length (pattern) != n_segments)
        continue;

      for (guint s = 0; s < n_segments && match; s++)
        {
          if (pattern[s][0] == ':')
            {
              if (segments[s][0] == '\0')
                match = FALSE;
              param = segments[s];
            }
          else if (g_ascii_strcasecmp (pattern[s], segments[s]) != 0)
            match = FALSE;
        }

      if (!match || strcmp (routes[i].method, method) != 0)
        continue;

      *out_param = g_strdup (param);
      return &routes[i];
    }

  return NULL;
}

/* ------------------------------------------------------------------------
 * Authentication: the gateway's jwt plugin, done here
 * ------------------------------------------------------------------------ */

static void
respond_claim_error (ObApiRequest *request,
                     const char   *claim,
                     const char   *message)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (object, claim, message);
  node = json_node_init_object (json_node_alloc (), object);
  ob_api_request_respond_json (request, SOUP_STATUS_UNAUTHORIZED, node);
}

/* Answers 401 and returns FALSE unless the request carries a valid token
 * of ours.  Bodies as Kong's jwt plugin gives them. */
static gboolean
check_bearer (ObApiServer  *self,
              ObApiRequest *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  const char *token;
  const char *issuer;

  if (authorization == NULL)
    {
      ob_api_request_respond_message (request, SOUP_STATUS_UNAUTHORIZED, "Unauthorized");
      return FALSE;
    }

  token = authorization;
  while (g_ascii_isspace (*token))
    token++;
  if (g_ascii_strncasecmp (token, "Bearer", 6) != 0 || !g_ascii_isspace (token[6]))
    {
      ob_api_request_respond_message (request, SOUP_STATUS_UNAUTHORIZED, "Unauthorized");
      return FALSE;
    }
  token += 6;
  while (g_ascii_isspace (*token))
    token++;

  claims = ob_jwt_memo_verify (self->jwt_memo, self->jwt_key, sizeof self->jwt_key, token,
                               g_get_real_time () / G_USEC_PER_SEC, &error);
  if (claims == NULL)
    {
      g_autofree char *message = NULL;

      g_debug ("Refused a token: %s", error->message);
      switch ((ObJwtError) error->code)
        {
        case OB_JWT_ERROR_ALGORITHM:
          ob_api_request_respond_message (request, SOUP_STATUS_UNAUTHORIZED, "Invalid algorithm");
          break;

        case OB_JWT_ERROR_SIGNATURE:
          ob_api_request_respond_message (request, SOUP_STATUS_UNAUTHORIZED, "Invalid signature");
          break;

        case OB_JWT_ERROR_EXPIRED:
          respond_claim_error (request, "exp", "token expired");
          break;

        case OB_JWT_ERROR_CLAIMS:
          respond_claim_error (request, "exp", "must be a number");
          break;

        case OB_JWT_ERROR_MALFORMED:
        default:
          message = g_strdup_printf ("Bad token; %s", error->message);
          ob_api_request_respond_message (request, SOUP_STATUS_UNAUTHORIZED, message);
          break;
        }
      return FALSE;
    }

  issuer = ob_api_json_get_string (claims, "iss");
  if (g_strcmp0 (issuer, OB_API_ISSUER) != 0)
    {
      ob_api_request_respond_message (request, SOUP_STATUS_UNAUTHORIZED,
                                      "No credentials found for given 'iss'");
      return FALSE;
    }

  return TRUE;
}

char *
_ob_api_server_sign_token (ObApiServer *self,
                           JsonObject  *claims)
{
  return ob_jwt_sign (self->jwt_key, sizeof self->jwt_key, claims);
}

JsonObject *
_ob_api_server_verify_token (ObApiServer  *self,
                             const char   *token,
                             GError      **error)
{
  g_autoptr(JsonObject) claims = NULL;

  claims = ob_jwt_memo_verify (self->jwt_memo, self->jwt_key, sizeof self->jwt_key, token,
                               g_get_real_time () / G_USEC_PER_SEC, error);
  if (claims == NULL)
    return NULL;
  if (g_strcmp0 (ob_api_json_get_string (claims, "iss"), OB_API_ISSUER) != 0)
    {
      g_set_error_literal (error, OB_JWT_ERROR, OB_JWT_ERROR_CLAIMS, "Unknown issuer");
      return NULL;
    }
  return g_steal_pointer (&claims);
}

/* ------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------ */

static void
on_message_finished (SoupServerMessage *msg,
                     gpointer           user_data)
{
  ObApiRequest *request = user_data;

  request->finished = TRUE;
  g_cancellable_cancel (request->cancellable);
}

static ObApiRequest *
request_new (ObApiServer       *self,
             SoupServerMessage *msg,
             GHashTable        *query)
{
  ObApiRequest *request = g_new0 (ObApiRequest, 1);

  g_ref_count_init (&request->ref_count);
  request->server = g_object_ref (self);
  request->msg = g_object_ref (msg);
  request->cancellable = g_cancellable_new ();
  request->query = query != NULL ? g_hash_table_ref (query)
                                 : g_hash_table_new (g_str_hash, g_str_equal);
  request->finished_id = g_signal_connect (msg, "finished",
                                           G_CALLBACK (on_message_finished), request);

  return request;
}

/* Express's json() parser: only JSON content types are parsed; anything
 * else leaves the body empty.  Strict: the top level is an object or an
 * array. */
static gboolean
parse_body (ObApiRequest  *request,
            GError       **error)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  SoupMessageBody *body = soup_server_message_get_request_body (request->msg);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  const char *data;

  if (content_type == NULL
      || !(g_ascii_strcasecmp (content_type, "application/json") == 0
           || g_str_has_suffix (content_type, "+json")))
    return TRUE;

  bytes = soup_message_body_flatten (body);
  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    return TRUE;

  request->body = ob_api_json_parse (data, len, OB_API_JSON_MAX_DEPTH, error);
  if (request->body == NULL)
    return FALSE;

  if (!JSON_NODE_HOLDS_OBJECT (request->body) && !JSON_NODE_HOLDS_ARRAY (request->body))
    {
      g_clear_pointer (&request->body, json_node_unref);
      g_set_error_literal (error, OB_API_ERROR, OB_API_ERROR_MALFORMED_JSON,
                           "A JSON body must be an object or an array");
      return FALSE;
    }

  return TRUE;
}

static void
add_cors_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (response, "Access-Control-Allow-Origin", "*");
}

/* The cors package's preflight answer: 204 with the allowed methods and the
 * requested headers reflected. */
static void
respond_preflight (SoupServerMessage *msg)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *wanted = soup_message_headers_get_one (request, "Access-Control-Request-Headers");

  soup_message_headers_replace (response, "Access-Control-Allow-Methods",
                                "GET,HEAD,PUT,PATCH,POST,DELETE");
  if (wanted != NULL)
    {
      soup_message_headers_replace (response, "Access-Control-Allow-Headers", wanted);
      soup_message_headers_append (response, "Vary", "Access-Control-Request-Headers");
    }
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static const char bad_url_body[] =
  "{\"error\":\"" OB_API_ERROR_TEXT_400 "\",\"errorDescription\":\"The URL is not valid UTF-8\"}";

static gboolean
url_is_utf8 (const char *path,
             GHashTable *query)
{
  GHashTableIter iter;
  gpointer key, value;

  if (!g_utf8_validate (path, -1, NULL))
    return FALSE;

  if (query == NULL)
    return TRUE;

  g_hash_table_iter_init (&iter, query);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_utf8_validate (key, -1, NULL) || (value != NULL && !g_utf8_validate (value, -1, NULL)))
      return FALSE;

  return TRUE;
}

static void
server_callback (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  ObApiServer *self = user_data;
  g_autoptr(ObApiRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *param = NULL;
  const ObApiRoute *route = NULL;
  ObApiRoute rps_route = { NULL, NULL, FALSE, NULL };
  const char *method = soup_server_message_get_method (msg);
  const char *relative = NULL;
  gboolean login_only = FALSE;

  add_cors_headers (msg);

  /* Everything below treats the path and the query as text, and echoes
   * parts of them back in JSON. */
  if (!url_is_utf8 (path, query))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      soup_server_message_set_response (msg, "application/json; charset=utf-8", SOUP_MEMORY_STATIC,
                                        bad_url_body, strlen (bad_url_body));
      return;
    }

  if (strcmp (method, "OPTIONS") == 0)
    {
      respond_preflight (msg);
      return;
    }

  /* The WebSocket relay checks its own token (Sec-WebSocket-Protocol). */
  if (_ob_api_relay_match_path (path))
    {
      _ob_api_relay_handle (self, msg, query);
      return;
    }

  /* HEAD is GET without the body, which libsoup leaves out. */
  if (strcmp (method, "HEAD") == 0)
    method = "GET";

  /* The RPS admin routes (/api/v1/admin/…, /rps/api/v1/admin/…) have
   * their own table in ob-api-rps.c. */
  rps_route.handler = _ob_api_rps_match_route (method, msg, &param);
  if (rps_route.handler != NULL)
    route = &rps_route;

  for (guint i = 0; i < G_N_ELEMENTS (mounts) && relative == NULL && route == NULL; i++)
    {
      gsize len = strlen (mounts[i].prefix);

      if (g_ascii_strncasecmp (path, mounts[i].prefix, len) == 0)
        {
          relative = path + len;
          login_only = mounts[i].login_only;
        }
    }

  if (relative != NULL)
    route = match_route (method, relative, login_only, &param);

  request = request_new (self, msg, query);
  request->param = g_steal_pointer (&param);
  g_hash_table_add (self->requests, request);

  /* Like the gateway, the token is checked before the route is known. */
  if ((route == NULL || !route->public) && !check_bearer (self, request))
    return;

  if (route == NULL)
    {
      g_autofree char *description = g_strdup_printf ("Cannot %s %s",
                                                      soup_server_message_get_method (msg),
                                                      path);

      ob_api_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not Found", description);
      return;
    }

  if (!parse_body (request, &error))
    {
      ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                    OB_API_ERROR_TEXT_400, error->message);
      return;
    }

  route->handler (request);

  if (!request->responded)
    {
      request->paused = TRUE;
      soup_server_message_pause (msg);
    }
}

void
_ob_api_server_forget_request (ObApiServer  *self,
                               ObApiRequest *request)
{
  g_hash_table_remove (self->requests, request);
}

/* ------------------------------------------------------------------------
 * Body size limit
 * ------------------------------------------------------------------------ */

static void
refuse_too_large (ObApiServer       *self,
                  SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  char *text = g_strdup_printf ("{\"error\":\"Payload Too Large\","
                                "\"errorDescription\":\"The request body is larger than %"
                                G_GSIZE_FORMAT " bytes\"}",
                                self->max_body_size);

  /* Whatever still arrives is read and dropped, never kept. */
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);

  add_cors_headers (msg);
  soup_message_headers_replace (headers, "Connection", "close");
  soup_server_message_set_status (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

/* A chunked body has no length up front: count as it comes. */
static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  ObApiServer *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (soup_server_message_get_status (msg) != 0)
    return;

  if ((guint64) body->length > self->max_body_size)
    refuse_too_large (self, msg);
}

/* Runs when the headers are in, before the body is read. */
static void
early_callback (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  ObApiServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && (guint64) soup_message_headers_get_content_length (headers) > self->max_body_size)
    {
      refuse_too_large (self, msg);
      return;
    }

  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (on_got_chunk), self, 0);
}

/* ------------------------------------------------------------------------
 * authorize, health, version
 * ------------------------------------------------------------------------ */

typedef struct
{
  char *username;
  char *password;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_free (data->username);
  ob_secure_free_string (data->password);
  g_free (data);
}

static void
finish_login (ObApiRequest *request,
              const char   *username,
              const char   *given_password,
              const char   *expected_password)
{
  ObApiServer *self = request->server;
  const char *configured_user = ob_config_get_api_user (self->config);
  g_autofree char *user_a = g_utf8_strdown (username, -1);
  g_autofree char *user_b = g_utf8_strdown (configured_user != NULL ? configured_user : "", -1);
  gboolean password_ok;

  /* Compare the password even when the user is wrong, so timing does not
   * tell which of the two was. */
  password_ok = expected_password != NULL && expected_password[0] != '\0'
                && ob_api_secure_equal (given_password, strlen (given_password),
                                        expected_password, strlen (expected_password));

  if (password_ok && strcmp (user_a, user_b) == 0)
    {
      g_autoptr(JsonObject) claims = json_object_new ();
      g_autoptr(JsonObject) reply = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *token = NULL;
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;

      json_object_set_string_member (claims, "tenantId", "");
      json_object_set_string_member (claims, "iss", OB_API_ISSUER);
      json_object_set_string_member (claims, "deviceId", "*");
      json_object_set_int_member (claims, "exp", now + (gint64) self->token_lifetime * 60);
      token = ob_jwt_sign (self->jwt_key, sizeof self->jwt_key, claims);

      json_object_set_string_member (reply, "token", token);
      node = json_node_init_object (json_node_alloc (), reply);
      g_info ("REST API: user “%s” signed in", username);
      ob_api_request_respond_json (request, SOUP_STATUS_OK, node);
      return;
    }

  g_message ("REST API: refused a sign-in for user “%s”", username);
  ob_api_request_respond_message (request, SOUP_STATUS_UNAUTHORIZED,
                                  "Incorrect Username and/or Password!");
}

static void
on_password_looked_up (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  LoginData *data = request->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = NULL;
  g_autofree char *expected = NULL;

  value = ob_secret_store_lookup_finish (OB_SECRET_STORE (source), result, &error);
  if (error != NULL)
    {
      if (request->finished || ob_error_is_cancelled (error))
        {
          ob_api_request_respond_empty (request, SOUP_STATUS_SERVICE_UNAVAILABLE);
          return;
        }
      g_warning ("REST API: could not read the password from the keyring: %s", error->message);
      ob_api_request_respond_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                    OB_API_ERROR_TEXT_500,
                                    "The keyring could not be read");
      return;
    }

  if (value != NULL)
    expected = g_strndup (g_bytes_get_data (value, NULL), g_bytes_get_size (value));

  finish_login (request, data->username, data->password, expected);
  if (expected != NULL)
    ob_secure_clear (expected, strlen (expected));
}

static void
handle_authorize (ObApiRequest *request)
{
  ObApiServer *self = request->server;
  JsonObject *body = ob_api_request_get_body_object (request);
  JsonNode *username = body != NULL ? json_object_get_member (body, "username") : NULL;
  JsonNode *password = body != NULL ? json_object_get_member (body, "password") : NULL;
  g_auto(ObApiValidation) validation = { NULL };
  g_autofree char *password_text = NULL;
  const char *env_password;
  LoginData *data;

  ob_api_validation_init (&validation);

  /* check('username').isString().not().isEmpty().withMessage(…) and
   * check('password').not().isEmpty().withMessage(…): an absent user
   * name fails both checks. */
  if (!ob_api_json_node_is_string (username))
    ob_api_validation_add (&validation, username, NULL, "username", "body");
  if (username == NULL || JSON_NODE_HOLDS_NULL (username)
      || (ob_api_json_node_is_string (username) && json_node_get_string (username)[0] == '\0'))
    ob_api_validation_add (&validation, username, "User name is required", "username", "body");
  if (password == NULL || JSON_NODE_HOLDS_NULL (password)
      || (ob_api_json_node_is_string (password) && json_node_get_string (password)[0] == '\0'))
    ob_api_validation_add (&validation, password, "Password is required", "password", "body");

  if (ob_api_validation_respond (&validation, request))
    return;

  /* A password that is a number or an object never equals a string. */
  if (!ob_api_json_node_is_string (password))
    {
      ob_api_request_respond_message (request, SOUP_STATUS_UNAUTHORIZED,
                                      "Incorrect Username and/or Password!");
      return;
    }

  password_text = g_strdup (json_node_get_string (password));

  env_password = g_getenv (OB_API_PASSWORD_ENV);
  if (env_password != NULL && env_password[0] != '\0')
    {
      finish_login (request, json_node_get_string (username), password_text, env_password);
      ob_secure_clear (password_text, strlen (password_text));
      return;
    }

  data = g_new0 (LoginData, 1);
  data->username = g_strdup (json_node_get_string (username));
  data->password = g_steal_pointer (&password_text);
  ob_api_request_set_data (request, data, (GDestroyNotify) login_data_free);

  ob_secret_store_lookup_async (self->secrets, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                OB_SECRET_KIND_API_PASSWORD, request->cancellable,
                                on_password_looked_up, ob_api_request_ref (request));
}

typedef struct
{
  char    *db_status;
  gboolean keyring_ok;
  char    *keyring_error;
} HealthData;

static void
health_data_free (HealthData *data)
{
  g_free (data->db_status);
  g_free (data->keyring_error);
  g_free (data);
}

static void
on_health_keyring (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  HealthData *data = request->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  gboolean healthy;

  value = ob_secret_store_lookup_finish (OB_SECRET_STORE (source), result, &error);
  if (request->finished || ob_error_is_cancelled (error))
    {
      ob_api_request_respond_empty (request, SOUP_STATUS_SERVICE_UNAVAILABLE);
      return;
    }
  data->keyring_ok = error == NULL;

  /* Shaped like the MPS: the Vault health JSON becomes the keyring's
   * initialized/sealed pair. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "db");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "SQLITE");
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, data->db_status);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "secretStore");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "KEYRING");
  json_builder_set_member_name (builder, "status");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "initialized");
  json_builder_add_boolean_value (builder, data->keyring_ok);
  json_builder_set_member_name (builder, "sealed");
  json_builder_add_boolean_value (builder, !data->keyring_ok);
  if (error != NULL)
    {
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, error->message);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  healthy = strcmp (data->db_status, "OK") == 0 && data->keyring_ok;
  ob_api_request_respond_json (request,
                               healthy ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE,
                               node);
}

static void
handle_health (ObApiRequest *request)
{
  ObApiServer *self = request->server;
  g_autoptr(GError) error = NULL;
  HealthData *data = g_new0 (HealthData, 1);
  guint total = 0, connected = 0;

  if (ob_store_count_devices (self->store, NULL, &total, &connected, &error))
    data->db_status = g_strdup ("OK");
  else
    {
      g_warning ("REST API health: the database failed: %s", error->message);
      data->db_status = g_strdup ("ERROR");
    }

  ob_api_request_set_data (request, data, (GDestroyNotify) health_data_free);

  /* Reading the signing key proves the keyring answers. */
  ob_secret_store_lookup_async (self->secrets, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                OB_SECRET_KIND_JWT_KEY, request->cancellable,
                                on_health_keyring, ob_api_request_ref (request));
}

static void
handle_version (ObApiRequest *request)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (object, "serviceVersion", PACKAGE_VERSION);
  node = json_node_init_object (json_node_alloc (), object);
  ob_api_request_respond_json (request, SOUP_STATUS_OK, node);
}

/* ------------------------------------------------------------------------
 * Start and stop
 * ------------------------------------------------------------------------ */

typedef struct
{
  char  *address;
  guint  port;
} StartData;

static void
start_data_free (StartData *data)
{
  g_free (data->address);
  g_free (data);
}

/* Worker thread: the signing key (made on first use) and the password's
 * presence.  Returns the key as GBytes. */
static void
load_secrets_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  ObApiServer *self = source_object;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GBytes) password = NULL;
  const char *env_password;

  key = ob_secret_store_lookup_sync (self->secrets, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                     OB_SECRET_KIND_JWT_KEY, cancellable, &error);
  if (error != NULL)
    {
      g_task_return_new_error (task, OB_API_ERROR, OB_API_ERROR_KEYRING,
                               "The keyring could not give the REST API’s signing key: %s",
                               error->message);
      return;
    }

  if (key == NULL || g_bytes_get_size (key) != OB_JWT_KEY_SIZE)
    {
      guint8 fresh[OB_JWT_KEY_SIZE];

      if (key != NULL)
        g_warning ("The REST API signing key in the keyring has the wrong size; making a new one");

      ob_random_bytes (fresh, sizeof fresh);
      g_clear_pointer (&key, g_bytes_unref);
      key = g_bytes_new (fresh, sizeof fresh);
      ob_secure_clear (fresh, sizeof fresh);

      if (!ob_secret_store_store_sync (self->secrets, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                       OB_SECRET_KIND_JWT_KEY, key, cancellable, &error))
        {
          g_task_return_new_error (task, OB_API_ERROR, OB_API_ERROR_KEYRING,
                                   "The keyring could not keep the REST API’s signing key: %s",
                                   error->message);
          return;
        }
    }

  env_password = g_getenv (OB_API_PASSWORD_ENV);
  if (env_password == NULL || env_password[0] == '\0')
    {
      password = ob_secret_store_lookup_sync (self->secrets, OB_SECRET_OWNER_API,
                                              OB_API_SECRET_ID, OB_SECRET_KIND_API_PASSWORD,
                                              cancellable, &error);
      if (error != NULL)
        {
          g_task_return_new_error (task, OB_API_ERROR, OB_API_ERROR_KEYRING,
                                   "The keyring could not give the REST API password: %s",
                                   error->message);
          return;
        }

      if (password == NULL || g_bytes_get_size (password) == 0)
        {
          g_task_return_new_error (task, OB_API_ERROR, OB_API_ERROR_NO_PASSWORD,
                                   "The REST API has no password, so it was not started. "
                                   "Set one with “outband --set-api-password” (it reads the "
                                   "password from standard input and keeps it in the keyring), "
                                   "or in the environment variable %s",
                                   OB_API_PASSWORD_ENV);
          return;
        }
    }

  g_task_return_pointer (task, g_steal_pointer (&key), (GDestroyNotify) g_bytes_unref);
}

static GInetAddress *
parse_address (const char  *address,
               GError     **error)
{
  GInetAddress *inet;

  if (address == NULL || address[0] == '\0' || g_ascii_strcasecmp (address, "localhost") == 0)
    return g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    g_set_error (error, OB_API_ERROR, OB_API_ERROR_LISTEN,
                 "“%s” is not an IP address the REST API can listen on", address);

  return inet;
}

static void
set_running (ObApiServer *self,
             gboolean     running,
             guint        port)
{
  if (self->port != port)
    {
      self->port = port;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
    }
  if (self->running != running)
    {
      self->running = running;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
}

static void
on_secrets_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ObApiServer *self = OB_API_SERVER (source);
  g_autoptr(GTask) task = user_data;
  StartData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(SoupServer) soup = NULL;
  GSList *uris;
  guint port = 0;

  key = g_task_propagate_pointer (G_TASK (result), &error);
  if (key == NULL || g_task_return_error_if_cancelled (task))
    {
      self->starting = FALSE;
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  memcpy (self->jwt_key, g_bytes_get_data (key, NULL), OB_JWT_KEY_SIZE);
  ob_jwt_memo_clear (self->jwt_memo);
  self->have_key = TRUE;

  inet = parse_address (data->address, &error);
  if (inet == NULL)
    {
      self->starting = FALSE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  soup = soup_server_new ("server-header", "outband/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (soup, NULL, early_callback, self, NULL);
  soup_server_add_handler (soup, NULL, server_callback, self, NULL);

  socket_address = g_inet_socket_address_new (inet, data->port);
  if (!soup_server_listen (soup, socket_address, 0, &error))
    {
      g_autofree char *shown = g_inet_address_to_string (inet);

      self->starting = FALSE;
      g_task_return_new_error (task, OB_API_ERROR, OB_API_ERROR_LISTEN,
                               "The REST API could not listen on %s port %u: %s",
                               shown, data->port, error->message);
      return;
    }

  uris = soup_server_get_uris (soup);
  if (uris != NULL)
    port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_free (self->bound_address);
  self->bound_address = g_inet_address_to_string (inet);
  self->soup = g_steal_pointer (&soup);
  self->starting = FALSE;
  set_running (self, TRUE, port);

  g_message ("REST API listening on http://%s%s%s:%u",
             strchr (self->bound_address, ':') ? "[" : "", self->bound_address,
             strchr (self->bound_address, ':') ? "]" : "", port);

  g_task_return_boolean (task, TRUE);
}

void
ob_api_server_start_async (ObApiServer         *self,
                           const char          *address,
                           guint                port,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;
  StartData *data;

  g_return_if_fail (OB_IS_API_SERVER (self));
  g_return_if_fail (port <= 65535);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_api_server_start_async);

  if (self->running || self->starting)
    {
      g_task_return_new_error (task, OB_API_ERROR, OB_API_ERROR_BUSY,
                               "The REST API is already running");
      return;
    }

  data = g_new0 (StartData, 1);
  data->address = g_strdup (address);
  data->port = port;
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);

  self->starting = TRUE;
  worker = g_task_new (self, cancellable, on_secrets_loaded, g_steal_pointer (&task));
  g_task_set_source_tag (worker, load_secrets_thread);
  g_task_run_in_thread (worker, load_secrets_thread);
}

gboolean
ob_api_server_start_finish (ObApiServer   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ob_api_server_stop (ObApiServer *self)
{
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (OB_IS_API_SERVER (self));

  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_cancellable_cancel (((ObApiRequest *) key)->cancellable);
  _ob_api_relay_stop_all (self);

  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
      g_message ("REST API stopped");
    }

  set_running (self, FALSE, 0);
}

gboolean
ob_api_server_get_running (ObApiServer *self)
{
  g_return_val_if_fail (OB_IS_API_SERVER (self), FALSE);

  return self->running;
}

guint
ob_api_server_get_port (ObApiServer *self)
{
  g_return_val_if_fail (OB_IS_API_SERVER (self), 0);

  return self->port;
}

char *
ob_api_server_dup_url (ObApiServer *self)
{
  g_return_val_if_fail (OB_IS_API_SERVER (self), NULL);

  if (!self->running)
    return NULL;

  if (strchr (self->bound_address, ':') != NULL)
    return g_strdup_printf ("http://[%s]:%u", self->bound_address, self->port);

  return g_strdup_printf ("http://%s:%u", self->bound_address, self->port);
}

void
ob_api_server_set_token_lifetime (ObApiServer *self,
                                  guint        minutes)
{
  g_return_if_fail (OB_IS_API_SERVER (self));
  g_return_if_fail (minutes > 0);

  self->token_lifetime = minutes;
}

void
ob_api_server_set_max_body_size (ObApiServer *self,
                                 gsize        bytes)
{
  g_return_if_fail (OB_IS_API_SERVER (self));
  g_return_if_fail (bytes > 0);

  self->max_body_size = bytes;
}

void
ob_api_server_set_mps_server (ObApiServer *self,
                              ObMpsServer *mps)
{
  g_return_if_fail (OB_IS_API_SERVER (self));
  g_return_if_fail (mps == NULL || OB_IS_MPS_SERVER (mps));

  if (g_set_object (&self->mps, mps))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MPS_SERVER]);
}

ObMpsServer *
ob_api_server_get_mps_server (ObApiServer *self)
{
  g_return_val_if_fail (OB_IS_API_SERVER (self), NULL);

  return self->mps;
}

gboolean
ob_api_store_password_sync (ObSecretStore  *secrets,
                            const char     *password,
                            GCancellable   *cancellable,
                            GError        **error)
{
  g_return_val_if_fail (OB_IS_SECRET_STORE (secrets), FALSE);

  if (password == NULL || password[0] == '\0')
    return ob_secret_store_clear_sync (secrets, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                       OB_SECRET_KIND_API_PASSWORD, cancellable, error);

  return ob_secret_store_store_text_sync (secrets, OB_SECRET_OWNER_API, OB_API_SECRET_ID,
                                          OB_SECRET_KIND_API_PASSWORD, password,
                                          cancellable, error);
}

/* ------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------ */

static void
ob_api_server_dispose (GObject *object)
{
  ObApiServer *self = OB_API_SERVER (object);

  if (self->soup != NULL)
    ob_api_server_stop (self);

  g_clear_object (&self->mps);
  g_clear_object (&self->registry);
  g_clear_object (&self->store);
  g_clear_object (&self->secrets);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (ob_api_server_parent_class)->dispose (object);
}

static void
ob_api_server_finalize (GObject *object)
{
  ObApiServer *self = OB_API_SERVER (object);

  ob_secure_clear (self->jwt_key, sizeof self->jwt_key);
  g_clear_pointer (&self->jwt_memo, ob_jwt_memo_free);
  g_clear_pointer (&self->bound_address, g_free);
  g_clear_pointer (&self->requests, g_hash_table_unref);

  G_OBJECT_CLASS (ob_api_server_parent_class)->finalize (object);
}

static void
ob_api_server_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObApiServer *self = OB_API_SERVER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;

    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_SECRET_STORE:
      g_value_set_object (value, self->secrets);
      break;

    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;

    case PROP_MPS_SERVER:
      g_value_set_object (value, self->mps);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_api_server_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ObApiServer *self = OB_API_SERVER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;

    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_SECRET_STORE:
      self->secrets = g_value_dup_object (value);
      break;

    case PROP_REGISTRY:
      self->registry = g_value_dup_object (value);
      break;

    case PROP_MPS_SERVER:
      ob_api_server_set_mps_server (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_api_server_class_init (ObApiServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_api_server_dispose;
  object_class->finalize = ob_api_server_finalize;
  object_class->get_property = ob_api_server_get_property;
  object_class->set_property = ob_api_server_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, OB_TYPE_CONFIG,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, OB_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SECRET_STORE] =
    g_param_spec_object ("secret-store", NULL, NULL, OB_TYPE_SECRET_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL, OB_TYPE_DEVICE_REGISTRY,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_MPS_SERVER] =
    g_param_spec_object ("mps-server", NULL, NULL, OB_TYPE_MPS_SERVER,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_api_server_init (ObApiServer *self)
{
  self->token_lifetime = OB_API_DEFAULT_TOKEN_LIFETIME;
  self->max_body_size = OB_API_DEFAULT_MAX_BODY_SIZE;
  self->requests = g_hash_table_new (NULL, NULL);
  self->jwt_memo = ob_jwt_memo_new ();
}

ObApiServer *
ob_api_server_new (ObConfig         *config,
                   ObStore          *store,
                   ObSecretStore    *secrets,
                   ObDeviceRegistry *registry)
{
  g_return_val_if_fail (OB_IS_CONFIG (config), NULL);
  g_return_val_if_fail (OB_IS_STORE (store), NULL);
  g_return_val_if_fail (OB_IS_SECRET_STORE (secrets), NULL);
  g_return_val_if_fail (registry == NULL || OB_IS_DEVICE_REGISTRY (registry), NULL);

  return g_object_new (OB_TYPE_API_SERVER,
                       "config", config,
                       "store", store,
                       "secret-store", secrets,
                       "registry", registry,
                       NULL);
}
