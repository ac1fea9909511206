/* ob-redir-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_REDIR_ERROR (ob_redir_error_quark ())

/* Errors of the redirection layer (KVM, SOL, IDER on 16994/16995) and of
 * the RFB client above it.  Messages are written for a person: the app
 * shows them as they are. */
typedef enum
{
  /* Bytes that are not the redirection protocol (or not RFB): unknown
   * message type, a length over a limit, a bad string, a rectangle outside
   * the framebuffer, a zlib error, … */
  OB_REDIR_ERROR_PROTOCOL = 1,
  /* StartRedirectionSession status 1: the device does not know the
   * session type. */
  OB_REDIR_ERROR_TYPE_UNKNOWN,
  /* Status 2: a session of that type is already open. */
  OB_REDIR_ERROR_BUSY,
  /* Status 3: the feature is disabled ("KVM is disabled on this device"). */
  OB_REDIR_ERROR_DISABLED,
  /* Status 0xFF or any other non-zero status: the device refused. */
  OB_REDIR_ERROR_DEVICE,
  /* Wrong user name or password (AuthenticateSessionReply failure). */
  OB_REDIR_ERROR_AUTH_FAILED,
  /* The device offers no authentication method this client speaks. */
  OB_REDIR_ERROR_AUTH_UNSUPPORTED,
  /* The device ended a KVM session between authentication and the KVM
   * start reply: what firmware does when user consent is required and has
   * not been given (or has expired). */
  OB_REDIR_ERROR_CONSENT_REQUIRED,
  /* The stream ended (the device closed the connection) or the session
   * was closed locally. */
  OB_REDIR_ERROR_CLOSED,
  /* No answer in time. */
  OB_REDIR_ERROR_TIMEOUT,
  /* The call does not fit the session's state or type (SOL data on a KVM
   * session, a second start, …). */
  OB_REDIR_ERROR_INVALID_STATE,
  /* RFB: the server refused (no usable security type, a failed
   * SecurityResult with its reason, a pixel format we cannot decode). */
  OB_REDIR_ERROR_RFB_REFUSED,
} ObRedirError;

GQuark ob_redir_error_quark (void);

G_END_DECLS
