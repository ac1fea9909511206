/* test-ui-kvm.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ob-device-page.h"
#include "ob-kvm-canvas.h"
#include "ob-kvm-window.h"
#include "ob-redir-message.h"
#include "ui-test-util.h"

/* The KVM window against a simulated LAN device in this process: WS-Man
 * and the redirection service on loopback, reached through the device's
 * own transport (ui-test-util's UiTestLanDevice). */

#define DEVICE_PASSWORD "Kvm-Test-P4ss!"
/* A fixed clock keeps the simulated screen still between two reads. */
#define FIXED_TIME      1780000000

/* ---- Shared state --------------------------------------------------- */

typedef struct
{
  UiTestLanDevice lan;
  ObSimScreen *screen;
  GtkWindow *page_window;
  ObKvmWindow *kvm;
} Env;

static Env env;

static gboolean
kvm_connected (gpointer data)
{
  return ob_kvm_window_get_state (OB_KVM_WINDOW (data)) == OB_KVM_WINDOW_STATE_CONNECTED &&
         ob_kvm_canvas_get_frames_shown (ob_kvm_window_get_canvas (OB_KVM_WINDOW (data))) > 0;
}

static gboolean
kvm_ended (gpointer data)
{
  return ob_kvm_window_get_state (OB_KVM_WINDOW (data)) == OB_KVM_WINDOW_STATE_ENDED;
}

static gboolean
consent_dialog_shown (gpointer data)
{
  GtkWindow *dialog = ob_kvm_window_get_consent_dialog (OB_KVM_WINDOW (data));

  return dialog != NULL && gtk_widget_get_mapped (GTK_WIDGET (dialog)) &&
         kvm_connected (data);
}

static gboolean
no_kvm_session (gpointer data)
{
  return !ob_sim_redir_server_has_session (env.lan.redir, OB_REDIR_SESSION_KVM);
}

static ObFramebuffer *
framebuffer (void)
{
  ObRfbClient *client = ob_kvm_window_get_client (env.kvm);

  g_assert_nonnull (client);
  return ob_rfb_client_get_framebuffer (client);
}

/* Every 37th pixel of the framebuffer against the simulator's screen,
 * channel by channel within @tolerance (the wire format drops bits). */
static gboolean
framebuffer_matches_screen (guint tolerance)
{
  ObFramebuffer *fb = framebuffer ();
  guint width = ob_framebuffer_get_width (fb);
  guint height = ob_framebuffer_get_height (fb);

  if (width != ob_sim_screen_get_width (env.screen) || height != ob_sim_screen_get_height (env.screen))
    return FALSE;

  for (guint i = 0; i < width * height; i += 37)
    {
      guint x = i % width, y = i / width;
      guint32 a = ob_framebuffer_get_pixel (fb, x, y);
      guint32 b = ob_sim_screen_get_pixel (env.screen, x, y);

      for (guint shift = 0; shift < 24; shift += 8)
        if (ABS ((int) ((a >> shift) & 0xFF) - (int) ((b >> shift) & 0xFF)) > (int) tolerance)
          return FALSE;
    }
  return TRUE;
}

static gboolean
matches_16bit (gpointer data)
{
  /* RGB565: 3 bits lost in red and blue, 2 in green. */
  return framebuffer_matches_screen (8);
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        return controller;
    }
  g_assert_not_reached ();
}

/* Keys as GTK delivers them to the canvas: through its key controller. */
static void
press_key (guint keyval,
           guint keycode)
{
  GtkEventController *keys = find_controller (GTK_WIDGET (ob_kvm_window_get_canvas (env.kvm)),
                                              GTK_TYPE_EVENT_CONTROLLER_KEY);
  gboolean handled = FALSE;

  g_signal_emit_by_name (keys, "key-pressed", keyval, keycode, (GdkModifierType) 0, &handled);
  g_signal_emit_by_name (keys, "key-released", keyval, keycode, (GdkModifierType) 0);
}

static void
type_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    press_key (gdk_unicode_to_keyval ((guchar) *p), 10 + (guchar) *p);
}

static gboolean
typed_text_is (gpointer data)
{
  return g_strcmp0 (ob_sim_screen_get_typed_text (env.screen), data) == 0;
}

