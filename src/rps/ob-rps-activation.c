/* ob-rps-activation.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-cert-chain.h"
#include "ob-rps-activation.h"
#include "ob-rps-error.h"
#include "ob-util.h"
#include "ob-wsman-error.h"

#define SETUP_SERVICE "IPS_HostBasedSetupService"
#define FW_NONCE_LEN  20
#define MC_NONCE_LEN  20

/* The explicit states; each names what the device is asked next. */
typedef enum
{
  STATE_INIT,
  STATE_LOAD_CERTIFICATE,      /* ACM: domain PFX, root hash */
  STATE_GENERAL_SETTINGS,
  STATE_SETUP_SERVICE,         /* ACM: ConfigurationNonce */
  STATE_ADD_CERTIFICATES,      /* ACM: AddNextCertInChain leaf -> root */
  STATE_SETUP,                 /* Setup / AdminSetup / UpgradeClientToAdmin */
  STATE_CHECK_MODE,            /* after a Setup that timed out */
  STATE_SETTLE,
  STATE_CHANGE_PASSWORD,       /* already activated: SetAdminAclEntryEx */
  STATE_MEBX,
  STATE_SAVE,
  STATE_DONE,
} State;

struct _ObRpsActivation
{
  ObRpsFlow         parent_instance;

  State             state;
  ObProfile        *profile;
  ObDomain         *domain;
  ObCertChain      *chain;
  char             *tenant_id;
  char             *host;
  gboolean          acm;          /* the profile asks for admin control */
  gboolean          upgrade;      /* CCM device, ACM profile */
  guint             current_mode; /* what the device reported */
  guint             control_mode; /* what it is in after us */
  char             *amt_password;
  char             *mebx_password;
  char             *realm;
  JsonObject       *general_settings;
  GBytes           *fw_nonce;
  guint             next_cert;
};

G_DEFINE_FINAL_TYPE (ObRpsActivation, ob_rps_activation, OB_TYPE_RPS_FLOW)

static void advance (ObRpsActivation *self);

static void
ob_rps_activation_finalize (GObject *object)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (object);

  g_clear_object (&self->profile);
  g_clear_object (&self->domain);
  g_clear_object (&self->chain);
  g_free (self->tenant_id);
  g_free (self->host);
  if (self->amt_password != NULL)
    ob_secure_free_string (self->amt_password);
  if (self->mebx_password != NULL)
    ob_secure_free_string (self->mebx_password);
  g_free (self->realm);
  g_clear_pointer (&self->general_settings, json_object_unref);
  g_clear_pointer (&self->fw_nonce, g_bytes_unref);

  G_OBJECT_CLASS (ob_rps_activation_parent_class)->finalize (object);
}

static void
start (ObRpsFlow *flow)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);

  self->state = self->acm && (self->current_mode == 0 || self->upgrade)
                  ? STATE_LOAD_CERTIFICATE : STATE_GENERAL_SETTINGS;
  advance (self);
}

static void
ob_rps_activation_class_init (ObRpsActivationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ObRpsFlowClass *flow_class = OB_RPS_FLOW_CLASS (klass);

  object_class->finalize = ob_rps_activation_finalize;
  flow_class->action_name = "activate";
  flow_class->start = start;
}

static void
ob_rps_activation_init (ObRpsActivation *self)
{
}

static const ObRpcClientInfo *
info_of (ObRpsActivation *self)
{
  return ob_rps_flow_get_info (OB_RPS_FLOW (self));
}

static ObRpsContext *
context_of (ObRpsActivation *self)
{
  return ob_rps_flow_get_context (OB_RPS_FLOW (self));
}

/* ---- Construction: the reference's checks of the first message ----------- */

static char *
lookup_secret (ObRpsContext  *context,
               const char    *owner_type,
               const char    *owner_id,
               const char    *kind,
               GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  char *value = ob_secret_store_lookup_text_sync (context->secrets, owner_type, owner_id, kind,
                                                  NULL, &local_error);

  if (value == NULL && local_error != NULL)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE,
                   "Keyring: %s", local_error->message);
      return NULL;
    }
  return value;
}

