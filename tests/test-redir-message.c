/* test-redir-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-redir-message.h"

typedef struct
{
  const char         *name;
  GBytes             *bytes;
  ObRedirDirection    direction;
  ObRedirSessionType  session;
} Sample;

static GBytes *
hex_bytes (const char *hex)
{
  GByteArray *a = g_byte_array_new ();

  while (*hex != '\0')
    {
      guint8 b;

      while (*hex == ' ')
        hex++;
      if (*hex == '\0')
        break;
      b = (guint8) ((g_ascii_xdigit_value (hex[0]) << 4) | g_ascii_xdigit_value (hex[1]));
      g_byte_array_append (a, &b, 1);
      hex += 2;
    }
  return g_byte_array_free_to_bytes (a);
}

static void
assert_bytes_hex (GBytes     *bytes,
                  const char *hex)
{
  g_autoptr(GBytes) want = hex_bytes (hex);

  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   g_bytes_get_data (want, NULL), g_bytes_get_size (want));
}

/* Copies that parsed messages borrow from; freed at the end. */
static GPtrArray *keep_alive;

/* Parse the first @prefix bytes of @bytes from a private copy of exactly
 * that size (so an over-read hits the sanitizer). */
static ObRedirParseStatus
parse_exact (GBytes             *bytes,
             gsize               prefix,
             ObRedirDirection    direction,
             ObRedirSessionType  session,
             ObRedirMessage     *out,
             gsize              *consumed,
             GError            **error)
{
  guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), MAX (prefix, 1));

  g_ptr_array_add (keep_alive, copy);
  return ob_redir_message_parse (copy, prefix, direction, session, out, consumed, error);
}

