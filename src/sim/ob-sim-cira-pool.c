/* ob-sim-cira-pool.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ob-sim-cira-pool.h"
#include "ob-tls-stream.h"

struct _ObSimCiraPool
{
  GObject          parent_instance;

  char            *host;
  guint            port;
  GTlsCertificate *root;
  char            *common_name;
  SSL_CTX         *ssl_ctx;         /* shared by every connection; NULL: make it */

  GSocketClient   *client;
  GPtrArray       *addresses;       /* GInetAddress, once resolved */
  guint            next_address;

  guint            max_connecting;
  guint            n_connecting;
  guint            max_seen;
  guint            connect_timeout_ms;
  GQueue           waiting;         /* GTask, one reference each */
  /* Every connected device's socket and timers, in one GSource. */
  ObPoller     *poller;
};

G_DEFINE_FINAL_TYPE (ObSimCiraPool, ob_sim_cira_pool, G_TYPE_OBJECT)

/* One connection attempt (the task data). */
typedef struct
{
  GCancellable      *caller;        /* the caller's, may be NULL */
  gulong             caller_id;
  GCancellable      *cancellable;   /* ours: the caller's or the timeout cancel it */
  GSource           *timeout;
  GList             *queue_link;    /* while waiting for a slot */
  GSocketConnection *tcp;
  ObTlsStream    *tls;
  gboolean           holding_slot;
  gboolean           timed_out;
} Attempt;

static void
attempt_free (gpointer data)
{
  Attempt *attempt = data;

  g_assert (attempt->timeout == NULL);
  g_clear_object (&attempt->caller);
  g_clear_object (&attempt->cancellable);
  g_clear_object (&attempt->tcp);
  g_clear_object (&attempt->tls);
  g_free (attempt);
}

static void start_attempt (ObSimCiraPool *self,
                           GTask         *task);

/* ---- slots ------------------------------------------------------------- */

static void
start_waiting (ObSimCiraPool *self)
{
  while (self->n_connecting < self->max_connecting && self->waiting.length > 0)
    {
      g_autoptr(GTask) task = g_queue_pop_head (&self->waiting);
      Attempt *attempt = g_task_get_task_data (task);

      attempt->queue_link = NULL;
      start_attempt (self, task);
    }
}

/* Give the slot back, stop the timer, unhook the caller's cancellable.
 * Returns with the task still to be returned. */
static void
attempt_done (ObSimCiraPool *self,
              GTask         *task)
{
  Attempt *attempt = g_task_get_task_data (task);

  if (attempt->timeout != NULL)
    {
      g_source_destroy (attempt->timeout);
      g_clear_pointer (&attempt->timeout, g_source_unref);
    }
  if (attempt->caller_id != 0)
    {
      g_cancellable_disconnect (attempt->caller, attempt->caller_id);
      attempt->caller_id = 0;
    }
  if (attempt->holding_slot)
    {
      attempt->holding_slot = FALSE;
      self->n_connecting--;
      start_waiting (self);
    }
}

static void
attempt_fail (GTask  *task,
              GError *error)
{
  ObSimCiraPool *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);

  attempt_done (self, task);
  if (attempt->tls != NULL)
    g_io_stream_close_async (G_IO_STREAM (attempt->tls), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  else if (attempt->tcp != NULL)
    g_io_stream_close_async (G_IO_STREAM (attempt->tcp), G_PRIORITY_DEFAULT, NULL, NULL, NULL);

  if (attempt->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "The MPS at %s:%u did not complete the TLS connection in %u ms",
                               self->host, self->port, self->connect_timeout_ms);
      return;
    }
  g_task_return_error (task, error);
}

/* ---- TLS settings and the certificate check ------------------------------- */

/* One context for every connection of the pool: trust store, options and
 * the root are shared, not copied per device. */
