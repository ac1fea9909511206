/* ob-redir-message.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "ob-redir-error.h"

G_BEGIN_DECLS

/* The Intel AMT redirection protocol codec (redirection-kvm-sol.md §1, §3):
 * pure bytes <-> struct, both directions, no I/O.  Used by ObRedirSession
 * (console side) and by the simulator (device side).
 *
 * Wire rules: a type byte first; every integer little-endian; strings in
 * AuthenticateSession payloads are "lenstr" (one length byte + bytes, no
 * NUL).  The stream has no alignment to reads, so callers parse from an
 * accumulator: ob_redir_message_parse() returns NEED_MORE until the whole
 * message is there and never reads past @len.
 *
 * The same type byte means different things per direction (0x2B is a
 * heartbeat both ways, 0x40/0x41 are the KVM start or the IDER open
 * depending on the session), so parsing takes the direction and the
 * session type (which the side knows from its StartRedirectionSession).
 *
 * Typical console flow (what ObRedirSession does):
 *   -> ob_redir_build_start_session (OB_REDIR_SESSION_KVM)
 *   <- START_SESSION_REPLY          (status 0, else ob_redir_start_status_to_error)
 *   -> ob_redir_build_auth_query ()
 *   <- AUTHENTICATE_REPLY, auth_type QUERY, auth.methods = { 4 }
 *   -> ob_redir_build_auth_digest_hello (OB_REDIR_AUTH_DIGEST, "admin")
 *   <- AUTHENTICATE_REPLY, status FAILURE, auth.realm/nonce/qop (challenge)
 *   -> ob_redir_build_auth_digest_response (…)
 *   <- AUTHENTICATE_REPLY, status SUCCESS
 *   -> ob_redir_build_kvm_start ()          <- KVM_START_REPLY, then RFB bytes
 *   or ob_redir_build_sol_start (…)         <- SOL_START_REPLY, then SOL frames
 */

/* Limits: an AuthenticateSession payload longer than this is a protocol
 * error as soon as its length field is visible (AMT's are < 200 bytes). */
#define OB_REDIR_MAX_AUTH_PAYLOAD 4096
/* SOL data frames carry a LE16 length, so at most this many bytes. */
#define OB_REDIR_MAX_SOL_DATA     G_MAXUINT16
/* Each lenstr field is at most 255 bytes by construction. */
#define OB_REDIR_MAX_LENSTR       255

/* Sizes of the fixed-size messages. */
#define OB_REDIR_START_SESSION_SIZE          8
#define OB_REDIR_START_SESSION_REPLY_SIZE    13   /* + OEM data length */
#define OB_REDIR_START_SESSION_REPLY_SHORT   4    /* non-zero status */
#define OB_REDIR_END_SESSION_SIZE            4
#define OB_REDIR_AUTH_HEADER_SIZE            9    /* + payload length */
#define OB_REDIR_HEADER_SIZE                 8    /* type, 3 bytes, LE32 seq */
#define OB_REDIR_SOL_START_SIZE              24
#define OB_REDIR_SOL_START_REPLY_SIZE        23
#define OB_REDIR_SOL_SETTINGS_SIZE           14
#define OB_REDIR_SOL_DATA_HEADER_SIZE        10   /* + data length */
#define OB_REDIR_SOL_CONTROLS_SIZE           10
#define OB_REDIR_KVM_START_SIZE              8
#define OB_REDIR_KVM_START_REPLY_SIZE        8
#define OB_REDIR_IDER_OPEN_SIZE              18
#define OB_REDIR_IDER_OPEN_REPLY_SIZE        30   /* + OEM data length */

/* Session tags in StartRedirectionSession, as LE32. */
#define OB_REDIR_TAG_SOL   0x204C4F53u  /* "SOL " */
#define OB_REDIR_TAG_IDER  0x52454449u  /* "IDER" */
#define OB_REDIR_TAG_KVM   0x524D564Bu  /* "KVMR" */

/* The digest uri and method AMT expects. */
#define OB_REDIR_DIGEST_URI    "/RedirectionService"
#define OB_REDIR_DIGEST_METHOD "POST"

typedef enum
{
  OB_REDIR_SESSION_NONE = 0,   /* not started yet / unknown tag */
  OB_REDIR_SESSION_SOL,
  OB_REDIR_SESSION_KVM,
  OB_REDIR_SESSION_IDER,
} ObRedirSessionType;

