/* ob-rps-deactivation.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-rps-deactivation.h"
#include "ob-rps-error.h"

typedef enum
{
  STATE_INIT,
  STATE_UNPROVISION,
  STATE_FORGET,
  STATE_DONE,
} State;

struct _ObRpsDeactivation
{
  ObRpsFlow parent_instance;

  State     state;
};

G_DEFINE_FINAL_TYPE (ObRpsDeactivation, ob_rps_deactivation, OB_TYPE_RPS_FLOW)

static void advance (ObRpsDeactivation *self);

static void
start (ObRpsFlow *flow)
{
  ObRpsDeactivation *self = OB_RPS_DEACTIVATION (flow);

  self->state = STATE_UNPROVISION;
  advance (self);
}

static void
ob_rps_deactivation_class_init (ObRpsDeactivationClass *klass)
{
  ObRpsFlowClass *flow_class = OB_RPS_FLOW_CLASS (klass);

  flow_class->action_name = "deactivate";
  flow_class->start = start;
}

static void
ob_rps_deactivation_init (ObRpsDeactivation *self)
{
}

ObRpsDeactivation *
ob_rps_deactivation_new (ObRpsWsman       *wsman,
                         ObRpcClientInfo  *info,
                         ObRpsContext     *context,
                         GError          **error)
{
  g_return_val_if_fail (OB_IS_RPS_WSMAN (wsman), NULL);
  g_return_val_if_fail (info != NULL && context != NULL, NULL);

  if (!ob_rps_check_activated_device (context, info, error))
    return NULL;
  ob_rps_wsman_set_credentials (wsman, "admin", info->password);
  return g_object_new (OB_TYPE_RPS_DEACTIVATION, "wsman", wsman, "info", info, "context", context, NULL);
}

static void
on_unprovision (ObRpsFlow       *flow,
                ObWsmanResponse *response,
                const GError    *error)
{
  ObRpsDeactivation *self = OB_RPS_DEACTIVATION (flow);
  gint64 rv = ob_rps_flow_return_value (response, "Unprovision");

  if (rv != 0)
    {
      ob_rps_flow_set_status (flow, "Status", "Deactivation failed");
      ob_rps_flow_fail_text (flow, "Deactivation failed (ReturnValue %" G_GINT64_FORMAT ")", rv);
      return;
    }
  self->state = STATE_FORGET;
  advance (self);
}

/* In a worker thread: the keyring and the store. */
static gboolean
forget_work (ObRpsFlow  *flow,
             GError    **error)
{
  ObRpsContext *context = ob_rps_flow_get_context (flow);
  const char *uuid = ob_rps_flow_get_info (flow)->uuid;
  const char *kinds[] = { OB_SECRET_KIND_AMT_PASSWORD, OB_SECRET_KIND_MEBX_PASSWORD, OB_SECRET_KIND_MPS_PASSWORD };
  g_autoptr(GError) local_error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (!ob_secret_store_clear_sync (context->secrets, OB_SECRET_OWNER_DEVICE, uuid, kinds[i], NULL, &local_error))
      {
        g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE, "Keyring: %s", local_error->message);
        return FALSE;
      }
  if (!ob_store_delete_device (context->store, uuid, &local_error)
      && !g_error_matches (local_error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE, "Store: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
forget_done (ObRpsFlow    *flow,
             const GError *error)
{
  ObRpsDeactivation *self = OB_RPS_DEACTIVATION (flow);

  if (error != NULL)
    {
      ob_rps_flow_fail (flow, g_error_copy (error));
      return;
    }
  ob_rps_flow_set_status (flow, "Status", "Deactivated");
  self->state = STATE_DONE;
  advance (self);
}

static void
forget (ObRpsDeactivation *self)
{
  ob_rps_flow_begin_step (OB_RPS_FLOW (self), "Forget the device and its passwords");
  ob_rps_flow_work (OB_RPS_FLOW (self), forget_work, forget_done);
}

static void
advance (ObRpsDeactivation *self)
{
  ObRpsFlow *flow = OB_RPS_FLOW (self);

  if (ob_rps_flow_get_finished (flow))
    return;

  switch (self->state)
    {
    case STATE_UNPROVISION:
      {
        g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("ProvisioningMode", "1", NULL);

        ob_rps_flow_invoke (flow, OB_RPS_CALL_FATAL, "AMT_SetupAndConfigurationService", "Unprovision",
                            NULL, args, on_unprovision);
      }
      break;
    case STATE_FORGET:
      forget (self);
      break;
    case STATE_DONE:
      ob_rps_flow_succeed (flow);
      break;
    case STATE_INIT:
    default:
      g_assert_not_reached ();
    }
}
