/* ob-activation-row.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-rps-session.h"

G_BEGIN_DECLS

#define OB_TYPE_ACTIVATION_ROW (ob_activation_row_get_type ())

G_DECLARE_FINAL_TYPE (ObActivationRow, ob_activation_row, OB, ACTIVATION_ROW, AdwExpanderRow)

/* One rpc-go session on the provision page: the device, its profile and
 * state in the row, the steps of its flows (name, time, result) inside,
 * following the session live. */
GtkWidget    *ob_activation_row_new         (ObRpsSession    *session);
ObRpsSession *ob_activation_row_get_session (ObActivationRow *self);
guint         ob_activation_row_get_n_steps (ObActivationRow *self);

G_END_DECLS
