/* ob-amt-features.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-features.h"
#include "ob-amt-private.h"

/* IPS_OptInService.OptInRequired values */
#define OPT_IN_NONE 0
#define OPT_IN_KVM  1
#define OPT_IN_ALL  G_GINT64_CONSTANT (4294967295)

/* AMT_RedirectionService.EnabledState bits above 32768 */
#define REDIRECTION_IDER 1
#define REDIRECTION_SOL  2
#define REDIRECTION_BASE 32768

/* CIM_KVMRedirectionSAP.EnabledState / RequestedState */
#define KVM_ENABLED            2
#define KVM_DISABLED           3
#define KVM_ENABLED_BUT_OFFLINE 6

/* CIM_BootService.EnabledState with one-click recovery on */
#define OCR_ENABLED_A  32769
#define OCR_ENABLED_B  32771
#define OCR_REQUEST_ON  32769
#define OCR_REQUEST_OFF 32768

#define BOOT_SOURCE_HTTPS_PREFIX "Intel(r) AMT: Force OCR UEFI HTTPS Boot"
#define BOOT_SOURCE_OCR_PREFIX   "Intel(r) AMT: Force OCR UEFI Boot Option"

#define FEATURES_UPDATED "AMT Features updated"

const char *
ob_amt_user_consent_to_string (ObAmtUserConsent consent)
{
  switch (consent)
    {
    case OB_AMT_USER_CONSENT_KVM:
      return "kvm";
    case OB_AMT_USER_CONSENT_ALL:
      return "all";
    case OB_AMT_USER_CONSENT_NONE:
    default:
      return "none";
    }
}

gboolean
ob_amt_user_consent_from_string (const char       *str,
                                 ObAmtUserConsent *out_consent)
{
  ObAmtUserConsent consent;

  if (g_strcmp0 (str, "none") == 0)
    consent = OB_AMT_USER_CONSENT_NONE;
  else if (g_strcmp0 (str, "kvm") == 0)
    consent = OB_AMT_USER_CONSENT_KVM;
  else if (g_strcmp0 (str, "all") == 0)
    consent = OB_AMT_USER_CONSENT_ALL;
  else
    return FALSE;

  if (out_consent != NULL)
    *out_consent = consent;
  return TRUE;
}

static gint64
opt_in_required_for (ObAmtUserConsent consent)
{
  switch (consent)
    {
    case OB_AMT_USER_CONSENT_KVM:
      return OPT_IN_KVM;
    case OB_AMT_USER_CONSENT_ALL:
      return OPT_IN_ALL;
    case OB_AMT_USER_CONSENT_NONE:
    default:
      return OPT_IN_NONE;
    }
}

G_DEFINE_BOXED_TYPE (ObAmtFeatures, ob_amt_features, ob_amt_features_copy, ob_amt_features_free)

ObAmtFeatures *
ob_amt_features_copy (const ObAmtFeatures *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_memdup2 (self, sizeof *self);
}

void
ob_amt_features_free (ObAmtFeatures *self)
{
  g_free (self);
}

static gboolean
is_fault (const GError *error)
{
  return error != NULL && g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
}

static JsonObject *
class_of (ObAmtFetchResult *result,
          const char       *class_name)
{
  if (result->response == NULL)
    return NULL;
  return ob_wsman_response_get_class_json (result->response, class_name);
}

static gboolean
kvm_enabled (JsonObject *sap)
{
  gint64 state = _ob_amt_json_int (sap, "EnabledState", 0);

  return sap != NULL && (state == KVM_ENABLED || state == KVM_ENABLED_BUT_OFFLINE);
}

/* Get */

enum
{
  GET_REDIRECTION,
  GET_OPT_IN,
  GET_KVM,
  GET_BOOT_SERVICE,
  GET_BOOT_SOURCES,
  GET_BOOT_CAPABILITIES,
  GET_BOOT_SETTINGS,
  N_GET,
};

static const ObAmtFetch get_fetches[N_GET] = {
  [GET_REDIRECTION] = { "AMT_RedirectionService", FALSE },
  [GET_OPT_IN] = { "IPS_OptInService", FALSE },
  [GET_KVM] = { "CIM_KVMRedirectionSAP", FALSE },
  [GET_BOOT_SERVICE] = { "CIM_BootService", FALSE },
  [GET_BOOT_SOURCES] = { "CIM_BootSourceSetting", TRUE },
  [GET_BOOT_CAPABILITIES] = { "AMT_BootCapabilities", FALSE },
  [GET_BOOT_SETTINGS] = { "AMT_BootSettingData", FALSE },
};

