/* test-api-cira.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The REST API for devices that call home, over real loopback sockets: a
 * SoupSession talks to ObApiServer (port 0), which shares its store,
 * keyring and registry with an ObMpsServer (port 0) that simulated AMT
 * devices (ObSimCira: TLS, APF, WS-Man on the channels) connect to.
 * Devices are registered through POST /devices with their MPS password,
 * connect with it, are counted, powered and disconnected through the REST
 * routes; no answer, log line or database file ever holds a password. */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "api-test-util.h"
#include "cira-test-util.h"
#include "ob-api-server.h"
#include "ob-sim-cira.h"
#include "ob-sim-cira-pool.h"
#include "ob-sim-device.h"
#include "ob-sim-fleet.h"
#include "ob-sim-wsman-server.h"
#include "ob-util.h"

#define API_USER      "admin"
#define API_PASSWORD  "Api-Passw0rd!"
#define AMT_PASSWORD  "AmtSecret-Zq9!"
#define MPS_NAME      "mps.api-cira.example"
#define N_DEVICES     100

#define GUID_A        "6a7b8c9d-aebf-40c1-9d2e-3f4a5b6c7d8e"
#define GUID_B        "7b8c9dae-bfc0-41d2-ae3f-4a5b6c7d8e9f"

#define NOT_CONNECTED_ERROR "Device not found/connected. Please connect again using CIRA."

static CiraTestCa ca;

/* ---- secrets that must never show --------------------------------------------- */

/* Every password the tests hand out; every answer and every log line is
 * searched for them. */
static GMutex     hidden_lock;
static GPtrArray *hidden;
static guint      n_leaks;

static void
hide (const char *secret)
{
  g_mutex_lock (&hidden_lock);
  g_ptr_array_add (hidden, g_strdup (secret));
  g_mutex_unlock (&hidden_lock);
}

static const char *
find_hidden (const void *data,
             gsize       len)
{
  const char *found = NULL;

  if (data == NULL || len == 0)
    return NULL;

  g_mutex_lock (&hidden_lock);
  for (guint i = 0; hidden != NULL && i < hidden->len && found == NULL; i++)
    {
      const char *secret = g_ptr_array_index (hidden, i);

      if (memmem (data, len, secret, strlen (secret)) != NULL)
        found = secret;
    }
  g_mutex_unlock (&hidden_lock);

  return found;
}

/* Sees every structured message of every level and thread
 * (G_MESSAGES_DEBUG=all below), before the default writer shows the ones
 * worth showing. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    {
      gsize len;

      if (strcmp (fields[i].key, "MESSAGE") != 0 || fields[i].value == NULL)
        continue;
      len = fields[i].length < 0 ? strlen (fields[i].value) : (gsize) fields[i].length;
      if (find_hidden (fields[i].value, len) != NULL)
        g_atomic_int_inc (&n_leaks);
    }

  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* Old-style g_log calls go to the default handler, which GTest replaces;
 * this one looks first. */
static GLogFunc gtest_log_handler;

static void
log_handler (const char     *domain,
             GLogLevelFlags  level,
             const char     *message,
             gpointer        user_data)
{
  if (message != NULL && find_hidden (message, strlen (message)) != NULL)
    g_atomic_int_inc (&n_leaks);

  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return;

  gtest_log_handler (domain, level, message, user_data);
}

/* ---- fixture ---------------------------------------------------------------- */

typedef struct
{
  ObSimDevice      *device;
  ObSimWsmanServer *wsman;
  ObSimCira        *cira;
  char             *guid;
} SimDevice;

typedef struct
{
  CiraTestMps    mps;
  ObApiServer   *api;
  ApiTestClient  client;
  ObSimCiraPool *pool;
  GPtrArray     *sims;
} Fixture;

static void
sim_device_free (SimDevice *sim)
{
  ob_sim_cira_stop (sim->cira);
  cira_test_assert_finalized (sim->cira);
  g_object_unref (sim->wsman);
  g_object_unref (sim->device);
  g_free (sim->guid);
  g_free (sim);
}

/* Fails the test if an answer holds any password handed out so far. */
static void
check_reply (SoupMessage  *msg,
             ApiTestReply *reply,
             gpointer      user_data)
{
  if (find_hidden (g_bytes_get_data (reply->body, NULL), g_bytes_get_size (reply->body)) != NULL)
    g_error ("%s %s answered with a password in its body", soup_message_get_method (msg),
             g_uri_get_path (soup_message_get_uri (msg)));
}

static void
assert_stats (Fixture *f,
              guint    total,
              guint    connected)
{
  g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/devices/stats");
  g_autofree char *expected = g_strdup_printf ("{\"totalCount\":%u,\"connectedCount\":%u,"
                                               "\"disconnectedCount\":%u}",
                                               total, connected, total - connected);

  api_test_assert_reply (reply, SOUP_STATUS_OK, expected);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GTlsCertificate) root = cira_test_ca_dup_root (&ca);

  cira_test_mps_init (&f->mps, ca.secrets, ca.authority, TRUE);

  ob_api_store_password_sync (ca.secrets, API_PASSWORD, NULL, &error);
  g_assert_no_error (error);
  f->api = ob_api_server_new (f->mps.config, f->mps.store, ca.secrets, f->mps.registry);
  ob_api_server_set_mps_server (f->api, f->mps.server);
  ob_api_server_start_async (f->api, "127.0.0.1", 0, NULL, cira_test_store_result, &result);
  g_assert_true (ob_api_server_start_finish (f->api, cira_test_wait_result (&result), &error));
  g_assert_no_error (error);
  api_test_client_init (&f->client, f->api);
  f->client.on_reply = check_reply;
  f->client.token = api_test_login (&f->client, API_USER, API_PASSWORD);

  /* The devices trust the MPS as AMT does: its root, and its name. */
  f->pool = ob_sim_cira_pool_new ("127.0.0.1", ob_mps_server_get_port (f->mps.server));
  ob_sim_cira_pool_set_root_certificate (f->pool, root);
  ob_sim_cira_pool_set_common_name (f->pool, MPS_NAME);
  f->sims = g_ptr_array_new_with_free_func ((GDestroyNotify) sim_device_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_unref (f->sims);
  cira_test_assert_finalized (g_steal_pointer (&f->pool));

  ob_api_server_stop (f->api);
  api_test_client_clear (&f->client);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  cira_test_assert_finalized (g_steal_pointer (&f->api));

  records = ob_store_list_devices (f->mps.store, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < records->len; i++)
    g_assert_true (ob_secret_store_clear_sync (ca.secrets, OB_SECRET_OWNER_DEVICE,
                                               ob_device_record_get_guid (g_ptr_array_index (records, i)),
                                               NULL, NULL, &error));

  cira_test_mps_clear (&f->mps);
}

/* ---- helpers ------------------------------------------------------------------ */

static char *
device_guid (guint i)
{
  return g_strdup_printf ("%08x-5a5a-4b6b-8c7c-%012x", 0x10000000u + i, 0xd00d0000u + i);
}

static char *
device_user (guint i)
{
  return g_strdup_printf ("cira-user-%03u", i);
}

static char *
device_mps_password (guint i)
{
  return g_strdup_printf ("MpsSecret-%03u-Kw7!", i);
}

static SimDevice *
add_sim (Fixture    *f,
         const char *guid,
         const char *user,
         const char *password)
{
  SimDevice *sim = g_new0 (SimDevice, 1);

  sim->guid = g_strdup (guid);
  sim->device = ob_sim_device_new (guid);
  sim->wsman = ob_sim_wsman_server_new (sim->device, "admin", AMT_PASSWORD);
  sim->cira = ob_sim_cira_new (f->pool, sim->device, sim->wsman, user, password);
  ob_sim_cira_set_backoff (sim->cira, 50, 200);
  g_ptr_array_add (f->sims, sim);
  return sim;
}

