/* ob-cira-config.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OB_CIRA_ADDRESS_FORMAT_IPV4 3
#define OB_CIRA_ADDRESS_FORMAT_IPV6 4
#define OB_CIRA_ADDRESS_FORMAT_FQDN 201

#define OB_TYPE_CIRA_CONFIG (ob_cira_config_get_type ())

G_DECLARE_FINAL_TYPE (ObCiraConfig, ob_cira_config, OB, CIRA_CONFIG, GObject)

/* A CIRA configuration (Open AMT /api/v1/admin/ciraconfigs): where a device
 * calls home and as whom.  A static MPS password, when there is one, is in
 * the keyring under (OB_SECRET_OWNER_CIRA_CONFIG, name).
 * server-address-format: 3 IPv4, 4 IPv6, 201 FQDN; auth-method: 1 mutual,
 * 2 username and password. */

ObCiraConfig *ob_cira_config_new                       (const char *name);
const char   *ob_cira_config_get_name                  (ObCiraConfig *self);
void          ob_cira_config_set_name                  (ObCiraConfig *self,
                                                        const char   *name);
const char   *ob_cira_config_get_mps_server_address    (ObCiraConfig *self);
void          ob_cira_config_set_mps_server_address    (ObCiraConfig *self,
                                                        const char   *mps_server_address);
guint         ob_cira_config_get_mps_port              (ObCiraConfig *self);
void          ob_cira_config_set_mps_port              (ObCiraConfig *self,
                                                        guint         mps_port);
const char   *ob_cira_config_get_username              (ObCiraConfig *self);
void          ob_cira_config_set_username              (ObCiraConfig *self,
                                                        const char   *username);
const char   *ob_cira_config_get_common_name           (ObCiraConfig *self);
void          ob_cira_config_set_common_name           (ObCiraConfig *self,
                                                        const char   *common_name);
guint         ob_cira_config_get_server_address_format (ObCiraConfig *self);
void          ob_cira_config_set_server_address_format (ObCiraConfig *self,
                                                        guint         server_address_format);
guint         ob_cira_config_get_auth_method           (ObCiraConfig *self);
void          ob_cira_config_set_auth_method           (ObCiraConfig *self,
                                                        guint         auth_method);
const char   *ob_cira_config_get_mps_root_certificate  (ObCiraConfig *self);
void          ob_cira_config_set_mps_root_certificate  (ObCiraConfig *self,
                                                        const char   *mps_root_certificate);
const char   *ob_cira_config_get_proxy_details         (ObCiraConfig *self);
void          ob_cira_config_set_proxy_details         (ObCiraConfig *self,
                                                        const char   *proxy_details);
const char   *ob_cira_config_get_tenant_id             (ObCiraConfig *self);
void          ob_cira_config_set_tenant_id             (ObCiraConfig *self,
                                                        const char   *tenant_id);
gint64        ob_cira_config_get_version               (ObCiraConfig *self);
void          ob_cira_config_set_version               (ObCiraConfig *self,
                                                        gint64        version);
/* Whether a device not yet known may connect with this config's user name
 * and password, and is then added (default FALSE). */
gboolean      ob_cira_config_get_auto_enroll           (ObCiraConfig *self);
void          ob_cira_config_set_auto_enroll           (ObCiraConfig *self,
                                                        gboolean      auto_enroll);

G_END_DECLS
