/* ob-api-request.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ob-api-private.h"

ObApiRequest *
ob_api_request_ref (ObApiRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_ref_count_inc (&self->ref_count);

  return self;
}

void
ob_api_request_unref (ObApiRequest *self)
{
  g_return_if_fail (self != NULL);

  if (!g_ref_count_dec (&self->ref_count))
    return;

  /* A request dropped without an answer (a handler bug) must not leave
   * the client hanging on a paused message. */
  if (!self->responded && !self->finished)
    {
      g_warning ("REST request dropped without a response");
      ob_api_request_respond_error (self, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                    OB_API_ERROR_TEXT_500, NULL);
    }

  g_clear_signal_handler (&self->finished_id, self->msg);
  g_clear_object (&self->msg);
  _ob_api_server_forget_request (self->server, self);
  g_clear_object (&self->server);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->param, g_free);
  g_clear_pointer (&self->query, g_hash_table_unref);
  g_clear_pointer (&self->body, json_node_unref);
  if (self->data_free != NULL)
    self->data_free (self->data);
  g_free (self);
}

void
ob_api_request_set_data (ObApiRequest   *self,
                         gpointer        data,
                         GDestroyNotify  data_free)
{
  g_return_if_fail (self != NULL);

  if (self->data_free != NULL)
    self->data_free (self->data);

  self->data = data;
  self->data_free = data_free;
}

JsonObject *
ob_api_request_get_body_object (ObApiRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->body == NULL || !JSON_NODE_HOLDS_OBJECT (self->body))
    return NULL;

  return json_node_get_object (self->body);
}

const char *
ob_api_request_get_query (ObApiRequest *self,
                          const char   *name)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_hash_table_lookup (self->query, name);
}

static void
respond_bytes (ObApiRequest *self,
               guint         status,
               const char   *content_type,
               char         *data,
               gsize         len)
{
  g_assert (!self->responded);
  self->responded = TRUE;

  g_debug ("%s %s -> %u%s", soup_server_message_get_method (self->msg),
           g_uri_get_path (soup_server_message_get_uri (self->msg)), status,
           self->finished ? " (client gone)" : "");

  if (self->finished)
    {
      g_free (data);
      return;
    }

  soup_server_message_set_status (self->msg, status, NULL);
  if (content_type != NULL)
    soup_server_message_set_response (self->msg, content_type, SOUP_MEMORY_TAKE, data, len);
  else
    g_free (data);

  if (self->paused)
    {
      self->paused = FALSE;
      soup_server_message_unpause (self->msg);
    }
}

void
ob_api_request_respond_json (ObApiRequest *self,
                             guint         status,
                             JsonNode     *body)
{
  char *text;

  g_return_if_fail (self != NULL);
  g_return_if_fail (body != NULL);

  text = ob_api_json_to_string (body);
  respond_bytes (self, status, "application/json; charset=utf-8", text, strlen (text));
}

void
ob_api_request_respond_empty (ObApiRequest *self,
                              guint         status)
{
  g_return_if_fail (self != NULL);

  respond_bytes (self, status, NULL, NULL, 0);
}

void
ob_api_request_respond_error (ObApiRequest *self,
                              guint         status,
                              const char   *error,
                              const char   *description)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (object, "error", error);
  if (description != NULL)
    json_object_set_string_member (object, "errorDescription", description);

  node = json_node_init_object (json_node_alloc (), object);
  ob_api_request_respond_json (self, status, node);
}

void
ob_api_request_respond_text (ObApiRequest *self,
                             guint         status,
                             const char   *content_type,
                             const char   *text)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (content_type != NULL);
  g_return_if_fail (text != NULL);

  respond_bytes (self, status, content_type, g_strdup (text), strlen (text));
}

void
ob_api_request_respond_message (ObApiRequest *self,
                                guint         status,
                                const char   *message)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_string_member (object, "message", message);
  node = json_node_init_object (json_node_alloc (), object);
  ob_api_request_respond_json (self, status, node);
}

void
ob_api_request_respond_device_not_found (ObApiRequest *self)
{
  g_autofree char *description = g_strdup_printf ("guid : %s",
                                                  self->param != NULL ? self->param : "");

  ob_api_request_respond_error (self, SOUP_STATUS_NOT_FOUND,
                                OB_API_ERROR_TEXT_404_DEVICE, description);
}

void
ob_api_validation_init (ObApiValidation *self)
{
  self->errors = json_array_new ();
}

void
ob_api_validation_clear (ObApiValidation *self)
{
  g_clear_pointer (&self->errors, json_array_unref);
}

