/* ob-api-json.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-json.h"

/* A strict RFC 8259 syntax check, as JavaScript's JSON.parse does it:
 * json-glib alone accepts single quotes, comments, hex and leading zeros.
 * Recursion is bounded by max_depth, so a body of 100 000 '[' never
 * reaches json-glib's recursive parser either. */
typedef struct
{
  const char *p;
  const char *end;
  guint       depth;
  guint       max_depth;
  const char *error;
} Checker;

static gboolean check_value (Checker *c);

static void
skip_ws (Checker *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
fail (Checker    *c,
      const char *error)
{
  if (c->error == NULL)
    c->error = error;
  return FALSE;
}

static gboolean
check_literal (Checker    *c,
               const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, word, len) != 0)
    return fail (c, "unexpected character");

  c->p += len;
  return TRUE;
}

/* Four hex digits, already checked. */
static guint
hex4 (const char *p)
{
  guint value = 0;

  for (guint i = 0; i < 4; i++)
    value = value << 4 | (guint) g_ascii_xdigit_value (p[i]);
  return value;
}

static gboolean
check_string (Checker *c)
{
  c->p++; /* the opening quote */

  while (c->p < c->end)
    {
      guchar ch = (guchar) *c->p;

      if (ch == '"')
        {
          c->p++;
          return TRUE;
        }
      if (ch < 0x20)
        return fail (c, "control character in a string");
      if (ch == '\\')
        {
          c->p++;
          if (c->p >= c->end)
            break;
          if (*c->p == 'u')
            {
              guint unit;

              for (guint i = 1; i <= 4; i++)
                if (c->p + i >= c->end || !g_ascii_isxdigit (c->p[i]))
                  return fail (c, "bad \\u escape");
              /* C strings end at NUL: a "\u0000" would cut a name or a
               * password short without anyone noticing. */
              if (memcmp (c->p + 1, "0000", 4) == 0)
                return fail (c, "NUL character in a string");
              /* A surrogate must come as a high-low pair: json-glib turns
               * a lone one into bytes that are not UTF-8. */
              unit = hex4 (c->p + 1);
              if (unit >= 0xDC00 && unit <= 0xDFFF)
                return fail (c, "lone low surrogate in a string");
              if (unit >= 0xD800 && unit <= 0xDBFF)
                {
                  guint low;

                  if (c->p + 10 >= c->end || c->p[5] != '\\' || c->p[6] != 'u')
                    return fail (c, "lone high surrogate in a string");
                  for (guint i = 7; i <= 10; i++)
                    if (!g_ascii_isxdigit (c->p[i]))
                      return fail (c, "bad \\u escape");
                  low = hex4 (c->p + 7);
                  if (low < 0xDC00 || low > 0xDFFF)
                    return fail (c, "lone high surrogate in a string");
                  c->p += 6;
                }
              c->p += 5;
              continue;
            }
          if (strchr ("\"\\/bfnrt", *c->p) == NULL || *c->p == '\0')
            return fail (c, "bad escape");
        }
      c->p++;
    }

  return fail (c, "unterminated string");
}

static gboolean
check_digits (Checker *c)
{
  const char *start = c->p;

  while (c->p < c->end && g_ascii_isdigit (*c->p))
    c->p++;

  return c->p > start;
}

static gboolean
check_number (Checker *c)
{
  if (*c->p == '-')
    c->p++;

  if (c->p < c->end && *c->p == '0')
    c->p++;
  else if (!(c->p < c->end && *c->p >= '1' && *c->p <= '9' && check_digits (c)))
    return fail (c, "bad number");

  if (c->p < c->end && *c->p == '.')
    {
      c->p++;
      if (!check_digits (c))
        return fail (c, "bad number");
    }

  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E'))
    {
      c->p++;
      if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
        c->p++;
      if (!check_digits (c))
        return fail (c, "bad number");
    }

  return TRUE;
}

static gboolean
check_container (Checker *c,
                 gboolean object)
{
  char close = object ? '}' : ']';

  if (++c->depth > c->max_depth)
    return fail (c, "nested too deeply");

  c->p++;
  skip_ws (c);
  if (c->p < c->end && *c->p == close)
    {
      c->p++;
      c->depth--;
      return TRUE;
    }

  for (;;)
    {
      if (object)
        {
          skip_ws (c);
          if (c->p >= c->end || *c->p != '"')
            return fail (c, "expected a member name");
          if (!check_string (c))
            return FALSE;
          skip_ws (c);
          if (c->p >= c->end || *c->p != ':')
            return fail (c, "expected ':'");
          c->p++;
        }

      if (!check_value (c))
        return FALSE;

      if (c->p < c->end && *c->p == ',')
        {
          c->p++;
          continue;
        }
      if (c->p < c->end && *c->p == close)
        {
          c->p++;
          c->depth--;
          return TRUE;
        }

      return fail (c, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/* value with the white space around it */
static gboolean
check_value (Checker *c)
{
  gboolean ok;

  skip_ws (c);
  if (c->p >= c->end)
    return fail (c, "unexpected end of the text");

  switch (*c->p)
    {
    case '{':
      ok = check_container (c, TRUE);
      break;

    case '[':
      ok = check_container (c, FALSE);
      break;

    case '"':
      ok = check_string (c);
      break;

    case 't':
      ok = check_literal (c, "true");
      break;

    case 'f':
      ok = check_literal (c, "false");
      break;

    case 'n':
      ok = check_literal (c, "null");
      break;

    default:
      if (*c->p == '-' || g_ascii_isdigit (*c->p))
        ok = check_number (c);
      else
        ok = fail (c, "unexpected character");
      break;
    }

  if (ok)
    skip_ws (c);

  return ok;
}

static gboolean
check_syntax (const char  *data,
              gsize        len,
              guint        max_depth,
              GError     **error)
{
  Checker c = { data, data + len, 0, max_depth, NULL };

  if (check_value (&c) && c.p != c.end)
    fail (&c, "text after the JSON value");

  if (c.error != NULL)
    {
      g_set_error (error, OB_API_ERROR, OB_API_ERROR_MALFORMED_JSON,
                   "Malformed JSON at byte %" G_GSIZE_FORMAT ": %s",
                   (gsize) (c.p - data), c.error);
      return FALSE;
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

  if (!check_syntax (data, len, max_depth, error))
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
