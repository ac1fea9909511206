/* ob-connection-throttle.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-connection-throttle.h"

/* How often the table is swept for buckets that are full again. */
#define PRUNE_INTERVAL_US (10 * G_USEC_PER_SEC)

typedef struct
{
  double tokens;
  gint64 updated;
} Bucket;

struct _ObConnectionThrottle
{
  double      rate;
  guint       burst;
  guint       max_keys;
  GHashTable *buckets;    /* char * -> Bucket */
  gint64      last_prune;
};

ObConnectionThrottle *
ob_connection_throttle_new (double rate,
                            guint  burst,
                            guint  max_keys)
{
  ObConnectionThrottle *self = g_new0 (ObConnectionThrottle, 1);

  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->max_keys = MAX (max_keys, 1);
  ob_connection_throttle_set_limits (self, rate, burst);

  return self;
}

void
ob_connection_throttle_free (ObConnectionThrottle *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->buckets);
  g_free (self);
}

void
ob_connection_throttle_set_limits (ObConnectionThrottle *self,
                                   double                rate,
                                   guint                 burst)
{
  g_return_if_fail (self != NULL);

  self->rate = MAX (rate, 0.0);
  self->burst = MAX (burst, 1);
  /* Every key starts afresh under the new limits. */
  g_hash_table_remove_all (self->buckets);
}

static void
refill (ObConnectionThrottle *self,
        Bucket               *bucket,
        gint64                now_us)
{
  if (now_us > bucket->updated)
    {
      bucket->tokens += (double) (now_us - bucket->updated) / G_USEC_PER_SEC * self->rate;
      bucket->tokens = MIN (bucket->tokens, (double) self->burst);
    }
  bucket->updated = MAX (bucket->updated, now_us);
}

/* Forget keys whose bucket is full: they are as if never seen. */
static void
prune (ObConnectionThrottle *self,
       gint64                now_us)
{
  GHashTableIter iter;
  gpointer value;

  self->last_prune = now_us;
  g_hash_table_iter_init (&iter, self->buckets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Bucket *bucket = value;

      refill (self, bucket, now_us);
      if (bucket->tokens >= (double) self->burst)
        g_hash_table_iter_remove (&iter);
    }
}

gboolean
ob_connection_throttle_take (ObConnectionThrottle *self,
                             const char           *key,
                             gint64                now_us)
{
  Bucket *bucket;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (self->rate <= 0.0)
    return TRUE;

  if (now_us - self->last_prune >= PRUNE_INTERVAL_US)
    prune (self, now_us);

  bucket = g_hash_table_lookup (self->buckets, key);
  if (bucket == NULL)
    {
      if (g_hash_table_size (self->buckets) >= self->max_keys)
        {
          prune (self, now_us);
          if (g_hash_table_size (self->buckets) >= self->max_keys)
            return FALSE;
        }
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->burst;
      bucket->updated = now_us;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  else
    refill (self, bucket, now_us);

  if (bucket->tokens < 1.0)
    return FALSE;

  bucket->tokens -= 1.0;
  return TRUE;
}

guint
ob_connection_throttle_get_n_keys (ObConnectionThrottle *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return g_hash_table_size (self->buckets);
}
