/* ob-wsman-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ob-wsman-error.h"
#include "ob-wsman-message.h"
#include "ob-xml.h"

#define NS_CIM_COMMON "http://schemas.dmtf.org/wbem/wscim/1/common"
#define NS_TRUST      "http://schemas.xmlsoap.org/ws/2005/02/trust"
#define NS_WSSE       "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define NS_CIMBINDING "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd"

/* Element names are written unescaped, so anything used as one must be a
 * plain XML name (ASCII subset of NCName: no prefix, no spaces). */
static gboolean
is_xml_name (const char *name)
{
  if (name == NULL || name[0] == '\0')
    return FALSE;
  if (!g_ascii_isalpha (name[0]) && name[0] != '_')
    return FALSE;
  for (const char *p = name + 1; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

char *
ob_wsman_resource_uri_for_class (const char *class_name)
{
  const char *base = NULL;

  if (class_name == NULL)
    return NULL;

  if (strstr (class_name, "://") != NULL)
    return g_strdup (class_name);

  if (!is_xml_name (class_name))
    return NULL;

  if (g_str_has_prefix (class_name, "AMT_"))
    base = OB_WSMAN_URI_AMT;
  else if (g_str_has_prefix (class_name, "CIM_"))
    base = OB_WSMAN_URI_CIM;
  else if (g_str_has_prefix (class_name, "IPS_"))
    base = OB_WSMAN_URI_IPS;

  if (base == NULL || class_name[4] == '\0')
    return NULL;

  return g_strconcat (base, class_name, NULL);
}

char *
ob_wsman_class_for_resource_uri (const char *resource_uri)
{
  const char *slash;

  if (resource_uri == NULL)
    return NULL;

  slash = strrchr (resource_uri, '/');
  if (slash == NULL || !is_xml_name (slash + 1))
    return NULL;

  return g_strdup (slash + 1);
}

char *
ob_wsman_method_action (const char *class_name,
                        const char *method)
{
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);

  if (uri == NULL || !is_xml_name (method))
    return NULL;

  return g_strconcat (uri, "/", method, NULL);
}

/* ObWsmanSelectors */

typedef enum
{
  ENTRY_TEXT,
  ENTRY_REFERENCE,
  ENTRY_XML,
} EntryKind;

typedef struct
{
  EntryKind         kind;
  char             *name;
  char             *value;         /* text, or the XML fragment */
  char             *address;
  char             *resource_uri;
  ObWsmanSelectors *epr_selectors;
} Entry;

struct _ObWsmanSelectors
{
  gatomicrefcount  ref_count;
  GArray          *entries;        /* of Entry */
};

G_DEFINE_BOXED_TYPE (ObWsmanSelectors, ob_wsman_selectors,
                     ob_wsman_selectors_ref, ob_wsman_selectors_unref)

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_clear_pointer (&entry->name, g_free);
  g_clear_pointer (&entry->value, g_free);
  g_clear_pointer (&entry->address, g_free);
  g_clear_pointer (&entry->resource_uri, g_free);
  g_clear_pointer (&entry->epr_selectors, ob_wsman_selectors_unref);
}

ObWsmanSelectors *
ob_wsman_selectors_new (void)
{
  ObWsmanSelectors *self = g_new0 (ObWsmanSelectors, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);

  return self;
}

ObWsmanSelectors *
ob_wsman_selectors_new_with (const char *first_name,
                             ...)
{
  ObWsmanSelectors *self = ob_wsman_selectors_new ();
  const char *name = first_name;
  va_list args;

  va_start (args, first_name);
  while (name != NULL)
    {
      const char *value = va_arg (args, const char *);

      ob_wsman_selectors_add (self, name, value);
      name = va_arg (args, const char *);
    }
  va_end (args);

  return self;
}

ObWsmanSelectors *
ob_wsman_selectors_ref (ObWsmanSelectors *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
ob_wsman_selectors_unref (ObWsmanSelectors *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_array_unref (self->entries);
      g_free (self);
    }
}

