/* ob-api-wirelessconfigs.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-resource.h"
#include "ob-util.h"

/* /api/v1/admin/wirelessconfigs (rps-rpc-activation.md §1.4).  A PSK
 * passphrase lives only in the keyring. */

#define MAX_LINK_POLICY 64

#define MSG_IN_USE "Wireless profile: %s is associated with an AMT Profile."

static gboolean
is_psk (gint64 method)
{
  return method == 4 || method == 6;
}

static JsonNode *
wireless_to_json_full (ObWirelessConfig *config,
                       gboolean          with_psk_value)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *version = _ob_rps_version_string (ob_wireless_config_get_version (config));
  gsize n_policy = 0;
  const gint32 *policy = ob_wireless_config_get_link_policy (config, &n_policy);

  json_object_set_string_member (object, "profileName", ob_wireless_config_get_name (config));
  json_object_set_int_member (object, "authenticationMethod",
                              ob_wireless_config_get_authentication_method (config));
  json_object_set_int_member (object, "encryptionMethod",
                              ob_wireless_config_get_encryption_method (config));
  _ob_rps_set_string (object, "ssid", ob_wireless_config_get_ssid (config));
  if (with_psk_value)
    json_object_set_int_member (object, "pskValue", ob_wireless_config_get_psk_value (config));
  if (policy != NULL)
    {
      JsonArray *array = json_array_new ();

      for (gsize i = 0; i < n_policy; i++)
        json_array_add_int_element (array, policy[i]);
      json_object_set_array_member (object, "linkPolicy", array);
    }
  else
    json_object_set_null_member (object, "linkPolicy");
  _ob_rps_set_string (object, "tenantId", ob_wireless_config_get_tenant_id (config));
  _ob_rps_set_string (object, "ieee8021xProfileName",
                      ob_wireless_config_get_ieee8021x_profile_name (config));
  json_object_set_string_member (object, "version", version);

  return json_node_init_object (json_node_alloc (), object);
}

static JsonNode *
wireless_to_json (gpointer record)
{
  return wireless_to_json_full (record, TRUE);
}

/* The reference's PATCH answer leaves pskValue out. */
static JsonNode *
wireless_to_json_patched (gpointer record)
{
  return wireless_to_json_full (record, FALSE);
}

