/* test-rpc-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "ob-rpc-message.h"

#define UUID "4c4c4544-0044-4a10-8052-b4c04f4e3132"

static char *
b64 (const char *text)
{
  return g_base64_encode ((const guchar *) text, strlen (text));
}

static char *
client_frame (const char *method,
              const char *protocol,
              const char *payload_json)
{
  g_autofree char *payload = b64 (payload_json);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, method);
  json_builder_set_member_name (b, "apiKey");
  json_builder_add_string_value (b, "key");
  json_builder_set_member_name (b, "appVersion");
  json_builder_add_string_value (b, "2.40.0");
  json_builder_set_member_name (b, "protocolVersion");
  json_builder_add_string_value (b, protocol);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "ok");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, "ok");
  json_builder_set_member_name (b, "fqdn");
  json_builder_add_string_value (b, "");
  json_builder_set_member_name (b, "payload");
  json_builder_add_string_value (b, payload);
  json_builder_set_member_name (b, "tenantId");
  json_builder_add_string_value (b, "");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static const char *good_payload =
  "{\"ver\":\"16.1.27\",\"build\":\"2176\",\"sku\":\"16392\",\"features\":\"AMT Pro Corporate\","
  "\"uuid\":\"4C4C4544-0044-4A10-8052-B4C04F4E3132\",\"username\":\"$$OsAdmin\",\"password\":\"lsa\","
  "\"currentMode\":0,\"hostname\":\"pc1\",\"fqdn\":\"vprodemo.com\",\"client\":\"RPC\","
  "\"certHashes\":[\"ABCDEF01\",\"not hex!\",\"0123\"],"
  "\"ipConfiguration\":{\"dhcp\":true,\"static\":false,\"ipsync\":true,\"ipAddress\":\"10.0.0.5\"},"
  "\"hostnameInfo\":{\"dnsSuffixOS\":\"corp\",\"hostname\":\"pc1\"}}";

static void
test_envelope_round_trip (void)
{
  g_autofree char *frame = client_frame ("activate --profile p1", "4.0.0", good_payload);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpcMessage) m = ob_rpc_message_parse (frame, strlen (frame), &error);
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(ObRpcMessage) success = NULL;
  g_autoptr(ObRpcMessage) again = NULL;
  g_autofree char *json = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (ob_rpc_message_get_method (m), ==, "activate --profile p1");
  g_assert_cmpstr (ob_rpc_message_get_api_key (m), ==, "key");
  g_assert_cmpstr (ob_rpc_message_get_protocol_version (m), ==, "4.0.0");
  payload = ob_rpc_message_decode_payload (m, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                   good_payload, strlen (good_payload));

  /* Server success: payload null, no fqdn, message is the status JSON. */
  success = ob_rpc_message_new_success ("{\"Status\":\"Client control mode.\"}");
  json = ob_rpc_message_to_json (success);
  g_assert_nonnull (strstr (json, "\"payload\":null"));
  g_assert_null (strstr (json, "fqdn"));
  g_assert_nonnull (strstr (json, "\"apiKey\":\"xxxxx\""));
  g_assert_nonnull (strstr (json, "\"protocolVersion\":\"4.0.0\""));
  again = ob_rpc_message_parse (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_rpc_message_get_status (again), ==, "success");
  g_assert_cmpstr (ob_rpc_message_get_message (again), ==, "{\"Status\":\"Client control mode.\"}");
  g_assert_null (ob_rpc_message_get_payload (again));
}

