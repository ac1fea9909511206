/* ob-secret-store.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-secret-store.h"
#include "ob-util.h"

G_DEFINE_QUARK (ob-secret-store-error-quark, ob_secret_store_error)

G_DEFINE_INTERFACE (ObSecretStore, ob_secret_store, G_TYPE_OBJECT)

static void
ob_secret_store_default_init (ObSecretStoreInterface *iface)
{
}

/* Owner types, owner ids and kinds become keyring attributes; they must be
 * short printable names so nothing odd reaches the Secret Service. */
static gboolean
check_name (const char  *what,
            const char  *value,
            gboolean     nullable,
            GError     **error)
{
  gsize len;

  if (value == NULL)
    {
      if (nullable)
        return TRUE;
      g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID,
                   "The secret's %s is missing", what);
      return FALSE;
    }

  len = strlen (value);
  if (len == 0 || len > 256 || !g_utf8_validate (value, len, NULL))
    {
      g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID,
                   "The secret's %s must be 1 to 256 characters of UTF-8", what);
      return FALSE;
    }

  for (gsize i = 0; i < len; i++)
    {
      if ((guchar) value[i] < 0x20 || value[i] == 0x7f)
        {
          g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID,
                       "The secret's %s contains a control character", what);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_key (const char  *owner_type,
           const char  *owner_id,
           const char  *kind,
           gboolean     kind_nullable,
           GError     **error)
{
  return check_name ("owner type", owner_type, FALSE, error) &&
         check_name ("owner", owner_id, FALSE, error) &&
         check_name ("kind", kind, kind_nullable, error);
}

static gboolean
store_internal (ObSecretStore  *self,
                const char     *owner_type,
                const char     *owner_id,
                const char     *kind,
                GBytes         *value,
                gboolean        is_text,
                GCancellable   *cancellable,
                GError        **error)
{
  if (!check_key (owner_type, owner_id, kind, FALSE, error))
    return FALSE;

  if (value == NULL)
    {
      g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID,
                   "A secret needs a value");
      return FALSE;
    }

  if (is_text)
    {
      gsize len;
      const char *data = g_bytes_get_data (value, &len);

      if (!g_utf8_validate (data, len, NULL) || memchr (data, '\0', len) != NULL)
        {
          g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID,
                       "A text secret must be UTF-8 without NUL characters");
          return FALSE;
        }
    }

  return OB_SECRET_STORE_GET_IFACE (self)->store (self, owner_type, owner_id, kind, value,
                                                  is_text, cancellable, error);
}

gboolean
ob_secret_store_store_sync (ObSecretStore  *self,
                            const char     *owner_type,
                            const char     *owner_id,
                            const char     *kind,
                            GBytes         *value,
                            GCancellable   *cancellable,
                            GError        **error)
{
  g_return_val_if_fail (OB_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);

  return store_internal (self, owner_type, owner_id, kind, value, FALSE, cancellable, error);
}

gboolean
ob_secret_store_store_text_sync (ObSecretStore  *self,
                                 const char     *owner_type,
                                 const char     *owner_id,
                                 const char     *kind,
                                 const char     *text,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  g_autoptr(GBytes) value = NULL;

  g_return_val_if_fail (OB_IS_SECRET_STORE (self), FALSE);

  if (text == NULL)
    {
      g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID,
                   "A secret needs a value");
      return FALSE;
    }

  /* Borrow the caller's buffer: no extra copy of the secret lingers. */
  value = g_bytes_new_static (text, strlen (text));

  return store_internal (self, owner_type, owner_id, kind, value, TRUE, cancellable, error);
}

GBytes *
ob_secret_store_lookup_sync (ObSecretStore  *self,
                             const char     *owner_type,
                             const char     *owner_id,
                             const char     *kind,
                             GCancellable   *cancellable,
                             GError        **error)
{
  g_return_val_if_fail (OB_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), NULL);

  if (!check_key (owner_type, owner_id, kind, FALSE, error))
    return NULL;

  return OB_SECRET_STORE_GET_IFACE (self)->lookup (self, owner_type, owner_id, kind,
                                                   cancellable, error);
}

gboolean
ob_secret_store_can_lookup_all (ObSecretStore *self)
{
  g_return_val_if_fail (OB_IS_SECRET_STORE (self), FALSE);

  return OB_SECRET_STORE_GET_IFACE (self)->lookup_all != NULL;
}

/* Every secret of @owner_type and @kind: owner id → GBytes.  NULL with an
 * error when the backend cannot read them all at once. */
