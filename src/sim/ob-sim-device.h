/* ob-sim-device.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-sim-error.h"
#include "ob-sim-instance.h"

G_BEGIN_DECLS

/* ObSimDevice: the state of one simulated Intel AMT device.  Pure state:
 * no sockets, no files.  ObSimWsmanServer turns WS-Man calls into calls on
 * this object; tests and the demo UI drive it directly and watch its
 * properties (notify::power-state, notify::consent-code …) and signals.
 *
 * Methods that model a firmware method return the firmware's ReturnValue
 * (0 = success, an AMT PT_STATUS or a CIM method status otherwise), so the
 * WS-Man layer reports exactly that value.
 *
 * Time: the device reads a clock (wall time plus an offset tests can move
 * with ob_sim_device_advance_clock()).  Deadlines (consent code timeout,
 * alarm clocks) are also checked by a timer on the main context the device
 * was created on, so a running simulator reacts on its own. */

#define OB_TYPE_SIM_DEVICE (ob_sim_device_get_type ())

G_DECLARE_FINAL_TYPE (ObSimDevice, ob_sim_device, OB, SIM_DEVICE, GObject)

/* AMT_SetupAndConfigurationService: ProvisioningState 0 (pre-provisioning)
 * or 2 (post-provisioning) with ProvisioningMode 4 (client control) or 1
 * (admin control). */
typedef enum
{
  OB_SIM_CONTROL_MODE_PRE_PROVISIONING,
  OB_SIM_CONTROL_MODE_CCM,
  OB_SIM_CONTROL_MODE_ACM,
} ObSimControlMode;

#define OB_TYPE_SIM_CONTROL_MODE (ob_sim_control_mode_get_type ())
GType ob_sim_control_mode_get_type (void) G_GNUC_CONST;

/* CIM_AssociatedPowerManagementService.PowerState values the firmware
 * reports.  After any power-off action AMT reports 8 (S5, off-soft);
 * 6 is only reachable through ob_sim_device_set_power_state() (mechanical
 * off as seen by a device on standby power). */
typedef enum
{
  OB_SIM_POWER_ON          = 2,
  OB_SIM_POWER_SLEEP_LIGHT = 3,
  OB_SIM_POWER_SLEEP_DEEP  = 4,
  OB_SIM_POWER_OFF_HARD    = 6,
  OB_SIM_POWER_HIBERNATE   = 7,
  OB_SIM_POWER_OFF_SOFT    = 8,
} ObSimPowerState;

/* IPS_PowerManagementService.OSPowerSavingState */
typedef enum
{
  OB_SIM_OS_POWER_UNKNOWN     = 0,
  OB_SIM_OS_POWER_UNSUPPORTED = 1,
  OB_SIM_OS_POWER_FULL        = 2,
  OB_SIM_OS_POWER_SAVING      = 3,
} ObSimOsPowerSavingState;

/* What the last boot booted into (the KVM screen shows it). */
typedef enum
{
  OB_SIM_BOOT_TARGET_NONE,        /* never booted while simulated */
  OB_SIM_BOOT_TARGET_OS,          /* normal boot from the hard drive */
  OB_SIM_BOOT_TARGET_BIOS_SETUP,
  OB_SIM_BOOT_TARGET_PXE,
  OB_SIM_BOOT_TARGET_CD_DVD,
  OB_SIM_BOOT_TARGET_IDER_FLOPPY,
  OB_SIM_BOOT_TARGET_IDER_CD,
  OB_SIM_BOOT_TARGET_UEFI_HTTPS,
  OB_SIM_BOOT_TARGET_SECURE_ERASE,
} ObSimBootTarget;

#define OB_TYPE_SIM_BOOT_TARGET (ob_sim_boot_target_get_type ())
GType ob_sim_boot_target_get_type (void) G_GNUC_CONST;

/* IPS_OptInService.OptInRequired */
#define OB_SIM_OPT_IN_NONE 0u
#define OB_SIM_OPT_IN_KVM  1u
#define OB_SIM_OPT_IN_ALL  0xFFFFFFFFu

