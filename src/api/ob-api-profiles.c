/* ob-api-profiles.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-resource.h"
#include "ob-util.h"

/* /api/v1/admin/profiles (rps-rpc-activation.md §1.1).  Static AMT and
 * MEBx passwords live only in the keyring (OB_SECRET_OWNER_PROFILE, the
 * profile's name, kinds OB_SECRET_KIND_AMT_PASSWORD and
 * OB_SECRET_KIND_MEBX_PASSWORD); the record says whether each is random.
 *
 * Outband departs from one reference quirk: an amtPassword that is sent is
 * always held to the strength rule, even when generateRandomPassword is
 * left out, since a weak one would only fail later at activation. */

#define MAX_WIFI_CONFIGS 8
#define MAX_TAGS 1024

#define MSG_AMT_PASSWORD "AMT password is required field should contains at least one lowercase " \
  "letter, one uppercase letter, one numeric digit,and one special character and password " \
  "length should be in between 8 to 32."
#define MSG_MEBX_PASSWORD "MEBx password is required field should contains at least one " \
  "lowercase letter, one uppercase letter, one numeric digit,and one special character and " \
  "password length should be in between 8 to 32."

static JsonNode *
profile_to_json (gpointer record)
{
  ObProfile *profile = record;
  g_autoptr(JsonObject) object = json_object_new ();
  JsonArray *tags = json_array_new ();
  JsonArray *wifi = json_array_new ();
  const char * const *profile_tags = ob_profile_get_tags (profile);
  GPtrArray *links = ob_profile_get_wifi_links (profile);
  g_autofree char *version = _ob_rps_version_string (ob_profile_get_version (profile));
  guint tls_mode = ob_profile_get_tls_mode (profile);

  for (guint i = 0; profile_tags != NULL && profile_tags[i] != NULL; i++)
    json_array_add_string_element (tags, profile_tags[i]);

  for (guint i = 0; links != NULL && i < links->len; i++)
    {
      ObProfileWifiLink *link = g_ptr_array_index (links, i);
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "profileName", link->name);
      json_object_set_int_member (entry, "priority", link->priority);
      json_array_add_object_element (wifi, entry);
    }

  json_object_set_string_member (object, "profileName", ob_profile_get_name (profile));
  _ob_rps_set_string (object, "activation", ob_profile_get_activation (profile));
  _ob_rps_set_string (object, "ciraConfigName", ob_profile_get_cira_config_name (profile));
  json_object_set_boolean_member (object, "generateRandomPassword",
                                  ob_profile_get_generate_random_password (profile));
  json_object_set_boolean_member (object, "generateRandomMEBxPassword",
                                  ob_profile_get_generate_random_mebx_password (profile));
  json_object_set_array_member (object, "tags", tags);
  json_object_set_boolean_member (object, "dhcpEnabled", ob_profile_get_dhcp_enabled (profile));
  if (tls_mode != 0)
    json_object_set_int_member (object, "tlsMode", tls_mode);
  else
    json_object_set_null_member (object, "tlsMode");
  _ob_rps_set_string (object, "userConsent", ob_profile_get_user_consent (profile));
  json_object_set_boolean_member (object, "iderEnabled", ob_profile_get_ider_enabled (profile));
  json_object_set_boolean_member (object, "kvmEnabled", ob_profile_get_kvm_enabled (profile));
  json_object_set_boolean_member (object, "solEnabled", ob_profile_get_sol_enabled (profile));
  _ob_rps_set_string (object, "tenantId", ob_profile_get_tenant_id (profile));
  _ob_rps_set_string (object, "tlsSigningAuthority",
                      ob_profile_get_tls_signing_authority (profile));
  json_object_set_string_member (object, "version", version);
  _ob_rps_set_string (object, "ieee8021xProfileName",
                      ob_profile_get_ieee8021x_profile_name (profile));
  json_object_set_array_member (object, "wifiConfigs", wifi);
  json_object_set_boolean_member (object, "ipSyncEnabled", ob_profile_get_ip_sync_enabled (profile));
  json_object_set_boolean_member (object, "localWifiSyncEnabled",
                                  ob_profile_get_local_wifi_sync_enabled (profile));

  return json_node_init_object (json_node_alloc (), object);
}

static gboolean
absent_or_null (JsonNode *node)
{
  return node == NULL || _ob_rps_is_null (node);
}

