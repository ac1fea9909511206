/* test-rps-flow.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The flow machinery without WebSockets: a scripted ObRpsTransport plays
 * the device (silent, always 401, or answering), so per-call and whole-
 * flow timeouts, cancellation, digest retries and the errors that name
 * their step can be checked exactly. */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ob-http-message.h"
#include "ob-rpc-message.h"
#include "ob-rps-deactivation.h"
#include "ob-rps-error.h"
#include "ob-rps-maintenance.h"
#include "ob-rps-transport.h"
#include "ob-secret-store-memory.h"
#include "ob-store.h"
#include "ob-wsman-message.h"

#define UUID "4c4c4544-0044-4a10-8052-b4c04f4e3132"
#define REALM "Digest:0123456789ABCDEF0123456789ABCDEF"

typedef enum
{
  DEVICE_SILENT,
  DEVICE_UNAUTHORIZED,
  DEVICE_ANSWERS,
} DeviceMode;

#define TEST_TYPE_TRANSPORT (test_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestTransport, test_transport, TEST, TRANSPORT, GObject)

struct _TestTransport
{
  GObject     parent_instance;
  DeviceMode  mode;
  GPtrArray  *requests;   /* GBytes */
  gint64      return_value;
};

static void test_transport_iface_init (ObRpsTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestTransport, test_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_RPS_TRANSPORT, test_transport_iface_init))

static void
test_transport_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_TRANSPORT (object)->requests);
  G_OBJECT_CLASS (test_transport_parent_class)->finalize (object);
}

static void
test_transport_class_init (TestTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_transport_finalize;
}

static void
test_transport_init (TestTransport *self)
{
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

static GBytes *
http_response (guint       status,
               const char *header,
               const char *value,
               const char *body)
{
  g_autoptr(ObHttpMessage) m = ob_http_message_new_response (status, NULL);
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  if (header != NULL)
    ob_http_message_append_header (m, header, value);
  ob_http_message_append_header (m, "Content-Type", "application/soap+xml; charset=UTF-8");
  ob_http_message_set_body_data (m, body != NULL ? body : "", -1);
  bytes = ob_http_message_serialize (m, 100, &error);
  g_assert_no_error (error);
  return bytes;
}

static gboolean
cancel_idle (gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable,
              GTask        *task)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, cancel_idle, g_object_ref (task), g_object_unref);
}

