/* ob-redir-session.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-http-digest.h"
#include "ob-redir-session.h"

#define READ_CHUNK            (16 * 1024)
#define DEFAULT_START_TIMEOUT 30
#define GOODBYE_TIMEOUT_MS    2000
/* The nc every known console sends to AMT. */
#define DIGEST_NC             "00000002"

typedef enum
{
  STATE_NEW,
  STATE_WAIT_START_REPLY,
  STATE_WAIT_QUERY_REPLY,
  STATE_WAIT_CHALLENGE,
  STATE_WAIT_AUTH_RESULT,
  STATE_WAIT_KVM_REPLY,
  STATE_WAIT_SOL_REPLY,
  STATE_WAIT_IDER_REPLY,
  STATE_RUNNING,          /* SOL or IDER */
  STATE_HANDED_OVER,      /* KVM: the stream carries RFB */
  STATE_WAIT_GOODBYE,     /* sent EndSOL / IDER close */
  STATE_CLOSED,
} State;

struct _ObRedirSession
{
  GObject             parent_instance;

  GIOStream          *stream;
  ObRedirSessionType  type;
  State               state;
  GCancellable       *cancellable;
  GMainContext       *context;

  char               *username;
  char               *password;
  ObRedirSolSettings  sol_settings;
  guint               start_timeout_s;

  GByteArray         *acc;
  /* Bytes at the start of acc already parsed while a message is being
   * handled: a start callback may steal the stream (and the rest of acc)
   * before process_input() drops them. */
  gsize               acc_parsed;
  guint8             *chunk;
  gboolean            reading;
  GByteArray         *out;
  gboolean            writing;
  GBytes             *writing_bytes;

  GTask              *start_task;
  GCancellable       *start_cancellable;   /* the caller's, while starting */
  gulong              start_cancel_id;
  GTask              *close_task;
  GSource            *timer;          /* start timeout, then heartbeat */
  GSource            *goodbye_timer;

  guint32             sequence;
  guint8              auth_type;
  guint8              protocol_major, protocol_minor;
  guint8              firmware_major, firmware_minor;
  guint8              sol_control, sol_status;
  gint64              last_heard;
  gboolean            closed_emitted;
  gboolean            finish_after_flush;
  gboolean            stream_closed;
};

G_DEFINE_FINAL_TYPE (ObRedirSession, ob_redir_session, G_TYPE_OBJECT)

