/* ob-sim-rpc.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ob-crypto.h"
#include "ob-http-parser.h"
#include "ob-sim-error.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-rpc.h"
#include "ob-util.h"

/* The RPS may send messages this large (it checks 100 KiB itself). */
#define MAX_INCOMING_MESSAGE (1024 * 1024)
/* A device answer larger than this is cut (AMT's are a few KiB). */
#define MAX_DEVICE_RESPONSE  (4 * 1024 * 1024)
/* One exchange with the device may take this long (rpc-go waits for LMS). */
#define EXCHANGE_TIMEOUT_MS  (60 * 1000)

typedef struct _Run Run;

struct _ObSimRpc
{
  GObject            parent_instance;

  ObSimWsmanServer  *server;
  ObSimDevice       *device;
  char              *tenant_id;
  char              *dns_suffix;
  char              *hostname;
  char              *friendly_name;
  char              *amt_password;
  gboolean           skip_cert_check;
  guint              timeout_ms;
  GMainContext      *context;

  Run               *run;          /* the command in progress */
  guint              n_exchanges;
};

G_DEFINE_FINAL_TYPE (ObSimRpc, ob_sim_rpc, G_TYPE_OBJECT)

struct _Run
{
  gatomicrefcount          ref_count;
  ObSimRpc                *self;           /* strong */
  GTask                   *task;           /* NULL once finished */
  GCancellable            *cancellable;    /* ours: cancelled when finished */
  GCancellable            *user_cancellable;
  gulong                   user_cancel_id;
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GSource                 *timeout;
  GQueue                   requests;       /* GBytes, waiting for the device */
  gboolean                 forwarding;
  char                    *initial;        /* the first message, JSON */
};

static Run *
run_ref (Run *run)
{
  g_atomic_ref_count_inc (&run->ref_count);
  return run;
}

static void
run_unref (Run *run)
{
  if (!g_atomic_ref_count_dec (&run->ref_count))
    return;
  g_assert (run->task == NULL);
  g_queue_clear_full (&run->requests, (GDestroyNotify) g_bytes_unref);
  g_clear_object (&run->ws);
  g_clear_object (&run->session);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->user_cancellable);
  if (run->initial != NULL)
    ob_secure_clear (run->initial, strlen (run->initial));
  g_free (run->initial);
  g_object_unref (run->self);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_unref)

static gboolean
run_done (Run *run)
{
  return run->task == NULL;
}

/* End the command: every later callback of this run sees run_done(). */
static void
run_finish (Run    *run,
            char   *message,
            GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&run->task);
  ObSimRpc *self = run->self;

  if (task == NULL)
    {
      g_free (message);
      g_clear_error (&error);
      return;
    }
  if (self->run == run)
    self->run = NULL;
  g_cancellable_cancel (run->cancellable);
  if (run->user_cancellable != NULL && run->user_cancel_id != 0)
    g_cancellable_disconnect (run->user_cancellable, run->user_cancel_id);
  run->user_cancel_id = 0;
  if (run->timeout != NULL)
    {
      g_source_destroy (run->timeout);
      g_clear_pointer (&run->timeout, g_source_unref);
    }
  if (run->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (run->ws, run);
      if (soup_websocket_connection_get_state (run->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (run->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, g_free);
  run_unref (run);   /* the reference the task's life held */
}

static void
run_fail (Run        *run,
          GQuark      domain,
          int         code,
          const char *format,
          ...) G_GNUC_PRINTF (4, 5);

static void
run_fail (Run        *run,
          GQuark      domain,
          int         code,
          const char *format,
          ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);
  run_finish (run, NULL, error);
}

/* ---- messages ------------------------------------------------------------ */

/* The envelope as rpc-go's Message struct writes it: all nine keys in
 * this order.  @payload is already base64. */
static char *
envelope (const char *method,
          const char *status,
          const char *message,
          const char *payload,
          const char *tenant_id)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, method);
  json_builder_set_member_name (b, "apiKey");
  json_builder_add_string_value (b, "key");
  json_builder_set_member_name (b, "appVersion");
  json_builder_add_string_value (b, OB_SIM_RPC_APP_VERSION);
  json_builder_set_member_name (b, "protocolVersion");
  json_builder_add_string_value (b, OB_SIM_RPC_PROTOCOL_VERSION);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, status);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_set_member_name (b, "fqdn");
  json_builder_add_string_value (b, "");
  json_builder_set_member_name (b, "payload");
  json_builder_add_string_value (b, payload);
  json_builder_set_member_name (b, "tenantId");
  json_builder_add_string_value (b, tenant_id != NULL ? tenant_id : "");
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* rpc-go's reading of the SKU bits ("AMT Pro Corporate"). */
static char *
features_for_sku (guint sku)
{
  GString *out = g_string_new (NULL);

  if (sku & 0x08)
    g_string_append (out, "AMT Pro");
  else if (sku & 0x10)
    g_string_append (out, "Intel Standard Manageability");
  if (sku & 0x4000)
    g_string_append (out, out->len > 0 ? " Corporate" : "Corporate");
  else if (sku & 0x2000)
    g_string_append (out, out->len > 0 ? " Small Business" : "Small Business");
  return g_string_free (out, FALSE);
}

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value != NULL ? value : "");
}

