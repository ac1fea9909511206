/* ob-http-connection.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-http-connection.h"

#include "ob-poller.h"

#define READ_BUFFER_SIZE (16 * 1024)
#define READ_BUFFER_POOL_SIZE 8

typedef struct _Op Op;

/* Read buffers
 *
 * Every exchange reads into a 16 KiB buffer, and with thousands of CIRA
 * tunnels exchanges come by the thousand a second.  A block that size is
 * beyond glibc's per-thread cache, and each fresh one made it sweep its
 * fast bins into the main heap first, which made the small allocations
 * after it slower too.  So each thread keeps a few buffers for the next
 * exchange. */
typedef struct
{
  guint    n_buffers;
  gpointer buffers[READ_BUFFER_POOL_SIZE];
} ReadBufferPool;

static void
read_buffer_pool_free (gpointer data)
{
  ReadBufferPool *pool = data;

  for (guint i = 0; i < pool->n_buffers; i++)
    g_free (pool->buffers[i]);
  g_free (pool);
}

static GPrivate read_buffer_pool = G_PRIVATE_INIT (read_buffer_pool_free);

static gpointer
read_buffer_take (void)
{
  ReadBufferPool *pool = g_private_get (&read_buffer_pool);

  if (pool != NULL && pool->n_buffers > 0)
    return pool->buffers[--pool->n_buffers];

  return g_malloc (READ_BUFFER_SIZE);
}

static void
read_buffer_give (gpointer buffer)
{
  ReadBufferPool *pool;

  if (buffer == NULL)
    return;

  pool = g_private_get (&read_buffer_pool);
  if (pool == NULL)
    {
      pool = g_new0 (ReadBufferPool, 1);
      g_private_set (&read_buffer_pool, pool);
    }

  if (pool->n_buffers < READ_BUFFER_POOL_SIZE)
    pool->buffers[pool->n_buffers++] = buffer;
  else
    g_free (buffer);
}

struct _ObHttpConnection
{
  GObject        parent_instance;

  GIOStream     *stream;
  guint          timeout_ms;
  gsize          max_header_bytes;
  guint          max_headers;
  gsize          max_body_bytes;

