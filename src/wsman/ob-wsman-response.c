/* ob-wsman-response.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ob-wsman-error.h"
#include "ob-wsman-response.h"
#include "ob-xml.h"

/* Fault texts are quoted into error messages; keep them readable. */
#define FAULT_TEXT_MAX_CHARS 1024

/* XML -> JSON
 *
 * The MPS parses replies with xml2js (ignoreAttrs, explicitArray false,
 * prefixes stripped) and two value processors: parseNumbers (skipped for
 * ElementName / InstanceID text with a leading zero) then parseBooleans.
 * The helpers below reproduce JavaScript's Number(), parseInt() and the
 * boolean test on the text exactly, quirks included. */

static gboolean
js_is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static gboolean
all_space (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!js_is_space (*p))
      return FALSE;
  return TRUE;
}

static gboolean
scan_digits (const char **p,
             gboolean   (*is_digit) (char))
{
  const char *start = *p;

  while (is_digit (**p))
    (*p)++;

  return *p > start;
}

static gboolean is_dec (char c) { return c >= '0' && c <= '9'; }
static gboolean is_hex (char c) { return g_ascii_isxdigit (c); }
static gboolean is_oct (char c) { return c >= '0' && c <= '7'; }
static gboolean is_bin (char c) { return c == '0' || c == '1'; }

/* JavaScript Number(text) for a text that is not all white space: TRUE and
 * the value, or FALSE for NaN. */
static gboolean
js_number (const char *text,
           double     *value)
{
  const char *p = text;
  const char *start;
  const char *end;
  g_autofree char *literal = NULL;

  while (js_is_space (*p))
    p++;
  end = p + strlen (p);
  while (end > p && js_is_space (end[-1]))
    end--;
  if (end == p)
    return FALSE;
  literal = g_strndup (p, end - p);
  p = literal;

  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X' || p[1] == 'o' || p[1] == 'O' ||
                      p[1] == 'b' || p[1] == 'B'))
    {
      gboolean (*digit) (char) = (p[1] == 'x' || p[1] == 'X') ? is_hex
                               : (p[1] == 'o' || p[1] == 'O') ? is_oct : is_bin;
      int base = digit == is_hex ? 16 : digit == is_oct ? 8 : 2;
      double v = 0;

      p += 2;
      start = p;
      if (!scan_digits (&p, digit) || *p != '\0')
        return FALSE;
      for (const char *d = start; *d != '\0'; d++)
        v = v * base + g_ascii_xdigit_value (*d);
      *value = v;
      return TRUE;
    }

  start = p;
  if (*p == '+' || *p == '-')
    p++;
  if (strcmp (p, "Infinity") == 0)
    {
      *value = start[0] == '-' ? -INFINITY : INFINITY;
      return TRUE;
    }

  {
    gboolean int_digits = scan_digits (&p, is_dec);
    gboolean frac_digits = FALSE;

    if (*p == '.')
      {
        p++;
        frac_digits = scan_digits (&p, is_dec);
      }
    if (!int_digits && !frac_digits)
      return FALSE;
    if (*p == 'e' || *p == 'E')
      {
        p++;
        if (*p == '+' || *p == '-')
          p++;
        if (!scan_digits (&p, is_dec))
          return FALSE;
      }
    if (*p != '\0')
      return FALSE;
  }

  *value = g_ascii_strtod (start, NULL);

  return TRUE;
}

/* JavaScript parseInt(text, 10) as a JSON node (null for NaN). */
static JsonNode *
js_parse_int_node (const char *text)
{
  const char *p = text;
  const char *digits;
  gboolean negative = FALSE;
  g_autofree char *copy = NULL;
  gint64 as_int;
  char *end = NULL;

  while (js_is_space (*p))
    p++;
  if (*p == '+' || *p == '-')
    {
      negative = *p == '-';
      p++;
    }
  digits = p;
  while (is_dec (*p))
    p++;
  if (p == digits)
    return json_node_init_null (json_node_alloc ());

  copy = g_strndup (digits, p - digits);
  errno = 0;
  as_int = g_ascii_strtoll (copy, &end, 10);
  if (errno == 0 && end != NULL && *end == '\0')
    return json_node_init_int (json_node_alloc (), negative ? -as_int : as_int);

  /* Beyond 64 bits JavaScript has only a double anyway. */
  return json_node_init_double (json_node_alloc (),
                                negative ? -g_ascii_strtod (copy, NULL) : g_ascii_strtod (copy, NULL));
}

