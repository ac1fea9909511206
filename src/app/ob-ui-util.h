/* ob-ui-util.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Shows @message as a toast in the nearest AdwToastOverlay above @widget
 * (the window's).  Logged instead when @widget is not in a window. */
void      ob_widget_show_toast         (GtkWidget   *widget,
                                        const char  *message);

/* Whether @text is an address a device can have: an IPv4 or IPv6 literal
 * (brackets around IPv6 allowed) or a DNS host name (RFC 1123 labels,
 * internationalized names allowed).  No port, no scheme, no spaces. */
gboolean  ob_host_is_valid             (const char  *text);
/* @text without surrounding spaces and IPv6 brackets (transfer full). */
char     *ob_host_normalize            (const char  *text);

/* "lab, floor 2 ,,x" -> { "lab", "floor 2", "x" }; NULL for none. */
char    **ob_tags_parse                (const char  *text);

/* Appends @value to @line as one CSV field (RFC 4180 quoting), with a
 * comma before it unless @first. */
void      ob_csv_append_field          (GString     *line,
                                        const char  *value,
                                        gboolean     first);

/* A member of @object as display text: strings as they are, numbers and
 * booleans formatted, arrays joined with ", ", NULL/missing -> NULL. */
char     *ob_json_member_to_text       (JsonObject  *object,
                                        const char  *member);

/* An ISO 8601 UTC time ("2026-03-01T10:00:00Z") in the local time zone
 * and the user's format, or @iso itself when it does not parse. */
char     *ob_format_iso_time           (const char  *iso);

/* How long ago @then was at @now (both g_get_real_time()), in words:
 * "just now", "5 minutes ago", "3 hours ago", "2 days ago".  When
 * @next_change is not NULL it gets the microseconds until the words
 * change, so a caller can wait exactly that long. */
char     *ob_format_time_ago           (gint64       then,
                                        gint64       now,
                                        gint64      *next_change);

/* Removes every row of @list_box. */
void      ob_list_box_remove_all       (GtkListBox  *list_box);

/* Asks where to save @bytes with a native file chooser (titled @title,
 * proposing @suggested_name), writes the file without blocking and says
 * in a toast on @widget how it went. */
void      ob_save_bytes_with_chooser   (GtkWidget   *widget,
                                        const char  *title,
                                        const char  *suggested_name,
                                        GBytes      *bytes);
/* Scrolls the nearest scrolled window above @widget so that @widget is in
 * view, once the next layout has placed it. */
void      ob_scroll_to_widget          (GtkWidget   *widget);
/* @text made safe as part of a file name ("lab/pc 1" -> "lab-pc-1"). */
char     *ob_file_name_part            (const char  *text);

G_END_DECLS
