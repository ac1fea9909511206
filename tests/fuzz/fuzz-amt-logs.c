/* fuzz-amt-logs.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The AMT event and audit log record decoders over arbitrary bytes, both
 * as raw records and as the base64 text a device sends. */

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "ob-amt-logs.h"
#include "ob-wsman-error.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (JsonNode *node,
       GError   *error)
{
  if (node != NULL)
    {
      g_autofree char *json = json_to_string (node, FALSE);

      g_assert_null (error);
      g_assert_nonnull (json);
      json_node_unref (node);
    }
  else
    g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  GError *error = NULL;
  JsonNode *node;

  node = ob_amt_event_record_decode (data, size, &error);
  check (node, error);
  g_clear_error (&error);

  node = ob_amt_audit_record_decode (data, size, &error);
  check (node, error);
  g_clear_error (&error);

  node = ob_amt_event_record_decode_base64 (text, &error);
  check (node, error);
  g_clear_error (&error);

  node = ob_amt_audit_record_decode_base64 (text, &error);
  check (node, error);
  g_clear_error (&error);

  return 0;
}
