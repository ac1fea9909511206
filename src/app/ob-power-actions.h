/* ob-power-actions.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ob-device.h"

G_BEGIN_DECLS

/* The power actions the interface offers, by Open AMT action number, with
 * the words the menu and the confirmation dialog use. */
typedef enum
{
  OB_POWER_ACTION_GROUP_BASIC,     /* on, off, cycle, reset */
  OB_POWER_ACTION_GROUP_GRACEFUL,  /* need the OS (LMS): soft off/reset, sleep, hibernate */
  OB_POWER_ACTION_GROUP_BOOT,      /* BIOS, PXE, diagnostics */
  OB_POWER_ACTION_GROUP_IDER,      /* IDE-R floppy / CD-ROM */
  OB_POWER_ACTION_GROUP_ERASE,     /* secure erase */
} ObPowerActionGroup;

typedef struct
{
  int                 action;
  ObPowerActionGroup  group;
  const char         *label;        /* menu item, with mnemonic-free title case */
  const char         *confirm_body; /* NULL: needs no confirmation */
} ObPowerActionInfo;

const ObPowerActionInfo *ob_power_actions_get_all     (guint       *n_actions);
const ObPowerActionInfo *ob_power_actions_lookup      (int          action);

/* Plain words for a DMTF power state: "On", "Off", "Sleeping" … */
const char              *ob_power_state_to_label      (guint        power_state);
/* An icon name for the state, for rows and the summary. */
const char              *ob_power_state_to_icon_name  (guint        power_state);

/* Whether @capabilities (GET /amt/power/capabilities JSON, label -> number)
 * lists @action.  With no capabilities every basic action is allowed, so a
 * device whose capabilities could not be read can still be turned on. */
gboolean                 ob_power_actions_allowed     (JsonNode    *capabilities,
                                                       int          action);

/* Append one section per group to @menu with the actions @capabilities
 * allow, each item activating @action_name with the action number;
 * the IDE-R group only when @with_ider. */
void                     ob_power_actions_append_sections (GMenu      *menu,
                                                           JsonNode   *capabilities,
                                                           const char *action_name,
                                                           gboolean    with_ider);

/* Runs @action on @device: the power action or boot-options call the
 * action needs, holding the device busy, reporting the outcome to the
 * device (reachability, last error) and reading the power state back.
 * A device that answers with a non-zero ReturnValue fails with
 * OB_AMT_ERROR_FAILED and the status name in plain words. */
void                     ob_power_action_run_async    (ObDevice            *device,
                                                       int                  action,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
/* The same, with the boot actions (100 and up) also redirecting the
 * host's console to Serial-over-LAN when @use_sol (the SOL window's "Power
 * On to BIOS").  Finish with ob_power_action_run_finish(). */
void                     ob_power_action_run_with_sol_async (ObDevice            *device,
                                                             int                  action,
                                                             gboolean             use_sol,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean                 ob_power_action_run_finish   (GAsyncResult        *result,
                                                       GError             **error);
/* Finishes a run of @action and says how it went, for a toast: "<action>
 * done" or "<action> failed: <reason>"; NULL when it was cancelled (nobody
 * is waiting for the answer). */
char                    *ob_power_action_run_finish_message (int           action,
                                                             GAsyncResult *result);

/* One sentence for an error of a device operation, for a toast or an
 * inline message: the error's own message when it is already in plain
 * words, a friendlier sentence for the few low-level cases. */
char                    *ob_describe_device_error     (const GError        *error);

G_END_DECLS
