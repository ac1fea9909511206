/* test-apf-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-apf-message.h"

#define EXAMPLE_GUID "4c4c4544-004b-4210-8033-b6c04f504633"

static const guint8 example_guid_wire[16] = {
  0x44, 0x45, 0x4c, 0x4c, 0x4b, 0x00, 0x10, 0x42,
  0x80, 0x33, 0xb6, 0xc0, 0x4f, 0x50, 0x46, 0x33,
};

/* Decode from a private heap copy of exactly @len bytes, so reading one
 * byte too far lands in the sanitizer's redzone. */
static ObApfDecodeStatus
decode_exact (const guint8      *data,
              gsize              len,
              ObApfDecodeFlags   flags,
              ObApfMessage      *out,
              gsize             *consumed,
              GError           **error)
{
  g_autofree guint8 *copy = len > 0 ? g_memdup2 (data, len) : NULL;

  return ob_apf_message_decode_full (copy, len, flags, out, consumed, error);
}

/* ---- one sample of every message and layout ------------------------------ */

typedef struct
{
  const char       *name;
  ObApfDecodeFlags  flags;
  GByteArray       *bytes;
} Sample;

static guint8 big_payload[3000];

static GPtrArray *
make_samples (void)
{
  GPtrArray *samples = g_ptr_array_new ();
  GByteArray *b;

#define ADD(label, fl) \
  G_STMT_START { \
    Sample *s = g_new0 (Sample, 1); \
    s->name = label; \
    s->flags = fl; \
    s->bytes = b; \
    g_ptr_array_add (samples, s); \
  } G_STMT_END

  for (guint i = 0; i < sizeof big_payload; i++)
    big_payload[i] = (guint8) (i * 7 + 3);

  b = g_byte_array_new (); ob_apf_encode_disconnect (b, OB_APF_DISCONNECT_BY_APPLICATION); ADD ("disconnect", 0);
  b = g_byte_array_new (); ob_apf_encode_service_request (b, OB_APF_SERVICE_AUTH); ADD ("service-request", 0);
  b = g_byte_array_new (); ob_apf_encode_service_accept (b, OB_APF_SERVICE_PFWD); ADD ("service-accept", 0);
  b = g_byte_array_new (); ob_apf_encode_protocol_version (b, 1, 0, OB_APF_TRIGGER_PERIODIC, EXAMPLE_GUID); ADD ("protocol-version", 0);
  b = g_byte_array_new (); ob_apf_encode_userauth_request (b, "cira-user", OB_APF_SERVICE_PFWD, "password", "S3cret!pw"); ADD ("userauth-request", 0);
  b = g_byte_array_new (); ob_apf_encode_userauth_request (b, "cira-user", OB_APF_SERVICE_PFWD, "none", NULL); ADD ("userauth-request-none", 0);
  b = g_byte_array_new (); ob_apf_encode_userauth_success (b); ADD ("userauth-success", 0);
  b = g_byte_array_new (); ob_apf_encode_userauth_failure (b, NULL); ADD ("userauth-failure", 0);
  b = g_byte_array_new (); ob_apf_encode_tcpip_forward (b, FALSE, TRUE, "", 16992); ADD ("tcpip-forward", 0);
  b = g_byte_array_new (); ob_apf_encode_tcpip_forward (b, FALSE, TRUE, "mps.example.com", 5900); ADD ("tcpip-forward-address", 0);
  b = g_byte_array_new (); ob_apf_encode_tcpip_forward (b, TRUE, TRUE, "", 623); ADD ("cancel-tcpip-forward", 0);
  b = g_byte_array_new (); ob_apf_encode_udp_send_to (b, FALSE, "10.0.0.1", 162, "10.0.0.2", 40000, (const guint8 *) "\x30\x00\x01\x02", 4); ADD ("udp-send-to", 0);
  b = g_byte_array_new (); ob_apf_encode_global_request (b, "keepalive@openssh.com", TRUE); ADD ("global-other", 0);
  b = g_byte_array_new (); ob_apf_encode_request_success (b, TRUE, 16993); ADD ("request-success-port", 0);
  b = g_byte_array_new (); ob_apf_encode_request_success (b, FALSE, 0); ADD ("request-success-bare", OB_APF_DECODE_FLAGS_BARE_REQUEST_SUCCESS);
  b = g_byte_array_new (); ob_apf_encode_request_failure (b); ADD ("request-failure", 0);
  b = g_byte_array_new (); ob_apf_encode_channel_open (b, OB_APF_CHANNEL_FORWARDED_TCPIP, 4, 81920, 0xffffffff, "", 16992, "1.2.3.4", 1024); ADD ("channel-open", 0);
  b = g_byte_array_new (); ob_apf_encode_channel_open (b, OB_APF_CHANNEL_DIRECT_TCPIP, 9, 4096, 0xffffffff, "host", 80, "10.1.1.1", 5555); ADD ("channel-open-direct", 0);
  b = g_byte_array_new (); ob_apf_encode_channel_open_confirmation (b, 4, 77, 32768, 0xffffffff); ADD ("open-confirmation", 0);
  b = g_byte_array_new (); ob_apf_encode_channel_open_failure (b, 4, OB_APF_OPEN_FAILURE_CONNECT_FAILED, NULL, NULL); ADD ("open-failure", 0);
  b = g_byte_array_new (); ob_apf_encode_channel_open_failure (b, 4, OB_APF_OPEN_FAILURE_RESOURCE_SHORTAGE, "busy", "en"); ADD ("open-failure-text", 0);
  b = g_byte_array_new (); ob_apf_encode_window_adjust (b, 77, 40961); ADD ("window-adjust", 0);
  b = g_byte_array_new (); ob_apf_encode_channel_data (b, 77, big_payload, sizeof big_payload); ADD ("channel-data", 0);
  b = g_byte_array_new (); ob_apf_encode_channel_data (b, 77, NULL, 0); ADD ("channel-data-empty", 0);
  b = g_byte_array_new (); ob_apf_encode_channel_close (b, 77); ADD ("channel-close", 0);
  b = g_byte_array_new (); ob_apf_encode_keepalive_request (b, 0xdeadbeef); ADD ("keepalive-request", 0);
  b = g_byte_array_new (); ob_apf_encode_keepalive_reply (b, 0xdeadbeef); ADD ("keepalive-reply", 0);
  b = g_byte_array_new (); ob_apf_encode_keepalive_options_request (b, 30, 0); ADD ("keepalive-options-request", 0);
  b = g_byte_array_new (); ob_apf_encode_keepalive_options_reply (b, 30, 0); ADD ("keepalive-options-reply", 0);

#undef ADD
  return samples;
}