static JsonNode *
text_to_json (const char *name,
              const char *text)
{
  double number;

  /* The reference keeps "01"-style identifiers as text. */
  if ((g_strcmp0 (name, "ElementName") == 0 || g_strcmp0 (name, "InstanceID") == 0) &&
      strlen (text) > 1 && text[0] == '0')
    return json_node_init_string (json_node_alloc (), text);

  if (js_number (text, &number))
    {
      if (isfinite (number) && number == floor (number))
        return js_parse_int_node (text);
      if (isfinite (number))
        return json_node_init_double (json_node_alloc (), number);
      /* Infinity has no JSON form; keep the text. */
      return json_node_init_string (json_node_alloc (), text);
    }

  if (g_ascii_strcasecmp (text, "true") == 0)
    return json_node_init_boolean (json_node_alloc (), TRUE);
  if (g_ascii_strcasecmp (text, "false") == 0)
    return json_node_init_boolean (json_node_alloc (), FALSE);

  return json_node_init_string (json_node_alloc (), text);
}

static void
add_member (JsonObject *object,
            const char *name,
            JsonNode   *value)
{
  JsonNode *existing = json_object_get_member (object, name);

  if (existing == NULL)
    {
      json_object_set_member (object, name, value);
      return;
    }

  /* Element values are never arrays, so an array here is one we made for
   * repeated siblings. */
  if (JSON_NODE_HOLDS_ARRAY (existing))
    {
      json_array_add_element (json_node_get_array (existing), value);
      return;
    }

  {
    JsonArray *array = json_array_new ();

    json_array_add_element (array, json_node_copy (existing));
    json_array_add_element (array, value);
    json_object_set_array_member (object, name, array);
  }
}

JsonNode *
ob_wsman_xml_to_json (xmlNode *element)
{
  g_autofree char *joined = NULL;
  JsonObject *object = NULL;
  const char *text;

  g_return_val_if_fail (element != NULL, NULL);

  text = ob_xml_peek_text (element, &joined);

  for (xmlNode *child = ob_xml_first_element (element); child != NULL; child = ob_xml_next_element (child))
    {
      if (object == NULL)
        object = json_object_new ();
      add_member (object, (const char *) child->name, ob_wsman_xml_to_json (child));
    }

  if (object != NULL)
    {
      JsonNode *node = json_node_init_object (json_node_alloc (), object);

      /* xml2js keeps mixed-in text under "_". */
      if (!all_space (text))
        json_object_set_member (object, "_", text_to_json ((const char *) element->name, text));
      json_object_unref (object);
      return node;
    }

  /* Empty or white-space-only text stays as it is, unprocessed. */
  if (all_space (text))
    return json_node_init_string (json_node_alloc (), text);

  return text_to_json ((const char *) element->name, text);
}

/* LazyJson: the JSON view of an element of a parsed document, converted on
 * first use.  Most replies are read through their header fields, items or
 * one class of the Body, so converting the whole Header and Body up front
 * was mostly wasted (an enumeration's items were converted twice).  The
 * owner keeps the document alive; @element NULL stands for an empty
 * object. */
typedef struct
{
  xmlNode  *element;
  JsonNode *json;
} LazyJson;

static JsonNode *
lazy_json_get (LazyJson *lazy)
{
  if (g_once_init_enter (&lazy->json))
    {
      JsonNode *node;

      if (lazy->element != NULL)
        {
          node = ob_wsman_xml_to_json (lazy->element);
        }
      else
        {
          g_autoptr(JsonObject) empty = json_object_new ();

          node = json_node_init_object (json_node_alloc (), empty);
        }
      g_once_init_leave (&lazy->json, node);
    }

  return lazy->json;
}

static void
lazy_json_clear (LazyJson *lazy)
{
  g_clear_pointer (&lazy->json, json_node_unref);
  lazy->element = NULL;
}

/* Envelope helpers */

static gboolean
is_soap_element (xmlNode    *node,
                 const char *local_name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE &&
         g_strcmp0 ((const char *) node->name, local_name) == 0 &&
         node->ns != NULL && g_strcmp0 ((const char *) node->ns->href, OB_WSMAN_NS_SOAP) == 0;
}

