/* test-sim-provisioning.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ob-crypto.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-wsman-dispatch.h"
#include "ob-util.h"
#include "ob-wsman-error.h"
#include "ob-wsman-message.h"
#include "ob-wsman-response.h"

/* The device side of provisioning driven by WS-Man calls as the RPS makes
 * them (rps-rpc-activation.md §3, §4), straight into the simulator's
 * dispatcher. */

#define PASSWORD "Sim-Passw0rd!"
#define SUFFIX   "example.test"

typedef struct
{
  ObSimDevice        *device;
  ObSimProvisioning  *prov;
  ObSimWsmanDispatch *dispatch;
  guint64             message_id;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->device = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode", OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
  ob_sim_device_set_domain_name (f->device, SUFFIX);
  f->prov = ob_sim_provisioning_attach (f->device);
  f->dispatch = ob_sim_wsman_dispatch_new (f->device);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  ob_sim_wsman_dispatch_free (f->dispatch);
  g_clear_object (&f->device);
}

/* ---- WS-Man helpers ------------------------------------------------------ */

static char *
request (Fixture          *f,
         const char       *action,
         const char       *class_name,
         ObWsmanSelectors *selectors,
         const char       *body,
         guint            *status)
{
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);
  g_autofree char *xml = ob_wsman_build_request (action, uri, ++f->message_id, selectors, body);
  ObSimInitiator who = { OB_SIM_ADMIN_USERNAME, "127.0.0.1" };

  return ob_sim_wsman_dispatch_handle (f->dispatch, xml, strlen (xml), &who, status);
}

/* A call that must succeed: the parsed reply. */
static ObWsmanResponse *
call_ok (Fixture          *f,
         const char       *action,
         const char       *class_name,
         ObWsmanSelectors *selectors,
         const char       *body)
{
  guint status = 0;
  g_autofree char *reply = request (f, action, class_name, selectors, body, &status);
  g_autoptr(GError) error = NULL;
  ObWsmanResponse *response;

  g_assert_nonnull (reply);
  if (status != 200)
    g_error ("%s %s: HTTP %u: %s", action, class_name, status, reply);
  response = ob_wsman_response_new (reply, strlen (reply), &error);
  g_assert_no_error (error);
  return response;
}

/* A call that must fail with a SOAP fault whose subcode contains @subcode. */
static void
call_fault (Fixture          *f,
            const char       *action,
            const char       *class_name,
            ObWsmanSelectors *selectors,
            const char       *body,
            const char       *subcode)
{
  guint status = 0;
  g_autofree char *reply = request (f, action, class_name, selectors, body, &status);

  g_assert_cmpuint (status, ==, 400);
  g_assert_nonnull (strstr (reply, subcode));
}

static ObWsmanResponse *
get (Fixture    *f,
     const char *class_name)
{
  return call_ok (f, OB_WSMAN_ACTION_GET, class_name, NULL, NULL);
}

static const char *
get_text (ObWsmanResponse *r,
          const char      *class_name,
          const char      *name,
          char           **out)
{
  JsonObject *o = ob_wsman_response_get_class_json (r, class_name);
  JsonNode *node;

  g_assert_nonnull (o);
  g_assert_true (json_object_has_member (o, name));
  node = json_object_get_member (o, name);
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    *out = g_strdup (json_node_get_string (node));
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    *out = g_strdup (json_node_get_boolean (node) ? "true" : "false");
  else if (JSON_NODE_HOLDS_VALUE (node))
    *out = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  else
    *out = NULL;
  return *out;
}

static gint64
invoke (Fixture          *f,
        const char       *class_name,
        const char       *method,
        ObWsmanSelectors *args,
        ObWsmanResponse **out)
{
  g_autofree char *body = ob_wsman_body_method_input (class_name, method, args);
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);
  g_autofree char *action = g_strconcat (uri, "/", method, NULL);
  g_autoptr(ObWsmanResponse) r = call_ok (f, action, class_name, NULL, body);
  g_autoptr(GError) error = NULL;
  gint64 rv = -1;

  g_assert_true (ob_wsman_response_get_return_value (r, method, &rv, &error));
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_steal_pointer (&r);
  return rv;
}

static char *
admin_hash (ObSimDevice *device,
            const char  *password)
{
  g_autofree char *a1 = g_strdup_printf ("admin:%s:%s", ob_sim_device_get_digest_realm (device), password);

  return g_compute_checksum_for_string (G_CHECKSUM_MD5, a1, -1);
}

static gint64
setup_ccm (Fixture    *f,
           const char *hash)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();

  ob_wsman_selectors_add (args, "NetAdminPassEncryptionType", "2");
  ob_wsman_selectors_add (args, "NetworkAdminPassword", hash);
  return invoke (f, "IPS_HostBasedSetupService", "Setup", args, NULL);
}

static void
activate_ccm (Fixture *f)
{
  g_autofree char *hash = admin_hash (f->device, PASSWORD);

  g_assert_cmpint (setup_ccm (f, hash), ==, 0);
}

/* ---- certificates ---------------------------------------------------------- */

typedef struct
{
  EVP_PKEY *key;
  X509     *cert;
} Cert;

static void
add_ext (X509       *cert,
         X509       *issuer,
         int         nid,
         const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  g_assert_nonnull (ext);
  g_assert_cmpint (X509_add_ext (cert, ext, -1), ==, 1);
  X509_EXTENSION_free (ext);
}

/* @issuer NULL: self-signed. */
static void
make_cert (Cert       *out,
           const char *cn,
           Cert       *issuer,
           gboolean    ca,
           const char *eku)
{
  static long serial = 1;
  X509_NAME *name;

  out->key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  g_assert_nonnull (out->key);
  out->cert = X509_new ();
  X509_set_version (out->cert, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (out->cert), serial++);
  X509_gmtime_adj (X509_getm_notBefore (out->cert), -3600);
  X509_gmtime_adj (X509_getm_notAfter (out->cert), 86400L * 365);
  X509_set_pubkey (out->cert, out->key);
  name = X509_get_subject_name (out->cert);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) cn, -1, -1, 0);
  X509_set_issuer_name (out->cert, issuer != NULL ? X509_get_subject_name (issuer->cert) : name);
  add_ext (out->cert, issuer != NULL ? issuer->cert : out->cert, NID_basic_constraints,
           ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (eku != NULL)
    add_ext (out->cert, issuer != NULL ? issuer->cert : out->cert, NID_ext_key_usage, eku);
  g_assert_cmpint (X509_sign (out->cert, issuer != NULL ? issuer->key : out->key, EVP_sha256 ()), >, 0);
}