static void
test_hostile_envelopes (void)
{
  const char *bad[] = {
    "",
    "null",
    "[]",
    "\"text\"",
    "{\"method\":5}",
    "{\"method\":\"activate\",\"payload\":{}}",
    "{\"method\":[\"a\"]}",
    "{\"status\":true}",
    "{\"method\":\"x\"",
    "{\"method\":\"\\ud800\"}garbage",
  };
  g_autoptr(GString) deep = g_string_new ("");
  g_autoptr(GString) huge = g_string_new ("{\"method\":\"");
  g_autoptr(GError) error = NULL;
  ObRpcMessage *m;

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      m = ob_rpc_message_parse (bad[i], strlen (bad[i]), &error);
      g_assert_null (m);
      g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE);
      g_clear_error (&error);
    }

  /* A NUL byte and invalid UTF-8 inside. */
  m = ob_rpc_message_parse ("{\"method\":\"a\0b\"}", 16, &error);
  g_assert_null (m);
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE);
  g_clear_error (&error);
  m = ob_rpc_message_parse ("{\"method\":\"\xff\"}", 14, &error);
  g_assert_null (m);
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE);
  g_clear_error (&error);
  /* A lone surrogate escape, which json-glib would turn into bytes that
   * are not UTF-8 (found by fuzz-rpc-message). */
  m = ob_rpc_message_parse ("{\"message\":\"ok\\udC1U\"}", 22, &error);
  g_assert_null (m);
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE);
  g_clear_error (&error);

  /* Nesting: refused before json-glib recurses. */
  for (int i = 0; i < 50000; i++)
    g_string_append_c (deep, '[');
  m = ob_rpc_message_parse (deep->str, deep->len, &error);
  g_assert_null (m);
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_TOO_LARGE);
  g_clear_error (&error);
  /* Brackets inside strings do not count. */
  {
    const char *quoted = "{\"method\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[[[[[[[[[[\"}";
    g_autoptr(ObRpcMessage) ok = ob_rpc_message_parse (quoted, strlen (quoted), &error);

    g_assert_no_error (error);
    g_assert_nonnull (ok);
  }

  /* Over 100 KiB. */
  while (huge->len <= OB_RPC_MAX_MESSAGE_BYTES)
    g_string_append (huge, "aaaaaaaaaaaaaaaa");
  g_string_append (huge, "\"}");
  m = ob_rpc_message_parse (huge->str, huge->len, &error);
  g_assert_null (m);
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_TOO_LARGE);
  g_clear_error (&error);
}

static void
test_bad_base64 (void)
{
  const char *payloads[] = { "abc", "ab=c", "a===", "!!!!", "YWJj\n", "YW Jj", "YQ==YQ==" };

  for (gsize i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autofree char *frame = g_strdup_printf ("{\"method\":\"activate\",\"payload\":\"%s\"}", payloads[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(ObRpcMessage) m = ob_rpc_message_parse (frame, strlen (frame), &error);
      g_autoptr(GBytes) decoded = NULL;

      /* "YWJj\n" is not even a valid JSON string; the rest parse. */
      if (m == NULL)
        {
          g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE);
          continue;
        }
      decoded = ob_rpc_message_decode_payload (m, &error);
      g_assert_null (decoded);
      g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE);
    }
}

static void
test_command_parse (void)
{
  ObRpcCommand c;

  ob_rpc_command_parse ("activate --profile p1", &c);
  g_assert_cmpint (c.method, ==, OB_RPC_METHOD_ACTIVATE);
  g_assert_cmpstr (c.profile, ==, "p1");
  g_assert_false (c.force);
  ob_rpc_command_clear (&c);

  ob_rpc_command_parse ("activate --profile=p-2", &c);
  g_assert_cmpstr (c.profile, ==, "p-2");
  ob_rpc_command_clear (&c);

  ob_rpc_command_parse ("deactivate --password S3cret! -f", &c);
  g_assert_cmpint (c.method, ==, OB_RPC_METHOD_DEACTIVATE);
  g_assert_cmpstr (c.password, ==, "S3cret!");
  g_assert_true (c.force);
  ob_rpc_command_clear (&c);

  /* Empty --password does not override the payload. */
  ob_rpc_command_parse ("deactivate --password  ", &c);
  g_assert_null (c.password);
  ob_rpc_command_clear (&c);

  /* The QUIRK: "-password x" is letter flags; no password from it. */
  ob_rpc_command_parse ("maintenance -password Pw1! --changepassword N3wPass!", &c);
  g_assert_cmpint (c.method, ==, OB_RPC_METHOD_MAINTENANCE);
  g_assert_null (c.password);
  g_assert_cmpint (c.task, ==, OB_RPC_TASK_CHANGE_PASSWORD);
  g_assert_cmpstr (c.task_arg, ==, "N3wPass!");
  ob_rpc_command_clear (&c);

  ob_rpc_command_parse ("maintenance -password Pw1! --synctime -f", &c);
  g_assert_cmpint (c.task, ==, OB_RPC_TASK_SYNC_TIME);
  g_assert_true (c.force);
  g_assert_null (c.task_arg);
  ob_rpc_command_clear (&c);

  ob_rpc_command_parse ("maintenance --syncip", &c);
  g_assert_cmpint (c.task, ==, OB_RPC_TASK_SYNC_IP);
  ob_rpc_command_clear (&c);
  ob_rpc_command_parse ("maintenance --synchostname", &c);
  g_assert_cmpint (c.task, ==, OB_RPC_TASK_SYNC_HOSTNAME);
  ob_rpc_command_clear (&c);
  ob_rpc_command_parse ("maintenance --syncdeviceinfo", &c);
  g_assert_cmpint (c.task, ==, OB_RPC_TASK_SYNC_DEVICE_INFO);
  g_assert_cmpstr (ob_rpc_task_to_string (c.task), ==, "syncdeviceinfo");
  ob_rpc_command_clear (&c);

  ob_rpc_command_parse ("response", &c);
  g_assert_cmpint (c.method, ==, OB_RPC_METHOD_RESPONSE);
  ob_rpc_command_clear (&c);

  ob_rpc_command_parse ("--profile p1", &c);
  g_assert_cmpint (c.method, ==, OB_RPC_METHOD_UNKNOWN);
  g_assert_cmpstr (c.method_name, ==, "");
  ob_rpc_command_clear (&c);

  ob_rpc_command_parse ("rm -rf /", &c);
  g_assert_cmpint (c.method, ==, OB_RPC_METHOD_UNKNOWN);
  ob_rpc_command_clear (&c);

  ob_rpc_command_parse (NULL, &c);
  g_assert_cmpint (c.method, ==, OB_RPC_METHOD_UNKNOWN);
  ob_rpc_command_clear (&c);

  /* "--profile" without value. */
  ob_rpc_command_parse ("activate --profile", &c);
  g_assert_null (c.profile);
  ob_rpc_command_clear (&c);
}

