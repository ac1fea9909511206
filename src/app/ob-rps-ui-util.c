/* ob-rps-ui-util.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-rps-ui-util.h"
#include "ob-util.h"

void
ob_rps_field_set_error (GtkWidget  *field,
                        GtkWidget  *error_row,
                        const char *message)
{
  GtkWidget *label;

  g_return_if_fail (GTK_IS_WIDGET (field));
  g_return_if_fail (GTK_IS_LIST_BOX_ROW (error_row));

  label = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (error_row));
  if (message != NULL && message[0] != '\0')
    {
      gtk_label_set_text (GTK_LABEL (label), message);
      gtk_widget_add_css_class (field, "error");
      gtk_widget_set_visible (error_row, TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (field),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                      -1);
      gtk_accessible_update_state (GTK_ACCESSIBLE (field),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (label), "");
      gtk_widget_remove_css_class (field, "error");
      gtk_widget_set_visible (error_row, FALSE);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      gtk_accessible_reset_state (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_STATE_INVALID);
    }
}

GtkWidget *
ob_rps_error_row_new (void)
{
  GtkWidget *row = adw_preferences_row_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_widget_add_css_class (label, "error");
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (row, "ob-field-error");
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_visible (row, FALSE);

  return row;
}

void
ob_rps_copy_text (GtkWidget  *widget,
                  const char *text)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text != NULL ? text : "");
}

char *
ob_rps_editable_dup_text (GtkWidget *editable)
{
  g_return_val_if_fail (GTK_IS_EDITABLE (editable), NULL);

  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (editable))));
}

/* ------------------------------------------------------------------------
 * Secrets
 * ------------------------------------------------------------------------ */

typedef struct
{
  char     *owner_type;
  char     *owner_id;
  char     *kind;
  GBytes   *value;     /* NULL: clear */
  gboolean  is_text;
} SecretOp;

struct _ObRpsSecretJob
{
  ObSecretStore *store;
  GPtrArray     *ops;
};

static void
wipe_and_free (gpointer data)
{
  ob_secure_free_string (data);
}

static void
secret_op_free (SecretOp *op)
{
  g_free (op->owner_type);
  g_free (op->owner_id);
  g_free (op->kind);
  g_clear_pointer (&op->value, g_bytes_unref);
  g_free (op);
}

ObRpsSecretJob *
ob_rps_secret_job_new (ObSecretStore *store)
{
  ObRpsSecretJob *job = g_new0 (ObRpsSecretJob, 1);

  g_return_val_if_fail (OB_IS_SECRET_STORE (store), NULL);

  job->store = g_object_ref (store);
  job->ops = g_ptr_array_new_with_free_func ((GDestroyNotify) secret_op_free);

  return job;
}

void
ob_rps_secret_job_free (ObRpsSecretJob *job)
{
  if (job == NULL)
    return;

  g_clear_object (&job->store);
  g_ptr_array_unref (job->ops);
  g_free (job);
}

static void
add_op (ObRpsSecretJob *job,
        const char     *owner_type,
        const char     *owner_id,
        const char     *kind,
        GBytes         *value,
        gboolean        is_text)
{
  SecretOp *op = g_new0 (SecretOp, 1);

  op->owner_type = g_strdup (owner_type);
  op->owner_id = g_strdup (owner_id);
  op->kind = g_strdup (kind);
  op->value = value;
  op->is_text = is_text;
  g_ptr_array_add (job->ops, op);
}

void
ob_rps_secret_job_set (ObRpsSecretJob *job,
                       const char     *owner_type,
                       const char     *owner_id,
                       const char     *kind,
                       const char     *text)
{
  char *copy;

  g_return_if_fail (job != NULL);
  g_return_if_fail (text != NULL);

  copy = g_strdup (text);
  add_op (job, owner_type, owner_id, kind,
          g_bytes_new_with_free_func (copy, strlen (copy), wipe_and_free, copy), TRUE);
}

void
ob_rps_secret_job_set_bytes (ObRpsSecretJob *job,
                             const char     *owner_type,
                             const char     *owner_id,
                             const char     *kind,
                             GBytes         *value)
{
  g_return_if_fail (job != NULL);
  g_return_if_fail (value != NULL);

  add_op (job, owner_type, owner_id, kind, g_bytes_ref (value), FALSE);
}

