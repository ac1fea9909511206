/* ob-rps-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_RPS_ERROR (ob_rps_error_quark ())

/* Errors of the provisioning server.  For the validation codes the message
 * is the reference RPS's text, sent to rpc-go as is. */
typedef enum
{
  /* Not an rpc-go envelope: bad JSON, wrong member types, bad base64. */
  OB_RPS_ERROR_INVALID_MESSAGE = 1,
  /* A message or payload over a size or nesting limit. */
  OB_RPS_ERROR_TOO_LARGE,
  /* A method (first word of "method") the server does not handle. */
  OB_RPS_ERROR_UNSUPPORTED_METHOD,
  /* protocolVersion not compatible with ours. */
  OB_RPS_ERROR_PROTOCOL_VERSION,
  /* The payload lacks what the method needs. */
  OB_RPS_ERROR_INVALID_PAYLOAD,
  /* The request is well formed but refused (unknown profile, wrong
   * password, firmware too old, …). */
  OB_RPS_ERROR_REFUSED,
  /* The device answered, but not with success (a ReturnValue, a fault, an
   * HTTP status other than 200/401). */
  OB_RPS_ERROR_DEVICE,
  /* Three 401 in a row. */
  OB_RPS_ERROR_AUTH_FAILED,
  /* No answer in time (one call or the whole flow). */
  OB_RPS_ERROR_TIMEOUT,
  /* The rpc-go connection went away. */
  OB_RPS_ERROR_CLOSED,
  /* The store or the keyring failed. */
  OB_RPS_ERROR_STORAGE,
} ObRpsError;

GQuark ob_rps_error_quark (void);

G_END_DECLS
