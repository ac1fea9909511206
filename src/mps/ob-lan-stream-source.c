/* ob-lan-stream-source.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "ob-lan-stream-source.h"

struct _ObLanStreamSource
{
  GObject  parent_instance;

  char    *host;
  char    *pinned_fingerprint;
  guint    connect_timeout;
  guint    use_tls : 1;
  guint    legacy_tls : 1;
};

static void ob_lan_stream_source_stream_source_init (ObStreamSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObLanStreamSource, ob_lan_stream_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_STREAM_SOURCE,
                                                      ob_lan_stream_source_stream_source_init))

enum {
  PROP_0,
  PROP_HOST,
  PROP_USE_TLS,
  PROP_PINNED_FINGERPRINT,
  PROP_LEGACY_TLS,
  PROP_CONNECT_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Fingerprints */

char *
ob_lan_stream_source_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

char *
ob_lan_stream_source_normalize_fingerprint (const char  *text,
                                            GError     **error)
{
  g_autofree char *trimmed = NULL;
  GString *hex;
  gsize len;

  if (text == NULL)
    {
      g_set_error_literal (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT,
                           "No certificate fingerprint given");
      return NULL;
    }

  trimmed = g_strstrip (g_strdup (text));
  len = strlen (trimmed);
  hex = g_string_sized_new (64);

  /* 64 hex digits, or 32 pairs joined by colons (the display form). */
  if (len == 64 || len == 64 + 31)
    {
      for (gsize i = 0; i < len; i++)
        {
          if (len != 64 && i % 3 == 2)
            {
              if (trimmed[i] != ':')
                break;
            }
          else if (g_ascii_isxdigit (trimmed[i]))
            g_string_append_c (hex, g_ascii_tolower (trimmed[i]));
          else
            break;
        }
    }

  if (hex->len != 64)
    {
      g_string_free (hex, TRUE);
      g_set_error_literal (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT,
                           "A certificate fingerprint is 64 hexadecimal digits (SHA-256), "
                           "optionally in pairs separated by colons");
      return NULL;
    }

  return g_string_free (hex, FALSE);
}

char *
ob_lan_stream_source_format_fingerprint (const char *hex)
{
  GString *out;
  gsize len;

  g_return_val_if_fail (hex != NULL, NULL);

  len = strlen (hex);
  out = g_string_sized_new (len + len / 2);
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && i % 2 == 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
    }

  return g_string_free (out, FALSE);
}

/* glib-networking's GnuTLS backend (the one Debian ships) negotiates with
 * GnuTLS's system-wide default priorities unless G_TLS_GNUTLS_PRIORITY
 * replaces them for the whole process; those defaults include TLS 1.0 and
 * 1.1 on Debian 12.  Its OpenSSL backend uses OpenSSL's default security
 * level, which since OpenSSL 3.0 refuses TLS 1.0/1.1.  Nothing lets one
 * connection differ from another, so this only reports what the process
 * can do. */
gboolean
ob_lan_stream_source_legacy_tls_supported (void)
{
  GTlsBackend *backend = g_tls_backend_get_default ();
  const char *type_name;
  const char *priority;

  if (!g_tls_backend_supports_tls (backend))
    return FALSE;

  type_name = G_OBJECT_TYPE_NAME (backend);
  if (type_name == NULL || strstr (type_name, "Gnutls") == NULL)
    return FALSE;

  priority = g_getenv ("G_TLS_GNUTLS_PRIORITY");
  if (priority != NULL && *priority != '\0' &&
      (strstr (priority, "-VERS-TLS1.0") != NULL || strstr (priority, "-VERS-ALL") != NULL))
    return FALSE;

  return TRUE;
}

/* Connecting */

typedef enum
{
  CONNECT_PLAIN,
  CONNECT_PINNED,
  CONNECT_PROBE,
} ConnectMode;

