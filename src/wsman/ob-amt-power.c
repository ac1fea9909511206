/* ob-amt-power.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-power.h"
#include "ob-amt-private.h"

/* The two lists of the reference validators (mps-cira-apf.md §5). */
static const int dmtf_power_states[] = {
  2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17,
};

static const int extended_power_states[] = {
  100, 101, 104, 105, 106, 107, 108, 109, 110,
  200, 201, 202, 203, 300, 301, 400, 401, 500, 501,
};

#define OS_TO_FULL_POWER    500
#define OS_TO_POWER_SAVING  501

/* IPS_PowerManagementService.OSPowerSavingState */
#define OS_STATE_UNKNOWN     0
#define OS_STATE_UNSUPPORTED 1
#define OS_STATE_FULL_POWER  2
#define OS_STATE_SAVING      3

#define BOOT_CONFIG_SETTING_ID "Intel(r) AMT: Boot Configuration 0"
#define BOOT_SOURCE_PXE        "Intel(r) AMT: Force PXE Boot"
#define BOOT_SOURCE_CD_DVD     "Intel(r) AMT: Force CD/DVD Boot"
#define BOOT_SOURCE_HTTPS      "Intel(r) AMT: Force OCR UEFI HTTPS Boot"
#define BOOT_SOURCE_OCR_PREFIX "Intel(r) AMT: Force OCR UEFI Boot Option"

/* UEFI boot parameter TLV types and limits */
#define TLV_VENDOR_INTEL           0x8086
#define TLV_NETWORK_DEVICE_PATH    1
#define TLV_FILE_DEVICE_PATH       2
#define TLV_DEVICE_PATH_LEN        3
#define TLV_HTTPS_SYNC_ROOT_CA     20
#define TLV_HTTPS_USER_NAME        40
#define TLV_HTTPS_PASSWORD         41
#define TLV_MAX_PATH               300
#define TLV_MAX_CREDENTIAL         16

static gboolean
in_list (const int *list,
         gsize      n,
         int        value)
{
  for (gsize i = 0; i < n; i++)
    if (list[i] == value)
      return TRUE;
  return FALSE;
}

gboolean
ob_amt_power_action_is_valid (int action)
{
  return in_list (dmtf_power_states, G_N_ELEMENTS (dmtf_power_states), action) ||
         in_list (extended_power_states, G_N_ELEMENTS (extended_power_states), action);
}

gboolean
ob_amt_boot_action_is_valid (int action)
{
  return in_list (extended_power_states, G_N_ELEMENTS (extended_power_states), action);
}

const char *
ob_amt_power_state_to_string (guint power_state)
{
  static const char * const labels[] = {
    [0] = "Unknown",
    [1] = "Other",
    [2] = "On",
    [3] = "Sleep - Light",
    [4] = "Sleep - Deep",
    [5] = "Power Cycle (Off - Soft)",
    [6] = "Off - Hard",
    [7] = "Hibernate (Off - Soft)",
    [8] = "Off - Soft",
    [9] = "Power Cycle (Off - Hard)",
    [10] = "Master Bus Reset",
    [11] = "Diagnostic Interrupt (NMI)",
    [12] = "Off - Soft Graceful",
    [13] = "Off - Hard Graceful",
    [14] = "Master Bus Reset Graceful",
    [15] = "Power Cycle (Off - Soft Graceful)",
    [16] = "Power Cycle (Off - Hard Graceful)",
    [17] = "Diagnostic Interrupt (INIT)",
  };

  if (power_state < G_N_ELEMENTS (labels))
    return labels[power_state];
  return "Unknown";
}

/* Faults are the device saying "no" to one step; the reference carries on
 * after most of them.  Anything else (timeout, cancellation, wrong
 * password, connection lost) ends the call. */
static gboolean
is_fault (const GError *error)
{
  return error != NULL && g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
}

static ObWsmanSelectors *
managed_system_args (const char *first_name,
                     gint64      first_value)
{
  ObWsmanSelectors *args = ob_wsman_selectors_new ();
  g_autoptr(ObWsmanSelectors) epr = ob_wsman_selectors_new_with ("CreationClassName", "CIM_ComputerSystem",
                                                                 "Name", "ManagedSystem",
                                                                 NULL);
  g_autofree char *value = g_strdup_printf ("%" G_GINT64_FORMAT, first_value);
  g_autofree char *uri = ob_wsman_resource_uri_for_class ("CIM_ComputerSystem");

  ob_wsman_selectors_add (args, first_name, value);
  ob_wsman_selectors_add_reference (args, "ManagedElement", OB_AMT_EPR_ADDRESS, uri, epr);
  return args;
}

static JsonNode *
body_only_result (gint64      return_value,
                  const char *return_value_str)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Body");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ReturnValue");
  json_builder_add_int_value (builder, return_value);
  json_builder_set_member_name (builder, "ReturnValueStr");
  json_builder_add_string_value (builder, return_value_str);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* Power state */

typedef struct
{
  gint64 os_power_saving_state;
} StateData;

typedef struct
{
  JsonNode *node;
  guint     power_state;
  guint     os_power_saving_state;
} StateResult;

