/* ob-api-relay.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The MPS WebSocket relay (mps-cira-apf.md §4.6, redirection-kvm-sol.md
 * §4): /relay/webrelay.ashx and /mps/ws/relay/webrelay.ashx carry a
 * device's redirection stream (KVM, SOL, IDER) to a browser or any other
 * WebSocket client.
 *
 * The token (a redirection JWT from GET /api/v1/authorize/redirection/:guid)
 * arrives as the Sec-WebSocket-Protocol value and is echoed back, as the
 * reference's `ws` server does.  Everything is checked before the upgrade,
 * and the device's stream is opened before it too, so every failure has a
 * plain HTTP status: 400 (not a WebSocket handshake, bad port), 401 (token
 * missing, invalid, expired, or for another device), 404 (unknown device
 * or not connected), 409 (that mode already has a session on the device;
 * the reference answers 401 to all of these), 502 (the device refused the
 * stream).
 *
 * port may be 16994 or 16995 and tls/tls1only are accepted but not
 * needed: the relay always asks the device for its redirection service,
 * and ObDevice picks the transport (an APF channel to 16994 over CIRA,
 * where the tunnel is the encryption; TLS to 16995 for a LAN device whose
 * record says so).  The reference handles only tls=0 and hangs otherwise.
 * Frames to the client are binary (the reference's text frames of Latin-1
 * code points are accepted from the client too).
 *
 * With p=2 and a stored AMT password the relay authenticates for the
 * client, as the reference's interceptor does: until the device accepts an
 * authentication it parses the redirection messages both ways; each digest
 * AuthenticateSession from the client is replaced, first by a digest
 * "hello" with the device's real user (which provokes AMT's challenge),
 * then by a full digest answer computed here from the stored password and
 * the realm/nonce/qop the relay saw in that challenge.  After AMT's first
 * non-query success both directions are passed through untouched.  The
 * client therefore sends StartRedirectionSession, a query, any digest
 * hello and any digest answer, and never knows the password.
 *
 * The WebSocket framing is done here (RFC 6455, server side) instead of
 * with SoupWebsocketConnection because that one reads and queues without
 * limit: here one read from either side is in flight only while the write
 * it produced has completed, so neither direction buffers more than one
 * chunk. */

#include "config.h"

#include <string.h>

#include "ob-api-private.h"
#include "ob-device.h"
#include "ob-http-digest.h"
#include "ob-jwt.h"
#include "ob-redir-message.h"
#include "ob-stream-source.h"
#include "ob-util.h"

#define RELAY_REDIRECTION_PORT 16994
#define RELAY_TLS_PORT         16995
#define RELAY_CHUNK            16384
#define RELAY_CLOSE_TIMEOUT_S  5
#define RELAY_BUSY_KEY         "ob-api-relay-busy"
#define RELAY_LIVE_KEY         "ob-api-relay-live"

/* The lifetime of a redirection token, as the MPS's default
 * redirection_expiration_time. */
#define RELAY_TOKEN_LIFETIME_S (5 * 60)

/* RFC 6455 opcodes and close codes. */
enum
{
  WS_CONTINUATION = 0x0,
  WS_TEXT         = 0x1,
  WS_BINARY       = 0x2,
  WS_CLOSE        = 0x8,
  WS_PING         = 0x9,
  WS_PONG         = 0xA,
};

#define WS_CLOSE_NORMAL          1000
#define WS_CLOSE_GOING_AWAY      1001
#define WS_CLOSE_PROTOCOL_ERROR  1002
#define WS_CLOSE_BAD_DATA        1007

typedef struct
{
  grefcount          ref_count;
  ObApiServer       *server;
  GHashTable        *busy;          /* the server's, referenced */
  GHashTable        *live;          /* the server's running relays */
  char              *busy_key;      /* NULL when the mode is not tracked */
  ObDevice          *device;
  char              *token;
  gboolean           intercept;

  /* Until the upgrade. */
  SoupServerMessage *msg;
  gulong             finished_id;

  GCancellable      *cancellable;   /* reads, device writes */
  GCancellable      *write_cancellable; /* WebSocket writes */

  GIOStream         *ws;
  GIOStream         *dev;

  /* Reading the client's frames. */
  GByteArray        *ws_in;
  GBytes            *dev_pending;   /* the write to the device in flight */
  guint64            frame_left;
  guint8             mask[4];
  guint              mask_pos;
  guint8             frame_opcode;  /* of the message in progress */
  guint8             utf8_lead;     /* a text frame's split lead byte */

  /* Frames to the client: one write in flight. */
  GQueue             ws_out;        /* of OutFrame */
  gboolean           ws_writing;

  /* The interceptor, until the device accepts an authentication. */
  gboolean           passthrough;
  GByteArray        *c2d;
  GByteArray        *d2c;
  char              *realm;
  char              *nonce;
  char              *qop;
  guint              nc;

  gboolean           closing;
  gboolean           ws_closed;     /* no more frames to the client */
  gboolean           dev_reading;
  gboolean           dev_writing;
  gboolean           ws_reading;
  gboolean           dev_close_started;
  gboolean           ws_close_started;
  guint              close_timeout_id;
} Relay;