typedef enum
{
  /* Console (client) -> device: requests. */
  OB_REDIR_TO_DEVICE,
  /* Device -> console: replies and device-initiated frames. */
  OB_REDIR_TO_CONSOLE,
} ObRedirDirection;

/* Wire type bytes. */
typedef enum
{
  OB_REDIR_MSG_START_SESSION        = 0x10,
  OB_REDIR_MSG_START_SESSION_REPLY  = 0x11,
  OB_REDIR_MSG_END_SESSION          = 0x12,
  OB_REDIR_MSG_AUTHENTICATE         = 0x13,
  OB_REDIR_MSG_AUTHENTICATE_REPLY   = 0x14,
  OB_REDIR_MSG_SOL_START            = 0x20,
  OB_REDIR_MSG_SOL_START_REPLY      = 0x21,
  OB_REDIR_MSG_SOL_END              = 0x22,
  OB_REDIR_MSG_SOL_END_REPLY        = 0x23,
  OB_REDIR_MSG_SOL_KEEPALIVE_PING   = 0x24,
  OB_REDIR_MSG_SOL_KEEPALIVE_PONG   = 0x25,
  /* MeshCommander's undocumented 14-byte message after 0x21; accepted and
   * ignored by devices. */
  OB_REDIR_MSG_SOL_SETTINGS         = 0x27,
  OB_REDIR_MSG_SOL_DATA_TO_HOST     = 0x28,
  OB_REDIR_MSG_SOL_CONTROLS         = 0x29,
  OB_REDIR_MSG_SOL_DATA_FROM_HOST   = 0x2A,
  OB_REDIR_MSG_SOL_HEARTBEAT        = 0x2B,
  /* KVM session: start data / reply.  IDER session: open / open reply. */
  OB_REDIR_MSG_KVM_START            = 0x40,
  OB_REDIR_MSG_KVM_START_REPLY      = 0x41,
  OB_REDIR_MSG_IDER_OPEN            = 0x40,
  OB_REDIR_MSG_IDER_OPEN_REPLY      = 0x41,
  OB_REDIR_MSG_IDER_CLOSE           = 0x42,
  OB_REDIR_MSG_IDER_CLOSE_REPLY     = 0x43,
  OB_REDIR_MSG_IDER_KEEPALIVE_PING  = 0x44,
  OB_REDIR_MSG_IDER_KEEPALIVE_PONG  = 0x45,
  OB_REDIR_MSG_IDER_RESET_OCCURRED  = 0x46,
  OB_REDIR_MSG_IDER_STATUS_DATA     = 0x49,
  OB_REDIR_MSG_IDER_ERROR_OCCURRED  = 0x4A,
  OB_REDIR_MSG_IDER_HEARTBEAT       = 0x4B,
  OB_REDIR_MSG_IDER_COMMAND_WRITTEN = 0x50,
  OB_REDIR_MSG_IDER_DATA_FROM_HOST  = 0x53,
} ObRedirMessageType;

/* StartRedirectionSessionReply status. */
typedef enum
{
  OB_REDIR_STATUS_SUCCESS      = 0,
  OB_REDIR_STATUS_TYPE_UNKNOWN = 1,
  OB_REDIR_STATUS_BUSY         = 2,
  OB_REDIR_STATUS_UNSUPPORTED  = 3,
  OB_REDIR_STATUS_ERROR        = 0xFF,
} ObRedirStatus;

/* AuthenticateSession auth types. */
typedef enum
{
  OB_REDIR_AUTH_QUERY         = 0,
  OB_REDIR_AUTH_USERPASS      = 1,
  OB_REDIR_AUTH_KERBEROS      = 2,
  /* Digest without qop (RFC 2069 style). */
  OB_REDIR_AUTH_DIGEST_NO_QOP = 3,
  /* Digest with qop=auth and cnonce (RFC 2617): what AMT offers. */
  OB_REDIR_AUTH_DIGEST        = 4,
} ObRedirAuthType;

/* AuthenticateSessionReply status. */
typedef enum
{
  OB_REDIR_AUTH_STATUS_SUCCESS       = 0,
  /* Failure; with a non-empty digest payload it is the challenge. */
  OB_REDIR_AUTH_STATUS_FAILURE       = 1,
  OB_REDIR_AUTH_STATUS_NOT_SUPPORTED = 2,
} ObRedirAuthStatus;

