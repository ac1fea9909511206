/* ob-cert-chain.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

#include "ob-cert-chain.h"
#include "ob-crypto-private.h"

struct _ObCertChain
{
  GObject    parent_instance;

  GPtrArray *certs;            /* X509*, leaf first, root last */
  EVP_PKEY  *key;
  char      *leaf_common_name;
  GDateTime *earliest_expiry;
};

G_DEFINE_FINAL_TYPE (ObCertChain, ob_cert_chain, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LEAF_COMMON_NAME,
  PROP_EARLIEST_EXPIRY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS12, PKCS12_free)

static void
ob_cert_chain_finalize (GObject *object)
{
  ObCertChain *self = (ObCertChain *) object;

  g_clear_pointer (&self->certs, g_ptr_array_unref);
  g_clear_pointer (&self->key, EVP_PKEY_free);
  g_clear_pointer (&self->leaf_common_name, g_free);
  g_clear_pointer (&self->earliest_expiry, g_date_time_unref);

  G_OBJECT_CLASS (ob_cert_chain_parent_class)->finalize (object);
}

static void
ob_cert_chain_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObCertChain *self = OB_CERT_CHAIN (object);

  switch (prop_id)
    {
    case PROP_LEAF_COMMON_NAME:
      g_value_set_string (value, self->leaf_common_name);
      break;

    case PROP_EARLIEST_EXPIRY:
      g_value_set_boxed (value, self->earliest_expiry);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_cert_chain_class_init (ObCertChainClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_cert_chain_finalize;
  object_class->get_property = ob_cert_chain_get_property;

  properties[PROP_LEAF_COMMON_NAME] =
    g_param_spec_string ("leaf-common-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_EARLIEST_EXPIRY] =
    g_param_spec_boxed ("earliest-expiry", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_cert_chain_init (ObCertChain *self)
{
  self->certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
}

/* Provisioning certificates exported by older Windows tools protect their
 * certificate bags with RC2-40, which OpenSSL 3 keeps in the legacy
 * provider.  It is loaded only once a file needs it, and with
 * retain_fallbacks so the default provider still loads as usual. */
static gpointer
load_legacy_provider (gpointer data)
{
  OSSL_PROVIDER *provider = OSSL_PROVIDER_try_load (NULL, "legacy", 1);

  if (provider == NULL)
    g_debug ("The OpenSSL legacy provider is not available");

  ERR_clear_error ();

  return provider;
}

static gboolean
ensure_legacy_provider (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, load_legacy_provider, NULL) != NULL;
}

#define OB_PKCS12_MAX_ITERATIONS 2000000

/* Which password opens the file: the one given, or for an empty one the
 * "no password" form some tools write instead of an empty string.  A MAC
 * that does not match is a wrong password; a MAC that cannot even be
 * computed (unknown algorithm) is a file we cannot read. */
static gboolean
check_mac (PKCS12      *p12,
           const char  *password,
           const char **out_password,
           GError     **error)
{
  *out_password = password;

  if (!PKCS12_mac_present (p12))
    return TRUE;

  /* The file names its own iteration count: a hostile one would keep the
   * worker thread hashing for hours.  Real tools use 1 to a few hundred
   * thousand. */
  {
    const ASN1_INTEGER *iterations = NULL;
    long n = 1;

    PKCS12_get0_mac (NULL, NULL, NULL, &iterations, p12);
    if (iterations != NULL)
      n = ASN1_INTEGER_get (iterations);
    if (n < 1 || n > OB_PKCS12_MAX_ITERATIONS)
      {
        g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED,
                     "The PKCS#12 file asks for %ld key derivation rounds; at most %d "
                     "are accepted", n, OB_PKCS12_MAX_ITERATIONS);
        return FALSE;
      }
  }

  ERR_clear_error ();
  if (PKCS12_verify_mac (p12, password, -1))
    return TRUE;

  if (password[0] == '\0')
    {
      if (PKCS12_verify_mac (p12, NULL, 0))
        {
          *out_password = NULL;
          return TRUE;
        }
    }

  if (ERR_peek_error () != 0)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_MALFORMED,
                         "The PKCS#12 file’s integrity check cannot be computed");
      return FALSE;
    }

  g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_WRONG_PASSWORD,
                       "The password of the PKCS#12 file is wrong");
  return FALSE;
}

