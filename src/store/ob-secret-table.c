/* ob-secret-table.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-secret-table.h"
#include "ob-util.h"

#define SEPARATOR "\x1f"

GHashTable *
ob_secret_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
}

char *
ob_secret_table_key (const char *owner_type,
                     const char *owner_id,
                     const char *kind)
{
  return g_strconcat (owner_type, SEPARATOR, owner_id, SEPARATOR, kind, NULL);
}

/* One secret of the owner, or with @kind NULL every kind of it. */
void
ob_secret_table_remove (GHashTable *table,
                        const char *owner_type,
                        const char *owner_id,
                        const char *kind)
{
  g_autofree char *prefix = NULL;
  GHashTableIter iter;
  const char *key;

  if (kind != NULL)
    {
      g_autofree char *exact = ob_secret_table_key (owner_type, owner_id, kind);

      g_hash_table_remove (table, exact);
      return;
    }

  prefix = g_strconcat (owner_type, SEPARATOR, owner_id, SEPARATOR, NULL);
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    {
      if (g_str_has_prefix (key, prefix))
        g_hash_table_iter_remove (&iter);
    }
}

/* Owner id → GBytes of every secret of @owner_type and @kind: references
 * to the table's values, or with @copy copies of them (wiped when freed). */
GHashTable *
ob_secret_table_get_kind (GHashTable *table,
                          const char *owner_type,
                          const char *kind,
                          gboolean    copy)
{
  g_autofree char *prefix = g_strconcat (owner_type, SEPARATOR, NULL);
  g_autofree char *suffix = g_strconcat (SEPARATOR, kind, NULL);
  GHashTable *found = ob_secret_table_new ();
  GHashTableIter iter;
  const char *key;
  GBytes *value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      const char *owner, *owner_end;

      if (!g_str_has_prefix (key, prefix))
        continue;
      owner = key + strlen (prefix);
      owner_end = strchr (owner, SEPARATOR[0]);
      if (owner_end != NULL && strcmp (owner_end, suffix) == 0)
        g_hash_table_insert (found, g_strndup (owner, owner_end - owner),
                             copy ? ob_secure_bytes_copy (value) : g_bytes_ref (value));
    }

  return found;
}
