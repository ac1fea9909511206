/* ob-amt-status.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Errors of the typed AMT calls (ob-amt-*.h) that are not transport or
 * WS-Man errors (those are OB_WSMAN_ERROR).  The REST API maps them to
 * status codes: INVALID_ARGUMENT -> 400, NOT_FOUND -> 404, QUOTA_EXCEEDED
 * -> 400 with its own message, NOT_ALLOWED -> 400, FAILED -> 400,
 * UNEXPECTED_RESPONSE -> 400/500. */
#define OB_AMT_ERROR (ob_amt_error_quark ())

typedef enum
{
  /* The caller asked for something the device could never do (an action
   * number outside the lists, an empty alarm name, a boot path too long). */
  OB_AMT_ERROR_INVALID_ARGUMENT = 1,
  /* The object named by a selector does not exist (alarm InstanceID). */
  OB_AMT_ERROR_NOT_FOUND,
  /* The device refused because a limit is reached (alarm QuotaLimit). */
  OB_AMT_ERROR_QUOTA_EXCEEDED,
  /* Not allowed in the device's current mode (EnforceSecureBoot off in CCM). */
  OB_AMT_ERROR_NOT_ALLOWED,
  /* A method ran and returned a non-zero ReturnValue where the call treats
   * that as failure (the steps of a features set).  The message carries the
   * status name. */
  OB_AMT_ERROR_FAILED,
  /* The reply lacks what the call needs (no PowerState, no AMT version). */
  OB_AMT_ERROR_UNEXPECTED_RESPONSE,
} ObAmtError;

GQuark      ob_amt_error_quark      (void);

/* The name of an AMT firmware status code (PT_STATUS_*, without the
 * prefix): 0 -> "SUCCESS", 0x24 -> "INVALID_PARAMETER", 0x800 ->
 * "INVALID_PT_MODE" … Unknown codes give "UNKNOWN_ERROR".  Never NULL. */
const char *ob_amt_status_to_string (guint code);

G_END_DECLS
