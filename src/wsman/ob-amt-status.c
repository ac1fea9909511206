/* ob-amt-status.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "ob-amt-status.h"

G_DEFINE_QUARK (ob-amt-error-quark, ob_amt_error)

/* Intel AMT firmware status codes (the SDK's PT_STATUS_* constants), by
 * value.  Sorted, so a binary search finds them. */
typedef struct
{
  guint       code;
  const char *name;
} StatusName;

static const StatusName status_names[] = {
  { 0x0000, "SUCCESS" },
  { 0x0001, "INTERNAL_ERROR" },
  { 0x0002, "NOT_READY" },
  { 0x0003, "INVALID_PT_MODE" },
  { 0x0004, "INVALID_MESSAGE_LENGTH" },
  { 0x0005, "TABLE_FINGERPRINT_NOT_AVAILABLE" },
  { 0x0006, "INTEGRITY_CHECK_FAILED" },
  { 0x0007, "UNSUPPORTED_ISVS_VERSION" },
  { 0x0008, "APPLICATION_NOT_REGISTERED" },
  { 0x0009, "INVALID_REGISTRATION_DATA" },
  { 0x000a, "APPLICATION_DOES_NOT_EXIST" },
  { 0x000b, "NOT_ENOUGH_STORAGE" },
  { 0x000c, "INVALID_NAME" },
  { 0x000d, "BLOCK_DOES_NOT_EXIST" },
  { 0x000e, "INVALID_BYTE_OFFSET" },
  { 0x000f, "INVALID_BYTE_COUNT" },
  { 0x0010, "NOT_PERMITTED" },
  { 0x0011, "NOT_OWNER" },
  { 0x0012, "BLOCK_LOCKED_BY_OTHER" },
  { 0x0013, "BLOCK_NOT_LOCKED" },
  { 0x0014, "INVALID_GROUP_PERMISSIONS" },
  { 0x0015, "GROUP_DOES_NOT_EXIST" },
  { 0x0016, "INVALID_MEMBER_COUNT" },
  { 0x0017, "MAX_LIMIT_REACHED" },
  { 0x0018, "INVALID_AUTH_TYPE" },
  { 0x0019, "AUTHENTICATION_FAILED" },
  { 0x001a, "INVALID_DHCP_MODE" },
  { 0x001b, "INVALID_IP_ADDRESS" },
  { 0x001c, "INVALID_DOMAIN_NAME" },
  { 0x001d, "UNSUPPORTED_VERSION" },
  { 0x001e, "REQUEST_UNEXPECTED" },
  { 0x001f, "INVALID_TABLE_TYPE" },
  { 0x0020, "INVALID_PROVISIONING_STATE" },
  { 0x0021, "UNSUPPORTED_OBJECT" },
  { 0x0022, "INVALID_TIME" },
  { 0x0023, "INVALID_INDEX" },
  { 0x0024, "INVALID_PARAMETER" },
  { 0x0025, "INVALID_NETMASK" },
  { 0x0026, "FLASH_WRITE_LIMIT_EXCEEDED" },
  { 0x0027, "INVALID_IMAGE_LENGTH" },
  { 0x0028, "INVALID_IMAGE_SIGNATURE" },
  { 0x0029, "PROPOSE_ANOTHER_VERSION" },
  { 0x002a, "INVALID_PID_FORMAT" },
  { 0x002b, "INVALID_PPS_FORMAT" },
  { 0x002c, "BIST_COMMAND_BLOCKED" },
  { 0x002d, "CONNECTION_FAILED" },
  { 0x002e, "CONNECTION_TOO_MANY" },
  { 0x002f, "RNG_GENERATION_IN_PROGRESS" },
  { 0x0030, "RNG_NOT_READY" },
  { 0x0031, "CERTIFICATE_NOT_READY" },
  { 0x0400, "DISABLED_BY_POLICY" },
  { 0x0800, "NETWORK_IF_ERROR_BASE" },
  { 0x0801, "UNSUPPORTED_OEM_NUMBER" },
  { 0x0802, "UNSUPPORTED_BOOT_OPTION" },
  { 0x0803, "INVALID_COMMAND" },
  { 0x0804, "INVALID_SPECIAL_COMMAND" },
  { 0x0805, "INVALID_HANDLE" },
  { 0x0806, "INVALID_PASSWORD" },
  { 0x0807, "INVALID_REALM" },
  { 0x0808, "STORAGE_ACL_ENTRY_IN_USE" },
  { 0x0809, "DATA_MISSING" },
  { 0x080a, "DUPLICATE" },
  { 0x080b, "EVENTLOG_FROZEN" },
  { 0x080c, "PKI_MISSING_KEYS" },
  { 0x080d, "PKI_GENERATING_KEYS" },
  { 0x080e, "INVALID_KEY" },
  { 0x080f, "INVALID_CERT" },
  { 0x0810, "CERT_KEY_NOT_MATCH" },
  { 0x0811, "MAX_KERB_DOMAIN_REACHED" },
  { 0x0812, "UNSUPPORTED" },
  { 0x0813, "INVALID_PRIORITY" },
  { 0x0814, "NOT_FOUND" },
  { 0x0815, "INVALID_CREDENTIALS" },
  { 0x0816, "INVALID_PASSPHRASE" },
  { 0x0818, "NO_ASSOCIATION" },
  { 0x081b, "AUDIT_FAIL" },
  { 0x081c, "BLOCKING_COMPONENT" },
  { 0x0821, "USER_CONSENT_REQUIRED" },
  { 0x0822, "OPERATION_IN_PROGRESS" },
  { 0x1000, "APP_INTERNAL_ERROR" },
  { 0x1001, "NOT_INITIALIZED" },
  { 0x1002, "LIB_VERSION_UNSUPPORTED" },
  { 0x1003, "INVALID_PARAM" },
  { 0x1004, "RESOURCES" },
  { 0x1005, "HARDWARE_ACCESS_ERROR" },
  { 0x1006, "REQUESTOR_NOT_REGISTERED" },
  { 0x1007, "NETWORK_ERROR" },
  { 0x1008, "PARAM_BUFFER_TOO_SHORT" },
  { 0x1009, "COM_NOT_INITIALIZED_IN_THREAD" },
  { 0x100a, "URL_REQUIRED" },
};

static int
compare_status (const void *key,
                const void *element)
{
  guint code = *(const guint *) key;
  const StatusName *entry = element;

  if (code < entry->code)
    return -1;
  if (code > entry->code)
    return 1;
  return 0;
}

const char *
ob_amt_status_to_string (guint code)
{
  const StatusName *found;

  found = bsearch (&code, status_names, G_N_ELEMENTS (status_names),
                   sizeof status_names[0], compare_status);

  return found != NULL ? found->name : "UNKNOWN_ERROR";
}