static void
free_samples (GPtrArray *samples)
{
  for (guint i = 0; i < samples->len; i++)
    {
      Sample *s = g_ptr_array_index (samples, i);

      g_byte_array_unref (s->bytes);
      g_free (s);
    }
  g_ptr_array_unref (samples);
}

/* ---- the documented layouts ------------------------------------------------ */

static void
test_guid_example (void)
{
  guint8 wire[OB_APF_PROTOCOL_VERSION_SIZE] = { 0 };
  g_auto(ObApfMessage) m = { 0 };
  g_autoptr(GByteArray) encoded = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize used = 0;

  wire[0] = 192;
  wire[4] = 1;             /* major 1 */
  wire[8] = 0;             /* minor 0 */
  wire[12] = 2;            /* trigger: alert */
  memcpy (wire + 13, example_guid_wire, 16);
  memset (wire + 29, 0xaa, 64);  /* reserved bytes are not interpreted */

  g_assert_cmpint (decode_exact (wire, sizeof wire, 0, &m, &used, &error), ==, OB_APF_DECODE_OK);
  g_assert_no_error (error);
  g_assert_cmpuint (used, ==, 93);
  g_assert_cmpint (m.type, ==, OB_APF_PROTOCOL_VERSION);
  g_assert_cmpuint (m.protocol_version.major, ==, 1);
  g_assert_cmpuint (m.protocol_version.minor, ==, 0);
  g_assert_cmpuint (m.protocol_version.trigger_reason, ==, OB_APF_TRIGGER_ALERT);
  g_assert_cmpstr (m.protocol_version.guid, ==, EXAMPLE_GUID);

  /* And back: the GUID goes out in SMBIOS order, reserved bytes zero. */
  ob_apf_encode_protocol_version (encoded, 1, 0, 2, EXAMPLE_GUID);
  g_assert_cmpuint (encoded->len, ==, 93);
  g_assert_cmpmem (encoded->data + 13, 16, example_guid_wire, 16);
  g_assert_cmpmem (encoded->data, 13, wire, 13);
  for (guint i = 29; i < 93; i++)
    g_assert_cmpuint (encoded->data[i], ==, 0);

  /* An upper-case GUID encodes to the same bytes. */
  g_byte_array_set_size (encoded, 0);
  ob_apf_encode_protocol_version (encoded, 1, 0, 2, "4C4C4544-004B-4210-8033-B6C04F504633");
  g_assert_cmpmem (encoded->data + 13, 16, example_guid_wire, 16);
}

static void
assert_bytes (GByteArray   *array,
              const guint8 *expected,
              gsize         len)
{
  g_assert_cmpmem (array->data, array->len, expected, len);
}