static void
state_result_free (StateResult *result)
{
  g_clear_pointer (&result->node, json_node_unref);
  g_free (result);
}

static void
state_items_cb (GTask        *task,
                GPtrArray    *items,
                GPtrArray    *classes,
                const GError *error)
{
  StateData *data = g_task_get_task_data (task);
  StateResult *result;
  g_autoptr(JsonBuilder) builder = NULL;
  gint64 power_state = 0;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  for (guint i = 0; i < items->len; i++)
    {
      JsonNode *item = g_ptr_array_index (items, i);
      const char *class_name = g_ptr_array_index (classes, i);

      if (g_strcmp0 (class_name, "CIM_AssociatedPowerManagementService") != 0 ||
          !JSON_NODE_HOLDS_OBJECT (item))
        continue;
      if (_ob_amt_json_get_int (json_node_get_object (item), "PowerState", &power_state))
        break;
    }

  /* The reference treats a missing (or zero) PowerState as a failure. */
  if (power_state <= 0 || power_state > G_MAXUINT16)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not report its power state");
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "powerstate");
  json_builder_add_int_value (builder, power_state);
  json_builder_set_member_name (builder, "OSPowerSavingState");
  json_builder_add_int_value (builder, data->os_power_saving_state);
  json_builder_end_object (builder);

  result = g_new0 (StateResult, 1);
  result->node = json_builder_get_root (builder);
  result->power_state = (guint) power_state;
  result->os_power_saving_state = (guint) data->os_power_saving_state;
  g_task_return_pointer (task, result, (GDestroyNotify) state_result_free);
}

enum { STATE_FETCH_OS, STATE_FETCH_POWER, N_STATE_FETCHES };

/* The two reads do not depend on each other, so they go out together:
 * over a tunnel each round trip is most of the call's time. */
static const ObAmtFetch state_fetches[N_STATE_FETCHES] = {
  [STATE_FETCH_OS] = { "IPS_PowerManagementService", FALSE },
  [STATE_FETCH_POWER] = { "CIM_AssociatedPowerManagementService", TRUE },
};

static void
state_fetched_cb (GTask            *task,
                  ObAmtFetchResult *results)
{
  StateData *data = g_task_get_task_data (task);
  ObAmtFetchResult *os = &results[STATE_FETCH_OS];
  ObAmtFetchResult *power = &results[STATE_FETCH_POWER];

  /* Firmware without the OS power-saving state faults; it stays 0. */
  if (os->error != NULL && !is_fault (os->error))
    {
      _ob_amt_return_error (task, os->error);
      return;
    }
  if (os->response != NULL)
    {
      JsonObject *service = ob_wsman_response_get_class_json (os->response, "IPS_PowerManagementService");
      gint64 state = _ob_amt_json_int (service, "OSPowerSavingState", 0);

      data->os_power_saving_state = CLAMP (state, 0, G_MAXUINT16);
    }

  /* Firmware without the association class answers the generic
   * CIM_ServiceAvailableToElement, as the reference asks it. */
  if (is_fault (power->error))
    {
      _ob_amt_enumerate (task, "CIM_ServiceAvailableToElement", state_items_cb);
      return;
    }

  state_items_cb (task, power->items, power->classes, power->error);
}

void
ob_amt_power_state_async (ObWsmanClient       *client,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_power_state_async);
  g_task_set_task_data (task, g_new0 (StateData, 1), g_free);

  _ob_amt_fetch_all (task, state_fetches, N_STATE_FETCHES, state_fetched_cb);
}

JsonNode *
ob_amt_power_state_finish (ObWsmanClient  *client,
                           GAsyncResult   *result,
                           guint          *out_power_state,
                           guint          *out_os_power_saving_state,
                           GError        **error)
{
  StateResult *state;
  JsonNode *node;

  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_power_state_async, NULL);

  state = g_task_propagate_pointer (G_TASK (result), error);
  if (state == NULL)
    return NULL;

  if (out_power_state != NULL)
    *out_power_state = state->power_state;
  if (out_os_power_saving_state != NULL)
    *out_os_power_saving_state = state->os_power_saving_state;
  node = g_steal_pointer (&state->node);
  state_result_free (state);
  return node;
}

/* Capabilities */

typedef struct
{
  gint64 major;
} CapabilitiesData;