typedef struct
{
  char               *host;
  guint               port;
  ConnectMode         mode;
  char               *pin;
  gboolean            legacy_tls;
  guint               timeout;

  GSocketConnectable *address;
  /* Cancelled by the caller's cancellable or by the timeout; every socket
   * operation runs on it. */
  GCancellable       *cancellable;
  GCancellable       *caller_cancellable;
  gulong              cancel_id;
  GSource            *timeout_source;
  gboolean            timed_out;

  GSocketConnection  *connection;
  GIOStream          *tls;
  gboolean            tls_handed_out;
  gulong              accept_id;
  char               *seen_fingerprint;
} ConnectData;

typedef struct
{
  char            *fingerprint;
  char            *subject;
  GTlsCertificate *certificate;
} ProbeResult;

static void
probe_result_free (gpointer data)
{
  ProbeResult *result = data;

  g_free (result->fingerprint);
  g_free (result->subject);
  g_clear_object (&result->certificate);
  g_free (result);
}

/* A failed handshake, or a probe that has read the certificate: close
 * the socket now, not whenever the last reference goes (the caller may
 * keep the result, the TLS backend a reference), so the device sees us
 * leave.  Closing a socket does not block. */
static void
op_abandon (ConnectData *op)
{
  if (op->connection != NULL && !op->tls_handed_out)
    g_io_stream_close (G_IO_STREAM (op->connection), NULL, NULL);
  g_clear_object (&op->connection);
}

static void
connect_data_free (gpointer data)
{
  ConnectData *op = data;

  op_abandon (op);

  if (op->cancel_id != 0)
    g_cancellable_disconnect (op->caller_cancellable, op->cancel_id);
  if (op->timeout_source != NULL)
    {
      g_source_destroy (op->timeout_source);
      g_source_unref (op->timeout_source);
    }
  if (op->tls != NULL && op->accept_id != 0)
    g_signal_handler_disconnect (op->tls, op->accept_id);
  g_clear_object (&op->tls);
  g_clear_object (&op->caller_cancellable);
  g_clear_object (&op->cancellable);
  g_clear_object (&op->address);
  g_free (op->seen_fingerprint);
  g_free (op->pin);
  g_free (op->host);
  g_free (op);
}

static void
caller_cancelled_cb (GCancellable *caller_cancellable,
                     gpointer      user_data)
{
  GCancellable *cancellable = user_data;

  g_cancellable_cancel (cancellable);
}

static gboolean
timeout_cb (gpointer user_data)
{
  ConnectData *op = user_data;

  op->timed_out = TRUE;
  g_cancellable_cancel (op->cancellable);

  g_source_unref (op->timeout_source);
  op->timeout_source = NULL;

  return G_SOURCE_REMOVE;
}

/* The reason part of a connection error, in plain words. */
static GError *
connect_error (ConnectData  *op,
               const GError *error)
{
  const char *reason = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && op->timed_out)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "%s port %u did not answer within %u seconds",
                        op->host, op->port, op->timeout);

  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CANCELLED:
          return g_error_copy (error);
        case G_IO_ERROR_CONNECTION_REFUSED:
          reason = "the connection was refused (nothing is listening on that port)";
          break;
        case G_IO_ERROR_TIMED_OUT:
          reason = "the connection timed out";
          break;
        case G_IO_ERROR_HOST_UNREACHABLE:
          reason = "the host is unreachable";
          break;
        case G_IO_ERROR_NETWORK_UNREACHABLE:
          reason = "the network is unreachable";
          break;
        default:
          break;
        }
    }
  else if (error->domain == G_RESOLVER_ERROR)
    {
      return g_error_new (error->domain, error->code,
                          "Could not find the address of %s: %s",
                          op->host, error->message);
    }

  if (reason != NULL)
    return g_error_new (error->domain, error->code,
                        "Could not connect to %s port %u: %s", op->host, op->port, reason);

  return g_error_new (error->domain, error->code,
                      "Could not connect to %s port %u: %s", op->host, op->port,
                      error->message);
}

