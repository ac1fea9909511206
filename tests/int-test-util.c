/* int-test-util.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>

#include "int-test-util.h"
#include "ob-amt-features.h"
#include "ob-device-registry.h"
#include "ob-lan-stream-source.h"
#include "ob-stream-source.h"

#define CIRA_USER     "int-device"
#define CIRA_PASSWORD "Int!Cira-Pass1"
#define MPS_NAME      "mps.int-test.example"
#define API_USER      "admin"
#define API_PASSWORD  "Int-Api-Passw0rd!"

static CiraTestCa shared_ca;

void
int_test_init (void)
{
  g_setenv ("OUTBAND_SECRET_STORE", "memory", TRUE);
  cira_test_ca_init (&shared_ca, MPS_NAME);
}

void
int_test_shutdown (void)
{
  cira_test_ca_clear (&shared_ca);
}

gboolean
int_wait_until (CiraTestCondition cond,
                gpointer          data,
                guint             timeout_ms)
{
  return cira_test_wait_until (cond, data, timeout_ms);
}

/* ---- a port map: 16994 to the simulator's redirection port ----------- */

#define INT_TYPE_PORT_MAP (int_port_map_get_type ())
G_DECLARE_FINAL_TYPE (IntPortMap, int_port_map, INT, PORT_MAP, GObject)

struct _IntPortMap
{
  GObject         parent_instance;
  ObStreamSource *inner;
  guint           wsman_port;
  guint           redir_port;
};

static void int_port_map_iface_init (ObStreamSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (IntPortMap, int_port_map, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_STREAM_SOURCE, int_port_map_iface_init))

static void
int_port_map_open_async (ObStreamSource      *source,
                         guint                port,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  IntPortMap *self = INT_PORT_MAP (source);

  if (port == OB_LAN_PORT_REDIRECTION)
    port = self->redir_port;
  else if (port == OB_LAN_PORT_WSMAN)
    port = self->wsman_port;
  ob_stream_source_open_stream_async (self->inner, port, cancellable, callback, user_data);
}

static GIOStream *
int_port_map_open_finish (ObStreamSource  *source,
                          GAsyncResult    *result,
                          GError         **error)
{
  return ob_stream_source_open_stream_finish (INT_PORT_MAP (source)->inner, result, error);
}

static void
int_port_map_iface_init (ObStreamSourceInterface *iface)
{
  iface->open_stream_async = int_port_map_open_async;
  iface->open_stream_finish = int_port_map_open_finish;
}

static void
int_port_map_finalize (GObject *object)
{
  g_clear_object (&INT_PORT_MAP (object)->inner);
  G_OBJECT_CLASS (int_port_map_parent_class)->finalize (object);
}

static void
int_port_map_class_init (IntPortMapClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = int_port_map_finalize;
}

static void
int_port_map_init (IntPortMap *self)
{
}

ObStreamSource *
int_port_map_new (ObStreamSource *inner,
                  guint           wsman_port,
                  guint           redir_port)
{
  IntPortMap *map = g_object_new (INT_TYPE_PORT_MAP, NULL);

  map->inner = g_object_ref (inner);
  map->wsman_port = wsman_port;
  map->redir_port = redir_port;
  return OB_STREAM_SOURCE (map);
}

/* ---- the WebSocket to socket-pair pump ------------------------------- */

struct _IntPump
{
  SoupWebsocketConnection *ws;
  GIOStream               *ours;     /* our end of the pair */
  GCancellable            *cancellable;
  GQueue                   pending;  /* GBytes to write to ours */
  gboolean                 writing;
  gboolean                 done;
};

static void pump_write_next (IntPump *pump);

