/* ob-tls-stream-input-stream.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-tls-stream-private.h"

struct _ObTlsStreamInputStream
{
  GInputStream    parent_instance;

  ObTlsStream *client;   /* not a reference: the client owns us */
};

static void ob_tls_stream_input_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObTlsStreamInputStream, ob_tls_stream_input_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      ob_tls_stream_input_stream_pollable_init))

GInputStream *
_ob_tls_stream_input_stream_new (ObTlsStream *client)
{
  ObTlsStreamInputStream *self = g_object_new (OB_TYPE_TLS_STREAM_INPUT_STREAM, NULL);

  self->client = client;
  return G_INPUT_STREAM (self);
}

void
_ob_tls_stream_input_stream_detach (ObTlsStreamInputStream *self)
{
  self->client = NULL;
}

static gssize
read_now (ObTlsStreamInputStream  *self,
          void                       *buffer,
          gsize                       count,
          GError                    **error)
{
  if (self->client == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The TLS connection is gone");
      return -1;
    }
  return _ob_tls_stream_read (self->client, buffer, count, error);
}

/* Everything runs on the main loop: a blocking read does not wait, it
 * reads what is there or says it would block. */
static gssize
ob_tls_stream_input_stream_read (GInputStream  *stream,
                                     void          *buffer,
                                     gsize          count,
                                     GCancellable  *cancellable,
                                     GError       **error)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  return read_now (OB_TLS_STREAM_INPUT_STREAM (stream), buffer, count, error);
}

/* The connection closes as a whole (g_io_stream_close()). */
static gboolean
ob_tls_stream_input_stream_close (GInputStream  *stream,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  return TRUE;
}

static void
ob_tls_stream_input_stream_close_async (GInputStream        *stream,
                                            int                  io_priority,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, ob_tls_stream_input_stream_close_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
ob_tls_stream_input_stream_close_finish (GInputStream  *stream,
                                             GAsyncResult  *result,
                                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
ob_tls_stream_input_stream_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
ob_tls_stream_input_stream_is_readable (GPollableInputStream *stream)
{
  ObTlsStreamInputStream *self = OB_TLS_STREAM_INPUT_STREAM (stream);

  return self->client == NULL || _ob_tls_stream_is_ready (self->client, TRUE);
}

static GSource *
ob_tls_stream_input_stream_create_source (GPollableInputStream *stream,
                                              GCancellable         *cancellable)
{
  ObTlsStreamInputStream *self = OB_TLS_STREAM_INPUT_STREAM (stream);

  if (self->client == NULL)
    {
      /* Ready at once: the read reports the error. */
      GSource *source = g_pollable_source_new (G_OBJECT (stream));

      g_source_set_ready_time (source, 0);
      return source;
    }
  return _ob_tls_stream_create_source (self->client, TRUE, G_OBJECT (stream), cancellable);
}

static gssize
ob_tls_stream_input_stream_read_nonblocking (GPollableInputStream  *stream,
                                                 void                  *buffer,
                                                 gsize                  count,
                                                 GError               **error)
{
  return read_now (OB_TLS_STREAM_INPUT_STREAM (stream), buffer, count, error);
}

static void
ob_tls_stream_input_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = ob_tls_stream_input_stream_can_poll;
  iface->is_readable = ob_tls_stream_input_stream_is_readable;
  iface->create_source = ob_tls_stream_input_stream_create_source;
  iface->read_nonblocking = ob_tls_stream_input_stream_read_nonblocking;
}

static void
ob_tls_stream_input_stream_class_init (ObTlsStreamInputStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  stream_class->read_fn = ob_tls_stream_input_stream_read;
  stream_class->close_fn = ob_tls_stream_input_stream_close;
  stream_class->close_async = ob_tls_stream_input_stream_close_async;
  stream_class->close_finish = ob_tls_stream_input_stream_close_finish;
}

static void
ob_tls_stream_input_stream_init (ObTlsStreamInputStream *self)
{
}
