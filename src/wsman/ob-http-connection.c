/* ob-http-connection.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-http-connection.h"

#define READ_BUFFER_SIZE (16 * 1024)

struct _ObHttpConnection
{
  GObject       parent_instance;

  GIOStream    *stream;
  guint         timeout_ms;
  gsize         max_header_bytes;
  guint         max_headers;
  gsize         max_body_bytes;

  /* Bytes read past the end of a request (a pipelining client). */
  GByteArray   *leftover;
  guint         n_exchanges;
  gboolean      busy;
  gboolean      closed;
  gboolean      reusable;
  gboolean      close_requested;
  /* Server side: the last request asked for the connection to close. */
  gboolean      close_after_response;
  /* Used with receive_request/send_response rather than send. */
  gboolean      server_side;
  /* The running operation's own cancellable (timeout, close, caller). */
  GCancellable *op_cancellable;
};

G_DEFINE_FINAL_TYPE (ObHttpConnection, ob_http_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STREAM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  OP_SEND_REQUEST,
  OP_RECEIVE_REQUEST,
  OP_SEND_RESPONSE,
} OpKind;

typedef struct
{
  OpKind         kind;
  GBytes        *out;
  ObHttpParser  *parser;
  guint8        *buffer;
  GCancellable  *cancellable;
  GSource       *cancel_source;
  GSource       *timeout_source;
  gboolean       timed_out;
  gboolean       request_keep_alive;
  gboolean       response_keep_alive;
  gboolean       saw_eof;
  gboolean       extra_bytes;
} Op;

static void
op_stop_sources (Op *op)
{
  if (op->cancel_source != NULL)
    {
      g_source_destroy (op->cancel_source);
      g_clear_pointer (&op->cancel_source, g_source_unref);
    }
  if (op->timeout_source != NULL)
    {
      g_source_destroy (op->timeout_source);
      g_clear_pointer (&op->timeout_source, g_source_unref);
    }
}

static void
op_free (gpointer data)
{
  Op *op = data;

  op_stop_sources (op);
  g_clear_pointer (&op->out, g_bytes_unref);
  g_clear_pointer (&op->parser, ob_http_parser_free);
  g_free (op->buffer);
  g_clear_object (&op->cancellable);
  g_free (op);
}

static void
ob_http_connection_dispose (GObject *object)
{
  ObHttpConnection *self = OB_HTTP_CONNECTION (object);

  if (self->stream != NULL && !self->closed)
    {
      self->closed = TRUE;
      g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
    }
  g_clear_object (&self->stream);
  g_clear_object (&self->op_cancellable);

  G_OBJECT_CLASS (ob_http_connection_parent_class)->dispose (object);
}

static void
ob_http_connection_finalize (GObject *object)
{
  ObHttpConnection *self = OB_HTTP_CONNECTION (object);

  g_byte_array_unref (self->leftover);

  G_OBJECT_CLASS (ob_http_connection_parent_class)->finalize (object);
}

