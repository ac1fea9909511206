/* test-amt-calls.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-alarms.h"
#include "ob-amt-features.h"
#include "ob-amt-hardware.h"
#include "ob-amt-identity.h"
#include "ob-amt-log-reader.h"
#include "ob-amt-logs.h"
#include "ob-amt-power.h"
#include "ob-amt-status.h"
#include "ob-http-error.h"
#include "ob-sim-device.h"
#include "ob-sim-fleet.h"
#include "ob-wsman-client.h"

#define AMT_USER     "admin"
#define AMT_PASSWORD "P@ssw0rd-Sim1"

/* A stream source for the test: TCP to 127.0.0.1, optionally TLS that
 * accepts the simulator's self-signed certificate. */

#define TEST_TYPE_SOURCE (test_source_get_type ())
G_DECLARE_FINAL_TYPE (TestSource, test_source, TEST, SOURCE, GObject)

struct _TestSource
{
  GObject   parent_instance;
  gboolean  tls;
  guint     n_opened;
};

static void test_source_iface_init (ObStreamSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestSource, test_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_STREAM_SOURCE, test_source_iface_init))

static gboolean
accept_any_certificate (GTlsConnection       *connection,
                        GTlsCertificate      *peer_cert,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (object), g_object_unref);
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestSource *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) tls = NULL;
  GCancellable *cancellable;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (!self->tls)
    {
      g_task_return_pointer (task, g_steal_pointer (&connection), g_object_unref);
      return;
    }

  tls = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, &error);
  if (tls == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  cancellable = g_task_get_cancellable (task);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    cancellable, handshake_cb, g_steal_pointer (&task));
}

static void
test_source_open_stream_async (ObStreamSource      *source,
                               guint                port,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  TestSource *self = TEST_SOURCE (source);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = g_network_address_new ("127.0.0.1", port);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  self->n_opened++;
  g_socket_client_connect_async (client, address, cancellable, connect_cb, task);
}

static GIOStream *
test_source_open_stream_finish (ObStreamSource  *source,
                                GAsyncResult    *result,
                                GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_source_iface_init (ObStreamSourceInterface *iface)
{
  iface->open_stream_async = test_source_open_stream_async;
  iface->open_stream_finish = test_source_open_stream_finish;
}

static void
test_source_class_init (TestSourceClass *klass)
{
}

static void
test_source_init (TestSource *self)
{
}

/* Fixture: one simulated device and a client for it. */

typedef struct
{
  ObSimFleet    *fleet;
  ObSimDevice   *device;
  TestSource    *source;
  ObWsmanClient *client;
} Fixture;

static ObWsmanClient *
make_client (Fixture    *f,
             gboolean    tls,
             const char *password)
{
  guint port = tls ? ob_sim_device_get_tls_port (f->device) : ob_sim_device_get_http_port (f->device);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", port);
  ObWsmanClient *client;

  g_clear_object (&f->source);
  f->source = g_object_new (TEST_TYPE_SOURCE, NULL);
  f->source->tls = tls;
  client = ob_wsman_client_new (OB_STREAM_SOURCE (f->source), port, host, AMT_USER, password);
  return client;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  gboolean tls = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;

  f->fleet = ob_sim_fleet_new ();
  f->device = ob_sim_fleet_add_device (f->fleet, "127.0.0.1", 0, tls ? OB_SIM_PORT_ANY : 0,
                                       AMT_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->device);
  g_object_ref (f->device);
  g_assert_cmpuint (ob_sim_device_get_http_port (f->device), >, 0);
  if (tls)
    g_assert_cmpuint (ob_sim_device_get_tls_port (f->device), >, 0);

  f->client = make_client (f, tls, AMT_PASSWORD);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->client);
  g_clear_object (&f->source);
  g_clear_object (&f->device);
  g_clear_object (&f->fleet);
}

/* Running an async call to its end */

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static void
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

/* JSON access by a dotted path; numeric parts index arrays. */
static JsonNode *
jget (JsonNode   *node,
      const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; node != NULL && parts[i] != NULL; i++)
    {
      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      else if (JSON_NODE_HOLDS_ARRAY (node) && g_ascii_isdigit (parts[i][0]))
        {
          JsonArray *array = json_node_get_array (node);
          guint index = (guint) g_ascii_strtoull (parts[i], NULL, 10);

          node = index < json_array_get_length (array) ? json_array_get_element (array, index) : NULL;
        }
      else
        node = NULL;
    }

  return node;
}

static gint64
jint (JsonNode   *node,
      const char *path)
{
  JsonNode *value = jget (node, path);

  g_assert_nonnull (value);
  g_assert_true (JSON_NODE_HOLDS_VALUE (value));
  if (json_node_get_value_type (value) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (value), NULL, 10);
  return json_node_get_int (value);
}

static const char *
jstr (JsonNode   *node,
      const char *path)
{
  JsonNode *value = jget (node, path);

  g_assert_nonnull (value);
  g_assert_true (JSON_NODE_HOLDS_VALUE (value));
  return json_node_get_string (value);
}

static gboolean
jbool (JsonNode   *node,
       const char *path)
{
  JsonNode *value = jget (node, path);

  g_assert_nonnull (value);
  g_assert_true (JSON_NODE_HOLDS_VALUE (value));
  g_assert_cmpint (json_node_get_value_type (value), ==, G_TYPE_BOOLEAN);
  return json_node_get_boolean (value);
}

static guint
jlen (JsonNode   *node,
      const char *path)
{
  JsonNode *value = path != NULL ? jget (node, path) : node;

  g_assert_nonnull (value);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (value));
  return json_array_get_length (json_node_get_array (value));
}

/* Synchronous wrappers */

static JsonNode *
power_state (Fixture  *f,
             guint    *power,
             guint    *os,
             GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_power_state_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_power_state_finish (f->client, result, power, os, error);
}

