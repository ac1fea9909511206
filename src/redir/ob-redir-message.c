/* ob-redir-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-redir-message.h"

/* ---- little helpers ----------------------------------------------------- */

static guint16
get_le16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static guint32
get_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static void
put_u8 (GByteArray *out,
        guint8      v)
{
  g_byte_array_append (out, &v, 1);
}

static void
put_le16 (GByteArray *out,
          guint16     v)
{
  guint8 b[2] = { v & 0xFF, v >> 8 };

  g_byte_array_append (out, b, 2);
}

static void
put_le32 (GByteArray *out,
          guint32     v)
{
  guint8 b[4] = { v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24 };

  g_byte_array_append (out, b, 4);
}

static void
put_bytes (GByteArray   *out,
           const guint8 *data,
           gsize         len)
{
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
}

/* [type][b1][0][0][LE32 sequence] */
static void
put_header (GByteArray *out,
            guint8      type,
            guint8      b1,
            guint32     sequence)
{
  put_u8 (out, type);
  put_u8 (out, b1);
  put_u8 (out, 0);
  put_u8 (out, 0);
  put_le32 (out, sequence);
}

static void
put_lenstr (GByteArray *out,
            const char *s)
{
  gsize n = s != NULL ? strlen (s) : 0;

  g_assert (n <= OB_REDIR_MAX_LENSTR);
  put_u8 (out, (guint8) n);
  put_bytes (out, (const guint8 *) s, n);
}

static gboolean
lenstr_ok (const char *s)
{
  return s == NULL || strlen (s) <= OB_REDIR_MAX_LENSTR;
}

void
ob_redir_sol_settings_init_default (ObRedirSolSettings *settings)
{
  g_return_if_fail (settings != NULL);

  settings->max_tx_buffer = 1000;
  settings->tx_timeout = 100;
  settings->tx_overflow_timeout = 0;
  settings->rx_timeout = 10000;
  settings->rx_flush_timeout = 0;
  settings->heartbeat_interval = 5000;
}

/* ---- names -------------------------------------------------------------- */

const char *
ob_redir_session_type_to_string (ObRedirSessionType session)
{
  switch (session)
    {
    case OB_REDIR_SESSION_SOL:
      return "SOL";
    case OB_REDIR_SESSION_KVM:
      return "KVM";
    case OB_REDIR_SESSION_IDER:
      return "IDER";
    case OB_REDIR_SESSION_NONE:
    default:
      return "unknown";
    }
}

guint32
ob_redir_session_type_to_tag (ObRedirSessionType session)
{
  switch (session)
    {
    case OB_REDIR_SESSION_SOL:
      return OB_REDIR_TAG_SOL;
    case OB_REDIR_SESSION_KVM:
      return OB_REDIR_TAG_KVM;
    case OB_REDIR_SESSION_IDER:
      return OB_REDIR_TAG_IDER;
    case OB_REDIR_SESSION_NONE:
    default:
      return 0;
    }
}

ObRedirSessionType
ob_redir_session_type_from_tag (guint32 tag)
{
  switch (tag)
    {
    case OB_REDIR_TAG_SOL:
      return OB_REDIR_SESSION_SOL;
    case OB_REDIR_TAG_KVM:
      return OB_REDIR_SESSION_KVM;
    case OB_REDIR_TAG_IDER:
      return OB_REDIR_SESSION_IDER;
    default:
      return OB_REDIR_SESSION_NONE;
    }
}

const char *
ob_redir_message_type_to_string (guint8             type,
                                 ObRedirDirection   direction,
                                 ObRedirSessionType session)
{
  (void) direction;

  switch (type)
    {
    case 0x10: return "START_SESSION";
    case 0x11: return "START_SESSION_REPLY";
    case 0x12: return "END_SESSION";
    case 0x13: return "AUTHENTICATE";
    case 0x14: return "AUTHENTICATE_REPLY";
    case 0x20: return "SOL_START";
    case 0x21: return "SOL_START_REPLY";
    case 0x22: return "SOL_END";
    case 0x23: return "SOL_END_REPLY";
    case 0x24: return "SOL_KEEPALIVE_PING";
    case 0x25: return "SOL_KEEPALIVE_PONG";
    case 0x27: return "SOL_SETTINGS";
    case 0x28: return "SOL_DATA_TO_HOST";
    case 0x29: return "SOL_CONTROLS";
    case 0x2A: return "SOL_DATA_FROM_HOST";
    case 0x2B: return "SOL_HEARTBEAT";
    case 0x40: return session == OB_REDIR_SESSION_IDER ? "IDER_OPEN" : "KVM_START";
    case 0x41: return session == OB_REDIR_SESSION_IDER ? "IDER_OPEN_REPLY" : "KVM_START_REPLY";
    case 0x42: return "IDER_CLOSE";
    case 0x43: return "IDER_CLOSE_REPLY";
    case 0x44: return "IDER_KEEPALIVE_PING";
    case 0x45: return "IDER_KEEPALIVE_PONG";
    case 0x46: return "IDER_RESET_OCCURRED";
    case 0x49: return "IDER_STATUS_DATA";
    case 0x4A: return "IDER_ERROR_OCCURRED";
    case 0x4B: return "IDER_HEARTBEAT";
    case 0x50: return "IDER_COMMAND_WRITTEN";
    case 0x53: return "IDER_DATA_FROM_HOST";
    default:   return "unknown";
    }
}

/* ---- errors for people -------------------------------------------------- */

static const char *
feature_name (ObRedirSessionType session)
{
  switch (session)
    {
    case OB_REDIR_SESSION_SOL:
      return "Serial-over-LAN";
    case OB_REDIR_SESSION_KVM:
      return "KVM";
    case OB_REDIR_SESSION_IDER:
      return "IDE redirection";
    case OB_REDIR_SESSION_NONE:
    default:
      return "Redirection";
    }
}

GError *
ob_redir_start_status_to_error (ObRedirSessionType session,
                                guint8             status)
{
  const char *what = feature_name (session);

  switch (status)
    {
    case OB_REDIR_STATUS_SUCCESS:
      return NULL;
    case OB_REDIR_STATUS_TYPE_UNKNOWN:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_TYPE_UNKNOWN,
                          "The device does not support %s sessions", what);
    case OB_REDIR_STATUS_BUSY:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_BUSY,
                          "A %s session is already open on this device (session busy)", what);
    case OB_REDIR_STATUS_UNSUPPORTED:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_DISABLED,
                          "%s is disabled on this device", what);
    case OB_REDIR_STATUS_ERROR:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_DEVICE,
                          "The device could not start the %s session (internal error)", what);
    default:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_DEVICE,
                          "The device refused the %s session (status %u)", what, status);
    }
}

