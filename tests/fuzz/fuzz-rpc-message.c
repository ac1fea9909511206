/* fuzz-rpc-message.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The rpc-go envelope parser over arbitrary bytes, then everything the
 * server does with a frame: the first-message checks (command line,
 * payload, protocol version), and the HTTP response carried in a
 * "response" payload.  Besides "no crash, no leak" it checks that a parsed
 * envelope serialises to JSON that parses back to the same members. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ob-rpc-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_round_trip (ObRpcMessage *m)
{
  g_autofree char *json = ob_rpc_message_to_json (m);
  g_autoptr(ObRpcMessage) again = NULL;

  /* Our own output may only be refused for size (base64 grows). */
  again = ob_rpc_message_parse (json, strlen (json), NULL);
  if (again == NULL)
    {
      if (strlen (json) <= OB_RPC_MAX_MESSAGE_BYTES)
        abort ();
      return;
    }
  if (g_strcmp0 (ob_rpc_message_get_method (m), ob_rpc_message_get_method (again)) != 0
      || g_strcmp0 (ob_rpc_message_get_payload (m), ob_rpc_message_get_payload (again)) != 0
      || g_strcmp0 (ob_rpc_message_get_status (m), ob_rpc_message_get_status (again)) != 0
      || g_strcmp0 (ob_rpc_message_get_message (m), ob_rpc_message_get_message (again)) != 0
      || g_strcmp0 (ob_rpc_message_get_tenant_id (m), ob_rpc_message_get_tenant_id (again)) != 0)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ObRpcMessage) m = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpcClientInfo) info = NULL;
  g_autoptr(GBytes) payload = NULL;
  ObRpcCommand command;

  m = ob_rpc_message_parse ((const char *) data, size, &error);
  if (m == NULL)
    {
      if (error == NULL || error->domain != OB_RPS_ERROR)
        abort ();
      return 0;
    }
  check_round_trip (m);

  if (ob_rpc_parse_initial (m, "fuzz", &command, &info, &error))
    {
      if (info == NULL || info->uuid == NULL || strlen (info->uuid) != 36 || info->cert_hashes == NULL)
        abort ();
      ob_rpc_check_firmware (info, NULL);
      ob_rpc_command_clear (&command);
    }
  else if (info != NULL || error == NULL || error->domain != OB_RPS_ERROR)
    abort ();
  g_clear_error (&error);

  /* The same payload read as a device's HTTP response. */
  payload = ob_rpc_message_decode_payload (m, NULL);
  if (payload != NULL)
    {
      g_autoptr(ObHttpMessage) http = ob_rpc_parse_http_response (payload, &error);

      if (http == NULL && (error == NULL || error->domain != OB_RPS_ERROR))
        abort ();
    }
  return 0;
}