typedef struct
{
  JsonNode      *node;
  ObAmtFeatures *features;
} FeaturesResult;

static void
features_result_free (FeaturesResult *result)
{
  g_clear_pointer (&result->node, json_node_unref);
  g_clear_pointer (&result->features, ob_amt_features_free);
  g_free (result);
}

static void
features_get_fetched_cb (GTask            *task,
                         ObAmtFetchResult *results)
{
  g_autoptr(ObAmtFeatures) features = g_new0 (ObAmtFeatures, 1);
  g_autoptr(JsonBuilder) builder = NULL;
  JsonObject *redirection;
  JsonObject *opt_in;
  JsonObject *kvm_sap;
  JsonObject *boot_service;
  JsonObject *capabilities;
  JsonObject *boot_settings;
  gboolean https_exists = FALSE;
  gboolean winre_exists = FALSE;
  gboolean pba_exists = FALSE;
  gint64 enabled_state;
  gint64 opt_in_required;
  gint64 boot_state;
  const char *consent_name = NULL;
  FeaturesResult *result;

  /* Only the device refusing a class is tolerated (no KVM on this SKU, no
   * one-click recovery on old firmware); a lost device is an error. */
  for (guint i = 0; i < N_GET; i++)
    if (results[i].error != NULL && !is_fault (results[i].error))
      {
        _ob_amt_return_error (task, results[i].error);
        return;
      }
  if (results[GET_REDIRECTION].error != NULL)
    {
      _ob_amt_return_error (task, results[GET_REDIRECTION].error);
      return;
    }
  if (results[GET_OPT_IN].error != NULL)
    {
      _ob_amt_return_error (task, results[GET_OPT_IN].error);
      return;
    }

  redirection = class_of (&results[GET_REDIRECTION], "AMT_RedirectionService");
  opt_in = class_of (&results[GET_OPT_IN], "IPS_OptInService");
  if (redirection == NULL || opt_in == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not report its redirection and consent settings");
      return;
    }
  kvm_sap = class_of (&results[GET_KVM], "CIM_KVMRedirectionSAP");
  boot_service = class_of (&results[GET_BOOT_SERVICE], "CIM_BootService");
  capabilities = class_of (&results[GET_BOOT_CAPABILITIES], "AMT_BootCapabilities");
  boot_settings = class_of (&results[GET_BOOT_SETTINGS], "AMT_BootSettingData");

  enabled_state = _ob_amt_json_int (redirection, "EnabledState", 0);
  features->redirection = _ob_amt_json_bool (redirection, "ListenerEnabled", FALSE);
  features->sol = (enabled_state & REDIRECTION_SOL) != 0;
  features->ider = (enabled_state & REDIRECTION_IDER) != 0;
  features->kvm = kvm_enabled (kvm_sap);
  features->kvm_available = kvm_sap != NULL;

  opt_in_required = _ob_amt_json_int (opt_in, "OptInRequired", -1);
  if (opt_in_required == OPT_IN_NONE)
    {
      features->user_consent = OB_AMT_USER_CONSENT_NONE;
      consent_name = "none";
    }
  else if (opt_in_required == OPT_IN_KVM)
    {
      features->user_consent = OB_AMT_USER_CONSENT_KVM;
      consent_name = "kvm";
    }
  else
    {
      /* An unknown policy value gets no "userConsent" member, as in the
       * reference; for the UI consent is then assumed to be required. */
      features->user_consent = OB_AMT_USER_CONSENT_ALL;
      if (opt_in_required == OPT_IN_ALL)
        consent_name = "all";
    }
  features->opt_in_state = (guint) CLAMP (_ob_amt_json_int (opt_in, "OptInState", 0), 0, G_MAXUINT16);

  boot_state = _ob_amt_json_int (boot_service, "EnabledState", 0);
  features->ocr = boot_state == OCR_ENABLED_A || boot_state == OCR_ENABLED_B;

  if (results[GET_BOOT_SOURCES].items != NULL)
    {
      GPtrArray *items = results[GET_BOOT_SOURCES].items;

      for (guint i = 0; i < items->len; i++)
        {
          JsonNode *item = g_ptr_array_index (items, i);
          g_autofree char *instance_id = NULL;
          g_autofree char *bios_boot_string = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            continue;
          instance_id = _ob_amt_json_dup_string (json_node_get_object (item), "InstanceID");
          bios_boot_string = _ob_amt_json_dup_string (json_node_get_object (item), "BIOSBootString");
          if (instance_id == NULL)
            continue;

          if (g_str_has_prefix (instance_id, BOOT_SOURCE_HTTPS_PREFIX))
            https_exists = TRUE;
          if (g_str_has_prefix (instance_id, BOOT_SOURCE_OCR_PREFIX) && bios_boot_string != NULL)
            {
              if (strstr (bios_boot_string, "WinRe") != NULL)
                winre_exists = TRUE;
              if (strstr (bios_boot_string, "PBA") != NULL)
                pba_exists = TRUE;
            }
        }
    }

  features->https_boot_supported = https_exists &&
                                   _ob_amt_json_bool (capabilities, "ForceUEFIHTTPSBoot", FALSE) &&
                                   _ob_amt_json_bool (boot_settings, "UEFIHTTPSBootEnabled", FALSE);
  features->winre_boot_supported = winre_exists &&
                                   _ob_amt_json_bool (boot_settings, "WinREBootEnabled", FALSE) &&
                                   _ob_amt_json_bool (capabilities, "ForceWinREBoot", FALSE);
  features->local_pba_boot_supported = pba_exists &&
                                       _ob_amt_json_bool (boot_settings, "UEFILocalPBABootEnabled", FALSE) &&
                                       _ob_amt_json_bool (capabilities, "ForceUEFIPBABoot", FALSE);
  features->remote_erase = FALSE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  if (consent_name != NULL)
    {
      json_builder_set_member_name (builder, "userConsent");
      json_builder_add_string_value (builder, consent_name);
    }
#define ADD_BOOL(name, value) \
  G_STMT_START { \
    json_builder_set_member_name (builder, name); \
    json_builder_add_boolean_value (builder, value); \
  } G_STMT_END
  ADD_BOOL ("redirection", features->redirection);
  ADD_BOOL ("KVM", features->kvm);
  ADD_BOOL ("SOL", features->sol);
  ADD_BOOL ("IDER", features->ider);
  json_builder_set_member_name (builder, "optInState");
  json_builder_add_int_value (builder, features->opt_in_state);
  ADD_BOOL ("kvmAvailable", features->kvm_available);
  ADD_BOOL ("ocr", features->ocr);
  ADD_BOOL ("httpsBootSupported", features->https_boot_supported);
  ADD_BOOL ("winREBootSupported", features->winre_boot_supported);
  ADD_BOOL ("localPBABootSupported", features->local_pba_boot_supported);
  ADD_BOOL ("remoteErase", features->remote_erase);
#undef ADD_BOOL
  json_builder_end_object (builder);

  result = g_new0 (FeaturesResult, 1);
  result->node = json_builder_get_root (builder);
  result->features = g_steal_pointer (&features);
  g_task_return_pointer (task, result, (GDestroyNotify) features_result_free);
}