GError *
ob_redir_auth_status_to_error (guint8 auth_type,
                               guint8 status)
{
  switch (status)
    {
    case OB_REDIR_AUTH_STATUS_SUCCESS:
      return NULL;
    case OB_REDIR_AUTH_STATUS_FAILURE:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_FAILED,
                          "The device rejected the user name or password");
    case OB_REDIR_AUTH_STATUS_NOT_SUPPORTED:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_UNSUPPORTED,
                          "The device does not support this authentication method (type %u)", auth_type);
    default:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_FAILED,
                          "Authentication failed (status %u)", status);
    }
}

/* ---- parsing ------------------------------------------------------------ */

static ObRedirParseStatus
protocol_error (GError     **error,
                const char  *format,
                ...) G_GNUC_PRINTF (2, 3);

static ObRedirParseStatus
protocol_error (GError     **error,
                const char  *format,
                ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL, "Redirection protocol error: %s", msg);
  return OB_REDIR_PARSE_ERROR;
}

/* A cursor over an auth payload, which is complete by the time it is read:
 * running past its end is an error, not NEED_MORE. */
typedef struct
{
  const guint8 *data;
  gsize         len;
  gsize         pos;
  gboolean      bad;
} Fields;

static char *
fields_lenstr (Fields *f)
{
  gsize n;
  const guint8 *p;

  if (f->bad)
    return NULL;
  if (f->pos >= f->len)
    {
      f->bad = TRUE;
      return NULL;
    }
  n = f->data[f->pos];
  if (f->len - f->pos - 1 < n)
    {
      f->bad = TRUE;
      return NULL;
    }
  p = f->data + f->pos + 1;
  if (n > 0 && memchr (p, '\0', n) != NULL)
    {
      f->bad = TRUE;
      return NULL;
    }
  f->pos += 1 + n;
  return g_strndup ((const char *) p, n);
}

static void
auth_free_strings (ObRedirMessage *m)
{
  if (m->auth.password != NULL)
    {
      explicit_bzero (m->auth.password, strlen (m->auth.password));
      g_clear_pointer (&m->auth.password, g_free);
    }
  g_clear_pointer (&m->auth.username, g_free);
  g_clear_pointer (&m->auth.realm, g_free);
  g_clear_pointer (&m->auth.nonce, g_free);
  g_clear_pointer (&m->auth.uri, g_free);
  g_clear_pointer (&m->auth.cnonce, g_free);
  g_clear_pointer (&m->auth.nc, g_free);
  g_clear_pointer (&m->auth.response, g_free);
  g_clear_pointer (&m->auth.qop, g_free);
}

/* Decode the payload of an auth message in place; FALSE if malformed. */
static gboolean
auth_decode_payload (ObRedirMessage *m)
{
  Fields f = { m->auth.payload, m->auth.payload_length, 0, FALSE };
  guint8 type = m->auth.auth_type;

  if (m->direction == OB_REDIR_TO_DEVICE)
    {
      switch (type)
        {
        case OB_REDIR_AUTH_USERPASS:
          m->auth.username = fields_lenstr (&f);
          m->auth.password = fields_lenstr (&f);
          break;
        case OB_REDIR_AUTH_DIGEST_NO_QOP:
        case OB_REDIR_AUTH_DIGEST:
          m->auth.username = fields_lenstr (&f);
          m->auth.realm = fields_lenstr (&f);
          m->auth.nonce = fields_lenstr (&f);
          m->auth.uri = fields_lenstr (&f);
          m->auth.cnonce = fields_lenstr (&f);
          m->auth.nc = fields_lenstr (&f);
          m->auth.response = fields_lenstr (&f);
          if (type == OB_REDIR_AUTH_DIGEST)
            m->auth.qop = fields_lenstr (&f);
          break;
        default:
          /* QUERY, KERBEROS and unknown types: only the raw payload. */
          return TRUE;
        }
    }
  else
    {
      if (type == OB_REDIR_AUTH_QUERY && m->auth.status == OB_REDIR_AUTH_STATUS_SUCCESS)
        {
          m->auth.methods = m->auth.payload;
          m->auth.n_methods = m->auth.payload_length;
          return TRUE;
        }
      if ((type == OB_REDIR_AUTH_DIGEST || type == OB_REDIR_AUTH_DIGEST_NO_QOP)
          && m->auth.status == OB_REDIR_AUTH_STATUS_FAILURE
          && m->auth.payload_length > 0)
        {
          m->auth.realm = fields_lenstr (&f);
          m->auth.nonce = fields_lenstr (&f);
          if (type == OB_REDIR_AUTH_DIGEST)
            m->auth.qop = fields_lenstr (&f);
        }
      else
        return TRUE;
    }

  /* Every field must be there and the payload must end with the last. */
  if (f.bad || f.pos != f.len)
    {
      auth_free_strings (m);
      return FALSE;
    }
  return TRUE;
}

/* The length of a fixed message, or of the part holding its length. */
typedef struct
{
  gsize fixed;       /* bytes before the variable part */
  gsize variable;    /* bytes after (known once fixed is there) */
} Size;

