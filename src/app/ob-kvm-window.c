/* ob-kvm-window.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ob-kvm-window.h"
#include "ob-redir-controller.h"

struct _ObKvmWindow
{
  AdwWindow parent_instance;

  ObDevice *device;
  ObRedirController *controller;
  ObRfbClient *client;
  gulong closed_id;

  ObRfbDepth depth;
  ObKvmScaleMode scale_mode;
  gboolean keyboard_capture;
  gboolean shortcuts_inhibited;
  char *status_text;
  guint status_source;
  guint64 last_frames;
  guint64 last_bytes;
  gint64 last_status_time;
  double fps;
  double kbps;

  AdwWindowTitle *window_title;
  AdwHeaderBar *header_bar;
  GtkMenuButton *power_button;
  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  AdwStatusPage *connecting_page;
  AdwStatusPage *ended_page;
  GtkSpinner *connecting_spinner;
  GtkScrolledWindow *scroller;
  ObKvmCanvas *canvas;
  GtkLabel *status_label;
  GtkLabel *consent_label;
};

/* The window's states are the controller's. */
G_STATIC_ASSERT ((int) OB_KVM_WINDOW_STATE_CONNECTING == (int) OB_REDIR_CONTROLLER_STATE_CONNECTING);
G_STATIC_ASSERT ((int) OB_KVM_WINDOW_STATE_CONNECTED == (int) OB_REDIR_CONTROLLER_STATE_CONNECTED);
G_STATIC_ASSERT ((int) OB_KVM_WINDOW_STATE_ENDED == (int) OB_REDIR_CONTROLLER_STATE_ENDED);

G_DEFINE_FINAL_TYPE (ObKvmWindow, ob_kvm_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_DEVICE,
  PROP_STATE,
  PROP_COLOR_DEPTH,
  PROP_SCALE_MODE,
  PROP_KEYBOARD_CAPTURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Status line */

static const char *
depth_label (ObRfbDepth depth)
{
  switch (depth)
    {
    case OB_RFB_DEPTH_8:
      return _("8-bit colour");
    case OB_RFB_DEPTH_GREY8:
    case OB_RFB_DEPTH_GREY4:
      return _("greyscale");
    case OB_RFB_DEPTH_32:
      return _("24-bit colour");
    case OB_RFB_DEPTH_16:
    default:
      return _("16-bit colour");
    }
}

static void
ob_kvm_window_set_status (ObKvmWindow *self,
                          char        *text)
{
  g_free (self->status_text);
  self->status_text = text;
  gtk_label_set_label (self->status_label, text != NULL ? text : "");
}

static void
ob_kvm_window_format_status (ObKvmWindow *self)
{
  ObFramebuffer *framebuffer;

  if (self->client == NULL || self->status_source == 0)
    return;

  framebuffer = ob_rfb_client_get_framebuffer (self->client);
  /* Translators: the KVM status line: frames per second, kilobytes per
   * second received, colour depth, screen size, e.g.
   * "12 fps · 85 kB/s · 16-bit colour · 1024×768" */
  ob_kvm_window_set_status (self,
                            g_strdup_printf (_("%.0f fps · %.0f kB/s · %s · %u×%u"),
                                             self->fps, self->kbps, depth_label (self->depth),
                                             framebuffer != NULL ? ob_framebuffer_get_width (framebuffer) : 0,
                                             framebuffer != NULL ? ob_framebuffer_get_height (framebuffer) : 0));
}

static gboolean
status_tick_cb (gpointer user_data)
{
  ObKvmWindow *self = user_data;
  gint64 now = g_get_monotonic_time ();
  guint64 frames, bytes;
  double seconds;

  if (self->client == NULL)
    return G_SOURCE_CONTINUE;

  frames = ob_kvm_canvas_get_frames_shown (self->canvas);
  bytes = ob_rfb_client_get_bytes_received (self->client);
  seconds = (now - self->last_status_time) / (double) G_USEC_PER_SEC;
  if (seconds <= 0)
    return G_SOURCE_CONTINUE;

  self->fps = (frames - self->last_frames) / seconds;
  self->kbps = (bytes - self->last_bytes) / 1024.0 / seconds;
  self->last_frames = frames;
  self->last_bytes = bytes;
  self->last_status_time = now;
  ob_kvm_window_format_status (self);
  return G_SOURCE_CONTINUE;
}

/* State */
/* State */

static ObKvmWindowState
ob_kvm_window_state (ObKvmWindow *self)
{
  if (self->controller == NULL)
    return OB_KVM_WINDOW_STATE_CONNECTING;
  return (ObKvmWindowState) ob_redir_controller_get_state (self->controller);
}

static gboolean
ob_kvm_window_input_goes_out (ObKvmWindow *self)
{
  return ob_kvm_window_state (self) == OB_KVM_WINDOW_STATE_CONNECTED &&
         !ob_redir_controller_get_consent_pending (self->controller);
}

/* With the keyboard captured, the keys the desktop keeps for itself
 * (Alt+Tab, Super …) go to the device too, while this window has the
 * focus and input goes out. */
static void
ob_kvm_window_update_shortcuts_inhibit (ObKvmWindow *self)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));
  gboolean inhibit;

  if (surface == NULL || !GDK_IS_TOPLEVEL (surface))
    return;

  inhibit = self->keyboard_capture &&
            gtk_window_is_active (GTK_WINDOW (self)) &&
            ob_kvm_window_input_goes_out (self);
  if (inhibit == self->shortcuts_inhibited)
    return;

  self->shortcuts_inhibited = inhibit;
  if (inhibit)
    gdk_toplevel_inhibit_system_shortcuts (GDK_TOPLEVEL (surface), NULL);
  else
    gdk_toplevel_restore_system_shortcuts (GDK_TOPLEVEL (surface));
}

