/* ob-rps-server.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "ob-rps-error.h"
#include "ob-rps-server.h"

/* How long a new connection may stay silent before its first byte. */
#define SNIFF_TIMEOUT_MS 10000
/* The first byte of a TLS handshake record. */
#define TLS_HANDSHAKE_RECORD 0x16

struct _ObRpsServer
{
  GObject           parent_instance;

  ObRpsContext     *context;
  SoupServer       *soup;
  GSocketService   *service;
  guint             port;
  GListStore       *sessions;
  guint             n_active;
  GError           *last_error;
  GList            *sniffing;  /* Sniff */
  guint             n_sniffing;
};

G_DEFINE_FINAL_TYPE (ObRpsServer, ob_rps_server, G_TYPE_OBJECT)

enum
{
  SIGNAL_SESSION_STARTED,
  SIGNAL_DEVICE_PROVISIONED,
  SIGNAL_DEVICE_DEPROVISIONED,
  SIGNAL_DEVICE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  ObRpsServer       *server;  /* unowned; the server drops us first */
  GSocketConnection *connection;
  GSource           *readable;
  GSource           *timeout;
} Sniff;

static void
sniff_free (Sniff *sniff)
{
  if (sniff->readable != NULL)
    {
      g_source_destroy (sniff->readable);
      g_source_unref (sniff->readable);
    }
  if (sniff->timeout != NULL)
    {
      g_source_destroy (sniff->timeout);
      g_source_unref (sniff->timeout);
    }
  g_clear_object (&sniff->connection);
  g_free (sniff);
}

static void
sniff_drop (Sniff *sniff)
{
  sniff->server->sniffing = g_list_remove (sniff->server->sniffing, sniff);
  sniff->server->n_sniffing--;
  sniff_free (sniff);
}

static void
end_sessions (ObRpsServer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sessions));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ObRpsSession) session = g_list_model_get_item (G_LIST_MODEL (self->sessions), i);

      if (ob_rps_session_get_state (session) == OB_RPS_SESSION_WAITING
          || ob_rps_session_get_state (session) == OB_RPS_SESSION_RUNNING)
        ob_rps_session_cancel (session);
    }
}

static void
ob_rps_server_dispose (GObject *object)
{
  ObRpsServer *self = OB_RPS_SERVER (object);

  ob_rps_server_stop (self);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (ob_rps_server_parent_class)->dispose (object);
}

static void
ob_rps_server_finalize (GObject *object)
{
  ObRpsServer *self = OB_RPS_SERVER (object);

  g_clear_object (&self->sessions);
  g_clear_pointer (&self->context, ob_rps_context_unref);
  g_clear_error (&self->last_error);

  G_OBJECT_CLASS (ob_rps_server_parent_class)->finalize (object);
}

static void
ob_rps_server_class_init (ObRpsServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_rps_server_dispose;
  object_class->finalize = ob_rps_server_finalize;

  signals[SIGNAL_SESSION_STARTED] =
    g_signal_new ("session-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, OB_TYPE_RPS_SESSION);
  signals[SIGNAL_DEVICE_PROVISIONED] =
    g_signal_new ("device-provisioned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_DEVICE_DEPROVISIONED] =
    g_signal_new ("device-deprovisioned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_DEVICE_CHANGED] =
    g_signal_new ("device-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ob_rps_server_init (ObRpsServer *self)
{
  self->sessions = g_list_store_new (OB_TYPE_RPS_SESSION);
}

/* ---- Sessions ------------------------------------------------------------- */

static void
trim_finished (ObRpsServer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sessions));
  guint finished = n - self->n_active;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->sessions))
                    && finished > OB_RPS_SERVER_MAX_FINISHED_SESSIONS;)
    {
      g_autoptr(ObRpsSession) session = g_list_model_get_item (G_LIST_MODEL (self->sessions), i);
      ObRpsSessionState state = ob_rps_session_get_state (session);

      if (state == OB_RPS_SESSION_SUCCEEDED || state == OB_RPS_SESSION_FAILED)
        {
          g_list_store_remove (self->sessions, i);
          finished--;
        }
      else
        i++;
    }
}