typedef struct
{
  gboolean    ip_configuration;   /* syncip: the host's addresses */
  gboolean    hostname_info;      /* synchostname: the OS host name */
} PayloadExtras;

/* The MessagePayload rpc-go collects from the firmware and the OS. */
static char *
build_payload (ObSimRpc            *self,
               const PayloadExtras *extras,
               GError             **error)
{
  ObSimProvisioning *prov = ob_sim_provisioning_peek (self->device);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) hashes = ob_sim_provisioning_dup_trusted_hashes (prov);
  g_autofree char *features = features_for_sku (ob_sim_device_get_sku (self->device));
  g_autofree char *sku = g_strdup_printf ("%u", ob_sim_device_get_sku (self->device));
  g_autofree char *json = NULL;
  const char *domain = ob_sim_device_get_domain_name (self->device);
  const char *hostname = self->hostname != NULL ? self->hostname : ob_sim_device_get_hostname (self->device);
  const char *fqdn = self->dns_suffix != NULL ? self->dns_suffix : domain;
  const char *password;
  int mode;
  char *b64;

  switch (ob_sim_device_get_control_mode (self->device))
    {
    case OB_SIM_CONTROL_MODE_CCM:
      mode = 1;
      break;
    case OB_SIM_CONTROL_MODE_ACM:
      mode = 2;
      break;
    case OB_SIM_CONTROL_MODE_PRE_PROVISIONING:
    default:
      mode = 0;
      break;
    }
  /* An activated device: rpc-go sends the AMT password instead of the
   * local system account's and refuses to go on without one. */
  password = ob_sim_provisioning_get_lsa_password (prov);
  if (mode != 0)
    {
      if (self->amt_password == NULL || *self->amt_password == '\0')
        {
          g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                       "The device is activated: the AMT password is required");
          return NULL;
        }
      password = self->amt_password;
    }

  json_builder_begin_object (b);
  add_string (b, "ver", ob_sim_device_get_amt_version (self->device));
  add_string (b, "build", ob_sim_device_get_build_number (self->device));
  add_string (b, "sku", sku);
  add_string (b, "features", features);
  add_string (b, "uuid", ob_sim_device_get_guid (self->device));
  add_string (b, "username", OB_SIM_LSA_USERNAME);
  add_string (b, "password", password);
  json_builder_set_member_name (b, "currentMode");
  json_builder_add_int_value (b, mode);
  add_string (b, "hostname", hostname);
  add_string (b, "fqdn", fqdn);
  add_string (b, "client", "RPC");
  json_builder_set_member_name (b, "certHashes");
  /* A Go nil slice: null when the firmware lists none. */
  if (hashes[0] == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_array (b);
      for (guint i = 0; hashes[i] != NULL; i++)
        json_builder_add_string_value (b, hashes[i]);
      json_builder_end_array (b);
    }

  json_builder_set_member_name (b, "ipConfiguration");
  json_builder_begin_object (b);
  {
    const char *address = NULL, *netmask = NULL, *gateway = NULL, *dns = NULL;

    if (extras->ip_configuration)
      ob_sim_provisioning_get_host_ip (prov, &address, &netmask, &gateway, &dns);
    json_builder_set_member_name (b, "dhcp");
    json_builder_add_boolean_value (b, FALSE);
    json_builder_set_member_name (b, "static");
    json_builder_add_boolean_value (b, extras->ip_configuration);
    json_builder_set_member_name (b, "ipsync");
    json_builder_add_boolean_value (b, FALSE);
    add_string (b, "ipAddress", address);
    add_string (b, "netmask", netmask);
    add_string (b, "gateway", gateway);
    add_string (b, "primaryDns", dns);
    add_string (b, "secondaryDns", NULL);
  }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "hostnameInfo");
  json_builder_begin_object (b);
  add_string (b, "dnsSuffixOS", extras->hostname_info ? fqdn : NULL);
  add_string (b, "hostname", extras->hostname_info ? hostname : NULL);
  json_builder_end_object (b);

  if (self->friendly_name != NULL && *self->friendly_name != '\0')
    add_string (b, "friendlyName", self->friendly_name);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, NULL);
  b64 = g_base64_encode ((const guchar *) json, strlen (json));
  ob_secure_clear (json, strlen (json));
  return b64;
}

