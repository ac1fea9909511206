/* ob-rpc-message.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-http-message.h"
#include "ob-rps-error.h"

G_BEGIN_DECLS

/* The rpc-go wire protocol (protocols/rps-rpc-activation.md §2): one JSON
 * envelope per WebSocket text frame, the same nine members both ways, a
 * base64 JSON payload in the client's first message, base64 HTTP in
 * "wsman" and "response" messages. */

#define OB_RPC_PROTOCOL_VERSION "4.0.0"
/* What the reference accepts in one frame; larger closes the socket. */
#define OB_RPC_MAX_MESSAGE_BYTES 102400
/* JSON nesting accepted in an envelope or payload (the real ones use 3). */
#define OB_RPC_MAX_JSON_DEPTH 16
#define OB_RPC_MAX_CERT_HASHES 64

#define OB_RPC_STATUS_OK      "ok"
#define OB_RPC_STATUS_SUCCESS "success"
#define OB_RPC_STATUS_FAILED  "failed"

#define OB_RPC_METHOD_NAME_WSMAN              "wsman"
#define OB_RPC_METHOD_NAME_SUCCESS            "success"
#define OB_RPC_METHOD_NAME_ERROR              "error"
#define OB_RPC_METHOD_NAME_RESPONSE           "response"
#define OB_RPC_METHOD_NAME_HEARTBEAT_REQUEST  "heartbeat_request"
#define OB_RPC_METHOD_NAME_HEARTBEAT_RESPONSE "heartbeat_response"

typedef enum
{
  OB_RPC_METHOD_UNKNOWN,
  OB_RPC_METHOD_ACTIVATE,
  OB_RPC_METHOD_DEACTIVATE,
  OB_RPC_METHOD_MAINTENANCE,
  OB_RPC_METHOD_RESPONSE,
  OB_RPC_METHOD_HEARTBEAT_RESPONSE,
} ObRpcMethod;

typedef enum
{
  OB_RPC_TASK_NONE,
  OB_RPC_TASK_SYNC_TIME,
  OB_RPC_TASK_SYNC_IP,
  OB_RPC_TASK_CHANGE_PASSWORD,
  OB_RPC_TASK_SYNC_HOSTNAME,
  OB_RPC_TASK_SYNC_DEVICE_INFO,
} ObRpcTask;

/* "synctime", "syncip", … (the reference's task names). */
const char *ob_rpc_task_to_string (ObRpcTask task);

/* ---- Envelope ------------------------------------------------------- */

/* ObRpcMessage: one envelope, refcounted, immutable once built.  Strings
 * are never NULL except the payload, which is NULL for a JSON null. */
typedef struct _ObRpcMessage ObRpcMessage;

#define OB_TYPE_RPC_MESSAGE (ob_rpc_message_get_type ())

GType         ob_rpc_message_get_type             (void) G_GNUC_CONST;

/* Parse one frame.  Every member must be a string (the payload may be
 * null); unknown members are ignored, missing ones read as "".  Larger
 * than OB_RPC_MAX_MESSAGE_BYTES or nested deeper than
 * OB_RPC_MAX_JSON_DEPTH -> OB_RPS_ERROR_TOO_LARGE; anything else that is
 * not an envelope -> OB_RPS_ERROR_INVALID_MESSAGE. */
ObRpcMessage *ob_rpc_message_parse                (const char    *data,
                                                   gsize          len,
                                                   GError       **error);
ObRpcMessage *ob_rpc_message_ref                  (ObRpcMessage  *self);
void          ob_rpc_message_unref                (ObRpcMessage  *self);

const char   *ob_rpc_message_get_method           (ObRpcMessage  *self);
const char   *ob_rpc_message_get_api_key          (ObRpcMessage  *self);
const char   *ob_rpc_message_get_app_version      (ObRpcMessage  *self);
const char   *ob_rpc_message_get_protocol_version (ObRpcMessage  *self);
const char   *ob_rpc_message_get_status           (ObRpcMessage  *self);
const char   *ob_rpc_message_get_message          (ObRpcMessage  *self);
const char   *ob_rpc_message_get_fqdn             (ObRpcMessage  *self);
const char   *ob_rpc_message_get_payload          (ObRpcMessage  *self);
const char   *ob_rpc_message_get_tenant_id        (ObRpcMessage  *self);

/* The payload, base64-decoded (strict: standard alphabet, padded, no
 * whitespace).  NULL/empty payload -> empty bytes. */
GBytes       *ob_rpc_message_decode_payload       (ObRpcMessage  *self,
                                                   GError       **error);

/* Server -> client messages, in the reference's form (apiKey "xxxxx",
 * appVersion = ours, protocolVersion OB_RPC_PROTOCOL_VERSION, tenantId "",
 * no fqdn member). */
/* method "wsman", status "ok", message "", payload = base64(@http_request). */
ObRpcMessage *ob_rpc_message_new_wsman            (GBytes        *http_request);
/* method "success", status "success", @status_json as message, payload null. */
ObRpcMessage *ob_rpc_message_new_success          (const char    *status_json);
/* method "error", status "failed", @message (JSON status or plain text). */
ObRpcMessage *ob_rpc_message_new_error            (const char    *message);
ObRpcMessage *ob_rpc_message_new_heartbeat_request (void);
/* A client-side message (what rpc-go sends; for tests and the simulator):
 * apiKey "key", status/message "ok", all nine members; @payload is the
 * base64 text (NULL: ""). */
ObRpcMessage *ob_rpc_message_new_client           (const char    *method,
                                                   const char    *app_version,
                                                   const char    *tenant_id,
                                                   const char    *payload);