/* The iteration count of one password-based encryption: PBES2 with
 * PBKDF2 (what current tools write) or the PKCS#12 / PKCS#5 v1 schemes.
 * Like the MAC's, it is capped before anything is derived.  A PBES2 key
 * derivation other than PBKDF2 (scrypt) is refused: no provisioning tool
 * writes one, and its cost parameters are another way to stall us. */
static gboolean
check_pbe_algorithm (const X509_ALGOR  *alg,
                     const char        *what,
                     GError           **error)
{
  const ASN1_OBJECT *object = NULL;
  int ptype = 0;
  const void *pval = NULL;
  long n = -1;

  if (alg == NULL)
    return TRUE;

  X509_ALGOR_get0 (&object, &ptype, &pval, alg);

  if (OBJ_obj2nid (object) == NID_pbes2)
    {
      PBE2PARAM *pbe2 = NULL;
      PBKDF2PARAM *kdf = NULL;

      if (ptype == V_ASN1_SEQUENCE)
        pbe2 = ASN1_TYPE_unpack_sequence (ASN1_ITEM_rptr (PBE2PARAM), alg->parameter);

      if (pbe2 != NULL && pbe2->keyfunc != NULL
          && OBJ_obj2nid (pbe2->keyfunc->algorithm) == NID_id_pbkdf2
          && pbe2->keyfunc->parameter != NULL
          && pbe2->keyfunc->parameter->type == V_ASN1_SEQUENCE)
        kdf = ASN1_TYPE_unpack_sequence (ASN1_ITEM_rptr (PBKDF2PARAM), pbe2->keyfunc->parameter);

      if (kdf != NULL && kdf->iter != NULL)
        n = ASN1_INTEGER_get (kdf->iter);

      PBKDF2PARAM_free (kdf);
      PBE2PARAM_free (pbe2);
      ERR_clear_error ();

      if (n < 0)
        {
          g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED,
                       "The PKCS#12 file protects its %s with an unsupported key derivation",
                       what);
          return FALSE;
        }
    }
  else
    {
      PBEPARAM *pbe = NULL;

      if (ptype == V_ASN1_SEQUENCE)
        pbe = ASN1_TYPE_unpack_sequence (ASN1_ITEM_rptr (PBEPARAM), alg->parameter);
      if (pbe != NULL && pbe->iter != NULL)
        n = ASN1_INTEGER_get (pbe->iter);
      PBEPARAM_free (pbe);
      ERR_clear_error ();

      /* Not a PBE OpenSSL knows: it derives nothing, and the parser
       * reports the file as unreadable. */
      if (n < 0)
        return TRUE;
    }

  if (n < 1 || n > OB_PKCS12_MAX_ITERATIONS)
    {
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED,
                   "The PKCS#12 file asks for %ld key derivation rounds for its %s; at most %d "
                   "are accepted", n, what, OB_PKCS12_MAX_ITERATIONS);
      return FALSE;
    }

  return TRUE;
}

#define OB_PKCS12_MAX_BAG_DEPTH 4

static gboolean
check_bags (const STACK_OF(PKCS12_SAFEBAG)  *bags,
            guint                            depth,
            GError                         **error)
{
  if (depth > OB_PKCS12_MAX_BAG_DEPTH)
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED,
                           "The PKCS#12 file nests its contents too deeply");
      return FALSE;
    }

  for (int i = 0; i < sk_PKCS12_SAFEBAG_num (bags); i++)
    {
      const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value (bags, i);

      switch (PKCS12_SAFEBAG_get_nid (bag))
        {
        case NID_pkcs8ShroudedKeyBag:
          {
            const X509_ALGOR *alg = NULL;

            X509_SIG_get0 (PKCS12_SAFEBAG_get0_pkcs8 (bag), &alg, NULL);
            if (!check_pbe_algorithm (alg, "private key", error))
              return FALSE;
          }
          break;

        case NID_safeContentsBag:
          if (!check_bags (PKCS12_SAFEBAG_get0_safes (bag), depth + 1, error))
            return FALSE;
          break;

        default:
          break;
        }
    }

  return TRUE;
}

