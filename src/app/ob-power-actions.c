/* ob-power-actions.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-amt-power.h"
#include "ob-amt-status.h"
#include "ob-power-actions.h"
#include "ob-wsman-error.h"

/* Menu order: what an admin reaches for most comes first. */
static const ObPowerActionInfo power_actions[] = {
  { 2, OB_POWER_ACTION_GROUP_BASIC, N_("Power On"), NULL },
  { 8, OB_POWER_ACTION_GROUP_BASIC, N_("Power Off"),
    N_("The computer turns off at once, without shutting down its operating system. "
       "Unsaved work on it is lost.") },
  { 5, OB_POWER_ACTION_GROUP_BASIC, N_("Power Cycle"),
    N_("The computer turns off at once and starts again, without shutting down its "
       "operating system. Unsaved work on it is lost.") },
  { 10, OB_POWER_ACTION_GROUP_BASIC, N_("Reset"),
    N_("The computer restarts at once, without shutting down its operating system. "
       "Unsaved work on it is lost.") },
  { 12, OB_POWER_ACTION_GROUP_GRACEFUL, N_("Soft Off"),
    N_("The operating system is asked to shut down. Programs that are running are "
       "closed.") },
  { 14, OB_POWER_ACTION_GROUP_GRACEFUL, N_("Soft Reset"),
    N_("The operating system is asked to restart. Programs that are running are "
       "closed.") },
  { 4, OB_POWER_ACTION_GROUP_GRACEFUL, N_("Sleep"),
    N_("The computer is put to sleep. Whoever is using it is interrupted.") },
  { 7, OB_POWER_ACTION_GROUP_GRACEFUL, N_("Hibernate"),
    N_("The computer hibernates. Whoever is using it is interrupted.") },
  { 100, OB_POWER_ACTION_GROUP_BOOT, N_("Power On to BIOS"), NULL },
  { 101, OB_POWER_ACTION_GROUP_BOOT, N_("Reset to BIOS"),
    N_("The computer restarts at once into its BIOS setup, without shutting down its "
       "operating system. Unsaved work on it is lost.") },
  { 401, OB_POWER_ACTION_GROUP_BOOT, N_("Power On to PXE"), NULL },
  { 400, OB_POWER_ACTION_GROUP_BOOT, N_("Reset to PXE"),
    N_("The computer restarts at once and boots from the network, without shutting "
       "down its operating system. Unsaved work on it is lost.") },
  { 300, OB_POWER_ACTION_GROUP_BOOT, N_("Power On to Diagnostics"), NULL },
  { 301, OB_POWER_ACTION_GROUP_BOOT, N_("Reset to Diagnostics"),
    N_("The computer restarts at once into its diagnostics, without shutting down its "
       "operating system. Unsaved work on it is lost.") },
  { 201, OB_POWER_ACTION_GROUP_IDER, N_("Power On to IDE-R Floppy"), NULL },
  { 200, OB_POWER_ACTION_GROUP_IDER, N_("Reset to IDE-R Floppy"),
    N_("The computer restarts at once from a remote floppy image, without shutting "
       "down its operating system. Unsaved work on it is lost.") },
  { 203, OB_POWER_ACTION_GROUP_IDER, N_("Power On to IDE-R CD-ROM"), NULL },
  { 202, OB_POWER_ACTION_GROUP_IDER, N_("Reset to IDE-R CD-ROM"),
    N_("The computer restarts at once from a remote CD-ROM image, without shutting "
       "down its operating system. Unsaved work on it is lost.") },
  { 104, OB_POWER_ACTION_GROUP_ERASE, N_("Reset to Secure Erase"),
    N_("The computer restarts and erases its storage drives. Everything stored on "
       "them is lost for good.") },
};

/**
 * ob_power_actions_get_all:
 * @n_actions: (out): the number of actions
 *
 * Returns: (transfer none) (array length=n_actions): every action the
 *   interface offers, in menu order
 */
const ObPowerActionInfo *
ob_power_actions_get_all (guint *n_actions)
{
  g_return_val_if_fail (n_actions != NULL, NULL);

  *n_actions = G_N_ELEMENTS (power_actions);
  return power_actions;
}

