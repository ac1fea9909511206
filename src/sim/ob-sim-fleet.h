/* ob-sim-fleet.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-sim-device.h"
#include "ob-sim-redir-server.h"
#include "ob-sim-wsman-server.h"

G_BEGIN_DECLS

/* ObSimFleet: N simulated devices, each with its own WS-Man server, usually
 * each on its own loopback address (127.0.1.1, 127.0.1.2, …: Linux routes
 * all of 127/8 to lo, so these bind with no set-up) on the standard ports.
 * Devices share one RSA key for their TLS certificates (generated once per
 * process) but each has its own self-signed certificate.  Each device also
 * serves redirection (KVM, SOL, IDER) two ports above its WS-Man ports:
 * 16994 and 16995 beside 16992 and 16993.  A device asked for any ports
 * gets four free ones in a row in the same layout (HTTP P, TLS P + 1,
 * redirection P + 2, redirection TLS P + 3), so clients find redirection
 * at the WS-Man port + 2 on every simulated device. */

#define OB_TYPE_SIM_FLEET (ob_sim_fleet_get_type ())

G_DECLARE_FINAL_TYPE (ObSimFleet, ob_sim_fleet, OB, SIM_FLEET, GObject)

/* For @tls_port of ob_sim_fleet_add_device(): TLS on any free port. */
#define OB_SIM_PORT_ANY G_MAXUINT

ObSimFleet       *ob_sim_fleet_new               (void);

/* A new device (random GUID) served on @address: plain HTTP on @http_port
 * (0 = any free port) and, unless @tls_port is 0, TLS on @tls_port
 * (OB_SIM_PORT_ANY = any free port).  @amt_password NULL = the default.
 * Returns the device (owned by the fleet), or NULL with the bind error. */
ObSimDevice      *ob_sim_fleet_add_device        (ObSimFleet   *self,
                                                  const char   *address,
                                                  guint         http_port,
                                                  guint         tls_port,
                                                  const char   *amt_password,
                                                  GError      **error);

guint             ob_sim_fleet_get_n_devices     (ObSimFleet   *self);
ObSimDevice      *ob_sim_fleet_get_device        (ObSimFleet   *self,
                                                  guint         index);
ObSimDevice      *ob_sim_fleet_lookup_device     (ObSimFleet   *self,
                                                  const char   *guid);
ObSimWsmanServer *ob_sim_fleet_get_server        (ObSimFleet   *self,
                                                  ObSimDevice  *device);

/* The device's redirection server (its screen, its ports). */
ObSimRedirServer *ob_sim_fleet_get_redir_server  (ObSimFleet   *self,
                                                  ObSimDevice  *device);

/* Latency of every device (milliseconds). */
void              ob_sim_fleet_set_latency_ms    (ObSimFleet   *self,
                                                  guint         latency_ms);
/* Stop every server (devices stay readable). */
void              ob_sim_fleet_stop              (ObSimFleet   *self);

/* The @index-th IPv4 address after @first (index 0 = @first), skipping
 * .0 and .255 in the last octet: 127.0.1.254 + 1 = 127.0.2.1.  NULL with
 * OB_SIM_ERROR_INVALID_ARGUMENT for a non-IPv4 @first or an overflow. */
char             *ob_sim_fleet_nth_address       (const char   *first,
                                                  guint         index,
                                                  GError      **error);

G_END_DECLS