static void
ob_kvm_window_update_actions (ObKvmWindow *self)
{
  ObKvmWindowState state = ob_kvm_window_state (self);
  gboolean connected = state == OB_KVM_WINDOW_STATE_CONNECTED;
  gboolean input = ob_kvm_window_input_goes_out (self);
  g_autoptr(GdkTexture) picture = ob_kvm_canvas_dup_texture (self->canvas);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.disconnect",
                                 state != OB_KVM_WINDOW_STATE_ENDED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.reconnect",
                                 state == OB_KVM_WINDOW_STATE_ENDED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.send-keys", input);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.screenshot",
                                 picture != NULL || connected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "kvm.refresh", connected);
  gtk_widget_set_visible (GTK_WIDGET (self->consent_label), connected && !input);
  ob_kvm_canvas_set_input_enabled (self->canvas, input);
  ob_kvm_window_update_shortcuts_inhibit (self);
}

static void
on_controller_state (ObKvmWindow *self)
{
  switch (ob_kvm_window_state (self))
    {
    case OB_KVM_WINDOW_STATE_CONNECTING:
      gtk_stack_set_visible_child_name (self->stack, "connecting");
      gtk_spinner_start (self->connecting_spinner);
      ob_kvm_window_set_status (self, g_strdup (_("Connecting…")));
      break;
    case OB_KVM_WINDOW_STATE_CONNECTED:
      gtk_stack_set_visible_child_name (self->stack, "screen");
      gtk_spinner_stop (self->connecting_spinner);
      gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
      break;
    case OB_KVM_WINDOW_STATE_ENDED:
    default:
      adw_status_page_set_title (self->ended_page, ob_redir_controller_get_end_title (self->controller));
      adw_status_page_set_description (self->ended_page,
                                       ob_redir_controller_get_end_description (self->controller));
      gtk_stack_set_visible_child_name (self->stack, "ended");
      gtk_spinner_stop (self->connecting_spinner);
      ob_kvm_window_set_status (self, NULL);
      break;
    }

  ob_kvm_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
on_consent_pending (ObKvmWindow *self)
{
  ob_kvm_window_update_actions (self);
  if (ob_kvm_window_input_goes_out (self))
    gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

static void
ob_kvm_window_drop_session (ObKvmWindow *self)
{
  g_clear_handle_id (&self->status_source, g_source_remove);

  if (self->client != NULL)
    {
      g_clear_signal_handler (&self->closed_id, self->client);
      ob_rfb_client_close (self->client);
      g_clear_object (&self->client);
    }
  ob_kvm_canvas_set_client (self->canvas, NULL);
}

static void
on_client_closed (ObRfbClient  *client,
                  const GError *error,
                  ObKvmWindow  *self)
{
  ob_redir_controller_session_closed (self->controller, error);
}

/* Connecting: the controller starts the redirection session, RFB runs
 * on top of it. */

static void
on_rfb_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObKvmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  ObRfbClient *client = OB_RFB_CLIENT (source);

  if (!ob_rfb_client_connect_finish (client, result, &error))
    {
      if (self->client != client)
        return;
      ob_redir_controller_end_with_error (self->controller, error);
      return;
    }
  if (self->client != client)
    return;

  ob_kvm_canvas_set_client (self->canvas, client);
  self->last_frames = 0;
  self->last_bytes = ob_rfb_client_get_bytes_received (client);
  self->last_status_time = g_get_monotonic_time ();
  self->fps = 0;
  self->kbps = 0;
  self->status_source = g_timeout_add_seconds (1, status_tick_cb, self);
  ob_kvm_window_set_status (self, g_strdup (depth_label (self->depth)));
  ob_redir_controller_set_connected (self->controller);
}

static void
on_session_started (ObRedirController *controller,
                    ObRedirSession    *session,
                    ObKvmWindow       *self)
{
  self->client = ob_redir_session_create_rfb_client (session);
  ob_rfb_client_set_depth (self->client, self->depth);
  self->closed_id = g_signal_connect (self->client, "closed", G_CALLBACK (on_client_closed), self);
  ob_rfb_client_connect_async (self->client, ob_redir_controller_get_cancellable (controller),
                               on_rfb_connected, g_object_ref (self));
}

static void
ob_kvm_window_power_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ObKvmWindow *self = OB_KVM_WINDOW (widget);

  ob_redir_controller_power_action (self->controller, g_variant_get_int32 (param), FALSE);
}

