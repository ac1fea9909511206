/* ob-sim-rfb-server.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-sim-screen.h"

G_BEGIN_DECLS

/* ObSimRfbServer: the RFB side of AMT's KVM (redirection-kvm-sol.md §2),
 * serving an ObSimScreen to any number of viewers, each on a GIOStream
 * (after the redirection handshake, or straight on a TCP port).
 *
 * As the firmware does: "RFB 004.000" (3.3, 3.7 and 3.8 answers accepted;
 * 4.0 is treated as 3.8), security types [1 None, 128] (None only),
 * ServerInit with the screen size, RGB565 little-endian and the name
 * "Intel(r) AMT KVM".  SetPixelFormat is honoured for the formats AMT
 * takes — RGB565, RGB332, 8-bit and 4-bit grey — and anything else (32 bpp
 * true colour above all) drops the connection, as does a format whose
 * frame would pass AMT's 9,216,000-byte capture buffer.  Updates are
 * ≤64×64 tiles in row-major order, ZRLE (encoding 16) when the viewer
 * lists it — one deflate stream per connection, a sync flush per tile,
 * stored blocks after "KvmExtCmd" zlib off — else Raw; only tiles changed
 * since the viewer last got them go out for an incremental request, and
 * an incremental request with nothing new waits for the screen to change
 * (a clock second at most).  DesktopSize announces a resize.  A Bell
 * answers the first request, "\0KvmDataChannel\0" is announced when the
 * viewer lists 1092, KvmExtCmd queries get answers.  KeyEvent and
 * PointerEvent go to the screen (unless input is disabled).  Any malformed
 * client message closes the connection.
 *
 * Signals:
 *   "closed" (GIOStream *stream): a connection ended (either side).
 * Runs on the thread-default main context it was created on. */

#define OB_TYPE_SIM_RFB_SERVER (ob_sim_rfb_server_get_type ())

G_DECLARE_FINAL_TYPE (ObSimRfbServer, ob_sim_rfb_server, OB, SIM_RFB_SERVER, GObject)

#define OB_SIM_RFB_DESKTOP_NAME   "Intel(r) AMT KVM"
/* AMT's KVM capture buffer: bytes per pixel × width × height above this
 * are refused. */
#define OB_SIM_RFB_MAX_FRAME_BYTES 9216000u

ObSimRfbServer *ob_sim_rfb_server_new              (ObSimScreen     *screen);
ObSimScreen    *ob_sim_rfb_server_get_screen       (ObSimRfbServer  *self);

/* Serve RFB on @stream from its first byte (the server speaks first).
 * Takes a reference; the stream is closed when the viewer goes, on a
 * protocol error, or by ob_sim_rfb_server_stop(). */
void            ob_sim_rfb_server_serve_stream     (ObSimRfbServer  *self,
                                                    GIOStream       *stream);

/* Listen on @address (an IP literal) and @port (0 = any free port) and
 * serve plain RFB on every connection (a VNC server without AMT's
 * redirection wrapper, for stock viewers). */
gboolean        ob_sim_rfb_server_listen           (ObSimRfbServer  *self,
                                                    const char      *address,
                                                    guint            port,
                                                    GError         **error);
guint           ob_sim_rfb_server_get_port         (ObSimRfbServer  *self);

/* While FALSE, key and pointer events are read and dropped (AMT while the
 * user has not consented yet).  Default TRUE. */
void            ob_sim_rfb_server_set_input_enabled (ObSimRfbServer *self,
                                                     gboolean        enabled);

/* FALSE: a plain VNC server's manners instead of AMT's (for stock
 * viewers that expect them): ServerInit announces 32 bpp RGB (red in the
 * lowest byte, depth 24) and SetPixelFormat takes any true-colour format
 * of 8, 16 or 32 bpp.  Default TRUE; applies to later connections. */
void            ob_sim_rfb_server_set_amt_formats  (ObSimRfbServer *self,
                                                    gboolean        amt_formats);

/* End a connection when the viewer has sent nothing for this long (AMT's
 * KVM SessionTimeout; a viewer that keeps asking for updates is never
 * idle).  0 (the default) = never; applies from the next message. */
void            ob_sim_rfb_server_set_idle_timeout_ms (ObSimRfbServer *self,
                                                       guint           timeout_ms);

/* Close every connection (and the listener). */
void            ob_sim_rfb_server_stop             (ObSimRfbServer  *self);

/* Counters for tests and benchmarks. */
guint           ob_sim_rfb_server_get_n_connections (ObSimRfbServer *self);
guint64         ob_sim_rfb_server_get_n_updates     (ObSimRfbServer *self);
guint64         ob_sim_rfb_server_get_n_rects       (ObSimRfbServer *self);
guint64         ob_sim_rfb_server_get_bytes_sent    (ObSimRfbServer *self);

G_END_DECLS