static gboolean
find_envelope_parts (xmlDoc   *doc,
                     xmlNode **header,
                     xmlNode **body,
                     GError  **error)
{
  xmlNode *root = xmlDocGetRootElement (doc);

  if (!is_soap_element (root, "Envelope"))
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "Not a SOAP 1.2 envelope");
      return FALSE;
    }

  *header = NULL;
  *body = NULL;
  for (xmlNode *child = ob_xml_first_element (root); child != NULL; child = ob_xml_next_element (child))
    {
      if (*header == NULL && is_soap_element (child, "Header"))
        *header = child;
      else if (*body == NULL && is_soap_element (child, "Body"))
        *body = child;
    }

  if (*body == NULL)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "SOAP envelope has no Body");
      return FALSE;
    }

  return TRUE;
}

static char *
child_text (xmlNode    *parent,
            const char *local_name)
{
  xmlNode *child = ob_xml_find_child (parent, local_name);
  char *text;

  if (child == NULL)
    return NULL;

  text = ob_xml_dup_text (child);
  return g_strstrip (text);
}

static char *
strip_prefix (char *qname)
{
  char *colon;

  if (qname == NULL)
    return NULL;

  colon = strrchr (qname, ':');
  if (colon != NULL && strchr (qname, '/') == NULL)
    memmove (qname, colon + 1, strlen (colon + 1) + 1);

  return qname;
}

static char *
clip_text (char *text)
{
  char *valid;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  g_free (text);
  g_strstrip (valid);
  if (g_utf8_strlen (valid, -1) > FAULT_TEXT_MAX_CHARS)
    {
      char *cut = g_utf8_offset_to_pointer (valid, FAULT_TEXT_MAX_CHARS);

      *cut = '\0';
    }

  return valid;
}

static void
set_fault_error (xmlNode  *fault,
                 GError  **error)
{
  xmlNode *code = ob_xml_find_child (fault, "Code");
  xmlNode *subcode = ob_xml_find_child (code, "Subcode");
  xmlNode *reason = ob_xml_find_child (fault, "Reason");
  xmlNode *detail = ob_xml_find_child (fault, "Detail");
  g_autofree char *code_value = clip_text (strip_prefix (child_text (code, "Value")));
  g_autofree char *subcode_value = clip_text (strip_prefix (child_text (subcode, "Value")));
  g_autofree char *reason_text = clip_text (child_text (reason, "Text"));
  g_autofree char *detail_text = NULL;
  const char *name;

  if (detail != NULL)
    {
      xmlChar *content = xmlNodeGetContent (detail);

      detail_text = clip_text (g_strdup ((const char *) content));
      xmlFree (content);
    }

  if (subcode_value != NULL && subcode_value[0] != '\0')
    name = subcode_value;
  else if (code_value != NULL && code_value[0] != '\0')
    name = code_value;
  else
    name = "Fault";

  if (reason_text == NULL || reason_text[0] == '\0')
    {
      g_free (reason_text);
      reason_text = g_strdup ("SOAP fault");
    }

  if (detail_text != NULL && detail_text[0] != '\0')
    g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT, "%s: %s (%s)", name, reason_text, detail_text);
  else
    g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT, "%s: %s", name, reason_text);
}

/* ObWsmanResponse */

struct _ObWsmanResponse
{
  gatomicrefcount  ref_count;
  char            *action;
  char            *relates_to;
  char            *message_id;
  char            *resource_uri;
  xmlDoc          *doc;             /* what header and body point into */
  LazyJson         header;
  LazyJson         body;
  char            *enumeration_context;
  GPtrArray       *items;           /* of JsonNode */
  GPtrArray       *item_classes;    /* of char * */
  gboolean         end_of_sequence;
};

G_DEFINE_BOXED_TYPE (ObWsmanResponse, ob_wsman_response,
                     ob_wsman_response_ref, ob_wsman_response_unref)

