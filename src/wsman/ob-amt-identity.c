/* ob-amt-identity.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-amt-identity.h"
#include "ob-amt-private.h"

G_DEFINE_BOXED_TYPE (ObAmtVersion, ob_amt_version, ob_amt_version_copy, ob_amt_version_free)

ObAmtVersion *
ob_amt_version_copy (const ObAmtVersion *self)
{
  ObAmtVersion *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (ObAmtVersion, 1);
  *copy = *self;
  copy->amt_version = g_strdup (self->amt_version);
  copy->build_number = g_strdup (self->build_number);
  copy->sku = g_strdup (self->sku);
  return copy;
}

void
ob_amt_version_free (ObAmtVersion *self)
{
  if (self == NULL)
    return;

  g_free (self->amt_version);
  g_free (self->build_number);
  g_free (self->sku);
  g_free (self);
}

const char *
ob_amt_control_mode_to_string (ObAmtControlMode mode)
{
  switch (mode)
    {
    case OB_AMT_CONTROL_MODE_CCM:
      return "ccm";
    case OB_AMT_CONTROL_MODE_ACM:
      return "acm";
    case OB_AMT_CONTROL_MODE_NONE:
    default:
      return "none";
    }
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

ObAmtVersion *
ob_amt_version_from_json (JsonNode *version_json)
{
  ObAmtVersion *version = g_new0 (ObAmtVersion, 1);
  JsonObject *root = NULL;
  JsonObject *identity;
  JsonObject *setup;
  JsonNode *responses;

  if (version_json != NULL && JSON_NODE_HOLDS_OBJECT (version_json))
    root = json_node_get_object (version_json);

  identity = member_object (root, "CIM_SoftwareIdentity");
  responses = identity != NULL ? json_object_get_member (identity, "responses") : NULL;
  if (responses != NULL && JSON_NODE_HOLDS_ARRAY (responses))
    {
      JsonArray *array = json_node_get_array (responses);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          g_autofree char *instance_id = NULL;
          char **target = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            continue;

          instance_id = _ob_amt_json_dup_string (json_node_get_object (item), "InstanceID");
          if (g_strcmp0 (instance_id, "AMT") == 0)
            target = &version->amt_version;
          else if (g_strcmp0 (instance_id, "Build Number") == 0)
            target = &version->build_number;
          else if (g_strcmp0 (instance_id, "Sku") == 0)
            target = &version->sku;

          if (target != NULL && *target == NULL)
            *target = _ob_amt_json_dup_string (json_node_get_object (item), "VersionString");
        }
    }

  setup = member_object (member_object (root, "AMT_SetupAndConfigurationService"), "response");
  version->provisioning_state = (guint) CLAMP (_ob_amt_json_int (setup, "ProvisioningState", 0), 0, G_MAXUINT16);
  version->provisioning_mode = (guint) CLAMP (_ob_amt_json_int (setup, "ProvisioningMode", 0), 0, G_MAXUINT16);

  /* Only a fully provisioned device (state 2, post-provisioning) is in a
   * control mode; mode 1 is admin control, 4 client control. */
  if (version->provisioning_state == 2)
    {
      if (version->provisioning_mode == 1)
        version->control_mode = OB_AMT_CONTROL_MODE_ACM;
      else if (version->provisioning_mode == 4)
        version->control_mode = OB_AMT_CONTROL_MODE_CCM;
    }

  if (version->amt_version == NULL)
    version->amt_version = g_strdup ("");
  if (version->build_number == NULL)
    version->build_number = g_strdup ("");
  if (version->sku == NULL)
    version->sku = g_strdup ("");
  if (g_ascii_isdigit (version->amt_version[0]))
    version->major = (guint) CLAMP (g_ascii_strtoll (version->amt_version, NULL, 10), 0, G_MAXUINT16);

  return version;
}

/* Version */

typedef struct
{
  GPtrArray *identities;   /* JsonNode */
} VersionData;

static void
version_data_free (VersionData *data)
{
  g_clear_pointer (&data->identities, g_ptr_array_unref);
  g_free (data);
}

typedef struct
{
  JsonNode     *node;
  ObAmtVersion *version;
} VersionResult;

static void
version_result_free (VersionResult *result)
{
  g_clear_pointer (&result->node, json_node_unref);
  g_clear_pointer (&result->version, ob_amt_version_free);
  g_free (result);
}

