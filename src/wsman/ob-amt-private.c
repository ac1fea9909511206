/* ob-amt-private.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "ob-amt-private.h"

/* A cap on Pull round trips so a device that never says EndOfSequence
 * cannot keep a call alive forever. */
#define MAX_PULLS 1000

typedef struct
{
  GTask          *task;
  ObAmtReplyFunc  next;
} ReplyClosure;

static void
reply_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  ReplyClosure *closure = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = NULL;

  response = ob_wsman_client_request_finish (OB_WSMAN_CLIENT (source), result, &error);
  g_assert (response != NULL || error != NULL);

  closure->next (closure->task, response, error);

  g_object_unref (closure->task);
  g_free (closure);
}

static void
send_request (GTask            *task,
              const char       *action_uri,
              const char       *class_name,
              ObWsmanSelectors *selectors,
              const char       *body,
              ObAmtReplyFunc    next)
{
  ObWsmanClient *client = g_task_get_source_object (task);
  g_autofree char *resource_uri = ob_wsman_resource_uri_for_class (class_name);
  ReplyClosure *closure;

  if (resource_uri == NULL)
    {
      g_autoptr(GError) error = g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                                             "No resource URI for class “%s”", class_name);
      next (task, NULL, error);
      return;
    }

  closure = g_new0 (ReplyClosure, 1);
  closure->task = g_object_ref (task);
  closure->next = next;

  ob_wsman_client_request_async (client, action_uri, resource_uri, selectors, body,
                                 g_task_get_cancellable (task), reply_cb, closure);
}

void
_ob_amt_get (GTask            *task,
             const char       *class_name,
             ObWsmanSelectors *selectors,
             ObAmtReplyFunc    next)
{
  send_request (task, OB_WSMAN_ACTION_GET, class_name, selectors, NULL, next);
}

void
_ob_amt_put (GTask            *task,
             const char       *class_name,
             ObWsmanSelectors *selectors,
             JsonObject       *instance,
             ObAmtReplyFunc    next)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = ob_wsman_body_from_json (class_name, instance, &error);

  if (body == NULL)
    {
      next (task, NULL, error);
      return;
    }

  send_request (task, OB_WSMAN_ACTION_PUT, class_name, selectors, body, next);
}

void
_ob_amt_delete (GTask            *task,
                const char       *class_name,
                ObWsmanSelectors *selectors,
                ObAmtReplyFunc    next)
{
  send_request (task, OB_WSMAN_ACTION_DELETE, class_name, selectors, NULL, next);
}

void
_ob_amt_invoke_raw (GTask          *task,
                    const char     *class_name,
                    const char     *method,
                    const char     *input_fragment,
                    ObAmtReplyFunc  next)
{
  g_autofree char *action = ob_wsman_method_action (class_name, method);

  if (action == NULL)
    {
      g_autoptr(GError) error = g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                                             "No action URI for %s.%s", class_name, method);
      next (task, NULL, error);
      return;
    }

  send_request (task, action, class_name, NULL, input_fragment, next);
}

void
_ob_amt_invoke (GTask            *task,
                const char       *class_name,
                const char       *method,
                ObWsmanSelectors *args,
                ObAmtReplyFunc    next)
{
  g_autofree char *input = ob_wsman_body_method_input (class_name, method, args);

  _ob_amt_invoke_raw (task, class_name, method, input, next);
}

/* Enumerate + Pull */

typedef struct
{
  GTask          *task;
  ObAmtItemsFunc  next;
  char           *class_name;
  GPtrArray      *items;
  GPtrArray      *classes;
  guint           n_pulls;
} EnumClosure;

static void
enum_closure_finish (EnumClosure  *closure,
                     const GError *error)
{
  closure->next (closure->task, closure->items, closure->classes, error);

  g_object_unref (closure->task);
  g_free (closure->class_name);
  g_ptr_array_unref (closure->items);
  g_ptr_array_unref (closure->classes);
  g_free (closure);
}

static void enum_reply_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data);

static void
enum_send (EnumClosure *closure,
           const char  *action_uri,
           const char  *body)
{
  ObWsmanClient *client = g_task_get_source_object (closure->task);
  g_autofree char *resource_uri = ob_wsman_resource_uri_for_class (closure->class_name);

  if (resource_uri == NULL)
    {
      g_autoptr(GError) error = g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                                             "No resource URI for class “%s”",
                                             closure->class_name);
      enum_closure_finish (closure, error);
      return;
    }

  ob_wsman_client_request_async (client, action_uri, resource_uri, NULL, body,
                                 g_task_get_cancellable (closure->task),
                                 enum_reply_cb, closure);
}

