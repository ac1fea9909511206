/* ob-apf-message.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "ob-apf-error.h"

G_BEGIN_DECLS

/* The APF codec (Intel AMT Port Forwarding, a simplified SSH; see
 * mps-cira-apf.md §2): pure bytes <-> struct, both directions, no I/O.
 *
 * Wire rules: a 1-byte type, uint32 big-endian integers, strings as a
 * uint32 length plus raw bytes.  Decoding refuses (OB_APF_ERROR_PROTOCOL)
 * any string longer than OB_APF_MAX_STRING_LENGTH, channel data longer
 * than OB_APF_MAX_DATA_LENGTH and unknown message types, as the reference
 * MPS does; it also refuses strings with a NUL byte or invalid UTF-8 (AMT
 * only sends ASCII names and credentials), except the opaque payload of
 * udp-send-to.  A length over a limit is an error as soon as the length
 * field is visible, so a peer cannot make the accumulator grow past
 * about 1 MiB. */

#define OB_APF_MAX_STRING_LENGTH 2048
#define OB_APF_MAX_DATA_LENGTH   (1024 * 1024)

/* Sizes of the fixed-size messages. */
#define OB_APF_PROTOCOL_VERSION_SIZE   93
#define OB_APF_DISCONNECT_SIZE         7
#define OB_APF_OPEN_CONFIRMATION_SIZE  17
#define OB_APF_OPEN_FAILURE_SIZE       17  /* with empty description/language */
#define OB_APF_USERAUTH_FAILURE_SIZE   15  /* with "password" */

#define OB_APF_SERVICE_AUTH  "auth@amt.intel.com"
#define OB_APF_SERVICE_PFWD  "pfwd@amt.intel.com"
#define OB_APF_METHOD_PASSWORD "password"
#define OB_APF_REQUEST_TCPIP_FORWARD        "tcpip-forward"
#define OB_APF_REQUEST_CANCEL_TCPIP_FORWARD "cancel-tcpip-forward"
#define OB_APF_REQUEST_UDP_SEND_TO          "udp-send-to@amt.intel.com"
#define OB_APF_CHANNEL_FORWARDED_TCPIP      "forwarded-tcpip"
#define OB_APF_CHANNEL_DIRECT_TCPIP         "direct-tcpip"

typedef enum
{
  OB_APF_DISCONNECT                = 1,
  OB_APF_SERVICE_REQUEST           = 5,
  OB_APF_SERVICE_ACCEPT            = 6,
  OB_APF_USERAUTH_REQUEST          = 50,
  OB_APF_USERAUTH_FAILURE          = 51,
  OB_APF_USERAUTH_SUCCESS          = 52,
  OB_APF_GLOBAL_REQUEST            = 80,
  OB_APF_REQUEST_SUCCESS           = 81,
  OB_APF_REQUEST_FAILURE           = 82,
  OB_APF_CHANNEL_OPEN              = 90,
  OB_APF_CHANNEL_OPEN_CONFIRMATION = 91,
  OB_APF_CHANNEL_OPEN_FAILURE      = 92,
  OB_APF_CHANNEL_WINDOW_ADJUST     = 93,
  OB_APF_CHANNEL_DATA              = 94,
  OB_APF_CHANNEL_CLOSE             = 97,
  OB_APF_PROTOCOL_VERSION          = 192,
  OB_APF_KEEPALIVE_REQUEST         = 208,
  OB_APF_KEEPALIVE_REPLY           = 209,
  OB_APF_KEEPALIVE_OPTIONS_REQUEST = 210,
  OB_APF_KEEPALIVE_OPTIONS_REPLY   = 211,
} ObApfMessageType;

