/* ob-device.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-device-error.h"
#include "ob-device-record.h"
#include "ob-stream-source.h"
#include "ob-wsman-client.h"

G_BEGIN_DECLS

typedef enum
{
  OB_DEVICE_REACHABILITY_UNKNOWN,
  OB_DEVICE_REACHABILITY_REACHABLE,
  OB_DEVICE_REACHABILITY_UNREACHABLE,
  OB_DEVICE_REACHABILITY_AUTH_FAILED,
} ObDeviceReachability;

#define OB_TYPE_DEVICE_REACHABILITY (ob_device_reachability_get_type ())
GType       ob_device_reachability_get_type  (void) G_GNUC_CONST;
/* "unknown", "reachable", "unreachable", "auth-failed" */
const char *ob_device_reachability_to_string (ObDeviceReachability reachability);

/* From AMT_SetupAndConfigurationService: ProvisioningState 0 (pre) gives
 * PRE_PROVISIONED; otherwise ProvisioningMode 1 gives ACM, 4 gives CCM. */
typedef enum
{
  OB_DEVICE_CONTROL_MODE_UNKNOWN,
  OB_DEVICE_CONTROL_MODE_PRE_PROVISIONED,
  OB_DEVICE_CONTROL_MODE_CCM,
  OB_DEVICE_CONTROL_MODE_ACM,
} ObDeviceControlMode;

#define OB_TYPE_DEVICE_CONTROL_MODE (ob_device_control_mode_get_type ())
GType       ob_device_control_mode_get_type  (void) G_GNUC_CONST;
/* "unknown", "pre-provisioned", "ccm", "acm" */
const char *ob_device_control_mode_to_string (ObDeviceControlMode mode);
/* What Open AMT's deviceInfo.currentMode holds: "0" pre-provisioned /
 * unknown, "1" CCM, "2" ACM. */
const char *ob_device_control_mode_to_open_amt (ObDeviceControlMode mode);

/* User consent as Open AMT's features route names it, from
 * IPS_OptInService.OptInRequired (0 none, 1 kvm, 0xFFFFFFFF all). */
#define OB_DEVICE_USER_CONSENT_NONE "none"
#define OB_DEVICE_USER_CONSENT_KVM  "kvm"
#define OB_DEVICE_USER_CONSENT_ALL  "all"

#define OB_TYPE_DEVICE (ob_device_get_type ())

G_DECLARE_FINAL_TYPE (ObDevice, ob_device, OB, DEVICE, GObject)

/* One managed device, however it is reached.  Properties, all read-only
 * except where noted, notified only when they change (on the main context
 * the device was created on):
 *
 *   guid, name (friendly name, else host), host, port, transport
 *   (ObDeviceTransport), use-tls, tags (GStrv), username,
 *   reachability (ObDeviceReachability), power-state (DMTF PowerState,
 *   0 unknown: 2 on, 3 light sleep, 4 deep sleep, 6 off hard, 7 hibernate,
 *   8 off soft …), os-power-saving-state (0 unknown, 2 full power,
 *   3 OS power saving), amt-version ("16.1.25"), amt-build, sku,
 *   control-mode (ObDeviceControlMode), kvm-enabled, sol-enabled,
 *   ider-enabled, user-consent ("none"/"kvm"/"all", NULL unknown),
 *   last-error (plain words, NULL after a success), last-refreshed
 *   (GDateTime of the last successful refresh, NULL before), busy (a
 *   refresh or an action is in flight), transport-source (the
 *   ObStreamSource, read-write).
 *
 * ObDevice implements ObStreamSource by delegating to its transport
 * source: an ObLanStreamSource for LAN devices (made from the record when
 * none is given), the device's ObApfSession for CIRA devices while they
 * are connected (WS-Man then goes to 16992 over an APF channel, whatever
 * the record's port).  Without a transport source opening a stream fails
 * with OB_DEVICE_ERROR_NOT_CONNECTED; without a password a refresh fails
 * with OB_DEVICE_ERROR_NO_PASSWORD (auth-failed). */

/* @record is copied; @amt_password is copied and wiped when the device is
 * finalized or the password replaced; @transport may be NULL (for a LAN
 * record an ObLanStreamSource is made from the record's host, use-tls,
 * pinned fingerprint and legacy-tls). */
ObDevice            *ob_device_new                      (ObDeviceRecord       *record,
                                                         const char           *amt_password,
                                                         ObStreamSource       *transport);

/* A copy of the record the device was made from, with the latest device
 * info (fw version/build/sku, current mode, features) a refresh found.
 * (transfer full) */
