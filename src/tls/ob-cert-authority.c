/* ob-cert-authority.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ob-util.h"

#include "ob-cert-authority-private.h"
#include "ob-crypto-private.h"

/* As the reference MPS: RSA 3072 and SHA-384 for both certificates (AMT
 * accepts SHA-256 and SHA-384 signatures).  A 3072-bit key takes about a
 * second to generate here, and only the first start pays for it. */
#define ROOT_KEY_BITS          3072
#define SERVER_KEY_BITS        3072
#define VALIDITY_YEARS         30
#define BACKDATE_SECONDS       (24 * 60 * 60)
#define RENEW_BEFORE_SECONDS   (30 * 24 * 60 * 60)
#define SERIAL_BITS            127
#define MAX_COMMON_NAME_LEN    64

struct _ObCertAuthority
{
  GObject        parent_instance;

  char          *data_dir;
  ObSecretStore *secrets;

  /* One ensure at a time touches the files and the keyring. */
  GMutex         ensure_lock;

  /* Guards the material below, which the main thread replaces when an
   * ensure completes and accessors may read from any thread, and the
   * newest requested name. */
  GMutex         state_lock;
  X509          *root;
  X509          *server;
  EVP_PKEY      *server_key;
  /* The ECDSA twin of the server certificate (same names, same root),
   * for clients that offer ECDSA: its key is made at every start and only
   * ever lives in memory. */
  X509          *server_ec;
  EVP_PKEY      *server_ec_key;
  char          *common_name;
  gboolean       ready;

  /* Workers may take ensure_lock in any order, so each one serves the
   * newest request (not necessarily its own), and ensure_done never lets
   * an older result replace a newer one. */
  char          *wanted_common_name;
  guint64        wanted_generation;
  guint64        applied_generation;
};

G_DEFINE_FINAL_TYPE (ObCertAuthority, ob_cert_authority, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DATA_DIR,
  PROP_SECRET_STORE,
  PROP_READY,
  PROP_COMMON_NAME,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_NAME, X509_NAME_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ASN1_INTEGER, ASN1_INTEGER_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GENERAL_NAMES, GENERAL_NAMES_free)

typedef struct
{
  char          *data_dir;
  ObSecretStore *secrets;
  char          *common_name;
  guint64        generation;
} EnsureData;

typedef struct
{
  X509     *root;
  X509     *server;
  EVP_PKEY *server_key;
  X509     *server_ec;
  EVP_PKEY *server_ec_key;
  char     *common_name;
  guint64   generation;
} Material;

static void
ensure_data_free (gpointer data)
{
  EnsureData *ensure = data;

  g_free (ensure->data_dir);
  g_clear_object (&ensure->secrets);
  g_free (ensure->common_name);
  g_free (ensure);
}

static void
material_free (gpointer data)
{
  Material *material = data;

  g_clear_pointer (&material->root, X509_free);
  g_clear_pointer (&material->server, X509_free);
  g_clear_pointer (&material->server_key, EVP_PKEY_free);
  g_clear_pointer (&material->server_ec, X509_free);
  g_clear_pointer (&material->server_ec_key, EVP_PKEY_free);
  g_free (material->common_name);
  g_free (material);
}

static gboolean
is_dns_name (const char *name)
{
  g_auto(GStrv) labels = g_strsplit (name, ".", -1);

  for (guint i = 0; labels[i] != NULL; i++)
    {
      const char *label = labels[i];
      gsize len = strlen (label);

      if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
        return FALSE;

      for (gsize j = 0; j < len; j++)
        {
          if (!g_ascii_isalnum (label[j]) && label[j] != '-' && label[j] != '_')
            return FALSE;
        }
    }

  return TRUE;
}

static GInetAddress *
parse_ip_address (const char *name)
{
  if (!g_hostname_is_ip_address (name))
    return NULL;

  return g_inet_address_new_from_string (name);
}

/* Names and addresses AMT can be told to call: an IP address, or an ASCII
 * DNS name (the firmware compares the CN byte for byte). */
static gboolean
validate_common_name (const char  *common_name,
                      GError     **error)
{
  g_autoptr(GInetAddress) address = NULL;

  if (common_name == NULL || common_name[0] == '\0')
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_INVALID_NAME,
                           "The server name is empty");
      return FALSE;
    }

  if (strlen (common_name) > MAX_COMMON_NAME_LEN)
    {
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_INVALID_NAME,
                   "The server name is longer than %d characters", MAX_COMMON_NAME_LEN);
      return FALSE;
    }

  address = parse_ip_address (common_name);
  if (address == NULL && !is_dns_name (common_name))
    {
      g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_INVALID_NAME,
                   "“%s” is neither a host name nor an IP address", common_name);
      return FALSE;
    }

  return TRUE;
}

