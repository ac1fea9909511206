/* ob-rps-activation.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-rps-flow.h"

G_BEGIN_DECLS

#define OB_TYPE_RPS_ACTIVATION (ob_rps_activation_get_type ())

G_DECLARE_FINAL_TYPE (ObRpsActivation, ob_rps_activation, OB, RPS_ACTIVATION, ObRpsFlow)

/* Activation (protocols/rps-rpc-activation.md §3.1–3.3): CCM through
 * IPS_HostBasedSetupService.Setup; ACM with the domain's provisioning
 * certificate (root hash against the device's certHashes, the chain leaf
 * to root with AddNextCertInChain, AdminSetup with the RSA-SHA256
 * signature over fwNonce ‖ McNonce, then the MEBx password); devices
 * already activated (UpgradeClientToAdmin, or the admin password changed
 * to the profile's with SetAdminAclEntryEx).  On success the AMT (and
 * MEBx) password is in the keyring and the device record in the store.
 *
 * ob_rps_activation_new() runs the reference's checks of the first message
 * (§2.7) and fails with its texts (OB_RPS_ERROR_REFUSED). */
ObRpsActivation *ob_rps_activation_new          (ObRpsWsman       *wsman,
                                                 ObRpcClientInfo  *info,
                                                 ObRpsContext     *context,
                                                 const char       *tenant_id,
                                                 GError          **error);
ObProfile       *ob_rps_activation_get_profile  (ObRpsActivation  *self);
/* The device's address as the server saw it (the rpc-go peer), kept as
 * the LAN host of a device without CIRA; NULL = unknown. */
void             ob_rps_activation_set_host     (ObRpsActivation  *self,
                                                 const char       *host);
/* After success: the AMT admin password now set (borrowed, wiped with the
 * object) and the control mode (1 CCM, 2 ACM). */
const char      *ob_rps_activation_get_amt_password (ObRpsActivation *self);
guint            ob_rps_activation_get_control_mode (ObRpsActivation *self);
/* AMT_GeneralSettings as read during activation (NULL before). */
JsonObject      *ob_rps_activation_get_general_settings (ObRpsActivation *self);

G_END_DECLS
