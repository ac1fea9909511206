/* ob-profile-editor.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-services.h"

G_BEGIN_DECLS

#define OB_TYPE_PROFILE_EDITOR (ob_profile_editor_get_type ())

G_DECLARE_FINAL_TYPE (ObProfileEditor, ob_profile_editor, OB, PROFILE_EDITOR, AdwWindow)

/* @name NULL: a new record.  Actions: "editor.save" (enabled while every
 * field is valid).  Emits "saved" (the record's name) once the record and
 * its secrets are stored, then closes. */
GtkWidget *ob_profile_editor_new      (ObServices      *services,
                                    const char      *name);
/* The inline error shown under each field, by the field's title; NULL when
 * it has none (tests). */
const char *ob_profile_editor_get_error (ObProfileEditor *self,
                                      const char   *field_title);

G_END_DECLS