static gboolean
all_connected (gpointer data)
{
  Fixture *f = data;

  return ob_mps_server_get_n_connected (f->mps.server) == f->sims->len;
}

static gboolean
device_reachable (gpointer data)
{
  return ob_device_get_reachability (OB_DEVICE (data)) == OB_DEVICE_REACHABILITY_REACHABLE;
}

static gboolean
some_auth_failed (gpointer data)
{
  ObMpsServerStats stats;

  ob_mps_server_get_stats (OB_MPS_SERVER (data), &stats);
  return stats.auth_failed > 0;
}

static char *
stored_secret (const char *guid,
               const char *kind)
{
  g_autoptr(GError) error = NULL;
  char *value = ob_secret_store_lookup_text_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, guid, kind,
                                                  NULL, &error);

  g_assert_no_error (error);
  return value;
}

static ApiTestReply *
amt (Fixture    *f,
     const char *method,
     const char *route,
     const char *guid,
     const char *body)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/amt/%s/%s", route, guid);

  return api_test_send_json (&f->client, method, path, body);
}

/* Every file of the database (the main file, its journal or WAL). */
static void
assert_not_in_database (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->mps.dir, 0, NULL);
  const char *name;
  guint n_files = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->mps.dir, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;
      gsize len = 0;

      g_file_get_contents (path, &contents, &len, &error);
      g_assert_no_error (error);
      if (find_hidden (contents, len) != NULL)
        g_error ("%s holds a password", name);
      n_files++;
    }
  g_assert_cmpuint (n_files, >, 0);
}

/* ---- register, connect, use, disconnect ------------------------------------------- */

