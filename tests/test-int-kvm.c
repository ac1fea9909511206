/* test-int-kvm.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* KVM end to end against the simulator, over the LAN, over CIRA and
 * through the MPS WebSocket relay: connect, see the screen, type and see
 * the echo, click, change the colour depth live, disconnect; user consent
 * with a wrong and the right code.  Through the relay the console never
 * has the AMT password, and the relay's refusals come before the upgrade. */

#include "config.h"

#include <string.h>

#include "int-test-util.h"
#include "ob-redir-error.h"
#include "ob-rfb-client.h"

typedef struct
{
  ObRfbClient *client;
  ObSimScreen *screen;
  int          tolerance[3];
  gboolean     grey;
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

        if (m->grey)
          {
            guint luma = (((want >> 16) & 0xFF) * 299 + ((want >> 8) & 0xFF) * 587
                          + (want & 0xFF) * 114 + 500) / 1000;

            want = luma << 16 | luma << 8 | luma;
          }
        for (guint c = 0; c < 3; c++)
          {
            int shift = 16 - (int) c * 8;

            if (ABS ((int) ((got >> shift) & 0xFF) - (int) ((want >> shift) & 0xFF)) > m->tolerance[c])
              return FALSE;
          }
      }
  return TRUE;
}

typedef struct
{
  ObSimScreen *screen;
  const char  *text;
  guint        clicks;
} Typed;

static gboolean
typed_is (gpointer data)
{
  Typed *t = data;

  return g_strcmp0 (ob_sim_screen_get_typed_text (t->screen), t->text) == 0;
}

static gboolean
clicks_are (gpointer data)
{
  Typed *t = data;

  return ob_sim_screen_get_n_clicks (t->screen) == t->clicks;
}

static gboolean
no_connections (gpointer data)
{
  return ob_sim_redir_server_get_n_connections (data) == 0;
}

static gboolean
client_gone (gpointer data)
{
  return !ob_rfb_client_is_connected (data);
}

static ObRfbClient *
open_kvm (IntEnv          *env,
          ObRedirSession **out_session,
          GError         **error)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(ObRedirSession) session = NULL;
  g_autoptr(ObRfbClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  stream = int_env_open (env, "kvm", error);
  if (stream == NULL)
    return NULL;
  session = int_env_start (env, stream, OB_REDIR_SESSION_KVM, error);
  if (session == NULL)
    return NULL;
  client = ob_redir_session_create_rfb_client (session);
  ob_rfb_client_connect_async (client, NULL, cira_test_store_result, &result);
  if (!ob_rfb_client_connect_finish (client, cira_test_wait_result (&result), error))
    return NULL;
  if (out_session != NULL)
    *out_session = g_steal_pointer (&session);
  return g_steal_pointer (&client);
}

static void
type_text (ObRfbClient *client,
           const char  *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      ob_rfb_client_key_event (client, (guchar) *p, TRUE);
      ob_rfb_client_key_event (client, (guchar) *p, FALSE);
    }
}