static JsonNode *
power_action (Fixture  *f,
              int       action,
              guint    *return_value,
              GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_power_action_async (f->client, action, NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_power_action_finish (f->client, result, return_value, error);
}

static JsonNode *
boot_options (Fixture                *f,
              int                     action,
              gboolean                use_sol,
              const ObAmtBootDetails *details,
              guint                  *return_value,
              GError                **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_power_boot_options_async (f->client, action, use_sol, details, NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_power_boot_options_finish (f->client, result, return_value, error);
}

static guint
sim_power (Fixture *f)
{
  return ob_sim_device_get_power_state (f->device);
}

/* Power */

static void
test_power_state (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint power = 0;
  guint os = 99;

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  node = power_state (f, &power, &os, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (power, ==, 2);
  g_assert_cmpint (jint (node, "powerstate"), ==, 2);
  g_assert_cmpint (jint (node, "OSPowerSavingState"), ==, ob_sim_device_get_os_power_saving_state (f->device));
  g_assert_cmpuint (os, ==, ob_sim_device_get_os_power_saving_state (f->device));
  g_assert_cmpuint (json_object_get_size (json_node_get_object (node)), ==, 2);
  g_clear_pointer (&node, json_node_unref);

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  node = power_state (f, &power, &os, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (power, ==, 8);
  g_assert_cmpint (jint (node, "powerstate"), ==, 8);
  /* Host off: the OS state is unknown. */
  g_assert_cmpuint (os, ==, 0);
}

/* The OS power-saving state and the power state are read at once: a new
 * client needs two connections for the call. */
static void
test_power_state_concurrent (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint power = 0;

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 0);
  node = power_state (f, &power, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (power, ==, 2);
  g_assert_cmpuint (ob_wsman_client_get_n_streams_opened (f->client), ==, 2);
}

/* Firmware without CIM_AssociatedPowerManagementService is asked for
 * CIM_ServiceAvailableToElement; without IPS_PowerManagementService the OS
 * state is unknown (0); without either association there is no answer. */
static void
test_power_state_older_firmware (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  guint power = 0;
  guint os = 99;

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  ob_sim_device_set_class_missing (f->device, "CIM_AssociatedPowerManagementService", TRUE);
  node = power_state (f, &power, &os, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (power, ==, 8);
  g_assert_cmpint (jint (node, "powerstate"), ==, 8);
  json_node_unref (node);

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  ob_sim_device_set_class_missing (f->device, "IPS_PowerManagementService", TRUE);
  node = power_state (f, &power, &os, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (power, ==, 2);
  g_assert_cmpuint (os, ==, 0);
  g_assert_cmpint (jint (node, "OSPowerSavingState"), ==, 0);
  json_node_unref (node);

  ob_sim_device_set_class_missing (f->device, "CIM_ServiceAvailableToElement", TRUE);
  node = power_state (f, &power, &os, &error);
  g_assert_null (node);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_FAULT);
  g_clear_error (&error);

  /* And back: the device answers in full again. */
  ob_sim_device_set_class_missing (f->device, "CIM_ServiceAvailableToElement", FALSE);
  ob_sim_device_set_class_missing (f->device, "CIM_AssociatedPowerManagementService", FALSE);
  ob_sim_device_set_class_missing (f->device, "IPS_PowerManagementService", FALSE);
  node = power_state (f, &power, &os, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (os, ==, ob_sim_device_get_os_power_saving_state (f->device));
  json_node_unref (node);
}

static void
assert_action_ok (JsonNode *node,
                  guint     return_value)
{
  g_assert_nonnull (node);
  g_assert_cmpuint (return_value, ==, 0);
  g_assert_cmpint (jint (node, "Body.ReturnValue"), ==, 0);
  g_assert_cmpstr (jstr (node, "Body.ReturnValueStr"), ==, "SUCCESS");
  g_assert_nonnull (jget (node, "Header"));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (jget (node, "Header")));
  g_assert_nonnull (jget (node, "Header.RelatesTo"));
}

static void
test_power_actions (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  guint rv = 99;
  guint boots;
  guint power = 0;

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);

  /* 8: power down */
  node = power_action (f, 8, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_OFF_SOFT);
  node = power_state (f, &power, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (power, ==, 8);
  json_node_unref (node);

  /* 2: power up, boots to the OS */
  boots = ob_sim_device_get_boot_count (f->device);
  node = power_action (f, 2, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_ON);
  g_assert_cmpuint (ob_sim_device_get_boot_count (f->device), ==, boots + 1);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_OS);

  /* 10: reset reboots */
  node = power_action (f, 10, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (ob_sim_device_get_boot_count (f->device), ==, boots + 2);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_ON);

  /* 5: power cycle reboots as well */
  node = power_action (f, 5, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (ob_sim_device_get_boot_count (f->device), ==, boots + 3);

  /* 4: sleep, then 2 wakes it without a boot */
  node = power_action (f, 4, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_SLEEP_DEEP);
  node = power_action (f, 2, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_ON);
  g_assert_cmpuint (ob_sim_device_get_boot_count (f->device), ==, boots + 3);

  /* 7: hibernate */
  node = power_action (f, 7, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_HIBERNATE);
  node = power_action (f, 2, &rv, &error);
  g_assert_no_error (error);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_ON);

  /* 14: soft reset; 12: soft off */
  node = power_action (f, 14, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (ob_sim_device_get_boot_count (f->device), ==, boots + 5);
  node = power_action (f, 12, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_OFF_SOFT);

  /* The device's own refusal comes back as its ReturnValue: reset while
   * off is "not ready" (2). */
  node = power_action (f, 10, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 2);
  g_assert_cmpint (jint (node, "Body.ReturnValue"), ==, 2);
  g_assert_cmpstr (jstr (node, "Body.ReturnValueStr"), ==, "NOT_READY");
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_OFF_SOFT);
}

static void
test_power_action_quirks (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  guint rv = 0;
  guint boots;

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  boots = ob_sim_device_get_boot_count (f->device);

  /* 15–17 and 100+ pass validation but fail the reference's index check:
   * INVALID_PARAMETER without reaching the device. */
  for (guint i = 0; i < 3; i++)
    {
      static const int actions[] = { 15, 17, 101 };

      node = power_action (f, actions[i], &rv, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (rv, ==, 36);
      g_assert_cmpint (jint (node, "Body.RequestPowerStateChange_OUTPUT.ReturnValue"), ==, 36);
      g_assert_cmpstr (jstr (node, "Body.RequestPowerStateChange_OUTPUT.ReturnValueStr"), ==, "INVALID_PARAMETER");
      g_assert_null (jget (node, "Header"));
      json_node_unref (node);
    }
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_ON);
  g_assert_cmpuint (ob_sim_device_get_boot_count (f->device), ==, boots);

  /* Not an action at all: refused before anything is sent. */
  node = power_action (f, 9, &rv, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT);
  g_assert_null (node);
  g_clear_error (&error);
  node = power_action (f, 1000, &rv, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

static void
test_power_action_clears_boot (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ObSimBootSettings settings;
  JsonNode *node;
  guint rv = 99;

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);

  /* A pending "boot to BIOS" left by someone else… */
  ob_sim_device_get_boot_settings (f->device, &settings);
  settings.bios_setup = TRUE;
  settings.use_sol = TRUE;
  g_assert_true (ob_sim_device_set_boot_settings (f->device, &settings, NULL, NULL, &error));
  g_assert_no_error (error);

  /* …is cleared by a plain reset, which then boots the OS. */
  node = power_action (f, 10, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_OS);
  g_assert_false (ob_sim_device_get_last_boot_used_sol (f->device));
}

static void
test_power_os_saving (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  guint rv = 99;
  guint power = 0;
  guint os = 0;

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (f->device), ==, OB_SIM_OS_POWER_FULL);

  /* Already at full power: nothing to do, 0. */
  node = power_action (f, 500, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 0);
  g_assert_cmpint (jint (node, "Body.ReturnValue"), ==, 0);
  g_assert_cmpstr (jstr (node, "Body.ReturnValueStr"), ==, "COMPLETED_WITH_NO_ERROR");
  g_assert_null (jget (node, "Header"));
  json_node_unref (node);

  /* 501: to power saving. */
  node = power_action (f, 501, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 0);
  g_assert_cmpstr (jstr (node, "Body.ReturnValueStr"), ==, "COMPLETED_WITH_NO_ERROR");
  json_node_unref (node);
  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (f->device), ==, OB_SIM_OS_POWER_SAVING);
  node = power_state (f, &power, &os, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (os, ==, 3);
  g_assert_cmpint (jint (node, "OSPowerSavingState"), ==, 3);
  json_node_unref (node);

  /* 2 while the OS saves power: the OS is woken first. */
  node = power_action (f, 2, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (f->device), ==, OB_SIM_OS_POWER_FULL);

  /* 501 then 500 back. */
  node = power_action (f, 501, &rv, &error);
  g_assert_no_error (error);
  json_node_unref (node);
  node = power_action (f, 500, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 0);
  json_node_unref (node);
  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (f->device), ==, OB_SIM_OS_POWER_FULL);

  /* Host off: the state is unknown, ReturnValue 1. */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  node = power_action (f, 501, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 1);
  g_assert_cmpint (jint (node, "Body.ReturnValue"), ==, 1);
  g_assert_cmpstr (jstr (node, "Body.ReturnValueStr"), ==, "OS_POWER_STATE_UNKNOWN");
  json_node_unref (node);
}

static void
test_power_capabilities (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *caps;

  ob_amt_power_capabilities_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  node = ob_amt_power_capabilities_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  caps = json_node_get_object (node);

  g_assert_cmpint (jint (node, "Power up"), ==, 2);
  g_assert_cmpint (jint (node, "Power cycle"), ==, 5);
  g_assert_cmpint (jint (node, "Power down"), ==, 8);
  g_assert_cmpint (jint (node, "Reset"), ==, 10);
  /* The simulated firmware is AMT 16: the LMS-assisted actions are in. */
  g_assert_cmpuint (ob_sim_device_get_amt_major (f->device), >, 9);
  g_assert_cmpint (jint (node, "Soft-off"), ==, 12);
  g_assert_cmpint (jint (node, "Soft-reset"), ==, 14);
  g_assert_cmpint (jint (node, "Sleep"), ==, 4);
  g_assert_cmpint (jint (node, "Hibernate"), ==, 7);
  g_assert_cmpint (jint (node, "Reset to IDE-R Floppy"), ==, 200);
  g_assert_cmpint (jint (node, "Power on to IDE-R CDROM"), ==, 203);
  g_assert_cmpint (jint (node, "Reset to PXE"), ==, 400);
  g_assert_cmpint (jint (node, "Power on to PXE"), ==, 401);
  /* The rest follows AMT_BootCapabilities: the simulated firmware offers
   * BIOS setup but neither secure erase nor diagnostics. */
  g_assert_cmpint (jint (node, "Power up to BIOS"), ==, 100);
  g_assert_cmpint (jint (node, "Reset to BIOS"), ==, 101);
  g_assert_false (json_object_has_member (caps, "Reset to Secure Erase"));
  g_assert_false (json_object_has_member (caps, "Power on to diagnostic"));
  g_assert_cmpuint (json_object_get_size (caps), ==, 16);

  /* Members in the reference's order: the first four are the basics. */
  {
    g_autoptr(GList) names = json_object_get_members (caps);

    g_assert_cmpstr (g_list_nth_data (names, 0), ==, "Power up");
    g_assert_cmpstr (g_list_nth_data (names, 3), ==, "Reset");
    g_assert_cmpstr (g_list_last (names)->data, ==, "Power on to PXE");
  }
}

static void
test_boot_options (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  guint rv = 99;

  /* 101 reset to BIOS from on: the device reboots into BIOS setup. */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  node = boot_options (f, 101, FALSE, NULL, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_ON);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_BIOS_SETUP);
  /* The override is used up by the boot. */
  g_assert_true (ob_sim_device_get_boot_options_cleared (f->device));

  /* 100 power up to BIOS from off, with SOL. */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  node = boot_options (f, 100, TRUE, NULL, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_ON);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_BIOS_SETUP);
  g_assert_true (ob_sim_device_get_last_boot_used_sol (f->device));

  /* 400 reset to PXE */
  node = boot_options (f, 400, FALSE, NULL, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_PXE);
  g_assert_false (ob_sim_device_get_last_boot_used_sol (f->device));

  /* 401 power on to PXE from off */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  node = boot_options (f, 401, FALSE, NULL, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_ON);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_PXE);

  /* 202 reset to IDE-R CD, 200 reset to IDE-R floppy */
  node = boot_options (f, 202, FALSE, NULL, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_IDER_CD);
  node = boot_options (f, 200, FALSE, NULL, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_IDER_FLOPPY);

  /* 201 / 203: power on variants; from on the firmware has nothing to do
   * but the sequence still succeeds. */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  node = boot_options (f, 203, FALSE, NULL, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_IDER_CD);

  /* Not a boot action */
  node = boot_options (f, 8, FALSE, NULL, &rv, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT);
  g_assert_null (node);
  g_clear_error (&error);
}

