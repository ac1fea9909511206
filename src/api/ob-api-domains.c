/* ob-api-domains.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-api-resource.h"
#include "ob-cert-chain.h"
#include "ob-util.h"

/* /api/v1/admin/domains (rps-rpc-activation.md §1.3): ACM provisioning
 * certificates.  The PFX (its DER bytes, kind OB_SECRET_KIND_PFX) and its
 * password (OB_SECRET_KIND_PFX_PASSWORD) live only in the keyring, under
 * OB_SECRET_OWNER_DOMAIN and the domain's name.  Opening the PFX runs in a
 * worker thread: key derivation is slow by design. */

#define MAX_PASSWORD_LEN 64

#define MSG_DECRYPT "Unable to decrypt provisioning certificate. Please check that the password " \
                    "is correct, and that the certificate is a valid certificate."

static char *
format_expiry (GDateTime *when)
{
  g_autofree char *head = NULL;

  if (when == NULL)
    return NULL;

  /* JavaScript's toISOString: milliseconds and Z. */
  head = g_date_time_format (when, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", head, g_date_time_get_microsecond (when) / 1000);
}

static JsonNode *
domain_to_json (gpointer record)
{
  ObDomain *domain = record;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *version = _ob_rps_version_string (ob_domain_get_version (domain));
  g_autofree char *expiry = format_expiry (ob_domain_get_expiration_date (domain));

  json_object_set_string_member (object, "profileName", ob_domain_get_name (domain));
  _ob_rps_set_string (object, "domainSuffix", ob_domain_get_domain_suffix (domain));
  _ob_rps_set_string (object, "provisioningCertStorageFormat",
                      ob_domain_get_provisioning_cert_storage_format (domain));
  _ob_rps_set_string (object, "expirationDate", expiry);
  _ob_rps_set_string (object, "tenantId", ob_domain_get_tenant_id (domain));
  json_object_set_string_member (object, "version", version);

  return json_node_init_object (json_node_alloc (), object);
}

/* Standard base64 with optional white space; g_base64_decode alone skips
 * anything it does not know. */
static GBytes *
decode_base64_strict (const char *text)
{
  g_autoptr(GString) clean = g_string_new (NULL);
  gsize padding = 0;
  guchar *data;
  gsize len;

  for (const char *p = text; *p != '\0'; p++)
    {
      char c = *p;

      if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        continue;
      if (c == '=')
        padding++;
      else if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        return NULL;
      g_string_append_c (clean, c);
    }

  if (clean->len == 0 || clean->len % 4 != 0 || padding > 2)
    return NULL;

  data = g_base64_decode (clean->str, &len);
  if (len == 0)
    {
      g_free (data);
      return NULL;
    }

  return g_bytes_new_take (data, len);
}

/* ------------------------------------------------------------------------
 * Opening the PFX in a worker thread
 * ------------------------------------------------------------------------ */

typedef struct
{
  ObSecretStore *secrets;
  char          *stored_name;    /* PATCH: where to find what was not sent */
  char          *cert_base64;    /* NULL: from the keyring */
  char          *password;       /* NULL: from the keyring */
  gboolean       run;            /* FALSE: nothing to open */

  /* Results */
  GBytes        *pfx;
  char          *used_password;
  ObCertChain   *chain;
  GError        *error;          /* OB_TLS_ERROR, or the keyring's */
  gboolean       undecodable;    /* not base64, or nothing to open */
} DomainJob;

static void
domain_job_free (DomainJob *job)
{
  g_clear_object (&job->secrets);
  g_free (job->stored_name);
  g_free (job->cert_base64);
  ob_secure_free_string (job->password);
  ob_secure_free_string (job->used_password);
  g_clear_pointer (&job->pfx, g_bytes_unref);
  g_clear_object (&job->chain);
  g_clear_error (&job->error);
  g_free (job);
}

static void
open_pfx_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  DomainJob *job = task_data;

  if (job->cert_base64 != NULL)
    job->pfx = decode_base64_strict (job->cert_base64);
  else if (job->stored_name != NULL)
    job->pfx = ob_secret_store_lookup_sync (job->secrets, OB_SECRET_OWNER_DOMAIN, job->stored_name,
                                            OB_SECRET_KIND_PFX, NULL, &job->error);

  if (job->password != NULL)
    job->used_password = g_strdup (job->password);
  else if (job->stored_name != NULL && job->error == NULL)
    job->used_password = ob_secret_store_lookup_text_sync (job->secrets, OB_SECRET_OWNER_DOMAIN,
                                                           job->stored_name,
                                                           OB_SECRET_KIND_PFX_PASSWORD, NULL,
                                                           &job->error);

  if (job->error != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (job->pfx == NULL || job->used_password == NULL)
    {
      job->undecodable = TRUE;
      g_task_return_boolean (task, TRUE);
      return;
    }

  job->chain = ob_cert_chain_new_from_pkcs12 (job->pfx, job->used_password, &job->error);
  g_task_return_boolean (task, TRUE);
}

static void
start_job (ObApiRequest        *request,
           DomainJob           *job,
           GAsyncReadyCallback  callback)
{
  g_autoptr(GTask) task = NULL;

  job->secrets = g_object_ref (_ob_api_server_get_secrets (request->server));
  ob_api_request_set_data (request, job, (GDestroyNotify) domain_job_free);

  /* The request's data outlives the task: the callback holds a ref on the
   * request. */
  task = g_task_new (NULL, NULL, callback, ob_api_request_ref (request));
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, open_pfx_thread);
}

