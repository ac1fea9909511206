/* ob-stream-source.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-stream-source.h"

G_DEFINE_INTERFACE (ObStreamSource, ob_stream_source, G_TYPE_OBJECT)

static void
ob_stream_source_default_init (ObStreamSourceInterface *iface)
{
}

void
ob_stream_source_open_stream_async (ObStreamSource      *self,
                                    guint                port,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (OB_IS_STREAM_SOURCE (self));
  g_return_if_fail (port > 0 && port <= 65535);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  OB_STREAM_SOURCE_GET_IFACE (self)->open_stream_async (self, port, cancellable, callback,
                                                        user_data);
}

GIOStream *
ob_stream_source_open_stream_finish (ObStreamSource  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_return_val_if_fail (OB_IS_STREAM_SOURCE (self), NULL);

  return OB_STREAM_SOURCE_GET_IFACE (self)->open_stream_finish (self, result, error);
}