ObRedirParseStatus
ob_redir_message_parse (const guint8        *data,
                        gsize                len,
                        ObRedirDirection     direction,
                        ObRedirSessionType   session,
                        ObRedirMessage      *out,
                        gsize               *consumed,
                        GError             **error)
{
  ObRedirMessage m;
  guint8 type;
  gsize need = 0;
  gboolean to_device = direction == OB_REDIR_TO_DEVICE;
  gboolean header_seq = FALSE;

  g_return_val_if_fail (data != NULL || len == 0, OB_REDIR_PARSE_ERROR);
  g_return_val_if_fail (out != NULL, OB_REDIR_PARSE_ERROR);
  g_return_val_if_fail (consumed != NULL, OB_REDIR_PARSE_ERROR);

  *consumed = 0;
  if (len < 1)
    return OB_REDIR_PARSE_NEED_MORE;

  memset (&m, 0, sizeof m);
  type = data[0];
  m.type = type;
  m.direction = direction;

  /* First pass: the size of the message (NEED_MORE until it is known and
   * there) and whether the type is valid here. */
  switch (type)
    {
    case OB_REDIR_MSG_START_SESSION:
      if (!to_device)
        goto wrong_direction;
      need = OB_REDIR_START_SESSION_SIZE;
      break;

    case OB_REDIR_MSG_START_SESSION_REPLY:
      if (to_device)
        goto wrong_direction;
      if (len < 2)
        return OB_REDIR_PARSE_NEED_MORE;
      if (data[1] != OB_REDIR_STATUS_SUCCESS)
        need = OB_REDIR_START_SESSION_REPLY_SHORT;
      else
        {
          if (len < OB_REDIR_START_SESSION_REPLY_SIZE)
            return OB_REDIR_PARSE_NEED_MORE;
          need = OB_REDIR_START_SESSION_REPLY_SIZE + data[12];
        }
      break;

    case OB_REDIR_MSG_END_SESSION:
      if (!to_device)
        goto wrong_direction;
      need = OB_REDIR_END_SESSION_SIZE;
      break;

    case OB_REDIR_MSG_AUTHENTICATE:
    case OB_REDIR_MSG_AUTHENTICATE_REPLY:
      {
        guint32 plen;

        if ((type == OB_REDIR_MSG_AUTHENTICATE) != to_device)
          goto wrong_direction;
        if (len < OB_REDIR_AUTH_HEADER_SIZE)
          return OB_REDIR_PARSE_NEED_MORE;
        plen = get_le32 (data + 5);
        if (plen > OB_REDIR_MAX_AUTH_PAYLOAD)
          return protocol_error (error, "authentication payload of %u bytes is over the limit of %u",
                                 plen, OB_REDIR_MAX_AUTH_PAYLOAD);
        need = OB_REDIR_AUTH_HEADER_SIZE + plen;
      }
      break;

    case OB_REDIR_MSG_SOL_START:
    case OB_REDIR_MSG_SOL_START_REPLY:
    case OB_REDIR_MSG_SOL_END:
    case OB_REDIR_MSG_SOL_END_REPLY:
    case OB_REDIR_MSG_SOL_KEEPALIVE_PING:
    case OB_REDIR_MSG_SOL_KEEPALIVE_PONG:
    case OB_REDIR_MSG_SOL_SETTINGS:
    case OB_REDIR_MSG_SOL_DATA_TO_HOST:
    case OB_REDIR_MSG_SOL_CONTROLS:
    case OB_REDIR_MSG_SOL_DATA_FROM_HOST:
    case OB_REDIR_MSG_SOL_HEARTBEAT:
      {
        gboolean console_bound = type == OB_REDIR_MSG_SOL_START_REPLY
                                 || type == OB_REDIR_MSG_SOL_END_REPLY
                                 || type == OB_REDIR_MSG_SOL_KEEPALIVE_PONG
                                 || type == OB_REDIR_MSG_SOL_CONTROLS
                                 || type == OB_REDIR_MSG_SOL_DATA_FROM_HOST;

        if (session != OB_REDIR_SESSION_SOL)
          return protocol_error (error, "%s message 0x%02x outside a SOL session",
                                 ob_redir_message_type_to_string (type, direction, session), type);
        if (type != OB_REDIR_MSG_SOL_HEARTBEAT && console_bound == to_device)
          goto wrong_direction;
        header_seq = TRUE;
        switch (type)
          {
          case OB_REDIR_MSG_SOL_START:
            need = OB_REDIR_SOL_START_SIZE;
            break;
          case OB_REDIR_MSG_SOL_START_REPLY:
            need = OB_REDIR_SOL_START_REPLY_SIZE;
            break;
          case OB_REDIR_MSG_SOL_SETTINGS:
            need = OB_REDIR_SOL_SETTINGS_SIZE;
            break;
          case OB_REDIR_MSG_SOL_CONTROLS:
            need = OB_REDIR_SOL_CONTROLS_SIZE;
            break;
          case OB_REDIR_MSG_SOL_DATA_TO_HOST:
          case OB_REDIR_MSG_SOL_DATA_FROM_HOST:
            if (len < OB_REDIR_SOL_DATA_HEADER_SIZE)
              return OB_REDIR_PARSE_NEED_MORE;
            need = OB_REDIR_SOL_DATA_HEADER_SIZE + get_le16 (data + 8);
            break;
          default:
            need = OB_REDIR_HEADER_SIZE;
            break;
          }
      }
      break;

    case 0x40:
    case 0x41:
      if ((type == 0x40) != to_device)
        goto wrong_direction;
      header_seq = TRUE;
      if (session == OB_REDIR_SESSION_KVM)
        need = type == 0x40 ? OB_REDIR_KVM_START_SIZE : OB_REDIR_KVM_START_REPLY_SIZE;
      else if (session == OB_REDIR_SESSION_IDER)
        {
          if (type == 0x40)
            need = OB_REDIR_IDER_OPEN_SIZE;
          else
            {
              if (len < OB_REDIR_IDER_OPEN_REPLY_SIZE)
                return OB_REDIR_PARSE_NEED_MORE;
              need = OB_REDIR_IDER_OPEN_REPLY_SIZE + data[29];
            }
        }
      else
        return protocol_error (error, "message 0x%02x outside a KVM or IDER session", type);
      break;

    case OB_REDIR_MSG_IDER_CLOSE:
    case OB_REDIR_MSG_IDER_CLOSE_REPLY:
    case OB_REDIR_MSG_IDER_KEEPALIVE_PING:
    case OB_REDIR_MSG_IDER_KEEPALIVE_PONG:
    case OB_REDIR_MSG_IDER_HEARTBEAT:
    case OB_REDIR_MSG_IDER_RESET_OCCURRED:
    case OB_REDIR_MSG_IDER_STATUS_DATA:
    case OB_REDIR_MSG_IDER_ERROR_OCCURRED:
    case OB_REDIR_MSG_IDER_COMMAND_WRITTEN:
    case OB_REDIR_MSG_IDER_DATA_FROM_HOST:
      if (session != OB_REDIR_SESSION_IDER)
        return protocol_error (error, "IDER message 0x%02x outside an IDER session", type);
      header_seq = TRUE;
      switch (type)
        {
        case OB_REDIR_MSG_IDER_CLOSE:
          if (!to_device)
            goto wrong_direction;
          need = OB_REDIR_HEADER_SIZE;
          break;
        case OB_REDIR_MSG_IDER_CLOSE_REPLY:
          if (to_device)
            goto wrong_direction;
          need = OB_REDIR_HEADER_SIZE;
          break;
        case OB_REDIR_MSG_IDER_KEEPALIVE_PING:
        case OB_REDIR_MSG_IDER_KEEPALIVE_PONG:
        case OB_REDIR_MSG_IDER_HEARTBEAT:
          need = OB_REDIR_HEADER_SIZE;
          break;
        default:
          /* The SCSI side: the device->console messages with a known size
           * are framed so a console can skip them; console->device SCSI
           * replies are not part of this codec. */
          if (to_device)
            return protocol_error (error, "IDER command traffic (0x%02x) is not supported", type);
          if (type == OB_REDIR_MSG_IDER_RESET_OCCURRED)
            need = 9;
          else if (type == OB_REDIR_MSG_IDER_STATUS_DATA)
            need = 13;
          else if (type == OB_REDIR_MSG_IDER_ERROR_OCCURRED)
            need = 11;
          else if (type == OB_REDIR_MSG_IDER_COMMAND_WRITTEN)
            need = 28;
          else
            {
              if (len < 14)
                return OB_REDIR_PARSE_NEED_MORE;
              need = 14 + get_le16 (data + 9);
            }
          break;
        }
      break;

    default:
      return protocol_error (error, "unknown message type 0x%02x", type);
    }

  if (len < need)
    return OB_REDIR_PARSE_NEED_MORE;

  /* Second pass: the message is all there. */
  if (header_seq)
    m.sequence = get_le32 (data + 4);

  switch (type)
    {
    case OB_REDIR_MSG_START_SESSION:
      m.start.flag = data[1];
      m.start.tag = get_le32 (data + 4);
      m.start.session = ob_redir_session_type_from_tag (m.start.tag);
      break;

    case OB_REDIR_MSG_START_SESSION_REPLY:
      m.start_reply.status = data[1];
      if (m.start_reply.status == OB_REDIR_STATUS_SUCCESS)
        {
          m.start_reply.protocol_major = data[4];
          m.start_reply.protocol_minor = data[5];
          m.start_reply.firmware_major = data[6];
          m.start_reply.firmware_minor = data[7];
          m.start_reply.oem_iana = get_le32 (data + 8);
          m.start_reply.oem_length = data[12];
          m.start_reply.oem_data = m.start_reply.oem_length > 0 ? data + 13 : NULL;
        }
      break;

    case OB_REDIR_MSG_END_SESSION:
      break;

    case OB_REDIR_MSG_AUTHENTICATE:
    case OB_REDIR_MSG_AUTHENTICATE_REPLY:
      m.auth.status = data[1];
      m.auth.auth_type = data[4];
      m.auth.payload_length = need - OB_REDIR_AUTH_HEADER_SIZE;
      m.auth.payload = m.auth.payload_length > 0 ? data + OB_REDIR_AUTH_HEADER_SIZE : NULL;
      if (!auth_decode_payload (&m))
        return protocol_error (error, "malformed %s payload (auth type %u)",
                               ob_redir_message_type_to_string (type, direction, session),
                               m.auth.auth_type);
      break;

    case OB_REDIR_MSG_SOL_START:
    case OB_REDIR_MSG_SOL_START_REPLY:
      m.sol_start.status = data[1];
      m.sol_start.settings.max_tx_buffer = get_le16 (data + 8);
      m.sol_start.settings.tx_timeout = get_le16 (data + 10);
      m.sol_start.settings.tx_overflow_timeout = get_le16 (data + 12);
      m.sol_start.settings.rx_timeout = get_le16 (data + 14);
      m.sol_start.settings.rx_flush_timeout = get_le16 (data + 16);
      m.sol_start.settings.heartbeat_interval = get_le16 (data + 18);
      break;

    case OB_REDIR_MSG_SOL_SETTINGS:
      memcpy (m.sol_settings.bytes, data + 8, 6);
      break;

    case OB_REDIR_MSG_SOL_DATA_TO_HOST:
    case OB_REDIR_MSG_SOL_DATA_FROM_HOST:
      m.sol_data.length = need - OB_REDIR_SOL_DATA_HEADER_SIZE;
      m.sol_data.data = m.sol_data.length > 0 ? data + OB_REDIR_SOL_DATA_HEADER_SIZE : NULL;
      break;

    case OB_REDIR_MSG_SOL_CONTROLS:
      m.sol_controls.control = data[8];
      m.sol_controls.status = data[9];
      break;

    case 0x40:
    case 0x41:
      if (session == OB_REDIR_SESSION_KVM)
        m.kvm.status = data[1];
      else if (type == 0x40)
        {
          m.ider_open.rx_timeout = get_le16 (data + 8);
          m.ider_open.tx_timeout = get_le16 (data + 10);
          m.ider_open.heartbeat_interval = get_le16 (data + 12);
          m.ider_open.version = get_le32 (data + 14);
        }
      else
        {
          memcpy (m.ider_open_reply.raw, data, OB_REDIR_IDER_OPEN_REPLY_SIZE);
          m.ider_open_reply.protocol_major = data[8];
          m.ider_open_reply.protocol_minor = data[9];
          m.ider_open_reply.firmware_major = data[10];
          m.ider_open_reply.firmware_minor = data[11];
          m.ider_open_reply.read_buffer_size = get_le16 (data + 16);
          m.ider_open_reply.write_buffer_size = get_le16 (data + 18);
          m.ider_open_reply.oem_iana = get_le32 (data + 25);
          m.ider_open_reply.oem_length = data[29];
          m.ider_open_reply.oem_data = data[29] > 0 ? data + OB_REDIR_IDER_OPEN_REPLY_SIZE : NULL;
        }
      break;

    case OB_REDIR_MSG_IDER_RESET_OCCURRED:
    case OB_REDIR_MSG_IDER_STATUS_DATA:
    case OB_REDIR_MSG_IDER_ERROR_OCCURRED:
    case OB_REDIR_MSG_IDER_COMMAND_WRITTEN:
    case OB_REDIR_MSG_IDER_DATA_FROM_HOST:
      m.ider_other.bytes = data;
      m.ider_other.length = need;
      break;

    default:
      /* Header-only messages. */
      break;
    }

  *out = m;
  *consumed = need;
  return OB_REDIR_PARSE_OK;

wrong_direction:
  return protocol_error (error, "%s (0x%02x) is not sent %s",
                         ob_redir_message_type_to_string (type, direction, session), type,
                         to_device ? "to the device" : "to the console");
}

