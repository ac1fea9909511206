/* ob-apf-session-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-apf-session.h"
#include "ob-poller.h"

G_BEGIN_DECLS

/* What ObApfChannelCore needs from its session. */

/* The output queue: append whole messages, then schedule a write. */
GByteArray   *_ob_apf_session_get_output      (ObApfSession *self);
void          _ob_apf_session_schedule_write  (ObApfSession *self);
/* Room for more CHANNEL_DATA (the output queue is under its high-water
 * mark); when it drains, the session flushes channels with output. */
gboolean      _ob_apf_session_can_send_data   (ObApfSession *self);
/* Drop the channel from the table (its CHANNEL_CLOSE is sent, or it
 * failed). */
void          _ob_apf_session_remove_channel  (ObApfSession *self,
                                               guint32       local_id);
GMainContext *_ob_apf_session_get_context     (ObApfSession *self);
/* The poller the session's timers run on (its own, or the one shared on
 * its context); channels wait and time out on it too.  Borrowed. */
ObPoller     *_ob_apf_session_get_poller      (ObApfSession *self);

G_END_DECLS
