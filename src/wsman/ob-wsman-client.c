/* ob-wsman-client.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-http-connection.h"
#include "ob-http-digest.h"
#include "ob-poller.h"
#include "ob-wsman-client.h"

/* Idle keep-alive connections older than this are closed rather than
 * reused; devices drop idle connections themselves after a while. */
#define IDLE_LIFETIME_US  (30 * G_USEC_PER_SEC)
#define IDLE_PRUNE_S      5
#define MAX_PULLS         1000

struct _ObWsmanClient
{
  GObject                parent_instance;

  ObStreamSource        *source;
  guint                  port;
  char                  *host_header;
  char                  *username;
  char                  *password;
  guint                  timeout_ms;
  guint                  max_in_flight;
  gsize                  max_body_bytes;

  guint64                next_message_id;
  ObHttpDigestChallenge *challenge;
  /* A request without Authorization is out to fetch the first challenge;
   * the others wait for it instead of each collecting a 401. */
  gboolean               probing;
  /* The device answered without asking for credentials. */
  gboolean               open_access;

  GQueue                 queue;    /* GTask*, waiting, FIFO */
  GPtrArray             *running;  /* GTask* */
  GPtrArray             *idle;     /* IdleConn* */
  guint                  n_streams_opened;
  GMainContext          *context;
  /* The context's shared poller (request timers), once needed. */
  ObPoller              *poller;
  /* In its context's prune queue while it holds idle connections. */
  GList                 *prune_link;
  gint64                 prune_due;
  gint64                 idle_lifetime_us;
};

G_DEFINE_FINAL_TYPE (ObWsmanClient, ob_wsman_client, G_TYPE_OBJECT)

static void prune_queue_remove (ObWsmanClient *self);

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_PORT,
  PROP_HOST_HEADER,
  PROP_USERNAME,
  PROP_TIMEOUT_MS,
  PROP_MAX_IN_FLIGHT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  ObHttpConnection *conn;
  gint64            since;
} IdleConn;

typedef struct
{
  char             *envelope;
  guint64           message_id;
  ObHttpConnection *conn;
  gboolean          conn_reused;
  gboolean          closed_retry_used;
  gboolean          auth_retry_used;
  char             *sent_nonce;
  gboolean          is_probe;
  gboolean          queued;
  GCancellable     *cancellable;     /* ours: caller, timeout, shutdown */
  /* The caller's, watched with a signal handler, not a GSource. */
  GCancellable     *caller_cancellable;
  gulong            caller_handler;
  /* On the context's shared poller: the deadline, or now once the caller
   * cancelled (the cancellation is handled from there, never inside the
   * caller's g_cancellable_cancel()). */
  ObPollerTimer    *timer;
  gboolean          cancel_requested;
  gboolean          finished;
  gboolean          timed_out;
} Request;

static void pump (ObWsmanClient *self);
static void acquire_connection (GTask *task, gboolean allow_idle);

static void
idle_conn_free (gpointer data)
{
  IdleConn *idle = data;

  ob_http_connection_close (idle->conn);
  g_object_unref (idle->conn);
  g_free (idle);
}

/* Before the task returns: the disconnect must not run inside the
 * caller's cancellable's signal (it would wait for itself), which the
 * handler below makes sure of. */
static void
request_stop_waits (Request *req)
{
  req->finished = TRUE;
  if (req->caller_handler != 0)
    {
      g_cancellable_disconnect (req->caller_cancellable, req->caller_handler);
      req->caller_handler = 0;
    }
  g_clear_object (&req->caller_cancellable);
  g_clear_pointer (&req->timer, ob_poller_timer_free);
}

static void
request_free (gpointer data)
{
  Request *req = data;

  request_stop_waits (req);
  if (req->conn != NULL)
    {
      ob_http_connection_close (req->conn);
      g_clear_object (&req->conn);
    }
  g_free (req->envelope);
  g_free (req->sent_nonce);
  g_clear_object (&req->cancellable);
  g_free (req);
}

/* ---- GObject -------------------------------------------------------- */

static void
ob_wsman_client_dispose (GObject *object)
{
  ObWsmanClient *self = OB_WSMAN_CLIENT (object);

  /* Queued and running requests hold a reference, so none are left. */
  g_ptr_array_set_size (self->idle, 0);
  prune_queue_remove (self);
  g_clear_object (&self->source);
  g_clear_pointer (&self->challenge, ob_http_digest_challenge_unref);

  G_OBJECT_CLASS (ob_wsman_client_parent_class)->dispose (object);
}

static void
ob_wsman_client_finalize (GObject *object)
{
  ObWsmanClient *self = OB_WSMAN_CLIENT (object);

  g_free (self->host_header);
  g_free (self->username);
  if (self->password != NULL)
    {
      memset (self->password, 0, strlen (self->password));
      g_free (self->password);
    }
  g_ptr_array_unref (self->running);
  g_ptr_array_unref (self->idle);
  g_clear_pointer (&self->poller, ob_poller_unref);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ob_wsman_client_parent_class)->finalize (object);
}

