/* test-device.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-device.h"
#include "ob-device-private.h"
#include "ob-http-error.h"
#include "ob-lan-stream-source.h"
#include "ob-sim-fleet.h"
#include "ob-wsman-client.h"

#define PASSWORD "P@ssw0rd!"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static gboolean
refresh_sync (ObDevice  *device,
              GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_device_refresh_async (device, NULL, result_cb, &result);
  return ob_device_refresh_finish (device, wait_for (&result), error);
}

static gboolean
quit_cb (gpointer user_data)
{
  gboolean *done = user_data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

/* Let background work (an abandoned refresh) finish. */
static void
run_until_idle (ObDevice *device)
{
  gboolean done = FALSE;

  g_timeout_add (600, quit_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static ObDeviceRecord *
lan_record (const char *guid,
            const char *host,
            guint       port)
{
  ObDeviceRecord *record = ob_device_record_new (guid);

  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_LAN);
  ob_device_record_set_host (record, host);
  ob_device_record_set_hostname (record, host);
  ob_device_record_set_port (record, port);
  ob_device_record_set_use_tls (record, FALSE);
  ob_device_record_set_amt_username (record, "admin");

  return record;
}

static guint16
unused_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

typedef struct
{
  GPtrArray *names;
} NotifyLog;

static void
notify_log_cb (GObject    *object,
               GParamSpec *pspec,
               gpointer    user_data)
{
  NotifyLog *log = user_data;

  g_ptr_array_add (log->names, g_strdup (pspec->name));
}

static NotifyLog *
notify_log_new (gpointer object)
{
  NotifyLog *log = g_new0 (NotifyLog, 1);

  log->names = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (object, "notify", G_CALLBACK (notify_log_cb), log);
  return log;
}

static guint
notify_log_count (NotifyLog  *log,
                  const char *name)
{
  guint n = 0;

  for (guint i = 0; i < log->names->len; i++)
    if (g_str_equal (g_ptr_array_index (log->names, i), name))
      n++;
  return n;
}

static void
notify_log_free (NotifyLog *log)
{
  g_ptr_array_unref (log->names);
  g_free (log);
}

/* ------------------------------------------------------------------ */
/* Without a device                                                     */
/* ------------------------------------------------------------------ */

static void
test_platform_guid (void)
{
  struct {
    const char *in;
    const char *out;
  } cases[] = {
    /* SMBIOS order: the first three fields arrive little-endian. */
    { "33221100554477668899AABBCCDDEEFF", "00112233-4455-6677-8899-aabbccddeeff" },
    { "33221100554477668899aabbccddeeff", "00112233-4455-6677-8899-aabbccddeeff" },
    { " 33221100554477668899AABBCCDDEEFF\n", "00112233-4455-6677-8899-aabbccddeeff" },
    /* A dashed UUID is already in the display order. */
    { "00112233-4455-6677-8899-AABBCCDDEEFF", "00112233-4455-6677-8899-aabbccddeeff" },
    { "00000000000000000000000000000000", NULL },
    { "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", NULL },
    { "3322110055447766889", NULL },
    { "33221100554477668899AABBCCDDEEFG", NULL },
    { "33221100554477668899AABBCCDDEEFF00", NULL },
    { "", NULL },
    { NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *guid = _ob_device_guid_from_platform_guid (cases[i].in);

      g_assert_cmpstr (guid, ==, cases[i].out);
    }
}

static void
test_enums (void)
{
  g_assert_cmpstr (ob_device_reachability_to_string (OB_DEVICE_REACHABILITY_AUTH_FAILED), ==,
                   "auth-failed");
  g_assert_cmpstr (ob_device_control_mode_to_string (OB_DEVICE_CONTROL_MODE_ACM), ==, "acm");
  g_assert_cmpstr (ob_device_control_mode_to_open_amt (OB_DEVICE_CONTROL_MODE_CCM), ==, "1");
  g_assert_cmpstr (ob_device_control_mode_to_open_amt (OB_DEVICE_CONTROL_MODE_ACM), ==, "2");
  g_assert_cmpstr (ob_device_control_mode_to_open_amt (OB_DEVICE_CONTROL_MODE_PRE_PROVISIONED),
                   ==, "0");
  g_assert_true (G_TYPE_IS_ENUM (OB_TYPE_DEVICE_REACHABILITY));
  g_assert_true (G_TYPE_IS_ENUM (OB_TYPE_DEVICE_CONTROL_MODE));
}

static void
test_construct_lan (void)
{
  g_autoptr(ObDeviceRecord) record = lan_record ("8C4F2B7A-0D1E-4F60-9A3B-5C6D7E8F9012",
                                                 "192.0.2.7", 0);
  g_autoptr(ObDevice) device = NULL;
  ObStreamSource *transport;
  ObWsmanClient *client;
  const char * const tags[] = { "lab", "rack-2", NULL };

  ob_device_record_set_tags (record, tags);
  ob_device_record_set_use_tls (record, TRUE);
  ob_device_record_set_pinned_fingerprint (record,
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  ob_device_record_set_legacy_tls (record, TRUE);
  device = ob_device_new (record, PASSWORD, NULL);

  g_assert_cmpstr (ob_device_get_guid (device), ==, "8C4F2B7A-0D1E-4F60-9A3B-5C6D7E8F9012");
  /* No friendly name: the host. */
  g_assert_cmpstr (ob_device_get_name (device), ==, "192.0.2.7");
  g_assert_cmpstr (ob_device_get_host (device), ==, "192.0.2.7");
  /* Port 0 in the record: the standard TLS port. */
  g_assert_cmpuint (ob_device_get_port (device), ==, 16993);
  g_assert_true (ob_device_get_use_tls (device));
  g_assert_cmpint (ob_device_get_transport (device), ==, OB_DEVICE_TRANSPORT_LAN);
  g_assert_true (g_strv_equal (ob_device_get_tags (device), tags));
  g_assert_cmpstr (ob_device_get_username (device), ==, "admin");
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNKNOWN);
  g_assert_cmpint (ob_device_get_control_mode (device), ==, OB_DEVICE_CONTROL_MODE_UNKNOWN);
  g_assert_cmpuint (ob_device_get_power_state (device), ==, 0);
  g_assert_null (ob_device_get_amt_version (device));
  g_assert_null (ob_device_get_last_error (device));
  g_assert_null (ob_device_get_last_refreshed (device));
  g_assert_false (ob_device_get_busy (device));

  /* The LAN transport was made from the record. */
  transport = ob_device_get_transport_source (device);
  g_assert_true (OB_IS_LAN_STREAM_SOURCE (transport));
  g_assert_cmpstr (ob_lan_stream_source_get_host (OB_LAN_STREAM_SOURCE (transport)), ==,
                   "192.0.2.7");
  g_assert_true (ob_lan_stream_source_get_use_tls (OB_LAN_STREAM_SOURCE (transport)));
  g_assert_true (ob_lan_stream_source_get_legacy_tls (OB_LAN_STREAM_SOURCE (transport)));
  g_assert_cmpstr (ob_lan_stream_source_get_pinned_fingerprint (OB_LAN_STREAM_SOURCE (transport)),
                   ==, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

  client = ob_device_get_wsman_client (device);
  g_assert_true (OB_IS_WSMAN_CLIENT (client));
  g_assert_true (ob_device_get_wsman_client (device) == client);
  g_assert_cmpuint (ob_wsman_client_get_port (client), ==, 16993);
  g_assert_cmpstr (ob_wsman_client_get_host_header (client), ==, "192.0.2.7:16993");
  g_assert_cmpstr (ob_wsman_client_get_username (client), ==, "admin");
  g_assert_true (ob_wsman_client_get_source (client) == transport);

  /* The device is a stream source too. */
  g_assert_true (OB_IS_STREAM_SOURCE (device));
}

static void
test_ipv6_host_header (void)
{
  g_autoptr(ObDeviceRecord) record = lan_record ("6a0d3c1e-57f4-4b8e-9d2a-1f3e5a7c9b0d",
                                                 "fd00::17", 16992);
  g_autoptr(ObDevice) device = ob_device_new (record, PASSWORD, NULL);
  ObWsmanClient *client = ob_device_get_wsman_client (device);

  g_assert_cmpstr (ob_wsman_client_get_host_header (client), ==, "[fd00::17]:16992");
}

static void
test_record_changes (void)
{
  g_autoptr(ObDeviceRecord) record = lan_record ("5b1e9f20-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
                                                 "192.0.2.8", 16992);
  g_autoptr(ObDevice) device = ob_device_new (record, PASSWORD, NULL);
  g_autoptr(ObDeviceRecord) copy = NULL;
  g_autoptr(ObDeviceRecord) moved = NULL;
  NotifyLog *log = notify_log_new (device);
  ObWsmanClient *client = ob_device_get_wsman_client (device);
  ObStreamSource *transport = ob_device_get_transport_source (device);
  const char * const tags[] = { "east", NULL };
  g_autoptr(ObWsmanClient) old_client = g_object_ref (client);

  /* The same record again: nothing changes, nothing is notified. */
  copy = ob_device_dup_record (device);
  ob_device_set_record (device, copy);
  g_assert_cmpuint (log->names->len, ==, 0);
  g_assert_true (ob_device_get_wsman_client (device) == client);

  /* A friendly name renames the device; tags change; the client stays. */
  ob_device_record_set_friendly_name (copy, "Front desk");
  ob_device_record_set_tags (copy, tags);
  ob_device_set_record (device, copy);
  g_assert_cmpstr (ob_device_get_name (device), ==, "Front desk");
  g_assert_cmpuint (notify_log_count (log, "name"), ==, 1);
  g_assert_cmpuint (notify_log_count (log, "tags"), ==, 1);
  g_assert_cmpuint (notify_log_count (log, "host"), ==, 0);
  g_assert_true (ob_device_get_wsman_client (device) == client);

  /* A new host: a new transport and a new client.  Holders of the old
   * client keep a working object. */
  moved = ob_device_dup_record (device);
  ob_device_record_set_host (moved, "192.0.2.9");
  ob_device_set_record (device, moved);
  g_assert_cmpstr (ob_device_get_host (device), ==, "192.0.2.9");
  g_assert_cmpuint (notify_log_count (log, "host"), ==, 1);
  g_assert_cmpuint (notify_log_count (log, "transport-source"), ==, 1);
  g_assert_true (ob_device_get_transport_source (device) != transport);
  g_assert_true (ob_device_get_wsman_client (device) != old_client);
  g_assert_cmpstr (ob_wsman_client_get_host_header (ob_device_get_wsman_client (device)), ==,
                   "192.0.2.9:16992");
  g_assert_true (OB_IS_WSMAN_CLIENT (old_client));
  /* The friendly name still wins over the host. */
  g_assert_cmpuint (notify_log_count (log, "name"), ==, 1);

  /* Device info found by a refresh goes into the copies. */
  g_assert_null (ob_device_record_get_fw_version (moved));

  notify_log_free (log);
}

static void
test_report_result (void)
{
  g_autoptr(ObDeviceRecord) record = lan_record ("1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
                                                 "192.0.2.10", 16992);
  g_autoptr(ObDevice) device = ob_device_new (record, PASSWORD, NULL);
  NotifyLog *log = notify_log_new (device);
  g_autoptr(GError) refused = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                                                   "Could not connect: refused");
  g_autoptr(GError) auth = g_error_new_literal (OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED,
                                                "Wrong user name or password");
  g_autoptr(GError) fault = g_error_new_literal (OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT,
                                                 "wsa:ActionNotSupported: no such action");
  g_autoptr(GError) timeout = g_error_new_literal (OB_WSMAN_ERROR, OB_WSMAN_ERROR_TIMEOUT,
                                                   "No answer within 10 seconds");
  g_autoptr(GError) closed = g_error_new_literal (OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED,
                                                  "The device closed the connection");
  g_autoptr(GError) mismatch = g_error_new_literal (OB_DEVICE_ERROR,
                                                    OB_DEVICE_ERROR_CERTIFICATE_MISMATCH,
                                                    "Certificate changed");
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     "Cancelled");

  ob_device_report_result (device, refused);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_assert_cmpstr (ob_device_get_last_error (device), ==, refused->message);

  /* The same outcome again is no change. */
  ob_device_report_result (device, refused);
  g_assert_cmpuint (notify_log_count (log, "reachability"), ==, 1);
  g_assert_cmpuint (notify_log_count (log, "last-error"), ==, 1);

  ob_device_report_result (device, auth);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_AUTH_FAILED);
  g_assert_cmpstr (ob_device_get_last_error (device), ==, "Wrong user name or password");

  /* A fault is an answer: the device is there. */
  ob_device_report_result (device, fault);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_REACHABLE);
  g_assert_cmpstr (ob_device_get_last_error (device), ==, fault->message);

  ob_device_report_result (device, timeout);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  ob_device_report_result (device, NULL);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_REACHABLE);
  g_assert_null (ob_device_get_last_error (device));
  ob_device_report_result (device, closed);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  ob_device_report_result (device, mismatch);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_assert_cmpstr (ob_device_get_last_error (device), ==, "Certificate changed");

  /* Cancelling says nothing about the device. */
  ob_device_report_result (device, cancelled);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_assert_cmpstr (ob_device_get_last_error (device), ==, "Certificate changed");

  notify_log_free (log);
}