static void
task_return_connect_error (GTask        *task,
                           const GError *error)
{
  ConnectData *op = g_task_get_task_data (task);

  g_task_return_error (task, connect_error (op, error));
}

static gboolean
accept_certificate_cb (GTlsConnection       *conn,
                       GTlsCertificate      *peer_cert,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  ConnectData *op = user_data;

  g_clear_pointer (&op->seen_fingerprint, g_free);
  op->seen_fingerprint = ob_lan_stream_source_certificate_fingerprint (peer_cert);

  if (op->mode == CONNECT_PROBE)
    return TRUE;

  /* Pinning replaces every other check: AMT certificates are self-signed,
   * often name no host we use and may have expired. */
  return op->seen_fingerprint != NULL && op->pin != NULL &&
         g_str_equal (op->seen_fingerprint, op->pin);
}

static const char *
protocol_version_name (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
      return "SSL 3.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
      return "TLS 1.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
      return "TLS 1.1";
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return "TLS 1.3";
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
    default:
      return "an unknown TLS version";
    }
}

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *peer;
  g_autofree char *fingerprint = NULL;
  GTlsProtocolVersion version;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          op_abandon (op);
          task_return_connect_error (task, error);
          return;
        }

      if (op->mode == CONNECT_PINNED && op->seen_fingerprint != NULL &&
          g_strcmp0 (op->seen_fingerprint, op->pin) != 0)
        {
          g_autofree char *seen = ob_lan_stream_source_format_fingerprint (op->seen_fingerprint);

          op_abandon (op);
          g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_MISMATCH,
                                   "The certificate of %s port %u is not the one you "
                                   "confirmed (it now has fingerprint %s); if the device "
                                   "got a new certificate, confirm it again",
                                   op->host, op->port, seen);
          return;
        }

      op_abandon (op);
      if (op->legacy_tls)
        g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED,
                                 "The TLS handshake with %s port %u failed: %s%s",
                                 op->host, op->port, error->message,
                                 ob_lan_stream_source_legacy_tls_supported ()
                                   ? ""
                                   : " (the device needs TLS 1.0 or 1.1, which this "
                                     "system's TLS library does not offer)");
      else
        g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED,
                                 "The TLS handshake with %s port %u failed: %s",
                                 op->host, op->port, error->message);
      return;
    }

  peer = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (object));
  if (peer != NULL)
    fingerprint = ob_lan_stream_source_certificate_fingerprint (peer);

  if (fingerprint == NULL)
    {
      op_abandon (op);
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED,
                               "%s port %u did not present a certificate",
                               op->host, op->port);
      return;
    }

  if (op->mode == CONNECT_PROBE)
    {
      ProbeResult *probe = g_new0 (ProbeResult, 1);

      probe->fingerprint = g_steal_pointer (&fingerprint);
      probe->subject = g_tls_certificate_get_subject_name (peer);
      probe->certificate = g_object_ref (peer);
      op_abandon (op);
      g_task_return_pointer (task, probe, probe_result_free);
      return;
    }

  /* The backend may have trusted the certificate without asking us (if it
   * chained to a CA it knows); the pin still decides. */
  if (!g_str_equal (fingerprint, op->pin))
    {
      g_autofree char *seen = ob_lan_stream_source_format_fingerprint (fingerprint);

      op_abandon (op);
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_MISMATCH,
                               "The certificate of %s port %u is not the one you "
                               "confirmed (it now has fingerprint %s); if the device "
                               "got a new certificate, confirm it again",
                               op->host, op->port, seen);
      return;
    }

  /* GIO cannot forbid old protocol versions per connection, but it tells
   * us which one was negotiated: only devices marked legacy may use them. */
  version = g_tls_connection_get_protocol_version (G_TLS_CONNECTION (object));
  if (!op->legacy_tls &&
      (version == G_TLS_PROTOCOL_VERSION_SSL_3_0 ||
       version == G_TLS_PROTOCOL_VERSION_TLS_1_0 ||
       version == G_TLS_PROTOCOL_VERSION_TLS_1_1))
    {
      op_abandon (op);
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED,
                               "%s port %u only speaks %s; turn on legacy TLS for this "
                               "device to allow it",
                               op->host, op->port, protocol_version_name (version));
      return;
    }

  op->tls_handed_out = TRUE;
  g_clear_object (&op->connection);
  g_task_return_pointer (task, g_object_ref (object), g_object_unref);
}