static void
test_fleet (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *guid0 = device_guid (0);
  g_autofree char *instance = NULL;
  ObDevice *device;
  SimDevice *sim0;

  /* Registered as RPS or an admin would: the MPS password goes to the
   * keyring, the answer has the row without it. */
  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *guid = device_guid (i);
      g_autofree char *user = device_user (i);
      g_autofree char *password = device_mps_password (i);
      g_autofree char *body = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *kept = NULL;
      g_autofree char *kept_amt = NULL;
      g_autoptr(ApiTestReply) reply = NULL;

      hide (password);
      body = g_strdup_printf ("{\"guid\":\"%s\",\"hostname\":\"box-%03u\",\"mpsusername\":\"%s\","
                              "\"tags\":[\"fleet\",\"row-%u\"],\"friendlyName\":\"Box %u\","
                              "\"mpspassword\":\"%s\",\"password\":\"" AMT_PASSWORD "\"}",
                              guid, i, user, i % 10, i, password);
      reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);
      expected = g_strdup_printf ("{\"guid\":\"%s\",\"hostname\":\"box-%03u\","
                                  "\"tags\":[\"fleet\",\"row-%u\"],\"mpsInstance\":null,"
                                  "\"connectionStatus\":false,\"mpsusername\":\"%s\","
                                  "\"tenantId\":\"\",\"friendlyName\":\"Box %u\",\"dnsSuffix\":null,"
                                  "\"lastConnected\":null,\"lastSeen\":null,"
                                  "\"lastDisconnected\":null,\"deviceInfo\":null,"
                                  "\"transport\":\"cira\"}",
                                  guid, i, i % 10, user, i);
      api_test_assert_reply (reply, SOUP_STATUS_CREATED, expected);

      kept = stored_secret (guid, OB_SECRET_KIND_MPS_PASSWORD);
      g_assert_cmpstr (kept, ==, password);
      kept_amt = stored_secret (guid, OB_SECRET_KIND_AMT_PASSWORD);
      g_assert_cmpstr (kept_amt, ==, AMT_PASSWORD);
    }
  assert_stats (f, N_DEVICES, 0);

  /* They call in with those credentials. */
  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *guid = device_guid (i);
      g_autofree char *user = device_user (i);
      g_autofree char *password = device_mps_password (i);

      ob_sim_cira_start (add_sim (f, guid, user, password)->cira);
    }
  g_assert_true (cira_test_wait_until (all_connected, f, 90000));
  assert_stats (f, N_DEVICES, N_DEVICES);

  {
    g_autoptr(ApiTestReply) connected = api_test_get (&f->client, "/api/v1/devices?status=1&$top=1000");
    g_autoptr(ApiTestReply) disconnected = api_test_get (&f->client, "/api/v1/devices?status=0&$top=1000");

    api_test_assert_reply (connected, SOUP_STATUS_OK, NULL);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (connected->json)), ==, N_DEVICES);
    api_test_assert_reply (disconnected, SOUP_STATUS_OK, "[]");
  }

  /* One of them in detail, once the listener's writes are in. */
  ob_mps_server_flush_store_writes (f->mps.server);
  g_object_get (f->mps.server, "instance-name", &instance, NULL);
  {
    g_autofree char *path = g_strconcat ("/api/v1/devices/", guid0, NULL);
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, path);
    JsonObject *o;

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    o = api_test_reply_object (reply);
    g_assert_true (json_object_get_boolean_member (o, "connectionStatus"));
    g_assert_cmpstr (json_object_get_string_member (o, "mpsInstance"), ==, instance);
    g_assert_cmpstr (json_object_get_string_member (o, "mpsusername"), ==, "cira-user-000");
    g_assert_nonnull (json_object_get_string_member (o, "lastConnected"));
    g_assert_nonnull (json_object_get_string_member (o, "lastSeen"));
    g_assert_true (json_object_get_null_member (o, "lastDisconnected"));
    g_assert_false (json_object_has_member (o, "mpspassword"));
    g_assert_false (json_object_has_member (o, "password"));
  }

  /* Every AMT route, over the tunnel, as for a device on the LAN. */
  sim0 = g_ptr_array_index (f->sims, 0);
  device = ob_device_registry_lookup (f->mps.registry, guid0);
  g_assert_nonnull (device);
  g_assert_cmpint (ob_device_get_transport (device), ==, OB_DEVICE_TRANSPORT_CIRA);
  g_assert_true (cira_test_wait_until (device_reachable, device, 30000));
  ob_sim_device_set_control_mode (sim0->device, OB_SIM_CONTROL_MODE_ACM);
  {
    g_autoptr(ApiTestReply) reply = amt (f, "GET", "power/state", guid0, NULL);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (reply), "powerstate"), ==, 2);
  }
  {
    g_autoptr(ApiTestReply) off = amt (f, "POST", "power/action", guid0, "{\"action\":8}");
    g_autoptr(ApiTestReply) state = NULL;
    g_autoptr(ApiTestReply) on = NULL;

    api_test_assert_reply (off, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (api_test_reply_object (off),
                                                                                "Body"),
                                                 "ReturnValue"), ==, 0);
    g_assert_cmpuint (ob_sim_device_get_power_state (sim0->device), ==, OB_SIM_POWER_OFF_SOFT);
    state = amt (f, "GET", "power/state", guid0, NULL);
    g_assert_cmpint (json_object_get_int_member (api_test_reply_object (state), "powerstate"), ==, 8);
    on = amt (f, "POST", "power/action", guid0, "{\"action\":2}");
    api_test_assert_reply (on, SOUP_STATUS_OK, NULL);
    g_assert_cmpuint (ob_sim_device_get_power_state (sim0->device), ==, OB_SIM_POWER_ON);
  }
  {
    static const char * const gets[] = {
      "power/capabilities", "power/bootSources", "features", "hardwareInfo", "generalSettings",
      "version", "log/event", "log/audit", "alarmOccurrences",
    };

    for (guint i = 0; i < G_N_ELEMENTS (gets); i++)
      {
        g_autoptr(ApiTestReply) reply = amt (f, "GET", gets[i], guid0, NULL);

        if (reply->status != SOUP_STATUS_OK)
          g_error ("GET amt/%s over CIRA: %u", gets[i], reply->status);
        g_assert_nonnull (reply->json);
      }
  }
  {
    g_autoptr(ApiTestReply) boot = amt (f, "POST", "power/bootOptions", guid0,
                                        "{\"action\":101,\"useSOL\":false}");
    g_autoptr(ApiTestReply) features = amt (f, "POST", "features", guid0,
                                            "{\"userConsent\":\"none\",\"enableSOL\":true,"
                                            "\"enableIDER\":false,\"enableKVM\":true}");
    g_autoptr(ApiTestReply) alarm = amt (f, "POST", "alarmOccurrences", guid0,
                                         "{\"ElementName\":\"wake\",\"StartTime\":\"2030-01-02T03:04:00Z\"}");
    g_autoptr(ApiTestReply) alarm_gone = amt (f, "DELETE", "alarmOccurrences", guid0, "{\"Name\":\"wake\"}");
    g_autoptr(ApiTestReply) consent = amt (f, "GET", "userConsentCode", guid0, NULL);
    g_autoptr(ApiTestReply) consent_sent = NULL;
    g_autoptr(ApiTestReply) consent_cancel = NULL;
    g_autofree char *code = NULL;

    api_test_assert_reply (boot, SOUP_STATUS_OK, NULL);
    g_assert_cmpint (ob_sim_device_get_last_boot_target (sim0->device), ==,
                     OB_SIM_BOOT_TARGET_BIOS_SETUP);
    api_test_assert_reply (features, SOUP_STATUS_OK, "{\"status\":\"AMT Features updated\"}");
    g_assert_true (ob_sim_device_get_sol_enabled (sim0->device));
    api_test_assert_reply (alarm, SOUP_STATUS_OK, "{\"status\":\"SUCCESS\",\"ReturnValue\":0}");
    api_test_assert_reply (alarm_gone, SOUP_STATUS_OK, "{\"status\":\"SUCCESS\"}");
    api_test_assert_reply (consent, SOUP_STATUS_OK, NULL);
    code = g_strdup_printf ("{\"consentCode\":\"%s\"}", ob_sim_device_get_consent_code (sim0->device));
    consent_sent = amt (f, "POST", "userConsentCode", guid0, code);
    api_test_assert_reply (consent_sent, SOUP_STATUS_OK, NULL);
    consent_cancel = amt (f, "GET", "userConsentCode/cancel", guid0, NULL);
    api_test_assert_reply (consent_cancel, SOUP_STATUS_OK, NULL);
  }

  /* Many tunnels at once: the power state of every tenth device. */
  for (guint i = 0; i < N_DEVICES; i += 10)
    {
      g_autofree char *guid = device_guid (i);
      g_autoptr(ApiTestReply) reply = amt (f, "GET", "power/state", guid, NULL);

      api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    }

  /* A connected device registered again (the upsert) and edited: through
   * the registry, so the live device follows; new MPS passwords in the
   * keyring for the next time they call. */
  {
    g_autofree char *guid1 = device_guid (1);
    g_autofree char *guid2 = device_guid (2);
    g_autofree char *post = g_strdup_printf ("{\"guid\":\"%s\",\"friendlyName\":\"Renamed box\","
                                             "\"mpspassword\":\"New-Mps-Pass-1\"}", guid1);
    g_autofree char *patch = g_strdup_printf ("{\"guid\":\"%s\",\"tags\":[\"moved\"],"
                                              "\"mpspassword\":\"New-Mps-Pass-2\"}", guid2);
    g_autoptr(ApiTestReply) posted = NULL;
    g_autoptr(ApiTestReply) patched = NULL;
    g_autofree char *kept1 = NULL;
    g_autofree char *kept2 = NULL;
    ObDevice *device1 = ob_device_registry_lookup (f->mps.registry, guid1);

    hide ("New-Mps-Pass-1");
    hide ("New-Mps-Pass-2");
    posted = api_test_send_json (&f->client, "POST", "/api/v1/devices", post);
    api_test_assert_reply (posted, SOUP_STATUS_OK, NULL);
    g_assert_true (json_object_get_boolean_member (api_test_reply_object (posted), "connectionStatus"));
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (posted), "mpsusername"), ==,
                     "cira-user-001");
    g_assert_cmpstr (ob_device_get_name (device1), ==, "Renamed box");
    kept1 = stored_secret (guid1, OB_SECRET_KIND_MPS_PASSWORD);
    g_assert_cmpstr (kept1, ==, "New-Mps-Pass-1");

    patched = api_test_send_json (&f->client, "PATCH", "/api/v1/devices", patch);
    api_test_assert_reply (patched, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (api_test_reply_object (patched),
                                                                                  "tags"), 0),
                     ==, "moved");
    kept2 = stored_secret (guid2, OB_SECRET_KIND_MPS_PASSWORD);
    g_assert_cmpstr (kept2, ==, "New-Mps-Pass-2");
    assert_stats (f, N_DEVICES, N_DEVICES);
  }

  /* The AMT password changed behind the MPS's back (as RPS does): refresh
   * makes the connected device use the keyring's. */
  {
    g_autofree char *path = g_strconcat ("/api/v1/devices/refresh/", guid0, NULL);
    g_autofree char *expected = g_strdup_printf ("{\"success\":200,\"description\":"
                                                 "\"Device info refreshed : %s\"}", guid0);
    g_autoptr(ApiTestReply) stale = NULL;
    g_autoptr(ApiTestReply) refreshed = NULL;
    g_autoptr(ApiTestReply) wrong = NULL;
    g_autoptr(ApiTestReply) restored = NULL;
    g_autoptr(ApiTestReply) right = NULL;
    g_autoptr(GError) error = NULL;

    hide ("Wrong-AMT-pass-1");
    g_assert_true (ob_secret_store_store_text_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, guid0,
                                                    OB_SECRET_KIND_AMT_PASSWORD,
                                                    "Wrong-AMT-pass-1", NULL, &error));
    stale = amt (f, "GET", "power/state", guid0, NULL);
    api_test_assert_reply (stale, SOUP_STATUS_OK, NULL);

    refreshed = api_test_send_json (&f->client, "DELETE", path, NULL);
    api_test_assert_reply (refreshed, SOUP_STATUS_OK, expected);
    wrong = amt (f, "GET", "power/state", guid0, NULL);
    g_assert_cmpuint (wrong->status, !=, SOUP_STATUS_OK);

    g_assert_true (ob_secret_store_store_text_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, guid0,
                                                    OB_SECRET_KIND_AMT_PASSWORD, AMT_PASSWORD,
                                                    NULL, &error));
    restored = api_test_send_json (&f->client, "DELETE", path, NULL);
    api_test_assert_reply (restored, SOUP_STATUS_OK, expected);
    right = amt (f, "GET", "power/state", guid0, NULL);
    api_test_assert_reply (right, SOUP_STATUS_OK, NULL);
  }

  /* No AMT password in the keyring at all: the reference's refresh
   * exception, and the device keeps the one it had. */
  {
    g_autofree char *guid3 = device_guid (3);
    g_autofree char *path = g_strconcat ("/api/v1/devices/refresh/", guid3, NULL);
    g_autoptr(ApiTestReply) reply = NULL;
    g_autoptr(ApiTestReply) power = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (ob_secret_store_clear_sync (ca.secrets, OB_SECRET_OWNER_DEVICE, guid3,
                                               OB_SECRET_KIND_AMT_PASSWORD, NULL, &error));
    reply = api_test_send_json (&f->client, "DELETE", path, NULL);
    api_test_assert_reply (reply, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                           "{\"error\":\"Internal Server Error\","
                           "\"errorDescription\":\"Exception during Device Refresh\"}");
    power = amt (f, "GET", "power/state", guid3, NULL);
    api_test_assert_reply (power, SOUP_STATUS_OK, NULL);
  }

  /* Disconnect: the session ends and the device shows disconnected (it
   * waits long before calling again). */
  ob_sim_cira_set_backoff (sim0->cira, 600000, 600000);
  {
    g_autofree char *path = g_strconcat ("/api/v1/devices/disconnect/", guid0, NULL);
    g_autofree char *refresh_path = g_strconcat ("/api/v1/devices/refresh/", guid0, NULL);
    g_autofree char *device_path = g_strconcat ("/api/v1/devices/", guid0, NULL);
    g_autofree char *expected = g_strdup_printf ("{\"success\":200,\"description\":"
                                                 "\"Device CIRA connection disconnected : %s\"}",
                                                 guid0);
    g_autofree char *not_connected = g_strdup_printf ("{\"error\":\"" NOT_CONNECTED_ERROR "\","
                                                      "\"errorDescription\":\"guid : %s\"}", guid0);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", path, NULL);
    g_autoptr(ApiTestReply) shown = NULL;
    g_autoptr(ApiTestReply) again = NULL;
    g_autoptr(ApiTestReply) power = NULL;
    g_autoptr(ApiTestReply) refresh = NULL;
    JsonObject *o;

    api_test_assert_reply (reply, SOUP_STATUS_OK, expected);
    g_assert_null (ob_mps_server_lookup_session (f->mps.server, guid0));
    assert_stats (f, N_DEVICES, N_DEVICES - 1);

    ob_mps_server_flush_store_writes (f->mps.server);
    shown = api_test_get (&f->client, device_path);
    api_test_assert_reply (shown, SOUP_STATUS_OK, NULL);
    o = api_test_reply_object (shown);
    g_assert_false (json_object_get_boolean_member (o, "connectionStatus"));
    g_assert_true (json_object_get_null_member (o, "mpsInstance"));
    g_assert_nonnull (json_object_get_string_member (o, "lastDisconnected"));

    again = api_test_send_json (&f->client, "DELETE", path, NULL);
    api_test_assert_reply (again, SOUP_STATUS_NOT_FOUND, not_connected);
    power = amt (f, "GET", "power/state", guid0, NULL);
    g_assert_cmpuint (power->status, ==, SOUP_STATUS_NOT_FOUND);
    refresh = api_test_send_json (&f->client, "DELETE", refresh_path, NULL);
    g_assert_cmpuint (refresh->status, ==, SOUP_STATUS_NOT_FOUND);
    g_assert_cmpuint (g_bytes_get_size (refresh->body), ==, 0);
  }

  /* Registered, but calling with another password: refused, not counted. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                                        "{\"guid\":\"" GUID_A "\",\"mpsusername\":\"late-user\","
                                                        "\"mpspassword\":\"Right-Pass-77\"}");

    hide ("Right-Pass-77");
    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    ob_sim_cira_start (add_sim (f, GUID_A, "late-user", "Wrong-Pass-77")->cira);
    g_assert_true (cira_test_wait_until (some_auth_failed, f->mps.server, 20000));
    g_assert_null (ob_mps_server_lookup_session (f->mps.server, GUID_A));
    assert_stats (f, N_DEVICES + 1, N_DEVICES - 1);
  }

  ob_mps_server_flush_store_writes (f->mps.server);
  assert_not_in_database (f);
  g_assert_cmpuint (g_atomic_int_get (&n_leaks), ==, 0);
}

/* ---- devices/stats under churn ------------------------------------------------------ */

