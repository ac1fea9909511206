/* test-wsman-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "ob-wsman-error.h"
#include "ob-wsman-message.h"
#include "ob-wsman-response.h"
#include "ob-xml.h"

/* The fixed parts of a request, as Open AMT's wsman-messages writes them. */
#define ENVELOPE_OPEN "<?xml version=\"1.0\" encoding=\"utf-8\"?><Envelope " \
  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" " \
  "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" " \
  "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" " \
  "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" " \
  "xmlns=\"http://www.w3.org/2003/05/soap-envelope\">"
#define REPLY_TO "<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous" \
  "</a:Address></a:ReplyTo><w:OperationTimeout>PT60S</w:OperationTimeout>"
#define AMT "http://intel.com/wbem/wscim/1/amt-schema/1/"
#define CIM "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
#define IPS "http://intel.com/wbem/wscim/1/ips-schema/1/"

static void
test_resource_uris (void)
{
  struct { const char *in; const char *out; } cases[] = {
    { "AMT_GeneralSettings", AMT "AMT_GeneralSettings" },
    { "CIM_SoftwareIdentity", CIM "CIM_SoftwareIdentity" },
    { "IPS_OptInService", IPS "IPS_OptInService" },
    { CIM "CIM_Chip", CIM "CIM_Chip" },
    { "XYZ_Thing", NULL },
    { "AMT_", NULL },
    { "amt_GeneralSettings", NULL },
    { "AMT_Bad Name", NULL },
    { "AMT_<x>", NULL },
    { "", NULL },
    { NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *uri = ob_wsman_resource_uri_for_class (cases[i].in);

      g_assert_cmpstr (uri, ==, cases[i].out);
    }

  {
    g_autofree char *name = ob_wsman_class_for_resource_uri (AMT "AMT_BootSettingData");
    g_autofree char *none = ob_wsman_class_for_resource_uri ("http://x/");
    g_autofree char *action = ob_wsman_method_action ("CIM_PowerManagementService", "RequestPowerStateChange");
    g_autofree char *bad = ob_wsman_method_action ("CIM_PowerManagementService", "Bad Method");

    g_assert_cmpstr (name, ==, "AMT_BootSettingData");
    g_assert_null (none);
    g_assert_cmpstr (action, ==, CIM "CIM_PowerManagementService/RequestPowerStateChange");
    g_assert_null (bad);
  }
}

static void
test_get_envelope (void)
{
  g_autofree char *uri = ob_wsman_resource_uri_for_class ("AMT_GeneralSettings");
  g_autofree char *xml = ob_wsman_build_request (OB_WSMAN_ACTION_GET, uri, 0, NULL, NULL);

  g_assert_cmpstr (xml, ==,
                   ENVELOPE_OPEN "<Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action>"
                   "<a:To>/wsman</a:To><w:ResourceURI>" AMT "AMT_GeneralSettings</w:ResourceURI>"
                   "<a:MessageID>0</a:MessageID>" REPLY_TO "</Header><Body></Body></Envelope>");
}

static void
test_selectors_in_header (void)
{
  g_autoptr(ObWsmanSelectors) selectors = ob_wsman_selectors_new_with ("InstanceID", "Intel(r) AMT:IDER & <SOL>", NULL);
  g_autoptr(ObWsmanSelectors) system = ob_wsman_selectors_new_with ("CreationClassName", "CIM_ComputerSystem",
                                                                    "Name", "ManagedSystem", NULL);
  g_autofree char *xml = NULL;
  g_autofree char *epr_xml = NULL;

  xml = ob_wsman_build_request (OB_WSMAN_ACTION_DELETE, IPS "IPS_AlarmClockOccurrence", 12, selectors, NULL);
  g_assert_cmpstr (xml, ==,
                   ENVELOPE_OPEN "<Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete</a:Action>"
                   "<a:To>/wsman</a:To><w:ResourceURI>" IPS "IPS_AlarmClockOccurrence</w:ResourceURI>"
                   "<a:MessageID>12</a:MessageID>" REPLY_TO
                   "<w:SelectorSet><w:Selector Name=\"InstanceID\">Intel(r) AMT:IDER &amp; &lt;SOL&gt;</w:Selector>"
                   "</w:SelectorSet></Header><Body></Body></Envelope>");

  /* An EPR-valued selector is wrapped in a:EndpointReference. */
  g_assert_cmpstr (ob_wsman_selectors_lookup (selectors, "InstanceID"), ==, "Intel(r) AMT:IDER & <SOL>");
  ob_wsman_selectors_add_reference (selectors, "Antecedent", NULL, CIM "CIM_ComputerSystem", system);
  epr_xml = ob_wsman_build_request (OB_WSMAN_ACTION_GET, CIM "CIM_Dependency", 1, selectors, NULL);
  g_assert_nonnull (strstr (epr_xml,
                            "<w:Selector Name=\"Antecedent\"><a:EndpointReference>"
                            "<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address>"
                            "<a:ReferenceParameters><w:ResourceURI>" CIM "CIM_ComputerSystem</w:ResourceURI>"
                            "<w:SelectorSet><w:Selector Name=\"CreationClassName\">CIM_ComputerSystem</w:Selector>"
                            "<w:Selector Name=\"Name\">ManagedSystem</w:Selector></w:SelectorSet>"
                            "</a:ReferenceParameters></a:EndpointReference></w:Selector>"));
  g_assert_cmpuint (ob_wsman_selectors_get_length (selectors), ==, 2);
  g_assert_null (ob_wsman_selectors_get_value (selectors, 1));
  g_assert_false (ob_wsman_selectors_get_reference (selectors, 0, NULL, NULL, NULL));
}

static void
test_enumerate_and_pull (void)
{
  g_autofree char *enumerate = ob_wsman_body_enumerate ();
  g_autofree char *pull = ob_wsman_body_pull ("AC070000-0000-0000-0000-000000000000", 0);
  g_autofree char *pull_few = ob_wsman_body_pull ("c<tx>", 5);
  g_autofree char *xml = ob_wsman_build_request (OB_WSMAN_ACTION_ENUMERATE, CIM "CIM_SoftwareIdentity", 3, NULL, enumerate);

  g_assert_cmpstr (enumerate, ==, "<Enumerate xmlns=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\" />");
  g_assert_cmpstr (pull, ==,
                   "<Pull xmlns=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\">"
                   "<EnumerationContext>AC070000-0000-0000-0000-000000000000</EnumerationContext>"
                   "<MaxElements>999</MaxElements><MaxCharacters>99999</MaxCharacters></Pull>");
  g_assert_nonnull (strstr (pull_few, "<EnumerationContext>c&lt;tx&gt;</EnumerationContext><MaxElements>5</MaxElements>"));
  g_assert_true (g_str_has_suffix (xml, "<Body><Enumerate xmlns=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\" />"
                                        "</Body></Envelope>"));
}

static void
test_method_input (void)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autoptr(ObWsmanSelectors) system = ob_wsman_selectors_new_with ("CreationClassName", "CIM_ComputerSystem",
                                                                    "Name", "ManagedSystem", NULL);
  g_autofree char *body = NULL;
  g_autofree char *empty = NULL;

  ob_wsman_selectors_add (args, "PowerState", "8");
  ob_wsman_selectors_add_reference (args, "ManagedElement", "http://schemas.xmlsoap.org/ws/2004/08/addressing",
                                    CIM "CIM_ComputerSystem", system);
  body = ob_wsman_body_method_input ("CIM_PowerManagementService", "RequestPowerStateChange", args);
  g_assert_cmpstr (body, ==,
                   "<h:RequestPowerStateChange_INPUT xmlns:h=\"" CIM "CIM_PowerManagementService\">"
                   "<h:PowerState>8</h:PowerState><h:ManagedElement>"
                   "<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing</a:Address>"
                   "<a:ReferenceParameters><w:ResourceURI>" CIM "CIM_ComputerSystem</w:ResourceURI>"
                   "<w:SelectorSet><w:Selector Name=\"CreationClassName\">CIM_ComputerSystem</w:Selector>"
                   "<w:Selector Name=\"Name\">ManagedSystem</w:Selector></w:SelectorSet></a:ReferenceParameters>"
                   "</h:ManagedElement></h:RequestPowerStateChange_INPUT>");

  empty = ob_wsman_body_method_input ("CIM_BootConfigSetting", "ChangeBootOrder", NULL);
  g_assert_cmpstr (empty, ==,
                   "<h:ChangeBootOrder_INPUT xmlns:h=\"" CIM "CIM_BootConfigSetting\"></h:ChangeBootOrder_INPUT>");
}