typedef struct
{
  GBytes   *bytes;
  gboolean  data;      /* the device's data: read on when written */
  gboolean  close;     /* the last frame */
} OutFrame;

static Relay *
relay_ref (Relay *relay)
{
  g_ref_count_inc (&relay->ref_count);
  return relay;
}

static void
out_frame_free (gpointer data)
{
  OutFrame *frame = data;

  g_bytes_unref (frame->bytes);
  g_free (frame);
}

static void
relay_unref (Relay *relay)
{
  if (!g_ref_count_dec (&relay->ref_count))
    return;

  g_clear_handle_id (&relay->close_timeout_id, g_source_remove);
  if (relay->live != NULL)
    g_hash_table_remove (relay->live, relay);
  g_clear_pointer (&relay->live, g_hash_table_unref);
  if (relay->busy_key != NULL)
    g_hash_table_remove (relay->busy, relay->busy_key);
  g_free (relay->busy_key);
  g_clear_pointer (&relay->busy, g_hash_table_unref);
  g_clear_object (&relay->server);
  g_clear_object (&relay->device);
  g_free (relay->token);
  if (relay->msg != NULL)
    g_clear_signal_handler (&relay->finished_id, relay->msg);
  g_clear_object (&relay->msg);
  g_clear_object (&relay->cancellable);
  g_clear_object (&relay->write_cancellable);
  g_clear_object (&relay->ws);
  g_clear_object (&relay->dev);
  g_byte_array_unref (relay->ws_in);
  g_clear_pointer (&relay->dev_pending, g_bytes_unref);
  g_queue_clear_full (&relay->ws_out, out_frame_free);
  g_byte_array_unref (relay->c2d);
  g_byte_array_unref (relay->d2c);
  g_free (relay->realm);
  ob_secure_free_string (relay->nonce);
  g_free (relay->qop);
  g_free (relay);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Relay, relay_unref)

/* ------------------------------------------------------------------------
 * Path and token
 * ------------------------------------------------------------------------ */

gboolean
_ob_api_relay_match_path (const char *path)
{
  return g_ascii_strcasecmp (path, "/relay/webrelay.ashx") == 0
         || g_ascii_strcasecmp (path, "/mps/ws/relay/webrelay.ashx") == 0;
}

/* GET authorize/redirection/:guid: a short token for one device. */
void
_ob_api_relay_authorize (ObApiRequest *request)
{
  ObApiServer *server = request->server;
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *token = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* Any device Outband knows: connected or not (the relay refuses a
   * device that is not connected when it is used). */
  if (ob_device_registry_lookup (_ob_api_server_get_registry (server), request->param) == NULL)
    {
      g_autoptr(ObDeviceRecord) record = NULL;

      record = ob_store_get_device (_ob_api_server_get_store (server), request->param, NULL);
      if (record == NULL)
        {
          ob_api_request_respond_device_not_found (request);
          return;
        }
    }

  json_object_set_string_member (claims, "tenantId", "");
  json_object_set_string_member (claims, "iss", OB_API_ISSUER);
  json_object_set_string_member (claims, "deviceId", request->param);
  json_object_set_int_member (claims, "exp", now + RELAY_TOKEN_LIFETIME_S);
  token = _ob_api_server_sign_token (server, claims);

  json_object_set_string_member (reply, "token", token);
  node = json_node_init_object (json_node_alloc (), reply);
  ob_api_request_respond_json (request, SOUP_STATUS_OK, node);
}

static void
refuse (SoupServerMessage *msg,
        guint              status,
        const char        *message)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  json_object_set_string_member (object, "message", message);
  node = json_node_init_object (json_node_alloc (), object);
  text = json_to_string (node, FALSE);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

/* The first protocol the client offers (browsers: the token). */
static char *
offered_protocol (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *value = soup_message_headers_get_list (headers, "Sec-WebSocket-Protocol");
  g_auto(GStrv) parts = NULL;

  if (value == NULL)
    return NULL;
  parts = g_strsplit (value, ",", 2);
  if (parts[0] == NULL)
    return NULL;
  g_strstrip (parts[0]);
  return parts[0][0] != '\0' ? g_strdup (parts[0]) : NULL;
}