static void
ob_wsman_client_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ObWsmanClient *self = OB_WSMAN_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, self->source);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_HOST_HEADER:
      g_value_set_string (value, self->host_header);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, self->timeout_ms);
      break;
    case PROP_MAX_IN_FLIGHT:
      g_value_set_uint (value, self->max_in_flight);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_wsman_client_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ObWsmanClient *self = OB_WSMAN_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      self->source = g_value_dup_object (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_HOST_HEADER:
      self->host_header = g_value_dup_string (value);
      break;
    case PROP_USERNAME:
      self->username = g_value_dup_string (value);
      break;
    case PROP_TIMEOUT_MS:
      ob_wsman_client_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_IN_FLIGHT:
      ob_wsman_client_set_max_in_flight (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_wsman_client_class_init (ObWsmanClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_wsman_client_dispose;
  object_class->finalize = ob_wsman_client_finalize;
  object_class->get_property = ob_wsman_client_get_property;
  object_class->set_property = ob_wsman_client_set_property;

  properties[PROP_SOURCE] =
    g_param_spec_object ("source", NULL, NULL,
                         OB_TYPE_STREAM_SOURCE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       1, 65535, 16992,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HOST_HEADER] =
    g_param_spec_string ("host-header", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT_MS] =
    g_param_spec_uint ("timeout-ms", NULL, NULL,
                       1, G_MAXUINT, OB_WSMAN_CLIENT_DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_IN_FLIGHT] =
    g_param_spec_uint ("max-in-flight", NULL, NULL,
                       1, 64, OB_WSMAN_CLIENT_DEFAULT_MAX_IN_FLIGHT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_wsman_client_init (ObWsmanClient *self)
{
  self->timeout_ms = OB_WSMAN_CLIENT_DEFAULT_TIMEOUT_MS;
  self->max_in_flight = OB_WSMAN_CLIENT_DEFAULT_MAX_IN_FLIGHT;
  self->idle_lifetime_us = IDLE_LIFETIME_US;
  self->max_body_bytes = OB_HTTP_DEFAULT_MAX_BODY_BYTES;
  g_queue_init (&self->queue);
  self->running = g_ptr_array_new ();
  self->idle = g_ptr_array_new_with_free_func (idle_conn_free);
  self->context = g_main_context_ref_thread_default ();
}

ObWsmanClient *
ob_wsman_client_new (ObStreamSource *source,
                     guint           port,
                     const char     *host_header,
                     const char     *username,
                     const char     *password)
{
  ObWsmanClient *self;

  g_return_val_if_fail (OB_IS_STREAM_SOURCE (source), NULL);
  g_return_val_if_fail (port > 0 && port <= 65535, NULL);
  g_return_val_if_fail (host_header != NULL, NULL);

  self = g_object_new (OB_TYPE_WSMAN_CLIENT,
                       "source", source,
                       "port", port,
                       "host-header", host_header,
                       NULL);
  self->username = g_strdup (username);
  self->password = g_strdup (password);
  return self;
}

ObStreamSource *
ob_wsman_client_get_source (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), NULL);

  return self->source;
}

guint
ob_wsman_client_get_port (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), 0);

  return self->port;
}

const char *
ob_wsman_client_get_host_header (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), NULL);

  return self->host_header;
}

const char *
ob_wsman_client_get_username (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), NULL);

  return self->username;
}

void
ob_wsman_client_set_credentials (ObWsmanClient *self,
                                 const char    *username,
                                 const char    *password)
{
  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));

  if (g_strcmp0 (self->username, username) != 0)
    {
      g_free (self->username);
      self->username = g_strdup (username);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
    }
  if (self->password != NULL)
    {
      memset (self->password, 0, strlen (self->password));
      g_free (self->password);
    }
  self->password = g_strdup (password);
}

void
ob_wsman_client_set_timeout (ObWsmanClient *self,
                             guint          timeout_ms)
{
  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->timeout_ms == timeout_ms)
    return;

  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT_MS]);
}

guint
ob_wsman_client_get_timeout (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), 0);

  return self->timeout_ms;
}

void
ob_wsman_client_set_max_in_flight (ObWsmanClient *self,
                                   guint          max_in_flight)
{
  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));
  g_return_if_fail (max_in_flight > 0);

  if (self->max_in_flight == max_in_flight)
    return;

  self->max_in_flight = max_in_flight;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_IN_FLIGHT]);
  pump (self);
}

guint
ob_wsman_client_get_max_in_flight (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), 0);

  return self->max_in_flight;
}

void
ob_wsman_client_set_max_body_size (ObWsmanClient *self,
                                   gsize          max_body_bytes)
{
  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));

  self->max_body_bytes = max_body_bytes > 0 ? max_body_bytes : OB_HTTP_DEFAULT_MAX_BODY_BYTES;
}

