/* ob-secret-store-memory.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-secret-store-memory.h"
#include "ob-secret-table.h"
#include "ob-util.h"

struct _ObSecretStoreMemory
{
  GObject     parent_instance;

  GMutex      mutex;
  GHashTable *secrets;      /* an ob-secret-table (values wiped on free) */
  gboolean    unavailable;  /* simulates a locked or missing keyring */
  guint       n_bulk_reads; /* lookup_all calls, for tests */
};

static void secret_store_iface_init (ObSecretStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObSecretStoreMemory, ob_secret_store_memory, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_SECRET_STORE,
                                                      secret_store_iface_init))

static gboolean
check_available (ObSecretStoreMemory  *self,
                 GError              **error)
{
  if (self->unavailable)
    {
      g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE,
                   "The keyring is not available");
      return FALSE;
    }
  return TRUE;
}

static gboolean
memory_store (ObSecretStore  *store,
              const char     *owner_type,
              const char     *owner_id,
              const char     *kind,
              GBytes         *value,
              gboolean        is_text,
              GCancellable   *cancellable,
              GError        **error)
{
  ObSecretStoreMemory *self = OB_SECRET_STORE_MEMORY (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (g_cancellable_set_error_if_cancelled (cancellable, error) || !check_available (self, error))
    return FALSE;

  g_hash_table_replace (self->secrets, ob_secret_table_key (owner_type, owner_id, kind),
                        ob_secure_bytes_copy (value));

  return TRUE;
}

static GBytes *
memory_lookup (ObSecretStore  *store,
               const char     *owner_type,
               const char     *owner_id,
               const char     *kind,
               GCancellable   *cancellable,
               GError        **error)
{
  ObSecretStoreMemory *self = OB_SECRET_STORE_MEMORY (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autofree char *key = NULL;
  GBytes *value;

  if (g_cancellable_set_error_if_cancelled (cancellable, error) || !check_available (self, error))
    return NULL;

  key = ob_secret_table_key (owner_type, owner_id, kind);
  value = g_hash_table_lookup (self->secrets, key);

  return value != NULL ? ob_secure_bytes_copy (value) : NULL;
}

static GHashTable *
memory_lookup_all (ObSecretStore  *store,
                   const char     *owner_type,
                   const char     *kind,
                   GCancellable   *cancellable,
                   GError        **error)
{
  ObSecretStoreMemory *self = OB_SECRET_STORE_MEMORY (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  self->n_bulk_reads++;
  if (g_cancellable_set_error_if_cancelled (cancellable, error) || !check_available (self, error))
    return NULL;

  return ob_secret_table_get_kind (self->secrets, owner_type, kind, TRUE);
}

static gboolean
memory_clear (ObSecretStore  *store,
              const char     *owner_type,
              const char     *owner_id,
              const char     *kind,
              GCancellable   *cancellable,
              GError        **error)
{
  ObSecretStoreMemory *self = OB_SECRET_STORE_MEMORY (store);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);

  if (g_cancellable_set_error_if_cancelled (cancellable, error) || !check_available (self, error))
    return FALSE;

  ob_secret_table_remove (self->secrets, owner_type, owner_id, kind);

  return TRUE;
}

static void
secret_store_iface_init (ObSecretStoreInterface *iface)
{
  iface->store = memory_store;
  iface->lookup = memory_lookup;
  iface->clear = memory_clear;
  iface->lookup_all = memory_lookup_all;
}

static void
ob_secret_store_memory_finalize (GObject *object)
{
  ObSecretStoreMemory *self = (ObSecretStoreMemory *) object;

  g_clear_pointer (&self->secrets, g_hash_table_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ob_secret_store_memory_parent_class)->finalize (object);
}

static void
ob_secret_store_memory_class_init (ObSecretStoreMemoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_secret_store_memory_finalize;
}

static void
ob_secret_store_memory_init (ObSecretStoreMemory *self)
{
  g_mutex_init (&self->mutex);
  self->secrets = ob_secret_table_new ();
}

ObSecretStore *
ob_secret_store_memory_new (void)
{
  return g_object_new (OB_TYPE_SECRET_STORE_MEMORY, NULL);
}

guint
ob_secret_store_memory_get_n_secrets (ObSecretStoreMemory *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (OB_IS_SECRET_STORE_MEMORY (self), 0);

  locker = g_mutex_locker_new (&self->mutex);

  return g_hash_table_size (self->secrets);
}

/* How many times every secret of a kind was asked for at once. */
guint
ob_secret_store_memory_get_n_bulk_reads (ObSecretStoreMemory *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (OB_IS_SECRET_STORE_MEMORY (self), 0);

  locker = g_mutex_locker_new (&self->mutex);

  return self->n_bulk_reads;
}

void
ob_secret_store_memory_set_unavailable (ObSecretStoreMemory *self,
                                        gboolean             unavailable)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (OB_IS_SECRET_STORE_MEMORY (self));

  locker = g_mutex_locker_new (&self->mutex);
  self->unavailable = !!unavailable;
}
