/* ob-wsman-response.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include <libxml/tree.h>

#include "ob-wsman-message.h"

G_BEGIN_DECLS

/* XML -> JSON the way Open AMT's MPS converts WS-Man replies: namespace
 * prefixes stripped, attributes dropped, an element with child elements ->
 * object, repeated sibling names -> array, element text -> string, or a
 * number / boolean where the reference turns it into one, empty element ->
 * "".  Returns a new node, never NULL. */
JsonNode *ob_wsman_xml_to_json (xmlNode *element);

/* ObWsmanResponse: one parsed reply envelope.  Refcounted, immutable; it
 * keeps the parsed document, and its JSON views are converted from it on
 * first use (safely from any thread). */
typedef struct _ObWsmanResponse ObWsmanResponse;

#define OB_TYPE_WSMAN_RESPONSE (ob_wsman_response_get_type ())

GType            ob_wsman_response_get_type   (void) G_GNUC_CONST;

/* Parse a reply body (through ob_xml_parse_safe()).  A SOAP Fault gives
 * NULL and OB_WSMAN_ERROR_FAULT ("subcode: reason (detail)"); bad XML, a
 * document that is not a SOAP envelope or has no Body gives
 * OB_WSMAN_ERROR_MALFORMED (or _TOO_LARGE). */
ObWsmanResponse *ob_wsman_response_new        (const char  *data,
                                               gsize        len,
                                               GError     **error);
ObWsmanResponse *ob_wsman_response_new_from_bytes (GBytes  *bytes,
                                                   GError **error);
ObWsmanResponse *ob_wsman_response_ref        (ObWsmanResponse *self);
void             ob_wsman_response_unref      (ObWsmanResponse *self);

/* Header fields (borrowed; NULL when absent). */
const char      *ob_wsman_response_get_action       (ObWsmanResponse *self);
const char      *ob_wsman_response_get_relates_to   (ObWsmanResponse *self);
const char      *ob_wsman_response_get_message_id   (ObWsmanResponse *self);
const char      *ob_wsman_response_get_resource_uri (ObWsmanResponse *self);

/* JSON views (borrowed; do not modify).  Header is an object; Body is an
 * object, or the string "" for an empty Body (a Delete reply), exactly as
 * the reference converts it. */
JsonNode        *ob_wsman_response_get_header_json  (ObWsmanResponse *self);
JsonNode        *ob_wsman_response_get_body_json    (ObWsmanResponse *self);
/* A new {"Header":…,"Body":…} object, what the MPS REST routes return. */
JsonNode        *ob_wsman_response_dup_envelope_json (ObWsmanResponse *self);

/* Body member named @class_name (e.g. "AMT_GeneralSettings" in a Get reply,
 * "RequestPowerStateChange_OUTPUT" for a method); borrowed, NULL if absent
 * or not an object. */
JsonObject      *ob_wsman_response_get_class_json   (ObWsmanResponse *self,
                                                     const char      *class_name);

/* Enumerate/Pull: the EnumerationContext of an EnumerateResponse or
 * PullResponse (NULL if none), the instances of a PullResponse's Items in
 * document order (JsonNode objects, borrowed array, never NULL), the class
 * name of each item (same length) and whether EndOfSequence was present. */
const char      *ob_wsman_response_get_enumeration_context (ObWsmanResponse *self);
GPtrArray       *ob_wsman_response_get_items        (ObWsmanResponse *self);
GPtrArray       *ob_wsman_response_get_item_classes (ObWsmanResponse *self);
gboolean         ob_wsman_response_get_end_of_sequence (ObWsmanResponse *self);

/* ReturnValue of a method output: of Body.<method>_OUTPUT when @method is
 * given, else of the first *_OUTPUT member.  FALSE with
 * OB_WSMAN_ERROR_UNEXPECTED_RESPONSE when there is none or it is not an
 * integer. */
gboolean         ob_wsman_response_get_return_value (ObWsmanResponse *self,
                                                     const char      *method,
                                                     gint64          *value,
                                                     GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObWsmanResponse, ob_wsman_response_unref)

/* Server side: one parsed *request* envelope (what the simulator receives). */
typedef struct _ObWsmanRequest ObWsmanRequest;

#define OB_TYPE_WSMAN_REQUEST (ob_wsman_request_get_type ())

GType             ob_wsman_request_get_type      (void) G_GNUC_CONST;
/* MALFORMED for bad XML or no envelope/Header/Body; UNEXPECTED_RESPONSE
 * when Action or ResourceURI is missing. */
ObWsmanRequest   *ob_wsman_request_parse         (const char  *data,
                                                  gsize        len,
                                                  GError     **error);
ObWsmanRequest   *ob_wsman_request_ref           (ObWsmanRequest *self);
void              ob_wsman_request_unref         (ObWsmanRequest *self);
const char       *ob_wsman_request_get_action       (ObWsmanRequest *self);
const char       *ob_wsman_request_get_resource_uri (ObWsmanRequest *self);
/* Last segment of the resource URI, e.g. "AMT_GeneralSettings". */
const char       *ob_wsman_request_get_class_name   (ObWsmanRequest *self);
/* For a custom method (action = "<resource URI>/<Method>") the method name,
 * else NULL. */
const char       *ob_wsman_request_get_method       (ObWsmanRequest *self);
const char       *ob_wsman_request_get_message_id   (ObWsmanRequest *self);
const char       *ob_wsman_request_get_to           (ObWsmanRequest *self);
/* Header SelectorSet (never NULL; may be empty); EPR-valued selectors
 * (a:EndpointReference) come back as references. */
ObWsmanSelectors *ob_wsman_request_get_selectors    (ObWsmanRequest *self);
/* Body converted like a response body (object, borrowed). */
JsonNode         *ob_wsman_request_get_body_json    (ObWsmanRequest *self);
/* Pull: EnumerationContext and MaxElements of the body (NULL / 0). */
const char       *ob_wsman_request_get_enumeration_context (ObWsmanRequest *self);
guint             ob_wsman_request_get_max_elements (ObWsmanRequest *self);
/* The method input arguments / Put body instance, preserving order and
 * EPRs: each child of the body's first element, as a reference when it
 * holds ReferenceParameters, else as its text content (nested elements such
 * as an embedded instance: use the body JSON).  Never NULL. */
ObWsmanSelectors *ob_wsman_request_get_arguments    (ObWsmanRequest *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObWsmanRequest, ob_wsman_request_unref)

G_END_DECLS