static void
transport_exchange_async (ObRpsTransport      *transport,
                          GBytes              *request,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  TestTransport *self = TEST_TRANSPORT (transport);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_ptr_array_add (self->requests, g_bytes_ref (request));
  switch (self->mode)
    {
    case DEVICE_SILENT:
      /* Answers only by being cancelled (the task lives in the handler). */
      g_assert_nonnull (cancellable);
      g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), g_object_ref (task), g_object_unref);
      break;
    case DEVICE_UNAUTHORIZED:
      g_task_return_pointer (task,
                             http_response (401, "WWW-Authenticate",
                                            "Digest realm=\"" REALM "\", nonce=\"abc\",stale=\"false\",qop=\"auth\"",
                                            "<html>Log on failed</html>"),
                             (GDestroyNotify) g_bytes_unref);
      break;
    case DEVICE_ANSWERS:
      {
        g_autoptr(ObHttpMessage) http = ob_rpc_parse_http_request (request, NULL);
        g_autoptr(ObWsmanRequest) parsed = NULL;
        g_autofree char *body = NULL;
        g_autofree char *envelope = NULL;
        g_autofree char *action = NULL;

        g_assert_nonnull (http);
        parsed = ob_wsman_request_parse (g_bytes_get_data (ob_http_message_get_body (http), NULL),
                                         g_bytes_get_size (ob_http_message_get_body (http)), NULL);
        g_assert_nonnull (parsed);
        body = ob_wsman_body_method_output (ob_wsman_request_get_class_name (parsed),
                                            ob_wsman_request_get_method (parsed), NULL, self->return_value);
        action = g_strconcat (ob_wsman_request_get_action (parsed), "Response", NULL);
        envelope = ob_wsman_build_response (action, ob_wsman_request_get_message_id (parsed), "1",
                                            ob_wsman_request_get_resource_uri (parsed), body);
        g_task_return_pointer (task, http_response (200, NULL, NULL, envelope), (GDestroyNotify) g_bytes_unref);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static GBytes *
transport_exchange_finish (ObRpsTransport  *transport,
                           GAsyncResult    *result,
                           GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_transport_iface_init (ObRpsTransportInterface *iface)
{
  iface->exchange_async = transport_exchange_async;
  iface->exchange_finish = transport_exchange_finish;
}

/* ---- Fixture -------------------------------------------------------------- */

typedef struct
{
  char            *dir;
  ObStore         *store;
  ObSecretStore   *secrets;
  ObRpsContext    *context;
  TestTransport   *transport;
  ObRpsWsman      *wsman;
  ObRpcClientInfo *info;
  GAsyncResult    *result;
  GPtrArray       *ended;
} Fixture;

static ObRpcClientInfo *
make_info (void)
{
  const char *json = "{\"client\":\"RPC\",\"ver\":\"16.1.27\",\"build\":\"3000\",\"uuid\":\"" UUID "\","
                     "\"currentMode\":1,\"password\":\"Adm1n!Pass\",\"hostname\":\"pc\"}";
  ObRpcClientInfo *info = ob_rpc_client_info_parse (json, strlen (json), "c", NULL);

  g_assert_nonnull (info);
  return info;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autoptr(ObDeviceRecord) record = ob_device_record_new (UUID);

  f->dir = g_dir_make_tmp ("outband-rps-flow-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (f->dir, "outband.db", NULL);
  f->store = ob_store_new_for_path (db, &error);
  g_assert_no_error (error);
  f->secrets = ob_secret_store_memory_new ();
  f->context = ob_rps_context_new (f->store, f->secrets, NULL);
  f->transport = g_object_new (TEST_TYPE_TRANSPORT, NULL);
  f->wsman = ob_rps_wsman_new (OB_RPS_TRANSPORT (f->transport), UUID);
  f->info = make_info ();
  f->ended = g_ptr_array_new_with_free_func (g_object_unref);
  g_assert_true (ob_store_insert_device (f->store, record, &error));
  g_assert_true (ob_secret_store_store_text_sync (f->secrets, OB_SECRET_OWNER_DEVICE, UUID,
                                                  OB_SECRET_KIND_AMT_PASSWORD, "Adm1n!Pass", NULL, NULL));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->dir, "outband.db", NULL);
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);
  g_autofree char *shm = g_strconcat (db, "-shm", NULL);

  g_clear_object (&f->result);
  g_clear_object (&f->wsman);
  g_clear_object (&f->transport);
  ob_rps_context_unref (f->context);
  ob_rpc_client_info_unref (f->info);
  g_clear_object (&f->store);
  g_clear_object (&f->secrets);
  g_ptr_array_unref (f->ended);
  g_unlink (db);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->dir);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *f = user_data;

  f->result = g_object_ref (result);
}

static void
on_step (ObRpsFlow *flow,
         ObRpsStep *step,
         Fixture   *f)
{
  g_ptr_array_add (f->ended, g_object_ref (step));
}

