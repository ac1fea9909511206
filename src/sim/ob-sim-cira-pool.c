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
#include "ob-tls-context.h"
#include "ob-tls-stream.h"

struct _ObSimCiraPool
{
  GObject          parent_instance;

  char            *host;
  guint            port;
  GTlsCertificate *root;
  char            *common_name;
  SSL_CTX         *ssl_ctx;         /* shared by every connection; NULL: make it */

  GPtrArray       *targets;         /* GSocketAddress of the MPS, once resolved */
  guint            next_target;
  GSocketAddress  *local;           /* bind here first; NULL: the system's choice */
  guint            n_local;         /* IPv4: @local and the addresses after it, in turn */
  guint            next_local;

  guint            max_connecting;
  guint            n_connecting;
  guint            max_seen;
  guint            connect_timeout_ms;
  GQueue           waiting;         /* GTask, one reference each */
  gboolean         starting;        /* in start_waiting() */
  /* The context's shared poller: every connect, attempt deadline and
   * connected device's socket and timers, in one GSource. */
  ObPoller        *poller;
};

G_DEFINE_FINAL_TYPE (ObSimCiraPool, ob_sim_cira_pool, G_TYPE_OBJECT)

/* One connection attempt (the task data).  Each stage waits on the pool's
 * poller or on ObTlsStream, never on a GSource of its own, so a storm of
 * thousands of attempts costs the main loop nothing per attempt. */
typedef struct
{
  GCancellable      *caller;        /* the caller's, may be NULL */
  gulong             caller_id;
  GCancellable      *cancellable;   /* the resolver's and the handshake's: the caller or the deadline cancel it */
  ObPollerTimer     *deadline;
  GList             *queue_link;    /* while waiting for a slot */
  GSocket           *socket;        /* the TCP connect in progress */
  ObPollerWatch     *connect_watch; /* its writability; holds a task reference */
  ObTlsStream       *tls;
  gboolean           holding_slot;
  gboolean           timed_out;
} Attempt;

static void
attempt_free (gpointer data)
{
  Attempt *attempt = data;

  g_assert (attempt->deadline == NULL);
  g_assert (attempt->connect_watch == NULL);
  g_clear_object (&attempt->caller);
  g_clear_object (&attempt->cancellable);
  if (attempt->socket != NULL)
    g_socket_close (attempt->socket, NULL);
  g_clear_object (&attempt->socket);
  g_clear_object (&attempt->tls);
  g_free (attempt);
}

static void start_attempt (ObSimCiraPool *self,
                           GTask         *task);

/* ---- slots ------------------------------------------------------------- */

static void
start_waiting (ObSimCiraPool *self)
{
  /* An attempt that fails at once (refused on loopback, out of
   * descriptors) gives its slot back from inside start_attempt(): the
   * loop below takes it, rather than a recursion as deep as the queue. */
  if (self->starting)
    return;
  self->starting = TRUE;
  while (self->n_connecting < self->max_connecting && self->waiting.length > 0)
    {
      g_autoptr(GTask) task = g_queue_pop_head (&self->waiting);
      Attempt *attempt = g_task_get_task_data (task);

      attempt->queue_link = NULL;
      start_attempt (self, task);
    }
  self->starting = FALSE;
}

/* Stop waiting for the TCP connect; drops the reference the wait held
 * (the caller still holds one). */
static void
stop_connect_watch (Attempt *attempt,
                    GTask   *task)
{
  if (attempt->connect_watch == NULL)
    return;
  g_clear_pointer (&attempt->connect_watch, ob_poller_watch_free);
  g_object_unref (task);
}

/* Give the slot back, stop the deadline, unhook the caller's cancellable.
 * Returns with the task still to be returned. */
