/* ob-secret-store-memory.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-secret-store.h"

G_BEGIN_DECLS

#define OB_TYPE_SECRET_STORE_MEMORY (ob_secret_store_memory_get_type ())

G_DECLARE_FINAL_TYPE (ObSecretStoreMemory, ob_secret_store_memory, OB, SECRET_STORE_MEMORY, GObject)

/* Keeps secrets in process memory, wiped when replaced or freed.  For unit
 * tests and for headless runs that must not touch a keyring. */
ObSecretStore *ob_secret_store_memory_new              (void);
guint          ob_secret_store_memory_get_n_secrets    (ObSecretStoreMemory *self);
guint          ob_secret_store_memory_get_n_bulk_reads (ObSecretStoreMemory *self);
void           ob_secret_store_memory_set_unavailable  (ObSecretStoreMemory *self,
                                                        gboolean             unavailable);

G_END_DECLS
