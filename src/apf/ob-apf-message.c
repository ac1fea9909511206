/* ob-apf-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-apf-message.h"
#include "ob-util.h"

/* ---- reading ---------------------------------------------------------- */

/* A cursor over the input.  Every read either succeeds, runs out of input
 * (NEED_MORE) or finds a protocol error; nothing is copied until the whole
 * message is known to be there and valid. */
typedef struct
{
  const guint8      *data;
  gsize              len;
  gsize              pos;
  ObApfDecodeStatus  status;   /* OK while nothing went wrong */
  const char        *what;     /* the field that was bad, for the error */
  guint32            bad_length;
} Reader;

typedef struct
{
  const guint8 *data;
  gsize         len;
} View;

static gboolean
reader_ok (Reader *r)
{
  return r->status == OB_APF_DECODE_OK;
}

static guint8
read_u8 (Reader *r)
{
  if (!reader_ok (r))
    return 0;
  if (r->len - r->pos < 1)
    {
      r->status = OB_APF_DECODE_NEED_MORE;
      return 0;
    }
  return r->data[r->pos++];
}

static guint32
read_u32 (Reader *r)
{
  const guint8 *p;

  if (!reader_ok (r))
    return 0;
  if (r->len - r->pos < 4)
    {
      r->status = OB_APF_DECODE_NEED_MORE;
      return 0;
    }
  p = r->data + r->pos;
  r->pos += 4;
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | (guint32) p[3];
}

static View
read_bytes (Reader *r,
            gsize   n)
{
  View v = { NULL, 0 };

  if (!reader_ok (r))
    return v;
  if (r->len - r->pos < n)
    {
      r->status = OB_APF_DECODE_NEED_MORE;
      return v;
    }
  v.data = r->data + r->pos;
  v.len = n;
  r->pos += n;
  return v;
}

/* A string: the length is checked against the limit before the bytes are
 * needed, so an oversized length is an error even when truncated. */
static View
read_string_raw (Reader     *r,
                 const char *what)
{
  View v = { NULL, 0 };
  guint32 n = read_u32 (r);

  if (!reader_ok (r))
    return v;
  if (n > OB_APF_MAX_STRING_LENGTH)
    {
      r->status = OB_APF_DECODE_ERROR;
      r->what = what;
      r->bad_length = n;
      return v;
    }
  return read_bytes (r, n);
}

/* Text fields must be UTF-8 without NUL: they end up in logs, signals and
 * comparisons with C strings. */
static gboolean
view_is_text (View v)
{
  if (v.len == 0)
    return TRUE;
  if (memchr (v.data, '\0', v.len) != NULL)
    return FALSE;
  return g_utf8_validate ((const char *) v.data, (gssize) v.len, NULL);
}

static View
read_string (Reader     *r,
             const char *what)
{
  View v = read_string_raw (r, what);

  if (reader_ok (r) && !view_is_text (v))
    {
      r->status = OB_APF_DECODE_ERROR;
      r->what = what;
      r->bad_length = 0;
    }
  return v;
}

static gboolean
view_equals (View        v,
             const char *s)
{
  gsize n = strlen (s);

  return v.len == n && memcmp (v.data, s, n) == 0;
}

static char *
view_dup (View v)
{
  return g_strndup ((const char *) (v.data != NULL ? v.data : (const guint8 *) ""), v.len);
}

/* ---- decoding ----------------------------------------------------------- */

static ObApfDecodeStatus
reader_finish (Reader  *r,
               GError **error)
{
  switch (r->status)
    {
    case OB_APF_DECODE_NEED_MORE:
    case OB_APF_DECODE_OK:
      break;
    case OB_APF_DECODE_ERROR:
    default:
      if (r->bad_length > 0)
        g_set_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL,
                     "APF %s: length %u is over the limit",
                     r->what != NULL ? r->what : "field", r->bad_length);
      else
        g_set_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL,
                     "APF %s is not valid text",
                     r->what != NULL ? r->what : "field");
      break;
    }
  return r->status;
}

ObApfDecodeStatus
ob_apf_message_decode (const guint8  *data,
                       gsize          len,
                       ObApfMessage  *out,
                       gsize         *consumed,
                       GError       **error)
{
  return ob_apf_message_decode_full (data, len, OB_APF_DECODE_FLAGS_NONE, out, consumed, error);
}