static void
test_boot_https (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ObAmtBootDetails details = { 0 };
  JsonNode *node;
  guint rv = 99;
  const char *url = "https://boot.example.test/efi/boot.efi";

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);

  details.url = url;
  details.username = "bootuser";
  details.password = "bootpass";
  details.enforce_secure_boot = 1;
  node = boot_options (f, 105, FALSE, &details, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (f->device), ==, OB_SIM_BOOT_TARGET_UEFI_HTTPS);

  /* Over-long credentials are refused before anything is sent. */
  details.password = "a-password-longer-than-sixteen";
  node = boot_options (f, 105, FALSE, &details, &rv, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT);
  g_assert_null (node);
  g_clear_error (&error);

  /* Secure boot off in client control mode is not allowed. */
  ob_sim_device_set_control_mode (f->device, OB_SIM_CONTROL_MODE_CCM);
  details.password = "bootpass";
  details.enforce_secure_boot = 0;
  node = boot_options (f, 105, FALSE, &details, &rv, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_NOT_ALLOWED);
  g_assert_null (node);
  g_clear_error (&error);
}

/* Splits a UefiBootParametersArray into (type, value) pairs, checking the
 * TLV framing: vendor 0x8086 LE, type LE, length LE32. */
static GPtrArray *
parse_tlv (const char *base64)
{
  g_autofree guint8 *raw = NULL;
  gsize len = 0;
  gsize pos = 0;
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  g_assert_nonnull (base64);
  raw = g_base64_decode (base64, &len);
  while (pos < len)
    {
      guint32 value_len;
      guint16 type;
      guint8 *entry;

      g_assert_cmpuint (len - pos, >=, 8);
      g_assert_cmpuint (raw[pos] | raw[pos + 1] << 8, ==, 0x8086);
      type = raw[pos + 2] | raw[pos + 3] << 8;
      value_len = raw[pos + 4] | raw[pos + 5] << 8 | raw[pos + 6] << 16 | (guint32) raw[pos + 7] << 24;
      g_assert_cmpuint (len - pos - 8, >=, value_len);
      entry = g_malloc (value_len + 2);
      entry[0] = type & 0xff;
      entry[1] = type >> 8;
      memcpy (entry + 2, raw + pos + 8, value_len);
      g_ptr_array_add (entries, g_bytes_new_take (entry, value_len + 2));
      pos += 8 + value_len;
    }
  return entries;
}

static void
assert_tlv (GPtrArray  *entries,
            guint       index,
            guint16     type,
            const void *value,
            gsize       value_len)
{
  gsize len;
  const guint8 *entry;

  g_assert_cmpuint (index, <, entries->len);
  entry = g_bytes_get_data (g_ptr_array_index (entries, index), &len);
  g_assert_cmpuint (entry[0] | entry[1] << 8, ==, type);
  g_assert_cmpmem (entry + 2, len - 2, value, value_len);
}

