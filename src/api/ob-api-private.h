/* ob-api-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ob-api-json.h"
#include "ob-api-server.h"

G_BEGIN_DECLS

/* What the route handlers (ob-api-devices.c, ob-api-amt.c, the server's
 * own auth/health/version) share.  Not installed, not for other folders. */

/* The reference's error table (mps-cira-apf.md §4.1). */
#define OB_API_ERROR_TEXT_400 "Incorrect URI or Bad Request"
#define OB_API_ERROR_TEXT_401 "Unauthorized"
#define OB_API_ERROR_TEXT_404_DEVICE "Device not found/connected. Please connect again using CIRA."
#define OB_API_ERROR_TEXT_404_ALARM "Alarm instance not found"
#define OB_API_ERROR_TEXT_408 "Timeout Error"
#define OB_API_ERROR_TEXT_500 "Internal Server Error"
#define OB_API_ERROR_TEXT_503 "Service Unavailable"

typedef struct _ObApiRequest ObApiRequest;

/* One HTTP request on its way through a route.  A handler either answers
 * at once or keeps a reference, starts asynchronous work and answers
 * later; the message is paused meanwhile.  If the client goes away or the
 * server stops, the cancellable fires and answering becomes a no-op. */
struct _ObApiRequest
{
  grefcount          ref_count;
  ObApiServer       *server;
  SoupServerMessage *msg;
  /* The route's ":guid" (or other) parameter, as sent; NULL if none. */
  char              *param;
  /* Decoded query string; never NULL. */
  GHashTable        *query;
  /* The parsed JSON body, NULL when there was none or it was not JSON
   * (the reference then sees {}). */
  JsonNode          *body;
  GCancellable      *cancellable;
  /* Whatever an asynchronous handler needs until it answers. */
  gpointer           data;
  GDestroyNotify     data_free;
  gulong             finished_id;
  guint              paused : 1;
  guint              responded : 1;
  guint              finished : 1;
};

typedef void (*ObApiHandler) (ObApiRequest *request);

ObApiRequest *ob_api_request_ref            (ObApiRequest *self);
void          ob_api_request_unref          (ObApiRequest *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObApiRequest, ob_api_request_unref)

void          ob_api_request_set_data       (ObApiRequest   *self,
                                              gpointer        data,
                                              GDestroyNotify  data_free);

/* The body as an object; NULL when it is absent or not an object. */
JsonObject   *ob_api_request_get_body_object (ObApiRequest *self);
const char   *ob_api_request_get_query       (ObApiRequest *self,
                                              const char   *name);

/* Answers.  Each takes ownership of nothing; JSON is serialized at once. */
void          ob_api_request_respond_json    (ObApiRequest *self,
                                              guint         status,
                                              JsonNode     *body);
void          ob_api_request_respond_empty   (ObApiRequest *self,
                                              guint         status);
/* {"error":@error,"errorDescription":@description} (description may be
 * NULL, then left out, as the reference's ErrorResponse does). */
void          ob_api_request_respond_error   (ObApiRequest *self,
                                              guint         status,
                                              const char   *error,
                                              const char   *description);
/* @text as is, with @content_type (the MPS's res.send of a string is
 * "text/html; charset=utf-8"). */
void          ob_api_request_respond_text    (ObApiRequest *self,
                                              guint         status,
                                              const char   *content_type,
                                              const char   *text);
/* {"message":@message} */
void          ob_api_request_respond_message (ObApiRequest *self,
                                              guint         status,
                                              const char   *message);
/* 404 {"error":"Device not found/connected…","errorDescription":"guid : <guid>"} */
void          ob_api_request_respond_device_not_found (ObApiRequest *self);

/* express-validator's 400 {"errors":[{type,value,msg,path,location}…]}. */
typedef struct
{
  JsonArray *errors;
} ObApiValidation;

void          ob_api_validation_init         (ObApiValidation *self);
void          ob_api_validation_clear        (ObApiValidation *self);
/* @value may be NULL (the field was absent: "value" is left out). */
void          ob_api_validation_add          (ObApiValidation *self,
                                              JsonNode        *value,
                                              const char      *msg,
                                              const char      *path,
                                              const char      *location);
gboolean      ob_api_validation_failed       (ObApiValidation *self);
/* Sends the 400 if anything failed; returns TRUE when it did. */
gboolean      ob_api_validation_respond      (ObApiValidation *self,
                                              ObApiRequest    *request);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ObApiValidation, ob_api_validation_clear)

