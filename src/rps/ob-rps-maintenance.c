/* ob-rps-maintenance.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-rps-error.h"
#include "ob-rps-maintenance.h"
#include "ob-util.h"

#define TIME_SERVICE   "AMT_TimeSynchronizationService"
#define ETHERNET_CLASS "AMT_EthernetPortSettings"

typedef enum
{
  STATE_INIT,
  /* synctime */
  STATE_GET_TIME,
  STATE_SET_TIME,
  /* changepassword, synchostname */
  STATE_GENERAL_SETTINGS,
  STATE_SET_PASSWORD,
  STATE_PUT_HOSTNAME,
  /* syncip */
  STATE_ETHERNET,
  STATE_PUT_ETHERNET,
  /* every task ends with the store */
  STATE_SAVE,
  STATE_DONE,
} State;

struct _ObRpsMaintenance
{
  ObRpsFlow   parent_instance;

  State       state;
  ObRpcTask   task;
  gint64      ta0;
  char       *new_password;
  JsonObject *general_settings;
  JsonObject *wired;
};

G_DEFINE_FINAL_TYPE (ObRpsMaintenance, ob_rps_maintenance, OB_TYPE_RPS_FLOW)

static void advance (ObRpsMaintenance *self);

static void
ob_rps_maintenance_finalize (GObject *object)
{
  ObRpsMaintenance *self = OB_RPS_MAINTENANCE (object);

  if (self->new_password != NULL)
    ob_secure_free_string (self->new_password);
  g_clear_pointer (&self->general_settings, json_object_unref);
  g_clear_pointer (&self->wired, json_object_unref);

  G_OBJECT_CLASS (ob_rps_maintenance_parent_class)->finalize (object);
}

static void
start (ObRpsFlow *flow)
{
  ObRpsMaintenance *self = OB_RPS_MAINTENANCE (flow);

  switch (self->task)
    {
    case OB_RPC_TASK_SYNC_TIME:
      self->state = STATE_GET_TIME;
      break;
    case OB_RPC_TASK_CHANGE_PASSWORD:
    case OB_RPC_TASK_SYNC_HOSTNAME:
      self->state = STATE_GENERAL_SETTINGS;
      break;
    case OB_RPC_TASK_SYNC_IP:
      self->state = STATE_ETHERNET;
      break;
    case OB_RPC_TASK_SYNC_DEVICE_INFO:
      self->state = STATE_SAVE;
      break;
    case OB_RPC_TASK_NONE:
    default:
      g_assert_not_reached ();
    }
  advance (self);
}

static void
ob_rps_maintenance_class_init (ObRpsMaintenanceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ObRpsFlowClass *flow_class = OB_RPS_FLOW_CLASS (klass);

  object_class->finalize = ob_rps_maintenance_finalize;
  flow_class->action_name = "maintenance";
  flow_class->start = start;
}

static void
ob_rps_maintenance_init (ObRpsMaintenance *self)
{
}

ObRpsMaintenance *
ob_rps_maintenance_new (ObRpsWsman       *wsman,
                        ObRpcClientInfo  *info,
                        ObRpsContext     *context,
                        const char       *client_id,
                        GError          **error)
{
  ObRpsMaintenance *self;

  g_return_val_if_fail (OB_IS_RPS_WSMAN (wsman), NULL);
  g_return_val_if_fail (info != NULL && context != NULL, NULL);

  if (client_id == NULL)
    client_id = "";
  if (info->task == OB_RPC_TASK_NONE)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                   "%s - missing maintenance task in message", client_id);
      return NULL;
    }
  if (!ob_rps_check_activated_device (context, info, error))
    return NULL;
  if (info->task == OB_RPC_TASK_SYNC_IP && !info->ip_configuration.present)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                   "%s - missing ipConfiguration", client_id);
      return NULL;
    }
  if (info->task == OB_RPC_TASK_SYNC_HOSTNAME && !info->has_hostname_info)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_PAYLOAD,
                   "%s - missing HostnameInfo", client_id);
      return NULL;
    }

  ob_rps_wsman_set_credentials (wsman, "admin", info->password);
  self = g_object_new (OB_TYPE_RPS_MAINTENANCE, "wsman", wsman, "info", info, "context", context, NULL);
  self->task = info->task;
  return self;
}

