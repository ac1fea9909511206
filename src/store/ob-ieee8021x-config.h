/* ob-ieee8021x-config.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OB_TYPE_IEEE8021X_CONFIG (ob_ieee8021x_config_get_type ())

G_DECLARE_FINAL_TYPE (ObIeee8021xConfig, ob_ieee8021x_config, OB, IEEE8021X_CONFIG, GObject)

/* An IEEE 802.1x profile (Open AMT /api/v1/admin/ieee8021xconfigs), for the
 * wired interface or for wireless configs.  authentication-protocol: 0
 * EAP-TLS, 2 PEAPv0/EAP-MSCHAPv2, 3 PEAPv1/EAP-GTC, 5 EAP-FAST/GTC,
 * 10 EAP-FAST/TLS.  Any password is in the keyring under
 * (OB_SECRET_OWNER_IEEE8021X, name). */

ObIeee8021xConfig *ob_ieee8021x_config_new                         (const char *name);
const char        *ob_ieee8021x_config_get_name                    (ObIeee8021xConfig *self);
void               ob_ieee8021x_config_set_name                    (ObIeee8021xConfig *self,
                                                                    const char        *name);
guint              ob_ieee8021x_config_get_authentication_protocol (ObIeee8021xConfig *self);
void               ob_ieee8021x_config_set_authentication_protocol (ObIeee8021xConfig *self,
                                                                    guint              authentication_protocol);
guint              ob_ieee8021x_config_get_pxe_timeout             (ObIeee8021xConfig *self);
void               ob_ieee8021x_config_set_pxe_timeout             (ObIeee8021xConfig *self,
                                                                    guint              pxe_timeout);
gboolean           ob_ieee8021x_config_get_wired_interface         (ObIeee8021xConfig *self);
void               ob_ieee8021x_config_set_wired_interface         (ObIeee8021xConfig *self,
                                                                    gboolean           wired_interface);
const char        *ob_ieee8021x_config_get_tenant_id               (ObIeee8021xConfig *self);
void               ob_ieee8021x_config_set_tenant_id               (ObIeee8021xConfig *self,
                                                                    const char        *tenant_id);
gint64             ob_ieee8021x_config_get_version                 (ObIeee8021xConfig *self);
void               ob_ieee8021x_config_set_version                 (ObIeee8021xConfig *self,
                                                                    gint64             version);

G_END_DECLS