/* Every encryption in the file names its own iteration count, as the MAC
 * does: the certificate bags' and each shrouded key's are capped too,
 * before PKCS12_parse derives any key.  An encrypted part is opened here
 * (at a capped cost) to see the key bags inside it. */
static gboolean
check_bag_iterations (PKCS12      *p12,
                      const char  *password,
                      GError     **error)
{
  STACK_OF(PKCS7) *safes;
  gboolean ok = TRUE;

  ERR_clear_error ();
  safes = PKCS12_unpack_authsafes (p12);
  if (safes == NULL)
    {
      /* Unreadable: PKCS12_parse says so. */
      ERR_clear_error ();
      return TRUE;
    }

  for (int i = 0; ok && i < sk_PKCS7_num (safes); i++)
    {
      PKCS7 *p7 = sk_PKCS7_value (safes, i);
      STACK_OF(PKCS12_SAFEBAG) *bags = NULL;

      switch (OBJ_obj2nid (p7->type))
        {
        case NID_pkcs7_data:
          bags = PKCS12_unpack_p7data (p7);
          break;

        case NID_pkcs7_encrypted:
          if (p7->d.encrypted == NULL || p7->d.encrypted->enc_data == NULL)
            break;
          ok = check_pbe_algorithm (p7->d.encrypted->enc_data->algorithm, "certificates", error);
          if (!ok)
            break;
          bags = PKCS12_unpack_p7encdata (p7, password, password != NULL ? -1 : 0);
          if (bags == NULL && ensure_legacy_provider ())
            {
              ERR_clear_error ();
              bags = PKCS12_unpack_p7encdata (p7, password, password != NULL ? -1 : 0);
            }
          break;

        default:
          break;
        }

      if (ok && bags != NULL)
        ok = check_bags (bags, 0, error);

      sk_PKCS12_SAFEBAG_pop_free (bags, PKCS12_SAFEBAG_free);
    }

  sk_PKCS7_pop_free (safes, PKCS7_free);
  ERR_clear_error ();

  return ok;
}

static gboolean
parse_pkcs12 (PKCS12           *p12,
              const char       *password,
              gboolean          has_mac,
              EVP_PKEY        **out_key,
              GPtrArray        *out_certs,
              GError          **error)
{
  STACK_OF(X509) *extra = NULL;
  X509 *cert = NULL;
  unsigned long err;
  gboolean parsed;

  ERR_clear_error ();
  parsed = PKCS12_parse (p12, password, out_key, &cert, &extra) == 1;

  if (!parsed && ensure_legacy_provider ())
    {
      ERR_clear_error ();
      parsed = PKCS12_parse (p12, password, out_key, &cert, &extra) == 1;
    }

  if (!parsed)
    {
      /* Without a MAC, a wrong password shows up only as garbage after
       * decryption. */
      err = ERR_peek_last_error ();
      if (!has_mac && ERR_GET_REASON (err) == PKCS12_R_PKCS12_CIPHERFINAL_ERROR)
        {
          ERR_clear_error ();
          g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_WRONG_PASSWORD,
                               "The password of the PKCS#12 file is wrong");
        }
      else
        {
          _ob_tls_set_error (error, OB_TLS_ERROR_MALFORMED, "Could not read the PKCS#12 file");
        }
      return FALSE;
    }

  if (cert != NULL)
    g_ptr_array_add (out_certs, cert);

  while (extra != NULL && sk_X509_num (extra) > 0)
    {
      X509 *candidate = sk_X509_shift (extra);
      gboolean duplicate = FALSE;

      for (guint i = 0; i < out_certs->len && !duplicate; i++)
        duplicate = X509_cmp (g_ptr_array_index (out_certs, i), candidate) == 0;

      if (duplicate)
        X509_free (candidate);
      else
        g_ptr_array_add (out_certs, candidate);
    }

  sk_X509_free (extra);

  return TRUE;
}