static gboolean
line_typed (gpointer data)
{
  g_auto(GStrv) lines = ob_sim_screen_dup_typed_lines (env.screen);

  return lines != NULL && g_strv_contains ((const char * const *) lines, data);
}

typedef struct
{
  ObKvmCanvas *canvas;
  guint64 frames;
} FrameWait;

static gboolean
canvas_drew_more (gpointer data)
{
  FrameWait *wait = data;

  return ob_kvm_canvas_get_frames_shown (wait->canvas) > wait->frames;
}

static gboolean
sim_saw_ctrl_alt_del (gpointer data)
{
  return ob_sim_screen_get_ctrl_alt_del (env.screen);
}

static gboolean
sim_clicks_at_least (gpointer data)
{
  return ob_sim_screen_get_n_clicks (env.screen) >= GPOINTER_TO_UINT (data);
}

/* Renders @widget as it is on screen (its window's renderer). */
static GdkTexture *
render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

/* ---- Tests ------------------------------------------------------------ */

/* The device page offers the remote desktop once it knows KVM is on, and
 * opening it connects and shows the simulator's screen. */
static void
test_open_from_device_page (void)
{
  GtkWidget *page = ob_device_page_new (env.lan.device, NULL);
  g_autoptr(GListModel) toplevels = NULL;
  guint n;

  env.page_window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (env.page_window, 900, 600);
  gtk_window_set_child (env.page_window, page);
  gtk_window_present (env.page_window);
  wait_for (widget_is_mapped, page, "the device page");
  g_assert_true (ob_device_get_kvm_enabled (env.lan.device));

  toplevels = g_object_ref (gtk_window_get_toplevels ());
  n = g_list_model_get_n_items (toplevels);
  g_assert_true (gtk_widget_activate_action (page, "device.kvm", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (toplevels), ==, n + 1);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (OB_IS_KVM_WINDOW (window))
        env.kvm = OB_KVM_WINDOW (window);
    }
  g_assert_nonnull (env.kvm);
  g_assert_true (ob_kvm_window_get_device (env.kvm) == env.lan.device);
  gtk_window_set_default_size (GTK_WINDOW (env.kvm), 900, 640);

  wait_for (kvm_connected, env.kvm, "the KVM session");
  g_assert_false (ob_kvm_window_get_consent_pending (env.kvm));
  g_assert_null (ob_kvm_window_get_end_message (env.kvm));
  wait_for (matches_16bit, NULL, "the simulator's screen in the framebuffer");
}