static void
test_embedded_instance (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) fragment = g_string_new (NULL);
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *body = NULL;

  json_parser_load_from_data (parser,
                              "{\"InstanceID\":\"Alarm 1\",\"StartTime\":{\"Datetime\":\"2026-12-31T23:59:00Z\"},"
                              "\"Interval\":{\"Interval\":\"P1DT23H59M\"},\"DeleteOnCompletion\":true}",
                              -1, &error);
  g_assert_no_error (error);
  g_assert_true (ob_wsman_append_json_members (fragment, "s", IPS "IPS_AlarmClockOccurrence",
                                               json_node_get_object (json_parser_get_root (parser)), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fragment->str, ==,
                   "<s:InstanceID xmlns:s=\"" IPS "IPS_AlarmClockOccurrence\">Alarm 1</s:InstanceID>"
                   "<s:StartTime xmlns:s=\"" IPS "IPS_AlarmClockOccurrence\"><p:Datetime "
                   "xmlns:p=\"http://schemas.dmtf.org/wbem/wscim/1/common\">2026-12-31T23:59:00Z</p:Datetime></s:StartTime>"
                   "<s:Interval xmlns:s=\"" IPS "IPS_AlarmClockOccurrence\"><p:Interval "
                   "xmlns:p=\"http://schemas.dmtf.org/wbem/wscim/1/common\">P1DT23H59M</p:Interval></s:Interval>"
                   "<s:DeleteOnCompletion xmlns:s=\"" IPS "IPS_AlarmClockOccurrence\">true</s:DeleteOnCompletion>");

  ob_wsman_selectors_add_xml (args, "AlarmTemplate", fragment->str);
  g_assert_null (ob_wsman_selectors_get_value (args, 0));
  body = ob_wsman_body_method_input ("AMT_AlarmClockService", "AddAlarm", args);
  g_assert_true (g_str_has_prefix (body, "<h:AddAlarm_INPUT xmlns:h=\"" AMT "AMT_AlarmClockService\"><h:AlarmTemplate>"
                                         "<s:InstanceID "));
  g_assert_true (g_str_has_suffix (body, "</h:AlarmTemplate></h:AddAlarm_INPUT>"));
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *json)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);

  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_body_from_json (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object = parse_object (parser,
                                     "{\"ElementName\":\"Intel(r) AMT Boot Configuration Settings\","
                                     "\"InstanceID\":\"Intel(r) AMT:BootSettingData 0\","
                                     "\"BIOSPause\":false,\"BootMediaIndex\":0,\"Skipped\":null,"
                                     "\"Ratio\":1.5,\"Big\":12345678901234,"
                                     "\"Names\":[\"a<b\",\"c&d\"],\"Empty\":[],"
                                     "\"Quote\":\"\\\"it's\\\"\"}");
  g_autoptr(GError) error = NULL;
  g_autofree char *body = ob_wsman_body_from_json ("AMT_BootSettingData", object, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (body, ==,
                   "<h:AMT_BootSettingData xmlns:h=\"" AMT "AMT_BootSettingData\">"
                   "<h:ElementName>Intel(r) AMT Boot Configuration Settings</h:ElementName>"
                   "<h:InstanceID>Intel(r) AMT:BootSettingData 0</h:InstanceID>"
                   "<h:BIOSPause>false</h:BIOSPause><h:BootMediaIndex>0</h:BootMediaIndex>"
                   "<h:Ratio>1.5</h:Ratio><h:Big>12345678901234</h:Big>"
                   "<h:Names>a&lt;b</h:Names><h:Names>c&amp;d</h:Names>"
                   "<h:Quote>&quot;it&apos;s&quot;</h:Quote>"
                   "</h:AMT_BootSettingData>");
}

static void
test_body_from_json_reference (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object = parse_object (parser,
                                     "{\"Source\":{\"Address\":\"http://schemas.xmlsoap.org/ws/2004/08/addressing\","
                                     "\"ReferenceParameters\":{\"ResourceURI\":\"" CIM "CIM_BootSourceSetting\","
                                     "\"SelectorSet\":{\"Selector\":[{\"$\":{\"Name\":\"InstanceID\"},"
                                     "\"_\":\"Intel(r) AMT: Force PXE Boot\"}]}}}}");
  JsonObject *nameless = NULL;
  g_autoptr(JsonParser) parser2 = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *body = ob_wsman_body_from_json ("CIM_BootConfigSetting", object, &error);
  g_autofree char *failed = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (body, ==,
                   "<h:CIM_BootConfigSetting xmlns:h=\"" CIM "CIM_BootConfigSetting\"><h:Source>"
                   "<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing</a:Address>"
                   "<a:ReferenceParameters><w:ResourceURI>" CIM "CIM_BootSourceSetting</w:ResourceURI>"
                   "<w:SelectorSet><w:Selector Name=\"InstanceID\">Intel(r) AMT: Force PXE Boot</w:Selector>"
                   "</w:SelectorSet></a:ReferenceParameters></h:Source></h:CIM_BootConfigSetting>");

  /* A reference as a reply parses it has lost its selector names. */
  nameless = parse_object (parser2,
                           "{\"Source\":{\"Address\":\"x\",\"ReferenceParameters\":{\"ResourceURI\":\"u\","
                           "\"SelectorSet\":{\"Selector\":\"Intel(r) AMT: Force PXE Boot\"}}}}");
  failed = ob_wsman_body_from_json ("CIM_BootConfigSetting", nameless, &error);
  g_assert_null (failed);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT);
}

