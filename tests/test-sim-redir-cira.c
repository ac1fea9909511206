/* test-sim-redir-cira.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Redirection through CIRA, end to end over loopback: a simulated device
 * (ObSimCira with an ObSimRedirServer) calls ObMpsServer; the MPS side
 * opens an APF channel to 16994 through the device's ObDevice and runs
 * Outband's own console (ObRedirSession, ObRfbClient) on it: the KVM
 * screen arrives and typing reaches it; SOL talks. */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "cira-test-util.h"
#include "ob-device-registry.h"
#include "ob-mps-server.h"
#include "ob-redir-session.h"
#include "ob-rfb-client.h"
#include "ob-sim-cira.h"
#include "ob-sim-cira-pool.h"
#include "ob-sim-redir-server.h"
#include "ob-stream-source.h"

#define GUID          "6a7b8c9d-aeb0-4c1d-8e2f-3a4b5c6d7e8f"
#define CIRA_USER     "cira-device"
#define CIRA_PASSWORD "Cira!Pass1"
#define AMT_PASSWORD  "Amt!Pass99"
#define MPS_NAME      "mps.sim-redir.example"

static CiraTestCa       ca;
static GTlsCertificate *root;

static gboolean
cira_connected (gpointer data)
{
  return ob_sim_cira_get_state (data) == OB_SIM_CIRA_STATE_CONNECTED;
}

/* The last port AMT forwards: 16994 is open by then. */
static gboolean
forwards_done (gpointer data)
{
  ObApfSession *session = ob_sim_cira_get_session (data);

  return session != NULL && ob_apf_session_has_forwarded_port (session, 5900);
}

static gboolean
device_connected (gpointer data)
{
  return ob_device_get_transport_source (OB_DEVICE (data)) != NULL;
}

typedef struct
{
  ObRfbClient *client;
  ObSimScreen *screen;
} Match;

static gboolean
framebuffer_matches (gpointer data)
{
  Match *m = data;
  ObFramebuffer *fb = ob_rfb_client_get_framebuffer (m->client);
  guint w = ob_sim_screen_get_width (m->screen), h = ob_sim_screen_get_height (m->screen);

  if (ob_framebuffer_get_width (fb) != w || ob_framebuffer_get_height (fb) != h)
    return FALSE;
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint32 want = ob_sim_screen_get_pixel (m->screen, x, y);
        guint32 got = ob_framebuffer_get_pixel (fb, x, y);
        const int tolerance[3] = { 8, 4, 8 };

        for (guint c = 0; c < 3; c++)
          {
            int shift = 16 - (int) c * 8;

            if (ABS ((int) ((got >> shift) & 0xFF) - (int) ((want >> shift) & 0xFF)) > tolerance[c])
              return FALSE;
          }
      }
  return TRUE;
}

static gboolean
no_connections (gpointer data)
{
  return ob_sim_redir_server_get_n_connections (data) == 0;
}

static gboolean
typed (gpointer data)
{
  return g_strcmp0 (ob_sim_screen_get_typed_text (data), "cira") == 0;
}

typedef struct
{
  GString    *out;
  const char *needle;
} Seen;

static gboolean
output_has (gpointer data)
{
  Seen *s = data;

  return strstr (s->out->str, s->needle) != NULL;
}

static void
on_sol_data (ObRedirSession *session,
             GBytes         *data,
             gpointer        user_data)
{
  gsize size;
  const char *p = g_bytes_get_data (data, &size);

  g_string_append_len (user_data, p, (gssize) size);
}