typedef enum
{
  OB_APF_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT    = 1,
  OB_APF_DISCONNECT_PROTOCOL_ERROR                 = 2,
  OB_APF_DISCONNECT_KEY_EXCHANGE_FAILED            = 3,
  OB_APF_DISCONNECT_RESERVED                       = 4,
  OB_APF_DISCONNECT_MAC_ERROR                      = 5,
  OB_APF_DISCONNECT_COMPRESSION_ERROR              = 6,
  OB_APF_DISCONNECT_SERVICE_NOT_AVAILABLE          = 7,
  OB_APF_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED = 8,
  OB_APF_DISCONNECT_HOST_KEY_NOT_VERIFIABLE        = 9,
  OB_APF_DISCONNECT_CONNECTION_LOST                = 10,
  OB_APF_DISCONNECT_BY_APPLICATION                 = 11,
  OB_APF_DISCONNECT_TOO_MANY_CONNECTIONS           = 12,
  OB_APF_DISCONNECT_AUTH_CANCELLED_BY_USER         = 13,
  OB_APF_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14,
  OB_APF_DISCONNECT_INVALID_CREDENTIALS            = 15,
  OB_APF_DISCONNECT_CONNECTION_TIMED_OUT           = 16,
  OB_APF_DISCONNECT_BY_POLICY                      = 17,
  OB_APF_DISCONNECT_TEMPORARILY_UNAVAILABLE        = 18,
} ObApfDisconnectReason;

typedef enum
{
  OB_APF_OPEN_FAILURE_ADMINISTRATIVELY_PROHIBITED = 1,
  OB_APF_OPEN_FAILURE_CONNECT_FAILED              = 2,
  OB_APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE        = 3,
  OB_APF_OPEN_FAILURE_RESOURCE_SHORTAGE           = 4,
} ObApfOpenFailureReason;

/* PROTOCOLVERSION trigger reasons. */
typedef enum
{
  OB_APF_TRIGGER_USER_INITIATED  = 1,
  OB_APF_TRIGGER_ALERT           = 2,
  OB_APF_TRIGGER_HIT_PROVISIONING = 3,
  OB_APF_TRIGGER_PERIODIC        = 4,
  OB_APF_TRIGGER_LME             = 254,
} ObApfTriggerReason;

typedef enum
{
  OB_APF_GLOBAL_REQUEST_TCPIP_FORWARD,
  OB_APF_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD,
  OB_APF_GLOBAL_REQUEST_UDP_SEND_TO,
  /* Any other name: only the name and want-reply byte are read (the
   * reference consumes 6 + name length and ignores the request). */
  OB_APF_GLOBAL_REQUEST_OTHER,
} ObApfGlobalRequestKind;

typedef enum
{
  OB_APF_DECODE_NEED_MORE,
  OB_APF_DECODE_OK,
  OB_APF_DECODE_ERROR,
} ObApfDecodeStatus;

typedef enum
{
  OB_APF_DECODE_FLAGS_NONE = 0,
  /* REQUEST_SUCCESS carries no port: the answer to cancel-tcpip-forward.
   * Without the flag it carries one (the answer to tcpip-forward).  Only
   * the side that sent the request knows which one comes next. */
  OB_APF_DECODE_FLAGS_BARE_REQUEST_SUCCESS = 1 << 0,
} ObApfDecodeFlags;

/* One decoded message.  Strings are owned, NUL-terminated copies (never
 * NULL once decoded; "" for an empty string).  The CHANNEL_DATA payload is
 * borrowed: it points into the decoder's input and is valid only as long
 * as that buffer is. */
