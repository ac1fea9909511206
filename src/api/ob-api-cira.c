/* ob-api-cira.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-private.h"
#include "ob-cert-authority.h"
#include "ob-error.h"
#include "ob-util.h"

/* The routes that exist for devices calling home (mps-cira-apf.md §4.3,
 * §4.5): DELETE devices/disconnect/:guid closes a device's CIRA session,
 * DELETE devices/refresh/:guid reloads its AMT password from the keyring,
 * GET ciracert hands out the root RPS installs in AMT. */

#define DISCONNECTED_TEXT    "Device CIRA connection disconnected"
#define REFRESHED_TEXT       "Device info refreshed"
#define REFRESH_FAILED_TEXT  "Exception during Device Refresh"
#define NO_ROOT_TEXT         "MPS root certificate does not exist"

/* param('guid').isUUID('loose'): answers 400 and returns FALSE if not. */
static gboolean
check_guid_param (ObApiRequest    *request,
                  ObApiValidation *validation)
{
  if (!ob_uuid_is_valid (request->param))
    {
      g_autoptr(JsonNode) value = json_node_init_string (json_node_alloc (),
                                                         request->param != NULL ? request->param : "");

      ob_api_validation_add (validation, value, NULL, "guid", "params");
    }

  return !ob_api_validation_failed (validation);
}

/* {"success":200,"description":"<text> : <guid>"} */
static void
respond_success (ObApiRequest *request,
                 const char   *text)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *description = g_strdup_printf ("%s : %s", text, request->param);

  json_object_set_int_member (object, "success", SOUP_STATUS_OK);
  json_object_set_string_member (object, "description", description);
  node = json_node_init_object (json_node_alloc (), object);
  ob_api_request_respond_json (request, SOUP_STATUS_OK, node);
}

/* ------------------------------------------------------------------------
 * DELETE /devices/disconnect/:guid
 * ------------------------------------------------------------------------ */

void
_ob_api_devices_disconnect (ObApiRequest *request)
{
  ObMpsServer *mps = _ob_api_server_get_mps (request->server);
  g_auto(ObApiValidation) validation = { NULL };

  ob_api_validation_init (&validation);
  check_guid_param (request, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  /* The connected-device check, then the socket goes; the session's close
   * marks the device disconnected in the registry and the store. */
  if (mps == NULL || !ob_mps_server_disconnect_device (mps, request->param))
    {
      ob_api_request_respond_device_not_found (request);
      return;
    }

  g_info ("REST API: closed the CIRA connection of %s", request->param);
  respond_success (request, DISCONNECTED_TEXT);
}

/* ------------------------------------------------------------------------
 * DELETE /devices/refresh/:guid
 * ------------------------------------------------------------------------ */

/* The device the reference keeps in memory while it is connected: a CIRA
 * device with its session, or a device the registry reaches on the LAN. */
static ObDevice *
connected_device (ObApiRequest *request)
{
  ObDeviceRegistry *registry = _ob_api_server_get_registry (request->server);
  ObDevice *device;

  if (registry == NULL || request->param == NULL)
    return NULL;

  device = ob_device_registry_lookup (registry, request->param);
  if (device == NULL)
    return NULL;

  if (ob_device_get_transport (device) == OB_DEVICE_TRANSPORT_CIRA
      && ob_device_get_transport_source (device) == NULL)
    return NULL;

  return device;
}

static void
on_amt_password_read (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = NULL;
  g_autofree char *password = NULL;
  ObDevice *device;

  value = ob_secret_store_lookup_finish (OB_SECRET_STORE (source), result, &error);
  if (error != NULL && ob_error_is_cancelled (error))
    {
      ob_api_request_respond_empty (request, SOUP_STATUS_SERVICE_UNAVAILABLE);
      return;
    }

  /* As the MPS: no credentials (or a keyring that cannot give them) is
   * its refresh exception. */
  if (value == NULL)
    {
      g_message ("REST API: refreshing %s: %s", request->param,
                 error != NULL ? error->message : "no AMT password is stored");
      ob_api_request_respond_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                    OB_API_ERROR_TEXT_500, REFRESH_FAILED_TEXT);
      return;
    }

  /* It may have gone while the keyring answered. */
  device = connected_device (request);
  if (device == NULL)
    {
      ob_api_request_respond_empty (request, SOUP_STATUS_NOT_FOUND);
      return;
    }

  password = g_strndup (g_bytes_get_data (value, NULL), g_bytes_get_size (value));
  ob_device_set_password (device, password);
  ob_secure_clear (password, strlen (password));

  /* And what the device says, read again with the password it has now. */
  ob_device_registry_queue_refresh (_ob_api_server_get_registry (request->server), device);

  respond_success (request, REFRESHED_TEXT);
}

void
_ob_api_devices_refresh (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  g_auto(ObApiValidation) validation = { NULL };
  ObDevice *device;

  /* The reference runs the device body's validator here: the guid (the
   * parameter) and whatever device fields a body carries. */
  ob_api_validation_init (&validation);
  check_guid_param (request, &validation);
  if (body != NULL)
    _ob_api_devices_validate_body (body, FALSE, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  device = connected_device (request);
  if (device == NULL)
    {
      ob_api_request_respond_empty (request, SOUP_STATUS_NOT_FOUND);
      return;
    }

  ob_secret_store_lookup_async (_ob_api_server_get_secrets (request->server),
                                OB_SECRET_OWNER_DEVICE, ob_device_get_guid (device),
                                OB_SECRET_KIND_AMT_PASSWORD, request->cancellable,
                                on_amt_password_read, ob_api_request_ref (request));
}

/* ------------------------------------------------------------------------
 * GET /ciracert
 * ------------------------------------------------------------------------ */

void
_ob_api_ciracert (ObApiRequest *request)
{
  ObMpsServer *mps = _ob_api_server_get_mps (request->server);
  g_autoptr(ObCertAuthority) authority = NULL;
  g_autofree char *pem = NULL;

  if (mps != NULL)
    g_object_get (mps, "authority", &authority, NULL);
  if (authority != NULL)
    pem = ob_cert_authority_dup_root_pem (authority);

  if (pem == NULL)
    {
      ob_api_request_respond_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                    OB_API_ERROR_TEXT_500, NO_ROOT_TEXT);
      return;
    }

  /* Express's res.send of a string. */
  ob_api_request_respond_text (request, SOUP_STATUS_OK, "text/html; charset=utf-8", pem);
}