guint
ob_wsman_client_get_n_in_flight (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), 0);

  return self->running->len;
}

guint
ob_wsman_client_get_n_queued (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), 0);

  return self->queue.length;
}

guint
ob_wsman_client_get_n_idle_connections (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), 0);

  return self->idle->len;
}

void
ob_wsman_client_set_idle_lifetime_ms (ObWsmanClient *self,
                                      guint          ms)
{
  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));

  self->idle_lifetime_us = ms != 0 ? (gint64) ms * 1000 : IDLE_LIFETIME_US;
}

guint
ob_wsman_client_get_n_streams_opened (ObWsmanClient *self)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), 0);

  return self->n_streams_opened;
}

/* ---- idle connections ----------------------------------------------- */

/* One timer per main context prunes the idle connections of every client
 * on it.  A fleet of CIRA devices has a client each, and each keeps its
 * last connection for a while: a timer per client would be thousands of
 * GSources, which GLib visits on every turn of the main loop.  Every
 * client waits the same time, so the queue is in due order. */
typedef struct
{
  GMainContext *context;
  GSource      *source;
  GQueue        clients;    /* ObWsmanClient*, not referenced */
} PruneQueue;

static GMutex      prune_queues_lock;
static GHashTable *prune_queues;    /* GMainContext* -> PruneQueue* */

static void
prune_client (ObWsmanClient *self)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = self->idle->len; i > 0; i--)
    {
      IdleConn *idle = g_ptr_array_index (self->idle, i - 1);

      if (now - idle->since > self->idle_lifetime_us || !ob_http_connection_is_reusable (idle->conn))
        g_ptr_array_remove_index (self->idle, i - 1);
    }
}

/* A sixth of the lifetime, at most every 5 s: an idle connection lives
 * at most that much longer than it should. */
static gint64
prune_interval_us (ObWsmanClient *self)
{
  return CLAMP (self->idle_lifetime_us / 6, 1000, IDLE_PRUNE_S * G_USEC_PER_SEC);
}

/* In due order.  Clients almost always share the default lifetime, so
 * the place is the tail. */
static void
prune_queue_insert (GQueue        *clients,
                    ObWsmanClient *self)
{
  GList *l = clients->tail;

  while (l != NULL && ((ObWsmanClient *) l->data)->prune_due > self->prune_due)
    l = l->prev;
  if (l == NULL)
    {
      g_queue_push_head (clients, self);
      self->prune_link = clients->head;
    }
  else
    {
      g_queue_insert_after (clients, l, self);
      self->prune_link = l->next;
    }
}

static void
prune_queue_schedule (PruneQueue *queue)
{
  ObWsmanClient *head = g_queue_peek_head (&queue->clients);

  g_source_set_ready_time (queue->source, head != NULL ? head->prune_due : -1);
}

static PruneQueue *
prune_queue_lookup (GMainContext *context)
{
  PruneQueue *queue;

  g_mutex_lock (&prune_queues_lock);
  queue = prune_queues != NULL ? g_hash_table_lookup (prune_queues, context) : NULL;
  g_mutex_unlock (&prune_queues_lock);
  return queue;
}

/* The last client gone: the queue and its source go too (a context may
 * be freed and its address reused). */
static void
prune_queue_drop_if_empty (PruneQueue *queue)
{
  if (!g_queue_is_empty (&queue->clients))
    return;
  g_mutex_lock (&prune_queues_lock);
  g_hash_table_remove (prune_queues, queue->context);
  g_mutex_unlock (&prune_queues_lock);
  g_source_destroy (queue->source);
  g_source_unref (queue->source);
  g_free (queue);
}

static gboolean
on_prune_due (gpointer user_data)
{
  PruneQueue *queue = user_data;
  gint64 now = g_get_monotonic_time ();
  ObWsmanClient *head;

  while ((head = g_queue_peek_head (&queue->clients)) != NULL && head->prune_due <= now)
    {
      g_queue_delete_link (&queue->clients, head->prune_link);
      head->prune_link = NULL;
      prune_client (head);
      if (head->idle->len > 0)
        {
          head->prune_due = now + prune_interval_us (head);
          prune_queue_insert (&queue->clients, head);
        }
    }

  if (g_queue_is_empty (&queue->clients))
    {
      /* The source goes with the queue; returning REMOVE would destroy it
       * twice. */
      prune_queue_drop_if_empty (queue);
      return G_SOURCE_CONTINUE;
    }
  prune_queue_schedule (queue);
  return G_SOURCE_CONTINUE;
}

static gboolean
prune_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs prune_source_funcs = { NULL, NULL, prune_source_dispatch, NULL, NULL, NULL };

