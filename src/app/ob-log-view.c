/* ob-log-view.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-log-entry.h"
#include "ob-log-view.h"
#include "ob-ui-util.h"

struct _ObLogView
{
  AdwBin parent_instance;

  char **column_titles;
  GListModel *entries;
  guint page;
  guint n_pages;
  gboolean loading;
  gboolean exporting;

  GtkLabel *summary_label;
  GtkStack *stack;
  AdwStatusPage *error_page;
  GtkColumnView *column_view;
  GtkWidget *pager;
  GtkLabel *page_label;
};

G_DEFINE_FINAL_TYPE (ObLogView, ob_log_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_COLUMN_TITLES,
  PROP_PAGE,
  PROP_N_PAGES,
  N_PROPS
};

enum {
  RELOAD,
  EXPORT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define COLUMN_KEY "ob-column"

static void
ob_log_view_update_actions (ObLogView *self)
{
  gboolean has_entries = self->entries != NULL && g_list_model_get_n_items (self->entries) > 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.reload", !self->loading);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.export",
                                 !self->loading && !self->exporting && has_entries);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.previous-page", !self->loading && self->page > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.next-page",
                                 !self->loading && self->page + 1 < self->n_pages);
}

static void
ob_log_view_update_pager (ObLogView *self)
{
  g_autofree char *text = NULL;

  /* Translators: "Page 2 of 5" under a log table */
  text = g_strdup_printf (_("Page %u of %u"), self->page + 1, MAX (self->n_pages, 1));
  gtk_label_set_label (self->page_label, text);
  gtk_widget_set_visible (self->pager, self->n_pages > 1);
  ob_log_view_update_actions (self);
}

static void
on_cell_setup (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_list_item_set_child (list_item, label);
}

static void
on_cell_bind (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  ObLogEntry *entry = gtk_list_item_get_item (list_item);
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), COLUMN_KEY));
  const char *text = ob_log_entry_get_field (entry, column);

  gtk_label_set_label (GTK_LABEL (label), text);
  /* Long descriptions are cut in the table; the tooltip has all of it. */
  gtk_widget_set_tooltip_text (label, g_utf8_strlen (text, -1) > 24 ? text : NULL);
}

static void
ob_log_view_add_columns (ObLogView *self)
{
  guint n = self->column_titles != NULL ? g_strv_length (self->column_titles) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_object_set_data (G_OBJECT (factory), COLUMN_KEY, GUINT_TO_POINTER (i));
      g_signal_connect (factory, "setup", G_CALLBACK (on_cell_setup), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (on_cell_bind), NULL);

      column = gtk_column_view_column_new (self->column_titles[i], g_object_ref (factory));
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, i + 1 == n);
      gtk_column_view_append_column (self->column_view, column);
    }
}

static void
ob_log_view_reload_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  g_signal_emit (widget, signals[RELOAD], 0);
}

static void
ob_log_view_export_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  g_signal_emit (widget, signals[EXPORT], 0);
}

static void
ob_log_view_previous_page_action (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *param)
{
  ObLogView *self = OB_LOG_VIEW (widget);

  if (self->page > 0)
    ob_log_view_set_page (self, self->page - 1);
}

static void
ob_log_view_next_page_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  ObLogView *self = OB_LOG_VIEW (widget);

  if (self->page + 1 < self->n_pages)
    ob_log_view_set_page (self, self->page + 1);
}

static void
ob_log_view_constructed (GObject *object)
{
  ObLogView *self = OB_LOG_VIEW (object);

  G_OBJECT_CLASS (ob_log_view_parent_class)->constructed (object);

  ob_log_view_add_columns (self);
  ob_log_view_update_pager (self);
}

static void
ob_log_view_dispose (GObject *object)
{
  ObLogView *self = OB_LOG_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_LOG_VIEW);
  g_clear_object (&self->entries);

  G_OBJECT_CLASS (ob_log_view_parent_class)->dispose (object);
}

static void
ob_log_view_finalize (GObject *object)
{
  ObLogView *self = OB_LOG_VIEW (object);

  g_strfreev (self->column_titles);

  G_OBJECT_CLASS (ob_log_view_parent_class)->finalize (object);
}

