/* ob-crypto.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "ob-util.h"

#include "ob-crypto.h"
#include "ob-crypto-private.h"

/* Keys below this size are refused for anything we issue or reuse. */
#define MIN_RSA_BITS 2048

static const EVP_MD *
hash_algorithm_to_md (ObHashAlgorithm algorithm)
{
  switch (algorithm)
    {
    case OB_HASH_ALGORITHM_SHA1:
      return EVP_sha1 ();
    case OB_HASH_ALGORITHM_SHA256:
      return EVP_sha256 ();
    case OB_HASH_ALGORITHM_SHA384:
      return EVP_sha384 ();
    default:
      return NULL;
    }
}

/* Appends OpenSSL's own reason, when it has one, and empties the thread's
 * error queue so a stale entry never surfaces in a later, unrelated call. */
void
_ob_tls_set_error (GError     **error,
                   ObTlsError   code,
                   const char  *format,
                   ...)
{
  g_autofree char *message = NULL;
  unsigned long err;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  err = ERR_peek_last_error ();
  ERR_clear_error ();

  if (err != 0 && ERR_reason_error_string (err) != NULL)
    g_set_error (error, OB_TLS_ERROR, code, "%s (%s)", message, ERR_reason_error_string (err));
  else
    g_set_error_literal (error, OB_TLS_ERROR, code, message);
}

typedef struct
{
  gsize  len;
  guint8 data[];
} SecretBuffer;

static void
secret_buffer_free (gpointer data)
{
  SecretBuffer *buffer = data;

  ob_secure_clear (buffer->data, buffer->len);
  g_free (buffer);
}

/* GBytes whose memory is wiped when the last reference goes. */
GBytes *
_ob_tls_bytes_new_secret (const void *data,
                          gsize       len)
{
  SecretBuffer *buffer = g_malloc (sizeof (SecretBuffer) + len);

  buffer->len = len;
  if (len > 0)
    memcpy (buffer->data, data, len);

  return g_bytes_new_with_free_func (buffer->data, len, secret_buffer_free, buffer);
}

/* Never prompt on a terminal for a passphrase: an encrypted PEM is refused. */
static int
no_password_cb (char *buf,
                int   size,
                int   rwflag,
                void *user_data)
{
  return -1;
}

static gboolean
looks_like_pem (const guint8 *data,
                gsize         len)
{
  static const char marker[] = "-----BEGIN ";
  gsize i = 0;

  while (i < len && g_ascii_isspace (data[i]))
    i++;

  return len - i >= strlen (marker) && memcmp (data + i, marker, strlen (marker)) == 0;
}

static BIO *
mem_bio_for (const void *data,
             gsize       len)
{
  if (len > G_MAXINT)
    return NULL;

  return BIO_new_mem_buf (data, (int) len);
}

EVP_PKEY *
_ob_tls_load_private_key (GBytes  *pem_or_der,
                          GError **error)
{
  const guint8 *data;
  gsize len;
  EVP_PKEY *pkey = NULL;

  g_return_val_if_fail (pem_or_der != NULL, NULL);

  data = g_bytes_get_data (pem_or_der, &len);

  if (len == 0)
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED, "The private key is empty");
      return NULL;
    }

  if (looks_like_pem (data, len))
    {
      g_autoptr(BIO) bio = mem_bio_for (data, len);

      if (bio != NULL)
        pkey = PEM_read_bio_PrivateKey (bio, NULL, no_password_cb, NULL);
    }
  else if (len <= G_MAXLONG)
    {
      const unsigned char *p = data;

      pkey = d2i_AutoPrivateKey (NULL, &p, (long) len);
    }

  if (pkey == NULL)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_MALFORMED, "Could not read the private key");
      return NULL;
    }

  return pkey;
}

EVP_PKEY *
_ob_tls_load_public_key (GBytes  *pem_or_der,
                         GError **error)
{
  const guint8 *data;
  gsize len;
  EVP_PKEY *pkey = NULL;

  g_return_val_if_fail (pem_or_der != NULL, NULL);

  data = g_bytes_get_data (pem_or_der, &len);

  if (len > 0 && len <= G_MAXINT && looks_like_pem (data, len))
    {
      g_autoptr(BIO) cert_bio = mem_bio_for (data, len);
      g_autoptr(X509) cert = PEM_read_bio_X509 (cert_bio, NULL, no_password_cb, NULL);

      if (cert != NULL)
        {
          pkey = X509_get_pubkey (cert);
        }
      else
        {
          g_autoptr(BIO) key_bio = mem_bio_for (data, len);

          pkey = PEM_read_bio_PUBKEY (key_bio, NULL, no_password_cb, NULL);
        }
    }
  else if (len > 0 && len <= G_MAXLONG)
    {
      const unsigned char *p = data;
      g_autoptr(X509) cert = d2i_X509 (NULL, &p, (long) len);

      if (cert != NULL)
        {
          pkey = X509_get_pubkey (cert);
        }
      else
        {
          p = data;
          pkey = d2i_PUBKEY (NULL, &p, (long) len);
        }
    }

  if (pkey == NULL)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_MALFORMED,
                         "Could not read a certificate or public key");
      return NULL;
    }

  ERR_clear_error ();

  return pkey;
}

