/* ob-rps-session.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-rpc-message.h"
#include "ob-rps-activation.h"
#include "ob-rps-configuration.h"
#include "ob-rps-deactivation.h"
#include "ob-rps-error.h"
#include "ob-rps-maintenance.h"
#include "ob-rps-session.h"
#include "ob-util.h"

struct _ObRpsSession
{
  GObject                   parent_instance;

  SoupWebsocketConnection  *ws;
  gulong                    message_id;
  gulong                    closed_id;
  ObRpsContext             *context;
  char                     *peer_host;
  char                     *client_id;
  ObRpsSessionState         state;
  char                     *method;
  ObRpcClientInfo          *info;
  char                     *tenant_id;
  ObRpsWsman               *wsman;
  GListStore               *flows;
  ObRpsActivation          *activation;
  GCancellable             *cancellable;
  GSource                  *first_timeout;

  /* The one exchange in flight (rpc-go is lock-step). */
  GTask                    *exchange;
  GCancellable             *exchange_cancellable;
  gulong                    exchange_cancelled_id;
  /* Responses still to come for exchanges we gave up on (timeouts): they
   * must not be taken for the answer to the next request. */
  guint                     stale_responses;

  char                     *result;
  GError                   *error;
  guint                     n_wsman;
};

static void ob_rps_session_transport_init (ObRpsTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObRpsSession, ob_rps_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_RPS_TRANSPORT, ob_rps_session_transport_init))

