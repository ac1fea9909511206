/* ob-rfb-decoder.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-framebuffer.h"
#include "ob-rfb-pixel-format.h"

G_BEGIN_DECLS

/* The server-to-client half of RFB after ServerInit, as a pure object:
 * bytes in, pixels into an ObFramebuffer out, no I/O.  ObRfbClient feeds
 * it from the socket; the fuzz target and the benchmark feed it directly.
 *
 * Handles FramebufferUpdate with Raw (0), ZRLE (16, one zlib stream for
 * the whole session, 64×64 tiles, every subencoding, CPIXEL rules) and
 * DesktopSize (-223) rectangles, Bell, ServerCutText, and skips
 * SetColourMapEntries.  Anything else, a rectangle outside the
 * framebuffer, a bad palette, a zlib error or more data than a rectangle
 * can hold is OB_REDIR_ERROR_PROTOCOL; after an error the decoder refuses
 * further input (the session is over).  It never reads past @len.
 *
 * Usage:
 *   while (status = ob_rfb_decoder_decode (dec, buf, len, &used, &event, &error)) == OK
 *     { drop @used bytes from buf; act on @event; }
 *   NEED_MORE: read more bytes and call again with everything unconsumed. */

#define OB_RFB_ENCODING_RAW          0
#define OB_RFB_ENCODING_COPYRECT     1
#define OB_RFB_ENCODING_ZRLE         16
#define OB_RFB_ENCODING_DESKTOP_SIZE (-223)
/* Intel's in-band data channel pseudo-encoding (not implemented). */
#define OB_RFB_ENCODING_KVM_DATA_CHANNEL 1092

/* ServerCutText longer than this is a protocol error. */
#define OB_RFB_MAX_CUT_TEXT (1024 * 1024)

typedef enum
{
  OB_RFB_DECODE_NEED_MORE,
  OB_RFB_DECODE_OK,
  OB_RFB_DECODE_ERROR,
} ObRfbDecodeStatus;

/* What a decode step did (flags: a DesktopSize that ends an update gives
 * RESIZE | UPDATE_END). */
typedef enum
{
  /* Something was consumed (a message header, a rectangle) and there is
   * nothing to act on yet. */
  OB_RFB_EVENT_NONE       = 0,
  /* The last rectangle of a FramebufferUpdate was decoded (the damage is
   * in the framebuffer, not flushed). */
  OB_RFB_EVENT_UPDATE_END = 1 << 0,
  /* A DesktopSize rectangle resized the framebuffer. */
  OB_RFB_EVENT_RESIZE     = 1 << 1,
  OB_RFB_EVENT_BELL       = 1 << 2,
  /* ServerCutText: ob_rfb_decoder_get_cut_text(). */
  OB_RFB_EVENT_CUT_TEXT   = 1 << 3,
} ObRfbEvent;

#define OB_TYPE_RFB_DECODER (ob_rfb_decoder_get_type ())

G_DECLARE_FINAL_TYPE (ObRfbDecoder, ob_rfb_decoder, OB, RFB_DECODER, GObject)

/* Decodes into @framebuffer (resized by DesktopSize) with @format. */
ObRfbDecoder      *ob_rfb_decoder_new                (ObFramebuffer           *framebuffer,
                                                      const ObRfbPixelFormat  *format);
ObFramebuffer     *ob_rfb_decoder_get_framebuffer    (ObRfbDecoder            *self);
/* The format of the rectangles that follow (after SetPixelFormat took
 * effect).  FALSE with the reason if the decoder cannot handle it. */
gboolean           ob_rfb_decoder_set_pixel_format   (ObRfbDecoder            *self,
                                                      const ObRfbPixelFormat  *format,
                                                      GError                 **error);
const ObRfbPixelFormat *ob_rfb_decoder_get_pixel_format (ObRfbDecoder         *self);
/* Decode one unit at the start of @data (a message header, a whole
 * rectangle, a whole Bell/ServerCutText/SetColourMapEntries).  OK:
 * *@consumed > 0 bytes used, *@event says what happened.  NEED_MORE:
 * nothing used.  ERROR: nothing used, @error set. */
ObRfbDecodeStatus  ob_rfb_decoder_decode             (ObRfbDecoder            *self,
                                                      const guint8            *data,
                                                      gsize                    len,
                                                      gsize                   *consumed,
                                                      ObRfbEvent              *event,
                                                      GError                 **error);
/* Whether a FramebufferUpdate is being decoded (rectangles pending). */
gboolean           ob_rfb_decoder_in_update          (ObRfbDecoder            *self);
/* The text of the last ServerCutText (Latin-1 bytes as sent), or NULL. */
GBytes            *ob_rfb_decoder_get_cut_text       (ObRfbDecoder            *self);

/* Counters since creation. */
guint64            ob_rfb_decoder_get_updates        (ObRfbDecoder            *self);
guint64            ob_rfb_decoder_get_rectangles     (ObRfbDecoder            *self);
/* Bytes consumed, and zlib bytes inflated (ZRLE payload after inflate). */
guint64            ob_rfb_decoder_get_bytes_in       (ObRfbDecoder            *self);
guint64            ob_rfb_decoder_get_bytes_inflated (ObRfbDecoder            *self);

G_END_DECLS