/* JavaScript truthiness of a flag. */
static gboolean
is_true (JsonNode *node)
{
  gboolean value = FALSE;

  return _ob_rps_boolean (node, &value) && value;
}

static gboolean
is_json_false (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_BOOLEAN && !json_node_get_boolean (node);
}

static void
check_boolean (ObApiValidation *v,
               JsonObject      *body,
               const char      *name,
               const char      *msg)
{
  JsonNode *node = _ob_rps_field (body, name);

  if (node != NULL && !_ob_rps_boolean (node, NULL))
    _ob_rps_error (v, node, msg, name);
}

/* Whether the stored profile holds a static MEBx password. */
static gboolean
has_stored_mebx (ObProfile *old)
{
  return old != NULL
         && g_strcmp0 (ob_profile_get_activation (old), OB_PROFILE_ACTIVATION_ACM) == 0
         && !ob_profile_get_generate_random_mebx_password (old);
}

static void
validate_wifi (ObStore         *store,
               JsonObject      *body,
               gboolean         patch,
               ObApiValidation *v)
{
  JsonNode *wifi = _ob_rps_field (body, "wifiConfigs");
  JsonNode *dhcp = _ob_rps_field (body, "dhcpEnabled");
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *array;
  gboolean bad_entry = FALSE, bad_priority = FALSE;
  guint n;

  if (absent_or_null (wifi))
    return;

  if (!JSON_NODE_HOLDS_ARRAY (wifi))
    {
      _ob_rps_error (v, wifi, NULL, "wifiConfigs");
      return;
    }

  array = json_node_get_array (wifi);
  n = json_array_get_length (array);
  if (n == 0)
    return;

  if (patch && dhcp == NULL)
    _ob_rps_error (v, wifi, "DHCP enabled should be true", "wifiConfigs");
  else if (!is_true (dhcp))
    _ob_rps_error (v, wifi, "Wifi supports only DHCP in AMT", "wifiConfigs");

  if (n > MAX_WIFI_CONFIGS)
    {
      _ob_rps_error (v, wifi, "A maximum of 8 wifi profiles can be stored at a time.",
                     "wifiConfigs");
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *entry;
      const char *name;
      gint64 priority;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          bad_entry = TRUE;
          continue;
        }
      entry = json_node_get_object (element);
      name = ob_api_json_get_string (entry, "profileName");
      if (name == NULL || name[0] == '\0')
        {
          bad_entry = TRUE;
          continue;
        }

      if (!_ob_rps_json_int (json_object_get_member (entry, "priority"), &priority)
          || priority < 1 || priority > 255)
        bad_priority = TRUE;

      /* The same network twice would break the links' key. */
      if (!g_hash_table_add (seen, g_ascii_strdown (name, -1)))
        bad_entry = TRUE;

      {
        g_autoptr(ObWirelessConfig) config = ob_store_get_wireless_config (store, name, NULL);

        if (config == NULL)
          g_string_append_printf (missing, "%s%s", missing->len > 0 ? "," : "", name);
      }
    }

  if (bad_entry)
    _ob_rps_error (v, wifi, NULL, "wifiConfigs");
  if (bad_priority)
    _ob_rps_error (v, wifi, "wifi config priority should be an integer and between 1 and 255",
                   "wifiConfigs");
  if (missing->len > 0)
    {
      g_autofree char *msg = g_strdup_printf ("wifi configs %s does not exists in db", missing->str);

      _ob_rps_error (v, wifi, msg, "wifiConfigs");
    }
}

