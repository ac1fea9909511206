/* ob-device-hardware.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"

G_BEGIN_DECLS

#define OB_TYPE_DEVICE_HARDWARE (ob_device_hardware_get_type ())

G_DECLARE_FINAL_TYPE (ObDeviceHardware, ob_device_hardware, OB, DEVICE_HARDWARE, AdwBin)

/* The device page's hardware tab: the hardware inventory (system, board,
 * BIOS, processor, memory modules, storage) as grouped rows, read when the
 * tab is first shown. */
GtkWidget  *ob_device_hardware_new        (ObDevice         *device);
ObDevice   *ob_device_hardware_get_device (ObDeviceHardware *self);
void        ob_device_hardware_reload     (ObDeviceHardware *self);
/* "loading", "error" or "content" */
const char *ob_device_hardware_get_state  (ObDeviceHardware *self);
/* The titles of the groups shown, in order. (transfer full) */
GStrv       ob_device_hardware_dup_group_titles (ObDeviceHardware *self);

G_END_DECLS