void
ob_redir_message_clear (ObRedirMessage *message)
{
  if (message == NULL)
    return;
  if (message->type == OB_REDIR_MSG_AUTHENTICATE || message->type == OB_REDIR_MSG_AUTHENTICATE_REPLY)
    auth_free_strings (message);
  memset (message, 0, sizeof *message);
}

/* ---- equality ----------------------------------------------------------- */

static gboolean
bytes_equal (const guint8 *a,
             gsize         alen,
             const guint8 *b,
             gsize         blen)
{
  return alen == blen && (alen == 0 || memcmp (a, b, alen) == 0);
}

gboolean
ob_redir_message_equal (const ObRedirMessage *a,
                        const ObRedirMessage *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->type != b->type || a->direction != b->direction || a->sequence != b->sequence)
    return FALSE;

  switch ((guint) a->type)
    {
    case OB_REDIR_MSG_START_SESSION:
      return a->start.flag == b->start.flag && a->start.tag == b->start.tag
             && a->start.session == b->start.session;
    case OB_REDIR_MSG_START_SESSION_REPLY:
      return a->start_reply.status == b->start_reply.status
             && a->start_reply.protocol_major == b->start_reply.protocol_major
             && a->start_reply.protocol_minor == b->start_reply.protocol_minor
             && a->start_reply.firmware_major == b->start_reply.firmware_major
             && a->start_reply.firmware_minor == b->start_reply.firmware_minor
             && a->start_reply.oem_iana == b->start_reply.oem_iana
             && bytes_equal (a->start_reply.oem_data, a->start_reply.oem_length,
                             b->start_reply.oem_data, b->start_reply.oem_length);
    case OB_REDIR_MSG_AUTHENTICATE:
    case OB_REDIR_MSG_AUTHENTICATE_REPLY:
      return a->auth.status == b->auth.status && a->auth.auth_type == b->auth.auth_type
             && bytes_equal (a->auth.payload, a->auth.payload_length,
                             b->auth.payload, b->auth.payload_length)
             && g_strcmp0 (a->auth.username, b->auth.username) == 0
             && g_strcmp0 (a->auth.password, b->auth.password) == 0
             && g_strcmp0 (a->auth.realm, b->auth.realm) == 0
             && g_strcmp0 (a->auth.nonce, b->auth.nonce) == 0
             && g_strcmp0 (a->auth.uri, b->auth.uri) == 0
             && g_strcmp0 (a->auth.cnonce, b->auth.cnonce) == 0
             && g_strcmp0 (a->auth.nc, b->auth.nc) == 0
             && g_strcmp0 (a->auth.response, b->auth.response) == 0
             && g_strcmp0 (a->auth.qop, b->auth.qop) == 0
             && bytes_equal (a->auth.methods, a->auth.n_methods, b->auth.methods, b->auth.n_methods);
    case OB_REDIR_MSG_SOL_START:
    case OB_REDIR_MSG_SOL_START_REPLY:
      return a->sol_start.status == b->sol_start.status
             && memcmp (&a->sol_start.settings, &b->sol_start.settings, sizeof (ObRedirSolSettings)) == 0;
    case OB_REDIR_MSG_SOL_SETTINGS:
      return memcmp (a->sol_settings.bytes, b->sol_settings.bytes, 6) == 0;
    case OB_REDIR_MSG_SOL_DATA_TO_HOST:
    case OB_REDIR_MSG_SOL_DATA_FROM_HOST:
      return bytes_equal (a->sol_data.data, a->sol_data.length, b->sol_data.data, b->sol_data.length);
    case OB_REDIR_MSG_SOL_CONTROLS:
      return a->sol_controls.control == b->sol_controls.control
             && a->sol_controls.status == b->sol_controls.status;
    case 0x40:
    case 0x41:
      /* The union member in use depends on the session; compare them all
       * through the largest (zeroed when unused). */
      return a->kvm.status == b->kvm.status
             && a->ider_open.rx_timeout == b->ider_open.rx_timeout
             && a->ider_open.tx_timeout == b->ider_open.tx_timeout
             && a->ider_open.heartbeat_interval == b->ider_open.heartbeat_interval
             && a->ider_open.version == b->ider_open.version
             && memcmp (a->ider_open_reply.raw, b->ider_open_reply.raw, OB_REDIR_IDER_OPEN_REPLY_SIZE) == 0
             && bytes_equal (a->ider_open_reply.oem_data, a->ider_open_reply.oem_length,
                             b->ider_open_reply.oem_data, b->ider_open_reply.oem_length);
    case OB_REDIR_MSG_IDER_RESET_OCCURRED:
    case OB_REDIR_MSG_IDER_STATUS_DATA:
    case OB_REDIR_MSG_IDER_ERROR_OCCURRED:
    case OB_REDIR_MSG_IDER_COMMAND_WRITTEN:
    case OB_REDIR_MSG_IDER_DATA_FROM_HOST:
      return bytes_equal (a->ider_other.bytes, a->ider_other.length, b->ider_other.bytes, b->ider_other.length);
    default:
      return TRUE;
    }
}

