/* ob-http-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-http-error.h"

G_DEFINE_QUARK (ob-http-error-quark, ob_http_error)