/* IPS_OptInService.OptInState */
typedef enum
{
  OB_SIM_OPT_IN_STATE_NOT_STARTED = 0,
  OB_SIM_OPT_IN_STATE_REQUESTED   = 1, /* code made, host off: not shown yet */
  OB_SIM_OPT_IN_STATE_DISPLAYED   = 2,
  OB_SIM_OPT_IN_STATE_RECEIVED    = 3,
  OB_SIM_OPT_IN_STATE_IN_SESSION  = 4,
} ObSimOptInState;

/* Firmware return values the simulator uses (AMT PT_STATUS and CIM). */
#define OB_SIM_RV_SUCCESS                  0u
#define OB_SIM_RV_INTERNAL_ERROR           1u
#define OB_SIM_RV_NOT_READY                2u    /* wrong state for the request */
#define OB_SIM_RV_CIM_INVALID_PARAMETER    5u    /* CIM status (OS power saving) */
#define OB_SIM_RV_INVALID_INDEX            35u
#define OB_SIM_RV_INVALID_PARAMETER        36u
#define OB_SIM_RV_INVALID_CONSENT_CODE     2066u /* SendOptInCode with a wrong code */
#define OB_SIM_RV_CIM_INVALID_STATE_CHANGE 4097u

/* Wrong consent codes before the firmware gives up on the session. */
#define OB_SIM_DEVICE_MAX_CONSENT_ATTEMPTS 3
/* IPS_AlarmClockOccurrence instances the firmware keeps. */
#define OB_SIM_DEVICE_MAX_ALARMS 5
/* Ring sizes of the two logs (oldest records drop out). */
#define OB_SIM_DEVICE_MAX_EVENT_RECORDS 390
#define OB_SIM_DEVICE_MAX_AUDIT_RECORDS 1000

/* Who asks: the digest user and peer address of a WS-Man call, or NULL for
 * a local action (audit initiator type "Local"). */
typedef struct
{
  const char *user;
  const char *address;
} ObSimInitiator;

/* AMT_BootSettingData, the writable part (names as in the class). */
typedef struct
{
  gboolean bios_pause;
  gboolean bios_setup;
  guint    boot_media_index;
  gboolean configuration_data_reset;
  gboolean enforce_secure_boot;
  guint    firmware_verbosity;          /* 0..3 */
  gboolean forced_progress_events;
  guint    ider_boot_device;            /* 0 floppy, 1 CD */
  gboolean lock_keyboard;
  gboolean lock_power_button;
  gboolean lock_reset_button;
  gboolean lock_sleep_button;
  gboolean platform_erase;
  gboolean reflash_bios;
  gboolean secure_erase;
  guint    uefi_boot_number_of_params;
  gboolean use_ider;
  gboolean use_safe_mode;
  gboolean use_sol;
  gboolean user_password_bypass;
} ObSimBootSettings;

/* IPS_KVMRedirectionSettingData, the writable part (RFBPassword is
 * write-only and kept apart). */
typedef struct
{
  guint    default_screen;
  gboolean is_5900_port_enabled;
  gboolean opt_in_policy;
  guint    opt_in_policy_timeout;
  guint    session_timeout;
} ObSimKvmSettings;

/* One IPS_AlarmClockOccurrence. */
typedef struct
{
  char     *instance_id;
  char     *element_name;
  gint64    start_time;          /* seconds since 1970, UTC */
  guint     interval_minutes;    /* 0 = once */
  gboolean  delete_on_completion;
} ObSimAlarm;

#define OB_TYPE_SIM_ALARM (ob_sim_alarm_get_type ())
GType       ob_sim_alarm_get_type (void) G_GNUC_CONST;
ObSimAlarm *ob_sim_alarm_copy     (const ObSimAlarm *alarm);
void        ob_sim_alarm_free     (ObSimAlarm       *alarm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObSimAlarm, ob_sim_alarm_free)

/* Boot source InstanceIDs (CIM_BootSourceSetting). */
#define OB_SIM_BOOT_SOURCE_HARD_DRIVE "Intel(r) AMT: Force Hard-drive Boot"
#define OB_SIM_BOOT_SOURCE_PXE        "Intel(r) AMT: Force PXE Boot"
#define OB_SIM_BOOT_SOURCE_CD_DVD     "Intel(r) AMT: Force CD/DVD Boot"
#define OB_SIM_BOOT_SOURCE_UEFI_HTTPS "Intel(r) AMT: Force OCR UEFI HTTPS Boot"
#define OB_SIM_BOOT_CONFIG_INSTANCE   "Intel(r) AMT: Boot Configuration 0"

