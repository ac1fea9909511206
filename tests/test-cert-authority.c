/* test-cert-authority.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include <glib/gstdio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

#include "ob-cert-authority.h"
#include "ob-cert-chain.h"
#include "ob-crypto.h"
#include "ob-crypto-private.h"
#include "ob-secret-store-memory.h"

#define SERVER_IP   "192.0.2.10"
#define SERVER_DNS  "mps.example.com"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_STORE, X509_STORE_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_STORE_CTX, X509_STORE_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS12, PKCS12_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_LIB_CTX, OSSL_LIB_CTX_free)

/* ------------------------------------------------------------------ */
/* Test environment: a data dir and a memory secret store              */
/* ------------------------------------------------------------------ */

typedef struct
{
  char          *dir;
  ObSecretStore *store;
} Env;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_assert_cmpint (g_unlink (child), ==, 0);
    }

  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static Env *
env_new (void)
{
  g_autoptr(GError) error = NULL;
  Env *env = g_new0 (Env, 1);
  g_autofree char *base = g_dir_make_tmp ("ob-tls-XXXXXX", &error);

  g_assert_no_error (error);
  /* The authority creates the data dir itself. */
  env->dir = g_build_filename (base, "data", NULL);
  env->store = ob_secret_store_memory_new ();

  return env;
}

static void
env_free (Env *env)
{
  g_autofree char *base = g_path_get_dirname (env->dir);

  remove_tree (base);
  g_clear_object (&env->store);
  g_free (env->dir);
  g_free (env);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Env, env_free)

static char *
env_path (Env        *env,
          const char *file)
{
  return g_build_filename (env->dir, file, NULL);
}

static GBytes *
env_lookup_key (Env        *env,
                const char *id)
{
  g_autoptr(GError) error = NULL;
  GBytes *value;

  value = ob_secret_store_lookup_sync (env->store, OB_SECRET_OWNER_CA, id,
                                       OB_SECRET_KIND_PRIVATE_KEY, NULL, &error);
  g_assert_no_error (error);

  return value;
}

static EVP_PKEY *
env_load_key (Env        *env,
              const char *id)
{
  g_autoptr(GBytes) pem = env_lookup_key (env, id);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *pkey;

  g_assert_nonnull (pem);
  pkey = _ob_tls_load_private_key (pem, &error);
  g_assert_no_error (error);

  return pkey;
}

static X509 *
env_read_cert (Env        *env,
               const char *file)
{
  g_autofree char *path = env_path (env, file);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  X509 *cert;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  cert = _ob_tls_x509_from_pem (contents, len, &error);
  g_assert_no_error (error);

  return cert;
}

static char *
env_read_file (Env        *env,
               const char *file)
{
  g_autofree char *path = env_path (env, file);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  return contents;
}

static gboolean
ensure_sync (ObCertAuthority  *ca,
             const char       *common_name,
             GError          **error);

/* The template: one generated root + server pair, cloned into fresh dirs
 * and stores so that each test does not pay for RSA 3072 again. */
static Env *template_env;

static void
copy_file (const char *from_dir,
           const char *to_dir,
           const char *file)
{
  g_autofree char *from = g_build_filename (from_dir, file, NULL);
  g_autofree char *to = g_build_filename (to_dir, file, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_file_get_contents (from, &contents, &len, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, contents, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
copy_key (ObSecretStore *from,
          ObSecretStore *to,
          const char    *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = NULL;

  value = ob_secret_store_lookup_sync (from, OB_SECRET_OWNER_CA, id,
                                       OB_SECRET_KIND_PRIVATE_KEY, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  ob_secret_store_store_sync (to, OB_SECRET_OWNER_CA, id, OB_SECRET_KIND_PRIVATE_KEY,
                              value, NULL, &error);
  g_assert_no_error (error);
}

static Env *
get_template (void)
{
  if (template_env == NULL)
    {
      g_autoptr(ObCertAuthority) ca = NULL;
      g_autoptr(GError) error = NULL;
      Env *env = env_new ();

      ca = ob_cert_authority_new (env->dir, env->store);
      ensure_sync (ca, SERVER_IP, &error);
      g_assert_no_error (error);
      template_env = env;
    }

  return template_env;
}

static Env *
env_clone_template (void)
{
  Env *tmpl = get_template ();
  Env *env = env_new ();

  g_assert_cmpint (g_mkdir_with_parents (env->dir, 0700), ==, 0);
  copy_file (tmpl->dir, env->dir, OB_CERT_AUTHORITY_ROOT_FILE);
  copy_file (tmpl->dir, env->dir, OB_CERT_AUTHORITY_SERVER_FILE);
  copy_key (tmpl->store, env->store, OB_CERT_AUTHORITY_ROOT_KEY_ID);
  copy_key (tmpl->store, env->store, OB_CERT_AUTHORITY_SERVER_KEY_ID);

  return env;
}

/* ------------------------------------------------------------------ */
/* Running ensure on the main loop                                     */
/* ------------------------------------------------------------------ */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
  guint     ticks_while_pending;
} EnsureWait;

static void
ensure_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  EnsureWait *wait = user_data;

  wait->ok = ob_cert_authority_ensure_finish (OB_CERT_AUTHORITY (object), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
ensure_sync (ObCertAuthority  *ca,
             const char       *common_name,
             GError          **error)
{
  EnsureWait wait = { 0 };

  ob_cert_authority_ensure_async (ca, common_name, NULL, ensure_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);

  if (wait.error != NULL)
    g_propagate_error (error, wait.error);

  return wait.ok;
}

static gboolean
tick_cb (gpointer user_data)
{
  EnsureWait *wait = user_data;

  if (!wait->done)
    wait->ticks_while_pending++;

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* Certificate checks                                                  */
/* ------------------------------------------------------------------ */

static int
verify_chain (X509       *leaf,
              X509       *root,
              const char *host,
              const char *ip)
{
  g_autoptr(X509_STORE) store = X509_STORE_new ();
  g_autoptr(X509_STORE_CTX) ctx = X509_STORE_CTX_new ();
  X509_VERIFY_PARAM *param;
  int result;

  g_assert_cmpint (X509_STORE_add_cert (store, root), ==, 1);
  g_assert_cmpint (X509_STORE_CTX_init (ctx, store, leaf, NULL), ==, 1);
  X509_STORE_CTX_set_purpose (ctx, X509_PURPOSE_SSL_SERVER);

  param = X509_STORE_CTX_get0_param (ctx);
  if (host != NULL)
    g_assert_cmpint (X509_VERIFY_PARAM_set1_host (param, host, 0), ==, 1);
  if (ip != NULL)
    g_assert_cmpint (X509_VERIFY_PARAM_set1_ip_asc (param, ip), ==, 1);

  result = X509_verify_cert (ctx);
  if (result != 1)
    g_test_message ("verify: %s",
                    X509_verify_cert_error_string (X509_STORE_CTX_get_error (ctx)));
  ERR_clear_error ();

  return result;
}

static char *
name_entry (const X509_NAME *name,
            int              nid)
{
  int index = X509_NAME_get_index_by_NID (name, nid, -1);
  const ASN1_STRING *data;

  if (index < 0)
    return NULL;

  data = X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, index));

  return g_strndup ((const char *) ASN1_STRING_get0_data (data), (gsize) ASN1_STRING_length (data));
}

static gboolean
extension_is_critical (X509 *cert,
                       int   nid)
{
  int index = X509_get_ext_by_NID (cert, nid, -1);

  g_assert_cmpint (index, >=, 0);

  return X509_EXTENSION_get_critical (X509_get_ext (cert, index)) == 1;
}

static void
assert_time_near (const ASN1_TIME *time,
                  gint64           expected_offset_seconds,
                  gint64           tolerance_seconds)
{
  g_autoptr(GDateTime) when = _ob_tls_asn1_time_to_date_time (time);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_nonnull (when);
  g_assert_cmpint (ABS (g_date_time_to_unix (when) - (now + expected_offset_seconds)), <=,
                   tolerance_seconds);
}

static void
assert_root_certificate (X509 *root)
{
  const ASN1_OCTET_STRING *ski;
  g_autofree char *ski_hex = NULL;
  g_autofree char *expected_cn = NULL;
  g_autofree char *cn = NULL;
  g_autofree char *o = NULL;
  g_autofree char *c = NULL;
  g_autoptr(BIGNUM) serial = NULL;
  EVP_PKEY *pkey = X509_get0_pubkey (root);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;

  g_assert_cmpint (X509_get_version (root), ==, X509_VERSION_3);
  g_assert_true (_ob_tls_x509_is_self_signed (root));
  g_assert_cmpint (X509_check_ca (root), ==, 1);
  g_assert_true (extension_is_critical (root, NID_basic_constraints));
  g_assert_cmpuint (X509_get_key_usage (root), ==, KU_KEY_CERT_SIGN | KU_CRL_SIGN);
  g_assert_cmpint (X509_get_signature_nid (root), ==, NID_sha384WithRSAEncryption);
  g_assert_true (EVP_PKEY_is_a (pkey, "RSA"));
  g_assert_cmpint (EVP_PKEY_get_bits (pkey), ==, 3072);

  /* CN=MPSRoot-<first 6 hex of the key's SHA-1>, which is the SKI. */
  ski = X509_get0_subject_key_id (root);
  g_assert_nonnull (ski);
  g_assert_true (X509_pubkey_digest (root, EVP_sha1 (), digest, &digest_len));
  g_assert_cmpmem (digest, digest_len, ASN1_STRING_get0_data (ski), ASN1_STRING_length (ski));
  ski_hex = g_strdup_printf ("%02x%02x%02x", digest[0], digest[1], digest[2]);
  expected_cn = g_strdup_printf ("MPSRoot-%s", ski_hex);

  cn = name_entry (X509_get_subject_name (root), NID_commonName);
  o = name_entry (X509_get_subject_name (root), NID_organizationName);
  c = name_entry (X509_get_subject_name (root), NID_countryName);
  g_assert_cmpstr (cn, ==, expected_cn);
  g_assert_cmpstr (o, ==, "unknown");
  g_assert_cmpstr (c, ==, "unknown");

  /* A random serial of at least 64 bits. */
  serial = ASN1_INTEGER_to_BN (X509_get0_serialNumber (root), NULL);
  g_assert_cmpint (BN_num_bits (serial), >=, 64);
  g_assert_false (BN_is_negative (serial));

  assert_time_near (X509_get0_notBefore (root), -24 * 3600, 120);
  g_assert_cmpint (X509_cmp_timeframe (NULL, X509_get0_notBefore (root),
                                       X509_get0_notAfter (root)), ==, 0);
  assert_time_near (X509_get0_notAfter (root), (gint64) (30 * 365.25 * 24 * 3600), 3 * 24 * 3600);
}

static void
assert_server_certificate (X509       *server,
                           X509       *root,
                           const char *common_name)
{
  g_autofree char *cn = name_entry (X509_get_subject_name (server), NID_commonName);
  gboolean is_ip = g_hostname_is_ip_address (common_name);
  EVP_PKEY *pkey = X509_get0_pubkey (server);
  const ASN1_OCTET_STRING *aki;
  const ASN1_OCTET_STRING *root_ski;
  GENERAL_NAMES *alt_names;

  g_assert_cmpstr (cn, ==, common_name);
  g_assert_cmpint (X509_NAME_cmp (X509_get_issuer_name (server), X509_get_subject_name (root)), ==, 0);
  g_assert_cmpint (X509_get_version (server), ==, X509_VERSION_3);
  g_assert_cmpint (X509_check_ca (server), ==, 0);
  g_assert_true (extension_is_critical (server, NID_basic_constraints));
  g_assert_cmpuint (X509_get_key_usage (server), ==, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
  g_assert_cmpuint (X509_get_extended_key_usage (server), ==, XKU_SSL_SERVER);
  g_assert_cmpint (X509_get_signature_nid (server), ==, NID_sha384WithRSAEncryption);
  g_assert_true (EVP_PKEY_is_a (pkey, "RSA"));
  g_assert_cmpint (EVP_PKEY_get_bits (pkey), ==, 3072);

  g_assert_nonnull (X509_get0_subject_key_id (server));
  aki = X509_get0_authority_key_id (server);
  root_ski = X509_get0_subject_key_id (root);
  g_assert_nonnull (aki);
  g_assert_cmpint (ASN1_OCTET_STRING_cmp (aki, root_ski), ==, 0);

  /* Exactly one SAN, of the CN's kind. */
  alt_names = X509_get_ext_d2i (server, NID_subject_alt_name, NULL, NULL);
  g_assert_nonnull (alt_names);
  g_assert_cmpint (sk_GENERAL_NAME_num (alt_names), ==, 1);
  g_assert_cmpint (sk_GENERAL_NAME_value (alt_names, 0)->type, ==, is_ip ? GEN_IPADD : GEN_DNS);
  GENERAL_NAMES_free (alt_names);

  if (is_ip)
    {
      g_assert_cmpint (X509_check_ip_asc (server, common_name, 0), ==, 1);
      g_assert_cmpint (X509_check_host (server, common_name, 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL), !=, 1);
      g_assert_cmpint (verify_chain (server, root, NULL, common_name), ==, 1);
      g_assert_cmpint (verify_chain (server, root, NULL, "192.0.2.11"), !=, 1);
    }
  else
    {
      g_assert_cmpint (X509_check_host (server, common_name, 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL), ==, 1);
      g_assert_cmpint (verify_chain (server, root, common_name, NULL), ==, 1);
      g_assert_cmpint (verify_chain (server, root, "other.example.com", NULL), !=, 1);
    }

  g_assert_cmpint (verify_chain (server, root, NULL, NULL), ==, 1);
  /* The server cannot act as a CA: it does not verify as its own root. */
  g_assert_cmpint (verify_chain (root, server, NULL, NULL), !=, 1);
}

static gboolean
contains (const char   *haystack,
          gsize         haystack_len,
          const guint8 *needle,
          gsize         needle_len)
{
  if (needle_len == 0 || needle_len > haystack_len)
    return FALSE;

  for (gsize i = 0; i + needle_len <= haystack_len; i++)
    {
      if (memcmp (haystack + i, needle, needle_len) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
assert_no_key_in_tree (const char *path,
                       GPtrArray  *needles)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          assert_no_key_in_tree (child, needles);
          continue;
        }

      g_assert_true (g_file_get_contents (child, &contents, &len, NULL));
      g_assert_null (strstr (contents, "PRIVATE KEY"));

      for (guint i = 0; i < needles->len; i++)
        {
          GBytes *needle = g_ptr_array_index (needles, i);
          gsize needle_len;
          const guint8 *needle_data = g_bytes_get_data (needle, &needle_len);

          g_assert_false (contains (contents, len, needle_data, needle_len));
        }
    }
}

/* Whatever form a key could take in a file: its DER, every line of its
 * PEM body, and its first prime in binary and in hex. */
static void
add_key_needles (GPtrArray *needles,
                 GBytes    *key_pem)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EVP_PKEY) pkey = NULL;
  g_autoptr(BIGNUM) p = NULL;
  g_autofree char *pem = g_strndup (g_bytes_get_data (key_pem, NULL), g_bytes_get_size (key_pem));
  g_auto(GStrv) lines = g_strsplit (pem, "\n", -1);
  GBytes *der;
  g_autofree guint8 *p_bin = NULL;
  g_autofree char *p_hex_lower = NULL;
  char *p_hex;
  int p_len;

  der = ob_crypto_pem_to_der (pem, -1, "PRIVATE KEY", &error);
  g_assert_no_error (error);
  g_ptr_array_add (needles, der);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (strlen (lines[i]) >= 16 && !g_str_has_prefix (lines[i], "-----"))
        g_ptr_array_add (needles, g_bytes_new (lines[i], strlen (lines[i])));
    }

  pkey = _ob_tls_load_private_key (key_pem, &error);
  g_assert_no_error (error);
  g_assert_true (EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, &p));
  p_len = BN_num_bytes (p);
  p_bin = g_malloc (p_len);
  BN_bn2bin (p, p_bin);
  g_ptr_array_add (needles, g_bytes_new (p_bin, p_len));
  p_hex = BN_bn2hex (p);
  g_ptr_array_add (needles, g_bytes_new (p_hex, strlen (p_hex)));
  p_hex_lower = g_ascii_strdown (p_hex, -1);
  g_ptr_array_add (needles, g_bytes_new (p_hex_lower, strlen (p_hex_lower)));
  OPENSSL_free (p_hex);
}

