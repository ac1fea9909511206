/* test-amt-logs.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-logs.h"
#include "ob-wsman-error.h"

static GBytes *
load_corpus (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", "amt-logs", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (contents, len);
}

static char *
to_json (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

/* Event records */

static void
test_event_record (void)
{
  g_autoptr(GBytes) bytes = load_corpus ("event-bios-no-video.bin");
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = ob_amt_event_record_decode (data, len, &error);
  g_autofree char *json = NULL;

  g_assert_no_error (error);
  json = to_json (node);
  /* 0x657AD027 = 2023-12-14T09:51:35Z; entity 34 = BIOS; sensor type 15
   * offset 0 = firmware error table, data[1] = 10. */
  g_assert_cmpstr (json, ==,
                   "{\"DeviceAddress\":255,\"EventSensorType\":15,\"EventType\":111,\"EventOffset\":0,"
                   "\"EventSourceType\":104,\"EventSeverity\":16,\"SensorNumber\":255,\"Entity\":34,"
                   "\"EntityInstance\":0,\"EventData\":[64,10,0,0,0,0,0,0],"
                   "\"TimeStamp\":\"2023-12-14T09:51:35.000Z\",\"EntityStr\":\"BIOS\","
                   "\"Desc\":\"No video device detected.\"}");
}

static void
test_event_descriptions (void)
{
  struct { guint8 sensor; guint8 offset; guint8 data[8]; const char *desc; } cases[] = {
    { 6, 2, { 64, 3, 0, 0, 0, 0, 0, 0 }, "Authentication failed 3 times. The system may be under attack." },
    { 6, 2, { 64, 1, 2, 0, 0, 0, 0, 0 }, "Authentication failed 513 times. The system may be under attack." },
    { 15, 0, { 64, 10, 0, 0, 0, 0, 0, 0 }, "No video device detected." },
    { 15, 2, { 64, 19, 0, 0, 0, 0, 0, 0 }, "Starting operating system boot process" },
    { 15, 2, { 235, 19, 0, 0, 0, 0, 0, 0 }, "Invalid Data" },
    { 15, 0, { 64, 200, 0, 0, 0, 0, 0, 0 }, NULL },
    { 18, 0, { 170, 10, 0, 0, 0, 0, 0, 1 }, "Agent watchdog 0000000A-0000-... changed to Not Started" },
    { 18, 0, { 170, 0x44, 0x33, 0x22, 0x11, 0x66, 0x55, 4 }, "Agent watchdog 11223344-5566-... changed to Running" },
    { 18, 0, { 170, 0, 0, 0, 0, 0, 0, 3 }, "Agent watchdog 00000000-0000-... changed to Unknown" },
    { 18, 0, { 64, 10, 0, 0, 0, 0, 0, 1 }, NULL },
    { 30, 0, { 0, }, "No bootable media" },
    { 32, 0, { 0, }, "Operating system lockup or power interrupt" },
    { 35, 0, { 0, }, "System boot failure" },
    { 37, 0, { 0, }, "System firmware started (at least one CPU is properly executing)." },
    { 100, 0, { 0, }, "Unknown Sensor Type #100" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ObAmtEventRecord record = { 0, };
      g_autofree char *desc = NULL;

      record.event_sensor_type = cases[i].sensor;
      record.event_offset = cases[i].offset;
      memcpy (record.event_data, cases[i].data, 8);
      desc = ob_amt_event_describe (&record);
      g_assert_cmpstr (desc, ==, cases[i].desc);
    }

  g_assert_cmpstr (ob_amt_event_entity_name (35), ==, "Intel(r) ME");
  g_assert_null (ob_amt_event_entity_name (53));
  g_assert_cmpstr (ob_amt_event_severity_name (16), ==, "Critical");
  g_assert_null (ob_amt_event_severity_name (3));
}

static void
test_event_no_time_unknown_entity (void)
{
  ObAmtEventRecord record = { 0, };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) zero = NULL;
  g_autoptr(JsonNode) all_ones = NULL;
  JsonObject *object;

  record.entity = 200;
  record.event_sensor_type = 18;
  bytes = ob_amt_event_record_encode (&record);
  zero = ob_amt_event_record_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  object = json_node_get_object (zero);
  g_assert_false (json_object_has_member (object, "TimeStamp"));
  g_assert_cmpstr (json_object_get_string_member (object, "EntityStr"), ==, "Unknown");
  g_assert_true (json_object_get_null_member (object, "Desc"));

  g_clear_pointer (&bytes, g_bytes_unref);
  record.time_stamp = 0xFFFFFFFFu;
  bytes = ob_amt_event_record_encode (&record);
  all_ones = ob_amt_event_record_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_false (json_object_has_member (json_node_get_object (all_ones), "TimeStamp"));
}

