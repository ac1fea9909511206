/* ob-api-json.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "ob-api-error.h"

G_BEGIN_DECLS

/* Deepest nesting of arrays and objects accepted in a request body or a
 * token; json-glib's parser recurses once per level. */
#define OB_API_JSON_MAX_DEPTH 64

/* Parses untrusted JSON: @data must be valid UTF-8 without NUL bytes and
 * nested at most @max_depth levels, checked before json-glib sees it.
 * Errors are OB_API_ERROR_MALFORMED_JSON.  (transfer full) */
JsonNode *ob_api_json_parse      (const char  *data,
                                  gsize        len,
                                  guint        max_depth,
                                  GError     **error);

/* Members of untrusted objects, without json-glib's criticals on a type
 * mismatch: NULL / FALSE when absent or of another JSON type. */
const char *ob_api_json_get_string  (JsonObject  *object,
                                     const char  *member);
gboolean    ob_api_json_get_boolean (JsonObject  *object,
                                     const char  *member,
                                     gboolean    *value);
/* An integral JSON number (a double with no fraction counts). */
gboolean    ob_api_json_get_int     (JsonObject  *object,
                                     const char  *member,
                                     gint64      *value);
gboolean    ob_api_json_node_is_string (JsonNode *node);

/* Compact JSON text of @node (transfer full). */
char     *ob_api_json_to_string  (JsonNode    *node);

/* Compares two byte strings in time that depends only on their lengths,
 * for signatures and passwords. */
gboolean  ob_api_secure_equal    (const void  *a,
                                  gsize        a_len,
                                  const void  *b,
                                  gsize        b_len);

G_END_DECLS
