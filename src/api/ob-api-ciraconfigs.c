/* ob-api-ciraconfigs.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-rps-private.h"
#include "ob-util.h"

/* /api/v1/admin/ciraconfigs (rps-rpc-activation.md §1.2).  The MPS
 * password, when one is given, lives only in the keyring. */

#define TYPE_NAME "CIRA"

static JsonNode *
cira_to_json (gpointer record)
{
  ObCiraConfig *config = record;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *version = _ob_rps_version_string (ob_cira_config_get_version (config));

  json_object_set_string_member (object, "configName", ob_cira_config_get_name (config));
  _ob_rps_set_string (object, "mpsServerAddress", ob_cira_config_get_mps_server_address (config));
  json_object_set_int_member (object, "mpsPort", ob_cira_config_get_mps_port (config));
  _ob_rps_set_string (object, "username", ob_cira_config_get_username (config));
  _ob_rps_set_string (object, "commonName", ob_cira_config_get_common_name (config));
  json_object_set_int_member (object, "serverAddressFormat",
                              ob_cira_config_get_server_address_format (config));
  json_object_set_int_member (object, "authMethod", ob_cira_config_get_auth_method (config));
  _ob_rps_set_string (object, "mpsRootCertificate",
                      ob_cira_config_get_mps_root_certificate (config));
  _ob_rps_set_string (object, "proxyDetails", ob_cira_config_get_proxy_details (config));
  _ob_rps_set_string (object, "tenantId", ob_cira_config_get_tenant_id (config));
  json_object_set_string_member (object, "version", version);

  return json_node_init_object (json_node_alloc (), object);
}

static gboolean
text_in (const char         *text,
         const char * const *allowed)
{
  return text != NULL && g_strv_contains (allowed, text);
}

/* The address against the format (the reference's shared custom rule):
 * one error at most. */
static void
check_address (JsonNode        *address,
               JsonNode        *format,
               JsonNode        *common_name,
               ObApiValidation *v)
{
  g_autofree char *format_text = _ob_rps_text (format);
  g_autofree char *address_text = _ob_rps_text (address);
  const char *msg = NULL;

  if (format == NULL || _ob_rps_is_null (format))
    msg = "serverAddressFormat is required";
  else if (address == NULL || _ob_rps_is_null (address))
    return;
  else if (g_strcmp0 (format_text, "3") == 0)
    {
      if (!_ob_rps_is_ipv4 (address_text))
        msg = "serverAddressFormat 3 requires IPV4 server address";
      else if (common_name == NULL || _ob_rps_is_null (common_name))
        msg = "commonName is required when serverAddressFormat is 3";
    }
  else if (g_strcmp0 (format_text, "4") == 0)
    {
      if (!_ob_rps_is_ipv6 (address_text))
        msg = "serverAddressFormat 4 requires IPV6 server address";
    }
  else if (g_strcmp0 (format_text, "201") == 0)
    {
      if (!_ob_rps_is_fqdn (address_text) && !_ob_rps_is_ipv4 (address_text))
        msg = "serverAddressFormat 201 requires FQDN server address";
    }

  if (msg != NULL)
    _ob_rps_error (v, address, msg, "mpsServerAddress");
}

/* @create: the insert validator; otherwise the update one, where only the
 * name is required, the other fields are checked when present, and some
 * messages differ (both as the reference has them). */