ObRpsActivation *
ob_rps_activation_new (ObRpsWsman       *wsman,
                       ObRpcClientInfo  *info,
                       ObRpsContext     *context,
                       const char       *tenant_id,
                       GError          **error)
{
  g_autoptr(ObRpsActivation) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  const char *uuid;

  g_return_val_if_fail (OB_IS_RPS_WSMAN (wsman), NULL);
  g_return_val_if_fail (info != NULL && context != NULL, NULL);

  uuid = info->uuid;
  if (!ob_rpc_check_firmware (info, error))
    return NULL;
  if (info->password == NULL || *info->password == '\0')
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                   "Device %s activation failed. Missing password.", uuid);
      return NULL;
    }

  self = g_object_new (OB_TYPE_RPS_ACTIVATION, "wsman", wsman, "info", info, "context", context, NULL);
  self->tenant_id = g_strdup (tenant_id != NULL ? tenant_id : "");
  self->current_mode = info->current_mode;

  self->profile = info->profile != NULL && *info->profile != '\0'
                    ? ob_store_get_profile (context->store, info->profile, &local_error) : NULL;
  if (self->profile == NULL)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                   "Device %s activation failed. %s does not match list of available AMT profiles.",
                   uuid, info->profile != NULL ? info->profile : "");
      return NULL;
    }
  g_clear_error (&local_error);
  self->acm = g_strcmp0 (ob_profile_get_activation (self->profile), OB_PROFILE_ACTIVATION_ACM) == 0;

  if (info->current_mode == 2 && !self->acm)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                   "Device %s already enabled in admin control mode.", uuid);
      return NULL;
    }
  self->upgrade = self->acm && info->current_mode == 1;

  if (self->acm && info->current_mode != 2)
    {
      if (info->cert_hashes == NULL || info->cert_hashes[0] == NULL)
        {
          g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                       "Device %s activation failed. Missing certificate hashes from the device.", uuid);
          return NULL;
        }
      if (info->fqdn == NULL || *info->fqdn == '\0')
        {
          g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                       "Device %s activation failed. Missing DNS Suffix.", uuid);
          return NULL;
        }
      self->domain = ob_store_get_domain_by_suffix (context->store, info->fqdn, &local_error);
      if (self->domain == NULL)
        {
          g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                       "Device %s activation failed. Specified AMT domain suffix: %s does not match list of available AMT domain suffixes.",
                       uuid, info->fqdn);
          return NULL;
        }
      g_clear_error (&local_error);
    }

  /* A device already activated must come with the password we gave it,
   * and must not belong to another tenant. */
  if (info->current_mode != 0)
    {
      g_autofree char *stored = lookup_secret (context, OB_SECRET_OWNER_DEVICE, uuid,
                                               OB_SECRET_KIND_AMT_PASSWORD, error);

      if (stored == NULL && error != NULL && *error != NULL)
        return NULL;
      if (stored != NULL && g_strcmp0 (stored, info->password) != 0)
        {
          ob_secure_clear (stored, strlen (stored));
          g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                       "AMT password DOES NOT match stored version for Device %s", uuid);
          return NULL;
        }
      if (stored != NULL)
        ob_secure_clear (stored, strlen (stored));

      record = ob_store_get_device (context->store, uuid, NULL);
      if (record != NULL && g_strcmp0 (ob_device_record_get_tenant_id (record) != NULL
                                         ? ob_device_record_get_tenant_id (record) : "",
                                       self->tenant_id) != 0)
        {
          g_set_error_literal (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                               "Device belongs to another tenant. Please unprovision and re-activate device.");
          return NULL;
        }
    }

  /* The passwords this activation sets: the profile's, or fresh ones. */
  if (ob_profile_get_generate_random_password (self->profile))
    self->amt_password = ob_random_password ();
  else
    {
      self->amt_password = lookup_secret (context, OB_SECRET_OWNER_PROFILE,
                                          ob_profile_get_name (self->profile),
                                          OB_SECRET_KIND_AMT_PASSWORD, error);
      if (self->amt_password == NULL)
        {
          if (error == NULL || *error == NULL)
            g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
                         "Device %s activation failed. Profile %s has no AMT password.",
                         uuid, ob_profile_get_name (self->profile));
          return NULL;
        }
    }
  if (self->acm)
    {
      if (ob_profile_get_generate_random_mebx_password (self->profile))
        self->mebx_password = ob_random_password ();
      else
        {
          self->mebx_password = lookup_secret (context, OB_SECRET_OWNER_PROFILE,
                                               ob_profile_get_name (self->profile),
                                               OB_SECRET_KIND_MEBX_PASSWORD, error);
          if (self->mebx_password == NULL && error != NULL && *error != NULL)
            return NULL;
        }
    }

  /* Pre-provisioned devices answer to the local system account; activated
   * ones to admin and the current password. */
  if (info->current_mode == 0)
    ob_rps_wsman_set_credentials (wsman, info->username, info->password);
  else
    ob_rps_wsman_set_credentials (wsman, "admin", info->password);

  return g_steal_pointer (&self);
}