enum
{
  SIGNAL_SOL_DATA,
  SIGNAL_SOL_CONTROLS,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_read (ObRedirSession *self);
static void close_stream_when_idle (ObRedirSession *self);
static void finish (ObRedirSession *self, GError *error);

/* The caller's cancellable only applies to the start. */
static void
forget_start_cancellable (ObRedirSession *self)
{
  if (self->start_cancellable != NULL)
    {
      g_cancellable_disconnect (self->start_cancellable, self->start_cancel_id);
      self->start_cancel_id = 0;
      g_clear_object (&self->start_cancellable);
    }
}

static void
wipe_password (ObRedirSession *self)
{
  if (self->password != NULL)
    {
      explicit_bzero (self->password, strlen (self->password));
      g_clear_pointer (&self->password, g_free);
    }
}

static void
drop_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
ob_redir_session_dispose (GObject *object)
{
  ObRedirSession *self = OB_REDIR_SESSION (object);

  g_cancellable_cancel (self->cancellable);
  forget_start_cancellable (self);
  drop_source (&self->timer);
  drop_source (&self->goodbye_timer);
  g_clear_object (&self->start_task);
  g_clear_object (&self->close_task);
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (ob_redir_session_parent_class)->dispose (object);
}

static void
ob_redir_session_finalize (GObject *object)
{
  ObRedirSession *self = OB_REDIR_SESSION (object);

  wipe_password (self);
  g_free (self->username);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_byte_array_unref (self->acc);
  g_byte_array_unref (self->out);
  g_clear_pointer (&self->writing_bytes, g_bytes_unref);
  g_free (self->chunk);

  G_OBJECT_CLASS (ob_redir_session_parent_class)->finalize (object);
}

static void
ob_redir_session_class_init (ObRedirSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_redir_session_dispose;
  object_class->finalize = ob_redir_session_finalize;

  /* ::sol-data (GBytes): bytes from the host's serial port. */
  signals[SIGNAL_SOL_DATA] =
    g_signal_new ("sol-data", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
  /* ::sol-controls (control, status): OB_REDIR_SOL_CONTROL_* and
   * OB_REDIR_SOL_STATUS_* bits (status & SYSTEM_POWER_ON: host is on). */
  signals[SIGNAL_SOL_CONTROLS] =
    g_signal_new ("sol-controls", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  /* ::closed (error or NULL) */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
ob_redir_session_init (ObRedirSession *self)
{
  self->cancellable = g_cancellable_new ();
  self->acc = g_byte_array_new ();
  self->out = g_byte_array_new ();
  self->chunk = g_malloc (READ_CHUNK);
  self->start_timeout_s = DEFAULT_START_TIMEOUT;
  ob_redir_sol_settings_init_default (&self->sol_settings);
}

ObRedirSession *
ob_redir_session_new (GIOStream          *stream,
                      ObRedirSessionType  type)
{
  ObRedirSession *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (type == OB_REDIR_SESSION_SOL || type == OB_REDIR_SESSION_KVM
                        || type == OB_REDIR_SESSION_IDER, NULL);

  self = g_object_new (OB_TYPE_REDIR_SESSION, NULL);
  self->stream = g_object_ref (stream);
  self->type = type;
  return self;
}

void
ob_redir_session_set_credentials (ObRedirSession *self,
                                  const char     *username,
                                  const char     *password)
{
  g_return_if_fail (OB_IS_REDIR_SESSION (self));

  g_free (self->username);
  self->username = g_strdup (username);
  wipe_password (self);
  self->password = g_strdup (password);
}

void
ob_redir_session_set_sol_settings (ObRedirSession           *self,
                                   const ObRedirSolSettings *settings)
{
  g_return_if_fail (OB_IS_REDIR_SESSION (self));
  g_return_if_fail (settings != NULL);

  self->sol_settings = *settings;
  if (self->sol_settings.max_tx_buffer == 0)
    self->sol_settings.max_tx_buffer = 1000;
}

void
ob_redir_session_set_start_timeout (ObRedirSession *self,
                                    guint           seconds)
{
  g_return_if_fail (OB_IS_REDIR_SESSION (self));
  self->start_timeout_s = MAX (seconds, 1);
}

ObRedirSessionType
ob_redir_session_get_session_type (ObRedirSession *self)
{
  g_return_val_if_fail (OB_IS_REDIR_SESSION (self), OB_REDIR_SESSION_NONE);
  return self->type;
}

gboolean
ob_redir_session_is_started (ObRedirSession *self)
{
  g_return_val_if_fail (OB_IS_REDIR_SESSION (self), FALSE);
  return self->state == STATE_RUNNING || self->state == STATE_HANDED_OVER;
}

void
ob_redir_session_get_versions (ObRedirSession *self,
                               guint          *protocol_major,
                               guint          *protocol_minor,
                               guint          *firmware_major,
                               guint          *firmware_minor)
{
  g_return_if_fail (OB_IS_REDIR_SESSION (self));

  if (protocol_major != NULL)
    *protocol_major = self->protocol_major;
  if (protocol_minor != NULL)
    *protocol_minor = self->protocol_minor;
  if (firmware_major != NULL)
    *firmware_major = self->firmware_major;
  if (firmware_minor != NULL)
    *firmware_minor = self->firmware_minor;
}

guint
ob_redir_session_get_auth_type (ObRedirSession *self)
{
  g_return_val_if_fail (OB_IS_REDIR_SESSION (self), 0);
  return self->auth_type;
}

guint8
ob_redir_session_get_sol_status (ObRedirSession *self)
{
  g_return_val_if_fail (OB_IS_REDIR_SESSION (self), 0);
  return self->sol_status;
}

/* ---- output ------------------------------------------------------------- */

static void flush_output (ObRedirSession *self);

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ObRedirSession) self = user_data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  g_clear_pointer (&self->writing_bytes, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (self->state != STATE_CLOSED && self->state != STATE_HANDED_OVER)
        finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                                   "Could not send to the device: %s", error->message));
      close_stream_when_idle (self);
      return;
    }
  if (self->state == STATE_CLOSED)
    {
      close_stream_when_idle (self);
      return;
    }
  flush_output (self);
  if (!self->writing && self->finish_after_flush)
    finish (self, NULL);
}

