/* ob-api-amt.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "ob-amt-alarms.h"
#include "ob-amt-features.h"
#include "ob-amt-hardware.h"
#include "ob-amt-identity.h"
#include "ob-amt-log-reader.h"
#include "ob-amt-power.h"
#include "ob-amt-status.h"
#include "ob-api-private.h"
#include "ob-error.h"
#include "ob-http-error.h"
#include "ob-util.h"
#include "ob-wsman-client.h"
#include "ob-wsman-error.h"

/* /api/v1/amt/…: each route validates its input as the reference does,
 * finds the device in the registry, runs one typed call (ob-amt-*.h, which
 * already returns the route's JSON) and answers with the reference's
 * status codes and error bodies (mps-cira-apf.md §4.1, §4.4).
 *
 * "Connected" for a device on the LAN: the MPS answers 404 "Device not
 * found/connected" when no CIRA tunnel is open.  Here the same 404 means
 * the GUID is not a managed device, or the device could not be reached
 * when the request tried (refused, unreachable, TLS or certificate
 * failure); the errorDescription then adds why.  A device that answers
 * but fails the call gets the route's own 400/500 body. */

typedef JsonNode *(*AmtFinish) (ObWsmanClient  *client,
                                GAsyncResult   *result,
                                guint          *return_value,
                                GError        **error);

typedef struct _AmtRoute AmtRoute;

typedef void (*AmtStart) (ObApiRequest        *request,
                          ObWsmanClient       *client,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data);

/* Route-specific error handling; TRUE when it answered. */
typedef gboolean (*AmtMapError) (ObApiRequest *request,
                                 const GError *error);

typedef struct _AmtOp AmtOp;

/* After a success: let the device object know. */
typedef void (*AmtAfter) (AmtOp    *op,
                          JsonNode *node);

struct _AmtRoute
{
  /* "<failed> for guid : <guid>." with 400 when the device answered but
   * not as needed; NULL: such failures get the 500 below. */
  const char  *failed;
  /* The 500 errorDescription of the reference's catch branch. */
  const char  *exception;
  /* 200 when ReturnValue is 0, otherwise 400 with the same body. */
  gboolean     return_value_decides;
  /* The reference answers a timed-out power state with 404. */
  guint        timeout_status;
  AmtStart     start;
  AmtFinish    finish;
  AmtMapError  map_error;
  AmtAfter     after;
};

struct _AmtOp
{
  const AmtRoute *route;
  ObDevice       *device;
  ObWsmanClient  *client;
  /* Route arguments. */
  int             action;
  gboolean        use_sol;
  ObAmtBootDetails boot_details;
  char           *url;
  char           *username;
  char           *password;
  char           *boot_path;
  ObAmtFeaturesRequest features;
  int             start_index;
  guint32         consent_code;
  char           *element_name;
  char           *instance_id;
  GDateTime      *start_time;
  guint           interval;
  gboolean        delete_on_completion;
};

static void
amt_op_free (AmtOp *op)
{
  g_clear_object (&op->device);
  g_clear_object (&op->client);
  g_free (op->url);
  g_free (op->username);
  ob_secure_free_string (op->password);
  g_free (op->boot_path);
  g_free (op->element_name);
  g_free (op->instance_id);
  g_clear_pointer (&op->start_time, g_date_time_unref);
  g_free (op);
}

static AmtOp *
amt_op_new (ObApiRequest *request)
{
  AmtOp *op = g_new0 (AmtOp, 1);

  op->features.ocr = -1;
  op->boot_details.enforce_secure_boot = -1;
  ob_api_request_set_data (request, op, (GDestroyNotify) amt_op_free);

  return op;
}

static void
respond_failed (ObApiRequest *request,
                const char   *failed)
{
  g_autofree char *description = g_strdup_printf ("%s for guid : %s.", failed, request->param);

  ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, OB_API_ERROR_TEXT_400,
                                description);
}