void
ob_amt_features_get_async (ObWsmanClient       *client,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_features_get_async);

  _ob_amt_fetch_all (task, get_fetches, N_GET, features_get_fetched_cb);
}

JsonNode *
ob_amt_features_get_finish (ObWsmanClient   *client,
                            GAsyncResult    *result,
                            ObAmtFeatures  **out_features,
                            GError         **error)
{
  FeaturesResult *features;
  JsonNode *node;

  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_features_get_async, NULL);

  features = g_task_propagate_pointer (G_TASK (result), error);
  if (features == NULL)
    return NULL;

  if (out_features != NULL)
    *out_features = g_steal_pointer (&features->features);
  node = g_steal_pointer (&features->node);
  features_result_free (features);
  return node;
}

/* Set */

enum
{
  SET_REDIRECTION,
  SET_OPT_IN,
  SET_KVM,
  N_SET,
};

static const ObAmtFetch set_fetches[N_SET] = {
  [SET_REDIRECTION] = { "AMT_RedirectionService", FALSE },
  [SET_OPT_IN] = { "IPS_OptInService", FALSE },
  [SET_KVM] = { "CIM_KVMRedirectionSAP", FALSE },
};

typedef struct
{
  ObAmtFeaturesRequest  request;
  JsonObject           *redirection;   /* to put, NULL when unchanged */
  JsonObject           *opt_in;        /* to put, NULL when unchanged */
  gint64                redirection_state;
  gint64                kvm_state;     /* 0 = leave KVM alone */
} SetData;

