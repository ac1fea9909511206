/* ob-amt-identity.h
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

/* Who the device is: firmware version, SKU, provisioning (control) mode, and
 * AMT_GeneralSettings, in the shapes of GET /amt/version and
 * GET /amt/generalSettings. */

typedef enum
{
  OB_AMT_CONTROL_MODE_NONE = 0,  /* not provisioned (pre/in provisioning) */
  OB_AMT_CONTROL_MODE_CCM,       /* client control mode (ProvisioningMode 4) */
  OB_AMT_CONTROL_MODE_ACM,       /* admin control mode (ProvisioningMode 1) */
} ObAmtControlMode;

#define OB_TYPE_AMT_VERSION (ob_amt_version_get_type ())

/* The typed summary the UI shows.  Strings are never NULL ("" when the
 * device did not say). */
typedef struct
{
  char             *amt_version;         /* CIM_SoftwareIdentity "AMT", e.g. "16.1.25" */
  char             *build_number;        /* "Build Number" */
  char             *sku;                 /* "Sku", e.g. "16392" */
  guint             major;               /* leading number of amt_version, 0 if none */
  guint             provisioning_state;  /* 0 pre, 1 in, 2 post */
  guint             provisioning_mode;   /* 1 ACM, 4 CCM, 0 unknown */
  ObAmtControlMode  control_mode;
} ObAmtVersion;

GType             ob_amt_version_get_type   (void) G_GNUC_CONST;
ObAmtVersion     *ob_amt_version_copy       (const ObAmtVersion *self);
void              ob_amt_version_free       (ObAmtVersion       *self);

/* "none", "ccm", "acm". */
const char       *ob_amt_control_mode_to_string (ObAmtControlMode mode);

/* GET /amt/version:
 *   {"CIM_SoftwareIdentity":{"responses":[{InstanceID,IsEntity,VersionString}…],"status":200},
 *    "AMT_SetupAndConfigurationService":{"response":{…},"responses":{"Header":…,"Body":{…}},"status":200}}
 * out_version (optional) receives the typed summary. */
void              ob_amt_version_async      (ObWsmanClient        *client,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
JsonNode         *ob_amt_version_finish     (ObWsmanClient        *client,
                                             GAsyncResult         *result,
                                             ObAmtVersion        **out_version,
                                             GError              **error);

/* Build the typed summary from a GET /amt/version JSON (as returned above);
 * used by callers that cached the JSON.  Never fails: missing parts stay
 * empty / 0. */
ObAmtVersion     *ob_amt_version_from_json  (JsonNode             *version_json);

/* GET /amt/generalSettings: {"Header":{…},"Body":{AMT_GeneralSettings fields}}. */
void              ob_amt_general_settings_async  (ObWsmanClient        *client,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
JsonNode         *ob_amt_general_settings_finish (ObWsmanClient        *client,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObAmtVersion, ob_amt_version_free)

G_END_DECLS