/* Failures that mean "this device cannot be talked to right now". */
static gboolean
is_unreachable (const GError *error)
{
  if (error->domain == G_RESOLVER_ERROR || error->domain == G_TLS_ERROR)
    return TRUE;

  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CONNECTION_REFUSED:
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
        case G_IO_ERROR_TIMED_OUT:
        case G_IO_ERROR_NOT_FOUND:
        case G_IO_ERROR_HOST_NOT_FOUND:
        case G_IO_ERROR_NOT_CONNECTED:
          return TRUE;

        default:
          return FALSE;
        }
    }

  if (error->domain == OB_DEVICE_ERROR)
    {
      switch ((ObDeviceError) error->code)
        {
        case OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED:
        case OB_DEVICE_ERROR_CERTIFICATE_MISMATCH:
        case OB_DEVICE_ERROR_TLS_FAILED:
        case OB_DEVICE_ERROR_NOT_CONNECTED:
          return TRUE;

        case OB_DEVICE_ERROR_INVALID_ARGUMENT:
        case OB_DEVICE_ERROR_NOT_FOUND:
        case OB_DEVICE_ERROR_DUPLICATE:
        case OB_DEVICE_ERROR_NO_GUID:
        case OB_DEVICE_ERROR_NOT_LOADED:
        case OB_DEVICE_ERROR_NO_PASSWORD:
        default:
          return FALSE;
        }
    }

  return FALSE;
}

static void
respond_amt_error (ObApiRequest   *request,
                   const AmtRoute *route,
                   const GError   *error)
{
  if (route->map_error != NULL && route->map_error (request, error))
    return;

  if (ob_error_is_cancelled (error))
    {
      ob_api_request_respond_error (request, SOUP_STATUS_SERVICE_UNAVAILABLE,
                                    OB_API_ERROR_TEXT_503, "The server is stopping");
      return;
    }

  if (is_unreachable (error))
    {
      g_autofree char *description = g_strdup_printf ("guid : %s (%s)", request->param,
                                                      error->message);

      ob_api_request_respond_error (request, SOUP_STATUS_NOT_FOUND,
                                    OB_API_ERROR_TEXT_404_DEVICE, description);
      return;
    }

  if (g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TIMEOUT))
    {
      if (route->timeout_status == SOUP_STATUS_NOT_FOUND)
        ob_api_request_respond_error (request, SOUP_STATUS_NOT_FOUND,
                                      OB_API_ERROR_TEXT_404_DEVICE, route->exception);
      else
        ob_api_request_respond_error (request, SOUP_STATUS_REQUEST_TIMEOUT,
                                      OB_API_ERROR_TEXT_408, route->exception);
      return;
    }

  if (error->domain == OB_AMT_ERROR)
    {
      switch ((ObAmtError) error->code)
        {
        case OB_AMT_ERROR_INVALID_ARGUMENT:
        case OB_AMT_ERROR_NOT_ALLOWED:
        case OB_AMT_ERROR_QUOTA_EXCEEDED:
          ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST,
                                        OB_API_ERROR_TEXT_400, error->message);
          return;

        case OB_AMT_ERROR_NOT_FOUND:
          ob_api_request_respond_error (request, SOUP_STATUS_NOT_FOUND, "Not Found",
                                        error->message);
          return;

        case OB_AMT_ERROR_FAILED:
        case OB_AMT_ERROR_UNEXPECTED_RESPONSE:
        default:
          break;
        }
    }

  if (route->failed != NULL
      && (error->domain == OB_AMT_ERROR
          || g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT)
          || g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED)
          || g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE)
          || g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TOO_LARGE)))
    {
      g_message ("REST API: device %s: %s", request->param, error->message);
      respond_failed (request, route->failed);
      return;
    }

  /* Wrong device password, the connection dropped mid-request …: the
   * reference's 500, with the reason after its text. */
  {
    g_autofree char *description = g_strdup_printf ("%s: %s", route->exception, error->message);

    g_message ("REST API: device %s: %s", request->param, error->message);
    ob_api_request_respond_error (request, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                  OB_API_ERROR_TEXT_500, description);
  }
}

static void
on_amt_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  AmtOp *op = request->data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint return_value = 0;

  node = op->route->finish (OB_WSMAN_CLIENT (source), result, &return_value, &error);

  ob_device_report_result (op->device, error);
  ob_device_release_busy (op->device);

  if (node == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                                     "The call returned nothing");
      respond_amt_error (request, op->route, error);
      return;
    }

  /* What the device just said is news for the UI too. */
  if (op->route->after != NULL)
    op->route->after (op, node);

  if (op->route->return_value_decides && return_value != 0)
    ob_api_request_respond_json (request, SOUP_STATUS_BAD_REQUEST, node);
  else
    ob_api_request_respond_json (request, SOUP_STATUS_OK, node);
}