/* PKCS#8 PEM in memory that is wiped on free, both in OpenSSL's buffer
 * (a secure-memory BIO clears itself) and in the returned bytes. */
GBytes *
_ob_tls_private_key_to_pem (EVP_PKEY  *pkey,
                            GError   **error)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_secmem ());
  char *data = NULL;
  long len;

  if (bio == NULL ||
      !PEM_write_bio_PrivateKey (bio, pkey, NULL, NULL, 0, NULL, NULL))
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "Could not encode the private key");
      return NULL;
    }

  len = BIO_get_mem_data (bio, &data);
  if (len <= 0 || data == NULL)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "Could not encode the private key");
      return NULL;
    }

  return _ob_tls_bytes_new_secret (data, (gsize) len);
}

gboolean
_ob_tls_key_is_usable_rsa (EVP_PKEY *pkey)
{
  return pkey != NULL &&
         EVP_PKEY_is_a (pkey, "RSA") &&
         EVP_PKEY_get_bits (pkey) >= MIN_RSA_BITS;
}

X509 *
_ob_tls_x509_from_der (const guint8  *data,
                       gsize          len,
                       GError       **error)
{
  const unsigned char *p = data;
  X509 *cert = NULL;

  if (len > 0 && len <= G_MAXLONG)
    cert = d2i_X509 (NULL, &p, (long) len);

  if (cert == NULL)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_MALFORMED, "Could not read the certificate");
      return NULL;
    }

  return cert;
}

X509 *
_ob_tls_x509_from_pem (const char  *pem,
                       gsize        len,
                       GError     **error)
{
  g_autoptr(BIO) bio = NULL;
  X509 *cert = NULL;

  bio = mem_bio_for (pem, len);
  if (bio != NULL)
    cert = PEM_read_bio_X509 (bio, NULL, no_password_cb, NULL);

  if (cert == NULL)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_MALFORMED, "Could not read the certificate");
      return NULL;
    }

  return cert;
}

GBytes *
_ob_tls_x509_to_der (X509 *cert)
{
  unsigned char *der = NULL;
  GBytes *bytes;
  int len;

  len = i2d_X509 (cert, &der);
  if (len <= 0)
    {
      ERR_clear_error ();
      return NULL;
    }

  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);

  return bytes;
}

char *
_ob_tls_x509_to_pem (X509 *cert)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  if (bio == NULL || !PEM_write_bio_X509 (bio, cert))
    {
      ERR_clear_error ();
      return NULL;
    }

  len = BIO_get_mem_data (bio, &data);
  if (len <= 0 || data == NULL)
    return NULL;

  return g_strndup (data, (gsize) len);
}

/* The first CN, as the reference reads it; NULL when there is none or it
 * is not clean UTF-8 (an embedded NUL would make comparisons lie). */
char *
_ob_tls_x509_dup_common_name (X509 *cert)
{
  const X509_NAME *name = X509_get_subject_name (cert);
  const X509_NAME_ENTRY *entry;
  unsigned char *utf8 = NULL;
  char *result = NULL;
  int index;
  int len;

  index = X509_NAME_get_index_by_NID (name, NID_commonName, -1);
  if (index < 0)
    return NULL;

  entry = X509_NAME_get_entry (name, index);
  len = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (entry));
  if (len < 0)
    {
      ERR_clear_error ();
      return NULL;
    }

  if (memchr (utf8, '\0', (gsize) len) == NULL &&
      g_utf8_validate_len ((const char *) utf8, (gsize) len, NULL))
    result = g_strndup ((const char *) utf8, (gsize) len);

  OPENSSL_free (utf8);

  return result;
}

char *
_ob_tls_x509_fingerprint (X509            *cert,
                          ObHashAlgorithm  algorithm)
{
  g_autoptr(GBytes) der = _ob_tls_x509_to_der (cert);

  if (der == NULL)
    return NULL;

  return ob_crypto_fingerprint (der, algorithm);
}

/* TRUE when @cert's notAfter is less than @seconds from now (or unreadable). */
gboolean
_ob_tls_x509_expires_within (X509   *cert,
                             gint64  seconds)
{
  time_t limit = (time_t) (g_get_real_time () / G_USEC_PER_SEC + seconds);

  return X509_cmp_time (X509_get0_notAfter (cert), &limit) <= 0;
}