static SSL_CTX *
get_ssl_ctx (ObSimCiraPool  *self,
             GError        **error)
{
  SSL_CTX *ctx;

  if (self->ssl_ctx != NULL)
    return self->ssl_ctx;

  ctx = SSL_CTX_new (TLS_client_method ());
  if (ctx == NULL)
    {
      g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE, "OpenSSL could not make a TLS client context");
      ERR_clear_error ();
      return NULL;
    }
  /* Idle connections give their record buffers back; writes may be
   * partial and retried from a moved buffer (the APF output queue). */
  SSL_CTX_set_mode (ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE
                    | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* An MPS may drop TCP without close_notify; every connection is a full
   * handshake, as each real device's first one is. */
  SSL_CTX_set_options (ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_OFF);
  /* The chain is checked (the result is read after the handshake), but
   * judged by us: AMT's rules are not OpenSSL's host name rules. */
  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);

  if (self->root != NULL)
    {
      g_autoptr(GByteArray) der = NULL;
      const unsigned char *p;
      X509 *x509;

      g_object_get (self->root, "certificate", &der, NULL);
      p = der != NULL ? der->data : NULL;
      x509 = p != NULL ? d2i_X509 (NULL, &p, der->len) : NULL;
      if (x509 == NULL || X509_STORE_add_cert (SSL_CTX_get_cert_store (ctx), x509) != 1)
        {
          X509_free (x509);
          SSL_CTX_free (ctx);
          ERR_clear_error ();
          g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                               "The MPS root certificate cannot be used");
          return NULL;
        }
      X509_free (x509);
    }
  self->ssl_ctx = ctx;
  return ctx;
}

/* AMT's check (mps-cira-apf.md §1.4): the certificate chains to the root
 * it was given, and its CN is the MPS name it was given. */
static GError *
check_certificate (ObSimCiraPool  *self,
                   ObTlsStream *tls)
{
  long verdict;
  g_autofree char *cn = NULL;
  const char *expected;

  /* No root: accept whatever the MPS shows (any MPS, self-signed). */
  if (self->root == NULL)
    return NULL;

  verdict = ob_tls_stream_get_verify_result (tls);
  if (verdict != X509_V_OK)
    return g_error_new (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, "The MPS certificate was refused: %s",
                        X509_verify_cert_error_string (verdict));

  cn = ob_tls_stream_dup_peer_common_name (tls);
  expected = self->common_name != NULL ? self->common_name : self->host;
  if (cn == NULL || g_ascii_strcasecmp (cn, expected) != 0)
    return g_error_new (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                        "The MPS certificate was refused: it is for “%s”, not “%s”",
                        cn != NULL ? cn : "(no common name)", expected);
  return NULL;
}

/* ---- connecting ----------------------------------------------------------- */

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObSimCiraPool *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);
  GError *error = NULL;

  if (!ob_tls_stream_handshake_finish (OB_TLS_STREAM (source), result, &error))
    {
      attempt_fail (task, error);
      return;
    }
  error = check_certificate (self, attempt->tls);
  if (error != NULL)
    {
      attempt_fail (task, error);
      return;
    }

  attempt_done (self, task);
  g_task_return_pointer (task, g_steal_pointer (&attempt->tls), g_object_unref);
}

static void
on_tcp_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObSimCiraPool *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);
  GError *error = NULL;
  SSL_CTX *ctx;

  attempt->tcp = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (attempt->tcp == NULL)
    {
      attempt_fail (task, error);
      return;
    }

  /* APF is small request/answer messages: without this, Nagle's
   * algorithm meets the MPS's delayed ACKs and handshakes take 40 ms
   * steps. */
  if (!g_socket_set_option (g_socket_connection_get_socket (attempt->tcp), IPPROTO_TCP, TCP_NODELAY, 1, &error))
    {
      g_debug ("TCP_NODELAY not set: %s", error->message);
      g_clear_error (&error);
    }

  ctx = get_ssl_ctx (self, &error);
  if (ctx != NULL)
    attempt->tls = ob_tls_stream_new_client (attempt->tcp, ctx, self->host, &error);
  if (attempt->tls == NULL)
    {
      attempt_fail (task, error);
      return;
    }
  ob_tls_stream_handshake_async (attempt->tls, attempt->cancellable, on_handshake, g_object_ref (task));
}

static void
connect_tcp (ObSimCiraPool *self,
             GTask         *task)
{
  Attempt *attempt = g_task_get_task_data (task);
  GInetAddress *address = g_ptr_array_index (self->addresses, self->next_address++ % self->addresses->len);
  g_autoptr(GSocketAddress) target = g_inet_socket_address_new (address, (guint16) self->port);

  g_socket_client_connect_async (self->client, G_SOCKET_CONNECTABLE (target), attempt->cancellable,
                                 on_tcp_connected, g_object_ref (task));
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObSimCiraPool *self = g_task_get_source_object (task);
  GError *error = NULL;
  GList *list = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);

  if (list == NULL)
    {
      attempt_fail (task, error);
      return;
    }
  /* Resolved once for every device (another attempt may have done it). */
  if (self->addresses == NULL)
    {
      self->addresses = g_ptr_array_new_with_free_func (g_object_unref);
      for (GList *l = list; l != NULL; l = l->next)
        g_ptr_array_add (self->addresses, g_object_ref (l->data));
    }
  g_resolver_free_addresses (list);
  connect_tcp (self, task);
}