static void
validate_cira (JsonObject      *body,
               gboolean         create,
               ObApiValidation *v)
{
  static const char * const formats[] = { "3", "4", "201", NULL };
  static const char * const auth_methods[] = { "1", "2", NULL };
  JsonNode *name = _ob_rps_field (body, "configName");
  JsonNode *format = _ob_rps_field (body, "serverAddressFormat");
  JsonNode *address = _ob_rps_field (body, "mpsServerAddress");
  JsonNode *port = _ob_rps_field (body, "mpsPort");
  JsonNode *username = _ob_rps_field (body, "username");
  JsonNode *password = _ob_rps_field (body, "password");
  JsonNode *common_name = _ob_rps_field (body, "commonName");
  JsonNode *auth = _ob_rps_field (body, "authMethod");
  JsonNode *root = _ob_rps_field (body, "mpsRootCertificate");
  JsonNode *proxy = _ob_rps_field (body, "proxyDetails");
  JsonNode *regenerate = _ob_rps_field (body, "regeneratePassword");
  g_autofree char *name_text = _ob_rps_text (name);
  g_autofree char *format_text = _ob_rps_text (format);
  g_autofree char *username_text = _ob_rps_text (username);
  g_autofree char *cn_text = _ob_rps_text (common_name);
  g_autofree char *auth_text = _ob_rps_text (auth);

  if (_ob_rps_is_empty (name))
    _ob_rps_error (v, name, "CIRA profile name is required", "configName");
  /* The update validator takes the profile-name class ('$' too). */
  if (!(create ? _ob_rps_is_cira_name (name_text) : _ob_rps_is_profile_name (name_text)))
    _ob_rps_error (v, name, "CIRA profile name accepts letters, numbers, special characters and no spaces",
                   "configName");

  if (create)
    {
      if (_ob_rps_is_empty (format))
        _ob_rps_error (v, format, "MPS server address format is required", "serverAddressFormat");
      if (!text_in (format_text, formats))
        _ob_rps_error (v, format, "MPS server address format should be either 3(IPV4) , 4(IPV6) or 201(FQDN)",
                       "serverAddressFormat");
    }
  else if (format != NULL)
    {
      if (!text_in (format_text, formats))
        _ob_rps_error (v, format, "MPS server address format 3(IPV4) , 4(IPV6) or 201(FQDN)",
                       "serverAddressFormat");
      if (address == NULL || _ob_rps_is_null (address))
        _ob_rps_error (v, format, "Server address is required to update", "serverAddressFormat");
    }

  if (create)
    {
      if (_ob_rps_is_empty (address))
        _ob_rps_error (v, address, "MPS server address is required", "mpsServerAddress");
      check_address (address, format, common_name, v);
    }
  else if (address != NULL)
    check_address (address, format, common_name, v);

  if (create)
    {
      if (_ob_rps_is_empty (port))
        _ob_rps_error (v, port, "MPS port is required", "mpsPort");
      if (!_ob_rps_int (port, 1024, 49151, NULL))
        _ob_rps_error (v, port, "MPS Port value should range between 1024 and 49151", "mpsPort");
    }
  else if (port != NULL)
    {
      gint64 value;

      /* The edit validator wants a JSON number strictly inside the range. */
      if (!_ob_rps_json_int (port, &value) || value <= 1024 || value >= 49151)
        _ob_rps_error (v, port, "MPS Port value should range between 1024 and 49151", "mpsPort");
    }

  if (create || username != NULL)
    {
      gsize len = username_text != NULL ? strlen (username_text) : 0;

      if (create && _ob_rps_is_empty (username))
        _ob_rps_error (v, username, "MPS user name is required", "username");
      if (!_ob_rps_is_alnum (username_text))
        _ob_rps_error (v, username, "MPS user name should be alphanumeric", "username");
      if (len < 5 || len > 16)
        _ob_rps_error (v, username, "MPS user name length should be in between 5 to 16", "username");
    }

  /* Not validated by the reference; only a value that has no text is
   * refused, since it could not be stored. */
  if (password != NULL && !_ob_rps_is_null (password) && !JSON_NODE_HOLDS_VALUE (password))
    _ob_rps_error (v, NULL, NULL, "password");

  if (common_name != NULL && g_strcmp0 (format_text, "201") != 0)
    {
      if (!_ob_rps_is_ipv4 (cn_text))
        _ob_rps_error (v, common_name, "Cert. Hostname(CN) should be an IP address.", "commonName");
      if (!create && (format == NULL || _ob_rps_is_null (format)
                      || address == NULL || _ob_rps_is_null (address)))
        _ob_rps_error (v, common_name, "serverAddressFormat and mpsServerAddress is required",
                       "commonName");
    }

  if (create)
    {
      if (_ob_rps_is_empty (auth))
        _ob_rps_error (v, auth, "Authentication method is required", "authMethod");
      if (!text_in (auth_text, auth_methods))
        _ob_rps_error (v, auth,
                       "Authentication method should be either 1 (Mutual Auth) or 2 (username and password)",
                       "authMethod");
    }
  else if (auth != NULL && !text_in (auth_text, auth_methods))
    _ob_rps_error (v, auth, "Authentication method accepts either 1 - Mutual Auth or 2 -username/password)",
                   "authMethod");

  if (create && _ob_rps_is_empty (root))
    _ob_rps_error (v, root, "MPS public root certificate is required", "mpsRootCertificate");
  else if (root != NULL && !_ob_rps_is_null (root) && !ob_api_json_node_is_string (root))
    _ob_rps_error (v, root, NULL, "mpsRootCertificate");

  if (proxy != NULL && !_ob_rps_is_null (proxy) && !ob_api_json_node_is_string (proxy))
    _ob_rps_error (v, proxy, NULL, "proxyDetails");

  if (!create && regenerate != NULL && !_ob_rps_boolean (regenerate, NULL))
    _ob_rps_error (v, regenerate, NULL, "regeneratePassword");
}

