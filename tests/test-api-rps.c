/* test-api-rps.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "api-test-util.h"
#include "cira-test-util.h"
#include "ob-api-server.h"
#include "ob-secret-store-memory.h"

/* The RPS admin API (rps-rpc-activation.md §1) over real sockets: an
 * ObApiServer on 127.0.0.1 port 0 with a memory keyring, a SoupSession as
 * the client.  Every answer is kept, so the tests can check at the end
 * that no secret ever came back, nor reached the SQLite files. */

#define API_USER     "admin"
#define API_PASSWORD "Api-Passw0rd!"

#define CIRA_PASSWORD "Cira-Secret-Passw0rd"
#define AMT_PASSWORD  "Amt-Passw0rd!1"
#define AMT_PASSWORD2 "Amt-Passw0rd!2"
#define MEBX_PASSWORD "Mebx-Passw0rd!3"
#define PSK_PASSPHRASE "psk-secret-phrase-42"
#define PFX_PASSWORD  "Pfx-Secret-77"
#define LEAF_CN       "provision.vpro.example.com"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS12, PKCS12_free)

typedef struct
{
  char          *dir;
  char          *db_path;
  ObStore       *store;
  ObSecretStore *secrets;
  ObConfig      *config;
  ObApiServer   *api;
  ApiTestClient  client;
  GString       *transcript;
} Fixture;

/* ------------------------------------------------------------------------
 * Plumbing
 * ------------------------------------------------------------------------ */

/* Every answer's body and ETag go into the transcript. */
static void
record_reply (SoupMessage  *msg,
              ApiTestReply *reply,
              gpointer      user_data)
{
  Fixture *f = user_data;
  const char *etag = soup_message_headers_get_one (reply->headers, "ETag");

  g_string_append_len (f->transcript, g_bytes_get_data (reply->body, NULL),
                       g_bytes_get_size (reply->body));
  g_string_append_c (f->transcript, '\n');
  if (etag != NULL)
    g_string_append_printf (f->transcript, "%s\n", etag);
}

/* @headers: NULL-terminated name, value pairs added to the request. */
static ApiTestReply *
send_with_headers (Fixture            *f,
                   const char         *method,
                   const char         *path,
                   const char         *body,
                   const char * const *headers)
{
  g_autoptr(SoupMessage) msg = api_test_message_new (&f->client, method, path, NULL, body, -1,
                                                     NULL, FALSE);

  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i],
                                  headers[i + 1]);

  return api_test_send_message (&f->client, msg);
}

/* The same with an expected text that is freed afterwards. */
static void
assert_reply_take_at (const char *file,
                      int         line,
                      ApiTestReply      *reply,
                      guint       want_status,
                      char       *want_json)
{
  api_test_assert_reply_at (file, line, reply, want_status, want_json);
  g_free (want_json);
}

#define assert_reply_take(reply, want_status, want_json) \
  assert_reply_take_at (__FILE__, __LINE__, (reply), (want_status), (want_json))

/* A 400 whose errors are exactly @expected ("path|msg" each, in order);
 * every entry also has type "field" and location "body" (or "query" when
 * the path starts with '$'). */
static void
assert_errors_at (const char         *file,
                  int                 line,
                  ApiTestReply              *reply,
                  const char * const *expected)
{
  g_autofree char *text = api_test_reply_text (reply);
  JsonArray *errors;
  guint n = g_strv_length ((char **) expected);

  if (reply->status != SOUP_STATUS_BAD_REQUEST || reply->json == NULL
      || !JSON_NODE_HOLDS_OBJECT (reply->json)
      || !json_object_has_member (json_node_get_object (reply->json), "errors"))
    g_error ("%s:%d: expected a validation failure, got %u %s", file, line, reply->status, text);

  errors = json_object_get_array_member (json_node_get_object (reply->json), "errors");
  if (json_array_get_length (errors) != n)
    g_error ("%s:%d: %u errors expected, got %s", file, line, n, text);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *entry = json_array_get_object_element (errors, i);
      g_autofree char *got = g_strdup_printf ("%s|%s",
                                              json_object_get_string_member (entry, "path"),
                                              json_object_get_string_member (entry, "msg"));

      if (strcmp (got, expected[i]) != 0)
        g_error ("%s:%d: error %u is “%s”, expected “%s”; body %s", file, line, i, got,
                 expected[i], text);
      g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, "field");
      g_assert_cmpstr (json_object_get_string_member (entry, "location"), ==,
                       expected[i][0] == '$' ? "query" : "body");
    }
}

#define assert_errors(reply, ...) \
  G_STMT_START { \
    const char * const expected_[] = { __VA_ARGS__, NULL }; \
    assert_errors_at (__FILE__, __LINE__, (reply), expected_); \
  } G_STMT_END

/* POSTs @body and checks the validation errors. */
#define assert_post_errors(f, path, body, ...) \
  G_STMT_START { \
    g_autoptr(ApiTestReply) r_ = api_test_send_json (&(f)->client, "POST", (path), (body)); \
    assert_errors (r_, __VA_ARGS__); \
  } G_STMT_END

#define assert_patch_errors(f, path, body, ...) \
  G_STMT_START { \
    g_autoptr(ApiTestReply) r_ = api_test_send_json (&(f)->client, "PATCH", (path), (body)); \
    assert_errors (r_, __VA_ARGS__); \
  } G_STMT_END

static char *
secret_text (Fixture    *f,
             const char *owner,
             const char *id,
             const char *kind)
{
  g_autoptr(GError) error = NULL;
  char *text = ob_secret_store_lookup_text_sync (f->secrets, owner, id, kind, NULL, &error);

  g_assert_no_error (error);

  return text;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  f->dir = g_dir_make_tmp ("outband-rps-api-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "outband.db", NULL);
  f->store = ob_store_new_for_path (f->db_path, &error);
  g_assert_no_error (error);
  f->secrets = ob_secret_store_memory_new ();
  f->config = ob_config_new ();
  f->transcript = g_string_new (NULL);

  ob_api_store_password_sync (f->secrets, API_PASSWORD, NULL, &error);
  g_assert_no_error (error);

  f->api = ob_api_server_new (f->config, f->store, f->secrets, NULL);
  ob_api_server_start_async (f->api, "127.0.0.1", 0, NULL, cira_test_store_result, &result);
  ob_api_server_start_finish (f->api, cira_test_wait_result (&result), &error);
  g_assert_no_error (error);

  api_test_client_init (&f->client, f->api);
  f->client.on_reply = record_reply;
  f->client.on_reply_data = f;
  f->client.token = api_test_login (&f->client, API_USER, API_PASSWORD);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  user_data)
{
  ob_api_server_stop (f->api);
  api_test_client_clear (&f->client);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_finalize_object (f->api);
  g_clear_object (&f->config);
  g_clear_object (&f->secrets);
  g_clear_object (&f->store);
  api_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db_path);
  g_string_free (f->transcript, TRUE);
}

/* No answer so far carried @secret, and neither do the database files. */
static void
assert_secret_nowhere (Fixture    *f,
                       const void *secret,
                       gsize       len)
{
  static const char * const suffixes[] = { "", "-wal", "-journal", "-shm" };

  g_assert_null (memmem (f->transcript->str, f->transcript->len, secret, len));

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (f->db_path, suffixes[i], NULL);
      g_autofree char *contents = NULL;
      gsize size = 0;

      if (!g_file_get_contents (path, &contents, &size, NULL))
        continue;
      g_assert_null (memmem (contents, size, secret, len));
    }
}

static void
assert_text_nowhere (Fixture    *f,
                     const char *secret)
{
  assert_secret_nowhere (f, secret, strlen (secret));
}

/* ------------------------------------------------------------------------
 * A provisioning certificate chain, made with OpenSSL
 * ------------------------------------------------------------------------ */

typedef struct
{
  EVP_PKEY *root_key;
  EVP_PKEY *intermediate_key;
  EVP_PKEY *leaf_key;
  X509     *root;
  X509     *intermediate;
  X509     *leaf;
  X509     *expired_leaf;
  X509     *other_leaf;      /* CN in another domain */
} Chain;

static Chain *test_chain;

static void
add_extension (X509       *cert,
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
  g_assert_cmpint (X509_set_issuer_name (cert, issuer != NULL ? X509_get_subject_name (issuer) : name),
                   ==, 1);
  X509_NAME_free (name);

  add_extension (cert, issuer != NULL ? issuer : cert, NID_basic_constraints,
                 is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (!is_ca)
    add_extension (cert, issuer, NID_ext_key_usage, "serverAuth,2.16.840.1.113741.1.2.3");

  g_assert_cmpint (X509_sign (cert, issuer_key != NULL ? issuer_key : key, EVP_sha256 ()), >, 0);

  return cert;
}

static Chain *
get_chain (void)
{
  const long day = 24 * 3600;
  Chain *c;

  if (test_chain != NULL)
    return test_chain;

  /* EC keys: quick to make, and the chain rules do not depend on the
   * key type. */
  c = g_new0 (Chain, 1);
  c->root_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  c->intermediate_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  c->leaf_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  c->root = make_cert ("Test Root", c->root_key, NULL, NULL, TRUE, -day, 3650 * day, 1);
  c->intermediate = make_cert ("Test Issuing CA", c->intermediate_key, c->root, c->root_key,
                               TRUE, -day, 1825 * day, 2);
  c->leaf = make_cert (LEAF_CN, c->leaf_key, c->intermediate, c->intermediate_key, FALSE,
                       -day, 365 * day, 3);
  c->expired_leaf = make_cert (LEAF_CN, c->leaf_key, c->intermediate, c->intermediate_key, FALSE,
                               -400 * day, -2 * day, 4);
  c->other_leaf = make_cert ("provision.other.test", c->leaf_key, c->intermediate,
                             c->intermediate_key, FALSE, -day, 200 * day, 5);

  test_chain = c;
  return c;
}

static GBytes *
make_pfx (const char *password,
          X509      **certs,
          guint       n_certs)
{
  Chain *c = get_chain ();
  STACK_OF(X509) *stack = sk_X509_new_null ();
  g_autoptr(PKCS12) p12 = NULL;
  unsigned char *der = NULL;
  GBytes *bytes;
  int len;

  for (guint i = 0; i < n_certs; i++)
    sk_X509_push (stack, certs[i]);

  p12 = PKCS12_create_ex (password, "test", c->leaf_key, NULL, stack, 0, 0, 0, 0, 0, NULL, NULL);
  sk_X509_free (stack);
  g_assert_nonnull (p12);

  len = i2d_PKCS12 (p12, &der);
  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, len);
  OPENSSL_free (der);

  return bytes;
}

static char *
pfx_base64 (const char *password,
            X509      **certs,
            guint       n_certs)
{
  g_autoptr(GBytes) pfx = make_pfx (password, certs, n_certs);

  return g_base64_encode (g_bytes_get_data (pfx, NULL), g_bytes_get_size (pfx));
}

static char *
good_pfx_base64 (void)
{
  Chain *c = get_chain ();
  X509 *certs[] = { c->leaf, c->intermediate, c->root };

  return pfx_base64 (PFX_PASSWORD, certs, G_N_ELEMENTS (certs));
}

/* The key bag's PBKDF2 rounds rewritten to two billion (MAC redone with
 * one round): opening it without a cap would take hours. */