/* ---- building ----------------------------------------------------------- */

static void
put_sol_settings (GByteArray               *out,
                  const ObRedirSolSettings *s)
{
  put_le16 (out, s->max_tx_buffer);
  put_le16 (out, s->tx_timeout);
  put_le16 (out, s->tx_overflow_timeout);
  put_le16 (out, s->rx_timeout);
  put_le16 (out, s->rx_flush_timeout);
  put_le16 (out, s->heartbeat_interval);
}

/* The payload of an auth message from its decoded fields, the way the
 * parser reads them back; FALSE if a string is too long. */
static gboolean
auth_encode_payload (const ObRedirMessage *m,
                     GByteArray           *payload)
{
  const char *strings[8];
  guint n = 0;
  guint8 type = m->auth.auth_type;

  if (m->direction == OB_REDIR_TO_DEVICE
      && (type == OB_REDIR_AUTH_DIGEST || type == OB_REDIR_AUTH_DIGEST_NO_QOP))
    {
      strings[n++] = m->auth.username;
      strings[n++] = m->auth.realm;
      strings[n++] = m->auth.nonce;
      strings[n++] = m->auth.uri;
      strings[n++] = m->auth.cnonce;
      strings[n++] = m->auth.nc;
      strings[n++] = m->auth.response;
      if (type == OB_REDIR_AUTH_DIGEST)
        strings[n++] = m->auth.qop;
    }
  else if (m->direction == OB_REDIR_TO_DEVICE && type == OB_REDIR_AUTH_USERPASS)
    {
      strings[n++] = m->auth.username;
      strings[n++] = m->auth.password;
    }
  else if (m->direction == OB_REDIR_TO_CONSOLE
           && (type == OB_REDIR_AUTH_DIGEST || type == OB_REDIR_AUTH_DIGEST_NO_QOP)
           && m->auth.status == OB_REDIR_AUTH_STATUS_FAILURE
           && (m->auth.realm != NULL || m->auth.nonce != NULL || m->auth.qop != NULL))
    {
      strings[n++] = m->auth.realm;
      strings[n++] = m->auth.nonce;
      if (type == OB_REDIR_AUTH_DIGEST)
        strings[n++] = m->auth.qop;
    }
  else if (m->direction == OB_REDIR_TO_CONSOLE && type == OB_REDIR_AUTH_QUERY
           && m->auth.status == OB_REDIR_AUTH_STATUS_SUCCESS && m->auth.methods != NULL)
    {
      put_bytes (payload, m->auth.methods, m->auth.n_methods);
      return TRUE;
    }
  else
    {
      put_bytes (payload, m->auth.payload, m->auth.payload_length);
      return TRUE;
    }

  for (guint i = 0; i < n; i++)
    {
      if (!lenstr_ok (strings[i]))
        return FALSE;
      put_lenstr (payload, strings[i]);
    }
  return TRUE;
}

