/* ob-demo.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-device-registry.h"
#include "ob-sim-fleet.h"

G_BEGIN_DECLS

#define OB_DEMO_N_DEVICES 6

#define OB_TYPE_DEMO (ob_demo_get_type ())

G_DECLARE_FINAL_TYPE (ObDemo, ob_demo, OB, DEMO, GObject)

/* `outband --demo`: a simulated fleet of OB_DEMO_N_DEVICES Intel AMT
 * devices served in this process on loopback addresses 127.0.1.1 … (free
 * ports), each with its
 * own random password, added to a registry so the app shows live devices.
 * One device uses TLS; its certificate is pinned as the add dialog would
 * after the admin confirmed it.  The caller gives the demo a registry
 * whose store and keyring are throw-away (a temporary data folder and the
 * memory secret store): nothing of the demo outlives the process. */
ObDemo     *ob_demo_new          (void);
ObSimFleet *ob_demo_get_fleet    (ObDemo               *self);

void        ob_demo_start_async  (ObDemo               *self,
                                  ObDeviceRegistry     *registry,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
gboolean    ob_demo_start_finish (ObDemo               *self,
                                  GAsyncResult         *result,
                                  GError              **error);
/* Stops every simulated device's server. */
void        ob_demo_stop         (ObDemo               *self);

G_END_DECLS
