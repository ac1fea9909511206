/* test-wsman-response.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-wsman-error.h"
#include "ob-wsman-response.h"
#include "ob-xml.h"

#define SOAP_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" \
  "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"" \
  " xmlns:b=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"" \
  " xmlns:c=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"" \
  " xmlns:g=\"http://intel.com/wbem/wscim/1/amt-schema/1/AMT_Test\">"
#define SOAP_HEADER "<a:Header><b:RelatesTo>9</b:RelatesTo>" \
  "<b:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse</b:Action></a:Header>"
#define SOAP_CLOSE "</a:Envelope>"

static char *
load_corpus (const char *name,
             gsize      *len)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", "wsman-response", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, len, &error);
  g_assert_no_error (error);

  return contents;
}

static ObWsmanResponse *
parse_ok (const char *xml)
{
  g_autoptr(GError) error = NULL;
  ObWsmanResponse *response = ob_wsman_response_new (xml, strlen (xml), &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);

  return response;
}

static void
assert_fails (const char *data,
              gsize       len,
              gint        code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = ob_wsman_response_new (data, len, &error);

  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, code);
}

static char *
to_json (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

/* Realistic replies */

static void
test_get_general_settings (void)
{
  gsize len;
  g_autofree char *xml = load_corpus ("get-general-settings.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = ob_wsman_response_new (xml, len, &error);
  JsonObject *settings;
  g_autoptr(JsonNode) envelope = NULL;
  JsonObject *header;

  g_assert_no_error (error);
  g_assert_cmpstr (ob_wsman_response_get_action (response), ==,
                   "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse");
  g_assert_cmpstr (ob_wsman_response_get_relates_to (response), ==, "0");
  g_assert_cmpstr (ob_wsman_response_get_message_id (response), ==,
                   "uuid:00000000-8086-8086-8086-000000000061");
  g_assert_cmpstr (ob_wsman_response_get_resource_uri (response), ==,
                   "http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings");

  settings = ob_wsman_response_get_class_json (response, "AMT_GeneralSettings");
  g_assert_nonnull (settings);
  g_assert_null (ob_wsman_response_get_class_json (response, "AMT_Other"));
  g_assert_cmpint (json_object_get_int_member (settings, "AMTNetworkEnabled"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (settings, "DDNSTTL"), ==, 900);
  g_assert_true (json_object_get_boolean_member (settings, "DDNSUpdateByDHCPServerEnabled"));
  g_assert_false (json_object_get_boolean_member (settings, "WsmanOnlyMode"));
  g_assert_cmpstr (json_object_get_string_member (settings, "DigestRealm"), ==,
                   "Digest:A3829B3827DE4D33D4449B366831B8D5");
  g_assert_cmpstr (json_object_get_string_member (settings, "HostName"), ==, "DESKTOP-9CC12U7");
  /* Members keep document order. */
  {
    g_autoptr(GList) names = json_object_get_members (settings);

    g_assert_cmpstr (names->data, ==, "AMTNetworkEnabled");
    g_assert_cmpstr (g_list_last (names)->data, ==, "WsmanOnlyMode");
    g_assert_cmpuint (g_list_length (names), ==, 23);
  }

  /* {"Header":…,"Body":…} as the REST routes return it; RelatesTo is a
   * number there, as in the reference. */
  envelope = ob_wsman_response_dup_envelope_json (response);
  header = json_object_get_object_member (json_node_get_object (envelope), "Header");
  g_assert_cmpint (json_object_get_int_member (header, "RelatesTo"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (header, "To"), ==,
                   "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous");
  g_assert_true (json_object_has_member (json_object_get_object_member (json_node_get_object (envelope), "Body"),
                                         "AMT_GeneralSettings"));
}

static void
test_enumerate_and_pull (void)
{
  gsize len;
  g_autofree char *enum_xml = load_corpus ("enumerate-software-identity.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) enumerated = ob_wsman_response_new (enum_xml, len, &error);
  g_autofree char *pull_xml = NULL;
  g_autoptr(ObWsmanResponse) pulled = NULL;
  GPtrArray *items;
  GPtrArray *classes;
  JsonObject *first;
  JsonObject *body;
  JsonNode *list;

  g_assert_no_error (error);
  g_assert_cmpstr (ob_wsman_response_get_enumeration_context (enumerated), ==,
                   "92340000-0000-0000-0000-000000000000");
  g_assert_false (ob_wsman_response_get_end_of_sequence (enumerated));
  g_assert_cmpuint (ob_wsman_response_get_items (enumerated)->len, ==, 0);

  pull_xml = load_corpus ("pull-software-identity.xml", &len);
  pulled = ob_wsman_response_new (pull_xml, len, &error);
  g_assert_no_error (error);
  g_assert_true (ob_wsman_response_get_end_of_sequence (pulled));
  g_assert_null (ob_wsman_response_get_enumeration_context (pulled));

  items = ob_wsman_response_get_items (pulled);
  classes = ob_wsman_response_get_item_classes (pulled);
  g_assert_cmpuint (items->len, ==, 6);
  g_assert_cmpuint (classes->len, ==, 6);
  for (guint i = 0; i < classes->len; i++)
    g_assert_cmpstr (g_ptr_array_index (classes, i), ==, "CIM_SoftwareIdentity");

  first = json_node_get_object (g_ptr_array_index (items, 0));
  g_assert_cmpstr (json_object_get_string_member (first, "InstanceID"), ==, "AMTApps");
  g_assert_true (json_object_get_boolean_member (first, "IsEntity"));
  g_assert_cmpstr (json_object_get_string_member (first, "VersionString"), ==, "16.1.25");
  /* "2204" and "8086" become numbers, as parseNumbers makes them. */
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (g_ptr_array_index (items, 2)),
                                               "VersionString"), ==, 2204);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (g_ptr_array_index (items, 5)),
                                                  "IsEntity"));

  /* The body JSON has the reference's shape: repeated siblings -> array,
   * empty EndOfSequence -> "". */
  body = json_node_get_object (ob_wsman_response_get_body_json (pulled));
  list = json_object_get_member (json_object_get_object_member (json_object_get_object_member (body, "PullResponse"),
                                                                "Items"),
                                 "CIM_SoftwareIdentity");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (list));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (body, "PullResponse"),
                                                  "EndOfSequence"), ==, "");
}

