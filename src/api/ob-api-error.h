/* ob-api-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Errors of the REST API server (src/api): starting it, and the request
 * bodies it refuses before any route sees them. */
#define OB_API_ERROR (ob_api_error_quark ())

typedef enum
{
  /* Neither OUTBAND_API_PASSWORD nor a password in the keyring: the API
   * refuses to start rather than run with a default password. */
  OB_API_ERROR_NO_PASSWORD = 1,
  /* The keyring could not give or keep the JWT signing key. */
  OB_API_ERROR_KEYRING,
  /* The address or port could not be listened on. */
  OB_API_ERROR_LISTEN,
  /* A request body that is not JSON, not UTF-8, or nested too deeply. */
  OB_API_ERROR_MALFORMED_JSON,
  /* A request body over the size limit. */
  OB_API_ERROR_TOO_LARGE,
  /* The server is already running or starting. */
  OB_API_ERROR_BUSY,
} ObApiError;

GQuark ob_api_error_quark (void);

G_END_DECLS