/* ---- forwarding to the device ---------------------------------------------- */

typedef struct
{
  Run          *run;
  GIOStream    *stream;        /* our end of the pipe */
  GBytes       *request;
  GByteArray   *raw;           /* everything the device sent */
  ObHttpParser *parser;
  gboolean      parse_failed;
  GCancellable *cancellable;
  GSource      *timeout;
  guint8        buffer[16384];
} Exchange;

static void forward_next (Run *run);

static void
exchange_free (Exchange *x)
{
  if (x->timeout != NULL)
    {
      g_source_destroy (x->timeout);
      g_source_unref (x->timeout);
    }
  if (x->stream != NULL)
    g_io_stream_close_async (x->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&x->stream);
  g_bytes_unref (x->request);
  g_byte_array_unref (x->raw);
  ob_http_parser_free (x->parser);
  g_clear_object (&x->cancellable);
  run_unref (x->run);
  g_free (x);
}

/* The device's answer (whatever arrived) goes back as a response message. */
static void
exchange_done (Exchange *x)
{
  Run *run = x->run;

  if (!run_done (run))
    {
      g_autofree char *b64 = g_base64_encode (x->raw->data, x->raw->len);
      g_autofree char *text = envelope ("response", "ok", "ok", b64, "");

      run->self->n_exchanges++;
      soup_websocket_connection_send_text (run->ws, text);
      run->forwarding = FALSE;
      forward_next (run);
    }
  exchange_free (x);
}

static void on_exchange_read (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data);

static void
exchange_read (Exchange *x)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (x->stream), x->buffer, sizeof x->buffer,
                             G_PRIORITY_DEFAULT, x->cancellable, on_exchange_read, x);
}

static void
on_exchange_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Exchange *x = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Reading the device's answer: %s", error->message);
      exchange_done (x);
      return;
    }
  if (n == 0)
    {
      exchange_done (x);
      return;
    }
  if (x->raw->len + (gsize) n > MAX_DEVICE_RESPONSE)
    {
      exchange_done (x);
      return;
    }
  g_byte_array_append (x->raw, x->buffer, (guint) n);
  /* LMS hands over what the firmware sent; a whole HTTP response ends the
   * exchange (rpc-go waits for more until its read deadline). */
  if (!x->parse_failed)
    {
      gsize offset = 0;

      while (offset < (gsize) n)
        {
          gsize consumed = 0;
          g_autoptr(GError) parse_error = NULL;
          ObHttpParseStatus status = ob_http_parser_feed (x->parser, x->buffer + offset, (gsize) n - offset,
                                                          &consumed, &parse_error);

          if (status == OB_HTTP_PARSE_ERROR)
            {
              x->parse_failed = TRUE;
              break;
            }
          offset += consumed;
          if (status == OB_HTTP_PARSE_DONE)
            {
              exchange_done (x);
              return;
            }
          if (consumed == 0)
            break;
        }
    }
  exchange_read (x);
}

