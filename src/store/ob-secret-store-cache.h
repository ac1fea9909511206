/* ob-secret-store-cache.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-secret-store.h"

G_BEGIN_DECLS

#define OB_TYPE_SECRET_STORE_CACHE (ob_secret_store_cache_get_type ())

G_DECLARE_FINAL_TYPE (ObSecretStoreCache, ob_secret_store_cache, OB, SECRET_STORE_CACHE, GObject)

/* An ObSecretStore in front of another (the keyring): for the owner types
 * given (NULL: all), what it reads or writes stays in this process's
 * memory, and the first lookup of an owner type and kind reads all of them
 * with one bulk read, so a thousand devices cost one keyring search
 * instead of a thousand.  Writes go to the backend first and reach the
 * cache only once the backend took them.  Changes other programs make to
 * cached secrets are seen after a restart; other owner types go to the
 * backend every time. */
ObSecretStore *ob_secret_store_cache_new            (ObSecretStore      *backend,
                                                     const char * const *owner_types);
ObSecretStore *ob_secret_store_cache_get_backend    (ObSecretStoreCache *self);
guint          ob_secret_store_cache_get_n_bulk_reads (ObSecretStoreCache *self);

G_END_DECLS
