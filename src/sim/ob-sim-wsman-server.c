/* ob-sim-wsman-server.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-crypto.h"
#include "ob-http-connection.h"
#include "ob-http-digest.h"
#include "ob-poller.h"
#include "ob-sim-certificate.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-wsman-dispatch.h"
#include "ob-sim-wsman-server.h"
#include "ob-util.h"

#define DEFAULT_IDLE_TIMEOUT_MS (60 * 1000)
/* A WS-Man request is a few kilobytes; anything far larger is abuse. */
#define MAX_HEADER_BYTES (16 * 1024)
#define MAX_HEADERS      64
#define MAX_BODY_BYTES   (512 * 1024)
/* AMT sends its replies in chunks; small ones make clients prove their
 * de-chunking on every reply of some size. */
#define REPLY_CHUNK_SIZE 1024

/* What AMT shows when digest authentication fails (the clients only look
 * for the status; people see the page). */
static const char log_on_failed_page[] =
  "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" >\n"
  "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n"
  "<title>Intel&reg; Active Management Technology</title></head>\n"
  "<body>\n"
  "<h2>Intel&reg; Active Management Technology</h2>\n"
  "<h2 class=warn>Log on failed. Incorrect user name or password, or user account temporarily locked.</h2>\n"
  "<p><form method=\"GET\" action=\"index.htm\"><input type=submit value=\"Try again\"></form>\n"
  "</body>\n"
  "</html>\n";

typedef struct _Session Session;

struct _ObSimWsmanServer
{
  GObject             parent_instance;

  ObSimDevice        *device;
  char               *username;
  char               *password;
  ObHttpDigestServer *digest;
  ObSimWsmanDispatch *dispatch;
  char               *server_header;

  GSocketService     *service;
  GTlsCertificate    *certificate;
  char               *address;
  guint               http_port;
  guint               tls_port;
  guint               idle_timeout_ms;

  GMainContext       *context;
  GHashTable         *sessions;      /* Session* -> itself, one ref each */
  guint64             n_requests;
};