static void
flush_output (ObRedirSession *self)
{
  if (self->writing || self->out->len == 0 || self->state == STATE_CLOSED || self->stream == NULL)
    return;

  self->writing_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&self->out));
  self->out = g_byte_array_new ();
  self->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream),
                                   g_bytes_get_data (self->writing_bytes, NULL),
                                   g_bytes_get_size (self->writing_bytes),
                                   G_PRIORITY_DEFAULT, self->cancellable, write_done, g_object_ref (self));
}

/* Queue a built message (takes it). */
static void
send_msg (ObRedirSession *self,
          GBytes         *msg)
{
  G_GNUC_UNUSED g_autoptr(GBytes) owned = msg;

  g_return_if_fail (msg != NULL);
  g_byte_array_append (self->out, g_bytes_get_data (msg, NULL), (guint) g_bytes_get_size (msg));
  flush_output (self);
}

static guint32
next_seq (ObRedirSession *self)
{
  return self->sequence++;
}

/* ---- ending ------------------------------------------------------------- */

static void
close_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
}

/* A stream with an operation pending refuses to close: close it once the
 * cancelled read and write have come back. */
static void
close_stream_when_idle (ObRedirSession *self)
{
  if (self->state != STATE_CLOSED || self->stream == NULL || self->stream_closed
      || self->reading || self->writing)
    return;
  self->stream_closed = TRUE;
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, close_done, NULL);
}

/* The session is over (@error owned; NULL: a clean or local end). */
static void
finish (ObRedirSession *self,
        GError         *error)
{
  g_autoptr(GError) owned = error;
  G_GNUC_UNUSED g_autoptr(ObRedirSession) hold = g_object_ref (self);
  gboolean was_started;

  if (self->state == STATE_CLOSED)
    return;
  was_started = self->state == STATE_RUNNING || self->state == STATE_WAIT_GOODBYE;
  self->state = STATE_CLOSED;
  wipe_password (self);
  forget_start_cancellable (self);
  drop_source (&self->timer);
  drop_source (&self->goodbye_timer);
  g_cancellable_cancel (self->cancellable);
  close_stream_when_idle (self);

  if (self->start_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

      g_task_return_error (task, owned != NULL ? g_error_copy (owned)
                                               : g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                                                              "The session was closed before it started"));
    }
  if (self->close_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->close_task);

      g_task_return_boolean (task, TRUE);
    }
  if (was_started && !self->closed_emitted)
    {
      self->closed_emitted = TRUE;
      g_signal_emit (self, signals[SIGNAL_CLOSED], 0, owned);
    }
}

void
ob_redir_session_abort (ObRedirSession *self)
{
  g_return_if_fail (OB_IS_REDIR_SESSION (self));

  if (self->state == STATE_HANDED_OVER)
    return;
  finish (self, NULL);
}

/* ---- the opening -------------------------------------------------------- */

static void
started (ObRedirSession *self);

static char *
random_cnonce (void)
{
  GString *s = g_string_sized_new (32);

  for (guint i = 0; i < 4; i++)
    g_string_append_printf (s, "%08x", g_random_int ());
  return g_string_free (s, FALSE);
}