static void
prune_queue_add (ObWsmanClient *self)
{
  PruneQueue *queue;

  if (self->prune_link != NULL)
    return;

  queue = prune_queue_lookup (self->context);
  if (queue == NULL)
    {
      queue = g_new0 (PruneQueue, 1);
      queue->context = self->context;
      queue->source = g_source_new (&prune_source_funcs, sizeof (GSource));
      g_source_set_static_name (queue->source, "[outband] WS-Man idle connections");
      g_source_set_callback (queue->source, on_prune_due, queue, NULL);
      g_source_attach (queue->source, self->context);
      g_mutex_lock (&prune_queues_lock);
      if (prune_queues == NULL)
        prune_queues = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (prune_queues, self->context, queue);
      g_mutex_unlock (&prune_queues_lock);
    }

  self->prune_due = g_get_monotonic_time () + prune_interval_us (self);
  prune_queue_insert (&queue->clients, self);
  if (queue->clients.head == self->prune_link)
    prune_queue_schedule (queue);
}

static void
prune_queue_remove (ObWsmanClient *self)
{
  PruneQueue *queue;
  gboolean was_head;

  if (self->prune_link == NULL)
    return;

  queue = prune_queue_lookup (self->context);
  was_head = queue->clients.head == self->prune_link;
  g_queue_delete_link (&queue->clients, self->prune_link);
  self->prune_link = NULL;
  if (g_queue_is_empty (&queue->clients))
    prune_queue_drop_if_empty (queue);
  else if (was_head)
    prune_queue_schedule (queue);
}

static void
release_connection (ObWsmanClient *self,
                    Request       *req)
{
  ObHttpConnection *conn = g_steal_pointer (&req->conn);
  IdleConn *idle;

  if (conn == NULL)
    return;

  if (!ob_http_connection_is_reusable (conn) || self->idle->len >= self->max_in_flight)
    {
      ob_http_connection_close (conn);
      g_object_unref (conn);
      return;
    }

  idle = g_new0 (IdleConn, 1);
  idle->conn = conn;
  idle->since = g_get_monotonic_time ();
  g_ptr_array_add (self->idle, idle);

  prune_queue_add (self);
}

/* The most recently used idle connection that is still good. */
static ObHttpConnection *
take_idle_connection (ObWsmanClient *self)
{
  gint64 now = g_get_monotonic_time ();

  while (self->idle->len > 0)
    {
      IdleConn *idle = g_ptr_array_index (self->idle, self->idle->len - 1);

      if (now - idle->since <= self->idle_lifetime_us && ob_http_connection_is_reusable (idle->conn))
        {
          ObHttpConnection *conn = g_steal_pointer (&idle->conn);

          g_free (g_ptr_array_steal_index (self->idle, self->idle->len - 1));
          return conn;
        }
      g_ptr_array_remove_index (self->idle, self->idle->len - 1);
    }

  return NULL;
}

/* ---- completing requests -------------------------------------------- */

static void
request_done (GTask *task)
{
  ObWsmanClient *self = g_object_ref (g_task_get_source_object (task));
  Request *req = g_task_get_task_data (task);

  request_stop_waits (req);
  if (req->is_probe)
    {
      req->is_probe = FALSE;
      self->probing = FALSE;
    }
  if (req->queued)
    {
      g_queue_remove (&self->queue, task);
      req->queued = FALSE;
    }
  g_ptr_array_remove (self->running, task);
  release_connection (self, req);
}

static void
request_return (GTask           *task,
                ObWsmanResponse *response)
{
  ObWsmanClient *self = g_task_get_source_object (task);

  request_done (task);
  g_task_return_pointer (task, response, (GDestroyNotify) ob_wsman_response_unref);
  pump (self);
  g_object_unref (task);
  g_object_unref (self);
}

static void
request_fail (GTask  *task,
              GError *error)
{
  ObWsmanClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);

  /* An error leaves the connection in an unknown state. */
  if (req->conn != NULL)
    {
      ob_http_connection_close (req->conn);
      g_clear_object (&req->conn);
    }

  request_done (task);
  g_task_return_error (task, error);
  pump (self);
  g_object_unref (task);
  g_object_unref (self);
}

static GError *
timeout_error (ObWsmanClient *self)
{
  if (self->timeout_ms % 1000 == 0)
    return g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_TIMEOUT,
                        "The device did not answer within %u s", self->timeout_ms / 1000);

  return g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_TIMEOUT,
                      "The device did not answer within %u ms", self->timeout_ms);
}