static void
read_enumeration (ObWsmanResponse *self,
                  xmlNode         *body)
{
  for (xmlNode *part = ob_xml_first_element (body); part != NULL; part = ob_xml_next_element (part))
    {
      xmlNode *items;

      if (g_strcmp0 ((const char *) part->name, "EnumerateResponse") != 0 &&
          g_strcmp0 ((const char *) part->name, "PullResponse") != 0)
        continue;

      if (self->enumeration_context == NULL)
        self->enumeration_context = child_text (part, "EnumerationContext");
      if (ob_xml_find_child (part, "EndOfSequence") != NULL)
        self->end_of_sequence = TRUE;

      items = ob_xml_find_child (part, "Items");
      for (xmlNode *item = ob_xml_first_element (items); item != NULL; item = ob_xml_next_element (item))
        {
          g_ptr_array_add (self->items, ob_wsman_xml_to_json (item));
          g_ptr_array_add (self->item_classes, g_strdup ((const char *) item->name));
        }
    }
}

static ObWsmanResponse *
response_from_doc (xmlDoc  *doc,
                   GError **error)
{
  xmlNode *header;
  xmlNode *body;
  xmlNode *first;
  ObWsmanResponse *self;

  if (!find_envelope_parts (doc, &header, &body, error))
    return NULL;

  first = ob_xml_first_element (body);
  if (first != NULL && is_soap_element (first, "Fault"))
    {
      set_fault_error (first, error);
      return NULL;
    }

  self = g_new0 (ObWsmanResponse, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  self->item_classes = g_ptr_array_new_with_free_func (g_free);
  self->header.element = header;
  self->body.element = body;

  if (header != NULL)
    {
      self->action = child_text (header, "Action");
      self->relates_to = child_text (header, "RelatesTo");
      self->message_id = child_text (header, "MessageID");
      self->resource_uri = child_text (header, "ResourceURI");
    }

  read_enumeration (self, body);

  return self;
}

ObWsmanResponse *
ob_wsman_response_new (const char  *data,
                       gsize        len,
                       GError     **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  ObWsmanResponse *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  doc = ob_xml_parse_safe (data, len, error);
  if (doc == NULL)
    return NULL;

  self = response_from_doc (doc, error);
  if (self != NULL)
    self->doc = g_steal_pointer (&doc);

  return self;
}

ObWsmanResponse *
ob_wsman_response_new_from_bytes (GBytes  *bytes,
                                  GError **error)
{
  gsize len = 0;
  const char *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &len);

  return ob_wsman_response_new (data != NULL ? data : "", len, error);
}

ObWsmanResponse *
ob_wsman_response_ref (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
ob_wsman_response_unref (ObWsmanResponse *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->action);
  g_free (self->relates_to);
  g_free (self->message_id);
  g_free (self->resource_uri);
  lazy_json_clear (&self->header);
  lazy_json_clear (&self->body);
  g_clear_pointer (&self->doc, xmlFreeDoc);
  g_free (self->enumeration_context);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->item_classes);
  g_free (self);
}

const char *
ob_wsman_response_get_action (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->action;
}

const char *
ob_wsman_response_get_relates_to (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->relates_to;
}

const char *
ob_wsman_response_get_message_id (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->message_id;
}

const char *
ob_wsman_response_get_resource_uri (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->resource_uri;
}

JsonNode *
ob_wsman_response_get_header_json (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return lazy_json_get (&self->header);
}

JsonNode *
ob_wsman_response_get_body_json (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return lazy_json_get (&self->body);
}

JsonNode *
ob_wsman_response_dup_envelope_json (ObWsmanResponse *self)
{
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  json_object_set_member (object, "Header", json_node_copy (ob_wsman_response_get_header_json (self)));
  json_object_set_member (object, "Body", json_node_copy (ob_wsman_response_get_body_json (self)));
  node = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);

  return node;
}

JsonObject *
ob_wsman_response_get_class_json (ObWsmanResponse *self,
                                  const char      *class_name)
{
  JsonNode *body_json;
  JsonNode *member;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (class_name != NULL, NULL);

  body_json = lazy_json_get (&self->body);
  if (!JSON_NODE_HOLDS_OBJECT (body_json))
    return NULL;

  member = json_object_get_member (json_node_get_object (body_json), class_name);
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    return NULL;

  return json_node_get_object (member);
}

const char *
ob_wsman_response_get_enumeration_context (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->enumeration_context;
}

GPtrArray *
ob_wsman_response_get_items (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->items;
}

