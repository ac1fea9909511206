/* fuzz-http-parser.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The HTTP parser (both modes) and the digest header parsers over arbitrary
 * bytes.  Besides "no crash, no leak, no over-read" it checks one property:
 * the parser is incremental, so feeding the same bytes in pieces must give
 * exactly the result of feeding them at once.  And a message that parsed
 * must serialize and parse back to the same body. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ob-http-digest.h"
#include "ob-http-parser.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct
{
  ObHttpParseStatus  status;
  GQuark             domain;
  gint               code;
  gsize              consumed;
  ObHttpMessage     *message;
} Outcome;

/* Small limits so the fuzzer reaches them. */
static ObHttpParser *
new_parser (ObHttpParserMode mode)
{
  ObHttpParser *parser = ob_http_parser_new (mode);

  ob_http_parser_set_limits (parser, 2048, 20, 4096);
  return parser;
}

static Outcome
run (ObHttpParserMode  mode,
     const guint8     *data,
     gsize             size,
     gsize             piece)
{
  g_autoptr(ObHttpParser) parser = new_parser (mode);
  g_autoptr(GError) error = NULL;
  Outcome out = { OB_HTTP_PARSE_NEED_MORE, 0, 0, 0, NULL };
  gsize pos = 0;

  while (pos < size && out.status == OB_HTTP_PARSE_NEED_MORE)
    {
      gsize n = MIN (piece, size - pos);
      gsize used = 0;

      out.status = ob_http_parser_feed (parser, data + pos, n, &used, &error);
      if (out.status == OB_HTTP_PARSE_NEED_MORE && used != n)
        abort ();
      if (used > n)
        abort ();
      out.consumed += used;
      pos += n;
    }
  if (out.status == OB_HTTP_PARSE_NEED_MORE)
    out.status = ob_http_parser_feed_eof (parser, &error);

  if (out.status == OB_HTTP_PARSE_ERROR)
    {
      if (error == NULL)
        abort ();
      out.domain = error->domain;
      out.code = error->code;
    }
  else if (out.status == OB_HTTP_PARSE_DONE)
    out.message = ob_http_parser_steal_message (parser);

  return out;
}

static void
exercise_message (ObHttpMessage *message,
                  ObHttpParserMode mode)
{
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObHttpDigestChallenge) challenge = NULL;

  (void) ob_http_message_is_keep_alive (message);
  (void) ob_http_message_header_has_token (message, "Connection", "close");

  /* Whatever parsed, digest parsing of its auth headers never crashes. */
  challenge = ob_http_digest_challenge_from_response (message, NULL);
  if (challenge != NULL)
    {
      g_autofree char *auth = ob_http_digest_challenge_authorize (challenge, "admin", "pw", "POST", "/wsman");

      if (auth == NULL)
        abort ();
    }

  /* Round trip: the serializer may refuse (e.g. a 204 that carried a body
   * header), but what it writes parses back to the same body. */
  ob_http_message_remove_header (message, "Content-Length");
  ob_http_message_remove_header (message, "Transfer-Encoding");
  wire = ob_http_message_serialize (message, 7, &error);
  if (wire != NULL)
    {
      g_autoptr(ObHttpParser) parser = ob_http_parser_new (mode);
      g_autoptr(GError) parse_error = NULL;
      gsize len;
      const guint8 *p = g_bytes_get_data (wire, &len);
      ObHttpParseStatus status = ob_http_parser_feed (parser, p, len, NULL, &parse_error);

      if (status == OB_HTTP_PARSE_NEED_MORE)
        status = ob_http_parser_feed_eof (parser, &parse_error);
      if (status == OB_HTTP_PARSE_DONE)
        {
          g_autoptr(ObHttpMessage) again = ob_http_parser_steal_message (parser);
          guint code = ob_http_message_get_status (message);

          if (ob_http_message_is_request (message) || (code >= 200 && code != 204 && code != 304))
            if (!g_bytes_equal (ob_http_message_get_body (again), ob_http_message_get_body (message)))
              abort ();
        }
    }
}

static void
check_mode (ObHttpParserMode  mode,
            const guint8     *data,
            gsize             size)
{
  Outcome whole = run (mode, data, size, size > 0 ? size : 1);
  /* Piece sizes taken from the input itself so the fuzzer explores them. */
  gsize piece = size > 0 ? (data[size - 1] % 13) + 1 : 1;
  Outcome split = run (mode, data, size, piece);

  if (whole.status != split.status || whole.domain != split.domain || whole.code != split.code)
    abort ();
  if (whole.status == OB_HTTP_PARSE_DONE)
    {
      if (whole.consumed != split.consumed)
        abort ();
      if (!g_bytes_equal (ob_http_message_get_body (whole.message), ob_http_message_get_body (split.message)))
        abort ();
      if (ob_http_message_get_n_headers (whole.message) != ob_http_message_get_n_headers (split.message))
        abort ();
      exercise_message (whole.message, mode);
    }

  g_clear_pointer (&whole.message, ob_http_message_unref);
  g_clear_pointer (&split.message, ob_http_message_unref);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* data is NULL for an empty input */
  g_autofree char *text = size > 0 ? g_strndup ((const char *) data, size) : g_strdup ("");
  g_autoptr(ObHttpDigestChallenge) challenge = NULL;
  static ObHttpDigestServer *server;

  check_mode (OB_HTTP_PARSER_RESPONSE, data, size);
  check_mode (OB_HTTP_PARSER_REQUEST, data, size);

  /* The same bytes as a header value for both digest parsers. */
  challenge = ob_http_digest_challenge_parse (text, NULL);
  if (challenge != NULL && ob_http_digest_challenge_get_nonce (challenge) == NULL)
    abort ();

  if (server == NULL)
    server = ob_http_digest_server_new ("Digest:00000000000000000000000000000000");
  if (ob_http_digest_server_verify (server, text, "POST", "/wsman", "admin", "pw") == OB_HTTP_DIGEST_OK)
    abort ();  /* nobody guesses an MD5 response */

  return 0;
}