/**
 * ob_power_actions_lookup:
 * @action: an Open AMT action number
 *
 * Returns: (transfer none) (nullable): the action, or %NULL if the
 *   interface does not offer it
 */
const ObPowerActionInfo *
ob_power_actions_lookup (int action)
{
  for (guint i = 0; i < G_N_ELEMENTS (power_actions); i++)
    {
      if (power_actions[i].action == action)
        return &power_actions[i];
    }

  return NULL;
}

const char *
ob_power_state_to_label (guint power_state)
{
  switch (power_state)
    {
    case 2:
      return _("On");
    case 3:
    case 4:
      return _("Sleeping");
    case 7:
      return _("Hibernating");
    case 6:
    case 8:
    case 12:
    case 13:
      return _("Off");
    case 5:
    case 9:
    case 10:
    case 14:
    case 15:
    case 16:
    case 17:
      return _("Restarting");
    case 11:
      return _("Interrupted");
    default:
      return _("Unknown");
    }
}

const char *
ob_power_state_to_icon_name (guint power_state)
{
  switch (power_state)
    {
    case 2:
      return "system-shutdown-symbolic";
    case 3:
    case 4:
    case 7:
      return "weather-clear-night-symbolic";
    case 6:
    case 8:
    case 12:
    case 13:
      return "media-playback-stop-symbolic";
    case 5:
    case 9:
    case 10:
    case 14:
    case 15:
    case 16:
    case 17:
      return "view-refresh-symbolic";
    default:
      return "dialog-question-symbolic";
    }
}

gboolean
ob_power_actions_allowed (JsonNode *capabilities,
                          int       action)
{
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  if (capabilities == NULL || !JSON_NODE_HOLDS_OBJECT (capabilities))
    {
      const ObPowerActionInfo *info = ob_power_actions_lookup (action);

      return info != NULL && info->group == OB_POWER_ACTION_GROUP_BASIC;
    }

  object = json_node_get_object (capabilities);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);

      if (JSON_NODE_HOLDS_VALUE (value) &&
          json_node_get_value_type (value) == G_TYPE_INT64 &&
          json_node_get_int (value) == action)
        return TRUE;
    }

  return FALSE;
}

typedef struct
{
  ObDevice *device;
  int action;
} RunData;

static void
run_data_free (RunData *data)
{
  g_clear_object (&data->device);
  g_free (data);
}

static void
run_return (GTask  *task,
            GError *error)
{
  RunData *data = g_task_get_task_data (task);

  ob_device_report_result (data->device, error);
  ob_device_release_busy (data->device);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_power_state_read (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  guint power_state = 0;

  node = ob_amt_power_state_finish ((ObWsmanClient *) source, result, &power_state, NULL, &error);
  if (node == NULL)
    {
      /* The action itself went through; only reading the state back
       * failed, which the next refresh repairs. */
      g_debug ("Could not read the power state of %s after action %d: %s",
               ob_device_get_guid (data->device), data->action, error->message);
    }
  else
    {
      ob_device_set_power_state (data->device, power_state);
    }

  run_return (task, NULL);
}

static void
on_action_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *data = g_task_get_task_data (task);
  ObWsmanClient *client = (ObWsmanClient *) source;
  g_autoptr(JsonNode) node = NULL;
  GCancellable *cancellable;
  GError *error = NULL;
  guint return_value = 0;

  if (data->action >= 100)
    node = ob_amt_power_boot_options_finish (client, result, &return_value, &error);
  else
    node = ob_amt_power_action_finish (client, result, &return_value, &error);

  if (node == NULL)
    {
      run_return (task, error);
      return;
    }

  if (return_value != 0)
    {
      run_return (task, g_error_new (OB_AMT_ERROR, OB_AMT_ERROR_FAILED,
                                     _("The device refused the power action (%s)"),
                                     ob_amt_status_to_string (return_value)));
      return;
    }

  cancellable = g_task_get_cancellable (task);
  ob_amt_power_state_async (client, cancellable, on_power_state_read, g_steal_pointer (&task));
}

void
ob_power_action_run_async (ObDevice            *device,
                           int                  action,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  ob_power_action_run_with_sol_async (device, action, FALSE, cancellable, callback, user_data);
}

