/* ob-sim-redir-server.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "ob-http-digest.h"
#include "ob-redir-message.h"
#include "ob-sim-certificate.h"
#include "ob-sim-redir-server.h"
#include "ob-sim-sol-console.h"
#include "ob-sim-wsman-server.h"
#include "ob-util.h"

#define READ_CHUNK     8192
/* Intel's IANA enterprise number, in every reply AMT sends. */
#define INTEL_IANA     0x157
#define SOL_CHUNK      1024
#define IDER_BUFFER    8192
/* A pause after the SOL start reply and control messages: firmware sends
 * them as segments of their own, and amtterm takes each read holding one
 * of them as that message alone. */
#define SOL_PAUSE_MS   40
/* A connection must be through authentication and its session start in
 * this time (a peer that connects and says nothing is let go). */
#define START_TIMEOUT_S 60
/* Heartbeats asked for more often than this are sent this often. */
#define MIN_HEARTBEAT_MS 500

typedef enum
{
  PHASE_START,      /* waiting for StartRedirectionSession */
  PHASE_AUTH,       /* started; authenticating */
  PHASE_READY,      /* authenticated; waiting for the KVM/SOL/IDER start */
  PHASE_KVM,        /* RFB on the stream, served by the RFB server */
  PHASE_SOL,
  PHASE_IDER,
} Phase;

typedef struct _Session Session;

struct _ObSimRedirServer
{
  GObject          parent_instance;

  ObSimDevice     *device;
  char            *username;
  char            *password;
  GSocketService  *service;
  GTlsCertificate *certificate;
  char            *address;
  guint            port;
  guint            tls_port;
  GMainContext    *context;
  GHashTable      *sessions;         /* Session* -> itself, one ref each */
  Session         *active[4];        /* per ObRedirSessionType: the one holding it */

  guint            screen_width;
  guint            screen_height;
  ObSimScreen     *screen;
  ObSimRfbServer  *rfb;
  gulong           rfb_closed_id;
  gulong           device_ids[7];
};

G_DEFINE_FINAL_TYPE (ObSimRedirServer, ob_sim_redir_server, G_TYPE_OBJECT)

enum
{
  SIGNAL_SESSION_STARTED,
  SIGNAL_SESSION_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _Session
{
  gatomicrefcount     ref_count;
  ObSimRedirServer   *server;          /* NULL once closed */
  GIOStream          *stream;
  GCancellable       *cancellable;
  GByteArray         *in;
  guint8             *read_buffer;
  GQueue              out;             /* GBytes, NULL = a pause */
  gboolean            writing;
  GSource            *pause;
  GSource            *start_timer;
  gboolean            close_after_flush;
  gboolean            handoff;         /* KVM: give the stream to RFB once flushed */
  gboolean            handed_off;

  Phase               phase;
  ObRedirSessionType  type;
  gboolean            holds_slot;
  gboolean            consent_session; /* told the device a session started */
  gboolean            consent_pending; /* KVM streaming while the code is pending */
  char               *nonce;

  ObSimSolConsole    *console;
  gulong              output_id;
  guint32             sequence;
  ObRedirSolSettings  settings;
  GSource            *heartbeat;
  gulong              power_id;
};

static void session_read (Session *session);

/* ---- Sessions ------------------------------------------------------------- */

static Session *
session_ref (Session *session)
{
  g_atomic_ref_count_inc (&session->ref_count);
  return session;
}

static void
session_unref (Session *session)
{
  if (!g_atomic_ref_count_dec (&session->ref_count))
    return;
  g_assert (session->heartbeat == NULL);
  g_assert (session->pause == NULL);
  g_assert (session->start_timer == NULL);
  while (!g_queue_is_empty (&session->out))
    {
      GBytes *bytes = g_queue_pop_head (&session->out);

      if (bytes != NULL)
        g_bytes_unref (bytes);
    }
  /* Closed only when nothing is pending on it any more, unless the RFB
   * server owns it now. */
  if (!session->handed_off && !g_io_stream_is_closed (session->stream))
    g_io_stream_close_async (session->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&session->stream);
  g_clear_object (&session->cancellable);
  g_clear_object (&session->console);
  g_byte_array_unref (session->in);
  g_free (session->read_buffer);
  g_free (session->nonce);
  g_free (session);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_unref)

static guint
n_active (ObSimRedirServer *self)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (self->active); i++)
    n += self->active[i] != NULL;
  return n;
}

