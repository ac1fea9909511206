/* ob-xml.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Hard limits of ob_xml_parse_safe(). */
#define OB_XML_MAX_SIZE      (16 * 1024 * 1024)  /* bytes of input */
#define OB_XML_MAX_DEPTH     64                  /* element nesting */
#define OB_XML_MAX_TEXT      (4 * 1024 * 1024)   /* bytes of one text node */

/* The one way Outband parses XML: no network (XML_PARSE_NONET), no entity
 * substitution, no DTD loading, any DOCTYPE rejected, input size, nesting
 * depth and text node size bounded.  Errors are OB_WSMAN_ERROR_MALFORMED or
 * OB_WSMAN_ERROR_TOO_LARGE.  Free the result with xmlFreeDoc(). */
xmlDoc     *ob_xml_parse_safe            (const char  *data,
                                          gsize        len,
                                          GError     **error);

/* Append @text to @out with &, <, >, " and ' escaped (usable in text and in
 * attribute values).  Invalid UTF-8 and characters XML cannot carry are
 * replaced by U+FFFD so the result is always well-formed. */
void        ob_xml_append_escaped        (GString     *out,
                                          const char  *text);
char       *ob_xml_escape                (const char  *text);

/* Navigation helpers that compare local names only (prefixes ignored, as
 * the reference does).  Return borrowed nodes or NULL. */
xmlNode    *ob_xml_first_element         (xmlNode     *parent);
xmlNode    *ob_xml_next_element          (xmlNode     *node);
xmlNode    *ob_xml_find_child            (xmlNode     *parent,
                                          const char  *local_name);
/* The text content of @node's direct text/CDATA children, newly allocated
 * ("" when there is none). */
char       *ob_xml_dup_text              (xmlNode     *node);
/* The same text without a copy where it can: most elements have one text
 * child or none, and that child's content (or "") is returned as it is,
 * borrowed from the document.  Text in several pieces is joined into a
 * new string, also stored in *@joined for the caller to free (*@joined is
 * NULL otherwise). */
const char *ob_xml_peek_text             (xmlNode     *node,
                                          char       **joined);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

G_END_DECLS