ObProfile *
ob_rps_activation_get_profile (ObRpsActivation *self)
{
  g_return_val_if_fail (OB_IS_RPS_ACTIVATION (self), NULL);
  return self->profile;
}

void
ob_rps_activation_set_host (ObRpsActivation *self,
                            const char      *host)
{
  g_return_if_fail (OB_IS_RPS_ACTIVATION (self));
  g_free (self->host);
  self->host = g_strdup (host);
}

const char *
ob_rps_activation_get_amt_password (ObRpsActivation *self)
{
  g_return_val_if_fail (OB_IS_RPS_ACTIVATION (self), NULL);
  return self->amt_password;
}

guint
ob_rps_activation_get_control_mode (ObRpsActivation *self)
{
  g_return_val_if_fail (OB_IS_RPS_ACTIVATION (self), 0);
  return self->control_mode;
}

JsonObject *
ob_rps_activation_get_general_settings (ObRpsActivation *self)
{
  g_return_val_if_fail (OB_IS_RPS_ACTIVATION (self), NULL);
  return self->general_settings;
}

/* ---- Steps --------------------------------------------------------------- */

static void
go (ObRpsActivation *self,
    State            state)
{
  self->state = state;
  advance (self);
}

/* The REST API keeps the PFX's DER; a keyring filled by hand may hold the
 * base64 text the API takes instead. */
static GBytes *
pfx_from_base64 (GBytes *stored)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (stored, &len);
  g_autofree char *text = NULL;
  guchar *out;
  gsize out_len = 0;

  if (len == 0)
    return NULL;
  for (gsize i = 0; i < len; i++)
    if (!(g_ascii_isalnum (data[i]) || data[i] == '+' || data[i] == '/' || data[i] == '='
          || data[i] == '\r' || data[i] == '\n'))
      return NULL;
  text = g_strndup (data, len);
  out = g_base64_decode (text, &out_len);
  return g_bytes_new_take (out, out_len);
}

/* In a worker thread: the keyring and PKCS#12's key derivation. */
static gboolean
load_certificate_work (ObRpsFlow  *flow,
                       GError    **error)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);
  ObRpsContext *context = context_of (self);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) pfx = NULL;
  g_autofree char *password = NULL;
  const char *name = ob_domain_get_name (self->domain);

  stored = ob_secret_store_lookup_sync (context->secrets, OB_SECRET_OWNER_DOMAIN, name,
                                        OB_SECRET_KIND_PFX, NULL, &local_error);
  if (stored == NULL)
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE, "No provisioning certificate for domain %s%s%s",
                   name, local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
      return FALSE;
    }
  password = ob_secret_store_lookup_text_sync (context->secrets, OB_SECRET_OWNER_DOMAIN, name,
                                               OB_SECRET_KIND_PFX_PASSWORD, NULL, NULL);
  self->chain = ob_cert_chain_new_from_pkcs12 (stored, password != NULL ? password : "", &local_error);
  if (self->chain == NULL && (pfx = pfx_from_base64 (stored)) != NULL)
    {
      g_clear_error (&local_error);
      self->chain = ob_cert_chain_new_from_pkcs12 (pfx, password != NULL ? password : "", &local_error);
    }
  if (password != NULL)
    ob_secure_clear (password, strlen (password));
  if (self->chain == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static void
load_certificate_done (ObRpsFlow    *flow,
                       const GError *error)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);
  const ObRpcClientInfo *info = info_of (self);
  g_autofree char *sha256 = NULL;
  g_autofree char *sha1 = NULL;
  gboolean trusted = FALSE;

  if (error != NULL)
    {
      if (!g_error_matches (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE))
        ob_rps_flow_set_status (flow, "Status", "Unable to decrypt provisioning certificate.");
      ob_rps_flow_fail (flow, g_error_copy (error));
      return;
    }

  ob_rps_flow_begin_step (flow, "Match the root certificate hash against the device's trusted hashes");
  sha256 = ob_cert_chain_dup_root_fingerprint (self->chain, OB_HASH_ALGORITHM_SHA256);
  sha1 = ob_cert_chain_dup_root_fingerprint (self->chain, OB_HASH_ALGORITHM_SHA1);
  for (guint i = 0; info->cert_hashes != NULL && info->cert_hashes[i] != NULL; i++)
    if (g_ascii_strcasecmp (info->cert_hashes[i], sha256) == 0
        || g_ascii_strcasecmp (info->cert_hashes[i], sha1) == 0)
      trusted = TRUE;
  if (!trusted)
    {
      const char *text = "Invalid domain certificate, hash does not exists in list of trusted root certificates on AMT";

      ob_rps_flow_set_status (flow, "Status", text);
      ob_rps_flow_fail (flow, g_error_new_literal (OB_RPS_ERROR, OB_RPS_ERROR_REFUSED, text));
      return;
    }
  ob_rps_flow_end_step (flow, sha256);
  go (self, STATE_GENERAL_SETTINGS);
}

