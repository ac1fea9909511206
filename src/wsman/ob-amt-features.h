/* ob-amt-features.h
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

/* Redirection features (SOL, IDER, KVM), user consent policy, one-click
 * recovery, and the user consent (opt-in) code flow: GET/POST /amt/features
 * and /amt/userConsentCode. */

typedef enum
{
  OB_AMT_USER_CONSENT_NONE = 0,  /* OptInRequired 0 */
  OB_AMT_USER_CONSENT_KVM,       /* OptInRequired 1 */
  OB_AMT_USER_CONSENT_ALL,       /* OptInRequired 4294967295 */
} ObAmtUserConsent;

/* "none", "kvm", "all". */
const char *ob_amt_user_consent_to_string   (ObAmtUserConsent  consent);
/* Parses "none" / "kvm" / "all" (exact, like the reference validator). */
gboolean    ob_amt_user_consent_from_string (const char       *str,
                                             ObAmtUserConsent *out_consent);

/* IPS_OptInService.OptInState values. */
typedef enum
{
  OB_AMT_OPT_IN_STATE_NOT_STARTED = 0,
  OB_AMT_OPT_IN_STATE_REQUESTED = 1,
  OB_AMT_OPT_IN_STATE_DISPLAYED = 2,
  OB_AMT_OPT_IN_STATE_RECEIVED = 3,
  OB_AMT_OPT_IN_STATE_IN_SESSION = 4,
} ObAmtOptInState;

#define OB_TYPE_AMT_FEATURES (ob_amt_features_get_type ())

typedef struct
{
  ObAmtUserConsent user_consent;
  gboolean         redirection;        /* redirection listener enabled */
  gboolean         kvm;
  gboolean         sol;
  gboolean         ider;
  guint            opt_in_state;       /* ObAmtOptInState, as the device said */
  gboolean         kvm_available;      /* the SKU has KVM */
  gboolean         ocr;                /* one-click recovery enabled */
  gboolean         https_boot_supported;
  gboolean         winre_boot_supported;
  gboolean         local_pba_boot_supported;
  gboolean         remote_erase;
} ObAmtFeatures;

GType          ob_amt_features_get_type (void) G_GNUC_CONST;
ObAmtFeatures *ob_amt_features_copy     (const ObAmtFeatures *self);
void           ob_amt_features_free     (ObAmtFeatures       *self);

/* GET /amt/features:
 *   {"userConsent":"none"|"kvm"|"all","redirection":b,"KVM":b,"SOL":b,"IDER":b,
 *    "optInState":n,"kvmAvailable":b,"ocr":b,"httpsBootSupported":b,
 *    "winREBootSupported":b,"localPBABootSupported":b,"remoteErase":b}
 * out_features (optional) receives the same as a struct. */
void      ob_amt_features_get_async   (ObWsmanClient        *client,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
JsonNode *ob_amt_features_get_finish  (ObWsmanClient        *client,
                                       GAsyncResult         *result,
                                       ObAmtFeatures       **out_features,
                                       GError              **error);

/* What POST /amt/features asks for.  ocr is -1 when the request did not
 * say (then one-click recovery is left alone). */
typedef struct
{
  ObAmtUserConsent user_consent;
  gboolean         enable_sol;
  gboolean         enable_ider;
  gboolean         enable_kvm;
  int              ocr;
} ObAmtFeaturesRequest;

/* POST /amt/features: the documented steps (AMT_RedirectionService and
 * CIM_KVMRedirectionSAP RequestStateChange + Put when something changed,
 * IPS_OptInService Put only when OptInRequired differs, CIM_BootService
 * RequestStateChange for OCR).  Returns {"status":"AMT Features updated"}.
 * Unlike the reference, a step the device refuses is not reported as
 * success: a fault stays OB_WSMAN_ERROR_FAULT, a non-zero ReturnValue is
 * OB_AMT_ERROR_FAILED; enable_kvm on a SKU without KVM is
 * OB_AMT_ERROR_NOT_ALLOWED. */
void      ob_amt_features_set_async   (ObWsmanClient              *client,
                                       const ObAmtFeaturesRequest *request,
                                       GCancellable               *cancellable,
                                       GAsyncReadyCallback         callback,
                                       gpointer                    user_data);
JsonNode *ob_amt_features_set_finish  (ObWsmanClient              *client,
                                       GAsyncResult               *result,
                                       GError                    **error);

/* User consent code (IPS_OptInService).  Each returns
 * {"Header":{…},"Body":{"ReturnValue":n,"ReturnValueStr":"…"}} whatever the
 * ReturnValue (the route answers 200 for 0 and 400 with the same body
 * otherwise); out_return_value (optional) gets n.  Errors are only
 * transport / WS-Man failures. */

/* GET /amt/userConsentCode: StartOptIn (the device shows a 6-digit code). */
void      ob_amt_user_consent_request_async  (ObWsmanClient        *client,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JsonNode *ob_amt_user_consent_request_finish (ObWsmanClient        *client,
                                              GAsyncResult         *result,
                                              guint                *out_return_value,
                                              GError              **error);

/* POST /amt/userConsentCode {"consentCode":n}: SendOptInCode(n). */
void      ob_amt_user_consent_send_async     (ObWsmanClient        *client,
                                              guint32               code,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JsonNode *ob_amt_user_consent_send_finish    (ObWsmanClient        *client,
                                              GAsyncResult         *result,
                                              guint                *out_return_value,
                                              GError              **error);

/* GET /amt/userConsentCode/cancel: CancelOptIn. */
void      ob_amt_user_consent_cancel_async   (ObWsmanClient        *client,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JsonNode *ob_amt_user_consent_cancel_finish  (ObWsmanClient        *client,
                                              GAsyncResult         *result,
                                              guint                *out_return_value,
                                              GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObAmtFeatures, ob_amt_features_free)

G_END_DECLS