/* @old: the stored profile on PATCH, NULL on POST. */
static void
validate_profile (ObApiRequest    *request,
                  JsonObject      *body,
                  ObProfile       *old,
                  ObApiValidation *v)
{
  static const char * const activations[] = { OB_PROFILE_ACTIVATION_ACM, OB_PROFILE_ACTIVATION_CCM, NULL };
  static const char * const authorities[] = { OB_PROFILE_TLS_AUTHORITY_SELF_SIGNED,
                                              OB_PROFILE_TLS_AUTHORITY_MICROSOFT_CA, NULL };
  static const char * const consents[] = { OB_PROFILE_USER_CONSENT_NONE, OB_PROFILE_USER_CONSENT_ALL,
                                           OB_PROFILE_USER_CONSENT_KVM, NULL };
  ObStore *store = _ob_api_server_get_store (request->server);
  gboolean patch = old != NULL;
  JsonNode *name = _ob_rps_field (body, "profileName");
  JsonNode *activation = _ob_rps_field (body, "activation");
  JsonNode *amt = _ob_rps_field (body, "amtPassword");
  JsonNode *gen_amt = _ob_rps_field (body, "generateRandomPassword");
  JsonNode *mebx = _ob_rps_field (body, "mebxPassword");
  JsonNode *gen_mebx = _ob_rps_field (body, "generateRandomMEBxPassword");
  JsonNode *tls_mode = _ob_rps_field (body, "tlsMode");
  JsonNode *tls_authority = _ob_rps_field (body, "tlsSigningAuthority");
  JsonNode *cira = _ob_rps_field (body, "ciraConfigName");
  JsonNode *tags = _ob_rps_field (body, "tags");
  JsonNode *dhcp = _ob_rps_field (body, "dhcpEnabled");
  JsonNode *ieee = _ob_rps_field (body, "ieee8021xProfileName");
  JsonNode *consent = _ob_rps_field (body, "userConsent");
  g_autofree char *name_text = _ob_rps_text (name);
  g_autofree char *activation_text = _ob_rps_text (activation);
  g_autofree char *amt_text = _ob_rps_text (amt);
  g_autofree char *mebx_text = _ob_rps_text (mebx);
  g_autofree char *authority_text = _ob_rps_text (tls_authority);
  g_autofree char *ieee_text = _ob_rps_text (ieee);
  g_autofree char *consent_text = _ob_rps_text (consent);
  const char *merged_activation;
  gboolean activation_ok;

  activation_ok = activation_text != NULL && g_strv_contains (activations, activation_text);
  merged_activation = activation_ok ? activation_text
                      : old != NULL ? ob_profile_get_activation (old) : NULL;

  if (_ob_rps_is_empty (name))
    _ob_rps_error (v, name, "AMT profile name is required", "profileName");
  if (!_ob_rps_is_profile_name (name_text))
    _ob_rps_error (v, name, "AMT profile name accepts letters, numbers, special characters and no spaces",
                   "profileName");

  if (!patch || activation != NULL)
    {
      if (!patch && _ob_rps_is_empty (activation))
        _ob_rps_error (v, activation, "Activation is required", "activation");
      if (!activation_ok)
        _ob_rps_error (v, activation,
                       "Activation accepts either acmactivate (admin control activation) or "
                       "ccmactivate (client control mode activation)",
                       "activation");
      if (!patch && absent_or_null (amt) && !is_true (gen_amt))
        _ob_rps_error (v, activation,
                       "Either generateRandomPassword should be enabled or provide amtPassword",
                       "activation");
      if (g_strcmp0 (activation_text, OB_PROFILE_ACTIVATION_ACM) == 0
          && absent_or_null (mebx) && !is_true (gen_mebx) && !has_stored_mebx (old)
          && !(old != NULL && gen_mebx == NULL && ob_profile_get_generate_random_mebx_password (old)))
        _ob_rps_error (v, activation, "MEBx Password is required for acmactivate", "activation");
    }

  if (!absent_or_null (amt) || is_json_false (gen_amt))
    {
      if (!_ob_rps_is_strong_password (ob_api_json_node_is_string (amt) ? amt_text : NULL))
        _ob_rps_error (v, NULL, MSG_AMT_PASSWORD, "amtPassword");
    }

  if (gen_amt != NULL)
    {
      gboolean value;

      if (!_ob_rps_boolean (gen_amt, &value))
        _ob_rps_error (v, gen_amt, "Generate random AMT password must be a boolean true or false",
                       "generateRandomPassword");
      else if (value && !absent_or_null (amt))
        _ob_rps_error (v, gen_amt,
                       "Either generate Random AMT Password should be enabled or should provide "
                       "AMT Password but not both",
                       "generateRandomPassword");
      else if (!value && absent_or_null (amt)
               && (!patch || ob_profile_get_generate_random_password (old)))
        _ob_rps_error (v, gen_amt,
                       "If generate random AMT password is disabled, amtPassword is mandatory",
                       "generateRandomPassword");
    }

  if (!absent_or_null (mebx)
      && !_ob_rps_is_strong_password (ob_api_json_node_is_string (mebx) ? mebx_text : NULL))
    _ob_rps_error (v, NULL, MSG_MEBX_PASSWORD, "mebxPassword");

  if (gen_mebx != NULL)
    {
      gboolean value;

      if (!_ob_rps_boolean (gen_mebx, &value))
        _ob_rps_error (v, gen_mebx, "Generate random MEBx password must be a boolean true or false",
                       "generateRandomMEBxPassword");
      else if (g_strcmp0 (merged_activation, OB_PROFILE_ACTIVATION_ACM) == 0)
        {
          if (value && !absent_or_null (mebx))
            _ob_rps_error (v, gen_mebx,
                           "Either generate MEBx password should be enabled or should provide "
                           "MEBx password, but not both",
                           "generateRandomMEBxPassword");
          else if (!value && absent_or_null (mebx) && !has_stored_mebx (old))
            _ob_rps_error (v, gen_mebx,
                           "If generate random MEBx password is disabled, mebxPassword is mandatory",
                           "generateRandomMEBxPassword");
        }
    }

  if (!absent_or_null (tls_mode) && !_ob_rps_int (tls_mode, 1, 4, NULL))
    _ob_rps_error (v, tls_mode,
                   "tlsMode must be set to one of these values: 1 (Server Authentication Only), "
                   "2 (Server and Non-TLS Authentication), 3 (Mutual TLS only), 4 (Mutual and "
                   "Non-TLS authentication)",
                   "tlsMode");

  if (!absent_or_null (tls_authority)
      && (authority_text == NULL || !g_strv_contains (authorities, authority_text)))
    _ob_rps_error (v, tls_authority, "TLS Signing Authority must be one of SelfSigned,MicrosoftCA",
                   "tlsSigningAuthority");

  if (!absent_or_null (cira))
    {
      if (!ob_api_json_node_is_string (cira) || json_node_get_string (cira)[0] == '\0')
        _ob_rps_error (v, cira, NULL, "ciraConfigName");
      if (!absent_or_null (tls_mode))
        _ob_rps_error (v, cira, "CIRA cannot be configured if TLS is enabled", "ciraConfigName");
    }

  if (!absent_or_null (tags))
    {
      gboolean ok = JSON_NODE_HOLDS_ARRAY (tags)
                    && json_array_get_length (json_node_get_array (tags)) <= MAX_TAGS;

      for (guint i = 0; ok && i < json_array_get_length (json_node_get_array (tags)); i++)
        ok = ob_api_json_node_is_string (json_array_get_element (json_node_get_array (tags), i));
      if (!ok)
        _ob_rps_error (v, tags, NULL, "tags");
    }

  if (!patch && _ob_rps_is_empty (dhcp))
    _ob_rps_error (v, dhcp, NULL, "dhcpEnabled");
  if ((!patch || dhcp != NULL) && !_ob_rps_boolean (dhcp, NULL))
    _ob_rps_error (v, dhcp, "DHCP enabled must be a boolean", "dhcpEnabled");
  check_boolean (v, body, "ipSyncEnabled", "ipSyncEnabled must be a boolean");
  check_boolean (v, body, "localWifiSyncEnabled", "localWifiSyncEnabled must be a boolean");

  validate_wifi (store, body, patch, v);

  if (!absent_or_null (ieee))
    {
      g_autoptr(ObIeee8021xConfig) config = NULL;

      if (ieee_text != NULL && ieee_text[0] != '\0')
        config = ob_store_get_ieee8021x_config (store, ieee_text, NULL);

      if (config == NULL)
        {
          g_autofree char *msg = patch
            ? g_strdup_printf ("IEEEProfile config %s does not exists in db", ieee_text ? ieee_text : "")
            : g_strdup_printf ("Ieee8021x profile %s does not exist in db", ieee_text ? ieee_text : "");

          _ob_rps_error (v, ieee, msg, "ieee8021xProfileName");
        }
      else if (!ob_ieee8021x_config_get_wired_interface (config))
        {
          g_autofree char *msg = g_strdup_printf ("Ieee8021x profile %s is for wireless interfaces",
                                                  ieee_text);

          _ob_rps_error (v, ieee, msg, "ieee8021xProfileName");
        }
    }

  if (!absent_or_null (consent))
    {
      if (consent_text == NULL || !g_strv_contains (consents, consent_text))
        _ob_rps_error (v, consent, "User consent must be one of None,All,KVM", "userConsent");
      if (g_strcmp0 (merged_activation, OB_PROFILE_ACTIVATION_CCM) == 0
          && g_strcmp0 (consent_text, OB_PROFILE_USER_CONSENT_ALL) != 0)
        _ob_rps_error (v, consent,
                       "User consent is required for all the actions in client control mode",
                       "userConsent");
    }

  check_boolean (v, body, "iderEnabled", "IDER enabled must be a boolean");
  check_boolean (v, body, "kvmEnabled", "KVM enabled must be a boolean");
  check_boolean (v, body, "solEnabled", "Serial Over Lan (sol) enabled must be a boolean");

  if (patch)
    {
      gint64 version;

      if (!_ob_rps_request_version (request, TRUE, &version))
        _ob_rps_error (v, _ob_rps_field (body, "version"),
                       "Version is required to patch/update a record.", "version");
    }
}