/* Whether the job's failure belongs to the password field (cannot open
 * the file at all) rather than to the certificate (opened, but refused). */
static gboolean
job_cannot_decrypt (DomainJob *job)
{
  if (job->undecodable)
    return TRUE;
  if (job->error == NULL)
    return FALSE;

  return !g_error_matches (job->error, OB_TLS_ERROR, OB_TLS_ERROR_EXPIRED)
         && !g_error_matches (job->error, OB_TLS_ERROR, OB_TLS_ERROR_NOT_YET_VALID)
         && !g_error_matches (job->error, OB_TLS_ERROR, OB_TLS_ERROR_INCOMPLETE_CHAIN)
         && !g_error_matches (job->error, OB_TLS_ERROR, OB_TLS_ERROR_MISSING_KEY)
         && !g_error_matches (job->error, OB_TLS_ERROR, OB_TLS_ERROR_KEY_MISMATCH);
}

/* ------------------------------------------------------------------------
 * Validation
 * ------------------------------------------------------------------------ */

static void
validate_name (JsonObject      *body,
               ObApiValidation *v)
{
  JsonNode *name = _ob_rps_field (body, "profileName");
  g_autofree char *name_text = _ob_rps_text (name);

  if (_ob_rps_is_empty (name))
    _ob_rps_error (v, name, "AMT Domain profile name is required", "profileName");
  if (!_ob_rps_is_profile_name (name_text))
    _ob_rps_error (v, name, "AMT Domain profile name accepts letters, numbers, special characters "
                   "and no spaces", "profileName");
}

static void
validate_password_length (JsonObject      *body,
                          gboolean         create,
                          ObApiValidation *v)
{
  JsonNode *password = _ob_rps_field (body, "provisioningCertPassword");
  g_autofree char *text = _ob_rps_text (password);

  if (create && _ob_rps_is_empty (password))
    _ob_rps_error (v, NULL, "Provisioning Cert Password is required",
                   "provisioningCertPassword");
  if (password != NULL && (text == NULL || g_utf8_strlen (text, -1) > MAX_PASSWORD_LEN))
    _ob_rps_error (v, NULL, "Password should not exceed 64 characters in length",
                   "provisioningCertPassword");
}

static void
validate_format (JsonObject      *body,
                 ObApiValidation *v)
{
  static const char * const formats[] = { "raw", "string", NULL };
  JsonNode *format = _ob_rps_field (body, "provisioningCertStorageFormat");
  g_autofree char *text = _ob_rps_text (format);

  if (_ob_rps_is_empty (format))
    _ob_rps_error (v, format, "Provisioning Cert Storage Format is required",
                   "provisioningCertStorageFormat");
  if (text == NULL || !g_strv_contains (formats, text))
    _ob_rps_error (v, format, "Provisioning Cert Storage Format should be either 'raw' or 'string'",
                   "provisioningCertStorageFormat");
}

/* The certificate rules, in the reference's field order, once the PFX was
 * (or could not be) opened.  @suffix is the suffix the domain will have. */