static void
session_close (Session    *session,
               const char *why)
{
  ObSimRedirServer *server = session->server;
  ObRedirSessionType type;
  gboolean started;

  if (server == NULL)
    return;
  session->server = NULL;
  if (why != NULL)
    g_debug ("Redirection connection to %s closed: %s",
             ob_sim_device_get_guid (server->device), why);

  g_object_ref (server);
  started = session->phase >= PHASE_KVM;
  if (session->holds_slot)
    {
      server->active[session->type] = NULL;
      session->holds_slot = FALSE;
    }
  if (session->heartbeat != NULL)
    {
      g_source_destroy (session->heartbeat);
      g_clear_pointer (&session->heartbeat, g_source_unref);
    }
  if (session->pause != NULL)
    {
      g_source_destroy (session->pause);
      g_clear_pointer (&session->pause, g_source_unref);
    }
  if (session->start_timer != NULL)
    {
      g_source_destroy (session->start_timer);
      g_clear_pointer (&session->start_timer, g_source_unref);
    }
  if (session->console != NULL)
    g_clear_signal_handler (&session->output_id, session->console);
  g_clear_signal_handler (&session->power_id, server->device);
  g_cancellable_cancel (session->cancellable);
  if (!session->handed_off && G_IS_SOCKET_CONNECTION (session->stream))
    g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (session->stream)),
                       TRUE, TRUE, NULL);
  if (session->consent_session && n_active (server) == 0)
    ob_sim_device_session_ended (server->device);

  /* The table's reference may be the last one. */
  type = session->type;
  g_hash_table_remove (server->sessions, session);
  if (started)
    g_signal_emit (server, signals[SIGNAL_SESSION_ENDED], 0, (guint) type);
  g_object_unref (server);
}

/* ---- Output ------------------------------------------------------------------ */

static void write_next (Session *session);

/* Everything queued went out. */
static void
flushed (Session *session)
{
  if (session->close_after_flush)
    {
      session_close (session, NULL);
      return;
    }
  if (session->handoff && !session->handed_off)
    {
      ObSimRedirServer *server = session->server;
      ObSimKvmSettings settings;

      /* Every byte from here on is RFB (§1.5), idle for at most the
       * SessionTimeout (minutes) of IPS_KVMRedirectionSettingData. */
      session->handed_off = TRUE;
      ob_sim_device_get_kvm_settings (server->device, &settings);
      ob_sim_rfb_server_set_idle_timeout_ms (server->rfb, settings.session_timeout * 60 * 1000);
      ob_sim_rfb_server_set_input_enabled (server->rfb, !session->consent_pending);
      ob_sim_rfb_server_serve_stream (server->rfb, session->stream);
    }
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;

  session->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      session_close (session, error->message);
      return;
    }
  if (session->server == NULL)
    return;
  g_bytes_unref (g_queue_pop_head (&session->out));
  write_next (session);
}

static gboolean
on_pause_over (gpointer user_data)
{
  Session *session = user_data;

  g_clear_pointer (&session->pause, g_source_unref);
  session->writing = FALSE;
  write_next (session);
  return G_SOURCE_REMOVE;
}

static void
write_next (Session *session)
{
  GBytes *bytes;
  gsize size;
  gconstpointer data;

  if (g_queue_is_empty (&session->out))
    {
      flushed (session);
      return;
    }
  session->writing = TRUE;
  bytes = g_queue_peek_head (&session->out);
  if (bytes == NULL)
    {
      g_queue_pop_head (&session->out);
      session->pause = g_timeout_source_new (SOL_PAUSE_MS);
      g_source_set_callback (session->pause, on_pause_over, session, NULL);
      g_source_attach (session->pause, session->server->context);
      return;
    }
  data = g_bytes_get_data (bytes, &size);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (session->stream), data, size,
                                   G_PRIORITY_DEFAULT, session->cancellable, on_written,
                                   session_ref (session));
}

static void
send_pause (Session *session)
{
  g_queue_push_tail (&session->out, NULL);
  if (!session->writing)
    write_next (session);
}

/* Takes @bytes. */
static void
send_message (Session *session,
              GBytes  *bytes)
{
  g_return_if_fail (bytes != NULL);
  g_queue_push_tail (&session->out, bytes);
  if (!session->writing)
    write_next (session);
}

/* ---- The screen follows the device ------------------------------------------------ */

static ObSimScreenScene
scene_for (ObSimDevice *device)
{
  if (ob_sim_device_get_power_state (device) != OB_SIM_POWER_ON)
    return OB_SIM_SCREEN_SCENE_OFF;
  switch (ob_sim_device_get_last_boot_target (device))
    {
    case OB_SIM_BOOT_TARGET_BIOS_SETUP:
      return OB_SIM_SCREEN_SCENE_BIOS_SETUP;
    case OB_SIM_BOOT_TARGET_PXE:
    case OB_SIM_BOOT_TARGET_UEFI_HTTPS:
      return OB_SIM_SCREEN_SCENE_PXE;
    case OB_SIM_BOOT_TARGET_CD_DVD:
    case OB_SIM_BOOT_TARGET_IDER_FLOPPY:
    case OB_SIM_BOOT_TARGET_IDER_CD:
      return OB_SIM_SCREEN_SCENE_BOOT_MEDIA;
    case OB_SIM_BOOT_TARGET_SECURE_ERASE:
      return OB_SIM_SCREEN_SCENE_SECURE_ERASE;
    case OB_SIM_BOOT_TARGET_NONE:
    case OB_SIM_BOOT_TARGET_OS:
    default:
      return OB_SIM_SCREEN_SCENE_DESKTOP;
    }
}