  /* Bytes read past the end of a request (a pipelining client). */
  GByteArray    *leftover;
  guint          n_exchanges;
  gboolean       busy;
  gboolean       closed;
  gboolean       reusable;
  gboolean       close_requested;
  /* Server side: the last request asked for the connection to close. */
  gboolean       close_after_response;
  /* Used with receive_request/send_response rather than send. */
  gboolean       server_side;
  /* The running operation (NULL between exchanges). */
  Op            *op;
  /* Timeouts, deferred cancellations and deferred completions, on the
   * shared poller of the context the operations run on: a connection
   * waiting for its next request holds no GSource of its own. */
  ObPoller      *poller;
  ObPollerTimer *timer;
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

struct _Op
{
  OpKind         kind;
  GTask         *task;              /* not referenced: it owns the op */
  /* g_get_monotonic_time() when started, to know whether GTask would
   * complete it directly or through an idle source. */
  gint64         start_time;
  /* What the task returns, when it returns from the poller. */
  ObHttpMessage *result_message;
  GError        *result_error;
  ObPollerTimer *return_timer;
  GBytes        *out;
  gsize          out_done;
  ObHttpParser  *parser;
  guint8        *buffer;
  /* Ours, handed to the stream: cancelled on timeout, close or when the
   * caller cancels. */
  GCancellable  *cancellable;
  GCancellable  *caller_cancellable;
  gulong         caller_handler;
  gboolean       finished;
  /* Why the timer is due now rather than at the deadline. */
  gboolean       cancel_requested;
  gboolean       timed_out;
  gboolean       request_keep_alive;
  gboolean       response_keep_alive;
  gboolean       saw_eof;
  gboolean       extra_bytes;
};

/* The operation is over (or about to return): no more timer, no more
 * interest in the caller's cancellable.  Always called before the task is
 * returned, never from inside the caller's cancellable's signal (the
 * disconnect would wait for itself). */
static void
op_stop_waits (Op *op)
{
  ObHttpConnection *self;

  if (op->finished)
    return;
  op->finished = TRUE;

  if (op->caller_handler != 0)
    {
      g_cancellable_disconnect (op->caller_cancellable, op->caller_handler);
      op->caller_handler = 0;
    }
  g_clear_object (&op->caller_cancellable);

  self = g_task_get_source_object (op->task);
  if (self->op == op)
    {
      self->op = NULL;
      if (self->timer != NULL)
        ob_poller_timer_cancel (self->timer);
    }
}

static void
op_free (gpointer data)
{
  Op *op = data;

  /* Every path that returns the task stops first. */
  g_assert (op->caller_handler == 0);
  g_assert (op->return_timer == NULL);
  g_clear_object (&op->caller_cancellable);
  g_clear_pointer (&op->result_message, ob_http_message_unref);
  g_clear_error (&op->result_error);
  g_clear_pointer (&op->out, g_bytes_unref);
  g_clear_pointer (&op->parser, ob_http_parser_free);
  read_buffer_give (op->buffer);
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
  /* A running operation holds a reference, so none is running. */
  g_clear_pointer (&self->timer, ob_poller_timer_free);
  g_clear_pointer (&self->poller, ob_poller_unref);

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

/* ---- timer and cancellation ----------------------------------------- */

/* Runs from the poller (never inside a caller's call): either the deadline
 * passed, or a cancellation was asked for and deferred to here. */
static void
on_op_timer (gpointer user_data)
{
  ObHttpConnection *self = user_data;
  Op *op = self->op;

  if (op == NULL || op->finished)
    return;
  if (!op->cancel_requested)
    op->timed_out = TRUE;
  /* The pending read or write fails with CANCELLED and the failure path
   * finishes the operation. */
  g_cancellable_cancel (op->cancellable);
}

/* The shared poller of @context (the one the running task returns to),
 * kept while the connection lives. */
static ObPoller *
ensure_poller (ObHttpConnection *self,
               GMainContext     *context)
{
  if (self->poller != NULL && ob_poller_get_context (self->poller) == context)
    return self->poller;

  g_clear_pointer (&self->timer, ob_poller_timer_free);
  g_clear_pointer (&self->poller, ob_poller_unref);
  self->poller = ob_poller_get_for_context (context);
  return self->poller;
}

static ObPollerTimer *
ensure_timer (ObHttpConnection *self,
              GMainContext     *context)
{
  ObPoller *poller = ensure_poller (self, context);

  if (self->timer == NULL)
    self->timer = ob_poller_timer_new (poller, on_op_timer, self);
  return self->timer;
}

/* Cancel the running operation at the next turn of its main loop.  Only
 * from the thread running the operation's context. */
static void
op_request_cancel (Op *op)
{
  ObHttpConnection *self = g_task_get_source_object (op->task);

  if (op->finished || op->cancel_requested)
    return;
  op->cancel_requested = TRUE;
  ob_poller_timer_schedule (ensure_timer (self, g_task_get_context (op->task)), 0);
}

static gboolean
on_caller_cancelled_idle (gpointer user_data)
{
  GTask *task = user_data;

  op_request_cancel (g_task_get_task_data (task));
  return G_SOURCE_REMOVE;
}

/* The caller's cancellable fired.  This runs inside g_cancellable_cancel(),
 * maybe in another thread, and must neither finish the operation here
 * (the caller's callback would run inside its own cancel call, and the
 * disconnect in op_stop_waits() would wait for this very handler) nor
 * touch the poller from a thread that does not run its context.  So it
 * only asks the operation's context to cancel: through the poller when
 * this thread runs that context, else through an idle made now (a rare
 * event; nothing waits on a GSource in the meantime).  The task is alive:
 * the handler is disconnected before the task is returned, and a
 * disconnect waits for a handler running in another thread. */
static void
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  GMainContext *context = g_task_get_context (task);

  if (g_main_context_is_owner (context))
    {
      op_request_cancel (g_task_get_task_data (task));
    }
  else
    {
      GSource *idle = g_idle_source_new ();

      g_source_set_priority (idle, G_PRIORITY_DEFAULT);
      g_source_set_callback (idle, on_caller_cancelled_idle, g_object_ref (task), g_object_unref);
      g_source_set_static_name (idle, "[outband] HTTP cancel");
      g_source_attach (idle, context);
      g_source_unref (idle);
    }
}

void
ob_http_connection_close (ObHttpConnection *self)
{
  g_return_if_fail (OB_IS_HTTP_CONNECTION (self));

  self->close_requested = TRUE;
  self->reusable = FALSE;
  if (self->busy && self->op != NULL)
    {
      /* The stream has an operation pending; it fails with CANCELLED,
       * reported as CLOSED, and the failure path closes the stream.  The
       * cancellation runs from the poller, not from inside this call, so
       * no callback runs inside ob_http_connection_close(). */
      op_request_cancel (self->op);
      return;
    }

  close_stream (self);
}

/* ---- operations ----------------------------------------------------- */

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
  op->task = task;
  op->start_time = g_get_monotonic_time ();

