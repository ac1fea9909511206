/* ob-log-view.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OB_TYPE_LOG_VIEW (ob_log_view_get_type ())

G_DECLARE_FINAL_TYPE (ObLogView, ob_log_view, OB, LOG_VIEW, AdwBin)

/* A table of log records (ObLogEntry items, one column per field) with a
 * loading spinner, an error state with "Try Again", an empty state, a
 * pager (newer / older) and reload and export buttons.  The owner reads
 * the device and answers the "reload" and "export" signals and changes of
 * the "page" property. */
GtkWidget          *ob_log_view_new           (const char * const *column_titles);
const char * const *ob_log_view_get_column_titles (ObLogView     *self);

void                ob_log_view_set_loading   (ObLogView          *self);
void                ob_log_view_set_error     (ObLogView          *self,
                                               const char         *message);
/* Shows @entries (a model of ObLogEntry), or the empty state when it has
 * none.  @summary is the line above the table ("57 records"). */
void                ob_log_view_set_entries   (ObLogView          *self,
                                               GListModel         *entries,
                                               const char         *summary);
/* (transfer none) (nullable) what the table shows */
GListModel         *ob_log_view_get_entries   (ObLogView          *self);
/* "loading", "error", "empty" or "list" */
const char         *ob_log_view_get_state     (ObLogView          *self);

guint               ob_log_view_get_page      (ObLogView          *self);
void                ob_log_view_set_page      (ObLogView          *self,
                                               guint               page);
guint               ob_log_view_get_n_pages   (ObLogView          *self);
void                ob_log_view_set_n_pages   (ObLogView          *self,
                                               guint               n_pages);

/* While an export runs the export button is off. */
void                ob_log_view_set_exporting (ObLogView          *self,
                                               gboolean            exporting);

/* The column titles and then every entry, RFC 4180 CSV with CRLF line
 * ends. */
GBytes             *ob_log_entries_to_csv     (const char * const *column_titles,
                                               GListModel         *entries);

G_END_DECLS