GBytes *
ob_redir_message_build (const ObRedirMessage *m,
                        ObRedirSessionType    session)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_return_val_if_fail (m != NULL, NULL);

  switch ((guint) m->type)
    {
    case OB_REDIR_MSG_START_SESSION:
      put_u8 (out, m->type);
      put_u8 (out, m->start.flag);
      put_u8 (out, 0);
      put_u8 (out, 0);
      put_le32 (out, m->start.tag);
      break;

    case OB_REDIR_MSG_START_SESSION_REPLY:
      put_u8 (out, m->type);
      put_u8 (out, m->start_reply.status);
      put_u8 (out, 0);
      put_u8 (out, 0);
      if (m->start_reply.status == OB_REDIR_STATUS_SUCCESS)
        {
          if (m->start_reply.oem_length > 255)
            return NULL;
          put_u8 (out, m->start_reply.protocol_major);
          put_u8 (out, m->start_reply.protocol_minor);
          put_u8 (out, m->start_reply.firmware_major);
          put_u8 (out, m->start_reply.firmware_minor);
          put_le32 (out, m->start_reply.oem_iana);
          put_u8 (out, (guint8) m->start_reply.oem_length);
          put_bytes (out, m->start_reply.oem_data, m->start_reply.oem_length);
        }
      break;

    case OB_REDIR_MSG_END_SESSION:
      put_u8 (out, m->type);
      put_u8 (out, 0);
      put_u8 (out, 0);
      put_u8 (out, 0);
      break;

    case OB_REDIR_MSG_AUTHENTICATE:
    case OB_REDIR_MSG_AUTHENTICATE_REPLY:
      {
        g_autoptr(GByteArray) payload = g_byte_array_new ();

        if (!auth_encode_payload (m, payload) || payload->len > OB_REDIR_MAX_AUTH_PAYLOAD)
          return NULL;
        put_u8 (out, m->type);
        put_u8 (out, m->auth.status);
        put_u8 (out, 0);
        put_u8 (out, 0);
        put_u8 (out, m->auth.auth_type);
        put_le32 (out, payload->len);
        put_bytes (out, payload->data, payload->len);
      }
      break;

    case OB_REDIR_MSG_SOL_START:
    case OB_REDIR_MSG_SOL_START_REPLY:
      put_header (out, m->type, m->sol_start.status, m->sequence);
      put_sol_settings (out, &m->sol_start.settings);
      /* 0x20: 4 zero bytes (24); 0x21: 3 (23). */
      for (guint i = 0; i < (m->type == OB_REDIR_MSG_SOL_START ? 4u : 3u); i++)
        put_u8 (out, 0);
      break;

    case OB_REDIR_MSG_SOL_SETTINGS:
      put_header (out, m->type, 0, m->sequence);
      put_bytes (out, m->sol_settings.bytes, 6);
      break;

    case OB_REDIR_MSG_SOL_DATA_TO_HOST:
    case OB_REDIR_MSG_SOL_DATA_FROM_HOST:
      if (m->sol_data.length > OB_REDIR_MAX_SOL_DATA)
        return NULL;
      put_header (out, m->type, 0, m->sequence);
      put_le16 (out, (guint16) m->sol_data.length);
      put_bytes (out, m->sol_data.data, m->sol_data.length);
      break;

    case OB_REDIR_MSG_SOL_CONTROLS:
      put_header (out, m->type, 0, m->sequence);
      put_u8 (out, m->sol_controls.control);
      put_u8 (out, m->sol_controls.status);
      break;

    case 0x40:
    case 0x41:
      if (session == OB_REDIR_SESSION_KVM)
        put_header (out, m->type, m->kvm.status, m->sequence);
      else if (session == OB_REDIR_SESSION_IDER && m->type == 0x40)
        {
          put_header (out, m->type, 0, m->sequence);
          put_le16 (out, m->ider_open.rx_timeout);
          put_le16 (out, m->ider_open.tx_timeout);
          put_le16 (out, m->ider_open.heartbeat_interval);
          put_le32 (out, m->ider_open.version);
        }
      else if (session == OB_REDIR_SESSION_IDER)
        {
          guint8 raw[OB_REDIR_IDER_OPEN_REPLY_SIZE];

          if (m->ider_open_reply.oem_length > 255)
            return NULL;
          /* Unknown bytes as parsed; the known fields on top. */
          memcpy (raw, m->ider_open_reply.raw, sizeof raw);
          raw[0] = m->type;
          raw[4] = m->sequence & 0xFF;
          raw[5] = (m->sequence >> 8) & 0xFF;
          raw[6] = (m->sequence >> 16) & 0xFF;
          raw[7] = m->sequence >> 24;
          raw[8] = m->ider_open_reply.protocol_major;
          raw[9] = m->ider_open_reply.protocol_minor;
          raw[10] = m->ider_open_reply.firmware_major;
          raw[11] = m->ider_open_reply.firmware_minor;
          raw[16] = m->ider_open_reply.read_buffer_size & 0xFF;
          raw[17] = m->ider_open_reply.read_buffer_size >> 8;
          raw[18] = m->ider_open_reply.write_buffer_size & 0xFF;
          raw[19] = m->ider_open_reply.write_buffer_size >> 8;
          raw[25] = m->ider_open_reply.oem_iana & 0xFF;
          raw[26] = (m->ider_open_reply.oem_iana >> 8) & 0xFF;
          raw[27] = (m->ider_open_reply.oem_iana >> 16) & 0xFF;
          raw[28] = m->ider_open_reply.oem_iana >> 24;
          raw[29] = (guint8) m->ider_open_reply.oem_length;
          put_bytes (out, raw, sizeof raw);
          put_bytes (out, m->ider_open_reply.oem_data, m->ider_open_reply.oem_length);
        }
      else
        return NULL;
      break;

    case OB_REDIR_MSG_SOL_END:
    case OB_REDIR_MSG_SOL_END_REPLY:
    case OB_REDIR_MSG_SOL_KEEPALIVE_PING:
    case OB_REDIR_MSG_SOL_KEEPALIVE_PONG:
    case OB_REDIR_MSG_SOL_HEARTBEAT:
    case OB_REDIR_MSG_IDER_CLOSE:
    case OB_REDIR_MSG_IDER_CLOSE_REPLY:
    case OB_REDIR_MSG_IDER_KEEPALIVE_PING:
    case OB_REDIR_MSG_IDER_KEEPALIVE_PONG:
    case OB_REDIR_MSG_IDER_HEARTBEAT:
      put_header (out, m->type, 0, m->sequence);
      break;

    case OB_REDIR_MSG_IDER_RESET_OCCURRED:
    case OB_REDIR_MSG_IDER_STATUS_DATA:
    case OB_REDIR_MSG_IDER_ERROR_OCCURRED:
    case OB_REDIR_MSG_IDER_COMMAND_WRITTEN:
    case OB_REDIR_MSG_IDER_DATA_FROM_HOST:
      if (m->ider_other.length == 0 || m->ider_other.bytes[0] != m->type)
        return NULL;
      put_bytes (out, m->ider_other.bytes, m->ider_other.length);
      break;

    default:
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* ---- convenience builders ----------------------------------------------- */

static GBytes *
build (const ObRedirMessage *m,
       ObRedirSessionType    session)
{
  GBytes *b = ob_redir_message_build (m, session);

  /* Builders only fail on caller errors (string too long). */
  return b;
}

GBytes *
ob_redir_build_start_session (ObRedirSessionType session)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_START_SESSION, .direction = OB_REDIR_TO_DEVICE };

  g_return_val_if_fail (session != OB_REDIR_SESSION_NONE, NULL);

  m.start.flag = session == OB_REDIR_SESSION_KVM ? 1 : 0;
  m.start.tag = ob_redir_session_type_to_tag (session);
  return build (&m, OB_REDIR_SESSION_NONE);
}