static GBytes *
cert_der (Cert *c)
{
  unsigned char *der = NULL;
  int len = i2d_X509 (c->cert, &der);
  GBytes *bytes;

  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

static char *
cert_base64 (Cert *c)
{
  g_autoptr(GBytes) der = cert_der (c);

  return g_base64_encode (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
}

static GBytes *
key_der (Cert *c)
{
  unsigned char *der = NULL;
  int len = i2d_PrivateKey (c->key, &der);
  GBytes *bytes;

  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_clear_free (der, (size_t) len);
  return bytes;
}

typedef struct
{
  Cert root;
  Cert intermediate;
  Cert leaf;
} Chain;

#define PROVISIONING_EKU "serverAuth,2.16.840.1.113741.1.2.3"

/* Key generation is the slow part: every chain shares one root and one
 * intermediate, and each leaf is made once for the whole run (the chains
 * live until the process ends). */
static Cert shared_root;
static Cert shared_intermediate;
static GHashTable *shared_chains;

static Chain *
make_chain (const char *leaf_cn,
            const char *eku)
{
  g_autofree char *key = g_strconcat (leaf_cn, "|", eku, NULL);
  Chain *chain;

  if (shared_chains == NULL)
    {
      shared_chains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      make_cert (&shared_root, "Test Provisioning Root", NULL, TRUE, NULL);
      make_cert (&shared_intermediate, "Test Provisioning Intermediate", &shared_root, TRUE, NULL);
    }
  chain = g_hash_table_lookup (shared_chains, key);
  if (chain != NULL)
    return chain;
  chain = g_new0 (Chain, 1);
  chain->root = shared_root;
  chain->intermediate = shared_intermediate;
  make_cert (&chain->leaf, leaf_cn, &shared_intermediate, FALSE, eku);
  g_hash_table_insert (shared_chains, g_steal_pointer (&key), chain);
  return chain;
}

static void
trust_root (Fixture *f,
            Chain   *chain)
{
  g_autoptr(GBytes) der = cert_der (&chain->root);
  g_autofree char *hash = ob_crypto_fingerprint (der, OB_HASH_ALGORITHM_SHA256);

  g_assert_true (ob_sim_provisioning_add_trusted_hash (f->prov, hash));
}

static gint64
add_cert (Fixture    *f,
          Cert       *c,
          gboolean    leaf,
          gboolean    root)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *b64 = cert_base64 (c);

  ob_wsman_selectors_add (args, "NextCertificate", b64);
  ob_wsman_selectors_add (args, "IsLeafCertificate", leaf ? "true" : "false");
  ob_wsman_selectors_add (args, "IsRootCertificate", root ? "true" : "false");
  return invoke (f, "IPS_HostBasedSetupService", "AddNextCertInChain", args, NULL);
}

/* The firmware's nonce as IPS_HostBasedSetupService Get reports it. */
static GBytes *
read_nonce (Fixture *f)
{
  g_autoptr(ObWsmanResponse) r = get (f, "IPS_HostBasedSetupService");
  g_autofree char *text = NULL;
  gsize len;
  guchar *data;

  get_text (r, "IPS_HostBasedSetupService", "ConfigurationNonce", &text);
  data = g_base64_decode (text, &len);
  g_assert_cmpuint (len, ==, 20);
  return g_bytes_new_take (data, len);
}

/* AdminSetup (or UpgradeClientToAdmin) as the RPS makes it, signing
 * @fw_nonce ‖ McNonce with @signer. */
static gint64
signed_setup (Fixture    *f,
              const char *method,
              Cert       *signer,
              GBytes     *fw_nonce)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *hash = admin_hash (f->device, PASSWORD);
  guint8 mc_nonce[20];
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GBytes) signed_data = NULL;
  g_autoptr(GBytes) key = key_der (signer);
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mc_b64 = NULL;
  g_autofree char *sig_b64 = NULL;

  ob_random_bytes (mc_nonce, sizeof mc_nonce);
  g_byte_array_append (data, g_bytes_get_data (fw_nonce, NULL), (guint) g_bytes_get_size (fw_nonce));
  g_byte_array_append (data, mc_nonce, sizeof mc_nonce);
  signed_data = g_byte_array_free_to_bytes (g_steal_pointer (&data));
  signature = ob_crypto_sign_rsa_sha256 (key, signed_data, &error);
  g_assert_no_error (error);
  mc_b64 = g_base64_encode (mc_nonce, sizeof mc_nonce);
  sig_b64 = g_base64_encode (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature));

  if (g_str_equal (method, "AdminSetup"))
    {
      ob_wsman_selectors_add (args, "NetAdminPassEncryptionType", "2");
      ob_wsman_selectors_add (args, "NetworkAdminPassword", hash);
    }
  ob_wsman_selectors_add (args, "McNonce", mc_b64);
  ob_wsman_selectors_add (args, "SigningAlgorithm", "2");
  ob_wsman_selectors_add (args, "DigitalSignature", sig_b64);
  return invoke (f, "IPS_HostBasedSetupService", method, args, NULL);
}

static gint64
admin_setup (Fixture *f,
             Cert    *signer,
             GBytes  *fw_nonce)
{
  return signed_setup (f, "AdminSetup", signer, fw_nonce);
}

/* ---- tests --------------------------------------------------------------------- */

static void
test_pre_provisioning (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(ObWsmanResponse) setup = get (f, "AMT_SetupAndConfigurationService");
  g_autoptr(ObWsmanResponse) hbs = get (f, "IPS_HostBasedSetupService");
  g_autoptr(ObWsmanResponse) general = get (f, "AMT_GeneralSettings");
  g_autofree char *state = NULL, *mode = NULL, *realm = NULL, *chain = NULL;
  g_autofree char *lsa_ha1 = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *a1 = NULL;
  JsonObject *o;
  JsonNode *allowed;

  get_text (setup, "AMT_SetupAndConfigurationService", "ProvisioningState", &state);
  g_assert_cmpstr (state, ==, "0");
  get_text (hbs, "IPS_HostBasedSetupService", "CurrentControlMode", &mode);
  g_assert_cmpstr (mode, ==, "0");
  get_text (hbs, "IPS_HostBasedSetupService", "CertChainStatus", &chain);
  g_assert_cmpstr (chain, ==, "0");
  o = ob_wsman_response_get_class_json (hbs, "IPS_HostBasedSetupService");
  allowed = json_object_get_member (o, "AllowedControlModes");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (allowed));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (allowed)), ==, 2);

  get_text (general, "AMT_GeneralSettings", "DigestRealm", &realm);
  g_assert_true (g_str_has_prefix (realm, "Digest:"));
  g_assert_cmpuint (strlen (realm), ==, 7 + 32);

  /* Only the local system account exists before activation. */
  g_assert_null (ob_sim_provisioning_dup_account_ha1 (f->prov, "admin"));
  lsa_ha1 = ob_sim_provisioning_dup_account_ha1 (f->prov, OB_SIM_LSA_USERNAME);
  a1 = g_strdup_printf ("%s:%s:%s", OB_SIM_LSA_USERNAME, realm, ob_sim_provisioning_get_lsa_password (f->prov));
  expected = g_compute_checksum_for_string (G_CHECKSUM_MD5, a1, -1);
  g_assert_cmpstr (lsa_ha1, ==, expected);

  /* Configuration before activation is refused. */
  {
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
    g_autofree char *body = NULL;

    ob_wsman_selectors_add (args, "AccessInfo", "192.0.2.1");
    body = ob_wsman_body_method_input ("AMT_RemoteAccessService", "AddMpServer", args);
    call_fault (f, OB_WSMAN_URI_AMT "AMT_RemoteAccessService/AddMpServer", "AMT_RemoteAccessService", NULL, body,
                "AccessDenied");
  }
  /* Unprovision in pre-provisioning: invalid mode. */
  {
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("ProvisioningMode", "1", NULL);

    g_assert_cmpint (invoke (f, "AMT_SetupAndConfigurationService", "Unprovision", args, NULL), ==, 3);
  }
}

