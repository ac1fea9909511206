/* ob-device-error.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Errors of the device layer (src/mps): reaching a device, trusting its
 * certificate, adding and removing devices.  Connection failures below TLS
 * keep GIO's G_IO_ERROR codes (CONNECTION_REFUSED, TIMED_OUT,
 * HOST_UNREACHABLE, NOT_FOUND for an unknown name …) with a message that
 * names the host and port; WS-Man failures keep OB_WSMAN_ERROR. */
#define OB_DEVICE_ERROR (ob_device_error_quark ())

typedef enum
{
  /* Bad input from the caller: an empty host, a port of 0, a malformed
   * fingerprint, an empty password. */
  OB_DEVICE_ERROR_INVALID_ARGUMENT = 1,
  /* TLS is on but no certificate fingerprint is pinned: probe it first and
   * let the admin confirm it. */
  OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED,
  /* The device presented a certificate other than the pinned one. */
  OB_DEVICE_ERROR_CERTIFICATE_MISMATCH,
  /* The TLS handshake failed for another reason (protocol version, cipher,
   * the peer closed the connection). */
  OB_DEVICE_ERROR_TLS_FAILED,
  /* No device with that GUID in the registry. */
  OB_DEVICE_ERROR_NOT_FOUND,
  /* A device with that GUID (or that host and port) is already managed. */
  OB_DEVICE_ERROR_DUPLICATE,
  /* The device answered but did not tell us its GUID. */
  OB_DEVICE_ERROR_NO_GUID,
  /* The registry has not been loaded yet, or is loading. */
  OB_DEVICE_ERROR_NOT_LOADED,
  /* The transport cannot be used (CIRA device not connected yet). */
  OB_DEVICE_ERROR_NOT_CONNECTED,
  /* No AMT password is stored for the device, so it cannot be asked
   * anything (shown as auth-failed). */
  OB_DEVICE_ERROR_NO_PASSWORD,
} ObDeviceError;

GQuark ob_device_error_quark (void);

G_END_DECLS