void
ob_wsman_selectors_add (ObWsmanSelectors *self,
                        const char       *name,
                        const char       *value)
{
  Entry entry = { 0, };

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);

  entry.kind = ENTRY_TEXT;
  entry.name = g_strdup (name);
  entry.value = g_strdup (value != NULL ? value : "");
  g_array_append_val (self->entries, entry);
}

void
ob_wsman_selectors_add_reference (ObWsmanSelectors *self,
                                  const char       *name,
                                  const char       *address,
                                  const char       *resource_uri,
                                  ObWsmanSelectors *epr_selectors)
{
  Entry entry = { 0, };

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (epr_selectors != self);

  entry.kind = ENTRY_REFERENCE;
  entry.name = g_strdup (name);
  entry.address = g_strdup (address != NULL ? address : OB_WSMAN_ADDRESS_ANONYMOUS);
  entry.resource_uri = g_strdup (resource_uri != NULL ? resource_uri : "");
  entry.epr_selectors = epr_selectors != NULL ? ob_wsman_selectors_ref (epr_selectors) : NULL;
  g_array_append_val (self->entries, entry);
}

void
ob_wsman_selectors_add_xml (ObWsmanSelectors *self,
                            const char       *name,
                            const char       *xml_fragment)
{
  Entry entry = { 0, };

  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);

  entry.kind = ENTRY_XML;
  entry.name = g_strdup (name);
  entry.value = g_strdup (xml_fragment != NULL ? xml_fragment : "");
  g_array_append_val (self->entries, entry);
}

guint
ob_wsman_selectors_get_length (ObWsmanSelectors *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->entries->len;
}

const char *
ob_wsman_selectors_get_name (ObWsmanSelectors *self,
                             guint             index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->entries->len, NULL);

  return g_array_index (self->entries, Entry, index).name;
}

const char *
ob_wsman_selectors_get_value (ObWsmanSelectors *self,
                              guint             index)
{
  Entry *entry;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->entries->len, NULL);

  entry = &g_array_index (self->entries, Entry, index);

  return entry->kind == ENTRY_TEXT ? entry->value : NULL;
}

gboolean
ob_wsman_selectors_get_reference (ObWsmanSelectors  *self,
                                  guint              index,
                                  const char       **address,
                                  const char       **resource_uri,
                                  ObWsmanSelectors **epr_selectors)
{
  Entry *entry;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (index < self->entries->len, FALSE);

  entry = &g_array_index (self->entries, Entry, index);
  if (entry->kind != ENTRY_REFERENCE)
    return FALSE;

  if (address != NULL)
    *address = entry->address;
  if (resource_uri != NULL)
    *resource_uri = entry->resource_uri;
  if (epr_selectors != NULL)
    *epr_selectors = entry->epr_selectors;

  return TRUE;
}

const char *
ob_wsman_selectors_lookup (ObWsmanSelectors *self,
                           const char       *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = &g_array_index (self->entries, Entry, i);

      if (entry->kind == ENTRY_TEXT && g_strcmp0 (entry->name, name) == 0)
        return entry->value;
    }

  return NULL;
}

/* Writers */

static void append_selector_set (GString          *out,
                                 ObWsmanSelectors *selectors);

void
ob_wsman_append_reference (GString          *out,
                           const char       *address,
                           const char       *resource_uri,
                           ObWsmanSelectors *selectors)
{
  g_return_if_fail (out != NULL);

  g_string_append (out, "<a:Address>");
  ob_xml_append_escaped (out, address != NULL ? address : OB_WSMAN_ADDRESS_ANONYMOUS);
  g_string_append (out, "</a:Address><a:ReferenceParameters><w:ResourceURI>");
  ob_xml_append_escaped (out, resource_uri);
  g_string_append (out, "</w:ResourceURI>");
  if (selectors != NULL && selectors->entries->len > 0)
    append_selector_set (out, selectors);
  g_string_append (out, "</a:ReferenceParameters>");
}

