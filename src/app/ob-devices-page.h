/* ob-devices-page.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device-presence.h"
#include "ob-device-registry.h"
#include "ob-device.h"
#include "ob-mps-server.h"

G_BEGIN_DECLS

#define OB_TYPE_DEVICES_PAGE (ob_devices_page_get_type ())

G_DECLARE_FINAL_TYPE (ObDevicesPage, ob_devices_page, OB, DEVICES_PAGE, AdwBin)

GtkWidget        *ob_devices_page_new                (void);
GListModel       *ob_devices_page_get_model          (ObDevicesPage    *self);
void              ob_devices_page_set_model          (ObDevicesPage    *self,
                                                      GListModel       *model);
ObDeviceRegistry *ob_devices_page_get_registry       (ObDevicesPage    *self);
void              ob_devices_page_set_registry       (ObDevicesPage    *self,
                                                      ObDeviceRegistry *registry);
/* The CIRA listener whose status the header shows (a subtitle, a status
 * button with a popover, and a banner with "Change Port…" (app.preferences)
 * and "Retry" (win.retry-cira) while it cannot listen). */
ObMpsServer      *ob_devices_page_get_mps_server     (ObDevicesPage    *self);
void              ob_devices_page_set_mps_server     (ObDevicesPage    *self,
                                                      ObMpsServer      *mps);
const char       *ob_devices_page_get_mps_status     (ObDevicesPage    *self);
const char       *ob_devices_page_get_mps_error      (ObDevicesPage    *self);
ObDevicePresence *ob_devices_page_get_presence       (ObDevicesPage    *self);
gboolean          ob_devices_page_get_folded         (ObDevicesPage    *self);
void              ob_devices_page_set_folded         (ObDevicesPage    *self,
                                                      gboolean          folded);
gboolean          ob_devices_page_get_selection_mode (ObDevicesPage    *self);
void              ob_devices_page_set_selection_mode (ObDevicesPage    *self,
                                                      gboolean          selection_mode);
gboolean          ob_devices_page_get_demo_available (ObDevicesPage    *self);
void              ob_devices_page_set_demo_available (ObDevicesPage    *self,
                                                      gboolean          demo_available);

/* The filtered, multi-selectable list the view shows. (transfer none) */
GtkSelectionModel *ob_devices_page_get_selection     (ObDevicesPage    *self);

/* Slides to the device's own page; NULL goes back to the list.  Returns
 * the page shown. (transfer none) */
GtkWidget        *ob_devices_page_show_device        (ObDevicesPage    *self,
                                                      ObDevice         *device);
/* (transfer none) (nullable) the device page, while one is shown */
GtkWidget        *ob_devices_page_get_device_page    (ObDevicesPage    *self);

/* Runs a power action on every selected device (after confirmation for
 * the destructive ones), as the action bar does. */
void              ob_devices_page_run_bulk_action    (ObDevicesPage    *self,
                                                      int               action);
/* Whether a bulk action is still running on some device. */
gboolean          ob_devices_page_get_bulk_running   (ObDevicesPage    *self);

G_END_DECLS
