/* ob-demo.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-device-registry.h"
#include "ob-mps-server.h"
#include "ob-sim-cira.h"
#include "ob-sim-fleet.h"

G_BEGIN_DECLS

#define OB_DEMO_N_DEVICES 6
#define OB_DEMO_N_CIRA_DEVICES 6

#define OB_TYPE_DEMO (ob_demo_get_type ())

G_DECLARE_FINAL_TYPE (ObDemo, ob_demo, OB, DEMO, GObject)

/* `outband --demo`: a simulated fleet of OB_DEMO_N_DEVICES Intel AMT
 * devices served in this process on loopback addresses 127.0.1.1 … (free
 * ports), each with its
 * own random password, added to a registry so the app shows live devices.
 * One device uses TLS; its certificate is pinned as the add dialog would
 * after the admin confirmed it.  The caller gives the demo a registry
 * whose store and keyring are throw-away (a temporary data folder and the
 * memory secret store): nothing of the demo outlives the process.
 *
 * Given the demo's own CIRA listener (ObMpsServer, listening), it also
 * registers OB_DEMO_N_CIRA_DEVICES devices that call in over CIRA (store
 * record, CIRA and AMT passwords in the keyring) and runs them in this
 * process against 127.0.0.1 and the listener's port: some drop and
 * reconnect now and then, one goes away for good a little after it first
 * connected. */
ObDemo     *ob_demo_new          (void);
ObSimFleet *ob_demo_get_fleet    (ObDemo               *self);

/* @mps: NULL for LAN devices only. */
void        ob_demo_start_async  (ObDemo               *self,
                                  ObDeviceRegistry     *registry,
                                  ObMpsServer          *mps,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
gboolean    ob_demo_start_finish (ObDemo               *self,
                                  GAsyncResult         *result,
                                  GError              **error);
/* Stops every simulated device's server and CIRA connection. */
void        ob_demo_stop         (ObDemo               *self);

guint       ob_demo_get_n_cira_devices (ObDemo         *self);
ObSimCira  *ob_demo_get_cira_device    (ObDemo         *self,
                                        guint           index);

G_END_DECLS