/* Plain words for what went wrong on the wire. */
static GError *
transport_error (ObWsmanClient *self,
                 Request       *req,
                 GError        *error)
{
  GError *out;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (req->timed_out)
        {
          g_error_free (error);
          return timeout_error (self);
        }
      return error;
    }

  if (error->domain != OB_HTTP_ERROR)
    return error;

  switch ((ObHttpError) error->code)
    {
    case OB_HTTP_ERROR_TIMEOUT:
      out = timeout_error (self);
      break;
    case OB_HTTP_ERROR_CONNECTION_CLOSED:
      out = g_error_new_literal (OB_HTTP_ERROR, error->code,
                                 "The device closed the connection before answering");
      break;
    case OB_HTTP_ERROR_TRUNCATED:
      out = g_error_new_literal (OB_HTTP_ERROR, error->code,
                                 "The device closed the connection in the middle of its answer");
      break;
    case OB_HTTP_ERROR_BODY_TOO_LARGE:
      out = g_error_new_literal (OB_HTTP_ERROR, error->code, "The device's answer is too large");
      break;
    case OB_HTTP_ERROR_MALFORMED:
    case OB_HTTP_ERROR_HEADERS_TOO_LARGE:
    case OB_HTTP_ERROR_TOO_MANY_HEADERS:
    case OB_HTTP_ERROR_UNSUPPORTED:
    case OB_HTTP_ERROR_INVALID_HEADER:
    case OB_HTTP_ERROR_AUTH:
    case OB_HTTP_ERROR_BUSY:
    default:
      out = g_error_new (OB_HTTP_ERROR, error->code, "The device sent an invalid HTTP answer (%s)",
                         error->message);
      break;
    }

  g_error_free (error);
  return out;
}

/* ---- the exchange --------------------------------------------------- */

static gboolean
is_closed_by_peer (const GError *error)
{
  return g_error_matches (error, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED)
         || g_error_matches (error, OB_HTTP_ERROR, OB_HTTP_ERROR_TRUNCATED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
}

static void
handle_body (GTask         *task,
             ObHttpMessage *http)
{
  ObWsmanClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  guint status = ob_http_message_get_status (http);
  g_autoptr(ObWsmanResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = ob_wsman_response_new_from_bytes (ob_http_message_get_body (http), &error);

  /* An unauthenticated request got a real answer: no login needed. */
  if (req->is_probe)
    self->open_access = TRUE;

  if (status == 200 && response != NULL)
    {
      const char *relates_to = ob_wsman_response_get_relates_to (response);
      g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, req->message_id);

      if (relates_to != NULL && strcmp (relates_to, id) != 0)
        {
          request_fail (task, g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                                           "The device answered message %s instead of %s",
                                           relates_to, id));
          return;
        }
      request_return (task, g_steal_pointer (&response));
      return;
    }

  /* AMT sends SOAP faults with 400 (and sometimes 500). */
  if (g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT) || status == 200)
    {
      request_fail (task, g_steal_pointer (&error));
      return;
    }

  request_fail (task, g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                                   "The device answered HTTP %u %s", status,
                                   ob_http_message_get_reason (http)));
}

static void
handle_unauthorized (GTask         *task,
                     ObHttpMessage *http)
{
  ObWsmanClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autoptr(ObHttpDigestChallenge) challenge = NULL;
  g_autoptr(GError) error = NULL;
  gboolean retry;

  if (self->username == NULL || self->password == NULL)
    {
      request_fail (task, g_error_new_literal (OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED,
                                               "The device asks for a user name and password, but none is set"));
      return;
    }

  challenge = ob_http_digest_challenge_from_response (http, &error);
  if (challenge == NULL)
    {
      request_fail (task, g_error_new (OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED,
                                       "The device's login challenge cannot be answered (%s)",
                                       error->message));
      return;
    }

  if (req->sent_nonce == NULL)
    retry = TRUE;  /* the first answer to an unauthenticated request */
  else if ((ob_http_digest_challenge_get_stale (challenge)
            || strcmp (ob_http_digest_challenge_get_nonce (challenge), req->sent_nonce) != 0)
           && !req->auth_retry_used)
    {
      req->auth_retry_used = TRUE;
      retry = TRUE;
    }
  else
    retry = FALSE;

  if (!retry)
    {
      request_fail (task, g_error_new_literal (OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED,
                                               "Wrong user name or password"));
      return;
    }

  /* Keep the cached challenge when its nonce is the same, so the nonce
   * count keeps going up instead of starting again. */
  if (self->challenge == NULL
      || strcmp (ob_http_digest_challenge_get_nonce (self->challenge),
                 ob_http_digest_challenge_get_nonce (challenge)) != 0)
    {
      g_clear_pointer (&self->challenge, ob_http_digest_challenge_unref);
      self->challenge = g_steal_pointer (&challenge);
    }

  if (req->is_probe)
    {
      req->is_probe = FALSE;
      self->probing = FALSE;
      pump (self);
    }

  release_connection (self, req);
  acquire_connection (task, TRUE);
}