static void
test_pull_with_references (void)
{
  gsize len;
  g_autofree char *xml = load_corpus ("pull-power-state.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = ob_wsman_response_new (xml, len, &error);
  JsonObject *item;
  JsonArray *states;
  JsonObject *user;
  JsonNode *selector;

  g_assert_no_error (error);
  g_assert_cmpuint (ob_wsman_response_get_items (response)->len, ==, 1);
  item = json_node_get_object (g_ptr_array_index (ob_wsman_response_get_items (response), 0));
  g_assert_cmpint (json_object_get_int_member (item, "PowerState"), ==, 2);
  states = json_object_get_array_member (item, "AvailableRequestedPowerStates");
  g_assert_cmpuint (json_array_get_length (states), ==, 3);
  g_assert_cmpint (json_array_get_int_element (states, 2), ==, 10);

  /* An EPR: attributes dropped, the selectors become an array of text. */
  user = json_object_get_object_member (item, "UserOfService");
  g_assert_cmpstr (json_object_get_string_member (user, "Address"), ==,
                   "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous");
  selector = json_object_get_member (json_object_get_object_member (json_object_get_object_member (user, "ReferenceParameters"),
                                                                    "SelectorSet"),
                                     "Selector");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (selector));
  g_assert_cmpstr (json_array_get_string_element (json_node_get_array (selector), 1), ==, "ManagedSystem");
}