static void
pump_free (IntPump *pump)
{
  g_cancellable_cancel (pump->cancellable);
  if (pump->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (pump->ws, pump);
      if (soup_websocket_connection_get_state (pump->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (pump->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
  g_clear_object (&pump->ws);
  if (pump->ours != NULL)
    g_io_stream_close (pump->ours, NULL, NULL);
  g_clear_object (&pump->ours);
  g_clear_object (&pump->cancellable);
  g_queue_clear_full (&pump->pending, (GDestroyNotify) g_bytes_unref);
  g_free (pump);
}

static void
pump_end (IntPump *pump)
{
  if (pump->done)
    return;
  pump->done = TRUE;
  g_cancellable_cancel (pump->cancellable);
  /* The console sees the end of its stream. */
  g_io_stream_close (pump->ours, NULL, NULL);
  if (soup_websocket_connection_get_state (pump->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (pump->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static void
on_pump_written (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  IntPump *pump = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pump_end (pump);
      return;
    }
  g_bytes_unref (g_queue_pop_head (&pump->pending));
  pump->writing = FALSE;
  pump_write_next (pump);
}

static void
pump_write_next (IntPump *pump)
{
  GBytes *bytes;

  if (pump->writing || pump->done || g_queue_is_empty (&pump->pending))
    return;
  bytes = g_queue_peek_head (&pump->pending);
  pump->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (pump->ours),
                                   g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_PRIORITY_DEFAULT, pump->cancellable, on_pump_written, pump);
}

static void
on_ws_message (SoupWebsocketConnection *ws,
               int                      type,
               GBytes                  *message,
               gpointer                 user_data)
{
  IntPump *pump = user_data;

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_BINARY);
  g_queue_push_tail (&pump->pending, g_bytes_ref (message));
  pump_write_next (pump);
}

static void
on_ws_closed (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  pump_end (user_data);
}

static void pump_read (IntPump *pump);

static void
on_pump_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  IntPump *pump = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      pump_end (pump);
      return;
    }
  if (soup_websocket_connection_get_state (pump->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_message (pump->ws, SOUP_WEBSOCKET_DATA_BINARY, bytes);
  pump_read (pump);
}

static void
pump_read (IntPump *pump)
{
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (pump->ours), 16384,
                                   G_PRIORITY_DEFAULT, pump->cancellable, on_pump_read, pump);
}

/* A connected pair of socket connections. */
static void
socket_pair (GIOStream **a,
             GIOStream **b)
{
  int fds[2];
  g_autoptr(GSocket) sa = NULL;
  g_autoptr(GSocket) sb = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  sa = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  sb = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  *a = G_IO_STREAM (g_socket_connection_factory_create_connection (sa));
  *b = G_IO_STREAM (g_socket_connection_factory_create_connection (sb));
}

/* ---- HTTP helpers ---------------------------------------------------- */

typedef struct
{
  gboolean  done;
  GBytes   *body;
  GError   *error;
} SendState;

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SendState *state = user_data;

  state->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &state->error);
  state->done = TRUE;
}

static guint
http_send (IntEnv      *env,
           const char  *method,
           const char  *path,
           const char  *json,
           const char  *authorization,
           char       **body)
{
  g_autofree char *url = g_strconcat (env->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  SendState state = { FALSE, NULL, NULL };

  if (json != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  soup_session_send_and_read_async (env->session, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &state);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &state.done, 30000));
  g_assert_no_error (state.error);
  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (state.body, NULL), g_bytes_get_size (state.body));
  g_bytes_unref (state.body);
  return soup_message_get_status (msg);
}

static char *
json_member (const char *body,
             const char *name)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (!json_parser_load_from_data (parser, body, -1, NULL))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  object = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (object, name))
    return NULL;
  return g_strdup (json_object_get_string_member (object, name));
}

guint
int_env_api (IntEnv      *env,
             const char  *method,
             const char  *path,
             const char  *json,
             char       **body)
{
  g_autofree char *auth = g_strconcat ("Bearer ", env->bearer, NULL);

  g_assert_cmpint (env->transport, ==, INT_TRANSPORT_RELAY);
  return http_send (env, method, path, json, auth, body);
}

char *
int_env_relay_token (IntEnv     *env,
                     const char *guid)
{
  g_autofree char *path = g_strconcat ("/api/v1/authorize/redirection/", guid, NULL);
  g_autofree char *body = NULL;

  if (int_env_api (env, "GET", path, NULL, &body) != SOUP_STATUS_OK)
    return NULL;
  return json_member (body, "token");
}

/* ---- a device that calls in over CIRA ------------------------------- */

static gboolean
cira_device_connected (gpointer data)
{
  IntCiraDevice *cira = data;

  if (ob_sim_cira_get_state (cira->cira) != OB_SIM_CIRA_STATE_CONNECTED)
    return FALSE;
  if (cira->device == NULL)
    cira->device = ob_device_registry_lookup (cira->mps.registry, ob_sim_device_get_guid (cira->sim));
  return cira->device != NULL && ob_device_get_transport_source (cira->device) != NULL;
}

