/* ob-stream-source.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OB_TYPE_STREAM_SOURCE (ob_stream_source_get_type ())

G_DECLARE_INTERFACE (ObStreamSource, ob_stream_source, OB, STREAM_SOURCE, GObject)

/* Whatever can open a byte stream to one of a device's AMT ports: a TCP or
 * TLS connection on the LAN, an APF channel inside a CIRA connection, a pipe
 * in tests.  ObHttpConnection / ObWsmanClient and, later, the redirection
 * session run on the streams it opens and never know which it was. */
struct _ObStreamSourceInterface
{
  GTypeInterface parent_iface;

  void       (*open_stream_async)  (ObStreamSource       *self,
                                    guint                 port,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
  GIOStream *(*open_stream_finish) (ObStreamSource       *self,
                                    GAsyncResult         *result,
                                    GError              **error);
};

void       ob_stream_source_open_stream_async  (ObStreamSource       *self,
                                                guint                 port,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
GIOStream *ob_stream_source_open_stream_finish (ObStreamSource       *self,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