#define N_CHURN 12

/* devices/stats must say what the device list says, row by row, and what
 * the test expects. */
static void
assert_counts_at (const char *file,
                  int         line,
                  Fixture    *f,
                  guint       total,
                  guint       connected)
{
  g_autoptr(ApiTestReply) stats = api_test_get (&f->client, "/api/v1/devices/stats");
  g_autoptr(ApiTestReply) list = api_test_get (&f->client, "/api/v1/devices?$top=1000&$count=true");
  g_autofree char *expected = g_strdup_printf ("{\"totalCount\":%u,\"connectedCount\":%u,"
                                               "\"disconnectedCount\":%u}",
                                               total, connected, total - connected);
  JsonObject *counted;
  JsonArray *rows;
  guint listed_connected = 0;

  api_test_assert_reply_at (file, line, stats, SOUP_STATUS_OK, expected);
  api_test_assert_reply_at (file, line, list, SOUP_STATUS_OK, NULL);
  counted = api_test_reply_object (list);
  rows = json_object_get_array_member (counted, "data");
  for (guint i = 0; i < json_array_get_length (rows); i++)
    if (json_object_get_boolean_member (json_array_get_object_element (rows, i), "connectionStatus"))
      listed_connected++;
  if (json_array_get_length (rows) != total || listed_connected != connected ||
      json_object_get_int_member (counted, "totalCount") != total)
    g_error ("%s:%d: the list has %u rows (totalCount %" G_GINT64_FORMAT "), %u connected; "
             "expected %u, %u", file, line, json_array_get_length (rows),
             json_object_get_int_member (counted, "totalCount"), listed_connected, total, connected);
}

#define assert_counts(f, total, connected) \
  assert_counts_at (__FILE__, __LINE__, (f), (total), (connected))

typedef struct
{
  Fixture    *f;
  const char *guid;
} DeviceRef;

static gboolean
device_connected (gpointer data)
{
  DeviceRef *ref = data;
  ObDevice *device = ob_device_registry_lookup (ref->f->mps.registry, ref->guid);

  return device != NULL && ob_device_is_connected (device);
}

static gboolean
device_not_connected (gpointer data)
{
  return !device_connected (data);
}

static gboolean
sim_stopped (gpointer data)
{
  return ob_sim_cira_get_state (OB_SIM_CIRA (data)) == OB_SIM_CIRA_STATE_STOPPED;
}

static void
stop_sim (SimDevice *sim)
{
  ob_sim_cira_stop (sim->cira);
  g_assert_true (cira_test_wait_until (sim_stopped, sim->cira, 20000));
}

typedef struct
{
  ObSimCira *cira;
  guint      target;
} Attempts;

static gboolean
attempts_reached (gpointer data)
{
  Attempts *attempts = data;

  return ob_sim_cira_get_n_attempts (attempts->cira) >= attempts->target;
}

/* Until @n more attempts have begun (so n - 1 have ended). */
static void
run_until_attempts (SimDevice *sim,
                    guint      n)
{
  Attempts attempts = { sim->cira, ob_sim_cira_get_n_attempts (sim->cira) + n };

  g_assert_true (cira_test_wait_until (attempts_reached, &attempts, 20000));
}