static GIOStream *
open_channel (ObDevice *device)
{
  ObStreamSource *source = ob_device_get_transport_source (device);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GIOStream *stream;

  ob_stream_source_open_stream_async (source, OB_SIM_REDIR_PORT, NULL, cira_test_store_result, &result);
  stream = ob_stream_source_open_stream_finish (source, cira_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (stream);
  return stream;
}

static ObRedirSession *
start (GIOStream          *stream,
       ObRedirSessionType  type)
{
  g_autoptr(ObRedirSession) session = ob_redir_session_new (stream, type);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ob_redir_session_set_credentials (session, "admin", AMT_PASSWORD);
  ob_redir_session_start_async (session, NULL, cira_test_store_result, &result);
  g_assert_true (ob_redir_session_start_finish (session, cira_test_wait_result (&result), &error));
  g_assert_no_error (error);
  return g_steal_pointer (&session);
}

static void
test_kvm_and_sol (void)
{
  CiraTestMps mps;
  g_autoptr(ObSimCiraPool) pool = NULL;
  g_autoptr(ObSimDevice) sim = ob_sim_device_new (GUID);
  g_autoptr(ObSimWsmanServer) wsman = ob_sim_wsman_server_new (sim, "admin", AMT_PASSWORD);
  g_autoptr(ObSimRedirServer) redir = ob_sim_redir_server_new (sim, "admin", AMT_PASSWORD);
  g_autoptr(ObSimCira) cira = NULL;
  g_autoptr(GIOStream) kvm_stream = NULL;
  g_autoptr(GIOStream) sol_stream = NULL;
  g_autoptr(ObRedirSession) kvm = NULL;
  g_autoptr(ObRedirSession) sol = NULL;
  g_autoptr(ObRfbClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  ObSimScreen *screen;
  ObDevice *device;
  Match m;
  Seen seen = { out, "login: " };
  const char *word = "cira";

  g_assert_true (ob_sim_device_set_opt_in_required (sim, OB_SIM_OPT_IN_NONE, NULL, &error));
  g_assert_no_error (error);
  ob_sim_redir_server_set_screen_size (redir, 640, 480);
  screen = ob_sim_redir_server_get_screen (redir);
  ob_sim_screen_set_fixed_time (screen, 1796000000);

  cira_test_mps_init (&mps, ca.secrets, ca.authority, TRUE);
  cira_test_register_device (&mps, ca.secrets, GUID, "Redirection box", CIRA_USER, CIRA_PASSWORD,
                             AMT_PASSWORD);
  pool = ob_sim_cira_pool_new ("127.0.0.1", ob_mps_server_get_port (mps.server));
  ob_sim_cira_pool_set_root_certificate (pool, root);
  ob_sim_cira_pool_set_common_name (pool, MPS_NAME);
  cira = ob_sim_cira_new (pool, sim, wsman, CIRA_USER, CIRA_PASSWORD);
  ob_sim_cira_set_redir_server (cira, redir);
  ob_sim_cira_start (cira);
  g_assert_true (cira_test_wait_until (cira_connected, cira, 20000));
  g_assert_true (cira_test_wait_until (forwards_done, cira, 20000));
  device = ob_device_registry_lookup (mps.registry, GUID);
  g_assert_nonnull (device);
  g_assert_true (cira_test_wait_until (device_connected, device, 20000));

  /* KVM over an APF channel to 16994. */
  kvm_stream = open_channel (device);
  kvm = start (kvm_stream, OB_REDIR_SESSION_KVM);
  client = ob_redir_session_create_rfb_client (kvm);
  ob_rfb_client_connect_async (client, NULL, cira_test_store_result, &result);
  g_assert_true (ob_rfb_client_connect_finish (client, cira_test_wait_result (&result), &error));
  g_assert_no_error (error);
  m.client = client;
  m.screen = screen;
  g_assert_true (cira_test_wait_until (framebuffer_matches, &m, 20000));
  for (const char *p = word; *p != '\0'; p++)
    {
      ob_rfb_client_key_event (client, (guchar) *p, TRUE);
      ob_rfb_client_key_event (client, (guchar) *p, FALSE);
    }
  g_assert_true (cira_test_wait_until (typed, screen, 20000));
  g_assert_true (cira_test_wait_until (framebuffer_matches, &m, 20000));

  /* SOL on a second channel at the same time. */
  sol_stream = open_channel (device);
  sol = start (sol_stream, OB_REDIR_SESSION_SOL);
  g_signal_connect (sol, "sol-data", G_CALLBACK (on_sol_data), out);
  g_assert_true (cira_test_wait_until (output_has, &seen, 20000));
  g_assert_true (ob_redir_session_sol_send (sol, (const guint8 *) "root\rx\rhostname\r", 16, &error));
  g_assert_no_error (error);
  seen.needle = g_strdup_printf ("hostname\r\n%s\r\n", ob_sim_device_get_hostname (sim));
  g_assert_true (cira_test_wait_until (output_has, &seen, 20000));
  g_free ((char *) seen.needle);

  g_clear_object (&result);
  ob_redir_session_close_async (sol, NULL, cira_test_store_result, &result);
  g_assert_true (ob_redir_session_close_finish (sol, cira_test_wait_result (&result), &error));
  g_assert_no_error (error);
  ob_rfb_client_close (client);
  g_assert_true (cira_test_wait_until (no_connections, redir, 20000));

  ob_sim_cira_stop (cira);
  ob_sim_redir_server_stop (redir);
  g_clear_object (&cira);
  g_clear_object (&pool);
  cira_test_mps_clear (&mps);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  cira_test_ca_init (&ca, MPS_NAME);
  root = cira_test_ca_dup_root (&ca);

  g_test_add_func ("/sim-redir-cira/kvm-and-sol", test_kvm_and_sol);

  ret = g_test_run ();

  g_clear_object (&root);
  cira_test_ca_clear (&ca);
  return ret;
}