G_DEFINE_ENUM_TYPE (ObRpsSessionState, ob_rps_session_state,
  G_DEFINE_ENUM_VALUE (OB_RPS_SESSION_WAITING, "waiting"),
  G_DEFINE_ENUM_VALUE (OB_RPS_SESSION_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (OB_RPS_SESSION_SUCCEEDED, "succeeded"),
  G_DEFINE_ENUM_VALUE (OB_RPS_SESSION_FAILED, "failed"))

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum
{
  SIGNAL_FLOW_STARTED,
  SIGNAL_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
clear_exchange (ObRpsSession *self)
{
  if (self->exchange_cancelled_id != 0)
    g_cancellable_disconnect (self->exchange_cancellable, self->exchange_cancelled_id);
  self->exchange_cancelled_id = 0;
  g_clear_object (&self->exchange_cancellable);
}

/* Start the closing handshake; the connection stays ours until it is
 * closed, so what was queued before (the final message) still goes out. */
static void
close_ws (ObRpsSession *self)
{
  if (self->ws != NULL && soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static void
release_ws (ObRpsSession *self)
{
  if (self->ws == NULL)
    return;
  g_clear_signal_handler (&self->message_id, self->ws);
  g_clear_signal_handler (&self->closed_id, self->ws);
  close_ws (self);
  g_clear_object (&self->ws);
}

static void
ob_rps_session_dispose (GObject *object)
{
  ObRpsSession *self = OB_RPS_SESSION (object);

  if (self->first_timeout != NULL)
    {
      g_source_destroy (self->first_timeout);
      g_clear_pointer (&self->first_timeout, g_source_unref);
    }
  g_cancellable_cancel (self->cancellable);
  clear_exchange (self);
  if (self->exchange != NULL)
    {
      g_task_return_new_error (self->exchange, OB_RPS_ERROR, OB_RPS_ERROR_CLOSED, "The session ended");
      g_clear_object (&self->exchange);
    }
  release_ws (self);
  g_clear_object (&self->activation);
  g_clear_object (&self->wsman);

  G_OBJECT_CLASS (ob_rps_session_parent_class)->dispose (object);
}

static void
ob_rps_session_finalize (GObject *object)
{
  ObRpsSession *self = OB_RPS_SESSION (object);

  g_clear_pointer (&self->context, ob_rps_context_unref);
  g_free (self->peer_host);
  g_free (self->client_id);
  g_free (self->method);
  g_clear_pointer (&self->info, ob_rpc_client_info_unref);
  g_free (self->tenant_id);
  g_clear_object (&self->flows);
  g_clear_object (&self->cancellable);
  g_free (self->result);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (ob_rps_session_parent_class)->finalize (object);
}

static void
ob_rps_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ObRpsSession *self = OB_RPS_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_rps_session_class_init (ObRpsSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_rps_session_dispose;
  object_class->finalize = ob_rps_session_finalize;
  object_class->get_property = ob_rps_session_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, OB_TYPE_RPS_SESSION_STATE, OB_RPS_SESSION_WAITING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_FLOW_STARTED] =
    g_signal_new ("flow-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, OB_TYPE_RPS_FLOW);
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ob_rps_session_init (ObRpsSession *self)
{
  g_autofree char *uuid = g_uuid_string_random ();

  self->client_id = g_steal_pointer (&uuid);
  self->flows = g_list_store_new (OB_TYPE_RPS_FLOW);
  self->cancellable = g_cancellable_new ();
  self->state = OB_RPS_SESSION_WAITING;
}

/* ---- Sending and ending ------------------------------------------------------- */

static gboolean
send_message (ObRpsSession *self,
              ObRpcMessage *message)
{
  g_autofree char *text = NULL;

  if (self->ws == NULL || soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return FALSE;
  text = ob_rpc_message_to_json (message);
  soup_websocket_connection_send_text (self->ws, text);
  return TRUE;
}

static void
set_state (ObRpsSession      *self,
           ObRpsSessionState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
finish (ObRpsSession *self,
        gboolean      success,
        const char   *text,
        GError       *error)
{
  g_autoptr(ObRpcMessage) message = NULL;

  if (self->state == OB_RPS_SESSION_SUCCEEDED || self->state == OB_RPS_SESSION_FAILED)
    {
      g_clear_error (&error);
      return;
    }
  if (self->first_timeout != NULL)
    {
      g_source_destroy (self->first_timeout);
      g_clear_pointer (&self->first_timeout, g_source_unref);
    }
  g_free (self->result);
  self->result = g_strdup (text);
  g_clear_error (&self->error);
  self->error = error;

  message = success ? ob_rpc_message_new_success (text) : ob_rpc_message_new_error (text);
  send_message (self, message);
  if (error != NULL)
    g_message ("RPS %s %s from %s failed: %s", self->method != NULL ? self->method : "session",
               self->info != NULL ? self->info->uuid : self->client_id,
               self->peer_host != NULL ? self->peer_host : "?", error->message);
  /* rpc-go stops reading after success/error; closing is ours to do. */
  close_ws (self);
  set_state (self, success ? OB_RPS_SESSION_SUCCEEDED : OB_RPS_SESSION_FAILED);

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
  g_object_unref (self);
}

static void
finish_with_error (ObRpsSession *self,
                   GError       *error)
{
  finish (self, FALSE, error->message, error);
}

/* The message rpc-go gets for a failed flow: the status object when the
 * flow set one, its error text otherwise. */
static void
finish_flow_error (ObRpsSession *self,
                   ObRpsFlow    *flow,
                   GError       *error)
{
  JsonObject *status = ob_rps_flow_get_status (flow);
  g_autofree char *text = NULL;

  if (OB_IS_RPS_MAINTENANCE (flow) && !json_object_has_member (status, "Status"))
    {
      g_autofree char *status_text = g_strdup_printf ("%s failed %s", ob_rpc_task_to_string (self->info->task),
                                                      error->message);

      ob_rps_flow_set_status (flow, "Status", status_text);
    }
  if (json_object_get_size (status) > 0)
    text = ob_rps_flow_dup_status_json (flow);
  else
    text = g_strdup (error->message);
  finish (self, FALSE, text, error);
}

/* ---- Transport ---------------------------------------------------------------- */

static gboolean
exchange_cancelled_idle (gpointer user_data)
{
  ObRpsSession *self = user_data;

  if (self->exchange != NULL && g_cancellable_is_cancelled (self->exchange_cancellable))
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->exchange);

      clear_exchange (self);
      /* Its response, if it ever comes, belongs to no one. */
      self->stale_responses++;
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
    }
  return G_SOURCE_REMOVE;
}

static void
on_exchange_cancelled (GCancellable *cancellable,
                       gpointer      user_data)
{
  ObRpsSession *self = user_data;

  /* Not from inside the canceller's stack. */
  g_idle_add_full (G_PRIORITY_DEFAULT, exchange_cancelled_idle, g_object_ref (self), g_object_unref);
}

static void
session_exchange_async (ObRpsTransport      *transport,
                        GBytes              *request,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  ObRpsSession *self = OB_RPS_SESSION (transport);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(ObRpcMessage) message = NULL;

  g_task_set_source_tag (task, session_exchange_async);
  if (self->exchange != NULL)
    {
      g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_DEVICE,
                               "A request to the device is already in flight");
      return;
    }
  message = ob_rpc_message_new_wsman (request);
  if (!send_message (self, message))
    {
      g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_CLOSED, "rpc-go closed the connection");
      return;
    }
  self->n_wsman++;
  self->exchange = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      self->exchange_cancellable = g_object_ref (cancellable);
      self->exchange_cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_exchange_cancelled),
                                                           self, NULL);
    }
}

