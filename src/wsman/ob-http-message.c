/* ob-http-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-http-message.h"

typedef struct
{
  char *name;
  char *value;
} Field;

struct _ObHttpMessage
{
  grefcount  ref_count;
  gboolean   is_request;
  char      *method;
  char      *target;
  guint      status;
  char      *reason;
  guint      minor_version;
  GArray    *headers;  /* Field */
  GArray    *trailers; /* Field */
  GBytes    *body;
};

G_DEFINE_BOXED_TYPE (ObHttpMessage, ob_http_message, ob_http_message_ref, ob_http_message_unref)

static void
field_clear (gpointer data)
{
  Field *field = data;

  g_clear_pointer (&field->name, g_free);
  g_clear_pointer (&field->value, g_free);
}

static GArray *
field_array_new (void)
{
  GArray *array = g_array_new (FALSE, FALSE, sizeof (Field));

  g_array_set_clear_func (array, field_clear);
  return array;
}

static ObHttpMessage *
message_new (void)
{
  ObHttpMessage *self = g_new0 (ObHttpMessage, 1);

  g_ref_count_init (&self->ref_count);
  self->minor_version = 1;
  self->headers = field_array_new ();
  self->trailers = field_array_new ();
  self->body = g_bytes_new_static ("", 0);
  return self;
}

ObHttpMessage *
ob_http_message_new_request (const char *method,
                             const char *target)
{
  ObHttpMessage *self;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (target != NULL, NULL);

  self = message_new ();
  self->is_request = TRUE;
  self->method = g_strdup (method);
  self->target = g_strdup (target);
  return self;
}

ObHttpMessage *
ob_http_message_new_response (guint       status,
                              const char *reason)
{
  ObHttpMessage *self;

  g_return_val_if_fail (status >= 100 && status <= 999, NULL);

  self = message_new ();
  self->status = status;
  self->reason = g_strdup (reason != NULL ? reason : ob_http_status_reason_phrase (status));
  return self;
}

ObHttpMessage *
ob_http_message_ref (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_ref_count_inc (&self->ref_count);
  return self;
}

void
ob_http_message_unref (ObHttpMessage *self)
{
  g_return_if_fail (self != NULL);

  if (!g_ref_count_dec (&self->ref_count))
    return;

  g_free (self->method);
  g_free (self->target);
  g_free (self->reason);
  g_array_unref (self->headers);
  g_array_unref (self->trailers);
  g_bytes_unref (self->body);
  g_free (self);
}

gboolean
ob_http_message_is_request (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->is_request;
}

const char *
ob_http_message_get_method (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->method;
}

const char *
ob_http_message_get_target (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->target;
}

guint
ob_http_message_get_status (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->status;
}

const char *
ob_http_message_get_reason (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->reason;
}

guint
ob_http_message_get_minor_version (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, 1);

  return self->minor_version;
}

void
ob_http_message_set_minor_version (ObHttpMessage *self,
                                   guint          minor)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (minor <= 1);

  self->minor_version = minor;
}

static void
fields_append (GArray     *fields,
               const char *name,
               const char *value)
{
  Field field = { g_strdup (name), g_strdup (value) };

  g_array_append_val (fields, field);
}

static void
fields_remove (GArray     *fields,
               const char *name)
{
  for (guint i = fields->len; i > 0; i--)
    {
      Field *field = &g_array_index (fields, Field, i - 1);

      if (g_ascii_strcasecmp (field->name, name) == 0)
        g_array_remove_index (fields, i - 1);
    }
}

static const char *
fields_lookup (GArray     *fields,
               const char *name)
{
  for (guint i = 0; i < fields->len; i++)
    {
      Field *field = &g_array_index (fields, Field, i);

      if (g_ascii_strcasecmp (field->name, name) == 0)
        return field->value;
    }

  return NULL;
}

void
ob_http_message_append_header (ObHttpMessage *self,
                               const char    *name,
                               const char    *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  fields_append (self->headers, name, value);
}

void
ob_http_message_replace_header (ObHttpMessage *self,
                                const char    *name,
                                const char    *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  fields_remove (self->headers, name);
  fields_append (self->headers, name, value);
}

void
ob_http_message_remove_header (ObHttpMessage *self,
                               const char    *name)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);

  fields_remove (self->headers, name);
}