static EVP_PKEY *
generate_rsa_key (guint    bits,
                  GError **error)
{
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) bits);

  if (pkey == NULL)
    _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "Could not generate an RSA key");

  return pkey;
}

/* Looks a key up.  FALSE only when the keyring itself failed; a key that is
 * absent or unusable comes back as TRUE with *out_key NULL. */
static gboolean
lookup_key (ObSecretStore  *secrets,
            const char     *key_id,
            EVP_PKEY      **out_key,
            GCancellable   *cancellable,
            GError        **error)
{
  g_autoptr(GBytes) value = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(EVP_PKEY) pkey = NULL;

  *out_key = NULL;

  value = ob_secret_store_lookup_sync (secrets, OB_SECRET_OWNER_CA, key_id,
                                       OB_SECRET_KIND_PRIVATE_KEY, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Could not read the %s key from the keyring: ", key_id);
      return FALSE;
    }

  if (value == NULL)
    return TRUE;

  pkey = _ob_tls_load_private_key (value, &local_error);
  if (pkey == NULL)
    {
      g_message ("The stored %s key cannot be read (%s); a new one will be generated",
                 key_id, local_error->message);
      return TRUE;
    }

  if (!_ob_tls_key_is_usable_rsa (pkey))
    {
      g_message ("The stored %s key is not an RSA key of at least 2048 bits; "
                 "a new one will be generated", key_id);
      return TRUE;
    }

  *out_key = g_steal_pointer (&pkey);
  return TRUE;
}

static gboolean
store_key (ObSecretStore  *secrets,
           const char     *key_id,
           EVP_PKEY       *pkey,
           GCancellable   *cancellable,
           GError        **error)
{
  g_autoptr(GBytes) pem = _ob_tls_private_key_to_pem (pkey, error);

  if (pem == NULL)
    return FALSE;

  return ob_secret_store_store_sync (secrets, OB_SECRET_OWNER_CA, key_id,
                                     OB_SECRET_KIND_PRIVATE_KEY, pem, cancellable, error);
}

/* A missing or unreadable certificate file is not an error: the caller
 * issues a new certificate. */
static X509 *
read_cert_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  X509 *cert;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_message ("Cannot read %s (%s); it will be replaced", path, error->message);
      return NULL;
    }

  cert = _ob_tls_x509_from_pem (contents, len, &error);
  if (cert == NULL)
    g_message ("%s is not a certificate (%s); it will be replaced", path, error->message);

  return cert;
}

static gboolean
write_cert_file (const char  *path,
                 X509        *cert,
                 GError     **error)
{
  g_autofree char *pem = _ob_tls_x509_to_pem (cert);

  if (pem == NULL)
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED,
                           "Could not encode the certificate");
      return FALSE;
    }

  return g_file_set_contents_full (path, pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static gboolean
key_matches (X509     *cert,
             EVP_PKEY *pkey)
{
  gboolean result = X509_check_private_key (cert, pkey) == 1;

  ERR_clear_error ();

  return result;
}

static gboolean
is_valid_now_and_later (X509 *cert)
{
  gboolean started = X509_cmp_current_time (X509_get0_notBefore (cert)) < 0;

  ERR_clear_error ();

  return started && !_ob_tls_x509_expires_within (cert, RENEW_BEFORE_SECONDS);
}

static gboolean
add_extension (X509       *cert,
               X509V3_CTX *ctx,
               int         nid,
               const char *value)
{
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid (NULL, ctx, nid, value);
  gboolean ok;

  if (ext == NULL)
    return FALSE;

  ok = X509_add_ext (cert, ext, -1) == 1;
  X509_EXTENSION_free (ext);

  return ok;
}

/* A v3 certificate for @subject_key with a random positive serial and a
 * validity window from a day ago (clock skew on the device) to 30 years
 * ahead; the caller adds names and extensions. */
static X509 *
new_certificate (EVP_PKEY *subject_key)
{
  g_autoptr(X509) cert = X509_new ();
  g_autoptr(BIGNUM) serial_bn = BN_new ();
  g_autoptr(ASN1_INTEGER) serial = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) end = g_date_time_add_years (now, VALIDITY_YEARS);

  if (cert == NULL || serial_bn == NULL)
    return NULL;

  if (!BN_rand (serial_bn, SERIAL_BITS, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY))
    return NULL;

  serial = BN_to_ASN1_INTEGER (serial_bn, NULL);

  if (serial == NULL ||
      !X509_set_version (cert, X509_VERSION_3) ||
      !X509_set_serialNumber (cert, serial) ||
      !X509_gmtime_adj (X509_getm_notBefore (cert), -BACKDATE_SECONDS) ||
      !ASN1_TIME_set (X509_getm_notAfter (cert), (time_t) g_date_time_to_unix (end)) ||
      !X509_set_pubkey (cert, subject_key))
    return NULL;

  return g_steal_pointer (&cert);
}

