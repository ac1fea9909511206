/* ob-apf-channel-output-stream.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-apf-channel-private.h"

G_BEGIN_DECLS

#define OB_TYPE_APF_CHANNEL_OUTPUT_STREAM (ob_apf_channel_output_stream_get_type ())

G_DECLARE_FINAL_TYPE (ObApfChannelOutputStream, ob_apf_channel_output_stream, OB, APF_CHANNEL_OUTPUT_STREAM, GOutputStream)

/* The writing half of an ObApfChannel (private to ob-apf). */
GOutputStream *_ob_apf_channel_output_stream_new (ObApfChannelCore *core);

G_END_DECLS