static GBytes *
session_exchange_finish (ObRpsTransport  *transport,
                         GAsyncResult    *result,
                         GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ob_rps_session_transport_init (ObRpsTransportInterface *iface)
{
  iface->exchange_async = session_exchange_async;
  iface->exchange_finish = session_exchange_finish;
}

static void
handle_response (ObRpsSession *self,
                 ObRpcMessage *message)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *payload;

  if (self->stale_responses > 0)
    {
      self->stale_responses--;
      return;
    }
  if (self->exchange == NULL)
    {
      g_debug ("RPS %s: a response nobody asked for, dropped", self->client_id);
      return;
    }
  task = g_steal_pointer (&self->exchange);
  clear_exchange (self);
  payload = ob_rpc_message_decode_payload (message, &error);
  if (payload == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, payload, (GDestroyNotify) g_bytes_unref);
}

/* ---- Flows -------------------------------------------------------------------- */

static void run_flow (ObRpsSession *self, ObRpsFlow *flow, GAsyncReadyCallback done);

static void
on_configuration_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ObRpsSession) self = user_data;
  ObRpsFlow *flow = OB_RPS_FLOW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  if (!ob_rps_flow_run_finish (flow, result, &error))
    {
      finish_flow_error (self, flow, g_steal_pointer (&error));
      return;
    }
  status = ob_rps_flow_dup_status_json (flow);
  finish (self, TRUE, status, NULL);
}

static void
on_activation_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObRpsSession) self = user_data;
  ObRpsFlow *flow = OB_RPS_FLOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpsConfiguration) configuration = NULL;

  if (!ob_rps_flow_run_finish (flow, result, &error))
    {
      finish_flow_error (self, flow, g_steal_pointer (&error));
      return;
    }
  configuration = ob_rps_configuration_new (self->wsman, self->info, self->context,
                                            ob_rps_activation_get_profile (self->activation),
                                            ob_rps_activation_get_control_mode (self->activation));
  ob_rps_flow_share_status (OB_RPS_FLOW (configuration), ob_rps_flow_get_status (flow));
  run_flow (self, OB_RPS_FLOW (configuration), on_configuration_done);
}

static void
on_single_flow_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ObRpsSession) self = user_data;
  ObRpsFlow *flow = OB_RPS_FLOW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  if (!ob_rps_flow_run_finish (flow, result, &error))
    {
      finish_flow_error (self, flow, g_steal_pointer (&error));
      return;
    }
  status = ob_rps_flow_dup_status_json (flow);
  finish (self, TRUE, status, NULL);
}

static void
run_flow (ObRpsSession        *self,
          ObRpsFlow           *flow,
          GAsyncReadyCallback  done)
{
  g_list_store_append (self->flows, flow);
  g_signal_emit (self, signals[SIGNAL_FLOW_STARTED], 0, flow);
  ob_rps_flow_run_async (flow, self->cancellable, done, g_object_ref (self));
}

/* The checks before a flow read the store and the keyring: a worker
 * thread does them and builds the flow. */
typedef struct
{
  ObRpcMethod      method;
  ObRpsWsman      *wsman;
  ObRpcClientInfo *info;
  ObRpsContext    *context;
  char            *tenant_id;
  char            *client_id;
  char            *peer_host;
} Prepare;

static void
prepare_free (gpointer data)
{
  Prepare *p = data;

  g_clear_object (&p->wsman);
  g_clear_pointer (&p->info, ob_rpc_client_info_unref);
  g_clear_pointer (&p->context, ob_rps_context_unref);
  g_free (p->tenant_id);
  g_free (p->client_id);
  g_free (p->peer_host);
  g_free (p);
}

