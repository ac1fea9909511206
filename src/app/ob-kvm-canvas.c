/* ob-kvm-canvas.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-kvm-canvas.h"

/* Pointer motion is sent at most this often (button changes at once):
 * AMT's own viewers limit it the same way, and a fast mouse otherwise
 * floods a slow CIRA link. */
#define MOTION_INTERVAL_US (20 * G_USEC_PER_SEC / 1000)
/* Update requests wait for the frame that shows the last update, but never
 * longer than this (a window that is not drawn must not stall the
 * session). */
#define HOLD_TIMEOUT_MS 250

struct _ObKvmCanvas
{
  GtkWidget parent_instance;

  ObRfbClient *client;
  ObFramebuffer *framebuffer;
  gulong damaged_id;
  gulong resized_id;

  GdkTexture *texture;
  gboolean dirty;
  guint64 frames_shown;
  gint64 upload_time;
  guint hold_source;

  ObKvmScaleMode scale_mode;
  gboolean keyboard_capture;
  gboolean input_enabled;

  /* Hardware keycode -> the keysym sent when it went down, so the release
   * matches the press even if Shift changed in between. */
  GHashTable *pressed;
  guint8 buttons;
  guint last_x;
  guint last_y;
  gint64 last_motion;
  gboolean motion_pending;
  guint motion_source;
};

G_DEFINE_FINAL_TYPE (ObKvmCanvas, ob_kvm_canvas, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (ObKvmScaleMode, ob_kvm_scale_mode,
                    G_DEFINE_ENUM_VALUE (OB_KVM_SCALE_FIT, "fit"),
                    G_DEFINE_ENUM_VALUE (OB_KVM_SCALE_ONE_TO_ONE, "one-to-one"))

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_SCALE_MODE,
  PROP_KEYBOARD_CAPTURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Layout */

typedef struct
{
  double x;
  double y;
  double scale;
  guint fb_width;
  guint fb_height;
} Placement;

static gboolean
ob_kvm_canvas_place (ObKvmCanvas *self,
                     Placement   *out)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->framebuffer == NULL)
    return FALSE;

  out->fb_width = ob_framebuffer_get_width (self->framebuffer);
  out->fb_height = ob_framebuffer_get_height (self->framebuffer);
  if (out->fb_width == 0 || out->fb_height == 0 || width <= 0 || height <= 0)
    return FALSE;

  if (self->scale_mode == OB_KVM_SCALE_FIT)
    out->scale = MIN ((double) width / out->fb_width, (double) height / out->fb_height);
  else
    out->scale = 1.0;

  /* Centred; in 1:1 a larger picture starts at the corner (the scrolled
   * window around the canvas shows the rest). */
  out->x = MAX (0.0, (width - out->fb_width * out->scale) / 2.0);
  out->y = MAX (0.0, (height - out->fb_height * out->scale) / 2.0);
  return TRUE;
}

gboolean
ob_kvm_canvas_widget_to_framebuffer (ObKvmCanvas *self,
                                     double       x,
                                     double       y,
                                     guint       *fb_x,
                                     guint       *fb_y)
{
  Placement place;
  double px, py;

  g_return_val_if_fail (OB_IS_KVM_CANVAS (self), FALSE);

  if (!ob_kvm_canvas_place (self, &place))
    return FALSE;

  px = (x - place.x) / place.scale;
  py = (y - place.y) / place.scale;
  if (px < 0 || py < 0 || px >= place.fb_width || py >= place.fb_height)
    {
      /* Clamped, so a drag that leaves the picture still ends at its edge. */
      if (fb_x != NULL)
        *fb_x = (guint) CLAMP (px, 0.0, place.fb_width - 1.0);
      if (fb_y != NULL)
        *fb_y = (guint) CLAMP (py, 0.0, place.fb_height - 1.0);
      return FALSE;
    }

  if (fb_x != NULL)
    *fb_x = (guint) px;
  if (fb_y != NULL)
    *fb_y = (guint) py;
  return TRUE;
}

/* Drawing */