static void
capabilities_boot_cb (GTask           *task,
                      ObWsmanResponse *response,
                      const GError    *error)
{
  CapabilitiesData *data = g_task_get_task_data (task);
  g_autoptr(JsonBuilder) builder = NULL;
  JsonObject *caps;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  caps = ob_wsman_response_get_class_json (response, "AMT_BootCapabilities");
  if (caps == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not report its boot capabilities");
      return;
    }

#define ADD(label, action) \
  G_STMT_START { \
    json_builder_set_member_name (builder, label); \
    json_builder_add_int_value (builder, action); \
  } G_STMT_END

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  ADD ("Power up", 2);
  ADD ("Power cycle", 5);
  ADD ("Power down", 8);
  ADD ("Reset", 10);
  if (data->major > 9)
    {
      ADD ("Soft-off", 12);
      ADD ("Soft-reset", 14);
      ADD ("Sleep", 4);
      ADD ("Hibernate", 7);
    }
  if (_ob_amt_json_bool (caps, "BIOSSetup", FALSE))
    {
      ADD ("Power up to BIOS", 100);
      ADD ("Reset to BIOS", 101);
    }
  if (_ob_amt_json_bool (caps, "SecureErase", FALSE))
    ADD ("Reset to Secure Erase", 104);
  ADD ("Reset to IDE-R Floppy", 200);
  ADD ("Power on to IDE-R Floppy", 201);
  ADD ("Reset to IDE-R CDROM", 202);
  ADD ("Power on to IDE-R CDROM", 203);
  if (_ob_amt_json_bool (caps, "ForceDiagnosticBoot", FALSE))
    {
      ADD ("Power on to diagnostic", 300);
      ADD ("Reset to diagnostic", 301);
    }
  ADD ("Reset to PXE", 400);
  ADD ("Power on to PXE", 401);
  json_builder_end_object (builder);

#undef ADD

  g_task_return_pointer (task, json_builder_get_root (builder), (GDestroyNotify) json_node_unref);
}

static gint64
major_version_of (GPtrArray *items,
                  GPtrArray *classes)
{
  for (guint i = 0; i < items->len; i++)
    {
      JsonNode *item = g_ptr_array_index (items, i);
      g_autofree char *instance_id = NULL;
      g_autofree char *version = NULL;

      if (g_strcmp0 (g_ptr_array_index (classes, i), "CIM_SoftwareIdentity") != 0 ||
          !JSON_NODE_HOLDS_OBJECT (item))
        continue;

      instance_id = _ob_amt_json_dup_string (json_node_get_object (item), "InstanceID");
      if (g_strcmp0 (instance_id, "AMT") != 0)
        continue;

      version = _ob_amt_json_dup_string (json_node_get_object (item), "VersionString");
      if (version != NULL && g_ascii_isdigit (version[0]))
        return g_ascii_strtoll (version, NULL, 10);
      return 0;
    }

  return 0;
}

static void
capabilities_version_cb (GTask        *task,
                         GPtrArray    *items,
                         GPtrArray    *classes,
                         const GError *error)
{
  CapabilitiesData *data = g_task_get_task_data (task);

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  data->major = major_version_of (items, classes);
  _ob_amt_get (task, "AMT_BootCapabilities", NULL, capabilities_boot_cb);
}

void
ob_amt_power_capabilities_async (ObWsmanClient       *client,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_power_capabilities_async);
  g_task_set_task_data (task, g_new0 (CapabilitiesData, 1), g_free);

  _ob_amt_enumerate (task, "CIM_SoftwareIdentity", capabilities_version_cb);
}

JsonNode *
ob_amt_power_capabilities_finish (ObWsmanClient  *client,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_power_capabilities_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Shared by power action and boot options: the results carry the JSON and
 * the ReturnValue. */

typedef struct
{
  JsonNode *node;
  guint     return_value;
} ActionResult;

static void
action_result_free (ActionResult *result)
{
  g_clear_pointer (&result->node, json_node_unref);
  g_free (result);
}

static void
return_action_result (GTask    *task,
                      JsonNode *node,
                      guint     return_value)
{
  ActionResult *result = g_new0 (ActionResult, 1);

  result->node = node;
  result->return_value = return_value;
  g_task_return_pointer (task, result, (GDestroyNotify) action_result_free);
}

static JsonNode *
propagate_action_result (GAsyncResult  *result,
                         guint         *out_return_value,
                         GError       **error)
{
  ActionResult *action = g_task_propagate_pointer (G_TASK (result), error);
  JsonNode *node;

  if (action == NULL)
    return NULL;

  if (out_return_value != NULL)
    *out_return_value = action->return_value;
  node = g_steal_pointer (&action->node);
  action_result_free (action);
  return node;
}

/* Boot setting data as the reference's setBootData() leaves it: every
 * override off, then the few the action needs. */
static void
reset_boot_setting_data (JsonObject *data,
                         gboolean    bios_setup,
                         gboolean    use_ider,
                         gint64      ider_boot_device,
                         gboolean    use_sol)
{
  json_object_set_boolean_member (data, "BIOSPause", FALSE);
  json_object_set_boolean_member (data, "BIOSSetup", bios_setup);
  json_object_set_int_member (data, "BootMediaIndex", 0);
  json_object_set_boolean_member (data, "ConfigurationDataReset", FALSE);
  json_object_set_int_member (data, "FirmwareVerbosity", 0);
  json_object_set_boolean_member (data, "ForcedProgressEvents", FALSE);
  json_object_set_int_member (data, "IDERBootDevice", ider_boot_device);
  json_object_set_boolean_member (data, "LockKeyboard", FALSE);
  json_object_set_boolean_member (data, "LockPowerButton", FALSE);
  json_object_set_boolean_member (data, "LockResetButton", FALSE);
  json_object_set_boolean_member (data, "LockSleepButton", FALSE);
  json_object_set_boolean_member (data, "ReflashBIOS", FALSE);
  json_object_set_boolean_member (data, "UseIDER", use_ider);
  json_object_set_boolean_member (data, "UseSOL", use_sol);
  json_object_set_boolean_member (data, "UseSafeMode", FALSE);
  json_object_set_boolean_member (data, "UserPasswordBypass", FALSE);
  json_object_set_boolean_member (data, "SecureErase", FALSE);
}

/* Power action */

typedef struct
{
  int     action;
  gint64  os_state;
} ActionData;

static const char *
os_power_status_to_string (gint64 code)
{
  switch (code)
    {
    case 0: return "COMPLETED_WITH_NO_ERROR";
    case 1: return "NOT_SUPPORTED";
    case 2: return "UNKNOWN_OR_UNSPECIFIED_ERROR";
    case 3: return "CANNOT_COMPLETE_WITHIN_TIMEOUT_PERIOD";
    case 4: return "FAILED";
    case 5: return "INVALID_PARAMETER";
    case 6: return "IN_USE";
    case 4096: return "METHOD_PARAMETERS_CHECKED_JOB_STARTED";
    case 4097: return "INVALID_STATE_TRANSITION";
    case 4098: return "USE_OF_TIMEOUT_PARAMETER_NOT_SUPPORTED";
    case 4099: return "BUSY";
    default: return "UNKNOWN_ERROR";
    }
}

static void
action_power_cb (GTask           *task,
                 ObWsmanResponse *response,
                 const GError    *error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node;
  guint return_value = 0;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  node = _ob_amt_method_result (response, "RequestPowerStateChange", &return_value, &local_error);
  if (node == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&local_error));
      return;
    }

  return_action_result (task, node, return_value);
}