typedef struct
{
  ObApfMessageType type;

  union
  {
    /* DISCONNECT */
    struct
    {
      guint32 reason;
    } disconnect;

    /* SERVICE_REQUEST, SERVICE_ACCEPT */
    struct
    {
      char *name;
    } service;

    /* PROTOCOLVERSION; @guid is the canonical lower-case string of the
     * SMBIOS-order bytes on the wire. */
    struct
    {
      guint32 major;
      guint32 minor;
      guint32 trigger_reason;
      char    guid[37];
    } protocol_version;

    /* USERAUTH_REQUEST; @password is NULL unless @method is "password".
     * Cleared from memory by ob_apf_message_clear(). */
    struct
    {
      char *username;
      char *service;
      char *method;
      char *password;
    } userauth_request;

    /* USERAUTH_FAILURE: the method list (AMT/MPS send "password"). */
    struct
    {
      char *methods;
    } userauth_failure;

    /* GLOBAL_REQUEST.  @address/@port: tcpip-forward, cancel and the
     * udp-send-to destination; @originator_*, @data: udp-send-to only. */
    struct
    {
      ObApfGlobalRequestKind kind;
      char                  *name;
      gboolean               want_reply;
      char                  *address;
      guint32                port;
      char                  *originator_address;
      guint32                originator_port;
      GBytes                *data;
    } global_request;

    /* REQUEST_SUCCESS */
    struct
    {
      gboolean has_port;
      guint32  port;
    } request_success;

    /* CHANNEL_OPEN (forwarded-tcpip, direct-tcpip: the same layout; any
     * other type name is decoded with it too and refused by the session). */
    struct
    {
      char    *channel_type;
      guint32  sender_channel;
      guint32  initial_window;
      guint32  max_packet;
      char    *connected_address;
      guint32  connected_port;
      char    *originator_address;
      guint32  originator_port;
    } channel_open;

    /* CHANNEL_OPEN_CONFIRMATION */
    struct
    {
      guint32 recipient_channel;
      guint32 sender_channel;
      guint32 initial_window;
      guint32 max_packet;
    } open_confirmation;

    /* CHANNEL_OPEN_FAILURE */
    struct
    {
      guint32  recipient_channel;
      guint32  reason;
      char    *description;
      char    *language;
    } open_failure;

    /* CHANNEL_WINDOW_ADJUST */
    struct
    {
      guint32 recipient_channel;
      guint32 bytes_to_add;
    } window_adjust;

    /* CHANNEL_DATA (borrowed payload) */
    struct
    {
      guint32       recipient_channel;
      const guint8 *data;
      gsize         length;
    } channel_data;

    /* CHANNEL_CLOSE */
    struct
    {
      guint32 recipient_channel;
    } channel_close;

    /* KEEPALIVE_REQUEST, KEEPALIVE_REPLY */
    struct
    {
      guint32 cookie;
    } keepalive;

    /* KEEPALIVE_OPTIONS_REQUEST, KEEPALIVE_OPTIONS_REPLY */
    struct
    {
      guint32 interval;
      guint32 timeout;
    } keepalive_options;
  };
} ObApfMessage;

/* Decode the message at the start of @data.  OK: @out is filled and
 * *@consumed is its size.  NEED_MORE: @data holds the start of a valid
 * message only; nothing is filled.  ERROR: protocol error
 * (OB_APF_ERROR_PROTOCOL); nothing is filled.  Never reads past @len.
 * @out must be zeroed or cleared; it is overwritten. */
ObApfDecodeStatus  ob_apf_message_decode        (const guint8       *data,
                                                 gsize               len,
                                                 ObApfMessage       *out,
                                                 gsize              *consumed,
                                                 GError            **error);
ObApfDecodeStatus  ob_apf_message_decode_full   (const guint8       *data,
                                                 gsize               len,
                                                 ObApfDecodeFlags    flags,
                                                 ObApfMessage       *out,
                                                 gsize              *consumed,
                                                 GError            **error);

/* Free what @message owns (the password is wiped first) and zero it. */
void               ob_apf_message_clear         (ObApfMessage       *message);
/* Field by field; CHANNEL_DATA compares payload bytes. */
gboolean           ob_apf_message_equal         (const ObApfMessage *a,
                                                 const ObApfMessage *b);
/* Append the wire form of @message to @out.  FALSE (nothing appended) for
 * an unknown type, a string over the limit or an invalid GUID. */
gboolean           ob_apf_message_encode        (const ObApfMessage *message,
                                                 GByteArray         *out);

/* Names for logs and error messages ("CHANNEL_DATA", "CONNECT_FAILED");
 * "unknown" for values outside the tables. */
const char        *ob_apf_message_type_to_string          (guint               type);
const char        *ob_apf_disconnect_reason_to_string     (guint32             reason);
const char        *ob_apf_open_failure_reason_to_string   (guint32             reason);