static char *
bomb_pfx_base64 (void)
{
  Chain *c = get_chain ();
  X509 *certs[] = { c->leaf, c->intermediate, c->root };
  g_autoptr(GBytes) pfx = make_pfx (PFX_PASSWORD, certs, G_N_ELEMENTS (certs));
  const unsigned char *p = g_bytes_get_data (pfx, NULL);
  g_autoptr(PKCS12) p12 = d2i_PKCS12 (NULL, &p, (long) g_bytes_get_size (pfx));
  STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes (p12);
  unsigned char *der = NULL;
  char *b64;
  int len;

  g_assert_nonnull (safes);
  for (int i = 0; i < sk_PKCS7_num (safes); i++)
    {
      PKCS7 *p7 = sk_PKCS7_value (safes, i);
      STACK_OF(PKCS12_SAFEBAG) *bags;

      if (OBJ_obj2nid (p7->type) != NID_pkcs7_data)
        continue;

      bags = PKCS12_unpack_p7data (p7);
      for (int j = 0; j < sk_PKCS12_SAFEBAG_num (bags); j++)
        {
          PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value (bags, j);
          const X509_ALGOR *alg = NULL;
          X509_ALGOR *writable;
          PBE2PARAM *pbe2;
          PBKDF2PARAM *kdf;

          if (PKCS12_SAFEBAG_get_nid (bag) != NID_pkcs8ShroudedKeyBag)
            continue;
          X509_SIG_get0 (PKCS12_SAFEBAG_get0_pkcs8 (bag), &alg, NULL);
          writable = (X509_ALGOR *) alg;
          pbe2 = ASN1_TYPE_unpack_sequence (ASN1_ITEM_rptr (PBE2PARAM), writable->parameter);
          g_assert_nonnull (pbe2);
          kdf = ASN1_TYPE_unpack_sequence (ASN1_ITEM_rptr (PBKDF2PARAM), pbe2->keyfunc->parameter);
          g_assert_nonnull (kdf);
          ASN1_INTEGER_set (kdf->iter, 2000000000);
          g_assert_nonnull (ASN1_TYPE_pack_sequence (ASN1_ITEM_rptr (PBKDF2PARAM), kdf,
                                                     &pbe2->keyfunc->parameter));
          g_assert_nonnull (ASN1_TYPE_pack_sequence (ASN1_ITEM_rptr (PBE2PARAM), pbe2,
                                                     &writable->parameter));
          PBKDF2PARAM_free (kdf);
          PBE2PARAM_free (pbe2);
        }

      sk_PKCS7_set (safes, i, PKCS12_pack_p7data (bags));
      PKCS7_free (p7);
      sk_PKCS12_SAFEBAG_pop_free (bags, PKCS12_SAFEBAG_free);
    }

  g_assert_cmpint (PKCS12_pack_authsafes (p12, safes), ==, 1);
  sk_PKCS7_pop_free (safes, PKCS7_free);
  g_assert_cmpint (PKCS12_set_mac (p12, PFX_PASSWORD, -1, NULL, 0, 1, NULL), ==, 1);

  len = i2d_PKCS12 (p12, &der);
  g_assert_cmpint (len, >, 0);
  b64 = g_base64_encode (der, len);
  OPENSSL_free (der);

  return b64;
}

/* ------------------------------------------------------------------------
 * Bodies
 * ------------------------------------------------------------------------ */

static const char cira_body[] =
  "{\"configName\":\"cira1\",\"mpsServerAddress\":\"192.168.1.10\",\"mpsPort\":4433,"
  "\"username\":\"admin123\",\"password\":\"" CIRA_PASSWORD "\",\"commonName\":\"192.168.1.10\","
  "\"serverAddressFormat\":3,\"authMethod\":2,\"mpsRootCertificate\":\"MIIBroot\","
  "\"proxyDetails\":\"\"}";

static void
create_cira (Fixture    *f,
             const char *name)
{
  g_autofree char *body = g_strdup_printf ("{\"configName\":\"%s\",\"mpsServerAddress\":\"mps.example.com\","
                                           "\"mpsPort\":4433,\"username\":\"admin123\","
                                           "\"serverAddressFormat\":201,\"authMethod\":2,"
                                           "\"mpsRootCertificate\":\"MIIBroot\"}", name);
  g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/ciraconfigs", body);

  api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
}

static void
create_ieee (Fixture    *f,
             const char *name,
             gboolean    wired)
{
  g_autofree char *body = wired
    ? g_strdup_printf ("{\"profileName\":\"%s\",\"wiredInterface\":true,"
                       "\"authenticationProtocol\":0,\"pxeTimeout\":120}", name)
    : g_strdup_printf ("{\"profileName\":\"%s\",\"wiredInterface\":false,"
                       "\"authenticationProtocol\":2}", name);
  g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/ieee8021xconfigs", body);

  api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
}

static void
create_wifi (Fixture    *f,
             const char *name)
{
  g_autofree char *body = g_strdup_printf ("{\"profileName\":\"%s\",\"authenticationMethod\":6,"
                                           "\"encryptionMethod\":4,\"ssid\":\"lab-net\","
                                           "\"pskPassphrase\":\"" PSK_PASSPHRASE "\"}", name);
  g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/wirelessconfigs", body);

  api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
}

/* ------------------------------------------------------------------------
 * Routing, version, authentication
 * ------------------------------------------------------------------------ */

static void
test_routing (Fixture       *f,
              gconstpointer  user_data)
{
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/admin/");

    api_test_assert_reply (reply, SOUP_STATUS_OK, "{\"message\":\"admin path. use admin/profiles\"}");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/rps/api/v1/admin/version");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "protocolVersion"), ==,
                     "4.0.0");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/admin/health");

    api_test_assert_reply (reply, SOUP_STATUS_OK,
                           "{\"db\":{\"name\":\"SQLITE\",\"status\":\"OK\"},\"secretStore\":{\"name\":\"KEYRING\","
                           "\"status\":{\"initialized\":true,\"sealed\":false}}}");
  }
  {
    g_autoptr(ApiTestReply) reply = NULL;

    ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (f->secrets), TRUE);
    reply = api_test_get (&f->client, "/rps/api/v1/admin/health");
    ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (f->secrets), FALSE);
    api_test_assert_reply (reply, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
    g_assert_false (json_object_get_boolean_member (json_object_get_object_member (
      json_object_get_object_member (api_test_reply_object (reply), "secretStore"), "status"), "initialized"));
  }
  {
    /* Both mounts, and Express's case-insensitive, trailing-slash routing. */
    g_autoptr(ApiTestReply) a = api_test_get (&f->client, "/api/v1/admin/profiles");
    g_autoptr(ApiTestReply) b = api_test_get (&f->client, "/rps/api/v1/admin/Profiles/");

    api_test_assert_reply (a, SOUP_STATUS_OK, "[]");
    api_test_assert_reply (b, SOUP_STATUS_OK, "[]");
  }
  {
    /* The gateway's token check covers the RPS routes too. */
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "GET", "/api/v1/admin/profiles",
                                                   NULL, NULL, -1, "", FALSE);

    api_test_assert_reply (reply, SOUP_STATUS_UNAUTHORIZED, NULL);
  }
  {
    static const struct { const char *method; const char *path; } missing[] = {
      { "PUT", "/api/v1/admin/profiles" },
      { "DELETE", "/api/v1/admin/profiles" },
      { "POST", "/api/v1/admin/profiles/p1" },
      { "GET", "/api/v1/admin/nothing" },
      { "GET", "/api/v1/admin/profiles/a/b" },
      { "GET", "/api/v1/adminx/profiles" },
      { "GET", "/api/v1/admin//" },
      { "GET", "/api/v1/admin/profiles//" },
      { "GET", "/api/v1/admin/version/x" },
      { "PATCH", "/api/v1/admin/domains/d1" },
      { "DELETE", "/api/v1/admin" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
      {
        g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, missing[i].method, missing[i].path, NULL);

        api_test_assert_reply (reply, SOUP_STATUS_NOT_FOUND, NULL);
      }
  }
  {
    /* A name with escapes in it is decoded once: "x%41y" is not "xAy". */
    g_autoptr(ApiTestReply) created = api_test_send_json (&f->client, "POST", "/api/v1/admin/profiles",
                                                          "{\"profileName\":\"x%41y\",\"activation\":\"ccmactivate\","
                                                          "\"generateRandomPassword\":true,\"dhcpEnabled\":false}");
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/admin/profiles/x%2541y");
    g_autoptr(ApiTestReply) other = api_test_get (&f->client, "/api/v1/admin/profiles/xAy");

    api_test_assert_reply (created, SOUP_STATUS_CREATED, NULL);
    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "profileName"), ==, "x%41y");
    api_test_assert_reply (other, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"AMT profile xAy Not Found\"}");
  }
  {
    /* Not JSON at all. */
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/profiles", "{\"profileName\":");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST, NULL);
  }
}

/* ------------------------------------------------------------------------
 * CIRA configs
 * ------------------------------------------------------------------------ */