  /* Cancelled before anything happened: the connection stays as it was. */
  if (g_task_return_error_if_cancelled (task))
    {
      op->finished = TRUE;
      g_object_unref (task);
      return NULL;
    }
  if (self->busy)
    {
      op->finished = TRUE;
      g_task_return_new_error (task, OB_HTTP_ERROR, OB_HTTP_ERROR_BUSY,
                               "The connection is busy with another request");
      g_object_unref (task);
      return NULL;
    }
  if (ob_http_connection_is_closed (self))
    {
      op->finished = TRUE;
      g_task_return_new_error (task, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED,
                               "The connection is closed");
      g_object_unref (task);
      return NULL;
    }

  self->busy = TRUE;
  self->op = op;
  op->cancellable = g_cancellable_new ();

  if (self->timeout_ms > 0)
    ob_poller_timer_schedule (ensure_timer (self, g_task_get_context (task)),
                              g_get_monotonic_time () + (gint64) self->timeout_ms * 1000);

  /* A signal handler, not a GSource: an idle kept-alive connection then
   * costs the main loop nothing.  (Already cancelled, it runs at once,
   * which only schedules the cancellation.) */
  if (cancellable != NULL)
    {
      op->caller_cancellable = g_object_ref (cancellable);
      op->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled), task, NULL);
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

static void
op_return_now (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (op->result_error != NULL)
    g_task_return_error (task, g_steal_pointer (&op->result_error));
  else if (op->kind == OP_SEND_RESPONSE)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, g_steal_pointer (&op->result_message), (GDestroyNotify) ob_http_message_unref);
  g_object_unref (task);
}

static void
on_return_due (gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);

  g_clear_pointer (&op->return_timer, ob_poller_timer_free);
  op_return_now (task);
}

/* Return the finished operation (its result in op->result_*; the
 * connection's state already updated).  GTask never runs the callback
 * inside the call that started the task: one that completes in the same
 * turn of the main loop (a reply written at once, a request that was
 * already there) goes through an idle source.  Such a completion goes
 * through the poller instead, whose next round is a later turn, where
 * GTask calls back directly. */
static void
op_return (GTask *task)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GMainContext *context = g_task_get_context (task);

  if (ob_poller_task_would_return_directly (context, op->start_time)
      || g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      /* GTask returns directly (or, cancelled, through its idle anyway). */
      op_return_now (task);
      return;
    }

  op->return_timer = ob_poller_timer_new (ensure_poller (self, context), on_return_due, task);
  ob_poller_timer_schedule (op->return_timer, 0);
}

/* Every failure ends here: the stream is in an unknown state, close it. */
static void
op_fail (GTask  *task,
         GError *error)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op_stop_waits (op);

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
  op->result_error = error;
  op_return (task);
}

static void read_more (GTask *task);

static void
op_complete_send_request (GTask         *task,
                          ObHttpMessage *response)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op_stop_waits (op);
  self->busy = FALSE;
  self->n_exchanges++;
  self->reusable = op->request_keep_alive && ob_http_message_is_keep_alive (response)
                   && !op->saw_eof && !op->extra_bytes && !self->close_requested;
  if (!self->reusable)
    close_stream (self);

  op->result_message = response;
  op_return (task);
}

static void
op_complete_receive_request (GTask         *task,
                             ObHttpMessage *request)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op_stop_waits (op);
  self->busy = FALSE;
  self->close_after_response = !ob_http_message_is_keep_alive (request);
  op->result_message = request;
  op_return (task);
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