static void
sync_screen (ObSimRedirServer *self)
{
  gboolean shown;

  if (self->screen == NULL)
    return;
  ob_sim_screen_set_scene (self->screen, scene_for (self->device));
  shown = ob_sim_device_get_opt_in_state (self->device) == OB_SIM_OPT_IN_STATE_DISPLAYED;
  ob_sim_screen_set_consent_code (self->screen, shown ? ob_sim_device_get_consent_code (self->device) : NULL);
  /* Viewers waiting for a change see it now. */
  ob_sim_screen_refresh (self->screen);
}

static void
on_device_state (ObSimDevice *device,
                 GParamSpec  *pspec,
                 gpointer     user_data)
{
  ObSimRedirServer *self = user_data;
  Session *kvm = self->active[OB_REDIR_SESSION_KVM];

  sync_screen (self);

  /* A pending KVM session: consent arrived, or the request went away. */
  if (kvm != NULL && kvm->consent_pending)
    {
      ObSimOptInState state = ob_sim_device_get_opt_in_state (device);

      if (state == OB_SIM_OPT_IN_STATE_RECEIVED || ob_sim_device_consent_allows (device, TRUE))
        {
          kvm->consent_pending = FALSE;
          kvm->consent_session = TRUE;
          ob_sim_device_session_started (device);
          ob_sim_rfb_server_set_input_enabled (self->rfb, TRUE);
        }
      else if (state == OB_SIM_OPT_IN_STATE_NOT_STARTED)
        {
          if (kvm->handed_off)
            ob_sim_rfb_server_stop (self->rfb);
          else
            session_close (kvm, "consent request ended");
        }
    }
}

/* Features switched off end the sessions they carry, as AMT does. */
static void
on_device_features (ObSimDevice *device,
                    GParamSpec  *pspec,
                    gpointer     user_data)
{
  ObSimRedirServer *self = user_data;
  gboolean listener = ob_sim_device_get_listener_enabled (device);
  Session *kvm = self->active[OB_REDIR_SESSION_KVM];
  Session *sol = self->active[OB_REDIR_SESSION_SOL];
  Session *ider = self->active[OB_REDIR_SESSION_IDER];

  if (kvm != NULL && (!listener || ob_sim_device_get_kvm_state (device) != 2))
    {
      if (kvm->handed_off)
        ob_sim_rfb_server_stop (self->rfb);
      else
        session_close (kvm, "KVM disabled");
    }
  if (sol != NULL && (!listener || !ob_sim_device_get_sol_enabled (device)))
    session_close (sol, "SOL disabled");
  if (ider != NULL && (!listener || !ob_sim_device_get_ider_enabled (device)))
    session_close (ider, "IDER disabled");
}

static void
on_rfb_closed (ObSimRfbServer *rfb,
               GIOStream      *stream,
               gpointer        user_data)
{
  ObSimRedirServer *self = user_data;
  Session *kvm = self->active[OB_REDIR_SESSION_KVM];

  if (kvm != NULL && kvm->stream == stream)
    session_close (kvm, NULL);
}

static void
ensure_screen (ObSimRedirServer *self)
{
  if (self->screen != NULL)
    return;
  self->screen = ob_sim_screen_new (self->screen_width, self->screen_height);
  ob_sim_screen_set_identity (self->screen, ob_sim_device_get_hostname (self->device),
                              ob_sim_device_get_guid (self->device),
                              ob_sim_device_get_amt_version (self->device));
  self->rfb = ob_sim_rfb_server_new (self->screen);
  self->rfb_closed_id = g_signal_connect (self->rfb, "closed", G_CALLBACK (on_rfb_closed), self);
  sync_screen (self);
}

/* ---- Protocol ------------------------------------------------------------------------ */

static gboolean
constant_time_equal (const char *a,
                     const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint8 diff = la != lb;

  for (gsize i = 0; i < MIN (la, lb); i++)
    diff |= (guint8) (a[i] ^ b[i]);
  return diff == 0;
}

static char *
random_hex (guint n)
{
  GString *out = g_string_sized_new (n);

  for (guint i = 0; i < n; i++)
    g_string_append_c (out, "0123456789abcdef"[g_random_int_range (0, 16)]);
  return g_string_free (out, FALSE);
}

static void
firmware_version (ObSimDevice *device,
                  guint8      *major,
                  guint8      *minor)
{
  g_auto(GStrv) parts = g_strsplit (ob_sim_device_get_amt_version (device), ".", 3);

  *major = parts[0] != NULL ? (guint8) g_ascii_strtoull (parts[0], NULL, 10) : 0;
  *minor = parts[0] != NULL && parts[1] != NULL ? (guint8) g_ascii_strtoull (parts[1], NULL, 10) : 0;
}