static void
ob_kvm_window_send_keys_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ObKvmWindow *self = OB_KVM_WINDOW (widget);
  g_auto(GStrv) names = g_strsplit (g_variant_get_string (param, NULL), "+", 8);
  guint32 keysyms[8];
  guint n = 0;

  if (self->client == NULL || !ob_kvm_window_input_goes_out (self))
    return;

  for (guint i = 0; names[i] != NULL && n < G_N_ELEMENTS (keysyms); i++)
    {
      guint keyval = gdk_keyval_from_name (names[i]);

      if (keyval == GDK_KEY_VoidSymbol || keyval == 0)
        {
          g_warning ("Unknown key name “%s” in a key chord", names[i]);
          return;
        }
      keysyms[n++] = keyval;
    }

  ob_rfb_client_send_chord (self->client, keysyms, n);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

static void
ob_kvm_window_disconnect_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  ob_kvm_window_disconnect (OB_KVM_WINDOW (widget));
}

static void
ob_kvm_window_reconnect_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  ob_kvm_window_reconnect (OB_KVM_WINDOW (widget));
}

static void
ob_kvm_window_refresh_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  ObKvmWindow *self = OB_KVM_WINDOW (widget);

  if (self->client != NULL)
    ob_rfb_client_request_refresh (self->client);
}

static void
ob_kvm_window_fullscreen_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

