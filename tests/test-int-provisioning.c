/* test-int-provisioning.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Provisioning end to end through the product's own surfaces only: the
 * real ObServices (store, in-memory keyring, CA, CIRA listener, RPS, REST
 * API on loopback) is started as `outband --headless` starts it; the admin
 * logs in to the REST API, creates a CIRA config (with the root from GET
 * /ciracert), a domain (a PFX this test makes) and CCM, ACM and LAN
 * profiles through /api/v1/admin; the simulator's rpc-go client activates
 * simulated devices against the RPS; the CIRA devices call home with what
 * they were given (checking the MPS certificate against the root and CN,
 * as firmware does), show up connected in GET /devices and /devices/stats,
 * and are powered off and on through POST /amt/power/action.  ACM refuses
 * a wrong DNS suffix and an untrusted root with the reference's texts.  A
 * device activated without CIRA is handed to the registry as a LAN device,
 * and an unreachable one keeps its stored row. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ob-api-server.h"
#include "ob-secret-store-memory.h"
#include "ob-services.h"
#include "ob-sim-cira.h"
#include "ob-sim-device.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-rpc.h"
#include "ob-sim-wsman-server.h"

#define API_USER       "admin"
#define API_PASSWORD   "Int-Api-Passw0rd!"
#define MPS_NAME       "127.0.0.1"
#define CCM_SUFFIX     "home.test"
#define ACM_SUFFIX     "acm.provisioning.test"
#define PFX_PASSWORD   "Int!Pfx-Passw0rd"
/* LAN devices: the RPS stores the address rpc-go connected from (the
 * device's own, as rpc-go runs on it) and AMT's port 16992.  On loopback
 * that is 127.0.0.1 whatever 127.x address the client dials: the kernel
 * picks the source address. */
#define LAN_HOST        "127.0.0.1"

typedef struct
{
  char          *dir;
  ObConfig      *config;
  ObSecretStore *secrets;
  ObServices    *services;
  SoupSession   *session;
  char          *base;
  char          *token;
  guint          rps_port;
  guint          mps_port;
} Env;

static Env env;

/* ---- main loop ------------------------------------------------------------ */

typedef gboolean (*Condition) (gpointer data);

static gboolean
wait_until (Condition cond,
            gpointer  data,
            guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return cond (data);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
pointer_is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  g_assert_true (wait_until (pointer_is_set, slot, 40000));
  return *slot;
}

/* ---- REST ------------------------------------------------------------------- */

typedef struct
{
  guint     status;
  char     *text;
  JsonNode *json;
} Reply;

static void
reply_free (Reply *reply)
{
  g_free (reply->text);
  g_clear_pointer (&reply->json, json_node_unref);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

typedef struct
{
  gboolean  done;
  GBytes   *body;
  GError   *error;
} Sent;

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sent *sent = user_data;

  sent->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &sent->error);
  sent->done = TRUE;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

static Reply *
call (const char *method,
      const char *path,
      const char *body)
{
  g_autofree char *url = g_strconcat (env.base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Sent sent = { FALSE, NULL, NULL };
  Reply *reply = g_new0 (Reply, 1);
  const char *type;

  g_assert_nonnull (msg);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  if (env.token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", env.token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  soup_session_send_and_read_async (env.session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &sent);
  g_assert_true (wait_until (flag_is_set, &sent.done, 60000));
  g_assert_no_error (sent.error);

  reply->status = soup_message_get_status (msg);
  /* An empty body (204) has no data at all. */
  reply->text = g_bytes_get_size (sent.body) > 0
    ? g_strndup (g_bytes_get_data (sent.body, NULL), g_bytes_get_size (sent.body))
    : g_strdup ("");
  g_bytes_unref (sent.body);
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  if (reply->text[0] != '\0' && g_strcmp0 (type, "application/json") == 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      json_parser_load_from_data (parser, reply->text, -1, &error);
      g_assert_no_error (error);
      reply->json = json_node_ref (json_parser_get_root (parser));
    }
  return reply;
}

#define assert_status(reply, want) G_STMT_START {                                   \
    if ((reply)->status != (want))                                                 \
      g_error ("%s:%d: status %u, expected %u; body %s", __FILE__, __LINE__,        \
               (reply)->status, (guint) (want), (reply)->text);                     \
  } G_STMT_END

static JsonObject *
reply_object (Reply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->json));
  return json_node_get_object (reply->json);
}