static guint
text_to_uint (JsonObject *body,
              const char *name)
{
  g_autofree char *text = _ob_rps_dup_text (body, name);
  guint64 value = 0;

  if (text != NULL)
    g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &value, NULL);

  return (guint) value;
}

/* Copies the fields present in @body (all of them on create). */
static void
apply_body (ObCiraConfig *config,
            JsonObject   *body)
{
  if (json_object_has_member (body, "serverAddressFormat"))
    ob_cira_config_set_server_address_format (config, text_to_uint (body, "serverAddressFormat"));
  if (json_object_has_member (body, "mpsServerAddress"))
    {
      g_autofree char *text = _ob_rps_dup_text (body, "mpsServerAddress");

      ob_cira_config_set_mps_server_address (config, text);
    }
  if (json_object_has_member (body, "mpsPort"))
    ob_cira_config_set_mps_port (config, text_to_uint (body, "mpsPort"));
  if (json_object_has_member (body, "username"))
    {
      g_autofree char *text = _ob_rps_dup_text (body, "username");

      ob_cira_config_set_username (config, text);
    }
  if (json_object_has_member (body, "commonName"))
    {
      g_autofree char *text = _ob_rps_dup_text (body, "commonName");

      ob_cira_config_set_common_name (config, text != NULL && text[0] != '\0' ? text : NULL);
    }
  if (json_object_has_member (body, "authMethod"))
    ob_cira_config_set_auth_method (config, text_to_uint (body, "authMethod"));
  if (json_object_has_member (body, "mpsRootCertificate"))
    ob_cira_config_set_mps_root_certificate (config,
                                             ob_api_json_get_string (body, "mpsRootCertificate"));
  if (json_object_has_member (body, "proxyDetails"))
    ob_cira_config_set_proxy_details (config, ob_api_json_get_string (body, "proxyDetails"));
}

static char *
dup_password (JsonObject *body)
{
  g_autofree char *text = _ob_rps_dup_text (body, "password");

  if (text == NULL || text[0] == '\0')
    return NULL;

  return g_steal_pointer (&text);
}

static void
respond_config (ObApiRequest *request,
                guint         status,
                const char   *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCiraConfig) config = ob_store_get_cira_config (_ob_api_server_get_store (request->server),
                                                             name, &error);
  g_autoptr(JsonNode) node = NULL;

  if (config == NULL)
    {
      _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  node = cira_to_json (config);
  _ob_api_rps_respond (request, status, node);
}