static GdkTexture *
ob_kvm_canvas_make_texture (ObKvmCanvas *self)
{
  guint width = ob_framebuffer_get_width (self->framebuffer);
  guint height = ob_framebuffer_get_height (self->framebuffer);
  gsize stride = ob_framebuffer_get_stride (self->framebuffer);
  g_autoptr(GBytes) bytes = NULL;

  /* The framebuffer keeps changing under the decoder; the texture needs
   * its own copy (GdkMemoryTexture is immutable).  Pixels are 0xFFRRGGBB
   * words: B, G, R, A in memory on little-endian machines.  With alpha
   * 0xFF premultiplied and straight are the same. */
  bytes = g_bytes_new (ob_framebuffer_get_data (self->framebuffer), stride * height);
  return gdk_memory_texture_new (width, height,
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
                                 GDK_MEMORY_B8G8R8A8_PREMULTIPLIED,
#else
                                 GDK_MEMORY_A8R8G8B8_PREMULTIPLIED,
#endif
                                 bytes, stride);
}

/* Pacing: the next update is asked for once this one is on screen, so the
 * device sends no faster than frames are drawn and a main loop kept busy
 * by incoming data still gets to draw (GTK paints at idle priority). */
static void
ob_kvm_canvas_release_requests (ObKvmCanvas *self)
{
  g_clear_handle_id (&self->hold_source, g_source_remove);
  if (self->client != NULL)
    ob_rfb_client_hold_requests (self->client, FALSE);
}

static gboolean
hold_timeout_cb (gpointer user_data)
{
  ObKvmCanvas *self = user_data;

  self->hold_source = 0;
  ob_kvm_canvas_release_requests (self);
  return G_SOURCE_REMOVE;
}

static void
ob_kvm_canvas_hold_requests (ObKvmCanvas *self)
{
  if (self->client == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)) || self->hold_source != 0)
    return;

  ob_rfb_client_hold_requests (self->client, TRUE);
  self->hold_source = g_timeout_add (HOLD_TIMEOUT_MS, hold_timeout_cb, self);
}

static void
ob_kvm_canvas_update_texture (ObKvmCanvas *self)
{
  gint64 start;

  if (!self->dirty || self->framebuffer == NULL)
    return;

  start = g_get_monotonic_time ();
  g_clear_object (&self->texture);
  self->texture = ob_kvm_canvas_make_texture (self);
  self->upload_time += g_get_monotonic_time () - start;
  self->frames_shown++;
  self->dirty = FALSE;
}

static void
ob_kvm_canvas_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  ObKvmCanvas *self = OB_KVM_CANVAS (widget);
  GdkRGBA black = { 0, 0, 0, 1 };
  Placement place;

  gtk_snapshot_append_color (snapshot, &black,
                             &GRAPHENE_RECT_INIT (0, 0,
                                                  gtk_widget_get_width (widget),
                                                  gtk_widget_get_height (widget)));

  if (!ob_kvm_canvas_place (self, &place))
    return;

  ob_kvm_canvas_update_texture (self);
  ob_kvm_canvas_release_requests (self);
  if (self->texture == NULL)
    return;

  gtk_snapshot_append_texture (snapshot, self->texture,
                               &GRAPHENE_RECT_INIT (place.x, place.y,
                                                    place.fb_width * place.scale,
                                                    place.fb_height * place.scale));
}

static void
ob_kvm_canvas_unmap (GtkWidget *widget)
{
  ob_kvm_canvas_release_requests (OB_KVM_CANVAS (widget));

  GTK_WIDGET_CLASS (ob_kvm_canvas_parent_class)->unmap (widget);
}

static void
ob_kvm_canvas_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  ObKvmCanvas *self = OB_KVM_CANVAS (widget);
  int size = 0;

  if (self->framebuffer != NULL)
    size = orientation == GTK_ORIENTATION_HORIZONTAL
           ? (int) ob_framebuffer_get_width (self->framebuffer)
           : (int) ob_framebuffer_get_height (self->framebuffer);

  /* Fit shrinks to anything; 1:1 needs the whole screen (scrolled). */
  *minimum = self->scale_mode == OB_KVM_SCALE_ONE_TO_ONE ? size : 64;
  *natural = MAX (size, *minimum);
}