static void
enum_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  EnumClosure *closure = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = NULL;
  g_autofree char *pull_body = NULL;
  const char *context;
  GPtrArray *items;
  GPtrArray *classes;

  response = ob_wsman_client_request_finish (OB_WSMAN_CLIENT (source), result, &error);
  if (response == NULL)
    {
      enum_closure_finish (closure, error);
      return;
    }

  items = ob_wsman_response_get_items (response);
  classes = ob_wsman_response_get_item_classes (response);
  for (guint i = 0; i < items->len; i++)
    {
      const char *class_name = i < classes->len ? g_ptr_array_index (classes, i) : NULL;

      g_ptr_array_add (closure->items, json_node_ref (g_ptr_array_index (items, i)));
      g_ptr_array_add (closure->classes, g_strdup (class_name != NULL ? class_name : ""));
    }

  if (ob_wsman_response_get_end_of_sequence (response))
    {
      enum_closure_finish (closure, NULL);
      return;
    }

  context = ob_wsman_response_get_enumeration_context (response);
  if (context == NULL || *context == '\0')
    {
      /* A PullResponse without context and without EndOfSequence is the
       * end as well; an EnumerateResponse without one is broken. */
      if (closure->n_pulls > 0)
        {
          enum_closure_finish (closure, NULL);
          return;
        }

      error = g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                           "The device did not start an enumeration of %s",
                           closure->class_name);
      enum_closure_finish (closure, error);
      return;
    }

  if (++closure->n_pulls > MAX_PULLS)
    {
      error = g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                           "The enumeration of %s did not end after %u pulls",
                           closure->class_name, MAX_PULLS);
      enum_closure_finish (closure, error);
      return;
    }

  pull_body = ob_wsman_body_pull (context, OB_WSMAN_PULL_MAX_ELEMENTS);
  enum_send (closure, OB_WSMAN_ACTION_PULL, pull_body);
}

void
_ob_amt_enumerate (GTask          *task,
                   const char     *class_name,
                   ObAmtItemsFunc  next)
{
  EnumClosure *closure;
  g_autofree char *body = ob_wsman_body_enumerate ();

  closure = g_new0 (EnumClosure, 1);
  closure->task = g_object_ref (task);
  closure->next = next;
  closure->class_name = g_strdup (class_name);
  closure->items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  closure->classes = g_ptr_array_new_with_free_func (g_free);

  enum_send (closure, OB_WSMAN_ACTION_ENUMERATE, body);
}

/* Fetch all */

typedef struct
{
  GTask            *task;
  ObAmtFetchedFunc  done;
  ObAmtFetchResult *results;
  guint             n_results;
  guint             n_pending;
} FetchClosure;

typedef struct
{
  FetchClosure *closure;
  guint         index;
} FetchSlot;

static void
fetch_slot_done (GTask *sub)
{
  FetchSlot *slot = g_task_get_task_data (sub);
  FetchClosure *closure = slot->closure;

  /* The sub-task only carries client and cancellable; give it a result
   * so it does not end unreturned. */
  g_task_return_boolean (sub, TRUE);

  if (--closure->n_pending > 0)
    return;

  closure->done (closure->task, closure->results);

  for (guint i = 0; i < closure->n_results; i++)
    {
      ObAmtFetchResult *result = &closure->results[i];

      g_clear_pointer (&result->response, ob_wsman_response_unref);
      g_clear_pointer (&result->items, g_ptr_array_unref);
      g_clear_pointer (&result->classes, g_ptr_array_unref);
      g_clear_error (&result->error);
    }
  g_free (closure->results);
  g_object_unref (closure->task);
  g_free (closure);
}

static void
fetch_get_cb (GTask           *sub,
              ObWsmanResponse *response,
              const GError    *error)
{
  FetchSlot *slot = g_task_get_task_data (sub);
  ObAmtFetchResult *result = &slot->closure->results[slot->index];

  if (error != NULL)
    result->error = g_error_copy (error);
  else
    result->response = ob_wsman_response_ref (response);

  fetch_slot_done (sub);
}

static void
fetch_items_cb (GTask        *sub,
                GPtrArray    *items,
                GPtrArray    *classes,
                const GError *error)
{
  FetchSlot *slot = g_task_get_task_data (sub);
  ObAmtFetchResult *result = &slot->closure->results[slot->index];

  if (error != NULL)
    {
      result->error = g_error_copy (error);
    }
  else
    {
      result->items = g_ptr_array_ref (items);
      result->classes = g_ptr_array_ref (classes);
    }

  fetch_slot_done (sub);
}

void
_ob_amt_fetch_all (GTask            *task,
                   const ObAmtFetch *fetches,
                   guint             n_fetches,
                   ObAmtFetchedFunc  done)
{
  FetchClosure *closure;

  g_return_if_fail (n_fetches > 0);

  closure = g_new0 (FetchClosure, 1);
  closure->task = g_object_ref (task);
  closure->done = done;
  closure->results = g_new0 (ObAmtFetchResult, n_fetches);
  closure->n_results = n_fetches;
  closure->n_pending = n_fetches;

  for (guint i = 0; i < n_fetches; i++)
    {
      g_autoptr(GTask) sub = g_task_new (g_task_get_source_object (task),
                                         g_task_get_cancellable (task), NULL, NULL);
      FetchSlot *slot = g_new0 (FetchSlot, 1);

      slot->closure = closure;
      slot->index = i;
      g_task_set_task_data (sub, slot, g_free);

      if (fetches[i].enumerate)
        _ob_amt_enumerate (sub, fetches[i].class_name, fetch_items_cb);
      else
        _ob_amt_get (sub, fetches[i].class_name, NULL, fetch_get_cb);
    }
}