GBytes *
ob_redir_build_end_session (void)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_END_SESSION, .direction = OB_REDIR_TO_DEVICE };

  return build (&m, OB_REDIR_SESSION_NONE);
}

GBytes *
ob_redir_build_auth_query (void)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_AUTHENTICATE, .direction = OB_REDIR_TO_DEVICE };

  m.auth.auth_type = OB_REDIR_AUTH_QUERY;
  return build (&m, OB_REDIR_SESSION_NONE);
}

GBytes *
ob_redir_build_auth_digest_response (ObRedirAuthType  auth_type,
                                     const char      *username,
                                     const char      *realm,
                                     const char      *nonce,
                                     const char      *uri,
                                     const char      *cnonce,
                                     const char      *nc,
                                     const char      *response,
                                     const char      *qop)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_AUTHENTICATE, .direction = OB_REDIR_TO_DEVICE };

  g_return_val_if_fail (auth_type == OB_REDIR_AUTH_DIGEST || auth_type == OB_REDIR_AUTH_DIGEST_NO_QOP, NULL);

  /* The message only borrows here; build() copies into the wire form. */
  m.auth.auth_type = auth_type;
  m.auth.username = (char *) username;
  m.auth.realm = (char *) realm;
  m.auth.nonce = (char *) nonce;
  m.auth.uri = (char *) uri;
  m.auth.cnonce = (char *) cnonce;
  m.auth.nc = (char *) nc;
  m.auth.response = (char *) response;
  m.auth.qop = (char *) qop;
  return build (&m, OB_REDIR_SESSION_NONE);
}

GBytes *
ob_redir_build_auth_digest_hello (ObRedirAuthType  auth_type,
                                  const char      *username)
{
  return ob_redir_build_auth_digest_response (auth_type, username, NULL, NULL, OB_REDIR_DIGEST_URI,
                                              NULL, NULL, NULL, NULL);
}

GBytes *
ob_redir_build_auth_userpass (const char *username,
                              const char *password)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_AUTHENTICATE, .direction = OB_REDIR_TO_DEVICE };

  m.auth.auth_type = OB_REDIR_AUTH_USERPASS;
  m.auth.username = (char *) username;
  m.auth.password = (char *) password;
  return build (&m, OB_REDIR_SESSION_NONE);
}

GBytes *
ob_redir_build_auth_kerberos (const guint8 *ticket,
                              gsize         length)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_AUTHENTICATE, .direction = OB_REDIR_TO_DEVICE };

  m.auth.auth_type = OB_REDIR_AUTH_KERBEROS;
  m.auth.payload = ticket;
  m.auth.payload_length = length;
  return build (&m, OB_REDIR_SESSION_NONE);
}

GBytes *
ob_redir_build_kvm_start (void)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_KVM_START, .direction = OB_REDIR_TO_DEVICE };

  return build (&m, OB_REDIR_SESSION_KVM);
}

GBytes *
ob_redir_build_sol_start (guint32                   sequence,
                          const ObRedirSolSettings *settings)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_SOL_START, .direction = OB_REDIR_TO_DEVICE, .sequence = sequence };

  if (settings != NULL)
    m.sol_start.settings = *settings;
  else
    ob_redir_sol_settings_init_default (&m.sol_start.settings);
  return build (&m, OB_REDIR_SESSION_SOL);
}

GBytes *
ob_redir_build_sol_settings (guint32 sequence)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_SOL_SETTINGS, .direction = OB_REDIR_TO_DEVICE, .sequence = sequence };

  m.sol_settings.bytes[2] = 0x1B;
  return build (&m, OB_REDIR_SESSION_SOL);
}

static GBytes *
build_header_only (guint8             type,
                   ObRedirDirection   direction,
                   guint32            sequence,
                   ObRedirSessionType session)
{
  ObRedirMessage m = { .type = type, .direction = direction, .sequence = sequence };

  return build (&m, session);
}