static void
action_request_power (GTask *task,
                      gint64 power_state)
{
  g_autoptr(ObWsmanSelectors) args = managed_system_args ("PowerState", power_state);

  _ob_amt_invoke (task, "CIM_PowerManagementService", "RequestPowerStateChange", args,
                  action_power_cb);
}

static void
action_power_step (GTask *task)
{
  ActionData *data = g_task_get_task_data (task);
  g_autoptr(JsonBuilder) builder = NULL;

  /* The reference looks the action up among the *indexes* of its 15-entry
   * DMTF list, so only 0–14 go through; everything else gets
   * INVALID_PARAMETER without reaching the device. */
  if (data->action < 0 || data->action >= (int) G_N_ELEMENTS (dmtf_power_states))
    {
      builder = json_builder_new ();
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "Body");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "RequestPowerStateChange_OUTPUT");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "ReturnValue");
      json_builder_add_int_value (builder, 0x24);
      json_builder_set_member_name (builder, "ReturnValueStr");
      json_builder_add_string_value (builder, ob_amt_status_to_string (0x24));
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      return_action_result (task, json_builder_get_root (builder), 0x24);
      return;
    }

  action_request_power (task, data->action);
}

static void
action_wake_os_cb (GTask           *task,
                   ObWsmanResponse *response,
                   const GError    *error)
{
  /* Best effort, like the reference: a refusal is logged and the power
   * action goes on. */
  if (error != NULL && !is_fault (error))
    {
      _ob_amt_return_error (task, error);
      return;
    }
  if (error != NULL)
    g_debug ("Could not bring the OS to full power first: %s", error->message);

  action_power_step (task);
}

static void
action_os_state_before_on_cb (GTask           *task,
                              ObWsmanResponse *response,
                              const GError    *error)
{
  JsonObject *service;

  if (error != NULL && !is_fault (error))
    {
      _ob_amt_return_error (task, error);
      return;
    }

  service = response != NULL ? ob_wsman_response_get_class_json (response, "IPS_PowerManagementService") : NULL;
  if (_ob_amt_json_int (service, "OSPowerSavingState", OS_STATE_UNKNOWN) == OS_STATE_SAVING)
    {
      g_autoptr(ObWsmanSelectors) args = managed_system_args ("OSPowerSavingState", OS_STATE_FULL_POWER);

      _ob_amt_invoke (task, "IPS_PowerManagementService", "RequestOSPowerSavingStateChange",
                      args, action_wake_os_cb);
      return;
    }

  action_power_step (task);
}

static void
action_os_change_cb (GTask           *task,
                     ObWsmanResponse *response,
                     const GError    *error)
{
  gint64 return_value = -1;

  if (error != NULL && !is_fault (error))
    {
      _ob_amt_return_error (task, error);
      return;
    }

  if (response != NULL)
    {
      JsonObject *output = ob_wsman_response_get_class_json (response, "RequestOSPowerSavingStateChange_OUTPUT");

      if (!_ob_amt_json_get_int (output, "ReturnValue", &return_value))
        return_value = -1;
    }

  /* The reference answers -1 when the change failed without a value. */
  if (return_value == 0)
    return_action_result (task, body_only_result (0, os_power_status_to_string (0)), 0);
  else
    return_action_result (task, body_only_result (return_value, os_power_status_to_string (return_value)),
                          return_value < 0 || return_value > G_MAXUINT ? G_MAXUINT : (guint) return_value);
}

