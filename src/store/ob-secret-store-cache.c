/* ob-secret-store-cache.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-secret-store-cache.h"
#include "ob-secret-table.h"
#include "ob-util.h"

/* After a failed bulk read (a locked keyring), lookups go one at a time
 * for this long before the bulk read is tried again. */
#define BULK_RETRY_USEC (30 * G_USEC_PER_SEC)

struct _ObSecretStoreCache
{
  GObject        parent_instance;

  ObSecretStore *backend;
  GStrv          owner_types; /* cached ones; NULL: all */

  GMutex         mutex;
  GCond          bulk_done;
  GHashTable    *values;      /* an ob-secret-table */
  GHashTable    *complete;    /* "type\x1fkind" whose every secret is in values */
  GHashTable    *loading;     /* "type\x1fkind" being read in bulk by some thread */
  GHashTable    *failed;      /* "type\x1fkind" → BulkFailure */
  guint64        generation;  /* bumped by every write the backend took */
  guint          n_bulk_reads;
};

static void secret_store_iface_init (ObSecretStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObSecretStoreCache, ob_secret_store_cache, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_SECRET_STORE,
                                                      secret_store_iface_init))

/* The last bulk read of a kind failed: when, and why. */
typedef struct
{
  gint64  at;     /* monotonic µs */
  GError *error;
} BulkFailure;

static void
bulk_failure_free (gpointer data)
{
  BulkFailure *failure = data;

  g_error_free (failure->error);
  g_free (failure);
}

static char *
kind_key (const char *owner_type,
          const char *kind)
{
  return g_strconcat (owner_type, "\x1f", kind, NULL);
}

static gboolean
is_cached (ObSecretStoreCache *self,
           const char         *owner_type)
{
  return self->owner_types == NULL || g_strv_contains ((const char * const *) self->owner_types, owner_type);
}

/* Reads every secret of @owner_type and @kind into the cache, once: other
 * threads asking meanwhile wait for this read instead of starting theirs.
 * Returns with the mutex held: TRUE when the kind is complete, else FALSE
 * and why (then lookups go one at a time):
 *   - the backend cannot read in bulk (G_IO_ERROR_NOT_SUPPORTED);
 *   - the bulk read failed, now or less than BULK_RETRY_USEC ago (its error);
 *   - a write came in while it ran and may be newer than what it read
 *     (G_IO_ERROR_BUSY; reading again would do). */
static gboolean
ensure_complete_locked (ObSecretStoreCache  *self,
                        const char          *owner_type,
                        const char          *kind,
                        GError             **error)
{
  g_autofree char *pair = kind_key (owner_type, kind);
  g_autoptr(GHashTable) found = NULL;
  g_autoptr(GError) read_error = NULL;
  BulkFailure *failure;
  GHashTableIter iter;
  const char *owner;
  GBytes *value;
  guint64 generation;

  while (g_hash_table_contains (self->loading, pair))
    g_cond_wait (&self->bulk_done, &self->mutex);

  if (g_hash_table_contains (self->complete, pair))
    return TRUE;
  if (!ob_secret_store_can_lookup_all (self->backend))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "This secret store reads secrets one at a time");
      return FALSE;
    }
  failure = g_hash_table_lookup (self->failed, pair);
  if (failure != NULL && g_get_monotonic_time () - failure->at < BULK_RETRY_USEC)
    {
      if (error != NULL)
        *error = g_error_copy (failure->error);
      return FALSE;
    }

  g_hash_table_add (self->loading, g_strdup (pair));
  generation = self->generation;
  self->n_bulk_reads++;
  g_mutex_unlock (&self->mutex);

  /* The read serves every thread waiting on it: one caller's cancellable
   * must not end it for the others. */
  found = ob_secret_store_lookup_all_sync (self->backend, owner_type, kind, NULL, &read_error);

  g_mutex_lock (&self->mutex);
  g_hash_table_remove (self->loading, pair);
  g_cond_broadcast (&self->bulk_done);

  if (found == NULL)
    {
      failure = g_new (BulkFailure, 1);
      failure->at = g_get_monotonic_time ();
      failure->error = g_error_copy (read_error);
      g_hash_table_replace (self->failed, g_strdup (pair), failure);
      g_debug ("Secrets of kind %s are read one at a time: %s", kind, read_error->message);
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }
  g_hash_table_remove (self->failed, pair);

  if (generation != self->generation)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "Secrets of kind %s were written while they were being read", kind);
      return FALSE;
    }

  g_hash_table_iter_init (&iter, found);
  while (g_hash_table_iter_next (&iter, (gpointer *) &owner, (gpointer *) &value))
    g_hash_table_replace (self->values, ob_secret_table_key (owner_type, owner, kind), g_bytes_ref (value));
  g_hash_table_add (self->complete, g_steal_pointer (&pair));

  return TRUE;
}

static GBytes *
cache_lookup (ObSecretStore  *store,
              const char     *owner_type,
              const char     *owner_id,
              const char     *kind,
              GCancellable   *cancellable,
              GError        **error)
{
  ObSecretStoreCache *self = OB_SECRET_STORE_CACHE (store);
  g_autofree char *key = ob_secret_table_key (owner_type, owner_id, kind);
  g_autofree char *pair = kind_key (owner_type, kind);
  GBytes *value;
  guint64 generation;

  if (!is_cached (self, owner_type))
    return OB_SECRET_STORE_GET_IFACE (self->backend)->lookup (self->backend, owner_type, owner_id,
                                                              kind, cancellable, error);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  g_mutex_lock (&self->mutex);
  value = g_hash_table_lookup (self->values, key);
  if (value == NULL && ensure_complete_locked (self, owner_type, kind, NULL))
    value = g_hash_table_lookup (self->values, key);
  if (value != NULL || g_hash_table_contains (self->complete, pair))
    {
      value = value != NULL ? g_bytes_ref (value) : NULL;
      g_mutex_unlock (&self->mutex);
      return value;
    }
  generation = self->generation;
  g_mutex_unlock (&self->mutex);

  value = OB_SECRET_STORE_GET_IFACE (self->backend)->lookup (self->backend, owner_type, owner_id,
                                                             kind, cancellable, error);
  if (value == NULL)
    return NULL;

  g_mutex_lock (&self->mutex);
  if (generation == self->generation)
    g_hash_table_replace (self->values, g_steal_pointer (&key), g_bytes_ref (value));
  g_mutex_unlock (&self->mutex);

  return value;
}

