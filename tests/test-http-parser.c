/* test-http-parser.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-http-message.h"
#include "ob-http-parser.h"

/* ---- realistic messages --------------------------------------------- */

#define SOAP_BODY \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\" " \
  "xmlns:b=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"><a:Header><b:To>http://schemas.xmlsoap.org/ws/" \
  "2004/08/addressing/role/anonymous</b:To><b:RelatesTo>0</b:RelatesTo><b:Action a:mustUnderstand=\"true\">" \
  "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse</b:Action></a:Header><a:Body><g:AMT_GeneralSettings>" \
  "<g:DigestRealm>Digest:A3829B3827DE4D33D4449B366831FD01</g:DigestRealm></g:AMT_GeneralSettings></a:Body></a:Envelope>"

#define HTML_401 \
  "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"><html><head><title>Intel&reg; Active " \
  "Management Technology</title></head><body><table><tr><td>Log on failed. Incorrect user name or password, " \
  "or user account temporarily locked.</td></tr></table></body></html>"

/* AMT's 200: chunked, the envelope in two chunks. */
static GBytes *
amt_200_chunked (void)
{
  const char *body = SOAP_BODY;
  gsize half = strlen (body) / 2;
  g_autofree char *text = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                                           "Date: Thu, 1 Jan 1970 00:02:17 GMT\r\n"
                                           "Server: Intel(R) Active Management Technology 15.0.45.2411\r\n"
                                           "X-Frame-Options: DENY\r\n"
                                           "Content-Type: application/soap+xml; charset=UTF-8\r\n"
                                           "Transfer-Encoding: chunked\r\n"
                                           "\r\n"
                                           "%zX\r\n%.*s\r\n"
                                           "%zx;name=value\r\n%s\r\n"
                                           "0\r\n"
                                           "X-Checksum: abc\r\n"
                                           "\r\n",
                                           half, (int) half, body,
                                           strlen (body) - half, body + half);

  return g_bytes_new (text, strlen (text));
}

static GBytes *
amt_401 (void)
{
  g_autofree char *text = g_strdup_printf ("HTTP/1.1 401 Unauthorized\r\n"
                                           "WWW-Authenticate: Digest realm=\"Digest:A3829B3827DE4D33D4449B366831FD01\", "
                                           "nonce=\"mUlzmx0AAAAAAAAAu0Ivg8EDaaeU+XZT\",stale=\"false\",qop=\"auth\"\r\n"
                                           "Content-Type: text/html\r\n"
                                           "Server: Intel(R) Active Management Technology 15.0.45.2411\r\n"
                                           "Content-Length: %zu\r\n"
                                           "Connection: close\r\n"
                                           "\r\n%s",
                                           strlen (HTML_401), HTML_401);

  return g_bytes_new (text, strlen (text));
}

static GBytes *
amt_400_fault (void)
{
  const char *fault = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a:Envelope xmlns:a=\"http://www.w3.org/2003/05/"
                      "soap-envelope\"><a:Body><a:Fault><a:Code><a:Value>a:Sender</a:Value><a:Subcode><a:Value>"
                      "b:DestinationUnreachable</a:Value></a:Subcode></a:Code><a:Reason><a:Text xml:lang=\"en-US\">"
                      "No route can be determined to reach the destination role defined by the WSAddressing To."
                      "</a:Text></a:Reason></a:Fault></a:Body></a:Envelope>";
  g_autofree char *text = g_strdup_printf ("HTTP/1.1 400 Bad Request\r\n"
                                           "Content-Type: application/soap+xml; charset=UTF-8\r\n"
                                           "Transfer-Encoding: chunked\r\n"
                                           "\r\n"
                                           "%zx\r\n%s\r\n0\r\n\r\n",
                                           strlen (fault), fault);

  return g_bytes_new (text, strlen (text));
}

static GBytes *
bytes_from_string (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

static GBytes *
wsman_request (void)
{
  g_autofree char *text = g_strdup_printf ("POST /wsman HTTP/1.1\r\n"
                                           "Host: 192.168.1.20:16992\r\n"
                                           "Content-Type: application/soap+xml;charset=UTF-8\r\n"
                                           "Authorization: Digest username=\"admin\",realm=\"Digest:A3829B3827DE4D33D4449B366831FD01\","
                                           "nonce=\"abc\",uri=\"/wsman\",qop=\"auth\",response=\"0123\",nc=\"00000001\",cnonce=\"ff\"\r\n"
                                           "Content-Length: %zu\r\n"
                                           "\r\n%s",
                                           strlen (SOAP_BODY), SOAP_BODY);

  return g_bytes_new (text, strlen (text));
}

/* ---- helpers -------------------------------------------------------- */

typedef struct
{
  ObHttpParseStatus  status;
  ObHttpMessage     *message;
  GError            *error;
  gsize              consumed;  /* bytes used of the input */
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->message, ob_http_message_unref);
  g_clear_error (&r->error);
}

