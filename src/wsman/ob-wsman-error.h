/* ob-wsman-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_WSMAN_ERROR (ob_wsman_error_quark ())

/* Errors of everything WS-Man: XML, envelopes, SOAP faults, log records and
 * (added by the HTTP side) transport-level failures of a WS-Man exchange. */
typedef enum
{
  /* The device answered with a SOAP Fault.  The message is
   * "<subcode>: <reason> (<detail>)" (the code's local name stands in for a
   * missing subcode; " (<detail>)" only when there is a detail); see
   * ob_wsman_error_dup_fault_subcode(). */
  OB_WSMAN_ERROR_FAULT = 1,
  /* Bytes that are not well-formed XML, not a SOAP envelope, or a binary
   * record that does not decode. */
  OB_WSMAN_ERROR_MALFORMED,
  OB_WSMAN_ERROR_AUTH_FAILED,
  OB_WSMAN_ERROR_TIMEOUT,
  /* Well-formed, but not what the request asked for (wrong RelatesTo,
   * missing class, missing ReturnValue, …). */
  OB_WSMAN_ERROR_UNEXPECTED_RESPONSE,
  /* Input over a hard limit (document size, nesting depth, text length). */
  OB_WSMAN_ERROR_TOO_LARGE,
  /* A caller passed something that cannot be put into a message (unknown
   * class prefix, JSON value with no XML form). */
  OB_WSMAN_ERROR_INVALID_ARGUMENT,
} ObWsmanError;

GQuark ob_wsman_error_quark (void);

/* For an OB_WSMAN_ERROR_FAULT error: the fault subcode's local name
 * (e.g. "DestinationUnreachable"; the code's, e.g. "Sender", when the fault
 * has no subcode), or NULL for any other error.  Free with g_free(). */
char  *ob_wsman_error_dup_fault_subcode (const GError *error);

G_END_DECLS