static void
append_selector_set (GString          *out,
                     ObWsmanSelectors *selectors)
{
  g_string_append (out, "<w:SelectorSet>");
  for (guint i = 0; i < selectors->entries->len; i++)
    {
      Entry *entry = &g_array_index (selectors->entries, Entry, i);

      g_string_append (out, "<w:Selector Name=\"");
      ob_xml_append_escaped (out, entry->name);
      g_string_append (out, "\">");
      switch (entry->kind)
        {
        case ENTRY_REFERENCE:
          g_string_append (out, "<a:EndpointReference>");
          ob_wsman_append_reference (out, entry->address, entry->resource_uri, entry->epr_selectors);
          g_string_append (out, "</a:EndpointReference>");
          break;
        case ENTRY_TEXT:
        case ENTRY_XML:
        default:
          /* An XML entry has no place in a selector; its text is all that
           * can be said safely. */
          ob_xml_append_escaped (out, entry->value);
          break;
        }
      g_string_append (out, "</w:Selector>");
    }
  g_string_append (out, "</w:SelectorSet>");
}

char *
ob_wsman_build_request (const char       *action_uri,
                        const char       *resource_uri,
                        guint64           message_id,
                        ObWsmanSelectors *selectors,
                        const char       *body_fragment)
{
  GString *out;

  g_return_val_if_fail (action_uri != NULL, NULL);
  g_return_val_if_fail (resource_uri != NULL, NULL);

  out = g_string_sized_new (1024);
  g_string_append (out,
                   "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                   "<Envelope xmlns:xsi=\"" OB_WSMAN_NS_XSI "\""
                   " xmlns:xsd=\"" OB_WSMAN_NS_XSD "\""
                   " xmlns:a=\"" OB_WSMAN_NS_ADDRESSING "\""
                   " xmlns:w=\"" OB_WSMAN_NS_WSMAN "\""
                   " xmlns=\"" OB_WSMAN_NS_SOAP "\">"
                   "<Header><a:Action>");
  ob_xml_append_escaped (out, action_uri);
  g_string_append (out, "</a:Action><a:To>/wsman</a:To><w:ResourceURI>");
  ob_xml_append_escaped (out, resource_uri);
  g_string_append_printf (out, "</w:ResourceURI><a:MessageID>%" G_GUINT64_FORMAT "</a:MessageID>",
                          message_id);
  g_string_append (out,
                   "<a:ReplyTo><a:Address>" OB_WSMAN_ADDRESS_ANONYMOUS "</a:Address></a:ReplyTo>"
                   "<w:OperationTimeout>PT60S</w:OperationTimeout>");
  if (selectors != NULL && selectors->entries->len > 0)
    append_selector_set (out, selectors);
  g_string_append (out, "</Header><Body>");
  if (body_fragment != NULL)
    g_string_append (out, body_fragment);
  g_string_append (out, "</Body></Envelope>");

  return g_string_free (out, FALSE);
}

char *
ob_wsman_body_enumerate (void)
{
  return g_strdup ("<Enumerate xmlns=\"" OB_WSMAN_NS_ENUMERATION "\" />");
}

char *
ob_wsman_body_pull (const char *enumeration_context,
                    guint       max_elements)
{
  GString *out = g_string_new ("<Pull xmlns=\"" OB_WSMAN_NS_ENUMERATION "\"><EnumerationContext>");

  ob_xml_append_escaped (out, enumeration_context);
  g_string_append_printf (out,
                          "</EnumerationContext><MaxElements>%u</MaxElements>"
                          "<MaxCharacters>99999</MaxCharacters></Pull>",
                          max_elements > 0 ? max_elements : OB_WSMAN_PULL_MAX_ELEMENTS);

  return g_string_free (out, FALSE);
}

