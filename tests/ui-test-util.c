/* ui-test-util.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "ob-lan-stream-source.h"
#include "ui-test-util.h"

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
wait_for (Condition   condition,
          gpointer    data,
          const char *what)
{
  gint64 deadline = g_get_monotonic_time () + UI_TEST_WAIT_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  /* A short timer keeps the loop from blocking forever while nothing
   * else happens. */
  guint timer = g_timeout_add (20, wake_up, NULL);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }

  g_source_remove (timer);
}

gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

gboolean
widget_is_unmapped (gpointer data)
{
  return !gtk_widget_get_mapped (GTK_WIDGET (data));
}

gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *frame_clock,
             gpointer       user_data)
{
  guint *frames = user_data;

  (*frames)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
frames_done (gpointer data)
{
  return *(guint *) data >= 3;
}

void
wait_frames (GtkWidget *widget)
{
  guint frames = 0;
  guint id = gtk_widget_add_tick_callback (widget, count_frame, &frames, NULL);

  gtk_widget_queue_draw (widget);
  wait_for (frames_done, &frames, "frames");
  gtk_widget_remove_tick_callback (widget, id);
}

GtkWidget *
find_descendant (GtkWidget       *root,
                 WidgetPredicate  predicate,
                 gconstpointer    data)
{
  if (predicate (root, data))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, predicate, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

gboolean
is_type (GtkWidget     *widget,
         gconstpointer  data)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (data));
}

GtkWidget *
find_by_type (GtkWidget *root,
              GType      type)
{
  return find_descendant (root, is_type, GSIZE_TO_POINTER (type));
}

gboolean
is_row_titled (GtkWidget     *widget,
               gconstpointer  data)
{
  return ADW_IS_PREFERENCES_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), data) == 0;
}

gboolean
is_label_with_text (GtkWidget     *widget,
                    gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

gboolean
is_label_containing (GtkWidget     *widget,
                     gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_label (GTK_LABEL (widget)), data) != NULL;
}

void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkTexture) reloaded = NULL;
  g_autoptr(GHashTable) colours = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree guchar *pixels = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width;
  int height;
  int tex_width;
  int tex_height;

  /* Snapshot what has been laid out and drawn, not a pending frame. */
  wait_frames (widget);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_assert_nonnull (renderer);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_nonnull (texture);

  path = g_build_filename (g_test_get_dir (G_TEST_BUILT), name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot saved to %s", path);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* Read the file back: what is on disk must be the picture. */
  reloaded = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  tex_width = gdk_texture_get_width (reloaded);
  tex_height = gdk_texture_get_height (reloaded);
  g_assert_cmpint (tex_width, ==, width);
  g_assert_cmpint (tex_height, ==, height);

  pixels = g_malloc ((gsize) tex_width * tex_height * 4);
  gdk_texture_download (reloaded, pixels, (gsize) tex_width * 4);

  colours = g_hash_table_new (NULL, NULL);
  for (gsize i = 0; i < (gsize) tex_width * tex_height; i++)
    {
      guint32 pixel;

      memcpy (&pixel, pixels + i * 4, sizeof pixel);
      g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
    }

  /* Text, icons and borders give many shades; a blank or failed render
   * gives one or two. */
  g_assert_cmpuint (g_hash_table_size (colours), >, 16);
}

gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), data) == 0;
}

/* The first visible toplevel of @type. */
static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

GtkWindow *
find_message_dialog (void)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
}

gboolean
has_message_dialog (gpointer data)
{
  GtkWindow *dialog = find_message_dialog ();

  return dialog != NULL && gtk_widget_get_mapped (GTK_WIDGET (dialog));
}

void
answer_message_dialog (GtkWindow  *parent,
                       const char *response)
{
  GtkWindow *dialog;

  wait_for (has_message_dialog, NULL, "the message dialog");
  dialog = find_message_dialog ();
  g_assert_true (gtk_window_get_transient_for (dialog) == parent);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_destroy (dialog);
}

static void
click_button (GtkWindow  *dialog,
              const char *label)
{
  GtkWidget *button = find_descendant (GTK_WIDGET (dialog), is_button_labelled, label);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

void
consent_dialog_enter_code (GtkWindow  *dialog,
                           const char *code)
{
  GtkWidget *entry = find_by_type (GTK_WIDGET (dialog), GTK_TYPE_ENTRY);

  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), code);
  click_button (dialog, "C_onfirm");
}

gboolean
consent_dialog_shows_error (GtkWindow  *dialog,
                            const char *text)
{
  GtkWidget *label;

  if (dialog == NULL)
    return FALSE;
  label = find_descendant (GTK_WIDGET (dialog), is_label_containing, text);
  return label != NULL && gtk_widget_get_visible (label) &&
         gtk_widget_is_sensitive (find_by_type (GTK_WIDGET (dialog), GTK_TYPE_ENTRY));
}

void
consent_dialog_cancel (GtkWindow *dialog)
{
  click_button (dialog, "_Cancel");
}

static GtkWindow *
find_file_chooser (void)
{
  return find_toplevel (GTK_TYPE_FILE_CHOOSER);
}

static gboolean
has_file_chooser (gpointer data)
{
  GtkWindow *chooser = find_file_chooser ();

  return chooser != NULL && gtk_widget_get_mapped (GTK_WIDGET (chooser));
}

typedef struct
{
  GtkFileChooser *chooser;
  GFile *dir;
} ChooserIn;