static void
ob_http_connection_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ObHttpConnection *self = OB_HTTP_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_STREAM:
      g_value_set_object (value, self->stream);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_http_connection_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ObHttpConnection *self = OB_HTTP_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_STREAM:
      self->stream = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_http_connection_class_init (ObHttpConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_http_connection_dispose;
  object_class->finalize = ob_http_connection_finalize;
  object_class->get_property = ob_http_connection_get_property;
  object_class->set_property = ob_http_connection_set_property;

  properties[PROP_STREAM] =
    g_param_spec_object ("stream", NULL, NULL,
                         G_TYPE_IO_STREAM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_http_connection_init (ObHttpConnection *self)
{
  self->leftover = g_byte_array_new ();
  self->max_header_bytes = OB_HTTP_DEFAULT_MAX_HEADER_BYTES;
  self->max_headers = OB_HTTP_DEFAULT_MAX_HEADERS;
  self->max_body_bytes = OB_HTTP_DEFAULT_MAX_BODY_BYTES;
  self->reusable = TRUE;
}

ObHttpConnection *
ob_http_connection_new (GIOStream *stream)
{
  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  return g_object_new (OB_TYPE_HTTP_CONNECTION, "stream", stream, NULL);
}

GIOStream *
ob_http_connection_get_stream (ObHttpConnection *self)
{
  g_return_val_if_fail (OB_IS_HTTP_CONNECTION (self), NULL);

  return self->stream;
}

void
ob_http_connection_set_timeout (ObHttpConnection *self,
                                guint             timeout_ms)
{
  g_return_if_fail (OB_IS_HTTP_CONNECTION (self));

  self->timeout_ms = timeout_ms;
}

guint
ob_http_connection_get_timeout (ObHttpConnection *self)
{
  g_return_val_if_fail (OB_IS_HTTP_CONNECTION (self), 0);

  return self->timeout_ms;
}

void
ob_http_connection_set_limits (ObHttpConnection *self,
                               gsize             max_header_bytes,
                               guint             max_headers,
                               gsize             max_body_bytes)
{
  g_return_if_fail (OB_IS_HTTP_CONNECTION (self));

  self->max_header_bytes = max_header_bytes > 0 ? max_header_bytes : OB_HTTP_DEFAULT_MAX_HEADER_BYTES;
  self->max_headers = max_headers > 0 ? max_headers : OB_HTTP_DEFAULT_MAX_HEADERS;
  self->max_body_bytes = max_body_bytes > 0 ? max_body_bytes : OB_HTTP_DEFAULT_MAX_BODY_BYTES;
}

gboolean
ob_http_connection_is_closed (ObHttpConnection *self)
{
  g_return_val_if_fail (OB_IS_HTTP_CONNECTION (self), TRUE);

  return self->closed || g_io_stream_is_closed (self->stream);
}

gboolean
ob_http_connection_is_reusable (ObHttpConnection *self)
{
  GInputStream *input;

  g_return_val_if_fail (OB_IS_HTTP_CONNECTION (self), FALSE);

  if (self->busy || !self->reusable || ob_http_connection_is_closed (self))
    return FALSE;

  /* Client side, between exchanges nothing should arrive: readable now
   * means the peer closed the connection (EOF) or sent junk, either way do
   * not use it.  (On the server side readable is just the next request.) */
  input = g_io_stream_get_input_stream (self->stream);
  if (!self->server_side
      && G_IS_POLLABLE_INPUT_STREAM (input)
      && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input))
      && g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (input)))
    return FALSE;

  return TRUE;
}

guint
ob_http_connection_get_n_exchanges (ObHttpConnection *self)
{
  g_return_val_if_fail (OB_IS_HTTP_CONNECTION (self), 0);

  return self->n_exchanges;
}

static void
close_stream (ObHttpConnection *self)
{
  if (self->closed)
    return;

  self->closed = TRUE;
  self->reusable = FALSE;
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
}

void
ob_http_connection_close (ObHttpConnection *self)
{
  g_return_if_fail (OB_IS_HTTP_CONNECTION (self));

  self->close_requested = TRUE;
  self->reusable = FALSE;
  if (self->busy)
    {
      /* The stream has an operation pending; it fails with CANCELLED,
       * reported as CLOSED, and the failure path closes the stream. */
      g_cancellable_cancel (self->op_cancellable);
      return;
    }

  close_stream (self);
}

/* ---- operations ----------------------------------------------------- */

static gboolean
on_op_timeout (gpointer user_data)
{
  Op *op = user_data;

  op->timed_out = TRUE;
  g_cancellable_cancel (op->cancellable);
  g_clear_pointer (&op->timeout_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  Op *op = user_data;

  g_cancellable_cancel (op->cancellable);
  return G_SOURCE_REMOVE;
}

static GTask *
op_start (ObHttpConnection    *self,
          OpKind               kind,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Op *op = g_new0 (Op, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, op_free);

  op->kind = kind;
  op->cancellable = g_cancellable_new ();

  /* Cancelled before anything happened: the connection stays as it was. */
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return NULL;
    }
  if (self->busy)
    {
      g_task_return_new_error (task, OB_HTTP_ERROR, OB_HTTP_ERROR_BUSY,
                               "The connection is busy with another request");
      g_object_unref (task);
      return NULL;
    }
  if (ob_http_connection_is_closed (self))
    {
      g_task_return_new_error (task, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED,
                               "The connection is closed");
      g_object_unref (task);
      return NULL;
    }

  self->busy = TRUE;
  g_set_object (&self->op_cancellable, op->cancellable);

  /* The caller's cancellable is watched through a source rather than
   * g_cancellable_connect(), so nothing runs inside its signal emission. */
  if (cancellable != NULL)
    {
      op->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (op->cancel_source, G_SOURCE_FUNC (on_caller_cancelled), op, NULL);
      g_source_attach (op->cancel_source, g_task_get_context (task));
    }
  if (self->timeout_ms > 0)
    {
      op->timeout_source = g_timeout_source_new (self->timeout_ms);
      g_source_set_callback (op->timeout_source, on_op_timeout, op, NULL);
      g_source_attach (op->timeout_source, g_task_get_context (task));
    }

  return task;
}

