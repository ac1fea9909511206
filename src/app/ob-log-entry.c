/* ob-log-entry.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-log-entry.h"

struct _ObLogEntry
{
  GObject parent_instance;

  char **fields;
};

G_DEFINE_FINAL_TYPE (ObLogEntry, ob_log_entry, G_TYPE_OBJECT)

static void
ob_log_entry_finalize (GObject *object)
{
  ObLogEntry *self = OB_LOG_ENTRY (object);

  g_strfreev (self->fields);

  G_OBJECT_CLASS (ob_log_entry_parent_class)->finalize (object);
}

static void
ob_log_entry_class_init (ObLogEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_log_entry_finalize;
}

static void
ob_log_entry_init (ObLogEntry *self)
{
}

/**
 * ob_log_entry_new:
 * @fields: (array zero-terminated=1): the row's fields, copied
 *
 * Returns: (transfer full): a new entry
 */
ObLogEntry *
ob_log_entry_new (const char * const *fields)
{
  ObLogEntry *self = g_object_new (OB_TYPE_LOG_ENTRY, NULL);

  g_return_val_if_fail (fields != NULL, self);

  self->fields = g_strdupv ((char **) fields);
  return self;
}

guint
ob_log_entry_get_n_fields (ObLogEntry *self)
{
  g_return_val_if_fail (OB_IS_LOG_ENTRY (self), 0);

  return self->fields != NULL ? g_strv_length (self->fields) : 0;
}

const char *
ob_log_entry_get_field (ObLogEntry *self,
                        guint       column)
{
  g_return_val_if_fail (OB_IS_LOG_ENTRY (self), "");

  if (self->fields == NULL || column >= g_strv_length (self->fields))
    return "";

  return self->fields[column];
}

/**
 * ob_log_entry_get_fields:
 * @self: an #ObLogEntry
 *
 * Returns: (transfer none) (array zero-terminated=1): every field
 */
const char * const *
ob_log_entry_get_fields (ObLogEntry *self)
{
  g_return_val_if_fail (OB_IS_LOG_ENTRY (self), NULL);

  return (const char * const *) self->fields;
}
