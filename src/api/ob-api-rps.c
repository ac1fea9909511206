/* ob-api-rps.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-resource.h"
#include "ob-rps-validate.h"
#include "ob-util.h"

/* The RPS admin API's route table and what its resources share: answers
 * shaped like Express's (ETag, 304), paging, express-validator's loose
 * view of values, and keyring writes off the main thread. */

#define RPS_PROTOCOL_VERSION "4.0.0"

static void handle_admin_root (ObApiRequest *request);
static void handle_version    (ObApiRequest *request);
static void handle_health     (ObApiRequest *request);

typedef struct
{
  const char   *method;
  /* Relative to admin/. */
  const char   *path;
  ObApiHandler  handler;
} RpsRoute;

static const RpsRoute rps_routes[] = {
  { "GET",    "",                       handle_admin_root },
  { "GET",    "version",                handle_version },
  { "GET",    "health",                 handle_health },
};

/* Each resource answers these under its path: "/:" when the route takes
 * the record's name. */
typedef struct
{
  const char   *method;
  gboolean      named;
  ObApiHandler  handler;
} RpsResourceRoute;

static const RpsResourceRoute resource_routes[] = {
  { "GET",    FALSE, _ob_api_resource_list },
  { "GET",    TRUE,  _ob_api_resource_get },
  { "POST",   FALSE, _ob_api_resource_create },
  { "PATCH",  FALSE, _ob_api_resource_update },
  { "DELETE", TRUE,  _ob_api_resource_delete },
};

static const ObApiResource * const rps_resources[] = {
  &_ob_api_profiles_resource,
  &_ob_api_ciraconfigs_resource,
  &_ob_api_domains_resource,
  &_ob_api_wirelessconfigs_resource,
  &_ob_api_ieee8021x_resource,
};

/* Directly under /api/v1 (the RPS's own layout) and behind the gateway's
 * /rps prefix. */
static const char * const rps_prefixes[] = {
  "/api/v1/admin",
  "/rps/api/v1/admin",
};

/* The path below admin/ in segments; NULL when it is not an RPS path. */
static GStrv
split_admin_path (SoupServerMessage *msg)
{
  /* libsoup has decoded the path once, so "%2F" is a '/' here: a name
   * holding a slash cannot be addressed in a URL (GET and DELETE). */
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  const char *rest = NULL;
  GStrv segments;
  guint n_segments;

  for (guint i = 0; i < G_N_ELEMENTS (rps_prefixes) && rest == NULL; i++)
    {
      gsize len = strlen (rps_prefixes[i]);

      if (g_ascii_strncasecmp (path, rps_prefixes[i], len) == 0
          && (path[len] == '\0' || path[len] == '/'))
        rest = path[len] == '/' ? path + len + 1 : path + len;
    }

  if (rest == NULL)
    return NULL;

  segments = g_strsplit (rest, "/", -1);
  n_segments = g_strv_length (segments);
  /* Express's non-strict routing: one trailing slash is ignored. */
  if (n_segments > 1 && segments[n_segments - 1][0] == '\0')
    g_clear_pointer (&segments[n_segments - 1], g_free);

  return segments;
}

static const ObApiResource *
find_resource (const char *segment)
{
  for (guint i = 0; i < G_N_ELEMENTS (rps_resources); i++)
    if (g_ascii_strcasecmp (rps_resources[i]->path, segment) == 0)
      return rps_resources[i];

  return NULL;
}

