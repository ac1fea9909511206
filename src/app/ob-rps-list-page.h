/* ob-rps-list-page.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-services.h"

G_BEGIN_DECLS

#define OB_TYPE_RPS_LIST_PAGE (ob_rps_list_page_get_type ())

G_DECLARE_FINAL_TYPE (ObRpsListPage, ob_rps_list_page, OB, RPS_LIST_PAGE, AdwBin)

/* The list of one kind of provisioning record (the "kind" construct
 * property: OB_STORE_KIND_PROFILE, _CIRA_CONFIG, _DOMAIN, _WIRELESS_CONFIG
 * or _IEEE8021X_CONFIG), with add, edit and delete.  Actions:
 * "rps-list.add", "rps-list.edit" (s: name), "rps-list.delete" (s: name;
 * asks first). */
GtkWidget  *ob_rps_list_page_new          (const char    *kind);
const char *ob_rps_list_page_get_kind     (ObRpsListPage *self);
ObServices *ob_rps_list_page_get_services (ObRpsListPage *self);
void        ob_rps_list_page_set_services (ObRpsListPage *self,
                                           ObServices    *services);
/* Names shown, in order (transfer full). */
GStrv       ob_rps_list_page_dup_names    (ObRpsListPage *self);
/* Deletes without asking (what the dialog's Delete does); an error shows
 * as a toast and is returned. */
gboolean    ob_rps_list_page_delete       (ObRpsListPage *self,
                                           const char    *name,
                                           GError       **error);

G_END_DECLS