static void
send_session_start (ObRedirSession *self)
{
  switch (self->type)
    {
    case OB_REDIR_SESSION_KVM:
      self->state = STATE_WAIT_KVM_REPLY;
      send_msg (self, ob_redir_build_kvm_start ());
      break;
    case OB_REDIR_SESSION_SOL:
      self->state = STATE_WAIT_SOL_REPLY;
      send_msg (self, ob_redir_build_sol_start (next_seq (self), &self->sol_settings));
      break;
    case OB_REDIR_SESSION_IDER:
      self->state = STATE_WAIT_IDER_REPLY;
      /* MeshCommander's values: rx 30 s, tx none, heartbeat 20 s. */
      send_msg (self, ob_redir_build_ider_open (next_seq (self), 30000, 0, 20000));
      break;
    case OB_REDIR_SESSION_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* Handle one message; FALSE ends processing (session finished or handed
 * over). */
static gboolean
handle_message (ObRedirSession *self,
                ObRedirMessage *m)
{
  self->last_heard = g_get_monotonic_time ();

  switch (self->state)
    {
    case STATE_WAIT_START_REPLY:
      if (m->type != OB_REDIR_MSG_START_SESSION_REPLY)
        break;
      if (m->start_reply.status != OB_REDIR_STATUS_SUCCESS)
        {
          finish (self, ob_redir_start_status_to_error (self->type, m->start_reply.status));
          return FALSE;
        }
      self->protocol_major = m->start_reply.protocol_major;
      self->protocol_minor = m->start_reply.protocol_minor;
      self->firmware_major = m->start_reply.firmware_major;
      self->firmware_minor = m->start_reply.firmware_minor;
      self->state = STATE_WAIT_QUERY_REPLY;
      send_msg (self, ob_redir_build_auth_query ());
      return TRUE;

    case STATE_WAIT_QUERY_REPLY:
      if (m->type != OB_REDIR_MSG_AUTHENTICATE_REPLY || m->auth.auth_type != OB_REDIR_AUTH_QUERY)
        break;
      if (m->auth.status != OB_REDIR_AUTH_STATUS_SUCCESS)
        {
          finish (self, ob_redir_auth_status_to_error (OB_REDIR_AUTH_QUERY, m->auth.status));
          return FALSE;
        }
      {
        gboolean has[5] = { FALSE };

        for (gsize i = 0; i < m->auth.n_methods; i++)
          if (m->auth.methods[i] < G_N_ELEMENTS (has))
            has[m->auth.methods[i]] = TRUE;
        if (has[OB_REDIR_AUTH_DIGEST])
          self->auth_type = OB_REDIR_AUTH_DIGEST;
        else if (has[OB_REDIR_AUTH_DIGEST_NO_QOP])
          self->auth_type = OB_REDIR_AUTH_DIGEST_NO_QOP;
        else if (has[OB_REDIR_AUTH_USERPASS])
          self->auth_type = OB_REDIR_AUTH_USERPASS;
        else
          {
            finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_UNSUPPORTED,
                                       "The device offers no supported way to log in to the redirection service"));
            return FALSE;
          }
      }
      if (self->auth_type == OB_REDIR_AUTH_USERPASS)
        {
          self->state = STATE_WAIT_AUTH_RESULT;
          send_msg (self, ob_redir_build_auth_userpass (self->username, self->password));
          wipe_password (self);
        }
      else
        {
          self->state = STATE_WAIT_CHALLENGE;
          send_msg (self, ob_redir_build_auth_digest_hello (self->auth_type, self->username));
        }
      return TRUE;

    case STATE_WAIT_CHALLENGE:
      if (m->type != OB_REDIR_MSG_AUTHENTICATE_REPLY || m->auth.auth_type != self->auth_type)
        break;
      if (m->auth.status == OB_REDIR_AUTH_STATUS_SUCCESS)
        {
          /* Already authenticated (a relay that did it for us). */
          send_session_start (self);
          wipe_password (self);
          return TRUE;
        }
      if (m->auth.status != OB_REDIR_AUTH_STATUS_FAILURE || m->auth.realm == NULL || m->auth.nonce == NULL)
        {
          finish (self, ob_redir_auth_status_to_error (self->auth_type, m->auth.status));
          return FALSE;
        }
      {
        gboolean qop = self->auth_type == OB_REDIR_AUTH_DIGEST;
        g_autofree char *cnonce = random_cnonce ();
        g_autofree char *response = ob_http_digest_compute_response (self->username != NULL ? self->username : "",
                                                                     m->auth.realm,
                                                                     self->password != NULL ? self->password : "",
                                                                     OB_REDIR_DIGEST_METHOD, OB_REDIR_DIGEST_URI,
                                                                     m->auth.nonce, DIGEST_NC, cnonce,
                                                                     qop ? (m->auth.qop != NULL && *m->auth.qop ? m->auth.qop : "auth") : NULL);
        GBytes *msg = ob_redir_build_auth_digest_response (self->auth_type, self->username, m->auth.realm,
                                                           m->auth.nonce, OB_REDIR_DIGEST_URI, cnonce, DIGEST_NC,
                                                           response,
                                                           qop ? (m->auth.qop != NULL && *m->auth.qop ? m->auth.qop : "auth") : NULL);

        wipe_password (self);
        if (msg == NULL)
          {
            finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                                       "The device's digest challenge cannot be answered (field too long)"));
            return FALSE;
          }
        self->state = STATE_WAIT_AUTH_RESULT;
        send_msg (self, msg);
      }
      return TRUE;

    case STATE_WAIT_AUTH_RESULT:
      if (m->type != OB_REDIR_MSG_AUTHENTICATE_REPLY)
        break;
      if (m->auth.status != OB_REDIR_AUTH_STATUS_SUCCESS)
        {
          finish (self, ob_redir_auth_status_to_error (m->auth.auth_type, m->auth.status));
          return FALSE;
        }
      send_session_start (self);
      return TRUE;

    case STATE_WAIT_KVM_REPLY:
      if (m->type != OB_REDIR_MSG_KVM_START_REPLY)
        break;
      if (m->kvm.status != 0)
        {
          finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_DEVICE,
                                     "The device refused to start KVM (status %u)", m->kvm.status));
          return FALSE;
        }
      self->state = STATE_HANDED_OVER;
      started (self);
      return FALSE;

    case STATE_WAIT_SOL_REPLY:
      if (m->type != OB_REDIR_MSG_SOL_START_REPLY)
        break;
      if (m->sol_start.status != 0)
        {
          finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_DEVICE,
                                     "The device refused to start Serial-over-LAN (status %u)",
                                     m->sol_start.status));
          return FALSE;
        }
      self->state = STATE_RUNNING;
      started (self);
      return self->state == STATE_RUNNING;

    case STATE_WAIT_IDER_REPLY:
      if (m->type != OB_REDIR_MSG_IDER_OPEN_REPLY)
        break;
      self->state = STATE_RUNNING;
      started (self);
      return self->state == STATE_RUNNING;

    case STATE_RUNNING:
    case STATE_WAIT_GOODBYE:
      switch ((guint) m->type)
        {
        case OB_REDIR_MSG_SOL_DATA_FROM_HOST:
          if (m->sol_data.length > 0)
            {
              g_autoptr(GBytes) data = g_bytes_new (m->sol_data.data, m->sol_data.length);

              g_signal_emit (self, signals[SIGNAL_SOL_DATA], 0, data);
            }
          return self->state == STATE_RUNNING || self->state == STATE_WAIT_GOODBYE;
        case OB_REDIR_MSG_SOL_CONTROLS:
          self->sol_control = m->sol_controls.control;
          self->sol_status = m->sol_controls.status;
          g_signal_emit (self, signals[SIGNAL_SOL_CONTROLS], 0, (guint) self->sol_control, (guint) self->sol_status);
          return self->state == STATE_RUNNING || self->state == STATE_WAIT_GOODBYE;
        case OB_REDIR_MSG_SOL_HEARTBEAT:
          /* amtterm echoes heartbeats; AMT takes the echo as liveness. */
          if (self->state == STATE_RUNNING)
            send_msg (self, ob_redir_build_sol_heartbeat (next_seq (self)));
          return TRUE;
        case OB_REDIR_MSG_SOL_KEEPALIVE_PONG:
        case OB_REDIR_MSG_IDER_KEEPALIVE_PONG:
        case OB_REDIR_MSG_IDER_HEARTBEAT:
          return TRUE;
        case OB_REDIR_MSG_IDER_KEEPALIVE_PING:
          {
            ObRedirMessage pong = { .type = OB_REDIR_MSG_IDER_KEEPALIVE_PONG, .direction = OB_REDIR_TO_DEVICE };

            pong.sequence = next_seq (self);
            send_msg (self, ob_redir_message_build (&pong, OB_REDIR_SESSION_IDER));
          }
          return TRUE;
        case OB_REDIR_MSG_SOL_END_REPLY:
        case OB_REDIR_MSG_IDER_CLOSE_REPLY:
          if (self->state == STATE_WAIT_GOODBYE)
            {
              /* Close once EndRedirectionSession is written. */
              self->finish_after_flush = TRUE;
              send_msg (self, ob_redir_build_end_session ());
              return FALSE;
            }
          finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                                     "The device ended the %s session",
                                     ob_redir_session_type_to_string (self->type)));
          return FALSE;
        default:
          /* IDER SCSI traffic and anything else is not for this console;
           * the codec framed it, so skipping is safe. */
          return TRUE;
        }

    case STATE_NEW:
    case STATE_HANDED_OVER:
    case STATE_CLOSED:
    default:
      return FALSE;
    }

  finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                             "Unexpected %s from the device",
                             ob_redir_message_type_to_string (m->type, OB_REDIR_TO_CONSOLE, self->type)));
  return FALSE;
}