static void
test_ccm_setup (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *hash = admin_hash (f->device, PASSWORD);
  g_autofree char *ha1 = NULL;
  g_autoptr(ObWsmanResponse) hbs = NULL;
  g_autoptr(ObWsmanResponse) setup = NULL;
  g_autofree char *mode = NULL, *pmode = NULL;

  /* A hash that is not 32 hex digits, a wrong encryption type. */
  g_assert_cmpint (setup_ccm (f, "not-a-hash"), ==, OB_SIM_SETUP_INVALID_PARAMETER);
  {
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();

    ob_wsman_selectors_add (args, "NetAdminPassEncryptionType", "1");
    ob_wsman_selectors_add (args, "NetworkAdminPassword", hash);
    g_assert_cmpint (invoke (f, "IPS_HostBasedSetupService", "Setup", args, NULL), ==,
                     OB_SIM_SETUP_INVALID_PARAMETER);
  }
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);

  g_assert_cmpint (setup_ccm (f, hash), ==, 0);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_CCM);
  g_assert_true (ob_sim_provisioning_check_admin_password (f->prov, PASSWORD));
  g_assert_false (ob_sim_provisioning_check_admin_password (f->prov, "Other-Passw0rd!"));
  ha1 = ob_sim_provisioning_dup_account_ha1 (f->prov, "admin");
  g_assert_cmpstr (ha1, ==, hash);

  hbs = get (f, "IPS_HostBasedSetupService");
  get_text (hbs, "IPS_HostBasedSetupService", "CurrentControlMode", &mode);
  g_assert_cmpstr (mode, ==, "1");
  setup = get (f, "AMT_SetupAndConfigurationService");
  get_text (setup, "AMT_SetupAndConfigurationService", "ProvisioningMode", &pmode);
  g_assert_cmpstr (pmode, ==, "4");

  /* Once activated, Setup is in the wrong state; the MEBx password only
   * in admin control mode. */
  g_assert_cmpint (setup_ccm (f, hash), ==, OB_SIM_SETUP_INVALID_STATE);
  {
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("Password", "Mebx-Passw0rd!", NULL);

    g_assert_cmpint (invoke (f, "AMT_SetupAndConfigurationService", "SetMEBxPassword", args, NULL), ==, 16);
  }
  /* CCM cannot be disabled once allowed only for ACM. */
  ob_sim_provisioning_unprovision (f->prov);
  ob_sim_provisioning_set_allowed_modes (f->prov, FALSE, TRUE);
  g_assert_cmpint (setup_ccm (f, hash), ==, OB_SIM_SETUP_METHOD_DISABLED);
}

static void
test_acm_admin_setup (Fixture       *f,
                      gconstpointer  data)
{
  Chain *chain = make_chain ("provisioning." SUFFIX, PROVISIONING_EKU);
  g_autoptr(GBytes) nonce = NULL;
  g_autoptr(GBytes) nonce_after = NULL;
  g_autoptr(ObWsmanResponse) hbs = NULL;
  g_autofree char *status = NULL, *mode = NULL;

  trust_root (f, chain);
  g_assert_cmpint (add_cert (f, &chain->leaf, TRUE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->intermediate, FALSE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->root, FALSE, TRUE), ==, 0);
  hbs = get (f, "IPS_HostBasedSetupService");
  get_text (hbs, "IPS_HostBasedSetupService", "CertChainStatus", &status);
  g_assert_cmpstr (status, ==, "2");

  nonce = read_nonce (f);
  g_assert_cmpint (admin_setup (f, &chain->leaf, nonce), ==, 0);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_ACM);
  g_assert_true (ob_sim_provisioning_check_admin_password (f->prov, PASSWORD));
  g_clear_pointer (&hbs, ob_wsman_response_unref);
  hbs = get (f, "IPS_HostBasedSetupService");
  get_text (hbs, "IPS_HostBasedSetupService", "CurrentControlMode", &mode);
  g_assert_cmpstr (mode, ==, "2");
  /* The nonce signed one setup only. */
  nonce_after = read_nonce (f);
  g_assert_false (g_bytes_equal (nonce, nonce_after));

  /* The MEBx password, with AMT's strength rule. */
  {
    g_autoptr(ObWsmanSelectors) weak = ob_wsman_selectors_new_with ("Password", "weak", NULL);
    g_autoptr(ObWsmanSelectors) strong = ob_wsman_selectors_new_with ("Password", "Mebx-Passw0rd!", NULL);

    g_assert_cmpint (invoke (f, "AMT_SetupAndConfigurationService", "SetMEBxPassword", weak, NULL), ==, 36);
    g_assert_cmpint (invoke (f, "AMT_SetupAndConfigurationService", "SetMEBxPassword", strong, NULL), ==, 0);
    g_assert_cmpstr (ob_sim_provisioning_get_mebx_password (f->prov), ==, "Mebx-Passw0rd!");
  }
}

static void
test_acm_untrusted_root (Fixture       *f,
                         gconstpointer  data)
{
  Chain *chain = make_chain ("provisioning." SUFFIX, PROVISIONING_EKU);
  g_autoptr(GBytes) nonce = NULL;
  g_autoptr(GBytes) intermediate = cert_der (&chain->intermediate);
  g_autofree char *other_hash = ob_crypto_fingerprint (intermediate, OB_HASH_ALGORITHM_SHA256);

  /* The firmware trusts another certificate's hash, not this root's. */
  g_assert_true (ob_sim_provisioning_add_trusted_hash (f->prov, other_hash));
  g_assert_cmpint (add_cert (f, &chain->leaf, TRUE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->intermediate, FALSE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->root, FALSE, TRUE), ==, OB_SIM_HBS_CERT_VERIFY_FAILED);

  /* No complete chain: AdminSetup is in the wrong state. */
  nonce = read_nonce (f);
  g_assert_cmpint (admin_setup (f, &chain->leaf, nonce), ==, OB_SIM_SETUP_INVALID_STATE);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);

  /* Trusted now, but the intermediate left out: the leaf is not the
   * root's. */
  trust_root (f, chain);
  g_assert_cmpint (add_cert (f, &chain->leaf, TRUE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->root, FALSE, TRUE), ==, OB_SIM_HBS_CERT_VERIFY_FAILED);
  /* A certificate after the leaf without a leaf first. */
  g_assert_cmpint (add_cert (f, &chain->intermediate, FALSE, FALSE), ==, OB_SIM_HBS_INVALID_STATE);
  /* Garbage. */
  {
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();

    ob_wsman_selectors_add (args, "NextCertificate", "bm90IGEgY2VydGlmaWNhdGU=");
    ob_wsman_selectors_add (args, "IsLeafCertificate", "true");
    ob_wsman_selectors_add (args, "IsRootCertificate", "false");
    g_assert_cmpint (invoke (f, "IPS_HostBasedSetupService", "AddNextCertInChain", args, NULL), ==,
                     OB_SIM_HBS_INVALID_PARAMETER);
  }
  /* And in order it works. */
  g_assert_cmpint (add_cert (f, &chain->leaf, TRUE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->intermediate, FALSE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->root, FALSE, TRUE), ==, 0);
}

