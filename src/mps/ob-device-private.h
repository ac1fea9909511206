/* ob-device-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-device.h"

G_BEGIN_DECLS

/* For ObDeviceRegistry only. */

/* CIM_ComputerSystemPackage.PlatformGUID -> the device GUID in the form
 * used everywhere (lower-case, dashed).  AMT sends 32 hex digits with the
 * first three fields in SMBIOS (little-endian) order, as the UUID bytes
 * sit in the SMBIOS table; a dashed UUID is taken as it is.  NULL for
 * anything else, and for the all-zero and all-ones GUIDs firmware uses
 * when it has none. */
char           *_ob_device_guid_from_platform_guid (const char        *platform_guid);

/* Get CIM_ComputerSystemPackage and return the device GUID (transfer
 * full), or OB_DEVICE_ERROR_NO_GUID / the transport's error. */
void            _ob_device_fetch_guid_async     (ObDevice             *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
char           *_ob_device_fetch_guid_finish    (ObDevice             *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* What the registry keeps per device, here rather than in signal handlers
 * and tables of its own (each costs more than the state, for every device
 * of a large fleet). */

/* Called after anything ob_device_is_connected depends on may have
 * changed: the reachability (@reachability_changed), the transport or the
 * transport source.  At most one; NULL @func removes it. */
typedef void (*ObDeviceStateFunc) (ObDevice *device,
                                   gboolean  reachability_changed,
                                   gpointer  user_data);
void            _ob_device_set_state_func       (ObDevice             *self,
                                                 ObDeviceStateFunc     func,
                                                 gpointer              user_data);

/* Monotonic time of the registry's last refresh of the device,
 * G_MININT64 for never. */
gint64          _ob_device_get_last_polled      (ObDevice             *self);
void            _ob_device_set_last_polled      (ObDevice             *self,
                                                 gint64                when);

G_END_DECLS
