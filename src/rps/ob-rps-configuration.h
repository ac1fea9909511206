/* ob-rps-configuration.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-rps-flow.h"

G_BEGIN_DECLS

#define OB_TYPE_RPS_CONFIGURATION (ob_rps_configuration_get_type ())

G_DECLARE_FINAL_TYPE (ObRpsConfiguration, ob_rps_configuration, OB, RPS_CONFIGURATION, ObRpsFlow)

/* The configuration after activation (protocols/rps-rpc-activation.md
 * §3.4), in the reference's order:
 *  A. clean-up of what an earlier provisioning left: wired 802.1x off,
 *     wireless profiles, remote access policies, MPS entries, TLS settings,
 *     certificates and keys, environment detection;
 *  B. network: AMT_GeneralSettings (shared FQDN, network, ping), the wired
 *     port (DHCP or static, IP sync), wireless profiles of the profile;
 *  C. redirection features (SOL, IDER, KVM) and user consent;
 *  D. CIRA (trusted root = the CIRA config's MPS root or our CA's root,
 *     the MPS password in the keyring and the MPS user in the device record,
 *     AddMpServer, periodic and user-initiated policies, policy/MPS links,
 *     user-initiated connections, environment detection), or TLS when the
 *     profile asks (self-signed: a throw-away CA per device made here, AMT's
 *     own key pair, the credential context, the clock, remote then local
 *     TLS settings, commit; the device record then says TLS on 16993 with
 *     the issued certificate pinned; a Microsoft CA is refused).
 * Results go into the shared status object ("Network", "CIRAConnection",
 * "TLSConfiguration").  The flow uses admin and the AMT password the
 * activation set (the caller sets the wsman credentials). */
ObRpsConfiguration *ob_rps_configuration_new (ObRpsWsman      *wsman,
                                              ObRpcClientInfo *info,
                                              ObRpsContext    *context,
                                              ObProfile       *profile,
                                              guint            control_mode);

G_END_DECLS