static void
test_acm_leaf_rules (Fixture       *f,
                     gconstpointer  data)
{
  Chain *no_eku = make_chain ("provisioning." SUFFIX, "serverAuth");
  Chain *wrong_domain = make_chain ("provisioning.elsewhere.test", PROVISIONING_EKU);

  trust_root (f, no_eku);
  trust_root (f, wrong_domain);
  /* A leaf without AMT's provisioning EKU. */
  g_assert_cmpint (add_cert (f, &no_eku->leaf, TRUE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &no_eku->intermediate, FALSE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &no_eku->root, FALSE, TRUE), ==, OB_SIM_HBS_CERT_VERIFY_FAILED);
  /* A leaf for a DNS suffix the device does not have. */
  g_assert_cmpint (add_cert (f, &wrong_domain->leaf, TRUE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &wrong_domain->intermediate, FALSE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &wrong_domain->root, FALSE, TRUE), ==, OB_SIM_HBS_CERT_VERIFY_FAILED);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
}

static void
test_acm_wrong_signature (Fixture       *f,
                          gconstpointer  data)
{
  Chain *chain = make_chain ("provisioning." SUFFIX, PROVISIONING_EKU);
  g_autoptr(GBytes) nonce = NULL;
  g_autoptr(GBytes) stale = NULL;

  trust_root (f, chain);
  g_assert_cmpint (add_cert (f, &chain->leaf, TRUE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->intermediate, FALSE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->root, FALSE, TRUE), ==, 0);

  /* Signed with the intermediate's key, not the leaf's. */
  nonce = read_nonce (f);
  g_assert_cmpint (admin_setup (f, &chain->intermediate, nonce), ==, OB_SIM_SETUP_AUTH_FAILED);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
  g_assert_null (ob_sim_provisioning_dup_account_ha1 (f->prov, "admin"));

  /* The right key over a spent nonce: refused too (and the chain must be
   * sent again after any attempt). */
  g_assert_cmpint (add_cert (f, &chain->leaf, TRUE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->intermediate, FALSE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->root, FALSE, TRUE), ==, 0);
  stale = g_bytes_ref (nonce);
  g_assert_cmpint (admin_setup (f, &chain->leaf, stale), ==, OB_SIM_SETUP_AUTH_FAILED);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
}

static void
test_unprovision (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("ProvisioningMode", "1", NULL);
  g_autoptr(ObWsmanSelectors) bad = ob_wsman_selectors_new_with ("ProvisioningMode", "2", NULL);
  g_autoptr(ObWsmanResponse) setup = NULL;
  g_autofree char *state = NULL;

  activate_ccm (f);
  g_assert_cmpint (invoke (f, "AMT_SetupAndConfigurationService", "Unprovision", bad, NULL), ==, 36);
  g_assert_cmpint (invoke (f, "AMT_SetupAndConfigurationService", "Unprovision", args, NULL), ==, 0);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
  g_assert_null (ob_sim_provisioning_dup_account_ha1 (f->prov, "admin"));
  g_assert_false (ob_sim_provisioning_check_admin_password (f->prov, PASSWORD));
  setup = get (f, "AMT_SetupAndConfigurationService");
  get_text (setup, "AMT_SetupAndConfigurationService", "ProvisioningState", &state);
  g_assert_cmpstr (state, ==, "0");
  /* And it can be activated again. */
  activate_ccm (f);
}

static char *
created_selector (ObWsmanResponse *r,
                  const char      *output,
                  const char      *member)
{
  JsonObject *o = ob_wsman_response_get_class_json (r, output);
  JsonObject *epr, *params, *set;
  JsonNode *selector;

  g_assert_nonnull (o);
  epr = json_object_get_object_member (o, member);
  params = json_object_get_object_member (epr, "ReferenceParameters");
  set = json_object_get_object_member (params, "SelectorSet");
  selector = json_object_get_member (set, "Selector");
  if (JSON_NODE_HOLDS_ARRAY (selector))
    {
      JsonArray *a = json_node_get_array (selector);

      /* The name is an attribute the conversion drops; the name selector
       * of an MPS is the second of four. */
      return g_strdup (json_array_get_string_element (a, json_array_get_length (a) > 1 ? 1 : 0));
    }
  return g_strdup (json_node_get_string (selector));
}