/* ------------------------------------------------------------------------
 * Ending
 * ------------------------------------------------------------------------ */

static void ws_flush (Relay *relay);
static void dev_read (Relay *relay);
static void ws_read (Relay *relay);

static void
on_stream_closed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
}

/* Streams other than sockets (APF channels, TLS) refuse to close while
 * an operation is pending: each closes once its cancelled read and write
 * have returned. */
static void
maybe_close_dev (Relay *relay)
{
  if (relay->dev == NULL || relay->dev_close_started || !relay->closing
      || relay->dev_reading || relay->dev_writing)
    return;
  relay->dev_close_started = TRUE;
  g_io_stream_close_async (relay->dev, G_PRIORITY_DEFAULT, NULL, on_stream_closed, NULL);
}

static void
maybe_close_ws (Relay *relay)
{
  if (relay->ws == NULL || relay->ws_close_started || !relay->ws_closed
      || relay->ws_reading || relay->ws_writing)
    return;
  relay->ws_close_started = TRUE;
  g_io_stream_close_async (relay->ws, G_PRIORITY_DEFAULT, NULL, on_stream_closed, NULL);
}

/* Stops the device side: nothing more is read from either side. */
static void
stop_device (Relay *relay)
{
  relay->closing = TRUE;
  g_cancellable_cancel (relay->cancellable);
  maybe_close_dev (relay);
  /* The mode is free again as soon as the session is over. */
  if (relay->busy_key != NULL)
    {
      g_hash_table_remove (relay->busy, relay->busy_key);
      g_clear_pointer (&relay->busy_key, g_free);
    }
}

static void
close_streams (Relay *relay)
{
  stop_device (relay);
  if (relay->ws_closed)
    return;
  relay->ws_closed = TRUE;
  g_clear_handle_id (&relay->close_timeout_id, g_source_remove);
  g_cancellable_cancel (relay->write_cancellable);
  maybe_close_ws (relay);
}

static gboolean
on_close_timeout (gpointer user_data)
{
  Relay *relay = user_data;

  relay->close_timeout_id = 0;
  close_streams (relay);
  return G_SOURCE_REMOVE;
}

static GBytes *
ws_frame (guint8        opcode,
          const guint8 *data,
          gsize         len)
{
  GByteArray *frame = g_byte_array_sized_new ((guint) len + 10);
  guint8 header[10];
  gsize n = 0;

  header[n++] = 0x80 | opcode;
  if (len < 126)
    header[n++] = (guint8) len;
  else if (len <= G_MAXUINT16)
    {
      header[n++] = 126;
      header[n++] = (guint8) (len >> 8);
      header[n++] = (guint8) len;
    }
  else
    {
      header[n++] = 127;
      for (int shift = 56; shift >= 0; shift -= 8)
        header[n++] = (guint8) ((guint64) len >> shift);
    }
  g_byte_array_append (frame, header, (guint) n);
  if (len > 0)
    g_byte_array_append (frame, data, (guint) len);
  return g_byte_array_free_to_bytes (frame);
}

static void
ws_queue (Relay        *relay,
          guint8        opcode,
          const guint8 *data,
          gsize         len,
          gboolean      is_data)
{
  OutFrame *frame = g_new0 (OutFrame, 1);

  frame->bytes = ws_frame (opcode, data, len);
  frame->data = is_data;
  frame->close = opcode == WS_CLOSE;
  g_queue_push_tail (&relay->ws_out, frame);
  ws_flush (relay);
}

/* Ends the relay: the client gets a close frame with @code (unless it is
 * gone), then both streams are closed. */
static void
relay_finish (Relay      *relay,
              guint16     code,
              const char *reason)
{
  guint8 payload[2 + 64];
  gsize len = 0;

  if (relay->closing)
    return;
  g_debug ("Relay to %s ends: %s", ob_device_get_guid (relay->device), reason);
  stop_device (relay);

  if (code == 0 || relay->ws == NULL)
    {
      close_streams (relay);
      return;
    }

  payload[len++] = (guint8) (code >> 8);
  payload[len++] = (guint8) code;
  /* A client stuck not reading must not keep the connection forever. */
  relay->close_timeout_id = g_timeout_add_seconds (RELAY_CLOSE_TIMEOUT_S, on_close_timeout, relay);
  ws_queue (relay, WS_CLOSE, payload, len, FALSE);
}

/* ------------------------------------------------------------------------
 * WebSocket writes
 * ------------------------------------------------------------------------ */

