/* ob-rps-wsman.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ob-rps-transport.h"
#include "ob-wsman-message.h"
#include "ob-wsman-response.h"

G_BEGIN_DECLS

#define OB_TYPE_RPS_WSMAN (ob_rps_wsman_get_type ())

G_DECLARE_FINAL_TYPE (ObRpsWsman, ob_rps_wsman, OB, RPS_WSMAN, GObject)

/* The reference's per-call timeout (delay_timer, 12 s). */
#define OB_RPS_WSMAN_DEFAULT_TIMEOUT_MS 12000
/* 401s in a row before "Unable to authenticate with AMT". */
#define OB_RPS_WSMAN_MAX_UNAUTHORIZED 3

/* WS-Man to one device through an ObRpsTransport, the way RPS talks to
 * AMT through rpc-go (§2.5, §2.6): envelopes with a MessageID counter from
 * 0, RPS's chunked HTTP with Host "<uuid>:16992", a first call without
 * Authorization and a digest after the 401 (the challenge is kept and its
 * nc counts up), three 401s in a row fail, 400 with a SOAP fault ->
 * OB_WSMAN_ERROR_FAULT, other codes -> OB_RPS_ERROR_DEVICE, no answer
 * within the timeout -> OB_RPS_ERROR_TIMEOUT.  One call at a time: the
 * caller waits for each to finish (the flows are lock-step). */
ObRpsWsman      *ob_rps_wsman_new               (ObRpsTransport       *transport,
                                                 const char           *uuid);
const char      *ob_rps_wsman_get_uuid          (ObRpsWsman           *self);
/* New credentials (after Setup or a password change); the challenge is
 * kept, the next 401 refreshes it. */
void             ob_rps_wsman_set_credentials   (ObRpsWsman           *self,
                                                 const char           *username,
                                                 const char           *password);
const char      *ob_rps_wsman_get_username      (ObRpsWsman           *self);
void             ob_rps_wsman_set_timeout       (ObRpsWsman           *self,
                                                 guint                 timeout_ms);
guint            ob_rps_wsman_get_timeout       (ObRpsWsman           *self);
/* Exchanges so far (a 401 and its retry count as two). */
guint            ob_rps_wsman_get_n_exchanges   (ObRpsWsman           *self);

/* One call: @action_uri on the class's resource URI (AMT_/CIM_/IPS_
 * prefix), header @selectors (NULL = none), @body_fragment (NULL = empty
 * Body). */
void             ob_rps_wsman_request_async     (ObRpsWsman           *self,
                                                 const char           *action_uri,
                                                 const char           *class_name,
                                                 ObWsmanSelectors     *selectors,
                                                 const char           *body_fragment,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
ObWsmanResponse *ob_rps_wsman_request_finish    (ObRpsWsman           *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* Enumerate + Pull until EndOfSequence: every item (JsonNode objects,
 * transfer full) in order. */
void             ob_rps_wsman_enumerate_async   (ObRpsWsman           *self,
                                                 const char           *class_name,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GPtrArray       *ob_rps_wsman_enumerate_finish  (ObRpsWsman           *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