static void
run_kvm (IntTransport transport)
{
  IntEnv env;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRfbClient) client = NULL;
  g_autoptr(ObRedirSession) session = NULL;
  Match m = { NULL, NULL, { 8, 4, 8 }, FALSE };
  Typed t = { NULL, "e2e", 3 };

  int_env_init (&env, transport);
  ob_sim_redir_server_set_screen_size (env.redir, 640, 480);
  t.screen = env.screen;

  client = open_kvm (&env, &session, &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);
  m.client = client;
  m.screen = env.screen;
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));

  /* Typing shows on the device's screen and comes back in the picture. */
  type_text (client, "e2e");
  g_assert_true (int_wait_until (typed_is, &t, 20000));
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));

  /* Three clicks. */
  for (guint i = 0; i < 3; i++)
    {
      ob_rfb_client_pointer_event (client, 0, 100 + i * 10, 120);
      ob_rfb_client_pointer_event (client, OB_RFB_BUTTON_LEFT, 100 + i * 10, 120);
      ob_rfb_client_pointer_event (client, 0, 100 + i * 10, 120);
    }
  g_assert_true (int_wait_until (clicks_are, &t, 20000));

  /* Colour depth changes live: 8-bit, grey, back to 16-bit. */
  ob_rfb_client_set_depth (client, OB_RFB_DEPTH_8);
  m.tolerance[0] = 20;
  m.tolerance[1] = 20;
  m.tolerance[2] = 43;
  type_text (client, "8");
  t.text = "e2e8";
  g_assert_true (int_wait_until (typed_is, &t, 20000));
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));
  ob_rfb_client_set_depth (client, OB_RFB_DEPTH_GREY8);
  m.grey = TRUE;
  m.tolerance[0] = m.tolerance[1] = m.tolerance[2] = 2;
  type_text (client, "g");
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));
  ob_rfb_client_set_depth (client, OB_RFB_DEPTH_16);
  m.grey = FALSE;
  m.tolerance[0] = 8;
  m.tolerance[1] = 4;
  m.tolerance[2] = 8;
  type_text (client, "x");
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));
  g_assert_cmpuint (ob_rfb_client_get_updates (client), >=, 4);

  /* Disconnect: the device lets the session go. */
  ob_rfb_client_close (client);
  g_assert_true (int_wait_until (no_connections, env.redir, 20000));

  /* And a new session works after it. */
  g_clear_object (&client);
  g_clear_object (&session);
  client = open_kvm (&env, &session, &error);
  g_assert_no_error (error);
  m.client = client;
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));
  ob_rfb_client_close (client);
  g_assert_true (int_wait_until (no_connections, env.redir, 20000));

  int_env_clear (&env);
}

static void
test_kvm_lan (void)
{
  run_kvm (INT_TRANSPORT_LAN);
}

static void
test_kvm_cira (void)
{
  run_kvm (INT_TRANSPORT_CIRA);
}

static void
test_kvm_relay (void)
{
  run_kvm (INT_TRANSPORT_RELAY);
}

/* ---- consent ---------------------------------------------------------- */

static gboolean
consent_in_session (gpointer data)
{
  return ob_sim_device_get_opt_in_state (data) == OB_SIM_OPT_IN_STATE_IN_SESSION;
}

static void
run_consent (IntTransport transport)
{
  IntEnv env;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRfbClient) client = NULL;
  g_autoptr(ObRedirSession) session = NULL;
  g_autofree char *code = NULL;
  Match m = { NULL, NULL, { 8, 4, 8 }, FALSE };
  Typed t = { NULL, "ok", 0 };
  const char *wrong;

  int_env_init (&env, transport);
  ob_sim_redir_server_set_screen_size (env.redir, 640, 480);
  t.screen = env.screen;
  /* Client control mode: consent for everything. */
  ob_sim_device_set_control_mode (env.sim, OB_SIM_CONTROL_MODE_CCM);

  /* Without consent the device refuses the KVM session. */
  client = open_kvm (&env, NULL, &error);
  g_assert_null (client);
  g_assert_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_CONSENT_REQUIRED);
  g_clear_error (&error);
  g_assert_true (int_wait_until (no_connections, env.redir, 20000));

  /* Asked for: the code shows on the device's screen, the viewer sees it. */
  g_assert_cmpuint (int_env_consent_start (&env), ==, 0);
  code = g_strdup (ob_sim_device_get_consent_code (env.sim));
  g_assert_nonnull (code);
  client = open_kvm (&env, &session, &error);
  g_assert_no_error (error);
  m.client = client;
  m.screen = env.screen;
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));

  /* A wrong code is refused and changes nothing. */
  wrong = g_str_equal (code, "000000") ? "111111" : "000000";
  g_assert_cmpuint (int_env_consent_send (&env, wrong), ==, OB_SIM_RV_INVALID_CONSENT_CODE);
  g_assert_false (consent_in_session (env.sim));

  /* The right one opens the session: keys arrive. */
  g_assert_cmpuint (int_env_consent_send (&env, code), ==, 0);
  g_assert_true (int_wait_until (consent_in_session, env.sim, 20000));
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));
  type_text (client, "ok");
  g_assert_true (int_wait_until (typed_is, &t, 20000));

  ob_rfb_client_close (client);
  g_assert_true (int_wait_until (no_connections, env.redir, 20000));
  int_env_clear (&env);
}