/* ---- Construction and identity -------------------------------------- */

/* @guid NULL: a random one.  Other properties keep their defaults:
 * AMT 16.1.25 build 2049, SKU 16392 (Corporate), admin control mode,
 * host name "sim-<first 8 GUID digits>", KVM supported. */
ObSimDevice      *ob_sim_device_new                  (const char       *guid);

const char       *ob_sim_device_get_guid             (ObSimDevice      *self);
const char       *ob_sim_device_get_amt_version      (ObSimDevice      *self);
/* Major version number of the AMT version ("16.1.25" -> 16). */
guint             ob_sim_device_get_amt_major        (ObSimDevice      *self);
const char       *ob_sim_device_get_build_number     (ObSimDevice      *self);
guint             ob_sim_device_get_sku              (ObSimDevice      *self);
ObSimControlMode  ob_sim_device_get_control_mode     (ObSimDevice      *self);
void              ob_sim_device_set_control_mode     (ObSimDevice      *self,
                                                      ObSimControlMode  mode);
const char       *ob_sim_device_get_hostname         (ObSimDevice      *self);
const char       *ob_sim_device_get_domain_name      (ObSimDevice      *self);
/* AMT_GeneralSettings HostName / DomainName (a Put, or the DNS suffix the
 * network gave the device). */
void              ob_sim_device_set_hostname         (ObSimDevice      *self,
                                                      const char       *hostname);
void              ob_sim_device_set_domain_name      (ObSimDevice      *self,
                                                      const char       *domain_name);
/* "Digest:" + 32 upper-case hex digits, fixed per device; the HTTP server
 * challenges with it and AMT_GeneralSettings reports it. */
const char       *ob_sim_device_get_digest_realm     (ObSimDevice      *self);
gboolean          ob_sim_device_get_kvm_supported    (ObSimDevice      *self);
/* Older or trimmed firmware lacks some classes: a missing one answers
 * every request with DestinationUnreachable, as AMT does. */
void              ob_sim_device_set_class_missing    (ObSimDevice      *self,
                                                      const char       *class_name,
                                                      gboolean          missing);
gboolean          ob_sim_device_is_class_missing     (ObSimDevice      *self,
                                                      const char       *class_name);

/* Where the device's server listens (set by ObSimWsmanServer; 0 = not). */
const char       *ob_sim_device_get_address          (ObSimDevice      *self);
guint             ob_sim_device_get_http_port        (ObSimDevice      *self);
guint             ob_sim_device_get_tls_port         (ObSimDevice      *self);
void              ob_sim_device_set_endpoint         (ObSimDevice      *self,
                                                      const char       *address,
                                                      guint             http_port,
                                                      guint             tls_port);
/* Delay before each WS-Man reply, as slow firmware has (milliseconds). */
guint             ob_sim_device_get_latency_ms       (ObSimDevice      *self);
void              ob_sim_device_set_latency_ms       (ObSimDevice      *self,
                                                      guint             latency_ms);

/* Static inventory instances of a hardware or identity class
 * (CIM_Chassis, CIM_Card, CIM_BIOSElement, CIM_Processor,
 * CIM_PhysicalMemory, CIM_MediaAccessDevice, CIM_Chip, CIM_PhysicalPackage,
 * CIM_ComputerSystemPackage, CIM_SystemPackaging, CIM_SoftwareIdentity,
 * CIM_BootSourceSetting).  Borrowed array of ObSimInstance, NULL for a
 * class the inventory does not hold. */
GPtrArray        *ob_sim_device_get_inventory        (ObSimDevice      *self,
                                                      const char       *class_name);

/* ---- Clock ----------------------------------------------------------- */

/* Seconds since 1970 on the device clock. */
gint64            ob_sim_device_get_time             (ObSimDevice      *self);
/* Move the device clock forward and handle whatever fell due (consent
 * timeouts, alarms). */
void              ob_sim_device_advance_clock        (ObSimDevice      *self,
                                                      gint64            seconds);

/* ---- Power ----------------------------------------------------------- */