static void
attempt_done (ObSimCiraPool *self,
              GTask         *task)
{
  Attempt *attempt = g_task_get_task_data (task);

  g_clear_pointer (&attempt->deadline, ob_poller_timer_free);
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
  else if (attempt->socket != NULL)
    g_socket_close (attempt->socket, NULL);
  g_clear_object (&attempt->socket);

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
 * the root are shared, not copied per device (ob_tls_context_new_device()
 * has AMT's settings). */
static SSL_CTX *
get_ssl_ctx (ObSimCiraPool  *self,
             GError        **error)
{
  X509 *root = NULL;

  if (self->ssl_ctx != NULL)
    return self->ssl_ctx;

  if (self->root != NULL)
    {
      g_autoptr(GByteArray) der = NULL;
      const unsigned char *p;

      g_object_get (self->root, "certificate", &der, NULL);
      p = der != NULL ? der->data : NULL;
      root = p != NULL ? d2i_X509 (NULL, &p, der->len) : NULL;
      if (root == NULL)
        {
          ERR_clear_error ();
          g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                               "The MPS root certificate cannot be used");
          return NULL;
        }
    }

  self->ssl_ctx = ob_tls_context_new_device (root, error);
  X509_free (root);
  return self->ssl_ctx;
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

/* TCP is up: TLS over it. */
static void
start_tls (ObSimCiraPool *self,
           GTask         *task)
{
  Attempt *attempt = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) tcp = NULL;
  GError *error = NULL;
  SSL_CTX *ctx;

  tcp = g_socket_connection_factory_create_connection (attempt->socket);
  g_clear_object (&attempt->socket);

  ctx = get_ssl_ctx (self, &error);
  if (ctx != NULL)
    attempt->tls = ob_tls_stream_new_client (tcp, ctx, self->host, &error);
  if (attempt->tls == NULL)
    {
      g_io_stream_close (G_IO_STREAM (tcp), NULL, NULL);
      attempt_fail (task, error);
      return;
    }
  /* Its waits for the MPS on the poller too, not a GSource each. */
  ob_tls_stream_set_poller (attempt->tls, ob_sim_cira_pool_get_poller (self));
  ob_tls_stream_handshake_async (attempt->tls, attempt->cancellable, on_handshake, g_object_ref (task));
}

/* The socket became writable (or failed): the connect is over. */
static void
on_connect_ready (gpointer user_data)
{
  GTask *task = user_data;
  ObSimCiraPool *self = g_task_get_source_object (task);
  Attempt *attempt = g_task_get_task_data (task);
  g_autoptr(GTask) hold = g_object_ref (task);
  GError *error = NULL;

  stop_connect_watch (attempt, task);
  if (!g_socket_check_connect_result (attempt->socket, &error))
    {
      g_prefix_error (&error, "Could not connect to %s:%u: ", self->host, self->port);
      attempt_fail (task, error);
      return;
    }
  start_tls (self, task);
}

/* The local address of the next attempt: the pool's one, or the next of
 * its IPv4 range (host order arithmetic, wrapping inside the range). */
static GSocketAddress *
next_local_address (ObSimCiraPool *self)
{
  GInetAddress *first = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (self->local));
  g_autoptr(GInetAddress) address = NULL;
  guint32 value;

  if (self->n_local <= 1)
    return g_object_ref (self->local);

  memcpy (&value, g_inet_address_to_bytes (first), sizeof value);
  value = GUINT32_FROM_BE (value) + self->next_local;
  value = GUINT32_TO_BE (value);
  self->next_local = (self->next_local + 1) % self->n_local;
  address = g_inet_address_new_from_bytes ((const guint8 *) &value, G_SOCKET_FAMILY_IPV4);
  return g_inet_socket_address_new (address, 0);
}

/* A non-blocking connect of our own rather than GSocketClient's: no
 * enumerator, proxy or event machinery, no GSource per attempt; the
 * address is the pool's, resolved once. */