void
ob_api_validation_add (ObApiValidation *self,
                       JsonNode        *value,
                       const char      *msg,
                       const char      *path,
                       const char      *location)
{
  JsonObject *error = json_object_new ();

  json_object_set_string_member (error, "type", "field");
  /* JSON.stringify drops an undefined value, so an absent field has no
   * "value" member. */
  if (value != NULL)
    json_object_set_member (error, "value", json_node_copy (value));
  json_object_set_string_member (error, "msg", msg != NULL ? msg : "Invalid value");
  json_object_set_string_member (error, "path", path);
  json_object_set_string_member (error, "location", location);
  json_array_add_object_element (self->errors, error);
}

gboolean
ob_api_validation_failed (ObApiValidation *self)
{
  return json_array_get_length (self->errors) > 0;
}

gboolean
ob_api_validation_respond (ObApiValidation *self,
                           ObApiRequest    *request)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (!ob_api_validation_failed (self))
    return FALSE;

  object = json_object_new ();
  json_object_set_array_member (object, "errors", json_array_ref (self->errors));
  node = json_node_init_object (json_node_alloc (), object);
  ob_api_request_respond_json (request, SOUP_STATUS_BAD_REQUEST, node);

  return TRUE;
}

/* How express-validator sees a value: its string form (null and absent
 * are "", numbers as JavaScript prints them); objects and arrays have
 * none here. */
static char *
value_to_text (JsonNode *value)
{
  GType type;

  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return g_strdup ("");

  if (!JSON_NODE_HOLDS_VALUE (value))
    return NULL;

  type = json_node_get_value_type (value);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (value) ? "true" : "false");
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
  if (type == G_TYPE_DOUBLE)
    {
      gdouble d = json_node_get_double (value);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      if (d >= -1e15 && d <= 1e15 && d == (gdouble) (gint64) d)
        return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) d);
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, d));
    }

  return NULL;
}

gboolean
ob_api_text_is_boolean (const char *text,
                        gboolean   *out)
{
  gboolean value;

  if (text == NULL)
    return FALSE;

  if (strcmp (text, "true") == 0 || strcmp (text, "1") == 0)
    value = TRUE;
  else if (strcmp (text, "false") == 0 || strcmp (text, "0") == 0)
    value = FALSE;
  else
    return FALSE;

  if (out != NULL)
    *out = value;

  return TRUE;
}

gboolean
ob_api_text_is_int (const char *text,
                    gint64      min,
                    gint64     *out)
{
  const char *p = text;
  gint64 value;

  if (text == NULL || *text == '\0')
    return FALSE;

  /* validator.js isInt: optional sign, no leading zeros. */
  if (*p == '+' || *p == '-')
    p++;
  if (!g_ascii_isdigit (*p) || (*p == '0' && p[1] != '\0'))
    return FALSE;
  for (const char *q = p; *q != '\0'; q++)
    if (!g_ascii_isdigit (*q))
      return FALSE;

  if (!g_ascii_string_to_signed (text[0] == '+' ? text + 1 : text, 10,
                                 G_MININT64, G_MAXINT64, &value, NULL))
    return FALSE;
  if (value < min)
    return FALSE;

  if (out != NULL)
    *out = value;

  return TRUE;
}

gboolean
ob_api_text_is_numeric (const char *text,
                        gdouble    *out)
{
  const char *p = text;
  guint digits = 0;

  if (text == NULL)
    return FALSE;

  /* validator.js isNumeric: [+-]?([0-9]*[.])?[0-9]+ */
  if (*p == '+' || *p == '-')
    p++;
  for (; g_ascii_isdigit (*p); p++)
    digits++;
  if (*p == '.')
    {
      p++;
      digits = 0;
      for (; g_ascii_isdigit (*p); p++)
        digits++;
    }
  if (digits == 0 || *p != '\0')
    return FALSE;

  if (out != NULL)
    *out = g_ascii_strtod (text, NULL);

  return TRUE;
}

gboolean
ob_api_value_is_boolean (JsonNode *value,
                         gboolean *out)
{
  g_autofree char *text = value != NULL ? value_to_text (value) : NULL;

  return ob_api_text_is_boolean (text, out);
}

gboolean
ob_api_value_is_numeric (JsonNode *value,
                         gdouble  *out)
{
  g_autofree char *text = value != NULL ? value_to_text (value) : NULL;

  return ob_api_text_is_numeric (text, out);
}

gboolean
ob_api_value_is_int (JsonNode *value,
                     gint64    min,
                     gint64   *out)
{
  g_autofree char *text = value != NULL ? value_to_text (value) : NULL;

  return ob_api_text_is_int (text, min, out);
}