static void
assert_no_private_key_on_disk (Env *env)
{
  g_autoptr(GPtrArray) needles = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GBytes) root_key = env_lookup_key (env, OB_CERT_AUTHORITY_ROOT_KEY_ID);
  g_autoptr(GBytes) server_key = env_lookup_key (env, OB_CERT_AUTHORITY_SERVER_KEY_ID);
  g_autofree char *base = g_path_get_dirname (env->dir);

  g_assert_nonnull (root_key);
  g_assert_nonnull (server_key);
  add_key_needles (needles, root_key);
  add_key_needles (needles, server_key);

  assert_no_key_in_tree (base, needles);
}

/* ------------------------------------------------------------------ */
/* Certificate authority tests                                         */
/* ------------------------------------------------------------------ */

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
changed_count_cb (ObCertAuthority *ca,
                  gpointer         user_data)
{
  (*(guint *) user_data)++;
}

static void
test_generate (void)
{
  g_autoptr(Env) env = env_new ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(X509) root = NULL;
  g_autoptr(X509) server = NULL;
  g_autoptr(EVP_PKEY) root_key = NULL;
  g_autoptr(EVP_PKEY) server_key = NULL;
  g_autoptr(GBytes) root_der = NULL;
  g_autoptr(GBytes) file_der = NULL;
  g_autofree char *root_pem = NULL;
  g_autofree char *server_pem = NULL;
  g_autofree char *file_root_pem = NULL;
  g_autofree char *file_server_pem = NULL;
  g_autofree char *expected_chain = NULL;
  g_autofree char *fp = NULL;
  g_autofree char *expected_fp = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  EnsureWait wait = { 0 };
  guint ready_notifies = 0;
  guint changed = 0;
  gint64 start;
  guint tick_id;

  g_signal_connect (ca, "notify::ready", G_CALLBACK (notify_count_cb), &ready_notifies);
  g_signal_connect (ca, "changed", G_CALLBACK (changed_count_cb), &changed);
  g_assert_false (ob_cert_authority_get_ready (ca));

  /* Generation takes seconds; the main loop must keep turning. */
  tick_id = g_timeout_add (5, tick_cb, &wait);
  start = g_get_monotonic_time ();
  ob_cert_authority_ensure_async (ca, SERVER_IP, NULL, ensure_cb, &wait);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 200 * 1000);
  g_assert_false (wait.done);
  g_assert_false (ob_cert_authority_get_ready (ca));

  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick_id);

  g_assert_no_error (wait.error);
  g_assert_true (wait.ok);
  g_test_message ("generation took %.2f s, %u ticks while pending",
                  (g_get_monotonic_time () - start) / 1e6, wait.ticks_while_pending);
  g_assert_cmpuint (wait.ticks_while_pending, >=, 2);
  g_assert_true (ob_cert_authority_get_ready (ca));
  g_assert_cmpuint (ready_notifies, ==, 1);
  g_assert_cmpuint (changed, ==, 0);
  g_assert_cmpstr (ob_cert_authority_get_common_name (ca), ==, SERVER_IP);

  /* Files hold the certificates, the store holds the keys. */
  root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  root_key = env_load_key (env, OB_CERT_AUTHORITY_ROOT_KEY_ID);
  server_key = env_load_key (env, OB_CERT_AUTHORITY_SERVER_KEY_ID);
  g_assert_cmpuint (ob_secret_store_memory_get_n_secrets (OB_SECRET_STORE_MEMORY (env->store)), ==, 2);
  g_assert_cmpint (X509_check_private_key (root, root_key), ==, 1);
  g_assert_cmpint (X509_check_private_key (server, server_key), ==, 1);

  assert_root_certificate (root);
  assert_server_certificate (server, root, SERVER_IP);

  /* Accessors agree with the files. */
  root_pem = ob_cert_authority_dup_root_pem (ca);
  file_root_pem = env_read_file (env, OB_CERT_AUTHORITY_ROOT_FILE);
  g_assert_cmpstr (root_pem, ==, file_root_pem);

  root_der = ob_cert_authority_dup_root_der (ca);
  file_der = _ob_tls_x509_to_der (root);
  g_assert_true (g_bytes_equal (root_der, file_der));

  server_pem = ob_cert_authority_dup_server_pem (ca);
  file_server_pem = env_read_file (env, OB_CERT_AUTHORITY_SERVER_FILE);
  expected_chain = g_strconcat (file_server_pem, file_root_pem, NULL);
  g_assert_cmpstr (server_pem, ==, expected_chain);

  fp = ob_cert_authority_dup_root_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  expected_fp = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, root_der);
  g_assert_cmpstr (fp, ==, expected_fp);
  g_clear_pointer (&fp, g_free);
  g_clear_pointer (&expected_fp, g_free);
  {
    g_autoptr(GBytes) server_der = _ob_tls_x509_to_der (server);

    fp = ob_cert_authority_dup_server_fingerprint (ca, OB_HASH_ALGORITHM_SHA1);
    expected_fp = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, server_der);
    g_assert_cmpstr (fp, ==, expected_fp);
  }

  not_after = ob_cert_authority_dup_server_not_after (ca);
  g_assert_nonnull (not_after);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    g_assert_cmpint (g_date_time_get_year (not_after), >=, g_date_time_get_year (now) + 29);
  }

  assert_no_private_key_on_disk (env);

  /* This run becomes the template the other tests clone. */
  if (template_env == NULL)
    template_env = g_steal_pointer (&env);
}