static void
test_cira_crud (Fixture       *f,
                gconstpointer  user_data)
{
  g_autofree char *stored = NULL;
  g_autofree char *version = NULL;

  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/ciraconfigs", cira_body);

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    version = g_strdup (json_object_get_string_member (api_test_reply_object (reply), "version"));
    g_assert_nonnull (version);
    assert_reply_take (reply, SOUP_STATUS_CREATED, g_strdup_printf (
      "{\"configName\":\"cira1\",\"mpsServerAddress\":\"192.168.1.10\",\"mpsPort\":4433,"
      "\"username\":\"admin123\",\"commonName\":\"192.168.1.10\",\"serverAddressFormat\":3,"
      "\"authMethod\":2,\"mpsRootCertificate\":\"MIIBroot\",\"proxyDetails\":\"\","
      "\"tenantId\":\"\",\"version\":\"%s\"}", version));
  }

  stored = secret_text (f, OB_SECRET_OWNER_CIRA_CONFIG, "cira1", OB_SECRET_KIND_MPS_PASSWORD);
  g_assert_cmpstr (stored, ==, CIRA_PASSWORD);

  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/ciraconfigs", cira_body);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Unique key violation\",\"message\":\"CIRA Config cira1 already exists.\"}");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/admin/ciraconfigs/CIRA1");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "configName"), ==, "cira1");
    g_assert_false (json_object_has_member (api_test_reply_object (reply), "password"));
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/admin/ciraconfigs?$count=true");
    JsonObject *object = api_test_reply_object (reply);
    JsonArray *data = json_object_get_array_member (object, "data");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (object, "totalCount"), ==, 1);
    g_assert_cmpuint (json_array_get_length (data), ==, 1);
    g_assert_false (json_object_has_member (json_array_get_object_element (data, 0), "password"));
    g_assert_false (json_object_has_member (json_array_get_object_element (data, 0), "total_count"));
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/admin/ciraconfigs/nope");

    api_test_assert_reply (reply, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"CIRA profile nope Not Found\"}");
  }

  /* PATCH: merged; the version moves on. */
  {
    g_autofree char *body = g_strdup_printf ("{\"configName\":\"cira1\",\"mpsPort\":4434,"
                                             "\"version\":\"%s\"}", version);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", "/api/v1/admin/ciraconfigs", body);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "mpsPort"), ==, 4434);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "username"), ==, "admin123");
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "version"), !=, version);
    g_free (version);
    version = g_strdup (json_object_get_string_member (api_test_reply_object (reply), "version"));
  }

  /* Stale version: 409 with the current record and its version as ETag;
   * with If-Match 412; no version at all is a conflict too. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", "/api/v1/admin/ciraconfigs",
                                                        "{\"configName\":\"cira1\",\"mpsPort\":5000,\"version\":\"1\"}");

    api_test_assert_reply (reply, SOUP_STATUS_CONFLICT, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "mpsPort"), ==, 4434);
    g_assert_cmpstr (soup_message_headers_get_one (reply->headers, "ETag"), ==, version);
  }
  {
    const char * const headers[] = { "If-Match", "1", NULL };
    g_autoptr(ApiTestReply) reply = send_with_headers (f, "PATCH", "/api/v1/admin/ciraconfigs",
                                                       "{\"configName\":\"cira1\",\"mpsPort\":5000,\"version\":\"1\"}",
                                                       headers);

    api_test_assert_reply (reply, SOUP_STATUS_PRECONDITION_FAILED, NULL);
    g_assert_cmpstr (soup_message_headers_get_one (reply->headers, "ETag"), ==, version);
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", "/api/v1/admin/ciraconfigs",
                                                        "{\"configName\":\"cira1\",\"mpsPort\":5000}");

    api_test_assert_reply (reply, SOUP_STATUS_CONFLICT, NULL);
  }
  {
    /* If-Match wins over the body's version. */
    const char * const headers[] = { "If-Match", version, NULL };
    g_autoptr(ApiTestReply) reply = send_with_headers (f, "PATCH", "/api/v1/admin/ciraconfigs",
                                                       "{\"configName\":\"cira1\",\"mpsPort\":5000,\"version\":\"1\","
                                                       "\"password\":\"Other-Secret-Passw0rd\"}",
                                                       headers);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "mpsPort"), ==, 5000);
  }
  {
    g_autofree char *now = secret_text (f, OB_SECRET_OWNER_CIRA_CONFIG, "cira1",
                                        OB_SECRET_KIND_MPS_PASSWORD);

    g_assert_cmpstr (now, ==, "Other-Secret-Passw0rd");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", "/api/v1/admin/ciraconfigs",
                                                        "{\"configName\":\"ghost\",\"version\":\"1\"}");

    api_test_assert_reply (reply, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"CIRA profile ghost Not Found\"}");
  }

  /* In use by a profile: refused with the reference's message. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/profiles",
                                                        "{\"profileName\":\"p1\",\"activation\":\"ccmactivate\","
                                                        "\"generateRandomPassword\":true,\"dhcpEnabled\":true,"
                                                        "\"ciraConfigName\":\"cira1\"}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/ciraconfigs/cira1", NULL);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Foreign key violation\","
                           "\"message\":\"CIRA Config: cira1 is associated with an AMT profile\"}");
  }
  {
    g_autoptr(ApiTestReply) a = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/profiles/p1", NULL);
    g_autoptr(ApiTestReply) b = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/ciraconfigs/cira1", NULL);
    g_autoptr(ApiTestReply) c = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/ciraconfigs/cira1", NULL);
    g_autofree char *gone = NULL;

    api_test_assert_reply (a, SOUP_STATUS_NO_CONTENT, NULL);
    api_test_assert_reply (b, SOUP_STATUS_NO_CONTENT, NULL);
    g_assert_cmpuint (g_bytes_get_size (b->body), ==, 0);
    api_test_assert_reply (c, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"CIRA profile cira1 Not Found\"}");
    gone = secret_text (f, OB_SECRET_OWNER_CIRA_CONFIG, "cira1", OB_SECRET_KIND_MPS_PASSWORD);
    g_assert_null (gone);
  }

  assert_text_nowhere (f, CIRA_PASSWORD);
  assert_text_nowhere (f, "Other-Secret-Passw0rd");
}

static void
test_cira_validation (Fixture       *f,
                      gconstpointer  user_data)
{
  const char *path = "/api/v1/admin/ciraconfigs";

  assert_post_errors (f, path, "{}",
                      "configName|CIRA profile name is required",
                      "configName|CIRA profile name accepts letters, numbers, special characters and no spaces",
                      "serverAddressFormat|MPS server address format is required",
                      "serverAddressFormat|MPS server address format should be either 3(IPV4) , 4(IPV6) or 201(FQDN)",
                      "mpsServerAddress|MPS server address is required",
                      "mpsServerAddress|serverAddressFormat is required",
                      "mpsPort|MPS port is required",
                      "mpsPort|MPS Port value should range between 1024 and 49151",
                      "username|MPS user name is required",
                      "username|MPS user name should be alphanumeric",
                      "username|MPS user name length should be in between 5 to 16",
                      "authMethod|Authentication method is required",
                      "authMethod|Authentication method should be either 1 (Mutual Auth) or 2 (username and password)",
                      "mpsRootCertificate|MPS public root certificate is required");

  /* '$' is not allowed in CIRA names (it is in profile names), nor
   * spaces; the "&-_" range lets '?' through. */
  assert_post_errors (f, path,
                      "{\"configName\":\"a$b\",\"mpsServerAddress\":\"mps.example.com\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":201,\"authMethod\":2,"
                      "\"mpsRootCertificate\":\"x\"}",
                      "configName|CIRA profile name accepts letters, numbers, special characters and no spaces");
  assert_post_errors (f, path,
                      "{\"configName\":\"a b\",\"mpsServerAddress\":\"mps.example.com\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":201,\"authMethod\":2,"
                      "\"mpsRootCertificate\":\"x\"}",
                      "configName|CIRA profile name accepts letters, numbers, special characters and no spaces");
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"configName\":\"a?b\",\"mpsServerAddress\":\"mps.example.com\","
                                                        "\"mpsPort\":4433,\"username\":\"admin123\",\"serverAddressFormat\":201,"
                                                        "\"authMethod\":2,\"mpsRootCertificate\":\"x\"}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
  }

  /* Address rules per format. */
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"mps.example.com\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":3,\"authMethod\":2,"
                      "\"mpsRootCertificate\":\"x\"}",
                      "mpsServerAddress|serverAddressFormat 3 requires IPV4 server address");
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"10.0.0.1\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":3,\"authMethod\":2,"
                      "\"mpsRootCertificate\":\"x\"}",
                      "mpsServerAddress|commonName is required when serverAddressFormat is 3");
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"mps--1.example.com\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":201,\"authMethod\":2,"
                      "\"mpsRootCertificate\":\"x\"}",
                      "mpsServerAddress|serverAddressFormat 201 requires FQDN server address");
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"10.0.0.256\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":3,\"commonName\":\"10.0.0.1\","
                      "\"authMethod\":2,\"mpsRootCertificate\":\"x\"}",
                      "mpsServerAddress|serverAddressFormat 3 requires IPV4 server address");
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"10.0.0.1\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":4,"
                      "\"authMethod\":2,\"mpsRootCertificate\":\"x\"}",
                      "mpsServerAddress|serverAddressFormat 4 requires IPV6 server address");
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"MPS.Example.com\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":201,"
                      "\"authMethod\":2,\"mpsRootCertificate\":\"x\"}",
                      "mpsServerAddress|serverAddressFormat 201 requires FQDN server address");
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"fd00::1\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":4,\"commonName\":\"mps\","
                      "\"authMethod\":2,\"mpsRootCertificate\":\"x\"}",
                      "commonName|Cert. Hostname(CN) should be an IP address.");
  /* Any name goes with an FQDN server, but not one the record cannot hold. */
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"mps.example.com\",\"mpsPort\":4433,"
                      "\"username\":\"admin123\",\"serverAddressFormat\":201,\"commonName\":\"a\\nb\","
                      "\"authMethod\":2,\"mpsRootCertificate\":\"x\"}",
                      "commonName|Invalid value");

  /* Port, user name, auth method, format out of range or of the wrong
   * type. */
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"mps.example.com\",\"mpsPort\":80,"
                      "\"username\":\"ad\",\"serverAddressFormat\":\"7\",\"authMethod\":3,"
                      "\"mpsRootCertificate\":\"x\"}",
                      "serverAddressFormat|MPS server address format should be either 3(IPV4) , 4(IPV6) or 201(FQDN)",
                      "mpsPort|MPS Port value should range between 1024 and 49151",
                      "username|MPS user name length should be in between 5 to 16",
                      "authMethod|Authentication method should be either 1 (Mutual Auth) or 2 (username and password)");
  assert_post_errors (f, path,
                      "{\"configName\":\"c2\",\"mpsServerAddress\":\"mps.example.com\",\"mpsPort\":[4433],"
                      "\"username\":\"admin_123456789012345\",\"serverAddressFormat\":201,\"authMethod\":2,"
                      "\"mpsRootCertificate\":{}}",
                      "mpsPort|MPS Port value should range between 1024 and 49151",
                      "username|MPS user name should be alphanumeric",
                      "username|MPS user name length should be in between 5 to 16",
                      "mpsRootCertificate|Invalid value");

  /* PATCH: only the name is required; a port must be a JSON number
   * strictly inside the range; a common name needs format and address. */
  assert_patch_errors (f, path, "{\"mpsPort\":\"4433\"}",
                       "configName|CIRA profile name is required",
                       "configName|CIRA profile name accepts letters, numbers, special characters and no spaces",
                       "mpsPort|MPS Port value should range between 1024 and 49151");
  assert_patch_errors (f, path, "{\"configName\":\"a?b\",\"mpsPort\":1024,\"commonName\":\"mps\"}",
                       "mpsPort|MPS Port value should range between 1024 and 49151",
                       "commonName|Cert. Hostname(CN) should be an IP address.",
                       "commonName|serverAddressFormat and mpsServerAddress is required");
  assert_patch_errors (f, path,
                       "{\"configName\":\"a?b\",\"serverAddressFormat\":5,\"authMethod\":3,"
                       "\"username\":\"ab\"}",
                       "serverAddressFormat|MPS server address format 3(IPV4) , 4(IPV6) or 201(FQDN)",
                       "serverAddressFormat|Server address is required to update",
                       "username|MPS user name length should be in between 5 to 16",
                       "authMethod|Authentication method accepts either 1 - Mutual Auth or 2 -username/password)");
  {
    /* The edit validator takes '$' in a name; no such config exists. */
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path, "{\"configName\":\"a$b\",\"version\":\"1\"}");

    api_test_assert_reply (reply, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"CIRA profile a$b Not Found\"}");
  }
}

/* ------------------------------------------------------------------------
 * 802.1x configs
 * ------------------------------------------------------------------------ */