static gboolean
run (Fixture       *f,
     ObRpsFlow     *flow,
     GCancellable  *cancellable,
     GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_signal_connect (flow, "step", G_CALLBACK (on_step), f);
  ob_rps_flow_run_async (flow, cancellable, store_result, f);
  while (f->result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (f->result);
  return ob_rps_flow_run_finish (flow, f->result, error);
}

static ObRpsFlow *
deactivation (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ObRpsDeactivation *flow = ob_rps_deactivation_new (f->wsman, f->info, f->context, &error);

  g_assert_no_error (error);
  return OB_RPS_FLOW (flow);
}

static ObActivityEntry *
last_activity (Fixture *f)
{
  g_autoptr(GPtrArray) entries = ob_store_list_activity_entries (f->store, NULL, NULL, NULL);

  g_assert_nonnull (entries);
  g_assert_cmpuint (entries->len, >, 0);
  return g_object_ref (g_ptr_array_index (entries, 0));
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_call_timeout (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ObRpsFlow) flow = deactivation (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpsStep) step = NULL;
  g_autoptr(ObActivityEntry) entry = NULL;
  gint64 start = g_get_monotonic_time ();

  f->transport->mode = DEVICE_SILENT;
  ob_rps_wsman_set_timeout (f->wsman, 200);
  g_assert_false (run (f, flow, NULL, &error));
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_TIMEOUT);
  g_assert_true (g_str_has_prefix (error->message, "AMT_SetupAndConfigurationService.Unprovision: Gateway Timeout"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  g_assert_cmpuint (g_list_model_get_n_items (ob_rps_flow_get_steps (flow)), ==, 1);
  step = g_list_model_get_item (ob_rps_flow_get_steps (flow), 0);
  g_assert_cmpint (ob_rps_step_get_state (step), ==, OB_RPS_STEP_FAILED);
  g_assert_cmpuint (ob_rps_step_get_duration_ms (step), >=, 200);
  g_assert_cmpuint (f->ended->len, ==, 1);
  g_assert_true (g_ptr_array_index (f->ended, 0) == (gpointer) step);

  entry = last_activity (f);
  g_assert_cmpstr (ob_activity_entry_get_action (entry), ==, "deactivate");
  g_assert_cmpint (ob_activity_entry_get_result (entry), ==, OB_ACTIVITY_RESULT_FAILURE);
  g_assert_cmpstr (ob_activity_entry_get_device_guid (entry), ==, UUID);
  /* Nothing was deleted. */
  g_assert_nonnull (ob_store_get_device (f->store, UUID, NULL));
}

static void
test_flow_timeout (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ObRpsFlow) flow = deactivation (f);
  g_autoptr(GError) error = NULL;

  f->transport->mode = DEVICE_SILENT;
  ob_rps_flow_set_timeout (flow, 150);
  g_assert_false (run (f, flow, NULL, &error));
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==,
                   "AMT_SetupAndConfigurationService.Unprovision: The flow did not finish within 150 ms");
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(ObRpsFlow) flow = deactivation (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  f->transport->mode = DEVICE_SILENT;
  g_timeout_add (50, cancel_later, cancellable);
  g_assert_false (run (f, flow, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  if (!g_str_has_prefix (error->message, "AMT_SetupAndConfigurationService.Unprovision: "))
    g_printerr ("%s\n", error->message);
  g_assert_true (g_str_has_prefix (error->message, "AMT_SetupAndConfigurationService.Unprovision: "));
  g_assert_true (ob_rps_flow_get_finished (flow));
}

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ObRpsFlow) flow = deactivation (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  f->transport->mode = DEVICE_UNAUTHORIZED;
  g_assert_false (run (f, flow, NULL, &error));
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_AUTH_FAILED);
  g_assert_cmpstr (error->message, ==, "AMT_SetupAndConfigurationService.Unprovision: Unable to authenticate with AMT");
  /* Three tries: the first without Authorization, then with a digest for
   * admin, nc counting up. */
  g_assert_cmpuint (f->transport->requests->len, ==, 3);
  first = g_strndup (g_bytes_get_data (g_ptr_array_index (f->transport->requests, 0), NULL),
                     g_bytes_get_size (g_ptr_array_index (f->transport->requests, 0)));
  second = g_strndup (g_bytes_get_data (g_ptr_array_index (f->transport->requests, 1), NULL),
                      g_bytes_get_size (g_ptr_array_index (f->transport->requests, 1)));
  g_assert_null (strstr (first, "Authorization"));
  g_assert_nonnull (strstr (first, "Host: " UUID ":16992\r\n"));
  g_assert_nonnull (strstr (second, "Authorization: Digest username=\"admin\",realm=\"" REALM "\""));
  g_assert_nonnull (strstr (second, "nc=\"00000001\""));
  /* MessageIDs count from 0. */
  g_assert_nonnull (strstr (first, "<a:MessageID>0</a:MessageID>"));
  g_assert_nonnull (strstr (second, "<a:MessageID>1</a:MessageID>"));
}

static void
test_deactivate_ok (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ObRpsFlow) flow = deactivation (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObActivityEntry) entry = NULL;
  g_autofree char *status = NULL;

  f->transport->mode = DEVICE_ANSWERS;
  g_assert_true (run (f, flow, NULL, &error));
  g_assert_no_error (error);
  status = ob_rps_flow_dup_status_json (flow);
  g_assert_cmpstr (status, ==, "{\"Status\":\"Deactivated\"}");
  g_assert_null (ob_store_get_device (f->store, UUID, NULL));
  g_assert_null (ob_secret_store_lookup_text_sync (f->secrets, OB_SECRET_OWNER_DEVICE, UUID,
                                                   OB_SECRET_KIND_AMT_PASSWORD, NULL, NULL));
  entry = last_activity (f);
  g_assert_cmpint (ob_activity_entry_get_result (entry), ==, OB_ACTIVITY_RESULT_SUCCESS);
  g_assert_cmpuint (f->ended->len, ==, 2);
}

