/* ob-http-parser.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-http-parser.h"

typedef enum
{
  STATE_START_LINE,
  STATE_HEADERS,
  STATE_BODY_LENGTH,
  STATE_CHUNK_SIZE,
  STATE_CHUNK_DATA,
  STATE_CHUNK_DATA_CR,
  STATE_CHUNK_DATA_LF,
  STATE_TRAILERS,
  STATE_BODY_EOF,
  STATE_DONE,
  STATE_ERROR,
} State;

/* Empty lines tolerated before a start line (RFC 9112 §2.2: a robust
 * recipient ignores at least one). */
#define MAX_LEADING_EMPTY_LINES 4

struct _ObHttpParser
{
  ObHttpParserMode  mode;
  gsize             max_header_bytes;
  guint             max_headers;
  gsize             max_body_bytes;
  gboolean          head_response;

  State             state;
  gboolean          started;
  GByteArray       *line;
  gsize             header_bytes;
  gsize             trailer_bytes;
  guint             n_fields;
  guint             n_leading_empty;
  guint64           remaining;
  GByteArray       *body;
  ObHttpMessage    *message;
};

ObHttpParser *
ob_http_parser_new (ObHttpParserMode mode)
{
  ObHttpParser *self = g_new0 (ObHttpParser, 1);

  self->mode = mode;
  self->max_header_bytes = OB_HTTP_DEFAULT_MAX_HEADER_BYTES;
  self->max_headers = OB_HTTP_DEFAULT_MAX_HEADERS;
  self->max_body_bytes = OB_HTTP_DEFAULT_MAX_BODY_BYTES;
  self->line = g_byte_array_new ();
  ob_http_parser_reset (self);
  return self;
}

void
ob_http_parser_free (ObHttpParser *self)
{
  if (self == NULL)
    return;

  g_byte_array_unref (self->line);
  g_clear_pointer (&self->body, g_byte_array_unref);
  g_clear_pointer (&self->message, ob_http_message_unref);
  g_free (self);
}

void
ob_http_parser_set_limits (ObHttpParser *self,
                           gsize         max_header_bytes,
                           guint         max_headers,
                           gsize         max_body_bytes)
{
  g_return_if_fail (self != NULL);

  self->max_header_bytes = max_header_bytes > 0 ? max_header_bytes : OB_HTTP_DEFAULT_MAX_HEADER_BYTES;
  self->max_headers = max_headers > 0 ? max_headers : OB_HTTP_DEFAULT_MAX_HEADERS;
  self->max_body_bytes = max_body_bytes > 0 ? max_body_bytes : OB_HTTP_DEFAULT_MAX_BODY_BYTES;
}

void
ob_http_parser_set_head_response (ObHttpParser *self,
                                  gboolean      head)
{
  g_return_if_fail (self != NULL);

  self->head_response = !!head;
}

void
ob_http_parser_reset (ObHttpParser *self)
{
  g_return_if_fail (self != NULL);

  self->state = STATE_START_LINE;
  self->started = FALSE;
  g_byte_array_set_size (self->line, 0);
  self->header_bytes = 0;
  self->trailer_bytes = 0;
  self->n_fields = 0;
  self->n_leading_empty = 0;
  self->remaining = 0;
  g_clear_pointer (&self->body, g_byte_array_unref);
  self->body = g_byte_array_new ();
  g_clear_pointer (&self->message, ob_http_message_unref);
}

gboolean
ob_http_parser_has_started (ObHttpParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->started;
}

gboolean
ob_http_parser_headers_complete (ObHttpParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->state != STATE_START_LINE && self->state != STATE_HEADERS
         && self->state != STATE_ERROR;
}

ObHttpMessage *
ob_http_parser_steal_message (ObHttpParser *self)
{
  ObHttpMessage *message;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->state == STATE_DONE, NULL);

  message = g_steal_pointer (&self->message);
  self->head_response = FALSE;
  ob_http_parser_reset (self);
  return message;
}

