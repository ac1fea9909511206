/* ob-wireless-config.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OB_TYPE_WIRELESS_CONFIG (ob_wireless_config_get_type ())

G_DECLARE_FINAL_TYPE (ObWirelessConfig, ob_wireless_config, OB, WIRELESS_CONFIG, GObject)

/* A Wi-Fi profile (Open AMT /api/v1/admin/wirelessconfigs).
 * authentication-method: 4 WPA PSK, 5 WPA 802.1x, 6 WPA2 PSK, 7 WPA2 802.1x;
 * encryption-method: 3 TKIP, 4 CCMP.  link-policy is an "ai" variant (NULL
 * when not set).  The PSK passphrase is in the keyring under
 * (OB_SECRET_OWNER_WIRELESS, name). */

ObWirelessConfig *ob_wireless_config_new                        (const char *name);
const char       *ob_wireless_config_get_name                   (ObWirelessConfig *self);
void              ob_wireless_config_set_name                   (ObWirelessConfig *self,
                                                                 const char       *name);
guint             ob_wireless_config_get_authentication_method  (ObWirelessConfig *self);
void              ob_wireless_config_set_authentication_method  (ObWirelessConfig *self,
                                                                 guint             authentication_method);
guint             ob_wireless_config_get_encryption_method      (ObWirelessConfig *self);
void              ob_wireless_config_set_encryption_method      (ObWirelessConfig *self,
                                                                 guint             encryption_method);
const char       *ob_wireless_config_get_ssid                   (ObWirelessConfig *self);
void              ob_wireless_config_set_ssid                   (ObWirelessConfig *self,
                                                                 const char       *ssid);
int               ob_wireless_config_get_psk_value              (ObWirelessConfig *self);
void              ob_wireless_config_set_psk_value              (ObWirelessConfig *self,
                                                                 int               psk_value);
const char       *ob_wireless_config_get_ieee8021x_profile_name (ObWirelessConfig *self);
void              ob_wireless_config_set_ieee8021x_profile_name (ObWirelessConfig *self,
                                                                 const char       *ieee8021x_profile_name);
const char       *ob_wireless_config_get_tenant_id              (ObWirelessConfig *self);
void              ob_wireless_config_set_tenant_id              (ObWirelessConfig *self,
                                                                 const char       *tenant_id);
gint64            ob_wireless_config_get_version                (ObWirelessConfig *self);
void              ob_wireless_config_set_version                (ObWirelessConfig *self,
                                                                 gint64            version);
GVariant         *ob_wireless_config_get_link_policy_variant    (ObWirelessConfig *self);
void              ob_wireless_config_set_link_policy_variant    (ObWirelessConfig *self,
                                                                 GVariant         *link_policy);
const gint32     *ob_wireless_config_get_link_policy            (ObWirelessConfig *self,
                                                                 gsize            *n_values);
void              ob_wireless_config_set_link_policy            (ObWirelessConfig *self,
                                                                 const gint32     *values,
                                                                 gsize             n_values);

G_END_DECLS