static void
test_ieee8021x (Fixture       *f,
                gconstpointer  user_data)
{
  const char *path = "/api/v1/admin/ieee8021xconfigs";
  g_autofree char *version = NULL;

  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"wired1\",\"wiredInterface\":true,"
                                                        "\"authenticationProtocol\":10,\"pxeTimeout\":300}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    version = g_strdup (json_object_get_string_member (api_test_reply_object (reply), "version"));
    assert_reply_take (reply, SOUP_STATUS_CREATED, g_strdup_printf (
      "{\"profileName\":\"wired1\",\"authenticationProtocol\":10,\"pxeTimeout\":300,"
      "\"wiredInterface\":true,\"tenantId\":\"\",\"version\":\"%s\"}", version));
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"WIRED1\",\"wiredInterface\":true,"
                                                        "\"authenticationProtocol\":0,\"pxeTimeout\":0}");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Unique key violation\",\"message\":\"802.1x config: WIRED1 already exists\"}");
  }
  {
    /* Wireless: the default PXE timeout, only protocols 0 and 2. */
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"air1\",\"wiredInterface\":false,"
                                                        "\"authenticationProtocol\":2}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "pxeTimeout"), ==, 120);
  }

  assert_post_errors (f, path, "{}",
                      "profileName|802.1x profile name is required",
                      "profileName|802.1x profile name should be alphanumeric",
                      "wiredInterface|Wired interface flag is required",
                      "authenticationProtocol|Authentication protocol is required",
                      "authenticationProtocol|Authentication protocol must be one of 0:EAP-TLS, "
                      "3:PEAPv1/EAP-GTC, 5:EAP-FAST/GTC, 10:EAP-FAST/TLS, 2:PEAPv0/EAP-MSCHAPv2",
                      "pxeTimeout|PXE Timeout is required",
                      "pxeTimeout|PXE Timeout must be number");
  /* A protocol must be a JSON number. */
  assert_post_errors (f, path,
                      "{\"profileName\":\"air2\",\"wiredInterface\":false,\"authenticationProtocol\":\"0\"}",
                      "authenticationProtocol|Authentication protocol must be one of 0:EAP-TLS, "
                      "2:PEAPv0/EAP-MSCHAPv2");
  assert_post_errors (f, path,
                      "{\"profileName\":\"air2\",\"wiredInterface\":false,\"authenticationProtocol\":5}",
                      "authenticationProtocol|Authentication protocol must be one of 0:EAP-TLS, "
                      "2:PEAPv0/EAP-MSCHAPv2");
  assert_post_errors (f, path,
                      "{\"profileName\":\"a23456789012345678901234567890123\",\"wiredInterface\":true,"
                      "\"authenticationProtocol\":0,\"pxeTimeout\":\"120\"}",
                      "profileName|802.1x profile name maximum length is 32",
                      "pxeTimeout|PXE Timeout must be number");
  assert_post_errors (f, path,
                      "{\"profileName\":\"w-2\",\"wiredInterface\":\"maybe\",\"authenticationProtocol\":0,"
                      "\"pxeTimeout\":86401}",
                      "profileName|802.1x profile name should be alphanumeric",
                      "wiredInterface|Invalid value",
                      "pxeTimeout|PXE Timeout value should be 0 - 86400");

  /* PATCH needs a version; a stale one is a conflict. */
  assert_patch_errors (f, path,
                       "{\"profileName\":\"wired1\",\"wiredInterface\":true,\"authenticationProtocol\":0,"
                       "\"pxeTimeout\":1}",
                       "version|Version is required to patch/update a record.");
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path,
                                                        "{\"profileName\":\"wired1\",\"wiredInterface\":true,"
                                                        "\"authenticationProtocol\":0,\"pxeTimeout\":1,\"version\":\"99\"}");

    api_test_assert_reply (reply, SOUP_STATUS_CONFLICT, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "pxeTimeout"), ==, 300);
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"profileName\":\"wired1\",\"wiredInterface\":true,"
                                             "\"authenticationProtocol\":0,\"pxeTimeout\":1,"
                                             "\"version\":%s}", version);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path, body);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "pxeTimeout"), ==, 1);
  }

  /* In use by a profile, then by a wireless config. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/profiles",
                                                        "{\"profileName\":\"p8021\",\"activation\":\"ccmactivate\","
                                                        "\"generateRandomPassword\":true,\"dhcpEnabled\":true,"
                                                        "\"ieee8021xProfileName\":\"wired1\"}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "ieee8021xProfileName"), ==,
                     "wired1");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/ieee8021xconfigs/wired1", NULL);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Error\",\"message\":\"802.1x config: wired1 is associated with an AMT Profile.\"}");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/wirelessconfigs",
                                                        "{\"profileName\":\"ent1\",\"authenticationMethod\":7,"
                                                        "\"encryptionMethod\":4,\"ssid\":\"corp\","
                                                        "\"ieee8021xProfileName\":\"air1\"}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/ieee8021xconfigs/air1", NULL);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Error\",\"message\":\"802.1x config: air1 is associated with a wireless profile.\"}");
  }
  {
    g_autoptr(ApiTestReply) a = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/profiles/p8021", NULL);
    g_autoptr(ApiTestReply) b = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/ieee8021xconfigs/wired1", NULL);
    g_autoptr(ApiTestReply) c = api_test_get (&f->client, "/api/v1/admin/ieee8021xconfigs/wired1");

    api_test_assert_reply (a, SOUP_STATUS_NO_CONTENT, NULL);
    api_test_assert_reply (b, SOUP_STATUS_NO_CONTENT, NULL);
    api_test_assert_reply (c, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"802.1x profile wired1 Not Found\"}");
  }
}

/* ------------------------------------------------------------------------
 * Wireless configs
 * ------------------------------------------------------------------------ */

static void
test_wireless (Fixture       *f,
               gconstpointer  user_data)
{
  const char *path = "/api/v1/admin/wirelessconfigs";
  g_autofree char *version = NULL;
  g_autofree char *stored = NULL;

  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"home1\",\"authenticationMethod\":6,"
                                                        "\"encryptionMethod\":4,\"ssid\":\"home\",\"pskValue\":3,"
                                                        "\"pskPassphrase\":\"" PSK_PASSPHRASE "\",\"linkPolicy\":[14,16]}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    version = g_strdup (json_object_get_string_member (api_test_reply_object (reply), "version"));
    assert_reply_take (reply, SOUP_STATUS_CREATED, g_strdup_printf (
      "{\"profileName\":\"home1\",\"authenticationMethod\":6,\"encryptionMethod\":4,"
      "\"ssid\":\"home\",\"pskValue\":3,\"linkPolicy\":[14,16],\"tenantId\":\"\","
      "\"ieee8021xProfileName\":null,\"version\":\"%s\"}", version));
  }
  stored = secret_text (f, OB_SECRET_OWNER_WIRELESS, "home1", OB_SECRET_KIND_PSK_PASSPHRASE);
  g_assert_cmpstr (stored, ==, PSK_PASSPHRASE);

  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/admin/wirelessconfigs?$count=true");

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "totalCount"), ==, 1);
    /* The reference's rows carry the count too. */
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
      json_object_get_array_member (api_test_reply_object (reply), "data"), 0), "total_count"), ==, 1);
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"home1\",\"authenticationMethod\":4,"
                                                        "\"encryptionMethod\":3,\"ssid\":\"home\","
                                                        "\"pskPassphrase\":\"12345678\"}");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Unique key violation\",\"message\":\"Wireless profile home1 already exists\"}");
  }

  assert_post_errors (f, path, "{}",
                      "profileName|Wireless profile name is required",
                      "profileName|Wireless profile name should be alphanumeric",
                      "authenticationMethod|Authentication method is required",
                      "authenticationMethod|Authentication method must be one of 4:WPA PSK, "
                      "5:WPA IEEE 802.1x, 6:WPA2 PSK, 7:WPA2 IEEE 802.1x",
                      "encryptionMethod|Encryption method is required",
                      "encryptionMethod|Encryption method must be one of 3:TKIP, 4:CCMP",
                      "ssid|SSID is required",
                      "ssid|Maximum length is 32");
  assert_post_errors (f, path,
                      "{\"profileName\":\"w2\",\"authenticationMethod\":4,\"encryptionMethod\":3,"
                      "\"ssid\":\"123456789012345678901234567890123\",\"pskPassphrase\":\"short\","
                      "\"ieee8021xProfileName\":\"x\"}",
                      "ssid|Maximum length is 32",
                      "pskPassphrase|PSK Passphrase length should be greater than or equal to 8 and "
                      "less than or equal to 63",
                      "ieee8021xProfileName|ieee8021xProfileName can not be specified with the provided "
                      "authenticationMethod",
                      "ieee8021xProfileName|Ieee8021x profile x does not exist in db");
  /* AMT holds 32 bytes: 17 characters of two bytes each are too many. */
  assert_post_errors (f, path,
                      "{\"profileName\":\"w2\",\"authenticationMethod\":4,\"encryptionMethod\":3,"
                      "\"ssid\":\"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                      "\u00e9\u00e9\u00e9\u00e9\",\"pskPassphrase\":\"" PSK_PASSPHRASE "\"}",
                      "ssid|Maximum length is 32");
  assert_post_errors (f, path,
                      "{\"profileName\":\"w2\",\"authenticationMethod\":5,\"encryptionMethod\":4,"
                      "\"ssid\":\"corp\"}",
                      "ieee8021xProfileName|ieee8021xProfileName is required");
  create_ieee (f, "wiredx", TRUE);
  assert_post_errors (f, path,
                      "{\"profileName\":\"w2\",\"authenticationMethod\":7,\"encryptionMethod\":4,"
                      "\"ssid\":\"corp\",\"ieee8021xProfileName\":\"wiredx\"}",
                      "ieee8021xProfileName|Ieee8021x profile wiredx is for wired interfaces");
  assert_post_errors (f, path,
                      "{\"profileName\":\"w2\",\"authenticationMethod\":7,\"encryptionMethod\":4,"
                      "\"ssid\":\"corp\",\"ieee8021xProfileName\":\"ghost\"}",
                      "ieee8021xProfileName|Ieee8021x profile ghost does not exist in db");
  assert_post_errors (f, path,
                      "{\"profileName\":\"w2\",\"authenticationMethod\":6,\"encryptionMethod\":4,"
                      "\"ssid\":\"corp\",\"pskPassphrase\":\"1234567890123456789012345678901234567890"
                      "123456789012345678901234\",\"linkPolicy\":5}",
                      "pskPassphrase|PSK Passphrase length should be greater than or equal to 8 and "
                      "less than or equal to 63",
                      "linkPolicy|LinkPolicy should be an array of integers");
  assert_post_errors (f, path,
                      "{\"profileName\":\"w2\",\"authenticationMethod\":6,\"encryptionMethod\":4,"
                      "\"ssid\":\"corp\",\"pskPassphrase\":12345678,\"linkPolicy\":[\"1\"]}",
                      "linkPolicy|Array does not contain integers");
  assert_post_errors (f, path,
                      "{\"profileName\":\"w2\",\"authenticationMethod\":6,\"encryptionMethod\":4,"
                      "\"ssid\":\"corp\",\"pskPassphrase\":\"12345678\",\"linkPolicy\":[1,2]}",
                      "linkPolicy|Array values should be either 1: available on S0 AC, 14: available "
                      "on Sx AC, 16: available on S0 DC, 224: available on Sx DC");

  /* PATCH re-runs everything and needs a version; its answer has no
   * pskValue. */
  assert_patch_errors (f, path,
                       "{\"profileName\":\"home1\",\"authenticationMethod\":6,\"encryptionMethod\":4,"
                       "\"ssid\":\"home2\",\"pskPassphrase\":\"another-passphrase\"}",
                       "version|Version is required to patch/update a record.");
  {
    g_autofree char *body = g_strdup_printf ("{\"profileName\":\"home1\",\"authenticationMethod\":6,"
                                             "\"encryptionMethod\":4,\"ssid\":\"home2\","
                                             "\"pskPassphrase\":\"another-passphrase\","
                                             "\"version\":\"%s\"}", version);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path, body);
    g_autofree char *now = NULL;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "ssid"), ==, "home2");
    g_assert_false (json_object_has_member (api_test_reply_object (reply), "pskValue"));
    now = secret_text (f, OB_SECRET_OWNER_WIRELESS, "home1", OB_SECRET_KIND_PSK_PASSPHRASE);
    g_assert_cmpstr (now, ==, "another-passphrase");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path,
                                                        "{\"profileName\":\"home1\",\"authenticationMethod\":6,"
                                                        "\"encryptionMethod\":4,\"ssid\":\"home3\","
                                                        "\"pskPassphrase\":\"another-passphrase\",\"version\":\"1\"}");

    api_test_assert_reply (reply, SOUP_STATUS_CONFLICT, NULL);
  }

  /* Linked to a profile: refused; then removed with its passphrase. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/profiles",
                                                        "{\"profileName\":\"pw\",\"activation\":\"ccmactivate\","
                                                        "\"generateRandomPassword\":true,\"dhcpEnabled\":true,"
                                                        "\"wifiConfigs\":[{\"profileName\":\"home1\",\"priority\":1}]}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/wirelessconfigs/home1", NULL);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Foreign key violation\","
                           "\"message\":\"Wireless profile: home1 is associated with an AMT Profile.\"}");
  }
  {
    g_autoptr(ApiTestReply) a = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/profiles/pw", NULL);
    g_autoptr(ApiTestReply) b = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/wirelessconfigs/home1", NULL);
    g_autoptr(ApiTestReply) c = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/wirelessconfigs/home1", NULL);
    g_autofree char *gone = NULL;

    api_test_assert_reply (a, SOUP_STATUS_NO_CONTENT, NULL);
    api_test_assert_reply (b, SOUP_STATUS_NO_CONTENT, NULL);
    api_test_assert_reply (c, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"Wireless profile home1 Not Found\"}");
    gone = secret_text (f, OB_SECRET_OWNER_WIRELESS, "home1", OB_SECRET_KIND_PSK_PASSPHRASE);
    g_assert_null (gone);
  }

  assert_text_nowhere (f, PSK_PASSPHRASE);
  assert_text_nowhere (f, "another-passphrase");
}

/* ------------------------------------------------------------------------
 * Profiles
 * ------------------------------------------------------------------------ */