static void
on_exchange_written (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Exchange *x = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_debug ("Writing to the device: %s", error->message);
      exchange_done (x);
      return;
    }
  exchange_read (x);
}

static gboolean
on_exchange_timeout (gpointer user_data)
{
  Exchange *x = user_data;

  g_clear_pointer (&x->timeout, g_source_unref);
  g_cancellable_cancel (x->cancellable);
  return G_SOURCE_REMOVE;
}

static GIOStream *
socket_stream (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  if (socket == NULL)
    {
      close (fd);
      return NULL;
    }
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

/* A new connection per message, as rpc-go opens one to LMS for each. */
static void
forward (Run    *run,
         GBytes *request)
{
  Exchange *x = g_new0 (Exchange, 1);
  g_autoptr(GIOStream) device_end = NULL;
  int fds[2];
  gsize len;
  const guint8 *data;

  x->run = run_ref (run);
  x->request = request;
  x->raw = g_byte_array_new ();
  x->parser = ob_http_parser_new (OB_HTTP_PARSER_RESPONSE);
  x->cancellable = g_cancellable_new ();
  run->forwarding = TRUE;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      g_warning ("socketpair: %s", g_strerror (errno));
      exchange_done (x);
      return;
    }
  device_end = socket_stream (fds[0]);
  x->stream = socket_stream (fds[1]);
  if (device_end == NULL || x->stream == NULL)
    {
      exchange_done (x);
      return;
    }
  ob_sim_wsman_server_serve_stream (run->self->server, device_end);

  x->timeout = g_timeout_source_new (EXCHANGE_TIMEOUT_MS);
  g_source_set_callback (x->timeout, on_exchange_timeout, x, NULL);
  g_source_set_static_name (x->timeout, "[outband-sim] rpc exchange timeout");
  g_source_attach (x->timeout, run->self->context);

  data = g_bytes_get_data (request, &len);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (x->stream), data, len, G_PRIORITY_DEFAULT,
                                   x->cancellable, on_exchange_written, x);
}

static void
forward_next (Run *run)
{
  GBytes *request;

  if (run_done (run) || run->forwarding)
    return;
  request = g_queue_pop_head (&run->requests);
  if (request != NULL)
    forward (run, request);
}

/* ---- the WebSocket ------------------------------------------------------------ */