static void
set_data_free (SetData *data)
{
  g_clear_pointer (&data->redirection, json_object_unref);
  g_clear_pointer (&data->opt_in, json_object_unref);
  g_free (data);
}

/* A step the user asked for: a fault or a non-zero ReturnValue ends the
 * call with an error instead of claiming the features were updated. */
static gboolean
set_step_failed (GTask           *task,
                 ObWsmanResponse *response,
                 const GError    *error,
                 const char      *method)
{
  gint64 return_value;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return TRUE;
    }

  if (method != NULL)
    {
      g_autofree char *output_name = g_strconcat (method, "_OUTPUT", NULL);
      JsonObject *output = ob_wsman_response_get_class_json (response, output_name);

      if (_ob_amt_json_get_int (output, "ReturnValue", &return_value) && return_value != 0)
        {
          g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_FAILED,
                                   "The device refused %s (%s)", method,
                                   ob_amt_status_to_string ((guint) CLAMP (return_value, 0, G_MAXUINT)));
          return TRUE;
        }
    }

  return FALSE;
}

static void
set_finish_ok (GTask *task)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, FEATURES_UPDATED);
  json_builder_end_object (builder);

  g_task_return_pointer (task, json_builder_get_root (builder), (GDestroyNotify) json_node_unref);
}

static void
set_ocr_cb (GTask           *task,
            ObWsmanResponse *response,
            const GError    *error)
{
  if (set_step_failed (task, response, error, "RequestStateChange"))
    return;

  set_finish_ok (task);
}

static void
set_ocr_step (GTask *task)
{
  SetData *data = g_task_get_task_data (task);
  g_autoptr(ObWsmanSelectors) args = NULL;

  if (data->request.ocr < 0)
    {
      set_finish_ok (task);
      return;
    }

  args = ob_wsman_selectors_new_with ("RequestedState",
                                      data->request.ocr ? G_STRINGIFY (OCR_REQUEST_ON)
                                                        : G_STRINGIFY (OCR_REQUEST_OFF),
                                      NULL);
  _ob_amt_invoke (task, "CIM_BootService", "RequestStateChange", args, set_ocr_cb);
}

static void
set_opt_in_cb (GTask           *task,
               ObWsmanResponse *response,
               const GError    *error)
{
  if (set_step_failed (task, response, error, NULL))
    return;

  set_ocr_step (task);
}

static void
set_opt_in_step (GTask *task)
{
  SetData *data = g_task_get_task_data (task);

  if (data->opt_in == NULL)
    {
      set_ocr_step (task);
      return;
    }

  _ob_amt_put (task, "IPS_OptInService", NULL, data->opt_in, set_opt_in_cb);
}

static void
set_redirection_put_cb (GTask           *task,
                        ObWsmanResponse *response,
                        const GError    *error)
{
  if (set_step_failed (task, response, error, NULL))
    return;

  set_opt_in_step (task);
}

static void
set_kvm_cb (GTask           *task,
            ObWsmanResponse *response,
            const GError    *error)
{
  SetData *data = g_task_get_task_data (task);

  if (set_step_failed (task, response, error, "RequestStateChange"))
    return;

  _ob_amt_put (task, "AMT_RedirectionService", NULL, data->redirection, set_redirection_put_cb);
}

static void
set_redirection_state_cb (GTask           *task,
                          ObWsmanResponse *response,
                          const GError    *error)
{
  SetData *data = g_task_get_task_data (task);
  g_autofree char *state = NULL;
  g_autoptr(ObWsmanSelectors) args = NULL;

  if (set_step_failed (task, response, error, "RequestStateChange"))
    return;

  /* A SKU without KVM has no SAP to switch. */
  if (data->kvm_state == 0)
    {
      _ob_amt_put (task, "AMT_RedirectionService", NULL, data->redirection, set_redirection_put_cb);
      return;
    }

  state = g_strdup_printf ("%" G_GINT64_FORMAT, data->kvm_state);
  args = ob_wsman_selectors_new_with ("RequestedState", state, NULL);
  _ob_amt_invoke (task, "CIM_KVMRedirectionSAP", "RequestStateChange", args, set_kvm_cb);
}