/* The connected-device check, then the call. */
static void
run (ObApiRequest   *request,
     const AmtRoute *route)
{
  ObDeviceRegistry *registry = _ob_api_server_get_registry (request->server);
  AmtOp *op = request->data != NULL ? request->data : amt_op_new (request);
  ObDevice *device = NULL;

  if (registry != NULL && request->param != NULL)
    device = ob_device_registry_lookup (registry, request->param);
  if (device == NULL)
    {
      ob_api_request_respond_device_not_found (request);
      return;
    }

  if (ob_device_get_wsman_client (device) == NULL)
    {
      g_autofree char *description = g_strdup_printf ("guid : %s (not connected)", request->param);

      ob_api_request_respond_error (request, SOUP_STATUS_NOT_FOUND,
                                    OB_API_ERROR_TEXT_404_DEVICE, description);
      return;
    }

  op->route = route;
  op->device = g_object_ref (device);
  op->client = g_object_ref (ob_device_get_wsman_client (device));

  ob_device_hold_busy (device);
  route->start (request, op->client, on_amt_done, ob_api_request_ref (request));
}

/* The device must exist before the body is looked at (routes where the
 * reference's connected-device middleware runs before the handler). */
static ObDevice *
require_device (ObApiRequest *request)
{
  ObDeviceRegistry *registry = _ob_api_server_get_registry (request->server);
  ObDevice *device = NULL;

  if (registry != NULL && request->param != NULL)
    device = ob_device_registry_lookup (registry, request->param);
  if (device == NULL)
    ob_api_request_respond_device_not_found (request);

  return device;
}

/* ------------------------------------------------------------------------
 * Finish adapters: one signature for every typed call
 * ------------------------------------------------------------------------ */

static JsonNode *
finish_power_state (ObWsmanClient  *client,
                    GAsyncResult   *result,
                    guint          *return_value,
                    GError        **error)
{
  return ob_amt_power_state_finish (client, result, NULL, NULL, error);
}

static JsonNode *
finish_power_capabilities (ObWsmanClient  *client,
                           GAsyncResult   *result,
                           guint          *return_value,
                           GError        **error)
{
  return ob_amt_power_capabilities_finish (client, result, error);
}

static JsonNode *
finish_power_action (ObWsmanClient  *client,
                     GAsyncResult   *result,
                     guint          *return_value,
                     GError        **error)
{
  return ob_amt_power_action_finish (client, result, return_value, error);
}

static JsonNode *
finish_boot_options (ObWsmanClient  *client,
                     GAsyncResult   *result,
                     guint          *return_value,
                     GError        **error)
{
  return ob_amt_power_boot_options_finish (client, result, return_value, error);
}

static JsonNode *
finish_boot_sources (ObWsmanClient  *client,
                     GAsyncResult   *result,
                     guint          *return_value,
                     GError        **error)
{
  return ob_amt_power_boot_sources_finish (client, result, error);
}

static JsonNode *
finish_features_get (ObWsmanClient  *client,
                     GAsyncResult   *result,
                     guint          *return_value,
                     GError        **error)
{
  return ob_amt_features_get_finish (client, result, NULL, error);
}

static JsonNode *
finish_features_set (ObWsmanClient  *client,
                     GAsyncResult   *result,
                     guint          *return_value,
                     GError        **error)
{
  return ob_amt_features_set_finish (client, result, error);
}

static JsonNode *
finish_hardware_info (ObWsmanClient  *client,
                      GAsyncResult   *result,
                      guint          *return_value,
                      GError        **error)
{
  return ob_amt_hardware_info_finish (client, result, error);
}

static JsonNode *
finish_general_settings (ObWsmanClient  *client,
                         GAsyncResult   *result,
                         guint          *return_value,
                         GError        **error)
{
  return ob_amt_general_settings_finish (client, result, error);
}

static JsonNode *
finish_version (ObWsmanClient  *client,
                GAsyncResult   *result,
                guint          *return_value,
                GError        **error)
{
  return ob_amt_version_finish (client, result, NULL, error);
}

static JsonNode *
finish_event_log (ObWsmanClient  *client,
                  GAsyncResult   *result,
                  guint          *return_value,
                  GError        **error)
{
  return ob_amt_event_log_finish (client, result, error);
}

static JsonNode *
finish_audit_log (ObWsmanClient  *client,
                  GAsyncResult   *result,
                  guint          *return_value,
                  GError        **error)
{
  return ob_amt_audit_log_finish (client, result, error);
}

static JsonNode *
finish_alarms_list (ObWsmanClient  *client,
                    GAsyncResult   *result,
                    guint          *return_value,
                    GError        **error)
{
  return ob_amt_alarms_list_finish (client, result, error);
}