const char *
ob_rps_maintenance_get_new_password (ObRpsMaintenance *self)
{
  g_return_val_if_fail (OB_IS_RPS_MAINTENANCE (self), NULL);
  return self->new_password;
}

static void
go (ObRpsMaintenance *self,
    State             state)
{
  self->state = state;
  advance (self);
}

/* "<task> failed <detail>" is both rpc-go's Status and the error. */
static void
task_fail (ObRpsMaintenance *self,
           const char       *detail)
{
  ObRpsFlow *flow = OB_RPS_FLOW (self);
  g_autofree char *text = g_strdup_printf ("%s failed %s", ob_rpc_task_to_string (self->task), detail);

  ob_rps_flow_set_status (flow, "Status", text);
  ob_rps_flow_fail_text (flow, "%s", text);
}

/* ---- synctime ------------------------------------------------------------ */

static void
on_get_time (ObRpsFlow       *flow,
             ObWsmanResponse *response,
             const GError    *error)
{
  ObRpsMaintenance *self = OB_RPS_MAINTENANCE (flow);
  JsonObject *output = ob_wsman_response_get_class_json (response, "GetLowAccuracyTimeSynch_OUTPUT");

  if (ob_rps_flow_return_value (response, "GetLowAccuracyTimeSynch") != 0
      || output == NULL || !json_object_has_member (output, "Ta0"))
    {
      task_fail (self, "GetLowAccuracyTimeSynch");
      return;
    }
  self->ta0 = ob_rps_json_int (output, "Ta0", 0);
  go (self, STATE_SET_TIME);
}

static void
on_set_time (ObRpsFlow       *flow,
             ObWsmanResponse *response,
             const GError    *error)
{
  ObRpsMaintenance *self = OB_RPS_MAINTENANCE (flow);

  if (ob_rps_flow_return_value (response, "SetHighAccuracyTimeSynch") != 0)
    {
      task_fail (self, "SetHighAccuracyTimeSynch");
      return;
    }
  go (self, STATE_SAVE);
}

static void
set_time (ObRpsMaintenance *self)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *ta0 = g_strdup_printf ("%" G_GINT64_FORMAT, self->ta0);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);

  ob_wsman_selectors_add (args, "Ta0", ta0);
  ob_wsman_selectors_add (args, "Tm1", now);
  ob_wsman_selectors_add (args, "Tm2", now);
  ob_rps_flow_invoke (OB_RPS_FLOW (self), OB_RPS_CALL_FATAL, TIME_SERVICE, "SetHighAccuracyTimeSynch",
                      NULL, args, on_set_time);
}

/* ---- changepassword, synchostname ------------------------------------------ */

static void
on_general_settings (ObRpsFlow       *flow,
                     ObWsmanResponse *response,
                     const GError    *error)
{
  ObRpsMaintenance *self = OB_RPS_MAINTENANCE (flow);
  const ObRpcClientInfo *info = ob_rps_flow_get_info (flow);
  JsonObject *settings = ob_wsman_response_get_class_json (response, "AMT_GeneralSettings");
  const char *wanted;

  if (settings == NULL)
    {
      task_fail (self, "no AMT_GeneralSettings");
      return;
    }
  g_clear_pointer (&self->general_settings, json_object_unref);
  self->general_settings = json_object_ref (settings);

  if (self->task == OB_RPC_TASK_CHANGE_PASSWORD)
    {
      if (!ob_rps_digest_realm_is_valid (ob_rps_json_string (settings, "DigestRealm")))
        {
          task_fail (self, "Not a valid digest realm.");
          return;
        }
      go (self, STATE_SET_PASSWORD);
      return;
    }

  wanted = info->hostname_info_hostname;
  if (wanted == NULL || *wanted == '\0')
    {
      task_fail (self, "host name was not provided");
      return;
    }
  if (g_strcmp0 (wanted, ob_rps_json_string (settings, "HostName")) == 0)
    {
      task_fail (self, "host name already synchronized");
      return;
    }
  go (self, STATE_PUT_HOSTNAME);
}