/* A read's outcome.  Returns TRUE when the operation wants more input. */
static gboolean
op_handle_read (GTask  *task,
                gssize  n,
                GError *error)
{
  Op *op = g_task_get_task_data (task);

  if (n < 0)
    {
      if (is_peer_gone_error (error) && !g_cancellable_is_cancelled (op->cancellable))
        {
          /* A reset is an end of stream as far as framing goes. */
          g_clear_error (&error);
          if (!op_handle_input (task, NULL, 0))
            g_assert_not_reached ();
          return FALSE;
        }
      op_fail (task, error);
      return FALSE;
    }

  if (n == 0)
    {
      op_handle_input (task, NULL, 0);
      return FALSE;
    }

  return !op_handle_input (task, op->buffer, n);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (op_handle_read (task, n, error))
    read_more (task);
}

static gboolean
input_can_poll (GInputStream *input)
{
  return G_IS_POLLABLE_INPUT_STREAM (input)
         && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input));
}

static void
read_more (GTask *task)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GInputStream *input = g_io_stream_get_input_stream (self->stream);

  /* What is already there is taken at once: an asynchronous read that
   * completes immediately still costs a GTask and an idle source. */
  if (input_can_poll (input))
    {
      while (TRUE)
        {
          GError *error = NULL;
          gssize n;

          n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input),
                                                        op->buffer, READ_BUFFER_SIZE,
                                                        op->cancellable, &error);
          if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (error);
              break;
            }
          if (!op_handle_read (task, n, error))
            return;
        }
    }

  g_input_stream_read_async (input, op->buffer, READ_BUFFER_SIZE, G_PRIORITY_DEFAULT,
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
op_written (GTask  *task,
            GError *error)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (error != NULL)
    {
      if (op->kind == OP_SEND_REQUEST
          && is_peer_gone_error (error) && !g_cancellable_is_cancelled (op->cancellable))
        {
          g_clear_error (&error);
          g_set_error_literal (&error, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED,
                               "The connection was closed before the request could be sent");
        }
      op_fail (task, error);
      return;
    }

  if (op->kind == OP_SEND_REQUEST)
    {
      read_more (task);
      return;
    }

  g_assert (op->kind == OP_SEND_RESPONSE);
  op_stop_waits (op);
  self->busy = FALSE;
  self->n_exchanges++;
  self->reusable = !self->close_after_response && op->response_keep_alive && !self->close_requested;
  if (!self->reusable)
    close_stream (self);

  op_return (task);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  op_written (task, error);
}

/* Write op->out, then op_written().  A request or reply almost always fits
 * in what the stream takes at once, so it is written on the spot; only
 * the rest of a stream that would block goes through an asynchronous
 * write (which waits on a source). */
static void
write_out (GTask *task)
{
  ObHttpConnection *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GOutputStream *output = g_io_stream_get_output_stream (self->stream);
  gsize size;
  const guint8 *data = g_bytes_get_data (op->out, &size);

  if (G_IS_POLLABLE_OUTPUT_STREAM (output)
      && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (output)))
    {
      while (op->out_done < size)
        {
          GError *error = NULL;
          gssize n;

          n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output),
                                                          data + op->out_done, size - op->out_done,
                                                          op->cancellable, &error);
          if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (error);
              break;
            }
          if (n < 0)
            {
              op_written (task, error);
              return;
            }
          if (n == 0)
            break;
          op->out_done += n;
        }
      if (op->out_done == size)
        {
          op_written (task, NULL);
          return;
        }
    }

  g_output_stream_write_all_async (output, data + op->out_done, size - op->out_done,
                                   G_PRIORITY_DEFAULT, op->cancellable, on_written, task);
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
      op_stop_waits (op);
      self->busy = FALSE;
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  op->request_keep_alive = ob_http_message_is_keep_alive (request);
  op->parser = make_parser (self, OB_HTTP_PARSER_RESPONSE);
  ob_http_parser_set_head_response (op->parser,
                                    g_ascii_strcasecmp (ob_http_message_get_method (request), "HEAD") == 0);
  op->buffer = read_buffer_take ();
  /* Leftovers of an earlier response make a connection unreusable, so
   * there are none here. */
  g_byte_array_set_size (self->leftover, 0);

  write_out (task);
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
  op->buffer = read_buffer_take ();

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
      op_stop_waits (op);
      self->busy = FALSE;
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  op->response_keep_alive = ob_http_message_is_keep_alive (response);

  write_out (task);
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