static void
test_cira_configuration (Fixture       *f,
                         gconstpointer  data)
{
  Cert mps_root = { 0 };
  g_autofree char *root_b64 = NULL;
  g_autoptr(ObWsmanResponse) r = NULL;
  g_autoptr(GPtrArray) roots = NULL;
  g_autofree char *sap_name = NULL;
  g_auto(GStrv) detection = NULL;
  const char *host, *user, *password, *cn;
  guint format, port;

  activate_ccm (f);
  /* Any root will do for the MPS (one made already). */
  mps_root = make_chain ("provisioning." SUFFIX, PROVISIONING_EKU)->root;
  root_b64 = cert_base64 (&mps_root);

  /* 2. the MPS root */
  {
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("CertificateBlob", root_b64, NULL);

    g_assert_cmpint (invoke (f, "AMT_PublicKeyManagementService", "AddTrustedRootCertificate", args, &r), ==, 0);
    g_clear_pointer (&r, ob_wsman_response_unref);
    /* The same root twice: duplicate. */
    g_assert_cmpint (invoke (f, "AMT_PublicKeyManagementService", "AddTrustedRootCertificate", args, NULL), ==, 2058);
  }
  roots = ob_sim_provisioning_dup_trusted_roots (f->prov);
  g_assert_cmpuint (roots->len, ==, 1);

  /* 4. the MPS server; a wrong info format is refused */
  {
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
    g_autoptr(ObWsmanSelectors) bad = ob_wsman_selectors_new ();

    ob_wsman_selectors_add (bad, "AccessInfo", "mps.example.test");
    ob_wsman_selectors_add (bad, "InfoFormat", "3");
    ob_wsman_selectors_add (bad, "Port", "4433");
    ob_wsman_selectors_add (bad, "AuthMethod", "2");
    ob_wsman_selectors_add (bad, "Username", "ciraUser");
    ob_wsman_selectors_add (bad, "Password", "Cira-Passw0rd!");
    ob_wsman_selectors_add (bad, "CN", "mps.example.test");
    g_assert_cmpint (invoke (f, "AMT_RemoteAccessService", "AddMpServer", bad, NULL), ==, 36);

    ob_wsman_selectors_add (args, "AccessInfo", "192.0.2.10");
    ob_wsman_selectors_add (args, "InfoFormat", "3");
    ob_wsman_selectors_add (args, "Port", "4433");
    ob_wsman_selectors_add (args, "AuthMethod", "2");
    ob_wsman_selectors_add (args, "Username", "ciraUser");
    ob_wsman_selectors_add (args, "Password", "Cira-Passw0rd!");
    ob_wsman_selectors_add (args, "CN", "mps.example.test");
    g_assert_cmpint (invoke (f, "AMT_RemoteAccessService", "AddMpServer", args, &r), ==, 0);
    sap_name = created_selector (r, "AddMpServer_OUTPUT", "MpServer");
    g_clear_pointer (&r, ob_wsman_response_unref);
    g_assert_cmpint (invoke (f, "AMT_RemoteAccessService", "AddMpServer", args, NULL), ==, 2058);
  }
  g_assert_cmpuint (ob_sim_provisioning_get_n_mps_servers (f->prov), ==, 1);
  g_assert_true (ob_sim_provisioning_get_mps_server (f->prov, 0, &host, &format, &port, &user, &password, &cn));
  g_assert_cmpstr (host, ==, "192.0.2.10");
  g_assert_cmpuint (format, ==, 3);
  g_assert_cmpuint (port, ==, 4433);
  g_assert_cmpstr (user, ==, "ciraUser");
  g_assert_cmpstr (password, ==, "Cira-Passw0rd!");
  g_assert_cmpstr (cn, ==, "mps.example.test");

  /* 5. Enumerate the SAP: its Name */
  {
    g_autoptr(ObWsmanResponse) e = call_ok (f, OB_WSMAN_ACTION_ENUMERATE, "AMT_ManagementPresenceRemoteSAP", NULL,
                                            "<Enumerate xmlns=\"" OB_WSMAN_NS_ENUMERATION "\" />");
    g_autofree char *pull = ob_wsman_body_pull (ob_wsman_response_get_enumeration_context (e), 999);
    g_autoptr(ObWsmanResponse) p = call_ok (f, OB_WSMAN_ACTION_PULL, "AMT_ManagementPresenceRemoteSAP", NULL, pull);
    GPtrArray *items = ob_wsman_response_get_items (p);
    JsonObject *item;

    g_assert_cmpuint (items->len, ==, 1);
    item = json_node_get_object (g_ptr_array_index (items, 0));
    g_assert_cmpstr (json_object_get_string_member (item, "Name"), ==, "Intel(r) AMT:Management Presence Server 0");
    g_assert_cmpstr (json_object_get_string_member (item, "Name"), ==, sap_name);
  }

  /* 6, 7. the policies */
  {
    g_autoptr(ObWsmanSelectors) sap = ob_wsman_selectors_new_with ("Name", sap_name, NULL);
    g_autoptr(ObWsmanSelectors) periodic = ob_wsman_selectors_new ();
    g_autoptr(ObWsmanSelectors) user_initiated = ob_wsman_selectors_new ();

    ob_wsman_selectors_add (periodic, "Trigger", "2");
    ob_wsman_selectors_add (periodic, "TunnelLifeTime", "0");
    ob_wsman_selectors_add (periodic, "ExtendedData", "AAAAAAAAABk=");
    ob_wsman_selectors_add_reference (periodic, "MpServer", OB_WSMAN_ADDRESS_ANONYMOUS,
                                      OB_WSMAN_URI_AMT "AMT_ManagementPresenceRemoteSAP", sap);
    g_assert_cmpint (invoke (f, "AMT_RemoteAccessService", "AddRemoteAccessPolicyRule", periodic, NULL), ==, 0);
    g_assert_cmpint (invoke (f, "AMT_RemoteAccessService", "AddRemoteAccessPolicyRule", periodic, NULL), ==, 2058);

    ob_wsman_selectors_add (user_initiated, "Trigger", "0");
    ob_wsman_selectors_add (user_initiated, "TunnelLifeTime", "300");
    ob_wsman_selectors_add (user_initiated, "ExtendedData", "");
    ob_wsman_selectors_add_reference (user_initiated, "MpServer", OB_WSMAN_ADDRESS_ANONYMOUS,
                                      OB_WSMAN_URI_AMT "AMT_ManagementPresenceRemoteSAP", sap);
    g_assert_cmpint (invoke (f, "AMT_RemoteAccessService", "AddRemoteAccessPolicyRule", user_initiated, NULL), ==,
                     0);
  }
  g_assert_true (ob_sim_provisioning_has_policy (f->prov, 2));
  g_assert_true (ob_sim_provisioning_has_policy (f->prov, 0));
  g_assert_false (ob_sim_provisioning_has_policy (f->prov, 1));
  g_assert_cmpuint (ob_sim_provisioning_get_periodic_interval (f->prov), ==, 25);

  /* 8. AppliesToMPS: Put each back with MpsType 2 */
  {
    g_autoptr(ObWsmanResponse) e = call_ok (f, OB_WSMAN_ACTION_ENUMERATE, "AMT_RemoteAccessPolicyAppliesToMPS", NULL,
                                            "<Enumerate xmlns=\"" OB_WSMAN_NS_ENUMERATION "\" />");
    g_autofree char *pull = ob_wsman_body_pull (ob_wsman_response_get_enumeration_context (e), 999);
    g_autoptr(ObWsmanResponse) p = call_ok (f, OB_WSMAN_ACTION_PULL, "AMT_RemoteAccessPolicyAppliesToMPS", NULL,
                                            pull);

    g_assert_cmpuint (ob_wsman_response_get_items (p)->len, ==, 2);
    for (guint i = 0; i < 2; i++)
      {
        const char *rule = i == 0 ? "User Initiated" : "Periodic";
        g_autoptr(ObWsmanSelectors) header = ob_wsman_selectors_new ();
        g_autoptr(ObWsmanSelectors) sap = ob_wsman_selectors_new_with (
          "CreationClassName", "AMT_ManagementPresenceRemoteSAP", "Name", sap_name,
          "SystemCreationClassName", "CIM_ComputerSystem", "SystemName", "Intel(r) AMT", NULL);
        g_autoptr(ObWsmanSelectors) policy = ob_wsman_selectors_new_with (
          "CreationClassName", "AMT_RemoteAccessPolicyRule", "PolicyRuleName", rule,
          "SystemCreationClassName", "CIM_ComputerSystem", "SystemName", "Intel(r) AMT", NULL);
        g_autofree char *body = g_strdup_printf (
          "<h:AMT_RemoteAccessPolicyAppliesToMPS xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_RemoteAccessPolicyAppliesToMPS\">"
          "<h:MpsType>2</h:MpsType><h:OrderOfAccess>0</h:OrderOfAccess></h:AMT_RemoteAccessPolicyAppliesToMPS>");
        g_autoptr(ObWsmanResponse) put = NULL;
        g_autofree char *mps_type = NULL;

        ob_wsman_selectors_add_reference (header, "ManagedElement", OB_WSMAN_ADDRESS_ANONYMOUS,
                                          OB_WSMAN_URI_AMT "AMT_ManagementPresenceRemoteSAP", sap);
        ob_wsman_selectors_add_reference (header, "PolicySet", OB_WSMAN_ADDRESS_ANONYMOUS,
                                          OB_WSMAN_URI_AMT "AMT_RemoteAccessPolicyRule", policy);
        put = call_ok (f, OB_WSMAN_ACTION_PUT, "AMT_RemoteAccessPolicyAppliesToMPS", header, body);
        get_text (put, "AMT_RemoteAccessPolicyAppliesToMPS", "MpsType", &mps_type);
        g_assert_cmpstr (mps_type, ==, "2");
      }
  }

  /* 9. user initiated connections */
  {
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("RequestedState", "32771", NULL);
    g_autoptr(ObWsmanSelectors) bad = ob_wsman_selectors_new_with ("RequestedState", "7", NULL);

    g_assert_cmpint (invoke (f, "AMT_UserInitiatedConnectionService", "RequestStateChange", bad, NULL), !=, 0);
    g_assert_cmpint (invoke (f, "AMT_UserInitiatedConnectionService", "RequestStateChange", args, NULL), ==, 0);
    g_assert_cmpuint (ob_sim_provisioning_get_user_initiated_state (f->prov), ==, 32771);
  }

  /* 10. environment detection */
  {
    g_autoptr(ObWsmanSelectors) header = ob_wsman_selectors_new_with ("InstanceID",
                                                                      "Intel(r) AMT Environment Detection Settings",
                                                                      NULL);
    const char *body =
      "<h:AMT_EnvironmentDetectionSettingData xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_EnvironmentDetectionSettingData\">"
      "<h:DetectionAlgorithm>0</h:DetectionAlgorithm>"
      "<h:DetectionStrings>0b6f1e2c-3a4d-4e5f-8a9b-0c1d2e3f4a5b.com</h:DetectionStrings>"
      "<h:ElementName>Intel(r) AMT Environment Detection Settings</h:ElementName>"
      "<h:InstanceID>Intel(r) AMT Environment Detection Settings</h:InstanceID>"
      "</h:AMT_EnvironmentDetectionSettingData>";
    g_autoptr(ObWsmanResponse) put = call_ok (f, OB_WSMAN_ACTION_PUT, "AMT_EnvironmentDetectionSettingData", header,
                                              body);

    detection = ob_sim_provisioning_dup_detection_strings (f->prov);
    g_assert_cmpuint (g_strv_length (detection), ==, 1);
    g_assert_cmpstr (detection[0], ==, "0b6f1e2c-3a4d-4e5f-8a9b-0c1d2e3f4a5b.com");
  }

  /* Clean-up as the RPS does it: rules by name, then the SAP. */
  {
    g_autoptr(ObWsmanSelectors) alert = ob_wsman_selectors_new_with ("PolicyRuleName", "Alert", NULL);
    g_autoptr(ObWsmanSelectors) periodic = ob_wsman_selectors_new_with ("PolicyRuleName", "Periodic", NULL);
    g_autoptr(ObWsmanSelectors) sap = ob_wsman_selectors_new_with ("Name", sap_name, NULL);
    g_autoptr(ObWsmanResponse) d1 = NULL;
    g_autoptr(ObWsmanResponse) d2 = NULL;

    call_fault (f, OB_WSMAN_ACTION_DELETE, "AMT_RemoteAccessPolicyRule", alert, NULL, "DestinationUnreachable");
    d1 = call_ok (f, OB_WSMAN_ACTION_DELETE, "AMT_RemoteAccessPolicyRule", periodic, NULL);
    g_assert_false (ob_sim_provisioning_has_policy (f->prov, 2));
    d2 = call_ok (f, OB_WSMAN_ACTION_DELETE, "AMT_ManagementPresenceRemoteSAP", sap, NULL);
    g_assert_cmpuint (ob_sim_provisioning_get_n_mps_servers (f->prov), ==, 0);
    g_assert_false (ob_sim_provisioning_has_policy (f->prov, 0));
  }

  /* Unprovision forgets everything. */
  {
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("ProvisioningMode", "1", NULL);
    g_autoptr(GPtrArray) after = NULL;

    g_assert_cmpint (invoke (f, "AMT_SetupAndConfigurationService", "Unprovision", args, NULL), ==, 0);
    after = ob_sim_provisioning_dup_trusted_roots (f->prov);
    g_assert_cmpuint (after->len, ==, 0);
    g_assert_cmpuint (ob_sim_provisioning_get_user_initiated_state (f->prov), ==, 32768);
  }
}