G_DEFINE_FINAL_TYPE (ObSimWsmanServer, ob_sim_wsman_server, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DEVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- Sessions: one client connection ---------------------------------- */

struct _Session
{
  gatomicrefcount    ref_count;
  ObSimWsmanServer  *server;        /* NULL once closed */
  GSocketConnection *socket_connection;
  GIOStream         *stream;        /* the socket, or TLS over it */
  ObHttpConnection  *http;
  GCancellable      *cancellable;
  /* The reply latency, on the context's shared poller (a GSource per
   * delayed reply would make every turn of a busy shard's loop visit it). */
  ObPollerTimer     *delay;
  ObHttpMessage     *delayed_response;
  char              *peer;
  gboolean           tls;
};

static void session_receive (Session *session);

static Session *
session_ref (Session *session)
{
  g_atomic_ref_count_inc (&session->ref_count);
  return session;
}

static void
session_unref (Session *session)
{
  if (!g_atomic_ref_count_dec (&session->ref_count))
    return;
  g_assert (session->delay == NULL);
  g_clear_object (&session->http);
  g_clear_object (&session->stream);
  g_clear_object (&session->socket_connection);
  g_clear_object (&session->cancellable);
  g_clear_pointer (&session->delayed_response, ob_http_message_unref);
  g_free (session->peer);
  g_free (session);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_unref)

static gboolean
session_is_open (Session *session)
{
  return session->server != NULL;
}

/* Drop the connection.  @abrupt: shut the socket down at once, as a device
 * that loses power would (no TLS close_notify, no pending reply). */
static void
session_close (Session  *session,
               gboolean  abrupt)
{
  ObSimWsmanServer *server = session->server;

  if (server == NULL)
    return;
  session->server = NULL;

  g_cancellable_cancel (session->cancellable);
  if (session->delay != NULL)
    {
      /* Its reference on the session goes with it. */
      g_clear_pointer (&session->delay, ob_poller_timer_free);
      session_unref (session);
    }
  if (abrupt && session->socket_connection != NULL)
    {
      GSocket *socket = g_socket_connection_get_socket (session->socket_connection);

      g_socket_shutdown (socket, TRUE, TRUE, NULL);
      g_socket_close (socket, NULL);
    }
  if (session->http != NULL)
    ob_http_connection_close (session->http);
  else if (!abrupt)
    g_io_stream_close_async (session->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);

  /* Drops the table's reference; callbacks in flight hold their own. */
  g_hash_table_remove (server->sessions, session);
}

static char *
peer_address (GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) address = g_socket_connection_get_remote_address (connection, NULL);

  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static ObHttpMessage *
new_response (ObSimWsmanServer *server,
              guint             status)
{
  ObHttpMessage *response = ob_http_message_new_response (status, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S GMT");

  ob_http_message_append_header (response, "Date", date);
  ob_http_message_append_header (response, "Server", server->server_header);
  ob_http_message_append_header (response, "X-Frame-Options", "DENY");
  return response;
}

static void
on_response_sent (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_http_connection_send_response_finish (OB_HTTP_CONNECTION (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Reply to %s not sent: %s", session->peer, error->message);
      session_close (session, FALSE);
      return;
    }
  if (!session_is_open (session))
    return;
  if (ob_http_connection_is_closed (session->http) || !ob_http_connection_is_reusable (session->http))
    {
      session_close (session, FALSE);
      return;
    }
  session_receive (session);
}

static void
session_send (Session       *session,
              ObHttpMessage *response)
{
  const char *type = ob_http_message_get_header (response, "Content-Type");
  gboolean soap = type != NULL && g_str_has_prefix (type, "application/soap+xml");

  ob_http_connection_send_response_async (session->http, response,
                                          soap ? REPLY_CHUNK_SIZE : 0,
                                          session->cancellable, on_response_sent,
                                          session_ref (session));
}

static void
on_delay_done (gpointer user_data)
{
  g_autoptr(Session) session = user_data;   /* the timer's reference */
  g_autoptr(ObHttpMessage) response = g_steal_pointer (&session->delayed_response);

  g_clear_pointer (&session->delay, ob_poller_timer_free);
  if (session_is_open (session))
    session_send (session, response);
}

static ObHttpMessage *
handle_request (Session       *session,
                ObHttpMessage *request,
                gboolean      *is_wsman)
{
  ObSimWsmanServer *server = session->server;
  const char *method = ob_http_message_get_method (request);
  const char *target = ob_http_message_get_target (request);
  const char *authorization = ob_http_message_get_header (request, "Authorization");
  ObHttpMessage *response;
  ObHttpDigestVerdict verdict;
  GBytes *body;
  gsize len;
  const char *data;
  g_autofree char *xml = NULL;
  guint status = 200;
  ObSimInitiator who;
  ObSimProvisioning *provisioning;
  g_autofree char *user = NULL;

  *is_wsman = FALSE;

  if (g_strcmp0 (target, "/wsman") != 0)
    {
      response = new_response (server, 404);
      ob_http_message_append_header (response, "Content-Type", "text/html");
      ob_http_message_set_body_data (response, "<html><body>Not found</body></html>\n", -1);
      return response;
    }
  if (g_strcmp0 (method, "POST") != 0)
    {
      response = new_response (server, 405);
      ob_http_message_append_header (response, "Allow", "POST");
      ob_http_message_append_header (response, "Content-Type", "text/html");
      ob_http_message_set_body_data (response, "<html><body>Method not allowed</body></html>\n", -1);
      return response;
    }

  provisioning = ob_sim_provisioning_peek (server->device);
  if (provisioning != NULL)
    {
      /* The device's own accounts (local system account, admin once
       * activated), kept as HA1; an unknown user checks against a random
       * one so it fails like a wrong password. */
      g_autofree char *ha1 = NULL;

      user = ob_http_digest_dup_username (authorization);
      ha1 = ob_sim_provisioning_dup_account_ha1 (provisioning, user);
      if (ha1 == NULL)
        {
          g_autofree char *random = g_uuid_string_random ();

          ha1 = g_compute_checksum_for_string (G_CHECKSUM_MD5, random, -1);
        }
      verdict = ob_http_digest_server_verify_ha1 (server->digest, authorization, method, target,
                                                  user != NULL ? user : "", ha1);
    }
  else
    verdict = ob_http_digest_server_verify (server->digest, authorization, method, target,
                                            server->username, server->password);
  if (verdict != OB_HTTP_DIGEST_OK)
    {
      g_autofree char *challenge = NULL;

      if (verdict == OB_HTTP_DIGEST_FAILED)
        ob_sim_device_note_auth_failure (server->device);
      challenge = ob_http_digest_server_make_challenge (server->digest, verdict == OB_HTTP_DIGEST_STALE);
      response = new_response (server, 401);
      ob_http_message_append_header (response, "WWW-Authenticate", challenge);
      ob_http_message_append_header (response, "Content-Type", "text/html");
      ob_http_message_set_body_data (response, log_on_failed_page, -1);
      return response;
    }
  ob_sim_device_note_auth_success (server->device);

  body = ob_http_message_get_body (request);
  data = g_bytes_get_data (body, &len);
  who.user = user != NULL ? user : server->username;
  who.address = session->peer;
  xml = ob_sim_wsman_dispatch_handle (server->dispatch, data != NULL ? data : "", len, &who, &status);

  response = new_response (server, status);
  ob_http_message_append_header (response, "Content-Type", "application/soap+xml; charset=UTF-8");
  ob_http_message_set_body_data (response, xml, -1);
  *is_wsman = TRUE;
  return response;
}

static void
on_request (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObHttpMessage) request = NULL;
  g_autoptr(ObHttpMessage) response = NULL;
  ObSimWsmanServer *server;
  gboolean is_wsman;
  guint latency;

  request = ob_http_connection_receive_request_finish (OB_HTTP_CONNECTION (source), result, &error);
  if (request == NULL)
    {
      /* A client that closes between requests, an idle timeout, or bytes
       * that are not HTTP: the connection is gone either way. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED))
        g_debug ("Dropping connection from %s: %s", session->peer, error->message);
      session_close (session, FALSE);
      return;
    }
  if (!session_is_open (session))
    return;

  server = session->server;
  server->n_requests++;
  response = handle_request (session, request, &is_wsman);
  if (!ob_http_message_is_keep_alive (request))
    ob_http_message_replace_header (response, "Connection", "close");

  latency = ob_sim_device_get_latency_ms (server->device);
  if (is_wsman && latency > 0)
    {
      g_autoptr(ObPoller) poller = ob_poller_get_for_context (server->context);

      session->delayed_response = g_steal_pointer (&response);
      session->delay = ob_poller_timer_new (poller, on_delay_done, session_ref (session));
      ob_poller_timer_schedule (session->delay, g_get_monotonic_time () + (gint64) latency * 1000);
      return;
    }
  session_send (session, response);
}

static void
session_receive (Session *session)
{
  ob_http_connection_receive_request_async (session->http, session->cancellable,
                                            on_request, session_ref (session));
}

static void
session_start (Session *session)
{
  ObSimWsmanServer *server = session->server;

  session->http = ob_http_connection_new (session->stream);
  ob_http_connection_set_timeout (session->http, server->idle_timeout_ms);
  ob_http_connection_set_limits (session->http, MAX_HEADER_BYTES, MAX_HEADERS, MAX_BODY_BYTES);
  session_receive (session);
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("TLS handshake with %s failed: %s", session->peer, error->message);
      session_close (session, TRUE);
      return;
    }
  if (session_is_open (session))
    session_start (session);
}

/* A session in the table (which holds its reference).  @connection: the
 * socket, when there is one (abrupt closes shut it down). */
static Session *
session_new (ObSimWsmanServer  *self,
             GSocketConnection *connection)
{
  Session *session = g_new0 (Session, 1);

  g_atomic_ref_count_init (&session->ref_count);
  session->server = self;
  session->socket_connection = connection != NULL ? g_object_ref (connection) : NULL;
  session->cancellable = g_cancellable_new ();
  session->peer = connection != NULL ? peer_address (connection) : NULL;
  g_hash_table_add (self->sessions, session);
  return session;
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  ObSimWsmanServer *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  Session *session;
  guint port = 0;

  if (local != NULL && G_IS_INET_SOCKET_ADDRESS (local))
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  session = session_new (self, connection);
  session->tls = self->tls_port != 0 && port == self->tls_port;

  if (session->tls)
    {
      g_autoptr(GError) error = NULL;
      GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);

      if (tls == NULL)
        {
          g_warning ("Cannot serve TLS: %s", error->message);
          session_close (session, TRUE);
          return TRUE;
        }
      /* Clients may just drop the TCP connection; that is not an error. */
      g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
      session->stream = tls;
      g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                        session->cancellable, on_handshake, session_ref (session));
      return TRUE;
    }

  session->stream = g_object_ref (G_IO_STREAM (connection));
  session_start (session);
  return TRUE;
}

/* ---- Public ------------------------------------------------------------- */

ObSimWsmanServer *
ob_sim_wsman_server_new (ObSimDevice *device,
                         const char  *username,
                         const char  *password)
{
  ObSimWsmanServer *self;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (device), NULL);

  self = g_object_new (OB_TYPE_SIM_WSMAN_SERVER, "device", device, NULL);
  if (username != NULL)
    {
      g_free (self->username);
      self->username = g_strdup (username);
    }
  if (password != NULL)
    ob_sim_wsman_server_set_password (self, password);
  return self;
}

ObSimDevice *
ob_sim_wsman_server_get_device (ObSimWsmanServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_WSMAN_SERVER (self), NULL);
  return self->device;
}