static void
test_profiles_crud (Fixture       *f,
                    gconstpointer  user_data)
{
  const char *path = "/api/v1/admin/profiles";
  g_autofree char *version = NULL;

  create_cira (f, "ciraA");
  create_wifi (f, "wifiA");
  create_wifi (f, "wifiB");
  create_ieee (f, "dot1x", TRUE);

  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"acm1\",\"activation\":\"acmactivate\","
                                                        "\"amtPassword\":\"" AMT_PASSWORD "\",\"mebxPassword\":\"" MEBX_PASSWORD "\","
                                                        "\"generateRandomPassword\":false,\"generateRandomMEBxPassword\":false,"
                                                        "\"ciraConfigName\":\"ciraA\",\"tags\":[\"lab\",\"acm\"],"
                                                        "\"dhcpEnabled\":true,\"ipSyncEnabled\":true,"
                                                        "\"wifiConfigs\":[{\"profileName\":\"wifiB\",\"priority\":2},"
                                                        "{\"profileName\":\"wifiA\",\"priority\":1}],"
                                                        "\"ieee8021xProfileName\":\"dot1x\",\"iderEnabled\":true}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    version = g_strdup (json_object_get_string_member (api_test_reply_object (reply), "version"));
    /* Defaults: KVM consent for ACM, KVM on, SOL off; no TLS. */
    assert_reply_take (reply, SOUP_STATUS_CREATED, g_strdup_printf (
      "{\"profileName\":\"acm1\",\"activation\":\"acmactivate\",\"ciraConfigName\":\"ciraA\","
      "\"generateRandomPassword\":false,\"generateRandomMEBxPassword\":false,"
      "\"tags\":[\"lab\",\"acm\"],\"dhcpEnabled\":true,\"tlsMode\":null,\"userConsent\":\"KVM\","
      "\"iderEnabled\":true,\"kvmEnabled\":true,\"solEnabled\":false,\"tenantId\":\"\","
      "\"tlsSigningAuthority\":null,\"version\":\"%s\",\"ieee8021xProfileName\":\"dot1x\","
      "\"wifiConfigs\":[{\"profileName\":\"wifiA\",\"priority\":1},"
      "{\"profileName\":\"wifiB\",\"priority\":2}],"
      "\"ipSyncEnabled\":true,\"localWifiSyncEnabled\":false}", version));
  }
  {
    g_autofree char *amt = secret_text (f, OB_SECRET_OWNER_PROFILE, "acm1", OB_SECRET_KIND_AMT_PASSWORD);
    g_autofree char *mebx = secret_text (f, OB_SECRET_OWNER_PROFILE, "acm1", OB_SECRET_KIND_MEBX_PASSWORD);

    g_assert_cmpstr (amt, ==, AMT_PASSWORD);
    g_assert_cmpstr (mebx, ==, MEBX_PASSWORD);
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"ACM1\",\"activation\":\"ccmactivate\","
                                                        "\"generateRandomPassword\":true,\"dhcpEnabled\":false}");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Unique key violation\",\"message\":\"AMT profile ACM1 already exists\"}");
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"p2\",\"activation\":\"ccmactivate\","
                                                        "\"generateRandomPassword\":true,\"dhcpEnabled\":false,"
                                                        "\"ciraConfigName\":\"nosuch\"}");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST, NULL);
    g_assert_true (g_str_has_prefix (json_object_get_string_member (api_test_reply_object (reply), "error"),
                                     "Foreign key constraint violation"));
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "message"), ==,
                     "Referenced constraint nosuch doesn't exist");
  }
  {
    /* TLS: the signing authority defaults to SelfSigned. */
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"tls1\",\"activation\":\"ccmactivate\","
                                                        "\"generateRandomPassword\":true,\"dhcpEnabled\":false,\"tlsMode\":2}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "tlsMode"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "tlsSigningAuthority"), ==,
                     "SelfSigned");
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "userConsent"), ==, "All");
    g_assert_true (json_object_get_boolean_member (api_test_reply_object (reply), "generateRandomPassword"));
  }
  {
    g_autofree char *none = secret_text (f, OB_SECRET_OWNER_PROFILE, "tls1", OB_SECRET_KIND_AMT_PASSWORD);

    g_assert_null (none);
  }

  /* PATCH: to CCM with a random AMT password; the stored passwords go;
   * cira, TLS and 802.1x are taken as sent (absent: cleared). */
  {
    g_autofree char *body = g_strdup_printf ("{\"profileName\":\"acm1\",\"activation\":\"ccmactivate\","
                                             "\"generateRandomPassword\":true,"
                                             "\"ciraConfigName\":\"ciraA\",\"version\":\"%s\"}", version);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path, body);
    g_autofree char *amt = NULL;
    g_autofree char *mebx = NULL;
    JsonObject *object;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    object = api_test_reply_object (reply);
    g_assert_cmpstr (json_object_get_string_member (object, "activation"), ==, "ccmactivate");
    g_assert_true (json_object_get_boolean_member (object, "generateRandomPassword"));
    g_assert_false (json_object_get_boolean_member (object, "generateRandomMEBxPassword"));
    g_assert_true (json_object_get_null_member (object, "ieee8021xProfileName"));
    g_assert_cmpstr (json_object_get_string_member (object, "ciraConfigName"), ==, "ciraA");
    /* Client control mode: the user always consents. */
    g_assert_cmpstr (json_object_get_string_member (object, "userConsent"), ==, "All");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "tags")), ==, 2);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "wifiConfigs")), ==, 2);
    g_assert_true (json_object_get_boolean_member (object, "iderEnabled"));
    g_free (version);
    version = g_strdup (json_object_get_string_member (object, "version"));

    amt = secret_text (f, OB_SECRET_OWNER_PROFILE, "acm1", OB_SECRET_KIND_AMT_PASSWORD);
    mebx = secret_text (f, OB_SECRET_OWNER_PROFILE, "acm1", OB_SECRET_KIND_MEBX_PASSWORD);
    g_assert_null (amt);
    g_assert_null (mebx);
  }
  {
    /* A static password again, by If-Match. */
    const char * const headers[] = { "If-Match", version, NULL };
    g_autoptr(ApiTestReply) reply = send_with_headers (f, "PATCH", path,
                                                       "{\"profileName\":\"acm1\",\"amtPassword\":\"" AMT_PASSWORD2 "\","
                                                       "\"generateRandomPassword\":false,\"dhcpEnabled\":false}",
                                                       headers);
    g_autofree char *amt = NULL;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_false (json_object_get_boolean_member (api_test_reply_object (reply), "generateRandomPassword"));
    /* DHCP off takes the wireless links away. */
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (api_test_reply_object (reply),
                                                                           "wifiConfigs")), ==, 0);
    amt = secret_text (f, OB_SECRET_OWNER_PROFILE, "acm1", OB_SECRET_KIND_AMT_PASSWORD);
    g_assert_cmpstr (amt, ==, AMT_PASSWORD2);
  }
  {
    const char * const headers[] = { "If-Match", version, NULL };
    g_autoptr(ApiTestReply) reply = send_with_headers (f, "PATCH", path,
                                                       "{\"profileName\":\"acm1\",\"dhcpEnabled\":true}",
                                                       headers);

    api_test_assert_reply (reply, SOUP_STATUS_PRECONDITION_FAILED, NULL);
    g_assert_nonnull (soup_message_headers_get_one (reply->headers, "ETag"));
  }
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path,
                                                        "{\"profileName\":\"ghost\",\"version\":\"1\"}");

    api_test_assert_reply (reply, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"AMT profile ghost Not Found\"}");
  }

  /* DELETE takes the keyring entries along. */
  {
    g_autoptr(ApiTestReply) a = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/profiles/ACM1", NULL);
    g_autoptr(ApiTestReply) b = api_test_get (&f->client, "/api/v1/admin/profiles/acm1");
    g_autofree char *amt = secret_text (f, OB_SECRET_OWNER_PROFILE, "acm1", OB_SECRET_KIND_AMT_PASSWORD);

    api_test_assert_reply (a, SOUP_STATUS_NO_CONTENT, NULL);
    api_test_assert_reply (b, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"AMT profile acm1 Not Found\"}");
    g_assert_null (amt);
  }

  assert_text_nowhere (f, AMT_PASSWORD);
  assert_text_nowhere (f, AMT_PASSWORD2);
  assert_text_nowhere (f, MEBX_PASSWORD);
  assert_text_nowhere (f, PSK_PASSPHRASE);
}

