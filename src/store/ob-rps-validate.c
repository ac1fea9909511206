/* ob-rps-validate.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "ob-rps-validate.h"

/* [a-zA-Z0-9$@$!%*#?&-_~^]: "&-_" is the range 0x26..0x5F. */
static gboolean
is_profile_char (guchar   c,
                 gboolean dollar)
{
  if (c >= 'a' && c <= 'z')
    return TRUE;
  if (c >= 0x26 && c <= 0x5F)
    return TRUE;

  return c == '!' || c == '#' || c == '%' || c == '~' || (dollar && c == '$');
}

static gboolean
all_chars (const char *text,
           gboolean    dollar)
{
  if (text == NULL || text[0] == '\0')
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (!is_profile_char ((guchar) *p, dollar))
      return FALSE;

  return TRUE;
}

gboolean
ob_rps_validate_profile_name (const char *text)
{
  return all_chars (text, TRUE);
}

/* [a-zA-Z0-9@!%*#&-_~^]: the same without '$' ('?' is in the range). */
gboolean
ob_rps_validate_cira_name (const char *text)
{
  return all_chars (text, FALSE);
}

gboolean
ob_rps_validate_alnum (const char *text)
{
  if (text == NULL || text[0] == '\0')
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;

  return TRUE;
}

/* 8 to 32 of the profile-name characters, with a digit, a lower and an
 * upper case letter and one of !@#$%^&*. */
ObRpsPasswordProblems
ob_rps_validate_password_problems (const char *text)
{
  ObRpsPasswordProblems problems = 0;
  gboolean digit = FALSE, lower = FALSE, upper = FALSE, special = FALSE;
  gsize len;

  if (text == NULL)
    text = "";

  len = strlen (text);
  if (len < OB_RPS_PASSWORD_MIN_LENGTH)
    problems |= OB_RPS_PASSWORD_TOO_SHORT;
  if (len > OB_RPS_PASSWORD_MAX_LENGTH)
    problems |= OB_RPS_PASSWORD_TOO_LONG;
  if (len > 0 && !all_chars (text, TRUE))
    problems |= OB_RPS_PASSWORD_BAD_CHAR;

  for (const char *p = text; *p != '\0'; p++)
    {
      digit = digit || g_ascii_isdigit (*p);
      lower = lower || g_ascii_islower (*p);
      upper = upper || g_ascii_isupper (*p);
      special = special || strchr ("!@#$%^&*", *p) != NULL;
    }

  if (!digit)
    problems |= OB_RPS_PASSWORD_NO_DIGIT;
  if (!lower)
    problems |= OB_RPS_PASSWORD_NO_LOWER;
  if (!upper)
    problems |= OB_RPS_PASSWORD_NO_UPPER;
  if (!special)
    problems |= OB_RPS_PASSWORD_NO_SPECIAL;

  return problems;
}

gboolean
ob_rps_validate_strong_password (const char *text)
{
  return text != NULL && ob_rps_validate_password_problems (text) == 0;
}

/* Four decimal octets of one to three digits, 0 to 255 (the reference's
 * pattern lets "010" through). */
gboolean
ob_rps_validate_ipv4 (const char *text)
{
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return FALSE;

  parts = g_strsplit (text, ".", -1);
  if (g_strv_length (parts) != 4)
    return FALSE;

  for (guint i = 0; i < 4; i++)
    {
      guint64 value;
      gsize len = strlen (parts[i]);

      if (len == 0 || len > 3)
        return FALSE;
      for (gsize j = 0; j < len; j++)
        if (!g_ascii_isdigit (parts[i][j]))
          return FALSE;
      if (!g_ascii_string_to_unsigned (parts[i], 10, 0, 255, &value, NULL))
        return FALSE;
    }

  return TRUE;
}

gboolean
ob_rps_validate_ipv6 (const char *text)
{
  g_autoptr(GInetAddress) address = NULL;

  if (text == NULL || strchr (text, ':') == NULL || strlen (text) > 45)
    return FALSE;

  address = g_inet_address_new_from_string (text);

  return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
}

/* Lower case labels of letters and digits joined by single hyphens (two
 * after an "xn--" prefix), at least two labels, and a top-level label of
 * 2 to 63 letters. */
gboolean
ob_rps_validate_fqdn (const char *text)
{
  g_auto(GStrv) labels = NULL;
  guint n;

  if (text == NULL || strlen (text) > 253)
    return FALSE;

  labels = g_strsplit (text, ".", -1);
  n = g_strv_length (labels);
  if (n < 2)
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      const char *label = labels[i];
      gsize len = strlen (label);

      if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
        return FALSE;
      if (strstr (g_str_has_prefix (label, "xn--") ? label + 4 : label, "--") != NULL)
        return FALSE;

      for (gsize j = 0; j < len; j++)
        {
          char c = label[j];

          if (i == n - 1)
            {
              if (!(c >= 'a' && c <= 'z'))
                return FALSE;
            }
          else if (!((c >= 'a' && c <= 'z') || g_ascii_isdigit (c) || c == '-'))
            return FALSE;
        }

      if (i == n - 1 && len < 2)
        return FALSE;
    }

  return TRUE;
}

gboolean
ob_rps_validate_wifi_auth_is_psk (guint method)
{
  return method == OB_RPS_WIFI_AUTH_WPA_PSK || method == OB_RPS_WIFI_AUTH_WPA2_PSK;
}

/* Wired: 0 EAP-TLS, 2 PEAPv0/EAP-MSCHAPv2, 3 PEAPv1/EAP-GTC, 5 EAP-FAST/GTC,
 * 10 EAP-FAST/TLS; wireless: 0 and 2. */
gboolean
ob_rps_validate_ieee8021x_protocol (guint    protocol,
                                    gboolean wired)
{
  if (protocol == 0 || protocol == 2)
    return TRUE;

  return wired && (protocol == 3 || protocol == 5 || protocol == 10);
}
