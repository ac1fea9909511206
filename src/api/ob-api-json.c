/* ob-api-json.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-api-json.h"

/* Counts nesting outside strings, so a body of 100 000 '[' never reaches
 * the recursive parser. */
static gboolean
check_depth (const char  *data,
             gsize        len,
             guint        max_depth,
             GError     **error)
{
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            escaped = FALSE;
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;

        case '[':
        case '{':
          if (++depth > max_depth)
            {
              g_set_error (error, OB_API_ERROR, OB_API_ERROR_MALFORMED_JSON,
                           "JSON nested deeper than %u levels", max_depth);
              return FALSE;
            }
          break;

        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;

        default:
          break;
        }
    }

  return TRUE;
}

JsonNode *
ob_api_json_parse (const char  *data,
                   gsize        len,
                   guint        max_depth,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  /* g_utf8_validate stops at a NUL, so this also refuses embedded NULs. */
  if (len > 0 && !g_utf8_validate (data, len, NULL))
    {
      g_set_error_literal (error, OB_API_ERROR, OB_API_ERROR_MALFORMED_JSON,
                           "JSON text is not valid UTF-8");
      return NULL;
    }

  if (!check_depth (data, len, max_depth, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, len > 0 ? data : "", len, &local_error))
    {
      g_set_error (error, OB_API_ERROR, OB_API_ERROR_MALFORMED_JSON,
                   "Malformed JSON: %s", local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, OB_API_ERROR, OB_API_ERROR_MALFORMED_JSON,
                           "Empty JSON text");
      return NULL;
    }

  return json_node_ref (root);
}

gboolean
ob_api_json_node_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_STRING;
}

const char *
ob_api_json_get_string (JsonObject *object,
                        const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, NULL);

  node = json_object_get_member (object, member);
  if (!ob_api_json_node_is_string (node))
    return NULL;

  return json_node_get_string (node);
}

gboolean
ob_api_json_get_boolean (JsonObject *object,
                         const char *member,
                         gboolean   *value)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, FALSE);

  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;

  if (value != NULL)
    *value = json_node_get_boolean (node);

  return TRUE;
}

gboolean
ob_api_json_get_int (JsonObject *object,
                     const char *member,
                     gint64     *value)
{
  JsonNode *node;
  GType type;

  g_return_val_if_fail (object != NULL, FALSE);

  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      if (value != NULL)
        *value = json_node_get_int (node);
      return TRUE;
    }

  if (type == G_TYPE_DOUBLE)
    {
      gdouble d = json_node_get_double (node);

      /* Only whole numbers that fit; 2^63 itself does not. */
      if (d != d || d < -9223372036854775808.0 || d >= 9223372036854775808.0
          || d != (gdouble) (gint64) d)
        return FALSE;
      if (value != NULL)
        *value = (gint64) d;
      return TRUE;
    }

  return FALSE;
}

char *
ob_api_json_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  g_return_val_if_fail (node != NULL, NULL);

  json_generator_set_root (generator, node);

  return json_generator_to_data (generator, NULL);
}

gboolean
ob_api_secure_equal (const void *a,
                     gsize       a_len,
                     const void *b,
                     gsize       b_len)
{
  const volatile guint8 *pa = a;
  const volatile guint8 *pb = b;
  guint8 diff = a_len != b_len;

  if (b_len == 0)
    return a_len == 0;

  /* Walk @a whole whatever @b's length, so timing says nothing about
   * where the first difference is. */
  for (gsize i = 0; i < a_len; i++)
    diff |= pa[i] ^ pb[i % b_len];

  return diff == 0;
}