static void
test_boot_uefi_parameters (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  ObAmtBootDetails details = { 0 };
  ObSimBootSettings settings;
  JsonNode *node;
  guint rv = 99;
  const char *url = "https://boot.example.test/efi/boot.efi";
  const char *path = "\\EFI\\Vendor\\pba.efi";
  guint8 path_len[2] = { strlen (path) & 0xff, strlen (path) >> 8 };
  guint8 one = 1;

  /* 105 resets: refused while the host is off (2), so the boot settings
   * stay on the device for inspection. */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  details.url = url;
  details.username = "bootuser";
  details.password = "bootpass";
  details.enforce_secure_boot = 1;
  node = boot_options (f, 105, TRUE, &details, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 2);
  json_node_unref (node);

  entries = parse_tlv (ob_sim_device_get_uefi_boot_parameters (f->device));
  g_assert_cmpuint (entries->len, ==, 4);
  assert_tlv (entries, 0, 1, url, strlen (url));
  assert_tlv (entries, 1, 20, &one, 1);
  assert_tlv (entries, 2, 40, "bootuser", 8);
  assert_tlv (entries, 3, 41, "bootpass", 8);
  g_clear_pointer (&entries, g_ptr_array_unref);

  ob_sim_device_get_boot_settings (f->device, &settings);
  g_assert_cmpuint (settings.uefi_boot_number_of_params, ==, 4);
  g_assert_true (settings.enforce_secure_boot);
  g_assert_true (settings.forced_progress_events);
  /* HTTPS boot turns the console and BIOS overrides off, whatever useSOL. */
  g_assert_false (settings.use_sol);
  g_assert_false (settings.bios_setup);
  g_assert_false (settings.use_ider);
  g_assert_cmpstr (ob_sim_device_get_boot_source (f->device), ==, OB_SIM_BOOT_SOURCE_UEFI_HTTPS);

  /* 108 powers on to a PBA by path: the file path and its length. */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  memset (&details, 0, sizeof details);
  details.boot_path = path;
  details.enforce_secure_boot = -1;
  node = boot_options (f, 108, FALSE, &details, &rv, &error);
  g_assert_no_error (error);
  /* Already on: the firmware has nothing to do, the settings stay. */
  g_assert_cmpuint (rv, ==, 0);
  json_node_unref (node);
  entries = parse_tlv (ob_sim_device_get_uefi_boot_parameters (f->device));
  g_assert_cmpuint (entries->len, ==, 2);
  assert_tlv (entries, 0, 2, path, strlen (path));
  assert_tlv (entries, 1, 3, path_len, 2);

  /* WinRE without a path needs a WinRE boot source, which this firmware
   * does not list. */
  details.boot_path = NULL;
  node = boot_options (f, 109, FALSE, &details, &rv, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT);
  g_assert_null (node);
  g_clear_error (&error);

  /* HTTPS boot needs a URL. */
  node = boot_options (f, 106, FALSE, NULL, &rv, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

static void
test_boot_other_actions (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  guint rv = 99;
  guint boots;

  /* 104 and 300 power on (the reference sends 2 for them): from off the
   * host boots normally. */
  for (guint i = 0; i < 2; i++)
    {
      static const int actions[] = { 104, 300 };

      ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
      boots = ob_sim_device_get_boot_count (f->device);
      node = boot_options (f, actions[i], FALSE, NULL, &rv, &error);
      g_assert_no_error (error);
      assert_action_ok (node, rv);
      json_node_unref (node);
      g_assert_cmpuint (sim_power (f), ==, OB_SIM_POWER_ON);
      g_assert_cmpuint (ob_sim_device_get_boot_count (f->device), ==, boots + 1);
    }

  /* 301 resets (10): refused while off, a reboot while on. */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  node = boot_options (f, 301, FALSE, NULL, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 2);
  json_node_unref (node);
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  boots = ob_sim_device_get_boot_count (f->device);
  node = boot_options (f, 301, FALSE, NULL, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
  g_assert_cmpuint (ob_sim_device_get_boot_count (f->device), ==, boots + 1);

  /* 500/501 through boot options: the reference powers on (2). */
  node = boot_options (f, 501, FALSE, NULL, &rv, &error);
  g_assert_no_error (error);
  assert_action_ok (node, rv);
  json_node_unref (node);
}

static void
test_boot_sources (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = NULL;
  GPtrArray *inventory = ob_sim_device_get_inventory (f->device, "CIM_BootSourceSetting");
  gboolean found_pxe = FALSE;

  ob_amt_power_boot_sources_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  node = ob_amt_power_boot_sources_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (inventory);
  g_assert_cmpuint (jlen (node, NULL), ==, inventory->len);
  for (guint i = 0; i < jlen (node, NULL); i++)
    {
      g_autofree char *path = g_strdup_printf ("%u.instanceID", i);

      if (g_strcmp0 (jstr (node, path), OB_SIM_BOOT_SOURCE_PXE) == 0)
        found_pxe = TRUE;
    }
  g_assert_true (found_pxe);
  g_assert_nonnull (jget (node, "0.biosBootString"));
  g_assert_nonnull (jget (node, "0.structuredBiosBootString"));
  g_assert_nonnull (jget (node, "0.failThroughSupported"));
}

/* Identity */

static void
test_version (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(ObAmtVersion) version = NULL;
  g_autoptr(ObAmtVersion) again = NULL;
  g_autofree char *sku = g_strdup_printf ("%u", ob_sim_device_get_sku (f->device));
  gboolean found_amt = FALSE;

  ob_amt_version_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  node = ob_amt_version_finish (f->client, result, &version, &error);
  g_assert_no_error (error);

  g_assert_cmpint (jint (node, "CIM_SoftwareIdentity.status"), ==, 200);
  g_assert_cmpuint (jlen (node, "CIM_SoftwareIdentity.responses"), >, 1);
  for (guint i = 0; i < jlen (node, "CIM_SoftwareIdentity.responses"); i++)
    {
      g_autofree char *id = g_strdup_printf ("CIM_SoftwareIdentity.responses.%u.InstanceID", i);
      g_autofree char *vs = g_strdup_printf ("CIM_SoftwareIdentity.responses.%u.VersionString", i);

      g_assert_nonnull (jget (node, vs));
      if (g_strcmp0 (jstr (node, id), "AMT") == 0)
        {
          found_amt = TRUE;
          g_assert_cmpstr (jstr (node, vs), ==, ob_sim_device_get_amt_version (f->device));
        }
    }
  g_assert_true (found_amt);
  g_assert_cmpint (jint (node, "AMT_SetupAndConfigurationService.status"), ==, 200);
  g_assert_cmpint (jint (node, "AMT_SetupAndConfigurationService.response.ProvisioningMode"), ==, 1);
  g_assert_cmpint (jint (node, "AMT_SetupAndConfigurationService.responses.Body.ProvisioningState"), ==, 2);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (jget (node, "AMT_SetupAndConfigurationService.responses.Header")));

  g_assert_cmpstr (version->amt_version, ==, ob_sim_device_get_amt_version (f->device));
  g_assert_cmpuint (version->major, ==, ob_sim_device_get_amt_major (f->device));
  g_assert_cmpstr (version->build_number, ==, ob_sim_device_get_build_number (f->device));
  g_assert_cmpstr (version->sku, ==, sku);
  g_assert_cmpint (version->control_mode, ==, OB_AMT_CONTROL_MODE_ACM);
  g_assert_cmpstr (ob_amt_control_mode_to_string (version->control_mode), ==, "acm");

  /* The typed view can be rebuilt from the JSON alone. */
  again = ob_amt_version_from_json (node);
  g_assert_cmpstr (again->amt_version, ==, version->amt_version);
  g_assert_cmpint (again->control_mode, ==, version->control_mode);

  /* Control mode follows the device. */
  ob_sim_device_set_control_mode (f->device, OB_SIM_CONTROL_MODE_CCM);
  g_clear_object (&result);
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&version, ob_amt_version_free);
  ob_amt_version_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  node = ob_amt_version_finish (f->client, result, &version, &error);
  g_assert_no_error (error);
  g_assert_cmpint (version->control_mode, ==, OB_AMT_CONTROL_MODE_CCM);

  ob_sim_device_set_control_mode (f->device, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
  g_clear_object (&result);
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&version, ob_amt_version_free);
  ob_amt_version_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  node = ob_amt_version_finish (f->client, result, &version, &error);
  g_assert_no_error (error);
  g_assert_cmpint (version->control_mode, ==, OB_AMT_CONTROL_MODE_NONE);
}

static void
test_general_settings (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = NULL;

  ob_amt_general_settings_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  node = ob_amt_general_settings_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (jget (node, "Header")));
  g_assert_cmpstr (jstr (node, "Body.DigestRealm"), ==, ob_sim_device_get_digest_realm (f->device));
  g_assert_cmpstr (jstr (node, "Body.HostName"), ==, ob_sim_device_get_hostname (f->device));
}

/* Hardware */