static void
test_reuse (void)
{
  Env *tmpl = get_template ();
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(ObCertAuthority) tmpl_ca = ob_cert_authority_new (tmpl->dir, tmpl->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) root_key_before = env_lookup_key (env, OB_CERT_AUTHORITY_ROOT_KEY_ID);
  g_autoptr(GBytes) server_key_before = env_lookup_key (env, OB_CERT_AUTHORITY_SERVER_KEY_ID);
  g_autoptr(GBytes) root_key_after = NULL;
  g_autoptr(GBytes) server_key_after = NULL;
  g_autofree char *root_file_before = env_read_file (env, OB_CERT_AUTHORITY_ROOT_FILE);
  g_autofree char *server_file_before = env_read_file (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_autofree char *root_file_after = NULL;
  g_autofree char *server_file_after = NULL;
  g_autofree char *root_fp = NULL;
  g_autofree char *tmpl_root_fp = NULL;
  g_autofree char *server_fp = NULL;
  g_autofree char *tmpl_server_fp = NULL;
  gint64 start;
  gint64 elapsed;

  ensure_sync (tmpl_ca, SERVER_IP, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  ensure_sync (ca, SERVER_IP, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_test_message ("loading took %.3f s", elapsed / 1e6);
  /* No key generation: far below the second RSA 3072 takes. */
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC / 2);

  root_fp = ob_cert_authority_dup_root_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  tmpl_root_fp = ob_cert_authority_dup_root_fingerprint (tmpl_ca, OB_HASH_ALGORITHM_SHA256);
  server_fp = ob_cert_authority_dup_server_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  tmpl_server_fp = ob_cert_authority_dup_server_fingerprint (tmpl_ca, OB_HASH_ALGORITHM_SHA256);
  g_assert_cmpstr (root_fp, ==, tmpl_root_fp);
  g_assert_cmpstr (server_fp, ==, tmpl_server_fp);

  root_key_after = env_lookup_key (env, OB_CERT_AUTHORITY_ROOT_KEY_ID);
  server_key_after = env_lookup_key (env, OB_CERT_AUTHORITY_SERVER_KEY_ID);
  g_assert_true (g_bytes_equal (root_key_before, root_key_after));
  g_assert_true (g_bytes_equal (server_key_before, server_key_after));

  root_file_after = env_read_file (env, OB_CERT_AUTHORITY_ROOT_FILE);
  server_file_after = env_read_file (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_assert_cmpstr (root_file_before, ==, root_file_after);
  g_assert_cmpstr (server_file_before, ==, server_file_after);

  /* A second ensure on the same object changes nothing either. */
  g_clear_pointer (&server_fp, g_free);
  ensure_sync (ca, SERVER_IP, &error);
  g_assert_no_error (error);
  server_fp = ob_cert_authority_dup_server_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  g_assert_cmpstr (server_fp, ==, tmpl_server_fp);
}

static void
test_common_name_change (void)
{
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(ObCertAuthority) reopened = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) server_key_before = env_lookup_key (env, OB_CERT_AUTHORITY_SERVER_KEY_ID);
  g_autoptr(GBytes) server_key_after = NULL;
  g_autoptr(X509) root = NULL;
  g_autoptr(X509) server = NULL;
  g_autofree char *root_fp_before = NULL;
  g_autofree char *server_fp_before = NULL;
  g_autofree char *root_fp_after = NULL;
  g_autofree char *server_fp_after = NULL;
  g_autofree char *server_fp_reopened = NULL;
  guint changed = 0;
  guint name_notifies = 0;

  ensure_sync (ca, SERVER_IP, &error);
  g_assert_no_error (error);
  root_fp_before = ob_cert_authority_dup_root_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  server_fp_before = ob_cert_authority_dup_server_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);

  g_signal_connect (ca, "changed", G_CALLBACK (changed_count_cb), &changed);
  g_signal_connect (ca, "notify::common-name", G_CALLBACK (notify_count_cb), &name_notifies);

  ensure_sync (ca, SERVER_DNS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpuint (name_notifies, ==, 1);
  g_assert_cmpstr (ob_cert_authority_get_common_name (ca), ==, SERVER_DNS);

  root_fp_after = ob_cert_authority_dup_root_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  server_fp_after = ob_cert_authority_dup_server_fingerprint (ca, OB_HASH_ALGORITHM_SHA256);
  g_assert_cmpstr (root_fp_after, ==, root_fp_before);
  g_assert_cmpstr (server_fp_after, !=, server_fp_before);

  root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  assert_server_certificate (server, root, SERVER_DNS);

  /* The server key is kept; only the certificate changed. */
  server_key_after = env_lookup_key (env, OB_CERT_AUTHORITY_SERVER_KEY_ID);
  g_assert_true (g_bytes_equal (server_key_before, server_key_after));

  /* The same name again is no change. */
  ensure_sync (ca, SERVER_DNS, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changed, ==, 1);

  /* A new process finds the new name on disk and keeps it. */
  reopened = ob_cert_authority_new (env->dir, env->store);
  ensure_sync (reopened, SERVER_DNS, &error);
  g_assert_no_error (error);
  server_fp_reopened = ob_cert_authority_dup_server_fingerprint (reopened, OB_HASH_ALGORITHM_SHA256);
  g_assert_cmpstr (server_fp_reopened, ==, server_fp_after);

  assert_no_private_key_on_disk (env);
}

typedef struct
{
  guint    pending;
  gboolean failed;
} ManyWait;

static void
many_ensure_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ManyWait *wait = user_data;
  g_autoptr(GError) error = NULL;

  if (!ob_cert_authority_ensure_finish (OB_CERT_AUTHORITY (object), result, &error))
    {
      g_test_message ("ensure failed: %s", error->message);
      wait->failed = TRUE;
    }
  wait->pending--;
}

/* Requests issued back to back are served in order, so the name asked for
 * last is the one in use and on disk, whichever worker thread ran first. */
static void
test_concurrent_names (void)
{
  static const char * const names[] = {
    SERVER_IP, "a.example.com", "b.example.com", "c.example.com", SERVER_DNS,
  };
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);

  for (guint round = 0; round < 4; round++)
    {
      ManyWait wait = { 0 };
      g_autoptr(X509) server = NULL;
      g_autofree char *cn = NULL;
      const char *last = names[(round + G_N_ELEMENTS (names) - 1) % G_N_ELEMENTS (names)];

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          wait.pending++;
          ob_cert_authority_ensure_async (ca, names[(round + i) % G_N_ELEMENTS (names)], NULL,
                                          many_ensure_cb, &wait);
        }
      while (wait.pending > 0)
        g_main_context_iteration (NULL, TRUE);

      g_assert_false (wait.failed);
      g_assert_cmpstr (ob_cert_authority_get_common_name (ca), ==, last);
      server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
      cn = _ob_tls_x509_dup_common_name (server);
      g_assert_cmpstr (cn, ==, last);
    }
}

