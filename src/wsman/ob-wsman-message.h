/* ob-wsman-message.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Namespaces */
#define OB_WSMAN_NS_SOAP        "http://www.w3.org/2003/05/soap-envelope"
#define OB_WSMAN_NS_ADDRESSING  "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define OB_WSMAN_NS_WSMAN       "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define OB_WSMAN_NS_ENUMERATION "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define OB_WSMAN_NS_XSI         "http://www.w3.org/2001/XMLSchema-instance"
#define OB_WSMAN_NS_XSD         "http://www.w3.org/2001/XMLSchema"
#define OB_WSMAN_ADDRESS_ANONYMOUS "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

/* Resource URI bases by class name prefix */
#define OB_WSMAN_URI_AMT "http://intel.com/wbem/wscim/1/amt-schema/1/"
#define OB_WSMAN_URI_CIM "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
#define OB_WSMAN_URI_IPS "http://intel.com/wbem/wscim/1/ips-schema/1/"

/* Actions */
#define OB_WSMAN_ACTION_GET       "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
#define OB_WSMAN_ACTION_PUT       "http://schemas.xmlsoap.org/ws/2004/09/transfer/Put"
#define OB_WSMAN_ACTION_CREATE    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
#define OB_WSMAN_ACTION_DELETE    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
#define OB_WSMAN_ACTION_ENUMERATE "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
#define OB_WSMAN_ACTION_PULL      "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"
/* Response actions (what a device puts in a:Action of its reply) */
#define OB_WSMAN_ACTION_GET_RESPONSE       OB_WSMAN_ACTION_GET "Response"
#define OB_WSMAN_ACTION_PUT_RESPONSE       OB_WSMAN_ACTION_PUT "Response"
#define OB_WSMAN_ACTION_CREATE_RESPONSE    OB_WSMAN_ACTION_CREATE "Response"
#define OB_WSMAN_ACTION_DELETE_RESPONSE    OB_WSMAN_ACTION_DELETE "Response"
#define OB_WSMAN_ACTION_ENUMERATE_RESPONSE OB_WSMAN_ACTION_ENUMERATE "Response"
#define OB_WSMAN_ACTION_PULL_RESPONSE      OB_WSMAN_ACTION_PULL "Response"
#define OB_WSMAN_ACTION_FAULT              "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

#define OB_WSMAN_PULL_MAX_ELEMENTS 999

/* Resource URI of a class ("AMT_GeneralSettings" ->
 * "http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings").  A full
 * URI (contains "://") is returned as a copy.  NULL for an unknown prefix.
 * Free with g_free(). */
char *ob_wsman_resource_uri_for_class (const char *class_name);
/* The class name of a resource URI (its last path segment), or NULL.  */
char *ob_wsman_class_for_resource_uri (const char *resource_uri);
/* The action URI of a custom method: "<resource URI>/<method>". */
char *ob_wsman_method_action (const char *class_name,
                              const char *method);

/* ObWsmanSelectors: an ordered list of name -> value pairs, where a value is
 * either text or an endpoint reference (EPR: address, resource URI and the
 * referenced instance's own selectors).  Used for header SelectorSets and,
 * with repeated names allowed, for method input arguments.  Refcounted. */
typedef struct _ObWsmanSelectors ObWsmanSelectors;

#define OB_TYPE_WSMAN_SELECTORS (ob_wsman_selectors_get_type ())

GType             ob_wsman_selectors_get_type      (void) G_GNUC_CONST;
ObWsmanSelectors *ob_wsman_selectors_new           (void);
ObWsmanSelectors *ob_wsman_selectors_ref           (ObWsmanSelectors *self);
void              ob_wsman_selectors_unref         (ObWsmanSelectors *self);
/* Convenience: ob_wsman_selectors_new_with ("InstanceID", "x", NULL). */
ObWsmanSelectors *ob_wsman_selectors_new_with      (const char       *first_name,
                                                    ...) G_GNUC_NULL_TERMINATED;
void              ob_wsman_selectors_add           (ObWsmanSelectors *self,
                                                    const char       *name,
                                                    const char       *value);
/* An EPR value.  @address NULL means the anonymous role address;
 * @epr_selectors may be NULL (a reference without a SelectorSet). */
void              ob_wsman_selectors_add_reference (ObWsmanSelectors *self,
                                                    const char       *name,
                                                    const char       *address,
                                                    const char       *resource_uri,
                                                    ObWsmanSelectors *epr_selectors);
/* A trusted XML fragment as the content of argument @name (for embedded
 * instances such as AddAlarm's AlarmTemplate; build it with
 * ob_wsman_append_json_members()).  Not allowed in header SelectorSets. */
void              ob_wsman_selectors_add_xml       (ObWsmanSelectors *self,
                                                    const char       *name,
                                                    const char       *xml_fragment);
guint             ob_wsman_selectors_get_length    (ObWsmanSelectors *self);
const char       *ob_wsman_selectors_get_name      (ObWsmanSelectors *self,
                                                    guint             index);
/* Text value of entry @index, NULL for an EPR or XML entry. */
const char       *ob_wsman_selectors_get_value     (ObWsmanSelectors *self,
                                                    guint             index);