static void
test_body_from_json_errors (void)
{
  const char *bad_objects[] = {
    "{\"Bad Name\":1}",
    "{\"<x>\":1}",
    "{\"A\":[[1,2]]}",
    "{\"A\":{\"ReferenceParameters\":{}}}",
    "{\"A\":{\"ReferenceParameters\":{\"ResourceURI\":\"u\",\"SelectorSet\":{\"Selector\":{\"_\":\"v\"}}}}}",
  };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *ok = parse_object (parser, "{\"A\":1}");
  g_autoptr(GError) error = NULL;
  g_autofree char *unknown = ob_wsman_body_from_json ("XYZ_Class", ok, &error);

  g_assert_null (unknown);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_objects); i++)
    {
      g_autoptr(JsonParser) p = json_parser_new ();
      JsonObject *object = parse_object (p, bad_objects[i]);
      g_autofree char *body = ob_wsman_body_from_json ("AMT_GeneralSettings", object, &error);

      g_test_message ("%s", bad_objects[i]);
      g_assert_null (body);
      g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }

  /* A number JSON text cannot even carry, built in memory. */
  {
    g_autoptr(JsonObject) object = json_object_new ();
    g_autofree char *body = NULL;

    json_object_set_double_member (object, "A", INFINITY);
    body = ob_wsman_body_from_json ("AMT_GeneralSettings", object, &error);
    g_assert_null (body);
    g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* Deeply nested objects built in memory are refused, not recursed into. */
  {
    g_autoptr(JsonObject) root = json_object_new ();
    JsonObject *cursor = root;
    g_autofree char *body = NULL;

    for (int i = 0; i < 1000; i++)
      {
        JsonObject *child = json_object_new ();

        json_object_set_object_member (cursor, "N", child);
        cursor = child;
      }
    body = ob_wsman_body_from_json ("AMT_GeneralSettings", root, &error);
    g_assert_null (body);
    g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_escaping (void)
{
  struct { const char *in; const char *out; } cases[] = {
    { "plain", "plain" },
    { "<&>\"'", "&lt;&amp;&gt;&quot;&apos;" },
    { "line\r\nbreak\ttab", "line&#13;\nbreak\ttab" },
    { "bell\x07", "bell\xef\xbf\xbd" },
    { "bad\xff" "utf8", "bad\xef\xbf\xbd" "utf8" },
    { "cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd" },
    { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
    { "nonchar\xef\xbf\xbe", "nonchar\xef\xbf\xbd" },
    { "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *escaped = ob_xml_escape (cases[i].in);

      g_assert_cmpstr (escaped, ==, cases[i].out);
    }

  /* Whatever the text, the envelope stays well-formed XML. */
  {
    g_autoptr(ObWsmanSelectors) selectors = ob_wsman_selectors_new_with ("K\"<", "\x01\xff</w:Selector>", NULL);
    g_autofree char *xml = ob_wsman_build_request ("act<ion", "uri&", 1, selectors, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(ObWsmanRequest) request = ob_wsman_request_parse (xml, strlen (xml), &error);

    g_assert_no_error (error);
    g_assert_cmpstr (ob_wsman_request_get_action (request), ==, "act<ion");
    g_assert_cmpstr (ob_wsman_request_get_resource_uri (request), ==, "uri&");
    g_assert_cmpstr (ob_wsman_selectors_get_name (ob_wsman_request_get_selectors (request), 0), ==, "K\"<");
    g_assert_cmpstr (ob_wsman_selectors_get_value (ob_wsman_request_get_selectors (request), 0), ==,
                     "\xef\xbf\xbd\xef\xbf\xbd</w:Selector>");
  }
}

static void
test_request_round_trip (void)
{
  g_autoptr(ObWsmanSelectors) selectors = ob_wsman_selectors_new_with ("Name", "Intel(r) AMT Power Management Service", NULL);
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autoptr(ObWsmanSelectors) system = ob_wsman_selectors_new_with ("CreationClassName", "CIM_ComputerSystem",
                                                                    "Name", "ManagedSystem", NULL);
  g_autofree char *action = ob_wsman_method_action ("CIM_PowerManagementService", "RequestPowerStateChange");
  g_autofree char *body = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanRequest) request = NULL;
  ObWsmanSelectors *parsed_args;
  const char *address;
  const char *uri;
  ObWsmanSelectors *nested;
  JsonObject *input;

  ob_wsman_selectors_add (args, "PowerState", "10");
  ob_wsman_selectors_add_reference (args, "ManagedElement", NULL, CIM "CIM_ComputerSystem", system);
  body = ob_wsman_body_method_input ("CIM_PowerManagementService", "RequestPowerStateChange", args);
  xml = ob_wsman_build_request (action, CIM "CIM_PowerManagementService", 41, selectors, body);

  request = ob_wsman_request_parse (xml, strlen (xml), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_wsman_request_get_action (request), ==, action);
  g_assert_cmpstr (ob_wsman_request_get_class_name (request), ==, "CIM_PowerManagementService");
  g_assert_cmpstr (ob_wsman_request_get_method (request), ==, "RequestPowerStateChange");
  g_assert_cmpstr (ob_wsman_request_get_message_id (request), ==, "41");
  g_assert_cmpstr (ob_wsman_request_get_to (request), ==, "/wsman");
  g_assert_cmpstr (ob_wsman_selectors_lookup (ob_wsman_request_get_selectors (request), "Name"), ==,
                   "Intel(r) AMT Power Management Service");
  g_assert_null (ob_wsman_request_get_enumeration_context (request));

  parsed_args = ob_wsman_request_get_arguments (request);
  g_assert_cmpuint (ob_wsman_selectors_get_length (parsed_args), ==, 2);
  g_assert_cmpstr (ob_wsman_selectors_lookup (parsed_args, "PowerState"), ==, "10");
  g_assert_true (ob_wsman_selectors_get_reference (parsed_args, 1, &address, &uri, &nested));
  g_assert_cmpstr (ob_wsman_selectors_get_name (parsed_args, 1), ==, "ManagedElement");
  g_assert_cmpstr (address, ==, OB_WSMAN_ADDRESS_ANONYMOUS);
  g_assert_cmpstr (uri, ==, CIM "CIM_ComputerSystem");
  g_assert_cmpstr (ob_wsman_selectors_lookup (nested, "Name"), ==, "ManagedSystem");

  input = json_object_get_object_member (json_node_get_object (ob_wsman_request_get_body_json (request)),
                                         "RequestPowerStateChange_INPUT");
  g_assert_cmpint (json_object_get_int_member (input, "PowerState"), ==, 10);
}

static void
test_request_pull_and_put (void)
{
  g_autofree char *pull = ob_wsman_body_pull ("CTX-1", 0);
  g_autofree char *pull_xml = ob_wsman_build_request (OB_WSMAN_ACTION_PULL, CIM "CIM_Processor", 2, NULL, pull);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object = parse_object (parser, "{\"ListenerEnabled\":true,\"EnabledState\":32771}");
  g_autofree char *put_body = NULL;
  g_autofree char *put_xml = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanRequest) pull_request = ob_wsman_request_parse (pull_xml, strlen (pull_xml), &error);
  g_autoptr(ObWsmanRequest) put_request = NULL;
  JsonObject *instance;

  g_assert_no_error (error);
  g_assert_cmpstr (ob_wsman_request_get_enumeration_context (pull_request), ==, "CTX-1");
  g_assert_cmpuint (ob_wsman_request_get_max_elements (pull_request), ==, 999);
  g_assert_null (ob_wsman_request_get_method (pull_request));

  put_body = ob_wsman_body_from_json ("AMT_RedirectionService", object, &error);
  g_assert_no_error (error);
  put_xml = ob_wsman_build_request (OB_WSMAN_ACTION_PUT, AMT "AMT_RedirectionService", 3, NULL, put_body);
  put_request = ob_wsman_request_parse (put_xml, strlen (put_xml), &error);
  g_assert_no_error (error);
  instance = json_object_get_object_member (json_node_get_object (ob_wsman_request_get_body_json (put_request)),
                                            "AMT_RedirectionService");
  g_assert_true (json_object_get_boolean_member (instance, "ListenerEnabled"));
  g_assert_cmpint (json_object_get_int_member (instance, "EnabledState"), ==, 32771);
  g_assert_cmpuint (ob_wsman_selectors_get_length (ob_wsman_request_get_selectors (put_request)), ==, 0);
  g_assert_cmpstr (ob_wsman_selectors_lookup (ob_wsman_request_get_arguments (put_request), "EnabledState"), ==, "32771");
}

static void
test_request_errors (void)
{
  const char *no_action = ENVELOPE_OPEN "<Header><w:ResourceURI>u</w:ResourceURI></Header><Body/></Envelope>";
  const char *no_header = ENVELOPE_OPEN "<Body/></Envelope>";
  const char *not_soap = "<Envelope><Header/><Body/></Envelope>";
  g_autoptr(GError) error = NULL;

  g_assert_null (ob_wsman_request_parse (no_action, strlen (no_action), &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE);
  g_clear_error (&error);
  g_assert_null (ob_wsman_request_parse (no_header, strlen (no_header), &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (ob_wsman_request_parse (not_soap, strlen (not_soap), &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_null (ob_wsman_request_parse ("<x", 2, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
}

static void
test_server_replies (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object = parse_object (parser, "{\"InstanceID\":\"AMT\",\"IsEntity\":true,\"VersionString\":\"16.1.25\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) items = g_string_new (NULL);
  g_autofree char *enum_body = ob_wsman_body_enumerate_response ("CTX");
  g_autofree char *enum_xml = ob_wsman_build_response (OB_WSMAN_ACTION_ENUMERATE_RESPONSE, "5", "uuid:1",
                                                       CIM "CIM_SoftwareIdentity", enum_body);
  g_autoptr(ObWsmanResponse) enumerated = ob_wsman_response_new (enum_xml, strlen (enum_xml), &error);
  g_autofree char *pull_body = NULL;
  g_autofree char *pull_xml = NULL;
  g_autoptr(ObWsmanResponse) pulled = NULL;
  g_autoptr(ObWsmanSelectors) outputs = ob_wsman_selectors_new_with ("IterationIdentifier", "3", NULL);
  g_autofree char *out_body = ob_wsman_body_method_output ("AMT_MessageLog", "GetRecords", outputs, 0);
  g_autofree char *out_xml = ob_wsman_build_response (CIM "x", "6", NULL, NULL, out_body);
  g_autoptr(ObWsmanResponse) output = NULL;
  gint64 value = -1;

  g_assert_no_error (error);
  g_assert_cmpstr (ob_wsman_response_get_enumeration_context (enumerated), ==, "CTX");
  g_assert_cmpstr (ob_wsman_response_get_relates_to (enumerated), ==, "5");
  g_assert_cmpstr (ob_wsman_response_get_action (enumerated), ==,
                   "http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse");

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *item = ob_wsman_body_from_json ("CIM_SoftwareIdentity", object, &error);

      g_assert_no_error (error);
      g_string_append (items, item);
    }
  pull_body = ob_wsman_body_pull_response (items->str, NULL);
  pull_xml = ob_wsman_build_response (OB_WSMAN_ACTION_PULL_RESPONSE, "6", "uuid:2", NULL, pull_body);
  pulled = ob_wsman_response_new (pull_xml, strlen (pull_xml), &error);
  g_assert_no_error (error);
  g_assert_true (ob_wsman_response_get_end_of_sequence (pulled));
  g_assert_cmpuint (ob_wsman_response_get_items (pulled)->len, ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (g_ptr_array_index (ob_wsman_response_get_items (pulled), 2)),
                                                  "VersionString"), ==, "16.1.25");

  output = ob_wsman_response_new (out_xml, strlen (out_xml), &error);
  g_assert_no_error (error);
  g_assert_true (ob_wsman_response_get_return_value (output, "GetRecords", &value, &error));
  g_assert_cmpint (value, ==, 0);
  g_assert_cmpint (json_object_get_int_member (ob_wsman_response_get_class_json (output, "GetRecords_OUTPUT"),
                                               "IterationIdentifier"), ==, 3);
}

static void
test_server_fault (void)
{
  g_autofree char *xml = ob_wsman_build_fault ("7", "uuid:3", "Sender", "wsman:DestinationUnreachable",
                                               "No route <here>", "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidResourceURI");
  g_autofree char *plain = ob_wsman_build_fault (NULL, NULL, "Receiver", NULL, "Internal", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *subcode = NULL;

  g_assert_null (ob_wsman_response_new (xml, strlen (xml), &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
  g_assert_cmpstr (error->message, ==,
                   "DestinationUnreachable: No route <here> "
                   "(http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidResourceURI)");
  subcode = ob_wsman_error_dup_fault_subcode (error);
  g_assert_cmpstr (subcode, ==, "DestinationUnreachable");
  g_clear_error (&error);

  g_assert_null (ob_wsman_response_new (plain, strlen (plain), &error));
  g_assert_cmpstr (error->message, ==, "Receiver: Internal");
}

static void
test_selectors_refcount (void)
{
  ObWsmanSelectors *selectors = ob_wsman_selectors_new ();
  GType type = OB_TYPE_WSMAN_SELECTORS;
  ObWsmanSelectors *copy;

  ob_wsman_selectors_add (selectors, "A", NULL);
  g_assert_cmpstr (ob_wsman_selectors_get_value (selectors, 0), ==, "");
  copy = g_boxed_copy (type, selectors);
  g_assert_true (copy == selectors);
  g_boxed_free (type, copy);
  g_assert_cmpstr (ob_wsman_selectors_get_name (selectors, 0), ==, "A");
  ob_wsman_selectors_unref (selectors);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wsman-message/resource-uris", test_resource_uris);
  g_test_add_func ("/wsman-message/get-envelope", test_get_envelope);
  g_test_add_func ("/wsman-message/selectors-in-header", test_selectors_in_header);
  g_test_add_func ("/wsman-message/enumerate-and-pull", test_enumerate_and_pull);
  g_test_add_func ("/wsman-message/method-input", test_method_input);
  g_test_add_func ("/wsman-message/embedded-instance", test_embedded_instance);
  g_test_add_func ("/wsman-message/body-from-json", test_body_from_json);
  g_test_add_func ("/wsman-message/body-from-json-reference", test_body_from_json_reference);
  g_test_add_func ("/wsman-message/body-from-json-errors", test_body_from_json_errors);
  g_test_add_func ("/wsman-message/escaping", test_escaping);
  g_test_add_func ("/wsman-message/request-round-trip", test_request_round_trip);
  g_test_add_func ("/wsman-message/request-pull-and-put", test_request_pull_and_put);
  g_test_add_func ("/wsman-message/request-errors", test_request_errors);
  g_test_add_func ("/wsman-message/server-replies", test_server_replies);
  g_test_add_func ("/wsman-message/server-fault", test_server_fault);
  g_test_add_func ("/wsman-message/selectors-refcount", test_selectors_refcount);

  return g_test_run ();
}