static void
test_network_and_general (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(ObWsmanSelectors) wired = ob_wsman_selectors_new_with ("InstanceID",
                                                                   "Intel(r) AMT Ethernet Port Settings 0", NULL);
  g_autoptr(ObWsmanResponse) put = NULL;
  g_autofree char *dhcp = NULL;
  const char *static_no_address =
    "<h:AMT_EthernetPortSettings xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_EthernetPortSettings\">"
    "<h:DHCPEnabled>false</h:DHCPEnabled><h:InstanceID>Intel(r) AMT Ethernet Port Settings 0</h:InstanceID>"
    "<h:IpSyncEnabled>false</h:IpSyncEnabled><h:SharedStaticIp>false</h:SharedStaticIp>"
    "</h:AMT_EthernetPortSettings>";
  const char *static_address =
    "<h:AMT_EthernetPortSettings xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_EthernetPortSettings\">"
    "<h:DHCPEnabled>false</h:DHCPEnabled><h:IPAddress>192.0.2.50</h:IPAddress>"
    "<h:InstanceID>Intel(r) AMT Ethernet Port Settings 0</h:InstanceID>"
    "<h:IpSyncEnabled>false</h:IpSyncEnabled><h:SharedStaticIp>false</h:SharedStaticIp>"
    "<h:SubnetMask>255.255.255.0</h:SubnetMask></h:AMT_EthernetPortSettings>";

  activate_ccm (f);
  g_assert_true (ob_sim_provisioning_get_dhcp_enabled (f->prov));
  /* Static without IP sync needs the address and mask. */
  call_fault (f, OB_WSMAN_ACTION_PUT, "AMT_EthernetPortSettings", wired, static_no_address, "InvalidRepresentation");
  put = call_ok (f, OB_WSMAN_ACTION_PUT, "AMT_EthernetPortSettings", wired, static_address);
  get_text (put, "AMT_EthernetPortSettings", "DHCPEnabled", &dhcp);
  g_assert_cmpstr (dhcp, ==, "false");
  g_assert_false (ob_sim_provisioning_get_dhcp_enabled (f->prov));
  g_assert_cmpstr (ob_sim_provisioning_get_ip_address (f->prov), ==, "192.0.2.50");

  /* General settings: host name and the three flags the RPS sets. */
  {
    const char *body =
      "<h:AMT_GeneralSettings xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_GeneralSettings\">"
      "<h:AMTNetworkEnabled>1</h:AMTNetworkEnabled><h:HostName>renamed-host</h:HostName>"
      "<h:RmcpPingResponseEnabled>true</h:RmcpPingResponseEnabled><h:SharedFQDN>true</h:SharedFQDN>"
      "</h:AMT_GeneralSettings>";
    const char *bad =
      "<h:AMT_GeneralSettings xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_GeneralSettings\">"
      "<h:HostName>not a host name</h:HostName></h:AMT_GeneralSettings>";
    g_autoptr(ObWsmanResponse) g = NULL;

    call_fault (f, OB_WSMAN_ACTION_PUT, "AMT_GeneralSettings", NULL, bad, "InvalidRepresentation");
    g = call_ok (f, OB_WSMAN_ACTION_PUT, "AMT_GeneralSettings", NULL, body);
    g_assert_cmpstr (ob_sim_device_get_hostname (f->device), ==, "renamed-host");
  }

  /* Time: Ta0 must be the firmware's own. */
  {
    g_autoptr(ObWsmanResponse) low = NULL;
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
    g_autoptr(ObWsmanSelectors) wrong = ob_wsman_selectors_new ();
    g_autofree char *ta0 = NULL;
    g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC + 120);

    g_assert_cmpint (invoke (f, "AMT_TimeSynchronizationService", "GetLowAccuracyTimeSynch", NULL, &low), ==, 0);
    get_text (low, "GetLowAccuracyTimeSynch_OUTPUT", "Ta0", &ta0);
    ob_wsman_selectors_add (wrong, "Ta0", "12345");
    ob_wsman_selectors_add (wrong, "Tm1", now);
    ob_wsman_selectors_add (wrong, "Tm2", now);
    g_assert_cmpint (invoke (f, "AMT_TimeSynchronizationService", "SetHighAccuracyTimeSynch", wrong, NULL), ==, 36);
    ob_wsman_selectors_add (args, "Ta0", ta0);
    ob_wsman_selectors_add (args, "Tm1", now);
    ob_wsman_selectors_add (args, "Tm2", now);
    g_assert_cmpint (invoke (f, "AMT_TimeSynchronizationService", "SetHighAccuracyTimeSynch", args, NULL), ==, 0);
    g_assert_cmpint (ob_sim_provisioning_get_last_time_sync (f->prov), >=, g_get_real_time () / G_USEC_PER_SEC + 119);
  }

  /* The admin password changes with SetAdminAclEntryEx (base64 of the raw
   * digest). */
  {
    g_autofree char *hex = admin_hash (f->device, "New-Passw0rd!");
    g_autoptr(GBytes) raw = ob_hex_decode (hex, NULL);
    g_autofree char *b64 = g_base64_encode (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
    g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("Username", "admin", "DigestPassword", b64, NULL);

    g_assert_cmpint (invoke (f, "AMT_AuthorizationService", "SetAdminAclEntryEx", args, NULL), ==, 0);
    g_assert_true (ob_sim_provisioning_check_admin_password (f->prov, "New-Passw0rd!"));
    g_assert_false (ob_sim_provisioning_check_admin_password (f->prov, PASSWORD));
  }
}