static gboolean
validate_wireless (ObApiRequest    *request,
                   JsonObject      *body,
                   gboolean         patch,
                   ObApiValidation *v)
{
  static const char * const auth_methods[] = { "4", "5", "6", "7", NULL };
  static const char * const encryption_methods[] = { "3", "4", NULL };
  ObStore *store = _ob_api_server_get_store (request->server);
  JsonNode *name = _ob_rps_field (body, "profileName");
  JsonNode *auth = _ob_rps_field (body, "authenticationMethod");
  JsonNode *encryption = _ob_rps_field (body, "encryptionMethod");
  JsonNode *ssid = _ob_rps_field (body, "ssid");
  JsonNode *psk = _ob_rps_field (body, "pskPassphrase");
  JsonNode *ieee = _ob_rps_field (body, "ieee8021xProfileName");
  JsonNode *policy = _ob_rps_field (body, "linkPolicy");
  JsonNode *psk_value = _ob_rps_field (body, "pskValue");
  g_autofree char *name_text = _ob_rps_text (name);
  g_autofree char *auth_text = _ob_rps_text (auth);
  g_autofree char *encryption_text = _ob_rps_text (encryption);
  g_autofree char *ssid_text = _ob_rps_text (ssid);
  g_autofree char *psk_text = _ob_rps_text (psk);
  g_autofree char *ieee_text = _ob_rps_text (ieee);
  gint64 method = 0;

  if (_ob_rps_is_empty (name))
    _ob_rps_error (v, name, "Wireless profile name is required", "profileName");
  if (!_ob_rps_is_alnum (name_text))
    _ob_rps_error (v, name, "Wireless profile name should be alphanumeric", "profileName");
  if (name_text != NULL && strlen (name_text) > 32)
    _ob_rps_error (v, name, "Wireless profile name maximum length is 32", "profileName");

  if (_ob_rps_is_empty (auth))
    _ob_rps_error (v, auth, "Authentication method is required", "authenticationMethod");
  if (auth_text == NULL || !g_strv_contains (auth_methods, auth_text))
    _ob_rps_error (v, auth,
                   "Authentication method must be one of 4:WPA PSK, 5:WPA IEEE 802.1x, "
                   "6:WPA2 PSK, 7:WPA2 IEEE 802.1x",
                   "authenticationMethod");
  else
    _ob_rps_int (auth, 4, 7, &method);

  if (_ob_rps_is_empty (encryption))
    _ob_rps_error (v, encryption, "Encryption method is required", "encryptionMethod");
  if (encryption_text == NULL || !g_strv_contains (encryption_methods, encryption_text))
    _ob_rps_error (v, encryption, "Encryption method must be one of 3:TKIP, 4:CCMP",
                   "encryptionMethod");

  /* The reference counts characters; AMT (and the store) hold 32 bytes,
   * so a longer UTF-8 SSID is refused here rather than failing later. */
  if (_ob_rps_is_empty (ssid))
    _ob_rps_error (v, ssid, "SSID is required", "ssid");
  if (ssid_text == NULL || strlen (ssid_text) > 32)
    _ob_rps_error (v, ssid, "Maximum length is 32", "ssid");

  if (is_psk (method))
    {
      glong len = psk_text != NULL ? g_utf8_strlen (psk_text, -1) : 0;

      if (psk == NULL || _ob_rps_is_null (psk) || len < 8 || len > 63)
        _ob_rps_error (v, NULL,
                       "PSK Passphrase length should be greater than or equal to 8 and less than "
                       "or equal to 63",
                       "pskPassphrase");
    }

  if (method == 5 || method == 7)
    {
      if (_ob_rps_is_empty (ieee))
        _ob_rps_error (v, ieee, "ieee8021xProfileName is required", "ieee8021xProfileName");
    }
  else if (!_ob_rps_is_empty (ieee))
    _ob_rps_error (v, ieee,
                   "ieee8021xProfileName can not be specified with the provided authenticationMethod",
                   "ieee8021xProfileName");

  /* Whatever the method, a name given must be a wireless 802.1x config. */
  if (!_ob_rps_is_empty (ieee) && ieee_text != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObIeee8021xConfig) config = ob_store_get_ieee8021x_config (store, ieee_text, &error);

      if (config == NULL)
        {
          g_autofree char *msg = g_strdup_printf ("Ieee8021x profile %s does not exist in db",
                                                  ieee_text);

          _ob_rps_error (v, ieee, msg, "ieee8021xProfileName");
        }
      else if (ob_ieee8021x_config_get_wired_interface (config))
        {
          g_autofree char *msg = g_strdup_printf ("Ieee8021x profile %s is for wired interfaces",
                                                  ieee_text);

          _ob_rps_error (v, ieee, msg, "ieee8021xProfileName");
        }
    }

  if (policy != NULL && !_ob_rps_is_null (policy))
    {
      if (!JSON_NODE_HOLDS_ARRAY (policy)
          || json_array_get_length (json_node_get_array (policy)) > MAX_LINK_POLICY)
        _ob_rps_error (v, policy, "LinkPolicy should be an array of integers", "linkPolicy");
      else
        {
          JsonArray *array = json_node_get_array (policy);
          gboolean all_ints = TRUE, all_known = TRUE;

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              gint64 value;

              if (!_ob_rps_json_int (json_array_get_element (array, i), &value))
                all_ints = FALSE;
              else if (value != 1 && value != 14 && value != 16 && value != 224)
                all_known = FALSE;
            }

          if (!all_ints)
            _ob_rps_error (v, policy, "Array does not contain integers", "linkPolicy");
          else if (!all_known)
            _ob_rps_error (v, policy,
                           "Array values should be either 1: available on S0 AC, 14: available on "
                           "Sx AC, 16: available on S0 DC, 224: available on Sx DC",
                           "linkPolicy");
        }
    }

  if (psk_value != NULL && !_ob_rps_is_null (psk_value))
    {
      gint64 value;

      if (!_ob_rps_json_int (psk_value, &value) || value < G_MININT32 || value > G_MAXINT32)
        _ob_rps_error (v, psk_value, NULL, "pskValue");
    }

  if (patch)
    {
      gint64 version;

      if (!_ob_rps_request_version (request, FALSE, &version))
        _ob_rps_error (v, _ob_rps_field (body, "version"),
                       "Version is required to patch/update a record.", "version");
    }

  return TRUE;
}