/* The session type that parsing assumes: none until the start reply. */
static ObRedirSessionType
parse_session (ObRedirSession *self)
{
  return self->state == STATE_WAIT_START_REPLY ? OB_REDIR_SESSION_NONE : self->type;
}

static void
process_input (ObRedirSession *self)
{
  G_GNUC_UNUSED g_autoptr(ObRedirSession) hold = g_object_ref (self);
  gsize pos = 0;

  while (self->state != STATE_CLOSED && self->state != STATE_HANDED_OVER)
    {
      g_auto(ObRedirMessage) m = { 0 };
      g_autoptr(GError) error = NULL;
      gsize used = 0;
      ObRedirParseStatus st = ob_redir_message_parse (self->acc->data + pos, self->acc->len - pos,
                                                      OB_REDIR_TO_CONSOLE, parse_session (self),
                                                      &m, &used, &error);

      if (st == OB_REDIR_PARSE_NEED_MORE)
        break;
      if (st == OB_REDIR_PARSE_ERROR)
        {
          finish (self, g_steal_pointer (&error));
          break;
        }
      pos += used;
      self->acc_parsed = pos;
      if (!handle_message (self, &m))
        break;
    }
  /* acc is empty when the stream was stolen from inside a handler. */
  if (pos > 0 && self->state != STATE_CLOSED && self->acc->len >= pos)
    g_byte_array_remove_range (self->acc, 0, (guint) pos);
  self->acc_parsed = 0;
}

