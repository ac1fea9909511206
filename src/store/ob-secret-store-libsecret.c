/* ob-secret-store-libsecret.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "ob-secret-store-libsecret.h"
#include "ob-util.h"

#define OB_SECRET_SCHEMA_NAME "io.github.outband.Outband.Secret"

struct _ObSecretStoreLibsecret
{
  GObject parent_instance;
};

static void secret_store_iface_init (ObSecretStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObSecretStoreLibsecret, ob_secret_store_libsecret, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_SECRET_STORE,
                                                      secret_store_iface_init))

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    OB_SECRET_SCHEMA_NAME,
    SECRET_SCHEMA_NONE,
    {
      { "owner-type", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "owner", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static GHashTable *
make_attributes (const char *owner_type,
                 const char *owner_id,
                 const char *kind)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (gpointer) "owner-type", (gpointer) owner_type);
  g_hash_table_insert (attributes, (gpointer) "owner", (gpointer) owner_id);
  if (kind != NULL)
    g_hash_table_insert (attributes, (gpointer) "kind", (gpointer) kind);

  return attributes;
}

/* Whatever libsecret or D-Bus says, the caller learns that the keyring could
 * not be used, and why, without the secret's value ever being part of it. */
static void
propagate_keyring_error (GError     **error,
                         GError      *local_error,
                         const char  *doing)
{
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, local_error);
      return;
    }

  g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE,
               "Could not %s the keyring: %s", doing, local_error->message);
  g_error_free (local_error);
}

static gboolean
libsecret_store (ObSecretStore  *store,
                 const char     *owner_type,
                 const char     *owner_id,
                 const char     *kind,
                 GBytes         *value,
                 gboolean        is_text,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(GHashTable) attributes = make_attributes (owner_type, owner_id, kind);
  g_autoptr(SecretValue) secret = NULL;
  g_autofree char *label = NULL;
  GError *local_error = NULL;
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (value, &len);
  secret = secret_value_new ((const char *) data, len,
                             is_text ? "text/plain" : "application/octet-stream");
  label = g_strdup_printf ("Outband %s for %s %s", kind, owner_type, owner_id);

  if (!secret_password_storev_binary_sync (get_schema (), attributes, SECRET_COLLECTION_DEFAULT,
                                           label, secret, cancellable, &local_error))
    {
      propagate_keyring_error (error, local_error, "write to");
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  SecretValue *value;
} SecretValueHolder;

static void
secret_value_holder_free (gpointer data)
{
  SecretValueHolder *holder = data;

  secret_value_unref (holder->value);
  g_free (holder);
}

static GBytes *
libsecret_lookup (ObSecretStore  *store,
                  const char     *owner_type,
                  const char     *owner_id,
                  const char     *kind,
                  GCancellable   *cancellable,
                  GError        **error)
{
  g_autoptr(GHashTable) attributes = make_attributes (owner_type, owner_id, kind);
  SecretValueHolder *holder;
  GError *local_error = NULL;
  SecretValue *secret;
  const char *data;
  gsize len;

  secret = secret_password_lookupv_binary_sync (get_schema (), attributes, cancellable,
                                                &local_error);
  if (local_error != NULL)
    {
      propagate_keyring_error (error, local_error, "read from");
      return NULL;
    }
  if (secret == NULL)
    return NULL;

  /* Hand out the SecretValue's own memory (libsecret keeps it in
   * non-pageable memory and wipes it on unref) instead of copying it. */
  data = secret_value_get (secret, &len);
  holder = g_new0 (SecretValueHolder, 1);
  holder->value = secret;

  return g_bytes_new_with_free_func (data, len, secret_value_holder_free, holder);
}

/* One search for every item of the owner type and kind, their secrets
 * fetched in the same round (SECRET_SEARCH_LOAD_SECRETS reads them with one
 * GetSecrets call).  gnome-keyring scans its whole collection for each
 * search, so this is what keeps thousands of devices affordable. */
static GHashTable *
libsecret_lookup_all (ObSecretStore  *store,
                      const char     *owner_type,
                      const char     *kind,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SecretService) service = NULL;
  GError *local_error = NULL;
  GHashTable *found;
  GList *items;

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, cancellable, &local_error);
  if (service == NULL)
    {
      propagate_keyring_error (error, local_error, "connect to");
      return NULL;
    }

  g_hash_table_insert (attributes, (gpointer) "owner-type", (gpointer) owner_type);
  g_hash_table_insert (attributes, (gpointer) "kind", (gpointer) kind);
  items = secret_service_search_sync (service, get_schema (), attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK
                                      | SECRET_SEARCH_LOAD_SECRETS,
                                      cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_keyring_error (error, local_error, "search");
      return NULL;
    }

  found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  for (GList *l = items; l != NULL; l = l->next)
    {
      SecretItem *item = l->data;
      g_autoptr(GHashTable) item_attributes = secret_item_get_attributes (item);
      const char *owner = g_hash_table_lookup (item_attributes, "owner");
      SecretValue *secret = secret_item_get_secret (item);
      SecretValueHolder *holder;
      const char *data;
      gsize len;

      /* A locked item comes back without its secret: then the table would
       * not be complete, and one-at-a-time lookups must say why. */
      if (secret == NULL)
        {
          g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE,
                       "Some of the keyring's %s secrets stayed locked", kind);
          g_list_free_full (items, g_object_unref);
          g_hash_table_unref (found);
          return NULL;
        }
      if (owner == NULL || g_hash_table_contains (found, owner))
        {
          secret_value_unref (secret);
          continue;
        }

      data = secret_value_get (secret, &len);
      holder = g_new0 (SecretValueHolder, 1);
      holder->value = secret;
      g_hash_table_insert (found, g_strdup (owner),
                           g_bytes_new_with_free_func (data, len, secret_value_holder_free, holder));
    }
  g_list_free_full (items, g_object_unref);

  return found;
}

static gboolean
libsecret_clear (ObSecretStore  *store,
                 const char     *owner_type,
                 const char     *owner_id,
                 const char     *kind,
                 GCancellable   *cancellable,
                 GError        **error)
{
  g_autoptr(GHashTable) attributes = make_attributes (owner_type, owner_id, kind);
  GError *local_error = NULL;

  secret_password_clearv_sync (get_schema (), attributes, cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_keyring_error (error, local_error, "remove a secret from");
      return FALSE;
    }

  return TRUE;
}

static void
secret_store_iface_init (ObSecretStoreInterface *iface)
{
  iface->store = libsecret_store;
  iface->lookup = libsecret_lookup;
  iface->clear = libsecret_clear;
  iface->lookup_all = libsecret_lookup_all;
}

static void
ob_secret_store_libsecret_class_init (ObSecretStoreLibsecretClass *klass)
{
}

static void
ob_secret_store_libsecret_init (ObSecretStoreLibsecret *self)
{
}

ObSecretStore *
ob_secret_store_libsecret_new (void)
{
  return g_object_new (OB_TYPE_SECRET_STORE_LIBSECRET, NULL);
}