ObApiHandler
_ob_api_rps_match_route (const char         *method,
                         SoupServerMessage  *msg,
                         char              **out_param)
{
  g_auto(GStrv) segments = split_admin_path (msg);
  guint n_segments;

  if (segments == NULL)
    return NULL;

  n_segments = g_strv_length (segments);

  /* The admin root itself has no segment at all. */
  for (guint i = 0; i < G_N_ELEMENTS (rps_routes); i++)
    {
      const char *route_path = rps_routes[i].path;

      if ((route_path[0] == '\0' ? n_segments == 0
                                  : n_segments == 1
                                    && g_ascii_strcasecmp (route_path, segments[0]) == 0)
          && strcmp (rps_routes[i].method, method) == 0)
        return rps_routes[i].handler;
    }

  if ((n_segments == 1 || (n_segments == 2 && segments[1][0] != '\0'))
      && find_resource (segments[0]) != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (resource_routes); i++)
        {
          if (resource_routes[i].named != (n_segments == 2)
              || strcmp (resource_routes[i].method, method) != 0)
            continue;

          /* libsoup hands the path over decoded already. */
          if (n_segments == 2)
            *out_param = g_strdup (segments[1]);
          return resource_routes[i].handler;
        }
    }

  /* Under the admin prefix but unknown: not ours to answer either, the
   * server's 404 covers it. */
  return NULL;
}

const ObApiResource *
_ob_api_rps_request_resource (ObApiRequest *request)
{
  g_auto(GStrv) segments = split_admin_path (request->msg);

  g_return_val_if_fail (segments != NULL && segments[0] != NULL, NULL);

  return find_resource (segments[0]);
}

static void
handle_admin_root (ObApiRequest *request)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (object, "message", "admin path. use admin/profiles");
  node = json_node_init_object (json_node_alloc (), object);
  _ob_api_rps_respond (request, SOUP_STATUS_OK, node);
}

static void
handle_version (ObApiRequest *request)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (object, "serviceVersion", PACKAGE_VERSION);
  json_object_set_string_member (object, "protocolVersion", RPS_PROTOCOL_VERSION);
  node = json_node_init_object (json_node_alloc (), object);
  _ob_api_rps_respond (request, SOUP_STATUS_OK, node);
}

/* The RPS's health: the database and the secret store (the keyring in
 * the place of Vault, its status shaped like Vault's initialized/sealed
 * pair).  503 when either fails. */
static void
on_health_keyring (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  const char *db_status = request->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonObject) db = json_object_new ();
  g_autoptr(JsonObject) store = json_object_new ();
  g_autoptr(JsonObject) status = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  gboolean keyring_ok;

  value = ob_secret_store_lookup_finish (OB_SECRET_STORE (source), result, &error);
  keyring_ok = error == NULL;

  json_object_set_string_member (db, "name", "SQLITE");
  json_object_set_string_member (db, "status", db_status);
  json_object_set_boolean_member (status, "initialized", keyring_ok);
  json_object_set_boolean_member (status, "sealed", !keyring_ok);
  if (error != NULL)
    json_object_set_string_member (status, "message", error->message);
  json_object_set_string_member (store, "name", "KEYRING");
  json_object_set_object_member (store, "status", g_steal_pointer (&status));
  json_object_set_object_member (object, "db", g_steal_pointer (&db));
  json_object_set_object_member (object, "secretStore", g_steal_pointer (&store));
  node = json_node_init_object (json_node_alloc (), object);

  _ob_api_rps_respond (request,
                       keyring_ok && strcmp (db_status, "OK") == 0 ? SOUP_STATUS_OK
                                                                  : SOUP_STATUS_SERVICE_UNAVAILABLE,
                       node);
}

static void
handle_health (ObApiRequest *request)
{
  ObStore *store = _ob_api_server_get_store (request->server);
  ObStoreQuery query = { 0 };
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;

  query.limit = 1;
  records = ob_store_list_profiles (store, &query, NULL, &error);
  if (records == NULL)
    g_warning ("RPS API health: the database failed: %s", error->message);
  ob_api_request_set_data (request, g_strdup (records != NULL ? "OK" : "ERROR"), g_free);

  /* Any lookup proves the keyring answers; this one has no secret. */
  ob_secret_store_lookup_async (_ob_api_server_get_secrets (request->server), OB_SECRET_OWNER_API,
                                "rps-health", OB_SECRET_KIND_API_PASSWORD, NULL,
                                on_health_keyring, ob_api_request_ref (request));
}