void
int_cira_device_init (IntCiraDevice *cira,
                      CiraTestCa    *ca,
                      const char    *mps_name,
                      const char    *guid,
                      const char    *friendly_name,
                      const char    *hostname,
                      const char    *amt_password)
{
  g_autoptr(GTlsCertificate) root = NULL;
  g_autoptr(GError) error = NULL;

  memset (cira, 0, sizeof *cira);
  if (ca == NULL)
    {
      cira->own_ca = g_new0 (CiraTestCa, 1);
      cira_test_ca_init (cira->own_ca, mps_name);
      ca = cira->own_ca;
    }
  root = cira_test_ca_dup_root (ca);
  cira_test_mps_init (&cira->mps, ca->secrets, ca->authority, TRUE);
  cira_test_register_device (&cira->mps, ca->secrets, guid, friendly_name, CIRA_USER, CIRA_PASSWORD,
                             amt_password);

  cira->sim = ob_sim_device_new (guid);
  if (hostname != NULL)
    ob_sim_device_set_hostname (cira->sim, hostname);
  g_assert_true (ob_sim_device_set_opt_in_required (cira->sim, OB_SIM_OPT_IN_NONE, NULL, &error));
  g_assert_no_error (error);
  cira->wsman = ob_sim_wsman_server_new (cira->sim, "admin", amt_password);
  cira->redir = ob_sim_redir_server_new (cira->sim, "admin", amt_password);
  cira->pool = ob_sim_cira_pool_new ("127.0.0.1", ob_mps_server_get_port (cira->mps.server));
  ob_sim_cira_pool_set_root_certificate (cira->pool, root);
  ob_sim_cira_pool_set_common_name (cira->pool, mps_name);
  cira->cira = ob_sim_cira_new (cira->pool, cira->sim, cira->wsman, CIRA_USER, CIRA_PASSWORD);
  ob_sim_cira_set_redir_server (cira->cira, cira->redir);
  ob_sim_cira_start (cira->cira);
  g_assert_true (cira_test_wait_until (cira_device_connected, cira, 60000));
}

void
int_cira_device_clear (IntCiraDevice *cira)
{
  if (cira->cira != NULL)
    ob_sim_cira_stop (cira->cira);
  if (cira->redir != NULL)
    ob_sim_redir_server_stop (cira->redir);
  g_clear_object (&cira->cira);
  g_clear_object (&cira->pool);
  g_clear_object (&cira->redir);
  g_clear_object (&cira->wsman);
  g_clear_object (&cira->sim);
  cira->device = NULL;
  cira_test_mps_clear (&cira->mps);
  if (cira->own_ca != NULL)
    {
      cira_test_ca_clear (cira->own_ca);
      g_clear_pointer (&cira->own_ca, g_free);
    }
}

/* ---- set-up ---------------------------------------------------------- */

