/* ob-api-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-api-error.h"

G_DEFINE_QUARK (ob-api-error-quark, ob_api_error)