static const char *
member_string (JsonObject *o,
               const char *name)
{
  JsonNode *node;

  if (!json_object_has_member (o, name))
    return NULL;
  node = json_object_get_member (o, name);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static void
on_ws_message (SoupWebsocketConnection *ws,
               gint                     type,
               GBytes                  *message,
               gpointer                 user_data)
{
  Run *run = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  JsonNode *root;
  JsonObject *o;
  const char *method, *text;

  if (run_done (run))
    return;
  if (!json_parser_load_from_data (parser, data != NULL ? data : "", (gssize) len, &error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      run_fail (run, OB_SIM_ERROR, OB_SIM_ERROR_FAILED, "The RPS sent a message that is not a JSON object");
      return;
    }
  o = json_node_get_object (root);
  method = member_string (o, "method");
  text = member_string (o, "message");

  if (g_strcmp0 (method, "success") == 0)
    {
      run_finish (run, g_strdup (text != NULL ? text : ""), NULL);
      return;
    }
  if (g_strcmp0 (method, "error") == 0)
    {
      g_autofree char *status = ob_sim_rpc_dup_status_field (text, "Status");

      run_fail (run, OB_SIM_ERROR, OB_SIM_ERROR_FAILED, "%s",
                status != NULL ? status : text != NULL ? text : "The RPS reported an error");
      return;
    }
  if (g_strcmp0 (method, "heartbeat_request") == 0)
    {
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autofree char *reply = NULL;

      json_object_set_string_member (o, "method", "heartbeat_response");
      json_object_set_string_member (o, "status", "success");
      json_generator_set_root (gen, root);
      reply = json_generator_to_data (gen, NULL);
      soup_websocket_connection_send_text (ws, reply);
      return;
    }

  /* Everything else carries an HTTP request for the device. */
  {
    const char *payload = member_string (o, "payload");
    gsize n = 0;
    guchar *bytes = NULL;

    if (payload != NULL && *payload != '\0')
      bytes = g_base64_decode (payload, &n);
    g_queue_push_tail (&run->requests, g_bytes_new_take (bytes, n));
    forward_next (run);
  }
}

static void
on_ws_closed (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  Run *run = user_data;

  if (!run_done (run))
    run_fail (run, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
              "The RPS closed the connection before the end (code %u)",
              soup_websocket_connection_get_close_code (ws));
}

static void
on_ws_error (SoupWebsocketConnection *ws,
             GError                  *error,
             gpointer                 user_data)
{
  Run *run = user_data;

  if (!run_done (run))
    run_fail (run, error->domain, error->code, "Connection to the RPS: %s", error->message);
}

static void
on_ws_connected (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Run) run = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);

  if (run_done (run))
    {
      g_clear_object (&ws);
      return;
    }
  if (ws == NULL)
    {
      run_fail (run, error->domain, error->code, "Cannot connect to the RPS: %s", error->message);
      return;
    }
  run->ws = ws;
  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_INCOMING_MESSAGE);
  /* rpc-go sends no pings of its own. */
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_signal_connect_data (ws, "message", G_CALLBACK (on_ws_message), run_ref (run),
                         (GClosureNotify) (void (*) (void)) run_unref, 0);
  g_signal_connect_data (ws, "closed", G_CALLBACK (on_ws_closed), run_ref (run),
                         (GClosureNotify) (void (*) (void)) run_unref, 0);
  g_signal_connect_data (ws, "error", G_CALLBACK (on_ws_error), run_ref (run),
                         (GClosureNotify) (void (*) (void)) run_unref, 0);
  soup_websocket_connection_send_text (ws, run->initial);
  ob_secure_clear (run->initial, strlen (run->initial));
}

static gboolean
on_accept_certificate (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  /* Only connected when -n (skip the certificate check) is set. */
  return TRUE;
}

static gboolean
on_run_timeout (gpointer user_data)
{
  Run *run = user_data;

  g_clear_pointer (&run->timeout, g_source_unref);
  run_fail (run, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "No result from the RPS in time");
  return G_SOURCE_REMOVE;
}

static gboolean
on_user_cancelled_idle (gpointer user_data)
{
  Run *run = user_data;

  if (!run_done (run))
    run_fail (run, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  return G_SOURCE_REMOVE;
}

static void
on_user_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  Run *run = user_data;
  GSource *idle = g_idle_source_new ();

  /* May run in any thread: finish on the run's own context. */
  g_source_set_callback (idle, on_user_cancelled_idle, run_ref (run), (GDestroyNotify) run_unref);
  g_source_attach (idle, run->self->context);
  g_source_unref (idle);
}

