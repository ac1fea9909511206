/* test-ui-preferences.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "ob-preferences-window.h"
#include "ob-util.h"

#define WAIT_TIMEOUT_SECONDS 20

typedef struct
{
  GSettings *settings;
  ObPreferencesWindow *window;
} Fixture;

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_until_mapped (GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  guint timer = g_timeout_add (20, wake_up, NULL);

  while (!gtk_widget_get_mapped (widget))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for the preferences window");
      g_main_context_iteration (NULL, TRUE);
    }

  g_source_remove (timer);
}

static GtkWidget *
find_row (GtkWidget  *root,
          const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row (child, title);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
find_by_type (GtkWidget *root,
              GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_type (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The control inside the row with this title. */
static GtkWidget *
row_widget (Fixture    *fixture,
            const char *title,
            GType       type)
{
  GtkWidget *row = find_row (GTK_WIDGET (fixture->window), title);
  GtkWidget *widget;

  if (row == NULL)
    g_error ("No row titled “%s”", title);

  widget = find_by_type (row, type);
  if (widget == NULL)
    g_error ("No %s in the row titled “%s”", g_type_name (type), title);

  return widget;
}

static GtkSpinButton *
spin_in_row (Fixture    *fixture,
             const char *title)
{
  return GTK_SPIN_BUTTON (row_widget (fixture, title, GTK_TYPE_SPIN_BUTTON));
}

static GtkSwitch *
switch_in_row (Fixture    *fixture,
               const char *title)
{
  return GTK_SWITCH (row_widget (fixture, title, GTK_TYPE_SWITCH));
}

static AdwComboRow *
combo_row (Fixture    *fixture,
           const char *title)
{
  return ADW_COMBO_ROW (row_widget (fixture, title, ADW_TYPE_COMBO_ROW));
}

static GtkWidget *
find_caption_outside_rows (GtkWidget *root)
{
  if (GTK_IS_LABEL (root) &&
      gtk_widget_has_css_class (root, "caption") &&
      gtk_widget_get_ancestor (root, ADW_TYPE_PREFERENCES_ROW) == NULL)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_caption_outside_rows (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The label under the common name entry: its hint, or its error. */
static GtkLabel *
common_name_message (Fixture *fixture)
{
  GtkWidget *entry = find_row (GTK_WIDGET (fixture->window), "Common Name");
  GtkWidget *group = gtk_widget_get_ancestor (entry, ADW_TYPE_PREFERENCES_GROUP);
  GtkWidget *label;

  g_assert_nonnull (group);
  label = find_caption_outside_rows (group);
  g_assert_nonnull (label);

  return GTK_LABEL (label);
}

static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *frame_clock,
             gpointer       user_data)
{
  guint *frames = user_data;

  (*frames)++;
  return G_SOURCE_CONTINUE;
}

/* Saves what the window shows now as a PNG in the build directory, so a
 * person can look at it; checks that it is not blank. */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  g_autofree char *path = NULL;
  g_autofree guchar *pixels = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  GtkSnapshot *snapshot;
  guint frames = 0;
  guint tick;
  int width;
  int height;

  tick = gtk_widget_add_tick_callback (widget, count_frame, &frames, NULL);
  gtk_widget_queue_draw (widget);
  while (frames < 3)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for frames");
      g_main_context_iteration (NULL, TRUE);
    }
  gtk_widget_remove_tick_callback (widget, tick);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  path = g_build_filename (g_test_get_dir (G_TEST_BUILT), name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot saved to %s", path);

  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      guint32 pixel;

      memcpy (&pixel, pixels + i * 4, sizeof pixel);
      g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
    }
  g_assert_cmpuint (g_hash_table_size (colours), >, 16);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  fixture->settings = g_settings_new (APP_ID);

  /* The memory backend lives as long as the process: start each test from
   * the schema's defaults. */
  g_object_get (fixture->settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (fixture->settings, keys[i]);

  fixture->window = g_object_ref (ob_preferences_window_new (fixture->settings));
  g_assert_true (ob_preferences_window_get_settings (fixture->window) == fixture->settings);
  /* Tall enough for the screenshots to show every group. */
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 640, 1240);
  gtk_window_present (GTK_WINDOW (fixture->window));
  wait_until_mapped (GTK_WIDGET (fixture->window));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_assert_finalize_object (fixture->window);
  g_clear_object (&fixture->settings);
}