void
_ob_amt_return_error (GTask        *task,
                      const GError *error)
{
  g_task_return_error (task, g_error_copy (error));
}

/* JSON */

gboolean
_ob_amt_json_get_int (JsonObject *object,
                      const char *member,
                      gint64     *out_value)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, member)) == NULL ||
      !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *out_value = json_node_get_int (node);
      return TRUE;

    case G_TYPE_DOUBLE:
      {
        double d = json_node_get_double (node);

        if (d != d || d < (double) G_MININT64 || d > (double) G_MAXINT64)
          return FALSE;
        *out_value = (gint64) d;
        return TRUE;
      }

    case G_TYPE_BOOLEAN:
      *out_value = json_node_get_boolean (node) ? 1 : 0;
      return TRUE;

    case G_TYPE_STRING:
      {
        const char *s = json_node_get_string (node);
        char *end = NULL;
        gint64 v;

        if (s == NULL)
          return FALSE;
        while (g_ascii_isspace (*s))
          s++;
        if (*s == '\0')
          return FALSE;
        errno = 0;
        v = g_ascii_strtoll (s, &end, 10);
        if (errno != 0 || end == s)
          return FALSE;
        while (g_ascii_isspace (*end))
          end++;
        if (*end != '\0')
          return FALSE;
        *out_value = v;
        return TRUE;
      }

    default:
      return FALSE;
    }
}

gint64
_ob_amt_json_int (JsonObject *object,
                  const char *member,
                  gint64      default_value)
{
  gint64 v;

  if (_ob_amt_json_get_int (object, member, &v))
    return v;
  return default_value;
}

gboolean
_ob_amt_json_bool (JsonObject *object,
                   const char *member,
                   gboolean    default_value)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, member)) == NULL ||
      !JSON_NODE_HOLDS_VALUE (node))
    return default_value;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return json_node_get_boolean (node);

    case G_TYPE_STRING:
      {
        const char *s = json_node_get_string (node);

        if (g_ascii_strcasecmp (s, "true") == 0)
          return TRUE;
        if (g_ascii_strcasecmp (s, "false") == 0)
          return FALSE;
        return default_value;
      }

    case G_TYPE_INT64:
      return json_node_get_int (node) != 0;

    default:
      return default_value;
    }
}

char *
_ob_amt_json_dup_string (JsonObject *object,
                         const char *member)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, member)) == NULL ||
      !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));

    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

    case G_TYPE_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
      }

    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");

    default:
      return NULL;
    }
}

JsonObject *
_ob_amt_json_object_dup (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (object == NULL)
    return copy;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &member))
    json_object_set_member (copy, name, json_node_copy (member));

  return copy;
}

JsonNode *
_ob_amt_json_node_from_object (JsonObject *object)
{
  JsonNode *node;

  if (object == NULL)
    return json_node_new (JSON_NODE_NULL);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, _ob_amt_json_object_dup (object));
  return node;
}

JsonNode *
_ob_amt_json_int_node (gint64 value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (node, value);
  return node;
}

JsonNode *
_ob_amt_method_result (ObWsmanResponse *response,
                       const char      *method,
                       guint           *out_return_value,
                       GError         **error)
{
  g_autofree char *output_name = g_strconcat (method, "_OUTPUT", NULL);
  JsonObject *output = ob_wsman_response_get_class_json (response, output_name);
  g_autoptr(JsonObject) body = NULL;
  JsonObject *envelope;
  JsonNode *node;
  JsonNode *header;
  gint64 return_value;

  if (!_ob_amt_json_get_int (output, "ReturnValue", &return_value) ||
      return_value < 0 || return_value > G_MAXUINT32)
    {
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                   "The device's answer to %s has no return value", method);
      return NULL;
    }

  body = _ob_amt_json_object_dup (output);
  json_object_set_int_member (body, "ReturnValue", return_value);
  json_object_set_string_member (body, "ReturnValueStr",
                                 ob_amt_status_to_string ((guint) return_value));

  envelope = json_object_new ();
  header = ob_wsman_response_get_header_json (response);
  json_object_set_member (envelope, "Header",
                          header != NULL ? json_node_copy (header) : json_node_new (JSON_NODE_NULL));
  json_object_set_object_member (envelope, "Body", g_steal_pointer (&body));

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, envelope);

  if (out_return_value != NULL)
    *out_return_value = (guint) return_value;

  return node;
}