guint             ob_sim_device_get_power_state      (ObSimDevice      *self);
/* Force a state with no boot, no log (test and demo set-up). */
void              ob_sim_device_set_power_state      (ObSimDevice      *self,
                                                      guint             power_state);
/* CIM_PowerManagementService.RequestPowerStateChange.  Transitions (the
 * firmware's; ReturnValue in brackets):
 *   2 on:           off/hibernate -> boot (0); sleep -> wake, no boot (0);
 *                   already on -> nothing (0, and an OS in power saving
 *                   stays there).
 *   3, 4 sleep, 7 hibernate: on -> that state (0); otherwise 2.
 *   5 cycle:        on or asleep -> boot (0); off/hibernate -> 2.
 *   6, 8 off:       on/asleep -> 8 (0); already off -> nothing (0).
 *   10 reset:       on -> boot (0); otherwise 2.
 *   11 NMI:         on -> nothing visible (0); otherwise 2.
 *   12, 13 graceful off: on -> 8 (0); off -> nothing (0); asleep -> 2.
 *   14, 15 graceful reset, 16, 17 graceful cycle: on -> boot (0); else 2.
 *   anything else:  36 (INVALID_PARAMETER).
 * A boot consumes the boot settings and the next-boot source (both are
 * cleared afterwards) and logs BIOS progress events; every accepted action
 * adds an audit record (Remote Control app) for @who. */
guint             ob_sim_device_request_power_state_change (ObSimDevice          *self,
                                                            guint                 power_state,
                                                            const ObSimInitiator *who);
/* AvailableRequestedPowerStates for the current state, in the order AMT
 * lists them (on: 10 8 5 11 4 7 14 12; asleep: 8 2 5; off: 2). */
const guint      *ob_sim_device_get_available_power_states (ObSimDevice *self,
                                                            guint       *n_states);

/* OSPowerSavingState: UNKNOWN whenever the host is not on (AMT then leaves
 * the property out). */
guint             ob_sim_device_get_os_power_saving_state  (ObSimDevice  *self);
/* IPS_PowerManagementService.RequestOSPowerSavingStateChange: 2 or 3 while
 * on (0); another value 5; host not on 4097. */
guint             ob_sim_device_request_os_power_saving_state_change (ObSimDevice *self,
                                                                      guint        state);

/* ---- Boot ------------------------------------------------------------ */

void              ob_sim_device_get_boot_settings    (ObSimDevice             *self,
                                                      ObSimBootSettings       *out);
/* Put AMT_BootSettingData.  Values out of range -> OB_SIM_ERROR_INVALID_ARGUMENT
 * and nothing changes.  Setting a boot option adds a "Set Boot Options"
 * audit record. */
gboolean          ob_sim_device_set_boot_settings    (ObSimDevice             *self,
                                                      const ObSimBootSettings *settings,
                                                      const char              *uefi_boot_parameters,
                                                      const ObSimInitiator    *who,
                                                      GError                 **error);
/* Base64 UefiBootParametersArray, or NULL. */
const char       *ob_sim_device_get_uefi_boot_parameters (ObSimDevice *self);
/* Whether no boot option is set (AMT's OptionsCleared). */
gboolean          ob_sim_device_get_boot_options_cleared (ObSimDevice *self);
/* CIM_BootConfigSetting.ChangeBootOrder: @source_instance_id is one of the
 * OB_SIM_BOOT_SOURCE_* InstanceIDs, or NULL to clear (0); an unknown source
 * gives 36. */
guint             ob_sim_device_change_boot_order    (ObSimDevice      *self,
                                                      const char       *source_instance_id);
/* The source the next boot uses, or NULL. */
const char       *ob_sim_device_get_boot_source      (ObSimDevice      *self);
/* CIM_BootService.SetBootConfigRole: @config_instance_id must be
 * OB_SIM_BOOT_CONFIG_INSTANCE and @role 1 ("is next") or 0 ("is default"),
 * else 36. */
guint             ob_sim_device_set_boot_config_role (ObSimDevice      *self,
                                                      const char       *config_instance_id,
                                                      guint             role);
