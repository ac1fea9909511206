/* ob-secret-store-memory.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-secret-store-memory.h"
#include "ob-util.h"

struct _ObSecretStoreMemory
{
  GObject     parent_instance;

  GMutex      mutex;
  GHashTable *secrets;      /* "type\x1fowner\x1fkind" → GBytes (wiped on free) */
  gboolean    unavailable;  /* simulates a locked or missing keyring */
};

static void secret_store_iface_init (ObSecretStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObSecretStoreMemory, ob_secret_store_memory, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_SECRET_STORE,
                                                      secret_store_iface_init))

static char *
make_key (const char *owner_type,
          const char *owner_id,
          const char *kind)
{
  return g_strconcat (owner_type, "\x1f", owner_id, "\x1f", kind, NULL);
}

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

  g_hash_table_replace (self->secrets, make_key (owner_type, owner_id, kind), ob_secure_bytes_copy (value));

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

  key = make_key (owner_type, owner_id, kind);
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
  g_autofree char *prefix = NULL;
  g_autofree char *suffix = NULL;
  GHashTable *found;
  GHashTableIter iter;
  const char *key;
  GBytes *value;

  if (g_cancellable_set_error_if_cancelled (cancellable, error) || !check_available (self, error))
    return NULL;

  prefix = g_strconcat (owner_type, "\x1f", NULL);
  suffix = g_strconcat ("\x1f", kind, NULL);
  found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  g_hash_table_iter_init (&iter, self->secrets);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &value))
    {
      const char *owner, *owner_end;

      if (!g_str_has_prefix (key, prefix))
        continue;
      /* Names never contain the separator (control characters are refused). */
      owner = key + strlen (prefix);
      owner_end = strchr (owner, '\x1f');
      if (owner_end != NULL && strcmp (owner_end, suffix) == 0)
        g_hash_table_insert (found, g_strndup (owner, owner_end - owner), ob_secure_bytes_copy (value));
    }

  return found;
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
  g_autofree char *prefix = NULL;
  GHashTableIter iter;
  const char *key;

  if (g_cancellable_set_error_if_cancelled (cancellable, error) || !check_available (self, error))
    return FALSE;

  if (kind != NULL)
    {
      g_autofree char *exact = make_key (owner_type, owner_id, kind);

      g_hash_table_remove (self->secrets, exact);
      return TRUE;
    }

  prefix = g_strconcat (owner_type, "\x1f", owner_id, "\x1f", NULL);
  g_hash_table_iter_init (&iter, self->secrets);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    {
      if (g_str_has_prefix (key, prefix))
        g_hash_table_iter_remove (&iter);
    }

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
  self->secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_bytes_unref);
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

void
ob_secret_store_memory_set_unavailable (ObSecretStoreMemory *self,
                                        gboolean             unavailable)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (OB_IS_SECRET_STORE_MEMORY (self));

  locker = g_mutex_locker_new (&self->mutex);
  self->unavailable = !!unavailable;
}