ObApfDecodeStatus
ob_apf_message_decode_full (const guint8      *data,
                            gsize              len,
                            ObApfDecodeFlags   flags,
                            ObApfMessage      *out,
                            gsize             *consumed,
                            GError           **error)
{
  Reader r = { data, len, 0, OB_APF_DECODE_OK, NULL, 0 };
  ObApfMessage m;
  guint8 type;
  ObApfDecodeStatus status;

  g_return_val_if_fail (data != NULL || len == 0, OB_APF_DECODE_ERROR);
  g_return_val_if_fail (out != NULL, OB_APF_DECODE_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, OB_APF_DECODE_ERROR);

  memset (&m, 0, sizeof m);
  if (consumed != NULL)
    *consumed = 0;

  type = read_u8 (&r);
  if (!reader_ok (&r))
    return OB_APF_DECODE_NEED_MORE;

  m.type = type;

  switch (type)
    {
    case OB_APF_DISCONNECT:
      m.disconnect.reason = read_u32 (&r);
      read_bytes (&r, 2);
      break;

    case OB_APF_SERVICE_REQUEST:
    case OB_APF_SERVICE_ACCEPT:
      {
        View name = read_string (&r, "service name");

        if (reader_ok (&r))
          m.service.name = view_dup (name);
      }
      break;

    case OB_APF_PROTOCOL_VERSION:
      {
        View uuid;

        m.protocol_version.major = read_u32 (&r);
        m.protocol_version.minor = read_u32 (&r);
        m.protocol_version.trigger_reason = read_u32 (&r);
        uuid = read_bytes (&r, 16);
        read_bytes (&r, 64);
        if (reader_ok (&r))
          {
            guint8 bytes[16];
            g_autofree char *guid = NULL;

            memcpy (bytes, uuid.data, 16);
            ob_uuid_swap_smbios_order (bytes);
            guid = ob_uuid_to_string (bytes);
            g_strlcpy (m.protocol_version.guid, guid, sizeof m.protocol_version.guid);
          }
      }
      break;

    case OB_APF_USERAUTH_REQUEST:
      {
        View username = read_string (&r, "user name");
        View service = read_string (&r, "service name");
        View method = read_string (&r, "method name");
        View password = { NULL, 0 };
        gboolean has_password = reader_ok (&r) && view_equals (method, OB_APF_METHOD_PASSWORD);

        if (has_password)
          {
            /* The SSH "change password" flag; AMT always sends 0. */
            read_u8 (&r);
            password = read_string (&r, "password");
          }
        if (reader_ok (&r))
          {
            m.userauth_request.username = view_dup (username);
            m.userauth_request.service = view_dup (service);
            m.userauth_request.method = view_dup (method);
            if (has_password)
              m.userauth_request.password = view_dup (password);
          }
      }
      break;

    case OB_APF_USERAUTH_FAILURE:
      {
        View methods = read_string (&r, "method list");

        /* Two bytes follow (the MPS and MeshCentral write a 16-bit 0). */
        read_bytes (&r, 2);
        if (reader_ok (&r))
          m.userauth_failure.methods = view_dup (methods);
      }
      break;

    case OB_APF_USERAUTH_SUCCESS:
    case OB_APF_REQUEST_FAILURE:
      break;

    case OB_APF_GLOBAL_REQUEST:
      {
        View name = read_string (&r, "request name");
        View address = { NULL, 0 }, originator = { NULL, 0 }, payload = { NULL, 0 };
        ObApfGlobalRequestKind kind = OB_APF_GLOBAL_REQUEST_OTHER;
        gboolean want_reply;

        want_reply = read_u8 (&r) != 0;
        if (!reader_ok (&r))
          break;

        if (view_equals (name, OB_APF_REQUEST_TCPIP_FORWARD))
          kind = OB_APF_GLOBAL_REQUEST_TCPIP_FORWARD;
        else if (view_equals (name, OB_APF_REQUEST_CANCEL_TCPIP_FORWARD))
          kind = OB_APF_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD;
        else if (view_equals (name, OB_APF_REQUEST_UDP_SEND_TO))
          kind = OB_APF_GLOBAL_REQUEST_UDP_SEND_TO;

        switch (kind)
          {
          case OB_APF_GLOBAL_REQUEST_TCPIP_FORWARD:
          case OB_APF_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD:
            address = read_string (&r, "bind address");
            m.global_request.port = read_u32 (&r);
            break;
          case OB_APF_GLOBAL_REQUEST_UDP_SEND_TO:
            address = read_string (&r, "address");
            m.global_request.port = read_u32 (&r);
            originator = read_string (&r, "originator address");
            m.global_request.originator_port = read_u32 (&r);
            payload = read_string_raw (&r, "udp data");
            break;
          case OB_APF_GLOBAL_REQUEST_OTHER:
          default:
            break;
          }

        if (reader_ok (&r))
          {
            m.global_request.kind = kind;
            m.global_request.name = view_dup (name);
            m.global_request.want_reply = want_reply;
            if (kind != OB_APF_GLOBAL_REQUEST_OTHER)
              m.global_request.address = view_dup (address);
            if (kind == OB_APF_GLOBAL_REQUEST_UDP_SEND_TO)
              {
                m.global_request.originator_address = view_dup (originator);
                m.global_request.data = g_bytes_new (payload.data, payload.len);
              }
          }
      }
      break;

    case OB_APF_REQUEST_SUCCESS:
      if ((flags & OB_APF_DECODE_FLAGS_BARE_REQUEST_SUCCESS) == 0)
        {
          m.request_success.has_port = TRUE;
          m.request_success.port = read_u32 (&r);
        }
      break;

    case OB_APF_CHANNEL_OPEN:
      {
        View channel_type = read_string (&r, "channel type");
        View connected, originator;

        m.channel_open.sender_channel = read_u32 (&r);
        m.channel_open.initial_window = read_u32 (&r);
        m.channel_open.max_packet = read_u32 (&r);
        connected = read_string (&r, "connected address");
        m.channel_open.connected_port = read_u32 (&r);
        originator = read_string (&r, "originator address");
        m.channel_open.originator_port = read_u32 (&r);
        if (reader_ok (&r))
          {
            m.channel_open.channel_type = view_dup (channel_type);
            m.channel_open.connected_address = view_dup (connected);
            m.channel_open.originator_address = view_dup (originator);
          }
      }
      break;

    case OB_APF_CHANNEL_OPEN_CONFIRMATION:
      m.open_confirmation.recipient_channel = read_u32 (&r);
      m.open_confirmation.sender_channel = read_u32 (&r);
      m.open_confirmation.initial_window = read_u32 (&r);
      m.open_confirmation.max_packet = read_u32 (&r);
      break;

    case OB_APF_CHANNEL_OPEN_FAILURE:
      {
        View description, language;

        m.open_failure.recipient_channel = read_u32 (&r);
        m.open_failure.reason = read_u32 (&r);
        description = read_string (&r, "failure description");
        language = read_string (&r, "language tag");
        if (reader_ok (&r))
          {
            m.open_failure.description = view_dup (description);
            m.open_failure.language = view_dup (language);
          }
      }
      break;

    case OB_APF_CHANNEL_WINDOW_ADJUST:
      m.window_adjust.recipient_channel = read_u32 (&r);
      m.window_adjust.bytes_to_add = read_u32 (&r);
      break;

    case OB_APF_CHANNEL_DATA:
      {
        guint32 n;
        View payload;

        m.channel_data.recipient_channel = read_u32 (&r);
        n = read_u32 (&r);
        if (reader_ok (&r) && n > OB_APF_MAX_DATA_LENGTH)
          {
            r.status = OB_APF_DECODE_ERROR;
            r.what = "channel data";
            r.bad_length = n;
            break;
          }
        payload = read_bytes (&r, n);
        if (reader_ok (&r))
          {
            m.channel_data.data = payload.data;
            m.channel_data.length = payload.len;
          }
      }
      break;

    case OB_APF_CHANNEL_CLOSE:
      m.channel_close.recipient_channel = read_u32 (&r);
      break;

    case OB_APF_KEEPALIVE_REQUEST:
    case OB_APF_KEEPALIVE_REPLY:
      m.keepalive.cookie = read_u32 (&r);
      break;

    case OB_APF_KEEPALIVE_OPTIONS_REQUEST:
    case OB_APF_KEEPALIVE_OPTIONS_REPLY:
      m.keepalive_options.interval = read_u32 (&r);
      m.keepalive_options.timeout = read_u32 (&r);
      break;

    default:
      g_set_error (error, OB_APF_ERROR, OB_APF_ERROR_PROTOCOL,
                   "Unknown APF message type %u", (guint) type);
      return OB_APF_DECODE_ERROR;
    }

  status = reader_finish (&r, error);
  if (status != OB_APF_DECODE_OK)
    {
      /* Only complete messages allocate, but be safe if one field of a
       * half-read message did. */
      ob_apf_message_clear (&m);
      return status;
    }

  *out = m;
  if (consumed != NULL)
    *consumed = r.pos;
  return OB_APF_DECODE_OK;
}