/* CN=MPSRoot-<6 hex>, O=unknown, C=unknown, as the reference names it; the
 * hex is the start of the SHA-1 of the public key (which is also the
 * subject key identifier).  "unknown" is longer than a country code may
 * be, so C is written as a raw PrintableString, which OpenSSL's string
 * table would otherwise refuse. */
static gboolean
fill_root (X509     *cert,
           EVP_PKEY *key)
{
  g_autoptr(X509_NAME) name = X509_NAME_new ();
  g_autofree char *key_hex = NULL;
  g_autofree char *cn = NULL;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  X509V3_CTX ctx;

  if (name == NULL || !X509_pubkey_digest (cert, EVP_sha1 (), digest, &digest_len))
    return FALSE;

  key_hex = ob_hex_encode (digest, digest_len, FALSE);
  cn = g_strdup_printf ("MPSRoot-%.6s", key_hex);

  if (!X509_NAME_add_entry_by_NID (name, NID_commonName, MBSTRING_UTF8,
                                   (const unsigned char *) cn, -1, -1, 0) ||
      !X509_NAME_add_entry_by_NID (name, NID_organizationName, MBSTRING_UTF8,
                                   (const unsigned char *) "unknown", -1, -1, 0) ||
      !X509_NAME_add_entry_by_NID (name, NID_countryName, V_ASN1_PRINTABLESTRING,
                                   (const unsigned char *) "unknown", -1, -1, 0) ||
      !X509_set_subject_name (cert, name) ||
      !X509_set_issuer_name (cert, name))
    return FALSE;

  X509V3_set_ctx (&ctx, cert, cert, NULL, NULL, 0);

  return add_extension (cert, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
         add_extension (cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         add_extension (cert, &ctx, NID_subject_key_identifier, "hash") &&
         X509_sign (cert, key, EVP_sha384 ()) > 0;
}

/* A self-signed CA certificate for @key, signed with SHA-384. */
static X509 *
issue_root (EVP_PKEY  *key,
            GError   **error)
{
  g_autoptr(X509) cert = new_certificate (key);

  if (cert == NULL || !fill_root (cert, key))
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "Could not issue the root certificate");
      return NULL;
    }

  return g_steal_pointer (&cert);
}

/* One subjectAltName that repeats the CN: an iPAddress for an address, a
 * dNSName otherwise.  AMT matches on the CN; TLS libraries that verify a
 * host name look at the SAN. */
static GENERAL_NAMES *
subject_alt_names_for (const char *common_name)
{
  g_autoptr(GENERAL_NAMES) names = sk_GENERAL_NAME_new_null ();
  g_autoptr(GInetAddress) address = NULL;
  GENERAL_NAME *name = GENERAL_NAME_new ();

  if (names == NULL || name == NULL)
    {
      GENERAL_NAME_free (name);
      return NULL;
    }

  address = parse_ip_address (common_name);
  if (address != NULL)
    {
      ASN1_OCTET_STRING *ip = ASN1_OCTET_STRING_new ();

      if (ip == NULL ||
          !ASN1_OCTET_STRING_set (ip, g_inet_address_to_bytes (address),
                                  (int) g_inet_address_get_native_size (address)))
        {
          ASN1_OCTET_STRING_free (ip);
          GENERAL_NAME_free (name);
          return NULL;
        }
      GENERAL_NAME_set0_value (name, GEN_IPADD, ip);
    }
  else
    {
      ASN1_IA5STRING *dns = ASN1_IA5STRING_new ();

      if (dns == NULL || !ASN1_STRING_set (dns, common_name, -1))
        {
          ASN1_IA5STRING_free (dns);
          GENERAL_NAME_free (name);
          return NULL;
        }
      GENERAL_NAME_set0_value (name, GEN_DNS, dns);
    }

  if (!sk_GENERAL_NAME_push (names, name))
    {
      GENERAL_NAME_free (name);
      return NULL;
    }

  return g_steal_pointer (&names);
}