static void
test_profiles_validation (Fixture       *f,
                          gconstpointer  user_data)
{
  const char *path = "/api/v1/admin/profiles";

  create_wifi (f, "wifiA");
  create_ieee (f, "airx", FALSE);

  assert_post_errors (f, path, "{}",
                      "profileName|AMT profile name is required",
                      "profileName|AMT profile name accepts letters, numbers, special characters and no spaces",
                      "activation|Activation is required",
                      "activation|Activation accepts either acmactivate (admin control activation) or "
                      "ccmactivate (client control mode activation)",
                      "activation|Either generateRandomPassword should be enabled or provide amtPassword",
                      "dhcpEnabled|Invalid value",
                      "dhcpEnabled|DHCP enabled must be a boolean");

  /* The "&-_" range: '(' and '/' are names, a space and '{' are not. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path,
                                                        "{\"profileName\":\"a(b)/c\",\"activation\":\"ccmactivate\","
                                                        "\"generateRandomPassword\":true,\"dhcpEnabled\":false}");

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
  }
  assert_post_errors (f, path,
                      "{\"profileName\":\"a{b\",\"activation\":\"ccmactivate\","
                      "\"generateRandomPassword\":true,\"dhcpEnabled\":false}",
                      "profileName|AMT profile name accepts letters, numbers, special characters and no spaces");

  /* Passwords: weak, too long, both given, neither given. */
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\",\"amtPassword\":\"weakpassword\","
                      "\"generateRandomPassword\":false,\"dhcpEnabled\":false}",
                      "amtPassword|AMT password is required field should contains at least one lowercase "
                      "letter, one uppercase letter, one numeric digit,and one special character and "
                      "password length should be in between 8 to 32.");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\","
                      "\"amtPassword\":\"Aa1!aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"dhcpEnabled\":false}",
                      "amtPassword|AMT password is required field should contains at least one lowercase "
                      "letter, one uppercase letter, one numeric digit,and one special character and "
                      "password length should be in between 8 to 32.");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\",\"amtPassword\":\"" AMT_PASSWORD "\","
                      "\"generateRandomPassword\":true,\"dhcpEnabled\":false}",
                      "generateRandomPassword|Either generate Random AMT Password should be enabled or "
                      "should provide AMT Password but not both");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\","
                      "\"generateRandomPassword\":false,\"dhcpEnabled\":false}",
                      "activation|Either generateRandomPassword should be enabled or provide amtPassword",
                      "amtPassword|AMT password is required field should contains at least one lowercase "
                      "letter, one uppercase letter, one numeric digit,and one special character and "
                      "password length should be in between 8 to 32.",
                      "generateRandomPassword|If generate random AMT password is disabled, amtPassword is mandatory");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\","
                      "\"generateRandomPassword\":\"yes\",\"amtPassword\":\"" AMT_PASSWORD "\",\"dhcpEnabled\":0}",
                      "generateRandomPassword|Generate random AMT password must be a boolean true or false");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"acmactivate\","
                      "\"generateRandomPassword\":true,\"dhcpEnabled\":false}",
                      "activation|MEBx Password is required for acmactivate");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"acmactivate\",\"generateRandomPassword\":true,"
                      "\"mebxPassword\":\"" MEBX_PASSWORD "\",\"generateRandomMEBxPassword\":true,"
                      "\"dhcpEnabled\":false}",
                      "generateRandomMEBxPassword|Either generate MEBx password should be enabled or should "
                      "provide MEBx password, but not both");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"acmactivate\",\"generateRandomPassword\":true,"
                      "\"mebxPassword\":\"short\",\"dhcpEnabled\":false}",
                      "mebxPassword|MEBx password is required field should contains at least one lowercase "
                      "letter, one uppercase letter, one numeric digit,and one special character and "
                      "password length should be in between 8 to 32.");

  /* TLS, CIRA, consent, feature flags. */
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\",\"generateRandomPassword\":true,"
                      "\"dhcpEnabled\":false,\"tlsMode\":5,\"tlsSigningAuthority\":\"Bob\","
                      "\"ciraConfigName\":\"c\",\"userConsent\":\"KVM\",\"iderEnabled\":\"x\","
                      "\"kvmEnabled\":2,\"solEnabled\":[],\"ipSyncEnabled\":\"no\","
                      "\"localWifiSyncEnabled\":{}}",
                      "tlsMode|tlsMode must be set to one of these values: 1 (Server Authentication Only), "
                      "2 (Server and Non-TLS Authentication), 3 (Mutual TLS only), 4 (Mutual and Non-TLS "
                      "authentication)",
                      "tlsSigningAuthority|TLS Signing Authority must be one of SelfSigned,MicrosoftCA",
                      "ciraConfigName|CIRA cannot be configured if TLS is enabled",
                      "ipSyncEnabled|ipSyncEnabled must be a boolean",
                      "localWifiSyncEnabled|localWifiSyncEnabled must be a boolean",
                      "userConsent|User consent is required for all the actions in client control mode",
                      "iderEnabled|IDER enabled must be a boolean",
                      "kvmEnabled|KVM enabled must be a boolean",
                      "solEnabled|Serial Over Lan (sol) enabled must be a boolean");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\",\"generateRandomPassword\":true,"
                      "\"dhcpEnabled\":false,\"userConsent\":\"Maybe\",\"tags\":[1]}",
                      "tags|Invalid value",
                      "userConsent|User consent must be one of None,All,KVM",
                      "userConsent|User consent is required for all the actions in client control mode");

  /* Wireless links. */
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\",\"generateRandomPassword\":true,"
                      "\"dhcpEnabled\":false,\"wifiConfigs\":[{\"profileName\":\"wifiA\",\"priority\":0},"
                      "{\"profileName\":\"nope\",\"priority\":1},{\"profileName\":\"nada\",\"priority\":2}]}",
                      "wifiConfigs|Wifi supports only DHCP in AMT",
                      "wifiConfigs|wifi config priority should be an integer and between 1 and 255",
                      "wifiConfigs|wifi configs nope,nada does not exists in db");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\",\"generateRandomPassword\":true,"
                      "\"dhcpEnabled\":true,\"wifiConfigs\":[{},{},{},{},{},{},{},{},{}]}",
                      "wifiConfigs|A maximum of 8 wifi profiles can be stored at a time.");
  assert_patch_errors (f, path,
                       "{\"profileName\":\"p\",\"version\":\"1\","
                       "\"wifiConfigs\":[{\"profileName\":\"wifiA\",\"priority\":1}]}",
                       "wifiConfigs|DHCP enabled should be true");

  /* 802.1x: must exist and be wired. */
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\",\"generateRandomPassword\":true,"
                      "\"dhcpEnabled\":false,\"ieee8021xProfileName\":\"airx\"}",
                      "ieee8021xProfileName|Ieee8021x profile airx is for wireless interfaces");
  assert_post_errors (f, path,
                      "{\"profileName\":\"p\",\"activation\":\"ccmactivate\",\"generateRandomPassword\":true,"
                      "\"dhcpEnabled\":false,\"ieee8021xProfileName\":\"ghost\"}",
                      "ieee8021xProfileName|Ieee8021x profile ghost does not exist in db");
  assert_patch_errors (f, path,
                       "{\"profileName\":\"p\",\"version\":\"1\",\"ieee8021xProfileName\":\"ghost\"}",
                       "ieee8021xProfileName|IEEEProfile config ghost does not exists in db");

  /* PATCH: a version is required (body or If-Match). */
  assert_patch_errors (f, path, "{\"profileName\":\"a(b)/c\"}",
                       "version|Version is required to patch/update a record.");

  /* Oversized and hostile values never crash and never pass. */
  {
    g_autoptr(GString) huge = g_string_new ("{\"profileName\":\"");

    for (guint i = 0; i < 20000; i++)
      g_string_append_c (huge, 'a');
    g_string_append (huge, " \",\"activation\":\"ccmactivate\",\"generateRandomPassword\":true,"
                           "\"dhcpEnabled\":false}");
    assert_post_errors (f, path, huge->str,
                        "profileName|AMT profile name accepts letters, numbers, special characters and no spaces");
  }
  assert_post_errors (f, path,
                      "{\"profileName\":\"\\u00e9t\\u00e9\",\"activation\":\"ccmactivate\","
                      "\"generateRandomPassword\":true,\"dhcpEnabled\":false}",
                      "profileName|AMT profile name accepts letters, numbers, special characters and no spaces");
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path, "[1,2,3]");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST, NULL);
  }
}

/* ------------------------------------------------------------------------
 * Domains
 * ------------------------------------------------------------------------ */

static char *
domain_body (const char *name,
             const char *suffix,
             const char *cert,
             const char *password)
{
  return g_strdup_printf ("{\"profileName\":\"%s\",\"domainSuffix\":\"%s\",\"provisioningCert\":\"%s\","
                          "\"provisioningCertStorageFormat\":\"string\","
                          "\"provisioningCertPassword\":\"%s\"}", name, suffix, cert, password);
}

static void
test_domains (Fixture       *f,
              gconstpointer  user_data)
{
  const char *path = "/api/v1/admin/domains";
  Chain *c = get_chain ();
  g_autofree char *pfx = good_pfx_base64 ();
  g_autofree char *version = NULL;
  g_autoptr(GDateTime) leaf_expiry = NULL;

  {
    g_autofree char *body = domain_body ("dom1", "vpro.example.com", pfx, PFX_PASSWORD);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path, body);
    g_autofree char *expected_expiry = NULL;
    JsonObject *object;
    const ASN1_TIME *not_after = X509_get0_notAfter (c->leaf);
    struct tm tm;

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    object = api_test_reply_object (reply);
    version = g_strdup (json_object_get_string_member (object, "version"));

    /* The leaf expires first: its notAfter, as JavaScript prints it. */
    g_assert_cmpint (ASN1_TIME_to_tm (not_after, &tm), ==, 1);
    expected_expiry = g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900,
                                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    assert_reply_take (reply, SOUP_STATUS_CREATED, g_strdup_printf (
      "{\"profileName\":\"dom1\",\"domainSuffix\":\"vpro.example.com\","
      "\"provisioningCertStorageFormat\":\"string\",\"expirationDate\":\"%s\",\"tenantId\":\"\","
      "\"version\":\"%s\"}", expected_expiry, version));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) stored = ob_secret_store_lookup_sync (f->secrets, OB_SECRET_OWNER_DOMAIN, "dom1",
                                                            OB_SECRET_KIND_PFX, NULL, &error);
    g_autofree char *password = secret_text (f, OB_SECRET_OWNER_DOMAIN, "dom1",
                                             OB_SECRET_KIND_PFX_PASSWORD);
    gsize len;
    g_autofree guchar *der = g_base64_decode (pfx, &len);
    g_autoptr(GBytes) expected = g_bytes_new (der, len);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (stored, expected));
    g_assert_cmpstr (password, ==, PFX_PASSWORD);
  }

  /* Same name, or same suffix under another name. */
  {
    g_autofree char *body = domain_body ("dom2", "VPRO.example.com", pfx, PFX_PASSWORD);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", path, body);

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Unique key violation\",\"message\":\"Domain dom2 ID or Suffix already exists\"}");
  }

  /* Everything missing. */
  assert_post_errors (f, path, "{}",
                      "profileName|AMT Domain profile name is required",
                      "profileName|AMT Domain profile name accepts letters, numbers, special characters "
                      "and no spaces",
                      "provisioningCertPassword|Provisioning Cert Password is required",
                      "provisioningCertPassword|Unable to decrypt provisioning certificate. Please check "
                      "that the password is correct, and that the certificate is a valid certificate.",
                      "domainSuffix|Domain suffix name is required",
                      "provisioningCert|Provisioning certificate is required",
                      "provisioningCertStorageFormat|Provisioning Cert Storage Format is required",
                      "provisioningCertStorageFormat|Provisioning Cert Storage Format should be either "
                      "'raw' or 'string'");

  /* Wrong password, not base64, base64 of garbage, a password too long. */
  {
    g_autofree char *wrong = domain_body ("d3", "example.com", pfx, "wrong-password");
    g_autofree char *not_b64 = domain_body ("d3", "example.com", "%%%not base64!!", PFX_PASSWORD);
    g_autofree char *garbage = domain_body ("d3", "example.com", "AAAAAAAAAAAAAAAA", PFX_PASSWORD);
    g_autofree char *long_password = domain_body ("d3", "example.com", pfx,
                                                  "12345678901234567890123456789012345678901234567890"
                                                  "123456789012345");

    assert_post_errors (f, path, wrong,
                        "provisioningCertPassword|Unable to decrypt provisioning certificate. Please check "
                        "that the password is correct, and that the certificate is a valid certificate.");
    assert_post_errors (f, path, not_b64,
                        "provisioningCertPassword|Unable to decrypt provisioning certificate. Please check "
                        "that the password is correct, and that the certificate is a valid certificate.");
    assert_post_errors (f, path, garbage,
                        "provisioningCertPassword|Unable to decrypt provisioning certificate. Please check "
                        "that the password is correct, and that the certificate is a valid certificate.");
    assert_post_errors (f, path, long_password,
                        "provisioningCertPassword|Password should not exceed 64 characters in length",
                        "provisioningCertPassword|Unable to decrypt provisioning certificate. Please check "
                        "that the password is correct, and that the certificate is a valid certificate.");
  }

  /* A storage format outside the two. */
  {
    g_autofree char *body = g_strdup_printf ("{\"profileName\":\"d6\",\"domainSuffix\":\"vpro2.example.com\","
                                             "\"provisioningCert\":\"%s\",\"provisioningCertStorageFormat\":\"pem\","
                                             "\"provisioningCertPassword\":\"" PFX_PASSWORD "\"}", pfx);

    assert_post_errors (f, path, body,
                        "provisioningCertStorageFormat|Provisioning Cert Storage Format should be either "
                        "'raw' or 'string'");
  }

  /* Suffix not matching the leaf; expired; incomplete chain. */
  {
    X509 *expired[] = { c->expired_leaf, c->intermediate, c->root };
    X509 *incomplete[] = { c->leaf, c->intermediate };
    g_autofree char *expired_pfx = pfx_base64 (PFX_PASSWORD, expired, G_N_ELEMENTS (expired));
    g_autofree char *incomplete_pfx = pfx_base64 (PFX_PASSWORD, incomplete, G_N_ELEMENTS (incomplete));
    g_autofree char *mismatch = domain_body ("d4", "other.org", pfx, PFX_PASSWORD);
    g_autofree char *expired_body = domain_body ("d4", "example.com", expired_pfx, PFX_PASSWORD);
    g_autofree char *incomplete_body = domain_body ("d4", "example.com", incomplete_pfx, PFX_PASSWORD);
    g_autoptr(ApiTestReply) reply = NULL;
    JsonObject *entry;

    assert_post_errors (f, path, mismatch,
                        "domainSuffix|FQDN not associated with provisioning certificate");
    assert_post_errors (f, path, expired_body, "provisioningCert|Uploaded certificate has expired");

    reply = api_test_send_json (&f->client, "POST", path, incomplete_body);
    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST, NULL);
    entry = json_array_get_object_element (json_object_get_array_member (api_test_reply_object (reply), "errors"), 0);
    g_assert_cmpstr (json_object_get_string_member (entry, "path"), ==, "provisioningCert");
    g_assert_nonnull (strstr (json_object_get_string_member (entry, "msg"), "Test Issuing CA"));
    g_assert_false (json_object_has_member (entry, "value"));
  }

  /* A PFX asking for two billion key derivation rounds is refused at
   * once. */
  {
    g_autofree char *bomb = bomb_pfx_base64 ();
    g_autofree char *body = domain_body ("d5", "example.com", bomb, PFX_PASSWORD);
    gint64 started = g_get_monotonic_time ();

    assert_post_errors (f, path, body,
                        "provisioningCertPassword|Unable to decrypt provisioning certificate. Please check "
                        "that the password is correct, and that the certificate is a valid certificate.");
    g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  }

  /* PATCH: no version is a conflict; the right one changes the suffix,
   * checked against the stored certificate. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path,
                                                        "{\"profileName\":\"dom1\",\"provisioningCertStorageFormat\":\"raw\"}");

    api_test_assert_reply (reply, SOUP_STATUS_CONFLICT, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "provisioningCertStorageFormat"),
                     ==, "string");
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"profileName\":\"dom1\",\"domainSuffix\":\"wrong.org\","
                                             "\"provisioningCertStorageFormat\":\"raw\",\"version\":\"%s\"}",
                                             version);

    assert_patch_errors (f, path, body,
                         "domainSuffix|FQDN not associated with provisioning certificate");
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"profileName\":\"dom1\",\"domainSuffix\":\"example.com\","
                                             "\"provisioningCertStorageFormat\":\"raw\",\"version\":\"%s\"}",
                                             version);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path, body);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "domainSuffix"), ==, "example.com");
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "provisioningCertStorageFormat"),
                     ==, "raw");
    g_free (version);
    version = g_strdup (json_object_get_string_member (api_test_reply_object (reply), "version"));
  }
  {
    /* A new PFX under a new password. */
    X509 *certs[] = { c->other_leaf, c->root, c->intermediate };
    g_autofree char *other = pfx_base64 ("New-Pfx-Secret-88", certs, G_N_ELEMENTS (certs));
    g_autofree char *body = g_strdup_printf ("{\"profileName\":\"dom1\",\"domainSuffix\":\"other.test\","
                                             "\"provisioningCert\":\"%s\",\"provisioningCertPassword\":"
                                             "\"New-Pfx-Secret-88\",\"provisioningCertStorageFormat\":\"raw\","
                                             "\"version\":\"%s\"}", other, version);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "PATCH", path, body);
    g_autofree char *password = NULL;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (reply), "domainSuffix"), ==, "other.test");
    password = secret_text (f, OB_SECRET_OWNER_DOMAIN, "dom1", OB_SECRET_KIND_PFX_PASSWORD);
    g_assert_cmpstr (password, ==, "New-Pfx-Secret-88");
  }

  {
    g_autoptr(ApiTestReply) list = api_test_get (&f->client, "/api/v1/admin/domains?$count=true");
    g_autoptr(ApiTestReply) a = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/domains/dom1", NULL);
    g_autoptr(ApiTestReply) b = api_test_send_json (&f->client, "DELETE", "/api/v1/admin/domains/dom1", NULL);
    g_autofree char *gone = secret_text (f, OB_SECRET_OWNER_DOMAIN, "dom1", OB_SECRET_KIND_PFX_PASSWORD);

    api_test_assert_reply (list, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (list), "totalCount"), ==, 1);
    api_test_assert_reply (a, SOUP_STATUS_NO_CONTENT, NULL);
    api_test_assert_reply (b, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"Not Found\",\"message\":\"Domain profile dom1 Not Found\"}");
    g_assert_null (gone);
  }

  /* Neither password nor certificate ever came back or reached the
   * database. */
  assert_text_nowhere (f, PFX_PASSWORD);
  assert_text_nowhere (f, "New-Pfx-Secret-88");
  {
    gsize len;
    g_autofree guchar *der = g_base64_decode (pfx, &len);

    assert_secret_nowhere (f, pfx + len / 2, 48);
    assert_secret_nowhere (f, der + len / 2, 48);
  }
}

