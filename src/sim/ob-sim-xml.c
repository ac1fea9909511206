/* ob-sim-xml.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-sim-xml.h"
#include "ob-xml.h"

#define NS_TRUST      "http://schemas.xmlsoap.org/ws/2005/02/trust"
#define NS_SECEXT     "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define NS_CIMBINDING "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd"
#define NS_TRANSFER   "http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define NS_EVENTING   "http://schemas.xmlsoap.org/ws/2004/08/eventing"

static const char *fixed_ns[][2] = {
  { "a", OB_WSMAN_NS_SOAP },
  { "b", OB_WSMAN_NS_ADDRESSING },
  { "c", OB_WSMAN_NS_WSMAN },
  { "d", NS_TRUST },
  { "e", NS_SECEXT },
  { "f", NS_CIMBINDING },
};

struct _ObSimXmlWriter
{
  GString   *body;
  /* Body namespaces in binding order; prefix i is 'g' + i (then "n<i>"). */
  GPtrArray *uris;
  GPtrArray *prefixes;
};

ObSimXmlWriter *
ob_sim_xml_writer_new (void)
{
  ObSimXmlWriter *self = g_new0 (ObSimXmlWriter, 1);

  self->body = g_string_sized_new (1024);
  self->uris = g_ptr_array_new_with_free_func (g_free);
  self->prefixes = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
ob_sim_xml_writer_free (ObSimXmlWriter *self)
{
  if (self == NULL)
    return;
  g_string_free (self->body, TRUE);
  g_ptr_array_unref (self->uris);
  g_ptr_array_unref (self->prefixes);
  g_free (self);
}

const char *
ob_sim_xml_writer_prefix (ObSimXmlWriter *self,
                          const char     *ns_uri)
{
  guint n;

  for (guint i = 0; i < G_N_ELEMENTS (fixed_ns); i++)
    if (g_str_equal (fixed_ns[i][1], ns_uri))
      return fixed_ns[i][0];

  for (guint i = 0; i < self->uris->len; i++)
    if (g_str_equal (g_ptr_array_index (self->uris, i), ns_uri))
      return g_ptr_array_index (self->prefixes, i);

  n = self->uris->len;
  g_ptr_array_add (self->uris, g_strdup (ns_uri));
  /* g … w, then n17, n18 …: never a clash with the fixed letters or xsi. */
  if (n < 17)
    g_ptr_array_add (self->prefixes, g_strdup_printf ("%c", 'g' + n));
  else
    g_ptr_array_add (self->prefixes, g_strdup_printf ("n%u", n));
  return g_ptr_array_index (self->prefixes, n);
}

GString *
ob_sim_xml_writer_get_body (ObSimXmlWriter *self)
{
  return self->body;
}

void
ob_sim_xml_writer_open (ObSimXmlWriter *self,
                        const char     *prefix,
                        const char     *name)
{
  g_string_append_printf (self->body, "<%s:%s>", prefix, name);
}

void
ob_sim_xml_writer_close (ObSimXmlWriter *self,
                         const char     *prefix,
                         const char     *name)
{
  g_string_append_printf (self->body, "</%s:%s>", prefix, name);
}

void
ob_sim_xml_writer_element (ObSimXmlWriter *self,
                           const char     *prefix,
                           const char     *name,
                           const char     *text)
{
  ob_sim_xml_writer_open (self, prefix, name);
  ob_xml_append_escaped (self->body, text != NULL ? text : "");
  ob_sim_xml_writer_close (self, prefix, name);
}

void
ob_sim_xml_writer_reference (ObSimXmlWriter  *self,
                             const char      *resource_uri,
                             const char     **selectors)
{
  ob_sim_xml_writer_element (self, "b", "Address", OB_WSMAN_ADDRESS_ANONYMOUS);
  ob_sim_xml_writer_open (self, "b", "ReferenceParameters");
  ob_sim_xml_writer_element (self, "c", "ResourceURI", resource_uri);
  ob_sim_xml_writer_open (self, "c", "SelectorSet");
  for (guint i = 0; selectors != NULL && selectors[i] != NULL && selectors[i + 1] != NULL; i += 2)
    {
      g_string_append (self->body, "<c:Selector Name=\"");
      ob_xml_append_escaped (self->body, selectors[i]);
      g_string_append (self->body, "\">");
      ob_xml_append_escaped (self->body, selectors[i + 1]);
      g_string_append (self->body, "</c:Selector>");
    }
  ob_sim_xml_writer_close (self, "c", "SelectorSet");
  ob_sim_xml_writer_close (self, "b", "ReferenceParameters");
}

char *
ob_sim_xml_writer_finish (ObSimXmlWriter *self,
                          const char     *action,
                          const char     *relates_to,
                          const char     *message_id,
                          const char     *resource_uri)
{
  GString *out = g_string_sized_new (self->body->len + 1024);

  g_string_append (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a:Envelope");
  for (guint i = 0; i < G_N_ELEMENTS (fixed_ns); i++)
    g_string_append_printf (out, " xmlns:%s=\"%s\"", fixed_ns[i][0], fixed_ns[i][1]);
  for (guint i = 0; i < self->uris->len; i++)
    {
      g_string_append_printf (out, " xmlns:%s=\"", (const char *) g_ptr_array_index (self->prefixes, i));
      ob_xml_append_escaped (out, g_ptr_array_index (self->uris, i));
      g_string_append_c (out, '"');
    }
  g_string_append (out, " xmlns:xsi=\"" OB_WSMAN_NS_XSI "\"><a:Header>");
  g_string_append (out, "<b:To>" OB_WSMAN_ADDRESS_ANONYMOUS "</b:To>");
  if (relates_to != NULL)
    {
      g_string_append (out, "<b:RelatesTo>");
      ob_xml_append_escaped (out, relates_to);
      g_string_append (out, "</b:RelatesTo>");
    }
  g_string_append (out, "<b:Action a:mustUnderstand=\"true\">");
  ob_xml_append_escaped (out, action);
  g_string_append (out, "</b:Action><b:MessageID>");
  ob_xml_append_escaped (out, message_id);
  g_string_append (out, "</b:MessageID>");
  if (resource_uri != NULL)
    {
      g_string_append (out, "<c:ResourceURI>");
      ob_xml_append_escaped (out, resource_uri);
      g_string_append (out, "</c:ResourceURI>");
    }
  g_string_append (out, "</a:Header><a:Body>");
  g_string_append_len (out, self->body->str, self->body->len);
  g_string_append (out, "</a:Body></a:Envelope>");
  return g_string_free (out, FALSE);
}

char *
ob_sim_xml_build_fault (const char *action,
                        const char *relates_to,
                        const char *message_id,
                        const char *code,
                        const char *subcode,
                        const char *reason,
                        const char *detail_xml)
{
  GString *out = g_string_sized_new (1536);

  g_string_append (out,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a:Envelope"
                   " xmlns:a=\"" OB_WSMAN_NS_SOAP "\""
                   " xmlns:b=\"" OB_WSMAN_NS_ADDRESSING "\""
                   " xmlns:c=\"" OB_WSMAN_NS_ENUMERATION "\""
                   " xmlns:d=\"" NS_TRANSFER "\""
                   " xmlns:e=\"" OB_WSMAN_NS_WSMAN "\""
                   " xmlns:f=\"" NS_EVENTING "\""
                   " xmlns:g=\"" NS_CIMBINDING "\""
                   " xmlns:h=\"" NS_TRUST "\""
                   " xmlns:i=\"" NS_SECEXT "\""
                   " xmlns:xsi=\"" OB_WSMAN_NS_XSI "\"><a:Header>"
                   "<b:To>" OB_WSMAN_ADDRESS_ANONYMOUS "</b:To>");
  if (relates_to != NULL)
    {
      g_string_append (out, "<b:RelatesTo>");
      ob_xml_append_escaped (out, relates_to);
      g_string_append (out, "</b:RelatesTo>");
    }
  g_string_append (out, "<b:Action a:mustUnderstand=\"true\">");
  ob_xml_append_escaped (out, action);
  g_string_append (out, "</b:Action><b:MessageID>");
  ob_xml_append_escaped (out, message_id);
  g_string_append (out, "</b:MessageID></a:Header><a:Body><a:Fault><a:Code><a:Value>a:");
  ob_xml_append_escaped (out, code);
  g_string_append (out, "</a:Value><a:Subcode><a:Value>");
  ob_xml_append_escaped (out, subcode);
  g_string_append (out, "</a:Value></a:Subcode></a:Code><a:Reason><a:Text xml:lang=\"en-US\">");
  ob_xml_append_escaped (out, reason);
  g_string_append (out, "</a:Text></a:Reason><a:Detail>");
  if (detail_xml != NULL)
    g_string_append (out, detail_xml);
  g_string_append (out, "</a:Detail></a:Fault></a:Body></a:Envelope>");
  return g_string_free (out, FALSE);
}