void
ob_sim_wsman_server_set_password (ObSimWsmanServer *self,
                                  const char       *password)
{
  g_return_if_fail (OB_IS_SIM_WSMAN_SERVER (self));
  g_return_if_fail (password != NULL);

  ob_secure_free_string (self->password);
  self->password = g_strdup (password);
}

void
ob_sim_wsman_server_set_nonce_lifetime_ms (ObSimWsmanServer *self,
                                           guint             lifetime_ms)
{
  g_return_if_fail (OB_IS_SIM_WSMAN_SERVER (self));
  g_return_if_fail (lifetime_ms > 0);
  ob_http_digest_server_set_nonce_lifetime (self->digest, lifetime_ms);
}

void
ob_sim_wsman_server_set_idle_timeout_ms (ObSimWsmanServer *self,
                                         guint             timeout_ms)
{
  g_return_if_fail (OB_IS_SIM_WSMAN_SERVER (self));
  self->idle_timeout_ms = timeout_ms;
}

void
ob_sim_wsman_server_set_certificate (ObSimWsmanServer *self,
                                     GTlsCertificate  *certificate)
{
  g_return_if_fail (OB_IS_SIM_WSMAN_SERVER (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));
  g_set_object (&self->certificate, certificate);
}

GTlsCertificate *
ob_sim_wsman_server_get_certificate (ObSimWsmanServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_WSMAN_SERVER (self), NULL);
  return self->certificate;
}