static void
test_layouts (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();

  ob_apf_encode_disconnect (b, OB_APF_DISCONNECT_PROTOCOL_ERROR);
  g_assert_cmpuint (b->len, ==, OB_APF_DISCONNECT_SIZE);
  assert_bytes (b, (const guint8 *) "\x01\x00\x00\x00\x02\x00\x00", 7);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_channel_open_confirmation (b, 4, 0x01020304, 81920, 0xffffffff);
  g_assert_cmpuint (b->len, ==, OB_APF_OPEN_CONFIRMATION_SIZE);
  assert_bytes (b, (const guint8 *) "\x5b\x00\x00\x00\x04\x01\x02\x03\x04\x00\x01\x40\x00\xff\xff\xff\xff", 17);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_channel_open_failure (b, 7, OB_APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE, NULL, NULL);
  g_assert_cmpuint (b->len, ==, OB_APF_OPEN_FAILURE_SIZE);
  assert_bytes (b, (const guint8 *) "\x5c\x00\x00\x00\x07\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00", 17);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_userauth_failure (b, NULL);
  g_assert_cmpuint (b->len, ==, OB_APF_USERAUTH_FAILURE_SIZE);
  assert_bytes (b, (const guint8 *) "\x33\x00\x00\x00\x08password\x00\x00", 15);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_userauth_success (b);
  assert_bytes (b, (const guint8 *) "\x34", 1);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_request_success (b, TRUE, 16992);
  assert_bytes (b, (const guint8 *) "\x51\x00\x00\x42\x60", 5);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_request_success (b, FALSE, 0);
  assert_bytes (b, (const guint8 *) "\x51", 1);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_service_request (b, OB_APF_SERVICE_AUTH);
  g_assert_cmpuint (b->len, ==, 5 + strlen (OB_APF_SERVICE_AUTH));
  assert_bytes (b, (const guint8 *) "\x05\x00\x00\x00\x12" "auth@amt.intel.com", 23);

  /* USERAUTH_REQUEST: 18 + u + s + m + p with the boolean before the
   * password; 13 + u + s + m without a password method. */
  g_byte_array_set_size (b, 0);
  ob_apf_encode_userauth_request (b, "u1", "pfwd@amt.intel.com", "password", "pw");
  g_assert_cmpuint (b->len, ==, 18 + 2 + 18 + 8 + 2);
  assert_bytes (b, (const guint8 *) "\x32\x00\x00\x00\x02u1\x00\x00\x00\x12pfwd@amt.intel.com"
                                    "\x00\x00\x00\x08password\x00\x00\x00\x00\x02pw", 48);
  g_byte_array_set_size (b, 0);
  ob_apf_encode_userauth_request (b, "u1", "pfwd@amt.intel.com", "none", "ignored");
  g_assert_cmpuint (b->len, ==, 13 + 2 + 18 + 4);

  /* GLOBAL_REQUEST tcpip-forward: 14 + r + a. */
  g_byte_array_set_size (b, 0);
  ob_apf_encode_tcpip_forward (b, FALSE, TRUE, "", 16993);
  g_assert_cmpuint (b->len, ==, 14 + 13);
  assert_bytes (b, (const guint8 *) "\x50\x00\x00\x00\x0dtcpip-forward\x01\x00\x00\x00\x00\x00\x00\x42\x61", 27);

  /* CHANNEL_OPEN: 33 + t + a + o, the MPS's reserved 0xffffffff. */
  g_byte_array_set_size (b, 0);
  ob_apf_encode_channel_open (b, "forwarded-tcpip", 4, 81920, 0xffffffff, "", 16992, "1.2.3.4", 1024);
  g_assert_cmpuint (b->len, ==, 33 + 15 + 0 + 7);
  assert_bytes (b, (const guint8 *) "\x5a\x00\x00\x00\x0f" "forwarded-tcpip"
                                    "\x00\x00\x00\x04\x00\x01\x40\x00\xff\xff\xff\xff"
                                    "\x00\x00\x00\x00\x00\x00\x42\x60"
                                    "\x00\x00\x00\x07" "1.2.3.4" "\x00\x00\x04\x00", 55);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_channel_data (b, 4, (const guint8 *) "abc", 3);
  assert_bytes (b, (const guint8 *) "\x5e\x00\x00\x00\x04\x00\x00\x00\x03" "abc", 12);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_window_adjust (b, 4, 0x10000);
  assert_bytes (b, (const guint8 *) "\x5d\x00\x00\x00\x04\x00\x01\x00\x00", 9);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_channel_close (b, 4);
  assert_bytes (b, (const guint8 *) "\x61\x00\x00\x00\x04", 5);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_keepalive_request (b, 0x01020304);
  assert_bytes (b, (const guint8 *) "\xd0\x01\x02\x03\x04", 5);
  g_byte_array_set_size (b, 0);
  ob_apf_encode_keepalive_reply (b, 0x01020304);
  assert_bytes (b, (const guint8 *) "\xd1\x01\x02\x03\x04", 5);
  g_byte_array_set_size (b, 0);
  ob_apf_encode_keepalive_options_request (b, 30, 0);
  assert_bytes (b, (const guint8 *) "\xd2\x00\x00\x00\x1e\x00\x00\x00\x00", 9);
  g_byte_array_set_size (b, 0);
  ob_apf_encode_keepalive_options_reply (b, 30, 0);
  assert_bytes (b, (const guint8 *) "\xd3\x00\x00\x00\x1e\x00\x00\x00\x00", 9);
}

