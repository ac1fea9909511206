/* ob-ieee8021x-editor.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-services.h"

G_BEGIN_DECLS

#define OB_TYPE_IEEE8021X_EDITOR (ob_ieee8021x_editor_get_type ())

G_DECLARE_FINAL_TYPE (ObIeee8021xEditor, ob_ieee8021x_editor, OB, IEEE8021X_EDITOR, AdwWindow)

/* @name NULL: a new record.  Actions: "editor.save" (enabled while every
 * field is valid).  Emits "saved" (the record's name) once the record and
 * its secrets are stored, then closes. */
GtkWidget *ob_ieee8021x_editor_new      (ObServices      *services,
                                    const char      *name);
/* The inline error shown under each field, by the field's title; NULL when
 * it has none (tests). */
const char *ob_ieee8021x_editor_get_error (ObIeee8021xEditor *self,
                                      const char   *field_title);

G_END_DECLS