static gboolean
on_attempt_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Attempt *attempt = g_task_get_task_data (task);

  g_clear_pointer (&attempt->timeout, g_source_unref);
  attempt->timed_out = TRUE;
  g_cancellable_cancel (attempt->cancellable);
  return G_SOURCE_REMOVE;
}

static void
start_attempt (ObSimCiraPool *self,
               GTask         *task)
{
  Attempt *attempt = g_task_get_task_data (task);

  if (attempt->caller != NULL && g_cancellable_is_cancelled (attempt->caller))
    {
      attempt_done (self, task);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
      return;
    }

  attempt->holding_slot = TRUE;
  self->n_connecting++;
  self->max_seen = MAX (self->max_seen, self->n_connecting);

  if (self->connect_timeout_ms > 0)
    {
      attempt->timeout = g_timeout_source_new (self->connect_timeout_ms);
      g_source_set_callback (attempt->timeout, on_attempt_timeout, task, NULL);
      g_source_attach (attempt->timeout, g_task_get_context (task));
    }

  if (self->addresses != NULL)
    connect_tcp (self, task);
  else
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();

      g_resolver_lookup_by_name_async (resolver, self->host, attempt->cancellable, on_resolved,
                                       g_object_ref (task));
    }
}

/* The caller's cancellable fired (synchronously, on our thread). */
static void
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  ObSimCiraPool *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);

  if (attempt->queue_link != NULL)
    {
      /* Still waiting for a slot: answer now.  The handler cannot be
       * disconnected from inside its own emission, so it stays (the
       * cancellable will not fire twice). */
      g_queue_delete_link (&self->waiting, attempt->queue_link);
      attempt->queue_link = NULL;
      attempt->caller_id = 0;
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
      g_object_unref (task);
      return;
    }
  g_cancellable_cancel (attempt->cancellable);
}

void
ob_sim_cira_pool_connect_async (ObSimCiraPool       *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Attempt *attempt;

  g_return_if_fail (OB_IS_SIM_CIRA_POOL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_sim_cira_pool_connect_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  attempt = g_new0 (Attempt, 1);
  attempt->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, attempt, attempt_free);
  if (cancellable != NULL)
    {
      attempt->caller = g_object_ref (cancellable);
      attempt->caller_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled), task, NULL);
    }

  if (self->n_connecting < self->max_connecting && self->waiting.length == 0)
    start_attempt (self, task);
  else
    {
      g_queue_push_tail (&self->waiting, g_object_ref (task));
      attempt->queue_link = self->waiting.tail;
    }
}

GIOStream *
ob_sim_cira_pool_connect_finish (ObSimCiraPool  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- settings --------------------------------------------------------------- */

ObPoller *
ob_sim_cira_pool_get_poller (ObSimCiraPool *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), NULL);

  if (self->poller == NULL)
    {
      g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

      self->poller = ob_poller_new (context);
    }
  return self->poller;
}

ObSimCiraPool *
ob_sim_cira_pool_new (const char *mps_host,
                      guint       mps_port)
{
  ObSimCiraPool *self;
  g_autoptr(GInetAddress) literal = NULL;

  g_return_val_if_fail (mps_host != NULL && *mps_host != '\0', NULL);
  g_return_val_if_fail (mps_port > 0 && mps_port <= 65535, NULL);

  self = g_object_new (OB_TYPE_SIM_CIRA_POOL, NULL);
  self->host = g_strdup (mps_host);
  self->port = mps_port;

  literal = g_inet_address_new_from_string (mps_host);
  if (literal != NULL)
    {
      self->addresses = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (self->addresses, g_steal_pointer (&literal));
    }
  return self;
}

const char *
ob_sim_cira_pool_get_host (ObSimCiraPool *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), NULL);
  return self->host;
}

guint
ob_sim_cira_pool_get_port (ObSimCiraPool *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), 0);
  return self->port;
}

void
ob_sim_cira_pool_set_root_certificate (ObSimCiraPool   *self,
                                       GTlsCertificate *root)
{
  g_return_if_fail (OB_IS_SIM_CIRA_POOL (self));
  g_return_if_fail (root == NULL || G_IS_TLS_CERTIFICATE (root));
  if (g_set_object (&self->root, root))
    g_clear_pointer (&self->ssl_ctx, SSL_CTX_free);
}