static GBytes *
screenshot_png (GtkWindow *window)
{
  g_autoptr(GdkTexture) texture = ob_kvm_canvas_dup_texture (OB_KVM_WINDOW (window)->canvas);

  return texture != NULL ? gdk_texture_save_to_png_bytes (texture) : NULL;
}

static void
ob_kvm_window_screenshot_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  ObKvmWindow *self = OB_KVM_WINDOW (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("PNG Images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_suffix (filter, "png");
  ob_redir_controller_save_as (self->controller, _("Save Screenshot"), "", "png", filter, screenshot_png,
                               _("Screenshot saved"), _("Could not save the screenshot"));
}

/* Public API */

GtkWidget *
ob_kvm_window_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_KVM_WINDOW, "device", device, NULL);
}

ObDevice *
ob_kvm_window_get_device (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return self->device;
}

ObKvmCanvas *
ob_kvm_window_get_canvas (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return self->canvas;
}

ObRfbClient *
ob_kvm_window_get_client (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return ob_kvm_window_state (self) == OB_KVM_WINDOW_STATE_CONNECTED ? self->client : NULL;
}

ObKvmWindowState
ob_kvm_window_get_state (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), OB_KVM_WINDOW_STATE_ENDED);

  return ob_kvm_window_state (self);
}

const char *
ob_kvm_window_get_end_message (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return ob_redir_controller_get_end_title (self->controller);
}

const char *
ob_kvm_window_get_status_text (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return self->status_text;
}

gboolean
ob_kvm_window_get_consent_pending (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), FALSE);

  return ob_redir_controller_get_consent_pending (self->controller);
}

GtkWindow *
ob_kvm_window_get_consent_dialog (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), NULL);

  return ob_redir_controller_get_consent_dialog (self->controller);
}

gboolean
ob_kvm_window_get_shortcuts_inhibited (ObKvmWindow *self)
{
  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), FALSE);

  return self->shortcuts_inhibited;
}

void
ob_kvm_window_reconnect (ObKvmWindow *self)
{
  g_return_if_fail (OB_IS_KVM_WINDOW (self));

  ob_redir_controller_connect (self->controller);
}

void
ob_kvm_window_disconnect (ObKvmWindow *self)
{
  g_return_if_fail (OB_IS_KVM_WINDOW (self));

  ob_redir_controller_disconnect (self->controller);
}

gboolean
ob_kvm_window_save_screenshot (ObKvmWindow  *self,
                               GFile        *file,
                               GError      **error)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;

  g_return_val_if_fail (OB_IS_KVM_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  texture = ob_kvm_canvas_dup_texture (self->canvas);
  if (texture == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Nothing has been shown yet"));
      return FALSE;
    }

  png = gdk_texture_save_to_png_bytes (texture);
  return g_file_replace_contents (file, g_bytes_get_data (png, NULL), g_bytes_get_size (png),
                                  NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

/* Properties */

static const char *
depth_to_string (ObRfbDepth depth)
{
  switch (depth)
    {
    case OB_RFB_DEPTH_8:
      return "8";
    case OB_RFB_DEPTH_GREY8:
    case OB_RFB_DEPTH_GREY4:
      return "grey";
    case OB_RFB_DEPTH_16:
    case OB_RFB_DEPTH_32:
    default:
      return "16";
    }
}

static void
ob_kvm_window_set_color_depth (ObKvmWindow *self,
                               const char  *value)
{
  ObRfbDepth depth;

  if (g_strcmp0 (value, "8") == 0)
    depth = OB_RFB_DEPTH_8;
  else if (g_strcmp0 (value, "grey") == 0)
    depth = OB_RFB_DEPTH_GREY8;
  else
    depth = OB_RFB_DEPTH_16;

  if (self->depth == depth)
    return;

  self->depth = depth;
  /* Live: the client switches after the update in flight. */
  if (self->client != NULL)
    ob_rfb_client_set_depth (self->client, depth);
  ob_kvm_window_format_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR_DEPTH]);
}

