/* ob-secret-store.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Owners: what a secret belongs to.  The owner id is the device GUID, the
 * profile / domain / CIRA config / wireless / 802.1x config name, or a fixed
 * name for app-wide secrets ("mps" for the CA keys, "api" for the REST API). */
#define OB_SECRET_OWNER_DEVICE      "device"
#define OB_SECRET_OWNER_PROFILE     "profile"
#define OB_SECRET_OWNER_DOMAIN      "domain"
#define OB_SECRET_OWNER_CIRA_CONFIG "cira-config"
#define OB_SECRET_OWNER_WIRELESS    "wireless"
#define OB_SECRET_OWNER_IEEE8021X   "ieee8021x"
#define OB_SECRET_OWNER_CA          "ca"
#define OB_SECRET_OWNER_API         "api"

/* Kinds: what the secret is. */
#define OB_SECRET_KIND_AMT_PASSWORD    "amt-password"
#define OB_SECRET_KIND_MEBX_PASSWORD   "mebx-password"
#define OB_SECRET_KIND_MPS_PASSWORD    "mps-password"
#define OB_SECRET_KIND_PFX             "pfx"
#define OB_SECRET_KIND_PFX_PASSWORD    "pfx-password"
#define OB_SECRET_KIND_PSK_PASSPHRASE  "psk-passphrase"
#define OB_SECRET_KIND_PRIVATE_KEY     "private-key"
#define OB_SECRET_KIND_API_PASSWORD    "api-password"
#define OB_SECRET_KIND_JWT_KEY         "jwt-signing-key"

#define OB_SECRET_STORE_ERROR (ob_secret_store_error_quark ())

typedef enum
{
  OB_SECRET_STORE_ERROR_UNAVAILABLE = 1,
  OB_SECRET_STORE_ERROR_INVALID,
} ObSecretStoreError;

GQuark ob_secret_store_error_quark (void);

#define OB_TYPE_SECRET_STORE (ob_secret_store_get_type ())

G_DECLARE_INTERFACE (ObSecretStore, ob_secret_store, OB, SECRET_STORE, GObject)

/* The backends implement blocking calls that must be safe to call from any
 * thread; the _async wrappers run them in a worker thread so the main loop
 * never waits on the keyring.  A value is binary (GBytes) and may hold text;
 * text helpers store UTF-8 without the terminating NUL.
 *
 * lookup returns NULL without an error when there is no such secret; clear
 * with kind NULL removes every secret of the owner, and succeeds when there
 * was nothing to remove.
 *
 * lookup_all (optional) reads every secret of one owner type and kind at
 * once: a table of owner id → GBytes.  A keyring answers it with one
 * search, where a lookup per owner costs a search each. */
struct _ObSecretStoreInterface
{
  GTypeInterface parent_iface;

  gboolean  (*store)  (ObSecretStore  *self,
                       const char     *owner_type,
                       const char     *owner_id,
                       const char     *kind,
                       GBytes         *value,
                       gboolean        is_text,
                       GCancellable   *cancellable,
                       GError        **error);
  GBytes   *(*lookup) (ObSecretStore  *self,
                       const char     *owner_type,
                       const char     *owner_id,
                       const char     *kind,
                       GCancellable   *cancellable,
                       GError        **error);
  gboolean  (*clear)  (ObSecretStore  *self,
                       const char     *owner_type,
                       const char     *owner_id,
                       const char     *kind,
                       GCancellable   *cancellable,
                       GError        **error);
  GHashTable *(*lookup_all) (ObSecretStore  *self,
                             const char     *owner_type,
                             const char     *kind,
                             GCancellable   *cancellable,
                             GError        **error);
};

gboolean  ob_secret_store_store_sync        (ObSecretStore        *self,
                                             const char           *owner_type,
                                             const char           *owner_id,
                                             const char           *kind,
                                             GBytes               *value,
                                             GCancellable         *cancellable,
                                             GError              **error);
gboolean  ob_secret_store_store_text_sync   (ObSecretStore        *self,
                                             const char           *owner_type,
                                             const char           *owner_id,
                                             const char           *kind,
                                             const char           *text,
                                             GCancellable         *cancellable,
                                             GError              **error);
GBytes   *ob_secret_store_lookup_sync       (ObSecretStore        *self,
                                             const char           *owner_type,
                                             const char           *owner_id,
                                             const char           *kind,
                                             GCancellable         *cancellable,
                                             GError              **error);
char     *ob_secret_store_lookup_text_sync  (ObSecretStore        *self,
                                             const char           *owner_type,
                                             const char           *owner_id,
                                             const char           *kind,
                                             GCancellable         *cancellable,
                                             GError              **error);
gboolean  ob_secret_store_can_lookup_all    (ObSecretStore        *self);
GHashTable *ob_secret_store_lookup_all_sync (ObSecretStore        *self,
                                             const char           *owner_type,
                                             const char           *kind,
                                             GCancellable         *cancellable,
                                             GError              **error);
gboolean  ob_secret_store_clear_sync        (ObSecretStore        *self,
                                             const char           *owner_type,
                                             const char           *owner_id,
                                             const char           *kind,
                                             GCancellable         *cancellable,
                                             GError              **error);

void      ob_secret_store_store_async       (ObSecretStore        *self,
                                             const char           *owner_type,
                                             const char           *owner_id,
                                             const char           *kind,
                                             GBytes               *value,
                                             gboolean              is_text,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean  ob_secret_store_store_finish      (ObSecretStore        *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void      ob_secret_store_lookup_async      (ObSecretStore        *self,
                                             const char           *owner_type,
                                             const char           *owner_id,
                                             const char           *kind,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GBytes   *ob_secret_store_lookup_finish     (ObSecretStore        *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void      ob_secret_store_clear_async       (ObSecretStore        *self,
                                             const char           *owner_type,
                                             const char           *owner_id,
                                             const char           *kind,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean  ob_secret_store_clear_finish      (ObSecretStore        *self,
                                             GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