static void
test_event_round_trip (void)
{
  ObAmtEventRecord record = {
    .time_stamp = 1700000000, .device_address = 1, .event_sensor_type = 2, .event_type = 3,
    .event_offset = 4, .event_source_type = 5, .event_severity = 6, .sensor_number = 7,
    .entity = 8, .entity_instance = 9, .event_data = { 10, 11, 12, 13, 14, 15, 16, 17 },
  };
  ObAmtEventRecord parsed;
  g_autoptr(GBytes) bytes = ob_amt_event_record_encode (&record);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, OB_AMT_EVENT_RECORD_SIZE);
  g_assert_true (ob_amt_event_record_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (parsed.time_stamp, ==, 1700000000);
  g_assert_cmpuint (parsed.device_address, ==, 1);
  g_assert_cmpuint (parsed.event_severity, ==, 6);
  g_assert_cmpuint (parsed.entity_instance, ==, 9);
  g_assert_cmpmem (parsed.event_data, 8, record.event_data, 8);
  {
    g_autoptr(GBytes) again = ob_amt_event_record_encode (&parsed);

    g_assert_true (g_bytes_equal (again, bytes));
  }
}

static void
test_event_wrong_sizes (void)
{
  guint8 buffer[64] = { 0, };

  for (gsize len = 0; len < sizeof buffer; len++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      /* A private copy of exactly len bytes so any over-read is caught. */
      g_autofree guint8 *copy = g_memdup2 (buffer, len);

      if (len == OB_AMT_EVENT_RECORD_SIZE)
        continue;
      node = ob_amt_event_record_decode (copy, len, &error);
      g_assert_null (node);
      g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
    }
}

static void
test_base64 (void)
{
  g_autoptr(GBytes) text = load_corpus ("event-bios-no-video.b64");
  g_autofree char *b64 = g_strndup (g_bytes_get_data (text, NULL), g_bytes_get_size (text));
  g_autofree char *spaced = NULL;
  const char *garbage[] = {
    "!!!!", "J9B6Zf8PbwBoEP8iAEAKAAAAAAA*", "====", "J9B6Z", "J9B6Zf8P=bwBoEP8iAEAKAAAAAAAA",
    "J9B6Zf8PbwBoEP8iAEAKAAAAAA==", /* valid base64, 20 bytes */
    "J9B6Zf8PbwBoEP8iAEAKAAAAAAAAAA==", /* 22 bytes */
    "", "\xff\xfe", "J9B6Zf8PbwBoEP8iAEAKAAAAAAAA===",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = ob_amt_event_record_decode_base64 (b64, &error);
  g_autoptr(JsonNode) node2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "Entity"), ==, 34);

  /* White space inside the text is tolerated (XML may wrap it). */
  spaced = g_strdup_printf (" %.8s\n%s ", b64, b64 + 8);
  node2 = ob_amt_event_record_decode_base64 (spaced, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr(JsonNode) bad = ob_amt_event_record_decode_base64 (garbage[i], &error);
      g_autoptr(JsonNode) bad_audit = NULL;
      /* Escaped: raw bytes that are not UTF-8 break the TAP output. */
      g_autofree char *shown = g_strescape (garbage[i], NULL);

      g_test_message ("garbage %" G_GSIZE_FORMAT ": \"%s\"", i, shown);
      g_assert_null (bad);
      g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
      g_clear_error (&error);
      bad_audit = ob_amt_audit_record_decode_base64 (garbage[i], &error);
      g_assert_null (bad_audit);
      g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
      g_clear_error (&error);
    }

  g_assert_null (ob_amt_event_record_decode_base64 (NULL, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
}

/* Audit records */

static JsonNode *
decode_audit_ok (const guint8 *data,
                 gsize         len)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *copy = g_memdup2 (data, len);
  JsonNode *node = ob_amt_audit_record_decode (copy, len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);

  return node;
}

