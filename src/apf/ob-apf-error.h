/* ob-apf-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_APF_ERROR (ob_apf_error_quark ())

/* Errors of the APF layer (the CIRA tunnel).  Channel I/O after the
 * connection is gone uses G_IO_ERROR codes instead (CONNECTION_CLOSED,
 * BROKEN_PIPE), so HTTP code above a channel treats it like a socket. */
typedef enum
{
  /* Bytes that are not APF: a string over 2048 bytes, channel data over
   * 1 MiB, an unknown message type, a message the role never receives, a
   * NUL or invalid UTF-8 in a string. */
  OB_APF_ERROR_PROTOCOL = 1,
  /* The session is closed (or closed while the operation ran). */
  OB_APF_ERROR_CLOSED,
  /* The operation needs an authenticated session. */
  OB_APF_ERROR_NOT_AUTHENTICATED,
  /* The peer refused a channel (CHANNEL_OPEN_FAILURE); the message names
   * the reason. */
  OB_APF_ERROR_OPEN_FAILED,
  /* The per-session channel cap is reached. */
  OB_APF_ERROR_TOO_MANY_CHANNELS,
  /* Client role: the server answered USERAUTH_FAILURE. */
  OB_APF_ERROR_AUTH_FAILED,
  /* No answer in time (idle timeout, handshake timeout, channel open). */
  OB_APF_ERROR_TIMEOUT,
  /* The peer sent more channel data than the window and the buffer cap
   * allow. */
  OB_APF_ERROR_FLOW_CONTROL,
  /* The peer sent APF DISCONNECT. */
  OB_APF_ERROR_DISCONNECTED,
  /* Something the caller asked for that the role or state does not
   * support (opening a channel from the device side, …). */
  OB_APF_ERROR_NOT_SUPPORTED,
} ObApfError;

GQuark ob_apf_error_quark (void);

G_END_DECLS