static void
tune_socket (GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);

  /* WS-Man requests are small and answered one at a time: do not let
   * Nagle hold them back.  Keepalive notices devices that vanished while
   * a redirection session sits idle. */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  g_socket_set_keepalive (socket, TRUE);
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ConnectData *op = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GIOStream *tls;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      task_return_connect_error (task, error);
      return;
    }

  tune_socket (connection);

  if (op->mode == CONNECT_PLAIN)
    {
      g_task_return_pointer (task, g_steal_pointer (&connection), g_object_unref);
      return;
    }

  op->connection = g_object_ref (connection);
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), op->address, &error);
  if (tls == NULL)
    {
      op_abandon (op);
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED,
                               "TLS is not available: %s", error->message);
      return;
    }
  op->tls = tls;

  /* No CA database: every certificate goes through accept-certificate,
   * where only the pin is trusted. */
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), NULL);
  op->accept_id = g_signal_connect (tls, "accept-certificate",
                                    G_CALLBACK (accept_certificate_cb), op);

  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    op->cancellable, handshake_cb, g_object_ref (task));
}

static void
start_connect (gpointer             source_object,
               const char          *host,
               guint                port,
               ConnectMode          mode,
               const char          *pin,
               gboolean             legacy_tls,
               guint                timeout,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketClient) client = NULL;
  ConnectData *op;

  task = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  op = g_new0 (ConnectData, 1);
  op->host = g_strdup (host);
  op->port = port;
  op->mode = mode;
  op->pin = g_strdup (pin);
  op->legacy_tls = legacy_tls;
  op->timeout = timeout;
  op->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, op, connect_data_free);

  if (host == NULL || *host == '\0')
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT,
                               "No host name or address given");
      return;
    }
  if (port == 0 || port > 65535)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT,
                               "%u is not a valid port", port);
      return;
    }
  if (mode != CONNECT_PLAIN && !g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_TLS_FAILED,
                               "TLS is not available on this system (glib-networking "
                               "is missing)");
      return;
    }
  if (mode == CONNECT_PINNED && pin == NULL)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED,
                               "No certificate is confirmed for %s yet; check its "
                               "fingerprint and confirm it first", host);
      return;
    }

  /* A literal IPv6 address may come with brackets from a URL. */
  if (host[0] == '[' && host[strlen (host) - 1] == ']')
    {
      g_autofree char *inner = g_strndup (host + 1, strlen (host) - 2);

      op->address = g_network_address_new (inner, port);
    }
  else
    op->address = g_network_address_new (host, port);

  if (cancellable != NULL)
    {
      op->caller_cancellable = g_object_ref (cancellable);
      op->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                             g_object_ref (op->cancellable), g_object_unref);
    }

  if (timeout > 0)
    {
      op->timeout_source = g_timeout_source_new_seconds (timeout);
      g_source_set_callback (op->timeout_source, timeout_cb, op, NULL);
      g_source_attach (op->timeout_source, g_task_get_context (task));
    }

  /* No GSocketClient timeout: it would stay on the socket and end idle
   * reads (a quiet redirection session) too. */
  client = g_socket_client_new ();
  g_socket_client_connect_async (client, op->address, op->cancellable, connect_cb,
                                 g_object_ref (task));
}

