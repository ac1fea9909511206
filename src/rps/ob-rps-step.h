/* ob-rps-step.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  OB_RPS_STEP_RUNNING,
  OB_RPS_STEP_DONE,
  OB_RPS_STEP_FAILED,
  /* Failed, but the flow carries on (the reference ignores the error). */
  OB_RPS_STEP_IGNORED,
} ObRpsStepState;

#define OB_TYPE_RPS_STEP_STATE (ob_rps_step_state_get_type ())
GType       ob_rps_step_state_get_type  (void) G_GNUC_CONST;
const char *ob_rps_step_state_to_string (ObRpsStepState state);

#define OB_TYPE_RPS_STEP (ob_rps_step_get_type ())

G_DECLARE_FINAL_TYPE (ObRpsStep, ob_rps_step, OB, RPS_STEP, GObject)

/* One step of a provisioning flow, as the step list (a GListModel of
 * these) shows it: name, state, a result or error text, when it started
 * (wall clock, µs since the epoch) and how long it took.  Properties
 * "name", "state", "detail", "started", "duration-ms" notify as the step
 * runs. */
ObRpsStep      *ob_rps_step_new             (const char     *name);
const char     *ob_rps_step_get_name        (ObRpsStep      *self);
ObRpsStepState  ob_rps_step_get_state       (ObRpsStep      *self);
const char     *ob_rps_step_get_detail      (ObRpsStep      *self);
gint64          ob_rps_step_get_started     (ObRpsStep      *self);
guint           ob_rps_step_get_duration_ms (ObRpsStep      *self);
/* Ends the step (from RUNNING only); @detail may be NULL. */
void            ob_rps_step_finish          (ObRpsStep      *self,
                                             ObRpsStepState  state,
                                             const char     *detail);

G_END_DECLS
