/* ob-device-row.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-device.h"
#include "ob-device-presence.h"

G_BEGIN_DECLS

/* What a bulk action is doing to the row's device. */
typedef enum
{
  OB_DEVICE_ROW_OPERATION_NONE,
  OB_DEVICE_ROW_OPERATION_RUNNING,
  OB_DEVICE_ROW_OPERATION_SUCCEEDED,
  OB_DEVICE_ROW_OPERATION_FAILED,
} ObDeviceRowOperation;

#define OB_TYPE_DEVICE_ROW (ob_device_row_get_type ())

G_DECLARE_FINAL_TYPE (ObDeviceRow, ob_device_row, OB, DEVICE_ROW, AdwBin)

/* One device in the devices list: name, address, AMT version, control
 * mode, tags, power state and reachability, kept up to date as the
 * device's properties change.  A CIRA device has a "CIRA" badge and shows
 * whether it is connected; while it is not, when it was last seen (from
 * the "presence", in words such as "5 minutes ago": the owner calls
 * ob_device_row_refresh() when ob_device_row_get_next_change() is due and
 * when the presence says the device changed).  In selection mode a check button shows the
 * "selected" property (which the list keeps in sync with its selection). */
GtkWidget            *ob_device_row_new                (void);
ObDevice             *ob_device_row_get_device         (ObDeviceRow          *self);
void                  ob_device_row_set_device         (ObDeviceRow          *self,
                                                        ObDevice             *device);
ObDevicePresence     *ob_device_row_get_presence       (ObDeviceRow          *self);
void                  ob_device_row_set_presence       (ObDeviceRow          *self,
                                                        ObDevicePresence     *presence);
/* Shows everything again (the relative time has moved on). */
void                  ob_device_row_refresh            (ObDeviceRow          *self);
/* g_get_real_time() at which the row's words change by themselves ("5
 * minutes ago" becomes "6 minutes ago"); 0 when they do not. */
gint64                ob_device_row_get_next_change    (ObDeviceRow          *self);
gboolean              ob_device_row_get_selection_mode (ObDeviceRow          *self);
void                  ob_device_row_set_selection_mode (ObDeviceRow          *self,
                                                        gboolean              selection_mode);
gboolean              ob_device_row_get_selected       (ObDeviceRow          *self);
void                  ob_device_row_set_selected       (ObDeviceRow          *self,
                                                        gboolean              selected);
ObDeviceRowOperation  ob_device_row_get_operation      (ObDeviceRow          *self);
void                  ob_device_row_set_operation      (ObDeviceRow          *self,
                                                        ObDeviceRowOperation  operation,
                                                        const char           *message);

/* Plain words for what the rows show, shared with the device page. */
const char           *ob_device_reachability_to_label  (ObDeviceReachability  reachability);
const char           *ob_device_control_mode_to_label  (ObDeviceControlMode   mode);

G_END_DECLS