static gboolean
is_peer_gone_error (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED)
         || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF);
}

/* Every failure ends here: the stream is in an unknown state, close it. */
static void
op_fail (GTask  *task,
         GError *error)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op_stop_sources (op);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (op->timed_out)
        {
          g_clear_error (&error);
          g_set_error (&error, OB_HTTP_ERROR, OB_HTTP_ERROR_TIMEOUT,
                       "No answer within %u.%u s", self->timeout_ms / 1000, (self->timeout_ms % 1000) / 100);
        }
      else if (self->close_requested && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
        {
          g_clear_error (&error);
          g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The connection was closed");
        }
    }

  self->busy = FALSE;
  close_stream (self);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void read_more (GTask *task);

static void
op_complete_send_request (GTask         *task,
                          ObHttpMessage *response)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op_stop_sources (op);
  self->busy = FALSE;
  self->n_exchanges++;
  self->reusable = op->request_keep_alive && ob_http_message_is_keep_alive (response)
                   && !op->saw_eof && !op->extra_bytes && !self->close_requested;
  if (!self->reusable)
    close_stream (self);

  g_task_return_pointer (task, response, (GDestroyNotify) ob_http_message_unref);
  g_object_unref (task);
}

static void
op_complete_receive_request (GTask         *task,
                             ObHttpMessage *request)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op_stop_sources (op);
  self->busy = FALSE;
  self->close_after_response = !ob_http_message_is_keep_alive (request);
  g_task_return_pointer (task, request, (GDestroyNotify) ob_http_message_unref);
  g_object_unref (task);
}

/* Feed bytes (or EOF when @data is NULL) to the operation's parser.
 * Returns TRUE when the task has been completed. */
static gboolean
op_handle_input (GTask        *task,
                 const guint8 *data,
                 gsize         len)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  while (TRUE)
    {
      ObHttpParseStatus status;
      ObHttpMessage *message;
      gsize used = 0;

      if (data == NULL)
        status = ob_http_parser_feed_eof (op->parser, &error);
      else
        status = ob_http_parser_feed (op->parser, data, len, &used, &error);

      if (status == OB_HTTP_PARSE_ERROR)
        {
          op_fail (task, error);
          return TRUE;
        }
      if (status == OB_HTTP_PARSE_NEED_MORE)
        return FALSE;

      message = ob_http_parser_steal_message (op->parser);
      if (data != NULL)
        {
          data += used;
          len -= used;
        }

      if (op->kind == OP_RECEIVE_REQUEST)
        {
          if (data != NULL && len > 0)
            g_byte_array_append (self->leftover, data, len);
          op_complete_receive_request (task, message);
          return TRUE;
        }

      /* Interim 1xx responses precede the real one (101 would switch
       * protocols, which we never ask for: treat it as final). */
      if (ob_http_message_get_status (message) < 200 && ob_http_message_get_status (message) != 101)
        {
          ob_http_message_unref (message);
          if (data == NULL)
            {
              op_fail (task, g_error_new_literal (OB_HTTP_ERROR, OB_HTTP_ERROR_TRUNCATED,
                                                  "The connection was closed after an interim response"));
              return TRUE;
            }
          if (len == 0)
            return FALSE;
          continue;
        }

      op->saw_eof = data == NULL;
      op->extra_bytes = data != NULL && len > 0;
      op_complete_send_request (task, message);
      return TRUE;
    }
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0)
    {
      if (is_peer_gone_error (error) && !g_cancellable_is_cancelled (op->cancellable))
        {
          /* A reset is an end of stream as far as framing goes. */
          g_clear_error (&error);
          if (!op_handle_input (task, NULL, 0))
            g_assert_not_reached ();
          return;
        }
      op_fail (task, error);
      return;
    }

  if (n == 0)
    {
      op_handle_input (task, NULL, 0);
      return;
    }

  if (!op_handle_input (task, op->buffer, n))
    read_more (task);
}

static void
read_more (GTask *task)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream),
                             op->buffer, READ_BUFFER_SIZE, G_PRIORITY_DEFAULT,
                             op->cancellable, on_read, task);
}

static ObHttpParser *
make_parser (ObHttpConnection *self,
             ObHttpParserMode  mode)
{
  ObHttpParser *parser = ob_http_parser_new (mode);

  ob_http_parser_set_limits (parser, self->max_header_bytes, self->max_headers, self->max_body_bytes);
  return parser;
}