GHashTable *
ob_secret_store_lookup_all_sync (ObSecretStore  *self,
                                 const char     *owner_type,
                                 const char     *kind,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  ObSecretStoreInterface *iface;

  g_return_val_if_fail (OB_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), NULL);

  if (!check_name ("owner type", owner_type, FALSE, error) ||
      !check_name ("kind", kind, FALSE, error))
    return NULL;

  iface = OB_SECRET_STORE_GET_IFACE (self);
  if (iface->lookup_all == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "This secret store reads secrets one at a time");
      return NULL;
    }

  return iface->lookup_all (self, owner_type, kind, cancellable, error);
}

/* Returns a NUL-terminated copy; free it with ob_secure_free_string(). */
char *
ob_secret_store_lookup_text_sync (ObSecretStore  *self,
                                  const char     *owner_type,
                                  const char     *owner_id,
                                  const char     *kind,
                                  GCancellable   *cancellable,
                                  GError        **error)
{
  g_autoptr(GBytes) value = NULL;
  const char *data;
  gsize len;
  char *text;

  value = ob_secret_store_lookup_sync (self, owner_type, owner_id, kind, cancellable, error);
  if (value == NULL)
    return NULL;

  data = g_bytes_get_data (value, &len);
  if (!g_utf8_validate (data, len, NULL) || memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_INVALID,
                   "The stored secret is not text");
      return NULL;
    }

  text = g_malloc (len + 1);
  if (len > 0)
    memcpy (text, data, len);
  text[len] = '\0';

  return text;
}

gboolean
ob_secret_store_clear_sync (ObSecretStore  *self,
                            const char     *owner_type,
                            const char     *owner_id,
                            const char     *kind,
                            GCancellable   *cancellable,
                            GError        **error)
{
  g_return_val_if_fail (OB_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);

  if (!check_key (owner_type, owner_id, kind, TRUE, error))
    return FALSE;

  return OB_SECRET_STORE_GET_IFACE (self)->clear (self, owner_type, owner_id, kind,
                                                  cancellable, error);
}

typedef struct
{
  char    *owner_type;
  char    *owner_id;
  char    *kind;
  GBytes  *value;
  gboolean is_text;
} SecretCall;

static void
secret_call_free (SecretCall *call)
{
  g_free (call->owner_type);
  g_free (call->owner_id);
  g_free (call->kind);
  g_clear_pointer (&call->value, g_bytes_unref);
  g_free (call);
}

static SecretCall *
secret_call_new (const char *owner_type,
                 const char *owner_id,
                 const char *kind,
                 GBytes     *value,
                 gboolean    is_text)
{
  SecretCall *call = g_new0 (SecretCall, 1);

  call->owner_type = g_strdup (owner_type);
  call->owner_id = g_strdup (owner_id);
  call->kind = g_strdup (kind);
  call->value = value != NULL ? g_bytes_ref (value) : NULL;
  call->is_text = is_text;

  return call;
}

static void
store_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SecretCall *call = task_data;
  GError *error = NULL;

  if (store_internal (source_object, call->owner_type, call->owner_id, call->kind,
                      call->value, call->is_text, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ob_secret_store_store_async (ObSecretStore        *self,
                             const char           *owner_type,
                             const char           *owner_id,
                             const char           *kind,
                             GBytes               *value,
                             gboolean              is_text,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_SECRET_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_secret_store_store_async);
  g_task_set_task_data (task, secret_call_new (owner_type, owner_id, kind, value, is_text),
                        (GDestroyNotify) secret_call_free);
  g_task_run_in_thread (task, store_thread);
}

gboolean
ob_secret_store_store_finish (ObSecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SecretCall *call = task_data;
  GError *error = NULL;
  GBytes *value;

  value = ob_secret_store_lookup_sync (source_object, call->owner_type, call->owner_id,
                                       call->kind, cancellable, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, (GDestroyNotify) g_bytes_unref);
}

void
ob_secret_store_lookup_async (ObSecretStore        *self,
                              const char           *owner_type,
                              const char           *owner_id,
                              const char           *kind,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_SECRET_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_secret_store_lookup_async);
  g_task_set_task_data (task, secret_call_new (owner_type, owner_id, kind, NULL, FALSE),
                        (GDestroyNotify) secret_call_free);
  g_task_run_in_thread (task, lookup_thread);
}

/* NULL without an error means there is no such secret. */
GBytes *
ob_secret_store_lookup_finish (ObSecretStore  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SecretCall *call = task_data;
  GError *error = NULL;

  if (ob_secret_store_clear_sync (source_object, call->owner_type, call->owner_id,
                                  call->kind, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ob_secret_store_clear_async (ObSecretStore        *self,
                             const char           *owner_type,
                             const char           *owner_id,
                             const char           *kind,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_SECRET_STORE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_secret_store_clear_async);
  g_task_set_task_data (task, secret_call_new (owner_type, owner_id, kind, NULL, FALSE),
                        (GDestroyNotify) secret_call_free);
  g_task_run_in_thread (task, clear_thread);
}

gboolean
ob_secret_store_clear_finish (ObSecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