static void
append_arguments (GString          *out,
                  const char       *prefix,
                  ObWsmanSelectors *args)
{
  for (guint i = 0; args != NULL && i < args->entries->len; i++)
    {
      Entry *entry = &g_array_index (args->entries, Entry, i);

      g_string_append_printf (out, "<%s:%s>", prefix, entry->name);
      switch (entry->kind)
        {
        case ENTRY_REFERENCE:
          ob_wsman_append_reference (out, entry->address, entry->resource_uri, entry->epr_selectors);
          break;
        case ENTRY_XML:
          g_string_append (out, entry->value);
          break;
        case ENTRY_TEXT:
        default:
          ob_xml_append_escaped (out, entry->value);
          break;
        }
      g_string_append_printf (out, "</%s:%s>", prefix, entry->name);
    }
}

static gboolean
arguments_are_named (ObWsmanSelectors *args)
{
  for (guint i = 0; args != NULL && i < args->entries->len; i++)
    if (!is_xml_name (g_array_index (args->entries, Entry, i).name))
      return FALSE;
  return TRUE;
}

char *
ob_wsman_body_method_input (const char       *class_name,
                            const char       *method,
                            ObWsmanSelectors *args)
{
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);
  GString *out;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (is_xml_name (method), NULL);
  g_return_val_if_fail (arguments_are_named (args), NULL);

  out = g_string_new (NULL);
  g_string_append_printf (out, "<h:%s_INPUT xmlns:h=\"", method);
  ob_xml_append_escaped (out, uri);
  g_string_append (out, "\">");
  append_arguments (out, "h", args);
  g_string_append_printf (out, "</h:%s_INPUT>", method);

  return g_string_free (out, FALSE);
}

/* JSON -> XML */

static char *
format_double (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };

  if (!isfinite (value))
    return NULL;

  if (value == floor (value) && fabs (value) < 1e15)
    return g_strdup_printf ("%.0f", value);

  /* The shortest form that reads back to the same double. */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buf, sizeof buf, formats[i], value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }

  return g_strdup (buf);
}

/* The text form of a JSON scalar (unescaped), or NULL if it has none. */
static char *
scalar_to_text (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (type == G_TYPE_DOUBLE)
    return format_double (json_node_get_double (node));
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");

  return NULL;
}

static gboolean
append_scalar (GString     *out,
               JsonNode    *node,
               const char  *member,
               GError     **error)
{
  g_autofree char *text = scalar_to_text (node);

  if (text == NULL)
    {
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                   "Member “%s” has a value with no XML form", member);
      return FALSE;
    }

  ob_xml_append_escaped (out, text);

  return TRUE;
}

static const char *
lookup_string_member (JsonObject *object,
                      const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* An EPR as JSON: {"Address":…, "ReferenceParameters":{"ResourceURI":…,
 * "SelectorSet":{"Selector":SEL or [SEL…]}}} where SEL is the xml2js form
 * {"$":{"Name":…},"_":value} that the reference uses to carry a name. */
static gboolean
json_to_reference (JsonObject        *object,
                   const char        *member,
                   char             **address,
                   char             **resource_uri,
                   ObWsmanSelectors **selectors,
                   GError           **error)
{
  JsonNode *params_node = json_object_get_member (object, "ReferenceParameters");
  JsonObject *params;
  JsonNode *set_node;
  g_autoptr(ObWsmanSelectors) result = ob_wsman_selectors_new ();

  if (params_node == NULL || !JSON_NODE_HOLDS_OBJECT (params_node) ||
      lookup_string_member (json_node_get_object (params_node), "ResourceURI") == NULL)
    {
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                   "Member “%s” is a reference without a resource URI", member);
      return FALSE;
    }
  params = json_node_get_object (params_node);

  set_node = json_object_get_member (params, "SelectorSet");
  if (set_node != NULL && JSON_NODE_HOLDS_OBJECT (set_node))
    {
      JsonNode *sel_node = json_object_get_member (json_node_get_object (set_node), "Selector");
      g_autoptr(GList) items = NULL;

      if (sel_node != NULL && JSON_NODE_HOLDS_ARRAY (sel_node))
        items = json_array_get_elements (json_node_get_array (sel_node));
      else if (sel_node != NULL)
        items = g_list_append (NULL, sel_node);

      for (GList *l = items; l != NULL; l = l->next)
        {
          JsonNode *item = l->data;
          JsonObject *item_object = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
          JsonNode *attrs = item_object != NULL ? json_object_get_member (item_object, "$") : NULL;
          const char *name = NULL;
          g_autofree char *text = NULL;

          if (attrs != NULL && JSON_NODE_HOLDS_OBJECT (attrs))
            name = lookup_string_member (json_node_get_object (attrs), "Name");
          if (name != NULL)
            text = scalar_to_text (json_object_get_member (item_object, "_"));
          if (name == NULL || text == NULL)
            {
              g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                           "Member “%s” has a selector without a name and value", member);
              return FALSE;
            }
          ob_wsman_selectors_add (result, name, text);
        }
    }

  *address = g_strdup (lookup_string_member (object, "Address"));
  *resource_uri = g_strdup (lookup_string_member (params, "ResourceURI"));
  *selectors = g_steal_pointer (&result);

  return TRUE;
}