static void
on_damaged (ObKvmCanvas *self)
{
  /* Many updates between two frames make one texture. */
  self->dirty = TRUE;
  ob_kvm_canvas_hold_requests (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_resized (ObKvmCanvas *self)
{
  self->dirty = TRUE;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Input */

static void
ob_kvm_canvas_send_pointer (ObKvmCanvas *self)
{
  self->motion_pending = FALSE;
  self->last_motion = g_get_monotonic_time ();
  if (self->client != NULL && self->input_enabled)
    ob_rfb_client_pointer_event (self->client, self->buttons, self->last_x, self->last_y);
}

static gboolean
motion_timeout_cb (gpointer user_data)
{
  ObKvmCanvas *self = user_data;

  self->motion_source = 0;
  if (self->motion_pending)
    ob_kvm_canvas_send_pointer (self);
  return G_SOURCE_REMOVE;
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           ObKvmCanvas              *self)
{
  gint64 now = g_get_monotonic_time ();

  ob_kvm_canvas_widget_to_framebuffer (self, x, y, &self->last_x, &self->last_y);
  if (now - self->last_motion >= MOTION_INTERVAL_US)
    {
      ob_kvm_canvas_send_pointer (self);
      return;
    }

  /* The last position of a burst is always sent. */
  self->motion_pending = TRUE;
  if (self->motion_source == 0)
    self->motion_source = g_timeout_add ((MOTION_INTERVAL_US - (now - self->last_motion)) / 1000 + 1,
                                         motion_timeout_cb, self);
}

static guint8
button_bit (guint button)
{
  switch (button)
    {
    case GDK_BUTTON_PRIMARY:
      return OB_RFB_BUTTON_LEFT;
    case GDK_BUTTON_MIDDLE:
      return OB_RFB_BUTTON_MIDDLE;
    case GDK_BUTTON_SECONDARY:
      return OB_RFB_BUTTON_RIGHT;
    default:
      return 0;
    }
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            ObKvmCanvas     *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  gtk_widget_grab_focus (GTK_WIDGET (self));
  ob_kvm_canvas_widget_to_framebuffer (self, x, y, &self->last_x, &self->last_y);
  self->buttons |= button_bit (button);
  ob_kvm_canvas_send_pointer (self);
}

static void
on_released (GtkGestureClick *gesture,
             int              n_press,
             double           x,
             double           y,
             ObKvmCanvas     *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  ob_kvm_canvas_widget_to_framebuffer (self, x, y, &self->last_x, &self->last_y);
  self->buttons &= ~button_bit (button);
  ob_kvm_canvas_send_pointer (self);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           ObKvmCanvas              *self)
{
  guint8 bit;
  int notches;

  if (dy == 0)
    return FALSE;

  /* A notch is the wheel button pressed and released (buttons 4 and 5). */
  bit = dy < 0 ? OB_RFB_BUTTON_WHEEL_UP : OB_RFB_BUTTON_WHEEL_DOWN;
  notches = MAX (1, (int) ABS (dy));
  for (int i = 0; i < notches && self->client != NULL && self->input_enabled; i++)
    {
      ob_rfb_client_pointer_event (self->client, self->buttons | bit, self->last_x, self->last_y);
      ob_rfb_client_pointer_event (self->client, self->buttons, self->last_x, self->last_y);
    }
  return TRUE;
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                ObKvmCanvas           *self)
{
  if (!self->keyboard_capture || self->client == NULL)
    return FALSE;

  if (self->input_enabled)
    {
      /* GDK keyvals are X11 keysyms, which is what RFB sends. */
      g_hash_table_insert (self->pressed, GUINT_TO_POINTER (keycode), GUINT_TO_POINTER (keyval));
      ob_rfb_client_key_event (self->client, keyval, TRUE);
    }
  return TRUE;
}

static void
on_key_released (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 ObKvmCanvas           *self)
{
  gpointer sent;

  if (self->client == NULL)
    return;

  if (g_hash_table_steal_extended (self->pressed, GUINT_TO_POINTER (keycode), NULL, &sent))
    ob_rfb_client_key_event (self->client, GPOINTER_TO_UINT (sent), FALSE);
}

static void
ob_kvm_canvas_release_all (ObKvmCanvas *self)
{
  g_hash_table_remove_all (self->pressed);
  if (self->client != NULL)
    ob_rfb_client_release_all_keys (self->client);
  if (self->buttons != 0)
    {
      self->buttons = 0;
      ob_kvm_canvas_send_pointer (self);
    }
}

static void
on_focus_leave (GtkEventControllerFocus *controller,
                ObKvmCanvas             *self)
{
  /* A key held while the window lost the focus would stay down on the
   * device (auto-repeat, a stuck Ctrl). */
  ob_kvm_canvas_release_all (self);
}

/* Client */

static void
ob_kvm_canvas_disconnect_framebuffer (ObKvmCanvas *self)
{
  if (self->framebuffer == NULL)
    return;

  g_clear_signal_handler (&self->damaged_id, self->framebuffer);
  g_clear_signal_handler (&self->resized_id, self->framebuffer);
  g_clear_object (&self->framebuffer);
}

void
ob_kvm_canvas_set_client (ObKvmCanvas *self,
                          ObRfbClient *client)
{
  g_return_if_fail (OB_IS_KVM_CANVAS (self));
  g_return_if_fail (client == NULL || OB_IS_RFB_CLIENT (client));

  if (self->client == client)
    return;

  g_hash_table_remove_all (self->pressed);
  self->buttons = 0;
  ob_kvm_canvas_release_requests (self);
  ob_kvm_canvas_disconnect_framebuffer (self);
  g_set_object (&self->client, client);
  self->frames_shown = 0;
  self->upload_time = 0;

  if (client != NULL && ob_rfb_client_get_framebuffer (client) != NULL)
    {
      self->framebuffer = g_object_ref (ob_rfb_client_get_framebuffer (client));
      self->damaged_id = g_signal_connect_swapped (self->framebuffer, "damaged",
                                                   G_CALLBACK (on_damaged), self);
      self->resized_id = g_signal_connect_swapped (self->framebuffer, "resized",
                                                   G_CALLBACK (on_resized), self);
      /* Whatever the framebuffer holds already is shown at once. */
      self->dirty = TRUE;
    }
  else
    {
      /* The last picture stays until a new client draws (a session that
       * ended still shows where it was). */
      self->dirty = FALSE;
    }

  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
}

ObRfbClient *
ob_kvm_canvas_get_client (ObKvmCanvas *self)
{
  g_return_val_if_fail (OB_IS_KVM_CANVAS (self), NULL);

  return self->client;
}

void
ob_kvm_canvas_set_scale_mode (ObKvmCanvas    *self,
                              ObKvmScaleMode  mode)
{
  g_return_if_fail (OB_IS_KVM_CANVAS (self));

  if (self->scale_mode == mode)
    return;

  self->scale_mode = mode;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE_MODE]);
}

ObKvmScaleMode
ob_kvm_canvas_get_scale_mode (ObKvmCanvas *self)
{
  g_return_val_if_fail (OB_IS_KVM_CANVAS (self), OB_KVM_SCALE_FIT);

  return self->scale_mode;
}

void
ob_kvm_canvas_set_keyboard_capture (ObKvmCanvas *self,
                                    gboolean     capture)
{
  g_return_if_fail (OB_IS_KVM_CANVAS (self));

  capture = !!capture;
  if (self->keyboard_capture == capture)
    return;

  self->keyboard_capture = capture;
  if (!capture)
    ob_kvm_canvas_release_all (self);
  else
    gtk_widget_grab_focus (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEYBOARD_CAPTURE]);
}