static guint8
start_status (ObRedirSessionType  type,
              ObSimRedirServer   *self)
{
  ObSimDevice *device = self->device;

  if (type == OB_REDIR_SESSION_NONE)
    return OB_REDIR_STATUS_TYPE_UNKNOWN;
  if (!ob_sim_device_get_listener_enabled (device))
    return OB_REDIR_STATUS_UNSUPPORTED;
  switch (type)
    {
    case OB_REDIR_SESSION_KVM:
      if (!ob_sim_device_get_kvm_supported (device) || ob_sim_device_get_kvm_state (device) != 2)
        return OB_REDIR_STATUS_UNSUPPORTED;
      break;
    case OB_REDIR_SESSION_SOL:
      if (!ob_sim_device_get_sol_enabled (device))
        return OB_REDIR_STATUS_UNSUPPORTED;
      break;
    case OB_REDIR_SESSION_IDER:
      if (!ob_sim_device_get_ider_enabled (device))
        return OB_REDIR_STATUS_UNSUPPORTED;
      break;
    case OB_REDIR_SESSION_NONE:
    default:
      return OB_REDIR_STATUS_TYPE_UNKNOWN;
    }
  if (self->active[type] != NULL)
    return OB_REDIR_STATUS_BUSY;
  return OB_REDIR_STATUS_SUCCESS;
}

static void
handle_start (Session              *session,
              const ObRedirMessage *msg)
{
  ObSimRedirServer *server = session->server;
  guint8 status = start_status (msg->start.session, server);
  guint8 major, minor;

  firmware_version (server->device, &major, &minor);
  send_message (session, ob_redir_build_start_session_reply (status, 1, 0, major, minor,
                                                             INTEL_IANA, NULL, 0));
  if (status != OB_REDIR_STATUS_SUCCESS)
    {
      session->close_after_flush = TRUE;
      return;
    }
  session->type = msg->start.session;
  server->active[session->type] = session;
  session->holds_slot = TRUE;
  session->phase = PHASE_AUTH;
}

static gboolean
digest_ok (Session              *session,
           const ObRedirMessage *msg)
{
  ObSimRedirServer *server = session->server;
  gboolean with_qop = msg->auth.auth_type == OB_REDIR_AUTH_DIGEST;
  g_autofree char *expected = NULL;

  if (session->nonce == NULL || msg->auth.username == NULL || msg->auth.response == NULL
      || msg->auth.realm == NULL || msg->auth.nonce == NULL || msg->auth.uri == NULL)
    return FALSE;
  if (!constant_time_equal (msg->auth.username, server->username)
      || g_strcmp0 (msg->auth.realm, ob_sim_device_get_digest_realm (server->device)) != 0
      || g_strcmp0 (msg->auth.nonce, session->nonce) != 0)
    return FALSE;
  if (with_qop && (g_strcmp0 (msg->auth.qop, "auth") != 0 || msg->auth.nc == NULL
                   || msg->auth.cnonce == NULL || msg->auth.cnonce[0] == '\0'))
    return FALSE;
  expected = ob_http_digest_compute_response (msg->auth.username, msg->auth.realm, server->password,
                                              OB_REDIR_DIGEST_METHOD, msg->auth.uri, msg->auth.nonce,
                                              with_qop ? msg->auth.nc : NULL,
                                              with_qop ? msg->auth.cnonce : NULL,
                                              with_qop ? "auth" : NULL);
  return expected != NULL && constant_time_equal (expected, msg->auth.response);
}

static void
handle_auth (Session              *session,
             const ObRedirMessage *msg)
{
  ObSimRedirServer *server = session->server;
  guint8 type = msg->auth.auth_type;

  if (type == OB_REDIR_AUTH_QUERY)
    {
      static const guint8 methods[] = { OB_REDIR_AUTH_DIGEST };

      send_message (session, ob_redir_build_auth_query_reply (methods, G_N_ELEMENTS (methods)));
      return;
    }
  if (type == OB_REDIR_AUTH_USERPASS)
    {
      /* Not offered in the query (AMT 16 lists only digest), but taken
       * when sent, as the firmware amtterm was written against did. */
      gboolean ok = msg->auth.username != NULL && msg->auth.password != NULL
                    && constant_time_equal (msg->auth.username, server->username)
                    && constant_time_equal (msg->auth.password, server->password);

      if (!ok)
        {
          ob_sim_device_note_auth_failure (server->device);
          send_message (session, ob_redir_build_auth_reply (type, OB_REDIR_AUTH_STATUS_FAILURE, NULL, 0));
          session->close_after_flush = TRUE;
          return;
        }
      ob_sim_device_note_auth_success (server->device);
      send_message (session, ob_redir_build_auth_reply (type, OB_REDIR_AUTH_STATUS_SUCCESS, NULL, 0));
      session->phase = PHASE_READY;
      return;
    }
  if (type != OB_REDIR_AUTH_DIGEST && type != OB_REDIR_AUTH_DIGEST_NO_QOP)
    {
      send_message (session, ob_redir_build_auth_reply (type, OB_REDIR_AUTH_STATUS_NOT_SUPPORTED, NULL, 0));
      return;
    }

  /* The hello: no response yet, a challenge back. */
  if (msg->auth.response == NULL || msg->auth.response[0] == '\0')
    {
      g_free (session->nonce);
      session->nonce = random_hex (32);
      send_message (session, ob_redir_build_auth_digest_challenge (type,
                                                                   ob_sim_device_get_digest_realm (server->device),
                                                                   session->nonce, "auth"));
      return;
    }

  if (!digest_ok (session, msg))
    {
      ob_sim_device_note_auth_failure (server->device);
      send_message (session, ob_redir_build_auth_reply (type, OB_REDIR_AUTH_STATUS_FAILURE, NULL, 0));
      session->close_after_flush = TRUE;
      return;
    }
  ob_sim_device_note_auth_success (server->device);
  g_clear_pointer (&session->nonce, g_free);
  send_message (session, ob_redir_build_auth_reply (type, OB_REDIR_AUTH_STATUS_SUCCESS, NULL, 0));
  session->phase = PHASE_READY;
}

