/* ob-secret-table.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The in-memory table of secrets the memory backend and the keyring's
 * cache both keep: "owner type␟owner␟kind" → GBytes (wiped or secure
 * memory).  Names never hold the separator: ObSecretStore refuses control
 * characters in them.  Not locked: the owner holds its own lock. */
GHashTable *ob_secret_table_new          (void);
char       *ob_secret_table_key          (const char *owner_type,
                                          const char *owner_id,
                                          const char *kind);
void        ob_secret_table_remove       (GHashTable *table,
                                          const char *owner_type,
                                          const char *owner_id,
                                          const char *kind);
GHashTable *ob_secret_table_get_kind     (GHashTable *table,
                                          const char *owner_type,
                                          const char *kind,
                                          gboolean    copy);

G_END_DECLS