/* ---- clearing and comparing ----------------------------------------------- */

void
ob_apf_message_clear (ObApfMessage *message)
{
  g_return_if_fail (message != NULL);

  switch ((guint) message->type)
    {
    case OB_APF_SERVICE_REQUEST:
    case OB_APF_SERVICE_ACCEPT:
      g_free (message->service.name);
      break;
    case OB_APF_USERAUTH_REQUEST:
      g_free (message->userauth_request.username);
      g_free (message->userauth_request.service);
      g_free (message->userauth_request.method);
      ob_secure_free_string (message->userauth_request.password);
      break;
    case OB_APF_USERAUTH_FAILURE:
      g_free (message->userauth_failure.methods);
      break;
    case OB_APF_GLOBAL_REQUEST:
      g_free (message->global_request.name);
      g_free (message->global_request.address);
      g_free (message->global_request.originator_address);
      g_clear_pointer (&message->global_request.data, g_bytes_unref);
      break;
    case OB_APF_CHANNEL_OPEN:
      g_free (message->channel_open.channel_type);
      g_free (message->channel_open.connected_address);
      g_free (message->channel_open.originator_address);
      break;
    case OB_APF_CHANNEL_OPEN_FAILURE:
      g_free (message->open_failure.description);
      g_free (message->open_failure.language);
      break;
    default:
      break;
    }

  memset (message, 0, sizeof *message);
}