static void
test_initial_ok (void)
{
  g_autofree char *frame = client_frame ("activate --profile p1", "4.0.0", good_payload);
  g_autoptr(ObRpcMessage) m = ob_rpc_message_parse (frame, strlen (frame), NULL);
  g_autoptr(ObRpcClientInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  ObRpcCommand c;

  g_assert_true (ob_rpc_parse_initial (m, "client-1", &c, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info->uuid, ==, UUID);
  g_assert_cmpstr (info->profile, ==, "p1");
  g_assert_cmpstr (info->username, ==, "$$OsAdmin");
  g_assert_cmpuint (info->current_mode, ==, 0);
  g_assert_cmpstr (info->fqdn, ==, "vprodemo.com");
  g_assert_cmpuint (g_strv_length (info->cert_hashes), ==, 2);
  g_assert_cmpstr (info->cert_hashes[0], ==, "abcdef01");
  g_assert_true (info->ip_configuration.present);
  g_assert_true (info->ip_configuration.dhcp);
  g_assert_cmpstr (info->ip_configuration.ip_address, ==, "10.0.0.5");
  g_assert_true (info->has_hostname_info);
  g_assert_cmpstr (info->hostname_info_dns_suffix, ==, "corp");
  g_assert_true (ob_rpc_check_firmware (info, &error));
  g_assert_no_error (error);
  ob_rpc_command_clear (&c);
}

static void
expect_initial_error (const char *method,
                      const char *protocol,
                      const char *payload,
                      int         code,
                      const char *text)
{
  g_autofree char *frame = client_frame (method, protocol, payload);
  g_autoptr(ObRpcMessage) m = ob_rpc_message_parse (frame, strlen (frame), NULL);
  g_autoptr(ObRpcClientInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  ObRpcCommand c;

  g_assert_nonnull (m);
  g_assert_false (ob_rpc_parse_initial (m, "client-1", &c, &info, &error));
  g_assert_null (info);
  g_assert_error (error, OB_RPS_ERROR, code);
  if (text != NULL)
    g_assert_cmpstr (error->message, ==, text);
}

static void
test_initial_errors (void)
{
  expect_initial_error ("reboot now", "4.0.0", good_payload, OB_RPS_ERROR_UNSUPPORTED_METHOD,
                        "Device " UUID " Not a supported method received from AMT device");
  expect_initial_error ("heartbeat_response", "4.0.0", good_payload, OB_RPS_ERROR_UNSUPPORTED_METHOD, NULL);
  expect_initial_error ("activate --profile p1", "5.0.0", good_payload, OB_RPS_ERROR_PROTOCOL_VERSION,
                        "protocol version NOT supported: 5.0.0");
  expect_initial_error ("activate --profile p1", "4.1.0", good_payload, OB_RPS_ERROR_PROTOCOL_VERSION, NULL);
  expect_initial_error ("activate --profile p1", "4.0", good_payload, OB_RPS_ERROR_PROTOCOL_VERSION, NULL);
  expect_initial_error ("activate --profile p1", "x.y.z", good_payload, OB_RPS_ERROR_PROTOCOL_VERSION, NULL);
  expect_initial_error ("activate --profile p1", "4.0.0", "{\"ver\":\"16.1\",\"build\":\"1\",\"uuid\":\"" UUID "\"}",
                        OB_RPS_ERROR_INVALID_PAYLOAD, "Invalid payload from client");
  expect_initial_error ("activate --profile p1", "4.0.0", "not json", OB_RPS_ERROR_INVALID_PAYLOAD,
                        "Invalid payload from client");
  expect_initial_error ("activate --profile p1", "4.0.0", "[1,2]", OB_RPS_ERROR_INVALID_PAYLOAD, NULL);
  expect_initial_error ("activate --profile p1", "4.0.0",
                        "{\"client\":\"RPC\",\"ver\":\"16.1\",\"build\":\"1\",\"uuid\":\"1234\"}",
                        OB_RPS_ERROR_INVALID_PAYLOAD, "client-1 - uuid not valid length");
  expect_initial_error ("activate --profile p1", "4.0.0",
                        "{\"client\":\"RPC\",\"ver\":\"16.1\",\"build\":\"1\",\"uuid\":\"zzzzzzzz-0044-4a10-8052-b4c04f4e3132\"}",
                        OB_RPS_ERROR_INVALID_PAYLOAD, "client-1 - uuid not valid");
  expect_initial_error ("activate --profile p1", "4.0.0",
                        "{\"client\":\"RPC\",\"ver\":16,\"build\":\"1\",\"uuid\":\"" UUID "\"}",
                        OB_RPS_ERROR_INVALID_PAYLOAD, NULL);
  expect_initial_error ("activate --profile p1", "4.0.0",
                        "{\"client\":\"RPC\",\"ver\":\"16\",\"build\":\"1\",\"uuid\":\"" UUID "\",\"currentMode\":7}",
                        OB_RPS_ERROR_INVALID_PAYLOAD, NULL);
  expect_initial_error ("activate --profile p1", "4.0.0",
                        "{\"client\":\"RPC\",\"ver\":\"16\",\"build\":\"1\",\"uuid\":\"" UUID "\",\"certHashes\":\"ab\"}",
                        OB_RPS_ERROR_INVALID_PAYLOAD, NULL);
  expect_initial_error ("maintenance -password x", "4.0.0", good_payload, OB_RPS_ERROR_INVALID_PAYLOAD,
                        "client-1 - missing maintenance task in message");
}

static void
test_legacy_uuid (void)
{
  const char *payload = "{\"client\":\"RPC\",\"ver\":\"16\",\"build\":\"1\","
                        "\"uuid\":[68,69,76,76,68,0,16,74,128,82,180,192,79,78,49,50]}";
  g_autoptr(ObRpcClientInfo) info = ob_rpc_client_info_parse (payload, strlen (payload), "c", NULL);

  g_assert_nonnull (info);
  g_assert_cmpstr (info->uuid, ==, UUID);
}

static void
test_firmware (void)
{
  struct { const char *ver, *build; gboolean ok; const char *suffix; } cases[] = {
    { "16.1.27", "2176", TRUE, NULL },
    { "11.8.50", "3425", TRUE, NULL },
    { "11.8.50", "100", TRUE, NULL },
    { "11.6.0", "2999", FALSE, "Please check with your OEM for a firmware update." },
    { "11.6.0", "3000", TRUE, NULL },
    { "7.0.0", "10", FALSE, "Please check with your OEM for a firmware update." },
    { "6.2.0", "5000", FALSE, "Version less than 7 cannot be remotely configured" },
    { "", "1", FALSE, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ObRpcClientInfo info = { 0 };
      g_autoptr(GError) error = NULL;

      info.uuid = (char *) UUID;
      info.ver = (char *) cases[i].ver;
      info.build = (char *) cases[i].build;
      g_assert_cmpint (ob_rpc_check_firmware (&info, &error), ==, cases[i].ok);
      if (!cases[i].ok)
        {
          g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED);
          g_assert_true (g_str_has_prefix (error->message, "Device " UUID " activation failed."));
          if (cases[i].suffix != NULL)
            g_assert_true (g_str_has_suffix (error->message, cases[i].suffix));
        }
    }
}

static void
test_protocol_version (void)
{
  g_assert_true (ob_rpc_check_protocol_version ("4.0.0", NULL));
  g_assert_true (ob_rpc_check_protocol_version ("4.0.0", NULL));
  /* The reference's rule: a higher client revision with the same minor
   * still passes the "server minor >= client minor" half. */
  g_assert_true (ob_rpc_check_protocol_version ("4.0.1", NULL));
  g_assert_false (ob_rpc_check_protocol_version ("4.1.0", NULL));
  g_assert_false (ob_rpc_check_protocol_version ("3.0.0", NULL));
  g_assert_false (ob_rpc_check_protocol_version ("", NULL));
  g_assert_false (ob_rpc_check_protocol_version (NULL, NULL));
  g_assert_false (ob_rpc_check_protocol_version ("4.0.0.0", NULL));
  g_assert_false (ob_rpc_check_protocol_version ("4.-1.0", NULL));
}

static void
test_wsman_http (void)
{
  const char *xml = "<?xml version=\"1.0\"?><Envelope/>";
  g_autoptr(GBytes) request = ob_rpc_build_wsman_request (UUID, "Digest username=\"admin\"", xml);
  g_autoptr(ObRpcMessage) wsman = ob_rpc_message_new_wsman (request);
  g_autofree char *json = ob_rpc_message_to_json (wsman);
  g_autoptr(ObRpcMessage) parsed = ob_rpc_message_parse (json, strlen (json), NULL);
  g_autoptr(GBytes) decoded = ob_rpc_message_decode_payload (parsed, NULL);
  g_autoptr(ObHttpMessage) http = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strndup (g_bytes_get_data (request, NULL), g_bytes_get_size (request));
  const char *raw_response =
    "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=UTF-8\r\n"
    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  g_autoptr(GBytes) raw = g_bytes_new_static (raw_response, strlen (raw_response));
  g_autoptr(ObHttpMessage) response = NULL;

  g_assert_true (g_str_has_prefix (text, "POST /wsman HTTP/1.1\r\nAuthorization: Digest username=\"admin\"\r\n"
                                         "Host: " UUID ":16992\r\n"));
  g_assert_nonnull (strstr (text, "Transfer-Encoding: chunked\r\n\r\n20\r\n"));
  g_assert_true (g_str_has_suffix (text, "\r\n0\r\n\r\n"));

  g_assert_cmpstr (ob_rpc_message_get_method (parsed), ==, "wsman");
  g_assert_true (g_bytes_equal (decoded, request));
  http = ob_rpc_parse_http_request (decoded, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_http_message_get_target (http), ==, "/wsman");
  g_assert_cmpmem (g_bytes_get_data (ob_http_message_get_body (http), NULL),
                   g_bytes_get_size (ob_http_message_get_body (http)), xml, strlen (xml));

  response = ob_rpc_parse_http_response (raw, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_http_message_get_status (response), ==, 200);
  g_assert_cmpmem (g_bytes_get_data (ob_http_message_get_body (response), NULL), 11, "hello world", 11);
}

static void
test_hostile_http (void)
{
  const char *bad[] = {
    "",
    "garbage",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
    "HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GBytes) raw = g_bytes_new_static (bad[i], strlen (bad[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(ObHttpMessage) m = ob_rpc_parse_http_response (raw, &error);

      g_assert_null (m);
      g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_INVALID_MESSAGE);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rpc-message/envelope", test_envelope_round_trip);
  g_test_add_func ("/rpc-message/hostile-envelopes", test_hostile_envelopes);
  g_test_add_func ("/rpc-message/bad-base64", test_bad_base64);
  g_test_add_func ("/rpc-message/command", test_command_parse);
  g_test_add_func ("/rpc-message/initial", test_initial_ok);
  g_test_add_func ("/rpc-message/initial-errors", test_initial_errors);
  g_test_add_func ("/rpc-message/legacy-uuid", test_legacy_uuid);
  g_test_add_func ("/rpc-message/firmware", test_firmware);
  g_test_add_func ("/rpc-message/protocol-version", test_protocol_version);
  g_test_add_func ("/rpc-message/wsman-http", test_wsman_http);
  g_test_add_func ("/rpc-message/hostile-http", test_hostile_http);

  return g_test_run ();
}
