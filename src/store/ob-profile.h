/* ob-profile.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OB_PROFILE_ACTIVATION_ACM "acmactivate"
#define OB_PROFILE_ACTIVATION_CCM "ccmactivate"

#define OB_PROFILE_USER_CONSENT_NONE "None"
#define OB_PROFILE_USER_CONSENT_KVM  "KVM"
#define OB_PROFILE_USER_CONSENT_ALL  "All"

#define OB_PROFILE_TLS_AUTHORITY_SELF_SIGNED  "SelfSigned"
#define OB_PROFILE_TLS_AUTHORITY_MICROSOFT_CA "MicrosoftCA"

/* A profile's link to a wireless config, with its AMT priority (1..255). */
typedef struct
{
  char  *name;
  guint  priority;
} ObProfileWifiLink;

#define OB_TYPE_PROFILE_WIFI_LINK (ob_profile_wifi_link_get_type ())
GType              ob_profile_wifi_link_get_type (void) G_GNUC_CONST;
ObProfileWifiLink *ob_profile_wifi_link_new      (const char              *name,
                                                  guint                    priority);
ObProfileWifiLink *ob_profile_wifi_link_copy     (const ObProfileWifiLink *link);
void               ob_profile_wifi_link_free     (ObProfileWifiLink       *link);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObProfileWifiLink, ob_profile_wifi_link_free)

#define OB_TYPE_PROFILE (ob_profile_get_type ())

G_DECLARE_FINAL_TYPE (ObProfile, ob_profile, OB, PROFILE, GObject)

/* An AMT (activation) profile, with the fields of Open AMT's
 * /api/v1/admin/profiles.  tls-mode 0 means "no TLS" (the reference's null).
 * Passwords are never here: the keyring keeps them under
 * (OB_SECRET_OWNER_PROFILE, name); generate-random-* say whether there is one. */

ObProfile          *ob_profile_new                               (const char *name);
const char         *ob_profile_get_name                          (ObProfile *self);
void                ob_profile_set_name                          (ObProfile  *self,
                                                                  const char *name);
const char         *ob_profile_get_activation                    (ObProfile *self);
void                ob_profile_set_activation                    (ObProfile  *self,
                                                                  const char *activation);
gboolean            ob_profile_get_generate_random_password      (ObProfile *self);
void                ob_profile_set_generate_random_password      (ObProfile *self,
                                                                  gboolean   generate_random_password);
gboolean            ob_profile_get_generate_random_mebx_password (ObProfile *self);
void                ob_profile_set_generate_random_mebx_password (ObProfile *self,
                                                                  gboolean   generate_random_mebx_password);
const char         *ob_profile_get_cira_config_name              (ObProfile *self);
void                ob_profile_set_cira_config_name              (ObProfile  *self,
                                                                  const char *cira_config_name);
const char         *ob_profile_get_ieee8021x_profile_name        (ObProfile *self);
void                ob_profile_set_ieee8021x_profile_name        (ObProfile  *self,
                                                                  const char *ieee8021x_profile_name);
const char * const *ob_profile_get_tags                          (ObProfile *self);
void                ob_profile_set_tags                          (ObProfile          *self,
                                                                  const char * const *tags);
gboolean            ob_profile_get_dhcp_enabled                  (ObProfile *self);
void                ob_profile_set_dhcp_enabled                  (ObProfile *self,
                                                                  gboolean   dhcp_enabled);
gboolean            ob_profile_get_ip_sync_enabled               (ObProfile *self);
void                ob_profile_set_ip_sync_enabled               (ObProfile *self,
                                                                  gboolean   ip_sync_enabled);
gboolean            ob_profile_get_local_wifi_sync_enabled       (ObProfile *self);
void                ob_profile_set_local_wifi_sync_enabled       (ObProfile *self,
                                                                  gboolean   local_wifi_sync_enabled);
guint               ob_profile_get_tls_mode                      (ObProfile *self);
void                ob_profile_set_tls_mode                      (ObProfile *self,
                                                                  guint      tls_mode);
const char         *ob_profile_get_tls_signing_authority         (ObProfile *self);
void                ob_profile_set_tls_signing_authority         (ObProfile  *self,
                                                                  const char *tls_signing_authority);
const char         *ob_profile_get_user_consent                  (ObProfile *self);
void                ob_profile_set_user_consent                  (ObProfile  *self,
                                                                  const char *user_consent);
gboolean            ob_profile_get_ider_enabled                  (ObProfile *self);
void                ob_profile_set_ider_enabled                  (ObProfile *self,
                                                                  gboolean   ider_enabled);
gboolean            ob_profile_get_kvm_enabled                   (ObProfile *self);
void                ob_profile_set_kvm_enabled                   (ObProfile *self,
                                                                  gboolean   kvm_enabled);
gboolean            ob_profile_get_sol_enabled                   (ObProfile *self);
void                ob_profile_set_sol_enabled                   (ObProfile *self,
                                                                  gboolean   sol_enabled);
const char         *ob_profile_get_tenant_id                     (ObProfile *self);
void                ob_profile_set_tenant_id                     (ObProfile  *self,
                                                                  const char *tenant_id);
gint64              ob_profile_get_version                       (ObProfile *self);
void                ob_profile_set_version                       (ObProfile *self,
                                                                  gint64     version);
GPtrArray          *ob_profile_get_wifi_links                    (ObProfile *self);
void                ob_profile_set_wifi_links                    (ObProfile *self,
                                                                  GPtrArray *links);
void                ob_profile_add_wifi_link                     (ObProfile  *self,
                                                                  const char *name,
                                                                  guint       priority);
void                ob_profile_clear_wifi_links                  (ObProfile *self);

G_END_DECLS