static void
test_missing_root_cert (void)
{
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(X509) old_root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  g_autoptr(X509) old_server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_autoptr(X509) root = NULL;
  g_autoptr(X509) server = NULL;
  g_autoptr(GBytes) root_key_before = env_lookup_key (env, OB_CERT_AUTHORITY_ROOT_KEY_ID);
  g_autoptr(GBytes) root_key_after = NULL;
  g_autofree char *path = env_path (env, OB_CERT_AUTHORITY_ROOT_FILE);

  g_assert_cmpint (g_unlink (path), ==, 0);

  ensure_sync (ca, SERVER_IP, &error);
  g_assert_no_error (error);

  /* A new root certificate over the same key and name: the server
   * certificate issued before still chains to it and is kept. */
  root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  root_key_after = env_lookup_key (env, OB_CERT_AUTHORITY_ROOT_KEY_ID);
  g_assert_true (g_bytes_equal (root_key_before, root_key_after));
  g_assert_cmpint (X509_cmp (root, old_root), !=, 0);
  g_assert_cmpint (EVP_PKEY_eq (X509_get0_pubkey (root), X509_get0_pubkey (old_root)), ==, 1);
  g_assert_cmpint (X509_NAME_cmp (X509_get_subject_name (root), X509_get_subject_name (old_root)), ==, 0);
  assert_root_certificate (root);
  g_assert_cmpint (X509_cmp (server, old_server), ==, 0);
  g_assert_cmpint (verify_chain (server, root, NULL, SERVER_IP), ==, 1);

  assert_no_private_key_on_disk (env);
}

static void
test_missing_server_cert (void)
{
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(X509) old_server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_autoptr(X509) root = NULL;
  g_autoptr(X509) server = NULL;
  g_autoptr(EVP_PKEY) server_key = NULL;
  g_autofree char *path = env_path (env, OB_CERT_AUTHORITY_SERVER_FILE);

  g_assert_cmpint (g_unlink (path), ==, 0);

  ensure_sync (ca, SERVER_IP, &error);
  g_assert_no_error (error);

  root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  server_key = env_load_key (env, OB_CERT_AUTHORITY_SERVER_KEY_ID);
  g_assert_cmpint (X509_cmp (server, old_server), !=, 0);
  g_assert_cmpint (X509_check_private_key (server, server_key), ==, 1);
  assert_server_certificate (server, root, SERVER_IP);
}

static void
test_corrupt_files (void)
{
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(X509) old_root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  g_autoptr(X509) root = NULL;
  g_autoptr(X509) server = NULL;
  g_autofree char *root_path = env_path (env, OB_CERT_AUTHORITY_ROOT_FILE);
  g_autofree char *server_path = env_path (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_autofree char *root_pem = env_read_file (env, OB_CERT_AUTHORITY_ROOT_FILE);

  /* Garbage where the root was; the root certificate where the server's
   * was (a certificate that does not match the server key). */
  g_file_set_contents (root_path, "-----BEGIN CERTIFICATE-----\nnot base64\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (server_path, root_pem, -1, &error);
  g_assert_no_error (error);

  ensure_sync (ca, SERVER_IP, &error);
  g_assert_no_error (error);

  root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_assert_cmpint (EVP_PKEY_eq (X509_get0_pubkey (root), X509_get0_pubkey (old_root)), ==, 1);
  assert_root_certificate (root);
  assert_server_certificate (server, root, SERVER_IP);
}

static void
test_missing_root_key (void)
{
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(X509) old_root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  g_autoptr(X509) root = NULL;
  g_autoptr(X509) server = NULL;
  g_autoptr(EVP_PKEY) root_key = NULL;

  ob_secret_store_clear_sync (env->store, OB_SECRET_OWNER_CA, OB_CERT_AUTHORITY_ROOT_KEY_ID,
                              OB_SECRET_KIND_PRIVATE_KEY, NULL, &error);
  g_assert_no_error (error);

  ensure_sync (ca, SERVER_IP, &error);
  g_assert_no_error (error);

  /* A certificate without its key is useless: a new root, and a server
   * certificate re-issued under it. */
  root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  root_key = env_load_key (env, OB_CERT_AUTHORITY_ROOT_KEY_ID);
  g_assert_cmpint (X509_check_private_key (root, root_key), ==, 1);
  g_assert_cmpint (EVP_PKEY_eq (X509_get0_pubkey (root), X509_get0_pubkey (old_root)), !=, 1);
  assert_root_certificate (root);
  assert_server_certificate (server, root, SERVER_IP);
  g_assert_cmpint (verify_chain (server, old_root, NULL, NULL), !=, 1);

  assert_no_private_key_on_disk (env);
}

static void
test_missing_server_key (void)
{
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(X509) old_server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_autoptr(X509) root = NULL;
  g_autoptr(X509) server = NULL;
  g_autoptr(EVP_PKEY) server_key = NULL;

  ob_secret_store_clear_sync (env->store, OB_SECRET_OWNER_CA, OB_CERT_AUTHORITY_SERVER_KEY_ID,
                              OB_SECRET_KIND_PRIVATE_KEY, NULL, &error);
  g_assert_no_error (error);

  ensure_sync (ca, SERVER_IP, &error);
  g_assert_no_error (error);

  root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  server_key = env_load_key (env, OB_CERT_AUTHORITY_SERVER_KEY_ID);
  g_assert_cmpint (X509_check_private_key (server, server_key), ==, 1);
  g_assert_cmpint (X509_check_private_key (old_server, server_key), !=, 1);
  ERR_clear_error ();
  assert_server_certificate (server, root, SERVER_IP);

  assert_no_private_key_on_disk (env);
}

/* A server certificate that expires in ten days is renewed. */
static void
test_renew_expiring (void)
{
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(X509) root = env_read_cert (env, OB_CERT_AUTHORITY_ROOT_FILE);
  g_autoptr(X509) old_server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_autoptr(X509) short_lived = X509_dup (old_server);
  g_autoptr(X509) server = NULL;
  g_autoptr(EVP_PKEY) root_key = env_load_key (env, OB_CERT_AUTHORITY_ROOT_KEY_ID);
  g_autofree char *path = env_path (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_autofree char *pem = NULL;

  g_assert_nonnull (X509_gmtime_adj (X509_getm_notAfter (short_lived), 10 * 24 * 3600));
  g_assert_cmpint (X509_sign (short_lived, root_key, EVP_sha384 ()), >, 0);
  g_assert_cmpint (verify_chain (short_lived, root, NULL, SERVER_IP), ==, 1);
  pem = _ob_tls_x509_to_pem (short_lived);
  g_file_set_contents (path, pem, -1, &error);
  g_assert_no_error (error);

  ensure_sync (ca, SERVER_IP, &error);
  g_assert_no_error (error);

  server = env_read_cert (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_assert_cmpint (X509_cmp (server, short_lived), !=, 0);
  assert_server_certificate (server, root, SERVER_IP);
  assert_time_near (X509_get0_notAfter (server), (gint64) (30 * 365.25 * 24 * 3600), 3 * 24 * 3600);
}

/* A locked or missing keyring is an error, never a reason to replace a
 * root that devices already trust. */
static void
test_keyring_unavailable (void)
{
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(GError) error = NULL;
  g_autofree char *root_before = env_read_file (env, OB_CERT_AUTHORITY_ROOT_FILE);
  g_autofree char *server_before = env_read_file (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_autofree char *root_after = NULL;
  g_autofree char *server_after = NULL;

  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (env->store), TRUE);

  g_assert_false (ensure_sync (ca, SERVER_DNS, &error));
  g_assert_error (error, OB_SECRET_STORE_ERROR, OB_SECRET_STORE_ERROR_UNAVAILABLE);
  g_assert_false (ob_cert_authority_get_ready (ca));

  root_after = env_read_file (env, OB_CERT_AUTHORITY_ROOT_FILE);
  server_after = env_read_file (env, OB_CERT_AUTHORITY_SERVER_FILE);
  g_assert_cmpstr (root_before, ==, root_after);
  g_assert_cmpstr (server_before, ==, server_after);

  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (env->store), FALSE);
  g_clear_error (&error);
  g_assert_true (ensure_sync (ca, SERVER_IP, &error));
  g_assert_no_error (error);
  g_assert_true (ob_cert_authority_get_ready (ca));
}

static void
test_invalid_name (void)
{
  static const char * const bad_names[] = {
    "",
    "two words",
    "mps.example.com,O=evil",
    "-leading.example.com",
    "double..dot.example.com",
    "trailing.example.com.",
    "x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
    "caf\xc3\xa9.example.com",
  };
  g_autoptr(Env) env = env_new ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (ensure_sync (ca, bad_names[i], &error));
      g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_INVALID_NAME);
    }

  g_assert_false (ob_cert_authority_get_ready (ca));
  g_assert_cmpuint (ob_secret_store_memory_get_n_secrets (OB_SECRET_STORE_MEMORY (env->store)), ==, 0);
  g_assert_false (g_file_test (env->dir, G_FILE_TEST_EXISTS));
}

static void
test_not_ready (void)
{
  g_autoptr(Env) env = env_new ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;

  g_assert_false (ob_cert_authority_get_ready (ca));
  g_assert_null (ob_cert_authority_get_common_name (ca));
  g_assert_null (ob_cert_authority_dup_root_pem (ca));
  g_assert_null (ob_cert_authority_dup_root_der (ca));
  g_assert_null (ob_cert_authority_dup_server_pem (ca));
  g_assert_null (ob_cert_authority_dup_root_fingerprint (ca, OB_HASH_ALGORITHM_SHA256));
  certificate = ob_cert_authority_dup_tls_certificate (ca, &error);
  g_assert_null (certificate);
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_NOT_READY);
}

typedef struct
{
  gboolean  done;
  GError   *error;
} HandshakeWait;

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  HandshakeWait *wait = user_data;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &wait->error);
  wait->done = TRUE;
}

static GIOStream *
socket_stream (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);

  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

/* A real handshake through GIO's TLS backend: the client trusts only the
 * root file and checks the server's identity. */
