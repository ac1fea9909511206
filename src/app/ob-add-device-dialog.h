/* ob-add-device-dialog.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device-registry.h"

G_BEGIN_DECLS

#define OB_TYPE_ADD_DEVICE_DIALOG (ob_add_device_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ObAddDeviceDialog, ob_add_device_dialog, OB, ADD_DEVICE_DIALOG, AdwWindow)

/* Asks for a LAN device's name, address, TLS, port, user and password,
 * tests the connection, has the admin confirm a TLS certificate's
 * fingerprint (trust on first use), then adds the device to @registry.
 * Emits ObAddDeviceDialog::device-added with the new ObDevice and closes. */
GtkWidget        *ob_add_device_dialog_new          (ObDeviceRegistry  *registry);
ObDeviceRegistry *ob_add_device_dialog_get_registry (ObAddDeviceDialog *self);

/* Whether a connection test, certificate probe or add is running. */
gboolean          ob_add_device_dialog_get_busy     (ObAddDeviceDialog *self);
/* The line under "Test Connection": what the last test or add found. */
const char       *ob_add_device_dialog_get_status   (ObAddDeviceDialog *self);

G_END_DECLS
