/* ob-device-features.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"

G_BEGIN_DECLS

#define OB_TYPE_DEVICE_FEATURES (ob_device_features_get_type ())

G_DECLARE_FINAL_TYPE (ObDeviceFeatures, ob_device_features, OB, DEVICE_FEATURES, AdwBin)

/* The device page's features tab: KVM, Serial-over-LAN and IDE
 * redirection switches and the user consent policy, read when the tab is
 * first shown; each change is applied on the device at once (the typed
 * features set call), then read back. */
GtkWidget *ob_device_features_new        (ObDevice         *device);
ObDevice  *ob_device_features_get_device (ObDeviceFeatures *self);
void       ob_device_features_reload     (ObDeviceFeatures *self);
/* "loading", "error" or "content" */
const char *ob_device_features_get_state (ObDeviceFeatures *self);
/* Whether a change is being applied. */
gboolean   ob_device_features_get_busy   (ObDeviceFeatures *self);

G_END_DECLS