static void
test_tls_handshake (void)
{
  g_autoptr(Env) env = env_clone_template ();
  g_autoptr(ObCertAuthority) ca = ob_cert_authority_new (env->dir, env->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GIOStream) server_stream = NULL;
  g_autoptr(GIOStream) client_stream = NULL;
  g_autoptr(GIOStream) server = NULL;
  g_autoptr(GIOStream) client = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autofree char *root_path = env_path (env, OB_CERT_AUTHORITY_ROOT_FILE);
  HandshakeWait server_wait = { 0 };
  HandshakeWait client_wait = { 0 };
  int fds[2];

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("No TLS backend");
      return;
    }

  ensure_sync (ca, SERVER_IP, &error);
  g_assert_no_error (error);

  certificate = ob_cert_authority_dup_tls_certificate (ca, &error);
  g_assert_no_error (error);
  g_assert_nonnull (certificate);
  g_assert_null (g_tls_certificate_get_issuer (certificate));

  database = g_tls_file_database_new (root_path, &error);
  g_assert_no_error (error);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  server_stream = socket_stream (fds[0]);
  client_stream = socket_stream (fds[1]);

  server = g_tls_server_connection_new (server_stream, certificate, &error);
  g_assert_no_error (error);
  identity = g_network_address_new (SERVER_IP, 4433);
  client = g_tls_client_connection_new (client_stream, identity, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (client), database);

  g_tls_connection_handshake_async (G_TLS_CONNECTION (server), G_PRIORITY_DEFAULT, NULL,
                                    handshake_cb, &server_wait);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (client), G_PRIORITY_DEFAULT, NULL,
                                    handshake_cb, &client_wait);

  while (!server_wait.done || !client_wait.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (client_wait.error);
  g_assert_no_error (server_wait.error);
  g_assert_cmpint (g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (client)), ==, 0);

  g_io_stream_close (client, NULL, NULL);
  g_io_stream_close (server, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* PKCS#12                                                             */
/* ------------------------------------------------------------------ */

#define PFX_PASSWORD "correct horse"
#define LEAF_CN      "amt.example.com"

typedef struct
{
  EVP_PKEY *root_key;
  EVP_PKEY *intermediate_key;
  EVP_PKEY *leaf_key;
  EVP_PKEY *stranger_key;
  X509     *root;
  X509     *intermediate;
  X509     *leaf;
  X509     *expired_leaf;
  X509     *future_leaf;
} TestChain;

static TestChain *test_chain;

static void
add_test_extension (X509       *cert,
                    X509       *issuer,
                    int         nid,
                    const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_nconf_nid (NULL, &ctx, nid, value);
  g_assert_nonnull (ext);
  g_assert_cmpint (X509_add_ext (cert, ext, -1), ==, 1);
  X509_EXTENSION_free (ext);
}

/* A certificate signed by @issuer (NULL: self-signed), valid from
 * now + @from to now + @to seconds. */
static X509 *
make_cert (const char *cn,
           EVP_PKEY   *key,
           X509       *issuer,
           EVP_PKEY   *issuer_key,
           gboolean    is_ca,
           long        from,
           long        to,
           long        serial)
{
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();

  g_assert_cmpint (X509_set_version (cert, X509_VERSION_3), ==, 1);
  g_assert_cmpint (ASN1_INTEGER_set (X509_get_serialNumber (cert), serial), ==, 1);
  g_assert_nonnull (X509_gmtime_adj (X509_getm_notBefore (cert), from));
  g_assert_nonnull (X509_gmtime_adj (X509_getm_notAfter (cert), to));
  g_assert_cmpint (X509_set_pubkey (cert, key), ==, 1);
  g_assert_cmpint (X509_NAME_add_entry_by_NID (name, NID_commonName, MBSTRING_UTF8,
                                               (const unsigned char *) cn, -1, -1, 0), ==, 1);
  g_assert_cmpint (X509_set_subject_name (cert, name), ==, 1);
  g_assert_cmpint (X509_set_issuer_name (cert, issuer != NULL ? X509_get_subject_name (issuer) : name), ==, 1);
  X509_NAME_free (name);

  add_test_extension (cert, issuer != NULL ? issuer : cert, NID_basic_constraints,
                      is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_test_extension (cert, issuer != NULL ? issuer : cert, NID_subject_key_identifier, "hash");
  if (!is_ca)
    add_test_extension (cert, issuer, NID_ext_key_usage,
                        "serverAuth," OB_AMT_PROVISIONING_EKU_OID);

  g_assert_cmpint (X509_sign (cert, issuer_key != NULL ? issuer_key : key, EVP_sha256 ()), >, 0);

  return cert;
}

static TestChain *
get_test_chain (void)
{
  const long day = 24 * 3600;
  TestChain *chain;

  if (test_chain != NULL)
    return test_chain;

  chain = g_new0 (TestChain, 1);
  chain->root_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  chain->intermediate_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  chain->leaf_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  chain->stranger_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  g_assert_nonnull (chain->root_key);
  g_assert_nonnull (chain->intermediate_key);
  g_assert_nonnull (chain->leaf_key);
  g_assert_nonnull (chain->stranger_key);

  chain->root = make_cert ("Test Root CA", chain->root_key, NULL, NULL, TRUE,
                           -day, 3650 * day, 1);
  chain->intermediate = make_cert ("Test Issuing CA", chain->intermediate_key,
                                   chain->root, chain->root_key, TRUE, -day, 1825 * day, 2);
  chain->leaf = make_cert (LEAF_CN, chain->leaf_key, chain->intermediate,
                           chain->intermediate_key, FALSE, -day, 365 * day, 3);
  chain->expired_leaf = make_cert (LEAF_CN, chain->leaf_key, chain->intermediate,
                                   chain->intermediate_key, FALSE, -400 * day, -2 * day, 4);
  chain->future_leaf = make_cert (LEAF_CN, chain->leaf_key, chain->intermediate,
                                  chain->intermediate_key, FALSE, 2 * day, 365 * day, 5);

  test_chain = chain;
  return chain;
}

/* A PFX with @key (may be NULL) and @certs in the given order; @cert_nid
 * and @key_nid pick the bag encryption (0: OpenSSL's default, AES). */
static GBytes *
make_pfx_full (const char     *password,
               EVP_PKEY       *key,
               X509          **certs,
               guint           n_certs,
               int             key_nid,
               int             cert_nid,
               OSSL_LIB_CTX   *libctx)
{
  STACK_OF(X509) *stack = sk_X509_new_null ();
  g_autoptr(PKCS12) p12 = NULL;
  unsigned char *der = NULL;
  GBytes *bytes;
  int len;

  for (guint i = 0; i < n_certs; i++)
    sk_X509_push (stack, certs[i]);

  p12 = PKCS12_create_ex (password, "test", key, NULL, stack, key_nid, cert_nid,
                          0, 0, 0, libctx, NULL);
  sk_X509_free (stack);
  g_assert_nonnull (p12);

  len = i2d_PKCS12 (p12, &der);
  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, len);
  OPENSSL_free (der);

  return bytes;
}

static GBytes *
make_pfx (const char *password,
          EVP_PKEY   *key,
          X509      **certs,
          guint       n_certs)
{
  return make_pfx_full (password, key, certs, n_certs, 0, 0, NULL);
}

static void
assert_pfx_error (GBytes     *pfx,
                  const char *password,
                  int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCertChain) chain = ob_cert_chain_new_from_pkcs12 (pfx, password, &error);

  g_assert_null (chain);
  g_assert_error (error, OB_TLS_ERROR, code);
  g_test_message ("expected error: %s", error->message);
}

static void
assert_der_equals_cert (GBytes *der,
                        X509   *cert)
{
  g_autoptr(GBytes) expected = _ob_tls_x509_to_der (cert);

  g_assert_true (g_bytes_equal (der, expected));
}