static void
on_ws_written (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Relay) relay = user_data;
  g_autoptr(GError) error = NULL;
  OutFrame *frame = g_queue_pop_head (&relay->ws_out);
  gboolean was_data = frame->data, was_close = frame->close;

  out_frame_free (frame);
  relay->ws_writing = FALSE;
  maybe_close_ws (relay);

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (!relay->closing)
        relay_finish (relay, 0, "the client connection failed");
      else
        close_streams (relay);
      return;
    }

  if (was_close)
    {
      close_streams (relay);
      return;
    }

  if (was_data && !relay->closing)
    dev_read (relay);
  ws_flush (relay);
}

static void
ws_flush (Relay *relay)
{
  OutFrame *frame;
  gsize len;
  const guint8 *data;

  if (relay->ws_writing || relay->ws_closed || g_queue_is_empty (&relay->ws_out))
    return;

  frame = g_queue_peek_head (&relay->ws_out);
  data = g_bytes_get_data (frame->bytes, &len);
  relay->ws_writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (relay->ws), data, len,
                                   G_PRIORITY_DEFAULT, relay->write_cancellable,
                                   on_ws_written, relay_ref (relay));
}

/* ------------------------------------------------------------------------
 * The interceptor
 * ------------------------------------------------------------------------ */

static char *
random_cnonce (void)
{
  static const char hex[] = "0123456789abcdef";
  char *cnonce = g_malloc (11);

  for (guint i = 0; i < 10; i++)
    cnonce[i] = hex[g_random_int_range (0, 16)];
  cnonce[10] = '\0';
  return cnonce;
}

/* The replacement for a client's digest AuthenticateSession. */
static GBytes *
own_digest (Relay          *relay,
            ObRedirAuthType auth_type)
{
  const char *user = ob_device_get_username (relay->device);
  const char *password = ob_device_get_password (relay->device);
  gboolean with_qop = auth_type == OB_REDIR_AUTH_DIGEST;
  const char *qop = relay->qop != NULL && relay->qop[0] != '\0' ? relay->qop : "auth";
  g_autofree char *cnonce = NULL;
  g_autofree char *nc = NULL;
  g_autofree char *response = NULL;

  if (user == NULL || user[0] == '\0')
    user = "admin";
  if (relay->realm == NULL)
    return ob_redir_build_auth_digest_hello (auth_type, user);

  cnonce = random_cnonce ();
  nc = g_strdup_printf ("%08x", ++relay->nc);
  response = ob_http_digest_compute_response (user, relay->realm, password,
                                              OB_REDIR_DIGEST_METHOD, OB_REDIR_DIGEST_URI,
                                              relay->nonce, nc, cnonce,
                                              with_qop ? qop : NULL);
  return ob_redir_build_auth_digest_response (auth_type, user, relay->realm, relay->nonce,
                                              OB_REDIR_DIGEST_URI, cnonce, nc, response,
                                              with_qop ? qop : NULL);
}

/* Client -> device: @data appended to what is pending; returns what goes
 * to the device now. */
static GByteArray *
intercept_to_device (Relay        *relay,
                     const guint8 *data,
                     gsize         len)
{
  GByteArray *out = g_byte_array_new ();

  if (relay->passthrough)
    {
      g_byte_array_append (out, data, (guint) len);
      return out;
    }

  g_byte_array_append (relay->c2d, data, (guint) len);
  while (!relay->passthrough && relay->c2d->len > 0)
    {
      ObRedirMessage m = { 0 };
      gsize consumed = 0;
      ObRedirParseStatus status;

      status = ob_redir_message_parse (relay->c2d->data, relay->c2d->len, OB_REDIR_TO_DEVICE,
                                       OB_REDIR_SESSION_NONE, &m, &consumed, NULL);
      if (status == OB_REDIR_PARSE_NEED_MORE)
        break;
      if (status == OB_REDIR_PARSE_ERROR)
        {
          /* Not ours to judge: AMT refuses whatever it does not accept. */
          relay->passthrough = TRUE;
          break;
        }

      if (m.type == OB_REDIR_MSG_AUTHENTICATE
          && (m.auth.auth_type == OB_REDIR_AUTH_DIGEST || m.auth.auth_type == OB_REDIR_AUTH_DIGEST_NO_QOP))
        {
          g_autoptr(GBytes) mine = own_digest (relay, m.auth.auth_type);

          if (mine != NULL)
            g_byte_array_append (out, g_bytes_get_data (mine, NULL), (guint) g_bytes_get_size (mine));
        }
      else
        g_byte_array_append (out, relay->c2d->data, (guint) consumed);
      ob_redir_message_clear (&m);
      g_byte_array_remove_range (relay->c2d, 0, (guint) consumed);
    }

  if (relay->passthrough && relay->c2d->len > 0)
    {
      g_byte_array_append (out, relay->c2d->data, relay->c2d->len);
      g_byte_array_set_size (relay->c2d, 0);
    }
  return out;
}

