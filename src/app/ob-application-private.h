/* ob-application-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-application.h"

G_BEGIN_DECLS

/* ob-application-actions.c */
void _ob_application_install_actions (ObApplication *self);

G_END_DECLS
