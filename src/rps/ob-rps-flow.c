/* ob-rps-flow.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-rps-error.h"
#include "ob-rps-flow.h"
#include "ob-util.h"
#include "ob-wsman-error.h"

/* ---- Context ---------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (ObRpsContext, ob_rps_context, ob_rps_context_ref, ob_rps_context_unref)

ObRpsContext *
ob_rps_context_new (ObStore         *store,
                    ObSecretStore   *secrets,
                    ObCertAuthority *cert_authority)
{
  ObRpsContext *context = g_atomic_rc_box_new0 (ObRpsContext);

  g_return_val_if_fail (OB_IS_STORE (store), NULL);
  g_return_val_if_fail (OB_IS_SECRET_STORE (secrets), NULL);

  context->store = g_object_ref (store);
  context->secrets = g_object_ref (secrets);
  context->cert_authority = cert_authority != NULL ? g_object_ref (cert_authority) : NULL;
  context->settle_delay_ms = 12000;
  context->commit_delay_ms = 5000;
  return context;
}

ObRpsContext *
ob_rps_context_ref (ObRpsContext *context)
{
  return g_atomic_rc_box_acquire (context);
}

static void
context_clear (gpointer data)
{
  ObRpsContext *context = data;

  g_clear_object (&context->store);
  g_clear_object (&context->secrets);
  g_clear_object (&context->cert_authority);
  g_free (context->cira_domain_name);
}

void
ob_rps_context_unref (ObRpsContext *context)
{
  if (context != NULL)
    g_atomic_rc_box_release_full (context, context_clear);
}

/* ---- Flow ------------------------------------------------------------- */

typedef struct
{
  ObRpsWsman      *wsman;
  ObRpcClientInfo *info;
  ObRpsContext    *context;
  GListStore      *steps;
  ObRpsStep       *current;
  JsonObject      *status;
  guint            timeout_ms;
  GSource         *timeout;
  GCancellable    *cancellable;
  gulong           cancelled_id;
  GTask           *task;
  gboolean         started;
  gboolean         finished;
  GSource         *wait;
  ObRpsFlowNext    wait_next;
} ObRpsFlowPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (ObRpsFlow, ob_rps_flow, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_WSMAN,
  PROP_INFO,
  PROP_CONTEXT,
  N_PROPS
};

enum
{
  SIGNAL_STEP,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
ob_rps_flow_dispose (GObject *object)
{
  ObRpsFlow *self = OB_RPS_FLOW (object);
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  if (priv->timeout != NULL)
    {
      g_source_destroy (priv->timeout);
      g_clear_pointer (&priv->timeout, g_source_unref);
    }
  if (priv->wait != NULL)
    {
      g_source_destroy (priv->wait);
      g_clear_pointer (&priv->wait, g_source_unref);
    }
  g_clear_object (&priv->wsman);
  g_clear_object (&priv->current);

  G_OBJECT_CLASS (ob_rps_flow_parent_class)->dispose (object);
}

static void
ob_rps_flow_finalize (GObject *object)
{
  ObRpsFlow *self = OB_RPS_FLOW (object);
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  g_clear_pointer (&priv->info, ob_rpc_client_info_unref);
  g_clear_pointer (&priv->context, ob_rps_context_unref);
  g_clear_object (&priv->steps);
  g_clear_pointer (&priv->status, json_object_unref);
  g_clear_object (&priv->cancellable);

  G_OBJECT_CLASS (ob_rps_flow_parent_class)->finalize (object);
}

static void
ob_rps_flow_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (OB_RPS_FLOW (object));