gboolean
ob_kvm_canvas_get_keyboard_capture (ObKvmCanvas *self)
{
  g_return_val_if_fail (OB_IS_KVM_CANVAS (self), FALSE);

  return self->keyboard_capture;
}

void
ob_kvm_canvas_set_input_enabled (ObKvmCanvas *self,
                                 gboolean     enabled)
{
  g_return_if_fail (OB_IS_KVM_CANVAS (self));

  self->input_enabled = !!enabled;
}

GdkTexture *
ob_kvm_canvas_dup_texture (ObKvmCanvas *self)
{
  g_return_val_if_fail (OB_IS_KVM_CANVAS (self), NULL);

  return self->texture != NULL ? g_object_ref (self->texture) : NULL;
}

guint64
ob_kvm_canvas_get_frames_shown (ObKvmCanvas *self)
{
  g_return_val_if_fail (OB_IS_KVM_CANVAS (self), 0);

  return self->frames_shown;
}

gint64
ob_kvm_canvas_get_upload_time (ObKvmCanvas *self)
{
  g_return_val_if_fail (OB_IS_KVM_CANVAS (self), 0);

  return self->upload_time;
}

/* GObject */

static void
ob_kvm_canvas_dispose (GObject *object)
{
  ObKvmCanvas *self = OB_KVM_CANVAS (object);

  g_clear_handle_id (&self->motion_source, g_source_remove);
  ob_kvm_canvas_release_requests (self);
  ob_kvm_canvas_disconnect_framebuffer (self);
  g_clear_object (&self->client);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (ob_kvm_canvas_parent_class)->dispose (object);
}

