/* test-sim-redir.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "ob-redir-error.h"
#include "ob-redir-session.h"
#include "ob-rfb-client.h"
#include "ob-sim-fleet.h"
#include "ob-sim-redir-server.h"
#include "ob-sim-wsman-server.h"

/* The simulator's redirection service against Outband's own console side
 * (ObRedirSession, ObRfbClient) over socket pairs and TCP, and against
 * amtterm. */

#define STILL_TIME 1796000000

typedef struct
{
  ObSimDevice      *device;
  ObSimRedirServer *server;
  ObSimScreen      *screen;
} Fixture;

static gboolean
on_deadline (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterate the main context until *@flag is set (10 s at most). */
static void
wait_for (gboolean *flag)
{
  gboolean expired = FALSE;
  guint deadline = g_timeout_add_seconds (10, on_deadline, &expired);

  while (!*flag && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (deadline);
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition condition,
            gpointer  data)
{
  gboolean expired = FALSE;
  guint deadline = g_timeout_add_seconds (10, on_deadline, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (deadline);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->device = ob_sim_device_new (NULL);
  g_assert_true (ob_sim_device_set_opt_in_required (f->device, OB_SIM_OPT_IN_NONE, NULL, &error));
  g_assert_no_error (error);
  f->server = ob_sim_redir_server_new (f->device, NULL, NULL);
  ob_sim_redir_server_set_screen_size (f->server, 800, 600);
  f->screen = ob_sim_redir_server_get_screen (f->server);
  ob_sim_screen_set_fixed_time (f->screen, STILL_TIME);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  ob_sim_redir_server_stop (f->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (f->server);
  g_assert_finalize_object (f->device);
}

/* A connection to the server: our end of a socket pair. */
static GIOStream *
connect_pair (Fixture *f)
{
  int fds[2];
  g_autoptr(GSocket) a = NULL;
  g_autoptr(GSocket) b = NULL;
  g_autoptr(GIOStream) server_end = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  a = g_socket_new_from_fd (fds[0], NULL);
  b = g_socket_new_from_fd (fds[1], NULL);
  server_end = G_IO_STREAM (g_socket_connection_factory_create_connection (b));
  ob_sim_redir_server_serve_stream (f->server, server_end);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (a));
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Result;

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Result *r = user_data;

  r->ok = ob_redir_session_start_finish (OB_REDIR_SESSION (source), result, &r->error);
  r->done = TRUE;
}

/* Start a session of @type with @password; NULL with *error set if the
 * device refused. */
static ObRedirSession *
start_session (GIOStream          *stream,
               ObRedirSessionType  type,
               const char         *password,
               GError            **error)
{
  g_autoptr(ObRedirSession) session = ob_redir_session_new (stream, type);
  Result r = { 0 };

  ob_redir_session_set_credentials (session, OB_SIM_DEFAULT_USERNAME, password);
  ob_redir_session_start_async (session, NULL, on_started, &r);
  wait_for (&r.done);
  if (!r.ok)
    {
      g_propagate_error (error, r.error);
      ob_redir_session_abort (session);
      return NULL;
    }
  return g_steal_pointer (&session);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Result *r = user_data;

  r->ok = ob_rfb_client_connect_finish (OB_RFB_CLIENT (source), result, &r->error);
  r->done = TRUE;
}

static void
on_update_done (ObRfbClient *client,
                gpointer     user_data)
{
  guint *updates = user_data;

  (*updates)++;
}

typedef struct
{
  ObRfbClient *client;
  ObSimScreen *screen;
  int          tolerance[3];
  gboolean     grey;        /* the screen's luma in every channel */
} Match;

/* The viewer's framebuffer shows the screen (within the depth's steps). */
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

        if (m->grey)
          {
            guint luma = (((want >> 16) & 0xFF) * 299 + ((want >> 8) & 0xFF) * 587 + (want & 0xFF) * 114 + 500) / 1000;

            want = luma << 16 | luma << 8 | luma;
          }
        for (guint c = 0; c < 3; c++)
          {
            int shift = 16 - (int) c * 8;

            if (ABS ((int) ((got >> shift) & 0xFF) - (int) ((want >> shift) & 0xFF)) > m->tolerance[c])
              {
                if (g_test_verbose ())
                  g_test_message ("%u,%u: viewer %06x, screen %06x", x, y, got & 0xFFFFFF, want);
                return FALSE;
              }
          }
      }
  return TRUE;
}

static ObRfbClient *
open_kvm (Fixture *f,
          guint   *updates)
{
  g_autoptr(GIOStream) stream = connect_pair (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRedirSession) session = start_session (stream, OB_REDIR_SESSION_KVM,
                                                     OB_SIM_DEFAULT_PASSWORD, &error);
  g_autoptr(ObRfbClient) client = NULL;
  Result r = { 0 };

  g_assert_no_error (error);
  g_assert_nonnull (session);
  client = ob_redir_session_create_rfb_client (session);
  g_signal_connect (client, "update-done", G_CALLBACK (on_update_done), updates);
  ob_rfb_client_connect_async (client, NULL, on_connected, &r);
  wait_for (&r.done);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpstr (ob_rfb_client_get_desktop_name (client), ==, "Intel(r) AMT KVM");
  return g_steal_pointer (&client);
}

static gboolean
typed_is (gpointer data)
{
  Match *m = data;

  return g_strcmp0 (ob_sim_screen_get_typed_text (m->screen), "hi") == 0;
}

/* ---- KVM -------------------------------------------------------------------------- */

static void
test_kvm (Fixture       *f,
          gconstpointer  data)
{
  guint updates = 0;
  g_autoptr(ObRfbClient) client = open_kvm (f, &updates);
  Match m = { client, f->screen, { 8, 4, 8 }, FALSE };
  g_autofree char *png = NULL;

  g_assert_true (ob_sim_redir_server_has_session (f->server, OB_REDIR_SESSION_KVM));
  wait_until (framebuffer_matches, &m);

  /* Typing and a click reach the screen, and the viewer sees them. */
  ob_rfb_client_key_event (client, 'h', TRUE);
  ob_rfb_client_key_event (client, 'h', FALSE);
  ob_rfb_client_key_event (client, 'i', TRUE);
  ob_rfb_client_key_event (client, 'i', FALSE);
  ob_rfb_client_pointer_event (client, 0, 400, 300);
  ob_rfb_client_pointer_event (client, OB_RFB_BUTTON_LEFT, 400, 300);
  ob_rfb_client_pointer_event (client, 0, 400, 300);
  wait_until (typed_is, &m);
  wait_until (framebuffer_matches, &m);
  g_assert_cmpuint (ob_sim_screen_get_n_clicks (f->screen), ==, 1);

  /* Depth changes live: 8-bit colour, then grey. */
  ob_rfb_client_set_depth (client, OB_RFB_DEPTH_8);
  m.tolerance[0] = 20;
  m.tolerance[1] = 20;
  m.tolerance[2] = 43;
  ob_sim_screen_key (f->screen, '!', TRUE);
  wait_until (framebuffer_matches, &m);
  ob_rfb_client_set_depth (client, OB_RFB_DEPTH_GREY8);
  m.grey = TRUE;
  m.tolerance[0] = m.tolerance[1] = m.tolerance[2] = 2;
  wait_until (framebuffer_matches, &m);
  ob_rfb_client_set_depth (client, OB_RFB_DEPTH_GREY4);
  m.tolerance[0] = m.tolerance[1] = m.tolerance[2] = 9;
  wait_until (framebuffer_matches, &m);
  ob_rfb_client_set_depth (client, OB_RFB_DEPTH_16);
  m.grey = FALSE;
  m.tolerance[0] = 8;
  m.tolerance[1] = 4;
  m.tolerance[2] = 8;
  wait_until (framebuffer_matches, &m);

  /* A power-off shows on the screen ("No signal"). */
  ob_sim_device_request_power_state_change (f->device, 8, NULL);
  g_assert_cmpint (ob_sim_screen_get_scene (f->screen), ==, OB_SIM_SCREEN_SCENE_OFF);
  wait_until (framebuffer_matches, &m);
  g_assert_cmpuint (updates, >=, 3);

  /* Power on to BIOS setup: the BIOS screen. */
  {
    ObSimBootSettings boot = { 0 };
    g_autoptr(GError) error = NULL;

    boot.bios_setup = TRUE;
    g_assert_true (ob_sim_device_set_boot_settings (f->device, &boot, NULL, NULL, &error));
    g_assert_no_error (error);
    ob_sim_device_request_power_state_change (f->device, 2, NULL);
    g_assert_cmpint (ob_sim_screen_get_scene (f->screen), ==, OB_SIM_SCREEN_SCENE_BIOS_SETUP);
    wait_until (framebuffer_matches, &m);
  }

  /* A screenshot to look at (kept when OB_TEST_SCREENSHOT_DIR is set). */
  if (g_getenv ("OB_TEST_SCREENSHOT_DIR") != NULL)
    {
      png = g_build_filename (g_getenv ("OB_TEST_SCREENSHOT_DIR"), "sim-kvm-bios.png", NULL);
      g_assert_true (ob_sim_screen_save_png (f->screen, png, NULL));
    }

  ob_rfb_client_close (client);
  while (ob_sim_redir_server_has_session (f->server, OB_REDIR_SESSION_KVM))
    g_main_context_iteration (NULL, TRUE);
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  guint updates = 0;
  g_autoptr(ObRfbClient) first = open_kvm (f, &updates);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  ObRedirSession *session;

  /* A second KVM session: BUSY.  SOL beside it is fine. */
  stream = connect_pair (f);
  session = start_session (stream, OB_REDIR_SESSION_KVM, OB_SIM_DEFAULT_PASSWORD, &error);
  g_assert_null (session);
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_BUSY);
  g_clear_error (&error);
  g_clear_object (&stream);

  stream = connect_pair (f);
  session = start_session (stream, OB_REDIR_SESSION_SOL, OB_SIM_DEFAULT_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (ob_redir_session_is_started (session));
  ob_redir_session_abort (session);
  g_object_unref (session);
  g_clear_object (&stream);
  while (ob_sim_redir_server_has_session (f->server, OB_REDIR_SESSION_SOL))
    g_main_context_iteration (NULL, TRUE);

  /* Wrong password. */
  stream = connect_pair (f);
  session = start_session (stream, OB_REDIR_SESSION_SOL, "wrong", &error);
  g_assert_null (session);
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_FAILED);
  g_clear_error (&error);
  g_clear_object (&stream);

  /* Switching KVM off ends the running session, and refuses new ones. */
  g_assert_cmpuint (ob_sim_device_request_kvm_state (f->device, 3, NULL), ==, 0);
  while (ob_sim_redir_server_has_session (f->server, OB_REDIR_SESSION_KVM))
    g_main_context_iteration (NULL, TRUE);
  while (ob_rfb_client_is_connected (first))
    g_main_context_iteration (NULL, TRUE);
  stream = connect_pair (f);
  session = start_session (stream, OB_REDIR_SESSION_KVM, OB_SIM_DEFAULT_PASSWORD, &error);
  g_assert_null (session);
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_DISABLED);
  g_clear_error (&error);
  g_clear_object (&stream);

  /* The redirection listener off: everything is unsupported. */
  ob_sim_device_set_listener_enabled (f->device, FALSE);
  stream = connect_pair (f);
  session = start_session (stream, OB_REDIR_SESSION_SOL, OB_SIM_DEFAULT_PASSWORD, &error);
  g_assert_null (session);
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_DISABLED);
  g_clear_error (&error);
  g_clear_object (&stream);
  ob_rfb_client_close (first);
}