static void
action_os_state_cb (GTask           *task,
                    ObWsmanResponse *response,
                    const GError    *error)
{
  ActionData *data = g_task_get_task_data (task);
  JsonObject *service;
  gint64 target = data->action == OS_TO_FULL_POWER ? OS_STATE_FULL_POWER : OS_STATE_SAVING;
  gint64 state;
  g_autoptr(ObWsmanSelectors) args = NULL;

  if (error != NULL && !is_fault (error))
    {
      _ob_amt_return_error (task, error);
      return;
    }

  service = response != NULL ? ob_wsman_response_get_class_json (response, "IPS_PowerManagementService") : NULL;
  state = _ob_amt_json_int (service, "OSPowerSavingState", OS_STATE_UNKNOWN);

  if (state == OS_STATE_UNKNOWN)
    {
      return_action_result (task, body_only_result (1, "OS_POWER_STATE_UNKNOWN"), 1);
      return;
    }
  if (state == OS_STATE_UNSUPPORTED)
    {
      return_action_result (task, body_only_result (2, "OS_POWER_STATE_UNSUPPORTED"), 2);
      return;
    }
  if (state == target)
    {
      return_action_result (task, body_only_result (0, os_power_status_to_string (0)), 0);
      return;
    }

  args = managed_system_args ("OSPowerSavingState", target);
  _ob_amt_invoke (task, "IPS_PowerManagementService", "RequestOSPowerSavingStateChange",
                  args, action_os_change_cb);
}

static void
action_cleared_cb (GTask           *task,
                   ObWsmanResponse *response,
                   const GError    *error)
{
  ActionData *data = g_task_get_task_data (task);

  if (error != NULL && !is_fault (error))
    {
      _ob_amt_return_error (task, error);
      return;
    }
  if (error != NULL)
    g_debug ("Clearing the boot settings was refused: %s", error->message);

  if (data->action == OS_TO_FULL_POWER || data->action == OS_TO_POWER_SAVING)
    {
      _ob_amt_get (task, "IPS_PowerManagementService", NULL, action_os_state_cb);
      return;
    }

  if (data->action == 2)
    {
      _ob_amt_get (task, "IPS_PowerManagementService", NULL, action_os_state_before_on_cb);
      return;
    }

  action_power_step (task);
}

static void
action_boot_data_cb (GTask           *task,
                     ObWsmanResponse *response,
                     const GError    *error)
{
  JsonObject *current;
  g_autoptr(JsonObject) cleared = NULL;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  current = ob_wsman_response_get_class_json (response, "AMT_BootSettingData");
  if (current == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not report its boot settings");
      return;
    }

  /* Clear any pending boot override so a plain power action boots
   * normally. */
  cleared = _ob_amt_json_object_dup (current);
  reset_boot_setting_data (cleared, FALSE, FALSE, 0, FALSE);
  _ob_amt_put (task, "AMT_BootSettingData", NULL, cleared, action_cleared_cb);
}

void
ob_amt_power_action_async (ObWsmanClient       *client,
                           int                  action,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ActionData *data;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_power_action_async);

  if (!ob_amt_power_action_is_valid (action))
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                               "%d is not a power action", action);
      return;
    }

  data = g_new0 (ActionData, 1);
  data->action = action;
  g_task_set_task_data (task, data, g_free);

  _ob_amt_get (task, "AMT_BootSettingData", NULL, action_boot_data_cb);
}

JsonNode *
ob_amt_power_action_finish (ObWsmanClient  *client,
                            GAsyncResult   *result,
                            guint          *out_return_value,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_power_action_async, NULL);

  return propagate_action_result (result, out_return_value, error);
}

/* Boot options */

typedef struct
{
  int       action;
  gboolean  use_sol;
  char     *url;
  char     *username;
  char     *password;
  char     *boot_path;
  int       enforce_secure_boot;
  char       *boot_source;   /* CIM_BootSourceSetting InstanceID, "" = none */
  JsonObject *settings;      /* AMT_BootSettingData to put */
} BootData;

static void
boot_data_free (BootData *data)
{
  g_free (data->url);
  g_free (data->username);
  if (data->password != NULL)
    {
      explicit_bzero (data->password, strlen (data->password));
      g_free (data->password);
    }
  g_free (data->boot_path);
  g_free (data->boot_source);
  g_clear_pointer (&data->settings, json_object_unref);
  g_free (data);
}

static gboolean
tlv_append (GByteArray    *buffer,
            guint16        type,
            const guint8  *value,
            gsize          length,
            gsize          max_length,
            const char    *what,
            GError       **error)
{
  guint8 header[8];

  if (length > max_length)
    {
      g_set_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                   "The %s is longer than %" G_GSIZE_FORMAT " bytes", what, max_length);
      return FALSE;
    }

  header[0] = TLV_VENDOR_INTEL & 0xff;
  header[1] = TLV_VENDOR_INTEL >> 8;
  header[2] = type & 0xff;
  header[3] = type >> 8;
  header[4] = length & 0xff;
  header[5] = (length >> 8) & 0xff;
  header[6] = (length >> 16) & 0xff;
  header[7] = (length >> 24) & 0xff;
  g_byte_array_append (buffer, header, sizeof header);
  if (length > 0)
    g_byte_array_append (buffer, value, (guint) length);
  return TRUE;
}

