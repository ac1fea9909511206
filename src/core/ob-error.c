/* ob-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "ob-error.h"

G_DEFINE_QUARK (ob-error-quark, ob_error)

/* Cancellation is never shown to users; callers test for it with this. */
gboolean
ob_error_is_cancelled (const GError *error)
{
  return error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}