static gboolean
str_equal0 (const char *a,
            const char *b)
{
  return g_strcmp0 (a != NULL ? a : "", b != NULL ? b : "") == 0;
}

gboolean
ob_apf_message_equal (const ObApfMessage *a,
                      const ObApfMessage *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->type != b->type)
    return FALSE;

  switch ((guint) a->type)
    {
    case OB_APF_DISCONNECT:
      return a->disconnect.reason == b->disconnect.reason;
    case OB_APF_SERVICE_REQUEST:
    case OB_APF_SERVICE_ACCEPT:
      return str_equal0 (a->service.name, b->service.name);
    case OB_APF_PROTOCOL_VERSION:
      return a->protocol_version.major == b->protocol_version.major
             && a->protocol_version.minor == b->protocol_version.minor
             && a->protocol_version.trigger_reason == b->protocol_version.trigger_reason
             && g_ascii_strcasecmp (a->protocol_version.guid, b->protocol_version.guid) == 0;
    case OB_APF_USERAUTH_REQUEST:
      return str_equal0 (a->userauth_request.username, b->userauth_request.username)
             && str_equal0 (a->userauth_request.service, b->userauth_request.service)
             && str_equal0 (a->userauth_request.method, b->userauth_request.method)
             && g_strcmp0 (a->userauth_request.password, b->userauth_request.password) == 0;
    case OB_APF_USERAUTH_FAILURE:
      return str_equal0 (a->userauth_failure.methods, b->userauth_failure.methods);
    case OB_APF_USERAUTH_SUCCESS:
    case OB_APF_REQUEST_FAILURE:
      return TRUE;
    case OB_APF_GLOBAL_REQUEST:
      if (a->global_request.kind != b->global_request.kind
          || !str_equal0 (a->global_request.name, b->global_request.name)
          || !a->global_request.want_reply != !b->global_request.want_reply)
        return FALSE;
      if (a->global_request.kind == OB_APF_GLOBAL_REQUEST_OTHER)
        return TRUE;
      if (!str_equal0 (a->global_request.address, b->global_request.address)
          || a->global_request.port != b->global_request.port)
        return FALSE;
      if (a->global_request.kind != OB_APF_GLOBAL_REQUEST_UDP_SEND_TO)
        return TRUE;
      {
        g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);

        return str_equal0 (a->global_request.originator_address, b->global_request.originator_address)
               && a->global_request.originator_port == b->global_request.originator_port
               && g_bytes_equal (a->global_request.data != NULL ? a->global_request.data : empty,
                                 b->global_request.data != NULL ? b->global_request.data : empty);
      }
    case OB_APF_REQUEST_SUCCESS:
      return !a->request_success.has_port == !b->request_success.has_port
             && (!a->request_success.has_port || a->request_success.port == b->request_success.port);
    case OB_APF_CHANNEL_OPEN:
      return str_equal0 (a->channel_open.channel_type, b->channel_open.channel_type)
             && a->channel_open.sender_channel == b->channel_open.sender_channel
             && a->channel_open.initial_window == b->channel_open.initial_window
             && a->channel_open.max_packet == b->channel_open.max_packet
             && str_equal0 (a->channel_open.connected_address, b->channel_open.connected_address)
             && a->channel_open.connected_port == b->channel_open.connected_port
             && str_equal0 (a->channel_open.originator_address, b->channel_open.originator_address)
             && a->channel_open.originator_port == b->channel_open.originator_port;
    case OB_APF_CHANNEL_OPEN_CONFIRMATION:
      return a->open_confirmation.recipient_channel == b->open_confirmation.recipient_channel
             && a->open_confirmation.sender_channel == b->open_confirmation.sender_channel
             && a->open_confirmation.initial_window == b->open_confirmation.initial_window
             && a->open_confirmation.max_packet == b->open_confirmation.max_packet;
    case OB_APF_CHANNEL_OPEN_FAILURE:
      return a->open_failure.recipient_channel == b->open_failure.recipient_channel
             && a->open_failure.reason == b->open_failure.reason
             && str_equal0 (a->open_failure.description, b->open_failure.description)
             && str_equal0 (a->open_failure.language, b->open_failure.language);
    case OB_APF_CHANNEL_WINDOW_ADJUST:
      return a->window_adjust.recipient_channel == b->window_adjust.recipient_channel
             && a->window_adjust.bytes_to_add == b->window_adjust.bytes_to_add;
    case OB_APF_CHANNEL_DATA:
      return a->channel_data.recipient_channel == b->channel_data.recipient_channel
             && a->channel_data.length == b->channel_data.length
             && (a->channel_data.length == 0
                 || memcmp (a->channel_data.data, b->channel_data.data, a->channel_data.length) == 0);
    case OB_APF_CHANNEL_CLOSE:
      return a->channel_close.recipient_channel == b->channel_close.recipient_channel;
    case OB_APF_KEEPALIVE_REQUEST:
    case OB_APF_KEEPALIVE_REPLY:
      return a->keepalive.cookie == b->keepalive.cookie;
    case OB_APF_KEEPALIVE_OPTIONS_REQUEST:
    case OB_APF_KEEPALIVE_OPTIONS_REPLY:
      return a->keepalive_options.interval == b->keepalive_options.interval
             && a->keepalive_options.timeout == b->keepalive_options.timeout;
    default:
      return FALSE;
    }
}