static void
test_pkcs12_good (void)
{
  TestChain *tc = get_test_chain ();
  X509 *shuffled[] = { tc->intermediate, tc->root, tc->leaf };
  g_autoptr(GBytes) pfx = make_pfx (PFX_PASSWORD, tc->leaf_key, shuffled, G_N_ELEMENTS (shuffled));
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCertChain) chain = NULL;
  g_autoptr(GBytes) root_der = _ob_tls_x509_to_der (tc->root);
  g_autoptr(GDateTime) earliest = NULL;
  g_autoptr(GDateTime) leaf_not_after = NULL;
  g_autoptr(GDateTime) expected_expiry = NULL;
  g_autofree char *fp = NULL;
  g_autofree char *expected_fp = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *expected_pem = NULL;
  g_autofree char *base64 = NULL;
  g_autofree char *cn = NULL;
  g_autofree char *prop_cn = NULL;
  const char *order[] = { LEAF_CN, "Test Issuing CA", "Test Root CA" };
  X509 *ordered[] = { tc->leaf, tc->intermediate, tc->root };

  chain = ob_cert_chain_new_from_pkcs12 (pfx, PFX_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_nonnull (chain);

  g_assert_cmpuint (ob_cert_chain_get_n_certificates (chain), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) der = ob_cert_chain_dup_certificate_der (chain, i);
      g_autofree char *subject = ob_cert_chain_dup_subject_cn (chain, i);
      g_autofree char *cert_pem = ob_cert_chain_dup_certificate_pem (chain, i);
      g_autofree char *expected = _ob_tls_x509_to_pem (ordered[i]);

      assert_der_equals_cert (der, ordered[i]);
      g_assert_cmpstr (subject, ==, order[i]);
      g_assert_cmpstr (cert_pem, ==, expected);
    }

  g_assert_cmpstr (ob_cert_chain_get_leaf_common_name (chain), ==, LEAF_CN);
  g_object_get (chain, "leaf-common-name", &prop_cn, NULL);
  g_assert_cmpstr (prop_cn, ==, LEAF_CN);

  fp = ob_cert_chain_dup_root_fingerprint (chain, OB_HASH_ALGORITHM_SHA256);
  expected_fp = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, root_der);
  g_assert_cmpstr (fp, ==, expected_fp);
  g_clear_pointer (&fp, g_free);
  g_clear_pointer (&expected_fp, g_free);
  fp = ob_cert_chain_dup_root_fingerprint (chain, OB_HASH_ALGORITHM_SHA1);
  expected_fp = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, root_der);
  g_assert_cmpstr (fp, ==, expected_fp);

  /* The leaf expires first (one year; the CAs five and ten). */
  earliest = ob_cert_chain_dup_earliest_expiry (chain);
  leaf_not_after = ob_cert_chain_dup_not_after (chain, 0);
  expected_expiry = _ob_tls_asn1_time_to_date_time (X509_get0_notAfter (tc->leaf));
  g_assert_true (g_date_time_equal (earliest, expected_expiry));
  g_assert_true (g_date_time_equal (leaf_not_after, expected_expiry));

  pem = ob_cert_chain_dup_pem (chain);
  {
    g_autofree char *a = _ob_tls_x509_to_pem (tc->leaf);
    g_autofree char *b = _ob_tls_x509_to_pem (tc->intermediate);
    g_autofree char *c = _ob_tls_x509_to_pem (tc->root);

    expected_pem = g_strconcat (a, b, c, NULL);
  }
  g_assert_cmpstr (pem, ==, expected_pem);

  base64 = ob_cert_chain_dup_certificate_base64 (chain, 0);
  g_assert_null (strchr (base64, '\n'));
  {
    gsize len;
    g_autofree guchar *decoded = g_base64_decode (base64, &len);
    g_autoptr(GBytes) der = g_bytes_new (decoded, len);

    assert_der_equals_cert (der, tc->leaf);
  }

  cn = ob_cert_chain_dup_subject_cn (chain, 2);
  g_assert_cmpstr (cn, ==, "Test Root CA");

  g_assert_true (ob_cert_chain_matches_domain_suffix (chain, "example.com"));
  g_assert_true (ob_cert_chain_matches_domain_suffix (chain, "corp.example.com"));
  g_assert_true (ob_cert_chain_matches_domain_suffix (chain, "Example.COM"));
  g_assert_false (ob_cert_chain_matches_domain_suffix (chain, "example.org"));
  g_assert_false (ob_cert_chain_matches_domain_suffix (chain, "com"));
  g_assert_false (ob_cert_chain_matches_domain_suffix (chain, ""));
  g_assert_true (ob_cert_chain_leaf_has_provisioning_eku (chain));

  /* The private key signs what the leaf certificate verifies. */
  {
    g_autoptr(GBytes) nonces = g_bytes_new_static ("fwNonce-20-bytes....McNonce-20-bytes...", 40);
    g_autoptr(GBytes) signature = NULL;
    g_autoptr(GBytes) leaf_der = ob_cert_chain_dup_certificate_der (chain, 0);
    g_autoptr(GBytes) key_pem = NULL;

    signature = ob_cert_chain_sign_rsa_sha256 (chain, nonces, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (signature), ==, 256);
    g_assert_true (ob_crypto_verify_rsa_sha256 (leaf_der, nonces, signature, &error));
    g_assert_no_error (error);

    key_pem = ob_cert_chain_dup_private_key_pem (chain, &error);
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (g_bytes_get_data (key_pem, NULL), "-----BEGIN PRIVATE KEY-----"));
  }
}

static void
test_pkcs12_errors (void)
{
  TestChain *tc = get_test_chain ();
  X509 *full[] = { tc->leaf, tc->intermediate, tc->root };
  X509 *no_root[] = { tc->intermediate, tc->leaf };
  X509 *leaf_only[] = { tc->leaf };
  X509 *expired[] = { tc->root, tc->expired_leaf, tc->intermediate };
  X509 *future[] = { tc->future_leaf, tc->intermediate, tc->root };
  g_autoptr(GBytes) good = make_pfx (PFX_PASSWORD, tc->leaf_key, full, G_N_ELEMENTS (full));
  g_autoptr(GBytes) no_key = make_pfx (PFX_PASSWORD, NULL, full, G_N_ELEMENTS (full));
  g_autoptr(GBytes) incomplete = make_pfx (PFX_PASSWORD, tc->leaf_key, no_root, G_N_ELEMENTS (no_root));
  g_autoptr(GBytes) lonely = make_pfx (PFX_PASSWORD, tc->leaf_key, leaf_only, 1);
  g_autoptr(GBytes) expired_pfx = make_pfx (PFX_PASSWORD, tc->leaf_key, expired, G_N_ELEMENTS (expired));
  g_autoptr(GBytes) future_pfx = make_pfx (PFX_PASSWORD, tc->leaf_key, future, G_N_ELEMENTS (future));
  g_autoptr(GBytes) intermediate_key = make_pfx (PFX_PASSWORD, tc->intermediate_key, full, G_N_ELEMENTS (full));
  g_autoptr(GBytes) stranger_key = make_pfx (PFX_PASSWORD, tc->stranger_key, full, G_N_ELEMENTS (full));
  g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (good, 0, g_bytes_get_size (good) / 2);
  g_autoptr(GBytes) one_short = g_bytes_new_from_bytes (good, 0, g_bytes_get_size (good) - 1);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) garbage = NULL;
  g_autoptr(GError) error = NULL;
  guint8 noise[1024];

  for (gsize i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_test_rand_int_range (0, 256);
  garbage = g_bytes_new (noise, sizeof noise);

  assert_pfx_error (good, "wrong horse", OB_TLS_ERROR_WRONG_PASSWORD);
  assert_pfx_error (good, "", OB_TLS_ERROR_WRONG_PASSWORD);
  assert_pfx_error (good, NULL, OB_TLS_ERROR_WRONG_PASSWORD);
  assert_pfx_error (no_key, PFX_PASSWORD, OB_TLS_ERROR_MISSING_KEY);
  assert_pfx_error (incomplete, PFX_PASSWORD, OB_TLS_ERROR_INCOMPLETE_CHAIN);
  assert_pfx_error (lonely, PFX_PASSWORD, OB_TLS_ERROR_INCOMPLETE_CHAIN);
  assert_pfx_error (future_pfx, PFX_PASSWORD, OB_TLS_ERROR_NOT_YET_VALID);
  assert_pfx_error (intermediate_key, PFX_PASSWORD, OB_TLS_ERROR_KEY_MISMATCH);
  assert_pfx_error (stranger_key, PFX_PASSWORD, OB_TLS_ERROR_KEY_MISMATCH);
  assert_pfx_error (garbage, PFX_PASSWORD, OB_TLS_ERROR_MALFORMED);
  assert_pfx_error (truncated, PFX_PASSWORD, OB_TLS_ERROR_MALFORMED);
  assert_pfx_error (one_short, PFX_PASSWORD, OB_TLS_ERROR_MALFORMED);
  assert_pfx_error (empty, PFX_PASSWORD, OB_TLS_ERROR_MALFORMED);

  /* The expired error names the certificate and the date. */
  {
    g_autoptr(ObCertChain) chain = ob_cert_chain_new_from_pkcs12 (expired_pfx, PFX_PASSWORD, &error);
    g_autoptr(GDateTime) when = _ob_tls_asn1_time_to_date_time (X509_get0_notAfter (tc->expired_leaf));
    g_autofree char *date = g_date_time_format (when, "%Y-%m-%d");

    g_assert_null (chain);
    g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_EXPIRED);
    g_assert_nonnull (strstr (error->message, LEAF_CN));
    g_assert_nonnull (strstr (error->message, date));
    g_clear_error (&error);
  }

  /* A file written with an empty password opens with "" and with NULL. */
  {
    g_autoptr(GBytes) open_pfx = make_pfx ("", tc->leaf_key, full, G_N_ELEMENTS (full));
    g_autoptr(ObCertChain) a = ob_cert_chain_new_from_pkcs12 (open_pfx, "", &error);
    g_autoptr(ObCertChain) b = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (a);
    b = ob_cert_chain_new_from_pkcs12 (open_pfx, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (b);
    assert_pfx_error (open_pfx, "something", OB_TLS_ERROR_WRONG_PASSWORD);
  }

  /* Every single-byte corruption is an error, never a crash. */
  for (gsize i = 0; i < g_bytes_get_size (good); i += 97)
    {
      g_autoptr(GBytes) mutated = NULL;
      g_autoptr(ObCertChain) chain = NULL;
      guint8 *copy = g_memdup2 (g_bytes_get_data (good, NULL), g_bytes_get_size (good));

      copy[i] ^= 0x5a;
      mutated = g_bytes_new_take (copy, g_bytes_get_size (good));
      chain = ob_cert_chain_new_from_pkcs12 (mutated, PFX_PASSWORD, &error);
      if (chain == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == OB_TLS_ERROR);
          g_clear_error (&error);
        }
    }
}

/* Older Windows exports protect certificates with RC2-40, which OpenSSL 3
 * only has in its legacy provider. */
/* A hostile file naming an absurd number of MAC rounds is refused before
 * any hashing starts, so the worker is not kept busy for hours. */
