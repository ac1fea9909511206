/* ob-framebuffer.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The remote screen as 32-bit pixels in memory, plus what changed.
 *
 * Pixels: one guint32 per pixel, 0xFFRRGGBB in native byte order (on a
 * little-endian machine the bytes are B, G, R, 0xFF: GDK_MEMORY_B8G8R8A8 /
 * CAIRO_FORMAT_RGB24), rows @stride bytes apart.
 *
 * Damage: writers (the decoder) call ob_framebuffer_add_damage() for each
 * rectangle they change; at the end of a screen update the RFB client calls
 * ob_framebuffer_flush_damage(), which emits ::damaged once with the
 * bounding box.  Inside the handler ob_framebuffer_get_damage() lists the
 * rectangles (merged where adjacent), so a view can upload only those
 * parts.  ::resized is emitted after the size changed (contents black). */

#define OB_FRAMEBUFFER_MAX_DIMENSION 16384
/* 8192×4320 is the largest AMT screen; 16384×16384 would be 1 GiB. */
#define OB_FRAMEBUFFER_MAX_PIXELS    (8192u * 8192u)

typedef struct
{
  guint x;
  guint y;
  guint width;
  guint height;
} ObFramebufferRect;

#define OB_TYPE_FRAMEBUFFER (ob_framebuffer_get_type ())

G_DECLARE_FINAL_TYPE (ObFramebuffer, ob_framebuffer, OB, FRAMEBUFFER, GObject)

/* NULL if the size is 0 or over the limits. */
ObFramebuffer           *ob_framebuffer_new             (guint          width,
                                                         guint          height);
guint                    ob_framebuffer_get_width       (ObFramebuffer *self);
guint                    ob_framebuffer_get_height      (ObFramebuffer *self);
/* In bytes. */
gsize                    ob_framebuffer_get_stride      (ObFramebuffer *self);
guint32                 *ob_framebuffer_get_data        (ObFramebuffer *self);
/* Reallocate to @width × @height (black), drop pending damage, emit
 * ::resized and notify width/height.  FALSE (nothing changes) if the size
 * is 0 or over the limits. */
gboolean                 ob_framebuffer_resize          (ObFramebuffer *self,
                                                         guint          width,
                                                         guint          height);
/* Clipped to the framebuffer; empty rectangles are ignored. */
void                     ob_framebuffer_add_damage      (ObFramebuffer *self,
                                                         guint          x,
                                                         guint          y,
                                                         guint          width,
                                                         guint          height);
gboolean                 ob_framebuffer_has_damage      (ObFramebuffer *self);
/* Emit ::damaged (bounding box) if anything is pending, then forget it. */
void                     ob_framebuffer_flush_damage    (ObFramebuffer *self);
/* The pending rectangles (valid until the next call on @self). */
const ObFramebufferRect *ob_framebuffer_get_damage      (ObFramebuffer *self,
                                                         guint         *n_rects);
/* A copy of a region as tightly packed rows (stride = @width * 4), e.g. for
 * a GdkMemoryTexture of that part.  NULL if the region is not inside. */
GBytes                  *ob_framebuffer_copy_region     (ObFramebuffer *self,
                                                         guint          x,
                                                         guint          y,
                                                         guint          width,
                                                         guint          height);
/* 0xFFRRGGBB at (x, y); 0 outside. */
guint32                  ob_framebuffer_get_pixel       (ObFramebuffer *self,
                                                         guint          x,
                                                         guint          y);
/* Write a PPM (P6) file of the whole screen: screenshots and tests. */
gboolean                 ob_framebuffer_save_ppm        (ObFramebuffer *self,
                                                         const char    *path,
                                                         GError       **error);

G_END_DECLS