/* Encoders: append one message to @out.  Strings must be at most
 * OB_APF_MAX_STRING_LENGTH bytes (a programming error otherwise), NULL is
 * the empty string. */
void ob_apf_encode_disconnect               (GByteArray   *out,
                                             guint32       reason);
void ob_apf_encode_service_request          (GByteArray   *out,
                                             const char   *service);
void ob_apf_encode_service_accept           (GByteArray   *out,
                                             const char   *service);
/* @guid: canonical string; written in SMBIOS order.  The 64 reserved
 * bytes are zero. */
void ob_apf_encode_protocol_version         (GByteArray   *out,
                                             guint32       major,
                                             guint32       minor,
                                             guint32       trigger_reason,
                                             const char   *guid);
/* The boolean and @password follow only when @method is "password". */
void ob_apf_encode_userauth_request         (GByteArray   *out,
                                             const char   *username,
                                             const char   *service,
                                             const char   *method,
                                             const char   *password);
void ob_apf_encode_userauth_success         (GByteArray   *out);
/* @methods NULL: "password".  Followed by the two zero bytes the MPS and
 * MeshCentral send. */
void ob_apf_encode_userauth_failure         (GByteArray   *out,
                                             const char   *methods);
/* tcpip-forward, or cancel-tcpip-forward when @cancel. */
void ob_apf_encode_tcpip_forward            (GByteArray   *out,
                                             gboolean      cancel,
                                             gboolean      want_reply,
                                             const char   *address,
                                             guint32       port);
void ob_apf_encode_udp_send_to              (GByteArray   *out,
                                             gboolean      want_reply,
                                             const char   *address,
                                             guint32       port,
                                             const char   *originator_address,
                                             guint32       originator_port,
                                             const guint8 *data,
                                             gsize         length);
/* A request with only a name and the want-reply byte. */
void ob_apf_encode_global_request           (GByteArray   *out,
                                             const char   *name,
                                             gboolean      want_reply);
void ob_apf_encode_request_success          (GByteArray   *out,
                                             gboolean      with_port,
                                             guint32       port);
void ob_apf_encode_request_failure          (GByteArray   *out);
void ob_apf_encode_channel_open             (GByteArray   *out,
                                             const char   *channel_type,
                                             guint32       sender_channel,
                                             guint32       initial_window,
                                             guint32       max_packet,
                                             const char   *connected_address,
                                             guint32       connected_port,
                                             const char   *originator_address,
                                             guint32       originator_port);
void ob_apf_encode_channel_open_confirmation (GByteArray  *out,
                                             guint32       recipient_channel,
                                             guint32       sender_channel,
                                             guint32       initial_window,
                                             guint32       max_packet);
/* @description/@language NULL: empty (the 17-byte form everyone sends). */
void ob_apf_encode_channel_open_failure     (GByteArray   *out,
                                             guint32       recipient_channel,
                                             guint32       reason,
                                             const char   *description,
                                             const char   *language);
void ob_apf_encode_window_adjust            (GByteArray   *out,
                                             guint32       recipient_channel,
                                             guint32       bytes_to_add);
/* @length at most OB_APF_MAX_DATA_LENGTH. */
void ob_apf_encode_channel_data             (GByteArray   *out,
                                             guint32       recipient_channel,
                                             const guint8 *data,
                                             gsize         length);
void ob_apf_encode_channel_close            (GByteArray   *out,
                                             guint32       recipient_channel);
void ob_apf_encode_keepalive_request        (GByteArray   *out,
                                             guint32       cookie);
void ob_apf_encode_keepalive_reply          (GByteArray   *out,
                                             guint32       cookie);
void ob_apf_encode_keepalive_options_request (GByteArray  *out,
                                             guint32       interval,
                                             guint32       timeout);
void ob_apf_encode_keepalive_options_reply  (GByteArray   *out,
                                             guint32       interval,
                                             guint32       timeout);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ObApfMessage, ob_apf_message_clear)

G_END_DECLS