static gboolean
issued_another (GPtrArray *certs,
                X509      *cert)
{
  for (guint i = 0; i < certs->len; i++)
    {
      X509 *other = g_ptr_array_index (certs, i);

      if (other != cert && _ob_tls_x509_is_issued_by (other, cert))
        return TRUE;
    }

  return FALSE;
}

static gboolean
key_matches (X509     *cert,
             EVP_PKEY *key)
{
  gboolean result = X509_check_private_key (cert, key) == 1;

  ERR_clear_error ();

  return result;
}

/* The leaf is the bottom of the tree: a certificate that issued none of the
 * others.  With several bottoms (unrelated certificates in the file) the
 * key decides which one. */
static X509 *
find_leaf (GPtrArray  *certs,
           EVP_PKEY   *key,
           GError    **error)
{
  X509 *only_bottom = NULL;
  guint n_bottoms = 0;

  for (guint i = 0; i < certs->len; i++)
    {
      X509 *cert = g_ptr_array_index (certs, i);

      if (issued_another (certs, cert))
        continue;

      n_bottoms++;
      only_bottom = cert;

      if (key_matches (cert, key))
        return cert;
    }

  if (n_bottoms == 1)
    {
      g_autofree char *subject = _ob_tls_x509_name_to_string (X509_get_subject_name (only_bottom));

      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_KEY_MISMATCH,
                   "The private key does not belong to the leaf certificate “%s”", subject);
    }
  else
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_KEY_MISMATCH,
                           "The private key does not belong to any leaf certificate in the file");
    }

  return NULL;
}

/* Orders @certs from @leaf up to a self-signed root, following issuer
 * links that are confirmed by signatures, never by file order. */
static GPtrArray *
build_chain (GPtrArray  *certs,
             X509       *leaf,
             GError    **error)
{
  g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  X509 *current = leaf;

  X509_up_ref (leaf);
  g_ptr_array_add (chain, leaf);

  while (!_ob_tls_x509_is_self_signed (current))
    {
      X509 *issuer = NULL;

      for (guint i = 0; i < certs->len && issuer == NULL; i++)
        {
          X509 *candidate = g_ptr_array_index (certs, i);

          if (!g_ptr_array_find (chain, candidate, NULL) &&
              _ob_tls_x509_is_issued_by (current, candidate))
            issuer = candidate;
        }

      if (issuer == NULL)
        {
          g_autofree char *subject = _ob_tls_x509_name_to_string (X509_get_subject_name (current));
          g_autofree char *missing = _ob_tls_x509_name_to_string (X509_get_issuer_name (current));

          g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_INCOMPLETE_CHAIN,
                       "The chain stops at “%s”: its issuer “%s” is not in the file, "
                       "so no root certificate can be reached",
                       subject, missing);
          return NULL;
        }

      X509_up_ref (issuer);
      g_ptr_array_add (chain, issuer);
      current = issuer;
    }

  return g_steal_pointer (&chain);
}

static char *
format_date (const ASN1_TIME *time)
{
  g_autoptr(GDateTime) date = _ob_tls_asn1_time_to_date_time (time);

  if (date == NULL)
    return g_strdup ("an unreadable date");

  return g_date_time_format (date, "%Y-%m-%d %H:%M:%S UTC");
}