static void
on_response (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  ObWsmanClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autoptr(ObHttpMessage) http = NULL;
  GError *error = NULL;

  http = ob_http_connection_send_finish (OB_HTTP_CONNECTION (source), result, &error);
  if (http == NULL)
    {
      /* A kept-alive connection the device had already given up on:
       * try once more on a fresh one. */
      if (req->conn_reused && !req->closed_retry_used && is_closed_by_peer (error)
          && !g_cancellable_is_cancelled (req->cancellable))
        {
          g_debug ("Reused connection was closed by the device; retrying on a new one");
          g_clear_error (&error);
          req->closed_retry_used = TRUE;
          g_clear_object (&req->conn);
          acquire_connection (task, FALSE);
          return;
        }

      request_fail (task, transport_error (self, req, error));
      return;
    }

  if (ob_http_message_get_status (http) == 401)
    handle_unauthorized (task, http);
  else
    handle_body (task, http);
}

static void
send_request (GTask *task)
{
  ObWsmanClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autoptr(ObHttpMessage) http = ob_http_message_new_request ("POST", "/wsman");

  ob_http_message_append_header (http, "Host", self->host_header);
  ob_http_message_append_header (http, "Content-Type", "application/soap+xml;charset=UTF-8");

  g_clear_pointer (&req->sent_nonce, g_free);
  if (self->challenge != NULL && self->username != NULL && self->password != NULL)
    {
      g_autofree char *authorization = ob_http_digest_challenge_authorize (self->challenge, self->username,
                                                                           self->password, "POST", "/wsman");

      ob_http_message_append_header (http, "Authorization", authorization);
      req->sent_nonce = g_strdup (ob_http_digest_challenge_get_nonce (self->challenge));
    }

  ob_http_message_set_body_data (http, req->envelope, -1);
  ob_http_connection_send_async (req->conn, http, req->cancellable, on_response, task);
}

static void
on_stream_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  ObWsmanClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autoptr(GIOStream) stream = NULL;
  GError *error = NULL;

  stream = ob_stream_source_open_stream_finish (OB_STREAM_SOURCE (source), result, &error);
  if (stream == NULL)
    {
      request_fail (task, transport_error (self, req, error));
      return;
    }
  if (g_cancellable_is_cancelled (req->cancellable))
    {
      g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      request_fail (task, transport_error (self, req, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                                           "Operation was cancelled")));
      return;
    }

  req->conn = ob_http_connection_new (stream);
  ob_http_connection_set_limits (req->conn, 0, 0, self->max_body_bytes);
  send_request (task);
}

static void
acquire_connection (GTask    *task,
                    gboolean  allow_idle)
{
  ObWsmanClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);

  g_assert (req->conn == NULL);

  if (allow_idle)
    req->conn = take_idle_connection (self);

  if (req->conn != NULL)
    {
      req->conn_reused = TRUE;
      send_request (task);
      return;
    }

  req->conn_reused = FALSE;
  self->n_streams_opened++;
  ob_stream_source_open_stream_async (self->source, self->port, req->cancellable, on_stream_opened, task);
}

/* ---- queue ---------------------------------------------------------- */

/* The deadline passed, or the caller cancelled (then the timer was set
 * for now).  Runs from the poller, outside any caller's call. */
static void
on_request_timer (gpointer user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);

  if (req->finished)
    return;
  if (!req->cancel_requested)
    {
      req->timed_out = TRUE;
      g_cancellable_cancel (req->cancellable);
      return;
    }
  if (req->queued)
    {
      /* Never started: nothing on the wire to undo. */
      request_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));
      return;
    }
  g_cancellable_cancel (req->cancellable);
}

static ObPollerTimer *
request_ensure_timer (GTask *task)
{
  ObWsmanClient *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);

  if (req->timer == NULL)
    {
      /* Kept: the shared poller goes with its last reference, and made
       * again for every request would be a source attached each time. */
      if (self->poller == NULL)
        self->poller = ob_poller_get_for_context (self->context);
      req->timer = ob_poller_timer_new (self->poller, on_request_timer, task);
    }
  return req->timer;
}

/* From the client's context's thread only. */
static void
request_request_cancel (GTask *task)
{
  Request *req = g_task_get_task_data (task);

  if (req->finished || req->cancel_requested)
    return;
  req->cancel_requested = TRUE;
  ob_poller_timer_schedule (request_ensure_timer (task), 0);
}

static gboolean
on_caller_cancelled_idle (gpointer user_data)
{
  request_request_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Inside the caller's g_cancellable_cancel(), maybe in another thread:
 * only hand the cancellation to the client's context.  The task is alive
 * here: the handler is disconnected before the task returns, and a
 * disconnect waits for a handler running in another thread. */
static void
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  ObWsmanClient *self = g_task_get_source_object (task);

  if (g_main_context_is_owner (self->context))
    {
      request_request_cancel (task);
    }
  else
    {
      GSource *idle = g_idle_source_new ();

      g_source_set_priority (idle, G_PRIORITY_DEFAULT);
      g_source_set_callback (idle, on_caller_cancelled_idle, g_object_ref (task), g_object_unref);
      g_source_set_static_name (idle, "[outband] WS-Man cancel");
      g_source_attach (idle, self->context);
      g_source_unref (idle);
    }
}

