/* ob-window.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-application.h"

G_BEGIN_DECLS

#define OB_TYPE_WINDOW (ob_window_get_type ())

G_DECLARE_FINAL_TYPE (ObWindow, ob_window, OB, WINDOW, AdwApplicationWindow)

ObWindow   *ob_window_new              (ObApplication *application);
void        ob_window_show_page        (ObWindow      *self,
                                        const char    *name);
const char *ob_window_get_visible_page (ObWindow      *self);
GtkWidget  *ob_window_get_page         (ObWindow      *self,
                                        const char    *name);
gboolean    ob_window_get_folded       (ObWindow      *self);
void        ob_window_show_error       (ObWindow      *self,
                                        const char    *message);

G_END_DECLS