/* One-click recovery (CIM_BootService EnabledState 32768 + OCR). */
gboolean          ob_sim_device_get_ocr_enabled      (ObSimDevice      *self);
/* CIM_BootService.RequestStateChange: 32768 off, 32769 on (0); else 36. */
guint             ob_sim_device_request_boot_service_state (ObSimDevice *self,
                                                            guint        state);
guint             ob_sim_device_get_boot_service_state (ObSimDevice     *self);

ObSimBootTarget   ob_sim_device_get_last_boot_target (ObSimDevice      *self);
/* Whether the last boot ran with SOL console redirection. */
gboolean          ob_sim_device_get_last_boot_used_sol (ObSimDevice    *self);
guint             ob_sim_device_get_boot_count       (ObSimDevice      *self);

/* ---- Redirection features ------------------------------------------- */

gboolean          ob_sim_device_get_listener_enabled (ObSimDevice      *self);
void              ob_sim_device_set_listener_enabled (ObSimDevice      *self,
                                                      gboolean          enabled);
gboolean          ob_sim_device_get_sol_enabled      (ObSimDevice      *self);
gboolean          ob_sim_device_get_ider_enabled     (ObSimDevice      *self);
gboolean          ob_sim_device_get_kvm_enabled      (ObSimDevice      *self);
/* AMT_RedirectionService.EnabledState: 32768 + IDER + 2 * SOL. */
guint             ob_sim_device_get_redirection_state (ObSimDevice     *self);
/* AMT_RedirectionService.RequestStateChange(32768..32771) (0); else 36. */
guint             ob_sim_device_request_redirection_state (ObSimDevice          *self,
                                                           guint                 state,
                                                           const ObSimInitiator *who);
/* CIM_KVMRedirectionSAP.EnabledState: 2 enabled, 3 disabled, 6 enabled
 * but offline (redirection listener off). */
guint             ob_sim_device_get_kvm_state        (ObSimDevice      *self);
guint             ob_sim_device_get_kvm_requested_state (ObSimDevice   *self);
/* CIM_KVMRedirectionSAP.RequestStateChange(2 | 3) (0); else 36; no KVM on
 * this SKU: 1. */
guint             ob_sim_device_request_kvm_state    (ObSimDevice          *self,
                                                      guint                 state,
                                                      const ObSimInitiator *who);
void              ob_sim_device_get_kvm_settings     (ObSimDevice            *self,
                                                      ObSimKvmSettings       *out);
/* @rfb_password NULL keeps the current one; "" clears it.  A password that
 * is not 8 printable characters, or values out of range ->
 * OB_SIM_ERROR_INVALID_ARGUMENT. */
gboolean          ob_sim_device_set_kvm_settings     (ObSimDevice            *self,
                                                      const ObSimKvmSettings *settings,
                                                      const char             *rfb_password,
                                                      GError                **error);
/* The RFB password for the later redirection simulator (may be NULL). */
const char       *ob_sim_device_get_rfb_password     (ObSimDevice      *self);

/* ---- User consent ---------------------------------------------------- */

guint             ob_sim_device_get_opt_in_required  (ObSimDevice      *self);
/* OB_SIM_OPT_IN_NONE / _KVM / _ALL.  In client control mode the firmware
 * fixes the policy at ALL: another value -> OB_SIM_ERROR_NOT_ALLOWED.  An
 * unknown value -> OB_SIM_ERROR_INVALID_ARGUMENT. */
gboolean          ob_sim_device_set_opt_in_required  (ObSimDevice          *self,
                                                      guint                 value,
                                                      const ObSimInitiator *who,
                                                      GError              **error);
gboolean          ob_sim_device_get_can_modify_opt_in_policy (ObSimDevice *self);
ObSimOptInState   ob_sim_device_get_opt_in_state     (ObSimDevice      *self);
/* The 6-digit code while one is pending (states 1 and 2), else NULL. */
const char       *ob_sim_device_get_consent_code     (ObSimDevice      *self);
/* Seconds a code stays valid (OptInCodeTimeout, default 120) and a granted
 * consent waits for a session (OptInDisplayTimeout, default 300). */
guint             ob_sim_device_get_opt_in_code_timeout    (ObSimDevice *self);
void              ob_sim_device_set_opt_in_code_timeout    (ObSimDevice *self,
                                                            guint        seconds);