  switch (prop_id)
    {
    case PROP_WSMAN:
      g_value_set_object (value, priv->wsman);
      break;
    case PROP_INFO:
      g_value_set_pointer (value, priv->info);
      break;
    case PROP_CONTEXT:
      g_value_set_boxed (value, priv->context);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_rps_flow_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (OB_RPS_FLOW (object));

  switch (prop_id)
    {
    case PROP_WSMAN:
      priv->wsman = g_value_dup_object (value);
      break;
    case PROP_INFO:
      if (g_value_get_pointer (value) != NULL)
        priv->info = ob_rpc_client_info_ref (g_value_get_pointer (value));
      break;
    case PROP_CONTEXT:
      priv->context = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_rps_flow_class_init (ObRpsFlowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_rps_flow_dispose;
  object_class->finalize = ob_rps_flow_finalize;
  object_class->get_property = ob_rps_flow_get_property;
  object_class->set_property = ob_rps_flow_set_property;

  properties[PROP_WSMAN] =
    g_param_spec_object ("wsman", NULL, NULL, OB_TYPE_RPS_WSMAN,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* An ObRpcClientInfo (a reference is taken). */
  properties[PROP_INFO] =
    g_param_spec_pointer ("info", NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL, OB_TYPE_RPS_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ObRpsFlow::step:
   * @step: the ObRpsStep that just ended
   */
  signals[SIGNAL_STEP] =
    g_signal_new ("step", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, OB_TYPE_RPS_STEP);
}

static void
ob_rps_flow_init (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  priv->steps = g_list_store_new (OB_TYPE_RPS_STEP);
  priv->status = json_object_new ();
  priv->timeout_ms = OB_RPS_FLOW_DEFAULT_TIMEOUT_MS;
  priv->cancellable = g_cancellable_new ();
}

ObRpsWsman *
ob_rps_flow_get_wsman (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  return priv->wsman;
}

const ObRpcClientInfo *
ob_rps_flow_get_info (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  return priv->info;
}

ObRpsContext *
ob_rps_flow_get_context (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  return priv->context;
}

GListModel *
ob_rps_flow_get_steps (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv;

  g_return_val_if_fail (OB_IS_RPS_FLOW (self), NULL);
  priv = ob_rps_flow_get_instance_private (self);
  return G_LIST_MODEL (priv->steps);
}

ObRpsStep *
ob_rps_flow_get_current_step (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv;

  g_return_val_if_fail (OB_IS_RPS_FLOW (self), NULL);
  priv = ob_rps_flow_get_instance_private (self);
  return priv->current;
}

JsonObject *
ob_rps_flow_get_status (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  return priv->status;
}

void
ob_rps_flow_share_status (ObRpsFlow  *self,
                          JsonObject *status)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  g_return_if_fail (status != NULL);
  json_object_ref (status);
  json_object_unref (priv->status);
  priv->status = status;
}

void
ob_rps_flow_set_status (ObRpsFlow  *self,
                        const char *key,
                        const char *value)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  json_object_set_string_member (priv->status, key, value);
}

char *
ob_rps_flow_dup_status_json (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, priv->status);
  return json_to_string (node, FALSE);
}

void
ob_rps_flow_set_timeout (ObRpsFlow *self,
                         guint      timeout_ms)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  g_return_if_fail (!priv->started);
  priv->timeout_ms = timeout_ms;
}

GCancellable *
ob_rps_flow_get_cancellable (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  return priv->cancellable;
}

gboolean
ob_rps_flow_get_finished (ObRpsFlow *self)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  return priv->finished;
}

/* ---- Steps -------------------------------------------------------------- */

static void
finish_current (ObRpsFlow      *self,
                ObRpsStepState  state,
                const char     *detail)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  g_autoptr(ObRpsStep) step = NULL;

  if (priv->current == NULL || ob_rps_step_get_state (priv->current) != OB_RPS_STEP_RUNNING)
    return;
  step = g_object_ref (priv->current);
  ob_rps_step_finish (step, state, detail);
  g_debug ("%s %s: %s (%u ms)%s%s",
           priv->info != NULL ? priv->info->uuid : "?", ob_rps_step_get_name (step),
           ob_rps_step_state_to_string (state), ob_rps_step_get_duration_ms (step),
           detail != NULL ? " " : "", detail != NULL ? detail : "");
  g_signal_emit (self, signals[SIGNAL_STEP], 0, step);
}

ObRpsStep *
ob_rps_flow_begin_step (ObRpsFlow  *self,
                        const char *format,
                        ...)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  g_autofree char *name = NULL;
  va_list args;

  finish_current (self, OB_RPS_STEP_DONE, NULL);
  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);

  g_clear_object (&priv->current);
  priv->current = ob_rps_step_new (name);
  g_list_store_append (priv->steps, priv->current);
  return priv->current;
}

void
ob_rps_flow_end_step (ObRpsFlow  *self,
                      const char *detail)
{
  finish_current (self, OB_RPS_STEP_DONE, detail);
}

void
ob_rps_flow_ignore_step (ObRpsFlow    *self,
                         const GError *error)
{
  finish_current (self, OB_RPS_STEP_IGNORED, error != NULL ? error->message : NULL);
}