/* UefiBootParametersArray for HTTPS boot (105/106) or PBA / WinRE
 * (107–110): base64 of the TLV entries, and their count. */
static char *
build_uefi_parameters (BootData  *data,
                       guint     *out_count,
                       GError   **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  guint count = 0;
  char *encoded;

  if (data->action == 105 || data->action == 106)
    {
      static const guint8 sync_root_ca = 1;

      if (data->url == NULL || !g_uri_is_valid (data->url, G_URI_FLAGS_NONE, NULL))
        {
          g_set_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                       "HTTPS boot needs a valid URL");
          return NULL;
        }
      if (!tlv_append (buffer, TLV_NETWORK_DEVICE_PATH, (const guint8 *) data->url,
                       strlen (data->url), TLV_MAX_PATH, "HTTPS boot URL", error))
        return NULL;
      count++;
      if (!tlv_append (buffer, TLV_HTTPS_SYNC_ROOT_CA, &sync_root_ca, 1, 1, "flag", error))
        return NULL;
      count++;
      if (data->username != NULL && *data->username != '\0')
        {
          if (!tlv_append (buffer, TLV_HTTPS_USER_NAME, (const guint8 *) data->username,
                           strlen (data->username), TLV_MAX_CREDENTIAL, "HTTPS boot user name", error))
            return NULL;
          count++;
        }
      if (data->password != NULL && *data->password != '\0')
        {
          if (!tlv_append (buffer, TLV_HTTPS_PASSWORD, (const guint8 *) data->password,
                           strlen (data->password), TLV_MAX_CREDENTIAL, "HTTPS boot password", error))
            return NULL;
          count++;
        }
    }
  else
    {
      gsize path_len;
      guint8 len_value[2];

      if (data->boot_path == NULL || *data->boot_path == '\0')
        {
          g_set_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                       "This boot action needs a boot path");
          return NULL;
        }
      path_len = strlen (data->boot_path);
      if (!tlv_append (buffer, TLV_FILE_DEVICE_PATH, (const guint8 *) data->boot_path,
                       path_len, TLV_MAX_PATH, "boot path", error))
        return NULL;
      count++;
      len_value[0] = path_len & 0xff;
      len_value[1] = (path_len >> 8) & 0xff;
      if (!tlv_append (buffer, TLV_DEVICE_PATH_LEN, len_value, 2, 2, "boot path length", error))
        return NULL;
      count++;
    }

  encoded = g_base64_encode (buffer->data, buffer->len);
  /* The password is inside; do not leave it in freed memory. */
  explicit_bzero (buffer->data, buffer->len);
  *out_count = count;
  return encoded;
}

static gint64
boot_power_state (int action)
{
  switch (action)
    {
    case 101: case 200: case 202: case 301: case 400:
    case 105: case 107: case 109:
      return 10;
    default:
      return 2;
    }
}

static void
boot_power_cb (GTask           *task,
               ObWsmanResponse *response,
               const GError    *error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node;
  guint return_value = 0;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  node = _ob_amt_method_result (response, "RequestPowerStateChange", &return_value, &local_error);
  if (node == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&local_error));
      return;
    }

  return_action_result (task, node, return_value);
}

/* Intermediate steps: the reference does not look at their answers, so a
 * fault only gets logged; a transport failure ends the call. */
static gboolean
boot_step_failed (GTask        *task,
                  const GError *error,
                  const char   *step)
{
  if (error == NULL)
    return FALSE;
  if (is_fault (error))
    {
      g_debug ("%s was refused: %s", step, error->message);
      return FALSE;
    }
  _ob_amt_return_error (task, error);
  return TRUE;
}

static void
boot_order_set_cb (GTask           *task,
                   ObWsmanResponse *response,
                   const GError    *error)
{
  BootData *data = g_task_get_task_data (task);
  g_autoptr(ObWsmanSelectors) args = NULL;

  if (boot_step_failed (task, error, "ChangeBootOrder"))
    return;

  args = managed_system_args ("PowerState", boot_power_state (data->action));
  _ob_amt_invoke (task, "CIM_PowerManagementService", "RequestPowerStateChange", args, boot_power_cb);
}

static ObWsmanSelectors *
reference_args (const char *name,
                const char *class_name,
                const char *instance_id)
{
  ObWsmanSelectors *args = ob_wsman_selectors_new ();
  g_autoptr(ObWsmanSelectors) epr = ob_wsman_selectors_new_with ("InstanceID", instance_id, NULL);
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);

  ob_wsman_selectors_add_reference (args, name, OB_AMT_EPR_ADDRESS, uri, epr);
  return args;
}