static void
on_request_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (is_peer_gone_error (error) && !g_cancellable_is_cancelled (op->cancellable))
        {
          g_clear_error (&error);
          g_set_error_literal (&error, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED,
                               "The connection was closed before the request could be sent");
        }
      op_fail (task, error);
      return;
    }

  read_more (task);
}

void
ob_http_connection_send_async (ObHttpConnection    *self,
                               ObHttpMessage       *request,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  Op *op;
  GError *error = NULL;

  g_return_if_fail (OB_IS_HTTP_CONNECTION (self));
  g_return_if_fail (request != NULL && ob_http_message_is_request (request));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = op_start (self, OP_SEND_REQUEST, cancellable, callback, user_data, ob_http_connection_send_async);
  if (task == NULL)
    return;
  op = g_task_get_task_data (task);

  op->out = ob_http_message_serialize (request, 0, &error);
  if (op->out == NULL)
    {
      /* Nothing was written: the connection is still good. */
      op_stop_sources (op);
      self->busy = FALSE;
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  op->request_keep_alive = ob_http_message_is_keep_alive (request);
  op->parser = make_parser (self, OB_HTTP_PARSER_RESPONSE);
  ob_http_parser_set_head_response (op->parser,
                                    g_ascii_strcasecmp (ob_http_message_get_method (request), "HEAD") == 0);
  op->buffer = g_malloc (READ_BUFFER_SIZE);
  /* Leftovers of an earlier response make a connection unreusable, so
   * there are none here. */
  g_byte_array_set_size (self->leftover, 0);

  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream),
                                   g_bytes_get_data (op->out, NULL), g_bytes_get_size (op->out),
                                   G_PRIORITY_DEFAULT, op->cancellable, on_request_written, task);
}

ObHttpMessage *
ob_http_connection_send_finish (ObHttpConnection  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (OB_IS_HTTP_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_http_connection_send_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ob_http_connection_receive_request_async (ObHttpConnection    *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GByteArray) pending = NULL;
  GTask *task;
  Op *op;

  g_return_if_fail (OB_IS_HTTP_CONNECTION (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  self->server_side = TRUE;
  task = op_start (self, OP_RECEIVE_REQUEST, cancellable, callback, user_data,
                   ob_http_connection_receive_request_async);
  if (task == NULL)
    return;
  op = g_task_get_task_data (task);
  op->parser = make_parser (self, OB_HTTP_PARSER_REQUEST);
  op->buffer = g_malloc (READ_BUFFER_SIZE);

  /* A pipelined request may already be here. */
  pending = g_steal_pointer (&self->leftover);
  self->leftover = g_byte_array_new ();
  if (pending->len > 0 && op_handle_input (task, pending->data, pending->len))
    return;

  read_more (task);
}

ObHttpMessage *
ob_http_connection_receive_request_finish (ObHttpConnection  *self,
                                           GAsyncResult      *result,
                                           GError           **error)
{
  g_return_val_if_fail (OB_IS_HTTP_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_http_connection_receive_request_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_response_written (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      op_fail (task, error);
      return;
    }

  op_stop_sources (op);
  self->busy = FALSE;
  self->n_exchanges++;
  self->reusable = !self->close_after_response && op->response_keep_alive && !self->close_requested;
  if (!self->reusable)
    close_stream (self);

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
ob_http_connection_send_response_async (ObHttpConnection    *self,
                                        ObHttpMessage       *response,
                                        gsize                chunk_size,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task;
  Op *op;
  GError *error = NULL;

  g_return_if_fail (OB_IS_HTTP_CONNECTION (self));
  g_return_if_fail (response != NULL && !ob_http_message_is_request (response));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  self->server_side = TRUE;
  task = op_start (self, OP_SEND_RESPONSE, cancellable, callback, user_data,
                   ob_http_connection_send_response_async);
  if (task == NULL)
    return;
  op = g_task_get_task_data (task);

  op->out = ob_http_message_serialize (response, chunk_size, &error);
  if (op->out == NULL)
    {
      op_stop_sources (op);
      self->busy = FALSE;
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  op->response_keep_alive = ob_http_message_is_keep_alive (response);

  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream),
                                   g_bytes_get_data (op->out, NULL), g_bytes_get_size (op->out),
                                   G_PRIORITY_DEFAULT, op->cancellable, on_response_written, task);
}

gboolean
ob_http_connection_send_response_finish (ObHttpConnection  *self,
                                         GAsyncResult      *result,
                                         GError           **error)
{
  g_return_val_if_fail (OB_IS_HTTP_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_http_connection_send_response_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