/* SOL 0x29 control bits ([8]) and status bits ([9]). */
#define OB_REDIR_SOL_CONTROL_RTS    0x01
#define OB_REDIR_SOL_CONTROL_DTR    0x02
#define OB_REDIR_SOL_CONTROL_BREAK  0x04
#define OB_REDIR_SOL_STATUS_TX_OVERFLOW      0x01
#define OB_REDIR_SOL_STATUS_LOOPBACK         0x02
#define OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON  0x04
#define OB_REDIR_SOL_STATUS_RX_FLUSH_TIMEOUT 0x08
#define OB_REDIR_SOL_STATUS_TEST_MODE        0x10

typedef enum
{
  OB_REDIR_PARSE_NEED_MORE,
  OB_REDIR_PARSE_OK,
  OB_REDIR_PARSE_ERROR,
} ObRedirParseStatus;

/* The SOL session settings (StartSOLRedirection [8..19], all LE16; the
 * device echoes them in its reply).  Milliseconds except max_tx_buffer. */
typedef struct
{
  guint16 max_tx_buffer;
  guint16 tx_timeout;
  guint16 tx_overflow_timeout;
  guint16 rx_timeout;
  guint16 rx_flush_timeout;
  guint16 heartbeat_interval;
} ObRedirSolSettings;

/* amtterm's values (1000/100/0/10000/0/5000): a heartbeat every 5 s. */
void ob_redir_sol_settings_init_default (ObRedirSolSettings *settings);

/* One decoded message.  Strings are owned NUL-terminated copies (NULL when
 * the field is not part of that message); byte payloads (SOL data, OEM
 * data, raw auth payload, IDER bodies) are borrowed: they point into the
 * parser's input and are valid only as long as it is.  Clear with
 * ob_redir_message_clear(). */
typedef struct
{
  ObRedirMessageType type;   /* the wire byte */
  ObRedirDirection   direction;
  /* The LE32 at [4] of the 8-byte-header messages (SOL, KVM, IDER); 0 for
   * the others. */
  guint32            sequence;

  union
  {
    /* START_SESSION (0x10).  @session is NONE for an unknown tag (the
     * device answers TYPE_UNKNOWN). */
    struct
    {
      guint8             flag;      /* 1 for KVM by every known client */
      guint32            tag;
      ObRedirSessionType session;
    } start;

    /* START_SESSION_REPLY (0x11).  With a non-zero status only the first 4
     * bytes exist (and only they are consumed); the rest is zero. */
    struct
    {
      guint8        status;
      guint8        protocol_major;
      guint8        protocol_minor;
      guint8        firmware_major;
      guint8        firmware_minor;
      guint32       oem_iana;
      const guint8 *oem_data;
      gsize         oem_length;
    } start_reply;

    /* AUTHENTICATE (0x13) and AUTHENTICATE_REPLY (0x14).  @payload is the
     * raw payload; the decoded fields depend on the direction:
     *   to device, QUERY: nothing (payload ignored);
     *   to device, USERPASS: @username, @password;
     *   to device, KERBEROS: only @payload;
     *   to device, DIGEST(_NO_QOP): @username, @realm, @nonce, @uri,
     *     @cnonce, @nc, @response and (DIGEST only) @qop — all "" in the
     *     hello except @username and @uri;
     *   to console, QUERY: @methods / @n_methods (the payload);
     *   to console, DIGEST(_NO_QOP) with status FAILURE and a non-empty
     *     payload: the challenge @realm, @nonce, (DIGEST) @qop;
     *   to console, anything else: only @payload (skipped).
     * An auth type above 4 is kept as a number with no decoded field. */
    struct
    {
      guint8        status;
      guint8        auth_type;
      const guint8 *payload;
      gsize         payload_length;
      const guint8 *methods;
      gsize         n_methods;
      char         *username;
      char         *password;   /* wiped by ob_redir_message_clear() */
      char         *realm;
      char         *nonce;
      char         *uri;
      char         *cnonce;
      char         *nc;
      char         *response;
      char         *qop;
    } auth;

    /* SOL_START (0x20) and SOL_START_REPLY (0x21, @status at [1]). */
    struct
    {
      guint8             status;
      ObRedirSolSettings settings;
    } sol_start;

    /* SOL_SETTINGS (0x27): the 6 bytes after the header, kept as they are
     * (MeshCommander sends 00 00 1B 00 00 00). */
    struct
    {
      guint8 bytes[6];
    } sol_settings;

    /* SOL_DATA_TO_HOST (0x28), SOL_DATA_FROM_HOST (0x2A), borrowed. */
    struct
    {
      const guint8 *data;
      gsize         length;
    } sol_data;

    /* SOL_CONTROLS (0x29). */
    struct
    {
      guint8 control;
      guint8 status;
    } sol_controls;

    /* KVM_START (0x40, KVM session) and KVM_START_REPLY (0x41): bytes 1..3
     * (zero in every trace; a simulator may put a non-zero status in [1]
     * and the console treats it as a refusal). */
    struct
    {
      guint8 status;
    } kvm;

    /* IDER_OPEN (0x40, IDER session): timeouts in ms, version. */
    struct
    {
      guint16 rx_timeout;
      guint16 tx_timeout;
      guint16 heartbeat_interval;
      guint32 version;
    } ider_open;

    /* IDER_OPEN_REPLY (0x41, IDER session): the documented fields; the
     * rest of the 30 bytes is kept in @raw. */
    struct
    {
      guint8        protocol_major;
      guint8        protocol_minor;
      guint8        firmware_major;
      guint8        firmware_minor;
      guint16       read_buffer_size;
      guint16       write_buffer_size;
      guint32       oem_iana;
      const guint8 *oem_data;
      gsize         oem_length;
      guint8        raw[OB_REDIR_IDER_OPEN_REPLY_SIZE];
    } ider_open_reply;

    /* The other device-to-console IDER messages (reset occurred, status
     * data, error, command written, data from host): the whole message,
     * borrowed.  SCSI handling is not part of this codec. */
    struct
    {
      const guint8 *bytes;
      gsize         length;
    } ider_other;
  };
} ObRedirMessage;