static void
on_password_set (ObRpsFlow       *flow,
                 ObWsmanResponse *response,
                 const GError    *error)
{
  ObRpsMaintenance *self = OB_RPS_MAINTENANCE (flow);
  g_autofree char *text = NULL;
  gint64 rv = ob_rps_flow_return_value (response, "SetAdminAclEntryEx");

  if (rv != 0)
    {
      text = g_strdup_printf ("SetAdminAclEntryEx ReturnValue %" G_GINT64_FORMAT, rv);
      task_fail (self, text);
      return;
    }
  ob_rps_wsman_set_credentials (ob_rps_flow_get_wsman (flow), "admin", self->new_password);
  go (self, STATE_SAVE);
}

static void
set_password (ObRpsMaintenance *self)
{
  const ObRpcClientInfo *info = ob_rps_flow_get_info (OB_RPS_FLOW (self));
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *digest = NULL;

  self->new_password = info->task_arg != NULL && *info->task_arg != '\0' ? g_strdup (info->task_arg)
                                                                           : ob_random_password ();
  digest = ob_rps_admin_password_hash_base64 (ob_rps_json_string (self->general_settings, "DigestRealm"),
                                              self->new_password);
  ob_wsman_selectors_add (args, "Username", "admin");
  ob_wsman_selectors_add (args, "DigestPassword", digest);
  ob_rps_flow_invoke (OB_RPS_FLOW (self), OB_RPS_CALL_FATAL, "AMT_AuthorizationService", "SetAdminAclEntryEx",
                      NULL, args, on_password_set);
}

static void
on_hostname_put (ObRpsFlow       *flow,
                 ObWsmanResponse *response,
                 const GError    *error)
{
  go (OB_RPS_MAINTENANCE (flow), STATE_SAVE);
}

static void
put_hostname (ObRpsMaintenance *self)
{
  const ObRpcClientInfo *info = ob_rps_flow_get_info (OB_RPS_FLOW (self));
  g_autoptr(JsonObject) copy = json_object_ref (self->general_settings);

  json_object_set_string_member (copy, "HostName", info->hostname_info_hostname);
  ob_rps_flow_put (OB_RPS_FLOW (self), OB_RPS_CALL_FATAL, "AMT_GeneralSettings", NULL, copy, on_hostname_put);
}

/* ---- syncip --------------------------------------------------------------- */

static void
on_ethernet (ObRpsFlow    *flow,
             GPtrArray    *items,
             const GError *error)
{
  ObRpsMaintenance *self = OB_RPS_MAINTENANCE (flow);
  const ObRpcClientInfo *info = ob_rps_flow_get_info (flow);
  gboolean wireless = FALSE;

  g_clear_pointer (&self->wired, json_object_unref);
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      JsonNode *node = g_ptr_array_index (items, i);
      JsonObject *port = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *id = ob_rps_json_string (port, "InstanceID");

      if (strstr (id, "Settings 0") != NULL && self->wired == NULL)
        self->wired = json_object_ref (port);
      else if (strstr (id, "Settings 1") != NULL)
        wireless = TRUE;
    }
  if (self->wired == NULL)
    {
      task_fail (self, wireless ? "Not applicable for wireless only device"
                                : "Device has no wired configuration settings");
      return;
    }
  if (info->ip_configuration.ip_address != NULL
      && g_strcmp0 (info->ip_configuration.ip_address, ob_rps_json_string (self->wired, "IPAddress")) == 0)
    {
      task_fail (self, "IPAddress already synchronized");
      return;
    }
  go (self, STATE_PUT_ETHERNET);
}