/* Device -> client: records the challenge, sees the success. */
static void
intercept_to_client (Relay        *relay,
                     const guint8 *data,
                     gsize         len)
{
  if (relay->passthrough)
    return;

  g_byte_array_append (relay->d2c, data, (guint) len);
  while (!relay->passthrough && relay->d2c->len > 0)
    {
      ObRedirMessage m = { 0 };
      gsize consumed = 0;
      ObRedirParseStatus status;

      status = ob_redir_message_parse (relay->d2c->data, relay->d2c->len, OB_REDIR_TO_CONSOLE,
                                       OB_REDIR_SESSION_NONE, &m, &consumed, NULL);
      if (status == OB_REDIR_PARSE_NEED_MORE)
        break;
      if (status == OB_REDIR_PARSE_ERROR)
        {
          relay->passthrough = TRUE;
          break;
        }

      if (m.type == OB_REDIR_MSG_AUTHENTICATE_REPLY)
        {
          if (m.auth.status == OB_REDIR_AUTH_STATUS_FAILURE && m.auth.realm != NULL && m.auth.nonce != NULL)
            {
              g_free (relay->realm);
              relay->realm = g_strdup (m.auth.realm);
              ob_secure_free_string (relay->nonce);
              relay->nonce = g_strdup (m.auth.nonce);
              g_free (relay->qop);
              relay->qop = g_strdup (m.auth.qop);
            }
          else if (m.auth.status == OB_REDIR_AUTH_STATUS_SUCCESS && m.auth.auth_type != OB_REDIR_AUTH_QUERY)
            relay->passthrough = TRUE;
        }
      ob_redir_message_clear (&m);
      g_byte_array_remove_range (relay->d2c, 0, (guint) consumed);
    }

  if (relay->passthrough)
    g_byte_array_set_size (relay->d2c, 0);
}

/* ------------------------------------------------------------------------
 * Device -> client
 * ------------------------------------------------------------------------ */

static void
on_dev_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Relay) relay = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;
  gsize len;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  relay->dev_reading = FALSE;
  maybe_close_dev (relay);
  if (relay->closing)
    return;
  if (bytes == NULL)
    {
      relay_finish (relay, WS_CLOSE_GOING_AWAY, error->message);
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      relay_finish (relay, WS_CLOSE_NORMAL, "the device closed the stream");
      return;
    }

  if (relay->intercept)
    intercept_to_client (relay, data, len);
  /* The next read waits until this frame is written. */
  ws_queue (relay, WS_BINARY, data, len, TRUE);
}

static void
dev_read (Relay *relay)
{
  relay->dev_reading = TRUE;
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (relay->dev), RELAY_CHUNK,
                                   G_PRIORITY_DEFAULT, relay->cancellable, on_dev_read,
                                   relay_ref (relay));
}

/* ------------------------------------------------------------------------
 * Client -> device
 * ------------------------------------------------------------------------ */

static void
on_dev_written (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Relay) relay = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);

  g_clear_pointer (&relay->dev_pending, g_bytes_unref);
  relay->dev_writing = FALSE;
  maybe_close_dev (relay);
  if (!ok)
    {
      if (!relay->closing)
        relay_finish (relay, WS_CLOSE_GOING_AWAY, error->message);
      return;
    }
  if (!relay->closing)
    ws_read (relay);
}

typedef enum
{
  PARSE_MORE,
  PARSE_FAILED,
  PARSE_CLOSED,
} ParseResult;

/* Appends a text payload's Latin-1 code points as bytes (the reference
 * sends its binary strings that way). */
static gboolean
append_latin1 (Relay        *relay,
               GByteArray   *out,
               const guint8 *data,
               gsize         len)
{
  for (gsize i = 0; i < len; i++)
    {
      guint8 c = data[i];

      if (relay->utf8_lead != 0)
        {
          guint8 b;

          if ((c & 0xC0) != 0x80)
            return FALSE;
          b = (guint8) (((relay->utf8_lead & 0x03) << 6) | (c & 0x3F));
          g_byte_array_append (out, &b, 1);
          relay->utf8_lead = 0;
        }
      else if (c < 0x80)
        g_byte_array_append (out, &c, 1);
      else if (c == 0xC2 || c == 0xC3)
        relay->utf8_lead = c;
      else
        return FALSE;
    }
  return TRUE;
}