static void
login (void)
{
  g_autoptr(Reply) reply = call ("POST", "/api/v1/authorize",
                                 "{\"username\":\"" API_USER "\",\"password\":\"" API_PASSWORD "\"}");

  assert_status (reply, SOUP_STATUS_OK);
  env.token = g_strdup (json_object_get_string_member (reply_object (reply), "token"));
  g_assert_nonnull (env.token);
}

/* The device's entry in GET /devices, or NULL.  (transfer full) */
static JsonObject *
listed_device (const char *guid)
{
  g_autoptr(Reply) reply = call ("GET", "/api/v1/devices", NULL);
  JsonArray *array;

  assert_status (reply, SOUP_STATUS_OK);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (reply->json));
  array = json_node_get_array (reply->json);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "guid", NULL), guid) == 0)
        return json_object_ref (object);
    }
  return NULL;
}

static gboolean
listed_connected (gpointer data)
{
  g_autoptr(JsonObject) object = listed_device (data);

  return object != NULL && json_object_get_boolean_member_with_default (object, "connectionStatus", FALSE);
}

static gint64
stats_connected (void)
{
  g_autoptr(Reply) reply = call ("GET", "/api/v1/devices/stats", NULL);

  assert_status (reply, SOUP_STATUS_OK);
  return json_object_get_int_member (reply_object (reply), "connectedCount");
}

static gboolean
none_connected (gpointer data)
{
  return stats_connected () == 0;
}

static gint64
power_state (const char *guid)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/amt/power/state/%s", guid);
  g_autoptr(Reply) reply = call ("GET", path, NULL);

  assert_status (reply, SOUP_STATUS_OK);
  return json_object_get_int_member (reply_object (reply), "powerstate");
}

static void
power_action (const char *guid,
              guint       action)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/amt/power/action/%s", guid);
  g_autofree char *body = g_strdup_printf ("{\"action\":%u}", action);
  g_autoptr(Reply) reply = call ("POST", path, body);

  assert_status (reply, SOUP_STATUS_OK);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (reply_object (reply), "Body"),
                                               "ReturnValue"), ==, 0);
}

/* Off and on again through the REST API; the device and power/state
 * follow. */
static void
power_cycle (ObSimDevice *device)
{
  const char *guid = ob_sim_device_get_guid (device);

  g_assert_cmpint (power_state (guid), ==, OB_SIM_POWER_ON);
  power_action (guid, 8);
  g_assert_cmpuint (ob_sim_device_get_power_state (device), ==, OB_SIM_POWER_OFF_SOFT);
  g_assert_cmpint (power_state (guid), ==, OB_SIM_POWER_OFF_SOFT);
  power_action (guid, 2);
  g_assert_cmpuint (ob_sim_device_get_power_state (device), ==, OB_SIM_POWER_ON);
  g_assert_cmpint (power_state (guid), ==, OB_SIM_POWER_ON);
}

/* ---- a provisioning chain made here ----------------------------------------- */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS12, PKCS12_free)

static X509 *
make_cert (EVP_PKEY   *key,
           EVP_PKEY   *issuer_key,
           X509       *issuer,
           const char *cn,
           long        serial,
           gboolean    ca)
{
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509_set_version (cert, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (cert), serial);
  X509_gmtime_adj (X509_getm_notBefore (cert), -3600);
  X509_gmtime_adj (X509_getm_notAfter (cert), 3600L * 24 * 90);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) cn, -1, -1, 0);
  X509_set_subject_name (cert, name);
  X509_set_issuer_name (cert, issuer != NULL ? X509_get_subject_name (issuer) : name);
  X509_set_pubkey (cert, key);
  X509V3_set_ctx (&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  X509_add_ext (cert, ext, -1);
  X509_EXTENSION_free (ext);
  if (!ca)
    {
      /* Intel's AMT provisioning purpose. */
      ext = X509V3_EXT_conf_nid (NULL, &ctx, NID_ext_key_usage, "serverAuth,2.16.840.1.113741.1.2.3");
      X509_add_ext (cert, ext, -1);
      X509_EXTENSION_free (ext);
    }
  g_assert_cmpint (X509_sign (cert, issuer_key, EVP_sha256 ()), >, 0);
  X509_NAME_free (name);
  return cert;
}

/* A PFX (base64, as the domain form uploads it) with a leaf for
 * rps.ACM_SUFFIX and its root; @root_sha256 gets the root's hash as AMT
 * lists trusted hashes. */
