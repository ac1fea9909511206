/* ob-application.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-config.h"
#include "ob-demo.h"
#include "ob-services.h"

G_BEGIN_DECLS

#define OB_TYPE_APPLICATION (ob_application_get_type ())

G_DECLARE_FINAL_TYPE (ObApplication, ob_application, OB, APPLICATION, AdwApplication)

ObApplication *ob_application_new          (void);
ObConfig      *ob_application_get_config   (ObApplication *self);
GSettings     *ob_application_get_settings (ObApplication *self);
ObServices    *ob_application_get_services (ObApplication *self);
gboolean       ob_application_get_verbose  (ObApplication *self);
gboolean       ob_application_get_demo_mode (ObApplication *self);
void           ob_application_set_demo_mode (ObApplication *self,
                                             gboolean       demo_mode);
ObDemo        *ob_application_get_demo     (ObApplication *self);

G_END_DECLS