static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Prepare *p = task_data;
  GError *error = NULL;
  ObRpsFlow *flow = NULL;

  switch (p->method)
    {
    case OB_RPC_METHOD_ACTIVATE:
      {
        ObRpsActivation *activation = ob_rps_activation_new (p->wsman, p->info, p->context, p->tenant_id, &error);

        if (activation != NULL)
          ob_rps_activation_set_host (activation, p->peer_host);
        flow = (ObRpsFlow *) activation;
      }
      break;
    case OB_RPC_METHOD_DEACTIVATE:
      flow = (ObRpsFlow *) ob_rps_deactivation_new (p->wsman, p->info, p->context, &error);
      break;
    case OB_RPC_METHOD_MAINTENANCE:
      flow = (ObRpsFlow *) ob_rps_maintenance_new (p->wsman, p->info, p->context, p->client_id, &error);
      break;
    case OB_RPC_METHOD_UNKNOWN:
    case OB_RPC_METHOD_RESPONSE:
    case OB_RPC_METHOD_HEARTBEAT_RESPONSE:
    default:
      g_assert_not_reached ();
    }
  if (flow != NULL)
    g_task_return_pointer (task, flow, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
on_prepared (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ObRpsSession *self = OB_RPS_SESSION (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpsFlow) flow = g_task_propagate_pointer (G_TASK (result), &error);

  if (self->state != OB_RPS_SESSION_RUNNING)
    return;  /* rpc-go went away meanwhile */
  if (flow == NULL)
    {
      finish_with_error (self, g_steal_pointer (&error));
      return;
    }
  g_message ("RPS %s of %s from %s", self->method, self->info->uuid,
             self->peer_host != NULL ? self->peer_host : "?");
  if (OB_IS_RPS_ACTIVATION (flow))
    {
      self->activation = g_object_ref (OB_RPS_ACTIVATION (flow));
      run_flow (self, flow, on_activation_done);
    }
  else
    run_flow (self, flow, on_single_flow_done);
}

static void
handle_first (ObRpsSession *self,
              ObRpcMessage *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  ObRpcCommand command;
  Prepare *p;

  if (self->first_timeout != NULL)
    {
      g_source_destroy (self->first_timeout);
      g_clear_pointer (&self->first_timeout, g_source_unref);
    }
  if (!ob_rpc_parse_initial (message, self->client_id, &command, &self->info, &error))
    {
      finish_with_error (self, g_steal_pointer (&error));
      return;
    }
  self->method = g_strdup (command.method_name);
  self->tenant_id = g_strdup (ob_rpc_message_get_tenant_id (message));
  self->wsman = ob_rps_wsman_new (OB_RPS_TRANSPORT (self), self->info->uuid);
  set_state (self, OB_RPS_SESSION_RUNNING);

  p = g_new0 (Prepare, 1);
  p->method = command.method;
  p->wsman = g_object_ref (self->wsman);
  p->info = ob_rpc_client_info_ref (self->info);
  p->context = ob_rps_context_ref (self->context);
  p->tenant_id = g_strdup (self->tenant_id);
  p->client_id = g_strdup (self->client_id);
  p->peer_host = g_strdup (self->peer_host);
  ob_rpc_command_clear (&command);

  task = g_task_new (self, NULL, on_prepared, NULL);
  g_task_set_source_tag (task, handle_first);
  g_task_set_task_data (task, p, prepare_free);
  g_task_run_in_thread (task, prepare_thread);
}

/* ---- The socket ------------------------------------------------------------------- */

static void
on_ws_message (SoupWebsocketConnection *ws,
               int                      type,
               GBytes                  *data,
               gpointer                 user_data)
{
  ObRpsSession *self = user_data;
  g_autoptr(ObRpsSession) hold = g_object_ref (self);
  g_autoptr(SoupWebsocketConnection) ws_hold = g_object_ref (ws);
  g_autoptr(ObRpcMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const char *text = g_bytes_get_data (data, &len);

  message = ob_rpc_message_parse (text, len, &error);
  if (message == NULL)
    {
      /* Garbage from the peer ends the session, whatever the stage. */
      g_prefix_error (&error, "Invalid message from rpc-go: ");
      if (self->exchange != NULL)
        {
          g_autoptr(GTask) task = g_steal_pointer (&self->exchange);

          clear_exchange (self);
          g_task_return_error (task, g_error_copy (error));
        }
      g_cancellable_cancel (self->cancellable);
      finish_with_error (self, g_steal_pointer (&error));
      return;
    }

  if (self->state == OB_RPS_SESSION_WAITING)
    {
      handle_first (self, message);
      return;
    }
  if (g_strcmp0 (ob_rpc_message_get_method (message), OB_RPC_METHOD_NAME_RESPONSE) == 0)
    handle_response (self, message);
  else
    g_debug ("RPS %s: ignoring a “%s” message", self->client_id, ob_rpc_message_get_method (message));
}

static void
on_ws_closed (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  ObRpsSession *self = user_data;
  g_autoptr(ObRpsSession) hold = g_object_ref (self);
  g_autoptr(SoupWebsocketConnection) ws_hold = g_object_ref (ws);

  if (self->exchange != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->exchange);

      clear_exchange (self);
      g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_CLOSED, "rpc-go closed the connection");
    }
  g_cancellable_cancel (self->cancellable);
  release_ws (self);
  finish_with_error (self, g_error_new_literal (OB_RPS_ERROR, OB_RPS_ERROR_CLOSED,
                                                "rpc-go closed the connection"));
}