static void
ob_kvm_window_set_scale_mode (ObKvmWindow *self,
                              const char  *value)
{
  ObKvmScaleMode mode = g_strcmp0 (value, "one-to-one") == 0 ? OB_KVM_SCALE_ONE_TO_ONE : OB_KVM_SCALE_FIT;
  GtkPolicyType policy = mode == OB_KVM_SCALE_ONE_TO_ONE ? GTK_POLICY_AUTOMATIC : GTK_POLICY_NEVER;

  if (self->scale_mode == mode)
    return;

  self->scale_mode = mode;
  ob_kvm_canvas_set_scale_mode (self->canvas, mode);
  gtk_scrolled_window_set_policy (self->scroller, policy, policy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE_MODE]);
}

static void
ob_kvm_window_constructed (GObject *object)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);
  g_autofree char *title = NULL;

  G_OBJECT_CLASS (ob_kvm_window_parent_class)->constructed (object);

  g_assert (OB_IS_DEVICE (self->device));

  /* Translators: the KVM window's title, e.g. "lab-pc-3 — Remote Desktop" */
  title = g_strdup_printf (_("%s — Remote Desktop"), ob_device_get_name (self->device));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_subtitle (self->window_title, ob_device_get_name (self->device));

  self->controller = ob_redir_controller_new (GTK_WINDOW (self), self->device, OB_REDIR_SESSION_KVM,
                                              self->toast_overlay, self->connecting_page);
  g_signal_connect_swapped (self->controller, "notify::state", G_CALLBACK (on_controller_state), self);
  g_signal_connect_swapped (self->controller, "notify::consent-pending", G_CALLBACK (on_consent_pending), self);
  g_signal_connect (self->controller, "session-started", G_CALLBACK (on_session_started), self);
  g_signal_connect_swapped (self->controller, "drop-session", G_CALLBACK (ob_kvm_window_drop_session), self);
  ob_redir_controller_set_power_menu (self->controller, self->power_button, NULL, "kvm.power", TRUE);

  ob_redir_controller_connect (self->controller);
}

static void
ob_kvm_window_dispose (GObject *object)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);

  if (self->controller != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->controller, self);
      g_object_run_dispose (G_OBJECT (self->controller));
    }
  if (self->canvas != NULL)
    ob_kvm_window_drop_session (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_KVM_WINDOW);
  /* The scrolled window owned it. */
  self->canvas = NULL;

  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_kvm_window_parent_class)->dispose (object);
}

static void
ob_kvm_window_finalize (GObject *object)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);

  /* Disposed already; kept so late callbacks find it. */
  g_clear_object (&self->controller);
  g_free (self->status_text);

  G_OBJECT_CLASS (ob_kvm_window_parent_class)->finalize (object);
}

/* Restored before the surface goes (closing, hiding). */
static void
ob_kvm_window_unrealize (GtkWidget *widget)
{
  ObKvmWindow *self = OB_KVM_WINDOW (widget);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));

  if (self->shortcuts_inhibited && surface != NULL && GDK_IS_TOPLEVEL (surface))
    gdk_toplevel_restore_system_shortcuts (GDK_TOPLEVEL (surface));
  self->shortcuts_inhibited = FALSE;

  GTK_WIDGET_CLASS (ob_kvm_window_parent_class)->unrealize (widget);
}

