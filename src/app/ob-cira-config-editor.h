/* ob-cira-config-editor.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-services.h"

G_BEGIN_DECLS

#define OB_TYPE_CIRA_CONFIG_EDITOR (ob_cira_config_editor_get_type ())

G_DECLARE_FINAL_TYPE (ObCiraConfigEditor, ob_cira_config_editor, OB, CIRA_CONFIG_EDITOR, AdwWindow)

/* @name NULL: a new record.  Actions: "editor.save" (enabled while every
 * field is valid).  Emits "saved" (the record's name) once the record and
 * its secrets are stored, then closes. */
GtkWidget *ob_cira_config_editor_new      (ObServices      *services,
                                    const char      *name);
/* The inline error shown under each field, by the field's title; NULL when
 * it has none (tests). */
const char *ob_cira_config_editor_get_error (ObCiraConfigEditor *self,
                                      const char   *field_title);

G_END_DECLS
