/* ob-ui-util.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-ui-util.h"

void
ob_widget_show_toast (GtkWidget  *widget,
                      const char *message)
{
  GtkWidget *overlay;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (message != NULL);

  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay == NULL)
    {
      g_message ("%s", message);
      return;
    }

  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

char *
ob_host_normalize (const char *text)
{
  g_autofree char *stripped = NULL;
  gsize len;

  if (text == NULL)
    return NULL;

  stripped = g_strstrip (g_strdup (text));
  len = strlen (stripped);
  if (len >= 2 && stripped[0] == '[' && stripped[len - 1] == ']')
    return g_strndup (stripped + 1, len - 2);

  return g_steal_pointer (&stripped);
}

static gboolean
label_is_valid (const char *label,
                gsize       len)
{
  if (len == 0 || len > 63)
    return FALSE;
  if (label[0] == '-' || label[len - 1] == '-')
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (label[i]) && label[i] != '-')
        return FALSE;
    }

  return TRUE;
}

gboolean
ob_host_is_valid (const char *text)
{
  g_autofree char *host = ob_host_normalize (text);
  g_autofree char *ascii = NULL;
  const char *p;
  gsize len;

  if (host == NULL || *host == '\0')
    return FALSE;

  if (g_hostname_is_ip_address (host))
    return TRUE;

  /* Something with a colon that is not an IPv6 literal is a host with a
   * port or a URL, neither of which belongs in this field. */
  if (strchr (host, ':') != NULL)
    return FALSE;

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    return FALSE;

  len = strlen (ascii);
  /* A trailing dot names the root; allow it as DNS does. */
  if (len > 0 && ascii[len - 1] == '.')
    ascii[--len] = '\0';
  if (len == 0 || len > 253)
    return FALSE;

  /* All digits and dots but not an IPv4 address ("10.0.0", "1.2.3.999")
   * is a mistyped address, not a name. */
  if (strspn (ascii, "0123456789.") == len)
    return FALSE;

  p = ascii;
  while (TRUE)
    {
      const char *dot = strchr (p, '.');
      gsize label_len = dot != NULL ? (gsize) (dot - p) : strlen (p);

      if (!label_is_valid (p, label_len))
        return FALSE;
      if (dot == NULL)
        break;
      p = dot + 1;
    }

  return TRUE;
}

char **
ob_tags_parse (const char *text)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) tags = NULL;

  if (text == NULL)
    return NULL;

  parts = g_strsplit (text, ",", -1);
  tags = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *tag = g_strstrip (parts[i]);
      gboolean seen = FALSE;

      if (*tag == '\0')
        continue;
      for (guint j = 0; j < tags->len && !seen; j++)
        seen = g_strcmp0 (g_ptr_array_index (tags, j), tag) == 0;
      if (!seen)
        g_ptr_array_add (tags, g_strdup (tag));
    }

  if (tags->len == 0)
    return NULL;

  g_ptr_array_add (tags, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&tags), FALSE);
}

void
ob_csv_append_field (GString    *line,
                     const char *value,
                     gboolean    first)
{
  g_return_if_fail (line != NULL);

  if (!first)
    g_string_append_c (line, ',');

  if (value == NULL)
    return;

  /* Spreadsheets run a field that starts with = + - @ as a formula; a
   * leading apostrophe keeps device-supplied text as text. */
  if (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')
    {
      g_autofree char *guarded = g_strconcat ("'", value, NULL);

      ob_csv_append_field (line, guarded, TRUE);
      return;
    }

  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (line, value);
      return;
    }

  g_string_append_c (line, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  g_string_append_c (line, '"');
}

static char *
node_to_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (type == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (type == G_TYPE_DOUBLE)
        return g_strdup_printf ("%g", json_node_get_double (node));
      if (type == G_TYPE_BOOLEAN)
        return g_strdup (json_node_get_boolean (node) ? _("Yes") : _("No"));
      return NULL;
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autofree char *item = node_to_text (json_array_get_element (array, i));

          if (item == NULL || *item == '\0')
            continue;
          if (text->len > 0)
            g_string_append (text, ", ");
          g_string_append (text, item);
        }

      return g_string_free (g_steal_pointer (&text), FALSE);
    }

  /* Objects have no one-line form; the callers show their members. */
  return NULL;
}

char *
ob_json_member_to_text (JsonObject *object,
                        const char *member)
{
  g_return_val_if_fail (member != NULL, NULL);

  if (object == NULL || !json_object_has_member (object, member))
    return NULL;

  return node_to_text (json_object_get_member (object, member));
}

char *
ob_format_iso_time (const char *iso)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso == NULL)
    return NULL;

  utc = g_date_time_new_from_iso8601 (iso, NULL);
  if (utc == NULL)
    return g_strdup (iso);

  local = g_date_time_to_local (utc);
  /* Translators: date and time of a log entry or an alarm, see
   * g_date_time_format() */
  return g_date_time_format (local, _("%Y-%m-%d %H:%M:%S"));
}

#define SECONDS_PER_MINUTE 60
#define SECONDS_PER_HOUR   (60 * 60)
#define SECONDS_PER_DAY    (24 * 60 * 60)