static void
test_method_output (void)
{
  gsize len;
  g_autofree char *xml = load_corpus ("method-output-power.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = ob_wsman_response_new (xml, len, &error);
  gint64 value = -1;

  g_assert_no_error (error);
  g_assert_true (ob_wsman_response_get_return_value (response, "RequestPowerStateChange", &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, 0);

  value = -1;
  g_assert_true (ob_wsman_response_get_return_value (response, NULL, &value, &error));
  g_assert_cmpint (value, ==, 0);

  g_assert_false (ob_wsman_response_get_return_value (response, "SetBootConfigRole", &value, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE);
}

static void
test_return_value_problems (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) text_value = parse_ok (SOAP_OPEN SOAP_HEADER
                                                    "<a:Body><g:X_OUTPUT><g:ReturnValue>none</g:ReturnValue></g:X_OUTPUT></a:Body>"
                                                    SOAP_CLOSE);
  g_autoptr(ObWsmanResponse) no_value = parse_ok (SOAP_OPEN SOAP_HEADER
                                                  "<a:Body><g:X_OUTPUT><g:Other>1</g:Other></g:X_OUTPUT></a:Body>"
                                                  SOAP_CLOSE);
  g_autoptr(ObWsmanResponse) big = parse_ok (SOAP_OPEN SOAP_HEADER
                                             "<a:Body><g:X_OUTPUT><g:ReturnValue>4096</g:ReturnValue></g:X_OUTPUT></a:Body>"
                                             SOAP_CLOSE);
  gint64 value = 0;

  g_assert_false (ob_wsman_response_get_return_value (text_value, "X", &value, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE);
  g_clear_error (&error);
  g_assert_false (ob_wsman_response_get_return_value (no_value, NULL, &value, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE);
  g_clear_error (&error);
  g_assert_true (ob_wsman_response_get_return_value (big, "X", &value, &error));
  g_assert_cmpint (value, ==, 4096);
}

/* Faults */

static void
test_fault (void)
{
  gsize len;
  g_autofree char *xml = load_corpus ("fault-destination-unreachable.xml", &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = ob_wsman_response_new (xml, len, &error);
  g_autofree char *subcode = NULL;

  g_assert_null (response);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
  g_assert_cmpstr (error->message, ==,
                   "DestinationUnreachable: No route can be determined to reach the destination role "
                   "defined by the WS-Addressing To. "
                   "(http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidResourceURI)");
  subcode = ob_wsman_error_dup_fault_subcode (error);
  g_assert_cmpstr (subcode, ==, "DestinationUnreachable");
}

static void
test_fault_variants (void)
{
  g_autoptr(GError) error = NULL;
  const char *no_subcode = SOAP_OPEN SOAP_HEADER
    "<a:Body><a:Fault><a:Code><a:Value>a:Receiver</a:Value></a:Code>"
    "<a:Reason><a:Text>Internal error</a:Text></a:Reason></a:Fault></a:Body>" SOAP_CLOSE;
  const char *bare = SOAP_OPEN "<a:Body><a:Fault></a:Fault></a:Body>" SOAP_CLOSE;
  const char *unprefixed = SOAP_OPEN "<a:Body><a:Fault><a:Code><a:Value>Sender</a:Value>"
    "<a:Subcode><a:Value>AlreadyExists</a:Value></a:Subcode></a:Code>"
    "<a:Reason><a:Text>exists</a:Text></a:Reason><a:Detail></a:Detail></a:Fault></a:Body>" SOAP_CLOSE;
  g_autofree char *subcode = NULL;
  g_autoptr(GError) other = g_error_new_literal (OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED, "x: y");

  assert_fails (no_subcode, strlen (no_subcode), OB_WSMAN_ERROR_FAULT);
  g_assert_null (ob_wsman_response_new (no_subcode, strlen (no_subcode), &error));
  g_assert_cmpstr (error->message, ==, "Receiver: Internal error");
  subcode = ob_wsman_error_dup_fault_subcode (error);
  g_assert_cmpstr (subcode, ==, "Receiver");
  g_clear_error (&error);
  g_clear_pointer (&subcode, g_free);

  g_assert_null (ob_wsman_response_new (bare, strlen (bare), &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
  g_assert_cmpstr (error->message, ==, "Fault: SOAP fault");
  g_clear_error (&error);

  g_assert_null (ob_wsman_response_new (unprefixed, strlen (unprefixed), &error));
  g_assert_cmpstr (error->message, ==, "AlreadyExists: exists");
  g_clear_error (&error);

  g_assert_null (ob_wsman_error_dup_fault_subcode (other));
  g_assert_null (ob_wsman_error_dup_fault_subcode (NULL));
}

static void
test_fault_huge_detail (void)
{
  g_autoptr(GString) xml = g_string_new (SOAP_OPEN "<a:Body><a:Fault><a:Code><a:Value>a:Sender</a:Value></a:Code>"
                                         "<a:Reason><a:Text>r</a:Text></a:Reason><a:Detail>");
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 100000; i++)
    g_string_append (xml, "x");
  g_string_append (xml, "</a:Detail></a:Fault></a:Body>" SOAP_CLOSE);

  g_assert_null (ob_wsman_response_new (xml->str, xml->len, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
  /* Quoted detail is clipped so an error message stays a message. */
  g_assert_cmpuint (strlen (error->message), <, 1100);
}

/* Structure problems */

static void
test_empty_and_missing_body (void)
{
  g_autoptr(ObWsmanResponse) empty = parse_ok (SOAP_OPEN SOAP_HEADER "<a:Body></a:Body>" SOAP_CLOSE);
  g_autoptr(ObWsmanResponse) self_closing = parse_ok (SOAP_OPEN SOAP_HEADER "<a:Body/>" SOAP_CLOSE);
  g_autoptr(ObWsmanResponse) no_header = parse_ok (SOAP_OPEN "<a:Body><g:AMT_Test><g:A>1</g:A></g:AMT_Test></a:Body>" SOAP_CLOSE);
  const char *missing = SOAP_OPEN SOAP_HEADER SOAP_CLOSE;
  g_autoptr(GError) error = NULL;
  gint64 value;

  /* An empty Body (a Delete reply) is "" in the reference's JSON. */
  g_assert_true (JSON_NODE_HOLDS_VALUE (ob_wsman_response_get_body_json (empty)));
  g_assert_cmpstr (json_node_get_string (ob_wsman_response_get_body_json (empty)), ==, "");
  g_assert_null (ob_wsman_response_get_class_json (empty, "AMT_Test"));
  g_assert_false (ob_wsman_response_get_return_value (empty, NULL, &value, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE);
  g_assert_cmpstr (ob_wsman_response_get_relates_to (empty), ==, "9");
  g_assert_cmpstr (json_node_get_string (ob_wsman_response_get_body_json (self_closing)), ==, "");

  g_assert_null (ob_wsman_response_get_action (no_header));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (ob_wsman_response_get_header_json (no_header)));
  g_assert_nonnull (ob_wsman_response_get_class_json (no_header, "AMT_Test"));

  assert_fails (missing, strlen (missing), OB_WSMAN_ERROR_MALFORMED);
}

static void
test_wrong_namespaces (void)
{
  const char *cases[] = {
    /* SOAP 1.1 */
    "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body/></s:Envelope>",
    /* no namespace at all */
    "<Envelope><Header/><Body/></Envelope>",
    /* right root, Body in another namespace */
    "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:x=\"urn:x\"><x:Body/></a:Envelope>",
    /* not an envelope */
    "<a:Body xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"/>",
    "<html><body>Log on failed</body></html>",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_fails (cases[i], strlen (cases[i]), OB_WSMAN_ERROR_MALFORMED);
}

static void
test_truncated_everywhere (void)
{
  const char *names[] = { "get-general-settings.xml", "pull-software-identity.xml",
                          "fault-destination-unreachable.xml", "method-output-power.xml" };

  for (gsize n = 0; n < G_N_ELEMENTS (names); n++)
    {
      gsize len;
      g_autofree char *xml = load_corpus (names[n], &len);

      /* Every strict prefix lacks the root's end tag. */
      for (gsize cut = 0; cut < len; cut++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *copy = g_memdup2 (xml, cut);
          g_autoptr(ObWsmanResponse) response = ob_wsman_response_new (copy != NULL ? copy : "", cut, &error);

          g_assert_null (response);
          g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
        }
    }
}

static char *
nested (guint depth)
{
  GString *xml = g_string_new (SOAP_OPEN "<a:Body>");

  /* Envelope and Body are two levels already. */
  for (guint i = 2; i < depth; i++)
    g_string_append (xml, "<g:n>");
  g_string_append (xml, "x");
  for (guint i = 2; i < depth; i++)
    g_string_append (xml, "</g:n>");
  g_string_append (xml, "</a:Body>" SOAP_CLOSE);

  return g_string_free (xml, FALSE);
}

static void
test_deep_nesting (void)
{
  g_autofree char *at_limit = nested (OB_XML_MAX_DEPTH);
  g_autofree char *over = nested (OB_XML_MAX_DEPTH + 1);
  g_autofree char *huge = nested (10000);
  g_autoptr(ObWsmanResponse) ok = parse_ok (at_limit);
  gint64 start;

  g_assert_nonnull (ok);
  assert_fails (over, strlen (over), OB_WSMAN_ERROR_TOO_LARGE);

  start = g_get_monotonic_time ();
  assert_fails (huge, strlen (huge), OB_WSMAN_ERROR_TOO_LARGE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

  /* 10,000 unclosed levels: stopped at the limit as well. */
  {
    GString *open_only = g_string_new (SOAP_OPEN "<a:Body>");

    for (int i = 0; i < 10000; i++)
      g_string_append (open_only, "<n>");
    assert_fails (open_only->str, open_only->len, OB_WSMAN_ERROR_TOO_LARGE);
    g_string_free (open_only, TRUE);
  }
}

static void
test_entity_bomb (void)
{
  const char *bomb =
    "<?xml version=\"1.0\"?>"
    "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
    "]>"
    "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"><a:Body><x>&lol9;</x></a:Body></a:Envelope>";
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_null (ob_xml_parse_safe (bomb, strlen (bomb), &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "DOCTYPE"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  assert_fails (bomb, strlen (bomb), OB_WSMAN_ERROR_MALFORMED);
}

static void
test_external_entities (void)
{
  const char *cases[] = {
    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
    "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"><a:Body><x>&xxe;</x></a:Body></a:Envelope>",
    "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"file:///etc/passwd\">"
    "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"><a:Body/></a:Envelope>",
    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
    "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"><a:Body/></a:Envelope>",
    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY net SYSTEM \"http://127.0.0.1:1/x\">]>"
    "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"><a:Body><x>&net;</x></a:Body></a:Envelope>",
  };
  /* Without a DOCTYPE an entity reference is simply undefined. */
  const char *undeclared =
    "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"><a:Body><x>&xxe;</x></a:Body></a:Envelope>";
  /* XInclude is never processed: the element stays an element. */
  const char *xinclude =
    "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
    "<a:Body><r><xi:include href=\"file:///etc/passwd\" parse=\"text\"/></r></a:Body></a:Envelope>";

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObWsmanResponse) response = ob_wsman_response_new (cases[i], strlen (cases[i]), &error);

      g_assert_null (response);
      g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
      g_assert_null (strstr (error->message, "root:"));
    }

  assert_fails (undeclared, strlen (undeclared), OB_WSMAN_ERROR_MALFORMED);

  {
    g_autoptr(ObWsmanResponse) response = parse_ok (xinclude);
    g_autofree char *json = to_json (ob_wsman_response_get_body_json (response));

    g_assert_null (strstr (json, "root:"));
    g_assert_cmpstr (json, ==, "{\"r\":{\"include\":\"\"}}");
  }
}

static void
test_size_limits (void)
{
  g_autoptr(GString) big_text = g_string_new (SOAP_OPEN "<a:Body><g:t>");
  g_autoptr(GString) fits = g_string_new (SOAP_OPEN "<a:Body><g:t>");
  g_autofree char *too_big = NULL;
  g_autoptr(GError) error = NULL;

  g_string_set_size (big_text, big_text->len + OB_XML_MAX_TEXT + 1);
  memset (big_text->str + strlen (SOAP_OPEN "<a:Body><g:t>"), 'A', OB_XML_MAX_TEXT + 1);
  g_string_append (big_text, "</g:t></a:Body>" SOAP_CLOSE);
  assert_fails (big_text->str, big_text->len, OB_WSMAN_ERROR_TOO_LARGE);

  g_string_set_size (fits, fits->len + 1024 * 1024);
  memset (fits->str + strlen (SOAP_OPEN "<a:Body><g:t>"), 'B', 1024 * 1024);
  g_string_append (fits, "</g:t></a:Body>" SOAP_CLOSE);
  {
    g_autoptr(ObWsmanResponse) response = ob_wsman_response_new (fits->str, fits->len, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (strlen (json_object_get_string_member (json_node_get_object (ob_wsman_response_get_body_json (response)), "t")),
                      ==, 1024 * 1024);
  }

  /* The size check comes before any parsing. */
  too_big = g_malloc0 (OB_XML_MAX_SIZE + 1);
  memset (too_big, ' ', OB_XML_MAX_SIZE + 1);
  assert_fails (too_big, OB_XML_MAX_SIZE + 1, OB_WSMAN_ERROR_TOO_LARGE);

  assert_fails ("", 0, OB_WSMAN_ERROR_MALFORMED);
}

static void
test_encodings (void)
{
  const char bad_utf8[] = SOAP_OPEN "<a:Body><g:t>caf\xc3</g:t></a:Body>" SOAP_CLOSE;
  const char overlong[] = SOAP_OPEN "<a:Body><g:t>\xc0\xaf</g:t></a:Body>" SOAP_CLOSE;
  const char with_nul[] = SOAP_OPEN "<a:Body><g:t>a\0b</g:t></a:Body>" SOAP_CLOSE;
  const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
    "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"><a:Body><t>caf\xe9</t></a:Body></a:Envelope>";
  g_autoptr(ObWsmanResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  assert_fails (bad_utf8, sizeof bad_utf8 - 1, OB_WSMAN_ERROR_MALFORMED);
  assert_fails (overlong, sizeof overlong - 1, OB_WSMAN_ERROR_MALFORMED);
  assert_fails (with_nul, sizeof with_nul - 1, OB_WSMAN_ERROR_MALFORMED);

  /* A declared encoding is honoured and converted to UTF-8. */
  response = ob_wsman_response_new (latin1, sizeof latin1 - 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (ob_wsman_response_get_body_json (response)), "t"),
                   ==, "caf\xc3\xa9");
}

/* The reference's value conversion */

static void
test_value_conversion (void)
{
  struct { const char *name; const char *text; const char *json; } cases[] = {
    { "A", "5", "5" },
    { "A", "-3", "-3" },
    { "A", "+7", "7" },
    { "A", "007", "7" },
    { "A", " 12 ", "12" },
    { "A", "1.5", "1.5" },
    { "A", "1e3", "1" },              /* parseInt("1e3") */
    { "A", "1.0", "1" },
    { "A", "0x10", "0" },             /* parseInt("0x10", 10) */
    { "A", ".5e1", "null" },          /* parseInt(".5e1") is NaN */
    { "A", "Infinity", "\"Infinity\"" },
    { "A", "1.2.3", "\"1.2.3\"" },
    { "A", "12abc", "\"12abc\"" },
    { "A", "true", "true" },
    { "A", "FALSE", "false" },
    { "A", "yes", "\"yes\"" },
    { "A", "", "\"\"" },
    { "A", "   ", "\"   \"" },
    { "A", "9223372036854775807", "9223372036854775807" },
    { "ElementName", "01", "\"01\"" },
    { "InstanceID", "007", "\"007\"" },
    { "InstanceID", "0", "0" },
    { "InstanceID", "42", "42" },
    { "A", "a&amp;b&lt;c", "\"a&b<c\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = g_strdup_printf (SOAP_OPEN "<a:Body><g:%s>%s</g:%s></a:Body>" SOAP_CLOSE,
                                              cases[i].name, cases[i].text, cases[i].name);
      g_autoptr(ObWsmanResponse) response = parse_ok (xml);
      JsonNode *value = json_object_get_member (json_node_get_object (ob_wsman_response_get_body_json (response)),
                                                cases[i].name);
      g_autofree char *json = to_json (value);

      g_test_message ("%s = %s", cases[i].name, cases[i].text);
      g_assert_cmpstr (json, ==, cases[i].json);
    }

  /* Beyond 64 bits the value is a double, as in JavaScript. */
  {
    g_autoptr(ObWsmanResponse) response = parse_ok (SOAP_OPEN "<a:Body><g:A>99999999999999999999</g:A></a:Body>" SOAP_CLOSE);
    JsonNode *value = json_object_get_member (json_node_get_object (ob_wsman_response_get_body_json (response)), "A");

    g_assert_cmpint (json_node_get_value_type (value), ==, G_TYPE_DOUBLE);
    g_assert_cmpfloat (json_node_get_double (value), ==, 1e20);
  }
}

static void
test_structure_conversion (void)
{
  g_autoptr(ObWsmanResponse) response =
    parse_ok (SOAP_OPEN "<a:Body><g:C><g:r>1</g:r><g:s xsi:nil=\"true\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>"
              "<g:r>2</g:r><g:m>text<g:k>3</g:k></g:m><g:r>x</g:r><![CDATA[ignored]]></g:C></a:Body>" SOAP_CLOSE);
  g_autofree char *json = to_json (ob_wsman_response_get_body_json (response));

  /* Repeated siblings collect into an array at the first one's place, an
   * xsi:nil element is "" (attributes dropped), mixed text goes to "_". */
  g_assert_cmpstr (json, ==, "{\"C\":{\"r\":[1,2,\"x\"],\"s\":\"\",\"m\":{\"k\":3,\"_\":\"text\"},\"_\":\"ignored\"}}");
}

/* Text split into several nodes (by a comment or a CDATA section) is one
 * value, as xml2js joins the pieces before it converts them. */
static void
test_split_text (void)
{
  g_autoptr(ObWsmanResponse) response =
    parse_ok (SOAP_OPEN "<a:Body><g:C><g:n>1<!-- a -->2<![CDATA[3]]></g:n><g:t>ab<!-- b -->c</g:t>"
              "<g:m> x <g:k>3</g:k>y<!-- c -->z </g:m><g:w> <!-- d --> </g:w></g:C></a:Body>" SOAP_CLOSE);
  g_autofree char *json = to_json (ob_wsman_response_get_body_json (response));

  g_assert_cmpstr (json, ==, "{\"C\":{\"n\":123,\"t\":\"abc\",\"m\":{\"k\":3,\"_\":\" x yz \"},\"w\":\"  \"}}");
}

typedef struct
{
  ObWsmanResponse *response;
  GMutex           mutex;
  GCond            cond;
  gboolean         go;
} ViewRace;

static gpointer
read_views (gpointer data)
{
  ViewRace *race = data;
  JsonNode **views = g_new (JsonNode *, 2);

  g_mutex_lock (&race->mutex);
  while (!race->go)
    g_cond_wait (&race->cond, &race->mutex);
  g_mutex_unlock (&race->mutex);

  views[0] = ob_wsman_response_get_body_json (race->response);
  views[1] = ob_wsman_response_get_header_json (race->response);

  return views;
}

/* The JSON views are made on first use: the same node every time, from
 * any number of threads at once, and the same content as the items. */
static void
test_views_on_first_use (void)
{
  gsize len;
  g_autofree char *xml = load_corpus ("pull-power-state.xml", &len);
  g_autoptr(GError) error = NULL;
  ViewRace race = { NULL, };
  GThread *threads[8];
  JsonNode *body = NULL;
  JsonNode *header = NULL;
  JsonNode *item;
  JsonObject *items;

  race.response = ob_wsman_response_new (xml, len, &error);
  g_assert_no_error (error);
  g_mutex_init (&race.mutex);
  g_cond_init (&race.cond);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("views", read_views, &race);
  g_mutex_lock (&race.mutex);
  race.go = TRUE;
  g_cond_broadcast (&race.cond);
  g_mutex_unlock (&race.mutex);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autofree JsonNode **views = g_thread_join (threads[i]);

      g_assert_nonnull (views[0]);
      g_assert_nonnull (views[1]);
      if (body == NULL)
        {
          body = views[0];
          header = views[1];
        }
      g_assert_true (views[0] == body);
      g_assert_true (views[1] == header);
    }
  g_assert_true (ob_wsman_response_get_body_json (race.response) == body);
  g_assert_true (ob_wsman_response_get_header_json (race.response) == header);

  g_assert_cmpint (json_object_get_int_member (json_node_get_object (header), "RelatesTo"), ==, 5);
  items = json_object_get_object_member (json_object_get_object_member (json_node_get_object (body), "PullResponse"),
                                         "Items");
  item = json_object_get_member (items, "CIM_AssociatedPowerManagementService");
  g_assert_cmpuint (ob_wsman_response_get_items (race.response)->len, ==, 1);
  g_assert_true (json_node_equal (item, g_ptr_array_index (ob_wsman_response_get_items (race.response), 0)));

  g_mutex_clear (&race.mutex);
  g_cond_clear (&race.cond);
  ob_wsman_response_unref (race.response);
}

static void
test_bytes_constructor (void)
{
  gsize len;
  g_autofree char *xml = load_corpus ("method-output-power.xml", &len);
  g_autoptr(GBytes) bytes = g_bytes_new (xml, len);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = ob_wsman_response_new_from_bytes (bytes, &error);
  g_autoptr(ObWsmanResponse) nothing = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (ob_wsman_response_get_relates_to (response), ==, "4");
  g_assert_true (ob_wsman_response_ref (response) == response);
  ob_wsman_response_unref (response);

  nothing = ob_wsman_response_new_from_bytes (empty, &error);
  g_assert_null (nothing);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
}

static void
test_random_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260301);

  for (int round = 0; round < 2000; round++)
    {
      gsize len = g_rand_int_range (rand, 0, 512);
      g_autofree guint8 *data = g_malloc (len + 1);
      g_autoptr(GError) error = NULL;
      g_autoptr(ObWsmanResponse) response = NULL;

      for (gsize i = 0; i < len; i++)
        data[i] = (guint8) g_rand_int_range (rand, 0, 256);
      response = ob_wsman_response_new ((const char *) data, len, &error);
      g_assert_null (response);
      g_assert_nonnull (error);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wsman-response/get-general-settings", test_get_general_settings);
  g_test_add_func ("/wsman-response/enumerate-and-pull", test_enumerate_and_pull);
  g_test_add_func ("/wsman-response/pull-with-references", test_pull_with_references);
  g_test_add_func ("/wsman-response/method-output", test_method_output);
  g_test_add_func ("/wsman-response/return-value-problems", test_return_value_problems);
  g_test_add_func ("/wsman-response/fault", test_fault);
  g_test_add_func ("/wsman-response/fault-variants", test_fault_variants);
  g_test_add_func ("/wsman-response/fault-huge-detail", test_fault_huge_detail);
  g_test_add_func ("/wsman-response/empty-and-missing-body", test_empty_and_missing_body);
  g_test_add_func ("/wsman-response/wrong-namespaces", test_wrong_namespaces);
  g_test_add_func ("/wsman-response/truncated-everywhere", test_truncated_everywhere);
  g_test_add_func ("/wsman-response/deep-nesting", test_deep_nesting);
  g_test_add_func ("/wsman-response/entity-bomb", test_entity_bomb);
  g_test_add_func ("/wsman-response/external-entities", test_external_entities);
  g_test_add_func ("/wsman-response/size-limits", test_size_limits);
  g_test_add_func ("/wsman-response/encodings", test_encodings);
  g_test_add_func ("/wsman-response/value-conversion", test_value_conversion);
  g_test_add_func ("/wsman-response/structure-conversion", test_structure_conversion);
  g_test_add_func ("/wsman-response/split-text", test_split_text);
  g_test_add_func ("/wsman-response/views-on-first-use", test_views_on_first_use);
  g_test_add_func ("/wsman-response/bytes-constructor", test_bytes_constructor);
  g_test_add_func ("/wsman-response/random-garbage", test_random_garbage);

  return g_test_run ();
}
