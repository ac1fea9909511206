/* ob-apf-channel-input-stream.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-apf-channel-input-stream.h"

struct _ObApfChannelInputStream
{
  GInputStream      parent_instance;

  ObApfChannelCore *core;
};

static void ob_apf_channel_input_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObApfChannelInputStream, ob_apf_channel_input_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      ob_apf_channel_input_stream_pollable_init))

GInputStream *
_ob_apf_channel_input_stream_new (ObApfChannelCore *core)
{
  ObApfChannelInputStream *self = g_object_new (OB_TYPE_APF_CHANNEL_INPUT_STREAM, NULL);

  self->core = _ob_apf_channel_core_ref (core);
  return G_INPUT_STREAM (self);
}

/* A blocking read cannot wait here (the data arrives through the main
 * loop of this very thread): it reads what is there or says it would
 * block. */
static gssize
ob_apf_channel_input_stream_read (GInputStream  *stream,
                                  void          *buffer,
                                  gsize          count,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  ObApfChannelInputStream *self = OB_APF_CHANNEL_INPUT_STREAM (stream);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  return _ob_apf_channel_core_read (self->core, buffer, count, error);
}

/* Waits on the channel itself, with no GSource: GIO's default would poll
 * through a pollable source (and its child) per waiting read. */
static void
ob_apf_channel_input_stream_read_async (GInputStream        *stream,
                                        void                *buffer,
                                        gsize                count,
                                        int                  io_priority,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  ObApfChannelInputStream *self = OB_APF_CHANNEL_INPUT_STREAM (stream);
  /* The core watches the cancellable: a task holding it would return
   * even its results from an idle source of its own. */
  g_autoptr(GTask) task = g_task_new (stream, NULL, callback, user_data);

  g_task_set_source_tag (task, ob_apf_channel_input_stream_read_async);
  g_task_set_priority (task, io_priority);
  _ob_apf_channel_core_read_async (self->core, task, buffer, count, cancellable);
}

static gssize
ob_apf_channel_input_stream_read_finish (GInputStream  *stream,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

static gboolean
ob_apf_channel_input_stream_close (GInputStream  *stream,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  ObApfChannelInputStream *self = OB_APF_CHANNEL_INPUT_STREAM (stream);

  _ob_apf_channel_core_close_input (self->core);
  return TRUE;
}

/* Closing never blocks, so it runs here rather than in GIO's default
 * worker thread (the core is not thread-safe); the answer comes on the
 * poller's next round. */
static void
ob_apf_channel_input_stream_close_async (GInputStream        *stream,
                                         int                  io_priority,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, NULL, callback, user_data);

  g_task_set_source_tag (task, ob_apf_channel_input_stream_close_async);
  ob_apf_channel_input_stream_close (stream, cancellable, NULL);
  _ob_apf_channel_core_return_soon (OB_APF_CHANNEL_INPUT_STREAM (stream)->core, task);
}

static gboolean
ob_apf_channel_input_stream_close_finish (GInputStream  *stream,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
ob_apf_channel_input_stream_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
ob_apf_channel_input_stream_is_readable (GPollableInputStream *stream)
{
  return _ob_apf_channel_core_is_readable (OB_APF_CHANNEL_INPUT_STREAM (stream)->core);
}

static GSource *
ob_apf_channel_input_stream_create_source (GPollableInputStream *stream,
                                           GCancellable         *cancellable)
{
  ObApfChannelInputStream *self = OB_APF_CHANNEL_INPUT_STREAM (stream);
  g_autoptr(GSource) child = _ob_apf_channel_core_create_source (self->core, FALSE);

  return g_pollable_source_new_full (stream, child, cancellable);
}

static gssize
ob_apf_channel_input_stream_read_nonblocking (GPollableInputStream  *stream,
                                              void                  *buffer,
                                              gsize                  count,
                                              GError               **error)
{
  return _ob_apf_channel_core_read (OB_APF_CHANNEL_INPUT_STREAM (stream)->core, buffer, count, error);
}

static void
ob_apf_channel_input_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = ob_apf_channel_input_stream_can_poll;
  iface->is_readable = ob_apf_channel_input_stream_is_readable;
  iface->create_source = ob_apf_channel_input_stream_create_source;
  iface->read_nonblocking = ob_apf_channel_input_stream_read_nonblocking;
}

static void
ob_apf_channel_input_stream_finalize (GObject *object)
{
  ObApfChannelInputStream *self = OB_APF_CHANNEL_INPUT_STREAM (object);

  /* GInputStream closes an open stream on dispose; the core outlives
   * that. */
  G_OBJECT_CLASS (ob_apf_channel_input_stream_parent_class)->finalize (object);
  g_clear_pointer (&self->core, _ob_apf_channel_core_unref);
}

static void
ob_apf_channel_input_stream_class_init (ObApfChannelInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = ob_apf_channel_input_stream_finalize;

  stream_class->read_fn = ob_apf_channel_input_stream_read;
  stream_class->read_async = ob_apf_channel_input_stream_read_async;
  stream_class->read_finish = ob_apf_channel_input_stream_read_finish;
  stream_class->close_fn = ob_apf_channel_input_stream_close;
  stream_class->close_async = ob_apf_channel_input_stream_close_async;
  stream_class->close_finish = ob_apf_channel_input_stream_close_finish;
}

static void
ob_apf_channel_input_stream_init (ObApfChannelInputStream *self)
{
}