static void
on_ethernet_put (ObRpsFlow       *flow,
                 ObWsmanResponse *response,
                 const GError    *error)
{
  go (OB_RPS_MAINTENANCE (flow), STATE_SAVE);
}

static void
put_ethernet (ObRpsMaintenance *self)
{
  const ObRpcClientInfo *info = ob_rps_flow_get_info (OB_RPS_FLOW (self));
  const ObRpcIpConfiguration *ip = &info->ip_configuration;
  g_autoptr(JsonObject) copy = json_object_ref (self->wired);
  g_autoptr(ObWsmanSelectors) selectors =
    ob_wsman_selectors_new_with ("InstanceID", ob_rps_json_string (self->wired, "InstanceID"), NULL);

  json_object_set_boolean_member (copy, "SharedStaticIp", FALSE);
  if (ob_rps_json_bool (self->wired, "DHCPEnabled", FALSE))
    {
      json_object_set_boolean_member (copy, "IpSyncEnabled", TRUE);
      json_object_remove_member (copy, "IPAddress");
      json_object_remove_member (copy, "SubnetMask");
      json_object_remove_member (copy, "DefaultGateway");
      json_object_remove_member (copy, "PrimaryDNS");
      json_object_remove_member (copy, "SecondaryDNS");
    }
  else
    {
      /* What the OS uses, keeping the device's values where the OS gave
       * none. */
      json_object_set_boolean_member (copy, "IpSyncEnabled", FALSE);
      if (ip->ip_address != NULL && *ip->ip_address != '\0')
        json_object_set_string_member (copy, "IPAddress", ip->ip_address);
      if (ip->netmask != NULL && *ip->netmask != '\0')
        json_object_set_string_member (copy, "SubnetMask", ip->netmask);
      if (ip->gateway != NULL && *ip->gateway != '\0')
        json_object_set_string_member (copy, "DefaultGateway", ip->gateway);
      if (ip->primary_dns != NULL && *ip->primary_dns != '\0')
        json_object_set_string_member (copy, "PrimaryDNS", ip->primary_dns);
      if (ip->secondary_dns != NULL && *ip->secondary_dns != '\0')
        json_object_set_string_member (copy, "SecondaryDNS", ip->secondary_dns);
    }
  ob_rps_flow_put (OB_RPS_FLOW (self), OB_RPS_CALL_FATAL, ETHERNET_CLASS, selectors, copy, on_ethernet_put);
}

/* ---- The store, then done ---------------------------------------------------- */

/* In a worker thread: the keyring and the store.  OB_RPS_ERROR_REFUSED
 * is a task failure rpc-go is told about as "<task> failed …". */