/* ------------------------------------------------------------------------
 * Answers
 * ------------------------------------------------------------------------ */

/* Express's etag(): W/"<length in hex>-<first 27 characters of the
 * base64 SHA-1>". */
static char *
weak_etag (const char *text)
{
  gsize len = strlen (text);
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree char *b64 = NULL;

  g_checksum_update (checksum, (const guchar *) text, len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  b64 = g_base64_encode (digest, digest_len);
  b64[27] = '\0';

  return g_strdup_printf ("W/\"%" G_GSIZE_MODIFIER "x-%s\"", len, b64);
}

/* The fresh package: any listed tag equal to ours, weak or not. */
static gboolean
is_fresh (const char *if_none_match,
          const char *etag)
{
  g_auto(GStrv) tags = NULL;
  g_autofree char *whole = NULL;
  const char *strong = g_str_has_prefix (etag, "W/") ? etag + 2 : etag;

  if (if_none_match == NULL)
    return FALSE;

  whole = g_strstrip (g_strdup (if_none_match));
  if (strcmp (whole, "*") == 0)
    return TRUE;

  tags = g_strsplit (if_none_match, ",", -1);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);
      const char *tag_strong = g_str_has_prefix (tag, "W/") ? tag + 2 : tag;

      if (strcmp (tag_strong, strong) == 0)
        return TRUE;
    }

  return FALSE;
}

void
_ob_api_rps_respond (ObApiRequest *request,
                     guint         status,
                     JsonNode     *body)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (request->msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  const char *method = soup_server_message_get_method (request->msg);
  g_autofree char *text = ob_api_json_to_string (body);
  g_autofree char *etag = NULL;

  /* A handler that set its own ETag (a conflict's version) keeps it. */
  if (soup_message_headers_get_one (response, "ETag") == NULL)
    {
      etag = weak_etag (text);
      soup_message_headers_replace (response, "ETag", etag);
    }

  if (etag != NULL && status >= 200 && status < 300
      && (strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0)
      && is_fresh (soup_message_headers_get_one (headers, "If-None-Match"), etag))
    {
      ob_api_request_respond_empty (request, SOUP_STATUS_NOT_MODIFIED);
      return;
    }

  ob_api_request_respond_json (request, status, body);
}

void
_ob_api_rps_respond_error (ObApiRequest *request,
                           guint         status,
                           const char   *error,
                           const char   *message)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (object, "error", error);
  json_object_set_string_member (object, "message", message);
  node = json_node_init_object (json_node_alloc (), object);
  _ob_api_rps_respond (request, status, node);
}

void
_ob_api_rps_respond_not_found (ObApiRequest *request,
                               const char   *type,
                               const char   *name)
{
  g_autofree char *message = g_strdup_printf ("%s profile %s Not Found", type,
                                              name != NULL ? name : "");

  _ob_api_rps_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not Found", message);
}

void
_ob_api_rps_respond_failed (ObApiRequest *request,
                            const char   *name,
                            const GError *error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *message = g_strdup_printf ("Operation failed: %s %s",
                                              soup_server_message_get_method (request->msg),
                                              name != NULL ? name : "");

  if (error != NULL)
    g_warning ("RPS API: %s: %s", message, error->message);

  json_object_set_string_member (object, "message", message);
  node = json_node_init_object (json_node_alloc (), object);
  _ob_api_rps_respond (request, SOUP_STATUS_INTERNAL_SERVER_ERROR, node);
}

gboolean
_ob_rps_has_if_match (ObApiRequest *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);

  return soup_message_headers_get_one (headers, "If-Match") != NULL;
}

void
_ob_api_rps_respond_conflict (ObApiRequest *request,
                              JsonNode     *current,
                              gint64        version)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (request->msg);
  g_autofree char *etag = _ob_rps_version_string (version);

  soup_message_headers_replace (response, "ETag", etag);
  _ob_api_rps_respond (request,
                       _ob_rps_has_if_match (request) ? SOUP_STATUS_PRECONDITION_FAILED
                                                      : SOUP_STATUS_CONFLICT,
                       current);
}

