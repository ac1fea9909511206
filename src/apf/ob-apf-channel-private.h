/* ob-apf-channel-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-apf-channel.h"
#include "ob-apf-session.h"

G_BEGIN_DECLS

/* The state of one channel, shared by ObApfChannel, its two streams, their
 * poll sources and the session's channel table.  It outlives the
 * ObApfChannel when the channel is dropped with output still to flush, so
 * the CHANNEL_CLOSE goes out after the data, like a socket's linger.
 * Single-threaded: the session's main context only. */
typedef struct _ObApfChannelCore ObApfChannelCore;

ObApfChannelCore *_ob_apf_channel_core_new        (ObApfSession     *session,
                                                   guint32           local_id,
                                                   guint             port,
                                                   guint32           window,
                                                   gsize             max_buffer);
ObApfChannelCore *_ob_apf_channel_core_ref        (ObApfChannelCore *core);
void              _ob_apf_channel_core_unref      (ObApfChannelCore *core);

guint32           _ob_apf_channel_core_get_local_id (ObApfChannelCore *core);
/* Output waiting for credits or for room in the session's output. */
gboolean          _ob_apf_channel_core_has_output   (ObApfChannelCore *core);

/* Server role: @task (returning an ObApfChannel) completes on
 * confirmation, failure, its cancellable, @timeout_ms or session loss. */
void              _ob_apf_channel_core_start_open   (ObApfChannelCore *core,
                                                     GTask            *task,
                                                     guint             timeout_ms);
void              _ob_apf_channel_core_open_confirmed (ObApfChannelCore *core,
                                                       guint32           remote_id,
                                                       guint32           peer_window);
void              _ob_apf_channel_core_open_failed  (ObApfChannelCore *core,
                                                     guint32           reason);
/* Client role: the peer's CHANNEL_OPEN was accepted (the caller sends the
 * confirmation); the new channel. */
ObApfChannel     *_ob_apf_channel_core_accept       (ObApfChannelCore *core,
                                                     guint32           remote_id,
                                                     guint32           peer_window);

/* Traffic from the peer. */
void              _ob_apf_channel_core_receive      (ObApfChannelCore *core,
                                                     const guint8     *data,
                                                     gsize             len);
void              _ob_apf_channel_core_window_adjust (ObApfChannelCore *core,
                                                      guint32           bytes_to_add);
void              _ob_apf_channel_core_peer_closed  (ObApfChannelCore *core);
/* The session has room for output again. */
void              _ob_apf_channel_core_flush        (ObApfChannelCore *core);
/* The session is gone: pending and later I/O fail with @error. */
void              _ob_apf_channel_core_session_lost (ObApfChannelCore *core,
                                                     const GError     *error);

/* For the streams. */
gssize            _ob_apf_channel_core_read         (ObApfChannelCore *core,
                                                     void             *buffer,
                                                     gsize             count,
                                                     GError          **error);
gssize            _ob_apf_channel_core_write        (ObApfChannelCore *core,
                                                     const void       *buffer,
                                                     gsize             count,
                                                     GError          **error);
/* GInputStream read_async / GOutputStream write_async on the core: done
 * at once or parked until the state allows (data, EOF, room, an error,
 * @cancellable), then @task (made without a cancellable; returning the
 * count) returns from the poller's round, never inside this call.  One of
 * each at a time; @buffer stays the caller's until then. */
void              _ob_apf_channel_core_read_async   (ObApfChannelCore *core,
                                                     GTask            *task,
                                                     void             *buffer,
                                                     gsize             count,
                                                     GCancellable     *cancellable);
void              _ob_apf_channel_core_write_async  (ObApfChannelCore *core,
                                                     GTask            *task,
                                                     const void       *buffer,
                                                     gsize             count,
                                                     GCancellable     *cancellable);
/* @task (made without a cancellable) returns TRUE on the poller's next
 * round: closing and flushing never wait, and answer from the main loop
 * without an idle source of their own. */
void              _ob_apf_channel_core_return_soon  (ObApfChannelCore *core,
                                                     GTask            *task);
gboolean          _ob_apf_channel_core_is_readable  (ObApfChannelCore *core);
gboolean          _ob_apf_channel_core_is_writable  (ObApfChannelCore *core);
/* A level-triggered source, ready while the condition holds. */
GSource          *_ob_apf_channel_core_create_source (ObApfChannelCore *core,
                                                      gboolean          for_write);
void              _ob_apf_channel_core_close_input  (ObApfChannelCore *core);
void              _ob_apf_channel_core_close_output (ObApfChannelCore *core);
/* Close the whole channel: CHANNEL_CLOSE once the output is flushed. */
void              _ob_apf_channel_core_close        (ObApfChannelCore *core);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObApfChannelCore, _ob_apf_channel_core_unref)

G_END_DECLS
