/* ob-sim-sol-console.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-sim-device.h"

G_BEGIN_DECLS

/* ObSimSolConsole: what a simulated host prints on its serial port, as a
 * Serial-over-LAN console sees it: VT100 text, CR LF line ends.
 *
 * While the host is on it runs a small system: after a boot, firmware
 * POST lines (or, when the boot went to BIOS setup with SOL, a text-mode
 * setup screen with an editable "Asset Tag" field), then a login prompt
 * ("<hostname> login:", any user, then "Password:" not echoed) and a
 * shell prompt "<user>@<hostname>:~$ " that echoes what is typed
 * (BackSpace and DEL erase, Ctrl+C abandons the line, escape sequences
 * are swallowed) and knows help, uname [-a], date, uptime, hostname,
 * whoami, echo, amt, clear, reboot, exit/logout.  While the host is off,
 * input is dropped.  A boot of the device (its ::booted signal) prints
 * the boot text again.
 *
 * Output goes out through ::output (GBytes *data). */

#define OB_TYPE_SIM_SOL_CONSOLE (ob_sim_sol_console_get_type ())

G_DECLARE_FINAL_TYPE (ObSimSolConsole, ob_sim_sol_console, OB, SIM_SOL_CONSOLE, GObject)

ObSimSolConsole *ob_sim_sol_console_new   (ObSimDevice     *device);

/* A console connected: show the current screen (boot text or a fresh
 * prompt, nothing while the host is off). */
void             ob_sim_sol_console_start (ObSimSolConsole *self);

/* Bytes typed on the console. */
void             ob_sim_sol_console_input (ObSimSolConsole *self,
                                           const guint8    *data,
                                           gsize            length);

/* Lines entered at the shell prompt so far (tests). */
guint            ob_sim_sol_console_get_n_commands (ObSimSolConsole *self);

G_END_DECLS