static void
test_audit_digest_record (void)
{
  g_autoptr(GBytes) bytes = load_corpus ("audit-digest-power-up.bin");
  g_autoptr(JsonNode) node = decode_audit_ok (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autofree char *json = to_json (node);

  g_assert_cmpstr (json, ==,
                   "{\"AuditAppID\":17,\"EventID\":0,\"InitiatorType\":0,\"AuditApp\":\"RCO\","
                   "\"Event\":\"Performed Power Up\",\"Initiator\":\"admin\","
                   "\"Time\":\"2023-12-14T09:51:35.000Z\",\"MCLocationType\":0,"
                   "\"NetAddress\":\"192.168.1.20\",\"Ex\":\"\",\"ExStr\":null}");
}

static void
test_audit_initiators (void)
{
  g_autoptr(GBytes) local = load_corpus ("audit-local-provisioning.bin");
  g_autoptr(GBytes) kerberos = load_corpus ("audit-kerberos-kvm.bin");
  g_autoptr(GBytes) kvm = load_corpus ("audit-opt-in-policy.bin");
  g_autoptr(JsonNode) local_node = decode_audit_ok (g_bytes_get_data (local, NULL), g_bytes_get_size (local));
  g_autoptr(JsonNode) kerberos_node = decode_audit_ok (g_bytes_get_data (kerberos, NULL), g_bytes_get_size (kerberos));
  g_autoptr(JsonNode) kvm_node = decode_audit_ok (g_bytes_get_data (kvm, NULL), g_bytes_get_size (kvm));
  JsonObject *object;

  object = json_node_get_object (local_node);
  g_assert_cmpstr (json_object_get_string_member (object, "Initiator"), ==, "Local");
  g_assert_cmpstr (json_object_get_string_member (object, "AuditApp"), ==, "Security Admin");
  g_assert_cmpstr (json_object_get_string_member (object, "Event"), ==, "Provisioning Started");

  object = json_node_get_object (kerberos_node);
  g_assert_cmpint (json_object_get_int_member (object, "InitiatorType"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "Initiator"), ==, "S-1-5-21-11-22-33");
  g_assert_cmpstr (json_object_get_string_member (object, "Event"), ==, "KVM Session Started");
  g_assert_cmpstr (json_object_get_string_member (object, "NetAddress"), ==, "10.1.2.3");

  object = json_node_get_object (kvm_node);
  g_assert_cmpstr (json_object_get_string_member (object, "Initiator"), ==, "KVM Default Port");
  g_assert_cmpstr (json_object_get_string_member (object, "AuditApp"), ==, "User Opt-In Events");
  g_assert_cmpstr (json_object_get_string_member (object, "ExStr"), ==, "From None to All");
}

static void
test_audit_extended_data (void)
{
  struct { guint16 app; guint16 event; const char *ex; gsize ex_len; const char *ex_str; } cases[] = {
    { 16, 2, "\x00\x05" "alice", 7, "alice" },
    { 16, 2, "\x00\x09" "bob", 5, "bob" },                   /* clipped like substring() */
    { 16, 2, "\x01\x05" "alice", 7, NULL },
    { 16, 3, "\x00\x00" "xcarol", 8, "carol" },
    { 16, 5, "\x01", 1, "Invalid MEBx access" },
    { 16, 5, "\x07", 1, NULL },
    { 16, 6, "\x01\x00" "xdave", 7, "Enabled, dave" },
    { 16, 6, "\x00\x01", 2, "Disabled" },
    { 16, 7, "\x01\x02", 2, "Remote ServerAuth, Local MutualAuth" },
    { 16, 7, "\x03\x00", 2, NULL },
    { 16, 7, "\x01", 1, NULL },
    { 16, 17, "\x00\x00\x00\x02\x01", 5, "Redirection, Auth" },
    { 16, 17, "\x00\x00\x01\x02\x01", 5, NULL },
    { 16, 19, "\x04", 1, "Remote WSMAN" },
    { 19, 0, "\x00\x10\x00\x01\x00\x19\x08\x9c\x00\x10\x00\x01\x00\x1b\x08\xb1", 16, "From 16.1.25.2204 to 16.1.27.2225" },
    { 19, 0, "\x00\x10", 2, NULL },
    { 21, 0, "\x65\x7a\xd0\x27", 4, "12/14/2023, 9:51:35 AM" },
    { 21, 0, "\x65\x7b\x21\x87", 4, "12/14/2023, 3:38:47 PM" },
    { 30, 0, "\x02\x01", 2, "From All to KVM" },
    { 30, 1, "\x00", 1, "Success" },
    { 30, 1, "\x01", 1, "Failed 3 times" },
    { 17, 0, "\x01\x02", 2, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ObAmtAuditRecord record = { 0, };
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(JsonNode) node = NULL;
      JsonObject *object;

      record.app_id = cases[i].app;
      record.event_id = cases[i].event;
      record.initiator_type = OB_AMT_AUDIT_INITIATOR_LOCAL;
      record.ex_data = (const guint8 *) cases[i].ex;
      record.ex_len = cases[i].ex_len;
      bytes = ob_amt_audit_record_encode (&record, &error);
      g_assert_no_error (error);
      node = decode_audit_ok (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      object = json_node_get_object (node);
      g_test_message ("case %" G_GSIZE_FORMAT, i);
      if (cases[i].ex_str != NULL)
        g_assert_cmpstr (json_object_get_string_member (object, "ExStr"), ==, cases[i].ex_str);
      else
        g_assert_true (json_object_get_null_member (object, "ExStr"));
    }
}

static void
test_audit_binary_text (void)
{
  g_autoptr(GBytes) bytes = load_corpus ("audit-acl-entry-added.bin");
  g_autoptr(JsonNode) node = decode_audit_ok (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  JsonObject *object = json_node_get_object (node);

  /* The IPv6 loopback is shortened; Ex is one character per byte with the
   * NUL replaced. */
  g_assert_cmpstr (json_object_get_string_member (object, "NetAddress"), ==, "::1");
  g_assert_cmpstr (json_object_get_string_member (object, "Ex"), ==, "\xef\xbf\xbd\x05" "alice");
  g_assert_cmpstr (json_object_get_string_member (object, "ExStr"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (object, "Event"), ==, "ACL Entry Added");

  /* High bytes become their Latin-1 characters, never invalid UTF-8. */
  {
    ObAmtAuditRecord record = { .app_id = 16, .event_id = 2, .initiator_type = 0, .user = "j\xe9r\xf4me",
                                .net_address = "10.0.0.1" };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) encoded = ob_amt_audit_record_encode (&record, &error);
    g_autoptr(JsonNode) decoded = NULL;
    const char *initiator;

    g_assert_no_error (error);
    decoded = decode_audit_ok (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded));
    initiator = json_object_get_string_member (json_node_get_object (decoded), "Initiator");
    g_assert_true (g_utf8_validate (initiator, -1, NULL));
    g_assert_cmpstr (initiator, ==, "j\xc3\xa9r\xc3\xb4me");
  }
}

static void
test_audit_unknown_ids (void)
{
  ObAmtAuditRecord record = { .app_id = 99, .event_id = 5, .initiator_type = OB_AMT_AUDIT_INITIATOR_LOCAL };
  ObAmtAuditRecord big = { .app_id = 0xFFFF, .event_id = 0xFFFF, .initiator_type = OB_AMT_AUDIT_INITIATOR_LOCAL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = ob_amt_audit_record_encode (&record, &error);
  g_autoptr(GBytes) big_bytes = ob_amt_audit_record_encode (&big, &error);
  g_autoptr(JsonNode) node = decode_audit_ok (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(JsonNode) big_node = decode_audit_ok (g_bytes_get_data (big_bytes, NULL), g_bytes_get_size (big_bytes));
  JsonObject *object = json_node_get_object (node);

  g_assert_true (json_object_get_null_member (object, "AuditApp"));
  g_assert_cmpstr (json_object_get_string_member (object, "Event"), ==, "#5");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (big_node), "Event"), ==, "#65535");
  g_assert_true (json_object_get_null_member (json_node_get_object (big_node), "AuditApp"));

  g_assert_null (ob_amt_audit_app_name (1600));
  g_assert_null (ob_amt_audit_event_name (16, 100));
  g_assert_cmpstr (ob_amt_audit_event_name (17, 3), ==, "Performed Reset");
  g_assert_cmpstr (ob_amt_audit_app_name (29), ==, "KVM");
}

static void
test_audit_truncated_everywhere (void)
{
  const char *names[] = { "audit-local-provisioning.bin", "audit-digest-power-up.bin", "audit-acl-entry-added.bin",
                          "audit-tls-state.bin", "audit-firmware-update.bin", "audit-kerberos-kvm.bin",
                          "audit-opt-in-policy.bin" };

  for (gsize n = 0; n < G_N_ELEMENTS (names); n++)
    {
      g_autoptr(GBytes) bytes = load_corpus (names[n]);
      gsize len;
      const guint8 *data = g_bytes_get_data (bytes, &len);
      g_autoptr(JsonNode) whole = decode_audit_ok (data, len);

      for (gsize cut = 0; cut < len; cut++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree guint8 *copy = g_memdup2 (data, cut);
          g_autoptr(JsonNode) node = ob_amt_audit_record_decode (copy, cut, &error);

          g_assert_null (node);
          g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
        }
    }
}

static void
test_audit_lengths_past_end (void)
{
  /* user length 200 in a 20-byte record */
  const guint8 user_len[] = { 0, 17, 0, 0, 0, 200, 'a', 'd', 'm', 'i', 'n', 0x65, 0x7a, 0xd0, 0x27, 0, 0, 0, 0, 0 };
  /* Kerberos SID length past the end */
  const guint8 sid_len[] = { 0, 18, 0, 8, 1, 0, 0, 0, 0, 255, 1, 2, 3 };
  /* network address length past the end */
  const guint8 net_len[] = { 0, 17, 0, 0, 2, 0x65, 0x7a, 0xd0, 0x27, 0, 50, '1', '0', '.' };
  /* extended data length past the end */
  const guint8 ex_len[] = { 0, 17, 0, 0, 2, 0x65, 0x7a, 0xd0, 0x27, 0, 0, 255, 1, 2, 3 };
  /* unknown initiator type */
  const guint8 initiator[] = { 0, 17, 0, 0, 9, 0x65, 0x7a, 0xd0, 0x27, 0, 0, 0 };
  struct { const guint8 *data; gsize len; } cases[] = {
    { user_len, sizeof user_len }, { sid_len, sizeof sid_len }, { net_len, sizeof net_len },
    { ex_len, sizeof ex_len }, { initiator, sizeof initiator },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *copy = g_memdup2 (cases[i].data, cases[i].len);
      g_autoptr(JsonNode) node = ob_amt_audit_record_decode (copy, cases[i].len, &error);

      g_assert_null (node);
      g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
    }

  /* Trailing bytes after the extended data are ignored, as the reference
   * ignores them. */
  {
    const guint8 trailing[] = { 0, 17, 0, 3, 2, 0x65, 0x7a, 0xd0, 0x27, 0, 0, 0, 0xAA, 0xBB };
    g_autoptr(JsonNode) node = decode_audit_ok (trailing, sizeof trailing);

    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "Event"), ==, "Performed Reset");
  }
}

static void
test_audit_base64 (void)
{
  g_autoptr(GBytes) text = load_corpus ("audit-digest-power-up.b64");
  g_autofree char *b64 = g_strndup (g_bytes_get_data (text, NULL), g_bytes_get_size (text));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = ob_amt_audit_record_decode_base64 (b64, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "Initiator"), ==, "admin");
}