GPtrArray *
ob_wsman_response_get_item_classes (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->item_classes;
}

gboolean
ob_wsman_response_get_end_of_sequence (ObWsmanResponse *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->end_of_sequence;
}

gboolean
ob_wsman_response_get_return_value (ObWsmanResponse *self,
                                    const char      *method,
                                    gint64          *value,
                                    GError         **error)
{
  JsonNode *body_json;
  JsonObject *body;
  JsonObject *output = NULL;
  JsonNode *return_value;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  body_json = lazy_json_get (&self->body);
  if (JSON_NODE_HOLDS_OBJECT (body_json))
    {
      body = json_node_get_object (body_json);
      if (method != NULL)
        {
          g_autofree char *name = g_strconcat (method, "_OUTPUT", NULL);

          output = ob_wsman_response_get_class_json (self, name);
        }
      else
        {
          g_autoptr(GList) names = json_object_get_members (body);

          for (GList *l = names; l != NULL && output == NULL; l = l->next)
            if (g_str_has_suffix (l->data, "_OUTPUT"))
              output = ob_wsman_response_get_class_json (self, l->data);
        }
    }

  if (output == NULL)
    {
      if (method != NULL)
        g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                     "The reply has no %s_OUTPUT", method);
      else
        g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                             "The reply has no method output");
      return FALSE;
    }

  return_value = json_object_get_member (output, "ReturnValue");
  if (return_value == NULL || !JSON_NODE_HOLDS_VALUE (return_value) ||
      json_node_get_value_type (return_value) != G_TYPE_INT64)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                           "The reply has no numeric ReturnValue");
      return FALSE;
    }

  if (value != NULL)
    *value = json_node_get_int (return_value);

  return TRUE;
}

/* ObWsmanRequest */

struct _ObWsmanRequest
{
  gatomicrefcount   ref_count;
  char             *action;
  char             *resource_uri;
  char             *class_name;
  char             *method;
  char             *message_id;
  char             *to;
  ObWsmanSelectors *selectors;
  xmlDoc           *doc;           /* what body points into */
  LazyJson          body;
  char             *enumeration_context;
  guint             max_elements;
  ObWsmanSelectors *arguments;
};

G_DEFINE_BOXED_TYPE (ObWsmanRequest, ob_wsman_request,
                     ob_wsman_request_ref, ob_wsman_request_unref)

static ObWsmanSelectors *read_selector_set (xmlNode *selector_set);

/* An element whose children are an EPR (Address / ReferenceParameters). */
static gboolean
read_reference (xmlNode     *element,
                char       **address,
                char       **resource_uri,
                ObWsmanSelectors **selectors)
{
  xmlNode *params = ob_xml_find_child (element, "ReferenceParameters");

  if (params == NULL)
    return FALSE;

  *address = child_text (element, "Address");
  *resource_uri = child_text (params, "ResourceURI");
  *selectors = read_selector_set (ob_xml_find_child (params, "SelectorSet"));

  return TRUE;
}

static ObWsmanSelectors *
read_selector_set (xmlNode *selector_set)
{
  ObWsmanSelectors *selectors = ob_wsman_selectors_new ();

  for (xmlNode *sel = ob_xml_first_element (selector_set); sel != NULL; sel = ob_xml_next_element (sel))
    {
      xmlChar *name;
      xmlNode *epr;

      if (g_strcmp0 ((const char *) sel->name, "Selector") != 0)
        continue;

      name = xmlGetProp (sel, (const xmlChar *) "Name");
      if (name == NULL)
        continue;

      epr = ob_xml_find_child (sel, "EndpointReference");
      if (epr != NULL)
        {
          g_autofree char *address = NULL;
          g_autofree char *uri = NULL;
          g_autoptr(ObWsmanSelectors) nested = NULL;

          if (read_reference (epr, &address, &uri, &nested))
            ob_wsman_selectors_add_reference (selectors, (const char *) name, address, uri, nested);
        }
      else
        {
          g_autofree char *value = ob_xml_dup_text (sel);

          ob_wsman_selectors_add (selectors, (const char *) name, value);
        }
      xmlFree (name);
    }

  return selectors;
}

