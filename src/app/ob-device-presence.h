/* ob-device-presence.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-device.h"

G_BEGIN_DECLS

#define OB_TYPE_DEVICE_PRESENCE (ob_device_presence_get_type ())

G_DECLARE_FINAL_TYPE (ObDevicePresence, ob_device_presence, OB, DEVICE_PRESENCE, GObject)

/* ObDevicePresence: when each CIRA device of a list of ObDevice was last
 * seen, for the devices list ("last seen 5 minutes ago").  A device that
 * was not connected when it was first looked at starts from its store
 * record (last seen, else last disconnected, else last connected).  While
 * it is connected its APF session is kept; when the connection ends the
 * device was last seen then, or, when the connection timed out or failed,
 * at its last keepalive.
 *
 * Signals:
 *   "changed" (ObDevice *device): the device connected or disconnected,
 *       and its last-seen time may be new. */

ObDevicePresence *ob_device_presence_new           (void);

GListModel       *ob_device_presence_get_model     (ObDevicePresence *self);
/* @model: a GListModel of ObDevice (the registry), or NULL. */
void              ob_device_presence_set_model     (ObDevicePresence *self,
                                                    GListModel       *model);

/* Whether @device is a CIRA device with a connection now. */
gboolean          ob_device_presence_is_connected  (ObDevicePresence *self,
                                                    ObDevice         *device);
/* g_get_real_time() of when @device was last seen (now while it is
 * connected); 0 when unknown or not a CIRA device of the model. */
gint64            ob_device_presence_get_last_seen (ObDevicePresence *self,
                                                    ObDevice         *device);

G_END_DECLS
