/* ob-sim-xml.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "ob-sim-instance.h"

G_BEGIN_DECLS

/* Private to ob-sim: writes reply envelopes the way AMT firmware does.
 * AMT declares every namespace on the Envelope with one-letter prefixes:
 * a (SOAP 1.2), b (addressing), c (WS-Man), d (trust), e (WSS secext),
 * f (CIM binding), then g, h, i … for whatever the body uses, in order of
 * first use (the class namespace, enumeration, the common namespace).
 * The body is written first, then the envelope is put around it. */
typedef struct _ObSimXmlWriter ObSimXmlWriter;

ObSimXmlWriter *ob_sim_xml_writer_new          (void);
void            ob_sim_xml_writer_free         (ObSimXmlWriter *self);

/* The prefix bound to @ns_uri, binding the next free letter on first use. */
const char     *ob_sim_xml_writer_prefix       (ObSimXmlWriter *self,
                                                const char     *ns_uri);
GString        *ob_sim_xml_writer_get_body     (ObSimXmlWriter *self);

void            ob_sim_xml_writer_open         (ObSimXmlWriter *self,
                                                const char     *prefix,
                                                const char     *name);
void            ob_sim_xml_writer_close        (ObSimXmlWriter *self,
                                                const char     *prefix,
                                                const char     *name);
/* <prefix:name>escaped text</prefix:name> */
void            ob_sim_xml_writer_element      (ObSimXmlWriter *self,
                                                const char     *prefix,
                                                const char     *name,
                                                const char     *text);
/* The EPR children (b:Address, b:ReferenceParameters …) of an element
 * already opened; @selectors are name, value pairs (NULL-terminated). */
void            ob_sim_xml_writer_reference    (ObSimXmlWriter *self,
                                                const char     *resource_uri,
                                                const char    **selectors);
/* <prefix:Class>properties</prefix:Class>, prefix = the class namespace. */
void            ob_sim_xml_writer_instance     (ObSimXmlWriter *self,
                                                ObSimInstance  *instance);

/* The whole reply, one line. */
char           *ob_sim_xml_writer_finish       (ObSimXmlWriter *self,
                                                const char     *action,
                                                const char     *relates_to,
                                                const char     *message_id,
                                                const char     *resource_uri);

/* A SOAP fault reply as AMT writes it (its fault envelopes bind a different
 * set of prefixes: a SOAP, b addressing, c enumeration, d transfer,
 * e WS-Man, f eventing, g CIM binding, h trust, i WSS secext).
 * @subcode is already prefixed ("b:ActionNotSupported"); @detail_xml is
 * trusted XML for a:Detail (may be NULL). */
char           *ob_sim_xml_build_fault         (const char     *action,
                                                const char     *relates_to,
                                                const char     *message_id,
                                                const char     *code,
                                                const char     *subcode,
                                                const char     *reason,
                                                const char     *detail_xml);

/* Namespace prefixes of the fault envelope, for detail XML. */
#define OB_SIM_FAULT_PREFIX_ADDRESSING "b"
#define OB_SIM_FAULT_PREFIX_ENUMERATION "c"
#define OB_SIM_FAULT_PREFIX_TRANSFER   "d"
#define OB_SIM_FAULT_PREFIX_WSMAN      "e"

G_END_DECLS
