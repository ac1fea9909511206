/* ob-sim-certificate.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ob-sim-certificate.h"
#include "ob-sim-error.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_EXTENSION, X509_EXTENSION_free)

static GMutex key_lock;
static EVP_PKEY *shared_key;

static void
set_openssl_error (GError     **error,
                   const char  *what)
{
  unsigned long code = ERR_get_error ();
  char buf[256] = "";

  if (code != 0)
    ERR_error_string_n (code, buf, sizeof buf);
  ERR_clear_error ();
  g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_FAILED,
               "Could not make the simulator's TLS certificate (%s%s%s)",
               what, *buf ? ": " : "", buf);
}

/* The process-wide key (RSA 2048, what AMT uses), made on first use. */
static EVP_PKEY *
get_shared_key (GError **error)
{
  EVP_PKEY *key;

  g_mutex_lock (&key_lock);
  if (shared_key == NULL)
    shared_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  key = shared_key;
  if (key != NULL)
    EVP_PKEY_up_ref (key);
  g_mutex_unlock (&key_lock);

  if (key == NULL)
    set_openssl_error (error, "RSA key generation");
  return key;
}

static gboolean
add_extension (X509       *cert,
               int         nid,
               const char *value)
{
  X509V3_CTX ctx;
  g_autoptr(X509_EXTENSION) ext = NULL;

  X509V3_set_ctx_nodb (&ctx);
  X509V3_set_ctx (&ctx, cert, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  return ext != NULL && X509_add_ext (cert, ext, -1) == 1;
}

GTlsCertificate *
ob_sim_certificate_new (const char  *common_name,
                        const char  *ip_address,
                        GError     **error)
{
  g_autoptr(X509) cert = NULL;
  g_autoptr(BIO) bio = NULL;
  g_autoptr(BIGNUM) serial = NULL;
  g_autofree char *san = NULL;
  EVP_PKEY *key;
  X509_NAME *name;
  GTlsCertificate *result;
  char *pem = NULL;
  long pem_len;
  g_autofree char *pem_copy = NULL;

  g_return_val_if_fail (common_name != NULL && *common_name != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  key = get_shared_key (error);
  if (key == NULL)
    return NULL;

  cert = X509_new ();
  serial = BN_new ();
  if (cert == NULL || serial == NULL ||
      X509_set_version (cert, 2) != 1 ||
      BN_rand (serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER (serial, X509_get_serialNumber (cert)) == NULL ||
      X509_gmtime_adj (X509_getm_notBefore (cert), -24 * 3600) == NULL ||
      X509_gmtime_adj (X509_getm_notAfter (cert), 365L * 24 * 3600) == NULL ||
      X509_set_pubkey (cert, key) != 1)
    {
      EVP_PKEY_free (key);
      set_openssl_error (error, "certificate fields");
      return NULL;
    }

  name = X509_get_subject_name (cert);
  if (X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8,
                                  (const unsigned char *) common_name, -1, -1, 0) != 1 ||
      X509_set_issuer_name (cert, name) != 1)
    {
      EVP_PKEY_free (key);
      set_openssl_error (error, "subject");
      return NULL;
    }

  if (ip_address != NULL && g_hostname_is_ip_address (ip_address))
    san = g_strdup_printf ("DNS:%s,IP:%s", common_name, ip_address);
  else
    san = g_strdup_printf ("DNS:%s", common_name);
  if (!add_extension (cert, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension (cert, NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !add_extension (cert, NID_ext_key_usage, "serverAuth") ||
      !add_extension (cert, NID_subject_alt_name, san) ||
      X509_sign (cert, key, EVP_sha256 ()) == 0)
    {
      EVP_PKEY_free (key);
      set_openssl_error (error, "extensions and signature");
      return NULL;
    }

  bio = BIO_new (BIO_s_mem ());
  if (bio == NULL ||
      PEM_write_bio_X509 (bio, cert) != 1 ||
      PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL) != 1)
    {
      EVP_PKEY_free (key);
      set_openssl_error (error, "PEM encoding");
      return NULL;
    }
  EVP_PKEY_free (key);

  pem_len = BIO_get_mem_data (bio, &pem);
  pem_copy = g_strndup (pem, (gsize) pem_len);
  /* The key is in there: wipe both buffers once GIO has parsed them. */
  result = g_tls_certificate_new_from_pem (pem_copy, -1, error);
  memset (pem_copy, 0, (gsize) pem_len);
  memset (pem, 0, (gsize) pem_len);
  return result;
}