static gboolean
cache_store (ObSecretStore  *store,
             const char     *owner_type,
             const char     *owner_id,
             const char     *kind,
             GBytes         *value,
             gboolean        is_text,
             GCancellable   *cancellable,
             GError        **error)
{
  ObSecretStoreCache *self = OB_SECRET_STORE_CACHE (store);

  if (!OB_SECRET_STORE_GET_IFACE (self->backend)->store (self->backend, owner_type, owner_id, kind,
                                                         value, is_text, cancellable, error))
    return FALSE;
  if (!is_cached (self, owner_type))
    return TRUE;

  /* The caller's buffer may be borrowed: the cache keeps a copy of its own. */
  g_mutex_lock (&self->mutex);
  self->generation++;
  g_hash_table_replace (self->values, ob_secret_table_key (owner_type, owner_id, kind),
                        ob_secure_bytes_copy (value));
  g_mutex_unlock (&self->mutex);

  return TRUE;
}

static gboolean
cache_clear (ObSecretStore  *store,
             const char     *owner_type,
             const char     *owner_id,
             const char     *kind,
             GCancellable   *cancellable,
             GError        **error)
{
  ObSecretStoreCache *self = OB_SECRET_STORE_CACHE (store);

  if (!OB_SECRET_STORE_GET_IFACE (self->backend)->clear (self->backend, owner_type, owner_id, kind,
                                                         cancellable, error))
    return FALSE;
  if (!is_cached (self, owner_type))
    return TRUE;

  g_mutex_lock (&self->mutex);
  self->generation++;
  ob_secret_table_remove (self->values, owner_type, owner_id, kind);
  g_mutex_unlock (&self->mutex);

  return TRUE;
}

/* The writes that make a bulk read start over are rare; a few tries
 * outlast any burst of them. */
#define BULK_READ_TRIES 3

static GHashTable *
cache_lookup_all (ObSecretStore  *store,
                  const char     *owner_type,
                  const char     *kind,
                  GCancellable   *cancellable,
                  GError        **error)
{
  ObSecretStoreCache *self = OB_SECRET_STORE_CACHE (store);
  g_autoptr(GError) local_error = NULL;
  GHashTable *found;

  if (!is_cached (self, owner_type))
    return ob_secret_store_lookup_all_sync (self->backend, owner_type, kind, cancellable, error);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  /* The answer is the cache's or the reason it has none: a failed bulk
   * read is not repeated at once (the back-off holds here too). */
  g_mutex_lock (&self->mutex);
  for (guint tries = 1; !ensure_complete_locked (self, owner_type, kind, &local_error); tries++)
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_BUSY) || tries == BULK_READ_TRIES)
        {
          g_mutex_unlock (&self->mutex);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_clear_error (&local_error);
    }

  found = ob_secret_table_get_kind (self->values, owner_type, kind, FALSE);
  g_mutex_unlock (&self->mutex);

  return found;
}

static void
secret_store_iface_init (ObSecretStoreInterface *iface)
{
  iface->store = cache_store;
  iface->lookup = cache_lookup;
  iface->clear = cache_clear;
  iface->lookup_all = cache_lookup_all;
}

static void
ob_secret_store_cache_finalize (GObject *object)
{
  ObSecretStoreCache *self = OB_SECRET_STORE_CACHE (object);

  g_clear_object (&self->backend);
  g_strfreev (self->owner_types);
  g_hash_table_unref (self->values);
  g_hash_table_unref (self->complete);
  g_hash_table_unref (self->loading);
  g_hash_table_unref (self->failed);
  g_cond_clear (&self->bulk_done);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ob_secret_store_cache_parent_class)->finalize (object);
}

static void
ob_secret_store_cache_class_init (ObSecretStoreCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_secret_store_cache_finalize;
}

static void
ob_secret_store_cache_init (ObSecretStoreCache *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->bulk_done);
  self->values = ob_secret_table_new ();
  self->complete = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->loading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, bulk_failure_free);
}

ObSecretStore *
ob_secret_store_cache_new (ObSecretStore      *backend,
                           const char * const *owner_types)
{
  ObSecretStoreCache *self;

  g_return_val_if_fail (OB_IS_SECRET_STORE (backend), NULL);

  self = g_object_new (OB_TYPE_SECRET_STORE_CACHE, NULL);
  self->backend = g_object_ref (backend);
  self->owner_types = g_strdupv ((char **) owner_types);

  return OB_SECRET_STORE (self);
}

ObSecretStore *
ob_secret_store_cache_get_backend (ObSecretStoreCache *self)
{
  g_return_val_if_fail (OB_IS_SECRET_STORE_CACHE (self), NULL);

  return self->backend;
}

/* How many bulk reads reached the backend (for tests and benchmarks). */
guint
ob_secret_store_cache_get_n_bulk_reads (ObSecretStoreCache *self)
{
  guint n;

  g_return_val_if_fail (OB_IS_SECRET_STORE_CACHE (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->n_bulk_reads;
  g_mutex_unlock (&self->mutex);

  return n;
}