/* Self-issued and self-signed: names and key identifiers line up, and the
 * signature verifies with the certificate's own key. */
gboolean
_ob_tls_x509_is_self_signed (X509 *cert)
{
  gboolean result = X509_self_signed (cert, 1) == 1;

  ERR_clear_error ();

  return result;
}

/* @issuer's subject (and key identifier, when both carry one) matches
 * @cert's issuer, and @issuer's key verifies @cert's signature. */
gboolean
_ob_tls_x509_is_issued_by (X509 *cert,
                           X509 *issuer)
{
  EVP_PKEY *issuer_key;
  gboolean result = FALSE;

  if (X509_check_issued (issuer, cert) == X509_V_OK)
    {
      issuer_key = X509_get0_pubkey (issuer);
      result = issuer_key != NULL && X509_verify (cert, issuer_key) == 1;
    }

  ERR_clear_error ();

  return result;
}

/* RFC 2253 form ("CN=x,O=y") in UTF-8, for messages. */
char *
_ob_tls_x509_name_to_string (const X509_NAME *name)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  if (bio == NULL || X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    {
      ERR_clear_error ();
      return g_strdup ("?");
    }

  len = BIO_get_mem_data (bio, &data);
  if (len <= 0 || data == NULL)
    return g_strdup ("");

  return g_utf8_make_valid (data, (gssize) len);
}

GDateTime *
_ob_tls_asn1_time_to_date_time (const ASN1_TIME *time)
{
  struct tm tm = { 0 };

  if (time == NULL || !ASN1_TIME_to_tm (time, &tm))
    {
      ERR_clear_error ();
      return NULL;
    }

  return g_date_time_new_utc (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                              tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *
ob_crypto_fingerprint (GBytes          *der,
                       ObHashAlgorithm  algorithm)
{
  const EVP_MD *md = hash_algorithm_to_md (algorithm);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (der != NULL, NULL);
  g_return_val_if_fail (md != NULL, NULL);

  data = g_bytes_get_data (der, &len);

  if (!EVP_Digest (data, len, digest, &digest_len, md, NULL))
    {
      ERR_clear_error ();
      return NULL;
    }

  return ob_hex_encode (digest, digest_len, FALSE);
}

char *
ob_crypto_format_fingerprint (const char *hex)
{
  GString *out;
  gsize len;

  g_return_val_if_fail (hex != NULL, NULL);

  len = strlen (hex);
  out = g_string_sized_new (len + len / 2);

  for (gsize i = 0; i < len; i += 2)
    {
      if (i > 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (hex[i]));
      if (i + 1 < len)
        g_string_append_c (out, g_ascii_toupper (hex[i + 1]));
    }

  return g_string_free (out, FALSE);
}

char *
ob_crypto_fingerprint_display (GBytes          *der,
                               ObHashAlgorithm  algorithm)
{
  g_autofree char *hex = ob_crypto_fingerprint (der, algorithm);

  if (hex == NULL)
    return NULL;

  return ob_crypto_format_fingerprint (hex);
}

GBytes *
_ob_tls_sign_rsa_sha256 (EVP_PKEY  *pkey,
                         GBytes    *data,
                         GError   **error)
{
  g_autoptr(EVP_MD_CTX) ctx = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  g_autofree guint8 *signature = NULL;
  const guint8 *message;
  gsize message_len;
  size_t signature_len = 0;

  if (!EVP_PKEY_is_a (pkey, "RSA"))
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_UNSUPPORTED_KEY,
                           "The signing key is not an RSA key");
      return NULL;
    }

  message = g_bytes_get_data (data, &message_len);
  ctx = EVP_MD_CTX_new ();

  if (ctx == NULL ||
      EVP_DigestSignInit (ctx, &pctx, EVP_sha256 (), NULL, pkey) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PADDING) != 1 ||
      EVP_DigestSign (ctx, NULL, &signature_len, message, message_len) != 1)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "Could not sign");
      return NULL;
    }

  signature = g_malloc (signature_len);

  if (EVP_DigestSign (ctx, signature, &signature_len, message, message_len) != 1)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "Could not sign");
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&signature), signature_len);
}

