/* ob-kvm-canvas.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "ob-rfb-client.h"

G_BEGIN_DECLS

/* How the remote screen is laid out in the canvas. */
typedef enum
{
  OB_KVM_SCALE_FIT,         /* as large as fits, aspect kept, centred */
  OB_KVM_SCALE_ONE_TO_ONE,  /* one screen pixel per device pixel (scroll it) */
} ObKvmScaleMode;

#define OB_TYPE_KVM_SCALE_MODE (ob_kvm_scale_mode_get_type ())
GType ob_kvm_scale_mode_get_type (void) G_GNUC_CONST;

/* ObKvmCanvas: shows an ObRfbClient's framebuffer and sends it the
 * keyboard and pointer.
 *
 * Drawing: one GdkMemoryTexture of the whole framebuffer, made again only
 * when the framebuffer reported damage, at most once per frame (damage
 * between two frames is coalesced); an undamaged frame reuses the texture.
 * Input: pointer motion, buttons and wheel notches are mapped to
 * framebuffer pixels at any scale; keys go to the device only while
 * :keyboard-capture is on and the canvas has the focus (losing the focus
 * releases every key the device still sees pressed).  The local pointer
 * stays visible over the canvas (AMT sends no cursor). */

#define OB_TYPE_KVM_CANVAS (ob_kvm_canvas_get_type ())

G_DECLARE_FINAL_TYPE (ObKvmCanvas, ob_kvm_canvas, OB, KVM_CANVAS, GtkWidget)

GtkWidget      *ob_kvm_canvas_new                  (void);

/* The client to show (connected: its framebuffer exists) or NULL. */
void            ob_kvm_canvas_set_client           (ObKvmCanvas    *self,
                                                    ObRfbClient    *client);
ObRfbClient    *ob_kvm_canvas_get_client           (ObKvmCanvas    *self);

void            ob_kvm_canvas_set_scale_mode       (ObKvmCanvas    *self,
                                                    ObKvmScaleMode  mode);
ObKvmScaleMode  ob_kvm_canvas_get_scale_mode       (ObKvmCanvas    *self);

void            ob_kvm_canvas_set_keyboard_capture (ObKvmCanvas    *self,
                                                    gboolean        capture);
gboolean        ob_kvm_canvas_get_keyboard_capture (ObKvmCanvas    *self);

/* While FALSE (e.g. before user consent was given) input is not sent. */
void            ob_kvm_canvas_set_input_enabled    (ObKvmCanvas    *self,
                                                    gboolean        enabled);

/* The picture as last drawn (NULL before the first frame).  (transfer full) */
GdkTexture     *ob_kvm_canvas_dup_texture          (ObKvmCanvas    *self);

/* Frames drawn with new content (a texture made from fresh damage) since
 * the client was set, and the microseconds spent making those textures. */
guint64         ob_kvm_canvas_get_frames_shown     (ObKvmCanvas    *self);
gint64          ob_kvm_canvas_get_upload_time      (ObKvmCanvas    *self);

/* Widget coordinates -> framebuffer pixel (FALSE outside the picture). */
gboolean        ob_kvm_canvas_widget_to_framebuffer (ObKvmCanvas   *self,
                                                     double         x,
                                                     double         y,
                                                     guint         *fb_x,
                                                     guint         *fb_y);

G_END_DECLS
