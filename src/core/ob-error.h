/* ob-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Errors that do not belong to one subsystem: bad arguments from a user or a
 * file, values out of range.  Subsystems have their own domains
 * (OB_STORE_ERROR, OB_TLS_ERROR, …). */
#define OB_ERROR (ob_error_quark ())

typedef enum
{
  OB_ERROR_INVALID_ARGUMENT = 1,
  OB_ERROR_OUT_OF_RANGE,
  OB_ERROR_NOT_FOUND,
  OB_ERROR_FAILED,
} ObError;

GQuark   ob_error_quark        (void);
gboolean ob_error_is_cancelled (const GError *error);

G_END_DECLS