static gboolean
chooser_has_file (gpointer data)
{
  ChooserIn *in = data;
  g_autoptr(GFile) file = gtk_file_chooser_get_file (in->chooser);

  return file != NULL;
}

static gboolean
chooser_in_dir (gpointer data)
{
  ChooserIn *in = data;
  g_autoptr(GFile) file = gtk_file_chooser_get_file (in->chooser);
  g_autoptr(GFile) parent = file != NULL ? g_file_get_parent (file) : NULL;

  return parent != NULL && g_file_equal (parent, in->dir);
}

char *
save_with_chooser (GtkWidget  *widget,
                   const char *action,
                   const char *dir)
{
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *chooser;
  ChooserIn in;

  g_assert_true (gtk_widget_activate_action (widget, action, NULL));
  /* Without a portal GtkFileChooserNative shows GTK's own dialog. */
  wait_for (has_file_chooser, NULL, "the file chooser");
  chooser = find_file_chooser ();
  g_assert_true (gtk_window_get_transient_for (chooser) == GTK_WINDOW (gtk_widget_get_root (widget)));
  /* Its first folder loads first; a change before would be undone. */
  in.chooser = GTK_FILE_CHOOSER (chooser);
  wait_for (chooser_has_file, &in, "the chooser's first folder");
  wait_frames (GTK_WIDGET (chooser));
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, &error));
  g_assert_no_error (error);
  in.dir = folder;
  wait_for (chooser_in_dir, &in, "the chooser in the folder");
  wait_frames (GTK_WIDGET (chooser));
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  return g_file_get_path (file);
}

void
ui_test_init (int    *argc,
              char ***argv)
{
  g_autoptr(GtkCssProvider) css = NULL;

  g_setenv ("OUTBAND_SECRET_STORE", "memory", TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/outband/Outband/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* ---- Simulated devices -------------------------------------------------- */

static void
on_first_refresh (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ob_device_refresh_finish (OB_DEVICE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

void
ui_test_lan_device_init (UiTestLanDevice *lan,
                         const char      *hostname,
                         const char      *password)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObStreamSource) lan_source = NULL;
  g_autoptr(ObStreamSource) map = NULL;
  gboolean refreshed = FALSE;

  lan->fleet = ob_sim_fleet_new ();
  lan->sim = ob_sim_fleet_add_device (lan->fleet, "127.0.0.1", 0, 0, password, &error);
  g_assert_no_error (error);
  ob_sim_device_set_hostname (lan->sim, hostname);
  g_assert_true (ob_sim_device_set_opt_in_required (lan->sim, OB_SIM_OPT_IN_NONE, NULL, &error));
  lan->redir = ob_sim_fleet_get_redir_server (lan->fleet, lan->sim);
  g_assert_cmpuint (ob_sim_redir_server_get_port (lan->redir), !=, 0);

  lan_source = OB_STREAM_SOURCE (ob_lan_stream_source_new ("127.0.0.1"));
  map = int_port_map_new (lan_source, ob_sim_device_get_http_port (lan->sim),
                          ob_sim_redir_server_get_port (lan->redir));

  record = ob_device_record_new (ob_sim_device_get_guid (lan->sim));
  ob_device_record_set_hostname (record, hostname);
  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_LAN);
  ob_device_record_set_host (record, "127.0.0.1");
  ob_device_record_set_port (record, ob_sim_device_get_http_port (lan->sim));
  lan->device = ob_device_new (record, password, map);
  ob_device_refresh_async (lan->device, NULL, on_first_refresh, &refreshed);
  wait_for (flag_set, &refreshed, "the device's first refresh");
}

void
ui_test_lan_device_clear (UiTestLanDevice *lan)
{
  g_clear_object (&lan->device);
  ob_sim_fleet_stop (lan->fleet);
  g_clear_object (&lan->fleet);
}

#define MPS_NAME "mps.ui-test.example"

static gboolean
cira_forwarded (gpointer data)
{
  UiTestCiraDevice *cira = data;
  ObApfSession *session = ob_sim_cira_get_session (cira->cira);

  return ob_sim_cira_get_state (cira->cira) == OB_SIM_CIRA_STATE_CONNECTED &&
         session != NULL &&
         ob_apf_session_has_forwarded_port (session, 16994) &&
         ob_apf_session_has_forwarded_port (session, 5900);
}

static gboolean
cira_device_up (gpointer data)
{
  ObDevice *device = data;

  return ob_device_get_transport_source (device) != NULL &&
         ob_device_get_kvm_enabled (device) &&
         ob_device_get_sol_enabled (device);
}

static void
on_cira_refreshed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ob_device_refresh_finish (OB_DEVICE (source), result, NULL);
}

void
ui_test_cira_device_init (UiTestCiraDevice *cira,
                          const char       *guid,
                          const char       *hostname,
                          const char       *password)
{
  int_cira_device_init (cira, NULL, MPS_NAME, guid, "CIRA desk", hostname, password);
  wait_for (cira_forwarded, cira, "the device forwarding the redirection and KVM ports");
  ob_device_refresh_async (cira->device, NULL, on_cira_refreshed, NULL);
  wait_for (cira_device_up, cira->device, "the CIRA device with KVM and SOL on");
}

void
ui_test_cira_device_clear (UiTestCiraDevice *cira)
{
  int_cira_device_clear (cira);
}