static void
test_canvas_shows_screen (void)
{
  ObKvmCanvas *canvas = ob_kvm_window_get_canvas (env.kvm);
  ObFramebuffer *fb = framebuffer ();
  guint width = ob_framebuffer_get_width (fb), height = ob_framebuffer_get_height (fb);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkTexture) rendered = NULL;
  g_autofree guchar *pixels = NULL;
  g_autofree guchar *shown = NULL;
  guint fb_x, fb_y;
  double fb_sum = 0, shown_sum = 0;
  guint fb_n = 0, shown_n = 0;
  int cw, ch;

  wait_frames (GTK_WIDGET (canvas));

  /* The texture the canvas drew is the framebuffer, pixel for pixel. */
  texture = ob_kvm_canvas_dup_texture (canvas);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, height);
  pixels = g_malloc (width * height * 4);
  gdk_texture_download (texture, pixels, width * 4);
  for (guint i = 0; i < width * height; i += 101)
    {
      guint32 want = ob_framebuffer_get_pixel (fb, i % width, i / width);
      const guchar *p = pixels + i * 4;   /* CAIRO_FORMAT_ARGB32: B G R A */
      guint32 got = 0xFF000000u | (p[2] << 16) | (p[1] << 8) | p[0];

      g_assert_cmphex (got, ==, want);
    }

  /* Fit to window: the picture fills the canvas one way, centred. */
  cw = gtk_widget_get_width (GTK_WIDGET (canvas));
  ch = gtk_widget_get_height (GTK_WIDGET (canvas));
  g_assert_true (ob_kvm_canvas_widget_to_framebuffer (canvas, cw / 2.0, ch / 2.0, &fb_x, &fb_y));
  g_assert_cmpuint (fb_x, >=, width / 2 - 2);
  g_assert_cmpuint (fb_x, <=, width / 2 + 2);
  g_assert_cmpuint (fb_y, >=, height / 2 - 2);
  g_assert_cmpuint (fb_y, <=, height / 2 + 2);

  /* What is on screen has the framebuffer's overall brightness. */
  rendered = render_widget (GTK_WIDGET (canvas));
  shown = g_malloc (cw * ch * 4);
  gdk_texture_download (rendered, shown, cw * 4);
  for (int y = 0; y < ch; y += 3)
    for (int x = 0; x < cw; x += 3)
      if (ob_kvm_canvas_widget_to_framebuffer (canvas, x, y, NULL, NULL))
        {
          const guchar *p = shown + (y * cw + x) * 4;

          shown_sum += p[0] + p[1] + p[2];
          shown_n++;
        }
  for (guint i = 0; i < width * height; i += 7)
    {
      guint32 v = ob_framebuffer_get_pixel (fb, i % width, i / width);

      fb_sum += (v & 0xFF) + ((v >> 8) & 0xFF) + ((v >> 16) & 0xFF);
      fb_n++;
    }
  g_assert_cmpuint (shown_n, >, 1000);
  g_assert_cmpfloat (ABS (shown_sum / shown_n - fb_sum / fb_n), <, 12.0);

  /* 1:1: the canvas asks for the whole screen; fit again afterwards. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.scale-mode", "s", "one-to-one"));
  g_assert_cmpint (ob_kvm_canvas_get_scale_mode (canvas), ==, OB_KVM_SCALE_ONE_TO_ONE);
  wait_frames (GTK_WIDGET (canvas));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (canvas)), >=, (int) width);
  g_assert_true (ob_kvm_canvas_widget_to_framebuffer (canvas, 10.5, 20.5, &fb_x, &fb_y));
  g_assert_cmpuint (fb_x, ==, 10);
  g_assert_cmpuint (fb_y, ==, 20);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.scale-mode", "s", "fit"));
  wait_frames (GTK_WIDGET (canvas));
}

static void
test_input (void)
{
  ObKvmCanvas *canvas = ob_kvm_window_get_canvas (env.kvm);
  ObRfbClient *client = ob_kvm_window_get_client (env.kvm);
  FrameWait frames = { canvas, 0 };
  guint clicks = ob_sim_screen_get_n_clicks (env.screen);

  gtk_widget_grab_focus (GTK_WIDGET (canvas));
  frames.frames = ob_kvm_canvas_get_frames_shown (canvas);
  type_text ("hello kvm");
  wait_for (typed_text_is, (gpointer) "hello kvm", "the typed keys on the simulated screen");
  /* The echo comes back as a new picture. */
  wait_for (canvas_drew_more, &frames, "the echo drawn");

  /* With the keyboard not captured, keys stay local. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.keyboard-capture", NULL));
  g_assert_false (ob_kvm_canvas_get_keyboard_capture (canvas));
  type_text ("X");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.keyboard-capture", NULL));
  g_assert_true (ob_kvm_canvas_get_keyboard_capture (canvas));
  type_text ("!");
  press_key (GDK_KEY_Return, 36);
  wait_for (line_typed, (gpointer) "hello kvm!", "the line ended with Return");

  /* Special keys from the menu. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.send-keys", "s",
                                             "Control_L+Alt_L+Delete"));
  wait_for (sim_saw_ctrl_alt_del, NULL, "Ctrl+Alt+Del on the device");

  /* A click at a framebuffer position. */
  ob_rfb_client_pointer_event (client, OB_RFB_BUTTON_LEFT, 200, 150);
  ob_rfb_client_pointer_event (client, 0, 200, 150);
  wait_for (sim_clicks_at_least, GUINT_TO_POINTER (clicks + 1), "the click on the device");
}

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

static gboolean
shortcuts_inhibited_is (gpointer data)
{
  return ob_kvm_window_get_shortcuts_inhibited (env.kvm) == GPOINTER_TO_INT (data);
}

/* What the desktop says it granted; X11 answers with a keyboard grab,
 * which Xvfb gives at once. */
static gboolean
toplevel_inhibited (void)
{
  gboolean inhibited = FALSE;

  g_object_get (gtk_native_get_surface (GTK_NATIVE (env.kvm)), "shortcuts-inhibited", &inhibited, NULL);
  return inhibited;
}