static void
on_session_finished (ObRpsSession *session,
                     ObRpsServer  *self)
{
  const char *method = ob_rps_session_get_method (session);
  const char *uuid = ob_rps_session_get_uuid (session);

  g_assert (self->n_active > 0);
  self->n_active--;
  if (ob_rps_session_get_state (session) == OB_RPS_SESSION_SUCCEEDED && uuid != NULL)
    {
      if (g_strcmp0 (method, "activate") == 0)
        g_signal_emit (self, signals[SIGNAL_DEVICE_PROVISIONED], 0, uuid);
      else if (g_strcmp0 (method, "deactivate") == 0)
        g_signal_emit (self, signals[SIGNAL_DEVICE_DEPROVISIONED], 0, uuid);
      else
        g_signal_emit (self, signals[SIGNAL_DEVICE_CHANGED], 0, uuid);
    }
  trim_finished (self);
}

static void
on_websocket (SoupServer              *soup,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  ObRpsServer *self = user_data;
  g_autoptr(ObRpsSession) session = NULL;

  session = ob_rps_session_new (connection, self->context, soup_server_message_get_remote_host (msg));
  g_signal_connect_object (session, "finished", G_CALLBACK (on_session_finished), self, 0);
  self->n_active++;
  g_list_store_append (self->sessions, session);
  g_debug ("RPS connection %s from %s on %s", ob_rps_session_get_client_id (session),
           soup_server_message_get_remote_host (msg), path);
  g_signal_emit (self, signals[SIGNAL_SESSION_STARTED], 0, session);
}

/* ---- Accepting: ws:// or wss:// by the first byte ------------------------------ */

static void
hand_over (ObRpsServer       *self,
           GSocketConnection *connection,
           gboolean           tls)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  if (tls)
    {
      g_autoptr(GTlsCertificate) certificate = NULL;

      if (self->context->cert_authority == NULL
          || !ob_cert_authority_get_ready (self->context->cert_authority)
          || (certificate = ob_cert_authority_dup_tls_certificate (self->context->cert_authority, &error)) == NULL)
        {
          g_message ("RPS: refusing a wss:// connection: %s",
                     error != NULL ? error->message : "no server certificate yet");
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          return;
        }
      stream = (GIOStream *) g_tls_server_connection_new (G_IO_STREAM (connection), certificate, &error);
      if (stream == NULL)
        {
          g_message ("RPS: TLS unavailable: %s", error->message);
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          return;
        }
    }
  else
    stream = g_object_ref (G_IO_STREAM (connection));

  if (!soup_server_accept_iostream (self->soup, stream, local, remote, &error))
    {
      g_message ("RPS: could not serve a connection: %s", error->message);
      g_io_stream_close (stream, NULL, NULL);
    }
}