static gboolean
consent_in_session (gpointer data)
{
  return ob_sim_device_get_opt_in_state (data) == OB_SIM_OPT_IN_STATE_IN_SESSION;
}

static gboolean
consent_reset (gpointer data)
{
  return ob_sim_device_get_opt_in_state (data) == OB_SIM_OPT_IN_STATE_NOT_STARTED;
}

static void
test_consent (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(ObRfbClient) client = NULL;
  ObRedirSession *session;
  guint updates = 0;
  Match m = { NULL, f->screen, { 8, 4, 8 }, FALSE };
  g_autofree char *code = NULL;
  guint8 hi[2] = { 'h', 'i' };

  /* Client control mode: consent for everything. */
  ob_sim_device_set_control_mode (f->device, OB_SIM_CONTROL_MODE_CCM);
  g_assert_cmpuint (ob_sim_device_get_opt_in_required (f->device), ==, OB_SIM_OPT_IN_ALL);

  /* Never asked for: the device drops KVM after the start, SOL too. */
  stream = connect_pair (f);
  session = start_session (stream, OB_REDIR_SESSION_KVM, OB_SIM_DEFAULT_PASSWORD, &error);
  g_assert_null (session);
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_CONSENT_REQUIRED);
  g_clear_error (&error);
  g_clear_object (&stream);
  stream = connect_pair (f);
  session = start_session (stream, OB_REDIR_SESSION_SOL, OB_SIM_DEFAULT_PASSWORD, &error);
  g_assert_null (session);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_object (&stream);

  /* Asked for: the KVM session streams the screen with the code on it,
   * and the viewer's input waits for the code. */
  g_assert_cmpuint (ob_sim_device_start_opt_in (f->device, NULL), ==, 0);
  code = g_strdup (ob_sim_device_get_consent_code (f->device));
  g_assert_nonnull (code);
  client = open_kvm (f, &updates);
  m.client = client;
  wait_until (framebuffer_matches, &m);
  ob_rfb_client_key_event (client, 'x', TRUE);
  ob_rfb_client_key_event (client, 'x', FALSE);
  /* Let the server read (and drop) them before consent arrives. */
  {
    gboolean later = FALSE;

    g_timeout_add (200, on_deadline, &later);
    wait_for (&later);
  }
  g_assert_cmpuint (ob_sim_screen_get_n_keys (f->screen), ==, 0);
  g_assert_cmpuint (ob_sim_device_send_opt_in_code (f->device, g_str_equal (code, "000000") ? "111111" : "000000",
                                                   NULL), ==, OB_SIM_RV_INVALID_CONSENT_CODE);
  g_assert_cmpuint (ob_sim_device_send_opt_in_code (f->device, code, NULL), ==, 0);
  wait_until (consent_in_session, f->device);
  /* The code is gone from the screen; keys arrive now (not the x). */
  wait_until (framebuffer_matches, &m);
  ob_rfb_client_key_event (client, 'h', TRUE);
  ob_rfb_client_key_event (client, 'h', FALSE);
  ob_rfb_client_key_event (client, 'i', TRUE);
  ob_rfb_client_key_event (client, 'i', FALSE);
  wait_until (typed_is, &m);

  /* SOL joins under the same consent. */
  stream = connect_pair (f);
  session = start_session (stream, OB_REDIR_SESSION_SOL, OB_SIM_DEFAULT_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (ob_redir_session_sol_send (session, hi, sizeof hi, &error));
  g_assert_no_error (error);
  ob_redir_session_abort (session);
  g_object_unref (session);
  g_clear_object (&stream);

  /* The end of the last session ends the consent. */
  ob_rfb_client_close (client);
  wait_until (consent_reset, f->device);
}