char *
ob_format_time_ago (gint64  then,
                    gint64  now,
                    gint64 *next_change)
{
  gint64 age = (now - then) / G_USEC_PER_SEC;
  gint64 unit;
  gint64 count;
  char *text;

  /* A clock that went back makes the past look like the future. */
  if (age < SECONDS_PER_MINUTE)
    {
      if (next_change != NULL)
        next_change[0] = MAX (then + (gint64) SECONDS_PER_MINUTE * G_USEC_PER_SEC - now, G_USEC_PER_SEC);
      /* Translators: when a device was last seen, less than a minute ago */
      return g_strdup (_("just now"));
    }

  if (age < SECONDS_PER_HOUR)
    {
      unit = SECONDS_PER_MINUTE;
      count = age / unit;
      /* Translators: when a device was last seen */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute ago", "%u minutes ago", (gulong) count),
                              (guint) count);
    }
  else if (age < SECONDS_PER_DAY)
    {
      unit = SECONDS_PER_HOUR;
      count = age / unit;
      /* Translators: when a device was last seen */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour ago", "%u hours ago", (gulong) count),
                              (guint) count);
    }
  else
    {
      unit = SECONDS_PER_DAY;
      count = MIN (age / unit, G_MAXUINT);
      /* Translators: when a device was last seen */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day ago", "%u days ago", (gulong) count),
                              (guint) count);
    }

  /* The words stay the same until the count goes up by one. */
  if (next_change != NULL)
    next_change[0] = then + (count + 1) * unit * G_USEC_PER_SEC - now;

  return text;
}

void
ob_list_box_remove_all (GtkListBox *list_box)
{
  GtkListBoxRow *row;

  g_return_if_fail (GTK_IS_LIST_BOX (list_box));

  /* Rows only: the placeholder is a child too and stays. */
  while ((row = gtk_list_box_get_row_at_index (list_box, 0)) != NULL)
    gtk_list_box_remove (list_box, GTK_WIDGET (row));
}

typedef struct
{
  GtkWidget *widget;
  GBytes *bytes;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->widget);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_free (data);
}

static void
on_file_saved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  SaveData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (G_FILE (source));
  g_autofree char *message = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    /* Translators: a file could not be written; the reason follows */
    message = g_strdup_printf (_("Could not save “%s”: %s"), name, error->message);
  else
    message = g_strdup_printf (_("Saved “%s”"), name);

  ob_widget_show_toast (data->widget, message);
  save_data_free (data);
}

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  SaveData *data = user_data;
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  if (file != NULL)
    g_file_replace_contents_bytes_async (file, data->bytes, NULL, FALSE,
                                         G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                         on_file_saved, data);
  else
    save_data_free (data);

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

void
ob_save_bytes_with_chooser (GtkWidget  *widget,
                            const char *title,
                            const char *suggested_name,
                            GBytes     *bytes)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  SaveData *data;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (bytes != NULL);

  /* GtkFileDialog is GTK 4.10; the baseline is 4.8. */
  chooser = gtk_file_chooser_native_new (title,
                                         GTK_WINDOW (gtk_widget_get_root (widget)),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested_name);
  gtk_file_filter_set_name (filter, _("CSV Files"));
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);

  data = g_new0 (SaveData, 1);
  data->widget = g_object_ref (widget);
  data->bytes = g_bytes_ref (bytes);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

char *
ob_file_name_part (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c) || c == '.' || c == '_')
        g_string_append_unichar (out, c);
      else if (out->len > 0 && out->str[out->len - 1] != '-')
        g_string_append_c (out, '-');
    }

  while (out->len > 0 && out->str[out->len - 1] == '-')
    g_string_truncate (out, out->len - 1);
  if (out->len == 0 || out->str[0] == '.')
    g_string_prepend (out, "device");

  return g_string_free (out, FALSE);
}

static gboolean
scroll_to_widget_tick (GtkWidget     *widget,
                       GdkFrameClock *frame_clock,
                       gpointer       user_data)
{
  guint *frames = user_data;
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *content;
  GtkAdjustment *adjustment;
  graphene_rect_t bounds;
  double value;
  double page;

  /* Ticks come before layout: wait one frame so that a row just shown
   * has its place. */
  if ((*frames)++ == 0)
    return G_SOURCE_CONTINUE;

  if (scrolled == NULL)
    return G_SOURCE_REMOVE;

  /* Bounds in the scrolled content are in the adjustment's units. */
  content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled));
  if (GTK_IS_VIEWPORT (content))
    content = gtk_viewport_get_child (GTK_VIEWPORT (content));
  if (content == NULL || !gtk_widget_compute_bounds (widget, content, &bounds))
    return G_SOURCE_REMOVE;

  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  value = gtk_adjustment_get_value (adjustment);
  page = gtk_adjustment_get_page_size (adjustment);

  if (bounds.origin.y + bounds.size.height > value + page)
    gtk_adjustment_set_value (adjustment, bounds.origin.y + bounds.size.height - page);
  else if (bounds.origin.y < value)
    gtk_adjustment_set_value (adjustment, bounds.origin.y);

  return G_SOURCE_REMOVE;
}

void
ob_scroll_to_widget (GtkWidget *widget)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_widget_add_tick_callback (widget, scroll_to_widget_tick, g_new0 (guint, 1), g_free);
}