static JsonNode *
finish_alarm_add (ObWsmanClient  *client,
                  GAsyncResult   *result,
                  guint          *return_value,
                  GError        **error)
{
  return ob_amt_alarm_add_finish (client, result, error);
}

static JsonNode *
finish_alarm_delete (ObWsmanClient  *client,
                     GAsyncResult   *result,
                     guint          *return_value,
                     GError        **error)
{
  return ob_amt_alarm_delete_finish (client, result, error);
}

static JsonNode *
finish_consent_request (ObWsmanClient  *client,
                        GAsyncResult   *result,
                        guint          *return_value,
                        GError        **error)
{
  return ob_amt_user_consent_request_finish (client, result, return_value, error);
}

static JsonNode *
finish_consent_send (ObWsmanClient  *client,
                     GAsyncResult   *result,
                     guint          *return_value,
                     GError        **error)
{
  return ob_amt_user_consent_send_finish (client, result, return_value, error);
}

static JsonNode *
finish_consent_cancel (ObWsmanClient  *client,
                       GAsyncResult   *result,
                       guint          *return_value,
                       GError        **error)
{
  return ob_amt_user_consent_cancel_finish (client, result, return_value, error);
}

/* ------------------------------------------------------------------------
 * Starters
 * ------------------------------------------------------------------------ */

static void
start_power_state (ObApiRequest        *request,
                   ObWsmanClient       *client,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  ob_amt_power_state_async (client, request->cancellable, callback, user_data);
}

static void
start_power_capabilities (ObApiRequest        *request,
                          ObWsmanClient       *client,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  ob_amt_power_capabilities_async (client, request->cancellable, callback, user_data);
}

static void
start_power_action (ObApiRequest        *request,
                    ObWsmanClient       *client,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  AmtOp *op = request->data;

  ob_amt_power_action_async (client, op->action, request->cancellable, callback, user_data);
}

static void
start_boot_options (ObApiRequest        *request,
                    ObWsmanClient       *client,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  AmtOp *op = request->data;

  op->boot_details.url = op->url;
  op->boot_details.username = op->username;
  op->boot_details.password = op->password;
  op->boot_details.boot_path = op->boot_path;
  ob_amt_power_boot_options_async (client, op->action, op->use_sol, &op->boot_details,
                                   request->cancellable, callback, user_data);
}

static void
start_boot_sources (ObApiRequest        *request,
                    ObWsmanClient       *client,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  ob_amt_power_boot_sources_async (client, request->cancellable, callback, user_data);
}

static void
start_features_get (ObApiRequest        *request,
                    ObWsmanClient       *client,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  ob_amt_features_get_async (client, request->cancellable, callback, user_data);
}

static void
start_features_set (ObApiRequest        *request,
                    ObWsmanClient       *client,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  AmtOp *op = request->data;

  ob_amt_features_set_async (client, &op->features, request->cancellable, callback, user_data);
}

static void
start_hardware_info (ObApiRequest        *request,
                     ObWsmanClient       *client,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  ob_amt_hardware_info_async (client, request->cancellable, callback, user_data);
}

static void
start_general_settings (ObApiRequest        *request,
                        ObWsmanClient       *client,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  ob_amt_general_settings_async (client, request->cancellable, callback, user_data);
}

static void
start_version (ObApiRequest        *request,
               ObWsmanClient       *client,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  ob_amt_version_async (client, request->cancellable, callback, user_data);
}

static void
start_event_log (ObApiRequest        *request,
                 ObWsmanClient       *client,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  ob_amt_event_log_async (client, 0, request->cancellable, callback, user_data);
}

static void
start_audit_log (ObApiRequest        *request,
                 ObWsmanClient       *client,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  AmtOp *op = request->data;

  ob_amt_audit_log_async (client, op->start_index, request->cancellable, callback, user_data);
}

static void
start_alarms_list (ObApiRequest        *request,
                   ObWsmanClient       *client,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  ob_amt_alarms_list_async (client, request->cancellable, callback, user_data);
}

static void
start_alarm_add (ObApiRequest        *request,
                 ObWsmanClient       *client,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  AmtOp *op = request->data;

  ob_amt_alarm_add_async (client, op->element_name, op->start_time, op->interval,
                          op->instance_id, op->delete_on_completion,
                          request->cancellable, callback, user_data);
}

static void
start_alarm_delete (ObApiRequest        *request,
                    ObWsmanClient       *client,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  AmtOp *op = request->data;

  ob_amt_alarm_delete_async (client, op->instance_id, request->cancellable, callback, user_data);
}