static void
version_setup_cb (GTask           *task,
                  ObWsmanResponse *response,
                  const GError    *error)
{
  VersionData *data = g_task_get_task_data (task);
  JsonObject *setup;
  JsonObject *root;
  JsonObject *identity;
  JsonObject *setup_out;
  JsonObject *responses;
  JsonArray *identities;
  JsonNode *header;
  VersionResult *result;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  setup = ob_wsman_response_get_class_json (response, "AMT_SetupAndConfigurationService");
  if (setup == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not report its setup and configuration service");
      return;
    }

  identities = json_array_new ();
  for (guint i = 0; i < data->identities->len; i++)
    json_array_add_element (identities, json_node_copy (g_ptr_array_index (data->identities, i)));

  identity = json_object_new ();
  json_object_set_array_member (identity, "responses", identities);
  json_object_set_int_member (identity, "status", 200);

  header = ob_wsman_response_get_header_json (response);
  responses = json_object_new ();
  json_object_set_member (responses, "Header",
                          header != NULL ? json_node_copy (header) : json_node_new (JSON_NODE_NULL));
  json_object_set_member (responses, "Body", _ob_amt_json_node_from_object (setup));

  setup_out = json_object_new ();
  json_object_set_member (setup_out, "response", _ob_amt_json_node_from_object (setup));
  json_object_set_object_member (setup_out, "responses", responses);
  json_object_set_int_member (setup_out, "status", 200);

  root = json_object_new ();
  json_object_set_object_member (root, "CIM_SoftwareIdentity", identity);
  json_object_set_object_member (root, "AMT_SetupAndConfigurationService", setup_out);

  result = g_new0 (VersionResult, 1);
  result->node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (result->node, root);
  result->version = ob_amt_version_from_json (result->node);
  g_task_return_pointer (task, result, (GDestroyNotify) version_result_free);
}

static void
version_identity_cb (GTask        *task,
                     GPtrArray    *items,
                     GPtrArray    *classes,
                     const GError *error)
{
  VersionData *data = g_task_get_task_data (task);

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  for (guint i = 0; i < items->len; i++)
    {
      JsonNode *item = g_ptr_array_index (items, i);

      if (g_strcmp0 (g_ptr_array_index (classes, i), "CIM_SoftwareIdentity") == 0 &&
          JSON_NODE_HOLDS_OBJECT (item))
        g_ptr_array_add (data->identities, json_node_ref (item));
    }

  _ob_amt_get (task, "AMT_SetupAndConfigurationService", NULL, version_setup_cb);
}

void
ob_amt_version_async (ObWsmanClient       *client,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  VersionData *data;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_version_async);
  data = g_new0 (VersionData, 1);
  data->identities = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_task_set_task_data (task, data, (GDestroyNotify) version_data_free);

  _ob_amt_enumerate (task, "CIM_SoftwareIdentity", version_identity_cb);
}

JsonNode *
ob_amt_version_finish (ObWsmanClient  *client,
                       GAsyncResult   *result,
                       ObAmtVersion  **out_version,
                       GError        **error)
{
  VersionResult *version;
  JsonNode *node;

  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_version_async, NULL);

  version = g_task_propagate_pointer (G_TASK (result), error);
  if (version == NULL)
    return NULL;

  if (out_version != NULL)
    *out_version = g_steal_pointer (&version->version);
  node = g_steal_pointer (&version->node);
  version_result_free (version);
  return node;
}

/* General settings */

static void
general_settings_cb (GTask           *task,
                     ObWsmanResponse *response,
                     const GError    *error)
{
  JsonObject *settings;
  JsonObject *root;
  JsonNode *header;
  JsonNode *node;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  settings = ob_wsman_response_get_class_json (response, "AMT_GeneralSettings");
  if (settings == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not report its general settings");
      return;
    }

  header = ob_wsman_response_get_header_json (response);
  root = json_object_new ();
  json_object_set_member (root, "Header",
                          header != NULL ? json_node_copy (header) : json_node_new (JSON_NODE_NULL));
  json_object_set_member (root, "Body", _ob_amt_json_node_from_object (settings));

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

void
ob_amt_general_settings_async (ObWsmanClient       *client,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_general_settings_async);

  _ob_amt_get (task, "AMT_GeneralSettings", NULL, general_settings_cb);
}

JsonNode *
ob_amt_general_settings_finish (ObWsmanClient  *client,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_general_settings_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