static void
load_certificate (ObRpsActivation *self)
{
  ob_rps_flow_begin_step (OB_RPS_FLOW (self), "Load provisioning certificate of domain %s",
                          ob_domain_get_name (self->domain));
  ob_rps_flow_work (OB_RPS_FLOW (self), load_certificate_work, load_certificate_done);
}

static void
on_general_settings (ObRpsFlow       *flow,
                     ObWsmanResponse *response,
                     const GError    *error)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);
  JsonObject *settings = ob_wsman_response_get_class_json (response, "AMT_GeneralSettings");
  const char *realm = ob_rps_json_string (settings, "DigestRealm");

  if (settings == NULL || !ob_rps_digest_realm_is_valid (realm))
    {
      ob_rps_flow_fail_text (flow, "Not a valid digest realm.");
      return;
    }
  g_clear_pointer (&self->general_settings, json_object_unref);
  self->general_settings = json_object_ref (settings);
  g_free (self->realm);
  self->realm = g_strdup (realm);
  ob_rps_flow_end_step (flow, realm);

  if (self->current_mode == 0 || self->upgrade)
    go (self, self->acm ? STATE_SETUP_SERVICE : STATE_SETUP);
  else
    {
      ob_rps_flow_set_status (flow, "Status", self->current_mode == 2 ? "already enabled in admin mode."
                                                                      : "already enabled in client mode.");
      self->control_mode = self->current_mode;
      go (self, STATE_CHANGE_PASSWORD);
    }
}

static void
on_setup_service (ObRpsFlow       *flow,
                  ObWsmanResponse *response,
                  const GError    *error)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);
  JsonObject *service = ob_wsman_response_get_class_json (response, SETUP_SERVICE);
  const char *nonce = ob_rps_json_string (service, "ConfigurationNonce");
  guchar *raw;
  gsize len = 0;

  raw = g_base64_decode (nonce, &len);
  if (service == NULL || len != FW_NONCE_LEN)
    {
      g_free (raw);
      ob_rps_flow_fail_text (flow, "The device sent no valid ConfigurationNonce");
      return;
    }
  g_clear_pointer (&self->fw_nonce, g_bytes_unref);
  self->fw_nonce = g_bytes_new_take (raw, len);
  self->next_cert = 0;
  go (self, STATE_ADD_CERTIFICATES);
}

static void
on_cert_added (ObRpsFlow       *flow,
               ObWsmanResponse *response,
               const GError    *error)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);
  gint64 rv = ob_rps_flow_return_value (response, "AddNextCertInChain");

  if (rv != 0)
    {
      ob_rps_flow_set_status (flow, "Status", "Failed to add certificates to AMT.");
      ob_rps_flow_fail (flow, g_error_new (OB_RPS_ERROR, OB_RPS_ERROR_DEVICE,
                                           "Device %s activation failed. Error while adding the certificates to AMT. (ReturnValue %" G_GINT64_FORMAT ")",
                                           info_of (self)->uuid, rv));
      return;
    }
  self->next_cert++;
  advance (self);
}