static gboolean
on_sniff_readable (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  Sniff *sniff = user_data;
  ObRpsServer *self = sniff->server;
  guint8 first = 0;
  GInputVector vector = { &first, 1 };
  int flags = G_SOCKET_MSG_PEEK;
  gssize n;
  g_autoptr(GSocketConnection) connection = g_object_ref (sniff->connection);

  n = g_socket_receive_message (socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, NULL);
  /* The source is done either way; drop it before the Sniff goes. */
  g_clear_pointer (&sniff->readable, g_source_unref);
  sniff_drop (sniff);
  if (n == 1)
    hand_over (self, connection, first == TLS_HANDSHAKE_RECORD);
  else
    g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_sniff_timeout (gpointer user_data)
{
  Sniff *sniff = user_data;
  g_autoptr(GSocketConnection) connection = g_object_ref (sniff->connection);

  g_clear_pointer (&sniff->timeout, g_source_unref);
  sniff_drop (sniff);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  ObRpsServer *self = user_data;
  Sniff *sniff;
  GSocket *socket = g_socket_connection_get_socket (connection);

  if (self->n_active >= OB_RPS_SERVER_MAX_ACTIVE_SESSIONS || self->n_sniffing >= OB_RPS_SERVER_MAX_PENDING)
    {
      g_debug ("RPS: too many connections, one refused");
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  sniff = g_new0 (Sniff, 1);
  sniff->server = self;
  sniff->connection = g_object_ref (connection);
  sniff->readable = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (sniff->readable, G_SOURCE_FUNC (on_sniff_readable), sniff, NULL);
  g_source_set_static_name (sniff->readable, "[outband] rps sniff");
  g_source_attach (sniff->readable, g_main_context_get_thread_default ());
  sniff->timeout = g_timeout_source_new (SNIFF_TIMEOUT_MS);
  g_source_set_callback (sniff->timeout, on_sniff_timeout, sniff, NULL);
  g_source_set_static_name (sniff->timeout, "[outband] rps sniff timeout");
  g_source_attach (sniff->timeout, g_main_context_get_thread_default ());
  self->sniffing = g_list_prepend (self->sniffing, sniff);
  self->n_sniffing++;
  return TRUE;
}

/* ---- Public ------------------------------------------------------------------ */

ObRpsServer *
ob_rps_server_new (ObStore         *store,
                   ObSecretStore   *secrets,
                   ObCertAuthority *cert_authority)
{
  ObRpsServer *self;

  g_return_val_if_fail (OB_IS_STORE (store), NULL);
  g_return_val_if_fail (OB_IS_SECRET_STORE (secrets), NULL);
  g_return_val_if_fail (cert_authority == NULL || OB_IS_CERT_AUTHORITY (cert_authority), NULL);

  self = g_object_new (OB_TYPE_RPS_SERVER, NULL);
  self->context = ob_rps_context_new (store, secrets, cert_authority);
  self->soup = soup_server_new ("server-header", "Outband-RPS ", NULL);
  soup_server_add_websocket_handler (self->soup, NULL, NULL, NULL, on_websocket, self, NULL);
  return self;
}

ObRpsContext *
ob_rps_server_get_context (ObRpsServer *self)
{
  g_return_val_if_fail (OB_IS_RPS_SERVER (self), NULL);
  return self->context;
}

static void
close_service (ObRpsServer *self)
{
  if (self->service == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_clear_object (&self->service);
}

static GSocketService *
open_service (ObRpsServer  *self,
              guint        *port_inout,
              GError      **error)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) local_error = NULL;
  guint port = *port_inout;

  /* Before binding: a connect storm of activations must not be dropped by
   * GIO's default of 10. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), 256);
  if (port == 0)
    port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &local_error);
  else if (!g_socket_listener_add_inet_port (G_SOCKET_LISTENER (service), (guint16) port, NULL, &local_error))
    port = 0;
  if (port == 0)
    {
      g_clear_error (&self->last_error);
      self->last_error = g_steal_pointer (&local_error);
      g_prefix_error (&self->last_error, "RPS port: ");
      g_propagate_error (error, g_error_copy (self->last_error));
      return NULL;
    }
  g_clear_error (&self->last_error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), self);
  *port_inout = port;
  return g_steal_pointer (&service);
}

gboolean
ob_rps_server_move (ObRpsServer  *self,
                    guint         port,
                    GError      **error)
{
  GSocketService *service;

  g_return_val_if_fail (OB_IS_RPS_SERVER (self), FALSE);
  g_return_val_if_fail (port <= 65535, FALSE);

  service = open_service (self, &port, error);
  if (service == NULL)
    return FALSE;
  close_service (self);
  self->service = service;
  self->port = port;
  g_socket_service_start (self->service);
  return TRUE;
}

gboolean
ob_rps_server_listen (ObRpsServer  *self,
                      guint         port,
                      GError      **error)
{
  g_return_val_if_fail (OB_IS_RPS_SERVER (self), FALSE);
  g_return_val_if_fail (port <= 65535, FALSE);

  if (self->service != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "The RPS server is already listening on port %u",
                   self->port);
      return FALSE;
    }
  return ob_rps_server_move (self, port, error);
}

void
ob_rps_server_stop (ObRpsServer *self)
{
  g_return_if_fail (OB_IS_RPS_SERVER (self));

  close_service (self);
  self->port = 0;
  while (self->sniffing != NULL)
    {
      Sniff *sniff = self->sniffing->data;

      g_io_stream_close (G_IO_STREAM (sniff->connection), NULL, NULL);
      sniff_drop (sniff);
    }
  if (self->sessions != NULL)
    end_sessions (self);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
}

gboolean
ob_rps_server_get_listening (ObRpsServer *self)
{
  g_return_val_if_fail (OB_IS_RPS_SERVER (self), FALSE);
  return self->service != NULL;
}

const GError *
ob_rps_server_get_last_error (ObRpsServer *self)
{
  g_return_val_if_fail (OB_IS_RPS_SERVER (self), NULL);
  return self->last_error;
}

guint
ob_rps_server_get_port (ObRpsServer *self)
{
  g_return_val_if_fail (OB_IS_RPS_SERVER (self), 0);
  return self->port;
}

GListModel *
ob_rps_server_get_sessions (ObRpsServer *self)
{
  g_return_val_if_fail (OB_IS_RPS_SERVER (self), NULL);
  return G_LIST_MODEL (self->sessions);
}

guint
ob_rps_server_get_n_active (ObRpsServer *self)
{
  g_return_val_if_fail (OB_IS_RPS_SERVER (self), 0);
  return self->n_active;
}