static gboolean
is_cim_common_member (const char *name)
{
  return g_strcmp0 (name, "Datetime") == 0 || g_strcmp0 (name, "Interval") == 0 ||
         g_strcmp0 (name, "Date") == 0 || g_strcmp0 (name, "Time") == 0;
}

static gboolean append_members (GString     *out,
                                const char  *prefix,
                                const char  *ns_uri,
                                JsonObject  *object,
                                gboolean     nested,
                                guint        depth,
                                GError     **error);

static gboolean
append_element (GString     *out,
                const char  *prefix,
                const char  *ns_uri,
                const char  *name,
                JsonNode    *node,
                gboolean     nested,
                guint        depth,
                GError     **error)
{
  const char *el_prefix = prefix;
  const char *el_ns = ns_uri;

  if (nested && is_cim_common_member (name))
    {
      el_prefix = "p";
      el_ns = NS_CIM_COMMON;
    }

  g_string_append_printf (out, "<%s:%s", el_prefix, name);
  if (el_ns != NULL)
    {
      g_string_append_printf (out, " xmlns:%s=\"", el_prefix);
      ob_xml_append_escaped (out, el_ns);
      g_string_append_c (out, '"');
    }
  g_string_append_c (out, '>');

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);

      if (json_object_has_member (object, "ReferenceParameters"))
        {
          g_autofree char *address = NULL;
          g_autofree char *resource_uri = NULL;
          g_autoptr(ObWsmanSelectors) selectors = NULL;

          if (!json_to_reference (object, name, &address, &resource_uri, &selectors, error))
            return FALSE;
          ob_wsman_append_reference (out, address, resource_uri, selectors);
        }
      else if (!append_members (out, el_prefix, NULL, object, TRUE, depth + 1, error))
        return FALSE;
    }
  else if (!append_scalar (out, node, name, error))
    return FALSE;

  g_string_append_printf (out, "</%s:%s>", el_prefix, name);

  return TRUE;
}

static gboolean
append_members (GString     *out,
                const char  *prefix,
                const char  *ns_uri,
                JsonObject  *object,
                gboolean     nested,
                guint        depth,
                GError     **error)
{
  g_autoptr(GList) names = NULL;

  /* JSON built in memory has no depth limit of its own. */
  if (depth > OB_XML_MAX_DEPTH)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                           "Object nested too deeply");
      return FALSE;
    }

  names = json_object_get_members (object);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (object, name);

      if (!is_xml_name (name))
        {
          g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                       "“%s” is not a valid element name", name);
          return FALSE;
        }

      if (JSON_NODE_HOLDS_NULL (node))
        continue;

      if (JSON_NODE_HOLDS_ARRAY (node))
        {
          g_autoptr(GList) items = json_array_get_elements (json_node_get_array (node));

          for (GList *i = items; i != NULL; i = i->next)
            {
              JsonNode *item = i->data;

              if (JSON_NODE_HOLDS_NULL (item))
                continue;
              if (JSON_NODE_HOLDS_ARRAY (item))
                {
                  g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                               "Member “%s” holds an array inside an array", name);
                  return FALSE;
                }
              if (!append_element (out, prefix, ns_uri, name, item, nested, depth, error))
                return FALSE;
            }
          continue;
        }

      if (!append_element (out, prefix, ns_uri, name, node, nested, depth, error))
        return FALSE;
    }

  return TRUE;
}