/* Takes frames out of ws_in; data goes to @out. */
static ParseResult
parse_frames (Relay      *relay,
              GByteArray *out)
{
  GByteArray *in = relay->ws_in;

  for (;;)
    {
      if (relay->frame_left > 0)
        {
          gsize n = (gsize) MIN (relay->frame_left, (guint64) in->len);

          if (n == 0)
            return PARSE_MORE;
          for (gsize i = 0; i < n; i++)
            in->data[i] ^= relay->mask[relay->mask_pos++ & 3];
          if (relay->frame_opcode == WS_TEXT)
            {
              if (!append_latin1 (relay, out, in->data, n))
                {
                  relay_finish (relay, WS_CLOSE_BAD_DATA, "a text frame that is not Latin-1");
                  return PARSE_FAILED;
                }
            }
          else
            g_byte_array_append (out, in->data, (guint) n);
          g_byte_array_remove_range (in, 0, (guint) n);
          relay->frame_left -= n;
          continue;
        }
      else
        {
          guint8 b0, b1, opcode;
          guint64 len;
          gsize header = 2;

          if (in->len < 2)
            return PARSE_MORE;
          b0 = in->data[0];
          b1 = in->data[1];
          opcode = b0 & 0x0F;
          len = b1 & 0x7F;
          if (len == 126)
            header += 2;
          else if (len == 127)
            header += 8;
          header += 4;
          if ((b1 & 0x80) == 0 || (b0 & 0x70) != 0)
            {
              relay_finish (relay, WS_CLOSE_PROTOCOL_ERROR, "an unmasked or extended frame");
              return PARSE_FAILED;
            }
          if (in->len < header)
            return PARSE_MORE;
          if (len == 126)
            len = ((guint64) in->data[2] << 8) | in->data[3];
          else if (len == 127)
            {
              len = 0;
              for (guint i = 0; i < 8; i++)
                len = (len << 8) | in->data[2 + i];
              if (len >> 63)
                {
                  relay_finish (relay, WS_CLOSE_PROTOCOL_ERROR, "a frame length out of range");
                  return PARSE_FAILED;
                }
            }
          memcpy (relay->mask, in->data + header - 4, 4);

          if (opcode >= 0x8)
            {
              guint8 payload[125];

              if (len > 125 || (b0 & 0x80) == 0)
                {
                  relay_finish (relay, WS_CLOSE_PROTOCOL_ERROR, "a bad control frame");
                  return PARSE_FAILED;
                }
              if (in->len < header + len)
                return PARSE_MORE;
              for (gsize i = 0; i < len; i++)
                payload[i] = in->data[header + i] ^ relay->mask[i & 3];
              g_byte_array_remove_range (in, 0, (guint) (header + len));

              switch (opcode)
                {
                case WS_CLOSE:
                  /* Answer with its code, then close. */
                  if (!relay->closing)
                    {
                      stop_device (relay);
                      relay->close_timeout_id = g_timeout_add_seconds (RELAY_CLOSE_TIMEOUT_S,
                                                                       on_close_timeout, relay);
                      ws_queue (relay, WS_CLOSE, payload, MIN (len, 2), FALSE);
                    }
                  return PARSE_CLOSED;

                case WS_PING:
                  ws_queue (relay, WS_PONG, payload, (gsize) len, FALSE);
                  break;

                case WS_PONG:
                  break;

                default:
                  relay_finish (relay, WS_CLOSE_PROTOCOL_ERROR, "an unknown control frame");
                  return PARSE_FAILED;
                }
              continue;
            }

          if (opcode == WS_TEXT || opcode == WS_BINARY)
            {
              relay->frame_opcode = opcode;
              relay->utf8_lead = 0;
            }
          else if (opcode != WS_CONTINUATION || relay->frame_opcode == 0)
            {
              relay_finish (relay, WS_CLOSE_PROTOCOL_ERROR, "an unexpected data frame");
              return PARSE_FAILED;
            }
          g_byte_array_remove_range (in, 0, (guint) header);
          relay->frame_left = len;
          relay->mask_pos = 0;
          /* A message's end resets the continuation state once its payload
           * is through (empty final frames included). */
          if ((b0 & 0x80) != 0 && len == 0)
            relay->frame_opcode = 0;
        }
    }
}