/* ------------------------------------------------------------------------
 * Paging, counts, ETags
 * ------------------------------------------------------------------------ */

static void
test_paging (Fixture       *f,
             gconstpointer  user_data)
{
  const char *base = "/api/v1/admin/ieee8021xconfigs";

  /* 30 records, made in reverse so the order is the store's. */
  for (int i = 29; i >= 0; i--)
    {
      g_autofree char *name = g_strdup_printf ("cfg%02d", i);

      create_ieee (f, name, i % 2 == 0);
    }

  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, base);
    JsonArray *array = api_test_reply_array (reply);

    /* Default page: 25, by name. */
    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpuint (json_array_get_length (array), ==, 25);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                    "profileName"), ==, "cfg00");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 24),
                                                    "profileName"), ==, "cfg24");
  }
  {
    static const struct { const char *query; guint n; const char *first; } cases[] = {
      { "?$top=5&$skip=10", 5, "cfg10" },
      { "?$skip=28", 2, "cfg28" },
      { "?$skip=30", 0, NULL },
      { "?$skip=9999999999", 0, NULL },
      { "?$top=0", 0, NULL },
      { "?$top=100", 30, "cfg00" },
      { "?$count=false&$top=1", 1, "cfg00" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *url = g_strconcat (base, cases[i].query, NULL);
        g_autoptr(ApiTestReply) reply = api_test_get (&f->client, url);
        JsonArray *array = api_test_reply_array (reply);

        api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
        g_assert_cmpuint (json_array_get_length (array), ==, cases[i].n);
        if (cases[i].first != NULL)
          g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                          "profileName"), ==, cases[i].first);
      }
  }
  {
    g_autofree char *url = g_strconcat (base, "?$count=true&$top=3&$skip=1", NULL);
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, url);
    JsonObject *object = api_test_reply_object (reply);

    g_assert_cmpint (json_object_get_int_member (object, "totalCount"), ==, 30);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "data")), ==, 3);
  }
  {
    g_autofree char *url = g_strconcat (base, "?$count=true&$top=0", NULL);
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, url);

    api_test_assert_reply (reply, SOUP_STATUS_OK, "{\"data\":[],\"totalCount\":30}");
  }
  {
    g_autofree char *url = g_strconcat (base, "?$top=-1&$skip=abc&$count=yes", NULL);
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, url);

    assert_errors (reply,
                   "$top|The number of items to return should be a positive integer",
                   "$skip|The number of items to skip before starting to collect the result set should "
                   "be a positive integer",
                   "$count|To return total number of records in result set should be boolean");
  }
  {
    g_autofree char *url = g_strconcat (base, "?$top=10000000000&$skip=01", NULL);
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, url);

    assert_errors (reply,
                   "$top|The number of items to return should be a positive integer",
                   "$skip|The number of items to skip before starting to collect the result set should "
                   "be a positive integer");
  }
}

static void
test_etag (Fixture       *f,
           gconstpointer  user_data)
{
  g_autofree char *etag = NULL;
  const char *path = "/api/v1/admin/ieee8021xconfigs/e1";

  create_ieee (f, "e1", TRUE);

  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, path);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    etag = g_strdup (soup_message_headers_get_one (reply->headers, "ETag"));
    g_assert_nonnull (etag);
    g_assert_true (g_str_has_prefix (etag, "W/\""));
  }
  {
    const char * const headers[] = { "If-None-Match", etag, NULL };
    g_autoptr(ApiTestReply) reply = send_with_headers (f, "GET", path, NULL, headers);

    api_test_assert_reply (reply, SOUP_STATUS_NOT_MODIFIED, NULL);
    g_assert_cmpuint (g_bytes_get_size (reply->body), ==, 0);
  }
  {
    g_autofree char *list = g_strdup_printf ("\"nope\", %s", etag);
    const char * const headers[] = { "If-None-Match", list, NULL };
    g_autoptr(ApiTestReply) reply = send_with_headers (f, "GET", path, NULL, headers);

    api_test_assert_reply (reply, SOUP_STATUS_NOT_MODIFIED, NULL);
  }
  {
    const char * const headers[] = { "If-None-Match", "W/\"0-nothing\"", NULL };
    g_autoptr(ApiTestReply) reply = send_with_headers (f, "GET", path, NULL, headers);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
  }
  {
    /* A change makes the old tag stale. */
    g_autoptr(ApiTestReply) current = api_test_get (&f->client, path);
    g_autofree char *body = g_strdup_printf ("{\"profileName\":\"e1\",\"wiredInterface\":true,"
                                             "\"authenticationProtocol\":3,\"pxeTimeout\":5,"
                                             "\"version\":\"%s\"}",
                                             json_object_get_string_member (api_test_reply_object (current), "version"));
    g_autoptr(ApiTestReply) patched = api_test_send_json (&f->client, "PATCH", "/api/v1/admin/ieee8021xconfigs", body);
    const char * const headers[] = { "If-None-Match", etag, NULL };
    g_autoptr(ApiTestReply) reply = send_with_headers (f, "GET", path, NULL, headers);

    api_test_assert_reply (patched, SOUP_STATUS_OK, NULL);
    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (soup_message_headers_get_one (reply->headers, "ETag"), !=, etag);
  }
  {
    /* Lists too. */
    g_autoptr(ApiTestReply) a = api_test_get (&f->client, "/api/v1/admin/ieee8021xconfigs");
    const char * const headers[] = { "If-None-Match", soup_message_headers_get_one (a->headers, "ETag"), NULL };
    g_autoptr(ApiTestReply) b = send_with_headers (f, "GET", "/api/v1/admin/ieee8021xconfigs", NULL, headers);

    api_test_assert_reply (b, SOUP_STATUS_NOT_MODIFIED, NULL);
  }
}

/* Many writes at once over several connections: profiles whose
 * passwords go to the keyring in worker threads, and domains whose PFX
 * is opened in worker threads, interleaved. */
static void
test_concurrent (Fixture       *f,
                 gconstpointer  user_data)
{
  enum { N_PROFILES = 12, N_DOMAINS = 4, N = N_PROFILES + N_DOMAINS };
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns-per-host", 8, NULL);
  g_autofree char *pfx = good_pfx_base64 ();
  SoupMessage *msgs[N];
  ApiTestSend states[N];
  guint done = 0;

  for (guint i = 0; i < N; i++)
    {
      const char *path;
      g_autofree char *body = NULL;

      if (i < N_PROFILES)
        {
          path = "/api/v1/admin/profiles";
          body = g_strdup_printf ("{\"profileName\":\"conc%u\",\"activation\":\"acmactivate\","
                                  "\"amtPassword\":\"Amt-Passw0rd!%u\",\"generateRandomPassword\":false,"
                                  "\"mebxPassword\":\"Mebx-Passw0rd!%u\",\"dhcpEnabled\":true}", i, i, i);
        }
      else
        {
          path = "/api/v1/admin/domains";
          body = g_strdup_printf ("{\"profileName\":\"dom%u\",\"domainSuffix\":\"d%u.example.com\","
                                  "\"provisioningCert\":\"%s\",\"provisioningCertStorageFormat\":\"raw\","
                                  "\"provisioningCertPassword\":\"" PFX_PASSWORD "\"}", i, i, pfx);
        }

      msgs[i] = api_test_message_new (&f->client, "POST", path, NULL, body, -1, NULL, FALSE);
      api_test_send_async (session, msgs[i], &states[i]);
    }

  while (done < N)
    {
      g_main_context_iteration (NULL, TRUE);
      done = 0;
      for (guint i = 0; i < N; i++)
        done += states[i].done;
    }

  for (guint i = 0; i < N; i++)
    {
      g_assert_no_error (states[i].error);
      g_assert_cmpuint (soup_message_get_status (msgs[i]), ==, SOUP_STATUS_CREATED);
      api_test_send_clear (&states[i]);
      g_object_unref (msgs[i]);
    }

  for (guint i = 0; i < N_PROFILES; i++)
    {
      g_autofree char *name = g_strdup_printf ("conc%u", i);
      g_autofree char *expected = g_strdup_printf ("Amt-Passw0rd!%u", i);
      g_autofree char *stored = secret_text (f, OB_SECRET_OWNER_PROFILE, name, OB_SECRET_KIND_AMT_PASSWORD);

      g_assert_cmpstr (stored, ==, expected);
    }

  {
    g_autoptr(ApiTestReply) profiles = api_test_get (&f->client, "/api/v1/admin/profiles?$count=true&$top=1");
    g_autoptr(ApiTestReply) domains = api_test_get (&f->client, "/api/v1/admin/domains?$count=true");

    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (profiles), "totalCount"), ==, N_PROFILES);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (domains), "totalCount"), ==, N_DOMAINS);
  }
}