static void
test_hardware (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = NULL;
  static const char * const keys[] = {
    "CIM_ComputerSystemPackage", "CIM_SystemPackaging", "CIM_Chassis", "CIM_Chip",
    "CIM_Card", "CIM_BIOSElement", "CIM_Processor", "CIM_PhysicalMemory",
    "CIM_MediaAccessDevice", "CIM_PhysicalPackage",
  };
  GPtrArray *memory = ob_sim_device_get_inventory (f->device, "CIM_PhysicalMemory");
  GPtrArray *media = ob_sim_device_get_inventory (f->device, "CIM_MediaAccessDevice");
  g_autoptr(GList) members = NULL;

  ob_amt_hardware_info_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  node = ob_amt_hardware_info_finish (f->client, result, &error);
  g_assert_no_error (error);

  members = json_object_get_members (json_node_get_object (node));
  g_assert_cmpuint (g_list_length (members), ==, G_N_ELEMENTS (keys));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *status = g_strdup_printf ("%s.status", keys[i]);
      g_autofree char *responses = g_strdup_printf ("%s.responses", keys[i]);

      g_assert_cmpstr (g_list_nth_data (members, i), ==, keys[i]);
      g_assert_cmpint (jint (node, status), ==, 200);
      g_assert_cmpuint (jlen (node, responses), >=, 1);
    }

  /* Get classes: the instance and the whole envelope. */
  g_assert_cmpstr (jstr (node, "CIM_Chassis.response.CreationClassName"), ==, "CIM_Chassis");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (jget (node, "CIM_Chassis.responses.0.Header")));
  g_assert_nonnull (jget (node, "CIM_Chassis.responses.0.Body.CIM_Chassis"));
  g_assert_nonnull (jget (node, "CIM_BIOSElement.response.Version"));
  g_assert_nonnull (jget (node, "CIM_ComputerSystemPackage.response.PlatformGUID"));
  g_assert_nonnull (jget (node, "CIM_Card.response.Manufacturer"));

  /* Flat lists of instances. */
  g_assert_nonnull (memory);
  g_assert_nonnull (media);
  if (memory->len > 1)
    g_assert_cmpuint (jlen (node, "CIM_PhysicalMemory.responses"), ==, memory->len);
  g_assert_nonnull (jget (node, "CIM_PhysicalMemory.responses.0.Capacity"));
  if (media->len > 1)
    g_assert_cmpuint (jlen (node, "CIM_MediaAccessDevice.responses"), ==, media->len);

  /* Wrapped: one processor -> [object]; the package enumeration keeps only
   * its CIM_Card instances; system packaging its ComputerSystemPackage. */
  g_assert_cmpuint (jlen (node, "CIM_Processor.responses"), ==, 1);
  g_assert_nonnull (jget (node, "CIM_Processor.responses.0"));
  g_assert_nonnull (jget (node, "CIM_PhysicalPackage.responses.0"));
  if (JSON_NODE_HOLDS_OBJECT (jget (node, "CIM_PhysicalPackage.responses.0")))
    g_assert_cmpstr (jstr (node, "CIM_PhysicalPackage.responses.0.CreationClassName"), ==, "CIM_Card");
  g_assert_nonnull (jget (node, "CIM_SystemPackaging.responses.0"));
  g_assert_nonnull (jget (node, "CIM_Chip.responses.0"));
}

/* Logs */

static JsonNode *
event_log (Fixture  *f,
           guint     max,
           GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_event_log_async (f->client, max, NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_event_log_finish (f->client, result, error);
}

static JsonNode *
audit_log (Fixture  *f,
           int       start,
           GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_audit_log_async (f->client, start, NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_audit_log_finish (f->client, result, error);
}

static void
test_event_log (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  guint before_records;
  guint n;
  JsonNode *action;

  node = event_log (f, 0, &error);
  g_assert_no_error (error);
  before_records = jlen (node, NULL);
  g_assert_cmpuint (before_records, ==, MIN (ob_sim_device_get_n_event_records (f->device), 390));
  json_node_unref (node);

  /* A boot logs BIOS progress events. */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_OFF_SOFT);
  action = power_action (f, 2, NULL, &error);
  g_assert_no_error (error);
  json_node_unref (action);

  node = event_log (f, 0, &error);
  g_assert_no_error (error);
  n = jlen (node, NULL);
  g_assert_cmpuint (n, >, before_records);
  g_assert_cmpuint (n, ==, MIN (ob_sim_device_get_n_event_records (f->device), 390));

  /* Every record decoded, the same as the device's own bytes, in the
   * order AMT hands them out: newest first. */
  for (guint i = 0; i < n; i++)
    {
      guint n_sim = ob_sim_device_get_n_event_records (f->device);
      g_autoptr(GBytes) raw = ob_sim_device_get_event_record (f->device, n_sim - 1 - i);
      g_autoptr(JsonNode) expected = NULL;
      g_autofree char *sensor = g_strdup_printf ("%u.EventSensorType", i);
      g_autofree char *entity = g_strdup_printf ("%u.EntityStr", i);
      g_autofree char *desc = g_strdup_printf ("%u.Desc", i);
      g_autofree char *event_data = g_strdup_printf ("%u.EventData", i);

      expected = ob_amt_event_record_decode (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), &error);
      g_assert_no_error (error);
      g_assert_cmpint (jint (node, sensor), ==, jint (expected, "EventSensorType"));
      g_assert_cmpstr (jstr (node, entity), ==, jstr (expected, "EntityStr"));
      g_assert_nonnull (jget (node, desc));
      g_assert_cmpuint (jlen (node, event_data), ==, 8);
    }
  json_node_unref (node);

  /* A smaller limit is honoured. */
  node = event_log (f, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jlen (node, NULL), ==, MIN (2, n));
  json_node_unref (node);
}

static void
assert_audit_matches (Fixture    *f,
                      JsonNode   *record,
                      guint       sim_index)
{
  g_autoptr(GBytes) raw = ob_sim_device_get_audit_record (f->device, sim_index);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) expected = NULL;

  g_assert_nonnull (raw);
  expected = ob_amt_audit_record_decode (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (record, expected));
}