/* Field values after decoding what the encoders wrote. */
static void
test_decoded_fields (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_auto(ObApfMessage) m = { 0 };
  gsize used;

  ob_apf_encode_userauth_request (b, "cira-user", OB_APF_SERVICE_PFWD, "password", "S3cret!pw");
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpuint (used, ==, b->len);
  g_assert_cmpstr (m.userauth_request.username, ==, "cira-user");
  g_assert_cmpstr (m.userauth_request.service, ==, OB_APF_SERVICE_PFWD);
  g_assert_cmpstr (m.userauth_request.method, ==, "password");
  g_assert_cmpstr (m.userauth_request.password, ==, "S3cret!pw");
  ob_apf_message_clear (&m);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_userauth_request (b, "cira-user", OB_APF_SERVICE_PFWD, "none", NULL);
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpstr (m.userauth_request.method, ==, "none");
  g_assert_null (m.userauth_request.password);
  ob_apf_message_clear (&m);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_tcpip_forward (b, FALSE, TRUE, "", 5900);
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpint (m.global_request.kind, ==, OB_APF_GLOBAL_REQUEST_TCPIP_FORWARD);
  g_assert_cmpstr (m.global_request.name, ==, "tcpip-forward");
  g_assert_true (m.global_request.want_reply);
  g_assert_cmpstr (m.global_request.address, ==, "");
  g_assert_cmpuint (m.global_request.port, ==, 5900);
  ob_apf_message_clear (&m);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_tcpip_forward (b, TRUE, FALSE, "a", 623);
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpint (m.global_request.kind, ==, OB_APF_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD);
  g_assert_false (m.global_request.want_reply);
  g_assert_cmpuint (m.global_request.port, ==, 623);
  ob_apf_message_clear (&m);

  /* udp-send-to: parsed whole; its payload may hold any byte. */
  g_byte_array_set_size (b, 0);
  ob_apf_encode_udp_send_to (b, FALSE, "10.0.0.1", 162, "10.0.0.2", 40000, (const guint8 *) "\x00\xff\x00", 3);
  g_assert_cmpuint (b->len, ==, 26 + 25 + 8 + 8 + 3);
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpuint (used, ==, b->len);
  g_assert_cmpint (m.global_request.kind, ==, OB_APF_GLOBAL_REQUEST_UDP_SEND_TO);
  g_assert_cmpstr (m.global_request.originator_address, ==, "10.0.0.2");
  g_assert_cmpuint (m.global_request.originator_port, ==, 40000);
  g_assert_cmpuint (g_bytes_get_size (m.global_request.data), ==, 3);
  ob_apf_message_clear (&m);

  /* Other global requests: type, name, want-reply, nothing more (6 +
   * name); what follows is the next message. */
  g_byte_array_set_size (b, 0);
  ob_apf_encode_global_request (b, "something@vendor", TRUE);
  ob_apf_encode_keepalive_request (b, 9);
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpuint (used, ==, 6 + 16);
  g_assert_cmpint (m.global_request.kind, ==, OB_APF_GLOBAL_REQUEST_OTHER);
  g_assert_cmpstr (m.global_request.name, ==, "something@vendor");
  g_assert_null (m.global_request.address);
  ob_apf_message_clear (&m);
  g_assert_cmpint (ob_apf_message_decode (b->data + used, b->len - used, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpint (m.type, ==, OB_APF_KEEPALIVE_REQUEST);
  g_assert_cmpuint (m.keepalive.cookie, ==, 9);
  ob_apf_message_clear (&m);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_channel_open (b, "forwarded-tcpip", 4, 81920, 0xffffffff, "", 16992, "1.2.3.4", 1030);
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpstr (m.channel_open.channel_type, ==, "forwarded-tcpip");
  g_assert_cmpuint (m.channel_open.sender_channel, ==, 4);
  g_assert_cmpuint (m.channel_open.initial_window, ==, 81920);
  g_assert_cmpuint (m.channel_open.max_packet, ==, 0xffffffff);
  g_assert_cmpstr (m.channel_open.connected_address, ==, "");
  g_assert_cmpuint (m.channel_open.connected_port, ==, 16992);
  g_assert_cmpstr (m.channel_open.originator_address, ==, "1.2.3.4");
  g_assert_cmpuint (m.channel_open.originator_port, ==, 1030);
  ob_apf_message_clear (&m);

  /* CHANNEL_DATA borrows its payload from the input. */
  g_byte_array_set_size (b, 0);
  ob_apf_encode_channel_data (b, 12, (const guint8 *) "hello", 5);
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpuint (m.channel_data.recipient_channel, ==, 12);
  g_assert_cmpuint (m.channel_data.length, ==, 5);
  g_assert_true (m.channel_data.data == b->data + 9);
  ob_apf_message_clear (&m);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_disconnect (b, 15);
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpuint (m.disconnect.reason, ==, 15);
  ob_apf_message_clear (&m);

  g_byte_array_set_size (b, 0);
  ob_apf_encode_channel_open_failure (b, 4, 2, NULL, NULL);
  g_assert_cmpint (ob_apf_message_decode (b->data, b->len, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_cmpuint (m.open_failure.recipient_channel, ==, 4);
  g_assert_cmpuint (m.open_failure.reason, ==, 2);
  g_assert_cmpstr (m.open_failure.description, ==, "");
  g_assert_cmpuint (used, ==, 17);
}

/* REQUEST_SUCCESS: the flag picks the bare form. */
static void
test_request_success_forms (void)
{
  guint8 with_port[] = { 81, 0, 0, 0x42, 0x60, 82 };
  g_auto(ObApfMessage) m = { 0 };
  gsize used;

  g_assert_cmpint (ob_apf_message_decode (with_port, sizeof with_port, &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_true (m.request_success.has_port);
  g_assert_cmpuint (m.request_success.port, ==, 16992);
  g_assert_cmpuint (used, ==, 5);
  ob_apf_message_clear (&m);

  g_assert_cmpint (ob_apf_message_decode_full (with_port, sizeof with_port,
                                               OB_APF_DECODE_FLAGS_BARE_REQUEST_SUCCESS,
                                               &m, &used, NULL), ==, OB_APF_DECODE_OK);
  g_assert_false (m.request_success.has_port);
  g_assert_cmpuint (used, ==, 1);

  /* With a port expected, one byte is not enough. */
  g_assert_cmpint (decode_exact (with_port, 1, 0, &m, &used, NULL), ==, OB_APF_DECODE_NEED_MORE);
}

/* ---- round trips and truncation ----------------------------------------------- */

static void
test_round_trip (void)
{
  g_autoptr(GPtrArray) samples = make_samples ();

  for (guint i = 0; i < samples->len; i++)
    {
      Sample *s = g_ptr_array_index (samples, i);
      g_auto(ObApfMessage) m = { 0 };
      g_auto(ObApfMessage) again = { 0 };
      g_autoptr(GByteArray) encoded = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      gsize used = 0;

      /* Channel data is borrowed from the input: keep the copy alive. */
      g_autofree guint8 *copy = g_memdup2 (s->bytes->data, s->bytes->len);

      g_test_message ("%s", s->name);
      g_assert_cmpint (ob_apf_message_decode_full (copy, s->bytes->len, s->flags, &m, &used, &error),
                       ==, OB_APF_DECODE_OK);
      g_assert_no_error (error);
      g_assert_cmpuint (used, ==, s->bytes->len);

      /* Encoding the decoded message gives the same bytes... */
      g_assert_true (ob_apf_message_encode (&m, encoded));
      g_assert_cmpmem (encoded->data, encoded->len, s->bytes->data, s->bytes->len);

      /* ...which decode to an equal message. */
      g_assert_cmpint (ob_apf_message_decode_full (encoded->data, encoded->len, s->flags, &again, &used, &error),
                       ==, OB_APF_DECODE_OK);
      g_assert_true (ob_apf_message_equal (&m, &again));
    }

  free_samples (g_steal_pointer (&samples));
}

static void
test_truncated (void)
{
  g_autoptr(GPtrArray) samples = make_samples ();

  for (guint i = 0; i < samples->len; i++)
    {
      Sample *s = g_ptr_array_index (samples, i);

      for (gsize cut = 0; cut < s->bytes->len; cut++)
        {
          g_auto(ObApfMessage) m = { 0 };
          g_autoptr(GError) error = NULL;
          gsize used = 99;

          if (decode_exact (s->bytes->data, cut, s->flags, &m, &used, &error) != OB_APF_DECODE_NEED_MORE)
            g_error ("%s cut at %" G_GSIZE_FORMAT ": not NEED_MORE", s->name, cut);
          g_assert_no_error (error);
          g_assert_cmpuint (used, ==, 0);
          g_assert_cmpint (m.type, ==, 0);
        }
    }

  free_samples (g_steal_pointer (&samples));
}

/* All samples back to back, decoded as a stream accumulator would, with
 * the input arriving in pieces of every size from 1 to 17 bytes. */
static void
test_stream (void)
{
  g_autoptr(GPtrArray) samples = make_samples ();
  g_autoptr(GByteArray) all = g_byte_array_new ();

  for (guint i = 0; i < samples->len; i++)
    {
      Sample *s = g_ptr_array_index (samples, i);

      /* The bare REQUEST_SUCCESS needs the flag: leave it out here. */
      if (s->flags == 0)
        g_byte_array_append (all, s->bytes->data, s->bytes->len);
    }

  for (gsize piece = 1; piece <= 17; piece++)
    {
      g_autoptr(GByteArray) acc = g_byte_array_new ();
      guint n_messages = 0;
      gsize pos = 0;

      while (pos < all->len)
        {
          gsize n = MIN (piece, all->len - pos);

          g_byte_array_append (acc, all->data + pos, n);
          pos += n;

          for (;;)
            {
              g_auto(ObApfMessage) m = { 0 };
              g_autoptr(GError) error = NULL;
              gsize used = 0;
              ObApfDecodeStatus st = decode_exact (acc->data, acc->len, 0, &m, &used, &error);

              g_assert_no_error (error);
              if (st == OB_APF_DECODE_NEED_MORE)
                break;
              g_assert_cmpint (st, ==, OB_APF_DECODE_OK);
              g_assert_cmpuint (used, >, 0);
              g_byte_array_remove_range (acc, 0, used);
              n_messages++;
            }
        }
      g_assert_cmpuint (acc->len, ==, 0);
      g_assert_cmpuint (n_messages, ==, samples->len - 1);
    }

  free_samples (g_steal_pointer (&samples));
}

/* ---- limits ------------------------------------------------------------------ */

static GByteArray *
service_request_with_length (guint32 n,
                             gboolean with_bytes)
{
  GByteArray *b = g_byte_array_new ();
  guint8 head[5] = { OB_APF_SERVICE_REQUEST, (guint8) (n >> 24), (guint8) (n >> 16), (guint8) (n >> 8), (guint8) n };

  g_byte_array_append (b, head, 5);
  if (with_bytes)
    for (guint32 i = 0; i < n; i++)
      g_byte_array_append (b, (const guint8 *) "x", 1);
  return b;
}

static void
test_string_limits (void)
{
  g_auto(ObApfMessage) m = { 0 };
  gsize used;

  /* 2048 is allowed... */
  {
    g_autoptr(GByteArray) b = service_request_with_length (2048, TRUE);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (decode_exact (b->data, b->len, 0, &m, &used, &error), ==, OB_APF_DECODE_OK);
    g_assert_no_error (error);
    g_assert_cmpuint (strlen (m.service.name), ==, 2048);
    g_assert_cmpuint (used, ==, 5 + 2048);
    ob_apf_message_clear (&m);
  }
  /* ...and with the bytes still missing it waits for them. */
  {
    g_autoptr(GByteArray) b = service_request_with_length (2048, FALSE);

    g_assert_cmpint (decode_exact (b->data, b->len, 0, &m, &used, NULL), ==, OB_APF_DECODE_NEED_MORE);
  }
  /* 2049 is an error as soon as the length is visible. */
  {
    g_autoptr(GByteArray) b = service_request_with_length (2049, FALSE);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (decode_exact (b->data, b->len, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
    g_assert_cmpint (m.type, ==, 0);
  }
  {
    g_autoptr(GByteArray) b = service_request_with_length (2049, TRUE);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (decode_exact (b->data, b->len, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
  {
    g_autoptr(GByteArray) b = service_request_with_length (0xffffffff, FALSE);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (decode_exact (b->data, b->len, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }

  /* Every string field of every message has the limit: a 2049 in the
   * last string of USERAUTH_REQUEST (the password) and of CHANNEL_OPEN. */
  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    ob_apf_encode_userauth_request (b, "u", "s", "password", "");
    b->data[b->len - 3] = 0x08;
    b->data[b->len - 2] = 0x01;
    g_assert_cmpint (decode_exact (b->data, b->len, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    ob_apf_encode_channel_open (b, "forwarded-tcpip", 4, 1, 1, "", 1, "", 1);
    /* originator length at offset len - 8 */
    b->data[b->len - 6] = 0x08;
    b->data[b->len - 5] = 0x01;
    g_assert_cmpint (decode_exact (b->data, b->len, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    ob_apf_encode_tcpip_forward (b, FALSE, TRUE, "", 1);
    /* bind address length right after the want-reply byte */
    b->data[1 + 4 + 13 + 1 + 2] = 0x08;
    b->data[1 + 4 + 13 + 1 + 3] = 0x01;
    g_assert_cmpint (decode_exact (b->data, b->len, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
}

static void
test_data_limits (void)
{
  g_autofree guint8 *payload = g_malloc0 (OB_APF_MAX_DATA_LENGTH + 1);
  g_auto(ObApfMessage) m = { 0 };
  gsize used;

  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    ob_apf_encode_channel_data (b, 5, payload, OB_APF_MAX_DATA_LENGTH);
    g_assert_cmpint (decode_exact (b->data, b->len, 0, &m, &used, &error), ==, OB_APF_DECODE_OK);
    g_assert_no_error (error);
    g_assert_cmpuint (m.channel_data.length, ==, OB_APF_MAX_DATA_LENGTH);
    g_assert_cmpuint (used, ==, 9 + OB_APF_MAX_DATA_LENGTH);
    ob_apf_message_clear (&m);

    /* One byte short: wait. */
    g_assert_cmpint (decode_exact (b->data, b->len - 1, 0, &m, &used, &error), ==, OB_APF_DECODE_NEED_MORE);
    /* The header alone: wait. */
    g_assert_cmpint (decode_exact (b->data, 9, 0, &m, &used, &error), ==, OB_APF_DECODE_NEED_MORE);
    g_assert_no_error (error);
  }
  {
    /* 1 MiB + 1: an error from the 9-byte header alone. */
    guint8 head[9] = { OB_APF_CHANNEL_DATA, 0, 0, 0, 5, 0x00, 0x10, 0x00, 0x01 };
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (decode_exact (head, sizeof head, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
  {
    guint8 head[9] = { OB_APF_CHANNEL_DATA, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff };
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (decode_exact (head, sizeof head, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
}

static gboolean
is_known_type (guint type)
{
  static const guint known[] = { 1, 5, 6, 50, 51, 52, 80, 81, 82, 90, 91, 92, 93, 94, 97,
                                 192, 208, 209, 210, 211 };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (known[i] == type)
      return TRUE;
  return FALSE;
}

static void
test_unknown_types (void)
{
  guint n_unknown = 0;

  for (guint type = 0; type < 256; type++)
    {
      guint8 byte = (guint8) type;
      g_auto(ObApfMessage) m = { 0 };
      g_autoptr(GError) error = NULL;
      gsize used = 0;
      ObApfDecodeStatus st = decode_exact (&byte, 1, 0, &m, &used, &error);

      if (is_known_type (type))
        {
          /* Only USERAUTH_SUCCESS and REQUEST_FAILURE are one byte long. */
          if (type == OB_APF_USERAUTH_SUCCESS || type == OB_APF_REQUEST_FAILURE)
            g_assert_cmpint (st, ==, OB_APF_DECODE_OK);
          else
            g_assert_cmpint (st, ==, OB_APF_DECODE_NEED_MORE);
          g_assert_no_error (error);
          g_assert_cmpstr (ob_apf_message_type_to_string (type), !=, "unknown");
        }
      else
        {
          g_assert_cmpint (st, ==, OB_APF_DECODE_ERROR);
          g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
          g_assert_cmpstr (ob_apf_message_type_to_string (type), ==, "unknown");
          n_unknown++;
        }
    }
  g_assert_cmpuint (n_unknown, ==, 256 - 20);

  /* MeshCentral's JSON_CONTROL is not APF. */
  {
    guint8 mesh[5] = { 250, 0, 0, 0, 0 };
    g_auto(ObApfMessage) m = { 0 };
    g_autoptr(GError) error = NULL;
    gsize used;

    g_assert_cmpint (decode_exact (mesh, 5, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
  /* An HTTP request is not APF either ('G' = 71). */
  {
    g_auto(ObApfMessage) m = { 0 };
    g_autoptr(GError) error = NULL;
    gsize used;

    g_assert_cmpint (decode_exact ((const guint8 *) "GET / HTTP/1.1\r\n", 16, 0, &m, &used, &error),
                     ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
}

static void
test_bad_text (void)
{
  g_auto(ObApfMessage) m = { 0 };
  gsize used;

  /* A NUL inside the user name would make "admin\0junk" equal "admin" to
   * C string code: refused. */
  {
    guint8 msg[] = { 50, 0, 0, 0, 3, 'a', 0, 'b', 0, 0, 0, 0, 0, 0, 0, 4, 'n', 'o', 'n', 'e' };
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (decode_exact (msg, sizeof msg, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
  /* Invalid UTF-8 in a service name. */
  {
    guint8 msg[] = { 5, 0, 0, 0, 2, 0xc3, 0x28 };
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (decode_exact (msg, sizeof msg, 0, &m, &used, &error), ==, OB_APF_DECODE_ERROR);
    g_assert_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL);
  }
  /* Valid UTF-8 is fine. */
  {
    guint8 msg[] = { 5, 0, 0, 0, 2, 0xc3, 0xa9 };
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (decode_exact (msg, sizeof msg, 0, &m, &used, &error), ==, OB_APF_DECODE_OK);
    g_assert_cmpstr (m.service.name, ==, "\xc3\xa9");
  }
}

/* Random bytes: every call ends in one of the three answers, consumes at
 * most what it was given, and an error always comes with a GError. */
static void
test_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  guint n_ok = 0, n_error = 0, n_more = 0;

  for (guint round = 0; round < 20000; round++)
    {
      gsize len = g_rand_int_range (rand, 0, 64);
      g_autofree guint8 *buf = g_malloc (len + 1);
      g_auto(ObApfMessage) m = { 0 };
      g_autoptr(GError) error = NULL;
      gsize used = 0;
      ObApfDecodeStatus st;

      for (gsize i = 0; i < len; i++)
        buf[i] = (guint8) g_rand_int_range (rand, 0, 256);
      /* Bias towards real types with small lengths, so decoding gets deep. */
      if (len > 0 && round % 2 == 0)
        {
          static const guint8 types[] = { 1, 5, 6, 50, 51, 52, 80, 81, 82, 90, 91, 92, 93, 94, 97,
                                          192, 208, 209, 210, 211 };
          buf[0] = types[g_rand_int_range (rand, 0, G_N_ELEMENTS (types))];
          for (gsize i = 1; i + 3 < len; i += 4)
            if (g_rand_boolean (rand))
              {
                buf[i] = 0;
                buf[i + 1] = 0;
                buf[i + 2] = 0;
                buf[i + 3] = (guint8) g_rand_int_range (rand, 0, 12);
              }
        }

      st = decode_exact (buf, len, g_rand_boolean (rand) ? OB_APF_DECODE_FLAGS_BARE_REQUEST_SUCCESS : 0,
                         &m, &used, &error);
      switch (st)
        {
        case OB_APF_DECODE_OK:
          g_assert_no_error (error);
          g_assert_cmpuint (used, >, 0);
          g_assert_cmpuint (used, <=, len);
          n_ok++;
          break;
        case OB_APF_DECODE_ERROR:
          g_assert_nonnull (error);
          n_error++;
          break;
        case OB_APF_DECODE_NEED_MORE:
          g_assert_no_error (error);
          g_assert_cmpuint (used, ==, 0);
          n_more++;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_test_message ("ok %u, error %u, need more %u", n_ok, n_error, n_more);
  g_assert_cmpuint (n_ok, >, 0);
  g_assert_cmpuint (n_error, >, 0);
  g_assert_cmpuint (n_more, >, 0);
}

static void
test_names (void)
{
  g_assert_cmpstr (ob_apf_disconnect_reason_to_string (OB_APF_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT), ==,
                   "HOST_NOT_ALLOWED_TO_CONNECT");
  g_assert_cmpstr (ob_apf_disconnect_reason_to_string (2), ==, "PROTOCOL_ERROR");
  g_assert_cmpstr (ob_apf_disconnect_reason_to_string (15), ==, "INVALID_CREDENTIALS");
  g_assert_cmpstr (ob_apf_disconnect_reason_to_string (18), ==, "TEMPORARILY_UNAVAILABLE");
  g_assert_cmpstr (ob_apf_disconnect_reason_to_string (0), ==, "unknown");
  g_assert_cmpstr (ob_apf_disconnect_reason_to_string (19), ==, "unknown");
  g_assert_cmpstr (ob_apf_disconnect_reason_to_string (G_MAXUINT32), ==, "unknown");

  g_assert_cmpstr (ob_apf_open_failure_reason_to_string (1), ==, "ADMINISTRATIVELY_PROHIBITED");
  g_assert_cmpstr (ob_apf_open_failure_reason_to_string (2), ==, "CONNECT_FAILED");
  g_assert_cmpstr (ob_apf_open_failure_reason_to_string (3), ==, "UNKNOWN_CHANNEL_TYPE");
  g_assert_cmpstr (ob_apf_open_failure_reason_to_string (4), ==, "RESOURCE_SHORTAGE");
  g_assert_cmpstr (ob_apf_open_failure_reason_to_string (5), ==, "unknown");

  g_assert_cmpstr (ob_apf_message_type_to_string (OB_APF_PROTOCOL_VERSION), ==, "PROTOCOLVERSION");
  g_assert_cmpstr (ob_apf_message_type_to_string (OB_APF_CHANNEL_DATA), ==, "CHANNEL_DATA");
}

/* The generic encoder refuses what cannot go on the wire. */
static void
test_encode_refuses (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  ObApfMessage m;
  g_autofree char *long_name = g_strnfill (2049, 'a');

  memset (&m, 0, sizeof m);
  m.type = 3;
  g_assert_false (ob_apf_message_encode (&m, b));

  memset (&m, 0, sizeof m);
  m.type = OB_APF_SERVICE_REQUEST;
  m.service.name = long_name;
  g_assert_false (ob_apf_message_encode (&m, b));

  memset (&m, 0, sizeof m);
  m.type = OB_APF_PROTOCOL_VERSION;
  g_strlcpy (m.protocol_version.guid, "not-a-guid", sizeof m.protocol_version.guid);
  g_assert_false (ob_apf_message_encode (&m, b));

  g_assert_cmpuint (b->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/apf-message/guid-example", test_guid_example);
  g_test_add_func ("/apf-message/layouts", test_layouts);
  g_test_add_func ("/apf-message/decoded-fields", test_decoded_fields);
  g_test_add_func ("/apf-message/request-success-forms", test_request_success_forms);
  g_test_add_func ("/apf-message/round-trip", test_round_trip);
  g_test_add_func ("/apf-message/truncated", test_truncated);
  g_test_add_func ("/apf-message/stream", test_stream);
  g_test_add_func ("/apf-message/string-limits", test_string_limits);
  g_test_add_func ("/apf-message/data-limits", test_data_limits);
  g_test_add_func ("/apf-message/unknown-types", test_unknown_types);
  g_test_add_func ("/apf-message/bad-text", test_bad_text);
  g_test_add_func ("/apf-message/garbage", test_garbage);
  g_test_add_func ("/apf-message/names", test_names);
  g_test_add_func ("/apf-message/encode-refuses", test_encode_refuses);

  return g_test_run ();
}