static void
log_activity (ObRpsFlow    *self,
              const GError *error)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  ObRpsFlowClass *klass = OB_RPS_FLOW_GET_CLASS (self);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *detail = NULL;
  const char *target = NULL;

  if (priv->context == NULL || priv->context->store == NULL || priv->info == NULL)
    return;
  if (priv->info->task != OB_RPC_TASK_NONE)
    target = ob_rpc_task_to_string (priv->info->task);
  else
    target = priv->info->profile;
  detail = error != NULL ? g_strdup (error->message) : ob_rps_flow_dup_status_json (self);
  if (!ob_store_log_activity (priv->context->store, OB_ACTIVITY_ACTOR_RPS,
                              klass->action_name != NULL ? klass->action_name : "provision",
                              priv->info->uuid, target,
                              error != NULL ? OB_ACTIVITY_RESULT_FAILURE : OB_ACTIVITY_RESULT_SUCCESS,
                              detail, &local_error))
    g_warning ("Could not log the %s of %s: %s", klass->action_name, priv->info->uuid,
               local_error->message);
}

static void
complete (ObRpsFlow *self,
          GError    *error)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  g_autoptr(GTask) task = NULL;

  if (priv->finished)
    {
      g_clear_error (&error);
      return;
    }
  priv->finished = TRUE;
  if (priv->timeout != NULL)
    {
      g_source_destroy (priv->timeout);
      g_clear_pointer (&priv->timeout, g_source_unref);
    }
  if (priv->wait != NULL)
    {
      g_source_destroy (priv->wait);
      g_clear_pointer (&priv->wait, g_source_unref);
    }
  if (priv->cancelled_id != 0 && priv->task != NULL && g_task_get_cancellable (priv->task) != NULL)
    g_cancellable_disconnect (g_task_get_cancellable (priv->task), priv->cancelled_id);
  priv->cancelled_id = 0;

  log_activity (self, error);
  /* Stop anything still in flight (a call the timeout interrupted). */
  g_cancellable_cancel (priv->cancellable);

  task = g_steal_pointer (&priv->task);
  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
ob_rps_flow_fail (ObRpsFlow *self,
                  GError    *error)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  g_return_if_fail (error != NULL);

  if (priv->finished)
    {
      g_error_free (error);
      return;
    }
  finish_current (self, OB_RPS_STEP_FAILED, error->message);
  if (priv->current != NULL)
    g_prefix_error (&error, "%s: ", ob_rps_step_get_name (priv->current));
  complete (self, error);
}

void
ob_rps_flow_fail_text (ObRpsFlow  *self,
                       const char *format,
                       ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  ob_rps_flow_fail (self, g_error_new_literal (OB_RPS_ERROR, OB_RPS_ERROR_DEVICE, text));
}

void
ob_rps_flow_succeed (ObRpsFlow *self)
{
  finish_current (self, OB_RPS_STEP_DONE, NULL);
  complete (self, NULL);
}

static gboolean
on_flow_timeout (gpointer user_data)
{
  ObRpsFlow *self = user_data;
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  g_clear_pointer (&priv->timeout, g_source_unref);
  if (priv->timeout_ms % 1000 == 0)
    ob_rps_flow_fail (self, g_error_new (OB_RPS_ERROR, OB_RPS_ERROR_TIMEOUT,
                                         "The flow did not finish within %u s", priv->timeout_ms / 1000));
  else
    ob_rps_flow_fail (self, g_error_new (OB_RPS_ERROR, OB_RPS_ERROR_TIMEOUT,
                                         "The flow did not finish within %u ms", priv->timeout_ms));
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_idle (gpointer user_data)
{
  ObRpsFlow *self = user_data;

  ob_rps_flow_fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"));
  return G_SOURCE_REMOVE;
}

static void
on_run_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  ObRpsFlow *self = user_data;

  /* Out of the signal emission: complete() disconnects this handler. */
  g_idle_add_full (G_PRIORITY_DEFAULT, cancelled_idle, g_object_ref (self), g_object_unref);
}