/* ---- names --------------------------------------------------------------- */

const char *
ob_apf_message_type_to_string (guint type)
{
  switch (type)
    {
    case OB_APF_DISCONNECT: return "DISCONNECT";
    case OB_APF_SERVICE_REQUEST: return "SERVICE_REQUEST";
    case OB_APF_SERVICE_ACCEPT: return "SERVICE_ACCEPT";
    case OB_APF_USERAUTH_REQUEST: return "USERAUTH_REQUEST";
    case OB_APF_USERAUTH_FAILURE: return "USERAUTH_FAILURE";
    case OB_APF_USERAUTH_SUCCESS: return "USERAUTH_SUCCESS";
    case OB_APF_GLOBAL_REQUEST: return "GLOBAL_REQUEST";
    case OB_APF_REQUEST_SUCCESS: return "REQUEST_SUCCESS";
    case OB_APF_REQUEST_FAILURE: return "REQUEST_FAILURE";
    case OB_APF_CHANNEL_OPEN: return "CHANNEL_OPEN";
    case OB_APF_CHANNEL_OPEN_CONFIRMATION: return "CHANNEL_OPEN_CONFIRMATION";
    case OB_APF_CHANNEL_OPEN_FAILURE: return "CHANNEL_OPEN_FAILURE";
    case OB_APF_CHANNEL_WINDOW_ADJUST: return "CHANNEL_WINDOW_ADJUST";
    case OB_APF_CHANNEL_DATA: return "CHANNEL_DATA";
    case OB_APF_CHANNEL_CLOSE: return "CHANNEL_CLOSE";
    case OB_APF_PROTOCOL_VERSION: return "PROTOCOLVERSION";
    case OB_APF_KEEPALIVE_REQUEST: return "KEEPALIVE_REQUEST";
    case OB_APF_KEEPALIVE_REPLY: return "KEEPALIVE_REPLY";
    case OB_APF_KEEPALIVE_OPTIONS_REQUEST: return "KEEPALIVE_OPTIONS_REQUEST";
    case OB_APF_KEEPALIVE_OPTIONS_REPLY: return "KEEPALIVE_OPTIONS_REPLY";
    default: return "unknown";
    }
}

const char *
ob_apf_disconnect_reason_to_string (guint32 reason)
{
  static const char *const names[] = {
    NULL,
    "HOST_NOT_ALLOWED_TO_CONNECT",
    "PROTOCOL_ERROR",
    "KEY_EXCHANGE_FAILED",
    "RESERVED",
    "MAC_ERROR",
    "COMPRESSION_ERROR",
    "SERVICE_NOT_AVAILABLE",
    "PROTOCOL_VERSION_NOT_SUPPORTED",
    "HOST_KEY_NOT_VERIFIABLE",
    "CONNECTION_LOST",
    "BY_APPLICATION",
    "TOO_MANY_CONNECTIONS",
    "AUTH_CANCELLED_BY_USER",
    "NO_MORE_AUTH_METHODS_AVAILABLE",
    "INVALID_CREDENTIALS",
    "CONNECTION_TIMED_OUT",
    "BY_POLICY",
    "TEMPORARILY_UNAVAILABLE",
  };

  if (reason >= 1 && reason < G_N_ELEMENTS (names))
    return names[reason];
  return "unknown";
}

const char *
ob_apf_open_failure_reason_to_string (guint32 reason)
{
  switch (reason)
    {
    case OB_APF_OPEN_FAILURE_ADMINISTRATIVELY_PROHIBITED: return "ADMINISTRATIVELY_PROHIBITED";
    case OB_APF_OPEN_FAILURE_CONNECT_FAILED: return "CONNECT_FAILED";
    case OB_APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE: return "UNKNOWN_CHANNEL_TYPE";
    case OB_APF_OPEN_FAILURE_RESOURCE_SHORTAGE: return "RESOURCE_SHORTAGE";
    default: return "unknown";
    }
}

/* ---- encoding ------------------------------------------------------------ */

static void
put_u8 (GByteArray *out,
        guint8      v)
{
  g_byte_array_append (out, &v, 1);
}

