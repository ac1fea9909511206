/* ob-rps-validate.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The field rules of the RPS admin records (rps-rpc-activation.md §1),
 * shared by the REST API (which answers with the reference's exact
 * messages) and the interface's editors (which show their own, translated
 * ones while the admin types).  Pure functions of their input. */

/* [a-zA-Z0-9$@$!%*#?&-_~^]+ (profiles, domains; "&-_" is the range
 * 0x26..0x5F). */
gboolean ob_rps_validate_profile_name (const char *text);
/* The same without '$' (CIRA configs). */
gboolean ob_rps_validate_cira_name    (const char *text);
/* [a-zA-Z0-9]+ */
gboolean ob_rps_validate_alnum        (const char *text);
gboolean ob_rps_validate_ipv4         (const char *text);
gboolean ob_rps_validate_ipv6         (const char *text);
/* Lower case labels, at least two, a top-level label of 2 to 63 letters. */
gboolean ob_rps_validate_fqdn         (const char *text);

/* What an AMT or MEBx password lacks; 0 when it is strong enough. */
typedef enum
{
  OB_RPS_PASSWORD_TOO_SHORT  = 1 << 0,  /* fewer than 8 characters */
  OB_RPS_PASSWORD_TOO_LONG   = 1 << 1,  /* more than 32 */
  OB_RPS_PASSWORD_NO_DIGIT   = 1 << 2,
  OB_RPS_PASSWORD_NO_LOWER   = 1 << 3,
  OB_RPS_PASSWORD_NO_UPPER   = 1 << 4,
  OB_RPS_PASSWORD_NO_SPECIAL = 1 << 5,  /* one of !@#$%^&* */
  OB_RPS_PASSWORD_BAD_CHAR   = 1 << 6,  /* space, quote, {|} or non-ASCII */
} ObRpsPasswordProblems;

#define OB_RPS_PASSWORD_MIN_LENGTH 8
#define OB_RPS_PASSWORD_MAX_LENGTH 32

ObRpsPasswordProblems ob_rps_validate_password_problems (const char *text);
gboolean              ob_rps_validate_strong_password   (const char *text);

/* MPS ports a CIRA config may name. */
#define OB_RPS_MPS_PORT_MIN 1024
#define OB_RPS_MPS_PORT_MAX 49151
/* MPS user names: alphanumeric, 5 to 16. */
#define OB_RPS_MPS_USERNAME_MIN 5
#define OB_RPS_MPS_USERNAME_MAX 16
/* Wireless and 802.1x profile names and SSIDs: at most 32. */
#define OB_RPS_WIRELESS_NAME_MAX 32
#define OB_RPS_SSID_MAX          32
/* WPA passphrases: 8 to 63. */
#define OB_RPS_PSK_MIN 8
#define OB_RPS_PSK_MAX 63
/* PFX passwords: at most 64. */
#define OB_RPS_PFX_PASSWORD_MAX 64
/* 802.1x PXE timeout, seconds. */
#define OB_RPS_PXE_TIMEOUT_MAX 86400
/* Wireless configs one profile may list. */
#define OB_RPS_MAX_WIFI_CONFIGS 8

/* Wireless authentication methods and encryption. */
#define OB_RPS_WIFI_AUTH_WPA_PSK   4
#define OB_RPS_WIFI_AUTH_WPA_IEEE  5
#define OB_RPS_WIFI_AUTH_WPA2_PSK  6
#define OB_RPS_WIFI_AUTH_WPA2_IEEE 7
#define OB_RPS_WIFI_ENCRYPTION_TKIP 3
#define OB_RPS_WIFI_ENCRYPTION_CCMP 4

gboolean ob_rps_validate_wifi_auth_is_psk (guint method);

/* 802.1x authentication protocols a wired (or wireless) interface takes. */
gboolean ob_rps_validate_ieee8021x_protocol (guint    protocol,
                                             gboolean wired);

G_END_DECLS