static void
add_next_certificate (ObRpsActivation *self)
{
  guint n = ob_cert_chain_get_n_certificates (self->chain);
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *cert = NULL;

  if (self->next_cert >= n)
    {
      go (self, STATE_SETUP);
      return;
    }
  cert = ob_cert_chain_dup_certificate_base64 (self->chain, self->next_cert);
  ob_wsman_selectors_add (args, "NextCertificate", cert);
  ob_wsman_selectors_add (args, "IsLeafCertificate", self->next_cert == 0 ? "true" : "false");
  ob_wsman_selectors_add (args, "IsRootCertificate", self->next_cert == n - 1 ? "true" : "false");
  ob_rps_flow_invoke (OB_RPS_FLOW (self), OB_RPS_CALL_FATAL, SETUP_SERVICE, "AddNextCertInChain",
                      NULL, args, on_cert_added);
}

static const char *
setup_method (ObRpsActivation *self)
{
  if (self->upgrade)
    return "UpgradeClientToAdmin";
  return self->acm ? "AdminSetup" : "Setup";
}

static const char *
setup_failure_text (ObRpsActivation *self)
{
  return self->acm ? "Failed to activate in admin control mode." : "Failed to activate in client control mode.";
}

static void
on_setup (ObRpsFlow       *flow,
          ObWsmanResponse *response,
          const GError    *error)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);
  gint64 rv;

  /* A Setup that timed out may still have worked: ask the device. */
  if (error != NULL)
    {
      if (g_error_matches (error, OB_RPS_ERROR, OB_RPS_ERROR_TIMEOUT))
        {
          go (self, STATE_CHECK_MODE);
          return;
        }
      ob_rps_flow_set_status (flow, "Status", setup_failure_text (self));
      ob_rps_flow_fail (flow, g_error_copy (error));
      return;
    }
  rv = ob_rps_flow_return_value (response, setup_method (self));
  if (rv != 0)
    {
      ob_rps_flow_set_status (flow, "Status", setup_failure_text (self));
      ob_rps_flow_fail (flow, g_error_new (OB_RPS_ERROR, OB_RPS_ERROR_DEVICE, "%s (ReturnValue %" G_GINT64_FORMAT ")",
                                           setup_failure_text (self), rv));
      return;
    }
  go (self, STATE_SETTLE);
}

static void
setup (ObRpsActivation *self)
{
  const ObRpcClientInfo *info = info_of (self);
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *hash = ob_rps_admin_password_hash_hex (self->realm, self->amt_password);

  if (!self->upgrade)
    {
      ob_wsman_selectors_add (args, "NetAdminPassEncryptionType", "2");
      ob_wsman_selectors_add (args, "NetworkAdminPassword", hash);
    }
  if (self->acm)
    {
      g_autoptr(GByteArray) signed_data = g_byte_array_new ();
      g_autoptr(GBytes) data = NULL;
      g_autoptr(GBytes) signature = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *mc_nonce_b64 = NULL;
      g_autofree char *signature_b64 = NULL;
      guint8 mc_nonce[MC_NONCE_LEN];

      /* Signature over fwNonce ‖ McNonce, firmware's first. */
      ob_random_bytes (mc_nonce, sizeof mc_nonce);
      g_byte_array_append (signed_data, g_bytes_get_data (self->fw_nonce, NULL),
                           (guint) g_bytes_get_size (self->fw_nonce));
      g_byte_array_append (signed_data, mc_nonce, sizeof mc_nonce);
      data = g_byte_array_free_to_bytes (g_steal_pointer (&signed_data));
      signature = ob_cert_chain_sign_rsa_sha256 (self->chain, data, &error);
      if (signature == NULL)
        {
          ob_rps_flow_begin_step (OB_RPS_FLOW (self), "Sign the nonces");
          ob_rps_flow_fail (OB_RPS_FLOW (self), g_steal_pointer (&error));
          return;
        }
      mc_nonce_b64 = g_base64_encode (mc_nonce, sizeof mc_nonce);
      signature_b64 = g_base64_encode (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));
      ob_wsman_selectors_add (args, "McNonce", mc_nonce_b64);
      ob_wsman_selectors_add (args, "SigningAlgorithm", "2");
      ob_wsman_selectors_add (args, "DigitalSignature", signature_b64);
    }
  (void) info;
  ob_rps_flow_invoke (OB_RPS_FLOW (self), OB_RPS_CALL_TOLERANT, SETUP_SERVICE, setup_method (self),
                      NULL, args, on_setup);
}