static GPtrArray *
make_samples (void)
{
  GPtrArray *s = g_ptr_array_new ();
  ObRedirSolSettings settings;
  static const guint8 methods[] = { 4, 3 };
  static const guint8 oem[] = { 1, 2, 3 };
  static const guint8 payload[] = "hello\r\n";
  static const guint8 ticket[] = { 0x60, 0x82, 0x01 };

#define ADD(n, b, d, sess) G_STMT_START { \
    Sample *x = g_new0 (Sample, 1); \
    x->name = n; x->bytes = b; x->direction = d; x->session = sess; \
    g_assert_nonnull (x->bytes); \
    g_ptr_array_add (s, x); \
  } G_STMT_END

  ob_redir_sol_settings_init_default (&settings);
  ADD ("start-kvm", ob_redir_build_start_session (OB_REDIR_SESSION_KVM), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("start-sol", ob_redir_build_start_session (OB_REDIR_SESSION_SOL), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("start-ider", ob_redir_build_start_session (OB_REDIR_SESSION_IDER), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("start-reply", ob_redir_build_start_session_reply (0, 1, 0, 15, 0, 343, NULL, 0), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  ADD ("start-reply-oem", ob_redir_build_start_session_reply (0, 1, 0, 16, 1, 343, oem, sizeof oem), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  ADD ("start-reply-busy", ob_redir_build_start_session_reply (2, 0, 0, 0, 0, 0, NULL, 0), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  ADD ("end-session", ob_redir_build_end_session (), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_KVM);
  ADD ("auth-query", ob_redir_build_auth_query (), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("auth-query-reply", ob_redir_build_auth_query_reply (methods, sizeof methods), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  ADD ("digest-hello", ob_redir_build_auth_digest_hello (OB_REDIR_AUTH_DIGEST, "admin"), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("digest-hello-noqop", ob_redir_build_auth_digest_hello (OB_REDIR_AUTH_DIGEST_NO_QOP, "admin"), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("digest-challenge", ob_redir_build_auth_digest_challenge (OB_REDIR_AUTH_DIGEST, "Digest:0123456789ABCDEF0123456789ABCDEF",
                                                                 "0123456789abcdef0123456789abcdef", "auth"),
       OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  ADD ("digest-response", ob_redir_build_auth_digest_response (OB_REDIR_AUTH_DIGEST, "admin", "Digest:AB", "nonce", OB_REDIR_DIGEST_URI,
                                                               "cnonce", "00000002", "0123456789abcdef0123456789abcdef", "auth"),
       OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("auth-success", ob_redir_build_auth_reply (OB_REDIR_AUTH_DIGEST, 0, NULL, 0), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  ADD ("userpass", ob_redir_build_auth_userpass ("admin", "P@ssw0rd"), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("kerberos-empty", ob_redir_build_auth_kerberos (NULL, 0), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("kerberos", ob_redir_build_auth_kerberos (ticket, sizeof ticket), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  ADD ("kvm-start", ob_redir_build_kvm_start (), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_KVM);
  ADD ("kvm-start-reply", ob_redir_build_kvm_start_reply (0), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_KVM);
  ADD ("sol-start", ob_redir_build_sol_start (1, &settings), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_SOL);
  ADD ("sol-start-reply", ob_redir_build_sol_start_reply (0, 1, &settings), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL);
  ADD ("sol-settings", ob_redir_build_sol_settings (2), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_SOL);
  ADD ("sol-data-to-host", ob_redir_build_sol_data_to_host (3, payload, sizeof payload - 1), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_SOL);
  ADD ("sol-data-empty", ob_redir_build_sol_data_to_host (3, NULL, 0), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_SOL);
  ADD ("sol-data-from-host", ob_redir_build_sol_data_from_host (9, payload, sizeof payload - 1), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL);
  ADD ("sol-controls", ob_redir_build_sol_controls (4, OB_REDIR_SOL_CONTROL_DTR, OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL);
  ADD ("sol-heartbeat-out", ob_redir_build_sol_heartbeat (5), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_SOL);
  ADD ("sol-heartbeat-in", ob_redir_build_sol_heartbeat (5), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL);
  ADD ("sol-ping", ob_redir_build_sol_keepalive_ping (6), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_SOL);
  ADD ("sol-pong", ob_redir_build_sol_keepalive_pong (6), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL);
  ADD ("sol-end", ob_redir_build_sol_end (7), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_SOL);
  ADD ("sol-end-reply", ob_redir_build_sol_end_reply (7), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL);
  ADD ("ider-open", ob_redir_build_ider_open (0, 30000, 0, 20000), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_IDER);
  ADD ("ider-open-reply", hex_bytes ("41 00 00 00 00 00 00 00 01 00 10 00 00 00 00 00 00 20 00 20 00 00 00 00 00 57 01 00 00 02 AA BB"),
       OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_IDER);
  ADD ("ider-status", hex_bytes ("49 00 00 00 01 00 00 00 01 01 00 00 00"), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_IDER);
  ADD ("ider-data-from-host", hex_bytes ("53 00 00 00 01 00 00 00 00 02 00 00 00 00 AB CD"), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_IDER);
  ADD ("ider-heartbeat", hex_bytes ("4B 00 00 00 09 00 00 00"), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_IDER);
#undef ADD
  return s;
}

static void
free_samples (GPtrArray *s)
{
  for (guint i = 0; i < s->len; i++)
    {
      Sample *x = g_ptr_array_index (s, i);

      g_bytes_unref (x->bytes);
      g_free (x);
    }
  g_ptr_array_unref (s);
}

static void
test_traces (void)
{
  g_autoptr(GBytes) kvm = ob_redir_build_start_session (OB_REDIR_SESSION_KVM);
  g_autoptr(GBytes) sol = ob_redir_build_start_session (OB_REDIR_SESSION_SOL);
  g_autoptr(GBytes) ider = ob_redir_build_start_session (OB_REDIR_SESSION_IDER);
  g_autoptr(GBytes) query = ob_redir_build_auth_query ();
  g_autoptr(GBytes) hello = ob_redir_build_auth_digest_hello (OB_REDIR_AUTH_DIGEST, "admin");
  g_autoptr(GBytes) kvm_start = ob_redir_build_kvm_start ();
  g_autoptr(GBytes) settings = ob_redir_build_sol_settings (1);
  g_autoptr(GBytes) reply = hex_bytes ("11 00 00 00 01 00 0F 00 57 01 00 00 00");
  g_autoptr(GBytes) query_reply = hex_bytes ("14 00 00 00 00 01 00 00 00 04");
  g_auto(ObRedirMessage) m = { 0 };
  g_auto(ObRedirMessage) q = { 0 };
  g_autoptr(GError) error = NULL;
  gsize used = 0;

  /* Byte for byte as in redirection-kvm-sol.md §1.3–1.5. */
  assert_bytes_hex (kvm, "10 01 00 00 4B 56 4D 52");
  assert_bytes_hex (sol, "10 00 00 00 53 4F 4C 20");
  assert_bytes_hex (ider, "10 00 00 00 49 44 45 52");
  assert_bytes_hex (query, "13 00 00 00 00 00 00 00 00");
  assert_bytes_hex (hello, "13 00 00 00 04 20 00 00 00 05 61 64 6D 69 6E 00 00 13 2F 52 65 64 69 72 65 63 74 69"
                           " 6F 6E 53 65 72 76 69 63 65 00 00 00 00");
  assert_bytes_hex (kvm_start, "40 00 00 00 00 00 00 00");
  assert_bytes_hex (settings, "27 00 00 00 01 00 00 00 00 00 1B 00 00 00");

  g_assert_cmpint (parse_exact (reply, g_bytes_get_size (reply), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE,
                                &m, &used, &error), ==, OB_REDIR_PARSE_OK);
  g_assert_no_error (error);
  g_assert_cmpuint (used, ==, 13);
  g_assert_cmpint (m.type, ==, OB_REDIR_MSG_START_SESSION_REPLY);
  g_assert_cmpuint (m.start_reply.status, ==, 0);
  g_assert_cmpuint (m.start_reply.protocol_major, ==, 1);
  g_assert_cmpuint (m.start_reply.firmware_major, ==, 15);
  g_assert_cmpuint (m.start_reply.oem_iana, ==, 343);
  g_assert_cmpuint (m.start_reply.oem_length, ==, 0);

  g_assert_cmpint (parse_exact (query_reply, g_bytes_get_size (query_reply), OB_REDIR_TO_CONSOLE,
                                OB_REDIR_SESSION_NONE, &q, &used, &error), ==, OB_REDIR_PARSE_OK);
  g_assert_cmpuint (used, ==, 10);
  g_assert_cmpuint (q.auth.auth_type, ==, OB_REDIR_AUTH_QUERY);
  g_assert_cmpuint (q.auth.n_methods, ==, 1);
  g_assert_cmpuint (q.auth.methods[0], ==, OB_REDIR_AUTH_DIGEST);
}

static void
test_decoded_fields (void)
{
  g_autoptr(GBytes) challenge = ob_redir_build_auth_digest_challenge (OB_REDIR_AUTH_DIGEST, "Digest:ABC", "n0nce", "auth");
  g_autoptr(GBytes) response = ob_redir_build_auth_digest_response (OB_REDIR_AUTH_DIGEST, "admin", "Digest:ABC", "n0nce",
                                                                    OB_REDIR_DIGEST_URI, "cn", "00000002", "resp", "auth");
  g_autoptr(GBytes) up = ob_redir_build_auth_userpass ("u", "secret");
  g_autoptr(GBytes) data = ob_redir_build_sol_data_from_host (77, (const guint8 *) "abc", 3);
  g_auto(ObRedirMessage) c = { 0 };
  g_auto(ObRedirMessage) r = { 0 };
  g_auto(ObRedirMessage) u = { 0 };
  g_auto(ObRedirMessage) d = { 0 };
  gsize used;

  g_assert_cmpint (parse_exact (challenge, g_bytes_get_size (challenge), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE,
                                &c, &used, NULL), ==, OB_REDIR_PARSE_OK);
  g_assert_cmpuint (c.auth.status, ==, OB_REDIR_AUTH_STATUS_FAILURE);
  g_assert_cmpstr (c.auth.realm, ==, "Digest:ABC");
  g_assert_cmpstr (c.auth.nonce, ==, "n0nce");
  g_assert_cmpstr (c.auth.qop, ==, "auth");

  g_assert_cmpint (parse_exact (response, g_bytes_get_size (response), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE,
                                &r, &used, NULL), ==, OB_REDIR_PARSE_OK);
  g_assert_cmpstr (r.auth.username, ==, "admin");
  g_assert_cmpstr (r.auth.uri, ==, OB_REDIR_DIGEST_URI);
  g_assert_cmpstr (r.auth.cnonce, ==, "cn");
  g_assert_cmpstr (r.auth.nc, ==, "00000002");
  g_assert_cmpstr (r.auth.response, ==, "resp");
  g_assert_cmpstr (r.auth.qop, ==, "auth");
  /* L = sum of field lengths + 8. */
  g_assert_cmpuint (r.auth.payload_length, ==, 5 + 10 + 5 + 19 + 2 + 8 + 4 + 4 + 8);

  g_assert_cmpint (parse_exact (up, g_bytes_get_size (up), OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE,
                                &u, &used, NULL), ==, OB_REDIR_PARSE_OK);
  g_assert_cmpstr (u.auth.username, ==, "u");
  g_assert_cmpstr (u.auth.password, ==, "secret");

  g_assert_cmpint (parse_exact (data, g_bytes_get_size (data), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL,
                                &d, &used, NULL), ==, OB_REDIR_PARSE_OK);
  g_assert_cmpuint (d.sequence, ==, 77);
  g_assert_cmpmem (d.sol_data.data, d.sol_data.length, "abc", 3);
}

/* Every sample: whole -> OK and round trip; every shorter prefix ->
 * NEED_MORE with nothing filled. */
static void
test_round_trip_and_truncation (void)
{
  g_autoptr(GPtrArray) samples = make_samples ();

  for (guint i = 0; i < samples->len; i++)
    {
      Sample *x = g_ptr_array_index (samples, i);
      gsize size = g_bytes_get_size (x->bytes);
      g_auto(ObRedirMessage) m = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) again = NULL;
      gsize used = 0;

      g_test_message ("sample %s", x->name);
      g_assert_cmpint (parse_exact (x->bytes, size, x->direction, x->session, &m, &used, &error), ==, OB_REDIR_PARSE_OK);
      g_assert_no_error (error);
      g_assert_cmpuint (used, ==, size);
      g_assert_cmpuint (m.direction, ==, x->direction);
      again = ob_redir_message_build (&m, x->session);
      g_assert_nonnull (again);
      g_assert_true (g_bytes_equal (again, x->bytes));
      g_assert_nonnull (ob_redir_message_type_to_string (m.type, x->direction, x->session));
      g_assert_cmpstr (ob_redir_message_type_to_string (m.type, x->direction, x->session), !=, "unknown");

      for (gsize cut = 0; cut < size; cut++)
        {
          ObRedirMessage part = { 0 };
          ObRedirMessage zero = { 0 };

          used = 1234;
          g_assert_cmpint (parse_exact (x->bytes, cut, x->direction, x->session, &part, &used, &error),
                           ==, OB_REDIR_PARSE_NEED_MORE);
          g_assert_no_error (error);
          g_assert_cmpuint (used, ==, 0);
          g_assert_cmpmem (&part, sizeof part, &zero, sizeof zero);
        }

      /* Coalesced with the next message: only the first is consumed. */
      {
        g_autoptr(GByteArray) two = g_byte_array_new ();
        g_auto(ObRedirMessage) first = { 0 };

        g_byte_array_append (two, g_bytes_get_data (x->bytes, NULL), (guint) size);
        g_byte_array_append (two, g_bytes_get_data (x->bytes, NULL), (guint) size);
        g_assert_cmpint (ob_redir_message_parse (two->data, two->len, x->direction, x->session, &first, &used, NULL),
                         ==, OB_REDIR_PARSE_OK);
        g_assert_cmpuint (used, ==, size);
        g_assert_true (ob_redir_message_equal (&first, &m));
      }
    }
  free_samples (g_steal_pointer (&samples));
}

static void
expect_error (const char         *hex,
              ObRedirDirection    direction,
              ObRedirSessionType  session)
{
  g_autoptr(GBytes) b = hex_bytes (hex);
  ObRedirMessage m = { 0 };
  ObRedirMessage zero = { 0 };
  g_autoptr(GError) error = NULL;
  gsize used = 99;

  g_test_message ("expect error: %s", hex);
  g_assert_cmpint (parse_exact (b, g_bytes_get_size (b), direction, session, &m, &used, &error), ==, OB_REDIR_PARSE_ERROR);
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL);
  g_assert_cmpuint (used, ==, 0);
  g_assert_cmpmem (&m, sizeof m, &zero, sizeof zero);
}

static void
test_hostile (void)
{
  /* Unknown types. */
  expect_error ("00", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  expect_error ("15 00 00 00", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  expect_error ("26 00 00 00 00 00 00 00", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_SOL);
  expect_error ("FF", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_KVM);
  expect_error ("F0", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_KVM);
  /* Wrong direction. */
  expect_error ("11", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  expect_error ("10", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  expect_error ("14", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  expect_error ("2A", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_SOL);
  expect_error ("28", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL);
  expect_error ("41", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_KVM);
  /* Messages of another session. */
  expect_error ("2A 00 00 00 00 00 00 00 00 00", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_KVM);
  expect_error ("41 00 00 00 00 00 00 00", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  expect_error ("41 00 00 00 00 00 00 00", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL);
  expect_error ("4B 00 00 00 00 00 00 00", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_KVM);
  /* IDER SCSI traffic from the console is not this codec's. */
  expect_error ("51", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_IDER);
  /* Oversized auth payload: refused as soon as the length is visible. */
  expect_error ("14 00 00 00 04 01 10 00 00", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  expect_error ("13 00 00 00 04 FF FF FF FF", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  /* A lenstr that runs past the payload. */
  expect_error ("14 01 00 00 04 03 00 00 00 05 41 42", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  /* Missing fields (challenge with realm only). */
  expect_error ("14 01 00 00 04 02 00 00 00 01 41", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  /* Trailing bytes after the last field. */
  expect_error ("14 01 00 00 03 04 00 00 00 01 41 00 42", OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE);
  /* NUL inside a string. */
  expect_error ("13 00 00 00 01 05 00 00 00 01 00 02 41 42", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);
  /* Digest hello cut short. */
  expect_error ("13 00 00 00 04 03 00 00 00 01 41 00", OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE);

  /* The limit itself is fine: NEED_MORE until the payload is there. */
  {
    g_autoptr(GBytes) b = hex_bytes ("14 00 00 00 02 00 10 00 00");
    ObRedirMessage m = { 0 };
    gsize used;

    g_assert_cmpint (parse_exact (b, g_bytes_get_size (b), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_NONE, &m, &used, NULL),
                     ==, OB_REDIR_PARSE_NEED_MORE);
  }
  /* A SOL data frame of the maximum size. */
  {
    g_autofree guint8 *big = g_malloc0 (OB_REDIR_MAX_SOL_DATA);
    g_autoptr(GBytes) b = ob_redir_build_sol_data_from_host (1, big, OB_REDIR_MAX_SOL_DATA);
    g_auto(ObRedirMessage) m = { 0 };
    gsize used;

    g_assert_cmpint (parse_exact (b, g_bytes_get_size (b), OB_REDIR_TO_CONSOLE, OB_REDIR_SESSION_SOL, &m, &used, NULL),
                     ==, OB_REDIR_PARSE_OK);
    g_assert_cmpuint (m.sol_data.length, ==, OB_REDIR_MAX_SOL_DATA);
  }
  /* Unknown session tag: parsed, session NONE (the device answers
   * TYPE_UNKNOWN). */
  {
    g_autoptr(GBytes) b = hex_bytes ("10 00 00 00 58 58 58 58");
    g_auto(ObRedirMessage) m = { 0 };
    gsize used;

    g_assert_cmpint (parse_exact (b, 8, OB_REDIR_TO_DEVICE, OB_REDIR_SESSION_NONE, &m, &used, NULL), ==, OB_REDIR_PARSE_OK);
    g_assert_cmpint (m.start.session, ==, OB_REDIR_SESSION_NONE);
    g_assert_cmphex (m.start.tag, ==, 0x58585858);
  }
  /* Over-long strings cannot be built. */
  {
    g_autofree char *longer = g_strnfill (256, 'a');

    g_assert_null (ob_redir_build_auth_digest_response (OB_REDIR_AUTH_DIGEST, longer, "", "", "", "", "", "", ""));
  }
}

static void
test_errors_for_people (void)
{
  g_autoptr(GError) disabled = ob_redir_start_status_to_error (OB_REDIR_SESSION_KVM, OB_REDIR_STATUS_UNSUPPORTED);
  g_autoptr(GError) busy = ob_redir_start_status_to_error (OB_REDIR_SESSION_KVM, OB_REDIR_STATUS_BUSY);
  g_autoptr(GError) sol = ob_redir_start_status_to_error (OB_REDIR_SESSION_SOL, OB_REDIR_STATUS_UNSUPPORTED);
  g_autoptr(GError) unknown = ob_redir_start_status_to_error (OB_REDIR_SESSION_IDER, OB_REDIR_STATUS_TYPE_UNKNOWN);
  g_autoptr(GError) err = ob_redir_start_status_to_error (OB_REDIR_SESSION_KVM, OB_REDIR_STATUS_ERROR);
  g_autoptr(GError) other = ob_redir_start_status_to_error (OB_REDIR_SESSION_KVM, 7);
  g_autoptr(GError) auth = ob_redir_auth_status_to_error (OB_REDIR_AUTH_DIGEST, OB_REDIR_AUTH_STATUS_FAILURE);
  g_autoptr(GError) auth_ns = ob_redir_auth_status_to_error (OB_REDIR_AUTH_USERPASS, OB_REDIR_AUTH_STATUS_NOT_SUPPORTED);

  g_assert_null (ob_redir_start_status_to_error (OB_REDIR_SESSION_KVM, 0));
  g_assert_null (ob_redir_auth_status_to_error (4, 0));
  g_assert_error (disabled, OB_REDIR_ERROR, OB_REDIR_ERROR_DISABLED);
  g_assert_cmpstr (disabled->message, ==, "KVM is disabled on this device");
  g_assert_error (busy, OB_REDIR_ERROR, OB_REDIR_ERROR_BUSY);
  g_assert_nonnull (strstr (busy->message, "session busy"));
  g_assert_cmpstr (sol->message, ==, "Serial-over-LAN is disabled on this device");
  g_assert_error (unknown, OB_REDIR_ERROR, OB_REDIR_ERROR_TYPE_UNKNOWN);
  g_assert_error (err, OB_REDIR_ERROR, OB_REDIR_ERROR_DEVICE);
  g_assert_error (other, OB_REDIR_ERROR, OB_REDIR_ERROR_DEVICE);
  g_assert_nonnull (strstr (other->message, "7"));
  g_assert_error (auth, OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_FAILED);
  g_assert_error (auth_ns, OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_UNSUPPORTED);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  keep_alive = g_ptr_array_new_with_free_func (g_free);

  g_test_add_func ("/redir-message/traces", test_traces);
  g_test_add_func ("/redir-message/decoded-fields", test_decoded_fields);
  g_test_add_func ("/redir-message/round-trip-truncation", test_round_trip_and_truncation);
  g_test_add_func ("/redir-message/hostile", test_hostile);
  g_test_add_func ("/redir-message/errors-for-people", test_errors_for_people);

  ret = g_test_run ();
  g_ptr_array_unref (keep_alive);
  return ret;
}
