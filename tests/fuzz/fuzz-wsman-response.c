/* fuzz-wsman-response.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The WS-Man reply and request parsers over arbitrary bytes: whatever comes
 * in, the result is a parsed envelope or a GError, never a crash, a leak or
 * an over-read. */

#include "config.h"

#include <stdint.h>

#include "ob-wsman-error.h"
#include "ob-wsman-response.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
exercise_response (ObWsmanResponse *response)
{
  g_autoptr(JsonNode) envelope = ob_wsman_response_dup_envelope_json (response);
  g_autofree char *json = json_to_string (envelope, FALSE);
  GPtrArray *items = ob_wsman_response_get_items (response);
  GPtrArray *classes = ob_wsman_response_get_item_classes (response);
  gint64 value = 0;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (json);
  g_assert_cmpuint (items->len, ==, classes->len);
  for (guint i = 0; i < items->len; i++)
    {
      g_autofree char *item = json_to_string (g_ptr_array_index (items, i), FALSE);

      g_assert_nonnull (item);
    }

  (void) ob_wsman_response_get_action (response);
  (void) ob_wsman_response_get_relates_to (response);
  (void) ob_wsman_response_get_message_id (response);
  (void) ob_wsman_response_get_enumeration_context (response);
  (void) ob_wsman_response_get_end_of_sequence (response);
  (void) ob_wsman_response_get_class_json (response, "AMT_GeneralSettings");
  if (!ob_wsman_response_get_return_value (response, NULL, &value, &error))
    g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_UNEXPECTED_RESPONSE);
}

static void
exercise_request (ObWsmanRequest *request)
{
  ObWsmanSelectors *selectors = ob_wsman_request_get_selectors (request);
  ObWsmanSelectors *args = ob_wsman_request_get_arguments (request);
  g_autofree char *json = json_to_string (ob_wsman_request_get_body_json (request), FALSE);

  g_assert_nonnull (ob_wsman_request_get_action (request));
  g_assert_nonnull (ob_wsman_request_get_resource_uri (request));
  g_assert_nonnull (json);
  for (guint i = 0; i < ob_wsman_selectors_get_length (selectors); i++)
    g_assert_nonnull (ob_wsman_selectors_get_name (selectors, i));
  for (guint i = 0; i < ob_wsman_selectors_get_length (args); i++)
    g_assert_nonnull (ob_wsman_selectors_get_name (args, i));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) request_error = NULL;
  g_autoptr(ObWsmanResponse) response = NULL;
  g_autoptr(ObWsmanRequest) request = NULL;

  response = ob_wsman_response_new ((const char *) data, size, &error);
  if (response != NULL)
    exercise_response (response);
  else
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == OB_WSMAN_ERROR);
      if (error->code == OB_WSMAN_ERROR_FAULT)
        {
          g_autofree char *subcode = ob_wsman_error_dup_fault_subcode (error);

          g_assert_nonnull (subcode);
        }
    }

  request = ob_wsman_request_parse ((const char *) data, size, &request_error);
  if (request != NULL)
    exercise_request (request);
  else
    g_assert_true (request_error != NULL && request_error->domain == OB_WSMAN_ERROR);

  return 0;
}