/* http(s) for ws(s): the WebSocket handshake is an HTTP request. */
static char *
http_url (const char  *url,
          GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, error);
  const char *scheme;
  const char *http_scheme;

  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  /* rpc-go's dialer takes only WebSocket URLs. */
  if (g_ascii_strcasecmp (scheme, "ws") == 0)
    http_scheme = "http";
  else if (g_ascii_strcasecmp (scheme, "wss") == 0)
    http_scheme = "https";
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The RPS address must be a ws:// or wss:// URL, not “%s”", url);
      return NULL;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "The RPS URL “%s” has no host", url);
      return NULL;
    }
  {
    g_autoptr(GUri) http = g_uri_build (G_URI_FLAGS_NONE, http_scheme, NULL, g_uri_get_host (uri),
                                        g_uri_get_port (uri),
                                        *g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/",
                                        g_uri_get_query (uri), NULL);

    return g_uri_to_string (http);
  }
}

static void
start (ObSimRpc            *self,
       const char          *url,
       const char          *method_line,
       const PayloadExtras *extras,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data,
       gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *http = NULL;
  g_autofree char *payload = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  Run *run;

  g_task_set_source_tag (task, source_tag);
  if (self->run != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "A command is already running");
      return;
    }
  http = http_url (url, &error);
  if (http == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  payload = build_payload (self, extras, &error);
  if (payload == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  run = g_new0 (Run, 1);
  g_atomic_ref_count_init (&run->ref_count);   /* held until finished */
  run->self = g_object_ref (self);
  run->task = g_steal_pointer (&task);
  run->cancellable = g_cancellable_new ();
  g_queue_init (&run->requests);
  run->initial = envelope (method_line, "ok", "ok", payload, self->tenant_id);
  self->run = run;
  self->n_exchanges = 0;

  if (cancellable != NULL)
    {
      run->user_cancellable = g_object_ref (cancellable);
      run->user_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_user_cancelled),
                                                   run_ref (run), (GDestroyNotify) run_unref);
    }
  run->timeout = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (run->timeout, on_run_timeout, run, NULL);
  g_source_set_static_name (run->timeout, "[outband-sim] rpc timeout");
  g_source_attach (run->timeout, self->context);

  run->session = soup_session_new ();
  /* The handshake as rpc-go's WebSocket dialer makes it: no compression
   * offered, Go's user agent. */
  soup_session_remove_feature_by_type (run->session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  soup_session_set_user_agent (run->session, "Go-http-client/1.1");
  msg = soup_message_new ("GET", http);
  if (msg == NULL)
    {
      run_fail (run, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Cannot use the RPS URL “%s”", url);
      return;
    }
  if (self->skip_cert_check)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), NULL);
  soup_session_websocket_connect_async (run->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        run->cancellable, on_ws_connected, run_ref (run));
}

/* ---- public --------------------------------------------------------------------- */

static void
ob_sim_rpc_dispose (GObject *object)
{
  ObSimRpc *self = OB_SIM_RPC (object);

  g_clear_object (&self->server);
  g_clear_object (&self->device);
  G_OBJECT_CLASS (ob_sim_rpc_parent_class)->dispose (object);
}

static void
ob_sim_rpc_finalize (GObject *object)
{
  ObSimRpc *self = OB_SIM_RPC (object);

  g_free (self->tenant_id);
  g_free (self->dns_suffix);
  g_free (self->hostname);
  g_free (self->friendly_name);
  ob_secure_free_string (self->amt_password);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (ob_sim_rpc_parent_class)->finalize (object);
}

static void
ob_sim_rpc_class_init (ObSimRpcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_sim_rpc_dispose;
  object_class->finalize = ob_sim_rpc_finalize;
}

static void
ob_sim_rpc_init (ObSimRpc *self)
{
  self->timeout_ms = OB_SIM_RPC_DEFAULT_TIMEOUT_MS;
  self->context = g_main_context_ref_thread_default ();
}

ObSimRpc *
ob_sim_rpc_new (ObSimWsmanServer *server)
{
  ObSimRpc *self;

  g_return_val_if_fail (OB_IS_SIM_WSMAN_SERVER (server), NULL);

  self = g_object_new (OB_TYPE_SIM_RPC, NULL);
  self->server = g_object_ref (server);
  self->device = g_object_ref (ob_sim_wsman_server_get_device (server));
  ob_sim_provisioning_attach (self->device);
  return self;
}