void
_ob_api_ciraconfigs_list (ObApiRequest *request)
{
  _ob_api_rps_list (request, (ObRpsListFunc) ob_store_list_cira_configs, cira_to_json, FALSE);
}

void
_ob_api_ciraconfigs_get (ObApiRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCiraConfig) config = ob_store_get_cira_config (_ob_api_server_get_store (request->server),
                                                             request->param, &error);
  g_autoptr(JsonNode) node = NULL;

  if (config == NULL)
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        _ob_api_rps_respond_not_found (request, TYPE_NAME, request->param);
      else
        _ob_api_rps_respond_failed (request, request->param, error);
      return;
    }

  node = cira_to_json (config);
  _ob_api_rps_respond (request, SOUP_STATUS_OK, node);
}

/* ------------------------------------------------------------------------
 * POST
 * ------------------------------------------------------------------------ */

static void
on_create_secrets (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  const char *name = request->data;
  g_autoptr(GError) error = NULL;

  if (!_ob_rps_secrets_finish (result, &error))
    {
      g_autoptr(GError) delete_error = NULL;

      /* As the reference: no record without its secret. */
      if (!ob_store_delete_cira_config (_ob_api_server_get_store (request->server), name,
                                        &delete_error))
        g_warning ("RPS API: could not remove CIRA config %s after a keyring failure: %s",
                   name, delete_error->message);
      _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  respond_config (request, SOUP_STATUS_CREATED, name);
}

void
_ob_api_ciraconfigs_create (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  ObStore *store = _ob_api_server_get_store (request->server);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObCiraConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpsSecrets) secrets = NULL;
  g_autofree char *name = NULL;
  g_autofree char *password = NULL;

  ob_api_validation_init (&validation);
  validate_cira (body, TRUE, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  name = _ob_rps_dup_text (body, "configName");
  config = ob_cira_config_new (name);
  ob_cira_config_set_tenant_id (config, "");
  apply_body (config, body);

  if (!ob_store_insert_cira_config (store, config, &error))
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE))
        {
          g_autofree char *message = g_strdup_printf ("CIRA Config %s already exists.", name);

          _ob_api_rps_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Unique key violation",
                                     message);
        }
      else
        _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  password = dup_password (body);
  if (password == NULL)
    {
      respond_config (request, SOUP_STATUS_CREATED, ob_cira_config_get_name (config));
      return;
    }

  secrets = _ob_rps_secrets_new (request);
  _ob_rps_secrets_set (secrets, OB_SECRET_OWNER_CIRA_CONFIG, ob_cira_config_get_name (config),
                       OB_SECRET_KIND_MPS_PASSWORD, password);
  ob_secure_free_string (g_steal_pointer (&password));
  ob_api_request_set_data (request, g_strdup (ob_cira_config_get_name (config)), g_free);
  _ob_rps_secrets_run (g_steal_pointer (&secrets), on_create_secrets,
                       ob_api_request_ref (request));
}

/* ------------------------------------------------------------------------
 * PATCH
 * ------------------------------------------------------------------------ */

