/* ob-redir-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-redir-error.h"

G_DEFINE_QUARK (ob-redir-error-quark, ob_redir_error)