static void
register_cira (Fixture *f,
               guint    i,
               guint    want_status)
{
  g_autofree char *guid = device_guid (i);
  g_autofree char *user = device_user (i);
  g_autofree char *password = device_mps_password (i);
  g_autofree char *body = g_strdup_printf ("{\"guid\":\"%s\",\"mpsusername\":\"%s\","
                                           "\"mpspassword\":\"%s\",\"password\":\"" AMT_PASSWORD "\"}",
                                           guid, user, password);
  g_autoptr(ApiTestReply) reply = NULL;

  hide (password);
  reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);
  api_test_assert_reply (reply, want_status, NULL);
}

static void
test_stats_churn (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *lan_guid = NULL;
  ObSimDevice *lan_sim;
  SimDevice *sims[N_CHURN];
  char *guids[N_CHURN];
  guint connected;

  assert_counts (f, 0, 0);

  /* CIRA devices registered, none connected yet. */
  for (guint i = 0; i < N_CHURN; i++)
    {
      g_autofree char *user = device_user (i);
      g_autofree char *password = device_mps_password (i);

      guids[i] = device_guid (i);
      register_cira (f, i, SOUP_STATUS_CREATED);
      sims[i] = add_sim (f, guids[i], user, password);
    }
  assert_counts (f, N_CHURN, 0);
  /* Registering again is an update: no new row. */
  register_cira (f, 0, SOUP_STATUS_OK);
  assert_counts (f, N_CHURN, 0);

  /* A LAN device added over REST: reachable, so connected. */
  lan_sim = ob_sim_fleet_add_device (fleet, "127.0.0.1", 0, 0, AMT_PASSWORD, &error);
  g_assert_no_error (error);
  {
    g_autofree char *body = g_strdup_printf ("{\"hostname\":\"127.0.0.1\",\"port\":%u,"
                                             "\"useTLS\":false,\"username\":\"admin\","
                                             "\"password\":\"" AMT_PASSWORD "\"}",
                                             ob_sim_device_get_http_port (lan_sim));
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);

    api_test_assert_reply (reply, SOUP_STATUS_CREATED, NULL);
    lan_guid = g_strdup (json_object_get_string_member (api_test_reply_object (reply), "guid"));
  }
  assert_counts (f, N_CHURN + 1, 1);

  /* The CIRA devices call in. */
  for (guint i = 0; i < N_CHURN; i++)
    ob_sim_cira_start (sims[i]->cira);
  g_assert_true (cira_test_wait_until (all_connected, f, 60000));
  for (guint i = 0; i < N_CHURN; i++)
    {
      DeviceRef ref = { f, guids[i] };

      g_assert_true (cira_test_wait_until (device_connected, &ref, 20000));
    }
  connected = N_CHURN + 1;
  assert_counts (f, N_CHURN + 1, connected);

  /* Churn: devices drop and call again, one at a time and several at once. */
  for (guint round = 0; round < 3; round++)
    {
      guint first = round * 3;

      for (guint i = first; i < first + 3; i++)
        stop_sim (sims[i]);
      for (guint i = first; i < first + 3; i++)
        {
          DeviceRef ref = { f, guids[i] };

          g_assert_true (cira_test_wait_until (device_not_connected, &ref, 20000));
        }
      assert_counts (f, N_CHURN + 1, connected - 3);

      ob_sim_cira_start (sims[first]->cira);
      {
        DeviceRef ref = { f, guids[first] };

        g_assert_true (cira_test_wait_until (device_connected, &ref, 20000));
      }
      assert_counts (f, N_CHURN + 1, connected - 2);
      for (guint i = first + 1; i < first + 3; i++)
        ob_sim_cira_start (sims[i]->cira);
      for (guint i = first + 1; i < first + 3; i++)
        {
          DeviceRef ref = { f, guids[i] };

          g_assert_true (cira_test_wait_until (device_connected, &ref, 20000));
        }
      assert_counts (f, N_CHURN + 1, connected);
    }

  /* Disconnected over REST (it waits long before calling again). */
  ob_sim_cira_set_backoff (sims[10]->cira, 600000, 600000);
  {
    g_autofree char *path = g_strconcat ("/api/v1/devices/disconnect/", guids[10], NULL);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", path, NULL);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
  }
  connected--;
  assert_counts (f, N_CHURN + 1, connected);

  /* Deleted while connected: gone from both counts at once, though its
   * session is still up; when it calls again it is refused (no row). */
  {
    g_autofree char *path = g_strconcat ("/api/v1/devices/", guids[11], NULL);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", path, NULL);
    DeviceRef ref = { f, guids[11] };

    api_test_assert_reply (reply, SOUP_STATUS_NO_CONTENT, NULL);
    g_assert_nonnull (ob_mps_server_lookup_session (f->mps.server, guids[11]));
    connected--;
    assert_counts (f, N_CHURN, connected);

    stop_sim (sims[11]);
    ob_sim_cira_start (sims[11]->cira);
    run_until_attempts (sims[11], 2);
    g_assert_false (device_connected (&ref));
    assert_counts (f, N_CHURN, connected);

    /* Registered again: a row, not connected until it calls in again. */
    register_cira (f, 11, SOUP_STATUS_CREATED);
    g_assert_true (cira_test_wait_until (device_connected, &ref, 20000));
    connected++;
    assert_counts (f, N_CHURN + 1, connected);
  }

  /* A disconnected CIRA device deleted: only the total changes. */
  {
    g_autofree char *path = g_strconcat ("/api/v1/devices/", guids[10], NULL);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", path, NULL);

    api_test_assert_reply (reply, SOUP_STATUS_NO_CONTENT, NULL);
    assert_counts (f, N_CHURN, connected);
  }

  /* The LAN device stops answering, then is deleted. */
  ob_sim_fleet_stop (fleet);
  {
    ObDevice *lan = ob_device_registry_lookup (f->mps.registry, lan_guid);
    g_autoptr(GAsyncResult) result = NULL;

    ob_device_refresh_async (lan, NULL, cira_test_store_result, &result);
    g_assert_false (ob_device_refresh_finish (lan, cira_test_wait_result (&result), &error));
    g_clear_error (&error);
    g_assert_false (ob_device_is_connected (lan));
  }
  connected--;
  assert_counts (f, N_CHURN, connected);
  {
    g_autofree char *path = g_strconcat ("/api/v1/devices/", lan_guid, NULL);
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "DELETE", path, NULL);

    api_test_assert_reply (reply, SOUP_STATUS_NO_CONTENT, NULL);
    assert_counts (f, N_CHURN - 1, connected);
  }

  for (guint i = 0; i < N_CHURN; i++)
    g_free (guids[i]);
  g_assert_cmpuint (g_atomic_int_get (&n_leaks), ==, 0);
}

/* ---- channels come and go with the exchanges ------------------------------------------ */

static gboolean
no_channels (gpointer data)
{
  return ob_apf_session_get_n_channels (OB_APF_SESSION (data)) == 0;
}

/* The session makes its channel table for the first channel and drops it
 * with the last: what an idle device costs.  Channels must still come and
 * go cleanly around that. */
