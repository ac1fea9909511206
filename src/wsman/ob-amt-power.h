/* ob-amt-power.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ob-wsman-client.h"

G_BEGIN_DECLS

/* Power state, capabilities, power actions and boot options of one device,
 * as the Open AMT MPS routes /amt/power/… do them (mps-cira-apf.md §4.4, §5).
 * Every _finish returns a JsonNode in the exact shape the route answers with
 * (transfer full), so the REST API serializes it as is, plus typed values
 * for the UI through optional out arguments.
 *
 * Action numbers are Open AMT's: DMTF power states 2…17, and the extended
 * list 100…110, 200…203, 300, 301, 400, 401, 500, 501. */

/* DMTF CIM_AssociatedPowerManagementService.PowerState values seen on AMT. */
typedef enum
{
  OB_AMT_POWER_STATE_UNKNOWN = 0,
  OB_AMT_POWER_STATE_ON = 2,
  OB_AMT_POWER_STATE_SLEEP_LIGHT = 3,
  OB_AMT_POWER_STATE_SLEEP_DEEP = 4,
  OB_AMT_POWER_STATE_OFF_HARD = 6,
  OB_AMT_POWER_STATE_HIBERNATE = 7,      /* Off - Soft (hibernate) */
  OB_AMT_POWER_STATE_OFF_SOFT = 8,       /* what AMT reports after "Power down" (8) */
  OB_AMT_POWER_STATE_OFF_SOFT_GRACEFUL = 12,
  OB_AMT_POWER_STATE_OFF_HARD_GRACEFUL = 13,
} ObAmtPowerState;

/* Which of the two REST routes accepts an action number: /power/action
 * takes the union of the DMTF and extended lists, /power/bootOptions the
 * extended list only.  Both mirror the reference validators. */
gboolean    ob_amt_power_action_is_valid      (int action);
gboolean    ob_amt_boot_action_is_valid       (int action);

/* The DMTF label of a PowerState value ("On", "Off - Soft", …), never
 * NULL. */
const char *ob_amt_power_state_to_string      (guint power_state);

/* GET /amt/power/state: {"powerstate":<int>,"OSPowerSavingState":<int>}.
 * OSPowerSavingState is 0 when IPS_PowerManagementService cannot be read.
 * No PowerState in the reply -> OB_AMT_ERROR_UNEXPECTED_RESPONSE; a timeout
 * stays OB_WSMAN_ERROR_TIMEOUT (the route answers 404 for it). */
void        ob_amt_power_state_async          (ObWsmanClient        *client,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
JsonNode   *ob_amt_power_state_finish         (ObWsmanClient        *client,
                                               GAsyncResult         *result,
                                               guint                *out_power_state,
                                               guint                *out_os_power_saving_state,
                                               GError              **error);

/* GET /amt/power/capabilities: {"Power up":2, "Power cycle":5, …} from the
 * AMT major version (CIM_SoftwareIdentity) and AMT_BootCapabilities. */
void        ob_amt_power_capabilities_async   (ObWsmanClient        *client,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
JsonNode   *ob_amt_power_capabilities_finish  (ObWsmanClient        *client,
                                               GAsyncResult         *result,
                                               GError              **error);

/* POST /amt/power/action {"action":n}: the "new version" sequence of §5
 * (clear boot settings, 500/501 OS power saving, wake the OS before 2, the
 * 0–14 eligibility quirk, RequestPowerStateChange).  Returns
 * {"Header":…,"Body":{"ReturnValue":n,"ReturnValueStr":"…"}} (or the
 * quirk's {"Body":{"RequestPowerStateChange_OUTPUT":{…36…}}}, or for
 * 500/501 {"Body":{"ReturnValue":n,"ReturnValueStr":…}}); the ReturnValue
 * is in out_return_value (G_MAXUINT where the JSON says -1, the
 * reference's value for a failed OS power saving change).  An action
 * neither list knows -> OB_AMT_ERROR_INVALID_ARGUMENT before anything is
 * sent. */
void        ob_amt_power_action_async         (ObWsmanClient        *client,
                                               int                   action,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
JsonNode   *ob_amt_power_action_finish        (ObWsmanClient        *client,
                                               GAsyncResult         *result,
                                               guint                *out_return_value,
                                               GError              **error);

/* The optional "bootDetails" of POST /amt/power/bootOptions.  The call
 * copies what it needs; enforce_secure_boot is -1 when not given. */
typedef struct
{
  const char *url;        /* HTTPS boot (105/106), at most 300 bytes */
  const char *username;   /* HTTPS boot, at most 16 bytes */
  const char *password;   /* HTTPS boot, at most 16 bytes; never logged */
  const char *boot_path;  /* PBA / WinRE (107–110): CIM_BootSourceSetting BootString */
  int         enforce_secure_boot;
} ObAmtBootDetails;

/* POST /amt/power/bootOptions {"action","useSOL","bootDetails"}: the §5
 * sequence (Get/Put AMT_BootSettingData, ChangeBootOrder clear,
 * SetBootConfigRole, ChangeBootOrder(source), RequestPowerStateChange 10 or
 * 2).  Returns {"Header":…,"Body":{"ReturnValue":n,"ReturnValueStr":…}}.
 * enforceSecureBoot false on a CCM device -> OB_AMT_ERROR_NOT_ALLOWED;
 * oversized HTTPS boot parameters -> OB_AMT_ERROR_INVALID_ARGUMENT. */
void        ob_amt_power_boot_options_async   (ObWsmanClient          *client,
                                               int                     action,
                                               gboolean                use_sol,
                                               const ObAmtBootDetails *details,
                                               GCancellable           *cancellable,
                                               GAsyncReadyCallback     callback,
                                               gpointer                user_data);
JsonNode   *ob_amt_power_boot_options_finish  (ObWsmanClient          *client,
                                               GAsyncResult           *result,
                                               guint                  *out_return_value,
                                               GError                **error);

/* GET /amt/power/bootSources: [{"biosBootString","bootString",
 * "elementName","failThroughSupported","instanceID",
 * "structuredBiosBootString"}…] from CIM_BootSourceSetting. */
void        ob_amt_power_boot_sources_async   (ObWsmanClient        *client,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
JsonNode   *ob_amt_power_boot_sources_finish  (ObWsmanClient        *client,
                                               GAsyncResult         *result,
                                               GError              **error);

G_END_DECLS