static void
start_consent_request (ObApiRequest        *request,
                       ObWsmanClient       *client,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  ob_amt_user_consent_request_async (client, request->cancellable, callback, user_data);
}

static void
start_consent_send (ObApiRequest        *request,
                    ObWsmanClient       *client,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  AmtOp *op = request->data;

  ob_amt_user_consent_send_async (client, op->consent_code, request->cancellable,
                                  callback, user_data);
}

static void
start_consent_cancel (ObApiRequest        *request,
                      ObWsmanClient       *client,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  ob_amt_user_consent_cancel_async (client, request->cancellable, callback, user_data);
}

/* ------------------------------------------------------------------------
 * Route-specific errors
 * ------------------------------------------------------------------------ */

static gboolean
map_alarm_add_error (ObApiRequest *request,
                     const GError *error)
{
  if (g_error_matches (error, OB_AMT_ERROR, OB_AMT_ERROR_QUOTA_EXCEEDED))
    {
      respond_failed (request, "Alarm add request quota exceeded");
      return TRUE;
    }

  /* Any other fault: the reference calls the parameters invalid. */
  if (g_error_matches (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT)
      || g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT))
    {
      respond_failed (request, "Alarm add request invalid parameters");
      return TRUE;
    }

  return FALSE;
}

static gboolean
map_alarm_delete_error (ObApiRequest *request,
                        const GError *error)
{
  if (g_error_matches (error, OB_AMT_ERROR, OB_AMT_ERROR_NOT_FOUND))
    {
      g_autofree char *description =
        g_strdup_printf ("Alarm occurrence delete request failed for guid : %s.", request->param);

      ob_api_request_respond_error (request, SOUP_STATUS_NOT_FOUND,
                                    OB_API_ERROR_TEXT_404_ALARM, description);
      return TRUE;
    }

  return FALSE;
}

static gboolean
map_boot_options_error (ObApiRequest *request,
                        const GError *error)
{
  if (g_error_matches (error, OB_AMT_ERROR, OB_AMT_ERROR_NOT_ALLOWED))
    {
      ob_api_request_respond_error (request, SOUP_STATUS_BAD_REQUEST, OB_API_ERROR_TEXT_400,
                                    "EnforceSecureBoot cannot be turned off in CCM");
      return TRUE;
    }

  return FALSE;
}

static void
after_power_state (AmtOp    *op,
                   JsonNode *node)
{
  gint64 state;

  if (JSON_NODE_HOLDS_OBJECT (node)
      && ob_api_json_get_int (json_node_get_object (node), "powerstate", &state)
      && state >= 0 && state <= G_MAXUINT)
    ob_device_set_power_state (op->device, (guint) state);
}

/* A power action or a boot changes the state the device list shows. */
static void
after_power_change (AmtOp    *op,
                    JsonNode *node)
{
  ob_device_refresh_async (op->device, NULL, NULL, NULL);
}

/* ------------------------------------------------------------------------
 * The routes
 * ------------------------------------------------------------------------ */

static const AmtRoute power_state_route = {
  "Power State request failed", "Exception during Power State request", FALSE,
  SOUP_STATUS_NOT_FOUND, start_power_state, finish_power_state, NULL, after_power_state,
};

static const AmtRoute power_capabilities_route = {
  NULL, "Exception during Power Capabilities request", FALSE, 0,
  start_power_capabilities, finish_power_capabilities, NULL,
};

static const AmtRoute power_action_route = {
  NULL, "Exception during Power Action request", FALSE, 0,
  start_power_action, finish_power_action, NULL, after_power_change,
};

static const AmtRoute boot_options_route = {
  NULL, "Exception during Boot Setting request", FALSE, 0,
  start_boot_options, finish_boot_options, map_boot_options_error, after_power_change,
};

static const AmtRoute boot_sources_route = {
  "AMT Boot Source request failed", "Exception during Boot Source request", FALSE, 0,
  start_boot_sources, finish_boot_sources, NULL,
};

static const AmtRoute features_get_route = {
  "AMT Features request failed", "Exception during AMT Features request", FALSE, 0,
  start_features_get, finish_features_get, NULL,
};

static const AmtRoute features_set_route = {
  NULL, "Exception during AMT Features Set request", FALSE, 0,
  start_features_set, finish_features_set, NULL,
};

static const AmtRoute hardware_info_route = {
  "AMT Hardware Information request failed", "Exception during AMT Hardware Information request",
  FALSE, 0, start_hardware_info, finish_hardware_info, NULL,
};