static ObHttpParseStatus
fail (ObHttpParser  *self,
      GError       **error,
      ObHttpError    code,
      const char    *message)
{
  self->state = STATE_ERROR;
  g_set_error_literal (error, OB_HTTP_ERROR, code, message);
  return OB_HTTP_PARSE_ERROR;
}

static inline gboolean
is_tchar (guchar c)
{
  if (g_ascii_isalnum (c))
    return TRUE;

  return c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field value characters: VCHAR, obs-text, SP, HTAB. */
static inline gboolean
is_field_char (guchar c)
{
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static gboolean
parse_version (const char *p,
               guint      *minor,
               ObHttpError *code)
{
  if (strncmp (p, "HTTP/", 5) != 0 || !g_ascii_isdigit (p[5]) || p[6] != '.' || !g_ascii_isdigit (p[7]))
    {
      *code = OB_HTTP_ERROR_MALFORMED;
      return FALSE;
    }
  if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
    {
      *code = OB_HTTP_ERROR_UNSUPPORTED;
      return FALSE;
    }

  *minor = p[7] - '0';
  return TRUE;
}

static ObHttpParseStatus
parse_request_line (ObHttpParser  *self,
                    const char    *line,
                    gsize          len,
                    GError       **error)
{
  g_autofree char *method = NULL;
  g_autofree char *target = NULL;
  ObHttpError code;
  guint minor;
  gsize i = 0;
  gsize start;

  while (i < len && is_tchar (line[i]))
    i++;
  if (i == 0 || i >= len || line[i] != ' ')
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed request line");
  method = g_strndup (line, i);

  start = ++i;
  while (i < len && (guchar) line[i] > 0x20 && (guchar) line[i] < 0x7f)
    i++;
  if (i == start || i >= len || line[i] != ' ')
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed request target");
  target = g_strndup (line + start, i - start);

  i++;
  if (len - i != 8)
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed HTTP version in the request line");
  if (!parse_version (line + i, &minor, &code))
    return fail (self, error, code, code == OB_HTTP_ERROR_UNSUPPORTED
                                    ? "Only HTTP/1.0 and HTTP/1.1 are supported"
                                    : "Malformed HTTP version in the request line");

  self->message = ob_http_message_new_request (method, target);
  ob_http_message_set_minor_version (self->message, minor);
  return OB_HTTP_PARSE_NEED_MORE;
}

static ObHttpParseStatus
parse_status_line (ObHttpParser  *self,
                   const char    *line,
                   gsize          len,
                   GError       **error)
{
  g_autofree char *reason = NULL;
  ObHttpError code;
  guint minor;
  guint status;

  if (len < 8 || strncmp (line, "HTTP/", 5) != 0)
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed status line");
  if (!parse_version (line, &minor, &code))
    return fail (self, error, code, code == OB_HTTP_ERROR_UNSUPPORTED
                                    ? "Only HTTP/1.0 and HTTP/1.1 are supported"
                                    : "Malformed status line");
  /* The reason phrase may be missing altogether ("HTTP/1.1 200"). */
  if (len < 12 || line[8] != ' ')
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed status line");

  if (!g_ascii_isdigit (line[9]) || !g_ascii_isdigit (line[10]) || !g_ascii_isdigit (line[11]))
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed status code");
  status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100 || status > 599)
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Status code out of range");

  if (len > 12)
    {
      if (line[12] != ' ')
        return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed status line");
      for (gsize i = 13; i < len; i++)
        if (!is_field_char (line[i]))
          return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Control character in the reason phrase");
      reason = g_strndup (line + 13, len - 13);
    }

  self->message = ob_http_message_new_response (status, reason != NULL ? reason : "");
  ob_http_message_set_minor_version (self->message, minor);
  return OB_HTTP_PARSE_NEED_MORE;
}

/* One "name: value" line (without CRLF) of the headers or trailers. */
static ObHttpParseStatus
parse_field_line (ObHttpParser  *self,
                  const char    *line,
                  gsize          len,
                  gboolean       trailer,
                  GError       **error)
{
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  gsize colon = 0;
  gsize vstart;
  gsize vend;

  if (line[0] == ' ' || line[0] == '\t')
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Folded header lines are not accepted");

  while (colon < len && is_tchar (line[colon]))
    colon++;
  if (colon == 0 || colon >= len || line[colon] != ':')
    return fail (self, error, OB_HTTP_ERROR_MALFORMED,
                 "Malformed header line (a name must be a token directly followed by “:”)");

  vstart = colon + 1;
  vend = len;
  while (vstart < vend && (line[vstart] == ' ' || line[vstart] == '\t'))
    vstart++;
  while (vend > vstart && (line[vend - 1] == ' ' || line[vend - 1] == '\t'))
    vend--;
  for (gsize i = vstart; i < vend; i++)
    if (!is_field_char (line[i]))
      return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Control character in a header value");

  if (++self->n_fields > self->max_headers)
    return fail (self, error, OB_HTTP_ERROR_TOO_MANY_HEADERS, "Too many header fields");

  name = g_strndup (line, colon);
  value = g_strndup (line + vstart, vend - vstart);
  if (trailer)
    ob_http_message_append_trailer (self->message, name, value);
  else
    ob_http_message_append_header (self->message, name, value);

  return OB_HTTP_PARSE_NEED_MORE;
}

static ObHttpParseStatus
finish_message (ObHttpParser *self)
{
  g_autoptr(GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&self->body));

  ob_http_message_set_body (self->message, body);
  self->body = g_byte_array_new ();
  self->state = STATE_DONE;
  return OB_HTTP_PARSE_DONE;
}