/* ------------------------------------------------------------------------
 * Hostile bodies: random values of every JSON type in the known fields
 * ------------------------------------------------------------------------ */

static void
add_random_value (JsonBuilder *builder,
                  guint        depth)
{
  static const char * const words[] = {
    "", " ", "acmactivate", "ccmactivate", "All", "KVM", "None", "SelfSigned", "raw", "string",
    "4", "201", "3", "10.0.0.1", "fd00::1", "mps.example.com", "Amt-Passw0rd!1", "true", "1",
    "-1", "1e3", "\u00e9", "a b", "a$b", "x%41", "\u202e", "null", "wifiA", "dot1x", "ciraA",
  };

  switch (g_test_rand_int_range (0, depth < 2 ? 9 : 6))
    {
    case 0:
      json_builder_add_null_value (builder);
      break;

    case 1:
      json_builder_add_boolean_value (builder, g_test_rand_bit ());
      break;

    case 2:
      {
        static const gint64 ints[] = { 0, 1, 2, 3, 4, 5, 7, 8, 14, 201, 255, 256, 1024, 4433, 49151,
                                       86400, 86401, -1, G_MAXINT32, G_MININT64, G_MAXINT64 };

        json_builder_add_int_value (builder, ints[g_test_rand_int_range (0, G_N_ELEMENTS (ints))]);
      }
      break;

    case 3:
      json_builder_add_double_value (builder, g_test_rand_double_range (-1e20, 1e20));
      break;

    case 4:
      json_builder_add_string_value (builder, words[g_test_rand_int_range (0, G_N_ELEMENTS (words))]);
      break;

    case 5:
      {
        g_autoptr(GString) text = g_string_new (NULL);
        guint len = g_test_rand_int_range (0, 3) == 0 ? 2000 : g_test_rand_int_range (0, 40);

        for (guint i = 0; i < len; i++)
          g_string_append_unichar (text, g_test_rand_int_range (0, 4) == 0
                                         ? (gunichar) g_test_rand_int_range (0xa0, 0x2fff)
                                         : (gunichar) g_test_rand_int_range (0x20, 0x7f));
        json_builder_add_string_value (builder, text->str);
      }
      break;

    case 6:
    case 7:
      json_builder_begin_array (builder);
      for (int i = g_test_rand_int_range (0, 10); i > 0; i--)
        add_random_value (builder, depth + 1);
      json_builder_end_array (builder);
      break;

    default:
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "profileName");
      add_random_value (builder, depth + 1);
      json_builder_set_member_name (builder, "priority");
      add_random_value (builder, depth + 1);
      json_builder_end_object (builder);
      break;
    }
}

static char *
random_value_text (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  add_random_value (builder, 0);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);

  return json_to_string (json_array_get_element (json_node_get_array (root), 0), FALSE);
}

/* @fields: name, then a valid JSON value for it; each field is left out,
 * valid, or random, so some bodies pass and get written. */
static char *
random_body (const char * const *fields)
{
  g_autoptr(GString) body = g_string_new ("{");

  for (guint i = 0; fields[i] != NULL; i += 2)
    {
      int pick = g_test_rand_int_range (0, 8);

      if (pick == 0)
        continue;
      if (body->len > 1)
        g_string_append_c (body, ',');
      g_string_append_printf (body, "\"%s\":", fields[i]);
      /* A few names and versions, so creates and edits both land. */
      if (pick <= 5 && strcmp (fields[i + 1], "\"h1\"") == 0)
        g_string_append_printf (body, "\"h%d\"", g_test_rand_int_range (0, 4));
      else if (pick <= 5 && strcmp (fields[i], "version") == 0)
        g_string_append_printf (body, "\"%d\"", g_test_rand_int_range (1, 4));
      else if (pick <= 5)
        g_string_append (body, fields[i + 1]);
      else
        {
          g_autofree char *value = random_value_text ();

          g_string_append (body, value);
        }
    }
  g_string_append_c (body, '}');

  return g_string_free (g_steal_pointer (&body), FALSE);
}

static void
test_hostile_bodies (Fixture       *f,
                     gconstpointer  user_data)
{
  static const char * const profile_fields[] = {
    "profileName", "\"h1\"", "activation", "\"ccmactivate\"", "amtPassword", "\"" AMT_PASSWORD "\"",
    "generateRandomPassword", "false", "mebxPassword", "\"" MEBX_PASSWORD "\"",
    "generateRandomMEBxPassword", "false", "tlsMode", "null", "tlsSigningAuthority", "null",
    "ciraConfigName", "\"ciraA\"", "tags", "[\"a\"]", "dhcpEnabled", "true", "ipSyncEnabled", "true",
    "localWifiSyncEnabled", "false", "wifiConfigs", "[{\"profileName\":\"wifiA\",\"priority\":1}]",
    "ieee8021xProfileName", "\"dot1x\"", "userConsent", "\"All\"", "iderEnabled", "true",
    "kvmEnabled", "true", "solEnabled", "false", "version", "\"1\"", NULL
  };
  static const char * const cira_fields[] = {
    "configName", "\"h1\"", "serverAddressFormat", "201", "mpsServerAddress", "\"mps.example.com\"",
    "mpsPort", "4433", "username", "\"admin123\"", "password", "\"" CIRA_PASSWORD "\"",
    "commonName", "\"10.0.0.1\"", "authMethod", "2", "mpsRootCertificate", "\"MIIB\"",
    "proxyDetails", "\"\"", "regeneratePassword", "false", "version", "\"1\"", NULL
  };
  static const char * const domain_fields[] = {
    "profileName", "\"h1\"", "provisioningCertPassword", "\"" PFX_PASSWORD "\"",
    "domainSuffix", "\"vpro.example.com\"", "provisioningCert", "\"MIIB\"",
    "provisioningCertStorageFormat", "\"raw\"", "version", "\"1\"", NULL
  };
  static const char * const wireless_fields[] = {
    "profileName", "\"h1\"", "authenticationMethod", "6", "encryptionMethod", "4", "ssid", "\"net\"",
    "pskPassphrase", "\"" PSK_PASSPHRASE "\"", "ieee8021xProfileName", "null", "linkPolicy", "[1,14]",
    "pskValue", "1", "version", "\"1\"", NULL
  };
  static const char * const ieee_fields[] = {
    "profileName", "\"h1\"", "wiredInterface", "true", "authenticationProtocol", "0",
    "pxeTimeout", "120", "version", "\"1\"", NULL
  };
  static const struct { const char *path; const char * const *fields; } resources[] = {
    { "ieee8021xconfigs", ieee_fields },
    { "wirelessconfigs", wireless_fields },
    { "ciraconfigs", cira_fields },
    { "domains", domain_fields },
    { "profiles", profile_fields },
  };
  guint rounds = g_test_slow () ? 400 : 60;
  guint accepted = 0;

  create_cira (f, "ciraA");
  create_wifi (f, "wifiA");
  create_ieee (f, "dot1x", TRUE);

  for (guint r = 0; r < G_N_ELEMENTS (resources); r++)
    {
      g_autofree char *url = g_strconcat ("/api/v1/admin/", resources[r].path, NULL);

      for (guint i = 0; i < rounds; i++)
        {
          g_autofree char *body = random_body (resources[r].fields);
          const char *method = g_test_rand_bit () ? "POST" : "PATCH";
          g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, method, url, body);

          /* Refused cleanly or accepted; never a server error. */
          if (reply->status != SOUP_STATUS_OK && reply->status != SOUP_STATUS_CREATED
              && reply->status != SOUP_STATUS_BAD_REQUEST && reply->status != SOUP_STATUS_NOT_FOUND
              && reply->status != SOUP_STATUS_CONFLICT)
            {
              g_autofree char *text = api_test_reply_text (reply);

              g_error ("%s %s %s -> %u %s", method, url, body, reply->status, text);
            }
          accepted += reply->status == SOUP_STATUS_OK || reply->status == SOUP_STATUS_CREATED;
        }

      /* Whatever was written still lists and deletes. */
      {
        g_autoptr(ApiTestReply) list = api_test_get (&f->client, url);
        JsonArray *array = api_test_reply_array (list);

        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            const char *name = json_object_has_member (json_array_get_object_element (array, i),
                                                       "configName")
              ? json_object_get_string_member (json_array_get_object_element (array, i), "configName")
              : json_object_get_string_member (json_array_get_object_element (array, i), "profileName");
            g_autofree char *one = g_strdup_printf ("%s/%s", url, name);
            g_autoptr(ApiTestReply) reply = api_test_get (&f->client, one);

            api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
          }
      }
    }

  g_test_message ("%u hostile bodies were accepted", accepted);
}

/* A keyring that fails: the record is not left behind without its
 * secret. */
static void
test_keyring_failure (Fixture       *f,
                      gconstpointer  user_data)
{
  g_autoptr(ApiTestReply) reply = NULL;
  g_autoptr(ApiTestReply) after = NULL;

  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (f->secrets), TRUE);
  g_test_expect_message ("outband-api", G_LOG_LEVEL_WARNING, "RPS API: Operation failed: POST cira1*");
  reply = api_test_send_json (&f->client, "POST", "/api/v1/admin/ciraconfigs", cira_body);
  g_test_assert_expected_messages ();
  api_test_assert_reply (reply, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                         "{\"message\":\"Operation failed: POST cira1\"}");
  ob_secret_store_memory_set_unavailable (OB_SECRET_STORE_MEMORY (f->secrets), FALSE);

  after = api_test_get (&f->client, "/api/v1/admin/ciraconfigs/cira1");
  api_test_assert_reply (after, SOUP_STATUS_NOT_FOUND, NULL);
  assert_text_nowhere (f, CIRA_PASSWORD);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_setenv ("OUTBAND_API_PASSWORD", "", TRUE);

#define ADD(path, func) \
  g_test_add ("/api-rps/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("routing", test_routing);
  ADD ("ciraconfigs/crud", test_cira_crud);
  ADD ("ciraconfigs/validation", test_cira_validation);
  ADD ("ieee8021xconfigs", test_ieee8021x);
  ADD ("wirelessconfigs", test_wireless);
  ADD ("profiles/crud", test_profiles_crud);
  ADD ("profiles/validation", test_profiles_validation);
  ADD ("domains", test_domains);
  ADD ("paging", test_paging);
  ADD ("etag", test_etag);
  ADD ("keyring-failure", test_keyring_failure);
  ADD ("concurrent", test_concurrent);
  ADD ("hostile-bodies", test_hostile_bodies);

#undef ADD

  status = g_test_run ();

  if (test_chain != NULL)
    {
      EVP_PKEY_free (test_chain->root_key);
      EVP_PKEY_free (test_chain->intermediate_key);
      EVP_PKEY_free (test_chain->leaf_key);
      X509_free (test_chain->root);
      X509_free (test_chain->intermediate);
      X509_free (test_chain->leaf);
      X509_free (test_chain->expired_leaf);
      X509_free (test_chain->other_leaf);
      g_free (test_chain);
    }

  return status;
}
