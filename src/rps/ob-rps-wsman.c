/* ob-rps-wsman.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-http-digest.h"
#include "ob-rpc-message.h"
#include "ob-rps-error.h"
#include "ob-rps-wsman.h"
#include "ob-util.h"
#include "ob-wsman-error.h"

#define MAX_PULLS 64

struct _ObRpsWsman
{
  GObject                parent_instance;

  ObRpsTransport        *transport;
  char                  *uuid;
  char                  *username;
  char                  *password;
  ObHttpDigestChallenge *challenge;
  guint64                next_message_id;
  guint                  timeout_ms;
  guint                  n_exchanges;
};

G_DEFINE_FINAL_TYPE (ObRpsWsman, ob_rps_wsman, G_TYPE_OBJECT)

typedef struct
{
  char             *action;
  char             *resource_uri;
  ObWsmanSelectors *selectors;
  char             *body;
  guint             unauthorized;
  GCancellable     *exchange_cancellable;
  gulong            cancelled_id;
  GSource          *timeout;
  gboolean          timed_out;
} Request;

static void
request_free (Request *r)
{
  g_free (r->action);
  g_free (r->resource_uri);
  g_clear_pointer (&r->selectors, ob_wsman_selectors_unref);
  g_free (r->body);
  g_clear_object (&r->exchange_cancellable);
  if (r->timeout != NULL)
    {
      g_source_destroy (r->timeout);
      g_source_unref (r->timeout);
    }
  g_free (r);
}

static void
ob_rps_wsman_finalize (GObject *object)
{
  ObRpsWsman *self = OB_RPS_WSMAN (object);

  g_clear_object (&self->transport);
  g_free (self->uuid);
  g_free (self->username);
  if (self->password != NULL)
    ob_secure_free_string (self->password);
  g_clear_pointer (&self->challenge, ob_http_digest_challenge_unref);

  G_OBJECT_CLASS (ob_rps_wsman_parent_class)->finalize (object);
}

static void
ob_rps_wsman_class_init (ObRpsWsmanClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ob_rps_wsman_finalize;
}

static void
ob_rps_wsman_init (ObRpsWsman *self)
{
  self->timeout_ms = OB_RPS_WSMAN_DEFAULT_TIMEOUT_MS;
}

ObRpsWsman *
ob_rps_wsman_new (ObRpsTransport *transport,
                  const char     *uuid)
{
  ObRpsWsman *self;

  g_return_val_if_fail (OB_IS_RPS_TRANSPORT (transport), NULL);
  g_return_val_if_fail (uuid != NULL, NULL);

  self = g_object_new (OB_TYPE_RPS_WSMAN, NULL);
  self->transport = g_object_ref (transport);
  self->uuid = g_strdup (uuid);
  return self;
}

const char *
ob_rps_wsman_get_uuid (ObRpsWsman *self)
{
  g_return_val_if_fail (OB_IS_RPS_WSMAN (self), NULL);
  return self->uuid;
}

void
ob_rps_wsman_set_credentials (ObRpsWsman *self,
                              const char *username,
                              const char *password)
{
  g_return_if_fail (OB_IS_RPS_WSMAN (self));

  g_free (self->username);
  self->username = g_strdup (username);
  if (self->password != NULL)
    ob_secure_free_string (self->password);
  self->password = g_strdup (password);
}

const char *
ob_rps_wsman_get_username (ObRpsWsman *self)
{
  g_return_val_if_fail (OB_IS_RPS_WSMAN (self), NULL);
  return self->username;
}

void
ob_rps_wsman_set_timeout (ObRpsWsman *self,
                          guint       timeout_ms)
{
  g_return_if_fail (OB_IS_RPS_WSMAN (self));
  self->timeout_ms = timeout_ms > 0 ? timeout_ms : OB_RPS_WSMAN_DEFAULT_TIMEOUT_MS;
}

guint
ob_rps_wsman_get_timeout (ObRpsWsman *self)
{
  g_return_val_if_fail (OB_IS_RPS_WSMAN (self), 0);
  return self->timeout_ms;
}

guint
ob_rps_wsman_get_n_exchanges (ObRpsWsman *self)
{
  g_return_val_if_fail (OB_IS_RPS_WSMAN (self), 0);
  return self->n_exchanges;
}

static void send_request (GTask *task);

static gboolean
on_timeout (gpointer user_data)
{
  Request *r = user_data;
  g_autoptr(GCancellable) cancellable = g_object_ref (r->exchange_cancellable);

  r->timed_out = TRUE;
  g_clear_pointer (&r->timeout, g_source_unref);
  /* A transport may finish the exchange (and free @r) right here. */
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  GCancellable *exchange_cancellable = user_data;

  g_cancellable_cancel (exchange_cancellable);
}