/* Feed @data in pieces cut at @cuts (sorted offsets), then EOF if asked. */
static Result
parse_pieces (ObHttpParserMode  mode,
              GBytes           *data,
              const gsize      *cuts,
              guint             n_cuts,
              gboolean          eof)
{
  g_autoptr(ObHttpParser) parser = ob_http_parser_new (mode);
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);
  Result r = { OB_HTTP_PARSE_NEED_MORE, NULL, NULL, 0 };
  gsize from = 0;

  for (guint i = 0; i <= n_cuts && r.status == OB_HTTP_PARSE_NEED_MORE; i++)
    {
      gsize to = i < n_cuts ? cuts[i] : len;
      gsize used = 0;

      r.status = ob_http_parser_feed (parser, p + from, to - from, &used, &r.error);
      r.consumed += used;
      if (r.status == OB_HTTP_PARSE_NEED_MORE)
        g_assert_cmpuint (used, ==, to - from);
      from = to;
    }

  if (r.status == OB_HTTP_PARSE_NEED_MORE && eof)
    r.status = ob_http_parser_feed_eof (parser, &r.error);

  if (r.status == OB_HTTP_PARSE_DONE)
    r.message = ob_http_parser_steal_message (parser);
  else if (r.status == OB_HTTP_PARSE_ERROR)
    g_assert_nonnull (r.error);

  return r;
}

static Result
parse_whole (ObHttpParserMode mode,
             GBytes          *data,
             gboolean         eof)
{
  return parse_pieces (mode, data, NULL, 0, eof);
}

static Result
parse_string (ObHttpParserMode  mode,
              const char       *text,
              gboolean          eof)
{
  g_autoptr(GBytes) data = bytes_from_string (text);

  return parse_whole (mode, data, eof);
}

static void
assert_messages_equal (ObHttpMessage *a,
                       ObHttpMessage *b)
{
  g_assert_cmpint (ob_http_message_is_request (a), ==, ob_http_message_is_request (b));
  g_assert_cmpstr (ob_http_message_get_method (a), ==, ob_http_message_get_method (b));
  g_assert_cmpstr (ob_http_message_get_target (a), ==, ob_http_message_get_target (b));
  g_assert_cmpuint (ob_http_message_get_status (a), ==, ob_http_message_get_status (b));
  g_assert_cmpstr (ob_http_message_get_reason (a), ==, ob_http_message_get_reason (b));
  g_assert_cmpuint (ob_http_message_get_n_headers (a), ==, ob_http_message_get_n_headers (b));
  for (guint i = 0; i < ob_http_message_get_n_headers (a); i++)
    {
      const char *na, *va, *nb, *vb;

      ob_http_message_get_header_nth (a, i, &na, &va);
      ob_http_message_get_header_nth (b, i, &nb, &vb);
      g_assert_cmpstr (na, ==, nb);
      g_assert_cmpstr (va, ==, vb);
    }
  g_assert_cmpuint (ob_http_message_get_n_trailers (a), ==, ob_http_message_get_n_trailers (b));
  g_assert_true (g_bytes_equal (ob_http_message_get_body (a), ob_http_message_get_body (b)));
}

static void
assert_parse_error (ObHttpParserMode  mode,
                    const char       *text,
                    ObHttpError       code)
{
  Result r = parse_string (mode, text, TRUE);

  if (r.status != OB_HTTP_PARSE_ERROR)
    g_error ("expected error %d for %s", code, g_strescape (text, NULL));
  g_assert_error (r.error, OB_HTTP_ERROR, (gint) code);
  result_clear (&r);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_amt_200_chunked (void)
{
  g_autoptr(GBytes) data = amt_200_chunked ();
  Result r = parse_whole (OB_HTTP_PARSER_RESPONSE, data, FALSE);
  GBytes *body;

  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  g_assert_cmpuint (r.consumed, ==, g_bytes_get_size (data));
  g_assert_cmpuint (ob_http_message_get_status (r.message), ==, 200);
  g_assert_cmpstr (ob_http_message_get_reason (r.message), ==, "OK");
  g_assert_cmpstr (ob_http_message_get_header (r.message, "content-TYPE"), ==,
                   "application/soap+xml; charset=UTF-8");
  g_assert_true (ob_http_message_header_has_token (r.message, "Transfer-Encoding", "CHUNKED"));
  g_assert_true (ob_http_message_is_keep_alive (r.message));
  g_assert_cmpstr (ob_http_message_get_trailer (r.message, "x-checksum"), ==, "abc");
  g_assert_null (ob_http_message_get_header (r.message, "X-Checksum"));
  body = ob_http_message_get_body (r.message);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), SOAP_BODY, strlen (SOAP_BODY));
  result_clear (&r);
}

