/* ob-preferences-window.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-services.h"

G_BEGIN_DECLS

#define OB_TYPE_PREFERENCES_WINDOW (ob_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ObPreferencesWindow, ob_preferences_window, OB, PREFERENCES_WINDOW, AdwPreferencesWindow)

ObPreferencesWindow *ob_preferences_window_new           (GSettings           *settings);
GSettings           *ob_preferences_window_get_settings  (ObPreferencesWindow *self);
void                 ob_preferences_window_set_services  (ObPreferencesWindow *self,
                                                          ObServices          *services);
ObServices          *ob_preferences_window_get_services  (ObPreferencesWindow *self);
gboolean             ob_is_valid_common_name             (const char          *text);

G_END_DECLS