ObDeviceRecord      *ob_device_dup_record               (ObDevice             *self);
/* Replace the record (after an edit: name, tags, host, TLS settings …).
 * The GUID must not change.  For LAN devices whose transport was made from
 * the record, its settings are updated too; the WS-Man client is rebuilt
 * when the host, port, user or TLS settings changed. */
void                 ob_device_set_record               (ObDevice             *self,
                                                         ObDeviceRecord       *record);
/* Replace the AMT password (copied; the old copy is wiped).  The WS-Man
 * client is rebuilt. */
void                 ob_device_set_password             (ObDevice             *self,
                                                         const char           *amt_password);
/* The AMT password (NULL if none is stored), for the redirection session's
 * digest (KVM, SOL), which the WS-Man client cannot answer.  Never log it. */
const char          *ob_device_get_password             (ObDevice             *self);

const char          *ob_device_get_guid                 (ObDevice             *self);
const char          *ob_device_get_name                 (ObDevice             *self);
const char          *ob_device_get_host                 (ObDevice             *self);
guint                ob_device_get_port                 (ObDevice             *self);
ObDeviceTransport    ob_device_get_transport            (ObDevice             *self);
gboolean             ob_device_get_use_tls              (ObDevice             *self);
const char * const  *ob_device_get_tags                 (ObDevice             *self);
const char          *ob_device_get_username             (ObDevice             *self);
ObDeviceReachability ob_device_get_reachability         (ObDevice             *self);
guint                ob_device_get_power_state          (ObDevice             *self);
guint                ob_device_get_os_power_saving_state (ObDevice            *self);
const char          *ob_device_get_amt_version          (ObDevice             *self);
const char          *ob_device_get_amt_build            (ObDevice             *self);
const char          *ob_device_get_sku                  (ObDevice             *self);
ObDeviceControlMode  ob_device_get_control_mode         (ObDevice             *self);
gboolean             ob_device_get_kvm_enabled          (ObDevice             *self);
gboolean             ob_device_get_sol_enabled          (ObDevice             *self);
gboolean             ob_device_get_ider_enabled         (ObDevice             *self);
const char          *ob_device_get_user_consent         (ObDevice             *self);
const char          *ob_device_get_last_error           (ObDevice             *self);
GDateTime           *ob_device_get_last_refreshed       (ObDevice             *self);
gboolean             ob_device_get_busy                 (ObDevice             *self);

ObStreamSource      *ob_device_get_transport_source     (ObDevice             *self);
void                 ob_device_set_transport_source     (ObDevice             *self,
                                                         ObStreamSource       *transport);
/* Whether the device counts as connected (REST connectionStatus,
 * devices/stats): a CIRA device while it has a transport source (its
 * session), any other while its last exchange worked (reachable).  Its
 * changes are notified as transport, transport-source and reachability. */
gboolean             ob_device_is_connected             (ObDevice             *self);

/* The device's WS-Man client (port from the record, Host header the
 * device's host, the record's AMT user and the password), made on first
 * use; NULL while the device has no transport source (a CIRA device that
 * is not connected).  It stays valid while the caller holds a reference;
 * after a change of record or transport the device hands out a new one
 * (a password change updates the existing one).  (transfer none) */
ObWsmanClient       *ob_device_get_wsman_client         (ObDevice             *self);

/* Fetch AMT version/build/SKU, control mode, power state and the
 * redirection features (KVM/SOL/IDER, user consent), at most three WS-Man
 * requests at a time.  Updates the properties, reachability and
 * last-error.  Concurrent calls share one refresh.  The finish reports
 * the first failure (auth, transport, fault); a device that answers
 * everything except the optional feature classes still succeeds. */
void                 ob_device_refresh_async            (ObDevice             *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean             ob_device_refresh_finish           (ObDevice             *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

/* For code that runs its own WS-Man calls on the device (power actions,
 * features, logs …): hold busy while the call runs, and report its outcome
 * so reachability and last-error follow (NULL @error = success, which marks
 * the device reachable and clears last-error; a transport error marks it
 * unreachable, a wrong password auth-failed; other errors only set
 * last-error).  A cancelled error is ignored. */
void                 ob_device_hold_busy                (ObDevice             *self);
void                 ob_device_release_busy             (ObDevice             *self);
void                 ob_device_report_result            (ObDevice             *self,
                                                         const GError         *error);
/* Record a power state learnt elsewhere (after a power action). */
void                 ob_device_set_power_state          (ObDevice             *self,
                                                         guint                 power_state);

G_END_DECLS
