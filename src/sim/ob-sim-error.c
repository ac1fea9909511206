/* ob-sim-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-sim-error.h"

G_DEFINE_QUARK (ob-sim-error-quark, ob_sim_error)