/* method "response" with base64(@raw_http_response). */
ObRpcMessage *ob_rpc_message_new_response         (GBytes        *raw_http_response);

/* The frame text. */
char         *ob_rpc_message_to_json              (ObRpcMessage  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObRpcMessage, ob_rpc_message_unref)

/* ---- The command line in "method" ------------------------------------ */

typedef struct
{
  ObRpcMethod  method;
  char        *method_name;   /* the first word as sent */
  char        *profile;       /* --profile */
  char        *password;      /* --password, when non-empty */
  gboolean     force;         /* -f / --force */
  ObRpcTask    task;          /* maintenance flag */
  char        *task_arg;      /* first positional after the method */
} ObRpcCommand;

/* Parse "activate --profile p1", "deactivate --password x -f",
 * "maintenance -password x --changepassword NEW" … with the reference's
 * minimist rules (single-dash words are letter flags, "--k=v" and
 * "--k v" both work).  Never fails: an unknown method gives
 * OB_RPC_METHOD_UNKNOWN.  Clear with ob_rpc_command_clear(). */
void          ob_rpc_command_parse                (const char    *method_line,
                                                   ObRpcCommand  *command);
void          ob_rpc_command_clear                (ObRpcCommand  *command);

/* ---- Client payload ---------------------------------------------------- */

typedef struct
{
  gboolean  present;
  gboolean  dhcp;
  gboolean  is_static;
  gboolean  ip_sync;
  char     *ip_address;
  char     *netmask;
  char     *gateway;
  char     *primary_dns;
  char     *secondary_dns;
} ObRpcIpConfiguration;

/* The device facts rpc-go sends in its first message (§2.3).  Refcounted
 * (ob_rpc_client_info_ref/unref); read-only once parsed. */
typedef struct
{
  char                  *ver;
  char                  *build;
  char                  *sku;
  char                  *features;
  char                  *uuid;          /* 36 lower-case characters */
  char                  *username;
  char                  *password;
  guint                  current_mode;  /* 0 pre-provisioning, 1 CCM, 2 ACM */
  char                  *hostname;
  char                  *fqdn;
  char                  *client;
  GStrv                  cert_hashes;   /* lower-case hex, never NULL */
  ObRpcIpConfiguration   ip_configuration;
  gboolean               has_hostname_info;
  char                  *hostname_info_dns_suffix;
  char                  *hostname_info_hostname;
  char                  *friendly_name;
  /* From the command line. */
  char                  *profile;
  gboolean               force;
  ObRpcTask              task;
  char                  *task_arg;
} ObRpcClientInfo;

/* Parse the decoded payload JSON.  Requires client, ver, build and uuid
 * ("Invalid payload from client"); a uuid that is neither 36 characters
 * nor a 16-byte array -> "<client_id> - uuid not valid length".  Type
 * errors, deep nesting and oversize members are OB_RPS_ERROR_INVALID_PAYLOAD
 * / _TOO_LARGE. */
ObRpcClientInfo *ob_rpc_client_info_parse         (const char      *json,
                                                   gsize            len,
                                                   const char      *client_id,
                                                   GError         **error);
ObRpcClientInfo *ob_rpc_client_info_ref           (ObRpcClientInfo *info);
void             ob_rpc_client_info_unref         (ObRpcClientInfo *info);
/* Fold the command's profile/password/force/task in, as RPS does. */
void             ob_rpc_client_info_apply_command (ObRpcClientInfo *info,
                                                   const ObRpcCommand *command);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObRpcClientInfo, ob_rpc_client_info_unref)

/* ---- The first message as a whole ------------------------------------ */

/* What RPS checks before any flow starts: the method (unsupported ->
 * "Device <uuid> Not a supported method received from AMT device"), the
 * protocol version, the payload (decoded and parsed), and for maintenance
 * the task.  On success *@command and *@info are filled (clear/free them). */
gboolean      ob_rpc_parse_initial                (ObRpcMessage     *message,
                                                   const char       *client_id,
                                                   ObRpcCommand     *command,
                                                   ObRpcClientInfo **info,
                                                   GError          **error);

/* Compatible iff same major and (same minor with our revision >= theirs,
 * or our minor >= theirs); else "protocol version NOT supported: <v>". */
gboolean      ob_rpc_check_protocol_version       (const char       *client_version,
                                                   GError          **error);

/* The firmware check of activation: AMT 7.0..11.6 with build < 3000 and
 * versions below 7 are refused with the reference's texts. */
gboolean      ob_rpc_check_firmware               (const ObRpcClientInfo *info,
                                                   GError               **error);

/* ---- HTTP carried in wsman / response -------------------------------- */

/* The request RPS writes: "POST /wsman HTTP/1.1", Authorization when
 * given, Host "<uuid>:16992", Content-Type application/soap+xml,
 * chunked with an upper-case hex length, the XML as one chunk. */
GBytes       *ob_rpc_build_wsman_request          (const char    *uuid,
                                                   const char    *authorization,
                                                   const char    *xml);
/* Parse the bytes rpc-go read from LMS (status line, headers, chunked or
 * sized body, possibly cut at end of stream).  Garbage or an incomplete
 * message -> OB_RPS_ERROR_INVALID_MESSAGE. */
ObHttpMessage *ob_rpc_parse_http_response         (GBytes        *raw,
                                                   GError       **error);
/* The inverse, for the client side: a whole HTTP request from the
 * decoded wsman payload. */
ObHttpMessage *ob_rpc_parse_http_request          (GBytes        *raw,
                                                   GError       **error);

G_END_DECLS