/* A redirection session begins: consent "received" becomes "in session". */
static void
begin (Session *session)
{
  ObSimRedirServer *server = session->server;

  if (!session->consent_pending)
    {
      session->consent_session = TRUE;
      ob_sim_device_session_started (server->device);
    }
  g_signal_emit (server, signals[SIGNAL_SESSION_STARTED], 0, (guint) session->type);
}

/* Returns FALSE when the stream now belongs to the RFB server (stop
 * reading). */
static gboolean
handle_kvm_start (Session *session)
{
  ObSimRedirServer *server = session->server;
  ObSimDevice *device = server->device;

  if (!ob_sim_device_consent_allows (device, TRUE))
    {
      ObSimOptInState state = ob_sim_device_get_opt_in_state (device);

      if (state != OB_SIM_OPT_IN_STATE_REQUESTED && state != OB_SIM_OPT_IN_STATE_DISPLAYED)
        {
          /* Consent needed and never asked for: AMT ends the session. */
          session_close (session, "user consent required");
          return FALSE;
        }
      session->consent_pending = TRUE;
    }
  if (session->in->len > 0)
    {
      /* The viewer cannot speak RFB before the server's greeting. */
      session_close (session, "bytes after the KVM start");
      return FALSE;
    }
  ensure_screen (server);
  sync_screen (server);
  session->phase = PHASE_KVM;
  session->handoff = TRUE;
  send_message (session, ob_redir_build_kvm_start_reply (0));
  begin (session);
  return FALSE;
}

static void
on_console_output (ObSimSolConsole *console,
                   GBytes          *data,
                   gpointer         user_data)
{
  Session *session = user_data;
  gsize size;
  const guint8 *p = g_bytes_get_data (data, &size);
  gsize chunk = session->settings.max_tx_buffer > 0 ? MIN (session->settings.max_tx_buffer, SOL_CHUNK)
                                                    : SOL_CHUNK;

  for (gsize offset = 0; offset < size; offset += chunk)
    send_message (session, ob_redir_build_sol_data_from_host (session->sequence++, p + offset,
                                                              MIN (chunk, size - offset)));
}

static gboolean
on_heartbeat (gpointer user_data)
{
  Session *session = user_data;

  send_message (session, ob_redir_build_sol_heartbeat (session->sequence++));
  return G_SOURCE_CONTINUE;
}

static void
send_controls (Session *session)
{
  gboolean on = ob_sim_device_get_power_state (session->server->device) == OB_SIM_POWER_ON;

  send_message (session, ob_redir_build_sol_controls (session->sequence++, 0,
                                                      on ? OB_REDIR_SOL_STATUS_SYSTEM_POWER_ON : 0));
  send_pause (session);
}

static void
on_sol_power (ObSimDevice *device,
              GParamSpec  *pspec,
              gpointer     user_data)
{
  send_controls (user_data);
}

static void
handle_sol_start (Session              *session,
                  const ObRedirMessage *msg)
{
  ObSimRedirServer *server = session->server;

  if (!ob_sim_device_consent_allows (server->device, FALSE))
    {
      session_close (session, "user consent required");
      return;
    }
  session->settings = msg->sol_start.settings;
  session->phase = PHASE_SOL;
  send_message (session, ob_redir_build_sol_start_reply (0, session->sequence++, &session->settings));
  send_pause (session);
  send_controls (session);
  begin (session);

  session->power_id = g_signal_connect (server->device, "notify::power-state",
                                        G_CALLBACK (on_sol_power), session);
  session->console = ob_sim_sol_console_new (server->device);
  session->output_id = g_signal_connect (session->console, "output", G_CALLBACK (on_console_output), session);
  if (session->settings.heartbeat_interval > 0)
    {
      session->heartbeat = g_timeout_source_new (MAX (session->settings.heartbeat_interval, MIN_HEARTBEAT_MS));
      g_source_set_callback (session->heartbeat, on_heartbeat, session, NULL);
      g_source_attach (session->heartbeat, server->context);
    }
  ob_sim_sol_console_start (session->console);
}