static const AmtRoute general_settings_route = {
  "AMT General Settings request failed", "Exception during AMT General Settings request",
  FALSE, 0, start_general_settings, finish_general_settings, NULL,
};

static const AmtRoute version_route = {
  "AMT Version request failed", "Exception during AMT Version request", FALSE, 0,
  start_version, finish_version, NULL,
};

static const AmtRoute event_log_route = {
  "Event Log request failed", "Exception during AMT Event Log request", FALSE, 0,
  start_event_log, finish_event_log, NULL,
};

static const AmtRoute audit_log_route = {
  NULL, "Exception during AMT AuditLog request", FALSE, 0,
  start_audit_log, finish_audit_log, NULL,
};

static const AmtRoute alarms_list_route = {
  "Alarm occurrence get request failed", "Exception during alarm occurrences request", FALSE, 0,
  start_alarms_list, finish_alarms_list, NULL,
};

static const AmtRoute alarm_add_route = {
  "Alarm add request failed", "Exception during alarm occurrences request", FALSE, 0,
  start_alarm_add, finish_alarm_add, map_alarm_add_error,
};

static const AmtRoute alarm_delete_route = {
  "Alarm occurrence delete request failed", "Exception during alarm occurrences request",
  FALSE, 0, start_alarm_delete, finish_alarm_delete, map_alarm_delete_error,
};

static const AmtRoute consent_request_route = {
  "User Consent Request failed", "Exception during User Consent Request", TRUE, 0,
  start_consent_request, finish_consent_request, NULL,
};

static const AmtRoute consent_send_route = {
  "User Consent Sent failed", "Exception during User Consent Sent", TRUE, 0,
  start_consent_send, finish_consent_send, NULL,
};

static const AmtRoute consent_cancel_route = {
  "User Consent Cancel failed", "Exception during User Consent Cancel", TRUE, 0,
  start_consent_cancel, finish_consent_cancel, NULL,
};

void
_ob_api_amt_power_state (ObApiRequest *request)
{
  run (request, &power_state_route);
}

void
_ob_api_amt_power_capabilities (ObApiRequest *request)
{
  run (request, &power_capabilities_route);
}

static JsonNode *
body_member (ObApiRequest *request,
             const char   *member)
{
  JsonObject *body = ob_api_request_get_body_object (request);

  return body != NULL ? json_object_get_member (body, member) : NULL;
}

/* check('action').isIn(list).isNumeric(): each failing check is one error. */
static gboolean
validate_action (ObApiRequest    *request,
                 gboolean       (*is_valid) (int action),
                 ObApiValidation *validation,
                 int             *out_action)
{
  JsonNode *action = body_member (request, "action");
  gint64 value = 0;
  gboolean listed;

  listed = ob_api_value_is_int (action, G_MININT64, &value)
           && value >= G_MININT && value <= G_MAXINT
           && is_valid ((int) value);
  if (!listed)
    ob_api_validation_add (validation, action, NULL, "action", "body");
  if (!ob_api_value_is_numeric (action, NULL))
    ob_api_validation_add (validation, action, NULL, "action", "body");

  *out_action = (int) value;

  return listed;
}

void
_ob_api_amt_power_action (ObApiRequest *request)
{
  g_auto(ObApiValidation) validation = { NULL };
  AmtOp *op;
  int action = 0;

  ob_api_validation_init (&validation);
  validate_action (request, ob_amt_power_action_is_valid, &validation, &action);
  if (ob_api_validation_respond (&validation, request))
    return;

  op = amt_op_new (request);
  op->action = action;
  run (request, &power_action_route);
}

/* validator.js isURL, roughly: http(s) or ftp with a host. */
static gboolean
is_url (const char *text)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (text == NULL)
    return FALSE;

  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  return (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0
          || g_ascii_strcasecmp (scheme, "ftp") == 0)
         && g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0';
}