guint             ob_sim_device_get_opt_in_display_timeout (ObSimDevice *self);
void              ob_sim_device_set_opt_in_display_timeout (ObSimDevice *self,
                                                            guint        seconds);
/* IPS_OptInService.StartOptIn: state 0 -> a new random code, state 2 when
 * the host is on (shown on its screen) or 1 until it is (0).  While a code
 * is pending: the same code (0).  Consent already granted or in a session:
 * 2. */
guint             ob_sim_device_start_opt_in         (ObSimDevice          *self,
                                                      const ObSimInitiator *who);
/* IPS_OptInService.SendOptInCode: right code -> state 3 (0); wrong code ->
 * 2066 and the attempt counts (after OB_SIM_DEVICE_MAX_CONSENT_ATTEMPTS
 * wrong ones the code is dropped, state 0); no code pending -> 2. */
guint             ob_sim_device_send_opt_in_code     (ObSimDevice          *self,
                                                      const char           *code,
                                                      const ObSimInitiator *who);
/* IPS_OptInService.CancelOptIn: back to state 0 (0). */
guint             ob_sim_device_cancel_opt_in        (ObSimDevice          *self,
                                                      const ObSimInitiator *who);
guint             ob_sim_device_get_consent_attempts (ObSimDevice      *self);
/* Whether a redirection session of this kind may start now (policy and
 * consent state).  @kvm TRUE for KVM, FALSE for SOL/IDER. */
gboolean          ob_sim_device_consent_allows       (ObSimDevice      *self,
                                                      gboolean          kvm);
/* A redirection session started/ended (the redirection simulator calls
 * these): consent state 3 -> 4, and back to 0 at the end. */
void              ob_sim_device_session_started      (ObSimDevice      *self);
void              ob_sim_device_session_ended        (ObSimDevice      *self);

/* ---- Logs ------------------------------------------------------------ */

/* Raw records, index 0 = oldest.  Event records are 21 bytes
 * (AMT_MessageLog layout), audit records AMT_AuditLog binary records. */
guint             ob_sim_device_get_n_event_records  (ObSimDevice      *self);
GBytes           *ob_sim_device_get_event_record     (ObSimDevice      *self,
                                                      guint             index);
guint             ob_sim_device_get_n_audit_records  (ObSimDevice      *self);
GBytes           *ob_sim_device_get_audit_record     (ObSimDevice      *self,
                                                      guint             index);
/* Append an event record stamped with the device clock; @event_data may be
 * NULL (8 zero bytes). */
void              ob_sim_device_add_event            (ObSimDevice      *self,
                                                      guint8            sensor_type,
                                                      guint8            event_offset,
                                                      guint8            severity,
                                                      guint8            entity,
                                                      const guint8      event_data[8]);
/* Append an audit record for @who (NULL = local). */
void              ob_sim_device_add_audit            (ObSimDevice          *self,
                                                      guint16               app_id,
                                                      guint16               event_id,
                                                      const ObSimInitiator *who,
                                                      const guint8         *ex_data,
                                                      gsize                 ex_len);
/* The HTTP layer saw wrong credentials: three in a row log a "Authentication
 * failed" event (platform security violation). */
void              ob_sim_device_note_auth_failure    (ObSimDevice      *self);
void              ob_sim_device_note_auth_success    (ObSimDevice      *self);

/* ---- Alarm clock ----------------------------------------------------- */

/* AMT_AlarmClockService.AddAlarm.  Empty InstanceID or name ->
 * INVALID_ARGUMENT, a taken InstanceID -> ALREADY_EXISTS, more than
 * OB_SIM_DEVICE_MAX_ALARMS -> QUOTA_EXCEEDED.  A due alarm powers the host
 * on (from off, sleep or hibernate); a repeating one moves to its next
 * time, a one-shot one is deleted when DeleteOnCompletion. */
gboolean          ob_sim_device_add_alarm            (ObSimDevice      *self,
                                                      const ObSimAlarm *alarm,
                                                      GError          **error);
gboolean          ob_sim_device_delete_alarm         (ObSimDevice      *self,
                                                      const char       *instance_id,
                                                      GError          **error);
/* Copies, in creation order (element type ObSimAlarm). */
GPtrArray        *ob_sim_device_list_alarms          (ObSimDevice      *self);

G_END_DECLS