/* ------------------------------------------------------------------------
 * Building the record
 * ------------------------------------------------------------------------ */

static gboolean
field_boolean (JsonObject *body,
               const char *name,
               gboolean    fallback)
{
  gboolean value;

  if (_ob_rps_boolean (_ob_rps_field (body, name), &value))
    return value;

  return fallback;
}

static void
apply_wifi (ObProfile  *profile,
            JsonObject *body)
{
  JsonNode *wifi = _ob_rps_field (body, "wifiConfigs");
  JsonArray *array;

  ob_profile_clear_wifi_links (profile);
  if (wifi == NULL || !JSON_NODE_HOLDS_ARRAY (wifi))
    return;

  array = json_node_get_array (wifi);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *entry = json_node_get_object (json_array_get_element (array, i));
      gint64 priority = 0;

      _ob_rps_json_int (json_object_get_member (entry, "priority"), &priority);
      ob_profile_add_wifi_link (profile, ob_api_json_get_string (entry, "profileName"),
                                (guint) priority);
    }
}

static void
apply_tags (ObProfile  *profile,
            JsonObject *body)
{
  JsonNode *tags = _ob_rps_field (body, "tags");
  g_autoptr(GPtrArray) list = g_ptr_array_new ();

  if (tags != NULL && JSON_NODE_HOLDS_ARRAY (tags))
    {
      JsonArray *array = json_node_get_array (tags);

      for (guint i = 0; i < json_array_get_length (array); i++)
        g_ptr_array_add (list, (gpointer) json_node_get_string (json_array_get_element (array, i)));
    }
  g_ptr_array_add (list, NULL);

  ob_profile_set_tags (profile, (const char * const *) list->pdata);
}