static void
put_u32 (GByteArray *out,
         guint32     v)
{
  guint8 b[4] = { (guint8) (v >> 24), (guint8) (v >> 16), (guint8) (v >> 8), (guint8) v };

  g_byte_array_append (out, b, 4);
}

static void
put_bytes_string (GByteArray   *out,
                  const guint8 *data,
                  gsize         len)
{
  put_u32 (out, (guint32) len);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
}

static void
put_string (GByteArray *out,
            const char *s)
{
  gsize len = s != NULL ? strlen (s) : 0;

  g_return_if_fail (len <= OB_APF_MAX_STRING_LENGTH);
  put_bytes_string (out, (const guint8 *) s, len);
}

void
ob_apf_encode_disconnect (GByteArray *out,
                          guint32     reason)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_DISCONNECT);
  put_u32 (out, reason);
  put_u8 (out, 0);
  put_u8 (out, 0);
}

void
ob_apf_encode_service_request (GByteArray *out,
                               const char *service)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_SERVICE_REQUEST);
  put_string (out, service);
}

void
ob_apf_encode_service_accept (GByteArray *out,
                              const char *service)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_SERVICE_ACCEPT);
  put_string (out, service);
}

void
ob_apf_encode_protocol_version (GByteArray *out,
                                guint32     major,
                                guint32     minor,
                                guint32     trigger_reason,
                                const char *guid)
{
  guint8 uuid[16];
  guint8 reserved[64] = { 0 };

  g_return_if_fail (out != NULL);
  g_return_if_fail (ob_uuid_parse (guid, uuid));

  ob_uuid_swap_smbios_order (uuid);
  put_u8 (out, OB_APF_PROTOCOL_VERSION);
  put_u32 (out, major);
  put_u32 (out, minor);
  put_u32 (out, trigger_reason);
  g_byte_array_append (out, uuid, sizeof uuid);
  g_byte_array_append (out, reserved, sizeof reserved);
}

void
ob_apf_encode_userauth_request (GByteArray *out,
                                const char *username,
                                const char *service,
                                const char *method,
                                const char *password)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_USERAUTH_REQUEST);
  put_string (out, username);
  put_string (out, service);
  put_string (out, method);
  if (g_strcmp0 (method, OB_APF_METHOD_PASSWORD) == 0)
    {
      put_u8 (out, 0);
      put_string (out, password);
    }
}

void
ob_apf_encode_userauth_success (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_USERAUTH_SUCCESS);
}

void
ob_apf_encode_userauth_failure (GByteArray *out,
                                const char *methods)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_USERAUTH_FAILURE);
  put_string (out, methods != NULL ? methods : OB_APF_METHOD_PASSWORD);
  put_u8 (out, 0);
  put_u8 (out, 0);
}

void
ob_apf_encode_tcpip_forward (GByteArray *out,
                             gboolean    cancel,
                             gboolean    want_reply,
                             const char *address,
                             guint32     port)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_GLOBAL_REQUEST);
  put_string (out, cancel ? OB_APF_REQUEST_CANCEL_TCPIP_FORWARD : OB_APF_REQUEST_TCPIP_FORWARD);
  put_u8 (out, want_reply ? 1 : 0);
  put_string (out, address);
  put_u32 (out, port);
}

void
ob_apf_encode_udp_send_to (GByteArray   *out,
                           gboolean      want_reply,
                           const char   *address,
                           guint32       port,
                           const char   *originator_address,
                           guint32       originator_port,
                           const guint8 *data,
                           gsize         length)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (length <= OB_APF_MAX_STRING_LENGTH);
  g_return_if_fail (data != NULL || length == 0);

  put_u8 (out, OB_APF_GLOBAL_REQUEST);
  put_string (out, OB_APF_REQUEST_UDP_SEND_TO);
  put_u8 (out, want_reply ? 1 : 0);
  put_string (out, address);
  put_u32 (out, port);
  put_string (out, originator_address);
  put_u32 (out, originator_port);
  put_bytes_string (out, data, length);
}

void
ob_apf_encode_global_request (GByteArray *out,
                              const char *name,
                              gboolean    want_reply)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_GLOBAL_REQUEST);
  put_string (out, name);
  put_u8 (out, want_reply ? 1 : 0);
}

void
ob_apf_encode_request_success (GByteArray *out,
                               gboolean    with_port,
                               guint32     port)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_REQUEST_SUCCESS);
  if (with_port)
    put_u32 (out, port);
}

void
ob_apf_encode_request_failure (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_REQUEST_FAILURE);
}

void
ob_apf_encode_channel_open (GByteArray *out,
                            const char *channel_type,
                            guint32     sender_channel,
                            guint32     initial_window,
                            guint32     max_packet,
                            const char *connected_address,
                            guint32     connected_port,
                            const char *originator_address,
                            guint32     originator_port)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_CHANNEL_OPEN);
  put_string (out, channel_type);
  put_u32 (out, sender_channel);
  put_u32 (out, initial_window);
  put_u32 (out, max_packet);
  put_string (out, connected_address);
  put_u32 (out, connected_port);
  put_string (out, originator_address);
  put_u32 (out, originator_port);
}