static ObWsmanSelectors *
read_arguments (xmlNode *body)
{
  ObWsmanSelectors *args = ob_wsman_selectors_new ();
  xmlNode *input = ob_xml_first_element (body);

  for (xmlNode *arg = ob_xml_first_element (input); arg != NULL; arg = ob_xml_next_element (arg))
    {
      g_autofree char *address = NULL;
      g_autofree char *uri = NULL;
      g_autoptr(ObWsmanSelectors) nested = NULL;

      if (read_reference (arg, &address, &uri, &nested))
        ob_wsman_selectors_add_reference (args, (const char *) arg->name, address, uri, nested);
      else
        {
          xmlChar *content = xmlNodeGetContent (arg);

          ob_wsman_selectors_add (args, (const char *) arg->name, (const char *) content);
          xmlFree (content);
        }
    }

  return args;
}

ObWsmanRequest *
ob_wsman_request_parse (const char  *data,
                        gsize        len,
                        GError     **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  g_autofree char *action = NULL;
  g_autofree char *resource_uri = NULL;
  xmlNode *header;
  xmlNode *body;
  xmlNode *pull;
  ObWsmanRequest *self;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  doc = ob_xml_parse_safe (data, len, error);
  if (doc == NULL)
    return NULL;

  if (!find_envelope_parts (doc, &header, &body, error))
    return NULL;

  if (header == NULL)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "SOAP envelope has no Header");
      return NULL;
    }

  action = child_text (header, "Action");
  resource_uri = child_text (header, "ResourceURI");
  if (action == NULL || action[0] == '\0' || resource_uri == NULL || resource_uri[0] == '\0')
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                           "The request has no Action or ResourceURI");
      return NULL;
    }

  self = g_new0 (ObWsmanRequest, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->action = g_steal_pointer (&action);
  self->resource_uri = g_steal_pointer (&resource_uri);
  self->class_name = ob_wsman_class_for_resource_uri (self->resource_uri);
  if (g_str_has_prefix (self->action, self->resource_uri) &&
      self->action[strlen (self->resource_uri)] == '/' &&
      self->action[strlen (self->resource_uri) + 1] != '\0')
    self->method = g_strdup (self->action + strlen (self->resource_uri) + 1);
  self->message_id = child_text (header, "MessageID");
  self->to = child_text (header, "To");
  self->selectors = read_selector_set (ob_xml_find_child (header, "SelectorSet"));
  self->body.element = body;
  self->arguments = read_arguments (body);

  pull = ob_xml_find_child (body, "Pull");
  if (pull != NULL)
    {
      g_autofree char *max = child_text (pull, "MaxElements");
      guint64 parsed = 0;

      self->enumeration_context = child_text (pull, "EnumerationContext");
      if (max != NULL && g_ascii_string_to_unsigned (max, 10, 1, G_MAXUINT, &parsed, NULL))
        self->max_elements = (guint) parsed;
    }

  self->doc = g_steal_pointer (&doc);

  return self;
}

ObWsmanRequest *
ob_wsman_request_ref (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
ob_wsman_request_unref (ObWsmanRequest *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->action);
  g_free (self->resource_uri);
  g_free (self->class_name);
  g_free (self->method);
  g_free (self->message_id);
  g_free (self->to);
  ob_wsman_selectors_unref (self->selectors);
  lazy_json_clear (&self->body);
  g_clear_pointer (&self->doc, xmlFreeDoc);
  g_free (self->enumeration_context);
  ob_wsman_selectors_unref (self->arguments);
  g_free (self);
}

const char *
ob_wsman_request_get_action (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->action;
}

const char *
ob_wsman_request_get_resource_uri (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->resource_uri;
}

const char *
ob_wsman_request_get_class_name (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->class_name;
}

const char *
ob_wsman_request_get_method (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->method;
}

const char *
ob_wsman_request_get_message_id (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->message_id;
}

const char *
ob_wsman_request_get_to (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->to;
}

ObWsmanSelectors *
ob_wsman_request_get_selectors (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->selectors;
}

JsonNode *
ob_wsman_request_get_body_json (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return lazy_json_get (&self->body);
}

const char *
ob_wsman_request_get_enumeration_context (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->enumeration_context;
}

guint
ob_wsman_request_get_max_elements (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->max_elements;
}

ObWsmanSelectors *
ob_wsman_request_get_arguments (ObWsmanRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->arguments;
}