static void
boot_role_cb (GTask           *task,
              ObWsmanResponse *response,
              const GError    *error)
{
  BootData *data = g_task_get_task_data (task);
  g_autoptr(ObWsmanSelectors) args = NULL;

  if (boot_step_failed (task, error, "SetBootConfigRole"))
    return;

  /* An empty source clears the order again, as the reference does. */
  if (data->boot_source != NULL && *data->boot_source != '\0')
    args = reference_args ("Source", "CIM_BootSourceSetting", data->boot_source);

  _ob_amt_invoke (task, "CIM_BootConfigSetting", "ChangeBootOrder", args, boot_order_set_cb);
}

static void
boot_put_cb (GTask           *task,
             ObWsmanResponse *response,
             const GError    *error)
{
  g_autoptr(ObWsmanSelectors) args = NULL;

  if (boot_step_failed (task, error, "Put AMT_BootSettingData"))
    return;

  args = reference_args ("BootConfigSetting", "CIM_BootConfigSetting", BOOT_CONFIG_SETTING_ID);
  ob_wsman_selectors_add (args, "Role", "1");
  _ob_amt_invoke (task, "CIM_BootService", "SetBootConfigRole", args, boot_role_cb);
}

static void
boot_order_cleared_cb (GTask           *task,
                       ObWsmanResponse *response,
                       const GError    *error)
{
  BootData *data = g_task_get_task_data (task);

  if (boot_step_failed (task, error, "ChangeBootOrder (clear)"))
    return;

  _ob_amt_put (task, "AMT_BootSettingData", NULL, data->settings, boot_put_cb);
}

static void
boot_settings_cb (GTask           *task,
                  ObWsmanResponse *response,
                  const GError    *error)
{
  BootData *data = g_task_get_task_data (task);
  JsonObject *current;
  JsonObject *settings;
  int action = data->action;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  current = ob_wsman_response_get_class_json (response, "AMT_BootSettingData");
  if (current == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not report its boot settings");
      return;
    }

  g_clear_pointer (&data->settings, json_object_unref);
  settings = data->settings = _ob_amt_json_object_dup (current);

  reset_boot_setting_data (settings,
                           action < 104,
                           action >= 200 && action < 300,
                           (action == 202 || action == 203) ? 1 : 0,
                           data->use_sol);

  if (action >= 105 && action <= 110)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *parameters = NULL;
      guint count = 0;

      parameters = build_uefi_parameters (data, &count, &local_error);
      if (parameters == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&local_error));
          return;
        }

      if (json_object_has_member (settings, "BIOSLastStatus"))
        json_object_remove_member (settings, "BIOSLastStatus");
      json_object_set_boolean_member (settings, "UseIDER", FALSE);
      json_object_set_boolean_member (settings, "BIOSSetup", FALSE);
      json_object_set_boolean_member (settings, "UseSOL", FALSE);
      json_object_set_int_member (settings, "BootMediaIndex", 0);
      if (data->enforce_secure_boot >= 0)
        json_object_set_boolean_member (settings, "EnforceSecureBoot", data->enforce_secure_boot != 0);
      else if (json_object_has_member (settings, "EnforceSecureBoot"))
        json_object_remove_member (settings, "EnforceSecureBoot");
      json_object_set_boolean_member (settings, "UserPasswordBypass", FALSE);
      json_object_set_boolean_member (settings, "ForcedProgressEvents", TRUE);
      json_object_set_int_member (settings, "UefiBootNumberOfParams", count);
      json_object_set_string_member (settings, "UefiBootParametersArray", parameters);
      explicit_bzero (parameters, strlen (parameters));
    }

  _ob_amt_invoke (task, "CIM_BootConfigSetting", "ChangeBootOrder", NULL, boot_order_cleared_cb);
}

static void
boot_sources_for_path_cb (GTask        *task,
                          GPtrArray    *items,
                          GPtrArray    *classes,
                          const GError *error)
{
  BootData *data = g_task_get_task_data (task);
  gboolean winre = data->action == 109 || data->action == 110;

  /* The reference falls back to "no source" when the list cannot be read,
   * but a lost connection is still an error. */
  if (error != NULL && !is_fault (error))
    {
      _ob_amt_return_error (task, error);
      return;
    }

  for (guint i = 0; error == NULL && i < items->len; i++)
    {
      JsonNode *item = g_ptr_array_index (items, i);
      JsonObject *source;
      g_autofree char *instance_id = NULL;
      g_autofree char *boot_string = NULL;
      g_autofree char *bios_boot_string = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      source = json_node_get_object (item);
      instance_id = _ob_amt_json_dup_string (source, "InstanceID");
      boot_string = _ob_amt_json_dup_string (source, "BootString");
      bios_boot_string = _ob_amt_json_dup_string (source, "BIOSBootString");

      if (data->boot_path != NULL && *data->boot_path != '\0')
        {
          if (g_strcmp0 (boot_string, data->boot_path) == 0)
            {
              g_free (data->boot_source);
              data->boot_source = g_strdup (instance_id);
              break;
            }
        }
      else if (winre && bios_boot_string != NULL && strstr (bios_boot_string, "WinRe") != NULL &&
               instance_id != NULL && g_str_has_prefix (instance_id, BOOT_SOURCE_OCR_PREFIX))
        {
          g_free (data->boot_source);
          data->boot_source = g_strdup (instance_id);
          g_free (data->boot_path);
          data->boot_path = g_strdup (boot_string);
          break;
        }
    }

  _ob_amt_get (task, "AMT_BootSettingData", NULL, boot_settings_cb);
}