static void
test_consent_lan (void)
{
  run_consent (INT_TRANSPORT_LAN);
}

static void
test_consent_relay (void)
{
  run_consent (INT_TRANSPORT_RELAY);
}

/* ---- the relay's own behaviour ---------------------------------------- */

static void
test_relay_refusals (void)
{
  IntEnv env;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRfbClient) first = NULL;
  g_autoptr(ObRfbClient) again = NULL;
  g_autofree char *token = NULL;
  g_autofree char *offline_token = NULL;
  Match m = { NULL, NULL, { 8, 4, 8 }, FALSE };
  const char *kvm_query = "p=2&host=" INT_GUID "&port=16994&tls=0&tls1only=0&mode=kvm";

  int_env_init (&env, INT_TRANSPORT_RELAY);
  ob_sim_redir_server_set_screen_size (env.redir, 320, 240);
  token = int_env_relay_token (&env, INT_GUID);
  g_assert_nonnull (token);

  /* No token, a forged one, the login token (deviceId "*"). */
  g_assert_cmpuint (int_env_relay_status (&env, "/relay/webrelay.ashx", kvm_query, NULL), ==,
                    SOUP_STATUS_UNAUTHORIZED);
  {
    g_autofree char *forged = g_strconcat (token, "x", NULL);

    g_assert_cmpuint (int_env_relay_status (&env, "/relay/webrelay.ashx", kvm_query, forged), ==,
                      SOUP_STATUS_UNAUTHORIZED);
  }
  g_assert_cmpuint (int_env_relay_status (&env, "/relay/webrelay.ashx", kvm_query, env.bearer), ==,
                    SOUP_STATUS_UNAUTHORIZED);

  /* A token for one device does not open another. */
  offline_token = int_env_relay_token (&env, INT_GUID_OFFLINE);
  g_assert_nonnull (offline_token);
  g_assert_cmpuint (int_env_relay_status (&env, "/relay/webrelay.ashx", kvm_query, offline_token), ==,
                    SOUP_STATUS_UNAUTHORIZED);
  /* A known device that is not connected. */
  g_assert_cmpuint (int_env_relay_status (&env, "/relay/webrelay.ashx",
                                          "p=2&host=" INT_GUID_OFFLINE "&port=16994&tls=0&mode=kvm",
                                          offline_token), ==, SOUP_STATUS_NOT_FOUND);
  /* No token for an unknown device. */
  g_assert_null (int_env_relay_token (&env, "00000000-1111-4222-8333-444444444444"));
  /* A port that is not redirection. */
  g_assert_cmpuint (int_env_relay_status (&env, "/relay/webrelay.ashx",
                                          "p=2&host=" INT_GUID "&port=16992&tls=0&mode=kvm", token), ==,
                    SOUP_STATUS_BAD_REQUEST);

  /* Both paths accept (the session is closed again at once). */
  g_assert_cmpuint (int_env_relay_status (&env, "/mps/ws/relay/webrelay.ashx", kvm_query, token), ==,
                    SOUP_STATUS_SWITCHING_PROTOCOLS);
  g_assert_true (int_wait_until (no_connections, env.redir, 20000));

  /* One KVM session per device: a second is refused while the first
   * runs; SOL may run beside it; after the first ends KVM is free. */
  first = open_kvm (&env, NULL, &error);
  g_assert_no_error (error);
  m.client = first;
  m.screen = env.screen;
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));
  g_assert_cmpuint (int_env_relay_status (&env, "/relay/webrelay.ashx", kvm_query, token), ==,
                    SOUP_STATUS_CONFLICT);
  g_assert_cmpuint (int_env_relay_status (&env, "/relay/webrelay.ashx",
                                          "p=2&host=" INT_GUID "&port=16994&tls=0&mode=sol", token), ==,
                    SOUP_STATUS_SWITCHING_PROTOCOLS);
  ob_rfb_client_close (first);
  g_assert_true (int_wait_until (no_connections, env.redir, 20000));
  again = open_kvm (&env, NULL, &error);
  g_assert_no_error (error);
  m.client = again;
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));

  /* The device going away ends the client's session. */
  ob_sim_cira_stop (env.cira);
  g_assert_true (int_wait_until (client_gone, again, 20000));

  int_env_clear (&env);
}