/* ---- SOL ------------------------------------------------------------------------------ */

static void
on_sol_data (ObRedirSession *session,
             GBytes         *data,
             gpointer        user_data)
{
  GString *out = user_data;
  gsize size;
  const char *p = g_bytes_get_data (data, &size);

  g_string_append_len (out, p, (gssize) size);
}

static void
on_sol_controls (ObRedirSession *session,
                 guint           control,
                 guint           status,
                 gpointer        user_data)
{
  guint *last = user_data;

  *last = status | 0x100;
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
on_closed_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Result *r = user_data;

  r->ok = ob_redir_session_close_finish (OB_REDIR_SESSION (source), result, &r->error);
  r->done = TRUE;
}

static void
sol_conversation (ObRedirSession *session,
                  ObSimDevice    *device)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *uname = g_strdup_printf ("Linux %s 6.1.0-sim", ob_sim_device_get_hostname (device));
  guint controls = 0;
  Seen seen = { out, "login: " };
  Result r = { 0 };
  const char *lines[] = { "root\r", "secret\r", "uname -a\r", "echo hello there\r" };

  g_signal_connect (session, "sol-data", G_CALLBACK (on_sol_data), out);
  g_signal_connect (session, "sol-controls", G_CALLBACK (on_sol_controls), &controls);
  wait_until (output_has, &seen);
  g_assert_true (strstr (out->str, "POST") != NULL);
  g_assert_cmpuint (controls & OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON, !=, 0);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_assert_true (ob_redir_session_sol_send (session, (const guint8 *) lines[i], strlen (lines[i]), &error));
      g_assert_no_error (error);
    }
  seen.needle = "hello there\r\nroot@";
  wait_until (output_has, &seen);
  g_assert_nonnull (strstr (out->str, uname));
  /* The password is not echoed. */
  g_assert_null (strstr (out->str, "secret"));

  ob_redir_session_close_async (session, NULL, on_closed_done, &r);
  wait_for (&r.done);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
}

