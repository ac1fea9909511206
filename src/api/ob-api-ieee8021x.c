/* ob-api-ieee8021x.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-rps-private.h"

/* /api/v1/admin/ieee8021xconfigs (rps-rpc-activation.md §1.5).  The
 * reference keeps no secret for these (802.1x credentials come from the
 * enterprise assistant at configuration time). */

#define TYPE_NAME "802.1x"
#define DEFAULT_PXE_TIMEOUT 120

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

static void
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
}

static void
apply_body (ObIeee8021xConfig *config,
            JsonObject        *body)
{
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

static gboolean
respond_lookup_error (ObApiRequest *request,
                      const char   *name,
                      GError       *error)
{
  if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
    _ob_api_rps_respond_not_found (request, TYPE_NAME, name);
  else
    _ob_api_rps_respond_failed (request, name, error);

  return FALSE;
}

void
_ob_api_ieee8021x_list (ObApiRequest *request)
{
  _ob_api_rps_list (request, (ObRpsListFunc) ob_store_list_ieee8021x_configs, ieee8021x_to_json,
                    FALSE);
}

void
_ob_api_ieee8021x_get (ObApiRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObIeee8021xConfig) config = NULL;
  g_autoptr(JsonNode) node = NULL;

  config = ob_store_get_ieee8021x_config (_ob_api_server_get_store (request->server),
                                          request->param, &error);
  if (config == NULL)
    {
      respond_lookup_error (request, request->param, error);
      return;
    }

  node = ieee8021x_to_json (config);
  _ob_api_rps_respond (request, SOUP_STATUS_OK, node);
}

static void
respond_stored (ObApiRequest *request,
                guint         status,
                const char   *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObIeee8021xConfig) config = NULL;
  g_autoptr(JsonNode) node = NULL;

  config = ob_store_get_ieee8021x_config (_ob_api_server_get_store (request->server), name, &error);
  if (config == NULL)
    {
      _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  node = ieee8021x_to_json (config);
  _ob_api_rps_respond (request, status, node);
}

void
_ob_api_ieee8021x_create (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  ObStore *store = _ob_api_server_get_store (request->server);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObIeee8021xConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  ob_api_validation_init (&validation);
  validate_ieee8021x (request, body, FALSE, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  name = _ob_rps_dup_text (body, "profileName");
  config = ob_ieee8021x_config_new (name);
  ob_ieee8021x_config_set_tenant_id (config, "");
  apply_body (config, body);

  if (!ob_store_insert_ieee8021x_config (store, config, &error))
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE))
        {
          g_autofree char *message = g_strdup_printf ("802.1x config: %s already exists", name);

          _ob_api_rps_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Unique key violation",
                                     message);
        }
      else
        _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  respond_stored (request, SOUP_STATUS_CREATED, ob_ieee8021x_config_get_name (config));
}

void
_ob_api_ieee8021x_update (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  ObStore *store = _ob_api_server_get_store (request->server);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObIeee8021xConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  gint64 version = G_MAXINT64;

  ob_api_validation_init (&validation);
  validate_ieee8021x (request, body, TRUE, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  name = _ob_rps_dup_text (body, "profileName");
  config = ob_store_get_ieee8021x_config (store, name, &error);
  if (config == NULL)
    {
      respond_lookup_error (request, name, error);
      return;
    }

  apply_body (config, body);
  _ob_rps_request_version (request, FALSE, &version);
  ob_ieee8021x_config_set_version (config, version);

  if (!ob_store_update_ieee8021x_config (store, config, &error))
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT))
        {
          g_autoptr(ObIeee8021xConfig) current = ob_store_get_ieee8021x_config (store, name, NULL);

          if (current != NULL)
            {
              g_autoptr(JsonNode) node = ieee8021x_to_json (current);

              _ob_api_rps_respond_conflict (request, node,
                                            ob_ieee8021x_config_get_version (current));
              return;
            }
        }
      respond_lookup_error (request, name, error);
      return;
    }

  respond_stored (request, SOUP_STATUS_OK, ob_ieee8021x_config_get_name (config));
}

/* Which kind of record uses the config, for the reference's message; NULL
 * when none. */
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
        return "an AMT Profile";
    }

  wireless = ob_store_list_wireless_configs (store, NULL, NULL, error);
  if (wireless == NULL)
    return NULL;
  for (guint i = 0; i < wireless->len; i++)
    {
      const char *used = ob_wireless_config_get_ieee8021x_profile_name (g_ptr_array_index (wireless, i));

      if (used != NULL && g_ascii_strcasecmp (used, name) == 0)
        return "a wireless profile";
    }

  return NULL;
}

static void
respond_in_use (ObApiRequest *request,
                const char   *name,
                const char   *user)
{
  g_autofree char *message = g_strdup_printf ("802.1x config: %s is associated with %s.", name, user);

  _ob_api_rps_respond_error (request, SOUP_STATUS_BAD_REQUEST, "Error", message);
}

void
_ob_api_ieee8021x_delete (ObApiRequest *request)
{
  ObStore *store = _ob_api_server_get_store (request->server);
  g_autoptr(ObIeee8021xConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  const char *user;
  const char *name;

  config = ob_store_get_ieee8021x_config (store, request->param, &error);
  if (config == NULL)
    {
      respond_lookup_error (request, request->param, error);
      return;
    }
  name = ob_ieee8021x_config_get_name (config);

  user = find_user (store, name, &error);
  if (error != NULL)
    {
      _ob_api_rps_respond_failed (request, name, error);
      return;
    }
  if (user != NULL)
    {
      respond_in_use (request, name, user);
      return;
    }

  if (!ob_store_delete_ieee8021x_config (store, name, &error))
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE))
        respond_in_use (request, name, "an AMT Profile");
      else
        respond_lookup_error (request, name, error);
      return;
    }

  ob_api_request_respond_empty (request, SOUP_STATUS_NO_CONTENT);
}