static void
features_set_fetched_cb (GTask            *task,
                         ObAmtFetchResult *results)
{
  SetData *data = g_task_get_task_data (task);
  JsonObject *redirection;
  JsonObject *opt_in;
  JsonObject *kvm_sap;
  gboolean listener;
  gboolean sol;
  gboolean ider;
  gboolean kvm;
  gboolean changed = FALSE;
  gint64 enabled_state;
  gint64 wanted_opt_in;

  for (guint i = 0; i < N_SET; i++)
    if (results[i].error != NULL && (i != SET_KVM || !is_fault (results[i].error)))
      {
        _ob_amt_return_error (task, results[i].error);
        return;
      }

  redirection = class_of (&results[SET_REDIRECTION], "AMT_RedirectionService");
  opt_in = class_of (&results[SET_OPT_IN], "IPS_OptInService");
  kvm_sap = class_of (&results[SET_KVM], "CIM_KVMRedirectionSAP");
  if (redirection == NULL || opt_in == NULL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_UNEXPECTED_RESPONSE,
                               "The device did not report its redirection and consent settings");
      return;
    }

  if (kvm_sap == NULL && data->request.enable_kvm)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_NOT_ALLOWED,
                               "This device has no KVM");
      return;
    }

  enabled_state = _ob_amt_json_int (redirection, "EnabledState", 0);
  listener = _ob_amt_json_bool (redirection, "ListenerEnabled", FALSE);
  sol = (enabled_state & REDIRECTION_SOL) != 0;
  ider = (enabled_state & REDIRECTION_IDER) != 0;
  kvm = kvm_enabled (kvm_sap);

  if (data->request.enable_sol != sol)
    {
      sol = data->request.enable_sol;
      changed = TRUE;
    }
  if (data->request.enable_ider != ider)
    {
      ider = data->request.enable_ider;
      changed = TRUE;
    }
  if ((sol || ider) && !listener)
    changed = TRUE;
  if (data->request.enable_kvm != kvm)
    {
      kvm = data->request.enable_kvm;
      changed = TRUE;
    }

  if (changed)
    {
      listener = sol || ider || kvm;
      data->redirection_state = REDIRECTION_BASE + (ider ? REDIRECTION_IDER : 0) + (sol ? REDIRECTION_SOL : 0);
      data->kvm_state = kvm_sap != NULL ? (kvm ? KVM_ENABLED : KVM_DISABLED) : 0;
      data->redirection = _ob_amt_json_object_dup (redirection);
      json_object_set_int_member (data->redirection, "EnabledState", data->redirection_state);
      json_object_set_boolean_member (data->redirection, "ListenerEnabled", listener);
    }

  wanted_opt_in = opt_in_required_for (data->request.user_consent);
  if (_ob_amt_json_int (opt_in, "OptInRequired", -1) != wanted_opt_in)
    {
      data->opt_in = _ob_amt_json_object_dup (opt_in);
      json_object_set_int_member (data->opt_in, "OptInRequired", wanted_opt_in);
    }

  if (data->redirection != NULL)
    {
      g_autofree char *state = g_strdup_printf ("%" G_GINT64_FORMAT, data->redirection_state);
      g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("RequestedState", state, NULL);

      _ob_amt_invoke (task, "AMT_RedirectionService", "RequestStateChange", args,
                      set_redirection_state_cb);
      return;
    }

  set_opt_in_step (task);
}

void
ob_amt_features_set_async (ObWsmanClient              *client,
                           const ObAmtFeaturesRequest *request,
                           GCancellable               *cancellable,
                           GAsyncReadyCallback         callback,
                           gpointer                    user_data)
{
  g_autoptr(GTask) task = NULL;
  SetData *data;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_features_set_async);

  if (request->user_consent != OB_AMT_USER_CONSENT_NONE &&
      request->user_consent != OB_AMT_USER_CONSENT_KVM &&
      request->user_consent != OB_AMT_USER_CONSENT_ALL)
    {
      g_task_return_new_error (task, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT,
                               "Unknown user consent level");
      return;
    }

  data = g_new0 (SetData, 1);
  data->request = *request;
  data->request.enable_sol = !!request->enable_sol;
  data->request.enable_ider = !!request->enable_ider;
  data->request.enable_kvm = !!request->enable_kvm;
  data->request.ocr = request->ocr < 0 ? -1 : !!request->ocr;
  g_task_set_task_data (task, data, (GDestroyNotify) set_data_free);

  _ob_amt_fetch_all (task, set_fetches, N_SET, features_set_fetched_cb);
}