static char *
make_domain_pfx (char **root_sha256)
{
  g_autoptr(EVP_PKEY) root_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  g_autoptr(EVP_PKEY) leaf_key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  g_autoptr(X509) root = make_cert (root_key, root_key, NULL, "Int Provisioning Root", 1, TRUE);
  g_autoptr(X509) leaf = make_cert (leaf_key, root_key, root, "rps." ACM_SUFFIX, 2, FALSE);
  g_autoptr(PKCS12) p12 = NULL;
  STACK_OF (X509) *extra = sk_X509_new_null ();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  unsigned char *der = NULL;
  GString *hex = g_string_new (NULL);
  char *base64;
  int len;

  sk_X509_push (extra, root);
  p12 = PKCS12_create (PFX_PASSWORD, "provisioning", leaf_key, leaf, extra, 0, 0, 0, 0, 0);
  sk_X509_free (extra);
  g_assert_nonnull (p12);
  len = i2d_PKCS12 (p12, &der);
  g_assert_cmpint (len, >, 0);
  base64 = g_base64_encode (der, (gsize) len);
  OPENSSL_free (der);

  g_assert_cmpint (X509_digest (root, EVP_sha256 (), digest, &digest_len), ==, 1);
  for (guint i = 0; i < digest_len; i++)
    g_string_append_printf (hex, "%02x", digest[i]);
  *root_sha256 = g_string_free (hex, FALSE);
  return base64;
}

/* ---- simulated devices -------------------------------------------------------- */

typedef struct
{
  ObSimDevice      *device;
  ObSimWsmanServer *wsman;
  ObSimRpc         *rpc;
  ObSimCira        *cira;
} Sim;

static Sim *
sim_new (const char *dns_suffix)
{
  Sim *sim = g_new0 (Sim, 1);

  sim->device = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode", OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
  ob_sim_device_set_domain_name (sim->device, dns_suffix);
  ob_sim_provisioning_attach (sim->device);
  sim->wsman = ob_sim_wsman_server_new (sim->device, NULL, NULL);
  sim->rpc = ob_sim_rpc_new (sim->wsman);
  ob_sim_rpc_set_hostname (sim->rpc, "int-pc");
  return sim;
}

static void
sim_free (Sim *sim)
{
  if (sim->cira != NULL)
    ob_sim_cira_stop (sim->cira);
  g_clear_object (&sim->cira);
  g_clear_object (&sim->rpc);
  ob_sim_wsman_server_stop (sim->wsman);
  g_clear_object (&sim->wsman);
  g_clear_object (&sim->device);
  g_free (sim);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sim, sim_free)

/* rpc-go's `activate -u URL --profile NAME`, against the RPS at @host. */
static char *
activate (Sim         *sim,
          const char  *host,
          const char  *profile,
          GError     **error)
{
  g_autofree char *url = g_strdup_printf ("ws://%s:%u/activate", host, env.rps_port);
  g_autoptr(GAsyncResult) result = NULL;

  ob_sim_rpc_activate_async (sim->rpc, url, profile, NULL, store_result, &result);
  return ob_sim_rpc_finish (sim->rpc, wait_result (&result), error);
}

static gboolean
cira_connected (gpointer data)
{
  return ob_sim_cira_get_state (OB_SIM_CIRA (data)) == OB_SIM_CIRA_STATE_CONNECTED;
}

/* After an activation with the CIRA profile: the device calls home as
 * firmware does, with the root, address, CN and credentials it was given,
 * and the REST API lists it connected. */
static void
call_home (Sim *sim)
{
  g_autoptr(GError) error = NULL;
  const char *guid = ob_sim_device_get_guid (sim->device);

  sim->cira = ob_sim_rpc_start_cira (sim->rpc, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (wait_until (cira_connected, sim->cira, 20000));
  g_assert_true (wait_until (listed_connected, (gpointer) guid, 20000));
}

/* ---- the environment ---------------------------------------------------------- */

/* A port AMT accepts in a CIRA config (1024 to 49151, below the kernel's
 * ephemeral range where port 0 would land) that is free now. */
static guint
free_cira_port (void)
{
  for (guint attempt = 0; attempt < 200; attempt++)
    {
      guint port = (guint) g_random_int_range (20000, 32000);
      g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, (guint16) port);

      if (socket != NULL && g_socket_bind (socket, address, FALSE, NULL))
        {
          g_socket_close (socket, NULL);
          return port;
        }
    }
  g_assert_not_reached ();
}