static void
ob_lan_stream_source_open_stream_async (ObStreamSource      *source,
                                        guint                port,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  ObLanStreamSource *self = OB_LAN_STREAM_SOURCE (source);

  /* Callers ask for AMT's plain port numbers; with TLS the device
   * listens on the port above (WS-Man 16993, redirection 16995). */
  if (self->use_tls && (port == OB_LAN_PORT_WSMAN || port == OB_LAN_PORT_REDIRECTION))
    port++;

  start_connect (self, self->host, port,
                        self->use_tls ? CONNECT_PINNED : CONNECT_PLAIN,
                        self->pinned_fingerprint, self->legacy_tls, self->connect_timeout,
                        cancellable, callback, user_data,
                        ob_lan_stream_source_open_stream_async);
}

static GIOStream *
ob_lan_stream_source_open_stream_finish (ObStreamSource  *source,
                                         GAsyncResult    *result,
                                         GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ob_lan_stream_source_stream_source_init (ObStreamSourceInterface *iface)
{
  iface->open_stream_async = ob_lan_stream_source_open_stream_async;
  iface->open_stream_finish = ob_lan_stream_source_open_stream_finish;
}

void
ob_lan_stream_source_probe_certificate_async (const char          *host,
                                              guint                port,
                                              guint                timeout_seconds,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data)
{
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  /* Legacy versions are allowed here: the probe only reads the
   * certificate, and the admin decides afterwards. */
  start_connect (NULL, host, port, CONNECT_PROBE, NULL, TRUE, timeout_seconds,
                        cancellable, callback, user_data,
                        ob_lan_stream_source_probe_certificate_async);
}

gboolean
ob_lan_stream_source_probe_certificate_finish (GAsyncResult     *result,
                                               char            **fingerprint,
                                               char            **fingerprint_display,
                                               char            **subject,
                                               GTlsCertificate **certificate,
                                               GError          **error)
{
  ProbeResult *probe;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        ob_lan_stream_source_probe_certificate_async, FALSE);

  probe = g_task_propagate_pointer (G_TASK (result), error);
  if (probe == NULL)
    return FALSE;

  if (fingerprint_display != NULL)
    *fingerprint_display = ob_lan_stream_source_format_fingerprint (probe->fingerprint);
  if (fingerprint != NULL)
    *fingerprint = g_steal_pointer (&probe->fingerprint);
  if (subject != NULL)
    *subject = g_steal_pointer (&probe->subject);
  if (certificate != NULL)
    *certificate = g_steal_pointer (&probe->certificate);

  probe_result_free (probe);
  return TRUE;
}

/* The object */

static void
ob_lan_stream_source_finalize (GObject *object)
{
  ObLanStreamSource *self = OB_LAN_STREAM_SOURCE (object);

  g_free (self->host);
  g_free (self->pinned_fingerprint);

  G_OBJECT_CLASS (ob_lan_stream_source_parent_class)->finalize (object);
}

