/* ob-sim-rpc.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-sim-cira.h"
#include "ob-sim-device.h"
#include "ob-sim-wsman-server.h"

G_BEGIN_DECLS

/* ObSimRpc: Intel's rpc-go as a simulated device runs it, against a remote
 * provisioning server (rps-rpc-activation.md §2): a WebSocket to the RPS
 * URL as given (ws:// or wss://, any path, e.g. wss://host/activate), one
 * request built as rpc-go builds it (method "activate --profile P",
 * "deactivate --password …", "maintenance -password … --task"; apiKey
 * "key", status and message "ok", protocol 4.0.0, the base64 JSON payload
 * with what rpc-go reads from the firmware: versions, SKU and features,
 * GUID, the local system account, control mode, OS host name, DNS suffix,
 * "RPC", trusted root hashes …), then for every message that is not
 * success, error or heartbeat_request, the base64 HTTP request it carries
 * goes to the device's WS-Man server over a new connection (an in-process
 * pipe standing for LMS) and everything the device answers goes back in a
 * "response" message.  heartbeat_request is answered with
 * heartbeat_response.  It ends at success or error.
 *
 * One ObSimRpc runs one command at a time.  Runs on the thread-default main
 * context it was created on. */

#define OB_TYPE_SIM_RPC (ob_sim_rpc_get_type ())

G_DECLARE_FINAL_TYPE (ObSimRpc, ob_sim_rpc, OB, SIM_RPC, GObject)

/* What rpc-go sends as appVersion and protocolVersion. */
#define OB_SIM_RPC_APP_VERSION      "2.48.2"
#define OB_SIM_RPC_PROTOCOL_VERSION "4.0.0"
/* How long one command may take unless told otherwise. */
#define OB_SIM_RPC_DEFAULT_TIMEOUT_MS (5 * 60 * 1000)

typedef enum
{
  OB_SIM_RPC_TASK_SYNC_CLOCK,
  OB_SIM_RPC_TASK_SYNC_IP,
  OB_SIM_RPC_TASK_CHANGE_PASSWORD,
  OB_SIM_RPC_TASK_SYNC_HOSTNAME,
  OB_SIM_RPC_TASK_SYNC_DEVICE_INFO,
} ObSimRpcTask;

/* @server: the device's WS-Man server (it need not listen anywhere); the
 * device gets its provisioning side attached if it has none. */
ObSimRpc         *ob_sim_rpc_new                 (ObSimWsmanServer *server);
ObSimDevice      *ob_sim_rpc_get_device          (ObSimRpc         *self);
ObSimWsmanServer *ob_sim_rpc_get_server          (ObSimRpc         *self);

/* rpc-go's --tenant, -d (DNS suffix), -h (host name), --name (friendly
 * name), -n (skip the RPS certificate check); NULL or FALSE: the default. */
void              ob_sim_rpc_set_tenant_id       (ObSimRpc         *self,
                                                  const char       *tenant_id);
void              ob_sim_rpc_set_dns_suffix      (ObSimRpc         *self,
                                                  const char       *dns_suffix);
void              ob_sim_rpc_set_hostname        (ObSimRpc         *self,
                                                  const char       *hostname);
void              ob_sim_rpc_set_friendly_name   (ObSimRpc         *self,
                                                  const char       *friendly_name);
void              ob_sim_rpc_set_skip_cert_check (ObSimRpc         *self,
                                                  gboolean          skip);
/* The AMT admin password (--password): needed when the device is
 * activated, and by deactivate and maintenance. */
void              ob_sim_rpc_set_amt_password    (ObSimRpc         *self,
                                                  const char       *password);
void              ob_sim_rpc_set_timeout_ms      (ObSimRpc         *self,
                                                  guint             timeout_ms);

/* The command line rpc-go sends as "method". */
void              ob_sim_rpc_activate_async      (ObSimRpc            *self,
                                                  const char          *url,
                                                  const char          *profile,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
void              ob_sim_rpc_deactivate_async    (ObSimRpc            *self,
                                                  const char          *url,
                                                  gboolean             force,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* @task_arg: the new static password for changepassword (NULL: RPS picks
 * one). */
void              ob_sim_rpc_maintenance_async   (ObSimRpc            *self,
                                                  const char          *url,
                                                  ObSimRpcTask         task,
                                                  const char          *task_arg,
                                                  gboolean             force,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* The message of the RPS's success (usually a JSON status object as
 * text).  Failures: OB_SIM_ERROR_FAILED with the RPS's error message (its
 * "Status" when it is a status object), G_IO_ERROR for the connection,
 * G_IO_ERROR_TIMED_OUT, G_IO_ERROR_CANCELLED. */
char             *ob_sim_rpc_finish              (ObSimRpc            *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* WS-Man exchanges forwarded by the last command. */
guint             ob_sim_rpc_get_n_exchanges     (ObSimRpc         *self);

/* A field of an RPS status message ({"Status":…,"Network":…,
 * "CIRAConnection":…,"TLSConfiguration":…}), or NULL (not JSON, absent). */
char             *ob_sim_rpc_dup_status_field    (const char       *message,
                                                  const char       *field);

/* After a configuration that added an MPS server (AddMpServer): a CIRA
 * connection for the device to that MPS with the credentials it was given,
 * started.  @verify: check the MPS certificate against the trusted root
 * certificate and the CN the device was given, as the firmware does
 * (FALSE accepts any).  @pool NULL makes one for this device.  No MPS
 * server -> OB_SIM_ERROR_NOT_FOUND. */
ObSimCira        *ob_sim_rpc_start_cira          (ObSimRpc         *self,
                                                  ObSimCiraPool    *pool,
                                                  gboolean          verify,
                                                  GError          **error);

G_END_DECLS