char *
ob_sim_wsman_server_dup_certificate_fingerprint (ObSimWsmanServer *self)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (OB_IS_SIM_WSMAN_SERVER (self), NULL);

  if (self->certificate == NULL)
    return NULL;
  g_object_get (self->certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  bytes = g_bytes_new (der->data, der->len);
  return ob_crypto_fingerprint (bytes, OB_HASH_ALGORITHM_SHA256);
}

gboolean
ob_sim_wsman_server_listen (ObSimWsmanServer  *self,
                            const char        *address,
                            guint              port,
                            gboolean           tls,
                            GError           **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  guint bound;

  g_return_val_if_fail (OB_IS_SIM_WSMAN_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (port > 65535)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                   "%u is not a TCP port", port);
      return FALSE;
    }
  if ((tls && self->tls_port != 0) || (!tls && self->http_port != 0))
    {
      g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                           tls ? "Already serving TLS" : "Already serving plain HTTP");
      return FALSE;
    }
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", address);
      return FALSE;
    }
  if (tls && self->certificate == NULL)
    {
      self->certificate = ob_sim_certificate_new (ob_sim_device_get_hostname (self->device),
                                                  address, error);
      if (self->certificate == NULL)
        return FALSE;
    }

  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, error))
    return FALSE;

  bound = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  if (tls)
    self->tls_port = bound;
  else
    self->http_port = bound;
  if (g_strcmp0 (self->address, address) != 0)
    {
      g_free (self->address);
      self->address = g_strdup (address);
    }
  ob_sim_device_set_endpoint (self->device, self->address, self->http_port, self->tls_port);
  g_socket_service_start (self->service);
  return TRUE;
}

void
ob_sim_wsman_server_serve_stream (ObSimWsmanServer *self,
                                  GIOStream        *stream)
{
  Session *session;

  g_return_if_fail (OB_IS_SIM_WSMAN_SERVER (self));
  g_return_if_fail (G_IS_IO_STREAM (stream));

  session = session_new (self, G_IS_SOCKET_CONNECTION (stream) ? G_SOCKET_CONNECTION (stream) : NULL);
  session->stream = g_object_ref (stream);
  session_start (session);
}