/* Content-Length: every value of every Content-Length header, each maybe a
 * comma list, must be the same decimal number. */
static ObHttpParseStatus
parse_content_length (ObHttpParser  *self,
                      char         **values,
                      guint64       *out_length,
                      GError       **error)
{
  gboolean have = FALSE;
  guint64 length = 0;

  for (guint i = 0; values[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (values[i], ",", -1);

      if (parts[0] == NULL)
        return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Empty Content-Length");

      for (guint j = 0; parts[j] != NULL; j++)
        {
          const char *p = parts[j];
          guint64 v = 0;
          gsize n_digits = 0;

          while (*p == ' ' || *p == '\t')
            p++;
          for (; g_ascii_isdigit (*p); p++, n_digits++)
            {
              if (v > (G_MAXUINT64 - 9) / 10)
                return fail (self, error, OB_HTTP_ERROR_BODY_TOO_LARGE, "Content-Length is too large");
              v = v * 10 + (*p - '0');
            }
          while (*p == ' ' || *p == '\t')
            p++;
          if (n_digits == 0 || *p != '\0')
            return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed Content-Length");
          if (have && v != length)
            return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Conflicting Content-Length values");
          have = TRUE;
          length = v;
        }
    }

  *out_length = length;
  return OB_HTTP_PARSE_NEED_MORE;
}

/* Transfer-Encoding: only exactly "chunked" is implemented. */
static ObHttpParseStatus
check_transfer_encoding (ObHttpParser  *self,
                         char         **values,
                         GError       **error)
{
  guint n_codings = 0;
  gboolean chunked_last = FALSE;

  for (guint i = 0; values[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (values[i], ",", -1);

      for (guint j = 0; parts[j] != NULL; j++)
        {
          g_autofree char *coding = g_strstrip (g_strdup (parts[j]));

          if (*coding == '\0')
            continue;
          for (const char *p = coding; *p != '\0'; p++)
            if (!is_tchar (*p) && *p != ';' && *p != '=' && *p != ' ' && *p != '"')
              return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed Transfer-Encoding");
          n_codings++;
          chunked_last = g_ascii_strcasecmp (coding, "chunked") == 0;
          if (!chunked_last)
            return fail (self, error, OB_HTTP_ERROR_UNSUPPORTED,
                         "Only the chunked transfer coding is supported");
        }
    }

  if (n_codings == 0)
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Empty Transfer-Encoding");
  if (n_codings > 1)
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Transfer-Encoding lists chunked twice");

  return OB_HTTP_PARSE_NEED_MORE;
}

static ObHttpParseStatus
headers_complete (ObHttpParser  *self,
                  GError       **error)
{
  g_auto(GStrv) te = ob_http_message_get_header_values (self->message, "Transfer-Encoding");
  g_auto(GStrv) cl = ob_http_message_get_header_values (self->message, "Content-Length");
  guint64 length = 0;

  if (self->mode == OB_HTTP_PARSER_REQUEST)
    {
      g_auto(GStrv) host = ob_http_message_get_header_values (self->message, "Host");

      if (g_strv_length (host) > 1)
        return fail (self, error, OB_HTTP_ERROR_MALFORMED, "More than one Host header");
      if (host[0] == NULL && ob_http_message_get_minor_version (self->message) == 1)
        return fail (self, error, OB_HTTP_ERROR_MALFORMED, "An HTTP/1.1 request without Host");
    }
  else
    {
      guint status = ob_http_message_get_status (self->message);

      /* No body whatever the headers say (RFC 9112 §6.3 items 1-2). */
      if (self->head_response || status < 200 || status == 204 || status == 304)
        return finish_message (self);
    }

  /* Both framings at once is the classic request smuggling / response
   * splitting vector; RFC 9112 §6.3 allows treating it as an error, and
   * neither AMT nor our simulator ever sends it, so it is refused. */
  if (te[0] != NULL && cl[0] != NULL)
    return fail (self, error, OB_HTTP_ERROR_MALFORMED,
                 "Both Content-Length and Transfer-Encoding are present");

  if (te[0] != NULL)
    {
      if (check_transfer_encoding (self, te, error) == OB_HTTP_PARSE_ERROR)
        return OB_HTTP_PARSE_ERROR;
      if (ob_http_message_get_minor_version (self->message) == 0)
        return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Transfer-Encoding in an HTTP/1.0 message");
      self->state = STATE_CHUNK_SIZE;
      return OB_HTTP_PARSE_NEED_MORE;
    }

  if (cl[0] != NULL)
    {
      if (parse_content_length (self, cl, &length, error) == OB_HTTP_PARSE_ERROR)
        return OB_HTTP_PARSE_ERROR;
      if (length > self->max_body_bytes)
        return fail (self, error, OB_HTTP_ERROR_BODY_TOO_LARGE, "The body is over the size limit");
      if (length == 0)
        return finish_message (self);
      self->remaining = length;
      self->state = STATE_BODY_LENGTH;
      return OB_HTTP_PARSE_NEED_MORE;
    }

  if (self->mode == OB_HTTP_PARSER_REQUEST)
    return finish_message (self);

  self->state = STATE_BODY_EOF;
  return OB_HTTP_PARSE_NEED_MORE;
}

static ObHttpParseStatus
parse_chunk_size (ObHttpParser  *self,
                  const char    *line,
                  gsize          len,
                  GError       **error)
{
  guint64 size = 0;
  gsize i = 0;

  for (; i < len && g_ascii_isxdigit (line[i]); i++)
    {
      if (size > (G_MAXUINT64 >> 4))
        return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Chunk size overflows");
      size = (size << 4) | g_ascii_xdigit_value (line[i]);
    }
  if (i == 0)
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed chunk size");

  /* Optional BWS, then chunk extensions, which we accept and ignore. */
  while (i < len && (line[i] == ' ' || line[i] == '\t'))
    i++;
  if (i < len)
    {
      if (line[i] != ';')
        return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Malformed chunk size");
      for (; i < len; i++)
        if (!is_field_char (line[i]))
          return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Control character in a chunk extension");
    }

  if (size == 0)
    {
      self->state = STATE_TRAILERS;
      self->n_fields = 0;
      return OB_HTTP_PARSE_NEED_MORE;
    }

  if (size > self->max_body_bytes || self->body->len + size > self->max_body_bytes)
    return fail (self, error, OB_HTTP_ERROR_BODY_TOO_LARGE, "The body is over the size limit");

  self->remaining = size;
  self->state = STATE_CHUNK_DATA;
  return OB_HTTP_PARSE_NEED_MORE;
}

/* A complete line (ending in LF) is in self->line. */
static ObHttpParseStatus
process_line (ObHttpParser  *self,
              GError       **error)
{
  const char *line = (const char *) self->line->data;
  gsize len = self->line->len;
  ObHttpParseStatus status;

  if (len < 2 || line[len - 2] != '\r')
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Line ends with a bare LF");
  len -= 2;
  if (memchr (line, '\r', len) != NULL)
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Bare CR inside a line");
  if (memchr (line, '\0', len) != NULL)
    return fail (self, error, OB_HTTP_ERROR_MALFORMED, "NUL byte inside a line");

  switch (self->state)
    {
    case STATE_START_LINE:
      if (len == 0)
        {
          if (++self->n_leading_empty > MAX_LEADING_EMPTY_LINES)
            return fail (self, error, OB_HTTP_ERROR_MALFORMED, "Empty lines instead of a message");
          status = OB_HTTP_PARSE_NEED_MORE;
        }
      else
        {
          status = self->mode == OB_HTTP_PARSER_REQUEST
                   ? parse_request_line (self, line, len, error)
                   : parse_status_line (self, line, len, error);
          if (status != OB_HTTP_PARSE_ERROR)
            self->state = STATE_HEADERS;
        }
      self->header_bytes += self->line->len;
      break;

    case STATE_HEADERS:
      self->header_bytes += self->line->len;
      status = len == 0 ? headers_complete (self, error)
                        : parse_field_line (self, line, len, FALSE, error);
      break;

    case STATE_CHUNK_SIZE:
      status = parse_chunk_size (self, line, len, error);
      break;

    case STATE_TRAILERS:
      self->trailer_bytes += self->line->len;
      status = len == 0 ? finish_message (self)
                        : parse_field_line (self, line, len, TRUE, error);
      break;

    case STATE_BODY_LENGTH:
    case STATE_CHUNK_DATA:
    case STATE_CHUNK_DATA_CR:
    case STATE_CHUNK_DATA_LF:
    case STATE_BODY_EOF:
    case STATE_DONE:
    case STATE_ERROR:
    default:
      g_assert_not_reached ();
    }

  g_byte_array_set_size (self->line, 0);
  return status;
}

/* How many more line bytes the current state allows. */
static gsize
line_budget (ObHttpParser *self)
{
  gsize used;

  switch (self->state)
    {
    case STATE_START_LINE:
    case STATE_HEADERS:
      used = self->header_bytes + self->line->len;
      return used < self->max_header_bytes ? self->max_header_bytes - used : 0;
    case STATE_TRAILERS:
      used = self->trailer_bytes + self->line->len;
      return used < self->max_header_bytes ? self->max_header_bytes - used : 0;
    case STATE_CHUNK_SIZE:
      return self->line->len < OB_HTTP_MAX_CHUNK_LINE_BYTES
             ? OB_HTTP_MAX_CHUNK_LINE_BYTES - self->line->len : 0;
    case STATE_BODY_LENGTH:
    case STATE_CHUNK_DATA:
    case STATE_CHUNK_DATA_CR:
    case STATE_CHUNK_DATA_LF:
    case STATE_BODY_EOF:
    case STATE_DONE:
    case STATE_ERROR:
    default:
      return 0;
    }
}

ObHttpParseStatus
ob_http_parser_feed (ObHttpParser  *self,
                     const guint8  *data,
                     gsize          len,
                     gsize         *consumed,
                     GError       **error)
{
  gsize pos = 0;
  ObHttpParseStatus status = OB_HTTP_PARSE_NEED_MORE;

  g_return_val_if_fail (self != NULL, OB_HTTP_PARSE_ERROR);
  g_return_val_if_fail (data != NULL || len == 0, OB_HTTP_PARSE_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, OB_HTTP_PARSE_ERROR);

  if (consumed != NULL)
    *consumed = 0;

  if (self->state == STATE_ERROR)
    {
      g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_MALFORMED,
                           "The HTTP stream already failed");
      return OB_HTTP_PARSE_ERROR;
    }
  if (self->state == STATE_DONE)
    return OB_HTTP_PARSE_DONE;

  while (pos < len && status == OB_HTTP_PARSE_NEED_MORE)
    {
      switch (self->state)
        {
        case STATE_START_LINE:
        case STATE_HEADERS:
        case STATE_CHUNK_SIZE:
        case STATE_TRAILERS:
          {
            const guint8 *nl = memchr (data + pos, '\n', len - pos);
            gsize take = nl != NULL ? (gsize) (nl - (data + pos)) + 1 : len - pos;

            if (take > line_budget (self))
              {
                if (self->state == STATE_CHUNK_SIZE)
                  status = fail (self, error, OB_HTTP_ERROR_MALFORMED, "Chunk size line too long");
                else
                  status = fail (self, error, OB_HTTP_ERROR_HEADERS_TOO_LARGE,
                                 self->state == STATE_TRAILERS ? "The trailer fields are over the size limit"
                                                               : "The headers are over the size limit");
                break;
              }

            g_byte_array_append (self->line, data + pos, take);
            pos += take;
            self->started = TRUE;
            if (nl != NULL)
              status = process_line (self, error);
          }
          break;

        case STATE_BODY_LENGTH:
        case STATE_CHUNK_DATA:
          {
            gsize n = (gsize) MIN (self->remaining, (guint64) (len - pos));

            g_byte_array_append (self->body, data + pos, n);
            pos += n;
            self->remaining -= n;
            if (self->remaining == 0)
              {
                if (self->state == STATE_BODY_LENGTH)
                  status = finish_message (self);
                else
                  self->state = STATE_CHUNK_DATA_CR;
              }
          }
          break;

        case STATE_CHUNK_DATA_CR:
          if (data[pos++] != '\r')
            status = fail (self, error, OB_HTTP_ERROR_MALFORMED, "Chunk data not followed by CRLF");
          else
            self->state = STATE_CHUNK_DATA_LF;
          break;

        case STATE_CHUNK_DATA_LF:
          if (data[pos++] != '\n')
            status = fail (self, error, OB_HTTP_ERROR_MALFORMED, "Chunk data not followed by CRLF");
          else
            self->state = STATE_CHUNK_SIZE;
          break;

        case STATE_BODY_EOF:
          if (len - pos > self->max_body_bytes - self->body->len)
            {
              status = fail (self, error, OB_HTTP_ERROR_BODY_TOO_LARGE, "The body is over the size limit");
              break;
            }
          g_byte_array_append (self->body, data + pos, len - pos);
          pos = len;
          break;

        case STATE_DONE:
        case STATE_ERROR:
        default:
          g_assert_not_reached ();
        }
    }

  if (consumed != NULL)
    *consumed = pos;

  return status;
}

ObHttpParseStatus
ob_http_parser_feed_eof (ObHttpParser  *self,
                         GError       **error)
{
  g_return_val_if_fail (self != NULL, OB_HTTP_PARSE_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, OB_HTTP_PARSE_ERROR);

  switch (self->state)
    {
    case STATE_DONE:
      return OB_HTTP_PARSE_DONE;
    case STATE_BODY_EOF:
      return finish_message (self);
    case STATE_ERROR:
      g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_MALFORMED,
                           "The HTTP stream already failed");
      return OB_HTTP_PARSE_ERROR;
    case STATE_START_LINE:
      if (!self->started)
        return fail (self, error, OB_HTTP_ERROR_CONNECTION_CLOSED,
                     "The connection was closed before a message began");
      G_GNUC_FALLTHROUGH;
    case STATE_HEADERS:
    case STATE_BODY_LENGTH:
    case STATE_CHUNK_SIZE:
    case STATE_CHUNK_DATA:
    case STATE_CHUNK_DATA_CR:
    case STATE_CHUNK_DATA_LF:
    case STATE_TRAILERS:
    default:
      return fail (self, error, OB_HTTP_ERROR_TRUNCATED,
                   "The connection was closed in the middle of a message");
    }
}
