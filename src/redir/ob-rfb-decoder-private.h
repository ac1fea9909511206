/* ob-rfb-decoder-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-rfb-decoder.h"

G_BEGIN_DECLS

/* The tile loops exist twice: as built (SSE2 on x86-64) and compiled for
 * AVX2, picked when the decoder is made if the CPU has AVX2.  For tests
 * and benchmarks: force the portable one (or go back to the best one;
 * FALSE when that is still the portable one), and say which one decodes
 * ("portable" or "avx2"). */
gboolean    ob_rfb_decoder_set_portable (ObRfbDecoder *self,
                                         gboolean      portable);
const char *ob_rfb_decoder_get_variant  (ObRfbDecoder *self);

G_END_DECLS