static GError *
eof_error (ObRedirSession *self)
{
  switch (self->state)
    {
    case STATE_WAIT_KVM_REPLY:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CONSENT_REQUIRED,
                          "The device closed the KVM session before it started: user consent is required "
                          "(or was not given in time)");
    case STATE_RUNNING:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                          "The device closed the %s session", ob_redir_session_type_to_string (self->type));
    case STATE_WAIT_CHALLENGE:
    case STATE_WAIT_AUTH_RESULT:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_AUTH_FAILED,
                          "The device closed the connection during authentication");
    case STATE_NEW:
    case STATE_WAIT_START_REPLY:
    case STATE_WAIT_QUERY_REPLY:
    case STATE_WAIT_SOL_REPLY:
    case STATE_WAIT_IDER_REPLY:
    case STATE_HANDED_OVER:
    case STATE_WAIT_GOODBYE:
    case STATE_CLOSED:
    default:
      return g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                          "The device closed the redirection connection");
    }
}

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ObRedirSession) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  self->reading = FALSE;
  if (self->state == STATE_CLOSED)
    {
      close_stream_when_idle (self);
      return;
    }
  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        finish (self, g_steal_pointer (&error));
      else
        finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                                   "The redirection connection failed: %s", error->message));
      return;
    }
  if (n == 0)
    {
      if (self->state == STATE_WAIT_GOODBYE)
        finish (self, NULL);
      else
        finish (self, eof_error (self));
      return;
    }
  g_byte_array_append (self->acc, self->chunk, (guint) n);
  process_input (self);
  if (self->state != STATE_CLOSED && self->state != STATE_HANDED_OVER)
    start_read (self);
}

