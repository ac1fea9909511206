/* ob-xml.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#include "ob-wsman-error.h"
#include "ob-xml.h"

/* Per-parse state reached from the SAX callbacks through ctxt->_private. */
typedef struct
{
  gboolean  saw_doctype;
  gboolean  too_deep;
  char     *first_error;
  int       first_error_line;
} ParseGuard;

static void
silent_generic_error (void       *ctx,
                      const char *msg,
                      ...)
{
  /* libxml2 reports some failures (I/O, encoding set-up) through the
   * per-thread generic handler, which prints to stderr by default.  Every
   * failure reaches the caller as a GError instead. */
}

static void
ensure_libxml_initialized (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      xmlInitParser ();
      xmlThrDefSetGenericErrorFunc (NULL, silent_generic_error);
      g_once_init_leave (&initialized, 1);
    }

  /* The generic handler is per thread; set it for this one too. */
  xmlSetGenericErrorFunc (NULL, silent_generic_error);
}

static void
guard_internal_subset (void          *ctx,
                       const xmlChar *name,
                       const xmlChar *external_id,
                       const xmlChar *system_id)
{
  xmlParserCtxtPtr ctxt = ctx;
  ParseGuard *guard = ctxt->_private;

  /* A DOCTYPE is where entity bombs and external entities live; nothing
   * Outband reads has one, so stop before its internal subset is parsed. */
  guard->saw_doctype = TRUE;
  xmlStopParser (ctxt);
}

static void
guard_start_element_ns (void           *ctx,
                        const xmlChar  *localname,
                        const xmlChar  *prefix,
                        const xmlChar  *uri,
                        int             nb_namespaces,
                        const xmlChar **namespaces,
                        int             nb_attributes,
                        int             nb_defaulted,
                        const xmlChar **attributes)
{
  xmlParserCtxtPtr ctxt = ctx;
  ParseGuard *guard = ctxt->_private;

  /* nameNr counts the open ancestors of this element. */
  if (ctxt->nameNr >= OB_XML_MAX_DEPTH)
    {
      guard->too_deep = TRUE;
      xmlStopParser (ctxt);
      return;
    }

  xmlSAX2StartElementNs (ctx, localname, prefix, uri, nb_namespaces, namespaces,
                         nb_attributes, nb_defaulted, attributes);
}

static void
guard_structured_error (void        *user_data,
                        xmlErrorPtr  error)
{
  xmlParserCtxtPtr ctxt = user_data;
  ParseGuard *guard = ctxt->_private;

  if (error == NULL || error->level < XML_ERR_ERROR || guard->first_error != NULL)
    return;

  guard->first_error = g_strstrip (g_strdup (error->message != NULL ? error->message : "unknown error"));
  guard->first_error_line = error->line;
}

static gboolean
check_text_sizes (xmlNode  *node,
                  GError  **error)
{
  /* Depth is already bounded by the parse, so recursion is shallow. */
  for (xmlNode *child = node; child != NULL; child = child->next)
    {
      if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
          child->content != NULL &&
          strlen ((const char *) child->content) > OB_XML_MAX_TEXT)
        {
          g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TOO_LARGE,
                       "XML text is longer than %d bytes", OB_XML_MAX_TEXT);
          return FALSE;
        }

      if (child->type == XML_ELEMENT_NODE && !check_text_sizes (child->children, error))
        return FALSE;
    }

  return TRUE;
}

/* Reads the document and applies every check; on failure frees what it
 * made and returns NULL.  The caller owns @ctxt and @guard. */
static xmlDoc *
read_checked (xmlParserCtxtPtr   ctxt,
              ParseGuard        *guard,
              const char        *data,
              gsize              len,
              GError           **error)
{
  int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  g_autoptr(xmlDoc) doc = NULL;

  ctxt->_private = guard;
  ctxt->sax->internalSubset = guard_internal_subset;
  ctxt->sax->startElementNs = guard_start_element_ns;
  ctxt->sax->serror = guard_structured_error;
  /* No entity substitution (no XML_PARSE_NOENT), no DTD loading (no
   * XML_PARSE_DTDLOAD / DTDATTR / DTDVALID), no network, no XInclude. */
  ctxt->replaceEntities = 0;
  ctxt->loadsubset = 0;
  ctxt->validate = 0;

  doc = xmlCtxtReadMemory (ctxt, data, (int) len, NULL, NULL, options);

  /* xmlStopParser() does not always clear wellFormed, so the guard flags
   * decide before the document is looked at. */
  if (guard->saw_doctype)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "XML documents with a DOCTYPE are not accepted");
      return NULL;
    }
  if (guard->too_deep)
    {
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TOO_LARGE,
                   "XML elements nested deeper than %d levels", OB_XML_MAX_DEPTH);
      return NULL;
    }
  if (doc == NULL || !ctxt->wellFormed)
    {
      if (guard->first_error != NULL)
        g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                     "Malformed XML (line %d): %s", guard->first_error_line, guard->first_error);
      else
        g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                             "Malformed XML");
      return NULL;
    }
  if (doc->intSubset != NULL || doc->extSubset != NULL)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "XML documents with a DOCTYPE are not accepted");
      return NULL;
    }
  if (xmlDocGetRootElement (doc) == NULL)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "XML document has no root element");
      return NULL;
    }
  if (!check_text_sizes (doc->children, error))
    return NULL;

  return g_steal_pointer (&doc);
}