void
ob_rps_flow_run_async (ObRpsFlow           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  ObRpsFlowPrivate *priv;

  g_return_if_fail (OB_IS_RPS_FLOW (self));
  priv = ob_rps_flow_get_instance_private (self);
  g_return_if_fail (!priv->started);
  g_return_if_fail (priv->wsman != NULL && priv->info != NULL && priv->context != NULL);

  priv->started = TRUE;
  priv->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (priv->task, ob_rps_flow_run_async);
  /* Our own cancellation error names the step; GTask's would not. */
  g_task_set_check_cancellable (priv->task, FALSE);

  if (priv->timeout_ms > 0)
    {
      priv->timeout = g_timeout_source_new (priv->timeout_ms);
      g_source_set_callback (priv->timeout, on_flow_timeout, self, NULL);
      g_source_set_static_name (priv->timeout, "[outband] rps flow timeout");
      g_source_attach (priv->timeout, g_task_get_context (priv->task));
    }
  if (cancellable != NULL)
    priv->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_run_cancelled), self, NULL);

  OB_RPS_FLOW_GET_CLASS (self)->start (self);
}

gboolean
ob_rps_flow_run_finish (ObRpsFlow     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- WS-Man calls --------------------------------------------------------- */

typedef struct
{
  ObRpsFlow           *flow;
  ObRpsStep           *step;
  ObRpsCallMode        mode;
  ObRpsFlowReply       reply;
  ObRpsFlowItemsReply  items_reply;
} Call;

static Call *
call_new (ObRpsFlow     *self,
          ObRpsCallMode  mode,
          const char    *format,
          ...) G_GNUC_PRINTF (3, 4);

static Call *
call_new (ObRpsFlow     *self,
          ObRpsCallMode  mode,
          const char    *format,
          ...)
{
  Call *call = g_new0 (Call, 1);
  g_autofree char *name = NULL;
  va_list args;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);

  call->flow = g_object_ref (self);
  call->step = g_object_ref (ob_rps_flow_begin_step (self, "%s", name));
  call->mode = mode;
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->flow);
  g_object_unref (call->step);
  g_free (call);
}

/* Shared by both reply kinds: TRUE when the reply should run. */
static gboolean
call_settle (Call         *call,
             const GError *error)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (call->flow);

  if (priv->finished)
    return FALSE;
  if (error == NULL)
    return TRUE;
  if (call->mode == OB_RPS_CALL_FATAL)
    {
      ob_rps_flow_fail (call->flow, g_error_copy (error));
      return FALSE;
    }
  ob_rps_flow_ignore_step (call->flow, error);
  return TRUE;
}

static void
call_after_reply (Call *call)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (call->flow);

  /* The reply neither failed the flow nor started another step. */
  if (!priv->finished && priv->current == call->step)
    finish_current (call->flow, OB_RPS_STEP_DONE, NULL);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = ob_rps_wsman_request_finish (OB_RPS_WSMAN (source), result, &error);

  if (call_settle (call, error))
    {
      call->reply (call->flow, response, error);
      call_after_reply (call);
    }
  call_free (call);
}

static void
on_items_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = ob_rps_wsman_enumerate_finish (OB_RPS_WSMAN (source), result, &error);

  if (call_settle (call, error))
    {
      call->items_reply (call->flow, items, error);
      call_after_reply (call);
    }
  call_free (call);
}

void
ob_rps_flow_get (ObRpsFlow        *self,
                 ObRpsCallMode     mode,
                 const char       *class_name,
                 ObWsmanSelectors *selectors,
                 ObRpsFlowReply    reply)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  Call *call = call_new (self, mode, "Get %s", class_name);

  call->reply = reply;
  ob_rps_wsman_request_async (priv->wsman, OB_WSMAN_ACTION_GET, class_name, selectors, NULL,
                              priv->cancellable, on_call_done, call);
}

void
ob_rps_flow_put (ObRpsFlow        *self,
                 ObRpsCallMode     mode,
                 const char       *class_name,
                 ObWsmanSelectors *selectors,
                 JsonObject       *instance,
                 ObRpsFlowReply    reply)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  Call *call = call_new (self, mode, "Put %s", class_name);
  g_autoptr(GError) error = NULL;
  g_autofree char *body = ob_wsman_body_from_json (class_name, instance, &error);

  call->reply = reply;
  if (body == NULL)
    {
      /* Same path as a failed call, so the reply sees it. */
      if (call_settle (call, error))
        {
          call->reply (call->flow, NULL, error);
          call_after_reply (call);
        }
      call_free (call);
      return;
    }
  ob_rps_wsman_request_async (priv->wsman, OB_WSMAN_ACTION_PUT, class_name, selectors, body,
                              priv->cancellable, on_call_done, call);
}

