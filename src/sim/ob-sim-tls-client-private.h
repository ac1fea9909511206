/* ob-sim-tls-client-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-sim-tls-client.h"

G_BEGIN_DECLS

/* What the client's input and output streams need from it. */
gssize   _ob_sim_tls_client_read          (ObSimTlsClient  *self,
                                           void            *buffer,
                                           gsize            count,
                                           GError         **error);
gssize   _ob_sim_tls_client_write         (ObSimTlsClient  *self,
                                           const void      *buffer,
                                           gsize            count,
                                           GError         **error);
/* Whether a read (@input) or a write would not block now. */
gboolean _ob_sim_tls_client_is_ready      (ObSimTlsClient  *self,
                                           gboolean         input);
/* A source for @stream that fires when a read (@input) or a write may
 * make progress. */
GSource *_ob_sim_tls_client_create_source (ObSimTlsClient  *self,
                                           gboolean         input,
                                           GObject         *stream,
                                           GCancellable    *cancellable);

#define OB_TYPE_SIM_TLS_CLIENT_INPUT_STREAM (ob_sim_tls_client_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (ObSimTlsClientInputStream, ob_sim_tls_client_input_stream,
                      OB, SIM_TLS_CLIENT_INPUT_STREAM, GInputStream)

#define OB_TYPE_SIM_TLS_CLIENT_OUTPUT_STREAM (ob_sim_tls_client_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (ObSimTlsClientOutputStream, ob_sim_tls_client_output_stream,
                      OB, SIM_TLS_CLIENT_OUTPUT_STREAM, GOutputStream)

/* The streams point back at the client without a reference (it owns
 * them); the client detaches them when it goes away. */
GInputStream  *_ob_sim_tls_client_input_stream_new     (ObSimTlsClient *client);
void           _ob_sim_tls_client_input_stream_detach  (ObSimTlsClientInputStream *self);
GOutputStream *_ob_sim_tls_client_output_stream_new    (ObSimTlsClient *client);
void           _ob_sim_tls_client_output_stream_detach (ObSimTlsClientOutputStream *self);

G_END_DECLS