void
ob_apf_encode_channel_open_confirmation (GByteArray *out,
                                         guint32     recipient_channel,
                                         guint32     sender_channel,
                                         guint32     initial_window,
                                         guint32     max_packet)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_CHANNEL_OPEN_CONFIRMATION);
  put_u32 (out, recipient_channel);
  put_u32 (out, sender_channel);
  put_u32 (out, initial_window);
  put_u32 (out, max_packet);
}

void
ob_apf_encode_channel_open_failure (GByteArray *out,
                                    guint32     recipient_channel,
                                    guint32     reason,
                                    const char *description,
                                    const char *language)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_CHANNEL_OPEN_FAILURE);
  put_u32 (out, recipient_channel);
  put_u32 (out, reason);
  put_string (out, description);
  put_string (out, language);
}

void
ob_apf_encode_window_adjust (GByteArray *out,
                             guint32     recipient_channel,
                             guint32     bytes_to_add)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_CHANNEL_WINDOW_ADJUST);
  put_u32 (out, recipient_channel);
  put_u32 (out, bytes_to_add);
}

void
ob_apf_encode_channel_data (GByteArray   *out,
                            guint32       recipient_channel,
                            const guint8 *data,
                            gsize         length)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (length <= OB_APF_MAX_DATA_LENGTH);
  g_return_if_fail (data != NULL || length == 0);

  put_u8 (out, OB_APF_CHANNEL_DATA);
  put_u32 (out, recipient_channel);
  put_bytes_string (out, data, length);
}

void
ob_apf_encode_channel_close (GByteArray *out,
                             guint32     recipient_channel)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_CHANNEL_CLOSE);
  put_u32 (out, recipient_channel);
}

static void
encode_two (GByteArray *out,
            guint8      type,
            guint32     a,
            guint32     b)
{
  put_u8 (out, type);
  put_u32 (out, a);
  put_u32 (out, b);
}

void
ob_apf_encode_keepalive_request (GByteArray *out,
                                 guint32     cookie)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_KEEPALIVE_REQUEST);
  put_u32 (out, cookie);
}

void
ob_apf_encode_keepalive_reply (GByteArray *out,
                               guint32     cookie)
{
  g_return_if_fail (out != NULL);

  put_u8 (out, OB_APF_KEEPALIVE_REPLY);
  put_u32 (out, cookie);
}

void
ob_apf_encode_keepalive_options_request (GByteArray *out,
                                         guint32     interval,
                                         guint32     timeout)
{
  g_return_if_fail (out != NULL);

  encode_two (out, OB_APF_KEEPALIVE_OPTIONS_REQUEST, interval, timeout);
}

void
ob_apf_encode_keepalive_options_reply (GByteArray *out,
                                       guint32     interval,
                                       guint32     timeout)
{
  g_return_if_fail (out != NULL);

  encode_two (out, OB_APF_KEEPALIVE_OPTIONS_REPLY, interval, timeout);
}

/* ---- generic encoder -------------------------------------------------------- */

static gboolean
string_fits (const char *s)
{
  return s == NULL || strlen (s) <= OB_APF_MAX_STRING_LENGTH;
}