char *
_ob_rps_version_string (gint64 version)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, version);
}

/* An ETag may come quoted (and weak); the version inside is digits. */
static gboolean
parse_version_text (const char *text,
                    gint64     *out)
{
  g_autofree char *copy = NULL;
  char *p;
  guint64 value;

  if (text == NULL)
    return FALSE;

  copy = g_strstrip (g_strdup (text));
  p = copy;
  if (g_str_has_prefix (p, "W/"))
    p += 2;
  if (p[0] == '"' && strlen (p) >= 2 && p[strlen (p) - 1] == '"')
    {
      p[strlen (p) - 1] = '\0';
      p++;
    }

  if (!g_ascii_string_to_unsigned (p, 10, 0, G_MAXINT64, &value, NULL))
    return FALSE;

  *out = (gint64) value;
  return TRUE;
}

gboolean
_ob_rps_request_version (ObApiRequest *request,
                         gboolean      use_if_match,
                         gint64       *out)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  JsonObject *body = ob_api_request_get_body_object (request);
  JsonNode *node = _ob_rps_field (body, "version");
  const char *if_match = soup_message_headers_get_one (headers, "If-Match");
  g_autofree char *text = NULL;

  if (use_if_match && if_match != NULL)
    return parse_version_text (if_match, out);

  text = _ob_rps_text (node);
  if (node == NULL || _ob_rps_is_null (node))
    return FALSE;

  return parse_version_text (text, out);
}

/* ------------------------------------------------------------------------
 * Lists
 * ------------------------------------------------------------------------ */

static void
add_query_error (ObApiValidation *validation,
                 const char      *text,
                 const char      *msg,
                 const char      *path)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), text);

  ob_api_validation_add (validation, node, msg, path, "query");
}

void
_ob_api_rps_list (ObApiRequest    *request,
                  ObRpsListFunc    list,
                  ObRpsToJsonFunc  to_json,
                  gboolean         count_in_rows)
{
  ObStore *store = _ob_api_server_get_store (request->server);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) rows = json_array_new ();
  g_autoptr(JsonNode) node = NULL;
  const char *top_text = ob_api_request_get_query (request, "$top");
  const char *skip_text = ob_api_request_get_query (request, "$skip");
  const char *count_text = ob_api_request_get_query (request, "$count");
  const gint64 max = G_GINT64_CONSTANT (9999999999);
  gint64 top = 25, skip = 0;
  gboolean with_count = FALSE;
  ObStoreQuery query = { 0 };
  guint total = 0;

  ob_api_validation_init (&validation);

  if (top_text != NULL && (!ob_api_text_is_int (top_text, 0, &top) || top > max))
    add_query_error (&validation, top_text,
                     "The number of items to return should be a positive integer", "$top");
  if (skip_text != NULL && (!ob_api_text_is_int (skip_text, 0, &skip) || skip > max))
    add_query_error (&validation, skip_text,
                     "The number of items to skip before starting to collect the result set "
                     "should be a positive integer", "$skip");
  if (count_text != NULL && !ob_api_text_is_boolean (count_text, &with_count))
    add_query_error (&validation, count_text,
                     "To return total number of records in result set should be boolean",
                     "$count");

  if (ob_api_validation_respond (&validation, request))
    return;

  query.offset = (guint) MIN (skip, G_MAXUINT);
  query.limit = (guint) MIN (top, G_MAXUINT);

  /* $top=0 asks for nothing; the store's limit 0 would mean "all".  The
   * count still comes from the store. */
  if (top == 0)
    query.offset = G_MAXUINT;

  records = list (store, &query, &total, &error);
  if (records == NULL)
    {
      _ob_api_rps_respond_failed (request, "", error);
      return;
    }

  for (guint i = 0; i < records->len && top > 0; i++)
    {
      JsonNode *row = to_json (g_ptr_array_index (records, i));

      if (count_in_rows)
        json_object_set_int_member (json_node_get_object (row), "total_count", total);
      json_array_add_element (rows, row);
    }

  if (with_count)
    {
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_array_member (object, "data", g_steal_pointer (&rows));
      json_object_set_int_member (object, "totalCount", total);
      node = json_node_init_object (json_node_alloc (), object);
    }
  else
    node = json_node_init_array (json_node_alloc (), rows);

  _ob_api_rps_respond (request, SOUP_STATUS_OK, node);
}