static void
on_ws_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Relay) relay = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GByteArray) to_device = NULL;
  gsize len;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  relay->ws_reading = FALSE;
  maybe_close_ws (relay);
  if (relay->closing)
    return;
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      relay_finish (relay, 0, bytes == NULL ? error->message : "the client went away");
      return;
    }

  g_byte_array_append (relay->ws_in, g_bytes_get_data (bytes, NULL), (guint) g_bytes_get_size (bytes));
  if (parse_frames (relay, data) != PARSE_MORE)
    return;

  if (data->len == 0)
    {
      ws_read (relay);
      return;
    }

  to_device = relay->intercept ? intercept_to_device (relay, data->data, data->len)
                               : g_byte_array_ref (data);
  len = to_device->len;
  if (len == 0)
    {
      ws_read (relay);
      return;
    }

  /* The next read waits until the device took this. */
  relay->dev_pending = g_byte_array_free_to_bytes (g_steal_pointer (&to_device));
  relay->dev_writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (relay->dev),
                                   g_bytes_get_data (relay->dev_pending, NULL), len,
                                   G_PRIORITY_DEFAULT, relay->cancellable, on_dev_written,
                                   relay_ref (relay));
}

static void
ws_read (Relay *relay)
{
  relay->ws_reading = TRUE;
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (relay->ws), RELAY_CHUNK,
                                   G_PRIORITY_DEFAULT, relay->cancellable, on_ws_read,
                                   relay_ref (relay));
}

/* ------------------------------------------------------------------------
 * The upgrade
 * ------------------------------------------------------------------------ */

static void
on_wrote_informational (SoupServerMessage *msg,
                        gpointer           user_data)
{
  g_autoptr(Relay) relay = relay_ref (user_data);

  g_clear_signal_handler (&relay->finished_id, relay->msg);
  g_signal_handlers_disconnect_by_func (msg, on_wrote_informational, relay);
  relay->ws = soup_server_message_steal_connection (msg);
  g_clear_object (&relay->msg);

  if (relay->ws == NULL || relay->closing)
    {
      relay_finish (relay, 0, "the upgrade failed");
      return;
    }

  g_info ("Relay to %s open", ob_device_get_guid (relay->device));
  relay->live = g_object_get_data (G_OBJECT (relay->server), RELAY_LIVE_KEY);
  if (relay->live == NULL)
    {
      relay->live = g_hash_table_new (NULL, NULL);
      g_object_set_data_full (G_OBJECT (relay->server), RELAY_LIVE_KEY, relay->live,
                              (GDestroyNotify) g_hash_table_unref);
    }
  g_hash_table_ref (relay->live);
  g_hash_table_add (relay->live, relay);
  ws_read (relay);
  dev_read (relay);
}

static void
relay_closure_notify (gpointer  data,
                      GClosure *closure)
{
  relay_unref (data);
}

static void
on_msg_finished (SoupServerMessage *msg,
                 gpointer           user_data)
{
  Relay *relay = user_data;

  /* The client left before the upgrade. */
  g_cancellable_cancel (relay->cancellable);
}

static void
on_stream_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Relay) relay = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  char *protocols[2] = { relay->token, NULL };

  stream = ob_stream_source_open_stream_finish (OB_STREAM_SOURCE (source), result, &error);
  if (relay->msg == NULL || g_cancellable_is_cancelled (relay->cancellable))
    {
      if (stream != NULL)
        g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, on_stream_closed, NULL);
      relay->closing = TRUE;
      return;
    }

  if (stream == NULL)
    {
      g_autofree char *text = g_strdup_printf ("The device's redirection service cannot be reached: %s",
                                               error->message);

      relay->closing = TRUE;
      if (g_error_matches (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED))
        refuse (relay->msg, SOUP_STATUS_NOT_FOUND, text);
      else
        refuse (relay->msg, SOUP_STATUS_BAD_GATEWAY, text);
      soup_server_message_unpause (relay->msg);
      return;
    }

  relay->dev = g_steal_pointer (&stream);
  if (!soup_websocket_server_process_handshake (relay->msg, NULL, protocols, NULL, NULL))
    {
      relay->closing = TRUE;
      soup_server_message_unpause (relay->msg);
      return;
    }

  g_signal_connect_data (relay->msg, "wrote-informational", G_CALLBACK (on_wrote_informational),
                         relay_ref (relay), relay_closure_notify, 0);
  soup_server_message_unpause (relay->msg);
}

/* The server stops: every running relay ends (going away). */
void
_ob_api_relay_stop_all (ObApiServer *server)
{
  GHashTable *live = g_object_get_data (G_OBJECT (server), RELAY_LIVE_KEY);
  g_autoptr(GPtrArray) relays = NULL;
  GHashTableIter iter;
  gpointer key;

  if (live == NULL)
    return;
  relays = g_ptr_array_new_with_free_func ((GDestroyNotify) relay_unref);
  g_hash_table_iter_init (&iter, live);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (relays, relay_ref (key));
  for (guint i = 0; i < relays->len; i++)
    relay_finish (g_ptr_array_index (relays, i), WS_CLOSE_GOING_AWAY, "the server stops");
}