static void
handle_ider_open (Session              *session,
                  const ObRedirMessage *msg)
{
  ObSimRedirServer *server = session->server;
  ObRedirMessage reply = { .type = OB_REDIR_MSG_IDER_OPEN_REPLY, .direction = OB_REDIR_TO_CONSOLE };

  if (!ob_sim_device_consent_allows (server->device, FALSE))
    {
      session_close (session, "user consent required");
      return;
    }
  reply.sequence = session->sequence++;
  firmware_version (server->device, &reply.ider_open_reply.firmware_major,
                    &reply.ider_open_reply.firmware_minor);
  reply.ider_open_reply.protocol_major = 1;
  reply.ider_open_reply.protocol_minor = 0;
  reply.ider_open_reply.read_buffer_size = IDER_BUFFER;
  reply.ider_open_reply.write_buffer_size = IDER_BUFFER;
  reply.ider_open_reply.oem_iana = INTEL_IANA;
  session->phase = PHASE_IDER;
  send_message (session, ob_redir_message_build (&reply, OB_REDIR_SESSION_IDER));
  begin (session);
}

/* One parsed message; FALSE to stop reading (closed, or handed off). */
static gboolean
handle_message (Session              *session,
                const ObRedirMessage *msg)
{
  if (msg->type == OB_REDIR_MSG_END_SESSION)
    {
      session_close (session, NULL);
      return FALSE;
    }
  switch (session->phase)
    {
    case PHASE_START:
      if (msg->type != OB_REDIR_MSG_START_SESSION)
        break;
      handle_start (session, msg);
      return TRUE;
    case PHASE_AUTH:
      if (msg->type != OB_REDIR_MSG_AUTHENTICATE)
        break;
      handle_auth (session, msg);
      return TRUE;
    case PHASE_READY:
      if (session->type == OB_REDIR_SESSION_KVM && msg->type == OB_REDIR_MSG_KVM_START)
        return handle_kvm_start (session);
      if (session->type == OB_REDIR_SESSION_SOL && msg->type == OB_REDIR_MSG_SOL_START)
        {
          handle_sol_start (session, msg);
          return session->server != NULL;
        }
      if (session->type == OB_REDIR_SESSION_IDER && msg->type == OB_REDIR_MSG_IDER_OPEN)
        {
          handle_ider_open (session, msg);
          return session->server != NULL;
        }
      break;
    case PHASE_SOL:
      switch ((guint) msg->type)
        {
        case OB_REDIR_MSG_SOL_DATA_TO_HOST:
          ob_sim_sol_console_input (session->console, msg->sol_data.data, msg->sol_data.length);
          return session->server != NULL;
        case OB_REDIR_MSG_SOL_KEEPALIVE_PING:
          send_message (session, ob_redir_build_sol_keepalive_pong (msg->sequence));
          return TRUE;
        case OB_REDIR_MSG_SOL_HEARTBEAT:
        case OB_REDIR_MSG_SOL_SETTINGS:
          return TRUE;
        case OB_REDIR_MSG_SOL_END:
          send_message (session, ob_redir_build_sol_end_reply (session->sequence++));
          return TRUE;
        default:
          break;
        }
      break;
    case PHASE_IDER:
      switch ((guint) msg->type)
        {
        case OB_REDIR_MSG_IDER_KEEPALIVE_PING:
          {
            ObRedirMessage pong = { .type = OB_REDIR_MSG_IDER_KEEPALIVE_PONG,
                                    .direction = OB_REDIR_TO_CONSOLE, .sequence = session->sequence++ };

            send_message (session, ob_redir_message_build (&pong, OB_REDIR_SESSION_IDER));
            return TRUE;
          }
        case OB_REDIR_MSG_IDER_CLOSE:
          {
            ObRedirMessage reply = { .type = OB_REDIR_MSG_IDER_CLOSE_REPLY,
                                     .direction = OB_REDIR_TO_CONSOLE, .sequence = session->sequence++ };

            send_message (session, ob_redir_message_build (&reply, OB_REDIR_SESSION_IDER));
            return TRUE;
          }
        default:
          /* No disk behind this IDER: the rest is read and dropped. */
          return TRUE;
        }
    case PHASE_KVM:
    default:
      break;
    }
  session_close (session, "message out of order");
  return FALSE;
}

/* Parse what has arrived; FALSE to stop reading. */
static gboolean
process_input (Session *session)
{
  while (session->server != NULL && !session->close_after_flush && session->in->len > 0)
    {
      g_auto(ObRedirMessage) msg = { 0 };
      g_autoptr(GError) error = NULL;
      gsize consumed = 0;
      ObRedirParseStatus status;
      gboolean go_on;
      /* Only the type is known before the start succeeds. */
      ObRedirSessionType type = session->phase == PHASE_START ? OB_REDIR_SESSION_NONE : session->type;

      status = ob_redir_message_parse (session->in->data, session->in->len, OB_REDIR_TO_DEVICE,
                                       type, &msg, &consumed, &error);
      if (status == OB_REDIR_PARSE_NEED_MORE)
        return TRUE;
      if (status == OB_REDIR_PARSE_ERROR)
        {
          session_close (session, error->message);
          return FALSE;
        }
      /* Borrowed payloads point into the old buffer, kept until the
       * message is handled; the rest moves to a new one first. */
      {
        g_autoptr(GByteArray) taken = g_steal_pointer (&session->in);

        session->in = g_byte_array_new ();
        g_byte_array_append (session->in, taken->data + consumed, taken->len - (guint) consumed);
        go_on = handle_message (session, &msg);
      }
      if (!go_on)
        return FALSE;
    }
  return session->server != NULL && !session->close_after_flush;
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (session->server == NULL)
    return;
  if (n <= 0)
    {
      session_close (session, n < 0 ? error->message : NULL);
      return;
    }
  g_byte_array_append (session->in, session->read_buffer, (guint) n);
  if (session->in->len > OB_REDIR_MAX_AUTH_PAYLOAD + OB_REDIR_MAX_SOL_DATA + 64)
    {
      session_close (session, "input backlog");
      return;
    }
  if (process_input (session))
    session_read (session);
}