static void
test_idle_channels (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *guid = device_guid (0);
  g_autofree char *user = device_user (0);
  g_autofree char *password = device_mps_password (0);
  ObApfSession *session;
  ObDevice *device;
  DeviceRef ref = { f, guid };

  register_cira (f, 0, SOUP_STATUS_CREATED);
  ob_sim_cira_start (add_sim (f, guid, user, password)->cira);
  g_assert_true (cira_test_wait_until (device_connected, &ref, 20000));
  device = ob_device_registry_lookup (f->mps.registry, guid);
  g_assert_true (cira_test_wait_until (device_reachable, device, 20000));
  session = ob_mps_server_lookup_session (f->mps.server, guid);
  g_assert_nonnull (session);

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(ApiTestReply) reply = amt (f, "GET", "power/state", guid, NULL);
      ObWsmanClient *client = ob_device_get_wsman_client (device);

      api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
      /* The WS-Man connections stay open for the next request, each on a
       * channel of its own. */
      g_assert_cmpuint (ob_wsman_client_get_n_idle_connections (client), >, 0);
      g_assert_cmpuint (ob_apf_session_get_n_channels (session), ==,
                        ob_wsman_client_get_n_idle_connections (client));

      /* They end (as idle ones do after a while): no channel is left. */
      ob_wsman_client_shutdown (client);
      g_assert_true (cira_test_wait_until (no_channels, session, 10000));
    }
  g_assert_false (ob_apf_session_is_closed (session));
}

static char *
device_last_seen (Fixture    *f,
                  const char *guid)
{
  g_autofree char *path = g_strconcat ("/api/v1/devices/", guid, NULL);
  g_autoptr(ApiTestReply) reply = api_test_get (&f->client, path);

  api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
  return g_strdup (json_object_get_string_member (api_test_reply_object (reply), "lastSeen"));
}

static gboolean
keepalives_at_least_three (gpointer data)
{
  return ob_apf_session_get_n_keepalives (OB_APF_SESSION (data)) >= 3;
}

/* While a device is connected its lastSeen is its last keepalive, though
 * the store writes it only once in a long while. */
static void
test_live_last_seen (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *guid = device_guid (0);
  g_autofree char *user = device_user (0);
  g_autofree char *password = device_mps_password (0);
  g_autofree char *at_connect = NULL;
  g_autofree char *live = NULL;
  g_autofree char *seconds = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(ObDeviceRecord) stored = NULL;
  g_autoptr(GDateTime) last_keepalive = NULL;
  g_autoptr(GError) error = NULL;
  DeviceRef ref = { f, guid };
  SimDevice *sim;
  ObApfSession *session;

  register_cira (f, 0, SOUP_STATUS_CREATED);
  sim = add_sim (f, guid, user, password);
  ob_sim_cira_set_keepalive_interval (sim->cira, 1);
  ob_sim_cira_start (sim->cira);
  g_assert_true (cira_test_wait_until (device_connected, &ref, 20000));
  session = ob_mps_server_lookup_session (f->mps.server, guid);
  ob_mps_server_flush_store_writes (f->mps.server);
  at_connect = device_last_seen (f, guid);
  g_assert_nonnull (at_connect);

  g_assert_true (cira_test_wait_until (keepalives_at_least_three, session, 20000));
  ob_mps_server_flush_store_writes (f->mps.server);
  live = device_last_seen (f, guid);
  last_keepalive = ob_date_time_new_from_real_time (ob_apf_session_get_last_seen (session));
  seconds = g_date_time_format (last_keepalive, "%Y-%m-%dT%H:%M:%S");
  expected = g_strdup_printf ("%s.%03dZ", seconds, g_date_time_get_microsecond (last_keepalive) / 1000);
  g_assert_cmpstr (live, ==, expected);
  g_assert_cmpstr (live, >, at_connect);

  /* The store still has the time of the connect. */
  stored = ob_store_get_device (f->mps.store, guid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_date_time_compare (ob_device_record_get_last_seen (stored), last_keepalive), <, 0);
}

/* ---- hostile input ------------------------------------------------------------------ */