void
ob_rps_secret_job_clear (ObRpsSecretJob *job,
                         const char     *owner_type,
                         const char     *owner_id,
                         const char     *kind)
{
  g_return_if_fail (job != NULL);

  add_op (job, owner_type, owner_id, kind, NULL, FALSE);
}

static void
secret_job_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ObRpsSecretJob *job = task_data;

  for (guint i = 0; i < job->ops->len; i++)
    {
      SecretOp *op = g_ptr_array_index (job->ops, i);
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (op->value == NULL)
        ok = ob_secret_store_clear_sync (job->store, op->owner_type, op->owner_id, op->kind,
                                         cancellable, &error);
      else if (op->is_text)
        {
          g_autofree char *text = g_strndup (g_bytes_get_data (op->value, NULL),
                                             g_bytes_get_size (op->value));

          ok = ob_secret_store_store_text_sync (job->store, op->owner_type, op->owner_id,
                                                op->kind, text, cancellable, &error);
          ob_secure_clear (text, strlen (text));
        }
      else
        ok = ob_secret_store_store_sync (job->store, op->owner_type, op->owner_id, op->kind,
                                         op->value, cancellable, &error);

      if (!ok)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  g_task_return_boolean (task, TRUE);
}

void
ob_rps_secret_job_run (ObRpsSecretJob      *job,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (job != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_rps_secret_job_run);
  g_task_set_task_data (task, job, (GDestroyNotify) ob_rps_secret_job_free);
  g_task_run_in_thread (task, secret_job_thread);
}

gboolean
ob_rps_secret_job_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

char *
ob_rps_this_machine_address (void)
{
  char *address = ob_get_primary_address ();

  if (address == NULL || address[0] == '\0')
    {
      g_free (address);
      address = g_strdup ("127.0.0.1");
    }

  return address;
}

static GtkWidget *
find_row_titled (GtkWidget  *root,
                 const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row_titled (child, title);

      if (found != NULL)
        return found;
    }

  return NULL;
}

const char *
ob_rps_find_field_error (GtkWidget  *root,
                         const char *title)
{
  GtkWidget *row;
  GtkWidget *next;

  g_return_val_if_fail (GTK_IS_WIDGET (root), NULL);

  row = find_row_titled (root, title);
  if (row == NULL)
    return NULL;

  next = gtk_widget_get_next_sibling (row);
  if (next == NULL || !gtk_widget_has_css_class (next, "ob-field-error") ||
      !gtk_widget_get_visible (next))
    return NULL;

  return gtk_label_get_text (GTK_LABEL (gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (next))));
}

GtkWidget *
ob_rps_attach_error_row (GtkWidget *field)
{
  GtkWidget *list = gtk_widget_get_parent (field);
  GtkWidget *row;

  g_return_val_if_fail (GTK_IS_LIST_BOX (list), NULL);

  row = ob_rps_error_row_new ();
  gtk_list_box_insert (GTK_LIST_BOX (list), row,
                       gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (field)) + 1);

  return row;
}

/* Shared by the signal closure and nothing else: it lives as long as the
 * connection, and the weak reference says whether the page still does. */
typedef struct
{
  GWeakRef    ref;
  GSourceFunc func;
} StoreWatch;

static void
store_watch_clear (gpointer data)
{
  StoreWatch *watch = data;

  g_weak_ref_clear (&watch->ref);
}

static void
store_watch_release (gpointer  data,
                     GClosure *closure)
{
  g_atomic_rc_box_release_full (data, store_watch_clear);
}

static void
on_watched_store_changed (ObStore    *store,
                          const char *kind,
                          const char *key,
                          gpointer    user_data)
{
  StoreWatch *watch = user_data;
  GObject *object = g_weak_ref_get (&watch->ref);

  if (object == NULL)
    return;

  /* The strong reference goes with the callback and is dropped on the
   * main context. */
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, watch->func, object, g_object_unref);
}

gulong
ob_rps_watch_store (ObStore     *store,
                    const char  *detailed_signal,
                    gpointer     object,
                    GSourceFunc  func)
{
  StoreWatch *watch;

  g_return_val_if_fail (OB_IS_STORE (store), 0);
  g_return_val_if_fail (G_IS_OBJECT (object), 0);

  watch = g_atomic_rc_box_new0 (StoreWatch);
  g_weak_ref_init (&watch->ref, object);
  watch->func = func;

  return g_signal_connect_data (store, detailed_signal, G_CALLBACK (on_watched_store_changed),
                                watch, store_watch_release, 0);
}