static gboolean
fill_server (X509       *cert,
             const char *common_name,
             X509       *root,
             EVP_PKEY   *root_key)
{
  /* An ECDSA key signs; only an RSA key also enciphers (RSA key exchange,
   * which legacy TLS may choose). */
  const char *key_usage = EVP_PKEY_is_a (X509_get0_pubkey (cert), "EC")
                          ? "critical,digitalSignature"
                          : "critical,digitalSignature,keyEncipherment";
  g_autoptr(X509_NAME) name = X509_NAME_new ();
  g_autoptr(GENERAL_NAMES) alt_names = subject_alt_names_for (common_name);
  X509V3_CTX ctx;

  if (name == NULL || alt_names == NULL ||
      !X509_NAME_add_entry_by_NID (name, NID_commonName, MBSTRING_UTF8,
                                   (const unsigned char *) common_name, -1, -1, 0) ||
      !X509_set_subject_name (cert, name) ||
      !X509_set_issuer_name (cert, X509_get_subject_name (root)))
    return FALSE;

  X509V3_set_ctx (&ctx, root, cert, NULL, NULL, 0);

  return add_extension (cert, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
         add_extension (cert, &ctx, NID_key_usage, key_usage) &&
         add_extension (cert, &ctx, NID_ext_key_usage, "serverAuth") &&
         add_extension (cert, &ctx, NID_subject_key_identifier, "hash") &&
         add_extension (cert, &ctx, NID_authority_key_identifier, "keyid:always") &&
         X509_add1_ext_i2d (cert, NID_subject_alt_name, alt_names, 0, X509V3_ADD_DEFAULT) == 1 &&
         X509_sign (cert, root_key, EVP_sha384 ()) > 0;
}

static X509 *
issue_server (EVP_PKEY    *key,
              const char  *common_name,
              X509        *root,
              EVP_PKEY    *root_key,
              GError     **error)
{
  g_autoptr(X509) cert = new_certificate (key);

  if (cert == NULL || !fill_server (cert, common_name, root, root_key))
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "Could not issue the server certificate");
      return NULL;
    }

  return g_steal_pointer (&cert);
}

static X509 *
load_or_create_root (EnsureData    *data,
                     EVP_PKEY     **out_key,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autofree char *path = g_build_filename (data->data_dir, OB_CERT_AUTHORITY_ROOT_FILE, NULL);
  g_autoptr(X509) cert = NULL;
  g_autoptr(EVP_PKEY) key = NULL;

  if (!lookup_key (data->secrets, OB_CERT_AUTHORITY_ROOT_KEY_ID, &key, cancellable, error))
    return NULL;

  cert = read_cert_file (path);

  if (key == NULL)
    {
      if (cert != NULL)
        g_message ("The root certificate has no key in the keyring; generating a new root");
      g_clear_pointer (&cert, X509_free);

      key = generate_rsa_key (ROOT_KEY_BITS, error);
      if (key == NULL)
        return NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      /* The key goes first: after a crash between the two writes, a key
       * without its certificate is repaired on the next start. */
      if (!store_key (data->secrets, OB_CERT_AUTHORITY_ROOT_KEY_ID, key, cancellable, error))
        return NULL;
    }
  else if (cert != NULL && !key_matches (cert, key))
    {
      g_message ("%s does not belong to the root key; re-issuing it", path);
      g_clear_pointer (&cert, X509_free);
    }
  else if (cert != NULL &&
           (!_ob_tls_x509_is_self_signed (cert) || X509_check_ca (cert) < 1 ||
            !is_valid_now_and_later (cert)))
    {
      g_message ("The root certificate is expiring or unusable; re-issuing it with the same key");
      g_clear_pointer (&cert, X509_free);
    }
  else if (cert == NULL)
    {
      g_message ("The root certificate is missing; re-issuing it from the stored key");
    }

  if (cert == NULL)
    {
      cert = issue_root (key, error);
      if (cert == NULL || !write_cert_file (path, cert, error))
        return NULL;
    }

  *out_key = g_steal_pointer (&key);
  return g_steal_pointer (&cert);
}