static void
test_pkcs12_iteration_bomb (void)
{
  TestChain *tc = get_test_chain ();
  X509 *full[] = { tc->leaf, tc->intermediate, tc->root };
  g_autoptr(GBytes) good = make_pfx (PFX_PASSWORD, tc->leaf_key, full, G_N_ELEMENTS (full));
  const unsigned char *p = g_bytes_get_data (good, NULL);
  g_autoptr(PKCS12) p12 = d2i_PKCS12 (NULL, &p, (long) g_bytes_get_size (good));
  const ASN1_INTEGER *iterations = NULL;
  g_autoptr(GBytes) bomb = NULL;
  unsigned char *der = NULL;
  gint64 started;
  int len;

  g_assert_nonnull (p12);
  PKCS12_get0_mac (NULL, NULL, NULL, &iterations, p12);
  g_assert_nonnull (iterations);
  ASN1_INTEGER_set ((ASN1_INTEGER *) iterations, 2000000000);
  len = i2d_PKCS12 (p12, &der);
  g_assert_cmpint (len, >, 0);
  bomb = g_bytes_new (der, len);
  OPENSSL_free (der);

  started = g_get_monotonic_time ();
  assert_pfx_error (bomb, PFX_PASSWORD, OB_TLS_ERROR_MALFORMED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
}

/* Rewrites a PBES2/PBKDF2 algorithm's iteration count in place. */
static void
set_pbes2_iterations (X509_ALGOR *alg,
                      long        iterations)
{
  PBE2PARAM *pbe2 = NULL;
  PBKDF2PARAM *kdf = NULL;

  g_assert_cmpint (OBJ_obj2nid (alg->algorithm), ==, NID_pbes2);
  pbe2 = ASN1_TYPE_unpack_sequence (ASN1_ITEM_rptr (PBE2PARAM), alg->parameter);
  g_assert_nonnull (pbe2);
  g_assert_cmpint (OBJ_obj2nid (pbe2->keyfunc->algorithm), ==, NID_id_pbkdf2);
  kdf = ASN1_TYPE_unpack_sequence (ASN1_ITEM_rptr (PBKDF2PARAM), pbe2->keyfunc->parameter);
  g_assert_nonnull (kdf);

  g_assert_cmpint (ASN1_INTEGER_set (kdf->iter, iterations), ==, 1);
  g_assert_nonnull (ASN1_TYPE_pack_sequence (ASN1_ITEM_rptr (PBKDF2PARAM), kdf,
                                             &pbe2->keyfunc->parameter));
  g_assert_nonnull (ASN1_TYPE_pack_sequence (ASN1_ITEM_rptr (PBE2PARAM), pbe2, &alg->parameter));

  PBKDF2PARAM_free (kdf);
  PBE2PARAM_free (pbe2);
}

/* @pfx with the key bag's (@key) or the certificate bags' (!@key)
 * encryption asking for @iterations PBKDF2 rounds, the MAC redone with
 * one round so only the bag count is hostile. */
static GBytes *
make_bag_bomb (GBytes     *pfx,
               const char *password,
               gboolean    key,
               long        iterations)
{
  const unsigned char *p = g_bytes_get_data (pfx, NULL);
  g_autoptr(PKCS12) p12 = d2i_PKCS12 (NULL, &p, (long) g_bytes_get_size (pfx));
  STACK_OF(PKCS7) *safes;
  unsigned char *der = NULL;
  gboolean changed = FALSE;
  GBytes *bytes;
  int len;

  g_assert_nonnull (p12);
  safes = PKCS12_unpack_authsafes (p12);
  g_assert_nonnull (safes);

  for (int i = 0; i < sk_PKCS7_num (safes); i++)
    {
      PKCS7 *p7 = sk_PKCS7_value (safes, i);
      int nid = OBJ_obj2nid (p7->type);

      if (!key && nid == NID_pkcs7_encrypted)
        {
          set_pbes2_iterations (p7->d.encrypted->enc_data->algorithm, iterations);
          changed = TRUE;
        }
      else if (key && nid == NID_pkcs7_data)
        {
          STACK_OF(PKCS12_SAFEBAG) *bags = PKCS12_unpack_p7data (p7);
          PKCS7 *repacked;

          g_assert_nonnull (bags);
          for (int j = 0; j < sk_PKCS12_SAFEBAG_num (bags); j++)
            {
              PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value (bags, j);
              const X509_ALGOR *alg = NULL;

              if (PKCS12_SAFEBAG_get_nid (bag) != NID_pkcs8ShroudedKeyBag)
                continue;
              X509_SIG_get0 (PKCS12_SAFEBAG_get0_pkcs8 (bag), &alg, NULL);
              set_pbes2_iterations ((X509_ALGOR *) alg, iterations);
              changed = TRUE;
            }

          repacked = PKCS12_pack_p7data (bags);
          g_assert_nonnull (repacked);
          sk_PKCS12_SAFEBAG_pop_free (bags, PKCS12_SAFEBAG_free);
          /* sk_set returns the new value, not the one it replaced. */
          sk_PKCS7_set (safes, i, repacked);
          PKCS7_free (p7);
        }
    }
  g_assert_true (changed);

  g_assert_cmpint (PKCS12_pack_authsafes (p12, safes), ==, 1);
  sk_PKCS7_pop_free (safes, PKCS7_free);
  g_assert_cmpint (PKCS12_set_mac (p12, password, -1, NULL, 0, 1, NULL), ==, 1);

  len = i2d_PKCS12 (p12, &der);
  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, len);
  OPENSSL_free (der);

  return bytes;
}

/* The same cap for the bags' own encryption: a key bag or a certificate
 * bag asking for two billion PBKDF2 rounds is refused at once, while a
 * modest count still opens. */
static void
test_pkcs12_bag_iteration_bomb (void)
{
  TestChain *tc = get_test_chain ();
  X509 *full[] = { tc->leaf, tc->intermediate, tc->root };
  g_autoptr(GBytes) good = make_pfx (PFX_PASSWORD, tc->leaf_key, full, G_N_ELEMENTS (full));
  g_autoptr(GBytes) key_bomb = make_bag_bomb (good, PFX_PASSWORD, TRUE, 2000000000);
  g_autoptr(GBytes) cert_bomb = make_bag_bomb (good, PFX_PASSWORD, FALSE, 2000000000);
  g_autoptr(GBytes) same_key = make_bag_bomb (good, PFX_PASSWORD, TRUE, PKCS12_DEFAULT_ITER);
  g_autoptr(GBytes) same_certs = make_bag_bomb (good, PFX_PASSWORD, FALSE, PKCS12_DEFAULT_ITER);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCertChain) chain = NULL;
  gint64 started;

  started = g_get_monotonic_time ();
  assert_pfx_error (key_bomb, PFX_PASSWORD, OB_TLS_ERROR_MALFORMED);
  assert_pfx_error (cert_bomb, PFX_PASSWORD, OB_TLS_ERROR_MALFORMED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 2 * G_USEC_PER_SEC);

  /* The rewrite itself keeps the file valid: written back with the count
   * it was made with, it opens, so the bombs fail on the count and not on
   * a broken file. */
  chain = ob_cert_chain_new_from_pkcs12 (same_key, PFX_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_cert_chain_get_n_certificates (chain), ==, 3);
  g_clear_object (&chain);
  chain = ob_cert_chain_new_from_pkcs12 (same_certs, PFX_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_cert_chain_get_n_certificates (chain), ==, 3);
}

static void
test_pkcs12_legacy (void)
{
  TestChain *tc = get_test_chain ();
  X509 *full[] = { tc->leaf, tc->intermediate, tc->root };
  g_autoptr(OSSL_LIB_CTX) libctx = OSSL_LIB_CTX_new ();
  OSSL_PROVIDER *legacy;
  OSSL_PROVIDER *deflt;
  g_autoptr(GBytes) pfx = NULL;
  g_autoptr(ObCertChain) chain = NULL;
  g_autoptr(GError) error = NULL;

  legacy = OSSL_PROVIDER_load (libctx, "legacy");
  deflt = OSSL_PROVIDER_load (libctx, "default");
  if (legacy == NULL || deflt == NULL)
    {
      ERR_clear_error ();
      g_test_skip ("The OpenSSL legacy provider is not installed");
      return;
    }

  pfx = make_pfx_full (PFX_PASSWORD, tc->leaf_key, full, G_N_ELEMENTS (full),
                       NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                       NID_pbe_WithSHA1And40BitRC2_CBC, libctx);

  chain = ob_cert_chain_new_from_pkcs12 (pfx, PFX_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ob_cert_chain_get_n_certificates (chain), ==, 3);
  g_assert_cmpstr (ob_cert_chain_get_leaf_common_name (chain), ==, LEAF_CN);

  assert_pfx_error (pfx, "wrong", OB_TLS_ERROR_WRONG_PASSWORD);

  OSSL_PROVIDER_unload (legacy);
  OSSL_PROVIDER_unload (deflt);
}

/* ------------------------------------------------------------------ */
/* Crypto helpers                                                      */
/* ------------------------------------------------------------------ */

static void
test_fingerprint (void)
{
  g_autoptr(GBytes) abc = g_bytes_new_static ("abc", 3);
  g_autoptr(GBytes) der = NULL;
  g_autofree char *sha1 = ob_crypto_fingerprint (abc, OB_HASH_ALGORITHM_SHA1);
  g_autofree char *sha256 = ob_crypto_fingerprint (abc, OB_HASH_ALGORITHM_SHA256);
  g_autofree char *sha384 = ob_crypto_fingerprint (abc, OB_HASH_ALGORITHM_SHA384);
  g_autofree char *display = ob_crypto_fingerprint_display (abc, OB_HASH_ALGORITHM_SHA1);
  static const struct {
    ObHashAlgorithm ours;
    GChecksumType   glib;
  } algorithms[] = {
    { OB_HASH_ALGORITHM_SHA1, G_CHECKSUM_SHA1 },
    { OB_HASH_ALGORITHM_SHA256, G_CHECKSUM_SHA256 },
    { OB_HASH_ALGORITHM_SHA384, G_CHECKSUM_SHA384 },
  };

  /* FIPS 180-2 test vectors. */
  g_assert_cmpstr (sha1, ==, "a9993e364706816aba3e25717850c26c9cd0d89d");
  g_assert_cmpstr (sha256, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  g_assert_cmpstr (sha384, ==,
                   "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                   "8086072ba1e7cc2358baeca134c825a7");
  g_assert_cmpstr (display, ==, "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D");

  /* A certificate's DER, against GLib's independent implementation. */
  der = _ob_tls_x509_to_der (get_test_chain ()->root);
  for (gsize i = 0; i < G_N_ELEMENTS (algorithms); i++)
    {
      g_autofree char *ours = ob_crypto_fingerprint (der, algorithms[i].ours);
      g_autofree char *theirs = g_compute_checksum_for_bytes (algorithms[i].glib, der);
      g_autofree char *shown = ob_crypto_fingerprint_display (der, algorithms[i].ours);
      g_autofree char *shown_lower = g_ascii_strdown (shown, -1);
      g_auto(GStrv) pairs = g_strsplit (shown_lower, ":", -1);
      g_autofree char *joined = g_strjoinv ("", pairs);

      g_assert_cmpstr (ours, ==, theirs);
      g_assert_cmpstr (joined, ==, theirs);
      g_assert_cmpuint (g_strv_length (pairs), ==, strlen (theirs) / 2);
    }
}

static void
test_pem_der (void)
{
  X509 *root = get_test_chain ()->root;
  g_autoptr(GBytes) der = _ob_tls_x509_to_der (root);
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = ob_crypto_der_to_pem (der, "CERTIFICATE");
  g_autofree char *expected = _ob_tls_x509_to_pem (root);
  g_autofree char *two = NULL;

  g_assert_cmpstr (pem, ==, expected);

  back = ob_crypto_pem_to_der (pem, -1, "CERTIFICATE", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, der));
  g_clear_pointer (&back, g_bytes_unref);

  back = ob_crypto_pem_to_der (pem, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, der));
  g_clear_pointer (&back, g_bytes_unref);

  /* The labelled block is found after others. */
  two = g_strconcat ("-----BEGIN PUBLIC THING-----\nAAAA\n-----END PUBLIC THING-----\n", pem, NULL);
  back = ob_crypto_pem_to_der (two, -1, "CERTIFICATE", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, der));
  g_clear_pointer (&back, g_bytes_unref);

  back = ob_crypto_pem_to_der (pem, -1, "PRIVATE KEY", &error);
  g_assert_null (back);
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED);
  g_clear_error (&error);

  back = ob_crypto_pem_to_der ("no pem here", -1, NULL, &error);
  g_assert_null (back);
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED);
  g_clear_error (&error);

  back = ob_crypto_pem_to_der (pem, (gssize) strlen (pem) / 2, NULL, &error);
  g_assert_null (back);
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED);
}

