/* kvm-canvas-fps.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Frames per second the KVM window actually shows, from a simulated device
 * over CIRA on loopback: an MPS (ObMpsServer) and a simulated device that
 * calls in (ObSimCira), the device's screen at 1920×1080, the KVM window
 * opened on the registry's device (its stream is an APF channel to 16994).
 * While the measurement runs the pointer moves across the screen (the
 * simulator draws its trail) and the clock ticks, so every update has new
 * content.  Counted: canvas frames drawn with new content (a texture made
 * from fresh damage), RFB updates decoded, bytes received, and the time
 * spent making textures.
 *
 * Run under a display (Xvfb):
 *   xvfb-run -a -s '-screen 0 1920x1200x24' _build/tests/bench/kvm-canvas-fps [SECONDS] [WIDTH HEIGHT] [--same-thread]
 */

#include "config.h"

#include <stdlib.h>

#include <adwaita.h>

#include "cira-test-util.h"
#include "ob-kvm-window.h"
#include "ob-sim-cira.h"
#include "ob-sim-cira-pool.h"
#include "ob-sim-redir-server.h"
#include "ob-sim-wsman-server.h"

#define GUID          "0c4b7e52-9a1d-4f3e-8b6c-2d5e7f8a9b01"
#define CIRA_USER     "fps-device"
#define CIRA_PASSWORD "Fps!Cira1"
#define AMT_PASSWORD  "Fps!Amt99x"
#define MPS_NAME      "mps.kvm-fps.example"

static gboolean
cira_ready (gpointer data)
{
  ObApfSession *session = ob_sim_cira_get_session (data);

  return ob_sim_cira_get_state (data) == OB_SIM_CIRA_STATE_CONNECTED &&
         session != NULL && ob_apf_session_has_forwarded_port (session, 5900);
}

static gboolean
device_connected (gpointer data)
{
  return ob_device_get_transport_source (OB_DEVICE (data)) != NULL &&
         ob_device_get_kvm_enabled (OB_DEVICE (data));
}

static gboolean
kvm_showing (gpointer data)
{
  return ob_kvm_window_get_state (data) == OB_KVM_WINDOW_STATE_CONNECTED &&
         ob_kvm_canvas_get_frames_shown (ob_kvm_window_get_canvas (data)) > 0;
}

typedef struct
{
  ObKvmWindow *window;
  guint width;
  guint height;
  guint step;
} Mover;

/* 60 pointer positions a second along a diagonal sweep. */
static gboolean
move_pointer (gpointer user_data)
{
  Mover *mover = user_data;
  ObRfbClient *client = ob_kvm_window_get_client (mover->window);
  guint x, y;

  if (client == NULL)
    return G_SOURCE_CONTINUE;

  mover->step++;
  x = (mover->step * 13) % mover->width;
  y = (mover->step * 7) % mover->height;
  ob_rfb_client_pointer_event (client, 0, x, y);
  return G_SOURCE_CONTINUE;
}

/* The simulated device runs on a thread of its own with its own main
 * context, as a real device is another machine: the main thread has what
 * the app has (the MPS, the RFB client, the canvas).  --same-thread puts
 * it on the main thread too (a main loop that incoming data keeps busy). */
typedef struct
{
  guint16 mps_port;
  GTlsCertificate *root;
  guint width;
  guint height;
  gboolean same_thread;
  GMainContext *context;
  ObSimDevice *sim;
  ObSimWsmanServer *wsman;
  ObSimCiraPool *pool;
  ObSimCira *cira;
  ObSimRedirServer *redir;
  gint stop;
  gint ready;
} Device;

static void
device_start (Device *d)
{
  g_autoptr(GError) error = NULL;

  d->sim = ob_sim_device_new (GUID);
  if (!ob_sim_device_set_opt_in_required (d->sim, OB_SIM_OPT_IN_NONE, NULL, &error))
    g_error ("%s", error->message);
  d->wsman = ob_sim_wsman_server_new (d->sim, "admin", AMT_PASSWORD);
  d->redir = ob_sim_redir_server_new (d->sim, "admin", AMT_PASSWORD);
  ob_sim_redir_server_set_screen_size (d->redir, d->width, d->height);

  d->pool = ob_sim_cira_pool_new ("127.0.0.1", d->mps_port);
  ob_sim_cira_pool_set_root_certificate (d->pool, d->root);
  ob_sim_cira_pool_set_common_name (d->pool, MPS_NAME);
  d->cira = ob_sim_cira_new (d->pool, d->sim, d->wsman, CIRA_USER, CIRA_PASSWORD);
  ob_sim_cira_set_redir_server (d->cira, d->redir);
  ob_sim_cira_start (d->cira);
}

static void
device_stop (Device *d)
{
  ob_sim_cira_stop (d->cira);
  ob_sim_redir_server_stop (d->redir);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (d->context, FALSE);
  g_clear_object (&d->cira);
  g_clear_object (&d->redir);
  g_clear_object (&d->pool);
  g_clear_object (&d->wsman);
  g_clear_object (&d->sim);
}

static gpointer
device_thread (gpointer data)
{
  Device *d = data;

  g_main_context_push_thread_default (d->context);
  device_start (d);
  while (!g_atomic_int_get (&d->stop))
    {
      if (!g_atomic_int_get (&d->ready) && cira_ready (d->cira))
        g_atomic_int_set (&d->ready, TRUE);
      g_main_context_iteration (d->context, TRUE);
    }
  device_stop (d);
  g_main_context_pop_thread_default (d->context);
  return NULL;
}

static gboolean
device_ready (gpointer data)
{
  Device *d = data;

  if (d->same_thread)
    return cira_ready (d->cira);
  return g_atomic_int_get (&d->ready);
}

