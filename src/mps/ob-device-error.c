/* ob-device-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-device-error.h"

G_DEFINE_QUARK (ob-device-error-quark, ob_device_error)
