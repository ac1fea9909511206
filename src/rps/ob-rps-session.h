/* ob-rps-session.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "ob-rps-flow.h"
#include "ob-rps-transport.h"

G_BEGIN_DECLS

typedef enum
{
  OB_RPS_SESSION_WAITING,    /* for rpc-go's first message */
  OB_RPS_SESSION_RUNNING,    /* a flow is talking to the device */
  OB_RPS_SESSION_SUCCEEDED,  /* "success" sent */
  OB_RPS_SESSION_FAILED,     /* "error" sent, or the connection was lost */
} ObRpsSessionState;

#define OB_TYPE_RPS_SESSION_STATE (ob_rps_session_state_get_type ())
GType ob_rps_session_state_get_type (void) G_GNUC_CONST;

#define OB_TYPE_RPS_SESSION (ob_rps_session_get_type ())

G_DECLARE_FINAL_TYPE (ObRpsSession, ob_rps_session, OB, RPS_SESSION, GObject)

/* How long rpc-go may take to send its first message. */
#define OB_RPS_SESSION_FIRST_MESSAGE_TIMEOUT_MS 30000

/* One rpc-go connection: reads the first message, checks it, runs the
 * flow it asks for (activation then configuration, deactivation, or a
 * maintenance task), carrying each WS-Man request to the device as a
 * "wsman" message and its "response" back (the session is the flows'
 * ObRpsTransport), and ends with "success" or "error".  Sessions are
 * independent of one another.
 *
 * Signals: "flow-started" (ObRpsFlow) as each flow begins — its steps are
 * its GListModel; "finished" once, when the session is over (state
 * SUCCEEDED or FAILED). */
ObRpsSession      *ob_rps_session_new           (SoupWebsocketConnection *connection,
                                                 ObRpsContext            *context,
                                                 const char              *peer_host);
const char        *ob_rps_session_get_client_id (ObRpsSession            *self);
const char        *ob_rps_session_get_peer_host (ObRpsSession            *self);
ObRpsSessionState  ob_rps_session_get_state     (ObRpsSession            *self);
/* The device's GUID once the first message is read, else NULL. */
const char        *ob_rps_session_get_uuid      (ObRpsSession            *self);
/* activate / deactivate / maintenance, NULL before the first message. */
const char        *ob_rps_session_get_method    (ObRpsSession            *self);
/* The flows run so far (GListModel of ObRpsFlow). */
GListModel        *ob_rps_session_get_flows     (ObRpsSession            *self);
/* What rpc-go was sent last ("success"/"error" message text), or NULL. */
const char        *ob_rps_session_get_result    (ObRpsSession            *self);
/* The error of a failed session (NULL otherwise). */
const GError      *ob_rps_session_get_error     (ObRpsSession            *self);
/* Number of wsman messages sent. */
guint              ob_rps_session_get_n_wsman   (ObRpsSession            *self);
/* End the session now: the running flow fails as cancelled, rpc-go gets
 * "error", the socket is closed. */
void               ob_rps_session_cancel        (ObRpsSession            *self);

G_END_DECLS