const char *
ob_http_message_get_header (ObHttpMessage *self,
                            const char    *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return fields_lookup (self->headers, name);
}

char **
ob_http_message_get_header_values (ObHttpMessage *self,
                                   const char    *name)
{
  GPtrArray *values;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  values = g_ptr_array_new ();
  for (guint i = 0; i < self->headers->len; i++)
    {
      Field *field = &g_array_index (self->headers, Field, i);

      if (g_ascii_strcasecmp (field->name, name) == 0)
        g_ptr_array_add (values, g_strdup (field->value));
    }
  g_ptr_array_add (values, NULL);

  return (char **) g_ptr_array_free (values, FALSE);
}

guint
ob_http_message_get_n_headers (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->headers->len;
}

void
ob_http_message_get_header_nth (ObHttpMessage  *self,
                                guint           index,
                                const char    **name,
                                const char    **value)
{
  Field *field;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->headers->len);

  field = &g_array_index (self->headers, Field, index);
  if (name != NULL)
    *name = field->name;
  if (value != NULL)
    *value = field->value;
}

static gboolean
list_has_token (const char *list,
                const char *token)
{
  gsize token_len = strlen (token);
  const char *p = list;

  while (*p != '\0')
    {
      const char *start;
      const char *end;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      start = p;
      while (*p != '\0' && *p != ',')
        p++;
      end = p;
      while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;

      if ((gsize) (end - start) == token_len && g_ascii_strncasecmp (start, token, token_len) == 0)
        return TRUE;
    }

  return FALSE;
}

gboolean
ob_http_message_header_has_token (ObHttpMessage *self,
                                  const char    *name,
                                  const char    *token)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  for (guint i = 0; i < self->headers->len; i++)
    {
      Field *field = &g_array_index (self->headers, Field, i);

      if (g_ascii_strcasecmp (field->name, name) == 0 && list_has_token (field->value, token))
        return TRUE;
    }

  return FALSE;
}

void
ob_http_message_append_trailer (ObHttpMessage *self,
                                const char    *name,
                                const char    *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);

  fields_append (self->trailers, name, value);
}

const char *
ob_http_message_get_trailer (ObHttpMessage *self,
                             const char    *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return fields_lookup (self->trailers, name);
}

guint
ob_http_message_get_n_trailers (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->trailers->len;
}

GBytes *
ob_http_message_get_body (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->body;
}

void
ob_http_message_set_body (ObHttpMessage *self,
                          GBytes        *body)
{
  g_return_if_fail (self != NULL);

  g_bytes_unref (self->body);
  self->body = body != NULL ? g_bytes_ref (body) : g_bytes_new_static ("", 0);
}

void
ob_http_message_set_body_data (ObHttpMessage *self,
                               const char    *data,
                               gssize         len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  if (len < 0)
    len = strlen (data);

  g_bytes_unref (self->body);
  self->body = g_bytes_new (data, len);
}

gboolean
ob_http_message_is_keep_alive (ObHttpMessage *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (ob_http_message_header_has_token (self, "Connection", "close"))
    return FALSE;
  if (self->minor_version == 0)
    return ob_http_message_header_has_token (self, "Connection", "keep-alive");

  return TRUE;
}

/* RFC 9110 §5.6.2 tchar */
static inline gboolean
is_tchar (guchar c)
{
  if (g_ascii_isalnum (c))
    return TRUE;

  return c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

gboolean
ob_http_header_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0')
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    if (!is_tchar ((guchar) *p))
      return FALSE;

  return TRUE;
}

/* field-value: VCHAR, obs-text, SP and HTAB; nothing that could end the
 * line (CR, LF) or confuse a peer (NUL, other controls, DEL). */
static gboolean
text_is_valid (const char *value)
{
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
      return FALSE;

  return TRUE;
}

gboolean
ob_http_header_value_is_valid (const char *value)
{
  return value != NULL && text_is_valid (value);
}

