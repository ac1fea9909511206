/* ob-device-page.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device-registry.h"
#include "ob-device.h"

G_BEGIN_DECLS

#define OB_TYPE_DEVICE_PAGE (ob_device_page_get_type ())

G_DECLARE_FINAL_TYPE (ObDevicePage, ob_device_page, OB, DEVICE_PAGE, AdwBin)

/* One device: a power menu in the header bar with the actions the
 * device's capabilities allow, and tabs for its overview, hardware, logs
 * (event log and audit log), redirection features and alarms.  Shown inside the
 * devices page, whose "devices.back" action leads back to the list.
 * @registry (nullable) is used to remove the device. */
GtkWidget  *ob_device_page_new                 (ObDevice     *device,
                                                ObDeviceRegistry *registry);
ObDevice   *ob_device_page_get_device          (ObDevicePage *self);
gboolean    ob_device_page_get_folded          (ObDevicePage *self);
void        ob_device_page_set_folded          (ObDevicePage *self,
                                                gboolean      folded);

/* The header bar's power menu: one item per action the device allows,
 * action "device.power" with the Open AMT action number as target. */
GMenuModel *ob_device_page_get_power_menu      (ObDevicePage *self);
/* Whether the device's power capabilities have been read (the menu then
 * lists exactly what they allow). */
gboolean    ob_device_page_get_capabilities_loaded (ObDevicePage *self);

/* Shows a tab by name: "overview", "hardware", "logs", "features",
 * "alarms"; "events" and "audit" show the logs tab at that log.
 * (transfer none) the tab's widget (the log's for those two) */
GtkWidget  *ob_device_page_show_tab            (ObDevicePage *self,
                                                const char   *name);

/* Whether a power action started here is still running. */
gboolean    ob_device_page_get_power_busy      (ObDevicePage *self);

G_END_DECLS