static void
stop_timer (Request *r)
{
  if (r->timeout != NULL)
    {
      g_source_destroy (r->timeout);
      g_clear_pointer (&r->timeout, g_source_unref);
    }
}

static void
on_exchanged (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObRpsWsman *self = g_task_get_source_object (task);
  Request *r = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(ObHttpMessage) http = NULL;
  g_autoptr(ObWsmanResponse) response = NULL;
  GBytes *body;
  guint status;

  stop_timer (r);
  raw = ob_rps_transport_exchange_finish (OB_RPS_TRANSPORT (source), result, &error);
  if (raw == NULL)
    {
      if (r->timed_out)
        g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_TIMEOUT,
                                 "Gateway Timeout: no answer from the device in %u ms",
                                 self->timeout_ms);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  http = ob_rpc_parse_http_response (raw, &error);
  if (http == NULL)
    {
      g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_DEVICE,
                               "unexpected parse error: %s", error->message);
      return;
    }

  status = ob_http_message_get_status (http);
  body = ob_http_message_get_body (http);
  if (status == 401)
    {
      g_autoptr(ObHttpDigestChallenge) challenge = NULL;

      if (++r->unauthorized >= OB_RPS_WSMAN_MAX_UNAUTHORIZED)
        {
          g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_AUTH_FAILED,
                                   "Unable to authenticate with AMT");
          return;
        }
      challenge = ob_http_digest_challenge_from_response (http, &error);
      if (challenge == NULL)
        {
          g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_AUTH_FAILED,
                                   "Unable to authenticate with AMT: %s", error->message);
          return;
        }
      g_clear_pointer (&self->challenge, ob_http_digest_challenge_unref);
      self->challenge = g_steal_pointer (&challenge);
      send_request (g_steal_pointer (&task));
      return;
    }
  if (status == 200)
    {
      response = ob_wsman_response_new_from_bytes (body, &error);
      if (response == NULL)
        {
          if (g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT))
            g_task_return_error (task, g_steal_pointer (&error));
          else
            g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_DEVICE,
                                     "unexpected parse error: %s", error->message);
          return;
        }
      g_task_return_pointer (task, g_steal_pointer (&response), (GDestroyNotify) ob_wsman_response_unref);
      return;
    }
  if (status == 400)
    {
      /* A fault says more than the status text. */
      response = ob_wsman_response_new_from_bytes (body, &error);
      if (response == NULL && g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_DEVICE, "%s",
                               ob_http_message_get_reason (http) != NULL ? ob_http_message_get_reason (http)
                                                                        : "Bad Request");
      return;
    }
  g_task_return_new_error (task, OB_RPS_ERROR, OB_RPS_ERROR_DEVICE,
                           "Unknown error has occured (HTTP %u)", status);
}

static void
send_request (GTask *task)
{
  ObRpsWsman *self = g_task_get_source_object (task);
  Request *r = g_task_get_task_data (task);
  g_autofree char *xml = NULL;
  g_autofree char *authorization = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  xml = ob_wsman_build_request (r->action, r->resource_uri, self->next_message_id++,
                                r->selectors, r->body);
  if (self->challenge != NULL && self->username != NULL)
    authorization = ob_http_digest_challenge_authorize (self->challenge, self->username,
                                                        self->password != NULL ? self->password : "",
                                                        "POST", "/wsman");
  bytes = ob_rpc_build_wsman_request (self->uuid, authorization, xml);

  g_clear_object (&r->exchange_cancellable);
  r->exchange_cancellable = g_cancellable_new ();
  if (g_task_get_cancellable (task) != NULL && r->cancelled_id == 0)
    r->cancelled_id = g_cancellable_connect (g_task_get_cancellable (task), G_CALLBACK (on_cancelled),
                                             g_object_ref (r->exchange_cancellable), g_object_unref);
  else if (g_task_get_cancellable (task) != NULL)
    {
      /* A retry after 401: the handler still points at the old
       * cancellable, so hook the new one up again. */
      g_cancellable_disconnect (g_task_get_cancellable (task), r->cancelled_id);
      r->cancelled_id = g_cancellable_connect (g_task_get_cancellable (task), G_CALLBACK (on_cancelled),
                                               g_object_ref (r->exchange_cancellable), g_object_unref);
    }

  r->timed_out = FALSE;
  r->timeout = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (r->timeout, on_timeout, r, NULL);
  g_source_set_static_name (r->timeout, "[outband] rps wsman timeout");
  g_source_attach (r->timeout, g_task_get_context (task));

  self->n_exchanges++;
  ob_rps_transport_exchange_async (self->transport, bytes, r->exchange_cancellable, on_exchanged, task);
}