static void
on_check_mode (ObRpsFlow       *flow,
               ObWsmanResponse *response,
               const GError    *error)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);
  JsonObject *service = ob_wsman_response_get_class_json (response, SETUP_SERVICE);
  gint64 mode = ob_rps_json_int (service, "CurrentControlMode", 0);

  if (mode != (self->acm ? 2 : 1))
    {
      ob_rps_flow_set_status (flow, "Status", setup_failure_text (self));
      ob_rps_flow_fail_text (flow, "%s (CurrentControlMode %" G_GINT64_FORMAT ")",
                             setup_failure_text (self), mode);
      return;
    }
  go (self, STATE_SETTLE);
}

static void
after_settle (ObRpsFlow *flow)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);

  /* An upgrade keeps the old password: change it like any activated
   * device's. */
  if (self->upgrade)
    go (self, STATE_CHANGE_PASSWORD);
  else
    go (self, self->acm ? STATE_MEBX : STATE_SAVE);
}

static void
settle (ObRpsActivation *self)
{
  ObRpsFlow *flow = OB_RPS_FLOW (self);

  self->control_mode = self->acm ? 2 : 1;
  if (self->upgrade)
    ob_rps_flow_set_status (flow, "Status", "Upgraded to admin control mode.");
  else
    ob_rps_flow_set_status (flow, "Status", self->acm ? "Admin control mode." : "Client control mode.");
  /* From now on AMT knows only admin and the new password (Setup and
   * AdminSetup set it; UpgradeClientToAdmin keeps the old one). */
  if (!self->upgrade)
    ob_rps_wsman_set_credentials (ob_rps_flow_get_wsman (flow), "admin", self->amt_password);
  ob_rps_flow_wait (flow, context_of (self)->settle_delay_ms, "for AMT to settle", after_settle);
}

static void
on_password_changed (ObRpsFlow       *flow,
                     ObWsmanResponse *response,
                     const GError    *error)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);
  gint64 rv = ob_rps_flow_return_value (response, "SetAdminAclEntryEx");

  if (rv != 0)
    {
      ob_rps_flow_set_status (flow, "Status", "Failed to update AMT admin password.");
      ob_rps_flow_fail_text (flow, "Failed to update AMT admin password. (ReturnValue %" G_GINT64_FORMAT ")", rv);
      return;
    }
  ob_rps_wsman_set_credentials (ob_rps_flow_get_wsman (flow), "admin", self->amt_password);
  go (self, self->acm ? STATE_MEBX : STATE_SAVE);
}

static void
change_password (ObRpsActivation *self)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *digest = ob_rps_admin_password_hash_base64 (self->realm, self->amt_password);

  ob_wsman_selectors_add (args, "Username", "admin");
  ob_wsman_selectors_add (args, "DigestPassword", digest);
  ob_rps_flow_invoke (OB_RPS_FLOW (self), OB_RPS_CALL_FATAL, "AMT_AuthorizationService",
                      "SetAdminAclEntryEx", NULL, args, on_password_changed);
}

static void
on_mebx (ObRpsFlow       *flow,
         ObWsmanResponse *response,
         const GError    *error)
{
  /* The reference does not check the ReturnValue. */
  go (OB_RPS_ACTIVATION (flow), STATE_SAVE);
}

static void
set_mebx (ObRpsActivation *self)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();

  if (self->mebx_password == NULL)
    {
      go (self, STATE_SAVE);
      return;
    }
  ob_wsman_selectors_add (args, "Password", self->mebx_password);
  ob_rps_flow_invoke (OB_RPS_FLOW (self), OB_RPS_CALL_TOLERANT, "AMT_SetupAndConfigurationService",
                      "SetMEBxPassword", NULL, args, on_mebx);
}

