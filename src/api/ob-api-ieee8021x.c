/* ob-api-ieee8021x.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-resource.h"

/* /api/v1/admin/ieee8021xconfigs (rps-rpc-activation.md §1.5).  The
 * reference keeps no secret for these (802.1x credentials come from the
 * enterprise assistant at configuration time). */

#define DEFAULT_PXE_TIMEOUT 120

#define MSG_USED_BY_PROFILE  "802.1x config: %s is associated with an AMT Profile."
#define MSG_USED_BY_WIRELESS "802.1x config: %s is associated with a wireless profile."

static JsonNode *
ieee8021x_to_json (gpointer record)
{
  ObIeee8021xConfig *config = record;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *version = _ob_rps_version_string (ob_ieee8021x_config_get_version (config));

  json_object_set_string_member (object, "profileName", ob_ieee8021x_config_get_name (config));
  json_object_set_int_member (object, "authenticationProtocol",
                              ob_ieee8021x_config_get_authentication_protocol (config));
  json_object_set_int_member (object, "pxeTimeout", ob_ieee8021x_config_get_pxe_timeout (config));
  json_object_set_boolean_member (object, "wiredInterface",
                                  ob_ieee8021x_config_get_wired_interface (config));
  _ob_rps_set_string (object, "tenantId", ob_ieee8021x_config_get_tenant_id (config));
  json_object_set_string_member (object, "version", version);

  return json_node_init_object (json_node_alloc (), object);
}

static gboolean
validate_ieee8021x (ObApiRequest    *request,
                    JsonObject      *body,
                    gboolean         patch,
                    ObApiValidation *v)
{
  static const char * const wired_protocols[] = { "0", "3", "5", "10", "2", NULL };
  static const char * const wireless_protocols[] = { "0", "2", NULL };
  JsonNode *name = _ob_rps_field (body, "profileName");
  JsonNode *wired = _ob_rps_field (body, "wiredInterface");
  JsonNode *protocol = _ob_rps_field (body, "authenticationProtocol");
  JsonNode *pxe = _ob_rps_field (body, "pxeTimeout");
  g_autofree char *name_text = _ob_rps_text (name);
  g_autofree char *protocol_text = _ob_rps_text (protocol);
  gboolean is_wired = TRUE;
  gint64 value;

  if (_ob_rps_is_empty (name))
    _ob_rps_error (v, name, "802.1x profile name is required", "profileName");
  if (!_ob_rps_is_alnum (name_text))
    _ob_rps_error (v, name, "802.1x profile name should be alphanumeric", "profileName");
  if (name_text != NULL && strlen (name_text) > 32)
    _ob_rps_error (v, name, "802.1x profile name maximum length is 32", "profileName");

  if (_ob_rps_is_empty (wired))
    _ob_rps_error (v, wired, "Wired interface flag is required", "wiredInterface");
  else if (!_ob_rps_boolean (wired, &is_wired))
    _ob_rps_error (v, wired, NULL, "wiredInterface");

  /* The reference compares JSON numbers: "0" is not 0. */
  if (_ob_rps_is_empty (protocol))
    _ob_rps_error (v, protocol, "Authentication protocol is required", "authenticationProtocol");
  if (!(_ob_rps_json_int (protocol, &value)
        && g_strv_contains (is_wired ? wired_protocols : wireless_protocols, protocol_text)))
    _ob_rps_error (v, protocol,
                   is_wired
                   ? "Authentication protocol must be one of 0:EAP-TLS, 3:PEAPv1/EAP-GTC, "
                     "5:EAP-FAST/GTC, 10:EAP-FAST/TLS, 2:PEAPv0/EAP-MSCHAPv2"
                   : "Authentication protocol must be one of 0:EAP-TLS, 2:PEAPv0/EAP-MSCHAPv2",
                   "authenticationProtocol");

  if (is_wired)
    {
      if (_ob_rps_is_empty (pxe))
        _ob_rps_error (v, pxe, "PXE Timeout is required", "pxeTimeout");
      if (!_ob_rps_json_int (pxe, &value))
        _ob_rps_error (v, pxe, "PXE Timeout must be number", "pxeTimeout");
      else if (value < 0 || value > 86400)
        _ob_rps_error (v, pxe, "PXE Timeout value should be 0 - 86400", "pxeTimeout");
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
  ObIeee8021xConfig *config = record;
  gboolean wired = TRUE;
  gint64 protocol = 0;
  gint64 pxe = DEFAULT_PXE_TIMEOUT;

  _ob_rps_boolean (_ob_rps_field (body, "wiredInterface"), &wired);
  _ob_rps_int (_ob_rps_field (body, "authenticationProtocol"), 0, 10, &protocol);
  if (!_ob_rps_json_int (_ob_rps_field (body, "pxeTimeout"), &pxe) || pxe < 0 || pxe > 86400)
    pxe = DEFAULT_PXE_TIMEOUT;

  ob_ieee8021x_config_set_wired_interface (config, wired);
  ob_ieee8021x_config_set_authentication_protocol (config, (guint) protocol);
  ob_ieee8021x_config_set_pxe_timeout (config, (guint) pxe);
}

/* The reference's message for the kind of record that uses the config;
 * NULL when none does. */
static const char *
find_user (ObStore     *store,
           const char  *name,
           GError     **error)
{
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GPtrArray) wireless = NULL;

  profiles = ob_store_list_profiles (store, NULL, NULL, error);
  if (profiles == NULL)
    return NULL;
  for (guint i = 0; i < profiles->len; i++)
    {
      const char *used = ob_profile_get_ieee8021x_profile_name (g_ptr_array_index (profiles, i));

      if (used != NULL && g_ascii_strcasecmp (used, name) == 0)
        return MSG_USED_BY_PROFILE;
    }

  wireless = ob_store_list_wireless_configs (store, NULL, NULL, error);
  if (wireless == NULL)
    return NULL;
  for (guint i = 0; i < wireless->len; i++)
    {
      const char *used = ob_wireless_config_get_ieee8021x_profile_name (g_ptr_array_index (wireless, i));

      if (used != NULL && g_ascii_strcasecmp (used, name) == 0)
        return MSG_USED_BY_WIRELESS;
    }

  return NULL;
}

const ObApiResource _ob_api_ieee8021x_resource = {
  .path = "ieee8021xconfigs",
  .key_field = "profileName",
  .get_type = ob_ieee8021x_config_get_type,
  .list = ob_store_list_ieee8021x_configs,
  .get = (ObApiResourceGetFunc) ob_store_get_ieee8021x_config,
  .insert = (ObApiResourceWriteFunc) ob_store_insert_ieee8021x_config,
  .update = (ObApiResourceWriteFunc) ob_store_update_ieee8021x_config,
  .remove = ob_store_delete_ieee8021x_config,
  .to_json = ieee8021x_to_json,
  .not_found_type = "802.1x",
  .duplicate_message = "802.1x config: %s already exists",
  .in_use_error = "Error",
  .in_use_message = MSG_USED_BY_PROFILE,
  .log_name = "802.1x config",
  .validate = validate_ieee8021x,
  .apply = apply_body,
  .find_user = find_user,
};