static void
test_device_refuses (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(ObRpsFlow) flow = deactivation (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  f->transport->mode = DEVICE_ANSWERS;
  f->transport->return_value = 16;  /* PT_STATUS_NOT_PERMITTED */
  g_assert_false (run (f, flow, NULL, &error));
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_DEVICE);
  g_assert_cmpstr (error->message, ==,
                   "AMT_SetupAndConfigurationService.Unprovision: Deactivation failed (ReturnValue 16)");
  status = ob_rps_flow_dup_status_json (flow);
  g_assert_cmpstr (status, ==, "{\"Status\":\"Deactivation failed\"}");
  g_assert_nonnull (ob_store_get_device (f->store, UUID, NULL));
}

static void
test_checks (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRpsDeactivation) flow = NULL;
  g_autoptr(ObRpsMaintenance) maintenance = NULL;
  g_autofree char *wrong = g_strdup ("Wr0ng!Pass");

  /* Wrong password, unless forced. */
  g_free (f->info->password);
  f->info->password = g_steal_pointer (&wrong);
  flow = ob_rps_deactivation_new (f->wsman, f->info, f->context, &error);
  g_assert_null (flow);
  g_assert_error (error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED);
  g_assert_cmpstr (error->message, ==, "AMT password DOES NOT match stored version for Device " UUID);
  g_clear_error (&error);
  f->info->force = TRUE;
  flow = ob_rps_deactivation_new (f->wsman, f->info, f->context, &error);
  g_assert_no_error (error);
  g_assert_nonnull (flow);

  /* Maintenance without what the task needs. */
  f->info->task = OB_RPC_TASK_SYNC_IP;
  maintenance = ob_rps_maintenance_new (f->wsman, f->info, f->context, "client-9", &error);
  g_assert_null (maintenance);
  g_assert_cmpstr (error->message, ==, "client-9 - missing ipConfiguration");
  g_clear_error (&error);
  f->info->task = OB_RPC_TASK_SYNC_HOSTNAME;
  maintenance = ob_rps_maintenance_new (f->wsman, f->info, f->context, "client-9", &error);
  g_assert_null (maintenance);
  g_assert_cmpstr (error->message, ==, "client-9 - missing HostnameInfo");
  g_clear_error (&error);

  /* A pre-provisioned device. */
  f->info->current_mode = 0;
  flow = ob_rps_deactivation_new (f->wsman, f->info, f->context, &error);
  g_assert_null (flow);
  g_assert_cmpstr (error->message, ==, "Device " UUID " is in pre-provisioning mode.");
}

static void
test_helpers (void)
{
  g_autofree char *hex = ob_rps_admin_password_hash_hex (REALM, "P@ssw0rd");
  g_autofree char *b64 = ob_rps_admin_password_hash_base64 (REALM, "P@ssw0rd");
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  guint8 raw[16];
  gsize len = sizeof raw;
  g_autofree char *expected_b64 = NULL;

  g_checksum_update (md5, (const guchar *) "admin:" REALM ":P@ssw0rd", -1);
  g_assert_cmpstr (hex, ==, g_checksum_get_string (md5));
  g_checksum_get_digest (md5, raw, &len);
  expected_b64 = g_base64_encode (raw, len);
  g_assert_cmpstr (b64, ==, expected_b64);

  g_assert_true (ob_rps_digest_realm_is_valid (REALM));
  g_assert_false (ob_rps_digest_realm_is_valid ("Digest:0123"));
  g_assert_false (ob_rps_digest_realm_is_valid ("Digest:0123456789ABCDEF0123456789ABCDEG"));
  g_assert_false (ob_rps_digest_realm_is_valid ("Basic:0123456789ABCDEF0123456789ABCDEF"));
  g_assert_false (ob_rps_digest_realm_is_valid (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rps-flow/helpers", test_helpers);
  g_test_add ("/rps-flow/call-timeout", Fixture, NULL, fixture_set_up, test_call_timeout, fixture_tear_down);
  g_test_add ("/rps-flow/flow-timeout", Fixture, NULL, fixture_set_up, test_flow_timeout, fixture_tear_down);
  g_test_add ("/rps-flow/cancel", Fixture, NULL, fixture_set_up, test_cancel, fixture_tear_down);
  g_test_add ("/rps-flow/unauthorized", Fixture, NULL, fixture_set_up, test_unauthorized, fixture_tear_down);
  g_test_add ("/rps-flow/deactivate", Fixture, NULL, fixture_set_up, test_deactivate_ok, fixture_tear_down);
  g_test_add ("/rps-flow/device-refuses", Fixture, NULL, fixture_set_up, test_device_refuses, fixture_tear_down);
  g_test_add ("/rps-flow/checks", Fixture, NULL, fixture_set_up, test_checks, fixture_tear_down);

  return g_test_run ();
}