/* The REST API stopping ends the sessions it relays. */
static void
test_relay_server_stops (void)
{
  IntEnv env;
  g_autoptr(GError) error = NULL;
  g_autoptr(ObRfbClient) client = NULL;
  Match m = { NULL, NULL, { 8, 4, 8 }, FALSE };

  int_env_init (&env, INT_TRANSPORT_RELAY);
  ob_sim_redir_server_set_screen_size (env.redir, 320, 240);
  client = open_kvm (&env, NULL, &error);
  g_assert_no_error (error);
  m.client = client;
  m.screen = env.screen;
  g_assert_true (int_wait_until (framebuffer_matches, &m, 20000));
  ob_api_server_stop (env.api);
  g_assert_true (int_wait_until (client_gone, client, 20000));
  g_assert_true (int_wait_until (no_connections, env.redir, 20000));

  int_env_clear (&env);
}

/* ---- the relay's framing, spoken by hand -------------------------------- */

static GIOStream *
raw_connect (IntEnv *env)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (env->base, G_URI_FLAGS_NONE, &error);
  GSocketConnection *conn;

  g_assert_no_error (error);
  conn = g_socket_client_connect_to_host (client, g_uri_get_host (uri), (guint16) g_uri_get_port (uri),
                                          NULL, &error);
  g_assert_no_error (error);
  return G_IO_STREAM (conn);
}

static void
raw_write (GIOStream    *stream,
           const guint8 *data,
           gsize         len)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, len, NULL, NULL,
                                            &error));
  g_assert_no_error (error);
}

static void
raw_read_exact (GIOStream *stream,
                guint8    *buf,
                gsize      len)
{
  g_autoptr(GError) error = NULL;
  gsize got = 0;

  g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (stream), buf, len, &got, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, len);
}

/* A masked client frame. */
static void
raw_frame (GIOStream    *stream,
           guint8        first,
           const guint8 *payload,
           gsize         len,
           gboolean      masked)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  const guint8 mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
  guint8 b1 = (masked ? 0x80 : 0) | (guint8) len;

  g_assert_cmpuint (len, <, 126);
  g_byte_array_append (frame, &first, 1);
  g_byte_array_append (frame, &b1, 1);
  if (masked)
    g_byte_array_append (frame, mask, 4);
  for (gsize i = 0; i < len; i++)
    {
      guint8 c = masked ? payload[i] ^ mask[i & 3] : payload[i];

      g_byte_array_append (frame, &c, 1);
    }
  raw_write (stream, frame->data, frame->len);
}

/* Reads one server frame (never masked); returns its payload. */
static GBytes *
raw_read_frame (GIOStream *stream,
                guint8    *first)
{
  guint8 header[2];
  guint64 len;
  g_autofree guint8 *payload = NULL;

  raw_read_exact (stream, header, 2);
  *first = header[0];
  g_assert_cmpuint (header[1] & 0x80, ==, 0);
  len = header[1] & 0x7F;
  if (len == 126)
    {
      guint8 ext[2];

      raw_read_exact (stream, ext, 2);
      len = (guint64) ext[0] << 8 | ext[1];
    }
  g_assert_cmpuint (len, <, 65536);
  payload = g_malloc (len + 1);
  raw_read_exact (stream, payload, (gsize) len);
  return g_bytes_new (payload, (gsize) len);
}

/* Runs the blocking client in a thread while the main context serves. */
typedef struct
{
  IntEnv   *env;
  char     *token;
  gboolean  done;
} RawJob;