static void
test_defaults_shown (Fixture       *fixture,
                     gconstpointer  data)
{
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "CIRA Port")), ==, 4433);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Provisioning Port")), ==, 8080);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Keepalive Interval")), ==, 30);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Port")), ==, 3000);
  g_assert_false (gtk_switch_get_active (switch_in_row (fixture, "Serve REST API")));
  g_assert_false (gtk_switch_get_active (switch_in_row (fixture, "Allow Legacy TLS")));
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Address")), ==, 0);
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Log Level")), ==, 2);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (GTK_WIDGET (fixture->window), "Common Name"))), ==, "");

  /* The API is off by default, so its address and port are not editable. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (combo_row (fixture, "Address"))));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (spin_in_row (fixture, "Port"))));

  save_screenshot (GTK_WIDGET (fixture->window), "test-ui-preferences.png");
}

static void
test_widgets_write_settings (Fixture       *fixture,
                             gconstpointer  data)
{
  GSettings *settings = fixture->settings;

  gtk_spin_button_set_value (spin_in_row (fixture, "CIRA Port"), 14433);
  g_assert_cmpuint (g_settings_get_uint (settings, "cira-port"), ==, 14433);

  /* The spin button keeps ports where the schema allows them. */
  gtk_spin_button_set_value (spin_in_row (fixture, "Provisioning Port"), 80);
  g_assert_cmpuint (g_settings_get_uint (settings, "rps-port"), ==, 1024);
  gtk_spin_button_set_value (spin_in_row (fixture, "Provisioning Port"), 18080);
  g_assert_cmpuint (g_settings_get_uint (settings, "rps-port"), ==, 18080);

  gtk_spin_button_set_value (spin_in_row (fixture, "Keepalive Interval"), 120);
  g_assert_cmpuint (g_settings_get_uint (settings, "keepalive-interval"), ==, 120);
  gtk_spin_button_set_value (spin_in_row (fixture, "Keepalive Interval"), 1);
  g_assert_cmpuint (g_settings_get_uint (settings, "keepalive-interval"), ==, 5);

  gtk_switch_set_active (switch_in_row (fixture, "Allow Legacy TLS"), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "allow-legacy-tls"));

  gtk_switch_set_active (switch_in_row (fixture, "Serve REST API"), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "api-enabled"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (combo_row (fixture, "Address"))));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (spin_in_row (fixture, "Port"))));

  adw_combo_row_set_selected (combo_row (fixture, "Address"), 1);
  g_assert_cmpstr (g_settings_get_string (settings, "api-address"), ==, "::1");
  adw_combo_row_set_selected (combo_row (fixture, "Address"), 0);
  g_assert_cmpstr (g_settings_get_string (settings, "api-address"), ==, "127.0.0.1");

  gtk_spin_button_set_value (spin_in_row (fixture, "Port"), 3443);
  g_assert_cmpuint (g_settings_get_uint (settings, "api-port"), ==, 3443);

  adw_combo_row_set_selected (combo_row (fixture, "Log Level"), 4);
  g_assert_cmpint (g_settings_get_enum (settings, "log-level"), ==, 4);
  adw_combo_row_set_selected (combo_row (fixture, "Log Level"), 0);
  g_assert_cmpint (g_settings_get_enum (settings, "log-level"), ==, 0);
}

static void
test_settings_update_widgets (Fixture       *fixture,
                              gconstpointer  data)
{
  GSettings *settings = fixture->settings;
  GtkEditable *common_name = GTK_EDITABLE (find_row (GTK_WIDGET (fixture->window), "Common Name"));

  g_settings_set_uint (settings, "cira-port", 5443);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "CIRA Port")), ==, 5443);

  g_settings_set_uint (settings, "rps-port", 9090);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Provisioning Port")), ==, 9090);

  g_settings_set_uint (settings, "keepalive-interval", 3600);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Keepalive Interval")), ==, 3600);

  g_settings_set_boolean (settings, "allow-legacy-tls", TRUE);
  g_assert_true (gtk_switch_get_active (switch_in_row (fixture, "Allow Legacy TLS")));

  g_settings_set_boolean (settings, "api-enabled", TRUE);
  g_assert_true (gtk_switch_get_active (switch_in_row (fixture, "Serve REST API")));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (combo_row (fixture, "Address"))));

  g_settings_set_string (settings, "api-address", "::1");
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Address")), ==, 1);

  /* An address the window does not offer shows as the default rather than
   * as a wrong item. */
  g_settings_set_string (settings, "api-address", "0.0.0.0");
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Address")), ==, 0);

  g_settings_set_uint (settings, "api-port", 65535);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin_in_row (fixture, "Port")), ==, 65535);

  g_settings_set_enum (settings, "log-level", 3);
  g_assert_cmpuint (adw_combo_row_get_selected (combo_row (fixture, "Log Level")), ==, 3);

  g_settings_set_string (settings, "mps-common-name", "mps.example.org");
  g_assert_cmpstr (gtk_editable_get_text (common_name), ==, "mps.example.org");

  g_settings_set_boolean (settings, "api-enabled", FALSE);
  g_assert_false (gtk_switch_get_active (switch_in_row (fixture, "Serve REST API")));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (combo_row (fixture, "Address"))));
}