void
ob_rps_flow_create (ObRpsFlow        *self,
                    ObRpsCallMode     mode,
                    const char       *class_name,
                    JsonObject       *instance,
                    ObRpsFlowReply    reply)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  Call *call = call_new (self, mode, "Create %s", class_name);
  g_autoptr(GError) error = NULL;
  g_autofree char *body = ob_wsman_body_from_json (class_name, instance, &error);

  call->reply = reply;
  if (body == NULL)
    {
      if (call_settle (call, error))
        {
          call->reply (call->flow, NULL, error);
          call_after_reply (call);
        }
      call_free (call);
      return;
    }
  ob_rps_wsman_request_async (priv->wsman, OB_WSMAN_ACTION_CREATE, class_name, NULL, body,
                              priv->cancellable, on_call_done, call);
}

void
ob_rps_flow_delete (ObRpsFlow        *self,
                    ObRpsCallMode     mode,
                    const char       *class_name,
                    ObWsmanSelectors *selectors,
                    ObRpsFlowReply    reply)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  Call *call = call_new (self, mode, "Delete %s", class_name);

  call->reply = reply;
  ob_rps_wsman_request_async (priv->wsman, OB_WSMAN_ACTION_DELETE, class_name, selectors, NULL,
                              priv->cancellable, on_call_done, call);
}

void
ob_rps_flow_invoke_xml (ObRpsFlow        *self,
                        ObRpsCallMode     mode,
                        const char       *class_name,
                        const char       *method,
                        const char       *input_fragment,
                        ObRpsFlowReply    reply)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  Call *call = call_new (self, mode, "%s.%s", class_name, method);
  g_autofree char *action = ob_wsman_method_action (class_name, method);

  call->reply = reply;
  ob_rps_wsman_request_async (priv->wsman, action, class_name, NULL, input_fragment,
                              priv->cancellable, on_call_done, call);
}

void
ob_rps_flow_invoke (ObRpsFlow        *self,
                    ObRpsCallMode     mode,
                    const char       *class_name,
                    const char       *method,
                    ObWsmanSelectors *selectors,
                    ObWsmanSelectors *args,
                    ObRpsFlowReply    reply)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  Call *call = call_new (self, mode, "%s.%s", class_name, method);
  g_autofree char *action = ob_wsman_method_action (class_name, method);
  g_autofree char *body = ob_wsman_body_method_input (class_name, method, args);

  call->reply = reply;
  ob_rps_wsman_request_async (priv->wsman, action, class_name, selectors, body,
                              priv->cancellable, on_call_done, call);
}

void
ob_rps_flow_enumerate (ObRpsFlow           *self,
                       ObRpsCallMode        mode,
                       const char          *class_name,
                       ObRpsFlowItemsReply  reply)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  Call *call = call_new (self, mode, "Enumerate %s", class_name);

  call->items_reply = reply;
  ob_rps_wsman_enumerate_async (priv->wsman, class_name, priv->cancellable, on_items_done, call);
}

static gboolean
on_wait_done (gpointer user_data)
{
  ObRpsFlow *self = user_data;
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  ObRpsFlowNext next = priv->wait_next;

  g_clear_pointer (&priv->wait, g_source_unref);
  priv->wait_next = NULL;
  finish_current (self, OB_RPS_STEP_DONE, NULL);
  next (self);
  return G_SOURCE_REMOVE;
}

void
ob_rps_flow_wait (ObRpsFlow     *self,
                  guint          milliseconds,
                  const char    *why,
                  ObRpsFlowNext  next)
{
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);

  if (milliseconds == 0)
    {
      next (self);
      return;
    }
  ob_rps_flow_begin_step (self, "Wait %u ms %s", milliseconds, why);
  priv->wait_next = next;
  priv->wait = g_timeout_source_new (milliseconds);
  g_source_set_callback (priv->wait, on_wait_done, self, NULL);
  g_source_set_static_name (priv->wait, "[outband] rps wait");
  g_source_attach (priv->wait, priv->task != NULL ? g_task_get_context (priv->task) : NULL);
}

/* ---- Work in a thread ------------------------------------------------------ */

