/* ob-rps-server.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-cert-authority.h"
#include "ob-rps-flow.h"
#include "ob-rps-session.h"
#include "ob-secret-store.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_TYPE_RPS_SERVER (ob_rps_server_get_type ())

G_DECLARE_FINAL_TYPE (ObRpsServer, ob_rps_server, OB, RPS_SERVER, GObject)

/* Finished sessions kept for the interface to show, oldest dropped first. */
#define OB_RPS_SERVER_MAX_FINISHED_SESSIONS 200
/* Connections beyond these are closed at once: sessions running, and
 * connections that have not yet said whether they speak TLS. */
#define OB_RPS_SERVER_MAX_ACTIVE_SESSIONS 1024
#define OB_RPS_SERVER_MAX_PENDING         256

/* The provisioning server rpc-go talks to: a WebSocket endpoint on every
 * interface, on any path (rpc-go is pointed at "/" or, behind a gateway,
 * "/activate"), plain ws:// and wss:// on the same port (the first byte of
 * a connection tells a TLS ClientHello from HTTP; TLS uses the certificate
 * authority's server certificate).  One ObRpsSession per connection.
 *
 * Signals, for what lies outside this library (ObServices connects them to
 * the device registry): "session-started" (ObRpsSession);
 * "device-provisioned" (guid) after a successful activation and
 * configuration; "device-deprovisioned" (guid) after a deactivation;
 * "device-changed" (guid) after a maintenance task. */
ObRpsServer  *ob_rps_server_new          (ObStore          *store,
                                          ObSecretStore    *secrets,
                                          ObCertAuthority  *cert_authority);
ObRpsContext *ob_rps_server_get_context  (ObRpsServer      *self);
/* Listen on @port (0 = any free port) on all interfaces. */
gboolean      ob_rps_server_listen       (ObRpsServer      *self,
                                          guint             port,
                                          GError          **error);
/* Listen on @port instead (0 = any free port): the new listener opens
 * first (on failure the old one stays and the error says why), then the
 * old one closes; running sessions go on.  Listens anew when not
 * listening. */
gboolean      ob_rps_server_move         (ObRpsServer      *self,
                                          guint             port,
                                          GError          **error);
/* Stop listening and end every session. */
void          ob_rps_server_stop         (ObRpsServer      *self);
gboolean      ob_rps_server_get_listening (ObRpsServer     *self);
/* Why the last ob_rps_server_listen() failed (NULL after a success). */
const GError *ob_rps_server_get_last_error (ObRpsServer    *self);
guint         ob_rps_server_get_port     (ObRpsServer      *self);
/* GListModel of ObRpsSession: the running ones and the most recent
 * finished ones, in the order they started. */
GListModel   *ob_rps_server_get_sessions (ObRpsServer      *self);
guint         ob_rps_server_get_n_active (ObRpsServer      *self);

G_END_DECLS
