/* ob-apf-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-apf-error.h"

G_DEFINE_QUARK (ob-apf-error-quark, ob_apf_error)