static gpointer
raw_client_thread (gpointer data)
{
  RawJob *job = data;
  g_autoptr(GIOStream) stream = raw_connect (job->env);
  g_autofree char *request = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *echo = NULL;
  const guint8 start_kvm[8] = { 0x10, 0x01, 0x00, 0x00, 'K', 'V', 'M', 'R' };
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GBytes) pong = NULL;
  g_autoptr(GBytes) closing = NULL;
  const guint8 *p;
  gsize len;
  guint8 first;

  request = g_strdup_printf ("GET /mps/ws/relay/webrelay.ashx?p=2&host=%s&port=16994&tls=0&tls1only=0&mode=kvm HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "Sec-WebSocket-Protocol: %s\r\n\r\n", INT_GUID, job->token);
  raw_write (stream, (const guint8 *) request, strlen (request));
  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      guint8 c;

      raw_read_exact (stream, &c, 1);
      g_string_append_c (head, (char) c);
    }
  g_assert_true (g_str_has_prefix (head->str, "HTTP/1.1 101"));
  /* RFC 6455's example key gives this accept value. */
  g_assert_nonnull (strstr (head->str, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
  echo = g_strdup_printf ("Sec-WebSocket-Protocol: %s\r\n", job->token);
  g_assert_nonnull (strstr (head->str, echo));

  /* The start in two text fragments, a ping between them. */
  raw_frame (stream, 0x01, start_kvm, 3, TRUE);
  raw_frame (stream, 0x89, (const guint8 *) "hi", 2, TRUE);
  raw_frame (stream, 0x80, start_kvm + 3, 5, TRUE);
  pong = raw_read_frame (stream, &first);
  g_assert_cmpuint (first, ==, 0x8A);
  p = g_bytes_get_data (pong, &len);
  g_assert_cmpmem (p, len, "hi", 2);
  /* The device's StartRedirectionSessionReply, in a binary frame. */
  reply = raw_read_frame (stream, &first);
  g_assert_cmpuint (first, ==, 0x82);
  p = g_bytes_get_data (reply, &len);
  g_assert_cmpuint (len, >=, 4);
  g_assert_cmpuint (p[0], ==, 0x11);
  g_assert_cmpuint (p[1], ==, 0);

  /* An unmasked frame is a protocol error: close 1002. */
  raw_frame (stream, 0x82, start_kvm, 4, FALSE);
  closing = raw_read_frame (stream, &first);
  g_assert_cmpuint (first, ==, 0x88);
  p = g_bytes_get_data (closing, &len);
  g_assert_cmpuint (len, ==, 2);
  g_assert_cmpuint ((guint) p[0] << 8 | p[1], ==, 1002);
  {
    guint8 c;
    g_autoptr(GError) error = NULL;

    /* And the connection ends. */
    g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (stream), &c, 1, NULL, &error), ==, 0);
    g_assert_no_error (error);
  }

  g_atomic_int_set (&job->done, TRUE);
  return NULL;
}

static gboolean
job_done (gpointer data)
{
  return g_atomic_int_get (&((RawJob *) data)->done);
}

static void
test_relay_framing (void)
{
  IntEnv env;
  RawJob job = { &env, NULL, FALSE };
  GThread *thread;

  int_env_init (&env, INT_TRANSPORT_RELAY);
  job.token = int_env_relay_token (&env, INT_GUID);
  g_assert_nonnull (job.token);
  thread = g_thread_new ("raw-client", raw_client_thread, &job);
  g_assert_true (int_wait_until (job_done, &job, 20000));
  g_thread_join (thread);
  g_assert_true (int_wait_until (no_connections, env.redir, 20000));
  g_free (job.token);
  int_env_clear (&env);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  int_test_init ();

  g_test_add_func ("/int-kvm/lan", test_kvm_lan);
  g_test_add_func ("/int-kvm/cira", test_kvm_cira);
  g_test_add_func ("/int-kvm/relay", test_kvm_relay);
  g_test_add_func ("/int-kvm/consent-lan", test_consent_lan);
  g_test_add_func ("/int-kvm/consent-relay", test_consent_relay);
  g_test_add_func ("/int-kvm/relay-refusals", test_relay_refusals);
  g_test_add_func ("/int-kvm/relay-framing", test_relay_framing);
  g_test_add_func ("/int-kvm/relay-server-stops", test_relay_server_stops);

  ret = g_test_run ();
  int_test_shutdown ();
  return ret;
}