static void
request_task_data_free (gpointer data)
{
  request_free (data);
}

void
ob_rps_wsman_request_async (ObRpsWsman          *self,
                            const char          *action_uri,
                            const char          *class_name,
                            ObWsmanSelectors    *selectors,
                            const char          *body_fragment,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  Request *r;

  g_return_if_fail (OB_IS_RPS_WSMAN (self));
  g_return_if_fail (action_uri != NULL && class_name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_rps_wsman_request_async);
  r = g_new0 (Request, 1);
  r->action = g_strdup (action_uri);
  r->resource_uri = ob_wsman_resource_uri_for_class (class_name);
  r->selectors = selectors != NULL ? ob_wsman_selectors_ref (selectors) : NULL;
  r->body = g_strdup (body_fragment);
  g_task_set_task_data (task, r, request_task_data_free);

  if (r->resource_uri == NULL)
    {
      g_task_return_new_error (task, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                               "Unknown class prefix: %s", class_name);
      g_object_unref (task);
      return;
    }
  send_request (task);
}

ObWsmanResponse *
ob_rps_wsman_request_finish (ObRpsWsman    *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  GTask *task = G_TASK (result);
  Request *r;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  r = g_task_get_task_data (task);
  if (r != NULL && r->cancelled_id != 0 && g_task_get_cancellable (task) != NULL)
    {
      g_cancellable_disconnect (g_task_get_cancellable (task), r->cancelled_id);
      r->cancelled_id = 0;
    }
  return g_task_propagate_pointer (task, error);
}

/* ---- Enumerate + Pull ---------------------------------------------------- */

typedef struct
{
  char      *class_name;
  GPtrArray *items;
  guint      pulls;
} Enumeration;

static void
enumeration_free (gpointer data)
{
  Enumeration *e = data;

  g_free (e->class_name);
  g_ptr_array_unref (e->items);
  g_free (e);
}

static void
on_enumerate_step (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObRpsWsman *self = OB_RPS_WSMAN (source);
  Enumeration *e = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanResponse) response = ob_rps_wsman_request_finish (self, result, &error);
  g_autofree char *body = NULL;
  GPtrArray *items;
  const char *context;

  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  items = ob_wsman_response_get_items (response);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (e->items, json_node_copy (g_ptr_array_index (items, i)));

  context = ob_wsman_response_get_enumeration_context (response);
  if ((e->pulls > 0 && ob_wsman_response_get_end_of_sequence (response)) || context == NULL)
    {
      if (e->pulls == 0 && context == NULL)
        {
          g_task_return_new_error (task, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                                   "No EnumerationContext for %s", e->class_name);
          return;
        }
      g_task_return_pointer (task, g_ptr_array_ref (e->items), (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  if (++e->pulls > MAX_PULLS)
    {
      g_task_return_new_error (task, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TOO_LARGE,
                               "More than %u pulls for %s", MAX_PULLS, e->class_name);
      return;
    }
  body = ob_wsman_body_pull (context, OB_WSMAN_PULL_MAX_ELEMENTS);
  ob_rps_wsman_request_async (self, OB_WSMAN_ACTION_PULL, e->class_name, NULL, body,
                              g_task_get_cancellable (task), on_enumerate_step,
                              g_object_ref (task));
}

void
ob_rps_wsman_enumerate_async (ObRpsWsman          *self,
                              const char          *class_name,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  Enumeration *e;
  g_autofree char *body = ob_wsman_body_enumerate ();

  g_return_if_fail (OB_IS_RPS_WSMAN (self));
  g_return_if_fail (class_name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_rps_wsman_enumerate_async);
  e = g_new0 (Enumeration, 1);
  e->class_name = g_strdup (class_name);
  e->items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_task_set_task_data (task, e, enumeration_free);

  ob_rps_wsman_request_async (self, OB_WSMAN_ACTION_ENUMERATE, class_name, NULL, body,
                              cancellable, on_enumerate_step, task);
}

GPtrArray *
ob_rps_wsman_enumerate_finish (ObRpsWsman    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