gboolean
ob_apf_message_encode (const ObApfMessage *m,
                       GByteArray         *out)
{
  g_return_val_if_fail (m != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  switch ((guint) m->type)
    {
    case OB_APF_DISCONNECT:
      ob_apf_encode_disconnect (out, m->disconnect.reason);
      return TRUE;

    case OB_APF_SERVICE_REQUEST:
    case OB_APF_SERVICE_ACCEPT:
      if (!string_fits (m->service.name))
        return FALSE;
      if (m->type == OB_APF_SERVICE_REQUEST)
        ob_apf_encode_service_request (out, m->service.name);
      else
        ob_apf_encode_service_accept (out, m->service.name);
      return TRUE;

    case OB_APF_PROTOCOL_VERSION:
      if (!ob_uuid_is_valid (m->protocol_version.guid))
        return FALSE;
      ob_apf_encode_protocol_version (out, m->protocol_version.major, m->protocol_version.minor,
                                      m->protocol_version.trigger_reason, m->protocol_version.guid);
      return TRUE;

    case OB_APF_USERAUTH_REQUEST:
      if (!string_fits (m->userauth_request.username) || !string_fits (m->userauth_request.service)
          || !string_fits (m->userauth_request.method) || !string_fits (m->userauth_request.password))
        return FALSE;
      ob_apf_encode_userauth_request (out, m->userauth_request.username, m->userauth_request.service,
                                      m->userauth_request.method, m->userauth_request.password);
      return TRUE;

    case OB_APF_USERAUTH_FAILURE:
      if (!string_fits (m->userauth_failure.methods))
        return FALSE;
      ob_apf_encode_userauth_failure (out, m->userauth_failure.methods);
      return TRUE;

    case OB_APF_USERAUTH_SUCCESS:
      ob_apf_encode_userauth_success (out);
      return TRUE;

    case OB_APF_GLOBAL_REQUEST:
      if (!string_fits (m->global_request.name) || !string_fits (m->global_request.address)
          || !string_fits (m->global_request.originator_address))
        return FALSE;
      switch (m->global_request.kind)
        {
        case OB_APF_GLOBAL_REQUEST_TCPIP_FORWARD:
        case OB_APF_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD:
          ob_apf_encode_tcpip_forward (out,
                                       m->global_request.kind == OB_APF_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD,
                                       m->global_request.want_reply, m->global_request.address,
                                       m->global_request.port);
          return TRUE;
        case OB_APF_GLOBAL_REQUEST_UDP_SEND_TO:
          {
            gsize n = 0;
            const guint8 *d = m->global_request.data != NULL ? g_bytes_get_data (m->global_request.data, &n) : NULL;

            if (n > OB_APF_MAX_STRING_LENGTH)
              return FALSE;
            ob_apf_encode_udp_send_to (out, m->global_request.want_reply, m->global_request.address,
                                       m->global_request.port, m->global_request.originator_address,
                                       m->global_request.originator_port, d, n);
            return TRUE;
          }
        case OB_APF_GLOBAL_REQUEST_OTHER:
          ob_apf_encode_global_request (out, m->global_request.name, m->global_request.want_reply);
          return TRUE;
        default:
          return FALSE;
        }

    case OB_APF_REQUEST_SUCCESS:
      ob_apf_encode_request_success (out, m->request_success.has_port, m->request_success.port);
      return TRUE;

    case OB_APF_REQUEST_FAILURE:
      ob_apf_encode_request_failure (out);
      return TRUE;

    case OB_APF_CHANNEL_OPEN:
      if (!string_fits (m->channel_open.channel_type) || !string_fits (m->channel_open.connected_address)
          || !string_fits (m->channel_open.originator_address))
        return FALSE;
      ob_apf_encode_channel_open (out, m->channel_open.channel_type, m->channel_open.sender_channel,
                                  m->channel_open.initial_window, m->channel_open.max_packet,
                                  m->channel_open.connected_address, m->channel_open.connected_port,
                                  m->channel_open.originator_address, m->channel_open.originator_port);
      return TRUE;

    case OB_APF_CHANNEL_OPEN_CONFIRMATION:
      ob_apf_encode_channel_open_confirmation (out, m->open_confirmation.recipient_channel,
                                               m->open_confirmation.sender_channel,
                                               m->open_confirmation.initial_window,
                                               m->open_confirmation.max_packet);
      return TRUE;

    case OB_APF_CHANNEL_OPEN_FAILURE:
      if (!string_fits (m->open_failure.description) || !string_fits (m->open_failure.language))
        return FALSE;
      ob_apf_encode_channel_open_failure (out, m->open_failure.recipient_channel, m->open_failure.reason,
                                          m->open_failure.description, m->open_failure.language);
      return TRUE;

    case OB_APF_CHANNEL_WINDOW_ADJUST:
      ob_apf_encode_window_adjust (out, m->window_adjust.recipient_channel, m->window_adjust.bytes_to_add);
      return TRUE;

    case OB_APF_CHANNEL_DATA:
      if (m->channel_data.length > OB_APF_MAX_DATA_LENGTH
          || (m->channel_data.data == NULL && m->channel_data.length > 0))
        return FALSE;
      ob_apf_encode_channel_data (out, m->channel_data.recipient_channel, m->channel_data.data,
                                  m->channel_data.length);
      return TRUE;

    case OB_APF_CHANNEL_CLOSE:
      ob_apf_encode_channel_close (out, m->channel_close.recipient_channel);
      return TRUE;

    case OB_APF_KEEPALIVE_REQUEST:
      ob_apf_encode_keepalive_request (out, m->keepalive.cookie);
      return TRUE;

    case OB_APF_KEEPALIVE_REPLY:
      ob_apf_encode_keepalive_reply (out, m->keepalive.cookie);
      return TRUE;

    case OB_APF_KEEPALIVE_OPTIONS_REQUEST:
      ob_apf_encode_keepalive_options_request (out, m->keepalive_options.interval,
                                               m->keepalive_options.timeout);
      return TRUE;

    case OB_APF_KEEPALIVE_OPTIONS_REPLY:
      ob_apf_encode_keepalive_options_reply (out, m->keepalive_options.interval,
                                             m->keepalive_options.timeout);
      return TRUE;

    default:
      return FALSE;
    }
}