static X509 *
load_or_create_server (EnsureData    *data,
                       X509          *root,
                       EVP_PKEY      *root_key,
                       EVP_PKEY     **out_key,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autofree char *path = g_build_filename (data->data_dir, OB_CERT_AUTHORITY_SERVER_FILE, NULL);
  g_autoptr(X509) cert = NULL;
  g_autoptr(EVP_PKEY) key = NULL;

  if (!lookup_key (data->secrets, OB_CERT_AUTHORITY_SERVER_KEY_ID, &key, cancellable, error))
    return NULL;

  cert = read_cert_file (path);

  if (key == NULL)
    {
      g_clear_pointer (&cert, X509_free);

      key = generate_rsa_key (SERVER_KEY_BITS, error);
      if (key == NULL)
        return NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;

      if (!store_key (data->secrets, OB_CERT_AUTHORITY_SERVER_KEY_ID, key, cancellable, error))
        return NULL;
    }

  if (cert != NULL)
    {
      g_autofree char *cn = _ob_tls_x509_dup_common_name (cert);
      const char *reason = NULL;

      if (!key_matches (cert, key))
        reason = "it does not belong to the server key";
      else if (!_ob_tls_x509_is_issued_by (cert, root))
        reason = "it was not issued by the current root";
      else if (g_strcmp0 (cn, data->common_name) != 0)
        reason = "the server name changed";
      else if (!is_valid_now_and_later (cert))
        reason = "it expires within 30 days";

      if (reason != NULL)
        {
          g_debug ("Re-issuing the server certificate: %s", reason);
          g_clear_pointer (&cert, X509_free);
        }
    }

  /* The key is kept across re-issues: only the certificate changes when
   * the name does. */
  if (cert == NULL)
    {
      cert = issue_server (key, data->common_name, root, root_key, error);
      if (cert == NULL || !write_cert_file (path, cert, error))
        return NULL;
    }

  *out_key = g_steal_pointer (&key);
  return g_steal_pointer (&cert);
}

static Material *
ensure_material (EnsureData    *data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(EVP_PKEY) root_key = NULL;
  g_autoptr(EVP_PKEY) server_key = NULL;
  g_autoptr(X509) root = NULL;
  g_autoptr(X509) server = NULL;
  g_autoptr(EVP_PKEY) server_ec_key = NULL;
  g_autoptr(X509) server_ec = NULL;
  Material *material;

  if (!validate_common_name (data->common_name, error))
    return NULL;

  if (g_mkdir_with_parents (data->data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create %s: %s", data->data_dir, g_strerror (saved_errno));
      return NULL;
    }

  root = load_or_create_root (data, &root_key, cancellable, error);
  if (root == NULL)
    return NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  server = load_or_create_server (data, root, root_key, &server_key, cancellable, error);
  if (server == NULL)
    return NULL;

  /* P-256 signs a handshake in tens of microseconds where RSA 3072 takes
   * milliseconds: with both, a connect storm of clients that offer ECDSA
   * costs a fraction of the CPU, and firmware that only knows RSA still
   * gets the RSA certificate (OpenSSL picks by what the client offers). */
  server_ec_key = EVP_EC_gen ("P-256");
  if (server_ec_key == NULL)
    {
      _ob_tls_set_error (error, OB_TLS_ERROR_FAILED, "Could not generate an ECDSA key");
      return NULL;
    }
  server_ec = issue_server (server_ec_key, data->common_name, root, root_key, error);
  if (server_ec == NULL)
    return NULL;

  material = g_new0 (Material, 1);
  material->root = g_steal_pointer (&root);
  material->server = g_steal_pointer (&server);
  material->server_key = g_steal_pointer (&server_key);
  material->server_ec = g_steal_pointer (&server_ec);
  material->server_ec_key = g_steal_pointer (&server_ec_key);
  material->common_name = g_strdup (data->common_name);
  material->generation = data->generation;

  return material;
}

static void
ensure_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ObCertAuthority *self = source_object;
  EnsureData *data = task_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->ensure_lock);
  g_autoptr(GError) error = NULL;
  Material *material;

  /* Requests made back to back must end with the last name in use and on
   * disk, whichever worker got the lock first. */
  g_mutex_lock (&self->state_lock);
  g_free (data->common_name);
  data->common_name = g_strdup (self->wanted_common_name);
  data->generation = self->wanted_generation;
  g_mutex_unlock (&self->state_lock);

  material = ensure_material (data, cancellable, &error);
  ERR_clear_error ();

  if (material == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, material, material_free);
}

