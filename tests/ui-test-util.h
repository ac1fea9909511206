/* ui-test-util.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Helpers every UI test shares (linked into each test of the "ui" suite):
 * running the main context until something holds, waiting for frames,
 * finding widgets in a tree, and saving screenshots. */

/* How long wait_for() waits before failing the test: long enough for the
 * first start's RSA keys on a busy two-core machine. */
#define UI_TEST_WAIT_TIMEOUT_SECONDS 60

typedef gboolean (*Condition) (gpointer data);

typedef gboolean (*WidgetPredicate) (GtkWidget     *widget,
                                     gconstpointer  data);

/* Runs the default main context until @condition holds; fails the test
 * (naming @what) after UI_TEST_WAIT_TIMEOUT_SECONDS. */
void       wait_for            (Condition        condition,
                                gpointer         data,
                                const char      *what);

/* Conditions on a GtkWidget. */
gboolean   widget_is_mapped    (gpointer         data);
gboolean   widget_is_unmapped  (gpointer         data);

/* A tick callback that counts frames in the guint at @user_data. */
gboolean   count_frame         (GtkWidget       *widget,
                                GdkFrameClock   *frame_clock,
                                gpointer         user_data);
/* Lets layout and drawing settle: a few frames of @widget's clock. */
void       wait_frames         (GtkWidget       *widget);

/* Depth first, @root included; NULL when nothing matches. */
GtkWidget *find_descendant     (GtkWidget       *root,
                                WidgetPredicate  predicate,
                                gconstpointer    data);
/* @data: a GType (GSIZE_TO_POINTER). */
gboolean   is_type             (GtkWidget       *widget,
                                gconstpointer    data);
GtkWidget *find_by_type        (GtkWidget       *root,
                                GType            type);
/* An AdwPreferencesRow with the title @data. */
gboolean   is_row_titled       (GtkWidget       *widget,
                                gconstpointer    data);
/* A GtkLabel whose label is @data. */
gboolean   is_label_with_text  (GtkWidget       *widget,
                                gconstpointer    data);
/* A GtkLabel whose label contains @data. */
gboolean   is_label_containing (GtkWidget       *widget,
                                gconstpointer    data);

/* Renders @widget (after it settled) with its window's renderer into a
 * PNG named @name in the test's build directory, reads the file back and
 * checks that it is the picture and has real content (not blank). */
void       save_screenshot     (GtkWidget       *widget,
                                const char      *name);

G_END_DECLS
