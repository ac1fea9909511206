/* ob-api-ciraconfigs.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-resource.h"
#include "ob-util.h"

/* /api/v1/admin/ciraconfigs (rps-rpc-activation.md §1.2).  The MPS
 * password, when one is given, lives only in the keyring. */

#define MSG_IN_USE "CIRA Config: %s is associated with an AMT profile"

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
fits_name_column (const char *text)
{
  if (strlen (text) > 256)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;

  return TRUE;
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

/* The insert validator, or with @patch the update one, where only the
 * name is required, the other fields are checked when present, and some
 * messages differ (both as the reference has them). */
static gboolean
validate_cira (ObApiRequest    *request,
               JsonObject      *body,
               gboolean         patch,
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
  gboolean create = !patch;

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
  /* With an FQDN server the reference takes any name; one the record
   * cannot hold (one line of at most 256 bytes) is refused here instead
   * of failing in the store. */
  else if (cn_text != NULL && !fits_name_column (cn_text))
    _ob_rps_error (v, common_name, NULL, "commonName");

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

  return TRUE;
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
apply_body (gpointer    record,
            JsonObject *body,
            gboolean    patch)
{
  ObCiraConfig *config = record;

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

/* An MPS password sent (not empty) replaces the stored one. */
static void
add_secrets (ObApiRequest *request,
             gpointer      record,
             gboolean      created,
             ObRpsSecrets *secrets)
{
  g_autofree char *password = _ob_rps_dup_text (ob_api_request_get_body_object (request),
                                                "password");

  if (password != NULL && password[0] != '\0')
    _ob_rps_secrets_set (secrets, OB_SECRET_OWNER_CIRA_CONFIG, ob_cira_config_get_name (record),
                         OB_SECRET_KIND_MPS_PASSWORD, password);
  ob_secure_free_string (g_steal_pointer (&password));
}

static const char *
find_user (ObStore     *store,
           const char  *name,
           GError     **error)
{
  g_autoptr(GPtrArray) profiles = ob_store_list_profiles (store, NULL, NULL, error);

  for (guint i = 0; profiles != NULL && i < profiles->len; i++)
    {
      const char *used = ob_profile_get_cira_config_name (g_ptr_array_index (profiles, i));

      if (used != NULL && g_ascii_strcasecmp (used, name) == 0)
        return MSG_IN_USE;
    }

  return NULL;
}

const ObApiResource _ob_api_ciraconfigs_resource = {
  .path = "ciraconfigs",
  .key_field = "configName",
  .get_type = ob_cira_config_get_type,
  .list = ob_store_list_cira_configs,
  .get = (ObApiResourceGetFunc) ob_store_get_cira_config,
  .insert = (ObApiResourceWriteFunc) ob_store_insert_cira_config,
  .update = (ObApiResourceWriteFunc) ob_store_update_cira_config,
  .remove = ob_store_delete_cira_config,
  .to_json = cira_to_json,
  .not_found_type = "CIRA",
  .duplicate_message = "CIRA Config %s already exists.",
  .in_use_error = "Foreign key violation",
  .in_use_message = MSG_IN_USE,
  .log_name = "CIRA config",
  .secret_owner = OB_SECRET_OWNER_CIRA_CONFIG,
  .version_from_if_match = TRUE,
  .validate = validate_cira,
  .apply = apply_body,
  .add_secrets = add_secrets,
  .find_user = find_user,
};
