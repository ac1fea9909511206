/* ob-log-entry.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OB_TYPE_LOG_ENTRY (ob_log_entry_get_type ())

G_DECLARE_FINAL_TYPE (ObLogEntry, ob_log_entry, OB, LOG_ENTRY, GObject)

/* One row of a device log as the log tabs show and export it: its fields
 * as display text, in the tab's column order. */
ObLogEntry         *ob_log_entry_new        (const char * const *fields);
guint               ob_log_entry_get_n_fields (ObLogEntry     *self);
/* "" for a column past the end. */
const char         *ob_log_entry_get_field  (ObLogEntry         *self,
                                             guint               column);
const char * const *ob_log_entry_get_fields (ObLogEntry         *self);

G_END_DECLS