static gboolean
check_validity (GPtrArray  *chain,
                GError    **error)
{
  for (guint i = 0; i < chain->len; i++)
    {
      X509 *cert = g_ptr_array_index (chain, i);
      const ASN1_TIME *not_before = X509_get0_notBefore (cert);
      const ASN1_TIME *not_after = X509_get0_notAfter (cert);
      g_autofree char *subject = NULL;
      g_autofree char *when = NULL;

      /* X509_cmp_current_time: -1 past, 1 future, 0 unreadable. */
      if (X509_cmp_current_time (not_after) > 0 && X509_cmp_current_time (not_before) < 0)
        continue;

      ERR_clear_error ();
      subject = _ob_tls_x509_name_to_string (X509_get_subject_name (cert));

      if (X509_cmp_current_time (not_after) <= 0)
        {
          when = format_date (not_after);
          g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_EXPIRED,
                       "The certificate “%s” expired on %s", subject, when);
        }
      else
        {
          when = format_date (not_before);
          g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_NOT_YET_VALID,
                       "The certificate “%s” is not valid before %s", subject, when);
        }

      ERR_clear_error ();
      return FALSE;
    }

  return TRUE;
}

ObCertChain *
ob_cert_chain_new_from_pkcs12 (GBytes      *pfx,
                               const char  *password,
                               GError     **error)
{
  g_autoptr(ObCertChain) self = NULL;
  g_autoptr(PKCS12) p12 = NULL;
  g_autoptr(EVP_PKEY) key = NULL;
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  const char *parse_password = NULL;
  const unsigned char *p;
  gsize len;
  X509 *leaf;

  g_return_val_if_fail (pfx != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (password == NULL)
    password = "";

  p = g_bytes_get_data (pfx, &len);
  if (len > 0 && len <= G_MAXLONG)
    p12 = d2i_PKCS12 (NULL, &p, (long) len);

  if (p12 == NULL)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_MALFORMED, "The data is not a PKCS#12 file");
      return NULL;
    }

  if (!check_mac (p12, password, &parse_password, error))
    return NULL;

  if (!check_bag_iterations (p12, parse_password, error))
    return NULL;

  certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  if (!parse_pkcs12 (p12, parse_password, PKCS12_mac_present (p12), &key, certs, error))
    return NULL;

  if (certs->len == 0)
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED,
                           "The PKCS#12 file holds no certificate");
      return NULL;
    }

  if (key == NULL)
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_MISSING_KEY,
                           "The PKCS#12 file holds no private key");
      return NULL;
    }

  leaf = find_leaf (certs, key, error);
  if (leaf == NULL)
    return NULL;

  chain = build_chain (certs, leaf, error);
  if (chain == NULL)
    return NULL;

  if (!check_validity (chain, error))
    return NULL;

  self = g_object_new (OB_TYPE_CERT_CHAIN, NULL);
  g_clear_pointer (&self->certs, g_ptr_array_unref);
  self->certs = g_steal_pointer (&chain);
  self->key = g_steal_pointer (&key);
  self->leaf_common_name = _ob_tls_x509_dup_common_name (leaf);

  for (guint i = 0; i < self->certs->len; i++)
    {
      X509 *cert = g_ptr_array_index (self->certs, i);
      g_autoptr(GDateTime) not_after = _ob_tls_asn1_time_to_date_time (X509_get0_notAfter (cert));

      if (not_after != NULL &&
          (self->earliest_expiry == NULL ||
           g_date_time_compare (not_after, self->earliest_expiry) < 0))
        {
          g_clear_pointer (&self->earliest_expiry, g_date_time_unref);
          self->earliest_expiry = g_steal_pointer (&not_after);
        }
    }

  return g_steal_pointer (&self);
}

guint
ob_cert_chain_get_n_certificates (ObCertChain *self)
{
  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), 0);

  return self->certs->len;
}

static X509 *
get_cert (ObCertChain *self,
          guint        index)
{
  if (index >= self->certs->len)
    return NULL;

  return g_ptr_array_index (self->certs, index);
}

GBytes *
ob_cert_chain_dup_certificate_der (ObCertChain *self,
                                   guint        index)
{
  X509 *cert;

  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);

  cert = get_cert (self, index);
  g_return_val_if_fail (cert != NULL, NULL);

  return _ob_tls_x509_to_der (cert);
}

