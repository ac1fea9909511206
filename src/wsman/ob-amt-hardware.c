/* ob-amt-hardware.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-amt-hardware.h"
#include "ob-amt-private.h"

/* How the reference's formatResponse() shapes one class. */
typedef enum
{
  /* Get: {"response":Body.X,"responses":[Envelope],"status":X?200:400} */
  SHAPE_GET,
  /* Get: like SHAPE_GET but status 200 whenever a reply came */
  SHAPE_GET_ANY_BODY,
  /* Enumerate: {"responses":[Items.X],"status":Items.X?200:400}, where
   * Items.X is the object, or the array when there are several */
  SHAPE_ITEMS_WRAPPED,
  /* Same, status 200 whenever the enumeration worked */
  SHAPE_ITEMS_WRAPPED_ANY_BODY,
  /* Enumerate: {"responses":Items.X as an array,"status":…} */
  SHAPE_ITEMS_FLAT,
} Shape;

typedef struct
{
  const char *key;          /* member of the answer */
  const char *class_name;   /* what is asked for */
  const char *item_class;   /* which items of an enumeration count */
  Shape       shape;
} HardwareClass;

/* In the order of the reference's answer. */
static const HardwareClass hardware_classes[] = {
  { "CIM_ComputerSystemPackage", "CIM_ComputerSystemPackage", NULL, SHAPE_GET },
  { "CIM_SystemPackaging", "CIM_SystemPackaging", "CIM_ComputerSystemPackage", SHAPE_ITEMS_WRAPPED },
  { "CIM_Chassis", "CIM_Chassis", NULL, SHAPE_GET },
  { "CIM_Chip", "CIM_Chip", "CIM_Chip", SHAPE_ITEMS_WRAPPED_ANY_BODY },
  { "CIM_Card", "CIM_Card", NULL, SHAPE_GET_ANY_BODY },
  { "CIM_BIOSElement", "CIM_BIOSElement", NULL, SHAPE_GET_ANY_BODY },
  { "CIM_Processor", "CIM_Processor", "CIM_Processor", SHAPE_ITEMS_WRAPPED },
  { "CIM_PhysicalMemory", "CIM_PhysicalMemory", "CIM_PhysicalMemory", SHAPE_ITEMS_FLAT },
  { "CIM_MediaAccessDevice", "CIM_MediaAccessDevice", "CIM_MediaAccessDevice", SHAPE_ITEMS_FLAT },
  { "CIM_PhysicalPackage", "CIM_PhysicalPackage", "CIM_Card", SHAPE_ITEMS_WRAPPED },
};

#define N_CLASSES G_N_ELEMENTS (hardware_classes)

static gboolean
is_get_shape (Shape shape)
{
  return shape == SHAPE_GET || shape == SHAPE_GET_ANY_BODY;
}

/* Items.X as the reference's XML converter would have made it: nothing,
 * one object, or an array of them. */
static JsonNode *
items_value (const HardwareClass *hw,
             ObAmtFetchResult    *result)
{
  g_autoptr(GPtrArray) matching = NULL;
  JsonArray *array;
  JsonNode *node;

  if (result->items == NULL)
    return NULL;

  matching = g_ptr_array_new ();
  for (guint i = 0; i < result->items->len; i++)
    {
      JsonNode *item = g_ptr_array_index (result->items, i);

      if (g_strcmp0 (g_ptr_array_index (result->classes, i), hw->item_class) == 0 &&
          JSON_NODE_HOLDS_OBJECT (item))
        g_ptr_array_add (matching, item);
    }

  if (matching->len == 0)
    return NULL;
  if (matching->len == 1)
    return json_node_copy (g_ptr_array_index (matching, 0));

  array = json_array_new ();
  for (guint i = 0; i < matching->len; i++)
    json_array_add_element (array, json_node_copy (g_ptr_array_index (matching, i)));
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, array);
  return node;
}

static JsonObject *
format_class (const HardwareClass *hw,
              ObAmtFetchResult    *result)
{
  JsonObject *out = json_object_new ();
  JsonArray *responses;
  int status;

  if (is_get_shape (hw->shape))
    {
      ObWsmanResponse *response = result->response;
      JsonObject *instance = response != NULL ? ob_wsman_response_get_class_json (response, hw->class_name) : NULL;

      if (instance != NULL)
        json_object_set_member (out, "response", _ob_amt_json_node_from_object (instance));

      responses = json_array_new ();
      if (response != NULL)
        json_array_add_element (responses, ob_wsman_response_dup_envelope_json (response));
      else
        json_array_add_null_element (responses);

      if (hw->shape == SHAPE_GET)
        status = instance != NULL ? 200 : 400;
      else
        status = response != NULL ? 200 : 400;
    }
  else
    {
      JsonNode *value = items_value (hw, result);

      if (hw->shape == SHAPE_ITEMS_FLAT && value != NULL && JSON_NODE_HOLDS_ARRAY (value))
        {
          responses = json_node_dup_array (value);
        }
      else
        {
          responses = json_array_new ();
          if (value != NULL)
            json_array_add_element (responses, json_node_ref (value));
          else
            json_array_add_null_element (responses);
        }

      if (hw->shape == SHAPE_ITEMS_WRAPPED_ANY_BODY)
        status = result->items != NULL ? 200 : 400;
      else
        status = value != NULL ? 200 : 400;

      g_clear_pointer (&value, json_node_unref);
    }

  json_object_set_array_member (out, "responses", responses);
  json_object_set_int_member (out, "status", status);
  return out;
}

static void
hardware_fetched_cb (GTask            *task,
                     ObAmtFetchResult *results)
{
  JsonObject *root;
  JsonNode *node;
  const GError *first_error = NULL;
  gboolean any_answer = FALSE;

  for (guint i = 0; i < N_CLASSES; i++)
    {
      const GError *error = results[i].error;

      if (error == NULL)
        {
          any_answer = TRUE;
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          _ob_amt_return_error (task, error);
          return;
        }
      if (g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT))
        any_answer = TRUE;
      else if (first_error == NULL)
        first_error = error;
    }

  /* A device that said something (even "no" to some classes) gets the
   * per-class answer; one that could not be reached at all is an error. */
  if (!any_answer && first_error != NULL)
    {
      _ob_amt_return_error (task, first_error);
      return;
    }

  root = json_object_new ();
  for (guint i = 0; i < N_CLASSES; i++)
    json_object_set_object_member (root, hardware_classes[i].key,
                                   format_class (&hardware_classes[i], &results[i]));

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

void
ob_amt_hardware_info_async (ObWsmanClient       *client,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ObAmtFetch fetches[N_CLASSES];

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_hardware_info_async);

  for (guint i = 0; i < N_CLASSES; i++)
    {
      fetches[i].class_name = hardware_classes[i].class_name;
      fetches[i].enumerate = !is_get_shape (hardware_classes[i].shape);
    }

  _ob_amt_fetch_all (task, fetches, N_CLASSES, hardware_fetched_cb);
}

JsonNode *
ob_amt_hardware_info_finish (ObWsmanClient  *client,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_hardware_info_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