static void
test_sol (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GIOStream) stream = connect_pair (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRedirSession) session = start_session (stream, OB_REDIR_SESSION_SOL,
                                                     OB_SIM_DEFAULT_PASSWORD, &error);

  g_assert_no_error (error);
  sol_conversation (session, f->device);
  while (ob_sim_redir_server_get_n_connections (f->server) > 0)
    g_main_context_iteration (NULL, TRUE);
}

/* "Power on to BIOS with SOL": the setup screen arrives on the console,
 * typed keys land in its field; a power-off clears the power bit. */
static void
test_sol_bios (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GIOStream) stream = connect_pair (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRedirSession) session = start_session (stream, OB_REDIR_SESSION_SOL,
                                                     OB_SIM_DEFAULT_PASSWORD, &error);
  g_autoptr(GString) out = g_string_new (NULL);
  ObSimBootSettings boot = { 0 };
  guint controls = 0;
  Seen seen = { out, "login: " };

  g_assert_no_error (error);
  g_signal_connect (session, "sol-data", G_CALLBACK (on_sol_data), out);
  g_signal_connect (session, "sol-controls", G_CALLBACK (on_sol_controls), &controls);
  wait_until (output_has, &seen);

  boot.bios_setup = TRUE;
  boot.use_sol = TRUE;
  g_assert_true (ob_sim_device_set_boot_settings (f->device, &boot, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_sim_device_request_power_state_change (f->device, 10, NULL), ==, 0);
  g_assert_true (ob_sim_device_get_last_boot_used_sol (f->device));
  seen.needle = "BIOS Setup Utility";
  wait_until (output_has, &seen);
  seen.needle = "Asset Tag";
  wait_until (output_has, &seen);
  /* An arrow key (swallowed), then text and Enter. */
  g_assert_true (ob_redir_session_sol_send (session, (const guint8 *) "\033[BLAB-7\r", 9, &error));
  g_assert_no_error (error);
  seen.needle = "Asset Tag saved: LAB-7";
  wait_until (output_has, &seen);
  g_assert_null (strstr (out->str, "BLAB"));

  /* Power off: the controls say so, the console stops answering. */
  controls = 0;
  g_assert_cmpuint (ob_sim_device_request_power_state_change (f->device, 8, NULL), ==, 0);
  seen.needle = "Power-Off";
  wait_until (output_has, &seen);
  while (controls == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (controls & OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON, ==, 0);
  ob_redir_session_abort (session);
}

/* IDER opens (no disk behind it) and ends cleanly. */
static void
test_ider (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GIOStream) stream = connect_pair (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRedirSession) session = start_session (stream, OB_REDIR_SESSION_IDER,
                                                     OB_SIM_DEFAULT_PASSWORD, &error);
  guint protocol_major = 0, protocol_minor = 0, firmware_major = 0, firmware_minor = 0;

  g_assert_no_error (error);
  g_assert_true (ob_redir_session_is_started (session));
  g_assert_true (ob_sim_redir_server_has_session (f->server, OB_REDIR_SESSION_IDER));
  ob_redir_session_get_versions (session, &protocol_major, &protocol_minor, &firmware_major, &firmware_minor);
  g_assert_cmpuint (firmware_major, ==, 16);
  g_assert_cmpuint (firmware_minor, ==, 1);
  ob_redir_session_abort (session);
  while (ob_sim_redir_server_has_session (f->server, OB_REDIR_SESSION_IDER))
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
accept_any (GTlsConnection       *connection,
            GTlsCertificate      *certificate,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;
}

typedef struct
{
  gboolean   done;
  GIOStream *stream;
  GError    *error;
} Connected;

static void
on_tcp_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Connected *c = user_data;

  c->stream = G_IO_STREAM (g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &c->error));
  c->done = TRUE;
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Result *r = user_data;

  r->ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, NULL);
  r->done = TRUE;
}

