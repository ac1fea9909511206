/* ob-tls-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-tls-error.h"

G_DEFINE_QUARK (ob-tls-error-quark, ob_tls_error)
