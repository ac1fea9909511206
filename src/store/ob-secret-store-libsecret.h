/* ob-secret-store-libsecret.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-secret-store.h"

G_BEGIN_DECLS

#define OB_TYPE_SECRET_STORE_LIBSECRET (ob_secret_store_libsecret_get_type ())

G_DECLARE_FINAL_TYPE (ObSecretStoreLibsecret, ob_secret_store_libsecret, OB, SECRET_STORE_LIBSECRET, GObject)

/* The user's keyring through the Secret Service (the Secret portal inside
 * Flatpak).  One schema for the app; items carry the attributes owner-type,
 * owner and kind. */
ObSecretStore *ob_secret_store_libsecret_new (void);

G_END_DECLS