static void
env_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  ObRpsContext *context;
  ObRpsServer *rps;

  env.dir = g_dir_make_tmp ("outband-int-prov-XXXXXX", &error);
  g_assert_no_error (error);
  env.secrets = ob_secret_store_memory_new ();
  g_assert_true (ob_api_store_password_sync (env.secrets, API_PASSWORD, NULL, &error));
  g_assert_no_error (error);

  /* What an admin sets in Preferences: the name the devices reach this
   * machine by, which the MPS certificate carries. */
  env.config = ob_config_new ();
  ob_config_set_mps_common_name (env.config, MPS_NAME);

  /* `outband --headless --api-address 127.0.0.1 --api-port 0 --cira-port P
   * --rps-port 0`. */
  env.mps_port = free_cira_port ();
  env.services = ob_services_new (env.config, env.secrets, env.dir);
  ob_services_force_api (env.services, "127.0.0.1", 0);
  ob_services_force_cira_port (env.services, (int) env.mps_port);
  ob_services_force_rps_port (env.services, 0);
  ob_services_start_async (env.services, NULL, store_result, &result);
  g_assert_true (ob_services_start_finish (env.services, wait_result (&result), &error));
  g_assert_no_error (error);

  g_assert_true (ob_mps_server_get_listening (ob_services_get_mps_server (env.services)));
  g_assert_cmpuint (ob_mps_server_get_port (ob_services_get_mps_server (env.services)), ==, env.mps_port);
  rps = ob_services_get_rps_server (env.services);
  g_assert_true (ob_rps_server_get_listening (rps));
  env.rps_port = ob_rps_server_get_port (rps);
  g_assert_cmpuint (env.rps_port, >, 0);
  /* The reference's pauses for the firmware to settle (12 s, 5 s) are
   * for real hardware. */
  context = ob_rps_server_get_context (rps);
  context->settle_delay_ms = 0;
  context->commit_delay_ms = 0;

  env.base = ob_api_server_dup_url (ob_services_get_api_server (env.services));
  env.session = soup_session_new ();
  login ();
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_remove (path);
}

static void
env_stop (void)
{
  ob_services_stop (env.services);
  g_clear_object (&env.session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&env.services);
  g_clear_object (&env.config);
  g_clear_object (&env.secrets);
  remove_tree (env.dir);
  g_clear_pointer (&env.dir, g_free);
  g_clear_pointer (&env.base, g_free);
  g_clear_pointer (&env.token, g_free);
}

/* ---- admin set-up through the REST API ------------------------------------------ */

/* GET /ciracert gives the PEM; the CIRA config takes the base64 body, as
 * the reference's UI sends it. */