/* POST: every field from @body with the reference's defaults.  PATCH
 * (@profile holds the stored values): fields present replace, except the
 * three the reference takes as sent (CIRA config, TLS mode, 802.1x). */
static void
apply_body (gpointer    record,
            JsonObject *body,
            gboolean    patch)
{
  ObProfile *profile = record;
  g_autofree char *activation = _ob_rps_dup_text (body, "activation");
  g_autofree char *cira = _ob_rps_dup_text (body, "ciraConfigName");
  g_autofree char *ieee = _ob_rps_dup_text (body, "ieee8021xProfileName");
  g_autofree char *authority = _ob_rps_dup_text (body, "tlsSigningAuthority");
  g_autofree char *consent = _ob_rps_dup_text (body, "userConsent");
  gboolean acm, random_amt, random_mebx;
  gint64 tls_mode = 0;

  if (activation != NULL && activation[0] != '\0')
    ob_profile_set_activation (profile, activation);
  acm = g_strcmp0 (ob_profile_get_activation (profile), OB_PROFILE_ACTIVATION_ACM) == 0;

  /* A password sent now is static; otherwise the flag as sent, or as it
   * was (a new record starts with both off). */
  if (!absent_or_null (_ob_rps_field (body, "amtPassword")))
    random_amt = FALSE;
  else
    random_amt = field_boolean (body, "generateRandomPassword",
                                ob_profile_get_generate_random_password (profile));
  if (!absent_or_null (_ob_rps_field (body, "mebxPassword")))
    random_mebx = FALSE;
  else
    random_mebx = field_boolean (body, "generateRandomMEBxPassword",
                                 ob_profile_get_generate_random_mebx_password (profile));
  ob_profile_set_generate_random_password (profile, random_amt);
  ob_profile_set_generate_random_mebx_password (profile, random_mebx);
  if (!acm)
    ob_profile_set_generate_random_mebx_password (profile, FALSE);

  _ob_rps_int (_ob_rps_field (body, "tlsMode"), 1, 4, &tls_mode);
  ob_profile_set_tls_mode (profile, (guint) tls_mode);
  if (tls_mode == 0)
    ob_profile_set_tls_signing_authority (profile, NULL);
  else if (authority != NULL && authority[0] != '\0')
    ob_profile_set_tls_signing_authority (profile, authority);
  else if (ob_profile_get_tls_signing_authority (profile) == NULL)
    ob_profile_set_tls_signing_authority (profile, OB_PROFILE_TLS_AUTHORITY_SELF_SIGNED);

  ob_profile_set_cira_config_name (profile, cira != NULL && cira[0] != '\0' ? cira : NULL);
  ob_profile_set_ieee8021x_profile_name (profile, ieee != NULL && ieee[0] != '\0' ? ieee : NULL);

  if (!patch || json_object_has_member (body, "tags"))
    apply_tags (profile, body);

  /* The record's own values are the fallbacks: on POST ObProfile's
   * defaults, which are the reference's (KVM on, SOL, IDER and the syncs
   * off). */
  ob_profile_set_dhcp_enabled (profile, field_boolean (body, "dhcpEnabled",
                                                       ob_profile_get_dhcp_enabled (profile)));
  ob_profile_set_ip_sync_enabled (profile, field_boolean (body, "ipSyncEnabled",
                                                          ob_profile_get_ip_sync_enabled (profile)));
  ob_profile_set_local_wifi_sync_enabled (profile,
                                          field_boolean (body, "localWifiSyncEnabled",
                                                         ob_profile_get_local_wifi_sync_enabled (profile)));
  ob_profile_set_ider_enabled (profile, field_boolean (body, "iderEnabled",
                                                       ob_profile_get_ider_enabled (profile)));
  ob_profile_set_kvm_enabled (profile, field_boolean (body, "kvmEnabled",
                                                      ob_profile_get_kvm_enabled (profile)));
  ob_profile_set_sol_enabled (profile, field_boolean (body, "solEnabled",
                                                      ob_profile_get_sol_enabled (profile)));

  if (!ob_profile_get_dhcp_enabled (profile))
    ob_profile_clear_wifi_links (profile);
  else if (!patch || json_object_has_member (body, "wifiConfigs"))
    apply_wifi (profile, body);

  /* Client control mode always asks the user (the validator enforces it
   * for a value sent; a profile switched to CCM gets it too). */
  if (!acm)
    ob_profile_set_user_consent (profile, OB_PROFILE_USER_CONSENT_ALL);
  else if (consent != NULL && consent[0] != '\0')
    ob_profile_set_user_consent (profile, consent);
  else if (!patch || ob_profile_get_user_consent (profile) == NULL)
    ob_profile_set_user_consent (profile, OB_PROFILE_USER_CONSENT_KVM);
}

