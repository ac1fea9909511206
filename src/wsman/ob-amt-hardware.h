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
 * in the reference's "v2.x" format:
 * - Get classes (ComputerSystemPackage, Chassis, Card, BIOSElement):
 *   "response" is the instance, "responses" is [{"Header":…,"Body":…}];
 * - PhysicalMemory and MediaAccessDevice: "responses" is the array of
 *   instances;
 * - Processor, Chip, SystemPackaging (its CIM_ComputerSystemPackage items)
 *   and PhysicalPackage (its CIM_Card items): "responses" is a one-element
 *   array holding the instance, or the array of instances when there are
 *   several (the reference's own quirk, kept so clients see the same).
 * A class the device refuses gets status 400 (and [null]) rather than
 * failing the whole call; the call fails only when the device cannot be
 * reached at all (or is cancelled).  The requests run concurrently, within
 * the client's in-flight limit. */
void      ob_amt_hardware_info_async  (ObWsmanClient        *client,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
JsonNode *ob_amt_hardware_info_finish (ObWsmanClient        *client,
                                       GAsyncResult         *result,
                                       GError              **error);

G_END_DECLS