static void
test_sign_verify (void)
{
  TestChain *tc = get_test_chain ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key_pem = _ob_tls_private_key_to_pem (tc->leaf_key, &error);
  g_autoptr(GBytes) key_der = NULL;
  g_autoptr(GBytes) cert_der = _ob_tls_x509_to_der (tc->leaf);
  g_autofree char *cert_pem = _ob_tls_x509_to_pem (tc->leaf);
  g_autoptr(GBytes) cert_pem_bytes = g_bytes_new (cert_pem, strlen (cert_pem));
  g_autoptr(GBytes) other_cert = _ob_tls_x509_to_der (tc->root);
  g_autoptr(GBytes) message = g_bytes_new_static ("fwNonce || McNonce", 18);
  g_autoptr(GBytes) tampered_message = g_bytes_new_static ("fwNonce || McNoncf", 18);
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GBytes) bad_signature = NULL;
  g_autoptr(GBytes) short_signature = NULL;
  g_autoptr(GBytes) spki = NULL;
  g_autoptr(GBytes) ec_key = NULL;
  g_autofree char *spki_pem = NULL;
  guint8 *flipped;

  g_assert_no_error (error);

  signature = ob_crypto_sign_rsa_sha256 (key_pem, message, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (signature), ==, 256);

  /* PKCS#1 v1.5 is deterministic; the DER key gives the same bytes. */
  key_der = ob_crypto_pem_to_der (g_bytes_get_data (key_pem, NULL), (gssize) g_bytes_get_size (key_pem),
                                  "PRIVATE KEY", &error);
  g_assert_no_error (error);
  again = ob_crypto_sign_rsa_sha256 (key_der, message, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (signature, again));

  /* Verifies with the certificate (DER or PEM) and with the bare key. */
  g_assert_true (ob_crypto_verify_rsa_sha256 (cert_der, message, signature, &error));
  g_assert_no_error (error);
  g_assert_true (ob_crypto_verify_rsa_sha256 (cert_pem_bytes, message, signature, &error));
  g_assert_no_error (error);
  {
    BIO *bio = BIO_new (BIO_s_mem ());
    char *data;
    long len;

    g_assert_cmpint (PEM_write_bio_PUBKEY (bio, tc->leaf_key), ==, 1);
    len = BIO_get_mem_data (bio, &data);
    spki_pem = g_strndup (data, len);
    BIO_free (bio);
  }
  spki = g_bytes_new (spki_pem, strlen (spki_pem));
  g_assert_true (ob_crypto_verify_rsa_sha256 (spki, message, signature, &error));
  g_assert_no_error (error);

  /* An independent check with OpenSSL's one-shot API. */
  {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();

    g_assert_cmpint (EVP_DigestVerifyInit (ctx, NULL, EVP_sha256 (), NULL, tc->leaf_key), ==, 1);
    g_assert_cmpint (EVP_DigestVerify (ctx, g_bytes_get_data (signature, NULL), g_bytes_get_size (signature),
                                       g_bytes_get_data (message, NULL), g_bytes_get_size (message)), ==, 1);
    EVP_MD_CTX_free (ctx);
  }

  g_assert_false (ob_crypto_verify_rsa_sha256 (cert_der, tampered_message, signature, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  flipped = g_memdup2 (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));
  flipped[100] ^= 0x01;
  bad_signature = g_bytes_new_take (flipped, g_bytes_get_size (signature));
  g_assert_false (ob_crypto_verify_rsa_sha256 (cert_der, message, bad_signature, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  short_signature = g_bytes_new_from_bytes (signature, 0, 255);
  g_assert_false (ob_crypto_verify_rsa_sha256 (cert_der, message, short_signature, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  g_assert_false (ob_crypto_verify_rsa_sha256 (other_cert, message, signature, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);

  /* Keys that are not RSA, and things that are not keys. */
  ec_key = _ob_tls_private_key_to_pem (tc->stranger_key, &error);
  g_assert_no_error (error);
  g_assert_null (ob_crypto_sign_rsa_sha256 (ec_key, message, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_UNSUPPORTED_KEY);
  g_clear_error (&error);

  g_assert_null (ob_crypto_sign_rsa_sha256 (message, message, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED);
  g_clear_error (&error);

  g_assert_false (ob_crypto_verify_rsa_sha256 (message, message, signature, &error));
  g_assert_error (error, OB_TLS_ERROR, OB_TLS_ERROR_MALFORMED);
  g_clear_error (&error);
}

static void
test_domain_suffix (void)
{
  g_assert_true (ob_crypto_domain_suffix_matches ("amt.example.com", "example.com"));
  g_assert_true (ob_crypto_domain_suffix_matches ("amt.example.com", "vpro.example.com"));
  g_assert_true (ob_crypto_domain_suffix_matches ("*.Example.com", "example.COM."));
  g_assert_true (ob_crypto_domain_suffix_matches ("localhost", "localhost"));
  g_assert_false (ob_crypto_domain_suffix_matches ("amt.example.com", "example.org"));
  g_assert_false (ob_crypto_domain_suffix_matches ("amt.example.com", "sample.com"));
  g_assert_false (ob_crypto_domain_suffix_matches ("com", "example.com"));
  g_assert_false (ob_crypto_domain_suffix_matches ("amt.example.com", ""));
  g_assert_false (ob_crypto_domain_suffix_matches ("amt.example.com", "."));
  g_assert_false (ob_crypto_domain_suffix_matches (NULL, "example.com"));
  g_assert_false (ob_crypto_domain_suffix_matches ("example.com", NULL));
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cert-authority/generate", test_generate);
  g_test_add_func ("/cert-authority/reuse", test_reuse);
  g_test_add_func ("/cert-authority/common-name-change", test_common_name_change);
  g_test_add_func ("/cert-authority/concurrent-names", test_concurrent_names);
  g_test_add_func ("/cert-authority/missing-root-cert", test_missing_root_cert);
  g_test_add_func ("/cert-authority/missing-server-cert", test_missing_server_cert);
  g_test_add_func ("/cert-authority/corrupt-files", test_corrupt_files);
  g_test_add_func ("/cert-authority/missing-root-key", test_missing_root_key);
  g_test_add_func ("/cert-authority/missing-server-key", test_missing_server_key);
  g_test_add_func ("/cert-authority/renew-expiring", test_renew_expiring);
  g_test_add_func ("/cert-authority/keyring-unavailable", test_keyring_unavailable);
  g_test_add_func ("/cert-authority/invalid-name", test_invalid_name);
  g_test_add_func ("/cert-authority/not-ready", test_not_ready);
  g_test_add_func ("/cert-authority/tls-handshake", test_tls_handshake);
  g_test_add_func ("/pkcs12/good", test_pkcs12_good);
  g_test_add_func ("/pkcs12/errors", test_pkcs12_errors);
  g_test_add_func ("/pkcs12/legacy", test_pkcs12_legacy);
  g_test_add_func ("/pkcs12/iteration-bomb", test_pkcs12_iteration_bomb);
  g_test_add_func ("/pkcs12/bag-iteration-bomb", test_pkcs12_bag_iteration_bomb);
  g_test_add_func ("/crypto/fingerprint", test_fingerprint);
  g_test_add_func ("/crypto/pem-der", test_pem_der);
  g_test_add_func ("/crypto/sign-verify", test_sign_verify);
  g_test_add_func ("/crypto/domain-suffix", test_domain_suffix);

  result = g_test_run ();

  g_clear_pointer (&template_env, env_free);
  if (test_chain != NULL)
    {
      EVP_PKEY_free (test_chain->root_key);
      EVP_PKEY_free (test_chain->intermediate_key);
      EVP_PKEY_free (test_chain->leaf_key);
      EVP_PKEY_free (test_chain->stranger_key);
      X509_free (test_chain->root);
      X509_free (test_chain->intermediate);
      X509_free (test_chain->leaf);
      X509_free (test_chain->expired_leaf);
      X509_free (test_chain->future_leaf);
      g_clear_pointer (&test_chain, g_free);
    }

  return result;
}