static void
validate_with_job (JsonObject      *body,
                   DomainJob       *job,
                   const char      *suffix,
                   gboolean         create,
                   ObApiValidation *v)
{
  JsonNode *suffix_node = _ob_rps_field (body, "domainSuffix");
  JsonNode *cert = _ob_rps_field (body, "provisioningCert");

  validate_name (body, v);
  validate_password_length (body, create, v);
  if (job->run && job_cannot_decrypt (job))
    _ob_rps_error (v, NULL, MSG_DECRYPT, "provisioningCertPassword");

  if (create && _ob_rps_is_empty (suffix_node))
    _ob_rps_error (v, suffix_node, "Domain suffix name is required", "domainSuffix");
  else if (!create && suffix_node != NULL && _ob_rps_is_empty (suffix_node))
    _ob_rps_error (v, suffix_node, "Domain suffix name is required", "domainSuffix");
  else if (job->chain != NULL && !ob_cert_chain_matches_domain_suffix (job->chain, suffix))
    _ob_rps_error (v, suffix_node, "FQDN not associated with provisioning certificate",
                   "domainSuffix");

  if (create && _ob_rps_is_empty (cert))
    _ob_rps_error (v, cert, "Provisioning certificate is required", "provisioningCert");
  else if (job->run && !job_cannot_decrypt (job) && job->error != NULL)
    {
      /* The value is not echoed: it is the whole PFX. */
      if (g_error_matches (job->error, OB_TLS_ERROR, OB_TLS_ERROR_EXPIRED))
        _ob_rps_error (v, NULL, "Uploaded certificate has expired", "provisioningCert");
      else
        _ob_rps_error (v, NULL, job->error->message, "provisioningCert");
    }

  validate_format (body, v);
}

/* ------------------------------------------------------------------------
 * POST and PATCH
 * ------------------------------------------------------------------------ */

/* The PFX and its password, once they opened. */
static void
add_secrets (ObApiRequest *request,
             gpointer      record,
             gboolean      created,
             ObRpsSecrets *secrets)
{
  DomainJob *job = request->data;
  const char *name = ob_domain_get_name (record);

  if (job->chain == NULL)
    return;

  _ob_rps_secrets_set_bytes (secrets, OB_SECRET_OWNER_DOMAIN, name, OB_SECRET_KIND_PFX, job->pfx);
  _ob_rps_secrets_set (secrets, OB_SECRET_OWNER_DOMAIN, name, OB_SECRET_KIND_PFX_PASSWORD,
                       job->used_password);
}

static void
on_create_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  DomainJob *job = request->data;
  JsonObject *body = ob_api_request_get_body_object (request);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObDomain) domain = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_autofree char *name = _ob_rps_dup_text (body, "profileName");
  g_autofree char *suffix = _ob_rps_dup_text (body, "domainSuffix");
  g_autofree char *format = _ob_rps_dup_text (body, "provisioningCertStorageFormat");

  ob_api_validation_init (&validation);
  validate_with_job (body, job, suffix, TRUE, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  g_assert (job->chain != NULL);

  domain = ob_domain_new (name);
  ob_domain_set_tenant_id (domain, "");
  ob_domain_set_domain_suffix (domain, suffix);
  ob_domain_set_provisioning_cert_storage_format (domain, format);
  expiry = ob_cert_chain_dup_earliest_expiry (job->chain);
  ob_domain_set_expiration_date (domain, expiry);

  _ob_api_resource_save (request, &_ob_api_domains_resource, domain, name, TRUE);
}

static void
create_domain (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  JsonNode *cert = _ob_rps_field (body, "provisioningCert");
  JsonNode *password = _ob_rps_field (body, "provisioningCertPassword");
  DomainJob *job = g_new0 (DomainJob, 1);

  /* The opening rule runs even when the certificate is missing: the
   * reference reports the failure on the password field.  Without both as
   * text (or with a password far over the limit) the worker has nothing
   * to open and says so at once. */
  job->run = TRUE;
  if (ob_api_json_node_is_string (cert) && ob_api_json_node_is_string (password)
      && strlen (json_node_get_string (password)) <= 4 * MAX_PASSWORD_LEN)
    {
      job->cert_base64 = g_strdup (json_node_get_string (cert));
      job->password = g_strdup (json_node_get_string (password));
    }

  start_job (request, job, on_create_opened);
}