void
ob_power_action_run_with_sol_async (ObDevice            *device,
                                    int                  action,
                                    gboolean             use_sol,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ObWsmanClient *client;
  RunData *data;

  g_return_if_fail (OB_IS_DEVICE (device));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (device, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_power_action_run_async);

  if (!ob_amt_power_action_is_valid (action))
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                               _("Unknown power action %d"), action);
      return;
    }

  client = ob_device_get_wsman_client (device);
  if (client == NULL)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED,
                               _("The device is not connected"));
      return;
    }

  data = g_new0 (RunData, 1);
  data->device = g_object_ref (device);
  data->action = action;
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);

  ob_device_hold_busy (device);

  /* The reference routes actions below 100 to /power/action and the rest to
   * /power/bootOptions; do the same so both reach the device alike. */
  if (action >= 100)
    ob_amt_power_boot_options_async (client, action, use_sol, NULL, cancellable,
                                     on_action_done, g_steal_pointer (&task));
  else
    ob_amt_power_action_async (client, action, cancellable,
                               on_action_done, g_steal_pointer (&task));
}

gboolean
ob_power_action_run_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

char *
ob_power_action_run_finish_message (int           action,
                                    GAsyncResult *result)
{
  const ObPowerActionInfo *info = ob_power_actions_lookup (action);
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;

  g_return_val_if_fail (info != NULL, NULL);

  if (ob_power_action_run_finish (result, &error))
    {
      /* Translators: "<action> done", e.g. "Power Off done" */
      return g_strdup_printf (_("%s done"), _(info->label));
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;

  reason = ob_describe_device_error (error);
  /* Translators: "<action> failed: <reason>", e.g. "Power Off failed: …" */
  return g_strdup_printf (_("%s failed: %s"), _(info->label), reason);
}

char *
ob_describe_device_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED))
    return g_strdup (_("Wrong user name or password"));
  if (g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TIMEOUT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup (_("The device did not answer in time"));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_strdup (_("The device refused the connection; is Intel AMT enabled on it?"));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return g_strdup (_("The device cannot be reached on the network"));
  if (g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    return g_strdup (_("No device has that name on the network"));

  return g_strdup (error->message);
}

static const char *group_names[] = {
  [OB_POWER_ACTION_GROUP_BASIC] = NULL,
  [OB_POWER_ACTION_GROUP_GRACEFUL] = N_("Through the Operating System"),
  [OB_POWER_ACTION_GROUP_BOOT] = N_("Boot To"),
  [OB_POWER_ACTION_GROUP_IDER] = N_("Boot from a Remote Image"),
  [OB_POWER_ACTION_GROUP_ERASE] = NULL,
};

void
ob_power_actions_append_sections (GMenu      *menu,
                                  JsonNode   *capabilities,
                                  const char *action_name,
                                  gboolean    with_ider)
{
  const ObPowerActionInfo *actions;
  guint n_actions;

  g_return_if_fail (G_IS_MENU (menu));
  g_return_if_fail (action_name != NULL);

  actions = ob_power_actions_get_all (&n_actions);

  for (guint group = OB_POWER_ACTION_GROUP_BASIC; group <= OB_POWER_ACTION_GROUP_ERASE; group++)
    {
      g_autoptr(GMenu) section = NULL;

      if (group == OB_POWER_ACTION_GROUP_IDER && !with_ider)
        continue;

      section = g_menu_new ();
      for (guint i = 0; i < n_actions; i++)
        {
          g_autoptr(GMenuItem) item = NULL;

          if (actions[i].group != group ||
              !ob_power_actions_allowed (capabilities, actions[i].action))
            continue;

          item = g_menu_item_new (_(actions[i].label), NULL);
          g_menu_item_set_action_and_target_value (item, action_name,
                                                   g_variant_new_int32 (actions[i].action));
          g_menu_append_item (section, item);
        }

      if (g_menu_model_get_n_items (G_MENU_MODEL (section)) > 0)
        g_menu_append_section (menu,
                               group_names[group] != NULL ? _(group_names[group]) : NULL,
                               G_MENU_MODEL (section));
    }
}
