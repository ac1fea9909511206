/* ob-rps-ui-util.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-secret-store.h"
#include "ob-services.h"

G_BEGIN_DECLS

/* What the provisioning pages and editors share: inline field errors,
 * the clipboard, and secrets written off the main thread. */

/* Shows @message (NULL: hides it) in @error_row, an AdwPreferencesRow
 * whose child is a GtkLabel placed right under @field, and marks @field
 * with the "error" style while there is one. */
void      ob_rps_field_set_error     (GtkWidget   *field,
                                      GtkWidget   *error_row,
                                      const char  *message);
/* A hidden error row for ob_rps_field_set_error, added after @field. */
GtkWidget *ob_rps_error_row_new      (void);

void      ob_rps_copy_text           (GtkWidget   *widget,
                                      const char  *text);

/* The text of an editable, stripped of surrounding space (transfer full). */
char     *ob_rps_editable_dup_text   (GtkWidget   *editable);

/* A queue of keyring writes and removals run in order in a worker thread
 * (the keyring may block); values are wiped once written. */
typedef struct _ObRpsSecretJob ObRpsSecretJob;

ObRpsSecretJob *ob_rps_secret_job_new    (ObSecretStore       *store);
void            ob_rps_secret_job_set    (ObRpsSecretJob      *job,
                                          const char          *owner_type,
                                          const char          *owner_id,
                                          const char          *kind,
                                          const char          *text);
void            ob_rps_secret_job_set_bytes (ObRpsSecretJob   *job,
                                             const char       *owner_type,
                                             const char       *owner_id,
                                             const char       *kind,
                                             GBytes           *value);
/* @kind NULL: every secret of the owner. */
void            ob_rps_secret_job_clear  (ObRpsSecretJob      *job,
                                          const char          *owner_type,
                                          const char          *owner_id,
                                          const char          *kind);
/* Takes @job. */
void            ob_rps_secret_job_run    (ObRpsSecretJob      *job,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean        ob_rps_secret_job_finish (GAsyncResult        *result,
                                          GError             **error);
void            ob_rps_secret_job_free   (ObRpsSecretJob      *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObRpsSecretJob, ob_rps_secret_job_free)

/* The address devices reach this machine at: the primary address
 * (transfer full, never NULL). */
char     *ob_rps_this_machine_address (void);

G_END_DECLS

G_BEGIN_DECLS
/* The inline error under the row titled @title inside @root, NULL when it
 * shows none. */
const char *ob_rps_find_field_error (GtkWidget  *root,
                                     const char *title);
G_END_DECLS

G_BEGIN_DECLS
/* Puts a hidden error row right after @field (a row already in an
 * AdwPreferencesGroup) and returns it (transfer none). */
GtkWidget *ob_rps_attach_error_row (GtkWidget *field);
G_END_DECLS

G_BEGIN_DECLS
/* Runs @func (@object) on the main context after each emission of
 * @detailed_signal on @store, from whatever thread committed (the
 * provisioning flows write from worker threads); never once @object is
 * gone.  Returns the handler id for g_signal_handler_disconnect(). */
gulong ob_rps_watch_store (ObStore     *store,
                           const char  *detailed_signal,
                           gpointer     object,
                           GSourceFunc  func);
G_END_DECLS