void
int_env_init (IntEnv       *env,
              IntTransport  transport)
{
  g_autoptr(GError) error = NULL;

  memset (env, 0, sizeof *env);
  env->transport = transport;

  if (transport == INT_TRANSPORT_LAN)
    {
      g_autoptr(ObDeviceRecord) record = NULL;
      g_autoptr(ObLanStreamSource) lan = NULL;
      g_autoptr(ObStreamSource) map = NULL;

      env->fleet = ob_sim_fleet_new ();
      env->sim = ob_sim_fleet_add_device (env->fleet, "127.0.0.1", 0, 0, INT_AMT_PASSWORD, &error);
      g_assert_no_error (error);
      env->redir = ob_sim_fleet_get_redir_server (env->fleet, env->sim);
      g_assert_cmpuint (ob_sim_redir_server_get_port (env->redir), !=, 0);

      lan = ob_lan_stream_source_new ("127.0.0.1");
      map = int_port_map_new (OB_STREAM_SOURCE (lan), ob_sim_device_get_http_port (env->sim),
                              ob_sim_redir_server_get_port (env->redir));
      record = ob_device_record_new (ob_sim_device_get_guid (env->sim));
      ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_LAN);
      ob_device_record_set_host (record, "127.0.0.1");
      ob_device_record_set_port (record, ob_sim_device_get_http_port (env->sim));
      env->lan_device = ob_device_new (record, INT_AMT_PASSWORD, map);
    }
  else
    {
      /* No wait for the port forwards: opening 16994 right after the
       * device counts as connected must work (ObDevice waits for it). */
      env->have_cira_device = TRUE;
      int_cira_device_init (&env->cira_device, &shared_ca, MPS_NAME, INT_GUID, "Int box", NULL,
                            INT_AMT_PASSWORD);
      /* A second device that never calls in. */
      cira_test_register_device (&env->cira_device.mps, shared_ca.secrets, INT_GUID_OFFLINE, "Int box 2",
                                 CIRA_USER "2", CIRA_PASSWORD, INT_AMT_PASSWORD);
      env->sim = env->cira_device.sim;
      env->redir = env->cira_device.redir;
      env->cira = env->cira_device.cira;
      g_assert_true (ob_device_registry_lookup (env->cira_device.mps.registry, INT_GUID) ==
                     env->cira_device.device);
    }

  g_assert_true (ob_sim_device_set_opt_in_required (env->sim, OB_SIM_OPT_IN_NONE, NULL, &error));
  g_assert_no_error (error);
  env->screen = ob_sim_redir_server_get_screen (env->redir);
  ob_sim_screen_set_fixed_time (env->screen, INT_FIXED_TIME);

  if (transport == INT_TRANSPORT_RELAY)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autofree char *body = NULL;

      ob_api_store_password_sync (shared_ca.secrets, API_PASSWORD, NULL, &error);
      g_assert_no_error (error);
      env->api = ob_api_server_new (env->cira_device.mps.config, env->cira_device.mps.store, shared_ca.secrets,
                                    env->cira_device.mps.registry);
      ob_api_server_set_mps_server (env->api, env->cira_device.mps.server);
      ob_api_server_start_async (env->api, "127.0.0.1", 0, NULL, cira_test_store_result, &result);
      g_assert_true (ob_api_server_start_finish (env->api, cira_test_wait_result (&result), &error));
      g_assert_no_error (error);
      env->base = ob_api_server_dup_url (env->api);
      if (g_str_has_suffix (env->base, "/"))
        env->base[strlen (env->base) - 1] = '\0';
      env->session = soup_session_new ();
      env->pumps = g_ptr_array_new_with_free_func ((GDestroyNotify) pump_free);
      g_assert_cmpuint (http_send (env, "POST", "/api/v1/authorize",
                                   "{\"username\":\"" API_USER "\",\"password\":\"" API_PASSWORD "\"}",
                                   NULL, &body), ==, SOUP_STATUS_OK);
      env->bearer = json_member (body, "token");
      g_assert_nonnull (env->bearer);
    }
}

void
int_env_clear (IntEnv *env)
{
  g_clear_pointer (&env->pumps, g_ptr_array_unref);
  if (env->api != NULL)
    ob_api_server_stop (env->api);
  g_clear_object (&env->api);
  g_clear_object (&env->session);
  g_clear_pointer (&env->base, g_free);
  g_clear_pointer (&env->bearer, g_free);

  env->sim = NULL;
  env->redir = NULL;
  env->cira = NULL;
  if (env->have_cira_device)
    int_cira_device_clear (&env->cira_device);

  g_clear_object (&env->lan_device);
  if (env->fleet != NULL)
    ob_sim_fleet_stop (env->fleet);
  g_clear_object (&env->fleet);
  /* Let closes and cancellations run. */
  cira_test_spin_ms (50);
}

ObDevice *
int_env_get_device (IntEnv *env)
{
  if (env->lan_device != NULL)
    return env->lan_device;
  return ob_device_registry_lookup (env->cira_device.mps.registry, INT_GUID);
}

const char *
int_env_console_password (IntEnv *env)
{
  return env->transport == INT_TRANSPORT_RELAY ? "not-the-password" : INT_AMT_PASSWORD;
}

/* ---- streams --------------------------------------------------------- */

typedef struct
{
  gboolean                 done;
  SoupWebsocketConnection *ws;
  GError                  *error;
} WsState;

static void
on_ws_connected (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WsState *state = user_data;

  state->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &state->error);
  state->done = TRUE;
}

static SoupWebsocketConnection *
ws_connect (IntEnv      *env,
            const char  *path,
            const char  *query,
            const char  *token,
            guint       *status,
            GError     **error)
{
  g_autofree char *url = g_strdup_printf ("%s%s?%s", env->base, path, query);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  char *protocols[2] = { (char *) token, NULL };
  WsState state = { FALSE, NULL, NULL };

  g_assert_nonnull (msg);
  soup_session_websocket_connect_async (env->session, msg, NULL, token != NULL ? protocols : NULL,
                                        G_PRIORITY_DEFAULT, NULL, on_ws_connected, &state);
  g_assert_true (cira_test_wait_until (cira_test_flag_is_set, &state.done, 30000));
  *status = soup_message_get_status (msg);
  if (state.ws != NULL && token != NULL)
    {
      /* The token comes back as the chosen protocol (browsers insist). */
      g_assert_cmpstr (soup_websocket_connection_get_protocol (state.ws), ==, token);
    }
  if (state.error != NULL)
    g_propagate_error (error, state.error);
  return state.ws;
}