static void
apply_body (gpointer    record,
            JsonObject *body,
            gboolean    patch)
{
  ObWirelessConfig *config = record;
  JsonNode *policy = _ob_rps_field (body, "linkPolicy");
  g_autofree char *ssid = _ob_rps_dup_text (body, "ssid");
  g_autofree char *ieee = _ob_rps_dup_text (body, "ieee8021xProfileName");
  gint64 method = 0, encryption = 0, psk_value = 0;

  _ob_rps_int (_ob_rps_field (body, "authenticationMethod"), 4, 7, &method);
  _ob_rps_int (_ob_rps_field (body, "encryptionMethod"), 3, 4, &encryption);
  _ob_rps_json_int (_ob_rps_field (body, "pskValue"), &psk_value);

  ob_wireless_config_set_authentication_method (config, (guint) method);
  ob_wireless_config_set_encryption_method (config, (guint) encryption);
  ob_wireless_config_set_ssid (config, ssid);
  ob_wireless_config_set_psk_value (config, (int) psk_value);
  ob_wireless_config_set_ieee8021x_profile_name (config,
                                                 !is_psk (method) && ieee != NULL && ieee[0] != '\0'
                                                 ? ieee : NULL);

  if (policy != NULL && JSON_NODE_HOLDS_ARRAY (policy))
    {
      JsonArray *array = json_node_get_array (policy);
      guint n = json_array_get_length (array);
      g_autofree gint32 *values = g_new0 (gint32, MAX (n, 1));

      for (guint i = 0; i < n; i++)
        {
          gint64 value = 0;

          _ob_rps_json_int (json_array_get_element (array, i), &value);
          values[i] = (gint32) value;
        }
      ob_wireless_config_set_link_policy (config, values, n);
    }
  else
    ob_wireless_config_set_link_policy (config, NULL, 0);
}

/* The passphrase of a PSK network replaces the stored one; an 802.1x
 * network has none. */
static void
add_secrets (ObApiRequest *request,
             gpointer      record,
             gboolean      created,
             ObRpsSecrets *secrets)
{
  ObWirelessConfig *config = record;
  const char *name = ob_wireless_config_get_name (config);

  if (is_psk (ob_wireless_config_get_authentication_method (config)))
    {
      JsonObject *body = ob_api_request_get_body_object (request);
      g_autofree char *passphrase = _ob_rps_dup_text (body, "pskPassphrase");

      _ob_rps_secrets_set (secrets, OB_SECRET_OWNER_WIRELESS, name, OB_SECRET_KIND_PSK_PASSPHRASE,
                           passphrase);
      ob_secure_clear (passphrase, strlen (passphrase));
    }
  else if (!created)
    _ob_rps_secrets_clear (secrets, OB_SECRET_OWNER_WIRELESS, name, OB_SECRET_KIND_PSK_PASSPHRASE);
}

/* Which AMT profile lists the network among its wifi configs. */
static const char *
find_user (ObStore     *store,
           const char  *name,
           GError     **error)
{
  g_autoptr(GPtrArray) profiles = ob_store_list_profiles (store, NULL, NULL, error);

  for (guint i = 0; profiles != NULL && i < profiles->len; i++)
    {
      GPtrArray *links = ob_profile_get_wifi_links (g_ptr_array_index (profiles, i));

      for (guint j = 0; links != NULL && j < links->len; j++)
        {
          ObProfileWifiLink *link = g_ptr_array_index (links, j);

          if (g_ascii_strcasecmp (link->name, name) == 0)
            return MSG_IN_USE;
        }
    }

  return NULL;
}

const ObApiResource _ob_api_wirelessconfigs_resource = {
  .path = "wirelessconfigs",
  .key_field = "profileName",
  .get_type = ob_wireless_config_get_type,
  .list = ob_store_list_wireless_configs,
  .get = (ObApiResourceGetFunc) ob_store_get_wireless_config,
  .insert = (ObApiResourceWriteFunc) ob_store_insert_wireless_config,
  .update = (ObApiResourceWriteFunc) ob_store_update_wireless_config,
  .remove = ob_store_delete_wireless_config,
  .to_json = wireless_to_json,
  .patched_to_json = wireless_to_json_patched,
  .count_in_rows = TRUE,
  .not_found_type = "Wireless",
  .duplicate_message = "Wireless profile %s already exists",
  .in_use_error = "Foreign key violation",
  .in_use_message = MSG_IN_USE,
  .log_name = "wireless config",
  .secret_owner = OB_SECRET_OWNER_WIRELESS,
  .validate = validate_wireless,
  .apply = apply_body,
  .add_secrets = add_secrets,
  .find_user = find_user,
};