static void
test_common_name_validation (Fixture       *fixture,
                             gconstpointer  data)
{
  GSettings *settings = fixture->settings;
  GtkWidget *row = find_row (GTK_WIDGET (fixture->window), "Common Name");
  GtkEditable *entry = GTK_EDITABLE (row);
  GtkLabel *message = common_name_message (fixture);
  g_autofree char *primary = ob_get_primary_address ();

  /* Empty: the hint names the address used instead. */
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (message), "error"));
  g_assert_nonnull (strstr (gtk_label_get_label (message), primary));

  gtk_editable_set_text (entry, "mps.lab.example.com");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "mps.lab.example.com");
  g_assert_false (gtk_widget_has_css_class (row, "error"));

  /* Invalid: shown as an error and not written. */
  gtk_editable_set_text (entry, "mps lab!");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "mps.lab.example.com");
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (message), "error"));
  g_assert_nonnull (strstr (gtk_label_get_label (message), "not saved"));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "mps lab!");
  save_screenshot (GTK_WIDGET (fixture->window), "test-ui-preferences-invalid.png");

  gtk_editable_set_text (entry, "10.0.0");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "mps.lab.example.com");
  g_assert_true (gtk_widget_has_css_class (row, "error"));

  /* Valid again: written, and the error goes away. */
  gtk_editable_set_text (entry, "192.168.10.5");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "192.168.10.5");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (message), "error"));

  gtk_editable_set_text (entry, "fd00::15");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "fd00::15");

  gtk_editable_set_text (entry, "");
  g_assert_cmpstr (g_settings_get_string (settings, "mps-common-name"), ==, "");
  g_assert_nonnull (strstr (gtk_label_get_label (message), primary));
}

/* A phone-sized window: everything still fits in 360 pixels. */
static void
test_narrow (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  ObPreferencesWindow *window = g_object_ref (ob_preferences_window_new (settings));
  GtkWidget *entry;

  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  gtk_window_present (GTK_WINDOW (window));
  wait_until_mapped (GTK_WIDGET (window));

  save_screenshot (GTK_WIDGET (window), "test-ui-preferences-narrow.png");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 360);
  entry = find_row (GTK_WIDGET (window), "Common Name");
  g_assert_cmpint (gtk_widget_get_width (entry), <, 360);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
test_common_name_rules (void)
{
  static const char * const valid[] = {
    "",
    "mps",
    "mps.example.com",
    "MPS-01.Lab.Example",
    "a.b-c.d1",
    "10.0.0.1",
    "::1",
    "2001:db8::4433",
    "host1.123abc",
  };
  static const char * const invalid[] = {
    " ",
    "mps.",
    ".mps",
    "mps..example",
    "-mps.example",
    "mps-.example",
    "mps_01.example",
    "mps example",
    "10.0.0",
    "300.1.1.1",
    "mps.example.123",
    "münchen.example",
    "2001:db8::zz",
  };
  g_autofree char *long_label = g_strnfill (64, 'a');
  g_autofree char *ok_label = g_strnfill (63, 'a');
  g_autofree char *too_long = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      if (!ob_is_valid_common_name (valid[i]))
        g_error ("“%s” should be accepted", valid[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      if (ob_is_valid_common_name (invalid[i]))
        g_error ("“%s” should be rejected", invalid[i]);
    }

  g_assert_true (ob_is_valid_common_name (ok_label));
  g_assert_false (ob_is_valid_common_name (long_label));

  /* 4 × 63 + 3 dots = 255 characters: over the 253 a name may have. */
  too_long = g_strjoin (".", ok_label, ok_label, ok_label, ok_label, NULL);
  g_assert_false (ob_is_valid_common_name (too_long));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* No transitions: what the test checks and what the screenshots show
   * is the end state. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/ui/preferences/common-name-rules", test_common_name_rules);
  g_test_add_func ("/ui/preferences/narrow", test_narrow);
  g_test_add ("/ui/preferences/defaults", Fixture, NULL,
              fixture_setup, test_defaults_shown, fixture_teardown);
  g_test_add ("/ui/preferences/widgets-write-settings", Fixture, NULL,
              fixture_setup, test_widgets_write_settings, fixture_teardown);
  g_test_add ("/ui/preferences/settings-update-widgets", Fixture, NULL,
              fixture_setup, test_settings_update_widgets, fixture_teardown);
  g_test_add ("/ui/preferences/common-name-validation", Fixture, NULL,
              fixture_setup, test_common_name_validation, fixture_teardown);

  return g_test_run ();
}
