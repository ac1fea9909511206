/* ob-config.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-log.h"

G_BEGIN_DECLS

#define OB_DEFAULT_CIRA_PORT          4433
#define OB_DEFAULT_RPS_PORT           8080
#define OB_DEFAULT_API_PORT           3000
#define OB_DEFAULT_API_ADDRESS        "127.0.0.1"
#define OB_DEFAULT_API_USER           "admin"
#define OB_DEFAULT_KEEPALIVE_INTERVAL 30

#define OB_TYPE_CONFIG (ob_config_get_type ())

G_DECLARE_FINAL_TYPE (ObConfig, ob_config, OB, CONFIG, GObject)

/* The engines' settings.  Engines read this object and never GSettings;
 * the app binds its properties to GSettings, headless mode and tests set
 * them directly (grd-settings pattern). */
ObConfig   *ob_config_new                    (void);

guint       ob_config_get_cira_port          (ObConfig   *self);
void        ob_config_set_cira_port          (ObConfig   *self,
                                              guint       port);
guint       ob_config_get_rps_port           (ObConfig   *self);
void        ob_config_set_rps_port           (ObConfig   *self,
                                              guint       port);
guint       ob_config_get_api_port           (ObConfig   *self);
void        ob_config_set_api_port           (ObConfig   *self,
                                              guint       port);
gboolean    ob_config_get_api_enabled        (ObConfig   *self);
void        ob_config_set_api_enabled        (ObConfig   *self,
                                              gboolean    enabled);
const char *ob_config_get_api_address        (ObConfig   *self);
void        ob_config_set_api_address        (ObConfig   *self,
                                              const char *address);
const char *ob_config_get_api_user           (ObConfig   *self);
void        ob_config_set_api_user           (ObConfig   *self,
                                              const char *user);
const char *ob_config_get_mps_common_name    (ObConfig   *self);
void        ob_config_set_mps_common_name    (ObConfig   *self,
                                              const char *common_name);
char       *ob_config_dup_effective_common_name (ObConfig *self);
guint       ob_config_get_keepalive_interval (ObConfig   *self);
void        ob_config_set_keepalive_interval (ObConfig   *self,
                                              guint       seconds);
gboolean    ob_config_get_allow_legacy_tls   (ObConfig   *self);
void        ob_config_set_allow_legacy_tls   (ObConfig   *self,
                                              gboolean    allow);
ObLogLevel  ob_config_get_log_level          (ObConfig   *self);
void        ob_config_set_log_level          (ObConfig   *self,
                                              ObLogLevel  level);

G_END_DECLS
