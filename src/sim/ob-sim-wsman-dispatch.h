/* ob-sim-wsman-dispatch.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "ob-sim-device.h"

G_BEGIN_DECLS

/* Private to ob-sim: the WS-Man half of a simulated device.  Takes one
 * request envelope, calls the device, returns AMT's reply envelope: an
 * instance (Get, Put), EnumerateResponse/PullResponse (with enumeration
 * contexts kept here), a method output, or a SOAP fault.  No I/O. */
typedef struct _ObSimWsmanDispatch ObSimWsmanDispatch;

ObSimWsmanDispatch *ob_sim_wsman_dispatch_new    (ObSimDevice          *device);
void                ob_sim_wsman_dispatch_free   (ObSimWsmanDispatch   *self);

/* @status receives the HTTP status: 200, or 400 for a fault. */
char               *ob_sim_wsman_dispatch_handle (ObSimWsmanDispatch   *self,
                                                  const char           *body,
                                                  gsize                 len,
                                                  const ObSimInitiator *who,
                                                  guint                *status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObSimWsmanDispatch, ob_sim_wsman_dispatch_free)

G_END_DECLS