ObSimDevice *
ob_sim_rpc_get_device (ObSimRpc *self)
{
  g_return_val_if_fail (OB_IS_SIM_RPC (self), NULL);
  return self->device;
}

ObSimWsmanServer *
ob_sim_rpc_get_server (ObSimRpc *self)
{
  g_return_val_if_fail (OB_IS_SIM_RPC (self), NULL);
  return self->server;
}

static void
replace_string (char       **field,
                const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

void
ob_sim_rpc_set_tenant_id (ObSimRpc   *self,
                          const char *tenant_id)
{
  g_return_if_fail (OB_IS_SIM_RPC (self));
  replace_string (&self->tenant_id, tenant_id);
}

void
ob_sim_rpc_set_dns_suffix (ObSimRpc   *self,
                           const char *dns_suffix)
{
  g_return_if_fail (OB_IS_SIM_RPC (self));
  replace_string (&self->dns_suffix, dns_suffix);
}

void
ob_sim_rpc_set_hostname (ObSimRpc   *self,
                         const char *hostname)
{
  g_return_if_fail (OB_IS_SIM_RPC (self));
  replace_string (&self->hostname, hostname);
}

void
ob_sim_rpc_set_friendly_name (ObSimRpc   *self,
                              const char *friendly_name)
{
  g_return_if_fail (OB_IS_SIM_RPC (self));
  replace_string (&self->friendly_name, friendly_name);
}

void
ob_sim_rpc_set_skip_cert_check (ObSimRpc *self,
                                gboolean  skip)
{
  g_return_if_fail (OB_IS_SIM_RPC (self));
  self->skip_cert_check = skip;
}

void
ob_sim_rpc_set_amt_password (ObSimRpc   *self,
                             const char *password)
{
  g_return_if_fail (OB_IS_SIM_RPC (self));
  ob_secure_free_string (self->amt_password);
  self->amt_password = g_strdup (password);
}

void
ob_sim_rpc_set_timeout_ms (ObSimRpc *self,
                           guint     timeout_ms)
{
  g_return_if_fail (OB_IS_SIM_RPC (self));
  g_return_if_fail (timeout_ms > 0);
  self->timeout_ms = timeout_ms;
}

void
ob_sim_rpc_activate_async (ObSimRpc            *self,
                           const char          *url,
                           const char          *profile,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autofree char *method = NULL;
  PayloadExtras extras = { FALSE, FALSE };

  g_return_if_fail (OB_IS_SIM_RPC (self));
  g_return_if_fail (url != NULL && profile != NULL);

  method = g_strconcat ("activate --profile ", profile, NULL);
  start (self, url, method, &extras, cancellable, callback, user_data, ob_sim_rpc_activate_async);
}

void
ob_sim_rpc_deactivate_async (ObSimRpc            *self,
                             const char          *url,
                             gboolean             force,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *method = NULL;
  PayloadExtras extras = { FALSE, FALSE };

  g_return_if_fail (OB_IS_SIM_RPC (self));
  g_return_if_fail (url != NULL);

  method = g_strconcat ("deactivate --password ", self->amt_password != NULL ? self->amt_password : "",
                        force ? " -f" : "", NULL);
  start (self, url, method, &extras, cancellable, callback, user_data, ob_sim_rpc_deactivate_async);
  ob_secure_clear (method, strlen (method));
}

void
ob_sim_rpc_maintenance_async (ObSimRpc            *self,
                              const char          *url,
                              ObSimRpcTask         task,
                              const char          *task_arg,
                              gboolean             force,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *method = NULL;
  PayloadExtras extras = { FALSE, FALSE };
  const char *name;

  g_return_if_fail (OB_IS_SIM_RPC (self));
  g_return_if_fail (url != NULL);

  switch (task)
    {
    case OB_SIM_RPC_TASK_SYNC_CLOCK:
      /* rpc-go's "syncclock" goes out as "synctime". */
      name = "synctime";
      break;
    case OB_SIM_RPC_TASK_SYNC_IP:
      name = "syncip";
      extras.ip_configuration = TRUE;
      break;
    case OB_SIM_RPC_TASK_CHANGE_PASSWORD:
      name = "changepassword";
      break;
    case OB_SIM_RPC_TASK_SYNC_HOSTNAME:
      name = "synchostname";
      extras.hostname_info = TRUE;
      break;
    case OB_SIM_RPC_TASK_SYNC_DEVICE_INFO:
    default:
      name = "syncdeviceinfo";
      break;
    }
  method = g_strconcat ("maintenance -password ", self->amt_password != NULL ? self->amt_password : "",
                        " --", name,
                        task == OB_SIM_RPC_TASK_CHANGE_PASSWORD && task_arg != NULL && *task_arg != '\0' ? " " : "",
                        task == OB_SIM_RPC_TASK_CHANGE_PASSWORD && task_arg != NULL ? task_arg : "",
                        force ? " -f" : "", NULL);
  start (self, url, method, &extras, cancellable, callback, user_data, ob_sim_rpc_maintenance_async);
  ob_secure_clear (method, strlen (method));
}

char *
ob_sim_rpc_finish (ObSimRpc      *self,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (OB_IS_SIM_RPC (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
ob_sim_rpc_get_n_exchanges (ObSimRpc *self)
{
  g_return_val_if_fail (OB_IS_SIM_RPC (self), 0);
  return self->n_exchanges;
}

char *
ob_sim_rpc_dup_status_field (const char *message,
                             const char *field)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  const char *value;

  g_return_val_if_fail (field != NULL, NULL);

  if (message == NULL || *message != '{')
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, message, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  value = member_string (json_node_get_object (root), field);
  return g_strdup (value);
}

ObSimCira *
ob_sim_rpc_start_cira (ObSimRpc       *self,
                       ObSimCiraPool  *pool,
                       gboolean        verify,
                       GError        **error)
{
  ObSimProvisioning *prov;
  g_autoptr(ObSimCiraPool) own_pool = NULL;
  const char *host, *username, *password, *cn;
  guint format, port;
  ObSimCira *cira;

  g_return_val_if_fail (OB_IS_SIM_RPC (self), NULL);

  prov = ob_sim_provisioning_peek (self->device);
  if (prov == NULL || !ob_sim_provisioning_get_mps_server (prov, 0, &host, &format, &port, &username,
                                                            &password, &cn))
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_NOT_FOUND, "The device was given no MPS server");
      return NULL;
    }
  if (username == NULL || password == NULL)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_NOT_FOUND,
                   "The device's MPS server uses certificate authentication, which the simulator does not do");
      return NULL;
    }
  if (pool == NULL)
    {
      own_pool = ob_sim_cira_pool_new (host, port);
      pool = own_pool;
      if (verify)
        {
          g_autoptr(GPtrArray) roots = ob_sim_provisioning_dup_trusted_roots (prov);
          g_autofree char *pem = NULL;
          g_autoptr(GTlsCertificate) root = NULL;

          if (roots->len == 0)
            {
              g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_NOT_FOUND,
                           "The device was given no trusted root certificate for the MPS");
              return NULL;
            }
          /* The last root added is the MPS's (configuration adds it right
           * before the server). */
          pem = ob_crypto_der_to_pem (g_ptr_array_index (roots, roots->len - 1), "CERTIFICATE");
          root = g_tls_certificate_new_from_pem (pem, -1, error);
          if (root == NULL)
            return NULL;
          ob_sim_cira_pool_set_root_certificate (pool, root);
          /* AMT's rule: an FQDN must be in the certificate; for an IP
           * address the CN it was given. */
          if (format != 201 && cn != NULL)
            ob_sim_cira_pool_set_common_name (pool, cn);
        }
    }
  cira = ob_sim_cira_new (pool, self->device, self->server, username, password);
  ob_sim_cira_start (cira);
  return cira;
}