static gboolean
on_first_timeout (gpointer user_data)
{
  ObRpsSession *self = user_data;

  g_clear_pointer (&self->first_timeout, g_source_unref);
  finish_with_error (self, g_error_new (OB_RPS_ERROR, OB_RPS_ERROR_TIMEOUT,
                                        "No message from rpc-go within %u s",
                                        OB_RPS_SESSION_FIRST_MESSAGE_TIMEOUT_MS / 1000));
  return G_SOURCE_REMOVE;
}

ObRpsSession *
ob_rps_session_new (SoupWebsocketConnection *connection,
                    ObRpsContext            *context,
                    const char              *peer_host)
{
  ObRpsSession *self;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (connection), NULL);
  g_return_val_if_fail (context != NULL, NULL);

  self = g_object_new (OB_TYPE_RPS_SESSION, NULL);
  self->ws = g_object_ref (connection);
  self->context = ob_rps_context_ref (context);
  self->peer_host = g_strdup (peer_host);

  /* The reference's limit; a bigger frame closes the socket. */
  soup_websocket_connection_set_max_incoming_payload_size (connection, OB_RPC_MAX_MESSAGE_BYTES);
  soup_websocket_connection_set_keepalive_interval (connection, 0);
  self->message_id = g_signal_connect (connection, "message", G_CALLBACK (on_ws_message), self);
  self->closed_id = g_signal_connect (connection, "closed", G_CALLBACK (on_ws_closed), self);

  self->first_timeout = g_timeout_source_new (OB_RPS_SESSION_FIRST_MESSAGE_TIMEOUT_MS);
  g_source_set_callback (self->first_timeout, on_first_timeout, self, NULL);
  g_source_set_static_name (self->first_timeout, "[outband] rps first message");
  g_source_attach (self->first_timeout, g_main_context_get_thread_default ());
  return self;
}

const char *
ob_rps_session_get_client_id (ObRpsSession *self)
{
  g_return_val_if_fail (OB_IS_RPS_SESSION (self), NULL);
  return self->client_id;
}

const char *
ob_rps_session_get_peer_host (ObRpsSession *self)
{
  g_return_val_if_fail (OB_IS_RPS_SESSION (self), NULL);
  return self->peer_host;
}

ObRpsSessionState
ob_rps_session_get_state (ObRpsSession *self)
{
  g_return_val_if_fail (OB_IS_RPS_SESSION (self), OB_RPS_SESSION_FAILED);
  return self->state;
}

const char *
ob_rps_session_get_uuid (ObRpsSession *self)
{
  g_return_val_if_fail (OB_IS_RPS_SESSION (self), NULL);
  return self->info != NULL ? self->info->uuid : NULL;
}

const char *
ob_rps_session_get_method (ObRpsSession *self)
{
  g_return_val_if_fail (OB_IS_RPS_SESSION (self), NULL);
  return self->method;
}

GListModel *
ob_rps_session_get_flows (ObRpsSession *self)
{
  g_return_val_if_fail (OB_IS_RPS_SESSION (self), NULL);
  return G_LIST_MODEL (self->flows);
}

const char *
ob_rps_session_get_result (ObRpsSession *self)
{
  g_return_val_if_fail (OB_IS_RPS_SESSION (self), NULL);
  return self->result;
}

const GError *
ob_rps_session_get_error (ObRpsSession *self)
{
  g_return_val_if_fail (OB_IS_RPS_SESSION (self), NULL);
  return self->error;
}

guint
ob_rps_session_get_n_wsman (ObRpsSession *self)
{
  g_return_val_if_fail (OB_IS_RPS_SESSION (self), 0);
  return self->n_wsman;
}

void
ob_rps_session_cancel (ObRpsSession *self)
{
  g_return_if_fail (OB_IS_RPS_SESSION (self));

  if (self->state == OB_RPS_SESSION_RUNNING)
    {
      /* The flow fails as cancelled and ends the session itself. */
      g_cancellable_cancel (self->cancellable);
      return;
    }
  finish_with_error (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"));
}