/* SOL over TLS on a real port, as 16995 serves it. */
static void
test_sol_tls (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autofree char *host = NULL;
  g_autoptr(ObRedirSession) session = NULL;
  g_autoptr(GIOStream) tls = NULL;
  Connected c = { 0 };
  Result hs = { 0 };

  g_assert_true (ob_sim_redir_server_listen (f->server, "127.0.0.1", 0, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (ob_sim_redir_server_listen (f->server, "127.0.0.1", 0, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_sim_redir_server_get_tls_port (f->server), !=, 0);

  host = g_strdup_printf ("127.0.0.1:%u", ob_sim_redir_server_get_tls_port (f->server));
  g_socket_client_connect_to_host_async (socket_client, host, 0, NULL, on_tcp_connected, &c);
  wait_for (&c.done);
  g_assert_no_error (c.error);
  tls = g_tls_client_connection_new (c.stream, NULL, &error);
  g_assert_no_error (error);
  /* Self-signed, as AMT's usually is: accepted here on purpose. */
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any), NULL);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, on_handshake, &hs);
  wait_for (&hs.done);
  g_assert_true (hs.ok);
  session = start_session (tls, OB_REDIR_SESSION_SOL, OB_SIM_DEFAULT_PASSWORD, &error);
  g_assert_no_error (error);
  sol_conversation (session, f->device);
  g_clear_object (&c.stream);
}