static void
start_request (ObWsmanClient *self,
               GTask         *task)
{
  Request *req = g_task_get_task_data (task);

  req->queued = FALSE;
  g_ptr_array_add (self->running, task);

  if (self->challenge == NULL && self->username != NULL && !self->open_access)
    {
      req->is_probe = TRUE;
      self->probing = TRUE;
    }

  /* A caller's cancellation already on its way keeps its schedule. */
  if (!req->cancel_requested)
    ob_poller_timer_schedule (request_ensure_timer (task),
                              g_get_monotonic_time () + (gint64) self->timeout_ms * 1000);

  acquire_connection (task, TRUE);
}

static void
pump (ObWsmanClient *self)
{
  while (self->running->len < self->max_in_flight && self->queue.length > 0)
    {
      GTask *task;

      if (self->probing && self->challenge == NULL)
        break;

      task = g_queue_pop_head (&self->queue);
      start_request (self, task);
    }
}

static void
request_start_internal (ObWsmanClient       *self,
                        const char          *action_uri,
                        const char          *resource_uri,
                        ObWsmanSelectors    *selectors,
                        const char          *body_fragment,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Request *req;

  g_task_set_source_tag (task, ob_wsman_client_request_async);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  req = g_new0 (Request, 1);
  g_task_set_task_data (task, req, request_free);
  req->message_id = self->next_message_id++;
  req->envelope = ob_wsman_build_request (action_uri, resource_uri, req->message_id, selectors, body_fragment);
  req->cancellable = g_cancellable_new ();
  req->queued = TRUE;

  /* The queue owns the task's reference until it completes. */
  g_queue_push_tail (&self->queue, task);

  /* (Cancelled meanwhile by another thread, the handler runs at once and
   * only schedules the cancellation.) */
  if (cancellable != NULL)
    {
      req->caller_cancellable = g_object_ref (cancellable);
      req->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled), task, NULL);
    }

  pump (self);
}

void
ob_wsman_client_request_async (ObWsmanClient       *self,
                               const char          *action_uri,
                               const char          *resource_uri,
                               ObWsmanSelectors    *selectors,
                               const char          *body_fragment,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));
  g_return_if_fail (action_uri != NULL);
  g_return_if_fail (resource_uri != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  request_start_internal (self, action_uri, resource_uri, selectors, body_fragment, cancellable,
                          callback, user_data);
}

ObWsmanResponse *
ob_wsman_client_request_finish (ObWsmanClient  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_wsman_client_request_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ob_wsman_client_shutdown (ObWsmanClient *self)
{
  g_autoptr(GPtrArray) running = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));

  g_object_ref (self);

  while (self->queue.length > 0)
    request_fail (g_queue_peek_head (&self->queue),
                  g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The client was shut down"));

  /* Running requests fail from their own callbacks once cancelled. */
  running = g_ptr_array_copy (self->running, NULL, NULL);
  for (guint i = 0; i < running->len; i++)
    {
      Request *req = g_task_get_task_data (g_ptr_array_index (running, i));

      g_cancellable_cancel (req->cancellable);
    }

  g_ptr_array_set_size (self->idle, 0);
  g_object_unref (self);
}

/* ---- convenience calls ---------------------------------------------- */

static gboolean
class_uri (ObWsmanClient        *self,
           const char           *class_name,
           char                **out_uri,
           GAsyncReadyCallback   callback,
           gpointer              user_data,
           gpointer              source_tag)
{
  *out_uri = ob_wsman_resource_uri_for_class (class_name);
  if (*out_uri == NULL)
    {
      g_task_report_new_error (self, callback, user_data, source_tag,
                               OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                               "“%s” is not an AMT, CIM or IPS class", class_name);
      return FALSE;
    }

  return TRUE;
}

void
ob_wsman_client_get_async (ObWsmanClient       *self,
                           const char          *class_name,
                           ObWsmanSelectors    *selectors,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autofree char *uri = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));
  g_return_if_fail (class_name != NULL);

  if (!class_uri (self, class_name, &uri, callback, user_data, ob_wsman_client_request_async))
    return;

  request_start_internal (self, OB_WSMAN_ACTION_GET, uri, selectors, NULL, cancellable, callback, user_data);
}

void
ob_wsman_client_put_async (ObWsmanClient       *self,
                           const char          *class_name,
                           ObWsmanSelectors    *selectors,
                           const char          *body_fragment,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autofree char *uri = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));
  g_return_if_fail (class_name != NULL);
  g_return_if_fail (body_fragment != NULL);

  if (!class_uri (self, class_name, &uri, callback, user_data, ob_wsman_client_request_async))
    return;

  request_start_internal (self, OB_WSMAN_ACTION_PUT, uri, selectors, body_fragment, cancellable,
                          callback, user_data);
}