GBytes *
ob_crypto_sign_rsa_sha256 (GBytes  *private_key,
                           GBytes  *data,
                           GError **error)
{
  g_autoptr(EVP_PKEY) pkey = NULL;

  g_return_val_if_fail (private_key != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  pkey = _ob_tls_load_private_key (private_key, error);
  if (pkey == NULL)
    return NULL;

  return _ob_tls_sign_rsa_sha256 (pkey, data, error);
}

gboolean
ob_crypto_verify_rsa_sha256 (GBytes  *key_or_certificate,
                             GBytes  *data,
                             GBytes  *signature,
                             GError **error)
{
  g_autoptr(EVP_PKEY) pkey = NULL;
  g_autoptr(EVP_MD_CTX) ctx = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  const guint8 *message;
  const guint8 *sig;
  gsize message_len;
  gsize sig_len;

  g_return_val_if_fail (key_or_certificate != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pkey = _ob_tls_load_public_key (key_or_certificate, error);
  if (pkey == NULL)
    return FALSE;

  if (!EVP_PKEY_is_a (pkey, "RSA"))
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_UNSUPPORTED_KEY,
                           "The verifying key is not an RSA key");
      return FALSE;
    }

  message = g_bytes_get_data (data, &message_len);
  sig = g_bytes_get_data (signature, &sig_len);
  ctx = EVP_MD_CTX_new ();

  if (ctx == NULL ||
      EVP_DigestVerifyInit (ctx, &pctx, EVP_sha256 (), NULL, pkey) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PADDING) != 1)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "Could not set up signature verification");
      return FALSE;
    }

  /* 0 is a wrong signature, a negative value a malformed one (wrong
   * length, bad padding); both mean "does not verify". */
  if (EVP_DigestVerify (ctx, sig, sig_len, message, message_len) != 1)
    {
      ERR_clear_error ();
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_BAD_SIGNATURE,
                           "The signature does not verify");
      return FALSE;
    }

  return TRUE;
}

GBytes *
ob_crypto_pem_to_der (const char  *pem,
                      gssize       length,
                      const char  *label,
                      GError     **error)
{
  g_autoptr(BIO) bio = NULL;
  gsize len;

  g_return_val_if_fail (pem != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = length < 0 ? strlen (pem) : (gsize) length;
  bio = mem_bio_for (pem, len);
  if (bio == NULL)
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED, "The PEM text is too large");
      return NULL;
    }

  for (;;)
    {
      char *name = NULL;
      char *header = NULL;
      unsigned char *data = NULL;
      long data_len = 0;
      GBytes *result = NULL;
      gboolean encrypted;
      gboolean wanted;

      if (!PEM_read_bio (bio, &name, &header, &data, &data_len))
        {
          ERR_clear_error ();
          if (label != NULL)
            g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED,
                         "No PEM block labelled “%s” was found", label);
          else
            g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED,
                                 "No PEM block was found");
          return NULL;
        }

      wanted = label == NULL || g_strcmp0 (name, label) == 0;
      encrypted = header != NULL && header[0] != '\0';

      if (wanted && !encrypted)
        result = _ob_tls_bytes_new_secret (data, (gsize) data_len);

      OPENSSL_clear_free (data, (size_t) data_len);
      OPENSSL_free (name);
      OPENSSL_free (header);

      if (result != NULL)
        return result;

      if (wanted && encrypted)
        {
          g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED,
                               "Encrypted PEM blocks are not supported");
          return NULL;
        }
    }
}

char *
ob_crypto_der_to_pem (GBytes     *der,
                      const char *label)
{
  g_autoptr(BIO) bio = NULL;
  const guint8 *data;
  char *out = NULL;
  gsize len;
  long out_len;

  g_return_val_if_fail (der != NULL, NULL);
  g_return_val_if_fail (label != NULL, NULL);

  data = g_bytes_get_data (der, &len);
  bio = BIO_new (BIO_s_secmem ());

  if (bio == NULL || len > G_MAXLONG ||
      !PEM_write_bio (bio, label, "", data, (long) len))
    {
      ERR_clear_error ();
      return NULL;
    }

  out_len = BIO_get_mem_data (bio, &out);
  if (out_len <= 0 || out == NULL)
    return NULL;

  return g_strndup (out, (gsize) out_len);
}

/* The last two labels of a DNS name ("*.amt.example.com" -> "example.com"),
 * fewer when the name has fewer; NULL for an empty name. */
static char *
dup_last_two_labels (const char *name)
{
  g_autofree char *copy = NULL;
  g_auto(GStrv) labels = NULL;
  gsize len;
  guint n;

  if (name == NULL)
    return NULL;

  copy = g_strdup (name);
  len = strlen (copy);
  if (len > 0 && copy[len - 1] == '.')
    copy[--len] = '\0';
  if (len == 0)
    return NULL;

  labels = g_strsplit (copy, ".", -1);
  n = g_strv_length (labels);
  if (n < 2)
    return g_strdup (labels[0]);

  return g_strjoin (".", labels[n - 2], labels[n - 1], NULL);
}

gboolean
ob_crypto_domain_suffix_matches (const char *common_name,
                                 const char *domain_suffix)
{
  g_autofree char *cn_tail = dup_last_two_labels (common_name);
  g_autofree char *suffix_tail = dup_last_two_labels (domain_suffix);

  if (cn_tail == NULL || suffix_tail == NULL)
    return FALSE;

  return g_ascii_strcasecmp (cn_tail, suffix_tail) == 0;
}