static void
ob_log_view_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ObLogView *self = OB_LOG_VIEW (object);

  switch (prop_id)
    {
    case PROP_COLUMN_TITLES:
      g_value_set_boxed (value, self->column_titles);
      break;

    case PROP_PAGE:
      g_value_set_uint (value, self->page);
      break;

    case PROP_N_PAGES:
      g_value_set_uint (value, self->n_pages);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_log_view_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ObLogView *self = OB_LOG_VIEW (object);

  switch (prop_id)
    {
    case PROP_COLUMN_TITLES:
      self->column_titles = g_value_dup_boxed (value);
      break;

    case PROP_PAGE:
      ob_log_view_set_page (self, g_value_get_uint (value));
      break;

    case PROP_N_PAGES:
      ob_log_view_set_n_pages (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_log_view_class_init (ObLogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ob_log_view_constructed;
  object_class->dispose = ob_log_view_dispose;
  object_class->finalize = ob_log_view_finalize;
  object_class->get_property = ob_log_view_get_property;
  object_class->set_property = ob_log_view_set_property;

  properties[PROP_COLUMN_TITLES] =
    g_param_spec_boxed ("column-titles", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* The page shown, 0 for the newest records. */
  properties[PROP_PAGE] =
    g_param_spec_uint ("page", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_N_PAGES] =
    g_param_spec_uint ("n-pages", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RELOAD] =
    g_signal_new ("reload",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  signals[EXPORT] =
    g_signal_new ("export",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-log-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ObLogView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, ObLogView, stack);
  gtk_widget_class_bind_template_child (widget_class, ObLogView, error_page);
  gtk_widget_class_bind_template_child (widget_class, ObLogView, column_view);
  gtk_widget_class_bind_template_child (widget_class, ObLogView, pager);
  gtk_widget_class_bind_template_child (widget_class, ObLogView, page_label);

  gtk_widget_class_install_action (widget_class, "log.reload", NULL, ob_log_view_reload_action);
  gtk_widget_class_install_action (widget_class, "log.export", NULL, ob_log_view_export_action);
  gtk_widget_class_install_action (widget_class, "log.previous-page", NULL, ob_log_view_previous_page_action);
  gtk_widget_class_install_action (widget_class, "log.next-page", NULL, ob_log_view_next_page_action);
}

static void
ob_log_view_init (ObLogView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * ob_log_view_new:
 * @column_titles: (array zero-terminated=1): the table's column titles
 *
 * Returns: (transfer full): a new log view
 */
GtkWidget *
ob_log_view_new (const char * const *column_titles)
{
  return g_object_new (OB_TYPE_LOG_VIEW, "column-titles", column_titles, NULL);
}

/**
 * ob_log_view_get_column_titles:
 * @self: an #ObLogView
 *
 * Returns: (transfer none) (array zero-terminated=1): the column titles
 */
const char * const *
ob_log_view_get_column_titles (ObLogView *self)
{
  g_return_val_if_fail (OB_IS_LOG_VIEW (self), NULL);

  return (const char * const *) self->column_titles;
}

void
ob_log_view_set_loading (ObLogView *self)
{
  g_return_if_fail (OB_IS_LOG_VIEW (self));

  self->loading = TRUE;
  gtk_label_set_label (self->summary_label, _("Reading the log…"));
  gtk_stack_set_visible_child_name (self->stack, "loading");
  ob_log_view_update_actions (self);
}

void
ob_log_view_set_error (ObLogView  *self,
                       const char *message)
{
  g_return_if_fail (OB_IS_LOG_VIEW (self));

  self->loading = FALSE;
  gtk_label_set_label (self->summary_label, "");
  adw_status_page_set_description (self->error_page, message);
  gtk_stack_set_visible_child_name (self->stack, "error");
  ob_log_view_update_actions (self);
}

void
ob_log_view_set_entries (ObLogView  *self,
                         GListModel *entries,
                         const char *summary)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_if_fail (OB_IS_LOG_VIEW (self));
  g_return_if_fail (G_IS_LIST_MODEL (entries));

  self->loading = FALSE;
  g_set_object (&self->entries, entries);
  selection = gtk_no_selection_new (g_object_ref (entries));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));

  gtk_label_set_label (self->summary_label, summary != NULL ? summary : "");
  gtk_stack_set_visible_child_name (self->stack,
                                    g_list_model_get_n_items (entries) > 0 ? "list" : "empty");
  ob_log_view_update_actions (self);
}

/**
 * ob_log_view_get_entries:
 * @self: an #ObLogView
 *
 * Returns: (transfer none) (nullable): the entries the table shows
 */
GListModel *
ob_log_view_get_entries (ObLogView *self)
{
  g_return_val_if_fail (OB_IS_LOG_VIEW (self), NULL);

  return self->entries;
}

const char *
ob_log_view_get_state (ObLogView *self)
{
  g_return_val_if_fail (OB_IS_LOG_VIEW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

guint
ob_log_view_get_page (ObLogView *self)
{
  g_return_val_if_fail (OB_IS_LOG_VIEW (self), 0);

  return self->page;
}

void
ob_log_view_set_page (ObLogView *self,
                      guint      page)
{
  g_return_if_fail (OB_IS_LOG_VIEW (self));

  if (self->page == page)
    return;

  self->page = page;
  ob_log_view_update_pager (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE]);
}

guint
ob_log_view_get_n_pages (ObLogView *self)
{
  g_return_val_if_fail (OB_IS_LOG_VIEW (self), 0);

  return self->n_pages;
}

void
ob_log_view_set_n_pages (ObLogView *self,
                         guint      n_pages)
{
  g_return_if_fail (OB_IS_LOG_VIEW (self));

  if (self->n_pages == n_pages)
    return;

  self->n_pages = n_pages;
  ob_log_view_update_pager (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PAGES]);
}

void
ob_log_view_set_exporting (ObLogView *self,
                           gboolean   exporting)
{
  g_return_if_fail (OB_IS_LOG_VIEW (self));

  self->exporting = !!exporting;
  ob_log_view_update_actions (self);
}

GBytes *
ob_log_entries_to_csv (const char * const *column_titles,
                       GListModel         *entries)
{
  g_autoptr(GString) csv = g_string_new (NULL);
  guint n_columns;

  g_return_val_if_fail (column_titles != NULL, NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (entries), NULL);

  n_columns = g_strv_length ((char **) column_titles);

  for (guint i = 0; i < n_columns; i++)
    ob_csv_append_field (csv, column_titles[i], i == 0);
  g_string_append (csv, "\r\n");

  for (guint row = 0; row < g_list_model_get_n_items (entries); row++)
    {
      g_autoptr(ObLogEntry) entry = g_list_model_get_item (entries, row);

      for (guint i = 0; i < n_columns; i++)
        ob_csv_append_field (csv, ob_log_entry_get_field (entry, i), i == 0);
      g_string_append (csv, "\r\n");
    }

  return g_string_free_to_bytes (g_steal_pointer (&csv));
}