static void
test_audit_encode_limits (void)
{
  g_autofree char *long_user = g_strnfill (256, 'u');
  ObAmtAuditRecord too_long = { .app_id = 16, .initiator_type = 0, .user = long_user };
  ObAmtAuditRecord bad_type = { .app_id = 16, .initiator_type = 7 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = ob_amt_audit_record_encode (&too_long, &error);
  g_autoptr(GBytes) b = NULL;

  g_assert_null (a);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  b = ob_amt_audit_record_encode (&bad_type, &error);
  g_assert_null (b);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT);
}

static void
test_random_records (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  guint decoded = 0;

  /* Random bytes with a plausible head: most die on a length, some decode;
   * none may crash or read past the end (sanitizer builds check that). */
  for (int round = 0; round < 20000; round++)
    {
      gsize len = g_rand_int_range (rand, 0, 48);
      g_autofree guint8 *data = g_malloc (len + 1);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;

      for (gsize i = 0; i < len; i++)
        data[i] = (guint8) g_rand_int_range (rand, 0, i == 4 ? 5 : (i == 5 || i > 8) ? 16 : 256);
      node = ob_amt_audit_record_decode (data, len, &error);
      g_assert_true ((node == NULL) != (error == NULL));
      if (node != NULL)
        {
          g_autofree char *json = to_json (node);

          g_assert_true (g_utf8_validate (json, -1, NULL));
          decoded++;
        }
    }

  g_assert_cmpuint (decoded, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/amt-logs/event/record", test_event_record);
  g_test_add_func ("/amt-logs/event/descriptions", test_event_descriptions);
  g_test_add_func ("/amt-logs/event/no-time-unknown-entity", test_event_no_time_unknown_entity);
  g_test_add_func ("/amt-logs/event/round-trip", test_event_round_trip);
  g_test_add_func ("/amt-logs/event/wrong-sizes", test_event_wrong_sizes);
  g_test_add_func ("/amt-logs/base64", test_base64);
  g_test_add_func ("/amt-logs/audit/digest-record", test_audit_digest_record);
  g_test_add_func ("/amt-logs/audit/initiators", test_audit_initiators);
  g_test_add_func ("/amt-logs/audit/extended-data", test_audit_extended_data);
  g_test_add_func ("/amt-logs/audit/binary-text", test_audit_binary_text);
  g_test_add_func ("/amt-logs/audit/unknown-ids", test_audit_unknown_ids);
  g_test_add_func ("/amt-logs/audit/truncated-everywhere", test_audit_truncated_everywhere);
  g_test_add_func ("/amt-logs/audit/lengths-past-end", test_audit_lengths_past_end);
  g_test_add_func ("/amt-logs/audit/base64", test_audit_base64);
  g_test_add_func ("/amt-logs/audit/encode-limits", test_audit_encode_limits);
  g_test_add_func ("/amt-logs/audit/random-records", test_random_records);

  return g_test_run ();
}
