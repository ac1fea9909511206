/* ob-apf-channel.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Our advertised receive window (mps-cira-apf.md §2.6): 81920 by default,
 * 32 KiB to 1 MiB; values out of range fall back to the default. */
#define OB_APF_DEFAULT_WINDOW_SIZE 81920
#define OB_APF_MIN_WINDOW_SIZE     32768
#define OB_APF_MAX_WINDOW_SIZE     1048576

#define OB_TYPE_APF_CHANNEL (ob_apf_channel_get_type ())

G_DECLARE_FINAL_TYPE (ObApfChannel, ob_apf_channel, OB, APF_CHANNEL, GIOStream)

/* ObApfChannel: one forwarded-tcpip channel inside a CIRA connection, as a
 * GIOStream.  Its input and output streams are GPollableInputStream /
 * GPollableOutputStream, so GIO's asynchronous calls (read_async,
 * write_all_async, g_io_stream_splice_async) and ObHttpConnection work on
 * it unchanged.  Made by ObApfSession (ob_apf_session_open_channel_async()
 * on the MPS side, the channel handler on the device side).
 *
 * Flow control both ways: a write is accepted while the channel's send
 * buffer has room and goes out as CHANNEL_DATA as the peer's window
 * (its initial window plus its WINDOW_ADJUSTs) allows; what the reader
 * consumes is given back to the peer with WINDOW_ADJUST once more than
 * half our window is owed, so at most one window is ever buffered here.
 *
 * Close: g_io_stream_close() (or dropping the last reference) sends
 * CHANNEL_CLOSE once, after any buffered output went out.  When the peer
 * closes, reads give the buffered data and then EOF, writes fail with
 * G_IO_ERROR_BROKEN_PIPE.  When the CIRA connection is lost, reads give the
 * buffered data and then G_IO_ERROR_CONNECTION_CLOSED, writes fail at once.
 *
 * Blocking calls never block: with nothing to read or no room to write,
 * g_input_stream_read() / g_output_stream_write() fail with
 * G_IO_ERROR_WOULD_BLOCK.  Use the asynchronous API, on the main context
 * of the session. */

guint    ob_apf_channel_get_port                  (ObApfChannel *self);
/* Our channel id (the peer's recipient id) and the peer's. */
guint32  ob_apf_channel_get_local_id              (ObApfChannel *self);
guint32  ob_apf_channel_get_remote_id             (ObApfChannel *self);
/* Our advertised window. */
guint32  ob_apf_channel_get_window_size           (ObApfChannel *self);
/* The peer closed the channel (CHANNEL_CLOSE received). */
gboolean ob_apf_channel_is_peer_closed            (ObApfChannel *self);

/* Counters (tests, diagnostics). */
guint64  ob_apf_channel_get_bytes_sent            (ObApfChannel *self);
guint64  ob_apf_channel_get_bytes_received        (ObApfChannel *self);
/* The most received bytes ever waiting for the reader at once. */
gsize    ob_apf_channel_get_max_receive_buffered  (ObApfChannel *self);
guint    ob_apf_channel_get_n_window_adjusts_sent (ObApfChannel *self);
guint    ob_apf_channel_get_n_window_adjusts_received (ObApfChannel *self);

G_END_DECLS