static void
start_read (ObRedirSession *self)
{
  if (self->reading)
    return;
  self->reading = TRUE;
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream), self->chunk, READ_CHUNK,
                             G_PRIORITY_DEFAULT, self->cancellable, read_done, g_object_ref (self));
}

/* ---- running ------------------------------------------------------------ */

static guint
heartbeat_ms (ObRedirSession *self)
{
  guint ms = self->sol_settings.heartbeat_interval;

  return ms >= 500 ? ms : 5000;
}

static gboolean
on_heartbeat (gpointer user_data)
{
  ObRedirSession *self = user_data;
  gint64 silent = g_get_monotonic_time () - self->last_heard;

  if (self->state != STATE_RUNNING)
    return G_SOURCE_CONTINUE;
  if (silent > (gint64) heartbeat_ms (self) * 4 * 1000)
    {
      finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT,
                                 "The device stopped answering (%s session)",
                                 ob_redir_session_type_to_string (self->type)));
      return G_SOURCE_REMOVE;
    }
  if (self->type == OB_REDIR_SESSION_SOL)
    send_msg (self, ob_redir_build_sol_keepalive_ping (next_seq (self)));
  else
    {
      ObRedirMessage ping = { .type = OB_REDIR_MSG_IDER_KEEPALIVE_PING, .direction = OB_REDIR_TO_DEVICE };

      ping.sequence = next_seq (self);
      send_msg (self, ob_redir_message_build (&ping, OB_REDIR_SESSION_IDER));
    }
  return G_SOURCE_CONTINUE;
}

static void
started (ObRedirSession *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  drop_source (&self->timer);
  wipe_password (self);
  forget_start_cancellable (self);
  if (self->state == STATE_RUNNING)
    {
      self->last_heard = g_get_monotonic_time ();
      self->timer = g_timeout_source_new (heartbeat_ms (self));
      g_source_set_callback (self->timer, on_heartbeat, self, NULL);
      g_source_attach (self->timer, self->context);
    }
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

static gboolean
on_start_timeout (gpointer user_data)
{
  ObRedirSession *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT,
                             "The device did not open the %s session in %u seconds",
                             ob_redir_session_type_to_string (self->type), self->start_timeout_s));
  return G_SOURCE_REMOVE;
}

static void
on_start_cancelled (GCancellable *cancellable,
                    gpointer      user_data)
{
  /* Cancelling our own cancellable fails the pending read, which ends the
   * start in our context with G_IO_ERROR_CANCELLED. */
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

void
ob_redir_session_start_async (ObRedirSession      *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_REDIR_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_redir_session_start_async);
  if (self->state != STATE_NEW)
    {
      g_task_return_new_error (task, OB_REDIR_ERROR, OB_REDIR_ERROR_INVALID_STATE,
                               "The redirection session was already started");
      return;
    }
  self->start_task = g_steal_pointer (&task);
  self->context = g_main_context_ref_thread_default ();
  if (cancellable != NULL)
    {
      self->start_cancellable = g_object_ref (cancellable);
      self->start_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_start_cancelled),
                                                     g_object_ref (self->cancellable), g_object_unref);
    }

  self->timer = g_timeout_source_new_seconds (self->start_timeout_s);
  g_source_set_callback (self->timer, on_start_timeout, self, NULL);
  g_source_attach (self->timer, self->context);

  self->state = STATE_WAIT_START_REPLY;
  self->sequence = 1;
  send_msg (self, ob_redir_build_start_session (self->type));
  start_read (self);
}