/* Parse the message at the start of @data, travelling in @direction, in a
 * session of type @session (NONE before StartRedirectionSession succeeded;
 * 0x40/0x41 then are protocol errors).
 *   OK: @out is filled, *@consumed is its size.
 *   NEED_MORE: @data holds the start of a valid message; nothing filled.
 *   ERROR: OB_REDIR_ERROR_PROTOCOL (unknown type for that direction and
 *     session, payload over the limit — as soon as the length is visible —,
 *     a lenstr running past its payload, a NUL in a string, a message of a
 *     session the side is not in); nothing filled.
 * Never reads past @len.  @out must be zeroed or cleared. */
ObRedirParseStatus ob_redir_message_parse  (const guint8        *data,
                                            gsize                len,
                                            ObRedirDirection     direction,
                                            ObRedirSessionType   session,
                                            ObRedirMessage      *out,
                                            gsize               *consumed,
                                            GError             **error);

/* Free what @message owns (the password is wiped first) and zero it. */
void               ob_redir_message_clear  (ObRedirMessage      *message);

/* The wire form of @message (its type, direction and fields; the session
 * is implied by the type's union member).  NULL for a message that cannot
 * be encoded (unknown type, string over 255 bytes, payload over a limit).
 * parse(build(m)) == m for every parsed m. */
GBytes            *ob_redir_message_build  (const ObRedirMessage *message,
                                            ObRedirSessionType    session);

/* Field-by-field comparison (borrowed bytes compared by content). */
gboolean           ob_redir_message_equal  (const ObRedirMessage *a,
                                            const ObRedirMessage *b);

/* "START_SESSION_REPLY", "SOL_DATA_FROM_HOST", …; "unknown" otherwise. */
const char        *ob_redir_message_type_to_string (guint8             type,
                                                    ObRedirDirection   direction,
                                                    ObRedirSessionType session);
const char        *ob_redir_session_type_to_string (ObRedirSessionType session);
guint32            ob_redir_session_type_to_tag    (ObRedirSessionType session);
ObRedirSessionType ob_redir_session_type_from_tag  (guint32            tag);

/* Map a non-zero StartRedirectionSessionReply status to a clear error for
 * a person, e.g. UNSUPPORTED on KVM -> OB_REDIR_ERROR_DISABLED "KVM is
 * disabled on this device"; BUSY -> OB_REDIR_ERROR_BUSY "A KVM session is
 * already open on this device (session busy)".  Status 0 -> NULL. */
GError            *ob_redir_start_status_to_error  (ObRedirSessionType session,
                                                    guint8             status);