void
_ob_api_relay_handle (ObApiServer       *server,
                      SoupServerMessage *msg,
                      GHashTable        *query)
{
  g_autoptr(Relay) relay = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *token = NULL;
  GHashTable *busy;
  const char *host, *port, *p, *mode, *device_id;
  ObDevice *device;

  if (strcmp (soup_server_message_get_method (msg), "GET") != 0
      || !soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error))
    {
      refuse (msg, SOUP_STATUS_BAD_REQUEST, "Expected a WebSocket upgrade");
      return;
    }

  host = query != NULL ? g_hash_table_lookup (query, "host") : NULL;
  port = query != NULL ? g_hash_table_lookup (query, "port") : NULL;
  p = query != NULL ? g_hash_table_lookup (query, "p") : NULL;
  mode = query != NULL ? g_hash_table_lookup (query, "mode") : NULL;

  token = offered_protocol (msg);
  if (token == NULL)
    {
      refuse (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized");
      return;
    }
  claims = _ob_api_server_verify_token (server, token, &error);
  if (claims == NULL)
    {
      g_debug ("Relay: refused a token: %s", error->message);
      refuse (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized");
      return;
    }
  device_id = ob_api_json_get_string (claims, "deviceId");
  if (host == NULL || device_id == NULL || g_ascii_strcasecmp (device_id, host) != 0)
    {
      refuse (msg, SOUP_STATUS_UNAUTHORIZED, "Unauthorized");
      return;
    }

  if (port != NULL && strcmp (port, G_STRINGIFY (RELAY_REDIRECTION_PORT)) != 0
      && strcmp (port, G_STRINGIFY (RELAY_TLS_PORT)) != 0)
    {
      refuse (msg, SOUP_STATUS_BAD_REQUEST, "Only the redirection ports 16994 and 16995 are relayed");
      return;
    }

  device = ob_device_registry_lookup (_ob_api_server_get_registry (server), host);
  if (device == NULL || ob_device_get_transport_source (device) == NULL)
    {
      g_autofree char *text = g_strdup_printf ("Device not found/connected: %s", host);

      refuse (msg, SOUP_STATUS_NOT_FOUND, text);
      return;
    }

  busy = g_object_get_data (G_OBJECT (server), RELAY_BUSY_KEY);
  if (busy == NULL)
    {
      busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_object_set_data_full (G_OBJECT (server), RELAY_BUSY_KEY, busy,
                              (GDestroyNotify) g_hash_table_unref);
    }

  relay = g_new0 (Relay, 1);
  g_ref_count_init (&relay->ref_count);
  relay->server = g_object_ref (server);
  relay->busy = g_hash_table_ref (busy);
  relay->device = g_object_ref (device);
  relay->token = g_steal_pointer (&token);
  relay->cancellable = g_cancellable_new ();
  relay->write_cancellable = g_cancellable_new ();
  relay->ws_in = g_byte_array_new ();
  relay->c2d = g_byte_array_new ();
  relay->d2c = g_byte_array_new ();
  g_queue_init (&relay->ws_out);
  relay->intercept = g_strcmp0 (p, "2") == 0 && ob_device_get_password (device) != NULL;

  /* One session per device and mode; without a mode only KVM is checked
   * (and not taken), as the reference does. */
  {
    g_autofree char *guid = g_ascii_strdown (ob_device_get_guid (device), -1);
    gboolean known = g_strcmp0 (mode, "kvm") == 0 || g_strcmp0 (mode, "sol") == 0
                     || g_strcmp0 (mode, "ider") == 0;
    g_autofree char *key = g_strdup_printf ("%s/%s", guid, known ? mode : "kvm");

    if (g_hash_table_contains (busy, key))
      {
        g_autofree char *text = g_strdup_printf ("A %s session with this device is already open",
                                                 known ? mode : "kvm");

        relay->closing = TRUE;
        refuse (msg, SOUP_STATUS_CONFLICT, text);
        return;
      }
    if (known)
      {
        g_hash_table_add (busy, g_strdup (key));
        relay->busy_key = g_steal_pointer (&key);
      }
  }

  relay->msg = g_object_ref (msg);
  relay->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_msg_finished), relay);
  soup_server_message_pause (msg);
  /* ObDevice picks the transport: TLS to 16995 on the LAN when the record
   * says so, an APF channel over CIRA. */
  ob_stream_source_open_stream_async (OB_STREAM_SOURCE (device), RELAY_REDIRECTION_PORT,
                                      relay->cancellable, on_stream_opened, relay_ref (relay));
}