xmlDoc *
ob_xml_parse_safe (const char  *data,
                   gsize        len,
                   GError     **error)
{
  ParseGuard guard = { 0, };
  xmlParserCtxtPtr ctxt;
  xmlDoc *doc;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len > OB_XML_MAX_SIZE)
    {
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TOO_LARGE,
                   "XML document is larger than %d bytes", OB_XML_MAX_SIZE);
      return NULL;
    }

  if (len == 0)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "Empty XML document");
      return NULL;
    }

  ensure_libxml_initialized ();

  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "Could not create an XML parser");
      return NULL;
    }

  doc = read_checked (ctxt, &guard, data, len, error);

  ctxt->_private = NULL;
  xmlFreeParserCtxt (ctxt);
  g_free (guard.first_error);

  return doc;
}

static gboolean
is_xml_char (gunichar c)
{
  return c == 0x9 || c == 0xA || c == 0xD ||
         (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

void
ob_xml_append_escaped (GString    *out,
                       const char *text)
{
  const char *p;
  const char *end;

  g_return_if_fail (out != NULL);

  if (text == NULL)
    return;

  p = text;
  end = text + strlen (text);

  while (p < end)
    {
      guchar c = (guchar) *p;
      gunichar u;

      if (c < 0x80)
        {
          switch (c)
            {
            case '&': g_string_append (out, "&amp;"); break;
            case '<': g_string_append (out, "&lt;"); break;
            case '>': g_string_append (out, "&gt;"); break;
            case '"': g_string_append (out, "&quot;"); break;
            case '\'': g_string_append (out, "&apos;"); break;
            /* A literal CR would be normalised away by the reader. */
            case '\r': g_string_append (out, "&#13;"); break;
            default:
              if (c < 0x20 && c != '\t' && c != '\n')
                g_string_append_unichar (out, 0xFFFD);
              else
                g_string_append_c (out, (char) c);
              break;
            }
          p++;
          continue;
        }

      u = g_utf8_get_char_validated (p, end - p);
      if (u == (gunichar) -1 || u == (gunichar) -2)
        {
          g_string_append_unichar (out, 0xFFFD);
          p++;
          continue;
        }

      if (is_xml_char (u))
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      else
        g_string_append_unichar (out, 0xFFFD);
      p = g_utf8_next_char (p);
    }
}

char *
ob_xml_escape (const char *text)
{
  GString *out = g_string_new (NULL);

  ob_xml_append_escaped (out, text);

  return g_string_free (out, FALSE);
}

xmlNode *
ob_xml_first_element (xmlNode *parent)
{
  if (parent == NULL)
    return NULL;

  for (xmlNode *child = parent->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      return child;

  return NULL;
}

xmlNode *
ob_xml_next_element (xmlNode *node)
{
  if (node == NULL)
    return NULL;

  for (xmlNode *next = node->next; next != NULL; next = next->next)
    if (next->type == XML_ELEMENT_NODE)
      return next;

  return NULL;
}

xmlNode *
ob_xml_find_child (xmlNode    *parent,
                   const char *local_name)
{
  g_return_val_if_fail (local_name != NULL, NULL);

  for (xmlNode *child = ob_xml_first_element (parent); child != NULL; child = ob_xml_next_element (child))
    if (g_strcmp0 ((const char *) child->name, local_name) == 0)
      return child;

  return NULL;
}

const char *
ob_xml_peek_text (xmlNode  *node,
                  char    **joined)
{
  xmlNode *only = NULL;
  GString *text = NULL;

  g_return_val_if_fail (joined != NULL, NULL);

  *joined = NULL;
  if (node == NULL)
    return "";

  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      if ((child->type != XML_TEXT_NODE && child->type != XML_CDATA_SECTION_NODE) ||
          child->content == NULL)
        continue;

      if (only == NULL && text == NULL)
        {
          only = child;
          continue;
        }
      if (text == NULL)
        text = g_string_new ((const char *) only->content);
      g_string_append (text, (const char *) child->content);
    }

  if (text != NULL)
    return *joined = g_string_free (text, FALSE);

  return only != NULL ? (const char *) only->content : "";
}

char *
ob_xml_dup_text (xmlNode *node)
{
  char *joined;
  const char *text = ob_xml_peek_text (node, &joined);

  return joined != NULL ? joined : g_strdup (text);
}