void
_ob_api_amt_boot_options (ObApiRequest *request)
{
  g_auto(ObApiValidation) validation = { NULL };
  JsonNode *use_sol = body_member (request, "useSOL");
  JsonNode *details = body_member (request, "bootDetails");
  JsonObject *details_object = details != NULL && JSON_NODE_HOLDS_OBJECT (details)
                               ? json_node_get_object (details) : NULL;
  gboolean use_sol_value = FALSE;
  gboolean enforce = FALSE;
  AmtOp *op;
  int action = 0;

  ob_api_validation_init (&validation);
  validate_action (request, ob_amt_boot_action_is_valid, &validation, &action);
  if (!ob_api_value_is_boolean (use_sol, &use_sol_value))
    ob_api_validation_add (&validation, use_sol, NULL, "useSOL", "body");

  if (details_object != NULL)
    {
      static const char * const strings[] = { "username", "password", "bootPath" };
      JsonNode *node = json_object_get_member (details_object, "url");

      if (node != NULL && !(ob_api_json_node_is_string (node) && is_url (json_node_get_string (node))))
        ob_api_validation_add (&validation, node, NULL, "bootDetails.url", "body");

      for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
        {
          node = json_object_get_member (details_object, strings[i]);
          if (node != NULL && !ob_api_json_node_is_string (node))
            {
              g_autofree char *path = g_strdup_printf ("bootDetails.%s", strings[i]);

              /* The password's value is never echoed. */
              ob_api_validation_add (&validation, i == 1 ? NULL : node, NULL, path, "body");
            }
        }

      node = json_object_get_member (details_object, "enforceSecureBoot");
      if (node != NULL && !ob_api_value_is_boolean (node, &enforce))
        ob_api_validation_add (&validation, node, NULL, "bootDetails.enforceSecureBoot", "body");
    }

  if (ob_api_validation_respond (&validation, request))
    return;

  op = amt_op_new (request);
  op->action = action;
  op->use_sol = use_sol_value;
  if (details_object != NULL)
    {
      op->url = g_strdup (ob_api_json_get_string (details_object, "url"));
      op->username = g_strdup (ob_api_json_get_string (details_object, "username"));
      op->password = g_strdup (ob_api_json_get_string (details_object, "password"));
      op->boot_path = g_strdup (ob_api_json_get_string (details_object, "bootPath"));
      if (json_object_has_member (details_object, "enforceSecureBoot"))
        op->boot_details.enforce_secure_boot = enforce ? 1 : 0;
    }

  run (request, &boot_options_route);
}

void
_ob_api_amt_boot_sources (ObApiRequest *request)
{
  run (request, &boot_sources_route);
}

void
_ob_api_amt_features_get (ObApiRequest *request)
{
  run (request, &features_get_route);
}

void
_ob_api_amt_features_set (ObApiRequest *request)
{
  g_auto(ObApiValidation) validation = { NULL };
  static const char * const flags[] = { "enableSOL", "enableIDER", "enableKVM" };
  JsonNode *consent = body_member (request, "userConsent");
  JsonNode *ocr = body_member (request, "ocr");
  gboolean values[G_N_ELEMENTS (flags)] = { FALSE, };
  ObAmtUserConsent consent_value = OB_AMT_USER_CONSENT_NONE;
  gboolean ocr_value = FALSE;
  AmtOp *op;

  ob_api_validation_init (&validation);

  /* check('userConsent').isIn(['kvm','all','none']).isString() */
  if (!ob_api_json_node_is_string (consent)
      || !ob_amt_user_consent_from_string (json_node_get_string (consent), &consent_value))
    ob_api_validation_add (&validation, consent, NULL, "userConsent", "body");
  if (!ob_api_json_node_is_string (consent))
    ob_api_validation_add (&validation, consent, NULL, "userConsent", "body");

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      JsonNode *node = body_member (request, flags[i]);

      if (!ob_api_value_is_boolean (node, &values[i]))
        ob_api_validation_add (&validation, node, NULL, flags[i], "body");
    }

  if (ocr != NULL && !ob_api_value_is_boolean (ocr, &ocr_value))
    ob_api_validation_add (&validation, ocr, NULL, "ocr", "body");

  if (ob_api_validation_respond (&validation, request))
    return;

  op = amt_op_new (request);
  op->features.user_consent = consent_value;
  op->features.enable_sol = values[0];
  op->features.enable_ider = values[1];
  op->features.enable_kvm = values[2];
  op->features.ocr = ocr != NULL ? (ocr_value ? 1 : 0) : -1;
  run (request, &features_set_route);
}

void
_ob_api_amt_hardware_info (ObApiRequest *request)
{
  run (request, &hardware_info_route);
}

void
_ob_api_amt_general_settings (ObApiRequest *request)
{
  run (request, &general_settings_route);
}

void
_ob_api_amt_version (ObApiRequest *request)
{
  run (request, &version_route);
}

void
_ob_api_amt_event_log (ObApiRequest *request)
{
  run (request, &event_log_route);
}