static gboolean
append_fields (GString     *out,
               GArray      *fields,
               GError     **error)
{
  for (guint i = 0; i < fields->len; i++)
    {
      Field *field = &g_array_index (fields, Field, i);

      if (!ob_http_header_name_is_valid (field->name))
        {
          g_set_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                       "“%s” is not a valid header name", field->name);
          return FALSE;
        }
      if (!ob_http_header_value_is_valid (field->value))
        {
          g_set_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                       "The value of header “%s” contains a line break or control character",
                       field->name);
          return FALSE;
        }
      g_string_append_printf (out, "%s: %s\r\n", field->name, field->value);
    }

  return TRUE;
}

static gboolean
status_has_no_body (guint status)
{
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

GBytes *
ob_http_message_serialize (ObHttpMessage  *self,
                           gsize           chunk_size,
                           GError        **error)
{
  g_autoptr(GString) out = NULL;
  const char *content_length;
  const char *transfer_encoding;
  gsize body_len;
  const guint8 *body;
  gboolean no_body;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  body = g_bytes_get_data (self->body, &body_len);
  out = g_string_sized_new (256 + body_len);

  if (self->is_request)
    {
      if (!ob_http_header_name_is_valid (self->method))
        {
          g_set_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                       "“%s” is not a valid request method", self->method);
          return NULL;
        }
      if (*self->target == '\0' || strpbrk (self->target, " ") != NULL || !text_is_valid (self->target))
        {
          g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                               "The request target contains spaces or control characters");
          return NULL;
        }
      if (self->minor_version == 1 && fields_lookup (self->headers, "Host") == NULL)
        {
          g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                               "An HTTP/1.1 request needs a Host header");
          return NULL;
        }
      g_string_append_printf (out, "%s %s HTTP/1.%u\r\n", self->method, self->target,
                              self->minor_version);
      no_body = FALSE;
    }
  else
    {
      if (!text_is_valid (self->reason))
        {
          g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                               "The reason phrase contains a line break or control character");
          return NULL;
        }
      g_string_append_printf (out, "HTTP/1.%u %03u %s\r\n", self->minor_version, self->status,
                              self->reason);
      no_body = status_has_no_body (self->status);
    }

  if (no_body && body_len > 0)
    {
      g_set_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                   "A %u response cannot have a body", self->status);
      return NULL;
    }

  content_length = fields_lookup (self->headers, "Content-Length");
  transfer_encoding = fields_lookup (self->headers, "Transfer-Encoding");

  if (!append_fields (out, self->headers, error))
    return NULL;

  if (chunk_size == 0 || no_body)
    {
      if (transfer_encoding != NULL)
        {
          g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                               "Transfer-Encoding is set but the body is not sent chunked");
          return NULL;
        }
      if (content_length != NULL)
        {
          guint64 declared;

          if (!g_ascii_string_to_unsigned (content_length, 10, 0, G_MAXUINT64, &declared, NULL)
              || declared != body_len)
            {
              g_set_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                           "Content-Length “%s” does not match the body (%" G_GSIZE_FORMAT " bytes)",
                           content_length, body_len);
              return NULL;
            }
        }
      else if (!no_body)
        g_string_append_printf (out, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_len);

      g_string_append (out, "\r\n");
      g_string_append_len (out, (const char *) body, body_len);
    }
  else
    {
      if (content_length != NULL)
        {
          g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                               "Content-Length is set but the body is sent chunked");
          return NULL;
        }
      if (transfer_encoding != NULL && g_ascii_strcasecmp (transfer_encoding, "chunked") != 0)
        {
          g_set_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_INVALID_HEADER,
                       "Transfer-Encoding “%s” is not supported", transfer_encoding);
          return NULL;
        }
      if (transfer_encoding == NULL)
        g_string_append (out, "Transfer-Encoding: chunked\r\n");
      g_string_append (out, "\r\n");

      for (gsize pos = 0; pos < body_len; pos += chunk_size)
        {
          gsize n = MIN (chunk_size, body_len - pos);

          g_string_append_printf (out, "%" G_GSIZE_MODIFIER "X\r\n", n);
          g_string_append_len (out, (const char *) body + pos, n);
          g_string_append (out, "\r\n");
        }
      g_string_append (out, "0\r\n");
      if (!append_fields (out, self->trailers, error))
        return NULL;
      g_string_append (out, "\r\n");
    }

  return g_string_free_to_bytes (g_steal_pointer (&out));
}

const char *
ob_http_status_reason_phrase (guint status)
{
  switch (status)
    {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default:  return "Unknown";
    }
}