/* With the keyboard captured and the window focused, the desktop's own
 * shortcuts (Alt+Tab …) are inhibited so they go to the device; not
 * when capture is off or another window has the focus. */
static void
test_shortcuts_inhibit (void)
{
  GtkWidget *other = gtk_window_new ();

  gtk_window_present (GTK_WINDOW (env.kvm));
  wait_for (window_is_active, env.kvm, "the KVM window focused");
  g_assert_true (ob_kvm_canvas_get_keyboard_capture (ob_kvm_window_get_canvas (env.kvm)));
  wait_for (shortcuts_inhibited_is, GINT_TO_POINTER (TRUE), "shortcuts inhibited");
  g_test_message ("the desktop granted the inhibition: %s", toplevel_inhibited () ? "yes" : "no");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.keyboard-capture", NULL));
  g_assert_false (ob_kvm_window_get_shortcuts_inhibited (env.kvm));
  g_assert_false (toplevel_inhibited ());
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.keyboard-capture", NULL));
  g_assert_true (ob_kvm_window_get_shortcuts_inhibited (env.kvm));

  /* Another window takes the focus, then gives it back. */
  gtk_window_present (GTK_WINDOW (other));
  wait_for (window_is_active, other, "the other window focused");
  wait_for (shortcuts_inhibited_is, GINT_TO_POINTER (FALSE), "shortcuts restored without the focus");
  g_assert_false (toplevel_inhibited ());
  gtk_window_destroy (GTK_WINDOW (other));
  gtk_window_present (GTK_WINDOW (env.kvm));
  wait_for (window_is_active, env.kvm, "the KVM window focused again");
  wait_for (shortcuts_inhibited_is, GINT_TO_POINTER (TRUE), "shortcuts inhibited again");
}

static gboolean
depth_is (gpointer data)
{
  ObRfbClient *client = ob_kvm_window_get_client (env.kvm);

  return client != NULL && ob_rfb_client_get_depth (client) == GPOINTER_TO_INT (data);
}

static gboolean
framebuffer_is_grey (gpointer data)
{
  ObFramebuffer *fb = framebuffer ();
  guint n = ob_framebuffer_get_width (fb) * ob_framebuffer_get_height (fb);
  gboolean coloured = FALSE;

  for (guint i = 0; i < n; i += 53)
    {
      guint32 v = ob_framebuffer_get_pixel (fb, i % ob_framebuffer_get_width (fb), i / ob_framebuffer_get_width (fb));

      if ((v & 0xFF) != ((v >> 8) & 0xFF) || (v & 0xFF) != ((v >> 16) & 0xFF))
        coloured = TRUE;
    }
  return !coloured;
}

/* RGB332: blue has four levels. */
static gboolean
framebuffer_is_rgb332 (gpointer data)
{
  ObFramebuffer *fb = framebuffer ();
  guint w = ob_framebuffer_get_width (fb);
  guint n = w * ob_framebuffer_get_height (fb);
  gboolean coloured = FALSE;

  for (guint i = 0; i < n; i += 53)
    {
      guint32 v = ob_framebuffer_get_pixel (fb, i % w, i / w);
      guint blue = v & 0xFF;

      if (blue != 0 && blue != 85 && blue != 170 && blue != 255)
        return FALSE;
      if ((v & 0xFF) != ((v >> 16) & 0xFF))
        coloured = TRUE;
    }
  return coloured;
}

static void
test_depth (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.color-depth", "s", "8"));
  wait_for (depth_is, GINT_TO_POINTER (OB_RFB_DEPTH_8), "8-bit colour");
  wait_for (framebuffer_is_rgb332, NULL, "an RGB332 picture");
  save_screenshot (GTK_WIDGET (env.kvm), "kvm-8bit.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.color-depth", "s", "grey"));
  wait_for (depth_is, GINT_TO_POINTER (OB_RFB_DEPTH_GREY8), "greyscale");
  wait_for (framebuffer_is_grey, NULL, "a grey picture");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.color-depth", "s", "16"));
  wait_for (depth_is, GINT_TO_POINTER (OB_RFB_DEPTH_16), "16-bit colour");
  wait_for (matches_16bit, NULL, "the 16-bit picture again");
}