/* A fleet device on any ports keeps AMT's layout: redirection at the
 * WS-Man ports + 2, and it answers there. */
static void
test_fleet_ports (void)
{
  g_autoptr(ObSimFleet) fleet = ob_sim_fleet_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(ObRedirSession) session = NULL;
  g_autofree char *host = NULL;
  ObSimDevice *device;
  ObSimRedirServer *redir;
  Connected c = { 0 };

  device = ob_sim_fleet_add_device (fleet, "127.0.0.1", 0, OB_SIM_PORT_ANY, NULL, &error);
  g_assert_no_error (error);
  redir = ob_sim_fleet_get_redir_server (fleet, device);
  g_assert_cmpuint (ob_sim_device_get_tls_port (device), ==, ob_sim_device_get_http_port (device) + 1);
  g_assert_cmpuint (ob_sim_redir_server_get_port (redir), ==, ob_sim_device_get_http_port (device) + 2);
  g_assert_cmpuint (ob_sim_redir_server_get_tls_port (redir), ==, ob_sim_device_get_tls_port (device) + 2);

  host = g_strdup_printf ("127.0.0.1:%u", ob_sim_device_get_http_port (device) + 2);
  g_socket_client_connect_to_host_async (socket_client, host, 0, NULL, on_tcp_connected, &c);
  wait_for (&c.done);
  g_assert_no_error (c.error);
  session = start_session (c.stream, OB_REDIR_SESSION_SOL, OB_SIM_DEFAULT_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_true (ob_redir_session_is_started (session));
  ob_redir_session_abort (session);
  g_clear_object (&c.stream);
  ob_sim_fleet_stop (fleet);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- Hostile input ------------------------------------------------------------------------ */

static void
test_garbage (Fixture       *f,
              gconstpointer  data)
{
  static const guint8 unknown[] = { 0x77, 1, 2, 3, 4, 5, 6, 7, 8 };
  static const guint8 huge_auth[] = { 0x10, 0, 0, 0, 'S', 'O', 'L', ' ',
                                      0x13, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0x7F };
  static const guint8 early_kvm[] = { 0x40, 0, 0, 0, 0, 0, 0, 0 };
  const struct { const guint8 *bytes; gsize size; } cases[] = {
    { unknown, sizeof unknown },
    { huge_auth, sizeof huge_auth },
    { early_kvm, sizeof early_kvm },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GIOStream) stream = connect_pair (f);
      g_autoptr(GError) error = NULL;
      guint8 buffer[256];
      gssize n;

      g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (stream), cases[i].bytes,
                                                cases[i].size, NULL, NULL, &error));
      /* Whatever came first (a start reply), the device hangs up. */
      do
        {
          GPollableInputStream *input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));

          g_clear_error (&error);
          n = g_pollable_input_stream_read_nonblocking (input, buffer, sizeof buffer, NULL, &error);
          if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_main_context_iteration (NULL, TRUE);
        }
      while (n != 0 && (n > 0 || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)));
      g_assert_cmpint (n, ==, 0);
    }
  while (ob_sim_redir_server_get_n_connections (f->server) > 0)
    g_main_context_iteration (NULL, TRUE);

  /* Random bytes, bare or after a SOL session started: no crash, and the
   * connection goes when the console does. */
  for (guint round = 0; round < 40; round++)
    {
      g_autoptr(GIOStream) stream = connect_pair (f);
      g_autoptr(GError) error = NULL;
      g_autoptr(ObRedirSession) session = NULL;
      guint8 noise[300];
      gsize n = (gsize) g_test_rand_int_range (1, sizeof noise);

      for (gsize i = 0; i < n; i++)
        noise[i] = (guint8) g_test_rand_int_range (0, 256);
      if (round % 2 == 1)
        {
          session = start_session (stream, OB_REDIR_SESSION_SOL, OB_SIM_DEFAULT_PASSWORD, &error);
          g_assert_no_error (error);
          noise[0] = (guint8) g_test_rand_int_range (0x20, 0x2C);
        }
      g_output_stream_write_all (g_io_stream_get_output_stream (stream), noise, n, NULL, NULL, NULL);
      for (guint i = 0; i < 50; i++)
        g_main_context_iteration (NULL, FALSE);
      if (session != NULL)
        ob_redir_session_abort (session);
      g_io_stream_close (stream, NULL, NULL);
      while (ob_sim_redir_server_get_n_connections (f->server) > 0)
        g_main_context_iteration (NULL, TRUE);
    }
}