static void
on_update_secrets (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  const char *name = request->data;
  g_autoptr(GError) error = NULL;

  if (!_ob_rps_secrets_finish (result, &error))
    {
      _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  respond_config (request, SOUP_STATUS_OK, name);
}

void
_ob_api_ciraconfigs_update (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  ObStore *store = _ob_api_server_get_store (request->server);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObCiraConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpsSecrets) secrets = NULL;
  g_autofree char *name = NULL;
  g_autofree char *password = NULL;
  gint64 version = G_MAXINT64;

  ob_api_validation_init (&validation);
  validate_cira (body, FALSE, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  name = _ob_rps_dup_text (body, "configName");
  config = ob_store_get_cira_config (store, name, &error);
  if (config == NULL)
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        _ob_api_rps_respond_not_found (request, TYPE_NAME, name);
      else
        _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  apply_body (config, body);
  /* Without a version the update cannot match any row: a conflict, as in
   * the reference. */
  if (!_ob_rps_request_version (request, TRUE, &version))
    version = G_MAXINT64;
  ob_cira_config_set_version (config, version);

  if (!ob_store_update_cira_config (store, config, &error))
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT))
        {
          g_autoptr(ObCiraConfig) current = ob_store_get_cira_config (store, name, NULL);

          if (current != NULL)
            {
              g_autoptr(JsonNode) node = cira_to_json (current);

              _ob_api_rps_respond_conflict (request, node, ob_cira_config_get_version (current));
              return;
            }
        }
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        _ob_api_rps_respond_not_found (request, TYPE_NAME, name);
      else
        _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  password = dup_password (body);
  if (password == NULL)
    {
      respond_config (request, SOUP_STATUS_OK, ob_cira_config_get_name (config));
      return;
    }

  secrets = _ob_rps_secrets_new (request);
  _ob_rps_secrets_set (secrets, OB_SECRET_OWNER_CIRA_CONFIG, ob_cira_config_get_name (config),
                       OB_SECRET_KIND_MPS_PASSWORD, password);
  ob_secure_free_string (g_steal_pointer (&password));
  ob_api_request_set_data (request, g_strdup (ob_cira_config_get_name (config)), g_free);
  _ob_rps_secrets_run (g_steal_pointer (&secrets), on_update_secrets,
                       ob_api_request_ref (request));
}

/* ------------------------------------------------------------------------
 * DELETE
 * ------------------------------------------------------------------------ */

static void
on_delete_secrets (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  g_autoptr(GError) error = NULL;

  /* The record is gone; a keyring entry left behind is logged, and the
   * next create of that name overwrites it. */
  if (!_ob_rps_secrets_finish (result, &error))
    g_warning ("RPS API: could not remove the keyring entries of CIRA config %s: %s",
               (const char *) request->data, error->message);

  ob_api_request_respond_empty (request, SOUP_STATUS_NO_CONTENT);
}

static void
respond_in_use (ObApiRequest *request,
                const char   *name)
{
  g_autofree char *message = g_strdup_printf ("CIRA Config: %s is associated with an AMT profile",
                                               name);

  _ob_api_rps_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Foreign key violation", message);
}

void
_ob_api_ciraconfigs_delete (ObApiRequest *request)
{
  ObStore *store = _ob_api_server_get_store (request->server);
  g_autoptr(ObCiraConfig) config = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpsSecrets) secrets = NULL;
  const char *name;

  config = ob_store_get_cira_config (store, request->param, &error);
  if (config == NULL)
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        _ob_api_rps_respond_not_found (request, TYPE_NAME, request->param);
      else
        _ob_api_rps_respond_failed (request, request->param, error);
      return;
    }
  name = ob_cira_config_get_name (config);

  profiles = ob_store_list_profiles (store, NULL, NULL, &error);
  if (profiles == NULL)
    {
      _ob_api_rps_respond_failed (request, name, error);
      return;
    }
  for (guint i = 0; i < profiles->len; i++)
    {
      const char *used = ob_profile_get_cira_config_name (g_ptr_array_index (profiles, i));

      if (used != NULL && g_ascii_strcasecmp (used, name) == 0)
        {
          respond_in_use (request, name);
          return;
        }
    }

  if (!ob_store_delete_cira_config (store, name, &error))
    {
      /* A profile that started using it meanwhile. */
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE))
        respond_in_use (request, name);
      else if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        _ob_api_rps_respond_not_found (request, TYPE_NAME, name);
      else
        _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  secrets = _ob_rps_secrets_new (request);
  _ob_rps_secrets_clear (secrets, OB_SECRET_OWNER_CIRA_CONFIG, name, NULL);
  ob_api_request_set_data (request, g_strdup (name), g_free);
  _ob_rps_secrets_run (g_steal_pointer (&secrets), on_delete_secrets,
                       ob_api_request_ref (request));
}