static gboolean
status_has_fps (gpointer data)
{
  const char *text = ob_kvm_window_get_status_text (env.kvm);

  return text != NULL && strstr (text, "fps") != NULL && strstr (text, "kB/s") != NULL;
}

static gboolean
label_shown (gpointer data)
{
  GtkWidget *label = find_descendant (GTK_WIDGET (env.kvm), is_label_with_text, data);

  return label != NULL && gtk_widget_get_mapped (label);
}

static void
test_screenshot (void)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "outband-kvm-screenshot.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) png = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  ObFramebuffer *fb = framebuffer ();

  wait_for (status_has_fps, NULL, "the status line");
  g_test_message ("status: %s", ob_kvm_window_get_status_text (env.kvm));
  g_assert_nonnull (strstr (ob_kvm_window_get_status_text (env.kvm), "16-bit colour"));

  g_assert_true (ob_kvm_window_save_screenshot (env.kvm, file, &error));
  g_assert_no_error (error);
  png = gdk_texture_new_from_file (file, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (png), ==, ob_framebuffer_get_width (fb));
  g_assert_cmpint (gdk_texture_get_height (png), ==, ob_framebuffer_get_height (fb));
  g_unlink (path);

  save_screenshot (GTK_WIDGET (env.kvm), "kvm-window.png");

  /* The same through the header bar's button and the file chooser: a
   * name after the device and the time. */
  g_clear_pointer (&path, g_free);
  g_clear_object (&png);
  dir = g_dir_make_tmp ("ob-kvm-shot-XXXXXX", &error);
  g_assert_no_error (error);
  path = save_with_chooser (GTK_WIDGET (env.kvm), "kvm.screenshot", dir);
  name = g_path_get_basename (path);
  g_assert_true (g_str_has_prefix (name, "127.0.0.1-"));
  g_assert_true (g_str_has_suffix (name, ".png"));
  wait_for (label_shown, (gpointer) "Screenshot saved", "the toast after saving");
  png = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (png), ==, ob_framebuffer_get_width (fb));
  g_unlink (path);
  g_rmdir (dir);
}

static gboolean
consent_error_shown (gpointer data)
{
  return consent_dialog_shows_error (ob_kvm_window_get_consent_dialog (env.kvm), "not the code");
}

static gboolean
consent_done (gpointer data)
{
  return ob_kvm_window_get_consent_dialog (env.kvm) == NULL &&
         !ob_kvm_window_get_consent_pending (env.kvm);
}

/* Disconnect, turn consent on for KVM, reconnect: the code is asked for
 * while the screen (with the code on it) already streams. */