static void
ob_kvm_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;
    case PROP_STATE:
      g_value_set_uint (value, ob_kvm_window_state (self));
      break;
    case PROP_COLOR_DEPTH:
      g_value_set_string (value, depth_to_string (self->depth));
      break;
    case PROP_SCALE_MODE:
      g_value_set_string (value, self->scale_mode == OB_KVM_SCALE_ONE_TO_ONE ? "one-to-one" : "fit");
      break;
    case PROP_KEYBOARD_CAPTURE:
      g_value_set_boolean (value, self->keyboard_capture);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_kvm_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ObKvmWindow *self = OB_KVM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      self->device = g_value_dup_object (value);
      break;
    case PROP_COLOR_DEPTH:
      ob_kvm_window_set_color_depth (self, g_value_get_string (value));
      break;
    case PROP_SCALE_MODE:
      ob_kvm_window_set_scale_mode (self, g_value_get_string (value));
      break;
    case PROP_KEYBOARD_CAPTURE:
      if (self->keyboard_capture != g_value_get_boolean (value))
        {
          self->keyboard_capture = g_value_get_boolean (value);
          ob_kvm_canvas_set_keyboard_capture (self->canvas, self->keyboard_capture);
          if (self->controller != NULL)
            ob_kvm_window_update_shortcuts_inhibit (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_kvm_window_class_init (ObKvmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ob_kvm_window_constructed;
  object_class->dispose = ob_kvm_window_dispose;
  object_class->finalize = ob_kvm_window_finalize;
  object_class->get_property = ob_kvm_window_get_property;
  object_class->set_property = ob_kvm_window_set_property;
  widget_class->unrealize = ob_kvm_window_unrealize;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_uint ("state", NULL, NULL,
                       OB_KVM_WINDOW_STATE_CONNECTING, OB_KVM_WINDOW_STATE_ENDED,
                       OB_KVM_WINDOW_STATE_CONNECTING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_COLOR_DEPTH] =
    g_param_spec_string ("color-depth", NULL, NULL,
                         "16",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SCALE_MODE] =
    g_param_spec_string ("scale-mode", NULL, NULL,
                         "fit",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_KEYBOARD_CAPTURE] =
    g_param_spec_boolean ("keyboard-capture", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-kvm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, power_button);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, connecting_page);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, ended_page);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, connecting_spinner);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, scroller);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, ObKvmWindow, consent_label);

  gtk_widget_class_install_action (widget_class, "kvm.disconnect", NULL, ob_kvm_window_disconnect_action);
  gtk_widget_class_install_action (widget_class, "kvm.reconnect", NULL, ob_kvm_window_reconnect_action);
  gtk_widget_class_install_action (widget_class, "kvm.refresh", NULL, ob_kvm_window_refresh_action);
  gtk_widget_class_install_action (widget_class, "kvm.screenshot", NULL, ob_kvm_window_screenshot_action);
  gtk_widget_class_install_action (widget_class, "kvm.fullscreen", NULL, ob_kvm_window_fullscreen_action);
  gtk_widget_class_install_action (widget_class, "kvm.send-keys", "s", ob_kvm_window_send_keys_action);
  gtk_widget_class_install_action (widget_class, "kvm.power", "i", ob_kvm_window_power_action);
  gtk_widget_class_install_property_action (widget_class, "kvm.color-depth", "color-depth");
  gtk_widget_class_install_property_action (widget_class, "kvm.scale-mode", "scale-mode");
  gtk_widget_class_install_property_action (widget_class, "kvm.keyboard-capture", "keyboard-capture");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "kvm.fullscreen", NULL);
}

static void
ob_kvm_window_init (ObKvmWindow *self)
{
  self->depth = OB_RFB_DEPTH_16;
  self->scale_mode = OB_KVM_SCALE_FIT;
  self->keyboard_capture = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Made here rather than in the template, so the template stays plain
   * GTK and libadwaita for the .ui validator. */
  self->canvas = OB_KVM_CANVAS (ob_kvm_canvas_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->canvas), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->canvas), TRUE);
  gtk_scrolled_window_set_child (self->scroller, GTK_WIDGET (self->canvas));
  ob_kvm_canvas_set_scale_mode (self->canvas, self->scale_mode);
  ob_kvm_canvas_set_keyboard_capture (self->canvas, self->keyboard_capture);
  /* Focus decides whether the desktop's shortcuts stay with the device. */
  g_signal_connect (self, "notify::is-active", G_CALLBACK (ob_kvm_window_update_shortcuts_inhibit), NULL);
}