JsonNode *
ob_amt_features_set_finish (ObWsmanClient  *client,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_features_set_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* User consent code */

typedef struct
{
  JsonNode *node;
  guint     return_value;
} ConsentResult;

static void
consent_result_free (ConsentResult *result)
{
  g_clear_pointer (&result->node, json_node_unref);
  g_free (result);
}

static void
consent_reply (GTask           *task,
               ObWsmanResponse *response,
               const GError    *error,
               const char      *method)
{
  g_autoptr(GError) local_error = NULL;
  ConsentResult *result;
  JsonNode *node;
  guint return_value = 0;

  if (error != NULL)
    {
      _ob_amt_return_error (task, error);
      return;
    }

  node = _ob_amt_method_result (response, method, &return_value, &local_error);
  if (node == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&local_error));
      return;
    }

  result = g_new0 (ConsentResult, 1);
  result->node = node;
  result->return_value = return_value;
  g_task_return_pointer (task, result, (GDestroyNotify) consent_result_free);
}

static void
consent_start_cb (GTask           *task,
                  ObWsmanResponse *response,
                  const GError    *error)
{
  consent_reply (task, response, error, "StartOptIn");
}

static void
consent_send_cb (GTask           *task,
                 ObWsmanResponse *response,
                 const GError    *error)
{
  consent_reply (task, response, error, "SendOptInCode");
}

static void
consent_cancel_cb (GTask           *task,
                   ObWsmanResponse *response,
                   const GError    *error)
{
  consent_reply (task, response, error, "CancelOptIn");
}

static JsonNode *
consent_finish (GAsyncResult  *result,
                guint         *out_return_value,
                GError       **error)
{
  ConsentResult *consent = g_task_propagate_pointer (G_TASK (result), error);
  JsonNode *node;

  if (consent == NULL)
    return NULL;

  if (out_return_value != NULL)
    *out_return_value = consent->return_value;
  node = g_steal_pointer (&consent->node);
  consent_result_free (consent);
  return node;
}

void
ob_amt_user_consent_request_async (ObWsmanClient       *client,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_user_consent_request_async);

  _ob_amt_invoke (task, "IPS_OptInService", "StartOptIn", NULL, consent_start_cb);
}

JsonNode *
ob_amt_user_consent_request_finish (ObWsmanClient  *client,
                                    GAsyncResult   *result,
                                    guint          *out_return_value,
                                    GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_user_consent_request_async, NULL);

  return consent_finish (result, out_return_value, error);
}

void
ob_amt_user_consent_send_async (ObWsmanClient       *client,
                                guint32              code,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *text = NULL;
  g_autoptr(ObWsmanSelectors) args = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_user_consent_send_async);

  text = g_strdup_printf ("%" G_GUINT32_FORMAT, code);
  args = ob_wsman_selectors_new_with ("OptInCode", text, NULL);
  _ob_amt_invoke (task, "IPS_OptInService", "SendOptInCode", args, consent_send_cb);
}

JsonNode *
ob_amt_user_consent_send_finish (ObWsmanClient  *client,
                                 GAsyncResult   *result,
                                 guint          *out_return_value,
                                 GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_user_consent_send_async, NULL);

  return consent_finish (result, out_return_value, error);
}

void
ob_amt_user_consent_cancel_async (ObWsmanClient       *client,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_WSMAN_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_amt_user_consent_cancel_async);

  _ob_amt_invoke (task, "IPS_OptInService", "CancelOptIn", NULL, consent_cancel_cb);
}

JsonNode *
ob_amt_user_consent_cancel_finish (ObWsmanClient  *client,
                                   GAsyncResult   *result,
                                   guint          *out_return_value,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_amt_user_consent_cancel_async, NULL);

  return consent_finish (result, out_return_value, error);
}