static void
test_busy (void)
{
  g_autoptr(ObDeviceRecord) record = lan_record ("2a3b4c5d-6e7f-4809-9a1b-2c3d4e5f6a7b",
                                                 "192.0.2.11", 16992);
  g_autoptr(ObDevice) device = ob_device_new (record, PASSWORD, NULL);
  NotifyLog *log = notify_log_new (device);

  ob_device_hold_busy (device);
  ob_device_hold_busy (device);
  g_assert_true (ob_device_get_busy (device));
  ob_device_release_busy (device);
  g_assert_true (ob_device_get_busy (device));
  ob_device_release_busy (device);
  g_assert_false (ob_device_get_busy (device));
  g_assert_cmpuint (notify_log_count (log, "busy"), ==, 2);

  ob_device_set_power_state (device, 2);
  ob_device_set_power_state (device, 2);
  g_assert_cmpuint (ob_device_get_power_state (device), ==, 2);
  g_assert_cmpuint (notify_log_count (log, "power-state"), ==, 1);

  notify_log_free (log);
}

static void
test_cira_without_transport (void)
{
  g_autoptr(ObDeviceRecord) record = ob_device_record_new ("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(ObLanStreamSource) lan = NULL;

  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  ob_device_record_set_hostname (record, "cira-box");
  device = ob_device_new (record, PASSWORD, NULL);

  g_assert_cmpint (ob_device_get_transport (device), ==, OB_DEVICE_TRANSPORT_CIRA);
  g_assert_null (ob_device_get_transport_source (device));
  g_assert_null (ob_device_get_wsman_client (device));

  ob_stream_source_open_stream_async (OB_STREAM_SOURCE (device), 16992, NULL, result_cb,
                                      &result);
  stream = ob_stream_source_open_stream_finish (OB_STREAM_SOURCE (device),
                                                wait_for (&result), &error);
  g_assert_null (stream);
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  g_assert_false (refresh_sync (device, &error));
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_clear_error (&error);

  /* A transport plugs in later (the CIRA channel opener); the client is
   * made on it, addressed by GUID and port 16992 as the MPS does (16993 is
   * never used inside a CIRA tunnel, whatever the record's TLS setting). */
  lan = ob_lan_stream_source_new ("127.0.0.1");
  ob_device_set_transport_source (device, OB_STREAM_SOURCE (lan));
  g_assert_true (ob_device_get_transport_source (device) == OB_STREAM_SOURCE (lan));
  g_assert_nonnull (ob_device_get_wsman_client (device));
  g_assert_cmpstr (ob_wsman_client_get_host_header (ob_device_get_wsman_client (device)), ==,
                   "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f:16992");
  g_assert_cmpuint (ob_device_get_port (device), ==, 16992);
}

static void
test_unreachable (void)
{
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port = unused_port ();
  NotifyLog *log;

  record = lan_record ("4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a", "127.0.0.1", port);
  device = ob_device_new (record, PASSWORD, NULL);
  log = notify_log_new (device);

  g_assert_false (refresh_sync (device, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_assert_nonnull (ob_device_get_last_error (device));
  g_assert_nonnull (strstr (ob_device_get_last_error (device), "refused"));
  g_assert_null (ob_device_get_last_refreshed (device));
  g_assert_false (ob_device_get_busy (device));
  /* busy went up and down once. */
  g_assert_cmpuint (notify_log_count (log, "busy"), ==, 2);

  notify_log_free (log);
}

static void
test_shared_refresh (void)
{
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  NotifyLog *log;

  record = lan_record ("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", "127.0.0.1", unused_port ());
  device = ob_device_new (record, PASSWORD, NULL);
  log = notify_log_new (device);

  /* Three callers, one refresh: busy goes up once.  The third caller
   * cancels and gets its answer without ending the others' refresh. */
  ob_device_refresh_async (device, NULL, result_cb, &r1);
  ob_device_refresh_async (device, NULL, result_cb, &r2);
  ob_device_refresh_async (device, cancellable, result_cb, &r3);
  g_assert_true (ob_device_get_busy (device));
  g_cancellable_cancel (cancellable);

  g_assert_false (ob_device_refresh_finish (device, wait_for (&r3), &e3));
  g_assert_error (e3, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (ob_device_refresh_finish (device, wait_for (&r1), &e1));
  g_assert_false (ob_device_refresh_finish (device, wait_for (&r2), &e2));
  g_assert_error (e1, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_error (e2, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpuint (notify_log_count (log, "busy"), ==, 2);
  g_assert_false (ob_device_get_busy (device));

  notify_log_free (log);
}

static void
test_cancel_refresh (void)
{
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  /* A black-hole address: the connection attempt hangs until cancelled. */
  record = lan_record ("6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c", "192.0.2.1", 16992);
  device = ob_device_new (record, PASSWORD, NULL);

  ob_device_refresh_async (device, cancellable, result_cb, &result);
  g_cancellable_cancel (cancellable);
  g_assert_false (ob_device_refresh_finish (device, wait_for (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Cancelling is not a verdict on the device. */
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_UNKNOWN);

  /* The cancelled refresh finishes in the background; busy drops then. */
  while (ob_device_get_busy (device))
    g_main_context_iteration (NULL, TRUE);
}

/* ------------------------------------------------------------------ */
/* Against the simulator                                                */
/* ------------------------------------------------------------------ */

typedef struct
{
  ObSimFleet  *fleet;
  ObSimDevice *sim;
  ObDevice    *device;
} SimFixture;

static ObDevice *
device_for_sim (ObSimDevice *sim,
                gboolean     use_tls,
                const char  *pin,
                const char  *password)
{
  g_autoptr(ObDeviceRecord) record = NULL;

  record = lan_record (ob_sim_device_get_guid (sim), "127.0.0.1",
                       use_tls ? ob_sim_device_get_tls_port (sim)
                               : ob_sim_device_get_http_port (sim));
  ob_device_record_set_use_tls (record, use_tls);
  ob_device_record_set_pinned_fingerprint (record, pin);

  return ob_device_new (record, password, NULL);
}

static void
sim_set_up (SimFixture    *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->fleet = ob_sim_fleet_new ();
  fixture->sim = ob_sim_fleet_add_device (fixture->fleet, "127.0.0.1", 0, OB_SIM_PORT_ANY,
                                          PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->sim);
  fixture->device = device_for_sim (fixture->sim, FALSE, NULL, PASSWORD);
}

static void
sim_tear_down (SimFixture    *fixture,
               gconstpointer  data)
{
  g_assert_finalize_object (fixture->device);
  g_clear_object (&fixture->fleet);
}

static const char *
sim_consent (ObSimDevice *sim)
{
  switch (ob_sim_device_get_opt_in_required (sim))
    {
    case OB_SIM_OPT_IN_NONE:
      return "none";
    case OB_SIM_OPT_IN_KVM:
      return "kvm";
    default:
      return "all";
    }
}

static void
assert_matches_sim (ObDevice    *device,
                    ObSimDevice *sim)
{
  g_autofree char *sku = g_strdup_printf ("%u", ob_sim_device_get_sku (sim));

  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_REACHABLE);
  g_assert_null (ob_device_get_last_error (device));
  g_assert_nonnull (ob_device_get_last_refreshed (device));
  g_assert_cmpstr (ob_device_get_amt_version (device), ==, ob_sim_device_get_amt_version (sim));
  g_assert_cmpstr (ob_device_get_amt_build (device), ==, ob_sim_device_get_build_number (sim));
  g_assert_cmpstr (ob_device_get_sku (device), ==, sku);
  g_assert_cmpuint (ob_device_get_power_state (device), ==, ob_sim_device_get_power_state (sim));
  g_assert_cmpuint (ob_device_get_os_power_saving_state (device), ==,
                    ob_sim_device_get_os_power_saving_state (sim));
  g_assert_cmpint (ob_device_get_sol_enabled (device), ==, ob_sim_device_get_sol_enabled (sim));
  g_assert_cmpint (ob_device_get_ider_enabled (device), ==, ob_sim_device_get_ider_enabled (sim));
  g_assert_cmpint (ob_device_get_kvm_enabled (device), ==, ob_sim_device_get_kvm_enabled (sim));
  g_assert_cmpstr (ob_device_get_user_consent (device), ==, sim_consent (sim));
}

static void
test_sim_refresh (SimFixture    *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  NotifyLog *log = notify_log_new (fixture->device);

  g_assert_true (refresh_sync (fixture->device, &error));
  g_assert_no_error (error);
  assert_matches_sim (fixture->device, fixture->sim);
  g_assert_nonnull (ob_device_get_amt_version (fixture->device));
  g_assert_cmpuint (ob_device_get_power_state (fixture->device), !=, 0);
  g_assert_cmpuint (notify_log_count (log, "amt-version"), ==, 1);
  g_assert_cmpuint (notify_log_count (log, "reachability"), ==, 1);

  /* The record carries Open AMT's deviceInfo now. */
  record = ob_device_dup_record (fixture->device);
  g_assert_cmpstr (ob_device_record_get_fw_version (record), ==,
                   ob_sim_device_get_amt_version (fixture->sim));
  g_assert_cmpstr (ob_device_record_get_fw_build (record), ==,
                   ob_sim_device_get_build_number (fixture->sim));
  g_assert_nonnull (ob_device_record_get_device_info_updated (record));

  /* Nothing changed on the device: the second refresh notifies only the
   * time and busy. */
  g_ptr_array_set_size (log->names, 0);
  g_assert_true (refresh_sync (fixture->device, &error));
  for (guint i = 0; i < log->names->len; i++)
    {
      const char *name = g_ptr_array_index (log->names, i);

      g_assert_true (g_str_equal (name, "last-refreshed") || g_str_equal (name, "busy"));
    }
  g_assert_cmpuint (notify_log_count (log, "last-refreshed"), ==, 1);

  /* The device goes off: the next refresh sees it, notified once. */
  g_ptr_array_set_size (log->names, 0);
  ob_sim_device_set_power_state (fixture->sim, OB_SIM_POWER_OFF_SOFT);
  g_assert_true (refresh_sync (fixture->device, &error));
  g_assert_cmpuint (ob_device_get_power_state (fixture->device), ==, OB_SIM_POWER_OFF_SOFT);
  g_assert_cmpuint (notify_log_count (log, "power-state"), ==, 1);

  notify_log_free (log);
}

static void
test_sim_control_mode (SimFixture    *fixture,
                       gconstpointer  data)
{
  struct {
    ObSimControlMode    sim;
    ObDeviceControlMode expected;
  } cases[] = {
    { OB_SIM_CONTROL_MODE_ACM, OB_DEVICE_CONTROL_MODE_ACM },
    { OB_SIM_CONTROL_MODE_CCM, OB_DEVICE_CONTROL_MODE_CCM },
    { OB_SIM_CONTROL_MODE_PRE_PROVISIONING, OB_DEVICE_CONTROL_MODE_PRE_PROVISIONED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObDeviceRecord) record = NULL;

      ob_sim_device_set_control_mode (fixture->sim, cases[i].sim);
      g_assert_true (refresh_sync (fixture->device, &error));
      g_assert_no_error (error);
      g_assert_cmpint (ob_device_get_control_mode (fixture->device), ==, cases[i].expected);
      record = ob_device_dup_record (fixture->device);
      g_assert_cmpstr (ob_device_record_get_current_mode (record), ==,
                       ob_device_control_mode_to_open_amt (cases[i].expected));
    }
}

static void
test_sim_wrong_password (SimFixture    *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObDevice) device = device_for_sim (fixture->sim, FALSE, NULL, "not-the-password");

  g_assert_false (refresh_sync (device, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
  g_assert_cmpint (ob_device_get_reachability (device), ==, OB_DEVICE_REACHABILITY_AUTH_FAILED);
  g_assert_nonnull (ob_device_get_last_error (device));
  g_assert_null (ob_device_get_amt_version (device));
  g_clear_error (&error);

  /* The admin fixes the password: the same device works. */
  ob_device_set_password (device, PASSWORD);
  g_assert_true (refresh_sync (device, &error));
  g_assert_no_error (error);
  assert_matches_sim (device, fixture->sim);
}

static void
test_sim_tls (SimFixture    *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *sim_fingerprint = NULL;
  g_autoptr(ObDevice) pinned = NULL;
  g_autoptr(ObDevice) wrong = NULL;
  g_autoptr(ObDevice) unpinned = NULL;
  ObSimWsmanServer *server = ob_sim_fleet_get_server (fixture->fleet, fixture->sim);

  /* Trust on first use: read the certificate, then pin it. */
  ob_lan_stream_source_probe_certificate_async ("127.0.0.1", ob_sim_device_get_tls_port (fixture->sim),
                                                5, NULL, result_cb, &result);
  g_assert_true (ob_lan_stream_source_probe_certificate_finish (wait_for (&result), &fingerprint,
                                                                NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  sim_fingerprint = ob_sim_wsman_server_dup_certificate_fingerprint (server);
  g_assert_cmpstr (fingerprint, ==, sim_fingerprint);

  pinned = device_for_sim (fixture->sim, TRUE, fingerprint, PASSWORD);
  g_assert_true (refresh_sync (pinned, &error));
  g_assert_no_error (error);
  assert_matches_sim (pinned, fixture->sim);

  wrong = device_for_sim (fixture->sim, TRUE,
                          "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                          PASSWORD);
  g_assert_false (refresh_sync (wrong, &error));
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_MISMATCH);
  g_assert_cmpint (ob_device_get_reachability (wrong), ==, OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_clear_error (&error);

  unpinned = device_for_sim (fixture->sim, TRUE, NULL, PASSWORD);
  g_assert_false (refresh_sync (unpinned, &error));
  g_assert_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED);
}

static void
test_sim_guid (SimFixture    *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *guid = NULL;
  g_autofree char *expected = g_ascii_strdown (ob_sim_device_get_guid (fixture->sim), -1);

  _ob_device_fetch_guid_async (fixture->device, NULL, result_cb, &result);
  guid = _ob_device_fetch_guid_finish (fixture->device, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (guid, ==, expected);
}

static gboolean
stop_fleet_cb (gpointer user_data)
{
  ob_sim_fleet_stop (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_sim_vanishes (SimFixture    *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (refresh_sync (fixture->device, &error));
  g_assert_cmpint (ob_device_get_reachability (fixture->device), ==,
                   OB_DEVICE_REACHABILITY_REACHABLE);

  /* A slow device that goes away in the middle of the refresh. */
  ob_sim_fleet_set_latency_ms (fixture->fleet, 300);
  g_timeout_add (100, stop_fleet_cb, fixture->fleet);
  g_assert_false (refresh_sync (fixture->device, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (ob_device_get_reachability (fixture->device), ==,
                   OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_assert_nonnull (ob_device_get_last_error (fixture->device));
  g_test_message ("vanished: %s", error->message);
  g_clear_error (&error);

  /* And stays away: a plain refused connection now. */
  g_assert_false (refresh_sync (fixture->device, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_false (ob_device_get_busy (fixture->device));
}

static void
test_sim_slow (SimFixture    *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ObWsmanClient *client = ob_device_get_wsman_client (fixture->device);
  gint64 start;

  /* Slower than the client's timeout: unreachable, in bounded time. */
  ob_wsman_client_set_timeout (client, 300);
  ob_sim_fleet_set_latency_ms (fixture->fleet, 1000);
  start = g_get_monotonic_time ();
  g_assert_false (refresh_sync (fixture->device, &error));
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_TIMEOUT);
  g_assert_cmpint (ob_device_get_reachability (fixture->device), ==,
                   OB_DEVICE_REACHABILITY_UNREACHABLE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* Slow but within the timeout: fine. */
  ob_wsman_client_set_timeout (client, 5000);
  ob_sim_fleet_set_latency_ms (fixture->fleet, 50);
  g_assert_true (refresh_sync (fixture->device, &error));
  g_assert_no_error (error);
  assert_matches_sim (fixture->device, fixture->sim);
}

static void
test_sim_cancel_then_refresh (SimFixture    *fixture,
                              gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GError) error = NULL;
  NotifyLog *log = notify_log_new (fixture->device);

  /* The admin leaves the page (cancel) and comes back at once: the new
   * refresh must not inherit the cancelled one. */
  ob_sim_fleet_set_latency_ms (fixture->fleet, 200);
  ob_device_refresh_async (fixture->device, cancellable, result_cb, &first);
  g_cancellable_cancel (cancellable);
  g_assert_false (ob_device_refresh_finish (fixture->device, wait_for (&first), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_true (refresh_sync (fixture->device, &error));
  g_assert_no_error (error);
  assert_matches_sim (fixture->device, fixture->sim);

  /* The abandoned refresh winds down without touching the device. */
  run_until_idle (fixture->device);
  g_assert_false (ob_device_get_busy (fixture->device));
  g_assert_cmpuint (notify_log_count (log, "busy") % 2, ==, 0);

  notify_log_free (log);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/device/platform-guid", test_platform_guid);
  g_test_add_func ("/device/enums", test_enums);
  g_test_add_func ("/device/construct-lan", test_construct_lan);
  g_test_add_func ("/device/ipv6-host-header", test_ipv6_host_header);
  g_test_add_func ("/device/record-changes", test_record_changes);
  g_test_add_func ("/device/report-result", test_report_result);
  g_test_add_func ("/device/busy", test_busy);
  g_test_add_func ("/device/cira-without-transport", test_cira_without_transport);
  g_test_add_func ("/device/unreachable", test_unreachable);
  g_test_add_func ("/device/shared-refresh", test_shared_refresh);
  g_test_add_func ("/device/cancel-refresh", test_cancel_refresh);

#define ADD_SIM(path, func) \
  g_test_add ("/device/sim/" path, SimFixture, NULL, sim_set_up, func, sim_tear_down)

  ADD_SIM ("refresh", test_sim_refresh);
  ADD_SIM ("control-mode", test_sim_control_mode);
  ADD_SIM ("wrong-password", test_sim_wrong_password);
  ADD_SIM ("tls", test_sim_tls);
  ADD_SIM ("guid", test_sim_guid);
  ADD_SIM ("vanishes", test_sim_vanishes);
  ADD_SIM ("slow", test_sim_slow);
  ADD_SIM ("cancel-then-refresh", test_sim_cancel_then_refresh);

#undef ADD_SIM

  return g_test_run ();
}