/* ------------------------------------------------------------------------
 * Values as express-validator sees them
 * ------------------------------------------------------------------------ */

JsonNode *
_ob_rps_field (JsonObject *body,
               const char *name)
{
  if (body == NULL)
    return NULL;

  return json_object_get_member (body, name);
}

gboolean
_ob_rps_is_null (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_NULL (node);
}

gboolean
_ob_rps_is_empty (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) == 0;
  if (ob_api_json_node_is_string (node))
    return json_node_get_string (node)[0] == '\0';

  return FALSE;
}

char *
_ob_rps_text (JsonNode *node)
{
  GType type;

  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (type == G_TYPE_DOUBLE)
    {
      gdouble d = json_node_get_double (node);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      if (d >= -1e15 && d <= 1e15 && d == (gdouble) (gint64) d)
        return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) d);
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, d));
    }

  return NULL;
}

gboolean
_ob_rps_boolean (JsonNode *node,
                 gboolean *out)
{
  return node != NULL && ob_api_value_is_boolean (node, out);
}

gboolean
_ob_rps_int (JsonNode *node,
             gint64    min,
             gint64    max,
             gint64   *out)
{
  gint64 value;

  if (node == NULL || !ob_api_value_is_int (node, G_MININT64, &value))
    return FALSE;
  if (value < min || value > max)
    return FALSE;

  if (out != NULL)
    *out = value;

  return TRUE;
}

gboolean
_ob_rps_json_int (JsonNode *node,
                  gint64   *out)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      gdouble d = json_node_get_double (node);

      if (d != d || d < -9e15 || d > 9e15 || d != (gdouble) (gint64) d)
        return FALSE;
      *out = (gint64) d;
      return TRUE;
    }

  return FALSE;
}

void
_ob_rps_set_string (JsonObject *object,
                    const char *name,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

char *
_ob_rps_dup_text (JsonObject *body,
                  const char *name)
{
  JsonNode *node = _ob_rps_field (body, name);

  if (node == NULL || _ob_rps_is_null (node))
    return NULL;

  return _ob_rps_text (node);
}

void
_ob_rps_error (ObApiValidation *validation,
               JsonNode        *value,
               const char      *msg,
               const char      *path)
{
  ob_api_validation_add (validation, value, msg, path, "body");
}

/* The character classes live in ob-rps-validate.c, which the interface's
 * editors share. */
gboolean
_ob_rps_is_profile_name (const char *text)
{
  return ob_rps_validate_profile_name (text);
}

gboolean
_ob_rps_is_cira_name (const char *text)
{
  return ob_rps_validate_cira_name (text);
}

gboolean
_ob_rps_is_alnum (const char *text)
{
  return ob_rps_validate_alnum (text);
}

gboolean
_ob_rps_is_strong_password (const char *text)
{
  return ob_rps_validate_strong_password (text);
}

gboolean
_ob_rps_is_ipv4 (const char *text)
{
  return ob_rps_validate_ipv4 (text);
}

gboolean
_ob_rps_is_ipv6 (const char *text)
{
  return ob_rps_validate_ipv6 (text);
}

gboolean
_ob_rps_is_fqdn (const char *text)
{
  return ob_rps_validate_fqdn (text);
}

/* ------------------------------------------------------------------------
 * Secrets
 * ------------------------------------------------------------------------ */

typedef struct
{
  char   *owner_type;
  char   *owner_id;
  char   *kind;
  GBytes *value;   /* NULL: clear */
  gboolean is_text;
} SecretOp;

struct _ObRpsSecrets
{
  ObSecretStore *store;
  GPtrArray     *ops;
};

static void
secret_op_free (SecretOp *op)
{
  g_free (op->owner_type);
  g_free (op->owner_id);
  g_free (op->kind);
  g_clear_pointer (&op->value, g_bytes_unref);
  g_free (op);
}

/* Text copies are wiped before they are freed. */
static void
wipe_and_free (gpointer data)
{
  ob_secure_free_string (data);
}

ObRpsSecrets *
_ob_rps_secrets_new (ObApiRequest *request)
{
  ObRpsSecrets *self = g_new0 (ObRpsSecrets, 1);

  self->store = g_object_ref (_ob_api_server_get_secrets (request->server));
  self->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) secret_op_free);

  return self;
}