gboolean
ob_wsman_append_json_members (GString     *out,
                              const char  *prefix,
                              const char  *ns_uri,
                              JsonObject  *object,
                              GError     **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (is_xml_name (prefix), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return append_members (out, prefix, ns_uri, object, FALSE, 0, error);
}

char *
ob_wsman_body_from_json (const char  *class_name,
                         JsonObject  *object,
                         GError     **error)
{
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);
  g_autofree char *name = ob_wsman_class_for_resource_uri (uri);
  g_autoptr(GString) out = NULL;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (uri == NULL || name == NULL)
    {
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                   "Unknown class “%s”", class_name != NULL ? class_name : "(null)");
      return NULL;
    }

  out = g_string_new (NULL);
  g_string_append_printf (out, "<h:%s xmlns:h=\"", name);
  ob_xml_append_escaped (out, uri);
  g_string_append (out, "\">");
  if (!append_members (out, "h", NULL, object, FALSE, 0, error))
    return NULL;
  g_string_append_printf (out, "</h:%s>", name);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Server side */

char *
ob_wsman_build_response (const char *action_uri,
                         const char *relates_to,
                         const char *message_id,
                         const char *resource_uri,
                         const char *body_fragment)
{
  GString *out;

  g_return_val_if_fail (action_uri != NULL, NULL);

  out = g_string_sized_new (1024);
  g_string_append (out,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                   "<a:Envelope xmlns:a=\"" OB_WSMAN_NS_SOAP "\""
                   " xmlns:b=\"" OB_WSMAN_NS_ADDRESSING "\""
                   " xmlns:c=\"" OB_WSMAN_NS_WSMAN "\""
                   " xmlns:d=\"" NS_TRUST "\""
                   " xmlns:e=\"" NS_WSSE "\""
                   " xmlns:f=\"" NS_CIMBINDING "\""
                   " xmlns:g=\"" OB_WSMAN_NS_ENUMERATION "\""
                   " xmlns:xsi=\"" OB_WSMAN_NS_XSI "\">"
                   "<a:Header><b:To>" OB_WSMAN_ADDRESS_ANONYMOUS "</b:To>");
  if (relates_to != NULL)
    {
      g_string_append (out, "<b:RelatesTo>");
      ob_xml_append_escaped (out, relates_to);
      g_string_append (out, "</b:RelatesTo>");
    }
  g_string_append (out, "<b:Action a:mustUnderstand=\"true\">");
  ob_xml_append_escaped (out, action_uri);
  g_string_append (out, "</b:Action>");
  if (message_id != NULL)
    {
      g_string_append (out, "<b:MessageID>");
      ob_xml_append_escaped (out, message_id);
      g_string_append (out, "</b:MessageID>");
    }
  if (resource_uri != NULL)
    {
      g_string_append (out, "<c:ResourceURI>");
      ob_xml_append_escaped (out, resource_uri);
      g_string_append (out, "</c:ResourceURI>");
    }
  g_string_append (out, "</a:Header><a:Body>");
  if (body_fragment != NULL)
    g_string_append (out, body_fragment);
  g_string_append (out, "</a:Body></a:Envelope>");

  return g_string_free (out, FALSE);
}