static gboolean
save_work (ObRpsFlow  *flow,
           GError    **error)
{
  ObRpsMaintenance *self = OB_RPS_MAINTENANCE (flow);
  ObRpsContext *context = ob_rps_flow_get_context (flow);
  const ObRpcClientInfo *info = ob_rps_flow_get_info (flow);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  gboolean changed = TRUE;

  if (self->task == OB_RPC_TASK_CHANGE_PASSWORD
      && !ob_secret_store_store_text_sync (context->secrets, OB_SECRET_OWNER_DEVICE, info->uuid,
                                           OB_SECRET_KIND_AMT_PASSWORD, self->new_password, NULL, &local_error))
    {
      /* The device has the new password now; say so loudly. */
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE,
                   "The AMT password changed but could not be kept in the keyring: %s", local_error->message);
      return FALSE;
    }

  record = ob_store_get_device (context->store, info->uuid, NULL);
  if (record == NULL)
    {
      if (self->task == OB_RPC_TASK_SYNC_DEVICE_INFO)
        {
          g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED, "device is not known to this server");
          return FALSE;
        }
      return TRUE;
    }

  switch (self->task)
    {
    case OB_RPC_TASK_SYNC_HOSTNAME:
      ob_device_record_set_hostname (record, info->hostname_info_hostname);
      if (info->hostname_info_dns_suffix != NULL && *info->hostname_info_dns_suffix != '\0')
        ob_device_record_set_dns_suffix (record, info->hostname_info_dns_suffix);
      break;
    case OB_RPC_TASK_SYNC_IP:
      if (info->ip_configuration.ip_address != NULL)
        ob_device_record_set_ip_address (record, info->ip_configuration.ip_address);
      break;
    case OB_RPC_TASK_SYNC_DEVICE_INFO:
      {
        g_autofree char *mode = g_strdup_printf ("%u", info->current_mode);
        g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

        ob_device_record_set_fw_version (record, info->ver);
        ob_device_record_set_fw_build (record, info->build);
        ob_device_record_set_fw_sku (record, info->sku);
        ob_device_record_set_features (record, info->features);
        ob_device_record_set_current_mode (record, mode);
        if (info->ip_configuration.ip_address != NULL)
          ob_device_record_set_ip_address (record, info->ip_configuration.ip_address);
        ob_device_record_set_device_info_updated (record, now);
      }
      break;
    case OB_RPC_TASK_SYNC_TIME:
    case OB_RPC_TASK_CHANGE_PASSWORD:
    case OB_RPC_TASK_NONE:
    default:
      changed = FALSE;
      break;
    }
  if (changed && !ob_store_update_device (context->store, record, &local_error))
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE, "Store: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
save_done (ObRpsFlow    *flow,
           const GError *error)
{
  ObRpsMaintenance *self = OB_RPS_MAINTENANCE (flow);
  g_autofree char *status = NULL;

  if (g_error_matches (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED))
    {
      task_fail (self, error->message);
      return;
    }
  if (error != NULL)
    {
      ob_rps_flow_fail (flow, g_error_copy (error));
      return;
    }
  status = g_strdup_printf ("%s completed succesfully", ob_rpc_task_to_string (self->task));
  ob_rps_flow_set_status (flow, "Status", status);
  go (self, STATE_DONE);
}

static void
save (ObRpsMaintenance *self)
{
  ob_rps_flow_begin_step (OB_RPS_FLOW (self), "Save the result");
  ob_rps_flow_work (OB_RPS_FLOW (self), save_work, save_done);
}

static void
advance (ObRpsMaintenance *self)
{
  ObRpsFlow *flow = OB_RPS_FLOW (self);

  if (ob_rps_flow_get_finished (flow))
    return;

  switch (self->state)
    {
    case STATE_GET_TIME:
      ob_rps_flow_invoke (flow, OB_RPS_CALL_FATAL, TIME_SERVICE, "GetLowAccuracyTimeSynch", NULL, NULL,
                          on_get_time);
      break;
    case STATE_SET_TIME:
      set_time (self);
      break;
    case STATE_GENERAL_SETTINGS:
      ob_rps_flow_get (flow, OB_RPS_CALL_FATAL, "AMT_GeneralSettings", NULL, on_general_settings);
      break;
    case STATE_SET_PASSWORD:
      set_password (self);
      break;
    case STATE_PUT_HOSTNAME:
      put_hostname (self);
      break;
    case STATE_ETHERNET:
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_FATAL, ETHERNET_CLASS, on_ethernet);
      break;
    case STATE_PUT_ETHERNET:
      put_ethernet (self);
      break;
    case STATE_SAVE:
      save (self);
      break;
    case STATE_DONE:
      ob_rps_flow_succeed (flow);
      break;
    case STATE_INIT:
    default:
      g_assert_not_reached ();
    }
}