/* The same for an AuthenticateSessionReply failure. */
GError            *ob_redir_auth_status_to_error   (guint8             auth_type,
                                                    guint8             status);

/* ---- Builders (one message each).  Strings NULL = "". ------------------- */

/* Console -> device. */
GBytes *ob_redir_build_start_session          (ObRedirSessionType  session);
GBytes *ob_redir_build_end_session            (void);
GBytes *ob_redir_build_auth_query             (void);
/* The digest "hello": @user, empty realm/nonce, uri /RedirectionService,
 * empty cnonce/nc/response (and qop for DIGEST). @auth_type is DIGEST or
 * DIGEST_NO_QOP. */
GBytes *ob_redir_build_auth_digest_hello      (ObRedirAuthType     auth_type,
                                               const char         *username);
/* The digest answer.  @qop is ignored for DIGEST_NO_QOP.  NULL if a field
 * is longer than 255 bytes. */
GBytes *ob_redir_build_auth_digest_response   (ObRedirAuthType     auth_type,
                                               const char         *username,
                                               const char         *realm,
                                               const char         *nonce,
                                               const char         *uri,
                                               const char         *cnonce,
                                               const char         *nc,
                                               const char         *response,
                                               const char         *qop);
GBytes *ob_redir_build_auth_userpass          (const char         *username,
                                               const char         *password);
/* Over /ws-redirection: Kerberos with an empty ticket. */
GBytes *ob_redir_build_auth_kerberos          (const guint8       *ticket,
                                               gsize               length);
GBytes *ob_redir_build_kvm_start              (void);
/* @settings NULL: ob_redir_sol_settings_init_default(). */
GBytes *ob_redir_build_sol_start              (guint32                   sequence,
                                               const ObRedirSolSettings *settings);
GBytes *ob_redir_build_sol_settings           (guint32             sequence);
GBytes *ob_redir_build_sol_end                (guint32             sequence);
GBytes *ob_redir_build_sol_keepalive_ping     (guint32             sequence);
/* @length at most OB_REDIR_MAX_SOL_DATA (a programming error otherwise). */
GBytes *ob_redir_build_sol_data_to_host       (guint32             sequence,
                                               const guint8       *data,
                                               gsize               length);
GBytes *ob_redir_build_ider_open              (guint32             sequence,
                                               guint16             rx_timeout,
                                               guint16             tx_timeout,
                                               guint16             heartbeat_interval);

/* Both directions. */
GBytes *ob_redir_build_sol_heartbeat          (guint32             sequence);

/* Device -> console. */
/* A non-zero @status gives the 4-byte form.  @oem_length at most 255. */
GBytes *ob_redir_build_start_session_reply    (guint8              status,
                                               guint8              protocol_major,
                                               guint8              protocol_minor,
                                               guint8              firmware_major,
                                               guint8              firmware_minor,
                                               guint32             oem_iana,
                                               const guint8       *oem_data,
                                               gsize               oem_length);
/* Any reply with a raw payload (success: @status 0, no payload). */
GBytes *ob_redir_build_auth_reply             (guint8              auth_type,
                                               guint8              status,
                                               const guint8       *payload,
                                               gsize               length);
/* The QUERY answer listing @n_methods auth types. */
GBytes *ob_redir_build_auth_query_reply       (const guint8       *methods,
                                               gsize               n_methods);
/* The digest challenge: status FAILURE, realm, nonce, (DIGEST) qop. */
GBytes *ob_redir_build_auth_digest_challenge  (ObRedirAuthType     auth_type,
                                               const char         *realm,
                                               const char         *nonce,
                                               const char         *qop);
/* @status 0 = the normal 8-byte reply. */
GBytes *ob_redir_build_kvm_start_reply        (guint8              status);
GBytes *ob_redir_build_sol_start_reply        (guint8                    status,
                                               guint32                   sequence,
                                               const ObRedirSolSettings *settings);
GBytes *ob_redir_build_sol_end_reply          (guint32             sequence);
GBytes *ob_redir_build_sol_keepalive_pong     (guint32             sequence);
GBytes *ob_redir_build_sol_controls           (guint32             sequence,
                                               guint8              control,
                                               guint8              status);
GBytes *ob_redir_build_sol_data_from_host     (guint32             sequence,
                                               const guint8       *data,
                                               gsize               length);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ObRedirMessage, ob_redir_message_clear)

G_END_DECLS
