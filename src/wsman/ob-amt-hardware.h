/* ob-amt-hardware.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ob-wsman-client.h"

G_BEGIN_DECLS

/* GET /amt/hardwareInfo: an object keyed by class name (CIM_ComputerSystemPackage,
 * CIM_SystemPackaging, CIM_Chassis, CIM_Chip, CIM_Card, CIM_BIOSElement,
 * CIM_Processor, CIM_PhysicalMemory, CIM_MediaAccessDevice,
 * CIM_PhysicalPackage), each {"response"?:{…},"responses":[…],"status":200|400}
 * in the reference's "v2.x" format.  A class the device refuses gets
 * status 400 rather than failing the whole call; the call fails only when
 * the device cannot be reached at all (or is cancelled). */
void      ob_amt_hardware_info_async  (ObWsmanClient        *client,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
JsonNode *ob_amt_hardware_info_finish (ObWsmanClient        *client,
                                       GAsyncResult         *result,
                                       GError              **error);

G_END_DECLS