static void
on_update_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObApiRequest) request = user_data;
  DomainJob *job = request->data;
  JsonObject *body = ob_api_request_get_body_object (request);
  ObStore *store = _ob_api_server_get_store (request->server);
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObDomain) domain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = _ob_rps_dup_text (body, "profileName");
  g_autofree char *suffix = _ob_rps_dup_text (body, "domainSuffix");
  g_autofree char *format = _ob_rps_dup_text (body, "provisioningCertStorageFormat");

  domain = ob_store_get_domain (store, name, &error);
  if (domain == NULL)
    {
      _ob_api_resource_respond_lookup_error (request, &_ob_api_domains_resource, name, error);
      return;
    }

  if (suffix == NULL)
    suffix = g_strdup (ob_domain_get_domain_suffix (domain));

  ob_api_validation_init (&validation);
  validate_with_job (body, job, suffix, FALSE, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  ob_domain_set_domain_suffix (domain, suffix);
  ob_domain_set_provisioning_cert_storage_format (domain, format);
  if (job->chain != NULL)
    {
      g_autoptr(GDateTime) expiry = ob_cert_chain_dup_earliest_expiry (job->chain);

      ob_domain_set_expiration_date (domain, expiry);
    }

  _ob_api_resource_save (request, &_ob_api_domains_resource, domain, name, FALSE);
}

static void
update_domain (ObApiRequest *request)
{
  JsonObject *body = ob_api_request_get_body_object (request);
  ObStore *store = _ob_api_server_get_store (request->server);
  JsonNode *cert = _ob_rps_field (body, "provisioningCert");
  JsonNode *password = _ob_rps_field (body, "provisioningCertPassword");
  JsonNode *suffix = _ob_rps_field (body, "domainSuffix");
  g_auto(ObApiValidation) validation = { NULL };
  g_autoptr(ObDomain) domain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  DomainJob *job;

  /* The rules that need no certificate first, so a bad name never
   * reaches the keyring. */
  ob_api_validation_init (&validation);
  validate_name (body, &validation);
  validate_password_length (body, FALSE, &validation);
  validate_format (body, &validation);
  if (ob_api_validation_respond (&validation, request))
    return;

  name = _ob_rps_dup_text (body, "profileName");
  domain = ob_store_get_domain (store, name, &error);
  if (domain == NULL)
    {
      _ob_api_resource_respond_lookup_error (request, &_ob_api_domains_resource, name, error);
      return;
    }

  job = g_new0 (DomainJob, 1);
  job->stored_name = g_strdup (ob_domain_get_name (domain));

  /* The PFX is opened again when it, its password or the suffix it must
   * match changes; what was not sent comes from the keyring. */
  if (cert != NULL || password != NULL
      || (suffix != NULL && g_strcmp0 (ob_api_json_get_string (body, "domainSuffix"),
                                       ob_domain_get_domain_suffix (domain)) != 0))
    {
      job->run = TRUE;
      if (cert != NULL)
        {
          if (ob_api_json_node_is_string (cert))
            job->cert_base64 = g_strdup (json_node_get_string (cert));
          else
            job->cert_base64 = g_strdup ("!");
        }
      if (password != NULL)
        job->password = _ob_rps_text (password);
    }

  if (!job->run)
    {
      ob_api_request_set_data (request, job, (GDestroyNotify) domain_job_free);
      on_update_opened (NULL, NULL, ob_api_request_ref (request));
      return;
    }

  start_job (request, job, on_update_opened);
}

const ObApiResource _ob_api_domains_resource = {
  .path = "domains",
  .key_field = "profileName",
  .get_type = ob_domain_get_type,
  .list = ob_store_list_domains,
  .get = (ObApiResourceGetFunc) ob_store_get_domain,
  .insert = (ObApiResourceWriteFunc) ob_store_insert_domain,
  .update = (ObApiResourceWriteFunc) ob_store_update_domain,
  .remove = ob_store_delete_domain,
  .to_json = domain_to_json,
  .not_found_type = "Domain",
  .duplicate_message = "Domain %s ID or Suffix already exists",
  .log_name = "domain",
  .secret_owner = OB_SECRET_OWNER_DOMAIN,
  /* No If-Match copy on PATCH (as the reference). */
  .version_from_if_match = FALSE,
  .add_secrets = add_secrets,
  /* Opening the PFX runs in a worker thread before the rules are known. */
  .create_handler = create_domain,
  .update_handler = update_domain,
};