/* ------------------------------------------------------------------------
 * The table's hooks
 * ------------------------------------------------------------------------ */

/* On PATCH the rules see the stored profile; without one (the 404 comes
 * after the field rules, as in the reference), a blank one. */
static gboolean
validate_request (ObApiRequest    *request,
                  JsonObject      *body,
                  gboolean         patch,
                  ObApiValidation *v)
{
  g_autofree char *name = _ob_rps_dup_text (body, "profileName");
  g_autoptr(ObProfile) old = NULL;
  g_autoptr(GError) error = NULL;

  if (!patch)
    {
      validate_profile (request, body, NULL, v);
      return TRUE;
    }

  if (name != NULL && name[0] != '\0' && _ob_rps_is_profile_name (name))
    {
      old = ob_store_get_profile (_ob_api_server_get_store (request->server), name, &error);
      if (old == NULL && !g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        {
          _ob_api_rps_respond_failed (request, name, error);
          return FALSE;
        }
    }

  if (old == NULL)
    {
      old = ob_profile_new ("");
      ob_profile_set_activation (old, OB_PROFILE_ACTIVATION_CCM);
    }
  validate_profile (request, body, old, v);

  return TRUE;
}

static void
respond_missing_cira (ObApiRequest *request,
                      const char   *cira,
                      const char   *detail)
{
  g_autofree char *error = g_strdup_printf ("Foreign key constraint violation: %s", detail);
  g_autofree char *message = g_strdup_printf ("Referenced constraint %s doesn't exist", cira);

  _ob_api_rps_respond_error (request, SOUP_STATUS_BAD_REQUEST, error, message);
}

/* The CIRA config a profile names must exist (the reference's foreign key). */
static gboolean
check_cira_exists (ObApiRequest *request,
                   gpointer      record)
{
  ObProfile *profile = record;
  const char *cira = ob_profile_get_cira_config_name (profile);
  g_autoptr(ObCiraConfig) config = NULL;
  g_autofree char *detail = NULL;

  if (cira == NULL)
    return TRUE;

  config = ob_store_get_cira_config (_ob_api_server_get_store (request->server), cira, NULL);
  if (config != NULL)
    {
      /* Stored as the config spells it. */
      ob_profile_set_cira_config_name (profile, ob_cira_config_get_name (config));
      return TRUE;
    }

  detail = g_strdup_printf ("CIRA config “%s” does not exist", cira);
  respond_missing_cira (request, cira, detail);
  return FALSE;
}

static gboolean
respond_write_error (ObApiRequest *request,
                     gpointer      record,
                     const GError *error)
{
  const char *cira = ob_profile_get_cira_config_name (record);

  if (!g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_MISSING_REFERENCE))
    return FALSE;

  respond_missing_cira (request, cira != NULL ? cira : "", error->message);
  return TRUE;
}

