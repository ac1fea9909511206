/* ob-secret-store-libsecret.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

/* The D-Bus path calls (one search, one GetSecrets for many items). */
#define SECRET_WITH_UNSTABLE 1
#define SECRET_API_SUBJECT_TO_CHANGE 1
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

/* Hands out the SecretValue's own memory (libsecret keeps it in
 * non-pageable memory and wipes it on unref) instead of copying it; takes
 * @secret. */
static GBytes *
bytes_from_secret (SecretValue *secret)
{
  const char *data;
  gsize len;

  data = secret_value_get (secret, &len);

  return g_bytes_new_with_free_func (data, len, (GDestroyNotify) secret_value_unref, secret);
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
  GError *local_error = NULL;
  SecretValue *secret;

  secret = secret_password_lookupv_binary_sync (get_schema (), attributes, cancellable,
                                                &local_error);
  if (local_error != NULL)
    {
      propagate_keyring_error (error, local_error, "read from");
      return NULL;
    }
  if (secret == NULL)
    return NULL;

  return bytes_from_secret (secret);
}

/* Owners of the items found: each item's Attributes property, read with
 * Properties.Get calls kept in flight together on a private main context
 * (libsecret's own search would make a proxy per item, whose set-up costs
 * gnome-keyring more than a lookup). */
#define ATTRIBUTE_READS_IN_FLIGHT 32

typedef struct
{
  GDBusConnection  *bus;
  const char       *bus_name;
  char            **paths;
  GHashTable       *owners;        /* path → owner id */
  guint             next;
  guint             in_flight;
  GError           *error;
  GCancellable     *cancellable;
} AttributeReads;

typedef struct
{
  AttributeReads *reads;
  const char     *path;
} AttributeRead;

static void start_attribute_reads (AttributeReads *reads);

static void
on_attributes_read (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AttributeRead *read = user_data;
  AttributeReads *reads = read->reads;
  const char *path = read->path;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) attributes = NULL;
  GError *local_error = NULL;
  const char *owner = NULL;

  g_free (read);

  reads->in_flight--;
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &local_error);
  if (reply == NULL)
    {
      if (reads->error == NULL)
        reads->error = local_error;
      else
        g_error_free (local_error);
      return;
    }

  g_variant_get (reply, "(v)", &attributes);
  if (g_variant_is_of_type (attributes, G_VARIANT_TYPE ("a{ss}")) &&
      g_variant_lookup (attributes, "owner", "&s", &owner))
    g_hash_table_insert (reads->owners, (gpointer) path, g_strdup (owner));

  start_attribute_reads (reads);
}

static void
start_attribute_reads (AttributeReads *reads)
{
  while (reads->error == NULL && reads->paths[reads->next] != NULL &&
         reads->in_flight < ATTRIBUTE_READS_IN_FLIGHT)
    {
      AttributeRead *read = g_new0 (AttributeRead, 1);
      const char *path = reads->paths[reads->next++];

      read->reads = reads;
      read->path = path;
      reads->in_flight++;
      g_dbus_connection_call (reads->bus, reads->bus_name, path, "org.freedesktop.DBus.Properties",
                              "Get", g_variant_new ("(ss)", "org.freedesktop.Secret.Item", "Attributes"),
                              G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, reads->cancellable,
                              on_attributes_read, read);
    }
}

static GHashTable *
read_owners (SecretService  *service,
             char          **paths,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  AttributeReads reads = { 0 };

  reads.bus = g_dbus_proxy_get_connection (G_DBUS_PROXY (service));
  reads.bus_name = g_dbus_proxy_get_name (G_DBUS_PROXY (service));
  reads.paths = paths;
  reads.owners = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  reads.cancellable = cancellable;

  g_main_context_push_thread_default (context);
  start_attribute_reads (&reads);
  while (reads.in_flight > 0)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  if (reads.error != NULL)
    {
      g_propagate_error (error, reads.error);
      g_hash_table_unref (reads.owners);
      return NULL;
    }

  return reads.owners;
}

/* Every item of the owner type and kind: one SearchItems call, one
 * GetSecrets call for all of them and their owners as above.  gnome-keyring
 * scans its whole collection for each search, so a lookup per device costs
 * a scan per device; this costs one. */
static GHashTable *
libsecret_lookup_all (ObSecretStore  *store,
                      const char     *owner_type,
                      const char     *kind,
                      GCancellable   *cancellable,
                      GError        **error)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) secrets = NULL;
  g_autoptr(GHashTable) owners = NULL;
  g_auto(GStrv) unlocked = NULL;
  g_auto(GStrv) locked = NULL;
  GError *local_error = NULL;
  GHashTable *found;
  GHashTableIter iter;
  const char *path;
  SecretValue *secret;

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, cancellable, &local_error);
  if (service == NULL)
    {
      propagate_keyring_error (error, local_error, "connect to");
      return NULL;
    }

  g_hash_table_insert (attributes, (gpointer) "owner-type", (gpointer) owner_type);
  g_hash_table_insert (attributes, (gpointer) "kind", (gpointer) kind);
  if (!secret_service_search_for_dbus_paths_sync (service, get_schema (), attributes, cancellable,
                                                  &unlocked, &locked, &local_error))
    {
      propagate_keyring_error (error, local_error, "search");
      return NULL;
    }

  /* A locked item's secret cannot be read in bulk: then the table would
   * not be complete, and one-at-a-time lookups (which unlock) must do. */
  if (locked != NULL && locked[0] != NULL)
    {
      g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE,
                   "%u of the keyring's %s secrets are locked", g_strv_length (locked), kind);
      return NULL;
    }

  found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  if (unlocked == NULL || unlocked[0] == NULL)
    return found;

  secrets = secret_service_get_secrets_for_dbus_paths_sync (service, (const char **) unlocked,
                                                            cancellable, &local_error);
  if (secrets != NULL)
    owners = read_owners (service, unlocked, cancellable, &local_error);
  if (secrets == NULL || owners == NULL)
    {
      g_hash_table_unref (found);
      propagate_keyring_error (error, local_error, "read from");
      return NULL;
    }

  g_hash_table_iter_init (&iter, secrets);
  while (g_hash_table_iter_next (&iter, (gpointer *) &path, (gpointer *) &secret))
    {
      const char *owner = g_hash_table_lookup (owners, path);

      if (owner == NULL || g_hash_table_contains (found, owner))
        continue;

      g_hash_table_insert (found, g_strdup (owner), bytes_from_secret (secret_value_ref (secret)));
    }

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
