/* ob-domain-editor.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-services.h"

G_BEGIN_DECLS

#define OB_TYPE_DOMAIN_EDITOR (ob_domain_editor_get_type ())

G_DECLARE_FINAL_TYPE (ObDomainEditor, ob_domain_editor, OB, DOMAIN_EDITOR, AdwWindow)

/* @name NULL: a new record.  Actions: "editor.save" (enabled while every
 * field is valid).  Emits "saved" (the record's name) once the record and
 * its secrets are stored, then closes. */
GtkWidget *ob_domain_editor_new      (ObServices      *services,
                                    const char      *name);
/* The inline error shown under each field, by the field's title; NULL when
 * it has none (tests). */
const char *ob_domain_editor_get_error (ObDomainEditor *self,
                                      const char   *field_title);
void        ob_domain_editor_set_file_contents (ObDomainEditor *self,
                                                const char     *basename,
                                                GBytes         *pfx);

G_END_DECLS