/* Back on the caller's context: swap the material in, then tell. */
static void
ensure_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  ObCertAuthority *self = OB_CERT_AUTHORITY (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Material *material;
  gboolean was_ready;
  gboolean name_changed;
  gboolean server_changed;

  material = g_task_propagate_pointer (G_TASK (result), &error);
  if (material == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_mutex_lock (&self->state_lock);

  /* A worker that ran earlier may finish later: it served an older (or
   * the same) request, so its result is already superseded. */
  if (self->ready && material->generation <= self->applied_generation)
    {
      g_mutex_unlock (&self->state_lock);
      material_free (material);
      g_task_return_boolean (task, TRUE);
      return;
    }

  was_ready = self->ready;
  name_changed = g_strcmp0 (self->common_name, material->common_name) != 0;
  server_changed = self->server == NULL || X509_cmp (self->server, material->server) != 0;

  g_clear_pointer (&self->root, X509_free);
  g_clear_pointer (&self->server, X509_free);
  g_clear_pointer (&self->server_key, EVP_PKEY_free);
  g_clear_pointer (&self->server_ec, X509_free);
  g_clear_pointer (&self->server_ec_key, EVP_PKEY_free);
  g_clear_pointer (&self->common_name, g_free);

  self->root = g_steal_pointer (&material->root);
  self->server = g_steal_pointer (&material->server);
  self->server_key = g_steal_pointer (&material->server_key);
  self->server_ec = g_steal_pointer (&material->server_ec);
  self->server_ec_key = g_steal_pointer (&material->server_ec_key);
  self->common_name = g_steal_pointer (&material->common_name);
  self->applied_generation = material->generation;
  self->ready = TRUE;

  g_mutex_unlock (&self->state_lock);

  material_free (material);

  if (name_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMMON_NAME]);
  if (!was_ready)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
  if (was_ready && server_changed)
    g_signal_emit (self, signals[CHANGED], 0);

  g_task_return_boolean (task, TRUE);
}