gboolean
ob_redir_session_start_finish (ObRedirSession  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- KVM hand-over ------------------------------------------------------ */

GIOStream *
ob_redir_session_steal_stream (ObRedirSession  *self,
                               GBytes         **leftover)
{
  GIOStream *stream;

  g_return_val_if_fail (OB_IS_REDIR_SESSION (self), NULL);
  g_return_val_if_fail (self->state == STATE_HANDED_OVER && self->stream != NULL, NULL);

  /* Nothing of ours is pending on the stream: no read was started after
   * the KVM reply, and writes are done (the last was 0x40, answered). */
  stream = g_steal_pointer (&self->stream);
  if (leftover != NULL)
    *leftover = g_bytes_new (self->acc->data + self->acc_parsed, self->acc->len - self->acc_parsed);
  g_byte_array_set_size (self->acc, 0);
  return stream;
}

ObRfbClient *
ob_redir_session_create_rfb_client (ObRedirSession *self)
{
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GBytes) leftover = NULL;

  g_return_val_if_fail (OB_IS_REDIR_SESSION (self), NULL);
  g_return_val_if_fail (self->state == STATE_HANDED_OVER && self->stream != NULL, NULL);

  stream = ob_redir_session_steal_stream (self, &leftover);
  return ob_rfb_client_new (stream, leftover);
}

/* ---- SOL ---------------------------------------------------------------- */

gboolean
ob_redir_session_sol_send (ObRedirSession  *self,
                           const guint8    *data,
                           gsize            length,
                           GError         **error)
{
  gsize max;

  g_return_val_if_fail (OB_IS_REDIR_SESSION (self), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (self->type != OB_REDIR_SESSION_SOL || self->state != STATE_RUNNING)
    {
      g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_INVALID_STATE,
                   "No Serial-over-LAN session is running");
      return FALSE;
    }
  max = MIN (MAX (self->sol_settings.max_tx_buffer, 1), OB_REDIR_MAX_SOL_DATA);
  for (gsize off = 0; off < length; off += max)
    send_msg (self, ob_redir_build_sol_data_to_host (next_seq (self), data + off, MIN (max, length - off)));
  return TRUE;
}

/* ---- closing ------------------------------------------------------------ */

static gboolean
on_goodbye_timeout (gpointer user_data)
{
  ObRedirSession *self = user_data;

  g_clear_pointer (&self->goodbye_timer, g_source_unref);
  /* No reply: end anyway. */
  finish (self, NULL);
  return G_SOURCE_REMOVE;
}

void
ob_redir_session_close_async (ObRedirSession      *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_REDIR_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_redir_session_close_async);

  if (self->state == STATE_CLOSED || self->state == STATE_HANDED_OVER)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->close_task != NULL)
    {
      g_task_return_new_error (task, OB_REDIR_ERROR, OB_REDIR_ERROR_INVALID_STATE,
                               "The session is already closing");
      return;
    }
  self->close_task = g_steal_pointer (&task);

  if (self->state != STATE_RUNNING)
    {
      /* Not started: nothing to say goodbye to. */
      finish (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                                 "The session was closed before it started"));
      return;
    }

  self->state = STATE_WAIT_GOODBYE;
  drop_source (&self->timer);
  if (self->type == OB_REDIR_SESSION_SOL)
    send_msg (self, ob_redir_build_sol_end (next_seq (self)));
  else
    {
      ObRedirMessage end = { .type = OB_REDIR_MSG_IDER_CLOSE, .direction = OB_REDIR_TO_DEVICE };

      end.sequence = next_seq (self);
      send_msg (self, ob_redir_message_build (&end, OB_REDIR_SESSION_IDER));
    }
  self->goodbye_timer = g_timeout_source_new (GOODBYE_TIMEOUT_MS);
  g_source_set_callback (self->goodbye_timer, on_goodbye_timeout, self, NULL);
  g_source_attach (self->goodbye_timer, self->context);
}

gboolean
ob_redir_session_close_finish (ObRedirSession  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
