/* ob-api-resource.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-api-resource.h"

/* The flows every RPS admin resource shares, driven by its ObApiResource
 * (see ob-api-resource.h).  Every answer must stay the reference's byte
 * for byte (tests/test-api-rps.c holds them), so the resources differ
 * only in their texts and hooks. */

/* @text with its "%s" replaced by @name, as text. */
static char *
fill_name (const char *text,
           const char *name)
{
  GString *filled = g_string_new (text);

  g_string_replace (filled, "%s", name != NULL ? name : "", 1);

  return g_string_free (filled, FALSE);
}

static char *
dup_record_name (gpointer record)
{
  char *name = NULL;

  g_object_get (record, "name", &name, NULL);

  return name;
}

static ObStore *
request_store (ObApiRequest *request)
{
  return _ob_api_server_get_store (request->server);
}

void
_ob_api_resource_respond_lookup_error (ObApiRequest        *request,
                                       const ObApiResource *resource,
                                       const char          *name,
                                       const GError        *error)
{
  if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
    _ob_api_rps_respond_not_found (request, resource->not_found_type, name);
  else
    _ob_api_rps_respond_failed (request, name, error);
}

static void
respond_error_text (ObApiRequest *request,
                    const char   *error,
                    const char   *text,
                    const char   *name)
{
  g_autofree char *message = fill_name (text, name);

  _ob_api_rps_respond_error (request, SOUP_STATUS_BAD_REQUEST, error, message);
}

/* The record as stored now: 201 after a POST, 200 after a PATCH. */
static void
respond_stored (ObApiRequest        *request,
                const ObApiResource *resource,
                const char          *name,
                gboolean             created)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) record = resource->get (request_store (request), name, &error);
  ObRpsToJsonFunc to_json = resource->to_json;
  g_autoptr(JsonNode) node = NULL;

  if (record == NULL)
    {
      _ob_api_rps_respond_failed (request, name, error);
      return;
    }

  if (!created && resource->patched_to_json != NULL)
    to_json = resource->patched_to_json;
  node = to_json (record);
  _ob_api_rps_respond (request, created ? SOUP_STATUS_CREATED : SOUP_STATUS_OK, node);
}

/* ------------------------------------------------------------------------
 * GET
 * ------------------------------------------------------------------------ */

void
_ob_api_resource_list (ObApiRequest *request)
{
  const ObApiResource *resource = _ob_api_rps_request_resource (request);

  _ob_api_rps_list (request, resource->list, resource->to_json, resource->count_in_rows);
}

void
_ob_api_resource_get (ObApiRequest *request)
{
  const ObApiResource *resource = _ob_api_rps_request_resource (request);
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) record = resource->get (request_store (request), request->param, &error);
  g_autoptr(JsonNode) node = NULL;

  if (record == NULL)
    {
      _ob_api_resource_respond_lookup_error (request, resource, request->param, error);
      return;
    }

  node = resource->to_json (record);
  _ob_api_rps_respond (request, SOUP_STATUS_OK, node);
}

/* ------------------------------------------------------------------------
 * POST and PATCH
 * ------------------------------------------------------------------------ */

typedef struct
{
  const ObApiResource *resource;
  char                *name;
  gboolean             created;
} WriteData;

static void
write_data_free (WriteData *data)
{
  g_free (data->name);
  g_free (data);
}

static void
on_secrets_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  WriteData *data = request->data;
  const ObApiResource *resource = data->resource;
  g_autoptr(GError) error = NULL;

  if (!_ob_rps_secrets_finish (result, &error))
    {
      g_autoptr(GError) delete_error = NULL;

      /* A new record without its secrets is useless: take it out again,
       * as the reference does. */
      if (data->created
          && !resource->remove (request_store (request), data->name, &delete_error))
        g_warning ("RPS API: could not remove %s %s after a keyring failure: %s",
                   resource->log_name, data->name, delete_error->message);
      _ob_api_rps_respond_failed (request, data->name, error);
      return;
    }

  respond_stored (request, resource, data->name, data->created);
}

/* The store refused to write @record. */
static void
respond_write_error (ObApiRequest        *request,
                     const ObApiResource *resource,
                     gpointer             record,
                     const char          *name,
                     const GError        *error)
{
  if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT))
    {
      g_autoptr(GObject) current = resource->get (request_store (request), name, NULL);

      if (current != NULL)
        {
          g_autoptr(JsonNode) node = resource->to_json (current);
          gint64 version = 0;

          g_object_get (current, "version", &version, NULL);
          _ob_api_rps_respond_conflict (request, node, version);
          return;
        }
    }

  if (resource->respond_write_error != NULL
      && resource->respond_write_error (request, record, error))
    return;

  if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE))
    respond_error_text (request, "Unique key violation", resource->duplicate_message, name);
  else
    _ob_api_resource_respond_lookup_error (request, resource, name, error);
}

