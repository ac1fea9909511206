/* ob-provision-page.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "ob-services.h"

G_BEGIN_DECLS

#define OB_TYPE_PROVISION_PAGE (ob_provision_page_get_type ())

G_DECLARE_FINAL_TYPE (ObProvisionPage, ob_provision_page, OB, PROVISION_PAGE, AdwBin)

typedef enum
{
  OB_PROVISION_LINUX,
  OB_PROVISION_WINDOWS,
} ObProvisionPlatform;

/* "Provision a device": the rpc-go command lines for the chosen profile
 * and the provisioning server's sessions, live.  Action "provision.copy"
 * (s: "linux" or "windows"). */
ObServices *ob_provision_page_get_services (ObProvisionPage     *self);
void        ob_provision_page_set_services (ObProvisionPage     *self,
                                            ObServices          *services);
/* Selects @name when it is a profile. */
gboolean    ob_provision_page_select_profile (ObProvisionPage   *self,
                                              const char        *name);
/* The command line shown (transfer full), NULL without a profile. */
char       *ob_provision_page_dup_command  (ObProvisionPage     *self,
                                            ObProvisionPlatform  platform);
/* The activation rows shown. */
guint       ob_provision_page_get_n_activations (ObProvisionPage *self);
GtkWidget  *ob_provision_page_get_activation    (ObProvisionPage *self,
                                                 guint            index);

/* The command lines themselves (also for the help and tests). */
char       *ob_provision_command_line      (ObProvisionPlatform  platform,
                                            const char          *host,
                                            guint                port,
                                            const char          *profile);

G_END_DECLS