static void
test_audit_log (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  JsonNode *action;
  guint total;
  guint page;
  ObSimInitiator who = { "someone", "192.0.2.7" };

  /* Power actions are audited (Remote Control). */
  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  action = power_action (f, 8, NULL, &error);
  g_assert_no_error (error);
  json_node_unref (action);

  node = audit_log (f, 0, &error);
  g_assert_no_error (error);
  total = ob_sim_device_get_n_audit_records (f->device);
  g_assert_cmpuint (total, >, 0);
  g_assert_cmpint (jint (node, "totalCnt"), ==, total);
  g_assert_cmpuint (jlen (node, "records"), ==, total);
  /* Newest first: the power-down is the first record. */
  g_assert_cmpstr (jstr (node, "records.0.Initiator"), ==, AMT_USER);
  assert_audit_matches (f, jget (node, "records.0"), total - 1);
  if (total > 1)
    assert_audit_matches (f, jget (node, "records.1"), total - 2);
  json_node_unref (node);

  /* More records than one answer holds: the page is re-read so the newest
   * come first, consecutive. */
  for (guint i = 0; i < 300; i++)
    {
      guint8 ex[2] = { i & 0xff, 0 };

      ob_sim_device_add_audit (f->device, 16, 2, &who, ex, sizeof ex);
    }
  total = ob_sim_device_get_n_audit_records (f->device);

  node = audit_log (f, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (jint (node, "totalCnt"), ==, total);
  page = jlen (node, "records");
  g_assert_cmpuint (page, >, 0);
  g_assert_cmpuint (page, <=, total);
  for (guint i = 0; i < page; i++)
    {
      g_autofree char *path = g_strdup_printf ("records.%u", i);

      assert_audit_matches (f, jget (node, path), total - 1 - i);
    }
  json_node_unref (node);

  /* startIndex skips that many of the newest. */
  node = audit_log (f, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpint (jint (node, "totalCnt"), ==, total);
  g_assert_cmpuint (jlen (node, "records"), >, 0);
  assert_audit_matches (f, jget (node, "records.0"), total - 1 - 5);
  json_node_unref (node);

  /* Past the end: nothing. */
  node = audit_log (f, (int) total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jlen (node, "records"), ==, 0);
  json_node_unref (node);
}

/* Features and user consent */

static JsonNode *
features_get (Fixture        *f,
              ObAmtFeatures **features,
              GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_features_get_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_features_get_finish (f->client, result, features, error);
}

static JsonNode *
features_set (Fixture                    *f,
              const ObAmtFeaturesRequest *request,
              GError                    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_features_set_async (f->client, request, NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_features_set_finish (f->client, result, error);
}

static void
assert_features_match_device (Fixture       *f,
                              JsonNode      *node,
                              ObAmtFeatures *features)
{
  guint opt_in = ob_sim_device_get_opt_in_required (f->device);
  const char *consent = opt_in == OB_SIM_OPT_IN_NONE ? "none" : opt_in == OB_SIM_OPT_IN_KVM ? "kvm" : "all";

  g_assert_cmpstr (jstr (node, "userConsent"), ==, consent);
  g_assert_cmpint (jbool (node, "SOL"), ==, ob_sim_device_get_sol_enabled (f->device));
  g_assert_cmpint (jbool (node, "IDER"), ==, ob_sim_device_get_ider_enabled (f->device));
  g_assert_cmpint (jbool (node, "KVM"), ==, ob_sim_device_get_kvm_enabled (f->device));
  g_assert_cmpint (jbool (node, "redirection"), ==, ob_sim_device_get_listener_enabled (f->device));
  g_assert_cmpint (jbool (node, "kvmAvailable"), ==, ob_sim_device_get_kvm_supported (f->device));
  g_assert_cmpint (jbool (node, "ocr"), ==, ob_sim_device_get_ocr_enabled (f->device));
  g_assert_cmpint (jint (node, "optInState"), ==, ob_sim_device_get_opt_in_state (f->device));
  g_assert_false (jbool (node, "remoteErase"));
  g_assert_nonnull (jget (node, "httpsBootSupported"));
  g_assert_nonnull (jget (node, "winREBootSupported"));
  g_assert_nonnull (jget (node, "localPBABootSupported"));

  g_assert_cmpint (features->sol, ==, jbool (node, "SOL"));
  g_assert_cmpint (features->kvm, ==, jbool (node, "KVM"));
  g_assert_cmpint (features->ider, ==, jbool (node, "IDER"));
  g_assert_cmpint (features->ocr, ==, jbool (node, "ocr"));
  g_assert_cmpstr (ob_amt_user_consent_to_string (features->user_consent), ==, consent);
}

static void
test_features (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObAmtFeatures) features = NULL;
  ObAmtFeaturesRequest request = { 0 };
  JsonNode *node;

  node = features_get (f, &features, &error);
  g_assert_no_error (error);
  assert_features_match_device (f, node, features);
  json_node_unref (node);
  g_clear_pointer (&features, ob_amt_features_free);

  /* Everything on, consent for KVM only, OCR on. */
  request.user_consent = OB_AMT_USER_CONSENT_KVM;
  request.enable_sol = TRUE;
  request.enable_ider = TRUE;
  request.enable_kvm = TRUE;
  request.ocr = 1;
  node = features_set (f, &request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (jstr (node, "status"), ==, "AMT Features updated");
  json_node_unref (node);

  g_assert_true (ob_sim_device_get_sol_enabled (f->device));
  g_assert_true (ob_sim_device_get_ider_enabled (f->device));
  g_assert_true (ob_sim_device_get_kvm_enabled (f->device));
  g_assert_true (ob_sim_device_get_listener_enabled (f->device));
  g_assert_cmpuint (ob_sim_device_get_redirection_state (f->device), ==, 32771);
  g_assert_cmpuint (ob_sim_device_get_opt_in_required (f->device), ==, OB_SIM_OPT_IN_KVM);
  g_assert_true (ob_sim_device_get_ocr_enabled (f->device));

  node = features_get (f, &features, &error);
  g_assert_no_error (error);
  assert_features_match_device (f, node, features);
  g_assert_true (jbool (node, "SOL"));
  g_assert_true (jbool (node, "KVM"));
  g_assert_cmpstr (jstr (node, "userConsent"), ==, "kvm");
  json_node_unref (node);
  g_clear_pointer (&features, ob_amt_features_free);

  /* Only SOL, no consent, OCR left alone. */
  request.user_consent = OB_AMT_USER_CONSENT_NONE;
  request.enable_sol = TRUE;
  request.enable_ider = FALSE;
  request.enable_kvm = FALSE;
  request.ocr = -1;
  node = features_set (f, &request, &error);
  g_assert_no_error (error);
  json_node_unref (node);
  g_assert_true (ob_sim_device_get_sol_enabled (f->device));
  g_assert_false (ob_sim_device_get_ider_enabled (f->device));
  g_assert_false (ob_sim_device_get_kvm_enabled (f->device));
  g_assert_true (ob_sim_device_get_listener_enabled (f->device));
  g_assert_cmpuint (ob_sim_device_get_redirection_state (f->device), ==, 32770);
  g_assert_cmpuint (ob_sim_device_get_opt_in_required (f->device), ==, OB_SIM_OPT_IN_NONE);
  g_assert_true (ob_sim_device_get_ocr_enabled (f->device));

  /* Everything off: the listener goes off too; OCR off. */
  request.user_consent = OB_AMT_USER_CONSENT_ALL;
  request.enable_sol = FALSE;
  request.ocr = 0;
  node = features_set (f, &request, &error);
  g_assert_no_error (error);
  json_node_unref (node);
  g_assert_false (ob_sim_device_get_sol_enabled (f->device));
  g_assert_false (ob_sim_device_get_listener_enabled (f->device));
  g_assert_cmpuint (ob_sim_device_get_opt_in_required (f->device), ==, OB_SIM_OPT_IN_ALL);
  g_assert_false (ob_sim_device_get_ocr_enabled (f->device));

  node = features_get (f, &features, &error);
  g_assert_no_error (error);
  assert_features_match_device (f, node, features);
  g_assert_cmpstr (jstr (node, "userConsent"), ==, "all");
  json_node_unref (node);

  /* In client control mode the firmware keeps consent at "all". */
  ob_sim_device_set_control_mode (f->device, OB_SIM_CONTROL_MODE_CCM);
  request.user_consent = OB_AMT_USER_CONSENT_NONE;
  node = features_set (f, &request, &error);
  g_assert_nonnull (error);
  g_assert_null (node);
  g_clear_error (&error);
  g_assert_cmpuint (ob_sim_device_get_opt_in_required (f->device), ==, OB_SIM_OPT_IN_ALL);
}

typedef enum
{
  CONSENT_REQUEST,
  CONSENT_SEND,
  CONSENT_CANCEL,
} ConsentCall;

static JsonNode *
consent (Fixture      *f,
         ConsentCall   call,
         guint32       code,
         guint        *return_value,
         GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  switch (call)
    {
    case CONSENT_REQUEST:
      ob_amt_user_consent_request_async (f->client, NULL, store_result_cb, &result);
      wait_for (&result);
      return ob_amt_user_consent_request_finish (f->client, result, return_value, error);
    case CONSENT_SEND:
      ob_amt_user_consent_send_async (f->client, code, NULL, store_result_cb, &result);
      wait_for (&result);
      return ob_amt_user_consent_send_finish (f->client, result, return_value, error);
    case CONSENT_CANCEL:
    default:
      ob_amt_user_consent_cancel_async (f->client, NULL, store_result_cb, &result);
      wait_for (&result);
      return ob_amt_user_consent_cancel_finish (f->client, result, return_value, error);
    }
}

static void
test_user_consent (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  guint rv = 99;
  const char *code;
  guint32 right;
  guint32 wrong;

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (f->device), ==, OB_SIM_OPT_IN_STATE_NOT_STARTED);

  node = consent (f, CONSENT_REQUEST, 0, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 0);
  g_assert_cmpint (jint (node, "Body.ReturnValue"), ==, 0);
  g_assert_cmpstr (jstr (node, "Body.ReturnValueStr"), ==, "SUCCESS");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (jget (node, "Header")));
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (f->device), ==, OB_SIM_OPT_IN_STATE_DISPLAYED);

  code = ob_sim_device_get_consent_code (f->device);
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 6);
  right = (guint32) g_ascii_strtoull (code, NULL, 10);
  wrong = (right + 1) % 1000000;

  /* A wrong code: the device's ReturnValue, not an error. */
  node = consent (f, CONSENT_SEND, wrong, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, OB_SIM_RV_INVALID_CONSENT_CODE);
  g_assert_cmpint (jint (node, "Body.ReturnValue"), ==, OB_SIM_RV_INVALID_CONSENT_CODE);
  g_assert_cmpstr (jstr (node, "Body.ReturnValueStr"), ==, ob_amt_status_to_string (OB_SIM_RV_INVALID_CONSENT_CODE));
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (f->device), ==, OB_SIM_OPT_IN_STATE_DISPLAYED);

  /* The right one. */
  node = consent (f, CONSENT_SEND, right, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 0);
  g_assert_cmpstr (jstr (node, "Body.ReturnValueStr"), ==, "SUCCESS");
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (f->device), ==, OB_SIM_OPT_IN_STATE_RECEIVED);

  /* Features report the consent state too. */
  {
    g_autoptr(ObAmtFeatures) features = NULL;

    node = features_get (f, &features, &error);
    g_assert_no_error (error);
    g_assert_cmpint (jint (node, "optInState"), ==, 3);
    g_assert_cmpuint (features->opt_in_state, ==, OB_AMT_OPT_IN_STATE_RECEIVED);
    json_node_unref (node);
  }

  /* Cancel: back to the start. */
  node = consent (f, CONSENT_CANCEL, 0, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, ==, 0);
  json_node_unref (node);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (f->device), ==, OB_SIM_OPT_IN_STATE_NOT_STARTED);

  /* Sending a code with nothing pending: the device says no (2). */
  node = consent (f, CONSENT_SEND, right, &rv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rv, !=, 0);
  json_node_unref (node);
}