void
_ob_rps_secrets_free (ObRpsSecrets *self)
{
  if (self == NULL)
    return;

  g_clear_object (&self->store);
  g_clear_pointer (&self->ops, g_ptr_array_unref);
  g_free (self);
}

static void
add_op (ObRpsSecrets *self,
        const char   *owner_type,
        const char   *owner_id,
        const char   *kind,
        GBytes       *value,
        gboolean      is_text)
{
  SecretOp *op = g_new0 (SecretOp, 1);

  op->owner_type = g_strdup (owner_type);
  op->owner_id = g_strdup (owner_id);
  op->kind = g_strdup (kind);
  op->value = value;
  op->is_text = is_text;
  g_ptr_array_add (self->ops, op);
}

void
_ob_rps_secrets_set (ObRpsSecrets *self,
                     const char   *owner_type,
                     const char   *owner_id,
                     const char   *kind,
                     const char   *text)
{
  char *copy = g_strdup (text);

  add_op (self, owner_type, owner_id, kind,
          g_bytes_new_with_free_func (copy, strlen (copy), wipe_and_free, copy), TRUE);
}

void
_ob_rps_secrets_set_bytes (ObRpsSecrets *self,
                           const char   *owner_type,
                           const char   *owner_id,
                           const char   *kind,
                           GBytes       *value)
{
  add_op (self, owner_type, owner_id, kind, g_bytes_ref (value), FALSE);
}

void
_ob_rps_secrets_clear (ObRpsSecrets *self,
                       const char   *owner_type,
                       const char   *owner_id,
                       const char   *kind)
{
  add_op (self, owner_type, owner_id, kind, NULL, FALSE);
}

gboolean
_ob_rps_secrets_is_empty (ObRpsSecrets *self)
{
  return self->ops->len == 0;
}

static void
secrets_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ObRpsSecrets *self = task_data;

  /* Not cancellable: once the record is written its secrets must follow,
   * even if the client has gone. */
  for (guint i = 0; i < self->ops->len; i++)
    {
      SecretOp *op = g_ptr_array_index (self->ops, i);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (op->value != NULL && op->is_text)
        {
          gsize len;
          const char *data = g_bytes_get_data (op->value, &len);
          g_autofree char *text = g_strndup (data, len);

          ok = ob_secret_store_store_text_sync (self->store, op->owner_type, op->owner_id,
                                                op->kind, text, NULL, &error);
          ob_secure_clear (text, len);
        }
      else if (op->value != NULL)
        ok = ob_secret_store_store_sync (self->store, op->owner_type, op->owner_id, op->kind,
                                         op->value, NULL, &error);
      else
        ok = ob_secret_store_clear_sync (self->store, op->owner_type, op->owner_id, op->kind,
                                         NULL, &error);

      if (!ok)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  g_task_return_boolean (task, TRUE);
}

void
_ob_rps_secrets_run (ObRpsSecrets        *self,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, _ob_rps_secrets_run);
  g_task_set_task_data (task, self, (GDestroyNotify) _ob_rps_secrets_free);
  g_task_run_in_thread (task, secrets_thread);
}

gboolean
_ob_rps_secrets_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
