/* ob-tls-stream-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-tls-stream.h"

G_BEGIN_DECLS

/* What the client's input and output streams need from it. */
gssize   _ob_tls_stream_read          (ObTlsStream  *self,
                                           void            *buffer,
                                           gsize            count,
                                           GError         **error);
gssize   _ob_tls_stream_write         (ObTlsStream  *self,
                                           const void      *buffer,
                                           gsize            count,
                                           GError         **error);
/* Whether a read (@input) or a write would not block now. */
gboolean _ob_tls_stream_is_ready      (ObTlsStream  *self,
                                           gboolean         input);
/* A source for @stream that fires when a read (@input) or a write may
 * make progress. */
GSource *_ob_tls_stream_create_source (ObTlsStream  *self,
                                           gboolean         input,
                                           GObject         *stream,
                                           GCancellable    *cancellable);

#define OB_TYPE_TLS_STREAM_INPUT_STREAM (ob_tls_stream_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (ObTlsStreamInputStream, ob_tls_stream_input_stream,
                      OB, TLS_STREAM_INPUT_STREAM, GInputStream)

#define OB_TYPE_TLS_STREAM_OUTPUT_STREAM (ob_tls_stream_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (ObTlsStreamOutputStream, ob_tls_stream_output_stream,
                      OB, TLS_STREAM_OUTPUT_STREAM, GOutputStream)

/* The streams point back at the client without a reference (it owns
 * them); the client detaches them when it goes away. */
GInputStream  *_ob_tls_stream_input_stream_new     (ObTlsStream *client);
void           _ob_tls_stream_input_stream_detach  (ObTlsStreamInputStream *self);
GOutputStream *_ob_tls_stream_output_stream_new    (ObTlsStream *client);
void           _ob_tls_stream_output_stream_detach (ObTlsStreamOutputStream *self);

G_END_DECLS