static void
test_amt_401 (void)
{
  g_autoptr(GBytes) data = amt_401 ();
  Result r = parse_whole (OB_HTTP_PARSER_RESPONSE, data, FALSE);

  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  g_assert_cmpuint (ob_http_message_get_status (r.message), ==, 401);
  g_assert_false (ob_http_message_is_keep_alive (r.message));
  g_assert_true (g_str_has_prefix (ob_http_message_get_header (r.message, "WWW-Authenticate"),
                                   "Digest realm=\"Digest:A3829B3827DE4D33D4449B366831FD01\""));
  g_assert_cmpuint (g_bytes_get_size (ob_http_message_get_body (r.message)), ==, strlen (HTML_401));
  result_clear (&r);
}

static void
test_request (void)
{
  g_autoptr(GBytes) data = wsman_request ();
  Result r = parse_whole (OB_HTTP_PARSER_REQUEST, data, FALSE);

  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  g_assert_true (ob_http_message_is_request (r.message));
  g_assert_cmpstr (ob_http_message_get_method (r.message), ==, "POST");
  g_assert_cmpstr (ob_http_message_get_target (r.message), ==, "/wsman");
  g_assert_cmpstr (ob_http_message_get_header (r.message, "host"), ==, "192.168.1.20:16992");
  g_assert_cmpuint (g_bytes_get_size (ob_http_message_get_body (r.message)), ==, strlen (SOAP_BODY));
  result_clear (&r);

  /* A request without any body framing has an empty body and ends at the
   * blank line. */
  r = parse_string (OB_HTTP_PARSER_REQUEST, "GET / HTTP/1.1\r\nHost: x\r\n\r\nextra", FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  g_assert_cmpuint (r.consumed, ==, strlen ("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  g_assert_cmpuint (g_bytes_get_size (ob_http_message_get_body (r.message)), ==, 0);
  result_clear (&r);

  /* Chunked request. */
  r = parse_string (OB_HTTP_PARSER_REQUEST,
                    "POST /wsman HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  g_assert_cmpmem (g_bytes_get_data (ob_http_message_get_body (r.message), NULL), 5, "hello", 5);
  result_clear (&r);

  /* HTTP/1.0 without Host is fine, HTTP/1.1 is not; two Hosts never. */
  r = parse_string (OB_HTTP_PARSER_REQUEST, "GET / HTTP/1.0\r\n\r\n", FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  g_assert_false (ob_http_message_is_keep_alive (r.message));
  result_clear (&r);
  assert_parse_error (OB_HTTP_PARSER_REQUEST, "GET / HTTP/1.1\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_REQUEST, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_REQUEST, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_REQUEST, "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_REQUEST, "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_REQUEST, "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_REQUEST, "GET / HTTP/2.0\r\nHost: a\r\n\r\n", OB_HTTP_ERROR_UNSUPPORTED);
}

/* The same bytes cut anywhere give the same message. */
static void
check_all_splits (ObHttpParserMode mode,
                  GBytes          *data)
{
  gsize len = g_bytes_get_size (data);
  Result whole = parse_whole (mode, data, FALSE);
  g_autofree gsize *cuts = g_new (gsize, len);

  g_assert_cmpint (whole.status, ==, OB_HTTP_PARSE_DONE);

  /* Byte by byte. */
  for (gsize i = 0; i < len; i++)
    cuts[i] = i + 1;
  {
    Result r = parse_pieces (mode, data, cuts, len - 1, FALSE);

    g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
    assert_messages_equal (whole.message, r.message);
    result_clear (&r);
  }

  /* Every two-piece split (including an empty first piece). */
  for (gsize at = 0; at <= len; at++)
    {
      Result r = parse_pieces (mode, data, &at, 1, FALSE);

      g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
      g_assert_cmpuint (r.consumed, ==, len);
      assert_messages_equal (whole.message, r.message);
      result_clear (&r);
    }

  result_clear (&whole);
}

static void
test_splits (void)
{
  g_autoptr(GBytes) a = amt_200_chunked ();
  g_autoptr(GBytes) b = amt_401 ();
  g_autoptr(GBytes) c = amt_400_fault ();
  g_autoptr(GBytes) d = wsman_request ();

  check_all_splits (OB_HTTP_PARSER_RESPONSE, a);
  check_all_splits (OB_HTTP_PARSER_RESPONSE, b);
  check_all_splits (OB_HTTP_PARSER_RESPONSE, c);
  check_all_splits (OB_HTTP_PARSER_REQUEST, d);
}

/* Every proper prefix: more is needed, and EOF there is an error. */
static void
check_truncations (ObHttpParserMode mode,
                   GBytes          *data)
{
  gsize len = g_bytes_get_size (data);

  for (gsize n = 0; n < len; n++)
    {
      g_autoptr(GBytes) prefix = g_bytes_new_from_bytes (data, 0, n);
      Result r = parse_whole (mode, prefix, FALSE);

      g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_NEED_MORE);
      result_clear (&r);

      r = parse_whole (mode, prefix, TRUE);
      g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_ERROR);
      g_assert_error (r.error, OB_HTTP_ERROR,
                      (n == 0 ? OB_HTTP_ERROR_CONNECTION_CLOSED : OB_HTTP_ERROR_TRUNCATED));
      result_clear (&r);
    }
}

static void
test_truncated (void)
{
  g_autoptr(GBytes) a = amt_200_chunked ();
  g_autoptr(GBytes) b = amt_401 ();
  g_autoptr(GBytes) d = wsman_request ();

  check_truncations (OB_HTTP_PARSER_RESPONSE, a);
  check_truncations (OB_HTTP_PARSER_RESPONSE, b);
  check_truncations (OB_HTTP_PARSER_REQUEST, d);
}

static void
test_body_to_eof (void)
{
  const char *text = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until the end";
  gsize header_len = strlen ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n");
  Result r = parse_string (OB_HTTP_PARSER_RESPONSE, text, FALSE);

  /* Without EOF it never ends. */
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_NEED_MORE);
  result_clear (&r);

  /* Any cut after the headers plus EOF gives the body read so far. */
  for (gsize n = header_len; n <= strlen (text); n++)
    {
      g_autoptr(GBytes) prefix = g_bytes_new (text, n);

      r = parse_whole (OB_HTTP_PARSER_RESPONSE, prefix, TRUE);
      g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
      g_assert_cmpuint (g_bytes_get_size (ob_http_message_get_body (r.message)), ==, n - header_len);
      g_assert_false (ob_http_message_is_keep_alive (r.message));
      result_clear (&r);
    }

  /* Responses without a body, whatever the headers say. */
  r = parse_string (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  result_clear (&r);
  r = parse_string (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 304 Not Modified\r\n\r\n", FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  result_clear (&r);

  {
    g_autoptr(ObHttpParser) parser = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    g_autoptr(ObHttpMessage) message = NULL;
    gsize used;

    ob_http_parser_set_head_response (parser, TRUE);
    g_assert_cmpint (ob_http_parser_feed (parser, (const guint8 *) head, strlen (head), &used, NULL), ==,
                     OB_HTTP_PARSE_DONE);
    message = ob_http_parser_steal_message (parser);
    g_assert_cmpuint (g_bytes_get_size (ob_http_message_get_body (message)), ==, 0);
  }
}

static void
test_interim_and_pipelined (void)
{
  const char *text = "HTTP/1.1 100 Continue\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  g_autoptr(ObHttpParser) parser = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
  const guint8 *p = (const guint8 *) text;
  gsize left = strlen (text);
  guint statuses[3];
  const char *bodies[3] = { "", "hi", "abc" };

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ObHttpMessage) message = NULL;
      g_autoptr(GError) error = NULL;
      gsize used = 0;

      g_assert_cmpint (ob_http_parser_feed (parser, p, left, &used, &error), ==, OB_HTTP_PARSE_DONE);
      g_assert_no_error (error);
      p += used;
      left -= used;
      message = ob_http_parser_steal_message (parser);
      statuses[i] = ob_http_message_get_status (message);
      g_assert_cmpmem (g_bytes_get_data (ob_http_message_get_body (message), NULL),
                       g_bytes_get_size (ob_http_message_get_body (message)),
                       bodies[i], strlen (bodies[i]));
    }
  g_assert_cmpuint (left, ==, 0);
  g_assert_cmpuint (statuses[0], ==, 100);
  g_assert_cmpuint (statuses[1], ==, 200);
  g_assert_cmpuint (statuses[2], ==, 200);
}

static void
test_leading_empty_lines (void)
{
  Result r = parse_string (OB_HTTP_PARSER_RESPONSE, "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", FALSE);

  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  result_clear (&r);

  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "\r\n\r\n\r\n\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
}

static void
test_status_lines (void)
{
  Result r = parse_string (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", FALSE);

  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  g_assert_cmpstr (ob_http_message_get_reason (r.message), ==, "");
  result_clear (&r);

  r = parse_string (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n", FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  result_clear (&r);

  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/2 200 OK\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/2.0 200 OK\r\n\r\n", OB_HTTP_ERROR_UNSUPPORTED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 20 OK\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 2000 OK\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 099 OK\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 600 OK\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 abc OK\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 O\x01K\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "<html>\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "http/1.1 200 OK\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
}

static void
test_bare_lf_and_cr (void)
{
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE,
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE,
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n",
                      OB_HTTP_ERROR_MALFORMED);
  /* A bare CR cannot hide a second header in a value. */
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nX-A: a\rSet-Cookie: b\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
}

static void
test_header_syntax (void)
{
  /* obs-fold */
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  /* whitespace before the colon */
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\n: empty\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nX-A: a\x01" "b\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n", OB_HTTP_ERROR_MALFORMED);

  {
    /* A NUL byte cannot be put in a C string literal test, build it. */
    static const char with_nul[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n";
    g_autoptr(GBytes) data = g_bytes_new (with_nul, sizeof with_nul - 1);
    Result r = parse_whole (OB_HTTP_PARSER_RESPONSE, data, TRUE);

    g_assert_error (r.error, OB_HTTP_ERROR, OB_HTTP_ERROR_MALFORMED);
    result_clear (&r);
  }

  {
    /* Surrounding whitespace is trimmed, inner kept; obs-text allowed. */
    Result r = parse_string (OB_HTTP_PARSER_RESPONSE,
                             "HTTP/1.1 200 OK\r\nX-A: \t a  b \t\r\nX-B:\r\nX-C: caf\xc3\xa9\r\n"
                             "Content-Length: 0\r\n\r\n", FALSE);
    g_auto(GStrv) values = NULL;

    g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
    g_assert_cmpstr (ob_http_message_get_header (r.message, "x-a"), ==, "a  b");
    g_assert_cmpstr (ob_http_message_get_header (r.message, "x-b"), ==, "");
    g_assert_cmpstr (ob_http_message_get_header (r.message, "x-c"), ==, "caf\xc3\xa9");
    values = ob_http_message_get_header_values (r.message, "x-none");
    g_assert_cmpuint (g_strv_length (values), ==, 0);
    result_clear (&r);
  }
}

static void
test_framing_conflicts (void)
{
  Result r;

  /* Identical repeated Content-Length values are one value. */
  r = parse_string (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  result_clear (&r);
  r = parse_string (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  result_clear (&r);

  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_REQUEST, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\ncontent-length: 20\r\n\r\nok",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                      OB_HTTP_ERROR_BODY_TOO_LARGE);

  /* Content-Length and chunked together: refused (smuggling). */
  assert_parse_error (OB_HTTP_PARSER_RESPONSE,
                      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_REQUEST,
                      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);

  /* Transfer codings other than chunked are not implemented. */
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                      OB_HTTP_ERROR_UNSUPPORTED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  assert_parse_error (OB_HTTP_PARSER_RESPONSE, "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                      OB_HTTP_ERROR_MALFORMED);
  r = parse_string (OB_HTTP_PARSER_RESPONSE, "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n", FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  result_clear (&r);
}

static void
test_bad_chunks (void)
{
  static const char *const bad[] = {
    "zz\r\n",                     /* not hex */
    "-1\r\n",                     /* negative */
    "+1\r\nx\r\n",                /* sign */
    " 1\r\nx\r\n",                /* leading space */
    "\r\n",                       /* empty size */
    "ffffffffffffffffff\r\n",     /* overflows 64 bits */
    "10000000000000000\r\n",      /* 2^64 */
    "1 x\r\nx\r\n",               /* junk after the size */
    "0x5\r\nhello\r\n",           /* C prefix */
    "5\r\nhelloX\r\n0\r\n\r\n",   /* data longer than the size */
    "5\r\nhell\r\n0\r\n\r\n",     /* shorter: the CRLF lands in the data */
    "5\r\nhello\n0\r\n\r\n",      /* LF only after the data */
    "5\r\nhello\r0\r\n\r\n",      /* CR only after the data */
    "5;a=\x01\r\nhello\r\n0\r\n\r\n", /* control character in an extension */
    "ffffffff\r\n",               /* 4 GiB: over the body limit */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strconcat ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", bad[i], NULL);
      Result r = parse_string (OB_HTTP_PARSER_RESPONSE, text, TRUE);

      if (r.status != OB_HTTP_PARSE_ERROR)
        g_error ("chunk case %u parsed", i);
      /* Every one of these is a framing error, not a short read. */
      g_assert_true (g_error_matches (r.error, OB_HTTP_ERROR, OB_HTTP_ERROR_MALFORMED)
                     || g_error_matches (r.error, OB_HTTP_ERROR, OB_HTTP_ERROR_BODY_TOO_LARGE));
      result_clear (&r);
    }

  {
    /* A chunk-size line that never ends. */
    GString *text = g_string_new ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
    Result r;

    while (text->len < OB_HTTP_MAX_CHUNK_LINE_BYTES + 100)
      g_string_append (text, "ext=value;");
    r = parse_string (OB_HTTP_PARSER_RESPONSE, text->str, FALSE);
    g_assert_error (r.error, OB_HTTP_ERROR, OB_HTTP_ERROR_MALFORMED);
    result_clear (&r);
    g_string_free (text, TRUE);
  }

  {
    /* Leading zeros, upper and lower case, extensions with quoted values. */
    Result r = parse_string (OB_HTTP_PARSER_RESPONSE,
                             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "0003 ;x=\"a b\"\r\nabc\r\n000A\r\n0123456789\r\n0000\r\n\r\n", FALSE);

    g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
    g_assert_cmpuint (g_bytes_get_size (ob_http_message_get_body (r.message)), ==, 13);
    result_clear (&r);
  }
}

static void
test_limits (void)
{
  GString *text;
  Result r;

  /* Headers over 64 KiB, in one header or many. */
  text = g_string_new ("HTTP/1.1 200 OK\r\nX-Big: ");
  while (text->len < OB_HTTP_DEFAULT_MAX_HEADER_BYTES + 10)
    g_string_append (text, "aaaaaaaaaaaaaaaa");
  g_string_append (text, "\r\n\r\n");
  r = parse_string (OB_HTTP_PARSER_RESPONSE, text->str, FALSE);
  g_assert_error (r.error, OB_HTTP_ERROR, OB_HTTP_ERROR_HEADERS_TOO_LARGE);
  result_clear (&r);
  g_string_free (text, TRUE);

  /* Rejected as soon as the limit is crossed, without waiting for LF. */
  {
    g_autoptr(ObHttpParser) parser = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
    g_autofree guint8 *junk = g_malloc (1024);
    g_autoptr(GError) error = NULL;
    ObHttpParseStatus status = OB_HTTP_PARSE_NEED_MORE;
    guint rounds = 0;

    memset (junk, 'A', 1024);
    while (status == OB_HTTP_PARSE_NEED_MORE && rounds++ < 1000)
      status = ob_http_parser_feed (parser, junk, 1024, NULL, &error);
    g_assert_cmpint (status, ==, OB_HTTP_PARSE_ERROR);
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_HEADERS_TOO_LARGE);
    g_assert_cmpuint (rounds, <=, OB_HTTP_DEFAULT_MAX_HEADER_BYTES / 1024 + 1);
  }

  text = g_string_new ("HTTP/1.1 200 OK\r\n");
  for (guint i = 0; i <= OB_HTTP_DEFAULT_MAX_HEADERS; i++)
    g_string_append_printf (text, "X-H%u: v\r\n", i);
  g_string_append (text, "Content-Length: 0\r\n\r\n");
  r = parse_string (OB_HTTP_PARSER_RESPONSE, text->str, FALSE);
  g_assert_error (r.error, OB_HTTP_ERROR, OB_HTTP_ERROR_TOO_MANY_HEADERS);
  result_clear (&r);
  g_string_free (text, TRUE);

  /* Exactly the limit is fine. */
  text = g_string_new ("HTTP/1.1 200 OK\r\n");
  for (guint i = 0; i < OB_HTTP_DEFAULT_MAX_HEADERS - 1; i++)
    g_string_append_printf (text, "X-H%u: v\r\n", i);
  g_string_append (text, "Content-Length: 0\r\n\r\n");
  r = parse_string (OB_HTTP_PARSER_RESPONSE, text->str, FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  result_clear (&r);
  g_string_free (text, TRUE);

  /* Body limits: declared, chunked in total, and to EOF. */
  {
    g_autoptr(ObHttpParser) parser = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
    g_autoptr(GError) error = NULL;
    const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n";
    const char *chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "32\r\n01234567890123456789012345678901234567890123456789\r\n"
                          "32\r\n01234567890123456789012345678901234567890123456789\r\n"
                          "1\r\n";
    const char *eof = "HTTP/1.1 200 OK\r\n\r\n";
    guint8 body[101];

    memset (body, 'b', sizeof body);

    ob_http_parser_set_limits (parser, 0, 0, 100);
    g_assert_cmpint (ob_http_parser_feed (parser, (const guint8 *) cl, strlen (cl), NULL, &error), ==,
                     OB_HTTP_PARSE_ERROR);
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_BODY_TOO_LARGE);
    g_clear_error (&error);

    ob_http_parser_reset (parser);
    g_assert_cmpint (ob_http_parser_feed (parser, (const guint8 *) chunked, strlen (chunked), NULL, &error), ==,
                     OB_HTTP_PARSE_ERROR);
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_BODY_TOO_LARGE);
    g_clear_error (&error);

    ob_http_parser_reset (parser);
    g_assert_cmpint (ob_http_parser_feed (parser, (const guint8 *) eof, strlen (eof), NULL, &error), ==,
                     OB_HTTP_PARSE_NEED_MORE);
    g_assert_cmpint (ob_http_parser_feed (parser, body, 100, NULL, &error), ==, OB_HTTP_PARSE_NEED_MORE);
    g_assert_cmpint (ob_http_parser_feed (parser, body, 1, NULL, &error), ==, OB_HTTP_PARSE_ERROR);
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_BODY_TOO_LARGE);
    g_clear_error (&error);

    /* Once failed, it stays failed. */
    g_assert_cmpint (ob_http_parser_feed (parser, body, 1, NULL, &error), ==, OB_HTTP_PARSE_ERROR);
    g_assert_nonnull (error);
    g_clear_error (&error);

    /* Trailers are bounded like headers. */
    ob_http_parser_reset (parser);
    ob_http_parser_set_limits (parser, 200, 0, 0);
    text = g_string_new ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
    for (guint i = 0; i < 20; i++)
      g_string_append_printf (text, "X-T%u: value value\r\n", i);
    g_assert_cmpint (ob_http_parser_feed (parser, (const guint8 *) text->str, text->len, NULL, &error), ==,
                     OB_HTTP_PARSE_ERROR);
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_HEADERS_TOO_LARGE);
    g_string_free (text, TRUE);
  }
}

static void
test_serialize (void)
{
  g_autoptr(ObHttpMessage) request = ob_http_message_new_request ("POST", "/wsman");
  g_autoptr(ObHttpMessage) response = ob_http_message_new_response (200, NULL);
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(GError) error = NULL;
  Result r;

  ob_http_message_append_header (request, "Host", "10.0.0.1:16992");
  ob_http_message_append_header (request, "Content-Type", "application/soap+xml;charset=UTF-8");
  ob_http_message_set_body_data (request, SOAP_BODY, -1);
  wire = ob_http_message_serialize (request, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (wire, NULL), "POST /wsman HTTP/1.1\r\nHost: 10.0.0.1:16992\r\n"));
  r = parse_whole (OB_HTTP_PARSER_REQUEST, wire, FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  g_assert_cmpuint (r.consumed, ==, g_bytes_get_size (wire));
  {
    g_autofree char *expected_length = g_strdup_printf ("%zu", strlen (SOAP_BODY));

    g_assert_cmpstr (ob_http_message_get_header (r.message, "Content-Length"), ==, expected_length);
  }
  g_assert_true (g_bytes_equal (ob_http_message_get_body (r.message), ob_http_message_get_body (request)));
  result_clear (&r);
  g_clear_pointer (&wire, g_bytes_unref);

  /* Chunked in 7-byte chunks, with a trailer; every split still parses. */
  ob_http_message_append_header (response, "Content-Type", "application/soap+xml; charset=UTF-8");
  ob_http_message_append_trailer (response, "X-Done", "yes");
  ob_http_message_set_body_data (response, SOAP_BODY, -1);
  wire = ob_http_message_serialize (response, 7, &error);
  g_assert_no_error (error);
  r = parse_whole (OB_HTTP_PARSER_RESPONSE, wire, FALSE);
  g_assert_cmpint (r.status, ==, OB_HTTP_PARSE_DONE);
  g_assert_cmpstr (ob_http_message_get_header (r.message, "Transfer-Encoding"), ==, "chunked");
  g_assert_cmpstr (ob_http_message_get_trailer (r.message, "X-Done"), ==, "yes");
  g_assert_true (g_bytes_equal (ob_http_message_get_body (r.message), ob_http_message_get_body (response)));
  result_clear (&r);
  check_all_splits (OB_HTTP_PARSER_RESPONSE, wire);
  g_clear_pointer (&wire, g_bytes_unref);

  /* An empty chunked body is just the last chunk. */
  {
    g_autoptr(ObHttpMessage) empty = ob_http_message_new_response (200, "OK");

    wire = ob_http_message_serialize (empty, 16, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire),
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                     strlen ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    g_clear_pointer (&wire, g_bytes_unref);
  }
}

static void
test_serialize_injection (void)
{
  static const char *const bad_values[] = { "a\r\nSet-Cookie: x", "a\nb", "a\rb", "a\x01" };
  static const char *const bad_names[] = { "X Header", "X:Y", "", "X\r\nY", "Ünicode" };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad_values); i++)
    {
      g_autoptr(ObHttpMessage) m = ob_http_message_new_request ("POST", "/wsman");

      ob_http_message_append_header (m, "Host", "a");
      ob_http_message_append_header (m, "X-Value", bad_values[i]);
      g_assert_null (ob_http_message_serialize (m, 0, &error));
      g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER);
      g_clear_error (&error);
      g_assert_false (ob_http_header_value_is_valid (bad_values[i]));
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr(ObHttpMessage) m = ob_http_message_new_response (200, NULL);

      ob_http_message_append_header (m, bad_names[i], "v");
      g_assert_null (ob_http_message_serialize (m, 0, &error));
      g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER);
      g_clear_error (&error);
      g_assert_false (ob_http_header_name_is_valid (bad_names[i]));
    }

  {
    g_autoptr(ObHttpMessage) m = ob_http_message_new_request ("POST", "/wsman HTTP/1.1\r\nX: y");

    ob_http_message_append_header (m, "Host", "a");
    g_assert_null (ob_http_message_serialize (m, 0, &error));
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER);
    g_clear_error (&error);
  }
  {
    g_autoptr(ObHttpMessage) m = ob_http_message_new_response (200, "OK\r\nX: y");

    g_assert_null (ob_http_message_serialize (m, 0, &error));
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER);
    g_clear_error (&error);
  }
  {
    /* Framing headers that disagree with the chosen framing. */
    g_autoptr(ObHttpMessage) m = ob_http_message_new_response (200, NULL);

    ob_http_message_set_body_data (m, "abc", 3);
    ob_http_message_append_header (m, "Content-Length", "4");
    g_assert_null (ob_http_message_serialize (m, 0, &error));
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER);
    g_clear_error (&error);
    g_assert_null (ob_http_message_serialize (m, 2, &error));
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER);
    g_clear_error (&error);
    ob_http_message_replace_header (m, "Content-Length", "3");
    {
      g_autoptr(GBytes) wire = ob_http_message_serialize (m, 0, &error);

      g_assert_no_error (error);
      g_assert_nonnull (wire);
    }
  }
  {
    g_autoptr(ObHttpMessage) m = ob_http_message_new_request ("GET", "/");

    /* HTTP/1.1 request without Host */
    g_assert_null (ob_http_message_serialize (m, 0, &error));
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER);
    g_clear_error (&error);
  }
}