/* Static passwords sent now are stored; ones that became random (or a
 * MEBx password a CCM profile no longer needs) are removed. */
static void
add_secrets (ObApiRequest *request,
             gpointer      record,
             gboolean      created,
             ObRpsSecrets *secrets)
{
  ObProfile *profile = record;
  JsonObject *body = ob_api_request_get_body_object (request);
  const char *name = ob_profile_get_name (profile);
  gboolean acm = g_strcmp0 (ob_profile_get_activation (profile), OB_PROFILE_ACTIVATION_ACM) == 0;
  g_autofree char *amt = _ob_rps_dup_text (body, "amtPassword");
  g_autofree char *mebx = _ob_rps_dup_text (body, "mebxPassword");

  if (amt != NULL && !ob_profile_get_generate_random_password (profile))
    _ob_rps_secrets_set (secrets, OB_SECRET_OWNER_PROFILE, name, OB_SECRET_KIND_AMT_PASSWORD, amt);
  else if (!created && ob_profile_get_generate_random_password (profile))
    _ob_rps_secrets_clear (secrets, OB_SECRET_OWNER_PROFILE, name, OB_SECRET_KIND_AMT_PASSWORD);

  if (mebx != NULL && acm && !ob_profile_get_generate_random_mebx_password (profile))
    _ob_rps_secrets_set (secrets, OB_SECRET_OWNER_PROFILE, name, OB_SECRET_KIND_MEBX_PASSWORD, mebx);
  else if (!created && (!acm || ob_profile_get_generate_random_mebx_password (profile)))
    _ob_rps_secrets_clear (secrets, OB_SECRET_OWNER_PROFILE, name, OB_SECRET_KIND_MEBX_PASSWORD);

  if (amt != NULL)
    ob_secure_clear (amt, strlen (amt));
  if (mebx != NULL)
    ob_secure_clear (mebx, strlen (mebx));
}

const ObApiResource _ob_api_profiles_resource = {
  .path = "profiles",
  .key_field = "profileName",
  .get_type = ob_profile_get_type,
  .list = ob_store_list_profiles,
  .get = (ObApiResourceGetFunc) ob_store_get_profile,
  .insert = (ObApiResourceWriteFunc) ob_store_insert_profile,
  .update = (ObApiResourceWriteFunc) ob_store_update_profile,
  .remove = ob_store_delete_profile,
  .to_json = profile_to_json,
  .not_found_type = "AMT",
  .duplicate_message = "AMT profile %s already exists",
  .log_name = "profile",
  .secret_owner = OB_SECRET_OWNER_PROFILE,
  .version_from_if_match = TRUE,
  .validate = validate_request,
  .apply = apply_body,
  .check = check_cira_exists,
  .respond_write_error = respond_write_error,
  .add_secrets = add_secrets,
};