GBytes *
ob_redir_build_sol_end (guint32 sequence)
{
  return build_header_only (OB_REDIR_MSG_SOL_END, OB_REDIR_TO_DEVICE, sequence, OB_REDIR_SESSION_SOL);
}

GBytes *
ob_redir_build_sol_keepalive_ping (guint32 sequence)
{
  return build_header_only (OB_REDIR_MSG_SOL_KEEPALIVE_PING, OB_REDIR_TO_DEVICE, sequence, OB_REDIR_SESSION_SOL);
}

GBytes *
ob_redir_build_sol_heartbeat (guint32 sequence)
{
  return build_header_only (OB_REDIR_MSG_SOL_HEARTBEAT, OB_REDIR_TO_DEVICE, sequence, OB_REDIR_SESSION_SOL);
}

GBytes *
ob_redir_build_sol_data_to_host (guint32       sequence,
                                 const guint8 *data,
                                 gsize         length)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_SOL_DATA_TO_HOST, .direction = OB_REDIR_TO_DEVICE, .sequence = sequence };

  g_return_val_if_fail (length <= OB_REDIR_MAX_SOL_DATA, NULL);

  m.sol_data.data = data;
  m.sol_data.length = length;
  return build (&m, OB_REDIR_SESSION_SOL);
}

GBytes *
ob_redir_build_ider_open (guint32 sequence,
                          guint16 rx_timeout,
                          guint16 tx_timeout,
                          guint16 heartbeat_interval)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_IDER_OPEN, .direction = OB_REDIR_TO_DEVICE, .sequence = sequence };

  m.ider_open.rx_timeout = rx_timeout;
  m.ider_open.tx_timeout = tx_timeout;
  m.ider_open.heartbeat_interval = heartbeat_interval;
  m.ider_open.version = 1;
  return build (&m, OB_REDIR_SESSION_IDER);
}

GBytes *
ob_redir_build_start_session_reply (guint8        status,
                                    guint8        protocol_major,
                                    guint8        protocol_minor,
                                    guint8        firmware_major,
                                    guint8        firmware_minor,
                                    guint32       oem_iana,
                                    const guint8 *oem_data,
                                    gsize         oem_length)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_START_SESSION_REPLY, .direction = OB_REDIR_TO_CONSOLE };

  g_return_val_if_fail (oem_length <= 255, NULL);

  m.start_reply.status = status;
  m.start_reply.protocol_major = protocol_major;
  m.start_reply.protocol_minor = protocol_minor;
  m.start_reply.firmware_major = firmware_major;
  m.start_reply.firmware_minor = firmware_minor;
  m.start_reply.oem_iana = oem_iana;
  m.start_reply.oem_data = oem_data;
  m.start_reply.oem_length = oem_length;
  return build (&m, OB_REDIR_SESSION_NONE);
}

GBytes *
ob_redir_build_auth_reply (guint8        auth_type,
                           guint8        status,
                           const guint8 *payload,
                           gsize         length)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_AUTHENTICATE_REPLY, .direction = OB_REDIR_TO_CONSOLE };

  g_return_val_if_fail (length <= OB_REDIR_MAX_AUTH_PAYLOAD, NULL);

  m.auth.auth_type = auth_type;
  m.auth.status = status;
  m.auth.payload = payload;
  m.auth.payload_length = length;
  return build (&m, OB_REDIR_SESSION_NONE);
}

GBytes *
ob_redir_build_auth_query_reply (const guint8 *methods,
                                 gsize         n_methods)
{
  return ob_redir_build_auth_reply (OB_REDIR_AUTH_QUERY, OB_REDIR_AUTH_STATUS_SUCCESS, methods, n_methods);
}

GBytes *
ob_redir_build_auth_digest_challenge (ObRedirAuthType  auth_type,
                                      const char      *realm,
                                      const char      *nonce,
                                      const char      *qop)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_AUTHENTICATE_REPLY, .direction = OB_REDIR_TO_CONSOLE };

  g_return_val_if_fail (auth_type == OB_REDIR_AUTH_DIGEST || auth_type == OB_REDIR_AUTH_DIGEST_NO_QOP, NULL);

  m.auth.auth_type = auth_type;
  m.auth.status = OB_REDIR_AUTH_STATUS_FAILURE;
  m.auth.realm = (char *) (realm != NULL ? realm : "");
  m.auth.nonce = (char *) nonce;
  m.auth.qop = (char *) qop;
  return build (&m, OB_REDIR_SESSION_NONE);
}

GBytes *
ob_redir_build_kvm_start_reply (guint8 status)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_KVM_START_REPLY, .direction = OB_REDIR_TO_CONSOLE };

  m.kvm.status = status;
  return build (&m, OB_REDIR_SESSION_KVM);
}

GBytes *
ob_redir_build_sol_start_reply (guint8                    status,
                                guint32                   sequence,
                                const ObRedirSolSettings *settings)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_SOL_START_REPLY, .direction = OB_REDIR_TO_CONSOLE, .sequence = sequence };

  m.sol_start.status = status;
  if (settings != NULL)
    m.sol_start.settings = *settings;
  return build (&m, OB_REDIR_SESSION_SOL);
}

GBytes *
ob_redir_build_sol_end_reply (guint32 sequence)
{
  return build_header_only (OB_REDIR_MSG_SOL_END_REPLY, OB_REDIR_TO_CONSOLE, sequence, OB_REDIR_SESSION_SOL);
}

GBytes *
ob_redir_build_sol_keepalive_pong (guint32 sequence)
{
  return build_header_only (OB_REDIR_MSG_SOL_KEEPALIVE_PONG, OB_REDIR_TO_CONSOLE, sequence, OB_REDIR_SESSION_SOL);
}

GBytes *
ob_redir_build_sol_controls (guint32 sequence,
                             guint8  control,
                             guint8  status)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_SOL_CONTROLS, .direction = OB_REDIR_TO_CONSOLE, .sequence = sequence };

  m.sol_controls.control = control;
  m.sol_controls.status = status;
  return build (&m, OB_REDIR_SESSION_SOL);
}

GBytes *
ob_redir_build_sol_data_from_host (guint32       sequence,
                                   const guint8 *data,
                                   gsize         length)
{
  ObRedirMessage m = { .type = OB_REDIR_MSG_SOL_DATA_FROM_HOST, .direction = OB_REDIR_TO_CONSOLE, .sequence = sequence };

  g_return_val_if_fail (length <= OB_REDIR_MAX_SOL_DATA, NULL);

  m.sol_data.data = data;
  m.sol_data.length = length;
  return build (&m, OB_REDIR_SESSION_SOL);
}
