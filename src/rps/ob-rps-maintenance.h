/* ob-rps-maintenance.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-rps-flow.h"

G_BEGIN_DECLS

#define OB_TYPE_RPS_MAINTENANCE (ob_rps_maintenance_get_type ())

G_DECLARE_FINAL_TYPE (ObRpsMaintenance, ob_rps_maintenance, OB, RPS_MAINTENANCE, ObRpsFlow)

/* Maintenance tasks (§3.6) on an activated device, with admin and the
 * stored password: synctime (GetLowAccuracyTimeSynch, then
 * SetHighAccuracyTimeSynch), changepassword (SetAdminAclEntryEx with the
 * task argument or a fresh password, kept in the keyring), synchostname
 * (AMT_GeneralSettings HostName from the OS), syncip (the wired port's
 * addresses from the OS, or DHCP), syncdeviceinfo (the firmware facts into
 * the device record).  Status "<task> completed succesfully" (sic, the
 * reference's spelling rpc-go users see) or "<task> failed <why>". */
ObRpsMaintenance *ob_rps_maintenance_new          (ObRpsWsman       *wsman,
                                                   ObRpcClientInfo  *info,
                                                   ObRpsContext     *context,
                                                   const char       *client_id,
                                                   GError          **error);
/* changepassword: the password now set (borrowed), NULL otherwise. */
const char       *ob_rps_maintenance_get_new_password (ObRpsMaintenance *self);

G_END_DECLS