static void
test_hostile (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *long_password = g_strnfill (3000, 'p');
  g_autofree char *long_user = g_strnfill (2049, 'u');
  g_autoptr(GError) error = NULL;

  hide ("Hostile-Pass-1");
  hide (long_password);

  {
    struct { const char *body; guint status; const char *json; } cases[] = {
      /* A password of the wrong type or empty: never echoed. */
      { "{\"guid\":\"" GUID_A "\",\"mpsusername\":\"u\",\"mpspassword\":12345}",
        SOUP_STATUS_BAD_REQUEST,
        "{\"errors\":[{\"type\":\"field\",\"msg\":\"mpspassword must be a non-empty string of at "
        "most 2048 bytes\",\"path\":\"mpspassword\",\"location\":\"body\"}]}" },
      { "{\"guid\":\"" GUID_A "\",\"mpsusername\":\"u\",\"mpspassword\":\"\"}",
        SOUP_STATUS_BAD_REQUEST,
        "{\"errors\":[{\"type\":\"field\",\"msg\":\"mpspassword must be a non-empty string of at "
        "most 2048 bytes\",\"path\":\"mpspassword\",\"location\":\"body\"}]}" },
      { "{\"guid\":\"" GUID_A "\",\"mpsusername\":\"u\",\"mpspassword\":[\"Hostile-Pass-1\"]}",
        SOUP_STATUS_BAD_REQUEST, NULL },
      { "{\"guid\":\"" GUID_A "\",\"mpsusername\":\"u\",\"mpspassword\":{\"x\":\"Hostile-Pass-1\"}}",
        SOUP_STATUS_BAD_REQUEST, NULL },
      /* Wrong types elsewhere, bad GUIDs. */
      { "{\"guid\":\"" GUID_A "\",\"mpsusername\":42,\"mpspassword\":\"Hostile-Pass-1\"}",
        SOUP_STATUS_BAD_REQUEST,
        "{\"errors\":[{\"type\":\"field\",\"value\":42,\"msg\":\"Invalid value\","
        "\"path\":\"mpsusername\",\"location\":\"body\"}]}" },
      { "{\"guid\":\"not-a-guid\",\"mpsusername\":\"u\",\"mpspassword\":\"Hostile-Pass-1\"}",
        SOUP_STATUS_BAD_REQUEST,
        "{\"errors\":[{\"type\":\"field\",\"value\":\"not-a-guid\",\"msg\":\"Invalid value\","
        "\"path\":\"guid\",\"location\":\"body\"}]}" },
      { "{\"guid\":\"" GUID_A "x\",\"mpsusername\":\"u\",\"mpspassword\":\"Hostile-Pass-1\"}",
        SOUP_STATUS_BAD_REQUEST,
        "{\"errors\":[{\"type\":\"field\",\"value\":\"" GUID_A "x\",\"msg\":\"Invalid value\","
        "\"path\":\"guid\",\"location\":\"body\"}]}" },
      { "{\"mpsusername\":\"u\",\"mpspassword\":\"Hostile-Pass-1\"}",
        SOUP_STATUS_BAD_REQUEST,
        "{\"errors\":[{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"guid\",\"location\":\"body\"},"
        "{\"type\":\"field\",\"msg\":\"Invalid value\",\"path\":\"guid\",\"location\":\"body\"}]}" },
      { "{\"guid\":[\"" GUID_A "\"],\"mpsusername\":\"u\",\"mpspassword\":\"Hostile-Pass-1\","
        "\"tags\":{\"a\":1},\"friendlyName\":false}",
        SOUP_STATUS_BAD_REQUEST,
        "{\"errors\":["
        "{\"type\":\"field\",\"value\":[\"" GUID_A "\"],\"msg\":\"Invalid value\",\"path\":\"guid\",\"location\":\"body\"},"
        "{\"type\":\"field\",\"value\":[\"" GUID_A "\"],\"msg\":\"Invalid value\",\"path\":\"guid\",\"location\":\"body\"},"
        "{\"type\":\"field\",\"value\":false,\"msg\":\"Invalid value\",\"path\":\"friendlyName\",\"location\":\"body\"},"
        "{\"type\":\"field\",\"value\":{\"a\":1},\"msg\":\"tags should be an array of strings\",\"path\":\"tags\",\"location\":\"body\"}]}" },
      /* A password without the user it goes with. */
      { "{\"guid\":\"" GUID_A "\",\"mpspassword\":\"Hostile-Pass-1\"}",
        SOUP_STATUS_BAD_REQUEST,
        "{\"errors\":[{\"type\":\"field\",\"msg\":\"mpsusername is required with mpspassword\","
        "\"path\":\"mpsusername\",\"location\":\"body\"}]}" },
      { "{\"guid\":\"" GUID_A "\",\"mpsusername\":\"\",\"mpspassword\":\"Hostile-Pass-1\"}",
        SOUP_STATUS_BAD_REQUEST,
        "{\"errors\":[{\"type\":\"field\",\"value\":\"\",\"msg\":\"mpsusername is required with "
        "mpspassword\",\"path\":\"mpsusername\",\"location\":\"body\"}]}" },
      /* Not JSON at all. */
      { "{\"guid\":\"" GUID_A "\",\"mpspassword\":\"Hostile-Pass-1\"", SOUP_STATUS_BAD_REQUEST, NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", cases[i].body);
        g_autoptr(ApiTestReply) patch = api_test_send_json (&f->client, "PATCH", "/api/v1/devices", cases[i].body);

        api_test_assert_reply (reply, cases[i].status, cases[i].json);
        g_assert_nonnull (reply->json);
        g_assert_cmpuint (patch->status, !=, SOUP_STATUS_OK);
        g_assert_nonnull (patch->json);
      }
  }

  /* Oversized strings: the password is not echoed, the user is. */
  {
    g_autofree char *body = g_strdup_printf ("{\"guid\":\"" GUID_A "\",\"mpsusername\":\"u\","
                                             "\"mpspassword\":\"%s\"}", long_password);
    g_autofree char *user_body = g_strdup_printf ("{\"guid\":\"" GUID_A "\",\"mpsusername\":\"%s\","
                                                  "\"mpspassword\":\"Hostile-Pass-1\"}", long_user);
    g_autofree char *user_expected = g_strdup_printf (
      "{\"errors\":[{\"type\":\"field\",\"value\":\"%s\",\"msg\":\"mpsusername must be at most "
      "2048 bytes\",\"path\":\"mpsusername\",\"location\":\"body\"}]}", long_user);
    g_autofree char *host_body = NULL;
    g_autofree char *long_host = g_strnfill (256, 'h');
    g_autofree char *huge = NULL;
    g_autoptr(ApiTestReply) reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", body);
    g_autoptr(ApiTestReply) user_reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", user_body);
    g_autoptr(ApiTestReply) host_reply = NULL;
    g_autoptr(ApiTestReply) huge_reply = NULL;
    GString *big = g_string_new ("{\"guid\":\"" GUID_A "\",\"mpsusername\":\"u\",\"mpspassword\":\"");

    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"msg\":\"mpspassword must be a non-empty "
                           "string of at most 2048 bytes\",\"path\":\"mpspassword\",\"location\":\"body\"}]}");
    api_test_assert_reply (user_reply, SOUP_STATUS_BAD_REQUEST, user_expected);

    host_body = g_strdup_printf ("{\"guid\":\"" GUID_A "\",\"hostname\":\"%s\",\"mpsusername\":\"u\","
                                 "\"mpspassword\":\"Hostile-Pass-1\"}", long_host);
    host_reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", host_body);
    g_assert_cmpuint (host_reply->status, ==, SOUP_STATUS_BAD_REQUEST);

    /* Over the body limit: refused before it is read. */
    for (guint i = 0; i < 120 * 1024; i++)
      g_string_append_c (big, 'q');
    g_string_append (big, "\"}");
    huge = g_string_free (big, FALSE);
    huge_reply = api_test_send_json (&f->client, "POST", "/api/v1/devices", huge);
    g_assert_cmpuint (huge_reply->status, ==, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
    g_assert_nonnull (huge_reply->json);
  }

  /* Nothing of all that was stored. */
  assert_stats (f, 0, 0);
  {
    g_autofree char *secret = stored_secret (GUID_A, OB_SECRET_KIND_MPS_PASSWORD);

    g_assert_null (secret);
  }

  /* An MPS password is for CIRA devices only. */
  {
    g_autoptr(ObDeviceRecord) record = ob_device_record_new (GUID_B);
    g_autoptr(ApiTestReply) reply = NULL;
    g_autoptr(ApiTestReply) patch = NULL;
    g_autofree char *secret = NULL;

    ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_LAN);
    ob_device_record_set_host (record, "192.0.2.7");
    ob_device_record_set_hostname (record, "192.0.2.7");
    g_assert_true (ob_store_insert_device (f->mps.store, record, &error));
    g_assert_no_error (error);

    reply = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                "{\"guid\":\"" GUID_B "\",\"mpsusername\":\"u\",\"mpspassword\":\"Hostile-Pass-1\"}");
    api_test_assert_reply (reply, SOUP_STATUS_BAD_REQUEST,
                           "{\"error\":\"Incorrect URI or Bad Request\",\"errorDescription\":\"Device "
                           GUID_B " is managed over the LAN; an MPS password is only for devices that "
                           "connect over CIRA\"}");
    patch = api_test_send_json (&f->client, "PATCH", "/api/v1/devices",
                                "{\"guid\":\"" GUID_B "\",\"mpsusername\":\"u\",\"mpspassword\":\"Hostile-Pass-1\"}");
    api_test_assert_reply (patch, SOUP_STATUS_BAD_REQUEST, NULL);
    secret = stored_secret (GUID_B, OB_SECRET_KIND_MPS_PASSWORD);
    g_assert_null (secret);
  }

  /* PATCH: an unknown GUID, then a known one gets a new password; an
   * upsert that does not name the password keeps it. */
  {
    g_autoptr(ApiTestReply) missing = api_test_send_json (&f->client, "PATCH", "/api/v1/devices",
                                                          "{\"guid\":\"" GUID_A "\",\"mpsusername\":\"u\","
                                                          "\"mpspassword\":\"Hostile-Pass-1\"}");
    g_autoptr(ApiTestReply) created = NULL;
    g_autoptr(ApiTestReply) patched = NULL;
    g_autoptr(ApiTestReply) merged = NULL;
    g_autoptr(ApiTestReply) amt_patched = NULL;
    g_autofree char *amt_password = NULL;
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;
    g_autofree char *third = NULL;

    api_test_assert_reply (missing, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"NOT FOUND\",\"message\":\"Device ID " GUID_A " not found\"}");

    hide ("First-Pass-9");
    hide ("Second-Pass-9");
    created = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                  "{\"guid\":\"" GUID_A "\",\"mpsusername\":\"u\",\"mpspassword\":\"First-Pass-9\"}");
    api_test_assert_reply (created, SOUP_STATUS_CREATED, NULL);
    first = stored_secret (GUID_A, OB_SECRET_KIND_MPS_PASSWORD);
    g_assert_cmpstr (first, ==, "First-Pass-9");

    patched = api_test_send_json (&f->client, "PATCH", "/api/v1/devices",
                                  "{\"guid\":\"" GUID_A "\",\"mpspassword\":\"Second-Pass-9\"}");
    api_test_assert_reply (patched, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (json_object_get_string_member (api_test_reply_object (patched), "mpsusername"), ==, "u");
    second = stored_secret (GUID_A, OB_SECRET_KIND_MPS_PASSWORD);
    g_assert_cmpstr (second, ==, "Second-Pass-9");

    /* The AMT password alone: no host needed for a device that calls. */
    hide ("New-Amt-Pass-5");
    amt_patched = api_test_send_json (&f->client, "PATCH", "/api/v1/devices",
                                      "{\"guid\":\"" GUID_A "\",\"password\":\"New-Amt-Pass-5\"}");
    api_test_assert_reply (amt_patched, SOUP_STATUS_OK, NULL);
    amt_password = stored_secret (GUID_A, OB_SECRET_KIND_AMT_PASSWORD);
    g_assert_cmpstr (amt_password, ==, "New-Amt-Pass-5");

    merged = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                 "{\"guid\":\"" GUID_A "\",\"friendlyName\":\"renamed\"}");
    api_test_assert_reply (merged, SOUP_STATUS_OK, NULL);
    third = stored_secret (GUID_A, OB_SECRET_KIND_MPS_PASSWORD);
    g_assert_cmpstr (third, ==, "Second-Pass-9");
  }

  /* Deleted with its secrets: the MPS password goes too. */
  {
    g_autoptr(ApiTestReply) kept = NULL;
    g_autoptr(ApiTestReply) again = NULL;
    g_autoptr(ApiTestReply) gone = NULL;
    g_autofree char *after_kept = NULL;
    g_autofree char *after_gone = NULL;

    kept = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/" GUID_A, NULL);
    g_assert_cmpuint (kept->status, ==, SOUP_STATUS_NO_CONTENT);
    after_kept = stored_secret (GUID_A, OB_SECRET_KIND_MPS_PASSWORD);
    g_assert_cmpstr (after_kept, ==, "Second-Pass-9");

    again = api_test_send_json (&f->client, "POST", "/api/v1/devices",
                                "{\"guid\":\"" GUID_A "\",\"mpsusername\":\"u\"}");
    api_test_assert_reply (again, SOUP_STATUS_CREATED, NULL);
    gone = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/" GUID_A "?isSecretToBeDeleted=true", NULL);
    g_assert_cmpuint (gone->status, ==, SOUP_STATUS_NO_CONTENT);
    after_gone = stored_secret (GUID_A, OB_SECRET_KIND_MPS_PASSWORD);
    g_assert_null (after_gone);
  }

  /* disconnect and refresh: bad GUIDs, unknown devices, no token. */
  {
    g_autoptr(ApiTestReply) bad = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/disconnect/not-a-guid", NULL);
    g_autoptr(ApiTestReply) unknown = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/disconnect/" GUID_A, NULL);
    g_autoptr(ApiTestReply) bad_refresh = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/refresh/1234", NULL);
    g_autoptr(ApiTestReply) unknown_refresh = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/refresh/" GUID_A, NULL);
    g_autoptr(ApiTestReply) bad_body = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/refresh/" GUID_A,
                                                           "{\"hostname\":5}");
    g_autoptr(ApiTestReply) no_token = api_test_send (&f->client, "DELETE", "/api/v1/devices/disconnect/" GUID_A,
                                                      NULL, NULL, -1, "", FALSE);
    g_autoptr(ApiTestReply) wrong_method = api_test_send_json (&f->client, "GET", "/api/v1/devices/disconnect/" GUID_A, NULL);

    api_test_assert_reply (bad, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"value\":\"not-a-guid\",\"msg\":\"Invalid value\","
                           "\"path\":\"guid\",\"location\":\"params\"}]}");
    api_test_assert_reply (unknown, SOUP_STATUS_NOT_FOUND,
                           "{\"error\":\"" NOT_CONNECTED_ERROR "\",\"errorDescription\":\"guid : " GUID_A "\"}");
    api_test_assert_reply (bad_refresh, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"value\":\"1234\",\"msg\":\"Invalid value\","
                           "\"path\":\"guid\",\"location\":\"params\"}]}");
    g_assert_cmpuint (unknown_refresh->status, ==, SOUP_STATUS_NOT_FOUND);
    g_assert_cmpuint (g_bytes_get_size (unknown_refresh->body), ==, 0);
    api_test_assert_reply (bad_body, SOUP_STATUS_BAD_REQUEST,
                           "{\"errors\":[{\"type\":\"field\",\"value\":5,\"msg\":\"Invalid value\","
                           "\"path\":\"hostname\",\"location\":\"body\"}]}");
    api_test_assert_reply (no_token, SOUP_STATUS_UNAUTHORIZED, "{\"message\":\"Unauthorized\"}");
    g_assert_cmpuint (wrong_method->status, ==, SOUP_STATUS_NOT_FOUND);
  }

  assert_not_in_database (f);
  g_assert_cmpuint (g_atomic_int_get (&n_leaks), ==, 0);
}

