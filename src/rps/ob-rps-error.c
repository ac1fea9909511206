/* ob-rps-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-rps-error.h"

G_DEFINE_QUARK (ob-rps-error-quark, ob_rps_error)