void
ob_cert_authority_ensure_async (ObCertAuthority     *self,
                                const char          *common_name,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;
  g_autoptr(GError) error = NULL;
  EnsureData *data;

  g_return_if_fail (OB_IS_CERT_AUTHORITY (self));
  g_return_if_fail (common_name != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_cert_authority_ensure_async);

  /* A bad name fails its own request and never becomes the wanted one. */
  if (!validate_common_name (common_name, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_mutex_lock (&self->state_lock);
  g_free (self->wanted_common_name);
  self->wanted_common_name = g_strdup (common_name);
  self->wanted_generation++;
  g_mutex_unlock (&self->state_lock);

  /* The worker replaces the name with the newest one when it starts. */
  data = g_new0 (EnsureData, 1);
  data->data_dir = g_strdup (self->data_dir);
  data->secrets = g_object_ref (self->secrets);

  worker = g_task_new (self, cancellable, ensure_done, g_steal_pointer (&task));
  g_task_set_source_tag (worker, ob_cert_authority_ensure_async);
  g_task_set_task_data (worker, data, ensure_data_free);
  g_task_run_in_thread (worker, ensure_thread);
}

gboolean
ob_cert_authority_ensure_finish (ObCertAuthority  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ob_cert_authority_dispose (GObject *object)
{
  ObCertAuthority *self = (ObCertAuthority *) object;

  g_clear_object (&self->secrets);

  G_OBJECT_CLASS (ob_cert_authority_parent_class)->dispose (object);
}

static void
ob_cert_authority_finalize (GObject *object)
{
  ObCertAuthority *self = (ObCertAuthority *) object;

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->root, X509_free);
  g_clear_pointer (&self->server, X509_free);
  g_clear_pointer (&self->server_key, EVP_PKEY_free);
  g_clear_pointer (&self->server_ec, X509_free);
  g_clear_pointer (&self->server_ec_key, EVP_PKEY_free);
  g_clear_pointer (&self->common_name, g_free);
  g_clear_pointer (&self->wanted_common_name, g_free);
  g_mutex_clear (&self->ensure_lock);
  g_mutex_clear (&self->state_lock);

  G_OBJECT_CLASS (ob_cert_authority_parent_class)->finalize (object);
}

static void
ob_cert_authority_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ObCertAuthority *self = OB_CERT_AUTHORITY (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;

    case PROP_SECRET_STORE:
      g_value_set_object (value, self->secrets);
      break;

    case PROP_READY:
      g_value_set_boolean (value, ob_cert_authority_get_ready (self));
      break;

    case PROP_COMMON_NAME:
      /* Copied under the lock: ensure_done may replace it meanwhile. */
      g_mutex_lock (&self->state_lock);
      g_value_set_string (value, self->common_name);
      g_mutex_unlock (&self->state_lock);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_cert_authority_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ObCertAuthority *self = OB_CERT_AUTHORITY (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      self->data_dir = g_value_dup_string (value);
      break;

    case PROP_SECRET_STORE:
      self->secrets = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_cert_authority_constructed (GObject *object)
{
  ObCertAuthority *self = (ObCertAuthority *) object;

  G_OBJECT_CLASS (ob_cert_authority_parent_class)->constructed (object);

  g_assert (self->data_dir != NULL);
  g_assert (OB_IS_SECRET_STORE (self->secrets));
}

static void
ob_cert_authority_class_init (ObCertAuthorityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_cert_authority_dispose;
  object_class->finalize = ob_cert_authority_finalize;
  object_class->constructed = ob_cert_authority_constructed;
  object_class->get_property = ob_cert_authority_get_property;
  object_class->set_property = ob_cert_authority_set_property;

  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SECRET_STORE] =
    g_param_spec_object ("secret-store", NULL, NULL,
                         OB_TYPE_SECRET_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_COMMON_NAME] =
    g_param_spec_string ("common-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ObCertAuthority::changed:
   *
   * The server certificate in use was replaced (new name, renewal, repair)
   * after the authority had become ready; listeners reload their TLS
   * certificate.
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 0);
}

static void
ob_cert_authority_init (ObCertAuthority *self)
{
  g_mutex_init (&self->ensure_lock);
  g_mutex_init (&self->state_lock);
}

ObCertAuthority *
ob_cert_authority_new (const char    *data_dir,
                       ObSecretStore *secrets)
{
  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (OB_IS_SECRET_STORE (secrets), NULL);

  return g_object_new (OB_TYPE_CERT_AUTHORITY,
                       "data-dir", data_dir,
                       "secret-store", secrets,
                       NULL);
}

gboolean
ob_cert_authority_get_ready (ObCertAuthority *self)
{
  gboolean ready;

  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), FALSE);

  g_mutex_lock (&self->state_lock);
  ready = self->ready;
  g_mutex_unlock (&self->state_lock);

  return ready;
}

const char *
ob_cert_authority_get_common_name (ObCertAuthority *self)
{
  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), NULL);

  return self->common_name;
}

const char *
ob_cert_authority_get_data_dir (ObCertAuthority *self)
{
  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), NULL);

  return self->data_dir;
}

/* A reference to the root or the server certificate, or NULL before the
 * authority is ready. */
static X509 *
ref_cert (ObCertAuthority *self,
          gboolean         server)
{
  X509 *cert;

  g_mutex_lock (&self->state_lock);
  cert = server ? self->server : self->root;
  if (cert != NULL)
    X509_up_ref (cert);
  g_mutex_unlock (&self->state_lock);

  return cert;
}

char *
ob_cert_authority_dup_root_pem (ObCertAuthority *self)
{
  g_autoptr(X509) root = NULL;

  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), NULL);

  root = ref_cert (self, FALSE);

  return root != NULL ? _ob_tls_x509_to_pem (root) : NULL;
}

GBytes *
ob_cert_authority_dup_root_der (ObCertAuthority *self)
{
  g_autoptr(X509) root = NULL;

  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), NULL);

  root = ref_cert (self, FALSE);

  return root != NULL ? _ob_tls_x509_to_der (root) : NULL;
}

char *
ob_cert_authority_dup_server_pem (ObCertAuthority *self)
{
  g_autoptr(X509) root = NULL;
  g_autoptr(X509) server = NULL;
  g_autofree char *root_pem = NULL;
  g_autofree char *server_pem = NULL;

  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), NULL);

  /* Both under one lock, so the pair never straddles a re-issue. */
  g_mutex_lock (&self->state_lock);
  if (self->root != NULL && self->server != NULL)
    {
      root = self->root;
      X509_up_ref (root);
      server = self->server;
      X509_up_ref (server);
    }
  g_mutex_unlock (&self->state_lock);
  if (root == NULL || server == NULL)
    return NULL;

  root_pem = _ob_tls_x509_to_pem (root);
  server_pem = _ob_tls_x509_to_pem (server);
  if (root_pem == NULL || server_pem == NULL)
    return NULL;

  return g_strconcat (server_pem, root_pem, NULL);
}

