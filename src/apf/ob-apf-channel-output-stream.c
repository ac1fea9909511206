/* ob-apf-channel-output-stream.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-apf-channel-output-stream.h"

struct _ObApfChannelOutputStream
{
  GOutputStream     parent_instance;

  ObApfChannelCore *core;
};

static void ob_apf_channel_output_stream_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObApfChannelOutputStream, ob_apf_channel_output_stream, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      ob_apf_channel_output_stream_pollable_init))

GOutputStream *
_ob_apf_channel_output_stream_new (ObApfChannelCore *core)
{
  ObApfChannelOutputStream *self = g_object_new (OB_TYPE_APF_CHANNEL_OUTPUT_STREAM, NULL);

  self->core = _ob_apf_channel_core_ref (core);
  return G_OUTPUT_STREAM (self);
}

/* As for reading: a blocking write takes what fits or would block. */
static gssize
ob_apf_channel_output_stream_write (GOutputStream  *stream,
                                    const void     *buffer,
                                    gsize           count,
                                    GCancellable   *cancellable,
                                    GError        **error)
{
  ObApfChannelOutputStream *self = OB_APF_CHANNEL_OUTPUT_STREAM (stream);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  return _ob_apf_channel_core_write (self->core, buffer, count, error);
}

/* Takes what fits in the channel's send buffer at once; with the buffer
 * full (the peer's window is used up), parks on the channel until a
 * WINDOW_ADJUST makes room.  No GSource either way. */
static void
ob_apf_channel_output_stream_write_async (GOutputStream       *stream,
                                          const void          *buffer,
                                          gsize                count,
                                          int                  io_priority,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  ObApfChannelOutputStream *self = OB_APF_CHANNEL_OUTPUT_STREAM (stream);
  g_autoptr(GTask) task = g_task_new (stream, NULL, callback, user_data);

  g_task_set_source_tag (task, ob_apf_channel_output_stream_write_async);
  g_task_set_priority (task, io_priority);
  _ob_apf_channel_core_write_async (self->core, task, buffer, count, cancellable);
}

static gssize
ob_apf_channel_output_stream_write_finish (GOutputStream  *stream,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
ob_apf_channel_output_stream_close (GOutputStream  *stream,
                                    GCancellable   *cancellable,
                                    GError        **error)
{
  ObApfChannelOutputStream *self = OB_APF_CHANNEL_OUTPUT_STREAM (stream);

  _ob_apf_channel_core_close_output (self->core);
  return TRUE;
}

/* Neither closing nor flushing blocks: run them here, not in GIO's default
 * worker thread, and answer on the poller's next round.  Written data
 * already belongs to the channel, which sends it as the peer's window
 * allows. */
static void
ob_apf_channel_output_stream_close_async (GOutputStream       *stream,
                                          int                  io_priority,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, NULL, callback, user_data);

  g_task_set_source_tag (task, ob_apf_channel_output_stream_close_async);
  ob_apf_channel_output_stream_close (stream, cancellable, NULL);
  _ob_apf_channel_core_return_soon (OB_APF_CHANNEL_OUTPUT_STREAM (stream)->core, task);
}

static gboolean
ob_apf_channel_output_stream_close_finish (GOutputStream  *stream,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ob_apf_channel_output_stream_flush_async (GOutputStream       *stream,
                                          int                  io_priority,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, NULL, callback, user_data);

  g_task_set_source_tag (task, ob_apf_channel_output_stream_flush_async);
  _ob_apf_channel_core_return_soon (OB_APF_CHANNEL_OUTPUT_STREAM (stream)->core, task);
}

static gboolean
ob_apf_channel_output_stream_flush_finish (GOutputStream  *stream,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
ob_apf_channel_output_stream_can_poll (GPollableOutputStream *stream)
{
  return TRUE;
}

static gboolean
ob_apf_channel_output_stream_is_writable (GPollableOutputStream *stream)
{
  return _ob_apf_channel_core_is_writable (OB_APF_CHANNEL_OUTPUT_STREAM (stream)->core);
}

static GSource *
ob_apf_channel_output_stream_create_source (GPollableOutputStream *stream,
                                            GCancellable          *cancellable)
{
  ObApfChannelOutputStream *self = OB_APF_CHANNEL_OUTPUT_STREAM (stream);
  g_autoptr(GSource) child = _ob_apf_channel_core_create_source (self->core, TRUE);

  return g_pollable_source_new_full (stream, child, cancellable);
}

static gssize
ob_apf_channel_output_stream_write_nonblocking (GPollableOutputStream  *stream,
                                                const void             *buffer,
                                                gsize                   count,
                                                GError                **error)
{
  return _ob_apf_channel_core_write (OB_APF_CHANNEL_OUTPUT_STREAM (stream)->core, buffer, count, error);
}

static void
ob_apf_channel_output_stream_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = ob_apf_channel_output_stream_can_poll;
  iface->is_writable = ob_apf_channel_output_stream_is_writable;
  iface->create_source = ob_apf_channel_output_stream_create_source;
  iface->write_nonblocking = ob_apf_channel_output_stream_write_nonblocking;
}

static void
ob_apf_channel_output_stream_finalize (GObject *object)
{
  ObApfChannelOutputStream *self = OB_APF_CHANNEL_OUTPUT_STREAM (object);

  /* GOutputStream closes an open stream on dispose; the core outlives
   * that. */
  G_OBJECT_CLASS (ob_apf_channel_output_stream_parent_class)->finalize (object);
  g_clear_pointer (&self->core, _ob_apf_channel_core_unref);
}

static void
ob_apf_channel_output_stream_class_init (ObApfChannelOutputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = ob_apf_channel_output_stream_finalize;

  stream_class->write_fn = ob_apf_channel_output_stream_write;
  stream_class->write_async = ob_apf_channel_output_stream_write_async;
  stream_class->write_finish = ob_apf_channel_output_stream_write_finish;
  stream_class->close_fn = ob_apf_channel_output_stream_close;
  stream_class->close_async = ob_apf_channel_output_stream_close_async;
  stream_class->close_finish = ob_apf_channel_output_stream_close_finish;
  stream_class->flush_async = ob_apf_channel_output_stream_flush_async;
  stream_class->flush_finish = ob_apf_channel_output_stream_flush_finish;
}

static void
ob_apf_channel_output_stream_init (ObApfChannelOutputStream *self)
{
}