static void
test_consent (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *wrong = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.disconnect", NULL));
  wait_for (kvm_ended, env.kvm, "the session to end");
  g_assert_cmpstr (ob_kvm_window_get_end_message (env.kvm), ==, "Disconnected");
  g_assert_false (ob_kvm_window_get_shortcuts_inhibited (env.kvm));
  wait_for (no_kvm_session, NULL, "the device to see the session end");

  g_assert_true (ob_sim_device_set_opt_in_required (env.lan.sim, OB_SIM_OPT_IN_KVM, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.reconnect", NULL));
  wait_for (consent_dialog_shown, env.kvm, "the consent dialog over the streaming screen");
  g_assert_true (ob_kvm_window_get_consent_pending (env.kvm));
  /* Input does not go out yet, so the desktop keeps its shortcuts. */
  g_assert_false (ob_kvm_window_get_shortcuts_inhibited (env.kvm));
  code = g_strdup (ob_sim_device_get_consent_code (env.lan.sim));
  g_assert_nonnull (code);
  wait_for (matches_16bit, NULL, "the screen with the code on it");
  save_screenshot (GTK_WIDGET (env.kvm), "kvm-consent.png");

  /* Input is not sent while consent is pending. */
  type_text ("Q");

  wrong = g_strdup_printf ("%06u", (guint) ((g_ascii_strtoull (code, NULL, 10) + 1) % 1000000));
  consent_dialog_enter_code (ob_kvm_window_get_consent_dialog (env.kvm), wrong);
  wait_for (consent_error_shown, NULL, "the wrong code refused inline");
  g_assert_true (ob_kvm_window_get_consent_pending (env.kvm));
  g_assert_nonnull (ob_kvm_window_get_consent_dialog (env.kvm));

  consent_dialog_enter_code (ob_kvm_window_get_consent_dialog (env.kvm), code);
  wait_for (consent_done, NULL, "the right code accepted");
  g_assert_cmpint (ob_kvm_window_get_state (env.kvm), ==, OB_KVM_WINDOW_STATE_CONNECTED);

  type_text ("ok");
  press_key (GDK_KEY_Return, 36);
  wait_for (line_typed, (gpointer) "ok", "typing after consent");
}

static gboolean
kvm_ended_with (gpointer data)
{
  return kvm_ended (env.kvm) && g_strcmp0 (ob_kvm_window_get_end_message (env.kvm), data) == 0;
}

/* Cancelling the consent dialog withdraws the request; the session ends
 * with a message and a Reconnect button. */
static void
test_consent_cancel (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.disconnect", NULL));
  wait_for (no_kvm_session, NULL, "the device to see the session end");
  /* The consent given above was used by that session. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.reconnect", NULL));
  wait_for (consent_dialog_shown, env.kvm, "the consent dialog again");
  consent_dialog_cancel (ob_kvm_window_get_consent_dialog (env.kvm));
  wait_for (kvm_ended_with, (gpointer) "User consent cancelled", "the cancelled session");
  g_assert_null (ob_sim_device_get_consent_code (env.lan.sim));
  g_assert_true (gtk_widget_get_visible (find_descendant (GTK_WIDGET (env.kvm), is_button_labelled, "_Reconnect")));
}

static void
test_kvm_disabled (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ob_sim_device_set_opt_in_required (env.lan.sim, OB_SIM_OPT_IN_NONE, NULL, &error));
  g_assert_cmpuint (ob_sim_device_request_kvm_state (env.lan.sim, 3, NULL), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.reconnect", NULL));
  wait_for (kvm_ended_with, (gpointer) "KVM is disabled on this device", "the KVM-disabled message");
  save_screenshot (GTK_WIDGET (env.kvm), "kvm-disabled.png");

  g_assert_cmpuint (ob_sim_device_request_kvm_state (env.lan.sim, 2, NULL), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.reconnect", NULL));
  wait_for (kvm_connected, env.kvm, "the session after KVM is back on");
}

static gboolean
sim_power_is (gpointer data)
{
  return ob_sim_device_get_power_state (env.lan.sim) == GPOINTER_TO_UINT (data);
}

static gboolean
screen_scene_is (gpointer data)
{
  return ob_sim_screen_get_scene (env.screen) == GPOINTER_TO_INT (data) && matches_16bit (NULL);
}

/* The device's power actions from the KVM window's header bar: off (with
 * the confirmation), the screen goes dark in the session, then on. */
static void
test_power (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.power", "i", 8));
  answer_message_dialog (GTK_WINDOW (env.kvm), "run");
  wait_for (sim_power_is, GUINT_TO_POINTER (8), "the device powered off");
  wait_for (screen_scene_is, GINT_TO_POINTER (OB_SIM_SCREEN_SCENE_OFF), "the dark screen in the session");
  g_assert_cmpint (ob_kvm_window_get_state (env.kvm), ==, OB_KVM_WINDOW_STATE_CONNECTED);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (env.kvm), "kvm.power", "i", 2));
  wait_for (sim_power_is, GUINT_TO_POINTER (2), "the device powered on");
  g_assert_cmpint (ob_kvm_window_get_state (env.kvm), ==, OB_KVM_WINDOW_STATE_CONNECTED);
}

/* The device closes the session (what an idle timeout or a lost link looks
 * like from here): the window says so. */
static void
test_device_ends (void)
{
  ob_sim_redir_server_stop (env.lan.redir);
  wait_for (kvm_ended, env.kvm, "the end seen by the window");
  g_assert_nonnull (ob_kvm_window_get_end_message (env.kvm));
  g_assert_cmpstr (ob_kvm_window_get_end_message (env.kvm), !=, "Disconnected");
  g_test_message ("after the device closed: %s", ob_kvm_window_get_end_message (env.kvm));
}

/* ---- Over CIRA ---------------------------------------------------------- */

#define CIRA_GUID     "5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"

typedef struct
{
  ObKvmWindow *window;
  ObSimScreen *screen;
} CiraMatch;

static gboolean
cira_screen_shown (gpointer data)
{
  CiraMatch *m = data;
  ObRfbClient *client = ob_kvm_window_get_client (m->window);
  ObFramebuffer *fb;

  if (!kvm_connected (m->window) || client == NULL)
    return FALSE;
  fb = ob_rfb_client_get_framebuffer (client);
  if (ob_framebuffer_get_width (fb) != ob_sim_screen_get_width (m->screen))
    return FALSE;
  for (guint y = 0; y < ob_framebuffer_get_height (fb); y += 17)
    for (guint x = 0; x < ob_framebuffer_get_width (fb); x += 23)
      {
        guint32 a = ob_framebuffer_get_pixel (fb, x, y), b = ob_sim_screen_get_pixel (m->screen, x, y);

        for (guint shift = 0; shift < 24; shift += 8)
          if (ABS ((int) ((a >> shift) & 0xFF) - (int) ((b >> shift) & 0xFF)) > 8)
            return FALSE;
      }
  return TRUE;
}

static gboolean
cira_typed (gpointer data)
{
  return g_strcmp0 (ob_sim_screen_get_typed_text (((CiraMatch *) data)->screen), "cira") == 0;
}

/* The same window on a device that calls in: its stream is an APF channel
 * to 16994 through the MPS. */
static void
test_cira (void)
{
  UiTestCiraDevice cira;
  ObKvmWindow *window;
  CiraMatch m;

  ui_test_cira_device_init (&cira, CIRA_GUID, "cira-desk", DEVICE_PASSWORD);
  ob_sim_redir_server_set_screen_size (cira.redir, 800, 600);
  ob_sim_screen_set_fixed_time (ob_sim_redir_server_get_screen (cira.redir), FIXED_TIME);

  window = OB_KVM_WINDOW (ob_kvm_window_new (cira.device));
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  gtk_window_present (GTK_WINDOW (window));
  m.window = window;
  m.screen = ob_sim_redir_server_get_screen (cira.redir);
  wait_for (cira_screen_shown, &m, "the CIRA device's screen");

  {
    ObKvmWindow *lan = env.kvm;

    env.kvm = window;
    gtk_widget_grab_focus (GTK_WIDGET (ob_kvm_window_get_canvas (window)));
    type_text ("cira");
    env.kvm = lan;
  }
  wait_for (cira_typed, &m, "the keys typed over CIRA");
  wait_for (cira_screen_shown, &m, "the echo over CIRA");
  save_screenshot (GTK_WIDGET (window), "kvm-cira.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "kvm.disconnect", NULL));
  wait_for (kvm_ended, window, "the CIRA session to end");
  gtk_window_destroy (GTK_WINDOW (window));

  ui_test_cira_device_clear (&cira);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  ui_test_init (&argc, &argv);
  ui_test_lan_device_init (&env.lan, "kvm-test-pc", DEVICE_PASSWORD);
  env.screen = ob_sim_redir_server_get_screen (env.lan.redir);
  ob_sim_screen_set_fixed_time (env.screen, FIXED_TIME);
  /* In order: each test goes on from where the one before left off. */
  g_test_add_func ("/ui/kvm/open", test_open_from_device_page);
  g_test_add_func ("/ui/kvm/canvas", test_canvas_shows_screen);
  g_test_add_func ("/ui/kvm/input", test_input);
  g_test_add_func ("/ui/kvm/shortcuts-inhibit", test_shortcuts_inhibit);
  g_test_add_func ("/ui/kvm/depth", test_depth);
  g_test_add_func ("/ui/kvm/screenshot", test_screenshot);
  g_test_add_func ("/ui/kvm/consent", test_consent);
  g_test_add_func ("/ui/kvm/consent-cancel", test_consent_cancel);
  g_test_add_func ("/ui/kvm/kvm-disabled", test_kvm_disabled);
  g_test_add_func ("/ui/kvm/power", test_power);
  g_test_add_func ("/ui/kvm/device-ends", test_device_ends);
  g_test_add_func ("/ui/kvm/cira", test_cira);

  result = g_test_run ();

  if (env.kvm != NULL)
    gtk_window_destroy (GTK_WINDOW (env.kvm));
  if (env.page_window != NULL)
    gtk_window_destroy (env.page_window);
  ui_test_lan_device_clear (&env.lan);

  return result;
}