void
ob_wsman_client_create_async (ObWsmanClient       *self,
                              const char          *class_name,
                              const char          *body_fragment,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *uri = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));
  g_return_if_fail (class_name != NULL);
  g_return_if_fail (body_fragment != NULL);

  if (!class_uri (self, class_name, &uri, callback, user_data, ob_wsman_client_request_async))
    return;

  request_start_internal (self, OB_WSMAN_ACTION_CREATE, uri, NULL, body_fragment, cancellable,
                          callback, user_data);
}

void
ob_wsman_client_delete_async (ObWsmanClient       *self,
                              const char          *class_name,
                              ObWsmanSelectors    *selectors,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *uri = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));
  g_return_if_fail (class_name != NULL);

  if (!class_uri (self, class_name, &uri, callback, user_data, ob_wsman_client_request_async))
    return;

  request_start_internal (self, OB_WSMAN_ACTION_DELETE, uri, selectors, NULL, cancellable,
                          callback, user_data);
}

void
ob_wsman_client_invoke_async (ObWsmanClient       *self,
                              const char          *class_name,
                              const char          *method,
                              ObWsmanSelectors    *selectors,
                              const char          *input_fragment,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *uri = NULL;
  g_autofree char *action = NULL;
  g_autofree char *empty_input = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));
  g_return_if_fail (class_name != NULL);
  g_return_if_fail (method != NULL);

  if (!class_uri (self, class_name, &uri, callback, user_data, ob_wsman_client_request_async))
    return;

  action = ob_wsman_method_action (class_name, method);
  if (input_fragment == NULL)
    input_fragment = empty_input = ob_wsman_body_method_input (class_name, method, NULL);

  request_start_internal (self, action, uri, selectors, input_fragment, cancellable, callback, user_data);
}

/* Enumerate + Pull */

typedef struct
{
  char      *resource_uri;
  char      *context;
  GPtrArray *items;
  guint      n_pulls;
} Enumeration;

static void
enumeration_free (gpointer data)
{
  Enumeration *e = data;

  g_free (e->resource_uri);
  g_free (e->context);
  g_ptr_array_unref (e->items);
  g_free (e);
}

static void on_enumeration_reply (GObject *source, GAsyncResult *result, gpointer user_data);

static void
enumeration_pull (GTask *task)
{
  ObWsmanClient *self = g_task_get_source_object (task);
  Enumeration *e = g_task_get_task_data (task);
  g_autofree char *body = ob_wsman_body_pull (e->context, OB_WSMAN_PULL_MAX_ELEMENTS);

  e->n_pulls++;
  request_start_internal (self, OB_WSMAN_ACTION_PULL, e->resource_uri, NULL, body,
                          g_task_get_cancellable (task), on_enumeration_reply, task);
}

static void
on_enumeration_reply (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Enumeration *e = g_task_get_task_data (task);
  g_autoptr(ObWsmanResponse) response = NULL;
  GError *error = NULL;
  GPtrArray *items;
  const char *context;

  response = ob_wsman_client_request_finish (OB_WSMAN_CLIENT (source), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  items = ob_wsman_response_get_items (response);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (e->items, json_node_copy (g_ptr_array_index (items, i)));

  if (ob_wsman_response_get_end_of_sequence (response))
    {
      g_task_return_pointer (task, g_ptr_array_ref (e->items), (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  context = ob_wsman_response_get_enumeration_context (response);
  if (context != NULL)
    {
      g_free (e->context);
      e->context = g_strdup (context);
    }
  if (e->context == NULL)
    {
      g_task_return_new_error (task, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not return an enumeration context");
      g_object_unref (task);
      return;
    }
  if (e->n_pulls >= MAX_PULLS)
    {
      g_task_return_new_error (task, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
                               "The enumeration did not end after %u pulls", MAX_PULLS);
      g_object_unref (task);
      return;
    }

  enumeration_pull (task);
}

void
ob_wsman_client_enumerate_async (ObWsmanClient       *self,
                                 const char          *class_name,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree char *uri = NULL;
  g_autofree char *body = NULL;
  GTask *task;
  Enumeration *e;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (self));
  g_return_if_fail (class_name != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  if (!class_uri (self, class_name, &uri, callback, user_data, ob_wsman_client_enumerate_async))
    return;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_wsman_client_enumerate_async);
  e = g_new0 (Enumeration, 1);
  e->resource_uri = g_steal_pointer (&uri);
  e->items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_task_set_task_data (task, e, enumeration_free);

  body = ob_wsman_body_enumerate ();
  request_start_internal (self, OB_WSMAN_ACTION_ENUMERATE, e->resource_uri, NULL, body, cancellable,
                          on_enumeration_reply, task);
}

GPtrArray *
ob_wsman_client_enumerate_finish (ObWsmanClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (OB_IS_WSMAN_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_wsman_client_enumerate_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
