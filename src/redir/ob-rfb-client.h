/* ob-rfb-client.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-framebuffer.h"
#include "ob-rfb-decoder.h"
#include "ob-rfb-pixel-format.h"

G_BEGIN_DECLS

/* An RFB (VNC) viewer without GTK, over any GIOStream: the stream of a KVM
 * redirection session after its start (ObRedirSession), or a TCP
 * connection to a VNC server.
 *
 *   client = ob_rfb_client_new (stream, leftover_bytes);
 *   g_signal_connect (ob_rfb_client_get_framebuffer (client), "damaged", …);
 *   g_signal_connect (client, "closed", …);
 *   ob_rfb_client_connect_async (client, NULL, on_connected, self);
 *
 * Handshake: the server's "RFB 004.000" (AMT) or "RFB 003.00x" greeting
 * is answered with 3.8 (3.3 and 3.7 servers get their own version), the
 * security type None is chosen (a server that only offers VNC password
 * authentication is refused with a clear error), ClientInit asks for a
 * shared session, ServerInit sizes the framebuffer.  Then SetPixelFormat
 * (always sent, RGB565 by default), SetEncodings (ZRLE, Raw, DesktopSize;
 * Raw and DesktopSize with :prefer-raw) and a first non-incremental
 * FramebufferUpdateRequest; connect_finish() returns then.
 *
 * While running, the client keeps :pipeline incremental update requests in
 * flight (1 by default: one per frame, as AMT expects), decodes updates
 * into the framebuffer, flushes its damage (ObFramebuffer::damaged) and
 * emits ::update-done per update.  A DesktopSize update resizes the
 * framebuffer (ObFramebuffer::resized) and is followed by a full request.
 * A depth change (:depth) waits for the update in flight, then sends
 * SetPixelFormat and a full request.
 *
 * Any error (protocol, stream, EOF) ends the session: ::closed is emitted
 * once with the reason (NULL after ob_rfb_client_close()).  The pending
 * read holds a reference: call ob_rfb_client_close() when done. */

#define OB_RFB_MAX_NAME_LENGTH 4096

/* X11 keysyms the client itself uses. */
#define OB_KEYSYM_CONTROL_L 0xFFE3
#define OB_KEYSYM_ALT_L     0xFFE9
#define OB_KEYSYM_DELETE    0xFFFF

/* PointerEvent button mask bits. */
#define OB_RFB_BUTTON_LEFT        (1 << 0)
#define OB_RFB_BUTTON_MIDDLE      (1 << 1)
#define OB_RFB_BUTTON_RIGHT       (1 << 2)
#define OB_RFB_BUTTON_WHEEL_UP    (1 << 3)
#define OB_RFB_BUTTON_WHEEL_DOWN  (1 << 4)

#define OB_TYPE_RFB_CLIENT (ob_rfb_client_get_type ())

G_DECLARE_FINAL_TYPE (ObRfbClient, ob_rfb_client, OB, RFB_CLIENT, GObject)

/* @leftover: bytes already read from @stream that belong to RFB (the
 * redirection session may have read the greeting with its last reply);
 * NULL for none. */
ObRfbClient     *ob_rfb_client_new               (GIOStream            *stream,
                                                  GBytes               *leftover);

void             ob_rfb_client_connect_async     (ObRfbClient          *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean         ob_rfb_client_connect_finish    (ObRfbClient          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* Close the stream; ::closed (NULL error) follows if it was open. */
void             ob_rfb_client_close             (ObRfbClient          *self);
gboolean         ob_rfb_client_is_connected      (ObRfbClient          *self);

/* The framebuffer (NULL before ServerInit; the same object afterwards,
 * resized in place). */
ObFramebuffer   *ob_rfb_client_get_framebuffer   (ObRfbClient          *self);
/* The decoder (NULL before ServerInit): its counters tell which
 * encodings arrived. */
ObRfbDecoder    *ob_rfb_client_get_decoder       (ObRfbClient          *self);
/* The desktop name from ServerInit (AMT: "Intel(r) AMT KVM"). */
const char      *ob_rfb_client_get_desktop_name  (ObRfbClient          *self);
/* The server's version as announced (e.g. 4.0) and as spoken (3.8). */
void             ob_rfb_client_get_version       (ObRfbClient          *self,
                                                  guint                *server_major,
                                                  guint                *server_minor,
                                                  guint                *used_major,
                                                  guint                *used_minor);
/* The server's own format from ServerInit. */
const ObRfbPixelFormat *ob_rfb_client_get_server_pixel_format (ObRfbClient *self);

/* Colour depth: before connecting it is the format asked for; afterwards a
 * change takes effect after the update in flight. */
void             ob_rfb_client_set_depth         (ObRfbClient          *self,
                                                  ObRfbDepth            depth);
ObRfbDepth       ob_rfb_client_get_depth         (ObRfbClient          *self);
/* Raw instead of ZRLE (set before connecting). */
void             ob_rfb_client_set_prefer_raw    (ObRfbClient          *self,
                                                  gboolean              prefer_raw);
/* Update requests kept in flight, 1 or 2 (default 1). */
void             ob_rfb_client_set_pipeline      (ObRfbClient          *self,
                                                  guint                 pipeline);

/* While held, no new incremental update request is sent when an update
 * ends; releasing sends them.  A view holds requests from an update's
 * damage until it has drawn it, so the device sends no faster than the
 * screen shows (and a busy main loop still gets to draw). */
void             ob_rfb_client_hold_requests     (ObRfbClient          *self,
                                                  gboolean              hold);

/* Ask for the whole screen again (non-incremental). */
void             ob_rfb_client_request_refresh   (ObRfbClient          *self);

/* KeyEvent with an X11 keysym (GDK keyvals are keysyms).  Pressed keys
 * are tracked so they can all be released (focus loss). */
void             ob_rfb_client_key_event         (ObRfbClient          *self,
                                                  guint32               keysym,
                                                  gboolean              down);
/* Release every key this client pressed and did not release. */
void             ob_rfb_client_release_all_keys  (ObRfbClient          *self);
/* Press @keysyms in order, then release them in reverse order (a chord
 * such as Ctrl+Alt+Del), in one write. */
void             ob_rfb_client_send_chord        (ObRfbClient          *self,
                                                  const guint32        *keysyms,
                                                  guint                 n_keysyms);
/* PointerEvent: @buttons is the OB_RFB_BUTTON_* mask; @x, @y in
 * framebuffer pixels (clamped). */
void             ob_rfb_client_pointer_event     (ObRfbClient          *self,
                                                  guint8                buttons,
                                                  guint                 x,
                                                  guint                 y);
/* ClientCutText (Latin-1; characters outside it become '?'). */
void             ob_rfb_client_send_cut_text     (ObRfbClient          *self,
                                                  const char           *utf8);

/* Counters since the connection started: updates decoded and bytes read
 * from the stream (for the frames-per-second and bandwidth status). */
guint64          ob_rfb_client_get_updates       (ObRfbClient          *self);
guint64          ob_rfb_client_get_bytes_received (ObRfbClient         *self);
/* Microseconds from sending the request that an update answered to the
 * update's end, averaged over the last updates (0 before the first). */
gint64           ob_rfb_client_get_update_latency (ObRfbClient         *self);

G_END_DECLS