static void
session_read (Session *session)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (session->stream), session->read_buffer,
                             READ_CHUNK, G_PRIORITY_DEFAULT, session->cancellable, on_read,
                             session_ref (session));
}

static gboolean
on_start_timeout (gpointer user_data)
{
  Session *session = user_data;

  g_clear_pointer (&session->start_timer, g_source_unref);
  if (session->phase < PHASE_KVM)
    session_close (session, "no session started in time");
  return G_SOURCE_REMOVE;
}

static Session *
session_new (ObSimRedirServer *self,
             GIOStream        *stream)
{
  Session *session = g_new0 (Session, 1);

  g_atomic_ref_count_init (&session->ref_count);
  session->server = self;
  session->stream = g_object_ref (stream);
  session->cancellable = g_cancellable_new ();
  session->in = g_byte_array_new ();
  session->read_buffer = g_malloc (READ_CHUNK);
  g_queue_init (&session->out);
  session->phase = PHASE_START;
  session->start_timer = g_timeout_source_new_seconds (START_TIMEOUT_S);
  g_source_set_callback (session->start_timer, on_start_timeout, session, NULL);
  g_source_attach (session->start_timer, self->context);
  g_hash_table_add (self->sessions, session);
  return session;
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      session_close (session, error->message);
      return;
    }
  if (session->server != NULL)
    session_read (session);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  ObSimRedirServer *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  guint port = 0;

  if (local != NULL && G_IS_INET_SOCKET_ADDRESS (local))
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  if (self->tls_port != 0 && port == self->tls_port)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GIOStream) tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
      Session *session;

      if (tls == NULL)
        {
          g_warning ("Cannot serve TLS: %s", error->message);
          return TRUE;
        }
      g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
      session = session_new (self, tls);
      g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, session->cancellable,
                                        on_handshake, session_ref (session));
      return TRUE;
    }
  ob_sim_redir_server_serve_stream (self, G_IO_STREAM (connection));
  return TRUE;
}

/* ---- Public API ------------------------------------------------------------------------ */

ObSimRedirServer *
ob_sim_redir_server_new (ObSimDevice *device,
                         const char  *username,
                         const char  *password)
{
  ObSimRedirServer *self;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (device), NULL);

  self = g_object_new (OB_TYPE_SIM_REDIR_SERVER, NULL);
  self->device = g_object_ref (device);
  self->username = g_strdup (username != NULL ? username : OB_SIM_DEFAULT_USERNAME);
  self->password = g_strdup (password != NULL ? password : OB_SIM_DEFAULT_PASSWORD);
  self->device_ids[0] = g_signal_connect (device, "notify::power-state", G_CALLBACK (on_device_state), self);
  self->device_ids[1] = g_signal_connect (device, "notify::last-boot-target", G_CALLBACK (on_device_state), self);
  self->device_ids[2] = g_signal_connect (device, "notify::opt-in-state", G_CALLBACK (on_device_state), self);
  self->device_ids[3] = g_signal_connect (device, "notify::consent-code", G_CALLBACK (on_device_state), self);
  self->device_ids[4] = g_signal_connect (device, "notify::listener-enabled", G_CALLBACK (on_device_features), self);
  self->device_ids[5] = g_signal_connect (device, "notify::kvm-enabled", G_CALLBACK (on_device_features), self);
  self->device_ids[6] = g_signal_connect (device, "notify::sol-enabled", G_CALLBACK (on_device_features), self);
  return self;
}

ObSimDevice *
ob_sim_redir_server_get_device (ObSimRedirServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_REDIR_SERVER (self), NULL);
  return self->device;
}

void
ob_sim_redir_server_set_password (ObSimRedirServer *self,
                                  const char       *password)
{
  g_return_if_fail (OB_IS_SIM_REDIR_SERVER (self));
  g_return_if_fail (password != NULL);

  ob_secure_free_string (self->password);
  self->password = g_strdup (password);
}

ObSimScreen *
ob_sim_redir_server_get_screen (ObSimRedirServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_REDIR_SERVER (self), NULL);
  ensure_screen (self);
  return self->screen;
}

void
ob_sim_redir_server_set_screen_size (ObSimRedirServer *self,
                                     guint             width,
                                     guint             height)
{
  g_return_if_fail (OB_IS_SIM_REDIR_SERVER (self));

  self->screen_width = width;
  self->screen_height = height;
  if (self->screen != NULL)
    ob_sim_screen_resize (self->screen, width, height);
}