guint
ob_sim_wsman_server_get_http_port (ObSimWsmanServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_WSMAN_SERVER (self), 0);
  return self->http_port;
}

guint
ob_sim_wsman_server_get_tls_port (ObSimWsmanServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_WSMAN_SERVER (self), 0);
  return self->tls_port;
}

void
ob_sim_wsman_server_stop (ObSimWsmanServer *self)
{
  GHashTableIter iter;
  gpointer key;
  g_autoptr(GPtrArray) open = NULL;

  g_return_if_fail (OB_IS_SIM_WSMAN_SERVER (self));

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }

  open = g_ptr_array_new_with_free_func ((GDestroyNotify) session_unref);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (open, session_ref (key));
  for (guint i = 0; i < open->len; i++)
    session_close (g_ptr_array_index (open, i), TRUE);

  if (self->http_port != 0 || self->tls_port != 0)
    {
      self->http_port = 0;
      self->tls_port = 0;
      ob_sim_device_set_endpoint (self->device, self->address, 0, 0);
    }
}

guint
ob_sim_wsman_server_get_n_connections (ObSimWsmanServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_WSMAN_SERVER (self), 0);
  return g_hash_table_size (self->sessions);
}

guint64
ob_sim_wsman_server_get_n_requests (ObSimWsmanServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_WSMAN_SERVER (self), 0);
  return self->n_requests;
}

/* ---- GObject -------------------------------------------------------------- */

static void
ob_sim_wsman_server_constructed (GObject *object)
{
  ObSimWsmanServer *self = OB_SIM_WSMAN_SERVER (object);

  G_OBJECT_CLASS (ob_sim_wsman_server_parent_class)->constructed (object);

  g_assert (self->device != NULL);
  self->digest = ob_http_digest_server_new (ob_sim_device_get_digest_realm (self->device));
  self->dispatch = ob_sim_wsman_dispatch_new (self->device);
  self->server_header = g_strdup_printf ("Intel(R) Active Management Technology %s.%s",
                                         ob_sim_device_get_amt_version (self->device),
                                         ob_sim_device_get_build_number (self->device));
}

static void
ob_sim_wsman_server_dispose (GObject *object)
{
  ObSimWsmanServer *self = OB_SIM_WSMAN_SERVER (object);

  if (self->sessions != NULL)
    ob_sim_wsman_server_stop (self);
  if (self->service != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
    }
  g_clear_object (&self->certificate);
  g_clear_pointer (&self->dispatch, ob_sim_wsman_dispatch_free);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_sim_wsman_server_parent_class)->dispose (object);
}

static void
ob_sim_wsman_server_finalize (GObject *object)
{
  ObSimWsmanServer *self = OB_SIM_WSMAN_SERVER (object);

  g_hash_table_unref (self->sessions);
  g_clear_pointer (&self->digest, ob_http_digest_server_free);
  g_free (self->username);
  ob_secure_free_string (self->password);
  g_free (self->server_header);
  g_free (self->address);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ob_sim_wsman_server_parent_class)->finalize (object);
}

static void
ob_sim_wsman_server_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ObSimWsmanServer *self = OB_SIM_WSMAN_SERVER (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_sim_wsman_server_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ObSimWsmanServer *self = OB_SIM_WSMAN_SERVER (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      self->device = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_sim_wsman_server_class_init (ObSimWsmanServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ob_sim_wsman_server_constructed;
  object_class->dispose = ob_sim_wsman_server_dispose;
  object_class->finalize = ob_sim_wsman_server_finalize;
  object_class->get_property = ob_sim_wsman_server_get_property;
  object_class->set_property = ob_sim_wsman_server_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL, OB_TYPE_SIM_DEVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_sim_wsman_server_init (ObSimWsmanServer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->username = g_strdup (OB_SIM_DEFAULT_USERNAME);
  self->password = g_strdup (OB_SIM_DEFAULT_PASSWORD);
  self->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
  self->sessions = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                          (GDestroyNotify) session_unref, NULL);
  self->service = g_socket_service_new ();
  g_socket_service_stop (self->service);
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
}