/* Reference parts of entry @index; FALSE for a text entry.  Borrowed. */
gboolean          ob_wsman_selectors_get_reference (ObWsmanSelectors  *self,
                                                    guint              index,
                                                    const char       **address,
                                                    const char       **resource_uri,
                                                    ObWsmanSelectors **epr_selectors);
/* Text value of the first entry called @name, or NULL. */
const char       *ob_wsman_selectors_lookup        (ObWsmanSelectors *self,
                                                    const char       *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObWsmanSelectors, ob_wsman_selectors_unref)

/* The whole request envelope, one line, exactly the layout of Open AMT's
 * wsman-messages: Header with Action, To (/wsman), ResourceURI, MessageID,
 * ReplyTo (anonymous), OperationTimeout PT60S and the SelectorSet when
 * @selectors has entries; then <Body>@body_fragment</Body>.  @body_fragment
 * is trusted XML (build it with the functions below); NULL = empty body. */
char *ob_wsman_build_request (const char       *action_uri,
                              const char       *resource_uri,
                              guint64           message_id,
                              ObWsmanSelectors *selectors,
                              const char       *body_fragment);

/* Body fragments (what goes between <Body> and </Body>). */
char *ob_wsman_body_enumerate (void);
char *ob_wsman_body_pull      (const char *enumeration_context,
                               guint       max_elements);
/* <h:METHOD_INPUT xmlns:h="URI"><h:Arg>v</h:Arg>…</h:METHOD_INPUT>, @args in
 * order (repeated names = array); NULL @args = no arguments. */
char *ob_wsman_body_method_input (const char       *class_name,
                                  const char       *method,
                                  ObWsmanSelectors *args);
/* <h:CLASS xmlns:h="URI"><h:Prop>v</h:Prop>…</h:CLASS> from a class's JSON:
 * members in object order; string/number/boolean -> text ("true"/"false");
 * array -> repeated elements; null -> skipped; an object with
 * "ReferenceParameters" -> EPR elements ({"Address":…,"ReferenceParameters":
 * {"ResourceURI":…,"SelectorSet":{"Selector":[{"$":{"Name":…},"_":…}]}}},
 * the reference's form: a reply's JSON has lost the selector names, so it
 * cannot be sent back as is); any other object -> nested elements in the
 * same namespace.  Used for Put/Create bodies and, by the simulator, for
 * instances in replies. */
char *ob_wsman_body_from_json    (const char  *class_name,
                                  JsonObject  *object,
                                  GError     **error);

/* Append one element per member of @object to @out, named
 * "<prefix>:<member>" (with xmlns:<prefix>="@ns_uri" on each element when
 * @ns_uri is given, as AMT's embedded instances are written), using the
 * value rules of ob_wsman_body_from_json().  Members "Datetime", "Interval",
 * "Date" and "Time" of nested objects go to the CIM common namespace
 * (e.g. {"StartTime":{"Datetime":"…"}}).  FALSE + INVALID_ARGUMENT for a
 * member name that is not an XML name or a value with no XML form. */
gboolean ob_wsman_append_json_members (GString     *out,
                                       const char  *prefix,
                                       const char  *ns_uri,
                                       JsonObject  *object,
                                       GError     **error);

/* Append the EPR child elements (a:Address, a:ReferenceParameters with
 * w:ResourceURI and w:SelectorSet) to @out.  For building custom bodies. */
void  ob_wsman_append_reference  (GString          *out,
                                  const char       *address,
                                  const char       *resource_uri,
                                  ObWsmanSelectors *selectors);

/* Server side (simulator): a reply envelope in AMT's form (prefixed SOAP 1.2,
 * a:Header with To, RelatesTo, Action, MessageID, ResourceURI).  Declared
 * prefixes usable in @body_fragment: a (SOAP), b (addressing), c (WS-Man),
 * g (enumeration), xsi.
 * @relates_to NULL omits RelatesTo, @resource_uri NULL omits ResourceURI. */
char *ob_wsman_build_response (const char *action_uri,
                               const char *relates_to,
                               const char *message_id,
                               const char *resource_uri,
                               const char *body_fragment);
/* Reply body fragments for the simulator (prefix g = enumeration is
 * declared by ob_wsman_build_response()).  @items_xml: the instances, e.g.
 * from ob_wsman_body_from_json(); @enumeration_context NULL in a pull
 * response means the end of the sequence (EndOfSequence is written). */
char *ob_wsman_body_enumerate_response (const char *enumeration_context);
char *ob_wsman_body_pull_response      (const char *items_xml,
                                        const char *enumeration_context);
/* <h:METHOD_OUTPUT xmlns:h="URI">…@outputs…<h:ReturnValue>n</h:ReturnValue>
 * </h:METHOD_OUTPUT>; @outputs may be NULL. */
char *ob_wsman_body_method_output      (const char       *class_name,
                                        const char       *method,
                                        ObWsmanSelectors *outputs,
                                        gint64            return_value);

/* A SOAP fault reply as AMT sends it.  @code is "Sender" or "Receiver";
 * @subcode is a qualified value such as "wsman:DestinationUnreachable" or
 * "wsa:ActionNotSupported" (prefix wsman = WS-Man, wsa = addressing,
 * wse = enumeration); @detail may be NULL. */
char *ob_wsman_build_fault    (const char *relates_to,
                               const char *message_id,
                               const char *code,
                               const char *subcode,
                               const char *reason,
                               const char *detail);

G_END_DECLS