static void
count_damage (ObFramebuffer *framebuffer,
              guint          x,
              guint          y,
              guint          width,
              guint          height,
              gpointer       user_data)
{
  guint64 *counters = user_data;

  counters[0]++;
  counters[1] += (guint64) width * height;
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ob_device_refresh_finish (OB_DEVICE (source), result, NULL);
}

int
main (int   argc,
      char *argv[])
{
  CiraTestCa ca;
  CiraTestMps mps;
  g_autoptr(GTlsCertificate) root = NULL;
  Device d = { 0 };
  GThread *thread;
  ObKvmWindow *window;
  ObKvmCanvas *canvas;
  ObRfbClient *client;
  ObDevice *device;
  Mover mover = { 0 };
  guint mover_source;
  gboolean same_thread = argc > 1 && g_str_equal (argv[argc - 1], "--same-thread");
  int nargs = same_thread ? argc - 1 : argc;
  guint seconds = nargs > 1 ? (guint) atoi (argv[1]) : 10;
  guint width = nargs > 3 ? (guint) atoi (argv[2]) : 1920;
  guint height = nargs > 3 ? (guint) atoi (argv[3]) : 1080;
  guint64 frames0, updates0, bytes0;
  guint64 damage[2] = { 0, 0 };
  gint64 upload0, start, elapsed;
  double s;

  g_setenv ("OUTBAND_SECRET_STORE", "memory", TRUE);
  gtk_init ();
  adw_init ();

  cira_test_ca_init (&ca, MPS_NAME);
  root = cira_test_ca_dup_root (&ca);
  cira_test_mps_init (&mps, ca.secrets, ca.authority, TRUE);
  cira_test_register_device (&mps, ca.secrets, GUID, "FPS box", CIRA_USER, CIRA_PASSWORD, AMT_PASSWORD);

  d.mps_port = ob_mps_server_get_port (mps.server);
  d.root = root;
  d.width = width;
  d.height = height;
  d.same_thread = same_thread;
  if (same_thread)
    {
      d.context = g_main_context_ref (g_main_context_default ());
      device_start (&d);
      thread = NULL;
    }
  else
    {
      d.context = g_main_context_new ();
      thread = g_thread_new ("sim-device", device_thread, &d);
    }
  if (!cira_test_wait_until (device_ready, &d, 30000))
    g_error ("the simulated device did not connect over CIRA");

  device = ob_device_registry_lookup (mps.registry, GUID);
  g_assert (device != NULL);
  ob_device_refresh_async (device, NULL, on_refreshed, NULL);
  if (!cira_test_wait_until (device_connected, device, 30000))
    g_error ("the CIRA device did not come up with KVM on");

  window = OB_KVM_WINDOW (ob_kvm_window_new (device));
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  if (!cira_test_wait_until (kvm_showing, window, 30000))
    g_error ("the KVM window did not connect: %s",
             ob_kvm_window_get_end_message (window) ? ob_kvm_window_get_end_message (window) : "timeout");

  canvas = ob_kvm_window_get_canvas (window);
  client = ob_kvm_window_get_client (window);
  mover.window = window;
  mover.width = width;
  mover.height = height;
  mover_source = g_timeout_add (16, move_pointer, &mover);

  /* Let the first full frame and the sweep get going. */
  cira_test_spin_ms (1000);

  g_signal_connect (ob_rfb_client_get_framebuffer (client), "damaged", G_CALLBACK (count_damage), damage);
  frames0 = ob_kvm_canvas_get_frames_shown (canvas);
  upload0 = ob_kvm_canvas_get_upload_time (canvas);
  updates0 = ob_rfb_client_get_updates (client);
  bytes0 = ob_rfb_client_get_bytes_received (client);
  start = g_get_monotonic_time ();
  cira_test_spin_ms (seconds * 1000);
  elapsed = g_get_monotonic_time () - start;
  s = elapsed / (double) G_USEC_PER_SEC;

  {
    guint64 frames = ob_kvm_canvas_get_frames_shown (canvas) - frames0;
    guint64 updates = ob_rfb_client_get_updates (client) - updates0;
    guint64 bytes = ob_rfb_client_get_bytes_received (client) - bytes0;
    gint64 upload = ob_kvm_canvas_get_upload_time (canvas) - upload0;

    g_print ("KVM over CIRA on loopback, %u×%u, 16-bit colour, %.1f s, device on %s:\n", width, height, s,
             same_thread ? "the main thread" : "its own thread");
    g_print ("  frames shown with new content: %" G_GUINT64_FORMAT " (%.1f fps)\n", frames, frames / s);
    g_print ("  RFB updates decoded:           %" G_GUINT64_FORMAT " (%.1f /s)\n", updates, updates / s);
    g_print ("  updates with damage:           %" G_GUINT64_FORMAT " (%.1f /s, %.0f pixels each)\n",
             damage[0], damage[0] / s, damage[0] > 0 ? damage[1] / (double) damage[0] : 0.0);
    g_print ("  received:                      %.0f kB/s\n", bytes / 1024.0 / s);
    g_print ("  update latency (request→end):  %.1f ms\n", ob_rfb_client_get_update_latency (client) / 1000.0);
    g_print ("  texture made per frame:        %.2f ms (whole %u×%u copy)\n",
             frames > 0 ? upload / 1000.0 / frames : 0.0, width, height);
  }

  g_source_remove (mover_source);
  gtk_window_destroy (GTK_WINDOW (window));
  cira_test_spin_ms (200);
  if (thread != NULL)
    {
      g_atomic_int_set (&d.stop, TRUE);
      g_main_context_wakeup (d.context);
      g_thread_join (thread);
    }
  else
    device_stop (&d);
  g_main_context_unref (d.context);
  cira_test_mps_clear (&mps);
  cira_test_ca_clear (&ca);
  return 0;
}
