/* ob-sim-font.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The simulator's own bitmap font: printable ASCII drawn on a 5×8 grid
 * (7 rows above the baseline, one below), shown in 8×16 character cells
 * (each design pixel two screen rows high, strokes two pixels wide) as
 * a PC text mode looks.  Anything else shows as a hollow box. */

#define OB_SIM_FONT_WIDTH  8
#define OB_SIM_FONT_HEIGHT 16

/* The design of @c: 8 rows of 5 bits (bit 4 = leftmost column). */
const guint8 *ob_sim_font_design (gunichar c);

/* The 8×16 cell of @c: 16 rows, bit 7 = leftmost pixel. */
const guint8 *ob_sim_font_cell   (gunichar c);

G_END_DECLS