/* ---- amtterm, a real SOL console -------------------------------------------------------------- */

typedef struct
{
  GString      *out;
  GInputStream *stdout_pipe;
  guint8        buffer[4096];
  gboolean      eof;
} Reader;

static void
on_amtterm_read (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Reader *reader = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    {
      reader->eof = TRUE;
      return;
    }
  g_string_append_len (reader->out, (const char *) reader->buffer, n);
  g_input_stream_read_async (reader->stdout_pipe, reader->buffer, sizeof reader->buffer,
                             G_PRIORITY_DEFAULT, NULL, on_amtterm_read, reader);
}

static gboolean
reader_has (gpointer data)
{
  Seen *s = data;

  return strstr (s->out->str, s->needle) != NULL;
}

static gboolean
reader_eof (gpointer data)
{
  return ((Reader *) data)->eof;
}

static void
test_amtterm (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *path = g_find_program_in_path ("amtterm");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) amtterm = NULL;
  g_autofree char *port = NULL;
  g_autofree char *uname = g_strdup_printf ("Linux %s 6.1.0-sim", ob_sim_device_get_hostname (f->device));
  g_autoptr(GString) out = g_string_new (NULL);
  GOutputStream *input;
  Reader reader = { out, NULL, { 0 }, FALSE };
  Seen seen = { out, "login: " };

  if (path == NULL)
    {
      g_test_skip ("amtterm is not installed");
      return;
    }
  g_assert_true (ob_sim_redir_server_listen (f->server, "127.0.0.1", 0, FALSE, &error));
  g_assert_no_error (error);
  port = g_strdup_printf ("%u", ob_sim_redir_server_get_port (f->server));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "AMT_PASSWORD", OB_SIM_DEFAULT_PASSWORD, TRUE);
  amtterm = g_subprocess_launcher_spawn (launcher, &error, "amtterm", "-u", OB_SIM_DEFAULT_USERNAME,
                                         "127.0.0.1", port, NULL);
  g_assert_no_error (error);
  reader.stdout_pipe = g_subprocess_get_stdout_pipe (amtterm);
  g_input_stream_read_async (reader.stdout_pipe, reader.buffer, sizeof reader.buffer,
                             G_PRIORITY_DEFAULT, NULL, on_amtterm_read, &reader);
  input = g_subprocess_get_stdin_pipe (amtterm);

  wait_until (reader_has, &seen);
  g_assert_nonnull (strstr (out->str, "serial-over-lan redirection ok"));
  g_assert_true (g_output_stream_write_all (input, "root\r", 5, NULL, NULL, &error));
  seen.needle = "Password: ";
  wait_until (reader_has, &seen);
  g_assert_true (g_output_stream_write_all (input, "pw\r", 3, NULL, NULL, &error));
  seen.needle = "~$ ";
  wait_until (reader_has, &seen);
  g_assert_true (g_output_stream_write_all (input, "uname -a\r", 9, NULL, NULL, &error));
  seen.needle = uname;
  wait_until (reader_has, &seen);
  g_test_message ("amtterm showed:\n%s", out->str);

  /* End of input: amtterm ends the session and exits. */
  g_assert_true (g_output_stream_close (input, NULL, &error));
  wait_until (reader_eof, &reader);
  g_assert_true (g_subprocess_wait (amtterm, NULL, &error));
  g_assert_no_error (error);
  while (ob_sim_redir_server_get_n_connections (f->server) > 0)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/sim-redir/kvm", Fixture, NULL, fixture_setup, test_kvm, fixture_teardown);
  g_test_add ("/sim-redir/refusals", Fixture, NULL, fixture_setup, test_refusals, fixture_teardown);
  g_test_add ("/sim-redir/consent", Fixture, NULL, fixture_setup, test_consent, fixture_teardown);
  g_test_add ("/sim-redir/sol", Fixture, NULL, fixture_setup, test_sol, fixture_teardown);
  g_test_add ("/sim-redir/sol-tls", Fixture, NULL, fixture_setup, test_sol_tls, fixture_teardown);
  g_test_add ("/sim-redir/sol-bios", Fixture, NULL, fixture_setup, test_sol_bios, fixture_teardown);
  g_test_add ("/sim-redir/ider", Fixture, NULL, fixture_setup, test_ider, fixture_teardown);
  g_test_add_func ("/sim-redir/fleet-ports", test_fleet_ports);
  g_test_add ("/sim-redir/garbage", Fixture, NULL, fixture_setup, test_garbage, fixture_teardown);
  g_test_add ("/sim-redir/amtterm", Fixture, NULL, fixture_setup, test_amtterm, fixture_teardown);

  return g_test_run ();
}