static void
connect_tcp (ObSimCiraPool *self,
             GTask         *task)
{
  Attempt *attempt = g_task_get_task_data (task);
  GSocketAddress *target = g_ptr_array_index (self->targets, self->next_target++ % self->targets->len);
  GError *error = NULL;

  attempt->socket = g_socket_new (g_socket_address_get_family (target), G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);
  if (attempt->socket == NULL)
    {
      attempt_fail (task, error);
      return;
    }
  g_socket_set_blocking (attempt->socket, FALSE);

  /* APF is small request/answer messages: without this, Nagle's
   * algorithm meets the MPS's delayed ACKs and handshakes take 40 ms
   * steps. */
  if (!g_socket_set_option (attempt->socket, IPPROTO_TCP, TCP_NODELAY, 1, &error))
    {
      g_debug ("TCP_NODELAY not set: %s", error->message);
      g_clear_error (&error);
    }

  if (self->local != NULL)
    {
      g_autoptr(GSocketAddress) local = next_local_address (self);

#ifdef IP_BIND_ADDRESS_NO_PORT
      /* The port is then chosen by connect(), for this MPS only: bind()
       * would search the whole ephemeral range for one free for every
       * destination, a cost that grows with the connections open. */
      if (g_socket_address_get_family (self->local) == G_SOCKET_FAMILY_IPV4)
        g_socket_set_option (attempt->socket, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1, NULL);
#endif
      if (!g_socket_bind (attempt->socket, local, FALSE, &error))
        {
          g_prefix_error (&error, "Could not connect to %s:%u: ", self->host, self->port);
          attempt_fail (task, error);
          return;
        }
    }

  if (g_socket_connect (attempt->socket, target, NULL, &error))
    {
      start_tls (self, task);
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      g_prefix_error (&error, "Could not connect to %s:%u: ", self->host, self->port);
      attempt_fail (task, error);
      return;
    }
  g_clear_error (&error);

  attempt->connect_watch = ob_poller_watch_new (ob_sim_cira_pool_get_poller (self),
                                                g_socket_get_fd (attempt->socket),
                                                on_connect_ready, g_object_ref (task));
  ob_poller_watch_set_events (attempt->connect_watch, G_IO_OUT);
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
  if (self->targets == NULL)
    {
      self->targets = g_ptr_array_new_with_free_func (g_object_unref);
      for (GList *l = list; l != NULL; l = l->next)
        g_ptr_array_add (self->targets, g_inet_socket_address_new (l->data, (guint16) self->port));
    }
  g_resolver_free_addresses (list);
  connect_tcp (self, task);
}

/* The deadline passed (from the poller, never inside a call of ours). */
static void
on_attempt_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Attempt *attempt = g_task_get_task_data (task);

  g_clear_pointer (&attempt->deadline, ob_poller_timer_free);
  attempt->timed_out = TRUE;
  if (attempt->connect_watch != NULL)
    {
      g_autoptr(GTask) hold = g_object_ref (task);

      stop_connect_watch (attempt, task);
      attempt_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));
      return;
    }
  /* Resolving or in the handshake: it comes back cancelled. */
  g_cancellable_cancel (attempt->cancellable);
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
      attempt->deadline = ob_poller_timer_new (ob_sim_cira_pool_get_poller (self), on_attempt_timeout, task);
      ob_poller_timer_schedule (attempt->deadline,
                                g_get_monotonic_time () + (gint64) self->connect_timeout_ms * 1000);
    }

  if (self->targets != NULL)
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
  if (attempt->connect_watch != NULL)
    {
      /* The TCP connect: end it here (GTask answers in a later
       * iteration, the task's cancellable being cancelled). */
      g_autoptr(GTask) hold = g_object_ref (task);

      attempt->caller_id = 0;
      stop_connect_watch (attempt, task);
      attempt_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));
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
    self->poller = ob_poller_get_for_context (NULL);
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
      self->targets = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (self->targets, g_inet_socket_address_new (literal, (guint16) mps_port));
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
                                    GInetAddress  *address,
                                    guint          count)
{
  g_return_if_fail (OB_IS_SIM_CIRA_POOL (self));
  g_return_if_fail (address == NULL || G_IS_INET_ADDRESS (address));
  g_return_if_fail (count >= 1);
  g_return_if_fail (count == 1 || address == NULL
                    || g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4);

  g_clear_object (&self->local);
  if (address != NULL)
    self->local = g_inet_socket_address_new (address, 0);
  self->n_local = count;
  self->next_local = 0;
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
  g_clear_object (&self->local);
  g_clear_object (&self->root);
  g_clear_pointer (&self->ssl_ctx, SSL_CTX_free);
  g_clear_pointer (&self->targets, g_ptr_array_unref);

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
  self->n_local = 1;
  g_queue_init (&self->waiting);
}