/* express-validator's loose checks, on a JSON value (NULL = absent). */
gboolean      ob_api_value_is_boolean        (JsonNode     *value,
                                              gboolean     *out);
gboolean      ob_api_value_is_numeric        (JsonNode     *value,
                                              gdouble      *out);
gboolean      ob_api_value_is_int            (JsonNode     *value,
                                              gint64        min,
                                              gint64       *out);
/* The same checks on a query string value. */
gboolean      ob_api_text_is_boolean         (const char   *text,
                                              gboolean     *out);
gboolean      ob_api_text_is_int             (const char   *text,
                                              gint64        min,
                                              gint64       *out);
gboolean      ob_api_text_is_numeric         (const char   *text,
                                              gdouble      *out);

/* Server internals the handlers use. */
ObConfig         *_ob_api_server_get_config    (ObApiServer *self);
ObStore          *_ob_api_server_get_store     (ObApiServer *self);
ObSecretStore    *_ob_api_server_get_secrets   (ObApiServer *self);
ObDeviceRegistry *_ob_api_server_get_registry  (ObApiServer *self);
/* NULL when the server was given no CIRA listener. */
ObMpsServer      *_ob_api_server_get_mps       (ObApiServer *self);
void              _ob_api_server_forget_request (ObApiServer  *self,
                                                 ObApiRequest *request);
/* Tokens signed with the server's key; verify also checks the issuer.
 * (transfer full) */
char             *_ob_api_server_sign_token     (ObApiServer  *self,
                                                 JsonObject   *claims);
JsonObject       *_ob_api_server_verify_token   (ObApiServer  *self,
                                                 const char   *token,
                                                 GError      **error);

/* The WebSocket relay, ob-api-relay.c. */
gboolean _ob_api_relay_match_path (const char        *path);
void     _ob_api_relay_handle     (ObApiServer       *server,
                                   SoupServerMessage *msg,
                                   GHashTable        *query);
void     _ob_api_relay_authorize  (ObApiRequest      *request);
void     _ob_api_relay_stop_all   (ObApiServer       *server);

/* Routes, in ob-api-devices.c, ob-api-cira.c and ob-api-amt.c. */
void _ob_api_devices_list    (ObApiRequest *request);
void _ob_api_devices_stats   (ObApiRequest *request);
void _ob_api_devices_tags    (ObApiRequest *request);
void _ob_api_devices_get     (ObApiRequest *request);
void _ob_api_devices_create  (ObApiRequest *request);
void _ob_api_devices_update  (ObApiRequest *request);
void _ob_api_devices_delete  (ObApiRequest *request);

/* The device body's validator (deviceValidator and the LAN fields). */
void _ob_api_devices_validate_body (JsonObject      *body,
                                    gboolean         guid_required,
                                    ObApiValidation *validation);

void _ob_api_devices_disconnect (ObApiRequest *request);
void _ob_api_devices_refresh    (ObApiRequest *request);
void _ob_api_ciracert           (ObApiRequest *request);

void _ob_api_amt_power_state        (ObApiRequest *request);
void _ob_api_amt_power_capabilities (ObApiRequest *request);
void _ob_api_amt_power_action       (ObApiRequest *request);
void _ob_api_amt_boot_options       (ObApiRequest *request);
void _ob_api_amt_boot_sources       (ObApiRequest *request);
void _ob_api_amt_features_get       (ObApiRequest *request);
void _ob_api_amt_features_set       (ObApiRequest *request);
void _ob_api_amt_hardware_info      (ObApiRequest *request);
void _ob_api_amt_general_settings   (ObApiRequest *request);
void _ob_api_amt_version            (ObApiRequest *request);
void _ob_api_amt_event_log          (ObApiRequest *request);
void _ob_api_amt_audit_log          (ObApiRequest *request);
void _ob_api_amt_alarms_list        (ObApiRequest *request);
void _ob_api_amt_alarm_add          (ObApiRequest *request);
void _ob_api_amt_alarm_delete       (ObApiRequest *request);
void _ob_api_amt_consent_request    (ObApiRequest *request);
void _ob_api_amt_consent_send       (ObApiRequest *request);
void _ob_api_amt_consent_cancel     (ObApiRequest *request);

G_END_DECLS