char *
ob_cert_chain_dup_certificate_pem (ObCertChain *self,
                                   guint        index)
{
  X509 *cert;

  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);

  cert = get_cert (self, index);
  g_return_val_if_fail (cert != NULL, NULL);

  return _ob_tls_x509_to_pem (cert);
}

char *
ob_cert_chain_dup_certificate_base64 (ObCertChain *self,
                                      guint        index)
{
  g_autoptr(GBytes) der = ob_cert_chain_dup_certificate_der (self, index);
  const guint8 *data;
  gsize len;

  if (der == NULL)
    return NULL;

  data = g_bytes_get_data (der, &len);

  return g_base64_encode (data, len);
}

char *
ob_cert_chain_dup_subject_cn (ObCertChain *self,
                              guint        index)
{
  X509 *cert;

  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);

  cert = get_cert (self, index);
  g_return_val_if_fail (cert != NULL, NULL);

  return _ob_tls_x509_dup_common_name (cert);
}

GDateTime *
ob_cert_chain_dup_not_after (ObCertChain *self,
                             guint        index)
{
  X509 *cert;

  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);

  cert = get_cert (self, index);
  g_return_val_if_fail (cert != NULL, NULL);

  return _ob_tls_asn1_time_to_date_time (X509_get0_notAfter (cert));
}

char *
ob_cert_chain_dup_pem (ObCertChain *self)
{
  GString *out;

  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);

  out = g_string_new (NULL);

  for (guint i = 0; i < self->certs->len; i++)
    {
      g_autofree char *pem = _ob_tls_x509_to_pem (g_ptr_array_index (self->certs, i));

      if (pem != NULL)
        g_string_append (out, pem);
    }

  return g_string_free (out, FALSE);
}

const char *
ob_cert_chain_get_leaf_common_name (ObCertChain *self)
{
  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);

  return self->leaf_common_name;
}

GDateTime *
ob_cert_chain_dup_earliest_expiry (ObCertChain *self)
{
  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);

  return self->earliest_expiry != NULL ? g_date_time_ref (self->earliest_expiry) : NULL;
}

char *
ob_cert_chain_dup_root_fingerprint (ObCertChain     *self,
                                    ObHashAlgorithm  algorithm)
{
  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);

  return _ob_tls_x509_fingerprint (g_ptr_array_index (self->certs, self->certs->len - 1),
                                   algorithm);
}

gboolean
ob_cert_chain_matches_domain_suffix (ObCertChain *self,
                                     const char  *domain_suffix)
{
  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), FALSE);

  return ob_crypto_domain_suffix_matches (self->leaf_common_name, domain_suffix);
}

gboolean
ob_cert_chain_leaf_has_provisioning_eku (ObCertChain *self)
{
  EXTENDED_KEY_USAGE *usages;
  ASN1_OBJECT *wanted;
  gboolean found = FALSE;

  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), FALSE);

  usages = X509_get_ext_d2i (g_ptr_array_index (self->certs, 0), NID_ext_key_usage, NULL, NULL);
  wanted = OBJ_txt2obj (OB_AMT_PROVISIONING_EKU_OID, 1);

  for (int i = 0; usages != NULL && wanted != NULL && i < sk_ASN1_OBJECT_num (usages); i++)
    found = found || OBJ_cmp (sk_ASN1_OBJECT_value (usages, i), wanted) == 0;

  EXTENDED_KEY_USAGE_free (usages);
  ASN1_OBJECT_free (wanted);
  ERR_clear_error ();

  return found;
}

GBytes *
ob_cert_chain_sign_rsa_sha256 (ObCertChain  *self,
                               GBytes       *data,
                               GError      **error)
{
  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _ob_tls_sign_rsa_sha256 (self->key, data, error);
}

GBytes *
ob_cert_chain_dup_private_key_pem (ObCertChain  *self,
                                   GError      **error)
{
  g_return_val_if_fail (OB_IS_CERT_CHAIN (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _ob_tls_private_key_to_pem (self->key, error);
}
