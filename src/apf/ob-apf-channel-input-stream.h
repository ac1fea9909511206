/* ob-apf-channel-input-stream.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-apf-channel-private.h"

G_BEGIN_DECLS

#define OB_TYPE_APF_CHANNEL_INPUT_STREAM (ob_apf_channel_input_stream_get_type ())

G_DECLARE_FINAL_TYPE (ObApfChannelInputStream, ob_apf_channel_input_stream, OB, APF_CHANNEL_INPUT_STREAM, GInputStream)

/* The reading half of an ObApfChannel (private to ob-apf). */
GInputStream *_ob_apf_channel_input_stream_new (ObApfChannelCore *core);

G_END_DECLS