void
_ob_api_amt_audit_log (ObApiRequest *request)
{
  g_auto(ObApiValidation) validation = { NULL };
  const char *text = ob_api_request_get_query (request, "startIndex");
  gdouble start = 0;
  AmtOp *op;

  /* check('startIndex').isNumeric().isFloat({ min: 0 }).optional() */
  ob_api_validation_init (&validation);
  if (text != NULL)
    {
      g_autoptr(JsonNode) value = json_node_init_string (json_node_alloc (), text);
      gboolean numeric = ob_api_text_is_numeric (text, &start);

      if (!numeric)
        ob_api_validation_add (&validation, value, NULL, "startIndex", "query");
      if (!numeric || start < 0)
        ob_api_validation_add (&validation, value, NULL, "startIndex", "query");
    }
  if (ob_api_validation_respond (&validation, request))
    return;

  op = amt_op_new (request);
  op->start_index = start > G_MAXINT ? G_MAXINT : (int) floor (start);
  run (request, &audit_log_route);
}

void
_ob_api_amt_alarms_list (ObApiRequest *request)
{
  run (request, &alarms_list_route);
}

static gboolean
is_absent_or_null_node (JsonNode *node)
{
  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

static char *
member_text (JsonObject *object,
             const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

  return NULL;
}

void
_ob_api_amt_alarm_add (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) start = NULL;
  JsonNode *interval_node;
  const char *start_text;
  gint64 interval = 0;
  gboolean delete_on_completion = TRUE;
  AmtOp *op;

  if (require_device (request) == NULL)
    return;

  /* No validator: the handler itself insists on ElementName and StartTime,
   * and a value the device could not take is "invalid parameters" too. */
  start_text = body != NULL ? ob_api_json_get_string (body, "StartTime") : NULL;
  if (start_text != NULL)
    start = g_date_time_new_from_iso8601 (start_text, local);
  interval_node = body != NULL ? json_object_get_member (body, "Interval") : NULL;

  if (body == NULL
      || ob_api_json_get_string (body, "ElementName") == NULL
      || ob_api_json_get_string (body, "ElementName")[0] == '\0'
      || start == NULL
      || (!is_absent_or_null_node (interval_node)
          && (!ob_api_value_is_int (interval_node, 0, &interval) || interval > G_MAXUINT))
      || (json_object_has_member (body, "DeleteOnCompletion")
          && !ob_api_json_get_boolean (body, "DeleteOnCompletion", &delete_on_completion))
      || (json_object_has_member (body, "InstanceID")
          && ob_api_json_get_string (body, "InstanceID") == NULL))
    {
      respond_failed (request, "Alarm add request invalid parameters");
      return;
    }

  op = amt_op_new (request);
  op->element_name = g_strdup (ob_api_json_get_string (body, "ElementName"));
  op->instance_id = g_strdup (ob_api_json_get_string (body, "InstanceID"));
  op->start_time = g_steal_pointer (&start);
  op->interval = (guint) interval;
  op->delete_on_completion = delete_on_completion;
  run (request, &alarm_add_route);
}

void
_ob_api_amt_alarm_delete (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  g_autofree char *name = NULL;
  AmtOp *op;

  if (require_device (request) == NULL)
    return;

  if (body != NULL)
    name = member_text (body, "Name");
  if (name == NULL)
    {
      respond_failed (request, "Invalid alarm occurrence request");
      return;
    }

  op = amt_op_new (request);
  op->instance_id = g_steal_pointer (&name);
  run (request, &alarm_delete_route);
}

void
_ob_api_amt_consent_request (ObApiRequest *request)
{
  run (request, &consent_request_route);
}

void
_ob_api_amt_consent_send (ObApiRequest *request)
{
  g_auto(ObApiValidation) validation = { NULL };
  JsonNode *code = body_member (request, "consentCode");
  gdouble value = 0;
  AmtOp *op;

  /* check('consentCode').isNumeric(); SendOptInCode takes a uint32, so a
   * fraction or a huge number is refused here rather than by the device.
   * "012345" is fine: codes may start with a zero. */
  ob_api_validation_init (&validation);
  if (!ob_api_value_is_numeric (code, &value)
      || value < 0 || value > G_MAXUINT32 || value != floor (value))
    ob_api_validation_add (&validation, code, NULL, "consentCode", "body");
  if (ob_api_validation_respond (&validation, request))
    return;

  op = amt_op_new (request);
  op->consent_code = (guint32) value;
  run (request, &consent_send_route);
}

void
_ob_api_amt_consent_cancel (ObApiRequest *request)
{
  run (request, &consent_cancel_route);
}
