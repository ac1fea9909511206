/* ob-tls-stream-output-stream.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-tls-stream-private.h"

struct _ObTlsStreamOutputStream
{
  GOutputStream   parent_instance;

  ObTlsStream *client;   /* not a reference: the client owns us */
};

static void ob_tls_stream_output_stream_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObTlsStreamOutputStream, ob_tls_stream_output_stream, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      ob_tls_stream_output_stream_pollable_init))

GOutputStream *
_ob_tls_stream_output_stream_new (ObTlsStream *client)
{
  ObTlsStreamOutputStream *self = g_object_new (OB_TYPE_TLS_STREAM_OUTPUT_STREAM, NULL);

  self->client = client;
  return G_OUTPUT_STREAM (self);
}

void
_ob_tls_stream_output_stream_detach (ObTlsStreamOutputStream *self)
{
  self->client = NULL;
}

static gssize
write_now (ObTlsStreamOutputStream  *self,
           const void                  *buffer,
           gsize                        count,
           GError                     **error)
{
  if (self->client == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The TLS connection is gone");
      return -1;
    }
  return _ob_tls_stream_write (self->client, buffer, count, error);
}

/* Everything runs on the main loop: a blocking write does not wait, it
 * writes what fits or says it would block. */
static gssize
ob_tls_stream_output_stream_write (GOutputStream  *stream,
                                       const void     *buffer,
                                       gsize           count,
                                       GCancellable   *cancellable,
                                       GError        **error)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  return write_now (OB_TLS_STREAM_OUTPUT_STREAM (stream), buffer, count, error);
}

/* The connection closes as a whole (g_io_stream_close()). */
static gboolean
ob_tls_stream_output_stream_close (GOutputStream  *stream,
                                       GCancellable   *cancellable,
                                       GError        **error)
{
  return TRUE;
}

static void
ob_tls_stream_output_stream_close_async (GOutputStream       *stream,
                                             int                  io_priority,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, ob_tls_stream_output_stream_close_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
ob_tls_stream_output_stream_close_finish (GOutputStream  *stream,
                                              GAsyncResult   *result,
                                              GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
ob_tls_stream_output_stream_can_poll (GPollableOutputStream *stream)
{
  return TRUE;
}

static gboolean
ob_tls_stream_output_stream_is_writable (GPollableOutputStream *stream)
{
  ObTlsStreamOutputStream *self = OB_TLS_STREAM_OUTPUT_STREAM (stream);

  return self->client == NULL || _ob_tls_stream_is_ready (self->client, FALSE);
}

static GSource *
ob_tls_stream_output_stream_create_source (GPollableOutputStream *stream,
                                               GCancellable          *cancellable)
{
  ObTlsStreamOutputStream *self = OB_TLS_STREAM_OUTPUT_STREAM (stream);

  if (self->client == NULL)
    {
      /* Ready at once: the write reports the error. */
      GSource *source = g_pollable_source_new (G_OBJECT (stream));

      g_source_set_ready_time (source, 0);
      return source;
    }
  return _ob_tls_stream_create_source (self->client, FALSE, G_OBJECT (stream), cancellable);
}

static gssize
ob_tls_stream_output_stream_write_nonblocking (GPollableOutputStream  *stream,
                                                   const void             *buffer,
                                                   gsize                   count,
                                                   GError                **error)
{
  return write_now (OB_TLS_STREAM_OUTPUT_STREAM (stream), buffer, count, error);
}

static void
ob_tls_stream_output_stream_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = ob_tls_stream_output_stream_can_poll;
  iface->is_writable = ob_tls_stream_output_stream_is_writable;
  iface->create_source = ob_tls_stream_output_stream_create_source;
  iface->write_nonblocking = ob_tls_stream_output_stream_write_nonblocking;
}

static void
ob_tls_stream_output_stream_class_init (ObTlsStreamOutputStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  stream_class->write_fn = ob_tls_stream_output_stream_write;
  stream_class->close_fn = ob_tls_stream_output_stream_close;
  stream_class->close_async = ob_tls_stream_output_stream_close_async;
  stream_class->close_finish = ob_tls_stream_output_stream_close_finish;
}

static void
ob_tls_stream_output_stream_init (ObTlsStreamOutputStream *self)
{
}
