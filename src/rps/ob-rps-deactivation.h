/* ob-rps-deactivation.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-rps-flow.h"

G_BEGIN_DECLS

#define OB_TYPE_RPS_DEACTIVATION (ob_rps_deactivation_get_type ())

G_DECLARE_FINAL_TYPE (ObRpsDeactivation, ob_rps_deactivation, OB, RPS_DEACTIVATION, ObRpsFlow)

/* Deactivation (§3.5): AMT_SetupAndConfigurationService.Unprovision(1)
 * with admin and the device's password, then the device's passwords leave
 * the keyring and its record the store; Status "Deactivated".
 * ob_rps_deactivation_new() refuses a pre-provisioned device and, unless
 * forced, a password that is not the stored one (the reference's texts). */
ObRpsDeactivation *ob_rps_deactivation_new (ObRpsWsman       *wsman,
                                            ObRpcClientInfo  *info,
                                            ObRpsContext     *context,
                                            GError          **error);

G_END_DECLS