static char *
mps_root_base64 (void)
{
  g_autoptr(Reply) reply = call ("GET", "/api/v1/ciracert", NULL);
  g_auto(GStrv) lines = NULL;
  GString *body = g_string_new (NULL);

  assert_status (reply, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (reply->text, "-----BEGIN CERTIFICATE-----"));
  lines = g_strsplit (reply->text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (!g_str_has_prefix (lines[i], "-----"))
      g_string_append (body, g_strstrip (lines[i]));
  return g_string_free (body, FALSE);
}

static void
create_cira_config (void)
{
  g_autofree char *root = mps_root_base64 ();
  g_autofree char *body = NULL;
  g_autoptr(Reply) reply = NULL;

  /* The MPS is named by its IP address, so the CN is the IP too: what the
   * MPS certificate carries (mps-common-name above). */
  body = g_strdup_printf ("{\"configName\":\"home\",\"mpsServerAddress\":\"" MPS_NAME "\","
                          "\"mpsPort\":%u,\"username\":\"homeuser\",\"commonName\":\"" MPS_NAME "\","
                          "\"serverAddressFormat\":3,\"authMethod\":2,\"mpsRootCertificate\":\"%s\","
                          "\"proxyDetails\":\"\"}", env.mps_port, root);
  reply = call ("POST", "/api/v1/admin/ciraconfigs", body);
  assert_status (reply, SOUP_STATUS_CREATED);
}

static void
create_profile (const char *name,
                const char *activation,
                const char *cira_config)
{
  g_autofree char *cira = cira_config != NULL ? g_strdup_printf (",\"ciraConfigName\":\"%s\"", cira_config)
                                              : g_strdup ("");
  g_autofree char *body = g_strdup_printf ("{\"profileName\":\"%s\",\"activation\":\"%s\","
                                           "\"generateRandomPassword\":true,"
                                           "\"generateRandomMEBxPassword\":true,\"dhcpEnabled\":true,"
                                           "\"ipSyncEnabled\":true,\"userConsent\":\"All\","
                                           "\"tags\":[\"int\",\"%s\"]%s}",
                                           name, activation, name, cira);
  g_autoptr(Reply) reply = call ("POST", "/api/v1/admin/profiles", body);

  assert_status (reply, SOUP_STATUS_CREATED);
}

static void
create_domain (const char *pfx)
{
  g_autofree char *body = g_strdup_printf ("{\"profileName\":\"provdomain\",\"domainSuffix\":\"" ACM_SUFFIX "\","
                                           "\"provisioningCert\":\"%s\","
                                           "\"provisioningCertStorageFormat\":\"string\","
                                           "\"provisioningCertPassword\":\"" PFX_PASSWORD "\"}", pfx);
  g_autoptr(Reply) reply = call ("POST", "/api/v1/admin/domains", body);

  assert_status (reply, SOUP_STATUS_CREATED);
}

/* ---- the tests ------------------------------------------------------------------ */

/* The step named @name of the activation of @guid, or NULL.  (transfer
 * full) */
static ObRpsStep *
find_step (const char *guid,
           const char *name)
{
  GListModel *sessions = ob_rps_server_get_sessions (ob_services_get_rps_server (env.services));

  for (guint i = 0; i < g_list_model_get_n_items (sessions); i++)
    {
      g_autoptr(ObRpsSession) session = g_list_model_get_item (sessions, i);
      GListModel *flows;

      if (g_strcmp0 (ob_rps_session_get_uuid (session), guid) != 0)
        continue;
      flows = ob_rps_session_get_flows (session);
      for (guint j = 0; j < g_list_model_get_n_items (flows); j++)
        {
          g_autoptr(ObRpsFlow) flow = g_list_model_get_item (flows, j);
          GListModel *steps = ob_rps_flow_get_steps (flow);

          for (guint k = 0; k < g_list_model_get_n_items (steps); k++)
            {
              g_autoptr(ObRpsStep) step = g_list_model_get_item (steps, k);

              if (g_strcmp0 (ob_rps_step_get_name (step), name) == 0)
                return g_steal_pointer (&step);
            }
        }
    }
  return NULL;
}

#define MPS_NAME_STEP "Check the MPS name against its certificate"


static void
test_ccm_and_acm (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root_sha256 = NULL;
  g_autofree char *pfx = make_domain_pfx (&root_sha256);

  create_cira_config ();
  create_profile ("ccm-home", "ccmactivate", "home");
  create_domain (pfx);
  create_profile ("acm-home", "acmactivate", "home");
  g_assert_cmpint (stats_connected (), ==, 0);

  /* CCM with the CIRA profile. */
  {
    g_autoptr(Sim) sim = sim_new (CCM_SUFFIX);
    g_autofree char *message = activate (sim, "127.0.0.1", "ccm-home", &error);
    g_autofree char *cira = NULL;
    g_autoptr(JsonObject) listed = NULL;

    g_assert_no_error (error);
    cira = ob_sim_rpc_dup_status_field (message, "CIRAConnection");
    g_assert_cmpstr (cira, ==, "Configured");
    g_assert_cmpint (ob_sim_device_get_control_mode (sim->device), ==, OB_SIM_CONTROL_MODE_CCM);

    /* The CIRA config names the MPS as its certificate does. */
    g_assert_null (find_step (ob_sim_device_get_guid (sim->device), MPS_NAME_STEP));
    call_home (sim);
    g_assert_cmpint (stats_connected (), ==, 1);
    listed = listed_device (ob_sim_device_get_guid (sim->device));
    g_assert_cmpstr (json_object_get_string_member (listed, "mpsusername"), ==, "homeuser");
    power_cycle (sim->device);

    /* ACM with the domain's certificate, next to the CCM device. */
    {
      g_autoptr(Sim) acm = sim_new (ACM_SUFFIX);
      g_autofree char *acm_message = NULL;
      g_autofree char *status = NULL;

      g_assert_true (ob_sim_provisioning_add_trusted_hash (ob_sim_provisioning_peek (acm->device), root_sha256));
      acm_message = activate (acm, "127.0.0.1", "acm-home", &error);
      g_assert_no_error (error);
      status = ob_sim_rpc_dup_status_field (acm_message, "Status");
      g_assert_cmpstr (status, ==, "Admin control mode.");
      g_assert_cmpint (ob_sim_device_get_control_mode (acm->device), ==, OB_SIM_CONTROL_MODE_ACM);

      call_home (acm);
      g_assert_cmpint (stats_connected (), ==, 2);
      power_cycle (acm->device);
    }
  }

  /* A DNS suffix no domain has: refused before anything reaches AMT. */
  {
    g_autoptr(Sim) sim = sim_new (ACM_SUFFIX);
    g_autofree char *message = NULL;
    g_autofree char *expected = NULL;

    g_assert_true (ob_sim_provisioning_add_trusted_hash (ob_sim_provisioning_peek (sim->device), root_sha256));
    ob_sim_rpc_set_dns_suffix (sim->rpc, "elsewhere.test");
    message = activate (sim, "127.0.0.1", "acm-home", &error);
    g_assert_null (message);
    g_assert_nonnull (error);
    expected = g_strdup_printf ("Device %s activation failed. Specified AMT domain suffix: elsewhere.test "
                                "does not match list of available AMT domain suffixes.",
                                ob_sim_device_get_guid (sim->device));
    if (strstr (error->message, expected) == NULL)
      g_error ("unexpected error: %s", error->message);
    g_clear_error (&error);
    g_assert_cmpint (ob_sim_device_get_control_mode (sim->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
  }

  /* The firmware trusts some other root. */
  {
    g_autoptr(Sim) sim = sim_new (ACM_SUFFIX);
    g_autofree char *message = NULL;

    g_assert_true (ob_sim_provisioning_add_trusted_hash (ob_sim_provisioning_peek (sim->device),
                                                         "5e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"));
    message = activate (sim, "127.0.0.1", "acm-home", &error);
    g_assert_null (message);
    g_assert_nonnull (error);
    if (strstr (error->message, "Invalid domain certificate, hash does not exists in list of trusted root "
                                "certificates on AMT") == NULL)
      g_error ("unexpected error: %s", error->message);
    g_clear_error (&error);
    g_assert_cmpint (ob_sim_device_get_control_mode (sim->device), ==, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
  }

  /* The CIRA devices hung up (their sims are freed): once the MPS has seen
   * it, nothing counts as connected any more. */
  g_assert_true (wait_until (none_connected, NULL, 20000));
}

/* ---- the MPS name ------------------------------------------------------------- */

static void
count_mps_name (const char     *domain,
                GLogLevelFlags  level,
                const char     *message,
                gpointer        user_data)
{
  if (message != NULL && strstr (message, "the device will not be able to connect") != NULL)
    (*(guint *) user_data)++;
  else
    g_log_default_handler (domain, level, message, NULL);
}

/* An admin who names the MPS differently from its certificate (here: an
 * address the certificate does not carry) gets a device that activates
 * but can never call home; the activation says why, in its steps and the
 * log, and the device indeed cannot connect. */
static void
count_ieee8021x (const char     *domain,
                 GLogLevelFlags  level,
                 const char     *message,
                 gpointer        user_data)
{
  if (message != NULL && strstr (message, "802.1x config wired1 was not applied") != NULL)
    (*(guint *) user_data)++;
  else
    g_log_default_handler (domain, level, message, NULL);
}

/* A profile that names an 802.1x config is activated, and its timeline
 * says plainly that the 802.1x part was not put on the device. */
static void
test_ieee8021x_not_applied (void)
{
  g_autoptr(Sim) sim = sim_new (CCM_SUFFIX);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autoptr(ObRpsStep) step = NULL;
  guint n_logged = 0;
  guint handler;

  {
    g_autoptr(Reply) reply = call ("POST", "/api/v1/admin/ieee8021xconfigs",
                                   "{\"profileName\":\"wired1\",\"wiredInterface\":true,"
                                   "\"authenticationProtocol\":0,\"pxeTimeout\":120}");

    assert_status (reply, SOUP_STATUS_CREATED);
  }
  {
    g_autoptr(Reply) reply = call ("POST", "/api/v1/admin/profiles",
                                   "{\"profileName\":\"ccm-8021x\",\"activation\":\"ccmactivate\","
                                   "\"generateRandomPassword\":true,\"dhcpEnabled\":true,"
                                   "\"ieee8021xProfileName\":\"wired1\"}");

    assert_status (reply, SOUP_STATUS_CREATED);
  }

  handler = g_log_set_handler ("outband-rps", G_LOG_LEVEL_MESSAGE, count_ieee8021x, &n_logged);
  message = activate (sim, "127.0.0.1", "ccm-8021x", &error);
  g_log_remove_handler ("outband-rps", handler);
  g_assert_no_error (error);
  g_assert_cmpuint (n_logged, ==, 1);

  step = find_step (ob_sim_device_get_guid (sim->device), "Apply 802.1x config wired1");
  g_assert_nonnull (step);
  g_assert_cmpint (ob_rps_step_get_state (step), ==, OB_RPS_STEP_IGNORED);
  g_assert_nonnull (strstr (ob_rps_step_get_detail (step), "not supported yet"));
}

static void
test_mps_name_mismatch (void)
{
  g_autofree char *root = mps_root_base64 ();
  g_autofree char *body = NULL;
  g_autoptr(Sim) sim = sim_new (CCM_SUFFIX);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autoptr(ObRpsStep) step = NULL;
  guint n_logged = 0;
  guint handler;

  body = g_strdup_printf ("{\"configName\":\"away\",\"mpsServerAddress\":\"127.0.0.2\","
                          "\"mpsPort\":%u,\"username\":\"awayuser\",\"commonName\":\"127.0.0.2\","
                          "\"serverAddressFormat\":3,\"authMethod\":2,\"mpsRootCertificate\":\"%s\"}",
                          env.mps_port, root);
  {
    g_autoptr(Reply) reply = call ("POST", "/api/v1/admin/ciraconfigs", body);

    assert_status (reply, SOUP_STATUS_CREATED);
  }
  create_profile ("ccm-away", "ccmactivate", "away");

  handler = g_log_set_handler ("outband-rps", G_LOG_LEVEL_MESSAGE, count_mps_name, &n_logged);
  message = activate (sim, "127.0.0.1", "ccm-away", &error);
  g_log_remove_handler ("outband-rps", handler);
  g_assert_no_error (error);
  g_assert_cmpuint (n_logged, ==, 1);

  step = find_step (ob_sim_device_get_guid (sim->device), MPS_NAME_STEP);
  g_assert_nonnull (step);
  g_assert_cmpint (ob_rps_step_get_state (step), ==, OB_RPS_STEP_IGNORED);
  g_assert_nonnull (strstr (ob_rps_step_get_detail (step), "issued to “127.0.0.2”, but the MPS certificate is "
                                                             "issued to “" MPS_NAME "”"));

  /* What the firmware then does: the MPS certificate fails its check. */
  sim->cira = ob_sim_rpc_start_cira (sim->rpc, NULL, TRUE, &error);
  g_assert_no_error (error);
  ob_sim_cira_set_backoff (sim->cira, 50, 200);
  {
    gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC;

    while (g_get_monotonic_time () < until)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
  }
  g_assert_cmpint (ob_sim_cira_get_state (sim->cira), !=, OB_SIM_CIRA_STATE_CONNECTED);
  g_assert_false (listed_connected ((gpointer) ob_sim_device_get_guid (sim->device)));
}

/* ---- LAN hand-off ----------------------------------------------------------------- */

typedef struct
{
  guint not_added;
} LogCount;

static void
count_not_added (const char     *domain,
                 GLogLevelFlags  level,
                 const char     *message,
                 gpointer        user_data)
{
  LogCount *count = user_data;

  /* Refused for being unreachable, not for anything else. */
  if (message != NULL && strstr (message, "A provisioned device could not be added") != NULL
      && strstr (message, "16992") != NULL)
    count->not_added++;
  else
    g_log_default_handler (domain, level, message, NULL);
}

static gboolean
registry_has_reachable (gpointer data)
{
  ObDevice *device = ob_device_registry_lookup (ob_services_get_device_registry (env.services), data);

  return device != NULL && ob_device_get_reachability (device) == OB_DEVICE_REACHABILITY_REACHABLE;
}

static gboolean
count_is_set (gpointer data)
{
  return ((LogCount *) data)->not_added > 0;
}

static void
test_lan_handoff (void)
{
  ObStore *store = ob_services_get_store (env.services);
  g_autoptr(GError) error = NULL;

  create_profile ("ccm-lan", "ccmactivate", NULL);

  /* Reachable on the LAN where it connected from: the registry probes it
   * and manages it. */
  {
    g_autoptr(Sim) sim = sim_new (CCM_SUFFIX);
    g_autofree char *message = NULL;
    g_autoptr(ObDeviceRecord) record = NULL;
    g_autoptr(JsonObject) listed = NULL;
    const char *guid = ob_sim_device_get_guid (sim->device);
    ObDevice *device;
    const char * const *tags;

    if (!ob_sim_wsman_server_listen (sim->wsman, LAN_HOST, 16992, FALSE, &error))
      {
        /* Another AMT simulator (or real LMS) holds the port here. */
        g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE));
        g_test_skip ("127.0.0.1 port 16992 is in use");
        return;
      }
    message = activate (sim, LAN_HOST, "ccm-lan", &error);
    g_assert_no_error (error);
    g_assert_cmpint (ob_sim_device_get_control_mode (sim->device), ==, OB_SIM_CONTROL_MODE_CCM);

    g_assert_true (wait_until (registry_has_reachable, (gpointer) guid, 20000));
    device = ob_device_registry_lookup (ob_services_get_device_registry (env.services), guid);
    g_assert_cmpint (ob_device_get_transport (device), ==, OB_DEVICE_TRANSPORT_LAN);
    record = ob_store_get_device (store, guid, &error);
    g_assert_no_error (error);
    g_assert_nonnull (record);
    g_assert_cmpint (ob_device_record_get_transport (record), ==, OB_DEVICE_TRANSPORT_LAN);
    g_assert_cmpstr (ob_device_record_get_host (record), ==, LAN_HOST);
    g_assert_cmpuint (ob_device_record_get_port (record), ==, 16992);
    tags = (const char * const *) ob_device_record_get_tags (record);
    g_assert_true (tags != NULL && g_strv_contains (tags, "ccm-lan"));

    /* The REST API manages it like any LAN device, and removes it. */
    listed = listed_device (guid);
    g_assert_nonnull (listed);
    power_cycle (sim->device);
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/devices/%s", guid);
      g_autoptr(Reply) reply = call ("DELETE", path, NULL);

      g_assert_cmpuint (reply->status, <, 300);
      g_assert_null (ob_device_registry_lookup (ob_services_get_device_registry (env.services), guid));
    }
  }

  /* Nothing answers where it connected from: the row provisioning stored
   * stays (the admin or a later start can add it). */
  {
    g_autoptr(Sim) sim = sim_new (CCM_SUFFIX);
    g_autofree char *message = NULL;
    g_autoptr(ObDeviceRecord) record = NULL;
    g_autofree char *password = NULL;
    const char *guid = ob_sim_device_get_guid (sim->device);
    LogCount count = { 0 };
    guint handler;

    handler = g_log_set_handler ("outband-services", G_LOG_LEVEL_MESSAGE, count_not_added, &count);
    message = activate (sim, LAN_HOST, "ccm-lan", &error);
    g_assert_no_error (error);
    g_assert_true (wait_until (count_is_set, &count, 30000));
    g_log_remove_handler ("outband-services", handler);

    g_assert_null (ob_device_registry_lookup (ob_services_get_device_registry (env.services), guid));
    record = ob_store_get_device (store, guid, &error);
    g_assert_no_error (error);
    g_assert_nonnull (record);
    g_assert_cmpint (ob_device_record_get_transport (record), ==, OB_DEVICE_TRANSPORT_LAN);
    g_assert_cmpstr (ob_device_record_get_host (record), ==, LAN_HOST);
    password = ob_secret_store_lookup_text_sync (env.secrets, OB_SECRET_OWNER_DEVICE, guid,
                                                 OB_SECRET_KIND_AMT_PASSWORD, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (password);
    g_assert_true (ob_sim_provisioning_check_admin_password (ob_sim_provisioning_peek (sim->device), password));
  }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/int-provisioning/ccm-and-acm", test_ccm_and_acm);
  g_test_add_func ("/int-provisioning/mps-name-mismatch", test_mps_name_mismatch);
  g_test_add_func ("/int-provisioning/lan-handoff", test_lan_handoff);
  g_test_add_func ("/int-provisioning/ieee8021x-not-applied", test_ieee8021x_not_applied);

  env_start ();
  status = g_test_run ();
  env_stop ();
  return status;
}