static void
ob_lan_stream_source_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ObLanStreamSource *self = OB_LAN_STREAM_SOURCE (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_USE_TLS:
      g_value_set_boolean (value, self->use_tls);
      break;
    case PROP_PINNED_FINGERPRINT:
      g_value_set_string (value, self->pinned_fingerprint);
      break;
    case PROP_LEGACY_TLS:
      g_value_set_boolean (value, self->legacy_tls);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_lan_stream_source_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ObLanStreamSource *self = OB_LAN_STREAM_SOURCE (object);

  switch (prop_id)
    {
    case PROP_HOST:
      self->host = g_value_dup_string (value);
      break;
    case PROP_USE_TLS:
      ob_lan_stream_source_set_use_tls (self, g_value_get_boolean (value));
      break;
    case PROP_PINNED_FINGERPRINT:
      ob_lan_stream_source_set_pinned_fingerprint (self, g_value_get_string (value));
      break;
    case PROP_LEGACY_TLS:
      ob_lan_stream_source_set_legacy_tls (self, g_value_get_boolean (value));
      break;
    case PROP_CONNECT_TIMEOUT:
      ob_lan_stream_source_set_connect_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_lan_stream_source_class_init (ObLanStreamSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_lan_stream_source_finalize;
  object_class->get_property = ob_lan_stream_source_get_property;
  object_class->set_property = ob_lan_stream_source_set_property;

  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_USE_TLS] =
    g_param_spec_boolean ("use-tls", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PINNED_FINGERPRINT] =
    g_param_spec_string ("pinned-fingerprint", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LEGACY_TLS] =
    g_param_spec_boolean ("legacy-tls", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, NULL,
                       0, 3600, OB_LAN_STREAM_SOURCE_DEFAULT_CONNECT_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_lan_stream_source_init (ObLanStreamSource *self)
{
  self->connect_timeout = OB_LAN_STREAM_SOURCE_DEFAULT_CONNECT_TIMEOUT;
}

ObLanStreamSource *
ob_lan_stream_source_new (const char *host)
{
  g_return_val_if_fail (host != NULL, NULL);

  return g_object_new (OB_TYPE_LAN_STREAM_SOURCE, "host", host, NULL);
}

const char *
ob_lan_stream_source_get_host (ObLanStreamSource *self)
{
  g_return_val_if_fail (OB_IS_LAN_STREAM_SOURCE (self), NULL);

  return self->host;
}

gboolean
ob_lan_stream_source_get_use_tls (ObLanStreamSource *self)
{
  g_return_val_if_fail (OB_IS_LAN_STREAM_SOURCE (self), FALSE);

  return self->use_tls;
}

void
ob_lan_stream_source_set_use_tls (ObLanStreamSource *self,
                                  gboolean           use_tls)
{
  g_return_if_fail (OB_IS_LAN_STREAM_SOURCE (self));

  use_tls = !!use_tls;
  if (self->use_tls == use_tls)
    return;

  self->use_tls = use_tls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USE_TLS]);
}

const char *
ob_lan_stream_source_get_pinned_fingerprint (ObLanStreamSource *self)
{
  g_return_val_if_fail (OB_IS_LAN_STREAM_SOURCE (self), NULL);

  return self->pinned_fingerprint;
}

gboolean
ob_lan_stream_source_set_pinned_fingerprint (ObLanStreamSource *self,
                                             const char        *fingerprint)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (OB_IS_LAN_STREAM_SOURCE (self), FALSE);

  if (fingerprint != NULL)
    normalized = ob_lan_stream_source_normalize_fingerprint (fingerprint, NULL);

  if (g_strcmp0 (self->pinned_fingerprint, normalized) != 0)
    {
      g_free (self->pinned_fingerprint);
      self->pinned_fingerprint = g_steal_pointer (&normalized);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED_FINGERPRINT]);
    }

  return fingerprint == NULL || self->pinned_fingerprint != NULL;
}

gboolean
ob_lan_stream_source_get_legacy_tls (ObLanStreamSource *self)
{
  g_return_val_if_fail (OB_IS_LAN_STREAM_SOURCE (self), FALSE);

  return self->legacy_tls;
}

void
ob_lan_stream_source_set_legacy_tls (ObLanStreamSource *self,
                                     gboolean           legacy_tls)
{
  g_return_if_fail (OB_IS_LAN_STREAM_SOURCE (self));

  legacy_tls = !!legacy_tls;
  if (self->legacy_tls == legacy_tls)
    return;

  self->legacy_tls = legacy_tls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEGACY_TLS]);
}

guint
ob_lan_stream_source_get_connect_timeout (ObLanStreamSource *self)
{
  g_return_val_if_fail (OB_IS_LAN_STREAM_SOURCE (self), 0);

  return self->connect_timeout;
}

void
ob_lan_stream_source_set_connect_timeout (ObLanStreamSource *self,
                                          guint              seconds)
{
  g_return_if_fail (OB_IS_LAN_STREAM_SOURCE (self));

  if (self->connect_timeout == seconds)
    return;

  self->connect_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECT_TIMEOUT]);
}