/* ---- ciracert ------------------------------------------------------------------ */

static void
test_ciracert (Fixture       *f,
               gconstpointer  data)
{
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/ciracert");
    g_autoptr(ApiTestReply) gateway = api_test_get (&f->client, "/mps/api/v1/ciracert");
    g_autofree char *text = api_test_reply_text (reply);

    api_test_assert_reply (reply, SOUP_STATUS_OK, NULL);
    g_assert_cmpstr (soup_message_headers_get_one (reply->headers, "Content-Type"), ==,
                     "text/html; charset=utf-8");
    g_assert_true (g_str_has_prefix (text, "-----BEGIN CERTIFICATE-----"));
    g_assert_cmpstr (text, ==, ca.root_pem);
    api_test_assert_reply (gateway, SOUP_STATUS_OK, NULL);
  }

  /* Behind the gateway's token check. */
  {
    g_autoptr(ApiTestReply) reply = api_test_send (&f->client, "GET", "/api/v1/ciracert", NULL, NULL, -1, "",
                                                   FALSE);

    api_test_assert_reply (reply, SOUP_STATUS_UNAUTHORIZED, "{\"message\":\"Unauthorized\"}");
  }

  /* No listener, no root: the MPS's 500. */
  ob_api_server_set_mps_server (f->api, NULL);
  {
    g_autoptr(ApiTestReply) reply = api_test_get (&f->client, "/api/v1/ciracert");
    g_autoptr(ApiTestReply) disconnect = api_test_send_json (&f->client, "DELETE", "/api/v1/devices/disconnect/" GUID_A, NULL);

    api_test_assert_reply (reply, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                           "{\"error\":\"Internal Server Error\","
                           "\"errorDescription\":\"MPS root certificate does not exist\"}");
    api_test_assert_reply (disconnect, SOUP_STATUS_NOT_FOUND, NULL);
  }
  ob_api_server_set_mps_server (f->api, f->mps.server);
  g_assert_true (ob_api_server_get_mps_server (f->api) == f->mps.server);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Every message reaches the writer, which looks for passwords. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  hidden = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (log_writer, NULL, NULL);
  hide (AMT_PASSWORD);
  hide (API_PASSWORD);

  g_test_init (&argc, &argv, NULL);
  gtest_log_handler = g_log_set_default_handler (log_handler, NULL);

  cira_test_ca_init (&ca, MPS_NAME);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/api-cira/fleet", test_fleet);
  ADD ("/api-cira/stats-churn", test_stats_churn);
  ADD ("/api-cira/idle-channels", test_idle_channels);
  ADD ("/api-cira/live-last-seen", test_live_last_seen);
  ADD ("/api-cira/hostile", test_hostile);
  ADD ("/api-cira/ciracert", test_ciracert);

#undef ADD

  ret = g_test_run ();

  cira_test_ca_clear (&ca);
  g_mutex_lock (&hidden_lock);
  g_clear_pointer (&hidden, g_ptr_array_unref);
  g_mutex_unlock (&hidden_lock);
  return ret;
}
