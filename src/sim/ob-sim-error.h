/* ob-sim-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OB_SIM_ERROR (ob_sim_error_quark ())

/* Errors of the device simulator: bad arguments to the state model, limits
 * the simulated firmware enforces, and listener set-up failures. */
typedef enum
{
  /* A value the simulated firmware would refuse (malformed alarm, a boot
   * setting out of range, an address that is not an IP literal). */
  OB_SIM_ERROR_INVALID_ARGUMENT = 1,
  /* A firmware limit is reached (at most OB_SIM_DEVICE_MAX_ALARMS alarms). */
  OB_SIM_ERROR_QUOTA_EXCEEDED,
  /* An object with that key already exists (alarm InstanceID). */
  OB_SIM_ERROR_ALREADY_EXISTS,
  /* No object with that key (alarm InstanceID). */
  OB_SIM_ERROR_NOT_FOUND,
  /* Not allowed in the device's control mode (consent policy in CCM). */
  OB_SIM_ERROR_NOT_ALLOWED,
  /* Anything else (certificate generation, listener set-up). */
  OB_SIM_ERROR_FAILED,
} ObSimError;

GQuark ob_sim_error_quark (void);

G_END_DECLS