static void
boot_pick_source (GTask *task)
{
  BootData *data = g_task_get_task_data (task);

  switch (data->action)
    {
    case 400: case 401:
      data->boot_source = g_strdup (BOOT_SOURCE_PXE);
      break;
    case 202: case 203:
      data->boot_source = g_strdup (BOOT_SOURCE_CD_DVD);
      break;
    case 105: case 106:
      data->boot_source = g_strdup (BOOT_SOURCE_HTTPS);
      break;
    case 107: case 108: case 109: case 110:
      data->boot_source = g_strdup ("");
      _ob_amt_enumerate (task, "CIM_BootSourceSetting", boot_sources_for_path_cb);
      return;
    default:
      data->boot_source = g_strdup ("");
      break;
    }

  _ob_amt_get (task, "AMT_BootSettingData", NULL, boot_settings_cb);
}

static void
boot_mode_cb (GTask           *task,
              ObWsmanResponse *response,
              const GError    *error)
{
  JsonObject *service;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  service = ob_wsman_response_get_class_json (response, "AMT_SetupAndConfigurationService");
  if (_ob_amt_json_int (service, "ProvisioningMode", 0) == 4)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_NOT_ALLOWED,
                               "Secure boot cannot be turned off on a device in client control mode");
      return;
    }

  boot_pick_source (task);
}

void
ob_amt_power_boot_options_async (ObWsmanClient          *client,
                                 int                     action,
                                 gboolean                use_sol,
                                 const ObAmtBootDetails *details,
                                 GCancellable           *cancellable,
                                 GAsyncReadyCallback     callback,
                                 gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  BootData *data;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_power_boot_options_async);

  if (!ob_amt_boot_action_is_valid (action))
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                               "%d is not a boot action", action);
      return;
    }

  data = g_new0 (BootData, 1);
  data->action = action;
  data->use_sol = !!use_sol;
  data->enforce_secure_boot = -1;
  if (details != NULL)
    {
      data->url = g_strdup (details->url);
      data->username = g_strdup (details->username);
      data->password = g_strdup (details->password);
      data->boot_path = g_strdup (details->boot_path);
      data->enforce_secure_boot = details->enforce_secure_boot < 0 ? -1 : !!details->enforce_secure_boot;
    }
  g_task_set_task_data (task, data, (GDestroyNotify) boot_data_free);

  if (data->enforce_secure_boot == 0)
    {
      _ob_amt_get (task, "AMT_SetupAndConfigurationService", NULL, boot_mode_cb);
      return;
    }

  boot_pick_source (task);
}

JsonNode *
ob_amt_power_boot_options_finish (ObWsmanClient  *client,
                                  GAsyncResult   *result,
                                  guint          *out_return_value,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_power_boot_options_async, NULL);

  return propagate_action_result (result, out_return_value, error);
}

/* Boot sources */

static void
boot_sources_cb (GTask        *task,
                 GPtrArray    *items,
                 GPtrArray    *classes,
                 const GError *error)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < items->len; i++)
    {
      JsonNode *item = g_ptr_array_index (items, i);
      JsonObject *source;
      static const struct { const char *out; const char *in; } strings[] = {
        { "biosBootString", "BIOSBootString" },
        { "bootString", "BootString" },
        { "elementName", "ElementName" },
      };

      if (!JSON_NODE_HOLDS_OBJECT (item) ||
          g_strcmp0 (g_ptr_array_index (classes, i), "CIM_BootSourceSetting") != 0)
        continue;
      source = json_node_get_object (item);

      json_builder_begin_object (builder);
      for (guint j = 0; j < G_N_ELEMENTS (strings); j++)
        {
          g_autofree char *value = _ob_amt_json_dup_string (source, strings[j].in);

          json_builder_set_member_name (builder, strings[j].out);
          json_builder_add_string_value (builder, value != NULL ? value : "");
        }
      json_builder_set_member_name (builder, "failThroughSupported");
      json_builder_add_int_value (builder, _ob_amt_json_int (source, "FailThroughSupported", 0));
      {
        g_autofree char *instance_id = _ob_amt_json_dup_string (source, "InstanceID");
        g_autofree char *structured = _ob_amt_json_dup_string (source, "StructuredBootString");

        json_builder_set_member_name (builder, "instanceID");
        json_builder_add_string_value (builder, instance_id != NULL ? instance_id : "");
        json_builder_set_member_name (builder, "structuredBiosBootString");
        json_builder_add_string_value (builder, structured != NULL ? structured : "");
      }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  g_task_return_pointer (task, json_builder_get_root (builder), (GDestroyNotify) json_node_unref);
}

void
ob_amt_power_boot_sources_async (ObWsmanClient       *client,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_power_boot_sources_async);

  _ob_amt_enumerate (task, "CIM_BootSourceSetting", boot_sources_cb);
}

JsonNode *
ob_amt_power_boot_sources_finish (ObWsmanClient  *client,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_power_boot_sources_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
