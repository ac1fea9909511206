/* ob-wsman-error.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-wsman-error.h"

G_DEFINE_QUARK (ob-wsman-error-quark, ob_wsman_error)

char *
ob_wsman_error_dup_fault_subcode (const GError *error)
{
  const char *colon;

  if (error == NULL || !g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT))
    return NULL;

  /* The fault parser always writes "<name>: <reason>…"; a name never
   * contains ':' because prefixes are stripped. */
  colon = strstr (error->message, ": ");
  if (colon == NULL || colon == error->message)
    return NULL;

  return g_strndup (error->message, colon - error->message);
}