GDateTime *
ob_cert_authority_dup_server_not_after (ObCertAuthority *self)
{
  g_autoptr(X509) server = NULL;

  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), NULL);

  server = ref_cert (self, TRUE);

  return server != NULL ? _ob_tls_asn1_time_to_date_time (X509_get0_notAfter (server)) : NULL;
}

char *
ob_cert_authority_dup_root_fingerprint (ObCertAuthority *self,
                                        ObHashAlgorithm  algorithm)
{
  g_autoptr(X509) root = NULL;

  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), NULL);

  root = ref_cert (self, FALSE);

  return root != NULL ? _ob_tls_x509_fingerprint (root, algorithm) : NULL;
}

char *
ob_cert_authority_dup_server_fingerprint (ObCertAuthority *self,
                                          ObHashAlgorithm  algorithm)
{
  g_autoptr(X509) server = NULL;

  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), NULL);

  server = ref_cert (self, TRUE);

  return server != NULL ? _ob_tls_x509_fingerprint (server, algorithm) : NULL;
}

GTlsCertificate *
ob_cert_authority_dup_tls_certificate (ObCertAuthority  *self,
                                       GError          **error)
{
  g_autoptr(X509) server = NULL;
  g_autoptr(EVP_PKEY) key = NULL;
  g_autoptr(GBytes) key_pem = NULL;
  g_autofree char *cert_pem = NULL;
  GTlsCertificate *certificate;
  const char *key_data;
  char *buffer;
  gsize cert_len;
  gsize key_len;

  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->state_lock);
  if (self->server != NULL && self->server_key != NULL)
    {
      server = self->server;
      X509_up_ref (server);
      key = self->server_key;
      EVP_PKEY_up_ref (key);
    }
  g_mutex_unlock (&self->state_lock);

  if (server == NULL)
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_NOT_READY,
                           "The certificate authority is not ready");
      return NULL;
    }

  cert_pem = _ob_tls_x509_to_pem (server);
  if (cert_pem == NULL)
    {
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED,
                           "Could not encode the server certificate");
      return NULL;
    }

  key_pem = _ob_tls_private_key_to_pem (key, error);
  if (key_pem == NULL)
    return NULL;

  /* One buffer, certificate then key, wiped as soon as GIO has parsed it. */
  cert_len = strlen (cert_pem);
  key_data = g_bytes_get_data (key_pem, &key_len);
  buffer = g_malloc (cert_len + key_len + 1);
  memcpy (buffer, cert_pem, cert_len);
  memcpy (buffer + cert_len, key_data, key_len);
  buffer[cert_len + key_len] = '\0';

  certificate = g_tls_certificate_new_from_pem (buffer, (gssize) (cert_len + key_len), error);

  ob_secure_clear (buffer, cert_len + key_len);
  g_free (buffer);

  return certificate;
}

gboolean
_ob_cert_authority_get_server_credentials (ObCertAuthority  *self,
                                           X509            **rsa_cert,
                                           EVP_PKEY        **rsa_key,
                                           X509            **ec_cert,
                                           EVP_PKEY        **ec_key,
                                           GError          **error)
{
  g_return_val_if_fail (OB_IS_CERT_AUTHORITY (self), FALSE);

  g_mutex_lock (&self->state_lock);
  if (self->server == NULL || self->server_key == NULL ||
      self->server_ec == NULL || self->server_ec_key == NULL)
    {
      g_mutex_unlock (&self->state_lock);
      g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_NOT_READY,
                           "The certificate authority is not ready");
      return FALSE;
    }
  X509_up_ref (self->server);
  *rsa_cert = self->server;
  EVP_PKEY_up_ref (self->server_key);
  *rsa_key = self->server_key;
  X509_up_ref (self->server_ec);
  *ec_cert = self->server_ec;
  EVP_PKEY_up_ref (self->server_ec_key);
  *ec_key = self->server_ec_key;
  g_mutex_unlock (&self->state_lock);

  return TRUE;
}