ObSimRfbServer *
ob_sim_redir_server_get_rfb_server (ObSimRedirServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_REDIR_SERVER (self), NULL);
  ensure_screen (self);
  return self->rfb;
}

void
ob_sim_redir_server_set_certificate (ObSimRedirServer *self,
                                     GTlsCertificate  *certificate)
{
  g_return_if_fail (OB_IS_SIM_REDIR_SERVER (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));
  g_set_object (&self->certificate, certificate);
}

gboolean
ob_sim_redir_server_listen (ObSimRedirServer  *self,
                            const char        *address,
                            guint              port,
                            gboolean           tls,
                            GError           **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  guint bound;

  g_return_val_if_fail (OB_IS_SIM_REDIR_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (port > 65535)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT, "%u is not a TCP port", port);
      return FALSE;
    }
  if ((tls && self->tls_port != 0) || (!tls && self->port != 0))
    {
      g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                           tls ? "Already serving TLS" : "Already serving plain redirection");
      return FALSE;
    }
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", address);
      return FALSE;
    }
  if (tls && self->certificate == NULL)
    {
      self->certificate = ob_sim_certificate_new (ob_sim_device_get_hostname (self->device), address, error);
      if (self->certificate == NULL)
        return FALSE;
    }
  if (self->service == NULL)
    {
      self->service = g_socket_service_new ();
      g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
    }
  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, error))
    return FALSE;
  bound = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  if (tls)
    self->tls_port = bound;
  else
    self->port = bound;
  g_free (self->address);
  self->address = g_strdup (address);
  g_socket_service_start (self->service);
  return TRUE;
}

guint
ob_sim_redir_server_get_port (ObSimRedirServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_REDIR_SERVER (self), 0);
  return self->port;
}

guint
ob_sim_redir_server_get_tls_port (ObSimRedirServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_REDIR_SERVER (self), 0);
  return self->tls_port;
}

void
ob_sim_redir_server_serve_stream (ObSimRedirServer *self,
                                  GIOStream        *stream)
{
  Session *session;

  g_return_if_fail (OB_IS_SIM_REDIR_SERVER (self));
  g_return_if_fail (G_IS_IO_STREAM (stream));

  session = session_new (self, stream);
  session_read (session);
}

void
ob_sim_redir_server_stop (ObSimRedirServer *self)
{
  g_autoptr(GPtrArray) open = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (OB_IS_SIM_REDIR_SERVER (self));

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
      self->port = 0;
      self->tls_port = 0;
    }
  if (self->rfb != NULL)
    ob_sim_rfb_server_stop (self->rfb);
  open = g_ptr_array_new_with_free_func ((GDestroyNotify) session_unref);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (open, session_ref (key));
  for (guint i = 0; i < open->len; i++)
    session_close (g_ptr_array_index (open, i), NULL);
}

guint
ob_sim_redir_server_get_n_connections (ObSimRedirServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_REDIR_SERVER (self), 0);
  return g_hash_table_size (self->sessions);
}

gboolean
ob_sim_redir_server_has_session (ObSimRedirServer *self,
                                 guint             session_type)
{
  g_return_val_if_fail (OB_IS_SIM_REDIR_SERVER (self), FALSE);
  g_return_val_if_fail (session_type < G_N_ELEMENTS (self->active), FALSE);
  return self->active[session_type] != NULL && self->active[session_type]->phase >= PHASE_KVM;
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
ob_sim_redir_server_dispose (GObject *object)
{
  ObSimRedirServer *self = OB_SIM_REDIR_SERVER (object);

  if (self->sessions != NULL)
    ob_sim_redir_server_stop (self);
  if (self->device != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (self->device_ids); i++)
        g_clear_signal_handler (&self->device_ids[i], self->device);
    }
  if (self->rfb != NULL)
    g_clear_signal_handler (&self->rfb_closed_id, self->rfb);
  g_clear_object (&self->rfb);
  g_clear_object (&self->screen);
  g_clear_object (&self->certificate);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_sim_redir_server_parent_class)->dispose (object);
}

static void
ob_sim_redir_server_finalize (GObject *object)
{
  ObSimRedirServer *self = OB_SIM_REDIR_SERVER (object);

  g_hash_table_unref (self->sessions);
  g_free (self->username);
  ob_secure_free_string (self->password);
  g_free (self->address);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ob_sim_redir_server_parent_class)->finalize (object);
}

static void
ob_sim_redir_server_class_init (ObSimRedirServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_sim_redir_server_dispose;
  object_class->finalize = ob_sim_redir_server_finalize;

  signals[SIGNAL_SESSION_STARTED] =
    g_signal_new ("session-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_SESSION_ENDED] =
    g_signal_new ("session-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
ob_sim_redir_server_init (ObSimRedirServer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->screen_width = OB_SIM_SCREEN_DEFAULT_WIDTH;
  self->screen_height = OB_SIM_SCREEN_DEFAULT_HEIGHT;
  self->sessions = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                          (GDestroyNotify) session_unref, NULL);
}
