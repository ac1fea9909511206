/* ob-rps-certificate.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ob-rps-certificate.h"
#include "ob-rps-error.h"

struct _ObRpsDeviceCa
{
  EVP_PKEY *key;
  X509     *cert;
  GBytes   *der;
};

static GBytes *
x509_der (X509 *cert)
{
  unsigned char *der = NULL;
  int len = i2d_X509 (cert, &der);
  GBytes *bytes;

  if (len <= 0)
    return NULL;
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

static gboolean
add_extension (X509       *cert,
               X509       *issuer,
               int         nid,
               const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;
  gboolean ok;

  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  if (ext == NULL)
    return FALSE;
  ok = X509_add_ext (cert, ext, -1) == 1;
  X509_EXTENSION_free (ext);
  return ok;
}

/* Common fields: version 3, a random positive 64-bit serial, validity. */
static gboolean
prepare (X509 *cert,
         long  days)
{
  unsigned char serial[8];
  BIGNUM *bn;
  gboolean ok;

  if (RAND_bytes (serial, sizeof serial) != 1)
    return FALSE;
  serial[0] &= 0x7f;
  bn = BN_bin2bn (serial, sizeof serial, NULL);
  ok = bn != NULL && BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (cert)) != NULL
       && X509_set_version (cert, 2) == 1
       && X509_gmtime_adj (X509_getm_notBefore (cert), -24L * 3600) != NULL
       && X509_gmtime_adj (X509_getm_notAfter (cert), days * 24L * 3600) != NULL;
  BN_free (bn);
  return ok;
}

static gboolean
fail (GError     **error,
      const char  *what)
{
  g_set_error (error, OB_RPS_ERROR, OB_RPS_ERROR_DEVICE, "Could not make the device's TLS certificate: %s", what);
  return FALSE;
}

ObRpsDeviceCa *
ob_rps_device_ca_new (const char  *uuid,
                      GError     **error)
{
  g_autoptr(ObRpsDeviceCa) ca = g_new0 (ObRpsDeviceCa, 1);
  X509_NAME *name;

  g_return_val_if_fail (uuid != NULL, NULL);

  ca->key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  if (ca->key == NULL)
    {
      fail (error, "key generation");
      return NULL;
    }
  ca->cert = X509_new ();
  if (ca->cert == NULL)
    {
      fail (error, "out of memory");
      return NULL;
    }
  name = X509_get_subject_name (ca->cert);
  if (!prepare (ca->cert, 20 * 365)
      || X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) uuid, -1, -1, 0) != 1
      || X509_set_issuer_name (ca->cert, name) != 1
      || X509_set_pubkey (ca->cert, ca->key) != 1
      || !add_extension (ca->cert, ca->cert, NID_basic_constraints, "critical,CA:TRUE")
      || !add_extension (ca->cert, ca->cert, NID_key_usage, "critical,keyCertSign,cRLSign")
      || X509_sign (ca->cert, ca->key, EVP_sha256 ()) <= 0
      || (ca->der = x509_der (ca->cert)) == NULL)
    {
      fail (error, "the CA certificate");
      return NULL;
    }
  return g_steal_pointer (&ca);
}

void
ob_rps_device_ca_free (ObRpsDeviceCa *ca)
{
  if (ca == NULL)
    return;
  EVP_PKEY_free (ca->key);
  X509_free (ca->cert);
  g_clear_pointer (&ca->der, g_bytes_unref);
  g_free (ca);
}

GBytes *
ob_rps_device_ca_get_root (ObRpsDeviceCa *ca)
{
  g_return_val_if_fail (ca != NULL, NULL);
  return ca->der;
}

GBytes *
ob_rps_device_ca_issue (ObRpsDeviceCa  *ca,
                        GBytes         *public_key,
                        GError        **error)
{
  const unsigned char *p;
  gsize len = 0;
  EVP_PKEY *key;
  X509 *cert = NULL;
  X509_NAME *name;
  GBytes *der = NULL;

  g_return_val_if_fail (ca != NULL && public_key != NULL, NULL);

  p = g_bytes_get_data (public_key, &len);
  if (p == NULL || len == 0 || len > 4096)
    {
      fail (error, "AMT sent no usable public key");
      return NULL;
    }
  key = d2i_PublicKey (EVP_PKEY_RSA, NULL, &p, (long) len);
  if (key == NULL)
    {
      fail (error, "AMT's public key is not an RSA key");
      return NULL;
    }

  cert = X509_new ();
  name = cert != NULL ? X509_get_subject_name (cert) : NULL;
  if (cert != NULL && prepare (cert, 10 * 365)
      && X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) "AMT", -1, -1, 0) == 1
      && X509_NAME_add_entry_by_txt (name, "O", MBSTRING_ASC, (const unsigned char *) "None", -1, -1, 0) == 1
      && X509_NAME_add_entry_by_txt (name, "ST", MBSTRING_ASC, (const unsigned char *) "None", -1, -1, 0) == 1
      && X509_set_issuer_name (cert, X509_get_subject_name (ca->cert)) == 1
      && X509_set_pubkey (cert, key) == 1
      && add_extension (cert, ca->cert, NID_ext_key_usage, "serverAuth")
      && X509_sign (cert, ca->key, EVP_sha256 ()) > 0)
    der = x509_der (cert);
  X509_free (cert);
  EVP_PKEY_free (key);
  if (der == NULL)
    {
      fail (error, "the server certificate");
      return NULL;
    }
  return der;
}