void
_ob_api_resource_save (ObApiRequest        *request,
                       const ObApiResource *resource,
                       gpointer             record,
                       const char          *name,
                       gboolean             created)
{
  ObStore *store = request_store (request);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpsSecrets) secrets = NULL;
  WriteData *data;
  gboolean written;

  if (created)
    written = resource->insert (store, record, &error);
  else
    {
      /* Without a version the update matches no row: a conflict, as in
       * the reference. */
      gint64 version = G_MAXINT64;

      _ob_rps_request_version (request, resource->version_from_if_match, &version);
      g_object_set (record, "version", version, NULL);
      written = resource->update (store, record, &error);
    }

  if (!written)
    {
      respond_write_error (request, resource, record, name, error);
      return;
    }

  data = g_new0 (WriteData, 1);
  data->resource = resource;
  data->name = dup_record_name (record);
  data->created = created;

  secrets = _ob_rps_secrets_new (request);
  if (resource->add_secrets != NULL)
    resource->add_secrets (request, record, created, secrets);

  /* From here the request's data is ours (a handler's own is dropped). */
  ob_api_request_set_data (request, data, (GDestroyNotify) write_data_free);

  if (_ob_rps_secrets_is_empty (secrets))
    {
      respond_stored (request, resource, data->name, created);
      return;
    }

  _ob_rps_secrets_run (g_steal_pointer (&secrets), on_secrets_written,
                       ob_api_request_ref (request));
}

/* POST (a new record) and PATCH (the stored one, named by the body). */
static void
write_record (ObApiRequest *request,
              gboolean      patch)
{
  const ObApiResource *resource = _ob_api_rps_request_resource (request);
  ObApiHandler handler = patch ? resource->update_handler : resource->create_handler;
  JsonObject *body = ob_api_request_get_body_object (request);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(GObject) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (handler != NULL)
    {
      handler (request);
      return;
    }

  ob_api_validation_init (&validation);
  if (!resource->validate (request, body, patch, &validation)
      || ob_api_validation_respond (&validation, request))
    return;

  name = _ob_rps_dup_text (body, resource->key_field);
  if (patch)
    {
      record = resource->get (request_store (request), name, &error);
      if (record == NULL)
        {
          _ob_api_resource_respond_lookup_error (request, resource, name, error);
          return;
        }
    }
  else
    record = g_object_new (resource->get_type (), "name", name, "tenant-id", "", NULL);

  resource->apply (record, body, patch);
  if (resource->check != NULL && !resource->check (request, record))
    return;

  _ob_api_resource_save (request, resource, record, name, !patch);
}

void
_ob_api_resource_create (ObApiRequest *request)
{
  write_record (request, FALSE);
}

void
_ob_api_resource_update (ObApiRequest *request)
{
  write_record (request, TRUE);
}

/* ------------------------------------------------------------------------
 * DELETE
 * ------------------------------------------------------------------------ */

static void
on_delete_secrets (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  WriteData *data = request->data;
  g_autoptr(GError) error = NULL;

  /* The record is gone; a keyring entry left behind is logged, and the
   * next create of that name overwrites it. */
  if (!_ob_rps_secrets_finish (result, &error))
    g_warning ("RPS API: could not remove the keyring entries of %s %s: %s",
               data->resource->log_name, data->name, error->message);

  ob_api_request_respond_empty (request, SOUP_STATUS_NO_CONTENT);
}

void
_ob_api_resource_delete (ObApiRequest *request)
{
  const ObApiResource *resource = _ob_api_rps_request_resource (request);
  ObStore *store = request_store (request);
  g_autoptr(GObject) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpsSecrets) secrets = NULL;
  g_autofree char *name = NULL;
  WriteData *data;

  record = resource->get (store, request->param, &error);
  if (record == NULL)
    {
      _ob_api_resource_respond_lookup_error (request, resource, request->param, error);
      return;
    }
  name = dup_record_name (record);

  if (resource->find_user != NULL)
    {
      const char *in_use = resource->find_user (store, name, &error);

      if (error != NULL)
        {
          _ob_api_rps_respond_failed (request, name, error);
          return;
        }
      if (in_use != NULL)
        {
          respond_error_text (request, resource->in_use_error, in_use, name);
          return;
        }
    }

  if (!resource->remove (store, name, &error))
    {
      /* Something that started using it meanwhile. */
      if (resource->in_use_message != NULL
          && g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE))
        respond_error_text (request, resource->in_use_error, resource->in_use_message, name);
      else
        _ob_api_resource_respond_lookup_error (request, resource, name, error);
      return;
    }

  if (resource->secret_owner == NULL)
    {
      ob_api_request_respond_empty (request, SOUP_STATUS_NO_CONTENT);
      return;
    }

  secrets = _ob_rps_secrets_new (request);
  _ob_rps_secrets_clear (secrets, resource->secret_owner, name, NULL);
  data = g_new0 (WriteData, 1);
  data->resource = resource;
  data->name = g_steal_pointer (&name);
  ob_api_request_set_data (request, data, (GDestroyNotify) write_data_free);
  _ob_rps_secrets_run (g_steal_pointer (&secrets), on_delete_secrets,
                       ob_api_request_ref (request));
}