char *
ob_wsman_body_enumerate_response (const char *enumeration_context)
{
  GString *out = g_string_new ("<g:EnumerateResponse><g:EnumerationContext>");

  ob_xml_append_escaped (out, enumeration_context);
  g_string_append (out, "</g:EnumerationContext></g:EnumerateResponse>");

  return g_string_free (out, FALSE);
}

char *
ob_wsman_body_pull_response (const char *items_xml,
                             const char *enumeration_context)
{
  GString *out = g_string_new ("<g:PullResponse>");

  if (enumeration_context != NULL)
    {
      g_string_append (out, "<g:EnumerationContext>");
      ob_xml_append_escaped (out, enumeration_context);
      g_string_append (out, "</g:EnumerationContext>");
    }
  g_string_append (out, "<g:Items>");
  if (items_xml != NULL)
    g_string_append (out, items_xml);
  g_string_append (out, "</g:Items>");
  if (enumeration_context == NULL)
    g_string_append (out, "<g:EndOfSequence></g:EndOfSequence>");
  g_string_append (out, "</g:PullResponse>");

  return g_string_free (out, FALSE);
}

char *
ob_wsman_body_method_output (const char       *class_name,
                             const char       *method,
                             ObWsmanSelectors *outputs,
                             gint64            return_value)
{
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);
  GString *out;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (is_xml_name (method), NULL);
  g_return_val_if_fail (arguments_are_named (outputs), NULL);

  out = g_string_new (NULL);
  g_string_append_printf (out, "<h:%s_OUTPUT xmlns:h=\"", method);
  ob_xml_append_escaped (out, uri);
  g_string_append (out, "\">");
  append_arguments (out, "h", outputs);
  g_string_append_printf (out, "<h:ReturnValue>%" G_GINT64_FORMAT "</h:ReturnValue></h:%s_OUTPUT>",
                          return_value, method);

  return g_string_free (out, FALSE);
}

static void
append_fault_qname (GString    *out,
                    const char *qname)
{
  const char *colon = strchr (qname, ':');
  const char *local = colon != NULL ? colon + 1 : qname;
  const char *prefix = "c";

  /* Map the conventional prefixes to the ones this envelope declares. */
  if (colon != NULL)
    {
      g_autofree char *given = g_strndup (qname, colon - qname);

      if (g_strcmp0 (given, "wsa") == 0 || g_strcmp0 (given, "b") == 0)
        prefix = "b";
      else if (g_strcmp0 (given, "wse") == 0 || g_strcmp0 (given, "g") == 0)
        prefix = "g";
      else if (g_strcmp0 (given, "env") == 0 || g_strcmp0 (given, "a") == 0)
        prefix = "a";
    }

  g_string_append_printf (out, "%s:", prefix);
  ob_xml_append_escaped (out, local);
}

char *
ob_wsman_build_fault (const char *relates_to,
                      const char *message_id,
                      const char *code,
                      const char *subcode,
                      const char *reason,
                      const char *detail)
{
  g_autoptr(GString) body = g_string_new ("<a:Fault><a:Code><a:Value>a:");

  ob_xml_append_escaped (body, code != NULL ? code : "Sender");
  g_string_append (body, "</a:Value>");
  if (subcode != NULL)
    {
      g_string_append (body, "<a:Subcode><a:Value>");
      append_fault_qname (body, subcode);
      g_string_append (body, "</a:Value></a:Subcode>");
    }
  g_string_append (body, "</a:Code><a:Reason><a:Text xml:lang=\"en-US\">");
  ob_xml_append_escaped (body, reason != NULL ? reason : "");
  g_string_append (body, "</a:Text></a:Reason>");
  if (detail != NULL)
    {
      g_string_append (body, "<a:Detail><c:FaultDetail>");
      ob_xml_append_escaped (body, detail);
      g_string_append (body, "</c:FaultDetail></a:Detail>");
    }
  g_string_append (body, "</a:Fault>");

  return ob_wsman_build_response (OB_WSMAN_ACTION_FAULT, relates_to, message_id, NULL, body->str);
}
