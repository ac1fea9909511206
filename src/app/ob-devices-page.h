/* ob-devices-page.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define OB_TYPE_DEVICES_PAGE (ob_devices_page_get_type ())

G_DECLARE_FINAL_TYPE (ObDevicesPage, ob_devices_page, OB, DEVICES_PAGE, AdwBin)

GtkWidget  *ob_devices_page_new        (void);
GListModel *ob_devices_page_get_model  (ObDevicesPage *self);
void        ob_devices_page_set_model  (ObDevicesPage *self,
                                        GListModel    *model);
gboolean    ob_devices_page_get_folded (ObDevicesPage *self);
void        ob_devices_page_set_folded (ObDevicesPage *self,
                                        gboolean       folded);

G_END_DECLS