typedef struct
{
  ObRpsFlowWork     work;
  ObRpsFlowWorkDone done;
} Work;

static void
work_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Work *w = task_data;
  GError *error = NULL;

  if (w->work (OB_RPS_FLOW (source_object), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_work_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ObRpsFlow *self = OB_RPS_FLOW (source);
  ObRpsFlowPrivate *priv = ob_rps_flow_get_instance_private (self);
  Work *w = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (priv->finished)
    return;
  w->done (self, error);
}

void
ob_rps_flow_work (ObRpsFlow         *self,
                  ObRpsFlowWork      work,
                  ObRpsFlowWorkDone  done)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, on_work_done, NULL);
  Work *w = g_new0 (Work, 1);

  w->work = work;
  w->done = done;
  g_task_set_source_tag (task, ob_rps_flow_work);
  g_task_set_task_data (task, w, g_free);
  g_task_run_in_thread (task, work_thread);
}

/* ---- Helpers ------------------------------------------------------------ */

gint64
ob_rps_flow_return_value (ObWsmanResponse *response,
                          const char      *method)
{
  gint64 value = -1;

  if (response == NULL || !ob_wsman_response_get_return_value (response, method, &value, NULL))
    return -1;
  return value;
}

const char *
ob_rps_json_string (JsonObject *object,
                    const char *member)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, member)) == NULL)
    return "";
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return "";
}

gint64
ob_rps_json_int (JsonObject *object,
                 const char *member,
                 gint64      fallback)
{
  JsonNode *node;
  gint64 v;

  if (object == NULL || (node = json_object_get_member (object, member)) == NULL
      || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING
      && g_ascii_string_to_signed (json_node_get_string (node), 10, G_MININT64, G_MAXINT64, &v, NULL))
    return v;
  return fallback;
}

gboolean
ob_rps_json_bool (JsonObject *object,
                  const char *member,
                  gboolean    fallback)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, member)) == NULL
      || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strcasecmp (json_node_get_string (node), "true") == 0;
  return fallback;
}

static void
admin_hash (const char *realm,
            const char *password,
            guint8      digest[16])
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  gsize len = 16;

  g_checksum_update (md5, (const guchar *) "admin:", 6);
  g_checksum_update (md5, (const guchar *) realm, (gssize) strlen (realm));
  g_checksum_update (md5, (const guchar *) ":", 1);
  g_checksum_update (md5, (const guchar *) password, (gssize) strlen (password));
  g_checksum_get_digest (md5, digest, &len);
}

char *
ob_rps_admin_password_hash_hex (const char *realm,
                                const char *password)
{
  guint8 digest[16];

  admin_hash (realm, password, digest);
  return ob_hex_encode (digest, sizeof digest, FALSE);
}

char *
ob_rps_admin_password_hash_base64 (const char *realm,
                                   const char *password)
{
  guint8 digest[16];

  admin_hash (realm, password, digest);
  return g_base64_encode (digest, sizeof digest);
}

gboolean
ob_rps_digest_realm_is_valid (const char *realm)
{
  if (realm == NULL || !g_str_has_prefix (realm, "Digest:") || strlen (realm) != 7 + 32)
    return FALSE;
  for (const char *p = realm + 7; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

gboolean
ob_rps_check_activated_device (ObRpsContext           *context,
                               const ObRpcClientInfo  *info,
                               GError                **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *stored = NULL;
  gboolean match;

  g_return_val_if_fail (context != NULL && info != NULL, FALSE);

  if (info->current_mode == 0)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                   "Device %s is in pre-provisioning mode.", info->uuid);
      return FALSE;
    }
  if (info->force)
    return TRUE;
  stored = ob_secret_store_lookup_text_sync (context->secrets, OB_SECRET_OWNER_DEVICE, info->uuid,
                                             OB_SECRET_KIND_AMT_PASSWORD, NULL, &local_error);
  if (stored == NULL && local_error != NULL)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE, "Keyring: %s", local_error->message);
      return FALSE;
    }
  /* A missing record fails too: nothing to compare with. */
  match = stored != NULL && info->password != NULL && g_strcmp0 (stored, info->password) == 0;
  if (stored != NULL)
    ob_secure_clear (stored, strlen (stored));
  if (!match)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                   "AMT password DOES NOT match stored version for Device %s", info->uuid);
      return FALSE;
    }
  return TRUE;
}