static void
test_message_headers (void)
{
  g_autoptr(ObHttpMessage) m = ob_http_message_new_response (401, NULL);
  g_auto(GStrv) values = NULL;

  g_assert_cmpstr (ob_http_message_get_reason (m), ==, "Unauthorized");
  ob_http_message_append_header (m, "WWW-Authenticate", "Basic realm=\"x\"");
  ob_http_message_append_header (m, "www-authenticate", "Digest realm=\"y\"");
  ob_http_message_append_header (m, "Connection", "Keep-Alive, Upgrade");
  values = ob_http_message_get_header_values (m, "WWW-AUTHENTICATE");
  g_assert_cmpuint (g_strv_length (values), ==, 2);
  g_assert_cmpstr (values[1], ==, "Digest realm=\"y\"");
  g_assert_true (ob_http_message_header_has_token (m, "connection", "upgrade"));
  g_assert_false (ob_http_message_header_has_token (m, "connection", "close"));
  g_assert_false (ob_http_message_header_has_token (m, "connection", "keep"));
  ob_http_message_remove_header (m, "Www-Authenticate");
  g_assert_null (ob_http_message_get_header (m, "WWW-Authenticate"));
  g_assert_cmpuint (ob_http_message_get_n_headers (m), ==, 1);

  ob_http_message_set_minor_version (m, 0);
  g_assert_true (ob_http_message_is_keep_alive (m));
  ob_http_message_replace_header (m, "Connection", "close");
  g_assert_false (ob_http_message_is_keep_alive (m));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http-parser/amt-200-chunked", test_amt_200_chunked);
  g_test_add_func ("/http-parser/amt-401", test_amt_401);
  g_test_add_func ("/http-parser/request", test_request);
  g_test_add_func ("/http-parser/splits", test_splits);
  g_test_add_func ("/http-parser/truncated", test_truncated);
  g_test_add_func ("/http-parser/body-to-eof", test_body_to_eof);
  g_test_add_func ("/http-parser/interim-and-pipelined", test_interim_and_pipelined);
  g_test_add_func ("/http-parser/leading-empty-lines", test_leading_empty_lines);
  g_test_add_func ("/http-parser/status-lines", test_status_lines);
  g_test_add_func ("/http-parser/bare-lf-and-cr", test_bare_lf_and_cr);
  g_test_add_func ("/http-parser/header-syntax", test_header_syntax);
  g_test_add_func ("/http-parser/framing-conflicts", test_framing_conflicts);
  g_test_add_func ("/http-parser/bad-chunks", test_bad_chunks);
  g_test_add_func ("/http-parser/limits", test_limits);
  g_test_add_func ("/http-parser/serialize", test_serialize);
  g_test_add_func ("/http-parser/serialize-injection", test_serialize_injection);
  g_test_add_func ("/http-parser/message-headers", test_message_headers);

  return g_test_run ();
}