guint
int_env_relay_status (IntEnv     *env,
                      const char *path,
                      const char *query,
                      const char *token)
{
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  ws = ws_connect (env, path, query, token, &status, &error);
  if (ws != NULL)
    {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      cira_test_spin_ms (20);
    }
  return status;
}

GIOStream *
int_env_open (IntEnv      *env,
              const char  *mode,
              GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (env->transport != INT_TRANSPORT_RELAY)
    {
      ObStreamSource *source = OB_STREAM_SOURCE (int_env_get_device (env));

      ob_stream_source_open_stream_async (source, OB_LAN_PORT_REDIRECTION, NULL, cira_test_store_result, &result);
      return ob_stream_source_open_stream_finish (source, cira_test_wait_result (&result), error);
    }
  else
    {
      g_autofree char *token = int_env_relay_token (env, INT_GUID);
      g_autofree char *query = g_strdup_printf ("p=2&host=%s&port=16994&tls=0&tls1only=0&mode=%s",
                                                INT_GUID, mode);
      SoupWebsocketConnection *ws;
      IntPump *pump;
      GIOStream *theirs = NULL;
      guint status = 0;

      g_assert_nonnull (token);
      ws = ws_connect (env, "/relay/webrelay.ashx", query, token, &status, error);
      if (ws == NULL)
        return NULL;

      pump = g_new0 (IntPump, 1);
      pump->ws = ws;
      pump->cancellable = g_cancellable_new ();
      g_queue_init (&pump->pending);
      socket_pair (&pump->ours, &theirs);
      g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), pump);
      g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), pump);
      g_ptr_array_add (env->pumps, pump);
      pump_read (pump);
      return theirs;
    }
}

ObRedirSession *
int_env_start (IntEnv              *env,
               GIOStream           *stream,
               ObRedirSessionType   type,
               GError             **error)
{
  g_autoptr(ObRedirSession) session = ob_redir_session_new (stream, type);
  g_autoptr(GAsyncResult) result = NULL;

  ob_redir_session_set_credentials (session, "admin", int_env_console_password (env));
  ob_redir_session_start_async (session, NULL, cira_test_store_result, &result);
  if (!ob_redir_session_start_finish (session, cira_test_wait_result (&result), error))
    return NULL;
  return g_steal_pointer (&session);
}

/* ---- consent --------------------------------------------------------- */

static guint
rest_return_value (const char *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  object = json_object_get_object_member (object, "Body");
  g_assert_nonnull (object);
  return (guint) json_object_get_int_member (object, "ReturnValue");
}

guint
int_env_consent_start (IntEnv *env)
{
  if (env->transport == INT_TRANSPORT_RELAY)
    {
      g_autofree char *body = NULL;

      int_env_api (env, "GET", "/api/v1/amt/userconsentcode/" INT_GUID, NULL, &body);
      return rest_return_value (body);
    }
  else
    {
      ObWsmanClient *client = ob_device_get_wsman_client (int_env_get_device (env));
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      guint rv = G_MAXUINT;

      ob_amt_user_consent_request_async (client, NULL, cira_test_store_result, &result);
      node = ob_amt_user_consent_request_finish (client, cira_test_wait_result (&result), &rv, &error);
      g_assert_no_error (error);
      return rv;
    }
}

guint
int_env_consent_send (IntEnv     *env,
                      const char *code)
{
  if (env->transport == INT_TRANSPORT_RELAY)
    {
      g_autofree char *body = NULL;
      g_autofree char *json = g_strdup_printf ("{\"consentCode\":%u}",
                                               (guint) g_ascii_strtoull (code, NULL, 10));

      int_env_api (env, "POST", "/api/v1/amt/userconsentcode/" INT_GUID, json, &body);
      return rest_return_value (body);
    }
  else
    {
      ObWsmanClient *client = ob_device_get_wsman_client (int_env_get_device (env));
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      guint rv = G_MAXUINT;

      ob_amt_user_consent_send_async (client, (guint32) g_ascii_strtoull (code, NULL, 10), NULL,
                                      cira_test_store_result, &result);
      node = ob_amt_user_consent_send_finish (client, cira_test_wait_result (&result), &rv, &error);
      g_assert_no_error (error);
      return rv;
    }
}