static void
test_wireless (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *body = NULL;
  g_autofree char *uri = ob_wsman_resource_uri_for_class ("AMT_WiFiPortConfigurationService");
  g_autoptr(ObWsmanResponse) r = NULL;
  gint64 rv = -1;

  /* Without a wireless port the classes are not there. */
  call_fault (f, OB_WSMAN_ACTION_GET, "CIM_WiFiPort", NULL, NULL, "DestinationUnreachable");
  ob_sim_provisioning_set_has_wireless (f->prov, TRUE);
  activate_ccm (f);

  {
    g_autoptr(ObWsmanSelectors) state = ob_wsman_selectors_new_with ("RequestedState", "32769", NULL);

    g_assert_cmpint (invoke (f, "CIM_WiFiPort", "RequestStateChange", state, NULL), ==, 0);
  }
  body = g_strdup_printf (
    "<h:AddWiFiSettings_INPUT xmlns:h=\"%s\">"
    "<h:WiFiEndpoint><a:Address>" OB_WSMAN_ADDRESS_ANONYMOUS "</a:Address><a:ReferenceParameters>"
    "<w:ResourceURI>" OB_WSMAN_URI_CIM "CIM_WiFiEndpoint</w:ResourceURI><w:SelectorSet>"
    "<w:Selector Name=\"Name\">WiFi Endpoint 0</w:Selector></w:SelectorSet></a:ReferenceParameters></h:WiFiEndpoint>"
    "<q:WiFiEndpointSettingsInput xmlns:q=\"" OB_WSMAN_URI_CIM "CIM_WiFiEndpointSettings\">"
    "<q:ElementName>office</q:ElementName><q:InstanceID>Intel(r) AMT:WiFi Endpoint Settings office</q:InstanceID>"
    "<q:AuthenticationMethod>6</q:AuthenticationMethod><q:EncryptionMethod>4</q:EncryptionMethod>"
    "<q:SSID>office-net</q:SSID><q:Priority>1</q:Priority><q:PSKPassPhrase>Secret&amp;Phrase1</q:PSKPassPhrase>"
    "</q:WiFiEndpointSettingsInput></h:AddWiFiSettings_INPUT>", uri);
  {
    g_autofree char *action = g_strconcat (uri, "/AddWiFiSettings", NULL);
    g_autoptr(GError) error = NULL;

    r = call_ok (f, action, "AMT_WiFiPortConfigurationService", NULL, body);
    g_assert_true (ob_wsman_response_get_return_value (r, "AddWiFiSettings", &rv, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (rv, ==, 0);
  g_assert_cmpuint (ob_sim_provisioning_get_n_wifi_profiles (f->prov), ==, 1);
  g_assert_cmpstr (ob_sim_provisioning_get_wifi_ssid (f->prov, 0), ==, "office-net");
}

static void
test_upgrade_to_admin (Fixture       *f,
                       gconstpointer  data)
{
  Chain *chain = make_chain ("provisioning." SUFFIX, PROVISIONING_EKU);
  g_autoptr(GBytes) nonce = NULL;

  trust_root (f, chain);
  /* Not from pre-provisioning: that is AdminSetup's job. */
  nonce = read_nonce (f);
  g_assert_cmpint (signed_setup (f, "UpgradeClientToAdmin", &chain->leaf, nonce), ==, OB_SIM_SETUP_INVALID_STATE);

  activate_ccm (f);
  g_assert_cmpint (add_cert (f, &chain->leaf, TRUE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->intermediate, FALSE, FALSE), ==, 0);
  g_assert_cmpint (add_cert (f, &chain->root, FALSE, TRUE), ==, 0);
  g_clear_pointer (&nonce, g_bytes_unref);
  nonce = read_nonce (f);
  g_assert_cmpint (signed_setup (f, "UpgradeClientToAdmin", &chain->leaf, nonce), ==, 0);
  g_assert_cmpint (ob_sim_device_get_control_mode (f->device), ==, OB_SIM_CONTROL_MODE_ACM);
  /* The admin password stays what client setup made it. */
  g_assert_true (ob_sim_provisioning_check_admin_password (f->prov, PASSWORD));
}

static char *
output_instance_id (ObWsmanResponse *r,
                    const char      *output,
                    const char      *member)
{
  JsonObject *o = ob_wsman_response_get_class_json (r, output);
  JsonObject *epr = json_object_get_object_member (o, member);
  JsonObject *params = json_object_get_object_member (epr, "ReferenceParameters");
  JsonObject *set = json_object_get_object_member (params, "SelectorSet");

  return g_strdup (json_object_get_string_member (set, "Selector"));
}

static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(ObWsmanSelectors) gen = ob_wsman_selectors_new_with ("KeyAlgorithm", "0", "KeyLength", "2048", NULL);
  g_autoptr(ObWsmanResponse) r = NULL;
  g_autofree char *key_id = NULL;
  g_autofree char *cert_id = NULL;
  g_autofree char *der_key = NULL;
  g_autoptr(ObWsmanSelectors) remote = ob_wsman_selectors_new_with ("InstanceID", "Intel(r) AMT 802.3 TLS Settings",
                                                                    NULL);
  g_autoptr(ObWsmanSelectors) local = ob_wsman_selectors_new_with ("InstanceID", "Intel(r) AMT LMS TLS Settings",
                                                                   NULL);
  const char *enable_remote =
    "<h:AMT_TLSSettingData xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_TLSSettingData\">"
    "<h:AcceptNonSecureConnections>false</h:AcceptNonSecureConnections>"
    "<h:ElementName>Intel(r) AMT 802.3 TLS Settings</h:ElementName><h:Enabled>true</h:Enabled>"
    "<h:InstanceID>Intel(r) AMT 802.3 TLS Settings</h:InstanceID>"
    "<h:MutualAuthentication>false</h:MutualAuthentication></h:AMT_TLSSettingData>";
  const char *enable_local =
    "<h:AMT_TLSSettingData xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_TLSSettingData\">"
    "<h:ElementName>Intel(r) AMT LMS TLS Settings</h:ElementName><h:Enabled>true</h:Enabled>"
    "<h:InstanceID>Intel(r) AMT LMS TLS Settings</h:InstanceID></h:AMT_TLSSettingData>";
  Cert ca = { 0 };
  X509 *x;
  EVP_PKEY *public_key;
  const unsigned char *p;
  gsize key_len;
  g_autofree guchar *key_bytes = NULL;
  unsigned char *cert_der = NULL;
  int cert_len;
  g_autofree char *cert_b64 = NULL;

  activate_ccm (f);
  /* TLS needs a certificate first. */
  call_fault (f, OB_WSMAN_ACTION_PUT, "AMT_TLSSettingData", remote, enable_remote, "InvalidRepresentation");

  g_assert_cmpint (invoke (f, "AMT_PublicKeyManagementService", "GenerateKeyPair", gen, &r), ==, 0);
  key_id = output_instance_id (r, "GenerateKeyPair_OUTPUT", "KeyPair");
  g_clear_pointer (&r, ob_wsman_response_unref);
  {
    g_autoptr(ObWsmanSelectors) sel = ob_wsman_selectors_new_with ("InstanceID", key_id, NULL);
    g_autoptr(ObWsmanResponse) k = call_ok (f, OB_WSMAN_ACTION_GET, "AMT_PublicPrivateKeyPair", sel, NULL);

    get_text (k, "AMT_PublicPrivateKeyPair", "DERKey", &der_key);
  }

  /* A certificate for that key (PKCS#1 DERKey), issued by a test CA. */
  ca = make_chain ("provisioning." SUFFIX, PROVISIONING_EKU)->intermediate;
  key_bytes = g_base64_decode (der_key, &key_len);
  p = key_bytes;
  public_key = d2i_PublicKey (EVP_PKEY_RSA, NULL, &p, (long) key_len);
  g_assert_nonnull (public_key);
  x = X509_new ();
  X509_set_version (x, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (x), 99);
  X509_gmtime_adj (X509_getm_notBefore (x), -60);
  X509_gmtime_adj (X509_getm_notAfter (x), 86400);
  X509_set_pubkey (x, public_key);
  X509_NAME_add_entry_by_txt (X509_get_subject_name (x), "CN", MBSTRING_ASC, (const unsigned char *) "AMT", -1, -1, 0);
  X509_set_issuer_name (x, X509_get_subject_name (ca.cert));
  g_assert_cmpint (X509_sign (x, ca.key, EVP_sha256 ()), >, 0);
  cert_len = i2d_X509 (x, &cert_der);
  cert_b64 = g_base64_encode (cert_der, (gsize) cert_len);
  OPENSSL_free (cert_der);
  X509_free (x);
  EVP_PKEY_free (public_key);

  {
    g_autofree char *ca_b64 = cert_base64 (&ca);
    g_autoptr(ObWsmanSelectors) add = ob_wsman_selectors_new_with ("CertificateBlob", cert_b64, NULL);
    g_autoptr(ObWsmanSelectors) wrong = ob_wsman_selectors_new_with ("CertificateBlob", ca_b64, NULL);

    /* A certificate whose key the firmware does not hold. */
    g_assert_cmpint (invoke (f, "AMT_PublicKeyManagementService", "AddCertificate", wrong, NULL), ==, 2062);
    g_assert_cmpint (invoke (f, "AMT_PublicKeyManagementService", "AddCertificate", add, &r), ==, 0);
    cert_id = output_instance_id (r, "AddCertificate_OUTPUT", "CreatedCertificate");
    g_clear_pointer (&r, ob_wsman_response_unref);
  }

  /* The credential context: created once, a second time AlreadyExists. */
  {
    g_autofree char *body = g_strdup_printf (
      "<h:AMT_TLSCredentialContext xmlns:h=\"" OB_WSMAN_URI_AMT "AMT_TLSCredentialContext\">"
      "<h:ElementInContext><a:Address>/wsman</a:Address><a:ReferenceParameters>"
      "<w:ResourceURI>" OB_WSMAN_URI_AMT "AMT_PublicKeyCertificate</w:ResourceURI><w:SelectorSet>"
      "<w:Selector Name=\"InstanceID\">%s</w:Selector></w:SelectorSet></a:ReferenceParameters></h:ElementInContext>"
      "<h:ElementProvidingContext><a:Address>/wsman</a:Address><a:ReferenceParameters>"
      "<w:ResourceURI>" OB_WSMAN_URI_AMT "AMT_TLSProtocolEndpointCollection</w:ResourceURI><w:SelectorSet>"
      "<w:Selector Name=\"ElementName\">TLSProtocolEndpointInstances Collection</w:Selector></w:SelectorSet>"
      "</a:ReferenceParameters></h:ElementProvidingContext></h:AMT_TLSCredentialContext>", cert_id);
    g_autoptr(ObWsmanResponse) created = call_ok (f, OB_WSMAN_ACTION_CREATE, "AMT_TLSCredentialContext", NULL, body);

    call_fault (f, OB_WSMAN_ACTION_CREATE, "AMT_TLSCredentialContext", NULL, body, "AlreadyExists");
  }

  /* Local before remote is refused; remote, then local. */
  call_fault (f, OB_WSMAN_ACTION_PUT, "AMT_TLSSettingData", local, enable_local, "InvalidRepresentation");
  {
    g_autoptr(ObWsmanResponse) a = call_ok (f, OB_WSMAN_ACTION_PUT, "AMT_TLSSettingData", remote, enable_remote);
    g_autoptr(ObWsmanResponse) b = call_ok (f, OB_WSMAN_ACTION_PUT, "AMT_TLSSettingData", local, enable_local);
    g_autofree char *accept = NULL;

    get_text (a, "AMT_TLSSettingData", "AcceptNonSecureConnections", &accept);
    g_assert_cmpstr (accept, ==, "false");
  }
  g_assert_true (ob_sim_provisioning_get_tls_enabled (f->prov));
  g_assert_cmpint (invoke (f, "AMT_SetupAndConfigurationService", "CommitChanges", NULL, NULL), ==, 0);
  g_assert_cmpuint (ob_sim_provisioning_get_n_commits (f->prov), ==, 1);

  /* The certificate TLS uses cannot go. */
  {
    g_autoptr(ObWsmanSelectors) sel = ob_wsman_selectors_new_with ("InstanceID", cert_id, NULL);

    call_fault (f, OB_WSMAN_ACTION_DELETE, "AMT_PublicKeyCertificate", sel, NULL, "AccessDenied");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/sim/provisioning/pre-provisioning", test_pre_provisioning);
  ADD ("/sim/provisioning/ccm-setup", test_ccm_setup);
  ADD ("/sim/provisioning/acm-admin-setup", test_acm_admin_setup);
  ADD ("/sim/provisioning/acm-untrusted-root", test_acm_untrusted_root);
  ADD ("/sim/provisioning/acm-leaf-rules", test_acm_leaf_rules);
  ADD ("/sim/provisioning/acm-wrong-signature", test_acm_wrong_signature);
  ADD ("/sim/provisioning/unprovision", test_unprovision);
  ADD ("/sim/provisioning/cira-configuration", test_cira_configuration);
  ADD ("/sim/provisioning/network-and-general", test_network_and_general);
  ADD ("/sim/provisioning/wireless", test_wireless);
  ADD ("/sim/provisioning/upgrade-to-admin", test_upgrade_to_admin);
  ADD ("/sim/provisioning/tls", test_tls);

  return g_test_run ();
}