static void
ob_kvm_canvas_finalize (GObject *object)
{
  ObKvmCanvas *self = OB_KVM_CANVAS (object);

  g_hash_table_unref (self->pressed);

  G_OBJECT_CLASS (ob_kvm_canvas_parent_class)->finalize (object);
}

static void
ob_kvm_canvas_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObKvmCanvas *self = OB_KVM_CANVAS (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_SCALE_MODE:
      g_value_set_enum (value, self->scale_mode);
      break;
    case PROP_KEYBOARD_CAPTURE:
      g_value_set_boolean (value, self->keyboard_capture);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_kvm_canvas_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ObKvmCanvas *self = OB_KVM_CANVAS (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      ob_kvm_canvas_set_client (self, g_value_get_object (value));
      break;
    case PROP_SCALE_MODE:
      ob_kvm_canvas_set_scale_mode (self, g_value_get_enum (value));
      break;
    case PROP_KEYBOARD_CAPTURE:
      ob_kvm_canvas_set_keyboard_capture (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_kvm_canvas_class_init (ObKvmCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_kvm_canvas_dispose;
  object_class->finalize = ob_kvm_canvas_finalize;
  object_class->get_property = ob_kvm_canvas_get_property;
  object_class->set_property = ob_kvm_canvas_set_property;

  widget_class->snapshot = ob_kvm_canvas_snapshot;
  widget_class->measure = ob_kvm_canvas_measure;
  widget_class->unmap = ob_kvm_canvas_unmap;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         OB_TYPE_RFB_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SCALE_MODE] =
    g_param_spec_enum ("scale-mode", NULL, NULL,
                       OB_TYPE_KVM_SCALE_MODE, OB_KVM_SCALE_FIT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_KEYBOARD_CAPTURE] =
    g_param_spec_boolean ("keyboard-capture", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "kvmcanvas");
}

static void
ob_kvm_canvas_init (ObKvmCanvas *self)
{
  GtkEventController *controller;
  GtkGesture *click;

  self->pressed = g_hash_table_new (NULL, NULL);
  self->keyboard_capture = TRUE;
  self->input_enabled = TRUE;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  /* AMT streams no cursor: the local one stays, as a crosshair that
   * shows exactly which pixel a click lands on. */
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  g_signal_connect (click, "released", G_CALLBACK (on_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL |
                                                GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  g_signal_connect (controller, "key-released", G_CALLBACK (on_key_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "leave", G_CALLBACK (on_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

GtkWidget *
ob_kvm_canvas_new (void)
{
  return g_object_new (OB_TYPE_KVM_CANVAS, NULL);
}