GTlsCertificate *
ob_sim_cira_pool_get_root_certificate (ObSimCiraPool *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), NULL);
  return self->root;
}

gboolean
ob_sim_cira_pool_load_root_file (ObSimCiraPool  *self,
                                 const char     *path,
                                 GError        **error)
{
  g_autolist(GTlsCertificate) list = NULL;

  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  list = g_tls_certificate_list_new_from_file (path, error);
  if (list == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                     "No certificate in %s", path);
      return FALSE;
    }
  ob_sim_cira_pool_set_root_certificate (self, list->data);
  return TRUE;
}

void
ob_sim_cira_pool_set_common_name (ObSimCiraPool *self,
                                  const char    *common_name)
{
  g_return_if_fail (OB_IS_SIM_CIRA_POOL (self));
  g_free (self->common_name);
  self->common_name = g_strdup (common_name);
}

const char *
ob_sim_cira_pool_get_common_name (ObSimCiraPool *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), NULL);
  return self->common_name != NULL ? self->common_name : self->host;
}

void
ob_sim_cira_pool_set_max_connecting (ObSimCiraPool *self,
                                     guint          max_connecting)
{
  g_return_if_fail (OB_IS_SIM_CIRA_POOL (self));
  g_return_if_fail (max_connecting > 0);
  self->max_connecting = max_connecting;
  start_waiting (self);
}

guint
ob_sim_cira_pool_get_max_connecting (ObSimCiraPool *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), 0);
  return self->max_connecting;
}

guint
ob_sim_cira_pool_get_n_connecting (ObSimCiraPool *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), 0);
  return self->n_connecting;
}

guint
ob_sim_cira_pool_get_n_waiting (ObSimCiraPool *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), 0);
  return self->waiting.length;
}

guint
ob_sim_cira_pool_get_max_seen_connecting (ObSimCiraPool *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (self), 0);
  return self->max_seen;
}

void
ob_sim_cira_pool_set_local_address (ObSimCiraPool *self,
                                    GInetAddress  *address)
{
  g_autoptr(GSocketAddress) local = NULL;

  g_return_if_fail (OB_IS_SIM_CIRA_POOL (self));
  g_return_if_fail (address == NULL || G_IS_INET_ADDRESS (address));

  if (address != NULL)
    local = g_inet_socket_address_new (address, 0);
  g_socket_client_set_local_address (self->client, local);
}

void
ob_sim_cira_pool_set_connect_timeout_ms (ObSimCiraPool *self,
                                         guint          timeout_ms)
{
  g_return_if_fail (OB_IS_SIM_CIRA_POOL (self));
  self->connect_timeout_ms = timeout_ms;
}

/* ---- GObject ------------------------------------------------------------------ */

static void
ob_sim_cira_pool_dispose (GObject *object)
{
  ObSimCiraPool *self = OB_SIM_CIRA_POOL (object);

  /* Waiting tasks hold a reference to the pool, so none are left here. */
  g_assert (self->waiting.length == 0);
  g_clear_object (&self->client);
  g_clear_object (&self->root);
  g_clear_pointer (&self->ssl_ctx, SSL_CTX_free);
  g_clear_pointer (&self->addresses, g_ptr_array_unref);

  G_OBJECT_CLASS (ob_sim_cira_pool_parent_class)->dispose (object);
}

static void
ob_sim_cira_pool_finalize (GObject *object)
{
  ObSimCiraPool *self = OB_SIM_CIRA_POOL (object);

  g_free (self->host);
  g_free (self->common_name);
  /* Sessions still open hold their own reference. */
  g_clear_pointer (&self->poller, ob_poller_unref);

  G_OBJECT_CLASS (ob_sim_cira_pool_parent_class)->finalize (object);
}

static void
ob_sim_cira_pool_class_init (ObSimCiraPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_sim_cira_pool_dispose;
  object_class->finalize = ob_sim_cira_pool_finalize;
}

static void
ob_sim_cira_pool_init (ObSimCiraPool *self)
{
  self->max_connecting = OB_SIM_CIRA_DEFAULT_MAX_CONNECTING;
  self->connect_timeout_ms = OB_SIM_CIRA_DEFAULT_CONNECT_TIMEOUT_MS;
  self->client = g_socket_client_new ();
  /* Straight to the MPS: no proxy lookup per connection. */
  g_socket_client_set_enable_proxy (self->client, FALSE);
  g_queue_init (&self->waiting);
}
