/* ob-device-overview.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"

G_BEGIN_DECLS

#define OB_TYPE_DEVICE_OVERVIEW (ob_device_overview_get_type ())

G_DECLARE_FINAL_TYPE (ObDeviceOverview, ob_device_overview, OB, DEVICE_OVERVIEW, AdwBin)

/* The device page's first tab: power state and reachability (live), AMT
 * version, SKU, control mode, network settings and enabled features, all
 * from the ObDevice's properties. */
GtkWidget *ob_device_overview_new        (ObDevice         *device);
ObDevice  *ob_device_overview_get_device (ObDeviceOverview *self);

/* What a row shows, by row: "power", "connection", "version", "sku",
 * "control-mode", "address", "port", "user", "redirection", "consent".
 * For tests and for copying. */
const char *ob_device_overview_get_value (ObDeviceOverview *self,
                                          const char       *row);

G_END_DECLS