/* Alarms */

static JsonNode *
alarms_list (Fixture  *f,
             GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_alarms_list_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_alarms_list_finish (f->client, result, error);
}

static JsonNode *
alarm_add (Fixture     *f,
           const char  *name,
           GDateTime   *start,
           guint        interval,
           const char  *instance_id,
           gboolean     delete_on_completion,
           GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_alarm_add_async (f->client, name, start, interval, instance_id, delete_on_completion,
                          NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_alarm_add_finish (f->client, result, error);
}

static JsonNode *
alarm_delete (Fixture     *f,
              const char  *instance_id,
              GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ob_amt_alarm_delete_async (f->client, instance_id, NULL, store_result_cb, &result);
  wait_for (&result);
  return ob_amt_alarm_delete_finish (f->client, result, error);
}

static void
test_alarms (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) start_local = NULL;
  g_autoptr(GTimeZone) plus_two = g_time_zone_new_offset (2 * 3600);
  g_autoptr(GPtrArray) sim_alarms = NULL;
  g_autofree char *expected_start = NULL;
  JsonNode *node;
  ObSimAlarm *alarm;

  /* A day ahead, whole seconds plus a fraction that must not be sent. */
  start = g_date_time_add_seconds (now, 86400.25);
  start_local = g_date_time_to_timezone (start, plus_two);
  expected_start = g_date_time_format (start, "%Y-%m-%dT%H:%M:%SZ");

  node = alarms_list (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jlen (node, NULL), ==, 0);
  json_node_unref (node);

  /* Given in another time zone; sent in UTC.  No InstanceID -> the name. */
  node = alarm_add (f, "Wake up", start_local, 90, NULL, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (jstr (node, "status"), ==, "SUCCESS");
  g_assert_cmpint (jint (node, "ReturnValue"), ==, 0);
  json_node_unref (node);

  sim_alarms = ob_sim_device_list_alarms (f->device);
  g_assert_cmpuint (sim_alarms->len, ==, 1);
  alarm = g_ptr_array_index (sim_alarms, 0);
  g_assert_cmpstr (alarm->instance_id, ==, "Wake up");
  g_assert_cmpstr (alarm->element_name, ==, "Wake up");
  g_assert_cmpint (alarm->start_time, ==, g_date_time_to_unix (start));
  g_assert_cmpuint (alarm->interval_minutes, ==, 90);
  g_assert_true (alarm->delete_on_completion);
  g_clear_pointer (&sim_alarms, g_ptr_array_unref);

  node = alarms_list (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jlen (node, NULL), ==, 1);
  g_assert_cmpstr (jstr (node, "0.ElementName"), ==, "Wake up");
  g_assert_cmpstr (jstr (node, "0.InstanceID"), ==, "Wake up");
  g_assert_cmpstr (jstr (node, "0.StartTime.Datetime"), ==, expected_start);
  g_assert_cmpstr (jstr (node, "0.Interval.Interval"), ==, "P0DT1H30M");
  g_assert_cmpint (jint (node, "0.InternalInMinutes"), ==, 90);
  g_assert_nonnull (jget (node, "0.DeleteOnCompletion"));
  json_node_unref (node);

  /* An explicit InstanceID, a one-shot alarm kept after it fires. */
  node = alarm_add (f, "Nightly", start, 0, "nightly-1", FALSE, &error);
  g_assert_no_error (error);
  json_node_unref (node);
  sim_alarms = ob_sim_device_list_alarms (f->device);
  g_assert_cmpuint (sim_alarms->len, ==, 2);
  alarm = g_ptr_array_index (sim_alarms, 1);
  g_assert_cmpstr (alarm->instance_id, ==, "nightly-1");
  g_assert_cmpstr (alarm->element_name, ==, "Nightly");
  g_assert_cmpuint (alarm->interval_minutes, ==, 0);
  g_assert_false (alarm->delete_on_completion);
  g_clear_pointer (&sim_alarms, g_ptr_array_unref);

  /* Fill up to the firmware's limit; one more is a quota error. */
  for (guint i = 2; i < OB_SIM_DEVICE_MAX_ALARMS; i++)
    {
      g_autofree char *name = g_strdup_printf ("alarm-%u", i);

      node = alarm_add (f, name, start, 24 * 60 * 7, NULL, TRUE, &error);
      g_assert_no_error (error);
      json_node_unref (node);
    }
  node = alarm_add (f, "one-too-many", start, 0, NULL, TRUE, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_QUOTA_EXCEEDED);
  g_assert_null (node);
  g_clear_error (&error);

  node = alarms_list (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jlen (node, NULL), ==, OB_SIM_DEVICE_MAX_ALARMS);
  g_assert_cmpint (jint (node, "2.InternalInMinutes"), ==, 24 * 60 * 7);
  json_node_unref (node);

  /* Delete by InstanceID. */
  node = alarm_delete (f, "nightly-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (jstr (node, "status"), ==, "SUCCESS");
  json_node_unref (node);
  sim_alarms = ob_sim_device_list_alarms (f->device);
  g_assert_cmpuint (sim_alarms->len, ==, OB_SIM_DEVICE_MAX_ALARMS - 1);
  for (guint i = 0; i < sim_alarms->len; i++)
    g_assert_cmpstr (((ObSimAlarm *) g_ptr_array_index (sim_alarms, i))->instance_id, !=, "nightly-1");
  g_clear_pointer (&sim_alarms, g_ptr_array_unref);

  /* Again: not found. */
  node = alarm_delete (f, "nightly-1", &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_NOT_FOUND);
  g_assert_null (node);
  g_clear_error (&error);

  /* Bad input never reaches the device. */
  node = alarm_add (f, "", start, 0, NULL, TRUE, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  node = alarm_add (f, "no start", NULL, 0, NULL, TRUE, &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  node = alarm_delete (f, "", &error);
  g_assert_error (error, OB_AMT_ERROR, OB_AMT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

/* Failures */

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanClient) client = make_client (f, GPOINTER_TO_INT (data), "not-the-password");
  g_autoptr(GAsyncResult) result = NULL;
  JsonNode *node;

  g_clear_object (&f->client);
  f->client = g_steal_pointer (&client);

  node = power_state (f, NULL, NULL, &error);
  g_assert_null (node);
  /* Known problem outside the typed calls: the simulator's server drops a
   * kept-alive connection when the next request is already waiting on it,
   * and over TLS the digest retry then lands on a dropped connection. */
  if (GPOINTER_TO_INT (data) && g_error_matches (error, OB_HTTP_ERROR, OB_HTTP_ERROR_CONNECTION_CLOSED))
    {
      g_test_incomplete ("simulator closes busy keep-alive connections (TLS digest retry)");
      return;
    }
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
  g_clear_error (&error);

  /* Every typed call reports the same, including the concurrent ones. */
  ob_amt_hardware_info_async (f->client, NULL, store_result_cb, &result);
  wait_for (&result);
  node = ob_amt_hardware_info_finish (f->client, result, &error);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
  g_assert_null (node);
  g_clear_error (&error);

  node = features_get (f, NULL, &error);
  g_assert_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED);
  g_clear_error (&error);
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  JsonNode *node;
  guint power_before;

  ob_sim_device_set_power_state (f->device, OB_SIM_POWER_ON);
  power_before = sim_power (f);
  ob_sim_device_set_latency_ms (f->device, 200);

  ob_amt_power_action_async (f->client, 8, cancellable, store_result_cb, &result);
  g_cancellable_cancel (cancellable);
  wait_for (&result);
  node = ob_amt_power_action_finish (f->client, result, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (node);
  g_clear_error (&error);
  g_clear_object (&result);

  /* The sequence stopped before the power change. */
  g_assert_cmpuint (sim_power (f), ==, power_before);

  g_cancellable_reset (cancellable);
  ob_amt_hardware_info_async (f->client, cancellable, store_result_cb, &result);
  g_cancellable_cancel (cancellable);
  wait_for (&result);
  node = ob_amt_hardware_info_finish (f->client, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (node);
}

/* Pure helpers */

static void
test_helpers (void)
{
  static const int power_ok[] = { 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 100, 101, 104,
                                  105, 106, 107, 108, 109, 110, 200, 201, 202, 203, 300, 301, 400, 401,
                                  500, 501 };
  static const int power_bad[] = { -1, 0, 1, 9, 18, 99, 102, 103, 111, 204, 302, 402, 502 };
  ObAmtUserConsent consent;

  for (guint i = 0; i < G_N_ELEMENTS (power_ok); i++)
    {
      g_assert_true (ob_amt_power_action_is_valid (power_ok[i]));
      g_assert_cmpint (ob_amt_boot_action_is_valid (power_ok[i]), ==, power_ok[i] >= 100);
    }
  for (guint i = 0; i < G_N_ELEMENTS (power_bad); i++)
    {
      g_assert_false (ob_amt_power_action_is_valid (power_bad[i]));
      g_assert_false (ob_amt_boot_action_is_valid (power_bad[i]));
    }

  g_assert_cmpstr (ob_amt_status_to_string (0), ==, "SUCCESS");
  g_assert_cmpstr (ob_amt_status_to_string (0x24), ==, "INVALID_PARAMETER");
  g_assert_cmpstr (ob_amt_status_to_string (0x0821), ==, "USER_CONSENT_REQUIRED");
  g_assert_cmpstr (ob_amt_status_to_string (0x100a), ==, "URL_REQUIRED");
  g_assert_cmpstr (ob_amt_status_to_string (0x0817), ==, "UNKNOWN_ERROR");
  g_assert_cmpstr (ob_amt_status_to_string (G_MAXUINT), ==, "UNKNOWN_ERROR");

  g_assert_cmpstr (ob_amt_power_state_to_string (2), ==, "On");
  g_assert_cmpstr (ob_amt_power_state_to_string (8), ==, "Off - Soft");
  g_assert_cmpstr (ob_amt_power_state_to_string (1000), ==, "Unknown");

  g_assert_true (ob_amt_user_consent_from_string ("kvm", &consent));
  g_assert_cmpint (consent, ==, OB_AMT_USER_CONSENT_KVM);
  g_assert_true (ob_amt_user_consent_from_string ("all", &consent));
  g_assert_cmpint (consent, ==, OB_AMT_USER_CONSENT_ALL);
  g_assert_false (ob_amt_user_consent_from_string ("KVM", &consent));
  g_assert_false (ob_amt_user_consent_from_string (NULL, &consent));

  {
    g_autofree char *a = ob_amt_alarm_format_interval (0);
    g_autofree char *b = ob_amt_alarm_format_interval (90);
    g_autofree char *c = ob_amt_alarm_format_interval (1440 * 3 + 61);

    g_assert_cmpstr (a, ==, "P0DT0H0M");
    g_assert_cmpstr (b, ==, "P0DT1H30M");
    g_assert_cmpstr (c, ==, "P3DT1H1M");
  }
  g_assert_cmpuint (ob_amt_alarm_parse_interval ("P0DT1H30M"), ==, 90);
  g_assert_cmpuint (ob_amt_alarm_parse_interval ("P1D"), ==, 1440);
  g_assert_cmpuint (ob_amt_alarm_parse_interval ("PT90S"), ==, 1);
  g_assert_cmpuint (ob_amt_alarm_parse_interval ("P1W"), ==, 7 * 1440);
  g_assert_cmpuint (ob_amt_alarm_parse_interval ("P1Y2M3DT4H5M"), ==, 3 * 1440 + 4 * 60 + 5);
  g_assert_cmpuint (ob_amt_alarm_parse_interval (""), ==, 0);
  g_assert_cmpuint (ob_amt_alarm_parse_interval (NULL), ==, 0);
  g_assert_cmpuint (ob_amt_alarm_parse_interval ("1H"), ==, 0);
  g_assert_cmpuint (ob_amt_alarm_parse_interval ("PT1X"), ==, 0);
  g_assert_cmpuint (ob_amt_alarm_parse_interval ("P99999999999999999999D"), ==, G_MAXUINT);
}

#define ADD(path, func) \
  G_STMT_START { \
    g_test_add ("/amt-calls/plain" path, Fixture, GINT_TO_POINTER (FALSE), \
                fixture_setup, func, fixture_teardown); \
  } G_STMT_END

#define ADD_BOTH(path, func) \
  G_STMT_START { \
    ADD (path, func); \
    g_test_add ("/amt-calls/tls" path, Fixture, GINT_TO_POINTER (TRUE), \
                fixture_setup, func, fixture_teardown); \
  } G_STMT_END

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/amt-calls/helpers", test_helpers);

  ADD_BOTH ("/power/state", test_power_state);
  ADD ("/power/state-concurrent", test_power_state_concurrent);
  ADD ("/power/state-older-firmware", test_power_state_older_firmware);
  ADD_BOTH ("/power/actions", test_power_actions);
  ADD ("/power/action-quirks", test_power_action_quirks);
  ADD ("/power/action-clears-boot", test_power_action_clears_boot);
  ADD ("/power/os-saving", test_power_os_saving);
  ADD ("/power/capabilities", test_power_capabilities);
  ADD ("/power/boot-options", test_boot_options);
  ADD ("/power/boot-https", test_boot_https);
  ADD ("/power/boot-uefi-parameters", test_boot_uefi_parameters);
  ADD ("/power/boot-other-actions", test_boot_other_actions);
  ADD ("/power/boot-sources", test_boot_sources);
  ADD_BOTH ("/identity/version", test_version);
  ADD ("/identity/general-settings", test_general_settings);
  ADD_BOTH ("/hardware", test_hardware);
  ADD ("/logs/event", test_event_log);
  ADD ("/logs/audit", test_audit_log);
  ADD_BOTH ("/features", test_features);
  ADD ("/user-consent", test_user_consent);
  ADD_BOTH ("/alarms", test_alarms);
  ADD_BOTH ("/wrong-password", test_wrong_password);
  ADD ("/cancelled", test_cancelled);

  return g_test_run ();
}