/* In a worker thread. */
static gboolean
save_device (ObRpsFlow  *flow,
             GError    **error)
{
  ObRpsActivation *self = OB_RPS_ACTIVATION (flow);
  ObRpsContext *context = context_of (self);
  const ObRpcClientInfo *info = info_of (self);
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *mode = g_strdup_printf ("%u", self->control_mode);
  gboolean exists;

  if (!ob_secret_store_store_text_sync (context->secrets, OB_SECRET_OWNER_DEVICE, info->uuid,
                                        OB_SECRET_KIND_AMT_PASSWORD, self->amt_password, NULL, &local_error))
    goto keyring_failed;
  if (self->mebx_password != NULL
      && !ob_secret_store_store_text_sync (context->secrets, OB_SECRET_OWNER_DEVICE, info->uuid,
                                           OB_SECRET_KIND_MEBX_PASSWORD, self->mebx_password, NULL,
                                           &local_error))
    goto keyring_failed;

  record = ob_store_get_device (context->store, info->uuid, NULL);
  exists = record != NULL;
  if (!exists)
    record = ob_device_record_new (info->uuid);
  if (info->hostname != NULL && *info->hostname != '\0')
    ob_device_record_set_hostname (record, info->hostname);
  if (info->friendly_name != NULL && *info->friendly_name != '\0')
    ob_device_record_set_friendly_name (record, info->friendly_name);
  if (info->fqdn != NULL && *info->fqdn != '\0')
    ob_device_record_set_dns_suffix (record, info->fqdn);
  ob_device_record_set_tags (record, ob_profile_get_tags (self->profile));
  ob_device_record_set_tenant_id (record, self->tenant_id);
  ob_device_record_set_fw_version (record, info->ver);
  ob_device_record_set_fw_build (record, info->build);
  ob_device_record_set_fw_sku (record, info->sku);
  ob_device_record_set_features (record, info->features);
  ob_device_record_set_current_mode (record, mode);
  if (info->ip_configuration.ip_address != NULL)
    ob_device_record_set_ip_address (record, info->ip_configuration.ip_address);
  ob_device_record_set_device_info_updated (record, now);
  ob_device_record_set_amt_username (record, "admin");
  if (ob_profile_get_cira_config_name (self->profile) != NULL)
    ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  else
    {
      ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_LAN);
      if (self->host != NULL)
        ob_device_record_set_host (record, self->host);
      ob_device_record_set_port (record, 16992);
      ob_device_record_set_use_tls (record, FALSE);
    }

  if (exists ? !ob_store_update_device (context->store, record, &local_error)
             : !ob_store_insert_device (context->store, record, &local_error))
    {
      g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE, "Store: %s", local_error->message);
      return FALSE;
    }
  return TRUE;

keyring_failed:
  g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_STORAGE, "Keyring: %s", local_error->message);
  return FALSE;
}

static void
save_done (ObRpsFlow    *flow,
           const GError *error)
{
  if (error != NULL)
    {
      ob_rps_flow_fail (flow, g_error_copy (error));
      return;
    }
  go (OB_RPS_ACTIVATION (flow), STATE_DONE);
}

static void
save (ObRpsActivation *self)
{
  ob_rps_flow_begin_step (OB_RPS_FLOW (self), "Save the device and its passwords");
  ob_rps_flow_work (OB_RPS_FLOW (self), save_device, save_done);
}

static void
advance (ObRpsActivation *self)
{
  ObRpsFlow *flow = OB_RPS_FLOW (self);

  if (ob_rps_flow_get_finished (flow))
    return;

  switch (self->state)
    {
    case STATE_INIT:
      g_assert_not_reached ();
      break;
    case STATE_LOAD_CERTIFICATE:
      load_certificate (self);
      break;
    case STATE_GENERAL_SETTINGS:
      ob_rps_flow_get (flow, OB_RPS_CALL_FATAL, "AMT_GeneralSettings", NULL, on_general_settings);
      break;
    case STATE_SETUP_SERVICE:
      ob_rps_flow_get (flow, OB_RPS_CALL_FATAL, SETUP_SERVICE, NULL, on_setup_service);
      break;
    case STATE_ADD_CERTIFICATES:
      add_next_certificate (self);
      break;
    case STATE_SETUP:
      setup (self);
      break;
    case STATE_CHECK_MODE:
      ob_rps_flow_get (flow, OB_RPS_CALL_FATAL, SETUP_SERVICE, NULL, on_check_mode);
      break;
    case STATE_SETTLE:
      settle (self);
      break;
    case STATE_CHANGE_PASSWORD:
      change_password (self);
      break;
    case STATE_MEBX:
      set_mebx (self);
      break;
    case STATE_SAVE:
      save (self);
      break;
    case STATE_DONE:
      ob_rps_flow_succeed (flow);
      break;
    default:
      g_assert_not_reached ();
    }
}
